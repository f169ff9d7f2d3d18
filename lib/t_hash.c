/*
 * t_hash.c - the hash commands (Redis 7.0 semantics and replies).
 *
 * A hash is a struct kvs_tobj (object.h): a compact array of fields while
 * small, a table of field entries beyond; every field keeps its own HLC
 * stamp.
 */
#include "config.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "object.h"
#include "util.h"

/* Look up a hash for reading; NULL if absent or on error (*err set, reply
 * sent). */
static struct kvs_tobj *hash_read(struct kvs_client *c, int *err)
{
	struct kvs_key k;
	size_t slot;
	struct kvs_entry *e = kvs_tobj_lookup(c, 1, KVS_T_HASH, 1, &k, &slot, err);
	return e ? kvs_tobj_of(e) : NULL;
}

/* A write to a hash that may not exist yet. */
struct hash_w {
	struct kvs_key k;
	size_t slot;
	struct kvs_entry *e;   /* NULL while the hash is new */
	struct kvs_tobj *o;
	uint64_t stamp;
};

/* Find or create the hash at argv[1]. Returns -1 after replying WRONGTYPE. */
static int hash_open(struct kvs_client *c, struct hash_w *w)
{
	int err;
	w->e = kvs_tobj_lookup(c, 1, KVS_T_HASH, 0, &w->k, &w->slot, &err);
	if (err)
		return -1;
	w->o = w->e ? kvs_tobj_of(w->e) : kvs_tobj_new(c->eng->ks.seed, KVS_OENC_LISTPACK);
	w->stamp = kvs_tobj_tick(c, &w->k);
	return 0;
}

/* Commit a write opened by hash_open (changed = something was written). */
static void hash_close(struct kvs_client *c, struct hash_w *w, int changed)
{
	if (w->e) {
		if (changed)
			kvs_tobj_written(c, &w->k, w->slot, w->e);
	} else if (changed && kvs_tobj_len(w->o)) {
		kvs_tobj_store(c, &w->k, w->slot, KVS_T_HASH, w->o);
	} else {
		kvs_tobj_free(w->o);
	}
}

static int hash_set_pairs(struct kvs_client *c, struct hash_w *w)
{
	int added = 0;
	for (int i = 2; i + 1 < c->argc; i += 2)
		added += kvs_tobj_set(w->o, c->argv[i].p, c->argv[i].len, c->argv[i + 1].p,
				      c->argv[i + 1].len, w->stamp);
	return added;
}

/* HSET key field value [field value ...] / HMSET (same, replies OK). */
static void hset_generic(struct kvs_client *c, int ok_reply)
{
	struct hash_w w;
	if (c->argc % 2 == 1) {
		reply_wrong_arity(c, c->cmd->name);
		return;
	}
	if (hash_open(c, &w) < 0)
		return;
	int added = hash_set_pairs(c, &w);
	hash_close(c, &w, 1);
	if (ok_reply)
		reply_ok(c);
	else
		reply_int(c, added);
}

static void hset_cmd(struct kvs_client *c) { hset_generic(c, 0); }
static void hmset_cmd(struct kvs_client *c) { hset_generic(c, 1); }

static void hsetnx_cmd(struct kvs_client *c)
{
	struct hash_w w;
	if (hash_open(c, &w) < 0)
		return;
	int fresh = !kvs_tobj_get(w.o, c->argv[2].p, c->argv[2].len, NULL, NULL);
	if (fresh)
		kvs_tobj_set(w.o, c->argv[2].p, c->argv[2].len, c->argv[3].p, c->argv[3].len, w.stamp);
	hash_close(c, &w, fresh);
	reply_int(c, fresh);
}

static void hget_cmd(struct kvs_client *c)
{
	int err;
	struct kvs_elem f;
	struct kvs_tobj *o = hash_read(c, &err);
	if (err)
		return;
	if (o && kvs_tobj_get(o, c->argv[2].p, c->argv[2].len, &f, NULL))
		reply_bulk(c, f.val, f.vlen);
	else
		reply_null(c);
}

