/*
 * t_slowlog.c - SLOWLOG, MONITOR and LATENCY.
 *
 * kvs_exec times every command (two monotonic clock reads); a command at
 * least slowlog-log-slower-than microseconds long is recorded here, in a
 * bounded list guarded by a mutex (only slow commands ever take it).
 * MONITOR clients are a list of outboxes; kvs_exec pays one atomic load
 * per command while nobody monitors.
 */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "outbox.h"
#include "util.h"

#define SLOWLOG_MAX_ARGC 32
#define SLOWLOG_MAX_ARGLEN 128

struct slow_entry {
	long long id;
	long long time;           /* unix seconds */
	long long usec;
	int argc;                 /* as recorded (<= SLOWLOG_MAX_ARGC) */
	struct resp_arg *argv;    /* one allocation with the bytes */
	char addr[64];
	char name[64];
};

struct kvs_slowlog {
	pthread_mutex_t lock;
	struct slow_entry *e;     /* ring, newest at head */
	size_t n, cap, head;
	long long next_id;
};

struct kvs_monitors {
	pthread_mutex_t lock;
	struct kvs_client **c;
	int n, cap;
};

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static struct kvs_slowlog *slowlog(struct kvs_engine *eng)
{
	pthread_mutex_lock(&init_lock);
	if (!eng->slowlog) {
		eng->slowlog = kvs_calloc(1, sizeof *eng->slowlog);
		pthread_mutex_init(&eng->slowlog->lock, NULL);
	}
	pthread_mutex_unlock(&init_lock);
	return eng->slowlog;
}

static struct kvs_monitors *monitors(struct kvs_engine *eng)
{
	pthread_mutex_lock(&init_lock);
	if (!eng->monitors) {
		eng->monitors = kvs_calloc(1, sizeof *eng->monitors);
		pthread_mutex_init(&eng->monitors->lock, NULL);
	}
	pthread_mutex_unlock(&init_lock);
	return eng->monitors;
}

static void entry_free(struct slow_entry *e)
{
	free(e->argv);
	e->argv = NULL;
}

void kvs_slowlog_add(struct kvs_client *c, uint64_t usec)
{
	struct kvs_slowlog *sl = slowlog(c->eng);
	long long maxlen = atomic_load(&c->eng->slowlog_max_len);
	int argc = c->argc > SLOWLOG_MAX_ARGC ? SLOWLOG_MAX_ARGC : c->argc;
	size_t bytes = (size_t)argc * sizeof(struct resp_arg);
	char more[64];

	if (maxlen <= 0)
		return;
	for (int i = 0; i < argc; i++)
		bytes += (c->argv[i].len > SLOWLOG_MAX_ARGLEN ? SLOWLOG_MAX_ARGLEN + 40 : c->argv[i].len);
	/* The last slot may instead hold "... (N more arguments)", which can be
	 * longer than the argument it replaces. */
	bytes += sizeof more;
	struct resp_arg *argv = kvs_malloc(bytes);
	char *p = (char *)(argv + argc);
	for (int i = 0; i < argc; i++) {
		size_t n = c->argv[i].len;
		argv[i].p = p;
		if (argc < c->argc && i == argc - 1) {
			/* Redis: the last slot says how many args were left out. */
			int m = snprintf(more, sizeof more, "... (%d more arguments)", c->argc - argc + 1);
			memcpy(p, more, (size_t)m);
			argv[i].len = (size_t)m;
		} else if (n > SLOWLOG_MAX_ARGLEN) {
			memcpy(p, c->argv[i].p, SLOWLOG_MAX_ARGLEN);
			int m = snprintf(p + SLOWLOG_MAX_ARGLEN, 40, "... (%zu more bytes)", n - SLOWLOG_MAX_ARGLEN);
			argv[i].len = SLOWLOG_MAX_ARGLEN + (size_t)m;
		} else {
			memcpy(p, c->argv[i].p, n);
			argv[i].len = n;
		}
		p += argv[i].len;
	}

	pthread_mutex_lock(&sl->lock);
	if (sl->cap != (size_t)maxlen) {
		/* max-len changed: keep the newest entries that still fit. */
		struct slow_entry *ne = kvs_calloc((size_t)maxlen, sizeof *ne);
		size_t keep = sl->n < (size_t)maxlen ? sl->n : (size_t)maxlen;
		for (size_t i = 0; i < sl->n; i++) {
			struct slow_entry *e = &sl->e[(sl->head + i) % sl->cap];
			if (i < keep)
				ne[i] = *e;
			else
				entry_free(e);
		}
		free(sl->e);
		sl->e = ne;
		sl->cap = (size_t)maxlen;
		sl->n = keep;
		sl->head = 0;
	}
	sl->head = (sl->head + sl->cap - 1) % sl->cap;
	struct slow_entry *e = &sl->e[sl->head];
	if (sl->n == sl->cap)
		entry_free(e);
	else
		sl->n++;
	e->id = sl->next_id++;
	e->time = (long long)(c->now / 1000);
	e->usec = (long long)usec;
	e->argc = argc;
	e->argv = argv;
	snprintf(e->addr, sizeof e->addr, "%s", c->addr ? c->addr : "");
	snprintf(e->name, sizeof e->name, "%s", c->namep && *c->namep ? *c->namep : "");
	pthread_mutex_unlock(&sl->lock);
}

