/* Hash and set objects (object.c): the compact form against a model,
 * its conversion to a table at Redis's limits, positions, sampling and
 * copies. Command-level behaviour is in check_t_hash.c / check_t_set.c. */
#include "config.h"
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "object.h"

/* Deterministic PRNG (xorshift64*): a failure replays. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}
static uint64_t env_random(void *ctx) { (void)ctx; return rnd(); }
static const struct kvs_env env = { .random = env_random };

#define NAMES 600
struct model {
	int present[NAMES];
	char val[NAMES][80];
	size_t vlen[NAMES];
	uint64_t stamp[NAMES];
	size_t n;
	int table;          /* a write broke the compact limits */
};

static size_t name_of(int i, int intset, char *buf)
{
	/* intset names are integers; listpack ones mix lengths, 70 bytes
	 * (over the 64-byte limit) for the last name */
	if (intset)
		return (size_t)sprintf(buf, "%d", i * 1000003 - 77);
	if (i == NAMES - 1) {
		memset(buf, 'n', 70);
		return 70;
	}
	return (size_t)sprintf(buf, "field:%d", i);
}

static void expect_model(const struct kvs_tobj *o, const struct model *m, int intset)
{
	const char *bad = kvs_tobj_check(o);
	ck_assert_msg(bad == NULL, "%s", bad ? bad : "");
	ck_assert_uint_eq(kvs_tobj_len(o), m->n);
	ck_assert_int_eq(kvs_tobj_compact(o), !m->table);
	char buf[96];
	for (int i = 0; i < NAMES; i++) {
		struct kvs_elem el;
		size_t len = name_of(i, intset, buf), pos;
		int found = kvs_tobj_get(o, buf, len, &el, &pos);
		ck_assert_int_eq(found, m->present[i]);
		if (!found)
			continue;
		ck_assert_uint_eq(el.nlen, len);
		ck_assert_mem_eq(el.name, buf, len);
		ck_assert_uint_eq(el.vlen, m->vlen[i]);
		if (el.vlen)
			ck_assert_mem_eq(el.val, m->val[i], el.vlen);
		ck_assert_uint_eq(el.stamp, m->stamp[i]);
	}
	/* the walk visits each element once */
	size_t walked = 0;
	for (size_t p = kvs_tobj_first(o); p != KVS_TABLE_NONE; p = kvs_tobj_next(o, p)) {
		struct kvs_elem el, again;
		kvs_tobj_at(o, p, &el);
		ck_assert(kvs_tobj_get(o, el.name, el.nlen, &again, NULL));
		ck_assert_ptr_eq(again.name, el.name);
		walked++;
	}
	ck_assert_uint_eq(walked, m->n);
}

/* ops random writes, removals and sampled removals of names below
 * universe; del_pct: percentage of removals. With longs, rare writes of a
 * 70-byte name or a 65-75 byte value (over the listpack limit). */
