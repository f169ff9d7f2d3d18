/*
 * check_resp.c - the RESP parser and reply writer.
 *
 * Expected results are written out by hand from the RESP spec and from what
 * redis-server 7.0 replies to the same bytes (checked over a socket), never
 * produced by the code under test. A parsed request is rendered as
 * "[arg;arg;]" with bytes outside printable ASCII (and ; [ ] \) as \xHH, so
 * "[]" is an empty request and "[;]" one empty argument.
 */
#include "config.h"
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "resp.h"

/* ---- a connection in miniature ----------------------------------------- */

struct feeder {
	struct resp_parser p;
	struct kvs_buf in;      /* bytes not yet consumed */
	struct kvs_buf out;     /* rendering of what was parsed, NUL-terminated */
	const struct resp_limits *lim;
	int copy;               /* hand the parser a fresh exact-size copy */
	int failed;
};

static void feeder_init(struct feeder *f, int copy, const struct resp_limits *lim)
{
	memset(f, 0, sizeof *f);
	resp_parser_init(&f->p);
	f->copy = copy;
	f->lim = lim;
	kvs_buf_append(&f->out, "", 1);
	f->out.len = 0;
}

static void feeder_free(struct feeder *f)
{
	resp_parser_free(&f->p);
	kvs_buf_free(&f->in);
	kvs_buf_free(&f->out);
}

static void out_str(struct feeder *f, const char *s, size_t n)
{
	kvs_buf_append(&f->out, s, n);
	kvs_buf_putc(&f->out, '\0');
	f->out.len--;
}

static void render(struct feeder *f)
{
	char hex[8];
	out_str(f, "[", 1);
	for (int i = 0; i < f->p.argc; i++) {
		const unsigned char *s = (const unsigned char *)f->p.argv[i].p;
		for (size_t j = 0; j < f->p.argv[i].len; j++) {
			if (s[j] < 0x20 || s[j] > 0x7e || strchr(";[]\\", s[j])) {
				snprintf(hex, sizeof hex, "\\x%02x", s[j]);
				out_str(f, hex, 4);
			} else {
				out_str(f, (const char *)s + j, 1);
			}
		}
		out_str(f, ";", 1);
	}
	out_str(f, "]", 1);
}

/* Append bytes and parse every complete request, as the daemon would. In
 * copy mode each call sees a new malloc'd block of exactly the pending
 * length: ASan then catches both stale pointers and reads past the end.
 * Misbehaviour shows up in the rendering (Check's per-assertion cost is too
 * high for this inner loop). */
static void feed(struct feeder *f, const char *data, size_t n)
{
	enum resp_status st;
	if (f->failed)
		return;
	kvs_buf_append(&f->in, data, n);
	do {
		char *buf = f->in.data;
		size_t len = f->in.len, used = (size_t)-1;
		if (f->copy) {
			buf = malloc(len ? len : 1);
			if (!buf)
				abort();
			if (len)
				memcpy(buf, f->in.data, len);
		}
		st = resp_parse(&f->p, buf, len, f->lim, &used);
		if (st == RESP_OK && used > 0 && used <= len) {
			render(f);
			kvs_buf_consume(&f->in, used);
		} else if (st == RESP_OK) {
			out_str(f, "<BAD CONSUMED>", 14);
			st = RESP_ERR;
		} else if (st == RESP_ERR) {
			const char *e = f->p.err ? f->p.err : "(null)";
			out_str(f, "ERR<", 4);
			out_str(f, e, strlen(e));
			out_str(f, ">", 1);
			f->failed = 1;
		} else if (st != RESP_AGAIN || used != (size_t)-1 || f->p.argc != 0) {
			out_str(f, "<BAD AGAIN>", 11);
			f->failed = 1;
		}
		if (f->copy)
			free(buf);
	} while (st == RESP_OK);
}

static void feed_bytewise(struct feeder *f, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++)
		feed(f, data + i, 1);
}

#define LIT(s) s, sizeof(s) - 1

/* ---- pipelines split everywhere ---------------------------------------- */

static const char PIPE[] =
	"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\nx\0\r\n"
	"PING\r\n"
	"\r\n"
	"SET a \"b c\" 'd\\'e' \"\\x41\\n\"\n"
	"*0\r\n"
	"*-1\r\n"
	"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"
	"  GET   key \t\r\n"
	"*1\r\n$4\r\nPING\r\n"
	"\n"
	"*2\r\n$3\r\nGET\r\n$10\r\n0123456789\r\n";

static const char PIPE_WANT[] =
	"[SET;k;v\\x0d\\x0ax\\x00;]"
	"[PING;]"
	"[]"
	"[SET;a;b c;d'e;A\\x0a;]"
	"[]"
	"[]"
	"[ECHO;;]"
	"[GET;key;]"
	"[PING;]"
	"[]"
	"[GET;0123456789;]";

START_TEST(test_pipeline_whole)
{
	struct feeder f;
	feeder_init(&f, _i, NULL);
	feed(&f, LIT(PIPE));
	ck_assert_str_eq(f.out.data, PIPE_WANT);
	ck_assert_uint_eq(f.in.len, 0);
	feeder_free(&f);
}
END_TEST

