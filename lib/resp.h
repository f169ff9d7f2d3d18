/*
 * resp.h - incremental RESP request parser and reply writer.
 *
 * PARSER. The daemon reads bytes into one contiguous buffer and calls
 * resp_parse() on the unparsed part. Arguments come back as views (pointer,
 * length) into that buffer: nothing is copied. A request that is not yet
 * complete returns RESP_AGAIN; the parser remembers how far it got (as
 * offsets, so the caller may realloc/compact the buffer between calls as
 * long as it keeps the unparsed bytes starting at the same place it passes
 * next time) and resumes there, so a request arriving one byte at a time
 * costs O(its size), not O(size^2).
 *
 * Both the multibulk form (`*N\r\n$L\r\n...`) and the inline form
 * (`SET a b\r\n`, with Redis's quoting rules: "..." with \n \r \t \b \a
 * \\ \" \xHH escapes and '...' with \' escape) are accepted. Inline
 * arguments that contained escapes are unescaped in place in the caller's
 * buffer (they only ever get shorter), so the buffer is not const.
 *
 * Limits (the parser checks them before anything is allocated):
 *   max_bulk      largest bulk length accepted (proto-max-bulk-len)
 *   max_inline    longest inline request line, and longest `*N` / `$L`
 *                 header line (Redis: PROTO_INLINE_MAX_SIZE, 64 KiB)
 *   max_multibulk largest `*N` accepted (Redis: INT_MAX; 10 before AUTH,
 *                 when the "unauthenticated" errors are used instead)
 *   unauth        also caps bulk lengths at RESP_UNAUTH_MAX_BULK
 *
 * Where Redis's behaviour depends on how the bytes were split into reads,
 * the parser picks the split-independent rule, so feeding a stream in any
 * pieces gives the same requests and errors as feeding it whole:
 *   - a line longer than max_inline is "too big" even when its end is
 *     already in the buffer (Redis errs only if it has not seen the end);
 *   - a NUL byte is an ordinary byte (Redis scans lines with strchr, so a
 *     NUL in a header or inline line makes it wait for more input until
 *     the "too big" limit). Header counts containing one are invalid.
 * Like Redis, a `*N` / `$L` line ends at the first CR and the byte after it
 * is skipped unchecked, and the two bytes after a bulk are not checked to
 * be CRLF; `*N` with N <= 0 is an empty request.
 *
 * WRITER. resp_add_* append one reply element to a struct kvs_buf. The
 * RESP3-only types fall back to their RESP2 forms when proto == 2, exactly
 * as Redis does (map -> flat array, set -> array, double -> bulk string,
 * null -> $-1 or *-1, bool -> :1/:0, push -> array, verbatim -> bulk).
 */
#ifndef KVS_RESP_H
#define KVS_RESP_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

struct resp_arg {
	char *p;        /* points into the caller's buffer; not NUL-terminated */
	size_t len;
};

enum resp_status {
	RESP_OK = 0,    /* one request parsed: p->argc/p->argv are valid */
	RESP_AGAIN,     /* need more bytes; call again with the same start */
	RESP_ERR,       /* protocol error: p->err says which; close the conn */
};

struct resp_limits {
	size_t max_bulk;        /* default 512 MiB */
	size_t max_inline;      /* default 64 KiB */
	long long max_multibulk;/* default INT32_MAX; 10 before AUTH */
	int unauth;             /* use Redis's "unauthenticated ..." errors */
};

/* Redis's defaults; resp_parse() uses them when passed lim == NULL. */
#define RESP_LIMITS_DEFAULT { 512u * 1024 * 1024, 64u * 1024, INT32_MAX, 0 }
/* Bulk length cap for unauthenticated clients (Redis hard-codes it). */
#define RESP_UNAUTH_MAX_BULK 16384

