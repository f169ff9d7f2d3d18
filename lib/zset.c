/*
 * zset.c - counted B+tree + member index; see zset.h.
 *
 * Leaves hold up to LEAF_CAP (score, member) pairs in order; the score is
 * copied next to the pointer so that a search reads a few adjacent cache
 * lines and dereferences a member only on equal scores. Inner nodes hold,
 * for each child, the child's largest pair ("key") and its member count.
 * A search for a pair goes to the first child whose key is >= the pair.
 *
 * All leaves are at depth `height`. A non-root node that falls below
 * MIN_FILL is merged with a neighbour or takes some of its entries.
 * Splits in the middle, except when appending at the very end (a load in
 * order, increasing timestamps): then the full node stays full.
 *
 * The root, while it is the only leaf, grows through smaller capacities
 * (2, 6, 14, 30 pairs: 64, 128, 256 and 512-byte size classes) so that a
 * set of a few members stays small.
 */
#include "config.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "util.h"
#include "zset.h"

#define LEAF_CAP  30
#define INNER_CAP 31
#define MIN_FILL  7      /* a quarter of either capacity */
#define MAX_HEIGHT 32    /* MIN_FILL^32 members would not fit in memory */

struct kvs_zleaf {
	struct kvs_zleaf *prev, *next;
	uint32_t n, cap;
	double score[];      /* cap scores, then cap member pointers */
};

struct zinner {
	uint32_t n, spare;
	double score[INNER_CAP];             /* key of child i: its largest pair */
	void *child[INNER_CAP];              /* next to the scores: read next */
	struct kvs_znode *m[INNER_CAP];
	uint64_t cnt[INNER_CAP];             /* members under child i */
};

/* The way down to one place: in[d]->child[idx[d]] is the node at depth
 * d + 1; leaf/pos the place at the bottom. */
struct zpath {
	struct zinner *in[MAX_HEIGHT];
	unsigned idx[MAX_HEIGHT];
	struct kvs_zleaf *leaf;
	unsigned pos;
};

static inline struct kvs_znode **leaf_m(const struct kvs_zleaf *l)
{
	return (struct kvs_znode **)(l->score + l->cap);
}

static inline size_t leaf_size(uint32_t cap)
{
	return sizeof(struct kvs_zleaf) + (size_t)cap * (sizeof(double) + sizeof(struct kvs_znode *));
}

static struct kvs_zleaf *leaf_new(uint32_t cap)
{
	struct kvs_zleaf *l = kvs_malloc(leaf_size(cap));
	l->prev = l->next = NULL;
	l->n = 0;
	l->cap = cap;
	return l;
}

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

/* (score, x's member) < (s, m)? */
static inline int pair_lt(double score, const struct kvs_znode *x, double s, const char *m, size_t len)
{
	if (score != s)
		return score < s;
	size_t xl;
	const char *xm = member_of(x, &xl);
	return kvs_zmember_cmp(xm, xl, m, len) < 0;
}

/* The first i < n whose pair is >= (s, m), or n: a binary search over the
 * scores, then a walk over equal scores by member. */
static inline unsigned lower_bound(const double *score, struct kvs_znode *const *mv, unsigned n, double s,
				   const char *m, size_t len)
{
	unsigned lo = 0;
	if (n) {   /* branch-free: the comparisons are coin flips */
		const double *base = score;
		for (unsigned k = n; k > 1; k -= k / 2)
			base = base[k / 2] < s ? base + k / 2 : base;
		lo = (unsigned)(base - score) + (*base < s);
	}
	while (lo < n && score[lo] == s && pair_lt(score[lo], mv[lo], s, m, len))
		lo++;
	return lo;
}

/* A node about to be searched: the scores (the first four lines) and,
 * of an inner node, the child pointers after them. */
static inline void prefetch_node(const void *x, int leaf)
{
	const char *p = x;
	for (int i = 0; i < (leaf ? 4 : 8); i++)
		KVS_PREFETCH(p + 64 * i);
}

/* -0 is stored as 0: Redis keeps small sets as text, where -0 comes back
 * as 0, and only huge sets would show "-0"; one answer for every size. */
static inline double norm_zero(double score) { return score == 0 ? 0.0 : score; }

/* ---- nodes ------------------------------------------------------------------ */

static struct kvs_znode *node_alloc(double score, const char *m, size_t len)
{
	struct kvs_znode *x = kvs_malloc(sizeof *x + KVS_ENTRY_HDR + kvs_varint_len(len) + len);
	x->score = score;
	struct kvs_entry *e = kvs_znode_entry(x);
	e->stamp = 0;
	e->type = KVS_T_ZSET;
	e->enc = KVS_E_RAW;
	e->flags = 0;
	e->lru = 0;
	size_t h = kvs_varint_put(e->data, len);
	if (len)
		memcpy(e->data + h, m, len);
	return x;
}

