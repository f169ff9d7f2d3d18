/*
 * exec_fixture.h - run commands through kvs_exec against a fresh engine
 * over the fake env (testenv.h), and compare the exact reply bytes.
 *
 * One fixture per test (Check runs each test in its own process): call
 * fx_setup()/fx_teardown() from tcase_add_checked_fixture. Arguments are
 * copied into heap blocks of exactly their length (no NUL after them), so
 * ASan catches a handler that reads past an argument.
 */
#ifndef KVS_EXEC_FIXTURE_H
#define KVS_EXEC_FIXTURE_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "testenv.h"

#define FX_MAXARGS 64

/* Changes reported by the keyspace's write path (keyspace.h), by kind. */
struct fx_changes {
	int write, del, expired, flush;
};

static struct fixture {
	struct fx_changes chg;
	struct test_env te;
	struct kvs_engine eng;
	struct kvs_buf out;
	struct kvs_stats stats;
	struct kvs_client c;
} fx;

static void fx_on_change(void *arg, unsigned shard, int db, enum kvs_change what,
			 const char *key, size_t klen, const struct kvs_entry *e)
{
	struct fx_changes *ch = arg;
	ck_assert_int_eq(db, 0);
	ck_assert_uint_eq(shard, kvs_key_shard(key, klen));
	switch (what) {
	case KVS_CHG_WRITE:
		ck_assert_ptr_nonnull(e);
		ch->write++;
		break;
	case KVS_CHG_DELETE:
		ch->del++;
		break;
	case KVS_CHG_EXPIRED:
		ch->expired++;
		break;
	case KVS_CHG_FLUSH:
		ch->flush++;
		break;
	}
}

static void fx_setup(void)
{
	memset(&fx, 0, sizeof fx);
	test_env_init(&fx.te, 0x5eed);
	kvs_cmd_register_builtin();
	ck_assert_int_eq(kvs_keyspace_init(&fx.eng.ks, &fx.te.env, 16, 1), 0);
	fx.eng.ks.on_change = fx_on_change;
	fx.eng.ks.on_change_arg = &fx.chg;
	fx.eng.env = &fx.te.env;
	fx.eng.proto_max_bulk_len = 512LL * 1024 * 1024;
	fx.c.eng = &fx.eng;
	fx.c.out = &fx.out;
	fx.c.stats = &fx.stats;
	fx.c.proto = 2;
	fx.c.flags = KVS_CL_AUTHED;
}

static void fx_teardown(void)
{
	kvs_client_free(&fx.c);
	kvs_pubsub_destroy(&fx.eng);
	kvs_keyspace_destroy(&fx.eng.ks);
	kvs_buf_free(&fx.out);
}

/* Advance the fake clock. */
static inline void fx_sleep(uint64_t ms) { fx.te.now_ms += ms; }
static inline uint64_t fx_now(void) { return fx.te.now_ms; }

/* Execute argv[0..argc) (lens[i] bytes each; lens NULL: C strings) and
 * return the reply bytes in a malloc'd NUL-terminated copy; *len is set. */
static char *fx_execv(int argc, const char *const *argv, const size_t *lens, size_t *len)
{
	struct resp_arg args[FX_MAXARGS];
	char *reply;
	ck_assert_int_le(argc, FX_MAXARGS);
	for (int i = 0; i < argc; i++) {
		args[i].len = lens ? lens[i] : strlen(argv[i]);
		args[i].p = malloc(args[i].len ? args[i].len : 1);
		memcpy(args[i].p, argv[i], args[i].len);
	}
	fx.out.len = 0;
	fx.c.argc = argc;
	fx.c.argv = args;
	kvs_exec(&fx.c);
	ck_assert_uint_eq(fx.c.locked, 0);
	for (int i = 0; i < argc; i++)
		free(args[i].p);
	fx.c.argv = NULL;
	*len = fx.out.len;
	reply = malloc(fx.out.len + 1);
	memcpy(reply, fx.out.data, fx.out.len);
	reply[fx.out.len] = '\0';
	return reply;
}

