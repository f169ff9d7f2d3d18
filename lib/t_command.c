/*
 * t_command.c - COMMAND [COUNT | LIST | INFO | DOCS | GETKEYS |
 * GETKEYSANDFLAGS | HELP], in Redis 7.0's reply shapes.
 *
 * Every reply is derived from the registry (cmd.h), never from a list
 * kept here. What Redis states per command but struct kvs_cmd does not
 * carry is derived from what it does: ACL categories from the group and
 * flags (as Redis's setImplicitACLCategories), the tip
 * "nondeterministic_output" from KVS_CMD_RANDOM, one range key spec from
 * first/last/step (plus an "unknown" one for getkeys commands) whose
 * access flags come from write/readonly.
 *
 * Subcommands are registered as "container|sub" entries, which is how
 * Redis names them in COMMAND INFO, COMMAND LIST and errors; the
 * container's handler dispatches to them (kvs_exec only knows argv[0]).
 */
#include "config.h"
#include <ctype.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "commands.h"
#include "util.h"

static int is_subcommand(const struct kvs_cmd *cmd) { return strchr(cmd->name, '|') != NULL; }

/* The registered subcommands of cmd, in cmd->subcommands order: calls fn
 * for each if fn is not NULL; returns how many there are. */
static long long each_sub(struct kvs_client *c, const struct kvs_cmd *cmd,
			  void (*fn)(struct kvs_client *, const struct kvs_cmd *))
{
	long long n = 0;
	if (!cmd->subcommands)
		return 0;
	for (const char *const *s = cmd->subcommands; *s; s++) {
		const struct kvs_cmd *sub = kvs_cmd_lookup(*s, strlen(*s));
		if (!sub)
			continue;
		if (fn)
			fn(c, sub);
		n++;
	}
	return n;
}

/* container|sub for the container cmd and the word w; NULL if unknown. */
static const struct kvs_cmd *find_sub(const struct kvs_cmd *cmd, const struct resp_arg *w)
{
	char name[128];
	size_t pl = strlen(cmd->name);
	if (!cmd->subcommands || pl + 1 + w->len > sizeof name)
		return NULL;
	memcpy(name, cmd->name, pl);
	name[pl] = '|';
	memcpy(name + pl + 1, w->p, w->len);
	return kvs_cmd_lookup(name, pl + 1 + w->len);
}

/* A command name as a client may ask for it (COMMAND INFO/DOCS take full
 * names such as "config|get"). */
static const struct kvs_cmd *find_named(const struct resp_arg *a)
{
	return kvs_cmd_lookup(a->p, a->len);
}

/* ---- flags, categories, tips, key specs ------------------------------ */

static const struct { uint32_t bit; const char *name; } flag_names[] = {
	{ KVS_CMD_WRITE, "write" },       { KVS_CMD_READONLY, "readonly" },
	{ KVS_CMD_DENYOOM, "denyoom" },   { KVS_CMD_ADMIN, "admin" },
	{ KVS_CMD_PUBSUB, "pubsub" },     { KVS_CMD_NOSCRIPT, "noscript" },
	{ KVS_CMD_BLOCKING, "blocking" }, { KVS_CMD_LOADING, "loading" },
	{ KVS_CMD_STALE, "stale" },       { KVS_CMD_SKIP_SLOWLOG, "skip_slowlog" },
	{ KVS_CMD_FAST, "fast" },         { KVS_CMD_NOAUTH, "no_auth" },
	{ KVS_CMD_NOMULTI, "no_multi" },
};
#define NFLAGS (sizeof flag_names / sizeof flag_names[0])

static void reply_flags(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	long long n = cmd->getkeys ? 1 : 0;
	for (size_t i = 0; i < NFLAGS; i++)
		n += (cmd->flags & flag_names[i].bit) != 0;
	reply_set(c, n);
	for (size_t i = 0; i < NFLAGS; i++)
		if (cmd->flags & flag_names[i].bit)
			reply_status(c, flag_names[i].name);
	if (cmd->getkeys)
		reply_status(c, "movablekeys");
}

