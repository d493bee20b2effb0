#!/usr/bin/env bash
# README's first command: installs what the demo needs (Debian 12 packages,
# with sudo when not root), builds tarifador in build/ and starts
# `tarifador demo` on http://127.0.0.1:8080 (arguments go to the demo:
# scripts/demo.sh --listen 0.0.0.0:8080 to open it to the LAN).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --demo
# shellcheck source=scripts/lib/build.sh
. scripts/lib/build.sh
# The same tree and flags as scripts/test.sh, without the tests (Catch2 and
# the browser are not needed to run the demo); test.sh turns them back on.
configure_release build -DTARIFADOR_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target tarifador tarifador-sim
exec build/tarifador demo "$@"
