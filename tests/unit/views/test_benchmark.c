/*
 * Tests for node/views/benchmark.c on a synthetic federation (synth.h): seven members with the
 * populations, kinds and regions below, three catalog indicators (TR-01 higher is better,
 * CP-01 higher is better per 10,000 inhabitants, AI-01 lower is better), and hand-computed
 * expectations: ranks with ties, percentiles 100 x (worse + equal / 2) / reported, mean and
 * median, missing members (not reported, not adopted, no population) never counted as 0, a
 * correction (the latest entry wins), a breakdown by dimension ignored, the peer groups
 * (kind, population band, region, custom) with a group of one, a member's position and time
 * series; the same answers after a restart and an index rebuild.
 *
 *   member  kind        region  population  TR-01 2023 / 2024      CP-01 2024   AI-01 2024
 *   m1      commune     04      20,000      60 / 65 then 70 [5]    10 (5.0)     30
 *   m2      commune     04      40,000      - / 70 (+99 by gender)  20 (5.0)     15
 *   m3      commune     01      8,000       - / 50                  8 (10.0)     15
 *   m4      prefecture  04      500,000     - / 90                  100 (2.0)    25
 *   m5      commune     01      (none)      - / 60                  5 (no pop.)  -
 *   m6      region      06      2,000,000   40 / - (adopted)        -            -
 *   m7      commune     06      15,000      (nothing adopted)
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synth.h"
#include "views/benchmark.h"

#define E(pub, body) "{\"schema\":1,\"published\":\"" pub "T10:00:00Z\"," body "}"
#define IND(id, code) \
	E("2024-02-01", "\"indicator\":{\"id\":\"" id "\",\"catalogCode\":\"" code "\"}")
#define MEAS(pub, ind, period, value)                          \
	E(pub, "\"measurement\":{\"indicatorId\":\"" ind "\"," \
	       "\"period\":\"" period "\",\"value\":" value "}")

static struct synth sy;
static struct facts *f;

static void
build(struct synth *s)
{
	static const char *const m1[] = {
		IND("TR", "TR-01"),
		IND("CP", "CP-01"),
		IND("AI", "AI-01"),
		MEAS("2024-02-02", "TR", "2023", "60"),
		MEAS("2025-01-10", "TR", "2024", "65"),
		MEAS("2025-01-20", "TR", "2024", "70"),
		MEAS("2025-01-20", "CP", "2024", "10"),
		MEAS("2025-01-20", "AI", "2024", "30"),
	};
	static const char *const m2[] = {
		IND("TR", "TR-01"),
		IND("CP", "CP-01"),
		IND("AI", "AI-01"),
		MEAS("2025-01-20", "TR", "2024", "70"),
		E("2025-01-20",
		  "\"measurement\":{\"indicatorId\":\"TR\",\"period\":\"2024\","
		  "\"value\":99,\"dimensions\":[{\"name\":\"gender\",\"value\":\"female\"}]}"),
		MEAS("2025-01-20", "CP", "2024", "20"),
		MEAS("2025-01-20", "AI", "2024", "15"),
	};
	static const char *const m3[] = {
		IND("TR", "TR-01"),
		IND("CP", "CP-01"),
		IND("AI", "AI-01"),
		MEAS("2025-01-20", "TR", "2024", "50"),
		MEAS("2025-01-20", "CP", "2024", "8"),
		MEAS("2025-01-20", "AI", "2024", "15"),
	};
	static const char *const m4[] = {
		IND("TR", "TR-01"),
		IND("CP", "CP-01"),
		IND("AI", "AI-01"),
		MEAS("2025-01-20", "TR", "2024", "90"),
		MEAS("2025-01-20", "CP", "2024", "100"),
		MEAS("2025-01-20", "AI", "2024", "25"),
	};
	static const char *const m5[] = {
		IND("TR", "TR-01"),
		IND("CP", "CP-01"),
		MEAS("2025-01-20", "TR", "2024", "60"),
		MEAS("2025-01-20", "CP", "2024", "5"),
	};
	static const char *const m6[] = {
		IND("TR", "TR-01"),
		MEAS("2024-02-02", "TR", "2023", "40"),
	};
	static const char *const m7[] = {
		E("2024-02-01", "\"indicator\":{\"id\":\"LOCAL\",\"title\":{\"fr\":\"Local\"}}"),
	};

	synth_init(s);
	synth_member(s, "remacto.ma/m1", "COMMUNE", "4210101", "04", 20000, "2024-01-10");
	synth_member(s, "remacto.ma/m2", "COMMUNE", "4210102", "04", 40000, "2024-01-10");
	synth_member(s, "remacto.ma/m3", "COMMUNE", "5110101", "01", 8000, "2024-01-10");
	synth_member(s, "remacto.ma/m4", "PREFECTURE", "421", "04", 500000, "2024-01-10");
	synth_member(s, "remacto.ma/m5", "COMMUNE", "5110102", "01", 0, "2024-01-10");
	synth_member(s, "remacto.ma/m6", "REGION", "06", "", 2000000, "2024-01-10");
	synth_member(s, "remacto.ma/m7", "COMMUNE", "6110101", "06", 15000, "2024-01-10");
	synth_catalog(s, "TR-01", "TRANSPARENCY", true, false);
	synth_catalog(s, "CP-01", "CITIZEN_PARTICIPATION", true, true);
	synth_catalog(s, "AI-01", "ACCESS_TO_INFORMATION", false, false);
	synth_log(s, 0, m1, sizeof(m1) / sizeof(*m1));
	synth_log(s, 1, m2, sizeof(m2) / sizeof(*m2));
	synth_log(s, 2, m3, sizeof(m3) / sizeof(*m3));
	synth_log(s, 3, m4, sizeof(m4) / sizeof(*m4));
	synth_log(s, 4, m5, sizeof(m5) / sizeof(*m5));
	synth_log(s, 5, m6, sizeof(m6) / sizeof(*m6));
	synth_log(s, 6, m7, sizeof(m7) / sizeof(*m7));
}

static int
setup(void **state)
{
	(void)state;
	build(&sy);
	f = facts_new();
	assert_non_null(f);
	synth_refresh(&sy, f);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	facts_free(f);
	synth_free(&sy);
	return 0;
}

static void
run(const char *code, enum benchmark_group g, const char *period, const char *member,
    struct benchmark_result *r)
{
	struct benchmark_query q = { .code = code, .period = period, .group = g, .member = member };
	const char *bad;
	char err[256];
	int rc = benchmark_run(f, &q, r, &bad, err, sizeof(err));
	if (rc != 0)
		fail_msg("benchmark %s: %d %s", code, rc, err);
}

static const struct benchmark_groupres *
group(const struct benchmark_result *r, const char *key)
{
	for (size_t i = 0; i < r->n_groups; i++)
		if (!strcmp(r->groups[i].key, key))
			return &r->groups[i];
	fail_msg("no group %s", key);
	return NULL;
}

/* Row k of g: member slug, rank (0: missing), percentile, value, reason when missing. */
static void
row(const struct benchmark_groupres *g, size_t k, const char *slug, unsigned rank, double pct,
    double value, const char *reason)
{
	if (k >= g->n_rows)
		fail_msg("group %s: no row %zu", g->key, k);
	const struct benchmark_row *r = &g->rows[k];
	if (strcmp(r->member->slug, slug) != 0)
		fail_msg("group %s row %zu: %s, expected %s", g->key, k, r->member->slug, slug);
	if (!rank) {
		assert_true(r->missing);
		assert_string_equal(r->reason, reason);
		return;
	}
	assert_false(r->missing);
	if (r->rank != rank || fabs(r->percentile - pct) > 1e-9 || fabs(r->value - value) > 1e-9)
		fail_msg("%s: rank %u pct %g value %g, expected %u %g %g", slug, r->rank,
		         r->percentile, r->value, rank, pct, value);
}