static int random_ops(enum kvs_oenc enc, int ops, int universe, unsigned del_pct, int longs)
{
	int why = 0;   /* what made it a table: 1 the count, 2 a length */
	int intset = enc == KVS_OENC_INTSET;
	struct model *m = calloc(1, sizeof *m);
	struct kvs_tobj *o = kvs_tobj_new(42, enc);
	char buf[96];
	for (int op = 0; op < ops; op++) {
		/* the long name and long values are rare */
		int i = (int)(rnd() % (uint64_t)universe);
		if (longs && rnd() % 500 == 0)
			i = NAMES - 1 - (int)(rnd() % 60);
		size_t len = name_of(i, intset, buf);
		unsigned r = (unsigned)(rnd() % 100);
		if (r >= del_pct) {
			size_t vl = intset ? 0 : (size_t)(rnd() % 40);
			if (longs && !intset && rnd() % 300 == 0)
				vl = 65 + (size_t)(rnd() % 10);    /* over the value limit */
			for (size_t j = 0; j < vl; j++)
				m->val[i][j] = (char)rnd();
			/* any stamp, older or newer than the object's first */
			uint64_t stamp = rnd() % 4 ? 1000000 + rnd() % 100000 : rnd();
			int added = kvs_tobj_set(o, buf, len, m->val[i], vl, stamp);
			ck_assert_int_eq(added, !m->present[i]);
			m->n += !m->present[i];
			m->present[i] = 1;
			m->vlen[i] = vl;
			m->stamp[i] = stamp;
			int by_count = m->n > (intset ? KVS_SET_MAX_INTSET_ENTRIES : KVS_HASH_MAX_LISTPACK_ENTRIES);
			int by_len = !intset && (vl > KVS_HASH_MAX_LISTPACK_VALUE || len > KVS_HASH_MAX_LISTPACK_VALUE);
			if (!m->table && (by_count || by_len))
				why = by_count ? 1 : 2;
			m->table |= by_count || by_len;
		} else if (r < del_pct * 2 / 3) {
			ck_assert_int_eq(kvs_tobj_del(o, buf, len), m->present[i]);
			m->n -= m->present[i];
			m->present[i] = 0;
			if (rnd() % 4 == 0)
				kvs_tobj_trim(o);
		} else if (m->n > 0) {
			/* remove a random sample, last position first */
			size_t k = 1 + (size_t)(rnd() % (m->n < 5 ? m->n : 5));
			size_t *pos = malloc(k * sizeof *pos);
			if (k < m->n)
				kvs_tobj_sample(o, &env, k, pos);
			else
				for (size_t j = 0, p = kvs_tobj_first(o); j < k; j++, p = kvs_tobj_next(o, p))
					pos[j] = p;
			for (size_t a = 0; a < k; a++)
				for (size_t b = a + 1; b < k; b++) {
					ck_assert_uint_ne(pos[a], pos[b]);
					if (pos[b] > pos[a]) {
						size_t t = pos[a];
						pos[a] = pos[b];
						pos[b] = t;
					}
				}
			for (size_t j = 0; j < k; j++) {
				struct kvs_elem el;
				kvs_tobj_at(o, pos[j], &el);
				int hit = -1;
				for (int x = 0; x < NAMES && hit < 0; x++)
					if (m->present[x] && name_of(x, intset, buf) == el.nlen &&
					    memcmp(buf, el.name, el.nlen) == 0)
						hit = x;
				ck_assert_int_ge(hit, 0);
				kvs_tobj_del_at(o, pos[j]);
				m->present[hit] = 0;
				m->n--;
			}
			free(pos);
		}
		if (op % 251 == 0 || op == ops - 1)
			expect_model(o, m, intset);
		if (op % 1000 == 999) {
			struct kvs_tobj *d = kvs_tobj_dup(o);
			expect_model(d, m, intset);
			kvs_tobj_free(d);
		}
	}
	kvs_tobj_free(o);
	free(m);
	return why;
}

START_TEST(listpack_matches_model)
{
	/* 590 names at 3% removals: the count crosses 512 (a table);
	 * 520 names at 30% and long elements: a long one converts it */
	int why = 0;
	for (int round = 0; round < 6; round++)
		why |= random_ops(KVS_OENC_LISTPACK, 6000, round % 2 ? 520 : 590, round % 2 ? 30 : 3, round % 2);
	ck_assert_int_eq(why, 3);   /* both conversions happened */
}
END_TEST

START_TEST(intset_matches_model)
{
	int why = 0;
	for (int round = 0; round < 4; round++)
		why |= random_ops(KVS_OENC_INTSET, 6000, round % 2 ? 520 : 590, round % 2 ? 30 : 3, 1);
	ck_assert_int_eq(why, 1);
}
END_TEST

/* The conversion points are Redis's: 512 fields, 64-byte fields and
 * values, 512 integer members; a removal never converts back. */