/* Redis's ACL categories, in the order Redis lists them. */
enum {
	CAT_KEYSPACE, CAT_READ, CAT_WRITE, CAT_SET, CAT_SORTEDSET, CAT_LIST, CAT_HASH,
	CAT_STRING, CAT_BITMAP, CAT_HYPERLOGLOG, CAT_GEO, CAT_STREAM, CAT_PUBSUB, CAT_ADMIN,
	CAT_FAST, CAT_SLOW, CAT_BLOCKING, CAT_DANGEROUS, CAT_CONNECTION, CAT_TRANSACTION,
	CAT_SCRIPTING, CAT__COUNT
};
static const char *const cat_names[CAT__COUNT] = {
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
	"dangerous", "connection", "transaction", "scripting",
};
static const struct { const char *group; int cat; } group_cats[] = {
	{ "generic", CAT_KEYSPACE },  { "string", CAT_STRING },
	{ "list", CAT_LIST },         { "set", CAT_SET },
	{ "sorted-set", CAT_SORTEDSET }, { "hash", CAT_HASH },
	{ "bitmap", CAT_BITMAP },     { "hyperloglog", CAT_HYPERLOGLOG },
	{ "geo", CAT_GEO },           { "stream", CAT_STREAM },
	{ "pubsub", CAT_PUBSUB },     { "connection", CAT_CONNECTION },
	{ "transactions", CAT_TRANSACTION }, { "scripting", CAT_SCRIPTING },
};

static uint32_t categories(const struct kvs_cmd *cmd)
{
	uint32_t m = 0;
	for (size_t i = 0; cmd->group && i < sizeof group_cats / sizeof group_cats[0]; i++)
		if (strcmp(cmd->group, group_cats[i].group) == 0)
			m |= 1u << group_cats[i].cat;
	if (cmd->flags & KVS_CMD_WRITE)
		m |= 1u << CAT_WRITE;
	if ((cmd->flags & KVS_CMD_READONLY) && !(m & (1u << CAT_SCRIPTING)))
		m |= 1u << CAT_READ;
	if (cmd->flags & KVS_CMD_ADMIN)
		m |= 1u << CAT_ADMIN | 1u << CAT_DANGEROUS;
	if (cmd->flags & KVS_CMD_PUBSUB)
		m |= 1u << CAT_PUBSUB;
	if (cmd->flags & KVS_CMD_BLOCKING)
		m |= 1u << CAT_BLOCKING;
	m |= (cmd->flags & KVS_CMD_FAST) ? 1u << CAT_FAST : 1u << CAT_SLOW;
	return m;
}

static void reply_categories(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	char name[32];
	uint32_t m = categories(cmd);
	long long n = 0;
	for (uint32_t b = m; b; b &= b - 1)
		n++;
	reply_set(c, n);
	for (int i = 0; i < CAT__COUNT; i++) {
		if (!(m & (1u << i)))
			continue;
		name[0] = '@';
		strcpy(name + 1, cat_names[i]);
		reply_status(c, name);
	}
}

static void reply_tips(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	if (cmd->flags & KVS_CMD_RANDOM) {
		reply_set(c, 1);
		reply_bulk_cstr(c, "nondeterministic_output");
	} else {
		reply_set(c, 0);
	}
}

/* Access flags of a key of cmd: the worst case of what it may do. */
static void reply_key_flags(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	reply_set(c, (cmd->flags & KVS_CMD_WRITE) ? 3 : 2);
	if (cmd->flags & KVS_CMD_WRITE) {
		reply_status(c, "RW");
		reply_status(c, "access");
		reply_status(c, "update");
	} else {
		reply_status(c, "RO");
		reply_status(c, "access");
	}
}

static void reply_kv_int(struct kvs_client *c, const char *k, long long v)
{
	reply_bulk_cstr(c, k);
	reply_int(c, v);
}

static void reply_unknown_spec(struct kvs_client *c, const char *what)
{
	reply_bulk_cstr(c, what);
	reply_map(c, 2);
	reply_bulk_cstr(c, "type");
	reply_bulk_cstr(c, "unknown");
	reply_bulk_cstr(c, "spec");
	reply_map(c, 0);
}

