/* Snapshots: the byte format (CRC, header, records of every type, TTLs and
 * stamps), loading and its refusals (damaged, truncated, foreign, older
 * format), and the copy-on-write save: a save that runs while the keyspace
 * keeps changing must load back as exactly the state at its start. */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "hlc.h"
#include "cmd.h"
#include "keyspace.h"
#include "list.h"
#include "object.h"
#include "zset.h"
#include "snap.h"
#include "testenv.h"
#include "util.h"

static struct test_env tenv;
static struct kvs_keyspace ks;
static struct kvs_type_ops saved_list_ops;

/* ---- an in-memory snapshot store --------------------------------------- */

struct memstore {
	struct kvs_buf *chunk;
	size_t n, cap;
	struct kvs_buf header;
	int has_header;
	size_t next;            /* source cursor */
	int fail_at;            /* put_chunk number that fails (0: never) */
};

static int mem_put_chunk(void *arg, uint64_t seq, const void *p, size_t n)
{
	struct memstore *m = arg;
	if (m->fail_at && seq == (uint64_t)m->fail_at)
		return -1;
	ck_assert_uint_eq(seq, m->n + 1);
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 16;
		m->chunk = kvs_realloc(m->chunk, m->cap * sizeof *m->chunk);
	}
	struct kvs_buf b = KVS_BUF_INIT;
	kvs_buf_append(&b, p, n);
	m->chunk[m->n++] = b;
	return 0;
}

static int mem_put_header(void *arg, const void *p, size_t n)
{
	struct memstore *m = arg;
	m->header.len = 0;
	kvs_buf_append(&m->header, p, n);
	m->has_header = 1;
	return 0;
}

static int mem_get_header(void *arg, const void **p, size_t *n)
{
	struct memstore *m = arg;
	m->next = 0;
	if (!m->has_header)
		return -1;
	*p = m->header.data;
	*n = m->header.len;
	return 0;
}

static int mem_next_chunk(void *arg, uint64_t *seq, const void **p, size_t *n)
{
	struct memstore *m = arg;
	if (m->next >= m->n)
		return 0;
	*seq = m->next + 1;
	*p = m->chunk[m->next].data;
	*n = m->chunk[m->next].len;
	m->next++;
	return 1;
}

static void mem_free(struct memstore *m)
{
	for (size_t i = 0; i < m->n; i++)
		kvs_buf_free(&m->chunk[i]);
	free(m->chunk);
	kvs_buf_free(&m->header);
	memset(m, 0, sizeof *m);
}

static struct kvs_snap_sink mem_sink(struct memstore *m)
{
	struct kvs_snap_sink s = { m, mem_put_chunk, mem_put_header };
	return s;
}

static struct kvs_snap_source mem_source(struct memstore *m)
{
	struct kvs_snap_source s = { m, mem_get_header, mem_next_chunk };
	return s;
}

/* ---- a PTR-encoded test type standing in for lists ------------------------ */

struct blob { size_t n; unsigned char b[]; };

static struct blob *blob_new(const void *p, size_t n)
{
	struct blob *o = kvs_malloc(sizeof *o + n);
	o->n = n;
	memcpy(o->b, p, n);
	return o;
}

/* Encoding: a magic byte, then the bytes; load refuses anything else. */
static size_t blob_save(const void *obj, struct kvs_buf *out)
{
	const struct blob *o = obj;
	kvs_buf_putc(out, 'B');
	kvs_buf_append(out, o->b, o->n);
	return o->n + 1;
}

static void *blob_load(const unsigned char *p, size_t len, uint64_t seed)
{
	(void)seed;
	if (len < 1 || p[0] != 'B')
		return NULL;
	return blob_new(p + 1, len - 1);
}

/* ---- keyspace helpers --------------------------------------------------- */

static void setup(void)
{
	test_env_init(&tenv, 4242);
	ck_assert_int_eq(kvs_keyspace_init(&ks, &tenv.env, 4, 9), 0);
	/* The blob stands in for lists here: all of their hooks are its. */
	saved_list_ops = kvs_type_ops[KVS_T_LIST];
	memset(&kvs_type_ops[KVS_T_LIST], 0, sizeof kvs_type_ops[KVS_T_LIST]);
	kvs_type_ops[KVS_T_LIST].name = "list";
	kvs_type_ops[KVS_T_LIST].save = blob_save;
	kvs_type_ops[KVS_T_LIST].load = blob_load;
}

static void teardown(void)
{
	kvs_keyspace_destroy(&ks);
	kvs_type_ops[KVS_T_LIST] = saved_list_ops;
}

static void key_of(struct kvs_keyspace *k, struct kvs_key *kk, const char *key)
{
	kvs_key_init(k, kk, key, strlen(key));
}

static uint64_t put_in(struct kvs_keyspace *k, int db, const char *key, const void *val, size_t vlen,
		       uint64_t expire)
{
	struct kvs_key kk;
	size_t slot;
	key_of(k, &kk, key);
	ks_lock(k, kk.shard);
	if (!ks_find(k, db, &kk, tenv.now_ms, &slot))
		slot = KVS_TABLE_NONE;
	struct kvs_entry *e = ks_put(k, db, &kk, slot, kvs_entry_new_str(key, strlen(key), val, vlen, expire),
				     tenv.now_ms);
	uint64_t st = e->stamp;
	ks_unlock(k, kk.shard);
	return st;
}

static uint64_t put(int db, const char *key, const char *val, uint64_t expire)
{
	return put_in(&ks, db, key, val, strlen(val), expire);
}

static uint64_t put_blob(int db, const char *key, const char *val)
{
	struct kvs_key kk;
	size_t slot;
	key_of(&ks, &kk, key);
	ks_lock(&ks, kk.shard);
	if (!ks_find(&ks, db, &kk, tenv.now_ms, &slot))
		slot = KVS_TABLE_NONE;
	struct kvs_entry *e = ks_put(&ks, db, &kk, slot,
				     kvs_entry_new_obj(key, strlen(key), KVS_T_LIST, blob_new(val, strlen(val)), 0),
				     tenv.now_ms);
	uint64_t st = e->stamp;
	ks_unlock(&ks, kk.shard);
	return st;
}

/* The entry of key in keyspace k (its lock is not held afterwards: only
 * for single-threaded checks). */
static struct kvs_entry *lookup(struct kvs_keyspace *k, int db, const char *key)
{
	struct kvs_key kk;
	key_of(k, &kk, key);
	ks_lock(k, kk.shard);
	struct kvs_entry *e = ks_find(k, db, &kk, tenv.now_ms, NULL);
	ks_unlock(k, kk.shard);
	return e;
}

static size_t count_keys(struct kvs_keyspace *k, int db)
{
	size_t n = 0;
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		n += ks_shard_size(&k->shard[i], db);
	return n;
}

