#!/bin/sh
# Install the dependencies, build, and run the whole test suite in two
# configurations: debug with -Werror (build/) and ASan + UBSan with
# halt-on-error (build-san/); then the 'concurrency' suite alone under
# ThreadSanitizer (build-tsan/, only the targets that suite needs).  The last
# line is
#   tests: N passed, N failed, N skipped
# counted from every run's meson testlog.json.  Exit status 0 only when
# everything passed.
set -u
cd "$(dirname "$0")/.."

./scripts/install-deps.sh || { echo "tests: 0 passed, 1 failed, 0 skipped"; exit 1; }

status=0
setup() {
	dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

if setup build --buildtype=debug --werror &&
	ninja -C build; then
	meson test -C build --print-errorlogs --num-processes 2 || status=1
else
	echo "build/ failed to configure or compile"
	status=1
fi

if setup build-san --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false &&
	ninja -C build-san; then
	meson test -C build-san --setup=sanitize --print-errorlogs --num-processes 2 || status=1
else
	echo "build-san/ failed to configure or compile"
	status=1
fi

# ThreadSanitizer: build only what the concurrency suite runs (the cache's
# threads test, and claimsd with the CLI for the 64-client server test),
# then run that suite without meson's full rebuild.
if setup build-tsan --buildtype=debug -Db_sanitize=thread -Dapps=enabled &&
	ninja -C build-tsan tests/unit/test_cache tests/unit/test_ratelimit apps/claimsd apps/claims; then
	CLAIMS_CONCURRENCY_SECONDS=15 meson test -C build-tsan --no-rebuild --setup=sanitize \
		--suite concurrency --print-errorlogs --num-processes 2 || status=1
else
	echo "build-tsan/ failed to configure or compile"
	status=1
fi

logs=""
for d in build build-san build-tsan; do
	[ -f "$d/meson-logs/testlog.json" ] && logs="$logs $d/meson-logs/testlog.json"
	[ -f "$d/meson-logs/testlog-sanitize.json" ] && logs="$logs $d/meson-logs/testlog-sanitize.json"
done
if [ -z "$logs" ]; then
	echo "tests: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
# shellcheck disable=SC2086
python3 tests/ci_summary.py $logs || status=1
exit $status
