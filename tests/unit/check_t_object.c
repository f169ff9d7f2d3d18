/*
 * check_t_object.c - OBJECT, MEMORY, WAIT, LOLWUT and SORT through
 * kvs_exec, against the RESP bytes redis-server 7.0 sends for the same
 * requests.
 *
 * SORT reads lists, sets, sorted sets and hashes only through the
 * kvs_type_ops hooks (entry.h). This suite installs small array-backed
 * stand-ins for those types, so it tests SORT against the hook contract
 * without depending on the real type modules.
 */
#include "config.h"
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "exec_fixture.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOTINT "-ERR value is not an integer or out of range\r\n"
#define SYNTAX "-ERR syntax error\r\n"
#define NOTDOUBLE "-ERR One or more scores can't be converted into double\r\n"

/* ---- stand-in collection types ------------------------------------------- */

/* Elements in order (and scores for zsets); for hashes, fields in p and
 * their values in v. */
struct fobj {
	size_t n;
	char **p, **v;
	size_t *len, *vlen;
	double *score;
};

static void fobj_free(void *o)
{
	struct fobj *f = o;
	for (size_t i = 0; i < f->n; i++) {
		free(f->p[i]);
		if (f->v)
			free(f->v[i]);
	}
	free(f->p);
	free(f->v);
	free(f->len);
	free(f->vlen);
	free(f->score);
	free(f);
}

static struct fobj *fobj_new(size_t n)
{
	struct fobj *f = calloc(1, sizeof *f);
	f->n = n;
	f->p = calloc(n + 1, sizeof *f->p);
	f->len = calloc(n + 1, sizeof *f->len);
	f->score = calloc(n + 1, sizeof *f->score);
	return f;
}

