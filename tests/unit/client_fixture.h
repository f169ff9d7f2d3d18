/*
 * client_fixture.h - extra clients next to exec_fixture.h's fx.c, for
 * blocking commands: each has its own reply buffer and an outbox (the
 * place where a writer on another thread would deliver a served reply).
 *
 * Include after exec_fixture.h. Every tclient must be released with
 * tc_free() before fx_teardown() (it unregisters a blocked waiter).
 */
#ifndef KVS_CLIENT_FIXTURE_H
#define KVS_CLIENT_FIXTURE_H

#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "block.h"
#include "cmd.h"
#include "outbox.h"

struct tclient {
	struct kvs_client c;
	struct kvs_buf out;
	struct kvs_stats stats;
};

static void tc_init(struct tclient *t, int proto)
{
	static uint64_t next_id = 100;
	memset(t, 0, sizeof *t);
	t->c.eng = &fx.eng;
	t->c.out = &t->out;
	t->c.stats = &t->stats;
	t->c.proto = proto;
	t->c.flags = KVS_CL_AUTHED;
	t->c.id = next_id++;
	t->c.ob = kvs_outbox_new(NULL, NULL);
}

static void tc_free(struct tclient *t)
{
	kvs_client_free(&t->c);
	kvs_outbox_close(t->c.ob);
	kvs_buf_free(&t->out);
}

static inline int tc_blocked(const struct tclient *t) { return (t->c.flags & KVS_CL_BLOCKED) != 0; }

/* Run a command (NULL-terminated C strings) on t; check its immediate
 * reply is exactly want. */
static void tc_expect_at(const char *file, int line, struct tclient *t, const char *want, ...)
{
	struct resp_arg args[FX_MAXARGS];
	int argc = 0;
	va_list ap;
	va_start(ap, want);
	for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
		ck_assert_int_lt(argc, FX_MAXARGS);
		args[argc].len = strlen(a);
		args[argc].p = malloc(args[argc].len ? args[argc].len : 1);
		memcpy(args[argc].p, a, args[argc].len);
		argc++;
	}
	va_end(ap);
	t->out.len = 0;
	t->c.argc = argc;
	t->c.argv = args;
	kvs_exec(&t->c);
	ck_assert_uint_eq(t->c.locked, 0);
	for (int i = 0; i < argc; i++)
		free(args[i].p);
	t->c.argv = NULL;
	size_t wl = strlen(want);
	ck_assert_msg(t->out.len == wl && (wl == 0 || memcmp(t->out.data, want, wl) == 0),
		      "%s:%d: got \"%s\", want \"%s\"", file, line,
		      fx_show(t->out.data ? t->out.data : "", t->out.len), fx_show(want, wl));
}

/* What has arrived in t's outbox since the last look must be exactly
 * want ("" = nothing). */
static void tc_mail_at(const char *file, int line, struct tclient *t, const char *want)
{
	struct kvs_buf got = KVS_BUF_INIT;
	kvs_outbox_take(t->c.ob, &got);
	size_t wl = strlen(want);
	ck_assert_msg(got.len == wl && (wl == 0 || memcmp(got.data, want, wl) == 0),
		      "%s:%d: outbox \"%s\", want \"%s\"", file, line, fx_show(got.data ? got.data : "", got.len),
		      fx_show(want, wl));
	kvs_buf_free(&got);
}

/* The owner's side of a serve: 1 if a writer served t's blocked command
 * (its reply is in the outbox), which also unblocks t. */
static inline int tc_served(struct tclient *t) { return kvs_block_served(&t->c); }

#define TC_EXPECT(t, want, ...) tc_expect_at(__FILE__, __LINE__, t, want, __VA_ARGS__, (const char *)NULL)
#define TC_MAIL(t, want) tc_mail_at(__FILE__, __LINE__, t, want)

#endif
