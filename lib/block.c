/*
 * block.c - clients blocked on keys; see block.h for the protocol.
 *
 * Per shard: a chained hash table (db, key) -> FIFO array of waiters, and
 * a queue of keys made ready by writes. Both are guarded by the shard's
 * lock. A waiter is reference counted: one reference for its owner client
 * and one per key registration; its state moves from WAITING to SERVED or
 * CANCELLED only while all of its shards' locks are held.
 */
#include "config.h"
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "block.h"
#include "cmd.h"
#include "outbox.h"
#include "util.h"

enum { W_WAITING, W_SERVED, W_CANCELLED };

struct kvs_waiter {
	_Atomic int refs;
	_Atomic int state;
	struct kvs_outbox *ob;        /* reference held */
	const struct kvs_cmd *cmd;
	int argc;
	struct resp_arg *argv;        /* argv array + bytes, one allocation */
	int db, proto;
	uint64_t deadline;
	int nkeys;
	struct kvs_key *keys;         /* p points into argv's bytes */
	uint32_t mask;                /* shards of the whole command */
};

struct wlist {
	int db;
	char *key;
	size_t len;
	uint64_t hash;
	struct kvs_waiter **w;
	int n, cap;
	int ready;
	struct wlist *next;
};

struct kvs_blockreg {
	struct wlist **b;
	size_t nb, nlists;
	_Atomic size_t nwaiters;
	struct wlist **ready;
	size_t nready, capready;
};

static _Atomic long long blocked_total;

long long kvs_block_count(void) { return atomic_load(&blocked_total); }

static void waiter_unref(struct kvs_waiter *w)
{
	if (atomic_fetch_sub(&w->refs, 1) != 1)
		return;
	kvs_outbox_unref(w->ob);
	free(w->argv);
	free(w->keys);
	free(w);
}

static struct kvs_blockreg *reg_of(struct kvs_shard *s)
{
	if (!s->blocked) {
		s->blocked = kvs_calloc(1, sizeof *s->blocked);
		s->blocked->nb = 16;
		s->blocked->b = kvs_calloc(16, sizeof *s->blocked->b);
	}
	return s->blocked;
}

static struct wlist *wl_find(struct kvs_blockreg *r, int db, const char *key, size_t len, uint64_t h)
{
	for (struct wlist *l = r->b[h % r->nb]; l; l = l->next)
		if (l->hash == h && l->db == db && l->len == len && !memcmp(l->key, key, len))
			return l;
	return NULL;
}

static void wl_free_if_unused(struct kvs_blockreg *r, struct wlist *l)
{
	if (l->n || l->ready)
		return;
	struct wlist **pp = &r->b[l->hash % r->nb];
	while (*pp != l)
		pp = &(*pp)->next;
	*pp = l->next;
	free(l->key);
	free(l->w);
	free(l);
	r->nlists--;
}

static void reg_add(struct kvs_shard *s, int db, const struct kvs_key *k, struct kvs_waiter *w)
{
	struct kvs_blockreg *r = reg_of(s);
	struct wlist *l = wl_find(r, db, k->p, k->len, k->hash);
	if (!l) {
		l = kvs_calloc(1, sizeof *l);
		l->db = db;
		l->key = kvs_strndup(k->p, k->len);
		l->len = k->len;
		l->hash = k->hash;
		l->next = r->b[k->hash % r->nb];
		r->b[k->hash % r->nb] = l;
		r->nlists++;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 4;
		l->w = kvs_realloc(l->w, (size_t)l->cap * sizeof *l->w);
	}
	l->w[l->n++] = w;
	atomic_fetch_add(&w->refs, 1);
	atomic_fetch_add(&r->nwaiters, 1);
}

