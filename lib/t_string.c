/*
 * t_string.c - the string commands (GET, SET, INCR, APPEND, ...).
 *
 * Semantics, reply types and error texts follow Redis 7.0 (t_string.c
 * there). Values are stored as the raw bytes inside the entry (entry.h);
 * replies are copied straight from them. Writes that keep the value's
 * length (SET of a same-size value, INCR 10 -> 11) overwrite the bytes in
 * place and report through ks_written; everything else goes through
 * ks_put / ks_set_expire / ks_delete_at.
 *
 * The shard locks of every key argument are held by kvs_call when a
 * handler runs, so entry pointers and slot indexes stay valid for the whole
 * handler (except that ks_put of an absent key may invalidate other slot
 * indexes of the same table, so multi-key writers look each key up just
 * before writing it).
 */
#include "config.h"
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "commands.h"
#include "entry.h"
#include "util.h"

#define ERR_MAXLEN "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

/* Room for "%.17Lf" of the largest long double (4933 integer digits). */
#define LD_STR_CAP 5120

/* ---- lookups ----------------------------------------------------------- */

/* A lookup for reading: counts a keyspace hit or miss, as Redis's
 * lookupKeyRead does (write lookups do not count). */


static inline int is_str(const struct kvs_entry *e) { return e->type == KVS_T_STRING; }

static void reply_str(struct kvs_client *c, const struct kvs_entry *e)
{
	size_t n;
	const char *p = kvs_entry_str(e, &n);
	reply_bulk(c, p, n);
}

/* Whether a string of a + b bytes is allowed (Redis's checkStringLength). */
static int fits(const struct kvs_client *c, unsigned long long a, unsigned long long b)
{
	long long max = c->eng->proto_max_bulk_len;
	return max >= 0 && a <= (unsigned long long)max && b <= (unsigned long long)max - a;
}

/* ---- writes ------------------------------------------------------------ */

/* Make key's value the string val with deadline `when` (0: no TTL). old is
 * the live entry at slot, or NULL. An old string of the same length whose
 * TTL presence does not change is rewritten in place. */
static void store_str(struct kvs_client *c, const struct kvs_key *k, size_t slot,
		      struct kvs_entry *old, const void *val, size_t vlen, uint64_t when)
{
	struct kvs_keyspace *ks = &c->eng->ks;
	if (old && is_str(old) && kvs_entry_has_expire(old) == (when != 0)) {
		size_t olen;
		char *p = (char *)kvs_entry_str(old, &olen);
		if (olen == vlen) {
			if (vlen)
				memcpy(p, val, vlen);
			/* TTL presence is unchanged: this only rewrites 8 bytes. */
			old = kvs_entry_set_expire(old, when);
			ks_written(ks, c->db, k, slot, old, c->now);
			return;
		}
	}
	ks_put(ks, c->db, k, old ? slot : KVS_TABLE_NONE,
	       kvs_entry_new_str(k->p, k->len, val, vlen, when), c->now);
}

/* Replace the value of key (keeping its TTL) by val: INCR, INCRBYFLOAT.
 * e is the live string at slot, or NULL to create the key. */
static void replace_str(struct kvs_client *c, const struct kvs_key *k, size_t slot,
			struct kvs_entry *e, const char *val, size_t vlen)
{
	size_t olen;
	char *p;
	if (!e) {
		ks_put(&c->eng->ks, c->db, k, KVS_TABLE_NONE,
		       kvs_entry_new_str(k->p, k->len, val, vlen, 0), c->now);
		return;
	}
	p = (char *)kvs_entry_str(e, &olen);
	if (olen != vlen) {
		e = kvs_entry_resize_str(e, vlen);
		p = (char *)kvs_entry_str(e, &olen);
	}
	memcpy(p, val, vlen);
	ks_written(&c->eng->ks, c->db, k, slot, e, c->now);
}

/* ---- SET and friends ---------------------------------------------------- */

/* Options of SET and GETEX, as Redis's parseExtendedStringArguments. */
#define O_NX      0x001u
#define O_XX      0x002u
#define O_GET     0x004u
#define O_KEEPTTL 0x008u
#define O_PERSIST 0x010u
#define O_EX      0x020u
#define O_PX      0x040u
#define O_EXAT    0x080u
#define O_PXAT    0x100u
#define O_EXPIRES (O_EX | O_PX | O_EXAT | O_PXAT)

