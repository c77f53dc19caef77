-- Bad input gets a clear error (SQLSTATE, message naming the user's objects,
-- HINT) and leaves nothing behind.
\set VERBOSITY default
SELECT count(*) AS stream_tables_before FROM pgtrickle.pgt_stream_tables \gset

-- Syntax error: the position points into the query text.
SELECT pgtrickle.create_stream_table('bad1', 'SELEC id FROM orders');
-- Not a single SELECT.
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS a; SELECT 2 AS b');
SELECT pgtrickle.create_stream_table('bad1', '');
SELECT pgtrickle.create_stream_table('bad1', 'INSERT INTO orders VALUES (99, ''x'')');
SELECT pgtrickle.create_stream_table('bad1', 'DELETE FROM orders');
SELECT pgtrickle.create_stream_table('bad1', 'WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT * INTO newtab FROM orders');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT * FROM orders FOR UPDATE');
-- Unknown relation, column.
SELECT pgtrickle.create_stream_table('bad1', 'SELECT * FROM no_such_table');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT no_such_column FROM orders');
-- Name already taken (by a stream table, or by any relation).
SELECT pgtrickle.create_stream_table('order_totals', 'SELECT 1 AS x', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('orders', 'SELECT 1 AS x', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('no_such_schema.bad1', 'SELECT 1 AS x', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('a.b.c.d', 'SELECT 1 AS x', refresh_mode => 'FULL');
-- A stream table reading itself (create: it does not exist yet; alter: a cycle).
SELECT pgtrickle.create_stream_table('bad1', 'SELECT * FROM bad1', refresh_mode => 'FULL');
SELECT pgtrickle.alter_stream_table('order_totals', query => 'SELECT customer, total, n FROM order_totals');
SELECT pgtrickle.alter_stream_table('order_totals',
    query => 'SELECT customer, count(*)::numeric AS total, 0::bigint AS n FROM top_customer GROUP BY customer');
-- Unknown refresh modes; queries a mode cannot maintain (IMMEDIATE refuses
-- what DIFFERENTIAL refuses, and volatile functions).
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', refresh_mode => 'SOMETIMES');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT o.customer, x.c FROM orders o, LATERAL (SELECT count(*) AS c FROM orders p WHERE p.customer = o.customer) x', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT o.customer, x.c FROM orders o, LATERAL (SELECT count(*) AS c FROM orders p WHERE p.customer = o.customer) x', refresh_mode => 'IMMEDIATE');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT id, random() AS r FROM orders', refresh_mode => 'IMMEDIATE');
-- Malformed schedules.
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', schedule => 'soon', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', schedule => '30', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', schedule => '0s', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', schedule => '* 25 * * *', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', schedule => '0 0 30 2 *', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', schedule => '@fortnightly', refresh_mode => 'FULL');
SET pg_trickle.min_schedule_seconds = 60;
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', schedule => '30s', refresh_mode => 'FULL');
RESET pg_trickle.min_schedule_seconds;
-- Volatile functions: refused in DIFFERENTIAL; AUTO falls back to FULL with a
-- WARNING and the reason.
SELECT pgtrickle.create_stream_table('bad1', 'SELECT id, random() AS r FROM orders', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('vol1', 'SELECT id, random() AS r FROM orders');
SELECT pgtrickle.create_stream_table('vol2', 'SELECT clock_timestamp() AS t', refresh_mode => 'AUTO');
SELECT pgtrickle.create_stream_table('vol3', 'SELECT * FROM orders TABLESAMPLE BERNOULLI (50)');
SELECT pgt_name, effective_refresh_mode, effective_mode_reason FROM pgtrickle.pgt_stream_tables
 WHERE pgt_name LIKE 'vol_' ORDER BY pgt_name;
SELECT pgtrickle.drop_stream_table(n) FROM unnest(ARRAY['vol1', 'vol2', 'vol3']) n;
-- Columns a table cannot hold.
SELECT pgtrickle.create_stream_table('bad1', 'SELECT id, id FROM orders', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT id AS __pgt_row_id FROM orders', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT ROW(1, 2) AS r', refresh_mode => 'FULL');
-- Temporary tables cannot be sources.
CREATE TEMP TABLE scratch (x int);
SELECT pgtrickle.create_stream_table('bad1', 'SELECT x FROM scratch', refresh_mode => 'FULL');
-- Options of later capabilities: validated now, refused when not available.
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', refresh_mode => 'FULL', cdc_mode => 'wal');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', refresh_mode => 'FULL', cdc_mode => 'carrier-pigeon');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', refresh_mode => 'FULL', diamond_consistency => 'sometimes');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', refresh_mode => 'FULL', diamond_schedule_policy => 'random');
SELECT pgtrickle.create_stream_table('bad1', 'SELECT 1 AS x', refresh_mode => 'FULL', append_only => true);
-- NULL arguments.
SELECT pgtrickle.create_stream_table(NULL, 'SELECT 1 AS x');
SELECT pgtrickle.create_stream_table('bad1', NULL);
-- Operations on things that are not stream tables.
SELECT pgtrickle.refresh_stream_table('no_such_st');
SELECT pgtrickle.refresh_stream_table('orders');
SELECT pgtrickle.drop_stream_table('orders');
SELECT pgtrickle.alter_stream_table('orders', schedule => '1m');
SELECT pgtrickle.alter_stream_table('order_totals', status => 'ERROR');
SELECT pgtrickle.alter_stream_table('order_totals', refresh_mode => 'DIFFERENTIAL');

-- Valid options are accepted and stored.
SELECT pgtrickle.create_stream_table('opts', 'SELECT 1 AS x', refresh_mode => 'full',
    schedule => '0 */5 * * *', diamond_consistency => 'NONE', diamond_schedule_policy => 'slowest',
    cdc_mode => 'trigger', pooler_compatibility_mode => true);
SELECT schedule, refresh_mode, diamond_consistency, diamond_schedule_policy, cdc_mode,
       pooler_compatibility_mode
  FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'opts';
SELECT pgtrickle.drop_stream_table('opts');

-- Nothing was left behind by any failed call.
SELECT count(*) - :stream_tables_before AS new_stream_tables FROM pgtrickle.pgt_stream_tables;
SELECT to_regclass('bad1') AS leftover;

-- A failed call inside a transaction block aborts only that transaction.
BEGIN;
SELECT pgtrickle.create_stream_table('bad2', 'SELECT 1 AS x', refresh_mode => 'FULL');
SELECT pgtrickle.create_stream_table('bad3', 'SELEC 1');
ROLLBACK;
SELECT to_regclass('bad2') AS rolled_back;
