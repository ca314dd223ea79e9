#!/bin/sh
# bench/connections.sh: the same speed and memory at 900 connections as at
# 32. wrk on the authenticated product read at 32, 64, 256 and 900
# keep-alive connections, erpd's RSS sampled from /proc during each run,
# and a bare civetweb handler (bench_hello) at 32 and 900 as the baseline,
# alternating in every round. Prints the issue's figures as ratios.
# Usage: bench/connections.sh   (env: DURATION=10, ROUNDS=1,
#        ERPD_BUILD=a build dir with erpd and modules/ to measure instead
#        of building build-bench/, e.g. an older commit's for "before")
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
. "$ROOT/bench/lib.sh"
bench_prepare

# wrk from 127.0.0.1 holds up to 900 connections: no per-address limit
bench_erpd 0
ERP_PORT=$PORT
HELLO_PORT=$(free_port)
"$BUILD/bench_hello" "127.0.0.1:$HELLO_PORT" 1024 >/dev/null 2>&1 &
echo $! >"$TMP/hello.pid"
wait_up "http://127.0.0.1:$HELLO_PORT/healthz" bench_hello
READ="http://127.0.0.1:$ERP_PORT/api/v1/orgs/$ORG/products/1"
HELLO="http://127.0.0.1:$HELLO_PORT/healthz"
IDLE_RSS=$(rss_kib "$(cat "$TMP/erpd.pid")")

# run NAME CONNS URL [wrk args]: one run into NAME.out, erpd's peak RSS
# (KiB) during it into NAME.rss
run() {
	name=$1 conns=$2 url=$3
	shift 3
	rss_sample "$(cat "$TMP/erpd.pid")" "$TMP/$name.rss" &
	sampler=$!
	wrk -t2 -c"$conns" -d"${DURATION}s" --timeout 5s --latency "$@" \
	    "$url" >"$TMP/$name.out"
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	if grep -q 'Non-2xx' "$TMP/$name.out"; then
		echo "connections.sh: errors in $name:" >&2
		cat "$TMP/$name.out" >&2
		exit 1
	fi
}

wrk -t2 -c32 -d2s -H "Authorization: Bearer $TOKEN" "$READ" >/dev/null
i=1
while [ "$i" -le "$ROUNDS" ]; do
	# the order turns every round, so no figure always sees a warm or a
	# cold machine first
	for c in 32 64 256 900; do
		if [ $((i % 2)) -eq 1 ]; then
			run "read$c.$i" "$c" "$READ" -H "Authorization: Bearer $TOKEN"
			case $c in 32|900) run "hello$c.$i" "$c" "$HELLO" ;; esac
		else
			case $c in 32|900) run "hello$c.$i" "$c" "$HELLO" ;; esac
			run "read$c.$i" "$c" "$READ" -H "Authorization: Bearer $TOKEN"
		fi
	done
	i=$((i + 1))
done

echo "wrk -t2 -d${DURATION}s, $ROUNDS round(s), $(nproc) cores;" \
	"erpd: $ERPD_BUILD/erpd, idle RSS $((IDLE_RSS / 1024)) MiB"
for c in 32 64 256 900; do
	printf 'product read  -c%-4s %8s req/s  p99 %9s  errors %5s  RSS %4s MiB\n' \
	    "$c" "$(rps "read$c")" "$(p99 "read$c")" "$(errors "read$c")" \
	    "$(peak_mib "read$c")"
done
for c in 32 900; do
	printf 'bare civetweb -c%-4s %8s req/s  p99 %9s\n' "$c" \
	    "$(rps "hello$c")" "$(p99 "hello$c")"
done
awk -v r32="$(rps read32)" -v r900="$(rps read900)" \
    -v h32="$(rps hello32)" -v p256="$(p99 read256)" \
    -v p64="$(p99 read64)" -v rss="$(peak_mib read900)" 'BEGIN {
	printf "read at 900 / at 32          %5.2f   (goal >= 0.8)\n",
	    r32 ? r900 / r32 : 0
	printf "p99 of the read at 256       %5.1f ms (goal < 20 ms)\n", p256
	printf "RSS during the 900 read      %5d MiB (goal < 96 MiB)\n", rss
	printf "read at 32 / bare civetweb   %5.2f   (goal >= 0.7)\n",
	    h32 ? r32 / h32 : 0
	printf "p99 of the read at 64        %5.1f ms (goal < 5 ms)\n", p64
}'
