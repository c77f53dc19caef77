#!/usr/bin/env bash
# Runs every test tier of pg_trickle on a fresh Debian 12 machine:
#   1. unit      GoogleTest, pure C++ (no server)
#   2. regress   pg_regress (make installcheck) against a throwaway cluster
#   3. e2e       GoogleTest + libpq against the same cluster (oracle, concurrency)
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

echo "== unit tests"
make -s unit

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
if grep -E "terminated by signal|server process .* exited with exit code [^0]" "$work/server.log"; then
  echo "== FAILED: a server process crashed during the tests (see above)"
  exit 1
fi

echo "== all tiers passed in $(( $(date +%s) - start ))s"
