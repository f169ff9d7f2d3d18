/*
 * check_t_string.c - the string commands, driven through kvs_exec, checked
 * against the RESP bytes Redis 7.0 sends for the same requests.
 */
#include "config.h"
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "exec_fixture.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define NOTFLOAT "-ERR value is not a valid float\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define MAXLEN "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"

/* ---- GET / SET ------------------------------------------------------------ */

START_TEST(get_set_basic)
{
	EXPECT("$-1\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "hello");
	EXPECT("$5\r\nhello\r\n", "GET", "k");
	EXPECT("+OK\r\n", "set", "k", "hi");
	EXPECT("$2\r\nhi\r\n", "get", "k");
	EXPECT("+OK\r\n", "SET", "k", "");
	EXPECT("$0\r\n\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "", "empty key");
	EXPECT("$9\r\nempty key\r\n", "GET", "");
}
END_TEST

START_TEST(get_set_binary)
{
	static const char *argv[] = { "SET", "bin\0k", "a\0b\r\nc" };
	static const size_t lens[] = { 3, 5, 6 };
	static const char *get[] = { "GET", "bin\0k" };
	static const size_t glens[] = { 3, 5 };
	size_t n;
	char *r = fx_execv(3, argv, lens, &n);
	ck_assert_str_eq(r, "+OK\r\n");
	free(r);
	r = fx_execv(2, get, glens, &n);
	ck_assert_uint_eq(n, 12);
	ck_assert(memcmp(r, "$6\r\na\0b\r\nc\r\n", 12) == 0);
	free(r);
	EXPECT("$-1\r\n", "GET", "bin");   /* the key is all 5 bytes */
}
END_TEST

START_TEST(set_same_size_in_place_and_resize)
{
	/* Same length (in-place path), then longer and shorter values. */
	EXPECT("+OK\r\n", "SET", "k", "aaaa");
	EXPECT("+OK\r\n", "SET", "k", "bbbb");
	EXPECT("$4\r\nbbbb\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "a much longer value than before, over 128 bytes? no, but longer");
	EXPECT("$63\r\na much longer value than before, over 128 bytes? no, but longer\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "s");
	EXPECT("$1\r\ns\r\n", "GET", "k");
	ck_assert_uint_eq(fx_stored(), 1);
}
END_TEST

START_TEST(set_large_value)
{
	size_t n = 200000, len;
	char *v = malloc(n);
	memset(v, 'x', n);
	const char *argv[] = { "SET", "big", v };
	const size_t lens[] = { 3, 3, n };
	char *r = fx_execv(3, argv, lens, &len);
	ck_assert_str_eq(r, "+OK\r\n");
	free(r);
	EXPECT(":200000\r\n", "STRLEN", "big");
	EXPECT(":200001\r\n", "APPEND", "big", "y");
	EXPECT("$3\r\nxxy\r\n", "GETRANGE", "big", "199998", "-1");
	free(v);
}
END_TEST

START_TEST(set_nx_xx)
{
	EXPECT("$-1\r\n", "SET", "k", "v", "XX");
	EXPECT("$-1\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "v1", "NX");
	EXPECT("$-1\r\n", "SET", "k", "v2", "nx");
	EXPECT("$2\r\nv1\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "v3", "xx");
	EXPECT("$2\r\nv3\r\n", "GET", "k");
	/* Repeating an option is allowed, as in Redis. */
	EXPECT("+OK\r\n", "SET", "k", "v4", "XX", "XX");
}
END_TEST

START_TEST(set_get_option)
{
	EXPECT("$-1\r\n", "SET", "k", "one", "GET");
	EXPECT("$3\r\none\r\n", "SET", "k", "two", "GET");
	EXPECT("$3\r\ntwo\r\n", "GET", "k");
	/* NX GET on an existing key: the old value, and no write. */
	EXPECT("$3\r\ntwo\r\n", "SET", "k", "three", "NX", "GET");
	EXPECT("$3\r\ntwo\r\n", "GET", "k");
	/* XX GET on a missing key: nil and no write. */
	EXPECT("$-1\r\n", "SET", "nokey", "x", "XX", "GET");
	EXPECT("$-1\r\n", "GET", "nokey");
	/* NX GET on a missing key: nil, and the key is written. */
	EXPECT("$-1\r\n", "SET", "new", "x", "GET", "NX");
	EXPECT("$1\r\nx\r\n", "GET", "new");
	EXPECT("$1\r\nx\r\n", "SET", "new", "y", "GET", "XX");
	EXPECT("$1\r\ny\r\n", "GET", "new");
}
END_TEST

START_TEST(set_expire_options)
{
	uint64_t now = fx_now();
	char buf[64];
	EXPECT("+OK\r\n", "SET", "k", "v", "EX", "100");
	EXPECT(":100000\r\n", "PTTL", "k");
	EXPECT("+OK\r\n", "SET", "k", "v", "PX", "1500");
	EXPECT(":1500\r\n", "PTTL", "k");
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)(now / 1000 + 50));
	EXPECT("+OK\r\n", "SET", "k", "v", "EXAT", buf);
	EXPECT(":50000\r\n", "PTTL", "k");   /* now is a whole second */
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)(now + 1234));
	EXPECT("+OK\r\n", "SET", "k", "v", "pxat", buf);
	EXPECT(":1234\r\n", "PTTL", "k");
	/* A repeated expire option: the last one wins. */
	EXPECT("+OK\r\n", "SET", "k", "v", "EX", "10", "EX", "20");
	EXPECT(":20\r\n", "TTL", "k");
	/* Plain SET clears the TTL... */
	EXPECT("+OK\r\n", "SET", "k", "w");
	EXPECT(":-1\r\n", "TTL", "k");
	/* ... KEEPTTL keeps it, also when the value changes size. */
	EXPECT("+OK\r\n", "SET", "k", "w", "PX", "5000");
	EXPECT("+OK\r\n", "SET", "k", "longer value", "KEEPTTL");
	EXPECT(":5000\r\n", "PTTL", "k");
	EXPECT("+OK\r\n", "SET", "k", "same size v2", "keepttl");
	EXPECT(":5000\r\n", "PTTL", "k");
	EXPECT("$12\r\nsame size v2\r\n", "GET", "k");
	/* KEEPTTL on a new key: no TTL. */
	EXPECT("+OK\r\n", "SET", "k2", "v", "KEEPTTL");
	EXPECT(":-1\r\n", "PTTL", "k2");
	/* SET EX on a key with a TTL replaces it (same-size in-place path). */
	EXPECT("+OK\r\n", "SET", "k", "same size v3", "EX", "7");
	EXPECT(":7000\r\n", "PTTL", "k");
	/* Same-size SET without options drops the TTL. */
	EXPECT("+OK\r\n", "SET", "k", "same size v4");
	EXPECT(":-1\r\n", "PTTL", "k");
	/* Options with GET and NX/XX. */
	EXPECT("$12\r\nsame size v4\r\n", "SET", "k", "v", "XX", "PX", "300", "GET");
	EXPECT(":300\r\n", "PTTL", "k");
}
END_TEST

START_TEST(set_expire_lazy)
{
	EXPECT("+OK\r\n", "SET", "k", "v", "PX", "100");
	fx_sleep(99);
	EXPECT("$1\r\nv\r\n", "GET", "k");
	ck_assert_uint_eq(fx_stored(), 1);
	fx_sleep(1);            /* deadline reached: gone */
	EXPECT("$-1\r\n", "GET", "k");
	ck_assert_uint_eq(fx_stored(), 0);
	/* SETEX, too. */
	EXPECT("+OK\r\n", "SETEX", "k", "2", "v");
	fx_sleep(1999);
	EXPECT(":1\r\n", "STRLEN", "k");
	fx_sleep(1);
	EXPECT(":0\r\n", "STRLEN", "k");
	/* An absolute deadline already past: stored, never returned. */
	EXPECT("+OK\r\n", "SET", "k", "v", "EXAT", "1");
	EXPECT("$-1\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SET", "k", "v", "PXAT", "1");
	EXPECT("$-1\r\n", "GETDEL", "k");
}
END_TEST

START_TEST(set_syntax_errors)
{
	EXPECT(SYNTAX, "SET", "k", "v", "NX", "XX");
	EXPECT(SYNTAX, "SET", "k", "v", "XX", "NX");
	EXPECT(SYNTAX, "SET", "k", "v", "EX", "10", "PX", "100");
	EXPECT(SYNTAX, "SET", "k", "v", "PX", "10", "EX", "100");
	EXPECT(SYNTAX, "SET", "k", "v", "EX", "10", "EXAT", "100");
	EXPECT(SYNTAX, "SET", "k", "v", "PXAT", "10", "EXAT", "100");
	EXPECT(SYNTAX, "SET", "k", "v", "EXAT", "10", "PXAT", "100");
	EXPECT(SYNTAX, "SET", "k", "v", "PX", "10", "PXAT", "100");
	EXPECT(SYNTAX, "SET", "k", "v", "EX", "10", "KEEPTTL");
	EXPECT(SYNTAX, "SET", "k", "v", "KEEPTTL", "EX", "10");
	EXPECT(SYNTAX, "SET", "k", "v", "KEEPTTL", "PXAT", "10");
	EXPECT(SYNTAX, "SET", "k", "v", "EX");         /* no value */
	EXPECT(SYNTAX, "SET", "k", "v", "NX", "PX");
	EXPECT(SYNTAX, "SET", "k", "v", "PERSIST");    /* GETEX only */
	EXPECT(SYNTAX, "SET", "k", "v", "FOO");
	EXPECT(SYNTAX, "SET", "k", "v", "NXX");
	EXPECT(SYNTAX, "SET", "k", "v", "10");
	/* Nothing was written by any of them. */
	EXPECT("$-1\r\n", "GET", "k");
	EXPECT("-ERR wrong number of arguments for 'set' command\r\n", "SET", "k");
}
END_TEST

START_TEST(set_expire_errors)
{
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX", "0");
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX", "-5");
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "PX", "0");
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EXAT", "0");
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "PXAT", "-1");
	/* Seconds that overflow when converted to ms. */
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX",
	       "9223372036854776");
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EXAT",
	       "9223372036854776");
	/* ms that overflow when now is added. */
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "PX",
	       "9223372036854775807");
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "v", "EX",
	       "9223372036854775");
	EXPECT(NOTINT, "SET", "k", "v", "EX", "ten");
	EXPECT(NOTINT, "SET", "k", "v", "PX", "1.5");
	EXPECT(NOTINT, "SET", "k", "v", "EX", " 10");
	EXPECT(NOTINT, "SET", "k", "v", "PX", "9223372036854775808");
	EXPECT("$-1\r\n", "GET", "k");
	/* An absolute deadline as large as a long long is fine. */
	EXPECT("+OK\r\n", "SET", "k", "v", "PXAT", "9223372036854775807");
	EXPECT(":9223372036854775807\r\n", "PEXPIRETIME", "k");
	EXPECT("+OK\r\n", "SET", "k", "v", "EXAT", "9223372036854775");
	EXPECT(":9223372036854775000\r\n", "PEXPIRETIME", "k");
}
END_TEST

