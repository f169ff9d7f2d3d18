/*
 * table.h - open-addressing hash table of entries (one per shard per db).
 *
 * Each slot is an 8-byte entry pointer plus one control byte (EMPTY,
 * DELETED, or 7 bits of the key's hash). Slots come in groups of 8: 8
 * control bytes followed by their 8 pointers (72 bytes), so the control
 * byte a probe tests and the pointer it then loads share a cache line —
 * with separate arrays a lookup of a cold key cost one more cache miss. A
 * probe only dereferences an entry whose 7-bit tag matches (1/128 false
 * positives). Keys live inside the entries: no separate key allocation.
 *
 * The home slot of hash h is (h * cap) >> 64 ("fastrange"), which is
 * monotonic in h, with linear probing. Two consequences we rely on:
 *  - capacity need not be a power of two (growth by 1.5x keeps the load
 *    factor, hence memory per key, steadier than doubling);
 *  - slots are in hash order, so a SCAN cursor can be a position in hash
 *    space that stays meaningful across resizes: every key present for
 *    the whole scan is returned, and none twice unless the table shrank
 *    and grew (the same promise as Redis's reverse-binary cursor).
 * Deletions leave DELETED markers (entries never move except on resize),
 * which keeps a scan in progress valid; a rehash clears them.
 *
 * Resizing is incremental for tables of KVS_TABLE_INCR_MIN slots or more (Redis's rehashing
 * idea): a new array is allocated and every insert first moves the
 * entries of KVS_TABLE_STEP slots of the old array into it, so no single
 * command pays for rehashing millions of keys. Meanwhile a key is in
 * exactly one of the two arrays and lookups try both. Slot indexes run
 * over both: [0, cap) is the new array, [cap, kvs_table_slots(t)) the old
 * one; walks that go by index use kvs_table_slots(). A table holds fewer
 * than 2^32 slots (about 3.7 billion entries, the size of Redis's
 * collections' limit); growing past that aborts.
 *
 * The table does not hash keys itself: callers pass the kvs_hash64 of the
 * key under t->seed (the keyspace computes it once per command).
 */
#ifndef KVS_TABLE_H
#define KVS_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include "entry.h"

#define KVS_TABLE_NONE ((size_t)-1)

#define KVS_TABLE_GROUP 8
#define KVS_TABLE_GROUP_BYTES (KVS_TABLE_GROUP * (1 + sizeof(void *)))

/* Old slots moved per insert while resizing (and per kvs_table_step
 * unit): enough to finish before the new array fills in any case (a
 * growth needs >= 3, a shrink >= 11 per insert), small enough to cost
 * well under a microsecond. */
#define KVS_TABLE_STEP 16
/* Tables of fewer slots resize at once: at most ~2 ms (57k entries), and
 * the old array is freed before the inserts that follow, which reuse its
 * pages (resizing these incrementally cost 8 bytes of RSS per key in the
 * 1M-key memory benchmark, all in dirty pages of freed old arrays). */
#define KVS_TABLE_INCR_MIN 65536

/* The array a resize is emptying (table.c moves its entries). */
struct kvs_table_old {
	unsigned char *mem;         /* owned */
	size_t cap;
	size_t pos;                 /* slots below pos are moved */
	size_t used;                /* live entries left in it */
};

struct kvs_table {
	unsigned char *mem;         /* ceil(cap/8) groups of 72 bytes; owned */
	uint32_t cap;               /* slots in mem */
	uint32_t tomb;              /* DELETED markers in mem */
	size_t used;                /* live entries, in both arrays */
	uint64_t seed;              /* the hash seed of the keys in it */
	struct kvs_table_old *old;  /* while resizing; NULL otherwise; owned */
};

void kvs_table_init(struct kvs_table *t, uint64_t seed);
/* Free every entry (kvs_entry_free) and the arrays. */
void kvs_table_destroy(struct kvs_table *t);
/* Detach the contents into *out (for FLUSHDB ASYNC / SWAPDB) and leave t
 * empty. */
void kvs_table_move(struct kvs_table *t, struct kvs_table *out);

static inline uint64_t kvs_table_hash(const struct kvs_table *t, const char *k, size_t n);

/* Slot index of key, or KVS_TABLE_NONE. */
size_t kvs_table_find(const struct kvs_table *t, const char *key, size_t klen, uint64_t hash);
/* Hints for a kvs_table_find(hash) to come (a pipelined batch issues them
 * for all its keys first, so their cache misses overlap): stage 1 asks for
 * the home group's memory; stage 2 (once that has arrived) reads its
 * control bytes and asks for the entries whose tag matches. Neither
 * changes anything; both need the same lock as kvs_table_find. */
