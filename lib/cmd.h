/*
 * cmd.h - the command table, the per-client state the engine needs, and
 * the reply helpers command handlers use.
 *
 * A command is a struct kvs_cmd in a static array of its group's file
 * (t_string.c, t_keys.c, ..., and src/cmd_server.c for what needs the
 * daemon). kvs_cmd_register() adds an array to the registry at start-up,
 * before any thread runs; lookups afterwards are read-only and lock-free.
 *
 * kvs_exec() runs one request: lookup (case-insensitive, no allocation),
 * arity check, auth check, then it takes the locks of the shards the
 * command's keys live in (ascending order), calls the handler and releases
 * them. A command flagged KVS_CMD_NOLOCK (KEYS, SCAN, DBSIZE, FLUSHALL...)
 * takes the locks it needs itself, one shard at a time.
 */
#ifndef KVS_CMD_H
#define KVS_CMD_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "keyspace.h"
#include "resp.h"

/* Command flags (COMMAND INFO names them). */
#define KVS_CMD_WRITE      0x0001u
#define KVS_CMD_READONLY   0x0002u
#define KVS_CMD_DENYOOM    0x0004u
#define KVS_CMD_ADMIN      0x0008u
#define KVS_CMD_PUBSUB     0x0010u
#define KVS_CMD_NOSCRIPT   0x0020u
#define KVS_CMD_RANDOM     0x0040u
#define KVS_CMD_LOADING    0x0080u  /* allowed while loading a snapshot */
#define KVS_CMD_STALE      0x0100u
#define KVS_CMD_FAST       0x0200u
#define KVS_CMD_NOAUTH     0x0400u  /* allowed before AUTH */
#define KVS_CMD_NOLOCK     0x0800u  /* handler does its own shard locking */
#define KVS_CMD_NOMULTI    0x1000u  /* not allowed inside MULTI */
#define KVS_CMD_SKIP_SLOWLOG 0x2000u
#define KVS_CMD_BLOCKING   0x4000u
#define KVS_CMD_NOQUEUE    0x8000u  /* runs at once even inside MULTI */
#define KVS_CMD_SUBCTX     0x10000u /* allowed in RESP2 subscribed context */

struct kvs_client;
typedef void kvs_cmd_fn(struct kvs_client *c);
/* For commands whose keys are not at (first,last,step) positions: store the
 * argv indexes of the keys in keys[0..max) and return how many (may be
 * more than max: the caller then calls again with a bigger array). */
typedef int kvs_getkeys_fn(int argc, const struct resp_arg *argv, int *keys, int max);

struct kvs_cmd {
	const char *name;        /* lower case */
	int arity;               /* N: exactly N args incl. name; -N: at least N */
	uint32_t flags;
	int first_key, last_key, key_step; /* Redis's convention; last -1 = end */
	kvs_cmd_fn *fn;
	const char *group;       /* "string", "generic", "connection", ... */
	const char *since;       /* Redis version that introduced it */
	const char *summary;     /* one line, for COMMAND DOCS */
	kvs_getkeys_fn *getkeys; /* NULL: use first/last/step */
	const char *const *subcommands; /* NULL-terminated "container|sub" names */
	/* Statistics (INFO commandstats), relaxed atomics. Tables use
	 * designated initializers, so these start at zero. */
	_Atomic uint64_t calls, usec, failed, rejected;
};

/* Client flags */
#define KVS_CL_AUTHED        0x0001u
#define KVS_CL_CLOSE_AFTER   0x0002u  /* QUIT: close once the reply is out */
#define KVS_CL_CLOSE_ASAP    0x0004u  /* protocol error / killed */
#define KVS_CL_NO_EVICT      0x0008u
#define KVS_CL_NO_TOUCH      0x0010u
#define KVS_CL_UNIX          0x0020u
#define KVS_CL_MULTI         0x0040u
#define KVS_CL_DIRTY_CAS     0x0080u
#define KVS_CL_PUBSUB        0x0100u
#define KVS_CL_READONLY_ERR  0x0200u
#define KVS_CL_IN_EXEC       0x0400u  /* running EXEC's queue: never block */
#define KVS_CL_BLOCKED       0x0800u  /* waiting in a blocking command */
#define KVS_CL_SERVING       0x1000u  /* re-run for a blocked client (block.c) */
#define KVS_CL_WOULD_BLOCK   0x2000u  /* ...and it found nothing to take */
#define KVS_CL_MONITOR       0x4000u  /* in MONITOR mode */

