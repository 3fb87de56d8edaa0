/*
 * regions: the twelve regions of config/regions.csv are built in and found by their HCP code;
 * an unknown or empty code names none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "views/regions.h"

static void
test_all_twelve(void **state)
{
	char code[16];
	(void)state;
	for (int i = 1; i <= 12; i++) {
		snprintf(code, sizeof(code), "%02d", i);
		const struct region *g = regions_find(code);
		assert_non_null(g);
		assert_string_equal(g->code, code);
		assert_true(strlen(g->fr) > 3 && strlen(g->ar) > 3);
	}
	const struct region *g = regions_find("04");
	assert_string_equal(g->fr, "Rabat-Salé-Kénitra");
	assert_string_equal(g->ar, "الرباط سلا القنيطرة");
	assert_string_equal(g->iso, "MA-04");
}

static void
test_unknown(void **state)
{
	(void)state;
	assert_null(regions_find("13"));
	assert_null(regions_find(""));
	assert_null(regions_find(NULL));
	assert_null(regions_find("4")); /* codes are two digits, as the registry writes them */
	json_t *j = regions_name_json("99");
	assert_true(json_is_null(j));
	json_decref(j);
	j = regions_name_json("01");
	assert_string_equal(json_string_value(json_object_get(j, "ar")), "طنجة تطوان الحسيمة");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_twelve),
		cmocka_unit_test(test_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
