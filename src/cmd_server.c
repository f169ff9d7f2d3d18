/*
 * cmd_server.c - commands that need the daemon around the engine:
 * connection state (HELLO AUTH CLIENT QUIT), introspection (INFO CONFIG
 * TIME) and process control (SHUTDOWN).
 */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>
#if defined(HAVE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(KVS_SANITIZERS)
/* From the sanitizer runtime (gcc's and clang's); only clang ships the
 * header, so declare it. */
size_t __sanitizer_get_current_allocated_bytes(void);
#elif defined(HAVE_MALLINFO2)
#include <malloc.h>
#endif
#include "block.h"
#include "encoding.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "snapshot_lmdb.h"
#include "util.h"

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- connection ------------------------------------------------------- */
static void ping_cmd(struct kvs_client *c)
{
	if (c->argc > 2) {
		reply_wrong_arity(c, "ping");
		return;
	}
	if ((c->flags & KVS_CL_PUBSUB) && c->proto == 2) {
		/* Subscribed RESP2 clients get ping replies in message form. */
		reply_array(c, 2);
		reply_bulk_cstr(c, "pong");
		reply_bulk(c, c->argc == 2 ? c->argv[1].p : "", c->argc == 2 ? c->argv[1].len : 0);
	} else if (c->argc == 2)
		reply_bulk(c, c->argv[1].p, c->argv[1].len);
	else
		reply_status(c, "PONG");
}

static void echo_cmd(struct kvs_client *c) { reply_bulk(c, c->argv[1].p, c->argv[1].len); }

static void quit_cmd(struct kvs_client *c)
{
	reply_ok(c);
	c->flags |= KVS_CL_CLOSE_AFTER;
}

/* Constant-time comparison so a password can't be guessed byte by byte
 * from response times. */
static int pass_eq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	unsigned char d = (unsigned char)(alen != blen);
	for (size_t i = 0; i < alen; i++)
		d |= (unsigned char)(a[i] ^ b[i % (blen ? blen : 1)]);
	return d == 0;
}

/* Check user/password; reply the error and return -1 on failure. */
static int check_auth(struct kvs_client *c, const struct resp_arg *user, const struct resp_arg *pass)
{
	const char *req = server.cfg.requirepass;
	if (!req) {
		if (!user) {
			reply_error(c, "ERR AUTH <password> called without any password configured for the "
				       "default user. Are you sure your configuration is correct?");
			return -1;
		}
		/* Redis accepts any password for a nopass default user. */
		if (kvs_eqi(user->p, user->len, "default") && user->len == 7)
			return 0;
		reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
		return -1;
	}
	if ((user && !(user->len == 7 && memcmp(user->p, "default", 7) == 0)) ||
	    !pass_eq(pass->p, pass->len, req)) {
		reply_error(c, "WRONGPASS invalid username-password pair or user is disabled.");
		return -1;
	}
	return 0;
}

static void auth_cmd(struct kvs_client *c)
{
	if (c->argc > 3) {
		reply_syntax(c);
		return;
	}
	if (check_auth(c, c->argc == 3 ? &c->argv[1] : NULL, &c->argv[c->argc - 1]) < 0)
		return;
	c->flags |= KVS_CL_AUTHED;
	reply_ok(c);
}

static int valid_client_name(const char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] < '!' || p[i] > '~')
			return 0;
	return 1;
}

static void set_name(struct conn *cn, const char *p, size_t len)
{
	char *n = len ? kvs_strndup(p, len) : NULL;
	pthread_mutex_lock(&server.clients_lock);
	char *old = cn->name;
	cn->name = n;
	pthread_mutex_unlock(&server.clients_lock);
	free(old);
}

