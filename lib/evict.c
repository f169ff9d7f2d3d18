/*
 * evict.c - maxmemory eviction by sampling, as Redis does it.
 *
 * One call evicts at most one key: it picks a random shard and database,
 * samples a few random live slots and deletes the best candidate for the
 * policy through the keyspace write path. The daemon calls it from its
 * background tick while used memory exceeds maxmemory.
 *
 * LRU uses the entry's one-byte access clock (seconds mod 256, entry.h), so
 * idle times beyond about four minutes all look alike; the LFU policies
 * have no frequency counter and use the same idle-time ordering. Both are
 * approximations, like Redis's own sampled LRU.
 */
#include "config.h"
#include "evict.h"
#include "table.h"

#define SAMPLES 5

static int wants_volatile(int policy)
{
	return policy == KVS_EVICT_VOLATILE_LRU || policy == KVS_EVICT_VOLATILE_RANDOM ||
	       policy == KVS_EVICT_VOLATILE_TTL || policy == KVS_EVICT_VOLATILE_LFU;
}

/* Higher is a better victim. */
static uint64_t score(int policy, const struct kvs_entry *e, uint64_t now)
{
	switch (policy) {
	case KVS_EVICT_VOLATILE_TTL:
		return UINT64_MAX - kvs_entry_expire(e);
	case KVS_EVICT_ALLKEYS_RANDOM:
	case KVS_EVICT_VOLATILE_RANDOM:
		return 1;
	default:
		return kvs_lru_idle_secs(e->lru, now);
	}
}

int ks_evict_one(struct kvs_keyspace *ks, int policy, uint64_t rnd, uint64_t now)
{
	if (policy == KVS_EVICT_NOEVICTION)
		return 0;
	int vol = wants_volatile(policy);
	/* Try every shard, starting at a random one, before giving up. */
	for (unsigned n = 0; n < KVS_SHARDS; n++) {
		unsigned si = (unsigned)((rnd + n) % KVS_SHARDS);
		struct kvs_shard *s = &ks->shard[si];
		ks_lock(ks, si);
		for (int d = 0; d < ks->ndb; d++) {
			int db = (int)((rnd / KVS_SHARDS + (uint64_t)d) % (uint64_t)ks->ndb);
			struct kvs_table *t = &s->db[db];
			if (t->used == 0 || (vol && s->nexpires[db] == 0))
				continue;
			size_t best = KVS_TABLE_NONE;
			uint64_t best_score = 0;
			uint64_t r = rnd;
			for (int i = 0; i < SAMPLES * 4 && i < (int)t->used * 4; i++) {
				r = r * 6364136223846793005ull + 1442695040888963407ull;
				size_t slot = kvs_table_random(t, r >> 11);
				struct kvs_entry *e = kvs_table_at(t, slot);
				if (vol && !kvs_entry_has_expire(e))
					continue;
				uint64_t sc = score(policy, e, now);
				if (best == KVS_TABLE_NONE || sc > best_score) {
					best = slot;
					best_score = sc;
				}
				if (i + 1 >= SAMPLES && best != KVS_TABLE_NONE)
					break;
			}
			if (best == KVS_TABLE_NONE)
				continue;
			struct kvs_entry *e = kvs_table_at(t, best);
			struct kvs_key k;
			size_t klen;
			const char *key = kvs_entry_key(e, &klen);
			k.p = key;
			k.len = klen;
			k.hash = 0;
			k.shard = si;
			k.notouch = 1;
			s->evicted++;
			ks_delete_at(ks, db, &k, best, KVS_CHG_DELETE, now);
			ks_unlock(ks, si);
			return 1;
		}
		ks_unlock(ks, si);
	}
	return 0;
}
