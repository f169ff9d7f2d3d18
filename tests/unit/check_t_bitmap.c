/*
 * check_t_bitmap.c - the bit commands and LCS through kvs_exec, checked
 * against the RESP bytes redis-server 7.0 sends for the same requests, and
 * randomized runs against a plain bit-array model.
 */
#include "config.h"
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "exec_fixture.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define BADOFF "-ERR bit offset is not an integer or out of range\r\n"
#define BADBIT "-ERR bit is not an integer or out of range\r\n"
#define BADTYPE "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n"

/* SET key to n raw bytes (may contain NULs). */
static void set_bin(const char *key, const void *v, size_t n)
{
	const char *argv[] = { "SET", key, v };
	size_t lens[] = { 3, strlen(key), n }, len;
	char *r = fx_execv(3, argv, lens, &len);
	ck_assert_str_eq(r, "+OK\r\n");
	free(r);
}

/* ---- SETBIT / GETBIT ------------------------------------------------------ */

START_TEST(setbit_getbit_basic)
{
	EXPECT(":0\r\n", "SETBIT", "k", "7", "1");
	EXPECT_BIN("$1\r\n\x01\r\n", "GET", "k");
	EXPECT(":1\r\n", "GETBIT", "k", "7");
	EXPECT(":0\r\n", "GETBIT", "k", "6");
	EXPECT(":0\r\n", "GETBIT", "k", "100");      /* past the end */
	EXPECT(":0\r\n", "GETBIT", "nokey", "5");
	EXPECT(":0\r\n", "SETBIT", "k", "0", "1");
	EXPECT_BIN("$1\r\n\x81\r\n", "GET", "k");
	EXPECT(":1\r\n", "SETBIT", "k", "0", "0");
	EXPECT_BIN("$1\r\n\x01\r\n", "GET", "k");
	/* Growing pads with zero bytes. */
	EXPECT(":0\r\n", "SETBIT", "k", "23", "1");
	EXPECT_BIN("$3\r\n\x01\x00\x01\r\n", "GET", "k");
	EXPECT(":1\r\n", "SETBIT", "k", "23", "0");
	EXPECT_BIN("$3\r\n\x01\x00\x00\r\n", "GET", "k");
	/* SETBIT on a string written by SET works on its bytes. */
	EXPECT("+OK\r\n", "SET", "s", "A");          /* 0x41 */
	EXPECT(":1\r\n", "GETBIT", "s", "1");
	EXPECT(":0\r\n", "SETBIT", "s", "2", "1");
	EXPECT("$1\r\na\r\n", "GET", "s");
}
END_TEST

START_TEST(setbit_errors)
{
	EXPECT(BADOFF, "SETBIT", "k", "-1", "1");
	EXPECT(BADOFF, "SETBIT", "k", "4294967296", "1");
	EXPECT(BADOFF, "SETBIT", "k", "x", "1");
	EXPECT(BADOFF, "SETBIT", "k", "01", "1");
	EXPECT(BADOFF, "SETBIT", "k", "x", "2");     /* offset is checked first */
	EXPECT(BADBIT, "SETBIT", "k", "4294967295", "2");
	EXPECT(BADBIT, "SETBIT", "k", "1", "-1");
	EXPECT(BADBIT, "SETBIT", "k", "1", "x");
	EXPECT(BADOFF, "GETBIT", "k", "-1");
	EXPECT(BADOFF, "GETBIT", "k", "4294967296");
	EXPECT(BADOFF, "GETBIT", "nokey", "x");
	EXPECT("-ERR wrong number of arguments for 'setbit' command\r\n", "SETBIT", "k", "1");
	ck_assert_int_eq(fx_type("k"), -1);
	fx_put_list("l");
	EXPECT(WRONGTYPE, "SETBIT", "l", "1", "1");
	EXPECT(WRONGTYPE, "GETBIT", "l", "1");
}
END_TEST

START_TEST(setbit_max_offset_and_bulk_len)
{
	/* The largest offset under the default 512 MB limit. */
	EXPECT(":0\r\n", "SETBIT", "big", "4294967295", "1");
	EXPECT(":536870912\r\n", "STRLEN", "big");
	EXPECT(":1\r\n", "GETBIT", "big", "4294967295");
	EXPECT(":1\r\n", "BITCOUNT", "big");
	EXPECT(":4294967295\r\n", "BITPOS", "big", "1");
	EXPECT(":0\r\n", "BITPOS", "big", "0");
	EXPECT(":1\r\n", "BITCOUNT", "big", "-1", "-1");
	EXPECT("+OK\r\n", "SET", "big", "x");       /* free it */
	/* The limit follows proto-max-bulk-len. */
	fx.eng.proto_max_bulk_len = 10;
	EXPECT(":0\r\n", "SETBIT", "k", "79", "1");
	EXPECT(BADOFF, "SETBIT", "k", "80", "1");
	EXPECT(BADOFF, "GETBIT", "k", "80");
}
END_TEST

START_TEST(setbit_write_path)
{
	CHANGES(0, 0, 0);
	EXPECT(":0\r\n", "SETBIT", "k", "3", "1");
	CHANGES(1, 0, 0);
	/* Setting a bit to the value it has is not a write (Redis 7). */
	EXPECT(":1\r\n", "SETBIT", "k", "3", "1");
	EXPECT(":0\r\n", "SETBIT", "k", "4", "0");
	CHANGES(0, 0, 0);
	EXPECT(":0\r\n", "SETBIT", "k", "100", "0");    /* grows: a write */
	CHANGES(1, 0, 0);
	EXPECT(":13\r\n", "STRLEN", "k");
	/* A TTL survives SETBIT. */
	EXPECT(":1\r\n", "EXPIRE", "k", "100");
	EXPECT(":0\r\n", "SETBIT", "k", "5", "1");
	EXPECT(":100\r\n", "TTL", "k");
	EXPECT(":0\r\n", "SETBIT", "k", "1000", "1");
	EXPECT(":100\r\n", "TTL", "k");
}
END_TEST

