#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include "buf.h"
#include "util.h"

void kvs_buf_grow(struct kvs_buf *b, size_t extra)
{
	size_t need = b->len + extra;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap < (1u << 20) ? cap * 2 : cap + cap / 2;
	b->data = kvs_realloc(b->data, cap);
	b->cap = cap;
}

void kvs_buf_free(struct kvs_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void kvs_buf_consume(struct kvs_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void kvs_buf_shrink(struct kvs_buf *b, size_t keep)
{
	if (b->cap <= keep || b->len > keep)
		return;
	if (b->len == 0) {
		free(b->data);
		b->data = NULL;
		b->cap = 0;
		return;
	}
	b->data = kvs_realloc(b->data, keep);
	b->cap = keep;
}