struct kvs_engine;

/* Per-thread statistics (INFO stats sums them over threads). */
struct kvs_stats {
	uint64_t commands;
	uint64_t keyspace_hits, keyspace_misses;
	uint64_t rejected_calls, failed_calls;
	uint64_t unexpected_error_replies;
};

/* Most requests of one read whose keys kvs_prefetch_batch looks ahead at. */
#define KVS_PF_MAX 32

struct kvs_client {
	struct kvs_engine *eng;      /* borrowed */
	struct kvs_buf *out;         /* where replies go; borrowed */
	struct kvs_stats *stats;     /* this thread's; borrowed */
	void *owner;                 /* the daemon's connection; opaque here */
	uint64_t id;
	int proto;                   /* 2 or 3 */
	int db;
	uint32_t flags;
	/* The request being executed (views into the read buffer). */
	int argc;
	struct resp_arg *argv;
	const struct kvs_cmd *cmd;
	uint64_t now;                /* env now_ms at the start of the command */
	uint32_t locked;             /* bit per shard whose lock is held */
	uint32_t held;               /* shards EXEC holds for the whole queue */
	struct kvs_multi *multi;     /* MULTI queue and WATCHed keys; owned */
	struct kvs_psclient *ps;     /* pub/sub subscriptions; owned */
	struct kvs_waiter *waiter;   /* set while KVS_CL_BLOCKED (block.h) */
	uint32_t touched;            /* shards the last command locked */
	const char *kcache_p;        /* argv bytes whose shard and hash kvs_call computed */
	unsigned kcache_shard;
	uint64_t kcache_hash;
	/* Keys of the pipelined requests ahead, hashed by kvs_prefetch_batch
	 * (pointers into the daemon's input buffer); kvs_call takes them in
	 * order. */
	struct kvs_pf { const char *p; uint64_t hash; unsigned shard; } pf[KVS_PF_MAX];
	unsigned npf, ipf;
	const char *addr;            /* "ip:port" for SLOWLOG/MONITOR; borrowed */
	char *const *namep;          /* CLIENT SETNAME name; borrowed */
	struct kvs_outbox *ob;       /* cross-thread replies (outbox.h); one
					reference owned, closed by the daemon */
};

/* Before executing the whole requests at the start of buf (a pipelined
 * batch just read): hash the key of each (up to KVS_PF_MAX) and prefetch
 * its table group, then its entry, so the cache misses of all of them
 * overlap instead of stalling each command in turn; the hashes are then
 * reused by kvs_call/arg_key. Only hints: buf is not changed, and a wrong
 * guess (a command whose second argument is no key, a SELECT in the
 * batch) costs a wasted prefetch. kvs_prefetch_end() before buf's bytes
 * move or are freed. */
void kvs_prefetch_batch(struct kvs_client *c, const char *buf, size_t len);
static inline void kvs_prefetch_end(struct kvs_client *c) { c->npf = c->ipf = 0; }

/* Release what a client owns in the engine (MULTI queue, watches). */
void kvs_client_free(struct kvs_client *c);

/* The engine: keyspace + the things every command may need. Owned by the
 * daemon (or the test / simulator) that created it. */
struct kvs_engine {
	struct kvs_keyspace ks;
	const struct kvs_env *env;
	long long proto_max_bulk_len;     /* largest string value (SETRANGE...) */
	_Atomic int loading;              /* snapshot load in progress */
	/* Set by the daemon while the last background save failed and
	 * stop-writes-on-bgsave-error applies: writes (and PING, as in Redis)
	 * get KVS_ERR_MISCONF. */
	_Atomic int misconf;
	/* Hook for commands the daemon implements around the engine (e.g.
	 * SHUTDOWN); NULL when absent. */
	void *daemon;
	struct kvs_pubsub *ps;            /* pub/sub registry; lazily created */
	struct kvs_slowlog *slowlog;      /* lazily created */
	struct kvs_monitors *monitors;    /* lazily created */
	_Atomic int nmonitors;
	_Atomic long long slowlog_slower_than; /* us; < 0 disables */
	_Atomic long long slowlog_max_len;
	_Atomic int oom;                  /* over maxmemory: DENYOOM commands fail */
};

