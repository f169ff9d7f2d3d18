/*
 * t_bitmap.c - the bit commands on strings (SETBIT GETBIT BITCOUNT BITPOS
 * BITOP BITFIELD BITFIELD_RO) and LCS.
 *
 * Semantics, argument order and error texts follow Redis 7.0 (bitops.c
 * and t_string.c there). Bit i of a string is bit 7 - (i & 7) of byte
 * i >> 3: the most significant bit of byte 0 is bit 0.
 *
 * Speed: counting and searching work on 8-byte words read with memcpy
 * (no alignment assumptions) and __builtin_popcountll / __builtin_clzll on
 * their big-endian value, so a 512 MB bitmap is scanned at memory speed.
 *
 * Writes change the string inside its entry (entry.h) and report through
 * ks_written; a string that must grow is resized first (which may move the
 * entry: the table slot is repointed by ks_written before anyone else can
 * look, since the shard lock is held). kvs_call holds the locks of every
 * key argument while a handler runs.
 */
#include "config.h"
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "commands.h"
#include "entry.h"
#include "util.h"

#define ERR_OFFSET "ERR bit offset is not an integer or out of range"
#define ERR_BIT    "ERR bit is not an integer or out of range"
#define ERR_BFTYPE "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."

/* ---- lookups ----------------------------------------------------------- */



/* ---- bit primitives ---------------------------------------------------- */

/* The 8 bytes at p as a big-endian number: bit 0 of the string is the
 * most significant bit, so clz finds the first set bit. */
