#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#ifdef HAVE_LMDB
#include <lmdb.h>
#endif
#ifdef HAVE_PTHREAD_NP_H
#include <pthread_np.h>
#endif
#include "log.h"
#include "server.h"
#include "snap.h"
#include "snapshot_lmdb.h"
#include "util.h"

/* A failed BGSAVE triggered by a `save` rule is retried after this long
 * (Redis's CONFIG_BGSAVE_RETRY_DELAY). */
#define RETRY_DELAY_S 5
/* Entries serialized per slice under one shard lock. */
#define SLICE 256
/* Bytes copied into the map between two pauses. */
#define PIECE (64 * 1024)
/* LMDB value size the records are grouped into. */
#define CHUNK (1024 * 1024)
/* CPU time the saver keeps between two yields (see saver_pause). */
#define BURST_US 50
/* Sleep after a burst while clients are being served. */
#define REST_US 300

/* Everything below is guarded by st.lock. Lock order: st.lock may be taken
 * while holding shard locks (BGSAVE or LASTSAVE inside EXEC), so no shard
 * lock is ever taken while holding st.lock. */
static struct {
	pthread_mutex_t lock;
	/* Settings copied from the configuration (CONFIG SET may change them). */
	struct kvs_save_rule rules[KVSD_MAX_SAVE];
	int nrules;
	int stop_writes;
	/* The save in progress. */
	int busy;                     /* a save (either kind) is running */
	int bg;                       /* it is a BGSAVE on the saver thread */
	int bg_reap;                  /* the saver thread ended: join it */
	pthread_t saver;
	struct kvs_snap_save *cur;    /* its progress, once it has begun */
	uint64_t cur_start_ms;
	int scheduled;                /* BGSAVE SCHEDULE (or BGSAVE in EXEC) */
	/* Results. */
	long long lastsave;           /* unix time of the last successful save */
	int last_bg_ok;
	long long last_bg_try;        /* unix time a BGSAVE last started */
	long long last_bg_secs;       /* duration of the last BGSAVE, -1: none */
	uint64_t saves;               /* saves attempted (INFO rdb_saves) */
	uint64_t dirty_saved;         /* dirty counters' sum at the last saved snapshot point */
	size_t mapsize;               /* LMDB map size that last sufficed */
	/* Loading. */
	int have_snapshot;            /* snapshot_check found one to load */
	int load_thread;              /* a loader thread was started */
	int load_failed;              /* ... and it did not load everything */
	pthread_t loader;
	_Atomic int stop;             /* shutting down: loader, give up */
	uint64_t load_start_ms, load_total_bytes;
	uint64_t file_bytes;          /* the snapshot file's size at start-up */
	uint64_t last_load_loaded, last_load_expired;
	struct kvs_snap_loader *ld;   /* the load in progress (progress for INFO) */
	char path[PATH_MAX + 64];     /* the file, absolute, for messages */
} st = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.stop_writes = 1,
	.last_bg_ok = 1,
	.last_bg_secs = -1,
};

static const char *name_of(const struct server *s) { return s->cfg.dbfilename; }

static long long unix_now(void) { return (long long)time(NULL); }

/* Threads inherit their creator's name (an I/O thread's): name ours. */
static void name_thread(const char *name)
{
#if defined(HAVE_PTHREAD_SETNAME_NP) && defined(__linux__)
	pthread_setname_np(pthread_self(), name);
#elif defined(HAVE_PTHREAD_SET_NAME_NP)
	pthread_set_name_np(pthread_self(), name);
#else
	(void)name;
#endif
}

/* MISCONF: Redis's condition, published to the engine. st.lock held. */
static void update_misconf(void)
{
	atomic_store(&server.eng.misconf, st.stop_writes && st.nrules > 0 && !st.last_bg_ok);
}

void snapshot_config_changed(const struct kvs_config *cfg)
{
	pthread_mutex_lock(&st.lock);
	st.nrules = cfg->nsave;
	memcpy(st.rules, cfg->save, sizeof st.rules);
	st.stop_writes = cfg->stop_writes_on_bgsave_error;
	update_misconf();
	pthread_mutex_unlock(&st.lock);
}

/* Sum of the shards' change counters, each read under its lock: through
 * the client when there is one (it may hold some already, in EXEC). */
static uint64_t dirty_now(struct server *s, struct kvs_client *c)
{
	uint64_t d = 0;
	for (unsigned i = 0; i < KVS_SHARDS; i++) {
		if (c)
			kvs_lock_shard(c, i);
		else
			ks_lock(&s->eng.ks, i);
		d += s->eng.ks.shard[i].dirty;
		if (c)
			kvs_unlock_shard(c, i);
		else
			ks_unlock(&s->eng.ks, i);
	}
	return d;
}

#ifdef HAVE_LMDB
/* ==== LMDB storage ======================================================== */

/* Resident set size in bytes (the snapshot's size is below it). */
static size_t process_rss(void)
{
	size_t rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		unsigned long total, res;
		if (fscanf(f, "%lu %lu", &total, &res) == 2)
			rss = res * (size_t)sysconf(_SC_PAGESIZE);
		fclose(f);
	}
	if (!rss) {
		struct rusage ru;
		if (getrusage(RUSAGE_SELF, &ru) == 0)
			rss = (size_t)ru.ru_maxrss * 1024;
	}
	return rss;
}


