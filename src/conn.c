#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>
#include "block.h"
#include "conn.h"
#include "outbox.h"
#include "log.h"
#include "server.h"
#include "util.h"

#define READ_CHUNK   (16 * 1024)
#define OUT_HIGHWATER (64 * 1024 * 1024)  /* stop reading while this much is unsent */

static void on_read(evutil_socket_t fd, short what, void *arg);
static void process_input(struct conn *c);
static int flush_out(struct conn *c);
static void unqueue_flush(struct conn *c);
static void on_write(evutil_socket_t fd, short what, void *arg);

static uint64_t now_ms(void) { return kvs_env_now_ms(&server.env); }

/* Outbox wake callback: runs on any thread, under the outbox lock, only
 * while the outbox is alive (conn_close kills it first). */
static void mail_wake(void *arg)
{
	struct conn *c = arg;
	struct worker *w = c->w;
	int wake = 0;
	pthread_mutex_lock(&w->qlock);
	if (!c->in_mail) {
		c->in_mail = 1;
		c->mail_next = w->mail;
		w->mail = c;
		wake = 1;
	}
	pthread_mutex_unlock(&w->qlock);
	if (wake)
		event_active(w->wake, EV_READ, 0);
}

struct conn *conn_new(struct worker *w, int fd, int is_unix)
{
	struct conn *c = kvs_calloc(1, sizeof *c);
	c->fd = fd;
	c->w = w;
	resp_parser_init(&c->parser);
	c->cl.eng = &server.eng;
	c->cl.out = &c->out;
	c->cl.stats = &w->stats;
	c->cl.owner = c;
	c->cl.addr = c->addr;
	c->cl.namep = &c->name;
	c->cl.proto = 2;
	c->cl.ob = kvs_outbox_new(mail_wake, c);
	/* Redis's client-output-buffer-limit pubsub defaults: 32mb 8mb 60. */
	c->cl.ob->hard = 32u << 20;
	c->cl.ob->soft = 8u << 20;
	c->cl.ob->soft_ms = 60000;
	c->cl.id = atomic_fetch_add(&server.next_client_id, 1);
	if (!server.cfg.requirepass)
		c->cl.flags |= KVS_CL_AUTHED;
	if (is_unix)
		c->cl.flags |= KVS_CL_UNIX;
	c->ctime_ms = c->last_ms = now_ms();
	c->last_cmd = "NULL";

	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (is_unix) {
		snprintf(c->addr, sizeof c->addr, "%s:0", server.cfg.unixsocket ? server.cfg.unixsocket : "");
		snprintf(c->laddr, sizeof c->laddr, "%s:0", server.cfg.unixsocket ? server.cfg.unixsocket : "");
	} else {
		char host[48];
		if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    evutil_inet_ntop(ss.ss_family, ss.ss_family == AF_INET ?
				     (void *)&((struct sockaddr_in *)&ss)->sin_addr :
				     (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host)) {
			int port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							       : ((struct sockaddr_in6 *)&ss)->sin6_port);
			snprintf(c->addr, sizeof c->addr, "%s:%d", host, port);
		}
		sl = sizeof ss;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 &&
		    evutil_inet_ntop(ss.ss_family, ss.ss_family == AF_INET ?
				     (void *)&((struct sockaddr_in *)&ss)->sin_addr :
				     (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host)) {
			int port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
							       : ((struct sockaddr_in6 *)&ss)->sin6_port);
			snprintf(c->laddr, sizeof c->laddr, "%s:%d", host, port);
		}
	}

	pthread_mutex_lock(&server.clients_lock);
	c->gnext = server.all_conns;
	if (server.all_conns)
		server.all_conns->gprev = c;
	server.all_conns = c;
	pthread_mutex_unlock(&server.clients_lock);
	return c;
}

