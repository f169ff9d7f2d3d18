/*
 * t_zset.c - sorted-set commands on one set: ZADD, ZRANGE and its
 * variants, ZREMRANGE*, ZPOP*, the blocking BZPOP* / BZMPOP, and the
 * small readers. Set algebra, ZRANDMEMBER and ZSCAN are in t_zsetops.c.
 *
 * Semantics, reply shapes (RESP2 flat pairs, RESP3 nested pairs and
 * doubles) and error texts follow Redis 7.0 (t_zset.c there). Values are
 * struct kvs_zset (zset.h) behind PTR entries; changes go through the
 * keyspace write path (ks_written after an in-place change, ks_put for a
 * new set, ks_delete_at when a set becomes empty: empty sets are never
 * stored). Every member added or re-scored gets its own HLC stamp, which
 * per-member last-writer-wins replication needs.
 *
 * Blocking pops re-run for a waiter (KVS_CL_SERVING) skip keys of the
 * wrong type and block again when nothing is left; see block.h.
 */
#include "config.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "block.h"
#include "commands.h"
#include "snap.h"
#include "t_zset.h"

#define ERR_MINMAX   "ERR min or max is not a float"
#define ERR_LEXRANGE "ERR min or max not valid string range item"
#define ERR_NAN      "ERR resulting score is not a number (NaN)"
#define ERR_POSITIVE "ERR value is out of range, must be positive"

static inline int serving(const struct kvs_client *c) { return (c->flags & KVS_CL_SERVING) != 0; }

/* After an in-place change: report it, or delete the emptied key. */
static void zset_changed(struct kvs_client *c, const struct kvs_key *k, size_t slot, struct kvs_entry *e)
{
	if (zset_of(e)->len == 0)
		ks_delete_at(&c->eng->ks, c->db, k, slot, KVS_CHG_DELETE, c->now);
	else
		ks_written(&c->eng->ks, c->db, k, slot, e, c->now);
}

static void restamp(struct kvs_client *c, const struct kvs_key *k, struct kvs_znode *n)
{
	kvs_znode_entry(n)->stamp = kvs_hlc_tick(&c->eng->ks.shard[k->shard].hlc, c->now, c->eng->ks.node_id);
}

/* ---- range arguments ---------------------------------------------------------- */

/* One bound of a score range as Redis's zslParseRange reads it: optional
 * "(" then anything strtod() takes whole ("inf", " 1", "" = 0), not NaN. */
static int parse_score_bound(const struct resp_arg *a, double *v, int *ex)
{
	char buf[128], *s = buf, *end;
	const char *p = a->p;
	size_t len = a->len;
	*ex = len && p[0] == '(';
	if (*ex) {
		p++;
		len--;
	}
	if (len >= sizeof buf)
		s = kvs_malloc(len + 1);
	memcpy(s, p, len);
	s[len] = '\0';
	*v = strtod(s, &end);
	int ok = *end == '\0' && !isnan(*v);
	if (s != buf)
		free(s);
	return ok ? 0 : -1;
}

static int parse_range(const struct resp_arg *min, const struct resp_arg *max, struct kvs_zrange *r)
{
	return parse_score_bound(min, &r->min, &r->minex) < 0 || parse_score_bound(max, &r->max, &r->maxex) < 0
		       ? -1 : 0;
}

/* "-", "+", "[member" or "(member" (zslParseLexRangeItem; a NUL right
 * after "-" or "+" ends the item there, as in C). */
static int parse_lex_bound(const struct resp_arg *a, struct kvs_zlex *b)
{
	const char *p = a->p;
	b->p = NULL;
	b->len = 0;
	b->inf = 0;
	if (a->len == 0)
		return -1;
	switch (p[0]) {
	case '+':
	case '-':
		if (a->len > 1 && p[1] != '\0')
			return -1;
		b->inf = p[0] == '+' ? 1 : -1;
		b->ex = 1;
		return 0;
	case '(':
	case '[':
		b->ex = p[0] == '(';
		b->p = p + 1;
		b->len = a->len - 1;
		return 0;
	default:
		return -1;
	}
}

static int parse_lex(const struct resp_arg *min, const struct resp_arg *max, struct kvs_zlexrange *r)
{
	return parse_lex_bound(min, &r->min) < 0 || parse_lex_bound(max, &r->max) < 0 ? -1 : 0;
}

/* ---- ZADD / ZINCRBY ------------------------------------------------------------ */

struct zadd_opts {
	int nx, xx, gt, lt, ch, incr;
};

struct zadd_count {
	long long added, updated, processed;
	double score;      /* the last member's resulting score (INCR) */
};

