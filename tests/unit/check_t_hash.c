/*
 * check_t_hash.c - the hash commands (t_hash.c, object.c) through
 * kvs_exec, against the replies and error strings of Redis 7.0 (taken from
 * a redis-server 7.0.15 session), plus a randomized comparison with a
 * reference model.
 */
#include "config.h"
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "hlc.h"
#include "typetest.h"

#define NIL "$-1\r\n"
#define OK "+OK\r\n"
#define ZERO ":0\r\n"
#define ONE ":1\r\n"
#define EMPTY "*0\r\n"
#define EMPTY_SCAN "*2\r\n$1\r\n0\r\n*0\r\n"
#define E_WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define E_NOTINT "-ERR value is not an integer or out of range\r\n"
#define E_NOTFLOAT "-ERR value is not a valid float\r\n"
#define E_SYNTAX "-ERR syntax error\r\n"
#define E_OVERFLOW "-ERR increment or decrement would overflow\r\n"
#define E_HNOTINT "-ERR hash value is not an integer\r\n"
#define E_HNOTFLOAT "-ERR hash value is not a float\r\n"
#define E_CURSOR "-ERR invalid cursor\r\n"

/* Two keys known to live in different shards ({a}: slot 15495, {b}: 3300). */
#define KA "{a}h"
#define KB "{b}h"

static void setup(void) { tc_setup(16); }
static void teardown(void)
{
	kvs_slowlog_destroy(&tc_eng);  /* testcmd.h leaves the slow log behind */
	tc_teardown();
}

static const char *enc_of(const char *key) { return kvs_tobj_encoding(tt_obj(key, KVS_T_HASH)); }

START_TEST(hset_hget_basics)
{
	EXPECT(":2\r\n", "HSET", "h", "a", "1", "b", "2");
	CHANGES(1, 0, 0, 0);
	EXPECT("$1\r\n1\r\n", "HGET", "h", "a");
	EXPECT(NIL, "HGET", "h", "zz");
	EXPECT(NIL, "HGET", "nokey", "a");
	/* one new field, one overwritten; a field repeated counts once */
	EXPECT(ONE, "HSET", "h", "a", "x", "c", "3");
	EXPECT(ONE, "HSET", "h", "f1", "v1", "f1", "v2");
	EXPECT("$2\r\nv2\r\n", "HGET", "h", "f1");
	EXPECT(ZERO, "HSET", "h", "a", "1");
	CHANGES(3, 0, 0, 0);
	EXPECT(":4\r\n", "HLEN", "h");
	EXPECT(ZERO, "HLEN", "nokey");
	EXPECT(ONE, "HEXISTS", "h", "a");
	EXPECT(ZERO, "HEXISTS", "h", "zz");
	EXPECT(ZERO, "HEXISTS", "nokey", "a");
	EXPECT(":2\r\n", "HSTRLEN", "h", "f1");
	EXPECT(ZERO, "HSTRLEN", "h", "zz");
	EXPECT(ZERO, "HSTRLEN", "nokey", "a");
	CHANGES(0, 0, 0, 0);
	/* empty fields and values are fine */
	EXPECT(ONE, "HSET", "h", "", "");
	EXPECT("$0\r\n\r\n", "HGET", "h", "");
}
END_TEST

START_TEST(hset_binary_safe)
{
	const char *argv[] = { "HSET", "h", "f\0x", "v\r\n\0" };
	const size_t lens[] = { 4, 1, 3, 4 };
	tc_execv(4, argv, lens);
	ck_assert_str_eq(tc_reply, ONE);
	const char *get[] = { "HGET", "h", "f\0x" };
	const size_t glens[] = { 4, 1, 3 };
	tc_execv(3, get, glens);
	ck_assert_uint_eq(tc_reply_len, 10);
	ck_assert(memcmp(tc_reply, "$4\r\nv\r\n\0\r\n", 10) == 0);
	EXPECT(NIL, "HGET", "h", "f");
}
END_TEST

