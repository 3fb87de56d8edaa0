/*
 * benchmark — councils compare a national catalog indicator with their peers', from the facts
 * folded out of the logs (facts.h). Every node holding the same logs computes the same tables.
 *
 * A member's value for a period is its latest total: among the measurements without dimensions
 * (a breakdown by gender or channel is not the total) of its indicators carrying the catalog
 * code, the one with the highest log index for exactly that period. When the catalog says
 * NORMALISATION_PER_10000_INHABITANTS the value is divided by the member's registered
 * population and multiplied by 10,000; a member without a population has no comparable value.
 * A member with no value is listed as missing, never as 0, and counts in no statistic.
 *
 * Peer groups (group=):
 *   all         every member;
 *   kind        region, prefecture, province, commune;
 *   population  bands of registered population: "<10k" (under 10,000), "10k-50k",
 *               "50k-200k", "200k-1m" (under 1,000,000), ">=1m", "unknown" (none registered);
 *   region      the member's region (HCP code; a region is in its own);
 *   custom      the listed members (and the reference member, if any).
 * Within a group: rank by value in the catalog's direction (higher_is_better: the highest is
 * 1), ties share the best rank (1, 2, 2, 4); percentile = 100 x (B + E/2) / N where N members
 * have a value, B of them a worse one and E an equal one (itself included), rounded to 0.1;
 * mean and median (the mean of the two middle values for an even count) with the number of
 * members behind them; a group where one member reported says so (`single`).
 *
 * The period defaults to the latest period (by its last day, then the most reports, then the
 * text) any member reported for the code. With a reference member, the answer keeps its group
 * only and adds its position (rank, percentile, the group's mean and median, its distance to
 * the median) and its time series: every period it reported, with its group's median, mean
 * and count for that period.
 */
#ifndef REMACTO_BENCHMARK_H
#define REMACTO_BENCHMARK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "facts.h"

#define BENCHMARK_MAX_CUSTOM 256 /* members in a custom group */

enum benchmark_group {
	BENCHMARK_ALL,
	BENCHMARK_KIND,
	BENCHMARK_POPULATION,
	BENCHMARK_REGION,
	BENCHMARK_CUSTOM,
};

struct benchmark_query {
	const char *code;   /* catalog code */
	const char *period; /* NULL or "": the default period */
	enum benchmark_group group;
	const char *member;        /* reference member (slug or origin), NULL for none */
	const char *const *custom; /* group=custom: member slugs or origins */
	size_t n_custom;
};

struct benchmark_row {
	const struct facts_member *member;
	bool missing;       /* no value (see reason) */
	const char *reason; /* static: "not reported", "no population", "not adopted" */
	double value, raw;  /* normalised and as reported */
	uint64_t index;     /* the measurement's log index */
	unsigned rank;
	double percentile;
};

struct benchmark_stats {
	unsigned members, reported;
	double mean, median;
	bool single; /* one member reported: mean and median are its value */
};

struct benchmark_groupres {
	char key[32];
	struct benchmark_row *rows; /* ranked first, then missing; ties by origin */
	size_t n_rows;
	struct benchmark_stats stats;
};

struct benchmark_point {
	char period[16];
	double value, raw;
	uint64_t index;
	struct benchmark_stats group;
};

struct benchmark_result {
	const struct facts_catalog *catalog;
	char period[16]; /* "" when nobody ever reported the code */
	enum benchmark_group group;
	struct benchmark_groupres *groups; /* in key order */
	size_t n_groups;
	/* With a reference member: */
	const struct facts_member *member;
	const struct benchmark_groupres *member_group;
	const struct benchmark_row *position;
	struct benchmark_point *series;
	size_t n_series;
};

/* Answers q from f. 0; -ENOENT with err when the code is not in the catalog (or a member
 * named is not one: err names it, *bad_field says "member" or "members"); -EINVAL for a
 * malformed period; -ENOMEM. */
int benchmark_run(struct facts *f, const struct benchmark_query *q, struct benchmark_result *out,
                  const char **bad_field, char *err, size_t errcap);
void benchmark_result_free(struct benchmark_result *r);

/* "kind" → BENCHMARK_KIND; false when unknown. */
bool benchmark_group_parse(const char *s, enum benchmark_group *out);
const char *benchmark_group_name(enum benchmark_group g);
/* "commune", "unspecified": the kind as the benchmarks name it. */
const char *benchmark_kind_name(int kind);
/* The population band key of a population (0: "unknown"). */
const char *benchmark_band(uint64_t population);

json_t *benchmark_result_json(const struct facts *f, const struct benchmark_result *r);
/* The same as json_dumps(benchmark_result_json(), COMPLIANCE_JSON_FLAGS), byte for byte,
 * without a JSON tree per row: each member's registry part is written once per registry
 * generation and kept with the member (facts_member.brow). The caller frees it; NULL without
 * memory. */
char *benchmark_result_dump(struct facts *f, const struct benchmark_result *r, size_t *len);

/* benchmark_run and its JSON text as the API sends it (COMPLIANCE_JSON_FLAGS; *text: the
 * caller's, free it), memoised in f (facts_answer_get) while nothing the views read changes:
 * a repeated question costs a copy. Errors as benchmark_run's. */
int benchmark_text(struct facts *f, const struct benchmark_query *q, char **text, size_t *len,
                   const char **bad_field, char *err, size_t errcap);

/* Values are shown at their unit's precision, never with the float's 16 digits: 2 decimals
 * per 10,000 inhabitants, 0 for counts, 1 for percents, days and scores (statistics of
 * counts keep 1). Ranks and percentiles are computed on the exact values. */
int benchmark_decimals(const struct facts *f, const struct facts_catalog *ce);
/* x rounded half away from zero to decimals (0-3). */
double benchmark_round(double x, int decimals);

#endif
