#!/usr/bin/env bash
# The soak (issue 19): 8 concurrent writers (pgbench: single-row and batch
# DML, long transactions, savepoints, rollbacks) on 5 sources while the
# scheduler maintains 20 stream tables of mixed shapes and modes (joins of
# every kind, groupings, set operations, stream tables over stream tables,
# FULL, AUTO, IMMEDIATE). At the end, with the writers stopped, every stream
# table equals its query; no pg_trickle process logged an error; the
# scheduler's own (anonymous) memory stayed flat.
#
#   test/soak.sh [--seconds N] [--writers N]     (default 600 s, 8 writers)
#
# Runs its own throwaway cluster; needs the extension installed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=600
writers=8
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --writers) writers=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--writers N]" >&2; exit 2 ;;
  esac
done

BIN=$(pg_config --bindir)
dir=$(mktemp -d /tmp/pgt-soak.XXXXXX)
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
DB=soak
. test/lib/stream_oracle.sh

# Who logged what: the application name on every log line.
psql -qXAt -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] app=%a '" -c "SELECT pg_reload_conf()" >/dev/null
psql -qXAt -c "CREATE DATABASE $DB"
q "ALTER DATABASE $DB SET pg_trickle.differential_max_change_ratio = 0.5"
psql -qX -v ON_ERROR_STOP=1 -d "$DB" >/dev/null <<'SQL'
CREATE EXTENSION pg_trickle;
CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL, tier int NOT NULL);
CREATE TABLE orders (id int PRIMARY KEY, cust_id int NOT NULL, amount numeric(12,2) NOT NULL, status text NOT NULL);
CREATE TABLE items (id int PRIMARY KEY, order_id int NOT NULL, sku int NOT NULL, qty int NOT NULL);
CREATE TABLE prices (sku int PRIMARY KEY, price numeric(10,2) NOT NULL);
CREATE TABLE events (at timestamptz NOT NULL DEFAULT now(), kind text, payload jsonb);  -- no key
INSERT INTO customers SELECT g, 'r' || g % 7, g % 3 FROM generate_series(1, 2000) g;
INSERT INTO orders SELECT g, g % 2000 + 1, (g % 500) + 0.25, CASE WHEN g % 4 = 0 THEN 'closed' ELSE 'open' END
  FROM generate_series(1, 20000) g;
INSERT INTO items SELECT g, g % 20000 + 1, g % 300, g % 5 + 1 FROM generate_series(1, 40000) g;
INSERT INTO prices SELECT g, (g % 50) + 1.5 FROM generate_series(0, 299) g;
INSERT INTO events (kind, payload) SELECT 'k' || g % 5, jsonb_build_object('n', g) FROM generate_series(1, 5000) g;
ANALYZE;
SQL

