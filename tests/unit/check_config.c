/*
 * check_config.c - the configuration module: defaults, every value type,
 * errors with FILE:LINE, quoting, include, CONFIG SET and CONFIG GET, the
 * packaged etc/kvsd.conf and the man page's coverage of the directives.
 *
 * Expected values come from Redis 7.0's documented behaviour and from the
 * kvsd brief, written out by hand, never from running this code.
 */
#include "configtest.h"

/* Every directive CONFIG GET knows, in table order (from the brief). */
static const char *const all_names[] = {
	"bind", "port", "tcp-backlog", "unixsocket", "unixsocketperm", "protected-mode",
	"timeout", "tcp-keepalive", "maxclients", "requirepass", "proto-max-bulk-len",
	"client-query-buffer-limit", "maxmemory", "maxmemory-policy", "databases",
	"io-threads", "hz", "node-id", "slowlog-log-slower-than", "slowlog-max-len",
	"daemonize", "pidfile", "logfile", "loglevel", "syslog-enabled", "syslog-ident",
	"syslog-facility", "dir", "dbfilename", "save", "stop-writes-on-bgsave-error",
	/* encodings, then the rest of a stock redis.conf (values: CONFIG GET of
	 * redis-server 7.0.15, typed in) */
	"hash-max-listpack-entries", "hash-max-ziplist-entries", "hash-max-listpack-value",
	"hash-max-ziplist-value", "set-max-intset-entries", "zset-max-listpack-entries",
	"zset-max-ziplist-entries", "zset-max-listpack-value", "zset-max-ziplist-value",
	"appendonly", "notify-keyspace-events", "always-show-logo",
	"set-proc-title", "proc-title-template", "rdbcompression",
	"rdbchecksum", "rdb-del-sync-files", "rdb-save-incremental-fsync",
	"replica-serve-stale-data", "slave-serve-stale-data", "replica-read-only",
	"slave-read-only", "repl-diskless-sync", "repl-diskless-sync-delay",
	"repl-diskless-sync-max-replicas", "repl-diskless-load", "repl-disable-tcp-nodelay",
	"replica-priority", "slave-priority", "replica-lazy-flush",
	"slave-lazy-flush", "acllog-max-len", "lazyfree-lazy-eviction",
	"lazyfree-lazy-expire", "lazyfree-lazy-server-del", "lazyfree-lazy-user-del",
	"lazyfree-lazy-user-flush", "oom-score-adj", "oom-score-adj-values",
	"disable-thp", "jemalloc-bg-thread", "dynamic-hz",
	"activerehashing", "appendfilename", "appenddirname",
	"appendfsync", "no-appendfsync-on-rewrite", "auto-aof-rewrite-percentage",
	"auto-aof-rewrite-min-size", "aof-load-truncated", "aof-use-rdb-preamble",
	"aof-timestamp-enabled", "aof-rewrite-incremental-fsync", "latency-monitor-threshold",
	"list-max-listpack-size", "list-max-ziplist-size", "list-compress-depth",
	"hll-sparse-max-bytes", "stream-node-max-bytes", "stream-node-max-entries",
	"client-output-buffer-limit",
};
#define NALL ((int)(sizeof(all_names) / sizeof(all_names[0])))

/* ---- defaults -------------------------------------------------------- */

START_TEST(t_defaults_fields)
{
	ck_assert_int_eq(cfg.nbind, 1);
	ck_assert_str_eq(cfg.bind[0], "127.0.0.1");
	ck_assert_int_eq(cfg.port, 6379);
	ck_assert_int_eq(cfg.tcp_backlog, 511);
	ck_assert_ptr_null(cfg.unixsocket);
	ck_assert_int_eq(cfg.unixsocketperm, 0);
	ck_assert_int_eq(cfg.protected_mode, 1);
	ck_assert_int_eq(cfg.timeout, 0);
	ck_assert_int_eq(cfg.tcp_keepalive, 300);
	ck_assert_int_eq(cfg.maxclients, 10000);
	ck_assert_ptr_null(cfg.requirepass);
	ck_assert_int_eq(cfg.proto_max_bulk_len, 512LL * 1024 * 1024);
	ck_assert_int_eq(cfg.client_query_buffer_limit, 1024LL * 1024 * 1024);
	ck_assert_int_eq(cfg.maxmemory, 0);
	ck_assert_int_eq(cfg.maxmemory_policy, KVS_MAXMEM_NOEVICTION);
	ck_assert_int_eq(cfg.databases, 16);
	ck_assert_int_eq(cfg.io_threads, 0);
	ck_assert_int_eq(cfg.hz, 10);
	ck_assert_int_eq(cfg.node_id, 0);
	ck_assert_int_eq(cfg.slowlog_log_slower_than, 10000);
	ck_assert_int_eq(cfg.slowlog_max_len, 128);
	ck_assert_int_eq(cfg.daemonize, 0);
	ck_assert_ptr_null(cfg.pidfile);
	ck_assert_str_eq(cfg.logfile, "");
	ck_assert_int_eq(cfg.loglevel, KVS_LOG_NOTICE);
	ck_assert_int_eq(cfg.syslog_enabled, 0);
	ck_assert_str_eq(cfg.syslog_ident, "kvsd");
	ck_assert_int_eq(cfg.syslog_facility, LOG_LOCAL0);
	ck_assert_str_eq(cfg.dir, ".");
	ck_assert_str_eq(cfg.dbfilename, "kvsd.lmdb");
	ck_assert_int_eq(cfg.nsave, 0);
	ck_assert_int_eq(cfg.stop_writes_on_bgsave_error, 1);
	ck_assert_ptr_null(cfg.config_file);
	ck_assert_ptr_null(cfg.retired);
	ck_assert_int_eq(config_validate(&cfg, err, sizeof(err)), 0);
}
END_TEST

START_TEST(t_defaults_get)
{
	static const char *const want[][2] = {
		{ "bind", "127.0.0.1" }, { "port", "6379" }, { "tcp-backlog", "511" },
		{ "unixsocket", "" }, { "unixsocketperm", "0" }, { "protected-mode", "yes" },
		{ "timeout", "0" }, { "tcp-keepalive", "300" }, { "maxclients", "10000" },
		{ "requirepass", "" }, { "proto-max-bulk-len", "536870912" },
		{ "client-query-buffer-limit", "1073741824" }, { "maxmemory", "0" },
		{ "maxmemory-policy", "noeviction" }, { "databases", "16" },
		{ "io-threads", "0" }, { "hz", "10" }, { "node-id", "0" },
		{ "slowlog-log-slower-than", "10000" }, { "slowlog-max-len", "128" },
		{ "daemonize", "no" }, { "pidfile", "" }, { "logfile", "" },
		{ "loglevel", "notice" }, { "syslog-enabled", "no" },
		{ "syslog-ident", "kvsd" }, { "syslog-facility", "local0" }, { "dir", "." },
		{ "dbfilename", "kvsd.lmdb" }, { "save", "" },
		{ "stop-writes-on-bgsave-error", "yes" },
		{ "hash-max-listpack-entries", "512" },
		{ "hash-max-ziplist-entries", "512" },
		{ "hash-max-listpack-value", "64" },
		{ "hash-max-ziplist-value", "64" },
		{ "set-max-intset-entries", "512" },
		{ "zset-max-listpack-entries", "128" },
		{ "zset-max-ziplist-entries", "128" },
		{ "zset-max-listpack-value", "64" },
		{ "zset-max-ziplist-value", "64" },
		{ "appendonly", "no" },
		{ "notify-keyspace-events", "" },
		{ "always-show-logo", "no" },
		{ "set-proc-title", "yes" },
		{ "proc-title-template", "{title} {listen-addr} {server-mode}" },
		{ "rdbcompression", "yes" },
		{ "rdbchecksum", "yes" },
		{ "rdb-del-sync-files", "no" },
		{ "rdb-save-incremental-fsync", "yes" },
		{ "replica-serve-stale-data", "yes" },
		{ "slave-serve-stale-data", "yes" },
		{ "replica-read-only", "yes" },
		{ "slave-read-only", "yes" },
		{ "repl-diskless-sync", "yes" },
		{ "repl-diskless-sync-delay", "5" },
		{ "repl-diskless-sync-max-replicas", "0" },
		{ "repl-diskless-load", "disabled" },
		{ "repl-disable-tcp-nodelay", "no" },
		{ "replica-priority", "100" },
		{ "slave-priority", "100" },
		{ "replica-lazy-flush", "no" },
		{ "slave-lazy-flush", "no" },
		{ "acllog-max-len", "128" },
		{ "lazyfree-lazy-eviction", "no" },
		{ "lazyfree-lazy-expire", "no" },
		{ "lazyfree-lazy-server-del", "no" },
		{ "lazyfree-lazy-user-del", "no" },
		{ "lazyfree-lazy-user-flush", "no" },
		{ "oom-score-adj", "no" },
		{ "oom-score-adj-values", "0 200 800" },
		{ "disable-thp", "yes" },
		{ "jemalloc-bg-thread", "yes" },
		{ "dynamic-hz", "yes" },
		{ "activerehashing", "yes" },
		{ "appendfilename", "appendonly.aof" },
		{ "appenddirname", "appendonlydir" },
		{ "appendfsync", "everysec" },
		{ "no-appendfsync-on-rewrite", "no" },
		{ "auto-aof-rewrite-percentage", "100" },
		{ "auto-aof-rewrite-min-size", "67108864" },
		{ "aof-load-truncated", "yes" },
		{ "aof-use-rdb-preamble", "yes" },
		{ "aof-timestamp-enabled", "no" },
		{ "aof-rewrite-incremental-fsync", "yes" },
		{ "latency-monitor-threshold", "0" },
		{ "list-max-listpack-size", "-2" },
		{ "list-max-ziplist-size", "-2" },
		{ "list-compress-depth", "0" },
		{ "hll-sparse-max-bytes", "3000" },
		{ "stream-node-max-bytes", "4096" },
		{ "stream-node-max-entries", "100" },
		{ "client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60" },
	};
	struct got g = { 0 };

	ck_assert_int_eq((int)(sizeof(want) / sizeof(want[0])), NALL);
	config_get(&cfg, "*", collect, &g);
	ck_assert_int_eq(g.n, NALL);
	for (int i = 0; i < NALL; i++) {
		ck_assert_str_eq(g.name[i], all_names[i]);
		ck_assert_str_eq(g.name[i], want[i][0]);
		ck_assert_msg(strcmp(g.value[i], want[i][1]) == 0, "%s = '%s', want '%s'",
			      g.name[i], g.value[i], want[i][1]);
	}
	got_free(&g);
}
END_TEST

