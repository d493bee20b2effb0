#!/usr/bin/env bash
# Builds the Debian packages (README's packaging command) from the working
# tree: tarifador_VERSION_ARCH.deb and tarifador-sim_VERSION_ARCH.deb in
# build-deb/ (OUT_DIR=... to change). The sources are copied to a fixed path
# (build-deb/tarifador-VERSION) next to packaging/deb/debian, then
# dpkg-buildpackage builds the binary packages there with every core, only the
# two programs (no tests: CI runs them with scripts/test.sh, so
# DEB_BUILD_OPTIONS=nocheck) and ccache when installed: the fixed path keeps
# the compiler command lines identical, so a rebuild reuses the cache.
# Needs the packages scripts/install-deps.sh installs; no root.
#   scripts/build-deb.sh            build, print the .deb paths
#   NO_CCACHE=1 scripts/build-deb.sh  without ccache
#   DEBUG_SYMBOLS=1 scripts/build-deb.sh  also the -dbgsym packages
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${OUT_DIR:-build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(dpkg-parsechangelog -l packaging/deb/debian/changelog -S Version)
src="$out/tarifador-$version"
t0=$(date +%s)

rm -rf "$src"
rm -f "$out"/tarifador*_"$version"_*.deb "$out"/tarifador*_"$version"_*.ddeb "$out"/tarifador_"$version"_*.changes "$out"/tarifador_"$version"_*.buildinfo
mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and new (not ignored) files: what `cmake -S .` would build, minus
  # build directories and other ignored output.
  git ls-files -z --cached --others --exclude-standard |
    tar --null --files-from=- --ignore-failed-read -cf - | tar -xf - -C "$src"
  # Lets CMake record the git revision that `tarifador version` prints.
  ln -s "$root/.git" "$src/.git"
else
  tar --exclude='./build*' --exclude=./.git -cf - . | tar -xf - -C "$src"
fi
rm -rf "$src/debian"
cp -a packaging/deb/debian "$src/debian"

jobs=$(nproc)
# noddebs: no -dbgsym packages (compressing tarifador's 30 MB of debug info
# takes minutes); DEBUG_SYMBOLS=1 builds them.
ddebs=noddebs
if [ -n "${DEBUG_SYMBOLS:-}" ]; then ddebs=""; fi
export DEB_BUILD_OPTIONS="nocheck $ddebs parallel=$jobs ${DEB_BUILD_OPTIONS:-}"
export DEB_BUILD_PROFILES="nocheck ${DEB_BUILD_PROFILES:-}"
if [ -z "${NO_CCACHE:-}" ] && command -v ccache >/dev/null; then
  # An explicit CCACHE_DIR: debhelper 13 points HOME at a temporary
  # directory inside the build tree, which would take the cache with it.
  export TARIFADOR_CCACHE=1 CCACHE_BASEDIR="$src" CCACHE_NOHASHDIR=1
  export CCACHE_DIR="${CCACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ccache}"
fi
(cd "$src" && dpkg-buildpackage -b -us -uc)

echo "build-deb: $(($(date +%s) - t0))s; packages in $out:" >&2
ls -1 "$out"/tarifador*_"$version"_*.deb
