/*
 * check_t_set.c - the set commands (t_set.c, object.c) through kvs_exec,
 * against the replies and error strings of Redis 7.0 (taken from a
 * redis-server 7.0.15 session), plus a randomized comparison of SADD SREM
 * SINTER SUNION SDIFF (and the STORE forms) with a bitmask model.
 */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "hlc.h"
#include "typetest.h"

#define NIL "$-1\r\n"
#define ZERO ":0\r\n"
#define ONE ":1\r\n"
#define EMPTY "*0\r\n"
#define EMPTY_SCAN "*2\r\n$1\r\n0\r\n*0\r\n"
#define E_WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define E_NOTINT "-ERR value is not an integer or out of range\r\n"
#define E_SYNTAX "-ERR syntax error\r\n"
#define E_POSITIVE "-ERR value is out of range, must be positive\r\n"
#define E_NUMKEYS "-ERR numkeys should be greater than 0\r\n"
#define E_MANYKEYS "-ERR Number of keys can't be greater than number of args\r\n"
#define E_LIMIT "-ERR LIMIT can't be negative\r\n"

/* Two keys known to live in different shards ({a}: slot 15495, {b}: 3300). */
#define KA "{a}s"
#define KB "{b}s"

static void setup(void) { tc_setup(16); }
static void teardown(void)
{
	kvs_slowlog_destroy(&tc_eng);  /* testcmd.h leaves the slow log behind */
	tc_teardown();
}

static const char *enc_of(const char *key) { return kvs_tobj_encoding(tt_obj(key, KVS_T_SET)); }

START_TEST(sadd_srem_basics)
{
	EXPECT(":3\r\n", "SADD", "s", "1", "2", "3");
	CHANGES(1, 0, 0, 0);
	EXPECT(ONE, "SADD", "s", "a", "a", "3");
	EXPECT(ZERO, "SADD", "s", "a", "1");
	CHANGES(1, 0, 0, 0);    /* adding only known members writes nothing */
	EXPECT(":4\r\n", "SCARD", "s");
	EXPECT(ZERO, "SCARD", "nokey");
	EXPECT(ONE, "SISMEMBER", "s", "1");
	EXPECT(ZERO, "SISMEMBER", "s", "zz");
	EXPECT(ZERO, "SISMEMBER", "nokey", "1");
	EXPECT("*3\r\n:1\r\n:0\r\n:1\r\n", "SMISMEMBER", "s", "1", "zz", "2");
	EXPECT("*1\r\n:0\r\n", "SMISMEMBER", "nokey", "1");
	EXPECT("-ERR wrong number of arguments for 'smismember' command\r\n", "SMISMEMBER", "s");
	EXPECT("-ERR wrong number of arguments for 'sadd' command\r\n", "SADD", "s");
	EXPECT(ONE, "SREM", "s", "a", "zz");
	EXPECT(ZERO, "SREM", "s", "zz");
	EXPECT(ZERO, "SREM", "nokey", "a");
	CHANGES(1, 0, 0, 0);
	EXPECT(":3\r\n", "SREM", "s", "1", "2", "3", "3");
	CHANGES(0, 1, 0, 0);   /* the empty set is deleted */
	ck_assert_ptr_null(tc_get(0, "s"));
	EXPECT(ONE, "SADD", "s", "");
	EXPECT(ONE, "SISMEMBER", "s", "");
}
END_TEST

START_TEST(smembers_replies)
{
	EXPECT(EMPTY, "SMEMBERS", "nokey");
	EXPECT(":3\r\n", "SADD", "s", "a", "b", "c");
	RUN("SMEMBERS", "s");
	EXPECT_ITEMS('*', "a", "b", "c");
	tc_cl.proto = 3;
	RUN("SMEMBERS", "s");
	EXPECT_ITEMS('~', "a", "b", "c");
	EXPECT("~0\r\n", "SMEMBERS", "nokey");
	EXPECT("*2\r\n:1\r\n:0\r\n", "SMISMEMBER", "s", "a", "x");
	EXPECT(ONE, "SISMEMBER", "s", "a");   /* integers, not booleans */
}
END_TEST

