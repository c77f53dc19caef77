#!/usr/bin/env bash
# Scheduler starvation is visible: on a cluster whose background worker slots
# run out (max_worker_processes = 3: the launcher and two schedulers), the
# third database with pg_trickle reports NO_WORKER_SLOT in
# pgtrickle.scheduler_status(), and creating a stream table there warns with a
# HINT naming max_worker_processes. Runs its own throwaway cluster (the
# extension must be installed). Exit 0 when all checks pass.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/pgt-starvation.XXXXXX)
cleanup() { scripts/cluster.sh stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
eval "$(scripts/cluster.sh start "$dir")"
export PGHOST PGPORT PGUSER PGDATABASE
psql -qXAt -c "ALTER SYSTEM SET max_worker_processes = 3"
scripts/cluster.sh stop "$dir"
eval "$(scripts/cluster.sh start "$dir")"
export PGHOST PGPORT

for db in starve_a starve_b starve_c; do
  psql -qXAt -c "CREATE DATABASE $db"
  psql -qXAt -d "$db" -c "CREATE EXTENSION pg_trickle"
done

starved=""
for _ in $(seq 1 60); do
  for db in starve_a starve_b starve_c; do
    state=$(psql -qXAt -d "$db" -c "SELECT state FROM pgtrickle.scheduler_status()")
    [ "$state" = "NO_WORKER_SLOT" ] && starved=$db
  done
  [ -n "$starved" ] && break
  sleep 1
done
failed=0
if [ -z "$starved" ]; then
  echo "FAILED: no database reported NO_WORKER_SLOT"
  failed=1
else
  running=$(for db in starve_a starve_b starve_c; do psql -qXAt -d "$db" -c "SELECT state FROM pgtrickle.scheduler_status()"; done | grep -c RUNNING || true)
  [ "$running" -ge 1 ] || { echo "FAILED: no scheduler runs at all"; failed=1; }
  out=$(psql -qXAt -d "$starved" -c "CREATE TABLE t (id int PRIMARY KEY)" \
        -c "SELECT pgtrickle.create_stream_table('st', 'SELECT id FROM t')" 2>&1)
  echo "$out" | grep -q "WARNING:  the pg_trickle scheduler of this database is not running" \
    || { echo "FAILED: no WARNING at create_stream_table: $out"; failed=1; }
  echo "$out" | grep -q "HINT:  Raise max_worker_processes" \
    || { echo "FAILED: the WARNING's HINT does not name max_worker_processes: $out"; failed=1; }
fi
if [ "$failed" -eq 0 ]; then echo "scheduler starvation: 1 passed, 0 failed"; else echo "scheduler starvation: 0 passed, 1 failed"; fi
exit "$failed"
