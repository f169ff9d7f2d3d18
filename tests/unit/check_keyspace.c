/* The keyspace: lookups, the single write path (stamps, change hook,
 * counters), lazy and active expiry under a fake clock, SWAPDB, flush. */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "hlc.h"
#include "keyspace.h"
#include "testenv.h"

static struct test_env tenv;
static struct kvs_keyspace ks;

struct change { unsigned shard; int db; enum kvs_change what; char key[64]; int has_entry; };
static struct change changes[64];
static int nchanges;

static void on_change(void *arg, unsigned shard, int db, enum kvs_change what, const char *key, size_t klen,
		      const struct kvs_entry *e)
{
	(void)arg;
	if (nchanges < 64) {
		struct change *c = &changes[nchanges];
		c->shard = shard;
		c->db = db;
		c->what = what;
		snprintf(c->key, sizeof c->key, "%.*s", key ? (int)klen : 0, key ? key : "");
		c->has_entry = e != NULL;
	}
	nchanges++;
}

static void setup(void)
{
	test_env_init(&tenv, 12345);
	ck_assert_int_eq(kvs_keyspace_init(&ks, &tenv.env, 16, 7), 0);
	ks.on_change = on_change;
	nchanges = 0;
}

static void teardown(void) { kvs_keyspace_destroy(&ks); }

/* SET key val [expire at ms] through the write path. */
static void put(int db, const char *key, const char *val, uint64_t expire)
{
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE;
	kvs_key_init(&ks, &k, key, strlen(key));
	ks_lock(&ks, k.shard);
	if (!ks_find(&ks, db, &k, tenv.now_ms, &slot))
		slot = KVS_TABLE_NONE;
	ks_put(&ks, db, &k, slot, kvs_entry_new_str(key, strlen(key), val, strlen(val), expire), tenv.now_ms);
	ks_unlock(&ks, k.shard);
}

/* GET: the value as a C string in buf, or NULL if missing. */
static const char *get(int db, const char *key, char *buf, size_t cap)
{
	struct kvs_key k;
	size_t vlen;
	const char *r = NULL;
	kvs_key_init(&ks, &k, key, strlen(key));
	ks_lock(&ks, k.shard);
	struct kvs_entry *e = ks_find(&ks, db, &k, tenv.now_ms, NULL);
	if (e) {
		const char *v = kvs_entry_str(e, &vlen);
		snprintf(buf, cap, "%.*s", (int)vlen, v);
		r = buf;
	}
	ks_unlock(&ks, k.shard);
	return r;
}

static size_t dbsize(int db)
{
	size_t n = 0;
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		n += ks_shard_size(&ks.shard[i], db);
	return n;
}

START_TEST(test_put_get_replace)
{
	char buf[64];
	ck_assert_ptr_null(get(0, "a", buf, sizeof buf));
	put(0, "a", "1", 0);
	ck_assert_str_eq(get(0, "a", buf, sizeof buf), "1");
	put(0, "a", "a much longer value than before", 0);
	ck_assert_str_eq(get(0, "a", buf, sizeof buf), "a much longer value than before");
	ck_assert_ptr_null(get(1, "a", buf, sizeof buf)); /* databases are separate */
	ck_assert_uint_eq(dbsize(0), 1);
	ck_assert_int_eq(nchanges, 2);
	ck_assert_int_eq(changes[1].what, KVS_CHG_WRITE);
	ck_assert_str_eq(changes[1].key, "a");
	ck_assert_int_eq(changes[1].has_entry, 1);
	ck_assert_uint_eq(changes[1].shard, kvs_key_shard("a", 1));
}
END_TEST

START_TEST(test_many_keys_and_delete)
{
	char key[32], val[32], buf[64];
	const int n = 20000;
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "key:%09d", i);
		snprintf(val, sizeof val, "v%d", i);
		put(3, key, val, 0);
	}
	ck_assert_uint_eq(dbsize(3), (size_t)n);
	for (int i = 0; i < n; i += 2) {
		struct kvs_key k;
		size_t slot;
		snprintf(key, sizeof key, "key:%09d", i);
		kvs_key_init(&ks, &k, key, strlen(key));
		ks_lock(&ks, k.shard);
		ck_assert_ptr_nonnull(ks_find(&ks, 3, &k, tenv.now_ms, &slot));
		ks_delete_at(&ks, 3, &k, slot, KVS_CHG_DELETE, tenv.now_ms);
		ks_unlock(&ks, k.shard);
	}
	ck_assert_uint_eq(dbsize(3), (size_t)n / 2);
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "key:%09d", i);
		snprintf(val, sizeof val, "v%d", i);
		if (i % 2)
			ck_assert_str_eq(get(3, key, buf, sizeof buf), val);
		else
			ck_assert_ptr_null(get(3, key, buf, sizeof buf));
	}
	/* Every shard got some keys: the CRC16 slot spreads them. */
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		ck_assert_uint_gt(ks_shard_size(&ks.shard[s], 3), (size_t)n / 2 / KVS_SHARDS / 2);
}
END_TEST

