/*
 * compliance — the national overview and the entry points of one member's report. See
 * compliance.h for what each rule checks and how the score and status follow. Files:
 * compliance.c (names, policy, reports, the overview), compliance_rules.c (one evaluation: the
 * seven rules and the score), compliance_json.c (the JSON the API serves); compliance_impl.h is
 * what they share.
 *
 * One evaluation reads the member's objects' states as of the day (facts_at: a snapshot and at
 * most a month of events from the store), then runs the rules over the objects: a few
 * microseconds, whatever the length of the member's log. The overview evaluates every member
 * at as many days as the trend has points, member by member (its state is read once for all of
 * them), and memoises each (member, day) result until the member's log or the registry change,
 * so a repeated overview costs a lookup per member and point.
 */
#include "compliance.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance_impl.h"

const char *
compliance_status_name(enum compliance_status s)
{
	switch (s) {
	case COMPLIANCE_COMPLIANT:
		return "compliant";
	case COMPLIANCE_AT_RISK:
		return "at_risk";
	default:
		return "non_compliant";
	}
}

const char *
compliance_severity_name(enum compliance_severity s)
{
	static const char *const names[4] = { "info", "minor", "major", "critical" };
	return (unsigned)s < 4 ? names[s] : "info";
}

const char *
compliance_kind_name(int kind)
{
	static const char *const names[6] = { "unspecified", "region",  "prefecture",
		                              "province",    "commune", "observer" };
	return kind >= 0 && kind < 6 ? names[kind] : "unspecified";
}

void
compliance_policy_of(const struct facts *f, struct compliance_policy *out)
{
	const struct facts_policy *p = &f->policy;
	out->liveness_days = p->liveness_days ? p->liveness_days : COMPLIANCE_DEFAULT_LIVENESS_DAYS;
	out->follow_up_days = p->follow_up_days ? p->follow_up_days
	                                        : COMPLIANCE_DEFAULT_FOLLOW_UP_DAYS;
	out->milestone_grace_days = p->milestone_grace_days
	                                    ? p->milestone_grace_days
	                                    : COMPLIANCE_DEFAULT_MILESTONE_GRACE_DAYS;
	out->at_risk_score = p->at_risk_score ? p->at_risk_score : COMPLIANCE_DEFAULT_AT_RISK_SCORE;
	out->non_compliant_score = p->non_compliant_score ? p->non_compliant_score
	                                                  : COMPLIANCE_DEFAULT_NON_COMPLIANT_SCORE;
	if (out->at_risk_score > 100)
		out->at_risk_score = 100;
	/* A registry that says otherwise is read as: non-compliant is also at risk. */
	if (out->non_compliant_score > out->at_risk_score)
		out->non_compliant_score = out->at_risk_score;
	out->index = p->index;
}


int
compliance_member(struct facts *f, struct facts_member *m, facts_day as_of,
                  struct compliance_report *out)
{
	int rc = compliance_evaluate(f, m, as_of, true, out);
	if (rc != 0)
		compliance_report_free(out);
	return rc;
}

void
compliance_report_free(struct compliance_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_findings; i++) {
		free(r->findings[i].subject);
		free(r->findings[i].fr);
		free(r->findings[i].ar);
		free(r->findings[i].en);
		free(r->findings[i].action_fr);
		free(r->findings[i].action_ar);
		free(r->findings[i].action_en);
		free(r->findings[i].command);
		free(r->findings[i].indexes);
	}
	free(r->findings);
	r->findings = NULL;
	r->n_findings = r->cap_findings = 0;
}

/* ---- the overview ---- */

/* The member's result as of day d: memoised, or evaluated and memoised. */
static int
summary(struct facts *f, struct facts_member *m, facts_day d, struct compliance_row *row,
        struct compliance_overview *o)
{
	struct compliance_report r;
	int rc;

	row->member = m;
	if ((rc = facts_member_check(f, m)) != 0)
		return rc;
	for (unsigned i = 0; i < FACTS_MEMO; i++) {
		const struct facts_memo *mm = &m->memo[i];
		if (mm->day == d && mm->gen == m->gen && mm->rgen == f->registry_gen) {
			row->status = mm->status, row->score = mm->score;
			memcpy(row->count, mm->count, sizeof(row->count));
			o->memoised++;
			return 0;
		}
	}
	if ((rc = compliance_evaluate(f, m, d, false, &r)) != 0)
		return rc;
	o->evaluated++;
	row->status = (uint8_t)r.status, row->score = (uint8_t)r.score;
	for (int i = 0; i < 4; i++)
		row->count[i] = (uint16_t)(r.count[i] < UINT16_MAX ? r.count[i] : UINT16_MAX);
	struct facts_memo *mm = &m->memo[m->memo_next++ % FACTS_MEMO];
	mm->day = d, mm->gen = m->gen, mm->rgen = f->registry_gen;
	mm->status = row->status, mm->score = row->score;
	memcpy(mm->count, row->count, sizeof(mm->count));
	return 0;
}

