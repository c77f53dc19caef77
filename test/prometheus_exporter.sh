#!/usr/bin/env bash
# contrib/prometheus/pg_trickle_queries.yaml against a real
# prometheus-postgres-exporter: started on a free localhost port against the
# running test cluster (PGHOST / PGPORT), as a role that is not a superuser
# and may read one of two stream tables; /metrics is scraped before and after
# a refresh: the pg_trickle series are there with their labels, the other
# stream table's are not, and the counters and gauges follow the refresh.
# Skipped (exit 0, with a message) when the exporter or curl is not installed.
set -euo pipefail
cd "$(dirname "$0")/.."
exporter=$(command -v prometheus-postgres-exporter || true)
if [ -z "$exporter" ] || ! command -v curl >/dev/null; then
  echo "SKIPPED: prometheus-postgres-exporter or curl is not installed (apt-get install prometheus-postgres-exporter curl)"
  exit 0
fi
: "${PGHOST:?PGHOST (the test cluster) must be set}" "${PGPORT:?}"
db=pgt_exporter_test
queries=$PWD/contrib/prometheus/pg_trickle_queries.yaml
work=$(mktemp -d /tmp/pgt-exporter.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS pgt_exporter" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
sql() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $db" -c "CREATE ROLE pgt_exporter LOGIN"
# The scheduler stays off here: every refresh is the test's own.
sql >/dev/null <<'SQL'
ALTER DATABASE pgt_exporter_test SET pg_trickle.enabled = off;
CREATE EXTENSION pg_trickle;
CREATE TABLE src (id int PRIMARY KEY, g int, v int);
INSERT INTO src SELECT i, i % 4, i FROM generate_series(1, 200) i;
SELECT pgtrickle.create_stream_table('st_seen', 'SELECT g, sum(v) AS s, count(*) AS n FROM src GROUP BY g',
                                     refresh_mode => 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table('st_hidden', 'SELECT id, v FROM src WHERE v > 100', refresh_mode => 'FULL');
GRANT SELECT ON st_seen TO pgt_exporter;
UPDATE src SET v = v + 1 WHERE id <= 10;
SQL

port=""
for p in $(seq 19187 19287); do
  if ! (echo >/dev/tcp/127.0.0.1/$p) 2>/dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { echo "FAILED: no free port for the exporter"; exit 1; }
DATA_SOURCE_NAME="host=$PGHOST port=$PGPORT user=pgt_exporter dbname=$db sslmode=disable" \
  "$exporter" --web.listen-address="127.0.0.1:$port" --extend.query-path="$queries" \
  --disable-default-metrics --disable-settings-metrics --log.level=warn >"$work/exporter.log" 2>&1 &
pid=$!

scrape() { curl -sf "http://127.0.0.1:$port/metrics"; }
for _ in $(seq 1 100); do scrape >/dev/null 2>&1 && break; sleep 0.1; done
scrape >"$work/before.txt" || { echo "FAILED: the exporter did not answer"; cat "$work/exporter.log"; exit 1; }

# value FILE METRIC LABEL=VALUE...: the sample of METRIC with those labels.
value() {
  local file=$1 metric=$2; shift 2
  awk -v m="$metric" -v want="$*" '
    index($0, m "{") == 1 {
      n = split(want, w, " "); ok = 1
      for (i = 1; i <= n; i++) {
        split(w[i], kv, "="); if (index($0, kv[1] "=\"" kv[2] "\"") == 0) ok = 0
      }
      if (ok) { print $NF; exit }
    }' "$file"
}
failures=0
expect() {  # expect DESCRIPTION ACTUAL OP EXPECTED (numeric comparison with awk)
  if awk -v a="$2" -v b="$4" "BEGIN { exit !(a != \"\" && a $3 b) }"; then
    echo "  ok: $1 ($2)"
  else
    echo "  FAILED: $1: got '${2}', want $3 $4"; failures=$((failures + 1))
  fi
}
labels="datname=$db stream_table=public.st_seen"

echo "-- before the refresh"
expect "FULL refreshes (the initial one)" "$(value "$work/before.txt" pg_trickle_refresh_refreshes $labels action=FULL)" "==" 1
expect "rows inserted by it" "$(value "$work/before.txt" pg_trickle_refresh_rows_inserted $labels action=FULL)" "==" 4
expect "duration counted" "$(value "$work/before.txt" pg_trickle_refresh_duration_seconds_total $labels action=FULL)" ">" 0
expect "pending changes (10 updates: old and new rows)" \
  "$(value "$work/before.txt" pg_trickle_stream_table_pending_changes $labels refresh_mode=DIFFERENTIAL status=ACTIVE)" "==" 20
expect "buffer size" "$(value "$work/before.txt" pg_trickle_stream_table_buffer_bytes $labels)" ">" 0
expect "staleness" "$(value "$work/before.txt" pg_trickle_stream_table_staleness_seconds $labels)" ">=" 0
expect "populated" "$(value "$work/before.txt" pg_trickle_stream_table_populated $labels)" "==" 1
expect "change buffer of src" "$(value "$work/before.txt" pg_trickle_change_buffer_pending_rows datname=$db source_table=public.src)" "==" 20
expect "scheduler gauge (disabled here)" "$(value "$work/before.txt" pg_trickle_scheduler_running datname=$db state=DISABLED)" "==" 0
expect "health check" "$(value "$work/before.txt" pg_trickle_health_severity datname=$db check_name=suspended_tables)" "==" 0
if grep -q 'st_hidden' "$work/before.txt"; then
  echo "  FAILED: a stream table the exporter's role may not read is exported"; failures=$((failures + 1))
else
  echo "  ok: the stream table the exporter's role may not read is absent"
fi

sql -c "SELECT pgtrickle.refresh_stream_table('st_seen')" >/dev/null
scrape >"$work/after.txt"
echo "-- after a DIFFERENTIAL refresh"
expect "DIFFERENTIAL refreshes" "$(value "$work/after.txt" pg_trickle_refresh_refreshes $labels action=DIFFERENTIAL)" "==" 1
expect "rows updated by it" "$(value "$work/after.txt" pg_trickle_refresh_rows_updated $labels action=DIFFERENTIAL)" ">=" 1
expect "FULL refreshes unchanged" "$(value "$work/after.txt" pg_trickle_refresh_refreshes $labels action=FULL)" "==" 1
expect "nothing pending" "$(value "$work/after.txt" pg_trickle_stream_table_pending_changes $labels)" "==" 0
expect "staleness reset" "$(value "$work/after.txt" pg_trickle_stream_table_staleness_seconds $labels)" "<" 60
grep -E '^# TYPE pg_trickle_refresh_refreshes counter' "$work/after.txt" >/dev/null \
  && echo "  ok: pg_trickle_refresh_refreshes is a counter" \
  || { echo "  FAILED: pg_trickle_refresh_refreshes is not typed counter"; failures=$((failures + 1)); }
if grep -iE 'error' "$work/exporter.log"; then
  echo "  FAILED: the exporter logged errors (above)"; failures=$((failures + 1))
fi
if [ "$failures" -ne 0 ]; then
  echo "== the pg_trickle series seen:"; grep '^pg_trickle' "$work/after.txt" || true
  exit 1
fi
grep '^pg_trickle_refresh_refreshes' "$work/after.txt" | sed 's/^/  /'
echo "prometheus exporter: all checks passed"
