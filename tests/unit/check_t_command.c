/*
 * check_t_command.c - COMMAND and its subcommands (t_command.c).
 *
 * The registry holds the keys group, COMMAND itself and a few fake
 * commands declared here, so the expected replies do not depend on which
 * other command groups are linked in. The fake "get" has Redis's real GET
 * properties: its COMMAND INFO must be byte for byte what redis-server
 * 7.0 sends for GET.
 */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "commands.h"
#include "testcmd.h"
#include "util.h"

static void noop(struct kvs_client *c) { reply_ok(c); }

/* "tzu dst numkeys key...": dst and the numkeys keys that follow. */
static int tzu_keys(int argc, const struct resp_arg *argv, int *keys, int max)
{
	long long nk;
	int n = 0;
	if (argc < 3 || !kvs_str2ll(argv[2].p, argv[2].len, &nk) || nk < 1 || nk > argc - 3)
		return 0;
	if (n < max)
		keys[n] = 1;
	n++;
	for (int i = 0; i < nk; i++, n++)
		if (n < max)
			keys[n] = 3 + i;
	return n;
}

static const char *const tobj_subs[] = { "tobj|enc", "tobj|missing", "tobj|help", NULL };

static struct kvs_cmd fakes[] = {
	{ .name = "get", .arity = 2, .flags = KVS_CMD_READONLY | KVS_CMD_FAST,
	  .first_key = 1, .last_key = 1, .key_step = 1, .fn = noop, .group = "string",
	  .since = "1.0.0", .summary = "Get the value of a key" },
	{ .name = "tmset", .arity = -3, .flags = KVS_CMD_WRITE | KVS_CMD_DENYOOM,
	  .first_key = 1, .last_key = -1, .key_step = 2, .fn = noop, .group = "string",
	  .since = "1.0.1", .summary = "Set many" },
	{ .name = "tadmin", .arity = -1,
	  .flags = KVS_CMD_ADMIN | KVS_CMD_PUBSUB | KVS_CMD_NOSCRIPT | KVS_CMD_BLOCKING |
		   KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_SKIP_SLOWLOG | KVS_CMD_NOAUTH |
		   KVS_CMD_NOMULTI | KVS_CMD_RANDOM | KVS_CMD_NOLOCK,
	  .fn = noop, .group = "server" },
	{ .name = "tzu", .arity = -4, .flags = KVS_CMD_WRITE | KVS_CMD_DENYOOM,
	  .first_key = 1, .last_key = 1, .key_step = 1, .fn = noop, .group = "sorted-set",
	  .since = "2.0.0", .summary = "Union", .getkeys = tzu_keys },
	{ .name = "tobj", .arity = -2, .fn = noop, .group = "generic", .since = "2.2.3",
	  .summary = "Object things", .subcommands = tobj_subs },
	{ .name = "tobj|enc", .arity = 3, .flags = KVS_CMD_READONLY, .first_key = 2,
	  .last_key = 2, .key_step = 1, .fn = noop, .group = "generic", .since = "2.2.3",
	  .summary = "Encoding" },
	{ .name = "tobj|help", .arity = 2, .flags = KVS_CMD_LOADING | KVS_CMD_STALE, .fn = noop,
	  .group = "generic", .since = "6.2.0", .summary = "Help" },
};

static void setup(void) { tc_setup(16); }
static void teardown(void) { tc_teardown(); }

#define GET_INFO_RESP2 \
	"*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n" \
	"*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n" \
	"*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n" \
	"$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n" \
	"$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n" \
	"$5\r\nlimit\r\n:0\r\n*0\r\n"

START_TEST(info_matches_redis_for_get)
{
	EXPECT("*1\r\n" GET_INFO_RESP2, "COMMAND", "INFO", "get");
	EXPECT("*2\r\n" GET_INFO_RESP2 "$-1\r\n", "COMMAND", "INFO", "GET", "nosuch");
	tc_cl.proto = 3;
	EXPECT("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
	       "~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n"
	       "~2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n%2\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
	       "$4\r\nspec\r\n%1\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n%2\r\n$4\r\ntype\r\n"
	       "$5\r\nrange\r\n$4\r\nspec\r\n%3\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n"
	       "$5\r\nlimit\r\n:0\r\n~0\r\n",
	       "COMMAND", "INFO", "get");
	EXPECT("*1\r\n_\r\n", "COMMAND", "INFO", "nosuch");
}
END_TEST

