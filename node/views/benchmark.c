/*
 * benchmark — latest values, peer groups, ranks, percentiles, statistics and time series over
 * one catalog indicator. See benchmark.h for the definitions.
 *
 * A query is a few passes over the members' indicators and the periods they reported (each
 * period keeps its latest total, facts.h): one to find the default period, one for the values
 * of the period, one for the reference member's series. Periods are interned strings, compared
 * as integers.
 */
#include "benchmark.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

#define NONE UINT32_MAX

const char *
benchmark_kind_name(int kind)
{
	static const char *const names[5] = { "unspecified", "region", "prefecture", "province",
		                              "commune" };
	return kind >= 0 && kind < 5 ? names[kind] : "unspecified";
}

bool
benchmark_group_parse(const char *s, enum benchmark_group *out)
{
	static const char *const names[] = { "all", "kind", "population", "region", "custom" };
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum benchmark_group)i;
			return true;
		}
	return false;
}

const char *
benchmark_group_name(enum benchmark_group g)
{
	static const char *const names[] = { "all", "kind", "population", "region", "custom" };
	return (unsigned)g < 5 ? names[g] : "all";
}

const char *
benchmark_band(uint64_t p)
{
	if (p == 0)
		return "unknown";
	if (p < 10000)
		return "<10k";
	if (p < 50000)
		return "10k-50k";
	if (p < 200000)
		return "50k-200k";
	if (p < 1000000)
		return "200k-1m";
	return ">=1m";
}

/* ---- per member: the latest total of the code for one period ---- */

static bool
has_code(const struct facts_state *st, facts_str code)
{
	for (size_t i = 0; i < st->n_indicators; i++)
		if (st->indicators[i].code == code)
			return true;
	return false;
}

/* The latest total of code for period pid among the member's indicators, NULL when none. */
static const struct facts_period *
latest(const struct facts_state *st, facts_str code, facts_str pid)
{
	const struct facts_period *best = NULL;
	for (size_t k = 0; pid && k < st->n_indicators; k++) {
		uint32_t p;
		if (st->indicators[k].code != code ||
		    (p = facts_period_slot(st, (uint32_t)k, pid)) == FACTS_NO_SLOT)
			continue;
		const struct facts_period *v = &st->indicators[k].periods[p];
		if (v->total != FACTS_NO_INDEX && (!best || v->total > best->total))
			best = v;
	}
	return best;
}

/* ---- small maps: period id → slot ---- */

struct pmap {
	uint32_t *keys, *vals, *stamp;
	size_t cap;
	uint32_t now;
};

static int
pmap_init(struct pmap *p, size_t cap)
{
	p->cap = cap;
	p->now = 1;
	p->keys = calloc(cap, sizeof(uint32_t));
	p->vals = calloc(cap, sizeof(uint32_t));
	p->stamp = calloc(cap, sizeof(uint32_t));
	return p->keys && p->vals && p->stamp ? 0 : -ENOMEM;
}

static void
pmap_free(struct pmap *p)
{
	free(p->keys);
	free(p->vals);
	free(p->stamp);
}

static uint32_t *
pmap_slot(struct pmap *p, uint32_t key, bool *fresh)
{
	size_t mask = p->cap - 1, i = (key * 2654435761u) & mask;
	for (size_t n = 0; n < p->cap; n++, i = (i + 1) & mask) {
		if (p->stamp[i] != p->now) {
			p->stamp[i] = p->now, p->keys[i] = key;
			*fresh = true;
			return &p->vals[i];
		}
		if (p->keys[i] == key) {
			*fresh = false;
			return &p->vals[i];
		}
	}
	return NULL; /* full: the caller sized it */
}

/* The slot of key, NULL when absent (nothing inserted). */
static const uint32_t *
pmap_get(const struct pmap *p, uint32_t key)
{
	size_t mask = p->cap - 1, i = (key * 2654435761u) & mask;
	for (size_t n = 0; n < p->cap && p->stamp[i] == p->now; n++, i = (i + 1) & mask)
		if (p->keys[i] == key)
			return &p->vals[i];
	return NULL;
}

/* ---- the default period ---- */

struct pstat {
	facts_str id;
	facts_day last;
	unsigned count;
};

