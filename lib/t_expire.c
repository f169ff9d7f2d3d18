/*
 * t_expire.c - key TTL commands: EXPIRE family, TTL family, PERSIST, TOUCH.
 *
 * Deadlines are absolute ms since the epoch (keyspace.h, DESIGN.md 4);
 * relative forms add c->now, the command's time. Semantics and error texts
 * follow Redis 7.0's expire.c. A deadline at or before now deletes the key
 * at once (Redis's checkAlreadyExpired), recorded as a delete.
 */
#include "config.h"
#include <limits.h>
#include <stdlib.h>
#include "cmd.h"
#include "commands.h"
#include "entry.h"

/* A lookup for reading: counts a keyspace hit or miss like Redis's
 * lookupKeyRead (TTL, EXPIRETIME and TOUCH are reads there). */

#define X_NX 0x1u
#define X_XX 0x2u
#define X_GT 0x4u
#define X_LT 0x8u

/* NX | XX | GT | LT after the time argument. Replies and returns -1 on an
 * unknown option or a forbidden combination. */
static int parse_expire_flags(struct kvs_client *c, unsigned *flags)
{
	static const struct { const char *name; unsigned flag; } opts[] = {
		{ "nx", X_NX }, { "xx", X_XX }, { "gt", X_GT }, { "lt", X_LT },
	};
	*flags = 0;
	for (int j = 3; j < c->argc; j++) {
		size_t i;
		for (i = 0; i < sizeof opts / sizeof *opts; i++)
			if (arg_is(c, j, opts[i].name))
				break;
		if (i == sizeof opts / sizeof *opts) {
			reply_errorf(c, "ERR Unsupported option %.*s", (int)c->argv[j].len, c->argv[j].p);
			return -1;
		}
		*flags |= opts[i].flag;
	}
	if ((*flags & X_NX) && (*flags & (X_XX | X_GT | X_LT))) {
		reply_error(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
		return -1;
	}
	if ((*flags & X_GT) && (*flags & X_LT)) {
		reply_error(c, "ERR GT and LT options at the same time are not compatible");
		return -1;
	}
	return 0;
}

/* Whether the NX/XX/GT/LT condition lets a key with deadline cur (0: none)
 * take the deadline `when`. No TTL counts as infinite, as in Redis. */
static int expire_allowed(unsigned flags, uint64_t cur, long long when)
{
	if ((flags & X_NX) && cur)
		return 0;
	if ((flags & X_XX) && !cur)
		return 0;
	if ((flags & X_GT) && (!cur || when <= (long long)cur))
		return 0;
	if ((flags & X_LT) && cur && when >= (long long)cur)
		return 0;
	return 1;
}

/* EXPIRE key time [NX|XX|GT|LT]: base is added to the time (now for the
 * relative forms, 0 for the *AT forms); secs says it is in seconds. */
static void expire_generic(struct kvs_client *c, long long base, int secs)
{
	unsigned flags;
	long long when;
	struct kvs_key k;
	size_t slot;
	struct kvs_keyspace *ks = &c->eng->ks;
	if (parse_expire_flags(c, &flags) < 0 || arg_ll(c, 2, &when, NULL) < 0)
		return;
	/* Negative times are allowed (they delete the key); only an
	 * overflow of the unit conversion or the addition is an error. */
	if (secs && (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000))
		goto bad;
	if (secs)
		when *= 1000;
	if (when > LLONG_MAX - base)
		goto bad;
	when += base;
	arg_key(c, 1, &k);
	struct kvs_entry *e = ks_find(ks, c->db, &k, c->now, &slot);
	if (!e || !expire_allowed(flags, kvs_entry_expire(e), when)) {
		reply_int(c, 0);
		return;
	}
	if (when <= (long long)c->now)
		ks_delete_at(ks, c->db, &k, slot, KVS_CHG_DELETE, c->now);
	else
		ks_set_expire(ks, c->db, &k, slot, (uint64_t)when, c->now);
	reply_int(c, 1);
	return;
bad:
	reply_errorf(c, KVS_ERR_EXPIRE, c->cmd->name);
}

static void cmd_expire(struct kvs_client *c) { expire_generic(c, (long long)c->now, 1); }
static void cmd_pexpire(struct kvs_client *c) { expire_generic(c, (long long)c->now, 0); }
static void cmd_expireat(struct kvs_client *c) { expire_generic(c, 0, 1); }
static void cmd_pexpireat(struct kvs_client *c) { expire_generic(c, 0, 0); }

/* TTL family: -2 no key, -1 no deadline; seconds are rounded to nearest
 * like Redis ((ms + 500) / 1000). abs: the deadline itself (EXPIRETIME). */
static void ttl_generic(struct kvs_client *c, int ms, int abs)
{
	struct kvs_key k;
	long long t;
	arg_key(c, 1, &k);
	k.notouch = 1; /* Redis: reading a TTL is not an access */
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		reply_int(c, -2);
		return;
	}
	if (!kvs_entry_has_expire(e)) {
		reply_int(c, -1);
		return;
	}
	t = (long long)kvs_entry_expire(e);
	if (!abs)
		t -= (long long)c->now;
	if (t < 0)
		t = 0;
	/* t / 1000 rounded half up, without the overflow of (t + 500) for a
	 * deadline near LLONG_MAX. */
	reply_int(c, ms ? t : t / 1000 + (t % 1000 >= 500));
}

