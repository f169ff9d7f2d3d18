/*
 * check_t_list.c - the list commands through kvs_exec, against the RESP
 * bytes redis-server 7.0 sends for the same requests; the packed-node list
 * (list.c) against an array model; blocking pops at the engine level.
 */
#include "config.h"
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "list.h"
#include "exec_fixture.h"
#include "client_fixture.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define POSITIVE "-ERR value is out of range, must be positive\r\n"

/* ---- push / pop ------------------------------------------------------------ */

START_TEST(push_pop_basic)
{
	EXPECT(":3\r\n", "RPUSH", "l", "a", "b", "c");
	EXPECT(":5\r\n", "LPUSH", "l", "y", "z");
	EXPECT("*5\r\n$1\r\nz\r\n$1\r\ny\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "0", "-1");
	EXPECT(":5\r\n", "LLEN", "l");
	EXPECT("$1\r\nz\r\n", "LPOP", "l");
	EXPECT("$1\r\nc\r\n", "RPOP", "l");
	EXPECT("*2\r\n$1\r\ny\r\n$1\r\na\r\n", "LPOP", "l", "2");
	EXPECT("*1\r\n$1\r\nb\r\n", "RPOP", "l", "5");
	/* The emptied list is gone. */
	EXPECT(":0\r\n", "LLEN", "l");
	ck_assert_int_eq(fx_type("l"), -1);
	EXPECT("$-1\r\n", "LPOP", "l");
	EXPECT("*-1\r\n", "LPOP", "l", "2");
	EXPECT("*-1\r\n", "RPOP", "l", "0");
	EXPECT(":1\r\n", "RPUSH", "l", "x");
	EXPECT("*0\r\n", "LPOP", "l", "0");
	EXPECT(":1\r\n", "LLEN", "l");
	EXPECT(POSITIVE, "LPOP", "l", "-1");
	EXPECT(POSITIVE, "RPOP", "l", "x");
	EXPECT("-ERR wrong number of arguments for 'lpop' command\r\n", "LPOP", "l", "1", "2");
	EXPECT("-ERR wrong number of arguments for 'rpush' command\r\n", "RPUSH", "l");
	/* Empty elements are elements. */
	EXPECT(":2\r\n", "RPUSH", "l", "");
	EXPECT("$0\r\n\r\n", "RPOP", "l");
}
END_TEST

START_TEST(pushx)
{
	EXPECT(":0\r\n", "LPUSHX", "l", "a");
	EXPECT(":0\r\n", "RPUSHX", "l", "a", "b");
	ck_assert_int_eq(fx_type("l"), -1);
	EXPECT(":1\r\n", "RPUSH", "l", "m");
	EXPECT(":3\r\n", "LPUSHX", "l", "b", "a");
	EXPECT(":5\r\n", "RPUSHX", "l", "y", "z");
	EXPECT("*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nm\r\n$1\r\ny\r\n$1\r\nz\r\n", "LRANGE", "l", "0", "-1");
	ck_assert_int_eq(fx_type("l"), KVS_T_LIST);
}
END_TEST

START_TEST(resp3_nulls)
{
	fx.c.proto = 3;
	EXPECT("_\r\n", "LPOP", "nokey");
	EXPECT("_\r\n", "RPOP", "nokey", "3");
	EXPECT("_\r\n", "LINDEX", "nokey", "0");
	EXPECT("_\r\n", "LPOS", "nokey", "a");
	EXPECT("_\r\n", "LMPOP", "1", "nokey", "LEFT");
	EXPECT("_\r\n", "LMOVE", "nokey", "d", "LEFT", "LEFT");
	EXPECT(":1\r\n", "RPUSH", "l", "a");
	EXPECT("*1\r\n$1\r\na\r\n", "LPOP", "l", "1");
}
END_TEST

/* ---- indexes and ranges ---------------------------------------------------------- */

START_TEST(lindex_lset)
{
	EXPECT("$-1\r\n", "LINDEX", "l", "x");
	EXPECT("-ERR no such key\r\n", "LSET", "l", "0", "a");
	EXPECT(":3\r\n", "RPUSH", "l", "a", "b", "c");
	EXPECT("$1\r\na\r\n", "LINDEX", "l", "0");
	EXPECT("$1\r\nc\r\n", "LINDEX", "l", "-1");
	EXPECT("$1\r\na\r\n", "LINDEX", "l", "-3");
	EXPECT("$-1\r\n", "LINDEX", "l", "3");
	EXPECT("$-1\r\n", "LINDEX", "l", "-4");
	EXPECT(NOTINT, "LINDEX", "l", "x");
	EXPECT("+OK\r\n", "LSET", "l", "0", "first");
	EXPECT("+OK\r\n", "LSET", "l", "-1", "");
	EXPECT("+OK\r\n", "LSET", "l", "1", "B");
	EXPECT("-ERR index out of range\r\n", "LSET", "l", "3", "x");
	EXPECT("-ERR index out of range\r\n", "LSET", "l", "-4", "x");
	EXPECT(NOTINT, "LSET", "l", "x", "x");
	EXPECT("*3\r\n$5\r\nfirst\r\n$1\r\nB\r\n$0\r\n\r\n", "LRANGE", "l", "0", "-1");
}
END_TEST

START_TEST(lrange_clamps)
{
	EXPECT("*0\r\n", "LRANGE", "l", "0", "-1");
	EXPECT(NOTINT, "LRANGE", "l", "0", "x");
	EXPECT(":4\r\n", "RPUSH", "l", "a", "b", "c", "d");
	EXPECT("*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "LRANGE", "l", "-100", "100");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "1", "-2");
	EXPECT("*0\r\n", "LRANGE", "l", "2", "1");
	EXPECT("*0\r\n", "LRANGE", "l", "4", "10");
	EXPECT("*0\r\n", "LRANGE", "l", "-1", "-2");
	EXPECT("*1\r\n$1\r\nd\r\n", "LRANGE", "l", "3", "3");
	EXPECT("*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "LRANGE", "l", "-9223372036854775808",
	       "9223372036854775807");
}
END_TEST

START_TEST(ltrim)
{
	EXPECT("+OK\r\n", "LTRIM", "l", "0", "1");
	EXPECT(NOTINT, "LTRIM", "l", "0", "x");
	EXPECT(":6\r\n", "RPUSH", "l", "1", "2", "3", "4", "5", "6");
	EXPECT("+OK\r\n", "LTRIM", "l", "1", "-2");
	EXPECT("*4\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n", "LRANGE", "l", "0", "-1");
	EXPECT("+OK\r\n", "LTRIM", "l", "-2", "100");
	EXPECT("*2\r\n$1\r\n4\r\n$1\r\n5\r\n", "LRANGE", "l", "0", "-1");
	EXPECT("+OK\r\n", "LTRIM", "l", "5", "10");
	ck_assert_int_eq(fx_type("l"), -1);
	EXPECT(":2\r\n", "RPUSH", "l", "a", "b");
	EXPECT("+OK\r\n", "LTRIM", "l", "0", "-100");
	ck_assert_int_eq(fx_type("l"), -1);
}
END_TEST

/* ---- LREM / LINSERT / LPOS --------------------------------------------------------- */

START_TEST(lrem)
{
	EXPECT(":0\r\n", "LREM", "l", "0", "a");
	EXPECT(NOTINT, "LREM", "l", "x", "a");
	EXPECT(":7\r\n", "RPUSH", "l", "a", "b", "c", "a", "b", "c", "a");
	EXPECT(":2\r\n", "LREM", "l", "2", "a");
	EXPECT("*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n", "LRANGE", "l", "0", "-1");
	EXPECT(":1\r\n", "LREM", "l", "-1", "c");
	EXPECT("*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", "LRANGE", "l", "0", "-1");
	EXPECT(":2\r\n", "LREM", "l", "0", "b");
	EXPECT(":0\r\n", "LREM", "l", "0", "zz");
	EXPECT(":4\r\n", "RPUSH", "l", "c", "c");
	/* LLONG_MIN stays negative when negated: every match, from the tail. */
	EXPECT(":3\r\n", "LREM", "l", "-9223372036854775808", "c");
	EXPECT(":1\r\n", "LREM", "l", "0", "a");
	ck_assert_int_eq(fx_type("l"), -1);
}
END_TEST

START_TEST(linsert)
{
	EXPECT(":0\r\n", "LINSERT", "l", "BEFORE", "a", "x");
	EXPECT(SYNTAX, "LINSERT", "l", "middle", "a", "x");
	EXPECT(":2\r\n", "RPUSH", "l", "a", "c");
	EXPECT(":3\r\n", "LINSERT", "l", "after", "a", "b");
	EXPECT(":4\r\n", "LINSERT", "l", "BEFORE", "a", "0");
	EXPECT(":5\r\n", "LINSERT", "l", "AFTER", "c", "d");
	EXPECT(":-1\r\n", "LINSERT", "l", "before", "zz", "x");
	EXPECT("*5\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "LRANGE", "l", "0", "-1");
}
END_TEST

START_TEST(lpos)
{
	EXPECT("$-1\r\n", "LPOS", "l", "a");
	EXPECT("*0\r\n", "LPOS", "l", "a", "COUNT", "0");
	EXPECT(":4\r\n", "RPUSH", "l", "a", "b", "a", "a");
	EXPECT(":0\r\n", "LPOS", "l", "a");
	EXPECT(":1\r\n", "LPOS", "l", "b");
	EXPECT("$-1\r\n", "LPOS", "l", "x");
	EXPECT(":2\r\n", "LPOS", "l", "a", "RANK", "2");
	EXPECT(":2\r\n", "LPOS", "l", "a", "RANK", "-2");
	EXPECT(":3\r\n", "LPOS", "l", "a", "rank", "-1");
	EXPECT("$-1\r\n", "LPOS", "l", "a", "RANK", "4");
	EXPECT("*3\r\n:0\r\n:2\r\n:3\r\n", "LPOS", "l", "a", "COUNT", "0");
	EXPECT("*2\r\n:0\r\n:2\r\n", "LPOS", "l", "a", "COUNT", "2");
	EXPECT("*2\r\n:3\r\n:2\r\n", "LPOS", "l", "a", "RANK", "-1", "COUNT", "2", "MAXLEN", "2");
	EXPECT("*0\r\n", "LPOS", "l", "b", "COUNT", "0", "MAXLEN", "1");
	EXPECT("*1\r\n:0\r\n", "LPOS", "l", "a", "COUNT", "1", "RANK", "1", "MAXLEN", "0");
	/* Redis 7.0 negates RANK into itself: the first match from the tail,
	 * and COUNT never stops it. */
	EXPECT(":3\r\n", "LPOS", "l", "a", "RANK", "-9223372036854775808");
	EXPECT("*3\r\n:3\r\n:2\r\n:0\r\n", "LPOS", "l", "a", "RANK", "-9223372036854775808", "COUNT", "2");
	EXPECT("-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
	       "negative to start from the end of the list\r\n", "LPOS", "l", "a", "RANK", "0");
	EXPECT("-ERR COUNT can't be negative\r\n", "LPOS", "l", "a", "COUNT", "-1");
	EXPECT("-ERR COUNT can't be negative\r\n", "LPOS", "l", "a", "COUNT", "x");
	EXPECT("-ERR MAXLEN can't be negative\r\n", "LPOS", "l", "a", "MAXLEN", "-1");
	EXPECT(NOTINT, "LPOS", "l", "a", "RANK", "x");
	EXPECT(SYNTAX, "LPOS", "l", "a", "foo");
	EXPECT(SYNTAX, "LPOS", "l", "a", "COUNT");
}
END_TEST

/* ---- moves ------------------------------------------------------------------------------ */

START_TEST(lmove_rpoplpush)
{
	EXPECT("$-1\r\n", "LMOVE", "s", "d", "LEFT", "RIGHT");
	EXPECT(SYNTAX, "LMOVE", "s", "d", "UP", "RIGHT");
	EXPECT(SYNTAX, "LMOVE", "s", "d", "left", "down");
	EXPECT(":3\r\n", "RPUSH", "s", "a", "b", "c");
	EXPECT("$1\r\nc\r\n", "RPOPLPUSH", "s", "d");
	EXPECT("$1\r\na\r\n", "LMOVE", "s", "d", "left", "right");
	EXPECT("*2\r\n$1\r\nc\r\n$1\r\na\r\n", "LRANGE", "d", "0", "-1");
	EXPECT("$1\r\nb\r\n", "LMOVE", "s", "d", "RIGHT", "LEFT");
	ck_assert_int_eq(fx_type("s"), -1);
	/* Same key: a rotation, never an empty list in between. */
	EXPECT("$1\r\na\r\n", "RPOPLPUSH", "d", "d");
	EXPECT("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "d", "0", "-1");
	EXPECT("$1\r\na\r\n", "LMOVE", "d", "d", "LEFT", "RIGHT");
	EXPECT("*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n", "LRANGE", "d", "0", "-1");
	EXPECT(":1\r\n", "RPUSH", "one", "x");
	EXPECT("$1\r\nx\r\n", "LMOVE", "one", "one", "LEFT", "LEFT");
	EXPECT(":1\r\n", "LLEN", "one");
	/* A wrong-typed destination leaves the source alone. */
	EXPECT("+OK\r\n", "SET", "str", "v");
	EXPECT(WRONGTYPE, "LMOVE", "d", "str", "LEFT", "LEFT");
	EXPECT(WRONGTYPE, "RPOPLPUSH", "str", "d");
	EXPECT(":3\r\n", "LLEN", "d");
	/* A missing source is nil even if the destination is wrong. */
	EXPECT("$-1\r\n", "LMOVE", "nokey", "str", "LEFT", "LEFT");
}
END_TEST

START_TEST(lmpop)
{
	EXPECT("-ERR numkeys should be greater than 0\r\n", "LMPOP", "0", "l", "LEFT");
	EXPECT("-ERR numkeys should be greater than 0\r\n", "LMPOP", "x", "l", "LEFT");
	EXPECT("-ERR numkeys should be greater than 0\r\n", "LMPOP", "-1", "l", "LEFT");
	EXPECT(SYNTAX, "LMPOP", "2", "l", "LEFT");
	EXPECT(SYNTAX, "LMPOP", "1", "l", "middle");
	EXPECT("-ERR count should be greater than 0\r\n", "LMPOP", "1", "l", "LEFT", "COUNT", "0");
	EXPECT("-ERR count should be greater than 0\r\n", "LMPOP", "1", "l", "LEFT", "COUNT", "x");
	EXPECT(SYNTAX, "LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "2");
	EXPECT(SYNTAX, "LMPOP", "1", "l", "LEFT", "COUNT");
	EXPECT("*-1\r\n", "LMPOP", "2", "a", "b", "LEFT");
	EXPECT(":3\r\n", "RPUSH", "b", "1", "2", "3");
	EXPECT("*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n", "LMPOP", "2", "a", "b", "LEFT");
	EXPECT("*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n", "LMPOP", "2", "a", "b", "RIGHT", "count", "10");
	ck_assert_int_eq(fx_type("b"), -1);
	EXPECT("+OK\r\n", "SET", "s", "v");
	EXPECT(WRONGTYPE, "LMPOP", "2", "a", "s", "LEFT");
}
END_TEST

START_TEST(wrongtype_everywhere)
{
	EXPECT("+OK\r\n", "SET", "s", "v");
	EXPECT(WRONGTYPE, "LPUSH", "s", "a");
	EXPECT(WRONGTYPE, "RPUSHX", "s", "a");
	EXPECT(WRONGTYPE, "LPOP", "s");
	EXPECT(WRONGTYPE, "RPOP", "s", "0");
	EXPECT(WRONGTYPE, "LLEN", "s");
	EXPECT(WRONGTYPE, "LINDEX", "s", "x");
	EXPECT(WRONGTYPE, "LSET", "s", "x", "x");
	EXPECT(WRONGTYPE, "LRANGE", "s", "0", "1");
	EXPECT(WRONGTYPE, "LTRIM", "s", "0", "1");
	EXPECT(WRONGTYPE, "LREM", "s", "0", "a");
	EXPECT(WRONGTYPE, "LINSERT", "s", "BEFORE", "a", "b");
	EXPECT(WRONGTYPE, "LPOS", "s", "a");
	EXPECT(WRONGTYPE, "BLPOP", "nokey", "s", "0");
	EXPECT(WRONGTYPE, "BLMOVE", "s", "d", "LEFT", "LEFT", "0");
	/* Argument errors come before the type check where Redis does so. */
	EXPECT(NOTINT, "LRANGE", "s", "x", "1");
	EXPECT(POSITIVE, "LPOP", "s", "-1");
	EXPECT("$1\r\nv\r\n", "GET", "s");
}
END_TEST

START_TEST(encoding_sort_copy)
{
	EXPECT(":3\r\n", "RPUSH", "l", "3", "1", "2");
	EXPECT("$9\r\nquicklist\r\n", "OBJECT", "ENCODING", "l");
	EXPECT("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "SORT", "l");
	EXPECT("*2\r\n$1\r\n3\r\n$1\r\n2\r\n", "SORT", "l", "DESC", "LIMIT", "0", "2");
	EXPECT(":3\r\n", "SORT", "l", "ALPHA", "STORE", "dst");
	EXPECT("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "LRANGE", "dst", "0", "-1");
	EXPECT(":1\r\n", "COPY", "l", "l2");
	EXPECT(":4\r\n", "RPUSH", "l2", "x");
	EXPECT("*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n", "LRANGE", "l", "0", "-1");
	EXPECT("*4\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\nx\r\n", "LRANGE", "l2", "0", "-1");
}
END_TEST

START_TEST(write_path_changes)
{
	memset(&fx.chg, 0, sizeof fx.chg);
	EXPECT(":2\r\n", "RPUSH", "l", "a", "b");
	CHANGES(1, 0, 0);
	EXPECT(":0\r\n", "LPUSHX", "nokey", "a");
	EXPECT("$-1\r\n", "LPOP", "nokey");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "LRANGE", "l", "0", "-1");
	EXPECT(":0\r\n", "LREM", "l", "0", "zz");
	CHANGES(0, 0, 0);
	EXPECT("$1\r\na\r\n", "LPOP", "l");
	CHANGES(1, 0, 0);
	EXPECT("$1\r\nb\r\n", "LMOVE", "l", "d", "LEFT", "LEFT");
	CHANGES(1, 1, 0);   /* d created, l deleted */
	EXPECT("+OK\r\n", "LSET", "d", "0", "x");
	EXPECT(":2\r\n", "LINSERT", "d", "AFTER", "x", "y");
	CHANGES(2, 0, 0);
	EXPECT("+OK\r\n", "LTRIM", "d", "9", "10");
	CHANGES(0, 1, 0);
}
END_TEST

/* ---- big lists: node boundaries ------------------------------------------------------- */

/* Element i of the test lists: sizes from 0 to ~3 KiB so that nodes fill
 * up, split and hold oversized elements. */
static size_t elem_for(unsigned i, char *buf, size_t cap)
{
	size_t len = (i * 2654435761u) % 97 == 0 ? 3000 + i % 7 : (i * 7919u) % 41;
	if (i % 1013 == 0)
		len = 9000;   /* bigger than a node */
	if (len > cap)
		len = cap;
	for (size_t j = 0; j < len; j++)
		buf[j] = (char)('a' + (i + j) % 26);
	return len;
}

START_TEST(big_list_index_and_range)
{
	static char buf[9100];
	struct kvs_list *l = kvs_list_new();
	const unsigned n = 5000;
	for (unsigned i = 0; i < n; i++) {
		size_t len = elem_for(i, buf, sizeof buf);
		kvs_list_push(l, i % 2 ? KVS_LIST_TAIL : KVS_LIST_HEAD, buf, len);
	}
	ck_assert_uint_eq(kvs_list_len(l), n);
	/* Heads were pushed at even i, in reverse: index k holds... */
	for (unsigned k = 0; k < n; k += 7) {
		unsigned i = k < n / 2 ? n - 2 - 2 * k : 2 * (k - n / 2) + 1;
		struct kvs_list_it it;
		const char *p;
		size_t len, want = elem_for(i, buf, sizeof buf);
		kvs_list_seek(l, k, &it);
		kvs_list_get(&it, &p, &len);
		ck_assert_uint_eq(len, want);
		ck_assert(memcmp(p, buf, len) == 0);
	}
	/* A walk in each direction visits every element once. */
	struct kvs_list_it it;
	size_t seen = 0;
	for (int more = kvs_list_first(l, KVS_LIST_HEAD, &it); more; more = kvs_list_next(&it))
		seen++;
	ck_assert_uint_eq(seen, n);
	seen = 0;
	for (int more = kvs_list_first(l, KVS_LIST_TAIL, &it); more; more = kvs_list_prev(&it))
		seen++;
	ck_assert_uint_eq(seen, n);
	/* Nodes are mostly full: far fewer than one per element. */
	ck_assert_uint_lt(kvs_list_nodes(l), n / 10);
	struct kvs_list *d = kvs_list_dup(l);
	ck_assert_uint_eq(kvs_list_len(d), n);
	ck_assert_uint_le(kvs_list_mem(d), kvs_list_mem(l));
	kvs_list_free(l);
	kvs_list_free(d);
}
END_TEST

/* Deleting most elements out of the middle must not leave a chain of
 * nearly empty nodes behind. */
START_TEST(lrem_merges_nodes)
{
	struct kvs_list *l = kvs_list_new();
	const char *x = "xxxxxxxxxxxxxxxxxxxx";
	for (int i = 0; i < 20000; i++)
		kvs_list_push(l, KVS_LIST_TAIL, i % 100 ? x : "keep", i % 100 ? 20 : 4);
	size_t before = kvs_list_nodes(l);
	ck_assert_uint_gt(before, 40);
	ck_assert_uint_eq(kvs_list_remove(l, x, 20, 0), 19800);
	ck_assert_uint_eq(kvs_list_len(l), 200);
	ck_assert_uint_le(kvs_list_nodes(l), 2);
	ck_assert_uint_lt(kvs_list_mem(l), 8192 * 2 + 64);
	struct kvs_list_it it;
	size_t n = 0;
	for (int more = kvs_list_first(l, KVS_LIST_TAIL, &it); more; more = kvs_list_prev(&it), n++) {
		const char *p;
		size_t len;
		kvs_list_get(&it, &p, &len);
		ck_assert(len == 4 && memcmp(p, "keep", 4) == 0);
	}
	ck_assert_uint_eq(n, 200);
	kvs_list_free(l);
}
END_TEST

/* ---- the list against a model --------------------------------------------------------- */

struct melem {
	char *p;
	size_t len;
};

struct mlist {
	struct melem *v;
	size_t n, cap;
};

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void m_insert(struct mlist *m, size_t at, const char *p, size_t len)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		m->v = realloc(m->v, m->cap * sizeof *m->v);
	}
	memmove(&m->v[at + 1], &m->v[at], (m->n - at) * sizeof *m->v);
	m->v[at].p = malloc(len ? len : 1);
	memcpy(m->v[at].p, p, len);
	m->v[at].len = len;
	m->n++;
}

static void m_erase(struct mlist *m, size_t at)
{
	free(m->v[at].p);
	memmove(&m->v[at], &m->v[at + 1], (m->n - at - 1) * sizeof *m->v);
	m->n--;
}

static void m_free(struct mlist *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].p);
	free(m->v);
}

/* A random element: mostly short, from a small alphabet so that LREM and
 * LINSERT find matches; sometimes long enough to fill nodes. */
static size_t rnd_elem(uint64_t *s, char *buf)
{
	uint64_t r = rnd_next(s);
	size_t len = r % 100 < 85 ? r % 3 : r % 100 < 98 ? 100 + r % 900 : 8000 + r % 2000;
	char ch = (char)('a' + (r >> 20) % 3);
	memset(buf, ch, len);
	return len;
}

static void check_same(struct kvs_list *l, const struct mlist *m)
{
	struct kvs_list_it it;
	size_t i = 0;
	ck_assert_uint_eq(kvs_list_len(l), m->n);
	for (int more = kvs_list_first(l, KVS_LIST_HEAD, &it); more; more = kvs_list_next(&it), i++) {
		const char *p;
		size_t len;
		kvs_list_get(&it, &p, &len);
		ck_assert_uint_eq(len, m->v[i].len);
		ck_assert(len == 0 || memcmp(p, m->v[i].p, len) == 0);
	}
	ck_assert_uint_eq(i, m->n);
}

static void model_step(struct kvs_list *l, struct mlist *m, uint64_t *s, char *buf)
{
	uint64_t op = rnd_next(s) % 100;
	size_t len = rnd_elem(s, buf);
	struct kvs_list_it it;
	if (op < 30) {
		int head = rnd_next(s) & 1;
		kvs_list_push(l, head ? KVS_LIST_HEAD : KVS_LIST_TAIL, buf, len);
		m_insert(m, head ? 0 : m->n, buf, len);
	} else if (op < 45 && m->n) {
		int head = rnd_next(s) & 1;
		kvs_list_pop(l, head ? KVS_LIST_HEAD : KVS_LIST_TAIL);
		m_erase(m, head ? 0 : m->n - 1);
	} else if (op < 60 && m->n) {
		size_t at = rnd_next(s) % m->n;
		int after = rnd_next(s) & 1;
		kvs_list_seek(l, at, &it);
		kvs_list_insert(&it, after ? KVS_LIST_TAIL : KVS_LIST_HEAD, buf, len);
		m_insert(m, at + (size_t)after, buf, len);
	} else if (op < 72 && m->n) {
		size_t at = rnd_next(s) % m->n;
		kvs_list_seek(l, at, &it);
		kvs_list_replace(&it, buf, len);
		m_erase(m, at);
		m_insert(m, at, buf, len);
	} else if (op < 82 && m->n) {
		long long count = (long long)(rnd_next(s) % 7) - 3;
		size_t want = 0, limit = count == 0 ? SIZE_MAX : (size_t)(count < 0 ? -count : count);
		if (count >= 0) {
			for (size_t i = 0; i < m->n && want < limit;)
				if (m->v[i].len == len && memcmp(m->v[i].p, buf, len) == 0) {
					m_erase(m, i);
					want++;
				} else {
					i++;
				}
		} else {
			for (size_t i = m->n; i-- > 0 && want < limit;)
				if (m->v[i].len == len && memcmp(m->v[i].p, buf, len) == 0) {
					m_erase(m, i);
					want++;
				}
		}
		ck_assert_uint_eq(kvs_list_remove(l, buf, len, count), want);
	} else if (op < 90 && m->n) {
		size_t left = rnd_next(s) % (m->n + 1), right = rnd_next(s) % (m->n - left + 1);
		kvs_list_trim(l, left, right);
		for (size_t i = 0; i < right; i++)
			m_erase(m, m->n - 1);
		for (size_t i = 0; i < left; i++)
			m_erase(m, 0);
	} else if (m->n) {
		size_t at = rnd_next(s) % m->n;
		const char *p;
		size_t plen;
		kvs_list_seek(l, at, &it);
		kvs_list_get(&it, &p, &plen);
		ck_assert_uint_eq(plen, m->v[at].len);
		ck_assert(plen == 0 || memcmp(p, m->v[at].p, plen) == 0);
	}
}

START_TEST(list_vs_model)
{
	static char buf[10000];
	uint64_t s = 0x2545f4914f6cdd1dull + (uint64_t)_i * 7919;
	struct kvs_list *l = kvs_list_new();
	struct mlist m = { NULL, 0, 0 };
	for (int step = 0; step < 6000; step++) {
		model_step(l, &m, &s, buf);
		if (step % 97 == 0)
			check_same(l, &m);
	}
	check_same(l, &m);
	struct kvs_list *d = kvs_list_dup(l);
	check_same(d, &m);
	kvs_list_free(d);
	kvs_list_free(l);
	m_free(&m);
}
END_TEST

/* ---- the commands against a model ------------------------------------------------------ */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void sb_fmt(struct sbuf *b, const char *fmt, long long v)
{
	char t[40];
	sb_add(b, t, (size_t)snprintf(t, sizeof t, fmt, v));
}

static void sb_bulk(struct sbuf *b, const struct melem *e)
{
	sb_fmt(b, "$%lld\r\n", (long long)e->len);
	sb_add(b, e->p, e->len);
	sb_add(b, "\r\n", 2);
}

/* Run argv on fx.c and compare with want. */
static void run_cmp(int argc, const char **argv, const size_t *lens, const struct sbuf *want)
{
	size_t len;
	char *got = fx_execv(argc, argv, lens, &len);
	ck_assert_msg(len == want->len && memcmp(got, want->p, len) == 0, "%s: got \"%s\", want \"%s\"", argv[0],
		      fx_show(got, len), fx_show(want->p, want->len));
	free(got);
}

/* One random command on list key "l" (and "m" for LMOVE); the expected
 * reply is computed from the model as Redis defines the command. */
static void cmd_step(struct mlist *m, struct mlist *m2, uint64_t *s, char *buf)
{
	const char *argv[8];
	size_t lens[8];
	char n1[24], n2[24];
	struct sbuf want = { NULL, 0, 0 };
	uint64_t op = rnd_next(s) % 7;
	size_t elen = rnd_elem(s, buf);
	long long a = (long long)(rnd_next(s) % 21) - 10, b = (long long)(rnd_next(s) % 21) - 10;
	long long n = (long long)m->n;
	snprintf(n1, sizeof n1, "%lld", a);
	snprintf(n2, sizeof n2, "%lld", b);
	argv[1] = "l";
	lens[1] = 1;
	if (op == 0) {   /* RPUSH l e */
		argv[0] = "RPUSH";
		argv[2] = buf;
		lens[0] = 5;
		lens[2] = elen;
		m_insert(m, m->n, buf, elen);
		sb_fmt(&want, ":%lld\r\n", (long long)m->n);
		run_cmp(3, argv, lens, &want);
	} else if (op == 1) {   /* LRANGE l a b */
		long long st = a, en = b;
		argv[0] = "LRANGE";
		argv[2] = n1;
		argv[3] = n2;
		lens[0] = 6;
		lens[2] = strlen(n1);
		lens[3] = strlen(n2);
		if (st < 0)
			st += n;
		if (en < 0)
			en += n;
		if (st < 0)
			st = 0;
		if (en >= n)
			en = n - 1;
		if (st > en || st >= n) {
			sb_add(&want, "*0\r\n", 4);
		} else {
			sb_fmt(&want, "*%lld\r\n", en - st + 1);
			for (long long i = st; i <= en; i++)
				sb_bulk(&want, &m->v[i]);
		}
		run_cmp(4, argv, lens, &want);
	} else if (op == 2) {   /* LPOP l count */
		long long c = a < 0 ? -a : a;
		snprintf(n1, sizeof n1, "%lld", c);
		argv[0] = "LPOP";
		argv[2] = n1;
		lens[0] = 4;
		lens[2] = strlen(n1);
		if (!m->n) {
			sb_add(&want, "*-1\r\n", 5);
		} else {
			long long k = c < n ? c : n;
			sb_fmt(&want, "*%lld\r\n", k);
			for (long long i = 0; i < k; i++) {
				sb_bulk(&want, &m->v[0]);
				m_erase(m, 0);
			}
		}
		run_cmp(3, argv, lens, &want);
	} else if (op == 3) {   /* LREM l count e */
		long long removed = 0, limit = a == 0 ? n : (a < 0 ? -a : a);
		argv[0] = "LREM";
		argv[2] = n1;
		argv[3] = buf;
		lens[0] = 4;
		lens[2] = strlen(n1);
		lens[3] = elen;
		for (long long i = a >= 0 ? 0 : n - 1; i >= 0 && i < (long long)m->n && removed < limit;) {
			if (m->v[i].len == elen && memcmp(m->v[i].p, buf, elen) == 0) {
				m_erase(m, (size_t)i);
				removed++;
				if (a < 0)
					i--;
			} else {
				i += a >= 0 ? 1 : -1;
			}
		}
		sb_fmt(&want, ":%lld\r\n", removed);
		run_cmp(4, argv, lens, &want);
	} else if (op == 4) {   /* LINSERT l BEFORE|AFTER pivot e */
		char pivot[4];
		int after = (int)(rnd_next(s) & 1);
		size_t plen = rnd_next(s) % 3;
		memset(pivot, 'a' + (int)(rnd_next(s) % 3), plen);
		argv[0] = "LINSERT";
		argv[2] = after ? "AFTER" : "BEFORE";
		argv[3] = pivot;
		argv[4] = buf;
		lens[0] = 7;
		lens[2] = strlen(argv[2]);
		lens[3] = plen;
		lens[4] = elen;
		long long at = -1;
		for (size_t i = 0; i < m->n && at < 0; i++)
			if (m->v[i].len == plen && memcmp(m->v[i].p, pivot, plen) == 0)
				at = (long long)i;
		if (!m->n) {
			sb_add(&want, ":0\r\n", 4);
		} else if (at < 0) {
			sb_add(&want, ":-1\r\n", 5);
		} else {
			m_insert(m, (size_t)at + (size_t)after, buf, elen);
			sb_fmt(&want, ":%lld\r\n", (long long)m->n);
		}
		run_cmp(5, argv, lens, &want);
	} else if (op == 5) {   /* LTRIM l a b */
		long long st = a, en = b;
		argv[0] = "LTRIM";
		argv[2] = n1;
		argv[3] = n2;
		lens[0] = 5;
		lens[2] = strlen(n1);
		lens[3] = strlen(n2);
		if (st < 0)
			st += n;
		if (en < 0)
			en += n;
		if (st < 0)
			st = 0;
		if (st > en || st >= n) {
			while (m->n)
				m_erase(m, 0);
		} else {
			if (en >= n)
				en = n - 1;
			while ((long long)m->n > en + 1)
				m_erase(m, m->n - 1);
			for (long long i = 0; i < st; i++)
				m_erase(m, 0);
		}
		sb_add(&want, "+OK\r\n", 5);
		run_cmp(4, argv, lens, &want);
	} else {   /* LMOVE l m RIGHT LEFT */
		argv[0] = "LMOVE";
		argv[2] = "m";
		argv[3] = "RIGHT";
		argv[4] = "LEFT";
		lens[0] = 5;
		lens[2] = 1;
		lens[3] = 5;
		lens[4] = 4;
		if (!m->n) {
			sb_add(&want, "$-1\r\n", 5);
		} else {
			struct melem *e = &m->v[m->n - 1];
			sb_bulk(&want, e);
			m_insert(m2, 0, e->p, e->len);
			m_erase(m, m->n - 1);
		}
		run_cmp(5, argv, lens, &want);
	}
	free(want.p);
}

START_TEST(commands_vs_model)
{
	static char buf[10000];
	uint64_t s = 0x9e3779b97f4a7c15ull ^ ((uint64_t)_i << 32);
	struct mlist m = { NULL, 0, 0 }, m2 = { NULL, 0, 0 };
	for (int step = 0; step < 3000; step++)
		cmd_step(&m, &m2, &s, buf);
	/* Final states, and an emptied list is no key. */
	ck_assert_int_eq(fx_type("l"), m.n ? KVS_T_LIST : -1);
	ck_assert_int_eq(fx_type("m"), m2.n ? KVS_T_LIST : -1);
	struct sbuf want = { NULL, 0, 0 };
	sb_fmt(&want, "*%lld\r\n", (long long)m2.n);
	for (size_t i = 0; i < m2.n; i++)
		sb_bulk(&want, &m2.v[i]);
	const char *argv[] = { "LRANGE", "m", "0", "-1" };
	run_cmp(4, argv, NULL, &want);
	free(want.p);
	m_free(&m);
	m_free(&m2);
}
END_TEST

/* ---- blocking ---------------------------------------------------------------------------- */

START_TEST(blpop_immediate_and_errors)
{
	EXPECT(":2\r\n", "RPUSH", "q", "a", "b");
	EXPECT("*2\r\n$1\r\nq\r\n$1\r\na\r\n", "BLPOP", "nokey", "q", "0");
	EXPECT("*2\r\n$1\r\nq\r\n$1\r\nb\r\n", "BRPOP", "q", "1.5");
	ck_assert_int_eq(fx_type("q"), -1);
	EXPECT("-ERR timeout is negative\r\n", "BLPOP", "q", "-1");
	EXPECT("-ERR timeout is negative\r\n", "BLPOP", "q", "inf");
	EXPECT("-ERR timeout is negative\r\n", "BLPOP", "q", "1e100");
	EXPECT("-ERR timeout is not a float or out of range\r\n", "BLPOP", "q", "abc");
	EXPECT("-ERR timeout is not a float or out of range\r\n", "BLMPOP", "x", "1", "q", "LEFT");
	EXPECT(SYNTAX, "BLMPOP", "0", "1", "q", "LEFT", "COUNT");
	EXPECT(SYNTAX, "BLMOVE", "q", "d", "UP", "LEFT", "0");
	EXPECT(":1\r\n", "RPUSH", "q", "x");
	EXPECT("$1\r\nx\r\n", "BRPOPLPUSH", "q", "d", "0");
	EXPECT("*2\r\n$1\r\nd\r\n*1\r\n$1\r\nx\r\n", "BLMPOP", "0", "2", "nokey", "d", "RIGHT", "COUNT", "5");
}
END_TEST

START_TEST(no_blocking_in_multi)
{
	EXPECT("+OK\r\n", "MULTI");
	EXPECT("+QUEUED\r\n", "BLPOP", "q", "0");
	EXPECT("+QUEUED\r\n", "BLMOVE", "q", "d", "LEFT", "RIGHT", "0");
	EXPECT("+QUEUED\r\n", "BRPOPLPUSH", "q", "d", "0");
	EXPECT("+QUEUED\r\n", "BLMPOP", "0", "1", "q", "LEFT");
	EXPECT("*4\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n", "EXEC");
	/* Also for a client that could block (has an outbox). */
	struct tclient t;
	tc_init(&t, 3);
	TC_EXPECT(&t, "+OK\r\n", "MULTI");
	TC_EXPECT(&t, "+QUEUED\r\n", "BLPOP", "q", "0");
	TC_EXPECT(&t, "+QUEUED\r\n", "BLMOVE", "q", "d", "LEFT", "RIGHT", "0");
	TC_EXPECT(&t, "*2\r\n_\r\n_\r\n", "EXEC");
	ck_assert(!tc_blocked(&t));
	tc_free(&t);
}
END_TEST

START_TEST(blpop_served_by_push)
{
	struct tclient w;
	tc_init(&w, 2);
	TC_EXPECT(&w, "", "BLPOP", "q1", "q2", "0");
	ck_assert(tc_blocked(&w));
	ck_assert_uint_eq(kvs_block_deadline(&w.c), 0);
	ck_assert_int_eq(tc_served(&w), 0);
	memset(&fx.chg, 0, sizeof fx.chg);
	EXPECT(":2\r\n", "RPUSH", "q2", "a", "b");
	TC_MAIL(&w, "*2\r\n$2\r\nq2\r\n$1\r\na\r\n");
	ck_assert_int_eq(tc_served(&w), 1);
	ck_assert(!tc_blocked(&w));
	/* The waiter took one element; the rest stays. */
	EXPECT("*1\r\n$1\r\nb\r\n", "LRANGE", "q2", "0", "-1");
	CHANGES(2, 0, 0);
	tc_free(&w);
}
END_TEST

START_TEST(fifo_two_waiters)
{
	struct tclient w1, w2;
	tc_init(&w1, 2);
	tc_init(&w2, 2);
	TC_EXPECT(&w1, "", "BRPOP", "q", "0");
	TC_EXPECT(&w2, "", "BLPOP", "q", "other", "0");
	EXPECT(":1\r\n", "LPUSH", "q", "first");
	TC_MAIL(&w1, "*2\r\n$1\r\nq\r\n$5\r\nfirst\r\n");
	TC_MAIL(&w2, "");
	ck_assert_int_eq(tc_served(&w1), 1);
	ck_assert(tc_blocked(&w2));
	EXPECT(":1\r\n", "LPUSH", "q", "second");
	TC_MAIL(&w2, "*2\r\n$1\r\nq\r\n$6\r\nsecond\r\n");
	ck_assert_int_eq(tc_served(&w2), 1);
	ck_assert_int_eq(fx_type("q"), -1);
	/* One push of two elements serves both, oldest first. */
	TC_EXPECT(&w1, "", "BLPOP", "q", "0");
	TC_EXPECT(&w2, "", "BLPOP", "q", "0");
	EXPECT(":2\r\n", "RPUSH", "q", "x", "y");
	TC_MAIL(&w1, "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
	TC_MAIL(&w2, "*2\r\n$1\r\nq\r\n$1\r\ny\r\n");
	tc_served(&w1);
	tc_served(&w2);
	tc_free(&w1);
	tc_free(&w2);
}
END_TEST

START_TEST(timeout_replies)
{
	struct tclient w;
	tc_init(&w, 2);
	TC_EXPECT(&w, "", "BLPOP", "q", "1.5");
	ck_assert_uint_eq(kvs_block_deadline(&w.c), fx_now() + 1500);
	w.out.len = 0;
	ck_assert_int_eq(kvs_block_cancel(&w.c, 1), 1);
	ck_assert_uint_eq(w.out.len, 5);
	ck_assert(memcmp(w.out.data, "*-1\r\n", 5) == 0);
	ck_assert(!tc_blocked(&w));
	/* Redis 7.0 times BLMOVE out with a null array too. */
	TC_EXPECT(&w, "", "BLMOVE", "q", "d", "LEFT", "RIGHT", "0.0001");
	ck_assert_uint_eq(kvs_block_deadline(&w.c), fx_now() + 1);
	w.out.len = 0;
	ck_assert_int_eq(kvs_block_cancel(&w.c, 1), 1);
	ck_assert(w.out.len == 5 && memcmp(w.out.data, "*-1\r\n", 5) == 0);
	w.c.proto = 3;
	TC_EXPECT(&w, "", "BRPOPLPUSH", "q", "d", "0");
	w.out.len = 0;
	ck_assert_int_eq(kvs_block_cancel(&w.c, 1), 1);
	ck_assert(w.out.len == 3 && memcmp(w.out.data, "_\r\n", 3) == 0);
	/* A push after the timeout does not reach it. */
	EXPECT(":1\r\n", "RPUSH", "q", "v");
	TC_MAIL(&w, "");
	EXPECT(":1\r\n", "LLEN", "q");
	tc_free(&w);
}
END_TEST

START_TEST(blmove_served)
{
	struct tclient w;
	tc_init(&w, 2);
	TC_EXPECT(&w, "", "BLMOVE", "src", "dst", "RIGHT", "LEFT", "0");
	EXPECT(":2\r\n", "RPUSH", "src", "a", "b");
	TC_MAIL(&w, "$1\r\nb\r\n");
	ck_assert_int_eq(tc_served(&w), 1);
	EXPECT("*1\r\n$1\r\nb\r\n", "LRANGE", "dst", "0", "-1");
	EXPECT("*1\r\n$1\r\na\r\n", "LRANGE", "src", "0", "-1");
	/* The move feeds a waiter on the destination. */
	struct tclient w2;
	tc_init(&w2, 2);
	TC_EXPECT(&w, "", "BRPOPLPUSH", "e", "f", "0");
	TC_EXPECT(&w2, "", "BLPOP", "f", "0");
	EXPECT(":1\r\n", "RPUSH", "e", "z");
	TC_MAIL(&w, "$1\r\nz\r\n");
	TC_MAIL(&w2, "*2\r\n$1\r\nf\r\n$1\r\nz\r\n");
	ck_assert_int_eq(fx_type("e"), -1);
	ck_assert_int_eq(fx_type("f"), -1);
	tc_served(&w);
	tc_served(&w2);
	tc_free(&w);
	tc_free(&w2);
}
END_TEST

START_TEST(served_skips_wrong_type)
{
	struct tclient w;
	tc_init(&w, 2);
	TC_EXPECT(&w, "", "BLPOP", "k1", "k2", "0");
	EXPECT("+OK\r\n", "SET", "k1", "str");
	TC_MAIL(&w, "");
	ck_assert(tc_blocked(&w));
	EXPECT(":1\r\n", "RPUSH", "k2", "v");
	TC_MAIL(&w, "*2\r\n$2\r\nk2\r\n$1\r\nv\r\n");
	tc_served(&w);
	/* A served BLMOVE whose destination turned into a string gets the
	 * error Redis gives it, and is unblocked. */
	TC_EXPECT(&w, "", "BLMOVE", "src", "k1", "LEFT", "LEFT", "0");
	EXPECT(":1\r\n", "RPUSH", "src", "x");
	TC_MAIL(&w, WRONGTYPE);
	ck_assert_int_eq(tc_served(&w), 1);
	EXPECT(":1\r\n", "LLEN", "src");
	tc_free(&w);
}
END_TEST

/* Redis serves a key's waiters by type: a sorted-set waiter ahead in
 * line does not keep a list waiter from the list pushed under the key. */
START_TEST(mixed_type_waiters)
{
	struct tclient wz, wl;
	tc_init(&wz, 2);
	tc_init(&wl, 2);
	TC_EXPECT(&wz, "", "BZPOPMIN", "k", "0");
	TC_EXPECT(&wl, "", "BLPOP", "k", "0");
	EXPECT(":1\r\n", "RPUSH", "k", "v");
	TC_MAIL(&wz, "");
	TC_MAIL(&wl, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
	ck_assert_int_eq(tc_served(&wl), 1);
	ck_assert(tc_blocked(&wz));
	EXPECT(":1\r\n", "ZADD", "k", "1", "m");
	TC_MAIL(&wz, "*3\r\n$1\r\nk\r\n$1\r\nm\r\n$1\r\n1\r\n");
	ck_assert_int_eq(tc_served(&wz), 1);
	tc_free(&wz);
	tc_free(&wl);
}
END_TEST

START_TEST(blmpop_served_and_resp3)
{
	struct tclient w;
	tc_init(&w, 3);
	TC_EXPECT(&w, "", "BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2");
	EXPECT(":3\r\n", "RPUSH", "b", "1", "2", "3");
	TC_MAIL(&w, "*2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n");
	tc_served(&w);
	TC_EXPECT(&w, "", "BLPOP", "c", "0");
	EXPECT(":1\r\n", "LPUSH", "c", "v");
	TC_MAIL(&w, "*2\r\n$1\r\nc\r\n$1\r\nv\r\n");
	tc_served(&w);
	tc_free(&w);
}
END_TEST

START_TEST(blocked_client_freed)
{
	struct tclient w;
	tc_init(&w, 2);
	TC_EXPECT(&w, "", "BLPOP", "q", "0");
	ck_assert_int_eq(kvs_block_count(), 1);
	tc_free(&w);
	ck_assert_int_eq(kvs_block_count(), 0);
	EXPECT(":1\r\n", "RPUSH", "q", "v");
	EXPECT(":1\r\n", "LLEN", "q");
}
END_TEST

START_TEST(client_without_outbox_gets_nil)
{
	/* fx.c has no outbox, as a client that cannot wait (no connection). */
	EXPECT("*-1\r\n", "BLPOP", "q", "0");
	EXPECT("$-1\r\n", "BLMOVE", "q", "d", "LEFT", "LEFT", "0");
	ck_assert_int_eq(kvs_block_count(), 0);
}
END_TEST

static Suite *list_suite(void)
{
	Suite *s = suite_create("t_list");
	TCase *tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, push_pop_basic);
	tcase_add_test(tc, pushx);
	tcase_add_test(tc, resp3_nulls);
	tcase_add_test(tc, lindex_lset);
	tcase_add_test(tc, lrange_clamps);
	tcase_add_test(tc, ltrim);
	tcase_add_test(tc, lrem);
	tcase_add_test(tc, linsert);
	tcase_add_test(tc, lpos);
	tcase_add_test(tc, lmove_rpoplpush);
	tcase_add_test(tc, lmpop);
	tcase_add_test(tc, wrongtype_everywhere);
	tcase_add_test(tc, encoding_sort_copy);
	tcase_add_test(tc, write_path_changes);
	tcase_add_loop_test(tc, commands_vs_model, 0, 3);
	suite_add_tcase(s, tc);

	TCase *tl = tcase_create("list");
	tcase_add_test(tl, big_list_index_and_range);
	tcase_add_test(tl, lrem_merges_nodes);
	tcase_add_loop_test(tl, list_vs_model, 0, 4);
	suite_add_tcase(s, tl);

	TCase *tb = tcase_create("blocking");
	tcase_add_checked_fixture(tb, fx_setup, fx_teardown);
	tcase_add_test(tb, blpop_immediate_and_errors);
	tcase_add_test(tb, no_blocking_in_multi);
	tcase_add_test(tb, blpop_served_by_push);
	tcase_add_test(tb, fifo_two_waiters);
	tcase_add_test(tb, timeout_replies);
	tcase_add_test(tb, blmove_served);
	tcase_add_test(tb, served_skips_wrong_type);
	tcase_add_test(tb, blmpop_served_and_resp3);
	tcase_add_test(tb, mixed_type_waiters);
	tcase_add_test(tb, blocked_client_freed);
	tcase_add_test(tb, client_without_outbox_gets_nil);
	suite_add_tcase(s, tb);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(list_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
