#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#ifdef HAVE_PTHREAD_NP_H
#include <pthread_np.h>
#endif
#include "conn.h"
#include "evict.h"
#include "log.h"
#include "server.h"
#include "snapshot_lmdb.h"
#include "util.h"

struct server server;

struct pending {
	struct conn *c;
	struct pending *next;
};

/* ---- environment for the engine ------------------------------------- */
static uint64_t real_now_ms(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t real_now_us(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static _Thread_local uint64_t rng_state;

static uint64_t real_random(void *ctx)
{
	(void)ctx;
	if (rng_state == 0) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || read(fd, &rng_state, sizeof rng_state) != sizeof rng_state)
			rng_state = real_now_us(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)&rng_state;
		if (fd >= 0)
			close(fd);
		if (rng_state == 0)
			rng_state = 0x9e3779b97f4a7c15ull;
	}
	/* xorshift64*: plenty for SCAN/RANDOMKEY sampling and table seeds. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void env_log(void *ctx, enum kvs_loglevel lvl, const char *msg)
{
	(void)ctx;
	kvs_log((int)lvl, "%s", msg);
}

/* ---- workers ---------------------------------------------------------- */
static void worker_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct pending *p;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&w->qlock);
	p = w->queue;
	w->queue = NULL;
	pthread_mutex_unlock(&w->qlock);
	while (p) {
		struct pending *next = p->next;
		conn_attach(p->c);
		free(p);
		p = next;
	}
	if (atomic_load(&w->stop)) {
		/* Through the wake event, not a bare loopbreak from another
		 * thread: a loop that had not started yet would forget that. */
		event_base_loopbreak(w->base);
		return;
	}
	if (atomic_exchange(&w->kill_pending, 0))
		conn_reap_killed(w);
	if (atomic_exchange(&w->resume_pending, 0))
		conn_resume_paused(w);
	conn_deliver_mail(w);
}

static void worker_cron_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	(void)fd;
	(void)what;
	conn_check_timeouts(w, kvs_env_now_ms(&server.env), server.cfg.timeout);
}

void server_resume_paused(struct server *s)
{
	for (int i = 0; i < s->nworkers; i++) {
		atomic_store(&s->workers[i].resume_pending, 1);
		event_active(s->workers[i].wake, EV_READ, 0);
	}
}

void server_wake_worker(struct worker *w)
{
	atomic_store(&w->kill_pending, 1);
	event_active(w->wake, EV_READ, 0);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[16];
	snprintf(name, sizeof name, "kvsd-io-%d", w->index);
#if defined(HAVE_PTHREAD_SETNAME_NP) && defined(__linux__)
	pthread_setname_np(pthread_self(), name);
#elif defined(HAVE_PTHREAD_SET_NAME_NP)
	pthread_set_name_np(pthread_self(), name);
#endif
	/* One pass over the ready events at a time, then the replies they
	 * produced are written (see on_read). */
	while (!event_base_got_break(w->base) && !atomic_load(&w->stop)) {
		if (event_base_loop(w->base, EVLOOP_ONCE | EVLOOP_NO_EXIT_ON_EMPTY) < 0)
			break;
		conn_flush_pending(w);
	}
	/* Stopping: close what is left. */
	while (w->conns)
		conn_close(w->conns);
	return NULL;
}

static int worker_init(struct worker *w, int index)
{
	struct timeval one = { 1, 0 };
	w->index = index;
	pthread_mutex_init(&w->qlock, NULL);
	w->base = event_base_new();
	if (!w->base)
		return -1;
	w->wake = event_new(w->base, -1, EV_PERSIST, worker_wake_cb, w);
	w->cron = event_new(w->base, -1, EV_PERSIST, worker_cron_cb, w);
	event_add(w->cron, &one);
	return 0;
}

/* ---- accepting ---------------------------------------------------------- */
static int is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;
		static const unsigned char v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return memcmp(b, v4mapped, 12) == 0 && b[12] == 127;
	}
	return sa->sa_family == AF_UNIX;
}