START_TEST(test_stamps_monotonic_with_node_id)
{
	struct kvs_key k;
	uint64_t prev = 0;
	kvs_key_init(&ks, &k, "s", 1);
	for (int i = 0; i < 100; i++) {
		put(0, "s", "x", 0);
		ks_lock(&ks, k.shard);
		struct kvs_entry *e = ks_find(&ks, 0, &k, tenv.now_ms, NULL);
		ck_assert_uint_gt(e->stamp, prev);
		ck_assert_uint_eq(kvs_hlc_node(e->stamp), 7);
		prev = e->stamp;
		ks_unlock(&ks, k.shard);
		if (i == 50)
			tenv.now_ms -= 1000; /* the wall clock steps back: stamps don't */
	}
}
END_TEST

START_TEST(test_lazy_expiry)
{
	char buf[64];
	put(0, "t", "v", tenv.now_ms + 1000);
	ck_assert_str_eq(get(0, "t", buf, sizeof buf), "v");
	tenv.now_ms += 999;
	ck_assert_str_eq(get(0, "t", buf, sizeof buf), "v");
	int before = nchanges;
	tenv.now_ms += 1; /* deadline reached: never returned again */
	ck_assert_ptr_null(get(0, "t", buf, sizeof buf));
	ck_assert_int_eq(nchanges, before + 1);
	ck_assert_int_eq(changes[before].what, KVS_CHG_EXPIRED);
	ck_assert_uint_eq(dbsize(0), 0);
	ck_assert_uint_eq(ks.shard[kvs_key_shard("t", 1)].nexpires[0], 0);
}
END_TEST

START_TEST(test_active_expiry_reclaims)
{
	char key[32];
	const int n = 5000;
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "e:%d", i);
		put(0, key, "v", i < n / 2 ? tenv.now_ms + 100 : 0);
	}
	ck_assert_uint_eq(dbsize(0), (size_t)n);
	size_t nexp = 0;
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		nexp += ks.shard[s].nexpires[0];
	ck_assert_uint_eq(nexp, (size_t)n / 2);
	/* Not yet due: a step reclaims nothing. */
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		ck_assert_uint_eq(ks_expire_step(&ks, s, 64), 0);
	tenv.now_ms += 100;
	/* Bounded steps: each visits at most 16 * 64 slots per db, so it takes
	 * several ticks, but without any access the keys all go. */
	size_t reclaimed = 0;
	int ticks = 0;
	while (dbsize(0) > (size_t)n / 2 && ticks < 1000) {
		for (unsigned s = 0; s < KVS_SHARDS; s++) {
			size_t r = ks_expire_step(&ks, s, 64);
			ck_assert_uint_le(r, 16 * 64);
			reclaimed += r;
		}
		ticks++;
	}
	ck_assert_uint_eq(reclaimed, (size_t)n / 2);
	ck_assert_uint_eq(dbsize(0), (size_t)n / 2);
	nexp = 0;
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		nexp += ks.shard[s].nexpires[0];
	ck_assert_uint_eq(nexp, 0);
}
END_TEST

START_TEST(test_set_expire_and_persist)
{
	struct kvs_key k;
	size_t slot;
	put(2, "p", "v", 0);
	kvs_key_init(&ks, &k, "p", 1);
	ks_lock(&ks, k.shard);
	ck_assert_ptr_nonnull(ks_find(&ks, 2, &k, tenv.now_ms, &slot));
	struct kvs_entry *e = ks_set_expire(&ks, 2, &k, slot, tenv.now_ms + 50, tenv.now_ms);
	ck_assert_uint_eq(kvs_entry_expire(e), tenv.now_ms + 50);
	ck_assert_uint_eq(ks.shard[k.shard].nexpires[2], 1);
	size_t klen;
	const char *key = kvs_entry_key(e, &klen);
	ck_assert_uint_eq(klen, 1);
	ck_assert_int_eq(key[0], 'p');
	e = ks_set_expire(&ks, 2, &k, slot, 0, tenv.now_ms);
	ck_assert_uint_eq(kvs_entry_expire(e), 0);
	ck_assert_uint_eq(ks.shard[k.shard].nexpires[2], 0);
	size_t vlen;
	const char *v = kvs_entry_str(e, &vlen);
	ck_assert_uint_eq(vlen, 1);
	ck_assert_int_eq(v[0], 'v');
	ks_unlock(&ks, k.shard);
}
END_TEST