static void
stats(const struct benchmark_stats *s, unsigned members, unsigned reported, double mean,
      double median, bool single)
{
	assert_int_equal(s->members, members);
	assert_int_equal(s->reported, reported);
	assert_int_equal(s->single, single);
	if (reported && (fabs(s->mean - mean) > 1e-9 || fabs(s->median - median) > 1e-9))
		fail_msg("mean %g median %g, expected %g %g", s->mean, s->median, mean, median);
}

static void
test_ties_missing_default_period(void **state)
{
	struct benchmark_result r;
	(void)state;
	run("TR-01", BENCHMARK_ALL, NULL, NULL, &r);
	assert_string_equal(r.period, "2024");
	assert_int_equal(r.n_groups, 1);
	const struct benchmark_groupres *g = group(&r, "all");
	row(g, 0, "m4", 1, 90.0, 90, NULL);
	row(g, 1, "m1", 2, 60.0, 70, NULL); /* the correction, not 65 */
	row(g, 2, "m2", 2, 60.0, 70, NULL); /* the gender breakdown (99) is not the total */
	row(g, 3, "m5", 4, 30.0, 60, NULL);
	row(g, 4, "m3", 5, 10.0, 50, NULL);
	row(g, 5, "m6", 0, 0, 0, "not reported");
	row(g, 6, "m7", 0, 0, 0, "not adopted");
	assert_int_equal(g->rows[1].index, 5);
	stats(&g->stats, 7, 5, 68, 70, false);
	benchmark_result_free(&r);

	run("TR-01", BENCHMARK_ALL, "2023", NULL, &r);
	g = group(&r, "all");
	row(g, 0, "m1", 1, 75.0, 60, NULL);
	row(g, 1, "m6", 2, 25.0, 40, NULL);
	row(g, 2, "m2", 0, 0, 0, "not reported");
	stats(&g->stats, 7, 2, 50, 50, false);
	benchmark_result_free(&r);

	/* A period nobody reported: everybody missing, no statistic. */
	run("TR-01", BENCHMARK_ALL, "2019-Q2", NULL, &r);
	g = group(&r, "all");
	stats(&g->stats, 7, 0, 0, 0, false);
	for (size_t i = 0; i < g->n_rows; i++)
		assert_true(g->rows[i].missing);
	benchmark_result_free(&r);
}

