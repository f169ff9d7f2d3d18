/*
 * hlc.h - hybrid logical clock stamps packed in one uint64_t.
 *
 *   63            22 21        10 9        0
 *   [ ms since epoch ][ logical  ][ node id ]
 *        42 bits        12 bits     10 bits
 *
 * 42 bits of milliseconds from KVS_HLC_EPOCH (2020-01-01) last 139 years;
 * the node id (0..1023) is the final tie-breaker, so comparing two stamps
 * as integers is the total order LWW merge needs, and two nodes never mint
 * the same stamp. When the 12-bit logical counter would overflow within one
 * millisecond the physical part is advanced instead, as HLC allows.
 *
 * One clock per shard (not per node): every stamp a key ever gets is minted
 * under its shard's lock, so per-key monotonicity needs no atomics and the
 * clocks of different shards never contend. Remote stamps are folded into
 * the shard clock with kvs_hlc_recv.
 */
#ifndef KVS_HLC_H
#define KVS_HLC_H

#include <stdint.h>

#define KVS_HLC_EPOCH 1577836800000ull /* 2020-01-01T00:00:00Z in ms */
#define KVS_HLC_NODE_BITS 10
#define KVS_HLC_LOGICAL_BITS 12
#define KVS_HLC_MAX_NODE ((1u << KVS_HLC_NODE_BITS) - 1)
#define KVS_HLC_LOW_BITS (KVS_HLC_NODE_BITS + KVS_HLC_LOGICAL_BITS)

static inline uint64_t kvs_hlc_ms(uint64_t stamp) { return (stamp >> KVS_HLC_LOW_BITS) + KVS_HLC_EPOCH; }
static inline unsigned kvs_hlc_node(uint64_t stamp) { return (unsigned)(stamp & KVS_HLC_MAX_NODE); }

static inline uint64_t kvs_hlc_make(uint64_t ms, unsigned logical, unsigned node)
{
	uint64_t p = ms > KVS_HLC_EPOCH ? ms - KVS_HLC_EPOCH : 0;
	return (p << KVS_HLC_LOW_BITS) | ((uint64_t)logical << KVS_HLC_NODE_BITS) | (node & KVS_HLC_MAX_NODE);
}

/* A new local stamp: greater than *last and than the physical clock.
 * *last is the shard clock (stamp-shaped, node bits ignored). */
static inline uint64_t kvs_hlc_tick(uint64_t *last, uint64_t now_ms, unsigned node)
{
	uint64_t phys = kvs_hlc_make(now_ms, 0, 0);
	uint64_t prev = *last & ~(uint64_t)KVS_HLC_MAX_NODE;
	uint64_t next = phys > prev ? phys : prev + (1u << KVS_HLC_NODE_BITS);
	*last = next;
	return next | (node & KVS_HLC_MAX_NODE);
}

/* Fold a remote stamp into the clock (so later local stamps exceed it). */
static inline void kvs_hlc_recv(uint64_t *last, uint64_t remote)
{
	uint64_t r = remote & ~(uint64_t)KVS_HLC_MAX_NODE;
	if (r > *last)
		*last = r;
}

#endif
