/*
 * check_table.c - the open-addressing table (lib/table.c): randomized
 * operations against a reference model, growth and shrink, DELETED
 * markers, wrap-around clusters, SCAN across resizes, random picks.
 */
#include "config.h"
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "hash.h"
#include "table.h"

#define SEED 0x5eed5eed12345678ull
#define CTRL_EMPTY 0x80      /* table.c's control bytes, checked from outside */
#define CTRL_DELETED 0xfe

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t hash_of(const char *k) { return kvs_hash64(k, strlen(k), SEED); }

static size_t find(const struct kvs_table *t, const char *k)
{
	return kvs_table_find(t, k, strlen(k), hash_of(k));
}

static size_t insert(struct kvs_table *t, const char *k)
{
	ck_assert_uint_eq(find(t, k), KVS_TABLE_NONE);
	return kvs_table_insert(t, hash_of(k), kvs_entry_new_str(k, strlen(k), "v", 1, 0));
}

static void remove_key(struct kvs_table *t, const char *k)
{
	size_t i = find(t, k);
	ck_assert_uint_ne(i, KVS_TABLE_NONE);
	struct kvs_entry *e = kvs_table_at(t, i);
	kvs_table_remove_at(t, i);
	kvs_entry_free(e);
}

static int key_is(const struct kvs_entry *e, const char *k)
{
	size_t n;
	const char *p = kvs_entry_key(e, &n);
	return n == strlen(k) && memcmp(p, k, n) == 0;
}

/* Home slot as table.h defines it: (h * cap) >> 64. */
static size_t home(uint64_t h, size_t cap)
{
#ifdef HAVE_UNSIGNED___INT128
	return (size_t)(((unsigned __int128)h * cap) >> 64);
#else
	uint64_t hi = h >> 32, lo = (uint32_t)h, c = cap;
	return (size_t)((hi * c + ((lo * c) >> 32)) >> 32);
#endif
}

/* Structural invariants: counts, the load bound, every entry findable
 * (in either array while a resize is in progress). */
static void check_table(const struct kvs_table *t)
{
	size_t used = 0, tomb = 0, empty = 0, oldused = 0;
	for (size_t i = 0; i < kvs_table_slots(t); i++) {
		unsigned char c = *kvs_table_ctrl(t, i);
		if (c == CTRL_EMPTY) {
			empty += i < t->cap;
		} else if (c == CTRL_DELETED) {
			tomb += i < t->cap;
		} else {
			size_t n;
			const char *k = kvs_entry_key(kvs_table_at(t, i), &n);
			uint64_t h = kvs_hash64(k, n, SEED);
			ck_assert_uint_eq(c, h & 0x7f);
			ck_assert_uint_eq(kvs_table_find(t, k, n, h), i);
			used++;
			oldused += i >= t->cap;
		}
	}
	ck_assert_uint_eq(used, t->used);
	ck_assert_uint_eq(tomb, t->tomb);
	if (t->old)
		ck_assert_uint_eq(oldused, t->old->used);
	else
		ck_assert_uint_eq(oldused, 0);
	if (t->cap)
		ck_assert_uint_gt(empty, 0);
	ck_assert_uint_le((t->used - oldused + t->tomb) * 8, (size_t)t->cap * 7);
}

/* The model's removal: remove k if *present says it is there. */
static void model_remove(struct kvs_table *t, const char *k, unsigned char *present, size_t *count)
{
	if (*present) {
		remove_key(t, k);
		*present = 0;
		(*count)--;
	}
}

/* Every key prefix0 .. prefix{n-1} is findable exactly when present[] says. */
static void check_presence(const struct kvs_table *t, const char *prefix, const unsigned char *present, int n)
{
	char k[32];
	for (int j = 0; j < n; j++) {
		snprintf(k, sizeof k, "%s%d", prefix, j);
		ck_assert_int_eq(find(t, k) != KVS_TABLE_NONE, present[j]);
	}
}

START_TEST(empty_table)
{
	struct kvs_table t;
	uint64_t cur = 12345;
	kvs_table_init(&t, SEED);
	ck_assert_uint_eq(find(&t, "x"), KVS_TABLE_NONE);
	ck_assert_uint_eq(kvs_table_next(&t, 0), KVS_TABLE_NONE);
	ck_assert_uint_eq(kvs_table_random(&t, 7), KVS_TABLE_NONE);
	kvs_table_scan(&t, &cur, 10, NULL, NULL);
	ck_assert_uint_eq(cur, 0);
	kvs_table_maybe_shrink(&t);
	ck_assert_uint_eq(t.cap, 0);
	kvs_table_destroy(&t);
}
END_TEST

