/*
 * testenv.h - a deterministic struct kvs_env for unit tests: a clock the
 * test moves by hand and a seeded xorshift generator.
 */
#ifndef KVS_TESTENV_H
#define KVS_TESTENV_H

#include <stdint.h>
#include "env.h"

struct test_env {
	struct kvs_env env;
	uint64_t now_ms;      /* set/advance it from the test */
	uint64_t rng;
};

static uint64_t test_now_ms(void *ctx) { return ((struct test_env *)ctx)->now_ms; }
static uint64_t test_now_us(void *ctx) { return ((struct test_env *)ctx)->now_ms * 1000; }
static uint64_t test_random(void *ctx)
{
	struct test_env *t = ctx;
	uint64_t x = t->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return t->rng = x;
}

/* Start at 2026-01-01T00:00:00Z with the given seed (non-zero). */
static inline void test_env_init(struct test_env *t, uint64_t seed)
{
	t->env.ctx = t;
	t->env.now_ms = test_now_ms;
	t->env.now_us = test_now_us;
	t->env.random = test_random;
	t->env.log = NULL;
	t->now_ms = 1767225600000ull;
	t->rng = seed ? seed : 88172645463325252ull;
}

#endif
