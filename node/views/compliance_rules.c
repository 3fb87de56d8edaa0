/*
 * compliance_rules — one evaluation of one member as of a day: a pass over each of the member's
 * fact arrays keeping what is visible, then the seven rules of compliance.h over the member's
 * objects, then the score and status. Part of the compliance module (compliance.h is the
 * contract, compliance_impl.h what its files share).
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance.h"
#include "compliance_impl.h"
#include "csvimport.h"

#include "remacto.pb-c.h"

#define NONE UINT32_MAX
#define TEXT_MAX 1024

static const struct {
	const char *id;
	unsigned weight;
} rule_def[COMPLIANCE_NRULES] = {
	{ "liveness", 20 },   { "coverage", 15 },  { "follow-up", 20 }, { "milestones", 15 },
	{ "indicators", 15 }, { "integrity", 10 }, { "timeliness", 5 },
};

static const char *const principle_key[6] = {
	"",
	"transparency",
	"accountability",
	"access_to_information",
	"citizen_participation",
	"digitalisation",
};
static const char *const principle_fr[6] = {
	"",
	"transparence",
	"redevabilité",
	"accès à l'information",
	"participation citoyenne",
	"digitalisation",
};
static const char *const principle_ar[6] = {
	"", "الشفافية", "المساءلة", "الحصول على المعلومات", "المشاركة المواطنة", "الرقمنة",
};
static const char *const principle_enum[6] = {
	"",
	"PRINCIPLE_TRANSPARENCY",
	"PRINCIPLE_ACCOUNTABILITY",
	"PRINCIPLE_ACCESS_TO_INFORMATION",
	"PRINCIPLE_CITIZEN_PARTICIPATION",
	"PRINCIPLE_DIGITALISATION",
};
static const char *const principle_en[6] = {
	"",
	"transparency",
	"accountability",
	"access to information",
	"citizen participation",
	"digitalisation",
};

/* ---- one evaluation ---- */

struct idx {
	uint64_t v[8];
	size_t n;
	uint64_t *more; /* beyond 8: the whole list, malloc'd */
	size_t cap;
};

struct eval {
	const struct facts *f;
	const struct facts_member *m;
	facts_day d;
	struct compliance_policy pol;
	struct compliance_report *r;
	bool full; /* build findings (else count them only) */
	int rc;
	/* Per slot, positions in the member's arrays of the latest visible element (NONE). */
	uint32_t *prog_v, *commit_v, *commit_st, *commit_meas, *commit_prog, *ms_due, *ms_out,
	        *ind_commit;
	facts_day *commit_day, *commit_first;
};

static bool
visible(const struct eval *ev, facts_day pub)
{
	return pub <= ev->d;
}

static const char *
str(const struct eval *ev, facts_str id)
{
	return facts_string(ev->f, id);
}

static void
idx_add(struct idx *x, uint64_t i)
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

static void
idx_free(struct idx *x)
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

/* A finding's words: what is wrong and what to do, in French, Arabic and English, and the
 * line that would do it (see struct compliance_finding). Filled only for a full report. */
struct words {
	char fr[TEXT_MAX], ar[TEXT_MAX], en[TEXT_MAX];
	char act_fr[TEXT_MAX], act_ar[TEXT_MAX], act_en[TEXT_MAX];
	char cmd[TEXT_MAX];
};

/* Counts a finding and, for a full report, records it (indexes sorted, duplicates removed). */
static void
finding(struct eval *ev, enum compliance_rule rule, const char *code, enum compliance_severity sev,
        const char *subject, const struct words *w, struct idx *ix)
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
		idx_free(ix);
}

static void
rule(struct eval *ev, enum compliance_rule id, bool applicable, unsigned checked, unsigned passed,
     double pass)
{
	struct compliance_rule_result *rr = &ev->r->rules[id];
	rr->id = rule_def[id].id;
	rr->weight = rule_def[id].weight;
	rr->applicable = applicable;
	rr->checked = checked;
	rr->passed = passed;
	rr->pass = applicable ? pass : 1.0;
}

/* Formats a finding's text, only for a full report (an overview only counts findings). */
static void fmt(const struct eval *ev, char *out, const char *f, ...)
        __attribute__((format(printf, 3, 4)));
static void
fmt(const struct eval *ev, char *out, const char *f, ...)
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
static void
entry_line(const struct eval *ev, char *out, const char *kind, json_t *body)
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

static const char *
enum_name(const ProtobufCEnumDescriptor *d, int v, const char *def)
{
	const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(d, v);
	return ev ? ev->name : def;
}