START_TEST(info_keys_commands)
{
	EXPECT("*1\r\n*10\r\n$6\r\nexists\r\n:-2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:-1\r\n:1\r\n"
	       "*3\r\n+@keyspace\r\n+@read\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n"
	       "*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n"
	       "$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n"
	       "$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n"
	       "$5\r\nlimit\r\n:0\r\n*0\r\n",
	       "COMMAND", "INFO", "exists");
	/* rename: keys 1..2, a relative lastkey of 1; write access. */
	EXPECT("*1\r\n*10\r\n$6\r\nrename\r\n:3\r\n*1\r\n+write\r\n:1\r\n:2\r\n:1\r\n"
	       "*3\r\n+@keyspace\r\n+@write\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n"
	       "*3\r\n+RW\r\n+access\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n"
	       "$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n"
	       "*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:1\r\n"
	       "$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n",
	       "COMMAND", "INFO", "rename");
	/* Keyless, random: no key specs; the nondeterministic_output tip;
	 * NOLOCK is internal and not shown. */
	EXPECT("*1\r\n*10\r\n$9\r\nrandomkey\r\n:1\r\n*1\r\n+readonly\r\n:0\r\n:0\r\n:0\r\n"
	       "*3\r\n+@keyspace\r\n+@read\r\n+@slow\r\n*1\r\n$23\r\nnondeterministic_output\r\n"
	       "*0\r\n*0\r\n",
	       "COMMAND", "INFO", "randomkey");
	EXPECT("*1\r\n*10\r\n$6\r\nselect\r\n:2\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n"
	       ":0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n",
	       "COMMAND", "INFO", "select");
}
END_TEST

START_TEST(info_flags_categories_tips)
{
	EXPECT("*1\r\n*10\r\n$6\r\ntadmin\r\n:-1\r\n"
	       "*9\r\n+admin\r\n+pubsub\r\n+noscript\r\n+blocking\r\n+loading\r\n+stale\r\n"
	       "+skip_slowlog\r\n+no_auth\r\n+no_multi\r\n:0\r\n:0\r\n:0\r\n"
	       "*5\r\n+@pubsub\r\n+@admin\r\n+@slow\r\n+@blocking\r\n+@dangerous\r\n"
	       "*1\r\n$23\r\nnondeterministic_output\r\n*0\r\n*0\r\n",
	       "COMMAND", "INFO", "tadmin");
	/* A getkeys command: movablekeys, then a range spec and an unknown one. */
	EXPECT("*1\r\n*10\r\n$3\r\ntzu\r\n:-4\r\n*3\r\n+write\r\n+denyoom\r\n+movablekeys\r\n"
	       ":1\r\n:1\r\n:1\r\n*3\r\n+@write\r\n+@sortedset\r\n+@slow\r\n*0\r\n*2\r\n"
	       "*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+update\r\n$12\r\nbegin_search\r\n"
	       "*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n"
	       "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n"
	       "*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n"
	       "*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"
	       "$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n*0\r\n"
	       "$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$7\r\nunknown\r\n$4\r\nspec\r\n*0\r\n"
	       "*0\r\n",
	       "COMMAND", "INFO", "tzu");
}
END_TEST

#define TOBJ_ENC_INFO \
	"*10\r\n$8\r\ntobj|enc\r\n:3\r\n*1\r\n+readonly\r\n:2\r\n:2\r\n:1\r\n" \
	"*3\r\n+@keyspace\r\n+@read\r\n+@slow\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n" \
	"*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n" \
	"$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n" \
	"$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n" \
	"$5\r\nlimit\r\n:0\r\n*0\r\n"
#define TOBJ_HELP_INFO \
	"*10\r\n$9\r\ntobj|help\r\n:2\r\n*2\r\n+loading\r\n+stale\r\n:0\r\n:0\r\n:0\r\n" \
	"*2\r\n+@keyspace\r\n+@slow\r\n*0\r\n*0\r\n*0\r\n"

