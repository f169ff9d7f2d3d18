/*
 * check_config_redis.c - a redis.conf as kvsd reads it: the stock file
 * loads, Redis's encoding limits and their aliases, the inert directives
 * (checked values, remembered when not at their default for the start-up
 * warning) and the two that take only their default.
 *
 * Expected values come from Redis 7.0's documented behaviour and from
 * redis-server 7.0.15's replies, typed in, never from running this code.
 */
#include "configtest.h"

static const struct { const char *text, *error; } bad[] = {
	/* only the default: ignoring anything else would mislead */
	{ "appendonly yes\n", "test.conf:1: kvsd has no append-only file: it persists with LMDB "
	  "snapshots (save, BGSAVE) for 'appendonly'" },
	{ "notify-keyspace-events KEA\n",
	  "test.conf:1: keyspace notifications are not supported for 'notify-keyspace-events'" },
	/* inert directives still check their values */
	{ "rdbcompression maybe\n", "test.conf:1: argument must be 'yes' or 'no' for 'rdbcompression'" },
	{ "appendfsync sometimes\n", "test.conf:1: argument(s) must be one of the following: "
	  "always, everysec, no for 'appendfsync'" },
	{ "oom-score-adj-values 0 200\n",
	  "test.conf:1: expected 3 integers for 'oom-score-adj-values'" },
	{ "oom-score-adj-values 0 200 3000\n", "test.conf:1: argument must be 3 integers between "
	  "-2000 and 2000 for 'oom-score-adj-values'" },
	{ "client-output-buffer-limit normal 0 0\n", "test.conf:1: Wrong number of arguments in "
	  "buffer limit configuration. for 'client-output-buffer-limit'" },
	{ "client-output-buffer-limit master 0 0 0\n", "test.conf:1: Invalid client class specified "
	  "in buffer limit configuration. for 'client-output-buffer-limit'" },
	{ "client-output-buffer-limit pubsub 1x 0 0\n", "test.conf:1: Error in hard, soft or "
	  "soft_seconds setting in buffer limit configuration. for 'client-output-buffer-limit'" },
	{ "hash-max-listpack-entries -1\n", "test.conf:1: argument must be between 0 and "
	  "9223372036854775807 inclusive for 'hash-max-listpack-entries'" },
};

START_TEST(t_bad_value)
{
	ck_assert_int_eq(load(bad[_i].text), -1);
	ck_assert_str_eq(err, bad[_i].error);
}
END_TEST

/* The uncommented lines of Debian's redis.conf for redis-server 7.0
 * (/etc/redis/redis.conf, as shipped), with kvsd's own directives among
 * them: kvsd takes the file as it is. */
static const char stock_redis_conf[] =
	"bind 127.0.0.1 -::1\nprotected-mode yes\nport 6379\ntcp-backlog 511\ntimeout 0\n"
	"tcp-keepalive 300\ndaemonize yes\npidfile /run/redis/redis-server.pid\n"
	"loglevel notice\nlogfile /var/log/redis/redis-server.log\ndatabases 16\n"
	"always-show-logo no\nset-proc-title yes\n"
	"proc-title-template \"{title} {listen-addr} {server-mode}\"\n"
	"stop-writes-on-bgsave-error yes\nrdbcompression yes\nrdbchecksum yes\n"
	"dbfilename dump.rdb\nrdb-del-sync-files no\ndir /var/lib/redis\n"
	"replica-serve-stale-data yes\nreplica-read-only yes\nrepl-diskless-sync yes\n"
	"repl-diskless-sync-delay 5\nrepl-diskless-sync-max-replicas 0\n"
	"repl-diskless-load disabled\nrepl-disable-tcp-nodelay no\nreplica-priority 100\n"
	"acllog-max-len 128\nlazyfree-lazy-eviction no\nlazyfree-lazy-expire no\n"
	"lazyfree-lazy-server-del no\nreplica-lazy-flush no\nlazyfree-lazy-user-del no\n"
	"lazyfree-lazy-user-flush no\noom-score-adj no\noom-score-adj-values 0 200 800\n"
	"disable-thp yes\nappendonly no\nappendfilename \"appendonly.aof\"\n"
	"appenddirname \"appendonlydir\"\nappendfsync everysec\nno-appendfsync-on-rewrite no\n"
	"auto-aof-rewrite-percentage 100\nauto-aof-rewrite-min-size 64mb\n"
	"aof-load-truncated yes\naof-use-rdb-preamble yes\naof-timestamp-enabled no\n"
	"slowlog-log-slower-than 10000\nslowlog-max-len 128\nlatency-monitor-threshold 0\n"
	"notify-keyspace-events \"\"\nhash-max-listpack-entries 512\n"
	"hash-max-listpack-value 64\nlist-max-listpack-size -2\nlist-compress-depth 0\n"
	"set-max-intset-entries 512\nzset-max-listpack-entries 128\n"
	"zset-max-listpack-value 64\nhll-sparse-max-bytes 3000\nstream-node-max-bytes 4096\n"
	"stream-node-max-entries 100\nactiverehashing yes\n"
	"client-output-buffer-limit normal 0 0 0\n"
	"client-output-buffer-limit replica 256mb 64mb 60\n"
	"client-output-buffer-limit pubsub 32mb 8mb 60\nhz 10\ndynamic-hz yes\n"
	"aof-rewrite-incremental-fsync yes\nrdb-save-incremental-fsync yes\n"
	"jemalloc-bg-thread yes\n";

