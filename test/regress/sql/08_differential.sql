-- DIFFERENTIAL stream tables: change capture, frontiers, NO_DATA, FULL
-- fallbacks, clean-up. (The exhaustive oracle tests are in test/e2e.)
\set VERBOSITY default
CREATE TABLE items (id int PRIMARY KEY, cat text, price numeric, qty int, note text);
INSERT INTO items SELECT i, 'c' || (i % 3), i * 1.5, i % 7, 'n' || i FROM generate_series(1, 40) i;
CREATE TABLE cats (cat text PRIMARY KEY, label text);
INSERT INTO cats VALUES ('c0', 'zero'), ('c1', 'one'), ('c2', 'two');
CREATE TABLE tags (item_id int, tag text);  -- keyless, with duplicates
INSERT INTO tags SELECT i % 10, 't' || (i % 3) FROM generate_series(1, 30) i;

SELECT pgtrickle.create_stream_table('cheap_items',
    'SELECT id, cat, price * qty AS value FROM items WHERE price < 30',
    refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('labelled',
    'SELECT i.id, c.label, i.qty FROM items i JOIN cats c ON c.cat = i.cat',
    refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('tagged',
    'SELECT t.tag, i.cat FROM tags t JOIN items i ON i.id = t.item_id');

SELECT pgt_name, refresh_mode, effective_refresh_mode, unique_row_ids, status, is_populated,
       frontier IS NOT NULL AS has_frontier
  FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('cheap_items', 'labelled', 'tagged')
 ORDER BY 1;

-- One change buffer per source, capturing only the columns some stream table
-- reads (plus the key); note is not captured.
SELECT source_name, captured_columns, key_columns FROM pgtrickle.pgt_change_tracking ORDER BY 1;
-- Enabled ALWAYS: changes applied by logical replication are captured too.
SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'items'::regclass AND tgname LIKE 'pgt_cdc_%' ORDER BY 1;
-- Buffers are not readable by ordinary users (only by the owners of the
-- stream tables reading them, column by column).
CREATE ROLE pgt_snoop;
SELECT pg_catalog.has_any_column_privilege('pgt_snoop', buffer_relid, 'SELECT') AS snoop_reads_buffer
  FROM pgtrickle.pgt_change_tracking WHERE source_name = 'items';
DROP ROLE pgt_snoop;

CREATE FUNCTION buffered(tbl regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  -- (Not counting the sentinel row every buffer holds: transaction id 2.)
  EXECUTE format('SELECT count(*) FROM %s WHERE xid <> ''2''::xid8',
                 (SELECT buffer_relid::regclass FROM pgtrickle.pgt_change_tracking WHERE source_relid = tbl))
     INTO n;
  RETURN n;
END $$;
CREATE FUNCTION st_matches(st text, q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE cols text; n bigint;
BEGIN
  SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_attribute
   WHERE attrelid = st::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\_\_pgt\_%';
  EXECUTE format('SELECT count(*) FROM ((SELECT %s FROM %s EXCEPT ALL %s) UNION ALL (%s EXCEPT ALL SELECT %s FROM %s)) d',
                 cols, st, q, q, cols, st) INTO n;
  RETURN n = 0;
END $$;

-- An UPDATE of a column no stream table reads captures nothing.
UPDATE items SET note = 'changed' WHERE id < 10;
SELECT buffered('items') AS after_untracked_update;
-- Nothing pending: NO_DATA, the table is not touched.
SELECT pgtrickle.refresh_stream_table('cheap_items');
SELECT h.action, h.status FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE st.pgt_name = 'cheap_items' ORDER BY refresh_id DESC LIMIT 1;

-- Inserts, key and non-key updates, deletes, insert-then-delete in one batch.
SET pg_trickle.differential_max_change_ratio = 100;
BEGIN;
INSERT INTO items VALUES (100, 'c1', 2.5, 4, 'x'), (101, 'c2', 3.0, 1, 'y');
UPDATE items SET price = price + 1 WHERE id IN (2, 3, 4);
UPDATE items SET id = 200 WHERE id = 5;
DELETE FROM items WHERE id IN (6, 101);
INSERT INTO items VALUES (102, 'c0', 1, 1, 'z');
DELETE FROM items WHERE id = 102;
UPDATE cats SET label = 'ONE' WHERE cat = 'c1';
INSERT INTO tags VALUES (2, 't9'), (2, 't9');
DELETE FROM tags WHERE item_id = 3;
COMMIT;
SELECT buffered('items') AS items_changes, buffered('cats') AS cats_changes, buffered('tags') AS tags_changes;
SELECT pgtrickle.refresh_stream_table('cheap_items');
SELECT pgtrickle.refresh_stream_table('labelled');
SELECT pgtrickle.refresh_stream_table('tagged');
SELECT st.pgt_name, h.action, h.rows_inserted, h.rows_updated, h.rows_deleted
  FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE h.refresh_id > (SELECT max(refresh_id) - 3 FROM pgtrickle.pgt_refresh_history)
 ORDER BY h.refresh_id;
SELECT st_matches('cheap_items', 'SELECT id, cat, price * qty FROM items WHERE price < 30') AS cheap_ok,
       st_matches('labelled', 'SELECT i.id, c.label, i.qty FROM items i JOIN cats c ON c.cat = i.cat') AS labelled_ok,
       st_matches('tagged', 'SELECT t.tag, i.cat FROM tags t JOIN items i ON i.id = t.item_id') AS tagged_ok;
-- Consumed changes are cleaned up once every reader has them.
SELECT buffered('items') AS items_left, buffered('cats') AS cats_left, buffered('tags') AS tags_left;

-- A refresh inside the writing transaction sees its own changes; they are
-- not applied a second time after commit.
BEGIN;
UPDATE items SET qty = qty + 10 WHERE id = 7;
SELECT pgtrickle.refresh_stream_table('cheap_items');
UPDATE items SET qty = qty + 10 WHERE id = 8;
COMMIT;
SELECT pgtrickle.refresh_stream_table('cheap_items');
SELECT st_matches('cheap_items', 'SELECT id, cat, price * qty FROM items WHERE price < 30') AS own_changes_ok;

-- Too many pending changes: FULL, and the history says why.
RESET pg_trickle.differential_max_change_ratio;
UPDATE items SET qty = qty + 1;
SELECT pgtrickle.refresh_stream_table('cheap_items');
SELECT action, reason LIKE '%pending changes exceed%' AS reason_given
  FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE st.pgt_name = 'cheap_items' ORDER BY refresh_id DESC LIMIT 1;
SELECT st_matches('cheap_items', 'SELECT id, cat, price * qty FROM items WHERE price < 30') AS after_full_ok;

-- TRUNCATE of a source: the next refresh recomputes.
TRUNCATE tags;
INSERT INTO tags VALUES (1, 'fresh');
SELECT pgtrickle.refresh_stream_table('tagged');
SELECT action, reason FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE st.pgt_name = 'tagged' ORDER BY refresh_id DESC LIMIT 1;
SELECT * FROM tagged;

-- What DIFFERENTIAL cannot maintain yet is refused with the construct named.
SELECT pgtrickle.create_stream_table('nope', 'SELECT i.id, x.c FROM items i, LATERAL (SELECT count(*) AS c FROM tags t WHERE t.item_id = i.id) x', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('nope', 'SELECT i.id FROM items i LEFT JOIN cats c ON c.cat < i.cat', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('nope', 'SELECT id FROM items INTERSECT SELECT item_id FROM tags INTERSECT (SELECT id FROM items LIMIT 3)', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('nope', 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT items.id FROM items JOIN r ON r.n = items.id', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('nope', 'SELECT id FROM items LIMIT 5', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('nope', 'SELECT i FROM items i', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('nope', 'SELECT * FROM generate_series(1, 3) g', refresh_mode => 'DIFFERENTIAL');
CREATE MATERIALIZED VIEW mv AS SELECT id FROM items;
SELECT pgtrickle.create_stream_table('nope', 'SELECT id FROM mv', refresh_mode => 'DIFFERENTIAL');
-- ONLY on a partitioned table reads nothing; ONLY on a parent with children
-- cannot be told apart from its children in the capture.
CREATE TABLE parted (id int, v int) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
SELECT pgtrickle.create_stream_table('nope', 'SELECT id, v FROM ONLY parted', refresh_mode => 'DIFFERENTIAL');
CREATE TABLE inh_parent (id int, v int);
CREATE TABLE inh_child () INHERITS (inh_parent);
SELECT pgtrickle.create_stream_table('nope', 'SELECT id, v FROM ONLY inh_parent', refresh_mode => 'DIFFERENTIAL');
DROP TABLE parted, inh_parent, inh_child;
-- Row-level security on a source: the change buffer would bypass it.
CREATE TABLE guarded (id int PRIMARY KEY, v int);
ALTER TABLE guarded ENABLE ROW LEVEL SECURITY;
SELECT pgtrickle.create_stream_table('nope', 'SELECT id, v FROM guarded', refresh_mode => 'DIFFERENTIAL');
-- A role that may read a table creates every mode over it; one that may not
-- read a column the delta reads (here the key) gets FULL in AUTO.
CREATE ROLE pgt_reader;
CREATE SCHEMA reader_s AUTHORIZATION pgt_reader;
GRANT SELECT ON items TO pgt_reader;
SET ROLE pgt_reader;
SELECT pgtrickle.create_stream_table('reader_s.diff', 'SELECT id FROM items', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('reader_s.auto', 'SELECT id FROM items');
SELECT pgt_name, effective_refresh_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_schema = 'reader_s' ORDER BY 1;
SELECT pgtrickle.drop_stream_table('reader_s.diff');
SELECT pgtrickle.drop_stream_table('reader_s.auto');
RESET ROLE;
REVOKE SELECT ON items FROM pgt_reader;
GRANT SELECT (cat) ON items TO pgt_reader;
SET ROLE pgt_reader;
SELECT pgtrickle.create_stream_table('reader_s.nope', 'SELECT cat FROM items', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('reader_s.auto_full', 'SELECT cat FROM items');
RESET ROLE;
SELECT pgtrickle.drop_stream_table('reader_s.auto_full');
DROP SCHEMA reader_s;
REVOKE SELECT ON items FROM pgt_reader;
DROP ROLE pgt_reader;
DROP MATERIALIZED VIEW mv;
DROP TABLE guarded;

-- Switching modes: FULL <-> DIFFERENTIAL rebuilds the row identity and capture.
SELECT pgtrickle.alter_stream_table('labelled', refresh_mode => 'FULL');
SELECT source_name FROM pgtrickle.pgt_change_tracking ORDER BY 1;
SELECT pgtrickle.alter_stream_table('labelled', refresh_mode => 'DIFFERENTIAL');
UPDATE cats SET label = 'TWO' WHERE cat = 'c2';
SELECT pgtrickle.refresh_stream_table('labelled');
SELECT st_matches('labelled', 'SELECT i.id, c.label, i.qty FROM items i JOIN cats c ON c.cat = i.cat') AS after_switch_ok;

-- Dropping the last reader of a source removes its capture.
SELECT pgtrickle.drop_stream_table('tagged');
SELECT source_name FROM pgtrickle.pgt_change_tracking ORDER BY 1;
SELECT count(*) AS tags_triggers FROM pg_trigger WHERE tgrelid = 'tags'::regclass;
DROP TABLE cats CASCADE;
SELECT source_name FROM pgtrickle.pgt_change_tracking ORDER BY 1;
SELECT pgt_name FROM pgtrickle.pgt_stream_tables WHERE pgt_name IN ('cheap_items', 'labelled', 'tagged');
-- DDL on a source that would break a stream table's query is refused ...
ALTER TABLE items RENAME COLUMN qty TO quantity;
-- ... and goes through once the stream table no longer reads the column;
-- capture follows the rename (writes go on).
SELECT pgtrickle.alter_stream_table('cheap_items',
    query => 'SELECT id, cat, price * 2 AS value FROM items WHERE price < 30');
ALTER TABLE items RENAME COLUMN qty TO quantity;
UPDATE items SET quantity = quantity + 1, price = price + 1 WHERE id = 1;
SELECT captured_columns, captured_attnums FROM pgtrickle.pgt_change_tracking WHERE source_name = 'items';
SELECT pgtrickle.refresh_stream_table('cheap_items');
SELECT st_matches('cheap_items', 'SELECT id, cat, price * 2 FROM items WHERE price < 30') AS after_rename_ok;
-- A captured column changing type: the stream table's column follows at once
-- (reinitialized by the DDL), and refreshes go on by delta.
ALTER TABLE items ALTER COLUMN price TYPE float8;
UPDATE items SET price = price + 1 WHERE id = 3;
SELECT pgtrickle.refresh_stream_table('cheap_items');
SELECT h.action, h.initiated_by, h.reason FROM pgtrickle.pgt_refresh_history h
  JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE st.pgt_name = 'cheap_items' ORDER BY refresh_id DESC LIMIT 2;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'cheap_items'::regclass AND attname = 'value';
SELECT st_matches('cheap_items', 'SELECT id, cat, price * 2 FROM items WHERE price < 30') AS after_retype_ok;
DROP FUNCTION buffered(regclass);
DROP FUNCTION st_matches(text, text);
