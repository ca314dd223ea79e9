#!/bin/sh
# bench/ab.sh: two erpd builds side by side on the authenticated product
# read, the audited product create and the audited product update (PATCH
# of one field: the would-be record, the decision on it, old and new
# values in the audit), alternating in every round so both see the same
# machine; prints each one's mean req/s, worst p99 and server CPU time
# per request, and AFTER / BEFORE of req/s and of CPU per request.
# Usage: bench/ab.sh BEFORE_BUILD AFTER_BUILD   (build dirs holding erpd
#        and modules/, e.g. Release builds of two commits)
#        env: DURATION=10, ROUNDS=3, CONNECTIONS=32, WRITE_CONNECTIONS=16
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
WRITE_CONNECTIONS=${WRITE_CONNECTIONS:-16}
[ $# -eq 2 ] || { echo "usage: bench/ab.sh BEFORE_BUILD AFTER_BUILD" >&2;
    exit 2; }
. "$ROOT/bench/lib.sh"
need_wrk
bench_tmpdir

# start NAME BUILD: serves NAME from BUILD; sets NAME_PORT, NAME_TOKEN,
# NAME_ORG
start() {
	port=$(bench_serve "$1" "$2")
	set -- "$1" $(bench_setup "$port" "$TMP/$1")
	eval "${1}_PORT=$port ${1}_TOKEN=$2 ${1}_ORG=$3"
}
start before "$1"
start after "$2"

bench_create_lua "$TMP/create.lua"
cat >"$TMP/update.lua" <<'LUA'
-- a new price per request, on the one product
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local n = 0
request = function()
	n = n + 1
	return wrk.format(nil, nil, nil, '{"price_cents":' .. n .. '}')
end
LUA

# run WHICH KIND ROUND CONNS URL [wrk args]: one wrk run into
# KIND_WHICH.ROUND.out, and the CPU ticks the server used during it into
# KIND_WHICH.ROUND.cpu
run() {
	pid=$(cat "$TMP/$1.pid")
	out="$TMP/$2_$1.$3"
	conns=$4 url=$5
	shift 5
	t0=$(cpu_ticks "$pid")
	wrk -t2 -c"$conns" -d"${DURATION}s" --latency "$@" "$url" >"$out.out"
	echo $(($(cpu_ticks "$pid") - t0)) >"$out.cpu"
}

# measure WHICH ROUND: one read, one create and one update run of WHICH
measure() {
	eval "port=\$${1}_PORT token=\$${1}_TOKEN org=\$${1}_ORG"
	base="http://127.0.0.1:$port/api/v1/orgs/$org/products"
	run "$1" read "$2" "$CONNECTIONS" "$base/1" \
	    -H "Authorization: Bearer $token"
	RUN="$2" TOKEN=$token run "$1" create "$2" "$WRITE_CONNECTIONS" \
	    "$base" -s "$TMP/create.lua"
	TOKEN=$token run "$1" update "$2" "$WRITE_CONNECTIONS" "$base/1" \
	    -s "$TMP/update.lua"
	for k in read create update; do
		if grep -q 'Non-2xx' "$TMP/${k}_$1.$2.out"; then
			echo "ab.sh: errors from $1 in round $2" >&2
			cat "$TMP/${k}_$1.$2.out" >&2
			exit 1
		fi
	done
}

for w in before after; do
	eval "port=\$${w}_PORT token=\$${w}_TOKEN org=\$${w}_ORG"
	wrk -t2 -c8 -d2s -H "Authorization: Bearer $token" \
	    "http://127.0.0.1:$port/api/v1/orgs/$org/products/1" >/dev/null
done
i=1
while [ "$i" -le "$ROUNDS" ]; do
	if [ $((i % 2)) -eq 1 ]; then
		measure before "$i"
		measure after "$i"
	else
		measure after "$i"
		measure before "$i"
	fi
	i=$((i + 1))
done

echo "wrk -t2 -d${DURATION}s, $ROUNDS round(s), reads at -c$CONNECTIONS," \
	"creates and updates at -c$WRITE_CONNECTIONS, $(nproc) cores"
echo "before: $1"
echo "after:  $2"
for k in read create update; do
	printf '%-6s before %8s req/s p99 %9s %6s µs CPU   after %8s req/s' \
	    "$k" "$(rps "${k}_before")" "$(p99 "${k}_before")" \
	    "$(cpu_us "${k}_before")" "$(rps "${k}_after")"
	printf ' p99 %9s %6s µs CPU\n' "$(p99 "${k}_after")" \
	    "$(cpu_us "${k}_after")"
done
awk -v rb="$(rps read_before)" -v ra="$(rps read_after)" \
    -v cb="$(rps create_before)" -v ca="$(rps create_after)" \
    -v ub="$(rps update_before)" -v ua="$(rps update_after)" 'BEGIN {
	printf "req/s after / before: read %.3f, create %.3f, update %.3f\n",
	    rb ? ra / rb : 0, cb ? ca / cb : 0, ub ? ua / ub : 0
}'
awk -v rb="$(cpu_us read_before)" -v ra="$(cpu_us read_after)" \
    -v cb="$(cpu_us create_before)" -v ca="$(cpu_us create_after)" \
    -v ub="$(cpu_us update_before)" -v ua="$(cpu_us update_after)" 'BEGIN {
	printf "server CPU per request after / before (lower is cheaper): " \
	    "read %.3f, create %.3f, update %.3f\n",
	    rb ? ra / rb : 0, cb ? ca / cb : 0, ub ? ua / ub : 0
}'