START_TEST(wrong_type)
{
	tc_put(0, "str", "x", 0);
	CHANGES(1, 0, 0, 0);
	EXPECT(E_WRONGTYPE, "SADD", "str", "a");
	EXPECT(E_WRONGTYPE, "SREM", "str", "a");
	EXPECT(E_WRONGTYPE, "SMEMBERS", "str");
	EXPECT(E_WRONGTYPE, "SISMEMBER", "str", "a");
	EXPECT(E_WRONGTYPE, "SMISMEMBER", "str", "a");
	EXPECT(E_WRONGTYPE, "SCARD", "str");
	EXPECT(E_WRONGTYPE, "SPOP", "str");
	EXPECT(E_WRONGTYPE, "SPOP", "str", "2");
	EXPECT(E_WRONGTYPE, "SRANDMEMBER", "str");
	EXPECT(E_WRONGTYPE, "SRANDMEMBER", "str", "2");
	EXPECT(E_WRONGTYPE, "SSCAN", "str", "0");
	EXPECT(E_WRONGTYPE, "SINTER", "nokey", "str");
	EXPECT(E_WRONGTYPE, "SUNION", "nokey", "str");
	EXPECT(E_WRONGTYPE, "SDIFF", "nokey", "str");
	EXPECT(E_WRONGTYPE, "SINTERCARD", "2", "nokey", "str");
	EXPECT(E_WRONGTYPE, "SINTERSTORE", "d", "nokey", "str");
	EXPECT(E_WRONGTYPE, "SUNIONSTORE", "d", "str");
	EXPECT(E_WRONGTYPE, "SDIFFSTORE", "d", "nokey", "str");
	CHANGES(0, 0, 0, 0);
	ck_assert_ptr_null(tc_get(0, "d"));
	EXPECT(ONE, "SADD", "s", "a");
	EXPECT(E_WRONGTYPE, "GET", "s");
	EXPECT(E_WRONGTYPE, "HGET", "s", "a");
	EXPECT("+set\r\n", "TYPE", "s");
	/* argument errors come before the type check, as in Redis */
	EXPECT(E_POSITIVE, "SPOP", "str", "-1");
	EXPECT(E_NOTINT, "SRANDMEMBER", "str", "x");
}
END_TEST

START_TEST(spop_semantics)
{
	EXPECT(NIL, "SPOP", "nokey");
	EXPECT(EMPTY, "SPOP", "nokey", "2");
	EXPECT(":3\r\n", "SADD", "s", "a", "b", "c");
	EXPECT(EMPTY, "SPOP", "s", "0");
	EXPECT(E_POSITIVE, "SPOP", "s", "-1");
	EXPECT(E_POSITIVE, "SPOP", "s", "x");
	EXPECT(E_POSITIVE, "SPOP", "s", "9223372036854775808");
	EXPECT(E_SYNTAX, "SPOP", "s", "1", "2");
	CHANGES(1, 0, 0, 0);
	/* one member: removed and returned */
	RUN("SPOP", "s");
	ck_assert(strncmp(tc_reply, "$1\r\n", 4) == 0 && strchr("abc", tc_reply[4]));
	char popped = tc_reply[4];
	char m[2] = { popped, 0 };
	EXPECT(ZERO, "SISMEMBER", "s", m);
	EXPECT(":2\r\n", "SCARD", "s");
	CHANGES(1, 0, 0, 0);
	/* count below the size: distinct members, removed */
	char **items;
	RUN("SPOP", "s", "1");
	long n = tt_items('*', &items);
	ck_assert_int_eq(n, 1);
	ck_assert(items[0][0] != popped && strchr("abc", items[0][0]));
	EXPECT(ZERO, "SISMEMBER", "s", items[0]);
	tc_free_items(items, n);
	EXPECT(ONE, "SCARD", "s");
	/* count at or above the size: everything, and the key is deleted */
	RUN("SADD", "s", "x", "y");
	CHANGES(2, 0, 0, 0);
	RUN("SPOP", "s", "3");
	n = tt_items('*', &items);
	ck_assert_int_eq(n, 3);
	tc_free_items(items, n);
	CHANGES(0, 1, 0, 0);
	ck_assert_ptr_null(tc_get(0, "s"));
	/* RESP3: a set reply for the count form */
	tc_cl.proto = 3;
	EXPECT("~0\r\n", "SPOP", "nokey", "1");
	EXPECT("_\r\n", "SPOP", "nokey");
	RUN("SADD", "s", "only");
	EXPECT("~1\r\n$4\r\nonly\r\n", "SPOP", "s", "5");
	ck_assert_ptr_null(tc_get(0, "s"));
	RUN("SADD", "s", "only");
	EXPECT("$4\r\nonly\r\n", "SPOP", "s");
	ck_assert_ptr_null(tc_get(0, "s"));
}
END_TEST