struct resp_parser {
	/* Result of the last RESP_OK: argv[0..argc-1]. argv is owned by the
	 * parser and valid until the next resp_parse()/resp_parser_free(). */
	int argc;
	struct resp_arg *argv;
	/* After RESP_ERR: the error text without "-" and "\r\n", e.g.
	 * "ERR Protocol error: invalid bulk length", exactly as Redis words it.
	 * Points to static storage or into the parser itself; valid until the
	 * next resp_parse()/resp_parser_free(). */
	const char *err;
	/* Hint after RESP_AGAIN: total bytes (from the request start) known to
	 * be needed before the request can complete, or 0 if unknown. Lets the
	 * caller grow its buffer once for a large bulk. */
	size_t need;
	/* Private resume state: everything is an offset from the request start
	 * so the caller's buffer may move between calls. */
	int nargs;              /* arguments parsed so far */
	int argcap;             /* capacity of argv[] and offs[] */
	long long mb_left;      /* arguments still to read; -1: no `*N` yet */
	long long bulk_len;     /* length of the pending bulk; -1: want `$L` */
	size_t pos;             /* offset of the next unparsed byte */
	size_t scan;            /* where the search for a line end resumes */
	size_t *offs;           /* offs[i]: where argument i starts */
	char errbuf[48];        /* err text that quotes a byte of the input */
};

void resp_parser_init(struct resp_parser *p);
void resp_parser_free(struct resp_parser *p);
/* Forget any partial request (after the caller dropped its buffer). */
void resp_parser_reset(struct resp_parser *p);

/* Parse one request from buf[0..len). On RESP_OK *consumed is the number of
 * bytes the request used (the caller drops them after executing it). An
 * empty request (a blank inline line, `*0` or `*-1`) returns RESP_OK with
 * argc == 0 and *consumed set: Redis skips those. After RESP_AGAIN, call
 * again with the same bytes at the start of buf (more appended; buf may have
 * been reallocated). After RESP_ERR the parser is back at its initial state;
 * *consumed is only written on RESP_OK. lim may be NULL: Redis's defaults.
 * In steady state this allocates nothing (argv is kept between requests). */
/* Look ahead without a parser: if buf starts with a whole multibulk
 * request (`*N\r\n` then N `$L\r\n<L bytes>\r\n`, N <= 1M), return its
 * length in bytes and point *key and *klen at its second argument (NULL, 0
 * when N < 2). Return 0 for anything else (incomplete, inline, malformed):
 * resp_parse() is the judge of those. For prefetching only. */
size_t resp_peek_key(const char *buf, size_t len, const char **key, size_t *klen);

enum resp_status resp_parse(struct resp_parser *p, char *buf, size_t len,
			    const struct resp_limits *lim, size_t *consumed);

/* ---- writer ------------------------------------------------------------ */
void resp_add_simple(struct kvs_buf *b, const char *s, size_t len);   /* +s */
void resp_add_status(struct kvs_buf *b, const char *s);               /* +s (C string) */
/* "-<msg>\r\n"; msg must start with its code ("ERR ...", "WRONGTYPE ...");
 * CR/LF inside msg are replaced by spaces so a reply can't be split. */
void resp_add_error(struct kvs_buf *b, const char *msg, size_t len);
void resp_add_int(struct kvs_buf *b, long long v);                     /* :v */
void resp_add_bulk(struct kvs_buf *b, const void *p, size_t len);      /* $len */
void resp_add_bulk_ll(struct kvs_buf *b, long long v);                 /* integer as bulk */
void resp_add_null(struct kvs_buf *b, int proto);                      /* $-1 | _ */
void resp_add_null_array(struct kvs_buf *b, int proto);                /* *-1 | _ */
void resp_add_array(struct kvs_buf *b, long long n);                   /* *n */
void resp_add_map(struct kvs_buf *b, int proto, long long npairs);     /* %n | *2n */
void resp_add_set(struct kvs_buf *b, int proto, long long n);          /* ~n | *n */
void resp_add_push(struct kvs_buf *b, int proto, long long n);         /* >n | *n */
/* ",<d>" | bulk "<d>", <d> as kvs_d2str prints it (inf, -inf; any NaN is
 * "nan"). Note kvs_d2str gives the shortest round-trip form ("3.14", as
 * Redis >= 7.2), where redis-server 7.0 sends %.17g ("3.1400000000000001"). */
void resp_add_double(struct kvs_buf *b, int proto, double d);
void resp_add_bool(struct kvs_buf *b, int proto, int v);               /* #t | :1 */
void resp_add_verbatim(struct kvs_buf *b, int proto, const char *fmt3,
		       const char *p, size_t len);                       /* =len txt: | bulk */
void resp_add_bignum(struct kvs_buf *b, int proto, const char *digits, size_t len);

#endif
