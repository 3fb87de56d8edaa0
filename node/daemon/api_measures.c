/*
 * api_measures — the indicators and measurements of the domain view (api_domain.h):
 *   GET /api/v1/indicators[.csv]
 *   GET /api/v1/measurements[.csv]
 * What they answer, and the CSV columns, are in api_domain.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_domain.h"
#include "core/entry.h"
#include "core/pbjson.h"
#include "views/csvimport.h"

/* ---- indicators ---- */

static const char *const indicator_columns[] = {
	"member",   "id",        "catalog_code",    "commitment_id",
	"title_fr", "title_ar",  "title_en",        "unit",
	"measure",  "ascending", "baseline_period", "baseline_value",
	"targets",  "published", "log_index",       NULL,
};

static void
num_field(struct csv *c, double x)
{
	char buf[40];
	csvimport_number(x, buf, sizeof(buf));
	csv_field(c, buf);
}

static void
indicator_csv(struct csv *c, const char *slug, const Remacto__V1__Entry *e, uint64_t index)
{
	const Remacto__V1__Indicator *m = e->indicator;
	const Remacto__V1__Text *t = m->title;
	char s[64];
	csv_field(c, slug);
	csv_field(c, m->id);
	csv_field(c, m->catalog_code);
	csv_field(c, m->commitment_id);
	csv_field(c, t ? t->fr : "");
	csv_field(c, t ? t->ar : "");
	csv_field(c, t ? t->en : "");
	csv_field(c, m->unit);
	csv_field(c, csvimport_enum_short(&remacto__v1__measure__descriptor, m->measure, s,
	                                  sizeof(s)));
	csv_field(c, m->ascending ? "true" : "false");
	csv_field(c, m->baseline_period);
	num_field(c, m->baseline_value);
	{
		/* period=value;… built as one cell (periods never hold ';' or '='). */
		char *cell = NULL;
		size_t len = 0;
		for (size_t i = 0; i < m->n_targets; i++) {
			char num[40];
			csvimport_number(m->targets[i]->value, num, sizeof(num));
			const char *p = m->targets[i]->period ? m->targets[i]->period : "";
			size_t add = strlen(p) + strlen(num) + 2;
			char *nc = realloc(cell, len + add + 1);
			if (!nc) {
				csv_fail(c);
				break;
			}
			cell = nc;
			len += (size_t)snprintf(cell + len, add + 1, "%s%s=%s", i ? ";" : "", p,
			                        num);
		}
		csv_field(c, cell ? cell : "");
		free(cell);
	}
	csv_field(c, e->published);
	csv_fieldf(c, "%llu", (unsigned long long)index);
	csv_end_row(c);
}

static enum domain_verdict
indicator_match(struct domain_scan *sc, const MDB_val *k, const MDB_val *v)
{
	const char *code = sc->arg;
	struct index_indicator ind;
	if (!index_indicator_decode(k, v, &ind))
		return DOMAIN_SKIP;
	return !code[0] || !strcmp(ind.code, code) ? DOMAIN_TAKE : DOMAIN_SKIP;
}

void
domain_indicator_fields(json_t *j, const char *member, const char *origin, json_t *ij,
                        const Remacto__V1__Entry *e, const struct index_indicator *ind)
{
	const char *key;
	json_t *val;
	json_object_set_new(j, "member", api_jstr(member));
	json_object_set_new(j, "origin", api_jstr(origin));
	json_object_foreach(ij, key, val) json_object_set(j, key, val);
	json_object_set_new(j, "published", api_jstr(e->published));
	json_object_set_new(j, "logIndex", domain_jindex(ind->entry));
	json_object_set_new(j, "firstIndex", domain_jindex(ind->first));
	json_object_set_new(j, "versions", json_integer(ind->versions));
}

