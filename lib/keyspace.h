/*
 * keyspace.h - 16 shards x N databases of entries.
 *
 * A key's shard is kvs_key_shard(key) (its CRC16 slot / 1024), the same for
 * every database, so MOVE and SWAPDB stay within a shard. Each shard has a
 * mutex; a command holds the locks of the shards its keys live in, taken in
 * ascending shard order (cmd.c does this), for its whole duration.
 *
 * All functions below that take a shard expect the caller to hold that
 * shard's lock, unless they say otherwise.
 *
 * THE WRITE PATH. Every change to the keyspace goes through
 * ks_put/ks_delete/ks_written: they stamp the entry with the shard's HLC,
 * count the change (dirty, for `save` rules), and call the change hook
 * (replication, WATCH, keyspace notifications). Nothing else may modify a
 * table. Lazy expiry (a read of a key past its deadline) deletes through
 * the same path with reason KVS_CHG_EXPIRED.
 *
 * SNAPSHOTS. While a save is in progress (snap.h) the write path copies on
 * write: ks_find hands out an entry only after copying its state into the
 * snapshot if it was not written there yet, so a handler may change what
 * ks_find returned in place and then call ks_written. Reaching an entry
 * any other way (walking a table) is for reading only.
 *
 * SLOT INDEXES. ks_find hands out a slot index; it stays valid until the
 * next insert into the same table (ks_put of an absent key may grow it).
 * Deletes never move entries; tables only shrink in ks_expire_step.
 */
#ifndef KVS_KEYSPACE_H
#define KVS_KEYSPACE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "env.h"
#include "hash.h"
#include "table.h"

#define KVS_MAX_DBS 1024

enum kvs_change { KVS_CHG_WRITE, KVS_CHG_DELETE, KVS_CHG_EXPIRED, KVS_CHG_FLUSH };

/* Called with the shard lock held after every change. e is the entry as
 * now stored (NULL after a delete or flush; key is NULL for a flush). */
typedef void kvs_change_fn(void *arg, unsigned shard, int db, enum kvs_change what,
			   const char *key, size_t klen, const struct kvs_entry *e);

#define KVS_GONE_SLOTS 256

struct kvs_shard {
	pthread_mutex_t lock;
	struct kvs_table *db;        /* ndb tables; owned */
	size_t *nexpires;            /* per db: keys with a TTL */
	uint64_t *expire_cursor;     /* per db: active-expiry sweep position */
	uint64_t hlc;                /* shard clock (hlc.h) */
	uint64_t dirty;              /* changes since start */
	/* For WATCH on a key that is missing (t_multi.c): the value of dirty
	 * at the last removal of a key whose hash falls in each slot, and at
	 * the last FLUSH or SWAPDB of any of the shard's databases. */
	uint64_t gone[KVS_GONE_SLOTS];
	uint64_t gone_all;
	uint64_t expired;            /* keys reclaimed by expiry (lazy + active) */
	uint64_t evicted;            /* keys evicted for maxmemory */
	uint64_t expire_stale_pct;   /* last sweep: expired % of visited keys */
	unsigned index;
	struct kvs_blockreg *blocked;  /* clients blocked on keys (block.c) */
	/* Snapshot in progress (snap.h), under the lock. */
	int saving;                    /* copy unsaved entries before changes */
	struct kvs_buf save_pending;   /* pre-images waiting for the saver */
	_Atomic size_t save_pending_len; /* its length, for lock-free polling */
	struct kvs_snap_orphan *orphans; /* tables flushed during the save */
} __attribute__((aligned(64)));

struct kvs_keyspace {
	struct kvs_shard shard[KVS_SHARDS];
	int ndb;
	unsigned node_id;                  /* 0..1023, the HLC tie-breaker */
	uint64_t seed;                     /* table hash seed */
	const struct kvs_env *env;         /* borrowed; outlives the keyspace */
	kvs_change_fn *on_change;          /* may be NULL */
	void *on_change_arg;
	/* Snapshots (snap.h): changed only while every shard lock is held. */
	unsigned save_parity;              /* KVS_EF_SAVED value of saved entries */
	struct kvs_snap_save *save;        /* the save in progress, or NULL */
};

/* A key looked up once per command: its bytes (borrowed), hash and shard.
 * notouch: ks_find leaves the entry's access clock alone (OBJECT, MEMORY,
 * clients in CLIENT NO-TOUCH mode); kvs_key_init clears it. */
struct kvs_key {
	const char *p;
	size_t len;
	uint64_t hash;
	unsigned shard;
	unsigned notouch;
};

/* Set up ndb (1..KVS_MAX_DBS) empty databases. The seed comes from
 * env->random. Returns 0, or -1 if ndb is out of range. */
int kvs_keyspace_init(struct kvs_keyspace *ks, const struct kvs_env *env, int ndb, unsigned node_id);
void kvs_keyspace_destroy(struct kvs_keyspace *ks);

