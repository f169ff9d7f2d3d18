/*
 * t_multi.c - MULTI EXEC DISCARD WATCH UNWATCH.
 *
 * EXEC takes the locks of every shard any queued command touches (all 16
 * if one of them is keyless, like FLUSHALL or KEYS), in ascending order,
 * and holds them for the whole queue, so no other client observes a
 * partial transaction and no deadlock is possible.
 *
 * WATCH records the HLC stamp of each key's entry (0 for a missing key).
 * Every mutation restamps an entry, and delete, expiry, FLUSH, SWAPDB and
 * MOVE make ks_find return another entry or none, so EXEC - holding the
 * locks - compares stamps and aborts if any differs. No registry of
 * watchers, no cross-thread notification. A key missing at WATCH and
 * missing again at EXEC may have been created and removed in between
 * (Redis aborts then): for those, WATCH also notes the shard's change
 * counter and EXEC asks ks_maybe_removed_since(), which may say yes for a
 * removal of another key of the shard (1 in 256 of them) or a flush: such
 * a transaction aborts without need, as Redis's do after FLUSHALL, and
 * the client retries; none that should abort runs.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "block.h"
#include "cmd.h"
#include "util.h"

struct queued {
	const struct kvs_cmd *cmd;
	int argc;
	struct resp_arg *argv;      /* points into the same allocation */
};

struct watched {
	int db;
	struct kvs_key k;           /* k.p points to owned bytes */
	uint64_t stamp;
	uint64_t since;             /* shard change count at WATCH (stamp 0) */
};

struct kvs_multi {
	struct queued *q;
	int nq, capq;
	int aborted;
	struct watched *w;
	int nw, capw;
};

static struct kvs_multi *multi_of(struct kvs_client *c)
{
	if (!c->multi)
		c->multi = kvs_calloc(1, sizeof *c->multi);
	return c->multi;
}

static void free_queue(struct kvs_multi *m)
{
	for (int i = 0; i < m->nq; i++)
		free(m->q[i].argv);
	m->nq = 0;
	m->aborted = 0;
}

static void unwatch_all(struct kvs_multi *m)
{
	for (int i = 0; i < m->nw; i++)
		free((char *)m->w[i].k.p);
	m->nw = 0;
}

void kvs_client_free(struct kvs_client *c)
{
	if (c->waiter)
		kvs_block_cancel(c, 0);
	kvs_monitor_remove(c);
	kvs_pubsub_client_free(c);
	if (!c->multi)
		return;
	free_queue(c->multi);
	unwatch_all(c->multi);
	free(c->multi->q);
	free(c->multi->w);
	free(c->multi);
	c->multi = NULL;
}

static void end_multi(struct kvs_client *c)
{
	if (c->multi) {
		free_queue(c->multi);
		unwatch_all(c->multi);
	}
	c->flags &= ~(KVS_CL_MULTI | KVS_CL_DIRTY_CAS);
}

void kvs_multi_queue(struct kvs_client *c, const struct kvs_cmd *cmd)
{
	struct kvs_multi *m = multi_of(c);
	size_t bytes = (size_t)c->argc * sizeof(struct resp_arg);
	for (int i = 0; i < c->argc; i++)
		bytes += c->argv[i].len;
	/* One allocation: the argv array, then the argument bytes. */
	struct resp_arg *argv = kvs_malloc(bytes ? bytes : 1);
	char *p = (char *)(argv + c->argc);
	for (int i = 0; i < c->argc; i++) {
		memcpy(p, c->argv[i].p, c->argv[i].len);
		argv[i].p = p;
		argv[i].len = c->argv[i].len;
		p += c->argv[i].len;
	}
	if (m->nq == m->capq) {
		m->capq = m->capq ? m->capq * 2 : 8;
		m->q = kvs_realloc(m->q, (size_t)m->capq * sizeof *m->q);
	}
	m->q[m->nq].cmd = cmd;
	m->q[m->nq].argc = c->argc;
	m->q[m->nq].argv = argv;
	m->nq++;
	reply_status(c, "QUEUED");
}

void kvs_multi_flag_error(struct kvs_client *c)
{
	multi_of(c)->aborted = 1;
}

static void multi_cmd(struct kvs_client *c)
{
	if (c->flags & KVS_CL_MULTI) {
		reply_error(c, "ERR MULTI calls can not be nested");
		return;
	}
	multi_of(c);
	c->flags |= KVS_CL_MULTI;
	reply_ok(c);
}

static void discard_cmd(struct kvs_client *c)
{
	if (!(c->flags & KVS_CL_MULTI)) {
		reply_error(c, "ERR DISCARD without MULTI");
		return;
	}
	end_multi(c);
	reply_ok(c);
}

static uint64_t current_stamp(struct kvs_client *c, int db, const struct kvs_key *k)
{
	struct kvs_entry *e = ks_find(&c->eng->ks, db, k, c->now, NULL);
	return e ? e->stamp : 0;
}

