/*
 * env.h - everything libkvs needs from the outside world.
 *
 * lib/ never reads a clock, draws randomness or logs by itself: the daemon
 * (src/) fills this struct with the real thing, the unit tests and the
 * simulator with fakes. That is what makes the engine deterministic under a
 * seed. The struct is owned by the caller and must outlive every engine
 * object that points to it; the callbacks must be thread-safe when the
 * engine is used from several threads (the daemon's are).
 */
#ifndef KVS_ENV_H
#define KVS_ENV_H

#include <stdint.h>

enum kvs_loglevel { KVS_LOG_DEBUG, KVS_LOG_VERBOSE, KVS_LOG_NOTICE, KVS_LOG_WARNING };

struct kvs_env {
	void *ctx;                          /* passed back to every callback */
	uint64_t (*now_ms)(void *ctx);      /* wall clock, ms since the epoch */
	uint64_t (*now_us)(void *ctx);      /* monotonic clock, microseconds */
	uint64_t (*random)(void *ctx);      /* 64 uniformly random bits */
	void (*log)(void *ctx, enum kvs_loglevel lvl, const char *msg); /* may be NULL */
};

static inline uint64_t kvs_env_now_ms(const struct kvs_env *e) { return e->now_ms(e->ctx); }
static inline uint64_t kvs_env_now_us(const struct kvs_env *e) { return e->now_us(e->ctx); }
static inline uint64_t kvs_env_random(const struct kvs_env *e) { return e->random(e->ctx); }

#endif
