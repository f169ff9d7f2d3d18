/*
 * hash.h - key hashing.
 *
 * kvs_keyslot() is Redis Cluster's slot (CRC16-CCITT/XMODEM of the key, or
 * of the first non-empty {hash tag}, mod 16384), so `{user1}:a` and
 * `{user1}:b` land in one slot and one shard, and slot digests mean the same
 * on every node. kvs_hash64() is the table hash: fast, well mixed, seeded.
 */
#ifndef KVS_HASH_H
#define KVS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define KVS_SLOTS 16384
#define KVS_SHARDS 16
#define KVS_SLOTS_PER_SHARD (KVS_SLOTS / KVS_SHARDS)

uint16_t kvs_crc16(const void *buf, size_t len);
unsigned kvs_keyslot(const char *key, size_t len);

static inline unsigned kvs_slot_shard(unsigned slot) { return slot / KVS_SLOTS_PER_SHARD; }
static inline unsigned kvs_key_shard(const char *key, size_t len)
{
	return kvs_slot_shard(kvs_keyslot(key, len));
}

/* 64-bit hash of len bytes under seed. Never returns the same value for
 * inputs that differ only in length (length is mixed in). */
uint64_t kvs_hash64(const void *p, size_t len, uint64_t seed);

#endif
