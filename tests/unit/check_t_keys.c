/*
 * check_t_keys.c - the generic keyspace commands (t_keys.c) through
 * kvs_exec, against the replies and error strings of Redis 7.0.
 */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "testcmd.h"

#define NIL "$-1\r\n"
#define OK "+OK\r\n"
#define ZERO ":0\r\n"
#define ONE ":1\r\n"
#define E_NOTINT "-ERR value is not an integer or out of range\r\n"
#define E_INTRANGE "-ERR value is out of range, value must between -2147483648 and 2147483647\r\n"
#define E_DBINDEX "-ERR DB index is out of range\r\n"
#define E_SYNTAX "-ERR syntax error\r\n"
#define E_NOKEY "-ERR no such key\r\n"
#define E_SAME "-ERR source and destination objects are the same\r\n"
#define EMPTY_SCAN "*2\r\n$1\r\n0\r\n*0\r\n"

static uint64_t now(void) { return tc_env.now_ms; }

static void setup(void) { tc_setup(16); }
static void teardown(void)
{
	tc_check_nexpires();
	tc_teardown();
}

/* Two keys known to live in different shards ({a}: slot 15495, {b}: 3300). */
#define KA "{a}x"
#define KB "{b}y"

/* A fake PTR value type, to see COPY duplicate and RENAME/MOVE share. */
struct fake { int id; };
static int fake_frees;
static void fake_free(void *o) { fake_frees++; free(o); }
static void *fake_dup(const void *o)
{
	struct fake *n = malloc(sizeof *n);
	n->id = ((const struct fake *)o)->id + 1000;
	return n;
}
static struct fake *fake_new(int id)
{
	struct fake *f = malloc(sizeof *f);
	f->id = id;
	return f;
}
static void fake_install(int with_dup)
{
	fake_frees = 0;
	kvs_type_ops[KVS_T_LIST].free_obj = fake_free;
	kvs_type_ops[KVS_T_LIST].dup_obj = with_dup ? fake_dup : NULL;
}

/* ---- DEL UNLINK EXISTS TYPE ------------------------------------------ */

START_TEST(del_counts_deleted_keys)
{
	tc_put(0, "a", "1", 0);
	tc_put(0, "b", "2", 0);
	CHANGES(2, 0, 0, 0);
	EXPECT(":2\r\n", "DEL", "a", "b", "c");
	CHANGES(0, 2, 0, 0);
	ck_assert_ptr_null(tc_get(0, "a"));
	ck_assert_ptr_null(tc_get(0, "b"));
	EXPECT(ZERO, "DEL", "a");
	tc_put(0, "x", "1", 0);
	EXPECT(ONE, "del", "x", "x");           /* a duplicate is gone the 2nd time */
	tc_put(0, KA, "1", 0);
	tc_put(0, KB, "2", 0);
	ck_assert_uint_ne(kvs_key_shard(KA, 4), kvs_key_shard(KB, 4));
	EXPECT(":2\r\n", "DEL", KA, KB);
	EXPECT("-ERR wrong number of arguments for 'del' command\r\n", "DEL");
}
END_TEST

START_TEST(unlink_is_del)
{
	tc_put(0, "a", "1", 0);
	tc_put(0, "b", "2", 0);
	EXPECT(":2\r\n", "UNLINK", "a", "b", "nokey");
	EXPECT(ZERO, "DBSIZE");
	EXPECT("-ERR wrong number of arguments for 'unlink' command\r\n", "UNLINK");
}
END_TEST

START_TEST(del_skips_expired)
{
	tc_put(0, "t", "1", now() + 100);
	tc_env.now_ms += 100;                     /* deadline <= now: expired */
	CHANGES(1, 0, 0, 0);
	EXPECT(ZERO, "DEL", "t");
	CHANGES(0, 0, 1, 0);
	ck_assert_ptr_null(tc_get(0, "t"));
}
END_TEST

START_TEST(exists_counts_duplicates)
{
	tc_put(0, "a", "1", 0);
	tc_put(0, "b", "1", 0);
	EXPECT(":3\r\n", "EXISTS", "a", "a", "b", "c");
	ck_assert_uint_eq(tc_stats.keyspace_hits, 3);
	ck_assert_uint_eq(tc_stats.keyspace_misses, 1);
	tc_put(0, "t", "1", now() + 10);
	EXPECT(ONE, "EXISTS", "t");
	tc_env.now_ms += 10;
	EXPECT(ZERO, "EXISTS", "t");
	ck_assert_ptr_null(tc_get(0, "t"));       /* reclaimed by the lookup */
	EXPECT("-ERR wrong number of arguments for 'exists' command\r\n", "EXISTS");
}
END_TEST

