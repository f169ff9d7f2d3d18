/*
 * snap.h - snapshots: the byte format, and a point-in-time save that runs
 * while clients keep writing.
 *
 * FORMAT. A snapshot is a header plus numbered chunks (1, 2, ...), each a
 * run of whole records. The storage (LMDB in src/snapshot_lmdb.c, memory in
 * tests) only stores opaque byte strings under those numbers; it reaches
 * this module through struct kvs_snap_sink / kvs_snap_source.
 *
 *   header:  "KVSDSNAP" | version u32 | node id u32 | hlc u64 | created ms
 *            u64 | keys u64 | chunks u64 | bytes u64 | crc u32 | ndb u32 |
 *            n varint | n x (db varint, shard u8, keys varint) | hcrc u32
 *   record:  len varint (bytes that follow) | db varint | type u8 |
 *            flags u8 (1 = has a TTL) | stamp u64 | [expire u64] |
 *            klen varint | key | value (the rest: a string's bytes, or
 *            what the type's kvs_type_ops.save wrote)
 *
 * Integers are little-endian. Each chunk starts with the CRC-32C (u32) of
 * the records in it; crc is the CRC-32C of those chunk CRCs in order (so a
 * missing or reordered chunk shows), hcrc that of the header bytes before it. The per-(db, shard) counts
 * let a loader size each table once. A version other than
 * KVS_SNAP_VERSION is refused, never guessed at.
 *
 * SAVING WITHOUT STOPPING THE WORLD. kvs_snap_begin() takes all shard
 * locks (ascending), flips the keyspace's save parity and marks every
 * shard "saving": that instant is the snapshot point. An entry whose
 * KVS_EF_SAVED bit differs from the parity is "unsaved": it belongs to the
 * image and has not been written out yet. Then, shard by shard,
 * kvs_snap_step() walks the tables in bounded slices under the shard lock,
 * serializing unsaved entries and flipping their bit. The walk goes by
 * hash-space position (kvs_table_scan), which survives the table growing
 * or shrinking between slices, so it never has to start over however
 * fast clients insert. Meanwhile the write
 * path (keyspace.c) copies on write: before an unsaved entry is looked up
 * (ks_find, so before any in-place change), replaced, deleted or detached,
 * its current state is serialized into the shard's pending buffer and its
 * bit flipped; a flushed table is handed whole to the save. New entries
 * get the current parity: they are not in the image. So each entry of the
 * image is written exactly once, as it was at the snapshot point, and a
 * MULTI/EXEC (which holds its shards' locks throughout) is wholly before
 * or after it. Keys whose deadline has passed by the time they would be
 * written are left out: they could never be loaded.
 *
 * Every save must run to completion (kvs_snap_end): an abandoned one would
 * leave bits flipped one way or the other. To abort, set sv->discard and
 * keep stepping: the walk then only normalises bits, which is quick.
 *
 * Threads: one saver thread calls begin/step/drain/end; client threads
 * reach the save only through the keyspace write path, under shard locks.
 */
#ifndef KVS_SNAP_H
#define KVS_SNAP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "buf.h"
#include "keyspace.h"

#define KVS_SNAP_MAGIC "KVSDSNAP"
#define KVS_SNAP_VERSION 1u

/* CRC-32C (Castagnoli), software, continuing from crc (0 to start). */
uint32_t kvs_crc32c(uint32_t crc, const void *p, size_t n);

/* ---- header ------------------------------------------------------------ */

struct kvs_snap_header {
	uint32_t version;
	uint32_t node_id;
	uint64_t hlc;          /* highest shard clock at the snapshot point */
	uint64_t created_ms;   /* wall clock at the snapshot point */
	uint64_t keys;         /* records in all chunks */
	uint64_t chunks;
	uint64_t bytes;        /* bytes in all chunks */
	uint32_t crc;          /* kvs_crc32c of the chunks' CRCs, in order */
	uint32_t ndb;          /* databases: counts has ndb * KVS_SHARDS slots */
	uint64_t *counts;      /* records per [db * KVS_SHARDS + shard]; owned */
};

/* Append the encoded header to out. */
void kvs_snap_header_encode(const struct kvs_snap_header *h, struct kvs_buf *out);
/* Decode; on success h->counts is allocated (kvs_snap_header_free). Returns
 * 0, or -1 with a sentence in err: not a kvsd snapshot, an unsupported
 * format version, or a damaged header. */
int kvs_snap_header_decode(const void *p, size_t n, struct kvs_snap_header *h, char *err, size_t errlen);
void kvs_snap_header_free(struct kvs_snap_header *h);

/* ---- records --------------------------------------------------------- */

/* One record, as views into the chunk it was parsed from. */
struct kvs_snap_rec {
	uint64_t db;
	unsigned type;
	uint64_t stamp;
	uint64_t expire;       /* 0: no TTL */
	const char *key;
	size_t klen;
	const unsigned char *val;
	size_t vlen;
};

