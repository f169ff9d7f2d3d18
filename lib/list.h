/*
 * list.h - the list value: a doubly linked list of packed nodes.
 *
 * Each node is one allocation holding up to ~8 KiB of elements packed
 * back to back (Redis's quicklist with list-max-listpack-size -2). An
 * element is encoded as
 *
 *     [len varint][len bytes][back varint]
 *
 * where back = the size of the first two parts, written so that it reads
 * from its last byte backwards: the node can be walked in both directions
 * with 2 bytes of overhead per element under 126 bytes. The bytes in use
 * sit in the middle of the node's buffer, with free room on both sides, so
 * a push or pop at either end of the list is O(1) amortized (a node grows
 * one allocator size class at a time, 12-25%, up to its limit; a full end
 * node gets a new neighbour). An element bigger than the limit gets a node
 * of its own.
 *
 * Indexing (LINDEX, LSET, LRANGE's start) skips whole nodes by their
 * counts and then walks one node: O(nodes + 8 KiB). Middle inserts and
 * replaces memmove within one node and split it when it is full; LREM
 * then merges neighbours that together fill at most half a node, so mass
 * deletions do not leave a chain of nearly empty nodes.
 *
 * Ownership: a struct kvs_list owns its nodes; the keyspace owns the list
 * through its entry (kvs_type_ops[KVS_T_LIST], set by t_list.c). Element
 * views handed out (kvs_list_peek, kvs_list_it_get) point into a node and
 * are valid until the list is next modified. Functions never fail: memory
 * exhaustion aborts, as everywhere in libkvs.
 */
#ifndef KVS_LIST_H
#define KVS_LIST_H

#include <stddef.h>
#include <stdint.h>

enum kvs_list_end { KVS_LIST_HEAD = 0, KVS_LIST_TAIL = 1 };

/* The largest element a list accepts (node offsets are 32-bit); Redis
 * 7.0 has the same limit (LIST_MAX_ITEM_SIZE, "Element too large"). */
#define KVS_LIST_MAX_ELEM (((size_t)1 << 32) - 1024)

struct kvs_lnode;

struct kvs_list {
	struct kvs_lnode *first, *last;
	size_t len;       /* elements */
};

/* A position: one element of a list. Invalidated by any modification
 * except the ones documented as returning an updated iterator. */
struct kvs_list_it {
	struct kvs_list *l;
	struct kvs_lnode *n;  /* NULL: past either end */
	uint32_t off;         /* the element's first byte in n */
};

struct kvs_list *kvs_list_new(void);
void kvs_list_free(struct kvs_list *l);
struct kvs_list *kvs_list_dup(const struct kvs_list *l);
/* Bytes allocated for the list and its nodes. */
size_t kvs_list_mem(const struct kvs_list *l);
static inline size_t kvs_list_len(const struct kvs_list *l) { return l->len; }

/* Add an element (len <= KVS_LIST_MAX_ELEM) at one end. */
void kvs_list_push(struct kvs_list *l, enum kvs_list_end where, const void *p, size_t len);
/* The element at one end; 0 if the list is empty. */
int kvs_list_peek(const struct kvs_list *l, enum kvs_list_end where, const char **p, size_t *len);
/* Remove the element at one end (the list must not be empty). */
void kvs_list_pop(struct kvs_list *l, enum kvs_list_end where);
/* Remove `left` elements from the head and `right` from the tail
 * (together at most the length). */
void kvs_list_trim(struct kvs_list *l, size_t left, size_t right);

/* Point *it at element index (0-based from the head, < len). */
void kvs_list_seek(struct kvs_list *l, size_t index, struct kvs_list_it *it);
/* Point *it at the head or tail element; 0 if the list is empty. */
int kvs_list_first(struct kvs_list *l, enum kvs_list_end where, struct kvs_list_it *it);
/* Move to the next (towards the tail) or previous element; 0 when it
 * walks off the end. */
int kvs_list_next(struct kvs_list_it *it);
int kvs_list_prev(struct kvs_list_it *it);
/* The element at it. */
void kvs_list_get(const struct kvs_list_it *it, const char **p, size_t *len);

/* Insert before (where == HEAD) or after (TAIL) the element at it. */
void kvs_list_insert(struct kvs_list_it *it, enum kvs_list_end where, const void *p, size_t len);
/* Replace the element at it. */
void kvs_list_replace(struct kvs_list_it *it, const void *p, size_t len);
/* Remove elements equal to p: count > 0 the first count from the head,
 * count < 0 the first -count from the tail, 0 all. Returns how many. */
size_t kvs_list_remove(struct kvs_list *l, const void *p, size_t len, long long count);

/* Nodes in the list (tests and MEMORY stats). */
size_t kvs_list_nodes(const struct kvs_list *l);

#endif
