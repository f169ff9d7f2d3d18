/*
 * object.h - the object behind a hash or a set key, and what the hash and
 * set commands share.
 *
 * A hash or a set is a struct kvs_tobj in one of two forms, chosen by the
 * rule Redis 7.0 uses for its encodings (and reported by OBJECT ENCODING
 * under Redis's names):
 *
 *  - compact ("listpack" hashes of at most 512 fields whose fields and
 *    values are at most 64 bytes; "intset" sets of at most 512 integer
 *    members): one byte array of elements in insertion order,
 *        [name len varint][name][value len varint][value][stamp varint]
 *    (sets: no value, nor its length)
 *    where the stamp is zigzag(stamp - base) for a per-object base stamp
 *    (the first element's), so elements written by one command cost one
 *    byte of stamp. Lookups are linear scans, as in Redis's listpack.
 *  - table ("hashtable"): a struct kvs_table of element entries (a hash
 *    field is an entry whose key is the field and whose RAW value is the
 *    value; a set member has an empty value), each carrying its own stamp;
 *    the same open-addressing table, with the same hash-ordered scan
 *    cursor, as the keyspace's.
 *
 * A write that breaks the compact limits converts the object to a table,
 * for good (as Redis never converts back). Every element keeps its HLC
 * stamp in both forms (the per-field LWW and per-member add stamps
 * replication merges on).
 *
 * Element stamps: every element a command writes gets the one stamp the
 * command minted for that key (kvs_tobj_tick), taken before the key's own
 * stamp from the write path, so a key's stamp is never older than any of
 * its elements'. Removed elements leave nothing behind (no tombstones yet).
 *
 * Positions: elements are addressed by a size_t position, a slot index in
 * a table and a byte offset in a compact object; KVS_TABLE_NONE is "none".
 * A position is valid until the object is next modified, except that
 * removing an element of a table never moves the others.
 *
 * Ownership: a kvs_tobj owns its table or byte array and every element in
 * it; the keyspace entry that points to it owns it (free_obj). Element
 * views (struct kvs_elem) borrow from the object and are valid as long as
 * positions are.
 */
#ifndef KVS_OBJECT_H
#define KVS_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include "cmd.h"
#include "encoding.h"
#include "entry.h"
#include "table.h"

enum kvs_oenc { KVS_OENC_HASHTABLE = 0, KVS_OENC_LISTPACK, KVS_OENC_INTSET };


struct kvs_tobj {             /* 32 bytes */
	union {
		struct kvs_table *t;  /* enc == HASHTABLE: the table; owned */
		unsigned char *p;     /* otherwise: the elements; owned; NULL if empty */
	};
	/* compact form only: */
	uint64_t base;        /* stamp the element stamps are relative to */
	uint64_t seed;        /* table seed, for the conversion */
	uint32_t bytes;       /* bytes of p in use */
	uint16_t n;           /* elements (<= KVS_SET_MAX_INTSET_ENTRIES) */
	uint8_t enc;          /* enum kvs_oenc; only ever becomes HASHTABLE */
};

/* One element, borrowed from its object (see "Positions" above). */
struct kvs_elem {
	const char *name;
	size_t nlen;
	const char *val;      /* a hash field's value; "" for set members */
	size_t vlen;
	uint64_t stamp;
};

/* ---- the object ------------------------------------------------------- */
/* An empty object for elements hashed under seed (the keyspace's). */
struct kvs_tobj *kvs_tobj_new(uint64_t seed, enum kvs_oenc enc);
/* kvs_type_ops hooks: free everything; deep copy (element stamps kept);
 * bytes used including the elements. */
void kvs_tobj_free(void *obj);
void *kvs_tobj_dup(const void *obj);
size_t kvs_tobj_mem(const void *obj);
/* "listpack", "intset" or "hashtable" (OBJECT ENCODING). */
const char *kvs_tobj_encoding(const void *obj);
/* kvs_type_ops SORT hooks: every element's name (sets), in table order;
 * the value of field f (hashes), 1 if present. */
void kvs_tobj_foreach(const void *obj, kvs_elem_fn *fn, void *arg);
int kvs_tobj_field_get(const void *obj, const char *f, size_t flen, kvs_elem_fn *fn, void *arg);
/* kvs_type_ops snapshot hooks (snap.h): encoding name, then every element
 * with its name, value and stamp; load refuses malformed bytes (NULL). */
size_t kvs_tobj_save(const void *obj, struct kvs_buf *out);
void *kvs_tobj_load(const unsigned char *p, size_t len, uint64_t seed);

static inline int kvs_tobj_compact(const struct kvs_tobj *o) { return o->enc != KVS_OENC_HASHTABLE; }
static inline size_t kvs_tobj_len(const struct kvs_tobj *o)
{
	return kvs_tobj_compact(o) ? o->n : o->t->used;
}

/* Walking: the first element's position and the one after pos, or
 * KVS_TABLE_NONE at the end. kvs_tobj_at fills *el for a live position. */
size_t kvs_tobj_first(const struct kvs_tobj *o);
size_t kvs_tobj_next(const struct kvs_tobj *o, size_t pos);
void kvs_tobj_at(const struct kvs_tobj *o, size_t pos, struct kvs_elem *el);

