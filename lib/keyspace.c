#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "block.h"
#include "hlc.h"
#include "keyspace.h"
#include "snap.h"
#include "util.h"

void kvs_hash_init(void);

int kvs_keyspace_init(struct kvs_keyspace *ks, const struct kvs_env *env, int ndb, unsigned node_id)
{
	if (ndb < 1 || ndb > KVS_MAX_DBS || node_id > KVS_HLC_MAX_NODE)
		return -1;
	kvs_hash_init();
	memset(ks, 0, sizeof *ks);
	ks->env = env;
	ks->ndb = ndb;
	ks->node_id = node_id;
	ks->seed = kvs_env_random(env);
	for (unsigned i = 0; i < KVS_SHARDS; i++) {
		struct kvs_shard *s = &ks->shard[i];
		pthread_mutex_init(&s->lock, NULL);
		s->index = i;
		s->db = kvs_calloc((size_t)ndb, sizeof *s->db);
		s->nexpires = kvs_calloc((size_t)ndb, sizeof *s->nexpires);
		s->expire_cursor = kvs_calloc((size_t)ndb, sizeof *s->expire_cursor);
		for (int d = 0; d < ndb; d++)
			kvs_table_init(&s->db[d], ks->seed);
	}
	return 0;
}

void kvs_keyspace_destroy(struct kvs_keyspace *ks)
{
	for (unsigned i = 0; i < KVS_SHARDS; i++) {
		struct kvs_shard *s = &ks->shard[i];
		for (int d = 0; d < ks->ndb; d++)
			kvs_table_destroy(&s->db[d]);
		free(s->db);
		free(s->nexpires);
		free(s->expire_cursor);
		kvs_buf_free(&s->save_pending);
		kvs_block_shard_free(s);
		pthread_mutex_destroy(&s->lock);
	}
}

static inline unsigned gone_slot(uint64_t hash) { return (unsigned)(hash >> 56) % KVS_GONE_SLOTS; }

int ks_maybe_removed_since(const struct kvs_keyspace *ks, const struct kvs_key *k, uint64_t since)
{
	const struct kvs_shard *s = &ks->shard[k->shard];
	return s->gone_all > since || s->gone[gone_slot(k->hash)] > since;
}

/* A key with this hash left the shard (call after notify, which counts
 * the change). */
static inline void mark_gone(struct kvs_shard *s, uint64_t hash) { s->gone[gone_slot(hash)] = s->dirty; }

static void notify(struct kvs_keyspace *ks, struct kvs_shard *s, int db, enum kvs_change what,
		   const char *key, size_t klen, const struct kvs_entry *e)
{
	s->dirty++;
	if (s->blocked && key)
		kvs_block_key_changed(s, db, key, klen);
	if (ks->on_change)
		ks->on_change(ks->on_change_arg, s->index, db, what, key, klen, e);
}

static inline void stamp(struct kvs_keyspace *ks, struct kvs_shard *s, struct kvs_entry *e, uint64_t now)
{
	e->stamp = kvs_hlc_tick(&s->hlc, now, ks->node_id);
	e->lru = kvs_lru_clock(now);   /* a write is an access */
}

static void expired_delete(struct kvs_keyspace *ks, struct kvs_shard *s, int db, size_t slot, uint64_t now)
{
	struct kvs_table *t = &s->db[db];
	struct kvs_entry *e = kvs_table_at(t, slot);
	size_t klen;
	const char *k = kvs_entry_key(e, &klen);
	s->nexpires[db]--;
	s->expired++;
	/* Past its deadline now, so past it at any later load: a save in
	 * progress need not write it. */
	if (s->saving)
		kvs_snap_forget(ks, e);
	kvs_table_remove_at(t, slot);
	/* The key bytes live in e: notify before freeing it. */
	kvs_hlc_tick(&s->hlc, now, ks->node_id);
	notify(ks, s, db, KVS_CHG_EXPIRED, k, klen, NULL);
	mark_gone(s, kvs_hash64(k, klen, ks->seed));
	kvs_entry_free(e);
}

struct kvs_entry *ks_find(struct kvs_keyspace *ks, int db, const struct kvs_key *k, uint64_t now,
			  size_t *slotp)
{
	struct kvs_shard *s = &ks->shard[k->shard];
	struct kvs_table *t = &s->db[db];
	size_t slot = kvs_table_find(t, k->p, k->len, k->hash);
	if (slot == KVS_TABLE_NONE)
		return NULL;
	struct kvs_entry *e = kvs_table_at(t, slot);
	if ((e->flags & KVS_EF_EXPIRE) && kvs_entry_expire(e) <= now) {
		expired_delete(ks, s, db, slot, now);
		return NULL;
	}
	if (!k->notouch)
		e->lru = kvs_lru_clock(now);
	/* The caller may change e in place: copy it into the snapshot first. */
	if (s->saving)
		kvs_snap_cow(ks, s, db, e);
	if (slotp)
		*slotp = slot;
	return e;
}

