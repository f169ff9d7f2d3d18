/*
 * object.c - hash and set objects (tables of element entries) and the
 * command plumbing both types share: typed lookup, element stamps, the
 * delete-when-empty rule, random sampling and HSCAN/SSCAN.
 */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "hlc.h"
#include "object.h"
#include "snap.h"
#include "util.h"


#ifdef HAVE_MALLOC_USABLE_SIZE
#include <malloc.h>
#endif

/* ---- the compact form ------------------------------------------------ */
/* u64 varints for the stamps (kvs_varint_* take size_t). */
static size_t u64_put(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) { p[n++] = (unsigned char)(v | 0x80); v >>= 7; }
	p[n++] = (unsigned char)v;
	return n;
}
static size_t u64_get(const unsigned char *p, uint64_t *v)
{
	uint64_t r = 0;
	size_t n = 0;
	unsigned shift = 0;
	for (;;) {
		unsigned char b = p[n++];
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
	}
	*v = r;
	return n;
}
static uint64_t zigzag(uint64_t stamp, uint64_t base)
{
	int64_t d = (int64_t)(stamp - base);
	return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
}
static uint64_t unzigzag(uint64_t z, uint64_t base)
{
	return base + ((z >> 1) ^ (0 - (z & 1)));
}

/* Hashes store a value per element; intset members have none (no length
 * byte either). */
#define PK_VALUES(o) ((o)->enc == KVS_OENC_LISTPACK)

/* Decode the element at byte offset pos; returns the offset after it. */
static size_t pk_decode(const struct kvs_tobj *o, size_t pos, struct kvs_elem *el)
{
	const unsigned char *p = o->p + pos;
	uint64_t z;
	p += kvs_varint_get(p, &el->nlen);
	el->name = (const char *)p;
	p += el->nlen;
	el->vlen = 0;
	if (PK_VALUES(o))
		p += kvs_varint_get(p, &el->vlen);
	el->val = (const char *)p;
	p += el->vlen;
	p += u64_get(p, &z);
	el->stamp = unzigzag(z, o->base);
	return (size_t)(p - o->p);
}

/* Offset just past the element at pos, without decoding its stamp. */
static size_t pk_skip(const struct kvs_tobj *o, size_t pos)
{
	const unsigned char *p = o->p + pos;
	size_t len;
	p += kvs_varint_get(p, &len);
	p += len;
	if (PK_VALUES(o)) {
		p += kvs_varint_get(p, &len);
		p += len;
	}
	while (*p++ & 0x80)
		;
	return (size_t)(p - o->p);
}

static size_t pk_find(const struct kvs_tobj *o, const char *f, size_t flen)
{
	if (!o->p)    /* empty (NULL + 0 would be undefined) */
		return KVS_TABLE_NONE;
	const unsigned char *p = o->p, *end = p + o->bytes;
	int vals = PK_VALUES(o);
	while (p < end) {
		size_t len;
		const unsigned char *at = p;
		p += kvs_varint_get(p, &len);
		if (len == flen && memcmp(p, f, flen) == 0)
			return (size_t)(at - o->p);
		p += len;
		if (vals) {
			p += kvs_varint_get(p, &len);
			p += len;
		}
		while (*p++ & 0x80)
			;
	}
	return KVS_TABLE_NONE;
}

/* Bytes allocated for the array: the allocator's size class. */
static size_t pk_cap(const struct kvs_tobj *o)
{
	if (!o->p)
		return 0;
#ifdef HAVE_MALLOC_USABLE_SIZE
	return malloc_usable_size(o->p);
#else
	return o->bytes;
#endif
}

/* Encoded size of an element. */
static size_t pk_size(const struct kvs_tobj *o, size_t flen, size_t vlen, uint64_t z)
{
	unsigned char tmp[10];
	return kvs_varint_len(flen) + flen + (PK_VALUES(o) ? kvs_varint_len(vlen) + vlen : 0) +
	       u64_put(tmp, z);
}

/* Replace bytes [pos, pos+old) of the array by the encoding of an element
 * (old = 0: insert at pos). */
