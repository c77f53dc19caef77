#!/usr/bin/env bash
# Partitioned vs unpartitioned sources, side by side in one run: the same rows
# in a table partitioned by month (24 RANGE partitions) and in a plain table,
# the same stream tables over each (an aggregate and a filtered scan), the
# same batch of changes applied to both, and each DIFFERENTIAL refresh timed
# (the refresh's own duration from its history). Then an insert-only batch
# (the append path) and a partition rolled in and out (create + attach with
# rows, detach) on the partitioned side.
#
#   bench/partitioned.sh                       # 10 million rows, 1,000-row changes, 7 cycles
#   bench/partitioned.sh --rows 100000 --cycles 3   # a check in ~20 s (run by scripts/test.sh)
#
# Expects `make install` done; starts its own throwaway cluster (scripts/cluster.sh).
# Exit 1 when a stream table does not equal its query or a refresh was not
# DIFFERENTIAL; prints the medians (ms) and partitioned / plain ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=10000000
changes=1000
cycles=7
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --changes) changes=$2; shift 2 ;;
    --cycles) cycles=$2; shift 2 ;;
    *) echo "usage: $0 [--rows N] [--changes N] [--cycles N]" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d /tmp/pgtrickle-partbench.XXXXXX)
cleanup() { scripts/cluster.sh stop "$work" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
eval "$(scripts/cluster.sh start "$work")"
export PGHOST PGPORT PGUSER PGDATABASE
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }

echo "== loading $rows rows into plain and partitioned (24 monthly partitions)"
q >/dev/null <<SQL
CREATE EXTENSION pg_trickle;
ALTER DATABASE $PGDATABASE SET pg_trickle.enabled = off;
CREATE TABLE plain (id bigint, at date NOT NULL, region int, amount int, PRIMARY KEY (id, at));
CREATE TABLE part (id bigint, at date NOT NULL, region int, amount int, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
DO \$\$ BEGIN
  FOR m IN 0..23 LOOP
    EXECUTE format('CREATE TABLE part_%s PARTITION OF part FOR VALUES FROM (%L) TO (%L)', m,
                   DATE '2024-01-01' + make_interval(months => m), DATE '2024-01-01' + make_interval(months => m + 1));
  END LOOP;
END \$\$;
INSERT INTO plain SELECT i, DATE '2024-01-01' + (i % 730)::int, (i % 50)::int, (i % 1000)::int FROM generate_series(1, $rows) i;
INSERT INTO part SELECT * FROM plain;
VACUUM ANALYZE plain; VACUUM ANALYZE part;
SELECT pgtrickle.create_stream_table('plain_agg', 'SELECT region, count(*) AS n, sum(amount) AS total FROM plain GROUP BY region', schedule => '24h', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('part_agg', 'SELECT region, count(*) AS n, sum(amount) AS total FROM part GROUP BY region', schedule => '24h', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('plain_scan', 'SELECT id, at, amount FROM plain WHERE amount < 20', schedule => '24h', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('part_scan', 'SELECT id, at, amount FROM part WHERE amount < 20', schedule => '24h', refresh_mode => 'DIFFERENTIAL');
SQL

refresh_all() {
  q -c "SELECT pgtrickle.refresh_stream_table(n) FROM unnest(ARRAY['plain_agg','part_agg','plain_scan','part_scan']) n" >/dev/null
}

next_id=$((rows + 1))
echo "== $cycles cycles of $changes changes (70% updates moving rows across months, 15% deletes, 15% inserts)"
for c in $(seq 1 "$cycles"); do
  upd=$((changes * 70 / 100)); del=$((changes * 15 / 100)); ins=$((changes - upd - del))
  for t in plain part; do
    q <<SQL
UPDATE $t SET amount = amount + 1, at = at + 31 WHERE id IN (SELECT (($c::bigint * 7919 + g * 104729) % $rows) + 1 FROM generate_series(1::bigint, $upd) g) AND at < DATE '2025-11-01';
DELETE FROM $t WHERE id IN (SELECT (($c::bigint * 15485863 + g * 32452843) % $rows) + 1 FROM generate_series(1::bigint, $del) g);
INSERT INTO $t SELECT i, DATE '2024-01-01' + (i % 730)::int, (i % 50)::int, (i % 1000)::int FROM generate_series($next_id, $((next_id + ins - 1))) i;
SQL
  done
  next_id=$((next_id + ins))
  refresh_all
done
echo "== $cycles insert-only batches of $changes rows"
for c in $(seq 1 "$cycles"); do
  for t in plain part; do
    q -c "INSERT INTO $t SELECT i, DATE '2024-01-01' + (i % 730)::int, (i % 50)::int, (i % 1000)::int FROM generate_series($next_id, $((next_id + changes - 1))) i"
  done
  next_id=$((next_id + changes))
  refresh_all
done

echo "== rolling window on the partitioned side: a new month attached with rows, the oldest detached"
q >/dev/null <<SQL
CREATE TABLE part_new (LIKE part);
INSERT INTO part_new SELECT g, DATE '2026-01-01' + (g % 28), (g % 50)::int, (g % 1000)::int FROM generate_series($next_id, $((next_id + changes - 1))) g;
ALTER TABLE part ATTACH PARTITION part_new FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
ALTER TABLE part DETACH PARTITION part_0;
SELECT pgtrickle.refresh_stream_table('part_agg'), pgtrickle.refresh_stream_table('part_scan');
SQL

fail=0
for st in plain_agg part_agg plain_scan part_scan; do
  src=${st%_*}
  if [ "${st#*_}" = agg ]; then query="SELECT region, count(*) AS n, sum(amount) AS total FROM $src GROUP BY region"; cols="region, n, total"
  else query="SELECT id, at, amount FROM $src WHERE amount < 20"; cols="id, at, amount"; fi
  diff=$(q -c "SELECT (SELECT count(*) FROM (SELECT $cols FROM $st EXCEPT ALL $query) a) + (SELECT count(*) FROM ($query EXCEPT ALL SELECT $cols FROM $st) b)")
  notdiff=$(q -c "SELECT count(*) FROM pgtrickle.get_refresh_history('$st', 1000) WHERE initiated_by = 'MANUAL' AND action <> 'DIFFERENTIAL'")
  if [ "$diff" != 0 ] || [ "$notdiff" != 0 ]; then
    echo "FAILED: $st differs from its query by $diff rows; $notdiff refreshes were not DIFFERENTIAL"; fail=1
  fi
done

echo
q -F ' | ' <<SQL
SELECT 'stream table' , 'mixed batches: median ms', 'insert-only batches: median ms';
WITH h AS (
  SELECT n AS st, h.duration_ms, h.reason, row_number() OVER (PARTITION BY n ORDER BY h.refresh_id) AS k
    FROM unnest(ARRAY['plain_agg','part_agg','plain_scan','part_scan']) n,
         LATERAL pgtrickle.get_refresh_history(n, 1000) h
   WHERE h.initiated_by = 'MANUAL' AND h.action = 'DIFFERENTIAL')
SELECT st,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE k <= $cycles)::numeric, 2),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE k > $cycles AND k <= 2 * $cycles)::numeric, 2)
  FROM h GROUP BY st ORDER BY st;
SQL
q -F ' | ' <<SQL
SELECT 'rolling window refresh (attach $changes rows + detach a month)', st, action, round(duration_ms::numeric, 2)
  FROM unnest(ARRAY['part_agg','part_scan']) st, LATERAL pgtrickle.get_refresh_history(st, 1) h;
SQL
exit $fail
