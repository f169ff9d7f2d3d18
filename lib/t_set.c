/*
 * t_set.c - the set commands (Redis 7.0 semantics and replies).
 *
 * A set is a struct kvs_tobj (object.h): a compact array of members while
 * small and all integers, a table of member entries beyond; every member
 * keeps its own add stamp.
 */
#include "config.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "object.h"
#include "util.h"

static struct kvs_tobj *set_read(struct kvs_client *c, int argi, int *err)
{
	struct kvs_key k;
	size_t slot;
	struct kvs_entry *e = kvs_tobj_lookup(c, argi, KVS_T_SET, 1, &k, &slot, err);
	return e ? kvs_tobj_of(e) : NULL;
}

static int has_member(const struct kvs_tobj *o, const char *m, size_t len)
{
	return o && kvs_tobj_get(o, m, len, NULL, NULL);
}

static void sadd_cmd(struct kvs_client *c)
{
	struct kvs_key k;
	size_t slot;
	int err, added = 0;
	struct kvs_entry *e = kvs_tobj_lookup(c, 1, KVS_T_SET, 0, &k, &slot, &err);
	if (err)
		return;
	struct kvs_tobj *o = e ? kvs_tobj_of(e) : kvs_tobj_new(c->eng->ks.seed, KVS_OENC_INTSET);
	uint64_t stamp = kvs_tobj_tick(c, &k);
	/* A member already present keeps its add stamp: re-adding is no write. */
	for (int i = 2; i < c->argc; i++)
		if (!has_member(o, c->argv[i].p, c->argv[i].len)) {
			kvs_tobj_add_new(o, c->argv[i].p, c->argv[i].len, "", 0, stamp);
			added++;
		}
	if (!e)
		kvs_tobj_store(c, &k, slot, KVS_T_SET, o);
	else if (added)
		kvs_tobj_written(c, &k, slot, e);
	reply_int(c, added);
}

static void srem_cmd(struct kvs_client *c)
{
	kvs_tobj_del_cmd(c, KVS_T_SET);
}

static void reply_members(struct kvs_client *c, const struct kvs_tobj *o)
{
	reply_set(c, o ? (long long)kvs_tobj_len(o) : 0);
	if (!o)
		return;
	for (size_t i = kvs_tobj_first(o); i != KVS_TABLE_NONE; i = kvs_tobj_next(o, i))
		kvs_reply_name_at(c, o, i);
}

static void smembers_cmd(struct kvs_client *c)
{
	int err;
	struct kvs_tobj *o = set_read(c, 1, &err);
	if (!err)
		reply_members(c, o);
}

static void sismember_cmd(struct kvs_client *c)
{
	int err;
	struct kvs_tobj *o = set_read(c, 1, &err);
	if (!err)
		reply_int(c, has_member(o, c->argv[2].p, c->argv[2].len));
}

static void smismember_cmd(struct kvs_client *c)
{
	int err;
	struct kvs_tobj *o = set_read(c, 1, &err);
	if (err)
		return;
	reply_array(c, c->argc - 2);
	for (int i = 2; i < c->argc; i++)
		reply_int(c, has_member(o, c->argv[i].p, c->argv[i].len));
}

static void scard_cmd(struct kvs_client *c)
{
	int err;
	struct kvs_tobj *o = set_read(c, 1, &err);
	if (!err)
		reply_int(c, o ? (long long)kvs_tobj_len(o) : 0);
}