/* Fills the scratch arrays: what is visible as of the day, per slot. */
static void
scan(struct eval *ev)
{
	const struct facts_member *m = ev->m;
	for (size_t i = 0; i < m->n_progs; i++)
		if (visible(ev, m->progs[i].pub))
			ev->prog_v[m->progs[i].prog] = (uint32_t)i;
	for (size_t i = 0; i < m->n_commits; i++) {
		const struct facts_commit_v *v = &m->commits[i];
		if (!visible(ev, v->pub))
			continue;
		ev->commit_v[v->commit] = (uint32_t)i;
		if (!ev->commit_first[v->commit] || v->pub < ev->commit_first[v->commit])
			ev->commit_first[v->commit] = v->pub ? v->pub : 1;
	}
	for (size_t i = 0; i < m->n_statuses; i++) {
		const struct facts_status *st = &m->statuses[i];
		if (!visible(ev, st->pub))
			continue;
		facts_day day = st->day < ev->d ? st->day : ev->d;
		ev->commit_st[st->commit] = (uint32_t)i;
		if (day > ev->commit_day[st->commit])
			ev->commit_day[st->commit] = day;
	}
	for (size_t i = 0; i < m->n_indicators; i++)
		ev->ind_commit[i] = facts_commitment_slot(m, m->indicators[i].commitment);
	for (size_t i = 0; i < m->n_meas; i++) {
		const struct facts_meas *v = &m->meas[i];
		uint32_t c = ev->ind_commit[v->indicator];
		if (!visible(ev, v->pub) || c == NONE)
			continue;
		ev->commit_meas[c] = (uint32_t)i;
		if (v->pub > ev->commit_day[c])
			ev->commit_day[c] = v->pub;
	}
	for (size_t i = 0; i < m->n_dues; i++)
		if (visible(ev, m->dues[i].pub))
			ev->ms_due[m->dues[i].milestone] = (uint32_t)i;
	for (size_t i = 0; i < m->n_outcomes; i++)
		if (visible(ev, m->outcomes[i].pub))
			ev->ms_out[m->outcomes[i].milestone] = (uint32_t)i;
	for (size_t c = 0; c < m->n_commitments; c++) {
		ev->commit_prog[c] = NONE;
		if (ev->commit_v[c] == NONE)
			continue;
		facts_str p = m->commits[ev->commit_v[c]].prog;
		for (size_t j = 0; p && j < m->n_programmes; j++)
			if (m->programmes[j].id == p)
				ev->commit_prog[c] = (uint32_t)j;
	}
}

static uint8_t
completion(const struct eval *ev, uint32_t c)
{
	uint32_t s = ev->commit_st[c];
	return s == NONE ? 0 : ev->m->statuses[s].completion;
}

static bool
programme_open(const struct eval *ev, uint32_t p)
{
	return p != NONE && ev->prog_v[p] != NONE &&
	       ev->m->progs[ev->prog_v[p]].stage !=
	               REMACTO__V1__PROGRAMME_STAGE__PROGRAMME_STAGE_CLOSED;
}

static void
rule_liveness(struct eval *ev)
{
	const struct facts_member *m = ev->m;
	struct compliance_report *r = ev->r;
	struct words w;
	char day[11];
	const struct facts_seen *last = NULL;
	struct idx ix = { 0 };

	for (size_t i = m->n_seen; i-- > 0;)
		if (m->seen[i].day <= ev->d) {
			last = &m->seen[i];
			break;
		}
	if (last) {
		r->last_seen = last->day;
		r->last_seen_time = last->time;
		r->seen_size = last->size;
	}
	if (!m->held) {
		fmt(ev, w.fr,
		    "Ce nœud ne détient pas de copie du journal de %s : aucun témoin connu.",
		    m->origin);
		fmt(ev, w.ar, "لا تحتفظ هذه العقدة بنسخة من سجل %s: لا يُعرف أي شاهد.", m->origin);
		fmt(ev, w.en, "This node holds no copy of the log of %s: no witness known.",
		    m->origin);
		fmt(ev, w.act_fr,
		    "Relier ce nœud à un pair qui détient le journal de %s (remacto peers montre "
		    "les sessions).",
		    m->origin);
		fmt(ev, w.act_ar,
		    "ربط هذه العقدة بنظير يحتفظ بسجل %s (يعرض الأمر remacto peers الجلسات).",
		    m->origin);
		fmt(ev, w.act_en,
		    "Connect this node to a peer that holds the log of %s (remacto peers shows the "
		    "sessions).",
		    m->origin);
		fmt(ev, w.cmd, "remacto peers --config /etc/remacto/node.conf");
		finding(ev, COMPLIANCE_LIVENESS, "liveness.log-missing", COMPLIANCE_MAJOR,
		        m->origin, &w, NULL);
	} else if (!last || ev->d - last->day > ev->pol.liveness_days) {
		fmt(ev, w.act_fr,
		    "Vérifier que le nœud de %s est en ligne et relié à ses pairs, pour que des "
		    "témoins cosignent ses points de contrôle.",
		    m->origin);
		fmt(ev, w.act_ar,
		    "التحقق من أن عقدة %s متصلة بالشبكة وبنظرائها، حتى يوقّع الشهود نقاط التحقق "
		    "الخاصة بها.",
		    m->origin);
		fmt(ev, w.act_en,
		    "Check that the node of %s is online and connected to its peers, so that "
		    "witnesses cosign its checkpoints.",
		    m->origin);
		fmt(ev, w.cmd, "remacto status --config /etc/remacto/node.conf");
		if (!last) {
			facts_day_format(ev->d, day);
			fmt(ev, w.fr, "Le journal n'a été cosigné par aucun témoin au %s.", day);
			fmt(ev, w.ar, "لم يوقّع أي شاهد على السجل إلى غاية %s.", day);
			fmt(ev, w.en, "No witness had cosigned the log by %s.", day);
			finding(ev, COMPLIANCE_LIVENESS, "liveness.never-witnessed",
			        COMPLIANCE_MAJOR, m->origin, &w, NULL);
		} else {
			facts_day_format(last->day, day);
			fmt(ev, w.fr,
			    "Dernière cosignature d'un témoin le %s, il y a %u jours (limite : %u).",
			    day, ev->d - last->day, ev->pol.liveness_days);
			fmt(ev, w.ar, "آخر توقيع لشاهد في %s، منذ %u يوما (الحد: %u).", day,
			    ev->d - last->day, ev->pol.liveness_days);
			fmt(ev, w.en, "Last witnessed on %s, %u days ago (limit: %u).", day,
			    ev->d - last->day, ev->pol.liveness_days);
			if (last->size > 0)
				idx_add(&ix, last->size - 1);
			finding(ev, COMPLIANCE_LIVENESS, "liveness.stale", COMPLIANCE_MAJOR,
			        m->origin, &w, &ix);
		}
	} else {
		rule(ev, COMPLIANCE_LIVENESS, true, 1, 1, 1.0);
		return;
	}
	rule(ev, COMPLIANCE_LIVENESS, true, 1, 0, 0.0);
}

