-- AlterTable
ALTER TABLE "ApprovalDecision" ADD COLUMN "form" TEXT;

