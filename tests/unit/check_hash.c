/* Key hashing: CRC16 slots must equal Redis Cluster's (values below were
 * read from `CLUSTER KEYSLOT` of a redis-server 7.0 in cluster mode). */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "hlc.h"

static unsigned slot(const char *k) { return kvs_keyslot(k, strlen(k)); }

START_TEST(test_crc16_vector)
{
	/* CRC16-XMODEM check value from the Redis Cluster specification. */
	ck_assert_uint_eq(kvs_crc16("123456789", 9), 0x31c3);
}
END_TEST

START_TEST(test_keyslot_matches_redis)
{
	ck_assert_uint_eq(slot("foo"), 12182);
	ck_assert_uint_eq(slot("bar"), 5061);
	ck_assert_uint_eq(slot("123456789"), 12739);
	ck_assert_uint_eq(slot(""), 0);
}
END_TEST

START_TEST(test_hash_tags)
{
	ck_assert_uint_eq(slot("{user1000}.following"), 3443);
	ck_assert_uint_eq(slot("user1000"), 3443);
	ck_assert_uint_eq(slot("foo{}{bar}"), 8363);   /* empty tag: whole key */
	ck_assert_uint_eq(slot("foo{{bar}}zap"), 4015); /* tag is "{bar" */
	ck_assert_uint_eq(slot("{bar"), 4015);
	ck_assert_uint_eq(slot("a{b}c{d}"), 3300);      /* first tag only */
	ck_assert_uint_eq(slot("a{b}c{d}"), slot("b"));
}
END_TEST

START_TEST(test_shard_of_slot)
{
	ck_assert_uint_eq(kvs_slot_shard(0), 0);
	ck_assert_uint_eq(kvs_slot_shard(1023), 0);
	ck_assert_uint_eq(kvs_slot_shard(1024), 1);
	ck_assert_uint_eq(kvs_slot_shard(16383), 15);
	ck_assert_uint_eq(kvs_key_shard("foo", 3), 12182 / 1024);
}
END_TEST

START_TEST(test_hash64_seed_and_length)
{
	const char buf[64] = { 0 };
	/* All-zero inputs of different lengths must not collide. */
	for (size_t a = 0; a < 64; a++)
		for (size_t b = a + 1; b < 64; b++)
			ck_assert_uint_ne(kvs_hash64(buf, a, 1), kvs_hash64(buf, b, 1));
	ck_assert_uint_ne(kvs_hash64("abc", 3, 1), kvs_hash64("abc", 3, 2));
	ck_assert_uint_eq(kvs_hash64("abc", 3, 7), kvs_hash64("abc", 3, 7));
}
END_TEST

START_TEST(test_hash64_bit_balance)
{
	/* Each output bit should be set about half the time over sequential
	 * keys (a table hash that isn't would cluster). */
	int ones[64] = { 0 };
	char key[32];
	const int n = 20000;
	for (int i = 0; i < n; i++) {
		int l = snprintf(key, sizeof key, "key:%09d", i);
		uint64_t h = kvs_hash64(key, (size_t)l, 42);
		for (int b = 0; b < 64; b++)
			ones[b] += (int)((h >> b) & 1);
	}
	for (int b = 0; b < 64; b++) {
		ck_assert_int_gt(ones[b], n * 45 / 100);
		ck_assert_int_lt(ones[b], n * 55 / 100);
	}
}
END_TEST

START_TEST(test_hlc_order)
{
	uint64_t clock = 0;
	const uint64_t t0 = 1767225600000ull;
	uint64_t a = kvs_hlc_tick(&clock, t0, 5);
	uint64_t b = kvs_hlc_tick(&clock, t0, 5);       /* same ms: logical+1 */
	uint64_t c = kvs_hlc_tick(&clock, t0 - 10, 5);  /* clock went back */
	ck_assert_uint_gt(b, a);
	ck_assert_uint_gt(c, b);
	ck_assert_uint_eq(kvs_hlc_node(a), 5);
	ck_assert_uint_eq(kvs_hlc_ms(a), t0);
	ck_assert_uint_eq(kvs_hlc_ms(c), t0);
	/* A remote stamp from the future pushes later local stamps past it. */
	uint64_t remote = kvs_hlc_make(t0 + 5000, 3, 9);
	kvs_hlc_recv(&clock, remote);
	uint64_t d = kvs_hlc_tick(&clock, t0, 5);
	ck_assert_uint_gt(d, remote);
	/* Same time and counter: the node id breaks the tie. */
	ck_assert_uint_gt(kvs_hlc_make(t0, 1, 2), kvs_hlc_make(t0, 1, 1));
	/* 4096 ticks in one ms overflow the logical counter into the ms. */
	clock = 0;
	uint64_t last = 0;
	for (int i = 0; i < 5000; i++) {
		uint64_t s = kvs_hlc_tick(&clock, t0, 1);
		ck_assert_uint_gt(s, last);
		last = s;
	}
	ck_assert_uint_eq(kvs_hlc_ms(last), t0 + 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_crc16_vector);
	tcase_add_test(tc, test_keyslot_matches_redis);
	tcase_add_test(tc, test_hash_tags);
	tcase_add_test(tc, test_shard_of_slot);
	tcase_add_test(tc, test_hash64_seed_and_length);
	tcase_add_test(tc, test_hash64_bit_balance);
	tcase_add_test(tc, test_hlc_order);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