#define SEQ_KEY(name, seq)                                                        \
	unsigned char name##_b[8];                                               \
	for (int name##_i = 0; name##_i < 8; name##_i++)                          \
		name##_b[name##_i] = (unsigned char)((uint64_t)(seq) >> (56 - 8 * name##_i)); \
	MDB_val name = { 8, name##_b }

static uint64_t seq_of(const MDB_val *k)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | ((const unsigned char *)k->mv_data)[i];
	return v;
}

/* What a failing LMDB call means for the operator. */
static void lmdb_err(char *err, size_t errlen, const char *what, int rc)
{
	const char *why = mdb_strerror(rc);
	if (rc == MDB_INVALID)
		why = "not an LMDB file (or its first page is damaged)";
	else if (rc == ENOENT)
		why = "empty or truncated (no LMDB header)";
	else if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND)
		why = "damaged (LMDB pages are corrupted)";
	snprintf(err, errlen, "%s: %s", what, why);
}

/* Pages of a chunk just written (or read) belong to the file, not to us:
 * drop them from our mapping (written ones stay, dirty, in the page cache
 * and reach the disk at the commit's sync), so a save or a load does not
 * grow the resident set by the snapshot's size. For a shared file mapping
 * MADV_DONTNEED loses nothing: a later access faults the same page back
 * in. A chunk fills overflow pages of its own, shared with no record. */
static void drop_pages(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_DONTNEED)
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = (uintptr_t)p & ~(pg - 1), b = ((uintptr_t)p + n + pg - 1) & ~(pg - 1);
	if (n >= 4 * pg)
		madvise((void *)a, b - a, MADV_DONTNEED);
#else
	(void)p;
	(void)n;
#endif
}

/* ---- reading ----------------------------------------------------------- */

struct reader {
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_dbi dbi;
	MDB_val key, val;
	char *err;
	size_t errlen;
};

static void reader_close(struct reader *r)
{
	if (r->cur)
		mdb_cursor_close(r->cur);
	if (r->txn)
		mdb_txn_abort(r->txn);
	if (r->env)
		mdb_env_close(r->env);
	r->cur = NULL;
	r->txn = NULL;
	r->env = NULL;
}

/* Open the file read-only and position on its first record. Returns 1
 * (the header is in r->val), 0 (an environment with nothing committed in
 * it: no snapshot), or -1 (err). */
static int reader_open(struct reader *r, const char *file)
{
	int rc;
	/* Read-only and lock-free: at start-up nothing else writes it. */
	if ((rc = mdb_env_create(&r->env)) != 0 ||
	    (rc = mdb_env_open(r->env, file, MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK, 0)) != 0 ||
	    (rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &r->txn)) != 0 ||
	    (rc = mdb_dbi_open(r->txn, NULL, 0, &r->dbi)) != 0 ||
	    (rc = mdb_cursor_open(r->txn, r->dbi, &r->cur)) != 0) {
		lmdb_err(r->err, r->errlen, "cannot open it", rc);
		return -1;
	}
	rc = mdb_cursor_get(r->cur, &r->key, &r->val, MDB_FIRST);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0) {
		lmdb_err(r->err, r->errlen, "cannot read it", rc);
		return -1;
	}
	if (r->key.mv_size != 8 || seq_of(&r->key) != 0) {
		snprintf(r->err, r->errlen, "not a kvsd snapshot (an LMDB file without a kvsd header)");
		return -1;
	}
	return 1;
}

/* Read every chunk into ld. Logs progress of long loads when verbose. */
static int read_chunks(struct reader *r, struct kvs_snap_loader *ld, int verbose)
{
	uint64_t t0 = kvs_env_now_us(&server.env), next_log = t0 + 1000000;
	int rc;
	while ((rc = mdb_cursor_get(r->cur, &r->key, &r->val, MDB_NEXT)) == 0) {
		if (r->key.mv_size != 8) {
			snprintf(r->err, r->errlen, "not a kvsd snapshot (a key of %zu bytes)", r->key.mv_size);
			return -1;
		}
		if (kvs_snap_load_chunk(ld, seq_of(&r->key), r->val.mv_data, r->val.mv_size) < 0) {
			snprintf(r->err, r->errlen, "%s", ld->err);
			return -1;
		}
		drop_pages(r->val.mv_data, r->val.mv_size);   /* read once: give the pages back */
		if (atomic_load(&st.stop)) {
			snprintf(r->err, r->errlen, "loading was interrupted by shutdown");
			return -1;
		}
		uint64_t now = kvs_env_now_us(&server.env);
		if (verbose && now >= next_log) {
			next_log = now + 1000000;
			uint64_t done = atomic_load(&ld->loaded_bytes);
			log_notice("Loading snapshot: %" PRIu64 " keys, %.0f%% of %.1f MB, %.1f s",
				   atomic_load(&ld->loaded), ld->h->bytes ? 100.0 * (double)done / (double)ld->h->bytes : 100.0,
				   (double)ld->h->bytes / 1e6, (double)(now - t0) / 1e6);
		}
	}
	if (rc != MDB_NOTFOUND) {
		lmdb_err(r->err, r->errlen, "cannot read it", rc);
		return -1;
	}
	if (kvs_snap_load_end(ld) < 0) {
		snprintf(r->err, r->errlen, "%s", ld->err);
		return -1;
	}
	return 0;
}

/* Read the whole file into ks (or only check it, ks NULL). Returns 1
 * (loaded), 0 (no snapshot in it), -1 (err). */
