#!/bin/sh
# Check a built kvsd binary .rpm without installing it; prints TAP
# ("ok - ..." / "not ok - ...", then the plan) and exits non-zero if any
# check failed.
#
#   tests/pkg/check-rpm.sh rpm-out/kvsd-0.1.0-1.x86_64.rpm
set -u

total=0
failed=0
verdict() {
	total=$((total + 1))
	if [ "$1" -eq 0 ]; then echo "ok - $2"; else failed=$((failed + 1)); echo "not ok - $2"; fi
}

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "usage: $0 path/to/kvsd-VERSION-RELEASE.ARCH.rpm" >&2
	exit 2
fi
pkg=$1
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

q() { rpm -qp --nosignature "$@" "$pkg" 2>/dev/null; }

[ "$(q --qf '%{NAME}')" = kvsd ]
verdict $? "package is named kvsd"
q --qf '[%{FILEMODES:perms} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' >"$tmp/files"
has() { grep -qx -- "$1" "$tmp/files"; verdict $? "ships $1"; }
has "-rwxr-xr-x root:root /usr/sbin/kvsd"
has "-rw-r----- root:kvsd /etc/kvsd.conf"
has "-rw-r--r-- root:root /etc/logrotate.d/kvsd"
has "-rw-r--r-- root:root /usr/lib/systemd/system/kvsd.service"
has "-rw-r--r-- root:root /usr/lib/sysusers.d/kvsd.conf"
has "-rw-r--r-- root:root /usr/lib/tmpfiles.d/kvsd.conf"
has "drwxr-x--- kvsd:kvsd /var/lib/kvsd"
has "drwxr-x--- kvsd:kvsd /var/log/kvsd"
grep -q ' /usr/share/man/man8/kvsd\.8' "$tmp/files"
verdict $? "ships the kvsd(8) man page"
grep -q ' /usr/share/man/man5/kvsd\.conf\.5' "$tmp/files"
verdict $? "ships the kvsd.conf(5) man page"
grep -Eq ' /usr/share/licenses/kvsd(-[^/]*)?/COPYING$' "$tmp/files"
verdict $? "ships COPYING as %license"

q --configfiles >"$tmp/config"
grep -qx /etc/kvsd.conf "$tmp/config"
verdict $? "/etc/kvsd.conf is %config"
[ "$(q --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' | sed -n 's| /etc/kvsd.conf$||p')" = cn ]
verdict $? "/etc/kvsd.conf is %config(noreplace)"

q --scripts >"$tmp/scripts"
grep -q 'useradd -r -g kvsd' "$tmp/scripts"
verdict $? "%pre creates the kvsd system user"

echo "1..$total"
[ "$failed" -eq 0 ]
