/*
 * config.h - kvsd's configuration: one validated struct, filled from the
 * embedded defaults, then /etc/kvsd.conf (or the file named on the command
 * line), then `--directive value` overrides, and changed at run time by
 * CONFIG SET for the directives marked mutable.
 *
 * The file format is Redis's: one `directive arg...` per line, `#` starts
 * a comment line, arguments split like redis.conf (double quotes with
 * \n \r \t \xHH escapes, single quotes), `include PATH` reads another
 * file in place. Directive names are case-insensitive. An unknown
 * directive, a wrong number of arguments or a bad value is an error that
 * names FILE:LINE.
 *
 * Ownership: every char * in struct kvs_config is owned by the struct and
 * freed by config_free(). A string replaced at run time (CONFIG SET) is
 * kept on a retired list until config_free(), so a thread that read the old
 * pointer a moment ago never sees freed memory.
 */
#ifndef KVSD_KVSCONF_H
#define KVSD_KVSCONF_H

#include <stddef.h>

#define KVSD_MAX_BIND 16

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
	struct kvs_save_rule save[16];
	int nsave;
	int stop_writes_on_bgsave_error;
	/* where the last file was loaded from, for INFO server config_file */
	char *config_file;
};

enum { KVS_MAXMEM_NOEVICTION, KVS_MAXMEM_ALLKEYS_LRU, KVS_MAXMEM_VOLATILE_LRU,
       KVS_MAXMEM_ALLKEYS_RANDOM, KVS_MAXMEM_VOLATILE_RANDOM, KVS_MAXMEM_VOLATILE_TTL,
       KVS_MAXMEM_ALLKEYS_LFU, KVS_MAXMEM_VOLATILE_LFU };

/* Fill with the embedded defaults (127.0.0.1:6379, memory only...). */
void config_defaults(struct kvs_config *cfg);
void config_free(struct kvs_config *cfg);

/* Read a file (following includes). 0 on success; -1 with err set to
 * "FILE:LINE: message" (or "FILE: strerror") on failure. */
int config_load_file(struct kvs_config *cfg, const char *path, char *err, size_t errlen);
/* Same for text held in memory; `name` stands for the file in messages. */
int config_load_string(struct kvs_config *cfg, const char *text, const char *name,
		       char *err, size_t errlen);
/* Apply one directive with its arguments (argv[0] is the name), as from
 * the command line or CONFIG SET. runtime != 0 refuses directives that
 * cannot change while running ("ERR ..." style message in err). */
int config_apply(struct kvs_config *cfg, int argc, const char **argv, int runtime,
		 char *err, size_t errlen);
/* Check cross-directive constraints after loading. */
int config_validate(const struct kvs_config *cfg, char *err, size_t errlen);

/* CONFIG GET: call fn(name, value) for each directive matching the glob
 * pattern (case-insensitive), value formatted as Redis formats it. */
typedef void config_visit_fn(void *arg, const char *name, const char *value);
void config_get(const struct kvs_config *cfg, const char *pattern, config_visit_fn *fn, void *arg);

/* Split one line Redis-style into argv (owned by the caller; free with
 * config_free_argv). Returns argc, or -1 on unbalanced quotes. */
int config_split_line(const char *line, char ***argv);
void config_free_argv(int argc, char **argv);

#endif