/* Counts, once per member, each period reported (a total) for code. */
static int
count_periods(const struct facts *f, const struct facts_state *st, facts_str code,
              struct pmap *seen, struct pmap *all, struct pstat **ps, size_t *nps, size_t *cap)
{
	seen->now++;
	for (size_t k = 0; k < st->n_indicators; k++) {
		const struct facts_indicator *ind = &st->indicators[k];
		for (size_t j = 0; ind->code == code && j < ind->n_periods; j++) {
			const struct facts_period *v = &ind->periods[j];
			bool fresh;
			uint32_t *slot;
			if (v->total == FACTS_NO_INDEX ||
			    !(slot = pmap_slot(seen, v->period, &fresh)) || !fresh ||
			    !(slot = pmap_slot(all, v->period, &fresh)))
				continue;
			if (fresh) {
				facts_day first, last;
				char g;
				if (!facts_period_parse(facts_string(f, v->period), &first, &last,
				                        &g))
					last = 0;
				if (*nps == *cap) {
					size_t ncap = *cap ? *cap * 2 : 64;
					struct pstat *np = realloc(*ps, ncap * sizeof(*np));
					if (!np)
						return -ENOMEM;
					*ps = np, *cap = ncap;
				}
				*slot = (uint32_t)*nps;
				(*ps)[(*nps)++] = (struct pstat){ v->period, last, 0 };
			}
			(*ps)[*slot].count++;
		}
	}
	return 0;
}

static int
default_period(struct facts *f, facts_str code, char out[16])
{
	struct pmap seen = { 0 }, all = { 0 };
	struct pstat *ps = NULL;
	size_t nps = 0, cap = 0;
	int rc = 0;

	out[0] = '\0';
	if (pmap_init(&seen, 1024) != 0 || pmap_init(&all, 4096) != 0) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t k = 0; k < f->n_members && rc == 0; k++) {
		const struct facts_state *st = facts_state(f, f->members[k], &rc);
		if (st)
			rc = count_periods(f, st, code, &seen, &all, &ps, &nps, &cap);
	}
	const struct pstat *best = NULL;
	for (size_t i = 0; rc == 0 && i < nps; i++) {
		const struct pstat *p = &ps[i];
		if (!best || p->last > best->last ||
		    (p->last == best->last &&
		     (p->count > best->count ||
		      (p->count == best->count &&
		       strcmp(facts_string(f, p->id), facts_string(f, best->id)) > 0))))
			best = p;
	}
	if (best)
		snprintf(out, 16, "%s", facts_string(f, best->id));
done:
	free(ps);
	pmap_free(&seen);
	pmap_free(&all);
	return rc;
}

/* ---- groups ---- */

static const char *
group_key(enum benchmark_group g, const struct facts_member *m)
{
	switch (g) {
	case BENCHMARK_KIND:
		return benchmark_kind_name(m->kind);
	case BENCHMARK_POPULATION:
		return benchmark_band(m->population);
	case BENCHMARK_REGION:
		return m->region[0] ? m->region : "unknown";
	case BENCHMARK_CUSTOM:
		return "custom";
	default:
		return "all";
	}
}

/* Is m better than (or as good as, when equal) the value x? Comparison in the direction. */
static int
compare_values(bool higher, double a, double b)
{
	if (a == b)
		return 0;
	return (higher ? a > b : a < b) ? -1 : 1; /* -1: a ranks before b */
}