START_TEST(converts_at_redis_limits)
{
	char f[80], v[80];
	struct kvs_tobj *h = kvs_tobj_new(1, KVS_OENC_LISTPACK);
	for (int i = 0; i < KVS_HASH_MAX_LISTPACK_ENTRIES; i++) {
		kvs_tobj_set(h, f, (size_t)sprintf(f, "f%d", i), "v", 1, 7);
		ck_assert(kvs_tobj_compact(h));
	}
	memset(v, 'v', 65);
	kvs_tobj_set(h, "f0", 2, v, 64, 8);     /* 64 bytes: still compact */
	ck_assert(kvs_tobj_compact(h));
	kvs_tobj_set(h, "f0", 2, v, 65, 9);     /* 65: a table */
	ck_assert_str_eq(kvs_tobj_encoding(h), "hashtable");
	ck_assert_uint_eq(kvs_tobj_len(h), KVS_HASH_MAX_LISTPACK_ENTRIES);
	kvs_tobj_del(h, "f0", 2);
	kvs_tobj_trim(h);
	ck_assert(!kvs_tobj_compact(h));
	kvs_tobj_free(h);

	h = kvs_tobj_new(1, KVS_OENC_LISTPACK);
	for (int i = 0; i <= KVS_HASH_MAX_LISTPACK_ENTRIES; i++)
		kvs_tobj_set(h, f, (size_t)sprintf(f, "f%d", i), "", 0, 7);
	ck_assert_str_eq(kvs_tobj_encoding(h), "hashtable");
	kvs_tobj_free(h);

	struct kvs_tobj *s = kvs_tobj_new(1, KVS_OENC_INTSET);
	for (int i = 0; i < KVS_SET_MAX_INTSET_ENTRIES; i++)
		kvs_tobj_add_new(s, f, (size_t)sprintf(f, "%d", -i), "", 0, 7);
	ck_assert_str_eq(kvs_tobj_encoding(s), "intset");
	ck_assert_ptr_null(kvs_tobj_check(s));
	kvs_tobj_add_new(s, "512", 3, "", 0, 7);
	ck_assert_str_eq(kvs_tobj_encoding(s), "hashtable");
	kvs_tobj_free(s);

	s = kvs_tobj_new(1, KVS_OENC_INTSET);
	kvs_tobj_add_new(s, "1", 1, "", 0, 7);
	kvs_tobj_add_new(s, "01", 2, "", 0, 7);  /* not an integer as Redis parses */
	ck_assert_str_eq(kvs_tobj_encoding(s), "hashtable");
	ck_assert(kvs_tobj_get(s, "1", 1, NULL, NULL));
	kvs_tobj_free(s);
}
END_TEST

/* A compact object keeps insertion order (Redis's listpack does), and an
 * overwrite keeps the element's place. */
START_TEST(compact_keeps_insertion_order)
{
	struct kvs_tobj *h = kvs_tobj_new(1, KVS_OENC_LISTPACK);
	const char *names[] = { "zeta", "alpha", "mid", "b" };
	for (int i = 0; i < 4; i++)
		kvs_tobj_set(h, names[i], strlen(names[i]), "x", 1, 5);
	kvs_tobj_set(h, "alpha", 5, "a much longer value", 19, 6);
	int i = 0;
	for (size_t p = kvs_tobj_first(h); p != KVS_TABLE_NONE; p = kvs_tobj_next(h, p), i++) {
		struct kvs_elem el;
		kvs_tobj_at(h, p, &el);
		ck_assert_uint_eq(el.nlen, strlen(names[i]));
		ck_assert_mem_eq(el.name, names[i], el.nlen);
	}
	ck_assert_int_eq(i, 4);
	kvs_tobj_free(h);
}
END_TEST

/* Random picks of a compact object are uniform. */
START_TEST(compact_random_is_uniform)
{
	struct kvs_tobj *s = kvs_tobj_new(1, KVS_OENC_INTSET);
	char f[8];
	for (int i = 0; i < 8; i++)
		kvs_tobj_add_new(s, f, (size_t)sprintf(f, "%d", i * (i > 4 ? 100000 : 1)), "", 0, 7);
	int hits[8] = { 0 };
	size_t *all = kvs_tobj_positions(s);
	for (int round = 0; round < 8000; round++) {
		size_t p = kvs_tobj_random_slot(s, &env);
		int k = 0;
		while (all[k] != p)
			k++;
		ck_assert_int_lt(k, 8);
		hits[k]++;
	}
	for (int k = 0; k < 8; k++)
		ck_assert_msg(hits[k] > 800 && hits[k] < 1200, "element %d drawn %d of 8000", k, hits[k]);
	free(all);
	kvs_tobj_free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("object");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, listpack_matches_model);
	tcase_add_test(tc, intset_matches_model);
	tcase_add_test(tc, converts_at_redis_limits);
	tcase_add_test(tc, compact_keeps_insertion_order);
	tcase_add_test(tc, compact_random_is_uniform);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
