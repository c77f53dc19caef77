-- Watermarks and watermark groups (advance_watermark, create_watermark_group,
-- drop_watermark_group, watermarks(), watermark_groups(), watermark_status());
-- the scheduler's side is tested end to end in test/e2e (SchedulerWatermark).
\set SHOW_CONTEXT never
CREATE SCHEMA "WM ""odd"" schema";
CREATE TABLE "WM ""odd"" schema"."Orders; DROP TABLE x" (id int PRIMARY KEY);
CREATE TABLE wm_lines (id int PRIMARY KEY);
CREATE TABLE wm_third (id int PRIMARY KEY);
CREATE SEQUENCE wm_seq;

-- Both catalog tables are extension configuration tables (dumped).
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) x JOIN pg_class c ON c.oid = x
 WHERE e.extname = 'pg_trickle' AND c.relname LIKE 'pgt_watermark%' ORDER BY 1;

-- A group: at least two distinct sources, a name, a tolerance >= 0.
SELECT pgtrickle.create_watermark_group('g', ARRAY['wm_lines']);
SELECT pgtrickle.create_watermark_group('g', ARRAY['wm_lines', 'wm_lines']);
SELECT pgtrickle.create_watermark_group('g', ARRAY['wm_lines', NULL]);
SELECT pgtrickle.create_watermark_group('g', ARRAY['wm_lines', 'no_such_table']);
SELECT pgtrickle.create_watermark_group('g', ARRAY['wm_lines', 'wm_seq']);
SELECT pgtrickle.create_watermark_group('g', ARRAY['wm_lines', 'wm_third'], -1);
SELECT pgtrickle.create_watermark_group('g', ARRAY['wm_lines', 'wm_third'], 'NaN');
SELECT pgtrickle.create_watermark_group('', ARRAY['wm_lines', 'wm_third']);
SELECT pgtrickle.create_watermark_group(NULL, ARRAY['wm_lines', 'wm_third']);
SELECT pgtrickle.create_watermark_group('pipeline ''one''',
         ARRAY['"WM ""odd"" schema"."Orders; DROP TABLE x"', 'wm_lines']) > 0 AS created;
SELECT pgtrickle.create_watermark_group('pipeline ''one''', ARRAY['wm_lines', 'wm_third']);
SELECT pgtrickle.create_watermark_group('loose', ARRAY['wm_lines', 'wm_third'], 30) > 0 AS created;
SELECT group_name, source_count, tolerance_secs, sources FROM pgtrickle.watermark_groups();

-- No watermark yet: not aligned, the group holds its readers.
SELECT group_name, min_watermark, max_watermark, lag_secs, aligned, sources_with_watermark, sources_total,
       stuck_sources, holding
  FROM pgtrickle.watermark_status();

-- Advancing: monotonic, idempotent, transactional.
SELECT pgtrickle.advance_watermark('"WM ""odd"" schema"."Orders; DROP TABLE x"', '2026-03-01 00:00+00');
SELECT pgtrickle.advance_watermark('"WM ""odd"" schema"."Orders; DROP TABLE x"', '2026-03-01 00:00+00');
SELECT pgtrickle.advance_watermark('"WM ""odd"" schema"."Orders; DROP TABLE x"', '2026-02-28 23:59+00');
BEGIN;
SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-02 00:00+00');
ROLLBACK;
SELECT pgtrickle.advance_watermark('wm_lines', NULL);
SELECT pgtrickle.advance_watermark(NULL, now());
SELECT pgtrickle.advance_watermark('wm_lines', 'infinity');
SELECT pgtrickle.advance_watermark('no_such_table', now());
SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-01 00:00:30+00');
SELECT source_table, schema_name, watermark, advanced_by, wal_lsn IS NOT NULL AS has_lsn, stuck
  FROM pgtrickle.watermarks();
-- 30 s apart: aligned only in the group that tolerates it.
SELECT group_name, min_watermark, max_watermark, lag_secs, aligned, sources_with_watermark, sources_total, holding
  FROM pgtrickle.watermark_status();
SELECT pgtrickle.advance_watermark('wm_third', '2026-03-01 00:00:10+00');
SELECT pgtrickle.advance_watermark('"WM ""odd"" schema"."Orders; DROP TABLE x"', '2026-03-01 00:00:30+00');
SELECT group_name, lag_secs, aligned, holding FROM pgtrickle.watermark_status();

-- Stuck: with pg_trickle.watermark_holdback_timeout, a watermark not advanced
-- for that long holds its groups (even aligned ones).
SET pg_trickle.watermark_holdback_timeout = 600;
SELECT group_name, aligned, stuck_sources, holding FROM pgtrickle.watermark_status();
UPDATE pgtrickle.pgt_watermarks SET updated_at = now() - interval '11 minutes'
 WHERE source_relid = 'wm_third'::regclass;
SELECT source_table, stuck FROM pgtrickle.watermarks();
SELECT group_name, aligned, stuck_sources, holding FROM pgtrickle.watermark_status();
SELECT pgtrickle.advance_watermark('wm_third', '2026-03-01 00:00:20+00');
SELECT group_name, aligned, stuck_sources, holding FROM pgtrickle.watermark_status();
RESET pg_trickle.watermark_holdback_timeout;
SET pg_trickle.watermark_holdback_timeout = -1;
SET pg_trickle.watermark_holdback_timeout = 86401;

-- Only a role that owns a source or may write it advances its watermark or
-- groups it; nobody writes the catalog directly; everyone may read it.
CREATE ROLE wm_reader;
CREATE ROLE wm_loader;
GRANT USAGE ON SCHEMA "WM ""odd"" schema" TO wm_reader, wm_loader;
GRANT SELECT ON wm_lines, wm_third TO wm_reader;
GRANT INSERT ON wm_lines, wm_third TO wm_loader;
SET ROLE wm_reader;
SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-03 00:00+00');
SELECT pgtrickle.create_watermark_group('mine', ARRAY['wm_lines', 'wm_third']);
SELECT pgtrickle.drop_watermark_group('loose');
UPDATE pgtrickle.pgt_watermarks SET watermark = now();
SELECT count(*) FROM pgtrickle.watermark_status();
SET ROLE wm_loader;
SELECT pgtrickle.advance_watermark('wm_lines', '2026-03-03 00:00+00');
SELECT pgtrickle.create_watermark_group('mine', ARRAY['wm_lines', 'wm_third']) > 0 AS created;
SELECT pgtrickle.drop_watermark_group('pipeline ''one''');
SELECT pgtrickle.drop_watermark_group('mine');
RESET ROLE;
SELECT source_table, watermark, advanced_by FROM pgtrickle.watermarks() WHERE source_table = 'wm_lines';

-- A dropped source leaves the watermarks and its groups.
DROP TABLE wm_third;
SELECT source_table FROM pgtrickle.watermarks();
SELECT group_name, source_count, sources FROM pgtrickle.watermark_groups();
SELECT group_name, sources_with_watermark, sources_total FROM pgtrickle.watermark_status();

SELECT pgtrickle.drop_watermark_group('no such group');
SELECT pgtrickle.drop_watermark_group('loose');
SELECT pgtrickle.drop_watermark_group('pipeline ''one''');
SELECT count(*) FROM pgtrickle.watermark_groups();
DROP TABLE "WM ""odd"" schema"."Orders; DROP TABLE x", wm_lines;
DROP SEQUENCE wm_seq;
DROP SCHEMA "WM ""odd"" schema";
SELECT count(*) FROM pgtrickle.pgt_watermarks;
DROP ROLE wm_reader;
DROP ROLE wm_loader;