static void
rule_coverage(struct eval *ev)
{
	const struct facts_member *m = ev->m;
	struct words w;
	struct idx base = { 0 };
	uint8_t covered = 0;
	bool open = false;
	const char *prog = NULL; /* the first open programme, where a commitment would go */

	for (uint32_t p = 0; p < m->n_programmes; p++)
		if (programme_open(ev, p)) {
			open = true;
			if (!prog)
				prog = str(ev, m->programmes[p].id);
			idx_add(&base, m->progs[ev->prog_v[p]].index);
		}
	if (!open) {
		for (uint32_t p = 0; p < m->n_programmes; p++)
			if (ev->prog_v[p] != NONE)
				idx_add(&base, m->progs[ev->prog_v[p]].index);
		fmt(ev, w.fr,
		    "Aucun programme ouvert (publié et non clôturé) : les cinq principes ne sont "
		    "pas couverts.%s",
		    "");
		fmt(ev, w.ar,
		    "لا يوجد برنامج مفتوح (منشور وغير مختتم): المبادئ الخمسة غير مغطاة.%s", "");
		fmt(ev, w.en,
		    "No open programme (published and not closed): the five principles are not "
		    "covered.%s",
		    "");
		fmt(ev, w.act_fr,
		    "Publier un programme ouvert (en mise en œuvre) et ses engagements couvrant les "
		    "cinq principes.%s",
		    "");
		fmt(ev, w.act_ar,
		    "نشر برنامج مفتوح (في طور التنفيذ) مع التزامات تغطي المبادئ الخمسة.%s", "");
		fmt(ev, w.act_en,
		    "Publish an open programme (in implementation) with commitments under the five "
		    "principles.%s",
		    "");
		if (ev->full) /* the overview only counts findings */
			entry_line(ev, w.cmd, "programme",
			           json_pack("{s:s, s:{s:s, s:s}, s:s}", "id", "PROGRAMME-ID",
			                     "title", "fr", "…", "ar", "…", "stage",
			                     "PROGRAMME_STAGE_IMPLEMENTATION"));
		finding(ev, COMPLIANCE_COVERAGE, "coverage.no-open-programme", COMPLIANCE_MAJOR, "",
		        &w, &base);
		rule(ev, COMPLIANCE_COVERAGE, true, 5, 0, 0.0);
		return;
	}
	for (uint32_t c = 0; c < m->n_commitments; c++) {
		if (ev->commit_v[c] == NONE || !programme_open(ev, ev->commit_prog[c]) ||
		    completion(ev, c) == REMACTO__V1__COMPLETION__COMPLETION_WITHDRAWN)
			continue;
		covered |= m->commits[ev->commit_v[c]].principles;
		idx_add(&base, m->commits[ev->commit_v[c]].index);
	}
	unsigned n = 0;
	for (int p = 1; p <= 5; p++) {
		if (covered & (1u << p)) {
			n++;
			continue;
		}
		struct idx ix = { 0 };
		const uint64_t *src = base.more ? base.more : base.v;
		for (size_t i = 0; i < base.n; i++)
			idx_add(&ix, src[i]);
		fmt(ev, w.fr,
		    "Le programme ouvert n'a aucun engagement relevant du principe « %s ».",
		    principle_fr[p]);
		fmt(ev, w.ar, "لا يتضمن البرنامج المفتوح أي التزام يندرج ضمن مبدأ «%s».",
		    principle_ar[p]);
		fmt(ev, w.en, "The open programme has no commitment under the principle \"%s\".",
		    principle_en[p]);
		fmt(ev, w.act_fr,
		    "Publier un engagement relevant du principe « %s » dans le "
		    "programme %.200s.",
		    principle_fr[p], prog);
		fmt(ev, w.act_ar, "نشر التزام يندرج ضمن مبدأ «%s» في البرنامج %.200s.",
		    principle_ar[p], prog);
		fmt(ev, w.act_en,
		    "Publish a commitment under the principle \"%s\" in programme %.200s.",
		    principle_en[p], prog);
		if (ev->full) /* the overview only counts findings */
			entry_line(ev, w.cmd, "commitment",
			           json_pack("{s:s, s:s, s:{s:s, s:s}, s:[s]}", "id",
			                     "COMMITMENT-ID", "programmeId", prog, "title", "fr",
			                     "…", "ar", "…", "principles", principle_enum[p]));
		finding(ev, COMPLIANCE_COVERAGE, "coverage.missing-principle", COMPLIANCE_MAJOR,
		        principle_key[p], &w, &ix);
	}
	idx_free(&base);
	rule(ev, COMPLIANCE_COVERAGE, true, 5, n, n / 5.0);
}

