/*
 * t_keys.c - the keyspace commands that are not about one value type: DEL
 * UNLINK EXISTS TYPE RENAME RENAMENX MOVE COPY, the walkers KEYS SCAN
 * RANDOMKEY DBSIZE, and the database-level FLUSHDB FLUSHALL SELECT SWAPDB.
 *
 * Commands with key arguments run with the locks of their keys' shards
 * held (cmd.c). The walkers and FLUSH* have no keys and are NOLOCK: they
 * lock one shard at a time, so a long walk only ever stalls one shard.
 * Replies that must be complete before their length is known (KEYS, SCAN)
 * are built in a scratch buffer, because the walk drops each shard's lock
 * before the next one is taken and the keys must be copied out anyway.
 */
#include "config.h"
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "commands.h"
#include "util.h"

#define ERR_SAMEOBJ "ERR source and destination objects are the same"

static inline int is_expired(const struct kvs_entry *e, uint64_t now)
{
	return kvs_entry_has_expire(e) && kvs_entry_expire(e) <= now;
}

/* A read lookup: counts keyspace hits/misses like Redis's lookupKeyRead. */

/* Redis's getIntFromObjectOrReply: when msg is given it replaces both the
 * "not an integer" and the "out of int range" errors. */
static int arg_int(struct kvs_client *c, int i, int *out, const char *msg)
{
	long long v;
	if (!kvs_str2ll(c->argv[i].p, c->argv[i].len, &v)) {
		reply_error(c, msg ? msg : KVS_ERR_NOTINT);
		return -1;
	}
	if (v < INT_MIN || v > INT_MAX) {
		if (msg)
			reply_error(c, msg);
		else
			reply_errorf(c, "ERR value is out of range, value must between %d and %d",
				     INT_MIN, INT_MAX);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* A database index argument: an int, then 0..ndb-1. */
static int arg_db(struct kvs_client *c, int i, int *db)
{
	if (arg_int(c, i, db, NULL))
		return -1;
	if (*db < 0 || *db >= c->eng->ks.ndb) {
		reply_error(c, KVS_ERR_DBINDEX);
		return -1;
	}
	return 0;
}

static int same_key(const struct kvs_key *a, const struct kvs_key *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

/* ---- DEL UNLINK EXISTS TYPE ------------------------------------------- */

static void del_command(struct kvs_client *c)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	long long n = 0;
	for (int i = 1; i < c->argc; i++) {
		struct kvs_key k;
		size_t slot;
		arg_key(c, i, &k);
		if (ks_find(ks, c->db, &k, c->now, &slot)) {
			ks_delete_at(ks, c->db, &k, slot, KVS_CHG_DELETE, c->now);
			n++;
		}
	}
	reply_int(c, n);
}

static void exists_command(struct kvs_client *c)
{
	long long n = 0;
	for (int i = 1; i < c->argc; i++) {
		struct kvs_key k;
		arg_key(c, i, &k);
		k.notouch = 1; /* Redis: EXISTS is not an access */
		if (kvs_lookup_read(c, &k, NULL))
			n++;
	}
	reply_int(c, n);
}

static void type_command(struct kvs_client *c)
{
	struct kvs_key k;
	arg_key(c, 1, &k);
	k.notouch = 1; /* Redis: TYPE is not an access */
	const struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	reply_status(c, e ? kvs_type_ops[e->type].name : "none");
}

/* ---- RENAME RENAMENX MOVE COPY ---------------------------------------- */

static void rename_generic(struct kvs_client *c, int nx)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	struct kvs_key src, dst;
	size_t sslot, dslot;
	struct kvs_entry *e, *moved;

	arg_key(c, 1, &src);
	arg_key(c, 2, &dst);
	e = ks_find(ks, c->db, &src, c->now, &sslot);
	if (!e) {
		reply_error(c, KVS_ERR_NOKEY);
		return;
	}
	if (same_key(&src, &dst)) {
		if (nx)
			reply_int(c, 0);
		else
			reply_ok(c);
		return;
	}
	/* Looking dst up may reclaim it if expired; deletes never move other
	 * entries, so e and sslot stay valid. */
	if (ks_find(ks, c->db, &dst, c->now, &dslot)) {
		if (nx) {
			reply_int(c, 0);
			return;
		}
	} else {
		dslot = KVS_TABLE_NONE;
	}
	/* The key is stored inside the entry, so the value moves to a new
	 * entry; a PTR value's object is shared, not copied, and the old
	 * shell is released with free(), not kvs_entry_free(). */
	moved = kvs_entry_rekey(e, dst.p, dst.len, 0);
	free(ks_take_at(ks, c->db, &src, sslot, c->now));
	ks_put(ks, c->db, &dst, dslot, moved, c->now);
	if (nx)
		reply_int(c, 1);
	else
		reply_ok(c);
}

static void rename_command(struct kvs_client *c) { rename_generic(c, 0); }
static void renamenx_command(struct kvs_client *c) { rename_generic(c, 1); }

/* MOVE key db: the key's shard is the same in every database, so the one
 * lock cmd.c took covers both tables. */
static void move_command(struct kvs_client *c)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	struct kvs_key k;
	struct kvs_entry *e;
	size_t slot;
	int dst;

	if (arg_db(c, 2, &dst))
		return;
	if (dst == c->db) {
		reply_error(c, ERR_SAMEOBJ);
		return;
	}
	arg_key(c, 1, &k);
	e = ks_find(ks, c->db, &k, c->now, &slot);
	if (!e || ks_find(ks, dst, &k, c->now, NULL)) {
		reply_int(c, 0);
		return;
	}
	e = ks_take_at(ks, c->db, &k, slot, c->now);
	ks_put(ks, dst, &k, KVS_TABLE_NONE, e, c->now);
	reply_int(c, 1);
}