/* Remove w from every key it waits on (all its shards' locks held). */
static void reg_remove_all(struct kvs_keyspace *ks, struct kvs_waiter *w)
{
	for (int i = 0; i < w->nkeys; i++) {
		const struct kvs_key *k = &w->keys[i];
		struct kvs_blockreg *r = ks->shard[k->shard].blocked;
		struct wlist *l = r ? wl_find(r, w->db, k->p, k->len, k->hash) : NULL;
		if (!l)
			continue;
		for (int j = 0; j < l->n; j++)
			if (l->w[j] == w) {
				memmove(&l->w[j], &l->w[j + 1], (size_t)(l->n - j - 1) * sizeof *l->w);
				l->n--;
				atomic_fetch_sub(&r->nwaiters, 1);
				waiter_unref(w);
				break;
			}
		wl_free_if_unused(r, l);
	}
}

static void lock_mask(struct kvs_keyspace *ks, uint32_t mask)
{
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		if (mask & (1u << i))
			ks_lock(ks, i);
}

static void unlock_mask(struct kvs_keyspace *ks, uint32_t mask)
{
	for (unsigned i = KVS_SHARDS; i-- > 0;)
		if (mask & (1u << i))
			ks_unlock(ks, i);
}

static void timeout_reply(struct kvs_client *c, int null_bulk)
{
	if (null_bulk)
		reply_null(c);
	else
		reply_null_array(c);
}

void kvs_block_on_keys(struct kvs_client *c, const int *keyidx, int nkeys, uint64_t deadline_ms, int null_bulk)
{
	if (c->flags & KVS_CL_SERVING) {
		c->flags |= KVS_CL_WOULD_BLOCK;
		return;
	}
	if (c->flags & (KVS_CL_IN_EXEC | KVS_CL_MULTI) || !c->ob) {
		timeout_reply(c, null_bulk);
		return;
	}
	struct kvs_waiter *w = kvs_calloc(1, sizeof *w);
	size_t bytes = (size_t)c->argc * sizeof(struct resp_arg);
	for (int i = 0; i < c->argc; i++)
		bytes += c->argv[i].len;
	w->argv = kvs_malloc(bytes);
	char *p = (char *)(w->argv + c->argc);
	for (int i = 0; i < c->argc; i++) {
		memcpy(p, c->argv[i].p, c->argv[i].len);
		w->argv[i].p = p;
		w->argv[i].len = c->argv[i].len;
		p += c->argv[i].len;
	}
	w->argc = c->argc;
	w->cmd = c->cmd;
	w->db = c->db;
	w->proto = c->proto;
	w->deadline = deadline_ms;
	w->nkeys = nkeys;
	w->keys = kvs_calloc((size_t)nkeys, sizeof *w->keys);
	w->mask = kvs_cmd_shard_mask(c->cmd, c->argc, c->argv);
	atomic_init(&w->refs, 1);
	atomic_init(&w->state, W_WAITING);
	kvs_outbox_ref(c->ob);
	w->ob = c->ob;
	for (int i = 0; i < nkeys; i++) {
		kvs_key_init(&c->eng->ks, &w->keys[i], w->argv[keyidx[i]].p, w->argv[keyidx[i]].len);
		w->mask |= 1u << w->keys[i].shard;
	}
	/* The command's own locks cover every key it waits on. */
	for (int i = 0; i < nkeys; i++) {
		int dup = 0;
		for (int j = 0; j < i && !dup; j++)
			dup = w->keys[j].len == w->keys[i].len && !memcmp(w->keys[j].p, w->keys[i].p, w->keys[i].len);
		if (!dup)
			reg_add(&c->eng->ks.shard[w->keys[i].shard], c->db, &w->keys[i], w);
	}
	c->waiter = w;
	c->flags |= KVS_CL_BLOCKED;
	atomic_fetch_add(&blocked_total, 1);
}

int kvs_block_timeout_arg(struct kvs_client *c, int i, uint64_t *deadline_ms)
{
	long double secs, ms;
	if (!kvs_str2ld(c->argv[i].p, c->argv[i].len, &secs)) {
		reply_error(c, "ERR timeout is not a float or out of range");
		return -1;
	}
	ms = ceill(secs * 1000.0L);
	/* Redis converts to long long: anything out of range (inf too) comes
	 * out as LLONG_MIN there, hence "negative". */
	if (ms < 0 || ms >= 9223372036854775808.0L) {
		reply_error(c, "ERR timeout is negative");
		return -1;
	}
	uint64_t t = (uint64_t)ms;
	*deadline_ms = t == 0 ? 0 : (t > UINT64_MAX - c->now ? UINT64_MAX : c->now + t);
	return 0;
}