static int read_file(const char *file, struct kvs_keyspace *ks, int ndb, char *err, size_t errlen)
{
	struct reader r = { .err = err, .errlen = errlen };
	struct kvs_snap_header h = { 0 };
	struct kvs_snap_loader ld;
	int rc = reader_open(&r, file);
	if (rc <= 0)
		goto done;
	rc = -1;
	if (kvs_snap_header_decode(r.val.mv_data, r.val.mv_size, &h, err, errlen) < 0)
		goto done;
	if (kvs_snap_load_begin(&ld, ks, ndb, &h, kvs_env_now_ms(&server.env)) < 0) {
		snprintf(err, errlen, "%s", ld.err);
		goto done;
	}
	if (ks) {
		pthread_mutex_lock(&st.lock);
		st.ld = &ld;
		st.load_total_bytes = h.bytes;
		pthread_mutex_unlock(&st.lock);
		if (h.node_id != (uint32_t)server.cfg.node_id)
			log_notice("The snapshot was written by node %" PRIu32 " (this is node %d)", h.node_id,
				   server.cfg.node_id);
	}
	if (read_chunks(&r, &ld, ks != NULL) == 0)
		rc = 1;
	if (ks) {
		pthread_mutex_lock(&st.lock);
		st.ld = NULL;
		st.last_load_loaded = atomic_load(&ld.loaded);
		st.last_load_expired = atomic_load(&ld.expired);
		pthread_mutex_unlock(&st.lock);
	}
done:
	kvs_snap_header_free(&h);
	reader_close(&r);
	return rc;
}

/* Check the file in a child process: LMDB trusts its pages, so a damaged
 * file could crash the reader; that must not be the server. The child
 * reports "1", "0" or "-1 <message>" on a pipe. */