void conn_attach(struct conn *c)
{
	struct worker *w = c->w;
	int fd = c->fd;
	c->rev = event_new(w->base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(w->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	event_add(c->rev, NULL);

	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
}

/* Onto the worker's flush list, at the end. First read, first written:
 * each request then waits about one pass, none the whole pass plus all
 * the writes. */
static void queue_flush(struct conn *c)
{
	struct worker *w = c->w;
	c->to_flush = 1;
	c->fnext = NULL;
	c->fprev = w->flush_tail;
	if (w->flush_tail)
		w->flush_tail->fnext = c;
	else
		w->flush = c;
	w->flush_tail = c;
}

static void unqueue_flush(struct conn *c)
{
	if (c->fprev)
		c->fprev->fnext = c->fnext;
	else
		c->w->flush = c->fnext;
	if (c->fnext)
		c->fnext->fprev = c->fprev;
	else
		c->w->flush_tail = c->fprev;
	c->fnext = c->fprev = NULL;
	c->to_flush = 0;
}

void conn_close(struct conn *c)
{
	struct worker *w = c->w;
	/* Leave every registry first, then kill the outbox (no more wakes),
	 * then leave the mail list: nothing can reach c after that. */
	kvs_client_free(&c->cl);
	kvs_outbox_close(c->cl.ob);
	pthread_mutex_lock(&w->qlock);
	if (c->in_mail) {
		struct conn **pp = &w->mail;
		while (*pp && *pp != c)
			pp = &(*pp)->mail_next;
		if (*pp)
			*pp = c->mail_next;
	}
	pthread_mutex_unlock(&w->qlock);
	pthread_mutex_lock(&server.clients_lock);
	if (c->gprev)
		c->gprev->gnext = c->gnext;
	else
		server.all_conns = c->gnext;
	if (c->gnext)
		c->gnext->gprev = c->gprev;
	pthread_mutex_unlock(&server.clients_lock);
	if (c->to_flush)
		unqueue_flush(c);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;

	event_free(c->rev);
	event_free(c->wev);
	if (c->btimer)
		event_free(c->btimer);
	if (c->ptimer)
		event_free(c->ptimer);
	close(c->fd);
	resp_parser_free(&c->parser);
	kvs_buf_free(&c->in);
	kvs_buf_free(&c->out);
	free(c->name);
	free(c->lib_name);
	free(c->lib_ver);
	free(c);
	atomic_fetch_sub(&server.nclients, 1);
}

/* Write what is pending. Returns -1 if the connection was closed. */
static int flush_out(struct conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = write(c->fd, c->out.data + c->out_off, c->out.len - c->out_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close(c);
			return -1;
		}
		c->out_off += (size_t)n;
		c->w->net_output_bytes += (uint64_t)n;
	}
	atomic_store(&c->cl.ob->unsent, c->out.len - c->out_off);
	if (c->out_off == c->out.len) {
		c->out.len = c->out_off = 0;
		if (c->out.cap > 1024 * 1024)
			kvs_buf_shrink(&c->out, 16 * 1024);
		if (c->writing) {
			event_del(c->wev);
			c->writing = 0;
		}
		if (c->cl.flags & (KVS_CL_CLOSE_AFTER | KVS_CL_CLOSE_ASAP)) {
			conn_close(c);
			return -1;
		}
		return 0;
	}
	if (!c->writing) {
		event_add(c->wev, NULL);
		c->writing = 1;
	}
	return 0;
}

static void on_block_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	if (!(c->cl.flags & KVS_CL_BLOCKED))
		return;
	/* Either we cancel it (and answer the timeout), or a writer served it
	 * a moment ago and its reply is already in the outbox. */
	kvs_block_cancel(&c->cl, 1);
	kvs_outbox_take(c->cl.ob, &c->out);
	process_input(c);
	flush_out(c);
}

static void arm_block_timer(struct conn *c)
{
	uint64_t deadline = kvs_block_deadline(&c->cl);
	if (!deadline)
		return;
	uint64_t now = now_ms();
	uint64_t ms = deadline > now ? deadline - now : 0;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)((ms % 1000) * 1000) };
	if (!c->btimer)
		c->btimer = evtimer_new(c->w->base, on_block_timeout, c);
	evtimer_add(c->btimer, &tv);
}

static void on_pause_end(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	if (!c->paused)
		return;
	c->paused = 0;
	process_input(c);
	flush_out(c);
}

/* CLIENT PAUSE: hold this request (unparsed bytes stay in the buffer and
 * the parser re-parses them later) while a pause covers it. */
static int must_wait_for_pause(struct conn *c)
{
	uint64_t until = atomic_load(&server.pause_until);
	if (!until)
		return 0;
	uint64_t now = now_ms();
	if (now >= until)
		return 0;
	const struct kvs_cmd *cmd = kvs_cmd_lookup(c->parser.argv[0].p, c->parser.argv[0].len);
	if (atomic_load(&server.pause_writes_only) &&
	    !(cmd && (cmd->flags & KVS_CMD_WRITE || !strcmp(cmd->name, "publish"))))
		return 0;
	if (cmd && !strcmp(cmd->name, "client") && c->parser.argc >= 2 &&
	    kvs_eqi(c->parser.argv[1].p, c->parser.argv[1].len, "unpause"))
		return 0;
	c->paused = 1;
	resp_parser_reset(&c->parser);
	struct timeval tv = { (time_t)((until - now) / 1000), (suseconds_t)(((until - now) % 1000) * 1000) };
	if (!c->ptimer)
		c->ptimer = evtimer_new(c->w->base, on_pause_end, c);
	evtimer_add(c->ptimer, &tv);
	return 1;
}