static void
test_lower_is_better(void **state)
{
	struct benchmark_result r;
	(void)state;
	run("AI-01", BENCHMARK_ALL, "2024", NULL, &r);
	const struct benchmark_groupres *g = group(&r, "all");
	row(g, 0, "m2", 1, 75.0, 15, NULL);
	row(g, 1, "m3", 1, 75.0, 15, NULL);
	row(g, 2, "m4", 3, 37.5, 25, NULL);
	row(g, 3, "m1", 4, 12.5, 30, NULL);
	row(g, 4, "m5", 0, 0, 0, "not adopted");
	stats(&g->stats, 7, 4, 21.25, 20, false);
	benchmark_result_free(&r);
}

static void
test_normalisation_and_kinds(void **state)
{
	struct benchmark_result r;
	(void)state;
	run("CP-01", BENCHMARK_ALL, "2024", NULL, &r);
	const struct benchmark_groupres *g = group(&r, "all");
	row(g, 0, "m3", 1, 87.5, 10, NULL);
	row(g, 1, "m1", 2, 50.0, 5, NULL); /* 10 for 20,000 and 20 for 40,000: a tie */
	row(g, 2, "m2", 2, 50.0, 5, NULL);
	row(g, 3, "m4", 4, 12.5, 2, NULL);
	row(g, 4, "m5", 0, 0, 0, "no population");
	assert_true(fabs(g->rows[1].raw - 10) < 1e-9);
	stats(&g->stats, 7, 4, 5.5, 5, false);
	benchmark_result_free(&r);

	run("CP-01", BENCHMARK_KIND, "2024", NULL, &r);
	assert_int_equal(r.n_groups, 3);
	assert_string_equal(r.groups[0].key, "commune");
	assert_string_equal(r.groups[1].key, "prefecture");
	assert_string_equal(r.groups[2].key, "region");
	g = &r.groups[0];
	row(g, 0, "m3", 1, 83.3, 10, NULL);
	row(g, 1, "m1", 2, 33.3, 5, NULL);
	row(g, 2, "m2", 2, 33.3, 5, NULL);
	row(g, 3, "m5", 0, 0, 0, "no population");
	row(g, 4, "m7", 0, 0, 0, "not adopted");
	stats(&g->stats, 5, 3, 20.0 / 3, 5, false);
	g = &r.groups[1]; /* a group of one */
	row(g, 0, "m4", 1, 50.0, 2, NULL);
	stats(&g->stats, 1, 1, 2, 2, true);
	stats(&r.groups[2].stats, 1, 0, 0, 0, false);

	/* In JSON: missing is null, never 0; the group of one says so. */
	char *js = synth_dump(benchmark_result_json(f, &r));
	assert_non_null(strstr(js,
	                       "\"member\":\"m7\",\"missing\":true,\"name\":\"Nom de m7\","
	                       "\"origin\":\"remacto.ma/m7\",\"percentile\":null,\"population\":"
	                       "15000,\"rank\":null,\"rawValue\":null,\"reason\":\"not adopted\","
	                       "\"region\":\"06\",\"regionName\":{\"ar\":\"الدار البيضاء سطات\","
	                       "\"en\":\"Casablanca-Settat\",\"fr\":\"Casablanca-Settat\"},"
	                       "\"value\":null}"));
	assert_non_null(strstr(js, "\"note\":\"one member reported: the mean and median are its "
	                           "own value, not a comparison\""));
	assert_non_null(strstr(js, "\"note\":\"no member of this group reported\""));
	assert_non_null(strstr(js, "\"normalisation\":\"per_10000_inhabitants\""));
	free(js);
	benchmark_result_free(&r);
}