static void hmget_cmd(struct kvs_client *c)
{
	int err;
	struct kvs_tobj *o = hash_read(c, &err);
	if (err)
		return;
	reply_array(c, c->argc - 2);
	for (int i = 2; i < c->argc; i++) {
		struct kvs_elem f;
		if (o && kvs_tobj_get(o, c->argv[i].p, c->argv[i].len, &f, NULL))
			reply_bulk(c, f.val, f.vlen);
		else
			reply_null(c);
	}
}

static void hdel_cmd(struct kvs_client *c)
{
	kvs_tobj_del_cmd(c, KVS_T_HASH);
}

static void hlen_cmd(struct kvs_client *c)
{
	int err;
	struct kvs_tobj *o = hash_read(c, &err);
	if (!err)
		reply_int(c, o ? (long long)kvs_tobj_len(o) : 0);
}

static void hstrlen_cmd(struct kvs_client *c)
{
	int err;
	struct kvs_elem f = { .vlen = 0 };
	struct kvs_tobj *o = hash_read(c, &err);
	if (err)
		return;
	if (o)
		kvs_tobj_get(o, c->argv[2].p, c->argv[2].len, &f, NULL);
	reply_int(c, (long long)f.vlen);
}

static void hexists_cmd(struct kvs_client *c)
{
	int err;
	struct kvs_tobj *o = hash_read(c, &err);
	if (!err)
		reply_int(c, o && kvs_tobj_get(o, c->argv[2].p, c->argv[2].len, NULL, NULL));
}

/* HKEYS / HVALS / HGETALL. */
enum { H_KEYS = 1, H_VALS = 2 };
static void hgetall_generic(struct kvs_client *c, int what)
{
	int err;
	struct kvs_tobj *o = hash_read(c, &err);
	if (err)
		return;
	long long n = o ? (long long)kvs_tobj_len(o) : 0;
	if (what == (H_KEYS | H_VALS))
		reply_map(c, n);
	else
		reply_array(c, n);
	if (!o)
		return;
	for (size_t i = kvs_tobj_first(o); i != KVS_TABLE_NONE; i = kvs_tobj_next(o, i)) {
		struct kvs_elem f;
		kvs_tobj_at(o, i, &f);
		if (what & H_KEYS)
			reply_bulk(c, f.name, f.nlen);
		if (what & H_VALS)
			reply_bulk(c, f.val, f.vlen);
	}
}

static void hkeys_cmd(struct kvs_client *c) { hgetall_generic(c, H_KEYS); }
static void hvals_cmd(struct kvs_client *c) { hgetall_generic(c, H_VALS); }
static void hgetall_cmd(struct kvs_client *c) { hgetall_generic(c, H_KEYS | H_VALS); }

static void hincrby_cmd(struct kvs_client *c)
{
	struct hash_w w;
	long long incr, cur = 0;
	char buf[24];
	if (arg_ll(c, 3, &incr, NULL) < 0 || hash_open(c, &w) < 0)
		return;
	struct kvs_elem f;
	if (kvs_tobj_get(w.o, c->argv[2].p, c->argv[2].len, &f, NULL)) {
		if (!kvs_str2ll(f.val, f.vlen, &cur)) {
			hash_close(c, &w, 0);
			reply_error(c, "ERR hash value is not an integer");
			return;
		}
	}
	if ((incr < 0 && cur < 0 && incr < LLONG_MIN - cur) ||
	    (incr > 0 && cur > 0 && incr > LLONG_MAX - cur)) {
		hash_close(c, &w, 0);
		reply_error(c, KVS_ERR_OVERFLOW);
		return;
	}
	cur += incr;
	int n = kvs_ll2str(buf, cur);
	kvs_tobj_set(w.o, c->argv[2].p, c->argv[2].len, buf, (size_t)n, w.stamp);
	hash_close(c, &w, 1);
	reply_int(c, cur);
}

/* Redis formats long doubles into a 5 KiB buffer (MAX_LONG_DOUBLE_CHARS). */
#define LD_BUF 5120

