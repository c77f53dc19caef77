#!/usr/bin/env bash
# pg_trickle IMMEDIATE benchmark: write time with no stream table, with an
# IMMEDIATE stream table, with a pg_ivm IMMV (if pg_ivm is installed) and with a
# DIFFERENTIAL stream table refreshed after the write, side by side in one run.
# See bench/README.md.
#
#   bench/immediate.sh            # N = 100,000, 7 cycles, 1,000 single-row transactions (~2 min on 2 cores)
#   bench/immediate.sh --quick    # N = 10,000, 2 cycles, 200 transactions (~10 s without pg_ivm)
#   bench/immediate.sh [--quick] [driver options: --rows N --cycles 7 --singles 1000
#                                 --rate 0.01 --scenarios scan,join --no-ivm --seed N]
#
#   PG_BINDIR=/path/to/pg/bin bench/immediate.sh   # another PostgreSQL installation
#                                                  # (its pg_config, initdb, pg_ctl, psql)
#
# Builds nothing of the extension: it expects `make install` to have been done
# (and bench/build_pg_ivm.sh for the pg_ivm column). Starts its own throwaway
# cluster (scripts/cluster.sh, with pg_ivm preloaded if it is installed), stops
# and removes it at the end. Output: a table on stdout, bench/results/immediate.json.
# Exit status 1 if an IMMEDIATE stream table or an IMMV differs from its query.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out="$root/bench/results"
if [ -n "${PG_BINDIR:-}" ]; then export PATH="$PG_BINDIR:$PATH"; fi

args=()
want_ivm=yes
for a in "$@"; do
  case "$a" in
    --quick) args+=(--rows 10000 --cycles 2 --singles 200) ;;
    --no-ivm) want_ivm=no ;;
    *) args+=("$a") ;;
  esac
done

pkglib=$(pg_config --pkglibdir)
if [ ! -f "$pkglib/pg_trickle.so" ]; then
  echo "bench: pg_trickle is not installed in $pkglib (run 'make && sudo make install' first)" >&2
  exit 1
fi
# pg_ivm has to be preloaded (its transaction callbacks): decide before the start.
preload=""
if [ "$want_ivm" = yes ] && [ -f "$pkglib/pg_ivm.so" ] \
   && [ -f "$(pg_config --sharedir)/extension/pg_ivm.control" ]; then
  preload=pg_ivm
fi

work=$(mktemp -d /tmp/pgtrickle-immbench.XXXXXX)
cleanup() { scripts/cluster.sh stop "$work"; rm -rf "$work"; }
trap cleanup EXIT

echo "== compiling the driver"
g++ -std=c++17 -O2 -Wall -Wextra -o "$work/immediate" bench/immediate.cpp \
    -I"$(pg_config --includedir)" -L"$(pg_config --libdir)" -lpq

eval "$(CLUSTER_EXTRA_PRELOAD=$preload scripts/cluster.sh start "$work")"
export PGHOST PGPORT PGUSER PGDATABASE
echo "== throwaway cluster on socket $PGHOST, port $PGPORT ($(pg_config --bindir))"

# As bench/run.sh: autovacuum off (the driver VACUUM ANALYZEs before each
# cycle), no scheduler refreshes, no JIT, no checkpoints during the run.
psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
ALTER SYSTEM SET autovacuum = off;
ALTER SYSTEM SET pg_trickle.enabled = off;
ALTER SYSTEM SET jit = off;
ALTER SYSTEM SET max_wal_size = '8GB';
ALTER SYSTEM SET checkpoint_timeout = '1h';
SELECT pg_reload_conf();
CREATE EXTENSION pg_trickle;
SQL
export BENCH_SERVER_VERSION
BENCH_SERVER_VERSION=$(psql -X -At -c "SELECT version()")

if [ "$want_ivm" = no ]; then
  echo "== pg_ivm skipped (--no-ivm)"
  args+=(--no-ivm)
elif [ -n "$preload" ] && [ "$(psql -X -At -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_ivm'")" = 1 ]; then
  echo "== pg_ivm $(psql -X -At -c "SELECT default_version FROM pg_available_extensions WHERE name = 'pg_ivm'") (preloaded)"
else
  echo "== pg_ivm not installed (bench/build_pg_ivm.sh builds it): its column is n/a"
  args+=(--no-ivm)
fi

mkdir -p "$out"
rm -f "$out/immediate.json"
start=$(date +%s)
rc=0
"$work/immediate" --out "$out" "${args[@]+"${args[@]}"}" || rc=$?
echo "== benchmark took $(( $(date +%s) - start ))s"
[ -f "$out/immediate.json" ] && echo "== wrote $out/immediate.json"
exit "$rc"
