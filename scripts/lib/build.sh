# Sourced by scripts/demo.sh, scripts/test.sh and scripts/build-deb.sh: how a
# tree is configured, in one place, so that the tree README's test command
# builds and tests is the tree the Debian packages are made from.
# shellcheck shell=bash

# A tree configured by another generator (an older Makefile build/) is
# configured afresh: CMake refuses to switch generators in place.
fresh_if_other_generator() {
  local dir=$1 want=${TARIFADOR_GENERATOR[1]:-Unix Makefiles}
  if [ -f "$dir/CMakeCache.txt" ] && ! grep -qx "CMAKE_GENERATOR:INTERNAL=$want" "$dir/CMakeCache.txt"; then
    echo "build: $dir was configured for another generator; configuring it afresh" >&2
    rm -rf "$dir"
  fi
}

# configure_release DIR [CMAKE_ARGS...]: the Release tree (build/). Debian's
# hardening flags from dpkg-buildflags (what a package build would use; no -g,
# no debug package is built), -O2, Ninja and ccache where installed.
configure_release() {
  local dir=$1
  shift
  fresh_if_other_generator "$dir"
  local flags
  flags=$(DEB_BUILD_MAINT_OPTIONS="hardening=+all reproducible=-fixfilepath,-fixdebugpath" \
    DEB_CXXFLAGS_MAINT_STRIP="-g -O2" dpkg-buildflags --export=sh)
  (
    eval "$flags"
    # CMake reads CXXFLAGS and LDFLAGS from the environment on the first
    # configure only; passing them as cache values keeps every re-run equal.
    cmake -S . -B "$dir" "${TARIFADOR_GENERATOR[@]}" "${TARIFADOR_LAUNCHER[@]}" "${TARIFADOR_NO_PCH[@]}" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DCMAKE_CXX_FLAGS="$CPPFLAGS $CXXFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$LDFLAGS" \
      -DTARIFADOR_WERROR=ON -DTARIFADOR_UNITY_BUILD="${UNITY_BUILD:-ON}" "$@"
  )
}

# configure_sanitize DIR: one clang-14 tree with ASan+UBSan and libFuzzer's
# coverage (-fsanitize=fuzzer-no-link) on every library: it builds the unit
# tests and the fuzz targets from the same objects.
configure_sanitize() {
  local dir=$1
  shift
  fresh_if_other_generator "$dir"
  CXX=clang++-14 cmake -S . -B "$dir" "${TARIFADOR_GENERATOR[@]}" "${TARIFADOR_LAUNCHER[@]}" "${TARIFADOR_NO_PCH[@]}" \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
    -DTARIFADOR_SANITIZE=ON -DTARIFADOR_FUZZ=ON -DTARIFADOR_BENCH=OFF \
    -DTARIFADOR_UNITY_BUILD="${UNITY_BUILD:-ON}" "$@"
}

# Unity trees parse each heavy header once per batch anyway; precompiled
# headers would only cost a .gch per target and make every compile that uses
# one uncacheable for ccache ("could not use precompiled header").
TARIFADOR_NO_PCH=()
if [ "${UNITY_BUILD:-ON}" = ON ]; then TARIFADOR_NO_PCH=(-DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON); fi

TARIFADOR_GENERATOR=()
if command -v ninja >/dev/null; then TARIFADOR_GENERATOR=(-G Ninja); fi
TARIFADOR_LAUNCHER=()
if [ -z "${NO_CCACHE:-}" ] && command -v ccache >/dev/null; then
  TARIFADOR_LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths below the checkout are hashed relative to it, so a fresh clone in
  # another folder (CI) reuses what an earlier build compiled.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=1
fi