static void hincrbyfloat_cmd(struct kvs_client *c)
{
	struct hash_w w;
	long double incr, cur = 0;
	if (!kvs_str2ld(c->argv[3].p, c->argv[3].len, &incr)) {
		reply_error(c, KVS_ERR_NOTFLOAT);
		return;
	}
	if (isnan(incr) || isinf(incr)) {
		reply_error(c, "ERR value is NaN or Infinity");
		return;
	}
	if (hash_open(c, &w) < 0)
		return;
	struct kvs_elem f;
	if (kvs_tobj_get(w.o, c->argv[2].p, c->argv[2].len, &f, NULL)) {
		if (!kvs_str2ld(f.val, f.vlen, &cur)) {
			hash_close(c, &w, 0);
			reply_error(c, "ERR hash value is not a float");
			return;
		}
	}
	cur += incr;
	if (isnan(cur) || isinf(cur)) {
		hash_close(c, &w, 0);
		reply_error(c, "ERR increment would produce NaN or Infinity");
		return;
	}
	char *buf = kvs_malloc(LD_BUF);
	int n = kvs_ld2str(buf, LD_BUF, cur);
	if (n < 0 || n >= LD_BUF)
		n = 0;
	kvs_tobj_set(w.o, c->argv[2].p, c->argv[2].len, buf, (size_t)n, w.stamp);
	hash_close(c, &w, 1);
	reply_bulk(c, buf, (size_t)n);
	free(buf);
}

/* ---- HRANDFIELD --------------------------------------------------------- */
static void reply_field(struct kvs_client *c, const struct kvs_tobj *o, size_t pos, int withvalues)
{
	if (withvalues && c->proto > 2)
		reply_array(c, 2);
	kvs_reply_name_at(c, o, pos);
	if (withvalues)
		kvs_reply_value_at(c, o, pos);
}

static void hrandfield_count(struct kvs_client *c, long long l, int withvalues)
{
	int err;
	struct kvs_tobj *o = hash_read(c, &err);
	if (err)
		return;
	if (!o || l == 0) {
		reply_array(c, 0);
		return;
	}
	size_t size = kvs_tobj_len(o);
	unsigned long long count = l < 0 ? (unsigned long long)-l : (unsigned long long)l;
	/* RESP3 nests each pair in its own array; RESP2 flattens them. */
	int flat2 = withvalues && c->proto == 2;
	if (l < 0) {
		size_t *idx = kvs_tobj_draw_index(o);
		reply_array(c, (long long)(flat2 ? count * 2 : count));
		for (unsigned long long i = 0; i < count; i++)
			reply_field(c, o, kvs_tobj_draw(o, c->eng->env, idx), withvalues);
		free(idx);
		return;
	}
	if (count >= size) {
		reply_array(c, (long long)(flat2 ? size * 2 : size));
		for (size_t i = kvs_tobj_first(o); i != KVS_TABLE_NONE; i = kvs_tobj_next(o, i))
			reply_field(c, o, i, withvalues);
		return;
	}
	size_t *slots = kvs_malloc((size_t)count * sizeof *slots);
	kvs_tobj_sample(o, c->eng->env, (size_t)count, slots);
	reply_array(c, (long long)(flat2 ? count * 2 : count));
	for (size_t i = 0; i < count; i++)
		reply_field(c, o, slots[i], withvalues);
	free(slots);
}

static void hrandfield_cmd(struct kvs_client *c)
{
	long long l;
	if (c->argc == 2) {
		int err;
		struct kvs_tobj *o = hash_read(c, &err);
		if (err)
			return;
		if (!o)
			reply_null(c);
		else
			kvs_reply_name_at(c, o, kvs_tobj_random_slot(o, c->eng->env));
		return;
	}
	if (arg_ll(c, 2, &l, NULL) < 0)
		return;
	if (l == LLONG_MIN) {
		reply_errorf(c, "ERR value is out of range, value must between %lld and %lld", -LLONG_MAX,
			     LLONG_MAX);
		return;
	}
	if (c->argc > 4 || (c->argc == 4 && !arg_is(c, 3, "withvalues"))) {
		reply_syntax(c);
		return;
	}
	/* With values the reply has twice the elements: keep 2*count finite. */
	if (c->argc == 4 && (l < -LLONG_MAX / 2 || l > LLONG_MAX / 2)) {
		reply_error(c, "ERR value is out of range");
		return;
	}
	hrandfield_count(c, l, c->argc == 4);
}

static void hscan_cmd(struct kvs_client *c) { kvs_tobj_scan_cmd(c, KVS_T_HASH, 1); }