static void slowlog_cmd(struct kvs_client *c)
{
	struct kvs_slowlog *sl = slowlog(c->eng);
	if (arg_is(c, 1, "get") && c->argc <= 3) {
		long long count = 10;
		if (c->argc == 3) {
			if (!kvs_str2ll(c->argv[2].p, c->argv[2].len, &count) || count < -1) {
				reply_error(c, "ERR count should be greater than or equal to -1");
				return;
			}
		}
		pthread_mutex_lock(&sl->lock);
		size_t n = count < 0 || (size_t)count > sl->n ? sl->n : (size_t)count;
		reply_array(c, (long long)n);
		for (size_t i = 0; i < n; i++) {
			struct slow_entry *e = &sl->e[(sl->head + i) % sl->cap];
			reply_array(c, 6);
			reply_int(c, e->id);
			reply_int(c, e->time);
			reply_int(c, e->usec);
			reply_array(c, e->argc);
			for (int a = 0; a < e->argc; a++)
				reply_bulk(c, e->argv[a].p, e->argv[a].len);
			reply_bulk_cstr(c, e->addr);
			reply_bulk_cstr(c, e->name);
		}
		pthread_mutex_unlock(&sl->lock);
	} else if (arg_is(c, 1, "len") && c->argc == 2) {
		pthread_mutex_lock(&sl->lock);
		reply_int(c, (long long)sl->n);
		pthread_mutex_unlock(&sl->lock);
	} else if (arg_is(c, 1, "reset") && c->argc == 2) {
		pthread_mutex_lock(&sl->lock);
		for (size_t i = 0; i < sl->n; i++)
			entry_free(&sl->e[(sl->head + i) % sl->cap]);
		sl->n = 0;
		pthread_mutex_unlock(&sl->lock);
		reply_ok(c);
	} else if (arg_is(c, 1, "help") && c->argc == 2) {
		static const char *help[] = {
			"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"GET [<count>]",
			"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
			"    Entries are made of:",
			"    id, timestamp, time in microseconds, arguments array, client IP and port,",
			"    client name",
			"LEN", "    Return the length of the slowlog.",
			"RESET", "    Reset the slowlog.",
			"HELP", "    Print this help.",
		};
		reply_help(c, help, sizeof help / sizeof *help);
	} else {
		reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try SLOWLOG HELP.",
			     (int)c->argv[1].len, c->argv[1].p);
	}
}

/* ---- MONITOR --------------------------------------------------------- */
static void monitor_cmd(struct kvs_client *c)
{
	if (c->flags & KVS_CL_MONITOR) {
		reply_ok(c);
		return;
	}
	struct kvs_monitors *m = monitors(c->eng);
	pthread_mutex_lock(&m->lock);
	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 4;
		m->c = kvs_realloc(m->c, (size_t)m->cap * sizeof *m->c);
	}
	m->c[m->n++] = c;
	atomic_fetch_add(&c->eng->nmonitors, 1);
	pthread_mutex_unlock(&m->lock);
	c->flags |= KVS_CL_MONITOR;
	reply_ok(c);
}

void kvs_monitor_remove(struct kvs_client *c)
{
	if (!(c->flags & KVS_CL_MONITOR))
		return;
	struct kvs_monitors *m = monitors(c->eng);
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->n; i++)
		if (m->c[i] == c) {
			m->c[i] = m->c[--m->n];
			atomic_fetch_sub(&c->eng->nmonitors, 1);
			break;
		}
	pthread_mutex_unlock(&m->lock);
	c->flags &= ~KVS_CL_MONITOR;
}

static void repr(struct kvs_buf *b, const char *p, size_t len)
{
	kvs_buf_putc(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];
		char tmp[8];
		switch (ch) {
		case '\\': kvs_buf_append(b, "\\\\", 2); break;
		case '"': kvs_buf_append(b, "\\\"", 2); break;
		case '\n': kvs_buf_append(b, "\\n", 2); break;
		case '\r': kvs_buf_append(b, "\\r", 2); break;
		case '\t': kvs_buf_append(b, "\\t", 2); break;
		case '\a': kvs_buf_append(b, "\\a", 2); break;
		case '\b': kvs_buf_append(b, "\\b", 2); break;
		default:
			if (ch >= 32 && ch < 127)
				kvs_buf_putc(b, (char)ch);
			else {
				snprintf(tmp, sizeof tmp, "\\x%02x", ch);
				kvs_buf_append(b, tmp, 4);
			}
		}
	}
	kvs_buf_putc(b, '"');
}