START_TEST(spop_large_counts)
{
	char m[16];
	for (int i = 0; i < 1000; i++) {
		snprintf(m, sizeof m, "m%d", i);
		RUN("SADD", "s", m);
	}
	/* sparse sampling (count < size/3) and dense (Fisher-Yates) */
	const char *counts[] = { "10", "400", "500" };
	int left = 1000;
	for (int c = 0; c < 3; c++) {
		char **items;
		RUN("SPOP", "s", counts[c]);
		long n = tt_items('*', &items);
		ck_assert_int_eq(n, atoi(counts[c]));
		qsort(items, (size_t)n, sizeof *items, tc_cmpstr);
		for (long i = 1; i < n; i++)
			ck_assert_str_ne(items[i - 1], items[i]);
		for (long i = 0; i < n; i++)
			EXPECT(ZERO, "SISMEMBER", "s", items[i]);
		tc_free_items(items, n);
		left -= atoi(counts[c]);
		char want[16];
		snprintf(want, sizeof want, ":%d\r\n", left);
		EXPECT(want, "SCARD", "s");
	}
}
END_TEST

START_TEST(srandmember_semantics)
{
	EXPECT(NIL, "SRANDMEMBER", "nokey");
	EXPECT(EMPTY, "SRANDMEMBER", "nokey", "3");
	EXPECT(":3\r\n", "SADD", "s", "a", "b", "c");
	EXPECT(EMPTY, "SRANDMEMBER", "s", "0");
	EXPECT(E_NOTINT, "SRANDMEMBER", "s", "x");
	EXPECT(E_SYNTAX, "SRANDMEMBER", "s", "1", "2");
	EXPECT("-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
	       "SRANDMEMBER", "s", "-9223372036854775808");
	RUN("SRANDMEMBER", "s", "5");
	EXPECT_ITEMS('*', "a", "b", "c");
	for (int i = 0; i < 30; i++) {
		char **items;
		RUN("SRANDMEMBER", "s", "2");
		long n = tt_items('*', &items);
		ck_assert_int_eq(n, 2);
		ck_assert_str_ne(items[0], items[1]);
		tc_free_items(items, n);
	}
	char **items;
	RUN("SRANDMEMBER", "s", "-7");
	long n = tt_items('*', &items);
	ck_assert_int_eq(n, 7);
	for (long i = 0; i < n; i++)
		ck_assert(strchr("abc", items[i][0]) && items[i][1] == '\0');
	tc_free_items(items, n);
	EXPECT(":3\r\n", "SCARD", "s");   /* nothing removed */
	CHANGES(1, 0, 0, 0);
	tc_cl.proto = 3;   /* an array even in RESP3 (it may repeat) */
	RUN("SREM", "s", "a", "b");
	EXPECT("*2\r\n$1\r\nc\r\n$1\r\nc\r\n", "SRANDMEMBER", "s", "-2");
	EXPECT("*1\r\n$1\r\nc\r\n", "SRANDMEMBER", "s", "1");
	EXPECT("_\r\n", "SRANDMEMBER", "nokey");
}
END_TEST

START_TEST(srandmember_is_uniform)
{
	char m[16];
	/* sparse: 40 members make 60 slots, too few to shrink */
	for (int i = 0; i < 40; i++) {
		snprintf(m, sizeof m, "m%d", i);
		RUN("SADD", "s", m);
	}
	for (int i = 5; i < 40; i++) {
		snprintf(m, sizeof m, "m%d", i);
		RUN("SREM", "s", m);
	}
	ck_assert_uint_eq(tt_obj("s", KVS_T_SET)->t->cap, 60);
	int hits[5] = { 0 };
	for (int round = 0; round < 100; round++) {
		char **items;
		RUN("SRANDMEMBER", "s", "-50");
		long n = tt_items('*', &items);
		for (long i = 0; i < n; i++)
			hits[atoi(items[i] + 1)]++;
		tc_free_items(items, n);
	}
	/* binomial(5000, 1/5): mean 1000, sd 28; 6 sd either way */
	for (int i = 0; i < 5; i++)
		ck_assert_msg(hits[i] > 830 && hits[i] < 1170, "member %d picked %d times", i, hits[i]);
}
END_TEST

