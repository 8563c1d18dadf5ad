#!/usr/bin/env python3
"""Summarise one or more meson testlog.json files as a single closing line.

Usage: ci_summary.py build/meson-logs/testlog.json [more testlog.json...]

Each meson test counts once: OK and EXPECTEDFAIL are passed; FAIL, ERROR,
TIMEOUT and UNEXPECTEDPASS are failed; SKIP is skipped.  Failed tests are
listed by name first.  The last line printed is
    tests: N passed, N failed, N skipped
Exit status: 0 when nothing failed, 1 otherwise (2 when a log is missing).
"""
import json
import sys

PASSED = {'OK', 'EXPECTEDFAIL'}
FAILED = {'FAIL', 'ERROR', 'TIMEOUT', 'UNEXPECTEDPASS'}
SKIPPED = {'SKIP'}


def main(paths):
    passed = failed = skipped = 0
    failures = []
    for path in paths:
        try:
            with open(path, encoding='utf-8') as f:
                lines = f.readlines()
        except OSError as e:
            print(f'ci_summary: cannot read {path}: {e}')
            print(f'tests: {passed} passed, {failed + 1} failed, {skipped} skipped')
            return 2
        for line in lines:
            line = line.strip()
            if not line:
                continue
            entry = json.loads(line)
            result = entry.get('result')
            if result in PASSED:
                passed += 1
            elif result in SKIPPED:
                skipped += 1
            elif result in FAILED:
                failed += 1
                failures.append(f"{path}: {entry.get('name')} ({result})")
            else:
                failed += 1
                failures.append(f"{path}: {entry.get('name')} (unknown result {result})")
    for f in failures:
        print('FAILED', f)
    print(f'tests: {passed} passed, {failed} failed, {skipped} skipped')
    return 1 if failed else 0


if __name__ == '__main__':
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
