#include "config.h"
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "block.h"
#include "cmd.h"
#include "util.h"

/* The registry: an array of command pointers in registration order (for
 * COMMAND LIST) and an open-addressing index over lower-cased names. Built
 * before threads start, read-only afterwards. */
#define MAX_CMDS 512
#define INDEX_CAP 1024 /* power of two, > 2 * MAX_CMDS */

static struct kvs_cmd *cmds[MAX_CMDS];
static size_t ncmds;
static struct kvs_cmd *index_[INDEX_CAP];

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)tolower((unsigned char)s[i])) * 16777619u;
	return h;
}

int kvs_cmd_register(struct kvs_cmd *arr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct kvs_cmd *c = &arr[i];
		size_t len = strlen(c->name);
		if (ncmds == MAX_CMDS || kvs_cmd_lookup(c->name, len))
			return -1;
		uint32_t h = name_hash(c->name, len) & (INDEX_CAP - 1);
		while (index_[h])
			h = (h + 1) & (INDEX_CAP - 1);
		index_[h] = c;
		cmds[ncmds++] = c;
	}
	return 0;
}

struct kvs_cmd *kvs_cmd_lookup(const char *name, size_t len)
{
	uint32_t h = name_hash(name, len) & (INDEX_CAP - 1);
	for (;;) {
		struct kvs_cmd *c = index_[h];
		if (!c)
			return NULL;
		if (kvs_eqi(name, len, c->name))
			return c;
		h = (h + 1) & (INDEX_CAP - 1);
	}
}

struct kvs_cmd *kvs_cmd_next(size_t *i)
{
	return *i < ncmds ? cmds[(*i)++] : NULL;
}

size_t kvs_cmd_count(void) { return ncmds; }

int kvs_cmd_keys(const struct kvs_cmd *cmd, int argc, const struct resp_arg *argv, int *keys, int max)
{
	int n = 0, last;
	if (cmd->getkeys)
		return cmd->getkeys(argc, argv, keys, max);
	if (cmd->first_key <= 0)
		return 0;
	last = cmd->last_key < 0 ? argc + cmd->last_key : cmd->last_key;
	if (last >= argc)
		last = argc - 1;
	for (int i = cmd->first_key; i <= last; i += cmd->key_step) {
		if (n < max)
			keys[n] = i;
		n++;
	}
	return n;
}

void kvs_lock_shard(struct kvs_client *c, unsigned shard)
{
	if (c->held & (1u << shard))
		return; /* EXEC already holds it for the whole transaction */
	ks_lock(&c->eng->ks, shard);
	c->locked |= 1u << shard;
}

void kvs_unlock_shard(struct kvs_client *c, unsigned shard)
{
	if (c->held & (1u << shard))
		return;
	c->locked &= ~(1u << shard);
	ks_unlock(&c->eng->ks, shard);
}

/* Bit mask of the shards a request's keys live in. */
uint32_t kvs_cmd_shard_mask(const struct kvs_cmd *cmd, int argc, const struct resp_arg *argv)
{
	int stack[64], *keys = stack, n;
	uint32_t mask = 0;
	n = kvs_cmd_keys(cmd, argc, argv, keys, 64);
	if (n > 64) {
		keys = kvs_malloc((size_t)n * sizeof *keys);
		n = kvs_cmd_keys(cmd, argc, argv, keys, n);
	}
	for (int i = 0; i < n && mask != 0xffffu; i++)
		mask |= 1u << kvs_key_shard(argv[keys[i]].p, argv[keys[i]].len);
	if (keys != stack)
		free(keys);
	return mask;
}

void kvs_prefetch_batch(struct kvs_client *c, const char *buf, size_t len)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	unsigned n = 0;
	size_t off = 0;
	c->npf = c->ipf = 0;
	while (n < KVS_PF_MAX && off < len) {
		const char *k;
		size_t kl, used = resp_peek_key(buf + off, len - off, &k, &kl);
		if (used == 0)
			break;
		off += used;
		if (!k)
			continue;
		c->pf[n].p = k;
		c->pf[n].hash = kvs_hash64(k, kl, ks->seed);
		c->pf[n].shard = kvs_key_shard(k, kl);
		n++;
	}
	if (n < 2)      /* one request: nothing to overlap with */
		return;
	int db = c->db;
	for (unsigned i = 0; i < n; i++) {
		ks_lock(ks, c->pf[i].shard);
		kvs_table_prefetch_group(&ks->shard[c->pf[i].shard].db[db], c->pf[i].hash);
		ks_unlock(ks, c->pf[i].shard);
	}
	for (unsigned i = 0; i < n; i++) {
		ks_lock(ks, c->pf[i].shard);
		kvs_table_prefetch_entries(&ks->shard[c->pf[i].shard].db[db], c->pf[i].hash);
		ks_unlock(ks, c->pf[i].shard);
	}
	c->npf = n;
}