static inline uint64_t load_be64(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void store_be64(unsigned char *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

/* Leading zeros of a non-zero byte. */
static inline unsigned clz8(unsigned char b) { return (unsigned)__builtin_clz(b) - 24; }

/* Set bits in p[0..n). */
static uint64_t popcount(const unsigned char *p, size_t n)
{
	uint64_t cnt = 0, w[4];
	size_t i = 0;
	/* Four independent words per round keep the popcount units busy. */
	for (; i + 32 <= n; i += 32) {
		memcpy(w, p + i, 32);
		cnt += (uint64_t)__builtin_popcountll(w[0]) + (uint64_t)__builtin_popcountll(w[1]) +
		       (uint64_t)__builtin_popcountll(w[2]) + (uint64_t)__builtin_popcountll(w[3]);
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(w, p + i, 8);
		cnt += (uint64_t)__builtin_popcountll(w[0]);
	}
	for (; i < n; i++)
		cnt += (uint64_t)__builtin_popcount(p[i]);
	return cnt;
}

/* Set bits among bits s..e (inclusive, s <= e) of p. */
static uint64_t count_bits(const unsigned char *p, uint64_t s, uint64_t e)
{
	uint64_t sb = s >> 3, eb = e >> 3;
	uint64_t cnt = popcount(p + sb, (size_t)(eb - sb + 1));
	/* Take back the bits of the edge bytes that lie outside the range. */
	cnt -= (uint64_t)__builtin_popcount(p[sb] & (~(0xffu >> (s & 7)) & 0xffu));
	cnt -= (uint64_t)__builtin_popcount(p[eb] & (0xffu >> ((e & 7) + 1)));
	return cnt;
}

/* Index of the first bit equal to `bit` among bits s..e (s <= e) of p, or
 * -1. Bits are XORed with `flip` so the search is always for a 1. */
static long long find_bit(const unsigned char *p, uint64_t s, uint64_t e, int bit)
{
	uint64_t sb = s >> 3, eb = e >> 3, i;
	unsigned flip = bit ? 0 : 0xffu;
	uint64_t wflip = bit ? 0 : ~(uint64_t)0;
	unsigned b = ((p[sb] ^ flip) & (0xffu >> (s & 7)));
	if (sb == eb)
		b &= (0xffu << (7 - (e & 7))) & 0xffu;
	if (b)
		return (long long)(sb * 8 + clz8((unsigned char)b));
	if (sb == eb)
		return -1;
	for (i = sb + 1; i + 8 <= eb; i += 8) {
		uint64_t w = load_be64(p + i) ^ wflip;
		if (w)
			return (long long)(i * 8 + (uint64_t)__builtin_clzll(w));
	}
	for (; i < eb; i++) {
		b = (p[i] ^ flip) & 0xffu;
		if (b)
			return (long long)(i * 8 + clz8((unsigned char)b));
	}
	b = (p[eb] ^ flip) & (0xffu << (7 - (e & 7))) & 0xffu;
	if (b)
		return (long long)(eb * 8 + clz8((unsigned char)b));
	return -1;
}

/* ---- argument parsing --------------------------------------------------- */

/* A bit offset (Redis's getBitOffsetFromArgument): a non-negative integer
 * whose byte lies below proto-max-bulk-len. With bits > 0 (BITFIELD) the
 * form "#N" means N * bits. Replies and returns -1 on error. */
static int arg_bit_offset(struct kvs_client *c, int i, int bits, uint64_t *off)
{
	const struct resp_arg *a = &c->argv[i];
	int hash = bits > 0 && a->len > 1 && a->p[0] == '#';
	long long v;
	if (!kvs_str2ll(a->p + hash, a->len - (size_t)hash, &v) || v < 0)
		goto bad;
	if (hash) {
		if (v > LLONG_MAX / bits)
			goto bad;
		v *= bits;
	}
	if ((v >> 3) >= c->eng->proto_max_bulk_len)
		goto bad;
	*off = (uint64_t)v;
	return 0;
bad:
	reply_error(c, ERR_OFFSET);
	return -1;
}

/* The unit word of BITCOUNT / BITPOS: 1 for BIT, 0 for BYTE, -1 (syntax
 * error replied) otherwise. */
static int arg_unit(struct kvs_client *c, int i)
{
	if (arg_is(c, i, "bit"))
		return 1;
	if (arg_is(c, i, "byte"))
		return 0;
	reply_syntax(c);
	return -1;
}

/* Redis's range rules on a string of totlen units: negative indexes count
 * from the end, then both ends are clamped. Returns 0 and the inclusive
 * bit range [*s, *e] of the string, or -1 if the range is empty. */
static int bit_range(long long start, long long end, long long totlen, int isbit,
		     uint64_t *s, uint64_t *e)
{
	if (start < 0)
		start += totlen;
	if (end < 0)
		end += totlen;
	if (start < 0)
		start = 0;
	if (end < 0)
		end = 0;
	if (end >= totlen)
		end = totlen - 1;
	if (start > end)
		return -1;
	*s = isbit ? (uint64_t)start : (uint64_t)start * 8;
	*e = isbit ? (uint64_t)end : (uint64_t)end * 8 + 7;
	return 0;
}

/* ---- SETBIT / GETBIT ---------------------------------------------------- */

/* Make sure key (entry e at slot, or NULL when absent) is a string of at
 * least `bytes` bytes, zero-padded. Returns the entry to write into; *grew
 * tells whether its size (or existence) changed. A new entry is not in
 * the table yet: the caller stores it with ks_put. */
static struct kvs_entry *grow_str(const struct kvs_key *k, struct kvs_entry *e, size_t bytes, int *grew)
{
	size_t len;
	*grew = 0;
	if (!e) {
		*grew = 1;
		e = kvs_entry_new_str_uninit(k->p, k->len, bytes, 0);
		memset((char *)kvs_entry_str(e, &len), 0, bytes);
		return e;
	}
	kvs_entry_str(e, &len);
	if (len < bytes) {
		*grew = 1;
		e = kvs_entry_resize_str(e, bytes);
	}
	return e;
}

/* Publish a write made by grow_str + in-place changes. */
static void commit_str(struct kvs_client *c, const struct kvs_key *k, size_t slot, int existed,
		       struct kvs_entry *e)
{
	if (existed)
		ks_written(&c->eng->ks, c->db, k, slot, e, c->now);
	else
		ks_put(&c->eng->ks, c->db, k, KVS_TABLE_NONE, e, c->now);
}

static void cmd_setbit(struct kvs_client *c)
{
	uint64_t off;
	long long on;
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE, len;
	int grew;
	if (arg_bit_offset(c, 2, 0, &off) < 0 || arg_ll(c, 3, &on, ERR_BIT) < 0)
		return;
	if (on & ~1LL) {
		reply_error(c, ERR_BIT);
		return;
	}
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (e && e->type != KVS_T_STRING) {
		reply_wrongtype(c);
		return;
	}
	int existed = e != NULL;
	e = grow_str(&k, e, (size_t)(off >> 3) + 1, &grew);
	unsigned char *p = (unsigned char *)kvs_entry_str(e, &len);
	unsigned mask = 0x80u >> (off & 7);
	int old = (p[off >> 3] & mask) != 0;
	/* Like Redis 7, a SETBIT that changes nothing is not a write. */
	if (grew || old != on) {
		if (on)
			p[off >> 3] = (unsigned char)(p[off >> 3] | mask);
		else
			p[off >> 3] = (unsigned char)(p[off >> 3] & ~mask);
		commit_str(c, &k, slot, existed, e);
	}
	reply_int(c, old);
}

static void cmd_getbit(struct kvs_client *c)
{
	uint64_t off;
	struct kvs_key k;
	size_t len;
	if (arg_bit_offset(c, 2, 0, &off) < 0)
		return;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		reply_int(c, 0);
		return;
	}
	if (e->type != KVS_T_STRING) {
		reply_wrongtype(c);
		return;
	}
	const unsigned char *p = (const unsigned char *)kvs_entry_str(e, &len);
	reply_int(c, (off >> 3) < len && (p[off >> 3] & (0x80u >> (off & 7))));
}

/* ---- BITCOUNT / BITPOS -------------------------------------------------- */

/* Look up argv[1] as a string for reading: NULL with 0 / `missing` replied
 * when absent (Redis answers before looking at the other arguments), NULL
 * with WRONGTYPE replied for another type. */
static const unsigned char *read_str(struct kvs_client *c, long long missing, size_t *len)
{
	struct kvs_key k;
	arg_key(c, 1, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	if (!e) {
		reply_int(c, missing);
		return NULL;
	}
	if (e->type != KVS_T_STRING) {
		reply_wrongtype(c);
		return NULL;
	}
	return (const unsigned char *)kvs_entry_str(e, len);
}

static void cmd_bitcount(struct kvs_client *c)
{
	long long start, end, totlen;
	uint64_t s, e;
	size_t len;
	int isbit = 0;
	const unsigned char *p = read_str(c, 0, &len);
	if (!p)
		return;
	totlen = (long long)len;
	if (c->argc == 2) {
		start = 0;
		end = totlen - 1;
	} else if (c->argc == 4 || c->argc == 5) {
		if (arg_ll(c, 2, &start, NULL) < 0 || arg_ll(c, 3, &end, NULL) < 0)
			return;
		/* Redis answers 0 here before it looks at the unit word. */
		if (start < 0 && end < 0 && start > end) {
			reply_int(c, 0);
			return;
		}
		if (c->argc == 5 && (isbit = arg_unit(c, 4)) < 0)
			return;
		if (isbit)
			totlen *= 8;
	} else {
		reply_syntax(c);
		return;
	}
	if (bit_range(start, end, totlen, isbit, &s, &e) < 0)
		reply_int(c, 0);
	else
		reply_int(c, (long long)count_bits(p, s, e));
}

static void cmd_bitpos(struct kvs_client *c)
{
	long long bit, start = 0, end = 0, totlen;
	uint64_t s, e;
	size_t len;
	int isbit = 0, end_given = 0;
	if (arg_ll(c, 2, &bit, NULL) < 0)
		return;
	if (bit != 0 && bit != 1) {
		reply_error(c, "ERR The bit argument must be 1 or 0.");
		return;
	}
	/* A missing key is an infinite run of zeros. */
	const unsigned char *p = read_str(c, bit ? -1 : 0, &len);
	if (!p)
		return;
	totlen = (long long)len;
	if (c->argc > 6) {
		reply_syntax(c);
		return;
	}
	if (c->argc >= 4) {
		/* Redis's order: start, the unit word, then end. */
		if (arg_ll(c, 3, &start, NULL) < 0)
			return;
		if (c->argc == 6 && (isbit = arg_unit(c, 5)) < 0)
			return;
		if (c->argc >= 5) {
			if (arg_ll(c, 4, &end, NULL) < 0)
				return;
			end_given = 1;
		}
		if (isbit)
			totlen *= 8;
	}
	if (!end_given)
		end = totlen - 1;
	if (bit_range(start, end, totlen, isbit, &s, &e) < 0) {
		reply_int(c, -1);
		return;
	}
	long long pos = find_bit(p, s, e, (int)bit);
	/* No clear bit in range: without an explicit end the string counts as
	 * zero-padded on the right, so the answer is the first bit past it. */
	if (pos < 0 && bit == 0 && !end_given)
		pos = (long long)e + 1;
	reply_int(c, pos);
}

/* ---- BITOP -------------------------------------------------------------- */

enum bitop { OP_AND, OP_OR, OP_XOR, OP_NOT };

/* dst[0..n) op= src[0..n), eight bytes at a time. */
static void bitop_apply(enum bitop op, unsigned char *dst, const unsigned char *src, size_t n)
{
	size_t i = 0;
	uint64_t a, b;
	for (; i + 8 <= n; i += 8) {
		memcpy(&a, dst + i, 8);
		memcpy(&b, src + i, 8);
		a = op == OP_AND ? a & b : op == OP_OR ? a | b : a ^ b;
		memcpy(dst + i, &a, 8);
	}
	for (; i < n; i++)
		dst[i] = (unsigned char)(op == OP_AND ? dst[i] & src[i] : op == OP_OR ? dst[i] | src[i]
										  : dst[i] ^ src[i]);
}

static void bitop_not(unsigned char *dst, const unsigned char *src, size_t n)
{
	size_t i = 0;
	uint64_t a;
	for (; i + 8 <= n; i += 8) {
		memcpy(&a, src + i, 8);
		a = ~a;
		memcpy(dst + i, &a, 8);
	}
	for (; i < n; i++)
		dst[i] = (unsigned char)~src[i];
}

struct bitop_src {
	const unsigned char *p;   /* NULL for a missing key */
	size_t len;
};

/* The result of op over src[0..n) into out (maxlen bytes). A shorter or
 * missing source counts as zero bytes. */
static void bitop_compute(enum bitop op, const struct bitop_src *src, int n, unsigned char *out,
			  size_t maxlen)
{
	if (op == OP_NOT) {
		bitop_not(out, src[0].p, maxlen);
		return;
	}
	if (src[0].len)
		memcpy(out, src[0].p, src[0].len);
	memset(out + src[0].len, 0, maxlen - src[0].len);
	for (int j = 1; j < n; j++) {
		if (src[j].len)
			bitop_apply(op, out, src[j].p, src[j].len);
		if (op == OP_AND && src[j].len < maxlen)
			memset(out + src[j].len, 0, maxlen - src[j].len);
	}
}

/* Store BITOP's result (a new entry, or NULL when it is empty) under
 * argv[2]; an empty result deletes the key, as Redis does. */
static void bitop_store(struct kvs_client *c, struct kvs_entry *res)
{
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE;
	arg_key(c, 2, &k);
	struct kvs_entry *old = kvs_lookup_write(c, &k, &slot);
	if (res)
		ks_put(&c->eng->ks, c->db, &k, old ? slot : KVS_TABLE_NONE, res, c->now);
	else if (old)
		ks_delete_at(&c->eng->ks, c->db, &k, slot, KVS_CHG_DELETE, c->now);
}

static void cmd_bitop(struct kvs_client *c)
{
	static const char *const names[] = { "and", "or", "xor", "not" };
	int op = -1, n = c->argc - 3;
	size_t maxlen = 0, len;
	struct bitop_src stack[16], *src = stack;
	struct kvs_entry *res = NULL;
	for (int i = 0; i < 4; i++)
		if (arg_is(c, 1, names[i]))
			op = i;
	if (op < 0) {
		reply_syntax(c);
		return;
	}
	if (op == OP_NOT && n != 1) {
		reply_error(c, "ERR BITOP NOT must be called with a single source key.");
		return;
	}
	if (n > 16)
		src = kvs_malloc((size_t)n * sizeof *src);
	for (int j = 0; j < n; j++) {
		struct kvs_key k;
		arg_key(c, j + 3, &k);
		struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
		src[j].p = NULL;
		src[j].len = 0;
		if (e && e->type != KVS_T_STRING) {
			reply_wrongtype(c);
			goto done;
		}
		if (e) {
			src[j].p = (const unsigned char *)kvs_entry_str(e, &src[j].len);
			if (src[j].len > maxlen)
				maxlen = src[j].len;
		}
	}
	/* The sources stay valid until bitop_store replaces the destination,
	 * which may be one of them: compute into a new entry first. */
	if (maxlen) {
		res = kvs_entry_new_str_uninit(c->argv[2].p, c->argv[2].len, maxlen, 0);
		bitop_compute((enum bitop)op, src, n, (unsigned char *)kvs_entry_str(res, &len), maxlen);
	}
	bitop_store(c, res);
	reply_int(c, (long long)maxlen);
done:
	if (src != stack)
		free(src);
}

/* ---- BITFIELD ----------------------------------------------------------- */

enum bf_opcode { BF_GET, BF_SET, BF_INCRBY };
enum bf_overflow { BF_WRAP, BF_SAT, BF_FAIL };

struct bf_op {
	uint64_t offset;
	int64_t value;         /* SET value or INCRBY increment */
	enum bf_opcode opcode;
	enum bf_overflow ow;
	int bits;
	int sign;
};

/* The field of `bits` bits at bit offset off of p[0..len), zero-padded past
 * the end, as the low bits of the result. */
static uint64_t bf_get_raw(const unsigned char *p, size_t len, uint64_t off, int bits)
{
	unsigned char win[16] = { 0 };
	uint64_t byte = off >> 3;
	unsigned sh = (unsigned)(off & 7);
	if (byte < len)
		memcpy(win, p + byte, len - byte < 9 ? (size_t)(len - byte) : 9);
	uint64_t v = load_be64(win) << sh;
	if (sh)
		v |= (uint64_t)win[8] >> (8 - sh);
	return v >> (64 - bits);
}

/* Write the low `bits` bits of val at bit offset off; p must hold the
 * whole field (the caller grew the string). */
static void bf_set_raw(unsigned char *p, size_t len, uint64_t off, int bits, uint64_t val)
{
	unsigned char win[16] = { 0 };
	uint64_t byte = off >> 3;
	unsigned sh = (unsigned)(off & 7);
	size_t n = len - byte < 9 ? (size_t)(len - byte) : 9;
	uint64_t mask = bits == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bits) - 1) << (64 - bits);
	uint64_t v = val << (64 - bits);   /* field aligned to the top */
	memcpy(win, p + byte, n);
	uint64_t hi = load_be64(win);
	hi = (hi & ~(mask >> sh)) | ((v & mask) >> sh);
	store_be64(win, hi);
	if (sh) {
		/* The part of the field that spills into the ninth byte. */
		unsigned m8 = (unsigned)((mask << (64 - sh)) >> 56);
		unsigned v8 = (unsigned)(((v & mask) << (64 - sh)) >> 56);
		win[8] = (unsigned char)((win[8] & ~m8) | v8);
	}
	memcpy(p + byte, win, n);
}

