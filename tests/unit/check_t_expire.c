/*
 * check_t_expire.c - EXPIRE family, TTL family, PERSIST, TOUCH, and lazy
 * and active expiry, under the fake clock of testenv.h (which starts at
 * 2026-01-01T00:00:00Z = 1767225600000 ms).
 */
#include "config.h"
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "exec_fixture.h"

#define NOTINT "-ERR value is not an integer or out of range\r\n"

START_TEST(fake_clock_start)
{
	/* The literal timestamps below assume this start. */
	ck_assert_uint_eq(fx_now(), 1767225600000ull);
}
END_TEST

START_TEST(expire_ttl_basic)
{
	EXPECT(":0\r\n", "EXPIRE", "k", "10");        /* no key */
	EXPECT(":-2\r\n", "TTL", "k");
	EXPECT(":-2\r\n", "PTTL", "k");
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":-1\r\n", "TTL", "k");
	EXPECT(":-1\r\n", "PTTL", "k");
	EXPECT(":1\r\n", "EXPIRE", "k", "10");
	EXPECT(":10\r\n", "TTL", "k");
	EXPECT(":10000\r\n", "PTTL", "k");
	EXPECT(":1767225610\r\n", "EXPIRETIME", "k");
	EXPECT(":1767225610000\r\n", "PEXPIRETIME", "k");
	EXPECT(":1\r\n", "PEXPIRE", "k", "2500");
	EXPECT(":2500\r\n", "PTTL", "k");
	EXPECT(":3\r\n", "TTL", "k");                 /* 2.5 s rounds up */
	EXPECT(":1\r\n", "EXPIREAT", "k", "1767225700");
	EXPECT(":100\r\n", "TTL", "k");
	EXPECT(":1767225700\r\n", "EXPIRETIME", "k");
	EXPECT(":1\r\n", "PEXPIREAT", "k", "1767225600123");
	EXPECT(":123\r\n", "PTTL", "k");
	EXPECT(":1767225600123\r\n", "PEXPIRETIME", "k");
	EXPECT(":1767225600\r\n", "EXPIRETIME", "k");  /* .123 rounds down */
	EXPECT("$1\r\nv\r\n", "GET", "k");
}
END_TEST

START_TEST(ttl_rounding)
{
	EXPECT("+OK\r\n", "SET", "k", "v", "PX", "10000");
	fx_sleep(400);                 /* 9600 ms left */
	EXPECT(":10\r\n", "TTL", "k");
	fx_sleep(100);                 /* 9500 */
	EXPECT(":10\r\n", "TTL", "k");
	fx_sleep(1);                   /* 9499 */
	EXPECT(":9\r\n", "TTL", "k");
	EXPECT(":9499\r\n", "PTTL", "k");
	fx_sleep(9000);                /* 499 */
	EXPECT(":0\r\n", "TTL", "k");
	fx_sleep(498);                 /* 1 */
	EXPECT(":1\r\n", "PTTL", "k");
	fx_sleep(1);                   /* 0: gone */
	EXPECT(":-2\r\n", "PTTL", "k");
	EXPECT(":-2\r\n", "TTL", "k");
	/* EXPIRETIME rounds to nearest too. */
	EXPECT("+OK\r\n", "SET", "k", "v", "PXAT", "1767225700500");
	EXPECT(":1767225701\r\n", "EXPIRETIME", "k");
	EXPECT("+OK\r\n", "SET", "k", "v", "PXAT", "1767225700499");
	EXPECT(":1767225700\r\n", "EXPIRETIME", "k");
}
END_TEST

START_TEST(expiretime_missing)
{
	EXPECT(":-2\r\n", "EXPIRETIME", "k");
	EXPECT(":-2\r\n", "PEXPIRETIME", "k");
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":-1\r\n", "EXPIRETIME", "k");
	EXPECT(":-1\r\n", "PEXPIRETIME", "k");
}
END_TEST

