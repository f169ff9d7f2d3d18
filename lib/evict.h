/*
 * evict.h - maxmemory policies and eviction (evict.c).
 * The numbering matches the configuration's maxmemory-policy enum.
 */
#ifndef KVS_EVICT_H
#define KVS_EVICT_H

#include <stdint.h>
#include "keyspace.h"

enum { KVS_EVICT_NOEVICTION, KVS_EVICT_ALLKEYS_LRU, KVS_EVICT_VOLATILE_LRU, KVS_EVICT_ALLKEYS_RANDOM,
       KVS_EVICT_VOLATILE_RANDOM, KVS_EVICT_VOLATILE_TTL, KVS_EVICT_ALLKEYS_LFU, KVS_EVICT_VOLATILE_LFU };

/* Evict one key chosen by policy (takes shard locks itself; the caller
 * holds none). rnd is fresh randomness. Returns 1 if a key was evicted, 0
 * if the policy found nothing to evict (noeviction, or no key with a TTL
 * for the volatile-* policies). */
int ks_evict_one(struct kvs_keyspace *ks, int policy, uint64_t rnd, uint64_t now);

#endif
