# bench/lib.sh: what the benchmark scripts share (sourced, not run).

# need_wrk: installs Debian's wrk when it is missing.
need_wrk() {
	command -v wrk >/dev/null 2>&1 && return 0
	echo "bench: installing wrk" >&2
	SUDO=
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get install -y wrk >/dev/null || {
		$SUDO apt-get update >/dev/null &&
		    $SUDO apt-get install -y wrk >/dev/null; }
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