START_TEST(setnx_setex_psetex)
{
	EXPECT(":1\r\n", "SETNX", "k", "a");
	EXPECT(":0\r\n", "SETNX", "k", "b");
	EXPECT("$1\r\na\r\n", "GET", "k");
	EXPECT("+OK\r\n", "SETEX", "k", "10", "b");
	EXPECT("$1\r\nb\r\n", "GET", "k");
	EXPECT(":10\r\n", "TTL", "k");
	EXPECT("+OK\r\n", "PSETEX", "k", "2500", "c");
	EXPECT(":2500\r\n", "PTTL", "k");
	EXPECT("-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "0", "v");
	EXPECT("-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "-1", "v");
	EXPECT("-ERR invalid expire time in 'psetex' command\r\n", "PSETEX", "k", "0", "v");
	EXPECT("-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k",
	       "9223372036854776", "v");
	EXPECT(NOTINT, "SETEX", "k", "x", "v");
	EXPECT(NOTINT, "PSETEX", "k", "", "v");
	EXPECT("$1\r\nc\r\n", "GET", "k");
	EXPECT("-ERR wrong number of arguments for 'setex' command\r\n", "SETEX", "k", "10");
	EXPECT("-ERR wrong number of arguments for 'setnx' command\r\n", "SETNX", "k");
}
END_TEST

/* ---- multi-key -------------------------------------------------------------- */

START_TEST(mget_mset)
{
	EXPECT("+OK\r\n", "MSET", "a", "1", "b", "22", "{a}c", "333");
	EXPECT("*4\r\n$1\r\n1\r\n$2\r\n22\r\n$-1\r\n$3\r\n333\r\n", "MGET", "a", "b", "nokey", "{a}c");
	fx_put_list("list");
	EXPECT("*2\r\n$-1\r\n$1\r\n1\r\n", "MGET", "list", "a");
	/* MSET overwrites any type, clears TTLs, and the last duplicate wins. */
	EXPECT("+OK\r\n", "SET", "b", "x", "EX", "100");
	EXPECT("+OK\r\n", "MSET", "list", "L", "b", "y", "a", "first", "a", "second");
	EXPECT("*3\r\n$1\r\nL\r\n$1\r\ny\r\n$6\r\nsecond\r\n", "MGET", "list", "b", "a");
	EXPECT(":-1\r\n", "TTL", "b");
	EXPECT("-ERR wrong number of arguments for 'mset' command\r\n", "MSET", "a");
	EXPECT("-ERR wrong number of arguments for 'mset' command\r\n", "MSET", "a", "1", "b");
	EXPECT("$6\r\nsecond\r\n", "GET", "a");
	EXPECT("-ERR wrong number of arguments for 'mget' command\r\n", "MGET");
}
END_TEST

START_TEST(mget_resp3)
{
	fx.c.proto = 3;
	EXPECT("+OK\r\n", "SET", "a", "1");
	EXPECT("*2\r\n$1\r\n1\r\n_\r\n", "MGET", "a", "b");
	EXPECT("_\r\n", "GET", "b");
}
END_TEST

START_TEST(msetnx)
{
	EXPECT(":1\r\n", "MSETNX", "a", "1", "b", "2");
	EXPECT(":0\r\n", "MSETNX", "c", "3", "b", "x");
	EXPECT("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n", "MGET", "a", "b", "c");
	/* Duplicates within one call: all set, last wins. */
	EXPECT(":1\r\n", "MSETNX", "d", "1", "d", "2");
	EXPECT("$1\r\n2\r\n", "GET", "d");
	/* An existing key of another type also vetoes. */
	fx_put_list("l");
	EXPECT(":0\r\n", "MSETNX", "e", "1", "l", "2");
	EXPECT("$-1\r\n", "GET", "e");
	EXPECT("-ERR wrong number of arguments for 'msetnx' command\r\n", "MSETNX", "e", "1", "f");
}
END_TEST

/* ---- GETSET GETDEL GETEX -------------------------------------------------------- */

START_TEST(getset)
{
	EXPECT("$-1\r\n", "GETSET", "k", "a");
	EXPECT("$1\r\na\r\n", "GETSET", "k", "b");
	EXPECT("+OK\r\n", "SET", "k", "c", "EX", "100");
	EXPECT("$1\r\nc\r\n", "GETSET", "k", "d");
	EXPECT(":-1\r\n", "TTL", "k");     /* GETSET clears the TTL */
	EXPECT("$1\r\nd\r\n", "GET", "k");
}
END_TEST

START_TEST(getdel)
{
	EXPECT("$-1\r\n", "GETDEL", "k");
	EXPECT("+OK\r\n", "SET", "k", "v", "EX", "10");
	EXPECT("$1\r\nv\r\n", "GETDEL", "k");
	EXPECT("$-1\r\n", "GET", "k");
	EXPECT(":-2\r\n", "TTL", "k");
	ck_assert_uint_eq(fx_stored(), 0);
}
END_TEST

START_TEST(getex_options)
{
	uint64_t now = fx_now();
	char buf[64];
	EXPECT("$-1\r\n", "GETEX", "k");
	EXPECT("+OK\r\n", "SET", "k", "v", "PX", "5000");
	EXPECT("$1\r\nv\r\n", "GETEX", "k");           /* no option: TTL kept */
	EXPECT(":5000\r\n", "PTTL", "k");
	EXPECT("$1\r\nv\r\n", "GETEX", "k", "EX", "100");
	EXPECT(":100000\r\n", "PTTL", "k");
	EXPECT("$1\r\nv\r\n", "GETEX", "k", "px", "250");
	EXPECT(":250\r\n", "PTTL", "k");
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)(now / 1000 + 30));
	EXPECT("$1\r\nv\r\n", "GETEX", "k", "EXAT", buf);
	EXPECT(":30000\r\n", "PTTL", "k");
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)(now + 77));
	EXPECT("$1\r\nv\r\n", "GETEX", "k", "PXAT", buf);
	EXPECT(":77\r\n", "PTTL", "k");
	EXPECT("$1\r\nv\r\n", "GETEX", "k", "PERSIST");
	EXPECT(":-1\r\n", "PTTL", "k");
	EXPECT("$1\r\nv\r\n", "GETEX", "k", "persist");  /* no TTL: no change */
	EXPECT(":-1\r\n", "PTTL", "k");
	EXPECT("$1\r\nv\r\n", "GETEX", "k", "EX", "1", "EX", "2");
	EXPECT(":2000\r\n", "PTTL", "k");
	/* An absolute deadline at or before now deletes the key after
	 * replying its value. */
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)now);
	EXPECT("$1\r\nv\r\n", "GETEX", "k", "PXAT", buf);
	EXPECT("$-1\r\n", "GET", "k");
	ck_assert_uint_eq(fx_stored(), 0);
	EXPECT("+OK\r\n", "SET", "k", "v");
	EXPECT("$1\r\nv\r\n", "GETEX", "k", "EXAT", "1");
	EXPECT(":-2\r\n", "TTL", "k");
}
END_TEST

