/*
 * resp.c - incremental RESP request parser and reply writer (see resp.h).
 *
 * The parser mirrors redis-server 7.0's processMultibulkBuffer and
 * processInlineBuffer/sdssplitargs, including their error texts, but keeps
 * its progress as offsets so a partial request resumes where it stopped.
 */
#include "config.h"
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "resp.h"
#include "util.h"

#define E_MBULK        "ERR Protocol error: invalid multibulk length"
#define E_BULK         "ERR Protocol error: invalid bulk length"
#define E_BIG_MBULK    "ERR Protocol error: too big mbulk count string"
#define E_BIG_BULK     "ERR Protocol error: too big bulk count string"
#define E_BIG_INLINE   "ERR Protocol error: too big inline request"
#define E_QUOTES       "ERR Protocol error: unbalanced quotes in request"
#define E_UNAUTH_MBULK "ERR Protocol error: unauthenticated multibulk length"
#define E_UNAUTH_BULK  "ERR Protocol error: unauthenticated bulk length"

/* argv[] is kept between requests (no allocation per request), but a rare
 * huge request should not pin its slots for the life of the connection:
 * the next request that fits in ARGV_KEEP slots gives the rest back. */
#define ARGV_KEEP 1024
#define ARGV_MIN  16

static const struct resp_limits default_limits = RESP_LIMITS_DEFAULT;

/* ---- parser state ------------------------------------------------------ */

static void clear_request(struct resp_parser *p)
{
	p->nargs = 0;
	p->mb_left = -1;
	p->bulk_len = -1;
	p->pos = 0;
	p->scan = 0;
}

void resp_parser_init(struct resp_parser *p)
{
	memset(p, 0, sizeof *p);
	clear_request(p);
}

void resp_parser_free(struct resp_parser *p)
{
	free(p->argv);
	free(p->offs);
	resp_parser_init(p);
}

void resp_parser_reset(struct resp_parser *p)
{
	clear_request(p);
	p->argc = 0;
	p->need = 0;
}

static void set_cap(struct resp_parser *p, size_t cap)
{
	p->argv = kvs_realloc(p->argv, cap * sizeof *p->argv);
	p->offs = kvs_realloc(p->offs, cap * sizeof *p->offs);
	p->argcap = (int)cap;
}

/* Grow geometrically, but never past what a `*N` header announced: a
 * client claiming 2^31 arguments gets slots only as its arguments arrive. */
static void grow_args(struct resp_parser *p)
{
	size_t cap = p->argcap ? (size_t)p->argcap * 2 : ARGV_MIN;
	if (p->mb_left > 0 && cap > (size_t)p->nargs + (size_t)p->mb_left)
		cap = (size_t)p->nargs + (size_t)p->mb_left;
	if (cap > INT_MAX)
		cap = INT_MAX;
	set_cap(p, cap);
}

static inline void push_arg(struct resp_parser *p, size_t off, size_t len)
{
	if (p->nargs == p->argcap)
		grow_args(p);
	p->offs[p->nargs] = off;
	p->argv[p->nargs].len = len;
	p->nargs++;
}

static enum resp_status fail(struct resp_parser *p, const char *msg)
{
	p->err = msg;
	return RESP_ERR;
}

/* Redis formats the offending byte with %c and then turns CR/LF into
 * spaces; a NUL ends the C string there, as it does in Redis's sds. */
static enum resp_status fail_expected(struct resp_parser *p, char got)
{
	snprintf(p->errbuf, sizeof p->errbuf,
		 "ERR Protocol error: expected '$', got '%c'", got);
	for (char *c = p->errbuf; *c; c++)
		if (*c == '\r' || *c == '\n')
			*c = ' ';
	return fail(p, p->errbuf);
}

/* ---- multibulk --------------------------------------------------------- */

/* A header count with Redis's string2ll rules: optional '-', no '+', no
 * leading zeros (so no "-0"), at most 20 characters, fits a long long. */
