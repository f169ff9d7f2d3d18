/*
 * conn.h - one client connection: read -> parse -> execute -> write.
 *
 * A conn is owned by its worker thread; only that thread reads or frees
 * it. Other threads may look at the fields CLIENT LIST prints while holding
 * server.clients_lock (the owner updates `name` under that lock too) and
 * may set `kill` and wake the worker.
 */
#ifndef KVSD_CONN_H
#define KVSD_CONN_H

#include <stdatomic.h>
#include <stdint.h>
#include "buf.h"
#include "cmd.h"
#include "resp.h"

struct worker;

struct conn {
	int fd;
	struct worker *w;
	struct event *rev, *wev;
	struct kvs_buf in;           /* bytes read; in.data[in_off..len) unparsed */
	size_t in_off;
	struct kvs_buf out;          /* replies; out.data[out_off..len) unsent */
	size_t out_off;
	struct resp_parser parser;
	struct kvs_client cl;
	char addr[64];               /* "ip:port" or path */
	char laddr[64];
	char *name;                  /* CLIENT SETNAME; owned; NULL = none */
	char *lib_name, *lib_ver;    /* CLIENT SETINFO; owned */
	uint64_t ctime_ms, last_ms;  /* creation, last interaction */
	const char *last_cmd;        /* static name of the last command */
	_Atomic int kill;
	int writing;                 /* wev is armed */
	struct conn *next, *prev;    /* worker list */
	struct conn *fnext, *fprev;  /* worker's flush list (replies to write after this loop pass) */
	int to_flush;                /* on that list */
	struct conn *gnext, *gprev;  /* global list (server.clients_lock) */
	struct event *btimer;        /* blocked-command timeout; lazily made */
	struct event *ptimer;        /* CLIENT PAUSE end; lazily made */
	int paused;                  /* input held back by CLIENT PAUSE */
	struct conn *mail_next;      /* worker's mail list (w->qlock) */
	int in_mail;                 /* on that list (w->qlock) */
};

/* Worker thread: move outbox bytes of connections on the mail list to
 * their output and write them. */
void conn_deliver_mail(struct worker *w);
/* Write the replies queued by this loop pass's reads (worker thread). */
void conn_flush_pending(struct worker *w);
/* Worker thread: let connections held by CLIENT PAUSE go on. */
void conn_resume_paused(struct worker *w);

/* A connection for an accepted socket, to be served by worker w. Runs on
 * the accepting thread: the client is listed (CLIENT LIST/KILL see it)
 * from the moment it is accepted. */
struct conn *conn_new(struct worker *w, int fd, int is_unix);
/* Start serving c on its worker (runs on that worker's thread). */
void conn_attach(struct conn *c);
void conn_close(struct conn *c);
/* Close connections whose kill flag is set (worker thread). */
void conn_reap_killed(struct worker *w);
/* Close connections idle longer than timeout seconds (worker thread). */
void conn_check_timeouts(struct worker *w, uint64_t now_ms, int timeout);
/* One CLIENT LIST line for c (caller holds clients_lock). */
void conn_describe(struct conn *c, struct kvs_buf *out, uint64_t now_ms);
/* The conn behind an engine client. */
static inline struct conn *conn_of(struct kvs_client *cl) { return cl->owner; }

#endif