static void
rule_follow_up(struct eval *ev)
{
	const struct facts_member *m = ev->m;
	struct words w;
	char day[11], today[11];
	unsigned active = 0, fresh = 0;

	for (uint32_t c = 0; c < m->n_commitments; c++) {
		if (ev->commit_v[c] == NONE)
			continue;
		const struct facts_commit_v *v = &m->commits[ev->commit_v[c]];
		uint8_t comp = completion(ev, c);
		uint32_t p = ev->commit_prog[c];
		if (comp == REMACTO__V1__COMPLETION__COMPLETION_COMPLETE ||
		    comp == REMACTO__V1__COMPLETION__COMPLETION_WITHDRAWN ||
		    (p != NONE && ev->prog_v[p] != NONE && !programme_open(ev, p)) ||
		    (v->start && v->start > ev->d))
			continue;
		active++;
		facts_day last = ev->commit_day[c], ref = last;
		if (v->start > ref)
			ref = v->start;
		if (ev->commit_first[c] > ref)
			ref = ev->commit_first[c];
		if (ev->d - ref <= ev->pol.follow_up_days) {
			fresh++;
			continue;
		}
		struct idx ix = { 0 };
		const char *id = str(ev, m->commitments[c].id);
		idx_add(&ix, v->index);
		if (ev->commit_st[c] != NONE)
			idx_add(&ix, m->statuses[ev->commit_st[c]].index);
		if (ev->commit_meas[c] != NONE)
			idx_add(&ix, m->meas[ev->commit_meas[c]].index);
		facts_day_format(ref, day);
		facts_day_format(ev->d, today);
		if (last) {
			fmt(ev, w.fr,
			    "Engagement %.200s : aucune mise à jour de statut ni mesure depuis le %s "
			    "(%u jours ; limite : %u).",
			    id, day, ev->d - ref, ev->pol.follow_up_days);
			fmt(ev, w.ar,
			    "الالتزام %.200s: لا تحديث للوضعية ولا قياس منذ %s (%u يوما؛ الحد: %u).",
			    id, day, ev->d - ref, ev->pol.follow_up_days);
			fmt(ev, w.en,
			    "Commitment %.200s: no status update or measurement since %s (%u days; "
			    "limit: %u).",
			    id, day, ev->d - ref, ev->pol.follow_up_days);
		} else {
			fmt(ev, w.fr,
			    "Engagement %.200s : aucune mise à jour de statut ni mesure depuis son "
			    "début le %s (%u jours ; limite : %u).",
			    id, day, ev->d - ref, ev->pol.follow_up_days);
			fmt(ev, w.ar,
			    "الالتزام %.200s: لا تحديث للوضعية ولا قياس منذ انطلاقه في %s (%u يوما؛ "
			    "الحد: %u).",
			    id, day, ev->d - ref, ev->pol.follow_up_days);
			fmt(ev, w.en,
			    "Commitment %.200s: no status update or measurement since it began on %s "
			    "(%u days; limit: %u).",
			    id, day, ev->d - ref, ev->pol.follow_up_days);
		}
		fmt(ev, w.act_fr,
		    "Publier une mise à jour du statut de l'engagement %.200s (ou une mesure de l'un "
		    "de ses indicateurs).",
		    id);
		fmt(ev, w.act_ar, "نشر تحديث لوضعية الالتزام %.200s (أو قياس لأحد مؤشراته).", id);
		fmt(ev, w.act_en,
		    "Publish a status update of commitment %.200s (or a measurement of one of its "
		    "indicators).",
		    id);
		if (ev->full) /* the overview only counts findings */
			entry_line(
			        ev, w.cmd, "statusUpdate",
			        json_pack("{s:s, s:s, s:s}", "commitmentId", id, "date", today,
			                  "completion",
			                  enum_name(&remacto__v1__completion__descriptor,
			                            completion(ev, c), "COMPLETION_NOT_STARTED")));
		finding(ev, COMPLIANCE_FOLLOW_UP, "follow-up.stale-commitment", COMPLIANCE_MINOR,
		        id, &w, &ix);
	}
	rule(ev, COMPLIANCE_FOLLOW_UP, active > 0, active, fresh,
	     active ? (double)fresh / active : 1.0);
}

