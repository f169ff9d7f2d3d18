/*
 * encoding.h - the size limits under which hashes, sets and sorted sets
 * are compact (Redis's listpack / intset rules), shared by object.c and
 * zset.c and set from the configuration.
 */
#ifndef KVS_ENCODING_H
#define KVS_ENCODING_H

#include <stddef.h>

/* Redis 7.0 defaults (CONFIG GET of redis-server 7.0.15): hash-max-listpack-entries
 * 512 and -value 64, set-max-intset-entries 512. */
#define KVS_HASH_MAX_LISTPACK_ENTRIES 512
#define KVS_HASH_MAX_LISTPACK_VALUE   64
#define KVS_SET_MAX_INTSET_ENTRIES    512

/* Redis 7.0's zset-max-listpack-entries / -value defaults. */
#define KVS_ZSET_MAX_LISTPACK_ENTRIES 128
#define KVS_ZSET_MAX_LISTPACK_VALUE   64

/* The limits in force (redis.conf's hash-max-listpack-entries / -value,
 * set-max-intset-entries, zset-max-listpack-entries / -value; the
 * defines above are the defaults). Process-wide: set at
 * start-up and by CONFIG SET (kvs_enc_limits_set), read on every write.
 * A write checks the object it changes against the limits of the moment;
 * objects written before a limit was lowered keep their form until their
 * next write, as in Redis. Counts and lengths of a compact hash or set are
 * capped at KVS_COMPACT_HARD_MAX whatever is configured. */
#define KVS_COMPACT_HARD_MAX 65535
enum kvs_enc_limit { KVS_LIM_HASH_ENTRIES, KVS_LIM_HASH_VALUE, KVS_LIM_SET_INTSET_ENTRIES,
		     KVS_LIM_ZSET_ENTRIES, KVS_LIM_ZSET_VALUE, KVS_LIM__COUNT };
/* Set one limit (v >= 0; larger than the type allows reads as "no limit"). */
void kvs_enc_limits_set(enum kvs_enc_limit which, long long v);
size_t kvs_enc_limit(enum kvs_enc_limit which);

#endif