static void hello_cmd(struct kvs_client *c)
{
	long long ver = c->proto;
	int i = 1;
	const struct resp_arg *user = NULL, *pass = NULL, *name = NULL;
	if (c->argc >= 2) {
		if (!kvs_str2ll(c->argv[1].p, c->argv[1].len, &ver)) {
			reply_error(c, "ERR Protocol version is not an integer or out of range");
			return;
		}
		if (ver < 2 || ver > 3) {
			reply_error(c, "NOPROTO unsupported protocol version");
			return;
		}
		i = 2;
	}
	for (; i < c->argc; i++) {
		int more = c->argc - i - 1;
		if (arg_is(c, i, "auth") && more >= 2) {
			user = &c->argv[i + 1];
			pass = &c->argv[i + 2];
			i += 2;
		} else if (arg_is(c, i, "setname") && more >= 1) {
			name = &c->argv[i + 1];
			i += 1;
		} else {
			reply_errorf(c, "ERR Syntax error in HELLO option '%.*s'", (int)c->argv[i].len, c->argv[i].p);
			return;
		}
	}
	if (user) {
		if (check_auth(c, user, pass) < 0)
			return;
		c->flags |= KVS_CL_AUTHED;
	}
	if (!(c->flags & KVS_CL_AUTHED)) {
		reply_error(c, "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
			       "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
			       "select the RESP protocol version at the same time");
		return;
	}
	if (name) {
		if (!valid_client_name(name->p, name->len)) {
			reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
			return;
		}
		set_name(conn_of(c), name->p, name->len);
	}
	c->proto = (int)ver;
	reply_map(c, 7);
	reply_bulk_cstr(c, "server");
	reply_bulk_cstr(c, "kvsd");
	reply_bulk_cstr(c, "version");
	reply_bulk_cstr(c, KVSD_REDIS_VERSION);
	reply_bulk_cstr(c, "proto");
	reply_int(c, ver);
	reply_bulk_cstr(c, "id");
	reply_int(c, (long long)c->id);
	reply_bulk_cstr(c, "mode");
	reply_bulk_cstr(c, "standalone");
	reply_bulk_cstr(c, "role");
	reply_bulk_cstr(c, "master");
	reply_bulk_cstr(c, "modules");
	reply_array(c, 0);
}

/* ---- CLIENT ------------------------------------------------------------- */
static void client_list(struct kvs_client *c, int only_self)
{
	struct kvs_buf b = KVS_BUF_INIT;
	uint64_t now = c->now;
	long long *ids = NULL;
	int nids = 0, i = 2;
	if (!only_self) {
		while (i < c->argc) {
			if (arg_is(c, i, "type") && i + 1 < c->argc) {
				if (!arg_is(c, i + 1, "normal") && !arg_is(c, i + 1, "master") &&
				    !arg_is(c, i + 1, "replica") && !arg_is(c, i + 1, "pubsub")) {
					reply_errorf(c, "ERR Unknown client type '%.*s'", (int)c->argv[i + 1].len,
						     c->argv[i + 1].p);
					free(ids);
					return;
				}
				i += 2;
			} else if (arg_is(c, i, "id") && i + 1 < c->argc) {
				ids = kvs_calloc((size_t)(c->argc - i), sizeof *ids);
				for (i = i + 1; i < c->argc; i++) {
					if (!kvs_str2ll(c->argv[i].p, c->argv[i].len, &ids[nids]) || ids[nids] <= 0) {
						reply_error(c, "ERR Invalid client ID");
						free(ids);
						return;
					}
					nids++;
				}
			} else {
				reply_syntax(c);
				free(ids);
				return;
			}
		}
	}
	pthread_mutex_lock(&server.clients_lock);
	if (only_self) {
		conn_describe(conn_of(c), &b, now);
	} else {
		for (struct conn *cn = server.all_conns; cn; cn = cn->gnext) {
			int want = nids == 0;
			for (int k = 0; k < nids && !want; k++)
				want = (uint64_t)ids[k] == cn->cl.id;
			if (want)
				conn_describe(cn, &b, now);
		}
	}
	pthread_mutex_unlock(&server.clients_lock);
	if (only_self)
		reply_verbatim(c, b.data, b.len);
	else
		reply_verbatim(c, b.data ? b.data : "", b.len);
	kvs_buf_free(&b);
	free(ids);
}

/* Mark matching connections killed; returns how many. */
static long long kill_where(struct kvs_client *c, long long id, const struct resp_arg *addr,
			    const struct resp_arg *laddr, int skipme)
{
	long long n = 0;
	struct conn *self = conn_of(c);
	pthread_mutex_lock(&server.clients_lock);
	for (struct conn *cn = server.all_conns; cn; cn = cn->gnext) {
		if (id && cn->cl.id != (uint64_t)id)
			continue;
		if (addr && !(strlen(cn->addr) == addr->len && !memcmp(cn->addr, addr->p, addr->len)))
			continue;
		if (laddr && !(strlen(cn->laddr) == laddr->len && !memcmp(cn->laddr, laddr->p, laddr->len)))
			continue;
		if (cn == self) {
			if (skipme)
				continue;
			c->flags |= KVS_CL_CLOSE_AFTER;
		} else {
			atomic_store(&cn->kill, 1);
			server_wake_worker(cn->w);
		}
		n++;
	}
	pthread_mutex_unlock(&server.clients_lock);
	return n;
}