/* Append e, as a record of database db, to out. Returns 0, or -1 if e's
 * type has no kvs_type_ops.save hook (nothing is appended then). */
int kvs_snap_put_entry(struct kvs_buf *out, uint64_t db, const struct kvs_entry *e);
/* Parse the record at p (n bytes available). Returns the bytes it takes,
 * or 0 if it is malformed or runs past n (*why says how). */
size_t kvs_snap_rec_parse(const unsigned char *p, size_t n, struct kvs_snap_rec *r, const char **why);
/* Build the entry a record describes (stamp and TTL included). Returns it
 * (owned by the caller), or NULL with *why set if the value is malformed
 * or its type has no kvs_type_ops.load hook. seed goes to that hook. */
struct kvs_entry *kvs_snap_rec_entry(const struct kvs_snap_rec *r, uint64_t seed, const char **why);

/* ---- helpers for the types' save/load hooks ------------------------------ */

void kvs_snap_put_varint(struct kvs_buf *out, uint64_t v);
void kvs_snap_put_u64(struct kvs_buf *out, uint64_t v);
/* A cursor over untrusted bytes. Every read checks the bounds; after the
 * first one that fails, bad is set and reads return 0 / NULL. */
struct kvs_snap_in {
	const unsigned char *p, *end;
	int bad;
};
uint64_t kvs_snap_get_varint(struct kvs_snap_in *in);
uint64_t kvs_snap_get_u64(struct kvs_snap_in *in);
/* n bytes (a view into the input), or NULL. */
const unsigned char *kvs_snap_get_bytes(struct kvs_snap_in *in, uint64_t n);

/* ---- storage interfaces ------------------------------------------------ */

/* Where a save goes. Both return 0, or -1 on a storage error (the save
 * then fails; the sink keeps its own error text). */
struct kvs_snap_sink {
	void *arg;
	int (*put_chunk)(void *arg, uint64_t seq, const void *p, size_t n);
	int (*put_header)(void *arg, const void *p, size_t n);  /* after the last chunk */
};

/* Where a load comes from. get_header: 0, or -1 if there is none.
 * next_chunk: 1 with the next chunk in seq order (bytes stay valid until
 * the next call), 0 after the last, -1 on a read error. */
struct kvs_snap_source {
	void *arg;
	int (*get_header)(void *arg, const void **p, size_t *n);
	int (*next_chunk)(void *arg, uint64_t *seq, const void **p, size_t *n);
};

/* ---- saving -------------------------------------------------------------- */

struct kvs_snap_orphan;

/* The saver's walk over one shard. */
struct kvs_snap_walk {
	int db;                 /* table being walked; ndb = all walked */
	uint64_t cursor;        /* kvs_table_scan position in that table */
	unsigned gen;           /* sv->gen when the walk started */
	struct kvs_snap_orphan *orphan;  /* flushed table being walked; owned */
	int done;
};

/* One save in progress. Owned by the saver; linked from the keyspace
 * between kvs_snap_begin and kvs_snap_end. */
struct kvs_snap_save {
	/* The snapshot point (set by kvs_snap_begin). */
	uint64_t hlc, created_ms, dirty, keys_total;
	int ndb;
	int *dbmap;             /* image db of each table index (SWAPDB moves them) */
	unsigned gen;           /* bumped by SWAPDB: walks restart */
	uint64_t *counts;       /* records per [db * KVS_SHARDS + shard] */
	_Atomic uint64_t keys_done;  /* entries written or skipped so far */
	_Atomic int discard;    /* abort: finish without output */
	_Atomic(const char *) error; /* type name of a value that could not be saved */
	/* Called by kvs_snap_run between slices, no lock held; NULL: none.
	 * Set after kvs_snap_begin. (The daemon gives up the CPU there.) */
	void (*pause)(void *arg);
	void *pause_arg;
	struct kvs_snap_walk walk[KVS_SHARDS];
};

/* Start a save: the snapshot point. ks must have no save in progress. */
void kvs_snap_begin(struct kvs_keyspace *ks, struct kvs_snap_save *sv);
/* One bounded slice of work on one shard (takes its lock): drain its
 * pending buffer, then serialize up to about `budget` entries into out.
 * Returns 1 once the shard is complete (it no longer copies on write). */
int kvs_snap_step(struct kvs_keyspace *ks, struct kvs_snap_save *sv, unsigned shard, size_t budget,
		  struct kvs_buf *out);
/* Move a shard's pending pre-images into out (takes its lock). Returns the
 * bytes moved. Cheap to call when there are none. */
size_t kvs_snap_drain(struct kvs_keyspace *ks, unsigned shard, struct kvs_buf *out);
/* Bytes waiting in a shard's pending buffer (a hint; no lock). */
size_t kvs_snap_pending(const struct kvs_keyspace *ks, unsigned shard);
/* Finish: every shard must be complete. Frees what the save owns. */
void kvs_snap_end(struct kvs_keyspace *ks, struct kvs_snap_save *sv);
/* Fill a header for a completed save (counts copied; free with
 * kvs_snap_header_free). */