START_TEST(test_pipeline_split2)
{
	size_t n = sizeof PIPE - 1;
	for (size_t s = 0; s <= n; s++) {
		struct feeder f;
		feeder_init(&f, _i, NULL);
		feed(&f, PIPE, s);
		feed(&f, PIPE + s, n - s);
		ck_assert_msg(strcmp(f.out.data, PIPE_WANT) == 0,
			      "split at %zu: got %s", s, f.out.data);
		ck_assert_uint_eq(f.in.len, 0);
		feeder_free(&f);
	}
}
END_TEST

START_TEST(test_pipeline_split3)
{
	size_t n = sizeof PIPE - 1;
	for (size_t a = 0; a <= n; a++) {
		for (size_t b = a; b <= n; b++) {
			struct feeder f;
			feeder_init(&f, _i, NULL);
			feed(&f, PIPE, a);
			feed(&f, PIPE + a, b - a);
			feed(&f, PIPE + b, n - b);
			ck_assert_msg(strcmp(f.out.data, PIPE_WANT) == 0,
				      "split at %zu,%zu: got %s", a, b, f.out.data);
			feeder_free(&f);
		}
	}
}
END_TEST

START_TEST(test_pipeline_bytewise)
{
	struct feeder f;
	feeder_init(&f, _i, NULL);
	feed_bytewise(&f, LIT(PIPE));
	ck_assert_str_eq(f.out.data, PIPE_WANT);
	ck_assert_uint_eq(f.in.len, 0);
	feeder_free(&f);
}
END_TEST

/* redis-server accepts these: a header line ends at the first CR and the
 * byte after it is not looked at, nor are the two after a bulk; a negative
 * `*N` is an empty request. */
START_TEST(test_redis_leniency)
{
	struct feeder f;
	feeder_init(&f, _i, NULL);
	feed(&f, LIT("*1\rX$4\rXPINGXY" "*-5\r\n" "*2\r\n$1\r\na\r\n$1\r\nb\n\n"));
	ck_assert_str_eq(f.out.data, "[PING;][][a;b;]");
	feeder_free(&f);
}
END_TEST

/* ---- resume state ------------------------------------------------------ */

START_TEST(test_resume_offsets)
{
	struct resp_parser p;
	char buf[64];
	size_t used = 0;

	resp_parser_init(&p);
	memcpy(buf, "*1\r\n$5", 6);
	ck_assert_int_eq(resp_parse(&p, buf, 6, NULL, &used), RESP_AGAIN);
	ck_assert_uint_eq(p.pos, 4);    /* the *1 line is done with */
	ck_assert_uint_eq(p.scan, 6);   /* the $5 line was searched to the end */
	ck_assert_uint_eq(p.need, 0);
	buf[6] = '\r';
	ck_assert_int_eq(resp_parse(&p, buf, 7, NULL, &used), RESP_AGAIN);
	ck_assert_uint_eq(p.pos, 4);
	buf[7] = '\n';
	ck_assert_int_eq(resp_parse(&p, buf, 8, NULL, &used), RESP_AGAIN);
	ck_assert_uint_eq(p.pos, 8);
	ck_assert_uint_eq(p.need, 15);  /* 8 + 5 + CRLF */
	memcpy(buf + 8, "abcde\r", 6);
	ck_assert_int_eq(resp_parse(&p, buf, 14, NULL, &used), RESP_AGAIN);
	ck_assert_uint_eq(p.need, 15);
	buf[14] = '\n';
	ck_assert_int_eq(resp_parse(&p, buf, 15, NULL, &used), RESP_OK);
	ck_assert_uint_eq(used, 15);
	ck_assert_int_eq(p.argc, 1);
	ck_assert_ptr_eq(p.argv[0].p, buf + 8);
	ck_assert_uint_eq(p.argv[0].len, 5);
	resp_parser_free(&p);
}
END_TEST

/* A line arriving a byte at a time is searched once: after every call the
 * scan position is the end of what was given. */
START_TEST(test_resume_inline_linear)
{
	enum { N = 60000 };
	struct resp_parser p;
	char *buf = malloc(N + 2);
	size_t used = 0;

	ck_assert_ptr_nonnull(buf);
	resp_parser_init(&p);
	memset(buf, 'a', N);
	buf[3] = ' ';
	size_t bad = 0;
	for (size_t len = 1; len <= N; len++) {
		if (resp_parse(&p, buf, len, NULL, &used) != RESP_AGAIN || p.scan != len)
			bad++;
	}
	ck_assert_uint_eq(bad, 0);
	memcpy(buf + N, "\r\n", 2);
	ck_assert_int_eq(resp_parse(&p, buf, N + 2, NULL, &used), RESP_OK);
	ck_assert_uint_eq(used, N + 2);
	ck_assert_int_eq(p.argc, 2);
	ck_assert_uint_eq(p.argv[0].len, 3);
	ck_assert_uint_eq(p.argv[1].len, N - 4);
	resp_parser_free(&p);
	free(buf);
}
END_TEST

