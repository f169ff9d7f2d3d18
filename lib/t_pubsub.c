/*
 * t_pubsub.c - SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB.
 *
 * One registry per engine, guarded by one mutex: channel name -> the
 * clients subscribed to it (a chained hash table), and the list of
 * (pattern, client) pairs. PUBLISH formats the message in each receiver's
 * protocol (RESP2 array or RESP3 push) and appends it to the receiver's
 * outbox (outbox.h), whose owner thread writes it out. A client leaving
 * (unsubscribe, disconnect) is removed under the same mutex, so PUBLISH
 * never sees a freed client.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "outbox.h"
#include "util.h"

struct chan {
	char *name;
	size_t len;
	uint64_t hash;
	int shard;              /* SSUBSCRIBE namespace (Redis 7 sharded pub/sub) */
	struct kvs_client **subs;
	int n, cap;
	struct chan *next;
};

struct pat {
	char *p;
	size_t len;
	struct kvs_client *c;
};

struct kvs_pubsub {
	pthread_mutex_t lock;
	struct chan **buckets;
	size_t nbuckets, nchans;
	struct pat *pats;
	size_t npats, cappats;
};

/* What one client is subscribed to (its own copy, for counts and for
 * unsubscribing everything). Guarded by the registry mutex. */
struct kvs_psclient {
	struct resp_arg *chans; /* owned bytes */
	int nchans, capchans;
	struct resp_arg *schans; /* shard channels */
	int nschans, capschans;
	struct resp_arg *pats;
	int npats, cappats;
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static struct kvs_pubsub *registry(struct kvs_engine *eng)
{
	pthread_mutex_lock(&init_lock);
	if (!eng->ps) {
		struct kvs_pubsub *ps = kvs_calloc(1, sizeof *ps);
		pthread_mutex_init(&ps->lock, NULL);
		ps->nbuckets = 64;
		ps->buckets = kvs_calloc(ps->nbuckets, sizeof *ps->buckets);
		eng->ps = ps;
	}
	pthread_mutex_unlock(&init_lock);
	return eng->ps;
}

#define SEED(shard) ((shard) ? 0x2545f4914f6cdd1dull : 0x5bd1e995ull)

/* The hash includes the namespace, and the two seeds make a collision of a
 * channel and a shard channel with equal names no likelier than any other
 * collision; the flag is compared too. */
static struct chan *chan_find_ns(struct kvs_pubsub *ps, const char *name, size_t len, int shard)
{
	uint64_t h = kvs_hash64(name, len, SEED(shard));
	for (struct chan *ch = ps->buckets[h % ps->nbuckets]; ch; ch = ch->next)
		if (ch->hash == h && ch->shard == shard && ch->len == len && !memcmp(ch->name, name, len))
			return ch;
	return NULL;
}

static void chan_grow(struct kvs_pubsub *ps)
{
	size_t nb = ps->nbuckets * 2;
	struct chan **b = kvs_calloc(nb, sizeof *b);
	for (size_t i = 0; i < ps->nbuckets; i++) {
		struct chan *ch = ps->buckets[i], *next;
		for (; ch; ch = next) {
			next = ch->next;
			ch->next = b[ch->hash % nb];
			b[ch->hash % nb] = ch;
		}
	}
	free(ps->buckets);
	ps->buckets = b;
	ps->nbuckets = nb;
}

static int has_arg(const struct resp_arg *a, int n, const char *p, size_t len)
{
	for (int i = 0; i < n; i++)
		if (a[i].len == len && !memcmp(a[i].p, p, len))
			return i;
	return -1;
}

static void push_arg(struct resp_arg **a, int *n, int *cap, const char *p, size_t len)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*a = kvs_realloc(*a, (size_t)*cap * sizeof **a);
	}
	(*a)[*n].p = kvs_strndup(p, len);
	(*a)[*n].len = len;
	(*n)++;
}

static void drop_arg(struct resp_arg *a, int *n, int i)
{
	free(a[i].p);
	a[i] = a[--(*n)];
}

static struct kvs_psclient *psc(struct kvs_client *c)
{
	if (!c->ps)
		c->ps = kvs_calloc(1, sizeof *c->ps);
	return c->ps;
}

int kvs_pubsub_count(const struct kvs_client *c)
{
	return c->ps ? c->ps->nchans + c->ps->npats + c->ps->nschans : 0;
}

