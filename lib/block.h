/*
 * block.h - clients blocked on keys (BLPOP, BLMOVE, BZPOPMIN, ...).
 *
 * A blocking command that finds nothing calls kvs_block_on_keys(): the
 * client becomes a waiter registered, in FIFO order, on each key in the
 * shard that owns it (guarded by that shard's lock). Any write that leaves
 * a list or sorted set under a watched key marks the key ready (from the
 * keyspace's write path). When the writing command finishes, the engine
 * serves ready keys on the writer's thread: for each waiter, oldest first,
 * it takes the locks of the waiter's keys, re-runs the waiter's command in
 * the waiter's context and, if that command found data, sends the reply to
 * the waiter's outbox and unregisters it. Waiter state only changes under
 * the locks of all its keys' shards, so serving, timeout and disconnect
 * never race.
 *
 * One difference from single-threaded Redis: between the write that makes
 * a key ready and the serving of its waiters, a client on another thread
 * may pop the element first; the waiter then simply stays blocked.
 */
#ifndef KVS_BLOCK_H
#define KVS_BLOCK_H

#include <stdint.h>

struct kvs_client;
struct kvs_keyspace;
struct kvs_shard;

/* Called by a blocking command's handler when there is nothing to pop.
 * keyidx are the argv indexes of the keys to wait on. Inside EXEC it
 * replies the timeout reply at once; when re-run to serve a waiter it only
 * notes that it would block; otherwise the client is registered and
 * flagged KVS_CL_BLOCKED (the daemon arms the timeout and stops reading
 * its input). deadline_ms 0 = wait forever. null_bulk selects the reply
 * inside MULTI/EXEC: nil bulk (BLMOVE, BRPOPLPUSH) instead of nil array;
 * a timeout is always answered with a nil array, as Redis 7.0 does. */
void kvs_block_on_keys(struct kvs_client *c, const int *keyidx, int nkeys, uint64_t deadline_ms,
		       int null_bulk);

/* Parse argv[i] as a blocking command's timeout in seconds (a float) with
 * Redis 7.0's rules and errors: "ERR timeout is not a float or out of
 * range", "ERR timeout is negative" (also for values too large to count in
 * ms). *deadline_ms is c->now + the timeout rounded up to a millisecond,
 * or 0 for 0 (wait forever). Replies and returns -1 on error. */
int kvs_block_timeout_arg(struct kvs_client *c, int i, uint64_t *deadline_ms);

/* Blocked client's owner thread: */
/* Returns 1 if a writer served the client: the reply is in its outbox
 * (or already taken); the client is unblocked. */
int kvs_block_served(struct kvs_client *c);
/* Stop waiting (timeout, disconnect, CLIENT UNBLOCK). Returns 1 if the
 * client was still waiting: with reply != 0 the timeout reply is appended
 * to c->out. Returns 0 if a writer served it first (reply in the outbox). */
int kvs_block_cancel(struct kvs_client *c, int reply);
/* The deadline of a blocked client (0 = none). */
uint64_t kvs_block_deadline(const struct kvs_client *c);

/* Keyspace write path hook: key changed in shard s (lock held). Cheap when
 * nobody waits in that shard. */
void kvs_block_key_changed(struct kvs_shard *s, int db, const char *key, size_t klen);
/* Serve the waiters of keys made ready by c's last command (no locks
 * held). Called by kvs_exec. */
void kvs_block_serve_ready(struct kvs_client *c, uint32_t shards);
/* Cheap check: do any of these shards have ready keys? */
int kvs_block_has_ready(struct kvs_keyspace *ks, uint32_t shards);
/* Number of blocked clients (INFO). */
long long kvs_block_count(void);
/* Free the per-shard registries (keyspace destroy). */
void kvs_block_shard_free(struct kvs_shard *s);

#endif
