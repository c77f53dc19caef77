-- Every setting of the reference system exists, with its type, default,
-- range and context (docs/SQL_REFERENCE.md, Configuration: "Settings of the
-- reference system"), so that a script written for it runs unchanged.
SELECT name, vartype, boot_val, min_val, max_val, enumvals, context
  FROM pg_settings WHERE name LIKE 'pg_trickle.%' ORDER BY name;
\set SHOW_CONTEXT never

-- The reference's postgresql.conf example, written with ALTER SYSTEM: every
-- setting accepted, no warning (these are the reference's defaults).
ALTER SYSTEM SET pg_trickle.enabled = true;
ALTER SYSTEM SET pg_trickle.cdc_mode = 'auto';
ALTER SYSTEM SET pg_trickle.scheduler_interval_ms = 1000;
ALTER SYSTEM SET pg_trickle.min_schedule_seconds = 1;
ALTER SYSTEM SET pg_trickle.default_schedule_seconds = 1;
ALTER SYSTEM SET pg_trickle.max_consecutive_errors = 3;
ALTER SYSTEM SET pg_trickle.wal_transition_timeout = 300;
ALTER SYSTEM SET pg_trickle.slot_lag_warning_threshold_mb = 100;
ALTER SYSTEM SET pg_trickle.slot_lag_critical_threshold_mb = 1024;
ALTER SYSTEM SET pg_trickle.differential_max_change_ratio = 0.15;
ALTER SYSTEM SET pg_trickle.merge_planner_hints = true;
ALTER SYSTEM SET pg_trickle.merge_work_mem_mb = 64;
ALTER SYSTEM SET pg_trickle.merge_seqscan_threshold = 0.001;
ALTER SYSTEM SET pg_trickle.cleanup_use_truncate = true;
ALTER SYSTEM SET pg_trickle.use_prepared_statements = true;
ALTER SYSTEM SET pg_trickle.user_triggers = 'auto';
ALTER SYSTEM SET pg_trickle.block_source_ddl = false;
ALTER SYSTEM SET pg_trickle.buffer_alert_threshold = 1000000;
ALTER SYSTEM SET pg_trickle.compact_threshold = 100000;
ALTER SYSTEM SET pg_trickle.buffer_partitioning = 'off';
ALTER SYSTEM SET pg_trickle.max_grouping_set_branches = 64;
ALTER SYSTEM SET pg_trickle.ivm_topk_max_limit = 1000;
ALTER SYSTEM SET pg_trickle.ivm_recursive_max_depth = 100;
ALTER SYSTEM SET pg_trickle.allow_circular = false;
ALTER SYSTEM SET pg_trickle.max_fixpoint_iterations = 100;
ALTER SYSTEM SET pg_trickle.parallel_refresh_mode = 'off';
ALTER SYSTEM SET pg_trickle.max_dynamic_refresh_workers = 4;
ALTER SYSTEM SET pg_trickle.max_concurrent_refreshes = 4;
ALTER SYSTEM SET pg_trickle.change_buffer_schema = 'pgtrickle_changes';
ALTER SYSTEM SET pg_trickle.foreign_table_polling = false;
ALTER SYSTEM SET pg_trickle.matview_polling = false;
ALTER SYSTEM SET pg_trickle.cdc_trigger_mode = 'statement';
ALTER SYSTEM SET pg_trickle.tick_watermark_enabled = true;
ALTER SYSTEM SET pg_trickle.auto_backoff = true;
ALTER SYSTEM SET pg_trickle.tiered_scheduling = false;
ALTER SYSTEM SET pg_trickle.algebraic_drift_reset_cycles = 0;
ALTER SYSTEM SET pg_trickle.watermark_holdback_timeout = 600;
-- A value that changes nothing here warns (ALTER SYSTEM validates it in this
-- backend; the SET of the same setting below does not warn again).
ALTER SYSTEM SET pg_trickle.cdc_mode = 'wal';
ALTER SYSTEM RESET ALL;

-- SET in a session: every setting (superuser). Values that would change
-- something in the reference and change nothing here warn, once per backend
-- and setting; the settings with a meaning here are wired and do not warn.
SET pg_trickle.enabled = on;
SET pg_trickle.scheduler_interval_ms = 500;
SET pg_trickle.min_schedule_seconds = 2;
SET pg_trickle.default_schedule_seconds = 2;
SET pg_trickle.max_consecutive_errors = 5;
SET pg_trickle.differential_max_change_ratio = 0.25;
SET pg_trickle.max_dynamic_refresh_workers = 8;
SET pg_trickle.max_concurrent_refreshes = 8;
SET pg_trickle.parallel_refresh_mode = 'dry_run';
SET pg_trickle.cleanup_use_truncate = off;
SET pg_trickle.use_prepared_statements = off;
SET pg_trickle.auto_backoff = off;
SET pg_trickle.tiered_scheduling = off;
SET pg_trickle.block_source_ddl = on;
SET pg_trickle.buffer_alert_threshold = 5000;
SET pg_trickle.cdc_mode = 'trigger';
SET pg_trickle.user_triggers = 'on';
SET pg_trickle.cdc_mode = 'WAL';
SET pg_trickle.wal_transition_timeout = 60;
SET pg_trickle.slot_lag_warning_threshold_mb = 200;
SET pg_trickle.slot_lag_critical_threshold_mb = 2048;
SET pg_trickle.merge_planner_hints = off;
SET pg_trickle.merge_work_mem_mb = 128;
SET pg_trickle.merge_seqscan_threshold = 0.01;
SET pg_trickle.user_triggers = 'off';
SET pg_trickle.compact_threshold = 0;
SET pg_trickle.max_grouping_set_branches = 128;
SET pg_trickle.ivm_topk_max_limit = 10;
SET pg_trickle.ivm_recursive_max_depth = 0;
SET pg_trickle.buffer_partitioning = 'auto';
SET pg_trickle.foreign_table_polling = on;
SET pg_trickle.matview_polling = on;
SET pg_trickle.cdc_trigger_mode = 'row';
SET pg_trickle.tick_watermark_enabled = off;
SET pg_trickle.algebraic_drift_reset_cycles = 100;
SET pg_trickle.change_buffer_schema = 'my_changes';
-- Once: no second warning in this backend.
SET pg_trickle.merge_planner_hints = off;
SET pg_trickle.matview_polling = true;
SET pg_trickle.cdc_mode = 'wal';
SHOW pg_trickle.user_triggers;
RESET ALL;
-- Out of the reference's ranges and values: refused as there.
SET pg_trickle.max_concurrent_refreshes = 33;
SET pg_trickle.parallel_refresh_mode = 'sometimes';
SET pg_trickle.buffer_alert_threshold = 10;

-- ALTER DATABASE (a fresh backend: it warns again, once per setting).
\c
\set SHOW_CONTEXT never
DO $$
DECLARE s record;
BEGIN
  FOR s IN SELECT * FROM (VALUES ('merge_work_mem_mb', '256'), ('tiered_scheduling', 'on'),
                                 ('max_concurrent_refreshes', '2'), ('auto_backoff', 'off')) v(name, value) LOOP
    EXECUTE format('ALTER DATABASE %I SET pg_trickle.%s = %L', current_database(), s.name, s.value);
  END LOOP;
END $$;
SELECT unnest(setconfig) AS setting FROM pg_db_role_setting
 WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND setrole = 0 ORDER BY 1;
DO $$
DECLARE s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['merge_work_mem_mb', 'tiered_scheduling', 'max_concurrent_refreshes', 'auto_backoff'] LOOP
    EXECUTE format('ALTER DATABASE %I RESET pg_trickle.%s', current_database(), s);
  END LOOP;
END $$;

-- Wired: pg_trickle.block_source_ddl refuses DDL that would reinitialize a
-- stream table, and says how to run it.
CREATE TABLE ref_src (id int PRIMARY KEY, v int);
INSERT INTO ref_src SELECT g, g FROM generate_series(1, 100) g;
SELECT pgtrickle.create_stream_table('ref_st', 'SELECT id, v FROM ref_src', refresh_mode => 'DIFFERENTIAL');
SET pg_trickle.block_source_ddl = on;
ALTER TABLE ref_src ALTER COLUMN v TYPE bigint;
RESET pg_trickle.block_source_ddl;
ALTER TABLE ref_src ALTER COLUMN v TYPE bigint;

-- Wired: pg_trickle.differential_max_change_ratio = 0 disables the FULL
-- fallback (as in the reference); at 0.15 most of the table changing makes it FULL.
UPDATE ref_src SET v = v + 1;
SET pg_trickle.differential_max_change_ratio = 0;
SELECT pgtrickle.refresh_stream_table('ref_st');
UPDATE ref_src SET v = v + 1;
RESET pg_trickle.differential_max_change_ratio;
SELECT pgtrickle.refresh_stream_table('ref_st');
SELECT action, status FROM pgtrickle.get_refresh_history('ref_st') ORDER BY refresh_id DESC LIMIT 2;

-- Wired: pg_trickle.cleanup_use_truncate. A large buffer whose changes are
-- all consumed is truncated (a new file), or with off deleted from (same file).
CREATE TEMP TABLE ref_files AS SELECT pg_relation_filenode(buffer_relid) AS f
  FROM pgtrickle.pgt_change_tracking WHERE source_relid = 'ref_src'::regclass;
INSERT INTO ref_src SELECT g, g FROM generate_series(101, 20100) g;
SET pg_trickle.cleanup_use_truncate = off;
SET pg_trickle.differential_max_change_ratio = 1000;
SELECT pgtrickle.refresh_stream_table('ref_st');
SELECT pg_relation_filenode(buffer_relid) = (SELECT f FROM ref_files) AS same_file_after_delete
  FROM pgtrickle.pgt_change_tracking WHERE source_relid = 'ref_src'::regclass;
UPDATE ref_src SET v = v + 1;
RESET pg_trickle.cleanup_use_truncate;
SELECT pgtrickle.refresh_stream_table('ref_st');
SELECT pg_relation_filenode(buffer_relid) = (SELECT f FROM ref_files) AS same_file_after_truncate
  FROM pgtrickle.pgt_change_tracking WHERE source_relid = 'ref_src'::regclass;
SELECT count(*) FROM (SELECT id, v FROM ref_st EXCEPT SELECT id, v FROM ref_src) d;

-- Wired: pg_trickle.use_prepared_statements = off plans every refresh afresh
-- (results unchanged).
SET pg_trickle.use_prepared_statements = off;
UPDATE ref_src SET v = v - 1 WHERE id <= 10;
SELECT pgtrickle.refresh_stream_table('ref_st');
SELECT count(*) FROM (SELECT id, v FROM ref_st EXCEPT SELECT id, v FROM ref_src) d;
RESET ALL;
SELECT pgtrickle.drop_stream_table('ref_st');
DROP TABLE ref_src;