/* Random inserts, removes and finds against a presence array. */
START_TEST(randomized_against_model)
{
	enum { U = 4000, OPS = 150000 };
	static unsigned char present[U];
	struct kvs_table t;
	size_t count = 0;
	char k[32];
	kvs_table_init(&t, SEED);
	for (int op = 0; op < OPS; op++) {
		int id = (int)(rnd() % U);
		unsigned r = (unsigned)(rnd() % 100);
		/* Three phases: fill up, drain, mixed. */
		unsigned ins_pct = op < OPS / 3 ? 80 : op < 2 * OPS / 3 ? 15 : 50;
		snprintf(k, sizeof k, "key:%d", id);
		if (r < ins_pct) {
			if (!present[id]) {
				size_t i = insert(&t, k);
				ck_assert(key_is(kvs_table_at(&t, i), k));
				present[id] = 1;
				count++;
			}
		} else if (r < 95) {
			model_remove(&t, k, &present[id], &count);
		} else {
			size_t i = find(&t, k);
			ck_assert_int_eq(i != KVS_TABLE_NONE, present[id]);
			if (i != KVS_TABLE_NONE)
				ck_assert(key_is(kvs_table_at(&t, i), k));
		}
		ck_assert_uint_eq(t.used, count);
		if (op % 5000 == 4999) {
			kvs_table_maybe_shrink(&t);
			check_table(&t);
			check_presence(&t, "key:", present, U);
		}
	}
	kvs_table_destroy(&t);
}
END_TEST

START_TEST(growth_and_shrink)
{
	enum { N = 10000 };
	struct kvs_table t;
	char k[32];
	kvs_table_init(&t, SEED);
	for (int i = 0; i < N; i++) {
		snprintf(k, sizeof k, "g%d", i);
		insert(&t, k);
	}
	check_table(&t);
	ck_assert_uint_eq(t.used, N);
	ck_assert_uint_le(t.cap, (size_t)N * 2);      /* 1.5x growth, no doubling past need */
	size_t big = t.cap;
	for (int i = 10; i < N; i++) {
		snprintf(k, sizeof k, "g%d", i);
		remove_key(&t, k);
	}
	ck_assert_uint_eq(t.cap, big);                /* deletes never resize */
	check_table(&t);
	kvs_table_maybe_shrink(&t);
	ck_assert_uint_lt(t.cap, big);
	ck_assert_uint_le(t.cap, 64);
	check_table(&t);
	for (int i = 0; i < 10; i++) {
		snprintf(k, sizeof k, "g%d", i);
		ck_assert_uint_ne(find(&t, k), KVS_TABLE_NONE);
	}
	/* Small tables and tables more than 1/8 full are left alone. */
	size_t small = t.cap;
	kvs_table_maybe_shrink(&t);
	ck_assert_uint_eq(t.cap, small);
	for (int i = 0; i < 10; i++) {
		snprintf(k, sizeof k, "g%d", i);
		remove_key(&t, k);
	}
	kvs_table_maybe_shrink(&t);
	ck_assert_uint_eq(t.cap, 0);
	ck_assert_ptr_null(t.mem);
	insert(&t, "again");
	ck_assert_uint_ne(find(&t, "again"), KVS_TABLE_NONE);
	kvs_table_destroy(&t);
}
END_TEST

START_TEST(shrink_keeps_one_eighth_rule)
{
	struct kvs_table t;
	char k[32];
	kvs_table_init(&t, SEED);
	for (int i = 0; i < 1000; i++) {
		snprintf(k, sizeof k, "s%d", i);
		insert(&t, k);
	}
	size_t cap = t.cap;
	/* Leave just over 1/8 of the capacity: no shrink. */
	int keep = (int)(cap / 8) + 1;
	for (int i = keep; i < 1000; i++) {
		snprintf(k, sizeof k, "s%d", i);
		remove_key(&t, k);
	}
	kvs_table_maybe_shrink(&t);
	ck_assert_uint_eq(t.cap, cap);
	snprintf(k, sizeof k, "s%d", keep - 1);
	remove_key(&t, k);
	snprintf(k, sizeof k, "s%d", keep - 2);
	remove_key(&t, k);
	kvs_table_maybe_shrink(&t);
	ck_assert_uint_lt(t.cap, cap);
	check_table(&t);
	kvs_table_destroy(&t);
}
END_TEST

