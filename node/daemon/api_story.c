/*
 * api_story — the story of every target and date (api_domain.h):
 *   GET /api/v1/indicators/<member>/<id>   the indicator, its versions and amendments
 *                                          (history) and targetHistory
 * and the dateHistory of GET /api/v1/commitments/<member>/<id>.
 *
 * A history row is one value a target (targets[<period>]) or a date (startDate, endDate,
 * milestones[<id>].dueDate) ever had: the value, the one before, the entry that set it and
 * how — "initial" (the first version), "added" (a later version), "version" (a later version
 * changed it), "amendment" (an amendment entry changed it), "removed" (a later version left a
 * target out; a milestone, once published, stays). A change by a version is declared when an
 * amendment of the same subject and field gives the same new value (anywhere in the log: the
 * integrity rule of docs/COMPLIANCE.md, with today as the date); `declared` then names it with
 * its reason. A change that is not declared and makes a target less ambitious (given the
 * indicator's direction) or pushes a due or end date back is `hidden`: the compliance report
 * has an integrity.hidden-change finding for it, named in `finding`.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_domain.h"
#include "core/entry.h"
#include "core/pbjson.h"
#include "store/civic.h"
#include "views/csvimport.h"

#define FIELD_MAX 256
#define VALUE_MAX 64

struct amend {
	char field[FIELD_MAX], new_value[VALUE_MAX];
	uint64_t index;
	json_t *reason; /* owned */
};

struct cur {
	char field[FIELD_MAX], value[VALUE_MAX];
};

struct story {
	struct domain *x;
	uint32_t log;
	const char *subject; /* the indicator's or commitment's id */
	bool indicator;
	bool ascending; /* the indicator's direction, as its latest version so far says */
	bool seen_version;
	struct amend *am;
	size_t n_am, cap_am;
	struct cur *cur;
	size_t n_cur, cap_cur;
	json_t *rows, *history;
	int rc;
};

static bool
same_value(const char *a, const char *b)
{
	char *ea, *eb;
	double x = strtod(a, &ea), y = strtod(b, &eb);
	if (*a && *b && !*ea && !*eb)
		return x == y;
	return strcmp(a, b) == 0;
}

static void *
grow(void *p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return p;
	size_t nc = *cap ? *cap * 2 : 16;
	void *np = realloc(p, nc * size);
	if (np)
		*cap = nc;
	return np;
}

static struct cur *
cur_find(struct story *st, const char *field)
{
	for (size_t i = 0; i < st->n_cur; i++)
		if (!strcmp(st->cur[i].field, field))
			return &st->cur[i];
	return NULL;
}

static const struct amend *
declaration(const struct story *st, const char *field, const char *value)
{
	for (size_t i = 0; i < st->n_am; i++)
		if (!strcmp(st->am[i].field, field) && same_value(st->am[i].new_value, value))
			return &st->am[i];
	return NULL;
}

/* Whether old → new makes the field worse: a target less ambitious, a due or end date later. */
static bool
downgrade(const struct story *st, const char *field, const char *old, const char *new)
{
	if (st->indicator) {
		char *e1, *e2;
		double a = strtod(old, &e1), b = strtod(new, &e2);
		if (*e1 || *e2 || !*old || !*new)
			return false;
		return st->ascending ? b < a : b > a;
	}
	if (!strcmp(field, "startDate"))
		return false;
	return strlen(old) == 10 && strlen(new) == 10 && strcmp(new, old) > 0;
}

static json_t *
value_json(const struct story *st, const char *v)
{
	char *end;
	if (!v || !*v)
		return json_null();
	if (st->indicator) {
		double d = strtod(v, &end);
		if (!*end && isfinite(d))
			return domain_jnumber(d);
	}
	return json_string(v);
}

/* "targets[2026]" → "2026", "milestones[M2].dueDate" → "M2"; "" otherwise. */
static void
bracket(const char *field, char *out, size_t cap)
{
	const char *o = strchr(field, '['), *c = o ? strchr(o, ']') : NULL;
	out[0] = '\0';
	if (o && c && (size_t)(c - o - 1) < cap) {
		memcpy(out, o + 1, (size_t)(c - o - 1));
		out[c - o - 1] = '\0';
	}
}