START_TEST(type_names)
{
	fake_install(1);
	tc_put(0, "s", "v", 0);
	tc_put_obj(0, "l", KVS_T_LIST, fake_new(1), 0);
	EXPECT("+string\r\n", "TYPE", "s");
	EXPECT("+list\r\n", "TYPE", "l");
	EXPECT("+none\r\n", "TYPE", "nokey");
	tc_put(0, "t", "v", now() + 5);
	tc_env.now_ms += 5;
	EXPECT("+none\r\n", "TYPE", "t");
	EXPECT("-ERR wrong number of arguments for 'type' command\r\n", "TYPE", "a", "b");
}
END_TEST

/* ---- RENAME RENAMENX ------------------------------------------------- */

START_TEST(rename_moves_value_and_ttl)
{
	tc_put(0, "src", "hello", now() + 5000);
	CHANGES(1, 0, 0, 0);
	EXPECT(OK, "RENAME", "src", "dst");
	CHANGES(1, 1, 0, 0);
	ck_assert_ptr_null(tc_get(0, "src"));
	ck_assert_str_eq(tc_val(0, "dst"), "hello");
	ck_assert_uint_eq(kvs_entry_expire(tc_get(0, "dst")), now() + 5000);
	/* Without a TTL the destination gets none, even over a key with one. */
	tc_put(0, "plain", "p", 0);
	EXPECT(OK, "RENAME", "plain", "dst");
	ck_assert_str_eq(tc_val(0, "dst"), "p");
	ck_assert(!kvs_entry_has_expire(tc_get(0, "dst")));
}
END_TEST

START_TEST(rename_overwrites_across_shards)
{
	tc_put(0, KA, "from-a", 0);
	tc_put(0, KB, "old-b", now() + 100);
	EXPECT(OK, "RENAME", KA, KB);
	ck_assert_ptr_null(tc_get(0, KA));
	ck_assert_str_eq(tc_val(0, KB), "from-a");
	ck_assert(!kvs_entry_has_expire(tc_get(0, KB)));
	EXPECT(ONE, "DBSIZE");
}
END_TEST

START_TEST(rename_errors_and_same_key)
{
	EXPECT(E_NOKEY, "RENAME", "nokey", "x");
	EXPECT(E_NOKEY, "RENAME", "nokey", "nokey");
	tc_put(0, "k", "v", 0);
	CHANGES(1, 0, 0, 0);
	EXPECT(OK, "RENAME", "k", "k");
	CHANGES(0, 0, 0, 0);
	ck_assert_str_eq(tc_val(0, "k"), "v");
	tc_put(0, "t", "v", now() + 1);
	tc_env.now_ms += 1;
	EXPECT(E_NOKEY, "RENAME", "t", "x");      /* expired source */
	ck_assert_ptr_null(tc_get(0, "x"));
	EXPECT("-ERR wrong number of arguments for 'rename' command\r\n", "RENAME", "k");
}
END_TEST

START_TEST(renamenx_semantics)
{
	tc_put(0, "a", "1", 0);
	tc_put(0, "b", "2", 0);
	EXPECT(ZERO, "RENAMENX", "a", "b");
	ck_assert_str_eq(tc_val(0, "a"), "1");
	ck_assert_str_eq(tc_val(0, "b"), "2");
	EXPECT(ONE, "RENAMENX", "a", "c");
	ck_assert_ptr_null(tc_get(0, "a"));
	ck_assert_str_eq(tc_val(0, "c"), "1");
	EXPECT(ZERO, "RENAMENX", "c", "c");
	EXPECT(E_NOKEY, "RENAMENX", "nokey", "c");
	/* An expired destination does not count as existing. */
	tc_put(0, "gone", "g", now() + 1);
	tc_env.now_ms += 1;
	EXPECT(ONE, "RENAMENX", "c", "gone");
	ck_assert_str_eq(tc_val(0, "gone"), "1");
	EXPECT(ONE, "RENAMENX", "gone", KB);
	ck_assert_str_eq(tc_val(0, KB), "1");
}
END_TEST

START_TEST(rename_shares_object)
{
	fake_install(1);
	struct fake *f = fake_new(7);
	tc_put_obj(0, "l", KVS_T_LIST, f, now() + 50);
	EXPECT(OK, "RENAME", "l", KA);
	struct kvs_entry *e = tc_get(0, KA);
	ck_assert_ptr_eq(kvs_entry_obj(e), f);     /* moved, not copied */
	ck_assert_uint_eq(kvs_entry_expire(e), now() + 50);
	ck_assert_int_eq(fake_frees, 0);
	EXPECT(ONE, "DEL", KA);
	ck_assert_int_eq(fake_frees, 1);
}
END_TEST

/* ---- MOVE ----------------------------------------------------------- */

