#!/bin/sh
# bench/openapi.sh: GET /api/v1/openapi.json against a static file of the
# same bytes served from ERP_WWW_DIR by the same erpd, under the same wrk
# load, in alternating rounds; prints both and the ratio.
# Usage: bench/openapi.sh   (env: DURATION=5 seconds per run, ROUNDS=3,
#        CONNECTIONS=16, WRK_THREADS=2)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/build-bench"
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-16}
WRK_THREADS=${WRK_THREADS:-2}

. "$ROOT/bench/lib.sh"
need_wrk

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DERP_TESTS=OFF \
	>/dev/null
cmake --build "$BUILD" -j"$(nproc)" >/dev/null

TMP=$(mktemp -d "${TMPDIR:-/tmp}/erpd-bench.XXXXXX")
ERPD_PID=
cleanup() {
	[ -z "$ERPD_PID" ] || { kill -TERM "$ERPD_PID" 2>/dev/null || true
		wait "$ERPD_PID" 2>/dev/null || true; }
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the web UI plus the document's bytes as a static file
cp -r "$ROOT/www" "$TMP/www"
"$BUILD/erpd" openapi | tr -d '\n' >"$TMP/www/openapi-copy.json"
PORT=$(free_port)
mkdir "$TMP/data"
ERP_LISTEN="127.0.0.1:$PORT" ERP_DATA_DIR="$TMP/data" ERP_WWW_DIR="$TMP/www" \
	"$BUILD/erpd" serve >/dev/null 2>&1 &
ERPD_PID=$!
wait_up "http://127.0.0.1:$PORT/api/v1/openapi.json" erpd

# rps PATH: requests per second wrk measured on PATH.
rps() {
	wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" \
	    "http://127.0.0.1:$PORT$1" | awk '/^Requests\/sec/ { print $2 }'
}

bytes=$(wc -c <"$TMP/www/openapi-copy.json")
echo "document: $bytes bytes"
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	d=$(rps /api/v1/openapi.json)
	s=$(rps /openapi-copy.json)
	echo "round $((i + 1)): document $d req/s, static copy $s req/s," \
	    "ratio $(echo "$d $s" | awk '{ printf "%.2f", $1 / $2 }')"
	i=$((i + 1))
done
