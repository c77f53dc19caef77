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
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
updated=0
if ((${#missing[@]})); then
  echo "pg_trickle: installing ${missing[*]}"
  $SUDO apt-get update -qq
  updated=1
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# For the tests of the exporter query file and of PgBouncer in front of the
# cluster (test/prometheus_exporter.sh, test/pgbouncer.sh): they are skipped,
# with a message, when these cannot be installed.
OPTIONAL=(prometheus-postgres-exporter pgbouncer curl)
missing=()
for p in "${OPTIONAL[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "pg_trickle: installing ${missing[*]} (for the exporter and pooler tests)"
  if { ((updated)) || $SUDO apt-get update -qq; } &&
     DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    # The tests start their own; the system services the packages start
    # under systemd are not wanted.
    if [ -d /run/systemd/system ]; then
      $SUDO systemctl disable --now prometheus-postgres-exporter pgbouncer >/dev/null 2>&1 || true
    fi
  else
    echo "pg_trickle: could not install ${missing[*]}: the tests that need them will be skipped"
  fi
fi
# Debian's postgresql package creates and starts a system cluster; we never use it.