void conn_resume_paused(struct worker *w)
{
	struct conn *c = w->conns, *next;
	for (; c; c = next) {
		next = c->next;
		if (c->paused) {
			if (c->ptimer)
				evtimer_del(c->ptimer);
			c->paused = 0;
			process_input(c);
			if (c->out.len > c->out_off)
				flush_out(c);
		}
	}
}

/* A writer on another thread served our blocked command: its reply is in
 * the outbox; carry on with whatever the client pipelined after it. */
static void resume_if_served(struct conn *c)
{
	if ((c->cl.flags & KVS_CL_BLOCKED) && kvs_block_served(&c->cl)) {
		if (c->btimer)
			evtimer_del(c->btimer);
		kvs_outbox_take(c->cl.ob, &c->out);
		process_input(c);
	}
}

/* Parse and execute every complete request in the input buffer. */
static void process_input(struct conn *c)
{
	struct resp_limits lim;
	/* One clock read for the whole batch (also on resume after a block or
	 * a pause, so a command never runs with a stale time). */
	c->last_ms = now_ms();
	lim.max_bulk = (size_t)server.cfg.proto_max_bulk_len;
	lim.max_inline = 64 * 1024;
	lim.max_multibulk = INT32_MAX;

	/* A pipelined batch: let the engine overlap its keys' cache misses. */
	if (c->in.len - c->in_off > 64 && !c->parser.need)
		kvs_prefetch_batch(&c->cl, c->in.data + c->in_off, c->in.len - c->in_off);
	while (c->in_off < c->in.len && !(c->cl.flags & (KVS_CL_CLOSE_AFTER | KVS_CL_CLOSE_ASAP | KVS_CL_BLOCKED))) {
		size_t used = 0;
		/* A deep pipeline: past the keys hinted so far, hint the next
		 * ones. */
		if (c->cl.npf == KVS_PF_MAX && c->in.data + c->in_off > c->cl.pf[KVS_PF_MAX - 1].p)
			kvs_prefetch_batch(&c->cl, c->in.data + c->in_off, c->in.len - c->in_off);
		lim.unauth = !(c->cl.flags & KVS_CL_AUTHED);
		lim.max_multibulk = lim.unauth ? 10 : INT32_MAX;
		enum resp_status st = resp_parse(&c->parser, c->in.data + c->in_off, c->in.len - c->in_off,
						 &lim, &used);
		if (st == RESP_AGAIN)
			break;
		if (st == RESP_ERR) {
			resp_add_error(&c->out, c->parser.err, strlen(c->parser.err));
			log_verbose("Protocol error (%s) from client id=%llu addr=%s", c->parser.err,
				    (unsigned long long)c->cl.id, c->addr);
			c->cl.flags |= KVS_CL_CLOSE_AFTER;
			c->in_off = c->in.len;
			break;
		}
		if (c->parser.argc > 0 && must_wait_for_pause(c))
			break;
		if (c->parser.argc > 0) {
			const struct kvs_cmd *cmd;
			c->cl.argc = c->parser.argc;
			c->cl.argv = c->parser.argv;
			cmd = kvs_exec_at(&c->cl, c->last_ms);
			if (cmd)
				c->last_cmd = cmd->name;
		}
		c->in_off += used;
		if (c->cl.flags & KVS_CL_BLOCKED)
			arm_block_timer(c);
	}
	kvs_prefetch_end(&c->cl);
	if (c->in_off == c->in.len) {
		c->in.len = c->in_off = 0;
		if (c->in.cap > 4 * READ_CHUNK)
			kvs_buf_shrink(&c->in, READ_CHUNK);
	} else if (c->in_off > 0) {
		kvs_buf_consume(&c->in, c->in_off);
		c->in_off = 0;
	}
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	size_t want = READ_CHUNK;
	(void)what;

	if (atomic_load(&c->kill)) {
		conn_close(c);
		return;
	}
	/* A big bulk in progress: grow once to what it needs (the parser
	 * checked it against proto-max-bulk-len before telling us). */
	if (c->parser.need > c->in.len - c->in_off && c->parser.need - (c->in.len - c->in_off) > want)
		want = c->parser.need - (c->in.len - c->in_off);
	if ((unsigned long long)(c->in.len - c->in_off) + want >
	    (unsigned long long)server.cfg.client_query_buffer_limit) {
		log_warning("Closing client that reached max query buffer length: id=%llu addr=%s",
			    (unsigned long long)c->cl.id, c->addr);
		conn_close(c);
		return;
	}
	kvs_buf_reserve(&c->in, want);
	ssize_t n = read(fd, c->in.data + c->in.len, c->in.cap - c->in.len);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		conn_close(c);
		return;
	}
	c->in.len += (size_t)n;
	c->w->net_input_bytes += (uint64_t)n;
	process_input(c);
	/* The replies are written when this pass over the ready connections
	 * ends (conn_flush_pending), as Redis does before it sleeps: the
	 * client of each connection then gets its replies in one burst with
	 * the others', and wakes up once for many of them. */
	if ((c->out.len > c->out_off || (c->cl.flags & (KVS_CL_CLOSE_AFTER | KVS_CL_CLOSE_ASAP))) &&
	    !c->to_flush && !c->writing)
		queue_flush(c);
	if (c->out.len - c->out_off > OUT_HIGHWATER)
		event_del(c->rev);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	(void)fd;
	(void)what;
	if (flush_out(c) < 0)
		return;
	if (c->out.len - c->out_off <= OUT_HIGHWATER)
		event_add(c->rev, NULL);
}

