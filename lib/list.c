/*
 * list.c - packed-node lists; see list.h for the layout.
 */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "list.h"
#include "util.h"

struct kvs_lnode {
	struct kvs_lnode *prev, *next;
	uint32_t count;   /* elements */
	uint32_t head;    /* first byte in use */
	uint32_t tail;    /* one past the last byte in use */
	uint32_t cap;     /* bytes in buf */
	unsigned char buf[];
};

#define NODE_HDR offsetof(struct kvs_lnode, buf)
/* A node is at most one 8 KiB allocation (unless one element is bigger). */
#define NODE_ALLOC_MAX 8192u
#define NODE_LIMIT (NODE_ALLOC_MAX - NODE_HDR)

static inline size_t used_of(const struct kvs_lnode *n) { return n->tail - n->head; }

/* ---- element encoding ---------------------------------------------------- */

static inline size_t elem_size(size_t len)
{
	size_t front = kvs_varint_len(len) + len;
	return front + kvs_varint_len(front);
}

/* The back varint holds the most significant group first; every byte but
 * the first has the high bit set, so a reader coming from the end knows
 * when to stop. */
static void elem_put(unsigned char *p, const void *data, size_t len)
{
	size_t front = kvs_varint_put(p, len);
	if (len)
		memcpy(p + front, data, len);
	front += len;
	size_t bl = kvs_varint_len(front);
	for (size_t i = 0; i < bl; i++) {
		size_t group = bl - 1 - i;
		p[front + i] = (unsigned char)(((front >> (7 * group)) & 0x7f) | (i ? 0x80 : 0));
	}
}

/* Decode the element starting at p; returns its encoded size. */
static inline size_t elem_get(const unsigned char *p, const char **data, size_t *len)
{
	size_t n, h = kvs_varint_get(p, &n);
	*data = (const char *)p + h;
	*len = n;
	return h + n + kvs_varint_len(h + n);
}

static inline size_t elem_len_at(const struct kvs_lnode *n, size_t off)
{
	const char *d;
	size_t len;
	return elem_get(n->buf + off, &d, &len);
}