declare -A query columns mode
add_st() {  # name, mode, columns, query
  mode[$1]=$2; columns[$1]=$3; query[$1]=$4
  q "SELECT pgtrickle.create_stream_table('$1', \$q\$$4\$q\$, $( [ "$2" = IMMEDIATE ] && echo "refresh_mode => 'IMMEDIATE'" || echo "'1s', '$2'"))" >/dev/null
  tables="$tables $1"
}
tables=""
add_st s_cust_orders DIFFERENTIAL "id, n, total" "SELECT c.id, count(*) AS n, sum(o.amount) AS total FROM customers c JOIN orders o ON o.cust_id = c.id GROUP BY c.id"
add_st s_region DIFFERENTIAL "region, n, total" "SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM customers c JOIN orders o ON o.cust_id = c.id GROUP BY c.region"
add_st s_sku DIFFERENTIAL "sku, n, q" "SELECT sku, count(*) AS n, sum(qty) AS q FROM items GROUP BY sku"
add_st s_order_value DIFFERENTIAL "order_id, value" "SELECT i.order_id, sum(i.qty * p.price) AS value FROM items i JOIN prices p ON p.sku = i.sku GROUP BY i.order_id"
add_st s_left DIFFERENTIAL "id, tier, n" "SELECT c.id, c.tier, count(o.id) AS n FROM customers c LEFT JOIN orders o ON o.cust_id = c.id AND o.status = 'open' GROUP BY c.id, c.tier"
add_st s_full_outer DIFFERENTIAL "sku, price, n" "SELECT p.sku, p.price, s.n FROM prices p FULL JOIN (SELECT sku, count(*) AS n FROM items WHERE qty > 3 GROUP BY sku) s ON s.sku = p.sku"
add_st s_semi DIFFERENTIAL "id, region" "SELECT c.id, c.region FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.cust_id = c.id AND o.amount > 450)"
add_st s_anti DIFFERENTIAL "id" "SELECT c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.cust_id = c.id AND o.status = 'open')"
add_st s_union DIFFERENTIAL "id" "SELECT cust_id AS id FROM orders WHERE amount > 490 UNION SELECT id FROM customers WHERE tier = 1"
add_st s_events DIFFERENTIAL "kind, n" "SELECT kind, count(*) AS n FROM events GROUP BY kind"
add_st s_events_json DIFFERENTIAL "kind, n" "SELECT kind, (payload->>'n')::int AS n FROM events WHERE (payload->>'n')::int % 100 = 0"
add_st s_distinct DIFFERENTIAL "status, tier" "SELECT DISTINCT o.status, c.tier FROM orders o JOIN customers c ON c.id = o.cust_id"
add_st s_chain DIFFERENTIAL "region, total" "SELECT region, total FROM s_region WHERE n > 0"
add_st s_chain2 DIFFERENTIAL "tier, n, total" "SELECT c.tier, sum(s.n) AS n, sum(s.total) AS total FROM s_cust_orders s JOIN customers c ON c.id = s.id GROUP BY c.tier"
add_st s_full DIFFERENTIAL "region, mx" "SELECT c.region, max(o.amount) AS mx FROM customers c JOIN orders o ON o.cust_id = c.id GROUP BY c.region"
mode[s_full]=FULL; q "SELECT pgtrickle.alter_stream_table('s_full', refresh_mode => 'FULL')" >/dev/null
add_st s_window AUTO "region, total, rk" "SELECT region, total, rank() OVER (ORDER BY total DESC) AS rk FROM (SELECT c.region, sum(o.amount) AS total FROM customers c JOIN orders o ON o.cust_id = c.id GROUP BY c.region) x"
add_st s_imm_prices IMMEDIATE "sku, price" "SELECT sku, price FROM prices WHERE price > 10"
add_st s_imm_items IMMEDIATE "order_id, n" "SELECT order_id, count(*) AS n FROM items WHERE sku < 30 GROUP BY order_id"
add_st s_except DIFFERENTIAL "id" "SELECT id FROM customers EXCEPT SELECT cust_id FROM orders WHERE status = 'closed'"
add_st s_having DIFFERENTIAL "cust_id, n" "SELECT cust_id, count(*) AS n FROM orders GROUP BY cust_id HAVING count(*) > 10"
echo "soak: $(echo $tables | wc -w) stream tables, $writers writers, ${seconds} s"

cat >"$dir/single.sql" <<'SQL'
\set o random(1, 30000)
\set c random(1, 2000)
\set i random(1, 60000)
\set s random(0, 299)
BEGIN;
INSERT INTO orders VALUES (:o, :c, :o % 500 + 0.5, 'open') ON CONFLICT (id) DO UPDATE SET amount = orders.amount + 1, status = CASE WHEN orders.status = 'open' THEN 'closed' ELSE 'open' END;
INSERT INTO items VALUES (:i, :o, :s, :i % 5 + 1) ON CONFLICT (id) DO UPDATE SET qty = items.qty + 1;
COMMIT;
DELETE FROM items WHERE id = :i + 7;
UPDATE customers SET tier = (tier + 1) % 3 WHERE id = :c;
INSERT INTO events (kind, payload) VALUES ('k' || :s % 5, jsonb_build_object('n', :i));
SQL
cat >"$dir/batch.sql" <<'SQL'
\set k random(0, 96)
UPDATE orders SET amount = amount + 0.25 WHERE id % 97 = :k;
DELETE FROM events WHERE (payload->>'n')::int % 97 = :k;
INSERT INTO events (kind, payload) SELECT 'k' || g % 5, jsonb_build_object('n', g) FROM generate_series(1, 50) g;
UPDATE prices SET price = price + 0.5 WHERE sku % 31 = :k % 31;
SQL
cat >"$dir/long.sql" <<'SQL'
\set c random(1, 2000)
BEGIN;
UPDATE customers SET region = 'r' || (:c % 7 + 1) % 7 WHERE id = :c;
SELECT pg_sleep(0.3);
INSERT INTO orders SELECT 100000 + :c * 10 + g, :c, 10, 'open' FROM generate_series(0, 3) g ON CONFLICT (id) DO NOTHING;
COMMIT;
SQL
cat >"$dir/savepoint.sql" <<'SQL'
\set o random(1, 30000)
BEGIN;
UPDATE orders SET amount = amount + 2 WHERE id = :o;
SAVEPOINT a;
DELETE FROM orders WHERE id = :o + 1;
ROLLBACK TO SAVEPOINT a;
DELETE FROM items WHERE order_id = :o + 2;
SAVEPOINT b;
UPDATE customers SET tier = 9 WHERE id = :o % 2000 + 1;
RELEASE SAVEPOINT b;
COMMIT;
SQL
cat >"$dir/rollback.sql" <<'SQL'
\set o random(1, 30000)
BEGIN;
DELETE FROM orders WHERE cust_id = :o % 2000 + 1;
INSERT INTO items SELECT 200000 + g, :o, g % 300, 1 FROM generate_series(1, 20) g ON CONFLICT DO NOTHING;
ROLLBACK;
SQL

