#!/usr/bin/env bash
# Makes sure the programs the tests talk to exist: redis-server (real Redis, never a mock), xmllint
# (validates request bodies against their schema) and Prometheus with promtool (scrapes the
# services and checks the alert rules in the metrics tests) and Chromium (the console's browser tests). Installs them from Debian's packages when
# possible, else says exactly what to install.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
# python3 (standard library only) runs the independent REST client of test/fixtures/rest-client.
command -v python3 >/dev/null 2>&1 || need+=(python3)
# chromium: the console's browser tests drive Debian's Chromium with playwright-core (no browser download).
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
[ "${#need[@]}" -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
    echo "The tests need: ${need[*]}. Install them, e.g.: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need: ${need[*]} (Debian package names). Install them with your system's package manager." >&2
  exit 1
fi
echo "installing from Debian's packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