enum { FOR_SET = 1, FOR_GETEX = 2 };

static const struct str_opt {
	const char *name;
	unsigned flag, conflicts;
	int cmds;      /* FOR_SET | FOR_GETEX */
} str_opts[] = {
	{ "nx", O_NX, O_XX, FOR_SET },
	{ "xx", O_XX, O_NX, FOR_SET },
	{ "get", O_GET, 0, FOR_SET },
	{ "keepttl", O_KEEPTTL, O_PERSIST | O_EXPIRES, FOR_SET },
	{ "persist", O_PERSIST, O_KEEPTTL | O_EXPIRES, FOR_GETEX },
	{ "ex", O_EX, O_KEEPTTL | O_PERSIST | (O_EXPIRES & ~O_EX), FOR_SET | FOR_GETEX },
	{ "px", O_PX, O_KEEPTTL | O_PERSIST | (O_EXPIRES & ~O_PX), FOR_SET | FOR_GETEX },
	{ "exat", O_EXAT, O_KEEPTTL | O_PERSIST | (O_EXPIRES & ~O_EXAT), FOR_SET | FOR_GETEX },
	{ "pxat", O_PXAT, O_KEEPTTL | O_PERSIST | (O_EXPIRES & ~O_PXAT), FOR_SET | FOR_GETEX },
};

struct set_args {
	unsigned flags;
	int expire_arg;   /* argv index of the EX/PX/EXAT/PXAT value, or 0 */
};

/* Parse argv[first..] into *a. Like Redis, a repeated option is accepted
 * (the last value wins) and an expire option with no value after it is a
 * syntax error. Replies and returns -1 on error. */
static int parse_set_args(struct kvs_client *c, int first, int cmd, struct set_args *a)
{
	a->flags = 0;
	a->expire_arg = 0;
	for (int j = first; j < c->argc; j++) {
		const struct str_opt *o = NULL;
		for (size_t i = 0; i < sizeof str_opts / sizeof *str_opts; i++) {
			if ((str_opts[i].cmds & cmd) && arg_is(c, j, str_opts[i].name)) {
				o = &str_opts[i];
				break;
			}
		}
		if (!o || (a->flags & o->conflicts) || ((o->flag & O_EXPIRES) && j + 1 == c->argc)) {
			reply_syntax(c);
			return -1;
		}
		a->flags |= o->flag;
		if (o->flag & O_EXPIRES)
			a->expire_arg = ++j;
	}
	return 0;
}

/* The absolute deadline (ms) of an expire option, with Redis's checks
 * (getExpireMillisecondsOrReply): the value must be > 0 and the result
 * must not overflow. Replies and returns -1 on error. */
static int set_deadline(struct kvs_client *c, const struct set_args *a, uint64_t *when)
{
	long long v;
	int secs = (a->flags & (O_EX | O_EXAT)) != 0;
	if (arg_ll(c, a->expire_arg, &v, NULL) < 0)
		return -1;
	if (v <= 0 || (secs && v > LLONG_MAX / 1000))
		goto bad;
	if (secs)
		v *= 1000;
	if (a->flags & (O_EX | O_PX)) {
		if ((unsigned long long)v > (unsigned long long)LLONG_MAX - c->now)
			goto bad;
		v += (long long)c->now;
	}
	*when = (uint64_t)v;
	return 0;
bad:
	reply_errorf(c, KVS_ERR_EXPIRE, c->cmd->name);
	return -1;
}

/* Redis's setGenericCommand once the arguments are parsed: argv[1] is the
 * key, argv[vi] the value. With O_GET the old value (or nil) is replied
 * first. Returns 1 if the key was written, 0 if NX/XX vetoed it, -1 if
 * O_GET met a non-string (WRONGTYPE replied, nothing written). */