/* ---- BITCOUNT ------------------------------------------------------------- */

START_TEST(bitcount_ranges)
{
	EXPECT("+OK\r\n", "SET", "s", "foobar");
	EXPECT(":26\r\n", "BITCOUNT", "s");
	EXPECT(":4\r\n", "BITCOUNT", "s", "0", "0");
	EXPECT(":6\r\n", "BITCOUNT", "s", "1", "1");
	EXPECT(":6\r\n", "BITCOUNT", "s", "1", "1", "byte");
	EXPECT(":17\r\n", "BITCOUNT", "s", "5", "30", "bit");
	EXPECT(":7\r\n", "BITCOUNT", "s", "-2", "-1");
	EXPECT(":0\r\n", "BITCOUNT", "s", "-1", "-2");
	EXPECT(":4\r\n", "BITCOUNT", "s", "-100", "-50");
	EXPECT(":10\r\n", "BITCOUNT", "s", "3", "100");
	EXPECT(":26\r\n", "BITCOUNT", "s", "0", "-1", "BIT");
	EXPECT(":0\r\n", "BITCOUNT", "s", "48", "100", "bit");
	EXPECT("+OK\r\n", "SET", "e", "");
	EXPECT(":0\r\n", "BITCOUNT", "e");
	EXPECT(":0\r\n", "BITCOUNT", "e", "0", "-1");
}
END_TEST

START_TEST(bitcount_errors)
{
	/* A missing key answers 0 before its arguments are looked at. */
	EXPECT(":0\r\n", "BITCOUNT", "nokey");
	EXPECT(":0\r\n", "BITCOUNT", "nokey", "0");
	EXPECT(":0\r\n", "BITCOUNT", "nokey", "a", "b");
	EXPECT(":0\r\n", "BITCOUNT", "nokey", "0", "1", "foo");
	EXPECT(":0\r\n", "SETBIT", "k", "7", "1");
	EXPECT(SYNTAX, "BITCOUNT", "k", "0");
	EXPECT(NOTINT, "BITCOUNT", "k", "a", "b");
	EXPECT(SYNTAX, "BITCOUNT", "k", "0", "-1", "foo");
	EXPECT(SYNTAX, "BITCOUNT", "k", "0", "-1", "bit", "extra");
	/* Both negative and inverted: 0 before the unit word is checked. */
	EXPECT(":0\r\n", "BITCOUNT", "k", "-1", "-2", "foo");
	fx_put_list("l");
	EXPECT(WRONGTYPE, "BITCOUNT", "l");
}
END_TEST

/* ---- BITPOS --------------------------------------------------------------- */

START_TEST(bitpos_basic)
{
	set_bin("ff", "\xff\xf0\x00", 3);
	EXPECT(":12\r\n", "BITPOS", "ff", "0");
	EXPECT(":0\r\n", "BITPOS", "ff", "1");
	EXPECT(":-1\r\n", "BITPOS", "ff", "1", "2");
	EXPECT(":-1\r\n", "BITPOS", "ff", "0", "0", "0");
	EXPECT(":12\r\n", "BITPOS", "ff", "0", "0", "1");
	EXPECT(":-1\r\n", "BITPOS", "ff", "0", "5", "6");
	EXPECT(":20\r\n", "BITPOS", "ff", "0", "20", "-1", "bit");
	EXPECT(":-1\r\n", "BITPOS", "ff", "1", "20", "-1", "bit");
	EXPECT(":-1\r\n", "BITPOS", "ff", "0", "0", "7", "bit");
	EXPECT(":12\r\n", "BITPOS", "ff", "0", "0", "-1", "bit");
	EXPECT(":-1\r\n", "BITPOS", "ff", "0", "0", "11", "bit");
	EXPECT(":12\r\n", "BITPOS", "ff", "0", "0", "12", "BIT");
	EXPECT(":-1\r\n", "BITPOS", "ff", "1", "-1");
	EXPECT(":8\r\n", "BITPOS", "ff", "1", "-2");
	EXPECT(":12\r\n", "BITPOS", "ff", "0", "9", "-1", "bit");
	EXPECT(NOTINT, "BITPOS", "ff", "0", "9", "bit");   /* "bit" is the end here */
}
END_TEST

START_TEST(bitpos_clear_bit_past_the_end)
{
	/* All ones: without an explicit end the string is zero-padded, so the
	 * first clear bit is just past it; with an end there is none. */
	set_bin("ones", "\xff\xff", 2);
	EXPECT(":16\r\n", "BITPOS", "ones", "0");
	EXPECT(":16\r\n", "BITPOS", "ones", "0", "0");
	EXPECT(":16\r\n", "BITPOS", "ones", "0", "1");
	EXPECT(":-1\r\n", "BITPOS", "ones", "0", "0", "-1");
	EXPECT(":-1\r\n", "BITPOS", "ones", "0", "0", "-1", "bit");
	EXPECT(":-1\r\n", "BITPOS", "ones", "0", "3");   /* empty range */
	/* A missing key is all zeros; an empty string has no bits at all. */
	EXPECT(":0\r\n", "BITPOS", "nokey", "0");
	EXPECT(":-1\r\n", "BITPOS", "nokey", "1");
	EXPECT("+OK\r\n", "SET", "e", "");
	EXPECT(":-1\r\n", "BITPOS", "e", "0");
	EXPECT(":-1\r\n", "BITPOS", "e", "1");
	EXPECT(":-1\r\n", "BITPOS", "e", "0", "0");
}
END_TEST

