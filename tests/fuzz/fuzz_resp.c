/*
 * fuzz_resp.c - libFuzzer target for the RESP request parser.
 *
 * Not part of the default build. Build and run (from a configured tree, as
 * tests/fuzz/run-fuzz.sh does):
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ilib \
 *         tests/fuzz/fuzz_resp.c lib/resp.c lib/buf.c lib/util.c -lm \
 *         -o fuzz_resp
 *   ./fuzz_resp -max_total_time=60 CORPUS_DIR
 *
 * Input: byte 0 picks the limits, byte 1 seeds how the rest is cut into
 * reads; the rest is the byte stream a client sent. The stream is parsed
 * once whole and once in pieces, each call seeing an exact-size copy of the
 * pending bytes (so ASan sees any read past the end and any pointer kept
 * across calls). Both must give the same requests, the same error and the
 * same unparsed tail; every argv view must lie inside what was consumed.
 */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "resp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct resp_limits limits[4] = {
	RESP_LIMITS_DEFAULT,
	{ 512u << 20, 64u << 10, 10, 1 },       /* before AUTH */
	{ 100, 40, 5, 0 },                      /* tiny: reach every limit */
	{ 16, 8, INT32_MAX, 1 },
};

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_resp: check failed: %s (line %d)\n", #cond, __LINE__); \
	abort(); } } while (0)

/* A transcript: each request as its argc and (len, bytes) pairs, then the
 * error text or the number of bytes left waiting. */
static void log_request(struct kvs_buf *log, const struct resp_parser *p,
			const char *buf, size_t used)
{
	kvs_buf_append(log, "R", 1);
	kvs_buf_append(log, &p->argc, sizeof p->argc);
	for (int i = 0; i < p->argc; i++) {
		const struct resp_arg *a = &p->argv[i];
		CHECK(a->p >= buf && a->len <= used && (size_t)(a->p - buf) <= used - a->len);
		kvs_buf_append(log, &a->len, sizeof a->len);
		kvs_buf_append(log, a->p, a->len);
	}
}

/* Parse everything complete in `pending`; 1 if the stream is finished
 * (protocol error). */
static int drain(struct resp_parser *p, struct kvs_buf *pending,
		 const struct resp_limits *lim, struct kvs_buf *log)
{
	for (;;) {
		size_t len = pending->len, used = 0;
		char *copy = malloc(len ? len : 1);
		enum resp_status st;

		CHECK(copy != NULL);
		if (len)
			memcpy(copy, pending->data, len);
		st = resp_parse(p, copy, len, lim, &used);
		if (st == RESP_OK) {
			CHECK(used > 0 && used <= len);
			log_request(log, p, copy, used);
			kvs_buf_consume(pending, used);
		} else if (st == RESP_ERR) {
			CHECK(p->err != NULL);
			kvs_buf_append(log, "E", 1);
			kvs_buf_append(log, p->err, strlen(p->err));
		} else {
			CHECK(st == RESP_AGAIN);
			CHECK(p->need == 0 || p->need > len);
		}
		free(copy);
		if (st != RESP_OK)
			return st == RESP_ERR;
	}
}

static void transcript(const uint8_t *s, size_t n, const struct resp_limits *lim,
		       unsigned seed, struct kvs_buf *log)
{
	struct resp_parser p;
	struct kvs_buf pending = KVS_BUF_INIT;
	uint32_t x = seed * 2654435761u + 1;
	size_t off = 0;
	int done = 0;

	resp_parser_init(&p);
	while (off < n && !done) {
		size_t chunk = n - off;
		if (seed == 1) {
			chunk = 1;
		} else if (seed > 1) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			chunk = 1 + x % (seed < 128 ? 8 : 64);
			if (chunk > n - off)
				chunk = n - off;
		}
		kvs_buf_append(&pending, s + off, chunk);
		off += chunk;
		done = drain(&p, &pending, lim, log);
	}
	if (n == 0)
		done = drain(&p, &pending, lim, log);
	if (!done) {
		kvs_buf_append(log, "A", 1);
		kvs_buf_append(log, &pending.len, sizeof pending.len);
	}
	kvs_buf_free(&pending);
	resp_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvs_buf whole = KVS_BUF_INIT, split = KVS_BUF_INIT;
	const struct resp_limits *lim;
	unsigned seed;

	if (size < 2)
		return 0;
	lim = &limits[data[0] & 3];
	seed = data[1];
	data += 2;
	size -= 2;
	transcript(data, size, lim, 0, &whole);
	transcript(data, size, lim, seed ? seed : 1, &split);
	CHECK(whole.len == split.len);
	CHECK(whole.len == 0 || memcmp(whole.data, split.data, whole.len) == 0);
	kvs_buf_free(&whole);
	kvs_buf_free(&split);
	return 0;
}