START_TEST(t_free_twice)
{
	ck_assert_int_eq(load("requirepass x\nbind 10.0.0.1 10.0.0.2\n"), 0);
	ck_assert_int_eq(set1("requirepass", "y"), 0);
	config_free(&cfg);
	ck_assert_ptr_null(cfg.requirepass);
	ck_assert_int_eq(cfg.nbind, 0);
	config_free(&cfg); /* zeroed: nothing left to free */
	config_defaults(&cfg);
}
END_TEST

/* ---- good values of every type --------------------------------------- */

START_TEST(t_bool)
{
	ck_assert_int_eq(load("daemonize yes\nprotected-mode NO\nsyslog-enabled Yes\n"
			      "stop-writes-on-bgsave-error no\n"), 0);
	ck_assert_int_eq(cfg.daemonize, 1);
	ck_assert_int_eq(cfg.protected_mode, 0);
	ck_assert_int_eq(cfg.syslog_enabled, 1);
	ck_assert_int_eq(cfg.stop_writes_on_bgsave_error, 0);
	ck_assert_str_eq(getv("daemonize"), "yes");
	ck_assert_str_eq(getv("protected-mode"), "no");
}
END_TEST

START_TEST(t_int)
{
	ck_assert_int_eq(load("port 0\ntcp-backlog 128\ntimeout 300\ntcp-keepalive 0\n"
			      "maxclients 1\ndatabases 1024\nio-threads 128\nnode-id 1023\n"
			      "slowlog-log-slower-than -1\nslowlog-max-len 9223372036854775807\n"
			      "unixsocket /tmp/kvsd.sock\n"), 0);
	ck_assert_int_eq(cfg.port, 0);
	ck_assert_int_eq(cfg.tcp_backlog, 128);
	ck_assert_int_eq(cfg.timeout, 300);
	ck_assert_int_eq(cfg.tcp_keepalive, 0);
	ck_assert_int_eq(cfg.maxclients, 1);
	ck_assert_int_eq(cfg.databases, 1024);
	ck_assert_int_eq(cfg.io_threads, 128);
	ck_assert_int_eq(cfg.node_id, 1023);
	ck_assert_int_eq(cfg.slowlog_log_slower_than, -1);
	ck_assert_int_eq(cfg.slowlog_max_len, LLONG_MAX);
	ck_assert_str_eq(getv("slowlog-max-len"), "9223372036854775807");
	ck_assert_str_eq(getv("slowlog-log-slower-than"), "-1");
	ck_assert_int_eq(load("port 65535\ndatabases 1\n"), 0);
	ck_assert_int_eq(cfg.port, 65535);
	ck_assert_int_eq(cfg.databases, 1);
}
END_TEST

/* Redis keeps hz within 1..500 without complaint. */
START_TEST(t_hz_clamped)
{
	ck_assert_int_eq(load("hz 0"), 0);
	ck_assert_int_eq(cfg.hz, 1);
	ck_assert_int_eq(load("hz 1000"), 0);
	ck_assert_int_eq(cfg.hz, 500);
	ck_assert_str_eq(getv("hz"), "500");
	ck_assert_int_eq(load("hz 250"), 0);
	ck_assert_int_eq(cfg.hz, 250);
}
END_TEST

static const struct { const char *text; long long bytes; } memsizes[] = {
	{ "0", 0 }, { "100", 100 }, { "100b", 100 }, { "100B", 100 },
	{ "1k", 1000 }, { "1K", 1000 }, { "1kb", 1024 }, { "1KB", 1024 }, { "1kB", 1024 },
	{ "2m", 2000000 }, { "2mb", 2097152 }, { "2MB", 2097152 },
	{ "3g", 3000000000LL }, { "3gb", 3221225472LL }, { "1Gb", 1073741824LL },
	{ "007", 7 }, { "9223372036854775807", LLONG_MAX },
	{ "8589934591gb", 9223372035781033984LL },
};

START_TEST(t_memory_units)
{
	char line[128], want[32];
	snprintf(line, sizeof(line), "maxmemory %s\n", memsizes[_i].text);
	ck_assert_msg(load(line) == 0, "%s: %s", line, err);
	ck_assert_int_eq(cfg.maxmemory, memsizes[_i].bytes);
	snprintf(want, sizeof(want), "%lld", memsizes[_i].bytes);
	ck_assert_str_eq(getv("maxmemory"), want);
}
END_TEST

START_TEST(t_memory_fields)
{
	ck_assert_int_eq(load("proto-max-bulk-len 1mb\nclient-query-buffer-limit 2gb\n"), 0);
	ck_assert_int_eq(cfg.proto_max_bulk_len, 1048576);
	ck_assert_int_eq(cfg.client_query_buffer_limit, 2147483648LL);
	ck_assert_str_eq(getv("client-query-buffer-limit"), "2147483648");
}
END_TEST

START_TEST(t_octal)
{
	ck_assert_int_eq(load("unixsocketperm 700"), 0);
	ck_assert_int_eq(cfg.unixsocketperm, 0700);
	ck_assert_str_eq(getv("unixsocketperm"), "700");
	ck_assert_int_eq(load("unixsocketperm 0777"), 0);
	ck_assert_int_eq(cfg.unixsocketperm, 0777);
	ck_assert_str_eq(getv("unixsocketperm"), "777");
	ck_assert_int_eq(load("unixsocketperm 0"), 0);
	ck_assert_int_eq(cfg.unixsocketperm, 0);
}
END_TEST