static void client_kill(struct kvs_client *c)
{
	long long id = 0;
	const struct resp_arg *addr = NULL, *laddr = NULL;
	int skipme = 1;
	if (c->argc == 3) {
		/* Old form: CLIENT KILL addr:port */
		if (kill_where(c, 0, &c->argv[2], NULL, 0) == 0)
			reply_error(c, "ERR No such client");
		else
			reply_ok(c);
		return;
	}
	if (c->argc % 2 != 0) {
		reply_syntax(c);
		return;
	}
	for (int i = 2; i < c->argc; i += 2) {
		const struct resp_arg *v = &c->argv[i + 1];
		if (arg_is(c, i, "id")) {
			if (!kvs_str2ll(v->p, v->len, &id) || id <= 0) {
				reply_error(c, "ERR client-id should be greater than 0");
				return;
			}
		} else if (arg_is(c, i, "addr")) {
			addr = v;
		} else if (arg_is(c, i, "laddr")) {
			laddr = v;
		} else if (arg_is(c, i, "skipme")) {
			if (kvs_eqi(v->p, v->len, "yes"))
				skipme = 1;
			else if (kvs_eqi(v->p, v->len, "no"))
				skipme = 0;
			else {
				reply_syntax(c);
				return;
			}
		} else if (arg_is(c, i, "type") || arg_is(c, i, "user") || arg_is(c, i, "maxage")) {
			/* Accepted filters; all clients are normal, default-user. */
		} else {
			reply_syntax(c);
			return;
		}
	}
	reply_int(c, kill_where(c, id, addr, laddr, skipme));
}

static void client_cmd(struct kvs_client *c)
{
	struct conn *cn = conn_of(c);
	if (arg_is(c, 1, "id") && c->argc == 2) {
		reply_int(c, (long long)c->id);
	} else if (arg_is(c, 1, "setname") && c->argc == 3) {
		if (!valid_client_name(c->argv[2].p, c->argv[2].len)) {
			reply_error(c, "ERR Client names cannot contain spaces, newlines or special characters.");
			return;
		}
		set_name(cn, c->argv[2].p, c->argv[2].len);
		reply_ok(c);
	} else if (arg_is(c, 1, "getname") && c->argc == 2) {
		if (cn->name)
			reply_bulk_cstr(c, cn->name);
		else
			reply_null(c);
	} else if (arg_is(c, 1, "setinfo") && c->argc == 4) {
		char **slot;
		if (arg_is(c, 2, "lib-name"))
			slot = &cn->lib_name;
		else if (arg_is(c, 2, "lib-ver"))
			slot = &cn->lib_ver;
		else {
			reply_errorf(c, "ERR Unrecognized option '%.*s'", (int)c->argv[2].len, c->argv[2].p);
			return;
		}
		if (!valid_client_name(c->argv[3].p, c->argv[3].len)) {
			reply_errorf(c, "ERR %.*s cannot contain spaces, newlines or special characters.",
				     (int)c->argv[2].len, c->argv[2].p);
			return;
		}
		pthread_mutex_lock(&server.clients_lock);
		free(*slot);
		*slot = kvs_strndup(c->argv[3].p, c->argv[3].len);
		pthread_mutex_unlock(&server.clients_lock);
		reply_ok(c);
	} else if (arg_is(c, 1, "list")) {
		client_list(c, 0);
	} else if (arg_is(c, 1, "info") && c->argc == 2) {
		client_list(c, 1);
	} else if (arg_is(c, 1, "kill") && c->argc >= 3) {
		client_kill(c);
	} else if ((arg_is(c, 1, "no-evict") || arg_is(c, 1, "no-touch")) && c->argc == 3) {
		uint32_t f = arg_is(c, 1, "no-evict") ? KVS_CL_NO_EVICT : KVS_CL_NO_TOUCH;
		if (arg_is(c, 2, "on"))
			c->flags |= f;
		else if (arg_is(c, 2, "off"))
			c->flags &= ~f;
		else {
			reply_syntax(c);
			return;
		}
		reply_ok(c);
	} else if (arg_is(c, 1, "pause") && (c->argc == 3 || c->argc == 4)) {
		long long ms;
		int writes = 0;
		if (!kvs_str2ll(c->argv[2].p, c->argv[2].len, &ms) || ms < 0) {
			reply_error(c, "ERR timeout is not an integer or out of range");
			return;
		}
		if (c->argc == 4) {
			if (arg_is(c, 3, "write"))
				writes = 1;
			else if (!arg_is(c, 3, "all")) {
				reply_error(c, "ERR CLIENT PAUSE mode must be WRITE or ALL");
				return;
			}
		}
		/* Like Redis, a pause never shortens one already in force. */
		uint64_t until = c->now + (uint64_t)ms, cur = atomic_load(&server.pause_until);
		if (until > cur || c->now >= cur)
			atomic_store(&server.pause_until, until);
		if (c->now >= cur || !writes)
			atomic_store(&server.pause_writes_only, writes);
		reply_ok(c);
	} else if (arg_is(c, 1, "unpause") && c->argc == 2) {
		atomic_store(&server.pause_until, 0);
		server_resume_paused(&server);
		reply_ok(c);
	} else if (arg_is(c, 1, "help") && c->argc == 2) {
		static const char *help[] = {
			"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
			"UNPAUSE", "    Stop the current client pause, resuming traffic.",
			"GETNAME", "    Return the name of the current connection.",
			"ID", "    Return the ID of the current connection.",
			"INFO", "    Return information about the current client connection.",
			"KILL <ip:port>", "    Kill connection made from <ip:port>.",
			"KILL <option> <value> [<option> <value> [...]]",
			"    Kill connections. Options are: ID <client-id>, ADDR <ip:port>, LADDR <ip:port>, SKIPME (YES|NO).",
			"LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> ...]", "    Return information about client connections.",
			"NO-EVICT (ON|OFF)", "    Protect the current client connection from eviction.",
			"NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
			"SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
			"SETNAME <name>", "    Assign the name <name> to the current connection.",
			"HELP", "    Print this help.",
		};
		reply_help(c, help, sizeof help / sizeof *help);
	} else {
		reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try CLIENT HELP.",
			     (int)c->argv[1].len, c->argv[1].p);
	}
}