static void pk_put(struct kvs_tobj *o, size_t pos, size_t old, const char *f, size_t flen,
		   const void *v, size_t vlen, uint64_t stamp)
{
	if (o->n == 0 && old == 0)
		o->base = stamp;
	uint64_t z = zigzag(stamp, o->base);
	size_t sz = pk_size(o, flen, vlen, z), bytes = o->bytes - old + sz;
	if (bytes > pk_cap(o))
		o->p = kvs_realloc(o->p, bytes);  /* jemalloc: in place within a size class */
	unsigned char *p = o->p + pos;
	if (sz != old)
		memmove(p + sz, p + old, o->bytes - pos - old);
	p += kvs_varint_put(p, flen);
	memcpy(p, f, flen);
	p += flen;
	if (PK_VALUES(o)) {
		p += kvs_varint_put(p, vlen);
		if (vlen)
			memcpy(p, v, vlen);
		p += vlen;
	}
	u64_put(p, z);
	o->bytes = (uint32_t)bytes;
	if (old == 0)
		o->n++;
}

/* Would o, after writing f = v (adding it if add), break the compact
 * limits of its encoding? */
static int pk_outgrows(const struct kvs_tobj *o, const char *f, size_t flen, size_t vlen, int add)
{
	long long ll;
	size_t n = o->n + (add != 0);
	if (n > KVS_COMPACT_HARD_MAX)
		return 1;
	if (o->enc == KVS_OENC_LISTPACK) {
		size_t maxlen = kvs_enc_limit(KVS_LIM_HASH_VALUE);
		if (maxlen > KVS_COMPACT_HARD_MAX)
			maxlen = KVS_COMPACT_HARD_MAX;
		return n > kvs_enc_limit(KVS_LIM_HASH_ENTRIES) || flen > maxlen || vlen > maxlen;
	}
	return n > kvs_enc_limit(KVS_LIM_SET_INTSET_ENTRIES) || vlen != 0 || !kvs_str2ll(f, flen, &ll);
}

static void table_add(struct kvs_table *t, const char *f, size_t flen, const void *v, size_t vlen,
		      uint64_t stamp)
{
	struct kvs_entry *e = kvs_entry_new_str(f, flen, v, vlen, 0);
	e->stamp = stamp;
	kvs_table_insert(t, kvs_table_hash(t, f, flen), e);
}

/* Convert a compact object to a table, for good. */
static void pk_to_table(struct kvs_tobj *o)
{
	struct kvs_tobj c = *o;
	o->t = kvs_malloc(sizeof *o->t);
	kvs_table_init(o->t, c.seed);
	kvs_table_reserve(o->t, c.n + 1);
	for (size_t pos = 0; pos < c.bytes;) {
		struct kvs_elem el;
		pos = pk_decode(&c, pos, &el);
		table_add(o->t, el.name, el.nlen, el.val, el.vlen, el.stamp);
	}
	free(c.p);
	o->enc = KVS_OENC_HASHTABLE;
}

/* ---- the object ------------------------------------------------------- */
struct kvs_tobj *kvs_tobj_new(uint64_t seed, enum kvs_oenc enc)
{
	struct kvs_tobj *o = kvs_calloc(1, sizeof *o);
	o->enc = (uint8_t)enc;
	if (enc == KVS_OENC_HASHTABLE) {
		o->t = kvs_malloc(sizeof *o->t);
		kvs_table_init(o->t, seed);
	} else {
		o->seed = seed;
	}
	return o;
}

void kvs_tobj_free(void *obj)
{
	struct kvs_tobj *o = obj;
	if (!o)
		return;
	if (kvs_tobj_compact(o)) {
		free(o->p);
	} else {
		kvs_table_destroy(o->t);
		free(o->t);
	}
	free(o);
}

