/*
 * t_object.c - introspection of single keys and a few server-side odds
 * and ends: OBJECT (ENCODING FREQ IDLETIME REFCOUNT HELP), MEMORY (USAGE
 * HELP), WAIT and LOLWUT. SORT lives in t_sort.c.
 *
 * Replies and error texts follow Redis 7.0. Where kvsd's storage differs
 * from Redis's the answers are the closest honest equivalent:
 *  - OBJECT ENCODING of a string is derived from its bytes ("int" for a
 *    canonical integer, "embstr" up to 44 bytes, else "raw"); Redis also
 *    depends on how the value was written (APPEND makes "raw").
 *  - OBJECT IDLETIME comes from the one-byte access clock (entry.h): exact
 *    below 256 seconds, wrapping beyond.
 *  - OBJECT FREQ: kvsd tracks no access frequency (no LFU eviction), so it
 *    gives the error Redis gives when no LFU policy is selected.
 *  - OBJECT REFCOUNT is always 1: values are never shared.
 *  - MEMORY has USAGE and HELP only (DOCTOR, STATS, MALLOC-STATS and
 *    PURGE need the daemon's allocator); USAGE measures whole values, so
 *    SAMPLES is validated and otherwise ignored.
 *  - WAIT: kvsd replicates by asynchronous gossip between masters, there
 *    are no acknowledging replicas to wait for, so it answers 0 at once
 *    (Redis would block until the timeout when asked for replicas).
 * These lookups do not touch the key's access clock, as in Redis.
 */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "commands.h"
#include "entry.h"
#include "util.h"

/* ---- subcommands --------------------------------------------------------- */

/* OBJECT and MEMORY are containers: kvs_exec runs their registered
 * "object|encoding"... entries, which carry their own arity and key
 * position (so kvs_call locks the key's shard). */

/* "<CONTAINER> <subcommand> ..." and the lines of help, as Redis's
 * addReplyHelp. */