static int set_generic(struct kvs_client *c, unsigned flags, int vi, uint64_t when)
{
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE;
	struct kvs_entry *e;
	arg_key(c, 1, &k);
	if (flags & O_GET) {
		e = kvs_lookup_read(c, &k, &slot);
		if (e && !is_str(e)) {
			reply_wrongtype(c);
			return -1;
		}
		if (e)
			reply_str(c, e);
		else
			reply_null(c);
	} else {
		e = kvs_lookup_write(c, &k, &slot);
	}
	if (((flags & O_NX) && e) || ((flags & O_XX) && !e))
		return 0;
	if ((flags & O_KEEPTTL) && e)
		when = kvs_entry_expire(e);
	store_str(c, &k, slot, e, c->argv[vi].p, c->argv[vi].len, when);
	return 1;
}

static void cmd_set(struct kvs_client *c)
{
	struct set_args a;
	uint64_t when = 0;
	int r;
	if (parse_set_args(c, 3, FOR_SET, &a) < 0)
		return;
	if (a.expire_arg && set_deadline(c, &a, &when) < 0)
		return;
	r = set_generic(c, a.flags, 2, when);
	if (r < 0 || (a.flags & O_GET))
		return;
	if (r)
		reply_ok(c);
	else
		reply_null(c);
}

static void cmd_setnx(struct kvs_client *c)
{
	reply_int(c, set_generic(c, O_NX, 2, 0));
}

/* SETEX / PSETEX key ttl value */
static void setex_generic(struct kvs_client *c, unsigned unit)
{
	struct set_args a = { unit, 2 };
	uint64_t when;
	if (set_deadline(c, &a, &when) < 0)
		return;
	set_generic(c, 0, 3, when);
	reply_ok(c);
}

static void cmd_setex(struct kvs_client *c) { setex_generic(c, O_EX); }
static void cmd_psetex(struct kvs_client *c) { setex_generic(c, O_PX); }

static void cmd_getset(struct kvs_client *c)
{
	set_generic(c, O_GET, 2, 0);
}

/* MSET and MSETNX take key/value pairs; an unpaired key is an arity error
 * in Redis too, reported by the handler. */
static int check_pairs(struct kvs_client *c)
{
	if (c->argc % 2 == 0) {
		reply_wrong_arity(c, c->cmd->name);
		return -1;
	}
	return 0;
}

static void mset_all(struct kvs_client *c)
{
	for (int j = 1; j + 1 < c->argc; j += 2) {
		struct kvs_key k;
		size_t slot = KVS_TABLE_NONE;
		arg_key(c, j, &k);
		struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
		store_str(c, &k, slot, e, c->argv[j + 1].p, c->argv[j + 1].len, 0);
	}
}

static void cmd_mset(struct kvs_client *c)
{
	if (check_pairs(c) < 0)
		return;
	mset_all(c);
	reply_ok(c);
}

static void cmd_msetnx(struct kvs_client *c)
{
	if (check_pairs(c) < 0)
		return;
	for (int j = 1; j < c->argc; j += 2) {
		struct kvs_key k;
		arg_key(c, j, &k);
		if (kvs_lookup_write(c, &k, NULL)) {
			reply_int(c, 0);
			return;
		}
	}
	mset_all(c);
	reply_int(c, 1);
}

/* ---- reads -------------------------------------------------------------- */

static void cmd_get(struct kvs_client *c)
{
	struct kvs_key k;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e)
		reply_null(c);
	else if (!is_str(e))
		reply_wrongtype(c);
	else
		reply_str(c, e);
}

static void cmd_mget(struct kvs_client *c)
{
	reply_array(c, c->argc - 1);
	for (int j = 1; j < c->argc; j++) {
		struct kvs_key k;
		arg_key(c, j, &k);
		struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
		if (e && is_str(e))
			reply_str(c, e);
		else
			reply_null(c);
	}
}

static void cmd_getdel(struct kvs_client *c)
{
	struct kvs_key k;
	size_t slot;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, &slot);
	if (!e) {
		reply_null(c);
		return;
	}
	if (!is_str(e)) {
		reply_wrongtype(c);
		return;
	}
	reply_str(c, e);
	ks_delete_at(&c->eng->ks, c->db, &k, slot, KVS_CHG_DELETE, c->now);
}

