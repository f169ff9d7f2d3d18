#include "config.h"
#include <stdio.h>
#include <string.h>
#include "cmd.h"

void reply_ok(struct kvs_client *c) { kvs_buf_append(c->out, "+OK\r\n", 5); }
void reply_status(struct kvs_client *c, const char *s) { resp_add_status(c->out, s); }
void reply_error(struct kvs_client *c, const char *msg) { resp_add_error(c->out, msg, strlen(msg)); }

void reply_errorf(struct kvs_client *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof buf)
		n = sizeof buf - 1;
	resp_add_error(c->out, buf, (size_t)n);
}

void reply_int(struct kvs_client *c, long long v) { resp_add_int(c->out, v); }
void reply_bulk(struct kvs_client *c, const void *p, size_t len) { resp_add_bulk(c->out, p, len); }
void reply_bulk_cstr(struct kvs_client *c, const char *s) { resp_add_bulk(c->out, s, strlen(s)); }
void reply_bulk_ll(struct kvs_client *c, long long v) { resp_add_bulk_ll(c->out, v); }
void reply_null(struct kvs_client *c) { resp_add_null(c->out, c->proto); }
void reply_null_array(struct kvs_client *c) { resp_add_null_array(c->out, c->proto); }
void reply_array(struct kvs_client *c, long long n) { resp_add_array(c->out, n); }
void reply_map(struct kvs_client *c, long long n) { resp_add_map(c->out, c->proto, n); }
void reply_set(struct kvs_client *c, long long n) { resp_add_set(c->out, c->proto, n); }
void reply_double(struct kvs_client *c, double d) { resp_add_double(c->out, c->proto, d); }
void reply_bool(struct kvs_client *c, int v) { resp_add_bool(c->out, c->proto, v); }
void reply_verbatim(struct kvs_client *c, const char *p, size_t len)
{
	resp_add_verbatim(c->out, c->proto, "txt", p, len);
}

void reply_wrong_arity(struct kvs_client *c, const char *name)
{
	reply_errorf(c, "ERR wrong number of arguments for '%s' command", name);
}
void reply_syntax(struct kvs_client *c) { reply_error(c, KVS_ERR_SYNTAX); }
void reply_wrongtype(struct kvs_client *c) { reply_error(c, KVS_ERR_WRONGTYPE); }

void reply_help(struct kvs_client *c, const char *const *lines, size_t n)
{
	reply_array(c, (long long)n);
	for (size_t i = 0; i < n; i++)
		reply_status(c, lines[i]);
}