START_TEST(getex_errors)
{
	EXPECT("+OK\r\n", "SET", "k", "v", "EX", "100");
	EXPECT(SYNTAX, "GETEX", "k", "EX", "10", "PX", "10");
	EXPECT(SYNTAX, "GETEX", "k", "PERSIST", "EX", "10");
	EXPECT(SYNTAX, "GETEX", "k", "EX", "10", "PERSIST");
	EXPECT(SYNTAX, "GETEX", "k", "KEEPTTL");     /* SET only */
	EXPECT(SYNTAX, "GETEX", "k", "NX");
	EXPECT(SYNTAX, "GETEX", "k", "GET");
	EXPECT(SYNTAX, "GETEX", "k", "EX");
	EXPECT(SYNTAX, "GETEX", "nokey", "BAD");     /* options before lookup */
	EXPECT("-ERR invalid expire time in 'getex' command\r\n", "GETEX", "k", "EX", "0");
	EXPECT("-ERR invalid expire time in 'getex' command\r\n", "GETEX", "k", "PX", "-10");
	EXPECT("-ERR invalid expire time in 'getex' command\r\n", "GETEX", "k", "PX",
	       "9223372036854775807");
	EXPECT(NOTINT, "GETEX", "k", "EX", "abc");
	/* Redis checks the key before the expire value. */
	EXPECT("$-1\r\n", "GETEX", "nokey", "EX", "abc");
	EXPECT("$-1\r\n", "GETEX", "nokey", "EX", "0");
	fx_put_list("l");
	EXPECT(WRONGTYPE, "GETEX", "l", "EX", "abc");
	EXPECT(":100\r\n", "TTL", "k");   /* untouched by the failures */
}
END_TEST

/* ---- WRONGTYPE ------------------------------------------------------------------- */

