/*
 * config.c - the directive table behind kvsconf.h, and the parsers that
 * read redis.conf-style text into struct kvs_config.
 *
 * Every directive is one row of `directives[]`: its name, value type,
 * range, default (written in config-file syntax and applied through the
 * same parser as a file, so a default can never be a value the parser
 * would refuse), whether CONFIG SET may change it, and where it lives in
 * the struct. Parsing a value and storing it are separate steps so that a
 * multi-directive CONFIG SET can check every value before changing any.
 */
#include "config.h"   /* autoconf's: system extensions (realpath) */
#include "kvsconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "env.h"
#include "util.h"

/* ---- the table ------------------------------------------------------- */

enum ctype {
	T_BOOL,     /* yes/no into an int */
	T_INT,      /* decimal into an int */
	T_LL,       /* decimal into a long long */
	T_MEM,      /* memory size (1k, 1kb, 1m, 1mb, 1g, 1gb) into a long long */
	T_OCTAL,    /* file mode in octal into an int */
	T_STR,      /* owned string */
	T_ENUM,     /* one of a list of names into an int */
	T_BIND,     /* 1..KVSD_MAX_BIND addresses */
	T_SAVE,     /* pairs of <seconds> <changes> */
	T_INCLUDE,  /* read another file in place; file only */
	T_INTS,     /* exactly clamp_lo integers in min..max, kept as one string */
	T_COBL,     /* client-output-buffer-limit: <class> <hard> <soft> <seconds>... */
};

#define F_MUTABLE   0x1u  /* CONFIG SET may change it */
#define F_NULLABLE  0x2u  /* T_STR: "" is stored as NULL */
#define F_NONEMPTY  0x4u  /* T_STR: "" is refused */
#define F_BASENAME  0x8u  /* T_STR: no '/' allowed */
#define F_SNAPSHOT  0x10u /* a non-default value needs LMDB snapshots */
#define F_INERT     0x20u /* accepted and shown, acts on nothing; `why` says why */
#define F_ONLYDEF   0x40u /* only the default is accepted; `why` is the refusal */

#ifndef HAVE_LMDB
#define NO_SNAPSHOTS_MSG "snapshots are not available: kvsd was built without LMDB (configure --with-lmdb)"
#endif

struct enum_item { const char *name; int value; };

struct directive {
	const char *name;
	enum ctype type;
	unsigned flags;
	size_t off;                     /* offsetof(struct kvs_config, field) */
	long long min, max;             /* numeric range, refused outside */
	long long clamp_lo, clamp_hi;   /* if clamp_hi: accepted, then clamped */
	const struct enum_item *items;  /* T_ENUM, ends with a NULL name */
	const char *def;                /* default in file syntax; NULL = none */
	const char *why;                /* F_INERT / F_ONLYDEF: the reason */
};

static const struct enum_item repl_diskless_loads[] = {
	{ "disabled", 0 }, { "on-empty-db", 1 }, { "swapdb", 2 }, { NULL, 0 },
};
static const struct enum_item oom_score_adjs[] = {
	{ "no", 0 }, { "yes", 1 }, { "relative", 1 }, { "absolute", 2 }, { NULL, 0 },
};
static const struct enum_item appendfsyncs[] = {
	{ "always", 0 }, { "everysec", 1 }, { "no", 2 }, { NULL, 0 },
};

/* Listed in Redis's order, which is also the order of its error message. */
static const struct enum_item maxmemory_policies[] = {
	{ "volatile-lru", KVS_MAXMEM_VOLATILE_LRU },
	{ "volatile-lfu", KVS_MAXMEM_VOLATILE_LFU },
	{ "volatile-random", KVS_MAXMEM_VOLATILE_RANDOM },
	{ "volatile-ttl", KVS_MAXMEM_VOLATILE_TTL },
	{ "allkeys-lru", KVS_MAXMEM_ALLKEYS_LRU },
	{ "allkeys-lfu", KVS_MAXMEM_ALLKEYS_LFU },
	{ "allkeys-random", KVS_MAXMEM_ALLKEYS_RANDOM },
	{ "noeviction", KVS_MAXMEM_NOEVICTION },
	{ NULL, 0 },
};

static const struct enum_item loglevels[] = {
	{ "debug", KVS_LOG_DEBUG },
	{ "verbose", KVS_LOG_VERBOSE },
	{ "notice", KVS_LOG_NOTICE },
	{ "warning", KVS_LOG_WARNING },
	{ NULL, 0 },
};