static int64_t sign_extend(uint64_t v, int bits)
{
	if (bits < 64 && (v & ((uint64_t)1 << (bits - 1))))
		v |= ~(uint64_t)0 << bits;
	return (int64_t)v;
}

/* The new value of a signed field holding old after SET (incr ignored,
 * old = the value) or INCRBY, under overflow rule ow. Returns 0 and *out,
 * or 1 if ow is FAIL and the result does not fit. */
static int bf_signed(int64_t base, int64_t incr, int bits, enum bf_overflow ow, int64_t *out)
{
	int64_t max = bits == 64 ? INT64_MAX : (int64_t)(((uint64_t)1 << (bits - 1)) - 1);
	int64_t min = -max - 1, sum;
	int dir = 0;   /* +1 above max, -1 below min */
	if (__builtin_add_overflow(base, incr, &sum))
		dir = incr > 0 ? 1 : -1;
	else if (sum > max)
		dir = 1;
	else if (sum < min)
		dir = -1;
	if (!dir) {
		*out = sum;
		return 0;
	}
	if (ow == BF_FAIL)
		return 1;
	if (ow == BF_SAT)
		*out = dir > 0 ? max : min;
	else
		*out = sign_extend((uint64_t)base + (uint64_t)incr, bits);
	return 0;
}