START_TEST(test_swapdb_and_flush)
{
	char buf[64];
	put(0, "x", "zero", 0);
	put(1, "x", "one", tenv.now_ms + 10000);
	ks_swapdb(&ks, 0, 1);
	ck_assert_str_eq(get(0, "x", buf, sizeof buf), "one");
	ck_assert_str_eq(get(1, "x", buf, sizeof buf), "zero");
	ck_assert_uint_eq(ks.shard[kvs_key_shard("x", 1)].nexpires[0], 1);
	ck_assert_uint_eq(ks.shard[kvs_key_shard("x", 1)].nexpires[1], 0);
	for (unsigned s = 0; s < KVS_SHARDS; s++) {
		ks_lock(&ks, s);
		ks_flush_shard(&ks, s, 0, tenv.now_ms);
		ks_unlock(&ks, s);
	}
	ck_assert_ptr_null(get(0, "x", buf, sizeof buf));
	ck_assert_str_eq(get(1, "x", buf, sizeof buf), "zero");
}
END_TEST

/* What WATCH of a missing key relies on: a removal of the key after the
 * change count was read is always reported; nothing happening to the
 * shard is not; a flush of any database is (conservatively). */
START_TEST(test_maybe_removed_since)
{
	struct kvs_key k;
	size_t slot;
	kvs_key_init(&ks, &k, "gone", 4);
	uint64_t since = ks_change_count(&ks, k.shard);
	ck_assert_int_eq(ks_maybe_removed_since(&ks, &k, since), 0);
	put(0, "gone", "v", 0);
	ck_assert_int_eq(ks_maybe_removed_since(&ks, &k, since), 0);   /* created, still there */
	ks_lock(&ks, k.shard);
	ck_assert_ptr_nonnull(ks_find(&ks, 0, &k, tenv.now_ms, &slot));
	ks_delete_at(&ks, 0, &k, slot, KVS_CHG_DELETE, tenv.now_ms);
	ck_assert_int_eq(ks_maybe_removed_since(&ks, &k, since), 1);
	since = ks_change_count(&ks, k.shard);
	ck_assert_int_eq(ks_maybe_removed_since(&ks, &k, since), 0);
	ks_unlock(&ks, k.shard);
	/* Expiry is a removal too (found expired by a lookup). */
	put(0, "gone", "v", tenv.now_ms + 10);
	tenv.now_ms += 20;
	ks_lock(&ks, k.shard);
	ck_assert_ptr_null(ks_find(&ks, 0, &k, tenv.now_ms, NULL));
	ck_assert_int_eq(ks_maybe_removed_since(&ks, &k, since), 1);
	since = ks_change_count(&ks, k.shard);
	ks_unlock(&ks, k.shard);
	/* A flush of another database of the shard: conservatively yes. */
	put(5, "gone", "v", 0);
	ks_lock(&ks, k.shard);
	since = ks_change_count(&ks, k.shard);
	ks_flush_shard(&ks, k.shard, 5, tenv.now_ms);
	ck_assert_int_eq(ks_maybe_removed_since(&ks, &k, since), 1);
	ks_unlock(&ks, k.shard);
}
END_TEST

START_TEST(test_init_rejects_bad_args)
{
	struct kvs_keyspace k2;
	ck_assert_int_eq(kvs_keyspace_init(&k2, &tenv.env, 0, 1), -1);
	ck_assert_int_eq(kvs_keyspace_init(&k2, &tenv.env, KVS_MAX_DBS + 1, 1), -1);
	ck_assert_int_eq(kvs_keyspace_init(&k2, &tenv.env, 1, KVS_HLC_MAX_NODE + 1), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keyspace");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_put_get_replace);
	tcase_add_test(tc, test_maybe_removed_since);
	tcase_add_test(tc, test_many_keys_and_delete);
	tcase_add_test(tc, test_stamps_monotonic_with_node_id);
	tcase_add_test(tc, test_lazy_expiry);
	tcase_add_test(tc, test_active_expiry_reclaims);
	tcase_add_test(tc, test_set_expire_and_persist);
	tcase_add_test(tc, test_swapdb_and_flush);
	tcase_add_test(tc, test_init_rejects_bad_args);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
