-- AlterTable
ALTER TABLE "Team" ADD COLUMN "createdById" TEXT;
ALTER TABLE "Team" ADD COLUMN "createdByTeamId" TEXT;

-- CreateIndex
CREATE INDEX "AuditLog_teamId_at_idx" ON "AuditLog"("teamId", "at");