/* Redis's zsetAdd for one member; -1 if INCR made the score NaN. */
static int zadd_one(struct kvs_client *c, const struct kvs_key *k, struct kvs_zset *z, double score,
		    const struct resp_arg *m, const struct zadd_opts *o, struct zadd_count *n)
{
	struct kvs_znode *x = kvs_zset_find(z, m->p, m->len);
	if (!x) {
		if (o->xx)
			return 0;
		zset_add(c, k, z, score, m->p, m->len);
		n->added++;
		n->processed++;
		n->score = score;
		return 0;
	}
	if (o->nx)
		return 0;
	double cur = x->score;
	if (o->incr) {
		score += cur;
		if (isnan(score))
			return -1;
	}
	if ((o->lt && score >= cur) || (o->gt && score <= cur))
		return 0;
	n->processed++;
	n->score = score;
	if (score != cur) {
		kvs_zset_set_score(z, x, score);
		restamp(c, k, x);
		n->updated++;
	}
	return 0;
}

/* Options, then pairs; argv[si] is the first score. Replies and returns
 * -1 on error (Redis's order of checks). */
static int zadd_parse(struct kvs_client *c, struct zadd_opts *o, int *si)
{
	for (*si = 2; *si < c->argc; (*si)++) {
		if (arg_is(c, *si, "nx"))
			o->nx = 1;
		else if (arg_is(c, *si, "xx"))
			o->xx = 1;
		else if (arg_is(c, *si, "ch"))
			o->ch = 1;
		else if (arg_is(c, *si, "incr"))
			o->incr = 1;
		else if (arg_is(c, *si, "gt"))
			o->gt = 1;
		else if (arg_is(c, *si, "lt"))
			o->lt = 1;
		else
			break;
	}
	int elems = c->argc - *si;
	if (elems == 0 || elems % 2) {
		reply_syntax(c);
		return -1;
	}
	if (o->nx && o->xx) {
		reply_error(c, "ERR XX and NX options at the same time are not compatible");
		return -1;
	}
	if ((o->gt && o->nx) || (o->lt && o->nx) || (o->gt && o->lt)) {
		reply_error(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
		return -1;
	}
	if (o->incr && elems > 2) {
		reply_error(c, "ERR INCR option supports a single increment-element pair");
		return -1;
	}
	return 0;
}

static void zadd_generic(struct kvs_client *c, struct zadd_opts *o, int si)
{
	struct kvs_key k;
	struct zadd_count n = { 0, 0, 0, 0 };
	size_t slot;
	int npairs = (c->argc - si) / 2, failed = 0;
	double stack[16], *scores = npairs <= 16 ? stack : kvs_malloc((size_t)npairs * sizeof *scores);
	for (int j = 0; j < npairs; j++)
		if (arg_double(c, si + 2 * j, &scores[j], NULL) < 0)
			goto done;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (e && !is_zset(e)) {
		reply_wrongtype(c);
		goto done;
	}
	if (e || !o->xx) {
		struct kvs_zset *z = e ? zset_of(e) : zset_create(c);
		for (int j = 0; j < npairs && !failed; j++)
			failed = zadd_one(c, &k, z, scores[j], &c->argv[si + 2 * j + 1], o, &n) < 0;
		if (e && (n.added || n.updated))
			ks_written(&c->eng->ks, c->db, &k, slot, e, c->now);
		else if (!e)
			zset_store(c, &k, z);
	}
	if (failed)
		reply_error(c, ERR_NAN);
	else if (o->incr && n.processed)
		reply_double(c, n.score);
	else if (o->incr)
		reply_null(c);
	else
		reply_int(c, o->ch ? n.added + n.updated : n.added);
done:
	if (scores != stack)
		free(scores);
}

static void cmd_zadd(struct kvs_client *c)
{
	struct zadd_opts o = { 0, 0, 0, 0, 0, 0 };
	int si;
	if (zadd_parse(c, &o, &si) == 0)
		zadd_generic(c, &o, si);
}

static void cmd_zincrby(struct kvs_client *c)
{
	struct zadd_opts o = { 0, 0, 0, 0, 0, 1 };
	zadd_generic(c, &o, 2);
}

static void cmd_zrem(struct kvs_client *c)
{
	struct kvs_key k;
	size_t slot;
	long long deleted = 0;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (!is_zset(e)) {
		reply_wrongtype(c);
		return;
	}
	struct kvs_zset *z = zset_of(e);
	for (int j = 2; j < c->argc && z->len; j++) {
		struct kvs_znode *x = kvs_zset_find(z, c->argv[j].p, c->argv[j].len);
		if (x) {
			kvs_zset_delete(z, x);
			deleted++;
		}
	}
	if (deleted)
		zset_changed(c, &k, slot, e);
	reply_int(c, deleted);
}

/* ---- small readers -------------------------------------------------------------- */

/* The zset at argv[1] for reading: NULL with nothing replied if absent,
 * NULL after WRONGTYPE (*wrong set) if it is another type. */
static struct kvs_zset *read_zset(struct kvs_client *c, int *wrong)
{
	struct kvs_key k;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	*wrong = 0;
	if (e && !is_zset(e)) {
		reply_wrongtype(c);
		*wrong = 1;
		return NULL;
	}
	return e ? zset_of(e) : NULL;
}

static void cmd_zcard(struct kvs_client *c)
{
	int wrong;
	struct kvs_zset *z = read_zset(c, &wrong);
	if (!wrong)
		reply_int(c, z ? (long long)z->len : 0);
}

static void cmd_zscore(struct kvs_client *c)
{
	int wrong;
	struct kvs_zset *z = read_zset(c, &wrong);
	if (wrong)
		return;
	struct kvs_znode *x = z ? kvs_zset_find(z, c->argv[2].p, c->argv[2].len) : NULL;
	if (x)
		reply_double(c, x->score);
	else
		reply_null(c);
}

static void cmd_zmscore(struct kvs_client *c)
{
	int wrong;
	struct kvs_zset *z = read_zset(c, &wrong);
	if (wrong)
		return;
	reply_array(c, c->argc - 2);
	for (int j = 2; j < c->argc; j++) {
		struct kvs_znode *x = z ? kvs_zset_find(z, c->argv[j].p, c->argv[j].len) : NULL;
		if (x)
			reply_double(c, x->score);
		else
			reply_null(c);
	}
}

static void rank_generic(struct kvs_client *c, int rev)
{
	int wrong;
	struct kvs_zset *z = read_zset(c, &wrong);
	if (wrong)
		return;
	struct kvs_znode *x = z ? kvs_zset_find(z, c->argv[2].p, c->argv[2].len) : NULL;
	if (!x) {
		reply_null(c);
		return;
	}
	size_t r = kvs_zset_rank(z, x);
	reply_int(c, (long long)(rev ? z->len - 1 - r : r));
}

static void cmd_zrank(struct kvs_client *c) { rank_generic(c, 0); }
static void cmd_zrevrank(struct kvs_client *c) { rank_generic(c, 1); }

/* Members between first and last (inclusive, in order), by rank. */
static long long span_count(const struct kvs_zset *z, struct kvs_znode *first, struct kvs_znode *last)
{
	if (!first || !last)
		return 0;
	long long n = (long long)kvs_zset_rank(z, last) - (long long)kvs_zset_rank(z, first) + 1;
	return n > 0 ? n : 0;
}

static void cmd_zcount(struct kvs_client *c)
{
	struct kvs_zrange r;
	int wrong;
	if (parse_range(&c->argv[2], &c->argv[3], &r) < 0) {
		reply_error(c, ERR_MINMAX);
		return;
	}
	struct kvs_zset *z = read_zset(c, &wrong);
	if (!wrong)
		reply_int(c, z ? span_count(z, kvs_zset_first_in(z, &r, NULL), kvs_zset_last_in(z, &r, NULL)) : 0);
}

static void cmd_zlexcount(struct kvs_client *c)
{
	struct kvs_zlexrange r;
	int wrong;
	if (parse_lex(&c->argv[2], &c->argv[3], &r) < 0) {
		reply_error(c, ERR_LEXRANGE);
		return;
	}
	struct kvs_zset *z = read_zset(c, &wrong);
	if (!wrong)
		reply_int(c, z ? span_count(z, kvs_zset_first_in_lex(z, &r, NULL), kvs_zset_last_in_lex(z, &r, NULL)) : 0);
}

/* ---- ZRANGE and friends ------------------------------------------------------------ */

enum rtype { RT_AUTO, RT_RANK, RT_SCORE, RT_LEX };
enum rdir { DIR_AUTO, DIR_FWD, DIR_REV };

struct zrange_req {
	enum rtype type;
	enum rdir dir;
	int withscores;
	long long offset, limit;   /* limit -1: no LIMIT */
	long long start, end;      /* RT_RANK */
	struct kvs_zrange score;
	struct kvs_zlexrange lex;
};

/* Options after <src> <min> <max> (argv[src+3..]), then the range itself;
 * Redis's zrangeGenericCommand steps 1 and 2. Replies on error. */
static int zrange_parse(struct kvs_client *c, int src, int store, struct zrange_req *q)
{
	int minidx = src + 1, maxidx = src + 2;
	q->withscores = 0;
	q->offset = 0;
	q->limit = -1;
	for (int j = src + 3; j < c->argc; j++) {
		int left = c->argc - j - 1;
		if (!store && arg_is(c, j, "withscores")) {
			q->withscores = 1;
		} else if (arg_is(c, j, "limit") && left >= 2) {
			if (arg_ll(c, j + 1, &q->offset, NULL) < 0 || arg_ll(c, j + 2, &q->limit, NULL) < 0)
				return -1;
			j += 2;
		} else if (q->dir == DIR_AUTO && arg_is(c, j, "rev")) {
			q->dir = DIR_REV;
		} else if (q->type == RT_AUTO && arg_is(c, j, "bylex")) {
			q->type = RT_LEX;
		} else if (q->type == RT_AUTO && arg_is(c, j, "byscore")) {
			q->type = RT_SCORE;
		} else {
			reply_syntax(c);
			return -1;
		}
	}
	if (q->dir == DIR_AUTO)
		q->dir = DIR_FWD;
	if (q->type == RT_AUTO)
		q->type = RT_RANK;
	if (q->limit != -1 && q->type == RT_RANK) {
		reply_error(c, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or "
			    "BYLEX");
		return -1;
	}
	if (q->withscores && q->type == RT_LEX) {
		reply_error(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
		return -1;
	}
	if (q->dir == DIR_REV && q->type != RT_RANK) {   /* given as max, min */
		minidx = src + 2;
		maxidx = src + 1;
	}
	if (q->type == RT_RANK)
		return arg_ll(c, minidx, &q->start, NULL) < 0 || arg_ll(c, maxidx, &q->end, NULL) < 0 ? -1 : 0;
	if (q->type == RT_SCORE && parse_range(&c->argv[minidx], &c->argv[maxidx], &q->score) < 0) {
		reply_error(c, ERR_MINMAX);
		return -1;
	}
	if (q->type == RT_LEX && parse_lex(&c->argv[minidx], &c->argv[maxidx], &q->lex) < 0) {
		reply_error(c, ERR_LEXRANGE);
		return -1;
	}
	return 0;
}

/* Is x still inside the range on the side the walk moves towards? */
static int zrange_within(const struct zrange_req *q, const struct kvs_znode *x)
{
	int rev = q->dir == DIR_REV;
	if (q->type == RT_SCORE)
		return rev ? kvs_zrange_gte_min(x->score, &q->score) : kvs_zrange_lte_max(x->score, &q->score);
	size_t len;
	const char *m = kvs_znode_member(x, &len);
	return rev ? kvs_zlex_gte_min(m, len, &q->lex) : kvs_zlex_lte_max(m, len, &q->lex);
}

/* The members the request selects, in reply order; *n set. The array is
 * owned by the caller (NULL when empty). */
static struct kvs_znode **zrange_collect(const struct kvs_zset *z, const struct zrange_req *q, size_t *n)
{
	struct kvs_znode **v = NULL, *x;
	struct kvs_zit it;
	size_t cap = 0;
	int rev = q->dir == DIR_REV;
	long long llen = (long long)z->len;
	*n = 0;
	if (q->type == RT_RANK) {
		long long start = q->start, end = q->end;
		if (start < 0)
			start += llen;
		if (end < 0)
			end += llen;
		if (start < 0)
			start = 0;
		if (start > end || start >= llen)
			return NULL;
		if (end >= llen)
			end = llen - 1;
		*n = (size_t)(end - start + 1);
		v = kvs_malloc(*n * sizeof *v);
		x = kvs_zset_at(z, (size_t)(rev ? llen - 1 - start : start), &it);
		for (size_t i = 0; i < *n; i++, x = rev ? kvs_zit_prev(&it) : kvs_zit_next(&it))
			v[i] = x;
		return v;
	}
	/* Redis walks past a negative offset to the end: nothing. */
	if (q->offset < 0 || (q->offset > 0 && q->offset >= llen))
		return NULL;
	if (q->type == RT_SCORE)
		x = rev ? kvs_zset_last_in(z, &q->score, &it) : kvs_zset_first_in(z, &q->score, &it);
	else
		x = rev ? kvs_zset_last_in_lex(z, &q->lex, &it) : kvs_zset_first_in_lex(z, &q->lex, &it);
	for (long long skip = q->offset; x && skip > 0; skip--)
		x = rev ? kvs_zit_prev(&it) : kvs_zit_next(&it);
	for (long long left = q->limit; x && left != 0 && zrange_within(q, x); left--) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			v = kvs_realloc(v, cap * sizeof *v);
		}
		v[(*n)++] = x;
		x = rev ? kvs_zit_prev(&it) : kvs_zit_next(&it);
	}
	return v;
}