/* The caller moves the buffer between calls: argv must point into the
 * buffer of the call that returned RESP_OK. */
START_TEST(test_realloc_between_calls)
{
	static const char req[] = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
	struct resp_parser p;
	size_t used = 0, n = sizeof req - 1;
	char *old = NULL;

	resp_parser_init(&p);
	for (size_t len = 1; len <= n; len++) {
		char *buf = malloc(len);
		enum resp_status st;
		ck_assert_ptr_nonnull(buf);
		memcpy(buf, req, len);
		free(old);
		old = buf;
		st = resp_parse(&p, buf, len, NULL, &used);
		if (st != (len == n ? RESP_OK : RESP_AGAIN))
			ck_abort_msg("status %d at length %zu", st, len);
	}
	ck_assert_int_eq(p.argc, 3);
	ck_assert_ptr_eq(p.argv[0].p, old + 8);
	ck_assert_ptr_eq(p.argv[1].p, old + 17);
	ck_assert_ptr_eq(p.argv[2].p, old + 26);
	ck_assert(memcmp(p.argv[2].p, "value", 5) == 0);
	free(old);
	resp_parser_free(&p);
}
END_TEST

START_TEST(test_reset_and_reuse)
{
	struct resp_parser p;
	char buf[64];
	size_t used = 0;

	resp_parser_init(&p);
	memcpy(buf, "*2\r\n$3\r\nGET\r\n$3\r\nk", 18);
	ck_assert_int_eq(resp_parse(&p, buf, 18, NULL, &used), RESP_AGAIN);
	resp_parser_reset(&p);
	memcpy(buf, "PING\r\n", 6);
	ck_assert_int_eq(resp_parse(&p, buf, 6, NULL, &used), RESP_OK);
	ck_assert_int_eq(p.argc, 1);
	ck_assert_uint_eq(used, 6);

	/* After an error the parser starts over on the next call. */
	memcpy(buf, "*2\r\n$1\r\na\r\n$x\r\n", 15);
	ck_assert_int_eq(resp_parse(&p, buf, 15, NULL, &used), RESP_ERR);
	ck_assert_str_eq(p.err, "ERR Protocol error: invalid bulk length");
	memcpy(buf, "GET key1 key2\r\n", 15);
	ck_assert_int_eq(resp_parse(&p, buf, 15, NULL, &used), RESP_OK);
	ck_assert_int_eq(p.argc, 3);
	ck_assert_uint_eq(used, 15);

	/* Given fewer bytes than it already parsed, it starts over rather
	 * than reading past the end. */
	memcpy(buf, "*2\r\n$3\r\nGET\r\n$3\r\nk", 18);
	ck_assert_int_eq(resp_parse(&p, buf, 18, NULL, &used), RESP_AGAIN);
	memcpy(buf, "PING\r\n", 6);
	ck_assert_int_eq(resp_parse(&p, buf, 6, NULL, &used), RESP_OK);
	ck_assert_int_eq(p.argc, 1);
	ck_assert(memcmp(p.argv[0].p, "PING", 4) == 0);
	resp_parser_free(&p);
}
END_TEST

/* ---- errors and limits ------------------------------------------------- */

static const struct resp_limits LIM_DEFAULT = RESP_LIMITS_DEFAULT;
static const struct resp_limits LIM_UNAUTH = { 512u << 20, 64u << 10, 10, 1 };
static const struct resp_limits LIM_1MB = { 1u << 20, 64u << 10, INT32_MAX, 0 };

struct err_case {
	const char *in;
	size_t len;
	const struct resp_limits *lim;
	const char *want;       /* rendering, "" for "still waiting" */
};

#define EC(s, lim, want) { s, sizeof(s) - 1, lim, want }
#define E(m) "ERR<ERR Protocol error: " m ">"

