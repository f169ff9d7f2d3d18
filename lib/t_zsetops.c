/*
 * t_zsetops.c - sorted-set commands over several sets or the whole set:
 * ZUNION ZINTER ZDIFF (and their STORE forms), ZINTERCARD, ZRANDMEMBER,
 * ZSCAN. Redis 7.0 semantics (t_zset.c, db.c's scanGenericCommand).
 *
 * Plain sets (object.h) are valid inputs of the set algebra, every member
 * scoring 1, as in Redis.
 */
#include "config.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "object.h"
#include "t_zset.h"

/* ---- ZUNION / ZINTER / ZDIFF ------------------------------------------------- */

enum zop { OP_UNION, OP_INTER, OP_DIFF };
enum zagg { AGG_SUM, AGG_MIN, AGG_MAX };

/* An input: a sorted set, a plain set (every member scores 1, as in
 * Redis), or neither for a missing key (an empty input). */
struct zsrc {
	const struct kvs_zset *z;
	const struct kvs_tobj *set;
	double weight;
};

struct zop_req {
	enum zop op;
	int store;            /* destination at argv[1] */
	int card;             /* ZINTERCARD */
	int nk;               /* argv index of numkeys */
	int nsrc;
	struct zsrc *src;     /* owned */
	enum zagg agg;
	int withscores;
	long long limit;      /* ZINTERCARD LIMIT; 0 = none */
};

/* Redis's zunionInterAggregate; SUM of +inf and -inf is 0, not NaN. */
static void aggregate(double *target, double v, enum zagg agg)
{
	if (agg == AGG_SUM) {
		*target += v;
		if (isnan(*target))
			*target = 0;
	} else if (agg == AGG_MIN) {
		*target = v < *target ? v : *target;
	} else {
		*target = v > *target ? v : *target;
	}
}

static size_t src_len(const struct zsrc *s)
{
	return s->z ? s->z->len : s->set ? kvs_tobj_len(s->set) : 0;
}

/* m's score in s (1 in a plain set); 0 if it is not there. */
static int src_score(const struct zsrc *s, const char *m, size_t len, double *score)
{
	if (s->z) {
		struct kvs_znode *y = kvs_zset_find(s->z, m, len);
		if (y)
			*score = y->score;
		return y != NULL;
	}
	if (s->set && kvs_tobj_get(s->set, m, len, NULL, NULL)) {
		*score = 1;
		return 1;
	}
	return 0;
}

/* Visit every member of s (a sorted set by rank, a set in table order)
 * until fn returns non-zero. */
typedef int src_fn(void *arg, const char *m, size_t len, double score);

static void src_each(const struct zsrc *s, src_fn *fn, void *arg)
{
	size_t len;
	const char *m;
	if (s->z) {
		struct kvs_zit it;
		for (struct kvs_znode *x = kvs_zset_first(s->z, &it); x; x = kvs_zit_next(&it)) {
			m = kvs_znode_member(x, &len);
			if (fn(arg, m, len, x->score))
				return;
		}
	} else if (s->set) {
		const struct kvs_tobj *o = s->set;
		for (size_t i = kvs_tobj_first(o); i != KVS_TABLE_NONE; i = kvs_tobj_next(o, i)) {
			struct kvs_elem el;
			kvs_tobj_at(o, i, &el);
			if (fn(arg, el.name, el.nlen, 1))
				return;
		}
	}
}

static const char *zop_name(const struct kvs_client *c) { return c->cmd->name; }

/* Options after the keys (zunionInterDiffGenericCommand). */
static int zop_options(struct kvs_client *c, struct zop_req *q, int j)
{
	while (j < c->argc) {
		int left = c->argc - j;
		int algebra = q->op != OP_DIFF && !q->card;
		if (algebra && left > q->nsrc && arg_is(c, j, "weights")) {
			for (int i = 0; i < q->nsrc; i++)
				if (arg_double(c, j + 1 + i, &q->src[i].weight, "ERR weight value is not a float") < 0)
					return -1;
			j += 1 + q->nsrc;
		} else if (algebra && left >= 2 && arg_is(c, j, "aggregate")) {
			if (arg_is(c, j + 1, "sum"))
				q->agg = AGG_SUM;
			else if (arg_is(c, j + 1, "min"))
				q->agg = AGG_MIN;
			else if (arg_is(c, j + 1, "max"))
				q->agg = AGG_MAX;
			else
				goto syntax;
			j += 2;
		} else if (!q->store && !q->card && arg_is(c, j, "withscores")) {
			q->withscores = 1;
			j++;
		} else if (q->card && left >= 2 && arg_is(c, j, "limit")) {
			if (!kvs_str2ll(c->argv[j + 1].p, c->argv[j + 1].len, &q->limit) || q->limit < 0) {
				reply_error(c, "ERR LIMIT can't be negative");
				return -1;
			}
			j += 2;
		} else {
			goto syntax;
		}
	}
	return 0;
syntax:
	reply_syntax(c);
	return -1;
}

