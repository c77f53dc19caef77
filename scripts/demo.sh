#!/usr/bin/env bash
# pg_trickle demo: installs what is missing, builds, installs, starts a
# throwaway PostgreSQL 15 cluster with pg_trickle preloaded, and shows a
# stream table following its source table as rows arrive, refreshed by the
# background scheduler (no refresh call).
#
#   scripts/demo.sh               # run the demo, then stop and remove the cluster
#   DEMO_KEEP=1 scripts/demo.sh   # leave the cluster running and print how to connect
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "== building pg_trickle"
make -s -j"$(nproc)"
$SUDO make -s install >/dev/null

work=$(mktemp -d /tmp/pgtrickle-demo.XXXXXX)
if [ -z "${DEMO_KEEP:-}" ]; then
  trap 'scripts/cluster.sh stop "$work"; rm -rf "$work"' EXIT
fi
eval "$(scripts/cluster.sh start "$work")"
export PGHOST PGPORT PGUSER PGDATABASE
echo "== throwaway cluster on socket $PGHOST, port $PGPORT (pg_trickle preloaded)"

psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql <<'SQL'
CREATE EXTENSION pg_trickle;
CREATE TABLE sales (
    id       serial PRIMARY KEY,
    region   text NOT NULL,
    amount   int  NOT NULL
);
INSERT INTO sales (region, amount)
SELECT (ARRAY['north','south','east','west','central'])[1 + i % 5], (i * 17 + 13) % 1000
FROM generate_series(1, 100000) i;
CREATE TABLE regions (region text PRIMARY KEY, manager text);
INSERT INTO regions VALUES ('north', 'Ana'), ('south', 'Bo'), ('east', 'Cy'), ('west', 'Di'),
                           ('central', 'Ed');

-- A stream table: defined by a query, stored as a real table, maintained
-- incrementally (AUTO picks DIFFERENTIAL for this join).
SELECT pgtrickle.create_stream_table(
    'big_sales',
    'SELECT s.id, s.region, r.manager, s.amount FROM sales s JOIN regions r USING (region) WHERE s.amount >= 990',
    schedule => '1s');
SQL

show() {
  echo
  echo "-- $1"
  psql -c "SELECT region, manager, count(*) AS big_sales, sum(amount) AS amount
           FROM big_sales GROUP BY region, manager ORDER BY region"
}

psql -c "SELECT name, status, refresh_mode, effective_refresh_mode, is_populated, schedule FROM pgtrickle.pgt_status()"
show "big_sales right after create_stream_table (100,000 sales)"
for round in 1 2 3; do
  psql -c "INSERT INTO sales (region, amount) SELECT 'north', 995 FROM generate_series(1, $((round * 10)));
           UPDATE sales SET amount = 999 WHERE id IN (SELECT id FROM sales WHERE region = 'south' AND amount < 990 LIMIT 5);
           DELETE FROM sales WHERE id IN (SELECT id FROM sales WHERE region = 'west' AND amount >= 990 LIMIT 3);
           UPDATE regions SET manager = 'Manager $round' WHERE region = 'east';"
  # No refresh call: the background scheduler applies the changes by itself
  # (at once after a quiet spell, and at most 1 s later: schedule => '1s').
  sleep 1.5
  show "round $round: +$((round * 10)) big north sales, 5 south sales raised, 3 big west sales deleted, new east manager (no refresh called)"
done

echo
echo "-- refresh history: the first refresh computed everything; the scheduler's only the changes"
psql -c "SELECT refresh_id, action, rows_inserted, rows_updated, rows_deleted, initiated_by,
                round(extract(epoch FROM end_time - start_time) * 1000, 2) AS ms
         FROM pgtrickle.pgt_refresh_history ORDER BY refresh_id"
echo
echo "-- the stream table equals its query (as a multiset):"
psql -c "SELECT count(*) AS differences FROM (
           (SELECT id, region, manager, amount FROM big_sales
            EXCEPT ALL SELECT s.id, s.region, r.manager, s.amount FROM sales s JOIN regions r USING (region) WHERE s.amount >= 990)
           UNION ALL
           (SELECT s.id, s.region, r.manager, s.amount FROM sales s JOIN regions r USING (region) WHERE s.amount >= 990
            EXCEPT ALL SELECT id, region, manager, amount FROM big_sales)) d"
echo
echo "-- direct writes are refused:"
psql -c "DELETE FROM big_sales" 2>&1 | sed -n 1,3p || true

echo
echo "-- IMMEDIATE: maintained inside the writing statement (read-your-writes, no refresh at all)"
psql -q -c "SELECT pgtrickle.create_stream_table('region_totals',
              'SELECT region, count(*) AS sales, sum(amount) AS amount FROM sales GROUP BY region',
              refresh_mode => 'IMMEDIATE')" >/dev/null
psql <<'SQL'
BEGIN;
SELECT region, sales, amount FROM region_totals WHERE region = 'north';
INSERT INTO sales (region, amount) VALUES ('north', 1000000);
SELECT region, sales, amount FROM region_totals WHERE region = 'north';  -- already includes the insert
ROLLBACK;
SELECT region, sales, amount FROM region_totals WHERE region = 'north';  -- and the rollback
SQL

if [ -n "${DEMO_KEEP:-}" ]; then
  echo
  echo "Cluster left running. Connect with:  psql -h $PGHOST -p $PGPORT -U postgres"
  echo "Stop it with:                        scripts/cluster.sh stop $work"
fi
