#!/usr/bin/env bash
# Runs every test tier of pg_trickle on a fresh Debian 12 machine:
#   1. unit      GoogleTest, pure C++ (no server)
#   2. regress   pg_regress (make installcheck) against a throwaway cluster
#   3. e2e       GoogleTest + libpq against the same cluster (oracle, query
#                fuzzer: 50 queries, concurrency, scheduler), then the
#                scheduler crash-recovery test on its own
# Exits non-zero on the first failing tier. Needs root for apt-get/make install
# (or sudo); the cluster itself runs unprivileged.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

scripts/deps.sh
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
JOBS=$(nproc)

echo "== build"
make -s -j"$JOBS"
$SUDO make -s install >/dev/null

echo "== layers"
scripts/check_layers.sh

echo "== unit tests"
make -s unit

echo "== packaging (META.json, make dist)"
test/packaging.sh

work=$(mktemp -d /tmp/pgtrickle-test.XXXXXX)
cleanup() { scripts/cluster.sh stop "$work"; rm -rf "$work"; }
trap cleanup EXIT
eval "$(scripts/cluster.sh start "$work")"
export PGHOST PGPORT PGUSER PGDATABASE

echo "== pg_regress (make installcheck)"
mkdir -p test/regress/out
if ! make -s installcheck; then
  cat test/regress/out/regression.diffs 2>/dev/null | head -200
  exit 1
fi

echo "== e2e tests"
make -s e2e

# A backend that crashed (and was restarted by the postmaster) can hide behind
# passing tests: the server log must show none.
crashes='terminated by signal|server process .* exited with exit code [^0]'
if grep -E "$crashes" "$work/server.log"; then
  echo "== FAILED: a server process crashed during the tests (see above)"
  exit 1
fi

echo "== pg_dump / pg_restore round trip"
test/dump_restore.sh

echo "== prometheus-postgres-exporter with contrib/prometheus/pg_trickle_queries.yaml"
test/prometheus_exporter.sh

echo "== PgBouncer (transaction pooling) in front of the cluster"
test/pgbouncer.sh

# Last, alone (it takes the cluster through crash recovery): a scheduler
# killed with SIGKILL comes back. Its own death is the only crash allowed in
# the log from here on.
echo "== e2e crash recovery of the scheduler"
logged=$(wc -l <"$work/server.log")
./test/e2e/pgt_e2e_tests --gtest_brief=1 --gtest_also_run_disabled_tests --gtest_filter='SchedulerCrash.*'
if tail -n +"$((logged + 1))" "$work/server.log" | grep -E "$crashes" \
   | grep -vE 'background worker "pg_trickle scheduler" \(PID [0-9]+\) was terminated by signal 9: Killed'; then
  echo "== FAILED: a server process crashed during the crash-recovery test (see above)"
  exit 1
fi

# The fault matrix, short (its own clusters; the long run is
# test/fault_matrix.sh --reps 20): SIGKILL of a refreshing backend, of the
# scheduler and of a refresh worker, stop -m immediate, cancels and timeouts,
# a full tablespace, a promoted standby; every stream table converges after each.
echo "== fault matrix (test/fault_matrix.sh --reps 2)"
test/fault_matrix.sh --reps 2

# The soak, short (its own cluster; the long run is test/soak.sh, 10 min):
# 8 pgbench writers on 5 sources, 20 stream tables of every shape and mode.
echo "== soak (test/soak.sh --seconds 40)"
test/soak.sh --seconds 40

# On a cluster of its own whose background worker slots run out.
echo "== scheduler starvation is visible"
test/scheduler_starvation.sh

# The short variant of the partitioned-source benchmark (its own cluster):
# stream tables over a partitioned and a plain table stay equal to their
# queries under changes, inserts and a rolling window, every refresh a delta.
echo "== partitioned sources (bench/partitioned.sh, short)"
bench/partitioned.sh --rows 100000 --cycles 3

# The short variants of the IMMEDIATE and FULL-with-readers benchmarks (their
# own clusters): IMMEDIATE stream tables (and pg_ivm's IMMVs where installed)
# equal their queries after batches and single-row transactions; a FULL
# refresh never waits for a reader holding the table.
echo "== IMMEDIATE writes (bench/immediate.sh --quick)"
bench/immediate.sh --quick
echo "== FULL refresh with a reader (bench/full_refresh_readers.sh, short)"
bench/full_refresh_readers.sh --rows 10000 --runs 3

echo "== all tiers passed in $(( $(date +%s) - start ))s"