static void watch_cmd(struct kvs_client *c)
{
	if (c->flags & KVS_CL_MULTI) {
		reply_error(c, "ERR WATCH inside MULTI is not allowed");
		return;
	}
	struct kvs_multi *m = multi_of(c);
	for (int i = 1; i < c->argc; i++) {
		struct kvs_key k;
		int dup = 0;
		arg_key(c, i, &k);
		for (int j = 0; j < m->nw && !dup; j++)
			dup = m->w[j].db == c->db && m->w[j].k.len == k.len && !memcmp(m->w[j].k.p, k.p, k.len);
		if (dup)
			continue;
		if (m->nw == m->capw) {
			m->capw = m->capw ? m->capw * 2 : 8;
			m->w = kvs_realloc(m->w, (size_t)m->capw * sizeof *m->w);
		}
		struct watched *w = &m->w[m->nw++];
		w->db = c->db;
		w->k = k;
		w->k.p = kvs_strndup(k.p, k.len);
		w->stamp = current_stamp(c, c->db, &k);
		w->since = ks_change_count(&c->eng->ks, k.shard);
	}
	reply_ok(c);
}

static void unwatch_cmd(struct kvs_client *c)
{
	if (c->multi)
		unwatch_all(c->multi);
	reply_ok(c);
}

static void exec_cmd(struct kvs_client *c)
{
	struct kvs_multi *m = c->multi;
	uint32_t mask = 0;
	int argc = c->argc, dirty = 0;
	struct resp_arg *argv = c->argv;

	if (!(c->flags & KVS_CL_MULTI)) {
		reply_error(c, "ERR EXEC without MULTI");
		return;
	}
	if (m->aborted) {
		reply_error(c, "EXECABORT Transaction discarded because of previous errors.");
		end_multi(c);
		return;
	}
	for (int i = 0; i < m->nq && mask != 0xffffu; i++) {
		const struct kvs_cmd *cmd = m->q[i].cmd;
		if (cmd->flags & KVS_CMD_NOLOCK)
			mask = 0xffffu;
		else
			mask |= kvs_cmd_shard_mask(cmd, m->q[i].argc, m->q[i].argv);
	}
	for (int i = 0; i < m->nw; i++)
		mask |= 1u << m->w[i].k.shard;
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		if (mask & (1u << i))
			ks_lock(&c->eng->ks, i);
	c->held = c->locked = mask;

	for (int i = 0; i < m->nw && !dirty; i++) {
		const struct watched *w = &m->w[i];
		uint64_t now = current_stamp(c, w->db, &w->k);
		dirty = now != w->stamp ||
			(w->stamp == 0 && ks_maybe_removed_since(&c->eng->ks, &w->k, w->since));
	}
	if (dirty) {
		reply_null_array(c);
	} else {
		c->flags |= KVS_CL_IN_EXEC;
		c->flags &= ~KVS_CL_MULTI;
		reply_array(c, m->nq);
		for (int i = 0; i < m->nq; i++) {
			c->argc = m->q[i].argc;
			c->argv = m->q[i].argv;
			kvs_call(c, m->q[i].cmd);
			atomic_fetch_add_explicit(&((struct kvs_cmd *)m->q[i].cmd)->calls, 1, memory_order_relaxed);
		}
		c->flags &= ~KVS_CL_IN_EXEC;
	}
	c->held = c->locked = 0;
	for (unsigned i = KVS_SHARDS; i-- > 0;)
		if (mask & (1u << i))
			ks_unlock(&c->eng->ks, i);
	c->argc = argc;
	c->argv = argv;
	end_multi(c);
}

static struct kvs_cmd multi_cmds[] = {
	{ .name = "multi", .arity = 1, .flags = KVS_CMD_FAST | KVS_CMD_NOQUEUE | KVS_CMD_NOLOCK | KVS_CMD_LOADING | KVS_CMD_STALE, .fn = multi_cmd, .group = "transactions", .since = "1.2.0", .summary = "Starts a transaction." },
	{ .name = "exec", .arity = 1, .flags = KVS_CMD_NOQUEUE | KVS_CMD_NOLOCK | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_SKIP_SLOWLOG, .fn = exec_cmd, .group = "transactions", .since = "1.2.0", .summary = "Executes all commands in a transaction." },
	{ .name = "discard", .arity = 1, .flags = KVS_CMD_FAST | KVS_CMD_NOQUEUE | KVS_CMD_NOLOCK | KVS_CMD_LOADING | KVS_CMD_STALE, .fn = discard_cmd, .group = "transactions", .since = "2.0.0", .summary = "Discards a transaction." },
	{ .name = "watch", .arity = -2, .flags = KVS_CMD_FAST | KVS_CMD_NOQUEUE | KVS_CMD_LOADING | KVS_CMD_STALE, .first_key = 1, .last_key = -1, .key_step = 1, .fn = watch_cmd, .group = "transactions", .since = "2.2.0", .summary = "Monitors changes to keys to determine the execution of a transaction." },
	{ .name = "unwatch", .arity = 1, .flags = KVS_CMD_FAST | KVS_CMD_NOLOCK | KVS_CMD_LOADING | KVS_CMD_STALE, .fn = unwatch_cmd, .group = "transactions", .since = "2.2.0", .summary = "Forgets about watched keys of a transaction." },
};

void kvs_register_multi(void);
void kvs_register_multi(void)
{
	kvs_cmd_register(multi_cmds, sizeof multi_cmds / sizeof *multi_cmds);
}
