#!/usr/bin/env bash
# Installs the Debian 12 packages pg_trickle needs to build, test and demo.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
PKGS=(postgresql-15 postgresql-server-dev-15 postgresql-contrib g++ make
      libpq-dev libgtest-dev gnuplot-nox)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "pg_trickle: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's postgresql package creates and starts a system cluster; we never use it.