static char *dup_bytes(const char *p, size_t n)
{
	char *d = malloc(n + 1);
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

static void fobj_foreach(const void *o, kvs_elem_fn *fn, void *arg)
{
	const struct fobj *f = o;
	for (size_t i = 0; i < f->n; i++)
		fn(arg, f->p[i], f->len[i], f->score[i]);
}

static int fobj_field_get(const void *o, const char *fl, size_t flen, kvs_elem_fn *fn, void *arg)
{
	const struct fobj *f = o;
	for (size_t i = 0; i < f->n; i++) {
		if (f->len[i] == flen && memcmp(f->p[i], fl, flen) == 0) {
			fn(arg, f->v[i], f->vlen[i], 0);
			return 1;
		}
	}
	return 0;
}

static int built_lists;   /* from_elems calls */

static void *fobj_from_elems(size_t n, const char *const *p, const size_t *len)
{
	struct fobj *f = fobj_new(n);
	ck_assert_uint_gt(n, 0);
	for (size_t i = 0; i < n; i++) {
		f->p[i] = dup_bytes(p[i], len[i]);
		f->len[i] = len[i];
	}
	built_lists++;
	return f;
}

static const char *set_encoding(const void *o)
{
	return ((const struct fobj *)o)->n <= 128 ? "listpack" : "hashtable";
}

static void install_types(void)
{
	for (int t = KVS_T_LIST; t < KVS_T__COUNT; t++) {
		kvs_type_ops[t].free_obj = fobj_free;
		kvs_type_ops[t].foreach = t == KVS_T_HASH ? NULL : fobj_foreach;
		kvs_type_ops[t].encoding = NULL;
		kvs_type_ops[t].from_elems = NULL;
		kvs_type_ops[t].field_get = NULL;
	}
	kvs_type_ops[KVS_T_LIST].from_elems = fobj_from_elems;
	kvs_type_ops[KVS_T_HASH].field_get = fobj_field_get;
	kvs_type_ops[KVS_T_SET].encoding = set_encoding;
}

static void setup(void)
{
	fx_setup();
	install_types();
	built_lists = 0;
}

static void put_obj(const char *key, enum kvs_type type, struct fobj *f)
{
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE;
	kvs_key_init(&fx.eng.ks, &k, key, strlen(key));
	ks_lock(&fx.eng.ks, k.shard);
	ks_find(&fx.eng.ks, 0, &k, fx_now(), &slot);
	ks_put(&fx.eng.ks, 0, &k, slot, kvs_entry_new_obj(key, strlen(key), type, f, 0), fx_now());
	ks_unlock(&fx.eng.ks, k.shard);
}

/* put_coll(key, type, elem..., NULL): a list/set in the given order. */
static void put_coll(const char *key, enum kvs_type type, ...)
{
	const char *el[64];
	size_t n = 0;
	va_list ap;
	va_start(ap, type);
	for (const char *s; (s = va_arg(ap, const char *)) != NULL;)
		el[n++] = s;
	va_end(ap);
	struct fobj *f = fobj_new(n);
	for (size_t i = 0; i < n; i++) {
		f->p[i] = strdup(el[i]);
		f->len[i] = strlen(el[i]);
	}
	put_obj(key, type, f);
}

#define PUT_LIST(key, ...) put_coll(key, KVS_T_LIST, __VA_ARGS__, (const char *)NULL)
#define PUT_SET(key, ...) put_coll(key, KVS_T_SET, __VA_ARGS__, (const char *)NULL)

/* A sorted set from (member, score) pairs given in score order. */
static void put_zset(const char *key, size_t n, const char *const *m, const double *sc)
{
	struct fobj *f = fobj_new(n);
	for (size_t i = 0; i < n; i++) {
		f->p[i] = strdup(m[i]);
		f->len[i] = strlen(m[i]);
		f->score[i] = sc[i];
	}
	put_obj(key, KVS_T_ZSET, f);
}

static void put_hash(const char *key, const char *field, const char *value)
{
	struct fobj *f = fobj_new(1);
	f->v = calloc(1, sizeof *f->v);
	f->vlen = calloc(1, sizeof *f->vlen);
	f->p[0] = strdup(field);
	f->len[0] = strlen(field);
	f->v[0] = strdup(value);
	f->vlen[0] = strlen(value);
	put_obj(key, KVS_T_HASH, f);
}

/* The elements of the list stored at key, joined by ','. */
static char *list_joined(const char *key)
{
	struct kvs_key k;
	static char buf[512];
	size_t o = 0;
	kvs_key_init(&fx.eng.ks, &k, key, strlen(key));
	struct kvs_entry *e = ks_find(&fx.eng.ks, 0, &k, fx_now(), NULL);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->type, KVS_T_LIST);
	ck_assert(!kvs_entry_has_expire(e));
	const struct fobj *f = kvs_entry_obj(e);
	buf[0] = '\0';
	for (size_t i = 0; i < f->n; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%.*s", i ? "," : "", (int)f->len[i], f->p[i]);
	return buf;
}

/* ---- OBJECT ---------------------------------------------------------------- */

START_TEST(object_encoding_strings)
{
	EXPECT("+OK\r\n", "SET", "a", "1");
	EXPECT("$3\r\nint\r\n", "OBJECT", "ENCODING", "a");
	EXPECT("+OK\r\n", "SET", "a", "-9223372036854775808");
	EXPECT("$3\r\nint\r\n", "OBJECT", "encoding", "a");
	EXPECT("+OK\r\n", "SET", "a", "12345678901234567890");   /* > LLONG_MAX */
	EXPECT("$6\r\nembstr\r\n", "OBJECT", "encoding", "a");
	EXPECT("+OK\r\n", "SET", "a", "01");
	EXPECT("$6\r\nembstr\r\n", "OBJECT", "encoding", "a");
	EXPECT("+OK\r\n", "SET", "a", "-0");
	EXPECT("$6\r\nembstr\r\n", "OBJECT", "encoding", "a");
	EXPECT("+OK\r\n", "SET", "a", "abcdefghijabcdefghijabcdefghijabcdefghij1234");  /* 44 */
	EXPECT("$6\r\nembstr\r\n", "OBJECT", "encoding", "a");
	EXPECT("+OK\r\n", "SET", "a", "abcdefghijabcdefghijabcdefghijabcdefghij12345"); /* 45 */
	EXPECT("$3\r\nraw\r\n", "OBJECT", "ENCODING", "a");
	EXPECT("$-1\r\n", "OBJECT", "ENCODING", "nokey");
}
END_TEST

START_TEST(object_encoding_types)
{
	PUT_LIST("l", "a");
	PUT_SET("s", "a");
	put_hash("h", "f", "v");
	put_zset("z", 1, (const char *[]){ "m" }, (double[]){ 1 });
	EXPECT("$9\r\nquicklist\r\n", "OBJECT", "ENCODING", "l");   /* no hook: default */
	EXPECT("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "s");    /* the type's hook */
	EXPECT("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "h");
	EXPECT("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z");
}
END_TEST

START_TEST(object_errors_and_help)
{
	EXPECT("-ERR wrong number of arguments for 'object' command\r\n", "OBJECT");
	EXPECT("-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n", "OBJECT", "foo");
	EXPECT("-ERR wrong number of arguments for 'object|encoding' command\r\n", "OBJECT", "encoding");
	EXPECT("-ERR wrong number of arguments for 'object|encoding' command\r\n", "OBJECT", "ENCODING", "a", "b");
	EXPECT("-ERR wrong number of arguments for 'object|help' command\r\n", "OBJECT", "help", "x");
	EXPECT("*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n"
	       "+    Return the kind of internal representation used in order to store the value\r\n"
	       "+    associated with a <key>.\r\n+FREQ <key>\r\n"
	       "+    Return the access frequency index of the <key>. The returned integer is\r\n"
	       "+    proportional to the logarithm of the recent access frequency of the key.\r\n"
	       "+IDLETIME <key>\r\n+    Return the idle time of the <key>, that is the approximated number of\r\n"
	       "+    seconds elapsed since the last access to the key.\r\n+REFCOUNT <key>\r\n"
	       "+    Return the number of references of the value associated with the specified\r\n"
	       "+    <key>.\r\n+HELP\r\n+    Prints this help.\r\n", "OBJECT", "help");
}
END_TEST

START_TEST(object_freq_refcount)
{
	EXPECT("+OK\r\n", "SET", "a", "v");
	EXPECT("-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
	       "that when switching between policies at runtime LRU and LFU data will take some time to "
	       "adjust.\r\n", "OBJECT", "FREQ", "a");
	EXPECT("$-1\r\n", "OBJECT", "FREQ", "nokey");
	EXPECT(":1\r\n", "OBJECT", "REFCOUNT", "a");
	EXPECT("$-1\r\n", "OBJECT", "REFCOUNT", "nokey");
	EXPECT("$-1\r\n", "OBJECT", "IDLETIME", "nokey");
}
END_TEST

START_TEST(object_idletime_clock)
{
	EXPECT("+OK\r\n", "SET", "a", "v");
	EXPECT(":0\r\n", "OBJECT", "IDLETIME", "a");
	fx_sleep(5000);
	EXPECT(":5\r\n", "OBJECT", "IDLETIME", "a");
	/* OBJECT itself is not an access. */
	EXPECT(":5\r\n", "OBJECT", "IDLETIME", "a");
	EXPECT("$1\r\nv\r\n", "GET", "a");
	EXPECT(":0\r\n", "OBJECT", "IDLETIME", "a");
	fx_sleep(2500);
	EXPECT(":2\r\n", "OBJECT", "IDLETIME", "a");
	/* A write is an access too. */
	EXPECT(":2\r\n", "APPEND", "a", "w");
	EXPECT(":0\r\n", "OBJECT", "IDLETIME", "a");
	/* A CLIENT NO-TOUCH client's reads leave the clock alone. */
	fx_sleep(7000);
	fx.c.flags |= KVS_CL_NO_TOUCH;
	EXPECT("$2\r\nvw\r\n", "GET", "a");
	EXPECT(":7\r\n", "OBJECT", "IDLETIME", "a");
	fx.c.flags &= ~KVS_CL_NO_TOUCH;
	EXPECT("$2\r\nvw\r\n", "GET", "a");
	EXPECT(":0\r\n", "OBJECT", "IDLETIME", "a");
	/* The one-byte clock wraps after 256 s (entry.h). */
	fx_sleep(255000);
	EXPECT(":255\r\n", "OBJECT", "IDLETIME", "a");
	fx_sleep(1000);
	EXPECT(":0\r\n", "OBJECT", "IDLETIME", "a");
}
END_TEST

/* ---- MEMORY ---------------------------------------------------------------- */

static long long int_reply(const char *a0, const char *a1, const char *a2)
{
	const char *argv[] = { a0, a1, a2 };
	size_t len;
	char *r = fx_execv(3, argv, NULL, &len);
	ck_assert_msg(r[0] == ':', "not an integer: %s", fx_show(r, len));
	long long v = strtoll(r + 1, NULL, 10);
	free(r);
	return v;
}

START_TEST(memory_usage)
{
	char big[1001];
	memset(big, 'x', 1000);
	big[1000] = '\0';
	/* Same shard (hash tag), so the same share of the slot arrays. */
	EXPECT("+OK\r\n", "SET", "{t}a", "v");
	EXPECT("+OK\r\n", "SET", "{t}b", big);
	long long small = int_reply("MEMORY", "USAGE", "{t}a");
	long long large = int_reply("MEMORY", "USAGE", "{t}b");
	/* At least the entry's own bytes; the big value counts in full. */
	ck_assert_int_ge(small, 12 + 1 + 4 + 1 + 1);
	ck_assert_int_ge(large, small + 1000);
	ck_assert_int_lt(large, small + 1100);
	EXPECT("$-1\r\n", "MEMORY", "USAGE", "nokey");
	EXPECT(SYNTAX, "MEMORY", "USAGE", "a", "samples");
	EXPECT(SYNTAX, "MEMORY", "USAGE", "a", "samples", "-1");
	EXPECT(NOTINT, "MEMORY", "USAGE", "a", "samples", "x");
	EXPECT(NOTINT, "MEMORY", "USAGE", "nokey", "samples", "x");
	EXPECT(SYNTAX, "MEMORY", "USAGE", "a", "foo");
	const char *argv[] = { "MEMORY", "USAGE", "{t}a", "SAMPLES", "0" };
	size_t len;
	char *r = fx_execv(5, argv, NULL, &len);
	ck_assert_int_eq(strtoll(r + 1, NULL, 10), small);
	free(r);
}
END_TEST

START_TEST(memory_errors_and_help)
{
	EXPECT("-ERR wrong number of arguments for 'memory' command\r\n", "MEMORY");
	EXPECT("-ERR wrong number of arguments for 'memory|usage' command\r\n", "MEMORY", "usage");
	EXPECT("-ERR wrong number of arguments for 'memory|help' command\r\n", "MEMORY", "help", "x");
	EXPECT("-ERR unknown subcommand 'foo'. Try MEMORY HELP.\r\n", "MEMORY", "foo");
	EXPECT("*6\r\n+MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
	       "+USAGE <key> [SAMPLES <count>]\r\n"
	       "+    Return memory in bytes used by <key> and its value. Nested values are\r\n"
	       "+    sampled up to <count> times (default: 5, 0 means sample all).\r\n"
	       "+HELP\r\n+    Prints this help.\r\n", "MEMORY", "HELP");
}
END_TEST

/* ---- WAIT / LOLWUT ------------------------------------------------------------ */

START_TEST(wait_cmd)
{
	EXPECT(":0\r\n", "WAIT", "0", "0");
	EXPECT(":0\r\n", "WAIT", "1", "10");
	EXPECT("-ERR timeout is not an integer or out of range\r\n", "WAIT", "1", "0.5");
	EXPECT(NOTINT, "WAIT", "x", "0");
	EXPECT(NOTINT, "WAIT", "x", "-1");
	EXPECT("-ERR timeout is negative\r\n", "WAIT", "1", "-1");
	EXPECT("-ERR wrong number of arguments for 'wait' command\r\n", "WAIT");
}
END_TEST

START_TEST(lolwut_cmd)
{
	const char *argv[] = { "LOLWUT" };
	const char *tail = "kvsd ver. " PACKAGE_VERSION "\n\r\n";
	size_t len, tl = strlen(tail);
	EXPECT("+OK\r\n", "SET", "a", "v");
	char *r = fx_execv(1, argv, NULL, &len);
	ck_assert_int_eq(r[0], '$');
	ck_assert(len > tl && strcmp(r + len - tl, tail) == 0);
	ck_assert_ptr_nonnull(strstr(r, "1 keys in db 0 over 16 shards.\n"));
	/* Exactly one shard holds the key: one full gauge, fifteen empty. */
	size_t full = 0, empty = 0;
	for (const char *p = r; (p = strchr(p, '|')) != NULL; p++) {
		if (strncmp(p + 1, "@@@@@@@@", 8) == 0)
			full++;
		else if (strncmp(p + 1, "        ", 8) == 0)
			empty++;
	}
	ck_assert_uint_eq(full, 1);
	ck_assert_uint_eq(empty, 15);
	free(r);
	EXPECT(NOTINT, "LOLWUT", "VERSION", "x");
	fx.c.proto = 3;
	r = fx_execv(1, argv, NULL, &len);
	ck_assert(strncmp(r, "=", 1) == 0 && strstr(r, "\r\ntxt:+--------+") != NULL);
	free(r);
}
END_TEST

/* ---- SORT ------------------------------------------------------------------ */

START_TEST(sort_numeric_alpha_limit)
{
	PUT_LIST("l", "3", "1", "2", "10");
	EXPECT("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n", "SORT", "l");
	EXPECT("*4\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n", "SORT", "l", "DESC");
	EXPECT("*4\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n", "SORT", "l", "asc", "desc");
	EXPECT("*4\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n", "SORT", "l", "ALPHA");
	EXPECT("*2\r\n$1\r\n2\r\n$1\r\n3\r\n", "SORT", "l", "LIMIT", "1", "2");
	EXPECT("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "SORT", "l", "LIMIT", "-5", "2");
	EXPECT("*3\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n", "SORT", "l", "LIMIT", "1", "-1");
	EXPECT("*0\r\n", "SORT", "l", "LIMIT", "10", "2");
	EXPECT("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n", "SORT_RO", "l");
	EXPECT("*0\r\n", "SORT", "nokey");
}
END_TEST

START_TEST(sort_nosort_native_order)
{
	PUT_LIST("l", "3", "1", "2", "10");
	EXPECT("*4\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n", "SORT", "l", "BY", "nosort");
	EXPECT("*4\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n", "SORT", "l", "BY", "nosort", "DESC");
	EXPECT("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "SORT", "l", "BY", "nosort", "LIMIT", "1", "2");
	EXPECT("*2\r\n$1\r\n2\r\n$1\r\n1\r\n", "SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2");
	/* Native order even when the elements are not numbers. */
	PUT_LIST("bad", "1", "x", "2");
	EXPECT("*3\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n2\r\n", "SORT", "bad", "BY", "nosort");
	put_zset("z", 3, (const char *[]){ "b", "c", "a" }, (double[]){ 1, 2, 3 });
	EXPECT("*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n", "SORT", "z", "BY", "nosort");
	EXPECT("*3\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n", "SORT", "z", "BY", "nosort", "DESC");
	EXPECT("*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n", "SORT", "z", "ALPHA", "DESC");
	EXPECT("*1\r\n$1\r\nc\r\n", "SORT", "z", "BY", "nosort", "LIMIT", "1", "1");
	/* A set has no order to reverse. */
	PUT_SET("s", "c", "a", "b");
	EXPECT("*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n", "SORT", "s", "BY", "nosort", "DESC");
	EXPECT("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "SORT", "s", "ALPHA");
}
END_TEST

START_TEST(sort_scores)
{
	PUT_LIST("bad", "1", "x", "2");
	EXPECT(NOTDOUBLE, "SORT", "bad");
	EXPECT("*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\nx\r\n", "SORT", "bad", "ALPHA");
	/* strtod's syntax, as Redis: leading spaces, hex, inf; "" is 0. */
	PUT_LIST("sp", "", " 5", "0x10", "inf", "1e2", " 3");
	EXPECT("*6\r\n$0\r\n\r\n$2\r\n 3\r\n$2\r\n 5\r\n$4\r\n0x10\r\n$3\r\n1e2\r\n$3\r\ninf\r\n", "SORT", "sp");
	PUT_LIST("nan", "1", "nan");
	EXPECT(NOTDOUBLE, "SORT", "nan");
	/* Equal scores order by the elements' bytes. */
	PUT_LIST("eq", "b", "1.0", "1", "a");
	EXPECT(NOTDOUBLE, "SORT", "eq");
	PUT_LIST("eq", "1.0", "01", "1");
	EXPECT("*3\r\n$2\r\n01\r\n$1\r\n1\r\n$3\r\n1.0\r\n", "SORT", "eq");
	EXPECT("*3\r\n$3\r\n1.0\r\n$1\r\n1\r\n$2\r\n01\r\n", "SORT", "eq", "DESC");
}
END_TEST

START_TEST(sort_by_and_get)
{
	PUT_LIST("l", "3", "1", "2", "10");
	EXPECT("+OK\r\n", "MSET", "w_1", "40", "w_2", "30", "w_3", "20", "w_10", "10");
	EXPECT("*4\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n", "SORT", "l", "BY", "w_*");
	EXPECT("*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n", "SORT_RO", "l", "BY", "w_*", "DESC");
	EXPECT("*4\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n", "SORT", "l", "BY", "w_*", "GET", "#");
	EXPECT("*8\r\n$2\r\n10\r\n$2\r\n10\r\n$1\r\n3\r\n$2\r\n20\r\n$1\r\n2\r\n$2\r\n30\r\n$1\r\n1\r\n$2\r\n40\r\n",
	       "SORT", "l", "BY", "w_*", "GET", "#", "GET", "w_*");
	EXPECT("*12\r\n$2\r\n40\r\n$-1\r\n$-1\r\n$2\r\n30\r\n$-1\r\n$-1\r\n$2\r\n20\r\n$-1\r\n$-1\r\n$2\r\n10\r\n$-1\r\n$-1\r\n",
	       "SORT", "l", "GET", "w_*", "GET", "missing_*", "GET", "nostar");
	/* A weight that is not a string counts as missing (0). */
	PUT_LIST("w_3", "x");
	EXPECT("*4\r\n$1\r\n3\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n", "SORT", "l", "BY", "w_*");
	EXPECT("+OK\r\n", "SET", "w_3", "x");
	EXPECT(NOTDOUBLE, "SORT", "l", "BY", "w_*");
}
END_TEST

START_TEST(sort_hash_fields)
{
	install_types();
	PUT_LIST("l", "3", "1", "2", "10");
	put_hash("h_1", "f", "a");
	put_hash("h_2", "f", "b");
	EXPECT("*4\r\n$1\r\na\r\n$1\r\nb\r\n$-1\r\n$-1\r\n", "SORT", "l", "GET", "h_*->f");
	EXPECT("*4\r\n$1\r\n3\r\n$2\r\n10\r\n$1\r\n1\r\n$1\r\n2\r\n", "SORT", "l", "BY", "h_*->f", "ALPHA");
	EXPECT(NOTDOUBLE, "SORT", "l", "BY", "h_*->f");
	/* "->" with nothing after it is part of the key name. */
	EXPECT("*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n", "SORT", "l", "GET", "h_*->");
	EXPECT("*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n", "SORT", "l", "GET", "#->f");
	EXPECT("*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n", "SORT", "l", "GET", "h_*->g");
	/* A string is not a hash, and a hash is not a string. */
	EXPECT("+OK\r\n", "SET", "h_3", "s");
	EXPECT("*4\r\n$-1\r\n$1\r\na\r\n$1\r\nb\r\n$-1\r\n", "SORT", "l", "BY", "nosort", "GET", "h_*->f");
	EXPECT("*4\r\n$1\r\ns\r\n$-1\r\n$-1\r\n$-1\r\n", "SORT", "l", "BY", "nosort", "GET", "h_*");
}
END_TEST

START_TEST(sort_store)
{
	PUT_LIST("l", "3", "1", "2", "10");
	EXPECT("+OK\r\n", "MSET", "w_1", "40", "w_2", "30", "w_3", "20", "w_10", "10");
	EXPECT("+OK\r\n", "SET", "dst", "old");
	EXPECT(":1\r\n", "EXPIRE", "dst", "100");
	memset(&fx.chg, 0, sizeof fx.chg);
	EXPECT(":4\r\n", "SORT", "l", "BY", "w_*", "STORE", "dst");
	CHANGES(1, 0, 0);
	ck_assert_str_eq(list_joined("dst"), "10,3,2,1");   /* no TTL either */
	EXPECT(":4\r\n", "SORT", "l", "BY", "nosort", "GET", "w_*", "STORE", "dst");
	ck_assert_str_eq(list_joined("dst"), "20,40,30,10");
	/* Missing GET values store as empty strings. */
	EXPECT(":8\r\n", "SORT", "l", "GET", "#", "GET", "nokey_*", "STORE", "dst");
	ck_assert_str_eq(list_joined("dst"), "1,,2,,3,,10,");
	/* A set stored without sorting is sorted ALPHA, for a defined order. */
	PUT_SET("s", "c", "a", "b");
	EXPECT(":3\r\n", "SORT", "s", "BY", "nosort", "STORE", "sd");
	ck_assert_str_eq(list_joined("sd"), "a,b,c");
	/* An empty result deletes the destination. */
	memset(&fx.chg, 0, sizeof fx.chg);
	EXPECT(":0\r\n", "SORT", "nokey", "STORE", "dst");
	CHANGES(0, 1, 0);
	ck_assert_int_eq(fx_type("dst"), -1);
	EXPECT(":0\r\n", "SORT", "l", "LIMIT", "5", "1", "STORE", "dst");
	CHANGES(0, 0, 0);
	ck_assert_int_eq(built_lists, 4);
	/* The source may be its own destination. */
	EXPECT(":4\r\n", "SORT", "l", "STORE", "l");
	ck_assert_str_eq(list_joined("l"), "1,2,3,10");
	/* A failed sort writes nothing. */
	PUT_LIST("bad", "x");
	EXPECT(NOTDOUBLE, "SORT", "bad", "STORE", "l");
	ck_assert_str_eq(list_joined("l"), "1,2,3,10");
}
END_TEST

START_TEST(sort_errors)
{
	PUT_LIST("l", "3", "1");
	EXPECT(SYNTAX, "SORT_RO", "l", "STORE", "dst");
	EXPECT(SYNTAX, "SORT", "l", "LIMIT", "1");
	EXPECT(NOTINT, "SORT", "l", "LIMIT", "x", "1");
	EXPECT(SYNTAX, "SORT", "l", "foo");
	EXPECT(SYNTAX, "SORT", "l", "BY");
	EXPECT(SYNTAX, "SORT", "l", "GET");
	EXPECT(SYNTAX, "SORT", "l", "STORE");
	EXPECT("-ERR wrong number of arguments for 'sort' command\r\n", "SORT");
	EXPECT("-ERR wrong number of arguments for 'sort_ro' command\r\n", "SORT_RO");
	EXPECT("+OK\r\n", "SET", "str", "x");
	EXPECT(WRONGTYPE, "SORT", "str");
	put_hash("h", "f", "v");
	EXPECT(WRONGTYPE, "SORT", "h");
	/* Syntax errors win over a wrong type. */
	EXPECT(SYNTAX, "SORT", "str", "foo");
}
END_TEST

/* Weights spread over every shard: SORT must take the shards it needs
 * (fixture: no lock left held), inside MULTI/EXEC as well. */
START_TEST(sort_cross_shard)
{
	char want[512], exec[520], key[16], val[16];
	size_t o;
	struct fobj *f = fobj_new(200);
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof key, "%d", i);
		f->p[i] = strdup(key);
		f->len[i] = strlen(key);
		snprintf(key, sizeof key, "w_%d", i);
		snprintf(val, sizeof val, "%d", (i * 37) % 200);
		EXPECT("+OK\r\n", "SET", key, val);
	}
	put_obj("l", KVS_T_LIST, f);
	/* Weight (i * 37) % 200 is a permutation: sorted by it, element at
	 * rank r is the i with i * 37 = r (mod 200), i = r * 173 mod 200. */
	o = (size_t)snprintf(want, sizeof want, "*5\r\n");
	for (int r = 0; r < 5; r++) {
		snprintf(key, sizeof key, "%d", (r * 173) % 200);
		o += (size_t)snprintf(want + o, sizeof want - o, "$%zu\r\n%s\r\n", strlen(key), key);
	}
	EXPECT(want, "SORT", "l", "BY", "w_*", "LIMIT", "0", "5");
	snprintf(exec, sizeof exec, "*1\r\n%s", want);
	EXPECT("+OK\r\n", "MULTI");
	EXPECT("+QUEUED\r\n", "SORT", "l", "BY", "w_*", "LIMIT", "0", "5");
	EXPECT(exec, "EXEC");
}
END_TEST

START_TEST(sort_getkeys)
{
	struct kvs_cmd *cmd = kvs_cmd_lookup("sort", 4);
	const char *words[] = { "SORT", "src", "BY", "store", "GET", "store", "LIMIT", "store", "1",
				"STORE", "d1", "STORE", "d2" };
	struct resp_arg argv[13];
	int keys[4];
	for (int i = 0; i < 13; i++) {
		argv[i].p = (char *)words[i];
		argv[i].len = strlen(words[i]);
	}
	ck_assert_ptr_nonnull(cmd);
	/* The arguments of BY, GET and LIMIT are skipped; the last STORE wins. */
	ck_assert_int_eq(kvs_cmd_keys(cmd, 13, argv, keys, 4), 2);
	ck_assert_int_eq(keys[0], 1);
	ck_assert_int_eq(keys[1], 12);
	ck_assert_int_eq(kvs_cmd_keys(cmd, 9, argv, keys, 4), 1);
	ck_assert_int_eq(keys[0], 1);
}
END_TEST

static Suite *object_suite(void)
{
	Suite *s = suite_create("t_object");
	TCase *tc = tcase_create("commands");
	tcase_add_checked_fixture(tc, setup, fx_teardown);
	tcase_add_test(tc, object_encoding_strings);
	tcase_add_test(tc, object_encoding_types);
	tcase_add_test(tc, object_errors_and_help);
	tcase_add_test(tc, object_freq_refcount);
	tcase_add_test(tc, object_idletime_clock);
	tcase_add_test(tc, memory_usage);
	tcase_add_test(tc, memory_errors_and_help);
	tcase_add_test(tc, wait_cmd);
	tcase_add_test(tc, lolwut_cmd);
	tcase_add_test(tc, sort_numeric_alpha_limit);
	tcase_add_test(tc, sort_nosort_native_order);
	tcase_add_test(tc, sort_scores);
	tcase_add_test(tc, sort_by_and_get);
	tcase_add_test(tc, sort_hash_fields);
	tcase_add_test(tc, sort_store);
	tcase_add_test(tc, sort_errors);
	tcase_add_test(tc, sort_cross_shard);
	tcase_add_test(tc, sort_getkeys);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(object_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
