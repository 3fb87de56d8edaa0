/*
 * compliance_json — the JSON of reports, the policy and the overview, as /api/v1/compliance
 * serves them (docs/API.md). Part of the compliance module (compliance.h is the contract).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compliance.h"
#include "core/buf.h"
#include "core/pbjson.h"
#include "regions.h"

/* ---- JSON ---- */

/* A JSON string that never fails on bad UTF-8 (replicated logs hold what members signed). */
static json_t *
jday(facts_day d)
{
	char buf[11];
	if (!d)
		return json_null();
	facts_day_format(d, buf);
	return json_string(buf);
}

json_t *
compliance_policy_json(const struct compliance_policy *p)
{
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:o}", "livenessDays", (int)p->liveness_days,
	                 "followUpDays", (int)p->follow_up_days, "milestoneGraceDays",
	                 (int)p->milestone_grace_days, "atRiskScore", (int)p->at_risk_score,
	                 "nonCompliantScore", (int)p->non_compliant_score, "registryIndex",
	                 p->index == FACTS_NO_INDEX ? json_null()
	                                            : json_integer((json_int_t)p->index));
}

static json_t *
counts_json(const unsigned c[4])
{
	return json_pack("{s:i, s:i, s:i, s:i}", "critical", (int)c[COMPLIANCE_CRITICAL], "major",
	                 (int)c[COMPLIANCE_MAJOR], "minor", (int)c[COMPLIANCE_MINOR], "info",
	                 (int)c[COMPLIANCE_INFO]);
}

static json_t *
member_json(const struct facts_member *m)
{
	return json_pack("{s:o, s:o, s:{s:o, s:o, s:o}, s:s, s:o, s:o, s:o, s:I}", "member",
	                 pbjson_string(m->slug), "origin", pbjson_string(m->origin), "name", "fr",
	                 pbjson_string(m->name_fr), "ar", pbjson_string(m->name_ar), "en",
	                 pbjson_string(m->name_en), "kind", compliance_kind_name(m->kind), "hcp",
	                 pbjson_string(m->hcp), "region", pbjson_string(m->region), "regionName",
	                 regions_name_json(m->region), "population",
	                 (json_int_t)(m->population < INT64_MAX ? m->population : 0));
}

static json_t *
time_json(uint64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (!t || !gmtime_r(&tt, &tm))
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

/* "suspended", and while suspended "suspendedAtSize" and "suspensionIndex" (the registry entry
 * that says when and why, when known). */
static void
suspension_json(json_t *j, const struct facts_member *m)
{
	json_object_set_new(j, "suspended", json_boolean(m->suspended));
	if (!m->suspended)
		return;
	json_object_set_new(j, "suspendedAtSize", json_integer((json_int_t)m->suspended_at));
	if (m->suspension_index)
		json_object_set_new(j, "suspensionIndex",
		                    json_integer((json_int_t)m->suspension_index));
}

json_t *
compliance_report_json(const struct facts *f, const struct compliance_report *r)
{
	const struct facts_member *m = r->member;
	json_t *j = member_json(m), *rules = json_array(), *fs = json_array();
	(void)f;
	if (!j || !rules || !fs)
		goto fail;
	json_object_set_new(j, "registered", json_boolean(m->registered));
	suspension_json(j, m);
	json_object_set_new(j, "held", json_boolean(m->held));
	json_object_set_new(j, "logSize", json_integer((json_int_t)m->size));
	json_object_set_new(j, "asOf", jday(r->as_of));
	json_object_set_new(j, "status", json_string(compliance_status_name(r->status)));
	json_object_set_new(j, "score", json_integer(r->score));
	json_object_set_new(j, "lastWitnessed", time_json(r->last_seen_time));
	json_object_set_new(j, "witnessedSize",
	                    r->last_seen ? json_integer((json_int_t)r->seen_size) : json_null());
	json_object_set_new(j, "policy", compliance_policy_json(&r->policy));
	json_object_set_new(j, "findingCounts", counts_json(r->count));
	for (int i = 0; i < COMPLIANCE_NRULES; i++) {
		const struct compliance_rule_result *rr = &r->rules[i];
		json_array_append_new(
		        rules, json_pack("{s:s, s:i, s:b, s:i, s:i, s:f}", "id", rr->id, "weight",
		                         (int)rr->weight, "applicable", rr->applicable, "checked",
		                         (int)rr->checked, "passed", (int)rr->passed, "pass",
		                         floor(rr->pass * 10000 + 0.5) / 10000));
	}
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct compliance_finding *fd = &r->findings[i];
		json_t *ix = json_array();
		for (size_t k = 0; ix && k < fd->n_indexes; k++)
			json_array_append_new(ix, json_integer((json_int_t)fd->indexes[k]));
		json_array_append_new(
		        fs,
		        json_pack(
		                "{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o}",
		                "rule", fd->rule, "code", fd->code, "severity",
		                compliance_severity_name(fd->severity), "subject",
		                pbjson_string(fd->subject), "fr", pbjson_string(fd->fr), "ar",
		                pbjson_string(fd->ar), "en", pbjson_string(fd->en), "action", "fr",
		                pbjson_string(fd->action_fr), "ar", pbjson_string(fd->action_ar),
		                "en", pbjson_string(fd->action_en), "command",
		                pbjson_string(fd->command), "logIndexes", ix ? ix : json_array()));
	}
	json_object_set_new(j, "rules", rules);
	json_object_set_new(j, "findings", fs);
	return j;
fail:
	json_decref(j);
	json_decref(rules);
	json_decref(fs);
	return NULL;
}

