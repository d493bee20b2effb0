#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 and runs each for a while.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
dir=${BUILD_DIR:-build-fuzz}
CXX=clang++-14 cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTARIFADOR_FUZZ=ON \
  -DTARIFADOR_TESTS=ON -DTARIFADOR_BENCH=OFF
targets=$(cd tests/fuzz && ls *_fuzz.cpp | sed 's/\.cpp$//')
# shellcheck disable=SC2086
cmake --build "$dir" -j"$(nproc)" --target $targets
for t in $targets; do
  corpus="tests/fuzz/corpus/${t%_fuzz}"
  work=$(mktemp -d)
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
  echo "fuzzing $t for ${secs}s"
  "$dir/tests/fuzz/$t" -max_total_time="$secs" -print_final_stats=1 "$work" 2>&1 | tail -n 12
  rm -rf "$work"
done
