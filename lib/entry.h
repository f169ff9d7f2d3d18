/*
 * entry.h - one key and its value in a single allocation.
 *
 *   offset 0   stamp    u64  HLC stamp of the last write (hlc.h)
 *          8   type:4 enc:4  enum kvs_type, enum kvs_enc
 *          9   flags    u8   KVS_EF_*
 *         10   lru      u8   coarse access clock (OBJECT IDLETIME/FREQ)
 *         11   data[]:  [expire: 6 bytes LE, or 8 with KVS_EF_EXPIRE8,
 *                        if KVS_EF_EXPIRE]
 *                       [klen varint][key bytes]
 *                       RAW: [vlen varint][value bytes]
 *                       PTR: [pointer to the type's object]
 *
 * A 13-byte key with a 16-byte value is 11+1+13+1+16 = 42 bytes, and 48
 * with a TTL: both one 48-byte jemalloc size class (jemalloc has no 56,
 * so an 8-byte deadline would cost 16). Deadlines below 2^48 ms (the year
 * 10889) take 6 bytes; larger ones, which Redis accepts (PXAT up to
 * 2^63-1), take 8. No separate key or value allocation, no per-entry
 * pointer besides the table slot. Unaligned fields go through memcpy.
 *
 * Ownership: an entry is owned by the table slot that points to it; the
 * keyspace frees it (and the object behind a PTR) on delete/replace.
 * Functions that may realloc return the new pointer; the old one is dead.
 */
#ifndef KVS_ENTRY_H
#define KVS_ENTRY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum kvs_type { KVS_T_STRING = 0, KVS_T_LIST, KVS_T_SET, KVS_T_ZSET, KVS_T_HASH, KVS_T__COUNT };
enum kvs_enc { KVS_E_RAW = 0, KVS_E_PTR };

#define KVS_EF_EXPIRE  0x01   /* has a deadline */
#define KVS_EF_EXPIRE8 0x02   /* ...stored in 8 bytes instead of 6 */
/* Snapshot bookkeeping (snap.h): the entry is already in the image being
 * written when this bit equals the keyspace's save parity. Only snap.c and
 * the keyspace write path touch it. */
#define KVS_EF_SAVED   0x80

/* The access clock kept in e->lru: whole seconds of the env clock, mod 256.
 * ks_find stamps it on every hit (unless the lookup is "no touch") and the
 * write path on every write, so OBJECT IDLETIME is (now - lru) mod 256 s:
 * exact to the second for keys idle less than 256 s, wrapping beyond. One
 * byte keeps the entry header at 12 bytes; a minute clock would reach
 * 4 h 15 min but could not tell 2 s of idleness from 50 s. */
static inline uint8_t kvs_lru_clock(uint64_t now_ms) { return (uint8_t)(now_ms / 1000); }
static inline unsigned kvs_lru_idle_secs(uint8_t lru, uint64_t now_ms)
{
	return (uint8_t)(kvs_lru_clock(now_ms) - lru);
}

struct kvs_entry {
	uint64_t stamp;
	unsigned type : 4;   /* enum kvs_type */
	unsigned enc : 4;    /* enum kvs_enc */
	uint8_t flags;
	uint8_t lru;
	unsigned char data[];
};

#define KVS_ENTRY_HDR offsetof(struct kvs_entry, data)

struct kvs_buf;

/* One element handed to a kvs_elem_fn: p[0..len) is valid only during the
 * call (the object may keep it in any representation); score is the
 * sorted-set score, 0 for other types. */
typedef void kvs_elem_fn(void *arg, const char *p, size_t len, double score);

/* Per-type hooks for PTR-encoded values, set once at start-up by the type
 * modules (t_list.c, ...). free_obj releases the object; NULL = free().
 * Hooks marked "SORT" are how t_object.c reads and builds collections
 * without knowing their layout; a NULL hook means the type lacks it. */
struct kvs_type_ops {
	const char *name;                   /* "string", "list", ... (TYPE) */
	void (*free_obj)(void *obj);
	void *(*dup_obj)(const void *obj);  /* COPY; NULL = unsupported */
	size_t (*mem_obj)(const void *obj); /* MEMORY USAGE estimate */
	/* OBJECT ENCODING's name for obj ("listpack", ...); NULL: the type's
	 * default ("quicklist", "hashtable", "skiplist"). */
	const char *(*encoding)(const void *obj);
	/* SORT: call fn for every element, a list from head to tail, a sorted
	 * set by ascending score (Redis's rank order), a set in any order.
	 * fn must not modify the object. */
	void (*foreach)(const void *obj, kvs_elem_fn *fn, void *arg);
	/* SORT BY/GET "key->field" on hashes: call fn once with the value of
	 * field f and return 1, or return 0 if the field is absent. */
	int (*field_get)(const void *obj, const char *f, size_t flen, kvs_elem_fn *fn, void *arg);
	/* SORT STORE on lists: a new object (owned by the caller) holding the
	 * n elements p[i] (len[i] bytes each, copied) in order; n >= 1. */
	void *(*from_elems)(size_t n, const char *const *p, const size_t *len);
	/* Snapshots (snap.h). save appends a self-contained encoding of obj to
	 * out (obj unchanged; called under the key's shard lock, possibly from
	 * the saver thread) and returns the bytes appended. load rebuilds an
	 * object from exactly those bytes and returns it (owned by the caller),
	 * or NULL if they are malformed: it must never read outside p..p+len,
	 * whatever they hold (snap.h has bounded readers for this). NULL hooks: values of this type cannot be saved
	 * (a save containing one fails) or loaded. Strings are RAW-encoded and
	 * need no hooks: snap.c writes their bytes as they are. */
	size_t (*save)(const void *obj, struct kvs_buf *out);
	/* seed: the keyspace's table hash seed, for objects that hold tables. */
	void *(*load)(const unsigned char *p, size_t len, uint64_t seed);
};
extern struct kvs_type_ops kvs_type_ops[KVS_T__COUNT];