/* ---- SPOP / SRANDMEMBER ------------------------------------------------ */
static int by_pos_desc(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

static void spop_count(struct kvs_client *c, struct kvs_key *k, size_t slot, struct kvs_entry *e,
		       size_t count)
{
	struct kvs_tobj *o = kvs_tobj_of(e);
	size_t size = kvs_tobj_len(o);
	if (count >= size) {
		reply_members(c, o);
		ks_delete_at(&c->eng->ks, c->db, k, slot, KVS_CHG_DELETE, c->now);
		return;
	}
	size_t *slots = kvs_malloc(count * sizeof *slots);
	kvs_tobj_sample(o, c->eng->env, count, slots);
	reply_set(c, (long long)count);
	for (size_t i = 0; i < count; i++)
		kvs_reply_name_at(c, o, slots[i]);
	/* From the last position back: removing from a compact set moves
	 * only the elements after the one removed. */
	qsort(slots, count, sizeof *slots, by_pos_desc);
	for (size_t i = 0; i < count; i++)
		kvs_tobj_del_at(o, slots[i]);
	free(slots);
	kvs_tobj_written(c, k, slot, e);
}

static void spop_cmd(struct kvs_client *c)
{
	struct kvs_key k;
	size_t slot;
	long long count = 1;
	int err;
	if (c->argc > 3) {
		reply_syntax(c);
		return;
	}
	if (c->argc == 3 && (!kvs_str2ll(c->argv[2].p, c->argv[2].len, &count) || count < 0)) {
		reply_error(c, "ERR value is out of range, must be positive");
		return;
	}
	struct kvs_entry *e = kvs_tobj_lookup(c, 1, KVS_T_SET, 0, &k, &slot, &err);
	if (err)
		return;
	if (c->argc == 3) {
		if (!e || count == 0)
			reply_set(c, 0);
		else
			spop_count(c, &k, slot, e, (size_t)count);
		return;
	}
	if (!e) {
		reply_null(c);
		return;
	}
	struct kvs_tobj *o = kvs_tobj_of(e);
	size_t s = kvs_tobj_random_slot(o, c->eng->env);
	kvs_reply_name_at(c, o, s);
	kvs_tobj_del_at(o, s);
	kvs_tobj_written(c, &k, slot, e);
}

static void srandmember_count(struct kvs_client *c, long long l)
{
	int err;
	struct kvs_tobj *o = set_read(c, 1, &err);
	if (err)
		return;
	if (!o || l == 0) {
		reply_array(c, 0);
		return;
	}
	size_t size = kvs_tobj_len(o);
	if (l < 0) {
		unsigned long long count = (unsigned long long)-l;
		size_t *idx = kvs_tobj_draw_index(o);
		reply_array(c, (long long)count);
		for (unsigned long long i = 0; i < count; i++)
			kvs_reply_name_at(c, o, kvs_tobj_draw(o, c->eng->env, idx));
		free(idx);
		return;
	}
	if ((unsigned long long)l >= size) {
		reply_array(c, (long long)size);
		for (size_t i = kvs_tobj_first(o); i != KVS_TABLE_NONE; i = kvs_tobj_next(o, i))
			kvs_reply_name_at(c, o, i);
		return;
	}
	size_t *slots = kvs_malloc((size_t)l * sizeof *slots);
	kvs_tobj_sample(o, c->eng->env, (size_t)l, slots);
	reply_array(c, l);
	for (long long i = 0; i < l; i++)
		kvs_reply_name_at(c, o, slots[i]);
	free(slots);
}

static void srandmember_cmd(struct kvs_client *c)
{
	long long l;
	if (c->argc > 3) {
		reply_syntax(c);
		return;
	}
	if (c->argc == 3) {
		if (arg_ll(c, 2, &l, NULL) < 0)
			return;
		if (l == LLONG_MIN)
			reply_errorf(c, "ERR value is out of range, value must between %lld and %lld",
				     -LLONG_MAX, LLONG_MAX);
		else
			srandmember_count(c, l);
		return;
	}
	int err;
	struct kvs_tobj *o = set_read(c, 1, &err);
	if (err)
		return;
	if (!o)
		reply_null(c);
	else
		kvs_reply_name_at(c, o, kvs_tobj_random_slot(o, c->eng->env));
}

/* ---- SMOVE ------------------------------------------------------------- */
static void smove_cmd(struct kvs_client *c)
{
	struct kvs_key sk, dk;
	size_t sslot, dslot;
	int err;
	const struct resp_arg *m = &c->argv[3];
	struct kvs_entry *se = kvs_tobj_lookup(c, 1, KVS_T_SET, 0, &sk, &sslot, &err);
	if (err)
		return;
	if (!se) {  /* before the destination's type is checked, as Redis */
		reply_int(c, 0);
		return;
	}
	/* A lookup may only delete (lazy expiry), which never moves the
	 * source's slot. */
	struct kvs_entry *de = kvs_tobj_lookup(c, 2, KVS_T_SET, 0, &dk, &dslot, &err);
	if (err)
		return;
	struct kvs_tobj *so = kvs_tobj_of(se);
	if (se == de) {
		reply_int(c, has_member(so, m->p, m->len));
		return;
	}
	if (!kvs_tobj_del(so, m->p, m->len)) {
		reply_int(c, 0);
		return;
	}
	kvs_tobj_written(c, &sk, sslot, se);
	if (!de) {
		struct kvs_tobj *o = kvs_tobj_new(c->eng->ks.seed, KVS_OENC_INTSET);
		kvs_tobj_set(o, m->p, m->len, "", 0, kvs_tobj_tick(c, &dk));
		kvs_tobj_store(c, &dk, KVS_TABLE_NONE, KVS_T_SET, o);
	} else {
		struct kvs_tobj *o = kvs_tobj_of(de);
		if (!has_member(o, m->p, m->len)) {
			kvs_tobj_set(o, m->p, m->len, "", 0, kvs_tobj_tick(c, &dk));
			kvs_tobj_written(c, &dk, dslot, de);
		}
	}
	reply_int(c, 1);
}

/* ---- SINTER / SUNION / SDIFF and their STORE and CARD forms ------------ */
/* The source sets of a multi-key command: sets[i] is NULL for a missing
 * key. Returns -1 (after replying WRONGTYPE) if any key is not a set. */
static int open_sources(struct kvs_client *c, int first, int n, struct kvs_tobj **sets)
{
	int bad = 0;
	for (int i = 0; i < n && !bad; i++) {
		int err;
		sets[i] = set_read(c, first + i, &err);
		bad = err;
	}
	return bad ? -1 : 0;
}

/* A growable list of borrowed member names. */
struct mref {
	const char *p;
	size_t len;
};
struct members {
	struct mref *v;
	size_t n, cap;
};

static void members_push(struct members *r, const char *p, size_t len)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = kvs_realloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n].p = p;
	r->v[r->n++].len = len;
}