/* Save ks into m (synchronously). */
static void save_to(struct memstore *m)
{
	char err[256];
	struct kvs_snap_sink sink = mem_sink(m);
	ck_assert_msg(kvs_snap_save_all(&ks, &sink, err, sizeof err) == 0, "save failed: %s", err);
}

/* Load m into a fresh keyspace k2 with ndb databases. Returns the load's
 * status; err holds the reason. */
static int load_from(struct memstore *m, struct kvs_keyspace *k2, int ndb, uint64_t *loaded, uint64_t *expired,
		     char *err, size_t errlen)
{
	struct kvs_snap_source src = mem_source(m);
	ck_assert_int_eq(kvs_keyspace_init(k2, &tenv.env, ndb, 3), 0);
	return kvs_snap_load_all(k2, ndb, &src, tenv.now_ms, loaded, expired, err, errlen);
}

/* ---- format ------------------------------------------------------------- */

START_TEST(test_crc32c_known_values)
{
	/* The check values published for CRC-32C (RFC 3720 appendix B.4). */
	ck_assert_uint_eq(kvs_crc32c(0, "123456789", 9), 0xe3069283u);
	unsigned char zeros[32] = { 0 }, ones[32];
	memset(ones, 0xff, sizeof ones);
	ck_assert_uint_eq(kvs_crc32c(0, zeros, 32), 0x8a9136aau);
	ck_assert_uint_eq(kvs_crc32c(0, ones, 32), 0x62a8ab43u);
	/* Incremental use gives the same as one call. */
	ck_assert_uint_eq(kvs_crc32c(kvs_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
}
END_TEST

/* A bit at a time, straight from the definition: the table and the CPU
 * instruction paths must both agree with it, for every length and
 * alignment (the fast paths work 8 bytes at a time, then a tail). */
static uint32_t crc32c_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return ~crc;
}

START_TEST(test_crc32c_matches_bitwise_reference)
{
	unsigned char buf[300];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n + off <= sizeof buf; n += 7)
			ck_assert_uint_eq(kvs_crc32c(0x1234u, buf + off, n), crc32c_bitwise(0x1234u, buf + off, n));
}
END_TEST

START_TEST(test_header_round_trip_and_refusals)
{
	struct kvs_snap_header h = { 0 }, d;
	struct kvs_buf b = KVS_BUF_INIT;
	char err[256];
	h.version = KVS_SNAP_VERSION;
	h.node_id = 1023;
	h.hlc = 0x123456789abcdefull;
	h.created_ms = 1767225600123ull;
	h.keys = 300;
	h.chunks = 7;
	h.bytes = 99999;
	h.crc = 0xdeadbeef;
	h.ndb = 3;
	h.counts = kvs_calloc(3 * KVS_SHARDS, sizeof *h.counts);
	h.counts[0] = 100;
	h.counts[2 * KVS_SHARDS + 15] = 200;
	kvs_snap_header_encode(&h, &b);
	ck_assert_int_eq(kvs_snap_header_decode(b.data, b.len, &d, err, sizeof err), 0);
	ck_assert_uint_eq(d.version, KVS_SNAP_VERSION);
	ck_assert_uint_eq(d.node_id, 1023);
	ck_assert_uint_eq(d.hlc, h.hlc);
	ck_assert_uint_eq(d.created_ms, h.created_ms);
	ck_assert_uint_eq(d.keys, 300);
	ck_assert_uint_eq(d.chunks, 7);
	ck_assert_uint_eq(d.bytes, 99999);
	ck_assert_uint_eq(d.crc, 0xdeadbeef);
	ck_assert_uint_eq(d.ndb, 3);
	ck_assert_uint_eq(d.counts[0], 100);
	ck_assert_uint_eq(d.counts[2 * KVS_SHARDS + 15], 200);
	ck_assert_uint_eq(d.counts[1], 0);
	kvs_snap_header_free(&d);

	/* Any single damaged byte is refused. */
	for (size_t i = 0; i < b.len; i++) {
		b.data[i] ^= 0x5a;
		ck_assert_int_eq(kvs_snap_header_decode(b.data, b.len, &d, err, sizeof err), -1);
		b.data[i] ^= 0x5a;
	}
	/* Every truncation is refused. */
	for (size_t n = 0; n < b.len; n++)
		ck_assert_int_eq(kvs_snap_header_decode(b.data, n, &d, err, sizeof err), -1);
	/* Foreign bytes: named as not ours. */
	ck_assert_int_eq(kvs_snap_header_decode("REDIS0009xxxxxxxxxx", 19, &d, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a kvsd snapshot"));
	/* Another format version (older or newer) is refused by name. */
	h.version = KVS_SNAP_VERSION - 1;
	b.len = 0;
	kvs_snap_header_encode(&h, &b);
	ck_assert_int_eq(kvs_snap_header_decode(b.data, b.len, &d, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "format version 0 is not supported"));
	kvs_buf_free(&b);
	kvs_snap_header_free(&h);
}
END_TEST

START_TEST(test_record_round_trip_strings)
{
	static const size_t sizes[] = { 0, 1, 127, 128, 16383, 16384, 100000 };
	struct kvs_buf b = KVS_BUF_INIT;
	char key[200];
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		char *val = kvs_malloc(sizes[i] + 1);
		for (size_t j = 0; j < sizes[i]; j++)
			val[j] = (char)(j * 7 + i);      /* binary, NULs included */
		size_t klen = (size_t)snprintf(key, sizeof key, "k%zu", i);
		key[1] = '\0';                           /* a NUL inside the key */
		uint64_t exp = i % 2 ? 1767225600000ull + i : 0;
		struct kvs_entry *e = kvs_entry_new_str(key, klen, val, sizes[i], exp);
		e->stamp = 0xfedcba9876543210ull - i;
		b.len = 0;
		ck_assert_int_eq(kvs_snap_put_entry(&b, 1000 + i, e), 0);

		struct kvs_snap_rec r;
		const char *why = NULL;
		ck_assert_uint_eq(kvs_snap_rec_parse((unsigned char *)b.data, b.len, &r, &why), b.len);
		ck_assert_uint_eq(r.db, 1000 + i);
		ck_assert_uint_eq(r.type, KVS_T_STRING);
		ck_assert_uint_eq(r.stamp, e->stamp);
		ck_assert_uint_eq(r.expire, exp);
		ck_assert_uint_eq(r.klen, klen);
		ck_assert_mem_eq(r.key, key, klen);
		ck_assert_uint_eq(r.vlen, sizes[i]);
		struct kvs_entry *d = kvs_snap_rec_entry(&r, 0, &why);
		size_t dkl, dvl;
		const char *dk = kvs_entry_key(d, &dkl), *dv = kvs_entry_str(d, &dvl);
		ck_assert_uint_eq(dkl, klen);
		ck_assert_mem_eq(dk, key, klen);
		ck_assert_uint_eq(dvl, sizes[i]);
		if (dvl)
			ck_assert_mem_eq(dv, val, dvl);
		ck_assert_uint_eq(kvs_entry_expire(d), exp);
		ck_assert_uint_eq(d->stamp, e->stamp);
		/* Every strict prefix is refused, never over-read. */
		for (size_t n = 0; n < b.len; n += 1 + n / 64)
			ck_assert_uint_eq(kvs_snap_rec_parse((unsigned char *)b.data, n, &r, &why), 0);
		kvs_entry_free(d);
		kvs_entry_free(e);
		free(val);
	}
	kvs_buf_free(&b);
}
END_TEST

START_TEST(test_record_round_trip_ptr_type)
{
	struct kvs_buf b = KVS_BUF_INIT;
	struct kvs_snap_rec r;
	const char *why;
	struct kvs_entry *e = kvs_entry_new_obj("L", 1, KVS_T_LIST, blob_new("abc\0def", 7), 1767225700000ull);
	e->stamp = 77;
	ck_assert_int_eq(kvs_snap_put_entry(&b, 2, e), 0);
	ck_assert_uint_eq(kvs_snap_rec_parse((unsigned char *)b.data, b.len, &r, &why), b.len);
	ck_assert_uint_eq(r.type, KVS_T_LIST);
	struct kvs_entry *d = kvs_snap_rec_entry(&r, 0, &why);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->type, KVS_T_LIST);
	ck_assert_uint_eq(d->enc, KVS_E_PTR);
	ck_assert_uint_eq(d->stamp, 77);
	ck_assert_uint_eq(kvs_entry_expire(d), 1767225700000ull);
	const struct blob *o = kvs_entry_obj(d);
	ck_assert_uint_eq(o->n, 7);
	ck_assert_mem_eq(o->b, "abc\0def", 7);
	kvs_entry_free(d);

	/* The type's own check runs: a malformed value is refused. */
	struct kvs_snap_rec bad = r;
	bad.val = (const unsigned char *)"Xabc";
	bad.vlen = 4;
	ck_assert_ptr_null(kvs_snap_rec_entry(&bad, 0, &why));
	/* No load hook: refused, not crashed. */
	kvs_type_ops[KVS_T_LIST].load = NULL;
	ck_assert_ptr_null(kvs_snap_rec_entry(&r, 0, &why));
	kvs_type_ops[KVS_T_LIST].load = blob_load;
	/* No save hook: the record is not written. */
	kvs_type_ops[KVS_T_LIST].save = NULL;
	b.len = 0;
	ck_assert_int_eq(kvs_snap_put_entry(&b, 2, e), -1);
	ck_assert_uint_eq(b.len, 0);
	kvs_entry_free(e);
	kvs_buf_free(&b);
}
END_TEST

