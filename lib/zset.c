/*
 * zset.c - skiplist + member index; see zset.h for the node layout.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "util.h"
#include "zset.h"

struct zlevel {
	struct kvs_znode *fwd;
	size_t span;      /* members crossed by following fwd */
};

/* Level i of node x lives just below it. */
#define LV(x, i) (((struct zlevel *)(x)) - 1 - (i))

#define HEAD_MIN_LEVELS 2

int kvs_zmember_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static inline const char *member_of(const struct kvs_znode *x, size_t *len)
{
	return kvs_znode_member(x, len);
}

/* (x->score, x's member) < (score, m)? */
static int node_lt(const struct kvs_znode *x, double score, const char *m, size_t len)
{
	size_t xl;
	if (x->score != score)
		return x->score < score;
	const char *xm = member_of(x, &xl);
	return kvs_zmember_cmp(xm, xl, m, len) < 0;
}

static int node_le(const struct kvs_znode *x, double score, const char *m, size_t len)
{
	size_t xl;
	if (x->score != score)
		return x->score < score;
	const char *xm = member_of(x, &xl);
	return kvs_zmember_cmp(xm, xl, m, len) <= 0;
}

/* A node with `level` levels, and a member entry unless m is NULL. */
static struct kvs_znode *node_alloc(int level, double score, const char *m, size_t len)
{
	size_t sz = (size_t)level * sizeof(struct zlevel) + sizeof(struct kvs_znode);
	if (m)
		sz += KVS_ENTRY_HDR + kvs_varint_len(len) + len;
	char *base = kvs_malloc(sz);
	struct kvs_znode *x = (struct kvs_znode *)(base + (size_t)level * sizeof(struct zlevel));
	x->score = score;
	x->back = NULL;
	x->level = (uint32_t)level;
	x->spare = 0;
	if (m) {
		struct kvs_entry *e = kvs_znode_entry(x);
		e->stamp = 0;
		e->type = KVS_T_ZSET;
		e->enc = KVS_E_RAW;
		e->flags = 0;
		e->lru = 0;
		size_t h = kvs_varint_put(e->data, len);
		if (len)
			memcpy(e->data + h, m, len);
	}
	return x;
}

static size_t node_size(const struct kvs_znode *x, int has_member)
{
	size_t sz = x->level * sizeof(struct zlevel) + sizeof(struct kvs_znode);
	if (has_member) {
		size_t len;
		member_of(x, &len);
		sz += KVS_ENTRY_HDR + kvs_varint_len(len) + len;
	}
	return sz;
}

static void node_free(struct kvs_znode *x)
{
	free((char *)x - x->level * sizeof(struct zlevel));
}

/* Levels 1, 2, 3 ... with probability 3/4, 3/16, ... (Redis's p = 1/4),
 * two random bits per level. */
static int random_level(uint64_t rnd)
{
	int level = 1;
	while (level < KVS_ZSET_MAXLEVEL && (rnd & 3) == 0) {
		level++;
		rnd >>= 2;
	}
	return level;
}

/* The head only has as many levels as the tallest member needs, so a
 * small set does not pay for 32. Nothing points back at the head, so it
 * may move. */
static void head_grow(struct kvs_zset *z, int level)
{
	if (level <= z->headcap)
		return;
	int cap = z->headcap;
	while (cap < level)
		cap *= 2;
	if (cap > KVS_ZSET_MAXLEVEL)
		cap = KVS_ZSET_MAXLEVEL;
	struct kvs_znode *h = node_alloc(cap, 0, NULL, 0);
	for (int i = 0; i < cap; i++) {
		if (i < z->headcap) {
			*LV(h, i) = *LV(z->head, i);
		} else {
			LV(h, i)->fwd = NULL;
			LV(h, i)->span = z->len;
		}
	}
	node_free(z->head);
	z->head = h;
	z->headcap = cap;
}

