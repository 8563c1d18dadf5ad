#!/bin/sh
# Install the dependencies, build libclaims, create ./demo/claims.db and
# serve it with claimsd at http://127.0.0.1:8000 (Ctrl-C stops it).
set -eu
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
if [ ! -f build-release/build.ninja ]; then
	meson setup build-release --buildtype=release >/dev/null
fi
ninja -C build-release

mkdir -p demo
./build-release/apps/claims --db demo/claims.db init
exec ./build-release/apps/claimsd --db demo/claims.db --listen "${CLAIMS_LISTEN:-127.0.0.1:8000}"
