# Shared by the shell tiers that drive stream tables on a cluster of their
# own (test/fault_matrix.sh, test/soak.sh); sourced, not run.
#
# The caller sets DB (the database), `tables` (stream table names, space
# separated) and two associative arrays: query[t] (the defining query) and
# columns[t] (its output columns, to compare).

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

# Rows in one and not the other, both ways (multisets); "error" if it fails.
st_difference() {
  local t=$1
  q "SELECT count(*) FROM ((SELECT ${columns[$t]} FROM $t EXCEPT ALL (${query[$t]}))
       UNION ALL ((${query[$t]}) EXCEPT ALL SELECT ${columns[$t]} FROM $t)) d" 2>/dev/null || echo error
}

# Every stream table equal to its query within `timeout` s (default 60: the
# scheduler catches up on its own), none SUSPENDED / ERROR, no RUNNING
# history row left over. On failure `diverged` says what.
diverged=""
converge() {
  local timeout=${1:-60} t pending bad
  local deadline=$(( $(date +%s) + timeout ))
  while :; do
    pending=""
    for t in $tables; do
      local diff
      diff=$(st_difference "$t")
      [ "$diff" = 0 ] || pending="$pending $t($diff)"
    done
    [ -z "$pending" ] && break
    if [ "$(date +%s)" -ge "$deadline" ]; then diverged=$pending; return 1; fi
    sleep 0.5
  done
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
