import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "~/server/api/root";

/** Shapes of the runs API as the browser receives them (superjson: dates are Date objects). */
type Out = inferRouterOutputs<AppRouter>;
type In = inferRouterInputs<AppRouter>;

export type Run = Out["runs"]["get"];
export type RunStep = Run["steps"][number];
export type StepAttempt = RunStep["attempts"][number];
export type RunSummary = Out["runs"]["list"]["items"][number];
export type RunStatus = Run["status"];
export type StepStatus = RunStep["status"];
export type ListRunsInput = In["runs"]["list"];