/* ---- hashes and sets (object.c's hooks) ------------------------------------ */

static struct kvs_tobj *make_obj(enum kvs_oenc enc, int n, int with_values)
{
	struct kvs_tobj *o = kvs_tobj_new(ks.seed, enc);
	char f[32], v[300];
	for (int i = 0; i < n; i++) {
		size_t fl, vl = with_values ? (size_t)(i * 7 % 250) : 0;
		if (enc == KVS_OENC_INTSET) {
			fl = (size_t)snprintf(f, sizeof f, "%d", i * 37 - 100);
		} else {
			fl = (size_t)snprintf(f, sizeof f, "f%d", i);
			f[0] = (char)(i % 3 ? 'f' : 0);    /* binary names too */
		}
		for (size_t j = 0; j < vl; j++)
			v[j] = (char)(i + j);
		/* stamps on both sides of the first one (compact objects
		 * keep them relative to it) */
		kvs_tobj_set(o, f, fl, v, vl, (1000u + (uint64_t)i * 977) ^ (i % 2 ? 0x3ffu << 22 : 0));
	}
	return o;
}

/* Same elements, values and element stamps; same encoding name. */
static void expect_same_obj(const struct kvs_tobj *a, const struct kvs_tobj *b)
{
	ck_assert_uint_eq(kvs_tobj_len(a), kvs_tobj_len(b));
	ck_assert_uint_eq(a->enc, b->enc);
	ck_assert_ptr_null(kvs_tobj_check(b));
	for (size_t i = kvs_tobj_first(a); i != KVS_TABLE_NONE; i = kvs_tobj_next(a, i)) {
		struct kvs_elem x, y;
		kvs_tobj_at(a, i, &x);
		ck_assert(kvs_tobj_get(b, x.name, x.nlen, &y, NULL));
		ck_assert_uint_eq(x.vlen, y.vlen);
		if (x.vlen)
			ck_assert_mem_eq(x.val, y.val, x.vlen);
		ck_assert_uint_eq(x.stamp, y.stamp);
	}
}

START_TEST(test_hash_and_set_objects_round_trip)
{
	static const struct { enum kvs_oenc enc; int n, values; } cases[] = {
		{ KVS_OENC_LISTPACK, 5, 1 }, { KVS_OENC_HASHTABLE, 3000, 1 },
		{ KVS_OENC_INTSET, 7, 0 }, { KVS_OENC_HASHTABLE, 2000, 0 },
		{ KVS_OENC_INTSET, 512, 0 }, { KVS_OENC_INTSET, 513, 0 },  /* a table */
		{ KVS_OENC_LISTPACK, 128, 0 },
	};
	struct kvs_buf b = KVS_BUF_INIT;
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		struct kvs_tobj *o = make_obj(cases[c].enc, cases[c].n, cases[c].values);
		b.len = 0;
		size_t n = kvs_tobj_save(o, &b);
		ck_assert_uint_eq(n, b.len);
		struct kvs_tobj *d = kvs_tobj_load((unsigned char *)b.data, b.len, ks.seed);
		ck_assert_ptr_nonnull(d);
		expect_same_obj(o, d);
		kvs_tobj_free(d);
		/* Every truncation is refused (and never over-read under ASan). */
		for (size_t cut = 0; cut < b.len; cut += 1 + cut / 16)
			ck_assert_ptr_null(kvs_tobj_load((unsigned char *)b.data, cut, ks.seed));
		kvs_tobj_free(o);
	}
	/* Malformed: unknown encoding byte, a count larger than the bytes
	 * could hold, a field named twice, trailing garbage. */
	struct kvs_tobj *o = make_obj(KVS_OENC_LISTPACK, 2, 1);
	b.len = 0;
	kvs_tobj_save(o, &b);
	b.data[0] = 9;
	ck_assert_ptr_null(kvs_tobj_load((unsigned char *)b.data, b.len, ks.seed));
	b.data[0] = KVS_OENC_LISTPACK;
	b.data[1] = 100;
	ck_assert_ptr_null(kvs_tobj_load((unsigned char *)b.data, b.len, ks.seed));
	b.data[1] = 2;
	kvs_buf_putc(&b, 'x');
	ck_assert_ptr_null(kvs_tobj_load((unsigned char *)b.data, b.len, ks.seed));
	b.len = 0;
	kvs_buf_putc(&b, KVS_OENC_LISTPACK);
	kvs_snap_put_varint(&b, 2);
	for (int i = 0; i < 2; i++) {
		kvs_snap_put_u64(&b, 5);
		kvs_snap_put_varint(&b, 3);
		kvs_buf_append(&b, "dup", 3);
		kvs_snap_put_varint(&b, 1);
		kvs_buf_putc(&b, 'v');
	}
	ck_assert_ptr_null(kvs_tobj_load((unsigned char *)b.data, b.len, ks.seed));
	kvs_tobj_free(o);
	kvs_buf_free(&b);
}
END_TEST

