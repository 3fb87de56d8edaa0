/*
 * benchmark_json — a benchmark's JSON as /api/v1/benchmarks serves it (docs/API.md), and its
 * text memoised (benchmark_text). Part of the benchmark module (benchmark.h is the contract).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark.h"
#include "compliance.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/pbjson.h"
#include "csvimport.h"
#include "regions.h"

/* ---- JSON ---- */

static json_t *
jnum(double x)
{
	if (!isfinite(x))
		return json_null();
	if (fabs(x) <= 9007199254740992.0 && x == floor(x) && !(x == 0 && signbit(x)))
		return json_integer((json_int_t)x);
	return json_real(x);
}


/* A value at its unit's precision (statistics keep one decimal even for counts). */
static json_t *
jround(double x, int decimals)
{
	return jnum(benchmark_round(x, decimals));
}

static json_t *
stats_json(const struct benchmark_stats *s, int dec)
{
	dec = dec < 1 ? 1 : dec;
	json_t *j = json_pack(
	        "{s:i, s:i, s:i, s:o, s:o, s:b}", "members", (int)s->members, "reported",
	        (int)s->reported, "missing", (int)(s->members - s->reported), "mean",
	        s->reported ? jround(s->mean, dec) : json_null(), "median",
	        s->reported ? jround(s->median, dec) : json_null(), "single", s->single);
	const char *note = s->reported == 0 ? "no member of this group reported"
	                   : s->single
	                           ? "one member reported: the mean and median are its own value, "
	                             "not a comparison"
	                           : NULL;
	json_object_set_new(j, "note", note ? json_string(note) : json_null());
	return j;
}

static json_t *
row_json(const struct benchmark_row *row, int dec)
{
	const struct facts_member *m = row->member;
	json_t *j = json_pack("{s:o, s:o, s:o, s:s, s:o, s:I}", "member", pbjson_string(m->slug),
	                      "origin", pbjson_string(m->origin), "name", pbjson_string(m->name_fr),
	                      "kind", benchmark_kind_name(m->kind), "region",
	                      pbjson_string(m->region), "population",
	                      (json_int_t)(m->population < INT64_MAX ? m->population : 0));
	json_object_set_new(j, "regionName", regions_name_json(m->region));
	json_object_set_new(j, "missing", json_boolean(row->missing));
	json_object_set_new(j, "reason", row->missing ? json_string(row->reason) : json_null());
	json_object_set_new(j, "value", row->missing ? json_null() : jround(row->value, dec));
	json_object_set_new(j, "rawValue",
	                    row->index != FACTS_NO_INDEX ? jnum(row->raw) : json_null());
	json_object_set_new(j, "logIndex",
	                    row->index != FACTS_NO_INDEX ? json_integer((json_int_t)row->index)
	                                                 : json_null());
	json_object_set_new(j, "rank", row->missing ? json_null() : json_integer(row->rank));
	json_object_set_new(j, "percentile", row->missing ? json_null() : jnum(row->percentile));
	return j;
}

/* The result's head: code, indicator, period, group. */
static json_t *
head_json(const struct facts *f, const struct benchmark_result *r)
{
	const struct facts_catalog *ce = r->catalog;
	char principle[64];
	json_t *j = json_object();
	if (!j)
		return NULL;
	json_object_set_new(j, "code", pbjson_string(facts_string(f, ce->code)));
	json_object_set_new(
	        j, "indicator",
	        json_pack("{s:{s:o, s:o, s:o}, s:o, s:s, s:b, s:s, s:b, "
	                  "s:I}",
	                  "title", "fr", pbjson_string(ce->title_fr), "ar",
	                  pbjson_string(ce->title_ar), "en", pbjson_string(ce->title_en), "unit",
	                  pbjson_string(ce->unit), "principle",
	                  csvimport_enum_short(&remacto__v1__principle__descriptor, ce->principle,
	                                       principle, sizeof(principle)),
	                  "higherIsBetter", ce->higher_is_better, "normalisation",
	                  ce->per_10k ? "per_10000_inhabitants" : "none", "withdrawn",
	                  ce->withdrawn, "registryIndex", (json_int_t)ce->index));
	json_object_set_new(j, "period", r->period[0] ? json_string(r->period) : json_null());
	json_object_set_new(j, "group", json_string(benchmark_group_name(r->group)));
	return j;
}

/* A group but its rows: statistics and key. */
static json_t *
group_head_json(const struct benchmark_groupres *g, int dec)
{
	json_t *gj = stats_json(&g->stats, dec);
	json_object_set_new(gj, "key", json_string(g->key));
	return gj;
}

