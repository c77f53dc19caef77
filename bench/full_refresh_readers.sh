#!/usr/bin/env bash
# A FULL refresh against REFRESH MATERIALIZED VIEW and REFRESH MATERIALIZED
# VIEW CONCURRENTLY, side by side in one run, over the same query and data;
# and the FULL refresh again while another session holds the stream table in
# an open REPEATABLE READ transaction (it must not wait: issue 23, target
# "with a reader open, the same time as without one, +-20%").
#
#   bench/full_refresh_readers.sh                 # 100,000 rows, 1% changed between refreshes, 7 runs each
#   bench/full_refresh_readers.sh --rows 10000 --runs 3
#
# Expects `make install` done; starts its own throwaway cluster (scripts/cluster.sh).
# Prints the median wall time (ms, seen by psql) of each; exit 1 when a
# refresh with the reader open failed or the stream table differs from its query.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=100000
runs=7
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--rows N] [--runs N]" >&2; exit 2 ;;
  esac
done

work=$(mktemp -d /tmp/pgtrickle-fullbench.XXXXXX)
reader_pid=""
cleanup() {
  [ -n "$reader_pid" ] && kill "$reader_pid" 2>/dev/null || true
  scripts/cluster.sh stop "$work" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
eval "$(scripts/cluster.sh start "$work")"
export PGHOST PGPORT PGUSER PGDATABASE
q() { psql -qXAt -v ON_ERROR_STOP=1 "$@"; }

query="SELECT id, v, note FROM src WHERE v < 900"
q >/dev/null <<SQL
CREATE EXTENSION pg_trickle;
ALTER DATABASE $PGDATABASE SET pg_trickle.enabled = off;
CREATE TABLE src (id int PRIMARY KEY, v int NOT NULL, note text);
INSERT INTO src SELECT i, i % 1000, 'note ' || i FROM generate_series(1, $rows) i;
VACUUM ANALYZE src;
SELECT pgtrickle.create_stream_table('st', '$query', refresh_mode => 'FULL');
CREATE MATERIALIZED VIEW mv AS $query;
CREATE UNIQUE INDEX ON mv (id);
SQL

# One statement's wall time in ms (psql \timing), after 1% of the rows changed.
timed() {
  q -c "UPDATE src SET v = (v + 1) % 1000 WHERE id % 100 = $((RANDOM % 100))" >/dev/null
  q -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A results
for what in full matview concurrently; do
  case $what in
    full) sql="SELECT pgtrickle.refresh_stream_table('st')" ;;
    matview) sql="REFRESH MATERIALIZED VIEW mv" ;;
    concurrently) sql="REFRESH MATERIALIZED VIEW CONCURRENTLY mv" ;;
  esac
  timed "$sql" >/dev/null  # warm-up
  results[$what]=$(for _ in $(seq "$runs"); do timed "$sql"; done | median)
done

# The reader: a REPEATABLE READ transaction that read the stream table and
# stays open while the refreshes run (each refresh with lock_timeout, so a
# refresh that waited for it would fail).
psql -qXAt -c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SELECT count(*) FROM st" -c "SELECT pg_sleep(600)" \
  >/dev/null 2>&1 &
reader_pid=$!
for _ in $(seq 50); do
  [ "$(q -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'st' AND l.pid <> pg_backend_pid()")" != 0 ] && break
  sleep 0.1
done
fail=0
with_reader=$(for _ in $(seq "$runs"); do
  t=$(timed "SET lock_timeout = '2s'; SELECT pgtrickle.refresh_stream_table('st')") || true
  [ -n "$t" ] && echo "$t"
done | median)
kill "$reader_pid" 2>/dev/null || true
reader_pid=""
refreshed=$(q -c "SELECT count(*) FROM pgtrickle.get_refresh_history('st', 1000) WHERE action = 'FULL'")
[ "$refreshed" -lt $((2 * runs + 2)) ] && { echo "FAILED: a refresh with the reader open did not complete"; fail=1; }
diff=$(q -c "SELECT (SELECT count(*) FROM (SELECT id, v, note FROM st EXCEPT ALL $query) a) + (SELECT count(*) FROM ($query EXCEPT ALL SELECT id, v, note FROM st) b)")
[ "$diff" != 0 ] && { echo "FAILED: the stream table differs from its query by $diff rows"; fail=1; }

echo
echo "median ms over $runs runs, $rows source rows, 1% changed before each refresh"
printf '%-48s %10s\n' "FULL refresh (pgtrickle.refresh_stream_table)" "${results[full]}"
printf '%-48s %10s\n' "FULL refresh, a reader holding the table open" "$with_reader"
printf '%-48s %10s\n' "REFRESH MATERIALIZED VIEW" "${results[matview]}"
printf '%-48s %10s\n' "REFRESH MATERIALIZED VIEW CONCURRENTLY" "${results[concurrently]}"
awk -v a="${results[full]}" -v b="$with_reader" 'BEGIN { printf "with a reader / without: %.2fx\n", b / a }'
exit $fail