void kvs_monitor_feed(struct kvs_client *c)
{
	struct kvs_monitors *m = monitors(c->eng);
	struct kvs_buf b = KVS_BUF_INIT;
	uint64_t us = kvs_env_now_ms(c->eng->env) * 1000;
	char head[128];
	int n = snprintf(head, sizeof head, "+%llu.%06llu [%d %s]", (unsigned long long)(us / 1000000),
			 (unsigned long long)(us % 1000000), c->db, c->addr ? c->addr : "?");
	kvs_buf_append(&b, head, (size_t)n);
	for (int i = 0; i < c->argc; i++) {
		kvs_buf_putc(&b, ' ');
		repr(&b, c->argv[i].p, c->argv[i].len);
	}
	kvs_buf_append(&b, "\r\n", 2);
	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < m->n; i++)
		if (m->c[i] != c && m->c[i]->ob)
			kvs_outbox_append(m->c[i]->ob, b.data, b.len, c->now);
	pthread_mutex_unlock(&m->lock);
	kvs_buf_free(&b);
}

/* ---- LATENCY ----------------------------------------------------------- */
/* kvs has no latency monitor (Redis's is off by default too, with
 * latency-monitor-threshold 0): there are never events to report. */
static void latency_cmd(struct kvs_client *c)
{
	if ((arg_is(c, 1, "latest") && c->argc == 2) || (arg_is(c, 1, "history") && c->argc == 3)) {
		reply_array(c, 0);
	} else if (arg_is(c, 1, "reset")) {
		reply_int(c, 0);
	} else if (arg_is(c, 1, "doctor") && c->argc == 2) {
		static const char msg[] =
			"Dave, no latency spike was observed during the lifetime of this kvsd instance, not in the "
			"slightest bit. I honestly think you ought to sleep a little bit more.\n";
		reply_verbatim(c, msg, sizeof msg - 1);
	} else if (arg_is(c, 1, "graph") && c->argc == 3) {
		reply_errorf(c, "ERR No samples available for event '%.*s'", (int)c->argv[2].len, c->argv[2].p);
	} else if (arg_is(c, 1, "histogram")) {
		reply_map(c, 0);
	} else if (arg_is(c, 1, "help") && c->argc == 2) {
		static const char *help[] = {
			"LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"DOCTOR", "    Return a human readable latency analysis report.",
			"GRAPH <event>", "    Return an ASCII latency graph for the <event> class.",
			"HISTORY <event>", "    Return time-latency samples for the <event> class.",
			"LATEST", "    Return the latest latency samples for all events.",
			"RESET [<event> ...]", "    Reset latency data of one or more <event> classes.",
			"    (default: reset all data for all event classes)",
			"HISTOGRAM [COMMAND ...]", "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
			"    If no commands are specified then all histograms are replied.",
			"HELP", "    Print this help.",
		};
		reply_help(c, help, sizeof help / sizeof *help);
	} else {
		reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try LATENCY HELP.",
			     (int)c->argv[1].len, c->argv[1].p);
	}
}

void kvs_slowlog_destroy(struct kvs_engine *eng)
{
	if (eng->slowlog) {
		struct kvs_slowlog *sl = eng->slowlog;
		for (size_t i = 0; i < sl->n; i++)
			entry_free(&sl->e[(sl->head + i) % sl->cap]);
		free(sl->e);
		pthread_mutex_destroy(&sl->lock);
		free(sl);
		eng->slowlog = NULL;
	}
	if (eng->monitors) {
		free(eng->monitors->c);
		pthread_mutex_destroy(&eng->monitors->lock);
		free(eng->monitors);
		eng->monitors = NULL;
	}
}

static const char *const slowlog_subs[] = { "slowlog|get", "slowlog|len", "slowlog|reset", "slowlog|help", NULL };
static const char *const latency_subs[] = { "latency|latest", "latency|history", "latency|reset", "latency|doctor",
					    "latency|graph", "latency|histogram", "latency|help", NULL };

static struct kvs_cmd slowlog_cmds[] = {
	{ .name = "slowlog", .arity = -2, .flags = KVS_CMD_ADMIN | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOLOCK, .fn = slowlog_cmd, .group = "server", .since = "2.2.12", .summary = "A container for slow log commands.", .subcommands = slowlog_subs },
	{ .name = "monitor", .arity = 1, .flags = KVS_CMD_ADMIN | KVS_CMD_NOSCRIPT | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOLOCK, .fn = monitor_cmd, .group = "server", .since = "1.0.0", .summary = "Listens for all requests received by the server in real-time." },
	{ .name = "latency", .arity = -2, .flags = KVS_CMD_ADMIN | KVS_CMD_NOSCRIPT | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOLOCK, .fn = latency_cmd, .group = "server", .since = "2.8.13", .summary = "A container for latency diagnostics commands.", .subcommands = latency_subs },
};

void kvs_register_slowlog(void);
void kvs_register_slowlog(void)
{
	kvs_cmd_register(slowlog_cmds, sizeof slowlog_cmds / sizeof *slowlog_cmds);
}