/* COPY source destination [DB destination-db] [REPLACE] */
static void copy_command(struct kvs_client *c)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	struct kvs_key src, dst;
	struct kvs_entry *e, *copy;
	size_t dslot;
	int dstdb = c->db, replace = 0;

	for (int j = 3; j < c->argc; j++) {
		if (arg_is(c, j, "replace")) {
			replace = 1;
		} else if (arg_is(c, j, "db") && j + 1 < c->argc) {
			if (arg_db(c, j + 1, &dstdb))
				return;
			j++;
		} else {
			reply_syntax(c);
			return;
		}
	}
	arg_key(c, 1, &src);
	arg_key(c, 2, &dst);
	if (dstdb == c->db && same_key(&src, &dst)) {
		reply_error(c, ERR_SAMEOBJ);
		return;
	}
	e = kvs_lookup_read(c, &src, NULL);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (ks_find(ks, dstdb, &dst, c->now, &dslot)) {
		if (!replace) {
			reply_int(c, 0);
			return;
		}
	} else {
		dslot = KVS_TABLE_NONE;
	}
	copy = kvs_entry_rekey(e, dst.p, dst.len, 1);
	if (!copy) {
		/* A value type whose module gave no dup_obj hook. */
		reply_error(c, "ERR unknown type object");
		return;
	}
	ks_put(ks, dstdb, &dst, dslot, copy, c->now);
	reply_int(c, 1);
}

/* ---- KEYS ------------------------------------------------------------- */

