/*
 * zset.h - the sorted-set value: a counted B+tree ordered by (score,
 * member), plus a member index.
 *
 * Each member is ONE allocation, a struct kvs_znode (its score) followed by
 * a struct kvs_entry (entry.h layout: stamp, type, flags, key = the member
 * bytes, no value part), so that the member index can be a plain struct
 * kvs_table (table.h) of those entries and each member carries its own HLC
 * stamp for per-member last-writer-wins replication. A 14-byte member is
 * 8 + 11 + 1 + 14 = 34 bytes: one 48-byte size class, plus ~12 bytes of
 * index slot and 16 bytes of leaf slot (score copy and pointer).
 *
 * The tree (zset.c) keeps up to 30 (score, member) pairs per leaf, in
 * order, and up to 31 children per inner node with each child's largest
 * pair and member count. Leaves are linked both ways. A lookup by score,
 * member or rank touches about log_20(n) nodes whose scores lie in a few
 * adjacent cache lines, where a skiplist follows ~1.3 log_2(n) pointers
 * to scattered nodes: that is the cost of ZADD on a big set. Ranks, score
 * and lex ranges follow Redis's semantics (t_zset.c there); lex ranges
 * assume equal scores, as in Redis.
 *
 * The member entries are NOT keyspace entries: never pass them to
 * kvs_entry_free() or put them into a keyspace table; the zset frees them.
 *
 * Positions: a struct kvs_zit names one member's place in the leaves, for
 * walking in rank order. It is valid until the set is next modified (any
 * insert, score change or delete). Node pointers stay valid until that
 * member is deleted (a score change keeps the node).
 *
 * Ownership: a struct kvs_zset owns its nodes; the keyspace owns the zset
 * through a PTR entry (kvs_type_ops[KVS_T_ZSET], set by t_zset.c).
 * Allocation failure aborts.
 */
#ifndef KVS_ZSET_H
#define KVS_ZSET_H

#include <stddef.h>
#include <stdint.h>
#include "encoding.h"
#include "entry.h"
#include "table.h"


struct kvs_znode {
	double score;
};

struct kvs_zleaf;   /* private to zset.c */

struct kvs_zset {
	void *root;               /* a leaf when height is 0; NULL when empty */
	int height;               /* inner levels above the leaves */
	/* 1 while Redis would still keep this set as a listpack (at most 128
	 * members, none longer than 64 bytes); once 0 it stays 0, as Redis
	 * never converts back. OBJECT ENCODING and ZSCAN go by it. */
	int compact;
	struct kvs_zleaf *head;   /* first and last leaves (NULL when empty) */
	struct kvs_zleaf *tail;
	size_t len;
	struct kvs_table dict;    /* member -> member entry */
};

/* A place in rank order (see "Positions" above). */
struct kvs_zit {
	struct kvs_zleaf *leaf;
	unsigned pos;
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
/* Same members, scores and stamps (leaves packed full). */
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

/* The member's node, or NULL. */
struct kvs_znode *kvs_zset_find(const struct kvs_zset *z, const char *m, size_t len);
/* Add a member that is not present. Its stamp is 0 (the caller sets it). */
struct kvs_znode *kvs_zset_insert(struct kvs_zset *z, double score, const char *m, size_t len);
/* Change a member's score; the node keeps its address. */
void kvs_zset_set_score(struct kvs_zset *z, struct kvs_znode *n, double score);
/* Remove and free one member. */
void kvs_zset_delete(struct kvs_zset *z, struct kvs_znode *n);

/* Walking in rank order. Each returns the member at the place it finds,
 * or NULL (past either end, or an empty set), and stores the place in
 * *it unless it is NULL. kvs_zit_next/prev move *it one place. */
struct kvs_znode *kvs_zset_first(const struct kvs_zset *z, struct kvs_zit *it);
struct kvs_znode *kvs_zset_last(const struct kvs_zset *z, struct kvs_zit *it);
struct kvs_znode *kvs_zit_next(struct kvs_zit *it);
struct kvs_znode *kvs_zit_prev(struct kvs_zit *it);

/* 0-based rank from the lowest score of a member of z. */
size_t kvs_zset_rank(const struct kvs_zset *z, const struct kvs_znode *n);
/* The member at 0-based rank (NULL if rank >= len). */
struct kvs_znode *kvs_zset_at(const struct kvs_zset *z, size_t rank, struct kvs_zit *it);

int kvs_zrange_gte_min(double v, const struct kvs_zrange *r);
int kvs_zrange_lte_max(double v, const struct kvs_zrange *r);
/* First / last member in the range, or NULL; *it as for kvs_zset_first. */
struct kvs_znode *kvs_zset_first_in(const struct kvs_zset *z, const struct kvs_zrange *r, struct kvs_zit *it);
struct kvs_znode *kvs_zset_last_in(const struct kvs_zset *z, const struct kvs_zrange *r, struct kvs_zit *it);

int kvs_zlex_gte_min(const char *m, size_t len, const struct kvs_zlexrange *r);
int kvs_zlex_lte_max(const char *m, size_t len, const struct kvs_zlexrange *r);
struct kvs_znode *kvs_zset_first_in_lex(const struct kvs_zset *z, const struct kvs_zlexrange *r,
				       struct kvs_zit *it);
struct kvs_znode *kvs_zset_last_in_lex(const struct kvs_zset *z, const struct kvs_zlexrange *r,
				      struct kvs_zit *it);

/* Delete every member in a range; return how many. Ranks are 0-based and
 * inclusive, start <= end < len. */
size_t kvs_zset_delete_range(struct kvs_zset *z, const struct kvs_zrange *r);
size_t kvs_zset_delete_lex(struct kvs_zset *z, const struct kvs_zlexrange *r);
size_t kvs_zset_delete_ranks(struct kvs_zset *z, size_t start, size_t end);

/* Check every structural invariant (order, the leaves' score copies,
 * each child's largest pair and count in its parent, equal depth of the
 * leaves, fill, the leaf links, length, member index). Returns 0, or -1
 * with what is wrong in err. For tests: O(n). */
int kvs_zset_check(const struct kvs_zset *z, char *err, size_t errlen);

/* Byte-wise member order (Redis's sdscmp): <0, 0, >0. */
int kvs_zmember_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
