#!/usr/bin/env bash
# Installs what tarifador needs on Debian 12, from Debian's own packages only.
# Safe to run again: it installs only what is missing (then it needs root or
# sudo; when nothing is missing it needs neither).
#   scripts/install-deps.sh --demo   build tarifador and run the demo (scripts/demo.sh)
#   scripts/install-deps.sh --test   + everything the whole test suite runs (scripts/test.sh)
#   scripts/install-deps.sh --ci     + format and shell checks, the Debian packaging
#                                    tools (.ci/run)
set -euo pipefail
level=${1:---ci}

build=(
  cmake ninja-build g++ make pkg-config git ccache dpkg-dev
  libsqlite3-dev libsqlitecpp-dev libmicrohttpd-dev libcpp-httplib-dev nlohmann-json3-dev
  libpq-dev libsodium-dev libssl-dev libcurl4-openssl-dev
)
test=(
  # unit tests under ASan+UBSan and the libFuzzer targets (one clang tree)
  clang-14 libclang-rt-14-dev
  # unit tests; the sqlite3 shell, curl and python3 for the integration tests
  catch2 sqlite3 curl python3
  # docs/FREESWITCH.md's Lua authorize hook, run by a real interpreter (mod_lua's 5.3)
  lua5.3
  # the generated HTTPS certificate is checked against what the openssl command reads
  openssl
  # the PostgreSQL mirror's tests start their own throw-away server (initdb, pg_ctl)
  postgresql
  # the web UI's browser test (tests/e2e/run.py): Debian's Chromium driven
  # through WebDriver by Debian's Python Selenium; no node, no npm
  chromium chromium-driver python3-selenium
  # the CSV export's spreadsheet test: headless LibreOffice Calc (soffice)
  libreoffice-calc-nogui
  # alert e-mail is delivered to a real SMTP server with STARTTLS (aiosmtpd)
  python3-aiosmtpd
)
ci=(
  # style and shell checks
  clang-format shellcheck
  # scripts/build-deb.sh and scripts/check-deb.sh
  debhelper lintian
)
case "$level" in
  --demo) packages=("${build[@]}") ;;
  --test) packages=("${build[@]}" "${test[@]}") ;;
  --ci) packages=("${build[@]}" "${test[@]}" "${ci[@]}") ;;
  *)
    echo "usage: scripts/install-deps.sh [--demo|--test|--ci]" >&2
    exit 2
    ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

SUDO=()
if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
# sudo resets the environment: pass DEBIAN_FRONTEND through env, or debconf
# falls back to asking on the terminal (and warns once per package).
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0)
# The tests start their own PostgreSQL servers; the package would otherwise
# create and start a "main" cluster at boot that nothing here uses. Only
# clusters created by a package install are affected (createcluster.conf(5)).
if [[ " ${missing[*]} " == *" postgresql "* ]] && ! dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null |
  grep -q "install ok installed"; then
  "${SUDO[@]}" mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" |
    "${SUDO[@]}" tee /etc/postgresql-common/createcluster.d/tarifador-tests.conf >/dev/null
fi
echo "install-deps: installing ${#missing[@]} Debian packages: ${missing[*]}" >&2
"${APT[@]}" update
"${APT[@]}" install --no-install-recommends "${missing[@]}"
