/*
 * t_sort.c - SORT and SORT_RO.
 *
 * Semantics follow Redis 7.0's sort.c: the same option grammar and errors,
 * BY and GET patterns with '*' substitution, "#" and "key->field" hash
 * dereferences, BY without '*' (e.g. "nosort") meaning "keep the native
 * order", LIMIT clamping, numeric scores parsed with strtod (so " 5",
 * "0x10" and "" are numbers, as in Redis) and equal scores ordered by the
 * elements' bytes. ALPHA compares bytes (memcmp, then length): Redis uses
 * strcoll() under the environment's LC_COLLATE when not storing, which is
 * the same order in the C locale.
 *
 * Collections are read through kvs_type_ops hooks (entry.h): foreach for
 * lists, sets and sorted sets, field_get for hashes, from_elems to build
 * the list STORE writes. t_sort.c knows nothing of their layout.
 *
 * LOCKING. BY/GET patterns name other keys, which may live in any shard,
 * so SORT is KVS_CMD_NOLOCK and does this: lock (ascending) the shards of
 * the source and STORE keys, read the source, work out every shard the
 * patterns will touch; if that needs a shard not held, unlock everything,
 * add it to the set and start again (at most 16 rounds, usually one).
 * Once the held set covers everything, the whole sort runs under those
 * locks, so it sees one consistent state of every key it reads and its
 * STORE is atomic with the reads, as in single-threaded Redis, and no
 * thread ever waits for a lock while holding a higher one.
 */
#include "config.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "commands.h"
#include "entry.h"
#include "util.h"

/* ---- a growable byte arena (elements and looked-up values) -------------- */

struct arena {
	char *p;
	size_t len, cap;
};

static size_t arena_add(struct arena *a, const char *p, size_t n)
{
	size_t off = a->len;
	if (a->cap - a->len < n) {
		size_t cap = a->cap ? a->cap : 256;
		while (cap - a->len < n)
			cap *= 2;
		a->p = kvs_realloc(a->p, cap);
		a->cap = cap;
	}
	if (n)
		memcpy(a->p + a->len, p, n);
	a->len += n;
	return off;
}

/* ---- patterns ------------------------------------------------------------ */

/* A BY or GET pattern, split once: "#" is the element itself; otherwise
 * the key is pre + element + post, and field (if flen > 0) is a hash field
 * to read ("pre*post->field"). A pattern without '*' names no key. */
struct pattern {
	int self;
	int nostar;
	const char *pre, *post, *field;
	size_t prelen, postlen, flen;
};

static void pattern_init(struct pattern *pt, const struct resp_arg *a)
{
	const char *end = a->p + a->len, *star;
	memset(pt, 0, sizeof *pt);
	if (a->len == 1 && a->p[0] == '#') {
		pt->self = 1;
		return;
	}
	star = memchr(a->p, '*', a->len);
	if (!star) {
		pt->nostar = 1;
		return;
	}
	pt->pre = a->p;
	pt->prelen = (size_t)(star - a->p);
	pt->post = star + 1;
	pt->postlen = (size_t)(end - pt->post);
	/* The first "->" after the star, if something follows it. */
	for (const char *f = star + 1; f + 2 < end; f++) {
		if (f[0] == '-' && f[1] == '>') {
			pt->field = f + 2;
			pt->flen = (size_t)(end - pt->field);
			pt->postlen = (size_t)(f - pt->post);
			break;
		}
	}
}

/* Build the key pattern pt names for element e[0..n) into *buf (grown as
 * needed); returns its length. */
static size_t pattern_key(const struct pattern *pt, const char *e, size_t n, struct arena *buf)
{
	buf->len = 0;
	arena_add(buf, pt->pre, pt->prelen);
	arena_add(buf, e, n);
	arena_add(buf, pt->post, pt->postlen);
	return buf->len;
}

/* ---- parsed request --------------------------------------------------- */

#define SORT_MAXGET 64   /* GET patterns per request kept on the stack */

struct sort_args {
	int desc, alpha, dontsort;
	int by;              /* argv index of BY's pattern, or 0 */
	int store;           /* argv index of STORE's key, or 0 */
	long long limit_start, limit_count;
	int nget;
	int *get;            /* argv indexes of GET patterns */
};

