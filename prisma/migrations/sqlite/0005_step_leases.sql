-- Step leases on the step record (see below), and the attempt history as a clustered table.
ALTER TABLE "StepRun" ADD COLUMN "command" TEXT;
ALTER TABLE "StepRun" ADD COLUMN "leaseOwner" TEXT;
ALTER TABLE "StepRun" ADD COLUMN "leaseExpiresAt" BIGINT;
ALTER TABLE "StepRun" ADD COLUMN "claims" INTEGER NOT NULL DEFAULT 0;

-- Step leases move from "Task" rows (kind 'step') onto the step's own record: a step's start, claim
-- and result then write one row instead of inserting and deleting a task row with three indexes.
CREATE INDEX "StepRun_leaseExpiresAt_idx" ON "StepRun"("leaseExpiresAt") WHERE "leaseExpiresAt" IS NOT NULL;
UPDATE "StepRun" SET
  "command" = (SELECT t."payload" FROM "Task" t WHERE t."runId" = "StepRun"."runId" AND t."stepId" = "StepRun"."stepId" AND t."kind" = 'step' ORDER BY t."id" DESC LIMIT 1),
  "leaseOwner" = (SELECT t."leaseOwner" FROM "Task" t WHERE t."runId" = "StepRun"."runId" AND t."stepId" = "StepRun"."stepId" AND t."kind" = 'step' ORDER BY t."id" DESC LIMIT 1),
  "leaseExpiresAt" = (SELECT COALESCE(t."leaseExpiresAt", t."availableAt") FROM "Task" t WHERE t."runId" = "StepRun"."runId" AND t."stepId" = "StepRun"."stepId" AND t."kind" = 'step' ORDER BY t."id" DESC LIMIT 1),
  "claims" = (SELECT t."claims" FROM "Task" t WHERE t."runId" = "StepRun"."runId" AND t."stepId" = "StepRun"."stepId" AND t."kind" = 'step' ORDER BY t."id" DESC LIMIT 1)
WHERE EXISTS (SELECT 1 FROM "Task" t WHERE t."runId" = "StepRun"."runId" AND t."stepId" = "StepRun"."stepId" AND t."kind" = 'step');
DELETE FROM "Task" WHERE "kind" = 'step';

-- One b-tree per attempt row instead of a rowid table plus its primary-key index.
CREATE TABLE "new_StepAttempt" (
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "worker" TEXT,
    "status" TEXT NOT NULL,
    "startedAt" BIGINT NOT NULL,
    "finishedAt" BIGINT,
    "error" TEXT,
    PRIMARY KEY ("runId", "stepId", "attempt")
) WITHOUT ROWID;
INSERT INTO "new_StepAttempt" SELECT "runId", "stepId", "attempt", "worker", "status", "startedAt", "finishedAt", "error" FROM "StepAttempt";
DROP TABLE "StepAttempt";
ALTER TABLE "new_StepAttempt" RENAME TO "StepAttempt";