static const struct err_case err_cases[] = {
	EC("*3000000000\r\n", NULL, E("invalid multibulk length")),
	EC("*2147483648\r\n", NULL, E("invalid multibulk length")),
	EC("*9223372036854775808\r\n", NULL, E("invalid multibulk length")),
	EC("*\r\n", NULL, E("invalid multibulk length")),
	EC("*01\r\n", NULL, E("invalid multibulk length")),
	EC("*+1\r\n", NULL, E("invalid multibulk length")),
	EC("*-0\r\n", NULL, E("invalid multibulk length")),
	EC("*-\r\n", NULL, E("invalid multibulk length")),
	EC("*1x\r\n", NULL, E("invalid multibulk length")),
	EC("*1 \r\n", NULL, E("invalid multibulk length")),
	EC("*1\0\r\n", NULL, E("invalid multibulk length")),
	EC("*1\r\n$-1\r\n", NULL, E("invalid bulk length")),
	EC("*1\r\n$\r\n", NULL, E("invalid bulk length")),
	EC("*1\r\n$1x\r\n", NULL, E("invalid bulk length")),
	EC("*1\r\n$01\r\n", NULL, E("invalid bulk length")),
	EC("*1\r\n$+1\r\n", NULL, E("invalid bulk length")),
	EC("*1\r\n$-0\r\n", NULL, E("invalid bulk length")),
	EC("*1\r\n$99999999999999999999\r\n", NULL, E("invalid bulk length")),
	EC("*1\r\n$536870913\r\n", NULL, E("invalid bulk length")),
	EC("*1\r\n$536870913\r\n", &LIM_DEFAULT, E("invalid bulk length")),
	EC("*1\r\n$1048577\r\n", &LIM_1MB, E("invalid bulk length")),
	EC("*2\r\n$3\r\nGET\r\n$1048577\r\n", &LIM_1MB, E("invalid bulk length")),
	EC("*1\r\nX\r\n", NULL, E("expected '$', got 'X'")),
	EC("*2\r\n$1\r\na\r\n:1\r\n", NULL, E("expected '$', got ':'")),
	EC("*1\r\n\r\n", NULL, E("expected '$', got ' '")),
	EC("*1\r\n\n\r\n", NULL, E("expected '$', got ' '")),
	EC("*1\r\n\xff\r\n", NULL, E("expected '$', got '\xff'")),
	EC("ECHO \"a\"b\r\n", NULL, E("unbalanced quotes in request")),
	EC("ECHO \"a\r\n", NULL, E("unbalanced quotes in request")),
	EC("ECHO 'a\\'\r\n", NULL, E("unbalanced quotes in request")),
	EC("*11\r\n", &LIM_UNAUTH, E("unauthenticated multibulk length")),
	EC("*2147483648\r\n", &LIM_UNAUTH, E("invalid multibulk length")),
	EC("*1\r\n$16385\r\n", &LIM_UNAUTH, E("unauthenticated bulk length")),
	EC("*1\r\n$-1\r\n", &LIM_UNAUTH, E("invalid bulk length")),
	EC("*1\r\n$536870913\r\n", &LIM_UNAUTH, E("invalid bulk length")),
	/* Requests before the bad one are still delivered. */
	EC("PING\r\n*1\r\n$4\r\nPING\r\n*1\r\nX\r\n", NULL,
	   "[PING;][PING;]" E("expected '$', got 'X'")),
	/* Not errors: legal so far, waiting for more. */
	EC("*10\r\n", &LIM_UNAUTH, ""),
	EC("*1\r\n$16384\r\n", &LIM_UNAUTH, ""),
	EC("*2147483647\r\n", NULL, ""),
	EC("*1\r\n$536870912\r\n", NULL, ""),
	EC("*1\r\n$1048576\r\n", &LIM_1MB, ""),
	EC("*1\r\nX", NULL, ""),
	EC("*1\r\n$3\r\nabc\r", NULL, ""),
	EC("\"unterminated", NULL, ""),
};

START_TEST(test_errors)
{
	const struct err_case *c = &err_cases[_i];
	struct feeder f;

	for (int mode = 0; mode < 3; mode++) {
		feeder_init(&f, mode == 2, c->lim);
		if (mode == 0)
			feed(&f, c->in, c->len);
		else
			feed_bytewise(&f, c->in, c->len);
		ck_assert_msg(strcmp(f.out.data, c->want) == 0, "case %d mode %d: got %s",
			      _i, mode, f.out.data);
		feeder_free(&f);
	}
}
END_TEST

static char *repeat(const char *head, char fill, size_t n, const char *tail)
{
	size_t h = strlen(head), t = strlen(tail);
	char *s = malloc(h + n + t + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, head, h);
	memset(s + h, fill, n);
	memcpy(s + h + n, tail, t + 1);
	return s;
}

struct big_case {
	const char *head;
	size_t n;
	const char *tail;
	const char *want;
};

/* Redis errs when more than 64 KiB (65536) bytes of a line are buffered
 * without its end; counted from the line's first byte. */
static const struct big_case big_cases[] = {
	{ "*", 65535, "", "" },
	{ "*", 65536, "", E("too big mbulk count string") },
	{ "*", 65535, "\r\n", E("invalid multibulk length") },
	{ "*", 65536, "\r\n", E("too big mbulk count string") },
	{ "*1\r\n$", 65535, "", "" },
	{ "*1\r\n$", 65536, "", E("too big bulk count string") },
	{ "*1\r\n$", 65536, "\r\n", E("too big bulk count string") },
	{ "*1\r\n", 65536, "", "" },
	{ "*1\r\n", 65537, "", E("too big bulk count string") },
	{ "PING ", 65531, "", "" },
	{ "PING ", 65532, "", E("too big inline request") },
	/* 65536 bytes before the LF, counting the CR: accepted. */
	{ "E ", 65533, "\r\n", "[E;" },
	{ "E ", 65534, "\n", "[E;" },
	/* Longer, even though the end is there: "too big" however it was
	 * split into reads (redis-server's answer depends on the split). */
	{ "E ", 65534, "\r\n", E("too big inline request") },
	{ "E ", 70000, "\r\n", E("too big inline request") },
};