/* n keys whose home slot is `want` in a table of capacity cap. */
static void keys_with_home(size_t cap, size_t want, int n, char out[][16], int *next)
{
	for (int found = 0; found < n; (*next)++) {
		snprintf(out[found], 16, "r%d", *next);
		if (home(hash_of(out[found]), cap) == want)
			found++;
	}
}

START_TEST(deleted_slot_reuse)
{
	struct kvs_table t;
	char k[4][16];
	int next = 0;
	kvs_table_init(&t, SEED);
	keys_with_home(8, 2, 4, k, &next);
	for (int i = 0; i < 3; i++)
		insert(&t, k[i]);
	ck_assert_uint_eq(t.cap, 8);
	ck_assert_uint_eq(find(&t, k[0]), 2);
	ck_assert_uint_eq(find(&t, k[1]), 3);
	ck_assert_uint_eq(find(&t, k[2]), 4);
	/* Inside a cluster a removal leaves a DELETED marker... */
	remove_key(&t, k[1]);
	ck_assert_uint_eq(*kvs_table_ctrl(&t, 3), CTRL_DELETED);
	ck_assert_uint_eq(t.tomb, 1);
	ck_assert_uint_eq(find(&t, k[2]), 4);          /* probes pass it */
	ck_assert_uint_eq(find(&t, k[1]), KVS_TABLE_NONE);
	/* ...which the next insert on that chain reuses. */
	ck_assert_uint_eq(insert(&t, k[3]), 3);
	ck_assert_uint_eq(t.tomb, 0);
	/* At the end of a cluster the slot goes straight back to EMPTY. */
	remove_key(&t, k[2]);
	ck_assert_uint_eq(*kvs_table_ctrl(&t, 4), CTRL_EMPTY);
	ck_assert_uint_eq(t.tomb, 0);
	check_table(&t);
	kvs_table_destroy(&t);
}
END_TEST

/* Churn through many keys with few live ones: DELETED markers are purged
 * by rehashing in place, never by growing. */
START_TEST(tombstones_do_not_grow)
{
	struct kvs_table t;
	char k[32];
	kvs_table_init(&t, SEED);
	for (int i = 0; i < 20000; i++) {
		snprintf(k, sizeof k, "c%d", i);
		insert(&t, k);
		if (i >= 3) {
			snprintf(k, sizeof k, "c%d", i - 3);
			remove_key(&t, k);
		}
	}
	ck_assert_uint_eq(t.cap, 8);
	ck_assert_uint_eq(t.used, 3);
	check_table(&t);
	kvs_table_destroy(&t);
}
END_TEST

struct visit {
	const char **keys;   /* visited keys, in order */
	size_t n, cap;
	uint64_t lo, hi;     /* every visited hash must lie in [lo, hi) (hi 0: no bound) */
};

static void visit_fn(void *arg, struct kvs_entry *e)
{
	struct visit *v = arg;
	size_t n;
	const char *k = kvs_entry_key(e, &n);
	uint64_t h = kvs_hash64(k, n, SEED);
	ck_assert_uint_ge(h, v->lo);
	if (v->hi)
		ck_assert_uint_lt(h, v->hi);
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->keys = realloc(v->keys, v->cap * sizeof *v->keys);
	}
	v->keys[v->n++] = strndup(k, n);
}

/* One scan step, checking the hash range of what it visits. */
static void scan_step(const struct kvs_table *t, uint64_t *cur, size_t count, struct visit *v)
{
	uint64_t start = *cur;
	size_t before = v->n;
	v->lo = start;
	v->hi = 0;
	kvs_table_scan(t, cur, count, visit_fn, v);
	ck_assert_uint_eq(*cur & 15, 0);
	if (*cur)
		ck_assert_uint_gt(*cur, start);
	/* Re-check the upper bound now that it is known. */
	for (size_t i = before; *cur && i < v->n; i++)
		ck_assert_uint_lt(hash_of(v->keys[i]), *cur);
}

static void visit_free(struct visit *v)
{
	for (size_t i = 0; i < v->n; i++)
		free((void *)v->keys[i]);
	free(v->keys);
}

