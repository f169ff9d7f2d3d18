/*
 * snapshot_lmdb.h - snapshots in an LMDB environment: the check and load
 * at start-up, SAVE / BGSAVE / LASTSAVE, `save` rules, the snapshot at
 * shutdown, INFO persistence.
 *
 * The file is `dbfilename` in `dir`, one LMDB environment (MDB_NOSUBDIR,
 * with its `-lock` file beside it). A snapshot is one write transaction
 * that replaces the previous contents: chunk records under big-endian
 * keys 1..N, the header under key 0 (lib/snap.h has the format). Until it
 * commits (and LMDB has synced it), the previous snapshot is what the file
 * holds, so a crash at any moment leaves a loadable file.
 *
 * Saves never fork: lib/snap.c walks the shards in slices while clients
 * go on. BGSAVE runs on a saver thread; SAVE runs the same walk on the
 * calling client's thread (so only clients of that I/O thread wait). One
 * save at a time.
 *
 * Built without LMDB, SAVE and BGSAVE answer an error, nothing is loaded,
 * and config.c refuses the snapshot directives.
 *
 * Threads: snapshot_check, snapshot_load_start and snapshot_shutdown run
 * on the main thread (start-up / tear-down order in main.c), snapshot_cron
 * from the main thread's cron; the rest from any thread.
 */
#ifndef KVSD_SNAPSHOT_LMDB_H
#define KVSD_SNAPSHOT_LMDB_H

#include <stddef.h>

struct server;
struct kvs_buf;
struct kvs_config;
struct kvs_client;

/* After chdir(dir), before any thread starts: look at the snapshot file.
 * None, or a fresh environment no save ever committed to: 0, nothing to
 * load. A readable kvsd snapshot: 0, to be loaded by snapshot_load_start.
 * Anything else (damaged, truncated, not LMDB, not kvsd's, another format
 * version, more databases than configured): -1 with a message naming the
 * file in err. The file is read by a child process first, so a file that
 * would crash LMDB only costs the child. */
int snapshot_check(struct server *s, char *err, size_t errlen);
/* Once listening: load what snapshot_check found, on a loader thread,
 * while clients get -LOADING (INFO shows the progress). A failure part way
 * logs the reason and shuts the server down with exit status 1. */
void snapshot_load_start(struct server *s);
/* Cron (main thread): reap a finished BGSAVE, start a scheduled one, or
 * one a `save` rule asks for. */
void snapshot_cron(struct server *s);
/* After the I/O threads have stopped: stop a load or BGSAVE in progress,
 * then save if SHUTDOWN SAVE was asked or `save` rules exist, unless
 * SHUTDOWN NOSAVE (or the dataset was never fully loaded). Returns 0, or
 * -1 if that final save failed (logged). */
int snapshot_shutdown(struct server *s);
/* Append INFO persistence's snapshot fields ("loading:..." through
 * "rdb_last_load_keys_loaded:...") to b, for client c (INFO may run in
 * EXEC, holding shard locks already). */
void snapshot_info(struct kvs_client *c, struct kvs_buf *b);
/* Take the run-time settings (save rules, stop-writes-on-bgsave-error)
 * from cfg; the caller holds what serialises CONFIG SET. */
void snapshot_config_changed(const struct kvs_config *cfg);
/* SAVE, BGSAVE, LASTSAVE. */
void register_snapshot_commands(void);

#endif