/* ZRANGE-like commands; argv[src] is the source key; store: ZRANGESTORE
 * with the destination at argv[1]. */
static void zrange_generic(struct kvs_client *c, int src, int store, enum rtype type, enum rdir dir)
{
	struct zrange_req q;
	struct kvs_key k;
	size_t n = 0;
	struct kvs_znode **v = NULL;
	q.type = type;
	q.dir = dir;
	if (zrange_parse(c, src, store, &q) < 0)
		return;
	arg_key(c, src, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (e && !is_zset(e)) {
		reply_wrongtype(c);
		return;
	}
	if (e)
		v = zrange_collect(zset_of(e), &q, &n);
	if (store) {
		struct kvs_key dk;
		arg_key(c, 1, &dk);
		struct kvs_zset *d = zset_create(c);
		for (size_t i = 0; i < n; i++) {
			size_t len;
			const char *m = kvs_znode_member(v[i], &len);
			zset_add(c, &dk, d, v[i]->score, m, len);
		}
		zset_store(c, &dk, d);
		reply_int(c, (long long)n);
	} else {
		zreply_header(c, (long long)n, q.withscores);
		for (size_t i = 0; i < n; i++)
			zreply_node(c, v[i], q.withscores);
	}
	free(v);
}

static void cmd_zrange(struct kvs_client *c) { zrange_generic(c, 1, 0, RT_AUTO, DIR_AUTO); }
static void cmd_zrangestore(struct kvs_client *c) { zrange_generic(c, 2, 1, RT_AUTO, DIR_AUTO); }
static void cmd_zrevrange(struct kvs_client *c) { zrange_generic(c, 1, 0, RT_RANK, DIR_REV); }
static void cmd_zrangebyscore(struct kvs_client *c) { zrange_generic(c, 1, 0, RT_SCORE, DIR_FWD); }
static void cmd_zrevrangebyscore(struct kvs_client *c) { zrange_generic(c, 1, 0, RT_SCORE, DIR_REV); }
static void cmd_zrangebylex(struct kvs_client *c) { zrange_generic(c, 1, 0, RT_LEX, DIR_FWD); }
static void cmd_zrevrangebylex(struct kvs_client *c) { zrange_generic(c, 1, 0, RT_LEX, DIR_REV); }

/* ---- ZREMRANGEBY* -------------------------------------------------------------------- */

static void zremrange_generic(struct kvs_client *c, enum rtype type)
{
	struct kvs_zrange r;
	struct kvs_zlexrange lr;
	struct kvs_key k;
	long long start = 0, end = 0;
	size_t slot, removed = 0;
	if (type == RT_RANK && (arg_ll(c, 2, &start, NULL) < 0 || arg_ll(c, 3, &end, NULL) < 0))
		return;
	if (type == RT_SCORE && parse_range(&c->argv[2], &c->argv[3], &r) < 0) {
		reply_error(c, ERR_MINMAX);
		return;
	}
	if (type == RT_LEX && parse_lex(&c->argv[2], &c->argv[3], &lr) < 0) {
		reply_error(c, ERR_LEXRANGE);
		return;
	}
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (!is_zset(e)) {
		reply_wrongtype(c);
		return;
	}
	struct kvs_zset *z = zset_of(e);
	if (type == RT_RANK) {
		long long llen = (long long)z->len;
		if (start < 0)
			start += llen;
		if (end < 0)
			end += llen;
		if (start < 0)
			start = 0;
		if (start <= end && start < llen) {
			if (end >= llen)
				end = llen - 1;
			removed = kvs_zset_delete_ranks(z, (size_t)start, (size_t)end);
		}
	} else if (type == RT_SCORE) {
		removed = kvs_zset_delete_range(z, &r);
	} else {
		removed = kvs_zset_delete_lex(z, &lr);
	}
	if (removed)
		zset_changed(c, &k, slot, e);
	reply_int(c, (long long)removed);
}

static void cmd_zremrangebyrank(struct kvs_client *c) { zremrange_generic(c, RT_RANK); }
static void cmd_zremrangebyscore(struct kvs_client *c) { zremrange_generic(c, RT_SCORE); }
static void cmd_zremrangebylex(struct kvs_client *c) { zremrange_generic(c, RT_LEX); }

/* ---- pops ------------------------------------------------------------------------------ */

enum zpop_shape {
	POP_FLAT,      /* ZPOPMIN/MAX: member, score, ... */
	POP_NESTED,    /* ZPOPMIN/MAX with COUNT in RESP3: [member, score] ... */
	POP_KEYED,     /* BZPOPMIN/MAX: key, member, score */
	POP_MPOP,      /* ZMPOP/BZMPOP: key, [[member, score] ...] */
};

/* Redis's genericZpopCommand over argv[first..first+nkeys): pop up to
 * count (-1: one, plain) members from the first non-empty set. Returns 0
 * if no key held a set (nothing replied). A serving re-run skips sets of
 * the wrong type. */
static int zpop_generic(struct kvs_client *c, int first, int nkeys, int max, long long count,
			enum zpop_shape shape)
{
	struct kvs_key k;
	size_t slot;
	struct kvs_entry *e = NULL;
	for (int j = first; j < first + nkeys && !e; j++) {
		arg_key(c, j, &k);
		e = kvs_lookup_write(c, &k, &slot);
		if (e && !is_zset(e)) {
			if (serving(c)) {
				e = NULL;
				continue;
			}
			reply_wrongtype(c);
			return 1;
		}
	}
	if (!e)
		return 0;
	if (count == 0) {
		reply_array(c, 0);
		return 1;
	}
	struct kvs_zset *z = zset_of(e);
	long long n = count < 0 ? 1 : count;
	if (n > (long long)z->len)
		n = (long long)z->len;
	if (shape == POP_FLAT) {
		reply_array(c, 2 * n);
	} else if (shape == POP_NESTED) {
		reply_array(c, n);
	} else if (shape == POP_KEYED) {
		reply_array(c, 2 * n + 1);
		reply_bulk(c, k.p, k.len);
	} else {
		reply_array(c, 2);
		reply_bulk(c, k.p, k.len);
		reply_array(c, n);
	}
	while (n-- > 0) {
		struct kvs_znode *x = max ? kvs_zset_last(z, NULL) : kvs_zset_first(z, NULL);
		size_t len;
		const char *m = kvs_znode_member(x, &len);
		if (shape == POP_NESTED || shape == POP_MPOP)
			reply_array(c, 2);
		reply_bulk(c, m, len);
		reply_double(c, x->score);
		kvs_zset_delete(z, x);
	}
	zset_changed(c, &k, slot, e);
	return 1;
}

static void zpop_cmd(struct kvs_client *c, int max)
{
	long long count = -1;
	if (c->argc > 3) {
		reply_syntax(c);
		return;
	}
	if (c->argc == 3 && (!kvs_str2ll(c->argv[2].p, c->argv[2].len, &count) || count < 0)) {
		reply_error(c, ERR_POSITIVE);
		return;
	}
	enum zpop_shape shape = c->proto > 2 && count != -1 ? POP_NESTED : POP_FLAT;
	if (!zpop_generic(c, 1, 1, max, count, shape))
		reply_array(c, 0);
}

static void cmd_zpopmin(struct kvs_client *c) { zpop_cmd(c, 0); }
static void cmd_zpopmax(struct kvs_client *c) { zpop_cmd(c, 1); }

/* The shared arguments of ZMPOP / BZMPOP after numkeys (argv[nk]):
 * MIN|MAX [COUNT n]. Replies and returns -1 on error. */
static int zmpop_parse(struct kvs_client *c, int nk, long long *numkeys, int *max, long long *count)
{
	if (!kvs_str2ll(c->argv[nk].p, c->argv[nk].len, numkeys) || *numkeys < 1) {
		reply_error(c, "ERR numkeys should be greater than 0");
		return -1;
	}
	if (*numkeys > c->argc - nk - 2) {
		reply_syntax(c);
		return -1;
	}
	int wi = nk + (int)*numkeys + 1;
	if (arg_is(c, wi, "min")) {
		*max = 0;
	} else if (arg_is(c, wi, "max")) {
		*max = 1;
	} else {
		reply_syntax(c);
		return -1;
	}
	return arg_mpop_count(c, wi + 1, count);
}

static void cmd_zmpop(struct kvs_client *c)
{
	long long numkeys, count;
	int max;
	if (zmpop_parse(c, 1, &numkeys, &max, &count) < 0)
		return;
	if (!zpop_generic(c, 2, (int)numkeys, max, count, POP_MPOP))
		reply_null_array(c);
}

static void block_on_range(struct kvs_client *c, int first, int n, uint64_t deadline)
{
	int stack[16] = { 0 }, *idx = n <= 16 ? stack : kvs_malloc((size_t)n * sizeof *idx);
	for (int i = 0; i < n; i++)
		idx[i] = first + i;
	kvs_block_on_keys(c, idx, n, deadline, 0);
	if (idx != stack)
		free(idx);
}

static void bzpop_cmd(struct kvs_client *c, int max)
{
	uint64_t deadline;
	if (kvs_block_timeout_arg(c, c->argc - 1, &deadline) < 0)
		return;
	if (!zpop_generic(c, 1, c->argc - 2, max, -1, POP_KEYED))
		block_on_range(c, 1, c->argc - 2, deadline);
}

static void cmd_bzpopmin(struct kvs_client *c) { bzpop_cmd(c, 0); }
static void cmd_bzpopmax(struct kvs_client *c) { bzpop_cmd(c, 1); }

static void cmd_bzmpop(struct kvs_client *c)
{
	uint64_t deadline;
	long long numkeys, count;
	int max;
	if (kvs_block_timeout_arg(c, 1, &deadline) < 0 || zmpop_parse(c, 2, &numkeys, &max, &count) < 0)
		return;
	if (!zpop_generic(c, 3, (int)numkeys, max, count, POP_MPOP))
		block_on_range(c, 3, (int)numkeys, deadline);
}

static int zmpop_keys(int argc, const struct resp_arg *argv, int *keys, int max)
{
	return znumkeys_keys(argc, argv, 1, keys, max, 0);
}

static int bzmpop_keys(int argc, const struct resp_arg *argv, int *keys, int max)
{
	return znumkeys_keys(argc, argv, 2, keys, max, 0);
}

/* ---- the table ---------------------------------------------------------------------------- */

#define W  KVS_CMD_WRITE
#define R  KVS_CMD_READONLY
#define M  KVS_CMD_DENYOOM
#define F  KVS_CMD_FAST
#define B  (KVS_CMD_BLOCKING | KVS_CMD_NOSCRIPT)
#define Z1(n, a, fl, fn_, ver, sum) { .name = n, .arity = a, .flags = fl, .first_key = 1, .last_key = 1, \
	.key_step = 1, .fn = fn_, .group = "sorted_set", .since = ver, .summary = sum }

