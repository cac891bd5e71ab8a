-- AlterTable
ALTER TABLE "StepRun" ADD COLUMN     "claims" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "command" TEXT,
ADD COLUMN     "leaseExpiresAt" BIGINT,
ADD COLUMN     "leaseOwner" TEXT;


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