START_TEST(move_semantics)
{
	tc_put(0, "k", "v", now() + 1000);
	CHANGES(1, 0, 0, 0);
	EXPECT(ONE, "MOVE", "k", "1");
	CHANGES(1, 1, 0, 0);
	ck_assert_ptr_null(tc_get(0, "k"));
	ck_assert_str_eq(tc_val(1, "k"), "v");
	ck_assert_uint_eq(kvs_entry_expire(tc_get(1, "k")), now() + 1000);
	EXPECT(ZERO, "MOVE", "k", "1");           /* no longer in db 0 */
	tc_put(0, "k", "other", 0);
	EXPECT(ZERO, "MOVE", "k", "1");           /* exists in the target */
	ck_assert_str_eq(tc_val(0, "k"), "other");
	ck_assert_str_eq(tc_val(1, "k"), "v");
	EXPECT(ZERO, "MOVE", "nokey", "1");
	EXPECT("+OK\r\n", "SELECT", "1");
	EXPECT(ONE, "MOVE", "k", "15");
	ck_assert_str_eq(tc_val(15, "k"), "v");
}
END_TEST

START_TEST(move_errors)
{
	tc_put(0, "k", "v", 0);
	EXPECT(E_SAME, "MOVE", "k", "0");
	EXPECT(E_SAME, "MOVE", "nokey", "0");
	EXPECT(E_DBINDEX, "MOVE", "k", "16");
	EXPECT(E_DBINDEX, "MOVE", "k", "-1");
	EXPECT(E_NOTINT, "MOVE", "k", "abc");
	EXPECT(E_NOTINT, "MOVE", "k", " 1");
	EXPECT(E_INTRANGE, "MOVE", "k", "99999999999");
	EXPECT("-ERR wrong number of arguments for 'move' command\r\n", "MOVE", "k");
	ck_assert_str_eq(tc_val(0, "k"), "v");
}
END_TEST

/* ---- COPY ----------------------------------------------------------- */

START_TEST(copy_semantics)
{
	tc_put(0, "src", "value", now() + 3000);
	CHANGES(1, 0, 0, 0);
	EXPECT(ONE, "COPY", "src", "dst");
	CHANGES(1, 0, 0, 0);
	ck_assert_str_eq(tc_val(0, "src"), "value");
	ck_assert_str_eq(tc_val(0, "dst"), "value");
	ck_assert_uint_eq(kvs_entry_expire(tc_get(0, "dst")), now() + 3000);
	tc_put(0, "plain", "p", 0);
	EXPECT(ZERO, "COPY", "plain", "dst");     /* exists: no REPLACE */
	ck_assert_str_eq(tc_val(0, "dst"), "value");
	EXPECT(ONE, "COPY", "plain", "dst", "REPLACE");
	ck_assert_str_eq(tc_val(0, "dst"), "p");
	ck_assert(!kvs_entry_has_expire(tc_get(0, "dst")));
	EXPECT(ZERO, "COPY", "nokey", "dst");
	EXPECT(ONE, "COPY", "src", "src", "DB", "3");
	ck_assert_str_eq(tc_val(3, "src"), "value");
	EXPECT(ONE, "copy", "src", KB, "replace", "db", "2");
	ck_assert_str_eq(tc_val(2, KB), "value");
	EXPECT(ZERO, "COPY", "src", KB, "DB", "2");
	EXPECT(ONE, "COPY", "plain", KB, "DB", "2", "REPLACE");
	ck_assert_str_eq(tc_val(2, KB), "p");
	ck_assert_uint_eq(tc_stats.keyspace_misses, 1);
}
END_TEST

START_TEST(copy_errors)
{
	tc_put(0, "k", "v", 0);
	EXPECT(E_SAME, "COPY", "k", "k");
	EXPECT(E_SAME, "COPY", "k", "k", "DB", "0");
	EXPECT(E_SAME, "COPY", "nokey", "nokey");
	EXPECT(E_DBINDEX, "COPY", "k", "x", "DB", "16");
	EXPECT(E_NOTINT, "COPY", "k", "x", "DB", "x");
	EXPECT(E_INTRANGE, "COPY", "k", "x", "DB", "99999999999");
	EXPECT(E_SYNTAX, "COPY", "k", "x", "foo");
	EXPECT(E_SYNTAX, "COPY", "k", "x", "DB");
	EXPECT(E_SYNTAX, "COPY", "k", "x", "REPLACE", "DB");
	EXPECT("-ERR wrong number of arguments for 'copy' command\r\n", "COPY", "k");
	ck_assert_ptr_null(tc_get(0, "x"));
}
END_TEST

START_TEST(copy_duplicates_object)
{
	fake_install(1);
	struct fake *f = fake_new(5);
	tc_put_obj(0, "l", KVS_T_LIST, f, 0);
	EXPECT(ONE, "COPY", "l", "l2");
	struct fake *g = kvs_entry_obj(tc_get(0, "l2"));
	ck_assert_ptr_ne(g, f);
	ck_assert_int_eq(g->id, 1005);
	ck_assert_ptr_eq(kvs_entry_obj(tc_get(0, "l")), f);
	EXPECT(":2\r\n", "DEL", "l", "l2");
	ck_assert_int_eq(fake_frees, 2);
	/* A type that cannot be duplicated. */
	fake_install(0);
	tc_put_obj(0, "l", KVS_T_LIST, fake_new(1), 0);
	EXPECT("-ERR unknown type object\r\n", "COPY", "l", "l3");
	ck_assert_ptr_null(tc_get(0, "l3"));
}
END_TEST