START_TEST(bitpos_errors)
{
	set_bin("ones", "\xff\xff", 2);
	EXPECT("-ERR The bit argument must be 1 or 0.\r\n", "BITPOS", "ones", "2");
	EXPECT("-ERR The bit argument must be 1 or 0.\r\n", "BITPOS", "nokey", "2");
	EXPECT(NOTINT, "BITPOS", "ones", "x");
	EXPECT(":0\r\n", "BITPOS", "nokey", "0", "a");
	EXPECT(":0\r\n", "BITPOS", "nokey", "0", "1", "2", "byte", "x");
	EXPECT(NOTINT, "BITPOS", "ones", "0", "0", "bit");
	EXPECT(NOTINT, "BITPOS", "ones", "0", "1", "x");
	EXPECT(SYNTAX, "BITPOS", "ones", "0", "1", "x", "foo");   /* unit before end */
	EXPECT(SYNTAX, "BITPOS", "ones", "0", "1", "2", "3");
	EXPECT(SYNTAX, "BITPOS", "ones", "0", "1", "2", "BYTE", "3");
	EXPECT(NOTINT, "BITPOS", "ones", "0", "3", "bit");
	fx_put_list("l");
	EXPECT(WRONGTYPE, "BITPOS", "l", "1");
}
END_TEST

/* ---- BITOP ---------------------------------------------------------------- */

START_TEST(bitop_ops)
{
	set_bin("a", "\x0f\xf0", 2);
	set_bin("b", "\xff", 1);
	EXPECT(":2\r\n", "BITOP", "and", "d", "a", "b");
	EXPECT_BIN("$2\r\n\x0f\x00\r\n", "GET", "d");
	EXPECT(":2\r\n", "BITOP", "OR", "d", "a", "b");
	EXPECT_BIN("$2\r\n\xff\xf0\r\n", "GET", "d");
	EXPECT(":2\r\n", "BITOP", "xor", "d", "a", "b");
	EXPECT_BIN("$2\r\n\xf0\xf0\r\n", "GET", "d");
	EXPECT(":2\r\n", "BITOP", "not", "d", "a");
	EXPECT_BIN("$2\r\n\xf0\x0f\r\n", "GET", "d");
	EXPECT(":2\r\n", "BITOP", "and", "d", "a", "nokey");
	EXPECT_BIN("$2\r\n\x00\x00\r\n", "GET", "d");
	/* The destination may be a source. */
	EXPECT(":2\r\n", "BITOP", "xor", "a", "a", "b");
	EXPECT_BIN("$2\r\n\xf0\xf0\r\n", "GET", "a");
}
END_TEST

START_TEST(bitop_empty_result_and_ttl)
{
	EXPECT("+OK\r\n", "SET", "d", "x");
	EXPECT(":1\r\n", "EXPIRE", "d", "100");
	EXPECT("+OK\r\n", "SET", "a", "ab");
	EXPECT(":2\r\n", "BITOP", "or", "d", "a");
	EXPECT(":-1\r\n", "TTL", "d");            /* the result has no TTL */
	CHANGES(4, 0, 0);
	/* An empty result deletes the destination. */
	EXPECT(":0\r\n", "BITOP", "and", "d", "nokey", "nokey2");
	EXPECT("$-1\r\n", "GET", "d");
	CHANGES(0, 1, 0);
	EXPECT(":0\r\n", "BITOP", "and", "d", "nokey");
	CHANGES(0, 0, 0);
	EXPECT("+OK\r\n", "SET", "e", "");
	EXPECT(":0\r\n", "BITOP", "not", "d", "e");
	EXPECT("$-1\r\n", "GET", "d");
}
END_TEST

START_TEST(bitop_errors)
{
	EXPECT("+OK\r\n", "SET", "a", "x");
	EXPECT("-ERR BITOP NOT must be called with a single source key.\r\n", "BITOP", "not", "d", "a", "b");
	EXPECT(SYNTAX, "BITOP", "foo", "d", "a");
	EXPECT("-ERR wrong number of arguments for 'bitop' command\r\n", "BITOP", "not", "d");
	fx_put_list("l");
	EXPECT(WRONGTYPE, "BITOP", "and", "d", "a", "l");
	EXPECT(WRONGTYPE, "BITOP", "not", "d", "l");
	EXPECT("$-1\r\n", "GET", "d");
}
END_TEST

START_TEST(bitop_long_and_many_sources)
{
	/* Long enough for the word loops, odd lengths for the tails, more
	 * sources than the stack array. */
	char key[8], want[64];
	const char *argv[24] = { "BITOP", "or", "dst" };
	size_t len;
	for (int i = 0; i < 20; i++) {
		char v[40];
		snprintf(key, sizeof key, "s%d", i);
		memset(v, 0, sizeof v);
		v[i] = (char)(1u << (i % 8));
		set_bin(key, v, 21 + (size_t)i % 3);
		argv[3 + i] = strdup(key);
	}
	char *r = fx_execv(23, argv, NULL, &len);
	ck_assert_str_eq(r, ":23\r\n");
	free(r);
	memcpy(want, "$23\r\n", 5);
	for (int i = 0; i < 23; i++)
		want[5 + i] = i < 20 ? (char)(1u << (i % 8)) : 0;
	memcpy(want + 28, "\r\n", 2);
	const char *get[] = { "GET", "dst" };
	r = fx_execv(2, get, NULL, &len);
	ck_assert_uint_eq(len, 30);
	ck_assert(memcmp(r, want, 30) == 0);
	free(r);
	for (int i = 0; i < 20; i++)
		free((void *)argv[3 + i]);
}
END_TEST

/* ---- BITFIELD ------------------------------------------------------------- */