static void
rule_milestones(struct eval *ev)
{
	const struct facts_member *m = ev->m;
	struct words w;
	char day[11], today[11], subject[2 * 210];
	unsigned due = 0, ok = 0;

	for (uint32_t s = 0; s < m->n_milestones; s++) {
		const struct facts_milestone *ms = &m->milestones[s];
		if (ev->ms_due[s] == NONE || ev->commit_v[ms->commit] == NONE ||
		    completion(ev, ms->commit) == REMACTO__V1__COMPLETION__COMPLETION_WITHDRAWN)
			continue;
		const struct facts_due *dd = &m->dues[ev->ms_due[s]];
		if (dd->due >= ev->d || ev->d - dd->due <= ev->pol.milestone_grace_days)
			continue;
		due++;
		uint32_t o = ev->ms_out[s];
		uint8_t st = o == NONE ? 0 : m->outcomes[o].status;
		if (st == REMACTO__V1__MILESTONE_STATUS__MILESTONE_STATUS_MET ||
		    st == REMACTO__V1__MILESTONE_STATUS__MILESTONE_STATUS_PARTIALLY_MET ||
		    st == REMACTO__V1__MILESTONE_STATUS__MILESTONE_STATUS_NOT_MET) {
			ok++;
			continue;
		}
		struct idx ix = { 0 };
		const char *cid = str(ev, m->commitments[ms->commit].id), *mid = str(ev, ms->id);
		idx_add(&ix, dd->index);
		if (o != NONE)
			idx_add(&ix, m->outcomes[o].index);
		facts_day_format(dd->due, day);
		snprintf(subject, sizeof(subject), "%.200s/%.200s", cid, mid);
		fmt(ev, w.fr,
		    "Jalon %.200s de l'engagement %.200s : échéance le %s, dépassée de %u jours "
		    "sans résultat enregistré (délai de grâce : %u jours).",
		    mid, cid, day, ev->d - dd->due, ev->pol.milestone_grace_days);
		fmt(ev, w.ar,
		    "المرحلة %.200s من الالتزام %.200s: أجلها %s، متجاوز بـ %u يوما دون نتيجة مسجلة "
		    "(مهلة السماح: %u يوما).",
		    mid, cid, day, ev->d - dd->due, ev->pol.milestone_grace_days);
		fmt(ev, w.en,
		    "Milestone %.200s of commitment %.200s: due on %s, %u days overdue with no "
		    "recorded outcome (grace: %u days).",
		    mid, cid, day, ev->d - dd->due, ev->pol.milestone_grace_days);
		fmt(ev, w.act_fr,
		    "Publier une mise à jour du jalon %.200s de %.200s (atteint, partiellement "
		    "atteint ou non atteint).",
		    mid, cid);
		fmt(ev, w.act_ar,
		    "نشر تحديث للمرحلة %.200s من %.200s (محققة أو محققة جزئيا أو غير محققة).", mid,
		    cid);
		fmt(ev, w.act_en,
		    "Publish an update of milestone %.200s of %.200s (met, partially met or not "
		    "met).",
		    mid, cid);
		facts_day_format(ev->d, today);
		if (ev->full) /* the overview only counts findings */
			entry_line(ev, w.cmd, "milestoneUpdate",
			           json_pack("{s:s, s:s, s:s, s:s}", "commitmentId", cid,
			                     "milestoneId", mid, "status", "MILESTONE_STATUS_MET",
			                     "date", today));
		finding(ev, COMPLIANCE_MILESTONES, "milestones.overdue", COMPLIANCE_MINOR, subject,
		        &w, &ix);
	}
	rule(ev, COMPLIANCE_MILESTONES, due > 0, due, ok, due ? (double)ok / due : 1.0);
}

/* Latest visible total (no dimensions) of catalog code among the member's indicators: the
 * latest period (by its last day), then the latest entry. */
static const struct facts_meas *
latest_total(const struct eval *ev, facts_str code)
{
	const struct facts_member *m = ev->m;
	const struct facts_meas *best = NULL;
	facts_day best_end = 0;
	for (size_t k = 0; code && k < m->n_indicators; k++) {
		const struct facts_indicator *ind = &m->indicators[k];
		if (ind->code != code)
			continue;
		for (size_t j = 0; j < ind->n_meas; j++) {
			const struct facts_meas *v = &m->meas[FACTS_POS(&ind->meas[j])];
			facts_day first, last;
			char g;
			if (v->dims || !visible(ev, v->pub) ||
			    !facts_period_parse(str(ev, v->period), &first, &last, &g))
				continue;
			if (!best || last > best_end ||
			    (last == best_end && v->index > best->index))
				best = v, best_end = last;
		}
	}
	return best;
}

