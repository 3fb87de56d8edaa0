/*
 * Unit tests of node/core/hex.c: every digit value, encode → decode of every byte value,
 * either case accepted, and the refusals (odd length, a non-digit anywhere, over the cap).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hex.h"

static void
test_digits(void **state)
{
	(void)state;
	for (int c = 0; c < 256; c++) {
		int want = c >= '0' && c <= '9'   ? c - '0'
		           : c >= 'a' && c <= 'f' ? c - 'a' + 10
		           : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                                  : -1;
		assert_int_equal(hex_digit(c), want);
	}
	assert_int_equal(hex_digit(-1), -1); /* EOF */
}

static void
test_round_trip(void **state)
{
	(void)state;
	uint8_t all[256], back[256];
	char text[513];
	size_t n = 0;
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	hex_encode(all, 256, text);
	assert_int_equal(strlen(text), 512);
	assert_memory_equal(text, "000102", 6);
	assert_memory_equal(text + 500, "fafbfcfdfeff", 12);
	assert_true(hex_decode(text, 512, back, sizeof(back), &n));
	assert_int_equal(n, 256);
	assert_memory_equal(back, all, 256);
	/* Upper case decodes the same. */
	assert_true(hex_decode("DEADbeef", 8, back, 4, &n));
	assert_int_equal(n, 4);
	assert_memory_equal(back, "\xde\xad\xbe\xef", 4);
	/* Nothing to decode is fine. */
	assert_true(hex_decode("", 0, back, 0, &n));
	assert_int_equal(n, 0);
	hex_encode(all, 0, text);
	assert_string_equal(text, "");
}

static void
test_refusals(void **state)
{
	(void)state;
	uint8_t out[4];
	size_t n = 7;
	assert_false(hex_decode("abc", 3, out, sizeof(out), &n)); /* odd */
	assert_false(hex_decode("0g", 2, out, sizeof(out), &n));  /* not a digit */
	assert_false(hex_decode("g0", 2, out, sizeof(out), &n));
	assert_false(hex_decode("00 1", 4, out, sizeof(out), &n));
	assert_false(hex_decode("0011223344", 10, out, sizeof(out), &n)); /* 5 bytes, cap 4 */
	assert_false(hex_decode("00\0"
	                        "1",
	                        4, out, sizeof(out), &n)); /* a NUL inside */
	assert_int_equal(n, 7);                            /* untouched */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