void kvs_table_prefetch_group(const struct kvs_table *t, uint64_t hash);
void kvs_table_prefetch_entries(const struct kvs_table *t, uint64_t hash);
/* The number of slot indexes: cap, plus the old array's while resizing. */
static inline size_t kvs_table_slots(const struct kvs_table *t)
{
	return t->cap + (t->old ? t->old->cap : 0);
}
/* Slot i's group (in whichever array holds it); i becomes its index there. */
static inline unsigned char *kvs_table_group_(const struct kvs_table *t, size_t *i)
{
	unsigned char *m = t->mem;
	if (*i >= t->cap) {
		m = t->old->mem;
		*i -= t->cap;
	}
	return m + (*i / KVS_TABLE_GROUP) * KVS_TABLE_GROUP_BYTES;
}
/* Slot i's control byte and entry pointer (internal layout accessors). */
static inline unsigned char *kvs_table_ctrl(const struct kvs_table *t, size_t i)
{
	unsigned char *g = kvs_table_group_(t, &i);
	return g + (i % KVS_TABLE_GROUP);
}
static inline struct kvs_entry **kvs_table_slotp(const struct kvs_table *t, size_t i)
{
	unsigned char *g = kvs_table_group_(t, &i);
	return (struct kvs_entry **)(void *)(g + KVS_TABLE_GROUP) + (i % KVS_TABLE_GROUP);
}
/* Live (holds an entry): the control byte's high bit is clear. */
static inline int kvs_table_live(const struct kvs_table *t, size_t i) { return !(*kvs_table_ctrl(t, i) & 0x80); }
static inline struct kvs_entry *kvs_table_at(const struct kvs_table *t, size_t i) { return *kvs_table_slotp(t, i); }
/* Point slot i (found by kvs_table_find) at e (same key). */
static inline void kvs_table_replace(struct kvs_table *t, size_t i, struct kvs_entry *e) { *kvs_table_slotp(t, i) = e; }
/* Insert e, whose key must not be present. May resize or move entries of
 * a resize in progress: slot indexes the caller held are invalid
 * afterwards. Returns e's slot. */
size_t kvs_table_insert(struct kvs_table *t, uint64_t hash, struct kvs_entry *e);
/* Move the entries of up to n * KVS_TABLE_STEP old slots of a resize in
 * progress (idle-time work: a cron). Invalidates slot indexes. Returns 1
 * while a resize is still in progress. */
int kvs_table_step(struct kvs_table *t, size_t n);
/* Make room for n entries in all without growing on the way (bulk loads:
 * one rehash instead of a dozen). Invalidates slot indexes. */
void kvs_table_reserve(struct kvs_table *t, size_t n);
/* Remove the entry at slot i (the caller frees it). Never moves other
 * entries, so a caller walking slots may go on. */
void kvs_table_remove_at(struct kvs_table *t, size_t i);
/* Give memory back after deletes (resize to a smaller capacity when at
 * most 1/8 full, or go on with a resize in progress; free the arrays
 * when empty). Invalidates slot indexes. */
void kvs_table_maybe_shrink(struct kvs_table *t);
/* First live slot at index >= i, or KVS_TABLE_NONE (full walks: over
 * both arrays while resizing). */
size_t kvs_table_next(const struct kvs_table *t, size_t i);

/* Visit part of the table from hash-space position *cursor (0 = start),
 * about `count` slots' worth, calling fn for each entry whose hash lies in
 * the visited range. *cursor is set to where the next call starts, or 0
 * when the whole hash space has been visited. fn must not modify t. */
typedef void kvs_table_visit_fn(void *arg, struct kvs_entry *e);
void kvs_table_scan(const struct kvs_table *t, uint64_t *cursor, size_t count,
		    kvs_table_visit_fn *fn, void *arg);

/* A live slot near random position r (KVS_TABLE_NONE if empty). */
size_t kvs_table_random(const struct kvs_table *t, uint64_t r);

/* Bytes allocated for the slot arrays. */
static inline size_t kvs_table_mem(const struct kvs_table *t)
{
	size_t n = ((size_t)t->cap + KVS_TABLE_GROUP - 1) / KVS_TABLE_GROUP * KVS_TABLE_GROUP_BYTES;
	if (t->old)
		n += sizeof *t->old + (t->old->cap + KVS_TABLE_GROUP - 1) / KVS_TABLE_GROUP * KVS_TABLE_GROUP_BYTES;
	return n;
}

#include "hash.h"
static inline uint64_t kvs_table_hash(const struct kvs_table *t, const char *k, size_t n)
{
	return kvs_hash64(k, n, t->seed);
}

#endif
