/*
 * t_list.c - the list commands (LPUSH, LPOP, LRANGE, LMOVE, BLPOP, ...).
 *
 * Semantics, reply types and error texts follow Redis 7.0 (t_list.c
 * there). Values are struct kvs_list (list.h) behind PTR entries; every
 * change goes through the keyspace write path: ks_put for a new list,
 * ks_written after changing one in place, ks_delete_at when it becomes
 * empty (an empty list is never stored, as in Redis).
 *
 * Replication: a list is a whole-value last-writer-wins register (the
 * entry's stamp). Concurrent pushes on two nodes do not merge; the later
 * write wins whole. Sorted sets and hashes merge per member, lists do not.
 *
 * Blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP) run the
 * non-blocking logic and, when every key is empty, call kvs_block_on_keys
 * (block.h). When a waiter is served its command is re-run with
 * KVS_CL_SERVING: then a key of the wrong type is skipped like an empty
 * one (Redis only serves a list waiter from a list), and finding nothing
 * again just leaves the client blocked.
 */
#include "config.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "block.h"
#include "cmd.h"
#include "commands.h"
#include "entry.h"
#include "list.h"
#include "snap.h"
#include "util.h"

#define ERR_TOO_LARGE "ERR Element too large"
#define ERR_POSITIVE  "ERR value is out of range, must be positive"

static inline struct kvs_list *list_of(const struct kvs_entry *e) { return kvs_entry_obj(e); }
static inline int is_list(const struct kvs_entry *e) { return e->type == KVS_T_LIST; }
static inline int serving(const struct kvs_client *c) { return (c->flags & KVS_CL_SERVING) != 0; }



/* After an in-place change of the list at slot: report it, or delete the
 * key if the list is now empty. */
static void list_changed(struct kvs_client *c, const struct kvs_key *k, size_t slot, struct kvs_entry *e)
{
	if (kvs_list_len(list_of(e)) == 0)
		ks_delete_at(&c->eng->ks, c->db, k, slot, KVS_CHG_DELETE, c->now);
	else
		ks_written(&c->eng->ks, c->db, k, slot, e, c->now);
}

/* Store a new list under key k (absent). */
static void list_store_new(struct kvs_client *c, const struct kvs_key *k, struct kvs_list *l)
{
	ks_put(&c->eng->ks, c->db, k, KVS_TABLE_NONE, kvs_entry_new_obj(k->p, k->len, KVS_T_LIST, l, 0),
	       c->now);
}

static int check_elem_sizes(struct kvs_client *c, int from)
{
	for (int j = from; j < c->argc; j++)
		if (c->argv[j].len > KVS_LIST_MAX_ELEM) {
			reply_error(c, ERR_TOO_LARGE);
			return -1;
		}
	return 0;
}

/* Redis's getPositiveLongFromObjectOrReply: an integer >= 0, else msg. */
static int arg_nonneg(struct kvs_client *c, int i, long long *v, const char *msg)
{
	if (!kvs_str2ll(c->argv[i].p, c->argv[i].len, v) || *v < 0) {
		reply_error(c, msg);
		return -1;
	}
	return 0;
}

/* LEFT / RIGHT (LMOVE, LMPOP ...); syntax error otherwise. */
static int arg_end(struct kvs_client *c, int i, enum kvs_list_end *where)
{
	if (arg_is(c, i, "left"))
		*where = KVS_LIST_HEAD;
	else if (arg_is(c, i, "right"))
		*where = KVS_LIST_TAIL;
	else {
		reply_syntax(c);
		return -1;
	}
	return 0;
}

/* The keys of LMPOP / BLMPOP / ZMPOP ...: argv[nk] is numkeys, the keys
 * follow. Malformed numkeys: no keys (the handler replies the error). */
static int numkeys_keys(int argc, const struct resp_arg *argv, int nk, int *keys, int max)
{
	long long n;
	if (nk >= argc || !kvs_str2ll(argv[nk].p, argv[nk].len, &n) || n < 1 || n > argc - nk - 1)
		return 0;
	for (int i = 0; i < (int)n; i++)
		if (i < max)
			keys[i] = nk + 1 + i;
	return (int)n;
}