START_TEST(bitfield_parse_errors)
{
	EXPECT("*0\r\n", "BITFIELD", "k");
	EXPECT(SYNTAX, "BITFIELD", "k", "get");
	EXPECT(SYNTAX, "BITFIELD", "k", "get", "u8");
	EXPECT(SYNTAX, "BITFIELD", "k", "foo");
	EXPECT(BADTYPE, "BITFIELD", "k", "get", "U8", "0");
	EXPECT(BADTYPE, "BITFIELD", "k", "get", "u64", "0");
	EXPECT(BADTYPE, "BITFIELD", "k", "get", "i65", "0");
	EXPECT(BADTYPE, "BITFIELD", "k", "get", "u0", "0");
	EXPECT(BADTYPE, "BITFIELD", "k", "get", "i", "0");
	EXPECT(BADTYPE, "BITFIELD", "k", "get", "i08", "0");
	EXPECT(BADOFF, "BITFIELD", "k", "get", "i8", "-1");
	EXPECT(BADOFF, "BITFIELD", "k", "get", "i8", "#-1");
	EXPECT(BADOFF, "BITFIELD", "k", "get", "i8", "#");
	EXPECT(BADOFF, "BITFIELD", "k", "get", "i8", "4294967296");
	EXPECT(BADOFF, "BITFIELD", "k", "get", "i8", "#536870912");
	EXPECT(BADOFF, "BITFIELD", "k", "get", "i64", "#9223372036854775807");
	EXPECT("*1\r\n:0\r\n", "BITFIELD", "k", "get", "i8", "#536870911");
	EXPECT("-ERR Invalid OVERFLOW type specified\r\n", "BITFIELD", "k", "overflow", "foo", "set", "u8", "0", "1");
	EXPECT(SYNTAX, "BITFIELD", "k", "overflow");
	EXPECT(SYNTAX, "BITFIELD", "k", "set", "u8", "0");
	EXPECT(NOTINT, "BITFIELD", "k", "set", "u8", "0", "x");
	EXPECT(NOTINT, "BITFIELD", "k", "incrby", "u8", "0", "x");
	EXPECT(SYNTAX, "BITFIELD", "k", "set", "u8", "0", "1", "get");
	EXPECT("*0\r\n", "BITFIELD", "k", "overflow", "sat");
	/* Reads of a missing key create nothing. */
	ck_assert_int_eq(fx_type("k"), -1);
	fx_put_list("l");
	EXPECT(WRONGTYPE, "BITFIELD", "l", "get", "u8", "0");
	EXPECT(WRONGTYPE, "BITFIELD_RO", "l", "get", "u8", "0");
	EXPECT(WRONGTYPE, "BITFIELD", "l", "set", "u8", "0", "1");
}
END_TEST

START_TEST(bitfield_set_get_overflow)
{
	EXPECT("*2\r\n:0\r\n:255\r\n", "BITFIELD", "k", "set", "u8", "0", "255", "get", "u8", "0");
	EXPECT("*1\r\n:255\r\n", "BITFIELD", "k", "set", "u8", "0", "256");
	EXPECT("*1\r\n:0\r\n", "BITFIELD", "k", "set", "u8", "0", "-1");
	EXPECT("*1\r\n:255\r\n", "BITFIELD", "k", "overflow", "sat", "set", "u8", "0", "256");
	/* An unsigned SET takes a negative value as a huge one. */
	EXPECT("*1\r\n:255\r\n", "BITFIELD", "k", "overflow", "sat", "set", "u8", "0", "-1");
	EXPECT("*1\r\n:255\r\n", "BITFIELD", "k", "overflow", "sat", "set", "u8", "0", "-100");
	EXPECT("*1\r\n$-1\r\n", "BITFIELD", "k", "overflow", "fail", "set", "u8", "0", "-1");
	EXPECT("*5\r\n:-1\r\n:-128\r\n:72\r\n:73\r\n:73\r\n", "BITFIELD", "k", "set", "i8", "0", "127",
	       "incrby", "i8", "0", "1", "overflow", "sat", "incrby", "i8", "0", "200", "overflow", "fail",
	       "incrby", "i8", "0", "1", "get", "i8", "0");
	EXPECT("*2\r\n:5260204364768739328\r\n:-9223372036854775808\r\n", "BITFIELD", "k", "set", "i64",
	       "0", "9223372036854775807", "incrby", "i64", "0", "1");
	EXPECT("*2\r\n:-1\r\n:-9223372036854775808\r\n", "BITFIELD", "k", "overflow", "sat", "incrby",
	       "i64", "0", "9223372036854775807", "incrby", "i64", "0", "-9223372036854775808");
	EXPECT("*4\r\n:4611686018427387904\r\n:0\r\n:0\r\n:0\r\n", "BITFIELD", "k", "set", "u63", "0",
	       "9223372036854775807", "incrby", "u63", "0", "1", "overflow", "sat", "incrby", "u63", "0",
	       "-1", "incrby", "u63", "0", "-9223372036854775808");
	EXPECT("*4\r\n:0\r\n:15\r\n:7680\r\n:-1\r\n", "BITFIELD", "k", "set", "u4", "3", "15", "get",
	       "u4", "3", "get", "u16", "0", "get", "i4", "3");
	EXPECT("*3\r\n:0\r\n:-3\r\n:29\r\n", "BITFIELD", "k", "set", "i5", "100", "-3", "get", "i5",
	       "100", "get", "u5", "100");
	EXPECT("*2\r\n:30\r\n:1\r\n", "BITFIELD_RO", "k", "get", "u8", "0", "get", "i3", "1");
	EXPECT("*1\r\n:0\r\n", "BITFIELD", "k", "incrby", "u2", "100", "1");
	EXPECT_BIN("$14\r\n\x1e\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x80\r\n", "GET", "k");
}
END_TEST