static int check_in_child(const char *file, int ndb, char *err, size_t errlen)
{
	int fd[2], status;
	char msg[600];
	ssize_t n, got = 0;
	struct stat sb;
	if (pipe(fd) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		char e[512] = "";
		close(fd[0]);
		/* Die of the signal if the file crashes LMDB, whatever handler
		 * the process has (a sanitizer's would turn it into a report). */
		signal(SIGBUS, SIG_DFL);
		signal(SIGSEGV, SIG_DFL);
		/* A file that sends LMDB round in circles must not hang start-up. */
		alarm((unsigned)(120 + (stat(file, &sb) == 0 ? sb.st_blocks * 512 / (20 << 20) : 0)));
		int rc = read_file(file, NULL, ndb, e, sizeof e);
		int len = snprintf(msg, sizeof msg, "%d %s", rc, e);
		if (write(fd[1], msg, (size_t)len) != len)
			_exit(3);
		_exit(0);
	}
	close(fd[1]);
	while (got < (ssize_t)sizeof msg - 1 && (n = read(fd[0], msg + got, sizeof msg - 1 - (size_t)got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += n;
	}
	msg[got] = '\0';
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || got == 0) {
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS)
			snprintf(err, errlen, "truncated: its data runs past the end of the file (reading it "
				 "crashed the checker with SIGBUS)");
		else if (WIFSIGNALED(status))
			snprintf(err, errlen, "damaged: reading it crashed the checker (signal %d)", WTERMSIG(status));
		else
			snprintf(err, errlen, "damaged: reading it failed in the checker (status %d)",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	int rc = atoi(msg);
	if (rc < 0) {
		const char *sp = strchr(msg, ' ');
		snprintf(err, errlen, "%s", sp ? sp + 1 : "unreadable");
	}
	return rc;
}

/* ---- writing --------------------------------------------------------------- */

struct writer_ctx {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;                      /* first LMDB error */
	struct kvs_snap_save *sv;
	char *map;                   /* the file mapping (MDB_WRITEMAP), once known */
	int fd;                      /* the data file, -1 if unknown */
	size_t psize, mapsize;
	int map_tried;
};

/* LMDB does not tell where it mapped the file (MDB_envinfo.me_mapaddr
 * only with MDB_FIXEDMAP), and copy_piece needs file offsets. A reserved
 * value of a chunk sits in overflow pages: with MDB_WRITEMAP the page
 * header right before it (16 bytes on LP64) starts with the page's number,
 * so the map starts pgno pages earlier. The guess is only used if meta
 * page 0 is there (LMDB's magic right after its page header); otherwise
 * chunks are copied into the map as before. */
#define LMDB_PAGEHDRSZ 16
#define LMDB_MAGIC 0xBEEFC0DEu
static void find_map(struct writer_ctx *w, const char *val)
{
	uint64_t pgno;
	uint32_t magic;
	w->map_tried = 1;
	if (w->fd < 0 || w->psize == 0 || sizeof(void *) != 8)
		return;
	memcpy(&pgno, val - LMDB_PAGEHDRSZ, sizeof pgno);
	if (pgno == 0 || pgno >= w->mapsize / w->psize)
		return;
	const char *base = val - LMDB_PAGEHDRSZ - pgno * w->psize;
	if ((uintptr_t)base % w->psize != 0)
		return;
	memcpy(&magic, base + LMDB_PAGEHDRSZ, sizeof magic);
	if (magic == LMDB_MAGIC)
		w->map = (char *)(uintptr_t)base;
}

/* Start writing out [p, p + n) of the mapping now, from the saver, in
 * steps as small as the copy's. Left to the commit, the msync would hand
 * the whole snapshot to writeback in one system call that keeps the CPU
 * for milliseconds (the kernel does not preempt it), and to the kernel's
 * flusher threads, which run on whichever core, the clients' too. */
static void start_writeback(struct writer_ctx *w, const void *p, size_t n)
{
#if defined(__linux__) && defined(SYNC_FILE_RANGE_WRITE)
	if (w->fd >= 0 && w->map)
		sync_file_range(w->fd, (off64_t)((const char *)p - w->map), (off64_t)n, SYNC_FILE_RANGE_WRITE);
#else
	(void)w;
	(void)p;
	(void)n;
#endif
}

/* Put len bytes at dst, an address in the map. On Linux, whose page cache
 * is the mapping's, write(2) them at dst's file offset: that fills the
 * page cache without faulting every page of a fresh file range into our
 * address space (a fault per 4 KB, each a trip through the file system
 * that keeps the CPU). Elsewhere (OpenBSD has no unified buffer cache)
 * copy into the map. Returns 0, or -1 with errno set. */
static int copy_piece(struct writer_ctx *w, char *dst, const char *src, size_t len)
{
#ifdef __linux__
	if (w->fd >= 0 && w->map) {
		off_t at = (off_t)(dst - w->map);
		while (len > 0) {
			ssize_t k = pwrite(w->fd, src, len, at);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				if (k == 0)
					errno = EIO;
				return -1;
			}
			src += k;
			at += k;
			len -= (size_t)k;
		}
		return 0;
	}
#endif
	(void)w;
	memcpy(dst, src, len);
	return 0;
}

static int sink_chunk(void *arg, uint64_t seq, const void *p, size_t n)
{
	struct writer_ctx *w = arg;
	SEQ_KEY(key, seq);
	/* MDB_RESERVE: LMDB makes room in the map (MDB_WRITEMAP) and we copy
	 * the chunk there ourselves, which tells us which pages it took. */
	MDB_val val = { n, NULL };
	int rc = mdb_put(w->txn, w->dbi, &key, &val, MDB_APPEND | MDB_RESERVE);
	if (rc != 0) {
		w->rc = rc;
		/* The image is lost: finish the walk without writing it. */
		atomic_store(&w->sv->discard, 1);
		return -1;
	}
	if (!w->map_tried)
		find_map(w, val.mv_data);
	/* In pieces, so that clients sharing the CPU get it back between
	 * them. */
	for (size_t off = 0; off < n; off += PIECE) {
		size_t len = n - off < PIECE ? n - off : PIECE;
		char *dst = (char *)val.mv_data + off;
		if (copy_piece(w, dst, (const char *)p + off, len) < 0) {
			w->rc = errno ? errno : EIO;
			atomic_store(&w->sv->discard, 1);
			return -1;
		}
		start_writeback(w, dst, len);
		if (w->sv->pause)
			w->sv->pause(w->sv->pause_arg);
	}
	if (!w->map)    /* copied through the mapping: give the pages back */
		drop_pages(val.mv_data, n);
	return 0;
}

static int sink_header(void *arg, const void *p, size_t n)
{
	struct writer_ctx *w = arg;
	SEQ_KEY(key, 0);
	MDB_val val = { n, (void *)(uintptr_t)p };
	int rc = mdb_put(w->txn, w->dbi, &key, &val, 0);
	if (rc != 0)
		w->rc = rc;
	return rc ? -1 : 0;
}

/* A file that never existed is created under another name and renamed,
 * so the real name never holds an empty file (which start-up refuses as
 * truncated). */
static int create_fresh(const char *file, char *err, size_t errlen)
{
	char tmp[PATH_MAX], lock[PATH_MAX + 8];
	MDB_env *env;
	int rc;
	snprintf(tmp, sizeof tmp, "%s.new", file);
	snprintf(lock, sizeof lock, "%s-lock", tmp);
	unlink(tmp);
	if ((rc = mdb_env_create(&env)) != 0)
		goto fail;
	rc = mdb_env_open(env, tmp, MDB_NOSUBDIR, 0644);
	mdb_env_close(env);
	unlink(lock);
	if (rc != 0)
		goto fail;
	if (rename(tmp, file) < 0) {
		snprintf(err, errlen, "cannot rename the new file into place: %s", strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
fail:
	lmdb_err(err, errlen, "cannot create it", rc);
	return -1;
}

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

/* Open the environment for one save with room for the old snapshot, which
 * stays intact until the commit, plus the new one. */
/* Empty the database for the new snapshot. mdb_drop reads the first page
 * of every old chunk, and the kernel maps 64 KB around each: note where the
 * chunks are first (a cursor yields their addresses without touching
 * them) and drop those pages from the mapping afterwards. */
static int drop_old(struct writer_ctx *w)
{
	struct span { void *p; size_t n; } *old = NULL;
	size_t nold = 0, cap = 0;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(w->txn, w->dbi, &cur);
	if (rc != 0)
		return rc;
	for (int op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op) == 0; op = MDB_NEXT) {
		if (v.mv_size < PIECE)
			continue;
		if (nold == cap) {
			cap = cap ? 2 * cap : 64;
			old = kvs_realloc(old, cap * sizeof *old);
		}
		old[nold].p = v.mv_data;
		old[nold++].n = v.mv_size;
	}
	mdb_cursor_close(cur);
	rc = mdb_drop(w->txn, w->dbi, 0);
	for (size_t i = 0; i < nold; i++)
		drop_pages(old[i].p, old[i].n);
	free(old);
	return rc;
}

static int open_for_write(struct writer_ctx *w, const char *file, size_t mapsize, char *err, size_t errlen)
{
	int rc;
	struct stat sb;
	if (stat(file, &sb) < 0) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "cannot stat it: %s", strerror(errno));
			return -1;
		}
		if (create_fresh(file, err, errlen) < 0)
			return -1;
	}
	/* MDB_WRITEMAP: pages are written in the file mapping rather than in
	 * malloc'd buffers until the commit (which would cost as much memory
	 * as the snapshot); drop_pages keeps the mapping small. MDB_NORDAHEAD
	 * (MADV_RANDOM): when LMDB reads a page header of an old or new chunk
	 * (mdb_drop, the commit), the kernel maps 64 KB around it, not the
	 * hundreds of KB its readahead would. */
	if ((rc = mdb_env_create(&w->env)) != 0 || (rc = mdb_env_set_mapsize(w->env, mapsize)) != 0 ||
	    (rc = mdb_env_open(w->env, file, MDB_NOSUBDIR | MDB_WRITEMAP | MDB_NORDAHEAD, 0644)) != 0 ||
	    (rc = mdb_txn_begin(w->env, NULL, 0, &w->txn)) != 0 ||
	    (rc = mdb_dbi_open(w->txn, NULL, 0, &w->dbi)) != 0 || (rc = drop_old(w)) != 0) {
		lmdb_err(err, errlen, "cannot open it for writing", rc);
		return -1;
	}
	mdb_filehandle_t fd;
	MDB_stat ms;
	if (mdb_env_get_fd(w->env, &fd) == 0 && mdb_env_stat(w->env, &ms) == 0) {
		w->fd = fd;
		w->psize = ms.ms_psize;
		w->mapsize = mapsize;
	}
	return 0;
}

