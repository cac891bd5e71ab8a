import type { z } from "zod";
import {
  ZAgentParams,
  ZApprovalParams,
  ZGitParams,
  ZHttpParams,
  ZLlmParams,
  ZNoopParams,
  ZShellParams,
  ZSubworkflowParams,
  ZWaitParams,
  type LeafStepType,
} from "./schema";

const PARAMS: Record<LeafStepType, z.ZodType> = {
  shell: ZShellParams,
  http: ZHttpParams,
  agent: ZAgentParams,
  llm: ZLlmParams,
  git: ZGitParams,
  noop: ZNoopParams,
  approval: ZApprovalParams,
  wait: ZWaitParams,
  subworkflow: ZSubworkflowParams,
};

/** The params schema of a leaf step type (what a gate's retry or modify may set), or undefined. */
export function paramsSchema(type: string): z.ZodType | undefined {
  return Object.hasOwn(PARAMS, type) ? PARAMS[type as LeafStepType] : undefined;
}