sched_pid=""
for _ in $(seq 1 60); do
  sched_pid=$(q "SELECT pid FROM pg_stat_activity WHERE application_name = 'pg_trickle scheduler' AND datname = '$DB'")
  [ -n "$sched_pid" ] && break
  sleep 0.5
done
[ -n "$sched_pid" ] || { echo "FAILED: no scheduler"; exit 1; }
converge 120 || { echo "FAILED: not converged before the soak: $diverged"; exit 1; }
logged=$(wc -l <"$dir/server.log")

anon_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$sched_pid/status" 2>/dev/null || echo 0; }
"$BIN/pgbench" -n -c "$writers" -j 2 -T "$seconds" --max-tries=20 \
  -f "$dir/single.sql@12" -f "$dir/batch.sql@1" -f "$dir/long.sql@1" -f "$dir/savepoint.sql@2" \
  -f "$dir/rollback.sql@1" "$DB" >"$dir/pgbench.log" 2>&1 &
writers_pid=$!
samples=()
while kill -0 "$writers_pid" 2>/dev/null; do
  samples+=("$(anon_kb)")
  sleep 5
done
wait "$writers_pid" || { echo "FAILED: pgbench failed:"; tail -20 "$dir/pgbench.log"; exit 1; }
writers_pid=""
grep -E "^(number of transactions actually processed|number of failed|number of transactions retried|tps)" "$dir/pgbench.log" | sed 's/^/  /'

failed=0
if converge 180; then
  echo "  every stream table equals its query after the soak"
else
  echo "FAILED: diverged after the soak: $diverged"; failed=1
fi
q "SELECT '  refreshes: ' || string_agg(action || ' ' || status || ' ' || n, ', ' ORDER BY action, status)
   FROM (SELECT action, status, count(*) AS n FROM pgtrickle.pgt_refresh_history GROUP BY 1, 2) x"
q "SELECT '  stream tables by mode: ' || string_agg(effective_refresh_mode || ' ' || n, ', ')
   FROM (SELECT effective_refresh_mode, count(*) AS n FROM pgtrickle.pgt_stream_tables GROUP BY 1) x"

# Errors logged by pg_trickle's own processes: none. The writers' deadlocks
# and serialization failures (row locks, IMMEDIATE tables' locks) are the
# workload's, retried by pgbench; any other error of theirs fails too.
errors=$(tail -n +"$((logged + 1))" "$dir/server.log" | grep -E "(ERROR|FATAL|PANIC):" || true)
ours=$(echo "$errors" | grep -E "app=pg_trickle" || true)
theirs=$(echo "$errors" | grep -vE "app=pg_trickle" | grep -vE "deadlock detected|could not serialize|^$" || true)
echo "  errors logged: $(echo "$errors" | grep -c . || true) (deadlocks / serialization failures of the writers, retried: $(echo "$errors" | grep -cE "deadlock detected|could not serialize" || true))"
if [ -n "$ours" ]; then echo "FAILED: pg_trickle logged errors:"; echo "$ours" | head -20; failed=1; fi
if [ -n "$theirs" ]; then echo "FAILED: unexpected errors:"; echo "$theirs" | head -20; failed=1; fi
if tail -n +"$((logged + 1))" "$dir/server.log" | grep -qE "terminated by signal|exited with exit code [^0]"; then
  echo "FAILED: a server process crashed"; failed=1
fi

# Memory: the scheduler's anonymous memory at the end against after warm-up
# (the first third): flat means less than 8 MB of growth.
n=${#samples[@]}
if [ "$n" -ge 3 ]; then
  warm=${samples[$((n / 3))]}
  last=${samples[$((n - 1))]}
  growth=$(( last - warm ))
  echo "  scheduler RssAnon: ${samples[0]} kB at the start, $warm kB after warm-up, $last kB at the end ($n samples)"
  if [ "$growth" -gt 8192 ]; then echo "FAILED: the scheduler's memory grew by $growth kB"; failed=1; fi
fi
if [ "$failed" -eq 0 ]; then echo "soak: passed (${seconds} s)"; else echo "soak: FAILED"; fi
exit "$failed"
