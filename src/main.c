/*
 * main.c - start-up and tear-down order:
 *   defaults -> config file -> --directive overrides -> validate
 *   -> log -> daemonize -> chdir(dir) -> engine -> check the snapshot
 *   -> listen -> load the snapshot (clients get -LOADING) -> pidfile -> run
 *   -> (SIGTERM/SIGINT/SHUTDOWN) -> stop threads -> final snapshot -> exit.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "log.h"
#include "server.h"
#include "snapshot_lmdb.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kvsd [/path/to/kvsd.conf] [--directive value ...]\n"
		"       kvsd --test-config /path/to/kvsd.conf [--directive value ...]\n"
		"       kvsd -v | --version\n"
		"       kvsd -h | --help\n\n"
		"Without a file kvsd runs on its embedded defaults (127.0.0.1:6379, memory only).\n"
		"Directives are those of kvsd.conf(5), e.g. kvsd --port 7777 --io-threads 2\n");
}

/* Apply `--name arg...` groups from argv[i..]. Returns 0 or -1 (err set). */
static int apply_cmdline(struct kvs_config *cfg, int argc, char **argv, int i, char *err, size_t errlen)
{
	while (i < argc) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			snprintf(err, errlen, "command line: unexpected argument '%s' (directives are --name value)", a);
			return -1;
		}
		const char *dargv[64];
		int dargc = 0;
		dargv[dargc++] = a + 2;
		i++;
		while (i < argc && dargc < 64 && !(strncmp(argv[i], "--", 2) == 0 && argv[i][2] != '\0'))
			dargv[dargc++] = argv[i++];
		char e[512];
		if (config_apply(cfg, dargc, dargv, 0, e, sizeof e) < 0) {
			snprintf(err, errlen, "command line: --%s: %s", dargv[0], e);
			return -1;
		}
	}
	return 0;
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f);
}

static int daemonize(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

static void raise_fd_limit(int maxclients)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)maxclients + 64;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want)
			log_warning("maxclients %d needs %llu file descriptors, the limit is %llu", maxclients,
				    (unsigned long long)want, (unsigned long long)rl.rlim_cur);
	}
}

int main(int argc, char **argv)
{
	struct kvs_config *cfg = &server.cfg;
	char err[1024];
	const char *file = NULL;
	int test_only = 0, i = 1;

	if (argc > 1 && (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))) {
		printf("kvsd %s (Redis protocol %s)\n", PACKAGE_VERSION, KVSD_REDIS_VERSION);
		return 0;
	}
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--test-config")) {
		if (argc < 3) {
			usage(stderr);
			return 1;
		}
		test_only = 1;
		file = argv[2];
		i = 3;
	} else if (argc > 1 && strncmp(argv[1], "--", 2) != 0) {
		file = argv[1];
		i = 2;
	}

	config_defaults(cfg);
	if (file && config_load_file(cfg, file, err, sizeof err) < 0) {
		fprintf(stderr, "kvsd: %s\n", err);
		config_free(cfg);
		return 1;
	}
	if (apply_cmdline(cfg, argc, argv, i, err, sizeof err) < 0 || config_validate(cfg, err, sizeof err) < 0) {
		fprintf(stderr, "kvsd: %s\n", err);
		config_free(cfg);
		return 1;
	}
	if (test_only) {
		printf("kvsd: configuration file %s is OK\n", file);
		config_free(cfg);
		return 0;
	}
	if (file) {
		char *abs = realpath(file, NULL);
		snprintf(server.config_file_abs, sizeof server.config_file_abs, "%s", abs ? abs : file);
		free(abs);
	}
	if (!realpath("/proc/self/exe", server.executable))
		snprintf(server.executable, sizeof server.executable, "%s", argv[0]);

	if (log_open(cfg->logfile, cfg->loglevel, cfg->syslog_enabled, cfg->syslog_ident, cfg->syslog_facility) < 0) {
		fprintf(stderr, "kvsd: can't open the log file %s: %s\n", cfg->logfile, strerror(errno));
		config_free(cfg);
		return 1;
	}
	if (cfg->daemonize && daemonize() < 0) {
		fprintf(stderr, "kvsd: daemonize: %s\n", strerror(errno));
		return 1;
	}
	if (cfg->dir && chdir(cfg->dir) < 0) {
		log_warning("Can't chdir to '%s': %s", cfg->dir, strerror(errno));
		config_free(cfg);
		return 1;
	}
	log_notice("kvsd %s starting, pid=%d, config %s", PACKAGE_VERSION, (int)getpid(),
		   file ? file : "(embedded defaults)");
	if (cfg->inert_set)
		log_warning("These redis.conf directives were set but have no effect in kvsd "
			    "(kvsd.conf(5) says why): %s", cfg->inert_set);
	raise_fd_limit(cfg->maxclients);

	kvs_cmd_register_builtin();
	register_server_commands();
	register_snapshot_commands();
	int rc = 1;
	if (server_init(&server) < 0)
		goto out;
	/* Before any thread runs (the check forks) and before listening, so a
	 * bad snapshot stops start-up at once. */
	if (snapshot_check(&server, err, sizeof err) < 0) {
		log_warning("%s", err);
		fprintf(stderr, "kvsd: %s\n", err);
		goto out;
	}
	if (server_listen(&server) < 0)
		goto out;
	snapshot_load_start(&server);
	if (cfg->pidfile && *cfg->pidfile && write_pidfile(cfg->pidfile) < 0)
		log_warning("Failed to write PID file %s: %s", cfg->pidfile, strerror(errno));
	rc = server_run(&server);
	if (snapshot_shutdown(&server) < 0)
		rc = 1;
	log_notice("kvsd is now ready to exit, bye bye...");
out:
	if (cfg->pidfile && *cfg->pidfile)
		unlink(cfg->pidfile);
	server_destroy(&server);
	config_free(cfg);
	log_close();
	return rc;
}
