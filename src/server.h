/*
 * server.h - the daemon's process-wide state: configuration, the engine,
 * listeners, and the I/O worker threads.
 *
 * Threads: the main thread owns the listeners, signals and the background
 * cron (active expiry); `io-threads` workers each own an event_base and
 * every connection handed to them for the connection's whole life. A
 * command runs on its connection's worker under the locks of the shards it
 * touches (lib/cmd.c). Cross-thread requests (a new connection, CLIENT
 * KILL, shutdown) go through event_active() on the target base, which
 * libevent makes thread-safe (evthread_use_pthreads).
 */
#ifndef KVSD_SERVER_H
#define KVSD_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "cmd.h"
#include "kvsconf.h"
#include "env.h"

struct event_base;
struct event;
struct evconnlistener;
struct conn;

struct worker {
	int index;
	pthread_t tid;
	struct event_base *base;     /* owned */
	struct event *wake;          /* user event: new fds, kills, stop */
	struct event *cron;          /* idle timeouts */
	pthread_mutex_t qlock;       /* guards the hand-off queue */
	struct pending *queue;       /* accepted fds waiting to be adopted */
	_Atomic int kill_pending;
	_Atomic int resume_pending;
	_Atomic int stop;
	struct conn *conns;          /* this worker's connections */
	struct conn *flush, *flush_tail; /* conns with replies to write after this loop pass, in the order they were read */
	struct conn *mail;           /* conns with outbox bytes (qlock) */
	struct kvs_stats stats;      /* read by INFO from other threads */
	uint64_t net_input_bytes, net_output_bytes;
};

struct server {
	struct kvs_config cfg;
	struct kvs_env env;
	struct kvs_engine eng;
	struct event_base *base;             /* main thread */
	struct evconnlistener *listeners[KVSD_MAX_BIND + 1];
	int nlisteners;
	char *unix_path;                     /* to unlink at exit; owned */
	struct event *sig_ev[4];
	struct event *cron;
	struct event *shutdown_ev;
	struct worker *workers;
	int nworkers;
	unsigned next_worker;
	_Atomic int nclients;
	_Atomic uint64_t next_client_id;
	_Atomic uint64_t total_connections, rejected_connections;
	pthread_mutex_t clients_lock;        /* guards the global conn list */
	struct conn *all_conns;
	uint64_t start_ms;
	int shutdown_nosave;                 /* SHUTDOWN NOSAVE */
	int shutdown_save;                   /* SHUTDOWN SAVE */
	int exit_code;
	char executable[4096];
	char config_file_abs[4096];
	int tcp_port;                        /* the port actually bound */
	/* CLIENT PAUSE: until when (ms), and whether only writes wait. */
	_Atomic uint64_t pause_until;
	_Atomic int pause_writes_only;
};

extern struct server server;

int server_init(struct server *s);
int server_listen(struct server *s);
int server_run(struct server *s);       /* returns the exit status */
void server_destroy(struct server *s);
/* Ask the main loop to shut down (any thread). */
void server_request_shutdown(struct server *s);
/* Sum of the workers' stats. */
void server_stats(struct server *s, struct kvs_stats *out, uint64_t *in_bytes, uint64_t *out_bytes);
/* Wake a worker so it handles pending kills. */
void server_wake_worker(struct worker *w);
/* Wake every worker so paused connections go on (CLIENT UNPAUSE). */
void server_resume_paused(struct server *s);

/* src/cmd_server.c */
/* Allocated bytes (jemalloc's count; RSS without jemalloc) and RSS. */
void server_mem_stats(size_t *used, size_t *rss);
void register_server_commands(void);
/* Push run-time changeable settings into the engine (after CONFIG SET). */
void config_sync_runtime(void);

#endif