static void cmd_getex(struct kvs_client *c)
{
	struct set_args a;
	struct kvs_key k;
	size_t slot;
	uint64_t when = 0;
	struct kvs_keyspace *ks = &c->eng->ks;
	if (parse_set_args(c, 2, FOR_GETEX, &a) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, &slot);
	/* Redis checks existence and type before the expire value. */
	if (!e) {
		reply_null(c);
		return;
	}
	if (!is_str(e)) {
		reply_wrongtype(c);
		return;
	}
	if (a.expire_arg && set_deadline(c, &a, &when) < 0)
		return;
	reply_str(c, e);
	if ((a.flags & (O_EXAT | O_PXAT)) && when <= c->now)
		ks_delete_at(ks, c->db, &k, slot, KVS_CHG_DELETE, c->now);
	else if (a.expire_arg)
		ks_set_expire(ks, c->db, &k, slot, when, c->now);
	else if ((a.flags & O_PERSIST) && kvs_entry_has_expire(e))
		ks_set_expire(ks, c->db, &k, slot, 0, c->now);
}

static void cmd_strlen(struct kvs_client *c)
{
	struct kvs_key k;
	size_t n;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (!is_str(e)) {
		reply_wrongtype(c);
		return;
	}
	kvs_entry_str(e, &n);
	reply_int(c, (long long)n);
}

/* GETRANGE / SUBSTR key start end: inclusive, negative counts from the end,
 * clamped to the string (Redis's getrangeCommand). */
static void cmd_getrange(struct kvs_client *c)
{
	long long start, end, len;
	struct kvs_key k;
	size_t n;
	if (arg_ll(c, 2, &start, NULL) < 0 || arg_ll(c, 3, &end, NULL) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		reply_bulk(c, "", 0);
		return;
	}
	if (!is_str(e)) {
		reply_wrongtype(c);
		return;
	}
	const char *p = kvs_entry_str(e, &n);
	len = (long long)n;
	if (start < 0 && end < 0 && start > end) {
		reply_bulk(c, "", 0);
		return;
	}
	if (start < 0)
		start += len;
	if (end < 0)
		end += len;
	if (start < 0)
		start = 0;
	if (end < 0)
		end = 0;
	if (end >= len)
		end = len - 1;
	if (start > end || len == 0)
		reply_bulk(c, "", 0);
	else
		reply_bulk(c, p + start, (size_t)(end - start + 1));
}

/* ---- in-place updates --------------------------------------------------- */

static void cmd_append(struct kvs_client *c)
{
	struct kvs_key k;
	size_t slot, olen;
	const struct resp_arg *v = &c->argv[2];
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (!e) {
		store_str(c, &k, KVS_TABLE_NONE, NULL, v->p, v->len, 0);
		reply_int(c, (long long)v->len);
		return;
	}
	if (!is_str(e)) {
		reply_wrongtype(c);
		return;
	}
	kvs_entry_str(e, &olen);
	if (!fits(c, olen, v->len)) {
		reply_error(c, ERR_MAXLEN);
		return;
	}
	e = kvs_entry_resize_str(e, olen + v->len);
	if (v->len)
		memcpy((char *)kvs_entry_str(e, &olen) + olen - v->len, v->p, v->len);
	ks_written(&c->eng->ks, c->db, &k, slot, e, c->now);
	reply_int(c, (long long)olen);
}

static void cmd_setrange(struct kvs_client *c)
{
	long long off;
	struct kvs_key k;
	size_t slot, olen;
	const struct resp_arg *v = &c->argv[3];
	if (arg_ll(c, 2, &off, NULL) < 0)
		return;
	if (off < 0) {
		reply_error(c, "ERR offset is out of range");
		return;
	}
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (e && !is_str(e)) {
		reply_wrongtype(c);
		return;
	}
	olen = 0;
	if (e)
		kvs_entry_str(e, &olen);
	if (v->len == 0) {    /* nothing to write: just the current length */
		reply_int(c, (long long)olen);
		return;
	}
	if (!fits(c, (unsigned long long)off, v->len)) {
		reply_error(c, ERR_MAXLEN);
		return;
	}
	size_t need = (size_t)off + v->len;
	if (!e) {
		e = kvs_entry_new_str_uninit(k.p, k.len, need, 0);
		char *p = (char *)kvs_entry_str(e, &olen);
		memset(p, 0, (size_t)off);
		memcpy(p + off, v->p, v->len);
		ks_put(&c->eng->ks, c->db, &k, KVS_TABLE_NONE, e, c->now);
		reply_int(c, (long long)need);
		return;
	}
	if (need > olen)
		e = kvs_entry_resize_str(e, need);
	char *p = (char *)kvs_entry_str(e, &olen);
	memcpy(p + off, v->p, v->len);
	ks_written(&c->eng->ks, c->db, &k, slot, e, c->now);
	reply_int(c, (long long)olen);
}