static struct kvs_cmd zset_cmds[] = {
	Z1("zadd", -4, W | M | F, cmd_zadd, "1.2.0",
	   "Add one or more members to a sorted set, or update its score if it already exists"),
	Z1("zincrby", 4, W | M | F, cmd_zincrby, "1.2.0", "Increment the score of a member in a sorted set"),
	Z1("zrem", -3, W | F, cmd_zrem, "1.2.0", "Remove one or more members from a sorted set"),
	Z1("zcard", 2, R | F, cmd_zcard, "1.2.0", "Get the number of members in a sorted set"),
	Z1("zscore", 3, R | F, cmd_zscore, "1.2.0", "Get the score associated with the given member in a "
	   "sorted set"),
	Z1("zmscore", -3, R | F, cmd_zmscore, "6.2.0", "Get the score associated with the given members in "
	   "a sorted set"),
	Z1("zrank", 3, R | F, cmd_zrank, "2.0.0", "Determine the index of a member in a sorted set"),
	Z1("zrevrank", 3, R | F, cmd_zrevrank, "2.0.0", "Determine the index of a member in a sorted set, "
	   "with scores ordered from high to low"),
	Z1("zcount", 4, R | F, cmd_zcount, "2.0.0", "Count the members in a sorted set with scores within "
	   "the given values"),
	Z1("zlexcount", 4, R | F, cmd_zlexcount, "2.8.9", "Count the number of members in a sorted set "
	   "between a given lexicographical range"),
	Z1("zrange", -4, R, cmd_zrange, "1.2.0", "Return a range of members in a sorted set"),
	{ .name = "zrangestore", .arity = -5, .flags = W | M, .first_key = 1, .last_key = 2, .key_step = 1,
	  .fn = cmd_zrangestore, .group = "sorted_set", .since = "6.2.0",
	  .summary = "Store a range of members from sorted set into another key" },
	Z1("zrevrange", -4, R, cmd_zrevrange, "1.2.0", "Return a range of members in a sorted set, by "
	   "index, with scores ordered from high to low"),
	Z1("zrangebyscore", -4, R, cmd_zrangebyscore, "1.0.5", "Return a range of members in a sorted set, "
	   "by score"),
	Z1("zrevrangebyscore", -4, R, cmd_zrevrangebyscore, "2.2.0", "Return a range of members in a sorted "
	   "set, by score, with scores ordered from high to low"),
	Z1("zrangebylex", -4, R, cmd_zrangebylex, "2.8.9", "Return a range of members in a sorted set, by "
	   "lexicographical range"),
	Z1("zrevrangebylex", -4, R, cmd_zrevrangebylex, "2.8.9", "Return a range of members in a sorted "
	   "set, by lexicographical range, ordered from higher to lower strings."),
	Z1("zremrangebyrank", 4, W, cmd_zremrangebyrank, "2.0.0", "Remove all members in a sorted set "
	   "within the given indexes"),
	Z1("zremrangebyscore", 4, W, cmd_zremrangebyscore, "1.2.0", "Remove all members in a sorted set "
	   "within the given scores"),
	Z1("zremrangebylex", 4, W, cmd_zremrangebylex, "2.8.9", "Remove all members in a sorted set between "
	   "the given lexicographical range"),
	Z1("zpopmin", -2, W | F, cmd_zpopmin, "5.0.0", "Remove and return members with the lowest scores in "
	   "a sorted set"),
	Z1("zpopmax", -2, W | F, cmd_zpopmax, "5.0.0", "Remove and return members with the highest scores "
	   "in a sorted set"),
	{ .name = "bzpopmin", .arity = -3, .flags = W | B | F, .first_key = 1, .last_key = -2, .key_step = 1,
	  .fn = cmd_bzpopmin, .group = "sorted_set", .since = "5.0.0", .summary = "Remove and return the "
	  "member with the lowest score from one or more sorted sets, or block until one is available" },
	{ .name = "bzpopmax", .arity = -3, .flags = W | B | F, .first_key = 1, .last_key = -2, .key_step = 1,
	  .fn = cmd_bzpopmax, .group = "sorted_set", .since = "5.0.0", .summary = "Remove and return the "
	  "member with the highest score from one or more sorted sets, or block until one is available" },
	{ .name = "zmpop", .arity = -4, .flags = W, .fn = cmd_zmpop, .getkeys = zmpop_keys,
	  .group = "sorted_set", .since = "7.0.0",
	  .summary = "Remove and return members with scores in a sorted set" },
	{ .name = "bzmpop", .arity = -5, .flags = W | KVS_CMD_BLOCKING, .fn = cmd_bzmpop,
	  .getkeys = bzmpop_keys, .group = "sorted_set", .since = "7.0.0", .summary = "Remove and return "
	  "members with scores in a sorted set or block until one is available" },
};

