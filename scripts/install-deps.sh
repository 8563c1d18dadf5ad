#!/bin/sh
# Install everything libclaims needs to build, test and run, from Debian
# bookworm packages.  Run as root (or with sudo); safe to run again.
# chromium (with a font) runs the dashboard's headless browser test.
set -eu
if [ "$(id -u)" -ne 0 ]; then
	exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential meson ninja-build pkg-config python3 \
	libsqlite3-dev sqlite3 libsodium-dev libcjson-dev libcivetweb-dev libcmocka-dev \
	clang libclang-rt-14-dev valgrind binutils curl ca-certificates \
	chromium fonts-dejavu-core >/dev/null
