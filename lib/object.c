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

/* ---- the object ------------------------------------------------------- */
struct kvs_tobj *kvs_tobj_new(uint64_t seed, enum kvs_oenc enc)
{
	struct kvs_tobj *o = kvs_malloc(sizeof *o);
	kvs_table_init(&o->t, seed);
	o->enc = (uint8_t)enc;
	return o;
}

void kvs_tobj_free(void *obj)
{
	struct kvs_tobj *o = obj;
	if (!o)
		return;
	kvs_table_destroy(&o->t);
	free(o);
}

void *kvs_tobj_dup(const void *obj)
{
	const struct kvs_tobj *o = obj;
	struct kvs_tobj *n = kvs_tobj_new(o->t.seed, (enum kvs_oenc)o->enc);
	for (size_t i = kvs_table_next(&o->t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(&o->t, i + 1)) {
		const struct kvs_entry *e = kvs_table_at(&o->t, i);
		size_t klen;
		const char *k = kvs_entry_key(e, &klen);
		/* rekey with the same name copies the value and the stamp */
		kvs_table_insert(&n->t, kvs_table_hash(&n->t, k, klen), kvs_entry_rekey(e, k, klen, 0));
	}
	return n;
}

size_t kvs_tobj_mem(const void *obj)
{
	const struct kvs_tobj *o = obj;
	size_t n = sizeof *o;
#ifdef HAVE_MALLOC_USABLE_SIZE
	n = malloc_usable_size((void *)o);
	if (o->t.mem)
		n += malloc_usable_size(o->t.mem);
#else
	n += kvs_table_mem(&o->t);
#endif
	for (size_t i = kvs_table_next(&o->t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(&o->t, i + 1))
		n += kvs_entry_mem(kvs_table_at(&o->t, i));
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

void kvs_tobj_foreach(const void *obj, kvs_elem_fn *fn, void *arg)
{
	const struct kvs_table *t = &((const struct kvs_tobj *)obj)->t;
	for (size_t i = kvs_table_next(t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(t, i + 1)) {
		size_t len;
		const char *p = kvs_entry_key(kvs_table_at(t, i), &len);
		fn(arg, p, len, 0);
	}
}

int kvs_tobj_field_get(const void *obj, const char *f, size_t flen, kvs_elem_fn *fn, void *arg)
{
	size_t len;
	const struct kvs_entry *e = kvs_tobj_get(obj, f, flen, NULL);
	if (!e)
		return 0;
	const char *v = kvs_entry_str(e, &len);
	fn(arg, v, len, 0);
	return 1;
}

/*   enc u8 | n varint | n x (stamp u64 | flen varint | f | vlen varint | v)
 * Set members are written with an empty value, like they are stored. */
size_t kvs_tobj_save(const void *obj, struct kvs_buf *out)
{
	const struct kvs_tobj *o = obj;
	size_t start = out->len;
	kvs_buf_putc(out, (char)o->enc);
	kvs_snap_put_varint(out, o->t.used);
	for (size_t i = kvs_table_next(&o->t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(&o->t, i + 1)) {
		const struct kvs_entry *e = kvs_table_at(&o->t, i);
		size_t flen, vlen;
		const char *f = kvs_entry_key(e, &flen), *v = kvs_entry_str(e, &vlen);
		kvs_snap_put_u64(out, e->stamp);
		kvs_snap_put_varint(out, flen);
		kvs_buf_append(out, f, flen);
		kvs_snap_put_varint(out, vlen);
		kvs_buf_append(out, v, vlen);
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
	kvs_table_reserve(&o->t, (size_t)n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t stamp = kvs_snap_get_u64(&in);
		uint64_t flen = kvs_snap_get_varint(&in);
		const char *f = (const char *)kvs_snap_get_bytes(&in, flen);
		uint64_t vlen = kvs_snap_get_varint(&in);
		const char *v = (const char *)kvs_snap_get_bytes(&in, vlen);
		uint64_t h = in.bad ? 0 : kvs_table_hash(&o->t, f, (size_t)flen);
		if (in.bad || kvs_table_find(&o->t, f, (size_t)flen, h) != KVS_TABLE_NONE) {
			kvs_tobj_free(o);
			return NULL;
		}
		struct kvs_entry *e = kvs_entry_new_str(f, (size_t)flen, v, (size_t)vlen, 0);
		e->stamp = stamp;
		kvs_table_insert(&o->t, h, e);
	}
	if (in.p != in.end) {
		kvs_tobj_free(o);
		return NULL;
	}
	return o;
}

struct kvs_entry *kvs_tobj_get(const struct kvs_tobj *o, const char *f, size_t flen, size_t *slot)
{
	size_t i = kvs_table_find(&o->t, f, flen, kvs_table_hash(&o->t, f, flen));
	if (i == KVS_TABLE_NONE)
		return NULL;
	if (slot)
		*slot = i;
	return kvs_table_at(&o->t, i);
}

/* The one-way conversion rules Redis 7.0 applies on every write (see
 * object.h); o already holds the element just written. */
static void update_encoding(struct kvs_tobj *o, const char *f, size_t flen, size_t vlen)
{
	long long ll;
	if (o->enc == KVS_OENC_LISTPACK) {
		if (o->t.used > KVS_HASH_MAX_LISTPACK_ENTRIES || flen > KVS_HASH_MAX_LISTPACK_VALUE ||
		    vlen > KVS_HASH_MAX_LISTPACK_VALUE)
			o->enc = KVS_OENC_HASHTABLE;
	} else if (o->enc == KVS_OENC_INTSET) {
		if (o->t.used > KVS_SET_MAX_INTSET_ENTRIES || !kvs_str2ll(f, flen, &ll))
			o->enc = KVS_OENC_HASHTABLE;
	}
}

int kvs_tobj_set(struct kvs_tobj *o, const char *f, size_t flen, const void *v, size_t vlen,
		 uint64_t stamp)
{
	size_t slot;
	struct kvs_entry *e = kvs_tobj_get(o, f, flen, &slot);
	int added = e == NULL;
	if (added) {
		e = kvs_entry_new_str(f, flen, v, vlen, 0);
		kvs_table_insert(&o->t, kvs_table_hash(&o->t, f, flen), e);
	} else {
		size_t old;
		kvs_entry_str(e, &old);
		if (old != vlen)
			e = kvs_entry_resize_str(e, vlen);  /* realloc, often in place */
		if (vlen)
			memcpy((char *)kvs_entry_str(e, &old), v, vlen);
		kvs_table_replace(&o->t, slot, e);
	}
	e->stamp = stamp;
	update_encoding(o, f, flen, vlen);
	return added;
}

void kvs_tobj_add_copy(struct kvs_tobj *o, const struct kvs_entry *e, uint64_t stamp)
{
	size_t flen, vlen;
	const char *f = kvs_entry_key(e, &flen);
	const char *v = kvs_entry_str(e, &vlen);
	struct kvs_entry *n = kvs_entry_new_str(f, flen, v, vlen, 0);
	n->stamp = stamp;
	kvs_table_insert(&o->t, kvs_table_hash(&o->t, f, flen), n);
	update_encoding(o, f, flen, vlen);
}

void kvs_tobj_del_at(struct kvs_tobj *o, size_t slot)
{
	struct kvs_entry *e = kvs_table_at(&o->t, slot);
	kvs_table_remove_at(&o->t, slot);
	kvs_entry_free(e);
}

int kvs_tobj_del(struct kvs_tobj *o, const char *f, size_t flen)
{
	size_t slot;
	if (!kvs_tobj_get(o, f, flen, &slot))
		return 0;
	kvs_tobj_del_at(o, slot);
	return 1;
}

void kvs_tobj_trim(struct kvs_tobj *o) { kvs_table_maybe_shrink(&o->t); }

/* ---- random elements -------------------------------------------------- */
size_t kvs_tobj_random_slot(const struct kvs_tobj *o, const struct kvs_env *env)
{
	/* Probing random slots until a live one is uniform; a table is at
	 * least 1/8 full (it shrinks below that), so 64 tries almost never
	 * all miss. The fallback (next live slot after a random one) is
	 * biased towards slots after empty runs, but still correct. */
	for (int i = 0; i < 64; i++) {
		size_t s = (size_t)(kvs_env_random(env) % kvs_table_slots(&o->t));
		if (kvs_table_next(&o->t, s) == s)
			return s;
	}
	return kvs_table_random(&o->t, kvs_env_random(env));
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

/* Partial Fisher-Yates over all live slots (count is a large part of size). */
static void sample_dense(const struct kvs_tobj *o, const struct kvs_env *env, size_t count, size_t *out)
{
	size_t size = o->t.used, n = 0;
	size_t *all = kvs_malloc(size * sizeof *all);
	for (size_t i = kvs_table_next(&o->t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(&o->t, i + 1))
		all[n++] = i;
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
	if (count * 3 <= o->t.used)
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

void kvs_reply_elem_name(struct kvs_client *c, const struct kvs_entry *e)
{
	size_t n;
	const char *p = kvs_entry_key(e, &n);
	reply_bulk(c, p, n);
}

void kvs_reply_elem_value(struct kvs_client *c, const struct kvs_entry *e)
{
	size_t n;
	const char *p = kvs_entry_str(e, &n);
	reply_bulk(c, p, n);
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
	struct kvs_entry **v;
	size_t n, cap;
	const char *pat;
	size_t plen;
};

static void scan_collect(void *arg, struct kvs_entry *e)
{
	struct scan_state *st = arg;
	if (st->pat) {
		size_t klen;
		const char *k = kvs_entry_key(e, &klen);
		if (!kvs_glob(st->pat, st->plen, k, klen, 0))
			return;
	}
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 16;
		st->v = kvs_realloc(st->v, st->cap * sizeof *st->v);
	}
	st->v[st->n++] = e;
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
	if (o->enc != KVS_OENC_HASHTABLE) {
		/* Redis returns a compact object whole, whatever the cursor. */
		uint64_t all = 0;
		kvs_table_scan(&o->t, &all, kvs_table_slots(&o->t), scan_collect, &st);
		cursor = 0;
	} else {
		kvs_table_scan(&o->t, &cursor, (size_t)count, scan_collect, &st);
	}
	char buf[24];
	int n = kvs_ull2str(buf, cursor);
	reply_array(c, 2);
	reply_bulk(c, buf, (size_t)n);
	reply_array(c, (long long)(with_values ? st.n * 2 : st.n));
	for (size_t i = 0; i < st.n; i++) {
		kvs_reply_elem_name(c, st.v[i]);
		if (with_values)
			kvs_reply_elem_value(c, st.v[i]);
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