struct kvs_entry *ks_put(struct kvs_keyspace *ks, int db, const struct kvs_key *k, size_t slot,
			 struct kvs_entry *e, uint64_t now)
{
	struct kvs_shard *s = &ks->shard[k->shard];
	struct kvs_table *t = &s->db[db];
	stamp(ks, s, e, now);
	kvs_snap_mark_new(ks, e);
	if (slot == KVS_TABLE_NONE) {
		kvs_table_insert(t, k->hash, e);
	} else {
		struct kvs_entry *old = kvs_table_at(t, slot);
		if (s->saving)
			kvs_snap_cow(ks, s, db, old);
		if (old->flags & KVS_EF_EXPIRE)
			s->nexpires[db]--;
		kvs_table_replace(t, slot, e);
		kvs_entry_free(old);
	}
	if (e->flags & KVS_EF_EXPIRE)
		s->nexpires[db]++;
	notify(ks, s, db, KVS_CHG_WRITE, k->p, k->len, e);
	return e;
}

void ks_written(struct kvs_keyspace *ks, int db, const struct kvs_key *k, size_t slot,
		struct kvs_entry *e, uint64_t now)
{
	struct kvs_shard *s = &ks->shard[k->shard];
	kvs_table_replace(&s->db[db], slot, e);
	/* Normally a no-op (ks_find copied it); it catches writers that
	 * reached the entry another way, at the cost of saving its new state. */
	if (s->saving)
		kvs_snap_cow(ks, s, db, e);
	stamp(ks, s, e, now);
	notify(ks, s, db, KVS_CHG_WRITE, k->p, k->len, e);
}

struct kvs_entry *ks_take_at(struct kvs_keyspace *ks, int db, const struct kvs_key *k, size_t slot,
			     uint64_t now)
{
	struct kvs_shard *s = &ks->shard[k->shard];
	struct kvs_table *t = &s->db[db];
	struct kvs_entry *e = kvs_table_at(t, slot);
	if (s->saving)
		kvs_snap_cow(ks, s, db, e);
	if (e->flags & KVS_EF_EXPIRE)
		s->nexpires[db]--;
	kvs_table_remove_at(t, slot);
	kvs_hlc_tick(&s->hlc, now, ks->node_id);
	notify(ks, s, db, KVS_CHG_DELETE, k->p, k->len, NULL);
	mark_gone(s, k->hash);
	return e;
}

void ks_delete_at(struct kvs_keyspace *ks, int db, const struct kvs_key *k, size_t slot,
		  enum kvs_change why, uint64_t now)
{
	struct kvs_shard *s = &ks->shard[k->shard];
	struct kvs_table *t = &s->db[db];
	struct kvs_entry *e = kvs_table_at(t, slot);
	if (s->saving) {
		if (why == KVS_CHG_EXPIRED)
			kvs_snap_forget(ks, e);
		else
			kvs_snap_cow(ks, s, db, e);
	}
	if (e->flags & KVS_EF_EXPIRE)
		s->nexpires[db]--;
	kvs_table_remove_at(t, slot);
	kvs_hlc_tick(&s->hlc, now, ks->node_id);
	notify(ks, s, db, why, k->p, k->len, NULL);
	mark_gone(s, k->hash);
	kvs_entry_free(e);
}

struct kvs_entry *ks_set_expire(struct kvs_keyspace *ks, int db, const struct kvs_key *k, size_t slot,
				uint64_t when, uint64_t now)
{
	struct kvs_shard *s = &ks->shard[k->shard];
	struct kvs_table *t = &s->db[db];
	struct kvs_entry *e = kvs_table_at(t, slot);
	int had = (e->flags & KVS_EF_EXPIRE) != 0;
	if (s->saving)
		kvs_snap_cow(ks, s, db, e);
	e = kvs_entry_set_expire(e, when);
	s->nexpires[db] = s->nexpires[db] - (size_t)had + (when ? 1 : 0);
	ks_written(ks, db, k, slot, e, now);
	return e;
}

void ks_flush_shard(struct kvs_keyspace *ks, unsigned shard, int db, uint64_t now)
{
	struct kvs_shard *s = &ks->shard[shard];
	if (s->db[db].used == 0 && s->db[db].cap == 0)
		return;
	/* A save in progress still needs the unsaved entries: it takes the
	 * whole table (O(1) here) and frees it as it goes. */
	if (s->saving)
		kvs_snap_orphan_table(ks, s, db, &s->db[db]);
	else
		kvs_table_destroy(&s->db[db]);
	kvs_table_init(&s->db[db], ks->seed);
	s->nexpires[db] = 0;
	s->expire_cursor[db] = 0;
	kvs_hlc_tick(&s->hlc, now, ks->node_id);
	notify(ks, s, db, KVS_CHG_FLUSH, NULL, 0, NULL);
	s->gone_all = s->dirty;
}

