#!/usr/bin/env bash
# ON COMMIT timing of IMMEDIATE stream tables: the time of one transaction of
# 1,000 single-row UPDATEs (sent one by one, as an application would), with
# no stream table, with an IMMEDIATE stream table maintained after every
# statement (immediate_timing => 'statement') and with the same table
# maintained once at commit (immediate_timing => 'commit'). Measured with
# pgbench (a script of BEGIN, 1,000 UPDATEs, COMMIT), for a grouping and for
# a join + grouping over N rows.
#
#   bench/immediate_commit.sh                 # N = 100,000, 20 transactions per series
#   bench/immediate_commit.sh ROWS TRANSACTIONS
#
# Like bench/immediate.sh: expects `make install` to have been done, starts its
# own throwaway cluster (scripts/cluster.sh) and removes it at the end. Exit
# status 1 if a stream table differs from its query after a series.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
transactions=${2:-20}
if [ -n "${PG_BINDIR:-}" ]; then export PATH="$PG_BINDIR:$PATH"; fi

work=$(mktemp -d /tmp/pgtrickle-commitbench.XXXXXX)
cleanup() { scripts/cluster.sh stop "$work" >/dev/null; rm -rf "$work"; }
trap cleanup EXIT
eval "$(scripts/cluster.sh start "$work")"
export PGHOST PGPORT PGUSER PGDATABASE
echo "== throwaway cluster on socket $PGHOST ($(pg_config --bindir)); N = $rows, $transactions transactions per series"

psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
ALTER SYSTEM SET autovacuum = off;
ALTER SYSTEM SET pg_trickle.enabled = off;
ALTER SYSTEM SET jit = off;
SELECT pg_reload_conf();
CREATE EXTENSION pg_trickle;
CREATE TABLE cb_dim (k int PRIMARY KEY, region text);
INSERT INTO cb_dim SELECT i, 'r' || (i % 10) FROM generate_series(0, 999) i;
CREATE TABLE cb_fact (id int PRIMARY KEY, k int, v int);
INSERT INTO cb_fact SELECT i, i % 1000, i % 97 FROM generate_series(1, $rows) i;
VACUUM ANALYZE cb_dim, cb_fact;
SQL

# 1,000 single-row UPDATEs of random rows, in one transaction.
script="$work/thousand.sql"
{
  echo "BEGIN;"
  for _ in $(seq 1000); do
    echo "\\set id random(1, $rows)"
    echo "UPDATE cb_fact SET v = v + 1 WHERE id = :id;"
  done
  echo "COMMIT;"
} >"$script"

declare -A queries=(
  [grouping]="SELECT k % 100 AS g, count(*) AS n, sum(v) AS total FROM cb_fact GROUP BY k % 100"
  [join_grouping]="SELECT d.region, count(*) AS n, sum(f.v) AS total FROM cb_fact f JOIN cb_dim d ON d.k = f.k GROUP BY d.region"
)

# Mean latency (ms) of one transaction of the script.
run() {
  pgbench -n -f "$script" -t "$transactions" -c 1 2>/dev/null | awk '/latency average/ {print $4}'
}

check() {  # the stream table equals its query
  local n
  n=$(psql -X -At -c "SELECT count(*) FROM ((SELECT g0.* FROM ($2) g0 EXCEPT ALL SELECT $3 FROM cb_st) UNION ALL
                      (SELECT $3 FROM cb_st EXCEPT ALL SELECT g1.* FROM ($2) g1)) x")
  if [ "$n" != 0 ]; then echo "!! $1: cb_st differs from its query ($n rows)"; return 1; fi
}

rc=0
printf '%-14s %14s %14s %14s %10s\n' scenario "no ST (ms)" "statement (ms)" "commit (ms)" "speed-up"
for scenario in grouping join_grouping; do
  q=${queries[$scenario]}
  cols=$([ "$scenario" = grouping ] && echo "g, n, total" || echo "region, n, total")
  psql -X -q -c "VACUUM ANALYZE cb_fact" >/dev/null
  base=$(run)
  psql -X -q -v ON_ERROR_STOP=1 -c "SELECT pgtrickle.create_stream_table('cb_st', \$q\$$q\$q\$, refresh_mode => 'IMMEDIATE')" >/dev/null
  run >/dev/null  # warm-up (plans, caches)
  statement=$(run)
  check "$scenario statement" "$q" "$cols" || rc=1
  psql -X -q -v ON_ERROR_STOP=1 -c "SELECT pgtrickle.alter_stream_table('cb_st', immediate_timing => 'commit')" >/dev/null
  run >/dev/null
  commit=$(run)
  check "$scenario commit" "$q" "$cols" || rc=1
  psql -X -q -c "SELECT pgtrickle.drop_stream_table('cb_st')" >/dev/null
  printf '%-14s %14s %14s %14s %9.1fx\n' "$scenario" "$base" "$statement" "$commit" \
    "$(awk -v s="$statement" -v c="$commit" 'BEGIN {print s / c}')"
done
exit "$rc"
