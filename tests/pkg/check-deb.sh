#!/bin/sh
# Check a built kvsd .deb; prints TAP ("ok - ..." / "not ok - ...", then
# the plan) and exits non-zero if any check failed.
#
#   tests/pkg/check-deb.sh ../kvsd_0.1.0_amd64.deb
#
# Always: the package's contents, conffiles, dependencies, hardening of
# the binary and lintian (no errors).  With KVSD_PKG_INSTALL=1 (as root, on
# a throwaway machine: it creates and deletes the "kvsd" account) it also
# installs the package with dpkg, checks the account, directories and
# permissions, runs the unit's ExecStart as the unit's user on a free
# loopback port until "redis-cli ping" answers PONG, stops it with SIGTERM,
# then removes and purges the package and checks that what
# debian/kvsd.README.Debian promises is kept or deleted.
#
# The daemon is started with setpriv(1), not runuser(1): runuser stays as
# a parent process and reports 143 instead of the daemon's exit status.
set -u

DEADLINE=${KVSD_PKG_DEADLINE:-20}   # seconds for each wait
total=0
failed=0
tmp=
daemon_pid=
installed_by_us=0

ok() { total=$((total + 1)); echo "ok - $*"; }
not_ok() { total=$((total + 1)); failed=$((failed + 1)); echo "not ok - $*"; }
diag() { sed 's/^/# /'; }
skip() { total=$((total + 1)); echo "ok - $1 # SKIP $2"; }
# verdict STATUS DESCRIPTION [DIAGNOSTIC]: one TAP line from a status
# already in hand; DIAGNOSTIC is shown under a failure.
verdict() {
	if [ "$1" -eq 0 ]; then
		ok "$2"
	else
		not_ok "$2"
		[ $# -gt 2 ] && echo "$3" | diag
	fi
	return 0
}

# check DESCRIPTION COMMAND...: one TAP line from a command's status.
check() {
	desc=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		tail -n 20 "$tmp/out" | diag
	fi
}

# await SECONDS COMMAND...: poll COMMAND until it succeeds or time runs out.
await() {
	limit=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$limit" ] && return 1
		sleep 0.1
	done
}

finish() {
	status=$?
	if [ -n "$daemon_pid" ]; then
		kill -KILL "$daemon_pid" 2>/dev/null
		wait "$daemon_pid" 2>/dev/null
	fi
	if [ "$installed_by_us" = 1 ] && dpkg -s kvsd >/dev/null 2>&1; then
		dpkg --purge kvsd >/dev/null 2>&1
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
	exit "$status"
}

if [ $# -ne 1 ] || [ ! -f "$1" ]; then
	echo "usage: $0 path/to/kvsd_VERSION_ARCH.deb" >&2
	exit 2
fi
deb=$1
tmp=$(mktemp -d) || exit 2
trap finish EXIT
trap 'exit 130' INT TERM

# ---- static checks ----------------------------------------------------------

check "dpkg-deb can read $(basename "$deb")" dpkg-deb --info "$deb"
[ "$(dpkg-deb -f "$deb" Package)" = kvsd ]
verdict $? "package is named kvsd"
version=$(dpkg-deb -f "$deb" Version)
upstream=${version#*:}
upstream=${upstream%-*}

dpkg-deb -c "$deb" | awk '{ print $1, $2, $NF }' >"$tmp/contents"
has_file() {   # has_file MODE PATH: PATH in the package, root-owned, MODE
	grep -qx -- "$1 root/root ./$2" "$tmp/contents"
}
has_file -rwxr-xr-x usr/sbin/kvsd
verdict $? "ships /usr/sbin/kvsd (0755 root)"
for f in etc/kvsd.conf etc/logrotate.d/kvsd usr/lib/tmpfiles.d/kvsd.conf \
	usr/share/man/man8/kvsd.8.gz usr/share/man/man5/kvsd.conf.5.gz \
	usr/share/doc/kvsd/copyright; do
	has_file -rw-r--r-- "$f"
	verdict $? "ships /$f"
done
unit=
for d in lib/systemd/system usr/lib/systemd/system; do
	has_file -rw-r--r-- "$d/kvsd.service" && unit=/$d/kvsd.service
done
[ -n "$unit" ]
verdict $? "ships the unit ($unit)"

dpkg-deb -I "$deb" conffiles >"$tmp/conffiles" 2>/dev/null
grep -qx /etc/kvsd.conf "$tmp/conffiles"
verdict $? "/etc/kvsd.conf is a conffile"
grep -qx /etc/logrotate.d/kvsd "$tmp/conffiles"
verdict $? "/etc/logrotate.d/kvsd is a conffile"
dpkg-deb -f "$deb" Depends | tr ',' '\n' | grep -q '^ *adduser'
verdict $? "depends on adduser (used by postinst)"

# Hardening that hardening=+all promises, read from the ELF headers.
mkdir "$tmp/x" && dpkg-deb -x "$deb" "$tmp/x"
bin=$tmp/x/usr/sbin/kvsd
if command -v readelf >/dev/null && [ -f "$bin" ]; then
	readelf -Wh "$bin" | grep -q 'Type: *DYN'
	verdict $? "kvsd is PIE"
	readelf -Wl "$bin" | grep -q GNU_RELRO
	verdict $? "kvsd has RELRO"
	readelf -Wd "$bin" | grep -q BIND_NOW
	verdict $? "kvsd is linked with BIND_NOW"
	readelf -W --dyn-syms "$bin" | grep -q '__stack_chk_fail'
	verdict $? "kvsd uses the stack protector"
else
	skip "ELF hardening" "readelf (binutils) not installed or no binary"
fi

if command -v lintian >/dev/null; then
	# Root is fine here (CI); lintian only warns about it on stderr.
	lintian --fail-on error --display-info "$deb" >"$tmp/lintian" 2>"$tmp/lintian.err"
	lstatus=$?
	errors=$(grep -c '^E:' "$tmp/lintian")
	warnings=$(grep -c '^W:' "$tmp/lintian")
	if [ "$lstatus" -eq 0 ] && [ "$errors" -eq 0 ]; then
		ok "lintian: no errors ($warnings warnings)"
	else
		not_ok "lintian: no errors ($errors errors, status $lstatus)"
		diag <"$tmp/lintian.err"
	fi
	diag <"$tmp/lintian"
else
	skip "lintian" "lintian not installed"
fi

# ---- install, run, purge (KVSD_PKG_INSTALL=1) ------------------------------

if [ "${KVSD_PKG_INSTALL:-0}" != 1 ]; then
	skip "install, run and purge" "set KVSD_PKG_INSTALL=1 (root, throwaway machine)"
	echo "1..$total"
	[ "$failed" -eq 0 ]
	exit
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "Bail out! KVSD_PKG_INSTALL=1 needs root"
	exit 1
fi
if dpkg -s kvsd >/dev/null 2>&1 || getent passwd kvsd >/dev/null || [ -e /var/lib/kvsd ]; then
	echo "Bail out! kvsd is already installed or its account/data exist; use a clean machine"
	exit 1
fi

installed_by_us=1
check "dpkg -i installs the package" dpkg -i "$deb"

# stat_is PATH EXPECTED: owner:group and octal mode, e.g. "kvsd:kvsd 750".
stat_is() {
	actual=$(stat -c '%U:%G %a' "$1" 2>&1)
	[ "$actual" = "$2" ]
	verdict $? "$1 is $2" "got: $actual"
}
passwd_field() { getent passwd kvsd | cut -d: -f"$1"; }

check "user kvsd exists" getent passwd kvsd
check "group kvsd exists" getent group kvsd
uid=$(passwd_field 3)
[ -n "$uid" ] && [ "$uid" -lt 1000 ]
verdict $? "kvsd is a system account" "uid: ${uid:-none}"
[ "$(passwd_field 6)" = /var/lib/kvsd ]
verdict $? "kvsd's home is /var/lib/kvsd" "home: $(passwd_field 6)"
case $(passwd_field 7) in
*/nologin | /bin/false) ok "kvsd has no login shell" ;;
*) not_ok "kvsd has no login shell (got $(passwd_field 7))" ;;
esac
stat_is /var/lib/kvsd "kvsd:kvsd 750"
stat_is /var/log/kvsd "kvsd:kvsd 750"
stat_is /etc/kvsd.conf "root:kvsd 640"
check "installed unit names User=kvsd" grep -qx 'User=kvsd' "$unit"

# Run what the unit runs, as the unit's user, with the port overridden.
# The unit's RuntimeDirectory= is made by hand: systemd is not PID 1 here.
execstart=$(sed -n 's/^ExecStart=//p' "$unit")
install -d -o kvsd -g kvsd -m 0755 /run/kvsd
as_kvsd() { setpriv --reuid=kvsd --regid=kvsd --init-groups -- "$@"; }
redis() { redis-cli -h 127.0.0.1 -p "$port" "$@" 2>&1; }

check "kvsd --version names version $upstream" sh -c \
	"/usr/sbin/kvsd --version | grep -F -- '$upstream'"
check "kvsd --test-config /etc/kvsd.conf passes as user kvsd" \
	as_kvsd /usr/sbin/kvsd --test-config /etc/kvsd.conf

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Not through as_kvsd: "$!" must be the daemon itself, not a subshell.
# shellcheck disable=SC2086 # ExecStart is a command line to split
setpriv --reuid=kvsd --regid=kvsd --init-groups -- $execstart --port "$port" \
	>"$tmp/daemon.log" 2>&1 &
daemon_pid=$!
pong() { [ "$(redis ping)" = PONG ]; }
if await "$DEADLINE" pong; then
	ok "kvsd (ExecStart + --port $port) answers PING with PONG"
else
	not_ok "kvsd (ExecStart + --port $port) answers PING with PONG"
	diag <"$tmp/daemon.log"
	tail -n 20 /var/log/kvsd/*.log 2>/dev/null | diag
fi
[ "$(ps -o user= -p "$daemon_pid" 2>/dev/null)" = kvsd ]
verdict $? "the daemon runs as kvsd"
[ "$(redis set pkg:check value)" = OK ] && [ "$(redis get pkg:check)" = value ]
verdict $? "SET then GET round-trips"

# A child that exited stays a zombie (and "kill -0" succeeds) until waited
# for, so look at its state instead.
exited() {
	state=$(sed -n 's/^.*) \(.\).*/\1/p' "/proc/$daemon_pid/stat" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ]
}
kill -TERM "$daemon_pid" 2>/dev/null
if await "$DEADLINE" exited; then
	wait "$daemon_pid"
	dstatus=$?
	daemon_pid=
	[ "$dstatus" -eq 0 ]
	verdict $? "SIGTERM stops kvsd with status 0" "status: $dstatus"
else
	not_ok "SIGTERM stops kvsd within ${DEADLINE}s"
fi
rm -rf /run/kvsd

check "dpkg -r removes the package" dpkg -r kvsd
check "remove keeps user kvsd" getent passwd kvsd
check "remove keeps /var/lib/kvsd" test -d /var/lib/kvsd
check "remove keeps the conffile /etc/kvsd.conf" test -f /etc/kvsd.conf

check "dpkg --purge purges the package" dpkg --purge kvsd
installed_by_us=0
check "purge deletes user kvsd" sh -c '! getent passwd kvsd'
check "purge deletes group kvsd" sh -c '! getent group kvsd'
check "purge deletes /var/lib/kvsd" test ! -e /var/lib/kvsd
check "purge deletes /var/log/kvsd" test ! -e /var/log/kvsd
check "purge deletes /etc/kvsd.conf" test ! -e /etc/kvsd.conf
check "purge drops the statoverride on /etc/kvsd.conf" sh -c \
	'! dpkg-statoverride --list /etc/kvsd.conf'

echo "1..$total"
[ "$failed" -eq 0 ]