static void reply_key_specs(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	int range = cmd->first_key > 0;
	reply_set(c, range + (cmd->getkeys != NULL));
	if (range) {
		reply_map(c, 3);
		reply_bulk_cstr(c, "flags");
		reply_key_flags(c, cmd);
		reply_bulk_cstr(c, "begin_search");
		reply_map(c, 2);
		reply_bulk_cstr(c, "type");
		reply_bulk_cstr(c, "index");
		reply_bulk_cstr(c, "spec");
		reply_map(c, 1);
		reply_kv_int(c, "index", cmd->first_key);
		reply_bulk_cstr(c, "find_keys");
		reply_map(c, 2);
		reply_bulk_cstr(c, "type");
		reply_bulk_cstr(c, "range");
		reply_bulk_cstr(c, "spec");
		reply_map(c, 3);
		/* A spec's lastkey is relative to the first key; negative
		 * values count from the end, as in the legacy triple. */
		reply_kv_int(c, "lastkey", cmd->last_key < 0 ? cmd->last_key
							  : cmd->last_key - cmd->first_key);
		reply_kv_int(c, "keystep", cmd->key_step);
		reply_kv_int(c, "limit", 0);
	}
	if (cmd->getkeys) {
		reply_map(c, 3);
		reply_bulk_cstr(c, "flags");
		reply_key_flags(c, cmd);
		reply_unknown_spec(c, "begin_search");
		reply_unknown_spec(c, "find_keys");
	}
}

/* ---- COMMAND INFO / DOCS --------------------------------------------- */

static void reply_info(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	reply_array(c, 10);
	reply_bulk_cstr(c, cmd->name);
	reply_int(c, cmd->arity);
	reply_flags(c, cmd);
	reply_int(c, cmd->first_key);
	reply_int(c, cmd->last_key);
	reply_int(c, cmd->key_step);
	reply_categories(c, cmd);
	reply_tips(c, cmd);
	reply_key_specs(c, cmd);
	long long nsub = each_sub(c, cmd, NULL);
	if (nsub) {
		reply_array(c, nsub);
		each_sub(c, cmd, reply_info);
	} else {
		reply_set(c, 0);
	}
}

static size_t top_level_count(void)
{
	size_t i = 0, n = 0;
	const struct kvs_cmd *cmd;
	while ((cmd = kvs_cmd_next(&i)))
		n += !is_subcommand(cmd);
	return n;
}

static void reply_info_all(struct kvs_client *c)
{
	size_t i = 0;
	const struct kvs_cmd *cmd;
	reply_array(c, (long long)top_level_count());
	while ((cmd = kvs_cmd_next(&i)))
		if (!is_subcommand(cmd))
			reply_info(c, cmd);
}

static void reply_docs(struct kvs_client *c, const struct kvs_cmd *cmd);

static void reply_named_docs(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	reply_bulk_cstr(c, cmd->name);
	reply_docs(c, cmd);
}

/* summary, since and group are what redis-cli reads for its hints; the
 * argument lists Redis also sends are optional there. */
static void reply_docs(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	long long nsub = each_sub(c, cmd, NULL);
	reply_map(c, 1 + (cmd->summary != NULL) + (cmd->since != NULL) + (nsub > 0));
	if (cmd->summary) {
		reply_bulk_cstr(c, "summary");
		reply_bulk_cstr(c, cmd->summary);
	}
	if (cmd->since) {
		reply_bulk_cstr(c, "since");
		reply_bulk_cstr(c, cmd->since);
	}
	reply_bulk_cstr(c, "group");
	reply_bulk_cstr(c, cmd->group ? cmd->group : "generic");
	if (nsub) {
		reply_bulk_cstr(c, "subcommands");
		reply_map(c, nsub);
		each_sub(c, cmd, reply_named_docs);
	}
}

static void command_info(struct kvs_client *c)
{
	if (c->argc == 2) {
		reply_info_all(c);
		return;
	}
	reply_array(c, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		const struct kvs_cmd *cmd = find_named(&c->argv[i]);
		if (cmd)
			reply_info(c, cmd);
		else
			reply_null(c);
	}
}

static void command_docs(struct kvs_client *c)
{
	if (c->argc == 2) {
		size_t i = 0;
		const struct kvs_cmd *cmd;
		reply_map(c, (long long)top_level_count());
		while ((cmd = kvs_cmd_next(&i)))
			if (!is_subcommand(cmd))
				reply_named_docs(c, cmd);
		return;
	}
	/* Unknown names are left out of the map. */
	long long n = 0;
	for (int i = 2; i < c->argc; i++)
		n += find_named(&c->argv[i]) != NULL;
	reply_map(c, n);
	for (int i = 2; i < c->argc; i++) {
		const struct kvs_cmd *cmd = find_named(&c->argv[i]);
		if (cmd)
			reply_named_docs(c, cmd);
	}
}