/* Find element f: 1 and *el, *pos filled in (either may be NULL) if
 * present, 0 if not. */
int kvs_tobj_get(const struct kvs_tobj *o, const char *f, size_t flen, struct kvs_elem *el, size_t *pos);
/* Set element f to value v (vlen 0 for set members) with stamp. Returns 1
 * if f was added, 0 if an existing element was overwritten. Converts a
 * compact object to a table when the write breaks its limits. Invalidates
 * positions. */
int kvs_tobj_set(struct kvs_tobj *o, const char *f, size_t flen, const void *v, size_t vlen,
		 uint64_t stamp);
/* Like kvs_tobj_set for an f the caller knows is absent (no lookup). */
void kvs_tobj_add_new(struct kvs_tobj *o, const char *f, size_t flen, const void *v, size_t vlen,
		      uint64_t stamp);
/* Remove element f. Returns 1 if it was there. Does not shrink (call
 * kvs_tobj_trim once a command is done removing). */
int kvs_tobj_del(struct kvs_tobj *o, const char *f, size_t flen);
/* Remove the element at pos. In a compact object the elements after pos
 * move (remove several in descending position order); in a table nothing
 * else moves. */
void kvs_tobj_del_at(struct kvs_tobj *o, size_t pos);
/* Give memory back after removals. Invalidates positions. */
void kvs_tobj_trim(struct kvs_tobj *o);

/* A live position chosen uniformly at random (o must not be empty). On a
 * compact object this walks it: for many draws take kvs_tobj_positions. */
size_t kvs_tobj_random_slot(const struct kvs_tobj *o, const struct kvs_env *env);
/* For many draws (negative counts of HRANDFIELD/SRANDMEMBER): an index
 * of a compact object's positions, NULL for a table (which draws in O(1)
 * anyway); free() it after. kvs_tobj_draw: a uniformly random live
 * position, through idx when it is not NULL. */
size_t *kvs_tobj_draw_index(const struct kvs_tobj *o);
size_t kvs_tobj_draw(const struct kvs_tobj *o, const struct kvs_env *env, const size_t *idx);
/* count (< size) distinct live positions chosen uniformly at random,
 * written to out[0..count), in random order. */
void kvs_tobj_sample(const struct kvs_tobj *o, const struct kvs_env *env, size_t count, size_t *out);
/* The positions of all elements in walking order (kvs_tobj_len of them),
 * in a new array the caller frees. */
size_t *kvs_tobj_positions(const struct kvs_tobj *o);

/* Check a compact object's invariants (lengths, count, limits, no
 * duplicate names); 0 if sound, else a static description. Tests. */
const char *kvs_tobj_check(const struct kvs_tobj *o);

/* ---- command helpers --------------------------------------------------- */
/* Look up the key at argv[argi] (k and *slot filled in; *slot is
 * KVS_TABLE_NONE when absent). Returns the keyspace entry, NULL if absent.
 * If the key holds another type, replies WRONGTYPE, sets *err and returns
 * NULL. read != 0 counts a keyspace hit or miss as Redis's read lookups do. */
struct kvs_entry *kvs_tobj_lookup(struct kvs_client *c, int argi, enum kvs_type type, int read,
				  struct kvs_key *k, size_t *slot, int *err);
/* The object of a keyspace entry found by kvs_tobj_lookup. */
static inline struct kvs_tobj *kvs_tobj_of(const struct kvs_entry *e)
{
	return (struct kvs_tobj *)kvs_entry_obj(e);
}
/* A fresh stamp from the shard clock of k, for the elements one command
 * writes in that key. */
uint64_t kvs_tobj_tick(struct kvs_client *c, const struct kvs_key *k);
/* After a command changed the object of e (at slot): delete the key if the
 * object is now empty (Redis never keeps empty hashes or sets), else record
 * the write. */
void kvs_tobj_written(struct kvs_client *c, const struct kvs_key *k, size_t slot, struct kvs_entry *e);
/* Store a new object o (owned by the keyspace from now on) under k as type. */
void kvs_tobj_store(struct kvs_client *c, const struct kvs_key *k, size_t slot, enum kvs_type type,
		    struct kvs_tobj *o);

/* Reply the name / value of the element at pos as a bulk string. */
void kvs_reply_name_at(struct kvs_client *c, const struct kvs_tobj *o, size_t pos);
void kvs_reply_value_at(struct kvs_client *c, const struct kvs_tobj *o, size_t pos);

/* HSCAN / SSCAN: argv = NAME key cursor [MATCH pattern] [COUNT count].
 * with_values replies field/value pairs. */
void kvs_tobj_scan_cmd(struct kvs_client *c, enum kvs_type type, int with_values);
/* HDEL / SREM: delete argv[2..] from the object at argv[1]; reply the count. */
void kvs_tobj_del_cmd(struct kvs_client *c, enum kvs_type type);

/* Parse a SCAN cursor as Redis 7.0 does with strtoul(): no leading space,
 * an optional sign ("-1" wraps around), decimal digits that fit 64 bits,
 * the string ends at an embedded NUL and "" is 0. 1 on success. */
int kvs_parse_cursor(const char *s, size_t len, uint64_t *out);

#endif