static struct kvs_zset *zset_alloc(uint64_t seed, int headcap)
{
	struct kvs_zset *z = kvs_calloc(1, sizeof *z);
	z->headcap = headcap;
	z->level = 1;
	z->compact = 1;
	z->head = node_alloc(headcap, 0, NULL, 0);
	for (int i = 0; i < headcap; i++) {
		LV(z->head, i)->fwd = NULL;
		LV(z->head, i)->span = 0;
	}
	kvs_table_init(&z->dict, seed);
	return z;
}

struct kvs_zset *kvs_zset_new(uint64_t seed)
{
	return zset_alloc(seed, HEAD_MIN_LEVELS);
}

void kvs_zset_free(struct kvs_zset *z)
{
	if (!z)
		return;
	struct kvs_znode *x = LV(z->head, 0)->fwd, *next;
	for (; x; x = next) {
		next = LV(x, 0)->fwd;
		node_free(x);
	}
	node_free(z->head);
	/* The entries were in the nodes: empty the index before destroying
	 * it, so that it frees only its arrays. */
	for (size_t i = kvs_table_next(&z->dict, 0); i != KVS_TABLE_NONE; i = kvs_table_next(&z->dict, i + 1))
		kvs_table_remove_at(&z->dict, i);
	kvs_table_destroy(&z->dict);
	free(z);
}

static void dict_add(struct kvs_zset *z, struct kvs_znode *x)
{
	size_t len;
	const char *m = member_of(x, &len);
	kvs_table_insert(&z->dict, kvs_hash64(m, len, z->dict.seed), kvs_znode_entry(x));
}

static void dict_remove(struct kvs_zset *z, struct kvs_znode *x)
{
	size_t len;
	const char *m = member_of(x, &len);
	size_t slot = kvs_table_find(&z->dict, m, len, kvs_hash64(m, len, z->dict.seed));
	kvs_table_remove_at(&z->dict, slot);
}

struct kvs_zset *kvs_zset_dup(const struct kvs_zset *z)
{
	struct kvs_zset *d = zset_alloc(z->dict.seed, z->headcap);
	struct kvs_znode *last[KVS_ZSET_MAXLEVEL], *prev = NULL;
	size_t lastrank[KVS_ZSET_MAXLEVEL], r = 0;
	for (int i = 0; i < d->headcap; i++) {
		last[i] = d->head;
		lastrank[i] = 0;
	}
	for (const struct kvs_znode *x = kvs_zset_first(z); x; x = LV(x, 0)->fwd) {
		size_t len;
		const char *m = member_of(x, &len);
		struct kvs_znode *y = node_alloc((int)x->level, x->score, m, len);
		kvs_znode_entry(y)->stamp = kvs_znode_entry(x)->stamp;
		r++;
		for (int i = 0; i < (int)y->level; i++) {
			LV(last[i], i)->fwd = y;
			LV(last[i], i)->span = r - lastrank[i];
			last[i] = y;
			lastrank[i] = r;
		}
		y->back = prev;
		prev = y;
		dict_add(d, y);
	}
	for (int i = 0; i < d->headcap; i++) {
		LV(last[i], i)->fwd = NULL;
		LV(last[i], i)->span = r - lastrank[i];
	}
	d->tail = prev;
	d->len = z->len;
	d->level = z->level;
	d->compact = z->compact;
	return d;
}

size_t kvs_zset_mem(const struct kvs_zset *z)
{
	size_t n = sizeof *z + node_size(z->head, 0) + kvs_table_mem(&z->dict);
	for (const struct kvs_znode *x = kvs_zset_first(z); x; x = LV(x, 0)->fwd)
		n += node_size(x, 1);
	return n;
}

struct kvs_znode *kvs_zset_first(const struct kvs_zset *z) { return LV(z->head, 0)->fwd; }
struct kvs_znode *kvs_znode_next(const struct kvs_znode *n) { return LV(n, 0)->fwd; }

struct kvs_znode *kvs_zset_find(const struct kvs_zset *z, const char *m, size_t len)
{
	size_t slot = kvs_table_find(&z->dict, m, len, kvs_hash64(m, len, z->dict.seed));
	return slot == KVS_TABLE_NONE ? NULL : kvs_zset_node_of(kvs_table_at(&z->dict, slot));
}

