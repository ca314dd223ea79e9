#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz/ (or
# $ERP_FUZZ_DIR) and runs each for SECONDS (default 30, CI's short run;
# give hours for a long one), one after the other. Seeds come from fuzz/corpus/<target> (read-only);
# what a run learns stays in build-fuzz/corpus/<target> for the next run.
# A crash stops the script with its input in build-fuzz/crashes/<target>/:
# fix it, then add that input to fuzz/corpus/<target>/ (the corpus is
# replayed by every run, so it stays fixed).
#
#   contrib/fuzz.sh [-t SECONDS] [-j JOBS] [TARGET...]
#   targets: json route jwt multipart schema (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

out=${ERP_FUZZ_DIR:-build-fuzz}	# build, learned corpus, crashes, logs
secs=30
jobs=1
while getopts t:j: opt; do
	case $opt in
	t) secs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) echo "usage: $0 [-t SECONDS] [-j JOBS] [TARGET...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json route jwt multipart schema)

contrib/deps.sh clang libfuzzer-14-dev
CC=clang cmake -S . -B "$out" -DERP_FUZZ=ON -DERP_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" -j"$(nproc)" >/dev/null

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in "${targets[@]}"; do
	bin=$out/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "no such target: $t" >&2; exit 2; }
	mkdir -p "$out/corpus/$t" "$out/crashes/$t"
	echo "fuzz_$t: ${secs}s" >&2
	par=()	# libFuzzer forks (and logs to fuzz-N.log) only for -jobs
	[ "$jobs" -le 1 ] || par=(-jobs="$jobs" -workers="$jobs")
	# new inputs go to the first directory; the seeds are only read
	"$bin" -max_total_time="$secs" "${par[@]}" \
		-max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/crashes/$t/" \
		"$out/corpus/$t" "fuzz/corpus/$t" \
		2>"$out/fuzz_$t.log" || {
		tail -n 60 "$out/fuzz_$t.log" >&2
		echo "fuzz_$t: crash, input in $out/crashes/$t/" >&2
		exit 1
	}
	grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec)' \
		"$out/fuzz_$t.log" >&2 || true
done
