# bench/lib.sh: what the benchmark scripts share (sourced, not run).

# need COMMAND PACKAGE: installs Debian's PACKAGE when COMMAND is missing.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	echo "bench: installing $2" >&2
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get install -y "$2" >/dev/null || {
		$SUDO apt-get update >/dev/null &&
		    $SUDO apt-get install -y "$2" >/dev/null; }
}

# need_wrk: installs Debian's wrk when it is missing.
need_wrk() {
	need wrk wrk
}

# bench_tmpdir: TMP, a temporary directory removed at exit, after every
# server whose PID is in a $TMP/*.pid file is stopped (PID files, because
# servers may be started in subshells).
bench_tmpdir() {
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/erpd-bench.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
}
bench_cleanup() {
	for p in $(cat "$TMP"/*.pid 2>/dev/null); do
		kill -TERM "$p" 2>/dev/null || true
	done
	sleep 1
	rm -rf "$TMP"
}

# bench_build DIR: a Release build of everything but the tests in DIR.
bench_build() {
	cmake -S "$ROOT" -B "$1" -DCMAKE_BUILD_TYPE=Release -DERP_TESTS=OFF \
	    >/dev/null
	cmake --build "$1" -j"$(nproc)" >/dev/null
}

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
        sys.exit("bench: %s did not answer %s within 15 s" % (name, url))
    time.sleep(0.1)
PY
}


# bench_api PORT DATADIR CODE: runs the Python CODE with tok, the
# development admin's token, and call(method, path, body, tok), which
# answers the decoded JSON.
bench_api() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys, urllib.request
port, data, code = sys.argv[1:]
pw = [l.split(": ", 1)[1].strip() for l in open(data + "/initial-admin.txt")
      if l.startswith("password")][0]
def call(method, path, body, tok=None):
    req = urllib.request.Request("http://127.0.0.1:%s%s" % (port, path),
        data=json.dumps(body).encode(), method=method,
        headers={"Content-Type": "application/json",
                 **({"Authorization": "Bearer " + tok} if tok else {})})
    return json.load(urllib.request.urlopen(req))
tok = call("POST", "/api/v1/auth/token",
           {"email": "admin@localhost", "password": pw})["access_token"]
exec(code)
PY
}

# bench_setup PORT DATADIR: makes an organization and one product; prints
# "TOKEN ORG".
bench_setup() {
	bench_api "$1" "$2" '
org = call("POST", "/api/v1/orgs", {"name": "Bench", "slug": "bench"}, tok)
call("POST", "/api/v1/orgs/%d/products" % org["id"],
     {"sku": "BENCH-1", "name": "Bench", "price_cents": 100}, tok)
print(tok, org["id"])'
}

# bench_serve NAME BUILD [THREADS]: starts BUILD's erpd with its modules
# and the data dir $TMP/NAME, ERP_THREADS=THREADS, waits until
# it answers; prints its port. THREADS defaults to 1024, erpd's own.
bench_serve() {
	port=$(free_port)
	mkdir "$TMP/$1"
	ERP_LISTEN="127.0.0.1:$port" ERP_THREADS=${3:-1024} \
	    ERP_DATA_DIR="$TMP/$1" ERP_MODULES_DIR="$2/modules" \
	    ERP_LOGIN_RATE=1000/minute "$2/erpd" serve >/dev/null 2>&1 &
	echo $! >"$TMP/$1.pid"
	wait_up "http://127.0.0.1:$port/healthz" "$1" >&2
	echo "$port"
}

# bench_create_lua FILE: a wrk script that creates a product with a new
# SKU per request (each wrk thread numbers its own; $RUN tells runs
# apart) with the bearer token $TOKEN.
bench_create_lua() {
	cat >"$1" <<'LUA'
local threads = 0
function setup(thread)
	threads = threads + 1
	thread:set("tid", threads)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local n = 0
request = function()
	n = n + 1
	return wrk.format(nil, nil, nil, '{"sku":"B' .. tid .. '-' ..
	    os.getenv("RUN") .. '-' .. n .. '","name":"bench",' ..
	    '"price_cents":100}')
end
LUA
}

# bench_prepare: what the one-server benchmarks do first: wrk, as many
# open files as allowed, a Release build in BUILD ($ROOT/build-bench),
# ERPD_BUILD (the caller's, else BUILD) and TMP.
bench_prepare() {
	need_wrk
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	BUILD="$ROOT/build-bench"
	bench_build "$BUILD"
	ERPD_BUILD=${ERPD_BUILD:-$BUILD}
	bench_tmpdir
}

# bench_erpd CONN_PER_IP: serves $ERPD_BUILD/erpd (1,024 workers, at most
# CONN_PER_IP connections an address, data in $TMP/data) on a free port,
# PORT, waits until it answers and sets it up: TOKEN and ORG.
bench_erpd() {
	PORT=$(free_port)
	mkdir "$TMP/data"
	ERP_LISTEN="127.0.0.1:$PORT" ERP_THREADS=1024 ERP_CONN_PER_IP="$1" \
	    ERP_DATA_DIR="$TMP/data" ERP_MODULES_DIR="$ERPD_BUILD/modules" \
	    ERP_LOGIN_RATE=1000/minute "$ERPD_BUILD/erpd" serve >/dev/null 2>&1 &
	echo $! >"$TMP/erpd.pid"
	wait_up "http://127.0.0.1:$PORT/healthz" erpd
	setup=$(bench_setup "$PORT" "$TMP/data")
	TOKEN=${setup% *} ORG=${setup#* }
}

# Over the wrk outputs $TMP/NAME.out and $TMP/NAME.*.out (rounds):
# rps: the mean requests/s; p99: the worst p99 ("12.34ms"); errors: the
# socket errors (connect, read, write, timeout) summed.
rps() {
	cat "$TMP/$1".out "$TMP/$1".*.out 2>/dev/null | awk '
	    /^Requests\/sec:/ { s += $2; n++ } END { printf "%.0f", n ? s / n : 0 }'
}
p99() {
	cat "$TMP/$1".out "$TMP/$1".*.out 2>/dev/null | awk '$1 == "99%" {
	    v = $2 + 0; if ($2 ~ /us$/) v /= 1000; else if ($2 ~ /[^m]s$/)
	    v *= 1000; if (v > w) w = v } END { printf "%.2fms", w }'
}
errors() {
	cat "$TMP/$1".out "$TMP/$1".*.out 2>/dev/null | awk '
	    /Socket errors:/ { gsub(",", ""); s += $4 + $6 + $8 + $10 }
	    END { printf "%d", s }'
}

# cpu_ticks PID: the CPU time (user + system) the process used so far, in
# clock ticks. The fields counted from after the command's closing
# parenthesis, since the command name may hold spaces.
cpu_ticks() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# cpu_us NAME: the server's CPU time per request over NAME's runs, in µs,
# from $TMP/NAME.*.cpu (ticks a run used) and the runs' request counts.
# Unlike req/s it does not move with the share of the cores wrk and the
# machine's other tenants take, so it is the steadier figure for A/B.
cpu_us() {
	ticks=$(cat "$TMP/$1".*.cpu 2>/dev/null | awk '{ s += $1 } END {
	    print s + 0 }')
	cat "$TMP/$1".out "$TMP/$1".*.out 2>/dev/null | awk -v t="$ticks" \
	    -v hz="$(getconf CLK_TCK)" '/ requests in / { n += $1 }
	    END { printf "%.1f", n ? t * 1e6 / hz / n : 0 }'
}

# rss_kib PID: the process's resident set now, in KiB.
rss_kib() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# rss_sample PID FILE: writes the peak RSS (KiB) seen into FILE every
# half second until killed.
rss_sample() {
	peak=0
	while :; do
		now=$(rss_kib "$1" 2>/dev/null || echo 0)
		[ "${now:-0}" -gt "$peak" ] && peak=$now && echo "$peak" >"$2"
		sleep 0.5
	done
}

# peak_mib NAME: the highest peak of NAME's rounds, in MiB.
peak_mib() {
	cat "$TMP/$1".rss "$TMP/$1".*.rss 2>/dev/null | awk '
	    $1 > m { m = $1 } END { printf "%d", m / 1024 }'
}