static void ensure_outbox(struct kvs_client *c)
{
	if (!c->ob)
		c->ob = kvs_outbox_new(NULL, NULL);
}

/* Registry edits; the caller holds ps->lock. Return 1 if it changed. */
static int subscribe_locked(struct kvs_pubsub *ps, struct kvs_client *c, const char *name, size_t len, int shard)
{
	struct kvs_psclient *me = psc(c);
	struct resp_arg **list = shard ? &me->schans : &me->chans;
	int *n = shard ? &me->nschans : &me->nchans, *cap = shard ? &me->capschans : &me->capchans;
	if (has_arg(*list, *n, name, len) >= 0)
		return 0;
	uint64_t h = kvs_hash64(name, len, SEED(shard));
	struct chan *ch = chan_find_ns(ps, name, len, shard);
	if (!ch) {
		if (ps->nchans >= ps->nbuckets)
			chan_grow(ps);
		ch = kvs_calloc(1, sizeof *ch);
		ch->name = kvs_strndup(name, len);
		ch->len = len;
		ch->hash = h;
		ch->shard = shard;
		ch->next = ps->buckets[h % ps->nbuckets];
		ps->buckets[h % ps->nbuckets] = ch;
		ps->nchans++;
	}
	if (ch->n == ch->cap) {
		ch->cap = ch->cap ? ch->cap * 2 : 4;
		ch->subs = kvs_realloc(ch->subs, (size_t)ch->cap * sizeof *ch->subs);
	}
	ch->subs[ch->n++] = c;
	kvs_outbox_ref(c->ob);
	push_arg(list, n, cap, name, len);
	return 1;
}

static int unsubscribe_locked(struct kvs_pubsub *ps, struct kvs_client *c, const char *name, size_t len, int shard)
{
	struct kvs_psclient *me = psc(c);
	struct resp_arg *list = shard ? me->schans : me->chans;
	int i = has_arg(list, shard ? me->nschans : me->nchans, name, len);
	if (i < 0)
		return 0;
	/* name may be the client's own copy (disconnect): drop it last. */
	uint64_t h = kvs_hash64(name, len, SEED(shard));
	struct chan **pp = &ps->buckets[h % ps->nbuckets], *ch;
	for (; (ch = *pp); pp = &ch->next)
		if (ch->hash == h && ch->shard == shard && ch->len == len && !memcmp(ch->name, name, len))
			break;
	if (!ch)
		goto done;
	for (int k = 0; k < ch->n; k++)
		if (ch->subs[k] == c) {
			/* Keep subscription order: messages go out FIFO per channel. */
			memmove(&ch->subs[k], &ch->subs[k + 1], (size_t)(ch->n - k - 1) * sizeof *ch->subs);
			ch->n--;
			kvs_outbox_unref(c->ob);
			break;
		}
	if (ch->n == 0) {
		*pp = ch->next;
		free(ch->name);
		free(ch->subs);
		free(ch);
		ps->nchans--;
	}
done:
	drop_arg(list, shard ? &me->nschans : &me->nchans, i);
	return 1;
}

static int psubscribe_locked(struct kvs_pubsub *ps, struct kvs_client *c, const char *p, size_t len)
{
	struct kvs_psclient *me = psc(c);
	if (has_arg(me->pats, me->npats, p, len) >= 0)
		return 0;
	if (ps->npats == ps->cappats) {
		ps->cappats = ps->cappats ? ps->cappats * 2 : 8;
		ps->pats = kvs_realloc(ps->pats, ps->cappats * sizeof *ps->pats);
	}
	ps->pats[ps->npats].p = kvs_strndup(p, len);
	ps->pats[ps->npats].len = len;
	ps->pats[ps->npats].c = c;
	ps->npats++;
	kvs_outbox_ref(c->ob);
	push_arg(&me->pats, &me->npats, &me->cappats, p, len);
	return 1;
}

static int punsubscribe_locked(struct kvs_pubsub *ps, struct kvs_client *c, const char *p, size_t len)
{
	struct kvs_psclient *me = psc(c);
	int i = has_arg(me->pats, me->npats, p, len);
	if (i < 0)
		return 0;
	for (size_t k = 0; k < ps->npats; k++)
		if (ps->pats[k].c == c && ps->pats[k].len == len && !memcmp(ps->pats[k].p, p, len)) {
			free(ps->pats[k].p);
			memmove(&ps->pats[k], &ps->pats[k + 1], (ps->npats - k - 1) * sizeof *ps->pats);
			ps->npats--;
			kvs_outbox_unref(c->ob);
			break;
		}
	drop_arg(me->pats, &me->npats, i); /* last: p may be this very copy */
	return 1;
}

