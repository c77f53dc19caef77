-- IMMEDIATE stream tables: maintained inside every statement that changes a
-- source, in the writer's transaction.
SET client_min_messages = warning;
CREATE ROLE pgt_imm_owner;
CREATE ROLE pgt_imm_writer;
CREATE SCHEMA "Imm Schema";
GRANT USAGE, CREATE ON SCHEMA "Imm Schema" TO pgt_imm_owner;
GRANT USAGE ON SCHEMA "Imm Schema" TO pgt_imm_writer;
GRANT USAGE ON SCHEMA pgtrickle TO pgt_imm_owner, pgt_imm_writer;
RESET client_min_messages;

SET ROLE pgt_imm_owner;
CREATE TABLE "Imm Schema"."Orders $1" (id int PRIMARY KEY, "Customer" text NOT NULL, amount numeric NOT NULL);
CREATE TABLE "Imm Schema".customers (name text PRIMARY KEY, region text NOT NULL);
INSERT INTO "Imm Schema".customers VALUES ('ann', 'north'), ('bob', 'south');
INSERT INTO "Imm Schema"."Orders $1" VALUES (1, 'ann', 10), (2, 'bob', 20), (3, 'ann', 5);
GRANT INSERT, UPDATE, DELETE, SELECT ON "Imm Schema"."Orders $1" TO pgt_imm_writer;
SELECT pgtrickle.create_stream_table('"Imm Schema"."Region Totals"',
    $$SELECT c.region, sum(o.amount) AS total, count(*) AS n
        FROM "Imm Schema"."Orders $1" o JOIN "Imm Schema".customers c ON c.name = o."Customer"
       GROUP BY c.region$$,
    refresh_mode => 'IMMEDIATE', initialize => false);
SELECT refresh_mode, effective_refresh_mode, is_populated
  FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'Region Totals';
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;

-- Each statement is visible to the next one of the same transaction.
BEGIN;
INSERT INTO "Imm Schema"."Orders $1" VALUES (4, 'bob', 100);
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;
UPDATE "Imm Schema".customers SET region = 'east' WHERE name = 'ann';
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;
SAVEPOINT s;
DELETE FROM "Imm Schema"."Orders $1" WHERE "Customer" = 'bob';
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;
ROLLBACK TO SAVEPOINT s;
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;
COMMIT;
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;

-- ROLLBACK undoes the stream table with the source.
BEGIN;
DELETE FROM "Imm Schema"."Orders $1";
SELECT count(*) AS rows_while_deleted FROM "Imm Schema"."Region Totals";
ROLLBACK;
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;

-- A failing statement leaves nothing behind; ON CONFLICT, MERGE, a
-- data-modifying WITH over both sources, TRUNCATE.
INSERT INTO "Imm Schema"."Orders $1" VALUES (1, 'ann', 1);
INSERT INTO "Imm Schema"."Orders $1" VALUES (1, 'ann', 1000) ON CONFLICT (id) DO UPDATE SET amount = EXCLUDED.amount;
MERGE INTO "Imm Schema"."Orders $1" o USING (VALUES (2, 'bob', 7), (9, 'ann', 9)) v(id, c, a) ON o.id = v.id
  WHEN MATCHED THEN UPDATE SET amount = v.a WHEN NOT MATCHED THEN INSERT VALUES (v.id, v.c, v.a);
WITH c AS (INSERT INTO "Imm Schema".customers VALUES ('cy', 'west') RETURNING name)
INSERT INTO "Imm Schema"."Orders $1" SELECT 10, name, 3 FROM c;
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;
SELECT c.region, sum(o.amount) AS total, count(*) AS n
  FROM "Imm Schema"."Orders $1" o JOIN "Imm Schema".customers c ON c.name = o."Customer"
 GROUP BY c.region ORDER BY 1;
RESET ROLE;