/* numkeys, the sources (type-checked) and the options. Replies and
 * returns -1 on error. */
static int zop_parse(struct kvs_client *c, struct zop_req *q)
{
	long long n;
	if (arg_ll(c, q->nk, &n, NULL) < 0)
		return -1;
	if (n < 1) {
		reply_errorf(c, "ERR at least 1 input key is needed for '%s' command", zop_name(c));
		return -1;
	}
	if (n > c->argc - q->nk - 1) {
		reply_syntax(c);
		return -1;
	}
	q->nsrc = (int)n;
	q->src = kvs_calloc((size_t)n, sizeof *q->src);
	for (int i = 0; i < q->nsrc; i++) {
		struct kvs_key k;
		arg_key(c, q->nk + 1 + i, &k);
		struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
		if (e && e->type != KVS_T_ZSET && e->type != KVS_T_SET) {
			reply_wrongtype(c);
			return -1;
		}
		if (e && e->type == KVS_T_ZSET)
			q->src[i].z = zset_of(e);
		else if (e)
			q->src[i].set = kvs_entry_obj(e);
		q->src[i].weight = 1;
	}
	return zop_options(c, q, q->nk + 1 + q->nsrc);
}

/* Smallest first, as Redis orders them (stable, so equal sizes keep the
 * argument order and floating-point sums come out the same). */
static void sort_by_size(struct zsrc *s, int n)
{
	for (int i = 1; i < n; i++) {
		struct zsrc t = s[i];
		int j = i;
		for (; j > 0 && src_len(&s[j - 1]) > src_len(&t); j--)
			s[j] = s[j - 1];
		s[j] = t;
	}
}

static double weighted(const struct zsrc *s, double score)
{
	double v = s->weight * score;
	return isnan(v) ? 0 : v;
}

/* The state of one algebra run, passed through src_each. */
struct zop_run {
	struct kvs_client *c;
	const struct kvs_key *dk;   /* the key the result is stamped for */
	struct zop_req *q;
	struct kvs_zset *d;         /* the result; NULL: only count */
	int cur;                    /* the source being visited */
	size_t n;                   /* members in the result */
};

static int union_one(void *arg, const char *m, size_t len, double score)
{
	struct zop_run *r = arg;
	double v = weighted(&r->q->src[r->cur], score);
	struct kvs_znode *y = kvs_zset_find(r->d, m, len);
	if (!y) {
		zset_add(r->c, r->dk, r->d, v, m, len);
	} else {
		double t = y->score;
		aggregate(&t, v, r->q->agg);
		kvs_zset_set_score(r->d, y, t);
	}
	return 0;
}

static int inter_one(void *arg, const char *m, size_t len, double score)
{
	struct zop_run *r = arg;
	struct zop_req *q = r->q;
	double v = weighted(&q->src[0], score), other;
	for (int j = 1; j < q->nsrc; j++) {
		if (!src_score(&q->src[j], m, len, &other))
			return 0;
		aggregate(&v, weighted(&q->src[j], other), q->agg);
	}
	r->n++;
	if (r->d)
		zset_add(r->c, r->dk, r->d, v, m, len);
	return !r->d && q->limit && r->n >= (size_t)q->limit;
}

static int diff_one(void *arg, const char *m, size_t len, double score)
{
	struct zop_run *r = arg;
	double other;
	for (int j = 1; j < r->q->nsrc; j++)
		if (src_score(&r->q->src[j], m, len, &other))
			return 0;
	zset_add(r->c, r->dk, r->d, score, m, len);
	return 0;
}

static void zop_compute(struct zop_run *r)
{
	struct zop_req *q = r->q;
	if (q->op == OP_DIFF) {
		src_each(&q->src[0], diff_one, r);
		return;
	}
	sort_by_size(q->src, q->nsrc);
	if (q->op == OP_INTER) {
		src_each(&q->src[0], inter_one, r);
		return;
	}
	for (r->cur = 0; r->cur < q->nsrc; r->cur++)
		src_each(&q->src[r->cur], union_one, r);
}