START_TEST(bitfield_more_overflow)
{
	/* Expected values from redis-server 7.0 for the same sequence. */
	EXPECT("*6\r\n:0\r\n:-5\r\n:9223372036854775805\r\n:9223372036854775803\r\n:-5\r\n:0\r\n",
	       "BITFIELD", "k", "set", "i64", "3", "-5", "get", "i64", "3", "get", "u63", "3", "get",
	       "u63", "4", "get", "i7", "60", "set", "u1", "70", "1");
	EXPECT("*5\r\n:0\r\n:-123456\r\n:4294843840\r\n:999876544\r\n:2147483647\r\n", "BITFIELD", "k",
	       "set", "i32", "#3", "-123456", "get", "i32", "#3", "get", "u32", "#3", "incrby", "i32",
	       "#3", "1000000000", "overflow", "sat", "incrby", "i32", "#3", "2000000000");
	EXPECT("*1\r\n:-147483649\r\n", "BITFIELD", "k", "incrby", "i32", "#3", "2000000000");
	EXPECT("*5\r\n:0\r\n:72\r\n:0\r\n$-1\r\n:0\r\n", "BITFIELD", "k", "set", "u7", "1001", "100",
	       "incrby", "u7", "1001", "100", "overflow", "sat", "incrby", "u7", "1001", "-300",
	       "overflow", "fail", "incrby", "u7", "1001", "128", "get", "u7", "1001");
	EXPECT("*4\r\n$-1\r\n$-1\r\n:31\r\n:-128\r\n", "BITFIELD", "k", "overflow", "fail", "set",
	       "i8", "0", "128", "set", "i8", "0", "-129", "set", "i8", "0", "-128", "overflow", "wrap",
	       "set", "i8", "0", "200");
	EXPECT("*1\r\n:-56\r\n", "BITFIELD", "k", "overflow", "sat", "set", "i8", "0", "-1000");
	EXPECT("*1\r\n:-128\r\n", "BITFIELD", "k", "get", "i8", "0");
	EXPECT("*4\r\n:0\r\n:1\r\n:1\r\n:1\r\n", "BITFIELD", "k", "overflow", "sat", "set", "u1", "5",
	       "2", "set", "u1", "5", "-2", "overflow", "wrap", "set", "u1", "5", "3", "get", "u1", "5");
}
END_TEST

START_TEST(bitfield_ro_and_write_path)
{
	EXPECT("-ERR BITFIELD_RO only supports the GET subcommand\r\n", "BITFIELD_RO", "k", "set", "u8", "0", "1");
	EXPECT("-ERR BITFIELD_RO only supports the GET subcommand\r\n", "BITFIELD_RO", "k", "incrby", "u8", "0", "1");
	EXPECT("*1\r\n:0\r\n", "BITFIELD_RO", "k", "overflow", "sat", "get", "u8", "0");
	EXPECT("*0\r\n", "BITFIELD_RO", "k");
	CHANGES(0, 0, 0);
	/* A FAILed write still creates the key, zero-filled, as Redis does. */
	EXPECT("*1\r\n$-1\r\n", "BITFIELD", "nk", "overflow", "fail", "incrby", "u8", "0", "300");
	EXPECT(":1\r\n", "STRLEN", "nk");
	CHANGES(1, 0, 0);
	/* Writing the same value again changes nothing. */
	EXPECT("*1\r\n:0\r\n", "BITFIELD", "nk", "set", "u8", "0", "0");
	CHANGES(0, 0, 0);
	EXPECT("*1\r\n:0\r\n", "BITFIELD", "nk", "set", "u8", "0", "7");
	CHANGES(1, 0, 0);
	EXPECT("*1\r\n:0\r\n", "BITFIELD", "nk", "get", "u8", "8");
	EXPECT(":1\r\n", "STRLEN", "nk");
}
END_TEST

/* ---- LCS ------------------------------------------------------------------ */

START_TEST(lcs_replies)
{
	EXPECT("+OK\r\n", "MSET", "key1", "ohmytext", "key2", "mynewtext");
	EXPECT("$6\r\nmytext\r\n", "LCS", "key1", "key2");
	EXPECT(":6\r\n", "LCS", "key1", "key2", "len");
	EXPECT("*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n"
	       ":3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n", "LCS", "key1", "key2", "idx");
	EXPECT("*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n",
	       "LCS", "key1", "key2", "idx", "minmatchlen", "4");
	EXPECT("*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n",
	       "LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN");
	EXPECT("*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n"
	       ":2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n",
	       "LCS", "key1", "key2", "idx", "withmatchlen");
	EXPECT("*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n"
	       ":3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n", "LCS", "key1", "key2", "minmatchlen", "-5", "idx");
	EXPECT("$6\r\nmytext\r\n", "LCS", "key1", "key2", "withmatchlen");
	EXPECT(":6\r\n", "LCS", "key1", "key2", "withmatchlen", "len");
	EXPECT("$0\r\n\r\n", "LCS", "key1", "nokey");
	EXPECT("*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n", "LCS", "nokey", "nokey2", "idx");
	EXPECT("+OK\r\n", "MSET", "x1", "abcdefghABCDEFGHabcdxyzw", "x2", "xyzwabcdABCDzzzzzEFGHabcd");
	EXPECT("$16\r\nabcdABCDEFGHabcd\r\n", "LCS", "x1", "x2");
	EXPECT("*4\r\n$7\r\nmatches\r\n*3\r\n*3\r\n*2\r\n:12\r\n:19\r\n*2\r\n:17\r\n:24\r\n:8\r\n*3\r\n*2\r\n"
	       ":8\r\n:11\r\n*2\r\n:8\r\n:11\r\n:4\r\n*3\r\n*2\r\n:0\r\n:3\r\n*2\r\n:4\r\n:7\r\n:4\r\n"
	       "$3\r\nlen\r\n:16\r\n", "LCS", "x1", "x2", "idx", "withmatchlen");
	/* RESP3: IDX is a map. */
	fx.c.proto = 3;
	EXPECT("%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n",
	       "LCS", "key1", "key2", "idx", "minmatchlen", "3");
}
END_TEST