static inline void kvs_key_init(const struct kvs_keyspace *ks, struct kvs_key *k, const char *p, size_t len)
{
	k->p = p;
	k->len = len;
	k->hash = kvs_hash64(p, len, ks->seed);
	k->shard = kvs_key_shard(p, len);
	k->notouch = 0;
}

static inline struct kvs_shard *ks_shard(struct kvs_keyspace *ks, const struct kvs_key *k)
{
	return &ks->shard[k->shard];
}
static inline void ks_lock(struct kvs_keyspace *ks, unsigned i) { pthread_mutex_lock(&ks->shard[i].lock); }
static inline uint64_t ks_change_count(const struct kvs_keyspace *ks, unsigned shard) { return ks->shard[shard].dirty; }
static inline void ks_unlock(struct kvs_keyspace *ks, unsigned i) { pthread_mutex_unlock(&ks->shard[i].lock); }

/* Look key up in db. A key whose deadline is <= now is deleted (lazy
 * expiry) and reported missing. On a hit, *slot (if not NULL) is its slot
 * index for ks_put/ks_delete_at, and the entry's access clock is set to
 * now unless k->notouch (entry.h, kvs_lru_clock). */
struct kvs_entry *ks_find(struct kvs_keyspace *ks, int db, const struct kvs_key *k,
			  uint64_t now, size_t *slot);

/* Store e (owned by the keyspace from now on) as key's value. slot is the
 * key's slot from ks_find, or KVS_TABLE_NONE if it is absent. A replaced
 * entry is freed. Returns the stored entry. */
struct kvs_entry *ks_put(struct kvs_keyspace *ks, int db, const struct kvs_key *k,
			 size_t slot, struct kvs_entry *e, uint64_t now);
/* The entry at slot was modified in place, or reallocated into e (pass the
 * new pointer; the old one must already be dead). Stamps and notifies. */
void ks_written(struct kvs_keyspace *ks, int db, const struct kvs_key *k, size_t slot,
		struct kvs_entry *e, uint64_t now);
/* Delete the entry at slot and free it. */
void ks_delete_at(struct kvs_keyspace *ks, int db, const struct kvs_key *k, size_t slot,
		  enum kvs_change why, uint64_t now);
/* WATCH of a missing key. ks_change_count() is a shard's change counter
 * (monotonic); ks_maybe_removed_since() tells whether key k may have been
 * removed from any database of its shard (deleted, expired, moved, renamed
 * away, flushed, swapped away) after the counter read `since`: always 1 if
 * it was, sometimes 1 if only another key sharing its slot (1/256 of the
 * shard's keys) was, or a database was flushed or swapped. Shard lock
 * held. */
int ks_maybe_removed_since(const struct kvs_keyspace *ks, const struct kvs_key *k, uint64_t since);

/* Detach the entry at slot without freeing it (RENAME, MOVE); the caller
 * owns the result. Counts as a delete of the key. */
struct kvs_entry *ks_take_at(struct kvs_keyspace *ks, int db, const struct kvs_key *k,
			     size_t slot, uint64_t now);
/* Set/remove the TTL of the entry at slot (0 removes). Returns the entry. */
struct kvs_entry *ks_set_expire(struct kvs_keyspace *ks, int db, const struct kvs_key *k,
				size_t slot, uint64_t when, uint64_t now);

/* Keys in db of one shard (live + not yet reclaimed expired ones). */
static inline size_t ks_shard_size(const struct kvs_shard *s, int db) { return s->db[db].used; }
/* Empty db in one shard (caller holds the lock). */
void ks_flush_shard(struct kvs_keyspace *ks, unsigned shard, int db, uint64_t now);
/* Swap databases a and b in every shard; takes all shard locks itself. */
void ks_swapdb(struct kvs_keyspace *ks, int a, int b);
/* The same for a caller that already holds every shard lock (SWAPDB run
 * by EXEC, which holds them for the whole transaction). */
void ks_swapdb_locked(struct kvs_keyspace *ks, int a, int b);

/* Loading a snapshot (snap.c). Size db's table of one shard for n more
 * keys (takes the lock). */
void ks_reserve(struct kvs_keyspace *ks, unsigned shard, int db, size_t n);
/* Insert a loaded entry (owned by the keyspace on success) without
 * counting a change; takes the lock. The shard clock is moved past its
 * stamp. Returns 0, or -1 if the key is already there (e not taken). */
int ks_load_entry(struct kvs_keyspace *ks, int db, struct kvs_entry *e);

/* Active expiry: one bounded step over one shard (takes its lock itself).
 * Visits at most `budget` slots per db with TTL keys, repeating while more
 * than a quarter of what it saw was expired. Returns keys reclaimed. */
size_t ks_expire_step(struct kvs_keyspace *ks, unsigned shard, size_t budget);

#endif