void kvs_call(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	uint32_t mask = 0;
	c->cmd = cmd;
	c->kcache_p = NULL;
	if (!(cmd->flags & KVS_CMD_NOLOCK) && !c->held) {
		if (!cmd->getkeys && cmd->first_key > 0 && cmd->first_key == cmd->last_key &&
		    cmd->first_key < c->argc) {
			/* One key (GET, SET, INCR...): remember its shard so the
			 * handler's arg_key() doesn't run CRC16 again. */
			const struct resp_arg *a = &c->argv[cmd->first_key];
			while (c->ipf < c->npf && c->pf[c->ipf].p < a->p)
				c->ipf++;
			if (c->ipf < c->npf && c->pf[c->ipf].p == a->p) {
				c->kcache_shard = c->pf[c->ipf].shard;
				c->kcache_hash = c->pf[c->ipf].hash;
			} else {
				c->kcache_shard = kvs_key_shard(a->p, a->len);
				c->kcache_hash = kvs_hash64(a->p, a->len, c->eng->ks.seed);
			}
			c->kcache_p = a->p;
			mask = 1u << c->kcache_shard;
		} else {
			mask = kvs_cmd_shard_mask(cmd, c->argc, c->argv);
		}
		for (unsigned i = 0; i < KVS_SHARDS; i++)
			if (mask & (1u << i))
				ks_lock(&c->eng->ks, i);
		c->locked = mask;
	}
	c->touched |= (cmd->flags & KVS_CMD_NOLOCK) ? 0xffffu : (c->held ? c->held : mask);
	cmd->fn(c);
	if (mask) {
		for (unsigned i = KVS_SHARDS; i-- > 0;)
			if (mask & (1u << i))
				ks_unlock(&c->eng->ks, i);
		c->locked = 0;
	}
}

static void reply_unknown(struct kvs_client *c)
{
	char args[512];
	size_t n = 0;
	args[0] = '\0';
	for (int i = 1; i < c->argc && n < 128; i++) {
		int room = 128 - (int)n;
		int len = (int)c->argv[i].len < room ? (int)c->argv[i].len : room;
		n += (size_t)snprintf(args + n, sizeof args - n, "'%.*s' ", len, c->argv[i].p);
	}
	int nl = c->argv[0].len > 128 ? 128 : (int)c->argv[0].len;
	reply_errorf(c, "ERR unknown command '%.*s', with args beginning with: %s", nl, c->argv[0].p, args);
}

static struct kvs_cmd *find_subcommand(const struct kvs_cmd *cmd, const struct resp_arg *w)
{
	char name[128];
	size_t pl = strlen(cmd->name);
	if (pl + 1 + w->len > sizeof name)
		return NULL;
	memcpy(name, cmd->name, pl);
	name[pl] = '|';
	memcpy(name + pl + 1, w->p, w->len);
	return kvs_cmd_lookup(name, pl + 1 + w->len);
}

/* Named in the container's list but handled by the container itself. */
static int listed_subcommand(const struct kvs_cmd *cmd, const struct resp_arg *w)
{
	size_t pl = strlen(cmd->name);
	for (const char *const *s = cmd->subcommands; *s; s++)
		if (kvs_eqi(w->p, w->len, *s + pl + 1))
			return 1;
	return 0;
}

const struct kvs_cmd *kvs_exec(struct kvs_client *c)
{
	return kvs_exec_at(c, kvs_env_now_ms(c->eng->env));
}