static inline int parse_count(const char *s, size_t n, long long *out)
{
	unsigned long long v, lim;
	int neg = 0;
	size_t i;

	if (n == 0 || n > 20)
		return 0;
	if (n == 1 && s[0] == '0') {
		*out = 0;
		return 1;
	}
	if (s[0] == '-') {
		neg = 1;
		s++;
		n--;
		if (n == 0)
			return 0;
	}
	if ((unsigned char)(s[0] - '1') > 8)
		return 0;
	v = (unsigned char)(s[0] - '0');
	for (i = 1; i < n; i++) {
		unsigned d = (unsigned char)(s[i] - '0');
		if (d > 9)
			return 0;
		/* 18 digits cannot overflow; only longer ones need the check. */
		if (i >= 18 && v > (ULLONG_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	if (v > lim)
		return 0;
	*out = neg ? (long long)(0 - v) : (long long)v;
	return 1;
}

/* Find the CR ending the header line that starts at p->pos. 1: found, *eol
 * is its offset and the byte after it is present; 0: need more bytes; -1:
 * the line is longer than max. Resumes at p->scan so a line trickling in
 * is scanned once. */
static int find_header_end(struct resp_parser *p, const char *buf, size_t len,
			   size_t max, size_t *eol)
{
	size_t from = p->scan > p->pos ? p->scan : p->pos;
	const char *cr = memchr(buf + from, '\r', len - from);

	if (!cr) {
		if (len - p->pos > max)
			return -1;
		p->scan = len;
		return 0;
	}
	*eol = (size_t)(cr - buf);
	if (*eol - p->pos > max)
		return -1;
	if (*eol + 1 == len) {
		p->scan = *eol;
		return 0;
	}
	return 1;
}

static enum resp_status read_mbulk_header(struct resp_parser *p, const char *buf,
					  size_t len, const struct resp_limits *lim)
{
	size_t eol;
	long long n;
	int r = find_header_end(p, buf, len, lim->max_inline, &eol);

	if (r <= 0)
		return r < 0 ? fail(p, E_BIG_MBULK) : RESP_AGAIN;
	if (!parse_count(buf + 1, eol - 1, &n) || n > INT_MAX)
		return fail(p, E_MBULK);
	if (n > lim->max_multibulk)
		return fail(p, lim->unauth ? E_UNAUTH_MBULK : E_MBULK);
	p->pos = eol + 2;
	p->mb_left = n > 0 ? n : 0;
	return RESP_OK;
}

static enum resp_status read_bulk_header(struct resp_parser *p, const char *buf,
					 size_t len, const struct resp_limits *lim)
{
	size_t eol;
	long long n;
	int r = find_header_end(p, buf, len, lim->max_inline, &eol);

	if (r <= 0)
		return r < 0 ? fail(p, E_BIG_BULK) : RESP_AGAIN;
	if (buf[p->pos] != '$')
		return fail_expected(p, buf[p->pos]);
	if (!parse_count(buf + p->pos + 1, eol - p->pos - 1, &n) || n < 0 ||
	    (unsigned long long)n > lim->max_bulk)
		return fail(p, E_BULK);
	if (lim->unauth && n > RESP_UNAUTH_MAX_BULK)
		return fail(p, E_UNAUTH_BULK);
	p->pos = eol + 2;
	p->bulk_len = n;
	return RESP_OK;
}

static enum resp_status parse_multibulk(struct resp_parser *p, const char *buf,
					size_t len, const struct resp_limits *lim)
{
	enum resp_status st;

	if (p->mb_left < 0 && (st = read_mbulk_header(p, buf, len, lim)) != RESP_OK)
		return st;
	while (p->mb_left > 0) {
		size_t blen;
		if (p->bulk_len < 0 && (st = read_bulk_header(p, buf, len, lim)) != RESP_OK)
			return st;
		blen = (size_t)p->bulk_len;
		/* The two bytes after the data are skipped unchecked, as Redis
		 * does; only their presence is required. */
		if (len - p->pos < blen + 2) {
			p->need = p->pos + blen + 2;
			return RESP_AGAIN;
		}
		push_arg(p, p->pos, blen);
		p->pos += blen + 2;
		p->bulk_len = -1;
		p->mb_left--;
	}
	return RESP_OK;
}

/* ---- inline ------------------------------------------------------------ */

/* isspace() in the C locale, which is what sdssplitargs skips between
 * arguments (a token itself only ends at space, tab, CR or LF). */
static inline int is_blank(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The escape at s[r] == '\\' inside "...", r + 1 < n. Writes one byte to
 * *out and returns how many input bytes it used. */
static size_t dq_escape(const char *s, size_t r, size_t n, char *out)
{
	if (s[r + 1] == 'x' && r + 3 < n && hexval((unsigned char)s[r + 2]) >= 0 &&
	    hexval((unsigned char)s[r + 3]) >= 0) {
		*out = (char)(hexval((unsigned char)s[r + 2]) * 16 +
			      hexval((unsigned char)s[r + 3]));
		return 4;
	}
	switch (s[r + 1]) {
	case 'n': *out = '\n'; break;
	case 'r': *out = '\r'; break;
	case 't': *out = '\t'; break;
	case 'b': *out = '\b'; break;
	case 'a': *out = '\a'; break;
	default: *out = s[r + 1]; break;
	}
	return 2;
}

/* One sdssplitargs token starting at s[*rp], unescaped in place to s[*wp..]
 * (the output never outruns the input). 0, or -1 for unbalanced quotes. */
static int inline_token(char *s, size_t n, size_t *rp, size_t *wp)
{
	size_t r = *rp, w = *wp;
	char q = 0;

	for (;;) {
		char c;
		if (r == n) {
			if (q)
				return -1;
			break;
		}
		c = s[r];
		if (!q) {
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				break;
			if (c == '"' || c == '\'')
				q = c;
			else
				s[w++] = c;
			r++;
		} else if (c == q) {
			/* A closing quote must be followed by a blank or the end. */
			if (r + 1 < n && !is_blank((unsigned char)s[r + 1]))
				return -1;
			r++;
			break;
		} else if (c == '\\' && r + 1 < n && q == '"') {
			r += dq_escape(s, r, n, &s[w++]);
		} else if (c == '\\' && r + 1 < n && s[r + 1] == '\'') {
			s[w++] = '\'';
			r += 2;
		} else {
			s[w++] = c;
			r++;
		}
	}
	*rp = r;
	*wp = w;
	return 0;
}

static int split_inline(struct resp_parser *p, char *s, size_t n)
{
	size_t r = 0;

	for (;;) {
		size_t start, w;
		while (r < n && is_blank((unsigned char)s[r]))
			r++;
		if (r == n)
			return 0;
		start = w = r;
		if (inline_token(s, n, &r, &w) < 0)
			return -1;
		push_arg(p, start, w - start);
	}
}

static enum resp_status parse_inline(struct resp_parser *p, char *buf, size_t len,
				     const struct resp_limits *lim)
{
	/* Bounded so the argument count of one line always fits an int. */
	size_t max = lim->max_inline < INT_MAX ? lim->max_inline : INT_MAX;
	const char *nl = memchr(buf + p->scan, '\n', len - p->scan);
	size_t eol, end;

	if (!nl) {
		if (len > max)
			return fail(p, E_BIG_INLINE);
		p->scan = len;
		return RESP_AGAIN;
	}
	eol = (size_t)(nl - buf);
	if (eol > max)
		return fail(p, E_BIG_INLINE);
	end = eol > 0 && buf[eol - 1] == '\r' ? eol - 1 : eol;
	if (split_inline(p, buf, end) < 0)
		return fail(p, E_QUOTES);
	p->pos = eol + 1;
	return RESP_OK;
}

/* ---- entry point ------------------------------------------------------- */

enum resp_status resp_parse(struct resp_parser *p, char *buf, size_t len,
			    const struct resp_limits *lim, size_t *consumed)
{
	enum resp_status st;

	if (!lim)
		lim = &default_limits;
	p->need = 0;
	p->argc = 0;
	/* A caller that broke the contract (gave back fewer bytes) gets a
	 * fresh parse rather than reads past its buffer. */
	if (p->pos > len || p->scan > len)
		clear_request(p);
	if (len == 0)
		return RESP_AGAIN;

	if (buf[0] == '*')
		st = parse_multibulk(p, buf, len, lim);
	else
		st = parse_inline(p, buf, len, lim);
	if (st == RESP_AGAIN)
		return st;
	if (st == RESP_OK) {
		if (p->argcap > ARGV_KEEP && p->nargs <= ARGV_KEEP)
			set_cap(p, ARGV_KEEP);
		for (int i = 0; i < p->nargs; i++)
			p->argv[i].p = buf + p->offs[i];
		p->argc = p->nargs;
		*consumed = p->pos;
	}
	clear_request(p);
	return st;
}

/* ---- writer ------------------------------------------------------------ */

/* Most lengths and counts in replies are below 100: skip the general
 * conversion for them. o must have room for 21 bytes. */
static inline int put_ll(char *o, long long v)
{
	if (v >= 0 && v < 10) {
		o[0] = (char)('0' + v);
		return 1;
	}
	if (v >= 10 && v < 100) {
		o[0] = (char)('0' + v / 10);
		o[1] = (char)('0' + v % 10);
		return 2;
	}
	return kvs_ll2str(o, v);
}

/* "<type><n>\r\n", reserving `extra` more bytes for what follows. */
static inline void add_header(struct kvs_buf *b, char type, long long n, size_t extra)
{
	char *o;

	kvs_buf_reserve(b, 1 + 21 + 2 + extra);
	o = b->data + b->len;
	*o++ = type;
	o += put_ll(o, n);
	*o++ = '\r';
	*o++ = '\n';
	b->len = (size_t)(o - b->data);
}

static inline void add_crlf(struct kvs_buf *b)
{
	kvs_buf_reserve(b, 2);
	b->data[b->len++] = '\r';
	b->data[b->len++] = '\n';
}

/* "<type><bytes>\r\n" in one reservation. */
static void add_line(struct kvs_buf *b, char type, const char *s, size_t len)
{
	char *o;

	kvs_buf_reserve(b, len + 3);
	o = b->data + b->len;
	*o++ = type;
	if (len)
		memcpy(o, s, len);
	o += len;
	*o++ = '\r';
	*o++ = '\n';
	b->len = (size_t)(o - b->data);
}

void resp_add_simple(struct kvs_buf *b, const char *s, size_t len)
{
	add_line(b, '+', s, len);
}

void resp_add_status(struct kvs_buf *b, const char *s)
{
	add_line(b, '+', s, strlen(s));
}

void resp_add_error(struct kvs_buf *b, const char *msg, size_t len)
{
	char *o;

	add_line(b, '-', msg, len);
	o = b->data + b->len - 2 - len;
	for (size_t i = 0; i < len; i++)
		if (o[i] == '\r' || o[i] == '\n')
			o[i] = ' ';
}

void resp_add_int(struct kvs_buf *b, long long v)
{
	add_header(b, ':', v, 0);
}

void resp_add_bulk(struct kvs_buf *b, const void *p, size_t len)
{
	add_header(b, '$', (long long)len, len + 2);
	if (len)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len++] = '\r';
	b->data[b->len++] = '\n';
}

void resp_add_bulk_ll(struct kvs_buf *b, long long v)
{
	char tmp[24];
	int n = kvs_ll2str(tmp, v);
	resp_add_bulk(b, tmp, (size_t)n);
}

void resp_add_null(struct kvs_buf *b, int proto)
{
	if (proto >= 3)
		kvs_buf_append(b, "_\r\n", 3);
	else
		kvs_buf_append(b, "$-1\r\n", 5);
}

void resp_add_null_array(struct kvs_buf *b, int proto)
{
	if (proto >= 3)
		kvs_buf_append(b, "_\r\n", 3);
	else
		kvs_buf_append(b, "*-1\r\n", 5);
}

void resp_add_array(struct kvs_buf *b, long long n)
{
	add_header(b, '*', n, 0);
}

void resp_add_map(struct kvs_buf *b, int proto, long long npairs)
{
	if (proto >= 3)
		add_header(b, '%', npairs, 0);
	else
		add_header(b, '*', npairs * 2, 0);
}

void resp_add_set(struct kvs_buf *b, int proto, long long n)
{
	add_header(b, proto >= 3 ? '~' : '*', n, 0);
}

void resp_add_push(struct kvs_buf *b, int proto, long long n)
{
	add_header(b, proto >= 3 ? '>' : '*', n, 0);
}

/* RESP3 spells the non-finite doubles inf, -inf and nan; kvs_d2str already
 * does the first two, and a NaN's sign is not something to leak. */
void resp_add_double(struct kvs_buf *b, int proto, double d)
{
	char tmp[48];
	int n;

	if (isnan(d))
		n = snprintf(tmp, sizeof tmp, "nan");
	else
		n = kvs_d2str(tmp, sizeof tmp, d);
	if (proto >= 3)
		add_line(b, ',', tmp, (size_t)n);
	else
		resp_add_bulk(b, tmp, (size_t)n);
}

void resp_add_bool(struct kvs_buf *b, int proto, int v)
{
	if (proto >= 3)
		kvs_buf_append(b, v ? "#t\r\n" : "#f\r\n", 4);
	else
		kvs_buf_append(b, v ? ":1\r\n" : ":0\r\n", 4);
}

/* "=<len+4>\r\n<fmt>:<text>\r\n"; like Redis, a format shorter than three
 * characters is padded with spaces and a longer one cut. */
void resp_add_verbatim(struct kvs_buf *b, int proto, const char *fmt3,
		       const char *p, size_t len)
{
	char *o;

	if (proto < 3) {
		resp_add_bulk(b, p, len);
		return;
	}
	add_header(b, '=', (long long)(len + 4), len + 6);
	o = b->data + b->len;
	for (int i = 0; i < 3; i++)
		o[i] = (fmt3 && *fmt3) ? *fmt3++ : ' ';
	o[3] = ':';
	if (len)
		memcpy(o + 4, p, len);
	b->len += len + 4;
	add_crlf(b);
}

void resp_add_bignum(struct kvs_buf *b, int proto, const char *digits, size_t len)
{
	if (proto >= 3)
		add_line(b, '(', digits, len);
	else
		resp_add_bulk(b, digits, len);
}

/* "<digits>\r\n" at *pp (before end): the number, *pp past it; -1 if not. */
static long long peek_num(const char **pp, const char *end)
{
	const char *p = *pp;
	long long v = 0;
	if (p >= end || *p < '0' || *p > '9')
		return -1;
	while (p < end && *p >= '0' && *p <= '9') {
		if (v > 100000000000LL)
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
		return -1;
	*pp = p + 2;
	return v;
}

size_t resp_peek_key(const char *buf, size_t len, const char **key, size_t *klen)
{
	const char *p = buf, *end = buf + len;
	*key = NULL;
	*klen = 0;
	if (len < 4 || *p++ != '*')
		return 0;
	long long n = peek_num(&p, end);
	if (n < 1 || n > 1024 * 1024)
		return 0;
	for (long long i = 0; i < n; i++) {
		if (p >= end || *p++ != '$')
			return 0;
		long long l = peek_num(&p, end);
		if (l < 0 || l > end - p || end - p - l < 2 || p[l] != '\r' || p[l + 1] != '\n')
			return 0;
		if (i == 1) {
			*key = p;
			*klen = (size_t)l;
		}
		p += l + 2;
	}
	return (size_t)(p - buf);
}
