#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "util.h"

#if defined(HAVE_MALLOC_USABLE_SIZE) && defined(HAVE_MALLOC_NP_H)
#include <malloc_np.h> /* FreeBSD */
#elif defined(HAVE_MALLOC_USABLE_SIZE) && defined(HAVE_MALLOC_H)
#include <malloc.h>
#endif

struct kvs_type_ops kvs_type_ops[KVS_T__COUNT] = {
	[KVS_T_STRING] = { .name = "string" },
	[KVS_T_LIST]   = { .name = "list" },
	[KVS_T_SET]    = { .name = "set" },
	[KVS_T_ZSET]   = { .name = "zset" },
	[KVS_T_HASH]   = { .name = "hash" },
};

/* Allocate an entry with room for the header, an optional expire, the key
 * and `valbytes` bytes of value part; write everything but the value part.
 * Returns the entry and sets *valp to where the value part goes. */
_Static_assert(offsetof(struct kvs_entry, data) == 11, "entry header must stay 11 bytes");

static size_t expire_bytes_for(uint64_t when) { return !when ? 0 : (when >> 48) ? 8 : 6; }

/* Store when (non-zero) at p in n bytes, little-endian. */
static void put_expire(unsigned char *p, uint64_t when, size_t n)
{
	for (size_t i = 0; i < n; i++, when >>= 8)
		p[i] = (unsigned char)when;
}

static uint8_t expire_flags(uint64_t when)
{
	return !when ? 0 : (uint8_t)(KVS_EF_EXPIRE | ((when >> 48) ? KVS_EF_EXPIRE8 : 0));
}

static struct kvs_entry *alloc_entry(const char *key, size_t klen, size_t valbytes,
				     uint64_t expire, unsigned char **valp)
{
	size_t eb = expire_bytes_for(expire);
	size_t n = KVS_ENTRY_HDR + eb + kvs_varint_len(klen) + klen + valbytes;
	struct kvs_entry *e = kvs_malloc(n);
	unsigned char *p = e->data;
	e->stamp = 0;
	e->type = KVS_T_STRING;
	e->enc = KVS_E_RAW;
	e->flags = 0;
	e->lru = 0;
	if (expire) {
		e->flags |= expire_flags(expire);
		put_expire(p, expire, eb);
		p += eb;
	}
	p += kvs_varint_put(p, klen);
	memcpy(p, key, klen);
	*valp = p + klen;
	return e;
}

struct kvs_entry *kvs_entry_new_str_uninit(const char *key, size_t klen, size_t vlen, uint64_t expire)
{
	unsigned char *v;
	struct kvs_entry *e = alloc_entry(key, klen, kvs_varint_len(vlen) + vlen, expire, &v);
	kvs_varint_put(v, vlen);
	return e;
}

struct kvs_entry *kvs_entry_new_str(const char *key, size_t klen, const void *val, size_t vlen,
				    uint64_t expire)
{
	unsigned char *v;
	struct kvs_entry *e = alloc_entry(key, klen, kvs_varint_len(vlen) + vlen, expire, &v);
	v += kvs_varint_put(v, vlen);
	if (vlen)
		memcpy(v, val, vlen);
	return e;
}

struct kvs_entry *kvs_entry_new_obj(const char *key, size_t klen, enum kvs_type type, void *obj,
				    uint64_t expire)
{
	unsigned char *v;
	struct kvs_entry *e = alloc_entry(key, klen, sizeof obj, expire, &v);
	e->type = (uint8_t)type;
	e->enc = KVS_E_PTR;
	memcpy(v, &obj, sizeof obj);
	return e;
}

/* Bytes of the value part (after the key). */
static size_t value_part_len(const struct kvs_entry *e)
{
	if (e->enc == KVS_E_PTR)
		return sizeof(void *);
	size_t vlen;
	const unsigned char *p = kvs_entry_valp(e);
	return kvs_varint_get(p, &vlen) + vlen;
}

