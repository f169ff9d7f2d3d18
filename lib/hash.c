#include "config.h"
#include <string.h>
#include "hash.h"

/* CRC16-CCITT (XMODEM): poly 0x1021, init 0. Table generated at first use
 * would need synchronisation; a 512-byte constant table is simpler. */
static uint16_t crc16tab[256];
static int crc16_ready;

static void crc16_init(void)
{
	for (int i = 0; i < 256; i++) {
		uint16_t c = (uint16_t)(i << 8);
		for (int j = 0; j < 8; j++)
			c = (c & 0x8000) ? (uint16_t)((c << 1) ^ 0x1021) : (uint16_t)(c << 1);
		crc16tab[i] = c;
	}
	crc16_ready = 1;
}

/* Called once from kvs_keyspace_init (single-threaded), so the table is
 * built before any worker thread can hash. */
void kvs_hash_init(void);
void kvs_hash_init(void)
{
	if (!crc16_ready)
		crc16_init();
}

uint16_t kvs_crc16(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint16_t crc = 0;
	if (!crc16_ready)
		crc16_init();
	for (size_t i = 0; i < len; i++)
		crc = (uint16_t)((crc << 8) ^ crc16tab[((crc >> 8) ^ p[i]) & 0xff]);
	return crc;
}

unsigned kvs_keyslot(const char *key, size_t len)
{
	size_t s, e;
	for (s = 0; s < len; s++)
		if (key[s] == '{')
			break;
	if (s == len)
		return kvs_crc16(key, len) & (KVS_SLOTS - 1);
	for (e = s + 1; e < len; e++)
		if (key[e] == '}')
			break;
	if (e == len || e == s + 1)
		return kvs_crc16(key, len) & (KVS_SLOTS - 1);
	return kvs_crc16(key + s + 1, e - s - 1) & (KVS_SLOTS - 1);
}

/* A wyhash-style hash: 64x64->128 multiply-fold mixing, 8 bytes a step. */
static inline uint64_t mix(uint64_t a, uint64_t b)
{
#ifdef HAVE_UNSIGNED___INT128
	unsigned __int128 r = (unsigned __int128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
	uint64_t ha = a >> 32, la = (uint32_t)a, hb = b >> 32, lb = (uint32_t)b;
	uint64_t rh = ha * hb, rm0 = ha * lb, rm1 = hb * la, rl = la * lb;
	uint64_t t = rl + (rm0 << 32), c = t < rl;
	uint64_t lo = t + (rm1 << 32);
	c += lo < t;
	uint64_t hi = rh + (rm0 >> 32) + (rm1 >> 32) + c;
	return lo ^ hi;
#endif
}

static inline uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint64_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

#define P0 0xa0761d6478bd642full
#define P1 0xe7037ed1a0b428dbull
#define P2 0x8ebc6af09c88c6e3ull
#define P3 0x589965cc75374cc3ull

uint64_t kvs_hash64(const void *key, size_t len, uint64_t seed)
{
	const unsigned char *p = key;
	uint64_t a, b;
	seed ^= mix(seed ^ P0, P1);
	if (len <= 16) {
		if (len >= 4) {
			a = (rd32(p) << 32) | rd32(p + ((len >> 3) << 2));
			b = (rd32(p + len - 4) << 32) | rd32(p + len - 4 - ((len >> 3) << 2));
		} else if (len > 0) {
			a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = len;
		if (i > 48) {
			uint64_t s1 = seed, s2 = seed;
			do {
				seed = mix(rd64(p) ^ P1, rd64(p + 8) ^ seed);
				s1 = mix(rd64(p + 16) ^ P2, rd64(p + 24) ^ s1);
				s2 = mix(rd64(p + 32) ^ P3, rd64(p + 40) ^ s2);
				p += 48;
				i -= 48;
			} while (i > 48);
			seed ^= s1 ^ s2;
		}
		while (i > 16) {
			seed = mix(rd64(p) ^ P1, rd64(p + 8) ^ seed);
			i -= 16;
			p += 16;
		}
		a = rd64(p + i - 16);
		b = rd64(p + i - 8);
	}
	a ^= P1;
	b ^= seed;
	{
#ifdef HAVE_UNSIGNED___INT128
		unsigned __int128 r = (unsigned __int128)a * b;
		a = (uint64_t)r;
		b = (uint64_t)(r >> 64);
#else
		uint64_t m = mix(a, b);
		a = m;
		b = m * P2;
#endif
	}
	return mix(a ^ P0 ^ len, b ^ P1);
}