/* Same for INCRBY of an unsigned field (bits <= 63) holding old. */
static int bf_unsigned_incr(uint64_t old, int64_t incr, int bits, enum bf_overflow ow, uint64_t *out)
{
	uint64_t max = ((uint64_t)1 << bits) - 1;
	int64_t sum;
	int dir = 0;
	if (__builtin_add_overflow((int64_t)old, incr, &sum))
		dir = 1;   /* old >= 0, so only upwards */
	else if (sum < 0)
		dir = -1;
	else if ((uint64_t)sum > max)
		dir = 1;
	if (!dir) {
		*out = (uint64_t)sum;
		return 0;
	}
	if (ow == BF_FAIL)
		return 1;
	if (ow == BF_SAT)
		*out = dir > 0 ? max : 0;
	else
		*out = (old + (uint64_t)incr) & max;
	return 0;
}

/* SET of an unsigned field: like Redis, the value is taken as an unsigned
 * 64-bit number, so a negative one overflows upwards (SAT gives max). */
static int bf_unsigned_set(int64_t value, int bits, enum bf_overflow ow, uint64_t *out)
{
	uint64_t max = ((uint64_t)1 << bits) - 1, v = (uint64_t)value;
	if (v <= max)
		*out = v;
	else if (ow == BF_FAIL)
		return 1;
	else
		*out = ow == BF_SAT ? max : v & max;
	return 0;
}

