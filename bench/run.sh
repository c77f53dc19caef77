#!/usr/bin/env bash
# pg_trickle refresh benchmark: DIFFERENTIAL vs FULL vs REFRESH MATERIALIZED VIEW
# vs the floor (one MERGE of the exact diff), plus no-change refresh and CDC
# write overhead. See bench/README.md.
#
#   bench/run.sh            # full run: N = 10K and 100K, changes 1%, 10%, 50% (3-5 min on 2 cores)
#   bench/run.sh --quick    # 10K only, 1% and 10%, 3 cycles (~30 s)
#   bench/run.sh [--quick] [driver options: --sizes 10000 --rates 0.01,0.1 --scenarios scan,join
#                           --cycles-small 9 --cycles-large 7 --cycles-heavy 3 --seed N]
#
# Builds nothing of the extension: it expects `make install` to have been done.
# Starts its own throwaway cluster (scripts/cluster.sh), stops and removes it at the end.
# Output: a table on stdout, bench/results/results.json, bench/results/refresh.png.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/results"

args=()
for a in "$@"; do
  if [ "$a" = "--quick" ]; then
    args+=(--sizes 10000 --rates 0.01,0.10 --cycles-small 3)
  else
    args+=("$a")
  fi
done

if [ ! -f "$(pg_config --pkglibdir)/pg_trickle.so" ]; then
  echo "bench: pg_trickle is not installed (run 'make && sudo make install' first)" >&2
  exit 1
fi

work=$(mktemp -d /tmp/pgtrickle-bench.XXXXXX)
cleanup() { scripts/cluster.sh stop "$work"; rm -rf "$work"; }
trap cleanup EXIT

echo "== compiling the driver"
g++ -std=c++17 -O2 -Wall -Wextra -o "$work/bench" bench/bench.cpp \
    -I"$(pg_config --includedir)" -L"$(pg_config --libdir)" -lpq

eval "$(scripts/cluster.sh start "$work")"
export PGHOST PGPORT PGUSER PGDATABASE
echo "== throwaway cluster on socket $PGHOST, port $PGPORT"

# Autovacuum off (the driver VACUUM ANALYZEs everything before each cycle, so
# every measurement starts from the same state); no JIT (its compile time is
# noise on the full-scan statements); no checkpoints during a run.
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
ALTER SYSTEM SET autovacuum = off;
ALTER SYSTEM SET pg_trickle.enabled = off;  -- the driver times its own refreshes
ALTER SYSTEM SET jit = off;
ALTER SYSTEM SET max_wal_size = '8GB';
ALTER SYSTEM SET checkpoint_timeout = '1h';
SELECT pg_reload_conf();
CREATE EXTENSION pg_trickle;
SQL
export BENCH_SERVER_VERSION
BENCH_SERVER_VERSION=$(psql -X -At -c "SELECT version()")

mkdir -p "$out"
rm -f "$out/results.json" "$out/refresh.dat" "$out/refresh.png"
start=$(date +%s)
"$work/bench" --out "$out" "${args[@]+"${args[@]}"}"
echo "== benchmark took $(( $(date +%s) - start ))s"

if command -v gnuplot >/dev/null; then
  # (a series that is all n/a, e.g. DIFF before it exists, draws no bars: not an error)
  gnuplot -e "datafile='$out/refresh.dat'; outfile='$out/refresh.png'" bench/plot.gp 2>&1 \
    | { grep -v 'no valid points' || true; } >&2
  echo "== wrote $out/results.json and $out/refresh.png"
else
  echo "== wrote $out/results.json (gnuplot not found: no plot)"
fi
