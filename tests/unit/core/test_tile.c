/*
 * Tests of node/core/tile.c: tlog-tiles names. format(parse(x)) == x for every name parse
 * accepts, parse(format(t)) == t for tiles across the whole index range, and every
 * non-canonical spelling refused: leading zero groups, groups of other widths, leading zeros in
 * the level or the width, an index past UINT64_MAX (seven groups of 999 and 2^64 itself).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/tile.h"

static void
roundtrip(const struct tile *t)
{
	char s[TILE_PATH_MAX];
	struct tile u;
	int n = tile_format(t, s, sizeof(s));
	if (n < 0)
		fail_msg("format of level %d index %llu width %u failed", t->level,
		         (unsigned long long)t->index, t->width);
	assert_int_equal((size_t)n, strlen(s));
	if (!tile_parse(s, &u))
		fail_msg("parse refused what format wrote: %s", s);
	assert_int_equal(u.level, t->level);
	assert_true(u.index == t->index);
	assert_int_equal(u.width, t->width);
}

static void
test_known_names(void **state)
{
	static const struct {
		const char *s;
		int level;
		uint64_t index;
		unsigned width;
	} v[] = {
		{ "0/000", 0, 0, 256 },
		{ "0/001", 0, 1, 256 },
		{ "0/999", 0, 999, 256 },
		{ "0/x001/000", 0, 1000, 256 },
		{ "0/x001/x234/067", 0, 1234067, 256 },
		{ "0/x001/x234/067.p/8", 0, 1234067, 8 },
		{ "1/000.p/1", 1, 0, 1 },
		{ "2/x010/000.p/255", 2, 10000, 255 },
		{ "63/000", 63, 0, 256 },
		{ "entries/000", TILE_ENTRIES, 0, 256 },
		{ "entries/x005/123.p/17", TILE_ENTRIES, 5123, 17 },
		{ "0/x018/x446/x744/x073/x709/x551/615", 0, UINT64_MAX, 256 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct tile t;
		char s[TILE_PATH_MAX];
		if (!tile_parse(v[i].s, &t))
			fail_msg("refused %s", v[i].s);
		assert_int_equal(t.level, v[i].level);
		assert_true(t.index == v[i].index);
		assert_int_equal(t.width, v[i].width);
		assert_int_equal(tile_format(&t, s, sizeof(s)), (int)strlen(v[i].s));
		assert_string_equal(s, v[i].s);
	}
}

static void
test_non_canonical_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"0",
		"0/",
		"0/0",
		"0/00",
		"0/0000",
		"0/x000/005",      /* a leading zero group */
		"0/x000/x001/000", /* two */
		"0/x1/000",        /* a group of one digit */
		"0/x0001/000",     /* of four */
		"0/x001/00",
		"0/001/002", /* a group without its x */
		"0/x001",    /* the last group with an x */
		"0/x001/",
		"0/X001/000",
		"00/000", /* level with a leading zero */
		"01/000",
		"64/000", /* level past 63 */
		"100/000",
		"-1/000",
		"+1/000",
		" 0/000",
		"0/000 ",
		"0/000/",
		"0/000.p/0",   /* width 0 */
		"0/000.p/256", /* a full tile has no .p */
		"0/000.p/017", /* width with a leading zero */
		"0/000.p/",
		"0/000.p",
		"0/000.q/5",
		"0/000.p/5/",
		"0/000.p/1000",
		"entries/",
		"entries/0",
		"entries/x000/001",
		"entries/000.p/00",
		"entry/000",
		"x/000",
		/* past UINT64_MAX: 2^64, and seven groups of 999 */
		"0/x018/x446/x744/x073/x709/x551/616",
		"0/x999/x999/x999/x999/x999/x999/999",
		"0/x001/x000/x000/x000/x000/x000/x000/000",
	};
	struct tile t;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tile_parse(bad[i], &t))
			fail_msg("accepted %s (level %d index %llu width %u)", bad[i], t.level,
			         (unsigned long long)t.index, t.width);
}

static void
test_roundtrip_range(void **state)
{
	struct tile t;
	(void)state;
	/* Every index to 3000 at every level and a few widths. */
	for (int level = TILE_ENTRIES; level <= TILE_MAX_LEVEL; level++)
		for (uint64_t i = 0; i <= 3000; i += level == 0 ? 1 : 97)
			for (unsigned w = 1; w <= TILE_WIDTH; w += 85) {
				t = (struct tile){ level, i, w };
				roundtrip(&t);
			}
	/* Around each power of ten and of two, up to UINT64_MAX. */
	for (uint64_t p = 1; p != 0 && p <= UINT64_MAX / 10; p *= 10)
		for (uint64_t d = 0; d < 3; d++) {
			t = (struct tile){ 0, p - 1 + d, TILE_WIDTH };
			roundtrip(&t);
		}
	for (int b = 0; b < 64; b++) {
		t = (struct tile){ TILE_ENTRIES, (uint64_t)1 << b, 3 };
		roundtrip(&t);
		t.index = ((uint64_t)1 << b) - 1;
		roundtrip(&t);
	}
	t = (struct tile){ 0, UINT64_MAX, 255 };
	roundtrip(&t);
}

/* format(parse(x)) == x over every string of up to 6 characters from the alphabet of names:
 * parse may accept only what format writes back identically. */
static void
test_parse_is_canonical(void **state)
{
	static const char alpha[] = "0159x/.p";
	char s[16], f[TILE_PATH_MAX];
	size_t na = sizeof(alpha) - 1, accepted = 0;
	struct tile t;
	(void)state;
	for (size_t len = 1; len <= 6; len++) {
		size_t total = 1;
		for (size_t k = 0; k < len; k++)
			total *= na;
		for (size_t code = 0; code < total; code++) {
			size_t c = code;
			for (size_t k = 0; k < len; k++, c /= na)
				s[k] = alpha[c % na];
			s[len] = '\0';
			if (!tile_parse(s, &t))
				continue;
			accepted++;
			assert_true(tile_format(&t, f, sizeof(f)) >= 0);
			assert_string_equal(f, s);
		}
	}
	assert_true(accepted > 0); /* "0/000", "1/159", … */
}

static void
test_format_refuses(void **state)
{
	char s[TILE_PATH_MAX];
	struct tile t = { 64, 0, 256 };
	(void)state;
	assert_int_equal(tile_format(&t, s, sizeof(s)), -1);
	t = (struct tile){ -2, 0, 256 };
	assert_int_equal(tile_format(&t, s, sizeof(s)), -1);
	t = (struct tile){ 0, 0, 0 };
	assert_int_equal(tile_format(&t, s, sizeof(s)), -1);
	t = (struct tile){ 0, 0, 257 };
	assert_int_equal(tile_format(&t, s, sizeof(s)), -1);
	t = (struct tile){ 0, UINT64_MAX, 255 };
	assert_int_equal(tile_format(&t, s, 10), -1); /* too small */
	int n = tile_format(&t, s, sizeof(s));
	assert_int_equal(n, (int)strlen(s));
	assert_string_equal(s, "0/x018/x446/x744/x073/x709/x551/615.p/255");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_names),
		cmocka_unit_test(test_non_canonical_refused),
		cmocka_unit_test(test_roundtrip_range),
		cmocka_unit_test(test_parse_is_canonical),
		cmocka_unit_test(test_format_refuses),
	};
	return cmocka_run_group_tests_name("tile", tests, NULL, NULL);
}