static void finish(struct kvs_client *c)
{
	waiter_unref(c->waiter);
	c->waiter = NULL;
	c->flags &= ~KVS_CL_BLOCKED;
	atomic_fetch_sub(&blocked_total, 1);
}

int kvs_block_served(struct kvs_client *c)
{
	if (!c->waiter || atomic_load(&c->waiter->state) != W_SERVED)
		return 0;
	finish(c);
	return 1;
}

int kvs_block_cancel(struct kvs_client *c, int reply)
{
	struct kvs_waiter *w = c->waiter;
	int cancelled = 0;
	if (!w)
		return 0;
	lock_mask(&c->eng->ks, w->mask);
	if (atomic_load(&w->state) == W_WAITING) {
		atomic_store(&w->state, W_CANCELLED);
		reg_remove_all(&c->eng->ks, w);
		cancelled = 1;
	}
	unlock_mask(&c->eng->ks, w->mask);
	/* Redis 7.0 times every list/zset waiter out with a null array, even
	 * BLMOVE and BRPOPLPUSH, whose immediate (MULTI) answer is a null
	 * bulk (replyToBlockedClientTimedOut). */
	if (cancelled && reply)
		timeout_reply(c, 0);
	finish(c);
	return cancelled;
}

uint64_t kvs_block_deadline(const struct kvs_client *c)
{
	return c->waiter ? c->waiter->deadline : 0;
}

void kvs_block_key_changed(struct kvs_shard *s, int db, const char *key, size_t klen)
{
	struct kvs_blockreg *r = s->blocked;
	if (!r || atomic_load(&r->nwaiters) == 0)
		return;
	/* Waiter lists are keyed by the keyspace's table hash. */
	struct wlist *l = wl_find(r, db, key, klen, kvs_hash64(key, klen, s->db[db].seed));
	if (!l || l->ready || !l->n)
		return;
	l->ready = 1;
	if (r->nready == r->capready) {
		r->capready = r->capready ? r->capready * 2 : 8;
		r->ready = kvs_realloc(r->ready, r->capready * sizeof *r->ready);
	}
	r->ready[r->nready++] = l;
}

/* The value type a waiter takes from its keys, by its command's group
 * (-1: unknown, no check). */
static int wanted_type(const struct kvs_cmd *cmd)
{
	if (cmd->group && !strcmp(cmd->group, "list"))
		return KVS_T_LIST;
	if (cmd->group && !strcmp(cmd->group, "sorted_set"))
		return KVS_T_ZSET;
	return -1;
}

/* Does the key now hold a value of another type than w takes? Then w
 * has nothing to say about it, and later waiters (BLPOP behind a
 * BZPOPMIN on the same key) must still be served, as in Redis, which
 * serves a key's waiters by type. Caller holds w's locks. */
static int other_type(struct kvs_client *c, const struct kvs_waiter *w, const char *key, size_t len)
{
	int want = wanted_type(w->cmd);
	struct kvs_key k;
	if (want < 0)
		return 0;
	kvs_key_init(&c->eng->ks, &k, key, len);
	const struct kvs_entry *e = ks_find(&c->eng->ks, w->db, &k, c->now, NULL);
	return e && e->type != want;
}

/* Serve the waiters of one ready key, oldest first, until one of them
 * would block (nothing left to take); waiters for another value type are
 * passed over. Returns the shards it touched. */
