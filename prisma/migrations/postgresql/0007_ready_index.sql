-- The status index of step records changed with almost every step (two entries per step start and
-- end): only the ready queue is read by status on the hot path (concurrency limits, pause), so it
-- gets a partial index; the rarer reads by status (cancel, run end, retry) scan the run's records
-- through the primary key.
DROP INDEX "StepRun_runId_status_readyAt_idx";
CREATE INDEX "StepRun_ready_idx" ON "StepRun"("runId", "readyAt", "seq") WHERE "status" = 'ready';
