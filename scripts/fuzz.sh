#!/usr/bin/env bash
# Runs each libFuzzer target for a while, as many at once as there are
# cores, from the sanitizer tree that scripts/test.sh builds (build-asan/:
# clang-14, ASan+UBSan, libFuzzer coverage on every library); configures and
# builds the targets there first when needed.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30)
# A crash, leak or sanitizer report fails the script; the input that caused it
# is left in fuzz-artifacts/ and the target's output is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
dir=${ASAN_BUILD_DIR:-build-asan}
targets=$(cd tests/fuzz && ls ./*_fuzz.cpp | sed 's|^\./||; s/\.cpp$//')
if [ ! -f "$dir/CMakeCache.txt" ]; then
  scripts/install-deps.sh --test
  # shellcheck source=scripts/lib/build.sh
  . scripts/lib/build.sh
  configure_sanitize "$dir" -DTARIFADOR_TESTS=ON >/dev/null
fi
# shellcheck disable=SC2086
cmake --build "$dir" -j"$(nproc)" --target $targets
mkdir -p fuzz-artifacts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run_one() {
  local t=$1 corpus="tests/fuzz/corpus/${1%_fuzz}"
  mkdir -p "$work/$t"
  [ -d "$corpus" ] && cp -r "$corpus"/. "$work/$t"/
  local rc=0
  "$dir/tests/fuzz/$t" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix=fuzz-artifacts/ \
    "$work/$t" >"$work/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$work/$t.rc"
}
running=0
for t in $targets; do
  echo "fuzzing $t for ${secs}s"
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$(nproc)" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
status=0
for t in $targets; do
  if [ "$(cat "$work/$t.rc")" != 0 ] || grep -qE "ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:" "$work/$t.log"; then
    cat "$work/$t.log"
    status=1
  else
    echo "$t: $(grep -E "^stat::number_of_executed_runs" "$work/$t.log" | tr -s ' ') in ${secs}s, no finding"
  fi
done
[ "$status" -eq 0 ] || echo "fuzz.sh: FAIL: a target found a crash (inputs in fuzz-artifacts/)" >&2
exit "$status"
