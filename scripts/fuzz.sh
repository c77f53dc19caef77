#!/usr/bin/env bash
# The query fuzzer (QueryFuzz, test/e2e/fuzz/query_fuzz_test.cpp) on a
# throwaway cluster: N random queries over random schemas, each created
# DIFFERENTIAL (a quarter IMMEDIATE; some out-of-grammar probes must be
# refused) and driven by random DML checked by the oracle. See docs/TESTING.md.
#
#   scripts/fuzz.sh [N]                 N queries (default 2000)
#   PGT_SEED=<seed> scripts/fuzz.sh N   replays a run (its seed is printed first)
#   PGT_FUZZ_CASE_SEED=<s> scripts/fuzz.sh   one query, by the seed a failure printed
#   PGT_FUZZ_MAX_FAILURES=<k>           stop after k failures (default 20)
#
# pg_trickle must be built and installed for the pg_config first in PATH
# (scripts/cluster.sh uses its binaries). Prints the totals (queries,
# refreshes, oracle checks, expected refusals, failures); exits non-zero on a
# failure or a crashed server process. The full output goes to
# ${FUZZ_LOG:-/tmp/pgtrickle-fuzz.log}.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-2000}
log=${FUZZ_LOG:-/tmp/pgtrickle-fuzz.log}

make -s -j2 test/e2e/pgt_e2e_tests

work=$(mktemp -d /tmp/pgtrickle-fuzz.XXXXXX)
cleanup() { scripts/cluster.sh stop "$work" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
eval "$(scripts/cluster.sh start "$work")"
export PGHOST PGPORT PGUSER PGDATABASE

start=$(date +%s)
status=0
PGT_FUZZ_QUERIES=$n PGT_FUZZ_MAX_FAILURES=${PGT_FUZZ_MAX_FAILURES:-20} \
  ./test/e2e/pgt_e2e_tests --gtest_brief=1 --gtest_filter='QueryFuzz.*' >"$log" 2>&1 || status=$?

# A backend that crashed and was restarted by the postmaster is a failure
# even if every check passed.
if grep -E 'terminated by signal|server process .* exited with exit code [^0]' "$work/server.log"; then
  echo "== FAILED: a server process crashed during the fuzz run (see above; log: $log)"
  status=1
fi
grep -E '^QueryFuzz run' "$log" || true
grep -E '^query [0-9]+ \(case seed' "$log" || true
grep -E '^QueryFuzz totals' "$log" || echo "== no totals: the run did not finish (log: $log)"
echo "elapsed $(( $(date +%s) - start )) s; log: $log"
exit "$status"