static const char denied_msg[] =
	"-DENIED kvsd is running in protected mode because protected mode is enabled and no password is "
	"set for the default user. In this mode connections are only accepted from the loopback interface. "
	"If you want to connect from external computers to kvsd you may adopt one of the following "
	"solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from "
	"the loopback interface by connecting to kvsd from the same host the server is running, however "
	"MAKE SURE kvsd is not publicly accessible from internet if you do so. 2) Alternatively you can just "
	"disable the protected mode by editing the kvsd configuration file, and setting the protected mode "
	"option to 'no', and then restarting the server. 3) If you started the server manually just for "
	"testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password "
	"for the default user. NOTE: You only need to do one of the above things in order for the server "
	"to start accepting connections from the outside.\r\n";

static void reject(int fd, const char *msg, size_t len)
{
	ssize_t n = write(fd, msg, len);
	(void)n;
	close(fd);
	atomic_fetch_add(&server.rejected_connections, 1);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
		      void *arg)
{
	struct server *s = arg;
	int is_unix = sa->sa_family == AF_UNIX || salen <= (int)sizeof(sa_family_t);
	(void)l;

	evutil_make_socket_nonblocking(fd);
	atomic_fetch_add(&s->total_connections, 1);
	if (atomic_load(&s->nclients) >= s->cfg.maxclients) {
		static const char m[] = "-ERR max number of clients reached\r\n";
		reject(fd, m, sizeof m - 1);
		return;
	}
	if (!is_unix && s->cfg.protected_mode && !s->cfg.requirepass && !is_loopback(sa)) {
		log_warning("Denied connection from a non-loopback address in protected mode");
		reject(fd, denied_msg, sizeof denied_msg - 1);
		return;
	}
	if (!is_unix) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (s->cfg.tcp_keepalive > 0) {
			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
#if defined(HAVE_DECL_TCP_KEEPIDLE) && HAVE_DECL_TCP_KEEPIDLE
			int idle = s->cfg.tcp_keepalive, intvl = idle / 3 ? idle / 3 : 1, cnt = 3;
			setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
			setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
			setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
#endif
		}
	}
	atomic_fetch_add(&s->nclients, 1);
	struct worker *w = &s->workers[s->next_worker++ % (unsigned)s->nworkers];
	struct pending *p = kvs_malloc(sizeof *p);
	p->c = conn_new(w, fd, is_unix);
	pthread_mutex_lock(&w->qlock);
	p->next = w->queue;
	w->queue = p;
	pthread_mutex_unlock(&w->qlock);
	event_active(w->wake, EV_READ, 0);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	int err = EVUTIL_SOCKET_ERROR();
	(void)l;
	(void)arg;
	log_warning("Accepting client connection: %s", evutil_socket_error_to_string(err));
}

static int listen_tcp(struct server *s, const char *addr0)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int optional = addr0[0] == '-';
	const char *addr = optional ? addr0 + 1 : addr0;
	int bound = 0;

	if (strcmp(addr, "*") == 0)
		addr = "0.0.0.0";
	else if (strcmp(addr, "::*") == 0)
		addr = "::";
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	snprintf(port, sizeof port, "%d", s->cfg.port);
	int rc = getaddrinfo(addr, port, &hints, &res);
	if (rc != 0) {
		log_warning("Could not create server TCP listening socket %s:%d: %s", addr, s->cfg.port,
			    gai_strerror(rc));
		return optional ? 0 : -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM, 0), one = 1;
		if (fd < 0)
			continue;
		evutil_make_socket_closeonexec(fd);
		evutil_make_socket_nonblocking(fd);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, s->cfg.tcp_backlog) < 0) {
			int e = errno;
			close(fd);
			if (optional && (e == EADDRNOTAVAIL || e == EAFNOSUPPORT || e == EPROTONOSUPPORT))
				continue;
			log_warning("Could not create server TCP listening socket %s:%d: bind: %s", addr,
				    s->cfg.port, strerror(e));
			freeaddrinfo(res);
			return -1;
		}
		struct evconnlistener *l = evconnlistener_new(s->base, on_accept, s, LEV_OPT_CLOSE_ON_FREE, -1, fd);
		if (!l) {
			close(fd);
			freeaddrinfo(res);
			return -1;
		}
		evconnlistener_set_error_cb(l, on_accept_error);
		s->listeners[s->nlisteners++] = l;
		bound = 1;
		break;
	}
	freeaddrinfo(res);
	return bound || optional ? 0 : -1;
}