START_TEST(test_too_big)
{
	const struct big_case *c = &big_cases[_i];
	char *in = repeat(c->head, '1', c->n, c->tail);
	size_t len = strlen(in);
	struct feeder f;

	for (int mode = 0; mode < 2; mode++) {
		feeder_init(&f, 0, NULL);
		if (mode == 0)
			feed(&f, in, len);
		else
			feed_bytewise(&f, in, len);
		ck_assert_msg(strncmp(f.out.data, c->want, strlen(c->want)) == 0,
			      "case %d mode %d: got %.80s", _i, mode, f.out.data);
		if (c->want[0] == '[')
			ck_assert_uint_eq(f.out.len, 3 + c->n + 2);
		else
			ck_assert_uint_eq(f.out.len, strlen(c->want));
		feeder_free(&f);
	}
	free(in);
}
END_TEST

START_TEST(test_need_hint)
{
	struct resp_parser p;
	char buf[64];
	size_t used = 0;
	static const struct resp_limits lim = { 1u << 20, 64u << 10, INT32_MAX, 0 };

	resp_parser_init(&p);
	memcpy(buf, "*1\r\n$1048576\r\nabc", 17);
	ck_assert_int_eq(resp_parse(&p, buf, 17, &lim, &used), RESP_AGAIN);
	ck_assert_uint_eq(p.need, 14 + 1048576 + 2);
	resp_parser_reset(&p);
	memcpy(buf, "*2\r\n$3\r\nSET\r\n$536870912\r\n", 25);
	ck_assert_int_eq(resp_parse(&p, buf, 25, NULL, &used), RESP_AGAIN);
	ck_assert_uint_eq(p.need, 25 + 536870912 + 2);
	resp_parser_reset(&p);
	memcpy(buf, "GET k", 5);
	ck_assert_int_eq(resp_parse(&p, buf, 5, NULL, &used), RESP_AGAIN);
	ck_assert_uint_eq(p.need, 0);
	resp_parser_free(&p);
}
END_TEST

/* A header may announce 2^31-1 arguments; slots come only as they arrive. */
START_TEST(test_no_prealloc)
{
	struct resp_parser p;
	struct kvs_buf b = KVS_BUF_INIT;
	size_t used = 0;

	resp_parser_init(&p);
	kvs_buf_append(&b, LIT("*2147483647\r\n"));
	for (int i = 0; i < 100; i++)
		kvs_buf_append(&b, LIT("$1\r\na\r\n"));
	ck_assert_int_eq(resp_parse(&p, b.data, b.len, NULL, &used), RESP_AGAIN);
	ck_assert_int_eq(p.nargs, 100);
	ck_assert_int_le(p.argcap, 200);
	kvs_buf_free(&b);
	resp_parser_free(&p);
}
END_TEST

/* After a huge request the next ordinary one gives the slots back. */
START_TEST(test_argv_shrinks)
{
	struct feeder f;
	struct kvs_buf b = KVS_BUF_INIT;

	feeder_init(&f, 0, NULL);
	kvs_buf_append(&b, LIT("*5000\r\n"));
	for (int i = 0; i < 5000; i++)
		kvs_buf_append(&b, LIT("$0\r\n\r\n"));
	feed(&f, b.data, b.len);
	ck_assert_int_eq(f.p.argcap, 5000);     /* grown to fit, not past */
	ck_assert_uint_eq(f.out.len, 5000 + 2);
	feed(&f, LIT("PING\r\n"));
	ck_assert_int_le(f.p.argcap, 1024);
	ck_assert_str_eq(f.out.data + 5002, "[PING;]");
	kvs_buf_free(&b);
	feeder_free(&f);
}
END_TEST

/* ---- inline quoting (results from redis-server 7.0 via RPUSH/LRANGE) --- */

struct inline_case {
	const char *line;
	size_t len;
	const char *want;
};

#define IC(s, want) { s, sizeof(s) - 1, want }
#define UNBAL E("unbalanced quotes in request")

static const struct inline_case inline_cases[] = {
	IC("SET a \"b c\"", "[SET;a;b c;]"),
	IC("\"a\\x41\\x4g\\n\\q\"", "[aAx4g\\x0aq;]"),
	IC("'a\\'b'", "[a'b;]"),
	IC("'a\\x41'", "[a\\x5cx41;]"),
	IC("a\vb", "[a\\x0bb;]"),
	IC("\va", "[a;]"),
	IC("\"a\"\vx", "[a;x;]"),
	IC("\"a\"\f", "[a;]"),
	IC("a\"b c\"", "[ab c;]"),
	IC("\"\"", "[;]"),
	IC("''", "[;]"),
	IC("\"\\x4\"", "[x4;]"),
	IC("\"a\rb\"", "[a\\x0db;]"),
	IC("a\r\rb", "[a;b;]"),
	IC("\"\\t\\b\\a\\r\\\"\\\\\"", "[\\x09\\x08\\x07\\x0d\"\\x5c;]"),
	IC("\"\\xZZ\\x7f\\xFf\"", "[xZZ\\x7f\\xff;]"),
	IC("  \t x  \t ", "[x;]"),
	IC("a'b'", "[ab;]"),
	IC("\"a\"\r", "[a;]"),
	IC("   ", "[]"),
	IC("", "[]"),
	/* kvsd: NUL is an ordinary byte (redis-server stalls on it). */
	IC("a\0b c", "[a\\x00b;c;]"),
	IC("a\"b\"c", UNBAL),
	IC("\"a\"b", UNBAL),
	IC("\"a", UNBAL),
	IC("'a\\'", UNBAL),
	IC("'a\\\\'", UNBAL),
	IC("\"a\\\"", UNBAL),
	IC("a'b c'd", UNBAL),
	IC("'a'\"b\"", UNBAL),
	IC("\"\\", UNBAL),
};

