-- The scheduler's settings (the scheduler itself is tested end to end in
-- test/e2e; it is off for this database, see 01_install).
SELECT name, setting, unit, context FROM pg_settings
 WHERE name IN ('pg_trickle.enabled', 'pg_trickle.scheduler_interval_ms', 'pg_trickle.default_schedule_seconds',
                'pg_trickle.min_schedule_seconds', 'pg_trickle.max_consecutive_errors',
                'pg_trickle.max_dynamic_refresh_workers', 'pg_trickle.max_concurrent_refreshes',
                'pg_trickle.parallel_refresh_mode', 'pg_trickle.auto_backoff') ORDER BY name;
SELECT current_setting('pg_trickle.enabled') AS enabled_here;

-- As in the reference, a superuser may set them in a session (a deployment
-- script does); the scheduler reads its own (postgresql.conf, ALTER SYSTEM,
-- ALTER DATABASE). Others may not.
SET pg_trickle.scheduler_interval_ms = 100;
SET pg_trickle.max_consecutive_errors = 5;
RESET pg_trickle.scheduler_interval_ms;
RESET pg_trickle.max_consecutive_errors;
CREATE ROLE sch_setter;
SET ROLE sch_setter;
SET pg_trickle.max_consecutive_errors = 5;
RESET ROLE;
DROP ROLE sch_setter;

-- Capture triggers wake the database's scheduler when their transaction
-- commits (a no-op without one, as here), naming the captured table (also
-- when the trigger that fired is on one of its partitions).
CREATE TABLE sch_src (id int PRIMARY KEY);
SELECT pgtrickle.create_stream_table('sch_st', 'SELECT id FROM sch_src', schedule => '1s');
SELECT p.prosrc LIKE '%PERFORM pgtrickle._signal_scheduler(' || 'sch_src'::regclass::oid || '::pg_catalog.oid);%' AS signals
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'pgtrickle_changes' AND p.proname = 'capture_' || 'sch_src'::regclass::oid;
INSERT INTO sch_src VALUES (1);
SELECT count(*) FROM sch_st;  -- nothing refreshes it here
SELECT pgtrickle.refresh_stream_table('sch_st');
SELECT count(*) FROM sch_st;

-- Not callable by ordinary users.
CREATE ROLE sch_user;
SET ROLE sch_user;
SELECT pgtrickle._signal_scheduler('sch_src'::regclass);
RESET ROLE;
DROP ROLE sch_user;

-- A malformed schedule is refused at alter time with a HINT.
SELECT pgtrickle.alter_stream_table('sch_st', schedule => '*/0 * * * *');
SELECT pgtrickle.drop_stream_table('sch_st');
DROP TABLE sch_src;
