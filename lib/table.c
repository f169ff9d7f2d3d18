#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "table.h"
#include "util.h"

#define CTRL_EMPTY   0x80
#define CTRL_DELETED 0xfe
/* Slots ahead of the walk whose entries kvs_table_scan prefetches. */
#define SCAN_PREFETCH 12
#define MIN_CAP      8

/* An entry is about to be read: its first two lines (a small entry's key
 * and value often straddle the first one's end). */
static inline void prefetch_entry(const struct kvs_entry *e)
{
	KVS_PREFETCH(e);
	KVS_PREFETCH((const char *)e + 64);
}

static inline size_t home_of(uint64_t h, size_t cap)
{
#ifdef HAVE_UNSIGNED___INT128
	return (size_t)(((unsigned __int128)h * cap) >> 64);
#else
	uint64_t hh = h >> 32, hl = (uint32_t)h;
	uint64_t c = (uint64_t)cap;
	return (size_t)((hh * c + ((hl * c) >> 32)) >> 32);
#endif
}

/* Smallest hash whose home slot is >= s (s <= cap): ceil(s * 2^64 / cap),
 * rounded up to a multiple of 16 so it fits a SCAN cursor's 60 bits. Returns
 * 0 for s == cap (the end of hash space). */
static uint64_t slot_boundary(size_t s, size_t cap)
{
	if (s >= cap)
		return 0;
#ifdef HAVE_UNSIGNED___INT128
	unsigned __int128 num = ((unsigned __int128)s << 64) + cap - 1;
	uint64_t b = (uint64_t)(num / cap);
#else
	long double f = (long double)s / (long double)cap * 18446744073709551616.0L;
	uint64_t b = (uint64_t)f;
	while (b && home_of(b - 1, cap) >= s) b--;
	while (home_of(b, cap) < s) b++;
#endif
	if (b & 15) {
		b = (b | 15) + 1;
		if (b == 0)
			return 0;
	}
	return b;
}

static inline unsigned char tag_of(uint64_t h) { return (unsigned char)(h & 0x7f); }

static int key_eq(const struct kvs_entry *e, const char *key, size_t klen)
{
	size_t el;
	const char *ek = kvs_entry_key(e, &el);
	return el == klen && memcmp(ek, key, klen) == 0;
}

void kvs_table_init(struct kvs_table *t, uint64_t seed)
{
	memset(t, 0, sizeof *t);
	t->seed = seed;
}

static void alloc_arrays(struct kvs_table *t, size_t cap)
{
	size_t groups = (cap + KVS_TABLE_GROUP - 1) / KVS_TABLE_GROUP;
	t->mem = kvs_malloc(groups * KVS_TABLE_GROUP_BYTES);
	for (size_t g = 0; g < groups; g++)
		memset(t->mem + g * KVS_TABLE_GROUP_BYTES, CTRL_EMPTY, KVS_TABLE_GROUP);
	t->cap = cap;
}

#define CTRL(t, i) (*kvs_table_ctrl((t), (i)))
#define SLOT(t, i) (*kvs_table_slotp((t), (i)))

static size_t place(struct kvs_table *t, uint64_t h, struct kvs_entry *e)
{
	size_t i = home_of(h, t->cap);
	for (;;) {
		unsigned char c = CTRL(t, i);
		if (c == CTRL_EMPTY || c == CTRL_DELETED) {
			if (c == CTRL_DELETED)
				t->tomb--;
			CTRL(t, i) = tag_of(h);
			SLOT(t, i) = e;
			t->used++;
			return i;
		}
		if (++i == t->cap)
			i = 0;
	}
}

static void rehash(struct kvs_table *t, size_t newcap)
{
	struct kvs_table old = *t;

	if (newcap < MIN_CAP)
		newcap = MIN_CAP;
	alloc_arrays(t, newcap);
	t->used = t->tomb = 0;
	for (size_t i = 0; i < old.cap; i++) {
		/* Rehashing reads every key: prefetch the entries ahead, or the
		 * whole resize waits for memory once per entry (a shard of 60k
		 * keys: milliseconds in some client's latency). */
		if (i + SCAN_PREFETCH < old.cap && kvs_table_live(&old, i + SCAN_PREFETCH))
			prefetch_entry(SLOT(&old, i + SCAN_PREFETCH));
		if (!kvs_table_live(&old, i))
			continue;
		struct kvs_entry *e = SLOT(&old, i);
		size_t kl;
		const char *k = kvs_entry_key(e, &kl);
		place(t, kvs_hash64(k, kl, t->seed), e);
	}
	free(old.mem);
}

void kvs_table_destroy(struct kvs_table *t)
{
	for (size_t i = 0; i < t->cap; i++)
		if (kvs_table_live(t, i))
			kvs_entry_free(SLOT(t, i));
	free(t->mem);
	t->mem = NULL;
	t->cap = t->used = t->tomb = 0;
}

void kvs_table_move(struct kvs_table *t, struct kvs_table *out)
{
	*out = *t;
	t->mem = NULL;
	t->cap = t->used = t->tomb = 0;
}

