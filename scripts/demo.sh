#!/usr/bin/env bash
# pg_trickle demo: installs what is missing, builds, installs, starts a
# throwaway PostgreSQL 15 cluster with pg_trickle preloaded, and shows a
# stream table following its source table as rows arrive.
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
FROM generate_series(1, 10000) i;

-- A stream table: defined by a query, stored as a real table.
SELECT pgtrickle.create_stream_table(
    'sales_by_region',
    'SELECT region, count(*) AS orders, sum(amount) AS revenue FROM sales GROUP BY region',
    schedule     => '1s',
    refresh_mode => 'FULL');
SQL

show() {
  echo
  echo "-- $1"
  psql -c "SELECT region, orders, revenue FROM sales_by_region ORDER BY region" \
       -c "SELECT name, status, refresh_mode, is_populated, schedule FROM pgtrickle.pgt_status()"
}

show "sales_by_region right after create_stream_table"
for round in 1 2 3; do
  psql -c "INSERT INTO sales (region, amount) SELECT 'north', 100 FROM generate_series(1, $((round * 100)));
           DELETE FROM sales WHERE id IN (SELECT id FROM sales WHERE region = 'west' LIMIT 50);"
  # Refreshed explicitly here; the background scheduler (coming next) does this by itself.
  psql -c "SELECT pgtrickle.refresh_stream_table('sales_by_region')" >/dev/null
  show "round $round: +$((round * 100)) north sales, -50 west sales, then refresh"
  sleep 1
done

echo
echo "-- refresh history"
psql -c "SELECT refresh_id, action, status, rows_inserted, rows_deleted, initiated_by,
                round(extract(epoch FROM end_time - start_time) * 1000, 2) AS ms
         FROM pgtrickle.pgt_refresh_history ORDER BY refresh_id"
echo
echo "-- the stream table equals its query (as a multiset):"
psql -c "SELECT count(*) AS differences FROM (
           (SELECT region, orders, revenue FROM sales_by_region
            EXCEPT ALL SELECT region, count(*), sum(amount) FROM sales GROUP BY region)
           UNION ALL
           (SELECT region, count(*), sum(amount) FROM sales GROUP BY region
            EXCEPT ALL SELECT region, orders, revenue FROM sales_by_region)) d"
echo
echo "-- direct writes are refused:"
psql -c "DELETE FROM sales_by_region" 2>&1 | sed -n 1,3p || true

if [ -n "${DEMO_KEEP:-}" ]; then
  echo
  echo "Cluster left running. Connect with:  psql -h $PGHOST -p $PGPORT -U postgres"
  echo "Stop it with:                        scripts/cluster.sh stop $work"
fi
