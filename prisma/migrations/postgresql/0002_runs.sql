-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "workflowId" TEXT NOT NULL,
    "workflowVersionId" TEXT NOT NULL,
    "workflowName" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "approvalMode" TEXT NOT NULL DEFAULT 'interactive',
    "startedById" TEXT,
    "parentRunId" TEXT,
    "header" TEXT NOT NULL,
    "reason" TEXT,
    "outputs" TEXT,
    "createdAt" BIGINT NOT NULL,
    "startedAt" BIGINT,
    "finishedAt" BIGINT,
    "updatedAt" BIGINT NOT NULL,

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StepRun" (
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "readyAt" BIGINT,
    "startedAt" BIGINT,
    "finishedAt" BIGINT,

    CONSTRAINT "StepRun_pkey" PRIMARY KEY ("runId","stepId")
);

-- CreateTable
CREATE TABLE "Task" (
    "id" SERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT,
    "attempt" INTEGER,
    "kind" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "availableAt" BIGINT NOT NULL,
    "leaseOwner" TEXT,
    "leaseExpiresAt" BIGINT,
    "claims" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StepAttempt" (
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "worker" TEXT,
    "status" TEXT NOT NULL,
    "startedAt" BIGINT NOT NULL,
    "finishedAt" BIGINT,
    "error" TEXT,

    CONSTRAINT "StepAttempt_pkey" PRIMARY KEY ("runId","stepId","attempt")
);

-- CreateTable
CREATE TABLE "StepLog" (
    "id" SERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "stream" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "at" BIGINT NOT NULL,

    CONSTRAINT "StepLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Run_teamId_createdAt_idx" ON "Run"("teamId", "createdAt");

-- CreateIndex
CREATE INDEX "Run_teamId_status_idx" ON "Run"("teamId", "status");

-- CreateIndex
CREATE INDEX "Run_parentRunId_idx" ON "Run"("parentRunId");

-- CreateIndex
CREATE INDEX "StepRun_runId_status_readyAt_idx" ON "StepRun"("runId", "status", "readyAt");

-- CreateIndex
CREATE INDEX "Task_kind_leaseOwner_availableAt_idx" ON "Task"("kind", "leaseOwner", "availableAt");

-- CreateIndex
CREATE INDEX "Task_leaseExpiresAt_idx" ON "Task"("leaseExpiresAt");

-- CreateIndex
CREATE INDEX "Task_runId_stepId_idx" ON "Task"("runId", "stepId");

-- CreateIndex
CREATE INDEX "StepLog_runId_stepId_id_idx" ON "StepLog"("runId", "stepId", "id");

