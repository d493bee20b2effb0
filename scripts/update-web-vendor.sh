#!/bin/sh
# Refreshes web-ui/vendor/ from the npm registry with `npm pack` of pinned
# versions (docs/WEB-UI.md). Run by a developer when bumping a version, and the
# result committed; the .deb and OpenWrt builds never run npm: they embed the
# committed files.
#
#   scripts/update-web-vendor.sh        # re-fetch the versions pinned below
#
# To bump a library, change its version here, run the script, check the UI
# (tests/e2e), and update the table in docs/WEB-UI.md.
set -eu

PREACT_VERSION=11.2.0
HTM_VERSION=3.1.1
UPLOT_VERSION=1.6.32

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/web-ui/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
for spec in "preact@$PREACT_VERSION" "htm@$HTM_VERSION" "uplot@$UPLOT_VERSION"; do
  name=${spec%@*}
  npm pack --silent "$spec" >/dev/null
  mkdir "$name"
  tar xzf "$name"-*.tgz -C "$name"
done

rm -rf "$out"
mkdir -p "$out"
# Source maps are not shipped: drop the comment that would make devtools ask for them.
strip_map() { sed -e '/^\/\/# sourceMappingURL=/d' "$1" > "$2"; }

strip_map preact/package/dist/preact.mjs "$out/preact.mjs"
# hooks imports the bare specifier "preact", which a browser cannot resolve
# without an import map (an inline script, which our CSP forbids): point it at
# the file next to it.
strip_map preact/package/hooks/dist/hooks.mjs "$work/hooks.mjs"
sed -e 's/from"preact"/from".\/preact.mjs"/g' "$work/hooks.mjs" > "$out/hooks.mjs"
grep -q 'from"./preact.mjs"' "$out/hooks.mjs" || { echo "hooks.mjs: import of preact not found" >&2; exit 1; }
cp preact/package/LICENSE "$out/LICENSE-preact.txt"

strip_map htm/package/dist/htm.module.js "$out/htm.mjs"
cp htm/package/LICENSE "$out/LICENSE-htm.txt"

cp uplot/package/dist/uPlot.iife.min.js "$out/uPlot.iife.min.js"
cp uplot/package/dist/uPlot.min.css "$out/uPlot.min.css"
cp uplot/package/LICENSE "$out/LICENSE-uplot.txt"

cat > "$out/VERSIONS.txt" <<VERSIONS
Fetched by scripts/update-web-vendor.sh with npm pack; do not edit by hand.
preact $PREACT_VERSION (dist/preact.mjs, hooks/dist/hooks.mjs; hooks' import of "preact" rewritten to ./preact.mjs)
htm $HTM_VERSION (dist/htm.module.js)
uplot $UPLOT_VERSION (dist/uPlot.iife.min.js, dist/uPlot.min.css)
VERSIONS
echo "web-ui/vendor refreshed:" >&2
ls -l "$out" >&2
