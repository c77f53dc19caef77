#!/usr/bin/env bash
# Builds and installs pg_ivm (https://github.com/sraoss/pg_ivm), the peer that
# bench/immediate.sh compares pg_trickle's IMMEDIATE mode with, into the
# PostgreSQL that `pg_config` (or $PG_CONFIG) names, with PGXS.
#
#   bench/build_pg_ivm.sh                          # git clone of the tag below
#   PG_IVM_SRC=/path/to/pg_ivm bench/build_pg_ivm.sh   # an existing source tree
#   PG_CONFIG=/some/pg/bin/pg_config bench/build_pg_ivm.sh
#   PG_IVM_TAG=v1.14 bench/build_pg_ivm.sh         # another release
#
# The source tree is copied to a temporary directory and built there (the tree
# given in PG_IVM_SRC is left untouched). Installing into the system PostgreSQL
# needs root (sudo is used if needed). pg_ivm must then be preloaded by the
# server; bench/immediate.sh does that for its own throwaway cluster.
set -euo pipefail
tag=${PG_IVM_TAG:-v1.15}
url=${PG_IVM_URL:-https://github.com/sraoss/pg_ivm}
pg_config=${PG_CONFIG:-pg_config}

work=$(mktemp -d /tmp/pg_ivm-build.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ -n "${PG_IVM_SRC:-}" ]; then
  [ -f "$PG_IVM_SRC/pg_ivm.control" ] || { echo "build_pg_ivm: no pg_ivm.control in $PG_IVM_SRC" >&2; exit 1; }
  echo "== pg_ivm source: $PG_IVM_SRC"
  cp -a "$PG_IVM_SRC/." "$work/src"
else
  echo "== cloning $url at $tag"
  git clone -q --depth 1 --branch "$tag" "$url" "$work/src"
fi
echo "== pg_ivm $(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$work/src/pg_ivm.control") for $("$pg_config" --version) ($("$pg_config" --pkglibdir))"

# with_llvm=no: no JIT bitcode (Debian's server is built with LLVM; the
# benchmark cluster runs with jit = off anyway).
make -s -C "$work/src" USE_PGXS=1 PG_CONFIG="$pg_config" with_llvm=no clean >/dev/null
make -s -C "$work/src" USE_PGXS=1 PG_CONFIG="$pg_config" with_llvm=no -j"$(nproc)"

SUDO=""
if [ ! -w "$("$pg_config" --pkglibdir)" ] && [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO make -s -C "$work/src" USE_PGXS=1 PG_CONFIG="$pg_config" with_llvm=no install >/dev/null
echo "== installed: $("$pg_config" --pkglibdir)/pg_ivm.so"