/* ---- slowlog / monitor (t_slowlog.c) ------------------------------------ */
void kvs_slowlog_add(struct kvs_client *c, uint64_t usec);
void kvs_monitor_feed(struct kvs_client *c);
void kvs_monitor_remove(struct kvs_client *c);
void kvs_slowlog_destroy(struct kvs_engine *eng);

/* ---- pub/sub (t_pubsub.c) --------------------------------------------- */
/* Channels + patterns this client is subscribed to. */
int kvs_pubsub_count(const struct kvs_client *c);
/* Send msg to channel's subscribers; returns how many received it. */
long long kvs_pubsub_publish(struct kvs_client *c, const char *ch, size_t chlen, const char *msg, size_t mlen);
/* Drop every subscription of c (disconnect). */
void kvs_pubsub_client_free(struct kvs_client *c);
void kvs_pubsub_destroy(struct kvs_engine *eng);

/* ---- registry -------------------------------------------------------- */
/* Add n commands (array owned by the caller, static). Call before threads
 * start. Returns 0, or -1 if a name is already registered. */
int kvs_cmd_register(struct kvs_cmd *cmds, size_t n);
/* Case-insensitive lookup; NULL if unknown. */
struct kvs_cmd *kvs_cmd_lookup(const char *name, size_t len);
/* Iterate: *i starts at 0; returns NULL at the end. */
struct kvs_cmd *kvs_cmd_next(size_t *i);
size_t kvs_cmd_count(void);
/* Register every command libkvs implements. Idempotent. */
void kvs_cmd_register_builtin(void);

/* Key argument positions of a request for cmd; returns the count (see
 * kvs_getkeys_fn). */
int kvs_cmd_keys(const struct kvs_cmd *cmd, int argc, const struct resp_arg *argv,
		 int *keys, int max);

/* Shards (bit mask) the keys of a request live in. */
uint32_t kvs_cmd_shard_mask(const struct kvs_cmd *cmd, int argc, const struct resp_arg *argv);

/* ---- transactions (t_multi.c) ------------------------------------------ */
/* Queue c's current request (inside MULTI) and reply +QUEUED. */
void kvs_multi_queue(struct kvs_client *c, const struct kvs_cmd *cmd);
/* A queued request was rejected: EXEC will answer EXECABORT. */
void kvs_multi_flag_error(struct kvs_client *c);

/* ---- execution ------------------------------------------------------- */
/* Execute c->argv[0..argc) with all checks and locking; the reply (or an
 * error) is appended to c->out. Returns the command run, or NULL if it was
 * rejected (unknown, arity, auth). */
const struct kvs_cmd *kvs_exec(struct kvs_client *c);
/* The same with the time given by the caller (the daemon reads the clock
 * once per batch of pipelined requests instead of once per request). */
const struct kvs_cmd *kvs_exec_at(struct kvs_client *c, uint64_t now_ms);
/* Run an already-looked-up command under its shard locks (no checks). */
void kvs_call(struct kvs_client *c, const struct kvs_cmd *cmd);

