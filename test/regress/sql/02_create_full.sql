-- FULL stream tables: creation, contents, catalog rows.
CREATE TABLE orders (
    id       int PRIMARY KEY,
    customer text NOT NULL,
    region   text,
    amount   numeric(10,2),
    note     text COLLATE "C"
);
INSERT INTO orders VALUES
    (1, 'alice', 'north', 10.50, 'a'),
    (2, 'bob',   'south', 20.00, 'b'),
    (3, 'alice', 'north', 5.25,  NULL),
    (4, 'carol', NULL,    7.00,  'c'),
    (5, 'bob',   'south', NULL,  'e');

SELECT pgtrickle.create_stream_table('order_totals',
    'SELECT customer, sum(amount) AS total, count(*) AS n FROM orders GROUP BY customer',
    refresh_mode => 'FULL');

SELECT customer, total, n FROM order_totals ORDER BY customer;

-- The storage table: the query's columns (with their types) plus __pgt_row_id.
SELECT attname, format_type(atttypid, atttypmod)
  FROM pg_attribute WHERE attrelid = 'order_totals'::regclass AND attnum > 0 AND NOT attisdropped
 ORDER BY attnum;

SELECT pgt_schema, pgt_name, refresh_mode, effective_refresh_mode, effective_mode_reason,
       status, is_populated, schedule, consecutive_errors,
       data_timestamp IS NOT NULL AS has_data_timestamp,
       last_refresh_at IS NOT NULL AS has_last_refresh
  FROM pgtrickle.pgt_stream_tables;

-- The normalized query is fully qualified.
SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'order_totals';

SELECT source_schema, source_name, source_type, through_view, columns_used
  FROM pgtrickle.pgt_dependencies ORDER BY source_name;

SELECT action, status, rows_inserted, rows_deleted, initiated_by,
       end_time >= start_time AS timed
  FROM pgtrickle.pgt_refresh_history ORDER BY refresh_id;

SELECT name, status, refresh_mode, is_populated, consecutive_errors, schedule,
       staleness >= interval '0' AS has_staleness, effective_refresh_mode
  FROM pgtrickle.pgt_status();

-- AUTO maintains a select-project-join query incrementally ...
SELECT pgtrickle.create_stream_table('north_orders',
    'SELECT id, amount * 2 AS doubled, CASE WHEN amount > 10 THEN ''big'' ELSE ''small'' END AS size,
            note FROM orders WHERE region = ''north''');
SELECT id, doubled, size, note FROM north_orders ORDER BY id;
SELECT refresh_mode, effective_refresh_mode, effective_mode_reason
  FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'north_orders';
-- ... and falls back to FULL, saying so, for what it cannot maintain yet.
SELECT pgtrickle.create_stream_table('customer_counts',
    'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT o.customer, r.n FROM orders o JOIN r ON r.n = o.id');
SELECT refresh_mode, effective_refresh_mode, effective_mode_reason
  FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'customer_counts';
SELECT pgtrickle.drop_stream_table('customer_counts');
-- A column's explicit collation is kept.
SELECT attname, attcollation::regcollation FROM pg_attribute
 WHERE attrelid = 'north_orders'::regclass AND attname = 'note';

-- Schema-qualified and quoted names; initialize => false leaves it empty.
CREATE SCHEMA "Reports";
SELECT pgtrickle.create_stream_table('"Reports"."By Region"',
    'SELECT region, count(*) AS orders FROM orders GROUP BY region',
    schedule => '5m', refresh_mode => 'FULL', initialize => false);
SELECT count(*) FROM "Reports"."By Region";
SELECT pgt_schema, pgt_name, status, is_populated, schedule
  FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'Reports';
SELECT pgtrickle.refresh_stream_table('"Reports"."By Region"');
SELECT region, orders FROM "Reports"."By Region" ORDER BY region NULLS FIRST;
SELECT status, is_populated FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'Reports';

-- A view as a source: recorded with the tables it expands to.
CREATE VIEW big_orders AS SELECT * FROM orders WHERE amount >= 10;
SELECT pgtrickle.create_stream_table('big_customers',
    'SELECT DISTINCT customer FROM big_orders', refresh_mode => 'FULL');
SELECT customer FROM big_customers ORDER BY 1;
SELECT d.source_name, d.source_type, d.through_view
  FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE st.pgt_name = 'big_customers' ORDER BY 1;

-- A stream table over a stream table.
SELECT pgtrickle.create_stream_table('top_customer',
    'SELECT customer FROM order_totals ORDER BY total DESC NULLS LAST LIMIT 1',
    refresh_mode => 'FULL');
SELECT customer FROM top_customer;
SELECT d.source_name, d.source_type
  FROM pgtrickle.pgt_dependencies d JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE st.pgt_name = 'top_customer';

-- Keyless source with duplicate rows, joins, set operations, subqueries in FROM:
-- FULL refresh keeps exact multiplicities.
CREATE TABLE events (kind text, weight int);
INSERT INTO events VALUES ('a', 1), ('a', 1), ('b', 2), (NULL, NULL), (NULL, NULL);
SELECT pgtrickle.create_stream_table('events_copy',
    'SELECT e.kind, e.weight FROM events e UNION ALL SELECT kind, weight FROM (SELECT * FROM events WHERE kind = ''a'') s',
    refresh_mode => 'FULL');
SELECT kind, weight, count(*) FROM events_copy GROUP BY 1, 2 ORDER BY 1 NULLS FIRST, 2;

-- Volatile functions are fine in FULL mode.
SELECT pgtrickle.create_stream_table('with_random',
    'SELECT id, random() < 2 AS always FROM orders', refresh_mode => 'FULL');
SELECT count(*), bool_and(always) FROM with_random;

-- Users can index and grant on a stream table.
CREATE INDEX ON order_totals (customer);
GRANT SELECT ON order_totals TO PUBLIC;
SELECT pgtrickle.refresh_stream_table('order_totals');
SELECT customer, total FROM order_totals ORDER BY customer;
