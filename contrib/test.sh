#!/usr/bin/env bash
# Sets up and runs the whole test suite: Check unit suites and black-box
# HTTP tests against the real erpd. ERP_SANITIZE=1 builds and runs it all
# under AddressSanitizer and UndefinedBehaviorSanitizer instead.
set -euo pipefail
cd "$(dirname "$0")/.."

contrib/deps.sh
dir=build
flags=(-DERP_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${ERP_SANITIZE:-0}" = 1 ]; then
	dir=build-asan
	flags+=(-DERP_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
ctest --test-dir "$dir" --output-on-failure -j2