static const struct enum_item syslog_facilities[] = {
	{ "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	{ NULL, 0 },
};

#define OFF(f) offsetof(struct kvs_config, f)
#define NUM(n, t, fl, f, lo, hi, d) { n, t, fl, OFF(f), lo, hi, 0, 0, NULL, d, NULL }
#define STR(n, fl, f, d)            { n, T_STR, fl, OFF(f), 0, 0, 0, 0, NULL, d, NULL }
#define ENUM(n, fl, f, it, d)       { n, T_ENUM, fl, OFF(f), 0, 0, 0, 0, it, d, NULL }
#define BOOL(n, fl, f, d)           { n, T_BOOL, fl, OFF(f), 0, 1, 0, 0, NULL, d, NULL }
/* redis.conf directives kvsd takes but does not act on (why: the reason) */
#define INUM(n, t, fl, f, lo, hi, d, w) \
	{ n, t, (fl) | F_INERT, OFF(compat.f), lo, hi, 0, 0, NULL, d, w }
#define ISTR(n, fl, f, d, w)        { n, T_STR, (fl) | F_INERT, OFF(compat.f), 0, 0, 0, 0, NULL, d, w }
#define IENUM(n, fl, f, it, d, w)   { n, T_ENUM, (fl) | F_INERT, OFF(compat.f), 0, 0, 0, 0, it, d, w }
#define IBOOL(n, fl, f, d, w)       { n, T_BOOL, (fl) | F_INERT, OFF(compat.f), 0, 1, 0, 0, NULL, d, w }

#define W_COSMETIC "cosmetic: kvsd has no logo or process title template"
#define W_RDB      "snapshots are LMDB files, not RDB (see save and dbfilename)"
#define W_REPL     "kvsd does not replicate the Redis way (replicaof is not supported)"
#define W_LAZY     "kvsd chooses itself which frees happen in the background"
#define W_PROC     "process tuning kvsd leaves to the kernel and the service manager"
#define W_AOF      "kvsd has no append-only file"
#define W_LIST     "lists are kept in 8 KiB packed nodes, uncompressed"
#define W_NONE(x)  "kvsd has no " x

static const struct directive directives[] = {
	{ "bind", T_BIND, 0, OFF(bind), 0, 0, 0, 0, NULL, "127.0.0.1", NULL },
	NUM("port", T_INT, 0, port, 0, 65535, "6379"),
	NUM("tcp-backlog", T_INT, 0, tcp_backlog, 0, INT_MAX, "511"),
	STR("unixsocket", F_NULLABLE, unixsocket, ""),
	NUM("unixsocketperm", T_OCTAL, 0, unixsocketperm, 0, 0777, "0"),
	BOOL("protected-mode", F_MUTABLE, protected_mode, "yes"),
	NUM("timeout", T_INT, F_MUTABLE, timeout, 0, INT_MAX, "0"),
	NUM("tcp-keepalive", T_INT, F_MUTABLE, tcp_keepalive, 0, INT_MAX, "300"),
	NUM("maxclients", T_INT, F_MUTABLE, maxclients, 1, INT_MAX, "10000"),
	STR("requirepass", F_MUTABLE | F_NULLABLE, requirepass, ""),
	NUM("proto-max-bulk-len", T_MEM, F_MUTABLE, proto_max_bulk_len,
	    1024 * 1024, LLONG_MAX, "512mb"),
	NUM("client-query-buffer-limit", T_MEM, F_MUTABLE, client_query_buffer_limit,
	    1024 * 1024, LLONG_MAX, "1gb"),
	NUM("maxmemory", T_MEM, F_MUTABLE, maxmemory, 0, LLONG_MAX, "0"),
	ENUM("maxmemory-policy", F_MUTABLE, maxmemory_policy, maxmemory_policies, "noeviction"),
	NUM("databases", T_INT, 0, databases, 1, 1024, "16"),
	NUM("io-threads", T_INT, 0, io_threads, 0, 128, "0"),
	/* Redis accepts any hz and silently keeps it within 1..500. */
	{ "hz", T_INT, F_MUTABLE, OFF(hz), 0, INT_MAX, 1, 500, NULL, "10", NULL },
	NUM("node-id", T_INT, 0, node_id, 0, 1023, "0"),
	NUM("slowlog-log-slower-than", T_LL, F_MUTABLE, slowlog_log_slower_than,
	    -1, LLONG_MAX, "10000"),
	NUM("slowlog-max-len", T_LL, F_MUTABLE, slowlog_max_len, 0, LLONG_MAX, "128"),
	BOOL("daemonize", 0, daemonize, "no"),
	STR("pidfile", F_NULLABLE, pidfile, ""),
	STR("logfile", 0, logfile, ""),
	ENUM("loglevel", F_MUTABLE, loglevel, loglevels, "notice"),
	BOOL("syslog-enabled", 0, syslog_enabled, "no"),
	STR("syslog-ident", 0, syslog_ident, "kvsd"),
	ENUM("syslog-facility", 0, syslog_facility, syslog_facilities, "local0"),
	STR("dir", F_NONEMPTY, dir, "."),
	STR("dbfilename", F_NONEMPTY | F_BASENAME | F_SNAPSHOT, dbfilename, "kvsd.lmdb"),
	{ "save", T_SAVE, F_MUTABLE | F_SNAPSHOT, OFF(save), 0, 0, 0, 0, NULL, "", NULL },
	BOOL("stop-writes-on-bgsave-error", F_MUTABLE, stop_writes_on_bgsave_error, "yes"),
	/* encodings: applied (object.h), aliases as in Redis 7 */
	NUM("hash-max-listpack-entries", T_LL, F_MUTABLE, hash_max_listpack_entries, 0, LLONG_MAX, "512"),
	NUM("hash-max-ziplist-entries", T_LL, F_MUTABLE, hash_max_listpack_entries, 0, LLONG_MAX, "512"),
	NUM("hash-max-listpack-value", T_LL, F_MUTABLE, hash_max_listpack_value, 0, LLONG_MAX, "64"),
	NUM("hash-max-ziplist-value", T_LL, F_MUTABLE, hash_max_listpack_value, 0, LLONG_MAX, "64"),
	NUM("set-max-intset-entries", T_LL, F_MUTABLE, set_max_intset_entries, 0, LLONG_MAX, "512"),
	NUM("zset-max-listpack-entries", T_LL, F_MUTABLE, zset_max_listpack_entries, 0, LLONG_MAX, "128"),
	NUM("zset-max-ziplist-entries", T_LL, F_MUTABLE, zset_max_listpack_entries, 0, LLONG_MAX, "128"),
	NUM("zset-max-listpack-value", T_LL, F_MUTABLE, zset_max_listpack_value, 0, LLONG_MAX, "64"),
	NUM("zset-max-ziplist-value", T_LL, F_MUTABLE, zset_max_listpack_value, 0, LLONG_MAX, "64"),
	/* the rest of a stock redis.conf: accepted, shown, inert */
	{ "appendonly", T_BOOL, F_MUTABLE | F_ONLYDEF, OFF(compat.appendonly), 0, 1, 0, 0, NULL, "no",
	  "kvsd has no append-only file: it persists with LMDB snapshots (save, BGSAVE)" },
	{ "notify-keyspace-events", T_STR, F_MUTABLE | F_ONLYDEF, OFF(compat.notify_keyspace_events),
	  0, 0, 0, 0, NULL, "", "keyspace notifications are not supported" },
	IBOOL("always-show-logo", 0, always_show_logo, "no", W_COSMETIC),
	IBOOL("set-proc-title", 0, set_proc_title, "yes", W_COSMETIC),
	ISTR("proc-title-template", F_MUTABLE, proc_title_template,
	     "{title} {listen-addr} {server-mode}", W_COSMETIC),
	IBOOL("rdbcompression", F_MUTABLE, rdbcompression, "yes", W_RDB),
	IBOOL("rdbchecksum", F_MUTABLE, rdbchecksum, "yes", W_RDB),
	IBOOL("rdb-del-sync-files", F_MUTABLE, rdb_del_sync_files, "no", W_RDB),
	IBOOL("rdb-save-incremental-fsync", F_MUTABLE, rdb_save_incremental_fsync, "yes", W_RDB),
	IBOOL("replica-serve-stale-data", F_MUTABLE, replica_serve_stale_data, "yes", W_REPL),
	IBOOL("slave-serve-stale-data", F_MUTABLE, replica_serve_stale_data, "yes", W_REPL),
	IBOOL("replica-read-only", F_MUTABLE, replica_read_only, "yes", W_REPL),
	IBOOL("slave-read-only", F_MUTABLE, replica_read_only, "yes", W_REPL),
	IBOOL("repl-diskless-sync", F_MUTABLE, repl_diskless_sync, "yes", W_REPL),
	INUM("repl-diskless-sync-delay", T_INT, F_MUTABLE, repl_diskless_sync_delay, 0, INT_MAX, "5", W_REPL),
	INUM("repl-diskless-sync-max-replicas", T_INT, F_MUTABLE, repl_diskless_sync_max_replicas,
	     0, INT_MAX, "0", W_REPL),
	IENUM("repl-diskless-load", F_MUTABLE, repl_diskless_load, repl_diskless_loads, "disabled", W_REPL),
	IBOOL("repl-disable-tcp-nodelay", F_MUTABLE, repl_disable_tcp_nodelay, "no", W_REPL),
	INUM("replica-priority", T_INT, F_MUTABLE, replica_priority, 0, INT_MAX, "100", W_REPL),
	INUM("slave-priority", T_INT, F_MUTABLE, replica_priority, 0, INT_MAX, "100", W_REPL),
	IBOOL("replica-lazy-flush", F_MUTABLE, replica_lazy_flush, "no", W_REPL),
	IBOOL("slave-lazy-flush", F_MUTABLE, replica_lazy_flush, "no", W_REPL),
	INUM("acllog-max-len", T_INT, F_MUTABLE, acllog_max_len, 0, INT_MAX, "128", W_NONE("ACLs")),
	IBOOL("lazyfree-lazy-eviction", F_MUTABLE, lazyfree_lazy_eviction, "no", W_LAZY),
	IBOOL("lazyfree-lazy-expire", F_MUTABLE, lazyfree_lazy_expire, "no", W_LAZY),
	IBOOL("lazyfree-lazy-server-del", F_MUTABLE, lazyfree_lazy_server_del, "no", W_LAZY),
	IBOOL("lazyfree-lazy-user-del", F_MUTABLE, lazyfree_lazy_user_del, "no", W_LAZY),
	IBOOL("lazyfree-lazy-user-flush", F_MUTABLE, lazyfree_lazy_user_flush, "no", W_LAZY),
	IENUM("oom-score-adj", F_MUTABLE, oom_score_adj, oom_score_adjs, "no", W_PROC),
	{ "oom-score-adj-values", T_INTS, F_MUTABLE | F_INERT, OFF(compat.oom_score_adj_values),
	  -2000, 2000, 3, 0, NULL, "0 200 800", W_PROC },
	IBOOL("disable-thp", 0, disable_thp, "yes", W_PROC),
	IBOOL("jemalloc-bg-thread", F_MUTABLE, jemalloc_bg_thread, "yes", W_PROC),
	IBOOL("dynamic-hz", F_MUTABLE, dynamic_hz, "yes", "hz is used as set"),
	IBOOL("activerehashing", F_MUTABLE, activerehashing, "yes",
	      "large tables always rehash incrementally"),
	ISTR("appendfilename", 0, appendfilename, "appendonly.aof", W_AOF),
	ISTR("appenddirname", 0, appenddirname, "appendonlydir", W_AOF),
	IENUM("appendfsync", F_MUTABLE, appendfsync, appendfsyncs, "everysec", W_AOF),
	IBOOL("no-appendfsync-on-rewrite", F_MUTABLE, no_appendfsync_on_rewrite, "no", W_AOF),
	INUM("auto-aof-rewrite-percentage", T_INT, F_MUTABLE, auto_aof_rewrite_percentage,
	     0, INT_MAX, "100", W_AOF),
	INUM("auto-aof-rewrite-min-size", T_MEM, F_MUTABLE, auto_aof_rewrite_min_size,
	     0, LLONG_MAX, "64mb", W_AOF),
	IBOOL("aof-load-truncated", F_MUTABLE, aof_load_truncated, "yes", W_AOF),
	IBOOL("aof-use-rdb-preamble", F_MUTABLE, aof_use_rdb_preamble, "yes", W_AOF),
	IBOOL("aof-timestamp-enabled", F_MUTABLE, aof_timestamp_enabled, "no", W_AOF),
	IBOOL("aof-rewrite-incremental-fsync", F_MUTABLE, aof_rewrite_incremental_fsync, "yes", W_AOF),
	INUM("latency-monitor-threshold", T_LL, F_MUTABLE, latency_monitor_threshold,
	     0, LLONG_MAX, "0", W_NONE("latency monitor")),
	INUM("list-max-listpack-size", T_INT, F_MUTABLE, list_max_listpack_size, INT_MIN, INT_MAX, "-2", W_LIST),
	INUM("list-max-ziplist-size", T_INT, F_MUTABLE, list_max_listpack_size, INT_MIN, INT_MAX, "-2", W_LIST),
	INUM("list-compress-depth", T_INT, F_MUTABLE, list_compress_depth, 0, INT_MAX, "0", W_LIST),
	INUM("hll-sparse-max-bytes", T_MEM, F_MUTABLE, hll_sparse_max_bytes, 0, LLONG_MAX, "3000",
	     W_NONE("HyperLogLogs")),
	INUM("stream-node-max-bytes", T_MEM, F_MUTABLE, stream_node_max_bytes, 0, LLONG_MAX, "4096",
	     W_NONE("streams")),
	INUM("stream-node-max-entries", T_LL, F_MUTABLE, stream_node_max_entries, 0, LLONG_MAX, "100",
	     W_NONE("streams")),
	{ "client-output-buffer-limit", T_COBL, F_MUTABLE | F_INERT, OFF(compat.cobl), 0, 0, 0, 0, NULL,
	  "normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60",
	  "kvsd does not limit client output buffers yet" },
	{ "include", T_INCLUDE, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL },
};

#define NDIRECTIVES (sizeof(directives) / sizeof(directives[0]))

static const struct directive *lookup(const char *name)
{
	for (size_t i = 0; i < NDIRECTIVES; i++)
		if (strcasecmp(directives[i].name, name) == 0)
			return &directives[i];
	return NULL;
}

static int *int_field(struct kvs_config *cfg, const struct directive *d)
{
	return (int *)((char *)cfg + d->off);
}

static long long *ll_field(struct kvs_config *cfg, const struct directive *d)
{
	return (long long *)((char *)cfg + d->off);
}

static char **str_field(struct kvs_config *cfg, const struct directive *d)
{
	return (char **)((char *)cfg + d->off);
}

/* ---- a growable string --------------------------------------------- */

struct sbuf { char *p; size_t len, cap; };

static void sb_putc(struct sbuf *b, char c)
{
	if (b->len + 2 > b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->p = kvs_realloc(b->p, b->cap);
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	while (*s)
		sb_putc(b, *s++);
}

/* The string built so far, owned by the caller ("" if nothing was put). */
static char *sb_take(struct sbuf *b)
{
	char *p = b->p ? b->p : kvs_strndup("", 0);
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

/* ---- splitting a line (Redis's sdssplitargs rules) ------------------- */

enum { SPLIT_OK = 0, SPLIT_QUOTES = -1, SPLIT_NUL = -2 };

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static char unescape(char c)
{
	switch (c) {
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'b': return '\b';
	case 'a': return '\a';
	default: return c;
	}
}

/* One double-quoted argument: *pp is just past the opening quote. */
static int split_dquoted(const char **pp, struct sbuf *cur)
{
	const char *p = *pp;
	for (;; p++) {
		if (*p == '\0')
			return SPLIT_QUOTES;
		if (p[0] == '\\' && p[1] == 'x' && hexval(p[2]) >= 0 && hexval(p[3]) >= 0) {
			int byte = hexval(p[2]) * 16 + hexval(p[3]);
			if (byte == 0)
				return SPLIT_NUL; /* argv holds C strings */
			sb_putc(cur, (char)byte);
			p += 3;
		} else if (p[0] == '\\' && p[1] != '\0') {
			sb_putc(cur, unescape(*++p));
		} else if (*p == '"') {
			/* a closing quote must end the argument */
			if (p[1] != '\0' && !isspace((unsigned char)p[1]))
				return SPLIT_QUOTES;
			*pp = p + 1;
			return SPLIT_OK;
		} else {
			sb_putc(cur, *p);
		}
	}
}

/* One single-quoted argument: only \' is an escape. */
static int split_squoted(const char **pp, struct sbuf *cur)
{
	const char *p = *pp;
	for (;; p++) {
		if (*p == '\0')
			return SPLIT_QUOTES;
		if (p[0] == '\\' && p[1] == '\'') {
			sb_putc(cur, '\'');
			p++;
		} else if (*p == '\'') {
			if (p[1] != '\0' && !isspace((unsigned char)p[1]))
				return SPLIT_QUOTES;
			*pp = p + 1;
			return SPLIT_OK;
		} else {
			sb_putc(cur, *p);
		}
	}
}

/* One argument starting at *pp (not a space); quotes may open mid-word. */
static int split_one(const char **pp, struct sbuf *cur)
{
	const char *p = *pp;
	int rc;
	for (;;) {
		switch (*p) {
		case '\0': case ' ': case '\n': case '\r': case '\t':
			*pp = p;
			return SPLIT_OK;
		case '"':
			p++;
			if ((rc = split_dquoted(&p, cur)) != SPLIT_OK)
				return rc;
			*pp = p;
			return SPLIT_OK;
		case '\'':
			p++;
			if ((rc = split_squoted(&p, cur)) != SPLIT_OK)
				return rc;
			*pp = p;
			return SPLIT_OK;
		default:
			sb_putc(cur, *p++);
		}
	}
}

static int split_args(const char *line, char ***argvp, int *argcp)
{
	char **argv = NULL;
	int argc = 0, rc = SPLIT_OK;
	const char *p = line;
	struct sbuf cur = { 0 };

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if ((rc = split_one(&p, &cur)) != SPLIT_OK)
			break;
		argv = kvs_realloc(argv, sizeof(*argv) * (size_t)(argc + 1));
		argv[argc++] = sb_take(&cur);
	}
	if (rc != SPLIT_OK) {
		free(cur.p);
		config_free_argv(argc, argv);
		return rc;
	}
	*argvp = argv;
	*argcp = argc;
	return SPLIT_OK;
}

int config_split_line(const char *line, char ***argv)
{
	int argc;
	*argv = NULL;
	if (split_args(line, argv, &argc) != SPLIT_OK)
		return -1;
	return argc;
}

void config_free_argv(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* ---- parsing one value ----------------------------------------------- */

/* A parsed value, not yet stored. Strings in it are owned by it. */
struct cval {
	long long n;
	char *s;
	int nlist;
	char *list[KVSD_MAX_BIND];
	int nsave;
	struct kvs_save_rule save[KVSD_MAX_SAVE];
	long long cobl[3][3];  /* T_COBL: per class (normal, replica, pubsub) */
	int cobl_set[3];       /* ...which classes the value names */
};

static void cval_free(struct cval *v)
{
	free(v->s);
	for (int i = 0; i < v->nlist; i++)
		free(v->list[i]);
	memset(v, 0, sizeof(*v));
}

static int fail(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Redis's memtoull units: k/m/g are powers of ten, kb/mb/gb of two. */
static int parse_memory(const char *s, long long *out)
{
	static const struct { const char *unit; long long mul; } units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1000 }, { "kb", 1024 },
		{ "m", 1000 * 1000 }, { "mb", 1024 * 1024 },
		{ "g", 1000LL * 1000 * 1000 }, { "gb", 1024LL * 1024 * 1024 },
	};
	const char *u = s;
	long long v = 0;

	while (*u >= '0' && *u <= '9') {
		if (v > (LLONG_MAX - (*u - '0')) / 10)
			return -1;
		v = v * 10 + (*u++ - '0');
	}
	if (u == s)
		return -1; /* stricter than Redis, which reads "" and "mb" as 0 */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(u, units[i].unit) != 0)
			continue;
		if (v > LLONG_MAX / units[i].mul)
			return -1;
		*out = v * units[i].mul;
		return 0;
	}
	return -1;
}

