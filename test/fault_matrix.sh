#!/usr/bin/env bash
# The fault matrix (issue 19): stream tables of every mode are maintained by
# the scheduler (and by hand) while pgbench writes to their sources, and a
# fault is injected at a random moment:
#
#   kill_refresh_backend  SIGKILL of a backend in the middle of a manual DIFFERENTIAL refresh
#   kill_scheduler        SIGKILL of the database's scheduler
#   kill_refresh_worker   SIGKILL of a dynamic refresh worker
#   immediate_stop        pg_ctl stop -m immediate during refreshes and writes, then start
#   cancel                pg_cancel_backend / statement_timeout / lock_timeout on a refresh
#   disk_full             a stream table in a full tablespace (tmpfs): its refreshes fail,
#                         then space is freed and it catches up (root only: mount)
#   failover              a streaming standby (pg_basebackup) promoted while the primary
#                         is maintaining stream tables (the primary stopped -m immediate)
#
# After each fault the writers stop and every stream table must become equal
# to its query (as multisets) within 60 s, on its own (the scheduler); no
# table may be left SUSPENDED or ERROR, no history row RUNNING. The history
# says what happened (FAILED rows, FULL refreshes after lost change buffers).
#
#   test/fault_matrix.sh [--reps N] [--seed S] [--kinds k1,k2,...]
#
# --reps: repetitions of each kind (failover: once per 10, at least once).
# Runs its own throwaway clusters; needs the extension installed. Exit 0 when
# every check passed; prints a line per fault and the totals.
set -euo pipefail
cd "$(dirname "$0")/.."

reps=2
seed=${PGT_SEED:-$(( $(date +%s) % 100000 ))}
kinds="kill_refresh_backend,kill_scheduler,kill_refresh_worker,immediate_stop,cancel,disk_full,failover"
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --kinds) kinds=$2; shift 2 ;;
    *) echo "usage: $0 [--reps N] [--seed S] [--kinds k1,k2]" >&2; exit 2 ;;
  esac
done
RANDOM=$seed
echo "fault matrix: seed $seed (PGT_SEED=$seed replays the timings), $reps repetition(s) per kind"

BIN=$(pg_config --bindir)
dir=$(mktemp -d /tmp/pgt-faults.XXXXXX)
chown postgres: "$dir" 2>/dev/null || true
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
writers_pid=""
standby=""
cleanup() {
  [ -n "$writers_pid" ] && kill "$writers_pid" 2>/dev/null || true
  [ -n "$standby" ] && as_owner "$BIN/pg_ctl" -D "$standby" -m immediate -w stop >/dev/null 2>&1 || true
  scripts/cluster.sh stop "$dir" >/dev/null 2>&1 || true
  if mountpoint -q "$dir/tiny" 2>/dev/null; then umount "$dir/tiny" || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
eval "$(scripts/cluster.sh start "$dir")"
export PGHOST PGPORT PGUSER PGDATABASE
export PGOPTIONS="-c client_min_messages=warning"
primary_port=$PGPORT
DB=faults

q() { psql -qXAt -v ON_ERROR_STOP=1 -d "$DB" -c "$1"; }
ms_sleep() { sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"; }
rand_ms() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); }

wait_ready() {  # the server accepts connections to the database again
  for _ in $(seq 1 120); do
    if psql -qXAt -d "$DB" -c "SELECT 1" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "the server did not come back"; return 1
}