START_TEST(wrongtype_everywhere)
{
	fx_put_list("l");
	EXPECT(WRONGTYPE, "GET", "l");
	EXPECT(WRONGTYPE, "GETSET", "l", "v");
	EXPECT(WRONGTYPE, "GETDEL", "l");
	EXPECT(WRONGTYPE, "GETEX", "l");
	EXPECT(WRONGTYPE, "GETEX", "l", "PERSIST");
	EXPECT(WRONGTYPE, "APPEND", "l", "v");
	EXPECT(WRONGTYPE, "STRLEN", "l");
	EXPECT(WRONGTYPE, "GETRANGE", "l", "0", "-1");
	EXPECT(WRONGTYPE, "SUBSTR", "l", "0", "-1");
	EXPECT(WRONGTYPE, "SETRANGE", "l", "0", "v");
	EXPECT(WRONGTYPE, "SETRANGE", "l", "0", "");
	EXPECT(WRONGTYPE, "INCR", "l");
	EXPECT(WRONGTYPE, "DECR", "l");
	EXPECT(WRONGTYPE, "INCRBY", "l", "2");
	EXPECT(WRONGTYPE, "DECRBY", "l", "2");
	EXPECT(WRONGTYPE, "INCRBYFLOAT", "l", "2.5");
	EXPECT(WRONGTYPE, "SET", "l", "v", "GET");
	EXPECT(WRONGTYPE, "SET", "l", "v", "NX", "GET");
	ck_assert_int_eq(fx_type("l"), KVS_T_LIST);   /* nothing written */
	EXPECT(":0\r\n", "SETNX", "l", "v");
	EXPECT("$-1\r\n", "SET", "l", "v", "NX");
	ck_assert_int_eq(fx_type("l"), KVS_T_LIST);
	/* Plain SET replaces a value of any type. */
	EXPECT("+OK\r\n", "SET", "l", "v");
	ck_assert_int_eq(fx_type("l"), KVS_T_STRING);
	EXPECT("$1\r\nv\r\n", "GET", "l");
	fx_put_list("l2");
	EXPECT("+OK\r\n", "SET", "l2", "v", "XX", "EX", "5");
	EXPECT(":5\r\n", "TTL", "l2");
	fx_put_list("l3");
	EXPECT("+OK\r\n", "SETEX", "l3", "5", "v");
	EXPECT("$1\r\nv\r\n", "GET", "l3");
}
END_TEST

/* ---- APPEND STRLEN GETRANGE SETRANGE ----------------------------------------------- */

START_TEST(append_strlen)
{
	EXPECT(":0\r\n", "STRLEN", "k");
	EXPECT(":5\r\n", "APPEND", "k", "Hello");
	EXPECT(":11\r\n", "APPEND", "k", " World");
	EXPECT("$11\r\nHello World\r\n", "GET", "k");
	EXPECT(":11\r\n", "STRLEN", "k");
	EXPECT(":11\r\n", "APPEND", "k", "");
	EXPECT(":0\r\n", "APPEND", "e", "");
	EXPECT("$0\r\n\r\n", "GET", "e");     /* APPEND "" creates the key */
	/* APPEND keeps the TTL. */
	EXPECT(":1\r\n", "PEXPIRE", "k", "800");
	EXPECT(":12\r\n", "APPEND", "k", "!");
	EXPECT(":800\r\n", "PTTL", "k");
	/* A value longer than 127 bytes changes the length prefix size. */
	EXPECT(":100\r\n", "APPEND", "g", "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789");
	EXPECT(":130\r\n", "APPEND", "g", "abcdefghijklmnopqrstuvwxyz0123");
	EXPECT("$6\r\n6789ab\r\n", "GETRANGE", "g", "96", "101");
	EXPECT("$4\r\n0123\r\n", "GETRANGE", "g", "-4", "-1");
}
END_TEST

START_TEST(append_maxlen)
{
	fx.eng.proto_max_bulk_len = 10;
	EXPECT(":6\r\n", "APPEND", "k", "123456");
	EXPECT(":10\r\n", "APPEND", "k", "7890");
	EXPECT(MAXLEN, "APPEND", "k", "x");
	EXPECT("$10\r\n1234567890\r\n", "GET", "k");
	EXPECT(":10\r\n", "APPEND", "k", "");
}
END_TEST

START_TEST(getrange)
{
	EXPECT("+OK\r\n", "SET", "k", "This is a string");
	EXPECT("$4\r\nThis\r\n", "GETRANGE", "k", "0", "3");
	EXPECT("$3\r\ning\r\n", "GETRANGE", "k", "-3", "-1");
	EXPECT("$16\r\nThis is a string\r\n", "GETRANGE", "k", "0", "-1");
	EXPECT("$6\r\nstring\r\n", "GETRANGE", "k", "10", "100");
	EXPECT("$6\r\nstring\r\n", "SUBSTR", "k", "10", "100");
	EXPECT("$16\r\nThis is a string\r\n", "GETRANGE", "k", "-100", "100");
	EXPECT("$1\r\nT\r\n", "GETRANGE", "k", "-100", "-16");
	EXPECT("$1\r\nT\r\n", "GETRANGE", "k", "0", "-100");   /* end clamps to 0 */
	EXPECT("$0\r\n\r\n", "GETRANGE", "k", "-1", "-5");     /* both negative, start > end */
	EXPECT("$0\r\n\r\n", "GETRANGE", "k", "5", "4");
	EXPECT("$0\r\n\r\n", "GETRANGE", "k", "16", "20");
	EXPECT("$1\r\ng\r\n", "GETRANGE", "k", "15", "9223372036854775807");
	EXPECT("$16\r\nThis is a string\r\n", "GETRANGE", "k", "-9223372036854775808",
	       "9223372036854775807");
	EXPECT("$0\r\n\r\n", "GETRANGE", "nokey", "0", "-1");
	EXPECT(NOTINT, "GETRANGE", "k", "a", "1");
	EXPECT(NOTINT, "GETRANGE", "k", "0", "1.5");
	EXPECT(NOTINT, "GETRANGE", "nokey", "0", "x");        /* args before lookup */
	EXPECT("+OK\r\n", "SET", "e", "");
	EXPECT("$0\r\n\r\n", "GETRANGE", "e", "0", "-1");
	EXPECT("-ERR wrong number of arguments for 'getrange' command\r\n", "GETRANGE", "k", "0");
}
END_TEST

START_TEST(setrange)
{
	EXPECT("+OK\r\n", "SET", "k", "Hello World");
	EXPECT(":11\r\n", "SETRANGE", "k", "6", "Redis");
	EXPECT("$11\r\nHello Redis\r\n", "GET", "k");
	EXPECT(":13\r\n", "SETRANGE", "k", "11", "!!");
	EXPECT("$13\r\nHello Redis!!\r\n", "GET", "k");
	EXPECT(":13\r\n", "SETRANGE", "k", "0", "J");
	EXPECT("$13\r\nJello Redis!!\r\n", "GET", "k");
	/* Past the end: zero padding. */
	EXPECT(":16\r\n", "SETRANGE", "k", "15", "x");
	EXPECT_BIN("$16\r\nJello Redis!!\0\0x\r\n", "GET", "k");
	/* On a missing key. */
	EXPECT(":11\r\n", "SETRANGE", "n", "6", "Redis");
	EXPECT_BIN("$11\r\n\0\0\0\0\0\0Redis\r\n", "GET", "n");
	/* An empty value writes nothing: 0 / the length, no key created. */
	EXPECT(":0\r\n", "SETRANGE", "m", "100", "");
	EXPECT("$-1\r\n", "GET", "m");
	EXPECT(":16\r\n", "SETRANGE", "k", "1000", "");
	EXPECT(":16\r\n", "STRLEN", "k");
	/* Keeps the TTL. */
	EXPECT(":1\r\n", "PEXPIRE", "k", "900");
	EXPECT(":16\r\n", "SETRANGE", "k", "0", "j");
	EXPECT(":20\r\n", "SETRANGE", "k", "19", "z");
	EXPECT(":900\r\n", "PTTL", "k");
	/* Errors. */
	EXPECT("-ERR offset is out of range\r\n", "SETRANGE", "k", "-1", "x");
	EXPECT("-ERR offset is out of range\r\n", "SETRANGE", "nokey", "-1", "");
	EXPECT(NOTINT, "SETRANGE", "k", "x", "x");
	EXPECT(NOTINT, "SETRANGE", "k", "9223372036854775808", "x");
	EXPECT(MAXLEN, "SETRANGE", "k", "536870911", "ab");
	EXPECT(MAXLEN, "SETRANGE", "nokey", "536870912", "a");
	EXPECT(MAXLEN, "SETRANGE", "k", "9223372036854775807", "a");
	EXPECT("$-1\r\n", "GET", "nokey");
	EXPECT(":20\r\n", "STRLEN", "k");
}
END_TEST