void *kvs_tobj_dup(const void *obj)
{
	const struct kvs_tobj *o = obj;
	if (kvs_tobj_compact(o)) {
		struct kvs_tobj *n = kvs_malloc(sizeof *n);
		*n = *o;
		n->p = NULL;
		if (o->bytes) {
			n->p = kvs_malloc(o->bytes);
			memcpy(n->p, o->p, o->bytes);
		}
		return n;
	}
	struct kvs_tobj *n = kvs_tobj_new(o->t->seed, KVS_OENC_HASHTABLE);
	kvs_table_reserve(n->t, o->t->used);
	for (size_t i = kvs_table_next(o->t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(o->t, i + 1)) {
		const struct kvs_entry *e = kvs_table_at(o->t, i);
		size_t klen;
		const char *k = kvs_entry_key(e, &klen);
		/* rekey with the same name copies the value and the stamp */
		kvs_table_insert(n->t, kvs_table_hash(n->t, k, klen), kvs_entry_rekey(e, k, klen, 0));
	}
	return n;
}

size_t kvs_tobj_mem(const void *obj)
{
	const struct kvs_tobj *o = obj;
	size_t n = sizeof *o;
#ifdef HAVE_MALLOC_USABLE_SIZE
	n = malloc_usable_size((void *)o);
	if (kvs_tobj_compact(o))
		return n + (o->p ? malloc_usable_size(o->p) : 0);
	n += malloc_usable_size(o->t);
	if (o->t->mem)
		n += malloc_usable_size(o->t->mem);
#else
	if (kvs_tobj_compact(o))
		return n + o->bytes;
	n += sizeof *o->t + kvs_table_mem(o->t);
#endif
	for (size_t i = kvs_table_next(o->t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(o->t, i + 1))
		n += kvs_entry_mem(kvs_table_at(o->t, i));
	return n;
}

const char *kvs_tobj_encoding(const void *obj)
{
	switch (((const struct kvs_tobj *)obj)->enc) {
	case KVS_OENC_LISTPACK: return "listpack";
	case KVS_OENC_INTSET: return "intset";
	default: return "hashtable";
	}
}

size_t kvs_tobj_first(const struct kvs_tobj *o)
{
	if (kvs_tobj_compact(o))
		return o->n ? 0 : KVS_TABLE_NONE;
	return kvs_table_next(o->t, 0);
}

size_t kvs_tobj_next(const struct kvs_tobj *o, size_t pos)
{
	if (kvs_tobj_compact(o)) {
		pos = pk_skip(o, pos);
		return pos < o->bytes ? pos : KVS_TABLE_NONE;
	}
	return kvs_table_next(o->t, pos + 1);
}

void kvs_tobj_at(const struct kvs_tobj *o, size_t pos, struct kvs_elem *el)
{
	if (kvs_tobj_compact(o)) {
		pk_decode(o, pos, el);
		return;
	}
	const struct kvs_entry *e = kvs_table_at(o->t, pos);
	el->name = kvs_entry_key(e, &el->nlen);
	el->val = kvs_entry_str(e, &el->vlen);
	el->stamp = e->stamp;
}

void kvs_tobj_foreach(const void *obj, kvs_elem_fn *fn, void *arg)
{
	const struct kvs_tobj *o = obj;
	for (size_t i = kvs_tobj_first(o); i != KVS_TABLE_NONE; i = kvs_tobj_next(o, i)) {
		struct kvs_elem el;
		kvs_tobj_at(o, i, &el);
		fn(arg, el.name, el.nlen, 0);
	}
}

int kvs_tobj_field_get(const void *obj, const char *f, size_t flen, kvs_elem_fn *fn, void *arg)
{
	struct kvs_elem el;
	if (!kvs_tobj_get(obj, f, flen, &el, NULL))
		return 0;
	fn(arg, el.val, el.vlen, 0);
	return 1;
}

/*   enc u8 | n varint | n x (stamp u64 | flen varint | f | vlen varint | v)
 * Set members are written with an empty value, like they are stored. The
 * same bytes whichever form the object has in memory. */
size_t kvs_tobj_save(const void *obj, struct kvs_buf *out)
{
	const struct kvs_tobj *o = obj;
	size_t start = out->len;
	kvs_buf_putc(out, (char)o->enc);
	kvs_snap_put_varint(out, kvs_tobj_len(o));
	for (size_t i = kvs_tobj_first(o); i != KVS_TABLE_NONE; i = kvs_tobj_next(o, i)) {
		struct kvs_elem el;
		kvs_tobj_at(o, i, &el);
		kvs_snap_put_u64(out, el.stamp);
		kvs_snap_put_varint(out, el.nlen);
		kvs_buf_append(out, el.name, el.nlen);
		kvs_snap_put_varint(out, el.vlen);
		kvs_buf_append(out, el.val, el.vlen);
	}
	return out->len - start;
}

void *kvs_tobj_load(const unsigned char *p, size_t len, uint64_t seed)
{
	struct kvs_snap_in in = { p, p + len, 0 };
	const unsigned char *enc = kvs_snap_get_bytes(&in, 1);
	uint64_t n = kvs_snap_get_varint(&in);
	/* Each element takes at least 10 bytes: a count beyond that is a lie
	 * that must not size an allocation. */
	if (in.bad || *enc > KVS_OENC_INTSET || n == 0 || n > len / 10)
		return NULL;
	struct kvs_tobj *o = kvs_tobj_new(seed, (enum kvs_oenc)*enc);
	if (!kvs_tobj_compact(o))
		kvs_table_reserve(o->t, (size_t)n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t stamp = kvs_snap_get_u64(&in);
		uint64_t flen = kvs_snap_get_varint(&in);
		const char *f = (const char *)kvs_snap_get_bytes(&in, flen);
		uint64_t vlen = kvs_snap_get_varint(&in);
		const char *v = (const char *)kvs_snap_get_bytes(&in, vlen);
		if (in.bad || kvs_tobj_get(o, f, (size_t)flen, NULL, NULL)) {
			kvs_tobj_free(o);
			return NULL;
		}
		/* An image written under other limits converts like a write. */
		kvs_tobj_add_new(o, f, (size_t)flen, v, (size_t)vlen, stamp);
	}
	if (in.p != in.end) {
		kvs_tobj_free(o);
		return NULL;
	}
	return o;
}

int kvs_tobj_get(const struct kvs_tobj *o, const char *f, size_t flen, struct kvs_elem *el, size_t *pos)
{
	size_t i = kvs_tobj_compact(o) ? pk_find(o, f, flen)
				       : kvs_table_find(o->t, f, flen, kvs_table_hash(o->t, f, flen));
	if (i == KVS_TABLE_NONE)
		return 0;
	if (pos)
		*pos = i;
	if (el)
		kvs_tobj_at(o, i, el);
	return 1;
}

void kvs_tobj_add_new(struct kvs_tobj *o, const char *f, size_t flen, const void *v, size_t vlen,
		      uint64_t stamp)
{
	if (kvs_tobj_compact(o) && pk_outgrows(o, f, flen, vlen, 1))
		pk_to_table(o);
	if (kvs_tobj_compact(o))
		pk_put(o, o->bytes, 0, f, flen, v, vlen, stamp);
	else
		table_add(o->t, f, flen, v, vlen, stamp);
}

int kvs_tobj_set(struct kvs_tobj *o, const char *f, size_t flen, const void *v, size_t vlen,
		 uint64_t stamp)
{
	size_t pos;
	if (!kvs_tobj_get(o, f, flen, NULL, &pos)) {
		kvs_tobj_add_new(o, f, flen, v, vlen, stamp);
		return 1;
	}
	if (kvs_tobj_compact(o) && pk_outgrows(o, f, flen, vlen, 0)) {
		pk_to_table(o);
		kvs_tobj_get(o, f, flen, NULL, &pos);
	}
	if (kvs_tobj_compact(o)) {
		pk_put(o, pos, pk_skip(o, pos) - pos, f, flen, v, vlen, stamp);
		return 0;
	}
	struct kvs_entry *e = kvs_table_at(o->t, pos);
	size_t old;
	kvs_entry_str(e, &old);
	if (old != vlen)
		e = kvs_entry_resize_str(e, vlen);  /* realloc, often in place */
	if (vlen)
		memcpy((char *)kvs_entry_str(e, &old), v, vlen);
	kvs_table_replace(o->t, pos, e);
	e->stamp = stamp;
	return 0;
}

void kvs_tobj_del_at(struct kvs_tobj *o, size_t pos)
{
	if (kvs_tobj_compact(o)) {
		size_t end = pk_skip(o, pos);
		memmove(o->p + pos, o->p + end, o->bytes - end);
		o->bytes -= (uint32_t)(end - pos);
		o->n--;
		return;
	}
	struct kvs_entry *e = kvs_table_at(o->t, pos);
	kvs_table_remove_at(o->t, pos);
	kvs_entry_free(e);
}

int kvs_tobj_del(struct kvs_tobj *o, const char *f, size_t flen)
{
	size_t pos;
	if (!kvs_tobj_get(o, f, flen, NULL, &pos))
		return 0;
	kvs_tobj_del_at(o, pos);
	return 1;
}

void kvs_tobj_trim(struct kvs_tobj *o)
{
	if (!kvs_tobj_compact(o)) {
		kvs_table_maybe_shrink(o->t);
	} else if (o->bytes == 0) {
		free(o->p);
		o->p = NULL;
	} else if (pk_cap(o) > 64 && o->bytes < pk_cap(o) / 2) {
		o->p = kvs_realloc(o->p, o->bytes);
	}
}

const char *kvs_tobj_check(const struct kvs_tobj *o)
{
	if (!kvs_tobj_compact(o))
		return NULL;
	size_t n = 0, pos = 0;
	if (o->bytes > pk_cap(o) || (o->bytes && !o->p))
		return "bytes beyond the allocation";
	while (pos < o->bytes) {
		struct kvs_elem el;
		pos = pk_decode(o, pos, &el);
		if (pos > o->bytes)
			return "an element runs past the end";
		if (pk_find(o, el.name, el.nlen) != (size_t)(el.name - (const char *)o->p) - kvs_varint_len(el.nlen))
			return "a duplicate name";
		if (o->enc == KVS_OENC_LISTPACK && (el.nlen > KVS_COMPACT_HARD_MAX ||
						    el.vlen > KVS_COMPACT_HARD_MAX))
			return "a listpack element over the size limit";
		long long ll;
		if (o->enc == KVS_OENC_INTSET && (el.vlen || !kvs_str2ll(el.name, el.nlen, &ll)))
			return "an intset member that is not an integer";
		n++;
	}
	if (n != o->n)
		return "element count differs from the walk";
	if (n > KVS_COMPACT_HARD_MAX)
		return "more elements than a compact object holds";
	return NULL;
}

/* ---- random elements -------------------------------------------------- */
size_t *kvs_tobj_positions(const struct kvs_tobj *o)
{
	size_t n = 0, *all = kvs_malloc((kvs_tobj_len(o) + 1) * sizeof *all);
	for (size_t i = kvs_tobj_first(o); i != KVS_TABLE_NONE; i = kvs_tobj_next(o, i))
		all[n++] = i;
	return all;
}

size_t kvs_tobj_random_slot(const struct kvs_tobj *o, const struct kvs_env *env)
{
	if (kvs_tobj_compact(o)) {
		size_t k = (size_t)(kvs_env_random(env) % o->n), pos = 0;
		while (k--)
			pos = pk_skip(o, pos);
		return pos;
	}
	/* Probing random slots until a live one is uniform; a table is at
	 * least 1/8 full (it shrinks below that), so 64 tries almost never
	 * all miss. The fallback (next live slot after a random one) is
	 * biased towards slots after empty runs, but still correct. */
	for (int i = 0; i < 64; i++) {
		size_t s = (size_t)(kvs_env_random(env) % kvs_table_slots(o->t));
		if (kvs_table_next(o->t, s) == s)
			return s;
	}
	return kvs_table_random(o->t, kvs_env_random(env));
}

size_t *kvs_tobj_draw_index(const struct kvs_tobj *o)
{
	return kvs_tobj_compact(o) ? kvs_tobj_positions(o) : NULL;
}

size_t kvs_tobj_draw(const struct kvs_tobj *o, const struct kvs_env *env, const size_t *idx)
{
	return idx ? idx[kvs_env_random(env) % o->n] : kvs_tobj_random_slot(o, env);
}

/* Draw count distinct slots by rejection (count is small next to size):
 * expected draws stay below 1.5 * count while count <= size / 3. The drawn
 * slots are remembered in a small open-addressing set. */
static void sample_sparse(const struct kvs_tobj *o, const struct kvs_env *env, size_t count, size_t *out)
{
	size_t cap = 16, n = 0;
	while (cap < count * 2)
		cap *= 2;
	size_t *seen = kvs_malloc(cap * sizeof *seen);
	memset(seen, 0xff, cap * sizeof *seen);  /* KVS_TABLE_NONE = free */
	while (n < count) {
		size_t s = kvs_tobj_random_slot(o, env);
		size_t h = (s * 0x9e3779b97f4a7c15ull) >> 7 & (cap - 1);
		while (seen[h] != KVS_TABLE_NONE && seen[h] != s)
			h = (h + 1) & (cap - 1);
		if (seen[h] == s)
			continue;
		seen[h] = s;
		out[n++] = s;
	}
	free(seen);
}

/* Partial Fisher-Yates over all live positions (count is a large part of
 * size, or the object is compact and small). */
static void sample_dense(const struct kvs_tobj *o, const struct kvs_env *env, size_t count, size_t *out)
{
	size_t size = kvs_tobj_len(o);
	size_t *all = kvs_tobj_positions(o);
	for (size_t i = 0; i < count; i++) {
		size_t j = i + (size_t)(kvs_env_random(env) % (size - i));
		size_t t = all[i];
		all[i] = all[j];
		all[j] = t;
		out[i] = all[i];
	}
	free(all);
}

void kvs_tobj_sample(const struct kvs_tobj *o, const struct kvs_env *env, size_t count, size_t *out)
{
	if (!kvs_tobj_compact(o) && count * 3 <= o->t->used)
		sample_sparse(o, env, count, out);
	else
		sample_dense(o, env, count, out);
}

/* ---- command helpers --------------------------------------------------- */
struct kvs_entry *kvs_tobj_lookup(struct kvs_client *c, int argi, enum kvs_type type, int read,
				  struct kvs_key *k, size_t *slot, int *err)
{
	struct kvs_entry *e;
	*err = 0;
	*slot = KVS_TABLE_NONE;
	arg_key(c, argi, k);
	e = ks_find(&c->eng->ks, c->db, k, c->now, slot);
	if (read && c->stats) {
		if (e)
			c->stats->keyspace_hits++;
		else
			c->stats->keyspace_misses++;
	}
	if (!e) {
		*slot = KVS_TABLE_NONE;
		return NULL;
	}
	if (e->type != type) {
		reply_wrongtype(c);
		*err = 1;
		return NULL;
	}
	return e;
}

uint64_t kvs_tobj_tick(struct kvs_client *c, const struct kvs_key *k)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	return kvs_hlc_tick(&ks->shard[k->shard].hlc, c->now, ks->node_id);
}

void kvs_tobj_written(struct kvs_client *c, const struct kvs_key *k, size_t slot, struct kvs_entry *e)
{
	struct kvs_tobj *o = kvs_tobj_of(e);
	if (kvs_tobj_len(o) == 0) {
		ks_delete_at(&c->eng->ks, c->db, k, slot, KVS_CHG_DELETE, c->now);
		return;
	}
	kvs_tobj_trim(o);
	ks_written(&c->eng->ks, c->db, k, slot, e, c->now);
}

void kvs_tobj_store(struct kvs_client *c, const struct kvs_key *k, size_t slot, enum kvs_type type,
		    struct kvs_tobj *o)
{
	struct kvs_entry *e = kvs_entry_new_obj(k->p, k->len, type, o, 0);
	ks_put(&c->eng->ks, c->db, k, slot, e, c->now);
}

void kvs_reply_name_at(struct kvs_client *c, const struct kvs_tobj *o, size_t pos)
{
	struct kvs_elem el;
	kvs_tobj_at(o, pos, &el);
	reply_bulk(c, el.name, el.nlen);
}

void kvs_reply_value_at(struct kvs_client *c, const struct kvs_tobj *o, size_t pos)
{
	struct kvs_elem el;
	kvs_tobj_at(o, pos, &el);
	reply_bulk(c, el.val, el.vlen);
}

/* ---- HSCAN / SSCAN ----------------------------------------------------- */
int kvs_parse_cursor(const char *s, size_t len, uint64_t *out)
{
	/* strtoul() stops at a NUL and takes "" as 0. */
	const char *nul = memchr(s, '\0', len);
	size_t n = nul ? (size_t)(nul - s) : len, i = 0, first;
	uint64_t v = 0;
	int neg = 0;
	if (n > 0 && isspace((unsigned char)s[0]))
		return 0;
	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	for (first = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (n > 0 && (i == first || i != n))
		return 0;
	*out = neg ? 0 - v : v;
	return 1;
}

struct scan_state {
	struct kvs_elem *v;
	size_t n, cap;
	const char *pat;
	size_t plen;
};

static void scan_push(struct scan_state *st, const struct kvs_elem *el)
{
	if (st->pat && !kvs_glob(st->pat, st->plen, el->name, el->nlen, 0))
		return;
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 16;
		st->v = kvs_realloc(st->v, st->cap * sizeof *st->v);
	}
	st->v[st->n++] = *el;
}

static void scan_collect(void *arg, struct kvs_entry *e)
{
	struct kvs_elem el;
	el.name = kvs_entry_key(e, &el.nlen);
	el.val = kvs_entry_str(e, &el.vlen);
	scan_push(arg, &el);
}

/* Parse [MATCH pattern] [COUNT count] from argv[3..]. Replies and returns
 * -1 on error. */
static int scan_options(struct kvs_client *c, struct scan_state *st, long long *count)
{
	for (int i = 3; i < c->argc; i += 2) {
		int more = c->argc - i >= 2;
		if (more && arg_is(c, i, "count")) {
			if (arg_ll(c, i + 1, count, NULL) < 0)
				return -1;
			if (*count < 1) {
				reply_syntax(c);
				return -1;
			}
		} else if (more && arg_is(c, i, "match")) {
			st->pat = c->argv[i + 1].p;
			st->plen = c->argv[i + 1].len;
			if (st->plen == 1 && st->pat[0] == '*')
				st->pat = NULL;
		} else {
			reply_syntax(c);
			return -1;
		}
	}
	return 0;
}

void kvs_tobj_scan_cmd(struct kvs_client *c, enum kvs_type type, int with_values)
{
	struct scan_state st = { 0 };
	struct kvs_key k;
	size_t slot;
	uint64_t cursor;
	long long count = 10;
	int err;
	if (!kvs_parse_cursor(c->argv[2].p, c->argv[2].len, &cursor)) {
		reply_error(c, "ERR invalid cursor");
		return;
	}
	struct kvs_entry *e = kvs_tobj_lookup(c, 1, type, 1, &k, &slot, &err);
	if (err)
		return;
	if (!e) {
		reply_array(c, 2);
		reply_bulk(c, "0", 1);
		reply_array(c, 0);
		return;
	}
	if (scan_options(c, &st, &count) < 0)
		return;
	const struct kvs_tobj *o = kvs_tobj_of(e);
	if (kvs_tobj_compact(o)) {
		/* Redis returns a compact object whole, whatever the cursor. */
		for (size_t i = kvs_tobj_first(o); i != KVS_TABLE_NONE; i = kvs_tobj_next(o, i)) {
			struct kvs_elem el;
			kvs_tobj_at(o, i, &el);
			scan_push(&st, &el);
		}
		cursor = 0;
	} else {
		kvs_table_scan(o->t, &cursor, (size_t)count, scan_collect, &st);
	}
	char buf[24];
	int n = kvs_ull2str(buf, cursor);
	reply_array(c, 2);
	reply_bulk(c, buf, (size_t)n);
	reply_array(c, (long long)(with_values ? st.n * 2 : st.n));
	for (size_t i = 0; i < st.n; i++) {
		reply_bulk(c, st.v[i].name, st.v[i].nlen);
		if (with_values)
			reply_bulk(c, st.v[i].val, st.v[i].vlen);
	}
	free(st.v);
}

/* HDEL and SREM: remove the named fields/members, count what was there. */
void kvs_tobj_del_cmd(struct kvs_client *c, enum kvs_type type)
{
	struct kvs_key k;
	size_t slot;
	int err, n = 0;
	struct kvs_entry *e = kvs_tobj_lookup(c, 1, type, 0, &k, &slot, &err);
	if (err)
		return;
	if (e) {
		struct kvs_tobj *o = kvs_tobj_of(e);
		for (int i = 2; i < c->argc; i++)
			n += kvs_tobj_del(o, c->argv[i].p, c->argv[i].len);
		if (n)
			kvs_tobj_written(c, &k, slot, e);
	}
	reply_int(c, n);
}