psql -qXAt -c "CREATE DATABASE $DB"
q "ALTER DATABASE $DB SET pg_trickle.differential_max_change_ratio = 1"
psql -qX -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION pg_trickle;
CREATE TABLE fa (id int PRIMARY KEY, grp int NOT NULL, v int NOT NULL);
CREATE TABLE fb (id int PRIMARY KEY, a_id int NOT NULL, w int NOT NULL);
INSERT INTO fa SELECT g, g % 50, g FROM generate_series(1, 20000) g;
INSERT INTO fb SELECT g, g % 20000 + 1, g % 7 FROM generate_series(1, 40000) g;
SET pg_trickle.differential_max_change_ratio = 1;
SELECT pgtrickle.create_stream_table('f_join', 'SELECT a.id, a.grp, b.id AS b_id, b.w FROM fa a JOIN fb b ON b.a_id = a.id', '1s', 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('f_agg', 'SELECT grp, count(*) AS n, sum(v) AS s FROM fa GROUP BY grp', '1s', 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('f_bagg', 'SELECT a.grp, sum(b.w) AS sw, count(*) AS n FROM fa a JOIN fb b ON b.a_id = a.id GROUP BY a.grp', '1s', 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('f_full', 'SELECT grp, max(v) AS mx FROM fa GROUP BY grp', '1s', 'FULL');
SELECT pgtrickle.create_stream_table('f_chain', 'SELECT grp, n FROM f_agg WHERE n > 300', '1s', 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('f_imm', 'SELECT a_id % 10 AS k, count(*) AS n, sum(w) AS sw FROM fb GROUP BY a_id % 10', refresh_mode => 'IMMEDIATE');
SQL
# Each stream table and its query, with the columns to compare.
declare -A query=(
  [f_join]="SELECT a.id, a.grp, b.id AS b_id, b.w FROM fa a JOIN fb b ON b.a_id = a.id"
  [f_agg]="SELECT grp, count(*) AS n, sum(v) AS s FROM fa GROUP BY grp"
  [f_bagg]="SELECT a.grp, sum(b.w) AS sw, count(*) AS n FROM fa a JOIN fb b ON b.a_id = a.id GROUP BY a.grp"
  [f_full]="SELECT grp, max(v) AS mx FROM fa GROUP BY grp"
  [f_chain]="SELECT grp, n FROM (SELECT grp, count(*) AS n FROM fa GROUP BY grp) x WHERE n > 300"
  [f_imm]="SELECT a_id % 10 AS k, count(*) AS n, sum(w) AS sw FROM fb GROUP BY a_id % 10"
)
declare -A columns=([f_join]="id, grp, b_id, w" [f_agg]="grp, n, s" [f_bagg]="grp, sw, n" [f_full]="grp, mx"
                    [f_chain]="grp, n" [f_imm]="k, n, sw")
tables="f_join f_agg f_bagg f_full f_chain f_imm"

cat >"$dir/rows.sql" <<'SQL'
\set id random(1, 30000)
\set g random(0, 49)
BEGIN;
INSERT INTO fa VALUES (:id, :g, :id) ON CONFLICT (id) DO UPDATE SET v = fa.v + 1, grp = EXCLUDED.grp;
UPDATE fb SET w = w + 1 WHERE id = :id;
DELETE FROM fb WHERE id = :id + 1;
INSERT INTO fb VALUES (:id + 2, :id, 1) ON CONFLICT (id) DO NOTHING;
COMMIT;
SQL
cat >"$dir/batch.sql" <<'SQL'
\set g random(0, 96)
BEGIN;
UPDATE fa SET v = v + 1 WHERE id % 97 = :g;
SAVEPOINT s;
DELETE FROM fa WHERE id % 997 = :g;
ROLLBACK TO SAVEPOINT s;
UPDATE fb SET w = w + 1 WHERE id % 89 = :g % 89;
COMMIT;
SQL
start_writers() {  # pgbench until stopped; a crash ends it early (its errors are expected)
  "$BIN/pgbench" -n -c 2 -T 600 -f "$dir/rows.sql@9" -f "$dir/batch.sql@1" "$DB" >"$dir/pgbench.log" 2>&1 &
  writers_pid=$!
}
stop_writers() {
  [ -n "$writers_pid" ] && kill "$writers_pid" 2>/dev/null || true
  wait "$writers_pid" 2>/dev/null || true
  writers_pid=""
}

# Every stream table equal to its query within 60 s (the scheduler catches
# up on its own), none SUSPENDED / ERROR, no RUNNING history row left over.
diverged=""
converge() {
  local t deadline=$(( $(date +%s) + 60 )) pending
  while :; do
    pending=""
    for t in $tables; do
      local diff
      diff=$(q "SELECT count(*) FROM ((SELECT ${columns[$t]} FROM $t EXCEPT ALL ${query[$t]})
                 UNION ALL (${query[$t]} EXCEPT ALL SELECT ${columns[$t]} FROM $t)) d" 2>/dev/null || echo error)
      [ "$diff" = 0 ] || pending="$pending $t($diff)"
    done
    [ -z "$pending" ] && break
    if [ "$(date +%s)" -ge "$deadline" ]; then diverged=$pending; return 1; fi
    sleep 0.5
  done
  local bad
  bad=$(q "SELECT string_agg(pgt_name || ':' || status, ' ') FROM pgtrickle.pgt_stream_tables WHERE status <> 'ACTIVE'")
  [ -z "$bad" ] || { diverged="status $bad"; return 1; }
  # RUNNING rows of refreshes that really run are locked; the others are orphans.
  for _ in $(seq 1 20); do
    bad=$(q "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status = 'RUNNING'
             AND start_time < now() - interval '20 seconds'")
    [ "$bad" = 0 ] && return 0
    sleep 0.5
  done
  diverged="$bad RUNNING history rows left over"; return 1
}

passed=0; failed=0
declare -A tried
record() {  # kind, outcome, detail
  tried[$1]=$(( ${tried[$1]:-0} + 1 ))
  if [ "$2" = ok ]; then passed=$((passed + 1)); echo "  $1 #${tried[$1]}: ok ($3)";
  else failed=$((failed + 1)); echo "  $1 #${tried[$1]}: FAILED: $3"; fi
}
check_after() {  # kind, what happened
  stop_writers
  if converge; then record "$1" ok "$2"; else record "$1" fail "$2; not converged: $diverged"; fi
}
history_count() { q "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE $1"; }

fault_kill_refresh_backend() {
  start_writers
  ms_sleep "$(rand_ms 300 1200)"
  psql -qXAt -d "$DB" -c "SET application_name = 'fault_refresher'" \
       -c "SELECT pgtrickle.refresh_stream_table('f_bagg')" -c "SELECT pgtrickle.refresh_stream_table('f_join')" \
       -c "SELECT pgtrickle.refresh_stream_table('f_bagg')" >/dev/null 2>&1 &
  local refresher=$! pid="" delay
  delay=$(rand_ms 0 80)
  for _ in $(seq 1 200); do
    pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'fault_refresher' AND state = 'active'" 2>/dev/null || true)
    [ -n "$pid" ] && break
    sleep 0.01
  done
  ms_sleep "$delay"
  local what="no refresh caught running"
  if [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; then what="backend killed ${delay} ms into its refresh; crash recovery"; fi
  wait "$refresher" 2>/dev/null || true
  wait_ready
  check_after kill_refresh_backend "$what"
}

fault_kill_scheduler() {
  start_writers
  ms_sleep "$(rand_ms 500 2500)"
  local pid
  pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_trickle scheduler' AND datname = '$DB'")
  local what="no scheduler found"
  if [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; then what="scheduler killed; crash recovery"; fi
  ms_sleep "$(rand_ms 200 1500)"
  wait_ready
  check_after kill_scheduler "$what"
}

fault_kill_refresh_worker() {
  start_writers
  local pid="" what="no refresh worker caught running"
  for _ in $(seq 1 400); do
    pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_trickle refresh worker' LIMIT 1" 2>/dev/null || true)
    [ -n "$pid" ] && break
    sleep 0.02
  done
  ms_sleep "$(rand_ms 0 50)"
  if [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; then what="refresh worker killed; crash recovery"; fi
  wait_ready
  check_after kill_refresh_worker "$what"
}

fault_immediate_stop() {
  start_writers
  ms_sleep "$(rand_ms 300 2500)"
  as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  stop_writers
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
  wait_ready
  check_after immediate_stop "stopped -m immediate and started"
}

fault_cancel() {
  start_writers
  ms_sleep "$(rand_ms 300 1500)"
  local failed_before how
  failed_before=$(history_count "status = 'FAILED'")
  case $(( RANDOM % 3 )) in
    0)  how="pg_cancel_backend"
        psql -qXAt -d "$DB" -c "SET application_name = 'fault_cancelled'" \
             -c "SELECT pgtrickle.refresh_stream_table('f_bagg')" >/dev/null 2>&1 &
        local refresher=$! pid=""
        for _ in $(seq 1 200); do
          pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'fault_cancelled' AND state = 'active'" 2>/dev/null || true)
          [ -n "$pid" ] && break
          sleep 0.01
        done
        ms_sleep "$(rand_ms 0 40)"
        [ -n "$pid" ] && q "SELECT pg_cancel_backend($pid)" >/dev/null
        wait "$refresher" 2>/dev/null || true ;;
    1)  how="statement_timeout"
        psql -qXAt -d "$DB" -c "SET statement_timeout = '$(rand_ms 1 30)ms'" \
             -c "SELECT pgtrickle.refresh_stream_table('f_join')" >/dev/null 2>&1 || true ;;
    2)  how="lock_timeout (the stream table held by a reader in SHARE mode)"
        # The scheduler's own refreshes of the table fail too (lock_timeout)
        # while it is held: counted as retryable, never suspended.
        psql -qXAt -d "$DB" -c "BEGIN" -c "LOCK TABLE f_agg IN SHARE MODE" -c "SELECT pg_sleep(2.5)" -c "COMMIT" >/dev/null 2>&1 &
        local holder=$!
        sleep 0.3
        psql -qXAt -d "$DB" -c "SET lock_timeout = '100ms'" \
             -c "SELECT pgtrickle.refresh_stream_table('f_agg')" >/dev/null 2>&1 || true
        wait "$holder" 2>/dev/null || true ;;
  esac
  check_after cancel "$how"
}

fault_disk_full() {
  if [ "$(id -u)" -ne 0 ]; then record disk_full ok "skipped: mounting a tmpfs needs root"; return; fi
  mkdir -p "$dir/tiny"
  if ! mountpoint -q "$dir/tiny" && ! mount -t tmpfs -o size=24m tmpfs "$dir/tiny" 2>/dev/null; then
    record disk_full ok "skipped: a tmpfs cannot be mounted here"; return
  fi
  chown postgres: "$dir/tiny"
  q "DROP TABLE IF EXISTS tiny_filler" >/dev/null
  q "SELECT pgtrickle.drop_stream_table(pgt_name) FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'f_tiny'" >/dev/null
  q "DROP TABLESPACE IF EXISTS tiny" >/dev/null
  q "CREATE TABLESPACE tiny LOCATION '$dir/tiny'"
  psql -qXAt -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL'
SET default_tablespace = tiny;
SELECT pgtrickle.create_stream_table('f_tiny', 'SELECT a.id, b.id AS b_id, repeat(''x'', 100) || b.w AS pad FROM fa a JOIN fb b ON b.a_id = a.id WHERE a.id <= 12000', '1s', 'DIFFERENTIAL');
CREATE TABLE tiny_filler (pad text) TABLESPACE tiny;
SQL
  # Fill what is left, then make the refreshes need more.
  psql -qXAt -d "$DB" -c "INSERT INTO tiny_filler SELECT repeat('y', 1000) FROM generate_series(1, 100000)" >/dev/null 2>&1 || true
  q "UPDATE fb SET w = w + 1 WHERE a_id <= 12000" >/dev/null
  local failed_seen=0
  for _ in $(seq 1 40); do
    [ "$(history_count "status = 'FAILED' AND pgt_id = (SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'f_tiny') AND error_message ~* 'space|extend'")" -gt 0 ] && { failed_seen=1; break; }
    sleep 0.5
  done
  local status
  status=$(q "SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'f_tiny'")
  q "DROP TABLE tiny_filler" >/dev/null
  query[f_tiny]="SELECT a.id, b.id AS b_id, repeat('x', 100) || b.w AS pad FROM fa a JOIN fb b ON b.a_id = a.id WHERE a.id <= 12000"
  columns[f_tiny]="id, b_id, pad"
  local saved=$tables
  tables="$tables f_tiny"
  if [ "$failed_seen" -ne 1 ]; then
    record disk_full fail "no refresh of f_tiny failed for lack of space"
  elif converge; then
    record disk_full ok "refreshes failed on a full tablespace (status stayed $status), caught up after space was freed"
  else
    record disk_full fail "not converged after space was freed: $diverged"
  fi
  tables=$saved
  q "SELECT pgtrickle.drop_stream_table('f_tiny')" >/dev/null
  q "DROP TABLESPACE tiny" >/dev/null
  umount "$dir/tiny"
}

fault_failover() {
  standby="$dir/standby"
  rm -rf "$standby"
  as_owner "$BIN/pg_basebackup" -D "$standby" -R -X stream -h "$dir" -p "$primary_port" -U postgres >/dev/null
  local sport=$(( primary_port + 100 ))
  echo "port = $sport" >>"$standby/postgresql.conf"
  as_owner "$BIN/pg_ctl" -D "$standby" -l "$dir/standby.log" -w -t 60 start >/dev/null
  start_writers
  ms_sleep "$(rand_ms 1000 3000)"
  # The primary fails; the standby is promoted and takes over.
  as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  stop_writers
  as_owner "$BIN/pg_ctl" -D "$standby" -w promote >/dev/null
  PGPORT=$sport
  wait_ready
  start_writers
  ms_sleep "$(rand_ms 500 1500)"
  local full_after
  check_after failover "standby promoted after the primary stopped -m immediate"
  full_after=$(history_count "action = 'FULL' AND initiated_by = 'SCHEDULER' AND reason ~* 'buffer|crash|failover|frontier'")
  echo "    (FULL refreshes on the promoted server after its empty change buffers: $full_after)"
  # Back to the old primary for what follows (the promoted one goes).
  as_owner "$BIN/pg_ctl" -D "$standby" -m fast -w stop >/dev/null
  standby=""
  PGPORT=$primary_port
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
  wait_ready
  converge >/dev/null || true
}

converge || { echo "FAILED: the stream tables do not converge before any fault: $diverged"; exit 1; }
IFS=, read -r -a kind_list <<<"$kinds"
for kind in "${kind_list[@]}"; do
  n=$reps
  [ "$kind" = failover ] && n=$(( (reps + 9) / 10 ))
  for _ in $(seq 1 "$n"); do "fault_$kind"; done
done

echo "fault matrix: $(( passed + failed )) faults, $passed passed, $failed failed (seed $seed)"
for kind in "${!tried[@]}"; do echo "  $kind: ${tried[$kind]}"; done | sort
crashes=$(grep -cE "terminated by signal|was terminated" "$dir/server.log" || true)
echo "  server processes killed on purpose and recovered from: $crashes"
[ "$failed" -eq 0 ]