static void
test_population_region(void **state)
{
	struct benchmark_result r;
	(void)state;
	run("TR-01", BENCHMARK_POPULATION, "2024", NULL, &r);
	assert_int_equal(r.n_groups, 5);
	static const char *const keys[] = { "10k-50k", "200k-1m", "<10k", ">=1m", "unknown" };
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(r.groups[i].key, keys[i]);
	const struct benchmark_groupres *g = group(&r, "10k-50k");
	row(g, 0, "m1", 1, 50.0, 70, NULL);
	row(g, 1, "m2", 1, 50.0, 70, NULL);
	row(g, 2, "m7", 0, 0, 0, "not adopted");
	stats(&g->stats, 3, 2, 70, 70, false);
	benchmark_result_free(&r);

	run("TR-01", BENCHMARK_REGION, "2024", NULL, &r);
	assert_int_equal(r.n_groups, 3);
	g = group(&r, "01");
	row(g, 0, "m5", 1, 75.0, 60, NULL);
	row(g, 1, "m3", 2, 25.0, 50, NULL);
	g = group(&r, "04");
	row(g, 0, "m4", 1, 83.3, 90, NULL);
	row(g, 1, "m1", 2, 33.3, 70, NULL);
	row(g, 2, "m2", 2, 33.3, 70, NULL);
	g = group(&r, "06"); /* a region is in its own region */
	row(g, 0, "m6", 0, 0, 0, "not reported");
	row(g, 1, "m7", 0, 0, 0, "not adopted");
	benchmark_result_free(&r);
}

static void
test_position_series_custom(void **state)
{
	struct benchmark_result r;
	(void)state;
	run("TR-01", BENCHMARK_KIND, NULL, "m1", &r);
	assert_int_equal(r.n_groups, 1); /* its own group only */
	assert_string_equal(r.member_group->key, "commune");
	assert_non_null(r.position);
	assert_int_equal(r.position->rank, 1);
	assert_true(fabs(r.position->percentile - 75.0) < 1e-9);
	stats(&r.member_group->stats, 5, 4, 62.5, 65, false);
	assert_int_equal(r.n_series, 2);
	assert_string_equal(r.series[0].period, "2023");
	assert_true(r.series[0].value == 60 && r.series[0].index == 3);
	stats(&r.series[0].group, 5, 1, 60, 60, true); /* m6 is a region, not a commune */
	assert_string_equal(r.series[1].period, "2024");
	assert_true(r.series[1].value == 70 && r.series[1].index == 5);
	stats(&r.series[1].group, 5, 4, 62.5, 65, false);
	char *js = synth_dump(benchmark_result_json(f, &r));
	assert_non_null(strstr(js,
	                       "\"position\":{\"group\":\"commune\",\"groupMean\":62.5,"
	                       "\"groupMedian\":65,\"member\":\"m1\",\"missing\":false,\"of\":4,"
	                       "\"percentile\":75,\"rank\":1,\"value\":70,\"vsMedian\":5}"));
	free(js);
	benchmark_result_free(&r);

	/* A custom group: m1 and m3 listed, m4 the reference (added). */
	const char *const list[] = { "m1", "remacto.ma/m3" };
	struct benchmark_query q = { .code = "TR-01",
		                     .group = BENCHMARK_CUSTOM,
		                     .member = "m4",
		                     .custom = list,
		                     .n_custom = 2 };
	const char *bad;
	char err[256];
	assert_int_equal(benchmark_run(f, &q, &r, &bad, err, sizeof(err)), 0);
	assert_int_equal(r.n_groups, 1);
	const struct benchmark_groupres *g = &r.groups[0];
	assert_string_equal(g->key, "custom");
	row(g, 0, "m4", 1, 83.3, 90, NULL);
	row(g, 1, "m1", 2, 50.0, 70, NULL);
	row(g, 2, "m3", 3, 16.7, 50, NULL);
	stats(&g->stats, 3, 3, 70, 70, false);
	assert_true(r.position == &g->rows[0]);
	benchmark_result_free(&r);
}

