import type { Positions } from "./auto-layout";

/** The version the editor's text was loaded from or last saved as (name undefined: never saved). */
export type SavedVersion = { name?: string; version: number; text: string };

export type SaveRequest = { yaml: string; message?: string; layout: { positions: Positions }; baseVersion?: number };

/**
 * The body of workflows.save. `baseVersion` guards against overwriting someone else's newer version:
 * sent when saving the workflow the text came from (0 for a new one, so an existing name is not
 * overwritten); left out when the name in the text changed, which saves under the other name. Pure.
 */
export function saveRequest(text: string, message: string, positions: Positions, saved: SavedVersion, workflowName: string): SaveRequest {
  return {
    yaml: text,
    ...(message.trim() ? { message: message.trim() } : {}),
    layout: { positions },
    ...(saved.name === workflowName ? { baseVersion: saved.version } : saved.name === undefined ? { baseVersion: 0 } : {}),
  };
}
