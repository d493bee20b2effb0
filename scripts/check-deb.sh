#!/usr/bin/env bash
# Checks the packages scripts/build-deb.sh built (in build-deb/, or OUT_DIR):
# lintian (no errors; accepted warnings are in packaging/deb/debian/*.lintian-overrides
# with their reasons), systemd-analyze verify of the unit, dpkg -i, the
# program as the package's user, a start of the service when systemd runs
# the machine, an upgrade (reinstall) that keeps data and config, and a purge
# that removes them and the user.
# It INSTALLS AND PURGES tarifador on this machine: it refuses to run where
# tarifador is already installed or /var/lib/tarifador exists (FORCE=1 to
# go ahead, which destroys that data). Needs root (or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
out=${OUT_DIR:-build-deb}
version=$(dpkg-parsechangelog -l packaging/deb/debian/changelog -S Version)
arch=$(dpkg --print-architecture)
deb="$out/tarifador_${version}_${arch}.deb"
simdeb="$out/tarifador-sim_${version}_${arch}.deb"
CONF=/etc/tarifador/tarifador.json
DATA=/var/lib/tarifador
step() { echo "== check-deb: $*"; }
fail() {
  echo "check-deb: FAIL: $*" >&2
  exit 1
}
for f in "$deb" "$simdeb"; do
  [ -f "$f" ] || fail "$f missing: run scripts/build-deb.sh first"
done
if [ -z "${FORCE:-}" ] && { dpkg-query -W -f='${Status}' tarifador 2>/dev/null | grep -q installed || [ -e "$DATA" ]; }; then
  fail "tarifador is installed or $DATA exists here; this check purges both (FORCE=1 to accept)"
fi

step "lintian"
# --fail-on error: warnings are reported, not fatal; every accepted one has an override with its reason.
lintian --fail-on error --display-info "$deb" "$simdeb"

step "dpkg -i"
$SUDO env DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" "$simdeb"
getent passwd tarifador >/dev/null || fail "no user tarifador after install"
[ "$(stat -c '%U:%G %a' "$DATA")" = "tarifador:tarifador 750" ] || fail "$DATA: $(stat -c '%U:%G %a' "$DATA")"
[ "$(stat -c '%U:%G %a' "$CONF")" = "root:tarifador 640" ] || fail "$CONF: $(stat -c '%U:%G %a' "$CONF")"

step "systemd-analyze verify"
unit=$(dpkg -L tarifador | grep '/systemd/system/tarifador.service$')
systemd-analyze verify "$unit"

step "tarifador version / tarifador-sim --help"
tarifador version
tarifador-sim --help >/dev/null

step "as the user tarifador: config show, first admin, check"
$SUDO runuser -u tarifador -- tarifador config show --config "$CONF" >/dev/null
printf 'check-deb-%s\n' "$RANDOM$RANDOM$RANDOM" |
  $SUDO runuser -u tarifador -- tarifador user add admin --role admin --config "$CONF"
$SUDO runuser -u tarifador -- tarifador check --config "$CONF" >/dev/null
[ -f "$DATA/tarifador.db" ] || fail "no store in $DATA"

if [ "$(ps -p 1 -o comm= 2>/dev/null)" = "systemd" ]; then
  step "systemctl start tarifador"
  $SUDO systemctl start tarifador
  listen=127.0.0.1:8080
  for _ in $(seq 1 50); do
    curl -fsS "http://$listen/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fsS "http://$listen/healthz" >/dev/null || fail "no /healthz on $listen: $(journalctl -u tarifador -n 20 --no-pager)"
  systemctl is-active --quiet tarifador || fail "tarifador.service is not active"
  $SUDO systemctl stop tarifador
else
  step "SKIPPED: starting the service (systemd is not PID 1 here)"
fi

step "upgrade (reinstall) keeps data and config"
$SUDO sed -i 's/"log_level": "info"/"log_level": "warning"/' "$CONF"
db_before=$(stat -c '%s %Y' "$DATA/tarifador.db")
$SUDO env DEBIAN_FRONTEND=noninteractive dpkg --force-confold -i "$deb" "$simdeb"
grep -q '"log_level": "warning"' "$CONF" || fail "the upgrade replaced the edited $CONF"
[ "$(stat -c '%s %Y' "$DATA/tarifador.db")" = "$db_before" ] || fail "the upgrade changed $DATA/tarifador.db"
$SUDO runuser -u tarifador -- tarifador check --config "$CONF" >/dev/null

step "dpkg --purge"
$SUDO dpkg --purge tarifador tarifador-sim
[ ! -e /etc/tarifador ] || fail "/etc/tarifador left after purge"
[ ! -e "$DATA" ] || fail "$DATA left after purge"
! getent passwd tarifador >/dev/null || fail "user tarifador left after purge"
! getent group tarifador >/dev/null || fail "group tarifador left after purge"
[ ! -e /usr/bin/tarifador ] || fail "/usr/bin/tarifador left after purge"

step "all checks passed"
