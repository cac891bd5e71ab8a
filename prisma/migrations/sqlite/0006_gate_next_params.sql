-- AlterTable
ALTER TABLE "ApprovalDecision" ADD COLUMN "nextParams" TEXT;