static int
indicator_emit(struct domain_scan *sc, const MDB_val *k, const MDB_val *v)
{
	struct domain *x = sc->x;
	struct index_indicator ind;
	Remacto__V1__Entry *e;
	const char *origin;
	int rc;

	if (!index_indicator_decode(k, v, &ind) ||
	    !(origin = store_log_list_origin(&x->logs, ind.log)))
		return MDB_CORRUPTED;
	if ((rc = domain_read_entry(x, ind.log, ind.entry, &e)) != 0)
		return rc;
	if (e->kind_case != REMACTO__V1__ENTRY__KIND_INDICATOR) {
		domain_entry_free(e);
		return MDB_CORRUPTED;
	}
	if (x->csv) {
		indicator_csv(&sc->csv, store_slug(origin), e, ind.entry);
	} else {
		json_t *row = json_object(), *ij = pbjson_encode(&e->indicator->base);
		if (!row || !ij) {
			json_decref(row);
			json_decref(ij);
			domain_entry_free(e);
			return -ENOMEM;
		}
		domain_indicator_fields(row, store_slug(origin), origin, ij, e, &ind);
		json_decref(ij);
		if (json_array_append_new(sc->rows, row) != 0)
			rc = -ENOMEM;
	}
	domain_entry_free(e);
	return rc;
}

void
domain_list_indicators(struct domain *x)
{
	static const char *const allowed[] = { "member", "code", "limit", "cursor", "offset", NULL };
	char member[DOMAIN_PARAM_MAX], code[DOMAIN_PARAM_MAX];
	struct domain_scan sc = { .x = x,
		                  .db = INDEX_INDICATORS,
		                  .match = indicator_match,
		                  .emit = indicator_emit,
		                  .arg = code };
	uint32_t log;

	if (!api_query_check(x->req, x->resp, allowed) ||
	    !api_query_str(x->req, x->resp, "member", member, sizeof(member)) ||
	    !api_query_str(x->req, x->resp, "code", code, sizeof(code)) ||
	    !domain_scan_params(x, &sc))
		return;
	if (!domain_scan_member(&sc, member, &log))
		return;
	if (x->csv) {
		for (size_t i = 0; indicator_columns[i]; i++)
			csv_field(&sc.csv, indicator_columns[i]);
		csv_end_row(&sc.csv);
	} else if (!(sc.rows = json_array())) {
		api_error(x->resp, 500, NULL, "out of memory");
		return;
	}
	domain_scan_respond(&sc, "indicators");
}

/* ---- measurements ---- */

struct meas_filter {
	char indicator[DOMAIN_PARAM_MAX];
	char period[DOMAIN_PARAM_MAX];
};

/* With an indicator filter, jumps from block to block (and log to log) straight to
 * log‖block‖indicator‖0: one or two seeks per block of 4096 entries, whatever else they hold. */
static enum domain_verdict
meas_match(struct domain_scan *sc, const MDB_val *k, const MDB_val *v)
{
	const struct meas_filter *f = sc->arg;
	struct index_measurement m;
	if (!index_measurement_decode(k, v, &m))
		return DOMAIN_SKIP;
	if (f->indicator[0]) {
		int c = strcmp(m.indicator, f->indicator);
		if (c != 0) {
			uint32_t log = m.log, block = m.block;
			if (c > 0) {
				if (block == UINT32_MAX) {
					if (log == UINT32_MAX || sc->prefix_len)
						return DOMAIN_STOP;
					log++, block = 0;
				} else {
					block++;
				}
			}
			sc->seek_len = index_measurement_key(sc->seek, log, block, f->indicator);
			return DOMAIN_SEEK;
		}
	}
	if (f->period[0] && strcmp(m.period, f->period) != 0)
		return DOMAIN_SKIP;
	return DOMAIN_TAKE;
}