static void close_writer(struct writer_ctx *w)
{
	if (w->txn)
		mdb_txn_abort(w->txn);
	if (w->env)
		mdb_env_close(w->env);
	w->txn = NULL;
	w->env = NULL;
}

/* Between slices of the walk (and pieces of a chunk copy): pacing of a
 * BGSAVE.
 *
 * The saver shares the CPU with the I/O threads. Left to the scheduler it
 * would take its fair share in whole time slices (milliseconds, straight
 * into the clients' p99). Yielding after every slice does not work either
 * under a saturating load: the I/O thread rarely sleeps, the saver gets
 * the CPU only in scraps, a save of 1M keys takes seconds, and once the
 * I/O thread has run far ahead of its fair share the scheduler makes it
 * wait whole slices while the "yielding" saver catches up.
 *
 * So the saver works in bursts of BURST_US of its own CPU time. After a
 * burst, if clients were served since the last one (the command counters
 * moved), it sleeps REST_US: it then takes at most BURST/(BURST+REST) of
 * a contended CPU, in pieces short enough for clients not to notice, and
 * it never builds up a debt the scheduler would repay in one go. With no
 * clients it only yields, and runs at full speed.
 *
 * Measured (contrib/bench/compare --sections bgsave, 1M keys, server on one
 * core, 50 SET clients): bursts/rests of 100/200 us saved in 0.36 s but
 * tripled the clients' p99; 100/500 gave 0.64 s and 1.7x; 50/300 gives
 * 0.7 s and 1.4x, the pair chosen. A save costs ~0.1 s of CPU per 1M small
 * keys, so at 1/7 of a busy core it still ends within a second. */
