#!/usr/bin/env bash
# Scale (issue 19):
#  A. N stream tables (default 1000) in one database over 50 sources: the
#     time to create them; the scheduler's CPU while nothing changes; under a
#     steady write load touching every source, how stale the tables get
#     against their schedule (each must stay within twice its period, the
#     stale_data line) and that every one is refreshed.
#  B. A source of R rows (default 10 million) against one of 100,000: a
#     1,000-row change refreshes DIFFERENTIAL in about the same time.
#
#   test/scale.sh [--tables N] [--rows R] [--load-seconds S] [--idle-seconds S]
#
# Runs its own throwaway cluster; needs the extension installed. Prints the
# measurements; exits non-zero when a check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

ntables=1000
rows=10000000
load_seconds=60
idle_seconds=30
while [ $# -gt 0 ]; do
  case "$1" in
    --tables) ntables=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --load-seconds) load_seconds=$2; shift 2 ;;
    --idle-seconds) idle_seconds=$2; shift 2 ;;
    *) echo "usage: $0 [--tables N] [--rows R] [--load-seconds S] [--idle-seconds S]" >&2; exit 2 ;;
  esac
done

BIN=$(pg_config --bindir)
dir=$(mktemp -d /tmp/pgt-scale.XXXXXX)
writers_pid=""
cleanup() {
  [ -n "$writers_pid" ] && kill "$writers_pid" 2>/dev/null || true
  scripts/cluster.sh stop "$dir" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
eval "$(scripts/cluster.sh start "$dir")"
export PGHOST PGPORT PGUSER PGDATABASE
export PGOPTIONS="-c client_min_messages=warning"
# Room for the stream tables' locks when a refresh unit or a DROP spans many.
psql -qXAt -c "ALTER SYSTEM SET max_locks_per_transaction = 256" >/dev/null
scripts/cluster.sh stop "$dir" >/dev/null
eval "$(scripts/cluster.sh start "$dir")"
DB=scale
. test/lib/stream_oracle.sh
failed=0
fail() { echo "FAILED: $*"; failed=1; }

psql -qXAt -c "CREATE DATABASE $DB"
q "CREATE EXTENSION pg_trickle"
# ---------------------------------------------------------------- A
schedule=10
psql -qX -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL'
DO $$
BEGIN
  FOR s IN 1..50 LOOP
    EXECUTE format('CREATE TABLE src_%s (id int PRIMARY KEY, grp int NOT NULL, v int NOT NULL)', s);
    EXECUTE format('INSERT INTO src_%s SELECT g, g %% 20, g FROM generate_series(1, 1000) g', s);
  END LOOP;
END $$;
ANALYZE;
SQL
# Shapes in turn: a filter, a grouping, a join of two sources, a join with a grouping.
create_sql() {
  local i=$1 s=$(( $1 % 50 + 1 )) t=$(( ($1 + 7) % 50 + 1 ))
  case $(( i % 4 )) in
    0) echo "SELECT pgtrickle.create_stream_table('st_$i', 'SELECT id, v FROM src_$s WHERE v % 7 = $(( i % 7 ))', '${schedule}s', 'DIFFERENTIAL');" ;;
    1) echo "SELECT pgtrickle.create_stream_table('st_$i', 'SELECT grp, count(*) AS n, sum(v) AS total FROM src_$s GROUP BY grp', '${schedule}s', 'DIFFERENTIAL');" ;;
    2) echo "SELECT pgtrickle.create_stream_table('st_$i', 'SELECT a.id, a.v, b.v AS w FROM src_$s a JOIN src_$t b ON b.id = a.id WHERE a.grp = $(( i % 20 ))', '${schedule}s', 'DIFFERENTIAL');" ;;
    3) echo "SELECT pgtrickle.create_stream_table('st_$i', 'SELECT a.grp, sum(b.v) AS total FROM src_$s a JOIN src_$t b ON b.id = a.id GROUP BY a.grp', '${schedule}s', 'DIFFERENTIAL');" ;;
  esac
}
for i in $(seq 1 "$ntables"); do create_sql "$i"; done >"$dir/create.sql"
t0=$(date +%s%N)
psql -qXAt -v ON_ERROR_STOP=1 -d "$DB" -f "$dir/create.sql" >/dev/null
t1=$(date +%s%N)
create_ms=$(( (t1 - t0) / 1000000 ))
echo "A. $ntables stream tables over 50 sources, schedule ${schedule}s"
echo "  created in $(( create_ms / 1000 )).$(( create_ms % 1000 / 100 )) s: $(( create_ms * 1000 / ntables / 1000 )).$(( create_ms * 1000 / ntables % 1000 / 100 )) ms each"
[ "$(q "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE effective_refresh_mode = 'DIFFERENTIAL'")" = "$ntables" ] \
  || fail "not every stream table is DIFFERENTIAL"

