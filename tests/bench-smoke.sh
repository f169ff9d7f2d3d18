#!/bin/sh
# make check: the benchmark harness runs end to end against this build's
# kvsd and Debian's redis-server (tiny request counts; checks that every
# workload answered, not speed). Skipped if redis-server is not installed.
command -v redis-server >/dev/null 2>&1 || { echo "SKIP: no redis-server"; exit 77; }
command -v redis-benchmark >/dev/null 2>&1 || { echo "SKIP: no redis-benchmark"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT
/usr/bin/python3 "$here/../contrib/bench/compare" --quick --kvsd "$(pwd)/src/kvsd" --out "$out" >"$out/log" 2>&1
rc=$?
tail -n 30 "$out/log"
if [ "$rc" -eq 0 ]; then echo "KVSD-RESULT: 1 passed, 0 failed"; else echo "KVSD-RESULT: 0 passed, 1 failed"; fi
exit "$rc"
