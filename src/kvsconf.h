/*
 * kvsconf.h - kvsd's configuration: one validated struct, filled from the
 * embedded defaults, then /etc/kvsd.conf (or the file named on the command
 * line), then `--directive value` overrides, and changed at run time by
 * CONFIG SET for the directives marked mutable.
 *
 * The file format is Redis's: one `directive arg...` per line, `#` starts
 * a comment line, arguments split like redis.conf (double quotes with
 * \n \r \t \xHH escapes, single quotes), `include PATH` reads another
 * file in place. Directive names are case-insensitive. An unknown
 * directive, a wrong number of arguments or a bad value is an error that
 * names FILE:LINE. doc/kvsd.conf.5 lists every directive; the table in
 * config.c is the single source of names, ranges and defaults.
 *
 * The directives of a stock redis.conf that kvsd has no use for are
 * accepted with Redis's syntax and shown by CONFIG GET, but act on nothing
 * ("inert", cfg->compat); those set to a non-default value are named in
 * cfg->inert_set for a start-up warning. appendonly and
 * notify-keyspace-events accept only their defaults.
 *
 * Ownership: every char * in struct kvs_config is owned by the struct and
 * freed by config_free(). A string replaced at run time (CONFIG SET) is
 * kept on a retired list until config_free(), so a thread that read the old
 * pointer a moment ago never sees freed memory.
 */
#ifndef KVSD_KVSCONF_H
#define KVSD_KVSCONF_H

#include <stddef.h>

#define KVSD_MAX_BIND 16      /* addresses on one bind line */
#define KVSD_MAX_SAVE 16      /* save rules in all */
#define KVSD_MAX_INCLUDE 16   /* include nesting depth */

struct kvs_save_rule { long long seconds, changes; };

struct kvs_config {
	/* network */
	char *bind[KVSD_MAX_BIND];
	int nbind;
	int port;                      /* 0 = no TCP listener */
	int tcp_backlog;
	char *unixsocket;              /* NULL = none */
	int unixsocketperm;            /* octal mode, 0 = leave umask's */
	int protected_mode;
	int timeout;                   /* idle client timeout, s; 0 = never */
	int tcp_keepalive;             /* s; 0 = off */
	int maxclients;
	/* security */
	char *requirepass;             /* NULL = no password */
	/* limits */
	long long proto_max_bulk_len;
	long long client_query_buffer_limit;
	long long maxmemory;           /* bytes; 0 = unlimited */
	int maxmemory_policy;          /* enum below */
	/* engine */
	int databases;
	int io_threads;                /* 0 = number of CPUs */
	int hz;                        /* background task frequency */
	int node_id;                   /* 0..1023, HLC tie-breaker */
	long long slowlog_log_slower_than; /* us; <0 disables */
	long long slowlog_max_len;
	/* process */
	int daemonize;
	char *pidfile;                 /* NULL = none */
	char *logfile;                 /* "" or NULL = stderr (foreground) */
	int loglevel;                  /* enum kvs_loglevel */
	int syslog_enabled;
	char *syslog_ident;
	int syslog_facility;           /* LOG_LOCAL0 etc. value */
	char *dir;                     /* working directory */
	/* persistence (used when built with LMDB) */
	char *dbfilename;
	struct kvs_save_rule save[KVSD_MAX_SAVE];
	int nsave;
	int stop_writes_on_bgsave_error;
	/* encodings (applied: lib/object.h kvs_enc_limits_set) */
	long long hash_max_listpack_entries, hash_max_listpack_value;
	long long set_max_intset_entries;
	long long zset_max_listpack_entries, zset_max_listpack_value;
	/* redis.conf directives kvsd accepts, shows in CONFIG GET and does not
	 * act on (doc/kvsd.conf.5 says why for each); appendonly and
	 * notify-keyspace-events take only their defaults */
	struct {
		int always_show_logo, set_proc_title, rdbcompression, rdbchecksum;
		int rdb_del_sync_files, rdb_save_incremental_fsync;
		int replica_serve_stale_data, replica_read_only, repl_diskless_sync;
		int repl_diskless_sync_delay, repl_diskless_sync_max_replicas;
		int repl_diskless_load, repl_disable_tcp_nodelay, replica_priority;
		int replica_lazy_flush, acllog_max_len;
		int lazyfree_lazy_eviction, lazyfree_lazy_expire, lazyfree_lazy_server_del;
		int lazyfree_lazy_user_del, lazyfree_lazy_user_flush;
		int oom_score_adj, disable_thp, jemalloc_bg_thread, dynamic_hz, activerehashing;
		int appendonly, appendfsync, no_appendfsync_on_rewrite, aof_load_truncated;
		int aof_use_rdb_preamble, aof_timestamp_enabled, aof_rewrite_incremental_fsync;
		int auto_aof_rewrite_percentage;
		long long auto_aof_rewrite_min_size;
		long long latency_monitor_threshold;
		int list_max_listpack_size, list_compress_depth;
		long long hll_sparse_max_bytes, stream_node_max_bytes, stream_node_max_entries;
		char *proc_title_template, *appendfilename, *appenddirname;
		char *notify_keyspace_events, *oom_score_adj_values;
		/* client-output-buffer-limit: normal, replica, pubsub x hard, soft, seconds */
		long long cobl[3][3];
	} compat;
	/* names of accepted-but-inert directives a load set to something other
	 * than their default, space-separated (NULL: none); main logs them */
	char *inert_set;
	/* where the last file was loaded from, for INFO server config_file */
	char *config_file;             /* NULL when no file was loaded */
	/* private: strings replaced at run time, freed by config_free() */
	struct config_retired *retired;
};