START_TEST(t_strings)
{
	ck_assert_int_eq(load("requirepass foobared\npidfile /run/kvsd.pid\n"
			      "logfile /var/log/kvsd.log\nsyslog-ident kv\ndir /var/lib/kvsd\n"
			      "dbfilename " SNAP_DBFILENAME "\nunixsocket /run/kvsd.sock\n"), 0);
	ck_assert_str_eq(cfg.requirepass, "foobared");
	ck_assert_str_eq(cfg.pidfile, "/run/kvsd.pid");
	ck_assert_str_eq(cfg.logfile, "/var/log/kvsd.log");
	ck_assert_str_eq(cfg.syslog_ident, "kv");
	ck_assert_str_eq(cfg.dir, "/var/lib/kvsd");
	ck_assert_str_eq(cfg.dbfilename, SNAP_DBFILENAME);
	ck_assert_str_eq(cfg.unixsocket, "/run/kvsd.sock");
	ck_assert_str_eq(getv("requirepass"), "foobared");
	/* "" unsets the optional ones; logfile "" means stderr, kept as "" */
	ck_assert_int_eq(load("requirepass \"\"\npidfile ''\nlogfile \"\"\nunixsocket ''\n"), 0);
	ck_assert_ptr_null(cfg.requirepass);
	ck_assert_ptr_null(cfg.pidfile);
	ck_assert_ptr_null(cfg.unixsocket);
	ck_assert_str_eq(cfg.logfile, "");
	ck_assert_str_eq(getv("pidfile"), "");
}
END_TEST

START_TEST(t_enums)
{
	static const struct { const char *name; int value; } policies[] = {
		{ "noeviction", KVS_MAXMEM_NOEVICTION }, { "allkeys-lru", KVS_MAXMEM_ALLKEYS_LRU },
		{ "volatile-lru", KVS_MAXMEM_VOLATILE_LRU },
		{ "allkeys-random", KVS_MAXMEM_ALLKEYS_RANDOM },
		{ "volatile-random", KVS_MAXMEM_VOLATILE_RANDOM },
		{ "volatile-ttl", KVS_MAXMEM_VOLATILE_TTL },
		{ "allkeys-lfu", KVS_MAXMEM_ALLKEYS_LFU }, { "volatile-lfu", KVS_MAXMEM_VOLATILE_LFU },
	};
	static const struct { const char *name; int value; } levels[] = {
		{ "debug", KVS_LOG_DEBUG }, { "verbose", KVS_LOG_VERBOSE },
		{ "notice", KVS_LOG_NOTICE }, { "warning", KVS_LOG_WARNING },
	};
	static const struct { const char *name; int value; } facilities[] = {
		{ "user", LOG_USER }, { "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
		{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 },
		{ "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
	};
	char line[128];

	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		snprintf(line, sizeof(line), "maxmemory-policy %s", policies[i].name);
		ck_assert_int_eq(load(line), 0);
		ck_assert_int_eq(cfg.maxmemory_policy, policies[i].value);
		ck_assert_str_eq(getv("maxmemory-policy"), policies[i].name);
	}
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		snprintf(line, sizeof(line), "loglevel %s", levels[i].name);
		ck_assert_int_eq(load(line), 0);
		ck_assert_int_eq(cfg.loglevel, levels[i].value);
		ck_assert_str_eq(getv("loglevel"), levels[i].name);
	}
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++) {
		snprintf(line, sizeof(line), "syslog-facility %s", facilities[i].name);
		ck_assert_int_eq(load(line), 0);
		ck_assert_int_eq(cfg.syslog_facility, facilities[i].value);
		ck_assert_str_eq(getv("syslog-facility"), facilities[i].name);
	}
	ck_assert_int_eq(load("maxmemory-policy ALLKEYS-LRU\nloglevel Warning\n"), 0);
	ck_assert_int_eq(cfg.maxmemory_policy, KVS_MAXMEM_ALLKEYS_LRU);
	ck_assert_str_eq(getv("maxmemory-policy"), "allkeys-lru");
	ck_assert_int_eq(cfg.loglevel, KVS_LOG_WARNING);
}
END_TEST

START_TEST(t_bind)
{
	ck_assert_int_eq(load("bind 127.0.0.1 ::1"), 0);
	ck_assert_int_eq(cfg.nbind, 2);
	ck_assert_str_eq(cfg.bind[0], "127.0.0.1");
	ck_assert_str_eq(cfg.bind[1], "::1");
	ck_assert_str_eq(getv("bind"), "127.0.0.1 ::1");
	/* a later line replaces, it does not add */
	ck_assert_int_eq(load("bind 0.0.0.0\nbind 10.1.2.3\n"), 0);
	ck_assert_int_eq(cfg.nbind, 1);
	ck_assert_str_eq(cfg.bind[0], "10.1.2.3");
	/* one quoted argument is split, as CONFIG SET does */
	ck_assert_int_eq(load("bind \"10.0.0.1 10.0.0.2\""), 0);
	ck_assert_int_eq(cfg.nbind, 2);
	ck_assert_str_eq(cfg.bind[1], "10.0.0.2");
	ck_assert_int_eq(load("bind a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16"), 0);
	ck_assert_int_eq(cfg.nbind, 16);
	ck_assert_str_eq(cfg.bind[15], "a16");
}
END_TEST

#ifdef HAVE_LMDB
START_TEST(t_save_rules)
{
	ck_assert_int_eq(load("save 3600 1 300 100\nport 1\nsave 60 10000\n"), 0);
	ck_assert_int_eq(cfg.nsave, 3);
	ck_assert_int_eq(cfg.save[0].seconds, 3600);
	ck_assert_int_eq(cfg.save[0].changes, 1);
	ck_assert_int_eq(cfg.save[1].seconds, 300);
	ck_assert_int_eq(cfg.save[1].changes, 100);
	ck_assert_int_eq(cfg.save[2].seconds, 60);
	ck_assert_int_eq(cfg.save[2].changes, 10000);
	ck_assert_str_eq(getv("save"), "3600 1 300 100 60 10000");
	/* a new load starts over with its first save line */
	ck_assert_int_eq(load("save 900 0\n"), 0);
	ck_assert_int_eq(cfg.nsave, 1);
	ck_assert_str_eq(getv("save"), "900 0");
	/* save "" clears; lines after it add again */
	ck_assert_int_eq(load("save 1 1\nsave \"\"\nsave 5 5\nsave 6 6\n"), 0);
	ck_assert_str_eq(getv("save"), "5 5 6 6");
	ck_assert_int_eq(load("save 1 1\nsave ''\n"), 0);
	ck_assert_int_eq(cfg.nsave, 0);
	ck_assert_str_eq(getv("save"), "");
	/* one quoted argument holding the pairs */
	ck_assert_int_eq(load("save \"10 20 30 40\""), 0);
	ck_assert_str_eq(getv("save"), "10 20 30 40");
}
END_TEST
#endif

#ifdef HAVE_LMDB
START_TEST(t_save_limit)
{
	char text[1024] = "save";
	for (int i = 1; i <= 16; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), " %d %d", i, i);
	ck_assert_int_eq(load(text), 0);
	ck_assert_int_eq(cfg.nsave, 16);
	ck_assert_int_eq(cfg.save[15].seconds, 16);
}
END_TEST
#endif

START_TEST(t_syntax)
{
	/* comments, blank lines, indentation, CRLF, no final newline,
	 * directive names in any case */
	ck_assert_int_eq(load("# a comment\n\n   \t\n  # indented comment\n"
			      "\tPORT 7000\r\nMaxClients 50\r\n  timeout   9  \ndatabases 4"), 0);
	ck_assert_int_eq(cfg.port, 7000);
	ck_assert_int_eq(cfg.maxclients, 50);
	ck_assert_int_eq(cfg.timeout, 9);
	ck_assert_int_eq(cfg.databases, 4);
	/* a later line wins */
	ck_assert_int_eq(load("port 1\nport 2\n"), 0);
	ck_assert_int_eq(cfg.port, 2);
	/* the empty text is a valid, empty file */
	ck_assert_int_eq(load(""), 0);
	ck_assert_int_eq(cfg.port, 2);
}
END_TEST

START_TEST(t_quoted_values)
{
	ck_assert_int_eq(load("requirepass \"with space\""), 0);
	ck_assert_str_eq(cfg.requirepass, "with space");
	ck_assert_int_eq(load("requirepass 'single \"quoted\"'"), 0);
	ck_assert_str_eq(cfg.requirepass, "single \"quoted\"");
	ck_assert_int_eq(load("requirepass \"tab\\there\\x41\\\\\""), 0);
	ck_assert_str_eq(cfg.requirepass, "tab\there" "A\\");
	ck_assert_int_eq(load("requirepass pass#word"), 0);
	ck_assert_str_eq(cfg.requirepass, "pass#word");
	ck_assert_int_eq(load("logfile '/var/log/k v.log'"), 0);
	ck_assert_str_eq(cfg.logfile, "/var/log/k v.log");
}
END_TEST