/* In a descent at node y on level i, the next node compared is y's
 * forward on level i or, if the search stops there, y's forward on level
 * i - 1: ask for the second while the first is being fetched, so the two
 * cache misses overlap. */
static inline void zsl_prefetch_below(const struct kvs_znode *y, int i)
{
	if (i > 0 && LV(y, i - 1)->fwd)
		KVS_PREFETCH(LV(y, i - 1)->fwd);
}

/* Link the allocated node x into the skiplist by its score and member
 * (Redis's zslInsert). */
static void zsl_link(struct kvs_zset *z, struct kvs_znode *x)
{
	struct kvs_znode *update[KVS_ZSET_MAXLEVEL], *y = z->head;
	size_t rank[KVS_ZSET_MAXLEVEL], len;
	const char *m = member_of(x, &len);
	int level = (int)x->level;
	for (int i = z->level - 1; i >= 0; i--) {
		rank[i] = i == z->level - 1 ? 0 : rank[i + 1];
		zsl_prefetch_below(y, i);
		while (LV(y, i)->fwd && node_lt(LV(y, i)->fwd, x->score, m, len)) {
			rank[i] += LV(y, i)->span;
			y = LV(y, i)->fwd;
			zsl_prefetch_below(y, i);
		}
		update[i] = y;
	}
	if (level > z->level) {
		for (int i = z->level; i < level; i++) {
			rank[i] = 0;
			update[i] = z->head;
			LV(z->head, i)->span = z->len;
		}
		z->level = level;
	}
	for (int i = 0; i < level; i++) {
		LV(x, i)->fwd = LV(update[i], i)->fwd;
		LV(update[i], i)->fwd = x;
		LV(x, i)->span = LV(update[i], i)->span - (rank[0] - rank[i]);
		LV(update[i], i)->span = rank[0] - rank[i] + 1;
	}
	for (int i = level; i < z->level; i++)
		LV(update[i], i)->span++;
	x->back = update[0] == z->head ? NULL : update[0];
	if (LV(x, 0)->fwd)
		LV(x, 0)->fwd->back = x;
	else
		z->tail = x;
	z->len++;
}

/* The last node before (score, m) on every level. */
static void find_update(const struct kvs_zset *z, double score, const char *m, size_t len,
			struct kvs_znode **update)
{
	struct kvs_znode *y = z->head;
	for (int i = z->level - 1; i >= 0; i--) {
		zsl_prefetch_below(y, i);
		while (LV(y, i)->fwd && node_lt(LV(y, i)->fwd, score, m, len)) {
			y = LV(y, i)->fwd;
			zsl_prefetch_below(y, i);
		}
		update[i] = y;
	}
}

static void zsl_unlink(struct kvs_zset *z, struct kvs_znode *x, struct kvs_znode **update)
{
	for (int i = 0; i < z->level; i++) {
		if (LV(update[i], i)->fwd == x) {
			LV(update[i], i)->span += LV(x, i)->span - 1;
			LV(update[i], i)->fwd = LV(x, i)->fwd;
		} else {
			LV(update[i], i)->span -= 1;
		}
	}
	if (LV(x, 0)->fwd)
		LV(x, 0)->fwd->back = x->back;
	else
		z->tail = x->back;
	while (z->level > 1 && !LV(z->head, z->level - 1)->fwd)
		z->level--;
	z->len--;
}

/* -0 is stored as 0: Redis keeps small sets as text, where -0 comes back
 * as 0, and only huge sets would show "-0"; one answer for every size. */
static inline double norm_zero(double score) { return score == 0 ? 0.0 : score; }

struct kvs_znode *kvs_zset_insert(struct kvs_zset *z, double score, const char *m, size_t len, uint64_t rnd)
{
	score = norm_zero(score);
	int level = random_level(rnd);
	head_grow(z, level);
	struct kvs_znode *x = node_alloc(level, score, m, len);
	zsl_link(z, x);
	dict_add(z, x);
	if (z->len > KVS_ZSET_MAX_LISTPACK_ENTRIES || len > KVS_ZSET_MAX_LISTPACK_VALUE)
		z->compact = 0;
	return x;
}