enum { KVS_MAXMEM_NOEVICTION, KVS_MAXMEM_ALLKEYS_LRU, KVS_MAXMEM_VOLATILE_LRU,
       KVS_MAXMEM_ALLKEYS_RANDOM, KVS_MAXMEM_VOLATILE_RANDOM, KVS_MAXMEM_VOLATILE_TTL,
       KVS_MAXMEM_ALLKEYS_LFU, KVS_MAXMEM_VOLATILE_LFU };

/* Fill with the embedded defaults (127.0.0.1:6379, memory only...). cfg is
 * overwritten without being freed: call config_free() first if it held a
 * configuration. Strings that may be NULL after any call: unixsocket,
 * requirepass, pidfile (empty = NULL) and config_file; logfile, syslog_ident,
 * dir and dbfilename are never NULL; bind always has 1..KVSD_MAX_BIND
 * addresses. */
void config_defaults(struct kvs_config *cfg);
/* Free every string, including retired ones, and zero cfg. Safe to call
 * twice. No other thread may be reading cfg any more. */
void config_free(struct kvs_config *cfg);

/* Read a file (following includes). 0 on success; -1 with err set to
 * "FILE:LINE: message" (or "FILE: strerror") on failure. FILE is the file
 * the bad line is in, an included one included. On failure the lines
 * before the bad one have been applied: every field still holds a valid
 * value. Within one load the first `save` line replaces the rules and
 * later ones add to them (as in Redis); `save ""` clears them. A relative
 * `include` is resolved against the directory of the file naming it; a
 * cycle, or nesting deeper than KVSD_MAX_INCLUDE, is an error. On success
 * cfg->config_file is set to the file's absolute path. */
int config_load_file(struct kvs_config *cfg, const char *path, char *err, size_t errlen);
/* Same for text held in memory; `name` stands for the file in messages,
 * and relative includes are resolved against its directory part (the
 * current directory if it has none). config_file is left alone. */
int config_load_string(struct kvs_config *cfg, const char *text, const char *name,
		       char *err, size_t errlen);
/* Apply one directive with its arguments (argv[0] is the name), as from
 * the command line or CONFIG SET. 0 on success, -1 with err set.
 * runtime == 0 (command line): any directive, `include` too; err is
 * "unknown directive 'x'", "wrong number of arguments for 'x'" or
 * "<reason> for 'x'". Each call replaces the save rules.
 * runtime != 0: exactly as `CONFIG SET name value` (see config_set). */
int config_apply(struct kvs_config *cfg, int argc, const char **argv, int runtime,
		 char *err, size_t errlen);
/* The whole of Redis 7's CONFIG SET: argv holds name value [name value
 * ...] (what follows "CONFIG SET"). All or nothing: every name and value is
 * checked before any is changed. 0 on success; -1 with err set to Redis's
 * reply text ("ERR Unknown option or number of arguments for CONFIG SET -
 * 'x'", "ERR CONFIG SET failed (possibly related to argument 'x') - can't
 * set immutable config" / "- duplicate parameter" / "- <reason>", "ERR
 * syntax error" for an odd count). `save` and `bind` values are split like
 * a config line ("3600 1 300 100"; "" clears save). Replaced strings go to
 * the retired list. The caller serialises CONFIG SET against readers of
 * the numeric fields and save rules (they are plain stores). */
int config_set(struct kvs_config *cfg, int argc, const char **argv, char *err, size_t errlen);
/* Check cross-directive constraints after loading: something to listen on
 * (port != 0 or unixsocket), unixsocket path fits in sockaddr_un. 0, or -1
 * with a message (no FILE:LINE) in err. */
int config_validate(const struct kvs_config *cfg, char *err, size_t errlen);

/* CONFIG GET: call fn(name, value) for each directive matching the glob
 * pattern (case-insensitive), value formatted as Redis formats it: yes/no,
 * plain decimal (memory sizes in bytes), octal for unixsocketperm, ""
 * for an unset string, bind space-joined, save as "3600 1 300 100". As in
 * Redis 7.0, a pattern without * ? [ is an exact (case-insensitive)
 * lookup, answered under the name as the caller spelled it. Matches come
 * in table order; name and value are valid only during the call. Several
 * patterns: the caller removes duplicates, as Redis does. */
typedef void config_visit_fn(void *arg, const char *name, const char *value);
void config_get(const struct kvs_config *cfg, const char *pattern, config_visit_fn *fn, void *arg);

/* Split one line Redis-style into argv (owned by the caller; free with
 * config_free_argv). Returns argc (0 for a blank line, argv then NULL), or
 * -1 on unbalanced quotes, a closing quote not followed by a space, or a
 * \x00 escape (a C string can't hold it); *argv is NULL then. */
int config_split_line(const char *line, char ***argv);
void config_free_argv(int argc, char **argv);

#endif