/* Redis's option loop. Returns 0, or -1 with the error replied. */
static int sort_parse(struct kvs_client *c, int ro, struct sort_args *a)
{
	int *get = a->get;
	memset(a, 0, sizeof *a);
	a->get = get;
	a->limit_count = -1;
	for (int j = 2; j < c->argc; j++) {
		int left = c->argc - j - 1;
		if (arg_is(c, j, "asc")) {
			a->desc = 0;
		} else if (arg_is(c, j, "desc")) {
			a->desc = 1;
		} else if (arg_is(c, j, "alpha")) {
			a->alpha = 1;
		} else if (arg_is(c, j, "limit") && left >= 2) {
			if (arg_ll(c, j + 1, &a->limit_start, NULL) < 0 ||
			    arg_ll(c, j + 2, &a->limit_count, NULL) < 0)
				return -1;
			j += 2;
		} else if (!ro && arg_is(c, j, "store") && left >= 1) {
			a->store = ++j;
		} else if (arg_is(c, j, "by") && left >= 1) {
			a->by = ++j;
			/* No '*': nothing to look up, keep the native order. */
			a->dontsort = memchr(c->argv[j].p, '*', c->argv[j].len) == NULL;
		} else if (arg_is(c, j, "get") && left >= 1) {
			a->get[a->nget++] = ++j;
		} else {
			reply_syntax(c);
			return -1;
		}
	}
	return 0;
}

/* ---- the elements ------------------------------------------------------ */

struct sort_elem {
	size_t off, len;       /* element bytes in the arena */
	double score;          /* numeric sort key */
	size_t coff, clen;     /* ALPHA BY key in the arena */
	int hascmp;            /* ...or none (missing key sorts first) */
	size_t idx;            /* load order: ties keep it */
};

struct sort_state {
	struct arena ar;
	struct arena keybuf;
	struct sort_elem *v;
	size_t n, cap;
	int type;              /* the source's type (KVS_T_LIST if missing) */
	int desc;              /* for the comparator */
	int alpha, byalpha;
};

static void state_reset(struct sort_state *st)
{
	st->ar.len = 0;
	st->n = 0;
}

static void state_free(struct sort_state *st)
{
	free(st->ar.p);
	free(st->keybuf.p);
	free(st->v);
}

static void load_elem(void *arg, const char *p, size_t len, double score)
{
	struct sort_state *st = arg;
	(void)score;
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 64;
		st->v = kvs_realloc(st->v, st->cap * sizeof *st->v);
	}
	struct sort_elem *e = &st->v[st->n];
	memset(e, 0, sizeof *e);
	e->off = arena_add(&st->ar, p, len);
	e->len = len;
	e->idx = st->n++;
}

/* Read the source key's elements into st. A missing key is an empty list.
 * Returns 0, or -1 with the error replied. */
static int sort_load(struct kvs_client *c, struct sort_state *st)
{
	struct kvs_key k;
	arg_key(c, 1, &k);
	struct kvs_entry *e = ks_find(&c->eng->ks, c->db, &k, c->now, NULL);
	if (e)
		c->stats->keyspace_hits++;
	else
		c->stats->keyspace_misses++;
	st->type = e ? e->type : KVS_T_LIST;
	if (!e)
		return 0;
	if (e->type != KVS_T_LIST && e->type != KVS_T_SET && e->type != KVS_T_ZSET) {
		reply_wrongtype(c);
		return -1;
	}
	const struct kvs_type_ops *ops = &kvs_type_ops[e->type];
	if (!ops->foreach) {
		reply_errorf(c, "ERR the %s type cannot be read by SORT", ops->name);
		return -1;
	}
	ops->foreach(kvs_entry_obj(e), load_elem, st);
	return 0;
}

/* ---- looking things up ------------------------------------------------- */

struct value_sink {
	struct arena *ar;
	size_t off, len;
};

static void sink_value(void *arg, const char *p, size_t len, double score)
{
	struct value_sink *s = arg;
	(void)score;
	s->off = arena_add(s->ar, p, len);
	s->len = len;
}

/* The value pattern pt gives for element el, appended to st->ar: 1 and
 * its position, or 0 if there is none (no such key, wrong type, no such
 * field, no '*'). The caller holds the lock of the key's shard. */