static void
rule_indicators(struct eval *ev)
{
	const struct facts_member *m = ev->m;
	const struct facts *f = ev->f;
	struct words w;
	char period[16];
	unsigned expected = 0, reported = 0;
	facts_day ref = ev->d > ev->pol.follow_up_days ? ev->d - ev->pol.follow_up_days : 0;

	for (size_t k = 0; k < f->n_catalog && ref; k++) {
		const struct facts_catalog *ce = &f->catalog[k];
		const struct facts_meas *latest = NULL;
		facts_day adopted = 0;
		facts_str ind_id = 0; /* the member's indicator with the code, to report on */
		struct idx ix = { 0 };
		if (ce->withdrawn)
			continue;
		/* Adopted by a visible indicator with the code; the latest visible report of it
		 * gives the granularity. */
		for (size_t i = 0; i < m->n_indicators; i++) {
			const struct facts_indicator *ind = &m->indicators[i];
			if (ind->code != ce->code || !visible(ev, ind->first_pub))
				continue;
			facts_day a = ind->first_pub ? ind->first_pub : 1;
			if (!adopted || a < adopted)
				adopted = a, ind_id = ind->id;
			idx_add(&ix, ind->latest);
			for (size_t j = ind->n_meas; j-- > 0;) {
				const struct facts_meas *v = &m->meas[FACTS_POS(&ind->meas[j])];
				if (!visible(ev, v->pub))
					continue;
				if (!latest || v->index > latest->index)
					latest = v;
				break;
			}
		}
		if (!adopted) {
			idx_free(&ix);
			continue;
		}
		facts_day first, last;
		char g = FACTS_YEAR;
		if (latest && !facts_period_parse(str(ev, latest->period), &first, &last, &g))
			g = FACTS_YEAR;
		facts_period_last(g, ref, period);
		if (!facts_period_parse(period, &first, &last, &g) || last < adopted) {
			idx_free(&ix);
			continue; /* nothing due yet */
		}
		expected++;
		facts_str pid = facts_string_find(f, period);
		bool found = false;
		for (size_t i = 0; pid && i < m->n_indicators && !found; i++) {
			const struct facts_indicator *ind = &m->indicators[i];
			for (size_t j = 0; ind->code == ce->code && j < ind->n_meas && !found;
			     j++) {
				found = ind->meas[j].period == pid &&
				        visible(ev, m->meas[FACTS_POS(&ind->meas[j])].pub);
			}
		}
		if (found) {
			reported++;
			idx_free(&ix);
			continue;
		}
		const char *code = str(ev, ce->code), *iid = str(ev, ind_id);
		fmt(ev, w.fr,
		    "Indicateur du catalogue %.64s adopté mais non renseigné pour la période %s.",
		    code, period);
		fmt(ev, w.ar, "مؤشر الفهرس %.64s معتمد لكنه غير مبلغ عنه برسم الفترة %s.", code,
		    period);
		fmt(ev, w.en, "Catalog indicator %.64s adopted but not reported for the period %s.",
		    code, period);
		fmt(ev, w.act_fr,
		    "Publier la mesure de l'indicateur %.200s (%.64s) pour la période %s.", iid,
		    code, period);
		fmt(ev, w.act_ar, "نشر قياس المؤشر %.200s (%.64s) برسم الفترة %s.", iid, code,
		    period);
		fmt(ev, w.act_en,
		    "Publish the measurement of indicator %.200s (%.64s) for the period %s.", iid,
		    code, period);
		/* CSV rows for remacto import, in the export's columns */
		fmt(ev, w.cmd, "indicator_id,period,value\r\n%.200s,%s,", iid, period);
		finding(ev, COMPLIANCE_INDICATORS, "indicators.not-reported", COMPLIANCE_MINOR,
		        code, &w, &ix);
	}
	rule(ev, COMPLIANCE_INDICATORS, expected > 0, expected, reported,
	     expected ? (double)reported / expected : 1.0);
}

/* Same value: numerically when both are numbers, else as text. */
static bool
same_value(const char *a, const char *b)
{
	char *ea, *eb;
	double x = strtod(a, &ea), y = strtod(b, &eb);
	if (*a && *b && !*ea && !*eb)
		return x == y;
	return strcmp(a, b) == 0;
}

