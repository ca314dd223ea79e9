#!/usr/bin/env bash
# Installs the Debian 12 packages erpd needs to build and test, and only
# those that are missing. Every dependency is a Debian package.
set -euo pipefail

pkgs=(build-essential cmake pkg-config
	libcivetweb-dev liblua5.4-dev libsqlite3-dev libsodium-dev
	libcjson-dev libjwt-dev check python3 curl jq
	chromium chromium-driver python3-selenium python3-jsonschema
	nginx openssl systemd)	# tests/deploy: nginx in front, unit ratings
pkgs+=("$@")

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends "${missing[@]}" >/dev/null