static void zset_free_obj(void *o) { kvs_zset_free(o); }
static void *zset_dup_obj(const void *o) { return kvs_zset_dup(o); }
static size_t zset_mem_obj(const void *o) { return kvs_zset_mem(o); }

/* The name Redis 7.0 would report (see struct kvs_zset's compact). */
static const char *zset_encoding(const void *o)
{
	return ((const struct kvs_zset *)o)->compact ? "listpack" : "skiplist";
}

/* SORT: members by ascending score, with their scores. */
static void zset_foreach(const void *o, kvs_elem_fn *fn, void *arg)
{
	struct kvs_zit it;
	for (struct kvs_znode *x = kvs_zset_first(o, &it); x; x = kvs_zit_next(&it)) {
		size_t len;
		const char *m = kvs_znode_member(x, &len);
		fn(arg, m, len, x->score);
	}
}

/* Snapshots (snap.h): compact u8, n varint, then n x (score as IEEE bits
 * u64, stamp u64, len varint, member) in rank order. */
static size_t zset_save(const void *o, struct kvs_buf *out)
{
	const struct kvs_zset *z = o;
	size_t start = out->len;
	kvs_buf_putc(out, (char)(z->compact != 0));
	kvs_snap_put_varint(out, z->len);
	struct kvs_zit it;
	for (struct kvs_znode *x = kvs_zset_first(z, &it); x; x = kvs_zit_next(&it)) {
		size_t len;
		uint64_t bits;
		const char *m = kvs_znode_member(x, &len);
		memcpy(&bits, &x->score, 8);
		kvs_snap_put_u64(out, bits);
		kvs_snap_put_u64(out, kvs_znode_entry(x)->stamp);
		kvs_snap_put_varint(out, len);
		kvs_buf_append(out, m, len);
	}
	return out->len - start;
}

