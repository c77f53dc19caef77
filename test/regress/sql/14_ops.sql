-- Operations: explain_stream_table (the statements a refresh would run now,
-- with their plans; with_analyze => true runs them and rolls everything back)
-- and the metrics views. Tried on a database without stream tables, as the
-- owner, as a role that may read a stream table, as one that owns nothing
-- and may read nothing, and with hostile names. Plans and frontiers vary from
-- run to run: only their shape is shown.
\set VERBOSITY default

-- A database without stream tables: the views are empty, names do not exist.
\set regress_db :DBNAME
CREATE DATABASE pgt_ops_empty;
ALTER DATABASE pgt_ops_empty SET pg_trickle.enabled = off;
\c pgt_ops_empty
CREATE EXTENSION pg_trickle;
SELECT count(*) AS metrics FROM pgtrickle.metrics;
SELECT count(*) AS stream_table_metrics FROM pgtrickle.stream_table_metrics;
SELECT * FROM pgtrickle.explain_stream_table('nothing_here');
SELECT * FROM pgtrickle.explain_stream_table(NULL);
\c :regress_db
DROP DATABASE pgt_ops_empty;

CREATE SCHEMA ops;
SET search_path = ops, public;
CREATE TABLE orders (id int PRIMARY KEY, cust int NOT NULL, amount int);
CREATE TABLE customers (id int PRIMARY KEY, region text);
INSERT INTO orders SELECT i, i % 5, i * 10 FROM generate_series(1, 40) i;
INSERT INTO customers SELECT i, 'r' || (i % 2) FROM generate_series(0, 4) i;
SELECT pgtrickle.create_stream_table('o_agg',
  'SELECT cust, count(*) AS n, sum(amount) AS total FROM orders GROUP BY cust', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('o_scan', 'SELECT id, amount FROM orders WHERE amount > 100',
  refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('o_join',
  'SELECT o.id, c.region FROM orders o JOIN customers c ON c.id = o.cust', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('o_full', 'SELECT cust, max(amount) AS top FROM orders GROUP BY cust',
  refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('o_imm', 'SELECT id, amount FROM orders WHERE cust = 1',
  refresh_mode => 'IMMEDIATE');
SELECT pgtrickle.create_stream_table('o_later', 'SELECT id FROM customers', refresh_mode => 'DIFFERENTIAL',
  initialize => false);

-- The frontier and the plans change from run to run.
CREATE FUNCTION pg_temp.explained(st text, with_analyze boolean DEFAULT false)
RETURNS TABLE (step integer, operation text, detail text, has_statement boolean, plan text)
LANGUAGE sql AS $$
  SELECT e.step, e.operation, regexp_replace(e.detail, 'Parameters: .*$', 'Parameters: ...'),
         e.statement IS NOT NULL,
         CASE WHEN e.plan IS NULL THEN NULL
              WHEN e.plan ~ '\(actual time=' THEN 'analyzed plan'
              WHEN e.plan ~ 'cost=' THEN 'plan' ELSE e.plan END
    FROM pgtrickle.explain_stream_table(st, with_analyze) e
$$;
-- Everything a refresh leaves behind, to compare before and after.
CREATE FUNCTION pg_temp.state(st text) RETURNS text LANGUAGE sql AS $$
  SELECT md5(concat_ws('|',
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM ops.o_agg t),
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM ops.o_scan t),
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM ops.o_join t),
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM ops.o_full t),
    (SELECT frontier::text || data_timestamp::text FROM pgtrickle.pgt_stream_tables
      WHERE pgt_relid = st::regclass),
    (SELECT count(*) FROM pgtrickle.pgt_refresh_history),
    (SELECT sum(buffered) FROM pgtrickle.pgt_change_tracking t,
            pgtrickle._change_buffer_counts(t.source_relid, 0, 1000) c)))
$$;

-- Nothing pending: a refresh would do nothing.
SELECT * FROM pg_temp.explained('o_agg');
-- Updates: the delta statement of the catalog, planned with the frontier.
UPDATE orders SET amount = amount + 1 WHERE id <= 3;
SELECT * FROM pg_temp.explained('o_agg');
SELECT e.statement = st.delta_apply_sql AS catalog_statement, e.plan LIKE '%changes_%' AS reads_buffer
  FROM pgtrickle.explain_stream_table('ops.o_agg') e, pgtrickle.pgt_stream_tables st
 WHERE st.pgt_relid = 'ops.o_agg'::regclass AND e.operation = 'apply';
-- EXPLAIN ANALYZE runs the statements and leaves everything as it was.
SELECT pg_temp.state('o_agg') AS before \gset
SELECT * FROM pg_temp.explained('o_agg', true);
SELECT pg_temp.state('o_agg') = :'before' AS unchanged;
SELECT * FROM pg_temp.explained('o_full', true);
SELECT pg_temp.state('o_agg') = :'before' AS unchanged;
-- ... and the refresh then does what was explained.
SELECT pgtrickle.refresh_stream_table('o_agg');
SELECT action, rows_inserted, rows_updated, rows_deleted FROM pgtrickle.get_refresh_history('o_agg', 1);

