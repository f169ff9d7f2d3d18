#include "config.h"
#include <ctype.h>
#include "util.h"

/* Redis's stringmatchlen semantics, iterative for '*' (no exponential
 * blow-up: a '*' only ever resumes from the last star). */
static int match_class(const char **pp, const char *pend, char c, int nocase)
{
	const char *p = *pp + 1; /* after '[' */
	int neg = 0, hit = 0;
	if (p < pend && *p == '^') {
		neg = 1;
		p++;
	}
	for (; p < pend && *p != ']'; p++) {
		if (*p == '\\' && p + 1 < pend) {
			p++;
			if (*p == c || (nocase && tolower((unsigned char)*p) == tolower((unsigned char)c)))
				hit = 1;
		} else if (p + 2 < pend && p[1] == '-' && p[2] != ']') {
			int lo = (unsigned char)p[0], hi = (unsigned char)p[2], x = (unsigned char)c;
			if (lo > hi) { int t = lo; lo = hi; hi = t; }
			if (nocase) {
				lo = tolower(lo); hi = tolower(hi); x = tolower(x);
			}
			if (x >= lo && x <= hi)
				hit = 1;
			p += 2;
		} else if (*p == c || (nocase && tolower((unsigned char)*p) == tolower((unsigned char)c))) {
			hit = 1;
		}
	}
	/* An unterminated class matches up to the end of the pattern, as in Redis. */
	*pp = p < pend ? p : pend - 1;
	return neg ? !hit : hit;
}

int kvs_glob(const char *pat, size_t plen, const char *s, size_t slen, int nocase)
{
	const char *p = pat, *pend = pat + plen, *str = s, *send = s + slen;
	const char *star_p = NULL, *star_s = NULL;

	while (str < send) {
		if (p < pend) {
			switch (*p) {
			case '*':
				while (p + 1 < pend && p[1] == '*')
					p++;
				star_p = p++;
				star_s = str;
				continue;
			case '?':
				p++;
				str++;
				continue;
			case '[': {
				const char *q = p;
				if (match_class(&q, pend, *str, nocase)) {
					p = q + 1;
					str++;
					continue;
				}
				break;
			}
			case '\\':
				if (p + 1 < pend) {
					if (p[1] == *str) {
						p += 2;
						str++;
						continue;
					}
					break;
				}
				/* a trailing backslash is literal */
				/* fall through */
			default:
				if (*p == *str || (nocase && tolower((unsigned char)*p) == tolower((unsigned char)*str))) {
					p++;
					str++;
					continue;
				}
				break;
			}
		}
		if (star_p) {
			p = star_p + 1;
			str = ++star_s;
			continue;
		}
		return 0;
	}
	while (p < pend && *p == '*')
		p++;
	return p == pend;
}