START_TEST(lcs_errors)
{
	EXPECT("+OK\r\n", "MSET", "key1", "ohmytext", "key2", "mynewtext");
	EXPECT("-ERR If you want both the length and indexes, please just use IDX.\r\n", "LCS", "key1", "key2", "idx", "len");
	EXPECT("-ERR If you want both the length and indexes, please just use IDX.\r\n", "LCS", "key1", "key2", "len", "idx");
	EXPECT(SYNTAX, "LCS", "key1", "key2", "foo");
	EXPECT(SYNTAX, "LCS", "key1", "key2", "minmatchlen");
	EXPECT(NOTINT, "LCS", "key1", "key2", "minmatchlen", "x");
	EXPECT("-ERR wrong number of arguments for 'lcs' command\r\n", "LCS", "key1");
	fx_put_list("l");
	EXPECT("-ERR The specified keys must contain string values\r\n", "LCS", "key1", "l");
	EXPECT("-ERR The specified keys must contain string values\r\n", "LCS", "l", "key1", "foo");
	/* The transient table is capped by proto-max-bulk-len. */
	fx.eng.proto_max_bulk_len = 100;
	EXPECT("-ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len\r\n",
	       "LCS", "key1", "key2");
}
END_TEST

/* ---- randomized against a model -------------------------------------------- */

#define NK 3
#define MAXB 300   /* model strings are at most this many bytes */