void ks_swapdb(struct kvs_keyspace *ks, int a, int b)
{
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		ks_lock(ks, i);
	ks_swapdb_locked(ks, a, b);
	for (unsigned i = KVS_SHARDS; i-- > 0;)
		ks_unlock(ks, i);
}

void ks_swapdb_locked(struct kvs_keyspace *ks, int a, int b)
{
	if (ks->save)
		kvs_snap_swapdb(ks->save, a, b);
	for (unsigned i = 0; i < KVS_SHARDS; i++) {
		struct kvs_shard *s = &ks->shard[i];
		struct kvs_table t = s->db[a];
		size_t ne = s->nexpires[a];
		s->db[a] = s->db[b];
		s->db[b] = t;
		s->nexpires[a] = s->nexpires[b];
		s->nexpires[b] = ne;
		s->expire_cursor[a] = s->expire_cursor[b] = 0;
		s->gone_all = ++s->dirty;
	}
}

void ks_reserve(struct kvs_keyspace *ks, unsigned shard, int db, size_t n)
{
	struct kvs_shard *s = &ks->shard[shard];
	ks_lock(ks, shard);
	kvs_table_reserve(&s->db[db], s->db[db].used + n);
	ks_unlock(ks, shard);
}

int ks_load_entry(struct kvs_keyspace *ks, int db, struct kvs_entry *e)
{
	size_t klen;
	const char *key = kvs_entry_key(e, &klen);
	unsigned shard = kvs_key_shard(key, klen);
	struct kvs_shard *s = &ks->shard[shard];
	struct kvs_table *t = &s->db[db];
	uint64_t h = kvs_hash64(key, klen, ks->seed);
	int rc = -1;

	ks_lock(ks, shard);
	if (kvs_table_find(t, key, klen, h) == KVS_TABLE_NONE) {
		kvs_snap_mark_new(ks, e);
		kvs_table_insert(t, h, e);
		if (e->flags & KVS_EF_EXPIRE)
			s->nexpires[db]++;
		kvs_hlc_recv(&s->hlc, e->stamp);
		rc = 0;
	}
	ks_unlock(ks, shard);
	return rc;
}

/* One pass over up to `budget` slots of one db from the sweep cursor.
 * Returns expired keys removed; *seen counts keys with a TTL visited. */
static size_t expire_pass(struct kvs_keyspace *ks, struct kvs_shard *s, int db, size_t budget,
			  uint64_t now, size_t *seen)
{
	struct kvs_table *t = &s->db[db];
	size_t i = (size_t)s->expire_cursor[db], n = 0, done = 0, slots = kvs_table_slots(t);
	if (i >= slots)
		i = 0;
	while (done < budget && i < kvs_table_slots(t)) {
		if (kvs_table_live(t, i)) {
			struct kvs_entry *e = kvs_table_at(t, i);
			if (e->flags & KVS_EF_EXPIRE) {
				(*seen)++;
				if (kvs_entry_expire(e) <= now) {
					expired_delete(ks, s, db, i, now);
					n++;
				}
			}
		}
		done++;
		if (++i >= kvs_table_slots(t))
			i = 0;
	}
	s->expire_cursor[db] = i;
	return n;
}

size_t ks_expire_step(struct kvs_keyspace *ks, unsigned shard, size_t budget)
{
	struct kvs_shard *s = &ks->shard[shard];
	size_t total = 0;
	ks_lock(ks, shard);
	uint64_t now = kvs_env_now_ms(ks->env);
	for (int db = 0; db < ks->ndb; db++) {
		/* Repeat while the sample was mostly stale (>25% expired), as
		 * Redis's activeExpireCycle does, but never past 16 passes: the
		 * lock is held, and clients of this shard wait. */
		for (int round = 0; round < 16 && s->nexpires[db] > 0; round++) {
			size_t seen = 0, n = expire_pass(ks, s, db, budget, now, &seen);
			total += n;
			if (seen)
				s->expire_stale_pct = n * 100 / seen;
			if (n * 4 <= seen || seen == 0)
				break;
		}
		/* Shrinking moves entries, so it happens here, in the
		 * background step, never under a command holding slot indexes;
		 * so does some of the moving of a resize in progress (inserts do
		 * the rest), so that an idle table finishes one too. */
		kvs_table_maybe_shrink(&s->db[db]);
		kvs_table_step(&s->db[db], 64);
	}
	ks_unlock(ks, shard);
	return total;
}