static void *zset_load(const unsigned char *p, size_t len, uint64_t seed)
{
	struct kvs_snap_in in = { p, p + len, 0 };
	const unsigned char *compact = kvs_snap_get_bytes(&in, 1);
	uint64_t n = kvs_snap_get_varint(&in);
	if (in.bad || *compact > 1 || n == 0 || n > len / 17)   /* 17: the least a member takes */
		return NULL;
	struct kvs_zset *z = kvs_zset_new(seed);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t bits = kvs_snap_get_u64(&in), stamp = kvs_snap_get_u64(&in);
		uint64_t ml = kvs_snap_get_varint(&in);
		const char *m = (const char *)kvs_snap_get_bytes(&in, ml);
		double score;
		memcpy(&score, &bits, 8);
		if (!m || isnan(score) || kvs_zset_find(z, m, (size_t)ml)) {
			kvs_zset_free(z);
			return NULL;
		}
		struct kvs_znode *x = kvs_zset_insert(z, score, m, (size_t)ml);
		kvs_znode_entry(x)->stamp = stamp;
	}
	if (in.p != in.end) {
		kvs_zset_free(z);
		return NULL;
	}
	z->compact = *compact;
	return z;
}

void kvs_register_zset(void)
{
	kvs_type_ops[KVS_T_ZSET].free_obj = zset_free_obj;
	kvs_type_ops[KVS_T_ZSET].dup_obj = zset_dup_obj;
	kvs_type_ops[KVS_T_ZSET].mem_obj = zset_mem_obj;
	kvs_type_ops[KVS_T_ZSET].encoding = zset_encoding;
	kvs_type_ops[KVS_T_ZSET].foreach = zset_foreach;
	kvs_type_ops[KVS_T_ZSET].save = zset_save;
	kvs_type_ops[KVS_T_ZSET].load = zset_load;
	if (kvs_cmd_register(zset_cmds, sizeof zset_cmds / sizeof *zset_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
	kvs_register_zsetops();
}
