#!/bin/sh
# bench/audit.sh: what the audit write costs a write request. wrk sends
# PATCH /api/v1/users/2 (an audited user update) to erpd as built, and to
# the same erpd built with ERP_AUDIT=OFF, in the same run; prints both and
# the ratio (target >= 0.8).
# Usage: bench/audit.sh   (env: DURATION=10, ROUNDS=1, CONNECTIONS=16,
#        ERP_DB_SYNC=full)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
CONNECTIONS=${CONNECTIONS:-16}
export ERP_DB_SYNC=${ERP_DB_SYNC:-full}
. "$ROOT/bench/lib.sh"
need_wrk

for v in ON OFF; do
	cmake -S "$ROOT" -B "$ROOT/build-bench-audit-$v" -DERP_AUDIT=$v \
		-DCMAKE_BUILD_TYPE=Release -DERP_TESTS=OFF >/dev/null 2>&1
	cmake --build "$ROOT/build-bench-audit-$v" -j"$(nproc)" --target erpd \
		>/dev/null
done

bench_tmpdir

# start NAME BUILD: serves on a free port; prints the port.
start() {
	port=$(free_port)
	mkdir "$TMP/$1"
	ERP_LISTEN="127.0.0.1:$port" ERP_THREADS=128 ERP_DATA_DIR="$TMP/$1" \
	    ERP_LOGIN_RATE=1000/minute "$2/erpd" serve >/dev/null 2>&1 &
	echo $! >"$TMP/$1.pid"
	wait_up "http://127.0.0.1:$port/healthz" "$1" >&2
	echo "$port"
}

# token PORT DATADIR: the development admin's token, once user 2 is made.
token() {
	bench_api "$1" "$2" '
call("POST", "/api/v1/users", {"email": "bench@example.com",
     "password": "a bench passphrase", "name": "Bench"}, tok)
print(tok)'
}

ON_PORT=$(start on "$ROOT/build-bench-audit-ON")
OFF_PORT=$(start off "$ROOT/build-bench-audit-OFF")
ON_TOKEN=$(token "$ON_PORT" "$TMP/on")
OFF_TOKEN=$(token "$OFF_PORT" "$TMP/off")

cat >"$TMP/patch.lua" <<'LUA'
-- alternates the name so every request really changes the row
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local n = 0
request = function()
	n = n + 1
	return wrk.format(nil, nil, nil,
	    '{"name":"bench ' .. (n % 2) .. '"}')
end
LUA

# run NAME PORT TOKEN ROUND
run() {
	TOKEN=$3 wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
	    -s "$TMP/patch.lua" "http://127.0.0.1:$2/api/v1/users/2" \
	    >"$TMP/$1.$4.out"
}
mean() {
	cat "$TMP/$1".*.out | awk '/^Requests\/sec:/ { s += $2; n++ }
		END { printf "%.0f\n", n ? s / n : 0 }'
}
TOKEN=$ON_TOKEN wrk -t2 -c4 -d2s -s "$TMP/patch.lua" \
    "http://127.0.0.1:$ON_PORT/api/v1/users/2" >/dev/null
TOKEN=$OFF_TOKEN wrk -t2 -c4 -d2s -s "$TMP/patch.lua" \
    "http://127.0.0.1:$OFF_PORT/api/v1/users/2" >/dev/null
i=1
while [ "$i" -le "$ROUNDS" ]; do
	if [ $((i % 2)) -eq 1 ]; then
		run on "$ON_PORT" "$ON_TOKEN" "$i"
		run off "$OFF_PORT" "$OFF_TOKEN" "$i"
	else
		run off "$OFF_PORT" "$OFF_TOKEN" "$i"
		run on "$ON_PORT" "$ON_TOKEN" "$i"
	fi
	i=$((i + 1))
done
for f in "$TMP"/on.*.out "$TMP"/off.*.out; do
	grep -q 'Non-2xx' "$f" && { echo "audit.sh: errors in $f:" >&2;
	    cat "$f" >&2; exit 1; }
done
echo "wrk -t2 -c$CONNECTIONS -d${DURATION}s PATCH /api/v1/users/2," \
	"ERP_DB_SYNC=$ERP_DB_SYNC, $ROUNDS round(s)"
printf 'audited      %8d req/s\nunaudited    %8d req/s\n' "$(mean on)" \
	"$(mean off)"
awk -v a="$(mean on)" -v u="$(mean off)" 'BEGIN {
	printf "audited/unaudited  %.2f   (target >= 0.8)\n", u ? a / u : 0 }'