START_TEST(expire_in_past_deletes)
{
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":1\r\n", "EXPIRE", "k", "-1");
	EXPECT(":-2\r\n", "TTL", "k");
	ck_assert_uint_eq(fx_stored(), 0);
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":1\r\n", "EXPIRE", "k", "0");
	EXPECT("$-1\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":1\r\n", "PEXPIRE", "k", "0");
	EXPECT("$-1\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":1\r\n", "EXPIREAT", "k", "1");
	EXPECT("$-1\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":1\r\n", "PEXPIREAT", "k", "1767225600000");   /* exactly now */
	EXPECT("$-1\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":1\r\n", "PEXPIREAT", "k", "-9223372036854775808");
	EXPECT("$-1\r\n", "GET", "k");
	ck_assert_uint_eq(fx_stored(), 0);
	/* Just in the future stays. */
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":1\r\n", "PEXPIREAT", "k", "1767225600001");
	EXPECT(":1\r\n", "PTTL", "k");
}
END_TEST

START_TEST(expire_errors)
{
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(NOTINT, "EXPIRE", "k", "abc");
	EXPECT(NOTINT, "EXPIRE", "k", "1.5");
	EXPECT(NOTINT, "PEXPIRE", "k", "");
	EXPECT(NOTINT, "EXPIREAT", "k", "9223372036854775808");
	EXPECT("-ERR invalid expire time in 'expire' command\r\n", "EXPIRE", "k", "9223372036854776");
	EXPECT("-ERR invalid expire time in 'expire' command\r\n", "EXPIRE", "k", "-9223372036854776");
	EXPECT("-ERR invalid expire time in 'expire' command\r\n", "EXPIRE", "k", "9223372036854775");
	EXPECT("-ERR invalid expire time in 'pexpire' command\r\n", "PEXPIRE", "k",
	       "9223372036854775807");
	EXPECT("-ERR invalid expire time in 'expireat' command\r\n", "EXPIREAT", "k",
	       "9223372036854776");
	/* Checked before the key is looked up. */
	EXPECT("-ERR invalid expire time in 'expire' command\r\n", "EXPIRE", "nokey",
	       "9223372036854776");
	EXPECT(":-1\r\n", "TTL", "k");
	/* The largest representable deadlines are fine. */
	EXPECT(":1\r\n", "PEXPIREAT", "k", "9223372036854775807");
	EXPECT(":9223372036854775807\r\n", "PEXPIRETIME", "k");
	EXPECT(":9223372036854776\r\n", "EXPIRETIME", "k");      /* rounded, no overflow */
	EXPECT(":1\r\n", "EXPIREAT", "k", "9223372036854775");
	EXPECT(":9223372036854775000\r\n", "PEXPIRETIME", "k");
	EXPECT("-ERR wrong number of arguments for 'expire' command\r\n", "EXPIRE", "k");
	EXPECT("-ERR wrong number of arguments for 'ttl' command\r\n", "TTL", "k", "x");
}
END_TEST

START_TEST(expire_option_errors)
{
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT("-ERR Unsupported option foo\r\n", "EXPIRE", "k", "10", "foo");
	EXPECT("-ERR Unsupported option GTX\r\n", "EXPIRE", "k", "10", "NX", "GTX");
	/* Options are parsed before the time. */
	EXPECT("-ERR Unsupported option foo\r\n", "EXPIRE", "k", "abc", "foo");
	EXPECT("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
	       "EXPIRE", "k", "10", "NX", "XX");
	EXPECT("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
	       "PEXPIRE", "k", "10", "gt", "nx");
	EXPECT("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
	       "EXPIREAT", "k", "10", "NX", "LT");
	EXPECT("-ERR GT and LT options at the same time are not compatible\r\n",
	       "PEXPIREAT", "k", "10", "GT", "LT");
	EXPECT("-ERR GT and LT options at the same time are not compatible\r\n",
	       "EXPIRE", "k", "abc", "LT", "GT");
	EXPECT(NOTINT, "EXPIRE", "k", "abc", "NX");
	EXPECT(":-1\r\n", "TTL", "k");
}
END_TEST

START_TEST(expire_nx_xx)
{
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":0\r\n", "EXPIRE", "k", "100", "XX");    /* no TTL yet */
	EXPECT(":-1\r\n", "TTL", "k");
	EXPECT(":1\r\n", "EXPIRE", "k", "100", "NX");
	EXPECT(":100\r\n", "TTL", "k");
	EXPECT(":0\r\n", "EXPIRE", "k", "200", "nx");    /* has one now */
	EXPECT(":100\r\n", "TTL", "k");
	EXPECT(":1\r\n", "EXPIRE", "k", "200", "xx");
	EXPECT(":200\r\n", "TTL", "k");
	EXPECT(":0\r\n", "EXPIRE", "nokey", "10", "NX");
	/* NX NX is allowed (repeats are). */
	EXPECT("+OK\r\n", "SET", "j", "v");
	EXPECT(":1\r\n", "PEXPIRE", "j", "10", "NX", "NX");
	/* XX with a past deadline deletes. */
	EXPECT(":1\r\n", "EXPIRE", "k", "-1", "XX");
	EXPECT(":-2\r\n", "TTL", "k");
}
END_TEST

START_TEST(expire_gt_lt)
{
	EXPECT("+OK\r\n", "SET", "k", "v");
	/* No TTL counts as infinite: GT never wins, LT always does. */
	EXPECT(":0\r\n", "EXPIRE", "k", "100", "GT");
	EXPECT(":-1\r\n", "TTL", "k");
	EXPECT(":1\r\n", "EXPIRE", "k", "100", "LT");
	EXPECT(":100\r\n", "TTL", "k");
	EXPECT(":0\r\n", "EXPIRE", "k", "100", "GT");    /* equal */
	EXPECT(":0\r\n", "EXPIRE", "k", "100", "LT");    /* equal */
	EXPECT(":0\r\n", "EXPIRE", "k", "50", "GT");
	EXPECT(":1\r\n", "EXPIRE", "k", "150", "GT");
	EXPECT(":150\r\n", "TTL", "k");
	EXPECT(":0\r\n", "EXPIRE", "k", "200", "LT");
	EXPECT(":1\r\n", "PEXPIRE", "k", "120000", "lt");
	EXPECT(":120\r\n", "TTL", "k");
	EXPECT(":1\r\n", "EXPIRE", "k", "130", "XX", "GT");
	EXPECT(":130\r\n", "TTL", "k");
	EXPECT(":0\r\n", "EXPIRE", "k", "140", "XX", "LT");
	EXPECT(":1\r\n", "EXPIREAT", "k", "1767225610", "LT");
	EXPECT(":10\r\n", "TTL", "k");
	EXPECT(":0\r\n", "PEXPIREAT", "k", "1767225610000", "GT");
	EXPECT(":1\r\n", "PEXPIREAT", "k", "1767225610001", "GT");
	EXPECT(":10001\r\n", "PTTL", "k");
	/* LT with a deadline in the past deletes. */
	EXPECT(":1\r\n", "EXPIRE", "k", "-5", "LT");
	EXPECT(":-2\r\n", "TTL", "k");
	/* XX LT on no TTL: XX vetoes. */
	EXPECT("+OK\r\n", "SET", "j", "v");
	EXPECT(":0\r\n", "EXPIRE", "j", "10", "XX", "LT");
}
END_TEST

START_TEST(persist)
{
	EXPECT(":0\r\n", "PERSIST", "k");
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT(":0\r\n", "PERSIST", "k");
	EXPECT(":1\r\n", "EXPIRE", "k", "10");
	EXPECT(":1\r\n", "PERSIST", "k");
	EXPECT(":-1\r\n", "TTL", "k");
	EXPECT(":0\r\n", "PERSIST", "k");
	fx_sleep(20000);
	EXPECT("$1\r\nv\r\n", "GET", "k");
	/* An expired key cannot be rescued. */
	EXPECT(":1\r\n", "PEXPIRE", "k", "5");
	fx_sleep(5);
	EXPECT(":0\r\n", "PERSIST", "k");
	EXPECT("$-1\r\n", "GET", "k");
}
END_TEST

START_TEST(touch)
{
	EXPECT(":0\r\n", "TOUCH", "a");
	EXPECT("+OK\r\n", "MSET", "a", "1", "b", "2");
	EXPECT(":2\r\n", "TOUCH", "a", "b", "c");
	EXPECT(":3\r\n", "TOUCH", "a", "a", "b");     /* each argument counts */
	EXPECT(":1\r\n", "PEXPIRE", "b", "10");
	fx_sleep(10);
	EXPECT(":1\r\n", "TOUCH", "a", "b");
	fx_put_list("l");
	EXPECT(":2\r\n", "TOUCH", "l", "a");
	EXPECT("-ERR wrong number of arguments for 'touch' command\r\n", "TOUCH");
}
END_TEST

START_TEST(expire_other_types)
{
	fx_put_list("l");
	EXPECT(":-1\r\n", "TTL", "l");
	EXPECT(":1\r\n", "PEXPIRE", "l", "300");
	EXPECT(":300\r\n", "PTTL", "l");
	EXPECT(":1\r\n", "PERSIST", "l");
	EXPECT(":1\r\n", "PEXPIRE", "l", "300");
	fx_sleep(300);
	EXPECT(":-2\r\n", "PTTL", "l");
	ck_assert_uint_eq(fx_stored(), 0);
}
END_TEST

START_TEST(stats_counted)
{
	EXPECT("+OK\r\n", "SET", "a", "1");
	EXPECT(":-1\r\n", "TTL", "a");
	EXPECT(":-2\r\n", "PTTL", "b");
	EXPECT(":-1\r\n", "EXPIRETIME", "a");
	EXPECT(":1\r\n", "TOUCH", "a", "b");
	ck_assert_uint_eq(fx.stats.keyspace_hits, 3);
	ck_assert_uint_eq(fx.stats.keyspace_misses, 2);
	/* Writes do not count. */
	EXPECT(":1\r\n", "EXPIRE", "a", "10");
	EXPECT(":0\r\n", "EXPIRE", "b", "10");
	EXPECT(":1\r\n", "PERSIST", "a");
	ck_assert_uint_eq(fx.stats.keyspace_hits, 3);
	ck_assert_uint_eq(fx.stats.keyspace_misses, 2);
}
END_TEST

START_TEST(lazy_expiry)
{
	EXPECT("+OK\r\n", "SET", "a", "1", "PX", "50");
	EXPECT("+OK\r\n", "SET", "b", "2");
	EXPECT(":1\r\n", "PEXPIRE", "b", "100");
	fx_sleep(49);
	EXPECT("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "MGET", "a", "b");
	fx_sleep(1);
	EXPECT("*2\r\n$-1\r\n$1\r\n2\r\n", "MGET", "a", "b");
	ck_assert_uint_eq(fx_stored(), 1);     /* a was reclaimed by the read */
	fx_sleep(50);
	ck_assert_uint_eq(fx_stored(), 1);     /* b is still stored... */
	EXPECT(":-2\r\n", "TTL", "b");         /* ...but never returned */
	ck_assert_uint_eq(fx_stored(), 0);
	/* A write to an expired key starts from nothing. */
	EXPECT("+OK\r\n", "SET", "c", "5", "PX", "10");
	fx_sleep(10);
	EXPECT(":1\r\n", "INCR", "c");
	EXPECT(":-1\r\n", "TTL", "c");
	EXPECT("+OK\r\n", "SET", "d", "abc", "PX", "10");
	fx_sleep(10);
	EXPECT(":3\r\n", "APPEND", "d", "xyz");
	EXPECT("$3\r\nxyz\r\n", "GET", "d");
	EXPECT("+OK\r\n", "SET", "e", "abc", "PX", "10");
	fx_sleep(10);
	EXPECT(":1\r\n", "SETNX", "e", "new");
	EXPECT("$3\r\nnew\r\n", "GET", "e");
}
END_TEST

/* Active expiry: keys nobody reads are reclaimed by ks_expire_step. */
START_TEST(active_expiry)
{
	char key[32];
	size_t reclaimed = 0;
	for (int i = 0; i < 300; i++) {
		snprintf(key, sizeof key, "tmp:%d", i);
		EXPECT("+OK\r\n", "SET", key, "v", "PX", i % 2 ? "100" : "1000");
		snprintf(key, sizeof key, "keep:%d", i);
		EXPECT("+OK\r\n", "SET", key, "v");
	}
	ck_assert_uint_eq(fx_stored(), 600);
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		reclaimed += ks_expire_step(&fx.eng.ks, s, 1000);
	ck_assert_uint_eq(reclaimed, 0);      /* nothing is due yet */
	fx_sleep(100);
	/* Bounded steps: repeat until a full round reclaims nothing; the
	 * deadline keeps a broken step from looping forever. */
	for (int round = 0; round < 100; round++) {
		size_t n = 0;
		for (unsigned s = 0; s < KVS_SHARDS; s++)
			n += ks_expire_step(&fx.eng.ks, s, 8);
		reclaimed += n;
		if (reclaimed == 150)
			break;
	}
	ck_assert_uint_eq(reclaimed, 150);
	ck_assert_uint_eq(fx_stored(), 450);
	fx_sleep(900);
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		reclaimed += ks_expire_step(&fx.eng.ks, s, 1000);
	ck_assert_uint_eq(reclaimed, 300);
	ck_assert_uint_eq(fx_stored(), 300);
	EXPECT("$-1\r\n", "GET", "tmp:0");
	EXPECT("$1\r\nv\r\n", "GET", "keep:299");
	uint64_t expired = 0;
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		expired += fx.eng.ks.shard[s].expired;
	ck_assert_uint_eq(expired, 300);
}
END_TEST

/* PERSIST and a re-EXPIRE keep the keyspace's count of TTL keys right, so
 * the active step neither misses keys nor visits stale ones. */
START_TEST(active_expiry_after_persist)
{
	EXPECT("+OK\r\n", "SET", "a", "1", "PX", "10");
	EXPECT("+OK\r\n", "SET", "b", "1", "PX", "10");
	EXPECT(":1\r\n", "PERSIST", "a");
	EXPECT(":1\r\n", "PEXPIRE", "b", "20");
	EXPECT("+OK\r\n", "SET", "c", "1", "EX", "1");
	EXPECT("+OK\r\n", "SET", "c", "2");             /* clears c's TTL */
	size_t nexp = 0;
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		nexp += fx.eng.ks.shard[s].nexpires[0];
	ck_assert_uint_eq(nexp, 1);
	fx_sleep(5000);
	size_t n = 0;
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		n += ks_expire_step(&fx.eng.ks, s, 100);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(fx_stored(), 2);
	EXPECT("*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n", "MGET", "a", "b", "c");
}
END_TEST

/* Changes reach the keyspace's write path; refused ones report nothing. */
START_TEST(write_path_notifications)
{
	EXPECT("+OK\r\n", "SET", "k", "v");
	CHANGES(1, 0, 0);
	EXPECT(":1\r\n", "EXPIRE", "k", "100");
	EXPECT(":1\r\n", "PEXPIRE", "k", "200000", "GT");
	EXPECT(":1\r\n", "PERSIST", "k");
	CHANGES(3, 0, 0);
	EXPECT(":0\r\n", "PERSIST", "k");
	EXPECT(":0\r\n", "EXPIRE", "k", "100", "XX");
	EXPECT(":0\r\n", "EXPIRE", "nokey", "100");
	EXPECT(":0\r\n", "EXPIRE", "nokey", "-1");
	EXPECT("-ERR Unsupported option x\r\n", "EXPIRE", "k", "100", "x");
	EXPECT(":-1\r\n", "TTL", "k");
	EXPECT(":1\r\n", "TOUCH", "k");
	CHANGES(0, 0, 0);
	EXPECT(":1\r\n", "PEXPIREAT", "k", "1767225600000");   /* exactly now */
	CHANGES(0, 1, 0);
	ck_assert_uint_eq(fx_stored(), 0);
	EXPECT("+OK\r\n", "SET", "k", "v", "PX", "10");
	fx_sleep(10);
	EXPECT(":-2\r\n", "PTTL", "k");
	CHANGES(1, 0, 1);
}
END_TEST

static Suite *expire_suite(void)
{
	Suite *s = suite_create("t_expire");
	TCase *tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, fake_clock_start);
	tcase_add_test(tc, expire_ttl_basic);
	tcase_add_test(tc, ttl_rounding);
	tcase_add_test(tc, expiretime_missing);
	tcase_add_test(tc, expire_in_past_deletes);
	tcase_add_test(tc, expire_errors);
	tcase_add_test(tc, expire_option_errors);
	tcase_add_test(tc, expire_nx_xx);
	tcase_add_test(tc, expire_gt_lt);
	tcase_add_test(tc, persist);
	tcase_add_test(tc, touch);
	tcase_add_test(tc, expire_other_types);
	tcase_add_test(tc, stats_counted);
	tcase_add_test(tc, lazy_expiry);
	tcase_add_test(tc, active_expiry);
	tcase_add_test(tc, active_expiry_after_persist);
	tcase_add_test(tc, write_path_notifications);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(expire_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