START_TEST(test_inline)
{
	const struct inline_case *c = &inline_cases[_i];
	static const char *const ends[] = { "\r\n", "\n" };

	for (int e = 0; e < 2; e++) {
		for (int mode = 0; mode < 2; mode++) {
			struct feeder f;
			feeder_init(&f, 1, NULL);
			if (mode == 0) {
				feed(&f, c->line, c->len);
				feed(&f, ends[e], strlen(ends[e]));
			} else {
				feed_bytewise(&f, c->line, c->len);
				feed_bytewise(&f, ends[e], strlen(ends[e]));
			}
			ck_assert_msg(strcmp(f.out.data, c->want) == 0,
				      "case %d end %d mode %d: got %s", _i, e, mode, f.out.data);
			feeder_free(&f);
		}
	}
}
END_TEST

/* ---- writer ------------------------------------------------------------ */

#define ck_buf(b, lit) do { \
	ck_assert_uint_eq((b)->len, sizeof(lit) - 1); \
	ck_assert_msg(memcmp((b)->data, lit, sizeof(lit) - 1) == 0, \
		      "got %.*s", (int)(b)->len, (b)->data); \
	(b)->len = 0; \
} while (0)

START_TEST(test_write_scalars)
{
	struct kvs_buf b = KVS_BUF_INIT;

	resp_add_simple(&b, "OK", 2);
	ck_buf(&b, "+OK\r\n");
	resp_add_simple(&b, "", 0);
	ck_buf(&b, "+\r\n");
	resp_add_status(&b, "PONG");
	ck_buf(&b, "+PONG\r\n");
	resp_add_error(&b, LIT("ERR bad\r\nthing\rx\ny"));
	ck_buf(&b, "-ERR bad  thing x y\r\n");
	resp_add_error(&b, LIT("WRONGTYPE Operation against a key"));
	ck_buf(&b, "-WRONGTYPE Operation against a key\r\n");
	resp_add_int(&b, 0);
	ck_buf(&b, ":0\r\n");
	resp_add_int(&b, -1);
	ck_buf(&b, ":-1\r\n");
	resp_add_int(&b, 9);
	ck_buf(&b, ":9\r\n");
	resp_add_int(&b, 10);
	ck_buf(&b, ":10\r\n");
	resp_add_int(&b, 99);
	ck_buf(&b, ":99\r\n");
	resp_add_int(&b, 100);
	ck_buf(&b, ":100\r\n");
	resp_add_int(&b, -10);
	ck_buf(&b, ":-10\r\n");
	resp_add_int(&b, LLONG_MAX);
	ck_buf(&b, ":9223372036854775807\r\n");
	resp_add_int(&b, LLONG_MIN);
	ck_buf(&b, ":-9223372036854775808\r\n");
	resp_add_bulk(&b, "hello", 5);
	ck_buf(&b, "$5\r\nhello\r\n");
	resp_add_bulk(&b, "", 0);
	ck_buf(&b, "$0\r\n\r\n");
	resp_add_bulk(&b, "a\0\r\nb", 5);
	ck_buf(&b, "$5\r\na\0\r\nb\r\n");
	{
		char big[1000];
		memset(big, 'z', sizeof big);
		resp_add_bulk(&b, big, 1000);
		ck_assert_uint_eq(b.len, 7 + 1000 + 2);
		ck_assert(memcmp(b.data, "$1000\r\nzz", 9) == 0);
		ck_assert(memcmp(b.data + 1007, "\r\n", 2) == 0);
		b.len = 0;
	}
	resp_add_bulk_ll(&b, -42);
	ck_buf(&b, "$3\r\n-42\r\n");
	resp_add_bulk_ll(&b, LLONG_MIN);
	ck_buf(&b, "$20\r\n-9223372036854775808\r\n");
	kvs_buf_free(&b);
}
END_TEST