static int parse_octal(const char *s, long long *out)
{
	long long v = 0;
	if (*s == '\0' || strlen(s) > 12)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -1;
		v = v * 8 + (*s - '0');
	}
	*out = v;
	return 0;
}

static int parse_number(const struct directive *d, const char *s, struct cval *v,
			char *msg, size_t msglen)
{
	if (d->type == T_MEM) {
		if (parse_memory(s, &v->n) != 0)
			return fail(msg, msglen, "argument must be a memory value");
	} else if (d->type == T_OCTAL) {
		if (parse_octal(s, &v->n) != 0)
			return fail(msg, msglen, "argument couldn't be parsed into an integer");
		if (v->n < d->min || v->n > d->max)
			return fail(msg, msglen, "argument must be between %llo and %llo inclusive",
				    (unsigned long long)d->min, (unsigned long long)d->max);
		return 0;
	} else if (!kvs_str2ll(s, strlen(s), &v->n)) {
		return fail(msg, msglen, "argument couldn't be parsed into an integer");
	}
	if (v->n < d->min || v->n > d->max)
		return fail(msg, msglen, "argument must be between %lld and %lld inclusive",
			    d->min, d->max);
	if (d->clamp_hi)
		v->n = v->n < d->clamp_lo ? d->clamp_lo : v->n > d->clamp_hi ? d->clamp_hi : v->n;
	return 0;
}

