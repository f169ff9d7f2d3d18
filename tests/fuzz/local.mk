# A short fuzz run of the RESP parser (needs clang + libFuzzer; else skipped).
EXTRA_DIST += tests/fuzz/fuzz_resp.c tests/fuzz/run-fuzz.sh tests/fuzz/smoke.sh
TESTS += tests/fuzz/smoke.sh
