#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "log.h"

static int log_fd = 2;
static int log_level = KVS_LOG_NOTICE;
static int log_syslog;
static char log_path[4096];
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

int log_open(const char *path, int level, int use_syslog, const char *ident, int facility)
{
	log_level = level;
	if (path && *path) {
		int fd = open_file(path);
		if (fd < 0)
			return -1;
		snprintf(log_path, sizeof log_path, "%s", path);
		if (log_fd > 2)
			close(log_fd);
		log_fd = fd;
	}
	if (use_syslog) {
		openlog(ident ? ident : "kvsd", LOG_PID | LOG_NDELAY | LOG_NOWAIT, facility);
		log_syslog = 1;
	}
	return 0;
}

void log_set_level(int level) { log_level = level; }

int log_reopen(void)
{
	int fd;
	if (!log_path[0])
		return 0;
	fd = open_file(log_path);
	if (fd < 0)
		return -1;
	pthread_mutex_lock(&log_lock);
	int old = log_fd;
	log_fd = fd;
	pthread_mutex_unlock(&log_lock);
	if (old > 2)
		close(old);
	return 0;
}

void log_close(void)
{
	if (log_fd > 2)
		close(log_fd);
	log_fd = 2;
	log_path[0] = '\0';
	if (log_syslog)
		closelog();
	log_syslog = 0;
}

void kvs_log(int level, const char *fmt, ...)
{
	static const char marks[] = ".-*#";
	static const int prio[] = { LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING };
	char msg[1024], line[1200];
	va_list ap;
	struct timeval tv;
	struct tm tm;
	char ts[64];

	if (level < log_level || level < 0 || level > KVS_LOG_WARNING)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof ts, "%d %b %Y %H:%M:%S", &tm);
	int n = snprintf(line, sizeof line, "%d:M %s.%03d %c %s\n", (int)getpid(), ts,
			 (int)(tv.tv_usec / 1000), marks[level], msg);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line)
		n = sizeof line - 1;
	pthread_mutex_lock(&log_lock);
	ssize_t w = write(log_fd, line, (size_t)n);
	(void)w;
	pthread_mutex_unlock(&log_lock);
	if (log_syslog)
		syslog(prio[level], "%s", msg);
}