START_TEST(smove_semantics)
{
	tc_put(0, "str", "x", 0);
	EXPECT(":3\r\n", "SADD", KA, "1", "2", "3");
	EXPECT(":2\r\n", "SADD", KB, "3", "4");
	CHANGES(3, 0, 0, 0);
	EXPECT(ZERO, "SMOVE", "nokey", KB, "1");
	EXPECT(ZERO, "SMOVE", "nokey", "str", "1");  /* missing source first */
	EXPECT(E_WRONGTYPE, "SMOVE", KA, "str", "1");
	EXPECT(E_WRONGTYPE, "SMOVE", "str", KA, "1");
	EXPECT(E_WRONGTYPE, "SMOVE", "str", "nokey", "1");
	EXPECT(ZERO, "SMOVE", KA, KB, "zz");
	CHANGES(0, 0, 0, 0);
	/* across shards */
	EXPECT(ONE, "SMOVE", KA, KB, "1");
	CHANGES(2, 0, 0, 0);
	EXPECT(ZERO, "SISMEMBER", KA, "1");
	EXPECT(ONE, "SISMEMBER", KB, "1");
	/* already in the destination: only the source changes */
	EXPECT(ONE, "SMOVE", KA, KB, "3");
	CHANGES(1, 0, 0, 0);
	EXPECT(":3\r\n", "SCARD", KB);
	/* same key: membership only */
	EXPECT(ONE, "SMOVE", KA, KA, "2");
	EXPECT(ZERO, "SMOVE", KA, KA, "99");
	CHANGES(0, 0, 0, 0);
	/* the last member leaves: the source goes, the destination is made */
	EXPECT(ONE, "SMOVE", KA, "new", "2");
	CHANGES(1, 1, 0, 0);
	ck_assert_ptr_null(tc_get(0, KA));
	RUN("SMEMBERS", "new");
	EXPECT_ITEMS('*', "2");
	EXPECT("+set\r\n", "TYPE", "new");
}
END_TEST

START_TEST(setops_replies)
{
	EXPECT(":3\r\n", "SADD", KA, "1", "2", "3");
	EXPECT(":3\r\n", "SADD", KB, "2", "3", "4");
	RUN("SINTER", KA, KB);
	EXPECT_ITEMS('*', "2", "3");
	RUN("SINTER", KA);
	EXPECT_ITEMS('*', "1", "2", "3");
	EXPECT(EMPTY, "SINTER", KA, KB, "nokey");
	RUN("SUNION", KA, KB, "nokey");
	EXPECT_ITEMS('*', "1", "2", "3", "4");
	RUN("SDIFF", KA, KB, "nokey");
	EXPECT_ITEMS('*', "1");
	EXPECT(EMPTY, "SDIFF", "nokey", KA);
	EXPECT(EMPTY, "SDIFF", KA, KA);
	RUN("SINTER", KA, KA);
	EXPECT_ITEMS('*', "1", "2", "3");
	tc_cl.proto = 3;
	RUN("SINTER", KA, KB);
	EXPECT_ITEMS('~', "2", "3");
	RUN("SUNION", KA, KB);
	EXPECT_ITEMS('~', "1", "2", "3", "4");
	EXPECT("~1\r\n$1\r\n1\r\n", "SDIFF", KA, KB);
	EXPECT("~0\r\n", "SINTER", KA, "nokey");
	CHANGES(2, 0, 0, 0);
}
END_TEST

