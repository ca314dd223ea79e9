#!/usr/bin/env bash
# Builds the Debian package (contrib/package.sh) and installs it into a
# fresh Debian 12 root: a minimal debootstrap made once and kept under
# $ERP_CACHE_DIR (default /var/cache/erpd-ci), copied for every run. In
# there it checks what the maintainer scripts made (the erpd user, the
# environment file 0640 root:erpd, the secrets, /var/lib/erpd), starts the
# installed binary as erpd with the packaged environment file (only the
# port changed) and expects /readyz 200, the web UI and the modules from
# the installed paths, a clean stop on SIGTERM, and a purge that removes
# the configuration but keeps the data. Needs root (chroot, mount) and
# Debian's package mirror.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (chroot, mount)" >&2; exit 1; }
contrib/deps.sh debootstrap curl python3

cache=${ERP_CACHE_DIR:-/var/cache/erpd-ci}
base=$cache/bookworm-minbase
# the mirror apt on this machine uses
mirror=$(sed -n 's#^URIs: *\(https\?://[^ ]*/debian\)/*$#\1#p' \
	/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" \
	{ print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
if [ ! -e "$base/.complete" ]; then
	echo "debootstrap bookworm from $mirror into $base (once)" >&2
	rm -rf "$base"
	mkdir -p "$cache"
	debootstrap --variant=minbase bookworm "$base" "$mirror" \
		>"$cache/debootstrap.log" 2>&1 || {
		tail -n 20 "$cache/debootstrap.log" >&2
		exit 1
	}
	touch "$base/.complete"
fi

contrib/package.sh >/dev/null
deb=$(ls build-deb/erpd_*_amd64.deb)

root=$(mktemp -d /var/tmp/erpd-root.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	umount "$root/dev/pts" 2>/dev/null || true
	umount "$root/dev" 2>/dev/null || true
	umount "$root/proc" 2>/dev/null || true
	rm -rf --one-file-system "$root"
}
trap cleanup EXIT
cp -a "$base/." "$root/"
rm -f "$root/.complete"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" "$@"; }
fail() { echo "test-package: $*" >&2; exit 1; }

in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends "/tmp/$(basename "$deb")" >/dev/null

# what the maintainer scripts made
in_root getent passwd erpd | grep -q ':/var/lib/erpd:' || fail "no erpd user"
for f in /etc/erpd/erpd.env /etc/erpd/jwt-secret /etc/erpd/secret-key; do
	[ "$(in_root stat -c '%a %U %G' "$f")" = "640 root erpd" ] ||
		fail "$f is $(in_root stat -c '%a %U %G' "$f")"
done
[ "$(in_root stat -c '%a %U %G' /var/lib/erpd)" = "750 erpd erpd" ] ||
	fail "/var/lib/erpd is $(in_root stat -c '%a %U %G' /var/lib/erpd)"
[ "$(in_root sh -c 'wc -c </etc/erpd/secret-key')" -ge 32 ] || fail "short secret"
in_root /usr/bin/erpd --version | grep -q '^  SQLite ' || fail "--version"

# the installed binary, as erpd, with the packaged environment file
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$root/tmp/erpd.log
chroot "$root" setpriv --reuid=erpd --regid=erpd --init-groups \
	sh -c "set -a; . /etc/erpd/erpd.env; ERP_LISTEN=127.0.0.1:$port; \
	cd /var/lib/erpd; exec /usr/bin/erpd serve" >"$log" 2>&1 &
pid=$!
url=http://127.0.0.1:$port
for _ in $(seq 150); do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz" || true)
	[ "$code" = 200 ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "erpd exited"; }
	sleep 0.2
done
[ "$code" = 200 ] || { cat "$log" >&2; fail "/readyz answered $code"; }
grep -q '"production"\|production' "$log" || fail "not in production mode"
# the UI from /usr/share/erpd/www, the modules from /usr/lib/erpd/modules
curl -sf "$url/" | grep -qi '<html' || fail "no web UI"
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/api/v1/orgs/1/products")
[ "$code" = 401 ] || fail "products route answered $code, not 401"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 0 ] || { cat "$log" >&2; fail "erpd exited $rc on SIGTERM"; }
in_root test -s /var/lib/erpd/erp.db || fail "no database in /var/lib/erpd"

# purge: configuration and secrets go, the data stays
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq erpd >/dev/null
in_root test ! -e /etc/erpd || fail "/etc/erpd left after purge"
in_root test -s /var/lib/erpd/erp.db || fail "purge removed the database"
echo "test-package: $(basename "$deb") installs, serves /readyz 200 as erpd, purges"
