#!/bin/sh
# bench/instructions.sh: two erpd builds compared by the instructions one
# request costs, counted by valgrind's callgrind (user space, every thread
# of the server, the libraries included) over DURATION seconds of one wrk
# connection, on the authenticated product read, the audited product create
# and the audited one-field update. Counts do not move with the machine's
# load the way requests/s do, so a few per cent between two builds shows.
# Usage: bench/instructions.sh BEFORE_BUILD AFTER_BUILD  (build dirs holding
#        erpd and modules/)   env: DURATION=10
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
[ $# -eq 2 ] || { echo "usage: bench/instructions.sh BEFORE_BUILD" \
    "AFTER_BUILD" >&2; exit 2; }
. "$ROOT/bench/lib.sh"
need_wrk
need valgrind valgrind
bench_tmpdir
bench_create_lua "$TMP/create.lua"
cat >"$TMP/update.lua" <<'LUA'
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local n = 0
request = function()
	n = n + 1
	return wrk.format(nil, nil, nil, '{"price_cents":' .. n .. '}')
end
LUA
printf 'wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")\n' \
    >"$TMP/read.lua"

# count NAME BUILD KIND: instructions per request of KIND on BUILD's erpd,
# started under callgrind with instrumentation off until the measured run
count() {
	port=$(free_port)
	mkdir "$TMP/$1"
	# valgrind runs at most 500 threads; one connection needs few
	ERP_LISTEN="127.0.0.1:$port" ERP_THREADS=64 ERP_DATA_DIR="$TMP/$1" \
	    ERP_MODULES_DIR="$2/modules" ERP_LOGIN_RATE=1000/minute \
	    valgrind --tool=callgrind --instr-atstart=no \
	    --callgrind-out-file="$TMP/$1.cg" "$2/erpd" serve \
	    >/dev/null 2>&1 &
	echo $! >"$TMP/$1.pid"
	# under valgrind start-up and the first login take seconds
	python3 - "http://127.0.0.1:$port/healthz" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2)
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit("bench: erpd under valgrind did not answer within 120 s")
PY
	set -- "$@" $(bench_setup "$port" "$TMP/$1")
	base="http://127.0.0.1:$port/api/v1/orgs/$5/products"
	url=$base/1
	[ "$3" = create ] && url=$base
	export TOKEN="$4"
	# RUN tells the creates' SKUs of the warm-up and the run apart
	RUN=1 wrk -t1 -c1 -d2s -s "$TMP/$3.lua" "$url" >/dev/null
	callgrind_control -i on "$(cat "$TMP/$1.pid")" >/dev/null 2>&1
	RUN=2 wrk -t1 -c1 -d"${DURATION}s" -s "$TMP/$3.lua" "$url" \
	    >"$TMP/$1.out"
	callgrind_control -i off "$(cat "$TMP/$1.pid")" >/dev/null 2>&1
	callgrind_control -d "$(cat "$TMP/$1.pid")" >/dev/null 2>&1
	kill "$(cat "$TMP/$1.pid")"
	if grep -q 'Non-2xx' "$TMP/$1.out"; then
		echo "instructions.sh: errors from $1:" >&2
		cat "$TMP/$1.out" >&2
		exit 1
	fi
	n=$(awk '/ requests in / { print $1 }' "$TMP/$1.out")
	callgrind_annotate "$TMP/$1.cg.1" 2>/dev/null | awk -v n="$n" '
	    /PROGRAM TOTALS/ { gsub(",", "", $1); printf "%.0f", $1 / n }'
}

echo "callgrind, wrk -t1 -c1 -d${DURATION}s per figure"
echo "before: $1"
echo "after:  $2"
for k in read create update; do
	b=$(count "before_$k" "$1" "$k")
	a=$(count "after_$k" "$2" "$k")
	awk -v k="$k" -v b="$b" -v a="$a" 'BEGIN {
		f = "%-6s before %8d  after %8d per request  after / before %.3f\n"
		printf f, k, b, a, b ? a / b : 0 }'
done
