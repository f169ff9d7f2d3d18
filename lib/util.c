#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

static void oom(size_t n)
{
	fprintf(stderr, "kvsd: out of memory allocating %zu bytes\n", n);
	abort();
}

void *kvs_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *kvs_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *kvs_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *kvs_strndup(const char *s, size_t n)
{
	char *p = kvs_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int kvs_str2ull(const char *s, size_t len, unsigned long long *out)
{
	unsigned long long v = 0;
	if (len == 0 || len > 20)
		return 0;
	if (len > 1 && s[0] == '0')
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned char)s[i] - '0';
		if (d > 9)
			return 0;
		if (v > (ULLONG_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

int kvs_str2ll(const char *s, size_t len, long long *out)
{
	unsigned long long v;
	int neg = 0;
	if (len == 0)
		return 0;
	if (len == 1 && s[0] == '0') {
		*out = 0;
		return 1;
	}
	if (s[0] == '-') {
		neg = 1;
		s++;
		len--;
		if (len == 0 || s[0] == '0')
			return 0;
	}
	if (s[0] == '0' || !kvs_str2ull(s, len, &v))
		return 0;
	if (neg) {
		if (v > (unsigned long long)LLONG_MAX + 1)
			return 0;
		*out = (long long)(0 - v);
	} else {
		if (v > LLONG_MAX)
			return 0;
		*out = (long long)v;
	}
	return 1;
}

int kvs_str2d(const char *s, size_t len, double *out)
{
	char buf[5120]; /* Redis accepts ~5 KiB numbers (MAX_LONG_DOUBLE_CHARS) */
	char *end;
	double v;
	if (len == 0 || len >= sizeof buf || isspace((unsigned char)s[0]))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtod(buf, &end);
	if ((size_t)(end - buf) != len || isnan(v))
		return 0;
	if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || fpclassify(v) == FP_ZERO))
		return 0;
	*out = v;
	return 1;
}

int kvs_str2ld(const char *s, size_t len, long double *out)
{
	char buf[5120]; /* Redis accepts ~5 KiB numbers (MAX_LONG_DOUBLE_CHARS) */
	char *end;
	long double v;
	if (len == 0 || len >= sizeof buf || isspace((unsigned char)s[0]))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtold(buf, &end);
	if ((size_t)(end - buf) != len || isnan(v) || errno == ERANGE)
		return 0;
	*out = v;
	return 1;
}

int kvs_ull2str(char *buf, unsigned long long v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

int kvs_ll2str(char *buf, long long v)
{
	if (v < 0) {
		buf[0] = '-';
		return 1 + kvs_ull2str(buf + 1, (unsigned long long)0 - (unsigned long long)v);
	}
	return kvs_ull2str(buf, (unsigned long long)v);
}

int kvs_d2str(char *buf, size_t cap, double v)
{
	if (isinf(v))
		return snprintf(buf, cap, "%s", v > 0 ? "inf" : "-inf");
	if (v == 0)
		return snprintf(buf, cap, "%s", signbit(v) ? "-0" : "0");
	/* Redis 7.0 replies doubles with %.17g (addReplyDouble): 10 is "10",
	 * not "1e+01", and 0.1 is "0.10000000000000001" (the shortest round
	 * trip is Redis 7.2). Integers below 2^52 take the faster path of its
	 * d2string, with the same output. */
	if (v > -4503599627370495.0 && v < 4503599627370496.0 && v == (double)(long long)v)
		return snprintf(buf, cap, "%lld", (long long)v);
	return snprintf(buf, cap, "%.17g", v);
}

int kvs_ld2str(char *buf, size_t cap, long double v)
{
	int n;
	if (isinf(v))
		return snprintf(buf, cap, "%s", v > 0 ? "inf" : "-inf");
	n = snprintf(buf, cap, "%.17Lf", v);
	if (n <= 0 || (size_t)n >= cap)
		return n;
	if (strchr(buf, '.')) {
		while (n > 0 && buf[n - 1] == '0')
			n--;
		if (n > 0 && buf[n - 1] == '.')
			n--;
		buf[n] = '\0';
	}
	if (n == 2 && buf[0] == '-' && buf[1] == '0') {
		buf[0] = '0';
		buf[1] = '\0';
		n = 1;
	}
	return n;
}

int kvs_eqi(const char *s, size_t len, const char *lit)
{
	size_t i;
	for (i = 0; i < len; i++) {
		if (!lit[i] || tolower((unsigned char)s[i]) != tolower((unsigned char)lit[i]))
			return 0;
	}
	return lit[i] == '\0';
}