static uint32_t serve_key(struct kvs_client *c, unsigned shard, int db, const char *key, size_t len,
			  uint64_t hash)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	struct kvs_buf tmp = KVS_BUF_INIT;
	uint32_t touched = 0;
	int skip = 0;   /* waiters passed over, still at the front */
	for (;;) {
		struct kvs_waiter *w = NULL;
		ks_lock(ks, shard);
		struct kvs_blockreg *r = ks->shard[shard].blocked;
		struct wlist *l = r ? wl_find(r, db, key, len, hash) : NULL;
		if (l && l->n > skip) {
			w = l->w[skip];
			atomic_fetch_add(&w->refs, 1);
		}
		ks_unlock(ks, shard);
		if (!w)
			break;
		lock_mask(ks, w->mask);
		if (atomic_load(&w->state) != W_WAITING || other_type(c, w, key, len)) {
			if (atomic_load(&w->state) == W_WAITING)
				skip++;
			unlock_mask(ks, w->mask);
			waiter_unref(w);
			continue;
		}
		struct kvs_client t;
		memset(&t, 0, sizeof t);
		t.eng = c->eng;
		t.out = &tmp;
		t.stats = c->stats;
		t.proto = w->proto;
		t.db = w->db;
		t.flags = KVS_CL_AUTHED | KVS_CL_SERVING;
		t.argc = w->argc;
		t.argv = w->argv;
		t.cmd = w->cmd;
		t.now = c->now;
		t.held = t.locked = w->mask;
		tmp.len = 0;
		w->cmd->fn(&t);
		if (t.flags & KVS_CL_WOULD_BLOCK) {
			unlock_mask(ks, w->mask);
			waiter_unref(w);
			break;
		}
		/* The reply goes in before the state flips: an owner that sees
		 * SERVED (from any wake-up) must find it in the outbox, or it
		 * would run the client's next command ahead of it. */
		kvs_outbox_append(w->ob, tmp.data, tmp.len, c->now);
		atomic_store(&w->state, W_SERVED);
		/* ...and the owner may have been woken by that append and taken
		 * the reply before the flip, still seeing WAITING. An empty
		 * append wakes it again if (and only if) its outbox is empty
		 * by now, so it cannot stay blocked on a served command. */
		kvs_outbox_append(w->ob, "", 0, c->now);
		reg_remove_all(ks, w);
		touched |= w->mask;
		unlock_mask(ks, w->mask);
		waiter_unref(w);
	}
	kvs_buf_free(&tmp);
	return touched;
}

void kvs_block_serve_ready(struct kvs_client *c, uint32_t shards)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	int rounds = 0;
	while (shards && rounds++ < 64) {
		uint32_t more = 0;
		for (unsigned i = 0; i < KVS_SHARDS; i++) {
			if (!(shards & (1u << i)))
				continue;
			for (;;) {
				ks_lock(ks, i);
				struct kvs_blockreg *r = ks->shard[i].blocked;
				if (!r || r->nready == 0) {
					ks_unlock(ks, i);
					break;
				}
				struct wlist *l = r->ready[0];
				memmove(r->ready, r->ready + 1, (r->nready - 1) * sizeof *r->ready);
				r->nready--;
				l->ready = 0;
				int db = l->db;
				size_t len = l->len;
				uint64_t hash = l->hash;
				char *key = kvs_strndup(l->key, l->len);
				wl_free_if_unused(r, l);
				ks_unlock(ks, i);
				more |= serve_key(c, i, db, key, len, hash);
				free(key);
			}
		}
		shards = more;
	}
}

int kvs_block_has_ready(struct kvs_keyspace *ks, uint32_t shards)
{
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		if ((shards & (1u << i)) && ks->shard[i].blocked && ks->shard[i].blocked->nready)
			return 1;
	return 0;
}

void kvs_block_shard_free(struct kvs_shard *s)
{
	struct kvs_blockreg *r = s->blocked;
	if (!r)
		return;
	for (size_t b = 0; b < r->nb; b++) {
		struct wlist *l = r->b[b], *next;
		for (; l; l = next) {
			next = l->next;
			for (int j = 0; j < l->n; j++)
				waiter_unref(l->w[j]);
			free(l->key);
			free(l->w);
			free(l);
		}
	}
	free(r->b);
	free(r->ready);
	free(r);
	s->blocked = NULL;
}
