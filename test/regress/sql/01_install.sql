-- The background scheduler would refresh stream tables between the
-- statements of these tests: off for this database (it has e2e tests of its own).
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET pg_trickle.enabled = off', current_database()); END $$;

-- Installing the extension creates its schemas, catalog and API.
CREATE EXTENSION pg_trickle;

SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pgtrickle%' ORDER BY 1;

SELECT c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'pgtrickle' AND c.relkind = 'r'
 ORDER BY 1;

SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'pgtrickle'
 ORDER BY 1, 2;  -- overloads in a fixed order

-- Defaults of create_stream_table match the reference API.
SELECT pg_get_function_arguments('pgtrickle.create_stream_table'::regproc);

SELECT evtname, evtevent FROM pg_event_trigger WHERE evtname LIKE 'pgt_%' ORDER BY 1;

SHOW pg_trickle.min_schedule_seconds;
