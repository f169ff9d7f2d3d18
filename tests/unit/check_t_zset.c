/*
 * check_t_zset.c - the sorted-set commands through kvs_exec, against the
 * RESP bytes redis-server 7.0 sends for the same requests; the B+tree
 * (zset.c) and the commands against a sorted-array model; blocking pops.
 */
#include "config.h"
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "hlc.h"
#include "zset.h"
#include "exec_fixture.h"
#include "client_fixture.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define NOTFLOAT "-ERR value is not a valid float\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define MINMAX "-ERR min or max is not a float\r\n"
#define LEXERR "-ERR min or max not valid string range item\r\n"

/* ---- ZADD and the small readers --------------------------------------------- */

START_TEST(zadd_options)
{
	EXPECT(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
	EXPECT(":0\r\n", "ZADD", "z", "1", "a");
	EXPECT(":1\r\n", "ZADD", "z", "CH", "5", "a", "2", "b");
	EXPECT(":0\r\n", "ZADD", "z", "XX", "10", "d");
	EXPECT("$-1\r\n", "ZSCORE", "z", "d");
	EXPECT(":1\r\n", "ZADD", "z", "NX", "9", "a", "4", "d");
	EXPECT("$1\r\n5\r\n", "ZSCORE", "z", "a");
	EXPECT(":0\r\n", "ZADD", "z", "GT", "CH", "3", "a");
	EXPECT(":1\r\n", "ZADD", "z", "gt", "ch", "7", "a");
	EXPECT(":0\r\n", "ZADD", "z", "LT", "CH", "8", "a");
	EXPECT(":1\r\n", "ZADD", "z", "LT", "CH", "1", "a");
	/* GT/LT still add new members; XX never does. */
	EXPECT(":1\r\n", "ZADD", "z", "GT", "0.5", "e");
	EXPECT(":0\r\n", "ZADD", "z", "XX", "GT", "CH", "0", "e", "1", "nope");
	EXPECT("$1\r\n2\r\n", "ZADD", "z", "INCR", "1", "a");
	EXPECT("$-1\r\n", "ZADD", "z", "INCR", "NX", "1", "a");
	EXPECT("$-1\r\n", "ZADD", "z", "INCR", "XX", "1", "nope");
	EXPECT("$-1\r\n", "ZADD", "z", "INCR", "LT", "1", "a");
	EXPECT("$1\r\n1\r\n", "ZADD", "z", "INCR", "LT", "-1", "a");
	EXPECT("*10\r\n$1\r\ne\r\n$3\r\n0.5\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"
	       "$1\r\nd\r\n$1\r\n4\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
	/* XX on a missing key creates nothing. */
	EXPECT(":0\r\n", "ZADD", "new", "XX", "1", "a");
	EXPECT("$-1\r\n", "ZADD", "new", "XX", "INCR", "1", "a");
	ck_assert_int_eq(fx_type("new"), -1);
}
END_TEST

START_TEST(zadd_errors)
{
	EXPECT("-ERR wrong number of arguments for 'zadd' command\r\n", "ZADD", "z", "1");
	EXPECT("-ERR wrong number of arguments for 'zadd' command\r\n", "ZADD", "z", "CH");
	EXPECT("-ERR XX and NX options at the same time are not compatible\r\n", "ZADD", "z", "NX", "XX", "1",
	       "a");
	EXPECT("-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "ZADD", "z", "GT",
	       "LT", "1", "a");
	EXPECT("-ERR GT, LT, and/or NX options at the same time are not compatible\r\n", "ZADD", "z", "GT",
	       "NX", "1", "a");
	EXPECT("-ERR INCR option supports a single increment-element pair\r\n", "ZADD", "z", "INCR", "1", "a",
	       "2", "b");
	EXPECT(NOTFLOAT, "ZADD", "z", "x", "a");
	EXPECT(NOTFLOAT, "ZADD", "z", "nan", "a");
	EXPECT(NOTFLOAT, "ZADD", "z", "1", "a", "x", "b");
	EXPECT(SYNTAX, "ZADD", "z", "1", "a", "2");
	EXPECT(SYNTAX, "ZADD", "z", "1", "a", "CH");
	EXPECT(SYNTAX, "ZADD", "z", "CH", "NX");
	/* Nothing of a failed ZADD was applied. */
	ck_assert_int_eq(fx_type("z"), -1);
	EXPECT("$3\r\ninf\r\n", "ZADD", "z", "INCR", "inf", "a");
	EXPECT("-ERR resulting score is not a number (NaN)\r\n", "ZADD", "z", "INCR", "-inf", "a");
	EXPECT("-ERR resulting score is not a number (NaN)\r\n", "ZINCRBY", "z", "-inf", "a");
	EXPECT("$3\r\ninf\r\n", "ZSCORE", "z", "a");
	EXPECT(NOTFLOAT, "ZINCRBY", "z", "x", "a");
}
END_TEST

START_TEST(score_formatting)
{
	/* Redis 7.0 prints doubles with %.17g. */
	EXPECT(":8\r\n", "ZADD", "z", "0.1", "p", "10", "q", "1e17", "r", "inf", "s", "-inf", "t", "-2.5", "u",
	       "4503599627370496", "v", "3.3", "w");
	EXPECT("*16\r\n$1\r\nt\r\n$4\r\n-inf\r\n$1\r\nu\r\n$4\r\n-2.5\r\n$1\r\np\r\n$19\r\n0.10000000000000001\r\n"
	       "$1\r\nw\r\n$18\r\n3.2999999999999998\r\n$1\r\nq\r\n$2\r\n10\r\n$1\r\nv\r\n$16\r\n4503599627370496\r\n"
	       "$1\r\nr\r\n$5\r\n1e+17\r\n$1\r\ns\r\n$3\r\ninf\r\n", "ZRANGE", "z", "0", "-1", "WITHSCORES");
	fx.c.proto = 3;
	EXPECT("*3\r\n*2\r\n$1\r\nt\r\n,-inf\r\n*2\r\n$1\r\nu\r\n,-2.5\r\n*2\r\n$1\r\np\r\n,0.10000000000000001\r\n",
	       "ZRANGE", "z", "0", "2", "WITHSCORES");
	EXPECT(",10\r\n", "ZSCORE", "z", "q");
	/* -0 is kept as 0, as Redis shows it for sets of ordinary size. */
	EXPECT(":1\r\n", "ZADD", "z", "-0", "zero");
	EXPECT(",0\r\n", "ZSCORE", "z", "zero");
}
END_TEST

START_TEST(readers)
{
	EXPECT(":0\r\n", "ZCARD", "z");
	EXPECT("$-1\r\n", "ZSCORE", "z", "a");
	EXPECT("*2\r\n$-1\r\n$-1\r\n", "ZMSCORE", "z", "a", "b");
	EXPECT("$-1\r\n", "ZRANK", "z", "a");
	EXPECT(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
	EXPECT(":3\r\n", "ZCARD", "z");
	EXPECT("$1\r\n2\r\n", "ZSCORE", "z", "b");
	EXPECT("*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n", "ZMSCORE", "z", "a", "x", "c");
	EXPECT(":0\r\n", "ZRANK", "z", "a");
	EXPECT(":2\r\n", "ZREVRANK", "z", "a");
	EXPECT("$-1\r\n", "ZREVRANK", "z", "x");
	EXPECT("-ERR wrong number of arguments for 'zrank' command\r\n", "ZRANK", "z", "a", "WITHSCORE");
	EXPECT("$3\r\n3.5\r\n", "ZINCRBY", "z", "1.5", "b");
	EXPECT("$3\r\n1.5\r\n", "ZINCRBY", "z", "1.5", "new");
	EXPECT(":3\r\n", "ZRANK", "z", "b");
	fx.c.proto = 3;
	EXPECT("_\r\n", "ZSCORE", "z", "x");
	EXPECT("_\r\n", "ZRANK", "z", "x");
	EXPECT("*2\r\n,1\r\n_\r\n", "ZMSCORE", "z", "a", "x");
	EXPECT(",4.5\r\n", "ZINCRBY", "z", "1", "b");
}
END_TEST

START_TEST(zrem)
{
	EXPECT(":0\r\n", "ZREM", "z", "a");
	EXPECT(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
	EXPECT(":2\r\n", "ZREM", "z", "a", "x", "c", "a");
	EXPECT("*1\r\n$1\r\nb\r\n", "ZRANGE", "z", "0", "-1");
	EXPECT(":1\r\n", "ZREM", "z", "b", "b");
	ck_assert_int_eq(fx_type("z"), -1);
}
END_TEST

/* ---- ranges ---------------------------------------------------------------------------- */

START_TEST(zrange_by_rank)
{
	EXPECT("*0\r\n", "ZRANGE", "z", "0", "-1");
	EXPECT(NOTINT, "ZRANGE", "z", "x", "1");
	EXPECT(":4\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d");
	EXPECT("*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGE", "z", "-5", "100");
	EXPECT("*0\r\n", "ZRANGE", "z", "2", "1");
	EXPECT("*0\r\n", "ZRANGE", "z", "-100", "-50");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGE", "z", "1", "-2");
	EXPECT("*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZREVRANGE", "z", "0", "1", "WITHSCORES");
	EXPECT("*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZRANGE", "z", "0", "1", "WITHSCORES", "REV");
	EXPECT("-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n",
	       "ZRANGE", "z", "0", "-1", "LIMIT", "0", "1");
	EXPECT("-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n",
	       "ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1");
	EXPECT(SYNTAX, "ZRANGE", "z", "0", "-1", "foo");
	EXPECT(SYNTAX, "ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX");
	EXPECT(SYNTAX, "ZREVRANGE", "z", "0", "1", "REV");
}
END_TEST

START_TEST(zrange_by_score)
{
	EXPECT(":4\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d");
	EXPECT("*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", "ZRANGE", "z", "3", "1", "BYSCORE", "REV");
	EXPECT("*0\r\n", "ZRANGE", "z", "1", "3", "BYSCORE", "REV");
	EXPECT("*0\r\n", "ZRANGE", "z", "0", "-1", "BYSCORE");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGE", "z", "(1", "(4", "BYSCORE");
	/* "(" alone is an open 0, as strtod("") is 0 in Redis. */
	EXPECT("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGE", "z", "(", "(4", "BYSCORE");
	EXPECT("*0\r\n", "ZRANGEBYSCORE", "z", "1", "3", "LIMIT", "-1", "2");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGEBYSCORE", "z", "1", "3", "LIMIT", "1", "-1");
	EXPECT("*0\r\n", "ZRANGEBYSCORE", "z", "1", "3", "LIMIT", "0", "0");
	EXPECT("*1\r\n$1\r\nb\r\n", "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "2", "LIMIT", "1", "1");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "ZRANGEBYSCORE", "z", "1", "3", "WITHSCORES", "LIMIT", "1", "1",
	       "WITHSCORES");
	EXPECT("*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZREVRANGEBYSCORE", "z", "3", "1", "LIMIT",
	       "1", "2", "WITHSCORES");
	EXPECT("*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n", "ZRANGE", "z", "-inf", "+inf", "BYSCORE",
	       "LIMIT", "0", "-1");
	EXPECT("*0\r\n", "ZRANGEBYSCORE", "z", "1", "3", "LIMIT", "10", "1");
	EXPECT(SYNTAX, "ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "0");
	EXPECT(SYNTAX, "ZRANGEBYSCORE", "z", "1", "2", "REV");
	EXPECT(NOTINT, "ZRANGEBYSCORE", "z", "1", "3", "LIMIT", "x", "1");
	EXPECT(MINMAX, "ZRANGE", "z", "1", "x", "BYSCORE");
	EXPECT(MINMAX, "ZRANGEBYSCORE", "z", "nan", "1");
	EXPECT(MINMAX, "ZRANGEBYSCORE", "nokey", "[1", "2");
}
END_TEST

START_TEST(zrange_by_lex)
{
	EXPECT(":4\r\n", "ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d");
	EXPECT("*4\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", "ZRANGE", "z", "+", "-", "BYLEX", "REV");
	EXPECT("*2\r\n$1\r\nc\r\n$1\r\nb\r\n", "ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "1", "2");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "ZRANGEBYLEX", "z", "-", "+", "LIMIT", "0", "2");
	EXPECT("*1\r\n$1\r\nb\r\n", "ZRANGE", "z", "[b", "[c", "BYLEX", "LIMIT", "0", "1");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGEBYLEX", "z", "(a", "[c");
	EXPECT("*0\r\n", "ZRANGEBYLEX", "z", "[c", "(a");
	EXPECT("*0\r\n", "ZRANGEBYLEX", "z", "-", "-");
	EXPECT("*0\r\n", "ZRANGEBYLEX", "z", "+", "+");
	EXPECT("*1\r\n$1\r\nd\r\n", "ZRANGEBYLEX", "z", "(c", "+");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGEBYLEX", "z", "[b", "(cc");
	EXPECT("-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n", "ZRANGEBYLEX", "z",
	       "[b", "[c", "WITHSCORES");
	EXPECT(LEXERR, "ZRANGEBYLEX", "z", "a", "b");
	EXPECT(LEXERR, "ZRANGEBYLEX", "z", "+a", "-");
	EXPECT(LEXERR, "ZRANGEBYLEX", "z", "", "+");
	EXPECT(":4\r\n", "ZLEXCOUNT", "z", "-", "+");
	EXPECT(":2\r\n", "ZLEXCOUNT", "z", "(a", "(d");
	EXPECT(":1\r\n", "ZLEXCOUNT", "z", "[a", "[a");
	EXPECT(":0\r\n", "ZLEXCOUNT", "z", "(a", "(a");
	EXPECT(LEXERR, "ZLEXCOUNT", "z", "a", "+");
	EXPECT(LEXERR, "ZLEXCOUNT", "nokey", "a", "+");
}
END_TEST

START_TEST(zcount)
{
	EXPECT(":0\r\n", "ZCOUNT", "z", "-inf", "+inf");
	EXPECT(":4\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d");
	EXPECT(":4\r\n", "ZCOUNT", "z", "-inf", "+inf");
	EXPECT(":2\r\n", "ZCOUNT", "z", "(1", "3");
	EXPECT(":1\r\n", "ZCOUNT", "z", "2", "2");
	EXPECT(":0\r\n", "ZCOUNT", "z", "(2", "2");
	EXPECT(":0\r\n", "ZCOUNT", "z", "3", "1");
	EXPECT(":0\r\n", "ZCOUNT", "z", "1", "(");
	EXPECT(MINMAX, "ZCOUNT", "z", "x", "3");
}
END_TEST

START_TEST(zrangestore)
{
	EXPECT(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
	EXPECT(":3\r\n", "ZRANGESTORE", "d", "z", "0", "-1", "REV");
	EXPECT("*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZRANGE", "d", "0", "-1",
	       "WITHSCORES");
	EXPECT(":1\r\n", "ZRANGESTORE", "d", "z", "1", "2", "BYSCORE", "LIMIT", "0", "1");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZRANGE", "d", "0", "-1", "WITHSCORES");
	/* An empty result removes the destination, whatever its type. */
	EXPECT("+OK\r\n", "SET", "s", "v");
	EXPECT(":0\r\n", "ZRANGESTORE", "s", "z", "5", "6");
	ck_assert_int_eq(fx_type("s"), -1);
	EXPECT(":0\r\n", "ZRANGESTORE", "d", "nokey", "0", "-1");
	ck_assert_int_eq(fx_type("d"), -1);
	EXPECT(SYNTAX, "ZRANGESTORE", "d", "z", "0", "0", "WITHSCORES");
	/* Onto itself. */
	EXPECT(":2\r\n", "ZRANGESTORE", "z", "z", "[b", "+", "BYLEX");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGE", "z", "0", "-1");
	EXPECT("+OK\r\n", "SET", "s", "v");
	EXPECT(":2\r\n", "ZRANGESTORE", "s", "z", "0", "-1");
	ck_assert_int_eq(fx_type("s"), KVS_T_ZSET);
}
END_TEST

START_TEST(zremrange)
{
	EXPECT(":0\r\n", "ZREMRANGEBYRANK", "z", "0", "1");
	EXPECT(NOTINT, "ZREMRANGEBYRANK", "nokey", "x", "1");
	EXPECT(MINMAX, "ZREMRANGEBYSCORE", "nokey", "x", "1");
	EXPECT(LEXERR, "ZREMRANGEBYLEX", "nokey", "x", "1");
	EXPECT(":5\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
	EXPECT(":0\r\n", "ZREMRANGEBYRANK", "z", "10", "20");
	EXPECT(":1\r\n", "ZREMRANGEBYRANK", "z", "0", "0");
	EXPECT(":2\r\n", "ZREMRANGEBYSCORE", "z", "(3", "+inf");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\nc\r\n", "ZRANGE", "z", "0", "-1");
	EXPECT(":0\r\n", "ZREMRANGEBYSCORE", "z", "3", "2");
	EXPECT(":2\r\n", "ZREMRANGEBYLEX", "z", "-", "+");
	ck_assert_int_eq(fx_type("z"), -1);
	EXPECT(":5\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e");
	EXPECT(":3\r\n", "ZREMRANGEBYRANK", "z", "-3", "-1");
	EXPECT(":2\r\n", "ZREMRANGEBYRANK", "z", "-100", "100");
	ck_assert_int_eq(fx_type("z"), -1);
}
END_TEST

/* ---- pops ---------------------------------------------------------------------------------- */

START_TEST(zpop)
{
	EXPECT("*0\r\n", "ZPOPMIN", "z");
	EXPECT("*0\r\n", "ZPOPMAX", "z", "2");
	EXPECT(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
	EXPECT("*0\r\n", "ZPOPMIN", "z", "0");
	EXPECT("-ERR value is out of range, must be positive\r\n", "ZPOPMIN", "z", "-1");
	EXPECT("-ERR value is out of range, must be positive\r\n", "ZPOPMIN", "z", "x");
	EXPECT(SYNTAX, "ZPOPMIN", "z", "1", "2");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZPOPMIN", "z");
	EXPECT("*2\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZPOPMAX", "z", "1");
	EXPECT("*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "ZPOPMAX", "z", "5");
	ck_assert_int_eq(fx_type("z"), -1);
	fx.c.proto = 3;
	EXPECT(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
	EXPECT("*2\r\n$1\r\na\r\n,1\r\n", "ZPOPMIN", "z");
	EXPECT("*1\r\n*2\r\n$1\r\nb\r\n,2\r\n", "ZPOPMIN", "z", "1");
	EXPECT("*1\r\n*2\r\n$1\r\nc\r\n,3\r\n", "ZPOPMAX", "z", "5");
	EXPECT("*0\r\n", "ZPOPMIN", "z", "1");
}
END_TEST

START_TEST(zmpop)
{
	EXPECT("-ERR numkeys should be greater than 0\r\n", "ZMPOP", "0", "z", "MIN");
	EXPECT("-ERR numkeys should be greater than 0\r\n", "ZMPOP", "x", "z", "MIN");
	EXPECT(SYNTAX, "ZMPOP", "2", "z", "MIN");
	EXPECT(SYNTAX, "ZMPOP", "1", "z", "foo");
	EXPECT("-ERR count should be greater than 0\r\n", "ZMPOP", "1", "z", "MIN", "COUNT", "0");
	EXPECT(SYNTAX, "ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1");
	EXPECT("*-1\r\n", "ZMPOP", "2", "a", "b", "MIN");
	EXPECT(":3\r\n", "ZADD", "b", "1", "x", "2", "y", "3", "z");
	EXPECT("*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n", "ZMPOP", "2", "a", "b", "MIN");
	EXPECT("*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\nz\r\n$1\r\n3\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n", "ZMPOP", "2", "a",
	       "b", "max", "count", "10");
	ck_assert_int_eq(fx_type("b"), -1);
	fx.c.proto = 3;
	EXPECT("_\r\n", "ZMPOP", "1", "a", "MIN");
	EXPECT(":1\r\n", "ZADD", "a", "1.5", "m");
	EXPECT("*2\r\n$1\r\na\r\n*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n", "ZMPOP", "1", "a", "MIN");
}
END_TEST

/* ---- algebra -------------------------------------------------------------------------------- */

START_TEST(union_inter_diff)
{
	EXPECT(":2\r\n", "ZADD", "a", "1", "x", "2", "y");
	EXPECT(":2\r\n", "ZADD", "b", "3", "y", "4", "z");
	EXPECT(":3\r\n", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "2", "3", "AGGREGATE", "MAX");
	EXPECT("*6\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n9\r\n$1\r\nz\r\n$2\r\n12\r\n", "ZRANGE", "d", "0", "-1",
	       "WITHSCORES");
	EXPECT(":1\r\n", "ZINTERSTORE", "d", "2", "a", "b", "AGGREGATE", "MIN");
	EXPECT("*2\r\n$1\r\ny\r\n$1\r\n2\r\n", "ZRANGE", "d", "0", "-1", "WITHSCORES");
	EXPECT(":1\r\n", "ZDIFFSTORE", "d", "2", "a", "b");
	EXPECT("*2\r\n$1\r\nx\r\n$1\r\n1\r\n", "ZRANGE", "d", "0", "-1", "WITHSCORES");
	EXPECT("*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\nz\r\n$1\r\n4\r\n$1\r\ny\r\n$1\r\n5\r\n", "ZUNION", "2", "a", "b",
	       "WITHSCORES");
	EXPECT("*1\r\n$1\r\ny\r\n", "ZINTER", "2", "a", "b");
	EXPECT("*2\r\n$1\r\nx\r\n$1\r\n1\r\n", "ZDIFF", "2", "a", "b", "WITHSCORES");
	/* inf * weight and inf + -inf: NaN becomes 0. */
	EXPECT("*6\r\n$1\r\nz\r\n$4\r\n-inf\r\n$1\r\ny\r\n$1\r\n0\r\n$1\r\nx\r\n$3\r\ninf\r\n", "ZUNION", "2", "a",
	       "b", "WEIGHTS", "inf", "-inf", "WITHSCORES");
	EXPECT("*6\r\n$1\r\nx\r\n$1\r\n0\r\n$1\r\ny\r\n$3\r\ninf\r\n$1\r\nz\r\n$3\r\ninf\r\n", "ZUNION", "2", "a",
	       "b", "WEIGHTS", "0", "inf", "WITHSCORES");
	/* Missing keys are empty sets; an empty result deletes the target. */
	EXPECT("*0\r\n", "ZINTER", "2", "a", "nokey");
	EXPECT(":0\r\n", "ZINTERSTORE", "d", "2", "a", "nokey");
	ck_assert_int_eq(fx_type("d"), -1);
	EXPECT("*4\r\n$1\r\nx\r\n$1\r\n2\r\n$1\r\ny\r\n$1\r\n4\r\n", "ZUNION", "3", "a",
	       "nokey", "a", "AGGREGATE", "SUM", "WITHSCORES", "WEIGHTS", "1", "5", "1");
	EXPECT(":0\r\n", "ZDIFFSTORE", "d", "2", "a", "a");
	/* Onto one of the sources, and over a string. */
	EXPECT(":3\r\n", "ZUNIONSTORE", "a", "2", "a", "b");
	EXPECT("+OK\r\n", "SET", "s", "v");
	EXPECT(":3\r\n", "ZUNIONSTORE", "s", "1", "a");
	ck_assert_int_eq(fx_type("s"), KVS_T_ZSET);
	fx.c.proto = 3;
	/* Sources go smallest first, each with its own weight. */
	EXPECT("*2\r\n*2\r\n$1\r\ny\r\n,11\r\n*2\r\n$1\r\nz\r\n,12\r\n", "ZINTER", "2", "a", "b", "WITHSCORES",
	       "WEIGHTS", "1", "2");
}
END_TEST

START_TEST(algebra_errors)
{
	EXPECT(":1\r\n", "ZADD", "a", "1", "x");
	EXPECT("-ERR at least 1 input key is needed for 'zunionstore' command\r\n", "ZUNIONSTORE", "d", "0", "a");
	EXPECT("-ERR at least 1 input key is needed for 'zunion' command\r\n", "ZUNION", "-1", "a");
	EXPECT("-ERR at least 1 input key is needed for 'zdiff' command\r\n", "ZDIFF", "0", "a");
	EXPECT("-ERR at least 1 input key is needed for 'zintercard' command\r\n", "ZINTERCARD", "0", "a");
	EXPECT(NOTINT, "ZUNIONSTORE", "d", "x", "a");
	EXPECT(SYNTAX, "ZUNIONSTORE", "d", "3", "a", "b");
	EXPECT(SYNTAX, "ZUNION", "3", "a", "b");
	EXPECT(SYNTAX, "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1");
	EXPECT("-ERR weight value is not a float\r\n", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "x");
	EXPECT(SYNTAX, "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2", "AGGREGATE", "foo");
	EXPECT(SYNTAX, "ZUNIONSTORE", "d", "2", "a", "b", "AGGREGATE");
	EXPECT(SYNTAX, "ZUNIONSTORE", "d", "2", "a", "b", "WITHSCORES");
	EXPECT(SYNTAX, "ZDIFF", "2", "a", "b", "WITHSCORES", "WEIGHTS", "1", "2");
	EXPECT(SYNTAX, "ZDIFF", "2", "a", "b", "AGGREGATE", "SUM");
	EXPECT(SYNTAX, "ZINTERCARD", "2", "a", "b", "WITHSCORES");
	EXPECT(SYNTAX, "ZINTERCARD", "1", "a", "WEIGHTS", "1");
	EXPECT("-ERR LIMIT can't be negative\r\n", "ZINTERCARD", "1", "a", "LIMIT", "-1");
	EXPECT("-ERR LIMIT can't be negative\r\n", "ZINTERCARD", "1", "a", "LIMIT", "x");
	EXPECT("+OK\r\n", "SET", "s", "v");
	EXPECT(WRONGTYPE, "ZUNION", "2", "a", "s");
	/* The type check comes before the options. */
	EXPECT(WRONGTYPE, "ZINTER", "2", "a", "s", "foo");
	EXPECT(":1\r\n", "RPUSH", "l", "x");
	EXPECT(WRONGTYPE, "ZDIFF", "2", "a", "l");
	ck_assert_int_eq(fx_type("d"), -1);
}
END_TEST

START_TEST(zintercard)
{
	EXPECT(":3\r\n", "ZADD", "a", "1", "x", "2", "y", "3", "z");
	EXPECT(":2\r\n", "ZADD", "b", "1", "y", "5", "z");
	EXPECT(":2\r\n", "ZINTERCARD", "2", "a", "b");
	EXPECT(":1\r\n", "ZINTERCARD", "2", "a", "b", "LIMIT", "1");
	EXPECT(":2\r\n", "ZINTERCARD", "2", "a", "b", "LIMIT", "0");
	EXPECT(":0\r\n", "ZINTERCARD", "2", "a", "nokey");
	EXPECT(":3\r\n", "ZINTERCARD", "1", "a");
}
END_TEST

START_TEST(set_inputs)
{
	/* Plain sets take part with every member scoring 1. */
	EXPECT(":2\r\n", "ZADD", "a", "1", "x", "2", "y");
	EXPECT(":3\r\n", "SADD", "s", "y", "w", "10");
	EXPECT("*8\r\n$2\r\n10\r\n$1\r\n1\r\n$1\r\nw\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n3\r\n",
	       "ZUNION", "2", "a", "s", "WITHSCORES");
	EXPECT("*8\r\n$1\r\nx\r\n$1\r\n2\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\nw\r\n$1\r\n3\r\n$1\r\ny\r\n$1\r\n7\r\n",
	       "ZUNION", "2", "s", "a", "WEIGHTS", "3", "2", "WITHSCORES");
	EXPECT("*2\r\n$1\r\ny\r\n$1\r\n3\r\n", "ZINTER", "2", "a", "s", "WITHSCORES");
	EXPECT("*2\r\n$1\r\ny\r\n$1\r\n2\r\n", "ZINTER", "2", "s", "a", "WITHSCORES", "AGGREGATE", "MAX");
	EXPECT("*4\r\n$2\r\n10\r\n$1\r\n1\r\n$1\r\nw\r\n$1\r\n1\r\n", "ZDIFF", "2", "s", "a", "WITHSCORES");
	EXPECT(":2\r\n", "ZDIFFSTORE", "d", "2", "s", "a");
	ck_assert_int_eq(fx_type("d"), KVS_T_ZSET);
	EXPECT(":1\r\n", "ZINTERCARD", "2", "a", "s");
}
END_TEST

START_TEST(encoding_and_sort)
{
	char m[80];
	size_t len;
	EXPECT(":3\r\n", "ZADD", "z", "3", "c", "1", "a", "2", "b");
	EXPECT("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "z");
	EXPECT("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "SORT", "z", "ALPHA");
	EXPECT("*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", "SORT", "z", "BY", "nosort", "DESC");
	/* Past 128 members Redis converts to a skiplist, for good. */
	for (int i = 0; i < 125; i++) {
		snprintf(m, sizeof m, "m%d", i);
		const char *av[] = { "ZADD", "z", "5", m };
		free(fx_execv(4, av, NULL, &len));
	}
	EXPECT("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "z");
	EXPECT(":1\r\n", "ZADD", "z", "6", "one-more");
	EXPECT("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z");
	EXPECT(":128\r\n", "ZREMRANGEBYRANK", "z", "1", "-1");
	EXPECT("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z");
	/* So does a member longer than 64 bytes; results start small. */
	memset(m, 'x', 65);
	m[65] = '\0';
	EXPECT(":1\r\n", "ZADD", "y", "1", m);
	EXPECT("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "y");
	EXPECT(":1\r\n", "ZRANGESTORE", "d", "z", "0", "-1");
	EXPECT("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "d");
	/* A compact set scans whole, even with COUNT 1. */
	EXPECT("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZSCAN", "d", "0", "COUNT", "1");
}
END_TEST

/* ---- ZRANDMEMBER / ZSCAN --------------------------------------------------------------- */

/* Count the bulk strings in a flat RESP2 array reply that equal m. */
static int count_member(const char *reply, const char *m)
{
	int n = 0;
	char pat[64];
	snprintf(pat, sizeof pat, "\r\n$%zu\r\n%s\r\n", strlen(m), m);
	for (const char *p = reply; (p = strstr(p, pat)) != NULL; p++)
		n++;
	return n;
}

START_TEST(zrandmember)
{
	const char *argv[4];
	size_t len;
	char *r;
	EXPECT("$-1\r\n", "ZRANDMEMBER", "z");
	EXPECT("*0\r\n", "ZRANDMEMBER", "z", "5");
	EXPECT("*0\r\n", "ZRANDMEMBER", "z", "5", "WITHSCORES");
	EXPECT(NOTINT, "ZRANDMEMBER", "z", "x");
	EXPECT(":1\r\n", "ZADD", "one", "1", "a");
	EXPECT("$1\r\na\r\n", "ZRANDMEMBER", "one");
	EXPECT("*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n", "ZRANDMEMBER", "one", "-2", "WITHSCORES");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZRANDMEMBER", "one", "5", "WITHSCORES");
	EXPECT("*0\r\n", "ZRANDMEMBER", "one", "0");
	EXPECT(SYNTAX, "ZRANDMEMBER", "one", "1", "foo");
	EXPECT("-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
	       "ZRANDMEMBER", "one", "-9223372036854775808");
	EXPECT("-ERR value is out of range\r\n", "ZRANDMEMBER", "one", "-9223372036854775807", "WITHSCORES");
	fx.c.proto = 3;
	EXPECT("*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\na\r\n,1\r\n", "ZRANDMEMBER", "one", "-2", "WITHSCORES");
	fx.c.proto = 2;
	/* 30 members: distinct picks (sparse and dense paths), repeats. */
	for (int i = 0; i < 30; i++) {
		char m[8], sc[8];
		snprintf(m, sizeof m, "m%02d", i);
		snprintf(sc, sizeof sc, "%d", i);
		const char *av[] = { "ZADD", "z", sc, m };
		free(fx_execv(4, av, NULL, &len));
	}
	static const char *counts[] = { "5", "25", "30", "100" };
	for (int c = 0; c < 4; c++) {
		argv[0] = "ZRANDMEMBER";
		argv[1] = "z";
		argv[2] = counts[c];
		r = fx_execv(3, argv, NULL, &len);
		int want = atoi(counts[c]) < 30 ? atoi(counts[c]) : 30, total = 0;
		char head[16];
		snprintf(head, sizeof head, "*%d\r\n", want);
		ck_assert_msg(strncmp(r, head, strlen(head)) == 0, "%s", fx_show(r, len));
		for (int i = 0; i < 30; i++) {
			char m[8];
			snprintf(m, sizeof m, "m%02d", i);
			int n = count_member(r - 2 + strlen(head), m);
			ck_assert_int_le(n, 1);
			total += n;
		}
		ck_assert_int_eq(total, want);
		free(r);
	}
	argv[2] = "-200";
	argv[3] = "WITHSCORES";
	r = fx_execv(4, argv, NULL, &len);
	ck_assert(strncmp(r, "*400\r\n", 6) == 0);
	int total = 0, distinct = 0;
	for (int i = 0; i < 30; i++) {
		char m[8];
		snprintf(m, sizeof m, "m%02d", i);
		int n = count_member(r + 4, m);
		total += n;
		distinct += n > 0;
	}
	ck_assert_int_eq(total, 200);
	ck_assert_int_gt(distinct, 20);   /* 200 draws of 30: all but certainly > 20 */
	free(r);
}
END_TEST

START_TEST(zscan)
{
	const char *argv[8];
	size_t len;
	EXPECT("*2\r\n$1\r\n0\r\n*0\r\n", "ZSCAN", "z", "0");
	EXPECT("-ERR invalid cursor\r\n", "ZSCAN", "z", "x");
	EXPECT(":2\r\n", "ZADD", "z", "1", "x", "2.5", "y");
	EXPECT("*2\r\n$1\r\n0\r\n*4\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$3\r\n2.5\r\n", "ZSCAN", "z", "0");
	EXPECT("*2\r\n$1\r\n0\r\n*2\r\n$1\r\ny\r\n$3\r\n2.5\r\n", "ZSCAN", "z", "0", "MATCH", "y*", "COUNT", "1");
	EXPECT(SYNTAX, "ZSCAN", "z", "0", "COUNT", "0");
	EXPECT(SYNTAX, "ZSCAN", "z", "0", "foo");
	EXPECT(SYNTAX, "ZSCAN", "z", "0", "MATCH");
	EXPECT(NOTINT, "ZSCAN", "z", "0", "COUNT", "x");
	EXPECT("-ERR invalid cursor\r\n", "ZSCAN", "z", "18446744073709551616");
	fx.c.proto = 3;   /* scores stay bulk strings */
	EXPECT("*2\r\n$1\r\n0\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n", "ZSCAN", "z", "+0", "MATCH", "x");
	fx.c.proto = 2;
	/* A big set is visited in steps; every member comes back exactly once. */
	enum { N = 1000 };
	static char seen[N];
	for (int i = 0; i < N; i++) {
		char m[8];
		snprintf(m, sizeof m, "e%d", i);
		const char *av[] = { "ZADD", "big", "1", m };
		free(fx_execv(4, av, NULL, &len));
	}
	char cursor[32] = "0";
	int calls = 0;
	do {
		argv[0] = "ZSCAN";
		argv[1] = "big";
		argv[2] = cursor;
		argv[3] = "COUNT";
		argv[4] = "50";
		char *r = fx_execv(5, argv, NULL, &len);
		const char *p = r;
		int clen, n;
		ck_assert(sscanf(p, "*2\r\n$%d\r\n", &clen) == 1);
		p = strstr(p + 1, "\r\n") + 2;
		p = strstr(p, "\r\n") + 2;
		memcpy(cursor, p, (size_t)clen);
		cursor[clen] = '\0';
		p += clen + 2;
		ck_assert(sscanf(p, "*%d\r\n", &n) == 1);
		p = strstr(p, "\r\n") + 2;
		for (int i = 0; i < n / 2; i++) {
			int ml, idx;
			ck_assert(sscanf(p, "$%d\r\ne%d\r\n", &ml, &idx) == 2);
			ck_assert(idx >= 0 && idx < N);
			ck_assert_int_eq(seen[idx], 0);
			seen[idx] = 1;
			p = strstr(p, "\r\n") + 2;
			p = strstr(p, "\r\n") + 2;   /* member */
			p = strstr(p, "\r\n") + 2;   /* $1 */
			p = strstr(p, "\r\n") + 2;   /* "1" */
		}
		free(r);
		calls++;
	} while (strcmp(cursor, "0") != 0 && calls < 10000);
	ck_assert_int_gt(calls, 5);
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(seen[i], 1);
}
END_TEST

/* ---- types, write path, stamps ---------------------------------------------------------- */

START_TEST(wrongtype_everywhere)
{
	EXPECT("+OK\r\n", "SET", "s", "v");
	EXPECT(WRONGTYPE, "ZADD", "s", "1", "a");
	EXPECT(WRONGTYPE, "ZINCRBY", "s", "1", "a");
	EXPECT(WRONGTYPE, "ZREM", "s", "a");
	EXPECT(WRONGTYPE, "ZCARD", "s");
	EXPECT(WRONGTYPE, "ZSCORE", "s", "a");
	EXPECT(WRONGTYPE, "ZMSCORE", "s", "a");
	EXPECT(WRONGTYPE, "ZRANK", "s", "a");
	EXPECT(WRONGTYPE, "ZCOUNT", "s", "0", "1");
	EXPECT(WRONGTYPE, "ZLEXCOUNT", "s", "-", "+");
	EXPECT(WRONGTYPE, "ZRANGE", "s", "0", "1");
	EXPECT(WRONGTYPE, "ZRANGESTORE", "d", "s", "0", "1");
	EXPECT(WRONGTYPE, "ZREMRANGEBYRANK", "s", "0", "1");
	EXPECT(WRONGTYPE, "ZPOPMIN", "s");
	EXPECT(WRONGTYPE, "ZPOPMIN", "s", "0");
	EXPECT(WRONGTYPE, "ZMPOP", "2", "nokey", "s", "MIN");
	EXPECT(WRONGTYPE, "BZPOPMAX", "s", "nokey", "0");
	EXPECT(WRONGTYPE, "ZRANDMEMBER", "s");
	EXPECT(WRONGTYPE, "ZRANDMEMBER", "s", "1");
	EXPECT(WRONGTYPE, "ZSCAN", "s", "0");
	/* The syntax of the range comes first. */
	EXPECT(MINMAX, "ZCOUNT", "s", "x", "1");
	EXPECT("$1\r\nv\r\n", "GET", "s");
	ck_assert_int_eq(fx_type("d"), -1);
}
END_TEST

START_TEST(write_path_changes)
{
	memset(&fx.chg, 0, sizeof fx.chg);
	EXPECT(":2\r\n", "ZADD", "z", "1", "a", "2", "b");
	CHANGES(1, 0, 0);
	EXPECT(":0\r\n", "ZADD", "z", "1", "a");      /* no change, no write */
	EXPECT(":0\r\n", "ZREM", "z", "nope");
	EXPECT(":0\r\n", "ZREMRANGEBYSCORE", "z", "5", "6");
	EXPECT("$-1\r\n", "ZADD", "z", "NX", "INCR", "1", "a");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "ZRANGE", "z", "0", "-1");
	CHANGES(0, 0, 0);
	EXPECT(":0\r\n", "ZADD", "z", "5", "a");
	CHANGES(1, 0, 0);
	EXPECT(":2\r\n", "ZREM", "z", "a", "b");
	CHANGES(0, 1, 0);
	EXPECT(":1\r\n", "ZADD", "z", "1", "a");
	EXPECT(":1\r\n", "ZRANGESTORE", "d", "z", "0", "-1");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZPOPMIN", "z");
	CHANGES(2, 1, 0);
}
END_TEST

static uint64_t member_stamp(const char *key, const char *m)
{
	struct kvs_key k;
	kvs_key_init(&fx.eng.ks, &k, key, strlen(key));
	struct kvs_entry *e = ks_find(&fx.eng.ks, 0, &k, fx_now(), NULL);
	ck_assert_ptr_nonnull(e);
	struct kvs_znode *n = kvs_zset_find(kvs_entry_obj(e), m, strlen(m));
	ck_assert_ptr_nonnull(n);
	return kvs_znode_entry(n)->stamp;
}

START_TEST(member_stamps)
{
	EXPECT(":2\r\n", "ZADD", "z", "1", "a", "2", "b");
	uint64_t a1 = member_stamp("z", "a"), b1 = member_stamp("z", "b");
	ck_assert_uint_ne(a1, 0);
	ck_assert_uint_gt(b1, a1);
	fx_sleep(5);
	EXPECT(":0\r\n", "ZADD", "z", "1", "a", "3", "b");   /* a unchanged */
	ck_assert_uint_eq(member_stamp("z", "a"), a1);
	uint64_t b2 = member_stamp("z", "b");
	ck_assert_uint_gt(b2, b1);
	ck_assert_uint_ge(kvs_hlc_ms(b2), fx_now());
	EXPECT("$1\r\n2\r\n", "ZINCRBY", "z", "1", "a");
	ck_assert_uint_gt(member_stamp("z", "a"), b2);
	EXPECT(":0\r\n", "ZADD", "z", "GT", "1", "b");
	ck_assert_uint_eq(member_stamp("z", "b"), b2);
}
END_TEST

/* ---- the tree against a model ------------------------------------------------------- */

struct mz {
	char m[8];
	double score;
};

static uint64_t rnd_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int mz_cmp(const struct mz *a, double score, const char *m)
{
	if (a->score != score)
		return a->score < score ? -1 : 1;
	return strcmp(a->m, m);
}

/* Sorted array of members; returns the index of m (or -1). */
static int mz_find(const struct mz *v, int n, const char *m)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i].m, m))
			return i;
	return -1;
}

static void mz_remove(struct mz *v, int *n, int i)
{
	memmove(&v[i], &v[i + 1], (size_t)(*n - i - 1) * sizeof *v);
	(*n)--;
}

static void mz_insert(struct mz *v, int *n, double score, const char *m)
{
	int i = 0;
	while (i < *n && mz_cmp(&v[i], score, m) < 0)
		i++;
	memmove(&v[i + 1], &v[i], (size_t)(*n - i) * sizeof *v);
	snprintf(v[i].m, sizeof v[i].m, "%s", m);
	v[i].score = score;
	(*n)++;
}

static void zs_check(const struct kvs_zset *z, const struct mz *v, int n)
{
	ck_assert_uint_eq(z->len, (size_t)n);
	struct kvs_zit it, back;
	const struct kvs_znode *x = kvs_zset_first(z, &it);
	for (int i = 0; i < n; i++, x = kvs_zit_next(&it)) {
		size_t len;
		const char *m = kvs_znode_member(x, &len);
		ck_assert(len == strlen(v[i].m) && memcmp(m, v[i].m, len) == 0);
		ck_assert(x->score == v[i].score);
		ck_assert_uint_eq(kvs_zset_rank(z, x), (size_t)i);
		ck_assert_ptr_eq(kvs_zset_at(z, (size_t)i, NULL), x);
		ck_assert_ptr_eq(kvs_zset_find(z, v[i].m, strlen(v[i].m)), x);
	}
	ck_assert_ptr_null(x);
	ck_assert_ptr_eq(kvs_zset_last(z, NULL), n ? kvs_zset_at(z, (size_t)n - 1, NULL) : NULL);
	/* And backwards, from the last place. */
	x = kvs_zset_last(z, &back);
	for (int i = n - 1; i >= 0; i--, x = kvs_zit_prev(&back)) {
		size_t len;
		const char *m = kvs_znode_member(x, &len);
		ck_assert(len == strlen(v[i].m) && memcmp(m, v[i].m, len) == 0);
	}
	ck_assert_ptr_null(x);
}

/* Model answer for the first member in a score range. */
static int mz_first_in(const struct mz *v, int n, const struct kvs_zrange *r)
{
	for (int i = 0; i < n; i++)
		if (kvs_zrange_gte_min(v[i].score, r))
			return kvs_zrange_lte_max(v[i].score, r) ? i : -1;
	return -1;
}

static int mz_last_in(const struct mz *v, int n, const struct kvs_zrange *r)
{
	for (int i = n - 1; i >= 0; i--)
		if (kvs_zrange_lte_max(v[i].score, r))
			return kvs_zrange_gte_min(v[i].score, r) ? i : -1;
	return -1;
}

START_TEST(tree_vs_model)
{
	enum { MAXM = 400 };
	static struct mz v[MAXM];
	int n = 0;
	uint64_t s = 0x51ed270b7f7c3a5dull + (uint64_t)_i * 104729;
	struct kvs_zset *z = kvs_zset_new(77);
	for (int step = 0; step < 8000; step++) {
		char m[8];
		snprintf(m, sizeof m, "m%u", (unsigned)(rnd_next(&s) % MAXM));
		double score = (double)((int)(rnd_next(&s) % 21) - 10) / 2;
		int at = mz_find(v, n, m);
		uint64_t op = rnd_next(&s) % 10;
		struct kvs_znode *x = kvs_zset_find(z, m, strlen(m));
		ck_assert_int_eq(x != NULL, at >= 0);
		if (op < 5 && at < 0) {
			kvs_zset_insert(z, score, m, strlen(m));
			mz_insert(v, &n, score, m);
		} else if (op < 7 && at >= 0) {
			kvs_zset_set_score(z, x, score);
			ck_assert_ptr_eq(kvs_zset_find(z, m, strlen(m)), x);
			mz_remove(v, &n, at);
			mz_insert(v, &n, score, m);
		} else if (op < 9 && at >= 0) {
			kvs_zset_delete(z, x);
			mz_remove(v, &n, at);
		} else if (n) {
			struct kvs_zrange r = { (double)((int)(rnd_next(&s) % 25) - 12) / 2,
						(double)((int)(rnd_next(&s) % 25) - 12) / 2, (int)(rnd_next(&s) & 1),
						(int)(rnd_next(&s) & 1) };
			int f = mz_first_in(v, n, &r), l = mz_last_in(v, n, &r);
			struct kvs_znode *fx_ = kvs_zset_first_in(z, &r, NULL), *lx = kvs_zset_last_in(z, &r, NULL);
			if (f < 0 || l < 0 || f > l) {
				ck_assert(fx_ == NULL || lx == NULL || kvs_zset_rank(z, fx_) > kvs_zset_rank(z, lx));
			} else {
				ck_assert_ptr_eq(fx_, kvs_zset_at(z, (size_t)f, NULL));
				ck_assert_ptr_eq(lx, kvs_zset_at(z, (size_t)l, NULL));
			}
		}
		if (step % 500 == 0)
			zs_check(z, v, n);
	}
	zs_check(z, v, n);
	struct kvs_zset *d = kvs_zset_dup(z);
	zs_check(d, v, n);
	/* A copy packs its leaves: never bigger. */
	ck_assert_uint_le(kvs_zset_mem(d), kvs_zset_mem(z));
	/* Range deletes against the model. */
	struct kvs_zrange r = { -2, 2, 1, 0 };
	int removed = 0;
	for (int i = 0; i < n;)
		if (kvs_zrange_gte_min(v[i].score, &r) && kvs_zrange_lte_max(v[i].score, &r)) {
			mz_remove(v, &n, i);
			removed++;
		} else {
			i++;
		}
	ck_assert_uint_eq(kvs_zset_delete_range(d, &r), (size_t)removed);
	zs_check(d, v, n);
	if (n > 10) {
		ck_assert_uint_eq(kvs_zset_delete_ranks(d, 3, 7), 5);
		for (int i = 0; i < 5; i++)
			mz_remove(v, &n, 3);
		zs_check(d, v, n);
	}
	kvs_zset_free(d);
	kvs_zset_free(z);
}
END_TEST

/* ---- the commands against a model --------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_add(struct sbuf *b, const char *p, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char t[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t, sizeof t, fmt, ap);
	va_end(ap);
	sb_add(b, t, (size_t)n);
}

static void sb_bulk(struct sbuf *b, const char *s)
{
	sb_printf(b, "$%zu\r\n%s\r\n", strlen(s), s);
}

/* Redis 7.0 prints scores with %.17g (inf as "inf"). */
static void sb_score(struct sbuf *b, double d)
{
	char t[64];
	if (isinf(d))
		snprintf(t, sizeof t, "%s", d > 0 ? "inf" : "-inf");
	else
		snprintf(t, sizeof t, "%.17g", d);
	sb_bulk(b, t);
}

static void cmd_cmp(const struct sbuf *want, int argc, ...)
{
	const char *argv[16];
	size_t len;
	va_list ap;
	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, const char *);
	va_end(ap);
	char *got = fx_execv(argc, argv, NULL, &len);
	ck_assert_msg(len == want->len && memcmp(got, want->p, len) == 0, "%s %s %s %s: got \"%s\", want \"%s\"",
		      argv[0], argv[1], argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "", fx_show(got, len),
		      fx_show(want->p, want->len));
	free(got);
}

static double rnd_score(uint64_t *s)
{
	uint64_t r = rnd_next(s) % 40;
	if (r == 0)
		return INFINITY;
	if (r == 1)
		return -INFINITY;
	return (double)((int)(r % 17) - 8) / 2;
}

static void fmt_score(char *buf, size_t cap, double d)
{
	if (isinf(d))
		snprintf(buf, cap, "%s", d > 0 ? "+inf" : "-inf");
	else
		snprintf(buf, cap, "%.17g", d);
}

/* A random range bound, possibly exclusive. */
static void rnd_bound(uint64_t *s, char *buf, size_t cap, double *v, int *ex)
{
	char t[24];
	*v = rnd_score(s);
	*ex = (int)(rnd_next(s) % 3 == 0);
	fmt_score(t, sizeof t, *v);
	snprintf(buf, cap, "%s%s", *ex ? "(" : "", t);
}

static int in_range(double v, double min, int minex, double max, int maxex)
{
	return (minex ? v > min : v >= min) && (maxex ? v < max : v <= max);
}

static void zcmd_step(struct mz *v, int *n, uint64_t *s)
{
	char m[8], a1[32], a2[32], a3[32];
	struct sbuf want = { NULL, 0, 0 };
	snprintf(m, sizeof m, "m%u", (unsigned)(rnd_next(s) % 60));
	int at = mz_find(v, *n, m);
	uint64_t op = rnd_next(s) % 9;
	if (op < 3) {   /* ZADD z [GT|LT|NX|XX] score m */
		static const char *flags[] = { NULL, "GT", "LT", "NX", "XX" };
		const char *fl = flags[rnd_next(s) % 5];
		double sc = rnd_score(s);
		int add = 0;
		fmt_score(a1, sizeof a1, sc);
		if (at < 0 && !(fl && !strcmp(fl, "XX"))) {
			mz_insert(v, n, sc, m);
			add = 1;
		} else if (at >= 0 && !(fl && !strcmp(fl, "NX"))) {
			double cur = v[at].score;
			if (!(fl && ((!strcmp(fl, "GT") && sc <= cur) || (!strcmp(fl, "LT") && sc >= cur)))) {
				mz_remove(v, n, at);
				mz_insert(v, n, sc, m);
			}
		}
		sb_printf(&want, ":%d\r\n", add);
		if (fl)
			cmd_cmp(&want, 5, "ZADD", "z", fl, a1, m);
		else
			cmd_cmp(&want, 4, "ZADD", "z", a1, m);
	} else if (op == 3) {   /* ZREM z m */
		if (at >= 0)
			mz_remove(v, n, at);
		sb_printf(&want, ":%d\r\n", at >= 0);
		cmd_cmp(&want, 3, "ZREM", "z", m);
	} else if (op == 4) {   /* ZRANK z m */
		if (at >= 0)
			sb_printf(&want, ":%d\r\n", at);
		else
			sb_add(&want, "$-1\r\n", 5);
		cmd_cmp(&want, 3, "ZRANK", "z", m);
	} else if (op == 5) {   /* ZRANGEBYSCORE z min max WITHSCORES LIMIT off cnt */
		double mn, mx;
		int mnex, mxex, off = (int)(rnd_next(s) % 4), cnt = (int)(rnd_next(s) % 6) - 1, k = 0;
		char so[8], sc[8];
		rnd_bound(s, a1, sizeof a1, &mn, &mnex);
		rnd_bound(s, a2, sizeof a2, &mx, &mxex);
		snprintf(so, sizeof so, "%d", off);
		snprintf(sc, sizeof sc, "%d", cnt);
		struct sbuf body = { NULL, 0, 0 };
		int skip = off;
		for (int i = 0; i < *n; i++) {
			if (!in_range(v[i].score, mn, mnex, mx, mxex))
				continue;
			if (skip) {
				skip--;
				continue;
			}
			if (cnt >= 0 && k == cnt)
				break;
			sb_bulk(&body, v[i].m);
			sb_score(&body, v[i].score);
			k++;
		}
		sb_printf(&want, "*%d\r\n", 2 * k);
		if (body.len)
			sb_add(&want, body.p, body.len);
		free(body.p);
		cmd_cmp(&want, 8, "ZRANGEBYSCORE", "z", a1, a2, "WITHSCORES", "LIMIT", so, sc);
	} else if (op == 6) {   /* ZREVRANGE z start stop */
		long long st = (long long)(rnd_next(s) % 15) - 7, en = (long long)(rnd_next(s) % 15) - 7;
		snprintf(a1, sizeof a1, "%lld", st);
		snprintf(a2, sizeof a2, "%lld", en);
		if (st < 0)
			st += *n;
		if (en < 0)
			en += *n;
		if (st < 0)
			st = 0;
		if (en >= *n)
			en = *n - 1;
		if (st > en || st >= *n) {
			sb_add(&want, "*0\r\n", 4);
		} else {
			sb_printf(&want, "*%lld\r\n", en - st + 1);
			for (long long i = st; i <= en; i++)
				sb_bulk(&want, v[*n - 1 - i].m);
		}
		cmd_cmp(&want, 4, "ZREVRANGE", "z", a1, a2);
	} else if (op == 7) {   /* ZCOUNT, then ZREMRANGEBYSCORE on the same range now and then */
		double mn, mx;
		int mnex, mxex, k = 0;
		rnd_bound(s, a1, sizeof a1, &mn, &mnex);
		rnd_bound(s, a2, sizeof a2, &mx, &mxex);
		for (int i = 0; i < *n; i++)
			k += in_range(v[i].score, mn, mnex, mx, mxex);
		sb_printf(&want, ":%d\r\n", k);
		int rem = rnd_next(s) % 4 == 0;
		cmd_cmp(&want, 4, rem ? "ZREMRANGEBYSCORE" : "ZCOUNT", "z", a1, a2);
		for (int i = 0; rem && i < *n;) {
			if (in_range(v[i].score, mn, mnex, mx, mxex))
				mz_remove(v, n, i);
			else
				i++;
		}
	} else {   /* ZINCRBY z incr m */
		double inc = (double)((int)(rnd_next(s) % 9) - 4) / 2, sc = inc;
		if (at >= 0) {
			sc = v[at].score + inc;
			if (isnan(sc)) {
				sb_add(&want, "-ERR resulting score is not a number (NaN)\r\n", 44);
				snprintf(a1, sizeof a1, "%.17g", inc);
				cmd_cmp(&want, 4, "ZINCRBY", "z", a1, m);
				free(want.p);
				return;
			}
			mz_remove(v, n, at);
		}
		mz_insert(v, n, sc, m);
		snprintf(a1, sizeof a1, "%.17g", inc);
		sb_score(&want, sc);
		cmd_cmp(&want, 4, "ZINCRBY", "z", a1, m);
	}
	(void)a3;
	free(want.p);
}

START_TEST(commands_vs_model)
{
	static struct mz v[64];
	int n = 0;
	uint64_t s = 0x1234567887654321ull ^ ((uint64_t)_i << 40);
	for (int step = 0; step < 4000; step++)
		zcmd_step(v, &n, &s);
	ck_assert_int_eq(fx_type("z"), n ? KVS_T_ZSET : -1);
	struct sbuf want = { NULL, 0, 0 };
	sb_printf(&want, "*%d\r\n", 2 * n);
	for (int i = 0; i < n; i++) {
		sb_bulk(&want, v[i].m);
		sb_score(&want, v[i].score);
	}
	cmd_cmp(&want, 5, "ZRANGE", "z", "0", "-1", "WITHSCORES");
	free(want.p);
}
END_TEST

/* Lex ranges on a set whose members all score 0. */
static void rnd_lex(uint64_t *s, char *buf, size_t cap)
{
	uint64_t r = rnd_next(s) % 10;
	if (r == 0)
		snprintf(buf, cap, "-");
	else if (r == 1)
		snprintf(buf, cap, "+");
	else
		snprintf(buf, cap, "%c%c%s", r & 1 ? '(' : '[', 'a' + (int)(rnd_next(s) % 6),
			 rnd_next(s) & 1 ? "a" : "");
}

static int lex_ok(const char *m, const char *b, int is_min)
{
	if (b[0] == '-')
		return is_min;
	if (b[0] == '+')
		return !is_min;
	int c = strcmp(m, b + 1);
	if (b[0] == '(')
		return is_min ? c > 0 : c < 0;
	return is_min ? c >= 0 : c <= 0;
}

START_TEST(lex_vs_model)
{
	static struct mz v[64];
	int n = 0;
	char a1[8], a2[8];
	uint64_t s = 0xabcdef0123456789ull + (uint64_t)_i;
	for (int step = 0; step < 3000; step++) {
		struct sbuf want = { NULL, 0, 0 };
		uint64_t op = rnd_next(&s) % 4;
		if (op == 0) {
			char m[4] = { (char)('a' + rnd_next(&s) % 6), rnd_next(&s) & 1 ? 'a' : '\0', '\0', '\0' };
			int add = mz_find(v, n, m) < 0;
			if (add)
				mz_insert(v, &n, 0, m);
			sb_printf(&want, ":%d\r\n", add);
			cmd_cmp(&want, 4, "ZADD", "L", "0", m);
			free(want.p);
			continue;
		}
		rnd_lex(&s, a1, sizeof a1);
		rnd_lex(&s, a2, sizeof a2);
		int k = 0;
		struct sbuf body = { NULL, 0, 0 };
		for (int i = 0; i < n; i++)
			if (lex_ok(v[i].m, a1, 1) && lex_ok(v[i].m, a2, 0)) {
				sb_bulk(&body, v[i].m);
				k++;
			}
		if (op == 1) {
			sb_printf(&want, "*%d\r\n", k);
			if (body.len)
				sb_add(&want, body.p, body.len);
			cmd_cmp(&want, 4, "ZRANGEBYLEX", "L", a1, a2);
		} else {
			sb_printf(&want, ":%d\r\n", k);
			cmd_cmp(&want, 4, op == 2 ? "ZLEXCOUNT" : "ZREMRANGEBYLEX", "L", a1, a2);
			for (int i = 0; op == 3 && i < n;) {
				if (lex_ok(v[i].m, a1, 1) && lex_ok(v[i].m, a2, 0))
					mz_remove(v, &n, i);
				else
					i++;
			}
		}
		free(body.p);
		free(want.p);
	}
}
END_TEST

/* ---- blocking --------------------------------------------------------------------------------- */

START_TEST(bzpop_immediate_and_errors)
{
	EXPECT(":2\r\n", "ZADD", "z", "1", "a", "2", "b");
	EXPECT("*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n", "BZPOPMIN", "nokey", "z", "0");
	EXPECT("*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", "BZMPOP", "0", "1", "z", "MAX", "COUNT", "5");
	EXPECT("-ERR timeout is negative\r\n", "BZPOPMIN", "z", "-1");
	EXPECT("-ERR timeout is not a float or out of range\r\n", "BZPOPMIN", "z", "x");
	EXPECT("-ERR timeout is not a float or out of range\r\n", "BZMPOP", "x", "1", "z", "MIN");
	EXPECT("-ERR numkeys should be greater than 0\r\n", "BZMPOP", "0", "0", "z", "MIN");
	EXPECT("+OK\r\n", "MULTI");
	EXPECT("+QUEUED\r\n", "BZPOPMIN", "z", "0");
	EXPECT("+QUEUED\r\n", "BZMPOP", "0", "1", "z", "MIN");
	EXPECT("*2\r\n*-1\r\n*-1\r\n", "EXEC");
	fx.c.proto = 3;
	EXPECT(":1\r\n", "ZADD", "z", "1.5", "a");
	EXPECT("*3\r\n$1\r\nz\r\n$1\r\na\r\n,1.5\r\n", "BZPOPMAX", "z", "0");
}
END_TEST

START_TEST(bzpop_served)
{
	struct tclient w1, w2;
	tc_init(&w1, 2);
	tc_init(&w2, 3);
	TC_EXPECT(&w1, "", "BZPOPMIN", "z", "0");
	TC_EXPECT(&w2, "", "BZMPOP", "0", "2", "y", "z", "MAX", "COUNT", "2");
	EXPECT(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c");
	TC_MAIL(&w1, "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n");
	TC_MAIL(&w2, "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n");
	ck_assert_int_eq(tc_served(&w1), 1);
	ck_assert_int_eq(tc_served(&w2), 1);
	ck_assert_int_eq(fx_type("z"), -1);
	/* Timeout, and no serving after it. */
	TC_EXPECT(&w1, "", "BZPOPMAX", "z", "2");
	ck_assert_uint_eq(kvs_block_deadline(&w1.c), fx_now() + 2000);
	w1.out.len = 0;
	ck_assert_int_eq(kvs_block_cancel(&w1.c, 1), 1);
	ck_assert(w1.out.len == 5 && memcmp(w1.out.data, "*-1\r\n", 5) == 0);
	EXPECT(":1\r\n", "ZADD", "z", "1", "a");
	TC_MAIL(&w1, "");
	/* A serving re-run waits past a key that is not a sorted set. */
	TC_EXPECT(&w1, "", "BZPOPMIN", "k1", "k2", "0");
	EXPECT("+OK\r\n", "SET", "k1", "v");
	TC_MAIL(&w1, "");
	EXPECT(":1\r\n", "ZADD", "k2", "7", "m");
	TC_MAIL(&w1, "*3\r\n$2\r\nk2\r\n$1\r\nm\r\n$1\r\n7\r\n");
	tc_served(&w1);
	tc_free(&w1);
	tc_free(&w2);
}
END_TEST

/* Random inserts, score changes (in place and moving), deletions of
 * members, score ranges and rank ranges, and a copy: after every step the
 * tree is checked whole (order, keys and counts, fill, leaf links, index).
 * Few distinct scores, so ties (ordered by member) are common. */
START_TEST(tree_invariants_under_random_operations)
{
	struct kvs_zset *z = kvs_zset_new(42);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char err[200], m[16];
	size_t present = 0;
	for (int step = 0; step < 4000; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int len = snprintf(m, sizeof m, "m%u", (unsigned)(x % 300));
		double score = (double)((x >> 20) % 40) - 10;
		struct kvs_znode *n = kvs_zset_find(z, m, (size_t)len);
		switch ((x >> 40) % 8) {
		case 0: case 1: case 2:
			if (!n) {
				kvs_zset_insert(z, score, m, (size_t)len);
				present++;
			}
			break;
		case 3: case 4:
			if (n)   /* anywhere, or a nudge that may keep its place */
				kvs_zset_set_score(z, n, (x >> 50) & 1 ? score : n->score + 0.5);
			break;
		case 5:
			if (n) {
				kvs_zset_delete(z, n);
				present--;
			}
			break;
		case 6: {
			struct kvs_zrange r = { score, score + 1, 0, (int)((x >> 45) & 1) };
			if ((x >> 52) % 8 == 0)
				present -= kvs_zset_delete_range(z, &r);
			break;
		}
		default:
			if ((x >> 52) % 16 == 0 && z->len > 10)
				present -= kvs_zset_delete_ranks(z, 3, 5);
			break;
		}
		ck_assert_uint_eq(z->len, present);
		ck_assert_msg(kvs_zset_check(z, err, sizeof err) == 0, "step %d: %s", step, err);
	}
	ck_assert_uint_gt(present, 50);
	struct kvs_zset *d = kvs_zset_dup(z);
	ck_assert_msg(kvs_zset_check(d, err, sizeof err) == 0, "copy: %s", err);
	ck_assert_uint_eq(d->len, z->len);
	kvs_zset_free(d);
	kvs_zset_free(z);
}
END_TEST

/* The checker itself notices a broken structure. */
START_TEST(tree_check_catches_disorder)
{
	struct kvs_zset *z = kvs_zset_new(7);
	char err[200];
	kvs_zset_insert(z, 1, "a", 1);
	struct kvs_znode *b = kvs_zset_insert(z, 2, "b", 1);
	ck_assert_int_eq(kvs_zset_check(z, err, sizeof err), 0);
	b->score = 0;   /* behind the tree's back */
	ck_assert_int_eq(kvs_zset_check(z, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "score copy"));
	b->score = 2;
	ck_assert_int_eq(kvs_zset_check(z, err, sizeof err), 0);
	kvs_zset_free(z);
}
END_TEST

static void zcheck(const struct kvs_zset *z, const char *what)
{
	char err[200];
	ck_assert_msg(kvs_zset_check(z, err, sizeof err) == 0, "%s: %s", what, err);
}

/* Sets big enough for three or four inner levels: random work with ties,
 * wide range deletions (runs across many leaves), lex deletions counted
 * against a direct count, in-order loading (appends) and emptying from
 * the front (merges, lowering the root), each checked whole. */
START_TEST(tree_invariants_large)
{
	struct kvs_zset *z = kvs_zset_new(99);
	uint64_t x = 0x2545f4914f6cdd1dull;
	char m[24];
	for (int step = 0; step < 120000; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int len = snprintf(m, sizeof m, "m%05u", (unsigned)(x % 40000));
		double score = (double)((x >> 20) % 60);
		struct kvs_znode *n = kvs_zset_find(z, m, (size_t)len);
		unsigned op = (unsigned)((x >> 40) % 10);
		if (!n && op < 6)
			kvs_zset_insert(z, score, m, (size_t)len);
		else if (n && op < 8)
			kvs_zset_set_score(z, n, score);
		else if (n)
			kvs_zset_delete(z, n);
		if (step % 20000 == 0)
			zcheck(z, "random work");
	}
	zcheck(z, "random work");
	ck_assert_uint_gt(z->len, 15000);
	ck_assert_ptr_eq(kvs_zset_at(z, z->len, NULL), NULL);
	/* Scores 10..30: about a third of the members, in one call. */
	size_t before = z->len, inrange = 0;
	struct kvs_zit it;
	for (struct kvs_znode *y = kvs_zset_first(z, &it); y; y = kvs_zit_next(&it))
		inrange += y->score >= 10 && y->score <= 30;
	struct kvs_zrange r = { 10, 30, 0, 0 };
	ck_assert_uint_eq(kvs_zset_delete_range(z, &r), inrange);
	ck_assert_uint_eq(z->len, before - inrange);
	zcheck(z, "range deletion");
	ck_assert_ptr_null(kvs_zset_first_in(z, &r, NULL));
	/* All but the first and last 100 ranks. */
	size_t keep_first = 100, keep_last = 100;
	struct kvs_znode *first_gone = kvs_zset_at(z, keep_first - 1, NULL);
	struct kvs_znode *last_kept = kvs_zset_at(z, z->len - keep_last, NULL);
	ck_assert_uint_eq(kvs_zset_delete_ranks(z, keep_first, z->len - keep_last - 1),
			  before - inrange - keep_first - keep_last);
	ck_assert_uint_eq(z->len, keep_first + keep_last);
	ck_assert_ptr_eq(kvs_zset_at(z, keep_first - 1, NULL), first_gone);
	ck_assert_ptr_eq(kvs_zset_at(z, keep_first, NULL), last_kept);
	zcheck(z, "rank deletion");
	kvs_zset_free(z);

	/* Equal scores: a lex range. */
	z = kvs_zset_new(5);
	for (unsigned i = 0; i < 30000; i++) {
		int len = snprintf(m, sizeof m, "k%u", (i * 7919u) % 30000u);
		kvs_zset_insert(z, 0, m, (size_t)len);
	}
	zcheck(z, "lex load");
	struct kvs_zlexrange lr = { { "k1000", 5, 0, 0 }, { "k5000", 5, 1, 0 }, };
	size_t want = 0;
	for (struct kvs_znode *y = kvs_zset_first(z, &it); y; y = kvs_zit_next(&it)) {
		size_t len;
		const char *p = kvs_znode_member(y, &len);
		want += kvs_zmember_cmp(p, len, "k1000", 5) >= 0 && kvs_zmember_cmp(p, len, "k5000", 5) < 0;
	}
	ck_assert_uint_gt(want, 4000);
	ck_assert_uint_eq(kvs_zset_delete_lex(z, &lr), want);
	ck_assert_uint_eq(z->len, 30000 - want);
	ck_assert_ptr_null(kvs_zset_first_in_lex(z, &lr, NULL));
	zcheck(z, "lex deletion");
	kvs_zset_free(z);

	/* In order: every insert appends; then empty from the front. */
	z = kvs_zset_new(6);
	for (unsigned i = 0; i < 50000; i++) {
		int len = snprintf(m, sizeof m, "t%u", i);
		kvs_zset_insert(z, i, m, (size_t)len);
	}
	zcheck(z, "appends");
	/* Nudges that keep every member in its place (in place updates, of
	 * each leaf's largest pair too, whose copies sit in the levels above),
	 * and back. */
	for (int back = 0; back < 2; back++) {
		for (unsigned i = 0; i < 50000; i++)
			kvs_zset_set_score(z, kvs_zset_at(z, i, NULL), back ? i : i + 0.5);
		zcheck(z, back ? "nudged back" : "nudged");
	}
	struct kvs_zset *d = kvs_zset_dup(z);
	zcheck(d, "copy");
	/* Appending packs leaves full: no more room than a copy takes. */
	ck_assert_uint_eq(kvs_zset_mem(d), kvs_zset_mem(z));
	for (unsigned i = 0; z->len; i++) {
		struct kvs_znode *y = kvs_zset_first(z, NULL);
		ck_assert(y->score == i);
		kvs_zset_delete(z, y);
		if (i % 5000 == 0)
			zcheck(z, "emptying");
	}
	zcheck(z, "empty");
	ck_assert_ptr_null(kvs_zset_first(z, NULL));
	ck_assert_ptr_null(kvs_zset_last(z, NULL));
	kvs_zset_insert(z, 1, "again", 5);
	zcheck(z, "reused");
	/* From the back, with ranks checked on the way. */
	for (size_t i = d->len; i-- > 0;) {
		struct kvs_znode *y = kvs_zset_last(d, NULL);
		ck_assert(y->score == (double)i);
		if (i % 997 == 0)
			ck_assert_uint_eq(kvs_zset_rank(d, y), i);
		kvs_zset_delete(d, y);
	}
	zcheck(d, "emptied backwards");
	kvs_zset_free(d);
	kvs_zset_free(z);
}
END_TEST

static Suite *zset_suite(void)
{
	Suite *s = suite_create("t_zset");
	TCase *tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
	tcase_add_test(tc, zadd_options);
	tcase_add_test(tc, zadd_errors);
	tcase_add_test(tc, score_formatting);
	tcase_add_test(tc, readers);
	tcase_add_test(tc, zrem);
	tcase_add_test(tc, zrange_by_rank);
	tcase_add_test(tc, zrange_by_score);
	tcase_add_test(tc, zrange_by_lex);
	tcase_add_test(tc, zcount);
	tcase_add_test(tc, zrangestore);
	tcase_add_test(tc, zremrange);
	tcase_add_test(tc, zpop);
	tcase_add_test(tc, zmpop);
	tcase_add_test(tc, union_inter_diff);
	tcase_add_test(tc, algebra_errors);
	tcase_add_test(tc, zintercard);
	tcase_add_test(tc, set_inputs);
	tcase_add_test(tc, encoding_and_sort);
	tcase_add_test(tc, zrandmember);
	tcase_add_test(tc, zscan);
	tcase_add_test(tc, wrongtype_everywhere);
	tcase_add_test(tc, write_path_changes);
	tcase_add_test(tc, member_stamps);
	tcase_add_loop_test(tc, commands_vs_model, 0, 3);
	tcase_add_loop_test(tc, lex_vs_model, 0, 3);
	suite_add_tcase(s, tc);

	TCase *tz = tcase_create("tree");
	tcase_add_test(tz, tree_invariants_under_random_operations);
	tcase_add_test(tz, tree_check_catches_disorder);
	tcase_add_test(tz, tree_invariants_large);
	tcase_add_loop_test(tz, tree_vs_model, 0, 4);
	suite_add_tcase(s, tz);

	TCase *tb = tcase_create("blocking");
	tcase_add_checked_fixture(tb, fx_setup, fx_teardown);
	tcase_add_test(tb, bzpop_immediate_and_errors);
	tcase_add_test(tb, bzpop_served);
	suite_add_tcase(s, tb);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(zset_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