static void keys_command(struct kvs_client *c)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	const char *pat = c->argv[1].p;
	size_t plen = c->argv[1].len;
	int all = plen == 1 && pat[0] == '*';
	struct kvs_buf tmp = KVS_BUF_INIT;
	long long n = 0;

	for (unsigned s = 0; s < KVS_SHARDS; s++) {
		kvs_lock_shard(c, s);
		const struct kvs_table *t = &ks->shard[s].db[c->db];
		for (size_t i = kvs_table_next(t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(t, i + 1)) {
			const struct kvs_entry *e = kvs_table_at(t, i);
			size_t kl;
			const char *k = kvs_entry_key(e, &kl);
			/* Like Redis, KEYS hides expired keys but leaves
			 * reclaiming them to lookups and active expiry. */
			if (is_expired(e, c->now) || (!all && !kvs_glob(pat, plen, k, kl, 0)))
				continue;
			resp_add_bulk(&tmp, k, kl);
			n++;
		}
		kvs_unlock_shard(c, s);
	}
	reply_array(c, n);
	kvs_buf_append(c->out, tmp.data, tmp.len);
	kvs_buf_free(&tmp);
}

/* ---- SCAN ------------------------------------------------------------- */

/* The cursor: shard in the top 4 bits, then the table's hash-space
 * position >> 4 (kvs_table_scan positions are multiples of 16). Shards
 * are visited in order, so 0 only ever means "start" or "done". */
#define CURSOR_SHARD_SHIFT 60
#define CURSOR_POS_MASK ((UINT64_C(1) << CURSOR_SHARD_SHIFT) - 1)

/* Parse a cursor exactly as Redis 7.0 does, with strtoul(): a leading
 * space is refused, a sign is accepted ("-1" wraps around), the string
 * ends at an embedded NUL, and an empty string is cursor 0. 0 on success. */
static int parse_cursor(const char *p, size_t len, uint64_t *out)
{
	const char *nul = memchr(p, '\0', len);
	size_t n = nul ? (size_t)(nul - p) : len, i = 0, digits;
	uint64_t v = 0;
	int neg = 0;

	if (n == 0) {
		*out = 0;
		return 0;
	}
	if (isspace((unsigned char)p[0]))
		return -1;
	if (p[0] == '+' || p[0] == '-') {
		neg = p[0] == '-';
		i++;
	}
	for (digits = i; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		unsigned d = (unsigned)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (i == digits || i != n)
		return -1;
	*out = neg ? 0 - v : v;
	return 0;
}

struct scan_state {
	struct kvs_buf out;          /* the keys, as RESP bulk strings */
	long long n;
	const char *pat, *type;      /* NULL: no filter */
	size_t plen, tlen;
	uint64_t now;
	struct kvs_entry **stale;    /* expired entries seen in this shard */
	size_t nstale, stalecap;
};

static void scan_visit(void *arg, struct kvs_entry *e)
{
	struct scan_state *st = arg;
	size_t kl;
	const char *k = kvs_entry_key(e, &kl);

	if (is_expired(e, st->now)) {
		if (st->nstale == st->stalecap) {
			st->stalecap = st->stalecap ? st->stalecap * 2 : 16;
			st->stale = kvs_realloc(st->stale, st->stalecap * sizeof *st->stale);
		}
		st->stale[st->nstale++] = e;
		return;
	}
	if (st->pat && !kvs_glob(st->pat, st->plen, k, kl, 0))
		return;
	if (st->type && !kvs_eqi(st->type, st->tlen, kvs_type_ops[e->type].name))
		return;
	resp_add_bulk(&st->out, k, kl);
	st->n++;
}

/* Redis's SCAN deletes the expired keys it meets; the visitor may not
 * touch the table, so they are reclaimed here, through the lazy-expiry
 * path, once the visit is over (deletes never move the other entries). */
static void scan_reap(struct kvs_client *c, struct scan_state *st)
{
	for (size_t i = 0; i < st->nstale; i++) {
		struct kvs_key k;
		size_t kl;
		const char *kp = kvs_entry_key(st->stale[i], &kl);
		kvs_key_init(&c->eng->ks, &k, kp, kl);
		ks_find(&c->eng->ks, c->db, &k, c->now, NULL);
	}
	st->nstale = 0;
}

/* Options after the cursor; 0 or -1 after replying with an error. */
static int scan_options(struct kvs_client *c, struct scan_state *st, long long *count)
{
	for (int i = 2; i < c->argc; i += 2) {
		if (i + 1 >= c->argc) {
			reply_syntax(c);
			return -1;
		}
		if (arg_is(c, i, "count")) {
			if (arg_ll(c, i + 1, count, NULL))
				return -1;
			if (*count < 1) {
				reply_syntax(c);
				return -1;
			}
		} else if (arg_is(c, i, "match")) {
			st->pat = c->argv[i + 1].p;
			st->plen = c->argv[i + 1].len;
			if (st->plen == 1 && st->pat[0] == '*')
				st->pat = NULL;
		} else if (arg_is(c, i, "type")) {
			st->type = c->argv[i + 1].p;
			st->tlen = c->argv[i + 1].len;
		} else {
			reply_syntax(c);
			return -1;
		}
	}
	return 0;
}

static void scan_command(struct kvs_client *c)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	struct scan_state st;
	long long count = 10, budget;
	uint64_t cursor, pos;
	unsigned shard;
	int done = 0;

	if (parse_cursor(c->argv[1].p, c->argv[1].len, &cursor)) {
		reply_error(c, "ERR invalid cursor");
		return;
	}
	memset(&st, 0, sizeof st);
	st.now = c->now;
	if (scan_options(c, &st, &count))
		return;

	shard = (unsigned)(cursor >> CURSOR_SHARD_SHIFT);
	pos = (cursor & CURSOR_POS_MASK) << 4;
	/* As Redis: stop once COUNT keys are collected, or after 10 * COUNT
	 * steps when the filters reject nearly everything. */
	budget = count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
	while (st.n < count && budget-- > 0) {
		kvs_lock_shard(c, shard);
		kvs_table_scan(&ks->shard[shard].db[c->db], &pos, (size_t)count, scan_visit, &st);
		scan_reap(c, &st);
		kvs_unlock_shard(c, shard);
		if (pos == 0 && ++shard == KVS_SHARDS) {
			done = 1;
			break;
		}
	}
	cursor = done ? 0 : ((uint64_t)shard << CURSOR_SHARD_SHIFT) | (pos >> 4);

	char num[24];
	int nl = kvs_ull2str(num, cursor);
	reply_array(c, 2);
	reply_bulk(c, num, (size_t)nl);
	reply_array(c, st.n);
	kvs_buf_append(c->out, st.out.data, st.out.len);
	kvs_buf_free(&st.out);
	free(st.stale);
}