sched_pid=""
for _ in $(seq 1 60); do
  sched_pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_trickle scheduler' AND datname = '$DB'")
  [ -n "$sched_pid" ] && break
  sleep 0.5
done
[ -n "$sched_pid" ] || { echo "FAILED: no scheduler"; exit 1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$sched_pid/stat"; }
hz=$(getconf CLK_TCK)
# Idle: let the first refreshes settle, then nothing changes for a while.
sleep $(( schedule + 5 ))
c0=$(cpu_ticks); sleep "$idle_seconds"; c1=$(cpu_ticks)
idle_pct=$(awk -v d=$(( c1 - c0 )) -v hz="$hz" -v s="$idle_seconds" 'BEGIN { printf "%.2f", d / hz / s * 100 }')
echo "  idle scheduler: ${idle_pct}% of one core over ${idle_seconds} s with nothing to do"
awk -v p="$idle_pct" 'BEGIN { exit !(p < 5) }' || fail "the idle scheduler uses ${idle_pct}% of a core"

# Commit to visible: one-row commits to sources whose tables have been idle
# longer than their schedule (so nothing but the scheduler's reaction delays
# them); from the update to the end of the refresh that shows it (both times
# taken by the server: polling from here would measure psql's start-up).
latencies=""
for i in 1 5 9 13 17; do
  s=$(( i % 50 + 1 ))
  before=$(q "SELECT total FROM st_$i WHERE grp = (SELECT grp FROM src_$s WHERE id = 1)")
  t_update=$(q "UPDATE src_$s SET v = v + 1000 WHERE id = 1 RETURNING clock_timestamp()")
  for _ in $(seq 1 3000); do
    now=$(q "SELECT total FROM st_$i WHERE grp = (SELECT grp FROM src_$s WHERE id = 1)")
    [ "$now" != "$before" ] && break
    sleep 0.005
  done
  latencies="$latencies $(q "SELECT round(EXTRACT(EPOCH FROM min(h.end_time) - '$t_update'::timestamptz) * 1000)
                              FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables st USING (pgt_id)
                             WHERE st.pgt_name = 'st_$i' AND h.status = 'COMPLETED' AND h.end_time > '$t_update'")"
done
sorted=$(echo $latencies | tr ' ' '\n' | sort -n | tr '\n' ' ')
echo "  commit to visible with $ntables stream tables (5 one-row commits): $sorted ms (median $(echo $sorted | awk '{ print $3 }') ms)"

# Steady load: every source changes all the time.
# One statement per source, chosen at random: pgbench cannot build names.
{
  echo '\set s random(1, 50)'
  echo '\set id random(1, 1000)'
  for s in $(seq 1 50); do echo "UPDATE src_$s SET v = v + 1, grp = (grp + 1) % 20 WHERE :s = $s AND id = :id;"; done
} >"$dir/write.sql"
refreshed_before=$(q "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'COMPLETED'")
# Warm-up: twice the schedule, so that every table changed since the idle
# period has been refreshed once; then staleness (now - the snapshot of the
# last refresh) is sampled every 2 s, every table's sources changing all along.
warmup=$(( 2 * schedule + 5 ))
"$BIN/pgbench" -n -c 2 -R 100 -T "$(( load_seconds + warmup ))" -f "$dir/write.sql" "$DB" >"$dir/pgbench.log" 2>&1 &
writers_pid=$!
sleep "$warmup"
max_stale=0; samples=0; over=0
while kill -0 "$writers_pid" 2>/dev/null; do
  read -r m o < <(q "SELECT COALESCE(max(EXTRACT(EPOCH FROM now() - data_timestamp)), 0)::int,
                          count(*) FILTER (WHERE now() - data_timestamp > interval '$(( 2 * schedule )) seconds')
                     FROM pgtrickle.pgt_stream_tables" | tr '|' ' ')
  [ "$m" -gt "$max_stale" ] && max_stale=$m
  over=$(( over + o )); samples=$(( samples + 1 ))
  sleep 2
done
wait "$writers_pid" || true
writers_pid=""
refreshed=$(( $(q "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'COMPLETED'") - refreshed_before ))
tps=$(grep -E "^tps" "$dir/pgbench.log" | head -1 | awk '{ print $3 }')
echo "  under load (${tps} writes/s on the 50 sources, ${load_seconds} s after a ${warmup} s warm-up): $refreshed refreshes ($(( refreshed / (load_seconds + warmup) ))/s),"
echo "  the stalest table at most ${max_stale} s behind (schedule ${schedule}s; the stale_data line is $(( 2 * schedule )) s); $over table-samples over it in $samples samples"
[ "$over" -eq 0 ] || fail "stream tables fell more than twice their schedule behind"
never=$(q "SELECT count(*) FROM pgtrickle.pgt_stream_tables st WHERE NOT EXISTS (SELECT 1 FROM pgtrickle.pgt_refresh_history h
           WHERE h.pgt_id = st.pgt_id AND h.initiated_by = 'SCHEDULER' AND h.status = 'COMPLETED' AND h.action = 'DIFFERENTIAL')")
[ "$never" = 0 ] || fail "$never stream tables were never refreshed DIFFERENTIAL by the scheduler"
# A sample of them equals its query.
tables=""; declare -A query columns
for i in 1 2 3 4 $(( ntables / 2 )) $(( ntables - 1 )) "$ntables"; do
  tables="$tables st_$i"
  query[st_$i]=$(q "SELECT defining_query FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'st_$i'")
  columns[st_$i]=$(q "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute
                      WHERE attrelid = 'st_$i'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\_\_pgt\_%'")
done
converge 120 || fail "a stream table differs from its query: $diverged"
psql -qXAt -d "$DB" -c "SELECT pgtrickle.drop_stream_table(pgt_name) FROM pgtrickle.pgt_stream_tables" >/dev/null

# ---------------------------------------------------------------- B
echo "B. a 1,000-row change to a source of 100,000 rows and of $rows rows"
q "ALTER DATABASE $DB SET pg_trickle.enabled = off" >/dev/null
refresh_ms() {  # table size -> median DIFFERENTIAL refresh time (ms) of three 1,000-row changes
  local n=$1 t=big_$1
  psql -qX -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<SQL
CREATE TABLE $t (id bigint PRIMARY KEY, grp int NOT NULL, v int NOT NULL);
INSERT INTO $t SELECT g, g % 1000, g % 97 FROM generate_series(1, $n) g;
ANALYZE $t;
SELECT pgtrickle.create_stream_table('${t}_groups', 'SELECT grp, count(*) AS n, sum(v) AS total FROM $t GROUP BY grp', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('${t}_rows', 'SELECT id, v FROM $t WHERE v = 3', refresh_mode => 'DIFFERENTIAL');
SQL
  # One session (its prepared refresh statements warm, as the scheduler's):
  # a first change untimed, then three timed.
  local script="" k
  for k in 0 1 2 3; do
    script+="UPDATE $t SET v = v + 1 WHERE id IN (SELECT (g * 7919 + $k) % $n + 1 FROM generate_series(1, 1000) g);
SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset
SELECT pgtrickle.refresh_stream_table('${t}_groups');
SELECT pgtrickle.refresh_stream_table('${t}_rows');
SELECT 'ms ' || round((extract(epoch FROM clock_timestamp()) - :t0) * 1000) WHERE $k > 0;
"
  done
  local times
  times=$(psql -qXAt -v ON_ERROR_STOP=1 -d "$DB" <<<"$script" | sed -n 's/^ms //p')
  echo "$times" | sort -n | sed -n 2p
}
small=$(refresh_ms 100000)
t0=$(date +%s)
large=$(refresh_ms "$rows")
actions=$(q "SELECT string_agg(DISTINCT action, ',') FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s
             USING (pgt_id) WHERE s.pgt_name LIKE 'big\_%' AND h.initiated_by = 'MANUAL'")
[ "$actions" = DIFFERENTIAL ] || fail "the refreshes over the large sources were $actions, not all DIFFERENTIAL"
echo "  100,000 rows: ${small} ms; $rows rows: ${large} ms (two stream tables, median of 3; loading the large source took $(( $(date +%s) - t0 )) s)"
awk -v s="$small" -v l="$large" 'BEGIN { exit !(l <= 3 * s + 20) }' \
  || fail "the refresh over $rows rows (${large} ms) is not about the time over 100,000 (${small} ms)"

if [ "$failed" -eq 0 ]; then echo "scale: passed"; else echo "scale: FAILED"; fi
exit "$failed"
