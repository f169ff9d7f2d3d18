#!/bin/sh
# Build kvsd's .deb from the tarball "make dist" makes, unpacked in a
# throwaway directory, so the working tree (and its configure results)
# is left alone and the tarball is shown to carry everything debian/ needs.
#
#   ./configure && contrib/build-deb.sh [dpkg-buildpackage options]
#
# Run it in a configured build directory.  The .deb files are copied to
# ./deb-out (or $KVSD_DEB_OUT).  DEB_BUILD_OPTIONS=nocheck skips make check
# (for CI runs that have just run it).
set -eu

die() { echo "build-deb.sh: $*" >&2; exit 1; }

if [ ! -f Makefile ] || [ ! -f config.status ]; then
	die "run from a configured build directory"
fi
command -v dpkg-buildpackage >/dev/null || die "dpkg-buildpackage not found (apt-get install dpkg-dev debhelper)"

version=$(./config.status --version | sed -n 's/^kvsd config.status \([^ ]*\)$/\1/p')
[ -n "$version" ] || die "cannot read the version from config.status"
out=${KVSD_DEB_OUT:-$(pwd)/deb-out}

${MAKE:-make} dist-gzip
tarball=kvsd-$version.tar.gz
[ -f "$tarball" ] || die "make dist did not produce $tarball"

work=$(mktemp -d "${TMPDIR:-/tmp}/kvsd-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar -xzf "$tarball" -C "$work"
(cd "$work/kvsd-$version" && dpkg-buildpackage -us -uc -b "$@")

mkdir -p "$out"
cp "$work"/*.deb "$out/"
echo "build-deb.sh: packages in $out:"
ls -1 "$out"
