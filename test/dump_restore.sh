#!/usr/bin/env bash
# pg_dump / pg_restore round trip of a database with stream tables: every
# mode, a grouping, a view, a stream table over a stream table, one owned by
# an ordinary role, hostile names. pg_restore must report no error; after
# SELECT * FROM pgtrickle.restore_stream_tables() the restored stream tables
# have the same queries, modes and schedules, equal their queries, and are
# maintained by delta again (history DIFFERENTIAL) under new writes; a source
# gate comes back, linked to the restored source. Needs a
# running cluster (PGHOST / PGPORT) with pg_trickle installed. Exit 0 when
# every check passes.
set -euo pipefail
BIN=$(pg_config --bindir)
src=pgt_dump_src
dst=pgt_dump_dst
role=pgt_dump_owner
work=$(mktemp -d /tmp/pgt-dump.XXXXXX)
chmod 755 "$work"
drop_all() {
  psql -qXAt -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" \
       -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
}
cleanup() { drop_all; rm -rf "$work"; }
trap cleanup EXIT
drop_all
failed=0
fail() { echo "FAILED: $*"; failed=1; }
q() { psql -qXAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# Refreshed by hand only (no scheduler), so each check reads its own refresh.
psql -qXAt -d postgres -c "CREATE DATABASE $src" -c "ALTER DATABASE $src SET pg_trickle.enabled = off" \
     -c "CREATE ROLE $role LOGIN"
psql -qX -v ON_ERROR_STOP=1 -d "$src" >/dev/null <<SQL
CREATE EXTENSION pg_trickle;
SET pg_trickle.differential_max_change_ratio = 1000;
CREATE SCHEMA "we'ird \$x\$";
CREATE TABLE orders (id int PRIMARY KEY, cust int, amount numeric(12,2), note text);
CREATE TABLE custs (id int PRIMARY KEY, region text);
INSERT INTO custs SELECT i, 'r' || (i % 3) FROM generate_series(1, 10) i;
INSERT INTO orders SELECT i, 1 + i % 10, i * 1.5, 'n' || i FROM generate_series(1, 200) i;
CREATE VIEW big_orders AS SELECT id, cust, amount FROM orders WHERE amount > 100;
GRANT SELECT ON orders, custs TO $role;
GRANT CREATE ON SCHEMA public TO $role;
SELECT pgtrickle.create_stream_table('st_full', 'SELECT id, amount FROM orders WHERE id % 2 = 0', refresh_mode => 'FULL', schedule => '5m');
SELECT pgtrickle.create_stream_table('st_diff', 'SELECT o.id, c.region, o.amount FROM orders o JOIN custs c ON c.id = o.cust', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('st_auto', 'SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN custs c ON c.id = o.cust GROUP BY c.region', schedule => '1h');
SELECT pgtrickle.create_stream_table('st_view', 'SELECT cust, count(*) AS n FROM big_orders GROUP BY cust', refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('"we''ird \$x\$"."st \$\$ over"', 'SELECT region, n FROM st_auto WHERE n > 0', refresh_mode => 'DIFFERENTIAL');
SET ROLE $role;
SELECT pgtrickle.create_stream_table('st_owned', 'SELECT id, note FROM orders WHERE id < 50', refresh_mode => 'DIFFERENTIAL');
RESET ROLE;
SELECT pgtrickle.gate_source('custs');
SELECT pgtrickle.create_watermark_group('nightly', ARRAY['orders', 'custs'], 60);
SELECT pgtrickle.advance_watermark('orders', '2026-03-01 00:00+00');
SQL

catalog="SELECT pgt_schema, pgt_name, refresh_mode, effective_refresh_mode, schedule, defining_query,
         (SELECT rolname FROM pg_roles WHERE oid = c.relowner)
         FROM pgtrickle.pgt_stream_tables st JOIN pg_class c ON c.oid = st.pgt_relid ORDER BY 1, 2"
before=$(q "$src" "$catalog")

"$BIN/pg_dump" -Fc -f "$work/db.dump" "$src"
psql -qXAt -d postgres -c "CREATE DATABASE $dst" -c "ALTER DATABASE $dst SET pg_trickle.enabled = off"
if ! "$BIN/pg_restore" -d "$dst" "$work/db.dump" 2>"$work/restore.err"; then
  fail "pg_restore reported errors: $(cat "$work/restore.err")"
fi

# Before the step: a clear HINT, not a silent half-stream-table.
hint=$(psql -qXAt -d "$dst" -c "SELECT pgtrickle.refresh_stream_table('st_diff')" 2>&1 || true)
echo "$hint" | grep -q "restore_stream_tables" || fail "no HINT to run restore_stream_tables(): $hint"

report=$(q "$dst" "SELECT name || ': ' || outcome FROM pgtrickle.restore_stream_tables()")
echo "$report" | sed 's/^/  /'
[ "$(echo "$report" | grep -c 'restored and refreshed')" -eq 6 ] || fail "not every stream table was restored"
after=$(q "$dst" "$catalog")
[ "$before" = "$after" ] || fail "catalog differs after restore: $(diff <(echo "$before") <(echo "$after"))"
# A source gate survives, linked to the restored table.
gate=$(q "$dst" "SELECT source_relid = 'custs'::regclass AND gated FROM pgtrickle.pgt_source_gates")
[ "$gate" = t ] || fail "the gate of custs was not restored and relinked: '$gate'"
# So do the watermarks and the watermark groups.
wm=$(q "$dst" "SELECT source_relid = 'orders'::regclass FROM pgtrickle.pgt_watermarks")
[ "$wm" = t ] || fail "the watermark of orders was not restored and relinked: '$wm'"
group=$(q "$dst" "SELECT source_relids = ARRAY['orders'::regclass::oid, 'custs'::regclass::oid] FROM pgtrickle.pgt_watermark_groups")
[ "$group" = t ] || fail "the watermark group was not restored and relinked: '$group'"
status=$(q "$dst" "SELECT sources_with_watermark || '/' || sources_total FROM pgtrickle.watermark_status()")
[ "$status" = 1/2 ] || fail "watermark_status() after restore: '$status'"
again=$(q "$dst" "SELECT count(*) FROM pgtrickle.restore_stream_tables() WHERE outcome LIKE 'unchanged%'")
[ "$again" = 6 ] || fail "a second restore_stream_tables() changed something"

psql -qX -v ON_ERROR_STOP=1 -d "$dst" >/dev/null <<SQL
INSERT INTO orders VALUES (1000, 3, 999.99, 'new'), (1001, 4, 5, 'small');
UPDATE orders SET amount = amount + 1000 WHERE id IN (10, 20);
DELETE FROM orders WHERE id IN (30, 40);
UPDATE custs SET region = 'moved' WHERE id = 5;
SQL
check() {  # stream table, query, expected action, its columns
  local st=$1 query=$2 action=$3 diff got lit
  lit=$(echo "$st" | sed "s/'/''/g")
  q "$dst" "SET pg_trickle.differential_max_change_ratio = 1000; SELECT pgtrickle.refresh_stream_table('$lit')" >/dev/null
  diff=$(q "$dst" "SELECT count(*) FROM ((SELECT * FROM ($query) q EXCEPT ALL SELECT $4 FROM $st)
                    UNION ALL (SELECT $4 FROM $st EXCEPT ALL SELECT * FROM ($query) q)) d")
  [ "$diff" = 0 ] || fail "$st differs from its query after restore ($diff rows)"
  got=$(q "$dst" "SELECT h.action FROM pgtrickle.pgt_refresh_history h JOIN pgtrickle.pgt_stream_tables s
                  USING (pgt_id) WHERE s.pgt_relid = '$lit'::regclass ORDER BY h.refresh_id DESC LIMIT 1")
  [ "$got" = "$action" ] || fail "$st: refresh after restore was $got, expected $action"
}
check st_full "SELECT id, amount FROM orders WHERE id % 2 = 0" FULL "id, amount"
check st_diff "SELECT o.id, c.region, o.amount FROM orders o JOIN custs c ON c.id = o.cust" DIFFERENTIAL "id, region, amount"
check st_auto "SELECT c.region, count(*) AS n, sum(o.amount) AS total FROM orders o JOIN custs c ON c.id = o.cust GROUP BY c.region" DIFFERENTIAL "region, n, total"
check st_view "SELECT cust, count(*) AS n FROM big_orders GROUP BY cust" DIFFERENTIAL "cust, n"
check '"we'"'"'ird $x$"."st $$ over"' "SELECT region, n FROM st_auto WHERE n > 0" DIFFERENTIAL "region, n"
check st_owned "SELECT id, note FROM orders WHERE id < 50" DIFFERENTIAL "id, note"
# The source database is untouched.
[ "$(q "$src" "SELECT count(*) FROM st_diff")" = 200 ] || fail "the source database changed"
if [ "$failed" -eq 0 ]; then echo "dump/restore: 1 passed, 0 failed"; else echo "dump/restore: 0 passed, 1 failed"; fi
exit "$failed"
