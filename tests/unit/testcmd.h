/*
 * testcmd.h - drive commands through kvs_exec() in unit tests: an engine
 * over the fake env, one client whose replies go to a buffer, argv built
 * from C strings (each argument in its own exact-size allocation, so a
 * handler reading past an argument's length trips ASan), and a small
 * RESP2 reader for replies whose element order is unspecified (KEYS, SCAN).
 *
 * One static instance per test process; Check forks each test.
 */
#ifndef KVS_TESTCMD_H
#define KVS_TESTCMD_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "testenv.h"

/* Changes the write path reported (keyspace.h), by kind. */
static struct tc_changes {
	int write, del, expired, flush;
} tc_chg;

static void tc_on_change(void *arg, unsigned shard, int db, enum kvs_change what,
			 const char *key, size_t klen, const struct kvs_entry *e)
{
	ck_assert(db >= 0 && db < 16);
	if (key)
		ck_assert_uint_eq(shard, kvs_key_shard(key, klen));
	switch (what) {
	case KVS_CHG_WRITE: ck_assert_ptr_nonnull(e); tc_chg.write++; break;
	case KVS_CHG_DELETE: tc_chg.del++; break;
	case KVS_CHG_EXPIRED: tc_chg.expired++; break;
	case KVS_CHG_FLUSH: ck_assert_ptr_null(key); tc_chg.flush++; break;
	}
}

/* Check the change counts since the last call, then reset them. */
#define CHANGES(w, d, x, f) do { \
	ck_assert_msg(tc_chg.write == (w) && tc_chg.del == (d) && tc_chg.expired == (x) && \
		      tc_chg.flush == (f), "line %d: changes write=%d del=%d expired=%d flush=%d", \
		      __LINE__, tc_chg.write, tc_chg.del, tc_chg.expired, tc_chg.flush); \
	memset(&tc_chg, 0, sizeof tc_chg); \
} while (0)

static struct test_env tc_env;
static struct kvs_engine tc_eng;
static struct kvs_buf tc_out;
static struct kvs_stats tc_stats;
static struct kvs_client tc_cl;
static char *tc_reply;        /* NUL-terminated copy of the last reply */
static size_t tc_reply_len;

static inline void tc_setup(int ndb)
{
	test_env_init(&tc_env, 0x9e3779b97f4a7c15ull);
	memset(&tc_eng, 0, sizeof tc_eng);
	ck_assert_int_eq(kvs_keyspace_init(&tc_eng.ks, &tc_env.env, ndb, 1), 0);
	memset(&tc_chg, 0, sizeof tc_chg);
	tc_eng.ks.on_change = tc_on_change;
	tc_eng.env = &tc_env.env;
	tc_eng.proto_max_bulk_len = 512ll * 1024 * 1024;
	memset(&tc_stats, 0, sizeof tc_stats);
	memset(&tc_cl, 0, sizeof tc_cl);
	tc_cl.eng = &tc_eng;
	tc_cl.out = &tc_out;
	tc_cl.stats = &tc_stats;
	tc_cl.proto = 2;
	tc_cl.flags = KVS_CL_AUTHED;
}

static inline void tc_teardown(void)
{
	kvs_client_free(&tc_cl);
	kvs_pubsub_destroy(&tc_eng);
	kvs_keyspace_destroy(&tc_eng.ks);
	kvs_buf_free(&tc_out);
	free(tc_reply);
	tc_reply = NULL;
}

/* Run argv[0..argc) (lens NULL: C strings); returns the reply bytes. */
static inline const char *tc_execv(int argc, const char *const *argv, const size_t *lens)
{
	struct resp_arg *a = calloc((size_t)argc, sizeof *a);
	for (int i = 0; i < argc; i++) {
		size_t len = lens ? lens[i] : strlen(argv[i]);
		a[i].p = malloc(len ? len : 1);
		memcpy(a[i].p, argv[i], len);
		a[i].len = len;
	}
	tc_out.len = 0;
	tc_cl.argc = argc;
	tc_cl.argv = a;
	kvs_exec(&tc_cl);
	ck_assert_uint_eq(tc_cl.locked, 0);
	for (int i = 0; i < argc; i++)
		free(a[i].p);
	free(a);
	tc_cl.argv = NULL;
	free(tc_reply);
	tc_reply = malloc(tc_out.len + 1);
	memcpy(tc_reply, tc_out.data ? tc_out.data : "", tc_out.len);
	tc_reply[tc_out.len] = '\0';
	tc_reply_len = tc_out.len;
	return tc_reply;
}

static inline const char *tc_run_(const char *const *v)
{
	int n = 0;
	while (v[n])
		n++;
	return tc_execv(n, v, NULL);
}
#define RUN(...) tc_run_((const char *const[]){ __VA_ARGS__, NULL })
/* Assert the exact reply of a command. */
#define EXPECT(reply, ...) ck_assert_str_eq(RUN(__VA_ARGS__), reply)

/* ---- direct keyspace access (what another command group would do) ---- */