size_t kvs_table_find(const struct kvs_table *t, const char *key, size_t klen, uint64_t h)
{
	if (t->used == 0)
		return KVS_TABLE_NONE;
	size_t i = home_of(h, t->cap);
	unsigned char tag = tag_of(h);
	for (;;) {
		unsigned char c = CTRL(t, i);
		if (c == tag) {
			if (key_eq(SLOT(t, i), key, klen))
				return i;
		} else if (c == CTRL_EMPTY) {
			return KVS_TABLE_NONE;
		}
		if (++i == t->cap)
			i = 0;
	}
}

void kvs_table_prefetch_group(const struct kvs_table *t, uint64_t h)
{
	if (t->used == 0)
		return;
	const unsigned char *g = kvs_table_ctrl(t, home_of(h, t->cap) & ~(size_t)(KVS_TABLE_GROUP - 1));
	KVS_PREFETCH(g);
	KVS_PREFETCH(g + KVS_TABLE_GROUP_BYTES - 1);
}

void kvs_table_prefetch_entries(const struct kvs_table *t, uint64_t h)
{
	if (t->used == 0)
		return;
	size_t i = home_of(h, t->cap);
	unsigned char tag = tag_of(h);
	/* The first few slots of the probe: where nearly every key is. */
	for (int n = 0; n < KVS_TABLE_GROUP; n++) {
		unsigned char c = CTRL(t, i);
		if (c == CTRL_EMPTY)
			return;
		if (c == tag)
			prefetch_entry(SLOT(t, i));
		if (++i == t->cap)
			i = 0;
	}
}

size_t kvs_table_insert(struct kvs_table *t, uint64_t h, struct kvs_entry *e)
{
	/* Keep at least 1/8 of the slots EMPTY so every probe terminates. */
	if ((t->used + t->tomb + 1) * 8 > t->cap * 7) {
		size_t cap = t->cap;
		if ((t->used + 1) * 2 > cap)           /* genuinely full: grow 1.5x */
			cap = cap + cap / 2;
		rehash(t, cap);                        /* else: purge DELETED */
	}
	return place(t, h, e);
}

void kvs_table_reserve(struct kvs_table *t, size_t n)
{
	/* 3/4 full after n inserts: between the 7/8 that triggers growth and
	 * the 7/12 just after it, the load the table would have reached by
	 * growing one key at a time. */
	size_t cap = n + n / 3 + 1;
	if (cap > t->cap && n > t->used)
		rehash(t, cap);
}

void kvs_table_remove_at(struct kvs_table *t, size_t i)
{
	size_t next = i + 1 == t->cap ? 0 : i + 1;
	/* A slot followed by EMPTY ends no probe chain: it can be EMPTY too. */
	if (CTRL(t, next) == CTRL_EMPTY) {
		CTRL(t, i) = CTRL_EMPTY;
	} else {
		CTRL(t, i) = CTRL_DELETED;
		t->tomb++;
	}
	SLOT(t, i) = NULL;
	t->used--;
}

void kvs_table_maybe_shrink(struct kvs_table *t)
{
	if (t->used == 0 && t->cap) {
		free(t->mem);
		t->mem = NULL;
		t->cap = t->tomb = 0;
		return;
	}
	if (t->cap > 64 && t->used * 8 < t->cap)
		rehash(t, t->used * 2);
}

void kvs_table_scan(const struct kvs_table *t, uint64_t *cursor, size_t count,
		    kvs_table_visit_fn *fn, void *arg)
{
	uint64_t start = *cursor, end;
	size_t s, e, i, guard;

	if (t->used == 0) {
		*cursor = 0;
		return;
	}
	if (count == 0)
		count = 1;
	s = home_of(start, t->cap);
	e = count < t->cap - s ? s + count : t->cap;   /* s + count may overflow */
	end = slot_boundary(e, t->cap);   /* 0 = to the end of hash space */
	/* Entries with a home in [s, e) sit between their home and the first
	 * EMPTY slot at or after it, so walk until an EMPTY at or past e
	 * (wrapping for the clusters that run off the end). */
	for (i = s, guard = 0; guard < t->cap; guard++) {
		size_t j = i % t->cap;
		unsigned char c = CTRL(t, j);
		/* Entries are scattered over the heap: ask for the one a few
		 * slots ahead while this one is hashed and visited, so a walk
		 * (SCAN, a snapshot) waits for memory once per window, not once
		 * per entry. */
		size_t pj = (i + SCAN_PREFETCH) % t->cap;
		if (!(CTRL(t, pj) & 0x80))
			prefetch_entry(SLOT(t, pj));
		if (i >= e && c == CTRL_EMPTY)
			break;
		if (!(c & 0x80)) {
			size_t kl;
			const char *k = kvs_entry_key(SLOT(t, j), &kl);
			uint64_t h = kvs_hash64(k, kl, t->seed);
			if (h >= start && (end == 0 || h < end))
				fn(arg, SLOT(t, j));
		}
		i++;
	}
	*cursor = end;
}

size_t kvs_table_random(const struct kvs_table *t, uint64_t r)
{
	if (t->used == 0)
		return KVS_TABLE_NONE;
	size_t i = (size_t)(r % t->cap);
	for (;;) {
		if (!(CTRL(t, i) & 0x80))
			return i;
		if (++i == t->cap)
			i = 0;
	}
}

size_t kvs_table_next(const struct kvs_table *t, size_t i)
{
	for (; i < t->cap; i++)
		if (!(CTRL(t, i) & 0x80))
			return i;
	return KVS_TABLE_NONE;
}
