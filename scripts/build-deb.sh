#!/usr/bin/env bash
# Builds the Debian packages (README's packaging command):
# tarifador_VERSION_ARCH.deb and tarifador-sim_VERSION_ARCH.deb in build-deb/
# (OUT_DIR=... to change), from the programs of build/, the Release tree that
# scripts/test.sh builds and tests (same Debian hardening flags), so the
# binary that ships is the binary the tests ran. build/ is configured and the
# two programs are brought up to date first (BUILD_DIR=... for another tree).
# The sources are copied to build-deb/tarifador-VERSION next to
# packaging/deb/debian and dpkg-buildpackage runs there with
# TARIFADOR_PREBUILT pointing at the tree (debian/rules says how).
# Needs the packages `scripts/install-deps.sh --ci` installs; no root.
#   scripts/build-deb.sh            build, print the .deb paths
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${OUT_DIR:-build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(dpkg-parsechangelog -l packaging/deb/debian/changelog -S Version)
src="$out/tarifador-$version"
tree=${BUILD_DIR:-build}
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

# The tested tree: configured like scripts/test.sh does (tests stay as they
# are; a tree configured here first gets none), the two programs up to date.
# shellcheck source=scripts/lib/build.sh
. scripts/lib/build.sh
if [ -f "$tree/CMakeCache.txt" ]; then
  configure_release "$tree" >/dev/null
else
  configure_release "$tree" -DTARIFADOR_TESTS=OFF >/dev/null
fi
cmake --build "$tree" -j"$(nproc)" --target tarifador tarifador-sim
tree=$(cd "$tree" && pwd)

# No -dbgsym packages: the tree has no debug info (no -g).
export DEB_BUILD_OPTIONS="nocheck noddebs ${DEB_BUILD_OPTIONS:-}"
export DEB_BUILD_PROFILES="nocheck ${DEB_BUILD_PROFILES:-}"
(cd "$src" && TARIFADOR_PREBUILT="$tree" dpkg-buildpackage -b -us -uc)

echo "build-deb: $(($(date +%s) - t0))s; packages in $out:" >&2
ls -1 "$out"/tarifador*_"$version"_*.deb