static int lmpop_keys(int argc, const struct resp_arg *argv, int *keys, int max)
{
	return numkeys_keys(argc, argv, 1, keys, max);
}

static int blmpop_keys(int argc, const struct resp_arg *argv, int *keys, int max)
{
	return numkeys_keys(argc, argv, 2, keys, max);
}

/* Register c as a waiter on argv[first..first+n). */
static void block_on_range(struct kvs_client *c, int first, int n, uint64_t deadline, int null_bulk)
{
	int stack[16] = { 0 }, *idx = n <= 16 ? stack : kvs_malloc((size_t)n * sizeof *idx);
	for (int i = 0; i < n; i++)
		idx[i] = first + i;
	kvs_block_on_keys(c, idx, n, deadline, null_bulk);
	if (idx != stack)
		free(idx);
}

/* ---- push ----------------------------------------------------------------- */

static void push_generic(struct kvs_client *c, enum kvs_list_end where, int xx)
{
	struct kvs_key k;
	size_t slot;
	if (check_elem_sizes(c, 2) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (e && !is_list(e)) {
		reply_wrongtype(c);
		return;
	}
	if (!e && xx) {
		reply_int(c, 0);
		return;
	}
	struct kvs_list *l = e ? list_of(e) : kvs_list_new();
	for (int j = 2; j < c->argc; j++)
		kvs_list_push(l, where, c->argv[j].p, c->argv[j].len);
	if (e)
		ks_written(&c->eng->ks, c->db, &k, slot, e, c->now);
	else
		list_store_new(c, &k, l);
	reply_int(c, (long long)kvs_list_len(l));
}

static void cmd_lpush(struct kvs_client *c) { push_generic(c, KVS_LIST_HEAD, 0); }
static void cmd_rpush(struct kvs_client *c) { push_generic(c, KVS_LIST_TAIL, 0); }
static void cmd_lpushx(struct kvs_client *c) { push_generic(c, KVS_LIST_HEAD, 1); }
static void cmd_rpushx(struct kvs_client *c) { push_generic(c, KVS_LIST_TAIL, 1); }

/* ---- pop ------------------------------------------------------------------ */

/* Reply with and remove up to count elements from one end of l. */
static void pop_reply(struct kvs_client *c, struct kvs_list *l, enum kvs_list_end where, long long count)
{
	const char *p;
	size_t len;
	long long n = count < (long long)kvs_list_len(l) ? count : (long long)kvs_list_len(l);
	reply_array(c, n);
	while (n-- > 0) {
		kvs_list_peek(l, where, &p, &len);
		reply_bulk(c, p, len);
		kvs_list_pop(l, where);
	}
}

static void pop_generic(struct kvs_client *c, enum kvs_list_end where)
{
	struct kvs_key k;
	size_t slot, len;
	long long count = 0;
	const char *p;
	int hascount = c->argc == 3;
	if (c->argc > 3) {
		reply_wrong_arity(c, c->cmd->name);
		return;
	}
	if (hascount && arg_nonneg(c, 2, &count, ERR_POSITIVE) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (!e) {
		if (hascount)
			reply_null_array(c);
		else
			reply_null(c);
		return;
	}
	if (!is_list(e)) {
		reply_wrongtype(c);
		return;
	}
	struct kvs_list *l = list_of(e);
	if (hascount && count == 0) {
		reply_array(c, 0);
		return;
	}
	if (hascount) {
		pop_reply(c, l, where, count);
	} else {
		kvs_list_peek(l, where, &p, &len);
		reply_bulk(c, p, len);
		kvs_list_pop(l, where);
	}
	list_changed(c, &k, slot, e);
}

static void cmd_lpop(struct kvs_client *c) { pop_generic(c, KVS_LIST_HEAD); }
static void cmd_rpop(struct kvs_client *c) { pop_generic(c, KVS_LIST_TAIL); }

/* ---- reads ---------------------------------------------------------------- */

static void cmd_llen(struct kvs_client *c)
{
	struct kvs_key k;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e)
		reply_int(c, 0);
	else if (!is_list(e))
		reply_wrongtype(c);
	else
		reply_int(c, (long long)kvs_list_len(list_of(e)));
}

/* Resolve a possibly negative index; -1 if out of range. */
static long long list_index(const struct kvs_list *l, long long idx)
{
	long long len = (long long)kvs_list_len(l);
	if (idx < 0)
		idx += len;
	return idx < 0 || idx >= len ? -1 : idx;
}

static void cmd_lindex(struct kvs_client *c)
{
	struct kvs_key k;
	struct kvs_list_it it;
	long long idx;
	const char *p;
	size_t len;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		reply_null(c);
		return;
	}
	if (!is_list(e)) {
		reply_wrongtype(c);
		return;
	}
	if (arg_ll(c, 2, &idx, NULL) < 0)
		return;
	idx = list_index(list_of(e), idx);
	if (idx < 0) {
		reply_null(c);
		return;
	}
	kvs_list_seek(list_of(e), (size_t)idx, &it);
	kvs_list_get(&it, &p, &len);
	reply_bulk(c, p, len);
}