/* ---- INFO --------------------------------------------------------------- */
void server_mem_stats(size_t *used, size_t *rss)
{
	*used = 0;
	*rss = 0;
	/* Live heap bytes from the allocator itself: jemalloc's counter, the
	 * sanitizer allocator's, or glibc's mallinfo2. RSS is the fallback
	 * only: freed memory does not leave RSS promptly, so maxmemory would
	 * never see eviction work. */
#if defined(HAVE_JEMALLOC)
	uint64_t epoch = 1;
	size_t sz = sizeof epoch;
	mallctl("epoch", &epoch, &sz, &epoch, sz);
	sz = sizeof *used;
	mallctl("stats.allocated", used, &sz, NULL, 0);
#elif defined(KVS_SANITIZERS)
	*used = __sanitizer_get_current_allocated_bytes();
#elif defined(HAVE_MALLINFO2)
	struct mallinfo2 mi = mallinfo2();
	*used = mi.uordblks + mi.hblkhd;
#endif
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		unsigned long pages_total, pages_rss;
		if (fscanf(f, "%lu %lu", &pages_total, &pages_rss) == 2)
			*rss = pages_rss * (size_t)sysconf(_SC_PAGESIZE);
		fclose(f);
	}
	if (*used == 0)
		*used = *rss;
}

static const char *maxmemory_policy_name(int p)
{
	static const char *const names[] = { "noeviction", "allkeys-lru", "volatile-lru", "allkeys-random",
					     "volatile-random", "volatile-ttl", "allkeys-lfu", "volatile-lfu" };
	return p >= 0 && p < (int)(sizeof names / sizeof *names) ? names[p] : "noeviction";
}

static void human_bytes(char *buf, size_t cap, double n)
{
	const char *u = "B";
	if (n >= 1024.0 * 1024 * 1024) { n /= 1024.0 * 1024 * 1024; u = "G"; }
	else if (n >= 1024.0 * 1024) { n /= 1024.0 * 1024; u = "M"; }
	else if (n >= 1024.0) { n /= 1024.0; u = "K"; }
	snprintf(buf, cap, "%.2f%s", n, u);
}