START_TEST(test_write_resp2)
{
	struct kvs_buf b = KVS_BUF_INIT;

	resp_add_null(&b, 2);
	ck_buf(&b, "$-1\r\n");
	resp_add_null_array(&b, 2);
	ck_buf(&b, "*-1\r\n");
	resp_add_array(&b, 3);
	ck_buf(&b, "*3\r\n");
	resp_add_array(&b, 0);
	ck_buf(&b, "*0\r\n");
	resp_add_map(&b, 2, 2);
	ck_buf(&b, "*4\r\n");
	resp_add_set(&b, 2, 3);
	ck_buf(&b, "*3\r\n");
	resp_add_push(&b, 2, 3);
	ck_buf(&b, "*3\r\n");
	resp_add_double(&b, 2, 1.5);
	ck_buf(&b, "$3\r\n1.5\r\n");
	resp_add_double(&b, 2, -0.25);
	ck_buf(&b, "$5\r\n-0.25\r\n");
	resp_add_double(&b, 2, 3.0);
	ck_buf(&b, "$1\r\n3\r\n");
	resp_add_double(&b, 2, 1e20);
	ck_buf(&b, "$5\r\n1e+20\r\n");
	resp_add_double(&b, 2, INFINITY);
	ck_buf(&b, "$3\r\ninf\r\n");
	resp_add_double(&b, 2, -INFINITY);
	ck_buf(&b, "$4\r\n-inf\r\n");
	resp_add_double(&b, 2, NAN);
	ck_buf(&b, "$3\r\nnan\r\n");
	resp_add_bool(&b, 2, 1);
	ck_buf(&b, ":1\r\n");
	resp_add_bool(&b, 2, 0);
	ck_buf(&b, ":0\r\n");
	resp_add_verbatim(&b, 2, "txt", "Some string", 11);
	ck_buf(&b, "$11\r\nSome string\r\n");
	resp_add_bignum(&b, 2, LIT("3492890328409238509324850943850943825024385"));
	ck_buf(&b, "$43\r\n3492890328409238509324850943850943825024385\r\n");
	kvs_buf_free(&b);
}
END_TEST

START_TEST(test_write_resp3)
{
	struct kvs_buf b = KVS_BUF_INIT;

	resp_add_null(&b, 3);
	ck_buf(&b, "_\r\n");
	resp_add_null_array(&b, 3);
	ck_buf(&b, "_\r\n");
	resp_add_map(&b, 3, 2);
	ck_buf(&b, "%2\r\n");
	resp_add_set(&b, 3, 3);
	ck_buf(&b, "~3\r\n");
	resp_add_push(&b, 3, 3);
	ck_buf(&b, ">3\r\n");
	resp_add_double(&b, 3, 1.5);
	ck_buf(&b, ",1.5\r\n");
	resp_add_double(&b, 3, -0.25);
	ck_buf(&b, ",-0.25\r\n");
	resp_add_double(&b, 3, 3.0);
	ck_buf(&b, ",3\r\n");
	resp_add_double(&b, 3, 1e20);
	ck_buf(&b, ",1e+20\r\n");
	resp_add_double(&b, 3, INFINITY);
	ck_buf(&b, ",inf\r\n");
	resp_add_double(&b, 3, -INFINITY);
	ck_buf(&b, ",-inf\r\n");
	resp_add_double(&b, 3, NAN);
	ck_buf(&b, ",nan\r\n");
	resp_add_double(&b, 3, -NAN);
	ck_buf(&b, ",nan\r\n");
	resp_add_bool(&b, 3, 1);
	ck_buf(&b, "#t\r\n");
	resp_add_bool(&b, 3, 0);
	ck_buf(&b, "#f\r\n");
	resp_add_verbatim(&b, 3, "txt", "Some string", 11);
	ck_buf(&b, "=15\r\ntxt:Some string\r\n");
	resp_add_verbatim(&b, 3, "md", "x", 1);
	ck_buf(&b, "=5\r\nmd :x\r\n");
	resp_add_verbatim(&b, 3, "txt", "", 0);
	ck_buf(&b, "=4\r\ntxt:\r\n");
	resp_add_bignum(&b, 3, LIT("3492890328409238509324850943850943825024385"));
	ck_buf(&b, "(3492890328409238509324850943850943825024385\r\n");
	kvs_buf_free(&b);
}
END_TEST

/* A whole nested reply appended piece by piece lands in one buffer. */
START_TEST(test_write_sequence)
{
	struct kvs_buf b = KVS_BUF_INIT;

	resp_add_map(&b, 3, 2);
	resp_add_bulk(&b, "first", 5);
	resp_add_int(&b, 1);
	resp_add_bulk(&b, "second", 6);
	resp_add_array(&b, 2);
	resp_add_null(&b, 3);
	resp_add_bool(&b, 3, 1);
	ck_buf(&b, "%2\r\n$5\r\nfirst\r\n:1\r\n$6\r\nsecond\r\n*2\r\n_\r\n#t\r\n");
	for (int i = 0; i < 1000; i++)
		resp_add_bulk(&b, "0123456789", 10);
	ck_assert_uint_eq(b.len, 1000 * 17);
	ck_assert(memcmp(b.data + 999 * 17, "$10\r\n0123456789\r\n", 17) == 0);
	kvs_buf_free(&b);
}
END_TEST

/* ---- resp_peek_key ------------------------------------------------------ */

