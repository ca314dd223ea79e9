#!/bin/sh
# bench/ab.sh: two erpd builds side by side on the authenticated product
# read, the audited product create and the audited product update (PATCH
# of one field: the would-be record, the decision on it, old and new
# values in the audit), alternating in every round so both see the same
# machine; prints each one's mean and AFTER / BEFORE.
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

# measure WHICH ROUND: one read run and one create run of server WHICH
measure() {
	eval "port=\$${1}_PORT token=\$${1}_TOKEN org=\$${1}_ORG"
	base="http://127.0.0.1:$port/api/v1/orgs/$org/products"
	wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
	    -H "Authorization: Bearer $token" "$base/1" >"$TMP/read_$1.$2.out"
	RUN="$2" TOKEN=$token wrk -t2 -c"$WRITE_CONNECTIONS" \
	    -d"${DURATION}s" --latency -s "$TMP/create.lua" "$base" \
	    >"$TMP/create_$1.$2.out"
	TOKEN=$token wrk -t2 -c"$WRITE_CONNECTIONS" -d"${DURATION}s" \
	    --latency -s "$TMP/update.lua" "$base/1" >"$TMP/update_$1.$2.out"
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
	printf '%-6s before %8s req/s p99 %9s   after %8s req/s p99 %9s\n' \
	    "$k" "$(rps "${k}_before")" "$(p99 "${k}_before")" \
	    "$(rps "${k}_after")" "$(p99 "${k}_after")"
done
awk -v rb="$(rps read_before)" -v ra="$(rps read_after)" \
    -v cb="$(rps create_before)" -v ca="$(rps create_after)" \
    -v ub="$(rps update_before)" -v ua="$(rps update_after)" 'BEGIN {
	printf "after / before: read %.3f, create %.3f, update %.3f\n",
	    rb ? ra / rb : 0, cb ? ca / cb : 0, ub ? ua / ub : 0
}'