START_TEST(info_subcommands)
{
	/* Nested in registration order; a listed name that is not
	 * registered (tobj|missing) is left out. */
	EXPECT("*1\r\n*10\r\n$4\r\ntobj\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n"
	       "*2\r\n+@keyspace\r\n+@slow\r\n*0\r\n*0\r\n*2\r\n" TOBJ_ENC_INFO TOBJ_HELP_INFO,
	       "COMMAND", "INFO", "tobj");
	EXPECT("*1\r\n" TOBJ_ENC_INFO, "COMMAND", "INFO", "tobj|enc");
	EXPECT("*1\r\n" TOBJ_ENC_INFO, "COMMAND", "INFO", "TOBJ|ENC");
	EXPECT("*1\r\n$-1\r\n", "COMMAND", "INFO", "tobj|missing");
	EXPECT("*1\r\n$-1\r\n", "COMMAND", "INFO", "get|x");
	EXPECT("*1\r\n*10\r\n$13\r\ncommand|count\r\n:2\r\n*2\r\n+loading\r\n+stale\r\n"
	       ":0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*0\r\n",
	       "COMMAND", "INFO", "command|count");
}
END_TEST

/* ---- a small RESP reader to check whole-registry replies ------------- */

struct node {
	char type;          /* '*' array (maps/sets folded in), '$', '+', ':', '_' */
	long long n;        /* elements, or integer value */
	char *s;            /* bulk/status text */
	struct node *el;
};

static struct node parse_node(const char **p)
{
	struct node nd = { **p, 0, NULL, NULL };
	char *end;
	long long v = strtoll(*p + 1, &end, 10);
	if (nd.type == '_') {
		*p += 3;
		return nd;
	}
	if (nd.type == '+') {
		end = strstr(*p, "\r\n");
		nd.s = strndup(*p + 1, (size_t)(end - *p - 1));
		*p = end + 2;
		return nd;
	}
	ck_assert_msg(end[0] == '\r' && end[1] == '\n', "bad header at %.20s", *p);
	*p = end + 2;
	switch (nd.type) {
	case ':':
		nd.n = v;
		break;
	case '$':
		nd.s = strndup(*p, (size_t)v);
		*p += v + 2;
		break;
	case '%':
		v *= 2;
		/* fall through */
	case '*':
	case '~':
		nd.type = '*';
		nd.n = v;
		nd.el = calloc((size_t)v + 1, sizeof *nd.el);
		for (long long i = 0; i < v; i++)
			nd.el[i] = parse_node(p);
		break;
	default:
		ck_abort_msg("unexpected type %c", nd.type);
	}
	return nd;
}

static void free_node(struct node *nd)
{
	for (long long i = 0; nd->type == '*' && i < nd->n; i++)
		free_node(&nd->el[i]);
	free(nd->el);
	free(nd->s);
}

static struct node parse_reply(void)
{
	const char *p = tc_reply;
	struct node nd = parse_node(&p);
	ck_assert_ptr_eq(p, tc_reply + tc_reply_len);
	return nd;
}

/* What redis-cli 7's cliInitCommandHelpEntry asserts of one docs map. */
static long long check_docs_entry(const struct node *doc)
{
	long long n = 1;
	ck_assert_int_eq(doc->type, '*');
	ck_assert_int_eq(doc->n % 2, 0);
	for (long long j = 0; j < doc->n; j += 2) {
		const char *k = doc->el[j].s;
		const struct node *v = &doc->el[j + 1];
		ck_assert_int_eq(doc->el[j].type, '$');
		if (!strcmp(k, "summary") || !strcmp(k, "since") || !strcmp(k, "group")) {
			ck_assert_int_eq(v->type, '$');
		} else if (!strcmp(k, "subcommands")) {
			ck_assert_int_eq(v->type, '*');
			for (long long i = 0; i < v->n; i += 2) {
				ck_assert_int_eq(v->el[i].type, '$');
				ck_assert_ptr_nonnull(strchr(v->el[i].s, '|'));
				n += check_docs_entry(&v->el[i + 1]);
			}
		} else {
			ck_abort_msg("unexpected docs field %s", k);
		}
	}
	return n;
}