/* Printable form of a reply for failure messages (static buffer). */
static const char *fx_show(const char *s, size_t n)
{
	static char buf[2][600];
	static int which;
	char *b = buf[which ^= 1];
	size_t o = 0;
	for (size_t i = 0; i < n && o < sizeof buf[0] - 8; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\r')
			o += (size_t)snprintf(b + o, 8, "\\r");
		else if (ch == '\n')
			o += (size_t)snprintf(b + o, 8, "\\n");
		else if (ch < 32 || ch > 126)
			o += (size_t)snprintf(b + o, 8, "\\x%02x", ch);
		else
			b[o++] = (char)ch;
	}
	b[o] = '\0';
	return b;
}

/* Run a command given as C strings (NULL-terminated list) and check that
 * the reply is exactly `want` (elen bytes, or strlen if elen is -1). */
static void fx_expect_at(const char *file, int line, const char *want, long elen, ...)
{
	const char *argv[FX_MAXARGS];
	int argc = 0;
	size_t len;
	va_list ap;
	va_start(ap, elen);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL;)
		argv[argc++] = a;
	va_end(ap);
	size_t wlen = elen < 0 ? strlen(want) : (size_t)elen;
	char *got = fx_execv(argc, argv, NULL, &len);
	ck_assert_msg(len == wlen && memcmp(got, want, len) == 0,
		      "%s:%d: %s ...: got \"%s\", want \"%s\"", file, line, argv[0],
		      fx_show(got, len), fx_show(want, wlen));
	free(got);
}

#define EXPECT(want, ...) fx_expect_at(__FILE__, __LINE__, want, -1L, __VA_ARGS__, (const char *)NULL)
/* For replies with NUL bytes: the expected reply is a sized literal. */
#define EXPECT_BIN(want, ...) \
	fx_expect_at(__FILE__, __LINE__, want, (long)sizeof(want) - 1, __VA_ARGS__, (const char *)NULL)

/* Check the change counts since the last call, then reset them. */
#define CHANGES(w, d, x) do { \
	ck_assert_msg(fx.chg.write == (w) && fx.chg.del == (d) && fx.chg.expired == (x), \
		      "line %d: changes write=%d del=%d expired=%d, want %d %d %d", __LINE__, \
		      fx.chg.write, fx.chg.del, fx.chg.expired, (w), (d), (x)); \
	memset(&fx.chg, 0, sizeof fx.chg); \
} while (0)

/* Total keys stored in db 0 over all shards, expired-but-not-reclaimed
 * included (what lazy and active expiry change). */
static inline size_t fx_stored(void)
{
	size_t n = 0;
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		n += ks_shard_size(&fx.eng.ks.shard[i], 0);
	return n;
}

static void fx_free_fake_list(void *obj) { free(obj); }

/* Store a non-string value under key: a list whose object is a plain
 * malloc block (its free hook is pointed at free() so this does not depend
 * on the real list module). */
static inline void fx_put_list(const char *key)
{
	kvs_type_ops[KVS_T_LIST].free_obj = fx_free_fake_list;
	kvs_type_ops[KVS_T_LIST].dup_obj = NULL;
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE;
	kvs_key_init(&fx.eng.ks, &k, key, strlen(key));
	ks_lock(&fx.eng.ks, k.shard);
	ks_find(&fx.eng.ks, 0, &k, fx_now(), &slot);
	ks_put(&fx.eng.ks, 0, &k, slot,
	       kvs_entry_new_obj(key, strlen(key), KVS_T_LIST, malloc(16), 0), fx_now());
	ks_unlock(&fx.eng.ks, k.shard);
}

/* The type of key in db 0, or -1 if absent (no lazy-expiry side effect
 * matters here: tests call it on live keys). */
static inline int fx_type(const char *key)
{
	struct kvs_key k;
	kvs_key_init(&fx.eng.ks, &k, key, strlen(key));
	ks_lock(&fx.eng.ks, k.shard);
	struct kvs_entry *e = ks_find(&fx.eng.ks, 0, &k, fx_now(), NULL);
	int t = e ? e->type : -1;
	ks_unlock(&fx.eng.ks, k.shard);
	return t;
}

#endif