static void zop_generic(struct kvs_client *c, enum zop op, int store, int card)
{
	struct zop_req q;
	struct kvs_key dk;
	memset(&q, 0, sizeof q);
	q.op = op;
	q.store = store;
	q.card = card;
	q.nk = store ? 2 : 1;
	if (zop_parse(c, &q) < 0)
		goto done;
	/* Results are stamped from the shard of the key that will own them. */
	arg_key(c, store ? 1 : q.nk + 1, &dk);
	struct zop_run r = { c, &dk, &q, card ? NULL : zset_create(c), 0, 0 };
	zop_compute(&r);
	if (card) {
		reply_int(c, (long long)r.n);
	} else if (store) {
		long long n = (long long)r.d->len;
		zset_store(c, &dk, r.d);
		reply_int(c, n);
	} else {
		struct kvs_zit it;
		zreply_header(c, (long long)r.d->len, q.withscores);
		for (struct kvs_znode *x = kvs_zset_first(r.d, &it); x; x = kvs_zit_next(&it))
			zreply_node(c, x, q.withscores);
		kvs_zset_free(r.d);
	}
done:
	free(q.src);
}

static void cmd_zunion(struct kvs_client *c) { zop_generic(c, OP_UNION, 0, 0); }
static void cmd_zinter(struct kvs_client *c) { zop_generic(c, OP_INTER, 0, 0); }
static void cmd_zdiff(struct kvs_client *c) { zop_generic(c, OP_DIFF, 0, 0); }
static void cmd_zunionstore(struct kvs_client *c) { zop_generic(c, OP_UNION, 1, 0); }
static void cmd_zinterstore(struct kvs_client *c) { zop_generic(c, OP_INTER, 1, 0); }
static void cmd_zdiffstore(struct kvs_client *c) { zop_generic(c, OP_DIFF, 1, 0); }
static void cmd_zintercard(struct kvs_client *c) { zop_generic(c, OP_INTER, 0, 1); }

static int zop_keys(int argc, const struct resp_arg *argv, int *keys, int max)
{
	return znumkeys_keys(argc, argv, 1, keys, max, 0);
}

/* Destination first, then the sources. */
static int zopstore_keys(int argc, const struct resp_arg *argv, int *keys, int max)
{
	if (max > 0)
		keys[0] = 1;
	return 1 + znumkeys_keys(argc, argv, 2, keys, max, 1);
}

/* ---- ZRANDMEMBER ------------------------------------------------------------------- */

static void reply_random(struct kvs_client *c, const struct kvs_znode *x, int withscores)
{
	zreply_node(c, x, withscores);
}

/* count distinct ranks out of len (count < len), by rejection with a
 * small open-addressing set: count <= len / 3 keeps rejections rare. */
static void pick_sparse(struct kvs_client *c, const struct kvs_zset *z, size_t count, int withscores)
{
	size_t cap = 16;
	while (cap < count * 2)
		cap *= 2;
	size_t *seen = kvs_malloc(cap * sizeof *seen);
	memset(seen, 0xff, cap * sizeof *seen);
	for (size_t got = 0; got < count;) {
		size_t r = (size_t)(kvs_env_random(c->eng->env) % z->len), h = (r * 0x9e3779b97f4a7c15ull) & (cap - 1);
		while (seen[h] != (size_t)-1 && seen[h] != r)
			h = (h + 1) & (cap - 1);
		if (seen[h] == r)
			continue;
		seen[h] = r;
		got++;
		reply_random(c, kvs_zset_at(z, r, NULL), withscores);
	}
	free(seen);
}

/* count distinct members out of len (count < len) when count is a large
 * fraction: one selection-sampling pass, then a shuffle of the picks. */
static void pick_dense(struct kvs_client *c, const struct kvs_zset *z, size_t count, int withscores)
{
	struct kvs_znode **v = kvs_malloc(count * sizeof *v);
	size_t need = count, left = z->len, n = 0;
	struct kvs_zit it;
	for (struct kvs_znode *x = kvs_zset_first(z, &it); x && need; x = kvs_zit_next(&it), left--)
		if (kvs_env_random(c->eng->env) % left < need) {
			v[n++] = x;
			need--;
		}
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(kvs_env_random(c->eng->env) % i);
		struct kvs_znode *t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
	for (size_t i = 0; i < n; i++)
		reply_random(c, v[i], withscores);
	free(v);
}