/* A type word: i1..i64 or u1..u63 (lower case only, as Redis). */
static int arg_bf_type(struct kvs_client *c, int i, int *sign, int *bits)
{
	const struct resp_arg *a = &c->argv[i];
	long long v;
	if (a->len < 2 || (a->p[0] != 'i' && a->p[0] != 'u') || !kvs_str2ll(a->p + 1, a->len - 1, &v) ||
	    v < 1 || v > (a->p[0] == 'i' ? 64 : 63)) {
		reply_error(c, ERR_BFTYPE);
		return -1;
	}
	*sign = a->p[0] == 'i';
	*bits = (int)v;
	return 0;
}

/* Parse BITFIELD's subcommands into ops (room for argc/3 + 1). Returns the
 * count and sets *top to the highest bit a write touches (*writes = 0 if
 * none), or -1 with the error replied. */
static int bf_parse(struct kvs_client *c, struct bf_op *ops, uint64_t *top, int *writes)
{
	enum bf_overflow ow = BF_WRAP;
	int n = 0;
	*writes = 0;
	*top = 0;
	for (int j = 2; j < c->argc; j++) {
		int left = c->argc - j - 1;
		struct bf_op *o = &ops[n];
		if (arg_is(c, j, "get") && left >= 2) {
			o->opcode = BF_GET;
		} else if (arg_is(c, j, "set") && left >= 3) {
			o->opcode = BF_SET;
		} else if (arg_is(c, j, "incrby") && left >= 3) {
			o->opcode = BF_INCRBY;
		} else if (arg_is(c, j, "overflow") && left >= 1) {
			j++;
			if (arg_is(c, j, "wrap"))
				ow = BF_WRAP;
			else if (arg_is(c, j, "sat"))
				ow = BF_SAT;
			else if (arg_is(c, j, "fail"))
				ow = BF_FAIL;
			else {
				reply_error(c, "ERR Invalid OVERFLOW type specified");
				return -1;
			}
			continue;
		} else {
			reply_syntax(c);
			return -1;
		}
		long long v = 0;
		if (arg_bf_type(c, j + 1, &o->sign, &o->bits) < 0 ||
		    arg_bit_offset(c, j + 2, o->bits, &o->offset) < 0)
			return -1;
		if (o->opcode != BF_GET) {
			*writes = 1;
			if (o->offset + (uint64_t)o->bits - 1 > *top)
				*top = o->offset + (uint64_t)o->bits - 1;
			if (arg_ll(c, j + 3, &v, NULL) < 0)
				return -1;
		}
		o->value = v;
		o->ow = ow;
		n++;
		j += o->opcode == BF_GET ? 2 : 3;
	}
	return n;
}