static int pattern_value(struct kvs_client *c, struct sort_state *st, const struct pattern *pt,
			 const struct sort_elem *el, size_t *off, size_t *len)
{
	struct kvs_key k;
	struct value_sink s = { &st->ar, 0, 0 };
	if (pt->self) {
		*off = el->off;
		*len = el->len;
		return 1;
	}
	if (pt->nostar)
		return 0;
	size_t klen = pattern_key(pt, st->ar.p + el->off, el->len, &st->keybuf);
	kvs_key_init(&c->eng->ks, &k, st->keybuf.p, klen);
	k.notouch = (c->flags & KVS_CL_NO_TOUCH) != 0;
	struct kvs_entry *e = ks_find(&c->eng->ks, c->db, &k, c->now, NULL);
	if (!e)
		return 0;
	if (pt->flen) {
		const struct kvs_type_ops *ops = &kvs_type_ops[KVS_T_HASH];
		if (e->type != KVS_T_HASH || !ops->field_get ||
		    !ops->field_get(kvs_entry_obj(e), pt->field, pt->flen, sink_value, &s))
			return 0;
	} else {
		if (e->type != KVS_T_STRING)
			return 0;
		const char *p = kvs_entry_str(e, &s.len);
		s.off = arena_add(&st->ar, p, s.len);
	}
	*off = s.off;
	*len = s.len;
	return 1;
}

/* Shards of every key the patterns will read for st's elements. */
static uint32_t pattern_shards(const struct sort_state *st, const struct pattern *pts, int npt)
{
	uint32_t mask = 0;
	struct arena buf = { 0 };
	for (int i = 0; i < npt; i++) {
		if (pts[i].self || pts[i].nostar)
			continue;
		for (size_t j = 0; j < st->n && mask != 0xffffu; j++) {
			size_t klen = pattern_key(&pts[i], st->ar.p + st->v[j].off, st->v[j].len, &buf);
			mask |= 1u << kvs_key_shard(buf.p, klen);
		}
	}
	free(buf.p);
	return mask;
}

/* ---- sorting ----------------------------------------------------------- */

static int bytes_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);
	if (r)
		return r;
	return al < bl ? -1 : al > bl;
}

/* qsort has no context argument: the comparator reads this, set by the
 * sorting thread just before the call. */
static _Thread_local const struct sort_state *cmp_state;

static int elem_cmp(const void *x, const void *y)
{
	const struct sort_elem *a = x, *b = y;
	const char *base = cmp_state->ar.p;
	int r;
	if (!cmp_state->alpha) {
		r = a->score > b->score ? 1 : a->score < b->score ? -1
			: bytes_cmp(base + a->off, a->len, base + b->off, b->len);
	} else if (cmp_state->byalpha) {
		if (!a->hascmp || !b->hascmp)
			r = a->hascmp - b->hascmp;
		else
			r = bytes_cmp(base + a->coff, a->clen, base + b->coff, b->clen);
	} else {
		r = bytes_cmp(base + a->off, a->len, base + b->off, b->len);
	}
	if (cmp_state->desc)
		r = -r;
	if (r == 0)   /* equal keys keep their load order, as a stable sort */
		r = a->idx < b->idx ? -1 : a->idx > b->idx;
	return r;
}

/* A number as Redis's SORT reads it: all of strtod's syntax, nothing left
 * over, not NaN, not out of range. */