START_TEST(info_all_is_registry)
{
	for (int proto = 2; proto <= 3; proto++) {
		tc_cl.proto = proto;
		RUN("COMMAND");
		char *all = strdup(tc_reply);
		EXPECT(all, "COMMAND", "INFO");
		free(all);
		struct node nd = parse_reply();
		/* 16 keys commands, COMMAND, 5 fakes; subcommands are nested. */
		ck_assert_int_eq(nd.n, 22);
		int seen_command = 0;
		for (long long i = 0; i < nd.n; i++) {
			/* redis-py's parse_command reads these positions. */
			const struct node *c = &nd.el[i];
			ck_assert_int_eq(c->n, 10);
			ck_assert_int_eq(c->el[0].type, '$');
			ck_assert_ptr_null(strchr(c->el[0].s, '|'));
			ck_assert_int_eq(c->el[1].type, ':');
			ck_assert_int_eq(c->el[2].type, '*');
			for (int j = 3; j <= 5; j++)
				ck_assert_int_eq(c->el[j].type, ':');
			if (!strcmp(c->el[0].s, "command")) {
				seen_command = 1;
				ck_assert_int_eq(c->el[9].n, 7);
			}
		}
		ck_assert(seen_command);
		free_node(&nd);
	}
}
END_TEST

START_TEST(count_and_list)
{
	EXPECT(":22\r\n", "COMMAND", "COUNT");
	EXPECT("-ERR wrong number of arguments for 'command|count' command\r\n",
	       "COMMAND", "COUNT", "x");
	RUN("COMMAND", "LIST");
	EXPECT_SET("command", "command|count", "command|docs", "command|getkeys",
		   "command|getkeysandflags", "command|help", "command|info", "command|list",
		   "copy", "dbsize", "del", "exists", "flushall", "flushdb", "get", "keys", "move",
		   "randomkey", "rename", "renamenx", "scan", "select", "swapdb", "tadmin", "tmset",
		   "tobj", "tobj|enc", "tobj|help", "type", "tzu", "unlink");
	RUN("COMMAND", "LIST", "FILTERBY", "PATTERN", "comm*");
	EXPECT_SET("command", "command|count", "command|docs", "command|getkeys",
		   "command|getkeysandflags", "command|help", "command|info", "command|list");
	RUN("command", "list", "filterby", "pattern", "*|HELP");
	EXPECT_SET("command|help", "tobj|help");
	RUN("COMMAND", "LIST", "FILTERBY", "ACLCAT", "Keyspace");
	EXPECT_SET("copy", "del", "exists", "keys", "move", "randomkey", "rename", "renamenx",
		   "scan", "tobj", "tobj|enc", "tobj|help", "type", "unlink");
	RUN("COMMAND", "LIST", "FILTERBY", "ACLCAT", "dangerous");
	EXPECT_SET("tadmin");
	EXPECT("*0\r\n", "COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuch");
	EXPECT("*0\r\n", "COMMAND", "LIST", "FILTERBY", "MODULE", "x");
	EXPECT("-ERR syntax error\r\n", "COMMAND", "LIST", "FILTERBY");
	EXPECT("-ERR syntax error\r\n", "COMMAND", "LIST", "foo");
	EXPECT("-ERR syntax error\r\n", "COMMAND", "LIST", "FILTERBY", "foo", "x");
	EXPECT("-ERR syntax error\r\n", "COMMAND", "LIST", "FILTERBY", "PATTERN", "a", "b");
}
END_TEST

START_TEST(docs)
{
	EXPECT("*2\r\n$3\r\nget\r\n*6\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
	       "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n",
	       "COMMAND", "DOCS", "get");
	EXPECT("*0\r\n", "COMMAND", "DOCS", "nosuch");
	EXPECT("*2\r\n$6\r\ntadmin\r\n*2\r\n$5\r\ngroup\r\n$6\r\nserver\r\n",
	       "COMMAND", "DOCS", "nosuch", "TADMIN");
	EXPECT("*2\r\n$4\r\ntobj\r\n*8\r\n$7\r\nsummary\r\n$13\r\nObject things\r\n"
	       "$5\r\nsince\r\n$5\r\n2.2.3\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n"
	       "$11\r\nsubcommands\r\n*4\r\n"
	       "$8\r\ntobj|enc\r\n*6\r\n$7\r\nsummary\r\n$8\r\nEncoding\r\n$5\r\nsince\r\n"
	       "$5\r\n2.2.3\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n"
	       "$9\r\ntobj|help\r\n*6\r\n$7\r\nsummary\r\n$4\r\nHelp\r\n$5\r\nsince\r\n"
	       "$5\r\n6.2.0\r\n$5\r\ngroup\r\n$7\r\ngeneric\r\n",
	       "COMMAND", "DOCS", "tobj");
	tc_cl.proto = 3;
	EXPECT("%1\r\n$3\r\nget\r\n%3\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n"
	       "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n",
	       "COMMAND", "DOCS", "get");
	EXPECT("%0\r\n", "COMMAND", "DOCS", "nosuch");
}
END_TEST