/* Without changes, every key is visited exactly once, for any COUNT. */
START_TEST(scan_exactly_once)
{
	enum { N = 3000 };
	static const size_t counts[] = { 1, 3, 64, 100000, SIZE_MAX };
	struct kvs_table t;
	char k[32];
	kvs_table_init(&t, SEED);
	for (int i = 0; i < N; i++) {
		snprintf(k, sizeof k, "k%d", i);
		insert(&t, k);
	}
	for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
		static unsigned char seen[N];
		struct visit v = { 0 };
		uint64_t cur = 0;
		int steps = 0;
		memset(seen, 0, sizeof seen);
		do {
			/* Alternate with COUNT 1 so large counts start mid-table. */
			scan_step(&t, &cur, steps % 2 ? counts[c] : 1, &v);
			ck_assert_int_lt(++steps, 100000);
		} while (cur);
		ck_assert_msg(v.n == N, "visited %zu of %d (count %zu)", v.n, (int)N, counts[c]);
		for (size_t i = 0; i < v.n; i++) {
			int id = atoi(v.keys[i] + 1);
			ck_assert_msg(!seen[id], "%s twice (count %zu)", v.keys[i], counts[c]);
			seen[id] = 1;
		}
		visit_free(&v);
	}
	kvs_table_destroy(&t);
}
END_TEST

/* Clusters that run off the end of the table wrap to its start. */
START_TEST(scan_and_find_wraparound)
{
	struct kvs_table t;
	char k[3][16];
	int next = 0;
	kvs_table_init(&t, SEED);
	keys_with_home(8, 7, 3, k, &next);
	for (int i = 0; i < 3; i++)
		insert(&t, k[i]);
	ck_assert_uint_eq(find(&t, k[0]), 7);
	ck_assert_uint_eq(find(&t, k[1]), 0);
	ck_assert_uint_eq(find(&t, k[2]), 1);
	for (size_t count = 1; count <= 9; count++) {
		struct visit v = { 0 };
		uint64_t cur = 0;
		do
			scan_step(&t, &cur, count, &v);
		while (cur);
		ck_assert_uint_eq(v.n, 3);
		visit_free(&v);
	}
	remove_key(&t, k[0]);
	ck_assert_uint_eq(*kvs_table_ctrl(&t, 7), CTRL_DELETED);
	ck_assert_uint_eq(find(&t, k[2]), 1);
	check_table(&t);
	kvs_table_destroy(&t);
}
END_TEST

/* Keys present for the whole scan are visited at least once while other
 * keys are added (growing the table) and removed (then shrinking it). */
START_TEST(scan_across_resize)
{
	enum { KEEP = 1500 };
	static unsigned char seen[KEEP];
	struct kvs_table t;
	struct visit v = { 0 };
	char k[32];
	int added = 0, removed = 0, steps = 0;
	size_t mincap = SIZE_MAX, maxcap = 0;
	uint64_t cur = 0;
	kvs_table_init(&t, SEED);
	for (int i = 0; i < KEEP; i++) {
		snprintf(k, sizeof k, "keep%d", i);
		insert(&t, k);
	}
	do {
		scan_step(&t, &cur, 4, &v);
		/* Grow to ~20x, then remove every tmp key: down to 1/8 full. */
		if (steps < 150) {
			for (int j = 0; j < 200; j++) {
				snprintf(k, sizeof k, "tmp%d", added++);
				insert(&t, k);
			}
		}
		for (int j = 0; j < (steps < 150 ? 50 : 400) && removed < added; j++) {
			snprintf(k, sizeof k, "tmp%d", removed++);
			remove_key(&t, k);
		}
		if (steps % 40 == 39)
			kvs_table_maybe_shrink(&t);
		if (t.cap > maxcap)
			maxcap = t.cap;
		if (steps > 150 && t.cap < mincap)
			mincap = t.cap;
		ck_assert_int_lt(++steps, 200000);
	} while (cur);
	for (size_t i = 0; i < v.n; i++) {
		int id;
		if (sscanf(v.keys[i], "keep%d", &id) == 1)
			seen[id] = 1;
	}
	for (int i = 0; i < KEEP; i++)
		ck_assert_msg(seen[i], "keep%d missed", i);
	ck_assert_uint_gt(maxcap, 4 * KEEP);   /* it grew... */
	ck_assert_uint_lt(mincap, maxcap);     /* ...and shrank during the scan */
	visit_free(&v);
	kvs_table_destroy(&t);
}
END_TEST

