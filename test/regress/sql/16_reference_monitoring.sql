-- The reference's monitoring functions by name (docs/SQL_REFERENCE.md,
-- "Monitoring functions (reference names)"): explain_st, st_refresh_stats,
-- dependency_tree, refresh_timeline, trigger_inventory, check_cdc_health,
-- worker_pool_status, st_auto_threshold. Tried on a database without stream
-- tables, on stream tables of every mode with hostile names, with capture
-- triggers disabled and dropped, as a role that may read one stream table and
-- as one that may read none. Times, oids and frontiers vary from run to run:
-- only their shape is shown. The sources are gated, so that the scheduler
-- leaves the stream tables (and their history) alone.
\set VERBOSITY default
\set SHOW_CONTEXT never

-- A database without stream tables: every function answers, empty; names do
-- not exist.
\set regress_db :DBNAME
CREATE DATABASE pgt_mon_empty;
ALTER DATABASE pgt_mon_empty SET pg_trickle.enabled = off;
\c pgt_mon_empty
CREATE EXTENSION pg_trickle;
SELECT count(*) AS stats_rows FROM pgtrickle.st_refresh_stats();
SELECT * FROM pgtrickle.dependency_tree();
SELECT * FROM pgtrickle.refresh_timeline();
SELECT * FROM pgtrickle.trigger_inventory();
SELECT * FROM pgtrickle.check_cdc_health();
SELECT active_workers, max_workers, per_db_cap, parallel_mode FROM pgtrickle.worker_pool_status();
SELECT * FROM pgtrickle.explain_st('nothing_here');
SELECT * FROM pgtrickle.st_refresh_stats('nothing_here');
SELECT * FROM pgtrickle.dependency_tree('nothing_here');
SELECT * FROM pgtrickle.refresh_timeline('nothing_here');
SELECT pgtrickle.st_auto_threshold('nothing_here');
-- A table that is not a stream table is not one either.
CREATE TABLE plain (id int);
SELECT * FROM pgtrickle.explain_st('plain');
-- NULL in, nothing out (STRICT, as the reference's).
SELECT count(*) AS null_rows FROM pgtrickle.explain_st(NULL);
SELECT pgtrickle.st_auto_threshold(NULL);
\c :regress_db
DROP DATABASE pgt_mon_empty;

-- Stream tables of every mode, with hostile names: an aggregate over a
-- keyed table, a stream table reading it, one over a partitioned table, an
-- IMMEDIATE one over the same, a FULL one.
CREATE SCHEMA "Mon ""it""";
SET search_path = "Mon ""it""", public;
CREATE TABLE "Ord""ers x" (id int PRIMARY KEY, "Re gion" text, amount int);
INSERT INTO "Ord""ers x" SELECT i, 'r' || (i % 3), i FROM generate_series(1, 30) i;
CREATE TABLE parted (id int, k int, v int) PARTITION BY RANGE (k);
CREATE TABLE "part 1" PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE TABLE "part 2" PARTITION OF parted FOR VALUES FROM (10) TO (20);
INSERT INTO parted SELECT i, i % 20, i FROM generate_series(1, 40) i;
SELECT pgtrickle.gate_source('"Ord""ers x"');
SELECT pgtrickle.gate_source('parted');
SELECT pgtrickle.create_stream_table('"Tot ""als"',
  'SELECT "Re gion", sum(amount) AS total, count(*) AS n FROM "Ord""ers x" GROUP BY "Re gion"',
  schedule => '1h', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('top', 'SELECT "Re gion", total FROM "Tot ""als" WHERE n > 5',
  schedule => '1h', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('part_st', 'SELECT k, count(*) AS n FROM parted GROUP BY k',
  schedule => '1h', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('imm', 'SELECT id, v FROM parted WHERE v > 30', refresh_mode => 'IMMEDIATE');
SELECT pgtrickle.create_stream_table('full_st',
  'SELECT id, rank() OVER (ORDER BY amount) AS r FROM "Ord""ers x"', schedule => '1s', refresh_mode => 'FULL');
INSERT INTO "Ord""ers x" VALUES (31, 'r1', 100), (32, 'new', 5);
DELETE FROM "Ord""ers x" WHERE id = 1;
SELECT pgtrickle.refresh_stream_table('"Tot ""als"');
SELECT pgtrickle.refresh_stream_table('top');

-- explain_st: one row per property there is data for; the reference's
-- names, this design's data (the maintenance plan as operator_tree, the
-- generated apply statement as delta_query, the exact frontier).
SELECT property,
       CASE property
           WHEN 'source_oids' THEN regexp_replace(value, '[0-9]+', 'N', 'g')
           WHEN 'frontier' THEN CASE WHEN value ~ '^[0-9]+:[0-9]+:' THEN 'a snapshot' ELSE value END
           WHEN 'delta_query' THEN CASE WHEN value ~* 'merge|insert|delete|update' THEN 'SQL' ELSE value END
           WHEN 'refresh_timing_stats' THEN
               (SELECT string_agg(k, ',' ORDER BY k) FROM json_object_keys(value::json) k) || ' samples=' ||
               (value::json ->> 'samples')
           ELSE value END AS value
  FROM pgtrickle.explain_st('"Tot ""als"');
SELECT property, value FROM pgtrickle.explain_st('"Mon ""it""".part_st')
 WHERE property IN ('pgt_name', 'refresh_mode', 'source_partitions', 'dvm_supported');
SELECT property, value FROM pgtrickle.explain_st('imm')
 WHERE property IN ('pgt_name', 'refresh_mode', 'schedule', 'dvm_supported', 'source_partitions', 'auto_threshold');
SELECT property, value FROM pgtrickle.explain_st('full_st')
 WHERE property IN ('refresh_mode', 'configured_refresh_mode', 'dvm_supported', 'operator_tree', 'delta_query',
                    'frontier', 'auto_threshold', 'schedule');
-- The subgraph of one stream table: what it reads and what reads it, not
-- the rest (part_st is not in the graph of top).
SELECT value FROM pgtrickle.explain_st('top') WHERE property = 'dependency_graph_dot';
SELECT pgtrickle.dependency_graph() LIKE '%part_st%' AS whole_graph_has_part_st;

-- st_refresh_stats: all (the reference's form) and one.
SELECT pgt_name, pgt_schema, status, refresh_mode, is_populated, total_refreshes, successful_refreshes,
       failed_refreshes, total_rows_inserted, total_rows_updated, total_rows_deleted, avg_duration_ms >= 0 AS timed,
       last_refresh_action, last_refresh_status, last_refresh_at IS NOT NULL AS refreshed, staleness_secs >= 0 AS
       has_staleness
  FROM pgtrickle.st_refresh_stats() WHERE pgt_schema = 'Mon "it"';
SELECT pgt_name, total_refreshes, last_refresh_action, stale FROM pgtrickle.st_refresh_stats('"Tot ""als"');
-- stale: behind its schedule by more than twice it with something to
-- refresh (the FULL table, 1s schedule, gated: the scheduler leaves it);
-- the same rule as health_check's stale_tables.
SELECT pg_sleep(2.2);
SELECT pgt_name, stale FROM pgtrickle.st_refresh_stats() WHERE pgt_schema = 'Mon "it"';
SELECT detail LIKE '%"Mon ""it""".full_st%' AS health_check_agrees FROM pgtrickle.health_check()
 WHERE check_name = 'stale_tables';

-- dependency_tree: the whole forest (the reference's form) and one subtree.
SELECT tree_line, node, node_type, depth, status, refresh_mode FROM pgtrickle.dependency_tree()
 WHERE node LIKE '"Mon ""it""".%';
SELECT * FROM pgtrickle.dependency_tree('top');
SELECT * FROM pgtrickle.dependency_tree('part_st');

-- refresh_timeline: every stream table (the reference's form, max_rows
-- DEFAULT 50) or one, newest first.
SELECT stream_table, action, status, rows_inserted, rows_deleted, duration_ms >= 0 AS timed, error_message
  FROM pgtrickle.refresh_timeline(1000) WHERE stream_table LIKE '"Mon ""it""".%';
SELECT count(*) AS two FROM pgtrickle.refresh_timeline(2);
SELECT count(*) AS none FROM pgtrickle.refresh_timeline(0);
SELECT count(*) AS none FROM pgtrickle.refresh_timeline(-1);
SELECT count(*) <= 50 AS at_most_50 FROM pgtrickle.refresh_timeline();
SELECT stream_table, action, status FROM pgtrickle.refresh_timeline('"Tot ""als"');
SELECT stream_table, action FROM pgtrickle.refresh_timeline('"Tot ""als"', max_rows => 1);
SELECT count(*) FROM pgtrickle.refresh_timeline(max_rows => 1);

-- trigger_inventory: every capture trigger (on the source and on each
-- partition, the partition's named after the source's oid) and every
-- IMMEDIATE trigger, all present and enabled.
SELECT source_table, regexp_replace(regexp_replace(trigger_name, '^(pgt_cdc_[a-z]+)_[0-9]+$', '\1_<oid>'),
                                    '^pgt_ivm_[0-9]+_', 'pgt_ivm_<id>_') AS trigger_name,
       trigger_type, present, enabled, trigger_table, stream_table
  FROM pgtrickle.trigger_inventory() WHERE source_table LIKE '"Mon ""it""".%';
SELECT count(*) AS source_oid_matches FROM pgtrickle.trigger_inventory()
 WHERE source_table LIKE '"Mon ""it""".%' AND source_oid <> source_table::regclass::oid;
-- Disabling a capture trigger is refused while a DIFFERENTIAL stream table
-- needs it; an edit of the catalog gets there, and both functions say so.
ALTER TABLE "Ord""ers x" DISABLE TRIGGER pgt_cdc_upd;
BEGIN;
UPDATE pg_trigger SET tgenabled = 'D' WHERE tgrelid = '"Ord""ers x"'::regclass AND tgname = 'pgt_cdc_upd';
SELECT source_table, trigger_name, present, enabled FROM pgtrickle.trigger_inventory()
 WHERE source_table LIKE '"Mon ""it""".%' AND NOT (present AND enabled);
SELECT source_table, cdc_mode, alert FROM pgtrickle.check_cdc_health() WHERE source_table LIKE '"Mon ""it""".%';
ROLLBACK;
-- An IMMEDIATE trigger and a capture trigger on partitions dropped behind
-- the DDL checks' back (replica mode fires no event trigger; otherwise the
-- first is put back and the second refused).
SELECT format('DROP TRIGGER %I ON "part 1"', 'pgt_ivm_' || pgt_id || '_upd') AS drop_ivm,
       format('DROP TRIGGER %I ON "part 2"', 'pgt_cdc_del_' || 'parted'::regclass::oid) AS drop_cdc
  FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'Mon "it"' AND pgt_name = 'imm' \gset
BEGIN;
SET LOCAL session_replication_role = replica;
:drop_ivm;
:drop_cdc;
RESET session_replication_role;
SELECT source_table, regexp_replace(regexp_replace(trigger_name, '^(pgt_cdc_[a-z]+)_[0-9]+$', '\1_<oid>'),
                                    '^pgt_ivm_[0-9]+_', 'pgt_ivm_<id>_') AS trigger_name,
       present, enabled, trigger_table, stream_table
  FROM pgtrickle.trigger_inventory() WHERE source_table LIKE '"Mon ""it""".%' AND NOT (present AND enabled);
SELECT source_table, alert FROM pgtrickle.check_cdc_health() WHERE source_table LIKE '"Mon ""it""".%';
ROLLBACK;

-- check_cdc_health: one row per captured source, TRIGGER, no slot; a buffer
-- holding more rows than pg_trickle.buffer_alert_threshold is an alert.
SELECT source_relid = source_table::regclass::oid AS relid_matches, source_table, cdc_mode, slot_name, lag_bytes,
       confirmed_lsn, alert
  FROM pgtrickle.check_cdc_health() WHERE source_table LIKE '"Mon ""it""".%';
SET pg_trickle.buffer_alert_threshold = 1000;
INSERT INTO "Ord""ers x" SELECT i, 'r' || (i % 3), i FROM generate_series(1001, 2100) i;
SELECT source_table, alert FROM pgtrickle.check_cdc_health() WHERE source_table LIKE '"Mon ""it""".%';
RESET pg_trickle.buffer_alert_threshold;
SELECT source_table, alert FROM pgtrickle.check_cdc_health() WHERE source_table LIKE '"Mon ""it""".%';

-- worker_pool_status: one row; the settings that bound the pool.
SELECT count(*) AS one_row, bool_and(active_workers >= 0) AS counted FROM pgtrickle.worker_pool_status();
SET pg_trickle.max_dynamic_refresh_workers = 3;
SET pg_trickle.max_concurrent_refreshes = 2;
SET pg_trickle.parallel_refresh_mode = 'off';
SELECT max_workers, per_db_cap, parallel_mode FROM pgtrickle.worker_pool_status();
RESET pg_trickle.max_dynamic_refresh_workers;
RESET pg_trickle.max_concurrent_refreshes;
RESET pg_trickle.parallel_refresh_mode;

-- st_auto_threshold: the change ratio in force for a DIFFERENTIAL table
-- (pg_trickle.differential_max_change_ratio; no per-table threshold), NULL
-- for one that makes no such choice.
SELECT pgtrickle.st_auto_threshold('"Tot ""als"') AS tot, pgtrickle.st_auto_threshold('full_st') AS full_st,
       pgtrickle.st_auto_threshold('imm') AS imm;
SET pg_trickle.differential_max_change_ratio = 0.4;
SELECT pgtrickle.st_auto_threshold('"Mon ""it"""."Tot ""als"') AS tot;
RESET pg_trickle.differential_max_change_ratio;

-- A role that may read one stream table (not its source) sees that table
-- and what it reads; a role that may read nothing sees nothing, and a name
-- it may not read does not exist.
CREATE ROLE mon_reader;
CREATE ROLE mon_stranger;
GRANT USAGE ON SCHEMA "Mon ""it""" TO mon_reader, mon_stranger;
GRANT SELECT ON "Tot ""als" TO mon_reader;
SET ROLE mon_reader;
SELECT property FROM pgtrickle.explain_st('"Tot ""als"');
SELECT pgt_name FROM pgtrickle.st_refresh_stats() WHERE pgt_schema = 'Mon "it"';
SELECT DISTINCT stream_table FROM pgtrickle.refresh_timeline(1000) WHERE stream_table LIKE '"Mon ""it""".%';
SELECT DISTINCT source_table, stream_table FROM pgtrickle.trigger_inventory() WHERE source_table LIKE '"Mon ""it""".%';
SELECT source_table FROM pgtrickle.check_cdc_health() WHERE source_table LIKE '"Mon ""it""".%';
SELECT tree_line FROM pgtrickle.dependency_tree('"Tot ""als"');
SELECT pgtrickle.st_auto_threshold('"Tot ""als"');
SELECT * FROM pgtrickle.explain_st('top');
SET ROLE mon_stranger;
SELECT count(*) AS stats FROM pgtrickle.st_refresh_stats() WHERE pgt_schema = 'Mon "it"';
SELECT count(*) AS timeline FROM pgtrickle.refresh_timeline(1000) WHERE stream_table LIKE '"Mon ""it""".%';
SELECT count(*) AS triggers FROM pgtrickle.trigger_inventory() WHERE source_table LIKE '"Mon ""it""".%';
SELECT count(*) AS sources FROM pgtrickle.check_cdc_health() WHERE source_table LIKE '"Mon ""it""".%';
SELECT count(*) AS tree FROM pgtrickle.dependency_tree() WHERE node LIKE '"Mon ""it""".%';
-- Each way the catalog may be scanned (a filter that never runs when no row
-- is visible, or an index scan) still says "does not exist".
SET enable_indexscan = off;
SET enable_bitmapscan = off;
SELECT * FROM pgtrickle.explain_st('"Tot ""als"');
SELECT * FROM pgtrickle.st_refresh_stats('"Tot ""als"');
SELECT * FROM pgtrickle.dependency_tree('"Tot ""als"');
SELECT * FROM pgtrickle.refresh_timeline('"Tot ""als"');
SELECT pgtrickle.st_auto_threshold('"Tot ""als"');
RESET enable_indexscan;
RESET enable_bitmapscan;
SELECT * FROM pgtrickle.explain_st('"Tot ""als"');
SELECT pgtrickle.st_auto_threshold('"Tot ""als"');
SELECT count(*) AS one_row FROM pgtrickle.worker_pool_status();
RESET ROLE;

-- get_staleness, resume_stream_table, health_summary, quick_health, slot_health.
SELECT pgtrickle.get_staleness('"Tot ""als"') < 600 AS recent, pgtrickle.get_staleness('imm') AS immediate;
SELECT pgtrickle.get_staleness('no_such');
SELECT pgtrickle.resume_stream_table('"Tot ""als"');
UPDATE pgtrickle.pgt_stream_tables SET status = 'SUSPENDED', consecutive_errors = 3 WHERE pgt_name = 'Tot "als';
SELECT status FROM pgtrickle.quick_health;  -- CRITICAL: one is SUSPENDED
SELECT total_stream_tables, active_count, error_count, suspended_count, reinit_pending, cache_hit_rate
  FROM pgtrickle.health_summary();
SELECT pgtrickle.resume_stream_table('"Tot ""als"');
SELECT status, consecutive_errors FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'Tot "als';
SELECT total_stream_tables, error_tables FROM pgtrickle.quick_health;
SELECT count(*) AS pg_trickle_slots FROM pgtrickle.slot_health();
SET ROLE mon_stranger;
SELECT pgtrickle.resume_stream_table('"Tot ""als"');
SELECT total_stream_tables FROM pgtrickle.health_summary();
SELECT total_stream_tables, status FROM pgtrickle.quick_health;
RESET ROLE;

SELECT pgtrickle.ungate_source('"Ord""ers x"');
SELECT pgtrickle.ungate_source('parted');
SELECT pgtrickle.drop_stream_table('top');
SELECT pgtrickle.drop_stream_table('"Tot ""als"');
SELECT pgtrickle.drop_stream_table('part_st');
SELECT pgtrickle.drop_stream_table('imm');
SELECT pgtrickle.drop_stream_table('full_st');
RESET search_path;
DROP SCHEMA "Mon ""it""" CASCADE;
DROP ROLE mon_reader;
DROP ROLE mon_stranger;
