-- DROP EXTENSION removes everything the extension created (stream tables,
-- their triggers, the catalog, the schemas) and leaves user tables intact.
SELECT count(*) > 0 AS have_stream_tables FROM pgtrickle.pgt_stream_tables;
SELECT count(*) AS orders_before FROM orders;
DROP EXTENSION pg_trickle;
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pgtrickle%';
SELECT relname FROM pg_class WHERE relname IN ('order_totals', 'big_customers', 'top_customer', 'with_random');
SELECT count(*) AS guard_triggers FROM pg_trigger WHERE tgname LIKE 'pgt_%';
SELECT count(*) AS event_triggers FROM pg_event_trigger WHERE evtname LIKE 'pgt_%';
SELECT count(*) AS orders_after FROM orders;
SELECT count(*) AS view_intact FROM big_orders;
-- And it installs again.
CREATE EXTENSION pg_trickle;
SELECT pgtrickle.create_stream_table('again', 'SELECT count(*) AS n FROM orders', refresh_mode => 'FULL');
SELECT n FROM again;
DROP EXTENSION pg_trickle;
