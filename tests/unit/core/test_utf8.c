/*
 * Unit tests of node/core/utf8.c against the definition of well-formed UTF-8 (RFC 3629 §3):
 * a byte sequence is well-formed exactly when it is the shortest encoding of a Unicode scalar
 * value (U+0000..U+10FFFF without the surrogates). An encoder written here from that text is
 * the reference: every 1-, 2- and 3-byte sequence and every 4-byte sequence of each lead with
 * sampled tails is decoded and compared with it. Then utf8_valid and utf8_cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/utf8.h"

/* RFC 3629's table: the shortest encoding of cp. */
static size_t
ref_encode(uint32_t cp, uint8_t out[4])
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

static bool
scalar(uint32_t cp)
{
	return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

/* Whether s[0..n) is the encoding of one scalar value, by trying the only candidate. */
static bool
ref_well_formed(const uint8_t *s, size_t n, uint32_t *cp)
{
	static const uint8_t lead_bits[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t v = s[0] & lead_bits[n];
	uint8_t enc[4];
	for (size_t i = 1; i < n; i++)
		v = v << 6 | (s[i] & 0x3f);
	*cp = v;
	return scalar(v) && ref_encode(v, enc) == n && memcmp(enc, s, n) == 0;
}

/* Decoding s[0..n) as a whole sequence must agree with the reference. */
static void
check(const uint8_t *s, size_t n)
{
	uint32_t want, got = 0;
	bool ok = ref_well_formed(s, n, &want);
	size_t k = utf8_decode(s, n, &got);
	if (ok && (k != n || got != want))
		fail_msg("%02x %02x %02x %02x (%zu bytes): decoded %zu bytes U+%04X, want U+%04X",
		         s[0], n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n, k, got,
		         want);
	/* Not well-formed as a whole: the decoder may still take a shorter valid prefix only
	 * when that prefix is a full sequence of its own (an ASCII lead). */
	if (!ok && k == n)
		fail_msg("%02x %02x %02x %02x (%zu bytes): accepted, not well-formed", s[0],
		         n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n);
}

static void
test_every_short_sequence(void **state)
{
	(void)state;
	uint8_t s[4];
	for (unsigned a = 0; a < 256; a++) {
		s[0] = (uint8_t)a;
		check(s, 1);
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (uint8_t)b;
			if (a >= 0xc0)
				check(s, 2);
			if (a >= 0xe0 && a < 0xf0)
				for (unsigned c = 0; c < 256; c++) {
					s[2] = (uint8_t)c;
					check(s, 3);
				}
		}
	}
}

static void
test_four_byte_sequences(void **state)
{
	(void)state;
	static const uint8_t tails[] = { 0x00, 0x7f, 0x80, 0x81, 0xbf, 0xc0, 0xff };
	uint8_t s[4];
	for (unsigned a = 0xf0; a < 0x100; a++)
		for (unsigned b = 0; b < 256; b++)
			for (size_t i = 0; i < sizeof(tails); i++)
				for (size_t j = 0; j < sizeof(tails); j++) {
					s[0] = (uint8_t)a, s[1] = (uint8_t)b;
					s[2] = tails[i], s[3] = tails[j];
					check(s, 4);
				}
}

static void
test_every_scalar_round_trips(void **state)
{
	(void)state;
	uint8_t s[4];
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		size_t n = ref_encode(cp, s), k;
		uint32_t got;
		uint8_t mine[4];
		/* utf8_encode writes what the reference table writes, for every scalar value. */
		if (scalar(cp) && (utf8_encode(cp, mine) != n || memcmp(mine, s, n) != 0))
			fail_msg("U+%04X: utf8_encode differs from RFC 3629's table", cp);
		k = utf8_decode(s, n, &got);
		if (scalar(cp) && (k != n || got != cp))
			fail_msg("U+%04X: decoded %zu bytes U+%04X", cp, k, got);
		if (!scalar(cp) && k != 0)
			fail_msg("surrogate U+%04X accepted", cp);
		/* Truncated: never accepted. */
		for (size_t t = 1; t < n; t++)
			if (utf8_decode(s, t, &got) != 0)
				fail_msg("U+%04X cut to %zu bytes accepted", cp, t);
	}
}

static void
test_valid_and_cut(void **state)
{
	(void)state;
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("abc", 3));
	assert_true(utf8_valid("a\0b", 3)); /* NUL is a code point */
	const char *mixed = "Fès \xd9\x81\xd8\xa7\xd8\xb3 \xe2\x80\x94 \xf0\x9f\x99\x82";
	assert_true(utf8_valid(mixed, strlen(mixed)));
	assert_false(utf8_valid("\xc3", 1));             /* truncated */
	assert_false(utf8_valid("a\xc0\xafz", 4));       /* overlong '/' */
	assert_false(utf8_valid("\xed\xa0\x80", 3));     /* surrogate U+D800 */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* U+110000 */
	assert_false(utf8_valid("ok\x80", 3));           /* lone continuation byte */

	/* "é" is 2 bytes, "—" 3: a cut never leaves half a sequence. */
	const char *s = "a\xc3\xa9\xe2\x80\x94z";
	assert_int_equal(utf8_cut(s, 7, 10), 7);
	assert_int_equal(utf8_cut(s, 7, 7), 7);
	assert_int_equal(utf8_cut(s, 7, 6), 6);
	assert_int_equal(utf8_cut(s, 7, 5), 3);
	assert_int_equal(utf8_cut(s, 7, 4), 3);
	assert_int_equal(utf8_cut(s, 7, 3), 3);
	assert_int_equal(utf8_cut(s, 7, 2), 1);
	assert_int_equal(utf8_cut(s, 7, 0), 0);
	for (size_t max = 0; max <= 7; max++)
		assert_true(utf8_valid(s, utf8_cut(s, 7, max)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_short_sequence),
		cmocka_unit_test(test_four_byte_sequences),
		cmocka_unit_test(test_every_scalar_round_trips),
		cmocka_unit_test(test_valid_and_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