static void command_count(struct kvs_client *c)
{
	reply_int(c, (long long)top_level_count());
}

/* ---- COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pat] --- */

enum list_filter { LIST_ALL, LIST_MODULE, LIST_ACLCAT, LIST_PATTERN };

struct list_state {
	enum list_filter type;
	const struct resp_arg *arg;
	uint32_t cat;        /* ACLCAT: the category's bit (0: unknown) */
	long long n;
	int emit;            /* 0: count only */
};

static void list_one(struct kvs_client *c, struct list_state *st, const struct kvs_cmd *cmd)
{
	int match;
	switch (st->type) {
	case LIST_MODULE: match = 0; break;   /* no modules */
	case LIST_ACLCAT: match = (categories(cmd) & st->cat) != 0; break;
	case LIST_PATTERN:
		match = kvs_glob(st->arg->p, st->arg->len, cmd->name, strlen(cmd->name), 1);
		break;
	default: match = 1; break;
	}
	if (!match)
		return;
	st->n++;
	if (st->emit)
		reply_bulk_cstr(c, cmd->name);
}

/* Top-level commands, each followed by its subcommands, as Redis does. */
static void list_walk(struct kvs_client *c, struct list_state *st)
{
	size_t i = 0;
	const struct kvs_cmd *cmd;
	while ((cmd = kvs_cmd_next(&i))) {
		if (is_subcommand(cmd))
			continue;
		list_one(c, st, cmd);
		for (const char *const *s = cmd->subcommands; s && *s; s++) {
			const struct kvs_cmd *sub = kvs_cmd_lookup(*s, strlen(*s));
			if (sub)
				list_one(c, st, sub);
		}
	}
}

static void command_list(struct kvs_client *c)
{
	struct list_state st = { .type = LIST_ALL };
	for (int i = 2; i < c->argc; i += 3) {
		if (!arg_is(c, i, "filterby") || c->argc - 1 - i != 2) {
			reply_syntax(c);
			return;
		}
		if (arg_is(c, i + 1, "module")) {
			st.type = LIST_MODULE;
		} else if (arg_is(c, i + 1, "aclcat")) {
			st.type = LIST_ACLCAT;
		} else if (arg_is(c, i + 1, "pattern")) {
			st.type = LIST_PATTERN;
		} else {
			reply_syntax(c);
			return;
		}
		st.arg = &c->argv[i + 2];
	}
	if (st.type == LIST_ACLCAT)
		for (int k = 0; k < CAT__COUNT; k++)
			if (kvs_eqi(st.arg->p, st.arg->len, cat_names[k]))
				st.cat = 1u << k;
	list_walk(c, &st);
	reply_array(c, st.n);
	st.emit = 1;
	st.n = 0;
	list_walk(c, &st);
}

/* ---- COMMAND GETKEYS / GETKEYSANDFLAGS -------------------------------- */

static void getkeys_generic(struct kvs_client *c, int with_flags)
{
	int argc = c->argc - 2, stack[64], *keys = stack, n;
	const struct resp_arg *argv = c->argv + 2;
	const struct kvs_cmd *cmd = kvs_cmd_lookup(argv[0].p, argv[0].len);

	/* "container|sub" is a name for COMMAND INFO, not a command. */
	if (cmd && is_subcommand(cmd))
		cmd = NULL;
	if (cmd && cmd->subcommands && argc >= 2)
		cmd = find_sub(cmd, &argv[1]);
	if (!cmd) {
		reply_error(c, "ERR Invalid command specified");
		return;
	}
	if (!cmd->getkeys && cmd->first_key <= 0) {
		reply_error(c, "ERR The command has no key arguments");
		return;
	}
	if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
		reply_error(c, "ERR Invalid number of arguments specified for command");
		return;
	}
	n = kvs_cmd_keys(cmd, argc, argv, keys, 64);
	if (n > 64) {
		keys = kvs_malloc((size_t)n * sizeof *keys);
		n = kvs_cmd_keys(cmd, argc, argv, keys, n);
	}
	if (n <= 0) {
		reply_error(c, "ERR Invalid arguments specified for command");
	} else {
		reply_array(c, n);
		for (int i = 0; i < n; i++) {
			if (with_flags)
				reply_array(c, 2);
			reply_bulk(c, argv[keys[i]].p, argv[keys[i]].len);
			if (with_flags)
				reply_key_flags(c, cmd);
		}
	}
	if (keys != stack)
		free(keys);
}