static void cmd_ttl(struct kvs_client *c) { ttl_generic(c, 0, 0); }
static void cmd_pttl(struct kvs_client *c) { ttl_generic(c, 1, 0); }
static void cmd_expiretime(struct kvs_client *c) { ttl_generic(c, 0, 1); }
static void cmd_pexpiretime(struct kvs_client *c) { ttl_generic(c, 1, 1); }

static void cmd_persist(struct kvs_client *c)
{
	struct kvs_key k;
	size_t slot;
	arg_key(c, 1, &k);
	struct kvs_entry *e = ks_find(&c->eng->ks, c->db, &k, c->now, &slot);
	if (!e || !kvs_entry_has_expire(e)) {
		reply_int(c, 0);
		return;
	}
	ks_set_expire(&c->eng->ks, c->db, &k, slot, 0, c->now);
	reply_int(c, 1);
}

static void cmd_touch(struct kvs_client *c)
{
	long long n = 0;
	for (int j = 1; j < c->argc; j++) {
		struct kvs_key k;
		arg_key(c, j, &k);
		if (kvs_lookup_read(c, &k, NULL))
			n++;
	}
	reply_int(c, n);
}

#define W  KVS_CMD_WRITE
#define R  KVS_CMD_READONLY
#define F  KVS_CMD_FAST
#define KEY1 .first_key = 1, .last_key = 1, .key_step = 1

static struct kvs_cmd expire_cmds[] = {
	{ .name = "expire", .arity = -3, .flags = W | F, KEY1, .fn = cmd_expire, .group = "generic",
	  .since = "1.0.0", .summary = "Set a key's time to live in seconds" },
	{ .name = "pexpire", .arity = -3, .flags = W | F, KEY1, .fn = cmd_pexpire, .group = "generic",
	  .since = "2.6.0", .summary = "Set a key's time to live in milliseconds" },
	{ .name = "expireat", .arity = -3, .flags = W | F, KEY1, .fn = cmd_expireat, .group = "generic",
	  .since = "1.2.0", .summary = "Set the expiration for a key as a UNIX timestamp" },
	{ .name = "pexpireat", .arity = -3, .flags = W | F, KEY1, .fn = cmd_pexpireat,
	  .group = "generic", .since = "2.6.0",
	  .summary = "Set the expiration for a key as a UNIX timestamp specified in milliseconds" },
	{ .name = "ttl", .arity = 2, .flags = R | F | KVS_CMD_RANDOM, KEY1, .fn = cmd_ttl,
	  .group = "generic", .since = "1.0.0", .summary = "Get the time to live for a key in seconds" },
	{ .name = "pttl", .arity = 2, .flags = R | F | KVS_CMD_RANDOM, KEY1, .fn = cmd_pttl,
	  .group = "generic", .since = "2.6.0",
	  .summary = "Get the time to live for a key in milliseconds" },
	{ .name = "expiretime", .arity = 2, .flags = R | F, KEY1, .fn = cmd_expiretime,
	  .group = "generic", .since = "7.0.0",
	  .summary = "Get the expiration Unix timestamp for a key" },
	{ .name = "pexpiretime", .arity = 2, .flags = R | F, KEY1, .fn = cmd_pexpiretime,
	  .group = "generic", .since = "7.0.0",
	  .summary = "Get the expiration Unix timestamp for a key in milliseconds" },
	{ .name = "persist", .arity = 2, .flags = W | F, KEY1, .fn = cmd_persist, .group = "generic",
	  .since = "2.2.0", .summary = "Remove the expiration from a key" },
	{ .name = "touch", .arity = -2, .flags = R | F, .first_key = 1, .last_key = -1, .key_step = 1,
	  .fn = cmd_touch, .group = "generic", .since = "3.2.1",
	  .summary = "Alters the last access time of a key(s). Returns the number of existing keys specified." },
};

void kvs_register_expire(void)
{
	if (kvs_cmd_register(expire_cmds, sizeof expire_cmds / sizeof *expire_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
}