START_TEST(test_peek_key_whole_requests)
{
	const char *k;
	size_t kl;
	const char req[] = "*3\r\n$3\r\nSET\r\n$5\r\nmykey\r\n$2\r\nhi\r\n*1\r\n$4\r\nPING\r\n";
	size_t first = strlen("*3\r\n$3\r\nSET\r\n$5\r\nmykey\r\n$2\r\nhi\r\n");
	ck_assert_uint_eq(resp_peek_key(req, strlen(req), &k, &kl), first);
	ck_assert_ptr_eq(k, req + strlen("*3\r\n$3\r\nSET\r\n$5\r\n"));
	ck_assert_uint_eq(kl, 5);
	/* The next request has no key. */
	ck_assert_uint_eq(resp_peek_key(req + first, strlen(req) - first, &k, &kl), strlen(req) - first);
	ck_assert_ptr_null(k);
	ck_assert_uint_eq(kl, 0);
	/* An empty key is still a key. */
	const char empty[] = "*2\r\n$3\r\nGET\r\n$0\r\n\r\n";
	ck_assert_uint_eq(resp_peek_key(empty, strlen(empty), &k, &kl), strlen(empty));
	ck_assert_ptr_eq(k, empty + strlen("*2\r\n$3\r\nGET\r\n$0\r\n"));
	ck_assert_uint_eq(kl, 0);
}
END_TEST

START_TEST(test_peek_key_refuses_what_is_not_whole)
{
	const char *k;
	size_t kl;
	const char req[] = "*2\r\n$3\r\nGET\r\n$3\r\nabc\r\n";
	/* Every proper prefix is incomplete. */
	for (size_t n = 0; n < strlen(req); n++)
		ck_assert_uint_eq(resp_peek_key(req, n, &k, &kl), 0);
	const char *bad[] = {
		"GET abc\r\n",                          /* inline */
		"*0\r\n",                               /* no arguments */
		"*-1\r\n",
		"*2\r\n$3\r\nGET\r\n$4\r\nabc\r\n",     /* length does not match */
		"*2\r\n$3\r\nGET\r\n+abc\r\n",          /* not a bulk */
		"*2\r\n$3\r\nGET\r\n$3\r\nabcXY",       /* no CRLF after the bulk */
		"*x\r\n",
		"*2\n$3\r\nGET\r\n$3\r\nabc\r\n",       /* bare LF */
		"*2\r\n$99999999999999999999\r\n",      /* absurd length */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(resp_peek_key(bad[i], strlen(bad[i]), &k, &kl) == 0, "accepted %s", bad[i]);
}
END_TEST

START_TEST(test_peek_key_agrees_with_parser)
{
	/* A pipelined batch: the lengths peek reports are the bytes the parser
	 * consumes request by request, and the key views coincide. */
	char batch[4096];
	size_t len = 0;
	for (int i = 0; i < 20; i++)
		len += (size_t)snprintf(batch + len, sizeof batch - len,
					"*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$1\r\nv\r\n", i < 10 ? 5 : 6, i);
	struct resp_parser p;
	resp_parser_init(&p);
	size_t off = 0;
	while (off < len) {
		const char *k;
		size_t kl, used = 0;
		size_t peek = resp_peek_key(batch + off, len - off, &k, &kl);
		ck_assert_int_eq(resp_parse(&p, batch + off, len - off, NULL, &used), RESP_OK);
		ck_assert_uint_eq(peek, used);
		ck_assert_int_eq(p.argc, 3);
		ck_assert_ptr_eq(k, p.argv[1].p);
		ck_assert_uint_eq(kl, p.argv[1].len);
		off += used;
	}
	resp_parser_free(&p);
}
END_TEST

static Suite *resp_suite(void)
{
	Suite *s = suite_create("resp");
	TCase *tc = tcase_create("parser");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_pipeline_whole, 0, 2);
	tcase_add_loop_test(tc, test_pipeline_split2, 0, 2);
	tcase_add_loop_test(tc, test_pipeline_split3, 0, 2);
	tcase_add_loop_test(tc, test_pipeline_bytewise, 0, 2);
	tcase_add_loop_test(tc, test_redis_leniency, 0, 2);
	tcase_add_test(tc, test_resume_offsets);
	tcase_add_test(tc, test_resume_inline_linear);
	tcase_add_test(tc, test_realloc_between_calls);
	tcase_add_test(tc, test_reset_and_reuse);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof err_cases / sizeof err_cases[0]));
	tcase_add_loop_test(tc, test_too_big, 0, (int)(sizeof big_cases / sizeof big_cases[0]));
	tcase_add_test(tc, test_need_hint);
	tcase_add_test(tc, test_no_prealloc);
	tcase_add_test(tc, test_argv_shrinks);
	tcase_add_loop_test(tc, test_inline, 0,
			    (int)(sizeof inline_cases / sizeof inline_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("writer");
	tcase_add_test(tc, test_write_scalars);
	tcase_add_test(tc, test_write_resp2);
	tcase_add_test(tc, test_write_resp3);
	tcase_add_test(tc, test_write_sequence);
	tcase_add_test(tc, test_peek_key_whole_requests);
	tcase_add_test(tc, test_peek_key_refuses_what_is_not_whole);
	tcase_add_test(tc, test_peek_key_agrees_with_parser);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(resp_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