/* The whole table, as redis-cli 7 reads it at start-up for its hints. */
START_TEST(docs_all_for_redis_cli)
{
	for (int proto = 2; proto <= 3; proto++) {
		tc_cl.proto = proto;
		RUN("COMMAND", "DOCS");
		struct node nd = parse_reply();
		long long entries = 0;
		ck_assert_int_eq(nd.n, 2 * 22);
		for (long long i = 0; i < nd.n; i += 2) {
			ck_assert_int_eq(nd.el[i].type, '$');
			entries += check_docs_entry(&nd.el[i + 1]);
		}
		ck_assert_int_eq(entries, 31);   /* == COMMAND LIST */
		free_node(&nd);
	}
}
END_TEST

START_TEST(getkeys)
{
	EXPECT("*1\r\n$1\r\na\r\n", "COMMAND", "GETKEYS", "get", "a");
	EXPECT("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "COMMAND", "GETKEYS", "del", "a", "b", "c");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "COMMAND", "GETKEYS", "tmset", "a", "1", "b", "2");
	EXPECT("*2\r\n$1\r\na\r\n$1\r\nb\r\n", "command", "getkeys", "RENAME", "a", "b");
	EXPECT("*1\r\n$1\r\nk\r\n", "COMMAND", "GETKEYS", "tobj", "ENC", "k");
	EXPECT("*3\r\n$1\r\nd\r\n$1\r\nx\r\n$1\r\ny\r\n",
	       "COMMAND", "GETKEYS", "tzu", "d", "2", "x", "y");
	EXPECT("-ERR Invalid arguments specified for command\r\n",
	       "COMMAND", "GETKEYS", "tzu", "d", "0", "x");
	EXPECT("-ERR Invalid command specified\r\n", "COMMAND", "GETKEYS", "nosuch", "a");
	EXPECT("-ERR Invalid command specified\r\n", "COMMAND", "GETKEYS", "tobj", "nosuch", "k");
	EXPECT("-ERR Invalid command specified\r\n", "COMMAND", "GETKEYS", "tobj|enc", "x", "k");
	EXPECT("-ERR The command has no key arguments\r\n", "COMMAND", "GETKEYS", "command", "info");
	EXPECT("-ERR The command has no key arguments\r\n", "COMMAND", "GETKEYS", "keys", "*");
	EXPECT("-ERR Invalid number of arguments specified for command\r\n",
	       "COMMAND", "GETKEYS", "get", "a", "b");
	EXPECT("-ERR Invalid number of arguments specified for command\r\n",
	       "COMMAND", "GETKEYS", "copy", "a");
	EXPECT("-ERR wrong number of arguments for 'command|getkeys' command\r\n",
	       "COMMAND", "GETKEYS", "get");
}
END_TEST

START_TEST(getkeys_many)
{
	const char *argv[3 + 100];
	char names[100][16];
	argv[0] = "COMMAND";
	argv[1] = "GETKEYS";
	argv[2] = "exists";
	for (int i = 0; i < 100; i++) {
		snprintf(names[i], sizeof names[i], "k%d", i);
		argv[3 + i] = names[i];
	}
	tc_execv(103, argv, NULL);
	const char *p = tc_reply;
	char **items;
	long n = tc_parse_bulks(&p, &items);
	ck_assert_int_eq(n, 100);
	for (int i = 0; i < 100; i++)
		ck_assert_str_eq(items[i], names[i]);
	tc_free_items(items, n);
}
END_TEST

START_TEST(getkeysandflags)
{
	EXPECT("*1\r\n*2\r\n$1\r\na\r\n*2\r\n+RO\r\n+access\r\n",
	       "COMMAND", "GETKEYSANDFLAGS", "get", "a");
	EXPECT("*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+update\r\n"
	       "*2\r\n$1\r\nb\r\n*3\r\n+RW\r\n+access\r\n+update\r\n",
	       "COMMAND", "GETKEYSANDFLAGS", "tmset", "a", "1", "b", "2");
	tc_cl.proto = 3;
	EXPECT("*1\r\n*2\r\n$1\r\na\r\n~2\r\n+RO\r\n+access\r\n",
	       "COMMAND", "GETKEYSANDFLAGS", "get", "a");
	EXPECT("-ERR wrong number of arguments for 'command|getkeysandflags' command\r\n",
	       "COMMAND", "GETKEYSANDFLAGS", "get");
}
END_TEST

START_TEST(help_and_dispatch_errors)
{
	EXPECT("*21\r\n"
	       "+COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n"
	       "+(no subcommand)\r\n"
	       "+    Return details about all Redis commands.\r\n"
	       "+COUNT\r\n"
	       "+    Return the total number of commands in this Redis server.\r\n"
	       "+LIST\r\n"
	       "+    Return a list of all commands in this Redis server.\r\n"
	       "+INFO [<command-name> ...]\r\n"
	       "+    Return details about multiple Redis commands.\r\n"
	       "+    If no command names are given, documentation details for all\r\n"
	       "+    commands are returned.\r\n"
	       "+DOCS [<command-name> ...]\r\n"
	       "+    Return documentation details about multiple Redis commands.\r\n"
	       "+    If no command names are given, documentation details for all\r\n"
	       "+    commands are returned.\r\n"
	       "+GETKEYS <full-command>\r\n"
	       "+    Return the keys from a full Redis command.\r\n"
	       "+GETKEYSANDFLAGS <full-command>\r\n"
	       "+    Return the keys and the access flags from a full Redis command.\r\n"
	       "+HELP\r\n"
	       "+    Prints this help.\r\n",
	       "COMMAND", "HELP");
	EXPECT("-ERR wrong number of arguments for 'command|help' command\r\n",
	       "COMMAND", "HELP", "x");
	EXPECT("-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n", "COMMAND", "foo");
	EXPECT("-ERR unknown subcommand 'info|x'. Try COMMAND HELP.\r\n", "COMMAND", "info|x");
	EXPECT("-ERR unknown command 'command|count', with args beginning with: \r\n",
	       "command|count");
	/* The subcommand's own statistics count the call. */
	struct kvs_cmd *sub = kvs_cmd_lookup("command|count", 13);
	uint64_t calls = atomic_load(&sub->calls), rejected = atomic_load(&sub->rejected);
	EXPECT(":22\r\n", "command", "Count");
	EXPECT("-ERR wrong number of arguments for 'command|count' command\r\n",
	       "COMMAND", "COUNT", "x");
	ck_assert_uint_eq(atomic_load(&sub->calls), calls + 1);
	ck_assert_uint_eq(atomic_load(&sub->rejected), rejected + 1);
}
END_TEST

static Suite *command_suite(void)
{
	Suite *s = suite_create("t_command");
	TCase *tc = tcase_create("command");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, info_matches_redis_for_get);
	tcase_add_test(tc, info_keys_commands);
	tcase_add_test(tc, info_flags_categories_tips);
	tcase_add_test(tc, info_subcommands);
	tcase_add_test(tc, info_all_is_registry);
	tcase_add_test(tc, count_and_list);
	tcase_add_test(tc, docs);
	tcase_add_test(tc, docs_all_for_redis_cli);
	tcase_add_test(tc, getkeys);
	tcase_add_test(tc, getkeys_many);
	tcase_add_test(tc, getkeysandflags);
	tcase_add_test(tc, help_and_dispatch_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	kvs_register_keys();
	kvs_register_command();
	if (kvs_cmd_register(fakes, sizeof fakes / sizeof fakes[0]) != 0)
		return EXIT_FAILURE;
	SRunner *sr = srunner_create(command_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