static int parse_enum(const struct directive *d, const char *s, struct cval *v,
		      char *msg, size_t msglen)
{
	struct sbuf names = { 0 };
	for (const struct enum_item *it = d->items; it->name; it++) {
		if (strcasecmp(it->name, s) == 0) {
			v->n = it->value;
			return 0;
		}
	}
	for (const struct enum_item *it = d->items; it->name; it++) {
		if (it != d->items)
			sb_puts(&names, ", ");
		sb_puts(&names, it->name);
	}
	fail(msg, msglen, "argument(s) must be one of the following: %s", names.p);
	free(names.p);
	return -1;
}

static int parse_string(const struct directive *d, const char *s, struct cval *v,
			char *msg, size_t msglen)
{
	if ((d->flags & F_NONEMPTY) && *s == '\0')
		return fail(msg, msglen, "argument can't be empty");
	if ((d->flags & F_BASENAME) && strchr(s, '/'))
		return fail(msg, msglen, "argument can't be a path, just a filename");
#ifndef HAVE_LMDB
	if ((d->flags & F_SNAPSHOT) && strcmp(s, d->def) != 0)
		return fail(msg, msglen, NO_SNAPSHOTS_MSG);
#endif
	v->s = (*s == '\0' && (d->flags & F_NULLABLE)) ? NULL : kvs_strndup(s, strlen(s));
	return 0;
}

