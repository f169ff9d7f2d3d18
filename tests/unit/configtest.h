/*
 * configtest.h - what the configuration suites share: a scratch directory
 * per test (under one made by configtest_main), a struct kvs_config with
 * its defaults loaded, and CONFIG GET / CONFIG SET shorthands.
 * Header-only, for tests/unit/check_config*.c.
 */
#ifndef KVSD_CONFIGTEST_H
#define KVSD_CONFIGTEST_H

#include "config.h"
#include "kvsconf.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "env.h"

#ifndef KVSD_SRCDIR
#error "KVSD_SRCDIR must name the source tree (set in tests/unit/local.mk)"
#endif

/* A build without LMDB refuses snapshot settings (save rules, a dbfilename
 * other than the default): tests that use them as ordinary values run
 * with LMDB only, and t_no_lmdb_refuses checks the refusal. */
#ifdef HAVE_LMDB
#define SNAP_DBFILENAME "snap.lmdb"
#else
#define SNAP_DBFILENAME "kvsd.lmdb"
#define NO_LMDB_MSG "snapshots are not available: kvsd was built without LMDB (configure --with-lmdb)"
#endif

/* ---- helpers --------------------------------------------------------- */

/* basedir is made by main() and removed after all tests, so it goes even
 * when a failing test (in its own forked process) skips its teardown;
 * each test works in a fresh tmpdir inside it. */
static char basedir[PATH_MAX];
static char tmpdir[PATH_MAX + 16];

static inline void mk_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/t.XXXXXX", basedir);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb; (void)flag; (void)ftw;
	return remove(path);
}

static inline void rm_tree(char *dir)
{
	if (dir[0])
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	dir[0] = '\0';
}

static inline void rm_tmpdir(void)
{
	rm_tree(tmpdir);
}

/* tmpdir/rel, in a static buffer (one of a few, so two can be live). */
static inline const char *tpath(const char *rel)
{
	static char bufs[4][PATH_MAX + 64];
	static int next;
	char *b = bufs[next++ % 4];
	snprintf(b, PATH_MAX + 64, "%s/%s", tmpdir, rel);
	return b;
}

/* Write tmpdir/rel (making its directory) with len bytes of text. */
static inline void write_file_n(const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX + 64];
	char *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s", tpath(rel));
	slash = strrchr(path, '/');
	*slash = '\0';
	mkdir(path, 0700); /* may exist */
	*slash = '/';
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static inline void write_file(const char *rel, const char *text)
{
	write_file_n(rel, text, strlen(text));
}

static struct kvs_config cfg;
static char err[2048];

static inline void cfg_setup(void)
{
	config_defaults(&cfg);
	err[0] = '\0';
	mk_tmpdir();
}

static inline void cfg_teardown(void)
{
	config_free(&cfg);
	rm_tmpdir();
}

static inline int load(const char *text)
{
	return config_load_string(&cfg, text, "test.conf", err, sizeof(err));
}

/* What config_get reports. */
struct got { int n; char *name[128]; char *value[128]; };

static inline void collect(void *arg, const char *name, const char *value)
{
	struct got *g = arg;
	ck_assert_int_lt(g->n, 128);
	g->name[g->n] = strdup(name);
	g->value[g->n] = strdup(value);
	g->n++;
}

static inline void got_free(struct got *g)
{
	for (int i = 0; i < g->n; i++) {
		free(g->name[i]);
		free(g->value[i]);
	}
	g->n = 0;
}

/* The one value CONFIG GET gives for an exact name (static buffer). */
static inline const char *getv(const char *name)
{
	static char buf[4096];
	struct got g = { 0 };
	config_get(&cfg, name, collect, &g);
	ck_assert_msg(g.n == 1, "CONFIG GET %s gave %d entries", name, g.n);
	snprintf(buf, sizeof(buf), "%s", g.value[0]);
	got_free(&g);
	return buf;
}

/* CONFIG SET with one pair, as the daemon calls it. */
static inline int set1(const char *name, const char *value)
{
	const char *argv[2] = { name, value };
	return config_apply(&cfg, 2, argv, 1, err, sizeof(err));
}

/* Run suite s with the scratch base directory made and removed around it. */
static inline int configtest_main(Suite *s, const char *name)
{
	SRunner *sr = srunner_create(s);
	int failed;

	snprintf(basedir, sizeof(basedir), "/tmp/%s.XXXXXX", name);
	if (!mkdtemp(basedir)) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	rm_tree(basedir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