struct pacer {
	struct server *s;
	uint64_t since;     /* thread CPU time at the end of the last pause */
	uint64_t cmds;      /* commands processed, as of the last pause */
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t commands_now(struct server *s)
{
	struct kvs_stats stats;
	uint64_t in, out;
	server_stats(s, &stats, &in, &out);
	return stats.commands;
}

static void pacer_init(struct pacer *p, struct server *s)
{
	p->s = s;
	p->cmds = commands_now(s);
	p->since = thread_cpu_ns();
#if defined(__linux__) && defined(PR_SET_TIMERSLACK)
	/* The default slack (50 us) would stretch every rest. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
#endif
}

static void saver_pause(void *arg)
{
	struct pacer *p = arg;
	if (thread_cpu_ns() - p->since < (uint64_t)BURST_US * 1000u)
		return;
	uint64_t cmds = commands_now(p->s);
	if (cmds != p->cmds) {
		struct timespec ts = { 0, (long)REST_US * 1000 };
		p->cmds = cmds;
		nanosleep(&ts, NULL);
	} else {
		sched_yield();
	}
	p->since = thread_cpu_ns();
}

/* After a commit every page of the file is clean: take them out of the
 * page cache (nobody reads a snapshot until the next start), in steps with
 * pauses between. Left there, they are what the kernel's reclaim (kswapd,
 * or a hypervisor's proactive reclaim such as DAMON's) later spends CPU
 * on, on any core, the clients' too. */
static void uncache(struct writer_ctx *w, struct kvs_snap_save *sv)
{
#if defined(POSIX_FADV_DONTNEED) && defined(__linux__)
	struct stat sb;
	if (w->fd < 0 || fstat(w->fd, &sb) < 0)
		return;
	for (off_t off = 0; off < sb.st_size; off += 16 * PIECE) {
		posix_fadvise(w->fd, off, 16 * PIECE, POSIX_FADV_DONTNEED);
		if (sv->pause)
			sv->pause(sv->pause_arg);
	}
#else
	(void)w;
	(void)sv;
#endif
}

/* One attempt: open, snapshot point, walk, commit. Returns 0, -1 (err),
 * or 1 if the map was too small (retry with a bigger one). */
static int save_once(struct server *s, int bg, size_t mapsize, char *err, size_t errlen)
{
	struct writer_ctx w = { .fd = -1 };
	struct kvs_snap_sink sink = { &w, sink_chunk, sink_header };
	struct kvs_snap_writer wr;
	struct kvs_snap_save sv;
	int rc;

	if (open_for_write(&w, name_of(s), mapsize, err, errlen) < 0) {
		close_writer(&w);
		return -1;
	}
	w.sv = &sv;
	kvs_snap_writer_init(&wr, &sink, CHUNK);
	kvs_snap_begin(&s->eng.ks, &sv);
	/* A SAVE blocks its caller: no pauses. */
	struct pacer pacer;
	if (bg) {
		pacer_init(&pacer, s);
		sv.pause = saver_pause;
		sv.pause_arg = &pacer;
	}
	pthread_mutex_lock(&st.lock);
	st.cur = &sv;
	if (atomic_load(&st.stop))   /* shutdown began before st.cur was set */
		atomic_store(&sv.discard, 1);
	pthread_mutex_unlock(&st.lock);

	rc = kvs_snap_run(&s->eng.ks, &sv, &wr, SLICE);
	if (rc == 0)
		rc = kvs_snap_writer_finish(&wr, &sv, s->eng.ks.node_id);
	if (rc == 0) {
		/* Without MDB_NOSYNC the commit syncs the data, then the meta
		 * page: success means it is on disk. */
		rc = mdb_txn_commit(w.txn);
		w.txn = NULL;
		if (rc != 0) {
			w.rc = rc;
			rc = -1;
		} else {
			uncache(&w, &sv);
		}
	}
	if (rc < 0) {
		const char *type = atomic_load(&sv.error);
		if (type)
			snprintf(err, errlen, "cannot save a %s value: its type has no snapshot hooks", type);
		else if (w.rc)
			lmdb_err(err, errlen, "writing failed", w.rc);
		else
			snprintf(err, errlen, "the save was aborted");
	}
	pthread_mutex_lock(&st.lock);
	st.cur = NULL;
	if (rc == 0)
		st.dirty_saved = sv.dirty;
	pthread_mutex_unlock(&st.lock);
	kvs_snap_end(&s->eng.ks, &sv);
	kvs_snap_writer_free(&wr);
	close_writer(&w);
	return rc < 0 && w.rc == MDB_MAP_FULL ? 1 : rc;
}

static int storage_save(struct server *s, int bg, char *err, size_t errlen)
{
	struct stat sb;
	size_t used = stat(name_of(s), &sb) == 0 ? (size_t)sb.st_blocks * 512 : 0;
	size_t mapsize = round_up(used + 2 * process_rss() + (64u << 20), 16u << 20);
	pthread_mutex_lock(&st.lock);
	if (st.mapsize > mapsize)
		mapsize = st.mapsize;
	pthread_mutex_unlock(&st.lock);
	for (int attempt = 0; attempt < 4; attempt++) {
		int rc = save_once(s, bg, mapsize, err, errlen);
		if (rc <= 0) {
			if (rc == 0) {
				pthread_mutex_lock(&st.lock);
				st.mapsize = mapsize;
				pthread_mutex_unlock(&st.lock);
			}
			return rc;
		}
		mapsize *= 2;
		log_notice("Snapshot larger than the LMDB map: retrying with a %zu MB map", mapsize >> 20);
	}
	return -1;
}

static void *loader_main(void *arg)
{
	struct server *s = arg;
	name_thread("kvsd-load");
	char err[512];
	uint64_t t0 = kvs_env_now_us(&s->env);
	int rc = read_file(name_of(s), &s->eng.ks, s->cfg.databases, err, sizeof err);
	if (rc < 0) {
		if (!atomic_load(&st.stop)) {
			log_warning("Failed loading snapshot %s: %s", st.path, err);
			s->exit_code = 1;
			server_request_shutdown(s);
		}
		pthread_mutex_lock(&st.lock);
		st.load_failed = 1;
		pthread_mutex_unlock(&st.lock);
		return NULL;
	}
	log_notice("Snapshot %s loaded: %" PRIu64 " keys, %" PRIu64 " expired keys skipped, in %.3f s", st.path,
		   st.last_load_loaded, st.last_load_expired, (double)(kvs_env_now_us(&s->env) - t0) / 1e6);
	atomic_store(&s->eng.loading, 0);
	return NULL;
}

#define LMDB_ONLY(x) x
#else
/* ==== built without LMDB ===================================================== */

static const char no_lmdb[] = "snapshots are not available: kvsd was built without LMDB (configure --with-lmdb)";

static int storage_save(struct server *s, int bg, char *err, size_t errlen)
{
	(void)s;
	(void)bg;
	snprintf(err, errlen, "%s", no_lmdb);
	return -1;
}

#define LMDB_ONLY(x)
#endif

/* ==== start-up and shutdown ==================================================== */

int snapshot_check(struct server *s, char *err, size_t errlen)
{
	char cwd[PATH_MAX];
	struct stat sb;
	st.lastsave = unix_now();   /* as Redis: at start the data counts as saved */
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, ".");
	snprintf(st.path, sizeof st.path, "%s/%s", cwd, name_of(s));
	if (stat(name_of(s), &sb) < 0) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "snapshot file %s: %s", st.path, strerror(errno));
			return -1;
		}
		LMDB_ONLY(log_notice("No snapshot at %s: starting with an empty dataset", st.path));
		return 0;
	}
#ifdef HAVE_LMDB
	char why[512];
	if (sb.st_size == 0) {
		snprintf(err, errlen, "snapshot file %s is unusable: it is empty (truncated)", st.path);
		return -1;
	}
	int rc = check_in_child(name_of(s), s->cfg.databases, why, sizeof why);
	if (rc < 0) {
		snprintf(err, errlen, "snapshot file %s is unusable: %s", st.path, why);
		return -1;
	}
	if (rc == 0)
		log_notice("Snapshot file %s holds no snapshot yet: starting with an empty dataset", st.path);
	st.have_snapshot = rc == 1;
	st.file_bytes = (uint64_t)sb.st_size;
#else
	log_warning("kvsd was built without LMDB: not loading %s", st.path);
#endif
	return 0;
}

void snapshot_load_start(struct server *s)
{
#ifdef HAVE_LMDB
	if (!st.have_snapshot)
		return;
	log_notice("Loading snapshot %s", st.path);
	st.load_start_ms = kvs_env_now_ms(&s->env);
	atomic_store(&s->eng.loading, 1);
	if (pthread_create(&st.loader, NULL, loader_main, s) != 0) {
		log_warning("Cannot start the loader thread: %s", strerror(errno));
		atomic_store(&s->eng.loading, 0);
		st.load_failed = 1;
		s->exit_code = 1;
		server_request_shutdown(s);
		return;
	}
	st.load_thread = 1;
#else
	(void)s;
#endif
}

/* Record the outcome of a save. st.lock held. */
static void finish_save(int rc, int bg, uint64_t start_ms, uint64_t end_ms)
{
	if (rc == 0) {
		st.lastsave = unix_now();
		st.last_bg_ok = 1;    /* Redis: any successful save clears MISCONF */
	} else if (bg) {
		st.last_bg_ok = 0;
	}
	if (bg)
		st.last_bg_secs = (long long)((end_ms - start_ms + 500) / 1000);
	update_misconf();
}

