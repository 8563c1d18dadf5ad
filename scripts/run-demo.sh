#!/bin/sh
# Install the dependencies, build libclaims, create ./demo/claims.db and
# serve it with claimsd at http://127.0.0.1:8000 (Ctrl-C stops it).
# The first run loads synthetic demo claims and payments into it.
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
if [ ! -f build-release/build.ninja ]; then
	meson setup build-release --buildtype=release >/dev/null
fi
ninja -C build-release

mkdir -p demo
if [ ! -f demo/.loaded ]; then
	# Demo data: synthetic 837P claims and 835 payments (no real patients).
	python3 scripts/make-demo-data.py demo/edi
	./build-release/apps/claims --db demo/claims.db import demo/edi/*
	touch demo/.loaded
fi
exec ./build-release/apps/claimsd --db demo/claims.db --listen "${CLAIMS_LISTEN:-127.0.0.1:8000}"
