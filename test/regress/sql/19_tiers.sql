-- Tiered scheduling: alter_stream_table(tier => ...), the catalog column,
-- pgtrickle.effective_schedule() and who sees what in it. The scheduler's
-- side (periods stretched, frozen, 'auto' from reads, backoff, the history
-- notes) is tested end to end in test/e2e (SchedulerTier).
\set SHOW_CONTEXT never
CREATE TABLE "Tier Src" (id int PRIMARY KEY, v int);
INSERT INTO "Tier Src" SELECT g, g FROM generate_series(1, 10) g;
SELECT pgtrickle.create_stream_table('"Tier ""St"""', 'SELECT id, v FROM "Tier Src"', schedule => '1m',
                                     refresh_mode => 'DIFFERENTIAL');

-- Nobody assigned a tier: hot, the schedule as written (as before tiers).
SELECT pgt_name, refresh_tier FROM pgtrickle.pgt_stream_tables WHERE pgt_name LIKE 'Tier%';
SHOW pg_trickle.tiered_scheduling;

-- Each tier; case and spaces do not matter; NULL leaves it as it is.
SELECT pgtrickle.alter_stream_table('"Tier ""St"""', tier => 'warm');
SELECT refresh_tier FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'Tier "St"';
SELECT pgtrickle.alter_stream_table('"Tier ""St"""', tier => ' COLD ');
SELECT refresh_tier FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'Tier "St"';
SELECT pgtrickle.alter_stream_table('"Tier ""St"""', schedule => '2m');
SELECT schedule, refresh_tier FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'Tier "St"';
SELECT pgtrickle.alter_stream_table('"Tier ""St"""', tier => 'auto');
SELECT refresh_tier FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'Tier "St"';

-- Refused, with the values that are valid; nothing changes.
SELECT pgtrickle.alter_stream_table('"Tier ""St"""', tier => 'lukewarm');
SELECT pgtrickle.alter_stream_table('"Tier ""St"""', tier => '');
SELECT refresh_tier FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'Tier "St"';
-- The catalog refuses what the function would (nobody writes it directly).
\set VERBOSITY terse
UPDATE pgtrickle.pgt_stream_tables SET refresh_tier = 'tepid' WHERE pgt_name = 'Tier "St"';
\set VERBOSITY default

-- Frozen stops scheduled refreshes only: a manual refresh still works.
SELECT pgtrickle.alter_stream_table('"Tier ""St"""', tier => 'frozen');
INSERT INTO "Tier Src" VALUES (11, 11);
SELECT pgtrickle.refresh_stream_table('"Tier ""St"""');
SELECT count(*) FROM "Tier ""St""";
SELECT initiated_by, status, schedule_note FROM pgtrickle.pgt_refresh_history
 WHERE pgt_id = (SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'Tier "St"')
 ORDER BY refresh_id DESC LIMIT 1;

-- With tiered_scheduling off a tier is kept but has no effect: said so.
SET pg_trickle.tiered_scheduling = off;
SELECT pgtrickle.alter_stream_table('"Tier ""St"""', tier => 'cold');
RESET pg_trickle.tiered_scheduling;

-- Only the owner sets a tier.
CREATE ROLE tier_stranger;
SET ROLE tier_stranger;
SELECT pgtrickle.alter_stream_table('"Tier ""St"""', tier => 'hot');
-- effective_schedule() shows the stream tables the caller may read.
SELECT name FROM pgtrickle.effective_schedule() WHERE name LIKE '%Tier%';
RESET ROLE;
GRANT SELECT ON "Tier ""St""" TO tier_stranger;
SET ROLE tier_stranger;
SELECT name, schedule, refresh_tier FROM pgtrickle.effective_schedule() WHERE name LIKE '%Tier%';
RESET ROLE;

-- Its columns; IMMEDIATE tables (never scheduled) are not listed.
SELECT pgtrickle.create_stream_table('tier_imm', 'SELECT id FROM "Tier Src"', refresh_mode => 'IMMEDIATE');
SELECT name, schedule, refresh_tier FROM pgtrickle.effective_schedule() WHERE name LIKE '%Tier%' OR name LIKE '%tier%';
SELECT column_name, data_type FROM information_schema.columns
 WHERE table_schema = 'pgtrickle' AND table_name = 'pgt_stream_tables'
   AND (column_name LIKE 'sched\_%' OR column_name = 'refresh_tier') ORDER BY ordinal_position;
SELECT pg_get_function_result('pgtrickle.effective_schedule()'::regprocedure);

SELECT pgtrickle.drop_stream_table('tier_imm');
SELECT pgtrickle.drop_stream_table('"Tier ""St"""');
DROP TABLE "Tier Src";
DROP ROLE tier_stranger;