static void bprintf(struct kvs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(struct kvs_buf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[1024];
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		kvs_buf_append(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static int want_section(struct kvs_client *c, const char *name, int dflt)
{
	if (c->argc < 2)
		return dflt;
	for (int i = 1; i < c->argc; i++) {
		if (arg_is(c, i, name) || arg_is(c, i, "all") || arg_is(c, i, "everything"))
			return 1;
		if (arg_is(c, i, "default") && dflt)
			return 1;
	}
	return 0;
}

static void info_cmd(struct kvs_client *c)
{
	struct kvs_buf b = KVS_BUF_INIT;
	uint64_t now = c->now;
	uint64_t up = (now - server.start_ms) / 1000;
	int first = 1;
#define SECTION(name) do { if (!first) kvs_buf_append(&b, "\r\n", 2); first = 0; bprintf(&b, "# %s\r\n", name); } while (0)

	if (want_section(c, "server", 1)) {
		struct utsname un;
		uname(&un);
		SECTION("Server");
		bprintf(&b, "redis_version:%s\r\nkvsd_version:%s\r\nredis_mode:standalone\r\nos:%s %s %s\r\n"
			"arch_bits:%d\r\nmultiplexing_api:libevent\r\nprocess_id:%d\r\nrun_id:%016llx%016llx%08x\r\n"
			"tcp_port:%d\r\nserver_time_usec:%llu\r\nuptime_in_seconds:%llu\r\nuptime_in_days:%llu\r\n"
			"hz:%d\r\nio_threads_active:%d\r\nexecutable:%s\r\nconfig_file:%s\r\n",
			KVSD_REDIS_VERSION, PACKAGE_VERSION, un.sysname, un.release, un.machine, (int)(sizeof(void *) * 8),
			(int)getpid(), (unsigned long long)server.start_ms, (unsigned long long)server.eng.ks.seed,
			(unsigned)getpid(), server.cfg.port, (unsigned long long)now * 1000, (unsigned long long)up,
			(unsigned long long)(up / 86400), server.cfg.hz, server.nworkers, server.executable,
			server.config_file_abs);
	}
	if (want_section(c, "clients", 1)) {
		SECTION("Clients");
		bprintf(&b, "connected_clients:%d\r\nmaxclients:%d\r\nblocked_clients:%lld\r\ntracking_clients:0\r\n",
			atomic_load(&server.nclients), server.cfg.maxclients, kvs_block_count());
	}
	if (want_section(c, "memory", 1)) {
		size_t used, rss;
		char h1[32], h2[32];
		server_mem_stats(&used, &rss);
		human_bytes(h1, sizeof h1, (double)used);
		human_bytes(h2, sizeof h2, (double)rss);
		SECTION("Memory");
		bprintf(&b, "used_memory:%zu\r\nused_memory_human:%s\r\nused_memory_rss:%zu\r\n"
			"used_memory_rss_human:%s\r\nmaxmemory:%lld\r\nmaxmemory_policy:%s\r\n"
			"mem_fragmentation_ratio:%.2f\r\nmem_allocator:%s\r\n",
			used, h1, rss, h2, server.cfg.maxmemory, maxmemory_policy_name(server.cfg.maxmemory_policy),
			used ? (double)rss / (double)used : 0.0,
#if defined(HAVE_JEMALLOC)
			"jemalloc"
#elif defined(KVS_SANITIZERS)
			"sanitizer"
#else
			"libc"
#endif
		);
	}
	if (want_section(c, "persistence", 1)) {
		SECTION("Persistence");
		snapshot_info(c, &b);
		bprintf(&b, "aof_enabled:0\r\naof_rewrite_in_progress:0\r\n");
	}
	if (want_section(c, "stats", 1)) {
		struct kvs_stats st;
		uint64_t in, out, expired = 0, evicted = 0;
		server_stats(&server, &st, &in, &out);
		for (unsigned i = 0; i < KVS_SHARDS; i++) {
			expired += server.eng.ks.shard[i].expired;
			evicted += server.eng.ks.shard[i].evicted;
		}
		SECTION("Stats");
		bprintf(&b, "total_connections_received:%llu\r\ntotal_commands_processed:%llu\r\n"
			"instantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:%llu\r\ntotal_net_output_bytes:%llu\r\n"
			"rejected_connections:%llu\r\nexpired_keys:%llu\r\nevicted_keys:%llu\r\nkeyspace_hits:%llu\r\n"
			"keyspace_misses:%llu\r\npubsub_channels:0\r\npubsub_patterns:0\r\ntotal_error_replies:0\r\n"
			"unexpected_error_replies:0\r\ntotal_reads_processed:0\r\ntotal_writes_processed:0\r\n",
			(unsigned long long)atomic_load(&server.total_connections), (unsigned long long)st.commands,
			(unsigned long long)in, (unsigned long long)out,
			(unsigned long long)atomic_load(&server.rejected_connections), (unsigned long long)expired,
			(unsigned long long)evicted,
			(unsigned long long)st.keyspace_hits, (unsigned long long)st.keyspace_misses);
	}
	if (want_section(c, "replication", 1)) {
		SECTION("Replication");
		bprintf(&b, "role:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\n"
			"master_replid:%016llx%016llx%08x\r\nmaster_repl_offset:0\r\n",
			(unsigned long long)server.eng.ks.seed, (unsigned long long)server.start_ms, (unsigned)getpid());
	}
	if (want_section(c, "cpu", 1)) {
		struct rusage self;
		getrusage(RUSAGE_SELF, &self);
		SECTION("CPU");
		bprintf(&b, "used_cpu_sys:%ld.%06ld\r\nused_cpu_user:%ld.%06ld\r\n", (long)self.ru_stime.tv_sec,
			(long)self.ru_stime.tv_usec, (long)self.ru_utime.tv_sec, (long)self.ru_utime.tv_usec);
	}
	if (want_section(c, "commandstats", 0)) {
		size_t it = 0;
		struct kvs_cmd *cmd;
		SECTION("Commandstats");
		while ((cmd = kvs_cmd_next(&it))) {
			uint64_t calls = atomic_load(&cmd->calls), rej = atomic_load(&cmd->rejected);
			if (!calls && !rej)
				continue;
			bprintf(&b, "cmdstat_%s:calls=%llu,usec=0,usec_per_call=0.00,rejected_calls=%llu,failed_calls=%llu\r\n",
				cmd->name, (unsigned long long)calls, (unsigned long long)rej,
				(unsigned long long)atomic_load(&cmd->failed));
		}
	}
	if (want_section(c, "keyspace", 1)) {
		SECTION("Keyspace");
		for (int db = 0; db < server.eng.ks.ndb; db++) {
			size_t keys = 0, expires = 0;
			for (unsigned i = 0; i < KVS_SHARDS; i++) {
				kvs_lock_shard(c, i);
				keys += server.eng.ks.shard[i].db[db].used;
				expires += server.eng.ks.shard[i].nexpires[db];
				kvs_unlock_shard(c, i);
			}
			if (keys)
				bprintf(&b, "db%d:keys=%zu,expires=%zu,avg_ttl=0\r\n", db, keys, expires);
		}
	}
#undef SECTION
	reply_verbatim(c, b.data ? b.data : "", b.len);
	kvs_buf_free(&b);
}

/* ---- CONFIG --------------------------------------------------------------- */
struct config_reply {
	struct kvs_buf tmp;   /* name\0value\0 pairs */
	long long n;
};

static void config_collect(void *arg, const char *name, const char *value)
{
	struct config_reply *r = arg;
	/* Several patterns may match one directive: list it once. */
	for (size_t off = 0; off < r->tmp.len;) {
		size_t l = strlen(r->tmp.data + off);
		if (strcasecmp(r->tmp.data + off, name) == 0)
			return;
		off += l + 1;
		off += strlen(r->tmp.data + off) + 1;
	}
	kvs_buf_append(&r->tmp, name, strlen(name) + 1);
	kvs_buf_append(&r->tmp, value, strlen(value) + 1);
	r->n++;
}

void config_sync_runtime(void)
{
	log_set_level(server.cfg.loglevel);
	server.eng.proto_max_bulk_len = server.cfg.proto_max_bulk_len;
	atomic_store(&server.eng.slowlog_slower_than, server.cfg.slowlog_log_slower_than);
	atomic_store(&server.eng.slowlog_max_len, server.cfg.slowlog_max_len);
	snapshot_config_changed(&server.cfg);
	kvs_enc_limits_set(KVS_LIM_HASH_ENTRIES, server.cfg.hash_max_listpack_entries);
	kvs_enc_limits_set(KVS_LIM_HASH_VALUE, server.cfg.hash_max_listpack_value);
	kvs_enc_limits_set(KVS_LIM_SET_INTSET_ENTRIES, server.cfg.set_max_intset_entries);
	kvs_enc_limits_set(KVS_LIM_ZSET_ENTRIES, server.cfg.zset_max_listpack_entries);
	kvs_enc_limits_set(KVS_LIM_ZSET_VALUE, server.cfg.zset_max_listpack_value);
}

static void config_cmd(struct kvs_client *c)
{
	if (arg_is(c, 1, "get") && c->argc >= 3) {
		struct config_reply r = { KVS_BUF_INIT, 0 };
		pthread_mutex_lock(&config_lock);
		for (int i = 2; i < c->argc; i++) {
			char pat[256];
			snprintf(pat, sizeof pat, "%.*s", (int)c->argv[i].len, c->argv[i].p);
			config_get(&server.cfg, pat, config_collect, &r);
		}
		pthread_mutex_unlock(&config_lock);
		reply_map(c, r.n);
		for (size_t off = 0; off < r.tmp.len;) {
			size_t l = strlen(r.tmp.data + off);
			reply_bulk(c, r.tmp.data + off, l);
			off += l + 1;
		}
		kvs_buf_free(&r.tmp);
	} else if (arg_is(c, 1, "set") && c->argc >= 3) {
		/* All-or-nothing over every pair, as Redis 7 (config_set). */
		char err[512];
		int n = c->argc - 2;
		char **av = kvs_calloc((size_t)n, sizeof *av);
		for (int i = 0; i < n; i++)
			av[i] = kvs_strndup(c->argv[i + 2].p, c->argv[i + 2].len);
		pthread_mutex_lock(&config_lock);
		int rc = config_set(&server.cfg, n, (const char **)av, err, sizeof err);
		if (rc == 0)
			config_sync_runtime();
		pthread_mutex_unlock(&config_lock);
		for (int i = 0; i < n; i++)
			free(av[i]);
		free(av);
		if (rc < 0)
			reply_error(c, err);
		else
			reply_ok(c);
	} else if (arg_is(c, 1, "resetstat") && c->argc == 2) {
		size_t it = 0;
		struct kvs_cmd *cmd;
		while ((cmd = kvs_cmd_next(&it))) {
			atomic_store(&cmd->calls, 0);
			atomic_store(&cmd->rejected, 0);
			atomic_store(&cmd->failed, 0);
			atomic_store(&cmd->usec, 0);
		}
		for (int i = 0; i < server.nworkers; i++)
			memset(&server.workers[i].stats, 0, sizeof server.workers[i].stats);
		atomic_store(&server.total_connections, 0);
		atomic_store(&server.rejected_connections, 0);
		reply_ok(c);
	} else if (arg_is(c, 1, "help") && c->argc == 2) {
		static const char *help[] = {
			"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
			"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
			"RESETSTAT", "    Reset statistics reported by the INFO command.",
			"REWRITE", "    Not supported by kvsd: edit the configuration file instead.",
			"HELP", "    Print this help.",
		};
		reply_help(c, help, sizeof help / sizeof *help);
	} else if (arg_is(c, 1, "rewrite") && c->argc == 2) {
		reply_error(c, "ERR CONFIG REWRITE is not supported by kvsd: edit the configuration file");
	} else {
		reply_errorf(c, "ERR unknown subcommand or wrong number of arguments for '%.*s'. Try CONFIG HELP.",
			     (int)c->argv[1].len, c->argv[1].p);
	}
}

/* ---- misc ------------------------------------------------------------------ */
static void reset_cmd(struct kvs_client *c)
{
	/* Leave MULTI, WATCH, pub/sub and MONITOR; back to RESP2, db 0. */
	kvs_client_free(c);
	c->flags &= ~(KVS_CL_MULTI | KVS_CL_DIRTY_CAS | KVS_CL_PUBSUB | KVS_CL_NO_EVICT | KVS_CL_NO_TOUCH);
	if (server.cfg.requirepass)
		c->flags &= ~KVS_CL_AUTHED;
	c->proto = 2;
	c->db = 0;
	reply_status(c, "RESET");
}

static void time_cmd(struct kvs_client *c)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	reply_array(c, 2);
	reply_bulk_ll(c, (long long)tv.tv_sec);
	reply_bulk_ll(c, (long long)tv.tv_usec);
}

static void shutdown_cmd(struct kvs_client *c)
{
	int nosave = 0, save = 0;
	for (int i = 1; i < c->argc; i++) {
		if (arg_is(c, i, "nosave"))
			nosave = 1;
		else if (arg_is(c, i, "save"))
			save = 1;
		else if (arg_is(c, i, "now") || arg_is(c, i, "force"))
			;
		else if (arg_is(c, i, "abort")) {
			reply_error(c, "ERR No shutdown in progress.");
			return;
		} else {
			reply_syntax(c);
			return;
		}
	}
	if (save && nosave) {
		reply_syntax(c);
		return;
	}
	server.shutdown_nosave = nosave;
	server.shutdown_save = save;
	log_warning("User requested shutdown...");
	/* Like Redis: no reply, the connection just closes. */
	c->flags |= KVS_CL_CLOSE_ASAP;
	server_request_shutdown(&server);
}

static const char *const client_subs[] = { "client|id", "client|setname", "client|getname", "client|setinfo",
					   "client|list", "client|info", "client|kill", "client|no-evict",
					   "client|no-touch", "client|pause", "client|unpause", "client|help", NULL };
static const char *const config_subs[] = { "config|get", "config|set", "config|resetstat", "config|rewrite",
					   "config|help", NULL };

#define CLIENT_F (KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOSCRIPT | KVS_CMD_NOLOCK)
#define CONFIG_F (KVS_CMD_ADMIN | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOSCRIPT | KVS_CMD_NOLOCK)
#define SUB(n, a, f, fn_, since_, sum) { .name = n, .arity = a, .flags = f, .fn = fn_, .group = "connection", .since = since_, .summary = sum }

static struct kvs_cmd server_cmds[] = {
	{ .name = "ping", .arity = -1, .flags = KVS_CMD_FAST | KVS_CMD_STALE | KVS_CMD_SUBCTX, .fn = ping_cmd, .group = "connection", .since = "1.0.0", .summary = "Returns the server's liveliness response." },
	{ .name = "echo", .arity = 2, .flags = KVS_CMD_FAST | KVS_CMD_LOADING | KVS_CMD_STALE, .fn = echo_cmd, .group = "connection", .since = "1.0.0", .summary = "Returns the given string." },
	{ .name = "quit", .arity = -1, .flags = KVS_CMD_FAST | KVS_CMD_NOAUTH | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOQUEUE | KVS_CMD_SUBCTX, .fn = quit_cmd, .group = "connection", .since = "1.0.0", .summary = "Closes the connection." },
	{ .name = "auth", .arity = -2, .flags = KVS_CMD_FAST | KVS_CMD_NOAUTH | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOSCRIPT, .fn = auth_cmd, .group = "connection", .since = "1.0.0", .summary = "Authenticates the connection." },
	{ .name = "hello", .arity = -1, .flags = KVS_CMD_FAST | KVS_CMD_NOAUTH | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOSCRIPT, .fn = hello_cmd, .group = "connection", .since = "6.0.0", .summary = "Handshakes with the server." },
	{ .name = "client", .arity = -2, .flags = KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOSCRIPT | KVS_CMD_NOLOCK, .fn = client_cmd, .group = "connection", .since = "2.4.0", .summary = "A container for client connection commands.", .subcommands = client_subs },
	{ .name = "info", .arity = -1, .flags = KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOLOCK, .fn = info_cmd, .group = "server", .since = "1.0.0", .summary = "Returns information and statistics about the server." },
	{ .name = "config", .arity = -2, .flags = KVS_CMD_ADMIN | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOSCRIPT | KVS_CMD_NOLOCK, .fn = config_cmd, .group = "server", .since = "2.0.0", .summary = "A container for server configuration commands.", .subcommands = config_subs },
	{ .name = "reset", .arity = 1, .flags = KVS_CMD_FAST | KVS_CMD_NOAUTH | KVS_CMD_NOQUEUE | KVS_CMD_SUBCTX | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOSCRIPT | KVS_CMD_NOLOCK, .fn = reset_cmd, .group = "connection", .since = "6.2.0", .summary = "Resets the connection." },
	{ .name = "time", .arity = 1, .flags = KVS_CMD_FAST | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_RANDOM, .fn = time_cmd, .group = "server", .since = "2.6.0", .summary = "Returns the server time." },
	{ .name = "shutdown", .arity = -1, .flags = KVS_CMD_ADMIN | KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_NOSCRIPT | KVS_CMD_NOLOCK, .fn = shutdown_cmd, .group = "server", .since = "1.0.0", .summary = "Synchronously saves the database(s) to disk and shuts down the server." },
};

/* Subcommands: kvs_exec checks their arity and names them in errors
 * ("wrong number of arguments for 'client|id' command"); the container's
 * handler does the work. */
static struct kvs_cmd server_subcmds[] = {
	SUB("client|id", 2, CLIENT_F, client_cmd, "5.0.0", "Returns the unique client ID of the connection."),
	SUB("client|setname", 3, CLIENT_F, client_cmd, "2.6.9", "Sets the connection name."),
	SUB("client|getname", 2, CLIENT_F, client_cmd, "2.6.9", "Returns the name of the connection."),
	SUB("client|setinfo", 4, CLIENT_F, client_cmd, "7.2.0", "Sets information specific to the client or connection."),
	SUB("client|list", -2, CLIENT_F, client_cmd, "2.4.0", "Lists open connections."),
	SUB("client|info", 2, CLIENT_F, client_cmd, "6.2.0", "Returns information about the connection."),
	SUB("client|kill", -3, CLIENT_F | KVS_CMD_ADMIN, client_cmd, "2.4.0", "Terminates open connections."),
	SUB("client|no-evict", 3, CLIENT_F | KVS_CMD_ADMIN, client_cmd, "7.0.0", "Sets the client eviction mode of the connection."),
	SUB("client|no-touch", 3, CLIENT_F, client_cmd, "7.2.0", "Controls whether commands sent by the client affect the LRU/LFU of accessed keys."),
	SUB("client|pause", -3, CLIENT_F | KVS_CMD_ADMIN, client_cmd, "3.0.0", "Suspends commands processing."),
	SUB("client|unpause", 2, CLIENT_F | KVS_CMD_ADMIN, client_cmd, "6.2.0", "Resumes processing commands from paused clients."),
	SUB("client|help", 2, CLIENT_F, client_cmd, "5.0.0", "Returns helpful text about the different subcommands."),
	SUB("config|get", -3, CONFIG_F, config_cmd, "2.0.0", "Returns the effective values of configuration parameters."),
	SUB("config|set", -4, CONFIG_F, config_cmd, "2.0.0", "Sets configuration parameters in-flight."),
	SUB("config|resetstat", 2, CONFIG_F, config_cmd, "2.0.0", "Resets the server's statistics."),
	SUB("config|rewrite", 2, CONFIG_F, config_cmd, "2.8.0", "Persists the effective configuration to file."),
	SUB("config|help", 2, CONFIG_F, config_cmd, "5.0.0", "Returns helpful text about the different subcommands."),
};

void register_server_commands(void)
{
	if (kvs_cmd_register(server_subcmds, sizeof server_subcmds / sizeof *server_subcmds) < 0)
		log_warning("duplicate server subcommand registration");
	if (kvs_cmd_register(server_cmds, sizeof server_cmds / sizeof *server_cmds) < 0)
		log_warning("duplicate server command registration");
}