static void
rule_integrity(struct eval *ev)
{
	const struct facts_member *m = ev->m;
	struct words w;
	char subject[512], today[11];
	unsigned hidden = 0, declared = 0;

	facts_day_format(ev->d, today);
	if (m->forks) {
		fmt(ev, w.ar,
		    "دليل على ازدواجية: نقطتا تحقق موقعتان متعارضتان للسجل (الحجمان %llu و%llu)؛ "
		    "%u دليل محفوظ.",
		    (unsigned long long)m->fork_size_a, (unsigned long long)m->fork_size_b,
		    m->forks);
		fmt(ev, w.act_fr,
		    "Saisir l'autorité du réseau : la clé de %s a signé deux historiques et doit "
		    "être renouvelée (remacto member rotate-key).",
		    m->origin);
		fmt(ev, w.act_ar,
		    "إخطار سلطة الشبكة: مفتاح %s وقّع سجلين متعارضين ويجب تجديده (remacto member "
		    "rotate-key).",
		    m->origin);
		fmt(ev, w.act_en,
		    "Refer to the network authority: the key of %s signed two histories and must "
		    "be rotated (remacto member rotate-key).",
		    m->origin);
		fmt(ev, w.cmd,
		    "remacto member rotate-key --data DIR --origin %s --verifier-key NEW_KEY",
		    m->origin);
		fmt(ev, w.fr,
		    "Preuve d'équivocation : deux points de contrôle signés incompatibles du "
		    "journal (tailles %llu et %llu) ; %u preuve(s) conservée(s).",
		    (unsigned long long)m->fork_size_a, (unsigned long long)m->fork_size_b,
		    m->forks);
		fmt(ev, w.en,
		    "Equivocation evidence: two incompatible signed checkpoints of the log (sizes "
		    "%llu and %llu); %u record(s) kept.",
		    (unsigned long long)m->fork_size_a, (unsigned long long)m->fork_size_b,
		    m->forks);
		finding(ev, COMPLIANCE_INTEGRITY, "integrity.equivocation", COMPLIANCE_CRITICAL,
		        m->origin, &w, NULL);
	}
	for (size_t i = 0; i < m->n_changes; i++) {
		const struct facts_change *c = &m->changes[i];
		bool found = false;
		if (!visible(ev, c->pub))
			continue;
		for (size_t j = 0; j < m->n_amends && !found; j++) {
			const struct facts_change *a = &m->amends[j];
			found = visible(ev, a->pub) && a->subject == c->subject &&
			        a->field == c->field &&
			        same_value(str(ev, a->new_value), str(ev, c->new_value));
		}
		if (found)
			continue;
		hidden++;
		struct idx ix = { 0 };
		bool indicator = c->subject_kind == REMACTO__V1__SUBJECT__SUBJECT_INDICATOR;
		idx_add(&ix, c->prev);
		idx_add(&ix, c->index);
		snprintf(subject, sizeof(subject), "%.200s %.200s", str(ev, c->subject),
		         str(ev, c->field));
		const char *sid = str(ev, c->subject), *field = str(ev, c->field);
		const char *ov = str(ev, c->old_value), *nv = str(ev, c->new_value);
		bool lower = c->cls == FACTS_TARGET_LOWER;
		fmt(ev, w.ar,
		    "%s %.200s: تغير %.200s من %.64s إلى %.64s بنسخة جديدة (%s) دون نشر أي تعديل.",
		    indicator ? "المؤشر" : "الالتزام", sid, field, ov, nv,
		    lower ? "خفض الهدف" : "تأجيل الأجل");
		fmt(ev, w.act_fr,
		    "Publier un amendement déclarant le changement de %.200s de %.200s (%.64s → "
		    "%.64s) et sa raison.",
		    field, sid, ov, nv);
		fmt(ev, w.act_ar,
		    "نشر تعديل يصرح بتغيير %.200s في %.200s (%.64s ← %.64s) مع بيان سببه.", field,
		    sid, ov, nv);
		fmt(ev, w.act_en,
		    "Publish an amendment declaring the change of %.200s of %.200s (%.64s → %.64s) "
		    "and its reason.",
		    field, sid, ov, nv);
		if (ev->full) /* the overview only counts findings */
			entry_line(ev, w.cmd, "amendment",
			           json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s}",
			                     "subject",
			                     indicator ? "SUBJECT_INDICATOR" : "SUBJECT_COMMITMENT",
			                     "subjectId", sid, "field", field, "oldValue", ov,
			                     "newValue", nv, "reason", "fr", "…", "ar", "…", "date",
			                     today));
		fmt(ev, w.fr,
		    "%s %.200s : %.200s modifié de %.64s à %.64s par une nouvelle version (%s), "
		    "sans amendement publié.",
		    indicator ? "Indicateur" : "Engagement", str(ev, c->subject), str(ev, c->field),
		    str(ev, c->old_value), str(ev, c->new_value),
		    c->cls == FACTS_TARGET_LOWER ? "cible abaissée" : "date repoussée");
		fmt(ev, w.en,
		    "%s %.200s: %.200s changed from %.64s to %.64s by a new version (%s), with no "
		    "amendment published.",
		    indicator ? "Indicator" : "Commitment", str(ev, c->subject), str(ev, c->field),
		    str(ev, c->old_value), str(ev, c->new_value),
		    c->cls == FACTS_TARGET_LOWER ? "target lowered" : "date pushed back");
		finding(ev, COMPLIANCE_INTEGRITY, "integrity.hidden-change", COMPLIANCE_MAJOR,
		        subject, &w, &ix);
	}
	for (size_t j = 0; j < m->n_amends; j++) {
		const struct facts_change *a = &m->amends[j];
		if (!visible(ev, a->pub) || a->cls == FACTS_OTHER)
			continue;
		declared++;
		struct idx ix = { 0 };
		idx_add(&ix, a->index);
		snprintf(subject, sizeof(subject), "%.200s %.200s", str(ev, a->subject),
		         str(ev, a->field));
		fmt(ev, w.ar, "تعديل منشور (%s): %.200s في %.200s، %.64s ← %.64s.",
		    a->cls == FACTS_TARGET_LOWER ? "خفض الهدف" : "تأجيل الأجل", str(ev, a->field),
		    str(ev, a->subject), str(ev, a->old_value), str(ev, a->new_value));
		fmt(ev, w.act_fr, "Aucune action requise : le changement est déclaré.%s", "");
		fmt(ev, w.act_ar, "لا يلزم أي إجراء: التغيير مصرح به.%s", "");
		fmt(ev, w.act_en, "No action needed: the change is declared.%s", "");
		w.cmd[0] = '\0';
		fmt(ev, w.fr, "Amendement publié (%s) : %.200s de %.200s, %.64s → %.64s.",
		    a->cls == FACTS_TARGET_LOWER ? "cible abaissée" : "date repoussée",
		    str(ev, a->field), str(ev, a->subject), str(ev, a->old_value),
		    str(ev, a->new_value));
		fmt(ev, w.en, "Published amendment (%s): %.200s of %.200s, %.64s → %.64s.",
		    a->cls == FACTS_TARGET_LOWER ? "target lowered" : "date pushed back",
		    str(ev, a->field), str(ev, a->subject), str(ev, a->old_value),
		    str(ev, a->new_value));
		finding(ev, COMPLIANCE_INTEGRITY, "integrity.declared-downgrade", COMPLIANCE_INFO,
		        subject, &w, &ix);
	}
	double p = m->forks ? 0.0 : 1.0 - COMPLIANCE_HIDDEN_PENALTY * hidden;
	rule(ev, COMPLIANCE_INTEGRITY, true, hidden + declared, declared, p < 0 ? 0.0 : p);
}