struct kvs_entry *kvs_entry_rekey(const struct kvs_entry *e, const char *key, size_t klen, int dup_obj)
{
	unsigned char *v;
	size_t vb = value_part_len(e);
	void *obj = NULL;
	if (e->enc == KVS_E_PTR && dup_obj) {
		if (!kvs_type_ops[e->type].dup_obj)
			return NULL;
		obj = kvs_type_ops[e->type].dup_obj(kvs_entry_obj(e));
	}
	struct kvs_entry *n = alloc_entry(key, klen, vb, kvs_entry_expire(e), &v);
	n->stamp = e->stamp;
	n->type = e->type;
	n->enc = e->enc;
	n->lru = e->lru;
	memcpy(v, kvs_entry_valp(e), vb);
	if (obj)
		memcpy(v, &obj, sizeof obj);
	return n;
}

struct kvs_entry *kvs_entry_set_expire(struct kvs_entry *e, uint64_t when)
{
	size_t klen;
	size_t ob = kvs_entry_expire_bytes(e), nb = expire_bytes_for(when);
	uint8_t keep = (uint8_t)(e->flags & ~(KVS_EF_EXPIRE | KVS_EF_EXPIRE8));
	if (ob == nb) {
		put_expire(e->data, when, nb);
		e->flags = (uint8_t)(keep | expire_flags(when));
		return e;
	}
	kvs_entry_key(e, &klen);
	size_t tail = kvs_varint_len(klen) + klen + value_part_len(e);
	if (nb > ob) {
		e = kvs_realloc(e, KVS_ENTRY_HDR + nb + tail);
		memmove(e->data + nb, e->data + ob, tail);
	} else {
		memmove(e->data + nb, e->data + ob, tail);
		e = kvs_realloc(e, KVS_ENTRY_HDR + nb + tail);
	}
	put_expire(e->data, when, nb);
	e->flags = (uint8_t)(keep | expire_flags(when));
	return e;
}

struct kvs_entry *kvs_entry_resize_str(struct kvs_entry *e, size_t vlen)
{
	size_t old, klen;
	unsigned char *v = kvs_entry_valp(e);
	size_t ohdr = kvs_varint_get(v, &old), nhdr = kvs_varint_len(vlen);
	size_t before = (size_t)(v - (unsigned char *)e);
	size_t keep = old < vlen ? old : vlen;
	(void)klen;
	if (nhdr > ohdr) {
		e = kvs_realloc(e, before + nhdr + vlen);
		v = (unsigned char *)e + before;
		memmove(v + nhdr, v + ohdr, keep);
	} else if (nhdr < ohdr) {
		memmove(v + nhdr, v + ohdr, keep);
		e = kvs_realloc(e, before + nhdr + vlen);
		v = (unsigned char *)e + before;
	} else {
		e = kvs_realloc(e, before + nhdr + vlen);
		v = (unsigned char *)e + before;
	}
	kvs_varint_put(v, vlen);
	if (vlen > keep)
		memset(v + nhdr + keep, 0, vlen - keep);
	return e;
}

void kvs_entry_free(struct kvs_entry *e)
{
	if (!e)
		return;
	if (e->enc == KVS_E_PTR) {
		void *o = kvs_entry_obj(e);
		if (kvs_type_ops[e->type].free_obj)
			kvs_type_ops[e->type].free_obj(o);
		else
			free(o);
	}
	free(e);
}

size_t kvs_entry_mem(const struct kvs_entry *e)
{
	size_t klen;
	kvs_entry_key(e, &klen);
	size_t n = KVS_ENTRY_HDR + kvs_entry_expire_bytes(e) + kvs_varint_len(klen) + klen +
		   value_part_len(e);
#ifdef HAVE_MALLOC_USABLE_SIZE
	n = malloc_usable_size((void *)e);
#endif
	if (e->enc == KVS_E_PTR && kvs_type_ops[e->type].mem_obj)
		n += kvs_type_ops[e->type].mem_obj(kvs_entry_obj(e));
	return n;
}