static size_t node_size(const struct kvs_znode *x)
{
	size_t len;
	member_of(x, &len);
	return sizeof *x + KVS_ENTRY_HDR + kvs_varint_len(len) + len;
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

/* ---- node keys and counts ----------------------------------------------------- */

/* The largest pair under x (a leaf if leaf). */
static void node_key(const void *x, int leaf, double *score, struct kvs_znode **m)
{
	if (leaf) {
		const struct kvs_zleaf *l = x;
		*score = l->score[l->n - 1];
		*m = leaf_m(l)[l->n - 1];
	} else {
		const struct zinner *in = x;
		*score = in->score[in->n - 1];
		*m = in->m[in->n - 1];
	}
}

static uint64_t node_count(const void *x, int leaf)
{
	if (leaf)
		return ((const struct kvs_zleaf *)x)->n;
	const struct zinner *in = x;
	uint64_t c = 0;
	for (unsigned i = 0; i < in->n; i++)
		c += in->cnt[i];
	return c;
}

static inline unsigned node_n(const void *x, int leaf)
{
	return leaf ? ((const struct kvs_zleaf *)x)->n : ((const struct zinner *)x)->n;
}

/* Set in's key for child i from the child. */
static void refresh_key(struct zinner *in, unsigned i, int leaf)
{
	node_key(in->child[i], leaf, &in->score[i], &in->m[i]);
}

/* ---- alloc / free ------------------------------------------------------------- */

struct kvs_zset *kvs_zset_new(uint64_t seed)
{
	struct kvs_zset *z = kvs_calloc(1, sizeof *z);
	z->compact = 1;
	kvs_table_init(&z->dict, seed);
	return z;
}

static void free_tree(void *x, int height)
{
	if (height == 0) {
		struct kvs_zleaf *l = x;
		struct kvs_znode **mv = leaf_m(l);
		for (unsigned i = 0; i < l->n; i++)
			free(mv[i]);
		free(l);
		return;
	}
	struct zinner *in = x;
	for (unsigned i = 0; i < in->n; i++)
		free_tree(in->child[i], height - 1);
	free(in);
}

void kvs_zset_free(struct kvs_zset *z)
{
	if (!z)
		return;
	if (z->root)
		free_tree(z->root, z->height);
	/* The entries were in the nodes: empty the index before destroying
	 * it, so that it frees only its arrays. */
	for (size_t i = kvs_table_next(&z->dict, 0); i != KVS_TABLE_NONE; i = kvs_table_next(&z->dict, i + 1))
		kvs_table_remove_at(&z->dict, i);
	kvs_table_destroy(&z->dict);
	free(z);
}

static size_t tree_mem(const void *x, int height)
{
	if (height == 0) {
		const struct kvs_zleaf *l = x;
		size_t n = leaf_size(l->cap);
		for (unsigned i = 0; i < l->n; i++)
			n += node_size(leaf_m(l)[i]);
		return n;
	}
	const struct zinner *in = x;
	size_t n = sizeof *in;
	for (unsigned i = 0; i < in->n; i++)
		n += tree_mem(in->child[i], height - 1);
	return n;
}

size_t kvs_zset_mem(const struct kvs_zset *z)
{
	return sizeof *z + kvs_table_mem(&z->dict) + (z->root ? tree_mem(z->root, z->height) : 0);
}

struct kvs_znode *kvs_zset_find(const struct kvs_zset *z, const char *m, size_t len)
{
	size_t slot = kvs_table_find(&z->dict, m, len, kvs_hash64(m, len, z->dict.seed));
	return slot == KVS_TABLE_NONE ? NULL : kvs_zset_node_of(kvs_table_at(&z->dict, slot));
}

/* ---- descents ----------------------------------------------------------------- */

/* To the first place whose pair is >= (s, m); past the last member (pos =
 * n of the last leaf) if there is none. The set is not empty. */
static void descend_key(const struct kvs_zset *z, double s, const char *m, size_t len, struct zpath *p)
{
	void *x = z->root;
	for (int d = 0; d < z->height; d++) {
		struct zinner *in = x;
		unsigned i = lower_bound(in->score, in->m, in->n, s, m, len);
		if (i == in->n)
			i = in->n - 1;
		p->in[d] = in;
		p->idx[d] = i;
		x = in->child[i];
		prefetch_node(x, d + 1 == z->height);
	}
	p->leaf = x;
	p->pos = lower_bound(p->leaf->score, leaf_m(p->leaf), p->leaf->n, s, m, len);
}

/* To member x (which is in z). */
static void descend_node(const struct kvs_zset *z, const struct kvs_znode *x, struct zpath *p)
{
	size_t len;
	const char *m = member_of(x, &len);
	descend_key(z, x->score, m, len, p);
	assert(p->pos < p->leaf->n && leaf_m(p->leaf)[p->pos] == x);
}

/* To the member of 0-based rank r < len. */
static void descend_rank(const struct kvs_zset *z, size_t r, struct zpath *p)
{
	void *x = z->root;
	for (int d = 0; d < z->height; d++) {
		struct zinner *in = x;
		unsigned i = 0;
		while (i + 1 < in->n && r >= in->cnt[i])
			r -= in->cnt[i++];
		p->in[d] = in;
		p->idx[d] = i;
		x = in->child[i];
	}
	p->leaf = x;
	p->pos = (unsigned)r;
}

/* A property of pairs that is false up to some place and true from there
 * on (a lower bound of a range, or "beyond" an upper bound). */
typedef int zpred(double score, const struct kvs_znode *x, const void *arg);

/* To the first place where pred holds: 0 if there is none. */
static int descend_pred(const struct kvs_zset *z, zpred *pred, const void *arg, struct zpath *p)
{
	void *x = z->root;
	if (!x)
		return 0;
	for (int d = 0; d < z->height; d++) {
		struct zinner *in = x;
		unsigned i = 0;
		while (i < in->n && !pred(in->score[i], in->m[i], arg))
			i++;
		if (i == in->n)
			return 0;
		p->in[d] = in;
		p->idx[d] = i;
		x = in->child[i];
	}
	struct kvs_zleaf *l = x;
	unsigned i = 0;
	while (i < l->n && !pred(l->score[i], leaf_m(l)[i], arg))
		i++;
	if (i == l->n)   /* only if the keys above are stale: never */
		return 0;
	p->leaf = l;
	p->pos = i;
	return 1;
}

/* ---- walking ------------------------------------------------------------------ */

static inline struct kvs_znode *at_it(struct kvs_zit *it, struct kvs_zleaf *l, unsigned pos)
{
	if (it) {
		it->leaf = l;
		it->pos = pos;
	}
	return l ? leaf_m(l)[pos] : NULL;
}

struct kvs_znode *kvs_zset_first(const struct kvs_zset *z, struct kvs_zit *it)
{
	return at_it(it, z->head, 0);
}

struct kvs_znode *kvs_zset_last(const struct kvs_zset *z, struct kvs_zit *it)
{
	return at_it(it, z->tail, z->tail ? z->tail->n - 1 : 0);
}

struct kvs_znode *kvs_zit_next(struct kvs_zit *it)
{
	if (!it->leaf)
		return NULL;
	if (++it->pos < it->leaf->n)
		return leaf_m(it->leaf)[it->pos];
	return at_it(it, it->leaf->next, 0);
}

struct kvs_znode *kvs_zit_prev(struct kvs_zit *it)
{
	if (!it->leaf)
		return NULL;
	if (it->pos > 0)
		return leaf_m(it->leaf)[--it->pos];
	struct kvs_zleaf *l = it->leaf->prev;
	return at_it(it, l, l ? l->n - 1 : 0);
}

/* ---- insertion ---------------------------------------------------------------- */

/* The root leaf is full below LEAF_CAP: move it to the next capacity. */
static struct kvs_zleaf *root_leaf_grow(struct kvs_zset *z, struct kvs_zleaf *l)
{
	uint32_t cap = l->cap < 6 ? 6 : l->cap < 14 ? 14 : LEAF_CAP;
	struct kvs_zleaf *g = leaf_new(cap);
	g->n = l->n;
	memcpy(g->score, l->score, l->n * sizeof *l->score);
	memcpy(leaf_m(g), leaf_m(l), l->n * sizeof *leaf_m(l));
	free(l);
	z->root = z->head = z->tail = g;
	return g;
}

/* Put (s, x) at place pos of leaf l, which has room. */
static void leaf_put(struct kvs_zleaf *l, unsigned pos, double s, struct kvs_znode *x)
{
	struct kvs_znode **mv = leaf_m(l);
	memmove(l->score + pos + 1, l->score + pos, (l->n - pos) * sizeof *l->score);
	memmove(mv + pos + 1, mv + pos, (l->n - pos) * sizeof *mv);
	l->score[pos] = s;
	mv[pos] = x;
	l->n++;
}

/* Split the full leaf l, putting (s, x) at pos; returns the new right
 * half, linked after l. at_end: appending after the last member. */
static struct kvs_zleaf *leaf_split(struct kvs_zset *z, struct kvs_zleaf *l, unsigned pos, double s,
				    struct kvs_znode *x, int at_end)
{
	struct kvs_zleaf *r = leaf_new(LEAF_CAP);
	unsigned sp = at_end ? l->n : l->n / 2;
	r->n = l->n - sp;
	memcpy(r->score, l->score + sp, r->n * sizeof *r->score);
	memcpy(leaf_m(r), leaf_m(l) + sp, r->n * sizeof *leaf_m(r));
	l->n = sp;
	r->prev = l;
	r->next = l->next;
	if (l->next)
		l->next->prev = r;
	else
		z->tail = r;
	l->next = r;
	if (pos <= sp && !at_end)
		leaf_put(l, pos, s, x);
	else
		leaf_put(r, pos - sp, s, x);
	return r;
}

/* Put child c (a leaf if leaf) at place i of in, which has room. */
static void inner_put(struct zinner *in, unsigned i, void *c, int leaf)
{
	unsigned k = in->n - i;
	memmove(in->score + i + 1, in->score + i, k * sizeof *in->score);
	memmove(in->m + i + 1, in->m + i, k * sizeof *in->m);
	memmove(in->child + i + 1, in->child + i, k * sizeof *in->child);
	memmove(in->cnt + i + 1, in->cnt + i, k * sizeof *in->cnt);
	in->child[i] = c;
	refresh_key(in, i, leaf);
	in->cnt[i] = node_count(c, leaf);
	in->n++;
}

/* Put child c at place i of the full inner node in; returns the new right
 * half. at_end: appending at the very end of the tree. */
static struct zinner *inner_split(struct zinner *in, unsigned i, void *c, int leaf, int at_end)
{
	struct zinner *r = kvs_malloc(sizeof *r);
	unsigned sp = at_end ? in->n : in->n / 2;
	r->n = in->n - sp;
	r->spare = 0;
	memcpy(r->score, in->score + sp, r->n * sizeof *r->score);
	memcpy(r->m, in->m + sp, r->n * sizeof *r->m);
	memcpy(r->child, in->child + sp, r->n * sizeof *r->child);
	memcpy(r->cnt, in->cnt + sp, r->n * sizeof *r->cnt);
	in->n = sp;
	if (i <= sp && !at_end)
		inner_put(in, i, c, leaf);
	else
		inner_put(r, i - sp, c, leaf);
	return r;
}

/* Put (s, x) at the place p found (descend_key), then fix the counts and
 * keys on the way up, splitting full nodes. */
static void insert_at(struct kvs_zset *z, struct zpath *p, double s, struct kvs_znode *x)
{
	struct kvs_zleaf *l = p->leaf;
	int at_end = l == z->tail && p->pos == l->n;
	void *split = NULL;   /* a new right sibling of the node below */
	if (l->n < l->cap) {
		leaf_put(l, p->pos, s, x);
	} else if (z->height == 0 && l->cap < LEAF_CAP) {
		l = root_leaf_grow(z, l);
		leaf_put(l, p->pos, s, x);
	} else {
		split = leaf_split(z, l, p->pos, s, x, at_end);
	}
	int leaf = 1;
	for (int d = z->height - 1; d >= 0; d--) {
		struct zinner *in = p->in[d];
		unsigned i = p->idx[d];
		refresh_key(in, i, leaf);
		if (!split) {
			in->cnt[i]++;
		} else {
			in->cnt[i] = node_count(in->child[i], leaf);
			if (in->n < INNER_CAP) {
				inner_put(in, i + 1, split, leaf);
				split = NULL;
			} else {
				split = inner_split(in, i + 1, split, leaf, at_end && i + 1 == in->n);
			}
		}
		leaf = 0;
	}
	if (split) {   /* the root split: a new root above the two halves */
		struct zinner *r = kvs_malloc(sizeof *r);
		r->n = 0;
		r->spare = 0;
		inner_put(r, 0, z->root, leaf);
		inner_put(r, 1, split, leaf);
		z->root = r;
		z->height++;
		assert(z->height < MAX_HEIGHT);
	}
	z->len++;
}

static void tree_insert(struct kvs_zset *z, struct kvs_znode *x)
{
	struct zpath p;
	if (!z->root) {
		struct kvs_zleaf *l = leaf_new(2);
		l->score[0] = x->score;
		leaf_m(l)[0] = x;
		l->n = 1;
		z->root = z->head = z->tail = l;
		z->height = 0;
		z->len = 1;
		return;
	}
	size_t len;
	const char *m = member_of(x, &len);
	descend_key(z, x->score, m, len, &p);
	insert_at(z, &p, x->score, x);
}

struct kvs_znode *kvs_zset_insert(struct kvs_zset *z, double score, const char *m, size_t len)
{
	struct kvs_znode *x = node_alloc(norm_zero(score), m, len);
	tree_insert(z, x);
	dict_add(z, x);
	if (z->len > kvs_enc_limit(KVS_LIM_ZSET_ENTRIES) || len > kvs_enc_limit(KVS_LIM_ZSET_VALUE))
		z->compact = 0;
	return x;
}

/* ---- removal ------------------------------------------------------------------ */

static void leaf_unlink(struct kvs_zset *z, struct kvs_zleaf *l)
{
	if (l->prev)
		l->prev->next = l->next;
	else
		z->head = l->next;
	if (l->next)
		l->next->prev = l->prev;
	else
		z->tail = l->prev;
}

/* Remove child i from in (its key and count go with it). */
static void inner_cut(struct zinner *in, unsigned i)
{
	unsigned k = in->n - i - 1;
	memmove(in->score + i, in->score + i + 1, k * sizeof *in->score);
	memmove(in->m + i, in->m + i + 1, k * sizeof *in->m);
	memmove(in->child + i, in->child + i + 1, k * sizeof *in->child);
	memmove(in->cnt + i, in->cnt + i + 1, k * sizeof *in->cnt);
	in->n--;
}

/* Children a = in->child[i] and b = in->child[i + 1]: merge b into a if
 * both fit in one node with room to spare, else share their entries
 * evenly. Keys and counts in `in` are set afterwards. */
static void rebalance(struct kvs_zset *z, struct zinner *in, unsigned i, int leaf)
{
	void *a = in->child[i], *b = in->child[i + 1];
	unsigned na = node_n(a, leaf), nb = node_n(b, leaf), cap = leaf ? LEAF_CAP : INNER_CAP;
	int merge = na + nb <= cap * 3 / 4;
	unsigned want = merge ? na + nb : (na + nb) / 2;   /* entries a ends with */
	if (leaf) {
		struct kvs_zleaf *la = a, *lb = b;
		struct kvs_znode **ma = leaf_m(la), **mb = leaf_m(lb);
		if (want > na) {          /* b's first entries move to a's end */
			unsigned k = want - na;
			memcpy(la->score + na, lb->score, k * sizeof *la->score);
			memcpy(ma + na, mb, k * sizeof *ma);
			memmove(lb->score, lb->score + k, (nb - k) * sizeof *lb->score);
			memmove(mb, mb + k, (nb - k) * sizeof *mb);
			la->n += k;
			lb->n -= k;
		} else if (want < na) {   /* a's last entries move to b's front */
			unsigned k = na - want;
			memmove(lb->score + k, lb->score, nb * sizeof *lb->score);
			memmove(mb + k, mb, nb * sizeof *mb);
			memcpy(lb->score, la->score + want, k * sizeof *lb->score);
			memcpy(mb, ma + want, k * sizeof *mb);
			la->n -= k;
			lb->n += k;
		}
	} else {
		struct zinner *ia = a, *ib = b;
		if (want > na) {
			unsigned k = want - na;
			memcpy(ia->score + na, ib->score, k * sizeof *ia->score);
			memcpy(ia->m + na, ib->m, k * sizeof *ia->m);
			memcpy(ia->child + na, ib->child, k * sizeof *ia->child);
			memcpy(ia->cnt + na, ib->cnt, k * sizeof *ia->cnt);
			ia->n += k;
			for (unsigned j = 0; j < k; j++)
				inner_cut(ib, 0);
		} else if (want < na) {
			unsigned k = na - want;
			memmove(ib->score + k, ib->score, nb * sizeof *ib->score);
			memmove(ib->m + k, ib->m, nb * sizeof *ib->m);
			memmove(ib->child + k, ib->child, nb * sizeof *ib->child);
			memmove(ib->cnt + k, ib->cnt, nb * sizeof *ib->cnt);
			memcpy(ib->score, ia->score + want, k * sizeof *ib->score);
			memcpy(ib->m, ia->m + want, k * sizeof *ib->m);
			memcpy(ib->child, ia->child + want, k * sizeof *ib->child);
			memcpy(ib->cnt, ia->cnt + want, k * sizeof *ib->cnt);
			ia->n -= k;
			ib->n += k;
		}
	}
	if (merge) {
		if (leaf)
			leaf_unlink(z, b);
		free(b);
		inner_cut(in, i + 1);
	} else {
		refresh_key(in, i + 1, leaf);
		in->cnt[i + 1] = node_count(b, leaf);
	}
	refresh_key(in, i, leaf);
	in->cnt[i] = node_count(a, leaf);
}

/* Take k members out of the leaf at p, from p->pos on (all in that leaf);
 * free them too (and drop them from the index) if release. Then fix the
 * counts and keys on the way up, merging or sharing underfull nodes and
 * lowering the root when it has one child. */
static void remove_run(struct kvs_zset *z, struct zpath *p, unsigned k, int release)
{
	struct kvs_zleaf *l = p->leaf;
	struct kvs_znode **mv = leaf_m(l);
	if (release)
		for (unsigned j = 0; j < k; j++) {
			dict_remove(z, mv[p->pos + j]);
			free(mv[p->pos + j]);
		}
	unsigned rest = l->n - p->pos - k;
	memmove(l->score + p->pos, l->score + p->pos + k, rest * sizeof *l->score);
	memmove(mv + p->pos, mv + p->pos + k, rest * sizeof *mv);
	l->n -= k;
	z->len -= k;
	int leaf = 1;
	for (int d = z->height - 1; d >= 0; d--) {
		struct zinner *in = p->in[d];
		unsigned i = p->idx[d];
		void *c = in->child[i];
		unsigned cn = node_n(c, leaf);
		if (cn == 0) {
			if (leaf)
				leaf_unlink(z, c);
			free(c);
			inner_cut(in, i);
		} else {
			in->cnt[i] -= k;
			refresh_key(in, i, leaf);
			if (cn < MIN_FILL && in->n > 1)
				rebalance(z, in, i + 1 < in->n ? i : i - 1, leaf);
		}
		leaf = 0;
	}
	/* A root with one child (or none) gives way to it. */
	while (z->height > 0 && ((struct zinner *)z->root)->n <= 1) {
		struct zinner *r = z->root;
		z->root = r->n ? r->child[0] : NULL;
		z->height = r->n ? z->height - 1 : 0;
		free(r);
	}
	if (z->height == 0 && z->root && ((struct kvs_zleaf *)z->root)->n == 0) {
		free(z->root);
		z->root = z->head = z->tail = NULL;
	}
	if (!z->root)
		z->head = z->tail = NULL;
}

void kvs_zset_delete(struct kvs_zset *z, struct kvs_znode *x)
{
	struct zpath p;
	descend_node(z, x, &p);
	remove_run(z, &p, 1, 1);
	kvs_table_maybe_shrink(&z->dict);
}

void kvs_zset_set_score(struct kvs_zset *z, struct kvs_znode *x, double score)
{
	struct zpath p;
	score = norm_zero(score);
	descend_node(z, x, &p);
	struct kvs_zit it = { p.leaf, p.pos };
	struct kvs_znode *prev = kvs_zit_prev(&it);
	it.leaf = p.leaf;
	it.pos = p.pos;
	struct kvs_znode *next = kvs_zit_next(&it);
	/* Still in the same place: no moving (Redis's zslUpdateScore). */
	if ((!prev || prev->score < score) && (!next || next->score > score)) {
		x->score = score;
		p.leaf->score[p.pos] = score;
		/* The largest pair of the leaf is a key above it. */
		if (p.pos == p.leaf->n - 1)
			for (int d = z->height - 1; d >= 0; d--) {
				p.in[d]->score[p.idx[d]] = score;
				if (p.idx[d] != p.in[d]->n - 1)
					break;
			}
		return;
	}
	remove_run(z, &p, 1, 0);
	x->score = score;
	tree_insert(z, x);
}

/* ---- ranks -------------------------------------------------------------------- */

static size_t path_rank(const struct kvs_zset *z, const struct zpath *p)
{
	size_t r = p->pos;
	for (int d = 0; d < z->height; d++)
		for (unsigned i = 0; i < p->idx[d]; i++)
			r += p->in[d]->cnt[i];
	return r;
}

size_t kvs_zset_rank(const struct kvs_zset *z, const struct kvs_znode *x)
{
	struct zpath p;
	descend_node(z, x, &p);
	return path_rank(z, &p);
}

struct kvs_znode *kvs_zset_at(const struct kvs_zset *z, size_t rank, struct kvs_zit *it)
{
	struct zpath p;
	if (rank >= z->len)
		return at_it(it, NULL, 0);
	descend_rank(z, rank, &p);
	return at_it(it, p.leaf, p.pos);
}

/* ---- score ranges ------------------------------------------------------------ */

int kvs_zrange_gte_min(double v, const struct kvs_zrange *r) { return r->minex ? v > r->min : v >= r->min; }
int kvs_zrange_lte_max(double v, const struct kvs_zrange *r) { return r->maxex ? v < r->max : v <= r->max; }

static int pred_gte_min(double s, const struct kvs_znode *x, const void *arg)
{
	(void)x;
	return kvs_zrange_gte_min(s, arg);
}

static int pred_beyond_max(double s, const struct kvs_znode *x, const void *arg)
{
	(void)x;
	return !kvs_zrange_lte_max(s, arg);
}

/* Could any member be in the range (Redis's zslIsInRange)? */
static int in_range(const struct kvs_zset *z, const struct kvs_zrange *r)
{
	if (r->min > r->max || (r->min == r->max && (r->minex || r->maxex)))
		return 0;
	struct kvs_znode *last = kvs_zset_last(z, NULL), *first = kvs_zset_first(z, NULL);
	return last && kvs_zrange_gte_min(last->score, r) && kvs_zrange_lte_max(first->score, r);
}

struct kvs_znode *kvs_zset_first_in(const struct kvs_zset *z, const struct kvs_zrange *r, struct kvs_zit *it)
{
	struct zpath p;
	if (!in_range(z, r) || !descend_pred(z, pred_gte_min, r, &p))
		return at_it(it, NULL, 0);
	struct kvs_znode *x = at_it(it, p.leaf, p.pos);
	return kvs_zrange_lte_max(x->score, r) ? x : at_it(it, NULL, 0);
}

/* The place before the first where pred holds (the last member if none). */
static struct kvs_znode *before_pred(const struct kvs_zset *z, zpred *pred, const void *arg, struct kvs_zit *it)
{
	struct zpath p;
	if (!descend_pred(z, pred, arg, &p))
		return kvs_zset_last(z, it);
	struct kvs_zit here = { p.leaf, p.pos };
	struct kvs_znode *x = kvs_zit_prev(&here);
	if (it)
		*it = here;
	return x;
}

struct kvs_znode *kvs_zset_last_in(const struct kvs_zset *z, const struct kvs_zrange *r, struct kvs_zit *it)
{
	if (!in_range(z, r))
		return at_it(it, NULL, 0);
	struct kvs_znode *x = before_pred(z, pred_beyond_max, r, it);
	return x && kvs_zrange_gte_min(x->score, r) ? x : at_it(it, NULL, 0);
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

static int pred_lex_gte_min(double s, const struct kvs_znode *x, const void *arg)
{
	(void)s;
	return node_gte_min(x, arg);
}

static int pred_lex_beyond_max(double s, const struct kvs_znode *x, const void *arg)
{
	(void)s;
	return !node_lte_max(x, arg);
}

static int in_lex_range(const struct kvs_zset *z, const struct kvs_zlexrange *r)
{
	int c = lex_cmp(&r->min, &r->max);
	if (c > 0 || (c == 0 && (r->min.ex || r->max.ex)))
		return 0;
	struct kvs_znode *last = kvs_zset_last(z, NULL), *first = kvs_zset_first(z, NULL);
	return last && node_gte_min(last, r) && node_lte_max(first, r);
}

struct kvs_znode *kvs_zset_first_in_lex(const struct kvs_zset *z, const struct kvs_zlexrange *r,
					struct kvs_zit *it)
{
	struct zpath p;
	if (!in_lex_range(z, r) || !descend_pred(z, pred_lex_gte_min, r, &p))
		return at_it(it, NULL, 0);
	struct kvs_znode *x = at_it(it, p.leaf, p.pos);
	return node_lte_max(x, r) ? x : at_it(it, NULL, 0);
}

struct kvs_znode *kvs_zset_last_in_lex(const struct kvs_zset *z, const struct kvs_zlexrange *r,
				       struct kvs_zit *it)
{
	if (!in_lex_range(z, r))
		return at_it(it, NULL, 0);
	struct kvs_znode *x = before_pred(z, pred_lex_beyond_max, r, it);
	return x && node_gte_min(x, r) ? x : at_it(it, NULL, 0);
}

/* ---- range deletion ----------------------------------------------------------- */

/* Delete, leaf by leaf, the members from the first where start holds for
 * as long as keep holds. */
static size_t delete_while(struct kvs_zset *z, zpred *start, zpred *keep, const void *arg)
{
	struct zpath p;
	size_t removed = 0;
	while (descend_pred(z, start, arg, &p)) {
		unsigned k = 0;
		while (p.pos + k < p.leaf->n && keep(p.leaf->score[p.pos + k], leaf_m(p.leaf)[p.pos + k], arg))
			k++;
		if (!k)
			break;
		int more = p.pos + k == p.leaf->n;   /* the run may go on in the next leaf */
		remove_run(z, &p, k, 1);
		removed += k;
		if (!more)
			break;
	}
	kvs_table_maybe_shrink(&z->dict);
	return removed;
}

static int pred_lte_max(double s, const struct kvs_znode *x, const void *arg)
{
	(void)x;
	return kvs_zrange_lte_max(s, arg);
}

static int pred_lex_lte_max(double s, const struct kvs_znode *x, const void *arg)
{
	(void)s;
	return node_lte_max(x, arg);
}

size_t kvs_zset_delete_range(struct kvs_zset *z, const struct kvs_zrange *r)
{
	return delete_while(z, pred_gte_min, pred_lte_max, r);
}

size_t kvs_zset_delete_lex(struct kvs_zset *z, const struct kvs_zlexrange *r)
{
	return delete_while(z, pred_lex_gte_min, pred_lex_lte_max, r);
}

size_t kvs_zset_delete_ranks(struct kvs_zset *z, size_t start, size_t end)
{
	struct zpath p;
	size_t removed = 0;
	if (end >= z->len)
		end = z->len ? z->len - 1 : 0;
	size_t want = start <= end && start < z->len ? end - start + 1 : 0;
	while (removed < want) {
		descend_rank(z, start, &p);
		size_t k = p.leaf->n - p.pos;
		if (k > want - removed)
			k = want - removed;
		remove_run(z, &p, (unsigned)k, 1);
		removed += k;
	}
	kvs_table_maybe_shrink(&z->dict);
	return removed;
}

/* ---- copies ------------------------------------------------------------------- */

struct kvs_zset *kvs_zset_dup(const struct kvs_zset *z)
{
	struct kvs_zset *d = kvs_zset_new(z->dict.seed);
	struct kvs_zit it;
	/* In rank order every insert appends: the leaves fill up. */
	for (const struct kvs_znode *x = kvs_zset_first(z, &it); x; x = kvs_zit_next(&it)) {
		size_t len;
		const char *m = member_of(x, &len);
		struct kvs_znode *y = node_alloc(x->score, m, len);
		kvs_znode_entry(y)->stamp = kvs_znode_entry(x)->stamp;
		tree_insert(d, y);
		dict_add(d, y);
	}
	d->compact = z->compact;
	return d;
}

/* ---- the invariant checker ---------------------------------------------------- */

struct check {
	const struct kvs_zset *z;
	const struct kvs_zleaf *prevleaf;
	const struct kvs_znode *prev;
	size_t n;
	char *err;
	size_t errlen;
};

/* edge: x is the last node of its depth. Nodes fill by splitting full
 * ones in two halves and are merged or refilled when they fall below
 * MIN_FILL, so only the root and the right edge (where appending splits
 * a full node into a full one and a new one) may hold fewer. */
static int check_node(struct check *c, const void *x, int depth, int edge, uint64_t *count)
{
	const struct kvs_zset *z = c->z;
	int leaf = depth == z->height;
	unsigned n = node_n(x, leaf), cap = leaf ? ((const struct kvs_zleaf *)x)->cap : INNER_CAP;
	if (n == 0 || n > cap || (x != z->root && !edge && n < MIN_FILL)) {
		snprintf(c->err, c->errlen, "depth %d: a node with %u of %u entries", depth, n, cap);
		return -1;
	}
	if (leaf) {
		const struct kvs_zleaf *l = x;
		if (l->prev != c->prevleaf || (c->prevleaf ? c->prevleaf->next != l : z->head != l) ||
		    (x != z->root && l->cap != LEAF_CAP)) {
			snprintf(c->err, c->errlen, "leaf after member %zu: wrong links or capacity", c->n);
			return -1;
		}
		for (unsigned i = 0; i < n; i++) {
			const struct kvs_znode *m = leaf_m(l)[i];
			size_t len, plen;
			const char *mm = member_of(m, &len);
			if (l->score[i] != m->score) {
				snprintf(c->err, c->errlen, "member %zu: score copy differs", c->n);
				return -1;
			}
			if (c->prev) {
				const char *pm = member_of(c->prev, &plen);
				if (c->prev->score > m->score ||
				    (c->prev->score == m->score && kvs_zmember_cmp(pm, plen, mm, len) >= 0)) {
					snprintf(c->err, c->errlen, "member %zu: out of order", c->n);
					return -1;
				}
			}
			if (kvs_zset_find(z, mm, len) != m) {
				snprintf(c->err, c->errlen, "member %zu: not in the index", c->n);
				return -1;
			}
			c->prev = m;
			c->n++;
		}
		c->prevleaf = l;
		*count = n;
		return 0;
	}
	const struct zinner *in = x;
	*count = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t sub;
		if (check_node(c, in->child[i], depth + 1, edge && i == n - 1, &sub) < 0)
			return -1;
		double ks;
		struct kvs_znode *km;
		node_key(in->child[i], depth + 1 == z->height, &ks, &km);
		if (in->cnt[i] != sub || in->score[i] != ks || in->m[i] != km) {
			snprintf(c->err, c->errlen, "depth %d: child %u's count or key is wrong", depth, i);
			return -1;
		}
		*count += sub;
	}
	return 0;
}

int kvs_zset_check(const struct kvs_zset *z, char *err, size_t errlen)
{
	struct check c = { z, NULL, NULL, 0, err, errlen };
	uint64_t count = 0;
	if (!z->root) {
		if (z->len || z->head || z->tail || z->height || z->dict.used) {
			snprintf(err, errlen, "empty tree, but len %zu, index %zu", z->len, z->dict.used);
			return -1;
		}
		return 0;
	}
	if (check_node(&c, z->root, 0, 1, &count) < 0)
		return -1;
	if (c.n != z->len || count != z->len || z->tail != c.prevleaf || z->dict.used != z->len ||
	    (z->height > 0 && ((const struct zinner *)z->root)->n < 2)) {
		snprintf(err, errlen, "length %zu, len %zu, index %zu, root or tail wrong", c.n, z->len, z->dict.used);
		return -1;
	}
	return 0;
}