/* The reference member's position in its group. */
static json_t *
position_json(const struct benchmark_result *r, int dec, int sdec)
{
	const struct benchmark_row *p = r->position;
	const struct benchmark_stats *s = r->member_group ? &r->member_group->stats : NULL;
	json_t *pos = json_pack("{s:o, s:o}", "member", pbjson_string(r->member->slug), "group",
	                        json_string(r->member_group ? r->member_group->key : ""));
	json_object_set_new(pos, "value", p && !p->missing ? jround(p->value, dec) : json_null());
	json_object_set_new(pos, "missing", json_boolean(!p || p->missing));
	json_object_set_new(pos, "rank", p && !p->missing ? json_integer(p->rank) : json_null());
	json_object_set_new(pos, "of", json_integer(s ? s->reported : 0));
	json_object_set_new(pos, "percentile",
	                    p && !p->missing ? jnum(p->percentile) : json_null());
	json_object_set_new(pos, "groupMean",
	                    s && s->reported ? jround(s->mean, sdec) : json_null());
	json_object_set_new(pos, "groupMedian",
	                    s && s->reported ? jround(s->median, sdec) : json_null());
	json_object_set_new(pos, "vsMedian",
	                    p && !p->missing && s && s->reported
	                            ? jround(p->value - s->median, sdec)
	                            : json_null());
	return pos;
}

/* The reference member's series. */
static json_t *
series_json(const struct benchmark_result *r, int dec)
{
	json_t *ser = json_array();
	for (size_t i = 0; ser && i < r->n_series; i++) {
		const struct benchmark_point *pt = &r->series[i];
		json_t *o = json_pack("{s:s, s:o, s:o, s:I, s:o}", "period", pt->period, "value",
		                      jround(pt->value, dec), "rawValue", jnum(pt->raw), "logIndex",
		                      (json_int_t)pt->index, "group", stats_json(&pt->group, dec));
		json_array_append_new(ser, o);
	}
	return ser ? ser : json_array();
}

json_t *
benchmark_result_json(const struct facts *f, const struct benchmark_result *r)
{
	int dec = benchmark_decimals(f, r->catalog), sdec = dec < 1 ? 1 : dec;
	json_t *j = head_json(f, r), *groups = json_array();
	if (!j || !groups) {
		json_decref(j);
		json_decref(groups);
		return NULL;
	}
	for (size_t i = 0; i < r->n_groups; i++) {
		const struct benchmark_groupres *g = &r->groups[i];
		json_t *gj = group_head_json(g, dec), *rows = json_array();
		for (size_t k = 0; rows && k < g->n_rows; k++)
			json_array_append_new(rows, row_json(&g->rows[k], dec));
		json_object_set_new(gj, "rows", rows ? rows : json_array());
		json_array_append_new(groups, gj);
	}
	json_object_set_new(j, "groups", groups);
	if (r->member) {
		json_object_set_new(j, "position", position_json(r, dec, sdec));
		json_object_set_new(j, "series", series_json(r, dec));
	}
	return j;
}

/* ---- the text, without a JSON tree per row ---- */

/* j as json_dumps writes it; without its last byte (an object's closing brace) when open.
 * Takes j. */
static void
put_json(struct buf *b, json_t *j, bool open)
{
	char *s = j ? json_dumps(j, COMPLIANCE_JSON_FLAGS | JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	if (!s) {
		buf_fail(b, -ENOMEM);
		return;
	}
	buf_put(b, s, strlen(s) - (open ? 1 : 0));
	free(s);
}

/* A number as jnum's JSON, written as jansson writes it with COMPLIANCE_JSON_FLAGS (reals:
 * %.15g, a ".0" when it would read as an integer, the exponent without "+" or leading zeros). */
static void
put_num(struct buf *b, double x)
{
	char t[64];
	if (!isfinite(x)) {
		buf_puts(b, "null");
		return;
	}
	if (fabs(x) <= 9007199254740992.0 && x == floor(x) && !(x == 0 && signbit(x))) {
		buf_printf(b, "%lld", (long long)x);
		return;
	}
	int n = snprintf(t, sizeof(t) - 3, "%.15g", x);
	if (n < 0 || (size_t)n >= sizeof(t) - 3) {
		buf_fail(b, -EINVAL);
		return;
	}
	for (char *c = t; *c; c++)
		if (*c == ',')
			*c = '.'; /* a locale's decimal comma, as jansson undoes it */
	if (!strchr(t, '.') && !strchr(t, 'e'))
		strcat(t, ".0");
	char *e = strchr(t, 'e');
	if (e) {
		char *start = e + 1, *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start)
			memmove(start, end, strlen(end) + 1);
	}
	buf_puts(b, t);
}

/* A static ASCII string as JSON (the reasons a value is missing). */
static void
put_str(struct buf *b, const char *s)
{
	put_json(b, json_string(s), false);
}

/* The registry's part of member m's row (row_json but its results), as json_dumps writes it
 * but for its closing brace: kept with the member until the registry changes. */
static int
brow_head(const struct facts *f, struct facts_member *m)
{
	if (m->brow && m->brow_rgen == f->registry_gen)
		return 0;
	json_t *j = json_pack("{s:o, s:o, s:o, s:s, s:o, s:I}", "member", pbjson_string(m->slug),
	                      "origin", pbjson_string(m->origin), "name", pbjson_string(m->name_fr),
	                      "kind", benchmark_kind_name(m->kind), "region",
	                      pbjson_string(m->region), "population",
	                      (json_int_t)(m->population < INT64_MAX ? m->population : 0));
	if (!j)
		return -ENOMEM;
	json_object_set_new(j, "regionName", regions_name_json(m->region));
	char *s = json_dumps(j, COMPLIANCE_JSON_FLAGS);
	json_decref(j);
	if (!s)
		return -ENOMEM;
	free(m->brow);
	m->brow = s;
	m->brow_len = strlen(s) - 1;
	m->brow_rgen = f->registry_gen;
	return 0;
}