static void command_getkeys(struct kvs_client *c) { getkeys_generic(c, 0); }
static void command_getkeysandflags(struct kvs_client *c) { getkeys_generic(c, 1); }

static void command_help(struct kvs_client *c)
{
	static const char *const help[] = {
		"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
		"HELP",
		"    Prints this help.",
	};
	reply_array(c, (long long)(sizeof help / sizeof help[0]));
	for (size_t i = 0; i < sizeof help / sizeof help[0]; i++)
		reply_status(c, help[i]);
}

/* ---- the container ---------------------------------------------------- */

/* Run c->cmd's subcommand named by argv[1], with Redis's errors for an
 * unknown one and for a wrong argument count. */
static void dispatch_sub(struct kvs_client *c)
{
	const struct kvs_cmd *parent = c->cmd;
	struct kvs_cmd *sub = (struct kvs_cmd *)find_sub(parent, &c->argv[1]);
	if (!sub) {
		char up[64];
		size_t i;
		for (i = 0; parent->name[i] && i < sizeof up - 1; i++)
			up[i] = (char)toupper((unsigned char)parent->name[i]);
		up[i] = '\0';
		int len = c->argv[1].len > 128 ? 128 : (int)c->argv[1].len;
		reply_errorf(c, "ERR unknown subcommand '%.*s'. Try %s HELP.", len, c->argv[1].p, up);
		return;
	}
	if ((sub->arity > 0 && c->argc != sub->arity) || (sub->arity < 0 && c->argc < -sub->arity)) {
		reply_wrong_arity(c, sub->name);
		atomic_fetch_add_explicit(&sub->rejected, 1, memory_order_relaxed);
		return;
	}
	sub->fn(c);
	atomic_fetch_add_explicit(&sub->calls, 1, memory_order_relaxed);
}

static void command_command(struct kvs_client *c)
{
	if (c->argc == 1)
		reply_info_all(c);
	else
		dispatch_sub(c);
}

static const char *const command_subs[] = {
	"command|count", "command|docs", "command|getkeys", "command|getkeysandflags",
	"command|help", "command|info", "command|list", NULL,
};

#define SUB_FLAGS (KVS_CMD_LOADING | KVS_CMD_STALE)

static struct kvs_cmd command_cmds[] = {
	{ .name = "command", .arity = -1, .flags = SUB_FLAGS, .fn = command_command,
	  .group = "server", .since = "2.8.13", .summary = "Get array of Redis command details",
	  .subcommands = command_subs },
	{ .name = "command|count", .arity = 2, .flags = SUB_FLAGS, .fn = command_count,
	  .group = "server", .since = "2.8.13", .summary = "Get total number of Redis commands" },
	{ .name = "command|docs", .arity = -2, .flags = SUB_FLAGS, .fn = command_docs,
	  .group = "server", .since = "7.0.0",
	  .summary = "Get array of specific Redis command documentation" },
	{ .name = "command|getkeys", .arity = -4, .flags = SUB_FLAGS, .fn = command_getkeys,
	  .group = "server", .since = "2.8.13", .summary = "Extract keys given a full Redis command" },
	{ .name = "command|getkeysandflags", .arity = -4, .flags = SUB_FLAGS,
	  .fn = command_getkeysandflags, .group = "server", .since = "7.0.0",
	  .summary = "Extract keys and access flags given a full Redis command" },
	{ .name = "command|help", .arity = 2, .flags = SUB_FLAGS, .fn = command_help,
	  .group = "server", .since = "5.0.0",
	  .summary = "Show helpful text about the different subcommands" },
	{ .name = "command|info", .arity = -2, .flags = SUB_FLAGS, .fn = command_info,
	  .group = "server", .since = "2.8.13",
	  .summary = "Get array of specific Redis command details, or all when no argument is given." },
	{ .name = "command|list", .arity = -2, .flags = SUB_FLAGS, .fn = command_list,
	  .group = "server", .since = "7.0.0", .summary = "Get an array of Redis command names" },
};

void kvs_register_command(void)
{
	if (kvs_cmd_register(command_cmds, sizeof command_cmds / sizeof command_cmds[0]) != 0)
		abort();
}