/* Run one SET/INCRBY on p and reply its result (nil when FAIL vetoes it).
 * Returns 1 if the stored bits changed. */
static int bf_write(struct kvs_client *c, const struct bf_op *o, unsigned char *p, size_t len)
{
	uint64_t raw = bf_get_raw(p, len, o->offset, o->bits), nraw;
	int incr = o->opcode == BF_INCRBY;
	if (o->sign) {
		int64_t old = sign_extend(raw, o->bits), nv;
		if (bf_signed(incr ? old : o->value, incr ? o->value : 0, o->bits, o->ow, &nv)) {
			reply_null(c);
			return 0;
		}
		reply_int(c, incr ? nv : old);
		nraw = (uint64_t)nv;
	} else {
		uint64_t nv;
		if (incr ? bf_unsigned_incr(raw, o->value, o->bits, o->ow, &nv)
			 : bf_unsigned_set(o->value, o->bits, o->ow, &nv)) {
			reply_null(c);
			return 0;
		}
		reply_int(c, (long long)(incr ? nv : raw));
		nraw = nv;
	}
	if (o->bits < 64)
		nraw &= ((uint64_t)1 << o->bits) - 1;
	if (nraw == raw)
		return 0;
	bf_set_raw(p, len, o->offset, o->bits, nraw);
	return 1;
}

static void bf_reply_get(struct kvs_client *c, const struct bf_op *o, const unsigned char *p, size_t len)
{
	uint64_t raw = bf_get_raw(p, len, o->offset, o->bits);
	reply_int(c, o->sign ? (long long)sign_extend(raw, o->bits) : (long long)raw);
}

static void bitfield_generic(struct kvs_client *c, int ro)
{
	struct bf_op stack[8], *ops = stack;
	struct kvs_key k;
	size_t slot = KVS_TABLE_NONE, len = 0, room = (size_t)c->argc / 3 + 1;
	uint64_t top;
	int writes, n, grew = 0, changed = 0;
	const unsigned char *rp = NULL;
	if (room > sizeof stack / sizeof *stack)
		ops = kvs_malloc(room * sizeof *ops);
	if ((n = bf_parse(c, ops, &top, &writes)) < 0)
		goto done;
	arg_key(c, 1, &k);
	if (!writes) {
		struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
		if (e && e->type != KVS_T_STRING) {
			reply_wrongtype(c);
			goto done;
		}
		if (e)
			rp = (const unsigned char *)kvs_entry_str(e, &len);
		reply_array(c, n);
		for (int i = 0; i < n; i++)
			bf_reply_get(c, &ops[i], rp, len);
		goto done;
	}
	if (ro) {
		reply_error(c, "ERR BITFIELD_RO only supports the GET subcommand");
		goto done;
	}
	struct kvs_entry *e = kvs_lookup_write(c, &k, &slot);
	if (e && e->type != KVS_T_STRING) {
		reply_wrongtype(c);
		goto done;
	}
	int existed = e != NULL;
	e = grow_str(&k, e, (size_t)(top >> 3) + 1, &grew);
	unsigned char *p = (unsigned char *)kvs_entry_str(e, &len);
	reply_array(c, n);
	for (int i = 0; i < n; i++) {
		if (ops[i].opcode == BF_GET)
			bf_reply_get(c, &ops[i], p, len);
		else
			changed |= bf_write(c, &ops[i], p, len);
	}
	/* Redis keeps the key it created or grew even if every write FAILed. */
	if (grew || changed)
		commit_str(c, &k, slot, existed, e);
done:
	if (ops != stack)
		free(ops);
}

