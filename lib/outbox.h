/*
 * outbox.h - replies for a client produced on another thread.
 *
 * Pub/sub messages and the replies to blocked commands are made by the
 * thread that runs PUBLISH or LPUSH, but the receiving connection belongs
 * to another I/O thread. They are appended to the receiver's outbox (a
 * mutex-guarded buffer); on the first append after it was drained the
 * owner's wake callback runs (the daemon makes its worker move the bytes
 * to the connection and write them).
 *
 * Lifetime: reference counted. The owner holds one reference from
 * kvs_outbox_new() and drops it with kvs_outbox_close(), which also marks
 * the outbox dead so appends are dropped and wake is never called again;
 * each registry that remembers the outbox (a channel's subscribers, a
 * key's waiters) holds its own reference.
 *
 * Limits (client-output-buffer-limit for pubsub): when the bytes waiting
 * (outbox + what the owner reports still unsent) exceed `hard`, or exceed
 * `soft` for longer than `soft_secs`, the outbox is marked overflowed:
 * appends are dropped and the owner should close the connection.
 */
#ifndef KVS_OUTBOX_H
#define KVS_OUTBOX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"

typedef void kvs_outbox_wake_fn(void *arg);

struct kvs_outbox {
	pthread_mutex_t lock;
	struct kvs_buf buf;          /* guarded by lock */
	_Atomic int refs;
	int dead;                    /* guarded by lock */
	_Atomic int overflow;
	_Atomic size_t unsent;       /* owner's pending output, for the limits */
	size_t hard, soft;           /* 0 = no limit */
	uint64_t soft_ms;            /* how long over soft is tolerated */
	uint64_t soft_since;         /* 0 = under soft; guarded by lock */
	kvs_outbox_wake_fn *wake;
	void *wake_arg;
};

/* A new outbox with one reference (the owner's). wake may be NULL. */
struct kvs_outbox *kvs_outbox_new(kvs_outbox_wake_fn *wake, void *wake_arg);
void kvs_outbox_ref(struct kvs_outbox *ob);
void kvs_outbox_unref(struct kvs_outbox *ob);
/* Owner: no more appends or wakes; drops the owner's reference. */
void kvs_outbox_close(struct kvs_outbox *ob);
/* Append len bytes (any thread). now_ms is for the soft limit. Returns 0,
 * or -1 if the outbox is dead or overflowed (bytes dropped). */
int kvs_outbox_append(struct kvs_outbox *ob, const void *p, size_t len, uint64_t now_ms);
/* Owner: move everything waiting to the end of dst. Returns bytes moved. */
size_t kvs_outbox_take(struct kvs_outbox *ob, struct kvs_buf *dst);

#endif
