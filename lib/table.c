#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "table.h"
#include "util.h"

#define CTRL_EMPTY   0x80
#define CTRL_DELETED 0xfe
/* Slots ahead of the walk whose entries kvs_table_scan prefetches. */
#define SCAN_PREFETCH 12
#define MIN_CAP      8
#define MAX_CAP      ((size_t)UINT32_MAX - 64)

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
	if (cap > MAX_CAP) {
		fprintf(stderr, "kvsd: a hash table cannot grow past %zu slots\n", MAX_CAP);
		abort();
	}
	size_t groups = (cap + KVS_TABLE_GROUP - 1) / KVS_TABLE_GROUP;
	t->mem = kvs_malloc(groups * KVS_TABLE_GROUP_BYTES);
	for (size_t g = 0; g < groups; g++)
		memset(t->mem + g * KVS_TABLE_GROUP_BYTES, CTRL_EMPTY, KVS_TABLE_GROUP);
	t->cap = (uint32_t)cap;
}

#define CTRL(t, i) (*kvs_table_ctrl((t), (i)))
#define SLOT(t, i) (*kvs_table_slotp((t), (i)))
/* The same on one array m (either one), by its own index. */
#define ACTRL(m, i) (*((m) + ((i) / KVS_TABLE_GROUP) * KVS_TABLE_GROUP_BYTES + ((i) % KVS_TABLE_GROUP)))
#define ASLOT(m, i) (*((struct kvs_entry **)(void *)((m) + ((i) / KVS_TABLE_GROUP) * KVS_TABLE_GROUP_BYTES + \
							   KVS_TABLE_GROUP) + ((i) % KVS_TABLE_GROUP)))

/* Put e into the new array (t->used is the caller's). */
static size_t place(struct kvs_table *t, uint64_t h, struct kvs_entry *e)
{
	size_t i = home_of(h, t->cap);
	for (;;) {
		unsigned char c = ACTRL(t->mem, i);
		if (c == CTRL_EMPTY || c == CTRL_DELETED) {
			if (c == CTRL_DELETED)
				t->tomb--;
			ACTRL(t->mem, i) = tag_of(h);
			ASLOT(t->mem, i) = e;
			return i;
		}
		if (++i == t->cap)
			i = 0;
	}
}

/* Move the entries of the next n old slots into the new array; free the
 * old array once it is empty. */
static void migrate(struct kvs_table *t, size_t n)
{
	struct kvs_table_old *o = t->old;
	size_t end = n < o->cap - o->pos ? o->pos + n : o->cap;
	for (size_t i = o->pos; i < end && o->used; i++) {
		/* Each move hashes a key: prefetch the entries ahead. */
		if (i + SCAN_PREFETCH < o->cap && !(ACTRL(o->mem, i + SCAN_PREFETCH) & 0x80))
			prefetch_entry(ASLOT(o->mem, i + SCAN_PREFETCH));
		if (ACTRL(o->mem, i) & 0x80)
			continue;
		struct kvs_entry *e = ASLOT(o->mem, i);
		size_t kl;
		const char *k = kvs_entry_key(e, &kl);
		place(t, kvs_hash64(k, kl, t->seed), e);
		/* DELETED, not EMPTY: lookups of keys further along still
		 * probe through this slot. */
		ACTRL(o->mem, i) = CTRL_DELETED;
		ASLOT(o->mem, i) = NULL;
		o->used--;
	}
	o->pos = end;
	if (o->pos == o->cap || o->used == 0) {
		free(o->mem);
		free(o);
		t->old = NULL;
	}
}

static void finish_resize(struct kvs_table *t)
{
	if (t->old)
		migrate(t, t->old->cap);
}