static int parse_score(const char *p, size_t n, double *out)
{
	char stack[128], *buf = n < sizeof stack ? stack : kvs_malloc(n + 1), *end;
	int ok;
	memcpy(buf, p, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	ok = *end == '\0' && errno != ERANGE && !isnan(*out);
	if (buf != stack)
		free(buf);
	return ok;
}

/* Fill in the sort keys (scores or ALPHA keys) of every element. Returns
 * -1 if a score is not a number. */
static int sort_keys(struct kvs_client *c, struct sort_state *st, const struct pattern *by)
{
	int bad = 0;
	for (size_t j = 0; j < st->n; j++) {
		struct sort_elem *el = &st->v[j];
		size_t off = el->off, len = el->len;
		if (by && !pattern_value(c, st, by, el, &off, &len))
			continue;   /* missing: score 0, or first under ALPHA */
		if (st->alpha) {
			el->coff = off;
			el->clen = len;
			el->hascmp = 1;
		} else if (!parse_score(st->ar.p + off, len, &el->score)) {
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* ---- output ------------------------------------------------------------ */

/* Elements [start, end] of the sorted vector, each followed by its GET
 * values (or only those), to the client or into a new list. */
struct sort_out {
	size_t n, cap;
	size_t *off, *len;   /* into the arena; len SIZE_MAX = nil */
};

static void out_add(struct sort_out *o, size_t off, size_t len)
{
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 64;
		o->off = kvs_realloc(o->off, o->cap * sizeof *o->off);
		o->len = kvs_realloc(o->len, o->cap * sizeof *o->len);
	}
	o->off[o->n] = off;
	o->len[o->n++] = len;
}

static void sort_collect(struct kvs_client *c, struct sort_state *st, const struct pattern *gets,
			 int nget, long long start, long long end, struct sort_out *o)
{
	for (long long j = start; j <= end; j++) {
		const struct sort_elem *el = &st->v[j];
		size_t off, len;
		if (!nget)
			out_add(o, el->off, el->len);
		for (int g = 0; g < nget; g++) {
			if (pattern_value(c, st, &gets[g], el, &off, &len))
				out_add(o, off, len);
			else
				out_add(o, 0, SIZE_MAX);
		}
	}
}

static void sort_reply(struct kvs_client *c, const struct sort_state *st, const struct sort_out *o)
{
	reply_array(c, (long long)o->n);
	for (size_t i = 0; i < o->n; i++) {
		if (o->len[i] == SIZE_MAX)
			reply_null(c);
		else
			reply_bulk(c, st->ar.p + o->off[i], o->len[i]);
	}
}

/* STORE: the output becomes a list at argv[a->store] (no TTL), or the key
 * is deleted when the output is empty; nil GET values store as "". */
static void sort_store(struct kvs_client *c, const struct sort_args *a, const struct sort_state *st,
		       const struct sort_out *o)
{
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE;
	const struct kvs_type_ops *ops = &kvs_type_ops[KVS_T_LIST];
	if (o->n && !ops->from_elems) {
		reply_error(c, "ERR the list type cannot be built by SORT STORE");
		return;
	}
	arg_key(c, a->store, &k);
	struct kvs_entry *old = ks_find(&c->eng->ks, c->db, &k, c->now, &slot);
	if (o->n) {
		const char **p = kvs_malloc(o->n * sizeof *p);
		size_t *len = kvs_malloc(o->n * sizeof *len);
		for (size_t i = 0; i < o->n; i++) {
			p[i] = o->len[i] == SIZE_MAX ? "" : st->ar.p + o->off[i];
			len[i] = o->len[i] == SIZE_MAX ? 0 : o->len[i];
		}
		void *obj = ops->from_elems(o->n, p, len);
		free(p);
		free(len);
		ks_put(&c->eng->ks, c->db, &k, old ? slot : KVS_TABLE_NONE,
		       kvs_entry_new_obj(k.p, k.len, KVS_T_LIST, obj, 0), c->now);
	} else if (old) {
		ks_delete_at(&c->eng->ks, c->db, &k, slot, KVS_CHG_DELETE, c->now);
	}
	reply_int(c, (long long)o->n);
}

/* ---- the command ------------------------------------------------------- */

static void lock_mask(struct kvs_client *c, uint32_t mask)
{
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		if (mask & (1u << i))
			kvs_lock_shard(c, i);
}

static void unlock_mask(struct kvs_client *c, uint32_t mask)
{
	for (unsigned i = KVS_SHARDS; i-- > 0;)
		if (mask & (1u << i))
			kvs_unlock_shard(c, i);
}

static uint32_t arg_shard(const struct kvs_client *c, int i)
{
	return 1u << kvs_key_shard(c->argv[i].p, c->argv[i].len);
}

/* Redis's LIMIT arithmetic on n elements: the output is [*start, *end],
 * empty when *end < *start. */
static void sort_limits(const struct sort_args *a, long long n, long long *start, long long *end)
{
	*start = a->limit_start < 0 ? 0 : a->limit_start;
	*end = a->limit_count < 0 ? n - 1 : *start + a->limit_count - 1;
	if (*start >= n) {
		*start = n - 1;
		*end = n - 2;
	}
	if (*end >= n)
		*end = n - 1;
}

/* Order the loaded elements. Returns -1 if a score was not a number. */
static int sort_order(struct kvs_client *c, struct sort_state *st, const struct sort_args *a,
		      const struct pattern *by)
{
	if (a->dontsort) {
		/* Native order; lists and sorted sets run backwards under DESC,
		 * sets have no order to reverse (as in Redis). */
		if (a->desc && st->type != KVS_T_SET) {
			for (size_t i = 0, j = st->n; i + 1 < j; i++, j--) {
				struct sort_elem t = st->v[i];
				st->v[i] = st->v[j - 1];
				st->v[j - 1] = t;
			}
		}
		return 0;
	}
	st->alpha = a->alpha;
	st->byalpha = a->alpha && by;
	st->desc = a->desc;
	if (sort_keys(c, st, by) < 0)
		return -1;
	if (st->n > 1) {
		cmp_state = st;
		qsort(st->v, st->n, sizeof *st->v, elem_cmp);
		cmp_state = NULL;
	}
	return 0;
}

static void sort_generic(struct kvs_client *c, int ro)
{
	int getidx[SORT_MAXGET], *gi = getidx;
	struct pattern gstack[SORT_MAXGET], *gets = gstack, by = { 0 };
	struct sort_args a;
	struct sort_state st = { 0 };
	struct sort_out o = { 0 };
	uint32_t mask, need;
	long long start, end;
	if (c->argc / 2 > SORT_MAXGET) {
		gi = kvs_malloc((size_t)(c->argc / 2) * sizeof *gi);
		gets = kvs_malloc((size_t)(c->argc / 2) * sizeof *gets);
	}
	a.get = gi;
	if (sort_parse(c, ro, &a) < 0)
		goto out;
	for (int i = 0; i < a.nget; i++)
		pattern_init(&gets[i], &c->argv[a.get[i]]);
	if (a.by)
		pattern_init(&by, &c->argv[a.by]);
	mask = arg_shard(c, 1) | (a.store ? arg_shard(c, a.store) : 0);
	for (;;) {
		lock_mask(c, mask);
		if (sort_load(c, &st) < 0)
			goto unlock;
		/* A set sorted into a STORE gets a defined order (Redis). */
		if (a.dontsort && st.type == KVS_T_SET && a.store) {
			a.dontsort = 0;
			a.alpha = 1;
			a.by = 0;
		}
		need = mask | pattern_shards(&st, gets, a.nget);
		if (a.by && !a.dontsort)
			need |= pattern_shards(&st, &by, 1);
		if (need == mask)
			break;
		unlock_mask(c, mask);
		state_reset(&st);
		mask = need;
	}
	if (sort_order(c, &st, &a, a.by && !a.dontsort ? &by : NULL) < 0) {
		reply_error(c, "ERR One or more scores can't be converted into double");
		goto unlock;
	}
	sort_limits(&a, (long long)st.n, &start, &end);
	sort_collect(c, &st, gets, a.nget, start, end, &o);
	if (a.store)
		sort_store(c, &a, &st, &o);
	else
		sort_reply(c, &st, &o);
unlock:
	unlock_mask(c, mask);
out:
	state_free(&st);
	free(o.off);
	free(o.len);
	if (gi != getidx) {
		free(gi);
		free(gets);
	}
}

static void cmd_sort(struct kvs_client *c) { sort_generic(c, 0); }
static void cmd_sort_ro(struct kvs_client *c) { sort_generic(c, 1); }

/* SORT's keys: the source and the last STORE's key (Redis's sortGetKeys,
 * which skips the arguments of LIMIT, GET and BY). */
static int sort_getkeys(int argc, const struct resp_arg *argv, int *keys, int max)
{
	int store = 0;
	for (int i = 2; i < argc; i++) {
		if (kvs_eqi(argv[i].p, argv[i].len, "limit"))
			i += 2;
		else if (kvs_eqi(argv[i].p, argv[i].len, "get") || kvs_eqi(argv[i].p, argv[i].len, "by"))
			i += 1;
		else if (kvs_eqi(argv[i].p, argv[i].len, "store") && i + 1 < argc)
			store = i + 1;
	}
	if (max > 0)
		keys[0] = 1;
	if (store && max > 1)
		keys[1] = store;
	return store ? 2 : 1;
}

static struct kvs_cmd sort_cmds[] = {
	{ .name = "sort", .arity = -2, .flags = KVS_CMD_WRITE | KVS_CMD_DENYOOM | KVS_CMD_NOLOCK,
	  .first_key = 1, .last_key = 1, .key_step = 1, .getkeys = sort_getkeys, .fn = cmd_sort,
	  .group = "generic", .since = "1.0.0",
	  .summary = "Sort the elements in a list, set or sorted set" },
	{ .name = "sort_ro", .arity = -2, .flags = KVS_CMD_READONLY | KVS_CMD_NOLOCK,
	  .first_key = 1, .last_key = 1, .key_step = 1, .fn = cmd_sort_ro, .group = "generic",
	  .since = "7.0.0", .summary = "Sort the elements in a list, set or sorted set. Read-only variant of SORT." },
};

void kvs_register_sort(void)
{
	if (kvs_cmd_register(sort_cmds, sizeof sort_cmds / sizeof *sort_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
}
