#!/usr/bin/env bash
# pg_trickle through PgBouncer in transaction pooling mode, in front of the
# running test cluster (PGHOST / PGPORT): three clients at once, as a role
# that is not a superuser, over a pool of two server connections (so their
# transactions share and swap backends), each create, alter, refresh and drop
# stream tables, write into IMMEDIATE ones (maintained inside the writing
# statement) and check every result against its query; and the
# pooler_compatibility_mode option is set and kept. PgBouncer runs on a free
# localhost port with its own ini and auth file (trust), and is stopped after.
# Skipped (exit 0, with a message) when pgbouncer is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
bouncer=$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null || true)
if [ -z "$bouncer" ]; then
  echo "SKIPPED: pgbouncer is not installed (apt-get install pgbouncer)"
  exit 0
fi
: "${PGHOST:?PGHOST (the test cluster) must be set}" "${PGPORT:?}"
db=pgt_pooler_test
work=$(mktemp -d /tmp/pgt-pgbouncer.XXXXXX)
# PgBouncer refuses to run as root.
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres: "$work"
bpid=""
cleanup() {
  if [ -f "$work/pgbouncer.pid" ]; then kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null || true; fi
  if [ -n "$bpid" ]; then wait "$bpid" 2>/dev/null || true; fi
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS pgt_pooled" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" -c "CREATE ROLE pgt_pooled LOGIN"
psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<'SQL'
CREATE EXTENSION pg_trickle;
GRANT CREATE ON SCHEMA public TO pgt_pooled;
SQL

port=""
for p in $(seq 16432 16532); do
  if ! (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "FAILED: no free port for pgbouncer"; exit 1; }
cat >"$work/pgbouncer.ini" <<INI
[databases]
$db = host=$PGHOST port=$PGPORT dbname=$db
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $work/userlist.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
printf '"pgt_pooled" ""\n' >"$work/userlist.txt"
[ "$(id -u)" -eq 0 ] && chown postgres: "$work"/*
# In the foreground of a background job (not -d): stopped by its pid from the
# pidfile, and reaped here.
as_owner "$bouncer" -q "$work/pgbouncer.ini" &
bpid=$!
for _ in $(seq 1 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 1 50); do [ -s "$work/pgbouncer.pid" ] && break; sleep 0.1; done

pooled() { psql -X -q -v ON_ERROR_STOP=1 -At "host=127.0.0.1 port=$port dbname=$db user=pgt_pooled" "$@"; }

# One client's work on its own tables (suffix $1). Every statement is its own
# transaction unless inside BEGIN ... COMMIT: consecutive ones may run on
# different backends, and a backend serves the other clients in between.
client() {
  local i=$1
  pooled >"$work/client$i.out" 2>"$work/client$i.err" <<SQL
CREATE TABLE src_$i (id int PRIMARY KEY, g int, v int);
INSERT INTO src_$i SELECT n, n % 5, n FROM generate_series(1, 500) n;
-- The stream table (its query's columns, not the hidden __pgt_* ones)
-- equals its query, as multisets.
CREATE FUNCTION check_$i(st text, cols text, q text) RETURNS void LANGUAGE plpgsql AS \$\$
DECLARE bad bigint;
BEGIN
  EXECUTE format('SELECT count(*) FROM ((SELECT %s FROM %s EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL SELECT %s FROM %s)) d',
                 cols, st, q, q, cols, st) INTO bad;
  IF bad <> 0 THEN RAISE EXCEPTION '% differs from its query in % rows', st, bad; END IF;
END \$\$;
-- DIFFERENTIAL: create, change, refresh, check.
SELECT pgtrickle.create_stream_table('agg_$i', 'SELECT g, sum(v) AS s, count(*) AS n FROM src_$i GROUP BY g',
                                     refresh_mode => 'DIFFERENTIAL', schedule => '1h');
UPDATE src_$i SET v = v + 1 WHERE id % 7 = 0;
DELETE FROM src_$i WHERE id % 11 = 0;
INSERT INTO src_$i SELECT n, n % 5, n FROM generate_series(501, 600) n;
SELECT pgtrickle.refresh_stream_table('agg_$i');
SELECT check_$i('agg_$i', 'g, s, n', 'SELECT g, sum(v), count(*) FROM src_$i GROUP BY g');
-- Alter the query, and the options.
SELECT pgtrickle.alter_stream_table('agg_$i', query => 'SELECT g, sum(v) AS s, count(*) AS n, max(v) AS m FROM src_$i GROUP BY g');
UPDATE src_$i SET v = v * 2 WHERE id % 13 = 0;
SELECT pgtrickle.refresh_stream_table('agg_$i');
SELECT check_$i('agg_$i', 'g, s, n, m', 'SELECT g, sum(v), count(*), max(v) FROM src_$i GROUP BY g');
SELECT pgtrickle.alter_stream_table('agg_$i', pooler_compatibility_mode => true, schedule => '30m');
SELECT pooler_compatibility_mode FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'agg_$i';
-- IMMEDIATE: maintained inside each writing statement, also across a
-- transaction that stays on one backend until COMMIT.
SELECT pgtrickle.create_stream_table('imm_$i', 'SELECT id, v FROM src_$i WHERE v % 3 = 0',
                                     refresh_mode => 'IMMEDIATE', pooler_compatibility_mode => true);
INSERT INTO src_$i SELECT n, n % 5, n FROM generate_series(601, 700) n;
SELECT check_$i('imm_$i', 'id, v', 'SELECT id, v FROM src_$i WHERE v % 3 = 0');
BEGIN;
UPDATE src_$i SET v = v + 1 WHERE id % 4 = 0;
DELETE FROM src_$i WHERE id % 9 = 0;
SELECT check_$i('imm_$i', 'id, v', 'SELECT id, v FROM src_$i WHERE v % 3 = 0');
COMMIT;
SELECT check_$i('imm_$i', 'id, v', 'SELECT id, v FROM src_$i WHERE v % 3 = 0');
SELECT pgtrickle.alter_stream_table('agg_$i', refresh_mode => 'IMMEDIATE');
UPDATE src_$i SET g = g + 1 WHERE id % 5 = 0;
SELECT check_$i('agg_$i', 'g, s, n, m', 'SELECT g, sum(v), count(*), max(v) FROM src_$i GROUP BY g');
SELECT pgtrickle.export_definition('imm_$i') LIKE '%pooler_compatibility_mode => true%';
SELECT count(*) FROM pgtrickle.explain_stream_table('agg_$i');
SELECT pgtrickle.drop_stream_table('imm_$i');
SELECT pgtrickle.drop_stream_table('agg_$i');
SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name LIKE '%\_$i';
SELECT pg_backend_pid();
SQL
}
start=$(date +%s.%N)
pids=()
for i in 1 2 3; do client "$i" & pids+=($!); done
failed=0
for i in 1 2 3; do
  if ! wait "${pids[$((i - 1))]}"; then
    echo "  FAILED: client $i:"; sed 's/^/    /' "$work/client$i.out" "$work/client$i.err"; failed=1
  fi
done
for i in 1 2 3; do
  # Printed, besides numbers: pooler_compatibility_mode kept (t), the export mentions it (t).
  got=$(grep -vE '^[0-9]+$' "$work/client$i.out" | grep -v '^$' | tr '\n' ' ' || true)
  if [ "$failed" -eq 0 ] && [ "$got" != "t t " ]; then
    echo "  FAILED: client $i printed: $got"; failed=1
  fi
  left=$(tail -2 "$work/client$i.out" | head -1)
  if [ "$failed" -eq 0 ] && [ "$left" != "0" ]; then echo "  FAILED: client $i left stream tables: $left"; failed=1; fi
done
backends=$(for i in 1 2 3; do tail -1 "$work/client$i.out"; done | sort -u | wc -l)
if [ "$failed" -ne 0 ]; then
  echo "== pgbouncer log:"; tail -20 "$work/pgbouncer.log"
  exit 1
fi
echo "pgbouncer (transaction pooling, 3 clients, $backends server connection(s) seen last): all checks passed in" \
  "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }')"