/* A save on the calling thread. Returns 0, or -1 with err. The caller has
 * claimed st.busy. */
static int run_save(struct server *s, int bg, char *err, size_t errlen)
{
	uint64_t t0 = kvs_env_now_ms(&s->env);
	pthread_mutex_lock(&st.lock);
	st.saves++;             /* Redis counts attempts, failed ones too */
	pthread_mutex_unlock(&st.lock);
	int rc = storage_save(s, bg, err, errlen);
	uint64_t t1 = kvs_env_now_ms(&s->env);
	if (rc == 0)
		log_notice("%s saved to %s in %.3f s", bg ? "Background snapshot" : "Snapshot", st.path,
			   (double)(t1 - t0) / 1000);
	else
		log_warning("%s to %s failed: %s", bg ? "Background snapshot" : "Snapshot", st.path, err);
	pthread_mutex_lock(&st.lock);
	finish_save(rc, bg, t0, t1);
	pthread_mutex_unlock(&st.lock);
	return rc;
}

static void *saver_main(void *arg)
{
	char err[512];
	name_thread("kvsd-bgsave");

	run_save(arg, 1, err, sizeof err);
	pthread_mutex_lock(&st.lock);
	st.busy = 0;
	st.bg_reap = 1;
	pthread_mutex_unlock(&st.lock);
	return NULL;
}

/* Start a BGSAVE. st.lock held, st.busy clear. Returns 0, or -1. */
static int start_bgsave(struct server *s)
{
	st.busy = st.bg = 1;
	st.scheduled = 0;
	st.last_bg_try = unix_now();
	st.cur_start_ms = kvs_env_now_ms(&s->env);
	if (pthread_create(&st.saver, NULL, saver_main, s) != 0) {
		log_warning("Can't start the background save thread: %s", strerror(errno));
		st.busy = st.bg = 0;
		st.last_bg_ok = 0;
		update_misconf();
		return -1;
	}
	log_notice("Background saving started");
	return 0;
}

static void reap_saver(void)
{
	if (st.bg_reap) {
		pthread_join(st.saver, NULL);
		st.bg_reap = 0;
		st.bg = 0;
	}
}

void snapshot_cron(struct server *s)
{
	if (atomic_load(&s->eng.loading))
		return;
	uint64_t dirty = dirty_now(s, NULL);     /* before st.lock: see its lock order */
	pthread_mutex_lock(&st.lock);
	reap_saver();
	if (!st.busy && !st.bg_reap) {
		long long now = unix_now();
		if (st.scheduled) {
			start_bgsave(s);
		} else if (st.nrules > 0) {
			uint64_t changes = dirty > st.dirty_saved ? dirty - st.dirty_saved : 0;
			for (int i = 0; i < st.nrules; i++) {
				const struct kvs_save_rule *r = &st.rules[i];
				if (changes >= (uint64_t)r->changes && now - st.lastsave > r->seconds &&
				    (now - st.last_bg_try > RETRY_DELAY_S || st.last_bg_ok)) {
					log_notice("%lld changes in %lld seconds. Saving...", r->changes, r->seconds);
					start_bgsave(s);
					break;
				}
			}
		}
	}
	pthread_mutex_unlock(&st.lock);
}

int snapshot_shutdown(struct server *s)
{
	char err[512];
	atomic_store(&st.stop, 1);
	if (st.load_thread) {
		pthread_join(st.loader, NULL);
		st.load_thread = 0;
	}
	pthread_mutex_lock(&st.lock);
	if (st.busy && st.bg && st.cur) {
		log_notice("Stopping the background save in progress");
		atomic_store(&st.cur->discard, 1);
	}
	pthread_mutex_unlock(&st.lock);
	if (st.bg) {
		pthread_join(st.saver, NULL);
		st.bg = st.bg_reap = st.busy = 0;
	}
	atomic_store(&st.stop, 0);    /* what was running has stopped: the final save may run */
	int want = !s->shutdown_nosave && (s->shutdown_save || st.nrules > 0);
	if (!want)
		return 0;
	if (atomic_load(&s->eng.loading) || st.load_failed) {
		log_warning("Not saving: the snapshot was not fully loaded, the file keeps it");
		return 0;
	}
	log_notice("Saving the final snapshot before exiting.");
	pthread_mutex_lock(&st.lock);
	st.busy = 1;
	pthread_mutex_unlock(&st.lock);
	int rc = run_save(s, 0, err, sizeof err);
	if (rc < 0)
		log_warning("Error trying to save the DB: exiting with status 1");
	return rc;
}

/* ==== INFO ========================================================================== */