/*
 * bind and save take their words either as separate arguments (a file
 * line) or as one argument to split (CONFIG SET, `save ""`).
 */
static int list_words(int argc, const char *const *argv, char ***words, int *nwords,
		      char *msg, size_t msglen)
{
	if (argc == 1) {
		int rc = split_args(argv[0], words, nwords);
		if (rc == SPLIT_NUL)
			return fail(msg, msglen, "argument contains a NUL byte");
		if (rc != SPLIT_OK)
			return fail(msg, msglen, "unbalanced quotes in argument");
		return 0;
	}
	*words = kvs_calloc((size_t)argc, sizeof(**words));
	for (int i = 0; i < argc; i++)
		(*words)[i] = kvs_strndup(argv[i], strlen(argv[i]));
	*nwords = argc;
	return 0;
}

static int parse_bind(int n, char **w, struct cval *v, char *msg, size_t msglen)
{
	if (n == 0)
		return fail(msg, msglen, "at least one address is required");
	if (n > KVSD_MAX_BIND)
		return fail(msg, msglen, "too many addresses (at most %d)", KVSD_MAX_BIND);
	for (int i = 0; i < n; i++)
		if (*w[i] == '\0')
			return fail(msg, msglen, "an address can't be empty");
	for (int i = 0; i < n; i++) {
		v->list[i] = w[i];
		w[i] = NULL;
	}
	v->nlist = n;
	return 0;
}

static int parse_save(int n, char **w, struct cval *v, char *msg, size_t msglen)
{
	if (n % 2)
		return fail(msg, msglen, "Invalid save parameters: expected pairs of <seconds> <changes>");
	if (n / 2 > KVSD_MAX_SAVE)
		return fail(msg, msglen, "Invalid save parameters: more than %d rules", KVSD_MAX_SAVE);
	for (int i = 0; i < n; i += 2) {
		struct kvs_save_rule *r = &v->save[i / 2];
		if (!kvs_str2ll(w[i], strlen(w[i]), &r->seconds) || r->seconds < 1)
			return fail(msg, msglen, "Invalid save parameters: seconds must be an "
				    "integer >= 1, not '%s'", w[i]);
		if (!kvs_str2ll(w[i + 1], strlen(w[i + 1]), &r->changes) || r->changes < 0)
			return fail(msg, msglen, "Invalid save parameters: changes must be an "
				    "integer >= 0, not '%s'", w[i + 1]);
	}
	v->nsave = n / 2;
#ifndef HAVE_LMDB
	if (v->nsave > 0)
		return fail(msg, msglen, NO_SNAPSHOTS_MSG);
#endif
	return 0;
}

/* oom-score-adj-values: exactly clamp_lo integers in min..max, stored
 * as one space-separated string. */
static int parse_ints(const struct directive *d, int n, char **w, struct cval *v, char *msg,
		      size_t msglen)
{
	struct sbuf b = { 0 };
	if (n != d->clamp_lo)
		return fail(msg, msglen, "expected %lld integers", d->clamp_lo);
	for (int i = 0; i < n; i++) {
		long long x;
		if (!kvs_str2ll(w[i], strlen(w[i]), &x) || x < d->min || x > d->max) {
			free(b.p);
			return fail(msg, msglen, "argument must be %lld integers between %lld and %lld",
				    d->clamp_lo, d->min, d->max);
		}
		if (i)
			sb_putc(&b, ' ');
		sb_puts(&b, w[i]);
	}
	v->s = sb_take(&b);
	return 0;
}