static void reply_sub(struct kvs_client *c, const char *kind, const char *name, size_t len, int null_name)
{
	resp_add_push(c->out, c->proto, 3);
	reply_bulk_cstr(c, kind);
	if (null_name)
		reply_null(c);
	else
		reply_bulk(c, name, len);
	/* Redis counts shard channels separately from channels + patterns. */
	if (!strcmp(kind, "ssubscribe") || !strcmp(kind, "sunsubscribe"))
		reply_int(c, c->ps ? c->ps->nschans : 0);
	else
		reply_int(c, c->ps ? c->ps->nchans + c->ps->npats : 0);
}

static void subscribe_cmd(struct kvs_client *c)
{
	int pattern = c->cmd->name[0] == 'p';
	int shard = !strcmp(c->cmd->name, "ssubscribe");
	struct kvs_pubsub *ps = registry(c->eng);
	if ((c->flags & KVS_CL_MULTI) || (c->flags & KVS_CL_IN_EXEC)) {
		/* Redis allows it inside MULTI only for RESP3; keep it simple. */
	}
	ensure_outbox(c);
	pthread_mutex_lock(&ps->lock);
	for (int i = 1; i < c->argc; i++) {
		if (pattern)
			psubscribe_locked(ps, c, c->argv[i].p, c->argv[i].len);
		else
			subscribe_locked(ps, c, c->argv[i].p, c->argv[i].len, shard);
		reply_sub(c, pattern ? "psubscribe" : shard ? "ssubscribe" : "subscribe", c->argv[i].p,
			  c->argv[i].len, 0);
	}
	pthread_mutex_unlock(&ps->lock);
	c->flags |= KVS_CL_PUBSUB;
}

static void unsubscribe_cmd(struct kvs_client *c)
{
	int pattern = c->cmd->name[0] == 'p';
	int shard = !strcmp(c->cmd->name, "sunsubscribe");
	const char *kind = pattern ? "punsubscribe" : shard ? "sunsubscribe" : "unsubscribe";
	struct kvs_pubsub *ps = registry(c->eng);
	struct kvs_psclient *me = psc(c);
	int *count = pattern ? &me->npats : shard ? &me->nschans : &me->nchans;
	pthread_mutex_lock(&ps->lock);
	if (c->argc == 1) {
		if (*count == 0)
			reply_sub(c, kind, NULL, 0, 1);
		while (*count > 0) {
			struct resp_arg a = pattern ? me->pats[0] : shard ? me->schans[0] : me->chans[0];
			char *copy = kvs_strndup(a.p, a.len);
			if (pattern)
				punsubscribe_locked(ps, c, copy, a.len);
			else
				unsubscribe_locked(ps, c, copy, a.len, shard);
			reply_sub(c, kind, copy, a.len, 0);
			free(copy);
		}
	} else {
		for (int i = 1; i < c->argc; i++) {
			if (pattern)
				punsubscribe_locked(ps, c, c->argv[i].p, c->argv[i].len);
			else
				unsubscribe_locked(ps, c, c->argv[i].p, c->argv[i].len, shard);
			reply_sub(c, kind, c->argv[i].p, c->argv[i].len, 0);
		}
	}
	pthread_mutex_unlock(&ps->lock);
	if (kvs_pubsub_count(c) == 0)
		c->flags &= ~KVS_CL_PUBSUB;
}

/* Deliver to one receiver: to our own output directly, else its outbox. */
static void deliver(struct kvs_client *from, struct kvs_client *to, struct kvs_buf *tmp)
{
	if (to == from)
		kvs_buf_append(from->out, tmp->data, tmp->len);
	else
		kvs_outbox_append(to->ob, tmp->data, tmp->len, from->now);
}