START_TEST(test_hash_in_place_change_during_save)
{
	/* HSET-like change of a hash after ks_find: the image keeps the
	 * fields as they were at the snapshot point, element stamps too. */
	struct memstore m = { 0 };
	struct kvs_snap_sink sink = mem_sink(&m);
	struct kvs_snap_save sv;
	struct kvs_snap_writer w;
	struct kvs_keyspace k2;
	struct kvs_key kk;
	size_t slot;
	char err[256];
	struct kvs_tobj *orig = make_obj(KVS_OENC_LISTPACK, 20, 1);
	key_of(&ks, &kk, "h");
	ks_lock(&ks, kk.shard);
	ks_put(&ks, 0, &kk, KVS_TABLE_NONE, kvs_entry_new_obj("h", 1, KVS_T_HASH, kvs_tobj_dup(orig), 0), tenv.now_ms);
	ks_unlock(&ks, kk.shard);
	struct kvs_tobj *set = make_obj(KVS_OENC_INTSET, 9, 0);
	key_of(&ks, &kk, "s");
	ks_lock(&ks, kk.shard);
	ks_put(&ks, 3, &kk, KVS_TABLE_NONE, kvs_entry_new_obj("s", 1, KVS_T_SET, kvs_tobj_dup(set), 0), tenv.now_ms);
	ks_unlock(&ks, kk.shard);

	kvs_snap_writer_init(&w, &sink, 0);
	kvs_snap_begin(&ks, &sv);
	key_of(&ks, &kk, "h");
	ks_lock(&ks, kk.shard);
	struct kvs_entry *e = ks_find(&ks, 0, &kk, tenv.now_ms, &slot);
	kvs_tobj_set(kvs_tobj_of(e), "f1", 2, "changed", 7, 99999);
	kvs_tobj_set(kvs_tobj_of(e), "brand new", 9, "", 0, 99999);
	ks_written(&ks, 0, &kk, slot, e, tenv.now_ms);
	ks_unlock(&ks, kk.shard);
	ck_assert_int_eq(kvs_snap_run(&ks, &sv, &w, 8), 0);
	ck_assert_int_eq(kvs_snap_writer_finish(&w, &sv, ks.node_id), 0);
	kvs_snap_end(&ks, &sv);
	kvs_snap_writer_free(&w);

	ck_assert_int_eq(load_from(&m, &k2, 4, NULL, NULL, err, sizeof err), 0);
	struct kvs_entry *d = lookup(&k2, 0, "h");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->type, KVS_T_HASH);
	expect_same_obj(orig, kvs_tobj_of(d));
	d = lookup(&k2, 3, "s");
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->type, KVS_T_SET);
	expect_same_obj(set, kvs_tobj_of(d));
	kvs_keyspace_destroy(&k2);
	kvs_tobj_free(orig);
	kvs_tobj_free(set);
	mem_free(&m);
}
END_TEST

/* ---- lists and sorted sets (t_list.c and t_zset.c's hooks) ------------------ */

START_TEST(test_list_round_trip)
{
	const struct kvs_type_ops *ops = &saved_list_ops;   /* the real list's */
	struct kvs_list *l = kvs_list_new();
	struct kvs_buf b = KVS_BUF_INIT;
	char *big = kvs_calloc(10000, 1);
	for (int i = 0; i < 1000; i++) {
		size_t n = (size_t)(i % 7 == 0 ? 0 : i % 50 == 0 ? 10000 : i % 200);
		big[0] = (char)i;
		kvs_list_push(l, i % 2 ? KVS_LIST_TAIL : KVS_LIST_HEAD, big, n);
	}
	ck_assert_ptr_nonnull(ops->save);
	ck_assert_uint_eq(ops->save(l, &b), b.len);
	struct kvs_list *d = ops->load((unsigned char *)b.data, b.len, ks.seed);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(kvs_list_len(d), 1000);
	struct kvs_list_it a, c;
	int ma = kvs_list_first(l, KVS_LIST_HEAD, &a), mc = kvs_list_first(d, KVS_LIST_HEAD, &c);
	for (; ma && mc; ma = kvs_list_next(&a), mc = kvs_list_next(&c)) {
		const char *pa, *pc;
		size_t la, lc;
		kvs_list_get(&a, &pa, &la);
		kvs_list_get(&c, &pc, &lc);
		ck_assert_uint_eq(la, lc);
		if (la)
			ck_assert_mem_eq(pa, pc, la);
	}
	ck_assert_int_eq(ma, mc);
	for (size_t cut = 0; cut < b.len; cut += 1 + cut / 8)
		ck_assert_ptr_null(ops->load((unsigned char *)b.data, cut, ks.seed));
	kvs_buf_putc(&b, 0);
	ck_assert_ptr_null(ops->load((unsigned char *)b.data, b.len, ks.seed));
	ops->free_obj(d);
	ops->free_obj(l);
	free(big);
	kvs_buf_free(&b);
}
END_TEST