/* ---- errors, with FILE:LINE ------------------------------------------ */

#define INT_ERR "argument couldn't be parsed into an integer"
#define MEM_ERR "argument must be a memory value"

static const struct { const char *text, *error; } bad[] = {
	{ "daemonize maybe\n", "test.conf:1: argument must be 'yes' or 'no' for 'daemonize'" },
	{ "\n# c\nprotected-mode 1\n",
	  "test.conf:3: argument must be 'yes' or 'no' for 'protected-mode'" },
	{ "syslog-enabled ''", "test.conf:1: argument must be 'yes' or 'no' for 'syslog-enabled'" },
	{ "port 65536", "test.conf:1: argument must be between 0 and 65535 inclusive for 'port'" },
	{ "port -1", "test.conf:1: argument must be between 0 and 65535 inclusive for 'port'" },
	{ "port abc", "test.conf:1: " INT_ERR " for 'port'" },
	{ "port 05", "test.conf:1: " INT_ERR " for 'port'" },
	{ "port +5", "test.conf:1: " INT_ERR " for 'port'" },
	{ "port 1.5", "test.conf:1: " INT_ERR " for 'port'" },
	{ "port ' 5'", "test.conf:1: " INT_ERR " for 'port'" },
	{ "port ''", "test.conf:1: " INT_ERR " for 'port'" },
	{ "databases 0", "test.conf:1: argument must be between 1 and 1024 inclusive for 'databases'" },
	{ "databases 1025",
	  "test.conf:1: argument must be between 1 and 1024 inclusive for 'databases'" },
	{ "node-id 1024", "test.conf:1: argument must be between 0 and 1023 inclusive for 'node-id'" },
	{ "io-threads 129",
	  "test.conf:1: argument must be between 0 and 128 inclusive for 'io-threads'" },
	{ "maxclients 0",
	  "test.conf:1: argument must be between 1 and 2147483647 inclusive for 'maxclients'" },
	{ "timeout -1", "test.conf:1: argument must be between 0 and 2147483647 inclusive for 'timeout'" },
	{ "tcp-keepalive -3",
	  "test.conf:1: argument must be between 0 and 2147483647 inclusive for 'tcp-keepalive'" },
	{ "hz -1", "test.conf:1: argument must be between 0 and 2147483647 inclusive for 'hz'" },
	{ "tcp-backlog 2147483648",
	  "test.conf:1: argument must be between 0 and 2147483647 inclusive for 'tcp-backlog'" },
	{ "slowlog-log-slower-than -2", "test.conf:1: argument must be between -1 and "
	  "9223372036854775807 inclusive for 'slowlog-log-slower-than'" },
	{ "slowlog-max-len 9223372036854775808", "test.conf:1: " INT_ERR " for 'slowlog-max-len'" },
	{ "maxmemory 1tb", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "maxmemory -1", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "maxmemory ''", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "maxmemory mb", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "maxmemory '1 mb'", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "maxmemory 1.5mb", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "maxmemory 1mbb", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "maxmemory +5", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "maxmemory 99999999999999999999", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "maxmemory 8589934592gb", "test.conf:1: " MEM_ERR " for 'maxmemory'" },
	{ "proto-max-bulk-len 1000", "test.conf:1: argument must be between 1048576 and "
	  "9223372036854775807 inclusive for 'proto-max-bulk-len'" },
	{ "client-query-buffer-limit 1k", "test.conf:1: argument must be between 1048576 and "
	  "9223372036854775807 inclusive for 'client-query-buffer-limit'" },
	{ "unixsocketperm 800", "test.conf:1: " INT_ERR " for 'unixsocketperm'" },
	{ "unixsocketperm 1000",
	  "test.conf:1: argument must be between 0 and 777 inclusive for 'unixsocketperm'" },
	{ "maxmemory-policy lru", "test.conf:1: argument(s) must be one of the following: "
	  "volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, "
	  "allkeys-random, noeviction for 'maxmemory-policy'" },
	{ "loglevel loud", "test.conf:1: argument(s) must be one of the following: "
	  "debug, verbose, notice, warning for 'loglevel'" },
	{ "syslog-facility local8", "test.conf:1: argument(s) must be one of the following: "
	  "user, local0, local1, local2, local3, local4, local5, local6, local7 for 'syslog-facility'" },
	{ "dir ''", "test.conf:1: argument can't be empty for 'dir'" },
	{ "dbfilename ''", "test.conf:1: argument can't be empty for 'dbfilename'" },
	{ "dbfilename /tmp/x.lmdb",
	  "test.conf:1: argument can't be a path, just a filename for 'dbfilename'" },
	{ "bind ''", "test.conf:1: at least one address is required for 'bind'" },
	{ "bind 127.0.0.1 ''", "test.conf:1: an address can't be empty for 'bind'" },
	{ "bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
	  "test.conf:1: too many addresses (at most 16) for 'bind'" },
	{ "bind \"'a\"", "test.conf:1: unbalanced quotes in argument for 'bind'" },
	{ "save 3600", "test.conf:1: Invalid save parameters: expected pairs of <seconds> "
	  "<changes> for 'save'" },
	{ "save 0 1", "test.conf:1: Invalid save parameters: seconds must be an integer >= 1, "
	  "not '0' for 'save'" },
	{ "save x 1", "test.conf:1: Invalid save parameters: seconds must be an integer >= 1, "
	  "not 'x' for 'save'" },
	{ "save 10 -1", "test.conf:1: Invalid save parameters: changes must be an integer >= 0, "
	  "not '-1' for 'save'" },
	{ "save 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 9 9 10 10 11 11 12 12 13 13 14 14 15 15 16 16 17 17",
	  "test.conf:1: Invalid save parameters: more than 16 rules for 'save'" },
#ifdef HAVE_LMDB
	{ "save 1 1 2 2 3 3 4 4 5 5 6 6 7 7 8 8 9 9 10 10\n"
	  "save 11 11 12 12 13 13 14 14 15 15 16 16 17 17\n",
	  "test.conf:2: too many save rules in all (at most 16) for 'save'" },
#endif
	{ "xyz 1", "test.conf:1: unknown directive 'xyz'" },
	{ "port 1\n\n   # comment\n\tBoGuS yes\n", "test.conf:4: unknown directive 'BoGuS'" },
	{ "port", "test.conf:1: wrong number of arguments for 'port'" },
	{ "PORT 1 2", "test.conf:1: wrong number of arguments for 'port'" },
	{ "requirepass", "test.conf:1: wrong number of arguments for 'requirepass'" },
	{ "save", "test.conf:1: wrong number of arguments for 'save'" },
	{ "bind", "test.conf:1: wrong number of arguments for 'bind'" },
	{ "requirepass \"abc", "test.conf:1: unbalanced quotes in configuration line" },
	{ "port 1\nrequirepass 'abc'def", "test.conf:2: unbalanced quotes in configuration line" },
	{ "requirepass \"a\\x00b\"", "test.conf:1: argument contains a NUL byte (\\x00)" },
	{ "include", "test.conf:1: wrong number of arguments for 'include'" },
	{ "include a b", "test.conf:1: wrong number of arguments for 'include'" },
	{ "include ''", "test.conf:1: include needs a file name" },
	{ "port 1\r\nport x\r\n", "test.conf:2: " INT_ERR " for 'port'" },
};

START_TEST(t_bad_value)
{
	ck_assert_int_eq(load(bad[_i].text), -1);
	ck_assert_str_eq(err, bad[_i].error);
}
END_TEST

#ifndef HAVE_LMDB
/* Without LMDB the snapshot settings are refused where they are given:
 * file:line, the command line, CONFIG SET; their defaults still load. */
