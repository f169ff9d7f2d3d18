/*
 * log.h - log lines to stderr, a file, or syslog, with a level filter.
 * Thread-safe (one write(2) per line). SIGHUP -> log_reopen().
 */
#ifndef KVSD_LOG_H
#define KVSD_LOG_H

#include "env.h"

/* path NULL or "" = stderr. Returns 0, or -1 (errno set) if the file can't
 * be opened. */
int log_open(const char *path, int level, int use_syslog, const char *ident, int facility);
void log_set_level(int level);
int log_reopen(void);
void log_close(void);
void kvs_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...)   kvs_log(KVS_LOG_DEBUG, __VA_ARGS__)
#define log_verbose(...) kvs_log(KVS_LOG_VERBOSE, __VA_ARGS__)
#define log_notice(...)  kvs_log(KVS_LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) kvs_log(KVS_LOG_WARNING, __VA_ARGS__)

#endif