START_TEST(random_picks_live_slots)
{
	struct kvs_table t;
	char k[32];
	int hits[20] = { 0 };
	kvs_table_init(&t, SEED);
	for (int i = 0; i < 20; i++) {
		snprintf(k, sizeof k, "p%d", i);
		insert(&t, k);
	}
	for (int d = 0; d < 5000; d++) {
		size_t i = kvs_table_random(&t, rnd());
		ck_assert_uint_lt(i, kvs_table_slots(&t));
		ck_assert(!(*kvs_table_ctrl(&t, i) & 0x80));
		size_t n;
		const char *kp = kvs_entry_key(kvs_table_at(&t, i), &n);
		hits[atoi(kp + 1)]++;
	}
	for (int i = 0; i < 20; i++)
		ck_assert_msg(hits[i] > 0, "p%d never picked", i);
	for (int i = 1; i < 20; i++) {
		snprintf(k, sizeof k, "p%d", i);
		remove_key(&t, k);
	}
	for (int d = 0; d < 100; d++)
		ck_assert(key_is(kvs_table_at(&t, kvs_table_random(&t, rnd())), "p0"));
	kvs_table_destroy(&t);
}
END_TEST

START_TEST(next_walks_in_slot_order)
{
	struct kvs_table t;
	char k[32];
	kvs_table_init(&t, SEED);
	for (int i = 0; i < 100; i++) {
		snprintf(k, sizeof k, "w%d", i);
		insert(&t, k);
	}
	for (int i = 0; i < 100; i += 3) {
		snprintf(k, sizeof k, "w%d", i);
		remove_key(&t, k);
	}
	size_t n = 0, prev = 0;
	for (size_t i = kvs_table_next(&t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(&t, i + 1)) {
		if (n)
			ck_assert_uint_gt(i, prev);
		ck_assert(!(*kvs_table_ctrl(&t, i) & 0x80));
		prev = i;
		n++;
	}
	ck_assert_uint_eq(n, t.used);
	ck_assert_uint_eq(n, 66);
	kvs_table_destroy(&t);
}
END_TEST

START_TEST(move_detaches)
{
	struct kvs_table t, out;
	kvs_table_init(&t, SEED);
	insert(&t, "a");
	insert(&t, "b");
	kvs_table_move(&t, &out);
	ck_assert_uint_eq(t.used, 0);
	ck_assert_uint_eq(t.cap, 0);
	ck_assert_uint_eq(find(&t, "a"), KVS_TABLE_NONE);
	ck_assert_uint_eq(out.used, 2);
	ck_assert_uint_ne(find(&out, "b"), KVS_TABLE_NONE);
	insert(&t, "a");
	kvs_table_destroy(&t);
	kvs_table_destroy(&out);
}
END_TEST

/* Growth past KVS_TABLE_INCR_MIN is incremental: no insert moves more than
 * KVS_TABLE_STEP old slots, a resize spans many inserts, and meanwhile
 * finds, removes (in either array), replaces, walks, random picks and
 * scans see every key exactly where the model says. */
START_TEST(incremental_resize)
{
	enum { U = 200000 };
	static unsigned char present[U];
	struct kvs_table t;
	char k[32];
	size_t count = 0, resizes = 0, longest = 0, run = 0, checked_mid = 0;
	kvs_table_init(&t, SEED);
	for (int op = 0; op < 600000; op++) {
		int id = (int)(rnd() % U);
		snprintf(k, sizeof k, "inc:%d", id);
		size_t pos = t.old ? t.old->pos : 0;
		struct kvs_table_old *was = t.old;
		unsigned r = (unsigned)(rnd() % 100);
		if (r < (op < 350000 ? 75u : 30u)) {
			if (!present[id]) {
				size_t i = insert(&t, k);
				ck_assert(key_is(kvs_table_at(&t, i), k));
				ck_assert_uint_lt(i, t.cap);   /* new keys go to the new array */
				present[id] = 1;
				count++;
				if (was && t.old == was)
					ck_assert_uint_le(t.old->pos - pos, KVS_TABLE_STEP);
			}
		} else if (r < 90) {
			model_remove(&t, k, &present[id], &count);
		} else {
			size_t i = find(&t, k);
			ck_assert_int_eq(i != KVS_TABLE_NONE, present[id]);
			if (i != KVS_TABLE_NONE) {
				/* Replace in place, in whichever array it is. */
				struct kvs_entry *e = kvs_table_at(&t, i), *n2 = kvs_entry_new_str(k, strlen(k), "w", 1, 0);
				kvs_table_replace(&t, i, n2);
				kvs_entry_free(e);
				ck_assert_uint_eq(find(&t, k), i);
			}
		}
		ck_assert_uint_eq(t.used, count);
		if (t.old && !was)
			resizes++;
		run = t.old ? run + 1 : 0;
		if (run > longest)
			longest = run;
		if (t.old && op % 211 == 0 && checked_mid < 12) {
			check_table(&t);   /* halfway through a resize */
			size_t walked = 0;
			for (size_t i = kvs_table_next(&t, 0); i != KVS_TABLE_NONE; i = kvs_table_next(&t, i + 1))
				walked++;
			ck_assert_uint_eq(walked, t.used);
			for (int d = 0; d < 50; d++)
				ck_assert(kvs_table_live(&t, kvs_table_random(&t, rnd())));
			checked_mid++;
		}
		if (op % 50000 == 49999) {
			kvs_table_maybe_shrink(&t);
			check_table(&t);
		}
	}
	ck_assert_uint_ge(resizes, 2);
	ck_assert_uint_ge(checked_mid, 6);
	ck_assert_uint_ge(longest, KVS_TABLE_INCR_MIN / KVS_TABLE_STEP / 2);   /* spread over many operations */
	check_presence(&t, "inc:", present, U);
	kvs_table_destroy(&t);
}
END_TEST

/* A resize in progress: kvs_table_step finishes it, the memory of the
 * old array is counted until then, kvs_table_move takes it along, and a
 * scan over it returns every key once. */
START_TEST(resize_step_move_scan)
{
	struct kvs_table t, out;
	struct visit v = { 0 };
	char k[32];
	int n = 0;
	kvs_table_init(&t, SEED);
	while (!t.old) {
		snprintf(k, sizeof k, "m%d", n++);
		insert(&t, k);
	}
	ck_assert_uint_ge(t.old->cap, KVS_TABLE_INCR_MIN);
	size_t both = kvs_table_mem(&t);
	/* A scan of the whole table in small steps while inserts go on. */
	uint64_t cur = 0;
	int added = n, steps = 0;
	do {
		scan_step(&t, &cur, 7, &v);
		if (steps++ % 4 == 0 && t.old) {
			snprintf(k, sizeof k, "m%d", added++);
			insert(&t, k);
		}
	} while (cur);
	static unsigned char seen[200000];
	for (size_t i = 0; i < v.n; i++) {
		int id;
		ck_assert_int_eq(sscanf(v.keys[i], "m%d", &id), 1);
		ck_assert_msg(id >= n || !seen[id], "m%d visited twice", id);
		seen[id] = 1;
	}
	for (int i = 0; i < n; i++)
		ck_assert_msg(seen[i], "m%d missed", i);
	visit_free(&v);
	if (!t.old) {   /* the inserts finished it: start another */
		while (!t.old) {
			snprintf(k, sizeof k, "m%d", added++);
			insert(&t, k);
		}
		both = kvs_table_mem(&t);
	}
	kvs_table_move(&t, &out);
	ck_assert_ptr_null(t.old);
	ck_assert_ptr_nonnull(out.old);
	ck_assert_uint_eq(kvs_table_mem(&out), both);
	int rounds = 0;
	while (kvs_table_step(&out, 8))
		rounds++;
	ck_assert_int_gt(rounds, 0);
	ck_assert_ptr_null(out.old);
	ck_assert_uint_lt(kvs_table_mem(&out), both);
	check_table(&out);
	ck_assert_uint_eq(out.used, (size_t)added);
	kvs_table_destroy(&out);
	kvs_table_destroy(&t);
}
END_TEST

static Suite *table_suite(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("table");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, empty_table);
	tcase_add_test(tc, incremental_resize);
	tcase_add_test(tc, resize_step_move_scan);
	tcase_add_test(tc, randomized_against_model);
	tcase_add_test(tc, growth_and_shrink);
	tcase_add_test(tc, shrink_keeps_one_eighth_rule);
	tcase_add_test(tc, deleted_slot_reuse);
	tcase_add_test(tc, tombstones_do_not_grow);
	tcase_add_test(tc, scan_exactly_once);
	tcase_add_test(tc, scan_and_find_wraparound);
	tcase_add_test(tc, scan_across_resize);
	tcase_add_test(tc, random_picks_live_slots);
	tcase_add_test(tc, next_walks_in_slot_order);
	tcase_add_test(tc, move_detaches);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(table_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