static void
row(struct story *st, const Remacto__V1__Entry *e, uint64_t index, const char *field,
    const char *value, const char *previous, const char *how, const struct amend *declared,
    bool hidden, const char *date)
{
	json_t *r = json_object();
	char part[FIELD_MAX], subject[FIELD_MAX + INDEX_MAX_ID + 2];
	if (!r) {
		st->rc = -ENOMEM;
		return;
	}
	bracket(field, part, sizeof(part));
	json_object_set_new(r, "field", json_string(field));
	if (part[0])
		json_object_set_new(r, st->indicator ? "period" : "milestone", json_string(part));
	json_object_set_new(r, "value", value_json(st, value));
	json_object_set_new(r, "previous", value_json(st, previous));
	json_object_set_new(r, "index", domain_jindex(index));
	json_object_set_new(r, "published", api_jstr(e->published));
	if (date && *date)
		json_object_set_new(r, "date", json_string(date));
	json_object_set_new(r, "how", json_string(how));
	if (declared) {
		json_t *d = json_pack("{s:I}", "index", (json_int_t)declared->index);
		if (d && declared->reason)
			json_object_set(d, "reason", declared->reason);
		json_object_set_new(r, "declared", d);
	} else {
		json_object_set_new(r, "declared", json_null());
	}
	json_object_set_new(r, "hidden", json_boolean(hidden));
	if (hidden) {
		snprintf(subject, sizeof(subject), "%.200s %.200s", st->subject, field);
		json_object_set_new(r, "finding",
		                    json_pack("{s:s, s:s}", "code", "integrity.hidden-change",
		                              "subject", subject));
	}
	if (json_array_append_new(st->rows, r) != 0)
		st->rc = -ENOMEM;
}

/* A field's first value: 0, or -ENOMEM also left in st->rc. */
static int
cur_add(struct story *st, const char *field, const char *value)
{
	struct cur *nc = grow(st->cur, &st->cap_cur, st->n_cur, sizeof(*nc));
	if (!nc)
		return st->rc = -ENOMEM;
	st->cur = nc;
	nc = &st->cur[st->n_cur++];
	snprintf(nc->field, sizeof(nc->field), "%s", field);
	snprintf(nc->value, sizeof(nc->value), "%s", value);
	return 0;
}

/* A version sets field to value. */
static void
version_field(struct story *st, const Remacto__V1__Entry *e, uint64_t index, const char *field,
              const char *value)
{
	struct cur *c = cur_find(st, field);
	if (!value || !*value || st->rc)
		return;
	if (!c) {
		if (cur_add(st, field, value) != 0)
			return;
		row(st, e, index, field, value, NULL, st->seen_version ? "added" : "initial", NULL,
		    false, NULL);
		return;
	}
	if (same_value(c->value, value))
		return;
	const struct amend *d = declaration(st, field, value);
	bool hidden = !d && downgrade(st, field, c->value, value);
	row(st, e, index, field, value, c->value, "version", d, hidden, NULL);
	snprintf(c->value, sizeof(c->value), "%s", value);
}

static void
fold_version(struct story *st, const Remacto__V1__Entry *e, uint64_t index)
{
	char field[FIELD_MAX], value[VALUE_MAX];
	if (st->indicator) {
		const Remacto__V1__Indicator *ind = e->indicator;
		st->ascending = ind->ascending;
		for (size_t i = 0; i < ind->n_targets; i++) {
			const Remacto__V1__Target *t = ind->targets[i];
			if (!t->period || !*t->period || strlen(t->period) > FIELD_MAX - 16)
				continue;
			snprintf(field, sizeof(field), "targets[%s]", t->period);
			csvimport_number(t->value, value, sizeof(value));
			version_field(st, e, index, field, value);
		}
		/* Targets the new version leaves out. */
		for (size_t i = 0; i < st->n_cur && !st->rc; i++) {
			bool kept = false;
			for (size_t j = 0; j < ind->n_targets && !kept; j++) {
				snprintf(field, sizeof(field), "targets[%s]",
				         ind->targets[j]->period ? ind->targets[j]->period : "");
				kept = !strcmp(field, st->cur[i].field);
			}
			if (!kept && st->cur[i].value[0]) {
				row(st, e, index, st->cur[i].field, NULL, st->cur[i].value,
				    "removed", NULL, false, NULL);
				st->cur[i].value[0] = '\0';
			}
		}
	} else {
		const Remacto__V1__Commitment *c = e->commitment;
		version_field(st, e, index, "startDate", c->start_date);
		version_field(st, e, index, "endDate", c->end_date);
		for (size_t i = 0; i < c->n_milestones; i++) {
			const Remacto__V1__Milestone *m = c->milestones[i];
			if (!m->id || strlen(m->id) > FIELD_MAX - 24)
				continue;
			snprintf(field, sizeof(field), "milestones[%s].dueDate", m->id);
			version_field(st, e, index, field, m->due_date);
		}
	}
	st->seen_version = true;
}

