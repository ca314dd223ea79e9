#!/bin/sh
# bench/http.sh: erpd's GET /healthz against a bare civetweb handler
# (bench_hello) under the same wrk load; prints both and the ratio.
# Usage: bench/http.sh   (env: DURATION=10 seconds per measured run,
#        ROUNDS=1 alternating rounds, CONNECTIONS=64, THREADS=128 server
#        workers, WRK_THREADS=2)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-128}
WRK_THREADS=${WRK_THREADS:-2}

if [ "$THREADS" -lt "$CONNECTIONS" ]; then
	echo "http.sh: THREADS ($THREADS) must be >= CONNECTIONS ($CONNECTIONS)" >&2
	exit 2
fi

. "$ROOT/bench/lib.sh"
need_wrk

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

# load PORT SECONDS [wrk options]: wrk against PORT's /healthz.
load() {
	port=$1 secs=$2
	shift 2
	wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${secs}s" "$@" \
		"http://127.0.0.1:$port/healthz"
}
# alive: both servers still run (Ctrl-C reaches them too, and a shell
# defers its own trap while wrk, which catches SIGINT, finishes).
alive() {
	kill -0 "$ERPD_PID" 2>/dev/null && kill -0 "$HELLO_PID" 2>/dev/null
}
# run NAME PORT ROUND: one measured run into NAME.ROUND.out.
run() {
	load "$2" "$DURATION" --latency >"$TMP/$1.$3.out"
	alive || { echo "http.sh: a server stopped; giving up" >&2; exit 1; }
}
# mean NAME: mean requests/s over the rounds.
mean() {
	cat "$TMP/$1".*.out | awk '/^Requests\/sec:/ { s += $2; n++ }
		END { printf "%.0f\n", n ? s / n : 0 }'
}
# summary NAME LABEL: mean requests/s, worst p99, errors over the rounds.
summary() {
	cat "$TMP/$1".*.out | awk -v name="$2" -v rps="$(mean "$1")" '
	$1 == "99%" {
		v = $2 + 0
		if ($2 ~ /us$/) v /= 1000
		else if ($2 ~ /ms$/) v += 0
		else if ($2 ~ /s$/) v *= 1000
		if (v > p99) p99 = v
	}
	/Non-2xx|Socket errors/ { sub(/^ +/, ""); err = err "   " $0 }
	END { printf "%-12s %10d req/s   p99 %7.2f ms%s\n", name, rps, p99,
		err }'
}

# Warm both up, then alternate the order round by round so that neither
# server always runs first.
load "$HELLO_PORT" 2 >/dev/null
load "$ERPD_PORT" 2 >/dev/null
alive || { echo "http.sh: a server stopped; giving up" >&2; exit 1; }
i=1
while [ "$i" -le "$ROUNDS" ]; do
	if [ $((i % 2)) -eq 1 ]; then
		run hello "$HELLO_PORT" "$i"
		run erpd "$ERPD_PORT" "$i"
	else
		run erpd "$ERPD_PORT" "$i"
		run hello "$HELLO_PORT" "$i"
	fi
	i=$((i + 1))
done

echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s GET /healthz," \
	"$ROUNDS round(s); $THREADS server threads; $(nproc) cores"
summary hello bench_hello
summary erpd erpd
awk -v e="$(mean erpd)" -v h="$(mean hello)" 'BEGIN {
	printf "erpd/hello   %10.1f %%   (target >= 80 %%)\n",
		(h > 0) ? 100 * e / h : 0
}'
