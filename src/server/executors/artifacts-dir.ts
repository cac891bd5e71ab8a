import { join, resolve } from "node:path";

/** File-name-safe form of a step id (foreach instances are `id[3]`). */
export const fileSafe = (stepId: string): string => stepId.replace(/[^A-Za-z0-9_.[\]-]/g, "_");

/** `<dataDir>/workspaces`: the root every run's workspace lives under. */
export const workspacesRoot = (dataDir: string): string => resolve(dataDir, "workspaces");

/**
 * Where one attempt of a step leaves files for people to review (`$WF_ARTIFACTS`):
 * `<dataDir>/workspaces/<runId>/.wf/artifacts/<stepId>/<attempt>/`. One directory per attempt, so a
 * retried step's new files never mix with the ones a reviewer saw before.
 */
export function artifactsDir(dataDir: string, runId: string, stepId: string, attempt: number): string {
  return join(workspacesRoot(dataDir), ...artifactsSegments(runId, stepId, attempt));
}

/** The same directory as path segments under workspacesRoot(), for openUnder (no link followed on the way). */
export function artifactsSegments(runId: string, stepId: string, attempt: number): string[] {
  return [runId, ".wf", "artifacts", fileSafe(stepId), String(attempt)];
}
