#!/bin/sh
# CI stage, run by .ci/run when present: build the .deb and the .rpm from
# the "make dist" tarball and check them with tests/pkg/check-deb.sh and
# tests/pkg/check-rpm.sh.  As root with CI=true (a throwaway machine) the
# .deb is also installed, run, removed and purged (KVSD_PKG_INSTALL=1;
# set KVSD_PKG_INSTALL=0 to skip that, or 1 to force it elsewhere).
#
# make check is skipped inside the package builds (DEB_BUILD_OPTIONS=nocheck,
# rpmbuild --without check) because the earlier CI stages have run it on
# the same tree; KVSD_PKG_CHECK=1 runs it there too.
#
# Ends with "KVSD-RESULT: N passed, M failed" over the TAP lines printed.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

if [ -z "${KVSD_PKG_INSTALL:-}" ]; then
	KVSD_PKG_INSTALL=0
	if [ "${CI:-}" = true ] && [ "$(id -u)" -eq 0 ]; then
		KVSD_PKG_INSTALL=1
	fi
fi
export KVSD_PKG_INSTALL

work=$(mktemp -d "${TMPDIR:-/tmp}/kvsd-ci-pkg.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
# run_logged NAME COMMAND...: run quietly, show the log's tail on failure.
run_logged() {
	name=$1
	shift
	echo "--- $name"
	if "$@" >"$work/$name.log" 2>&1; then
		return 0
	fi
	echo "--- $name FAILED; last lines of its log:"
	tail -n 60 "$work/$name.log"
	return 1
}

# tap NAME COMMAND...: run a TAP script, keep and show its output; a
# non-zero exit without a "not ok" line still counts as a failure.
tap() {
	name=$1
	shift
	"$@" >"$work/$name.tap" 2>&1
	status=$?
	cat "$work/$name.tap"
	if [ "$status" -ne 0 ] && ! grep -q '^not ok ' "$work/$name.tap"; then
		echo "not ok - $name exited with status $status" | tee -a "$work/$name.tap"
	fi
}

if [ ! -f Makefile ]; then
	run_logged configure sh -c 'autoreconf -fi && ./configure -q' || exit 1
fi

deb_opts=${DEB_BUILD_OPTIONS:-}
rpm_opts=
if [ "${KVSD_PKG_CHECK:-0}" != 1 ]; then
	deb_opts="nocheck $deb_opts"
	rpm_opts="--without check"
fi

if DEB_BUILD_OPTIONS=$deb_opts KVSD_DEB_OUT="$work/deb" run_logged build-deb contrib/build-deb.sh; then
	deb=$(find "$work/deb" -name 'kvsd_*.deb' | head -n 1)
	tap check-deb tests/pkg/check-deb.sh "$deb"
else
	echo "not ok - the .deb builds" >"$work/check-deb.tap"
	cat "$work/check-deb.tap"
fi

# shellcheck disable=SC2086 # rpm_opts is empty or one option pair
if KVSD_RPM_OUT="$work/rpm" run_logged build-rpm contrib/build-rpm.sh $rpm_opts; then
	rpm=$(find "$work/rpm" -name 'kvsd-[0-9]*.rpm' ! -name '*.src.rpm' ! -name '*debug*' | head -n 1)
	tap check-rpm tests/pkg/check-rpm.sh "$rpm"
else
	echo "not ok - the .rpm builds" >"$work/check-rpm.tap"
	cat "$work/check-rpm.tap"
fi

passed=$(cat "$work"/*.tap | grep -c '^ok ')
failures=$(cat "$work"/*.tap | grep -c '^not ok ')
bailed=$(cat "$work"/*.tap | grep -c '^Bail out!')
failures=$((failures + bailed))
echo "KVSD-RESULT: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
