/*
 * buf.h - a growable byte buffer (the reply writer's output, the daemon's
 * read buffer).
 *
 * A struct kvs_buf owns `data`; kvs_buf_free releases it. Allocation
 * failure aborts the process (like Redis's zmalloc): a server that cannot
 * allocate a reply buffer has no good way to go on.
 */
#ifndef KVS_BUF_H
#define KVS_BUF_H

#include <stddef.h>
#include <string.h>

struct kvs_buf {
	char *data;
	size_t len;   /* bytes in use */
	size_t cap;   /* bytes allocated */
};

#define KVS_BUF_INIT { NULL, 0, 0 }

/* Make room for at least `extra` more bytes after len. */
void kvs_buf_grow(struct kvs_buf *b, size_t extra);
void kvs_buf_free(struct kvs_buf *b);
/* Drop the first n bytes (memmove of the rest). */
void kvs_buf_consume(struct kvs_buf *b, size_t n);
/* Give memory back when a buffer that grew large is mostly empty. */
void kvs_buf_shrink(struct kvs_buf *b, size_t keep);

static inline void kvs_buf_reserve(struct kvs_buf *b, size_t extra)
{
	if (b->cap - b->len < extra)
		kvs_buf_grow(b, extra);
}

static inline void kvs_buf_append(struct kvs_buf *b, const void *p, size_t n)
{
	kvs_buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void kvs_buf_putc(struct kvs_buf *b, char c)
{
	kvs_buf_reserve(b, 1);
	b->data[b->len++] = c;
}

#endif
