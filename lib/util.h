/*
 * util.h - allocation wrappers and number/string conversions with Redis's
 * exact rules (what counts as an integer, how a double is printed).
 */
#ifndef KVS_UTIL_H
#define KVS_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Ask the CPU to start loading the cache line at p (a hint: never faults,
 * whatever p is). */
#if defined(__GNUC__) || defined(__clang__)
#define KVS_PREFETCH(p) __builtin_prefetch(p)
#define KVS_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define KVS_PREFETCH(p) ((void)(p))
#define KVS_ALWAYS_INLINE inline
#endif

/* Allocation that aborts with a message on failure; result owned by caller. */
void *kvs_malloc(size_t n);
void *kvs_calloc(size_t n, size_t size);
void *kvs_realloc(void *p, size_t n);
char *kvs_strndup(const char *s, size_t n);

/* Strict integer parse as Redis's string2ll: optional '-', no leading zeros
 * (except "0"), no spaces, no '+', fits in long long. 1 on success, 0 not. */
int kvs_str2ll(const char *s, size_t len, long long *out);
/* Same for unsigned 64-bit (used by SCAN cursors). */
int kvs_str2ull(const char *s, size_t len, unsigned long long *out);
/* Parse a double as Redis's string2ld/getDoubleFromObject: no spaces, not
 * NaN; "inf"/"-inf" accepted. 1 on success. */
int kvs_str2d(const char *s, size_t len, double *out);
/* long double variant for INCRBYFLOAT (Redis uses long double there). */
int kvs_str2ld(const char *s, size_t len, long double *out);

/* Format; return length written (buffer must have 21 / 32 / 48 bytes). */
int kvs_ll2str(char *buf, long long v);
int kvs_ull2str(char *buf, unsigned long long v);
/* A double as Redis prints it in replies ("%.17g" with inf/-inf). */
int kvs_d2str(char *buf, size_t cap, double v);
/* A long double as INCRBYFLOAT stores it ("%.17Lf" trimmed of zeros). */
int kvs_ld2str(char *buf, size_t cap, long double v);

/* Case-insensitive compare of a counted string with a C string. */
int kvs_eqi(const char *s, size_t len, const char *lit);

/* Glob match with Redis's stringmatchlen rules (*, ?, [a-z], [^x], \x).
 * nocase != 0 folds ASCII case. 1 if it matches. */
int kvs_glob(const char *pat, size_t plen, const char *s, size_t slen, int nocase);

#endif