static json_t *
status_counts(unsigned members, const unsigned s[3])
{
	return json_pack("{s:i, s:i, s:i, s:i}", "members", (int)members, "compliant",
	                 (int)s[COMPLIANCE_COMPLIANT], "atRisk", (int)s[COMPLIANCE_AT_RISK],
	                 "nonCompliant", (int)s[COMPLIANCE_NON_COMPLIANT]);
}

static json_t *
tallies_json(const struct compliance_tally *t, size_t n, const char *name)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		json_t *o = status_counts(t[i].members, t[i].status);
		json_object_set_new(o, name, json_string(t[i].key));
		if (!strcmp(name, "region"))
			json_object_set_new(o, "regionName", regions_name_json(t[i].key));
		json_array_append_new(a, o);
	}
	return a;
}

/* Everything in the overview but its members' rows. */
static json_t *
overview_head_json(const struct compliance_overview *o)
{
	json_t *j = json_object(), *trend = json_array();
	if (!j || !trend) {
		json_decref(j);
		json_decref(trend);
		return NULL;
	}
	json_object_set_new(j, "asOf", jday(o->as_of));
	json_object_set_new(j, "policy", compliance_policy_json(&o->policy));
	json_t *counts = status_counts((unsigned)o->n_rows, o->status);
	unsigned suspended = 0;
	for (size_t i = 0; i < o->n_rows; i++)
		suspended += o->rows[i].member->suspended;
	json_object_set_new(counts, "suspended", json_integer(suspended));
	json_object_set_new(j, "counts", counts);
	json_object_set_new(j, "byRegion", tallies_json(o->regions, o->n_regions, "region"));
	json_object_set_new(j, "byKind", tallies_json(o->kinds, o->n_kinds, "kind"));
	for (size_t i = 0; i < o->n_trend; i++) {
		const struct compliance_point *p = &o->trend[i];
		json_t *pt = status_counts(p->members, p->status);
		json_object_set_new(pt, "date", jday(p->day));
		json_object_set_new(pt, "meanScore",
		                    json_real(floor(p->mean_score * 10 + 0.5) / 10));
		json_array_append_new(trend, pt);
	}
	json_object_set_new(j, "trend", trend);
	return j;
}

json_t *
compliance_overview_json(const struct facts *f, const struct compliance_overview *o)
{
	json_t *j = overview_head_json(o), *rows = json_array();
	(void)f;
	if (!j || !rows) {
		json_decref(j);
		json_decref(rows);
		return NULL;
	}
	for (size_t i = 0; i < o->n_rows; i++) {
		const struct compliance_row *r = &o->rows[i];
		unsigned c[4] = { r->count[0], r->count[1], r->count[2], r->count[3] };
		json_t *row = member_json(r->member);
		json_object_del(row, "hcp");
		json_object_set_new(row, "status", json_string(compliance_status_name(r->status)));
		json_object_set_new(row, "score", json_integer(r->score));
		json_object_set_new(row, "findings", counts_json(c));
		suspension_json(row, r->member);
		json_array_append_new(rows, row);
	}
	json_object_set_new(j, "members", rows);
	return j;
}

/* ---- the overview's text ---- */

/* The registry's part of member m's row (member_json without hcp), as json_dumps writes it but
 * for its closing brace: kept with the member until the registry changes. */
static int
row_head(const struct facts *f, struct facts_member *m)
{
	if (m->row && m->row_rgen == f->registry_gen)
		return 0;
	json_t *j = member_json(m);
	if (!j)
		return -ENOMEM;
	json_object_del(j, "hcp");
	char *s = json_dumps(j, COMPLIANCE_JSON_FLAGS);
	json_decref(j);
	if (!s)
		return -ENOMEM;
	free(m->row);
	m->row = s;
	m->row_len = strlen(s) - 1; /* without the closing brace */
	m->row_rgen = f->registry_gen;
	return 0;
}

char *
compliance_overview_dump(struct facts *f, const struct compliance_overview *o, size_t *len)
{
	struct buf b = { 0 };
	json_t *head = overview_head_json(o);
	char *h = head ? json_dumps(head, COMPLIANCE_JSON_FLAGS) : NULL;
	json_decref(head);
	if (!h)
		return NULL;
	/* The head's members key comes last: its text, then the rows. */
	buf_put(&b, h, strlen(h) - 1);
	free(h);
	buf_puts(&b, ",\"members\":[");
	for (size_t i = 0; i < o->n_rows; i++) {
		const struct compliance_row *r = &o->rows[i];
		struct facts_member *m = r->member;
		if (row_head(f, m) != 0) {
			buf_fail(&b, -ENOMEM);
			break;
		}
		if (i)
			buf_putc(&b, ',');
		buf_put(&b, m->row, m->row_len);
		buf_printf(&b,
		           ",\"status\":\"%s\",\"score\":%d,\"findings\":{\"critical\":%d,"
		           "\"major\":%d,\"minor\":%d,\"info\":%d},\"suspended\":%s",
		           compliance_status_name(r->status), (int)r->score,
		           (int)r->count[COMPLIANCE_CRITICAL], (int)r->count[COMPLIANCE_MAJOR],
		           (int)r->count[COMPLIANCE_MINOR], (int)r->count[COMPLIANCE_INFO],
		           m->suspended ? "true" : "false");
		if (m->suspended) {
			buf_printf(&b, ",\"suspendedAtSize\":%lld", (long long)m->suspended_at);
			if (m->suspension_index)
				buf_printf(&b, ",\"suspensionIndex\":%lld",
				           (long long)m->suspension_index);
		}
		buf_putc(&b, '}');
	}
	buf_puts(&b, "]}");
	if (b.err) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, len);
}
