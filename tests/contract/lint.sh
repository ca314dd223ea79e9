#!/usr/bin/env bash
# Lints API documents with Redocly CLI and tests/contract/redocly.yaml.
# The CLI comes from the npm registry at a pinned version, installed once
# into a cache directory (ERP_NPM_CACHE, default ~/.cache/erpd/npm).
# Usage: lint.sh DOC.json ...        (exit 1 on any error or warning)
#        lint.sh --erpd ERPD         (lints `ERPD openapi`)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=2.77.0
cache=${ERP_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/erpd/npm}
prefix=$cache/redocly-$version
bin=$prefix/node_modules/.bin/redocly

if [ ! -x "$bin" ]; then
	command -v npm >/dev/null || { echo "lint.sh: npm is required" >&2; exit 1; }
	mkdir -p "$prefix"
	npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
		"@redocly/cli@$version" >&2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
docs=()
if [ "${1:-}" = --erpd ]; then
	"$2" openapi >"$tmp/erpd.json"
	docs=("$tmp/erpd.json")
else
	docs=("$@")
fi
# no telemetry, no update check: the test talks to nothing but npm
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	"$bin" lint --config "$here/redocly.yaml" --format stylish "${docs[@]}"
