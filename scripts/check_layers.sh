#!/usr/bin/env bash
# The layers of src/ point one way (DESIGN.md section 2): a file includes
# headers of its own layer or of layers below it, never above:
#   common < dvm < pg < frontend < catalog < cdc < refresh < scheduler < api
# (api/module.cpp, the module's entry point, is the composition root on top).
# Also: dvm/ and common/ include no PostgreSQL header (they are pure C++).
# Prints every violation; exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
order=(common dvm pg frontend catalog cdc refresh scheduler api)
rank() { local i; for i in "${!order[@]}"; do [ "${order[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
bad=0
while IFS= read -r f; do
  layer=$(echo "$f" | cut -d/ -f2)
  from=$(rank "$layer")
  [ "$from" -ge 0 ] || continue
  while IFS= read -r inc; do
    [ -f "src/$inc" ] || continue
    to=$(rank "${inc%%/*}")
    if [ "$to" -gt "$from" ]; then echo "layering: $f includes $inc (${inc%%/*} is above $layer)"; bad=1; fi
  done < <(grep -oE '^#include "[a-z_]+/[^"]+"' "$f" | sed -E 's/#include "([^"]+)"/\1/')
  if [ "$layer" = dvm ] || [ "$layer" = common ]; then
    if grep -qE '^#include "(postgres|pg/|utils/|catalog/|nodes/|access/)' "$f"; then
      echo "layering: $f is pure C++ but includes a PostgreSQL header"; bad=1
    fi
  fi
done < <(find src -name '*.cpp' -o -name '*.h' | sort)
[ "$bad" -eq 0 ] && echo "layers: every include points down"
exit "$bad"