static void cmd_bitfield(struct kvs_client *c) { bitfield_generic(c, 0); }
static void cmd_bitfield_ro(struct kvs_client *c) { bitfield_generic(c, 1); }

/* ---- LCS ---------------------------------------------------------------- */

struct lcs_opts {
	int getlen, getidx, withmatchlen;
	long long minmatchlen;
};

static int lcs_parse(struct kvs_client *c, struct lcs_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int j = 3; j < c->argc; j++) {
		if (arg_is(c, j, "idx")) {
			o->getidx = 1;
		} else if (arg_is(c, j, "len")) {
			o->getlen = 1;
		} else if (arg_is(c, j, "withmatchlen")) {
			o->withmatchlen = 1;
		} else if (arg_is(c, j, "minmatchlen") && j + 1 < c->argc) {
			if (arg_ll(c, ++j, &o->minmatchlen, NULL) < 0)
				return -1;
			if (o->minmatchlen < 0)
				o->minmatchlen = 0;
		} else {
			reply_syntax(c);
			return -1;
		}
	}
	if (o->getidx && o->getlen) {
		reply_error(c, "ERR If you want both the length and indexes, please just use IDX.");
		return -1;
	}
	return 0;
}

/* The value of argv[i] for LCS: a string, "" if missing; NULL if another
 * type. */
static const char *lcs_value(struct kvs_client *c, int i, size_t *len)
{
	struct kvs_key k;
	arg_key(c, i, &k);
	struct kvs_entry *e = kvs_lookup_read(c, &k, NULL);
	*len = 0;
	if (!e)
		return "";
	return e->type == KVS_T_STRING ? kvs_entry_str(e, len) : NULL;
}

/* One matching range of IDX, in a and b (inclusive). */
struct lcs_range {
	uint32_t a0, a1, b0, b1;
};

#define LCS_AT(t, i, j) (t)[(size_t)(i) * (blen + 1) + (j)]

/* Walk the table back from the end as Redis does (same tie-break), so the
 * string and ranges are the ones Redis reports. out gets the LCS (or NULL
 * to skip it); ranges at least minlen long are appended to *rs. */
static void lcs_walk(const uint32_t *t, const char *a, uint32_t alen, const char *b, uint32_t blen,
		     char *out, long long minlen, struct lcs_range **rs, size_t *nr, size_t *cap)
{
	uint32_t i = alen, j = blen, idx = LCS_AT(t, alen, blen);
	uint32_t as = alen, ae = 0, bs = 0, be = 0;   /* as == alen: no range open */
	while (i > 0 && j > 0) {
		int emit = 0;
		if (a[i - 1] == b[j - 1]) {
			if (out)
				out[idx - 1] = a[i - 1];
			if (as == alen) {
				as = ae = i - 1;
				bs = be = j - 1;
			} else if (as == i && bs == j) {
				as--;
				bs--;
			} else {
				emit = 1;
			}
			if (as == 0 || bs == 0)
				emit = 1;
			idx--;
			i--;
			j--;
		} else {
			if (LCS_AT(t, i - 1, j) > LCS_AT(t, i, j - 1))
				i--;
			else
				j--;
			if (as != alen)
				emit = 1;
		}
		if (emit) {
			if (rs && (long long)(ae - as + 1) >= minlen) {
				if (*nr == *cap) {
					*cap = *cap ? *cap * 2 : 16;
					*rs = kvs_realloc(*rs, *cap * sizeof **rs);
				}
				(*rs)[(*nr)++] = (struct lcs_range){ as, ae, bs, be };
			}
			as = alen;
		}
	}
}

static void lcs_reply_idx(struct kvs_client *c, const struct lcs_opts *o, const struct lcs_range *rs,
			  size_t nr, uint32_t len)
{
	reply_map(c, 2);
	reply_bulk_cstr(c, "matches");
	reply_array(c, (long long)nr);
	for (size_t r = 0; r < nr; r++) {
		reply_array(c, 2 + o->withmatchlen);
		reply_array(c, 2);
		reply_int(c, rs[r].a0);
		reply_int(c, rs[r].a1);
		reply_array(c, 2);
		reply_int(c, rs[r].b0);
		reply_int(c, rs[r].b1);
		if (o->withmatchlen)
			reply_int(c, (long long)(rs[r].a1 - rs[r].a0 + 1));
	}
	reply_bulk_cstr(c, "len");
	reply_int(c, len);
}