static int by_size(const void *a, const void *b)
{
	size_t x = kvs_tobj_len(*(struct kvs_tobj *const *)a), y = kvs_tobj_len(*(struct kvs_tobj *const *)b);
	return x < y ? -1 : x > y;
}

/* Members of the intersection (at most limit of them if limit > 0). With
 * r == NULL only counts. Returns the count. */
static size_t inter(struct kvs_tobj **sets, int n, size_t limit, struct members *r)
{
	size_t count = 0;
	for (int i = 0; i < n; i++)
		if (!sets[i])
			return 0;
	/* Walk the smallest set, probe the others from smallest up: the
	 * first miss is likeliest there. */
	qsort(sets, (size_t)n, sizeof *sets, by_size);
	const struct kvs_tobj *o = sets[0];
	for (size_t s = kvs_tobj_first(o); s != KVS_TABLE_NONE; s = kvs_tobj_next(o, s)) {
		struct kvs_elem el;
		kvs_tobj_at(o, s, &el);
		int j = 1;
		while (j < n && has_member(sets[j], el.name, el.nlen))
			j++;
		if (j < n)
			continue;
		if (r)
			members_push(r, el.name, el.nlen);
		if (++count == limit)
			break;
	}
	return count;
}

/* The union as a new set (owned by the caller; NULL if empty), every
 * member stamped with stamp. Redis builds its result set the same way. */
static struct kvs_tobj *sunion(struct kvs_tobj **sets, int n, uint64_t seed, uint64_t stamp)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += sets[i] ? kvs_tobj_len(sets[i]) : 0;
	if (total == 0)
		return NULL;
	struct kvs_tobj *u = kvs_tobj_new(seed, KVS_OENC_INTSET);
	for (int i = 0; i < n; i++) {
		const struct kvs_tobj *o = sets[i];
		if (!o)
			continue;
		for (size_t s = kvs_tobj_first(o); s != KVS_TABLE_NONE; s = kvs_tobj_next(o, s)) {
			struct kvs_elem el;
			kvs_tobj_at(o, s, &el);
			if (!has_member(u, el.name, el.nlen))
				kvs_tobj_add_new(u, el.name, el.nlen, "", 0, stamp);
		}
	}
	return u;
}

static void sdiff(struct kvs_tobj **sets, int n, struct members *r)
{
	const struct kvs_tobj *o = sets[0];
	if (!o)
		return;
	for (size_t s = kvs_tobj_first(o); s != KVS_TABLE_NONE; s = kvs_tobj_next(o, s)) {
		struct kvs_elem el;
		kvs_tobj_at(o, s, &el);
		int j = 1;
		while (j < n && !has_member(sets[j], el.name, el.nlen))
			j++;
		if (j == n)
			members_push(r, el.name, el.nlen);
	}
}

enum setop { OP_INTER, OP_UNION, OP_DIFF };

/* Replace the key at argv[1] with the set o (owned by the keyspace from
 * now on; NULL: delete the key) and reply its size. */
static void store_set(struct kvs_client *c, const struct kvs_key *k, struct kvs_tobj *o)
{
	size_t slot = KVS_TABLE_NONE;
	if (!ks_find(&c->eng->ks, c->db, k, c->now, &slot))
		slot = KVS_TABLE_NONE;
	if (!o) {
		if (slot != KVS_TABLE_NONE)
			ks_delete_at(&c->eng->ks, c->db, k, slot, KVS_CHG_DELETE, c->now);
		reply_int(c, 0);
		return;
	}
	long long n = (long long)kvs_tobj_len(o);
	kvs_tobj_store(c, k, slot, KVS_T_SET, o);
	reply_int(c, n);
}