static inline int kvs_entry_has_expire(const struct kvs_entry *e) { return e->flags & KVS_EF_EXPIRE; }
/* Bytes the deadline takes in data[] (0, 6 or 8). */
static inline size_t kvs_entry_expire_bytes(const struct kvs_entry *e)
{
	return !(e->flags & KVS_EF_EXPIRE) ? 0 : (e->flags & KVS_EF_EXPIRE8) ? 8 : 6;
}
static inline uint64_t kvs_entry_expire(const struct kvs_entry *e)
{
	size_t n = kvs_entry_expire_bytes(e);
	uint64_t t = 0;
	for (size_t i = n; i-- > 0;)
		t = (t << 8) | e->data[i];
	return t;
}
/* Varints: 7 bits a byte, little-endian groups, high bit = more. */
static inline size_t kvs_varint_len(size_t v)
{
	size_t n = 1;
	while (v >= 0x80) { v >>= 7; n++; }
	return n;
}
static inline size_t kvs_varint_put(unsigned char *p, size_t v)
{
	size_t n = 0;
	while (v >= 0x80) { p[n++] = (unsigned char)(v | 0x80); v >>= 7; }
	p[n++] = (unsigned char)v;
	return n;
}
static inline size_t kvs_varint_get(const unsigned char *p, size_t *v)
{
	size_t r = 0, n = 0;
	unsigned shift = 0;
	for (;;) {
		unsigned char b = p[n++];
		r |= (size_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
	}
	*v = r;
	return n;
}

/* The key bytes (not NUL-terminated) and their length. */
static inline const char *kvs_entry_key(const struct kvs_entry *e, size_t *klen)
{
	const unsigned char *p = e->data + kvs_entry_expire_bytes(e);
	p += kvs_varint_get(p, klen);
	return (const char *)p;
}

/* Pointer just past the key: where the value part starts. */
static inline unsigned char *kvs_entry_valp(const struct kvs_entry *e)
{
	size_t klen;
	const char *k = kvs_entry_key(e, &klen);
	return (unsigned char *)(k + klen);
}

/* A string value (type STRING, enc RAW): its bytes and length. */
static inline const char *kvs_entry_str(const struct kvs_entry *e, size_t *vlen)
{
	const unsigned char *p = kvs_entry_valp(e);
	p += kvs_varint_get(p, vlen);
	return (const char *)p;
}

/* The object of a PTR-encoded entry. */
static inline void *kvs_entry_obj(const struct kvs_entry *e)
{
	void *o;
	memcpy(&o, kvs_entry_valp(e), sizeof o);
	return o;
}
static inline void kvs_entry_set_obj(struct kvs_entry *e, void *o)
{
	memcpy(kvs_entry_valp(e), &o, sizeof o);
}

/* New entries. The returned entry is owned by the caller until it is put
 * into a table. expire == 0 means no TTL. Stamp is 0 (set by the keyspace
 * write path). */
struct kvs_entry *kvs_entry_new_str(const char *key, size_t klen, const void *val,
				    size_t vlen, uint64_t expire);
/* Like kvs_entry_new_str but leaves the value bytes uninitialised; write
 * them through kvs_entry_str() cast to char *. */
struct kvs_entry *kvs_entry_new_str_uninit(const char *key, size_t klen, size_t vlen,
					   uint64_t expire);
struct kvs_entry *kvs_entry_new_obj(const char *key, size_t klen, enum kvs_type type,
				    void *obj, uint64_t expire);
/* Copy of e under another key (RENAME, COPY via dup_obj, MOVE). Returns NULL
 * only if the type cannot be duplicated. */
struct kvs_entry *kvs_entry_rekey(const struct kvs_entry *e, const char *key, size_t klen,
				  int dup_obj);

/* Set (when != 0) or remove (0) the TTL. May realloc: use the result. */
struct kvs_entry *kvs_entry_set_expire(struct kvs_entry *e, uint64_t when);
/* Resize a RAW string's value to vlen bytes, keeping min(old, vlen) bytes of
 * content; new bytes are zero. May realloc: use the result. */
struct kvs_entry *kvs_entry_resize_str(struct kvs_entry *e, size_t vlen);

/* Free e and, for PTR entries, its object (via kvs_type_ops). */
void kvs_entry_free(struct kvs_entry *e);
/* Bytes used by the entry and what it owns (MEMORY USAGE). */
size_t kvs_entry_mem(const struct kvs_entry *e);

#endif