/* Resize at once (no resize in progress). */
static void rehash(struct kvs_table *t, size_t newcap)
{
	struct kvs_table old = *t;

	if (newcap < MIN_CAP)
		newcap = MIN_CAP;
	alloc_arrays(t, newcap);
	t->tomb = 0;
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

/* Resize to newcap: at once for a small table, else by allocating the new
 * array and leaving the moving to the inserts that follow. */
static void start_resize(struct kvs_table *t, size_t newcap)
{
	finish_resize(t);
	if (newcap < MIN_CAP)
		newcap = MIN_CAP;
	if (t->cap < KVS_TABLE_INCR_MIN || t->used == 0) {
		rehash(t, newcap);
		return;
	}
	struct kvs_table_old *o = kvs_malloc(sizeof *o);
	o->mem = t->mem;
	o->cap = t->cap;
	o->pos = 0;
	o->used = t->used;
	alloc_arrays(t, newcap);
	t->tomb = 0;
	t->old = o;
}

void kvs_table_destroy(struct kvs_table *t)
{
	for (size_t i = 0, n = kvs_table_slots(t); i < n; i++)
		if (kvs_table_live(t, i))
			kvs_entry_free(SLOT(t, i));
	free(t->mem);
	if (t->old) {
		free(t->old->mem);
		free(t->old);
	}
	t->mem = NULL;
	t->old = NULL;
	t->cap = t->tomb = 0;
	t->used = 0;
}

void kvs_table_move(struct kvs_table *t, struct kvs_table *out)
{
	*out = *t;
	t->mem = NULL;
	t->old = NULL;
	t->cap = t->tomb = 0;
	t->used = 0;
}

/* Index of key in array m of cap slots, or KVS_TABLE_NONE. lo: slots
 * below it are moved away (the old array of a resize; 0 otherwise), so
 * the probe starts at lo at the earliest and wraps from the end to lo. A
 * key not yet moved sits at lo or after, with no EMPTY slot between its
 * home (or lo) and it. */
static size_t probe(const unsigned char *m, size_t cap, size_t lo, const char *key, size_t klen, uint64_t h)
{
	size_t i = home_of(h, cap);
	unsigned char tag = tag_of(h);
	if (i < lo)
		i = lo;
	for (size_t n = cap - lo; n; n--) {
		unsigned char c = ACTRL(m, i);
		if (c == tag) {
			if (key_eq(ASLOT(m, i), key, klen))
				return i;
		} else if (c == CTRL_EMPTY) {
			return KVS_TABLE_NONE;
		}
		if (++i == cap)
			i = lo;
	}
	return KVS_TABLE_NONE;
}

size_t kvs_table_find(const struct kvs_table *t, const char *key, size_t klen, uint64_t h)
{
	if (t->used == 0)
		return KVS_TABLE_NONE;
	size_t i = probe(t->mem, t->cap, 0, key, klen, h);
	if (i == KVS_TABLE_NONE && t->old && t->old->used) {
		i = probe(t->old->mem, t->old->cap, t->old->pos, key, klen, h);
		if (i != KVS_TABLE_NONE)
			i += t->cap;
	}
	return i;
}

/* Prefetch-only helpers are forced inline: GCC deems a function whose only
 * effect is __builtin_prefetch pure, and drops the calls. */
static KVS_ALWAYS_INLINE void prefetch_group(const unsigned char *m, size_t cap, size_t lo, uint64_t h)
{
	size_t i = home_of(h, cap);
	const unsigned char *g = m + (i < lo ? lo : i) / KVS_TABLE_GROUP * KVS_TABLE_GROUP_BYTES;
	KVS_PREFETCH(g);
	KVS_PREFETCH(g + KVS_TABLE_GROUP_BYTES - 1);
}

void kvs_table_prefetch_group(const struct kvs_table *t, uint64_t h)
{
	if (t->used == 0)
		return;
	prefetch_group(t->mem, t->cap, 0, h);
	if (t->old && t->old->used)
		prefetch_group(t->old->mem, t->old->cap, t->old->pos, h);
}

static KVS_ALWAYS_INLINE void prefetch_entries(const unsigned char *m, size_t cap, size_t lo, uint64_t h)
{
	size_t i = home_of(h, cap);
	unsigned char tag = tag_of(h);
	if (i < lo)
		i = lo;
	/* The first few slots of the probe: where nearly every key is. */
	for (size_t n = cap - lo < KVS_TABLE_GROUP ? cap - lo : KVS_TABLE_GROUP; n; n--) {
		unsigned char c = ACTRL(m, i);
		if (c == CTRL_EMPTY)
			return;
		if (c == tag)
			prefetch_entry(ASLOT(m, i));
		if (++i == cap)
			i = lo;
	}
}

void kvs_table_prefetch_entries(const struct kvs_table *t, uint64_t h)
{
	if (t->used == 0)
		return;
	prefetch_entries(t->mem, t->cap, 0, h);
	if (t->old && t->old->used)
		prefetch_entries(t->old->mem, t->old->cap, t->old->pos, h);
}

size_t kvs_table_insert(struct kvs_table *t, uint64_t h, struct kvs_entry *e)
{
	if (t->old)
		migrate(t, KVS_TABLE_STEP);
	/* Keep at least 1/8 of the slots EMPTY so every probe terminates. */
	size_t live = t->used - (t->old ? t->old->used : 0);
	if ((live + t->tomb + 1) * 8 > (size_t)t->cap * 7) {
		finish_resize(t);   /* cannot happen with the step above; cheap insurance */
		if ((t->used + t->tomb + 1) * 8 > (size_t)t->cap * 7) {
			size_t cap = t->cap;
			if ((t->used + 1) * 2 > cap)           /* genuinely full: grow 1.5x */
				cap = cap + cap / 2;
			start_resize(t, cap);                  /* else: purge DELETED */
		}
	}
	size_t i = place(t, h, e);
	t->used++;
	return i;
}

int kvs_table_step(struct kvs_table *t, size_t n)
{
	if (t->old)
		migrate(t, n * KVS_TABLE_STEP);
	return t->old != NULL;
}

void kvs_table_reserve(struct kvs_table *t, size_t n)
{
	/* 3/4 full after n inserts: between the 7/8 that triggers growth and
	 * the 7/12 just after it, the load the table would have reached by
	 * growing one key at a time. */
	size_t cap = n + n / 3 + 1;
	finish_resize(t);
	if (cap > t->cap && n > t->used)
		rehash(t, cap);
}

void kvs_table_remove_at(struct kvs_table *t, size_t i)
{
	unsigned char *m = t->mem;
	size_t cap = t->cap;
	if (i >= cap) {
		m = t->old->mem;
		i -= cap;
		cap = t->old->cap;
		t->old->used--;
	}
	size_t next = i + 1 == cap ? 0 : i + 1;
	/* A slot followed by EMPTY ends no probe chain: it can be EMPTY too. */
	if (ACTRL(m, next) == CTRL_EMPTY) {
		ACTRL(m, i) = CTRL_EMPTY;
	} else {
		ACTRL(m, i) = CTRL_DELETED;
		if (m == t->mem)
			t->tomb++;
	}
	ASLOT(m, i) = NULL;
	t->used--;
}

void kvs_table_maybe_shrink(struct kvs_table *t)
{
	if (t->used == 0 && (t->cap || t->old)) {
		free(t->mem);
		if (t->old) {
			free(t->old->mem);
			free(t->old);
		}
		t->mem = NULL;
		t->old = NULL;
		t->cap = t->tomb = 0;
		return;
	}
	if (t->old)
		migrate(t, KVS_TABLE_STEP);
	else if (t->cap > 64 && t->used * 8 < t->cap)
		start_resize(t, t->used * 2);
}

/* The scan of one array m of cap slots, of which those below lo are
 * moved away (see probe): entries with hashes in [start, end) (end 0: to
 * the end of hash space) have their home in [s, e) and sit between it (or
 * lo) and the first EMPTY slot at or after it, so walk until an EMPTY at
 * or past e (wrapping to lo for the clusters that run off the end). */
static void scan_array(const unsigned char *m, size_t cap, size_t lo, uint64_t seed, uint64_t start,
		       uint64_t end, size_t s, size_t e, kvs_table_visit_fn *fn, void *arg)
{
	size_t n = cap - lo;
	if (s < lo)
		s = lo;
	for (size_t i = s, guard = 0; guard < n; guard++) {
		size_t j = lo + (i - lo) % n;
		unsigned char c = ACTRL(m, j);
		/* Entries are scattered over the heap: ask for the one a few
		 * slots ahead while this one is hashed and visited, so a walk
		 * (SCAN, a snapshot) waits for memory once per window, not once
		 * per entry. */
		size_t pj = lo + (i - lo + SCAN_PREFETCH) % n;
		if (!(ACTRL(m, pj) & 0x80))
			prefetch_entry(ASLOT(m, pj));
		if (i >= e && c == CTRL_EMPTY)
			break;
		if (!(c & 0x80)) {
			size_t kl;
			const char *k = kvs_entry_key(ASLOT(m, j), &kl);
			uint64_t h = kvs_hash64(k, kl, seed);
			if (h >= start && (end == 0 || h < end))
				fn(arg, ASLOT(m, j));
		}
		i++;
	}
}

void kvs_table_scan(const struct kvs_table *t, uint64_t *cursor, size_t count,
		    kvs_table_visit_fn *fn, void *arg)
{
	uint64_t start = *cursor, end;
	size_t s, e;

	if (t->used == 0) {
		*cursor = 0;
		return;
	}
	if (count == 0)
		count = 1;
	s = home_of(start, t->cap);
	e = count < t->cap - s ? s + count : t->cap;   /* s + count may overflow */
	end = slot_boundary(e, t->cap);   /* 0 = to the end of hash space */
	scan_array(t->mem, t->cap, 0, t->seed, start, end, s, e, fn, arg);
	/* While resizing, the same stretch of hash space in the old array. */
	if (t->old && t->old->used) {
		const struct kvs_table_old *o = t->old;
		size_t os = home_of(start, o->cap), oe = end ? home_of(end - 1, o->cap) + 1 : o->cap;
		scan_array(o->mem, o->cap, o->pos, t->seed, start, end, os, oe, fn, arg);
	}
	*cursor = end;
}

size_t kvs_table_random(const struct kvs_table *t, uint64_t r)
{
	if (t->used == 0)
		return KVS_TABLE_NONE;
	/* Slot indexes of the old array below cap + pos are moved away:
	 * neither drawn nor walked through. */
	size_t skip = t->old ? t->old->pos : 0, n = kvs_table_slots(t), i = (size_t)(r % (n - skip));
	if (i >= t->cap)
		i += skip;
	for (;;) {
		if (kvs_table_live(t, i))
			return i;
		if (++i == n)
			i = 0;
		else if (i == t->cap)
			i += skip;
	}
}

size_t kvs_table_next(const struct kvs_table *t, size_t i)
{
	for (size_t n = kvs_table_slots(t); i < n; i++)
		if (kvs_table_live(t, i))
			return i;
	return KVS_TABLE_NONE;
}