START_TEST(hset_arity)
{
	EXPECT("-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "a");
	EXPECT("-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h", "a", "1", "b");
	EXPECT("-ERR wrong number of arguments for 'hset' command\r\n", "HSET", "h");
	EXPECT("-ERR wrong number of arguments for 'hmset' command\r\n", "HMSET", "h", "a");
	EXPECT("-ERR wrong number of arguments for 'hmset' command\r\n", "HMSET", "h", "a", "1", "b");
	EXPECT("-ERR wrong number of arguments for 'hget' command\r\n", "HGET", "h");
	EXPECT("-ERR wrong number of arguments for 'hrandfield' command\r\n", "HRANDFIELD");
	EXPECT("-ERR wrong number of arguments for 'hscan' command\r\n", "HSCAN", "h");
	CHANGES(0, 0, 0, 0);
	ck_assert_ptr_null(tc_get(0, "h"));
	EXPECT(OK, "HMSET", "h", "a", "1", "b", "2");
	EXPECT("$1\r\n2\r\n", "HGET", "h", "b");
}
END_TEST

START_TEST(hsetnx_semantics)
{
	EXPECT(ONE, "HSETNX", "h", "a", "1");
	EXPECT(ZERO, "HSETNX", "h", "a", "2");
	EXPECT("$1\r\n1\r\n", "HGET", "h", "a");
	EXPECT(ONE, "HSETNX", "h", "b", "2");
	CHANGES(2, 0, 0, 0);   /* the refused HSETNX wrote nothing */
}
END_TEST

START_TEST(hdel_deletes_empty_hash)
{
	EXPECT(":3\r\n", "HSET", "h", "a", "1", "b", "2", "c", "3");
	EXPECT(":2\r\n", "HDEL", "h", "a", "b", "a", "zz");
	EXPECT(ZERO, "HDEL", "h", "zz");
	EXPECT(ZERO, "HDEL", "nokey", "a");
	CHANGES(2, 0, 0, 0);
	EXPECT(ONE, "HLEN", "h");
	EXPECT(ONE, "HDEL", "h", "c");
	CHANGES(0, 1, 0, 0);
	ck_assert_ptr_null(tc_get(0, "h"));
	EXPECT("+none\r\n", "TYPE", "h");
	EXPECT(ZERO, "EXISTS", "h");
}
END_TEST

START_TEST(hmget_replies)
{
	EXPECT(":2\r\n", "HSET", "h", "a", "1", "b", "2");
	EXPECT("*3\r\n$-1\r\n$1\r\n2\r\n$-1\r\n", "HMGET", "h", "c", "b", "zz");
	EXPECT("*2\r\n$-1\r\n$-1\r\n", "HMGET", "nokey", "a", "b");
	tc_cl.proto = 3;
	EXPECT("*2\r\n$1\r\n1\r\n_\r\n", "HMGET", "h", "a", "x");
	EXPECT("_\r\n", "HGET", "h", "x");
}
END_TEST

START_TEST(hgetall_keys_vals)
{
	EXPECT(EMPTY, "HGETALL", "nokey");
	EXPECT(EMPTY, "HKEYS", "nokey");
	EXPECT(EMPTY, "HVALS", "nokey");
	EXPECT(":3\r\n", "HSET", "h", "a", "1", "b", "2", "c", "3");
	RUN("HGETALL", "h");
	EXPECT_PAIRS('*', "a=1", "b=2", "c=3");
	RUN("HKEYS", "h");
	EXPECT_ITEMS('*', "a", "b", "c");
	RUN("HVALS", "h");
	EXPECT_ITEMS('*', "1", "2", "3");
	tc_cl.proto = 3;
	RUN("HGETALL", "h");
	EXPECT_PAIRS('%', "a=1", "b=2", "c=3");
	RUN("HKEYS", "h");
	EXPECT_ITEMS('*', "a", "b", "c");
	EXPECT("%0\r\n", "HGETALL", "nokey");
	EXPECT(ZERO, "HDEL", "h", "zz");
	EXPECT(":2\r\n", "HDEL", "h", "a", "b");
	EXPECT("%1\r\n$1\r\nc\r\n$1\r\n3\r\n", "HGETALL", "h");
}
END_TEST

START_TEST(hincrby_semantics)
{
	EXPECT(":5\r\n", "HINCRBY", "h", "n", "5");
	EXPECT(":2\r\n", "HINCRBY", "h", "n", "-3");
	EXPECT("$1\r\n2\r\n", "HGET", "h", "n");
	EXPECT(E_NOTINT, "HINCRBY", "h", "n", "x");
	EXPECT(E_NOTINT, "HINCRBY", "h", "n", "1.5");
	EXPECT(E_NOTINT, "HINCRBY", "h", "n", "9223372036854775808");
	EXPECT(":3\r\n", "HSET", "h", "s", "foo", "z", "010", "sp", " 1");
	EXPECT(E_HNOTINT, "HINCRBY", "h", "s", "1");
	EXPECT(E_HNOTINT, "HINCRBY", "h", "z", "1");
	EXPECT(E_HNOTINT, "HINCRBY", "h", "sp", "1");
	EXPECT(ONE, "HSET", "h", "big", "9223372036854775807");
	EXPECT(E_OVERFLOW, "HINCRBY", "h", "big", "1");
	EXPECT("$19\r\n9223372036854775807\r\n", "HGET", "h", "big");
	EXPECT(ONE, "HSET", "h", "small", "-9223372036854775807");
	EXPECT(":-9223372036854775808\r\n", "HINCRBY", "h", "small", "-1");
	EXPECT(E_OVERFLOW, "HINCRBY", "h", "small", "-1");
	EXPECT("$20\r\n-9223372036854775808\r\n", "HGET", "h", "small");
	EXPECT(":-1\r\n", "HINCRBY", "h", "small", "9223372036854775807");
	CHANGES(7, 0, 0, 0);
	/* an error on a new key leaves nothing behind */
	EXPECT(E_NOTINT, "HINCRBY", "new", "n", "x");
	ck_assert_ptr_null(tc_get(0, "new"));
	CHANGES(0, 0, 0, 0);
}
END_TEST

START_TEST(hincrbyfloat_semantics)
{
	/* The examples of the HINCRBYFLOAT documentation. */
	EXPECT(ONE, "HSET", "h", "field", "10.50");
	EXPECT("$4\r\n10.6\r\n", "HINCRBYFLOAT", "h", "field", "0.1");
	EXPECT("$3\r\n5.6\r\n", "HINCRBYFLOAT", "h", "field", "-5");
	EXPECT(ZERO, "HSET", "h", "field", "5.0e3");
	EXPECT("$4\r\n5200\r\n", "HINCRBYFLOAT", "h", "field", "2.0e2");
	EXPECT("$4\r\n5200\r\n", "HGET", "h", "field");
	EXPECT("$1\r\n3\r\n", "HINCRBYFLOAT", "h", "new", "3.0");
	EXPECT("$3\r\n2.5\r\n", "HINCRBYFLOAT", "h", "new", "-0.5");
	EXPECT("$4\r\n18.5\r\n", "HINCRBYFLOAT", "h", "new", "0x10");
	tc_cl.proto = 3;   /* a bulk string in RESP3 too */
	EXPECT("$4\r\n19.5\r\n", "HINCRBYFLOAT", "h", "new", "1");
	EXPECT(E_NOTFLOAT, "HINCRBYFLOAT", "h", "new", "x");
	EXPECT(E_NOTFLOAT, "HINCRBYFLOAT", "h", "new", " 1");
	EXPECT(E_NOTFLOAT, "HINCRBYFLOAT", "h", "new", "nan");
	EXPECT("-ERR value is NaN or Infinity\r\n", "HINCRBYFLOAT", "h", "new", "inf");
	EXPECT(ONE, "HSET", "h", "s", "foo");
	EXPECT(E_HNOTFLOAT, "HINCRBYFLOAT", "h", "s", "1");
	EXPECT(ONE, "HSET", "h", "i", "inf");
	EXPECT("-ERR increment would produce NaN or Infinity\r\n", "HINCRBYFLOAT", "h", "i", "1");
	EXPECT("$3\r\ninf\r\n", "HGET", "h", "i");
}
END_TEST

START_TEST(wrong_type)
{
	tc_put(0, "str", "x", 0);
	CHANGES(1, 0, 0, 0);
	EXPECT(E_WRONGTYPE, "HSET", "str", "a", "1");
	EXPECT(E_WRONGTYPE, "HMSET", "str", "a", "1");
	EXPECT(E_WRONGTYPE, "HSETNX", "str", "a", "1");
	EXPECT(E_WRONGTYPE, "HGET", "str", "a");
	EXPECT(E_WRONGTYPE, "HMGET", "str", "a");
	EXPECT(E_WRONGTYPE, "HDEL", "str", "a");
	EXPECT(E_WRONGTYPE, "HLEN", "str");
	EXPECT(E_WRONGTYPE, "HSTRLEN", "str", "a");
	EXPECT(E_WRONGTYPE, "HEXISTS", "str", "a");
	EXPECT(E_WRONGTYPE, "HKEYS", "str");
	EXPECT(E_WRONGTYPE, "HVALS", "str");
	EXPECT(E_WRONGTYPE, "HGETALL", "str");
	EXPECT(E_WRONGTYPE, "HINCRBY", "str", "a", "1");
	EXPECT(E_WRONGTYPE, "HINCRBYFLOAT", "str", "a", "1");
	EXPECT(E_WRONGTYPE, "HRANDFIELD", "str");
	EXPECT(E_WRONGTYPE, "HRANDFIELD", "str", "2");
	EXPECT(E_WRONGTYPE, "HSCAN", "str", "0");
	EXPECT("$1\r\nx\r\n", "GET", "str");
	CHANGES(0, 0, 0, 0);
	/* and the other way round: string and set commands refuse a hash */
	EXPECT(ONE, "HSET", "h", "a", "1");
	EXPECT(E_WRONGTYPE, "GET", "h");
	EXPECT(E_WRONGTYPE, "APPEND", "h", "x");
	EXPECT(E_WRONGTYPE, "SADD", "h", "x");
	EXPECT("+hash\r\n", "TYPE", "h");
	/* argument errors come before the type check, as in Redis */
	EXPECT(E_NOTINT, "HINCRBY", "str", "a", "x");
	EXPECT(E_CURSOR, "HSCAN", "str", "x");
}
END_TEST

START_TEST(hrandfield_errors_and_empty)
{
	EXPECT(NIL, "HRANDFIELD", "nokey");
	EXPECT(EMPTY, "HRANDFIELD", "nokey", "2");
	EXPECT(EMPTY, "HRANDFIELD", "nokey", "-2", "WITHVALUES");
	EXPECT(":2\r\n", "HSET", "h", "a", "1", "b", "2");
	EXPECT(EMPTY, "HRANDFIELD", "h", "0");
	EXPECT(EMPTY, "HRANDFIELD", "h", "0", "withvalues");
	EXPECT(E_SYNTAX, "HRANDFIELD", "h", "1", "withvalues", "x");
	EXPECT(E_SYNTAX, "HRANDFIELD", "h", "1", "x");
	EXPECT(E_NOTINT, "HRANDFIELD", "h", "abc");
	EXPECT(E_NOTINT, "HRANDFIELD", "h", "1.5");
	EXPECT("-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
	       "HRANDFIELD", "h", "-9223372036854775808");
	EXPECT("-ERR value is out of range\r\n", "HRANDFIELD", "h", "-4611686018427387904", "withvalues");
	EXPECT("-ERR value is out of range\r\n", "HRANDFIELD", "h", "4611686018427387904", "withvalues");
	tc_cl.proto = 3;
	EXPECT("_\r\n", "HRANDFIELD", "nokey");
	EXPECT(EMPTY, "HRANDFIELD", "nokey", "1", "withvalues");
}
END_TEST

START_TEST(hrandfield_counts)
{
	EXPECT(":3\r\n", "HSET", "h", "a", "1", "b", "2", "c", "3");
	/* count >= size: the whole hash */
	RUN("HRANDFIELD", "h", "3");
	EXPECT_ITEMS('*', "a", "b", "c");
	RUN("HRANDFIELD", "h", "100", "WITHVALUES");
	EXPECT_PAIRS('*', "a=1", "b=2", "c=3");
	/* count < size: distinct fields */
	for (int i = 0; i < 50; i++) {
		char **items;
		RUN("HRANDFIELD", "h", "2", "withvalues");
		long n = tt_items('*', &items);
		ck_assert_int_eq(n, 4);
		ck_assert_str_ne(items[0], items[2]);
		for (int j = 0; j < 4; j += 2) {
			ck_assert(strchr("abc", items[j][0]) && items[j][1] == '\0');
			/* a's value is 1, b's 2, c's 3 */
			ck_assert_int_eq(items[j + 1][0] - '1', items[j][0] - 'a');
		}
		tc_free_items(items, n);
	}
	/* negative: exactly |count| picks, repeats allowed */
	char **items;
	RUN("HRANDFIELD", "h", "-10");
	long n = tt_items('*', &items);
	ck_assert_int_eq(n, 10);
	for (long i = 0; i < n; i++)
		ck_assert(strchr("abc", items[i][0]) && items[i][1] == '\0');
	tc_free_items(items, n);
	/* RESP3 WITHVALUES nests each pair */
	EXPECT(":2\r\n", "HDEL", "h", "a", "b");
	tc_cl.proto = 3;
	EXPECT("*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n", "HRANDFIELD", "h", "1", "WITHVALUES");
	EXPECT("*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n",
	       "HRANDFIELD", "h", "-2", "WITHVALUES");
	EXPECT("$1\r\nc\r\n", "HRANDFIELD", "h");
	tc_cl.proto = 2;
	EXPECT("*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n3\r\n", "HRANDFIELD", "h", "-2", "WITHVALUES");
}
END_TEST

/* Every field is picked about equally often, also from a table left
 * sparse by deletions (4 fields left in 40+ slots, too few to shrink), where
 * "the next live slot after a random one" would favour the fields after
 * long empty runs. */
START_TEST(hrandfield_is_uniform)
{
	char f[16];
	for (int i = 0; i < 40; i++) {
		snprintf(f, sizeof f, "f%d", i);
		RUN("HSET", "h", f, "v");
	}
	/* a 65-byte value makes it a table (and a removal does not undo it) */
	RUN("HSET", "h", "big", "12345678901234567890123456789012345678901234567890123456789012345");
	RUN("HDEL", "h", "big");
	ck_assert_str_eq(enc_of("h"), "hashtable");
	uint32_t cap = tt_obj("h", KVS_T_HASH)->t->cap;
	ck_assert_uint_ge(cap, 40);
	for (int i = 4; i < 40; i++) {
		snprintf(f, sizeof f, "f%d", i);
		RUN("HDEL", "h", f);
	}
	EXPECT(":4\r\n", "HLEN", "h");
	ck_assert_uint_eq(tt_obj("h", KVS_T_HASH)->t->cap, cap);  /* sparse, not shrunk */
	int hits[4] = { 0 };
	for (int round = 0; round < 4000; round++) {
		RUN("HRANDFIELD", "h");
		ck_assert(strncmp(tc_reply, "$2\r\nf", 5) == 0);
		hits[tc_reply[5] - '0']++;
	}
	/* binomial(4000, 1/4): mean 1000, sd 27; 6 sd either way */
	for (int i = 0; i < 4; i++)
		ck_assert_msg(hits[i] > 840 && hits[i] < 1160, "field %d picked %d times", i, hits[i]);
}
END_TEST

START_TEST(hscan_small_and_errors)
{
	EXPECT(EMPTY_SCAN, "HSCAN", "nokey", "0");
	EXPECT(EMPTY_SCAN, "HSCAN", "nokey", "0", "COUNT", "x");  /* options parsed after lookup */
	EXPECT(":2\r\n", "HSET", "h", "a", "1", "b", "2");
	EXPECT(E_CURSOR, "HSCAN", "h", "x");
	EXPECT(E_CURSOR, "HSCAN", "h", "0 ");
	EXPECT(E_CURSOR, "HSCAN", "h", " 0");
	EXPECT(E_CURSOR, "HSCAN", "h", "18446744073709551616");
	EXPECT(E_SYNTAX, "HSCAN", "h", "0", "COUNT");
	EXPECT(E_SYNTAX, "HSCAN", "h", "0", "foo", "1");
	EXPECT(E_NOTINT, "HSCAN", "h", "0", "COUNT", "x");
	EXPECT(E_SYNTAX, "HSCAN", "h", "0", "COUNT", "0");
	EXPECT(E_SYNTAX, "HSCAN", "h", "0", "COUNT", "-1");
	EXPECT(E_SYNTAX, "HSCAN", "h", "0", "NOVALUES");
	EXPECT(E_SYNTAX, "HSCAN", "h", "0", "TYPE", "string");
	/* a small hash comes back whole with cursor 0, whatever the cursor */
	const char *cursors[] = { "0", "", "-1", "+0", "18446744073709551615", "12345" };
	for (size_t i = 0; i < sizeof cursors / sizeof *cursors; i++) {
		RUN("HSCAN", "h", cursors[i], "COUNT", "1");
		ck_assert(strncmp(tc_reply, "*2\r\n$1\r\n0\r\n", 11) == 0);
		tc_reply_len -= 11;
		memmove(tc_reply, tc_reply + 11, tc_reply_len + 1);
		EXPECT_PAIRS('*', "a=1", "b=2");
	}
	EXPECT("*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "HSCAN", "h", "0", "MATCH", "b*");
	EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "h", "0", "MATCH", "x*");
	tc_cl.proto = 3;  /* arrays in RESP3 too */
	EXPECT("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", "HSCAN", "h", "0", "MATCH", "a");
}
END_TEST

/* Run HSCAN with COUNT to completion; seen[i] counts field f<i>. */
static int hscan_all(const char *key, const char *match, int *seen, int nseen, int churn)
{
	char cursor[32] = "0";
	int calls = 0;
	do {
		char **items;
		if (match)
			RUN("HSCAN", key, cursor, "COUNT", "7", "MATCH", match);
		else
			RUN("HSCAN", key, cursor, "COUNT", "7");
		const char *p = tc_reply;
		ck_assert_int_eq(tt_header(&p, '*'), 2);
		char *cur = tc_parse_bulk(&p);
		snprintf(cursor, sizeof cursor, "%s", cur);
		free(cur);
		long n = tc_parse_bulks(&p, &items);
		ck_assert_int_eq(n % 2, 0);
		for (long i = 0; i < n; i += 2) {
			int idx = atoi(items[i] + 1);
			ck_assert(items[i][0] == 'f' && idx >= 0 && idx < nseen);
			ck_assert_int_eq(atoi(items[i + 1]), idx * 10);
			seen[idx]++;
		}
		tc_free_items(items, n);
		if (churn) {  /* add and remove other fields between calls */
			char f[16];
			snprintf(f, sizeof f, "g%d", calls);
			RUN("HSET", key, f, "x");
			if (calls % 2) {
				snprintf(f, sizeof f, "g%d", calls - 1);
				RUN("HDEL", key, f);
			}
		}
		ck_assert_int_lt(++calls, 10000);
	} while (strcmp(cursor, "0") != 0);
	return calls;
}

START_TEST(hscan_large)
{
	char f[16], v[16];
	enum { N = 600 };   /* over 512 fields: a table */
	int seen[N];
	for (int i = 0; i < N; i++) {
		snprintf(f, sizeof f, "f%d", i);
		snprintf(v, sizeof v, "%d", i * 10);
		RUN("HSET", "h", f, v);
	}
	ck_assert_str_eq(enc_of("h"), "hashtable");
	memset(seen, 0, sizeof seen);
	int calls = hscan_all("h", NULL, seen, N, 0);
	ck_assert_int_gt(calls, 10);   /* really incremental */
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(seen[i], 1);
	/* MATCH filters after the visit */
	memset(seen, 0, sizeof seen);
	hscan_all("h", "f1*", seen, N, 0);
	for (int i = 0; i < N; i++) {
		snprintf(f, sizeof f, "f%d", i);
		ck_assert_int_eq(seen[i], f[1] == '1');
	}
	/* fields present throughout are returned despite inserts (which may
	 * grow the table) and deletes between calls */
	memset(seen, 0, sizeof seen);
	hscan_all("h", "f*", seen, N, 1);
	for (int i = 0; i < N; i++)
		ck_assert_int_ge(seen[i], 1);
}
END_TEST

START_TEST(encoding_names)
{
	char f[16];
	char v64[65], v65[66];
	memset(v64, 'v', 64);
	v64[64] = '\0';
	memset(v65, 'v', 65);
	v65[65] = '\0';
	/* 512 fields: redis-server 7.0.15's hash-max-listpack-entries */
	for (int i = 0; i < 512; i++) {
		snprintf(f, sizeof f, "f%d", i);
		RUN("HSET", "h", f, v64);
	}
	ck_assert_str_eq(enc_of("h"), "listpack");
	RUN("HSET", "h", "one-more", "v");
	ck_assert_str_eq(enc_of("h"), "hashtable");
	RUN("HDEL", "h", "one-more");
	ck_assert_str_eq(enc_of("h"), "hashtable");  /* never converts back */
	/* a long value or field converts, whatever writes it */
	RUN("HSET", "v", "a", v65);
	ck_assert_str_eq(enc_of("v"), "hashtable");
	RUN("HINCRBY", "i", v65, "1");
	ck_assert_str_eq(enc_of("i"), "hashtable");
	RUN("HSETNX", "n", v65, "1");
	ck_assert_str_eq(enc_of("n"), "hashtable");
	RUN("HINCRBYFLOAT", "fl", "a", "1e70");
	ck_assert_str_eq(enc_of("fl"), "hashtable");
	/* a hash deleted and recreated starts compact again */
	RUN("HDEL", "v", "a");
	RUN("HSET", "v", "a", "1");
	ck_assert_str_eq(enc_of("v"), "listpack");
}
END_TEST

/* Each field carries the stamp of the command that last wrote it; the
 * key's stamp is at least as new as any field's. */
START_TEST(field_stamps)
{
	RUN("HSET", "h", "a", "1", "b", "2");
	uint64_t a0 = tt_stamp("h", KVS_T_HASH, "a"), b0 = tt_stamp("h", KVS_T_HASH, "b");
	ck_assert_uint_eq(a0, b0);   /* one command, one stamp */
	ck_assert_uint_eq(kvs_hlc_ms(a0), tc_env.now_ms);
	ck_assert_uint_eq(kvs_hlc_node(a0), 1);
	ck_assert_uint_gt(tc_get(0, "h")->stamp, a0);
	tc_env.now_ms += 5;
	RUN("HINCRBY", "h", "a", "1");
	uint64_t a1 = tt_stamp("h", KVS_T_HASH, "a");
	ck_assert_uint_gt(a1, a0);
	ck_assert_uint_eq(kvs_hlc_ms(a1), tc_env.now_ms);
	ck_assert_uint_eq(tt_stamp("h", KVS_T_HASH, "b"), b0);
	ck_assert_uint_gt(tc_get(0, "h")->stamp, a1);
	/* same millisecond: still strictly newer */
	RUN("HSET", "h", "b", "3");
	ck_assert_uint_gt(tt_stamp("h", KVS_T_HASH, "b"), a1);
	/* a refused HSETNX does not touch the field */
	uint64_t b1 = tt_stamp("h", KVS_T_HASH, "b");
	RUN("HSETNX", "h", "b", "9");
	ck_assert_uint_eq(tt_stamp("h", KVS_T_HASH, "b"), b1);
}
END_TEST

/* OBJECT ENCODING and SORT ... BY/GET key->field read hashes through
 * the type hooks (replies as redis-server 7.0 gives them). */
START_TEST(object_and_sort_hooks)
{
	RUN("SADD", "s", "3", "1", "2");
	RUN("HSET", "h_1", "f", "c");
	RUN("HSET", "h_2", "f", "b");
	RUN("HSET", "h_3", "f", "a");
	EXPECT("*3\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n", "SORT", "s", "BY", "h_*->f", "ALPHA");
	EXPECT("*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", "SORT", "s", "GET", "h_*->f");
	EXPECT("*9\r\n$1\r\n1\r\n$1\r\nc\r\n$-1\r\n$1\r\n2\r\n$1\r\nb\r\n$-1\r\n$1\r\n3\r\n$1\r\na\r\n$-1\r\n",
	       "SORT", "s", "GET", "#", "GET", "h_*->f", "GET", "h_*->zz");
	EXPECT("-ERR One or more scores can't be converted into double\r\n", "SORT", "s", "BY", "h_*->f");
	EXPECT(E_WRONGTYPE, "SORT", "h_1");
	EXPECT("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "h_1");
	RUN("HSET", "h_1", "f", "0123456789012345678901234567890123456789012345678901234567890123456789");
	EXPECT("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "h_1");
	RUN("MEMORY", "USAGE", "h_1");
	ck_assert(tc_reply[0] == ':' && atoll(tc_reply + 1) > 70);
}
END_TEST

START_TEST(expired_hash_is_gone)
{
	RUN("HSET", "h", "a", "1");
	EXPECT(ONE, "PEXPIRE", "h", "100");
	tc_env.now_ms += 100;
	EXPECT(ZERO, "HLEN", "h");
	EXPECT(ONE, "HSET", "h", "b", "2");
	EXPECT(NIL, "HGET", "h", "a");
	EXPECT(":-1\r\n", "TTL", "h");
}
END_TEST

START_TEST(copy_duplicates_hash)
{
	RUN("HSET", "h", "a", "1", "b", "2");
	uint64_t a0 = tt_stamp("h", KVS_T_HASH, "a");
	EXPECT(ONE, "COPY", "h", "h2");
	RUN("HGETALL", "h2");
	EXPECT_PAIRS('*', "a=1", "b=2");
	ck_assert_uint_eq(tt_stamp("h2", KVS_T_HASH, "a"), a0);
	ck_assert_ptr_ne(tt_obj("h", KVS_T_HASH), tt_obj("h2", KVS_T_HASH));
	EXPECT(ZERO, "HSET", "h2", "a", "9");
	EXPECT("$1\r\n1\r\n", "HGET", "h", "a");
	EXPECT(ONE, "DEL", "h");
	EXPECT("$1\r\n9\r\n", "HGET", "h2", "a");
}
END_TEST

START_TEST(keyspace_stats)
{
	RUN("HSET", "h", "a", "1");
	uint64_t hits = tc_stats.keyspace_hits, misses = tc_stats.keyspace_misses;
	RUN("HGET", "h", "a");
	RUN("HGET", "h", "zz");   /* a hit: the key exists */
	RUN("HGET", "nokey", "a");
	ck_assert_uint_eq(tc_stats.keyspace_hits - hits, 2);
	ck_assert_uint_eq(tc_stats.keyspace_misses - misses, 1);
}
END_TEST

/* Bytes per field as MEMORY USAGE would count them, for the report; the
 * bound catches a regression to a per-field side structure. */
START_TEST(memory_per_field)
{
	char f[32], v[32];
	enum { N = 10000 };
	for (int i = 0; i < N; i++) {
		snprintf(f, sizeof f, "field:%06d", i);   /* 12 bytes */
		snprintf(v, sizeof v, "value:%06d", i);   /* 12 bytes */
		RUN("HSET", "h", f, v);
	}
	size_t mem = kvs_tobj_mem(tt_obj("h", KVS_T_HASH));
	double per = (double)mem / N;
	fprintf(stderr, "hash: %d fields of 12+12 bytes: %zu bytes, %.1f per field\n", N, mem, per);
	/* entry 12 + 1 + 12 + 1 + 12 = 38 bytes (a 48-byte class) plus a
	 * 9-byte slot at >= 7/16 load */
	ck_assert(per < 80.0);
}
END_TEST

/* ---- randomized comparison with a reference model ---------------------- */
#define MK 3
#define MF 8
struct mfield {
	int present, is_int;
	long long n;
	char s[32];
};
static struct mfield model[MK][MF];
static const char *const mkeys[MK] = { "{a}m", "{b}m", "m" };

static void model_check_all(int k)
{
	char buf[64];
	const char *want[MF + 1];
	char store[MF][64];
	int n = 0;
	for (int f = 0; f < MF; f++) {
		if (!model[k][f].present)
			continue;
		snprintf(store[n], sizeof store[n], "f%d=%s", f, model[k][f].s);
		want[n] = store[n];
		n++;
	}
	want[n] = NULL;
	RUN("HGETALL", mkeys[k]);
	tt_expect_items('*', 1, want);
	snprintf(buf, sizeof buf, ":%d\r\n", n);
	EXPECT(buf, "HLEN", mkeys[k]);
	ck_assert_int_eq(tc_get(0, mkeys[k]) != NULL, n > 0);
}

static void random_value(struct mfield *m, uint64_t r)
{
	static const long long edges[] = { 0, 1, -1, LLONG_MAX, LLONG_MIN, LLONG_MAX - 3, LLONG_MIN + 3 };
	m->present = 1;
	switch (r % 4) {
	case 0:
		m->is_int = 0;
		snprintf(m->s, sizeof m->s, "x%d", (int)(r >> 8) % 100);
		break;
	case 1:
		m->is_int = 1;
		m->n = edges[(r >> 8) % (sizeof edges / sizeof *edges)];
		snprintf(m->s, sizeof m->s, "%lld", m->n);
		break;
	default:
		m->is_int = 1;
		m->n = (long long)((r >> 8) % 2001) - 1000;
		snprintf(m->s, sizeof m->s, "%lld", m->n);
	}
}

static void step_hset(int k, uint64_t r)
{
	const char *argv[2 + 2 * 3];
	char names[3][8];
	struct mfield vals[3];
	int pairs = 1 + (int)(r % 3), added = 0;
	char want[16];
	r >>= 2;
	argv[0] = "HSET";
	argv[1] = mkeys[k];
	for (int i = 0; i < pairs; i++) {
		int f = (int)(r % MF);
		r = r * 6364136223846793005ull + 1442695040888963407ull;
		snprintf(names[i], sizeof names[i], "f%d", f);
		random_value(&vals[i], r >> 17);
		argv[2 + 2 * i] = names[i];
		argv[3 + 2 * i] = vals[i].s;
		added += !model[k][f].present;
		model[k][f] = vals[i];
	}
	tc_execv(2 + 2 * pairs, argv, NULL);
	snprintf(want, sizeof want, ":%d\r\n", added);
	ck_assert_str_eq(tc_reply, want);
}

static void step_hdel(int k, uint64_t r)
{
	const char *argv[2 + 3];
	char names[3][8];
	int n = 1 + (int)(r % 3), removed = 0;
	char want[16];
	r >>= 2;
	argv[0] = "HDEL";
	argv[1] = mkeys[k];
	for (int i = 0; i < n; i++, r /= MF) {
		int f = (int)(r % MF);
		snprintf(names[i], sizeof names[i], "f%d", f);
		argv[2 + i] = names[i];
		removed += model[k][f].present;
		model[k][f].present = 0;
	}
	tc_execv(2 + n, argv, NULL);
	snprintf(want, sizeof want, ":%d\r\n", removed);
	ck_assert_str_eq(tc_reply, want);
}

static void step_hincrby(int k, uint64_t r)
{
	static const long long big[] = { LLONG_MAX, LLONG_MIN, 1, -1 };
	int f = (int)(r % MF);
	long long by = (r >> 8) % 8 == 0 ? big[(r >> 12) % 4] : (long long)((r >> 12) % 201) - 100;
	char name[8], incr[32], want[64];
	struct mfield *m = &model[k][f];
	long long res;
	snprintf(name, sizeof name, "f%d", f);
	snprintf(incr, sizeof incr, "%lld", by);
	if (m->present && !m->is_int) {
		snprintf(want, sizeof want, E_HNOTINT);
	} else if (__builtin_add_overflow(m->present ? m->n : 0, by, &res)) {
		snprintf(want, sizeof want, E_OVERFLOW);
	} else {
		m->present = m->is_int = 1;
		m->n = res;
		snprintf(m->s, sizeof m->s, "%lld", res);
		snprintf(want, sizeof want, ":%lld\r\n", res);
	}
	ck_assert_str_eq(RUN("HINCRBY", mkeys[k], name, incr), want);
}

static void step_hget(int k, uint64_t r)
{
	int f = (int)(r % MF);
	char name[8], want[sizeof model[0][0].s + 32];
	snprintf(name, sizeof name, "f%d", f);
	if (model[k][f].present)
		snprintf(want, sizeof want, "$%zu\r\n%.31s\r\n", strlen(model[k][f].s), model[k][f].s);
	else
		snprintf(want, sizeof want, NIL);
	ck_assert_str_eq(RUN("HGET", mkeys[k], name), want);
	ck_assert_str_eq(RUN("HEXISTS", mkeys[k], name), model[k][f].present ? ONE : ZERO);
}

START_TEST(random_against_model)
{
	uint64_t seed = 0x1234567 + (uint64_t)_i;
	memset(model, 0, sizeof model);
	for (int step = 0; step < 4000; step++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t r = seed >> 11;
		int k = (int)(r % MK);
		r /= MK;
		switch (r % 8) {
		case 0: case 1: case 2: step_hset(k, r >> 3); break;
		case 3: case 4: step_hdel(k, r >> 3); break;
		case 5: case 6: step_hincrby(k, r >> 3); break;
		default: step_hget(k, r >> 3); break;
		}
		if (step % 50 == 0)
			for (int i = 0; i < MK; i++)
				model_check_all(i);
	}
	for (int i = 0; i < MK; i++)
		model_check_all(i);
}
END_TEST

static Suite *hash_suite(void)
{
	Suite *s = suite_create("t_hash");
	TCase *tc = tcase_create("hash");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, hset_hget_basics);
	tcase_add_test(tc, hset_binary_safe);
	tcase_add_test(tc, hset_arity);
	tcase_add_test(tc, hsetnx_semantics);
	tcase_add_test(tc, hdel_deletes_empty_hash);
	tcase_add_test(tc, hmget_replies);
	tcase_add_test(tc, hgetall_keys_vals);
	tcase_add_test(tc, hincrby_semantics);
	tcase_add_test(tc, hincrbyfloat_semantics);
	tcase_add_test(tc, wrong_type);
	tcase_add_test(tc, hrandfield_errors_and_empty);
	tcase_add_test(tc, hrandfield_counts);
	tcase_add_test(tc, hrandfield_is_uniform);
	tcase_add_test(tc, hscan_small_and_errors);
	tcase_add_test(tc, hscan_large);
	tcase_add_test(tc, encoding_names);
	tcase_add_test(tc, field_stamps);
	tcase_add_test(tc, object_and_sort_hooks);
	tcase_add_test(tc, expired_hash_is_gone);
	tcase_add_test(tc, copy_duplicates_hash);
	tcase_add_test(tc, keyspace_stats);
	tcase_add_test(tc, memory_per_field);
	tcase_add_loop_test(tc, random_against_model, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	kvs_cmd_register_builtin();
	SRunner *sr = srunner_create(hash_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
