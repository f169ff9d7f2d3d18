/*
 * typetest.h - helpers for the hash and set suites on top of testcmd.h:
 * reading aggregate replies whose element order is unspecified (RESP2
 * arrays and RESP3 maps and sets) and a look at the object behind a key.
 */
#ifndef KVS_TYPETEST_H
#define KVS_TYPETEST_H

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "object.h"
#include "testcmd.h"

/* An aggregate header "<type>n\r\n" at *p: checks the type, returns n. */
static inline long tt_header(const char **p, char type)
{
	char *end;
	ck_assert_msg(**p == type, "want '%c' reply, got \"%s\"", type, *p);
	long n = strtol(*p + 1, &end, 10);
	ck_assert(n >= 0 && end[0] == '\r' && end[1] == '\n');
	*p = end + 2;
	return n;
}

/* The last reply is an aggregate of `type` holding n bulk strings (n
 * counts map pairs twice); returns them malloc'd, in reply order. */
static inline long tt_items(char type, char ***items)
{
	const char *p = tc_reply;
	long n = tt_header(&p, type);
	if (type == '%')
		n *= 2;
	*items = calloc((size_t)n + 1, sizeof **items);
	for (long i = 0; i < n; i++)
		(*items)[i] = tc_parse_bulk(&p);
	ck_assert_ptr_eq(p, tc_reply + tc_reply_len);
	return n;
}

/* The last reply, an aggregate of `type`, equals the NULL-terminated list
 * want as a multiset (want need not be sorted). Pairs are joined as
 * "field=value" when pairs is set (HGETALL, HRANDFIELD WITHVALUES in
 * RESP2). */
static inline void tt_expect_items(char type, int pairs, const char *const *want)
{
	char **items, **got, **w;
	long n = tt_items(type, &items), nw = 0, ng = pairs ? n / 2 : n;
	while (want[nw])
		nw++;
	got = calloc((size_t)ng + 1, sizeof *got);
	for (long i = 0; i < ng; i++) {
		if (!pairs) {
			got[i] = strdup(items[i]);
			continue;
		}
		size_t a = strlen(items[2 * i]), b = strlen(items[2 * i + 1]);
		got[i] = malloc(a + b + 2);
		memcpy(got[i], items[2 * i], a);
		got[i][a] = '=';
		memcpy(got[i] + a + 1, items[2 * i + 1], b + 1);
	}
	w = calloc((size_t)nw + 1, sizeof *w);
	memcpy(w, want, (size_t)nw * sizeof *w);
	qsort(got, (size_t)ng, sizeof *got, tc_cmpstr);
	qsort(w, (size_t)nw, sizeof *w, tc_cmpstr);
	ck_assert_msg(ng == nw, "got %ld items, want %ld (reply %s)", ng, nw, tc_reply);
	for (long i = 0; i < ng; i++)
		ck_assert_str_eq(got[i], w[i]);
	tc_free_items(got, ng);
	tc_free_items(items, n);
	free(w);
}
#define EXPECT_ITEMS(type, ...) tt_expect_items(type, 0, (const char *const[]){ __VA_ARGS__, NULL })
#define EXPECT_PAIRS(type, ...) tt_expect_items(type, 1, (const char *const[]){ __VA_ARGS__, NULL })
#define EXPECT_NONE(type) tt_expect_items(type, 0, (const char *const[]){ NULL })

/* The object behind key in db 0 (NULL if absent); type is checked. */
static inline struct kvs_tobj *tt_obj(const char *key, enum kvs_type type)
{
	struct kvs_entry *e = tc_get(0, key);
	if (!e)
		return NULL;
	ck_assert_int_eq(e->type, type);
	ck_assert_int_eq(e->enc, KVS_E_PTR);
	struct kvs_tobj *o = kvs_tobj_of(e);
	const char *bad = kvs_tobj_check(o);
	ck_assert_msg(bad == NULL, "%s's object: %s", key, bad);
	return o;
}

/* The stamp of the element named f of key's object (which must exist). */
static inline uint64_t tt_stamp(const char *key, enum kvs_type type, const char *f)
{
	struct kvs_tobj *o = tt_obj(key, type);
	struct kvs_elem el;
	ck_assert_ptr_nonnull(o);
	ck_assert_msg(kvs_tobj_get(o, f, strlen(f), &el, NULL), "no element %s in %s", f, key);
	return el.stamp;
}

#endif