START_TEST(setrange_maxlen_small)
{
	fx.eng.proto_max_bulk_len = 8;
	EXPECT(":8\r\n", "SETRANGE", "k", "4", "abcd");
	EXPECT(MAXLEN, "SETRANGE", "k", "5", "abcd");
	EXPECT(MAXLEN, "SETRANGE", "k", "0", "123456789");
	EXPECT(":8\r\n", "SETRANGE", "k", "7", "Z");
	EXPECT_BIN("$8\r\n\0\0\0\0abcZ\r\n", "GET", "k");
}
END_TEST

/* ---- INCR family ------------------------------------------------------------------- */

START_TEST(incr_decr)
{
	EXPECT(":1\r\n", "INCR", "n");
	EXPECT(":2\r\n", "INCR", "n");
	EXPECT(":1\r\n", "DECR", "n");
	EXPECT(":0\r\n", "DECR", "n");
	EXPECT(":-1\r\n", "DECR", "n");
	EXPECT(":9\r\n", "INCRBY", "n", "10");
	EXPECT(":10\r\n", "INCR", "n");        /* width grows */
	EXPECT(":9\r\n", "DECR", "n");         /* and shrinks */
	EXPECT("$1\r\n9\r\n", "GET", "n");
	EXPECT(":-91\r\n", "DECRBY", "n", "100");
	EXPECT(":9\r\n", "DECRBY", "n", "-100");
	EXPECT(":-1\r\n", "INCRBY", "m", "-1");
	EXPECT(":-5\r\n", "DECRBY", "d", "5");
	EXPECT("$2\r\n-5\r\n", "GET", "d");
	EXPECT("+OK\r\n", "SET", "s", "41");
	EXPECT(":42\r\n", "INCR", "s");
	EXPECT("+OK\r\n", "SET", "s", "-9223372036854775808");
	EXPECT(":-9223372036854775807\r\n", "INCR", "s");
	EXPECT("+OK\r\n", "SET", "s", "9223372036854775806");
	EXPECT(":9223372036854775807\r\n", "INCR", "s");
	EXPECT("$19\r\n9223372036854775807\r\n", "GET", "s");
	EXPECT("-ERR wrong number of arguments for 'incr' command\r\n", "INCR");
}
END_TEST

START_TEST(incr_errors)
{
	static const char *bad[] = { "abc", "", " 1", "1 ", "+1", "01", "-0", "1.0", "0x10",
				     "9223372036854775808", "-9223372036854775809", "1e3" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		EXPECT("+OK\r\n", "SET", "k", bad[i]);
		EXPECT(NOTINT, "INCR", "k");
		EXPECT(NOTINT, "DECRBY", "k", "1");
		EXPECT(NOTINT, "INCRBY", "n", bad[i]);
		EXPECT(NOTINT, "DECRBY", "n", bad[i]);
	}
	EXPECT("$-1\r\n", "GET", "n");
	EXPECT("+OK\r\n", "SET", "k", "9223372036854775807");
	EXPECT("-ERR increment or decrement would overflow\r\n", "INCR", "k");
	EXPECT("-ERR increment or decrement would overflow\r\n", "INCRBY", "k", "1");
	EXPECT(":-1\r\n", "INCRBY", "k", "-9223372036854775808");
	EXPECT("+OK\r\n", "SET", "k", "-9223372036854775808");
	EXPECT("-ERR increment or decrement would overflow\r\n", "DECR", "k");
	EXPECT("-ERR increment or decrement would overflow\r\n", "INCRBY", "k",
	       "-9223372036854775808");
	EXPECT("-ERR increment or decrement would overflow\r\n", "DECRBY", "k", "1");
	EXPECT("$20\r\n-9223372036854775808\r\n", "GET", "k");
	EXPECT("-ERR decrement would overflow\r\n", "DECRBY", "k", "-9223372036854775808");
	EXPECT("-ERR decrement would overflow\r\n", "DECRBY", "z", "-9223372036854775808");
	EXPECT("$-1\r\n", "GET", "z");
	EXPECT(":9223372036854775807\r\n", "DECRBY", "z", "-9223372036854775807");
}
END_TEST

START_TEST(incr_keeps_ttl)
{
	EXPECT("+OK\r\n", "SET", "n", "9", "PX", "1000");
	EXPECT(":10\r\n", "INCR", "n");
	EXPECT(":11\r\n", "INCR", "n");
	EXPECT(":1000\r\n", "PTTL", "n");
	fx_sleep(1000);
	EXPECT(":1\r\n", "INCR", "n");       /* expired: starts over */
	EXPECT(":-1\r\n", "PTTL", "n");
}
END_TEST

START_TEST(incrbyfloat)
{
	EXPECT("+OK\r\n", "SET", "k", "10.50");
	EXPECT("$4\r\n10.6\r\n", "INCRBYFLOAT", "k", "0.1");
	EXPECT("$3\r\n5.6\r\n", "INCRBYFLOAT", "k", "-5");
	EXPECT("+OK\r\n", "SET", "k", "5.0e3");
	EXPECT("$4\r\n5200\r\n", "INCRBYFLOAT", "k", "2.0e2");
	EXPECT("$4\r\n5200\r\n", "GET", "k");
	EXPECT("$3\r\n1.5\r\n", "INCRBYFLOAT", "n", "1.5");
	EXPECT("$1\r\n3\r\n", "INCRBYFLOAT", "n", "1.5");
	EXPECT("$1\r\n0\r\n", "INCRBYFLOAT", "n", "-3");
	EXPECT("$4\r\n-0.5\r\n", "INCRBYFLOAT", "n", "-.5");
	EXPECT("+OK\r\n", "SET", "x", "10");
	EXPECT("$4\r\n10.1\r\n", "INCRBYFLOAT", "x", "0.1");
	EXPECT("+OK\r\n", "SET", "x", "3");
	EXPECT("$3\r\n4.1\r\n", "INCRBYFLOAT", "x", "1.1");
	EXPECT("$1\r\n0\r\n", "INCRBYFLOAT", "x", "-4.1");
	/* An integer value works, and the result is an integer for INCR. */
	EXPECT("$2\r\n10\r\n", "INCRBYFLOAT", "x", "10");
	EXPECT(":11\r\n", "INCR", "x");
	/* long double arithmetic and "%.17Lf" formatting, as Redis prints. */
	EXPECT("+OK\r\n", "SET", "z", "0.1");
	EXPECT("$3\r\n0.3\r\n", "INCRBYFLOAT", "z", "0.2");
	EXPECT("$25\r\n100000000000000000.296875\r\n", "INCRBYFLOAT", "z", "1e17");
	EXPECT("+OK\r\n", "SET", "z", "1");
	EXPECT("$20\r\n-0.00000000000000001\r\n", "INCRBYFLOAT", "z", "-1.00000000000000001");
	EXPECT("+OK\r\n", "SET", "z", "1e-400");
	EXPECT("$1\r\n0\r\n", "INCRBYFLOAT", "z", "0");
	EXPECT("$3\r\n1.5\r\n", "INCRBYFLOAT", "z", "1.5");
	EXPECT("$2\r\n16\r\n", "INCRBYFLOAT", "hex", "0x10");
	EXPECT("$401\r\n10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880\r\n", "INCRBYFLOAT", "huge", "1e400");
	/* Keeps the TTL. */
	EXPECT(":1\r\n", "PEXPIRE", "x", "600");
	EXPECT("$4\r\n11.5\r\n", "INCRBYFLOAT", "x", "0.5");
	EXPECT(":600\r\n", "PTTL", "x");
}
END_TEST

