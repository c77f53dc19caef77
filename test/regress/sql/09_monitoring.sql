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

-- What a refresh records (written in C, not by SQL statements): the history
-- row's times and the catalog row, in the refreshing transaction.
BEGIN;
SET LOCAL pg_trickle.differential_max_change_ratio = 1000;
UPDATE m_orders SET amount = 36 WHERE id = 1;
SELECT pgtrickle.refresh_stream_table('m_named');
SELECT h.action, h.status, h.rows_updated, h.initiated_by, h.reason,
       h.data_timestamp = now() AS data_timestamp_is_transaction_start,
       h.start_time >= now() AND h.start_time <= h.end_time AS start_before_end,
       st.data_timestamp = now() AS st_data_timestamp, st.last_refresh_at >= h.end_time AS refreshed_after_end,
       st.status, st.is_populated, st.frontier IS NOT NULL AS has_frontier
  FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE st.pgt_name = 'm_named' ORDER BY h.refresh_id DESC LIMIT 1;
COMMIT;
-- A refresh clears the errors; row triggers on the history table fire.
CREATE TABLE m_refresh_log (pgt_name text, action text);
CREATE FUNCTION m_log_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO m_refresh_log SELECT pgt_name, NEW.action FROM pgtrickle.pgt_stream_tables WHERE pgt_id = NEW.pgt_id;
  RETURN NEW;
END $$;
CREATE TRIGGER m_log_refresh AFTER INSERT ON pgtrickle.pgt_refresh_history
  FOR EACH ROW EXECUTE FUNCTION m_log_refresh();
UPDATE pgtrickle.pgt_stream_tables SET consecutive_errors = 2, last_error_message = 'earlier failure'
 WHERE pgt_name = 'm_named';
SELECT pgtrickle.refresh_stream_table('m_named');
SELECT status, consecutive_errors, last_error_message FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'm_named';
SELECT * FROM m_refresh_log;
DROP TRIGGER m_log_refresh ON pgtrickle.pgt_refresh_history;
DROP FUNCTION m_log_refresh();
DROP TABLE m_refresh_log;

SELECT pgt_name, status, refresh_mode, is_populated, total_refreshes, successful_refreshes,
       failed_refreshes, total_rows_inserted, total_rows_updated, last_refresh_action,
       avg_duration_ms >= 0 AS timed, staleness_secs >= 0 AS has_staleness
  FROM pgtrickle.st_refresh_stats() WHERE pgt_name LIKE 'm\_%';

SELECT tree_line, node_type, depth, status, refresh_mode
  FROM pgtrickle.dependency_tree() WHERE node LIKE 'public.m\_%';

SELECT pgtrickle.drop_stream_table('m_named', cascade => true);
DROP TABLE m_orders, m_regions;