START_TEST(setops_store)
{
	tc_put(0, "str", "x", 0);
	EXPECT(":3\r\n", "SADD", KA, "1", "2", "3");
	EXPECT(":3\r\n", "SADD", KB, "2", "3", "4");
	CHANGES(3, 0, 0, 0);
	EXPECT(":2\r\n", "SINTERSTORE", "d", KA, KB);
	CHANGES(1, 0, 0, 0);
	RUN("SMEMBERS", "d");
	EXPECT_ITEMS('*', "2", "3");
	/* an empty result deletes the destination */
	EXPECT(ZERO, "SINTERSTORE", "d", KA, "nokey");
	CHANGES(0, 1, 0, 0);
	ck_assert_ptr_null(tc_get(0, "d"));
	EXPECT(ZERO, "SDIFFSTORE", "d", KA, KA);
	CHANGES(0, 0, 0, 0);
	/* any type of destination is overwritten, and its TTL dropped */
	EXPECT(ONE, "EXPIRE", "str", "100");
	EXPECT(":4\r\n", "SUNIONSTORE", "str", KA, KB);
	EXPECT("+set\r\n", "TYPE", "str");
	EXPECT(":-1\r\n", "TTL", "str");
	EXPECT(":1\r\n", "SDIFFSTORE", "d2", KA, KB, "nokey");
	RUN("SMEMBERS", "d2");
	EXPECT_ITEMS('*', "1");
	/* the destination may be a source */
	EXPECT(":4\r\n", "SUNIONSTORE", KA, KA, KB);
	RUN("SMEMBERS", KA);
	EXPECT_ITEMS('*', "1", "2", "3", "4");
	EXPECT(ONE, "SDIFFSTORE", KB, KA, KB);
	RUN("SMEMBERS", KB);
	EXPECT_ITEMS('*', "1");
	/* the stored set is a copy */
	RUN("SADD", KA, "z");
	EXPECT(":4\r\n", "SCARD", "str");
}
END_TEST

START_TEST(sintercard_semantics)
{
	tc_put(0, "str", "x", 0);
	EXPECT(":3\r\n", "SADD", KA, "1", "2", "3");
	EXPECT(":3\r\n", "SADD", KB, "2", "3", "4");
	EXPECT(":2\r\n", "SINTERCARD", "2", KA, KB);
	EXPECT(ONE, "SINTERCARD", "2", KA, KB, "LIMIT", "1");
	EXPECT(":2\r\n", "SINTERCARD", "2", KA, KB, "limit", "0");
	EXPECT(":2\r\n", "SINTERCARD", "2", KA, KB, "LIMIT", "1", "LIMIT", "5");
	EXPECT(":3\r\n", "SINTERCARD", "1", KA, "LIMIT", "9223372036854775807");
	EXPECT(ZERO, "SINTERCARD", "1", "nokey");
	EXPECT(ZERO, "SINTERCARD", "2", KA, "nokey");
	EXPECT(E_LIMIT, "SINTERCARD", "2", KA, KB, "LIMIT", "-1");
	EXPECT(E_LIMIT, "SINTERCARD", "2", KA, KB, "LIMIT", "x");
	EXPECT(E_LIMIT, "SINTERCARD", "1", KA, "LIMIT", "9223372036854775808");
	EXPECT(E_NUMKEYS, "SINTERCARD", "0", KA);
	EXPECT(E_NUMKEYS, "SINTERCARD", "-1", KA);
	EXPECT(E_NUMKEYS, "SINTERCARD", "x", KA, KB);
	EXPECT(E_NUMKEYS, "SINTERCARD", "01", KA);
	EXPECT(E_NUMKEYS, "SINTERCARD", "9223372036854775808", KA);
	EXPECT(E_MANYKEYS, "SINTERCARD", "3", KA, KB);
	EXPECT(E_MANYKEYS, "SINTERCARD", "2147483648", KA);
	EXPECT(E_SYNTAX, "SINTERCARD", "2", KA, KB, "foo");
	EXPECT(E_SYNTAX, "SINTERCARD", "2", KA, KB, "LIMIT");
	EXPECT(E_WRONGTYPE, "SINTERCARD", "2", KA, "str");
	EXPECT("-ERR wrong number of arguments for 'sintercard' command\r\n", "SINTERCARD", "1");
	/* the keys (and only they) decide which shards are locked */
	const struct kvs_cmd *cmd = kvs_cmd_lookup("sintercard", 10);
	struct resp_arg argv[] = { { "SINTERCARD", 10 }, { "2", 1 }, { KA, 4 }, { KB, 4 },
				   { "LIMIT", 5 }, { "1", 1 } };
	int keys[8];
	ck_assert_int_eq(kvs_cmd_keys(cmd, 6, argv, keys, 8), 2);
	ck_assert_int_eq(keys[0], 2);
	ck_assert_int_eq(keys[1], 3);
	ck_assert_uint_eq(kvs_cmd_shard_mask(cmd, 6, argv),
			  (1u << kvs_key_shard(KA, 4)) | (1u << kvs_key_shard(KB, 4)));
	argv[1].p = "3";   /* more keys than arguments: none */
	ck_assert_int_eq(kvs_cmd_keys(cmd, 4, argv, keys, 8), 0);
	argv[1].p = "0";
	ck_assert_int_eq(kvs_cmd_keys(cmd, 4, argv, keys, 8), 0);
}
END_TEST