static void
rule_timeliness(struct eval *ev)
{
	struct words w;
	unsigned checked = 0, passed = 0;
	const struct facts_meas *v;

	if ((v = latest_total(ev, facts_string_find(ev->f, "AI-01"))) != NULL) {
		checked++;
		if (v->value <= COMPLIANCE_AI01_MAX) {
			passed++;
		} else {
			struct idx ix = { 0 };
			char num[40];
			const char *p = str(ev, v->period);
			csvimport_number(v->value, num, sizeof(num));
			idx_add(&ix, v->index);
			fmt(ev, w.fr,
			    "AI-01 : délai médian de réponse de %s jours ouvrables pour %s, au-delà "
			    "des 20 jours de la loi 31-13.",
			    num, p);
			fmt(ev, w.ar,
			    "AI-01: المدة الوسيطة للرد %s يوم عمل برسم %s، أي أكثر من 20 يوما التي "
			    "يحددها القانون 31-13.",
			    num, p);
			fmt(ev, w.en,
			    "AI-01: median answer time of %s working days for %s, beyond the 20 days "
			    "of law 31-13.",
			    num, p);
			fmt(ev, w.act_fr,
			    "Ramener le délai de réponse aux demandes d'accès à l'information à 20 "
			    "jours ouvrables au plus (loi 31-13), puis publier la mesure AI-01 de la "
			    "période suivante.%s",
			    "");
			fmt(ev, w.act_ar,
			    "تقليص أجل الرد على طلبات الحصول على المعلومات إلى 20 يوم عمل على الأكثر "
			    "(القانون 31-13)، ثم نشر قياس المؤشر AI-01 للفترة الموالية.%s",
			    "");
			fmt(ev, w.act_en,
			    "Bring the answer time to access-to-information requests down to 20 "
			    "working days at most (law 31-13), then publish the AI-01 measurement of "
			    "the next period.%s",
			    "");
			w.cmd[0] = '\0';
			finding(ev, COMPLIANCE_TIMELINESS, "timeliness.slow-answers",
			        COMPLIANCE_MINOR, "AI-01", &w, &ix);
		}
	}
	if ((v = latest_total(ev, facts_string_find(ev->f, "AI-02"))) != NULL) {
		checked++;
		if (v->value >= COMPLIANCE_AI02_MIN) {
			passed++;
		} else {
			struct idx ix = { 0 };
			char num[40];
			const char *p = str(ev, v->period);
			csvimport_number(v->value, num, sizeof(num));
			idx_add(&ix, v->index);
			fmt(ev, w.fr,
			    "AI-02 : %s %% des demandes traitées dans le délai légal pour %s (seuil : "
			    "%.0f %%).",
			    num, p, COMPLIANCE_AI02_MIN);
			fmt(ev, w.ar,
			    "AI-02: %s%% من الطلبات عولجت داخل الأجل القانوني برسم %s (العتبة: %.0f%%).",
			    num, p, COMPLIANCE_AI02_MIN);
			fmt(ev, w.en,
			    "AI-02: %s%% of requests answered within the legal deadline for %s "
			    "(threshold: %.0f%%).",
			    num, p, COMPLIANCE_AI02_MIN);
			fmt(ev, w.act_fr,
			    "Traiter au moins %.0f %% des demandes d'accès à l'information dans le "
			    "délai légal, puis publier la mesure AI-02 de la période suivante.",
			    COMPLIANCE_AI02_MIN);
			fmt(ev, w.act_ar,
			    "معالجة %.0f%% على الأقل من طلبات الحصول على المعلومات داخل الأجل "
			    "القانوني، ثم نشر قياس المؤشر AI-02 للفترة الموالية.",
			    COMPLIANCE_AI02_MIN);
			fmt(ev, w.act_en,
			    "Answer at least %.0f%% of access-to-information requests within the legal "
			    "deadline, then publish the AI-02 measurement of the next period.",
			    COMPLIANCE_AI02_MIN);
			w.cmd[0] = '\0';
			finding(ev, COMPLIANCE_TIMELINESS, "timeliness.late-answers",
			        COMPLIANCE_MINOR, "AI-02", &w, &ix);
		}
	}
	rule(ev, COMPLIANCE_TIMELINESS, checked > 0, checked, passed,
	     checked ? (double)passed / checked : 1.0);
}

int
compliance_evaluate(const struct facts *f, const struct facts_member *m, facts_day d, bool full,
                    struct compliance_report *r)
{
	struct eval ev = { .f = f, .m = m, .d = d, .r = r, .full = full };
	size_t nc = m->n_commitments, nm = m->n_milestones, np = m->n_programmes,
	       ni = m->n_indicators;
	size_t n32 = np + 4 * nc + ni + 2 * nm, nday = 2 * nc;
	uint32_t *block = malloc((n32 ? n32 : 1) * sizeof(uint32_t));
	facts_day *days = calloc(nday ? nday : 1, sizeof(facts_day));

	memset(r, 0, sizeof(*r));
	r->member = m;
	r->as_of = d;
	compliance_policy_of(f, &ev.pol);
	r->policy = ev.pol;
	if (!block || !days) {
		free(block);
		free(days);
		return -ENOMEM;
	}
	memset(block, 0xff, n32 * sizeof(uint32_t)); /* NONE everywhere */
	ev.prog_v = block;
	ev.commit_v = ev.prog_v + np;
	ev.commit_st = ev.commit_v + nc;
	ev.commit_meas = ev.commit_st + nc;
	ev.commit_prog = ev.commit_meas + nc;
	ev.ind_commit = ev.commit_prog + nc;
	ev.ms_due = ev.ind_commit + ni;
	ev.ms_out = ev.ms_due + nm;
	ev.commit_day = days;
	ev.commit_first = days + nc;

	scan(&ev);
	rule_liveness(&ev);
	rule_coverage(&ev);
	rule_follow_up(&ev);
	rule_milestones(&ev);
	rule_indicators(&ev);
	rule_integrity(&ev);
	rule_timeliness(&ev);
	free(block);
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