START_TEST(test_zset_round_trip)
{
	const struct kvs_type_ops *ops = &kvs_type_ops[KVS_T_ZSET];
	struct kvs_zset *z = kvs_zset_new(ks.seed);
	struct kvs_buf b = KVS_BUF_INIT;
	char m[32];
	for (int i = 0; i < 300; i++) {
		size_t n = (size_t)snprintf(m, sizeof m, "member-%d", i);
		double score = i % 3 == 0 ? 1.5 : i == 7 ? -1.0 / 0.0 : i == 8 ? 1.0 / 0.0 : i * -0.25;
		struct kvs_znode *x = kvs_zset_insert(z, score, m, i == 5 ? 0 : n);
		kvs_znode_entry(x)->stamp = 5000u + (uint64_t)i;
	}
	z->compact = 0;
	ck_assert_uint_eq(ops->save(z, &b), b.len);
	struct kvs_zset *d = ops->load((unsigned char *)b.data, b.len, ks.seed);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(d->len, 300);
	ck_assert_int_eq(d->compact, 0);
	struct kvs_zit ix, iy;
	struct kvs_znode *x = kvs_zset_first(z, &ix), *y = kvs_zset_first(d, &iy);
	for (; x && y; x = kvs_zit_next(&ix), y = kvs_zit_next(&iy)) {
		size_t lx, ly;
		const char *mx = kvs_znode_member(x, &lx), *my = kvs_znode_member(y, &ly);
		ck_assert_uint_eq(lx, ly);
		if (lx)
			ck_assert_mem_eq(mx, my, lx);
		ck_assert(x->score == y->score);
		ck_assert_uint_eq(kvs_znode_entry(x)->stamp, kvs_znode_entry(y)->stamp);
		ck_assert_ptr_eq(kvs_zset_find(d, my, ly), y);
	}
	ck_assert_ptr_null(x);
	ck_assert_ptr_null(y);
	/* The rebuilt tree is whole, and ranks work on it. */
	char err[200];
	ck_assert_msg(kvs_zset_check(d, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(kvs_zset_rank(d, kvs_zset_at(d, 123, NULL)), 123);
	for (size_t cut = 0; cut < b.len; cut += 1 + cut / 8)
		ck_assert_ptr_null(ops->load((unsigned char *)b.data, cut, ks.seed));
	/* Hand-made: a NaN score, a member twice, a bad compact flag. */
	static const struct { uint64_t bits[2]; int n; int compact; } bad[] = {
		{ { 0x7ff8000000000001ull, 0 }, 1, 0 },
		{ { 0x3ff0000000000000ull, 0x4000000000000000ull }, 2, 0 },
		{ { 0x3ff0000000000000ull, 0 }, 1, 2 },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		b.len = 0;
		kvs_buf_putc(&b, (char)bad[i].compact);
		kvs_snap_put_varint(&b, (uint64_t)bad[i].n);
		for (int j = 0; j < bad[i].n; j++) {
			kvs_snap_put_u64(&b, bad[i].bits[j]);
			kvs_snap_put_u64(&b, 1);
			kvs_snap_put_varint(&b, 1);
			kvs_buf_putc(&b, 'a');
		}
		ck_assert_ptr_null(ops->load((unsigned char *)b.data, b.len, ks.seed));
	}
	ops->free_obj(d);
	ops->free_obj(z);
	kvs_buf_free(&b);
}
END_TEST

/* ---- whole snapshots ------------------------------------------------------ */

START_TEST(test_save_load_round_trip)
{
	struct memstore m = { 0 };
	struct kvs_keyspace k2;
	char key[32], val[64], err[256];
	uint64_t stamps[3000], loaded, expired;
	const uint64_t later = tenv.now_ms + 3600 * 1000;
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof key, "key:%d", i);
		snprintf(val, sizeof val, "value-%d", i * 31);
		stamps[i] = put(i % 4, key, val, i % 3 == 0 ? later + (uint64_t)i : 0);
	}
	uint64_t blob_stamp = put_blob(2, "blob", "list bytes");
	save_to(&m);
	ck_assert_uint_gt(m.n, 1);   /* several chunks */

	ck_assert_int_eq(load_from(&m, &k2, 4, &loaded, &expired, err, sizeof err), 0);
	ck_assert_uint_eq(loaded, 3001);
	ck_assert_uint_eq(expired, 0);
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof key, "key:%d", i);
		snprintf(val, sizeof val, "value-%d", i * 31);
		struct kvs_entry *e = lookup(&k2, i % 4, key);
		ck_assert_msg(e != NULL, "%s missing", key);
		size_t vl;
		const char *v = kvs_entry_str(e, &vl);
		ck_assert_uint_eq(vl, strlen(val));
		ck_assert_mem_eq(v, val, vl);
		ck_assert_uint_eq(e->stamp, stamps[i]);
		ck_assert_uint_eq(kvs_entry_expire(e), i % 3 == 0 ? later + (uint64_t)i : 0);
		ck_assert_ptr_null(lookup(&k2, (i + 1) % 4, key));
	}
	struct kvs_entry *b = lookup(&k2, 2, "blob");
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->stamp, blob_stamp);
	ck_assert_mem_eq(((struct blob *)kvs_entry_obj(b))->b, "list bytes", 10);
	for (int db = 0; db < 4; db++)
		ck_assert_uint_eq(count_keys(&k2, db), count_keys(&ks, db));
	/* TTL counts survive too (active expiry relies on them). */
	size_t ne = 0;
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		ne += k2.shard[s].nexpires[0] + k2.shard[s].nexpires[1] + k2.shard[s].nexpires[2] +
		      k2.shard[s].nexpires[3];
	ck_assert_uint_eq(ne, 1000);
	/* New writes in the loaded keyspace are stamped after the loaded ones. */
	uint64_t st = put_in(&k2, 0, "key:0", "new", 3, 0);
	ck_assert_uint_gt(st, stamps[2999]);
	ck_assert_uint_gt(st, blob_stamp);
	kvs_keyspace_destroy(&k2);
	mem_free(&m);
}
END_TEST

START_TEST(test_expired_keys_not_loaded)
{
	struct memstore m = { 0 };
	struct kvs_keyspace k2;
	char err[256];
	uint64_t loaded, expired;
	put(0, "short", "x", tenv.now_ms + 1000);
	put(0, "long", "y", tenv.now_ms + 100000);
	put(0, "none", "z", 0);
	save_to(&m);
	tenv.now_ms += 5000;     /* "down" for 5 s: short's TTL passed */
	ck_assert_int_eq(load_from(&m, &k2, 4, &loaded, &expired, err, sizeof err), 0);
	ck_assert_uint_eq(loaded, 2);
	ck_assert_uint_eq(expired, 1);
	ck_assert_uint_eq(count_keys(&k2, 0), 2);
	ck_assert_ptr_null(lookup(&k2, 0, "short"));
	ck_assert_ptr_nonnull(lookup(&k2, 0, "long"));
	kvs_keyspace_destroy(&k2);
	mem_free(&m);
}
END_TEST

/* Build a small snapshot of a few hundred bytes for damage tests. */
static void small_snapshot(struct memstore *m)
{
	char key[16];
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof key, "k%d", i);
		put(i % 2, key, "v", i % 5 ? 0 : tenv.now_ms + 99999);
	}
	put_blob(1, "b", "blobby");
	struct kvs_snap_sink sink = mem_sink(m);
	struct kvs_snap_save sv;
	struct kvs_snap_writer w;
	kvs_snap_writer_init(&w, &sink, 100);   /* tiny chunks: several of them */
	kvs_snap_begin(&ks, &sv);
	ck_assert_int_eq(kvs_snap_run(&ks, &sv, &w, 16), 0);
	ck_assert_int_eq(kvs_snap_writer_finish(&w, &sv, ks.node_id), 0);
	kvs_snap_end(&ks, &sv);
	kvs_snap_writer_free(&w);
	ck_assert_uint_ge(m->n, 3);
}

static int try_load(struct memstore *m, char *err, size_t errlen)
{
	struct kvs_keyspace k2;
	int rc = load_from(m, &k2, 4, NULL, NULL, err, errlen);
	kvs_keyspace_destroy(&k2);
	return rc;
}