static inline void tc_put_len(int db, const char *key, size_t klen, const char *val, uint64_t expire)
{
	struct kvs_key k;
	size_t slot;
	kvs_key_init(&tc_eng.ks, &k, key, klen);
	ks_lock(&tc_eng.ks, k.shard);
	/* Raw lookup: the test decides about expiry, not ks_find. */
	slot = kvs_table_find(&tc_eng.ks.shard[k.shard].db[db], key, klen, k.hash);
	ks_put(&tc_eng.ks, db, &k, slot,
	       kvs_entry_new_str(key, klen, val, strlen(val), expire), tc_env.now_ms);
	ks_unlock(&tc_eng.ks, k.shard);
}
static inline void tc_put(int db, const char *key, const char *val, uint64_t expire)
{
	tc_put_len(db, key, strlen(key), val, expire);
}

static inline void tc_put_obj(int db, const char *key, enum kvs_type type, void *obj, uint64_t expire)
{
	struct kvs_key k;
	kvs_key_init(&tc_eng.ks, &k, key, strlen(key));
	ks_lock(&tc_eng.ks, k.shard);
	size_t slot = kvs_table_find(&tc_eng.ks.shard[k.shard].db[db], key, k.len, k.hash);
	ks_put(&tc_eng.ks, db, &k, slot, kvs_entry_new_obj(key, k.len, type, obj, expire), tc_env.now_ms);
	ks_unlock(&tc_eng.ks, k.shard);
}

/* The stored entry, expired or not (NULL if absent). */
static inline struct kvs_entry *tc_get(int db, const char *key)
{
	struct kvs_key k;
	kvs_key_init(&tc_eng.ks, &k, key, strlen(key));
	const struct kvs_table *t = &tc_eng.ks.shard[k.shard].db[db];
	size_t slot = kvs_table_find(t, key, k.len, k.hash);
	return slot == KVS_TABLE_NONE ? NULL : kvs_table_at(t, slot);
}

/* The string value of key in db as a C string, or NULL if absent. */
static inline const char *tc_val(int db, const char *key)
{
	static char buf[256];
	struct kvs_entry *e = tc_get(db, key);
	size_t n;
	if (!e)
		return NULL;
	const char *v = kvs_entry_str(e, &n);
	ck_assert_uint_lt(n, sizeof buf);
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

/* The keyspace's per-db count of TTL keys must match the entries. */
static inline void tc_check_nexpires(void)
{
	for (unsigned s = 0; s < KVS_SHARDS; s++) {
		for (int db = 0; db < tc_eng.ks.ndb; db++) {
			const struct kvs_table *t = &tc_eng.ks.shard[s].db[db];
			size_t n = 0;
			for (size_t i = kvs_table_next(t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(t, i + 1))
				n += kvs_entry_has_expire(kvs_table_at(t, i)) != 0;
			ck_assert_uint_eq(n, tc_eng.ks.shard[s].nexpires[db]);
		}
	}
}

/* ---- reading RESP2 replies ------------------------------------------ */

/* Parse "$len\r\n<bytes>\r\n" at *p into a malloc'd NUL-terminated copy. */
static inline char *tc_parse_bulk(const char **p)
{
	char *end;
	ck_assert_int_eq(**p, '$');
	long len = strtol(*p + 1, &end, 10);
	ck_assert(len >= 0 && end[0] == '\r' && end[1] == '\n');
	char *s = malloc((size_t)len + 1);
	memcpy(s, end + 2, (size_t)len);
	s[len] = '\0';
	ck_assert(end[2 + len] == '\r' && end[3 + len] == '\n');
	*p = end + 4 + len;
	return s;
}

/* Parse "*n\r\n" followed by n bulk strings; returns n, *items malloc'd. */
static inline long tc_parse_bulks(const char **p, char ***items)
{
	char *end;
	ck_assert_int_eq(**p, '*');
	long n = strtol(*p + 1, &end, 10);
	ck_assert(n >= 0 && end[0] == '\r' && end[1] == '\n');
	*p = end + 2;
	*items = calloc((size_t)n + 1, sizeof **items);
	for (long i = 0; i < n; i++)
		(*items)[i] = tc_parse_bulk(p);
	return n;
}

static inline void tc_free_items(char **items, long n)
{
	for (long i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

static int tc_cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The reply at p (up to its end) is an array of bulk strings equal, as a
 * set, to the NULL-terminated list want (written in sorted order). */
static inline void tc_expect_set_from(const char *p, const char *const *want)
{
	char **items;
	long n = tc_parse_bulks(&p, &items), nw = 0;
	ck_assert_ptr_eq(p, tc_reply + tc_reply_len);
	qsort(items, (size_t)n, sizeof *items, tc_cmpstr);
	while (want[nw])
		nw++;
	ck_assert_int_eq(n, nw);
	for (long i = 0; i < n; i++)
		ck_assert_str_eq(items[i], want[i]);
	tc_free_items(items, n);
}
#define EXPECT_SET(...) tc_expect_set_from(tc_reply, (const char *const[]){ __VA_ARGS__, NULL })
/* The last reply is a final SCAN page ("0" cursor) holding the set. */
#define EXPECT_SCAN_DONE(...) do { \
	ck_assert_msg(strncmp(tc_reply, "*2\r\n$1\r\n0\r\n", 11) == 0, "reply %s", tc_reply); \
	tc_expect_set_from(tc_reply + 11, (const char *const[]){ __VA_ARGS__, NULL }); \
} while (0)

#endif
