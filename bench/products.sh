#!/bin/sh
# bench/products.sh: the main figure. wrk on the authenticated product
# read (token, membership, policy, SQLite read, JSON) and the audited
# product create, side by side with /healthz (the ceiling) in the same
# run, and the audited create against an erpd built with ERP_AUDIT=OFF.
# Usage: bench/products.sh   (env: DURATION=10, ROUNDS=1 alternating
#        read rounds, CONNECTIONS=64, WRITE_CONNECTIONS=16, ERP_DB_SYNC=full)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
CONNECTIONS=${CONNECTIONS:-64}
WRITE_CONNECTIONS=${WRITE_CONNECTIONS:-16}
export ERP_DB_SYNC=${ERP_DB_SYNC:-full}
. "$ROOT/bench/lib.sh"
need_wrk

for v in ON OFF; do
	cmake -S "$ROOT" -B "$ROOT/build-bench-audit-$v" -DERP_AUDIT=$v \
		-DCMAKE_BUILD_TYPE=Release -DERP_TESTS=OFF >/dev/null 2>&1
	cmake --build "$ROOT/build-bench-audit-$v" -j"$(nproc)" \
		--target erpd products >/dev/null
done

bench_tmpdir

ON_PORT=$(bench_serve on "$ROOT/build-bench-audit-ON" 128)
OFF_PORT=$(bench_serve off "$ROOT/build-bench-audit-OFF" 128)
set -- $(bench_setup "$ON_PORT" "$TMP/on")
ON_TOKEN=$1 ORG=$2
set -- $(bench_setup "$OFF_PORT" "$TMP/off")
OFF_TOKEN=$1

bench_create_lua "$TMP/create.lua"

# run NAME CONNS URL [wrk args]: one measured run into NAME.out
run() {
	name=$1 conns=$2 url=$3
	shift 3
	wrk -t2 -c"$conns" -d"${DURATION}s" --latency "$@" "$url" \
	    >"$TMP/$name.out"
	if grep -q 'Non-2xx' "$TMP/$name.out"; then
		echo "products.sh: errors in $name:" >&2
		cat "$TMP/$name.out" >&2
		exit 1
	fi
}
READ="http://127.0.0.1:$ON_PORT/api/v1/orgs/$ORG/products/1"
wrk -t2 -c8 -d2s -H "Authorization: Bearer $ON_TOKEN" "$READ" >/dev/null
# the ceiling and the read alternate, so both see the same machine
i=1
while [ "$i" -le "$ROUNDS" ]; do
	run healthz.$i "$CONNECTIONS" "http://127.0.0.1:$ON_PORT/healthz"
	run read.$i "$CONNECTIONS" "$READ" -H "Authorization: Bearer $ON_TOKEN"
	i=$((i + 1))
done
RUN=A TOKEN=$ON_TOKEN run create_on "$WRITE_CONNECTIONS" \
    "http://127.0.0.1:$ON_PORT/api/v1/orgs/$ORG/products" -s "$TMP/create.lua"
RUN=B TOKEN=$OFF_TOKEN run create_off "$WRITE_CONNECTIONS" \
    "http://127.0.0.1:$OFF_PORT/api/v1/orgs/$ORG/products" -s "$TMP/create.lua"

echo "wrk -t2 -d${DURATION}s; reads at -c$CONNECTIONS ($ROUNDS round(s))," \
	"writes at -c$WRITE_CONNECTIONS; ERP_DB_SYNC=$ERP_DB_SYNC; $(nproc) cores"
printf '%-34s %8s req/s  p99 %s\n' "GET /healthz (ceiling)" "$(rps healthz)" \
	"$(p99 healthz)"
printf '%-34s %8s req/s  p99 %s\n' "GET …/products/{id} (bearer)" \
	"$(rps read)" "$(p99 read)"
printf '%-34s %8s req/s  p99 %s\n' "POST …/products (audited)" \
	"$(rps create_on)" "$(p99 create_on)"
printf '%-34s %8s req/s  p99 %s\n' "POST …/products (ERP_AUDIT=OFF)" \
	"$(rps create_off)" "$(p99 create_off)"
awk -v r="$(rps read)" -v h="$(rps healthz)" -v a="$(rps create_on)" \
    -v u="$(rps create_off)" 'BEGIN {
	printf "read/ceiling        %5.1f %%  (target >= 50 %%, p99 < 10 ms)\n",
	    h ? 100 * r / h : 0
	printf "audited/unaudited   %5.2f    (target >= 0.8)\n", u ? a / u : 0
}'