START_TEST(test_damage_is_refused)
{
	struct memstore m = { 0 };
	char err[256];
	small_snapshot(&m);
	ck_assert_int_eq(try_load(&m, err, sizeof err), 0);
	/* Flip each byte of each chunk in turn. */
	for (size_t c = 0; c < m.n; c++) {
		for (size_t i = 0; i < m.chunk[c].len; i++) {
			m.chunk[c].data[i] ^= 0x01;
			ck_assert_msg(try_load(&m, err, sizeof err) == -1, "chunk %zu byte %zu flipped: loaded", c, i);
			m.chunk[c].data[i] ^= 0x01;
		}
	}
	/* Truncate each chunk at every length. */
	for (size_t c = 0; c < m.n; c++) {
		size_t len = m.chunk[c].len;
		for (size_t n = 0; n < len; n++) {
			m.chunk[c].len = n;
			ck_assert_int_eq(try_load(&m, err, sizeof err), -1);
		}
		m.chunk[c].len = len;
	}
	/* A missing last chunk, a missing middle chunk. */
	m.n--;
	ck_assert_int_eq(try_load(&m, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	m.n++;
	struct kvs_buf mid = m.chunk[1];
	m.chunk[1] = m.chunk[2];
	m.chunk[2] = mid;                 /* swapped order */
	ck_assert_int_eq(try_load(&m, err, sizeof err), -1);
	m.chunk[2] = m.chunk[1];
	m.chunk[1] = mid;
	ck_assert_int_eq(try_load(&m, err, sizeof err), 0);
	/* No header at all. */
	m.has_header = 0;
	ck_assert_int_eq(try_load(&m, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a kvsd snapshot"));
	mem_free(&m);
}
END_TEST

START_TEST(test_too_few_databases_refused)
{
	struct memstore m = { 0 };
	char err[256];
	struct kvs_keyspace k2;
	put(3, "deep", "x", 0);
	save_to(&m);
	ck_assert_int_eq(load_from(&m, &k2, 2, NULL, NULL, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "database 3"));
	kvs_keyspace_destroy(&k2);
	mem_free(&m);
}
END_TEST

START_TEST(test_duplicate_key_refused)
{
	/* A well-formed, correctly checksummed file that names a key twice
	 * (no kvsd writes one) must not load as a table with twin keys. */
	struct memstore m = { 0 };
	struct kvs_snap_sink sink = mem_sink(&m);
	struct kvs_snap_writer w;
	struct kvs_snap_save sv;
	char err[256];
	struct kvs_entry *e = kvs_entry_new_str("dup", 3, "v", 1, 0);
	kvs_snap_writer_init(&w, &sink, 0);
	kvs_snap_begin(&ks, &sv);
	ck_assert_int_eq(kvs_snap_run(&ks, &sv, &w, 16), 0);
	kvs_snap_put_entry(&w.buf, 0, e);
	kvs_snap_put_entry(&w.buf, 0, e);
	sv.counts[kvs_key_shard("dup", 3)] = 2;
	ck_assert_int_eq(kvs_snap_writer_finish(&w, &sv, 1), 0);
	kvs_snap_end(&ks, &sv);
	kvs_snap_writer_free(&w);
	kvs_entry_free(e);
	ck_assert_int_eq(try_load(&m, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	mem_free(&m);
}
END_TEST

START_TEST(test_unsaveable_type_fails_the_save)
{
	struct memstore m = { 0 };
	struct kvs_snap_sink sink = mem_sink(&m);
	char err[256];
	put(0, "s", "v", 0);
	put_blob(0, "b", "x");
	kvs_type_ops[KVS_T_LIST].save = NULL;
	ck_assert_int_eq(kvs_snap_save_all(&ks, &sink, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "list"));
	ck_assert_int_eq(m.has_header, 0);
	/* The keyspace is left consistent: the next save works. */
	kvs_type_ops[KVS_T_LIST].save = blob_save;
	mem_free(&m);
	save_to(&m);
	ck_assert_int_eq(try_load(&m, err, sizeof err), 0);
	mem_free(&m);
}
END_TEST

START_TEST(test_sink_failure_fails_the_save)
{
	struct memstore m = { 0 };
	char key[16], err[256];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		put(0, key, "0123456789012345678901234567890123456789", 0);
	}
	m.fail_at = 2;
	struct kvs_snap_sink sink = mem_sink(&m);
	ck_assert_int_eq(kvs_snap_save_all(&ks, &sink, err, sizeof err), -1);
	ck_assert_int_eq(m.has_header, 0);
	mem_free(&m);
	save_to(&m);
	ck_assert_int_eq(try_load(&m, err, sizeof err), 0);
	mem_free(&m);
}
END_TEST

/* ---- copy on write --------------------------------------------------------- */

#define NDB 4
#define NKEYS 600
#define VMAX 96

struct mval { int present; size_t len; char v[VMAX + 32]; uint64_t expire, stamp; };
static struct mval model[NDB][NKEYS], at_start[NDB][NKEYS];

static void kname(char *buf, size_t cap, int i) { snprintf(buf, cap, "key:%d:{t%d}", i, i % 37); }

static void note(int db, int i, struct kvs_keyspace *k)
{
	char key[32];
	kname(key, sizeof key, i);
	struct kvs_entry *e = lookup(k, db, key);
	struct mval *mv = &model[db][i];
	mv->present = e != NULL;
	if (e) {
		const char *v = kvs_entry_str(e, &mv->len);
		memcpy(mv->v, v, mv->len);
		mv->expire = kvs_entry_expire(e);
		mv->stamp = e->stamp;
	}
}

static void op_set(int db, int i, uint64_t r)
{
	char key[32], val[VMAX];
	size_t n = (size_t)(r % VMAX);
	kname(key, sizeof key, i);
	for (size_t j = 0; j < n; j++)
		val[j] = (char)('a' + (r >> 8) % 26 + j % 3);
	put_in(&ks, db, key, val, n, (r >> 20) % 3 == 0 ? tenv.now_ms + 1000000 + r % 999 : 0);
}

/* In place, as APPEND does: find, resize/modify, ks_written. */
static void op_append(int db, int i, uint64_t r)
{
	char key[32];
	struct kvs_key kk;
	size_t slot, len;
	kname(key, sizeof key, i);
	key_of(&ks, &kk, key);
	ks_lock(&ks, kk.shard);
	struct kvs_entry *e = ks_find(&ks, db, &kk, tenv.now_ms, &slot);
	if (e) {
		kvs_entry_str(e, &len);
		if (len + 3 > VMAX + 30)
			len = 0;
		e = kvs_entry_resize_str(e, len + 3);
		char *p = (char *)kvs_entry_str(e, &len);
		p[len - 3] = 'X';
		p[len - 2] = (char)('0' + r % 10);
		p[0] = 'Z';                      /* and change an old byte */
		ks_written(&ks, db, &kk, slot, e, tenv.now_ms);
	}
	ks_unlock(&ks, kk.shard);
}

static void op_del(int db, int i)
{
	char key[32];
	struct kvs_key kk;
	size_t slot;
	kname(key, sizeof key, i);
	key_of(&ks, &kk, key);
	ks_lock(&ks, kk.shard);
	if (ks_find(&ks, db, &kk, tenv.now_ms, &slot))
		ks_delete_at(&ks, db, &kk, slot, KVS_CHG_DELETE, tenv.now_ms);
	ks_unlock(&ks, kk.shard);
}

static void op_expire(int db, int i, uint64_t r)
{
	char key[32];
	struct kvs_key kk;
	size_t slot;
	kname(key, sizeof key, i);
	key_of(&ks, &kk, key);
	ks_lock(&ks, kk.shard);
	if (ks_find(&ks, db, &kk, tenv.now_ms, &slot))
		ks_set_expire(&ks, db, &kk, slot, r % 2 ? tenv.now_ms + 500000 + r % 77 : 0, tenv.now_ms);
	ks_unlock(&ks, kk.shard);
}

/* RENAME within the same hash tag (same shard): take + put. */
static void op_rename(int db, int i, int j)
{
	char a[32], b[32];
	struct kvs_key ka, kb;
	size_t sa, sb;
	kname(a, sizeof a, i);
	kname(b, sizeof b, j);
	key_of(&ks, &ka, a);
	key_of(&ks, &kb, b);
	if (ka.shard != kb.shard || i == j)
		return;
	ks_lock(&ks, ka.shard);
	if (ks_find(&ks, db, &ka, tenv.now_ms, &sa)) {
		struct kvs_entry *e = ks_take_at(&ks, db, &ka, sa, tenv.now_ms);
		struct kvs_entry *n = kvs_entry_rekey(e, b, strlen(b), 0);
		kvs_entry_free(e);
		if (!ks_find(&ks, db, &kb, tenv.now_ms, &sb))
			sb = KVS_TABLE_NONE;
		ks_put(&ks, db, &kb, sb, n, tenv.now_ms);
	}
	ks_unlock(&ks, ka.shard);
}

static void op_flush(int db)
{
	for (unsigned s = 0; s < KVS_SHARDS; s++) {
		ks_lock(&ks, s);
		ks_flush_shard(&ks, s, db, tenv.now_ms);
		ks_unlock(&ks, s);
	}
}

/* One random change, mirrored in the model. */
static void random_op(uint64_t r)
{
	int db = (int)(r % NDB), i = (int)((r >> 4) % NKEYS), j = (int)((r >> 16) % NKEYS);
	unsigned what = (unsigned)((r >> 32) % 1000);
	if (what < 450) {
		op_set(db, i, r >> 12);
	} else if (what < 650) {
		op_append(db, i, r >> 12);
	} else if (what < 800) {
		op_del(db, i);
	} else if (what < 900) {
		op_expire(db, i, r >> 12);
	} else if (what < 990) {
		op_rename(db, i, j);
		note(db, j, &ks);
	} else if (what < 995) {
		op_flush(db);
		for (int k = 0; k < NKEYS; k++)
			model[db][k].present = 0;
		return;
	} else {
		int b = (db + 1) % NDB;
		ks_swapdb(&ks, db, b);
		for (int k = 0; k < NKEYS; k++) {
			struct mval t = model[db][k];
			model[db][k] = model[b][k];
			model[b][k] = t;
		}
		return;
	}
	note(db, i, &ks);
}

/* Compare a loaded keyspace with a model. */
static void expect_model(struct kvs_keyspace *k2, struct mval (*m)[NKEYS])
{
	char key[32];
	for (int db = 0; db < NDB; db++) {
		size_t n = 0;
		for (int i = 0; i < NKEYS; i++) {
			kname(key, sizeof key, i);
			struct kvs_entry *e = lookup(k2, db, key);
			ck_assert_msg((e != NULL) == m[db][i].present, "db %d %s: present %d, expected %d", db, key,
				      e != NULL, m[db][i].present);
			if (!e)
				continue;
			n++;
			size_t len;
			const char *v = kvs_entry_str(e, &len);
			ck_assert_msg(len == m[db][i].len && memcmp(v, m[db][i].v, len) == 0,
				      "db %d %s: value differs", db, key);
			ck_assert_uint_eq(kvs_entry_expire(e), m[db][i].expire);
			ck_assert_uint_eq(e->stamp, m[db][i].stamp);
		}
		ck_assert_uint_eq(count_keys(k2, db), n);
	}
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Populate, start a save, keep changing the keyspace between small save
 * slices, finish; the image must be the state at the start, and the live
 * keyspace the state at the end. Then save again: the second image must
 * hold the final state (every bit was left right by the first save). */
static void cow_round(uint64_t seed, size_t budget, int ops_per_slice)
{
	struct memstore m = { 0 };
	struct kvs_snap_sink sink = mem_sink(&m);
	struct kvs_snap_save sv;
	struct kvs_snap_writer w;
	struct kvs_keyspace k2;
	char err[256];
	uint64_t rng = seed;

	memset(model, 0, sizeof model);
	for (int i = 0; i < 4000; i++)
		random_op(xorshift(&rng));
	memcpy(at_start, model, sizeof model);

	kvs_snap_writer_init(&w, &sink, 512);
	kvs_snap_begin(&ks, &sv);
	for (unsigned s = 0; s < KVS_SHARDS; s++) {
		while (!kvs_snap_step(&ks, &sv, s, budget, &w.buf)) {
			for (int k = 0; k < ops_per_slice; k++)
				random_op(xorshift(&rng));
			if (xorshift(&rng) % 4 == 0)
				kvs_snap_drain(&ks, (unsigned)(xorshift(&rng) % KVS_SHARDS), &w.buf);
			kvs_snap_writer_flush(&w, 0);
		}
		for (int k = 0; k < ops_per_slice; k++)
			random_op(xorshift(&rng));
	}
	ck_assert_int_eq(kvs_snap_run(&ks, &sv, &w, budget), 0);
	ck_assert_int_eq(kvs_snap_writer_finish(&w, &sv, ks.node_id), 0);
	kvs_snap_end(&ks, &sv);
	kvs_snap_writer_free(&w);

	ck_assert_int_eq(load_from(&m, &k2, NDB, NULL, NULL, err, sizeof err), 0);
	expect_model(&k2, at_start);
	kvs_keyspace_destroy(&k2);
	expect_model(&ks, model);

	mem_free(&m);
	save_to(&m);
	ck_assert_int_eq(load_from(&m, &k2, NDB, NULL, NULL, err, sizeof err), 0);
	expect_model(&k2, model);
	kvs_keyspace_destroy(&k2);
	mem_free(&m);
}

START_TEST(test_cow_image_is_the_start_state)
{
	cow_round(0x9e3779b97f4a7c15ull, 5, 3);
	cow_round(0x1234567ull, 1, 1);
	cow_round(0xfeedfaceull, 64, 40);
}
END_TEST

START_TEST(test_cow_with_table_growth)
{
	/* Thousands of new keys during the walk grow every table several
	 * times; the walk restarts its pass and still writes each old key
	 * exactly once (the loader refuses twins). */
	struct memstore m = { 0 };
	struct kvs_snap_sink sink = mem_sink(&m);
	struct kvs_snap_save sv;
	struct kvs_snap_writer w;
	struct kvs_keyspace k2;
	char key[32], err[256];
	uint64_t loaded;
	for (int i = 0; i < 2000; i++) {
		snprintf(key, sizeof key, "old:%d", i);
		put(0, key, "o", 0);
	}
	kvs_snap_writer_init(&w, &sink, 0);
	kvs_snap_begin(&ks, &sv);
	int n = 0;
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		while (!kvs_snap_step(&ks, &sv, s, 3, &w.buf))
			for (int k = 0; k < 20; k++, n++) {
				snprintf(key, sizeof key, "new:%d", n);
				put(0, key, "n", 0);
			}
	ck_assert_int_eq(kvs_snap_writer_finish(&w, &sv, ks.node_id), 0);
	ck_assert_uint_eq(atomic_load(&sv.keys_done), 2000);
	ck_assert_uint_eq(sv.keys_total, 2000);
	kvs_snap_end(&ks, &sv);
	kvs_snap_writer_free(&w);
	ck_assert_int_gt(n, 5000);
	ck_assert_int_eq(load_from(&m, &k2, 4, &loaded, NULL, err, sizeof err), 0);
	ck_assert_uint_eq(loaded, 2000);
	ck_assert_ptr_nonnull(lookup(&k2, 0, "old:1999"));
	ck_assert_ptr_null(lookup(&k2, 0, "new:0"));
	kvs_keyspace_destroy(&k2);
	mem_free(&m);
}
END_TEST

START_TEST(test_cow_in_place_object_change)
{
	/* A PTR value changed in place after ks_find: the image keeps the
	 * value as it was at the snapshot point. */
	struct memstore m = { 0 };
	struct kvs_snap_sink sink = mem_sink(&m);
	struct kvs_snap_save sv;
	struct kvs_snap_writer w;
	struct kvs_keyspace k2;
	struct kvs_key kk;
	size_t slot;
	char err[256];
	put_blob(0, "obj", "before");
	kvs_snap_writer_init(&w, &sink, 0);
	kvs_snap_begin(&ks, &sv);
	key_of(&ks, &kk, "obj");
	ks_lock(&ks, kk.shard);
	struct kvs_entry *e = ks_find(&ks, 0, &kk, tenv.now_ms, &slot);
	memcpy(((struct blob *)kvs_entry_obj(e))->b, "AFTER!", 6);
	ks_written(&ks, 0, &kk, slot, e, tenv.now_ms);
	ks_unlock(&ks, kk.shard);
	ck_assert_int_eq(kvs_snap_run(&ks, &sv, &w, 8), 0);
	ck_assert_int_eq(kvs_snap_writer_finish(&w, &sv, ks.node_id), 0);
	kvs_snap_end(&ks, &sv);
	kvs_snap_writer_free(&w);
	ck_assert_int_eq(load_from(&m, &k2, 4, NULL, NULL, err, sizeof err), 0);
	struct kvs_entry *d = lookup(&k2, 0, "obj");
	ck_assert_ptr_nonnull(d);
	ck_assert_mem_eq(((struct blob *)kvs_entry_obj(d))->b, "before", 6);
	kvs_keyspace_destroy(&k2);
	mem_free(&m);
}
END_TEST

START_TEST(test_discarded_save_leaves_bits_right)
{
	/* An aborted save (discard) still completes its walk; the next save
	 * then holds every key, including those the aborted one had done. */
	struct memstore m = { 0 };
	struct kvs_snap_sink sink = mem_sink(&m);
	struct kvs_snap_save sv;
	struct kvs_snap_writer w;
	struct kvs_keyspace k2;
	char key[16], err[256];
	uint64_t loaded;
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		put(1, key, "v", 0);
	}
	kvs_snap_writer_init(&w, &sink, 0);
	kvs_snap_begin(&ks, &sv);
	for (int i = 0; i < 7; i++)
		kvs_snap_step(&ks, &sv, 0, 10, &w.buf);
	atomic_store(&sv.discard, 1);
	ck_assert_int_eq(kvs_snap_run(&ks, &sv, &w, 10), -1);
	kvs_snap_end(&ks, &sv);
	kvs_snap_writer_free(&w);
	ck_assert_int_eq(m.has_header, 0);
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		ck_assert_int_eq(ks.shard[s].saving, 0);
	mem_free(&m);
	save_to(&m);
	ck_assert_int_eq(load_from(&m, &k2, 4, &loaded, NULL, err, sizeof err), 0);
	ck_assert_uint_eq(loaded, 1000);
	kvs_keyspace_destroy(&k2);
	mem_free(&m);
}
END_TEST

int main(void)
{
	kvs_cmd_register_builtin();    /* the hash and set type hooks */
	Suite *s = suite_create("snap");
	TCase *tf = tcase_create("format");
	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, test_crc32c_known_values);
	tcase_add_test(tf, test_crc32c_matches_bitwise_reference);
	tcase_add_test(tf, test_header_round_trip_and_refusals);
	tcase_add_test(tf, test_record_round_trip_strings);
	tcase_add_test(tf, test_record_round_trip_ptr_type);
	tcase_add_test(tf, test_hash_and_set_objects_round_trip);
	tcase_add_test(tf, test_hash_in_place_change_during_save);
	tcase_add_test(tf, test_list_round_trip);
	tcase_add_test(tf, test_zset_round_trip);
	suite_add_tcase(s, tf);
	TCase *tl = tcase_create("load");
	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_add_test(tl, test_save_load_round_trip);
	tcase_add_test(tl, test_expired_keys_not_loaded);
	tcase_add_test(tl, test_damage_is_refused);
	tcase_add_test(tl, test_too_few_databases_refused);
	tcase_add_test(tl, test_duplicate_key_refused);
	tcase_add_test(tl, test_unsaveable_type_fails_the_save);
	tcase_add_test(tl, test_sink_failure_fails_the_save);
	tcase_set_timeout(tl, 120);
	suite_add_tcase(s, tl);
	TCase *tc = tcase_create("cow");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cow_image_is_the_start_state);
	tcase_add_test(tc, test_cow_with_table_growth);
	tcase_add_test(tc, test_cow_in_place_object_change);
	tcase_add_test(tc, test_discarded_save_leaves_bits_right);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