void kvs_snap_header_from(struct kvs_snap_header *h, const struct kvs_snap_save *sv, unsigned node_id);

/* Write path hooks (keyspace.c, shard lock held, shard saving): */
/* Serialize e (table index db) into the pending buffer if it is unsaved. */
void kvs_snap_cow(struct kvs_keyspace *ks, struct kvs_shard *s, int db, struct kvs_entry *e);
/* e (unsaved or not) leaves the keyspace unwritten: it has expired. */
void kvs_snap_forget(struct kvs_keyspace *ks, struct kvs_entry *e);
/* SWAPDB of table indexes a and b (every shard lock held). */
void kvs_snap_swapdb(struct kvs_snap_save *sv, int a, int b);
/* Mark e as not in the image (a new entry). */
void kvs_snap_mark_new(const struct kvs_keyspace *ks, struct kvs_entry *e);
/* Hand a table that is being flushed to the save (t is left empty). */
void kvs_snap_orphan_table(struct kvs_keyspace *ks, struct kvs_shard *s, int db, struct kvs_table *t);

/* Groups records into chunks for a sink. */
struct kvs_snap_writer {
	const struct kvs_snap_sink *sink;
	struct kvs_buf buf;      /* records not yet stored: pass it to step/drain */
	size_t chunk_size;       /* store a chunk once buf holds this much */
	uint64_t seq;            /* chunks stored */
	uint64_t bytes;
	uint32_t crc;
	/* The chunk's CRC so far, over buf[CHUNK_CRC..crc_done): kept up as
	 * records arrive so that no single step pays for a whole chunk. */
	uint32_t chunk_crc;
	size_t crc_done;
	int failed;
};
void kvs_snap_writer_init(struct kvs_snap_writer *w, const struct kvs_snap_sink *sink, size_t chunk_size);
/* Store buf as a chunk if it is full enough (all != 0: if not empty).
 * Returns 0, or -1 once the sink failed (later calls do nothing). */
int kvs_snap_writer_flush(struct kvs_snap_writer *w, int all);
/* Store what is left and the header. 0 or -1. */
int kvs_snap_writer_finish(struct kvs_snap_writer *w, const struct kvs_snap_save *sv, unsigned node_id);
void kvs_snap_writer_free(struct kvs_snap_writer *w);

/* Drive a begun save to the end: step every shard in turn (budget entries
 * a slice), moving pending pre-images out of shards not reached yet and
 * storing chunks as they fill (nothing is stored once sv->discard is set).
 * The walk always completes. Returns 0 if the image is complete, -1 if it
 * is unusable (discard, a value that could not be saved, sink failure).
 * The caller then finishes the writer (0) and calls kvs_snap_end. */
int kvs_snap_run(struct kvs_keyspace *ks, struct kvs_snap_save *sv, struct kvs_snap_writer *w, size_t budget);

/* A whole save in the calling thread (tests, the simulator, a save at
 * shutdown). Returns 0, or -1 with err set. */
int kvs_snap_save_all(struct kvs_keyspace *ks, const struct kvs_snap_sink *sink, char *err, size_t errlen);

/* ---- loading ------------------------------------------------------------- */

struct kvs_snap_loader {
	struct kvs_keyspace *ks;        /* NULL: check only, load nothing */
	int ndb;                        /* databases the target has */
	uint64_t seed;                  /* table seed for loaded objects */
	uint64_t now;                   /* keys expiring at or before are skipped */
	const struct kvs_snap_header *h;
	uint64_t seq;                   /* chunks seen */
	uint64_t records, bytes;
	_Atomic uint64_t loaded, expired, loaded_bytes;  /* progress, for INFO */
	uint32_t crc;
	char err[256];
};

/* Prepare to load under header h (borrowed until kvs_snap_load_end). With
 * ks, its tables are sized for the counts in h; the keyspace must not be
 * in use except through the shard locks (the loader takes them). Returns
 * 0, or -1 (ld->err) if h needs more databases than ndb. */
int kvs_snap_load_begin(struct kvs_snap_loader *ld, struct kvs_keyspace *ks, int ndb,
			const struct kvs_snap_header *h, uint64_t now);
/* Load the next chunk (seq must be the next number). 0, or -1 (ld->err). */
int kvs_snap_load_chunk(struct kvs_snap_loader *ld, uint64_t seq, const void *p, size_t n);
/* Check the totals and the checksum against the header. 0, or -1. */
int kvs_snap_load_end(struct kvs_snap_loader *ld);

/* A whole load from a source into ks (or a check, ks NULL). Returns 0, or
 * -1 with err set (the keyspace may then hold part of the data). A source
 * without a header is an error: the caller decides what "no snapshot" is. */
int kvs_snap_load_all(struct kvs_keyspace *ks, int ndb, const struct kvs_snap_source *src, uint64_t now,
		      uint64_t *loaded, uint64_t *expired, char *err, size_t errlen);

#endif
