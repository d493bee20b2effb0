#!/usr/bin/env bash
# The whole test suite (README's test command): builds tarifador with -Werror and
# every test, then runs them all with CTest (unit, slow, integration).
#   scripts/test.sh             Release build in build/, every test
#   scripts/test.sh --sanitize  ASan+UBSan build in build-asan/, the unit tests
# Both are unity builds (docs/PERFORMANCE.md "Build time": about half the
# compile CPU time); UNITY_BUILD=OFF scripts/test.sh builds file by file.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
unity=${UNITY_BUILD:-ON}
if [ "${1:-}" = "--sanitize" ]; then
  dir=${BUILD_DIR:-build-asan}
  # -O1 -g1: what the sanitizers need for useful reports, at half the compile time of -O2 -g.
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DTARIFADOR_WERROR=ON \
    -DTARIFADOR_SANITIZE=ON -DTARIFADOR_BENCH=OFF -DTARIFADOR_UNITY_BUILD="$unity"
  cmake --build "$dir" -j"$jobs"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir "$dir" -j"$jobs" -L unit --timeout 300 --output-on-failure
else
  dir=${BUILD_DIR:-build}
  # The web UI's browser test drives Debian's chromium with playwright-core,
  # pinned in tests/e2e/package-lock.json (no browser download).
  if command -v npm >/dev/null && [ ! -d tests/e2e/node_modules ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund)
  fi
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DTARIFADOR_WERROR=ON -DTARIFADOR_UNITY_BUILD="$unity"
  cmake --build "$dir" -j"$jobs"
  ctest --test-dir "$dir" -j"$jobs" --timeout 300 --output-on-failure
fi