/* SINTER/SUNION/SDIFF key... (store = 0) or xSTORE dest key... (store = 1). */
static void setop_generic(struct kvs_client *c, enum setop op, int store)
{
	int first = 1 + store, n = c->argc - first;
	struct kvs_tobj **sets = kvs_malloc((size_t)n * sizeof *sets);
	struct members r = { 0 };
	struct kvs_tobj *res = NULL;
	struct kvs_key k;
	uint64_t stamp = 0;
	if (open_sources(c, first, n, sets) < 0)
		goto done;
	if (store) {
		arg_key(c, 1, &k);
		stamp = kvs_tobj_tick(c, &k);
	}
	if (op == OP_UNION) {
		res = sunion(sets, n, c->eng->ks.seed, stamp);
	} else {
		if (op == OP_INTER)
			inter(sets, n, 0, &r);
		else
			sdiff(sets, n, &r);
		/* The result is copied before the destination (which may be
		 * one of the sources) is replaced. */
		if (store && r.n) {
			res = kvs_tobj_new(c->eng->ks.seed, KVS_OENC_INTSET);
			for (size_t i = 0; i < r.n; i++)
				kvs_tobj_add_new(res, r.v[i].p, r.v[i].len, "", 0, stamp);
		}
	}
	if (store) {
		store_set(c, &k, res);
	} else if (op == OP_UNION) {
		reply_members(c, res);
		kvs_tobj_free(res);
	} else {
		reply_set(c, (long long)r.n);
		for (size_t i = 0; i < r.n; i++)
			reply_bulk(c, r.v[i].p, r.v[i].len);
	}
done:
	free(r.v);
	free(sets);
}

static void sinter_cmd(struct kvs_client *c) { setop_generic(c, OP_INTER, 0); }
static void sunion_cmd(struct kvs_client *c) { setop_generic(c, OP_UNION, 0); }
static void sdiff_cmd(struct kvs_client *c) { setop_generic(c, OP_DIFF, 0); }
static void sinterstore_cmd(struct kvs_client *c) { setop_generic(c, OP_INTER, 1); }
static void sunionstore_cmd(struct kvs_client *c) { setop_generic(c, OP_UNION, 1); }
static void sdiffstore_cmd(struct kvs_client *c) { setop_generic(c, OP_DIFF, 1); }

/* SINTERCARD numkeys key [key ...] [LIMIT limit]: numkeys, or -1 if argv[1]
 * is not a usable count for this argc. */
static long long sintercard_numkeys(int argc, const struct resp_arg *argv)
{
	long long n;
	if (!kvs_str2ll(argv[1].p, argv[1].len, &n) || n <= 0)
		return -1;
	return n > argc - 2 ? -1 : n;
}

static int sintercard_keys(int argc, const struct resp_arg *argv, int *keys, int max)
{
	long long n = sintercard_numkeys(argc, argv);
	for (long long i = 0; i < n && i < max; i++)
		keys[i] = (int)(2 + i);
	return n < 0 ? 0 : (int)n;
}

static void sintercard_cmd(struct kvs_client *c)
{
	long long n, limit = 0;
	if (!kvs_str2ll(c->argv[1].p, c->argv[1].len, &n) || n <= 0) {
		reply_error(c, "ERR numkeys should be greater than 0");
		return;
	}
	if (n > c->argc - 2) {
		reply_error(c, "ERR Number of keys can't be greater than number of args");
		return;
	}
	for (int i = 2 + (int)n; i < c->argc; i++) {
		if (arg_is(c, i, "limit") && i + 1 < c->argc) {
			i++;
			if (!kvs_str2ll(c->argv[i].p, c->argv[i].len, &limit) || limit < 0) {
				reply_error(c, "ERR LIMIT can't be negative");
				return;
			}
		} else {
			reply_syntax(c);
			return;
		}
	}
	struct kvs_tobj **sets = kvs_malloc((size_t)n * sizeof *sets);
	if (open_sources(c, 2, (int)n, sets) == 0)
		reply_int(c, (long long)inter(sets, (int)n, (size_t)limit, NULL));
	free(sets);
}

static void sscan_cmd(struct kvs_client *c) { kvs_tobj_scan_cmd(c, KVS_T_SET, 0); }

