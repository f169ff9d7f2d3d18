/*
 * object.h - the object behind a hash or a set key, and what the hash and
 * set commands share.
 *
 * A hash or a set is a struct kvs_tobj: a struct kvs_table of element
 * entries. A hash field is an entry whose key is the field and whose RAW
 * value is the field's value; a set member is an entry with an empty value.
 * So every field / member is one allocation carrying its own HLC stamp (the
 * per-field LWW and per-member add stamps replication merges on), and the
 * element table is the same open-addressing table, with the same
 * hash-ordered scan cursor, as the keyspace's.
 *
 * Element stamps: every element a command writes gets the one stamp the
 * command minted for that key (kvs_tobj_tick), taken before the key's own
 * stamp from the write path, so a key's stamp is never older than any of
 * its elements'. Removed elements leave nothing behind (no tombstones yet).
 *
 * Encoding names. Redis keeps small hashes as a "listpack" and small
 * all-integer sets as an "intset" and converts them, for good, to a
 * "hashtable" when they outgrow the limits (hash: more than 128 fields or a
 * field or value longer than 64 bytes; set: more than 512 members or a
 * member that is not an integer). kvsd always stores a table, but tracks
 * the name Redis would report with the same one-way rule, so OBJECT
 * ENCODING answers like Redis 7.0 and HSCAN/SSCAN return small objects
 * whole with cursor 0, as Redis does for its compact encodings.
 *
 * Ownership: a kvs_tobj owns its table and every element entry in it; the
 * keyspace entry that points to it owns it (kvs_type_ops[].free_obj).
 */
#ifndef KVS_OBJECT_H
#define KVS_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include "cmd.h"
#include "entry.h"
#include "table.h"

/* Redis 7.0 defaults: hash-max-listpack-entries/value, set-max-intset-entries. */
#define KVS_HASH_MAX_LISTPACK_ENTRIES 128
#define KVS_HASH_MAX_LISTPACK_VALUE   64
#define KVS_SET_MAX_INTSET_ENTRIES    512

enum kvs_oenc { KVS_OENC_HASHTABLE = 0, KVS_OENC_LISTPACK, KVS_OENC_INTSET };

struct kvs_tobj {
	struct kvs_table t;   /* the elements; owned */
	uint8_t enc;          /* enum kvs_oenc; only ever becomes HASHTABLE */
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

static inline size_t kvs_tobj_len(const struct kvs_tobj *o) { return o->t.used; }

/* The element named f, or NULL; *slot (if not NULL) gets its slot index,
 * valid until the next insert into o. */
struct kvs_entry *kvs_tobj_get(const struct kvs_tobj *o, const char *f, size_t flen, size_t *slot);
/* Set element f to value v (vlen 0 for set members) with stamp. Returns 1
 * if f was added, 0 if an existing element was overwritten. Updates the
 * encoding name (hash rules if o is LISTPACK, set rules if INTSET). */
int kvs_tobj_set(struct kvs_tobj *o, const char *f, size_t flen, const void *v, size_t vlen,
		 uint64_t stamp);
/* Insert a copy of element e (which must be absent), keeping its value and
 * giving it stamp. */
void kvs_tobj_add_copy(struct kvs_tobj *o, const struct kvs_entry *e, uint64_t stamp);
/* Remove element f. Returns 1 if it was there. Does not shrink (call
 * kvs_tobj_trim once a command is done removing). */
int kvs_tobj_del(struct kvs_tobj *o, const char *f, size_t flen);
void kvs_tobj_del_at(struct kvs_tobj *o, size_t slot);
/* Give table memory back after removals. Invalidates slot indexes. */
void kvs_tobj_trim(struct kvs_tobj *o);

/* A live slot chosen uniformly at random (o must not be empty). */
size_t kvs_tobj_random_slot(const struct kvs_tobj *o, const struct kvs_env *env);
/* count (< size) distinct live slots chosen uniformly at random, written to
 * out[0..count). */
void kvs_tobj_sample(const struct kvs_tobj *o, const struct kvs_env *env, size_t count, size_t *out);

/* The element's name and, for hashes, its value. */
static inline const char *kvs_elem_name(const struct kvs_entry *e, size_t *len)
{
	return kvs_entry_key(e, len);
}
static inline const char *kvs_elem_value(const struct kvs_entry *e, size_t *len)
{
	return kvs_entry_str(e, len);
}

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

/* Reply an element's name / value as a bulk string. */
void kvs_reply_elem_name(struct kvs_client *c, const struct kvs_entry *e);
void kvs_reply_elem_value(struct kvs_client *c, const struct kvs_entry *e);

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