static void
test_errors(void **state)
{
	struct benchmark_result r;
	const char *bad;
	char err[256];
	(void)state;
	struct benchmark_query q = { .code = "XX-99" };
	assert_int_equal(benchmark_run(f, &q, &r, &bad, err, sizeof(err)), -ENOENT);
	assert_string_equal(bad, "code");
	q.code = "TR-01", q.member = "nobody";
	assert_int_equal(benchmark_run(f, &q, &r, &bad, err, sizeof(err)), -ENOENT);
	assert_string_equal(bad, "member");
	q.member = NULL, q.period = "2024-Q5";
	assert_int_equal(benchmark_run(f, &q, &r, &bad, err, sizeof(err)), -EINVAL);
	assert_string_equal(bad, "period");
	q.period = NULL, q.group = BENCHMARK_CUSTOM;
	assert_int_equal(benchmark_run(f, &q, &r, &bad, err, sizeof(err)), -EINVAL);
	assert_string_equal(bad, "members");
	const char *const list[] = { "m1", "nobody" };
	q.custom = list, q.n_custom = 2;
	assert_int_equal(benchmark_run(f, &q, &r, &bad, err, sizeof(err)), -ENOENT);
	assert_string_equal(bad, "members");
	enum benchmark_group g;
	assert_true(benchmark_group_parse("population", &g) && g == BENCHMARK_POPULATION);
	assert_false(benchmark_group_parse("size", &g));
	assert_string_equal(benchmark_band(9999), "<10k");
	assert_string_equal(benchmark_band(10000), "10k-50k");
	assert_string_equal(benchmark_band(1000000), ">=1m");
	assert_string_equal(benchmark_band(0), "unknown");
}

static char *
answers(void)
{
	json_t *all = json_array();
	static const struct {
		const char *code;
		enum benchmark_group g;
		const char *member;
	} qs[] = {
		{ "TR-01", BENCHMARK_ALL, NULL },
		{ "CP-01", BENCHMARK_KIND, NULL },
		{ "AI-01", BENCHMARK_REGION, "m2" },
		{ "TR-01", BENCHMARK_POPULATION, "m1" },
	};
	for (size_t i = 0; i < sizeof(qs) / sizeof(*qs); i++) {
		struct benchmark_result r;
		run(qs[i].code, qs[i].g, NULL, qs[i].member, &r);
		json_array_append_new(all, benchmark_result_json(f, &r));
		benchmark_result_free(&r);
	}
	return synth_dump(all);
}

static void
test_identical_after_restart_and_rebuild(void **state)
{
	char err[512];
	(void)state;
	char *first = answers();
	facts_free(f);
	synth_reopen(&sy);
	assert_non_null(f = facts_new());
	synth_refresh(&sy, f);
	char *again = answers();
	assert_string_equal(first, again);
	free(again);
	assert_int_equal(index_rebuild(&sy.s, NULL, NULL, err, sizeof(err)), 0);
	facts_free(f);
	assert_non_null(f = facts_new());
	synth_refresh(&sy, f);
	again = answers();
	assert_string_equal(first, again);
	free(again);
	free(first);
}

/* New entries fold in without starting over: the store folded the new entry when it was
 * appended; the views read m3's state again, and only m3's, and fold nothing themselves. */
static void
test_incremental(void **state)
{
	struct benchmark_result r;
	static const char *const more[] = { MEAS("2025-02-01", "TR", "2024", "95") };
	(void)state;
	run("TR-01", BENCHMARK_ALL, "2024", NULL, &r); /* every state in the cache */
	benchmark_result_free(&r);
	uint64_t folded = f->folded, loaded = f->loaded;
	synth_log(&sy, 2, more, 1); /* m3 corrects 2024 to 95 */
	synth_refresh(&sy, f);
	assert_int_equal(f->folded, folded);
	run("TR-01", BENCHMARK_ALL, "2024", NULL, &r);
	assert_int_equal(f->loaded, loaded + 1);
	row(group(&r, "all"), 0, "m3", 1, 90.0, 95, NULL);
	benchmark_result_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ties_missing_default_period),
		cmocka_unit_test(test_lower_is_better),
		cmocka_unit_test(test_normalisation_and_kinds),
		cmocka_unit_test(test_population_region),
		cmocka_unit_test(test_position_series_custom),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_identical_after_restart_and_rebuild),
		cmocka_unit_test(test_incremental),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
