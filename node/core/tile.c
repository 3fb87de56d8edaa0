/*
 * tile — tlog-tiles names. See tile.h.
 */
#include "tile.h"

#include <stdio.h>
#include <string.h>

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A decimal without leading zero (a lone "0" is fine) of at most max_digits. */
static bool
small_decimal(const char **p, unsigned max_digits, unsigned *out)
{
	const char *s = *p;
	unsigned v = 0, n = 0;
	if (!digit(*s) || (s[0] == '0' && digit(s[1])))
		return false;
	for (; digit(*s); s++, n++) {
		if (n == max_digits)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*p = s, *out = v;
	return true;
}

/* "x001/x234/067": groups of three digits, "x" and "/" between them; the index must fit. */
static bool
index_groups(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	for (;;) {
		bool more = *s == 'x';
		if (more)
			s++;
		if (!digit(s[0]) || !digit(s[1]) || !digit(s[2]))
			return false;
		uint64_t g = (uint64_t)((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
		if (v > (UINT64_MAX - g) / 1000)
			return false; /* past UINT64_MAX */
		v = v * 1000 + g;
		s += 3;
		if (!more)
			break;
		if (*s++ != '/')
			return false;
	}
	*p = s, *out = v;
	return true;
}

bool
tile_parse(const char *path, struct tile *t)
{
	char again[TILE_PATH_MAX];
	const char *s = path;
	unsigned u;
	struct tile r = { 0, 0, TILE_WIDTH };

	if (!strncmp(s, "entries/", 8)) {
		r.level = TILE_ENTRIES;
		s += 8;
	} else {
		if (!small_decimal(&s, 2, &u) || u > TILE_MAX_LEVEL || *s++ != '/')
			return false;
		r.level = (int)u;
	}
	if (!index_groups(&s, &r.index))
		return false;
	if (!strncmp(s, ".p/", 3)) {
		s += 3;
		if (!small_decimal(&s, 3, &u) || u == 0 || u >= TILE_WIDTH)
			return false;
		r.width = u;
	}
	if (*s)
		return false;
	/* Canonical only: the index groups as tile_format writes them ("x000/005" is not). */
	if (tile_format(&r, again, sizeof(again)) < 0 || strcmp(again, path) != 0)
		return false;
	*t = r;
	return true;
}

int
tile_format(const struct tile *t, char *out, size_t cap)
{
	char groups[8][4];
	size_t ng = 0, o;
	uint64_t v = t->index;
	int n;

	if (t->level < TILE_ENTRIES || t->level > TILE_MAX_LEVEL || t->width < 1 ||
	    t->width > TILE_WIDTH)
		return -1;
	do {
		snprintf(groups[ng++], sizeof(groups[0]), "%03u", (unsigned)(v % 1000));
		v /= 1000;
	} while (v);
	n = t->level == TILE_ENTRIES ? snprintf(out, cap, "entries/")
	                             : snprintf(out, cap, "%d/", t->level);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	o = (size_t)n;
	while (ng--) {
		n = snprintf(out + o, cap - o, "%s%s%s", ng ? "x" : "", groups[ng], ng ? "/" : "");
		if (n < 0 || (size_t)n >= cap - o)
			return -1;
		o += (size_t)n;
	}
	if (t->width < TILE_WIDTH) {
		n = snprintf(out + o, cap - o, ".p/%u", t->width);
		if (n < 0 || (size_t)n >= cap - o)
			return -1;
		o += (size_t)n;
	}
	return (int)o;
}