void kvs_zset_set_score(struct kvs_zset *z, struct kvs_znode *x, double score)
{
	struct kvs_znode *update[KVS_ZSET_MAXLEVEL], *next = LV(x, 0)->fwd;
	size_t len;
	const char *m = member_of(x, &len);
	score = norm_zero(score);
	/* Still in the same place: no relinking (Redis's zslUpdateScore). */
	if ((!x->back || x->back->score < score) && (!next || next->score > score)) {
		x->score = score;
		return;
	}
	find_update(z, x->score, m, len, update);
	zsl_unlink(z, x, update);
	x->score = score;
	zsl_link(z, x);
}

static void delete_node(struct kvs_zset *z, struct kvs_znode *x, struct kvs_znode **update)
{
	zsl_unlink(z, x, update);
	dict_remove(z, x);
	node_free(x);
}

void kvs_zset_delete(struct kvs_zset *z, struct kvs_znode *x)
{
	struct kvs_znode *update[KVS_ZSET_MAXLEVEL];
	size_t len;
	const char *m = member_of(x, &len);
	find_update(z, x->score, m, len, update);
	delete_node(z, x, update);
	kvs_table_maybe_shrink(&z->dict);
}

size_t kvs_zset_rank(const struct kvs_zset *z, const struct kvs_znode *x)
{
	const struct kvs_znode *y = z->head;
	size_t rank = 0, len;
	const char *m = member_of(x, &len);
	for (int i = z->level - 1; i >= 0; i--) {
		while (LV(y, i)->fwd && node_le(LV(y, i)->fwd, x->score, m, len)) {
			rank += LV(y, i)->span;
			y = LV(y, i)->fwd;
		}
		if (y == x)
			break;
	}
	return rank - 1;
}

struct kvs_znode *kvs_zset_at(const struct kvs_zset *z, size_t rank)
{
	struct kvs_znode *y = z->head;
	size_t want = rank + 1, seen = 0;
	for (int i = z->level - 1; i >= 0; i--) {
		while (LV(y, i)->fwd && seen + LV(y, i)->span <= want) {
			seen += LV(y, i)->span;
			y = LV(y, i)->fwd;
		}
		if (seen == want)
			return y;
	}
	return NULL;
}

/* ---- score ranges ------------------------------------------------------------ */

int kvs_zrange_gte_min(double v, const struct kvs_zrange *r) { return r->minex ? v > r->min : v >= r->min; }
int kvs_zrange_lte_max(double v, const struct kvs_zrange *r) { return r->maxex ? v < r->max : v <= r->max; }

/* Could any member be in the range (Redis's zslIsInRange)? */
static int in_range(const struct kvs_zset *z, const struct kvs_zrange *r)
{
	if (r->min > r->max || (r->min == r->max && (r->minex || r->maxex)))
		return 0;
	if (!z->tail || !kvs_zrange_gte_min(z->tail->score, r))
		return 0;
	struct kvs_znode *x = kvs_zset_first(z);
	return x && kvs_zrange_lte_max(x->score, r);
}

struct kvs_znode *kvs_zset_first_in(const struct kvs_zset *z, const struct kvs_zrange *r)
{
	if (!in_range(z, r))
		return NULL;
	struct kvs_znode *y = z->head;
	for (int i = z->level - 1; i >= 0; i--)
		while (LV(y, i)->fwd && !kvs_zrange_gte_min(LV(y, i)->fwd->score, r))
			y = LV(y, i)->fwd;
	y = LV(y, 0)->fwd;
	return y && kvs_zrange_lte_max(y->score, r) ? y : NULL;
}

struct kvs_znode *kvs_zset_last_in(const struct kvs_zset *z, const struct kvs_zrange *r)
{
	if (!in_range(z, r))
		return NULL;
	struct kvs_znode *y = z->head;
	for (int i = z->level - 1; i >= 0; i--)
		while (LV(y, i)->fwd && kvs_zrange_lte_max(LV(y, i)->fwd->score, r))
			y = LV(y, i)->fwd;
	return y != z->head && kvs_zrange_gte_min(y->score, r) ? y : NULL;
}