void conn_deliver_mail(struct worker *w)
{
	struct conn *stack[64], **v = stack, *c;
	size_t n = 0, cap = 64;
	/* Snapshot the list under the lock: once in_mail is cleared another
	 * thread may requeue a conn (rewriting mail_next) while we work. */
	pthread_mutex_lock(&w->qlock);
	for (c = w->mail; c; c = c->mail_next) {
		if (n == cap) {
			cap *= 2;
			if (v == stack) {
				v = kvs_malloc(cap * sizeof *v);
				memcpy(v, stack, sizeof stack);
			} else {
				v = kvs_realloc(v, cap * sizeof *v);
			}
		}
		v[n++] = c;
		c->in_mail = 0;
	}
	w->mail = NULL;
	pthread_mutex_unlock(&w->qlock);
	/* Only this thread closes its conns, so none of v[] is freed under us
	 * except by our own conn_close below (each appears once). */
	for (size_t i = 0; i < n; i++) {
		c = v[i];
		if (atomic_load(&c->cl.ob->overflow)) {
			log_warning("Client id=%llu addr=%s closed for overcoming of output buffer limits.",
				    (unsigned long long)c->cl.id, c->addr);
			conn_close(c);
			continue;
		}
		size_t got = kvs_outbox_take(c->cl.ob, &c->out);
		resume_if_served(c);
		if (got || c->out.len > c->out_off)
			flush_out(c);
	}
	if (v != stack)
		free(v);
}

void conn_reap_killed(struct worker *w)
{
	struct conn *c = w->conns, *next;
	for (; c; c = next) {
		next = c->next;
		if (atomic_load(&c->kill))
			conn_close(c);
	}
}

void conn_check_timeouts(struct worker *w, uint64_t now, int timeout)
{
	struct conn *c = w->conns, *next;
	if (timeout <= 0)
		return;
	for (; c; c = next) {
		next = c->next;
		if (now - c->last_ms > (uint64_t)timeout * 1000) {
			log_verbose("Closing idle client id=%llu", (unsigned long long)c->cl.id);
			conn_close(c);
		}
	}
}

void conn_describe(struct conn *c, struct kvs_buf *out, uint64_t now)
{
	char line[1024];
	char flags[8];
	int nf = 0;
	if (c->cl.flags & KVS_CL_MULTI)
		flags[nf++] = 'x';
	if (c->cl.flags & KVS_CL_UNIX)
		flags[nf++] = 'U';
	if (nf == 0)
		flags[nf++] = 'N';
	flags[nf] = '\0';
	int n = snprintf(line, sizeof line,
			 "id=%llu addr=%s laddr=%s fd=%d name=%s age=%llu idle=%llu flags=%s db=%d sub=0 psub=0 "
			 "ssub=0 multi=-1 qbuf=%zu qbuf-free=%zu argv-mem=0 multi-mem=0 rbs=%zu rbp=0 obl=0 "
			 "oll=0 omem=%zu tot-mem=%zu events=r cmd=%s user=default redir=-1 resp=%d lib-name=%s "
			 "lib-ver=%s\n",
			 (unsigned long long)c->cl.id, c->addr, c->laddr, c->fd, c->name ? c->name : "",
			 (unsigned long long)((now - c->ctime_ms) / 1000),
			 (unsigned long long)((now - c->last_ms) / 1000), flags, c->cl.db, c->in.len - c->in_off,
			 c->in.cap - c->in.len, c->in.cap, c->out.cap, c->in.cap + c->out.cap + sizeof *c,
			 c->cl.cmd ? c->cl.cmd->name : c->last_cmd, c->cl.proto, c->lib_name ? c->lib_name : "", c->lib_ver ? c->lib_ver : "");
	if (n > 0)
		kvs_buf_append(out, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void conn_flush_pending(struct worker *w)
{
	struct conn *c;
	while ((c = w->flush) != NULL) {
		unqueue_flush(c);
		if (flush_out(c) < 0)
			continue;
		/* Backpressure: a client that does not read its replies stops
		 * being read until they drain. */
		if (c->out.len - c->out_off > OUT_HIGHWATER)
			event_del(c->rev);
	}
}