/* ---- KEYS ----------------------------------------------------------- */

START_TEST(keys_patterns)
{
	static const char *const names[] = { "hello", "hallo", "hxllo", "hllo", "heeeello",
					     "h*llo", "foo" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		tc_put(0, names[i], "v", 0);
	tc_put(1, "hello2", "v", 0);
	RUN("KEYS", "*");
	EXPECT_SET("foo", "h*llo", "hallo", "heeeello", "hello", "hllo", "hxllo");
	RUN("KEYS", "h?llo");
	EXPECT_SET("h*llo", "hallo", "hello", "hxllo");
	RUN("KEYS", "h*llo");
	EXPECT_SET("h*llo", "hallo", "heeeello", "hello", "hllo", "hxllo");
	RUN("KEYS", "h[ae]llo");
	EXPECT_SET("hallo", "hello");
	RUN("KEYS", "h[^e]llo");
	EXPECT_SET("h*llo", "hallo", "hxllo");
	RUN("KEYS", "h[a-b]llo");
	EXPECT_SET("hallo");
	RUN("KEYS", "h\\*llo");
	EXPECT_SET("h*llo");
	EXPECT("*1\r\n$3\r\nfoo\r\n", "keys", "foo");
	EXPECT("*0\r\n", "KEYS", "nomatch*");
	EXPECT("*0\r\n", "KEYS", "HELLO");        /* case-sensitive */
	EXPECT("-ERR wrong number of arguments for 'keys' command\r\n", "KEYS");
}
END_TEST

START_TEST(keys_hides_expired_and_binary)
{
	tc_put(0, "live", "v", 0);
	tc_put(0, "dying", "v", now() + 10);
	tc_put_len(0, "a\0b", 3, "v", 0);
	tc_env.now_ms += 10;
	RUN("KEYS", "*i*");
	EXPECT_SET("live");
	/* KEYS does not reclaim: DBSIZE still counts the expired key. */
	EXPECT(":3\r\n", "DBSIZE");
	RUN("KEYS", "a?b");
	ck_assert_uint_eq(tc_reply_len, 13);
	ck_assert(memcmp(tc_reply, "*1\r\n$3\r\na\0b\r\n", 13) == 0);
}
END_TEST

/* ---- SCAN ----------------------------------------------------------- */

/* One SCAN call; returns the next cursor (malloc'd) and the keys. */
static char *scan_once(const char *cursor, const char *count, char ***keys, long *n)
{
	const char *p;
	if (count)
		RUN("SCAN", cursor, "COUNT", count);
	else
		RUN("SCAN", cursor);
	p = tc_reply;
	ck_assert_msg(strncmp(p, "*2\r\n", 4) == 0, "reply %s", tc_reply);
	p += 4;
	char *next = tc_parse_bulk(&p);
	*n = tc_parse_bulks(&p, keys);
	ck_assert_ptr_eq(p, tc_reply + tc_reply_len);
	return next;
}

START_TEST(scan_empty_and_cursors)
{
	EXPECT(EMPTY_SCAN, "SCAN", "0");
	/* Parsed as strtoul() is by Redis 7.0. */
	EXPECT(EMPTY_SCAN, "SCAN", "");
	EXPECT(EMPTY_SCAN, "SCAN", "-1");
	EXPECT(EMPTY_SCAN, "SCAN", "+5");
	EXPECT(EMPTY_SCAN, "SCAN", "007");
	EXPECT(EMPTY_SCAN, "SCAN", "18446744073709551615");
	EXPECT("-ERR invalid cursor\r\n", "SCAN", "abc");
	EXPECT("-ERR invalid cursor\r\n", "SCAN", " 1");
	EXPECT("-ERR invalid cursor\r\n", "SCAN", "1 ");
	EXPECT("-ERR invalid cursor\r\n", "SCAN", "+");
	EXPECT("-ERR invalid cursor\r\n", "SCAN", "0x10");
	EXPECT("-ERR invalid cursor\r\n", "SCAN", "18446744073709551616");
	EXPECT("-ERR invalid cursor\r\n", "SCAN", "abc", "COUNT", "0");
	EXPECT("-ERR wrong number of arguments for 'scan' command\r\n", "SCAN");
}
END_TEST

START_TEST(scan_option_errors)
{
	EXPECT(E_SYNTAX, "SCAN", "0", "COUNT", "0");
	EXPECT(E_SYNTAX, "SCAN", "0", "COUNT", "-1");
	EXPECT(E_NOTINT, "SCAN", "0", "COUNT", "abc");
	EXPECT(E_SYNTAX, "SCAN", "0", "foo");
	EXPECT(E_SYNTAX, "SCAN", "0", "foo", "bar");
	EXPECT(E_SYNTAX, "SCAN", "0", "MATCH");
	EXPECT(E_SYNTAX, "SCAN", "0", "COUNT", "10", "TYPE");
	EXPECT(EMPTY_SCAN, "SCAN", "0", "TYPE", "nosuchtype");
	EXPECT(EMPTY_SCAN, "scan", "0", "match", "*", "count", "5", "type", "string");
}
END_TEST

START_TEST(scan_filters)
{
	fake_install(1);
	tc_put(0, "s1", "v", 0);
	tc_put(0, "s2", "v", 0);
	tc_put(0, "other", "v", 0);
	tc_put_obj(0, "l1", KVS_T_LIST, fake_new(1), 0);
	tc_put(1, "s3", "v", 0);
	/* A COUNT larger than the keyspace finishes in one call. */
	RUN("SCAN", "0", "COUNT", "100000");
	EXPECT_SCAN_DONE("l1", "other", "s1", "s2");
	RUN("SCAN", "0", "MATCH", "s*", "COUNT", "100000");
	EXPECT_SCAN_DONE("s1", "s2");
	RUN("SCAN", "0", "MATCH", "*", "COUNT", "100000");
	EXPECT_SCAN_DONE("l1", "other", "s1", "s2");
	RUN("SCAN", "0", "MATCH", "?[0-9]", "TYPE", "string", "COUNT", "100000");
	EXPECT_SCAN_DONE("s1", "s2");
	EXPECT(OK, "SELECT", "1");
	RUN("SCAN", "0", "COUNT", "100000");
	EXPECT_SCAN_DONE("s3");
}
END_TEST

START_TEST(scan_type_filter)
{
	fake_install(1);
	tc_put(0, "s1", "v", 0);
	tc_put_obj(0, "l1", KVS_T_LIST, fake_new(1), 0);
	EXPECT("*2\r\n$1\r\n0\r\n*1\r\n$2\r\nl1\r\n", "SCAN", "0", "TYPE", "LIST", "COUNT", "1000");
	EXPECT("*2\r\n$1\r\n0\r\n*1\r\n$2\r\ns1\r\n", "SCAN", "0", "TYPE", "string", "COUNT", "1000");
	EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0", "TYPE", "hash", "COUNT", "1000");
	EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0", "MATCH", "s*", "TYPE", "list", "COUNT", "1000");
}
END_TEST

START_TEST(scan_reclaims_expired)
{
	char k[32];
	for (int i = 0; i < 50; i++) {
		snprintf(k, sizeof k, "live%d", i);
		tc_put(0, k, "v", 0);
		snprintf(k, sizeof k, "dead%d", i);
		tc_put(0, k, "v", now() + 5);
	}
	tc_env.now_ms += 5;
	EXPECT(":100\r\n", "DBSIZE");
	CHANGES(100, 0, 0, 0);
	char *cursor = strdup("0");
	int seen = 0, rounds = 0;
	do {
		char **keys;
		long n;
		char *next = scan_once(cursor, "3", &keys, &n);
		for (long i = 0; i < n; i++) {
			ck_assert_msg(strncmp(keys[i], "live", 4) == 0, "returned %s", keys[i]);
			seen++;
		}
		tc_free_items(keys, n);
		free(cursor);
		cursor = next;
		ck_assert_int_lt(++rounds, 10000);
	} while (strcmp(cursor, "0") != 0);
	free(cursor);
	ck_assert_int_eq(seen, 50);
	/* As in Redis, SCAN deleted the expired keys it met. */
	EXPECT(":50\r\n", "DBSIZE");
	CHANGES(0, 0, 50, 0);
}
END_TEST

/* Every key present for the whole scan is returned at least once, while
 * other keys come and go between calls and the tables grow and shrink. */
START_TEST(scan_complete_under_churn)
{
	enum { KEEP = 600 };
	char k[32];
	static unsigned char seen[KEEP];
	int churn_next = 0, churn_del = 0, rounds = 0;
	size_t maxcap = 0, mincap = SIZE_MAX;

	for (int i = 0; i < KEEP; i++) {
		snprintf(k, sizeof k, "keep:%d", i);
		tc_put(0, k, "v", 0);
	}
	char *cursor = strdup("0");
	do {
		char **keys;
		long n;
		char *next = scan_once(cursor, "5", &keys, &n);
		for (long i = 0; i < n; i++) {
			int id;
			if (sscanf(keys[i], "keep:%d", &id) == 1) {
				ck_assert(id >= 0 && id < KEEP);
				seen[id] = 1;
			} else {
				ck_assert_msg(strncmp(keys[i], "churn:", 6) == 0, "returned %s", keys[i]);
			}
		}
		tc_free_items(keys, n);
		free(cursor);
		cursor = next;
		/* Phases: grow (tables rehash to larger capacities), then
		 * delete nearly everything and shrink them. */
		if (rounds < 60) {
			for (int j = 0; j < 150; j++) {
				snprintf(k, sizeof k, "churn:%d", churn_next++);
				tc_put(0, k, "v", 0);
			}
		}
		for (int j = 0; j < 40 && churn_del < churn_next; j++) {
			snprintf(k, sizeof k, "churn:%d", churn_del++);
			RUN("DEL", k);
		}
		if (rounds % 25 == 24)
			for (unsigned s = 0; s < KVS_SHARDS; s++)
				ks_expire_step(&tc_eng.ks, s, 16);   /* shrinks */
		size_t cap = 0;
		for (unsigned s = 0; s < KVS_SHARDS; s++)
			cap += tc_eng.ks.shard[s].db[0].cap;
		if (cap > maxcap)
			maxcap = cap;
		if (rounds >= 60 && cap < mincap)
			mincap = cap;
		ck_assert_int_lt(++rounds, 100000);
	} while (strcmp(cursor, "0") != 0);
	ck_assert_uint_lt(mincap * 4, maxcap);  /* grew, then shrank mid-scan */
	free(cursor);
	for (int i = 0; i < KEEP; i++)
		ck_assert_msg(seen[i], "keep:%d never returned", i);
	ck_assert_int_gt(churn_next, 5000);     /* the tables did grow */
}
END_TEST

/* With no changes during the scan, no key is returned twice. */
START_TEST(scan_no_duplicates_when_stable)
{
	enum { N = 1000 };
	char k[32];
	static unsigned char seen[N];
	for (int i = 0; i < N; i++) {
		snprintf(k, sizeof k, "k%d", i);
		tc_put(0, k, "v", 0);
	}
	char *cursor = strdup("0");
	int total = 0, rounds = 0;
	do {
		char **keys;
		long n;
		char *next = scan_once(cursor, rounds % 2 ? "1" : "17", &keys, &n);
		for (long i = 0; i < n; i++) {
			int id = atoi(keys[i] + 1);
			ck_assert_msg(!seen[id], "%s returned twice", keys[i]);
			seen[id] = 1;
			total++;
		}
		tc_free_items(keys, n);
		free(cursor);
		cursor = next;
		ck_assert_int_lt(++rounds, 100000);
	} while (strcmp(cursor, "0") != 0);
	free(cursor);
	ck_assert_int_eq(total, N);
}
END_TEST

/* The default COUNT is 10: a first call over many keys stops early. */
START_TEST(scan_default_count)
{
	char k[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(k, sizeof k, "k%d", i);
		tc_put(0, k, "v", 0);
	}
	char **keys;
	long n;
	char *next = scan_once("0", NULL, &keys, &n);
	ck_assert_str_ne(next, "0");
	ck_assert_int_ge(n, 10);
	ck_assert_int_lt(n, 100);
	tc_free_items(keys, n);
	free(next);
}
END_TEST

/* ---- RANDOMKEY DBSIZE ------------------------------------------------ */

START_TEST(randomkey_semantics)
{
	EXPECT(NIL, "RANDOMKEY");
	tc_put(0, "only", "v", 0);
	EXPECT("$4\r\nonly\r\n", "RANDOMKEY");
	tc_put(0, KA, "v", 0);
	tc_put(0, KB, "v", 0);
	int got[3] = { 0, 0, 0 };
	for (int i = 0; i < 300; i++) {
		RUN("RANDOMKEY");
		if (strcmp(tc_reply, "$4\r\nonly\r\n") == 0)
			got[0]++;
		else if (strcmp(tc_reply, "$4\r\n" KA "\r\n") == 0)
			got[1]++;
		else if (strcmp(tc_reply, "$4\r\n" KB "\r\n") == 0)
			got[2]++;
		else
			ck_abort_msg("unexpected reply %s", tc_reply);
	}
	ck_assert(got[0] > 30 && got[1] > 30 && got[2] > 30);
	EXPECT("-ERR wrong number of arguments for 'randomkey' command\r\n", "RANDOMKEY", "x");
}
END_TEST

START_TEST(randomkey_skips_expired)
{
	char k[32];
	for (int i = 0; i < 40; i++) {
		snprintf(k, sizeof k, "t%d", i);
		tc_put(0, k, "v", now() + 10);
	}
	tc_put(0, "survivor", "v", 0);
	tc_env.now_ms += 10;
	EXPECT("$8\r\nsurvivor\r\n", "RANDOMKEY");
	EXPECT(ONE, "DEL", "survivor");
	EXPECT(NIL, "RANDOMKEY");
	EXPECT(ZERO, "DBSIZE");                 /* all reclaimed on the way */
	CHANGES(41, 1, 40, 0);
}
END_TEST

START_TEST(dbsize_per_db)
{
	EXPECT(ZERO, "DBSIZE");
	tc_put(0, "a", "v", 0);
	tc_put(0, KA, "v", 0);
	tc_put(0, KB, "v", now() + 1);
	tc_put(3, "a", "v", 0);
	EXPECT(":3\r\n", "DBSIZE");
	tc_env.now_ms += 1;
	EXPECT(":3\r\n", "DBSIZE");             /* expired, not yet reclaimed */
	EXPECT(OK, "SELECT", "3");
	EXPECT(ONE, "DBSIZE");
	EXPECT("-ERR wrong number of arguments for 'dbsize' command\r\n", "DBSIZE", "x");
}
END_TEST

/* ---- FLUSHDB FLUSHALL SELECT SWAPDB ---------------------------------- */

START_TEST(flushdb_only_current)
{
	tc_put(0, "a", "v", now() + 100);
	tc_put(0, KB, "v", 0);
	tc_put(1, "b", "v", 0);
	ck_assert_uint_ne(kvs_key_shard("a", 1), kvs_key_shard(KB, 4));
	CHANGES(3, 0, 0, 0);
	EXPECT(OK, "FLUSHDB");
	CHANGES(0, 0, 0, 2);                    /* one per shard that had keys */
	EXPECT(ZERO, "DBSIZE");
	ck_assert_ptr_nonnull(tc_get(1, "b"));
	tc_put(0, "a", "v", 0);
	EXPECT(OK, "flushdb", "async");
	EXPECT(ZERO, "DBSIZE");
	EXPECT(OK, "FLUSHDB", "SYNC");
	EXPECT(OK, "SELECT", "1");
	EXPECT(OK, "FLUSHDB", "Async");
	ck_assert_ptr_null(tc_get(1, "b"));
	EXPECT(E_SYNTAX, "FLUSHDB", "foo");
	EXPECT(E_SYNTAX, "FLUSHDB", "ASYNC", "x");
}
END_TEST

START_TEST(flushall_every_db)
{
	tc_put(0, "a", "v", 0);
	tc_put(5, KA, "v", now() + 10);
	tc_put(15, KB, "v", 0);
	EXPECT(E_SYNTAX, "FLUSHALL", "now");
	EXPECT(E_SYNTAX, "FLUSHALL", "SYNC", "SYNC");
	ck_assert_ptr_nonnull(tc_get(0, "a"));
	EXPECT(OK, "FLUSHALL", "SYNC");
	ck_assert_ptr_null(tc_get(0, "a"));
	ck_assert_ptr_null(tc_get(5, KA));
	ck_assert_ptr_null(tc_get(15, KB));
	tc_put(2, "a", "v", 0);
	EXPECT(OK, "FLUSHALL");
	ck_assert_ptr_null(tc_get(2, "a"));
	EXPECT(OK, "FLUSHALL", "ASYNC");
}
END_TEST

START_TEST(select_semantics)
{
	tc_put(7, "k", "v", 0);
	EXPECT(ZERO, "EXISTS", "k");
	EXPECT(OK, "SELECT", "7");
	ck_assert_int_eq(tc_cl.db, 7);
	EXPECT(ONE, "EXISTS", "k");
	EXPECT(OK, "SELECT", "15");
	EXPECT(E_DBINDEX, "SELECT", "16");
	EXPECT(E_DBINDEX, "SELECT", "-1");
	EXPECT(E_NOTINT, "SELECT", "abc");
	EXPECT(E_NOTINT, "SELECT", "1.0");
	EXPECT(E_NOTINT, "SELECT", "");
	EXPECT(E_INTRANGE, "SELECT", "99999999999");
	ck_assert_int_eq(tc_cl.db, 15);
	EXPECT("-ERR wrong number of arguments for 'select' command\r\n", "SELECT");
}
END_TEST

START_TEST(swapdb_semantics)
{
	tc_put(0, "a", "zero", now() + 100);
	tc_put(0, KA, "zero", 0);
	tc_put(1, "b", "one", 0);
	EXPECT(OK, "SWAPDB", "0", "1");
	ck_assert_str_eq(tc_val(0, "b"), "one");
	ck_assert_str_eq(tc_val(1, "a"), "zero");
	ck_assert_uint_eq(kvs_entry_expire(tc_get(1, "a")), now() + 100);
	EXPECT(ONE, "DBSIZE");
	EXPECT(ONE, "EXISTS", "b");
	EXPECT(OK, "SWAPDB", "1", "1");
	ck_assert_str_eq(tc_val(1, "a"), "zero");
	EXPECT("-ERR invalid first DB index\r\n", "SWAPDB", "a", "1");
	EXPECT("-ERR invalid second DB index\r\n", "SWAPDB", "1", "a");
	EXPECT("-ERR invalid first DB index\r\n", "SWAPDB", "99999999999", "0");
	EXPECT("-ERR invalid second DB index\r\n", "SWAPDB", "0", "99999999999");
	EXPECT(E_DBINDEX, "SWAPDB", "0", "16");
	EXPECT(E_DBINDEX, "SWAPDB", "16", "0");
	EXPECT(E_DBINDEX, "SWAPDB", "-1", "0");
	EXPECT("-ERR wrong number of arguments for 'swapdb' command\r\n", "SWAPDB", "0");
}
END_TEST

/* ---- inside MULTI/EXEC ------------------------------------------------ */

/* EXEC holds every shard for a queue with a keyless command; the keyless
 * commands must not lock them again. */
START_TEST(keyless_commands_inside_exec)
{
	tc_put(0, "a", "v", 0);
	tc_put(1, KB, "v", 0);
	EXPECT(OK, "MULTI");
	EXPECT("+QUEUED\r\n", "SWAPDB", "0", "1");
	EXPECT("+QUEUED\r\n", "KEYS", "*");
	EXPECT("+QUEUED\r\n", "DBSIZE");
	EXPECT("+QUEUED\r\n", "RANDOMKEY");
	EXPECT("+QUEUED\r\n", "SCAN", "0", "COUNT", "1000");
	EXPECT("+QUEUED\r\n", "RENAME", KB, KA);
	EXPECT("+QUEUED\r\n", "FLUSHDB");
	EXPECT("+QUEUED\r\n", "SELECT", "1");
	EXPECT("+QUEUED\r\n", "KEYS", "*");
	EXPECT("+QUEUED\r\n", "FLUSHALL");
	EXPECT("*10\r\n+OK\r\n*1\r\n$4\r\n{b}y\r\n:1\r\n$4\r\n{b}y\r\n"
	       "*2\r\n$1\r\n0\r\n*1\r\n$4\r\n{b}y\r\n+OK\r\n+OK\r\n+OK\r\n"
	       "*1\r\n$1\r\na\r\n+OK\r\n", "EXEC");
	ck_assert_int_eq(tc_cl.db, 1);
	EXPECT(ZERO, "DBSIZE");
	/* And the locks were all released. */
	for (unsigned s = 0; s < KVS_SHARDS; s++) {
		ck_assert_int_eq(pthread_mutex_trylock(&tc_eng.ks.shard[s].lock), 0);
		pthread_mutex_unlock(&tc_eng.ks.shard[s].lock);
	}
}
END_TEST

/* ---- RESP3 ---------------------------------------------------------- */

START_TEST(resp3_nil)
{
	tc_cl.proto = 3;
	EXPECT("_\r\n", "RANDOMKEY");
	EXPECT("+none\r\n", "TYPE", "x");
}
END_TEST

static Suite *keys_suite(void)
{
	Suite *s = suite_create("t_keys");
	TCase *tc = tcase_create("keys");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, del_counts_deleted_keys);
	tcase_add_test(tc, unlink_is_del);
	tcase_add_test(tc, del_skips_expired);
	tcase_add_test(tc, exists_counts_duplicates);
	tcase_add_test(tc, type_names);
	tcase_add_test(tc, rename_moves_value_and_ttl);
	tcase_add_test(tc, rename_overwrites_across_shards);
	tcase_add_test(tc, rename_errors_and_same_key);
	tcase_add_test(tc, renamenx_semantics);
	tcase_add_test(tc, rename_shares_object);
	tcase_add_test(tc, move_semantics);
	tcase_add_test(tc, move_errors);
	tcase_add_test(tc, copy_semantics);
	tcase_add_test(tc, copy_errors);
	tcase_add_test(tc, copy_duplicates_object);
	tcase_add_test(tc, keys_patterns);
	tcase_add_test(tc, keys_hides_expired_and_binary);
	tcase_add_test(tc, scan_empty_and_cursors);
	tcase_add_test(tc, scan_option_errors);
	tcase_add_test(tc, scan_filters);
	tcase_add_test(tc, scan_type_filter);
	tcase_add_test(tc, scan_reclaims_expired);
	tcase_add_test(tc, scan_complete_under_churn);
	tcase_add_test(tc, scan_no_duplicates_when_stable);
	tcase_add_test(tc, scan_default_count);
	tcase_add_test(tc, randomkey_semantics);
	tcase_add_test(tc, randomkey_skips_expired);
	tcase_add_test(tc, dbsize_per_db);
	tcase_add_test(tc, flushdb_only_current);
	tcase_add_test(tc, flushall_every_db);
	tcase_add_test(tc, select_semantics);
	tcase_add_test(tc, swapdb_semantics);
	tcase_add_test(tc, keyless_commands_inside_exec);
	tcase_add_test(tc, resp3_nil);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	kvs_cmd_register_builtin();
	SRunner *sr = srunner_create(keys_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