/* ---- lex ranges --------------------------------------------------------------- */

/* Redis's sdscmplex: "-" below and "+" above every member. */
static int lex_cmp(const struct kvs_zlex *a, const struct kvs_zlex *b)
{
	if (a->inf && a->inf == b->inf)
		return 0;
	if (a->inf < 0 || b->inf > 0)
		return -1;
	if (a->inf > 0 || b->inf < 0)
		return 1;
	return kvs_zmember_cmp(a->p, a->len, b->p, b->len);
}

int kvs_zlex_gte_min(const char *m, size_t len, const struct kvs_zlexrange *r)
{
	struct kvs_zlex v = { m, len, 0, 0 };
	int c = lex_cmp(&v, &r->min);
	return r->min.ex ? c > 0 : c >= 0;
}

int kvs_zlex_lte_max(const char *m, size_t len, const struct kvs_zlexrange *r)
{
	struct kvs_zlex v = { m, len, 0, 0 };
	int c = lex_cmp(&v, &r->max);
	return r->max.ex ? c < 0 : c <= 0;
}

static int node_gte_min(const struct kvs_znode *x, const struct kvs_zlexrange *r)
{
	size_t len;
	const char *m = member_of(x, &len);
	return kvs_zlex_gte_min(m, len, r);
}

static int node_lte_max(const struct kvs_znode *x, const struct kvs_zlexrange *r)
{
	size_t len;
	const char *m = member_of(x, &len);
	return kvs_zlex_lte_max(m, len, r);
}

static int in_lex_range(const struct kvs_zset *z, const struct kvs_zlexrange *r)
{
	int c = lex_cmp(&r->min, &r->max);
	if (c > 0 || (c == 0 && (r->min.ex || r->max.ex)))
		return 0;
	if (!z->tail || !node_gte_min(z->tail, r))
		return 0;
	struct kvs_znode *x = kvs_zset_first(z);
	return x && node_lte_max(x, r);
}

struct kvs_znode *kvs_zset_first_in_lex(const struct kvs_zset *z, const struct kvs_zlexrange *r)
{
	if (!in_lex_range(z, r))
		return NULL;
	struct kvs_znode *y = z->head;
	for (int i = z->level - 1; i >= 0; i--)
		while (LV(y, i)->fwd && !node_gte_min(LV(y, i)->fwd, r))
			y = LV(y, i)->fwd;
	y = LV(y, 0)->fwd;
	return y && node_lte_max(y, r) ? y : NULL;
}

struct kvs_znode *kvs_zset_last_in_lex(const struct kvs_zset *z, const struct kvs_zlexrange *r)
{
	if (!in_lex_range(z, r))
		return NULL;
	struct kvs_znode *y = z->head;
	for (int i = z->level - 1; i >= 0; i--)
		while (LV(y, i)->fwd && node_lte_max(LV(y, i)->fwd, r))
			y = LV(y, i)->fwd;
	return y != z->head && node_gte_min(y, r) ? y : NULL;
}

/* ---- range deletion ----------------------------------------------------------- */

size_t kvs_zset_delete_range(struct kvs_zset *z, const struct kvs_zrange *r)
{
	struct kvs_znode *update[KVS_ZSET_MAXLEVEL], *y = z->head, *next;
	size_t removed = 0;
	for (int i = z->level - 1; i >= 0; i--) {
		while (LV(y, i)->fwd && !kvs_zrange_gte_min(LV(y, i)->fwd->score, r))
			y = LV(y, i)->fwd;
		update[i] = y;
	}
	/* Consecutive nodes share their predecessors: update[] stays valid. */
	for (y = LV(y, 0)->fwd; y && kvs_zrange_lte_max(y->score, r); y = next) {
		next = LV(y, 0)->fwd;
		delete_node(z, y, update);
		removed++;
	}
	kvs_table_maybe_shrink(&z->dict);
	return removed;
}