int
compliance_status_at(struct facts *f, struct facts_member *m, facts_day d,
                     struct compliance_row *row)
{
	struct compliance_overview o = { 0 };
	return summary(f, m, d, row, &o);
}

static struct compliance_tally *
tally(struct compliance_tally **v, size_t *n, const char *key)
{
	size_t i;
	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i].key, key))
			return &(*v)[i];
	struct compliance_tally *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	snprintf(nv[*n].key, sizeof(nv[*n].key), "%s", key);
	return &nv[(*n)++];
}

static int
cmp_tally(const void *a, const void *b)
{
	return strcmp(((const struct compliance_tally *)a)->key,
	              ((const struct compliance_tally *)b)->key);
}

/* A collectivity admitted by day d: observers (civil society) are members of the network but
 * keep no programme of their own, so the norms do not apply to them. */
static bool
admitted_by(const struct facts_member *m, facts_day d)
{
	return m->kind != REMACTO__V1__MEMBER_KIND__MEMBER_KIND_OBSERVER &&
	       (!m->admitted || m->admitted <= d);
}

int
compliance_overview(struct facts *f, facts_day as_of, unsigned months,
                    struct compliance_overview *o)
{
	unsigned long *sum = NULL;
	int rc = -ENOMEM;

	memset(o, 0, sizeof(*o));
	o->as_of = as_of;
	compliance_policy_of(f, &o->policy);
	if (months > COMPLIANCE_MAX_MONTHS)
		months = COMPLIANCE_MAX_MONTHS;
	if (!(o->rows = calloc(f->n_members ? f->n_members : 1, sizeof(*o->rows))) ||
	    !(o->trend = calloc(months + 1, sizeof(*o->trend))) ||
	    !(sum = calloc(months + 1, sizeof(*sum))))
		goto fail;
	for (unsigned k = months + 1; k-- > 0;)
		o->trend[o->n_trend++].day = k ? facts_month_end(as_of, k) : as_of;
	/* Member by member, so that each member's state is read once for every day. */
	for (size_t i = 0; i < f->n_members; i++) {
		struct facts_member *m = f->members[i];
		struct compliance_row *row = &o->rows[o->n_rows];
		struct compliance_tally *t;
		if (admitted_by(m, as_of)) {
			if ((rc = summary(f, m, as_of, row, o)) != 0)
				goto fail;
			o->n_rows++;
			o->status[row->status]++;
			if (!(t = tally(&o->regions, &o->n_regions,
			                m->region[0] ? m->region : "unknown")))
				goto nomem;
			t->members++, t->status[row->status]++;
			if (!(t = tally(&o->kinds, &o->n_kinds, compliance_kind_name(m->kind))))
				goto nomem;
			t->members++, t->status[row->status]++;
		}
		for (size_t k = 0; k < o->n_trend; k++) {
			struct compliance_point *pt = &o->trend[k];
			struct compliance_row r;
			if (!admitted_by(m, pt->day))
				continue;
			if ((rc = summary(f, m, pt->day, &r, o)) != 0)
				goto fail;
			pt->members++;
			pt->status[r.status]++;
			sum[k] += r.score;
		}
	}
	if (o->n_regions > 1)
		qsort(o->regions, o->n_regions, sizeof(*o->regions), cmp_tally);
	if (o->n_kinds > 1)
		qsort(o->kinds, o->n_kinds, sizeof(*o->kinds), cmp_tally);
	for (size_t k = 0; k < o->n_trend; k++)
		o->trend[k].mean_score = o->trend[k].members ? (double)sum[k] / o->trend[k].members
		                                             : 0;
	free(sum);
	return 0;
nomem:
	rc = -ENOMEM;
fail:
	free(sum);
	compliance_overview_free(o);
	return rc;
}

void
compliance_overview_free(struct compliance_overview *o)
{
	if (!o)
		return;
	free(o->rows);
	free(o->regions);
	free(o->kinds);
	free(o->trend);
	o->rows = NULL, o->regions = o->kinds = NULL, o->trend = NULL;
	o->n_rows = o->n_regions = o->n_kinds = o->n_trend = 0;
}

int
compliance_overview_text(struct facts *f, facts_day as_of, unsigned months, char **text,
                         size_t *len)
{
	struct compliance_overview o;
	const uint8_t *memo;
	char key[48];
	int rc;

	if (months > COMPLIANCE_MAX_MONTHS)
		months = COMPLIANCE_MAX_MONTHS;
	snprintf(key, sizeof(key), "overview %u %u", (unsigned)as_of, months);
	if ((memo = facts_answer_get(f, key, len)) != NULL) {
		if (!(*text = malloc(*len + 1)))
			return -ENOMEM;
		memcpy(*text, memo, *len);
		(*text)[*len] = '\0';
		return 0;
	}
	if ((rc = compliance_overview(f, as_of, months, &o)) != 0)
		return rc;
	*text = compliance_overview_dump(f, &o, len);
	compliance_overview_free(&o);
	if (!*text)
		return -ENOMEM;
	facts_answer_put(f, key, (const uint8_t *)*text, *len);
	return 0;
}