static long long publish_ns(struct kvs_client *c, const char *ch, size_t chlen, const char *msg, size_t mlen,
			    int shard)
{
	struct kvs_pubsub *ps = registry(c->eng);
	struct kvs_buf tmp = KVS_BUF_INIT;
	long long n = 0;
	pthread_mutex_lock(&ps->lock);
	struct chan *chan = chan_find_ns(ps, ch, chlen, shard);
	for (int i = 0; chan && i < chan->n; i++) {
		struct kvs_client *to = chan->subs[i];
		tmp.len = 0;
		resp_add_push(&tmp, to->proto, 3);
		if (shard)
			resp_add_bulk(&tmp, "smessage", 8);
		else
			resp_add_bulk(&tmp, "message", 7);
		resp_add_bulk(&tmp, ch, chlen);
		resp_add_bulk(&tmp, msg, mlen);
		deliver(c, to, &tmp);
		n++;
	}
	for (size_t i = 0; !shard && i < ps->npats; i++) {
		struct pat *p = &ps->pats[i];
		if (!kvs_glob(p->p, p->len, ch, chlen, 0))
			continue;
		tmp.len = 0;
		resp_add_push(&tmp, p->c->proto, 4);
		resp_add_bulk(&tmp, "pmessage", 8);
		resp_add_bulk(&tmp, p->p, p->len);
		resp_add_bulk(&tmp, ch, chlen);
		resp_add_bulk(&tmp, msg, mlen);
		deliver(c, p->c, &tmp);
		n++;
	}
	pthread_mutex_unlock(&ps->lock);
	kvs_buf_free(&tmp);
	return n;
}

long long kvs_pubsub_publish(struct kvs_client *c, const char *ch, size_t chlen, const char *msg, size_t mlen)
{
	return publish_ns(c, ch, chlen, msg, mlen, 0);
}

static void publish_cmd(struct kvs_client *c)
{
	int shard = !strcmp(c->cmd->name, "spublish");
	reply_int(c, publish_ns(c, c->argv[1].p, c->argv[1].len, c->argv[2].p, c->argv[2].len, shard));
}

static void pubsub_cmd(struct kvs_client *c)
{
	struct kvs_pubsub *ps = registry(c->eng);
	int shard = arg_is(c, 1, "shardchannels") || arg_is(c, 1, "shardnumsub");
	if ((arg_is(c, 1, "channels") || arg_is(c, 1, "shardchannels")) && c->argc <= 3) {
		struct kvs_buf names = KVS_BUF_INIT;
		long long n = 0;
		pthread_mutex_lock(&ps->lock);
		for (size_t b = 0; b < ps->nbuckets; b++)
			for (struct chan *ch = ps->buckets[b]; ch; ch = ch->next) {
				if (ch->shard != shard)
					continue;
				if (c->argc == 3 && !kvs_glob(c->argv[2].p, c->argv[2].len, ch->name, ch->len, 0))
					continue;
				resp_add_bulk(&names, ch->name, ch->len);
				n++;
			}
		pthread_mutex_unlock(&ps->lock);
		reply_array(c, n);
		kvs_buf_append(c->out, names.data, names.len);
		kvs_buf_free(&names);
	} else if (arg_is(c, 1, "numsub") || arg_is(c, 1, "shardnumsub")) {
		reply_map(c, c->argc - 2);
		pthread_mutex_lock(&ps->lock);
		for (int i = 2; i < c->argc; i++) {
			struct chan *ch = chan_find_ns(ps, c->argv[i].p, c->argv[i].len, shard);
			reply_bulk(c, c->argv[i].p, c->argv[i].len);
			reply_int(c, ch ? ch->n : 0);
		}
		pthread_mutex_unlock(&ps->lock);
	} else if (arg_is(c, 1, "numpat") && c->argc == 2) {
		/* Redis counts distinct patterns. */
		long long n = 0;
		pthread_mutex_lock(&ps->lock);
		for (size_t i = 0; i < ps->npats; i++) {
			int dup = 0;
			for (size_t j = 0; j < i && !dup; j++)
				dup = ps->pats[j].len == ps->pats[i].len && !memcmp(ps->pats[j].p, ps->pats[i].p, ps->pats[i].len);
			n += !dup;
		}
		pthread_mutex_unlock(&ps->lock);
		reply_int(c, n);
	} else if (arg_is(c, 1, "help") && c->argc == 2) {
		static const char *help[] = {
			"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"CHANNELS [<pattern>]", "    Return the currently active channels matching a <pattern> (default: '*').",
			"NUMPAT", "    Return number of subscriptions to patterns.",
			"NUMSUB [<channel> ...]", "    Return the number of subscribers for the specified channels, excluding",
			"    pattern subscriptions(default: no channels).",
			"HELP", "    Print this help.",
		};
		reply_help(c, help, sizeof help / sizeof *help);
	} else {
		reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try PUBSUB HELP.",
			     (int)c->argv[1].len, c->argv[1].p);
	}
}