/* INCR family: the value must parse as Redis's string2ll; the result keeps
 * the key's TTL. This is the hot path of counters, so it formats into a
 * stack buffer and rewrites the entry in place when the width is
 * unchanged. */
static void incr_by(struct kvs_client *c, long long incr)
{
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE, olen;
	long long v = 0;
	char buf[32];
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (e) {
		if (!is_str(e)) {
			reply_wrongtype(c);
			return;
		}
		const char *p = kvs_entry_str(e, &olen);
		if (!kvs_str2ll(p, olen, &v)) {
			reply_error(c, KVS_ERR_NOTINT);
			return;
		}
	}
	if ((incr < 0 && v < 0 && incr < LLONG_MIN - v) ||
	    (incr > 0 && v > 0 && incr > LLONG_MAX - v)) {
		reply_error(c, KVS_ERR_OVERFLOW);
		return;
	}
	v += incr;
	replace_str(c, &k, slot, e, buf, (size_t)kvs_ll2str(buf, v));
	reply_int(c, v);
}

static void cmd_incr(struct kvs_client *c) { incr_by(c, 1); }
static void cmd_decr(struct kvs_client *c) { incr_by(c, -1); }

static void cmd_incrby(struct kvs_client *c)
{
	long long incr;
	if (arg_ll(c, 2, &incr, NULL) == 0)
		incr_by(c, incr);
}

static void cmd_decrby(struct kvs_client *c)
{
	long long incr;
	if (arg_ll(c, 2, &incr, NULL) < 0)
		return;
	if (incr == LLONG_MIN) {    /* -incr would overflow */
		reply_error(c, "ERR decrement would overflow");
		return;
	}
	incr_by(c, -incr);
}

static void cmd_incrbyfloat(struct kvs_client *c)
{
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE, olen;
	long double v = 0, incr;
	char buf[LD_STR_CAP];
	int n;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (e && !is_str(e)) {
		reply_wrongtype(c);
		return;
	}
	const char *p = e ? kvs_entry_str(e, &olen) : NULL;
	if ((p && !kvs_str2ld(p, olen, &v)) || !kvs_str2ld(c->argv[2].p, c->argv[2].len, &incr)) {
		reply_error(c, KVS_ERR_NOTFLOAT);
		return;
	}
	v += incr;
	if (isnan(v) || isinf(v)) {
		reply_error(c, "ERR increment would produce NaN or Infinity");
		return;
	}
	n = kvs_ld2str(buf, sizeof buf, v);
	if (n <= 0 || (size_t)n >= sizeof buf) {    /* cannot happen for finite v */
		reply_error(c, KVS_ERR_NOTFLOAT);
		return;
	}
	replace_str(c, &k, slot, e, buf, (size_t)n);
	reply_bulk(c, buf, (size_t)n);
}

/* ---- the table ---------------------------------------------------------- */

#define W  KVS_CMD_WRITE
#define R  KVS_CMD_READONLY
#define M  KVS_CMD_DENYOOM
#define F  KVS_CMD_FAST
#define KEY1 .first_key = 1, .last_key = 1, .key_step = 1

