#!/bin/sh
# bench/http.sh: erpd's GET /healthz against a bare civetweb handler
# (bench_hello) under the same wrk load; prints both and the ratio.
# Usage: bench/http.sh   (env: DURATION=10 seconds per measured run,
#        CONNECTIONS=64, THREADS=128 server workers, WRK_THREADS=2)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-128}
WRK_THREADS=${WRK_THREADS:-2}

if [ "$THREADS" -lt "$CONNECTIONS" ]; then
	echo "http.sh: THREADS ($THREADS) must be >= CONNECTIONS ($CONNECTIONS)" >&2
	exit 2
fi

if ! command -v wrk >/dev/null 2>&1; then
	echo "http.sh: installing wrk" >&2
	if [ "$(id -u)" -eq 0 ]; then
		apt-get install -y wrk >/dev/null || {
			apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
	else
		sudo apt-get install -y wrk >/dev/null
	fi
fi

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DERP_TESTS=OFF \
	>/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target erpd bench_hello >/dev/null

TMP=$(mktemp -d "${TMPDIR:-/tmp}/erpd-bench.XXXXXX")
ERPD_PID=
HELLO_PID=
cleanup() {
	for p in $ERPD_PID $HELLO_PID; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $ERPD_PID $HELLO_PID; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_up URL NAME: poll until URL answers 200, at most 15 s.
wait_up() {
	python3 - "$1" "$2" <<'PY'
import sys, time, urllib.request
url, name = sys.argv[1], sys.argv[2]
deadline = time.monotonic() + 15
while True:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            if r.status == 200:
                sys.exit(0)
    except Exception:
        pass
    if time.monotonic() > deadline:
        sys.exit("http.sh: %s did not answer %s within 15 s" % (name, url))
    time.sleep(0.1)
PY
}

ERPD_PORT=$(free_port)
HELLO_PORT=$(free_port)

mkdir "$TMP/data"
ERP_LISTEN="127.0.0.1:$ERPD_PORT" ERP_THREADS=$THREADS \
	ERP_DATA_DIR="$TMP/data" "$BUILD/erpd" serve >/dev/null 2>&1 &
ERPD_PID=$!
"$BUILD/bench_hello" "127.0.0.1:$HELLO_PORT" "$THREADS" >/dev/null 2>&1 &
HELLO_PID=$!

wait_up "http://127.0.0.1:$ERPD_PORT/healthz" erpd
wait_up "http://127.0.0.1:$HELLO_PORT/healthz" bench_hello

# run NAME PORT: a short warm-up, then the measured run; writes NAME.out.
run() {
	wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d2s \
		"http://127.0.0.1:$2/healthz" >/dev/null
	wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
		"http://127.0.0.1:$2/healthz" >"$TMP/$1.out"
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$TMP/$1.out"; }
p99() { awk '$1 == "99%" { print $2 }' "$TMP/$1.out"; }
errors() {
	awk '/Non-2xx|Socket errors/ { sub(/^ +/, ""); printf "%s; ", $0 }' \
		"$TMP/$1.out"
}

run hello "$HELLO_PORT"
run erpd "$ERPD_PORT"

echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s GET /healthz," \
	"$THREADS server threads, $(nproc) cores"
printf '%-12s %12s req/s   p99 %s   %s\n' bench_hello "$(rps hello)" \
	"$(p99 hello)" "$(errors hello)"
printf '%-12s %12s req/s   p99 %s   %s\n' erpd "$(rps erpd)" \
	"$(p99 erpd)" "$(errors erpd)"
awk -v e="$(rps erpd)" -v h="$(rps hello)" 'BEGIN {
	r = (h > 0) ? 100 * e / h : 0
	printf "erpd/hello   %11.1f %%   (target >= 80 %%)\n", r
}'
