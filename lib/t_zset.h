/*
 * t_zset.h - helpers shared by the sorted-set command files (t_zset.c:
 * single-set commands; t_zsetops.c: ZUNION/ZINTER/ZDIFF, ZRANDMEMBER,
 * ZSCAN). Private to those two files.
 */
#ifndef KVS_T_ZSET_H
#define KVS_T_ZSET_H

#include "cmd.h"
#include "entry.h"
#include "hlc.h"
#include "util.h"
#include "zset.h"

static inline struct kvs_zset *zset_of(const struct kvs_entry *e) { return kvs_entry_obj(e); }
static inline int is_zset(const struct kvs_entry *e) { return e->type == KVS_T_ZSET; }

/* A new empty sorted set; its member index uses the keyspace's seed. */
static inline struct kvs_zset *zset_create(struct kvs_client *c)
{
	return kvs_zset_new(c->eng->ks.seed);
}

/* Insert a member (absent) with a fresh HLC stamp from the shard of the
 * key k that owns the set. */
static inline struct kvs_znode *zset_add(struct kvs_client *c, const struct kvs_key *k, struct kvs_zset *z,
					 double score, const char *m, size_t len)
{
	struct kvs_znode *n = kvs_zset_insert(z, score, m, len);
	kvs_znode_entry(n)->stamp = kvs_hlc_tick(&c->eng->ks.shard[k->shard].hlc, c->now, c->eng->ks.node_id);
	return n;
}

/* Make z (owned by the caller until now) the value of key k, replacing
 * whatever is there; an empty z deletes the key instead. For the STORE
 * commands (ZUNIONSTORE, ZRANGESTORE ...): looks the key up itself. */
static inline void zset_store(struct kvs_client *c, const struct kvs_key *k, struct kvs_zset *z)
{
	size_t slot = KVS_TABLE_NONE;
	struct kvs_entry *old = kvs_lookup_write(c, k, &slot);
	if (z->len) {
		ks_put(&c->eng->ks, c->db, k, old ? slot : KVS_TABLE_NONE,
		       kvs_entry_new_obj(k->p, k->len, KVS_T_ZSET, z, 0), c->now);
		return;
	}
	kvs_zset_free(z);
	if (old)
		ks_delete_at(&c->eng->ks, c->db, k, slot, KVS_CHG_DELETE, c->now);
}

/* Array header for n members, with or without scores: RESP2 flattens the
 * pairs, RESP3 nests them (one array of two per member). */
static inline void zreply_header(struct kvs_client *c, long long n, int withscores)
{
	reply_array(c, withscores && c->proto < 3 ? 2 * n : n);
}

static inline void zreply_node(struct kvs_client *c, const struct kvs_znode *x, int withscores)
{
	size_t len;
	const char *m = kvs_znode_member(x, &len);
	if (withscores && c->proto >= 3)
		reply_array(c, 2);
	reply_bulk(c, m, len);
	if (withscores)
		reply_double(c, x->score);
}

/* The keys of a command whose argv[nk] is numkeys (ZUNION, ZMPOP ...);
 * malformed numkeys yields no keys (the handler replies the error). */
static inline int znumkeys_keys(int argc, const struct resp_arg *argv, int nk, int *keys, int max,
				int first)
{
	long long n;
	if (nk >= argc || !kvs_str2ll(argv[nk].p, argv[nk].len, &n) || n < 1 || n > argc - nk - 1)
		return 0;
	for (int i = 0; i < (int)n; i++)
		if (first + i < max)
			keys[first + i] = nk + 1 + i;
	return (int)n;
}

void kvs_register_zsetops(void);

#endif