static void zrandmember_count(struct kvs_client *c, long long l, int withscores)
{
	struct kvs_key k;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		reply_array(c, 0);
		return;
	}
	if (!is_zset(e)) {
		reply_wrongtype(c);
		return;
	}
	struct kvs_zset *z = zset_of(e);
	unsigned long long count = l < 0 ? 0 - (unsigned long long)l : (unsigned long long)l;
	if (count == 0) {
		reply_array(c, 0);
		return;
	}
	if (l < 0 || count == 1) {   /* with repetitions (or just one) */
		zreply_header(c, (long long)count, withscores);
		for (unsigned long long i = 0; i < count; i++)
			reply_random(c, kvs_zset_at(z, (size_t)(kvs_env_random(c->eng->env) % z->len), NULL), withscores);
		return;
	}
	if (count >= z->len) {
		struct kvs_zit it;
		zreply_header(c, (long long)z->len, withscores);
		for (struct kvs_znode *x = kvs_zset_first(z, &it); x; x = kvs_zit_next(&it))
			reply_random(c, x, withscores);
		return;
	}
	zreply_header(c, (long long)count, withscores);
	if (count * 3 > z->len)
		pick_dense(c, z, (size_t)count, withscores);
	else
		pick_sparse(c, z, (size_t)count, withscores);
}

static void cmd_zrandmember(struct kvs_client *c)
{
	long long l;
	if (c->argc >= 3) {
		if (!kvs_str2ll(c->argv[2].p, c->argv[2].len, &l)) {
			reply_error(c, KVS_ERR_NOTINT);
			return;
		}
		if (l == LLONG_MIN) {
			reply_error(c, "ERR value is out of range, value must between -9223372036854775807 and "
				    "9223372036854775807");
			return;
		}
		if (c->argc > 4 || (c->argc == 4 && !arg_is(c, 3, "withscores"))) {
			reply_syntax(c);
			return;
		}
		if (c->argc == 4 && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
			reply_error(c, "ERR value is out of range");
			return;
		}
		zrandmember_count(c, l, c->argc == 4);
		return;
	}
	struct kvs_key k;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e)
		reply_null(c);
	else if (!is_zset(e))
		reply_wrongtype(c);
	else
		reply_random(c, kvs_zset_at(zset_of(e), (size_t)(kvs_env_random(c->eng->env) % zset_of(e)->len), NULL),
			     0);
}

/* ---- ZSCAN ------------------------------------------------------------------------- */


/* The cursor as Redis 7.0 reads it: strtoul(), so leading spaces are
 * rejected but "+1", "-1" (wrapping) and "007" are not. */
static int parse_cursor(const struct resp_arg *a, unsigned long long *cur)
{
	char buf[64], *end;
	if (a->len >= sizeof buf || (a->len && (a->p[0] == ' ' || (a->p[0] >= '\t' && a->p[0] <= '\r'))))
		return -1;
	memcpy(buf, a->p, a->len);
	buf[a->len] = '\0';
	errno = 0;
	*cur = strtoull(buf, &end, 10);
	return *end != '\0' || errno == ERANGE ? -1 : 0;
}

struct scan_acc {
	struct kvs_znode **v;
	size_t n, cap;
};

static void scan_visit(void *arg, struct kvs_entry *e)
{
	struct scan_acc *a = arg;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = kvs_realloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = kvs_zset_node_of(e);
}

static int scan_options(struct kvs_client *c, long long *count, const struct resp_arg **pat)
{
	*count = 10;
	*pat = NULL;
	for (int i = 3; i < c->argc; i += 2) {
		if (i + 1 >= c->argc) {
			reply_syntax(c);
			return -1;
		}
		if (arg_is(c, i, "count")) {
			if (arg_ll(c, i + 1, count, NULL) < 0)
				return -1;
			if (*count < 1) {
				reply_syntax(c);
				return -1;
			}
		} else if (arg_is(c, i, "match")) {
			const struct resp_arg *p = &c->argv[i + 1];
			*pat = p->len == 1 && p->p[0] == '*' ? NULL : p;
		} else {
			reply_syntax(c);
			return -1;
		}
	}
	return 0;
}

