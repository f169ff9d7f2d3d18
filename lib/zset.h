/*
 * zset.h - the sorted-set value: a skiplist with spans ordered by
 * (score, member), plus a member index.
 *
 * Each member is ONE allocation:
 *
 *     [level L-1 ... level 0][score, back, level][member entry]
 *       16 bytes per level      struct kvs_znode   struct kvs_entry
 *
 * Node pointers point at the struct kvs_znode in the middle; level i's
 * forward pointer and span sit just below it. The member entry that
 * follows is a struct kvs_entry (entry.h layout: stamp, type, flags, key =
 * the member bytes, no value part) so that the member index can be a
 * plain struct kvs_table (table.h) of those entries, and so each member
 * carries its own HLC stamp for per-member last-writer-wins replication.
 * A 10-byte member at level 1 is 16 + 24 + 12 + 1 + 10 = 63 bytes: one
 * 64-byte size class, plus ~12 bytes of index slot.
 *
 * The member entries are NOT keyspace entries: never pass them to
 * kvs_entry_free() or put them into a keyspace table; the zset frees them
 * with their nodes.
 *
 * Ranks, range searches and range deletions follow Redis's skiplist
 * (t_zset.c there): O(log n) to find a rank or the first element of a
 * score or lex range. Lex ranges assume equal scores, as in Redis.
 *
 * Ownership: a struct kvs_zset owns its nodes; the keyspace owns the zset
 * through a PTR entry (kvs_type_ops[KVS_T_ZSET], set by t_zset.c). Node
 * pointers stay valid until that member is deleted (a score change keeps
 * the node). Allocation failure aborts.
 */
#ifndef KVS_ZSET_H
#define KVS_ZSET_H

#include <stddef.h>
#include <stdint.h>
#include "entry.h"
#include "table.h"

#define KVS_ZSET_MAXLEVEL 32
/* Redis 7.0's zset-max-listpack-entries / -value defaults. */
#define KVS_ZSET_MAX_LISTPACK_ENTRIES 128
#define KVS_ZSET_MAX_LISTPACK_VALUE   64

struct kvs_znode {
	double score;
	struct kvs_znode *back;   /* NULL for the first member */
	uint32_t level;
	uint32_t spare;
};

struct kvs_zset {
	struct kvs_znode *head;   /* levels only, no member */
	struct kvs_znode *tail;
	size_t len;
	int level;                /* levels in use (>= 1) */
	int headcap;              /* levels allocated in head */
	/* 1 while Redis would still keep this set as a listpack (at most 128
	 * members, none longer than 64 bytes); once 0 it stays 0, as Redis
	 * never converts back. OBJECT ENCODING and ZSCAN go by it. */
	int compact;
	struct kvs_table dict;    /* member -> member entry */
};

/* A score interval; *ex = exclusive bound. */
struct kvs_zrange {
	double min, max;
	int minex, maxex;
};

/* A lex bound: inf -1 is "-", +1 is "+" (both exclusive), 0 a member
 * (p/len, borrowed) inclusive or exclusive. */
struct kvs_zlex {
	const char *p;
	size_t len;
	int ex;
	int inf;
};
struct kvs_zlexrange {
	struct kvs_zlex min, max;
};

/* seed: the member index's hash seed. */
struct kvs_zset *kvs_zset_new(uint64_t seed);
void kvs_zset_free(struct kvs_zset *z);
/* Same members, scores, stamps and skiplist shape. */
struct kvs_zset *kvs_zset_dup(const struct kvs_zset *z);
size_t kvs_zset_mem(const struct kvs_zset *z);

static inline struct kvs_entry *kvs_znode_entry(const struct kvs_znode *n)
{
	return (struct kvs_entry *)((char *)n + sizeof *n);
}
static inline struct kvs_znode *kvs_zset_node_of(const struct kvs_entry *e)
{
	return (struct kvs_znode *)((char *)e - sizeof(struct kvs_znode));
}
static inline const char *kvs_znode_member(const struct kvs_znode *n, size_t *len)
{
	return kvs_entry_key(kvs_znode_entry(n), len);
}

struct kvs_znode *kvs_zset_first(const struct kvs_zset *z);
static inline struct kvs_znode *kvs_zset_last(const struct kvs_zset *z) { return z->tail; }
struct kvs_znode *kvs_znode_next(const struct kvs_znode *n);
static inline struct kvs_znode *kvs_znode_prev(const struct kvs_znode *n) { return n->back; }

/* The member's node, or NULL. */
struct kvs_znode *kvs_zset_find(const struct kvs_zset *z, const char *m, size_t len);
/* Add a member that is not present. rnd: random bits for its level.
 * Its stamp is 0 (the caller sets it). */
struct kvs_znode *kvs_zset_insert(struct kvs_zset *z, double score, const char *m, size_t len, uint64_t rnd);
/* Change a member's score; the node keeps its address. */
void kvs_zset_set_score(struct kvs_zset *z, struct kvs_znode *n, double score);
/* Remove and free one member. */
void kvs_zset_delete(struct kvs_zset *z, struct kvs_znode *n);

/* 0-based rank from the lowest score. */
size_t kvs_zset_rank(const struct kvs_zset *z, const struct kvs_znode *n);
/* The member at 0-based rank (< len). */
struct kvs_znode *kvs_zset_at(const struct kvs_zset *z, size_t rank);

int kvs_zrange_gte_min(double v, const struct kvs_zrange *r);
int kvs_zrange_lte_max(double v, const struct kvs_zrange *r);
/* First / last member in the range, or NULL. */
struct kvs_znode *kvs_zset_first_in(const struct kvs_zset *z, const struct kvs_zrange *r);
struct kvs_znode *kvs_zset_last_in(const struct kvs_zset *z, const struct kvs_zrange *r);

int kvs_zlex_gte_min(const char *m, size_t len, const struct kvs_zlexrange *r);
int kvs_zlex_lte_max(const char *m, size_t len, const struct kvs_zlexrange *r);
struct kvs_znode *kvs_zset_first_in_lex(const struct kvs_zset *z, const struct kvs_zlexrange *r);
struct kvs_znode *kvs_zset_last_in_lex(const struct kvs_zset *z, const struct kvs_zlexrange *r);

/* Delete every member in a range; return how many. Ranks are 0-based and
 * inclusive, start <= end < len. */
size_t kvs_zset_delete_range(struct kvs_zset *z, const struct kvs_zrange *r);
size_t kvs_zset_delete_lex(struct kvs_zset *z, const struct kvs_zlexrange *r);
size_t kvs_zset_delete_ranks(struct kvs_zset *z, size_t start, size_t end);

/* Check every structural invariant (order, spans, back links, cached
 * forward scores, level count, length, member index). Returns 0, or -1
 * with what is wrong in err. For tests: O(n * levels). */
int kvs_zset_check(const struct kvs_zset *z, char *err, size_t errlen);

/* Byte-wise member order (Redis's sdscmp): <0, 0, >0. */
int kvs_zmember_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
