-- Monitoring: refresh history, per-table statistics, the dependency tree.
\set VERBOSITY default
CREATE TABLE m_orders (id int PRIMARY KEY, region text, amount int);
CREATE TABLE m_regions (region text PRIMARY KEY, name text);
INSERT INTO m_orders VALUES (1, 'n', 10), (2, 's', 20), (3, 'n', 30);
INSERT INTO m_regions VALUES ('n', 'North'), ('s', 'South');
SELECT pgtrickle.create_stream_table('m_named',
    'SELECT o.id, r.name, o.amount FROM m_orders o JOIN m_regions r USING (region)');
SELECT pgtrickle.create_stream_table('m_big', 'SELECT id, name FROM m_named WHERE amount > 15');
SELECT pgtrickle.create_stream_table('m_totals',
    'SELECT name, sum(amount) AS total FROM m_named GROUP BY name', refresh_mode => 'FULL');
UPDATE m_orders SET amount = 35 WHERE id = 1;
SELECT pgtrickle.refresh_stream_table('m_named');
SELECT pgtrickle.refresh_stream_table('m_named');

SELECT action, status, rows_inserted, rows_updated, rows_deleted, duration_ms >= 0 AS timed,
       initiated_by
  FROM pgtrickle.get_refresh_history('m_named');
SELECT action FROM pgtrickle.get_refresh_history('public.m_named', 1);
SELECT * FROM pgtrickle.get_refresh_history('m_orders');

SELECT pgt_name, status, refresh_mode, is_populated, total_refreshes, successful_refreshes,
       failed_refreshes, total_rows_inserted, total_rows_updated, last_refresh_action,
       avg_duration_ms >= 0 AS timed, staleness_secs >= 0 AS has_staleness
  FROM pgtrickle.st_refresh_stats() WHERE pgt_name LIKE 'm\_%';

SELECT tree_line, node_type, depth, status, refresh_mode
  FROM pgtrickle.dependency_tree() WHERE node LIKE 'public.m\_%';

SELECT pgtrickle.drop_stream_table('m_named', cascade => true);
DROP TABLE m_orders, m_regions;
