-- IMMEDIATE stream tables with immediate_timing => 'commit': maintained once,
-- when the writing transaction commits.
SET client_min_messages = warning;
CREATE SCHEMA "Commit Schema";
RESET client_min_messages;
CREATE TABLE "Commit Schema"."Sales ""Q""" (id int PRIMARY KEY, "Region" text NOT NULL, amount int NOT NULL);
INSERT INTO "Commit Schema"."Sales ""Q""" VALUES (1, 'north', 10), (2, 'south', 20);
SELECT pgtrickle.create_stream_table('"Commit Schema"."Totals ''T''"',
    $$SELECT "Region", sum(amount) AS total, count(*) AS n FROM "Commit Schema"."Sales ""Q""" GROUP BY "Region"$$,
    refresh_mode => 'IMMEDIATE');

-- Refused for a value other than statement / commit, and for a table that is
-- not IMMEDIATE.
SELECT pgtrickle.alter_stream_table('"Commit Schema"."Totals ''T''"', immediate_timing => 'later');
SELECT pgtrickle.create_stream_table('"Commit Schema".full_totals',
    $$SELECT "Region", count(*) AS n FROM "Commit Schema"."Sales ""Q""" GROUP BY "Region"$$, refresh_mode => 'FULL');
SELECT pgtrickle.alter_stream_table('"Commit Schema".full_totals', immediate_timing => 'commit');

SELECT pgtrickle.alter_stream_table('"Commit Schema"."Totals ''T''"', immediate_timing => 'COMMIT');
SELECT name, effective_refresh_mode, immediate_timing, staleness = interval '0' AS current
  FROM pgtrickle.pgt_status() WHERE name LIKE '%Commit Schema%' ORDER BY name;

-- Not visible to the writing transaction before its commit; visible after.
BEGIN;
INSERT INTO "Commit Schema"."Sales ""Q""" VALUES (3, 'north', 5);
UPDATE "Commit Schema"."Sales ""Q""" SET amount = amount + 1 WHERE id = 2;
SELECT "Region", total, n FROM "Commit Schema"."Totals 'T'" ORDER BY 1;
COMMIT;
SELECT "Region", total, n FROM "Commit Schema"."Totals 'T'" ORDER BY 1;

-- ROLLBACK: nothing; a rolled-back savepoint: only the rest.
BEGIN;
DELETE FROM "Commit Schema"."Sales ""Q""";
ROLLBACK;
BEGIN;
INSERT INTO "Commit Schema"."Sales ""Q""" VALUES (4, 'east', 1);
SAVEPOINT s;
INSERT INTO "Commit Schema"."Sales ""Q""" VALUES (5, 'west', 1);
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT "Region", total, n FROM "Commit Schema"."Totals 'T'" ORDER BY 1;

-- TRUNCATE after a write in the same transaction.
BEGIN;
INSERT INTO "Commit Schema"."Sales ""Q""" VALUES (6, 'east', 2);
TRUNCATE "Commit Schema"."Sales ""Q""";
INSERT INTO "Commit Schema"."Sales ""Q""" VALUES (7, 'south', 7);
COMMIT;
SELECT "Region", total, n FROM "Commit Schema"."Totals 'T'" ORDER BY 1;

-- No history row per commit.
SELECT h.action, h.initiated_by FROM pgtrickle.pgt_refresh_history h
  JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
 WHERE st.pgt_name = 'Totals ''T''' ORDER BY h.refresh_id;

-- The definition keeps the timing.
SELECT pgtrickle.export_definition('"Commit Schema"."Totals ''T''"');

-- Back to statement timing: maintained inside the transaction again.
SELECT pgtrickle.alter_stream_table('"Commit Schema"."Totals ''T''"', immediate_timing => 'statement');
BEGIN;
INSERT INTO "Commit Schema"."Sales ""Q""" VALUES (8, 'south', 1);
SELECT "Region", total, n FROM "Commit Schema"."Totals 'T'" ORDER BY 1;
COMMIT;

SET client_min_messages = warning;
DROP SCHEMA "Commit Schema" CASCADE;
RESET client_min_messages;
