#include "config.h"
#include <stdlib.h>
#include "outbox.h"
#include "util.h"

struct kvs_outbox *kvs_outbox_new(kvs_outbox_wake_fn *wake, void *wake_arg)
{
	struct kvs_outbox *ob = kvs_calloc(1, sizeof *ob);
	pthread_mutex_init(&ob->lock, NULL);
	atomic_init(&ob->refs, 1);
	ob->wake = wake;
	ob->wake_arg = wake_arg;
	return ob;
}

void kvs_outbox_ref(struct kvs_outbox *ob) { atomic_fetch_add(&ob->refs, 1); }

void kvs_outbox_unref(struct kvs_outbox *ob)
{
	if (atomic_fetch_sub(&ob->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&ob->lock);
	kvs_buf_free(&ob->buf);
	free(ob);
}

void kvs_outbox_close(struct kvs_outbox *ob)
{
	pthread_mutex_lock(&ob->lock);
	ob->dead = 1;
	kvs_buf_free(&ob->buf);
	pthread_mutex_unlock(&ob->lock);
	kvs_outbox_unref(ob);
}

int kvs_outbox_append(struct kvs_outbox *ob, const void *p, size_t len, uint64_t now_ms)
{
	int rc = 0, wake = 0;
	pthread_mutex_lock(&ob->lock);
	if (ob->dead || atomic_load(&ob->overflow)) {
		pthread_mutex_unlock(&ob->lock);
		return -1;
	}
	size_t total = ob->buf.len + len + atomic_load(&ob->unsent);
	if (ob->hard && total > ob->hard) {
		atomic_store(&ob->overflow, 1);
		rc = -1;
	} else if (ob->soft && total > ob->soft) {
		if (!ob->soft_since)
			ob->soft_since = now_ms ? now_ms : 1;
		else if (now_ms - ob->soft_since > ob->soft_ms) {
			atomic_store(&ob->overflow, 1);
			rc = -1;
		}
	} else {
		ob->soft_since = 0;
	}
	if (rc == 0) {
		wake = ob->buf.len == 0;
		kvs_buf_append(&ob->buf, p, len);
	} else {
		wake = 1; /* the owner must see the overflow and close */
	}
	if (wake && ob->wake)
		ob->wake(ob->wake_arg);
	pthread_mutex_unlock(&ob->lock);
	return rc;
}

size_t kvs_outbox_take(struct kvs_outbox *ob, struct kvs_buf *dst)
{
	size_t n;
	pthread_mutex_lock(&ob->lock);
	n = ob->buf.len;
	if (n) {
		if (dst->len == 0 && dst->cap < ob->buf.cap) {
			/* Swap buffers instead of copying a large backlog. */
			struct kvs_buf t = *dst;
			*dst = ob->buf;
			ob->buf = t;
			ob->buf.len = 0;
		} else {
			kvs_buf_append(dst, ob->buf.data, n);
			ob->buf.len = 0;
		}
	}
	pthread_mutex_unlock(&ob->lock);
	return n;
}
