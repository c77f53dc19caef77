-- Maintenance plans: how each stream table's query is maintained, one line
-- per node (pgtrickle.maintenance_plan). Every kind of node, strategy and
-- refusal; the text is stored with the stream table and follows ALTER.
\set VERBOSITY default
CREATE SCHEMA mp;
SET search_path = mp, public;
CREATE TABLE orders (id int PRIMARY KEY, cust int NOT NULL, amount numeric(12,2), region text, placed date);
CREATE TABLE customers (id int PRIMARY KEY, name text, tier text);
CREATE TABLE events (kind text, n int);  -- keyless
CREATE TABLE "Odd ""Name""" ("k ey" int PRIMARY KEY, v int);
CREATE INDEX orders_cust_amount ON orders (cust, amount);
INSERT INTO customers SELECT i, 'c' || i, CASE WHEN i % 2 = 0 THEN 'gold' ELSE 'std' END FROM generate_series(1, 10) i;
INSERT INTO orders SELECT i, i % 10 + 1, i * 1.25, 'r' || (i % 3), DATE '2026-01-01' + i FROM generate_series(1, 50) i;
INSERT INTO events SELECT 'k' || (i % 4), i FROM generate_series(1, 20) i;
INSERT INTO "Odd ""Name""" VALUES (1, 1);

CREATE FUNCTION show_plan(st text) RETURNS SETOF text LANGUAGE sql AS $$
  SELECT line FROM pg_catalog.regexp_split_to_table(pg_catalog.rtrim(pgtrickle.maintenance_plan(st), E'\n'), E'\n') line
$$;