START_TEST(t_no_lmdb_refuses)
{
	const char *cl[] = { "save", "60 1" };
	ck_assert_int_eq(load("port 1\nsave 60 1\n"), -1);
	ck_assert_str_eq(err, "test.conf:2: " NO_LMDB_MSG " for 'save'");
	ck_assert_int_eq(load("dbfilename other.lmdb\n"), -1);
	ck_assert_str_eq(err, "test.conf:1: " NO_LMDB_MSG " for 'dbfilename'");
	ck_assert_int_eq(config_apply(&cfg, 2, cl, 0, err, sizeof(err)), -1);
	ck_assert_str_eq(err, NO_LMDB_MSG " for 'save'");
	ck_assert_int_eq(set1("save", "60 1"), -1);
	ck_assert_str_eq(err, "ERR CONFIG SET failed (possibly related to argument 'save') - " NO_LMDB_MSG);
	ck_assert_int_eq(load("dbfilename kvsd.lmdb\nsave \"\"\nstop-writes-on-bgsave-error no\n"), 0);
	ck_assert_int_eq(set1("save", ""), 0);
	ck_assert_int_eq(cfg.nsave, 0);
}
END_TEST
#endif

/* Lines before a bad one are applied; the struct stays consistent. */
START_TEST(t_error_stops_at_line)
{
	ck_assert_int_eq(load("port 7001\nmaxclients nope\ntimeout 5\n"), -1);
	ck_assert_str_eq(err, "test.conf:2: " INT_ERR " for 'maxclients'");
	ck_assert_int_eq(cfg.port, 7001);
	ck_assert_int_eq(cfg.maxclients, 10000);
	ck_assert_int_eq(cfg.timeout, 0);
}
END_TEST

/* ---- config_split_line ------------------------------------------------ */

static const struct { const char *line; int argc; const char *argv[4]; } splits[] = {
	{ "set \"a b\" 'c d'", 3, { "set", "a b", "c d" } },
	{ "  \t  ", 0, { NULL } },
	{ "", 0, { NULL } },
	{ "\"\"", 1, { "" } },
	{ "a\tb  c\r\n", 3, { "a", "b", "c" } },
	{ "\"\\x41\\n\\r\\t\\b\\a\\\\\\\"q\"", 1, { "A\n\r\t\b\a\\\"q" } },
	{ "\"\\x4\"", 1, { "x4" } },
	{ "\"\\xzz\"", 1, { "xzz" } },
	{ "\"\\q\"", 1, { "q" } },
	{ "'it\\'s'", 1, { "it's" } },
	{ "'a\\nb'", 1, { "a\\nb" } },
	{ "foo\"bar baz\" x", 2, { "foobar baz", "x" } },
	{ "a'b c'", 1, { "ab c" } },
	{ "\"abc\"def", -1, { NULL } },
	{ "'abc'def", -1, { NULL } },
	{ "\"abc", -1, { NULL } },
	{ "'abc", -1, { NULL } },
	{ "x \"a\\x00b\"", -1, { NULL } },
	{ "\"\\xfF\"", 1, { "\xff" } },
};

START_TEST(t_split)
{
	char **argv = (char **)1;
	int argc = config_split_line(splits[_i].line, &argv);
	ck_assert_int_eq(argc, splits[_i].argc);
	if (argc <= 0)
		ck_assert_ptr_null(argv);
	for (int i = 0; i < argc; i++)
		ck_assert_str_eq(argv[i], splits[_i].argv[i]);
	config_free_argv(argc < 0 ? 0 : argc, argv);
}
END_TEST

/* ---- include ---------------------------------------------------------- */

static int load_path(const char *path)
{
	return config_load_file(&cfg, path, err, sizeof(err));
}

START_TEST(t_include_relative)
{
	char want[PATH_MAX * 2];
	write_file("main.conf", "port 7000\ninclude sub/extra.conf\nmaxclients 77\n");
	write_file("sub/extra.conf", "# extra\nport 7001\nmaxclients 5\ntimeout 42\n");
	/* cwd is the build directory, which has no sub/extra.conf */
	ck_assert_msg(load_path(tpath("main.conf")) == 0, "%s", err);
	ck_assert_int_eq(cfg.port, 7001);      /* included after port 7000 */
	ck_assert_int_eq(cfg.maxclients, 77);  /* set after the include */
	ck_assert_int_eq(cfg.timeout, 42);
	ck_assert_ptr_nonnull(realpath(tpath("main.conf"), want));
	ck_assert_str_eq(cfg.config_file, want);
}
END_TEST

START_TEST(t_include_nested)
{
	write_file("a.conf", "include conf.d/b.conf\n");
	/* b's relative include is found next to b, not next to a */
	write_file("conf.d/b.conf", "include c.conf\ndatabases 3\n");
	write_file("conf.d/c.conf", "databases 2\nnode-id 9\n");
	write_file("c.conf", "node-id 1\n");
	ck_assert_msg(load_path(tpath("a.conf")) == 0, "%s", err);
	ck_assert_int_eq(cfg.databases, 3);
	ck_assert_int_eq(cfg.node_id, 9);
}
END_TEST

START_TEST(t_include_absolute_and_diamond)
{
	char text[PATH_MAX * 3];
	write_file("d.conf", "tcp-keepalive 11\n");
	write_file("b.conf", "include d.conf\n");
	write_file("c.conf", "include d.conf\n");
	snprintf(text, sizeof(text), "include %s\ninclude %s\n", tpath("b.conf"), tpath("c.conf"));
	write_file("a.conf", text);
	ck_assert_msg(load_path(tpath("a.conf")) == 0, "%s", err);
	ck_assert_int_eq(cfg.tcp_keepalive, 11);
}
END_TEST

#ifdef HAVE_LMDB
/* save lines accumulate across included files: it is one load. */
START_TEST(t_include_save_accumulates)
{
	write_file("main.conf", "save 3600 1\ninclude more.conf\nsave 60 10000\n");
	write_file("more.conf", "save 300 100\n");
	ck_assert_msg(load_path(tpath("main.conf")) == 0, "%s", err);
	ck_assert_str_eq(getv("save"), "3600 1 300 100 60 10000");
}
END_TEST
#endif

START_TEST(t_include_error_names_file)
{
	char want[PATH_MAX * 2];
	write_file("main.conf", "port 1\ninclude sub/bad.conf\n");
	write_file("sub/bad.conf", "port 2\n\nbogus 1\n");
	ck_assert_int_eq(load_path(tpath("main.conf")), -1);
	snprintf(want, sizeof(want), "%s:3: unknown directive 'bogus'", tpath("sub/bad.conf"));
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(cfg.config_file); /* only set on success */
}
END_TEST

START_TEST(t_include_missing)
{
	char want[PATH_MAX * 3];
	write_file("main.conf", "# x\ninclude nope.conf\n");
	ck_assert_int_eq(load_path(tpath("main.conf")), -1);
	snprintf(want, sizeof(want), "%s:2: can't read include file '%s': %s",
		 tpath("main.conf"), tpath("nope.conf"), strerror(ENOENT));
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(t_include_cycle)
{
	char want[PATH_MAX * 3];
	write_file("a.conf", "port 1\ninclude b.conf\n");
	write_file("b.conf", "include a.conf\n");
	ck_assert_int_eq(load_path(tpath("a.conf")), -1);
	snprintf(want, sizeof(want), "%s:1: include cycle: '%s' is already being read",
		 tpath("b.conf"), tpath("a.conf"));
	ck_assert_str_eq(err, want);
	/* a file including itself */
	write_file("self.conf", "\n\ninclude ./self.conf\n");
	ck_assert_int_eq(load_path(tpath("self.conf")), -1);
	snprintf(want, sizeof(want), "%s:3: include cycle: '%s' is already being read",
		 tpath("self.conf"), tpath("./self.conf"));
	ck_assert_str_eq(err, want);
}
END_TEST

/* A chain of n files f0 -> f1 -> ... -> f(n-1). */
static void write_chain(int n)
{
	char name[32], text[64];
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d.conf", i);
		if (i + 1 < n)
			snprintf(text, sizeof(text), "include f%d.conf\n", i + 1);
		else
			snprintf(text, sizeof(text), "port %d\n", 1000 + i);
		write_file(name, text);
	}
}