/* ---- RANDOMKEY DBSIZE ------------------------------------------------- */

/* Pick a live key in one (locked, non-empty) shard and reply with it;
 * expired picks are reclaimed and the draw repeated, as Redis does. 0 if
 * the shard ran out of keys. */
static int random_in_shard(struct kvs_client *c, unsigned shard)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	const struct kvs_table *t = &ks->shard[shard].db[c->db];
	for (;;) {
		size_t slot = kvs_table_random(t, kvs_env_random(c->eng->env));
		if (slot == KVS_TABLE_NONE)
			return 0;
		const struct kvs_entry *e = kvs_table_at(t, slot);
		size_t kl;
		const char *kp = kvs_entry_key(e, &kl);
		if (!is_expired(e, c->now)) {
			reply_bulk(c, kp, kl);
			return 1;
		}
		struct kvs_key k;
		kvs_key_init(ks, &k, kp, kl);
		ks_find(ks, c->db, &k, c->now, NULL);
	}
}

/* Keys (live or not yet reclaimed) in c->db of every shard; the total. */
static size_t shard_sizes(struct kvs_client *c, size_t sizes[KVS_SHARDS])
{
	size_t total = 0;
	for (unsigned s = 0; s < KVS_SHARDS; s++) {
		kvs_lock_shard(c, s);
		sizes[s] = ks_shard_size(&c->eng->ks.shard[s], c->db);
		kvs_unlock_shard(c, s);
		total += sizes[s];
	}
	return total;
}

