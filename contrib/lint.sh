#!/usr/bin/env bash
# Static analysis as CI runs it, over core/ and modules/; any finding fails:
#  - cppcheck (options below),
#  - clang-tidy with the checks in .clang-tidy,
#  - GCC's -fanalyzer on a whole build (with -Werror).
# Suppressions live next to the code they excuse (cppcheck-suppress or
# NOLINT, each with its reason), never here.
set -euo pipefail
cd "$(dirname "$0")/.."

contrib/deps.sh cppcheck clang-tidy clang
out=${ERP_LINT_DIR:-build-lint}
jobs=$(nproc)

# a compile database (and the generated migration sources it names)
cmake -S . -B "$out/db" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DERP_TESTS=OFF \
	>/dev/null
cmake --build "$out/db" -j"$jobs" >/dev/null

echo "lint: cppcheck" >&2
cppcheck --project="$out/db/compile_commands.json" -i"$out" \
	--enable=warning,performance,portability --inline-suppr \
	--suppress=missingIncludeSystem --error-exitcode=1 --quiet -j"$jobs" \
	--include=/usr/include/cjson/cJSON.h	# its iteration macros

echo "lint: clang-tidy" >&2
run-clang-tidy -p "$out/db" -quiet -j"$jobs" \
	"^$PWD/(core|modules)/.*\\.c\$" >"$out/clang-tidy.log" 2>&1 || {
	grep -E "warning:|error:" "$out/clang-tidy.log" >&2 ||
		tail -n 40 "$out/clang-tidy.log" >&2
	exit 1
}

echo "lint: gcc -fanalyzer" >&2
cmake -S . -B "$out/analyzer" -DERP_TESTS=OFF -DERP_WERROR=ON \
	-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS=-fanalyzer >/dev/null
cmake --build "$out/analyzer" -j"$jobs" >"$out/analyzer.log" 2>&1 || {
	grep -E -A12 'warning:|error:' "$out/analyzer.log" >&2
	exit 1
}
echo "lint: clean" >&2