#define W KVS_CMD_WRITE
#define R KVS_CMD_READONLY
#define F KVS_CMD_FAST
#define M KVS_CMD_DENYOOM
static struct kvs_cmd hash_cmds[] = {
	{ .name = "hset", .arity = -4, .flags = W | M | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hset_cmd, .group = "hash", .since = "2.0.0", .summary = "Creates or modifies the value of a field in a hash." },
	{ .name = "hsetnx", .arity = 4, .flags = W | M | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hsetnx_cmd, .group = "hash", .since = "2.0.0", .summary = "Sets the value of a field in a hash only when the field doesn't exist." },
	{ .name = "hmset", .arity = -4, .flags = W | M | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hmset_cmd, .group = "hash", .since = "2.0.0", .summary = "Sets the values of multiple fields." },
	{ .name = "hget", .arity = 3, .flags = R | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hget_cmd, .group = "hash", .since = "2.0.0", .summary = "Returns the value of a field in a hash." },
	{ .name = "hmget", .arity = -3, .flags = R | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hmget_cmd, .group = "hash", .since = "2.0.0", .summary = "Returns the values of all fields in a hash." },
	{ .name = "hdel", .arity = -3, .flags = W | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hdel_cmd, .group = "hash", .since = "2.0.0", .summary = "Deletes one or more fields and their values from a hash. Deletes the hash if no fields remain." },
	{ .name = "hlen", .arity = 2, .flags = R | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hlen_cmd, .group = "hash", .since = "2.0.0", .summary = "Returns the number of fields in a hash." },
	{ .name = "hstrlen", .arity = 3, .flags = R | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hstrlen_cmd, .group = "hash", .since = "3.2.0", .summary = "Returns the length of the value of a field." },
	{ .name = "hexists", .arity = 3, .flags = R | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hexists_cmd, .group = "hash", .since = "2.0.0", .summary = "Determines whether a field exists in a hash." },
	{ .name = "hkeys", .arity = 2, .flags = R, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hkeys_cmd, .group = "hash", .since = "2.0.0", .summary = "Returns all fields in a hash." },
	{ .name = "hvals", .arity = 2, .flags = R, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hvals_cmd, .group = "hash", .since = "2.0.0", .summary = "Returns all values in a hash." },
	{ .name = "hgetall", .arity = 2, .flags = R, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hgetall_cmd, .group = "hash", .since = "2.0.0", .summary = "Returns all fields and values in a hash." },
	{ .name = "hincrby", .arity = 4, .flags = W | M | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hincrby_cmd, .group = "hash", .since = "2.0.0", .summary = "Increments the integer value of a field in a hash by a number. Uses 0 as initial value if the field doesn't exist." },
	{ .name = "hincrbyfloat", .arity = 4, .flags = W | M | F, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hincrbyfloat_cmd, .group = "hash", .since = "2.6.0", .summary = "Increments the floating point value of a field by a number. Uses 0 as initial value if the field doesn't exist." },
	{ .name = "hrandfield", .arity = -2, .flags = R | KVS_CMD_RANDOM, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hrandfield_cmd, .group = "hash", .since = "6.2.0", .summary = "Returns one or more random fields from a hash." },
	{ .name = "hscan", .arity = -3, .flags = R | KVS_CMD_RANDOM, .first_key = 1, .last_key = 1, .key_step = 1, .fn = hscan_cmd, .group = "hash", .since = "2.8.0", .summary = "Iterates over fields and values of a hash." },
};

void kvs_register_hash(void)
{
	kvs_type_ops[KVS_T_HASH].free_obj = kvs_tobj_free;
	kvs_type_ops[KVS_T_HASH].dup_obj = kvs_tobj_dup;
	kvs_type_ops[KVS_T_HASH].mem_obj = kvs_tobj_mem;
	kvs_type_ops[KVS_T_HASH].encoding = kvs_tobj_encoding;
	kvs_type_ops[KVS_T_HASH].field_get = kvs_tobj_field_get;  /* SORT BY/GET key->field */
	kvs_type_ops[KVS_T_HASH].save = kvs_tobj_save;            /* snapshots */
	kvs_type_ops[KVS_T_HASH].load = kvs_tobj_load;
	if (kvs_cmd_register(hash_cmds, sizeof hash_cmds / sizeof *hash_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
}