static int
cmp_rows(const void *pa, const void *pb, void *arg)
{
	const struct benchmark_row *a = pa, *b = pb;
	if (a->missing != b->missing)
		return a->missing ? 1 : -1;
	if (!a->missing) {
		int c = compare_values(*(const bool *)arg, a->value, b->value);
		if (c)
			return c;
	}
	return strcmp(a->member->origin, b->member->origin);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Mean and median of n values (sorted in place). */
static void
stats_of(double *v, size_t n, unsigned members, struct benchmark_stats *s)
{
	double sum = 0;
	memset(s, 0, sizeof(*s));
	s->members = members;
	s->reported = (unsigned)n;
	s->single = n == 1;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s->mean = sum / (double)n;
	s->median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Ranks, percentiles and statistics of one group (rows filled, unsorted). */
static int
rank_group(struct benchmark_groupres *g, bool higher)
{
	size_t n = 0;
	double *vals;

	qsort_r(g->rows, g->n_rows, sizeof(*g->rows), cmp_rows, &higher);
	while (n < g->n_rows && !g->rows[n].missing)
		n++;
	for (size_t i = 0; i < n; i++) {
		size_t first = i, last = i;
		while (first > 0 && g->rows[first - 1].value == g->rows[i].value)
			first--;
		while (last + 1 < n && g->rows[last + 1].value == g->rows[i].value)
			last++;
		size_t equal = last - first + 1, worse = n - last - 1;
		g->rows[i].rank = (unsigned)first + 1;
		g->rows[i].percentile =
		        floor(1000.0 * ((double)worse + equal / 2.0) / (double)n + 0.5) / 10.0;
	}
	if (!(vals = malloc((n ? n : 1) * sizeof(*vals))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		vals[i] = g->rows[i].value;
	stats_of(vals, n, (unsigned)g->n_rows, &g->stats);
	free(vals);
	return 0;
}

static struct benchmark_groupres *
group_for(struct benchmark_result *r, const char *key, size_t cap)
{
	for (size_t i = 0; i < r->n_groups; i++)
		if (!strcmp(r->groups[i].key, key))
			return &r->groups[i];
	struct benchmark_groupres *ng = realloc(r->groups, (r->n_groups + 1) * sizeof(*ng));
	if (!ng)
		return NULL;
	r->groups = ng;
	struct benchmark_groupres *g = &ng[r->n_groups];
	memset(g, 0, sizeof(*g));
	snprintf(g->key, sizeof(g->key), "%s", key);
	if (!(g->rows = calloc(cap ? cap : 1, sizeof(*g->rows))))
		return NULL;
	r->n_groups++;
	return g;
}

static int
cmp_groups(const void *a, const void *b)
{
	return strcmp(((const struct benchmark_groupres *)a)->key,
	              ((const struct benchmark_groupres *)b)->key);
}

/* Fills row with m's value for pid. */
static int
fill_row(struct facts *f, const struct facts_catalog *ce, struct facts_member *m, facts_str pid,
         struct benchmark_row *row)
{
	int rc;
	const struct facts_state *st = facts_state(f, m, &rc);
	if (!st)
		return rc;
	const struct facts_period *v = latest(st, ce->code, pid);
	memset(row, 0, sizeof(*row));
	row->member = m;
	row->index = FACTS_NO_INDEX;
	if (!v) {
		row->missing = true;
		row->reason = has_code(st, ce->code) ? "not reported" : "not adopted";
		return 0;
	}
	row->raw = row->value = v->value;
	row->index = v->total;
	if (ce->per_10k) {
		if (!m->population) {
			row->missing = true;
			row->reason = "no population";
			return 0;
		}
		row->value = v->value * 10000.0 / (double)m->population;
	}
	if (!isfinite(row->value)) {
		row->missing = true;
		row->reason = "not a number";
	}
	return 0;
}

/* Is m in the custom list? */
static bool
listed(struct facts_member *const *list, size_t n, const struct facts_member *m)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == m)
			return true;
	return false;
}

/* The reference member's series: every period it reported, with its group's statistics. */
static int
series(struct facts *f, const struct facts_catalog *ce, struct benchmark_result *r,
       struct facts_member *const *members, size_t n_members)
{
	struct facts_member *ref = (struct facts_member *)r->member;
	struct pmap map = { 0 };
	const struct facts_period **best = NULL;
	uint64_t *best_index = NULL;
	const struct facts_state *st;
	double **vals = NULL;
	size_t *nvals = NULL, n = 0;
	int rc = -ENOMEM;

	if (pmap_init(&map, 1024) != 0)
		goto done;
	if (!(st = facts_state(f, ref, &rc)))
		goto done;
	rc = -ENOMEM;
	/* The reference's periods (at most 500), in the order its indicators first reported
	 * them. */
	for (size_t k = 0; k < st->n_indicators; k++) {
		const struct facts_indicator *ind = &st->indicators[k];
		for (size_t j = 0; ind->code == ce->code && j < ind->n_periods && n < 500; j++) {
			const struct facts_period *v = &ind->periods[j];
			bool fresh;
			uint32_t *slot;
			if (v->total == FACTS_NO_INDEX ||
			    !(slot = pmap_slot(&map, v->period, &fresh)) || !fresh)
				continue;
			struct benchmark_point *np = realloc(r->series, (n + 1) * sizeof(*np));
			if (!np)
				goto done;
			r->series = np;
			memset(&np[n], 0, sizeof(np[n]));
			snprintf(np[n].period, sizeof(np[n].period), "%s",
			         facts_string(f, v->period));
			*slot = (uint32_t)n++;
		}
	}
	r->n_series = n;
	if (n == 0) {
		rc = 0;
		goto done;
	}
	if (!(vals = calloc(n, sizeof(*vals))) || !(nvals = calloc(n, sizeof(*nvals))) ||
	    !(best = calloc(n, sizeof(*best))) || !(best_index = calloc(n, sizeof(*best_index))))
		goto done;
	for (size_t i = 0; i < n; i++)
		if (!(vals[i] = malloc((n_members ? n_members : 1) * sizeof(double))))
			goto done;
	for (size_t k = 0; k < n_members; k++) {
		struct facts_member *m = members[k];
		/* The member's latest total for each of the reference's periods. */
		if (!(st = facts_state(f, m, &rc)))
			goto done;
		rc = -ENOMEM;
		memset(best, 0, n * sizeof(*best));
		for (size_t i = 0; i < st->n_indicators; i++) {
			const struct facts_indicator *ind = &st->indicators[i];
			for (size_t j = 0; ind->code == ce->code && j < ind->n_periods; j++) {
				const struct facts_period *v = &ind->periods[j];
				const uint32_t *slot;
				if (v->total == FACTS_NO_INDEX ||
				    !(slot = pmap_get(&map, v->period)))
					continue;
				if (!best[*slot] || v->total > best[*slot]->total)
					best[*slot] = v;
			}
		}
		for (size_t i = 0; i < n; i++) {
			const struct facts_period *v = best[i];
			double x;
			if (!v)
				continue;
			x = v->value;
			if (ce->per_10k)
				x = m->population ? x * 10000.0 / (double)m->population : NAN;
			if (!isfinite(x))
				continue;
			vals[i][nvals[i]++] = x;
			if (m == ref) {
				r->series[i].raw = v->value;
				r->series[i].value = x;
				r->series[i].index = v->total;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		stats_of(vals[i], nvals[i], (unsigned)n_members, &r->series[i].group);
	/* In period order: by last day, then text. */
	for (size_t i = 1; i < n; i++) {
		struct benchmark_point p = r->series[i];
		facts_day a, b, pa, pb;
		char g;
		if (!facts_period_parse(p.period, &a, &b, &g))
			b = 0;
		size_t j = i;
		for (; j > 0; j--) {
			if (!facts_period_parse(r->series[j - 1].period, &pa, &pb, &g))
				pb = 0;
			if (pb < b || (pb == b && strcmp(r->series[j - 1].period, p.period) < 0))
				break;
			r->series[j] = r->series[j - 1];
		}
		r->series[j] = p;
	}
	rc = 0;
done:
	for (size_t i = 0; vals && i < n; i++)
		free(vals[i]);
	free(vals);
	free(nvals);
	free(best);
	free(best_index);
	pmap_free(&map);
	return rc;
}

int
benchmark_run(struct facts *f, const struct benchmark_query *q, struct benchmark_result *r,
              const char **bad_field, char *err, size_t errcap)
{
	struct facts_member **custom = NULL, **in = NULL;
	size_t n_custom = 0, n_in = 0;
	facts_day a, b;
	char g;
	int rc = -ENOMEM;

	memset(r, 0, sizeof(*r));
	*bad_field = NULL;
	err[0] = '\0';
	r->group = q->group;
	if (!(r->catalog = facts_catalog_find(f, q->code))) {
		err_set(err, errcap, "the national catalog has no indicator %.64s", q->code);
		*bad_field = "code";
		return -ENOENT;
	}
	const struct facts_catalog *ce = r->catalog;
	if (q->member && *q->member && !(r->member = facts_member_find(f, q->member))) {
		err_set(err, errcap, "no member %.128s in the registry", q->member);
		*bad_field = "member";
		return -ENOENT;
	}
	if (q->group == BENCHMARK_CUSTOM) {
		if (q->n_custom == 0 || q->n_custom > BENCHMARK_MAX_CUSTOM) {
			err_set(err, errcap, "group=custom takes members=a,b,... (1 to %d members)",
			        BENCHMARK_MAX_CUSTOM);
			*bad_field = "members";
			return -EINVAL;
		}
		if (!(custom = calloc(q->n_custom + 1, sizeof(*custom))))
			return -ENOMEM;
		for (size_t i = 0; i < q->n_custom; i++) {
			struct facts_member *m = facts_member_find(f, q->custom[i]);
			if (!m) {
				err_set(err, errcap, "no member %.128s in the registry",
				        q->custom[i]);
				*bad_field = "members";
				free(custom);
				return -ENOENT;
			}
			if (!listed(custom, n_custom, m))
				custom[n_custom++] = m;
		}
		if (r->member && !listed(custom, n_custom, r->member))
			custom[n_custom++] = (struct facts_member *)r->member;
	}
	if (q->period && *q->period) {
		if (!facts_period_parse(q->period, &a, &b, &g) ||
		    strlen(q->period) >= sizeof(r->period)) {
			err_set(err, errcap, "expected a period YYYY, YYYY-Qn or YYYY-MM");
			*bad_field = "period";
			free(custom);
			return -EINVAL;
		}
		snprintf(r->period, sizeof(r->period), "%s", q->period);
	} else if ((rc = default_period(f, ce->code, r->period)) != 0) {
		goto fail;
	}
	facts_str pid = facts_string_find(f, r->period);
	const char *ref_key = r->member ? group_key(q->group, r->member) : NULL;

	/* The members in scope, then one row each in its group. */
	if (!(in = calloc(f->n_members + 1, sizeof(*in))))
		goto nomem;
	for (size_t k = 0; k < f->n_members; k++) {
		struct facts_member *m = f->members[k];
		if (m->kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_OBSERVER)
			continue; /* civil society: no indicators of its own to compare */
		if (q->group == BENCHMARK_CUSTOM && !listed(custom, n_custom, m))
			continue;
		if (ref_key && strcmp(group_key(q->group, m), ref_key) != 0)
			continue;
		in[n_in++] = m;
	}
	for (size_t k = 0; k < n_in; k++) {
		struct benchmark_groupres *grp = group_for(r, group_key(q->group, in[k]), n_in);
		if (!grp)
			goto nomem;
		if ((rc = fill_row(f, ce, in[k], pid, &grp->rows[grp->n_rows++])) != 0)
			goto fail;
	}
	for (size_t i = 0; i < r->n_groups; i++)
		if ((rc = rank_group(&r->groups[i], ce->higher_is_better)) != 0)
			goto fail;
	if (r->n_groups > 1)
		qsort(r->groups, r->n_groups, sizeof(*r->groups), cmp_groups);
	if (r->member) {
		r->member_group = r->n_groups ? &r->groups[0] : NULL;
		for (size_t i = 0; r->member_group && i < r->member_group->n_rows; i++)
			if (r->member_group->rows[i].member == r->member)
				r->position = &r->member_group->rows[i];
		if ((rc = series(f, ce, r, in, n_in)) != 0)
			goto fail;
	}
	free(custom);
	free(in);
	return 0;
nomem:
	rc = -ENOMEM;
fail:
	free(custom);
	free(in);
	benchmark_result_free(r);
	err_set(err, errcap, "%s", rc == -ENOMEM ? "out of memory" : store_strerror(rc));
	return rc;
}

void
benchmark_result_free(struct benchmark_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_groups; i++)
		free(r->groups[i].rows);
	free(r->groups);
	free(r->series);
	r->groups = NULL, r->series = NULL;
	r->n_groups = r->n_series = 0;
	r->member_group = NULL, r->position = NULL;
}

/* ---- precision ---- */

int
benchmark_decimals(const struct facts *f, const struct facts_catalog *ce)
{
	const char *unit = ce->unit ? ce->unit : "";
	(void)f;
	if (ce->per_10k)
		return 2; /* 0.21 consultations per 10,000 inhabitants */
	if (!strncmp(unit, "count", 5))
		return 0;
	return 1; /* percent, days, scores */
}

double
benchmark_round(double x, int decimals)
{
	double k = decimals == 0 ? 1 : decimals == 1 ? 10 : decimals == 2 ? 100 : 1000;
	if (!isfinite(x))
		return x;
	double r = round(x * k) / k;
	return r == 0 ? 0 : r; /* no "-0" */
}
