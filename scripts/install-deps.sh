#!/usr/bin/env bash
# Installs everything tarifador needs to build and to run its whole test suite
# on Debian 12, from Debian's own packages. Safe to run again.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
packages=(
  # build
  cmake g++ make pkg-config git
  libsqlite3-dev libsqlitecpp-dev libcpp-httplib-dev nlohmann-json3-dev
  libpq-dev libsodium-dev libssl-dev
  # tests: Catch2, fuzzing with clang's libFuzzer, the sqlite3 shell, curl for
  # the integration tests (with python3), clang-format for the style check
  catch2 clang-14 libclang-rt-14-dev clang-format sqlite3 curl python3
  # the PostgreSQL mirror's tests and benchmark start their own server (initdb, pg_ctl, psql)
  postgresql
  # packages: scripts/build-deb.sh and scripts/check-deb.sh, shellcheck of the shell scripts
  dpkg-dev debhelper lintian ccache shellcheck
  # the web UI's end-to-end test (tests/e2e; also needs node >= 20 and `npm ci` there)
  chromium
  # the CSV export's spreadsheet test: headless LibreOffice Calc (soffice)
  libreoffice-calc-nogui
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
