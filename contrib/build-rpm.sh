#!/bin/sh
# Build kvsd's source and binary RPMs the way a distribution would: from
# the tarball "make dist" makes, in a throwaway rpmbuild tree.
#
#   ./configure && contrib/build-rpm.sh [rpmbuild options, e.g. --without check]
#
# Run it in a configured build directory (rpm/kvsd.spec is made by
# configure).  The .src.rpm and .rpm files are copied to ./rpm-out (or
# $KVSD_RPM_OUT).  On a system whose package manager is not rpm (Debian,
# for CI) the build dependencies cannot be resolved by rpm, so --nodeps is
# added: they must be installed with the native package manager instead.
set -eu

die() { echo "build-rpm.sh: $*" >&2; exit 1; }

if [ ! -f Makefile ] || [ ! -f rpm/kvsd.spec ]; then
	die "run from a configured build directory (rpm/kvsd.spec is missing)"
fi
command -v rpmbuild >/dev/null || die "rpmbuild not found"

version=$(sed -n 's/^Version: *//p' rpm/kvsd.spec)
[ -n "$version" ] || die "no Version in rpm/kvsd.spec"
out=${KVSD_RPM_OUT:-$(pwd)/rpm-out}

${MAKE:-make} dist-gzip
tarball=kvsd-$version.tar.gz
[ -f "$tarball" ] || die "make dist did not produce $tarball"

top=$(mktemp -d "${TMPDIR:-/tmp}/kvsd-rpm.XXXXXX")
trap 'rm -rf "$top"' EXIT
mkdir -p "$top/SOURCES" "$top/SPECS"
cp "$tarball" "$top/SOURCES/"
# Build with the spec inside the tarball: that is the one users get.
tar -xzOf "$tarball" "kvsd-$version/rpm/kvsd.spec" >"$top/SPECS/kvsd.spec"

nodeps=
if ! rpm -q rpm >/dev/null 2>&1; then
	echo "build-rpm.sh: rpm is not this system's package manager: adding --nodeps" >&2
	nodeps=--nodeps
fi

rpmbuild -ba $nodeps --define "_topdir $top" "$@" "$top/SPECS/kvsd.spec"

mkdir -p "$out"
find "$top/RPMS" "$top/SRPMS" -name '*.rpm' -exec cp {} "$out/" \;
echo "build-rpm.sh: packages in $out:"
ls -1 "$out"