static void randomkey_command(struct kvs_client *c)
{
	for (;;) {
		size_t sizes[KVS_SHARDS], total = shard_sizes(c, sizes);
		if (total == 0) {
			reply_null(c);
			return;
		}
		/* Weighted by shard size, so every key is about equally
		 * likely whatever the shards' sizes. */
		uint64_t r = kvs_env_random(c->eng->env) % total;
		unsigned s = 0;
		while (r >= sizes[s])
			r -= sizes[s++];
		kvs_lock_shard(c, s);
		int found = random_in_shard(c, s);
		kvs_unlock_shard(c, s);
		if (found)
			return;
	}
}

/* Like Redis, DBSIZE counts expired keys not reclaimed yet. */
static void dbsize_command(struct kvs_client *c)
{
	size_t sizes[KVS_SHARDS];
	reply_int(c, (long long)shard_sizes(c, sizes));
}

/* ---- FLUSHDB FLUSHALL SELECT SWAPDB ----------------------------------- */

/* [ASYNC|SYNC]: both accepted; the flush is always done in place. */
static int flush_options(struct kvs_client *c)
{
	if (c->argc > 2 || (c->argc == 2 && !arg_is(c, 1, "sync") && !arg_is(c, 1, "async"))) {
		reply_syntax(c);
		return -1;
	}
	return 0;
}

static void flush_dbs(struct kvs_client *c, int from, int to)
{
	for (unsigned s = 0; s < KVS_SHARDS; s++) {
		kvs_lock_shard(c, s);
		for (int db = from; db < to; db++)
			ks_flush_shard(&c->eng->ks, s, db, c->now);
		kvs_unlock_shard(c, s);
	}
}

static void flushdb_command(struct kvs_client *c)
{
	if (flush_options(c))
		return;
	flush_dbs(c, c->db, c->db + 1);
	reply_ok(c);
}

static void flushall_command(struct kvs_client *c)
{
	if (flush_options(c))
		return;
	flush_dbs(c, 0, c->eng->ks.ndb);
	reply_ok(c);
}

static void select_command(struct kvs_client *c)
{
	int db;
	if (arg_db(c, 1, &db))
		return;
	c->db = db;
	reply_ok(c);
}

static void swapdb_command(struct kvs_client *c)
{
	int a, b, ndb = c->eng->ks.ndb;
	if (arg_int(c, 1, &a, "ERR invalid first DB index") ||
	    arg_int(c, 2, &b, "ERR invalid second DB index"))
		return;
	if (a < 0 || a >= ndb || b < 0 || b >= ndb) {
		reply_error(c, KVS_ERR_DBINDEX);
		return;
	}
	/* Through kvs_lock_shard, which skips the shards EXEC already
	 * holds: ks_swapdb() would lock them a second time. */
	for (unsigned s = 0; s < KVS_SHARDS; s++)
		kvs_lock_shard(c, s);
	ks_swapdb_locked(&c->eng->ks, a, b);
	for (unsigned s = KVS_SHARDS; s-- > 0;)
		kvs_unlock_shard(c, s);
	reply_ok(c);
}

/* ---- table ------------------------------------------------------------ */