START_TEST(sscan_semantics)
{
	EXPECT(EMPTY_SCAN, "SSCAN", "nokey", "0");
	EXPECT(":3\r\n", "SADD", "s", "1", "2", "3");
	EXPECT("-ERR invalid cursor\r\n", "SSCAN", "s", "x");
	EXPECT(E_SYNTAX, "SSCAN", "s", "0", "COUNT", "0");
	EXPECT(E_SYNTAX, "SSCAN", "s", "0", "MATCH");
	RUN("SSCAN", "s", "99", "COUNT", "1");   /* an intset comes back whole */
	EXPECT_SCAN_DONE("1", "2", "3");
	EXPECT("*2\r\n$1\r\n0\r\n*1\r\n$1\r\n2\r\n", "SSCAN", "s", "0", "MATCH", "2");
	/* a large set, scanned in steps */
	char m[16], cursor[32] = "0";
	int seen[700] = { 0 }, calls = 0;
	for (int i = 0; i < 700; i++) {
		snprintf(m, sizeof m, "%d", i);
		RUN("SADD", "big", m);
	}
	ck_assert_str_eq(enc_of("big"), "hashtable");
	do {
		char **items;
		RUN("SSCAN", "big", cursor, "COUNT", "20");
		const char *p = tc_reply;
		ck_assert_int_eq(tt_header(&p, '*'), 2);
		char *cur = tc_parse_bulk(&p);
		snprintf(cursor, sizeof cursor, "%s", cur);
		free(cur);
		long n = tc_parse_bulks(&p, &items);
		for (long i = 0; i < n; i++)
			seen[atoi(items[i])]++;
		tc_free_items(items, n);
		ck_assert_int_lt(++calls, 1000);
	} while (strcmp(cursor, "0") != 0);
	ck_assert_int_gt(calls, 10);
	for (int i = 0; i < 700; i++)
		ck_assert_int_eq(seen[i], 1);
}
END_TEST

START_TEST(encoding_names)
{
	char m[16];
	RUN("SADD", "s", "1", "2", "-3");
	ck_assert_str_eq(enc_of("s"), "intset");
	RUN("SADD", "s", "a");
	ck_assert_str_eq(enc_of("s"), "hashtable");
	RUN("SREM", "s", "a");
	ck_assert_str_eq(enc_of("s"), "hashtable");
	for (const char *const *p = (const char *const[]){ "-0", "01", "9223372036854775808", " 1", NULL }; *p; p++) {
		RUN("DEL", "x");
		RUN("SADD", "x", *p);
		ck_assert_msg(strcmp(enc_of("x"), "hashtable") == 0, "member \"%s\"", *p);
	}
	for (int i = 0; i < 512; i++) {
		snprintf(m, sizeof m, "%d", i);
		RUN("SADD", "n", m);
	}
	ck_assert_str_eq(enc_of("n"), "intset");
	RUN("SADD", "n", "512");
	ck_assert_str_eq(enc_of("n"), "hashtable");
	/* results of the STORE forms and a new SMOVE destination follow the
	 * same rules */
	RUN("SADD", "t", "1", "2", "x");
	RUN("SINTERSTORE", "d", "n", "t");
	ck_assert_str_eq(enc_of("d"), "intset");
	RUN("SMOVE", "t", "d2", "x");
	ck_assert_str_eq(enc_of("d2"), "hashtable");
	/* COPY keeps it */
	RUN("COPY", "d", "d3");
	ck_assert_str_eq(enc_of("d3"), "intset");
}
END_TEST

/* OBJECT ENCODING and SORT read sets through the type hooks (replies as
 * redis-server 7.0 gives them). */