START_TEST(t_include_depth)
{
	char want[PATH_MAX * 3];
	write_chain(KVSD_MAX_INCLUDE + 1); /* 16 includes below the first file */
	ck_assert_msg(load_path(tpath("f0.conf")) == 0, "%s", err);
	ck_assert_int_eq(cfg.port, 1000 + KVSD_MAX_INCLUDE);
	write_chain(KVSD_MAX_INCLUDE + 2);
	ck_assert_int_eq(load_path(tpath("f0.conf")), -1);
	snprintf(want, sizeof(want), "%s:1: includes nested more than 16 deep at '%s'",
		 tpath("f16.conf"), tpath("f17.conf"));
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(t_load_file_errors)
{
	char want[PATH_MAX * 2];
	ck_assert_int_eq(load_path(tpath("none.conf")), -1);
	snprintf(want, sizeof(want), "%s: %s", tpath("none.conf"), strerror(ENOENT));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(load_path(tmpdir), -1);
	snprintf(want, sizeof(want), "%s: %s", tmpdir, strerror(EISDIR));
	ck_assert_str_eq(err, want);
	write_file_n("nul.conf", "port 1\nport 2\0\n", 15);
	ck_assert_int_eq(load_path(tpath("nul.conf")), -1);
	snprintf(want, sizeof(want), "%s:2: line contains a NUL byte", tpath("nul.conf"));
	ck_assert_str_eq(err, want);
}
END_TEST

/* A string load resolves includes against its name's directory. */
START_TEST(t_load_string_include)
{
	write_file("inc.conf", "port 4242\n");
	ck_assert_msg(config_load_string(&cfg, "include inc.conf\n", tpath("virtual.conf"),
					 err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(cfg.port, 4242);
	ck_assert_ptr_null(cfg.config_file);
}
END_TEST

/* ---- CONFIG SET ------------------------------------------------------- */

static const char *const immutable[] = {
	"bind", "port", "tcp-backlog", "unixsocket", "unixsocketperm", "databases",
	"io-threads", "node-id", "daemonize", "pidfile", "logfile", "syslog-enabled",
	"syslog-ident", "syslog-facility", "dir", "dbfilename",
	"always-show-logo", "set-proc-title", "disable-thp", "appendfilename", "appenddirname",
};

static const struct { const char *name, *value, *shown; } mutable[] = {
	{ "protected-mode", "no", "no" }, { "timeout", "30", "30" },
	{ "tcp-keepalive", "60", "60" }, { "maxclients", "5", "5" },
	{ "requirepass", "s3cret", "s3cret" }, { "proto-max-bulk-len", "2mb", "2097152" },
	{ "client-query-buffer-limit", "2gb", "2147483648" },
	{ "maxmemory", "100mb", "104857600" }, { "maxmemory-policy", "ALLKEYS-LFU", "allkeys-lfu" },
	{ "hz", "1000", "500" }, { "slowlog-log-slower-than", "-1", "-1" },
	{ "slowlog-max-len", "0", "0" }, { "loglevel", "debug", "debug" },
	{ "save", "900 1 300 10", "900 1 300 10" },
	{ "stop-writes-on-bgsave-error", "no", "no" },
	/* typed in from redis-server 7.0.15's CONFIG SET / GET */
	{ "hash-max-listpack-entries", "100", "100" },
	{ "hash-max-ziplist-entries", "7", "7" },
	{ "hash-max-listpack-value", "10", "10" },
	{ "hash-max-ziplist-value", "11", "11" },
	{ "set-max-intset-entries", "9", "9" },
	{ "zset-max-listpack-entries", "3", "3" },
	{ "zset-max-ziplist-entries", "4", "4" },
	{ "zset-max-listpack-value", "5", "5" },
	{ "zset-max-ziplist-value", "6", "6" },
	{ "appendonly", "no", "no" },
	{ "notify-keyspace-events", "", "" },
	{ "proc-title-template", "{title} x", "{title} x" },
	{ "rdbcompression", "no", "no" },
	{ "rdbchecksum", "no", "no" },
	{ "rdb-del-sync-files", "yes", "yes" },
	{ "rdb-save-incremental-fsync", "no", "no" },
	{ "replica-serve-stale-data", "no", "no" },
	{ "slave-serve-stale-data", "no", "no" },
	{ "replica-read-only", "no", "no" },
	{ "slave-read-only", "no", "no" },
	{ "repl-diskless-sync", "no", "no" },
	{ "repl-diskless-sync-delay", "1", "1" },
	{ "repl-diskless-sync-max-replicas", "2", "2" },
	{ "repl-diskless-load", "SWAPDB", "swapdb" },
	{ "repl-disable-tcp-nodelay", "yes", "yes" },
	{ "replica-priority", "7", "7" },
	{ "slave-priority", "8", "8" },
	{ "replica-lazy-flush", "yes", "yes" },
	{ "slave-lazy-flush", "yes", "yes" },
	{ "acllog-max-len", "5", "5" },
	{ "lazyfree-lazy-eviction", "yes", "yes" },
	{ "lazyfree-lazy-expire", "yes", "yes" },
	{ "lazyfree-lazy-server-del", "yes", "yes" },
	{ "lazyfree-lazy-user-del", "yes", "yes" },
	{ "lazyfree-lazy-user-flush", "yes", "yes" },
	{ "oom-score-adj", "relative", "yes" },
	{ "oom-score-adj-values", "1 -2 3", "1 -2 3" },
	{ "jemalloc-bg-thread", "no", "no" },
	{ "dynamic-hz", "no", "no" },
	{ "activerehashing", "no", "no" },
	{ "appendfsync", "ALWAYS", "always" },
	{ "no-appendfsync-on-rewrite", "yes", "yes" },
	{ "auto-aof-rewrite-percentage", "50", "50" },
	{ "auto-aof-rewrite-min-size", "1mb", "1048576" },
	{ "aof-load-truncated", "no", "no" },
	{ "aof-use-rdb-preamble", "no", "no" },
	{ "aof-timestamp-enabled", "yes", "yes" },
	{ "aof-rewrite-incremental-fsync", "no", "no" },
	{ "latency-monitor-threshold", "100", "100" },
	{ "list-max-listpack-size", "128", "128" },
	{ "list-max-ziplist-size", "-3", "-3" },
	{ "list-compress-depth", "1", "1" },
	{ "hll-sparse-max-bytes", "1kb", "1024" },
	{ "stream-node-max-bytes", "2kb", "2048" },
	{ "stream-node-max-entries", "50", "50" },
	{ "client-output-buffer-limit", "pubsub 1mb 2mb 3", "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 3" },
};

START_TEST(t_set_immutable)
{
	char want[256], *before = strdup(getv(immutable[_i]));
	snprintf(want, sizeof(want), "ERR CONFIG SET failed (possibly related to argument '%s') "
		 "- can't set immutable config", immutable[_i]);
	ck_assert_int_eq(set1(immutable[_i], "1"), -1);
	ck_assert_str_eq(err, want);
	ck_assert_str_eq(getv(immutable[_i]), before);
	free(before);
}
END_TEST

/* The two lists above name every directive once. */
START_TEST(t_mutability_lists_complete)
{
	int n = 0;
	for (int i = 0; i < NALL; i++) {
		int hits = 0;
		for (size_t j = 0; j < sizeof(immutable) / sizeof(immutable[0]); j++)
			hits += strcmp(immutable[j], all_names[i]) == 0;
		for (size_t j = 0; j < sizeof(mutable) / sizeof(mutable[0]); j++)
			hits += strcmp(mutable[j].name, all_names[i]) == 0;
		ck_assert_msg(hits == 1, "'%s' is listed %d times", all_names[i], hits);
		n += hits;
	}
	ck_assert_int_eq(n, NALL);
}
END_TEST

START_TEST(t_set_mutable)
{
#ifndef HAVE_LMDB
	if (!strcmp(mutable[_i].name, "save"))
		return;    /* t_no_lmdb_refuses */
#endif
	ck_assert_msg(set1(mutable[_i].name, mutable[_i].value) == 0, "%s", err);
	ck_assert_str_eq(getv(mutable[_i].name), mutable[_i].shown);
}
END_TEST

START_TEST(t_set_errors)
{
	static const char *const cases[][3] = {
		{ "Foo", "1", "ERR Unknown option or number of arguments for CONFIG SET - 'Foo'" },
		{ "include", "/tmp/x",
		  "ERR Unknown option or number of arguments for CONFIG SET - 'include'" },
		{ "MAXCLIENTS", "abc", "ERR CONFIG SET failed (possibly related to argument "
		  "'maxclients') - argument couldn't be parsed into an integer" },
		{ "maxclients", "0", "ERR CONFIG SET failed (possibly related to argument "
		  "'maxclients') - argument must be between 1 and 2147483647 inclusive" },
		{ "maxmemory", "1x", "ERR CONFIG SET failed (possibly related to argument "
		  "'maxmemory') - argument must be a memory value" },
		{ "maxmemory-policy", "bogus", "ERR CONFIG SET failed (possibly related to argument "
		  "'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, "
		  "volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, "
		  "allkeys-random, noeviction" },
		{ "protected-mode", "maybe", "ERR CONFIG SET failed (possibly related to argument "
		  "'protected-mode') - argument must be 'yes' or 'no'" },
		{ "loglevel", "foo", "ERR CONFIG SET failed (possibly related to argument "
		  "'loglevel') - argument(s) must be one of the following: debug, verbose, notice, "
		  "warning" },
		{ "timeout", "-1", "ERR CONFIG SET failed (possibly related to argument 'timeout') "
		  "- argument must be between 0 and 2147483647 inclusive" },
		{ "proto-max-bulk-len", "10", "ERR CONFIG SET failed (possibly related to argument "
		  "'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 "
		  "inclusive" },
		{ "save", "1 2 3", "ERR CONFIG SET failed (possibly related to argument 'save') - "
		  "Invalid save parameters" },
		{ "save", "0 1", "ERR CONFIG SET failed (possibly related to argument 'save') - "
		  "Invalid save parameters" },
		{ "save", "abc 1", "ERR CONFIG SET failed (possibly related to argument 'save') - "
		  "Invalid save parameters" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(set1(cases[i][0], cases[i][1]), -1);
		ck_assert_str_eq(err, cases[i][2]);
	}
	ck_assert_int_eq(cfg.maxclients, 10000);
	ck_assert_int_eq(cfg.nsave, 0);
}
END_TEST

START_TEST(t_set_many)
{
#ifdef HAVE_LMDB
	const char *ok[] = { "maxmemory", "1mb", "HZ", "20", "save", "60 1" };
#else
	const char *ok[] = { "maxmemory", "1mb", "HZ", "20", "save", "" };
#endif
	const char *bad_value[] = { "maxmemory", "5", "maxclients", "0" };
	const char *dup[] = { "MAXMEMORY", "1", "maxmemory", "2" };
	const char *unknown_later[] = { "hz", "5", "bogus", "1", "daemonize", "yes" };
	const char *odd[] = { "maxmemory", "1", "maxmemory" };
	const char *one[] = { "port" };

	ck_assert_msg(config_set(&cfg, 6, ok, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(cfg.maxmemory, 1048576);
	ck_assert_int_eq(cfg.hz, 20);
#ifdef HAVE_LMDB
	ck_assert_int_eq(cfg.nsave, 1);
#endif
	/* all or nothing: maxmemory is not changed when maxclients is bad */
	ck_assert_int_eq(config_set(&cfg, 4, bad_value, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ERR CONFIG SET failed (possibly related to argument 'maxclients') "
			 "- argument must be between 1 and 2147483647 inclusive");
	ck_assert_int_eq(cfg.maxmemory, 1048576);
	ck_assert_int_eq(config_set(&cfg, 4, dup, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') "
			 "- duplicate parameter");
	ck_assert_int_eq(config_set(&cfg, 6, unknown_later, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ERR Unknown option or number of arguments for CONFIG SET - 'bogus'");
	ck_assert_int_eq(cfg.hz, 20);
	ck_assert_int_eq(config_set(&cfg, 3, odd, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ERR syntax error");
	ck_assert_int_eq(config_set(&cfg, 1, one, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ERR wrong number of arguments for 'config|set' command");
	ck_assert_int_eq(config_set(&cfg, 0, one, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ERR wrong number of arguments for 'config|set' command");
}
END_TEST

#ifdef HAVE_LMDB
START_TEST(t_set_save_and_arity)
{
	const char *three[] = { "save", "60", "1" };
	ck_assert_int_eq(set1("save", "100 10 200 20"), 0);
	ck_assert_str_eq(getv("save"), "100 10 200 20");
	/* CONFIG SET replaces the rules rather than adding */
	ck_assert_int_eq(set1("save", "30 3"), 0);
	ck_assert_str_eq(getv("save"), "30 3");
	ck_assert_int_eq(set1("save", ""), 0);
	ck_assert_int_eq(cfg.nsave, 0);
	ck_assert_int_eq(config_apply(&cfg, 3, three, 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ERR Unknown option or number of arguments for CONFIG SET - 'save'");
}
END_TEST
#endif

/* A string replaced at run time stays readable until config_free(). */
START_TEST(t_set_retires_strings)
{
	const char *old;
	ck_assert_int_eq(set1("requirepass", "first"), 0);
	old = cfg.requirepass;
	ck_assert_int_eq(set1("requirepass", "second"), 0);
	ck_assert_str_eq(cfg.requirepass, "second");
	ck_assert_ptr_nonnull(cfg.retired);
	ck_assert_str_eq(old, "first"); /* ASan: not freed */
	ck_assert_int_eq(set1("requirepass", ""), 0);
	ck_assert_ptr_null(cfg.requirepass);
	ck_assert_str_eq(getv("requirepass"), "");
}
END_TEST

START_TEST(t_apply_command_line)
{
	const char *port[] = { "port", "7000" };
	const char *save1[] = { "save", "60", "1" };
	const char *save2[] = { "save", "120 2" };
	const char *bind[] = { "bind", "127.0.0.1", "::1" };
	const char *unknown[] = { "xyz", "1" };
	const char *badport[] = { "port", "x" };
	const char *noargs[] = { "timeout" };
	char inc[PATH_MAX + 64];
	const char *include[] = { "include", inc };

	ck_assert_int_eq(config_apply(&cfg, 2, port, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.port, 7000);
	ck_assert_int_eq(config_apply(&cfg, 3, bind, 0, err, sizeof(err)), 0);
	ck_assert_str_eq(getv("bind"), "127.0.0.1 ::1");
#ifdef HAVE_LMDB
	ck_assert_int_eq(config_apply(&cfg, 3, save1, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(config_apply(&cfg, 2, save2, 0, err, sizeof(err)), 0);
	ck_assert_str_eq(getv("save"), "120 2");
#else
	ck_assert_int_eq(config_apply(&cfg, 3, save1, 0, err, sizeof(err)), -1);
	ck_assert_str_eq(err, NO_LMDB_MSG " for 'save'");
	ck_assert_int_eq(config_apply(&cfg, 2, save2, 0, err, sizeof(err)), -1);
#endif
	ck_assert_int_eq(config_apply(&cfg, 2, unknown, 0, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown directive 'xyz'");
	ck_assert_int_eq(config_apply(&cfg, 2, badport, 0, err, sizeof(err)), -1);
	ck_assert_str_eq(err, INT_ERR " for 'port'");
	ck_assert_int_eq(config_apply(&cfg, 1, noargs, 0, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "wrong number of arguments for 'timeout'");
	write_file("cl.conf", "databases 8\n");
	snprintf(inc, sizeof(inc), "%s", tpath("cl.conf"));
	ck_assert_int_eq(config_apply(&cfg, 2, include, 0, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.databases, 8);
}
END_TEST

/* ---- CONFIG GET -------------------------------------------------------- */

static void assert_names(const char *pattern, const char *const *want, int n)
{
	struct got g = { 0 };
	config_get(&cfg, pattern, collect, &g);
	ck_assert_msg(g.n == n, "'%s' matched %d, want %d", pattern, g.n, n);
	for (int i = 0; i < n; i++)
		ck_assert_str_eq(g.name[i], want[i]);
	got_free(&g);
}

START_TEST(t_get_patterns)
{
	static const char *const maxmem[] = { "maxmemory", "maxmemory-policy" };
	static const char *const maxcm[] = { "maxclients", "maxmemory", "maxmemory-policy" };
	static const char *const saves[] = { "save", "stop-writes-on-bgsave-error",
					     "rdb-save-incremental-fsync" };
	static const char *const sys[] = { "syslog-enabled", "syslog-ident", "syslog-facility" };
	static const char *const hz[] = { "HZ" };
	static const char *const q[] = { "bind", "port", "save" };

	assert_names("maxmemory*", maxmem, 2);
	assert_names("MAXMEM*", maxmem, 2);
	assert_names("max[cm]*", maxcm, 3);
	assert_names("*save*", saves, 3);
	assert_names("sys*", sys, 3);
	assert_names("HZ", hz, 1);           /* exact name: echoed as given */
	assert_names("????", q, 3);
	assert_names("nonexistent", NULL, 0);
	assert_names("include", NULL, 0);
	assert_names("inc*", NULL, 0);
	assert_names("*", all_names, NALL);
}
END_TEST

START_TEST(t_get_formats)
{
#ifdef HAVE_LMDB
#define SAVE_LINE "save 3600 1 300 100\n"
#else
#define SAVE_LINE ""
#endif
	ck_assert_int_eq(load("unixsocketperm 750\nmaxmemory 2mb\nbind 127.0.0.1 ::1\n"
			      "protected-mode no\n" SAVE_LINE "syslog-facility user\n"
			      "unixsocket /tmp/k.sock\n"), 0);
	ck_assert_str_eq(getv("unixsocketperm"), "750");
	ck_assert_str_eq(getv("maxmemory"), "2097152");
	ck_assert_str_eq(getv("bind"), "127.0.0.1 ::1");
	ck_assert_str_eq(getv("protected-mode"), "no");
#ifdef HAVE_LMDB
	ck_assert_str_eq(getv("save"), "3600 1 300 100");
#endif
	ck_assert_str_eq(getv("syslog-facility"), "user");
	ck_assert_str_eq(getv("unixsocket"), "/tmp/k.sock");
	ck_assert_str_eq(getv("requirepass"), "");
}
END_TEST

/* ---- config_validate -------------------------------------------------- */

START_TEST(t_validate)
{
	char longpath[300];
	ck_assert_int_eq(load("port 0"), 0);
	ck_assert_int_eq(config_validate(&cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "nothing to listen on: port is 0 and no unixsocket is set");
	ck_assert_int_eq(load("unixsocket /tmp/kvsd.sock"), 0);
	ck_assert_int_eq(config_validate(&cfg, err, sizeof(err)), 0);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(load("port 6379"), 0);
	{
		const char *argv[] = { "unixsocket", longpath };
		ck_assert_int_eq(config_apply(&cfg, 2, argv, 0, err, sizeof(err)), 0);
	}
	ck_assert_int_eq(config_validate(&cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unixsocket path is too long (299 bytes"));
}
END_TEST

/* ---- the packaged file and the man page ------------------------------- */

/* The whole file, NUL-terminated, owned by the caller. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(t_packaged_conf)
{
#ifndef HAVE_LMDB
	/* The package's snapshot rules stop a build without LMDB, by line. */
	ck_assert_int_eq(load_path(KVSD_SRCDIR "/etc/kvsd.conf"), -1);
	ck_assert_ptr_nonnull(strstr(err, "/etc/kvsd.conf:"));
	ck_assert_ptr_nonnull(strstr(err, NO_LMDB_MSG " for 'save'"));
	return;
#endif
	ck_assert_msg(load_path(KVSD_SRCDIR "/etc/kvsd.conf") == 0, "%s", err);
	ck_assert_int_eq(config_validate(&cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.nbind, 1);
	ck_assert_str_eq(cfg.bind[0], "127.0.0.1");
	ck_assert_int_eq(cfg.port, 6379);
	ck_assert_str_eq(cfg.dir, "/var/lib/kvsd");
	ck_assert_str_eq(cfg.logfile, "");
	ck_assert_ptr_null(cfg.pidfile);
	ck_assert_int_eq(cfg.protected_mode, 1);
	ck_assert_str_eq(cfg.dbfilename, "kvsd.lmdb");
	ck_assert_str_eq(getv("save"), "3600 1 300 100 60 10000");
}
END_TEST

/* roff's \- (a minus sign) read as a plain '-', in place. */
static void unescape_minus(char *s)
{
	char *out = s;
	for (; *s; s++)
		if (!(s[0] == '\\' && s[1] == '-'))
			*out++ = *s;
	*out = '\0';
}

/* Every directive is described in etc/kvsd.conf (as a line of its own,
 * possibly commented out) and in doc/kvsd.conf.5 (as a .B heading). */
START_TEST(t_docs_cover_directives)
{
	char *conf = slurp(KVSD_SRCDIR "/etc/kvsd.conf");
	char *man = slurp(KVSD_SRCDIR "/doc/kvsd.conf.5");
	char pat[128];

	unescape_minus(man);

	for (int i = 0; i < NALL; i++) {
		const char *n = all_names[i];
		char active[128];
		snprintf(pat, sizeof(pat), "\n# %s ", n);
		snprintf(active, sizeof(active), "\n%s ", n);
		ck_assert_msg(strstr(conf, pat) || strstr(conf, active),
			      "etc/kvsd.conf does not show '%s'", n);
		snprintf(pat, sizeof(pat), "\n.B %s ", n);
		ck_assert_msg(strstr(man, pat), "doc/kvsd.conf.5 does not document '%s'", n);
	}
	ck_assert_ptr_nonnull(strstr(man, "\n.B include "));
	free(conf);
	free(man);
}
END_TEST

/* ---- suite ------------------------------------------------------------ */

#define NITEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc;

	tc = tcase_create("defaults");
	tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
	tcase_add_test(tc, t_defaults_fields);
	tcase_add_test(tc, t_defaults_get);
	tcase_add_test(tc, t_free_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("values");
	tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
	tcase_add_test(tc, t_bool);
	tcase_add_test(tc, t_int);
	tcase_add_test(tc, t_hz_clamped);
	tcase_add_loop_test(tc, t_memory_units, 0, NITEMS(memsizes));
	tcase_add_test(tc, t_memory_fields);
	tcase_add_test(tc, t_octal);
	tcase_add_test(tc, t_strings);
	tcase_add_test(tc, t_enums);
	tcase_add_test(tc, t_bind);
#ifdef HAVE_LMDB
	tcase_add_test(tc, t_save_rules);
	tcase_add_test(tc, t_save_limit);
#endif
	tcase_add_test(tc, t_syntax);
	tcase_add_test(tc, t_quoted_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
	tcase_add_loop_test(tc, t_bad_value, 0, NITEMS(bad));
	tcase_add_test(tc, t_error_stops_at_line);
#ifndef HAVE_LMDB
	tcase_add_test(tc, t_no_lmdb_refuses);
#endif
	suite_add_tcase(s, tc);

	tc = tcase_create("split");
	tcase_add_loop_test(tc, t_split, 0, NITEMS(splits));
	suite_add_tcase(s, tc);

	tc = tcase_create("include");
	tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
	tcase_add_test(tc, t_include_relative);
	tcase_add_test(tc, t_include_nested);
	tcase_add_test(tc, t_include_absolute_and_diamond);
#ifdef HAVE_LMDB
	tcase_add_test(tc, t_include_save_accumulates);
#endif
	tcase_add_test(tc, t_include_error_names_file);
	tcase_add_test(tc, t_include_missing);
	tcase_add_test(tc, t_include_cycle);
	tcase_add_test(tc, t_include_depth);
	tcase_add_test(tc, t_load_file_errors);
	tcase_add_test(tc, t_load_string_include);
	suite_add_tcase(s, tc);

	tc = tcase_create("runtime");
	tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
	tcase_add_loop_test(tc, t_set_immutable, 0, NITEMS(immutable));
	tcase_add_loop_test(tc, t_set_mutable, 0, NITEMS(mutable));
	tcase_add_test(tc, t_mutability_lists_complete);
	tcase_add_test(tc, t_set_errors);
	tcase_add_test(tc, t_set_many);
#ifdef HAVE_LMDB
	tcase_add_test(tc, t_set_save_and_arity);
#endif
	tcase_add_test(tc, t_set_retires_strings);
	tcase_add_test(tc, t_apply_command_line);
	tcase_add_test(tc, t_get_patterns);
	tcase_add_test(tc, t_get_formats);
	tcase_add_test(tc, t_validate);
	suite_add_tcase(s, tc);

	tc = tcase_create("packaged");
	tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
	tcase_add_test(tc, t_packaged_conf);
	tcase_add_test(tc, t_docs_cover_directives);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return configtest_main(config_suite(), "check_config");
}