char *
benchmark_result_dump(struct facts *f, const struct benchmark_result *r, size_t *len)
{
	int dec = benchmark_decimals(f, r->catalog), sdec = dec < 1 ? 1 : dec;
	struct buf b = { 0 };

	put_json(&b, head_json(f, r), true);
	buf_puts(&b, ",\"groups\":[");
	for (size_t i = 0; i < r->n_groups && !b.err; i++) {
		const struct benchmark_groupres *g = &r->groups[i];
		if (i)
			buf_putc(&b, ',');
		put_json(&b, group_head_json(g, dec), true);
		buf_puts(&b, ",\"rows\":[");
		for (size_t k = 0; k < g->n_rows; k++) {
			const struct benchmark_row *row = &g->rows[k];
			/* rows point into f's members (benchmark_run) */
			struct facts_member *m = (struct facts_member *)row->member;
			if (brow_head(f, m) != 0) {
				buf_fail(&b, -ENOMEM);
				break;
			}
			if (k)
				buf_putc(&b, ',');
			buf_put(&b, m->brow, m->brow_len);
			buf_printf(&b,
			           ",\"missing\":%s,\"reason\":", row->missing ? "true" : "false");
			if (row->missing)
				put_str(&b, row->reason);
			else
				buf_puts(&b, "null");
			buf_puts(&b, ",\"value\":");
			if (row->missing)
				buf_puts(&b, "null");
			else
				put_num(&b, benchmark_round(row->value, dec));
			buf_puts(&b, ",\"rawValue\":");
			if (row->index != FACTS_NO_INDEX)
				put_num(&b, row->raw);
			else
				buf_puts(&b, "null");
			if (row->index != FACTS_NO_INDEX)
				buf_printf(&b, ",\"logIndex\":%lld", (long long)row->index);
			else
				buf_puts(&b, ",\"logIndex\":null");
			if (row->missing)
				buf_puts(&b, ",\"rank\":null,\"percentile\":null}");
			else {
				buf_printf(&b,
				           ",\"rank\":%lld,\"percentile\":", (long long)row->rank);
				put_num(&b, row->percentile);
				buf_putc(&b, '}');
			}
		}
		buf_puts(&b, "]}");
	}
	buf_putc(&b, ']');
	if (r->member) {
		buf_puts(&b, ",\"position\":");
		put_json(&b, position_json(r, dec, sdec), false);
		buf_puts(&b, ",\"series\":");
		put_json(&b, series_json(r, dec), false);
	}
	buf_putc(&b, '}');
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, len);
}

/* The memo's key of q: every field, each after its length, so that no two questions share it. */
static char *
query_key(const struct benchmark_query *q)
{
	const char *v[4] = { q->code, q->period, q->member, benchmark_group_name(q->group) };
	size_t n = 16;
	for (size_t i = 0; i < 4; i++)
		n += (v[i] ? strlen(v[i]) : 0) + 24;
	for (size_t i = 0; i < q->n_custom; i++)
		n += strlen(q->custom[i]) + 24;
	char *k = malloc(n), *p = k;
	if (!k)
		return NULL;
	p += sprintf(p, "benchmark");
	for (size_t i = 0; i < 4; i++)
		p += sprintf(p, " %zu:%s", v[i] ? strlen(v[i]) : 0, v[i] ? v[i] : "");
	for (size_t i = 0; i < q->n_custom; i++)
		p += sprintf(p, " %zu:%s", strlen(q->custom[i]), q->custom[i]);
	return k;
}

int
benchmark_text(struct facts *f, const struct benchmark_query *q, char **text, size_t *len,
               const char **bad_field, char *err, size_t errcap)
{
	struct benchmark_result r;
	const uint8_t *memo;
	char *key = query_key(q);
	int rc = -ENOMEM;

	*bad_field = NULL;
	*text = NULL;
	if (!key) {
		err_set(err, errcap, "out of memory");
		return -ENOMEM;
	}
	if ((memo = facts_answer_get(f, key, len)) != NULL) {
		if ((*text = malloc(*len + 1)) != NULL) {
			memcpy(*text, memo, *len);
			(*text)[*len] = '\0';
			rc = 0;
		}
		goto done;
	}
	if ((rc = benchmark_run(f, q, &r, bad_field, err, errcap)) != 0)
		goto done;
	*text = benchmark_result_dump(f, &r, len);
	benchmark_result_free(&r);
	if (!*text) {
		rc = -ENOMEM;
		goto done;
	}
	facts_answer_put(f, key, (const uint8_t *)*text, *len);
	rc = 0;
done:
	if (rc == -ENOMEM)
		err_set(err, errcap, "out of memory");
	free(key);
	return rc;
}
