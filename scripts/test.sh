#!/usr/bin/env bash
# README's test command: installs what the whole suite needs (Debian 12
# packages, with sudo when not root), builds two trees at once and runs every
# test, each once, where it tells the most:
#   build-asan/  clang-14 with ASan+UBSan (and libFuzzer coverage, so the fuzz
#                targets of scripts/fuzz.sh come from the same objects): the
#                unit tests, slow cases included
#   build/       GCC Release with -Werror and Debian's hardening flags, the
#                tree scripts/build-deb.sh packages: the architecture check,
#                the integration tests (PostgreSQL mirror included), the web
#                UI in headless Chromium, the benchmarks in --quick mode,
#                all against the binary that ships
# It always builds what it runs (no stale test binaries) and fails when no
# test ran. With CI=true a test that skips (a missing browser, PostgreSQL
# server or ../shared/fixtures) fails the run.
#   scripts/test.sh                 build both trees, run everything
#   scripts/test.sh --build-only    configure and build, run nothing
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=""
for a in "$@"; do
  case "$a" in
    --build-only) build_only=1 ;;
    *)
      echo "usage: scripts/test.sh [--build-only]" >&2
      exit 2
      ;;
  esac
done
jobs=$(nproc)
t0=$(date +%s)
elapsed() { echo "$(($(date +%s) - t0)) s"; }
scripts/install-deps.sh --test
# shellcheck source=scripts/lib/build.sh
. scripts/lib/build.sh
asan=${ASAN_BUILD_DIR:-build-asan}
release=${BUILD_DIR:-build}
configure_sanitize "$asan" -DTARIFADOR_TESTS=ON >/dev/null
configure_release "$release" -DTARIFADOR_TESTS=ON -DTARIFADOR_UNIT_TESTS=OFF -DTARIFADOR_BENCH=ON >/dev/null

# Both trees at once: one's links and test discovery fill the other's gaps.
asan_log="$asan/test-sh-build.log"
cmake --build "$asan" -j"$jobs" >"$asan_log" 2>&1 &
asan_pid=$!
release_status=0
cmake --build "$release" -j"$jobs" || release_status=$?
asan_status=0
wait "$asan_pid" || asan_status=$?
if [ "$asan_status" -ne 0 ]; then
  cat "$asan_log" >&2
  echo "test.sh: FAIL: building $asan" >&2
  exit 1
fi
[ "$release_status" -eq 0 ] || {
  echo "test.sh: FAIL: building $release" >&2
  exit 1
}
echo "test.sh: $asan and $release built after $(elapsed)" >&2
[ -z "$build_only" ] || exit 0

log=$(mktemp)
release_log=$(mktemp)
trap 'rm -f "$log" "$release_log"' EXIT
# The two test runs go side by side: the unit tests keep both cores busy,
# while the Release binary's tests mostly wait on processes, sockets and the
# browser (docs/PERFORMANCE.md "Build time"). The Release run's output is
# shown when it is over.
echo "test.sh: architecture, integration, browser and benchmark tests of the Release binary ($release), in the background" >&2
ctest --test-dir "$release" -j"$jobs" --timeout 300 --output-on-failure --no-tests=error >"$release_log" 2>&1 &
release_pid=$!
status=0
echo "test.sh: unit tests under ASan+UBSan ($asan)" >&2
(
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  ctest --test-dir "$asan" -j"$jobs" -L unit --timeout 300 --output-on-failure --no-tests=error
) 2>&1 | tee "$log" || status=$?
wait "$release_pid" || status=1
echo "test.sh: the Release binary's tests ($release), done after $(elapsed):" >&2
cat "$release_log"
cat "$release_log" >>"$log"
if [ "${CI:-}" = "true" ] && grep -q "(Skipped)" "$log"; then
  echo "test.sh: FAIL: tests were skipped, and CI=true allows no skip (their output says what is missing):" >&2
  grep "(Skipped)" "$log" >&2
  status=1
fi
# One closing line for both runs: "test.sh: N passed, M failed", counting
# each Catch2 case of a unit shard ("http 3/9 (14 cases)") and each other test
# once; a failing shard counts once, and its output names the failing case.
passed=0
failed=0
skipped=0
while read -r line; do
  if [[ "$line" =~ Skipped ]]; then
    skipped=$((skipped + 1))
  elif [[ "$line" =~ \ Passed\ + ]]; then
    if [[ "$line" =~ \(([0-9]+)\ cases\) ]]; then
      passed=$((passed + BASH_REMATCH[1]))
    else
      passed=$((passed + 1))
    fi
  else
    failed=$((failed + 1))
  fi
done < <(grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ' "$log")
echo "test.sh: $(elapsed) in all"
if [ "$skipped" -gt 0 ]; then echo "test.sh: $passed passed, $failed failed, $skipped skipped"; else echo "test.sh: $passed passed, $failed failed"; fi
if [ "$passed" -eq 0 ]; then
  echo "test.sh: FAIL: no test ran" >&2
  status=1
fi
exit "$status"
