#include "config.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "hlc.h"
#include "snap.h"
#include "util.h"

/* ---- CRC-32C ------------------------------------------------------------- */

/* Slicing-by-8 over the reflected Castagnoli polynomial: about a byte per
 * cycle, so checking a snapshot costs little next to reading it. */
static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

static uint32_t crc32c_sw(uint32_t crc, const unsigned char *p, size_t n)
{
	while (n >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);
		crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^ crc_tab[5][(lo >> 16) & 0xff] ^
		      crc_tab[4][lo >> 24] ^ crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^
		      crc_tab[0][p[7]];
		p += 8;
		n -= 8;
	}
	while (n--)
		crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
	return crc;
}

/* x86-64 has the Castagnoli CRC as an instruction (SSE4.2): eight bytes
 * per instruction, several times the tables' speed. Chosen at run time,
 * so the binary still runs on a CPU without it. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define KVS_CRC_HW 1
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const unsigned char *p, size_t n)
{
	uint64_t c = crc;
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		n -= 8;
	}
	crc = (uint32_t)c;
	while (n--)
		crc = __builtin_ia32_crc32qi(crc, *p++);
	return crc;
}
static int crc_hw;
#endif

static void crc_setup(void)
{
	crc_init();
#ifdef KVS_CRC_HW
	__builtin_cpu_init();
	crc_hw = __builtin_cpu_supports("sse4.2");
#endif
}

uint32_t kvs_crc32c(uint32_t crc, const void *buf, size_t n)
{
	pthread_once(&crc_once, crc_setup);
#ifdef KVS_CRC_HW
	if (crc_hw)
		return ~crc32c_hw(~crc, buf, n);
#endif
	return ~crc32c_sw(~crc, buf, n);
}

/* ---- little-endian integers and bounded varints ------------------------ */

static void put_u32(struct kvs_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };
	kvs_buf_append(b, x, 4);
}