static void cmd_lset(struct kvs_client *c)
{
	struct kvs_key k;
	struct kvs_list_it it;
	size_t slot;
	long long idx;
	if (check_elem_sizes(c, 3) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (!e) {
		reply_error(c, KVS_ERR_NOKEY);
		return;
	}
	if (!is_list(e)) {
		reply_wrongtype(c);
		return;
	}
	if (arg_ll(c, 2, &idx, NULL) < 0)
		return;
	idx = list_index(list_of(e), idx);
	if (idx < 0) {
		reply_error(c, "ERR index out of range");
		return;
	}
	kvs_list_seek(list_of(e), (size_t)idx, &it);
	kvs_list_replace(&it, c->argv[3].p, c->argv[3].len);
	ks_written(&c->eng->ks, c->db, &k, slot, e, c->now);
	reply_ok(c);
}

/* Clamp [start, end] to a list of len elements as Redis's LRANGE/LTRIM
 * do; returns 0 if the range is empty. */
static int clamp_range(long long len, long long *start, long long *end)
{
	if (*start < 0)
		*start += len;
	if (*end < 0)
		*end += len;
	if (*start < 0)
		*start = 0;
	if (*start > *end || *start >= len)
		return 0;
	if (*end >= len)
		*end = len - 1;
	return 1;
}

static void cmd_lrange(struct kvs_client *c)
{
	struct kvs_key k;
	struct kvs_list_it it;
	long long start, end;
	const char *p;
	size_t len;
	if (arg_ll(c, 2, &start, NULL) < 0 || arg_ll(c, 3, &end, NULL) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		reply_array(c, 0);
		return;
	}
	if (!is_list(e)) {
		reply_wrongtype(c);
		return;
	}
	struct kvs_list *l = list_of(e);
	if (!clamp_range((long long)kvs_list_len(l), &start, &end)) {
		reply_array(c, 0);
		return;
	}
	reply_array(c, end - start + 1);
	kvs_list_seek(l, (size_t)start, &it);
	for (long long i = start; i <= end; i++) {
		kvs_list_get(&it, &p, &len);
		reply_bulk(c, p, len);
		kvs_list_next(&it);
	}
}

/* ---- in-place edits -------------------------------------------------------- */

static void cmd_ltrim(struct kvs_client *c)
{
	struct kvs_key k;
	size_t slot;
	long long start, end;
	if (arg_ll(c, 2, &start, NULL) < 0 || arg_ll(c, 3, &end, NULL) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (!e) {
		reply_ok(c);
		return;
	}
	if (!is_list(e)) {
		reply_wrongtype(c);
		return;
	}
	struct kvs_list *l = list_of(e);
	long long len = (long long)kvs_list_len(l);
	if (clamp_range(len, &start, &end))
		kvs_list_trim(l, (size_t)start, (size_t)(len - end - 1));
	else
		kvs_list_trim(l, (size_t)len, 0);
	list_changed(c, &k, slot, e);
	reply_ok(c);
}

static void cmd_lrem(struct kvs_client *c)
{
	struct kvs_key k;
	size_t slot;
	long long count;
	if (arg_ll(c, 2, &count, NULL) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (!is_list(e)) {
		reply_wrongtype(c);
		return;
	}
	size_t n = kvs_list_remove(list_of(e), c->argv[3].p, c->argv[3].len, count);
	if (n)
		list_changed(c, &k, slot, e);
	reply_int(c, (long long)n);
}

static int it_equals(const struct kvs_list_it *it, const struct resp_arg *a)
{
	const char *p;
	size_t len;
	kvs_list_get(it, &p, &len);
	return len == a->len && (len == 0 || memcmp(p, a->p, len) == 0);
}

static void cmd_linsert(struct kvs_client *c)
{
	struct kvs_key k;
	struct kvs_list_it it;
	size_t slot;
	enum kvs_list_end where;
	if (arg_is(c, 2, "after"))
		where = KVS_LIST_TAIL;
	else if (arg_is(c, 2, "before"))
		where = KVS_LIST_HEAD;
	else {
		reply_syntax(c);
		return;
	}
	if (check_elem_sizes(c, 4) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (!is_list(e)) {
		reply_wrongtype(c);
		return;
	}
	struct kvs_list *l = list_of(e);
	for (int more = kvs_list_first(l, KVS_LIST_HEAD, &it); more; more = kvs_list_next(&it)) {
		if (it_equals(&it, &c->argv[3])) {
			kvs_list_insert(&it, where, c->argv[4].p, c->argv[4].len);
			ks_written(&c->eng->ks, c->db, &k, slot, e, c->now);
			reply_int(c, (long long)kvs_list_len(l));
			return;
		}
	}
	reply_int(c, -1);
}

/* LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
struct lpos_args {
	long long rank, count, maxlen;
};

static int lpos_parse(struct kvs_client *c, struct lpos_args *a)
{
	a->rank = 1;
	a->count = -1;   /* no COUNT: reply a single index */
	a->maxlen = 0;
	for (int j = 3; j < c->argc; j++) {
		int more = j + 1 < c->argc;
		if (arg_is(c, j, "rank") && more) {
			if (arg_ll(c, ++j, &a->rank, NULL) < 0)
				return -1;
			if (a->rank == 0) {
				reply_error(c, "ERR RANK can't be zero: use 1 to start from the first match, 2 from "
					    "the second ... or use negative to start from the end of the list");
				return -1;
			}
		} else if (arg_is(c, j, "count") && more) {
			if (arg_nonneg(c, ++j, &a->count, "ERR COUNT can't be negative") < 0)
				return -1;
		} else if (arg_is(c, j, "maxlen") && more) {
			if (arg_nonneg(c, ++j, &a->maxlen, "ERR MAXLEN can't be negative") < 0)
				return -1;
		} else {
			reply_syntax(c);
			return -1;
		}
	}
	return 0;
}

static void cmd_lpos(struct kvs_client *c)
{
	struct lpos_args a;
	struct kvs_key k;
	struct kvs_list_it it;
	if (lpos_parse(c, &a) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		if (a.count != -1)
			reply_array(c, 0);
		else
			reply_null(c);
		return;
	}
	if (!is_list(e)) {
		reply_wrongtype(c);
		return;
	}
	struct kvs_list *l = list_of(e);
	enum kvs_list_end from = a.rank < 0 ? KVS_LIST_TAIL : KVS_LIST_HEAD;
	/* Redis 7.0 negates RANK in a long: LLONG_MIN stays negative, so every
	 * match qualifies and COUNT never stops the scan. */
	int wild = a.rank == LLONG_MIN;
	long long need = wild ? 1 : (a.rank < 0 ? -a.rank : a.rank);
	long long llen = (long long)kvs_list_len(l), idx = 0, matches = 0, n = 0, cap = 0;
	long long *found = NULL;
	for (int more = kvs_list_first(l, from, &it); more && (a.maxlen == 0 || idx < a.maxlen);
	     more = from == KVS_LIST_HEAD ? kvs_list_next(&it) : kvs_list_prev(&it), idx++) {
		if (!it_equals(&it, &c->argv[2]) || ++matches < need)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			found = kvs_realloc(found, (size_t)cap * sizeof *found);
		}
		found[n++] = from == KVS_LIST_HEAD ? idx : llen - idx - 1;
		if (a.count == -1 || (a.count && !wild && n >= a.count))
			break;
	}
	if (a.count != -1) {
		reply_array(c, n);
		for (long long i = 0; i < n; i++)
			reply_int(c, found[i]);
	} else if (n) {
		reply_int(c, found[0]);
	} else {
		reply_null(c);
	}
	free(found);
}

/* ---- moves ----------------------------------------------------------------- */

enum move_result { MOVED, SRC_EMPTY, SRC_WRONGTYPE, DST_WRONGTYPE };

/* Pop from argv[1] at `from` and push onto argv[2] at `to`, replying the
 * element. Nothing is changed or replied unless it returns MOVED. */
static enum move_result move_one(struct kvs_client *c, enum kvs_list_end from, enum kvs_list_end to)
{
	struct kvs_key sk, dk;
	size_t sslot, dslot = KVS_TABLE_NONE, len;
	const char *p;
	arg_key(c, 1, &sk);
	arg_key(c, 2, &dk);
	struct kvs_entry *se = kvs_lookup_write(c, &sk, &sslot);
	if (!se)
		return SRC_EMPTY;
	if (!is_list(se))
		return SRC_WRONGTYPE;
	int same = sk.len == dk.len && memcmp(sk.p, dk.p, sk.len) == 0;
	struct kvs_entry *de = same ? se : kvs_lookup_write(c, &dk, &dslot);
	if (de && !is_list(de))
		return DST_WRONGTYPE;
	struct kvs_list *sl = list_of(se);
	kvs_list_peek(sl, from, &p, &len);
	reply_bulk(c, p, len);
	/* The element lives in a node that the pop may free: push a copy. */
	char stack[256], *copy = len <= sizeof stack ? stack : kvs_malloc(len);
	memcpy(copy, p, len);
	kvs_list_pop(sl, from);
	if (same) {
		kvs_list_push(sl, to, copy, len);
		ks_written(&c->eng->ks, c->db, &sk, sslot, se, c->now);
	} else {
		/* Deletes never move other entries, so dslot stays valid. */
		list_changed(c, &sk, sslot, se);
		struct kvs_list *dl = de ? list_of(de) : kvs_list_new();
		kvs_list_push(dl, to, copy, len);
		if (de)
			ks_written(&c->eng->ks, c->db, &dk, dslot, de, c->now);
		else
			list_store_new(c, &dk, dl);
	}
	if (copy != stack)
		free(copy);
	return MOVED;
}

static void move_cmd(struct kvs_client *c, enum kvs_list_end from, enum kvs_list_end to)
{
	switch (move_one(c, from, to)) {
	case MOVED:
		break;
	case SRC_EMPTY:
		reply_null(c);
		break;
	case SRC_WRONGTYPE:
	case DST_WRONGTYPE:
		reply_wrongtype(c);
		break;
	}
}

static void cmd_lmove(struct kvs_client *c)
{
	enum kvs_list_end from, to;
	if (arg_end(c, 3, &from) < 0 || arg_end(c, 4, &to) < 0)
		return;
	move_cmd(c, from, to);
}

static void cmd_rpoplpush(struct kvs_client *c) { move_cmd(c, KVS_LIST_TAIL, KVS_LIST_HEAD); }

/* ---- multi-key pops ------------------------------------------------------ */

/* Pop from the first non-empty list of argv[first..first+n): replies
 * [key, [elements]] (count elements at most) or, with wrap == 0 (BLPOP),
 * [key, element]. Returns 1 if it replied (a pop or WRONGTYPE), 0 if
 * every key was empty. A serving re-run skips keys of the wrong type. */
static int pop_first(struct kvs_client *c, int first, int n, enum kvs_list_end where, long long count,
		     int wrap)
{
	for (int j = first; j < first + n; j++) {
		struct kvs_key k;
		size_t slot, len;
		const char *p;
		arg_key(c, j, &k);
		struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
		if (!e)
			continue;
		if (!is_list(e)) {
			if (serving(c))
				continue;
			reply_wrongtype(c);
			return 1;
		}
		reply_array(c, 2);
		reply_bulk(c, k.p, k.len);
		if (wrap) {
			pop_reply(c, list_of(e), where, count);
		} else {
			kvs_list_peek(list_of(e), where, &p, &len);
			reply_bulk(c, p, len);
			kvs_list_pop(list_of(e), where);
		}
		list_changed(c, &k, slot, e);
		return 1;
	}
	return 0;
}

/* The shared arguments of LMPOP and BLMPOP after numkeys (argv[nk]).
 * Replies and returns -1 on error. */
static int mpop_parse(struct kvs_client *c, int nk, long long *numkeys, enum kvs_list_end *where,
		      long long *count)
{
	if (!kvs_str2ll(c->argv[nk].p, c->argv[nk].len, numkeys) || *numkeys < 1) {
		reply_error(c, "ERR numkeys should be greater than 0");
		return -1;
	}
	if (*numkeys > c->argc - nk - 2) {   /* no room for the direction */
		reply_syntax(c);
		return -1;
	}
	int wi = nk + (int)*numkeys + 1;
	if (arg_end(c, wi, where) < 0)
		return -1;
	return arg_mpop_count(c, wi + 1, count);
}

static void cmd_lmpop(struct kvs_client *c)
{
	long long numkeys, count;
	enum kvs_list_end where;
	if (mpop_parse(c, 1, &numkeys, &where, &count) < 0)
		return;
	if (!pop_first(c, 2, (int)numkeys, where, count, 1))
		reply_null_array(c);
}

/* ---- blocking ------------------------------------------------------------- */

static void bpop_generic(struct kvs_client *c, enum kvs_list_end where)
{
	uint64_t deadline;
	if (kvs_block_timeout_arg(c, c->argc - 1, &deadline) < 0)
		return;
	if (!pop_first(c, 1, c->argc - 2, where, 1, 0))
		block_on_range(c, 1, c->argc - 2, deadline, 0);
}

static void cmd_blpop(struct kvs_client *c) { bpop_generic(c, KVS_LIST_HEAD); }
static void cmd_brpop(struct kvs_client *c) { bpop_generic(c, KVS_LIST_TAIL); }

static void bmove_generic(struct kvs_client *c, enum kvs_list_end from, enum kvs_list_end to, int ti)
{
	uint64_t deadline;
	if (kvs_block_timeout_arg(c, ti, &deadline) < 0)
		return;
	enum move_result r = move_one(c, from, to);
	/* A serving re-run waits for a list like it waits for data. */
	if (r == SRC_EMPTY || (r == SRC_WRONGTYPE && serving(c)))
		block_on_range(c, 1, 1, deadline, 1);
	else if (r != MOVED)
		reply_wrongtype(c);
}

static void cmd_blmove(struct kvs_client *c)
{
	enum kvs_list_end from, to;
	if (arg_end(c, 3, &from) < 0 || arg_end(c, 4, &to) < 0)
		return;
	bmove_generic(c, from, to, 5);
}

static void cmd_brpoplpush(struct kvs_client *c) { bmove_generic(c, KVS_LIST_TAIL, KVS_LIST_HEAD, 3); }

static void cmd_blmpop(struct kvs_client *c)
{
	uint64_t deadline;
	long long numkeys, count;
	enum kvs_list_end where;
	if (kvs_block_timeout_arg(c, 1, &deadline) < 0 || mpop_parse(c, 2, &numkeys, &where, &count) < 0)
		return;
	if (!pop_first(c, 3, (int)numkeys, where, count, 1))
		block_on_range(c, 3, (int)numkeys, deadline, 0);
}

/* ---- the table -------------------------------------------------------------- */

#define W  KVS_CMD_WRITE
#define R  KVS_CMD_READONLY
#define M  KVS_CMD_DENYOOM
#define F  KVS_CMD_FAST
#define B  (KVS_CMD_BLOCKING | KVS_CMD_NOSCRIPT)
#define KEY1 .first_key = 1, .last_key = 1, .key_step = 1
#define KEY12 .first_key = 1, .last_key = 2, .key_step = 1
#define LIST(n, a, fl, fn_, ver, sum) \
	{ .name = n, .arity = a, .flags = fl, KEY1, .fn = fn_, .group = "list", .since = ver, .summary = sum }

static struct kvs_cmd list_cmds[] = {
	LIST("lpush", -3, W | M | F, cmd_lpush, "1.0.0", "Prepend one or multiple elements to a list"),
	LIST("rpush", -3, W | M | F, cmd_rpush, "1.0.0", "Append one or multiple elements to a list"),
	LIST("lpushx", -3, W | M | F, cmd_lpushx, "2.2.0",
	     "Prepend an element to a list, only if the list exists"),
	LIST("rpushx", -3, W | M | F, cmd_rpushx, "2.2.0",
	     "Append an element to a list, only if the list exists"),
	LIST("lpop", -2, W | F, cmd_lpop, "1.0.0", "Remove and get the first elements in a list"),
	LIST("rpop", -2, W | F, cmd_rpop, "1.0.0", "Remove and get the last elements in a list"),
	LIST("llen", 2, R | F, cmd_llen, "1.0.0", "Get the length of a list"),
	LIST("lindex", 3, R, cmd_lindex, "1.0.0", "Get an element from a list by its index"),
	LIST("lset", 4, W | M, cmd_lset, "1.0.0", "Set the value of an element in a list by its index"),
	LIST("lrange", 4, R, cmd_lrange, "1.0.0", "Get a range of elements from a list"),
	LIST("ltrim", 4, W, cmd_ltrim, "1.0.0", "Trim a list to the specified range"),
	LIST("lrem", 4, W, cmd_lrem, "1.0.0", "Remove elements from a list"),
	LIST("linsert", 5, W | M, cmd_linsert, "2.2.0",
	     "Insert an element before or after another element in a list"),
	LIST("lpos", -3, R, cmd_lpos, "6.0.6", "Return the index of matching elements on a list"),
	{ .name = "lmove", .arity = 5, .flags = W | M, KEY12, .fn = cmd_lmove, .group = "list",
	  .since = "6.2.0", .summary = "Pop an element from a list, push it to another list and return it" },
	{ .name = "rpoplpush", .arity = 3, .flags = W | M, KEY12, .fn = cmd_rpoplpush, .group = "list",
	  .since = "1.2.0", .summary = "Remove the last element in a list, prepend it to another list and "
	  "return it" },
	{ .name = "lmpop", .arity = -4, .flags = W, .fn = cmd_lmpop, .getkeys = lmpop_keys,
	  .group = "list", .since = "7.0.0", .summary = "Pop elements from a list" },
	{ .name = "blpop", .arity = -3, .flags = W | B, .first_key = 1, .last_key = -2, .key_step = 1,
	  .fn = cmd_blpop, .group = "list", .since = "2.0.0",
	  .summary = "Remove and get the first element in a list, or block until one is available" },
	{ .name = "brpop", .arity = -3, .flags = W | B, .first_key = 1, .last_key = -2, .key_step = 1,
	  .fn = cmd_brpop, .group = "list", .since = "2.0.0",
	  .summary = "Remove and get the last element in a list, or block until one is available" },
	{ .name = "blmove", .arity = 6, .flags = W | M | B, KEY12, .fn = cmd_blmove, .group = "list",
	  .since = "6.2.0", .summary = "Pop an element from a list, push it to another list and return "
	  "it; or block until one is available" },
	{ .name = "brpoplpush", .arity = 4, .flags = W | M | B, KEY12, .fn = cmd_brpoplpush,
	  .group = "list", .since = "2.2.0", .summary = "Pop an element from a list, push it to another "
	  "list and return it; or block until one is available" },
	{ .name = "blmpop", .arity = -5, .flags = W | KVS_CMD_BLOCKING, .fn = cmd_blmpop,
	  .getkeys = blmpop_keys, .group = "list", .since = "7.0.0",
	  .summary = "Pop elements from a list, or block until one is available" },
};

static void list_free_obj(void *o) { kvs_list_free(o); }
static void *list_dup_obj(const void *o) { return kvs_list_dup(o); }
static size_t list_mem_obj(const void *o) { return kvs_list_mem(o); }

/* SORT: the elements from head to tail (the list is only read). */
static void list_foreach(const void *o, kvs_elem_fn *fn, void *arg)
{
	struct kvs_list_it it;
	const char *p;
	size_t len;
	for (int more = kvs_list_first((struct kvs_list *)o, KVS_LIST_HEAD, &it); more;
	     more = kvs_list_next(&it)) {
		kvs_list_get(&it, &p, &len);
		fn(arg, p, len, 0);
	}
}

/* SORT STORE: a list of the given elements in order. */
static void *list_from_elems(size_t n, const char *const *p, const size_t *len)
{
	struct kvs_list *l = kvs_list_new();
	for (size_t i = 0; i < n; i++)
		kvs_list_push(l, KVS_LIST_TAIL, p[i], len[i]);
	return l;
}

/* Snapshots (snap.h): n varint, then n x (len varint, bytes), head first.
 * Elements carry no stamps: a list is one LWW value (the entry's stamp). */
static size_t list_save(const void *o, struct kvs_buf *out)
{
	struct kvs_list_it it;
	const char *p;
	size_t len, start = out->len;
	kvs_snap_put_varint(out, kvs_list_len(o));
	for (int more = kvs_list_first((struct kvs_list *)o, KVS_LIST_HEAD, &it); more;
	     more = kvs_list_next(&it)) {
		kvs_list_get(&it, &p, &len);
		kvs_snap_put_varint(out, len);
		kvs_buf_append(out, p, len);
	}
	return out->len - start;
}

static void *list_load(const unsigned char *p, size_t len, uint64_t seed)
{
	struct kvs_snap_in in = { p, p + len, 0 };
	uint64_t n = kvs_snap_get_varint(&in);
	(void)seed;
	if (in.bad || n == 0 || n > len)     /* an element takes a byte at least */
		return NULL;
	struct kvs_list *l = kvs_list_new();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t el = kvs_snap_get_varint(&in);
		const unsigned char *e = el <= KVS_LIST_MAX_ELEM ? kvs_snap_get_bytes(&in, el) : NULL;
		if (!e) {
			kvs_list_free(l);
			return NULL;
		}
		kvs_list_push(l, KVS_LIST_TAIL, e, (size_t)el);
	}
	if (in.p != in.end) {
		kvs_list_free(l);
		return NULL;
	}
	return l;
}

void kvs_register_list(void)
{
	kvs_type_ops[KVS_T_LIST].free_obj = list_free_obj;
	kvs_type_ops[KVS_T_LIST].dup_obj = list_dup_obj;
	kvs_type_ops[KVS_T_LIST].mem_obj = list_mem_obj;
	kvs_type_ops[KVS_T_LIST].foreach = list_foreach;
	kvs_type_ops[KVS_T_LIST].from_elems = list_from_elems;
	kvs_type_ops[KVS_T_LIST].save = list_save;
	kvs_type_ops[KVS_T_LIST].load = list_load;
	if (kvs_cmd_register(list_cmds, sizeof list_cmds / sizeof *list_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
}