static void cmd_lcs(struct kvs_client *c)
{
	struct lcs_opts o;
	size_t la, lb, nr = 0, cap = 0;
	struct lcs_range *rs = NULL;
	const char *a = lcs_value(c, 1, &la), *b = lcs_value(c, 2, &lb);
	if (!a || !b) {
		reply_error(c, "ERR The specified keys must contain string values");
		return;
	}
	if (lcs_parse(c, &o) < 0)
		return;
	if (la >= UINT32_MAX - 1 || lb >= UINT32_MAX - 1) {
		reply_error(c, "ERR String too long for LCS");
		return;
	}
	uint32_t alen = (uint32_t)la, blen = (uint32_t)lb;
	unsigned long long cells = (unsigned long long)(alen + 1) * (blen + 1);
	if (cells > (unsigned long long)SIZE_MAX / sizeof(uint32_t) ||
	    cells * sizeof(uint32_t) > (unsigned long long)c->eng->proto_max_bulk_len) {
		reply_error(c, "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
		return;
	}
	/* Not kvs_malloc: a failed transient allocation is an error reply,
	 * not a reason to abort the server. */
	uint32_t *t = malloc((size_t)cells * sizeof *t);
	if (!t) {
		reply_error(c, "ERR Insufficient memory, failed allocating transient memory for LCS");
		return;
	}
	for (uint32_t j = 0; j <= blen; j++)
		LCS_AT(t, 0, j) = 0;
	for (uint32_t i = 1; i <= alen; i++) {
		uint32_t *row = &LCS_AT(t, i, 0), *up = &LCS_AT(t, i - 1, 0);
		row[0] = 0;
		for (uint32_t j = 1; j <= blen; j++)
			row[j] = a[i - 1] == b[j - 1] ? up[j - 1] + 1 : (up[j] > row[j - 1] ? up[j] : row[j - 1]);
	}
	uint32_t len = LCS_AT(t, alen, blen);
	if (o.getidx) {
		lcs_walk(t, a, alen, b, blen, NULL, o.minmatchlen, &rs, &nr, &cap);
		lcs_reply_idx(c, &o, rs, nr, len);
	} else if (o.getlen) {
		reply_int(c, len);
	} else {
		char *out = kvs_malloc(len ? len : 1);
		lcs_walk(t, a, alen, b, blen, out, 0, NULL, NULL, NULL);
		reply_bulk(c, out, len);
		free(out);
	}
	free(rs);
	free(t);
}

/* ---- the table ---------------------------------------------------------- */

#define W  KVS_CMD_WRITE
#define R  KVS_CMD_READONLY
#define M  KVS_CMD_DENYOOM
#define F  KVS_CMD_FAST
#define KEY1 .first_key = 1, .last_key = 1, .key_step = 1

static struct kvs_cmd bitmap_cmds[] = {
	{ .name = "setbit", .arity = 4, .flags = W | M, KEY1, .fn = cmd_setbit, .group = "bitmap",
	  .since = "2.2.0", .summary = "Sets or clears the bit at offset in the string value stored at key" },
	{ .name = "getbit", .arity = 3, .flags = R | F, KEY1, .fn = cmd_getbit, .group = "bitmap",
	  .since = "2.2.0", .summary = "Returns the bit value at offset in the string value stored at key" },
	{ .name = "bitcount", .arity = -2, .flags = R, KEY1, .fn = cmd_bitcount, .group = "bitmap",
	  .since = "2.6.0", .summary = "Count set bits in a string" },
	{ .name = "bitpos", .arity = -3, .flags = R, KEY1, .fn = cmd_bitpos, .group = "bitmap",
	  .since = "2.8.7", .summary = "Find first bit set or clear in a string" },
	{ .name = "bitop", .arity = -4, .flags = W | M, .first_key = 2, .last_key = -1, .key_step = 1,
	  .fn = cmd_bitop, .group = "bitmap", .since = "2.6.0",
	  .summary = "Perform bitwise operations between strings" },
	{ .name = "bitfield", .arity = -2, .flags = W | M, KEY1, .fn = cmd_bitfield, .group = "bitmap",
	  .since = "3.2.0", .summary = "Perform arbitrary bitfield integer operations on strings" },
	{ .name = "bitfield_ro", .arity = -2, .flags = R | F, KEY1, .fn = cmd_bitfield_ro,
	  .group = "bitmap", .since = "6.0.0",
	  .summary = "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD" },
	{ .name = "lcs", .arity = -3, .flags = R, .first_key = 1, .last_key = 2, .key_step = 1,
	  .fn = cmd_lcs, .group = "string", .since = "7.0.0", .summary = "Find longest common substring" },
};

void kvs_register_bitmap(void)
{
	if (kvs_cmd_register(bitmap_cmds, sizeof bitmap_cmds / sizeof *bitmap_cmds) != 0)
		abort();    /* a duplicate command name: a broken build */
}
