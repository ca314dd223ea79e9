#!/bin/sh
# bench/hostile.sh: no client can starve the rest. Two attacks, each
# ROUNDS times, alternating:
#  1. 1,000 connections from 127.0.0.2-5 (250 each) trickle JSON bodies to
#     POST /auth/token, one byte a second, reconnecting when cut, while
#     127.0.0.1 asks /healthz and a product read one after the other: the
#     slowest answer of each (goal: every answer < 1 s);
#  2. an organization's policy that keeps about 6 MB after loading, read
#     by wrk over 500 connections: erpd's peak RSS (goal < 256 MiB).
# Usage: bench/hostile.sh   (env: DURATION=20, ROUNDS=1, ERPD_BUILD as in
#        connections.sh)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-1}
. "$ROOT/bench/lib.sh"
bench_prepare

# 500 wrk connections come from 127.0.0.1: the limit is raised above them
bench_erpd 512
READ="/api/v1/orgs/$ORG/products/1"

# the large policy (about 6 MB kept)
python3 - "$PORT" "$TOKEN" "$ORG" "$ROOT/bench/large_policy.lua" <<'PY'
import json, sys, urllib.request
port, tok, org, path = sys.argv[1:]
req = urllib.request.Request(
    "http://127.0.0.1:%s/api/v1/orgs/%s/policy" % (port, org),
    data=json.dumps({"source": open(path).read()}).encode(), method="PUT",
    headers={"Content-Type": "application/json",
             "Authorization": "Bearer " + tok})
urllib.request.urlopen(req, timeout=60).read()
PY

# trickle_and_probe NAME: attack 1 for DURATION s; NAME.probe gets
# "healthz_max_s read_max_s answered asked"
trickle_and_probe() {
	python3 - "$PORT" "$TOKEN" "$READ" "$DURATION" >"$TMP/$1.probe" <<'PY'
import http.client, select, socket, sys, threading, time
port, tok, read, duration = int(sys.argv[1]), sys.argv[2], sys.argv[3], \
    float(sys.argv[4])
HEAD = (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/json\r\nContent-Length: 4096\r\n\r\n")
stop = time.monotonic() + duration

def attacker(source, n):
    socks = []
    def connect():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2,
                                         source_address=(source, 0))
            s.setblocking(False)
            s.send(HEAD)
            socks.append(s)
        except OSError:
            pass
    for _ in range(n):
        connect()
    while time.monotonic() < stop:
        time.sleep(1.0)
        for s in list(socks):
            try:
                s.send(b" ")
                r, _, _ = select.select([s], [], [], 0)
                if r:		# answered (408) or closed: reconnect
                    raise OSError
            except OSError:
                socks.remove(s)
                s.close()
                connect()
        while len(socks) < n and time.monotonic() < stop:
            connect()
    for s in socks:
        s.close()

ts = [threading.Thread(target=attacker, args=("127.0.0.%d" % a, 250))
      for a in (2, 3, 4, 5)]
for t in ts:
    t.start()
time.sleep(2)			# the attack is in place
worst = {"healthz": 0.0, "read": 0.0}
asked = answered = 0
while time.monotonic() < stop - 1:
    for name, path, hdr in (("healthz", "/healthz", {}),
                            ("read", read, {"Authorization": "Bearer " + tok})):
        asked += 1
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path, headers=hdr)
            if c.getresponse().status == 200:
                answered += 1
            c.close()
            took = time.monotonic() - t0
        except OSError:
            took = 5.0
        worst[name] = max(worst[name], took)
    time.sleep(0.1)
for t in ts:
    t.join()
print("%.3f %.3f %d %d" % (worst["healthz"], worst["read"], answered, asked))
PY
}

# large_policy_reads NAME: attack 2, wrk -c500 with RSS sampled
large_policy_reads() {
	rss_sample "$(cat "$TMP/erpd.pid")" "$TMP/$1.rss" &
	sampler=$!
	wrk -t2 -c500 -d"${DURATION}s" --timeout 5s --latency \
	    -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$READ" \
	    >"$TMP/$1.out"
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
}

IDLE_RSS=$(rss_kib "$(cat "$TMP/erpd.pid")")
i=1
while [ "$i" -le "$ROUNDS" ]; do
	if [ $((i % 2)) -eq 1 ]; then
		trickle_and_probe "trickle.$i"
		large_policy_reads "large.$i"
	else
		large_policy_reads "large.$i"
		trickle_and_probe "trickle.$i"
	fi
	i=$((i + 1))
done

echo "$ROUNDS round(s) of ${DURATION}s, $(nproc) cores; erpd:" \
	"$ERPD_BUILD/erpd, RSS after set-up $((IDLE_RSS / 1024)) MiB"
cat "$TMP"/trickle.*.probe | awk '
	{ if ($1 > h) h = $1; if ($2 > r) r = $2; a += $3; n += $4 }
	END {
	printf "1,000 trickling bodies: slowest /healthz %.2f s, slowest" \
	    " product read %.2f s, %d of %d answered (goal: all < 1 s)\n",
	    h, r, a, n }'
printf '6 MB policy, 500 connections: %s req/s, p99 %s, errors %s,' \
    "$(rps large)" "$(p99 large)" "$(errors large)"
printf ' peak RSS %s MiB (goal < 256 MiB)\n' "$(peak_mib large)"