static void
fold_amendment(struct story *st, const Remacto__V1__Entry *e, uint64_t index)
{
	const Remacto__V1__Amendment *a = e->amendment;
	const struct amend *self = NULL;
	const char *field = a->field ? a->field : "";
	bool tracked = st->indicator ? !strncmp(field, "targets[", 8)
	                             : !strcmp(field, "startDate") || !strcmp(field, "endDate") ||
	                                       (!strncmp(field, "milestones[", 11) &&
	                                        strstr(field, "].dueDate"));
	if (!tracked || !a->new_value || st->rc)
		return;
	for (size_t i = 0; i < st->n_am && !self; i++)
		if (st->am[i].index == index)
			self = &st->am[i];
	struct cur *c = cur_find(st, field);
	if (c && same_value(c->value, a->new_value))
		return; /* it declares what a version changed already */
	row(st, e, index, field, a->new_value, c ? c->value : a->old_value, "amendment", self,
	    false, a->date);
	if (c) {
		snprintf(c->value, sizeof(c->value), "%s", a->new_value);
	} else {
		cur_add(st, field, a->new_value);
	}
}

/* Pass 1: the amendments of the subject (for telling declared changes). */
static int
collect_amendment(struct story *st, const Remacto__V1__Entry *e, uint64_t index)
{
	const Remacto__V1__Amendment *a = e->amendment;
	if (e->kind_case != REMACTO__V1__ENTRY__KIND_AMENDMENT || !a->field || !a->new_value)
		return 0;
	struct amend *na = grow(st->am, &st->cap_am, st->n_am, sizeof(*na));
	if (!na)
		return -ENOMEM;
	st->am = na;
	struct amend *m = &st->am[st->n_am++];
	snprintf(m->field, sizeof(m->field), "%s", a->field);
	snprintf(m->new_value, sizeof(m->new_value), "%s", a->new_value);
	m->index = index;
	m->reason = a->reason ? pbjson_encode(&a->reason->base) : NULL;
	return 0;
}

static void
story_free(struct story *st)
{
	for (size_t i = 0; i < st->n_am; i++)
		json_decref(st->am[i].reason);
	free(st->am);
	free(st->cur);
	json_decref(st->rows);
	json_decref(st->history);
}

/* The subject's entries, in log order, as indexes. */
struct refs {
	uint64_t *v;
	size_t n, cap;
};

struct date_refs {
	uint32_t log;
	struct refs *rs;
};

static int
add_ref(const struct civic_ref *r, void *arg)
{
	struct refs *rs = arg;
	uint64_t *nv = grow(rs->v, &rs->cap, rs->n, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	rs->v = nv;
	rs->v[rs->n++] = r->index;
	return 0;
}

/* Both passes over the entries at refs; with history, each entry also goes to st->history. */
static int
tell(struct story *st, const struct refs *rs, bool history)
{
	int rc = 0;
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		for (size_t i = 0; i < rs->n && rc == 0 && st->rc == 0; i++) {
			Remacto__V1__Entry *e;
			if ((rc = domain_read_entry(st->x, st->log, rs->v[i], &e)) != 0)
				break;
			if (pass == 0) {
				rc = collect_amendment(st, e, rs->v[i]);
			} else {
				if (e->kind_case == REMACTO__V1__ENTRY__KIND_AMENDMENT)
					fold_amendment(st, e, rs->v[i]);
				else if ((st->indicator &&
				          e->kind_case == REMACTO__V1__ENTRY__KIND_INDICATOR) ||
				         (!st->indicator &&
				          e->kind_case == REMACTO__V1__ENTRY__KIND_COMMITMENT))
					fold_version(st, e, rs->v[i]);
				if (history) {
					char kind[40];
					json_t *h = json_object(), *ej = pbjson_encode(&e->base);
					entry_kind_name(e, kind, sizeof(kind));
					if (!h || !ej) {
						json_decref(h), json_decref(ej);
						rc = -ENOMEM;
					} else {
						json_object_set_new(h, "index",
						                    domain_jindex(rs->v[i]));
						json_object_set_new(h, "kind", json_string(kind));
						json_object_set_new(h, "published",
						                    api_jstr(e->published));
						json_object_set_new(h, "entry", ej);
						json_array_append_new(st->history, h);
					}
				}
			}
			domain_entry_free(e);
		}
	}
	return rc ? rc : st->rc;
}