#define W KVS_CMD_WRITE
#define R KVS_CMD_READONLY
#define F KVS_CMD_FAST
#define M KVS_CMD_DENYOOM
#define ONE .first_key = 1, .last_key = 1, .key_step = 1
#define ALL .first_key = 1, .last_key = -1, .key_step = 1
static struct kvs_cmd set_cmds[] = {
	{ .name = "sadd", .arity = -3, .flags = W | M | F, ONE, .fn = sadd_cmd, .group = "set", .since = "1.0.0", .summary = "Adds one or more members to a set. Creates the key if it doesn't exist." },
	{ .name = "srem", .arity = -3, .flags = W | F, ONE, .fn = srem_cmd, .group = "set", .since = "1.0.0", .summary = "Removes one or more members from a set. Deletes the set if the last member was removed." },
	{ .name = "smembers", .arity = 2, .flags = R, ONE, .fn = smembers_cmd, .group = "set", .since = "1.0.0", .summary = "Returns all members of a set." },
	{ .name = "sismember", .arity = 3, .flags = R | F, ONE, .fn = sismember_cmd, .group = "set", .since = "1.0.0", .summary = "Determines whether a member belongs to a set." },
	{ .name = "smismember", .arity = -3, .flags = R | F, ONE, .fn = smismember_cmd, .group = "set", .since = "6.2.0", .summary = "Determines whether multiple members belong to a set." },
	{ .name = "scard", .arity = 2, .flags = R | F, ONE, .fn = scard_cmd, .group = "set", .since = "1.0.0", .summary = "Returns the number of members in a set." },
	{ .name = "spop", .arity = -2, .flags = W | F | KVS_CMD_RANDOM, ONE, .fn = spop_cmd, .group = "set", .since = "1.0.0", .summary = "Returns one or more random members from a set after removing them. Deletes the set if the last member was popped." },
	{ .name = "srandmember", .arity = -2, .flags = R | KVS_CMD_RANDOM, ONE, .fn = srandmember_cmd, .group = "set", .since = "1.0.0", .summary = "Get one or multiple random members from a set" },
	{ .name = "smove", .arity = 4, .flags = W | F, .first_key = 1, .last_key = 2, .key_step = 1, .fn = smove_cmd, .group = "set", .since = "1.0.0", .summary = "Moves a member from one set to another." },
	{ .name = "sinter", .arity = -2, .flags = R, ALL, .fn = sinter_cmd, .group = "set", .since = "1.0.0", .summary = "Returns the intersect of multiple sets." },
	{ .name = "sintercard", .arity = -3, .flags = R, .fn = sintercard_cmd, .group = "set", .since = "7.0.0", .summary = "Returns the number of members of the intersect of multiple sets.", .getkeys = sintercard_keys },
	{ .name = "sunion", .arity = -2, .flags = R, ALL, .fn = sunion_cmd, .group = "set", .since = "1.0.0", .summary = "Returns the union of multiple sets." },
	{ .name = "sdiff", .arity = -2, .flags = R, ALL, .fn = sdiff_cmd, .group = "set", .since = "1.0.0", .summary = "Returns the difference of multiple sets." },
	{ .name = "sinterstore", .arity = -3, .flags = W | M, ALL, .fn = sinterstore_cmd, .group = "set", .since = "1.0.0", .summary = "Stores the intersect of multiple sets in a key." },
	{ .name = "sunionstore", .arity = -3, .flags = W | M, ALL, .fn = sunionstore_cmd, .group = "set", .since = "1.0.0", .summary = "Stores the union of multiple sets in a key." },
	{ .name = "sdiffstore", .arity = -3, .flags = W | M, ALL, .fn = sdiffstore_cmd, .group = "set", .since = "1.0.0", .summary = "Stores the difference of multiple sets in a key." },
	{ .name = "sscan", .arity = -3, .flags = R | KVS_CMD_RANDOM, ONE, .fn = sscan_cmd, .group = "set", .since = "2.8.0", .summary = "Iterates over members of a set." },
};

void kvs_register_set(void)
{
	kvs_type_ops[KVS_T_SET].free_obj = kvs_tobj_free;
	kvs_type_ops[KVS_T_SET].dup_obj = kvs_tobj_dup;
	kvs_type_ops[KVS_T_SET].mem_obj = kvs_tobj_mem;
	kvs_type_ops[KVS_T_SET].encoding = kvs_tobj_encoding;
	kvs_type_ops[KVS_T_SET].foreach = kvs_tobj_foreach;       /* SORT */
	kvs_type_ops[KVS_T_SET].save = kvs_tobj_save;             /* snapshots */
	kvs_type_ops[KVS_T_SET].load = kvs_tobj_load;
	if (kvs_cmd_register(set_cmds, sizeof set_cmds / sizeof *set_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
}