/* Offset of the element that ends at `end`. */
static size_t elem_start(const struct kvs_lnode *n, size_t end)
{
	size_t v = 0, i = 0;
	unsigned shift = 0;
	for (;;) {
		unsigned char b = n->buf[end - 1 - i++];
		v |= (size_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			break;
	}
	return end - i - v;
}

/* ---- nodes ---------------------------------------------------------------- */

/* The allocator size class that holds n bytes: multiples of 16 up to 128,
 * then four classes per doubling (jemalloc's; glibc rounds to 16). */
static size_t size_class(size_t n)
{
	if (n <= 128)
		return (n + 15) & ~(size_t)15;
	size_t step = 32;
	while (step * 8 < n)
		step *= 2;
	return (n + step - 1) / step * step;
}

/* Buffer size for `bytes` of elements: all of the size class the node
 * falls in, so no byte of it is wasted and each growth moves to the next
 * class (12-25% bigger: amortized O(1) pushes); exactly the element for an
 * oversized one. */
static size_t cap_for(size_t bytes)
{
	if (bytes > NODE_LIMIT)
		return bytes;
	return size_class(NODE_HDR + bytes) - NODE_HDR;
}

/* A new empty node; its free room is all at the front or all at the back,
 * whichever end it will grow from. */
static struct kvs_lnode *node_new(size_t cap, int front)
{
	struct kvs_lnode *n = kvs_malloc(NODE_HDR + cap);
	n->prev = n->next = NULL;
	n->count = 0;
	n->cap = (uint32_t)cap;
	n->head = n->tail = front ? (uint32_t)cap : 0;
	return n;
}

/* Put n between a and b (adjacent; either may be NULL). */
static void node_link(struct kvs_list *l, struct kvs_lnode *a, struct kvs_lnode *n, struct kvs_lnode *b)
{
	n->prev = a;
	n->next = b;
	if (a)
		a->next = n;
	else
		l->first = n;
	if (b)
		b->prev = n;
	else
		l->last = n;
}

/* n moved in memory: point its neighbours at the new address. */
static void node_relink(struct kvs_list *l, struct kvs_lnode *n)
{
	if (n->prev)
		n->prev->next = n;
	else
		l->first = n;
	if (n->next)
		n->next->prev = n;
	else
		l->last = n;
}

static void node_unlink_free(struct kvs_list *l, struct kvs_lnode *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		l->first = n->next;
	if (n->next)
		n->next->prev = n->prev;
	else
		l->last = n->prev;
	free(n);
}

/* Make at least s free bytes in front of (front) or behind the elements of
 * n, growing or re-centring it. Returns the node's (possibly new) address.
 * The side asked for gets most of the free room, so a run of pushes at one
 * end is amortized O(1), and alternating ends does not move bytes back and
 * forth every time. */
static struct kvs_lnode *node_room(struct kvs_list *l, struct kvs_lnode *n, size_t s, int front)
{
	size_t used = used_of(n);
	size_t gap = front ? n->head : n->cap - n->tail;
	if (gap >= s)
		return n;
	size_t want = used + s;
	size_t cap = n->cap >= want ? n->cap : cap_for(want);
	size_t freeb = cap - used;
	size_t other = front ? n->cap - n->tail : n->head;
	if (other > (freeb - s) / 2)
		other = (freeb - s) / 2;
	size_t head = front ? freeb - other : other;
	if (cap == n->cap) {
		memmove(n->buf + head, n->buf + n->head, used);
	} else if (!front && head == n->head) {
		n = kvs_realloc(n, NODE_HDR + cap);
		node_relink(l, n);
	} else {
		struct kvs_lnode *m = kvs_malloc(NODE_HDR + cap);
		memcpy(m, n, NODE_HDR);
		memcpy(m->buf + head, n->buf + n->head, used);
		free(n);
		n = m;
		node_relink(l, n);
	}
	n->cap = (uint32_t)cap;
	n->head = (uint32_t)head;
	n->tail = (uint32_t)(head + used);
	return n;
}

/* Add an element at one end of node n (which has room within the limit,
 * or is empty). */
static void node_push(struct kvs_list *l, struct kvs_lnode *n, int front, const void *p, size_t len)
{
	size_t s = elem_size(len);
	n = node_room(l, n, s, front);
	size_t at;
	if (front) {
		n->head -= (uint32_t)s;
		at = n->head;
	} else {
		at = n->tail;
		n->tail += (uint32_t)s;
	}
	elem_put(n->buf + at, p, len);
	n->count++;
	l->len++;
}

static int fits(const struct kvs_lnode *n, size_t s)
{
	return n && used_of(n) + s <= NODE_LIMIT;
}

/* Insert an element between adjacent nodes a and b (either may be NULL):
 * at the end of a, the start of b, or in a new node of its own. */
static void place_between(struct kvs_list *l, struct kvs_lnode *a, struct kvs_lnode *b, const void *p,
			  size_t len)
{
	size_t s = elem_size(len);
	if (fits(a, s)) {
		node_push(l, a, 0, p, len);
	} else if (fits(b, s)) {
		node_push(l, b, 1, p, len);
	} else {
		struct kvs_lnode *n = node_new(cap_for(s), 0);
		node_link(l, a, n, b);
		node_push(l, n, 0, p, len);
	}
}

/* Move the elements from byte pos to the end of n into a new node after
 * it; returns the new node. */
static struct kvs_lnode *node_split(struct kvs_list *l, struct kvs_lnode *n, size_t pos)
{
	size_t bytes = n->tail - pos;
	uint32_t k = 0;
	for (size_t off = pos; off < n->tail; off += elem_len_at(n, off))
		k++;
	struct kvs_lnode *m = node_new(cap_for(bytes), 0);
	memcpy(m->buf, n->buf + pos, bytes);
	m->tail = (uint32_t)bytes;
	m->count = k;
	n->count -= k;
	n->tail = (uint32_t)pos;
	node_link(l, n, m, n->next);
	return m;
}

/* Insert an element at byte position pos of n (an element boundary). */
static void node_insert(struct kvs_list *l, struct kvs_lnode *n, size_t pos, const void *p, size_t len)
{
	size_t s = elem_size(len);
	if (fits(n, s)) {
		size_t rel = pos - n->head, used = used_of(n);
		/* Open the hole on the side with fewer bytes to move. */
		int front = rel < used - rel;
		n = node_room(l, n, s, front);
		if (front) {
			memmove(n->buf + n->head - s, n->buf + n->head, rel);
			n->head -= (uint32_t)s;
		} else {
			memmove(n->buf + n->head + rel + s, n->buf + n->head + rel, used - rel);
			n->tail += (uint32_t)s;
		}
		elem_put(n->buf + n->head + rel, p, len);
		n->count++;
		l->len++;
	} else if (pos == n->tail) {
		place_between(l, n, n->next, p, len);
	} else if (pos == n->head) {
		place_between(l, n->prev, n, p, len);
	} else {
		struct kvs_lnode *m = node_split(l, n, pos);
		place_between(l, n, m, p, len);
	}
}

/* Fold small neighbours together so that deletions in the middle do not
 * leave a chain of nearly empty nodes. */
static void merge_small(struct kvs_list *l)
{
	for (struct kvs_lnode *n = l->first; n; n = n->next) {
		while (n->next && used_of(n) + used_of(n->next) <= NODE_LIMIT / 2) {
			struct kvs_lnode *b = n->next;
			size_t bytes = used_of(b);
			n = node_room(l, n, bytes, 0);
			memcpy(n->buf + n->tail, b->buf + b->head, bytes);
			n->tail += (uint32_t)bytes;
			n->count += b->count;
			node_unlink_free(l, b);
		}
	}
}

/* ---- the list ------------------------------------------------------------- */

struct kvs_list *kvs_list_new(void)
{
	return kvs_calloc(1, sizeof(struct kvs_list));
}

void kvs_list_free(struct kvs_list *l)
{
	if (!l)
		return;
	struct kvs_lnode *n = l->first, *next;
	for (; n; n = next) {
		next = n->next;
		free(n);
	}
	free(l);
}

struct kvs_list *kvs_list_dup(const struct kvs_list *l)
{
	struct kvs_list *d = kvs_list_new();
	for (const struct kvs_lnode *n = l->first; n; n = n->next) {
		size_t used = used_of(n);
		struct kvs_lnode *m = node_new(cap_for(used), 0);
		memcpy(m->buf, n->buf + n->head, used);
		m->tail = (uint32_t)used;
		m->count = n->count;
		node_link(d, d->last, m, NULL);
	}
	d->len = l->len;
	return d;
}

size_t kvs_list_mem(const struct kvs_list *l)
{
	size_t bytes = sizeof *l;
	for (const struct kvs_lnode *n = l->first; n; n = n->next)
		bytes += NODE_HDR + n->cap;
	return bytes;
}

size_t kvs_list_nodes(const struct kvs_list *l)
{
	size_t k = 0;
	for (const struct kvs_lnode *n = l->first; n; n = n->next)
		k++;
	return k;
}

void kvs_list_push(struct kvs_list *l, enum kvs_list_end where, const void *p, size_t len)
{
	int front = where == KVS_LIST_HEAD;
	struct kvs_lnode *n = front ? l->first : l->last;
	if (!fits(n, elem_size(len))) {
		n = node_new(cap_for(elem_size(len)), front);
		if (front)
			node_link(l, NULL, n, l->first);
		else
			node_link(l, l->last, n, NULL);
	}
	node_push(l, n, front, p, len);
}

int kvs_list_peek(const struct kvs_list *l, enum kvs_list_end where, const char **p, size_t *len)
{
	const struct kvs_lnode *n = where == KVS_LIST_HEAD ? l->first : l->last;
	if (!n)
		return 0;
	elem_get(n->buf + (where == KVS_LIST_HEAD ? n->head : elem_start(n, n->tail)), p, len);
	return 1;
}

void kvs_list_pop(struct kvs_list *l, enum kvs_list_end where)
{
	struct kvs_lnode *n = where == KVS_LIST_HEAD ? l->first : l->last;
	if (where == KVS_LIST_HEAD)
		n->head += (uint32_t)elem_len_at(n, n->head);
	else
		n->tail = (uint32_t)elem_start(n, n->tail);
	n->count--;
	l->len--;
	if (!n->count)
		node_unlink_free(l, n);
}

void kvs_list_trim(struct kvs_list *l, size_t left, size_t right)
{
	while (left) {
		struct kvs_lnode *n = l->first;
		if (n->count <= left) {
			left -= n->count;
			l->len -= n->count;
			node_unlink_free(l, n);
			continue;
		}
		for (; left; left--) {
			n->head += (uint32_t)elem_len_at(n, n->head);
			n->count--;
			l->len--;
		}
	}
	while (right) {
		struct kvs_lnode *n = l->last;
		if (n->count <= right) {
			right -= n->count;
			l->len -= n->count;
			node_unlink_free(l, n);
			continue;
		}
		for (; right; right--) {
			n->tail = (uint32_t)elem_start(n, n->tail);
			n->count--;
			l->len--;
		}
	}
}

/* ---- positions ------------------------------------------------------------ */

void kvs_list_seek(struct kvs_list *l, size_t index, struct kvs_list_it *it)
{
	struct kvs_lnode *n;
	size_t off;
	it->l = l;
	if (index < l->len / 2) {
		for (n = l->first; index >= n->count; n = n->next)
			index -= n->count;
		for (off = n->head; index; index--)
			off += elem_len_at(n, off);
	} else {
		size_t after = l->len - 1 - index;
		for (n = l->last; after >= n->count; n = n->prev)
			after -= n->count;
		for (off = elem_start(n, n->tail); after; after--)
			off = elem_start(n, off);
	}
	it->n = n;
	it->off = (uint32_t)off;
}

int kvs_list_first(struct kvs_list *l, enum kvs_list_end where, struct kvs_list_it *it)
{
	it->l = l;
	it->n = where == KVS_LIST_HEAD ? l->first : l->last;
	if (!it->n)
		return 0;
	it->off = where == KVS_LIST_HEAD ? it->n->head : (uint32_t)elem_start(it->n, it->n->tail);
	return 1;
}

int kvs_list_next(struct kvs_list_it *it)
{
	struct kvs_lnode *n = it->n;
	it->off += (uint32_t)elem_len_at(n, it->off);
	if (it->off < n->tail)
		return 1;
	it->n = n->next;
	if (!it->n)
		return 0;
	it->off = it->n->head;
	return 1;
}

int kvs_list_prev(struct kvs_list_it *it)
{
	struct kvs_lnode *n = it->n;
	if (it->off == n->head) {
		n = it->n = n->prev;
		if (!n)
			return 0;
		it->off = n->tail;
	}
	it->off = (uint32_t)elem_start(n, it->off);
	return 1;
}

void kvs_list_get(const struct kvs_list_it *it, const char **p, size_t *len)
{
	elem_get(it->n->buf + it->off, p, len);
}

void kvs_list_insert(struct kvs_list_it *it, enum kvs_list_end where, const void *p, size_t len)
{
	struct kvs_lnode *n = it->n;
	size_t pos = where == KVS_LIST_HEAD ? it->off : it->off + elem_len_at(n, it->off);
	node_insert(it->l, n, pos, p, len);
}

void kvs_list_replace(struct kvs_list_it *it, const void *p, size_t len)
{
	struct kvs_list *l = it->l;
	struct kvs_lnode *n = it->n;
	size_t off = it->off, old = elem_len_at(n, off);
	if (elem_size(len) == old) {
		elem_put(n->buf + off, p, len);
		return;
	}
	l->len--;
	if (n->count == 1) {
		struct kvs_lnode *a = n->prev, *b = n->next;
		node_unlink_free(l, n);
		place_between(l, a, b, p, len);
		return;
	}
	memmove(n->buf + off, n->buf + off + old, n->tail - off - old);
	n->tail -= (uint32_t)old;
	n->count--;
	node_insert(l, n, off, p, len);
}

static inline int elem_eq(const struct kvs_lnode *n, size_t off, const void *p, size_t len, size_t *size)
{
	const char *d;
	size_t dl;
	*size = elem_get(n->buf + off, &d, &dl);
	return dl == len && (len == 0 || memcmp(d, p, len) == 0);
}

/* Compact one node from the head, dropping matches while *left > 0. */
static uint32_t remove_fwd(struct kvs_lnode *n, const void *p, size_t len, size_t *left)
{
	size_t r = n->head, w = n->head, s;
	uint32_t k = 0;
	while (r < n->tail) {
		if (!*left) {
			memmove(n->buf + w, n->buf + r, n->tail - r);
			w += n->tail - r;
			break;
		}
		if (elem_eq(n, r, p, len, &s)) {
			k++;
			(*left)--;
		} else {
			if (w != r)
				memmove(n->buf + w, n->buf + r, s);
			w += s;
		}
		r += s;
	}
	n->tail = (uint32_t)w;
	return k;
}

/* The same from the tail, packing the survivors towards the end. */
static uint32_t remove_back(struct kvs_lnode *n, const void *p, size_t len, size_t *left)
{
	size_t r = n->tail, w = n->tail, s;
	uint32_t k = 0;
	while (r > n->head) {
		if (!*left) {
			size_t rest = r - n->head;
			w -= rest;
			memmove(n->buf + w, n->buf + n->head, rest);
			break;
		}
		size_t start = elem_start(n, r);
		if (elem_eq(n, start, p, len, &s)) {
			k++;
			(*left)--;
		} else {
			w -= s;
			if (w != start)
				memmove(n->buf + w, n->buf + start, s);
		}
		r = start;
	}
	n->head = (uint32_t)w;
	return k;
}

size_t kvs_list_remove(struct kvs_list *l, const void *p, size_t len, long long count)
{
	size_t limit = count == 0 ? SIZE_MAX
		     : count > 0 ? (size_t)count : (size_t)(0 - (unsigned long long)count);
	size_t left = limit;
	struct kvs_lnode *n = count >= 0 ? l->first : l->last, *other;
	while (n && left) {
		other = count >= 0 ? n->next : n->prev;
		uint32_t k = count >= 0 ? remove_fwd(n, p, len, &left) : remove_back(n, p, len, &left);
		n->count -= k;
		l->len -= k;
		if (!n->count)
			node_unlink_free(l, n);
		n = other;
	}
	if (left != limit)
		merge_small(l);
	return limit - left;
}