static struct kvs_cmd string_cmds[] = {
	{ .name = "get", .arity = 2, .flags = R | F, KEY1, .fn = cmd_get, .group = "string",
	  .since = "1.0.0", .summary = "Get the value of a key" },
	{ .name = "set", .arity = -3, .flags = W | M, KEY1, .fn = cmd_set, .group = "string",
	  .since = "1.0.0", .summary = "Set the string value of a key" },
	{ .name = "setnx", .arity = 3, .flags = W | M | F, KEY1, .fn = cmd_setnx, .group = "string",
	  .since = "1.0.0", .summary = "Set the value of a key, only if the key does not exist" },
	{ .name = "setex", .arity = 4, .flags = W | M, KEY1, .fn = cmd_setex, .group = "string",
	  .since = "2.0.0", .summary = "Set the value and expiration of a key" },
	{ .name = "psetex", .arity = 4, .flags = W | M, KEY1, .fn = cmd_psetex, .group = "string",
	  .since = "2.6.0", .summary = "Set the value and expiration in milliseconds of a key" },
	{ .name = "getset", .arity = 3, .flags = W | M | F, KEY1, .fn = cmd_getset, .group = "string",
	  .since = "1.0.0", .summary = "Set the string value of a key and return its old value" },
	{ .name = "getdel", .arity = 2, .flags = W | F, KEY1, .fn = cmd_getdel, .group = "string",
	  .since = "6.2.0", .summary = "Get the value of a key and delete the key" },
	{ .name = "getex", .arity = -2, .flags = W | F, KEY1, .fn = cmd_getex, .group = "string",
	  .since = "6.2.0", .summary = "Get the value of a key and optionally set its expiration" },
	{ .name = "mget", .arity = -2, .flags = R | F, .first_key = 1, .last_key = -1, .key_step = 1,
	  .fn = cmd_mget, .group = "string", .since = "1.0.0",
	  .summary = "Get the values of all the given keys" },
	{ .name = "mset", .arity = -3, .flags = W | M, .first_key = 1, .last_key = -1, .key_step = 2,
	  .fn = cmd_mset, .group = "string", .since = "1.0.1",
	  .summary = "Set multiple keys to multiple values" },
	{ .name = "msetnx", .arity = -3, .flags = W | M, .first_key = 1, .last_key = -1, .key_step = 2,
	  .fn = cmd_msetnx, .group = "string", .since = "1.0.1",
	  .summary = "Set multiple keys to multiple values, only if none of the keys exist" },
	{ .name = "append", .arity = 3, .flags = W | M | F, KEY1, .fn = cmd_append, .group = "string",
	  .since = "2.0.0", .summary = "Append a value to a key" },
	{ .name = "strlen", .arity = 2, .flags = R | F, KEY1, .fn = cmd_strlen, .group = "string",
	  .since = "2.2.0", .summary = "Get the length of the value stored in a key" },
	{ .name = "getrange", .arity = 4, .flags = R, KEY1, .fn = cmd_getrange, .group = "string",
	  .since = "2.4.0", .summary = "Get a substring of the string stored at a key" },
	{ .name = "substr", .arity = 4, .flags = R, KEY1, .fn = cmd_getrange, .group = "string",
	  .since = "1.0.0", .summary = "Get a substring of the string stored at a key" },
	{ .name = "setrange", .arity = 4, .flags = W | M, KEY1, .fn = cmd_setrange, .group = "string",
	  .since = "2.2.0", .summary = "Overwrite part of a string at key starting at the specified offset" },
	{ .name = "incr", .arity = 2, .flags = W | M | F, KEY1, .fn = cmd_incr, .group = "string",
	  .since = "1.0.0", .summary = "Increment the integer value of a key by one" },
	{ .name = "decr", .arity = 2, .flags = W | M | F, KEY1, .fn = cmd_decr, .group = "string",
	  .since = "1.0.0", .summary = "Decrement the integer value of a key by one" },
	{ .name = "incrby", .arity = 3, .flags = W | M | F, KEY1, .fn = cmd_incrby, .group = "string",
	  .since = "1.0.0", .summary = "Increment the integer value of a key by the given amount" },
	{ .name = "decrby", .arity = 3, .flags = W | M | F, KEY1, .fn = cmd_decrby, .group = "string",
	  .since = "1.0.0", .summary = "Decrement the integer value of a key by the given number" },
	{ .name = "incrbyfloat", .arity = 3, .flags = W | M | F, KEY1, .fn = cmd_incrbyfloat,
	  .group = "string", .since = "2.6.0",
	  .summary = "Increment the float value of a key by the given amount" },
};

void kvs_register_string(void)
{
	if (kvs_cmd_register(string_cmds, sizeof string_cmds / sizeof *string_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
}