static struct kvs_cmd keys_cmds[] = {
	{ .name = "del", .arity = -2, .flags = KVS_CMD_WRITE,
	  .first_key = 1, .last_key = -1, .key_step = 1, .fn = del_command,
	  .group = "generic", .since = "1.0.0", .summary = "Delete a key" },
	{ .name = "unlink", .arity = -2, .flags = KVS_CMD_WRITE | KVS_CMD_FAST,
	  .first_key = 1, .last_key = -1, .key_step = 1, .fn = del_command,
	  .group = "generic", .since = "4.0.0",
	  .summary = "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking." },
	{ .name = "exists", .arity = -2, .flags = KVS_CMD_READONLY | KVS_CMD_FAST,
	  .first_key = 1, .last_key = -1, .key_step = 1, .fn = exists_command,
	  .group = "generic", .since = "1.0.0", .summary = "Determine if a key exists" },
	{ .name = "type", .arity = 2, .flags = KVS_CMD_READONLY | KVS_CMD_FAST,
	  .first_key = 1, .last_key = 1, .key_step = 1, .fn = type_command,
	  .group = "generic", .since = "1.0.0", .summary = "Determine the type stored at key" },
	{ .name = "rename", .arity = 3, .flags = KVS_CMD_WRITE,
	  .first_key = 1, .last_key = 2, .key_step = 1, .fn = rename_command,
	  .group = "generic", .since = "1.0.0", .summary = "Rename a key" },
	{ .name = "renamenx", .arity = 3, .flags = KVS_CMD_WRITE | KVS_CMD_FAST,
	  .first_key = 1, .last_key = 2, .key_step = 1, .fn = renamenx_command,
	  .group = "generic", .since = "1.0.0",
	  .summary = "Rename a key, only if the new key does not exist" },
	{ .name = "move", .arity = 3, .flags = KVS_CMD_WRITE | KVS_CMD_FAST,
	  .first_key = 1, .last_key = 1, .key_step = 1, .fn = move_command,
	  .group = "generic", .since = "1.0.0", .summary = "Move a key to another database" },
	{ .name = "copy", .arity = -3, .flags = KVS_CMD_WRITE | KVS_CMD_DENYOOM,
	  .first_key = 1, .last_key = 2, .key_step = 1, .fn = copy_command,
	  .group = "generic", .since = "6.2.0", .summary = "Copy a key" },
	{ .name = "keys", .arity = 2, .flags = KVS_CMD_READONLY | KVS_CMD_NOLOCK,
	  .fn = keys_command, .group = "generic", .since = "1.0.0",
	  .summary = "Find all keys matching the given pattern" },
	{ .name = "scan", .arity = -2, .flags = KVS_CMD_READONLY | KVS_CMD_RANDOM | KVS_CMD_NOLOCK,
	  .fn = scan_command, .group = "generic", .since = "2.8.0",
	  .summary = "Incrementally iterate the keys space" },
	{ .name = "randomkey", .arity = 1, .flags = KVS_CMD_READONLY | KVS_CMD_RANDOM | KVS_CMD_NOLOCK,
	  .fn = randomkey_command, .group = "generic", .since = "1.0.0",
	  .summary = "Return a random key from the keyspace" },
	{ .name = "dbsize", .arity = 1, .flags = KVS_CMD_READONLY | KVS_CMD_FAST | KVS_CMD_NOLOCK,
	  .fn = dbsize_command, .group = "server", .since = "1.0.0",
	  .summary = "Return the number of keys in the selected database" },
	{ .name = "flushdb", .arity = -1, .flags = KVS_CMD_WRITE | KVS_CMD_NOLOCK,
	  .fn = flushdb_command, .group = "server", .since = "1.0.0",
	  .summary = "Remove all keys from the current database" },
	{ .name = "flushall", .arity = -1, .flags = KVS_CMD_WRITE | KVS_CMD_NOLOCK,
	  .fn = flushall_command, .group = "server", .since = "1.0.0",
	  .summary = "Remove all keys from all databases" },
	{ .name = "select", .arity = 2, .flags = KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_FAST,
	  .fn = select_command, .group = "connection", .since = "1.0.0",
	  .summary = "Change the selected database for the current connection" },
	{ .name = "swapdb", .arity = 3, .flags = KVS_CMD_WRITE | KVS_CMD_FAST | KVS_CMD_NOLOCK,
	  .fn = swapdb_command, .group = "server", .since = "4.0.0",
	  .summary = "Swaps two Redis databases" },
};

void kvs_register_keys(void)
{
	if (kvs_cmd_register(keys_cmds, sizeof keys_cmds / sizeof keys_cmds[0]) != 0)
		abort();
}