size_t kvs_zset_delete_lex(struct kvs_zset *z, const struct kvs_zlexrange *r)
{
	struct kvs_znode *update[KVS_ZSET_MAXLEVEL], *y = z->head, *next;
	size_t removed = 0;
	for (int i = z->level - 1; i >= 0; i--) {
		while (LV(y, i)->fwd && !node_gte_min(LV(y, i)->fwd, r))
			y = LV(y, i)->fwd;
		update[i] = y;
	}
	for (y = LV(y, 0)->fwd; y && node_lte_max(y, r); y = next) {
		next = LV(y, 0)->fwd;
		delete_node(z, y, update);
		removed++;
	}
	kvs_table_maybe_shrink(&z->dict);
	return removed;
}

size_t kvs_zset_delete_ranks(struct kvs_zset *z, size_t start, size_t end)
{
	struct kvs_znode *update[KVS_ZSET_MAXLEVEL], *y = z->head, *next;
	size_t seen = 0, removed = 0;
	/* 1-based from here on, as in Redis's zslDeleteRangeByRank. */
	start++;
	end++;
	for (int i = z->level - 1; i >= 0; i--) {
		while (LV(y, i)->fwd && seen + LV(y, i)->span < start) {
			seen += LV(y, i)->span;
			y = LV(y, i)->fwd;
		}
		update[i] = y;
	}
	seen++;
	for (y = LV(y, 0)->fwd; y && seen <= end; y = next, seen++) {
		next = LV(y, 0)->fwd;
		delete_node(z, y, update);
		removed++;
	}
	kvs_table_maybe_shrink(&z->dict);
	return removed;
}

int kvs_zset_check(const struct kvs_zset *z, char *err, size_t errlen)
{
	size_t n = 0;
	const struct kvs_znode *prev = NULL;
	int top = 1;
	for (const struct kvs_znode *x = LV(z->head, 0)->fwd; x; x = LV(x, 0)->fwd) {
		size_t len, plen;
		const char *m = member_of(x, &len);
		if (x->back != prev) {
			snprintf(err, errlen, "member %zu: wrong back link", n);
			return -1;
		}
		if (prev) {
			const char *pm = member_of(prev, &plen);
			if (prev->score > x->score ||
			    (prev->score == x->score && kvs_zmember_cmp(pm, plen, m, len) >= 0)) {
				snprintf(err, errlen, "member %zu: out of order", n);
				return -1;
			}
		}
		if (kvs_zset_find(z, m, len) != x) {
			snprintf(err, errlen, "member %zu: not in the index", n);
			return -1;
		}
		if ((int)x->level > top)
			top = (int)x->level;
		prev = x;
		n++;
	}
	if (n != z->len || z->tail != prev || z->dict.used != n) {
		snprintf(err, errlen, "length %zu, len %zu, index %zu, or tail wrong", n, z->len, z->dict.used);
		return -1;
	}
	if (z->level != (n ? top : 1) || z->level > z->headcap) {
		snprintf(err, errlen, "level %d wrong (tallest member %d)", z->level, top);
		return -1;
	}
	/* Every level: spans adding up to the ranks, links only to nodes that
	 * have the level. */
	for (int i = 0; i < z->level; i++) {
		size_t rank = 0;
		const struct kvs_znode *y = z->head;
		while (LV(y, i)->fwd) {
			const struct kvs_znode *f = LV(y, i)->fwd;
			rank += LV(y, i)->span;
			if (kvs_zset_at(z, rank - 1) != f) {
				snprintf(err, errlen, "level %d: span leads to rank %zu, not its forward node", i, rank);
				return -1;
			}
			if ((int)f->level <= i) {
				snprintf(err, errlen, "level %d: links a node of %u levels", i, f->level);
				return -1;
			}
			y = f;
		}
		if (rank + LV(y, i)->span != n) {
			snprintf(err, errlen, "level %d: last span %zu does not end at %zu", i, LV(y, i)->span, n);
			return -1;
		}
	}
	return 0;
}
