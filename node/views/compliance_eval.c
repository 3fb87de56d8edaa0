/*
 * compliance_eval — one evaluation of one member as of a day: a pass over each of the member's
 * fact arrays keeping what is visible, then the seven rules (compliance_rules.c), then the
 * score and status; and what the rules share to record their results and findings. Part of the
 * compliance module (compliance.h is the contract, compliance_impl.h what its files share).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance.h"
#include "compliance_impl.h"

#include "remacto.pb-c.h"

static const struct {
	const char *id;
	unsigned weight;
} rule_def[COMPLIANCE_NRULES] = {
	{ "liveness", 20 },   { "coverage", 15 },  { "follow-up", 20 }, { "milestones", 15 },
	{ "indicators", 15 }, { "integrity", 10 }, { "timeliness", 5 },
};

void
compliance_idx_add(struct idx *x, uint64_t i)
{
	if (i == FACTS_NO_INDEX)
		return;
	if (x->n < 8 && !x->more) {
		x->v[x->n++] = i;
		return;
	}
	if (!x->more || x->n == x->cap) {
		size_t ncap = x->cap ? x->cap * 2 : 32;
		uint64_t *nm = realloc(x->more, ncap * sizeof(*nm));
		if (!nm)
			return; /* the list is shorter; the finding still stands */
		if (!x->more)
			memcpy(nm, x->v, x->n * sizeof(*nm));
		x->more = nm, x->cap = ncap;
	}
	x->more[x->n++] = i;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void
compliance_idx_free(struct idx *x)
{
	free(x->more);
	x->more = NULL;
	x->n = x->cap = 0;
}

static char *
dupstr(const char *s)
{
	return strdup(s ? s : "");
}


/* Counts a finding and, for a full report, records it (indexes sorted, duplicates removed). */
void
compliance_finding(struct eval *ev, enum compliance_rule rule, const char *code,
                   enum compliance_severity sev, const char *subject, const struct words *w,
                   struct idx *ix)
{
	struct compliance_report *r = ev->r;
	r->count[sev]++;
	if (!ev->full || ev->rc != 0)
		goto done;
	if (r->n_findings == r->cap_findings) {
		size_t ncap = r->cap_findings ? r->cap_findings * 2 : 8;
		struct compliance_finding *nf = realloc(r->findings, ncap * sizeof(*nf));
		if (!nf) {
			ev->rc = -ENOMEM;
			goto done;
		}
		r->findings = nf, r->cap_findings = ncap;
	}
	struct compliance_finding *fd = &r->findings[r->n_findings];
	memset(fd, 0, sizeof(*fd));
	fd->rule = rule_def[rule].id;
	fd->code = code;
	fd->severity = sev;
	fd->subject = dupstr(subject);
	fd->fr = dupstr(w->fr);
	fd->ar = dupstr(w->ar);
	fd->en = dupstr(w->en);
	fd->action_fr = dupstr(w->act_fr);
	fd->action_ar = dupstr(w->act_ar);
	fd->action_en = dupstr(w->act_en);
	fd->command = dupstr(w->cmd);
	if (ix && ix->n) {
		uint64_t *src = ix->more ? ix->more : ix->v;
		if ((fd->indexes = malloc(ix->n * sizeof(uint64_t))) != NULL) {
			memcpy(fd->indexes, src, ix->n * sizeof(uint64_t));
			qsort(fd->indexes, ix->n, sizeof(uint64_t), cmp_u64);
			size_t k = 0;
			for (size_t i = 0; i < ix->n; i++)
				if (k == 0 || fd->indexes[k - 1] != fd->indexes[i])
					fd->indexes[k++] = fd->indexes[i];
			fd->n_indexes = k;
		}
	}
	r->n_findings++;
	if (!fd->subject || !fd->fr || !fd->ar || !fd->en || !fd->action_fr || !fd->action_ar ||
	    !fd->action_en || !fd->command || (ix && ix->n && !fd->indexes))
		ev->rc = -ENOMEM;
done:
	if (ix)
		compliance_idx_free(ix);
}

void
compliance_set_rule(struct eval *ev, enum compliance_rule id, bool applicable, unsigned checked,
                    unsigned passed, double pass)
{
	struct compliance_rule_result *rr = &ev->r->rules[id];
	rr->id = rule_def[id].id;
	rr->weight = rule_def[id].weight;
	rr->applicable = applicable;
	rr->checked = checked;
	rr->passed = passed;
	rr->pass = applicable ? pass : 1.0;
}

void
compliance_fmt(const struct eval *ev, char *out, const char *f, ...)
{
	va_list ap;
	out[0] = '\0';
	if (!ev->full)
		return;
	va_start(ap, f);
	vsnprintf(out, TEXT_MAX, f, ap);
	va_end(ap);
}

/* The entry that would answer a finding, as one JSON line for remacto publish:
 * {"schema":1,"<kind>":body}. Steals body. */
void
compliance_entry_line(const struct eval *ev, char *out, const char *kind, json_t *body)
{
	out[0] = '\0';
	json_t *e = ev->full && body ? json_pack("{s:i, s:O}", "schema", 1, kind, body) : NULL;
	char *line = e ? json_dumps(e, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	if (line)
		snprintf(out, TEXT_MAX, "%s", line);
	free(line);
	json_decref(e);
	json_decref(body);
}

const char *
compliance_enum_name(const ProtobufCEnumDescriptor *d, int v, const char *def)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, v);
	return ev ? ev->name : def;
}

