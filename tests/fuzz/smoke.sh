#!/bin/sh
# make check: a short libFuzzer run of the RESP parser (DESIGN.md section 9).
# Skipped (exit 77) where clang with libFuzzer is not installed. The
# duration is KVSD_FUZZ_SECONDS (default 10).
here=$(cd "$(dirname "$0")" && pwd)
cc=${CLANG:-clang}
probe=$(mktemp -d "${TMPDIR:-/tmp}/fuzzprobe.XXXXXX")
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n){(void)d;(void)n;return 0;}\n' >"$probe/p.c"
if ! command -v "$cc" >/dev/null 2>&1 ||
   ! "$cc" -fsanitize=fuzzer "$probe/p.c" -o "$probe/p" >/dev/null 2>&1; then
	echo "SKIP: clang with libFuzzer not available"
	exit 77
fi
# Crash inputs go to the temp dir (the source tree is read-only in distcheck).
BUILD_DIR=$(pwd) ARTIFACTS="$probe/" "$here/run-fuzz.sh" "${KVSD_FUZZ_SECONDS:-10}" >"$probe/out" 2>&1
rc=$?
tail -n 12 "$probe/out"
if [ "$rc" -eq 0 ]; then echo "KVSD-RESULT: 1 passed, 0 failed"; else echo "KVSD-RESULT: 0 passed, 1 failed"; fi
exit "$rc"