static void reply_container_help(struct kvs_client *c, const char *const *lines, size_t n)
{
	char first[128];
	size_t i;
	for (i = 0; c->cmd->name[i] && c->cmd->name[i] != '|' && i < 64; i++)
		first[i] = (char)toupper((unsigned char)c->cmd->name[i]);
	snprintf(first + i, sizeof first - i, " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
	reply_array(c, (long long)n + 3);
	reply_status(c, first);
	for (i = 0; i < n; i++)
		reply_status(c, lines[i]);
	reply_status(c, "HELP");
	reply_status(c, "    Prints this help.");
}

/* The container itself: kvs_exec only gets here for a subcommand that is
 * listed but not registered, which the tables below never leave. */
static void cmd_container(struct kvs_client *c)
{
	char up[32];
	size_t i;
	for (i = 0; c->cmd->name[i] && i < sizeof up - 1; i++)
		up[i] = (char)toupper((unsigned char)c->cmd->name[i]);
	up[i] = '\0';
	reply_errorf(c, "ERR unknown subcommand '%.*s'. Try %s HELP.",
		     c->argv[1].len > 128 ? 128 : (int)c->argv[1].len, c->argv[1].p, up);
}

/* The key at argv[2], looked up without touching its access clock; nil
 * replied (and NULL returned) if it does not exist. *slot may be NULL. */
static struct kvs_entry *peek_key(struct kvs_client *c, struct kvs_key *k, size_t *slot)
{
	arg_key(c, 2, k);
	k->notouch = 1;
	struct kvs_entry *e = ks_find(&c->eng->ks, c->db, k, c->now, slot);
	if (!e)
		reply_null(c);
	return e;
}

/* ---- OBJECT ------------------------------------------------------------ */

/* Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT. */
#define EMBSTR_MAX 44

static const char *encoding_of(const struct kvs_entry *e)
{
	static const char *const defaults[KVS_T__COUNT] = {
		[KVS_T_LIST] = "quicklist", [KVS_T_SET] = "hashtable",
		[KVS_T_ZSET] = "skiplist", [KVS_T_HASH] = "hashtable",
	};
	if (e->type == KVS_T_STRING) {
		size_t n;
		long long v;
		const char *p = kvs_entry_str(e, &n);
		if (n <= 20 && kvs_str2ll(p, n, &v))
			return "int";
		return n <= EMBSTR_MAX ? "embstr" : "raw";
	}
	const struct kvs_type_ops *ops = &kvs_type_ops[e->type];
	return ops->encoding ? ops->encoding(kvs_entry_obj(e)) : defaults[e->type];
}

static void object_encoding(struct kvs_client *c)
{
	struct kvs_key k;
	struct kvs_entry *e = peek_key(c, &k, NULL);
	if (e)
		reply_bulk_cstr(c, encoding_of(e));
}

static void object_freq(struct kvs_client *c)
{
	struct kvs_key k;
	if (peek_key(c, &k, NULL))
		reply_error(c, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
			       "Please note that when switching between policies at runtime LRU and LFU data "
			       "will take some time to adjust.");
}

static void object_idletime(struct kvs_client *c)
{
	struct kvs_key k;
	struct kvs_entry *e = peek_key(c, &k, NULL);
	if (e)
		reply_int(c, kvs_lru_idle_secs(e->lru, c->now));
}

static void object_refcount(struct kvs_client *c)
{
	struct kvs_key k;
	if (peek_key(c, &k, NULL))
		reply_int(c, 1);
}

static void object_help(struct kvs_client *c)
{
	static const char *const help[] = {
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
	};
	reply_container_help(c, help, sizeof help / sizeof *help);
}

/* ---- MEMORY ------------------------------------------------------------ */

/* MEMORY USAGE key [SAMPLES n]: the entry with everything it owns, plus
 * its share of the table's slot arrays. Values are not sampled: the type
 * hooks measure the whole object, so SAMPLES is checked and ignored. */
static void memory_usage(struct kvs_client *c)
{
	struct kvs_key k;
	long long samples;
	for (int j = 3; j < c->argc; j++) {
		if (!arg_is(c, j, "samples") || j + 1 >= c->argc) {
			reply_syntax(c);
			return;
		}
		if (arg_ll(c, ++j, &samples, NULL) < 0)
			return;
		if (samples < 0) {
			reply_syntax(c);
			return;
		}
	}
	struct kvs_entry *e = peek_key(c, &k, NULL);
	if (!e)
		return;
	const struct kvs_table *t = &c->eng->ks.shard[k.shard].db[c->db];
	size_t share = t->used ? (kvs_table_mem(t) + t->used - 1) / t->used : 0;
	reply_int(c, (long long)(kvs_entry_mem(e) + share));
}

static void memory_help(struct kvs_client *c)
{
	static const char *const help[] = {
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	};
	reply_container_help(c, help, sizeof help / sizeof *help);
}

/* ---- WAIT -------------------------------------------------------------- */

static void cmd_wait(struct kvs_client *c)
{
	long long n, timeout;
	if (arg_ll(c, 1, &n, NULL) < 0 ||
	    arg_ll(c, 2, &timeout, "ERR timeout is not an integer or out of range") < 0)
		return;
	if (timeout < 0) {
		reply_error(c, "ERR timeout is negative");
		return;
	}
	reply_int(c, 0);
}

/* ---- LOLWUT ------------------------------------------------------------ */

/* The art: the sixteen shards as a 4 x 4 grid of gauges, each as full as
 * its share of the current database's keys relative to the fullest shard
 * (a picture of how evenly CRC16 spreads the keys), then the version line
 * Redis prints as "Redis ver. x.y.z". */
static void cmd_lolwut(struct kvs_client *c)
{
	static const char fill[] = " .:-=+*#%@";
	size_t keys[KVS_SHARDS], max = 0, total = 0;
	char art[1024];
	int n = 0;
	long long ver;
	if (c->argc >= 3 && arg_is(c, 1, "version") && arg_ll(c, 2, &ver, NULL) < 0)
		return;
	for (unsigned i = 0; i < KVS_SHARDS; i++) {
		kvs_lock_shard(c, i);
		keys[i] = ks_shard_size(&c->eng->ks.shard[i], c->db);
		kvs_unlock_shard(c, i);
		max = keys[i] > max ? keys[i] : max;
		total += keys[i];
	}
	n += snprintf(art + n, sizeof art - (size_t)n, "+--------+--------+--------+--------+\n");
	for (unsigned row = 0; row < 4; row++) {
		for (unsigned col = 0; col < 4; col++) {
			size_t k = keys[row * 4 + col];
			size_t level = max ? (k * 9 + max - 1) / max : 0;
			char cell[9];
			memset(cell, fill[level], 8);
			cell[8] = '\0';
			n += snprintf(art + n, sizeof art - (size_t)n, "|%s", cell);
		}
		n += snprintf(art + n, sizeof art - (size_t)n, "|\n");
	}
	n += snprintf(art + n, sizeof art - (size_t)n,
		      "+--------+--------+--------+--------+\n"
		      "%zu keys in db %d over 16 shards.\nkvsd ver. %s\n", total, c->db, PACKAGE_VERSION);
	reply_verbatim(c, art, (size_t)n);
}

/* ---- the table ---------------------------------------------------------- */

static const char *const object_subnames[] = { "object|encoding", "object|freq", "object|idletime",
						"object|refcount", "object|help", NULL };
static const char *const memory_subnames[] = { "memory|usage", "memory|help", NULL };

#define R KVS_CMD_READONLY
#define KEY2 .first_key = 2, .last_key = 2, .key_step = 1
#define SUB(n, a, f, k, fn_, grp, since_, sum) \
	{ .name = n, .arity = a, .flags = f, k, .fn = fn_, .group = grp, .since = since_, .summary = sum }

static struct kvs_cmd object_cmds[] = {
	{ .name = "object", .arity = -2, .flags = 0, .fn = cmd_container, .group = "generic",
	  .since = "2.2.3", .summary = "A container for object introspection commands",
	  .subcommands = object_subnames },
	SUB("object|encoding", 3, R, KEY2, object_encoding, "generic", "2.2.3",
	    "Inspect the internal encoding of a Redis object"),
	SUB("object|freq", 3, R, KEY2, object_freq, "generic", "4.0.0",
	    "Get the logarithmic access frequency counter of a Redis object"),
	SUB("object|idletime", 3, R, KEY2, object_idletime, "generic", "2.2.3",
	    "Get the time since a Redis object was last accessed"),
	SUB("object|refcount", 3, R, KEY2, object_refcount, "generic", "2.2.3",
	    "Get the number of references to the value of the key"),
	SUB("object|help", 2, R | KVS_CMD_LOADING | KVS_CMD_STALE, .first_key = 0, object_help, "generic", "6.2.0",
	    "Show helpful text about the different subcommands"),
	{ .name = "memory", .arity = -2, .flags = 0, .fn = cmd_container, .group = "server",
	  .since = "4.0.0", .summary = "A container for memory diagnostics commands",
	  .subcommands = memory_subnames },
	SUB("memory|usage", -3, R, KEY2, memory_usage, "server", "4.0.0", "Estimate the memory usage of a key"),
	SUB("memory|help", 2, R | KVS_CMD_LOADING | KVS_CMD_STALE, .first_key = 0, memory_help, "server", "4.0.0",
	    "Show helpful text about the different subcommands"),
	{ .name = "wait", .arity = 3, .flags = KVS_CMD_NOSCRIPT, .fn = cmd_wait, .group = "generic",
	  .since = "3.0.0",
	  .summary = "Wait for the synchronous replication of all the write commands sent in the context of the current connection" },
	{ .name = "lolwut", .arity = -1, .flags = R | KVS_CMD_FAST | KVS_CMD_NOLOCK,
	  .fn = cmd_lolwut, .group = "server", .since = "5.0.0",
	  .summary = "Display some computer art and the Redis version" },
};

void kvs_register_object(void)
{
	if (kvs_cmd_register(object_cmds, sizeof object_cmds / sizeof *object_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
}
