/*
 * Tests of node/core/textnorm.c: the words search compares, folded the same way in the index
 * and in a query, in French, Arabic and English.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/textnorm.h"

static int
join(const char *word, size_t len, void *arg)
{
	char *out = arg;
	assert_int_equal(strlen(word), len);
	assert_true(len <= TEXTNORM_WORD_MAX);
	if (*out)
		strcat(out, "|");
	strcat(out, word);
	return 0;
}

static void
words_are(const char *text, const char *want)
{
	char got[1024] = "";
	assert_int_equal(textnorm_words(text, strlen(text), join, got), 0);
	if (strcmp(got, want) != 0)
		fail_msg("words of \"%s\": \"%s\", expected \"%s\"", text, got, want);
}

static void
test_french(void **state)
{
	(void)state;
	words_are("Budget ouvert et compréhensible", "budget|ouvert|comprehensible");
	words_are("Guichet d'accès à l'information", "guichet|acces|information");
	words_are("ŒUVRE, Élèves — «quartiers» : 31-13", "oeuvre|eleves|quartiers|31|13");
	/* NFD: e + combining acute */
	words_are("De\xcc\x81lai", "delai");
	words_are("", "");
	words_are("   ,;  ", "");
	words_are("a b c d", "");
}

static void
test_arabic(void **state)
{
	(void)state;
	/* tashkeel, article, ta marbuta */
	words_are("المِيزَانِيَّة", "ميزانيه");
	words_are("الميزانية", "ميزانيه");
	words_are("ميزانية", "ميزانيه");
	/* tatweel */
	words_are("ميــزانية", "ميزانيه");
	/* alef variants, hamza carriers, alef maqsura */
	words_are("إنشاء أحياء آفاق", "انشاء|احياء|افاق");
	words_are("مسؤولية مسئولية", "مسءوليه|مسءوليه");
	words_are("مستوى مستوي", "مستوي|مستوي");
	/* prepositions with the article; stop words; Arabic punctuation and digits */
	words_are("للأحياء والمعلومات في الحصول، على ٣١-١٣؟", "احياء|معلومات|حصول|31|13");
	/* a short word keeps its first letters: الى is a stop word, الله stays */
	words_are("إلى الله", "الله");
}

static void
test_invalid_and_long(void **state)
{
	(void)state;
	words_are("abc\xff"
	          "def",
	          "abc|def");
	char longw[200];
	memset(longw, 'x', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	char got[1024] = "";
	assert_int_equal(textnorm_words(longw, strlen(longw), join, got), 0);
	assert_true(strlen(got) <= TEXTNORM_WORD_MAX);
	/* a long Arabic word is cut at a character boundary */
	char ar[400] = "";
	for (int i = 0; i < 60; i++)
		strcat(ar, "ب");
	got[0] = '\0';
	assert_int_equal(textnorm_words(ar, strlen(ar), join, got), 0);
	assert_int_equal(strlen(got) % 2, 0);
	assert_true(strlen(got) <= TEXTNORM_WORD_MAX && strlen(got) >= TEXTNORM_WORD_MAX - 1);
}

static void
test_fold_word(void **state)
{
	char out[TEXTNORM_WORD_MAX + 1];
	(void)state;
	assert_true(textnorm_fold_word("Évaluation", out, sizeof(out)));
	assert_string_equal(out, "evaluation");
	assert_true(textnorm_fold_word("الشُّبَّاك", out, sizeof(out)));
	assert_string_equal(out, "شباك");
	assert_false(textnorm_fold_word("x", out, sizeof(out)));
	assert_false(textnorm_fold_word("\xff", out, sizeof(out)));
}

static int
stop_at_two(const char *word, size_t len, void *arg)
{
	(void)word, (void)len;
	return ++*(int *)arg == 2 ? 7 : 0;
}

static void
test_stop(void **state)
{
	int n = 0;
	(void)state;
	assert_int_equal(textnorm_words("un deux trois", 13, stop_at_two, &n), 7);
	assert_int_equal(n, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_french),
		cmocka_unit_test(test_arabic),
		cmocka_unit_test(test_invalid_and_long),
		cmocka_unit_test(test_fold_word),
		cmocka_unit_test(test_stop),
	};
	return cmocka_run_group_tests_name("test_textnorm", tests, NULL, NULL);
}
