#!/usr/bin/env bash
# Refreshes www/vendor/ from the npm registry with `npm pack`: Preact and
# its hooks, htm, and jsdiff's line diff, as the ES module files the web UI
# imports. Versions are pinned below; bump one, run this, read the diff,
# and update www/vendor/README.md. Needs npm (not at run time).
set -euo pipefail
cd "$(dirname "$0")/.."

PREACT=11.2.0
HTM=3.1.1
DIFF=9.0.0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "preact@$PREACT" "htm@$HTM" "diff@$DIFF" \
	>/dev/null)
for p in preact htm diff; do
	mkdir "$tmp/$p"
	tar xzf "$tmp/$p"-*.tgz -C "$tmp/$p"
done

out=www/vendor
rm -rf "$out/preact" "$out/htm" "$out/diff"
mkdir -p "$out/preact" "$out/htm" "$out/diff/diff" "$out/diff/util"

# No import map (it would be inline script, which the CSP forbids): the
# hooks' bare "preact" import becomes a relative one. Source maps are not
# shipped, so their comments go too.
strip_map() { sed '/^\/\/# sourceMappingURL=/d'; }
strip_map <"$tmp/preact/package/dist/preact.mjs" >"$out/preact/preact.mjs"
strip_map <"$tmp/preact/package/hooks/dist/hooks.mjs" |
	sed 's#from"preact"#from"./preact.mjs"#' >"$out/preact/hooks.mjs"
cp "$tmp/preact/package/LICENSE" "$out/preact/LICENSE"
strip_map <"$tmp/htm/package/dist/htm.module.js" >"$out/htm/htm.mjs"
cp "$tmp/htm/package/LICENSE" "$out/htm/LICENSE"
for f in diff/base.js diff/line.js util/params.js; do
	strip_map <"$tmp/diff/package/libesm/$f" >"$out/diff/$f"
done
cp "$tmp/diff/package/LICENSE" "$out/diff/LICENSE"

# every import must be relative now, or the browser cannot resolve it
if grep -rEn "(from|import) *[\"'][^./]" "$out" --include='*.mjs' \
	--include='*.js'; then
	echo "vendor-www: a bare import is left" >&2
	exit 1
fi
echo "vendored preact $PREACT, htm $HTM, diff $DIFF into $out"