void kvs_pubsub_client_free(struct kvs_client *c)
{
	if (!c->ps)
		return;
	if (c->eng->ps) {
		struct kvs_pubsub *ps = c->eng->ps;
		pthread_mutex_lock(&ps->lock);
		while (c->ps->nchans)
			unsubscribe_locked(ps, c, c->ps->chans[0].p, c->ps->chans[0].len, 0);
		while (c->ps->nschans)
			unsubscribe_locked(ps, c, c->ps->schans[0].p, c->ps->schans[0].len, 1);
		while (c->ps->npats)
			punsubscribe_locked(ps, c, c->ps->pats[0].p, c->ps->pats[0].len);
		pthread_mutex_unlock(&ps->lock);
	}
	free(c->ps->chans);
	free(c->ps->schans);
	free(c->ps->pats);
	free(c->ps);
	c->ps = NULL;
}

void kvs_pubsub_destroy(struct kvs_engine *eng)
{
	struct kvs_pubsub *ps = eng->ps;
	if (!ps)
		return;
	for (size_t b = 0; b < ps->nbuckets; b++) {
		struct chan *ch = ps->buckets[b], *next;
		for (; ch; ch = next) {
			next = ch->next;
			free(ch->name);
			free(ch->subs);
			free(ch);
		}
	}
	for (size_t i = 0; i < ps->npats; i++)
		free(ps->pats[i].p);
	free(ps->pats);
	free(ps->buckets);
	pthread_mutex_destroy(&ps->lock);
	free(ps);
	eng->ps = NULL;
}

#define PS_FLAGS (KVS_CMD_PUBSUB | KVS_CMD_NOLOCK | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_SUBCTX)
static struct kvs_cmd pubsub_cmds[] = {
	{ .name = "subscribe", .arity = -2, .flags = PS_FLAGS, .fn = subscribe_cmd, .group = "pubsub", .since = "2.0.0", .summary = "Listens for messages published to channels." },
	{ .name = "psubscribe", .arity = -2, .flags = PS_FLAGS, .fn = subscribe_cmd, .group = "pubsub", .since = "2.0.0", .summary = "Listens for messages published to channels that match one or more patterns." },
	{ .name = "unsubscribe", .arity = -1, .flags = PS_FLAGS, .fn = unsubscribe_cmd, .group = "pubsub", .since = "2.0.0", .summary = "Stops listening to messages posted to channels." },
	{ .name = "punsubscribe", .arity = -1, .flags = PS_FLAGS, .fn = unsubscribe_cmd, .group = "pubsub", .since = "2.0.0", .summary = "Stops listening to messages published to channels that match one or more patterns." },
	{ .name = "ssubscribe", .arity = -2, .flags = PS_FLAGS, .fn = subscribe_cmd, .group = "pubsub", .since = "7.0.0", .summary = "Listens for messages published to shard channels." },
	{ .name = "sunsubscribe", .arity = -1, .flags = PS_FLAGS, .fn = unsubscribe_cmd, .group = "pubsub", .since = "7.0.0", .summary = "Stops listening to messages posted to shard channels." },
	{ .name = "spublish", .arity = 3, .flags = KVS_CMD_PUBSUB | KVS_CMD_NOLOCK | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_FAST, .fn = publish_cmd, .group = "pubsub", .since = "7.0.0", .summary = "Post a message to a shard channel" },
	{ .name = "publish", .arity = 3, .flags = KVS_CMD_PUBSUB | KVS_CMD_NOLOCK | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_FAST, .fn = publish_cmd, .group = "pubsub", .since = "2.0.0", .summary = "Posts a message to a channel." },
	{ .name = "pubsub", .arity = -2, .flags = KVS_CMD_PUBSUB | KVS_CMD_NOLOCK | KVS_CMD_LOADING | KVS_CMD_STALE, .fn = pubsub_cmd, .group = "pubsub", .since = "2.8.0", .summary = "A container for Pub/Sub commands." },
};

void kvs_register_pubsub(void);
void kvs_register_pubsub(void)
{
	kvs_cmd_register(pubsub_cmds, sizeof pubsub_cmds / sizeof *pubsub_cmds);
}
