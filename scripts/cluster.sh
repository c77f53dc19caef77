#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and the demo: initdb into a temp
# dir, unix socket only, a free port, pg_trickle preloaded. No system service.
#
#   scripts/cluster.sh start DIR   # prints "export PGHOST=... PGPORT=..." lines
#   scripts/cluster.sh stop DIR
#   CLUSTER_EXTRA_PRELOAD=pg_ivm scripts/cluster.sh start DIR   # preload more libraries
#
# The binaries are those of the `pg_config` first in PATH.
# initdb refuses to run as root, so as root the cluster runs as 'postgres'.
set -euo pipefail
cmd=${1:?usage: cluster.sh start|stop DIR}
dir=${2:?usage: cluster.sh start|stop DIR}
BIN=$(pg_config --bindir)
preload="pg_trickle${CLUSTER_EXTRA_PRELOAD:+,$CLUSTER_EXTRA_PRELOAD}"

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local p
  for p in $(seq 55432 55532); do
    if ! (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null && [ ! -e "/tmp/.s.PGSQL.$p" ] \
       && [ ! -e "$dir/.s.PGSQL.$p" ]; then echo "$p"; return; fi
  done
  echo "no free port" >&2; exit 1
}

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$BIN/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
  fi
  port=$(free_port)
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
shared_preload_libraries = '$preload'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 60
max_worker_processes = 24
log_min_messages = warning
CONF
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
  echo "export PGHOST=$dir PGPORT=$port PGUSER=postgres PGDATABASE=postgres"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  ;;
*) echo "usage: cluster.sh start|stop DIR" >&2; exit 2 ;;
esac
