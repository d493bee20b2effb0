#!/usr/bin/env bash
# README's first command: installs the build dependencies (Debian 12), builds
# tarifador and starts `tarifador demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTARIFADOR_TESTS=OFF
cmake --build build -j"$(nproc)"
exec build/tarifador demo "$@"