-- A writer who may write a source but not read the stream table maintains
-- it without learning anything from it (the maintenance runs as the owner).
SET ROLE pgt_imm_writer;
INSERT INTO "Imm Schema"."Orders $1" VALUES (11, 'cy', 1);
SELECT count(*) FROM "Imm Schema"."Region Totals";
SELECT * FROM pgtrickle._statement_changes('"Imm Schema"."Orders $1"'::regclass) AS c(__pgt_w int, c1 int);
RESET ROLE;
SET ROLE pgt_imm_owner;
SELECT region, total, n FROM "Imm Schema"."Region Totals" WHERE region = 'west';
TRUNCATE "Imm Schema"."Orders $1";
SELECT count(*) AS after_truncate FROM "Imm Schema"."Region Totals";
RESET ROLE;

-- Switching modes moves the table between the triggers and change capture.
SET ROLE pgt_imm_owner;
INSERT INTO "Imm Schema"."Orders $1" VALUES (1, 'ann', 10), (2, 'bob', 20);
SELECT pgtrickle.alter_stream_table('"Imm Schema"."Region Totals"', refresh_mode => 'DIFFERENTIAL');
SELECT count(*) AS immediate_triggers FROM pg_trigger WHERE tgname LIKE 'pgt\_ivm\_%';
INSERT INTO "Imm Schema"."Orders $1" VALUES (3, 'bob', 1);
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;
SELECT pgtrickle.alter_stream_table('"Imm Schema"."Region Totals"', refresh_mode => 'IMMEDIATE');
SELECT region, total, n FROM "Imm Schema"."Region Totals" ORDER BY region;
SELECT staleness FROM pgtrickle.pgt_status() WHERE name = '"Imm Schema"."Region Totals"';
SELECT action, initiated_by FROM pgtrickle.get_refresh_history('"Imm Schema"."Region Totals"', 10) ORDER BY refresh_id;
-- What IMMEDIATE cannot maintain is refused as DIFFERENTIAL refuses it.
SELECT pgtrickle.create_stream_table('"Imm Schema".ranked',
    $$WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT o.id, r.n FROM "Imm Schema"."Orders $1" o JOIN r ON r.n = o.id$$, refresh_mode => 'IMMEDIATE');
-- A top-k is recomputed in each statement: its LIMIT (+ OFFSET) is bounded
-- by pg_trickle.ivm_topk_max_limit (a superuser setting).
SELECT pgtrickle.create_stream_table('"Imm Schema"."Top 3"',
    $$SELECT id, amount FROM "Imm Schema"."Orders $1" ORDER BY amount DESC, id LIMIT 2 OFFSET 1$$,
    refresh_mode => 'IMMEDIATE');
UPDATE "Imm Schema"."Orders $1" SET amount = amount + 1000 WHERE id = (SELECT min(id) FROM "Imm Schema"."Orders $1");
SELECT (SELECT count(*) FROM (SELECT id, amount FROM "Imm Schema"."Top 3" EXCEPT ALL
        (SELECT id, amount FROM "Imm Schema"."Orders $1" ORDER BY amount DESC, id LIMIT 2 OFFSET 1)) d) AS differing,
       (SELECT count(*) FROM "Imm Schema"."Top 3") AS rows_kept;
SELECT pgtrickle.create_stream_table('"Imm Schema".top_many',
    $$SELECT id FROM "Imm Schema"."Orders $1" ORDER BY amount, id LIMIT 1001$$, refresh_mode => 'IMMEDIATE');
SELECT pgtrickle.create_stream_table('"Imm Schema".offset_only',
    $$SELECT id FROM "Imm Schema"."Orders $1" ORDER BY amount, id OFFSET 1$$, refresh_mode => 'IMMEDIATE');
SELECT pgtrickle.drop_stream_table('"Imm Schema"."Top 3"');
SELECT pgtrickle.drop_stream_table('"Imm Schema"."Region Totals"');
SELECT count(*) AS immediate_triggers_left FROM pg_trigger WHERE tgname LIKE 'pgt\_ivm\_%';
RESET ROLE;

SET client_min_messages = warning;
DROP SCHEMA "Imm Schema" CASCADE;
DROP OWNED BY pgt_imm_owner, pgt_imm_writer;
DROP ROLE pgt_imm_owner;
DROP ROLE pgt_imm_writer;
RESET client_min_messages;