/* client-output-buffer-limit: groups of <class> <hard> <soft> <seconds>. */
static int parse_cobl(int n, char **w, struct cval *v, char *msg, size_t msglen)
{
	static const char *const classes[] = { "normal", "replica", "pubsub" };
	if (n == 0 || n % 4)
		return fail(msg, msglen, "Wrong number of arguments in buffer limit configuration.");
	for (int i = 0; i < n; i += 4) {
		int k = -1;
		long long hard, soft, secs;
		for (int j = 0; j < 3; j++)
			if (strcasecmp(w[i], classes[j]) == 0)
				k = j;
		if (strcasecmp(w[i], "slave") == 0)
			k = 1;
		if (k < 0)
			return fail(msg, msglen, "Invalid client class specified in buffer limit configuration.");
		if (parse_memory(w[i + 1], &hard) != 0 || parse_memory(w[i + 2], &soft) != 0 ||
		    !kvs_str2ll(w[i + 3], strlen(w[i + 3]), &secs) || secs < 0)
			return fail(msg, msglen, "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
		v->cobl[k][0] = hard;
		v->cobl[k][1] = soft;
		v->cobl[k][2] = secs;
		v->cobl_set[k] = 1;
	}
	return 0;
}

static int parse_list(const struct directive *d, int argc, const char *const *argv,
		      struct cval *v, char *msg, size_t msglen)
{
	char **w = NULL;
	int n = 0, rc;
	if (list_words(argc, argv, &w, &n, msg, msglen) != 0)
		return -1;
	rc = d->type == T_BIND ? parse_bind(n, w, v, msg, msglen)
	     : d->type == T_SAVE ? parse_save(n, w, v, msg, msglen)
	     : d->type == T_INTS ? parse_ints(d, n, w, v, msg, msglen)
				 : parse_cobl(n, w, v, msg, msglen);
	config_free_argv(n, w); /* parse_bind took the words it kept */
	return rc;
}

/* Parse argv (the arguments after the name) into v. On failure v holds
 * nothing and msg says why, in Redis's words where Redis has them. */
static int parse_value(const struct directive *d, int argc, const char *const *argv,
		       struct cval *v, char *msg, size_t msglen)
{
	int rc;
	memset(v, 0, sizeof(*v));
	switch (d->type) {
	case T_BOOL:
		if (strcasecmp(argv[0], "yes") == 0)
			v->n = 1;
		else if (strcasecmp(argv[0], "no") == 0)
			v->n = 0;
		else
			return fail(msg, msglen, "argument must be 'yes' or 'no'");
		return 0;
	case T_INT: case T_LL: case T_MEM: case T_OCTAL:
		return parse_number(d, argv[0], v, msg, msglen);
	case T_ENUM:
		return parse_enum(d, argv[0], v, msg, msglen);
	case T_STR:
		return parse_string(d, argv[0], v, msg, msglen);
	case T_BIND: case T_SAVE: case T_INTS: case T_COBL:
		if ((rc = parse_list(d, argc, argv, v, msg, msglen)) != 0)
			cval_free(v);
		return rc;
	case T_INCLUDE:
		break;
	}
	return fail(msg, msglen, "not a value directive");
}

/* Is v (parsed for d) d's default? For the scalar and string types and
 * client-output-buffer-limit, which are all that F_ONLYDEF and F_INERT
 * directives use. */
static int is_default(const struct directive *d, const struct cval *v)
{
	struct cval def;
	const char *dargv[1] = { d->def };
	char msg[128];
	int same;
	if (!d->def || parse_value(d, 1, dargv, &def, msg, sizeof(msg)) != 0)
		return 0;
	same = def.n == v->n && (def.s && v->s ? strcmp(def.s, v->s) == 0 : !def.s && !v->s);
	for (int k = 0; k < 3; k++)
		if (v->cobl_set[k] && memcmp(v->cobl[k], def.cobl[k], sizeof(def.cobl[k])) != 0)
			same = 0;
	cval_free(&def);
	return same;
}

/* parse_value, and for F_ONLYDEF directives the refusal of anything but
 * the default. */
static int parse_checked(const struct directive *d, int argc, const char *const *argv,
			 struct cval *v, char *msg, size_t msglen)
{
	if (parse_value(d, argc, argv, v, msg, msglen) != 0)
		return -1;
	if ((d->flags & F_ONLYDEF) && !is_default(d, v)) {
		cval_free(v);
		return fail(msg, msglen, "%s", d->why);
	}
	return 0;
}

/* ---- storing and formatting ------------------------------------------ */

struct config_retired {
	struct config_retired *next;
	char *s;
};

/* Free a replaced string now, or keep it until config_free() when another
 * thread may still be reading it (run time). */
static void drop_string(struct kvs_config *cfg, char *s, int retire)
{
	struct config_retired *r;
	if (!s)
		return;
	if (!retire) {
		free(s);
		return;
	}
	r = kvs_malloc(sizeof(*r));
	r->s = s;
	r->next = cfg->retired;
	cfg->retired = r;
}

/* Store v into cfg, taking its strings. `append` adds save rules to the
 * ones already there (the caller checked they fit). Cannot fail. */
static void commit(struct kvs_config *cfg, const struct directive *d, struct cval *v,
		   int append, int retire)
{
	switch (d->type) {
	case T_BOOL: case T_INT: case T_OCTAL: case T_ENUM:
		*int_field(cfg, d) = (int)v->n;
		break;
	case T_LL: case T_MEM:
		*ll_field(cfg, d) = v->n;
		break;
	case T_STR: case T_INTS:
		drop_string(cfg, *str_field(cfg, d), retire);
		*str_field(cfg, d) = v->s;
		v->s = NULL;
		break;
	case T_COBL:
		for (int k = 0; k < 3; k++)
			if (v->cobl_set[k])
				memcpy(cfg->compat.cobl[k], v->cobl[k], sizeof(v->cobl[k]));
		break;
	case T_BIND:
		for (int i = 0; i < cfg->nbind; i++)
			drop_string(cfg, cfg->bind[i], retire);
		memcpy(cfg->bind, v->list, sizeof(cfg->bind));
		cfg->nbind = v->nlist;
		v->nlist = 0;
		break;
	case T_SAVE:
		if (!append)
			cfg->nsave = 0;
		memcpy(&cfg->save[cfg->nsave], v->save, sizeof(v->save[0]) * (size_t)v->nsave);
		cfg->nsave += v->nsave;
		break;
	case T_INCLUDE:
		break;
	}
	cval_free(v);
}

static void sb_putll(struct sbuf *b, long long n)
{
	char num[24];
	kvs_ll2str(num, n);
	sb_puts(b, num);
}

/* The value as CONFIG GET shows it; owned by the caller. */
static char *format_value(const struct kvs_config *cfg, const struct directive *d)
{
	struct sbuf b = { 0 };
	const char *base = (const char *)cfg + d->off;
	char num[24];
	int n = 0;

	if (d->type == T_BOOL || d->type == T_INT || d->type == T_OCTAL || d->type == T_ENUM)
		n = *(const int *)base;

	switch (d->type) {
	case T_BOOL: sb_puts(&b, n ? "yes" : "no"); break;
	case T_INT: sb_putll(&b, n); break;
	case T_LL: case T_MEM: sb_putll(&b, *(const long long *)base); break;
	case T_OCTAL:
		snprintf(num, sizeof(num), "%o", (unsigned)n);
		sb_puts(&b, num);
		break;
	case T_STR: case T_INTS:
		if (*(char *const *)base)
			sb_puts(&b, *(char *const *)base);
		break;
	case T_COBL:
		/* Redis 7.0 still names the replica class "slave" here */
		for (int k = 0; k < 3; k++) {
			static const char *const names[] = { "normal", "slave", "pubsub" };
			if (k)
				sb_putc(&b, ' ');
			sb_puts(&b, names[k]);
			for (int j = 0; j < 3; j++) {
				sb_putc(&b, ' ');
				sb_putll(&b, cfg->compat.cobl[k][j]);
			}
		}
		break;
	case T_ENUM:
		for (const struct enum_item *it = d->items; it->name; it++)
			if (it->value == n) {
				sb_puts(&b, it->name);
				break;
			}
		break;
	case T_BIND:
		for (int i = 0; i < cfg->nbind; i++) {
			if (i)
				sb_putc(&b, ' ');
			sb_puts(&b, cfg->bind[i]);
		}
		break;
	case T_SAVE:
		for (int i = 0; i < cfg->nsave; i++) {
			if (i)
				sb_putc(&b, ' ');
			sb_putll(&b, cfg->save[i].seconds);
			sb_putc(&b, ' ');
			sb_putll(&b, cfg->save[i].changes);
		}
		break;
	case T_INCLUDE:
		break;
	}
	return sb_take(&b);
}

/* ---- applying one directive ------------------------------------------ */

enum { E_OK, E_UNKNOWN, E_ARITY, E_VALUE };

/* State shared by one file load and the files it includes. */
struct loadstate {
	int save_seen;     /* a save line was read: later ones add rules */
	int depth;         /* files being read, outermost first */
	dev_t dev[KVSD_MAX_INCLUDE + 1];
	ino_t ino[KVSD_MAX_INCLUDE + 1];
};

/* Remember that an inert directive was given a non-default value (once). */
static void note_inert(struct kvs_config *cfg, const char *name)
{
	struct sbuf b = { 0 };
	const char *p = cfg->inert_set;
	size_t n = strlen(name);
	while (p && *p) {
		if (strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return;
		p = strchr(p, ' ');
		p = p ? p + 1 : NULL;
	}
	if (cfg->inert_set) {
		sb_puts(&b, cfg->inert_set);
		sb_putc(&b, ' ');
	}
	sb_puts(&b, name);
	free(cfg->inert_set);
	cfg->inert_set = sb_take(&b);
}

/* Apply a non-include directive outside CONFIG SET. With st (a file
 * load), the first save line replaces the rules and later ones add to
 * them, as in Redis. On E_VALUE msg says why. */
static int apply_one(struct kvs_config *cfg, struct loadstate *st, int argc,
		     const char *const *argv, char *msg, size_t msglen)
{
	const struct directive *d = lookup(argv[0]);
	struct cval v;
	int append;

	if (!d || d->type == T_INCLUDE)
		return E_UNKNOWN;
	if (argc < 2 || (argc > 2 && d->type != T_BIND && d->type != T_SAVE && d->type != T_INTS &&
			  d->type != T_COBL))
		return E_ARITY;
	if (parse_checked(d, argc - 1, argv + 1, &v, msg, msglen) != 0)
		return E_VALUE;
	append = st && d->type == T_SAVE && st->save_seen && v.nsave > 0;
	if (append && cfg->nsave + v.nsave > KVSD_MAX_SAVE) {
		cval_free(&v);
		fail(msg, msglen, "too many save rules in all (at most %d)", KVSD_MAX_SAVE);
		return E_VALUE;
	}
	if (st && d->type == T_SAVE)
		st->save_seen = 1;
	if ((d->flags & F_INERT) && !is_default(d, &v))
		note_inert(cfg, d->name);
	commit(cfg, d, &v, append, 0);
	return E_OK;
}

/* Word an apply_one failure; prefix is "FILE:LINE: " or "". */
static void apply_error(int code, const char *prefix, const char *name, const char *msg,
			char *err, size_t errlen)
{
	const struct directive *d = lookup(name);
	if (code == E_UNKNOWN)
		snprintf(err, errlen, "%sunknown directive '%s'", prefix, name);
	else if (code == E_ARITY)
		snprintf(err, errlen, "%swrong number of arguments for '%s'", prefix, d->name);
	else
		snprintf(err, errlen, "%s%s for '%s'", prefix, msg, d->name);
}

int config_set(struct kvs_config *cfg, int argc, const char **argv, char *err, size_t errlen)
{
	const struct directive **ds;
	struct cval *vals;
	char msg[256];
	int n = argc / 2, i, rc = -1;

	if (argc < 2) {
		snprintf(err, errlen, "ERR wrong number of arguments for 'config|set' command");
		return -1;
	}
	if (argc % 2) {
		snprintf(err, errlen, "ERR syntax error");
		return -1;
	}
	ds = kvs_calloc((size_t)n, sizeof(*ds));
	vals = kvs_calloc((size_t)n, sizeof(*vals));
	for (i = 0; i < n; i++) {
		const struct directive *d = lookup(argv[2 * i]);
		if (!d || d->type == T_INCLUDE) {
			snprintf(err, errlen, "ERR Unknown option or number of arguments for "
				 "CONFIG SET - '%s'", argv[2 * i]);
			goto done;
		}
		if (!(d->flags & F_MUTABLE)) {
			snprintf(err, errlen, "ERR CONFIG SET failed (possibly related to argument "
				 "'%s') - can't set immutable config", d->name);
			goto done;
		}
		for (int j = 0; j < i; j++)
			if (ds[j]->off == d->off) {    /* aliases share a field */
				snprintf(err, errlen, "ERR CONFIG SET failed (possibly related to "
					 "argument '%s') - duplicate parameter", d->name);
				goto done;
			}
		ds[i] = d;
	}
	for (i = 0; i < n; i++) {
		if (parse_checked(ds[i], 1, &argv[2 * i + 1], &vals[i], msg, sizeof(msg)) != 0) {
			/* Redis's text, not the detail the file errors give */
			const char *why = ds[i]->type == T_SAVE && !strncmp(msg, "Invalid", 7)
					  ? "Invalid save parameters" : msg;
			snprintf(err, errlen, "ERR CONFIG SET failed (possibly related to argument "
				 "'%s') - %s", ds[i]->name, why);
			goto done;
		}
	}
	for (i = 0; i < n; i++)
		commit(cfg, ds[i], &vals[i], 0, 1);
	rc = 0;
done:
	for (i = 0; i < n; i++)
		cval_free(&vals[i]);
	free(vals);
	free(ds);
	return rc;
}

/* ---- files and includes ---------------------------------------------- */

static int load_text(struct kvs_config *cfg, struct loadstate *st, const char *text,
		     size_t len, const char *name, char *err, size_t errlen);

/* Read a whole file into a NUL-terminated buffer (owned by the caller).
 * 0, or an errno value. */
static int read_whole(const char *path, char **buf, size_t *len, struct stat *sb)
{
	size_t cap = 4096, n = 0;
	char *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return errno;
	if (fstat(fd, sb) != 0) {
		e = errno;
		close(fd);
		return e;
	}
	if (S_ISDIR(sb->st_mode)) {
		close(fd);
		return EISDIR;
	}
	p = kvs_malloc(cap);
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap)
			p = kvs_realloc(p, cap *= 2);
		r = read(fd, p + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			free(p);
			close(fd);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

/* Read `path` in place. `where` is "FILE:LINE: " of the include line, or
 * NULL for the outermost file (then errors are "PATH: strerror"). */
static int load_file(struct kvs_config *cfg, struct loadstate *st, const char *path,
		     const char *where, char *err, size_t errlen)
{
	struct stat sb;
	char *text = NULL;
	size_t len = 0;
	int e = read_whole(path, &text, &len, &sb), rc;

	if (e != 0) {
		if (where)
			snprintf(err, errlen, "%scan't read include file '%s': %s", where, path,
				 strerror(e));
		else
			snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -1;
	}
	for (int i = 0; i < st->depth; i++) {
		if (st->dev[i] == sb.st_dev && st->ino[i] == sb.st_ino) {
			snprintf(err, errlen, "%sinclude cycle: '%s' is already being read",
				 where ? where : "", path);
			free(text);
			return -1;
		}
	}
	if (st->depth > KVSD_MAX_INCLUDE) {
		snprintf(err, errlen, "%sincludes nested more than %d deep at '%s'",
			 where ? where : "", KVSD_MAX_INCLUDE, path);
		free(text);
		return -1;
	}
	st->dev[st->depth] = sb.st_dev;
	st->ino[st->depth] = sb.st_ino;
	st->depth++;
	rc = load_text(cfg, st, text, len, path, err, errlen);
	st->depth--;
	free(text);
	return rc;
}

/* A relative include is found next to the file that names it. */
static char *include_path(const char *from, const char *path)
{
	const char *slash = strrchr(from, '/');
	size_t dlen;
	char *p;

	if (path[0] == '/' || !slash)
		return kvs_strndup(path, strlen(path));
	dlen = (size_t)(slash - from) + 1;
	p = kvs_malloc(dlen + strlen(path) + 1);
	memcpy(p, from, dlen);
	strcpy(p + dlen, path);
	return p;
}

static int do_include(struct kvs_config *cfg, struct loadstate *st, int argc, char **argv,
		      const char *where, const char *from, char *err, size_t errlen)
{
	char *path;
	int rc;

	if (argc != 2) {
		snprintf(err, errlen, "%swrong number of arguments for 'include'", where);
		return -1;
	}
	if (argv[1][0] == '\0') {
		snprintf(err, errlen, "%sinclude needs a file name", where);
		return -1;
	}
	path = include_path(from, argv[1]);
	rc = load_file(cfg, st, path, where, err, errlen);
	free(path);
	return rc;
}

/* One line: the text from line to line+len, without its newline. */
static int load_line(struct kvs_config *cfg, struct loadstate *st, const char *line,
		     size_t len, const char *name, int lineno, char *err, size_t errlen)
{
	char where[PATH_MAX + 32], msg[256], *copy, *s, **argv = NULL;
	int argc = 0, rc = 0, code;

	snprintf(where, sizeof(where), "%s:%d: ", name, lineno);
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "%sline contains a NUL byte", where);
		return -1;
	}
	copy = kvs_strndup(line, len);
	for (s = copy; *s == ' ' || *s == '\t' || *s == '\r'; s++)
		;
	if (*s == '\0' || *s == '#')
		goto done;
	code = split_args(s, &argv, &argc);
	if (code != SPLIT_OK) {
		snprintf(err, errlen, code == SPLIT_NUL ? "%sargument contains a NUL byte (\\x00)"
			 : "%sunbalanced quotes in configuration line", where);
		rc = -1;
		goto done;
	}
	if (argc == 0)
		goto done;
	if (strcasecmp(argv[0], "include") == 0) {
		rc = do_include(cfg, st, argc, argv, where, name, err, errlen);
		goto done;
	}
	code = apply_one(cfg, st, argc, (const char *const *)argv, msg, sizeof(msg));
	if (code != E_OK) {
		apply_error(code, where, argv[0], msg, err, errlen);
		rc = -1;
	}
done:
	config_free_argv(argc, argv);
	free(copy);
	return rc;
}

static int load_text(struct kvs_config *cfg, struct loadstate *st, const char *text,
		     size_t len, const char *name, char *err, size_t errlen)
{
	const char *p = text, *end = text + len;
	int lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		if (load_line(cfg, st, p, (size_t)(le - p), name, ++lineno, err, errlen) != 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int config_load_file(struct kvs_config *cfg, const char *path, char *err, size_t errlen)
{
	struct loadstate st = { 0 };
	char *abs;

	if (load_file(cfg, &st, path, NULL, err, errlen) != 0)
		return -1;
	abs = realpath(path, NULL);
	free(cfg->config_file);
	cfg->config_file = abs ? abs : kvs_strndup(path, strlen(path));
	return 0;
}

int config_load_string(struct kvs_config *cfg, const char *text, const char *name,
		       char *err, size_t errlen)
{
	struct loadstate st = { 0 };
	return load_text(cfg, &st, text, strlen(text), name, err, errlen);
}

int config_apply(struct kvs_config *cfg, int argc, const char **argv, int runtime,
		 char *err, size_t errlen)
{
	char msg[256];
	int code;

	if (argc < 1) {
		snprintf(err, errlen, runtime ? "ERR wrong number of arguments for 'config|set' "
			 "command" : "no directive given");
		return -1;
	}
	if (runtime) {
		if (argc != 2) {
			snprintf(err, errlen, "ERR Unknown option or number of arguments for "
				 "CONFIG SET - '%s'", argv[0]);
			return -1;
		}
		return config_set(cfg, argc, argv, err, errlen);
	}
	if (strcasecmp(argv[0], "include") == 0) {
		struct loadstate st = { 0 };
		if (argc != 2) {
			snprintf(err, errlen, "wrong number of arguments for 'include'");
			return -1;
		}
		return load_file(cfg, &st, argv[1], NULL, err, errlen);
	}
	code = apply_one(cfg, NULL, argc, argv, msg, sizeof(msg));
	if (code == E_OK)
		return 0;
	apply_error(code, "", argv[0], msg, err, errlen);
	return -1;
}

/* ---- whole-config operations ----------------------------------------- */

void config_defaults(struct kvs_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NDIRECTIVES; i++) {
		const struct directive *d = &directives[i];
		const char *argv[1] = { d->def };
		struct cval v;
		char msg[256];

		if (!d->def)
			continue;
		if (parse_value(d, 1, argv, &v, msg, sizeof(msg)) != 0) {
			/* a table bug: the unit tests load every default */
			fprintf(stderr, "kvsd: bad default for '%s': %s\n", d->name, msg);
			abort();
		}
		commit(cfg, d, &v, 0, 0);
	}
}

void config_free(struct kvs_config *cfg)
{
	for (size_t i = 0; i < NDIRECTIVES; i++)
		if (directives[i].type == T_STR || directives[i].type == T_INTS)
			free(*str_field(cfg, &directives[i]));
	free(cfg->inert_set);
	for (int i = 0; i < cfg->nbind; i++)
		free(cfg->bind[i]);
	free(cfg->config_file);
	while (cfg->retired) {
		struct config_retired *r = cfg->retired;
		cfg->retired = r->next;
		free(r->s);
		free(r);
	}
	memset(cfg, 0, sizeof(*cfg));
}

int config_validate(const struct kvs_config *cfg, char *err, size_t errlen)
{
	size_t maxpath = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (cfg->port == 0 && !cfg->unixsocket) {
		snprintf(err, errlen, "nothing to listen on: port is 0 and no unixsocket is set");
		return -1;
	}
	if (cfg->unixsocket && strlen(cfg->unixsocket) > maxpath) {
		snprintf(err, errlen, "unixsocket path is too long (%zu bytes, at most %zu)",
			 strlen(cfg->unixsocket), maxpath);
		return -1;
	}
	if (cfg->nbind < 1) {
		snprintf(err, errlen, "bind has no address");
		return -1;
	}
	return 0;
}

void config_get(const struct kvs_config *cfg, const char *pattern, config_visit_fn *fn,
		void *arg)
{
	size_t plen = strlen(pattern);

	/* Like Redis 7.0, a name without glob characters is looked up and
	 * answered with the name as the client spelled it. */
	if (!strpbrk(pattern, "*?[")) {
		const struct directive *d = lookup(pattern);
		if (d && d->type != T_INCLUDE) {
			char *v = format_value(cfg, d);
			fn(arg, pattern, v);
			free(v);
		}
		return;
	}
	for (size_t i = 0; i < NDIRECTIVES; i++) {
		const struct directive *d = &directives[i];
		char *v;
		if (d->type == T_INCLUDE ||
		    !kvs_glob(pattern, plen, d->name, strlen(d->name), 1))
			continue;
		v = format_value(cfg, d);
		fn(arg, d->name, v);
		free(v);
	}
}
