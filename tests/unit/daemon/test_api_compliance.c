/*
 * Tests of node/daemon/api_compliance.c through the routes' context (api.h), without a daemon:
 * the derived views are made in the context's slot on first use and kept (one fold for many
 * requests), a context without a slot gets a 500 instead of a crash; the overview, a member's
 * report and a benchmark answer over a small registry; malformed parameters are 400 naming
 * them, unknown members and codes 404, other methods 405.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "routes.h"
#include "synth.h"

#define A "remacto.ma/commune-a"
#define B "remacto.ma/commune-b"

struct fx {
	struct synth sy;
	struct facts *facts;
	struct api_ctx c;
};

static int
setup(void **state)
{
	static const char *const m[] = {
		"{\"schema\":1,\"published\":\"2025-01-10T09:00:00Z\",\"indicator\":{\"id\":\"I\","
		"\"catalogCode\":\"TR-01\",\"title\":{\"fr\":\"Indicateur\"}}}",
		"{\"schema\":1,\"published\":\"2025-01-11T09:00:00Z\",\"measurement\":{\"indicatorId\":"
		"\"I\",\"period\":\"2024\",\"value\":3}}",
	};
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	synth_init(&f->sy);
	synth_catalog(&f->sy, "TR-01", "TRANSPARENCY", true, false);
	synth_member(&f->sy, A, "COMMUNE", "4210101", "04", 50000, "2024-01-10");
	synth_member(&f->sy, B, "COMMUNE", "4210102", "04", 20000, "2024-01-10");
	synth_log(&f->sy, 0, m, 2);
	f->c = (struct api_ctx){ .store = &f->sy.s, .facts = &f->facts };
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	facts_free(f->facts);
	synth_free(&f->sy);
	free(f);
	return 0;
}

static void
test_facts_made_once(void **state)
{
	struct fx *f = *state;
	assert_null(f->facts);
	json_t *j = get_json(&f->c, "/api/v1/compliance", "as-of=2025-06-30", 200);
	json_decref(j);
	struct facts *made = f->facts;
	assert_non_null(made);
	j = get_json(&f->c, "/api/v1/compliance/commune-a", "as-of=2025-06-30", 200);
	json_decref(j);
	assert_ptr_equal(f->facts, made); /* kept in the context's slot, refreshed in place */
	/* No slot to keep them in: a 500, not a crash. */
	struct api_ctx none = f->c;
	none.facts = NULL;
	j = get_json(&none, "/api/v1/compliance", NULL, 500);
	json_decref(j);
}

static void
test_answers(void **state)
{
	struct fx *f = *state;
	json_t *j = get_json(&f->c, "/api/v1/compliance", "as-of=2025-06-30&months=2", 200);
	json_t *rows = json_object_get(j, "members");
	assert_true(json_is_array(rows));
	assert_int_equal(json_array_size(rows), 2);
	json_decref(j);
	j = get_json(&f->c, "/api/v1/compliance/commune-b", "as-of=2025-06-30", 200);
	assert_non_null(json_object_get(j, "status"));
	json_decref(j);
	j = get_json(&f->c, "/api/v1/benchmarks/TR-01", "period=2024&group=kind", 200);
	json_decref(j);
	struct api_resp r = route(&f->c, PUBLIC, API_GET, "/api/v1/compliance.csv",
	                          "as-of=2025-06-30");
	assert_int_equal(r.status, 200);
	assert_memory_equal(r.body, "\xef\xbb\xbfmember,origin,kind,region", 28);
	api_resp_free(&r);
}

static void
test_refusals(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *path, *query, *field;
		int status;
	} v[] = {
		{ "/api/v1/compliance", "as-of=2025-13-01", "as-of", 400 },
		{ "/api/v1/compliance", "as-of=yesterday", "as-of", 400 },
		{ "/api/v1/compliance", "months=61", "months", 400 },
		{ "/api/v1/compliance", "months=x", "months", 400 },
		{ "/api/v1/compliance", "colour=red", "colour", 400 },
		{ "/api/v1/compliance/commune-z", NULL, "", 404 },
		{ "/api/v1/benchmarks/XX-99", NULL, "", 404 },
		{ "/api/v1/benchmarks/TR-01", "group=colour", "group", 400 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		json_t *j = get_json(&f->c, v[i].path, v[i].query, v[i].status);
		if (strcmp(error_field(j), v[i].field) != 0)
			fail_msg("%s?%s: field '%s', expected '%s'", v[i].path, v[i].query,
			         error_field(j), v[i].field);
		json_decref(j);
	}
	struct api_resp r = route(&f->c, PUBLIC, API_POST, "/api/v1/compliance", NULL);
	json_decref(route_json(&r, 405, "POST compliance"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_facts_made_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};
	return cmocka_run_group_tests_name("api_compliance", tests, NULL, NULL);
}
