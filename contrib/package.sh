#!/usr/bin/env bash
# Builds the Debian packages erpd and erpd-dev from this tree into
# build-deb/ (or $ERP_DEB_DIR), then runs lintian on them (errors fail).
# The tree's files (git's tracked and untracked-but-not-ignored ones) are
# copied to a scratch directory with contrib/debian/ as its debian/, so
# nothing is written next to the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."

contrib/deps.sh debhelper dpkg-dev lintian
out=${ERP_DEB_DIR:-build-deb}
src="$out/src"
rm -rf "$out"
mkdir -p "$src"

# the package's version is the project's
want=$(sed -n 's/^project(erpd VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
have=$(dpkg-parsechangelog -l contrib/debian/changelog -S Version)
if [ "$want" != "$have" ]; then
	echo "contrib/debian/changelog says $have, CMakeLists.txt $want" >&2
	exit 1
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -e "$f" ] && printf '%s\0' "$f"
		done | xargs -0 cp -a --parents -t "$src"
else
	tar -c --exclude='./build*' --exclude=./data . | tar -x -C "$src"
fi
rm -rf "$src/debian"
cp -a contrib/debian "$src/debian"

(cd "$src" && dpkg-buildpackage -b -us -uc -j"$(nproc)" >../build.log 2>&1) || {
	tail -n 40 "$out/build.log" >&2
	exit 1
}
rm -rf "$src"
ls "$out"/*.deb
lintian --fail-on error "$out"/*.changes