/* The story's rows after the walk that found refs ended with rc: tells them into *out (a new
 * JSON array, NULL on error), frees the story and refs; 0 or an error. */
static int
story_rows(struct story *st, struct refs *rs, int rc, json_t **out)
{
	if (rc == 0)
		rc = tell(st, rs, false);
	*out = NULL;
	if (rc == 0)
		*out = st->rows, st->rows = NULL;
	free(rs->v);
	story_free(st);
	return rc;
}

/* A commitment's versions and amendments, for its dateHistory. */
static int
date_ref(const struct index_history *h, void *arg)
{
	struct date_refs *d = arg;
	if (h->kind != REMACTO__V1__ENTRY__KIND_COMMITMENT &&
	    h->kind != REMACTO__V1__ENTRY__KIND_AMENDMENT)
		return 0;
	struct civic_ref r = { d->log, h->index, h->kind };
	return add_ref(&r, d->rs);
}

int
domain_date_history(struct domain *x, uint32_t log, const char *commitment, json_t **out)
{
	struct story st = { .x = x, .log = log, .subject = commitment, .rows = json_array() };
	struct refs rs = { 0 };
	struct date_refs d = { log, &rs };
	int rc = st.rows ? domain_history_each(x, log, commitment, date_ref, &d) : -ENOMEM;
	return story_rows(&st, &rs, rc, out);
}

int
domain_target_history(struct domain *x, uint32_t log, const char *indicator, json_t **out)
{
	struct story st = {
		.x = x, .log = log, .subject = indicator, .indicator = true, .rows = json_array()
	};
	struct refs rs = { 0 };
	int rc = st.rows ? civic_indicator_each(x->s, x->txn, log, indicator, add_ref, &rs)
	                 : -ENOMEM;
	return story_rows(&st, &rs, rc, out);
}

void
domain_get_indicator(struct domain *x, const char *rest)
{
	static const char *const allowed[] = { NULL };
	struct story st = { .x = x, .indicator = true };
	struct index_indicator ind;
	struct refs rs = { 0 };
	Remacto__V1__Entry *e = NULL;
	char slug[128];
	json_t *j = NULL, *ij = NULL;
	const char *id;
	int rc;

	if (!api_query_check(x->req, x->resp, allowed))
		return;
	if (x->csv) {
		api_error(x->resp, 400, NULL,
		          "one indicator answers in JSON; its measurements are in "
		          "/api/v1/measurements.csv?indicator=");
		return;
	}
	if (!domain_split_rest(x, rest, "indicators", slug, sizeof(slug), &id) ||
	    !domain_member_log(x, slug, &st.log, 404))
		return;
	const char *origin = store_log_list_origin(&x->logs, st.log);
	rc = index_indicator_get(x->s, x->txn, st.log, id, &ind);
	if (rc == MDB_NOTFOUND) {
		api_error(x->resp, 404, NULL, "%s publishes no indicator %.200s", slug, id);
		return;
	}
	if (rc != 0 || (rc = domain_read_entry(x, st.log, ind.entry, &e)) != 0)
		goto fail;
	if (e->kind_case != REMACTO__V1__ENTRY__KIND_INDICATOR) {
		rc = MDB_CORRUPTED;
		goto fail;
	}
	st.subject = ind.id;
	st.rows = json_array(), st.history = json_array();
	j = json_object(), ij = pbjson_encode(&e->indicator->base);
	if (!st.rows || !st.history || !j || !ij) {
		rc = -ENOMEM;
		goto fail;
	}
	domain_indicator_fields(j, slug, origin, ij, e, &ind);
	json_object_set_new(j, "entry", pbjson_encode(&e->base));
	if ((rc = civic_indicator_each(x->s, x->txn, st.log, ind.id, add_ref, &rs)) != 0 ||
	    (rc = tell(&st, &rs, true)) != 0)
		goto fail;
	json_object_set_new(j, "targetHistory", st.rows);
	json_object_set_new(j, "history", st.history);
	st.rows = st.history = NULL;
	api_json(x->resp, 200, j);
	j = NULL;
	if (x->resp->status == 200)
		x->resp->cache_control = domain_short_lived;
	goto done;
fail:
	domain_store_error(x, rc, "cannot read the indicator's history");
done:
	json_decref(j);
	json_decref(ij);
	domain_entry_free(e);
	free(rs.v);
	story_free(&st);
}