-- Inserts only, into a query whose result only grows: appended.
SELECT pgtrickle.refresh_stream_table('o_scan');
INSERT INTO orders VALUES (41, 1, 500), (42, 2, 600);
SELECT * FROM pg_temp.explained('o_scan');
-- Only one of two sources changed: the statement for that one alone.
SELECT pgtrickle.refresh_stream_table('o_join');
UPDATE customers SET region = 'r9' WHERE id = 3;
SELECT operation, statement = (SELECT delta_apply_sql FROM pgtrickle.pgt_stream_tables
                                WHERE pgt_relid = 'o_join'::regclass) AS every_term
  FROM pgtrickle.explain_stream_table('o_join') WHERE statement IS NOT NULL;
-- Never refreshed: the first refresh recomputes it.
SELECT * FROM pg_temp.explained('o_later');
-- FULL: truncate and insert.
SELECT * FROM pg_temp.explained('o_full');
-- IMMEDIATE: the statements run inside the writers' statements, no plan here.
SELECT step, operation, has_statement, plan FROM pg_temp.explained('o_imm');
SELECT * FROM pg_temp.explained('o_imm', true) WHERE step > 0;

-- Metrics: by stream table and action; per stream table.
SELECT stream_table, action, refreshes, failures, duration_seconds_total >= 0 AS timed,
       rows_inserted, rows_updated, rows_deleted
  FROM pgtrickle.metrics WHERE stream_table LIKE 'ops.%' ORDER BY 1, 2;
SELECT stream_table, refresh_mode, status, is_populated, staleness_seconds IS NOT NULL AS refreshed,
       consecutive_errors, refreshes, failures, pending_changes, buffer_bytes > 0 AS has_buffer
  FROM pgtrickle.stream_table_metrics WHERE stream_table LIKE 'ops.%' ORDER BY 1;
SELECT pgtrickle.refresh_stream_table('o_scan');
SELECT stream_table, action, refreshes FROM pgtrickle.metrics WHERE stream_table = 'ops.o_scan' ORDER BY 2;
SELECT pending_changes FROM pgtrickle.stream_table_metrics WHERE stream_table = 'ops.o_scan';

-- Roles: a reader of one stream table sees its metrics and may not explain
-- it; a role that owns nothing sees nothing; an owner explains its own.
CREATE ROLE ops_reader;
CREATE ROLE ops_stranger;
CREATE ROLE ops_owner;
GRANT USAGE ON SCHEMA ops TO ops_reader, ops_stranger, ops_owner;
GRANT CREATE ON SCHEMA ops TO ops_owner;
GRANT SELECT ON o_agg TO ops_reader;
GRANT SELECT ON orders TO ops_owner;
SET ROLE ops_stranger;
SELECT count(*) FROM pgtrickle.metrics;
SELECT count(*) FROM pgtrickle.stream_table_metrics;
SELECT * FROM pgtrickle.explain_stream_table('ops.o_agg');
SELECT * FROM pgtrickle.explain_stream_table('ops.orders');
RESET ROLE;
SET ROLE ops_reader;
SELECT DISTINCT stream_table FROM pgtrickle.metrics;
SELECT stream_table, pending_changes FROM pgtrickle.stream_table_metrics;
SELECT * FROM pgtrickle.explain_stream_table('ops.o_agg');
RESET ROLE;
SET ROLE ops_owner;
SELECT pgtrickle.create_stream_table('ops.mine', 'SELECT cust, sum(amount) AS s FROM ops.orders GROUP BY cust',
  refresh_mode => 'DIFFERENTIAL');
RESET ROLE;
DELETE FROM orders WHERE id = 42;
SET ROLE ops_owner;
SELECT * FROM pg_temp.explained('ops.mine', true);
SELECT stream_table, refreshes, pending_changes FROM pgtrickle.stream_table_metrics;
RESET ROLE;

-- Hostile names.
CREATE SCHEMA "we'ird $x$";
CREATE TABLE "we'ird $x$"."T ""q""" ("k ey" int PRIMARY KEY, "v;--" int);
INSERT INTO "we'ird $x$"."T ""q""" SELECT i, i FROM generate_series(1, 20) i;
SELECT pgtrickle.create_stream_table('"we''ird $x$"."st ""q"""',
  'SELECT "k ey", "v;--" FROM "we''ird $x$"."T ""q"""', refresh_mode => 'DIFFERENTIAL');
UPDATE "we'ird $x$"."T ""q""" SET "v;--" = 3 WHERE "k ey" = 1;
SELECT * FROM pg_temp.explained('"we''ird $x$"."st ""q"""', true);
SELECT stream_table, action, refreshes FROM pgtrickle.metrics WHERE stream_table LIKE '%we''ird%';
DROP SCHEMA "we'ird $x$" CASCADE;

-- Clean up.
SELECT pgtrickle.drop_stream_table(format('%I.%I', pgt_schema, pgt_name)) FROM pgtrickle.pgt_stream_tables
 WHERE pgt_schema = 'ops' ORDER BY pgt_id DESC;
REVOKE ALL ON SCHEMA ops FROM ops_reader, ops_stranger, ops_owner;
REVOKE ALL ON ALL TABLES IN SCHEMA ops FROM ops_reader, ops_owner;
DROP SCHEMA ops CASCADE;
DROP ROLE ops_reader;
DROP ROLE ops_stranger;
DROP ROLE ops_owner;
RESET search_path;
