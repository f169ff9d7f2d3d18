/*
 * encoding.c - the compact-encoding limits in force (encoding.h).
 */
#include "config.h"
#include <stdatomic.h>
#include <stdint.h>
#include "encoding.h"

static _Atomic size_t enc_limits[KVS_LIM__COUNT] = {
	[KVS_LIM_HASH_ENTRIES] = KVS_HASH_MAX_LISTPACK_ENTRIES,
	[KVS_LIM_HASH_VALUE] = KVS_HASH_MAX_LISTPACK_VALUE,
	[KVS_LIM_SET_INTSET_ENTRIES] = KVS_SET_MAX_INTSET_ENTRIES,
	[KVS_LIM_ZSET_ENTRIES] = KVS_ZSET_MAX_LISTPACK_ENTRIES,
	[KVS_LIM_ZSET_VALUE] = KVS_ZSET_MAX_LISTPACK_VALUE,
};

void kvs_enc_limits_set(enum kvs_enc_limit which, long long v)
{
	size_t n = v < 0 ? 0 : (unsigned long long)v > SIZE_MAX ? SIZE_MAX : (size_t)v;
	atomic_store_explicit(&enc_limits[which], n, memory_order_relaxed);
}

size_t kvs_enc_limit(enum kvs_enc_limit which)
{
	return atomic_load_explicit(&enc_limits[which], memory_order_relaxed);
}
