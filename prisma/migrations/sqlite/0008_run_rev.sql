-- The run's revision: bumped by every engine transaction that touches the run (see the PostgreSQL
-- migration; SQLite keeps the column for one schema, its store checks its own epoch instead).
ALTER TABLE "Run" ADD COLUMN "rev" INTEGER NOT NULL DEFAULT 0;