static int
meas_emit(struct domain_scan *sc, const MDB_val *k, const MDB_val *v)
{
	struct domain *x = sc->x;
	struct index_measurement m;
	Remacto__V1__Entry *e;
	const char *origin;
	int rc;

	if (!index_measurement_decode(k, v, &m) ||
	    !(origin = store_log_list_origin(&x->logs, m.log)))
		return MDB_CORRUPTED;
	if ((rc = domain_read_entry(x, m.log, m.index, &e)) != 0)
		return rc;
	if (e->kind_case != REMACTO__V1__ENTRY__KIND_MEASUREMENT) {
		domain_entry_free(e);
		return MDB_CORRUPTED;
	}
	if (x->csv) {
		csvimport_measurement_row(&sc->csv, store_slug(origin), e, m.index);
	} else {
		json_t *row = json_object(), *mj = pbjson_encode(&e->measurement->base);
		const char *key;
		json_t *val;
		if (!row || !mj) {
			json_decref(row);
			json_decref(mj);
			domain_entry_free(e);
			return -ENOMEM;
		}
		json_object_set_new(row, "member", api_jstr(store_slug(origin)));
		json_object_set_new(row, "origin", api_jstr(origin));
		json_object_set_new(row, "indicatorId", api_jstr(m.indicator));
		json_object_set_new(row, "period", api_jstr(m.period));
		json_object_set_new(row, "value", domain_jnumber(m.value));
		json_object_foreach(mj, key, val) if (strcmp(key, "indicatorId") &&
		                                      strcmp(key, "period") && strcmp(key, "value"))
		        json_object_set(row, key, val);
		json_object_set_new(row, "published", api_jstr(e->published));
		json_object_set_new(row, "logIndex", domain_jindex(m.index));
		json_decref(mj);
		if (json_array_append_new(sc->rows, row) != 0)
			rc = -ENOMEM;
	}
	domain_entry_free(e);
	return rc;
}

/* Does some log (or log `only`) define indicator id? */
static int
indicator_exists(struct domain *x, const char *id, uint32_t only, bool *found)
{
	struct index_indicator ind;
	int rc = 0;
	*found = false;
	for (size_t i = 0; i < x->logs.n && !*found; i++) {
		if (only && x->logs.v[i].id != only)
			continue;
		rc = index_indicator_get(x->s, x->txn, x->logs.v[i].id, id, &ind);
		*found = rc == 0;
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

void
domain_list_measurements(struct domain *x)
{
	static const char *const allowed[] = { "indicator", "member", "period", "limit",
		                               "cursor",    "offset", NULL };
	struct meas_filter f;
	struct domain_scan sc = {
		.x = x, .db = INDEX_MEASUREMENTS, .match = meas_match, .emit = meas_emit, .arg = &f
	};
	char member[DOMAIN_PARAM_MAX];
	uint32_t log = 0;
	int rc;

	if (!api_query_check(x->req, x->resp, allowed) ||
	    !api_query_str(x->req, x->resp, "member", member, sizeof(member)) ||
	    !api_query_str(x->req, x->resp, "indicator", f.indicator, sizeof(f.indicator)) ||
	    !api_query_str(x->req, x->resp, "period", f.period, sizeof(f.period)) ||
	    !domain_scan_params(x, &sc))
		return;
	if (f.period[0] && !entry_valid_period(f.period)) {
		api_error(x->resp, 400, "period", "expected a period YYYY, YYYY-Qn or YYYY-MM");
		return;
	}
	if (!domain_scan_member(&sc, member, &log))
		return;
	if (f.indicator[0]) {
		bool found;
		if ((rc = indicator_exists(x, f.indicator, log, &found)) != 0) {
			domain_store_error(x, rc, "cannot read the indicators");
			return;
		}
		if (!found) {
			api_error(x->resp, 400, "indicator", "no indicator %s %s", f.indicator,
			          log ? "in this member's log" : "on this node");
			return;
		}
	}
	if (x->csv) {
		csvimport_header(&sc.csv, CSVIMPORT_MEASUREMENTS);
	} else if (!(sc.rows = json_array())) {
		api_error(x->resp, 500, NULL, "out of memory");
		return;
	}
	domain_scan_respond(&sc, "measurements");
}
