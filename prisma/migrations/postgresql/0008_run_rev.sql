-- The run's revision: bumped by every engine transaction that touches the run. A worker that kept
-- the run in memory commits a step in one statement that writes only while the revision is the one
-- it knows; wf_expect fails that statement (SQLSTATE 40001) when it is not, and the worker reads the
-- run again.
ALTER TABLE "Run" ADD COLUMN "rev" INTEGER NOT NULL DEFAULT 0;

CREATE FUNCTION wf_expect(ok boolean, what text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  IF NOT ok THEN
    RAISE EXCEPTION 'stale: %', what USING ERRCODE = '40001';
  END IF;
  RETURN 1;
END
$$;
