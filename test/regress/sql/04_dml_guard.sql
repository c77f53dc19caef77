-- Direct writes to a stream table are refused; the extension's refreshes pass.
\set VERBOSITY default
INSERT INTO order_totals VALUES ('mallory', 1, 1, 1);
UPDATE order_totals SET total = 0;
DELETE FROM order_totals;
TRUNCATE order_totals;
COPY order_totals (customer) FROM stdin;
mallory
\.
MERGE INTO order_totals t USING (SELECT 'zed' AS c) s ON t.customer = s.c
  WHEN NOT MATCHED THEN INSERT (customer) VALUES (s.c);
-- Nothing changed, and refresh still works.
SELECT customer, total, n FROM order_totals ORDER BY customer;
INSERT INTO orders VALUES (6, 'dave', 'east', 1.00, NULL);
SELECT pgtrickle.refresh_stream_table('order_totals');
SELECT customer, total, n FROM order_totals ORDER BY customer;
