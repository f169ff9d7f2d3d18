#!/bin/sh
# Run the integration suite (make check calls this; it also runs by hand).
#
# Environment:
#   KVSD_BIN        server binary (default: $KVSD_BUILDDIR/src/kvsd)
#   KVSD_BUILDDIR   build tree (default: the current directory if it holds
#                   src/kvsd, as under make check, else the source tree)
#   KVSD_REFERENCE  "redis" to check the suite itself against redis-server
#   KVSD_SKIP       capability markers to deselect, e.g. "needs_lists"
#   KVSD_JUNIT      write a JUnit XML report to this path
#   PYTHON          interpreter with pytest and redis-py (/usr/bin/python3)
# Extra arguments go to pytest (e.g. -k expire, -x).

here=$(cd "$(dirname "$0")" && pwd)
: "${PYTHON:=/usr/bin/python3}"
if [ -z "${KVSD_BIN:-}" ] && [ -z "${KVSD_BUILDDIR:-}" ] && [ -x ./src/kvsd ]; then
	KVSD_BUILDDIR=$(pwd)
	export KVSD_BUILDDIR
fi
# The source tree may be read-only (distcheck): no caches, no bytecode.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

set -- -q -c "$here/pytest.ini" --rootdir "$here" "$@"
if [ -n "${KVSD_JUNIT:-}" ]; then
	set -- "$@" --junitxml="$KVSD_JUNIT"
fi
out=$(mktemp)
"$PYTHON" -m pytest "$@" "$here" >"$out" 2>&1
rc=$?
cat "$out"
summary=$(grep -E '[0-9]+ (passed|failed|errors?)' "$out" | tail -n 1)
rm -f "$out"
# One machine-readable line for .ci/run's tally.
echo "$summary" | awk '{ for (i = 2; i <= NF; i++) { w = $i; gsub(/[^a-z]/, "", w);
	if (w == "passed") p += $(i-1); if (w == "failed" || w == "error" || w == "errors") f += $(i-1) } }
	END { printf "KVSD-RESULT: %d passed, %d failed\n", p, f }'
# pytest exits 5 when it collected nothing: treat an empty run as failure.
if [ "$rc" -eq 5 ]; then
	echo "run.sh: no integration tests were run" >&2
	rc=1
fi
exit "$rc"