void kvs_snap_put_u64(struct kvs_buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

void kvs_snap_put_varint(struct kvs_buf *b, uint64_t v)
{
	unsigned char x[10];
	size_t n = 0;
	while (v >= 0x80) {
		x[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	x[n++] = (unsigned char)v;
	kvs_buf_append(b, x, n);
}

static uint32_t rd_u32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd_u64(const unsigned char *p)
{
	return (uint64_t)rd_u32(p) | (uint64_t)rd_u32(p + 4) << 32;
}

uint64_t kvs_snap_get_varint(struct kvs_snap_in *r)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64 && !r->bad; shift += 7) {
		if (r->p >= r->end)
			break;
		unsigned char b = *r->p++;
		if (shift == 63 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = 1;
	return 0;
}

const unsigned char *kvs_snap_get_bytes(struct kvs_snap_in *r, uint64_t n)
{
	const unsigned char *p = r->p;
	if (r->bad || (uint64_t)(r->end - r->p) < n) {
		r->bad = 1;
		return NULL;
	}
	r->p += n;
	return p;
}

uint64_t kvs_snap_get_u64(struct kvs_snap_in *r)
{
	const unsigned char *p = kvs_snap_get_bytes(r, 8);
	return p ? rd_u64(p) : 0;
}

static uint32_t get_u32(struct kvs_snap_in *r)
{
	const unsigned char *p = kvs_snap_get_bytes(r, 4);
	return p ? rd_u32(p) : 0;
}

/* ---- header ------------------------------------------------------------ */

void kvs_snap_header_encode(const struct kvs_snap_header *h, struct kvs_buf *out)
{
	size_t start = out->len, n = 0;
	kvs_buf_append(out, KVS_SNAP_MAGIC, 8);
	put_u32(out, h->version);
	put_u32(out, h->node_id);
	kvs_snap_put_u64(out, h->hlc);
	kvs_snap_put_u64(out, h->created_ms);
	kvs_snap_put_u64(out, h->keys);
	kvs_snap_put_u64(out, h->chunks);
	kvs_snap_put_u64(out, h->bytes);
	put_u32(out, h->crc);
	put_u32(out, h->ndb);
	for (size_t i = 0; i < (size_t)h->ndb * KVS_SHARDS; i++)
		n += h->counts[i] != 0;
	kvs_snap_put_varint(out, n);
	for (size_t i = 0; i < (size_t)h->ndb * KVS_SHARDS; i++) {
		if (!h->counts[i])
			continue;
		kvs_snap_put_varint(out, i / KVS_SHARDS);
		kvs_buf_putc(out, (char)(i % KVS_SHARDS));
		kvs_snap_put_varint(out, h->counts[i]);
	}
	put_u32(out, kvs_crc32c(0, out->data + start, out->len - start));
}

int kvs_snap_header_decode(const void *buf, size_t n, struct kvs_snap_header *h, char *err, size_t errlen)
{
	struct kvs_snap_in r = { buf, (const unsigned char *)buf + n, 0 };
	memset(h, 0, sizeof *h);
	if (n < 12 || memcmp(buf, KVS_SNAP_MAGIC, 8) != 0) {
		snprintf(err, errlen, "not a kvsd snapshot (no kvsd header)");
		return -1;
	}
	r.p += 8;
	h->version = get_u32(&r);
	if (h->version != KVS_SNAP_VERSION) {
		snprintf(err, errlen, "snapshot format version %" PRIu32 " is not supported (this kvsd reads "
			 "version %u only)", h->version, KVS_SNAP_VERSION);
		return -1;
	}
	if (n < 16 || kvs_crc32c(0, buf, n - 4) != rd_u32((const unsigned char *)buf + n - 4)) {
		snprintf(err, errlen, "the snapshot header is damaged (checksum mismatch)");
		return -1;
	}
	r.end -= 4;
	h->node_id = get_u32(&r);
	h->hlc = kvs_snap_get_u64(&r);
	h->created_ms = kvs_snap_get_u64(&r);
	h->keys = kvs_snap_get_u64(&r);
	h->chunks = kvs_snap_get_u64(&r);
	h->bytes = kvs_snap_get_u64(&r);
	h->crc = get_u32(&r);
	h->ndb = get_u32(&r);
	uint64_t nz = kvs_snap_get_varint(&r);
	if (r.bad || h->ndb == 0 || h->ndb > KVS_MAX_DBS || nz > (uint64_t)h->ndb * KVS_SHARDS)
		goto bad;
	h->counts = kvs_calloc((size_t)h->ndb * KVS_SHARDS, sizeof *h->counts);
	for (uint64_t i = 0; i < nz; i++) {
		uint64_t db = kvs_snap_get_varint(&r);
		const unsigned char *sh = kvs_snap_get_bytes(&r, 1);
		uint64_t cnt = kvs_snap_get_varint(&r);
		if (r.bad || db >= h->ndb || *sh >= KVS_SHARDS)
			goto bad;
		h->counts[db * KVS_SHARDS + *sh] = cnt;
	}
	if (r.p == r.end)
		return 0;
bad:
	kvs_snap_header_free(h);
	snprintf(err, errlen, "the snapshot header is malformed");
	return -1;
}

void kvs_snap_header_free(struct kvs_snap_header *h)
{
	free(h->counts);
	h->counts = NULL;
}

/* ---- records --------------------------------------------------------------- */

#define REC_TTL 0x01

/* Everything of a record after its length, up to the value. */
static void put_rec_head(struct kvs_buf *out, uint64_t db, const struct kvs_entry *e, const char *key,
			 size_t klen)
{
	uint64_t exp = kvs_entry_expire(e);
	kvs_snap_put_varint(out, db);
	kvs_buf_putc(out, (char)e->type);
	kvs_buf_putc(out, exp ? REC_TTL : 0);
	kvs_snap_put_u64(out, e->stamp);
	if (exp)
		kvs_snap_put_u64(out, exp);
	kvs_snap_put_varint(out, klen);
	kvs_buf_append(out, key, klen);
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

int kvs_snap_put_entry(struct kvs_buf *out, uint64_t db, const struct kvs_entry *e)
{
	size_t klen, vlen;
	const char *key = kvs_entry_key(e, &klen);
	uint64_t exp = kvs_entry_expire(e);
	size_t head = varint_len(db) + 2 + 8 + (exp ? 8 : 0) + varint_len(klen) + klen;

	if (e->enc == KVS_E_RAW) {
		const char *v = kvs_entry_str(e, &vlen);
		kvs_snap_put_varint(out, head + vlen);
		put_rec_head(out, db, e, key, klen);
		kvs_buf_append(out, v, vlen);
		return 0;
	}
	if (!kvs_type_ops[e->type].save)
		return -1;
	/* The value's size is known only once it is written: write the body
	 * after room for the longest length, then close the gap. */
	size_t start = out->len;
	kvs_buf_reserve(out, 10 + head);
	out->len += 10;
	put_rec_head(out, db, e, key, klen);
	vlen = kvs_type_ops[e->type].save(kvs_entry_obj(e), out);
	size_t body = head + vlen, ll = varint_len(body);
	memmove(out->data + start + ll, out->data + start + 10, body);
	kvs_varint_put((unsigned char *)out->data + start, body);
	out->len = start + ll + body;
	return 0;
}

size_t kvs_snap_rec_parse(const unsigned char *p, size_t n, struct kvs_snap_rec *rec, const char **why)
{
	struct kvs_snap_in r = { p, p + n, 0 };
	uint64_t len = kvs_snap_get_varint(&r);
	if (r.bad || len > (uint64_t)(r.end - r.p)) {
		*why = "a record runs past the end of its chunk";
		return 0;
	}
	r.end = r.p + len;
	rec->db = kvs_snap_get_varint(&r);
	const unsigned char *tf = kvs_snap_get_bytes(&r, 2);
	rec->stamp = kvs_snap_get_u64(&r);
	if (r.bad) {
		*why = "a record is truncated";
		return 0;
	}
	rec->type = tf[0];
	if (rec->type >= KVS_T__COUNT || (tf[1] & ~REC_TTL)) {
		*why = "a record has an unknown type or flags";
		return 0;
	}
	rec->expire = (tf[1] & REC_TTL) ? kvs_snap_get_u64(&r) : 0;
	uint64_t klen = kvs_snap_get_varint(&r);
	if (r.bad || klen > (uint64_t)(r.end - r.p) || ((tf[1] & REC_TTL) && rec->expire == 0)) {
		*why = "a record is truncated";
		return 0;
	}
	rec->key = (const char *)kvs_snap_get_bytes(&r, (size_t)klen);
	rec->klen = (size_t)klen;
	rec->val = r.p;
	rec->vlen = (size_t)(r.end - r.p);
	return (size_t)(r.end - p);
}

struct kvs_entry *kvs_snap_rec_entry(const struct kvs_snap_rec *r, uint64_t seed, const char **why)
{
	struct kvs_entry *e;
	if (r->type == KVS_T_STRING) {
		e = kvs_entry_new_str(r->key, r->klen, r->val, r->vlen, r->expire);
	} else {
		const struct kvs_type_ops *ops = &kvs_type_ops[r->type];
		if (!ops->load) {
			*why = "it holds a value of a type this kvsd cannot load";
			return NULL;
		}
		void *obj = ops->load(r->val, r->vlen, seed);
		if (!obj) {
			*why = "a value is malformed";
			return NULL;
		}
		e = kvs_entry_new_obj(r->key, r->klen, (enum kvs_type)r->type, obj, r->expire);
	}
	e->stamp = r->stamp;
	return e;
}

/* ---- copy on write ------------------------------------------------------- */

struct kvs_snap_orphan {
	struct kvs_snap_orphan *next;
	int db;                    /* image db */
	size_t pos;                /* next slot to walk */
	struct kvs_table t;
};

static inline int is_unsaved(const struct kvs_keyspace *ks, const struct kvs_entry *e)
{
	return ((e->flags & KVS_EF_SAVED) != 0) != (ks->save_parity != 0);
}

static inline void set_saved(const struct kvs_keyspace *ks, struct kvs_entry *e)
{
	if (ks->save_parity)
		e->flags |= KVS_EF_SAVED;
	else
		e->flags &= (uint8_t)~KVS_EF_SAVED;
}

void kvs_snap_mark_new(const struct kvs_keyspace *ks, struct kvs_entry *e)
{
	set_saved(ks, e);
}

/* Write an unsaved entry of image db idb (already marked saved) to out. */
static void emit(struct kvs_snap_save *sv, unsigned shard, int idb, const struct kvs_entry *e,
		 struct kvs_buf *out)
{
	atomic_fetch_add_explicit(&sv->keys_done, 1, memory_order_relaxed);
	if (atomic_load_explicit(&sv->discard, memory_order_relaxed))
		return;
	if (kvs_snap_put_entry(out, (uint64_t)idb, e) < 0) {
		/* The image would silently lack this key: make the save fail. */
		const char *none = NULL;
		atomic_compare_exchange_strong(&sv->error, &none, kvs_type_ops[e->type].name);
		return;
	}
	sv->counts[(size_t)idb * KVS_SHARDS + shard]++;
}

void kvs_snap_cow(struct kvs_keyspace *ks, struct kvs_shard *s, int db, struct kvs_entry *e)
{
	if (!is_unsaved(ks, e))
		return;
	set_saved(ks, e);
	emit(ks->save, s->index, ks->save->dbmap[db], e, &s->save_pending);
	atomic_store_explicit(&s->save_pending_len, s->save_pending.len, memory_order_relaxed);
}

void kvs_snap_forget(struct kvs_keyspace *ks, struct kvs_entry *e)
{
	if (!is_unsaved(ks, e))
		return;
	set_saved(ks, e);
	atomic_fetch_add_explicit(&ks->save->keys_done, 1, memory_order_relaxed);
}

void kvs_snap_orphan_table(struct kvs_keyspace *ks, struct kvs_shard *s, int db, struct kvs_table *t)
{
	struct kvs_snap_orphan *o = kvs_malloc(sizeof *o);
	o->db = ks->save->dbmap[db];
	o->pos = 0;
	kvs_table_move(t, &o->t);
	o->next = s->orphans;
	s->orphans = o;
}

void kvs_snap_swapdb(struct kvs_snap_save *sv, int a, int b)
{
	int t = sv->dbmap[a];
	sv->dbmap[a] = sv->dbmap[b];
	sv->dbmap[b] = t;
	sv->gen++;
}

/* ---- the saver's side ----------------------------------------------------- */

void kvs_snap_begin(struct kvs_keyspace *ks, struct kvs_snap_save *sv)
{
	memset(sv, 0, sizeof *sv);
	atomic_init(&sv->keys_done, 0);
	atomic_init(&sv->discard, 0);
	atomic_init(&sv->error, NULL);
	sv->ndb = ks->ndb;
	sv->dbmap = kvs_malloc((size_t)ks->ndb * sizeof *sv->dbmap);
	for (int i = 0; i < ks->ndb; i++)
		sv->dbmap[i] = i;
	sv->counts = kvs_calloc((size_t)ks->ndb * KVS_SHARDS, sizeof *sv->counts);

	for (unsigned i = 0; i < KVS_SHARDS; i++)
		ks_lock(ks, i);
	/* The snapshot point: every entry now present becomes unsaved. */
	ks->save_parity ^= 1;
	ks->save = sv;
	sv->created_ms = kvs_env_now_ms(ks->env);
	for (unsigned i = 0; i < KVS_SHARDS; i++) {
		struct kvs_shard *s = &ks->shard[i];
		s->saving = 1;
		if (s->hlc > sv->hlc)
			sv->hlc = s->hlc;
		sv->dirty += s->dirty;
		for (int d = 0; d < ks->ndb; d++)
			sv->keys_total += s->db[d].used;
	}
	for (unsigned i = KVS_SHARDS; i-- > 0;)
		ks_unlock(ks, i);
}

static size_t move_pending(struct kvs_shard *s, struct kvs_buf *out)
{
	size_t n = s->save_pending.len;
	if (n) {
		kvs_buf_append(out, s->save_pending.data, n);
		s->save_pending.len = 0;
		atomic_store_explicit(&s->save_pending_len, 0, memory_order_relaxed);
		kvs_buf_shrink(&s->save_pending, 64 * 1024);
	}
	return n;
}

size_t kvs_snap_drain(struct kvs_keyspace *ks, unsigned shard, struct kvs_buf *out)
{
	size_t n;
	if (!atomic_load_explicit(&ks->shard[shard].save_pending_len, memory_order_relaxed))
		return 0;
	ks_lock(ks, shard);
	n = move_pending(&ks->shard[shard], out);
	ks_unlock(ks, shard);
	return n;
}

size_t kvs_snap_pending(const struct kvs_keyspace *ks, unsigned shard)
{
	return atomic_load_explicit(&ks->shard[shard].save_pending_len, memory_order_relaxed);
}

static inline int expired(const struct kvs_entry *e, uint64_t now)
{
	return (e->flags & KVS_EF_EXPIRE) && kvs_entry_expire(e) <= now;
}

/* Walk part of a flushed table, writing its unsaved entries and freeing
 * all of them. Returns the work done; frees o when it is finished. */
static size_t walk_orphan(struct kvs_keyspace *ks, struct kvs_snap_save *sv, unsigned shard,
			  struct kvs_snap_walk *w, size_t budget, uint64_t now, struct kvs_buf *out)
{
	struct kvs_snap_orphan *o = w->orphan;
	size_t work = 0;
	while (work < budget && o->pos < kvs_table_slots(&o->t)) {
		size_t i = o->pos++;
		work++;
		if (!kvs_table_live(&o->t, i))
			continue;
		struct kvs_entry *e = kvs_table_at(&o->t, i);
		if (is_unsaved(ks, e)) {
			set_saved(ks, e);
			if (expired(e, now))
				atomic_fetch_add_explicit(&sv->keys_done, 1, memory_order_relaxed);
			else
				emit(sv, shard, o->db, e, out);
		}
		kvs_table_remove_at(&o->t, i);
		kvs_entry_free(e);
	}
	if (o->pos >= kvs_table_slots(&o->t)) {
		kvs_table_destroy(&o->t);
		free(o);
		w->orphan = NULL;
	}
	return work;
}

struct visit {
	struct kvs_keyspace *ks;
	struct kvs_snap_save *sv;
	unsigned shard;
	int idb;
	uint64_t now;
	struct kvs_buf *out;
};

static void visit_entry(void *arg, struct kvs_entry *e)
{
	struct visit *v = arg;
	if (!is_unsaved(v->ks, e))
		return;
	set_saved(v->ks, e);
	if (expired(e, v->now))
		atomic_fetch_add_explicit(&v->sv->keys_done, 1, memory_order_relaxed);
	else
		emit(v->sv, v->shard, v->idb, e, v->out);
}

/* Walk part of the current table. Returns the work done. */
static size_t walk_table(struct kvs_keyspace *ks, struct kvs_snap_save *sv, struct kvs_shard *s,
			 struct kvs_snap_walk *w, size_t budget, uint64_t now, struct kvs_buf *out)
{
	struct kvs_table *t = &s->db[w->db];
	struct visit v = { ks, sv, s->index, sv->dbmap[w->db], now, out };
	/* Visiting only flips bits inside entries: the table is unchanged. */
	kvs_table_scan(t, &w->cursor, budget, visit_entry, &v);
	if (w->cursor == 0)
		w->db++;
	return budget;
}

int kvs_snap_step(struct kvs_keyspace *ks, struct kvs_snap_save *sv, unsigned shard, size_t budget,
		  struct kvs_buf *out)
{
	struct kvs_shard *s = &ks->shard[shard];
	struct kvs_snap_walk *w = &sv->walk[shard];
	size_t work = 0;
	if (w->done)
		return 1;
	ks_lock(ks, shard);
	uint64_t now = kvs_env_now_ms(ks->env);
	move_pending(s, out);
	while (work < budget) {
		if (!w->orphan && s->orphans) {
			w->orphan = s->orphans;
			s->orphans = w->orphan->next;
		}
		if (w->orphan) {
			work += walk_orphan(ks, sv, shard, w, budget - work, now, out);
			continue;
		}
		if (w->gen != sv->gen) {   /* SWAPDB: tables changed places */
			w->gen = sv->gen;
			w->db = 0;
			w->cursor = 0;
		}
		if (w->db >= ks->ndb)
			break;
		work += walk_table(ks, sv, s, w, budget - work, now, out);
	}
	if (!w->orphan && !s->orphans && w->db >= ks->ndb && w->gen == sv->gen) {
		s->saving = 0;
		w->done = 1;
		kvs_buf_free(&s->save_pending);
	}
	ks_unlock(ks, shard);
	return w->done;
}

void kvs_snap_end(struct kvs_keyspace *ks, struct kvs_snap_save *sv)
{
	for (unsigned i = 0; i < KVS_SHARDS; i++)
		ks_lock(ks, i);
	ks->save = NULL;
	for (unsigned i = KVS_SHARDS; i-- > 0;)
		ks_unlock(ks, i);
	free(sv->dbmap);
	free(sv->counts);
	sv->dbmap = NULL;
	sv->counts = NULL;
}

void kvs_snap_header_from(struct kvs_snap_header *h, const struct kvs_snap_save *sv, unsigned node_id)
{
	size_t n = (size_t)sv->ndb * KVS_SHARDS;
	memset(h, 0, sizeof *h);
	h->version = KVS_SNAP_VERSION;
	h->node_id = node_id;
	h->hlc = sv->hlc;
	h->created_ms = sv->created_ms;
	h->ndb = (uint32_t)sv->ndb;
	h->counts = kvs_malloc(n * sizeof *h->counts);
	memcpy(h->counts, sv->counts, n * sizeof *h->counts);
	for (size_t i = 0; i < n; i++)
		h->keys += h->counts[i];
}

/* ---- chunk writer --------------------------------------------------------- */

/* Each chunk starts with the CRC-32C of the records after it, so a loader
 * never parses bytes it has not checked. */
#define CHUNK_CRC 4

/* Empty the chunk being built (after storing it, or to throw it away). */
static void writer_reset(struct kvs_snap_writer *w)
{
	w->buf.len = CHUNK_CRC;
	w->crc_done = CHUNK_CRC;
	w->chunk_crc = 0;
}

static void writer_crc_catch_up(struct kvs_snap_writer *w)
{
	if (w->buf.len > w->crc_done) {
		w->chunk_crc = kvs_crc32c(w->chunk_crc, w->buf.data + w->crc_done, w->buf.len - w->crc_done);
		w->crc_done = w->buf.len;
	}
}

void kvs_snap_writer_init(struct kvs_snap_writer *w, const struct kvs_snap_sink *sink, size_t chunk_size)
{
	memset(w, 0, sizeof *w);
	w->sink = sink;
	w->chunk_size = chunk_size ? chunk_size : 64 * 1024;
	/* Room for a chunk and the slice that overflows it: the buffer is not
	 * reallocated while a step holds a shard lock. */
	kvs_buf_reserve(&w->buf, w->chunk_size + w->chunk_size / 2);
	kvs_buf_append(&w->buf, "\0\0\0\0", CHUNK_CRC);
	writer_reset(w);
}

int kvs_snap_writer_flush(struct kvs_snap_writer *w, int all)
{
	size_t n = w->buf.len;
	if (w->failed) {
		writer_reset(w);
		return -1;
	}
	if (n == CHUNK_CRC || (!all && n < w->chunk_size))
		return 0;
	writer_crc_catch_up(w);
	uint32_t c = w->chunk_crc;
	unsigned char le[4] = { (unsigned char)c, (unsigned char)(c >> 8), (unsigned char)(c >> 16),
				(unsigned char)(c >> 24) };
	memcpy(w->buf.data, le, 4);
	w->crc = kvs_crc32c(w->crc, le, 4);
	w->seq++;
	w->bytes += n;
	if (w->sink->put_chunk(w->sink->arg, w->seq, w->buf.data, n) < 0)
		w->failed = 1;
	writer_reset(w);
	if (w->buf.cap > 4 * w->chunk_size)
		kvs_buf_shrink(&w->buf, 2 * w->chunk_size);
	return w->failed ? -1 : 0;
}

int kvs_snap_writer_finish(struct kvs_snap_writer *w, const struct kvs_snap_save *sv, unsigned node_id)
{
	struct kvs_snap_header h;
	struct kvs_buf b = KVS_BUF_INIT;
	if (kvs_snap_writer_flush(w, 1) < 0)
		return -1;
	kvs_snap_header_from(&h, sv, node_id);
	h.chunks = w->seq;
	h.bytes = w->bytes;
	h.crc = w->crc;
	kvs_snap_header_encode(&h, &b);
	if (w->sink->put_header(w->sink->arg, b.data, b.len) < 0)
		w->failed = 1;
	kvs_buf_free(&b);
	kvs_snap_header_free(&h);
	return w->failed ? -1 : 0;
}

void kvs_snap_writer_free(struct kvs_snap_writer *w)
{
	kvs_buf_free(&w->buf);
}

int kvs_snap_run(struct kvs_keyspace *ks, struct kvs_snap_save *sv, struct kvs_snap_writer *w, size_t budget)
{
	for (unsigned i = 0; i < KVS_SHARDS; i++) {
		int done;
		do {
			done = kvs_snap_step(ks, sv, i, budget, &w->buf);
			writer_crc_catch_up(w);
			/* Pre-images pile up in shards the walk has not reached:
			 * move them out as they grow. */
			for (unsigned j = i + 1; j < KVS_SHARDS; j++) {
				if (kvs_snap_pending(ks, j) < w->chunk_size / 16 || !kvs_snap_drain(ks, j, &w->buf))
					continue;
				writer_crc_catch_up(w);
				if (sv->pause)
					sv->pause(sv->pause_arg);
			}
			if (atomic_load(&sv->discard))
				writer_reset(w);
			else
				kvs_snap_writer_flush(w, 0);
			if (sv->pause)
				sv->pause(sv->pause_arg);
		} while (!done);
	}
	if (atomic_load(&sv->discard))
		writer_reset(w);
	return atomic_load(&sv->discard) || atomic_load(&sv->error) || w->failed ? -1 : 0;
}

int kvs_snap_save_all(struct kvs_keyspace *ks, const struct kvs_snap_sink *sink, char *err, size_t errlen)
{
	struct kvs_snap_save sv;
	struct kvs_snap_writer w;
	int rc;
	kvs_snap_writer_init(&w, sink, 0);
	kvs_snap_begin(ks, &sv);
	rc = kvs_snap_run(ks, &sv, &w, 1024);
	if (rc == 0)
		rc = kvs_snap_writer_finish(&w, &sv, ks->node_id);
	if (rc < 0) {
		const char *type = atomic_load(&sv.error);
		if (type)
			snprintf(err, errlen, "cannot save a %s value: its type has no snapshot hooks", type);
		else
			snprintf(err, errlen, "the snapshot storage failed");
	}
	kvs_snap_end(ks, &sv);
	kvs_snap_writer_free(&w);
	return rc;
}

/* ---- loading ----------------------------------------------------------------- */

static int load_fail(struct kvs_snap_loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int load_fail(struct kvs_snap_loader *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->err, sizeof ld->err, fmt, ap);
	va_end(ap);
	return -1;
}

int kvs_snap_load_begin(struct kvs_snap_loader *ld, struct kvs_keyspace *ks, int ndb,
			const struct kvs_snap_header *h, uint64_t now)
{
	memset(ld, 0, sizeof *ld);
	atomic_init(&ld->loaded, 0);
	atomic_init(&ld->expired, 0);
	atomic_init(&ld->loaded_bytes, 0);
	ld->ks = ks;
	ld->seed = ks ? ks->seed : 0x6b7673645f736e70ull;
	ld->ndb = ndb;
	ld->now = now;
	ld->h = h;
	for (uint32_t db = 0; db < h->ndb; db++) {
		for (unsigned sh = 0; sh < KVS_SHARDS; sh++) {
			uint64_t n = h->counts[(size_t)db * KVS_SHARDS + sh];
			if (!n)
				continue;
			if ((int)db >= ndb)
				return load_fail(ld, "it has keys in database %" PRIu32 ", but only %d databases "
						 "are configured (databases)", db, ndb);
			if (ks)
				ks_reserve(ks, sh, (int)db, (size_t)n);
		}
	}
	if (ks)
		for (unsigned sh = 0; sh < KVS_SHARDS; sh++) {
			ks_lock(ks, sh);
			kvs_hlc_recv(&ks->shard[sh].hlc, h->hlc);
			ks_unlock(ks, sh);
		}
	return 0;
}

/* Load (or check) one parsed record. */
static int load_rec(struct kvs_snap_loader *ld, const struct kvs_snap_rec *r)
{
	const char *why;
	if (r->db >= (uint64_t)ld->ndb)
		return load_fail(ld, "it has keys in database %" PRIu64 ", but only %d databases are "
				 "configured (databases)", r->db, ld->ndb);
	if (r->expire && r->expire <= ld->now) {
		atomic_fetch_add_explicit(&ld->expired, 1, memory_order_relaxed);
		return 0;
	}
	if (!ld->ks && r->type == KVS_T_STRING)
		return 0;
	struct kvs_entry *e = kvs_snap_rec_entry(r, ld->seed, &why);
	if (!e)
		return load_fail(ld, "chunk %" PRIu64 ": %s", ld->seq, why);
	if (!ld->ks) {
		kvs_entry_free(e);
		return 0;
	}
	if (ks_load_entry(ld->ks, (int)r->db, e) < 0) {
		kvs_entry_free(e);
		return load_fail(ld, "chunk %" PRIu64 ": a key appears twice", ld->seq);
	}
	atomic_fetch_add_explicit(&ld->loaded, 1, memory_order_relaxed);
	return 0;
}

int kvs_snap_load_chunk(struct kvs_snap_loader *ld, uint64_t seq, const void *buf, size_t n)
{
	const unsigned char *p = buf, *end = p + n;
	if (seq != ld->seq + 1)
		return load_fail(ld, "chunk %" PRIu64 " is missing", ld->seq + 1);
	ld->seq = seq;
	if (seq > ld->h->chunks)
		return load_fail(ld, "it has more chunks than its header says (%" PRIu64 ")", ld->h->chunks);
	if (n < CHUNK_CRC || kvs_crc32c(0, p + CHUNK_CRC, n - CHUNK_CRC) != rd_u32(p))
		return load_fail(ld, "chunk %" PRIu64 " is damaged (checksum mismatch)", seq);
	ld->crc = kvs_crc32c(ld->crc, p, CHUNK_CRC);
	ld->bytes += n;
	for (p += CHUNK_CRC; p < end;) {
		struct kvs_snap_rec r;
		const char *why;
		size_t used = kvs_snap_rec_parse(p, (size_t)(end - p), &r, &why);
		if (!used)
			return load_fail(ld, "chunk %" PRIu64 ": %s", seq, why);
		if (++ld->records > ld->h->keys)
			return load_fail(ld, "it has more keys than its header says (%" PRIu64 ")", ld->h->keys);
		if (load_rec(ld, &r) < 0)
			return -1;
		p += used;
	}
	atomic_fetch_add_explicit(&ld->loaded_bytes, n, memory_order_relaxed);
	return 0;
}

int kvs_snap_load_end(struct kvs_snap_loader *ld)
{
	const struct kvs_snap_header *h = ld->h;
	if (ld->seq != h->chunks)
		return load_fail(ld, "it is truncated: %" PRIu64 " of %" PRIu64 " chunks", ld->seq, h->chunks);
	if (ld->records != h->keys || ld->bytes != h->bytes || ld->crc != h->crc)
		return load_fail(ld, "its contents do not match its header (damaged)");
	return 0;
}

int kvs_snap_load_all(struct kvs_keyspace *ks, int ndb, const struct kvs_snap_source *src, uint64_t now,
		      uint64_t *loaded, uint64_t *expired_out, char *err, size_t errlen)
{
	struct kvs_snap_header h;
	struct kvs_snap_loader ld;
	const void *p;
	size_t n;
	uint64_t seq;
	int rc;

	if (src->get_header(src->arg, &p, &n) < 0) {
		snprintf(err, errlen, "not a kvsd snapshot (no header)");
		return -1;
	}
	if (kvs_snap_header_decode(p, n, &h, err, errlen) < 0)
		return -1;
	rc = kvs_snap_load_begin(&ld, ks, ndb, &h, now);
	while (rc == 0) {
		int more = src->next_chunk(src->arg, &seq, &p, &n);
		if (more < 0) {
			rc = load_fail(&ld, "reading chunk %" PRIu64 " failed", ld.seq + 1);
			break;
		}
		if (more == 0) {
			rc = kvs_snap_load_end(&ld);
			break;
		}
		rc = kvs_snap_load_chunk(&ld, seq, p, n);
	}
	if (rc < 0)
		snprintf(err, errlen, "%s", ld.err);
	if (loaded)
		*loaded = atomic_load(&ld.loaded);
	if (expired_out)
		*expired_out = atomic_load(&ld.expired);
	kvs_snap_header_free(&h);
	return rc;
}