/* ---- reply helpers (append to c->out in c->proto) --------------------- */
void reply_ok(struct kvs_client *c);
void reply_status(struct kvs_client *c, const char *s);
void reply_error(struct kvs_client *c, const char *msg);  /* "ERR ..." etc. */
void reply_errorf(struct kvs_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void reply_int(struct kvs_client *c, long long v);
void reply_bulk(struct kvs_client *c, const void *p, size_t len);
void reply_bulk_cstr(struct kvs_client *c, const char *s);
void reply_bulk_ll(struct kvs_client *c, long long v);
void reply_null(struct kvs_client *c);        /* nil bulk */
void reply_null_array(struct kvs_client *c);  /* nil multibulk */
void reply_array(struct kvs_client *c, long long n);
void reply_map(struct kvs_client *c, long long npairs);
void reply_set(struct kvs_client *c, long long n);
void reply_double(struct kvs_client *c, double d);
void reply_bool(struct kvs_client *c, int v);
void reply_verbatim(struct kvs_client *c, const char *p, size_t len); /* txt */

/* Redis's standard error texts. */
#define KVS_ERR_WRONGTYPE "WRONGTYPE Operation against a key holding the wrong kind of value"
#define KVS_ERR_NOTINT    "ERR value is not an integer or out of range"
#define KVS_ERR_NOTFLOAT  "ERR value is not a valid float"
#define KVS_ERR_SYNTAX    "ERR syntax error"
#define KVS_ERR_NOKEY     "ERR no such key"
#define KVS_ERR_OVERFLOW  "ERR increment or decrement would overflow"
#define KVS_ERR_DBINDEX   "ERR DB index is out of range"
#define KVS_ERR_EXPIRE    "ERR invalid expire time in '%s' command"
#define KVS_ERR_MISCONF   "MISCONF kvsd is configured to save LMDB snapshots, but it's currently " \
	"unable to persist to disk. Commands that may modify the data set are disabled, because this " \
	"instance is configured to report errors during writes if LMDB snapshotting fails " \
	"(stop-writes-on-bgsave-error option). Please check the kvsd logs for details about the LMDB error."

void reply_wrong_arity(struct kvs_client *c, const char *name);
/* A HELP reply: the n lines as an array of status strings. */
void reply_help(struct kvs_client *c, const char *const *lines, size_t n);
void reply_syntax(struct kvs_client *c);
void reply_wrongtype(struct kvs_client *c);

/* ---- argument helpers ----------------------------------------------- */
/* argv[i] equals lit ignoring ASCII case. */
int arg_is(const struct kvs_client *c, int i, const char *lit);
/* Parse argv[i] as an integer; on failure reply KVS_ERR_NOTINT (or errmsg
 * if not NULL) and return -1; else 0. */
int arg_ll(struct kvs_client *c, int i, long long *v, const char *errmsg);
int arg_double(struct kvs_client *c, int i, double *v, const char *errmsg);

/* The key at argv[i], hashed; a CLIENT NO-TOUCH client's lookups leave
 * the access clock alone. */
static inline void arg_key(struct kvs_client *c, int i, struct kvs_key *k)
{
	const struct resp_arg *a = &c->argv[i];
	k->p = a->p;
	k->len = a->len;
	if (a->p == c->kcache_p) {
		k->hash = c->kcache_hash;
		k->shard = c->kcache_shard;
	} else {
		k->hash = kvs_hash64(a->p, a->len, c->eng->ks.seed);
		k->shard = kvs_key_shard(a->p, a->len);
	}
	k->notouch = (c->flags & KVS_CL_NO_TOUCH) != 0;
}

/* Look a key up in c's db for reading: counts a keyspace hit or miss as
 * Redis's lookupKeyRead does. slot may be NULL. */
static inline struct kvs_entry *kvs_lookup_read(struct kvs_client *c, const struct kvs_key *k, size_t *slot)
{
	struct kvs_entry *e = ks_find(&c->eng->ks, c->db, k, c->now, slot);
	if (e)
		c->stats->keyspace_hits++;
	else
		c->stats->keyspace_misses++;
	return e;
}

/* Look a key up for writing (no hit/miss accounting, as lookupKeyWrite). */
static inline struct kvs_entry *kvs_lookup_write(struct kvs_client *c, const struct kvs_key *k, size_t *slot)
{
	return ks_find(&c->eng->ks, c->db, k, c->now, slot);
}

/* The optional "COUNT n" tail of LMPOP/ZMPOP and their blocking forms,
 * from argv[from]: *count = n (>= 1) or 1 when absent. Replies the error
 * and returns -1 on bad input. */
int arg_mpop_count(struct kvs_client *c, int from, long long *count);

/* Lock/unlock one shard from a NOLOCK handler (tracks c->locked). */
void kvs_lock_shard(struct kvs_client *c, unsigned shard);
void kvs_unlock_shard(struct kvs_client *c, unsigned shard);

#endif
