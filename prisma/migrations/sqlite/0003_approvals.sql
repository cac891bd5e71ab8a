-- CreateTable
CREATE TABLE "Approval" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "teamId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "gateId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "policy" TEXT NOT NULL,
    "output" TEXT,
    "requestedAt" BIGINT NOT NULL,
    "expiresAt" BIGINT,
    "decidedAt" BIGINT,
    "decidedBy" TEXT,
    "version" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "ApprovalDecision" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "approvalId" TEXT NOT NULL,
    "actorId" TEXT,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "comment" TEXT,
    "payload" TEXT,
    "at" BIGINT NOT NULL
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "teamId" TEXT NOT NULL,
    "at" BIGINT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "before" TEXT,
    "after" TEXT,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "Approval_gateId_key" ON "Approval"("gateId");

-- CreateIndex
CREATE INDEX "Approval_teamId_status_idx" ON "Approval"("teamId", "status");

-- CreateIndex
CREATE INDEX "Approval_runId_idx" ON "Approval"("runId");

-- CreateIndex
CREATE INDEX "ApprovalDecision_approvalId_idx" ON "ApprovalDecision"("approvalId");

-- CreateIndex
CREATE INDEX "AuditLog_teamId_id_idx" ON "AuditLog"("teamId", "id");

