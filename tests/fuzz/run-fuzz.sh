#!/bin/sh
# Build the libFuzzer target for the RESP parser with clang and run it.
# Usage: tests/fuzz/run-fuzz.sh [seconds] [extra libFuzzer flags...]
# Run from a configured tree (it needs config.h). Not part of `make`.
set -eu
secs=${1:-60}
[ $# -gt 0 ] && shift
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$top}
[ -f "$build/config.h" ] || { echo "run ./configure first (no $build/config.h)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz_resp.XXXXXX")
trap 'rm -rf "$work"' EXIT
${CLANG:-clang} -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I"$build" -I"$top/lib" "$top/tests/fuzz/fuzz_resp.c" "$top/lib/resp.c" \
	"$top/lib/buf.c" "$top/lib/util.c" -lm -o "$work/fuzz_resp"
# Seeds: byte 0 = limits, byte 1 = split seed, then a client's bytes.
mkdir "$work/corpus"
i=0
for s in '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n' 'PING\r\n\r\nECHO "a\\x41\\n" '"'b\\\\'c'"'\n' \
	'*1\r\n$4\r\nPING\r\n*0\r\n*-1\r\nGET k\n' '*2\r\n$4\r\nECHO\r\n$20\r\n' 'SET a "b c'; do
	for pre in '\000\003' '\001\001' '\002\200' '\003\007'; do
		printf "$pre$s" > "$work/corpus/seed$i"
		i=$((i + 1))
	done
done
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	"$work/fuzz_resp" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="${ARTIFACTS:-$top/}" "$@" "$work/corpus"