const struct kvs_cmd *kvs_exec_at(struct kvs_client *c, uint64_t now)
{
	struct kvs_cmd *cmd;
	c->now = now;
	cmd = kvs_cmd_lookup(c->argv[0].p, c->argv[0].len);
	/* Subcommands are registered under "container|sub" (COMMAND INFO
	 * names them so); that name is not something a client can run. */
	if (cmd && strchr(cmd->name, '|'))
		cmd = NULL;
	if (!cmd) {
		if (c->flags & KVS_CL_MULTI)
			kvs_multi_flag_error(c);
		reply_unknown(c);
		c->stats->rejected_calls++;
		return NULL;
	}
	/* A container (CLIENT, CONFIG, ...): run the registered
	 * "container|sub" entry, with its own arity and flags. */
	if (cmd->subcommands && c->argc >= 2) {
		struct kvs_cmd *sub = find_subcommand(cmd, &c->argv[1]);
		if (!sub && !listed_subcommand(cmd, &c->argv[1])) {
			char up[64];
			size_t i;
			for (i = 0; cmd->name[i] && i < sizeof up - 1; i++)
				up[i] = (char)toupper((unsigned char)cmd->name[i]);
			up[i] = '\0';
			if (c->flags & KVS_CL_MULTI)
				kvs_multi_flag_error(c);
			int len = c->argv[1].len > 128 ? 128 : (int)c->argv[1].len;
			reply_errorf(c, "ERR unknown subcommand '%.*s'. Try %s HELP.", len, c->argv[1].p, up);
			c->stats->rejected_calls++;
			return NULL;
		}
		if (sub)
			cmd = sub;
	}
	if ((cmd->arity > 0 && c->argc != cmd->arity) || (cmd->arity < 0 && c->argc < -cmd->arity)) {
		if (c->flags & KVS_CL_MULTI)
			kvs_multi_flag_error(c);
		reply_wrong_arity(c, cmd->name);
		c->stats->rejected_calls++;
		atomic_fetch_add_explicit(&cmd->rejected, 1, memory_order_relaxed);
		return NULL;
	}
	/* Like Redis: unknown command and arity errors come before NOAUTH. */
	if (!(c->flags & KVS_CL_AUTHED) && !(cmd->flags & KVS_CMD_NOAUTH)) {
		reply_error(c, "NOAUTH Authentication required.");
		c->stats->rejected_calls++;
		return NULL;
	}
	if ((cmd->flags & KVS_CMD_DENYOOM) && atomic_load_explicit(&c->eng->oom, memory_order_relaxed)) {
		if (c->flags & KVS_CL_MULTI)
			kvs_multi_flag_error(c);
		reply_error(c, "OOM command not allowed when used memory > 'maxmemory'.");
		c->stats->rejected_calls++;
		return NULL;
	}
	if (c->eng->loading && !(cmd->flags & KVS_CMD_LOADING)) {
		reply_error(c, "LOADING kvsd is loading the dataset in memory");
		c->stats->rejected_calls++;
		return NULL;
	}
	if (atomic_load_explicit(&c->eng->misconf, memory_order_relaxed) &&
	    ((cmd->flags & KVS_CMD_WRITE) || !strcmp(cmd->name, "ping"))) {
		if (c->flags & KVS_CL_MULTI)
			kvs_multi_flag_error(c);
		reply_error(c, KVS_ERR_MISCONF);
		c->stats->rejected_calls++;
		atomic_fetch_add_explicit(&cmd->rejected, 1, memory_order_relaxed);
		return NULL;
	}
	if ((c->flags & KVS_CL_PUBSUB) && c->proto == 2 && !(cmd->flags & KVS_CMD_SUBCTX)) {
		reply_errorf(c, "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / "
				"RESET are allowed in this context", cmd->name);
		c->stats->rejected_calls++;
		return NULL;
	}
	if ((c->flags & KVS_CL_MULTI) && (cmd->flags & KVS_CMD_NOMULTI) && !(cmd->flags & KVS_CMD_NOQUEUE)) {
		kvs_multi_flag_error(c);
		reply_error(c, "ERR Command not allowed inside a transaction");
		c->stats->rejected_calls++;
		return NULL;
	}
	if ((c->flags & KVS_CL_MULTI) && !(cmd->flags & KVS_CMD_NOQUEUE)) {
		kvs_multi_queue(c, cmd);
		return cmd;
	}
	c->stats->commands++;
	c->touched = 0;
	if (atomic_load_explicit(&c->eng->nmonitors, memory_order_relaxed) &&
	    !(cmd->flags & (KVS_CMD_NOAUTH | KVS_CMD_ADMIN)))
		kvs_monitor_feed(c);
	uint64_t t0 = kvs_env_now_us(c->eng->env);
	kvs_call(c, cmd);
	uint64_t dur = kvs_env_now_us(c->eng->env) - t0;
	atomic_fetch_add_explicit(&cmd->calls, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&cmd->usec, dur, memory_order_relaxed);
	long long slower = atomic_load_explicit(&c->eng->slowlog_slower_than, memory_order_relaxed);
	if (slower >= 0 && dur >= (uint64_t)slower && !(cmd->flags & KVS_CMD_SKIP_SLOWLOG))
		kvs_slowlog_add(c, dur);
	/* Writes that fed keys blocked clients wait on: serve them now, on
	 * this thread, with no locks held. */
	if (kvs_block_has_ready(&c->eng->ks, c->touched))
		kvs_block_serve_ready(c, c->touched);
	return cmd;
}

int arg_is(const struct kvs_client *c, int i, const char *lit)
{
	return kvs_eqi(c->argv[i].p, c->argv[i].len, lit);
}

int arg_ll(struct kvs_client *c, int i, long long *v, const char *errmsg)
{
	if (kvs_str2ll(c->argv[i].p, c->argv[i].len, v))
		return 0;
	reply_error(c, errmsg ? errmsg : KVS_ERR_NOTINT);
	return -1;
}

int arg_double(struct kvs_client *c, int i, double *v, const char *errmsg)
{
	if (kvs_str2d(c->argv[i].p, c->argv[i].len, v))
		return 0;
	reply_error(c, errmsg ? errmsg : KVS_ERR_NOTFLOAT);
	return -1;
}

int arg_mpop_count(struct kvs_client *c, int from, long long *count)
{
	*count = -1;
	for (int j = from; j < c->argc; j++) {
		if (*count == -1 && arg_is(c, j, "count") && j + 1 < c->argc) {
			if (!kvs_str2ll(c->argv[j + 1].p, c->argv[j + 1].len, count) || *count < 1) {
				reply_error(c, "ERR count should be greater than 0");
				return -1;
			}
			j++;
		} else {
			reply_syntax(c);
			return -1;
		}
	}
	if (*count == -1)
		*count = 1;
	return 0;
}