-- Select-project-join: a scan, a join, a keyless scan, UNION ALL, a hostile name.
SELECT pgtrickle.create_stream_table('p_scan', 'SELECT id, amount FROM orders WHERE amount > 10', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_scan');
SELECT pgtrickle.create_stream_table('p_join',
  'SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.cust', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_join');
SELECT pgtrickle.create_stream_table('p_keyless', 'SELECT kind, n FROM events', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_keyless');
SELECT pgtrickle.create_stream_table('p_union',
  'SELECT id FROM orders UNION ALL SELECT id FROM customers', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_union');
SELECT pgtrickle.create_stream_table('p_odd', 'SELECT "k ey", v FROM "Odd ""Name"""', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_odd');

-- Outer joins (signed inner-join variants), semi-joins, a scalar subquery
-- (its table is watched: a change to it makes the refresh FULL).
SELECT pgtrickle.create_stream_table('p_left',
  'SELECT c.id, o.amount FROM customers c LEFT JOIN orders o ON o.cust = c.id', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_left');
SELECT pgtrickle.create_stream_table('p_exists',
  'SELECT c.id FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.cust = c.id)', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_exists');
SELECT pgtrickle.create_stream_table('p_scalar',
  'SELECT id, amount FROM orders WHERE amount > (SELECT count(*) FROM customers)', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_scalar');

-- Groupings: algebraic (with and without an index probe for MIN / MAX),
-- scalar, group rescan (HAVING), DISTINCT, set operations.
SELECT pgtrickle.create_stream_table('p_agg',
  'SELECT region, count(*) AS n, sum(amount) AS total FROM orders GROUP BY region', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_agg');
SELECT pgtrickle.create_stream_table('p_probe',
  'SELECT cust, max(amount) AS top FROM orders GROUP BY cust', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_probe');
SELECT pgtrickle.create_stream_table('p_min',
  'SELECT region, min(placed) AS first FROM orders GROUP BY region', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_min');
SELECT pgtrickle.create_stream_table('p_total', 'SELECT sum(amount) AS total FROM orders WHERE region = ''r1''', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_total');
SELECT pgtrickle.create_stream_table('p_having',
  'SELECT c.tier, count(*) AS n FROM orders o JOIN customers c ON c.id = o.cust GROUP BY c.tier HAVING count(*) > 2',
  refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_having');
SELECT pgtrickle.create_stream_table('p_distinct', 'SELECT DISTINCT region FROM orders', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_distinct');
SELECT pgtrickle.create_stream_table('p_setop',
  'SELECT cust FROM orders EXCEPT SELECT id FROM customers WHERE tier = ''gold''', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_setop');
SELECT pgtrickle.create_stream_table('p_intersect_all',
  'SELECT cust FROM orders INTERSECT ALL SELECT id FROM customers', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_intersect_all');
SELECT pgtrickle.create_stream_table('p_union_distinct',
  'SELECT cust FROM orders UNION SELECT id FROM customers', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_union_distinct');

-- A grouping below another operator: partition rescan, by a column or whole.
SELECT pgtrickle.create_stream_table('p_nested',
  'SELECT t.cust, t.total FROM (SELECT cust, sum(amount) AS total FROM orders GROUP BY cust) t WHERE t.total > 5',
  refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_nested');
SELECT pgtrickle.create_stream_table('p_nested_whole',
  'SELECT count(*) AS regions FROM (SELECT DISTINCT region FROM orders) r', refresh_mode => 'DIFFERENTIAL');
SELECT show_plan('p_nested_whole');

-- FULL requested; AUTO falling back (the tree shows where and why, with the
-- HINT); a volatile query.
SELECT pgtrickle.create_stream_table('p_full', 'SELECT id FROM orders', refresh_mode => 'FULL');
SELECT show_plan('p_full');
SELECT pgtrickle.create_stream_table('p_auto_window',
  'SELECT region, total FROM (SELECT region, sum(amount) OVER (PARTITION BY region) AS total FROM orders) w');
SELECT show_plan('p_auto_window');
SELECT pgtrickle.create_stream_table('p_auto_rollup',
  'SELECT region, count(*) AS n FROM orders GROUP BY ROLLUP (region)');
SELECT show_plan('p_auto_rollup');
SELECT pgtrickle.create_stream_table('p_auto_random', 'SELECT id, random() AS r FROM orders');
SELECT show_plan('p_auto_random');

-- The plan follows ALTER of the query and of the mode, and survives ALTER of
-- the schedule.
SELECT pgtrickle.alter_stream_table('p_scan', query => 'SELECT o.id, c.tier FROM orders o JOIN customers c ON c.id = o.cust');
SELECT show_plan('p_scan');
SELECT pgtrickle.alter_stream_table('p_scan', schedule => '5m');
SELECT show_plan('p_scan');
SELECT pgtrickle.alter_stream_table('p_scan', refresh_mode => 'FULL');
SELECT show_plan('p_scan');

-- The refusal names the construct and says what to do.
SELECT pgtrickle.create_stream_table('nope',
  'SELECT id FROM orders WHERE placed > CURRENT_DATE', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('nope',
  'SELECT c.id, c.name, count(*) AS n FROM customers c JOIN orders o ON o.cust = c.id GROUP BY c.id',
  refresh_mode => 'DIFFERENTIAL');

-- validate_query: the same analysis as a dry run, creating nothing.
SELECT * FROM pgtrickle.validate_query('SELECT c.tier, count(*) AS n FROM orders o JOIN customers c ON c.id = o.cust GROUP BY c.tier');
SELECT * FROM pgtrickle.validate_query('SELECT region, sum(amount) OVER (PARTITION BY region) AS total FROM orders');
SELECT * FROM pgtrickle.validate_query('SELECT id, random() AS r FROM orders');
SELECT * FROM pgtrickle.validate_query('SELECT c.id FROM customers c LEFT JOIN orders o ON o.cust = c.id');
SELECT count(*) AS created FROM pgtrickle.pgt_stream_tables WHERE pgt_name LIKE '%validate%';
SELECT * FROM pgtrickle.validate_query('SELECT no_such_column FROM orders');
SELECT * FROM pgtrickle.validate_query(NULL);

-- explain_refresh_mode: the mode given, the mode run, why, what to do.
SELECT n, e.* FROM unnest(ARRAY['p_join', 'p_full', 'p_auto_window', 'p_auto_random']) n,
       pgtrickle.explain_refresh_mode('mp.' || n) e;
-- list_sources: what each reads and how its changes arrive.
CREATE VIEW big_orders AS SELECT id, cust, amount FROM orders WHERE amount > 20;
SELECT pgtrickle.create_stream_table('p_view', 'SELECT b.id, c.name FROM big_orders b JOIN customers c ON c.id = b.cust',
                                     refresh_mode => 'DIFFERENTIAL');
SELECT n, s.* FROM unnest(ARRAY['p_view', 'p_scalar', 'p_auto_window']) n, pgtrickle.list_sources('mp.' || n) s;
SELECT * FROM pgtrickle.explain_refresh_mode('mp.orders');
SELECT * FROM pgtrickle.list_sources('mp.no_such_table');

-- Unknown names; a role that cannot read the stream table sees no plan.
SELECT pgtrickle.maintenance_plan('mp.no_such_table');
SELECT pgtrickle.maintenance_plan('mp.orders');
CREATE ROLE mp_stranger;
GRANT USAGE ON SCHEMA mp TO mp_stranger;
SET ROLE mp_stranger;
SELECT pgtrickle.maintenance_plan('mp.p_join');
RESET ROLE;
GRANT SELECT ON mp.p_join TO mp_stranger;
SET ROLE mp_stranger;
SELECT pgtrickle.maintenance_plan('mp.p_join') IS NOT NULL AS visible;
-- The other diagnostics likewise: only stream tables the role may read.
SELECT * FROM pgtrickle.explain_refresh_mode('mp.p_auto_window');
SELECT * FROM pgtrickle.list_sources('mp.p_auto_window');
SELECT configured_mode, effective_mode FROM pgtrickle.explain_refresh_mode('mp.p_join');
SELECT source, change_capture FROM pgtrickle.list_sources('mp.p_join');
-- validate_query runs as the caller: a source it may not read makes AUTO
-- fall back to FULL, with the reason.
SELECT depth, node, detail FROM pgtrickle.validate_query('SELECT id, cust FROM mp.orders') WHERE depth = 0;
RESET ROLE;
-- Hostile names: quoted in every diagnostic, never breaking a line.
CREATE SCHEMA "we'ird $x$";
CREATE TABLE "we'ird $x$"."T ""q""
2" ("k ey" int PRIMARY KEY, "v;--" int);
SELECT pgtrickle.create_stream_table('"we''ird $x$"."st $$"', 'SELECT "k ey", "v;--" FROM "we''ird $x$"."T ""q""
2"', refresh_mode => 'DIFFERENTIAL');
SELECT * FROM pgtrickle.validate_query('SELECT "k ey", sum("v;--") AS s FROM "we''ird $x$"."T ""q""
2" GROUP BY "k ey"');
SELECT show_plan('"we''ird $x$"."st $$"');
SELECT * FROM pgtrickle.explain_refresh_mode('"we''ird $x$"."st $$"');
SELECT * FROM pgtrickle.list_sources('"we''ird $x$"."st $$"');
SELECT pgtrickle.drop_stream_table('"we''ird $x$"."st $$"');
DROP SCHEMA "we'ird $x$" CASCADE;

-- Clean up.
SELECT pgtrickle.drop_stream_table(pgt_schema || '.' || pgt_name) FROM pgtrickle.pgt_stream_tables
 WHERE pgt_schema = 'mp' ORDER BY pgt_id DESC;
REVOKE ALL ON SCHEMA mp FROM mp_stranger;
DROP ROLE mp_stranger;
DROP SCHEMA mp CASCADE;
RESET search_path;
