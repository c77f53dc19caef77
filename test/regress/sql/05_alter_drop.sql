-- alter_stream_table and drop_stream_table.
\set VERBOSITY default
-- Schedule and status.
SELECT pgtrickle.alter_stream_table('order_totals', schedule => '1h30m');
SELECT pgtrickle.alter_stream_table('order_totals', status => 'suspended');
SELECT schedule, status FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'order_totals';
-- A suspended stream table is not refreshed until resumed.
SELECT pgtrickle.refresh_stream_table('order_totals');
SELECT pgtrickle.alter_stream_table('order_totals', status => 'ACTIVE');
SELECT pgtrickle.refresh_stream_table('order_totals');
SELECT status, consecutive_errors FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'order_totals';

-- A new query with the same columns keeps the table (and its index, grants).
SELECT 'order_totals'::regclass::oid AS relid_before \gset
SELECT pgtrickle.alter_stream_table('order_totals',
    query => 'SELECT customer, sum(amount) AS total, count(*) AS n FROM orders WHERE region IS NOT NULL GROUP BY customer');
SELECT 'order_totals'::regclass::oid = :relid_before AS same_table;
SELECT customer, total, n FROM order_totals ORDER BY customer;
SELECT count(*) AS indexes FROM pg_index WHERE indrelid = 'order_totals'::regclass;
SELECT has_table_privilege('public', 'order_totals', 'SELECT') AS still_granted;
SELECT initiated_by, reason FROM pgtrickle.pgt_refresh_history h
  JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE st.pgt_name = 'order_totals' ORDER BY refresh_id DESC LIMIT 1;

-- New columns: the table is reshaped in place, same oid.
SELECT pgtrickle.alter_stream_table('north_orders', query => 'SELECT id, customer FROM orders WHERE region = ''north''');
SELECT * FROM north_orders ORDER BY id;

-- Changing the mode re-checks the stored query.
SELECT pgtrickle.alter_stream_table('with_random', refresh_mode => 'AUTO');
SELECT pgtrickle.alter_stream_table('north_orders', refresh_mode => 'FULL');
SELECT refresh_mode, effective_refresh_mode, effective_mode_reason
  FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'north_orders';

-- A failing alter changes nothing.
SELECT pgtrickle.alter_stream_table('north_orders', query => 'SELECT nope FROM orders', schedule => '10m');
SELECT schedule, original_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'north_orders';

-- Renaming the storage table keeps the catalog in step.
ALTER TABLE north_orders RENAME TO north_orders_renamed;
ALTER TABLE north_orders_renamed SET SCHEMA "Reports";
SELECT pgt_schema, pgt_name FROM pgtrickle.pgt_stream_tables WHERE pgt_name LIKE 'north%';
SELECT pgtrickle.refresh_stream_table('"Reports".north_orders_renamed');

-- Sources are protected like a view's: dropping one needs CASCADE.
DROP TABLE events;
-- A stream table read by another stream table needs cascade too.
SELECT pgtrickle.drop_stream_table('order_totals');
SELECT pgtrickle.drop_stream_table('order_totals', cascade => true);
SELECT pgt_name FROM pgtrickle.pgt_stream_tables ORDER BY 1;
-- DROP TABLE of a stream table (directly, or by CASCADE from a source) cleans the catalog.
DROP TABLE events CASCADE;
DROP TABLE "Reports".north_orders_renamed;
SELECT pgt_name FROM pgtrickle.pgt_stream_tables ORDER BY 1;
SELECT count(*) AS orphan_dependencies FROM pgtrickle.pgt_dependencies d
 WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = d.pgt_id);
SELECT count(*) AS orphan_history FROM pgtrickle.pgt_refresh_history h
 WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables st WHERE st.pgt_id = h.pgt_id);
