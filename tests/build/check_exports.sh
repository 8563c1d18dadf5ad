#!/bin/sh
# Check that libclaims exports exactly the functions its public headers mark
# CLAIMS_API, that the version script lists the same names, that the library
# does not link the front ends' dependencies, and that public headers include
# only the standard headers allowed.
# Usage: check_exports.sh path/to/libclaims.so SOURCE_ROOT
set -eu
so=$1
root=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# Exported (defined, dynamic) function symbols of the library.
nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u >"$tmp/so"

# Names declared with CLAIMS_API in the public headers: comments and
# preprocessor lines removed, then the identifier right before the first '('
# of each declaration that starts with CLAIMS_API.
python3 - "$root"/include/claims/*.h >"$tmp/headers" <<'PY'
import re, sys
names = set()
for path in sys.argv[1:]:
    text = open(path, encoding='utf-8').read()
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'^\s*#.*$', ' ', text, flags=re.M)
    for decl in re.findall(r'\bCLAIMS_API\b([^;{]*)', text):
        m = re.search(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(', decl)
        if m:
            names.add(m.group(1))
for n in sorted(names):
    print(n)
PY

# Names in the global section of the version script.
sed -n '/global:/,/local:/p' "$root/lib/libclaims.sym" |
	grep -E '^[[:space:]]*[a-z_0-9]+;' | tr -d ' \t;' | sort -u >"$tmp/sym"

if ! diff -u "$tmp/headers" "$tmp/so" >"$tmp/d1"; then
	echo "exports differ from CLAIMS_API declarations (- headers, + library):"
	cat "$tmp/d1"
	fail=1
fi
if ! diff -u "$tmp/headers" "$tmp/sym" >"$tmp/d2"; then
	echo "lib/libclaims.sym differs from CLAIMS_API declarations (- headers, + sym):"
	cat "$tmp/d2"
	fail=1
fi
if grep -v '^claims_' "$tmp/so"; then
	echo "symbols above lack the claims_ prefix"
	fail=1
fi

needed=$(objdump -p "$so" | awk '$1 == "NEEDED" { print $2 }')
for bad in libcjson libcivetweb; do
	if echo "$needed" | grep -q "^$bad"; then
		echo "libclaims must not link $bad"
		fail=1
	fi
done

includes=$(grep -hE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<' "$root"/include/claims/*.h | sed -E 's/.*<([^>]*)>.*/\1/' | sort -u)
for inc in $includes; do
	case "$inc" in
	stdbool.h | stddef.h | stdint.h) ;;
	*)
		echo "public header includes <$inc>: only stdbool.h, stddef.h and stdint.h are allowed"
		fail=1
		;;
	esac
done

count=$(wc -l <"$tmp/so")
if [ "$fail" -eq 0 ]; then
	echo "exports ok: $count symbols"
fi
exit "$fail"