struct bm {
	unsigned char v[MAXB];
	size_t len;
	int exists;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int mbit(const struct bm *m, long long i)
{
	return (size_t)(i >> 3) < m->len && (m->v[i >> 3] & (0x80 >> (i & 7)));
}

/* Run argv (C strings) and compare with the expected integer reply. */
static void expect_int(int argc, const char **argv, long long want)
{
	char w[32];
	size_t len;
	snprintf(w, sizeof w, ":%lld\r\n", want);
	char *r = fx_execv(argc, argv, NULL, &len);
	ck_assert_msg(strcmp(r, w) == 0, "%s %s %s %s %s %s: got %s want %s", argv[0], argv[1],
		      argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "", argc > 4 ? argv[4] : "",
		      argc > 5 ? argv[5] : "", fx_show(r, len), fx_show(w, strlen(w)));
	free(r);
}

/* Redis's clamping of [start, end] on totlen units; 0 if empty. */
static int model_range(long long *s, long long *e, long long totlen)
{
	if (*s < 0)
		*s += totlen;
	if (*e < 0)
		*e += totlen;
	if (*s < 0)
		*s = 0;
	if (*e < 0)
		*e = 0;
	if (*e >= totlen)
		*e = totlen - 1;
	return *s <= *e;
}

static void random_bitcount(struct bm *m, const char *key, uint64_t *seed)
{
	long long bits = (long long)m->len * 8;
	int unit = (int)(rnd(seed) % 3);   /* 0 none (bytes), 1 BYTE, 2 BIT */
	long long span = unit == 2 ? bits + 16 : (long long)m->len + 2;
	long long s = (long long)(rnd(seed) % (uint64_t)(2 * span + 1)) - span;
	long long e = (long long)(rnd(seed) % (uint64_t)(2 * span + 1)) - span;
	char sa[24], ea[24];
	snprintf(sa, sizeof sa, "%lld", s);
	snprintf(ea, sizeof ea, "%lld", e);
	const char *argv[] = { "BITCOUNT", key, sa, ea, unit == 2 ? "BIT" : "BYTE" };
	long long cnt = 0;
	if (!(s < 0 && e < 0 && s > e) && m->exists) {
		long long tot = unit == 2 ? bits : (long long)m->len;
		if (model_range(&s, &e, tot)) {
			long long lo = unit == 2 ? s : s * 8, hi = unit == 2 ? e : e * 8 + 7;
			for (long long i = lo; i <= hi; i++)
				cnt += mbit(m, i);
		}
	}
	expect_int(unit ? 5 : 4, argv, cnt);
}

static void random_bitpos(struct bm *m, const char *key, uint64_t *seed)
{
	long long bits = (long long)m->len * 8;
	int bit = (int)(rnd(seed) & 1), form = (int)(rnd(seed) % 4);  /* args after bit */
	int isbit = form == 3;
	long long span = isbit ? bits + 16 : (long long)m->len + 2;
	long long s = (long long)(rnd(seed) % (uint64_t)(2 * span + 1)) - span;
	long long e = (long long)(rnd(seed) % (uint64_t)(2 * span + 1)) - span;
	char sa[24], ea[24];
	snprintf(sa, sizeof sa, "%lld", s);
	snprintf(ea, sizeof ea, "%lld", e);
	const char *argv[] = { "BITPOS", key, bit ? "1" : "0", sa, ea, "BIT" };
	long long want;
	if (!m->exists) {
		want = bit ? -1 : 0;
	} else {
		long long tot = isbit ? bits : (long long)m->len;
		if (form == 0)
			s = 0;
		if (form <= 1)
			e = tot - 1;
		want = -1;
		if (model_range(&s, &e, tot)) {
			long long lo = isbit ? s : s * 8, hi = isbit ? e : e * 8 + 7;
			for (long long i = lo; i <= hi && want < 0; i++)
				if (mbit(m, i) == bit)
					want = i;
			if (want < 0 && bit == 0 && form <= 1)
				want = hi + 1;
		}
	}
	expect_int(3 + (form >= 1) + (form >= 2) + (form == 3), argv, want);
}

static void random_setbit(struct bm *m, const char *key, uint64_t *seed)
{
	long long off = (long long)(rnd(seed) % (MAXB * 8));
	int on = (int)(rnd(seed) & 1);
	char oa[24];
	snprintf(oa, sizeof oa, "%lld", off);
	const char *argv[] = { "SETBIT", key, oa, on ? "1" : "0" };
	expect_int(4, argv, mbit(m, off));
	if ((size_t)(off >> 3) >= m->len) {
		memset(m->v + m->len, 0, (size_t)(off >> 3) + 1 - m->len);
		m->len = (size_t)(off >> 3) + 1;
	}
	m->exists = 1;
	if (on)
		m->v[off >> 3] |= (unsigned char)(0x80 >> (off & 7));
	else
		m->v[off >> 3] &= (unsigned char)~(0x80 >> (off & 7));
	const char *get[] = { "GETBIT", key, oa };
	expect_int(3, get, on);
}

static void random_bitop(struct bm *ms, uint64_t *seed)
{
	static const char *ops[] = { "AND", "OR", "XOR", "NOT" };
	static const char *keys[] = { "k0", "k1", "k2" };
	int op = (int)(rnd(seed) % 4), dst = (int)(rnd(seed) % NK);
	int a = (int)(rnd(seed) % NK), b = (int)(rnd(seed) % NK);
	struct bm r = { .exists = 0 };
	const char *argv[] = { "BITOP", ops[op], keys[dst], keys[a], keys[b] };
	size_t maxlen = ms[a].len > ms[b].len || op == 3 ? ms[a].len : ms[b].len;
	for (size_t i = 0; i < maxlen; i++) {
		unsigned x = i < ms[a].len ? ms[a].v[i] : 0, y = i < ms[b].len ? ms[b].v[i] : 0;
		r.v[i] = (unsigned char)(op == 0 ? x & y : op == 1 ? x | y : op == 2 ? x ^ y : ~x);
	}
	r.len = maxlen;
	r.exists = maxlen > 0;
	expect_int(op == 3 ? 4 : 5, argv, (long long)maxlen);
	ms[dst] = r;
}

/* SET key to a long run of 0x00 or 0xff bytes with a few bits flipped, so
 * BITPOS and BITCOUNT go through their word loops. */
static void random_fill(struct bm *m, const char *key, uint64_t *seed)
{
	size_t len = (size_t)(rnd(seed) % (MAXB + 1));
	memset(m->v, (rnd(seed) & 1) ? 0xff : 0x00, len);
	for (int i = (int)(rnd(seed) % 4); len && i > 0; i--) {
		uint64_t b = rnd(seed) % (len * 8);
		m->v[b >> 3] ^= (unsigned char)(0x80 >> (b & 7));
	}
	m->len = len;
	m->exists = 1;
	set_bin(key, m->v, len);
}

/* The stored bytes of every key equal the model's. */
static void check_values(const struct bm *ms)
{
	static const char *keys[] = { "k0", "k1", "k2" };
	for (int i = 0; i < NK; i++) {
		const char *argv[] = { "GET", keys[i] };
		char want[MAXB + 32];
		size_t len, wl;
		char *r = fx_execv(2, argv, NULL, &len);
		if (!ms[i].exists) {
			ck_assert_str_eq(r, "$-1\r\n");
		} else {
			wl = (size_t)snprintf(want, sizeof want, "$%zu\r\n", ms[i].len);
			memcpy(want + wl, ms[i].v, ms[i].len);
			memcpy(want + wl + ms[i].len, "\r\n", 2);
			ck_assert_uint_eq(len, wl + ms[i].len + 2);
			ck_assert(memcmp(r, want, len) == 0);
		}
		free(r);
	}
}

START_TEST(randomized_bits_vs_model)
{
	struct bm ms[NK];
	static const char *keys[] = { "k0", "k1", "k2" };
	uint64_t seed = 0x2545f4914f6cdd1dull + (uint64_t)_i * 7919;
	memset(ms, 0, sizeof ms);
	for (int step = 0; step < 3000; step++) {
		int k = (int)(rnd(&seed) % NK), what = (int)(rnd(&seed) % 12);
		if (what >= 10)
			random_fill(&ms[k], keys[k], &seed);
		else if (what < 4)
			random_setbit(&ms[k], keys[k], &seed);
		else if (what < 6)
			random_bitcount(&ms[k], keys[k], &seed);
		else if (what < 9)
			random_bitpos(&ms[k], keys[k], &seed);
		else
			random_bitop(ms, &seed);
		if (step % 100 == 99)
			check_values(ms);
	}
	check_values(ms);
}
END_TEST

/* BITFIELD GET/SET (WRAP) at random offsets and widths against a
 * bit-by-bit model: covers fields straddling 9 bytes and the string end. */
START_TEST(randomized_bitfield_vs_model)
{
	struct bm m = { .exists = 0 };
	uint64_t seed = 0x9e3779b97f4a7c15ull + (uint64_t)_i;
	for (int step = 0; step < 3000; step++) {
		int sign = (int)(rnd(&seed) & 1);
		int bits = 1 + (int)(rnd(&seed) % (sign ? 64 : 63));
		uint64_t off = rnd(&seed) % (MAXB * 8 - 64);
		uint64_t raw = 0;
		for (int i = 0; i < bits; i++)
			raw = raw << 1 | (uint64_t)mbit(&m, (long long)(off + (uint64_t)i));
		long long old = sign && bits < 64 && (raw >> (bits - 1)) ? (long long)(raw | (~0ull << bits))
									 : (long long)raw;
		char type[8], oa[24], va[24], want[64];
		long long val = (long long)rnd(&seed);
		snprintf(type, sizeof type, "%c%d", sign ? 'i' : 'u', bits);
		snprintf(oa, sizeof oa, "%llu", (unsigned long long)off);
		snprintf(va, sizeof va, "%lld", val);
		int set = (int)(rnd(&seed) & 1);
		const char *argv[] = { "BITFIELD", "bf", set ? "SET" : "GET", type, oa, va };
		size_t len;
		snprintf(want, sizeof want, "*1\r\n:%lld\r\n", old);
		char *r = fx_execv(set ? 6 : 5, argv, NULL, &len);
		ck_assert_msg(strcmp(r, want) == 0, "BITFIELD %s %s %s: got %s want %s", argv[2], type, oa,
			      fx_show(r, len), want);
		free(r);
		if (!set)
			continue;
		size_t need = (size_t)((off + (uint64_t)bits - 1) >> 3) + 1;
		if (need > m.len) {
			memset(m.v + m.len, 0, need - m.len);
			m.len = need;
		}
		m.exists = 1;
		for (int i = 0; i < bits; i++) {
			uint64_t b = off + (uint64_t)i;
			int v = (int)(((uint64_t)val >> (bits - 1 - i)) & 1);
			m.v[b >> 3] = (unsigned char)(v ? m.v[b >> 3] | (0x80 >> (b & 7))
							: m.v[b >> 3] & ~(0x80 >> (b & 7)));
		}
	}
	const char *argv[] = { "GET", "bf" };
	size_t len, wl;
	char want[MAXB + 32];
	char *r = fx_execv(2, argv, NULL, &len);
	wl = (size_t)snprintf(want, sizeof want, "$%zu\r\n", m.len);
	memcpy(want + wl, m.v, m.len);
	memcpy(want + wl + m.len, "\r\n", 2);
	ck_assert_uint_eq(len, wl + m.len + 2);
	ck_assert(memcmp(r, want, len) == 0);
	free(r);
}
END_TEST

/* LCS of random strings over a small alphabet: the string returned is a
 * common subsequence of LEN bytes, and the IDX ranges are real matches in
 * descending order whose lengths add up to LEN. */
static int is_subseq(const char *s, size_t n, const char *t, size_t m)
{
	size_t j = 0;
	for (size_t i = 0; i < m && j < n; i++)
		if (t[i] == s[j])
			j++;
	return j == n;
}

static long long parse_int(const char **p)
{
	ck_assert_int_eq(**p, ':');
	char *end;
	long long v = strtoll(*p + 1, &end, 10);
	*p = end + 2;
	return v;
}

START_TEST(randomized_lcs_properties)
{
	uint64_t seed = 0x1234567ull + (uint64_t)_i;
	for (int round = 0; round < 200; round++) {
		char a[64], b[64];
		size_t la = rnd(&seed) % 40, lb = rnd(&seed) % 40, len;
		for (size_t i = 0; i < la; i++)
			a[i] = (char)('a' + rnd(&seed) % 3);
		for (size_t i = 0; i < lb; i++)
			b[i] = (char)('a' + rnd(&seed) % 3);
		a[la] = b[lb] = '\0';
		EXPECT("+OK\r\n", "MSET", "a", a, "b", b);
		const char *q[] = { "LCS", "a", "b", "IDX", "WITHMATCHLEN" };
		char *r = fx_execv(3, q, NULL, &len);
		char *end;
		ck_assert_int_eq(r[0], '$');
		size_t n = (size_t)strtoul(r + 1, &end, 10);
		const char *s = end + 2;
		ck_assert(is_subseq(s, n, a, la) && is_subseq(s, n, b, lb));
		free(r);
		r = fx_execv(5, q, NULL, &len);
		const char *p = r;
		ck_assert(strncmp(p, "*4\r\n$7\r\nmatches\r\n*", 18) == 0);
		long long nr = strtoll(p + 18, &end, 10), total = 0;
		long long last_a = (long long)la;
		p = end + 2;
		for (long long i = 0; i < nr; i++) {
			ck_assert(strncmp(p, "*3\r\n*2\r\n", 8) == 0);
			p += 8;
			long long a0 = parse_int(&p), a1 = parse_int(&p);
			ck_assert(strncmp(p, "*2\r\n", 4) == 0);
			p += 4;
			long long b0 = parse_int(&p), b1 = parse_int(&p), ml = parse_int(&p);
			ck_assert_int_eq(ml, a1 - a0 + 1);
			ck_assert_int_eq(ml, b1 - b0 + 1);
			ck_assert(a1 < last_a);
			last_a = a0;
			ck_assert(memcmp(a + a0, b + b0, (size_t)ml) == 0);
			total += ml;
		}
		ck_assert_uint_eq((unsigned long long)total, n);
		char tail[48];
		snprintf(tail, sizeof tail, "$3\r\nlen\r\n:%zu\r\n", n);
		ck_assert_str_eq(p, tail);
		free(r);
	}
}
END_TEST

static Suite *bitmap_suite(void)
{
	Suite *s = suite_create("t_bitmap");
	TCase *tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, setbit_getbit_basic);
	tcase_add_test(tc, setbit_errors);
	tcase_add_test(tc, setbit_max_offset_and_bulk_len);
	tcase_add_test(tc, setbit_write_path);
	tcase_add_test(tc, bitcount_ranges);
	tcase_add_test(tc, bitcount_errors);
	tcase_add_test(tc, bitpos_basic);
	tcase_add_test(tc, bitpos_clear_bit_past_the_end);
	tcase_add_test(tc, bitpos_errors);
	tcase_add_test(tc, bitop_ops);
	tcase_add_test(tc, bitop_empty_result_and_ttl);
	tcase_add_test(tc, bitop_errors);
	tcase_add_test(tc, bitop_long_and_many_sources);
	tcase_add_test(tc, bitfield_parse_errors);
	tcase_add_test(tc, bitfield_set_get_overflow);
	tcase_add_test(tc, bitfield_more_overflow);
	tcase_add_test(tc, bitfield_ro_and_write_path);
	tcase_add_test(tc, lcs_replies);
	tcase_add_test(tc, lcs_errors);
	tcase_add_loop_test(tc, randomized_bits_vs_model, 0, 4);
	tcase_add_loop_test(tc, randomized_bitfield_vs_model, 0, 4);
	tcase_add_loop_test(tc, randomized_lcs_properties, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(bitmap_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