START_TEST(t_stock_redis_conf)
{
	ck_assert_msg(load(stock_redis_conf) == 0, "%s", err);
	ck_assert_int_eq(cfg.nbind, 2);
	ck_assert_int_eq(cfg.daemonize, 1);
	ck_assert_int_eq(cfg.hash_max_listpack_entries, 512);
	ck_assert_int_eq(cfg.compat.auto_aof_rewrite_min_size, 64LL << 20);
	/* everything inert was at its default: nothing to warn about */
	ck_assert_ptr_null(cfg.inert_set);
}
END_TEST

/* Inert directives set to something else are remembered (once each) for
 * the start-up warning; applied ones and defaults are not. */
START_TEST(t_inert_noted)
{
	ck_assert_msg(load("activerehashing no\nrdbcompression yes\nhash-max-listpack-entries 8\n"
			   "client-output-buffer-limit pubsub 1mb 2mb 3\nactiverehashing yes\n"
			   "client-output-buffer-limit normal 0 0 0\nlist-max-ziplist-size 5\n") == 0,
		      "%s", err);
	ck_assert_str_eq(cfg.inert_set, "activerehashing client-output-buffer-limit list-max-ziplist-size");
	ck_assert_int_eq(cfg.hash_max_listpack_entries, 8);
	ck_assert_str_eq(getv("client-output-buffer-limit"),
			 "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 3");
}
END_TEST

/* Redis 7's aliases are one setting: set through either name, shown under
 * both, and one CONFIG SET may not name both. */
START_TEST(t_aliases)
{
	ck_assert_int_eq(set1("hash-max-ziplist-entries", "7"), 0);
	ck_assert_str_eq(getv("hash-max-listpack-entries"), "7");
	ck_assert_int_eq(set1("slave-read-only", "no"), 0);
	ck_assert_str_eq(getv("replica-read-only"), "no");
	const char *both[] = { "zset-max-listpack-value", "1", "zset-max-ziplist-value", "2" };
	ck_assert_int_eq(config_set(&cfg, 4, both, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "ERR CONFIG SET failed (possibly related to argument "
		       "'zset-max-ziplist-value') - duplicate parameter");
	ck_assert_str_eq(getv("zset-max-listpack-value"), "64");
	ck_assert_int_eq(set1("appendonly", "yes"), -1);
	ck_assert_str_eq(err, "ERR CONFIG SET failed (possibly related to argument 'appendonly') - "
		       "kvsd has no append-only file: it persists with LMDB snapshots (save, BGSAVE)");
	ck_assert_int_eq(set1("appendonly", "no"), 0);
}
END_TEST

static Suite *redis_conf_suite(void)
{
	Suite *s = suite_create("config_redis");
	TCase *tc = tcase_create("redis.conf");
	tcase_add_checked_fixture(tc, cfg_setup, cfg_teardown);
	tcase_add_loop_test(tc, t_bad_value, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, t_stock_redis_conf);
	tcase_add_test(tc, t_inert_noted);
	tcase_add_test(tc, t_aliases);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return configtest_main(redis_conf_suite(), "check_config_redis");
}
