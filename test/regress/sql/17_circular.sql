-- Cycles of stream tables (pg_trickle.allow_circular): refused by default,
-- accepted over monotone DIFFERENTIAL queries, refreshed to their fixed
-- point by hand; the scheduler's side is tested end to end in test/e2e
-- (SchedulerCircular).
\set SHOW_CONTEXT never
CREATE SCHEMA "Cyc Sch";
SET search_path = "Cyc Sch", public;
CREATE TABLE "Edge ""E""" (src int, dst int, PRIMARY KEY (src, dst));
INSERT INTO "Edge ""E""" VALUES (1, 2), (2, 3), (3, 4);
CREATE VIEW reach_oracle AS
  WITH RECURSIVE r(src, dst) AS (
    SELECT src, dst FROM "Edge ""E"""
    UNION SELECT r.src, e.dst FROM r JOIN "Edge ""E""" e ON r.dst = e.src)
  SELECT src, dst FROM r;
-- Reach A = edges UNION Reach B; Reach B = Reach A joined with one more edge.
SELECT pgtrickle.create_stream_table('"Reach A"', 'SELECT src, dst FROM "Edge ""E"""',
                                     refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('"Reach B"',
  'SELECT a.src, e.dst FROM "Reach A" a JOIN "Edge ""E""" e ON a.dst = e.src', refresh_mode => 'DIFFERENTIAL');

-- Off (the default): refused; the HINT says the cycle would be monotone.
SHOW pg_trickle.allow_circular;
SELECT pgtrickle.alter_stream_table('"Reach A"',
  query => 'SELECT src, dst FROM "Edge ""E""" UNION SELECT src, dst FROM "Reach B"');
-- ... and says when allowing it would not help.
SELECT pgtrickle.alter_stream_table('"Reach A"',
  query => 'SELECT src, max(dst) AS dst FROM (SELECT src, dst FROM "Edge ""E""" UNION ALL SELECT src, dst FROM "Reach B") u GROUP BY src');

SET pg_trickle.allow_circular = on;
-- Not monotone: refused whatever the setting, naming the member and the construct.
SELECT pgtrickle.alter_stream_table('"Reach A"',
  query => 'SELECT src, max(dst) AS dst FROM (SELECT src, dst FROM "Edge ""E""" UNION ALL SELECT src, dst FROM "Reach B") u GROUP BY src');
SELECT pgtrickle.alter_stream_table('"Reach A"',
  query => 'SELECT src, dst FROM "Edge ""E""" EXCEPT SELECT src, dst FROM "Reach B"');
SELECT pgtrickle.alter_stream_table('"Reach A"',
  query => 'SELECT e.src, e.dst FROM "Edge ""E""" e WHERE NOT EXISTS (SELECT 1 FROM "Reach B" b WHERE b.src = e.src)');
SELECT pgtrickle.alter_stream_table('"Reach A"',
  query => 'SELECT e.src, b.dst FROM "Edge ""E""" e LEFT JOIN "Reach B" b ON b.src = e.dst');
-- Every member counts, not only the one altered: an aggregate in the other.
SELECT pgtrickle.create_stream_table('agg_b', 'SELECT src, max(dst) AS dst FROM "Reach A" GROUP BY src',
                                     refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.alter_stream_table('"Reach A"',
  query => 'SELECT src, dst FROM "Edge ""E""" UNION SELECT src, dst FROM agg_b');
SELECT pgtrickle.drop_stream_table('agg_b');
-- A member maintained FULL cannot be on a cycle.
SELECT pgtrickle.create_stream_table('full_b', 'SELECT src, dst FROM "Reach A"', refresh_mode => 'FULL');
SELECT pgtrickle.alter_stream_table('"Reach A"',
  query => 'SELECT src, dst FROM "Edge ""E""" UNION SELECT src, dst FROM full_b');
SELECT pgtrickle.drop_stream_table('full_b');
-- Reading itself stays refused.
SELECT pgtrickle.alter_stream_table('"Reach B"',
  query => 'SELECT a.src, e.dst FROM "Reach B" a JOIN "Edge ""E""" e ON a.dst = e.src');

-- Monotone (UNION, a join): accepted, and the alter computes the fixed point.
SELECT pgtrickle.alter_stream_table('"Reach A"',
  query => 'SELECT src, dst FROM "Edge ""E""" UNION SELECT src, dst FROM "Reach B"');
SELECT (SELECT count(*) FROM (TABLE reach_oracle EXCEPT SELECT src, dst FROM "Reach A") x) AS missing,
       (SELECT count(*) FROM (SELECT src, dst FROM "Reach A" EXCEPT TABLE reach_oracle) x) AS extra,
       (SELECT count(*) FROM "Reach A") AS rows;
SELECT scc_id, member_count, members, last_iterations, last_converged_at IS NOT NULL AS converged
  FROM pgtrickle.pgt_scc_status();
-- Once accepted, a member's query is checked again when altered, setting off or not.
RESET pg_trickle.allow_circular;
SELECT pgtrickle.alter_stream_table('"Reach B"', refresh_mode => 'FULL');
SELECT pgtrickle.alter_stream_table('"Reach B"',
  query => 'SELECT DISTINCT a.src, e.dst FROM "Reach A" a JOIN "Edge ""E""" e ON a.dst = e.src');
-- EXISTS (a semi-join) is monotone too (and changes nothing here: every
-- path starts with an edge).
SELECT pgtrickle.alter_stream_table('"Reach B"',
  query => 'SELECT DISTINCT a.src, e.dst FROM "Reach A" a JOIN "Edge ""E""" e ON a.dst = e.src
            WHERE EXISTS (SELECT 1 FROM "Edge ""E""" x WHERE x.src = a.src)');
SELECT maintenance_plan LIKE '%OuterJoinExpansion%' AS semi_join FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'Reach B';

-- A refresh of one member iterates the cycle: inserts semi-naively ...
INSERT INTO "Edge ""E""" VALUES (4, 5), (4, 1);
SELECT pgtrickle.refresh_stream_table('"Reach B"');
SELECT (SELECT count(*) FROM (TABLE reach_oracle EXCEPT SELECT src, dst FROM "Reach A") x) AS missing,
       (SELECT count(*) FROM (SELECT src, dst FROM "Reach A" EXCEPT TABLE reach_oracle) x) AS extra,
       (SELECT count(*) FROM "Reach A") AS rows;
-- ... deletes from empty: (1, 1) through 1 -> 2 -> 3 -> 4 -> 1 supports
-- itself in the cycle, and must go with the edge (4, 1).
DELETE FROM "Edge ""E""" WHERE src = 4 AND dst = 1;
SELECT pgtrickle.refresh_stream_table('"Reach A"');
SELECT (SELECT count(*) FROM (TABLE reach_oracle EXCEPT SELECT src, dst FROM "Reach A") x) AS missing,
       (SELECT count(*) FROM (SELECT src, dst FROM "Reach A" EXCEPT TABLE reach_oracle) x) AS extra,
       (SELECT count(*) FROM "Reach A") AS rows;
SELECT st.pgt_name, f.last_recomputed FROM pgtrickle.pgt_fixpoint_state f
  JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) ORDER BY 1;
-- Nothing left pending: refreshing again changes nothing and records no recomputation.
SELECT pgtrickle.refresh_stream_table('"Reach A"');
SELECT st.pgt_name, f.last_fixpoint_iterations, f.last_recomputed FROM pgtrickle.pgt_fixpoint_state f
  JOIN pgtrickle.pgt_stream_tables st USING (pgt_id) ORDER BY 1;

-- A stranger sees no cycle it cannot read, and cannot refresh it.
CREATE ROLE cyc_stranger;
GRANT USAGE ON SCHEMA "Cyc Sch" TO cyc_stranger;
SET ROLE cyc_stranger;
SELECT count(*) FROM pgtrickle.pgt_scc_status();
SELECT count(*) FROM pgtrickle.pgt_fixpoint_state;
SELECT pgtrickle.refresh_stream_table('"Reach A"');
RESET ROLE;
-- One member readable is not enough: the cycle shows whole or not at all.
GRANT SELECT ON "Reach A" TO cyc_stranger;
SET ROLE cyc_stranger;
SELECT count(*) FROM pgtrickle.pgt_scc_status();
RESET ROLE;
GRANT SELECT ON "Reach B" TO cyc_stranger;
SET ROLE cyc_stranger;
SELECT scc_id, members FROM pgtrickle.pgt_scc_status();
RESET ROLE;

-- UNION ALL over a cyclic graph derives ever longer paths: no fixed point.
CREATE TABLE walk_edge (src int, dst int);
INSERT INTO walk_edge VALUES (1, 2), (2, 3);
SELECT pgtrickle.create_stream_table('walk_a', 'SELECT src, dst FROM walk_edge', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('walk_b',
  'SELECT a.src, e.dst FROM walk_a a JOIN walk_edge e ON a.dst = e.src', refresh_mode => 'DIFFERENTIAL');
SET pg_trickle.allow_circular = on;
SELECT pgtrickle.alter_stream_table('walk_a', query => 'SELECT src, dst FROM walk_edge UNION ALL SELECT src, dst FROM walk_b');
SELECT count(*) FROM walk_a;
INSERT INTO walk_edge VALUES (3, 1);
SET pg_trickle.max_fixpoint_iterations = 5;
SELECT pgtrickle.refresh_stream_table('walk_b');
-- Rolled back whole: the members are as they were.
SELECT count(*) FROM walk_a;
RESET pg_trickle.max_fixpoint_iterations;
RESET pg_trickle.allow_circular;

-- A member of a cycle is read by the others: dropped with cascade.
SELECT pgtrickle.drop_stream_table('walk_b', cascade => true);
DROP TABLE walk_edge;
-- Dropping a member breaks the cycle (its state rows go with it).
SELECT pgtrickle.drop_stream_table('"Reach A"', cascade => true);
SELECT count(*) FROM pgtrickle.pgt_fixpoint_state;
SELECT count(*) FROM pgtrickle.pgt_scc_status();
DROP VIEW reach_oracle;
DROP TABLE "Edge ""E""";
DROP SCHEMA "Cyc Sch";
DROP ROLE cyc_stranger;
RESET search_path;
