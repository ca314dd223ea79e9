#!/usr/bin/env bash
# The module template built out of tree against an installed erpd and
# tested with the test kit installed with it (STYLE A1, A8): installs the
# build in $1 (default build) into a throw-away prefix, builds
# contrib/module-template there and runs its tests next to the shipped
# modules, then lints the API document that includes notes
# (tests/contract/lint.sh). .ci/run and ctest (template.test_notes) both
# call it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/erpd" >/dev/null
# the template must find erp/module.h, ErpModule.cmake and the kit in the
# prefix, never in this source tree
test -f "$tmp/erpd/share/erpd/testkit/erpd_testkit.py"
cmake -S contrib/module-template -B "$tmp/notes" \
	-DCMAKE_PREFIX_PATH="$tmp/erpd" -DCMAKE_C_FLAGS=-Werror >/dev/null
cmake --build "$tmp/notes"
grep -qx "ERPD_INCLUDE_DIR:PATH=$tmp/erpd/include" "$tmp/notes/CMakeCache.txt"
# notes.so next to the installed modules: it loads, and its routes answer
# (the installed erpd's defaults are CMAKE_INSTALL_PREFIX's, not $tmp)
env -u ERPD_TESTKIT -u PYTHONPATH ERPD_BIN="$tmp/erpd/bin/erpd" \
	NOTES_SO="$tmp/notes/notes.so" \
	ERPD_EXTRA_MODULES="$tmp/erpd/lib/erpd/modules" \
	ERP_POLICIES_DIR="$tmp/erpd/share/erpd/policies" \
	python3 -B contrib/module-template/tests/test_notes.py
# the API document with notes in it passes the same lint as erpd's own
mkdir "$tmp/mods"
cp "$tmp/notes/notes.so" "$tmp/erpd/lib/erpd/modules"/*.so "$tmp/mods/"
ERP_MODULES_DIR="$tmp/mods" ERP_POLICIES_DIR="$tmp/erpd/share/erpd/policies" \
	"$tmp/erpd/bin/erpd" openapi >"$tmp/notes-doc.json"
grep -q '"/api/v1/orgs/{org}/notes"' "$tmp/notes-doc.json"
tests/contract/lint.sh "$tmp/notes-doc.json"