static void bputs(struct kvs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bputs(struct kvs_buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		kvs_buf_append(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void snapshot_info(struct kvs_client *c, struct kvs_buf *b)
{
	uint64_t now_ms = kvs_env_now_ms(&server.env);
	uint64_t dirty = dirty_now(&server, c);
	int loading = atomic_load(&server.eng.loading);
	pthread_mutex_lock(&st.lock);
	bputs(b, "loading:%d\r\nasync_loading:0\r\n", loading);
	if (loading) {
		/* Until the loader has read the snapshot's header (a moment after
		 * loading starts), the file's size stands for the total, so a
		 * client never sees loading with nothing to load. */
		uint64_t done = st.ld ? atomic_load(&st.ld->loaded_bytes) : 0;
		uint64_t total = st.load_total_bytes ? st.load_total_bytes : st.file_bytes;
		double perc = total ? 100.0 * (double)done / (double)total : 0.0;
		double secs = (double)(now_ms - st.load_start_ms) / 1000.0;
		long long eta = done && total > done ? (long long)(secs * (double)(total - done) / (double)done) : 1;
		bputs(b, "loading_start_time:%llu\r\nloading_total_bytes:%llu\r\nloading_loaded_bytes:%llu\r\n"
			 "loading_loaded_perc:%.2f\r\nloading_eta_seconds:%lld\r\nloading_loaded_keys:%llu\r\n",
		      (unsigned long long)(st.load_start_ms / 1000), (unsigned long long)total,
		      (unsigned long long)done, perc, eta,
		      (unsigned long long)(st.ld ? atomic_load(&st.ld->loaded) : 0));
	}
	uint64_t processed = st.cur ? atomic_load(&st.cur->keys_done) : 0;
	uint64_t total = st.cur ? st.cur->keys_total : 0;
	bputs(b, "current_save_keys_processed:%llu\r\ncurrent_save_keys_total:%llu\r\n",
	      (unsigned long long)processed, (unsigned long long)total);
	bputs(b, "rdb_changes_since_last_save:%llu\r\nrdb_bgsave_in_progress:%d\r\nrdb_last_save_time:%lld\r\n"
		 "rdb_last_bgsave_status:%s\r\nrdb_last_bgsave_time_sec:%lld\r\nrdb_current_bgsave_time_sec:%lld\r\n"
		 "rdb_saves:%llu\r\nrdb_last_load_keys_expired:%llu\r\nrdb_last_load_keys_loaded:%llu\r\n",
	      (unsigned long long)(dirty > st.dirty_saved ? dirty - st.dirty_saved : 0), st.busy && st.bg,
	      st.lastsave,
	      st.last_bg_ok ? "ok" : "err", st.last_bg_secs,
	      st.busy && st.bg ? (long long)((now_ms - st.cur_start_ms) / 1000) : -1LL,
	      (unsigned long long)st.saves, (unsigned long long)st.last_load_expired,
	      (unsigned long long)st.last_load_loaded);
	pthread_mutex_unlock(&st.lock);
}

/* ==== commands ======================================================================== */

static void save_cmd(struct kvs_client *c)
{
	char err[512];
	if (c->flags & KVS_CL_IN_EXEC) {
		/* A save takes every shard lock; EXEC holds some already. */
		reply_error(c, "ERR Command not allowed inside a transaction");
		return;
	}
	pthread_mutex_lock(&st.lock);
	if (st.busy) {
		pthread_mutex_unlock(&st.lock);
		reply_error(c, "ERR Background save already in progress");
		return;
	}
	st.busy = 1;
	pthread_mutex_unlock(&st.lock);
	int rc = run_save(&server, 0, err, sizeof err);
	pthread_mutex_lock(&st.lock);
	st.busy = 0;
	pthread_mutex_unlock(&st.lock);
#ifdef HAVE_LMDB
	if (rc < 0)
		reply_error(c, "ERR");     /* Redis's whole reply; the log says why */
#else
	if (rc < 0)
		reply_errorf(c, "ERR %s", err);
#endif
	else
		reply_ok(c);
}

static void bgsave_cmd(struct kvs_client *c)
{
	int schedule = 0;
	if (c->argc > 1) {
		if (c->argc > 2 || !arg_is(c, 1, "schedule")) {
			reply_syntax(c);
			return;
		}
		schedule = 1;
	}
#ifdef HAVE_LMDB
	pthread_mutex_lock(&st.lock);
	reap_saver();
	if (st.busy && st.bg) {
		reply_error(c, "ERR Background save already in progress");
	} else if (st.busy || (c->flags & KVS_CL_IN_EXEC)) {
		/* Starting a save takes every shard lock: not from inside EXEC,
		 * which holds some. The cron starts it. */
		if (schedule || (c->flags & KVS_CL_IN_EXEC)) {
			st.scheduled = 1;
			reply_status(c, "Background saving scheduled");
		} else {
			reply_error(c, "ERR Another save is in progress: can't BGSAVE right now. Use BGSAVE "
				       "SCHEDULE in order to schedule a BGSAVE whenever possible.");
		}
	} else if (start_bgsave(&server) == 0) {
		reply_status(c, "Background saving started");
	} else {
		reply_error(c, "ERR Can't start the background save thread: see the log");
	}
	pthread_mutex_unlock(&st.lock);
#else
	(void)schedule;
	reply_errorf(c, "ERR %s", no_lmdb);
#endif
}

static void lastsave_cmd(struct kvs_client *c)
{
	pthread_mutex_lock(&st.lock);
	long long t = st.lastsave;
	pthread_mutex_unlock(&st.lock);
	reply_int(c, t);
}

static struct kvs_cmd snapshot_cmds[] = {
	{ .name = "save", .arity = 1, .flags = KVS_CMD_ADMIN | KVS_CMD_NOSCRIPT | KVS_CMD_NOMULTI | KVS_CMD_NOLOCK, .fn = save_cmd, .group = "server", .since = "1.0.0", .summary = "Synchronously saves the database(s) to disk." },
	{ .name = "bgsave", .arity = -1, .flags = KVS_CMD_ADMIN | KVS_CMD_NOSCRIPT | KVS_CMD_NOLOCK, .fn = bgsave_cmd, .group = "server", .since = "1.0.0", .summary = "Asynchronously saves the database(s) to disk." },
	{ .name = "lastsave", .arity = 1, .flags = KVS_CMD_LOADING | KVS_CMD_STALE | KVS_CMD_FAST | KVS_CMD_RANDOM | KVS_CMD_NOLOCK, .fn = lastsave_cmd, .group = "server", .since = "1.0.0", .summary = "Returns the Unix timestamp of the last successful save to disk." },
};

void register_snapshot_commands(void)
{
	if (kvs_cmd_register(snapshot_cmds, sizeof snapshot_cmds / sizeof *snapshot_cmds) < 0)
		log_warning("duplicate snapshot command registration");
}