START_TEST(incrbyfloat_errors)
{
	EXPECT("+OK\r\n", "SET", "k", "abc");
	EXPECT(NOTFLOAT, "INCRBYFLOAT", "k", "1");
	EXPECT("+OK\r\n", "SET", "k", " 1");
	EXPECT(NOTFLOAT, "INCRBYFLOAT", "k", "1");
	EXPECT("+OK\r\n", "SET", "k", "1");
	EXPECT(NOTFLOAT, "INCRBYFLOAT", "k", "x");
	EXPECT(NOTFLOAT, "INCRBYFLOAT", "k", "");
	EXPECT(NOTFLOAT, "INCRBYFLOAT", "k", "nan");
	EXPECT(NOTFLOAT, "INCRBYFLOAT", "k", "1.5x");
	EXPECT(NOTFLOAT, "INCRBYFLOAT", "k", " 2");
	EXPECT("-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "k", "inf");
	EXPECT("-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "k", "-inf");
	EXPECT("-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "nokey", "inf");
	EXPECT("$-1\r\n", "GET", "nokey");
	EXPECT("$1\r\n1\r\n", "GET", "k");
}
END_TEST

/* ---- stats and misc ------------------------------------------------------------- */

START_TEST(keyspace_stats)
{
	EXPECT("$-1\r\n", "GET", "a");
	ck_assert_uint_eq(fx.stats.keyspace_misses, 1);
	ck_assert_uint_eq(fx.stats.keyspace_hits, 0);
	EXPECT(":1\r\n", "INCR", "a");             /* writes do not count */
	EXPECT("+OK\r\n", "SET", "b", "x");
	ck_assert_uint_eq(fx.stats.keyspace_misses, 1);
	ck_assert_uint_eq(fx.stats.keyspace_hits, 0);
	EXPECT("$1\r\n1\r\n", "GET", "a");
	EXPECT("*3\r\n$1\r\n1\r\n$1\r\nx\r\n$-1\r\n", "MGET", "a", "b", "c");
	ck_assert_uint_eq(fx.stats.keyspace_hits, 3);
	ck_assert_uint_eq(fx.stats.keyspace_misses, 2);
	EXPECT(":1\r\n", "STRLEN", "a");
	EXPECT("$1\r\n1\r\n", "GETRANGE", "a", "0", "-1");
	EXPECT("$1\r\n1\r\n", "SET", "a", "2", "GET");
	ck_assert_uint_eq(fx.stats.keyspace_hits, 6);
	ck_assert_uint_eq(fx.stats.commands, 8);
}
END_TEST

START_TEST(cross_shard_multikey)
{
	/* Keys in many shards: MSET/MGET take all their locks. */
	const char *argv[1 + 2 * 20];
	char keys[20][16], vals[20][16];
	size_t n;
	argv[0] = "MSET";
	for (int i = 0; i < 20; i++) {
		snprintf(keys[i], sizeof keys[i], "key%d", i);
		snprintf(vals[i], sizeof vals[i], "v%d", i);
		argv[1 + 2 * i] = keys[i];
		argv[2 + 2 * i] = vals[i];
	}
	char *r = fx_execv(41, argv, NULL, &n);
	ck_assert_str_eq(r, "+OK\r\n");
	free(r);
	EXPECT("*3\r\n$2\r\nv0\r\n$3\r\nv19\r\n$2\r\nv7\r\n", "MGET", "key0", "key19", "key7");
	ck_assert_uint_eq(fx_stored(), 20);
}
END_TEST

/* Every change goes through the keyspace's write path (and so reaches the
 * change hook: replication, WATCH); reads and refused commands report none. */
START_TEST(write_path_notifications)
{
	EXPECT("+OK\r\n", "SET", "k", "v");
	CHANGES(1, 0, 0);
	EXPECT("+OK\r\n", "SET", "k", "w");                /* in place */
	EXPECT("+OK\r\n", "SET", "k", "wider");
	EXPECT("$5\r\nwider\r\n", "SET", "k", "x", "GET");
	CHANGES(3, 0, 0);
	EXPECT("$1\r\nx\r\n", "GET", "k");
	EXPECT("$-1\r\n", "SET", "k", "y", "NX");
	EXPECT("$-1\r\n", "SET", "n", "y", "XX");
	EXPECT(":0\r\n", "SETNX", "k", "y");
	EXPECT(SYNTAX, "SET", "k", "y", "NX", "XX");
	EXPECT("-ERR invalid expire time in 'set' command\r\n", "SET", "k", "y", "EX", "0");
	EXPECT(":1\r\n", "STRLEN", "k");
	EXPECT("$1\r\nx\r\n", "GETRANGE", "k", "0", "0");
	EXPECT("*1\r\n$1\r\nx\r\n", "MGET", "k");
	CHANGES(0, 0, 0);
	EXPECT(":1\r\n", "INCR", "n");
	EXPECT(":2\r\n", "INCR", "n");
	EXPECT(":12\r\n", "INCRBY", "n", "10");
	EXPECT("$4\r\n12.5\r\n", "INCRBYFLOAT", "n", "0.5");
	CHANGES(4, 0, 0);
	EXPECT(NOTINT, "INCR", "n");
	EXPECT(NOTINT, "INCR", "k");
	EXPECT("-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "n", "inf");
	fx_put_list("l");
	CHANGES(1, 0, 0);
	EXPECT(WRONGTYPE, "APPEND", "l", "x");
	EXPECT(WRONGTYPE, "SET", "l", "x", "GET");
	CHANGES(0, 0, 0);
	EXPECT("$1\r\nx\r\n", "GETEX", "k");
	EXPECT("$1\r\nx\r\n", "GETEX", "k", "PERSIST");      /* no TTL to remove */
	CHANGES(0, 0, 0);
	EXPECT("$1\r\nx\r\n", "GETEX", "k", "EX", "10");
	EXPECT("$1\r\nx\r\n", "GETEX", "k", "PERSIST");
	CHANGES(2, 0, 0);
	EXPECT(":2\r\n", "APPEND", "k", "y");
	EXPECT(":4\r\n", "SETRANGE", "k", "2", "zz");
	EXPECT(":4\r\n", "SETRANGE", "k", "2", "");
	EXPECT(":0\r\n", "SETRANGE", "nokey", "2", "");
	CHANGES(2, 0, 0);
	EXPECT("+OK\r\n", "MSET", "a", "1", "b", "2", "a", "3");
	CHANGES(3, 0, 0);
	EXPECT(":0\r\n", "MSETNX", "c", "1", "a", "2");
	CHANGES(0, 0, 0);
	EXPECT("$4\r\nxyzz\r\n", "GETDEL", "k");
	EXPECT("$-1\r\n", "GETDEL", "k");
	CHANGES(0, 1, 0);
	EXPECT("+OK\r\n", "SET", "t", "v", "PX", "5");
	fx_sleep(5);
	EXPECT("$-1\r\n", "GET", "t");
	CHANGES(1, 0, 1);
	EXPECT("+OK\r\n", "SET", "t", "v");
	EXPECT("$1\r\nv\r\n", "GETEX", "t", "PXAT", "1");
	CHANGES(1, 1, 0);
}
END_TEST

/* ---- randomized: INCRBY / APPEND / SETRANGE / GETRANGE vs a model ---------------- */

#define NKEYS 4
#define MAXV 64

struct model {
	int exists;
	char v[MAXV * 4];
	size_t len;
};

/* How often each outcome happened, so the test can insist that the random
 * walk reached every interesting case. */
static struct { int incr_ok, incr_notint, incr_overflow, range_nonempty, setrange_grow; } seen;

static uint64_t rnd(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* The model's view of "is an integer": optional '-', digits, no leading
 * zero, fits in a long long. Written independently of util.c. */
static int model_int(const struct model *m, long long *out)
{
	char buf[64];
	char *end;
	if (!m->exists) {
		*out = 0;
		return 1;
	}
	if (m->len == 0 || m->len > 20)
		return 0;
	memcpy(buf, m->v, m->len);
	buf[m->len] = '\0';
	const char *d = buf[0] == '-' ? buf + 1 : buf, *end_p = buf + m->len;
	if (d == end_p || (d[0] == '0' && (end_p - d > 1 || d != buf)))
		return 0;
	for (const char *p = d; p < end_p; p++)    /* NULs from SETRANGE too */
		if (*p < '0' || *p > '9')
			return 0;
	errno = 0;
	*out = strtoll(buf, &end, 10);
	return errno == 0;
}

static void check_reply(int argc, const char **argv, const char *want, size_t wlen, int step)
{
	size_t n;
	char *got = fx_execv(argc, argv, NULL, &n);
	ck_assert_msg(n == wlen && memcmp(got, want, n) == 0, "step %d: %s %s: got \"%s\", want \"%s\"",
		      step, argv[0], argv[1], fx_show(got, n), fx_show(want, wlen));
	free(got);
}

static void random_step(struct model *ms, uint64_t *seed, int step)
{
	char key[16], a1[32], a2[32], arg[MAXV + 1], want[MAXV * 4 + 64];
	size_t wl;
	int ki = (int)(rnd(seed) % NKEYS);
	struct model *m = &ms[ki];
	snprintf(key, sizeof key, "k%d", ki);
	int op = (int)(rnd(seed) % 5);
	if (op == 0) {                      /* INCRBY */
		long long by = (long long)(rnd(seed) % 2001) - 1000, v;
		if (rnd(seed) % 10 == 0)
			by = (rnd(seed) & 1) ? LLONG_MAX : LLONG_MIN;
		snprintf(a1, sizeof a1, "%lld", by);
		const char *argv[] = { "INCRBY", key, a1 };
		if (!model_int(m, &v)) {
			check_reply(3, argv, NOTINT, strlen(NOTINT), step);
			seen.incr_notint++;
		} else if ((by > 0 && v > LLONG_MAX - by) || (by < 0 && v < LLONG_MIN - by)) {
			const char *e = "-ERR increment or decrement would overflow\r\n";
			check_reply(3, argv, e, strlen(e), step);
			seen.incr_overflow++;
		} else {
			v += by;
			wl = (size_t)snprintf(want, sizeof want, ":%lld\r\n", v);
			check_reply(3, argv, want, wl, step);
			m->exists = 1;
			m->len = (size_t)snprintf(m->v, sizeof m->v, "%lld", v);
			seen.incr_ok++;
		}
	} else if (op == 1) {               /* APPEND */
		size_t n = rnd(seed) % 8;
		for (size_t i = 0; i < n; i++)
			arg[i] = (char)("0123456789-ab"[rnd(seed) % 13]);
		arg[n] = '\0';
		if (m->len + n > MAXV * 3)
			return;
		const char *argv[] = { "APPEND", key, arg };
		memcpy(m->v + m->len, arg, n);
		m->len += n;
		m->exists = 1;
		wl = (size_t)snprintf(want, sizeof want, ":%zu\r\n", m->len);
		check_reply(3, argv, want, wl, step);
	} else if (op == 2) {               /* SETRANGE */
		size_t off = rnd(seed) % (MAXV + 1), n = rnd(seed) % 4;
		for (size_t i = 0; i < n; i++)
			arg[i] = (char)('0' + rnd(seed) % 10);
		arg[n] = '\0';
		snprintf(a1, sizeof a1, "%zu", off);
		const char *argv[] = { "SETRANGE", key, a1, arg };
		if (n > 0) {
			if (off + n > m->len) {
				seen.setrange_grow++;
				for (size_t i = m->len; i < off + n; i++)
					m->v[i] = '\0';
				m->len = off + n;
			}
			memcpy(m->v + off, arg, n);
			m->exists = 1;
		}
		wl = (size_t)snprintf(want, sizeof want, ":%zu\r\n", m->exists ? m->len : (size_t)0);
		check_reply(4, argv, want, wl, step);
	} else if (op == 3) {               /* GETRANGE, by walking indexes */
		long long s = (long long)(rnd(seed) % 161) - 80, e = (long long)(rnd(seed) % 161) - 80;
		long long len = (long long)m->len, from, to;
		snprintf(a1, sizeof a1, "%lld", s);
		snprintf(a2, sizeof a2, "%lld", e);
		const char *argv[] = { "GETRANGE", key, a1, a2 };
		/* The documented rule: negative = from the end; clamp; an
		 * inverted negative pair is empty. */
		from = s < 0 ? len + s : s;
		to = e < 0 ? len + e : e;
		if (from < 0)
			from = 0;
		if (to < 0)
			to = 0;
		if (to > len - 1)
			to = len - 1;
		size_t o = 0;
		char body[MAXV * 4];
		if (!(s < 0 && e < 0 && s > e))
			for (long long i = from; i <= to; i++)
				body[o++] = m->v[i];
		seen.range_nonempty += o > 0;
		wl = (size_t)snprintf(want, sizeof want, "$%zu\r\n", o);
		memcpy(want + wl, body, o);
		memcpy(want + wl + o, "\r\n", 2);
		check_reply(4, argv, want, wl + o + 2, step);
	} else {                            /* SET a small number or a word */
		if (rnd(seed) % 3)
			snprintf(arg, sizeof arg, "%lld", (long long)(rnd(seed) % 2000) - 1000);
		else
			snprintf(arg, sizeof arg, "w%u", (unsigned)(rnd(seed) % 100));
		const char *argv[] = { "SET", key, arg };
		check_reply(3, argv, "+OK\r\n", 5, step);
		m->exists = 1;
		m->len = strlen(arg);
		memcpy(m->v, arg, m->len);
	}
}

START_TEST(randomized_vs_model)
{
	struct model ms[NKEYS];
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)_i;
	memset(ms, 0, sizeof ms);
	for (int step = 0; step < 4000; step++)
		random_step(ms, &seed, step);
	ck_assert_int_gt(seen.incr_ok, 100);
	ck_assert_int_gt(seen.incr_notint, 10);
	ck_assert_int_gt(seen.incr_overflow, 0);
	ck_assert_int_gt(seen.range_nonempty, 100);
	ck_assert_int_gt(seen.setrange_grow, 10);
	/* The final values match the model byte for byte. */
	for (int i = 0; i < NKEYS; i++) {
		char key[16], want[MAXV * 4 + 32];
		size_t wl;
		snprintf(key, sizeof key, "k%d", i);
		const char *argv[] = { "GET", key };
		if (!ms[i].exists) {
			check_reply(2, argv, "$-1\r\n", 5, -1);
			continue;
		}
		wl = (size_t)snprintf(want, sizeof want, "$%zu\r\n", ms[i].len);
		memcpy(want + wl, ms[i].v, ms[i].len);
		memcpy(want + wl + ms[i].len, "\r\n", 2);
		check_reply(2, argv, want, wl + ms[i].len + 2, -1);
	}
}
END_TEST

/* A pipelined batch run with the engine's prefetch hints (as the daemon
 * does: kvs_prefetch_batch on the read buffer, then parse and execute in
 * place) answers exactly what the commands mean, also where a hint is
 * wrong: a SELECT in the batch, a command without a key, a multi-key one. */
static const char pf_batch[] =
	"*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n"
	"*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n"
	"*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n"
	"*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n"
	"*2\r\n$6\r\nEXISTS\r\n$2\r\nk1\r\n"
	"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
	"*2\r\n$3\r\nGET\r\n$2\r\nk1\r\n"
	"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"
	"*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n"
	"*2\r\n$7\r\nSLOWLOG\r\n$3\r\nLEN\r\n"
	"*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
	"*2\r\n$3\r\nGET\r\n$1\r\nb\r\n";

static void pf_run(int hints)
{
	char buf[sizeof pf_batch];
	struct resp_parser p;
	size_t off = 0, len = sizeof pf_batch - 1;
	memcpy(buf, pf_batch, sizeof pf_batch);
	resp_parser_init(&p);
	fx.out.len = 0;
	if (hints) {
		kvs_prefetch_batch(&fx.c, buf, len);
		/* All twelve requests have a second argument (SLOWLOG's is no key:
		 * a hint that is never taken). */
		ck_assert_uint_eq(fx.c.npf, 12);
		ck_assert_ptr_eq(fx.c.pf[0].p, buf + strlen("*3\r\n$3\r\nSET\r\n$2\r\n"));
		ck_assert_uint_eq(fx.c.pf[0].hash, kvs_hash64("k1", 2, fx.eng.ks.seed));
		ck_assert_uint_eq(fx.c.pf[0].shard, kvs_key_shard("k1", 2));
	}
	while (off < len) {
		size_t used = 0;
		ck_assert_int_eq(resp_parse(&p, buf + off, len - off, NULL, &used), RESP_OK);
		fx.c.argc = p.argc;
		fx.c.argv = p.argv;
		kvs_exec(&fx.c);
		ck_assert_uint_eq(fx.c.locked, 0);
		off += used;
	}
	if (hints)
		ck_assert_uint_gt(fx.c.ipf, 0);   /* the hints were taken */
	kvs_prefetch_end(&fx.c);
	fx.c.argv = NULL;
	resp_parser_free(&p);
}

START_TEST(pipelined_batch_with_prefetch_hints)
{
	const char want[] = "+OK\r\n$2\r\nv1\r\n+OK\r\n$-1\r\n:0\r\n+OK\r\n$2\r\nv1\r\n:1\r\n:2\r\n:0\r\n"
			    "+OK\r\n$1\r\n2\r\n";
	for (int hints = 1; hints >= 0; hints--) {
		pf_run(hints);
		ck_assert_msg(fx.out.len == strlen(want) && !memcmp(fx.out.data, want, fx.out.len),
			      "hints=%d: %s", hints, fx_show(fx.out.data, fx.out.len));
		EXPECT("$1\r\n2\r\n", "GET", "n");
		EXPECT(":4\r\n", "DEL", "k1", "n", "a", "b");
	}
}
END_TEST

static Suite *string_suite(void)
{
	Suite *s = suite_create("t_string");
	TCase *tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, get_set_basic);
	tcase_add_test(tc, pipelined_batch_with_prefetch_hints);
	tcase_add_test(tc, get_set_binary);
	tcase_add_test(tc, set_same_size_in_place_and_resize);
	tcase_add_test(tc, set_large_value);
	tcase_add_test(tc, set_nx_xx);
	tcase_add_test(tc, set_get_option);
	tcase_add_test(tc, set_expire_options);
	tcase_add_test(tc, set_expire_lazy);
	tcase_add_test(tc, set_syntax_errors);
	tcase_add_test(tc, set_expire_errors);
	tcase_add_test(tc, setnx_setex_psetex);
	tcase_add_test(tc, mget_mset);
	tcase_add_test(tc, mget_resp3);
	tcase_add_test(tc, msetnx);
	tcase_add_test(tc, getset);
	tcase_add_test(tc, getdel);
	tcase_add_test(tc, getex_options);
	tcase_add_test(tc, getex_errors);
	tcase_add_test(tc, wrongtype_everywhere);
	tcase_add_test(tc, append_strlen);
	tcase_add_test(tc, append_maxlen);
	tcase_add_test(tc, getrange);
	tcase_add_test(tc, setrange);
	tcase_add_test(tc, setrange_maxlen_small);
	tcase_add_test(tc, incr_decr);
	tcase_add_test(tc, incr_errors);
	tcase_add_test(tc, incr_keeps_ttl);
	tcase_add_test(tc, incrbyfloat);
	tcase_add_test(tc, incrbyfloat_errors);
	tcase_add_test(tc, keyspace_stats);
	tcase_add_test(tc, cross_shard_multikey);
	tcase_add_test(tc, write_path_notifications);
	tcase_add_loop_test(tc, randomized_vs_model, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(string_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
