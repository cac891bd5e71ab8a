import { z } from "zod";
import { listArtifacts, ZArtifact, ZListArtifacts } from "~/server/services/artifacts";
import { controlRun, getRun, listRuns, startRun, stepLogs, ZListRuns, ZLogLine, ZRun, ZRunSummary, ZStartRun } from "~/server/services/runs";
import { pickIdempotencyKey } from "~/server/services/run-idempotency";
import { ZId, ZName, ZRowId } from "~/server/services/input-limits";
import { actorOf, procedure, router } from "../trpc";

const ZRunId = z.object({ id: ZId });

export const runsRouter = router({
  start: procedure
    .meta({ perm: "run.start", openapi: { method: "POST", path: "/runs", tags: ["runs"], summary: "Start a run; inputs are checked against the workflow's inputs", description: "With an `Idempotency-Key` header (1-255 printable ASCII characters, e.g. a UUID), a retry of the same request by the same caller within 24 h answers 200 with the run the first one started, never a second run; the same key with a different request answers 409." } })
    .input(ZStartRun)
    .output(ZRun)
    .mutation(({ ctx, input }) => startRun(actorOf(ctx), { ...input, idempotencyKey: pickIdempotencyKey(ctx.idempotencyKey, input.idempotencyKey) })),
  list: procedure
    .meta({ perm: "run.read", openapi: { method: "GET", path: "/runs", tags: ["runs"] } })
    .input(ZListRuns)
    .output(z.object({ items: z.array(ZRunSummary), nextCursor: z.string().nullable() }))
    .query(({ ctx, input }) => listRuns(actorOf(ctx), input)),
  get: procedure
    .meta({ perm: "run.read", openapi: { method: "GET", path: "/runs/{id}", tags: ["runs"] } })
    .input(ZRunId)
    .output(ZRun)
    .query(({ ctx, input }) => getRun(actorOf(ctx), input.id)),
  logs: procedure
    .meta({ perm: "run.read", openapi: { method: "GET", path: "/runs/{id}/steps/{stepId}/logs", tags: ["runs"], summary: "Log lines after `after` (follow with nextAfter)" } })
    .input(z.object({ id: ZId, stepId: ZName, after: ZRowId().optional(), limit: z.coerce.number().int().min(1).max(5000).optional() }))
    .output(z.object({ lines: z.array(ZLogLine), nextAfter: z.number().int(), done: z.boolean() }))
    .query(({ ctx, input }) => stepLogs(actorOf(ctx), input)),
  artifacts: procedure
    .meta({ perm: "run.read", openapi: { method: "GET", path: "/runs/{id}/steps/{stepId}/artifacts", tags: ["runs"], summary: "Files the step's attempt left in $WF_ARTIFACTS (name, size); download at .../artifacts/{attempt}/{name}" } })
    .input(ZListArtifacts)
    .output(z.object({ attempt: z.number().int(), items: z.array(ZArtifact) }))
    .query(({ ctx, input }) => listArtifacts(actorOf(ctx), input)),
  cancel: procedure
    .meta({ perm: "run.control", openapi: { method: "POST", path: "/runs/{id}/cancel", tags: ["runs"] } })
    .input(ZRunId)
    .output(ZRun)
    .mutation(({ ctx, input }) => controlRun(actorOf(ctx), input.id, "cancel")),
  pause: procedure
    .meta({ perm: "run.control", openapi: { method: "POST", path: "/runs/{id}/pause", tags: ["runs"] } })
    .input(ZRunId)
    .output(ZRun)
    .mutation(({ ctx, input }) => controlRun(actorOf(ctx), input.id, "pause")),
  resume: procedure
    .meta({ perm: "run.control", openapi: { method: "POST", path: "/runs/{id}/resume", tags: ["runs"] } })
    .input(ZRunId)
    .output(ZRun)
    .mutation(({ ctx, input }) => controlRun(actorOf(ctx), input.id, "resume")),
  retry: procedure
    .meta({ perm: "run.control", openapi: { method: "POST", path: "/runs/{id}/retry", tags: ["runs"], summary: "Retry a failed or cancelled run from its failed steps" } })
    .input(ZRunId)
    .output(ZRun)
    .mutation(({ ctx, input }) => controlRun(actorOf(ctx), input.id, "retry")),
});
