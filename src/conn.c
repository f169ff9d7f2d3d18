#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>
#include "conn.h"
#include "log.h"
#include "server.h"
#include "util.h"

#define READ_CHUNK   (16 * 1024)
#define OUT_HIGHWATER (64 * 1024 * 1024)  /* stop reading while this much is unsent */

static void on_read(evutil_socket_t fd, short what, void *arg);
static void on_write(evutil_socket_t fd, short what, void *arg);

static uint64_t now_ms(void) { return kvs_env_now_ms(&server.env); }

void conn_create(struct worker *w, int fd, int is_unix)
{
	struct conn *c = kvs_calloc(1, sizeof *c);
	c->fd = fd;
	c->w = w;
	resp_parser_init(&c->parser);
	c->cl.eng = &server.eng;
	c->cl.out = &c->out;
	c->cl.stats = &w->stats;
	c->cl.owner = c;
	c->cl.proto = 2;
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

	c->rev = event_new(w->base, fd, EV_READ | EV_PERSIST, on_read, c);
	c->wev = event_new(w->base, fd, EV_WRITE | EV_PERSIST, on_write, c);
	event_add(c->rev, NULL);

	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	pthread_mutex_lock(&server.clients_lock);
	c->gnext = server.all_conns;
	if (server.all_conns)
		server.all_conns->gprev = c;
	server.all_conns = c;
	pthread_mutex_unlock(&server.clients_lock);
}

void conn_close(struct conn *c)
{
	struct worker *w = c->w;
	pthread_mutex_lock(&server.clients_lock);
	if (c->gprev)
		c->gprev->gnext = c->gnext;
	else
		server.all_conns = c->gnext;
	if (c->gnext)
		c->gnext->gprev = c->gprev;
	pthread_mutex_unlock(&server.clients_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;

	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	kvs_client_free(&c->cl);
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

/* Parse and execute every complete request in the input buffer. */
static void process_input(struct conn *c)
{
	struct resp_limits lim;
	lim.max_bulk = (size_t)server.cfg.proto_max_bulk_len;
	lim.max_inline = 64 * 1024;
	lim.max_multibulk = INT32_MAX;

	while (c->in_off < c->in.len && !(c->cl.flags & (KVS_CL_CLOSE_AFTER | KVS_CL_CLOSE_ASAP))) {
		size_t used = 0;
		lim.unauth = !(c->cl.flags & KVS_CL_AUTHED);
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
		if (c->parser.argc > 0) {
			const struct kvs_cmd *cmd;
			c->cl.argc = c->parser.argc;
			c->cl.argv = c->parser.argv;
			cmd = kvs_exec(&c->cl);
			if (cmd)
				c->last_cmd = cmd->name;
		}
		c->in_off += used;
	}
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
	c->last_ms = now_ms();
	process_input(c);
	if (c->out.len > c->out_off || (c->cl.flags & (KVS_CL_CLOSE_AFTER | KVS_CL_CLOSE_ASAP))) {
		if (flush_out(c) < 0)
			return;
	}
	/* Backpressure: a client that does not read its replies stops being
	 * read until they drain. */
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
			 c->last_cmd, c->cl.proto, c->lib_name ? c->lib_name : "", c->lib_ver ? c->lib_ver : "");
	if (n > 0)
		kvs_buf_append(out, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}