/* Fills the scratch arrays from the states as of the day. */
static void
scan(struct eval *ev)
{
	const struct facts_state *st = ev->st;
	const struct facts_at *at = ev->at;
	for (size_t c = 0; c < st->n_commitments; c++) {
		const struct facts_commit_at *ca = &at->commits[c];
		ev->commit_meas[c] = FACTS_NO_INDEX;
		ev->commit_prog[c] = COMPLIANCE_NONE;
		ev->commit_day[c] = ca->st_day < ev->d ? ca->st_day : ev->d;
		if (ca->s_index == FACTS_NO_INDEX)
			ev->commit_day[c] = 0;
		ev->commit_first[c] = 0;
		if (ca->v_index == FACTS_NO_INDEX)
			continue;
		facts_day first = st->commitments[c].minpub;
		ev->commit_first[c] = first ? first : 1;
		if (ca->prog)
			ev->commit_prog[c] = facts_programme_slot(st, ca->prog);
	}
	for (size_t i = 0; i < st->n_indicators; i++) {
		const struct facts_ind_at *ia = &at->inds[i];
		uint32_t c = ev->ind_commit[i] = facts_commitment_slot(
		        st, st->indicators[i].commitment);
		if (c == COMPLIANCE_NONE || ia->m_index == FACTS_NO_INDEX)
			continue;
		if (ev->commit_meas[c] == FACTS_NO_INDEX || ia->m_index > ev->commit_meas[c])
			ev->commit_meas[c] = ia->m_index;
		if (ia->m_maxpub > ev->commit_day[c])
			ev->commit_day[c] = ia->m_maxpub;
	}
}

uint8_t
compliance_completion(const struct eval *ev, uint32_t c)
{
	const struct facts_commit_at *ca = &ev->at->commits[c];
	return ca->s_index == FACTS_NO_INDEX ? 0 : ca->completion;
}

bool
compliance_commit_visible(const struct eval *ev, uint32_t c)
{
	return ev->at->commits[c].v_index != FACTS_NO_INDEX;
}

bool
compliance_programme_open(const struct eval *ev, uint32_t p)
{
	return p != COMPLIANCE_NONE && ev->at->progs[p].index != FACTS_NO_INDEX &&
	       ev->at->progs[p].stage != REMACTO__V1__PROGRAMME_STAGE__PROGRAMME_STAGE_CLOSED;
}

int
compliance_evaluate(struct facts *f, struct facts_member *m, facts_day d, bool full,
                    struct compliance_report *r)
{
	struct eval ev = { .f = f, .m = m, .d = d, .r = r, .full = full };
	struct facts_at *at = &f->at;
	int rc;

	memset(r, 0, sizeof(*r));
	r->member = m;
	r->as_of = d;
	compliance_policy_of(f, &ev.pol);
	r->policy = ev.pol;
	if ((rc = facts_at(f, m, d, at)) != 0)
		return rc;
	/* facts_at loaded the state: it stays in the cache until another is loaded. */
	ev.st = m->st;
	ev.at = at;
	size_t nc = ev.st->n_commitments, ni = ev.st->n_indicators;
	uint32_t *u32 = malloc((nc + ni + 1) * sizeof(uint32_t));
	uint64_t *u64 = malloc((nc + 1) * sizeof(uint64_t));
	facts_day *days = malloc((2 * nc + 1) * sizeof(facts_day));
	if (!u32 || !u64 || !days) {
		free(u32);
		free(u64);
		free(days);
		return -ENOMEM;
	}
	ev.commit_prog = u32;
	ev.ind_commit = u32 + nc;
	ev.commit_meas = u64;
	ev.commit_day = days;
	ev.commit_first = days + nc;

	scan(&ev);
	compliance_rule_liveness(&ev);
	compliance_rule_coverage(&ev);
	compliance_rule_follow_up(&ev);
	compliance_rule_milestones(&ev);
	compliance_rule_indicators(&ev);
	compliance_rule_integrity(&ev);
	compliance_rule_timeliness(&ev);
	free(u32);
	free(u64);
	free(days);

	double num = 0;
	unsigned den = 0;
	for (int i = 0; i < COMPLIANCE_NRULES; i++)
		if (r->rules[i].applicable) {
			num += r->rules[i].weight * r->rules[i].pass;
			den += r->rules[i].weight;
		}
	/* The epsilon keeps an exact .5 from falling below it by rounding error. */
	r->score = den ? (unsigned)floor(100.0 * num / den + 0.5 + 1e-9) : 100;
	if (r->score > 100)
		r->score = 100;
	if (r->count[COMPLIANCE_CRITICAL] || r->score < ev.pol.non_compliant_score)
		r->status = COMPLIANCE_NON_COMPLIANT;
	else if (r->count[COMPLIANCE_MAJOR] || r->score < ev.pol.at_risk_score)
		r->status = COMPLIANCE_AT_RISK;
	else
		r->status = COMPLIANCE_COMPLIANT;
	return ev.rc;
}