static void cmd_zscan(struct kvs_client *c)
{
	unsigned long long cursor;
	long long count;
	const struct resp_arg *pat;
	struct scan_acc acc = { NULL, 0, 0 };
	char num[24];
	if (parse_cursor(&c->argv[2], &cursor) < 0) {
		reply_error(c, "ERR invalid cursor");
		return;
	}
	struct kvs_key k;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		reply_array(c, 2);
		reply_bulk(c, "0", 1);
		reply_array(c, 0);
		return;
	}
	if (!is_zset(e)) {
		reply_wrongtype(c);
		return;
	}
	if (scan_options(c, &count, &pat) < 0)
		return;
	struct kvs_zset *z = zset_of(e);
	/* Table positions are multiples of 16: the cursor is position >> 4. */
	uint64_t pos = (uint64_t)cursor << 4;
	if (z->compact) {   /* Redis returns a listpack set whole, cursor 0 */
		pos = 0;
		struct kvs_zit it;
		for (struct kvs_znode *x = kvs_zset_first(z, &it); x; x = kvs_zit_next(&it))
			scan_visit(&acc, kvs_znode_entry(x));
	} else {
		/* Like Redis: keep going until count entries or 10 * count
		 * rounds, so a sparse stretch does not return nothing. */
		long long rounds = count * 10;
		do
			kvs_table_scan(&z->dict, &pos, (size_t)count, scan_visit, &acc);
		while (pos && rounds-- > 0 && acc.n < (size_t)count);
	}
	size_t keep = 0;
	for (size_t i = 0; i < acc.n; i++) {
		size_t len;
		const char *m = kvs_znode_member(acc.v[i], &len);
		if (!pat || kvs_glob(pat->p, pat->len, m, len, 0))
			acc.v[keep++] = acc.v[i];
	}
	reply_array(c, 2);
	reply_bulk(c, num, (size_t)kvs_ull2str(num, pos >> 4));
	reply_array(c, (long long)keep * 2);
	for (size_t i = 0; i < keep; i++) {
		char sbuf[64];
		size_t len;
		const char *m = kvs_znode_member(acc.v[i], &len);
		reply_bulk(c, m, len);
		reply_bulk(c, sbuf, (size_t)kvs_d2str(sbuf, sizeof sbuf, acc.v[i]->score));
	}
	free(acc.v);
}

/* ---- the table ------------------------------------------------------------------------- */

#define W  KVS_CMD_WRITE
#define R  KVS_CMD_READONLY
#define M  KVS_CMD_DENYOOM

static struct kvs_cmd zsetops_cmds[] = {
	{ .name = "zunionstore", .arity = -4, .flags = W | M, .first_key = 1, .last_key = 1, .key_step = 1,
	  .fn = cmd_zunionstore, .getkeys = zopstore_keys, .group = "sorted_set", .since = "2.0.0",
	  .summary = "Add multiple sorted sets and store the resulting sorted set in a new key" },
	{ .name = "zinterstore", .arity = -4, .flags = W | M, .first_key = 1, .last_key = 1, .key_step = 1,
	  .fn = cmd_zinterstore, .getkeys = zopstore_keys, .group = "sorted_set", .since = "2.0.0",
	  .summary = "Intersect multiple sorted sets and store the resulting sorted set in a new key" },
	{ .name = "zdiffstore", .arity = -4, .flags = W | M, .first_key = 1, .last_key = 1, .key_step = 1,
	  .fn = cmd_zdiffstore, .getkeys = zopstore_keys, .group = "sorted_set", .since = "6.2.0",
	  .summary = "Subtract multiple sorted sets and store the resulting sorted set in a new key" },
	{ .name = "zunion", .arity = -3, .flags = R, .fn = cmd_zunion, .getkeys = zop_keys,
	  .group = "sorted_set", .since = "6.2.0", .summary = "Add multiple sorted sets" },
	{ .name = "zinter", .arity = -3, .flags = R, .fn = cmd_zinter, .getkeys = zop_keys,
	  .group = "sorted_set", .since = "6.2.0", .summary = "Intersect multiple sorted sets" },
	{ .name = "zdiff", .arity = -3, .flags = R, .fn = cmd_zdiff, .getkeys = zop_keys,
	  .group = "sorted_set", .since = "6.2.0", .summary = "Subtract multiple sorted sets" },
	{ .name = "zintercard", .arity = -3, .flags = R, .fn = cmd_zintercard, .getkeys = zop_keys,
	  .group = "sorted_set", .since = "7.0.0",
	  .summary = "Intersect multiple sorted sets and return the cardinality of the result" },
	{ .name = "zrandmember", .arity = -2, .flags = R | KVS_CMD_RANDOM, .first_key = 1, .last_key = 1,
	  .key_step = 1, .fn = cmd_zrandmember, .group = "sorted_set", .since = "6.2.0",
	  .summary = "Get one or multiple random elements from a sorted set" },
	{ .name = "zscan", .arity = -3, .flags = R | KVS_CMD_RANDOM, .first_key = 1, .last_key = 1,
	  .key_step = 1, .fn = cmd_zscan, .group = "sorted_set", .since = "2.8.0",
	  .summary = "Incrementally iterate sorted sets elements and associated scores" },
};

void kvs_register_zsetops(void)
{
	if (kvs_cmd_register(zsetops_cmds, sizeof zsetops_cmds / sizeof *zsetops_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
}
