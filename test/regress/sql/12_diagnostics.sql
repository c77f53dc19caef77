-- Diagnostics, second part: hidden columns, change buffers, exporting a
-- definition, health checks, the dependency graph, idempotent creation,
-- failed refreshes explained. Tried on a database without stream tables,
-- as a role that may read some stream tables and as one that may read none,
-- and with hostile names.
\set VERBOSITY default

-- A database without stream tables: every check is OK, the graph and the
-- buffers are empty.
\set regress_db :DBNAME
CREATE DATABASE pgt_diag_empty;
ALTER DATABASE pgt_diag_empty SET pg_trickle.enabled = off;
\c pgt_diag_empty
CREATE EXTENSION pg_trickle;
SELECT check_name, severity FROM pgtrickle.health_check();
SELECT pgtrickle.dependency_graph();
SELECT pgtrickle.dependency_graph('mermaid');
SELECT count(*) AS buffers FROM pgtrickle.change_buffer_sizes();
\c :regress_db
DROP DATABASE pgt_diag_empty;

\set VERBOSITY default
CREATE SCHEMA diag;
SET search_path = diag, public;
CREATE TABLE orders (id int PRIMARY KEY, cust int NOT NULL, amount numeric(12,2), region text);
CREATE TABLE events (kind text, n int);  -- keyless
INSERT INTO orders SELECT i, i % 7, i * 1.5, 'r' || (i % 3) FROM generate_series(1, 30) i;
INSERT INTO events SELECT 'r' || (i % 4), i FROM generate_series(1, 12) i;
SELECT pgtrickle.create_stream_table('d_agg',
  'SELECT region, count(*) AS n, sum(amount) AS total, avg(amount) AS mean FROM orders GROUP BY region',
  refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('d_scan', 'SELECT id, amount FROM orders WHERE amount > 10', schedule => '1m');
SELECT pgtrickle.create_stream_table('d_keyless', 'SELECT kind, n FROM events', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('d_intersect',
  'SELECT kind FROM events INTERSECT ALL SELECT region FROM orders', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('d_nested',
  'SELECT t.cust, t.total FROM (SELECT cust, sum(amount) AS total FROM orders GROUP BY cust) t WHERE t.total > 5',
  refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('d_full', 'SELECT region, total FROM d_agg WHERE n > 1',
  schedule => '5m', refresh_mode => 'FULL');
-- The reader may read the diag schema (and no stream table of the other tests).
CREATE ROLE diag_reader;
CREATE ROLE diag_stranger;
GRANT USAGE ON SCHEMA diag TO diag_reader, diag_stranger;
GRANT SELECT ON ALL TABLES IN SCHEMA diag TO diag_reader;

-- list_auxiliary_columns: the hidden columns of each kind of storage.
SELECT t, a.* FROM unnest(ARRAY['d_agg', 'd_scan', 'd_keyless', 'd_intersect', 'd_nested', 'd_full']) t,
       pgtrickle.list_auxiliary_columns(t) a;
SELECT * FROM pgtrickle.list_auxiliary_columns('diag.orders');
SELECT * FROM pgtrickle.list_auxiliary_columns('diag.no_such_table');

-- change_buffer_sizes: one row per buffer, its changes and who has not
-- consumed them.
SELECT source_table, buffer_table ~ '^pgtrickle_changes\.changes_[0-9]+$' AS buffer_named, cdc_mode,
       buffered_rows, rows_exact, pending_rows, buffer_bytes > 0 AS has_size, stream_tables
  FROM pgtrickle.change_buffer_sizes() WHERE source_table LIKE 'diag.%';
INSERT INTO orders VALUES (31, 1, 99, 'r1'), (32, 2, 5, 'r2');
UPDATE orders SET amount = amount + 1 WHERE id = 1;
SELECT source_table, buffered_rows, rows_exact, pending_rows FROM pgtrickle.change_buffer_sizes()
 WHERE source_table LIKE 'diag.%';
-- One reader refreshed: the others have not consumed the changes yet.
SELECT pgtrickle.refresh_stream_table('d_scan');
SELECT source_table, buffered_rows, pending_rows FROM pgtrickle.change_buffer_sizes() WHERE source_table = 'diag.orders';
SELECT pgtrickle.refresh_stream_table(t) FROM unnest(ARRAY['d_agg', 'd_intersect', 'd_nested']) t;
SELECT source_table, buffered_rows, pending_rows FROM pgtrickle.change_buffer_sizes() WHERE source_table = 'diag.orders';

-- export_definition: the call that creates the stream table again, with the
-- options that differ from their defaults.
SELECT pgtrickle.export_definition('d_scan');
SELECT pgtrickle.export_definition('diag.d_full');
SELECT pgtrickle.create_stream_table('d_opts', 'SELECT id, cust FROM orders', schedule => '2m',
  refresh_mode => 'DIFFERENTIAL', initialize => false, diamond_consistency => 'atomic',
  diamond_schedule_policy => 'slowest', cdc_mode => 'trigger', append_only => true,
  pooler_compatibility_mode => true);
SELECT pgtrickle.alter_stream_table('d_opts', status => 'SUSPENDED', tier => 'cold');
SELECT pgtrickle.export_definition('d_opts');
-- Dropped and created again from the export: the same stream table.
CREATE TEMP TABLE before_drop AS
SELECT st.pgt_schema, st.pgt_name, st.defining_query, st.schedule, st.refresh_mode, st.effective_refresh_mode,
       st.status, st.is_populated, st.diamond_consistency, st.diamond_schedule_policy, st.cdc_mode,
       st.append_only, st.pooler_compatibility_mode, st.maintenance_plan, st.refresh_tier,
       (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = st.pgt_relid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       pgtrickle.export_definition(format('%I.%I', st.pgt_schema, st.pgt_name)) AS exported
  FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_name IN ('d_opts', 'd_agg');
CREATE TEMP TABLE d_agg_rows AS SELECT * FROM d_agg;
SELECT pgtrickle.drop_stream_table('d_full');
SELECT pgtrickle.drop_stream_table(format('%I.%I', pgt_schema, pgt_name)) FROM before_drop ORDER BY pgt_name;
SELECT exported FROM before_drop ORDER BY pgt_name \gexec
SELECT b.pgt_name,
       (b.pgt_schema, b.pgt_name, b.defining_query, b.schedule, b.refresh_mode, b.effective_refresh_mode, b.status,
        b.is_populated, b.diamond_consistency, b.diamond_schedule_policy, b.cdc_mode, b.append_only,
        b.pooler_compatibility_mode, b.maintenance_plan, b.refresh_tier)
       IS NOT DISTINCT FROM
       (st.pgt_schema, st.pgt_name, st.defining_query, st.schedule, st.refresh_mode, st.effective_refresh_mode,
        st.status, st.is_populated, st.diamond_consistency, st.diamond_schedule_policy, st.cdc_mode, st.append_only,
        st.pooler_compatibility_mode, st.maintenance_plan, st.refresh_tier) AS same_definition,
       b.columns = (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
                      FROM pg_attribute a WHERE a.attrelid = st.pgt_relid AND a.attnum > 0 AND NOT a.attisdropped)
         AS same_columns,
       b.exported = pgtrickle.export_definition(format('%I.%I', st.pgt_schema, st.pgt_name)) AS same_export
  FROM before_drop b JOIN pgtrickle.pgt_stream_tables st USING (pgt_schema, pgt_name) ORDER BY 1;
SELECT count(*) AS differing_rows FROM ((TABLE d_agg EXCEPT ALL TABLE d_agg_rows) UNION ALL
                                        (TABLE d_agg_rows EXCEPT ALL TABLE d_agg)) d;
SELECT pgtrickle.create_stream_table('d_full', 'SELECT region, total FROM d_agg WHERE n > 1',
  schedule => '5m', refresh_mode => 'FULL');
SELECT pgtrickle.export_definition('diag.no_such_table');
SELECT pgtrickle.export_definition('diag.orders');

-- create_stream_table_if_not_exists: creates once, then leaves it as it is.
SELECT pgtrickle.create_stream_table_if_not_exists('d_once', 'SELECT id FROM orders WHERE cust = 1');
SELECT pgtrickle.create_stream_table_if_not_exists('d_once', 'SELECT id FROM orders WHERE cust = 2', schedule => '9m');
SELECT pgtrickle.create_stream_table_if_not_exists('diag.d_once', 'SELECT id FROM orders');
SELECT schedule, count(*) AS n FROM pgtrickle.pgt_stream_tables st JOIN d_once ON true
 WHERE st.pgt_name = 'd_once' GROUP BY 1;
-- A plain table of that name is not a stream table: create_stream_table says so.
SELECT pgtrickle.create_stream_table_if_not_exists('orders', 'SELECT 1 AS x');
-- The name is looked up where it would be created (the first schema on
-- search_path), like CREATE TABLE IF NOT EXISTS.
SET search_path = public, diag;
SELECT pgtrickle.create_stream_table_if_not_exists('d_once', 'SELECT id FROM diag.orders WHERE cust = 3');
SELECT pgt_schema, pgt_name FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'd_once' ORDER BY 1;
SELECT pgtrickle.drop_stream_table('public.d_once');
SET search_path = diag, public;

-- create_or_replace_stream_table: creates; nothing when unchanged (the query
-- compared in its normalized form); ALTER in place otherwise.
SELECT pgtrickle.create_or_replace_stream_table('d_decl', 'SELECT id, amount FROM orders WHERE cust = 1');
CREATE TEMP TABLE d_decl_oid AS SELECT 'diag.d_decl'::regclass::oid AS relid;
GRANT SELECT ON d_decl TO diag_stranger;
SELECT pgtrickle.create_or_replace_stream_table('diag.d_decl',
  'select  id, amount
     from diag.orders where cust = 1', schedule => 'calculated', refresh_mode => 'auto');
SELECT pgtrickle.create_or_replace_stream_table('d_decl', 'SELECT id, amount FROM orders WHERE cust = 1',
  schedule => '10M');
SELECT schedule, refresh_mode, effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'd_decl';
SELECT pgtrickle.create_or_replace_stream_table('d_decl', 'SELECT id, amount FROM orders WHERE cust = 1',
  schedule => '10m', refresh_mode => 'FULL');
SELECT schedule, refresh_mode, effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'd_decl';
SELECT pgtrickle.create_or_replace_stream_table('d_decl', 'SELECT id, amount, region FROM orders WHERE cust = 2',
  schedule => '10m', refresh_mode => 'FULL');
SELECT original_query, schedule, refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'd_decl';
SELECT 'diag.d_decl'::regclass::oid = relid AS same_table, has_table_privilege('diag_stranger', 'diag.d_decl', 'SELECT')
       AS grant_kept FROM d_decl_oid;
SELECT count(*) AS differing_rows
  FROM ((SELECT id, amount, region FROM d_decl EXCEPT ALL SELECT id, amount, region FROM orders WHERE cust = 2)
        UNION ALL (SELECT id, amount, region FROM orders WHERE cust = 2
                   EXCEPT ALL SELECT id, amount, region FROM d_decl)) d;
SELECT pgtrickle.create_or_replace_stream_table('d_decl', 'SELECT no_such_column FROM orders');
REVOKE SELECT ON d_decl FROM diag_stranger;

-- diagnose_errors: the last five failed refreshes, classified.
INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, action, status, initiated_by, error_message)
SELECT st.pgt_id, 'DIFFERENTIAL', 'FAILED', 'SCHEDULER', m
  FROM pgtrickle.pgt_stream_tables st,
       unnest(ARRAY['not shown: only the last five',
                    'permission denied for table orders',
                    'deadlock detected',
                    'interrupted: the scheduler stopped during this refresh (crash, termination or shutdown); nothing of it was applied',
                    'consistency group rolled back: refresh of diag.d_agg failed: canceling statement due to lock timeout',
                    'column "region" does not exist',
                    'something nobody has seen before']) WITH ORDINALITY u(m, i)
 WHERE st.pgt_name = 'd_scan' ORDER BY i;
SELECT error_type, sqlstate, retryable, error_message, remediation FROM pgtrickle.diagnose_errors('d_scan');
SELECT count(*) AS failures FROM pgtrickle.diagnose_errors('d_agg');
SELECT * FROM pgtrickle.diagnose_errors('diag.orders');

-- health_check as a role that may read the diag stream tables (the ones
-- created again above too).
GRANT SELECT ON ALL TABLES IN SCHEMA diag TO diag_reader;
SET ROLE diag_reader;
SELECT check_name, severity, regexp_replace(detail, '[0-9]+ of [0-9]+', 'N of M') AS detail FROM pgtrickle.health_check();
RESET ROLE;
-- Suspended by hand; failing; suspended after failures.
SELECT pgtrickle.alter_stream_table('d_intersect', status => 'SUSPENDED');
UPDATE pgtrickle.pgt_stream_tables SET consecutive_errors = 2 WHERE pgt_name = 'd_nested';
SET ROLE diag_reader;
SELECT check_name, severity, detail FROM pgtrickle.health_check() WHERE check_name LIKE '%tables';
RESET ROLE;
UPDATE pgtrickle.pgt_stream_tables SET status = 'SUSPENDED' WHERE pgt_name = 'd_nested';
-- Behind schedule: d_full (FULL: always has work) and d_scan (pending
-- changes); d_opts is suspended, not stale.
UPDATE pgtrickle.pgt_stream_tables SET data_timestamp = now() - interval '1 hour'
 WHERE pgt_name IN ('d_full', 'd_scan', 'd_opts');
INSERT INTO orders VALUES (33, 3, 7, 'r0');
-- A buffer with more than 10,000 changes, which no reader will consume
-- (every reader suspended).
SELECT pgtrickle.alter_stream_table('d_keyless', status => 'SUSPENDED');
INSERT INTO events SELECT 'x', i FROM generate_series(1, 10001) i;
SET ROLE diag_reader;
SELECT check_name, severity, detail FROM pgtrickle.health_check() WHERE check_name <> 'worker_slots';
RESET ROLE;
SELECT source_table, buffered_rows, rows_exact, pending_rows, stream_tables FROM pgtrickle.change_buffer_sizes()
 WHERE source_table LIKE 'diag.%';
-- Back to health.
UPDATE pgtrickle.pgt_stream_tables SET consecutive_errors = 0 WHERE pgt_name = 'd_nested';
SELECT pgtrickle.alter_stream_table(t, status => 'ACTIVE')
  FROM unnest(ARRAY['d_nested', 'd_intersect', 'd_keyless', 'd_opts']) t;
SELECT pgtrickle.refresh_stream_table(t)
  FROM unnest(ARRAY['d_agg', 'd_scan', 'd_keyless', 'd_intersect', 'd_nested', 'd_full', 'd_decl', 'd_opts']) t;
SET ROLE diag_reader;
SELECT check_name, severity FROM pgtrickle.health_check();
SELECT source_table, buffered_rows, pending_rows FROM pgtrickle.change_buffer_sizes();

-- dependency_graph: what the role may read, in both formats.
SELECT pgtrickle.dependency_graph();
SELECT pgtrickle.dependency_graph('Mermaid');
SELECT pgtrickle.dependency_graph('svg');
SELECT pgtrickle.dependency_graph(NULL);
RESET ROLE;

-- A role that may read no stream table sees none: no columns, no buffers,
-- no definition, no errors, no graph, every check OK.
SET ROLE diag_stranger;
SELECT * FROM pgtrickle.list_auxiliary_columns('diag.d_agg');
SELECT pgtrickle.export_definition('diag.d_agg');
SELECT * FROM pgtrickle.diagnose_errors('diag.d_scan');
SELECT count(*) AS buffers FROM pgtrickle.change_buffer_sizes();
SELECT * FROM pgtrickle._change_buffer_counts('diag.orders'::regclass);
SELECT check_name, severity FROM pgtrickle.health_check();
SELECT pgtrickle.dependency_graph('dot');
SELECT pgtrickle.create_stream_table_if_not_exists('diag.d_agg', 'SELECT 1 AS x');
RESET ROLE;

-- Hostile names: quoted in every output, and the export round-trips.
CREATE SCHEMA "we'ird $x$";
CREATE TABLE "we'ird $x$"."T ""q""
2" ("k ey" int PRIMARY KEY, "v;--" int, "a\b" text);
INSERT INTO "we'ird $x$"."T ""q""
2" VALUES (1, 1, 'x'), (2, 2, E'y\\z');
SELECT pgtrickle.create_stream_table('"we''ird $x$"."st $$ ""q""
x"', 'SELECT "k ey", sum("v;--") AS "s""um", max("a\b") AS "m#<b>" FROM "we''ird $x$"."T ""q""
2" GROUP BY "k ey"', schedule => '3m', refresh_mode => 'DIFFERENTIAL');
SELECT * FROM pgtrickle.list_auxiliary_columns('"we''ird $x$"."st $$ ""q""
x"');
SELECT source_table, buffered_rows, pending_rows, stream_tables FROM pgtrickle.change_buffer_sizes()
 WHERE source_table LIKE '"we%';
SELECT pgtrickle.export_definition('"we''ird $x$"."st $$ ""q""
x"') AS exported \gset
SELECT :'exported' AS exported;
SELECT pgtrickle.drop_stream_table('"we''ird $x$"."st $$ ""q""
x"');
SELECT :'exported' \gexec
SELECT pgt_schema, pgt_name, schedule, refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'we''ird $x$';
SELECT pgtrickle.export_definition('"we''ird $x$"."st $$ ""q""
x"') = :'exported' AS same_export;
SET ROLE diag_reader;
SELECT pgtrickle.dependency_graph();
RESET ROLE;
GRANT USAGE ON SCHEMA "we'ird $x$" TO diag_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA "we'ird $x$" TO diag_reader;
SET ROLE diag_reader;
SELECT line FROM regexp_split_to_table(pgtrickle.dependency_graph('dot'), E'\n') line WHERE line LIKE '%we''ird%';
SELECT line FROM regexp_split_to_table(pgtrickle.dependency_graph('mermaid'), E'\n') line WHERE line LIKE '%we''ird%';
RESET ROLE;
INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, action, status, initiated_by, error_message)
SELECT pgt_id, 'DIFFERENTIAL', 'FAILED', 'SCHEDULER', 'relation "we''ird $x$.T ""q""" does not exist'
  FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'we''ird $x$';
SELECT error_type, sqlstate, error_message FROM pgtrickle.diagnose_errors('"we''ird $x$"."st $$ ""q""
x"');
SELECT pgtrickle.create_or_replace_stream_table('"we''ird $x$"."st $$ ""q""
x"', 'SELECT "k ey", sum("v;--") AS "s""um", max("a\b") AS "m#<b>" FROM "we''ird $x$"."T ""q""
2" GROUP BY "k ey"', schedule => '3m', refresh_mode => 'DIFFERENTIAL');
DROP SCHEMA "we'ird $x$" CASCADE;

-- Clean up.
SELECT pgtrickle.drop_stream_table(format('%I.%I', pgt_schema, pgt_name)) FROM pgtrickle.pgt_stream_tables
 WHERE pgt_schema = 'diag' ORDER BY pgt_id DESC;
REVOKE ALL ON SCHEMA diag FROM diag_reader, diag_stranger;
REVOKE ALL ON ALL TABLES IN SCHEMA diag FROM diag_reader;
DROP ROLE diag_reader;
DROP ROLE diag_stranger;
DROP SCHEMA diag CASCADE;
RESET search_path;