static int listen_unix(struct server *s)
{
	struct sockaddr_un sun;
	const char *path = s->cfg.unixsocket;
	int fd;
	if (strlen(path) >= sizeof sun.sun_path) {
		log_warning("unixsocket path too long: %s", path);
		return -1;
	}
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	evutil_make_socket_closeonexec(fd);
	evutil_make_socket_nonblocking(fd);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 || listen(fd, s->cfg.tcp_backlog) < 0) {
		log_warning("Failed opening Unix socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (s->cfg.unixsocketperm)
		chmod(path, (mode_t)s->cfg.unixsocketperm);
	struct evconnlistener *l = evconnlistener_new(s->base, on_accept, s, LEV_OPT_CLOSE_ON_FREE, -1, fd);
	if (!l) {
		close(fd);
		return -1;
	}
	s->listeners[s->nlisteners++] = l;
	s->unix_path = kvs_strndup(path, strlen(path));
	return 0;
}

int server_listen(struct server *s)
{
	if (s->cfg.port > 0) {
		for (int i = 0; i < s->cfg.nbind; i++)
			if (listen_tcp(s, s->cfg.bind[i]) < 0)
				return -1;
	}
	if (s->cfg.unixsocket && *s->cfg.unixsocket && listen_unix(s) < 0)
		return -1;
	if (s->nlisteners == 0) {
		log_warning("Configured to not listen anywhere, exiting.");
		return -1;
	}
	return 0;
}

/* ---- main loop ---------------------------------------------------------- */
static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *s = arg;
	(void)what;
	if (sig == SIGHUP) {
		log_notice("Received SIGHUP, reopening the log file.");
		if (log_reopen() < 0)
			log_warning("Could not reopen the log file: %s", strerror(errno));
		return;
	}
	log_notice("Received %s, scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
	event_base_loopbreak(s->base);
}

static void on_shutdown(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	(void)fd;
	(void)what;
	event_base_loopbreak(s->base);
}

void server_request_shutdown(struct server *s)
{
	event_active(s->shutdown_ev, EV_READ, 0);
}

_Static_assert((int)KVS_EVICT_VOLATILE_LFU == (int)KVS_MAXMEM_VOLATILE_LFU && (int)KVS_EVICT_ALLKEYS_LRU == (int)KVS_MAXMEM_ALLKEYS_LRU,
	       "maxmemory-policy numbering differs between config and engine");

/* maxmemory: evict by policy while over the limit; when nothing can be
 * evicted, commands that may grow memory (DENYOOM) fail with -OOM until
 * usage drops. Checked every tick (hz), so the limit can be overshot by
 * what clients write in one tick. */
static void enforce_maxmemory(struct server *s)
{
	long long max = s->cfg.maxmemory;
	size_t used, rss;
	if (max <= 0) {
		atomic_store(&s->eng.oom, 0);
		return;
	}
	server_mem_stats(&used, &rss);
	int n = 0;
	uint64_t now = real_now_ms(NULL);
	while ((long long)used > max && n < 100000) {
		if (!ks_evict_one(&s->eng.ks, s->cfg.maxmemory_policy, real_random(NULL), now))
			break;
		if (++n % 64 == 0)
			server_mem_stats(&used, &rss);
	}
	if (n)
		server_mem_stats(&used, &rss);
	atomic_store(&s->eng.oom, (long long)used > max);
}

static void on_cron(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;
	(void)fd;
	(void)what;
	/* Active expiry: a bounded step per shard. Each takes only its own
	 * shard's lock, so clients of other shards are never held up. */
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		ks_expire_step(&s->eng.ks, i, 512);
	enforce_maxmemory(s);
	snapshot_cron(s);
}

static int ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int server_init(struct server *s)
{
	s->env.ctx = s;
	s->env.now_ms = real_now_ms;
	s->env.now_us = real_now_us;
	s->env.random = real_random;
	s->env.log = env_log;
	s->start_ms = real_now_ms(NULL);
	atomic_store(&s->next_client_id, 1);
	pthread_mutex_init(&s->clients_lock, NULL);

	if (kvs_keyspace_init(&s->eng.ks, &s->env, s->cfg.databases, (unsigned)s->cfg.node_id) < 0) {
		log_warning("Invalid databases or node-id");
		return -1;
	}
	s->eng.env = &s->env;
	s->eng.proto_max_bulk_len = s->cfg.proto_max_bulk_len;
	s->eng.daemon = s;
	config_sync_runtime();

	evthread_use_pthreads();
	s->base = event_base_new();
	if (!s->base)
		return -1;
	s->nworkers = s->cfg.io_threads > 0 ? s->cfg.io_threads : ncpus();
	s->workers = kvs_calloc((size_t)s->nworkers, sizeof *s->workers);
	for (int i = 0; i < s->nworkers; i++)
		if (worker_init(&s->workers[i], i) < 0)
			return -1;

	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	for (int i = 0; i < 3; i++) {
		s->sig_ev[i] = evsignal_new(s->base, sigs[i], on_signal, s);
		event_add(s->sig_ev[i], NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	s->shutdown_ev = event_new(s->base, -1, 0, on_shutdown, s);
	event_add(s->shutdown_ev, NULL);
	int hz = s->cfg.hz > 0 ? s->cfg.hz : 10;
	struct timeval tv = { 0, 1000000 / hz };
	s->cron = event_new(s->base, -1, EV_PERSIST, on_cron, s);
	event_add(s->cron, &tv);
	return 0;
}

int server_run(struct server *s)
{
	for (int i = 0; i < s->nworkers; i++)
		if (pthread_create(&s->workers[i].tid, NULL, worker_main, &s->workers[i]) != 0) {
			log_warning("Cannot start I/O thread: %s", strerror(errno));
			return 1;
		}
	log_notice("Ready to accept connections (%d I/O threads)", s->nworkers);
	event_base_dispatch(s->base);
	log_notice("Shutting down: closing listeners and clients");
	for (int i = 0; i < s->nlisteners; i++) {
		evconnlistener_free(s->listeners[i]);
		s->listeners[i] = NULL;
	}
	for (int i = 0; i < s->nworkers; i++) {
		atomic_store(&s->workers[i].stop, 1);
		event_active(s->workers[i].wake, EV_READ, 0);
	}
	for (int i = 0; i < s->nworkers; i++)
		pthread_join(s->workers[i].tid, NULL);
	return s->exit_code;
}

void server_destroy(struct server *s)
{
	for (int i = 0; i < s->nworkers; i++) {
		struct worker *w = &s->workers[i];
		struct pending *p = w->queue;
		while (p) {
			struct pending *n = p->next;
			conn_attach(p->c);
			conn_close(p->c);
			free(p);
			p = n;
		}
		event_free(w->wake);
		event_free(w->cron);
		event_base_free(w->base);
		pthread_mutex_destroy(&w->qlock);
	}
	free(s->workers);
	for (int i = 0; i < 3; i++)
		if (s->sig_ev[i])
			event_free(s->sig_ev[i]);
	if (s->cron)
		event_free(s->cron);
	if (s->shutdown_ev)
		event_free(s->shutdown_ev);
	if (s->base)
		event_base_free(s->base);
	if (s->unix_path) {
		unlink(s->unix_path);
		free(s->unix_path);
	}
	kvs_pubsub_destroy(&s->eng);
	kvs_slowlog_destroy(&s->eng);
	kvs_keyspace_destroy(&s->eng.ks);
	pthread_mutex_destroy(&s->clients_lock);
}

void server_stats(struct server *s, struct kvs_stats *out, uint64_t *in_bytes, uint64_t *out_bytes)
{
	memset(out, 0, sizeof *out);
	*in_bytes = *out_bytes = 0;
	for (int i = 0; i < s->nworkers; i++) {
		struct kvs_stats *w = &s->workers[i].stats;
		out->commands += w->commands;
		out->keyspace_hits += w->keyspace_hits;
		out->keyspace_misses += w->keyspace_misses;
		out->rejected_calls += w->rejected_calls;
		out->failed_calls += w->failed_calls;
		*in_bytes += s->workers[i].net_input_bytes;
		*out_bytes += s->workers[i].net_output_bytes;
	}
}