START_TEST(object_and_sort_hooks)
{
	RUN("SADD", "s", "3", "1", "2");
	EXPECT("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "SORT", "s");
	EXPECT("*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n", "SORT", "s", "DESC");
	EXPECT("$6\r\nintset\r\n", "OBJECT", "ENCODING", "s");
	RUN("SADD", "t", "b", "a");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "SORT", "t", "ALPHA");
	EXPECT("-ERR One or more scores can't be converted into double\r\n", "SORT", "t");
	EXPECT("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "t");
}
END_TEST

START_TEST(member_stamps)
{
	RUN("SADD", "s", "a", "b");
	uint64_t a0 = tt_stamp("s", KVS_T_SET, "a");
	ck_assert_uint_eq(tt_stamp("s", KVS_T_SET, "b"), a0);
	ck_assert_uint_eq(kvs_hlc_ms(a0), tc_env.now_ms);
	tc_env.now_ms += 3;
	RUN("SADD", "s", "a", "c");
	/* re-adding keeps the add stamp; a new member gets a newer one */
	ck_assert_uint_eq(tt_stamp("s", KVS_T_SET, "a"), a0);
	uint64_t c0 = tt_stamp("s", KVS_T_SET, "c");
	ck_assert_uint_gt(c0, a0);
	ck_assert_uint_eq(kvs_hlc_ms(c0), tc_env.now_ms);
	ck_assert_uint_gt(tc_get(0, "s")->stamp, c0);
	/* stored results carry fresh stamps ("{s}d" shares the shard clock
	 * of "s"; stamps of different shards are not ordered within a ms) */
	RUN("SUNIONSTORE", "{s}d", "s");
	ck_assert_uint_gt(tt_stamp("{s}d", KVS_T_SET, "a"), c0);
	ck_assert_uint_gt(tc_get(0, "{s}d")->stamp, tt_stamp("{s}d", KVS_T_SET, "a"));
}
END_TEST

START_TEST(expired_set_is_gone)
{
	RUN("SADD", KA, "a");
	RUN("SADD", KB, "a");
	EXPECT(ONE, "PEXPIRE", KA, "10");
	tc_env.now_ms += 10;
	EXPECT(EMPTY, "SINTER", KA, KB);
	EXPECT(ZERO, "SMOVE", KA, KB, "a");
	EXPECT(ONE, "SADD", KA, "b");
	EXPECT(":-1\r\n", "PTTL", KA);
}
END_TEST

START_TEST(memory_per_member)
{
	char m[32];
	enum { N = 10000 };
	for (int i = 0; i < N; i++) {
		snprintf(m, sizeof m, "member:%06d", i);   /* 13 bytes */
		RUN("SADD", "s", m);
	}
	size_t mem = kvs_tobj_mem(tt_obj("s", KVS_T_SET));
	double per = (double)mem / N;
	fprintf(stderr, "set: %d members of 13 bytes: %zu bytes, %.1f per member\n", N, mem, per);
	ck_assert(per < 64.0);
}
END_TEST

/* ---- randomized comparison with a bitmask model ------------------------ */
#define NK 4
#define NM 12
static uint32_t sets[NK];
static const char *const skeys[NK] = { "{a}1", "{a}2", "{b}1", "x" };

static void reply_mask_check(char type, uint32_t want)
{
	const char *names[NM + 1];
	char store[NM][8];
	int n = 0;
	for (int m = 0; m < NM; m++) {
		if (!(want & (1u << m)))
			continue;
		snprintf(store[n], sizeof store[n], "m%d", m);
		names[n] = store[n];
		n++;
	}
	names[n] = NULL;
	tt_expect_items(type, 0, names);
}

static void check_stored(int k)
{
	char want[16];
	RUN("SMEMBERS", skeys[k]);
	reply_mask_check('*', sets[k]);
	snprintf(want, sizeof want, ":%d\r\n", __builtin_popcount(sets[k]));
	EXPECT(want, "SCARD", skeys[k]);
	ck_assert_int_eq(tc_get(0, skeys[k]) != NULL, sets[k] != 0);
}

/* SADD/SREM key with 1..4 random members. */
static void step_addrem(int add, uint64_t r)
{
	int k = (int)(r % NK), n = 1 + (int)(r / NK % 4), count = 0;
	const char *argv[6];
	char names[4][8], want[16];
	r /= NK * 4;
	argv[0] = add ? "SADD" : "SREM";
	argv[1] = skeys[k];
	for (int i = 0; i < n; i++, r /= NM) {
		int m = (int)(r % NM);
		snprintf(names[i], sizeof names[i], "m%d", m);
		argv[2 + i] = names[i];
		if (add && !(sets[k] & (1u << m)))
			count++, sets[k] |= 1u << m;
		if (!add && (sets[k] & (1u << m)))
			count++, sets[k] &= ~(1u << m);
	}
	tc_execv(2 + n, argv, NULL);
	snprintf(want, sizeof want, ":%d\r\n", count);
	ck_assert_str_eq(tc_reply, want);
}

/* SINTER/SUNION/SDIFF (maybe STORE) over 1..3 random keys. */
static void step_setop(uint64_t r)
{
	static const char *const names[3][2] = { { "SINTER", "SINTERSTORE" }, { "SUNION", "SUNIONSTORE" },
						 { "SDIFF", "SDIFFSTORE" } };
	int op = (int)(r % 3), store = (int)(r / 3 % 2), n = 1 + (int)(r / 6 % 3), dst = (int)(r / 18 % NK);
	const char *argv[6];
	int argc = 0;
	uint32_t res = 0;
	r /= 18 * NK;
	argv[argc++] = names[op][store];
	if (store)
		argv[argc++] = skeys[dst];
	for (int i = 0; i < n; i++, r /= NK) {
		int k = (int)(r % NK);
		argv[argc++] = skeys[k];
		if (i == 0)
			res = sets[k];
		else if (op == 0)
			res &= sets[k];
		else if (op == 1)
			res |= sets[k];
		else
			res &= ~sets[k];
	}
	tc_execv(argc, argv, NULL);
	if (!store) {
		reply_mask_check('*', res);
		return;
	}
	char want[16];
	snprintf(want, sizeof want, ":%d\r\n", __builtin_popcount(res));
	ck_assert_str_eq(tc_reply, want);
	sets[dst] = res;
}

static void step_card_move(uint64_t r)
{
	int a = (int)(r % NK), b = (int)(r / NK % NK), m = (int)(r / NK / NK % NM);
	char name[8], want[16];
	snprintf(name, sizeof name, "m%d", m);
	if (r / NK / NK / NM % 2) {
		uint32_t res = sets[a] & sets[b];
		snprintf(want, sizeof want, ":%d\r\n", __builtin_popcount(res));
		ck_assert_str_eq(RUN("SINTERCARD", "2", skeys[a], skeys[b]), want);
		return;
	}
	int moved = (sets[a] >> m) & 1;
	ck_assert_str_eq(RUN("SMOVE", skeys[a], skeys[b], name), moved ? ONE : ZERO);
	if (moved && a != b) {
		sets[a] &= ~(1u << m);
		sets[b] |= 1u << m;
	}
}

START_TEST(random_against_model)
{
	uint64_t seed = 0xabcdef + (uint64_t)_i * 7919;
	memset(sets, 0, sizeof sets);
	for (int step = 0; step < 5000; step++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t r = seed >> 13;
		switch (r % 7) {
		case 0: case 1: step_addrem(1, r / 7); break;
		case 2: case 3: step_addrem(0, r / 7); break;
		case 4: case 5: step_setop(r / 7); break;
		default: step_card_move(r / 7); break;
		}
		if (step % 40 == 0)
			for (int k = 0; k < NK; k++)
				check_stored(k);
	}
	for (int k = 0; k < NK; k++)
		check_stored(k);
}
END_TEST

static Suite *set_suite(void)
{
	Suite *s = suite_create("t_set");
	TCase *tc = tcase_create("set");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, sadd_srem_basics);
	tcase_add_test(tc, smembers_replies);
	tcase_add_test(tc, wrong_type);
	tcase_add_test(tc, spop_semantics);
	tcase_add_test(tc, spop_large_counts);
	tcase_add_test(tc, srandmember_semantics);
	tcase_add_test(tc, srandmember_is_uniform);
	tcase_add_test(tc, smove_semantics);
	tcase_add_test(tc, setops_replies);
	tcase_add_test(tc, setops_store);
	tcase_add_test(tc, sintercard_semantics);
	tcase_add_test(tc, sscan_semantics);
	tcase_add_test(tc, encoding_names);
	tcase_add_test(tc, object_and_sort_hooks);
	tcase_add_test(tc, member_stamps);
	tcase_add_test(tc, expired_set_is_gone);
	tcase_add_test(tc, memory_per_member);
	tcase_add_loop_test(tc, random_against_model, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	kvs_cmd_register_builtin();
	SRunner *sr = srunner_create(set_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
