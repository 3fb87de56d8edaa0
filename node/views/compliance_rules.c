/*
 * compliance_rules — the seven rules of compliance.h over one member's objects as an
 * evaluation sees them (compliance_eval.c): each records its result and its findings, with
 * their words in French, Arabic and English and the action to take. Part of the compliance
 * module (compliance.h is the contract, compliance_impl.h what its files share).
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

#define NONE COMPLIANCE_NONE

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

void
compliance_rule_liveness(struct eval *ev)
{
	const struct facts_member *m = ev->m;
	struct compliance_report *r = ev->r;
	struct words w;
	char day[11];
	struct facts_seen seen;
	const struct facts_seen *last = NULL;
	struct idx ix = { 0 };
	int rc = facts_seen_at(ev->f, m, ev->d, &seen);

	if (rc == 0)
		last = &seen;
	else if (rc != MDB_NOTFOUND)
		ev->rc = rc;
	if (last) {
		r->last_seen = last->day;
		r->last_seen_time = last->time;
		r->seen_size = last->size;
	}
	bool alive = m->held && last && ev->d - last->day <= ev->pol.liveness_days;
	if (!ev->full && !alive) { /* the overview counts findings: no words */
		compliance_count(ev, COMPLIANCE_MAJOR);
		compliance_set_rule(ev, COMPLIANCE_LIVENESS, true, 1, 0, 0.0);
		return;
	}
	if (!m->held) {
		compliance_fmt(
		        ev, w.fr,
		        "Ce nœud ne détient pas de copie du journal de %s : aucun témoin connu.",
		        m->origin);
		compliance_fmt(ev, w.ar, "لا تحتفظ هذه العقدة بنسخة من سجل %s: لا يُعرف أي شاهد.",
		               m->origin);
		compliance_fmt(ev, w.en,
		               "This node holds no copy of the log of %s: no witness known.",
		               m->origin);
		compliance_fmt(
		        ev, w.act_fr,
		        "Relier ce nœud à un pair qui détient le journal de %s (remacto peers montre "
		        "les sessions).",
		        m->origin);
		compliance_fmt(
		        ev, w.act_ar,
		        "ربط هذه العقدة بنظير يحتفظ بسجل %s (يعرض الأمر remacto peers الجلسات).",
		        m->origin);
		compliance_fmt(
		        ev, w.act_en,
		        "Connect this node to a peer that holds the log of %s (remacto peers shows the "
		        "sessions).",
		        m->origin);
		compliance_fmt(ev, w.cmd, "remacto peers --config /etc/remacto/node.conf");
		compliance_finding(ev, COMPLIANCE_LIVENESS, "liveness.log-missing",
		                   COMPLIANCE_MAJOR, m->origin, &w, NULL);
	} else if (!last || ev->d - last->day > ev->pol.liveness_days) {
		compliance_fmt(
		        ev, w.act_fr,
		        "Vérifier que le nœud de %s est en ligne et relié à ses pairs, pour que des "
		        "témoins cosignent ses points de contrôle.",
		        m->origin);
		compliance_fmt(
		        ev, w.act_ar,
		        "التحقق من أن عقدة %s متصلة بالشبكة وبنظرائها، حتى يوقّع الشهود نقاط التحقق "
		        "الخاصة بها.",
		        m->origin);
		compliance_fmt(
		        ev, w.act_en,
		        "Check that the node of %s is online and connected to its peers, so that "
		        "witnesses cosign its checkpoints.",
		        m->origin);
		compliance_fmt(ev, w.cmd, "remacto status --config /etc/remacto/node.conf");
		if (!last) {
			facts_day_format(ev->d, day);
			compliance_fmt(ev, w.fr,
			               "Le journal n'a été cosigné par aucun témoin au %s.", day);
			compliance_fmt(ev, w.ar, "لم يوقّع أي شاهد على السجل إلى غاية %s.", day);
			compliance_fmt(ev, w.en, "No witness had cosigned the log by %s.", day);
			compliance_finding(ev, COMPLIANCE_LIVENESS, "liveness.never-witnessed",
			                   COMPLIANCE_MAJOR, m->origin, &w, NULL);
		} else {
			facts_day_format(last->day, day);
			compliance_fmt(
			        ev, w.fr,
			        "Dernière cosignature d'un témoin le %s, il y a %u jours (limite : %u).",
			        day, ev->d - last->day, ev->pol.liveness_days);
			compliance_fmt(ev, w.ar, "آخر توقيع لشاهد في %s، منذ %u يوما (الحد: %u).",
			               day, ev->d - last->day, ev->pol.liveness_days);
			compliance_fmt(ev, w.en, "Last witnessed on %s, %u days ago (limit: %u).",
			               day, ev->d - last->day, ev->pol.liveness_days);
			if (last->size > 0)
				compliance_idx_add(&ix, last->size - 1);
			compliance_finding(ev, COMPLIANCE_LIVENESS, "liveness.stale",
			                   COMPLIANCE_MAJOR, m->origin, &w, &ix);
		}
	} else {
		compliance_set_rule(ev, COMPLIANCE_LIVENESS, true, 1, 1, 1.0);
		return;
	}
	compliance_set_rule(ev, COMPLIANCE_LIVENESS, true, 1, 0, 0.0);
}

void
compliance_rule_coverage(struct eval *ev)
{
	const struct facts_state *m = ev->st;
	struct words w;
	struct idx base = { 0 };
	uint8_t covered = 0;
	bool open = false;
	const char *prog = NULL; /* the first open programme, where a commitment would go */

	for (uint32_t p = 0; p < m->n_programmes; p++)
		if (compliance_programme_open(ev, p)) {
			open = true;
			if (!prog)
				prog = compliance_str(ev, m->programmes[p].id);
			compliance_idx_add(&base, ev->at->progs[p].index);
		}
	if (!open) {
		for (uint32_t p = 0; p < m->n_programmes; p++)
			compliance_idx_add(&base, ev->at->progs[p].index);
		compliance_fmt(
		        ev, w.fr,
		        "Aucun programme ouvert (publié et non clôturé) : les cinq principes ne sont "
		        "pas couverts.%s",
		        "");
		compliance_fmt(
		        ev, w.ar,
		        "لا يوجد برنامج مفتوح (منشور وغير مختتم): المبادئ الخمسة غير مغطاة.%s", "");
		compliance_fmt(
		        ev, w.en,
		        "No open programme (published and not closed): the five principles are not "
		        "covered.%s",
		        "");
		compliance_fmt(
		        ev, w.act_fr,
		        "Publier un programme ouvert (en mise en œuvre) et ses engagements couvrant les "
		        "cinq principes.%s",
		        "");
		compliance_fmt(
		        ev, w.act_ar,
		        "نشر برنامج مفتوح (في طور التنفيذ) مع التزامات تغطي المبادئ الخمسة.%s", "");
		compliance_fmt(
		        ev, w.act_en,
		        "Publish an open programme (in implementation) with commitments under the five "
		        "principles.%s",
		        "");
		if (ev->full) /* the overview only counts findings */
			compliance_entry_line(ev, w.cmd, "programme",
			                      json_pack("{s:s, s:{s:s, s:s}, s:s}", "id",
			                                "PROGRAMME-ID", "title", "fr", "…", "ar",
			                                "…", "stage",
			                                "PROGRAMME_STAGE_IMPLEMENTATION"));
		compliance_finding(ev, COMPLIANCE_COVERAGE, "coverage.no-open-programme",
		                   COMPLIANCE_MAJOR, "", &w, &base);
		compliance_set_rule(ev, COMPLIANCE_COVERAGE, true, 5, 0, 0.0);
		return;
	}
	for (uint32_t c = 0; c < m->n_commitments; c++) {
		if (!compliance_commit_visible(ev, c) ||
		    !compliance_programme_open(ev, ev->commit_prog[c]) ||
		    compliance_completion(ev, c) == REMACTO__V1__COMPLETION__COMPLETION_WITHDRAWN)
			continue;
		covered |= ev->at->commits[c].principles;
		compliance_idx_add(&base, ev->at->commits[c].v_index);
	}
	unsigned n = 0;
	for (int p = 1; p <= 5; p++) {
		if (covered & (1u << p)) {
			n++;
			continue;
		}
		if (!ev->full) {
			compliance_count(ev, COMPLIANCE_MAJOR);
			continue;
		}
		struct idx ix = { 0 };
		const uint64_t *src = base.more ? base.more : base.v;
		for (size_t i = 0; i < base.n; i++)
			compliance_idx_add(&ix, src[i]);
		compliance_fmt(
		        ev, w.fr,
		        "Le programme ouvert n'a aucun engagement relevant du principe « %s ».",
		        principle_fr[p]);
		compliance_fmt(ev, w.ar, "لا يتضمن البرنامج المفتوح أي التزام يندرج ضمن مبدأ «%s».",
		               principle_ar[p]);
		compliance_fmt(ev, w.en,
		               "The open programme has no commitment under the principle \"%s\".",
		               principle_en[p]);
		compliance_fmt(ev, w.act_fr,
		               "Publier un engagement relevant du principe « %s » dans le "
		               "programme %.200s.",
		               principle_fr[p], prog);
		compliance_fmt(ev, w.act_ar, "نشر التزام يندرج ضمن مبدأ «%s» في البرنامج %.200s.",
		               principle_ar[p], prog);
		compliance_fmt(
		        ev, w.act_en,
		        "Publish a commitment under the principle \"%s\" in programme %.200s.",
		        principle_en[p], prog);
		if (ev->full) /* the overview only counts findings */
			compliance_entry_line(ev, w.cmd, "commitment",
			                      json_pack("{s:s, s:s, s:{s:s, s:s}, s:[s]}", "id",
			                                "COMMITMENT-ID", "programmeId", prog,
			                                "title", "fr", "…", "ar", "…", "principles",
			                                principle_enum[p]));
		compliance_finding(ev, COMPLIANCE_COVERAGE, "coverage.missing-principle",
		                   COMPLIANCE_MAJOR, principle_key[p], &w, &ix);
	}
	compliance_idx_free(&base);
	compliance_set_rule(ev, COMPLIANCE_COVERAGE, true, 5, n, n / 5.0);
}

void
compliance_rule_follow_up(struct eval *ev)
{
	const struct facts_state *m = ev->st;
	struct words w;
	char day[11], today[11];
	unsigned active = 0, fresh = 0;

	for (uint32_t c = 0; c < m->n_commitments; c++) {
		if (!compliance_commit_visible(ev, c))
			continue;
		const struct facts_commit_at *v = &ev->at->commits[c];
		uint8_t comp = compliance_completion(ev, c);
		uint32_t p = ev->commit_prog[c];
		if (comp == REMACTO__V1__COMPLETION__COMPLETION_COMPLETE ||
		    comp == REMACTO__V1__COMPLETION__COMPLETION_WITHDRAWN ||
		    (p != NONE && ev->at->progs[p].index != FACTS_NO_INDEX &&
		     !compliance_programme_open(ev, p)) ||
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
		if (!ev->full) { /* the overview counts findings: no words */
			compliance_count(ev, COMPLIANCE_MINOR);
			continue;
		}
		struct idx ix = { 0 };
		const char *id = compliance_str(ev, m->commitments[c].id);
		compliance_idx_add(&ix, v->v_index);
		compliance_idx_add(&ix, v->s_index);
		compliance_idx_add(&ix, ev->commit_meas[c]);
		facts_day_format(ref, day);
		facts_day_format(ev->d, today);
		if (last) {
			compliance_fmt(
			        ev, w.fr,
			        "Engagement %.200s : aucune mise à jour de statut ni mesure depuis le %s "
			        "(%u jours ; limite : %u).",
			        id, day, ev->d - ref, ev->pol.follow_up_days);
			compliance_fmt(
			        ev, w.ar,
			        "الالتزام %.200s: لا تحديث للوضعية ولا قياس منذ %s (%u يوما؛ الحد: %u).",
			        id, day, ev->d - ref, ev->pol.follow_up_days);
			compliance_fmt(
			        ev, w.en,
			        "Commitment %.200s: no status update or measurement since %s (%u days; "
			        "limit: %u).",
			        id, day, ev->d - ref, ev->pol.follow_up_days);
		} else {
			compliance_fmt(
			        ev, w.fr,
			        "Engagement %.200s : aucune mise à jour de statut ni mesure depuis son "
			        "début le %s (%u jours ; limite : %u).",
			        id, day, ev->d - ref, ev->pol.follow_up_days);
			compliance_fmt(
			        ev, w.ar,
			        "الالتزام %.200s: لا تحديث للوضعية ولا قياس منذ انطلاقه في %s (%u يوما؛ "
			        "الحد: %u).",
			        id, day, ev->d - ref, ev->pol.follow_up_days);
			compliance_fmt(
			        ev, w.en,
			        "Commitment %.200s: no status update or measurement since it began on %s "
			        "(%u days; limit: %u).",
			        id, day, ev->d - ref, ev->pol.follow_up_days);
		}
		compliance_fmt(
		        ev, w.act_fr,
		        "Publier une mise à jour du statut de l'engagement %.200s (ou une mesure de l'un "
		        "de ses indicateurs).",
		        id);
		compliance_fmt(ev, w.act_ar,
		               "نشر تحديث لوضعية الالتزام %.200s (أو قياس لأحد مؤشراته).", id);
		compliance_fmt(
		        ev, w.act_en,
		        "Publish a status update of commitment %.200s (or a measurement of one of its "
		        "indicators).",
		        id);
		if (ev->full) /* the overview only counts findings */
			compliance_entry_line(
			        ev, w.cmd, "statusUpdate",
			        json_pack("{s:s, s:s, s:s}", "commitmentId", id, "date", today,
			                  "completion",
			                  compliance_enum_name(&remacto__v1__completion__descriptor,
			                                       compliance_completion(ev, c),
			                                       "COMPLETION_NOT_STARTED")));
		compliance_finding(ev, COMPLIANCE_FOLLOW_UP, "follow-up.stale-commitment",
		                   COMPLIANCE_MINOR, id, &w, &ix);
	}
	compliance_set_rule(ev, COMPLIANCE_FOLLOW_UP, active > 0, active, fresh,
	                    active ? (double)fresh / active : 1.0);
}

void
compliance_rule_milestones(struct eval *ev)
{
	const struct facts_state *m = ev->st;
	struct words w;
	char day[11], today[11], subject[2 * 210];
	unsigned due = 0, ok = 0;

	for (uint32_t s = 0; s < m->n_milestones; s++) {
		const struct facts_milestone *ms = &m->milestones[s];
		const struct facts_ms_at *dd = &ev->at->ms[s];
		if (dd->d_index == FACTS_NO_INDEX || !compliance_commit_visible(ev, ms->commit) ||
		    compliance_completion(ev, ms->commit) ==
		            REMACTO__V1__COMPLETION__COMPLETION_WITHDRAWN)
			continue;
		if (dd->due >= ev->d || ev->d - dd->due <= ev->pol.milestone_grace_days)
			continue;
		due++;
		uint8_t st = dd->o_index == FACTS_NO_INDEX ? 0 : dd->status;
		if (st == REMACTO__V1__MILESTONE_STATUS__MILESTONE_STATUS_MET ||
		    st == REMACTO__V1__MILESTONE_STATUS__MILESTONE_STATUS_PARTIALLY_MET ||
		    st == REMACTO__V1__MILESTONE_STATUS__MILESTONE_STATUS_NOT_MET) {
			ok++;
			continue;
		}
		if (!ev->full) {
			compliance_count(ev, COMPLIANCE_MINOR);
			continue;
		}
		struct idx ix = { 0 };
		const char *cid = compliance_str(ev, m->commitments[ms->commit].id),
		           *mid = compliance_str(ev, ms->id);
		compliance_idx_add(&ix, dd->d_index);
		compliance_idx_add(&ix, dd->o_index);
		facts_day_format(dd->due, day);
		snprintf(subject, sizeof(subject), "%.200s/%.200s", cid, mid);
		compliance_fmt(
		        ev, w.fr,
		        "Jalon %.200s de l'engagement %.200s : échéance le %s, dépassée de %u jours "
		        "sans résultat enregistré (délai de grâce : %u jours).",
		        mid, cid, day, ev->d - dd->due, ev->pol.milestone_grace_days);
		compliance_fmt(
		        ev, w.ar,
		        "المرحلة %.200s من الالتزام %.200s: أجلها %s، متجاوز بـ %u يوما دون نتيجة مسجلة "
		        "(مهلة السماح: %u يوما).",
		        mid, cid, day, ev->d - dd->due, ev->pol.milestone_grace_days);
		compliance_fmt(
		        ev, w.en,
		        "Milestone %.200s of commitment %.200s: due on %s, %u days overdue with no "
		        "recorded outcome (grace: %u days).",
		        mid, cid, day, ev->d - dd->due, ev->pol.milestone_grace_days);
		compliance_fmt(
		        ev, w.act_fr,
		        "Publier une mise à jour du jalon %.200s de %.200s (atteint, partiellement "
		        "atteint ou non atteint).",
		        mid, cid);
		compliance_fmt(
		        ev, w.act_ar,
		        "نشر تحديث للمرحلة %.200s من %.200s (محققة أو محققة جزئيا أو غير محققة).",
		        mid, cid);
		compliance_fmt(
		        ev, w.act_en,
		        "Publish an update of milestone %.200s of %.200s (met, partially met or not "
		        "met).",
		        mid, cid);
		facts_day_format(ev->d, today);
		if (ev->full) /* the overview only counts findings */
			compliance_entry_line(ev, w.cmd, "milestoneUpdate",
			                      json_pack("{s:s, s:s, s:s, s:s}", "commitmentId", cid,
			                                "milestoneId", mid, "status",
			                                "MILESTONE_STATUS_MET", "date", today));
		compliance_finding(ev, COMPLIANCE_MILESTONES, "milestones.overdue",
		                   COMPLIANCE_MINOR, subject, &w, &ix);
	}
	compliance_set_rule(ev, COMPLIANCE_MILESTONES, due > 0, due, ok,
	                    due ? (double)ok / due : 1.0);
}

/* The latest visible total (no dimensions) of catalog code among the member's indicators:
 * the latest period (by its last day), then the latest entry. false when none. */
static bool
latest_total(const struct eval *ev, facts_str code, const struct facts_ind_at **out)
{
	const struct facts_state *m = ev->st;
	const struct facts_ind_at *best = NULL;
	for (size_t k = 0; code && k < m->n_indicators; k++) {
		const struct facts_ind_at *t = &ev->at->inds[k];
		if (m->indicators[k].code != code || t->t_index == FACTS_NO_INDEX)
			continue;
		if (!best || t->t_last > best->t_last ||
		    (t->t_last == best->t_last && t->t_index > best->t_index))
			best = t;
	}
	*out = best;
	return best != NULL;
}

/* The latest period of granularity g that ended on or before ref (one per granularity and
 * evaluation: every catalog code of the member asks). */
static const struct due_period *
due_period(struct eval *ev, char g, facts_day ref)
{
	struct due_period *dp = &ev->due[g == FACTS_MONTH ? 2 : g == FACTS_QUARTER ? 1 : 0];
	facts_day first;
	char pg;
	if (dp->g != g) {
		dp->g = g;
		facts_period_last(g, ref, dp->period);
		dp->ok = facts_period_parse(dp->period, &first, &dp->last, &pg);
		dp->pid = facts_string_find(ev->f, dp->period);
	}
	return dp;
}

void
compliance_rule_indicators(struct eval *ev)
{
	const struct facts_state *m = ev->st;
	const struct facts *f = ev->f;
	struct words w;
	unsigned expected = 0, reported = 0;
	facts_day ref = ev->d > ev->pol.follow_up_days ? ev->d - ev->pol.follow_up_days : 0;

	for (size_t k = 0; k < f->n_catalog && ref; k++) {
		const struct facts_catalog *ce = &f->catalog[k];
		const struct facts_ind_at *latest = NULL;
		facts_day adopted = 0;
		facts_str ind_id = 0; /* the member's indicator with the code, to report on */
		struct idx ix = { 0 };
		if (ce->withdrawn)
			continue;
		/* Adopted by a visible indicator with the code; the latest visible report of it
		 * gives the granularity. */
		for (size_t i = 0; i < m->n_indicators; i++) {
			const struct facts_indicator *ind = &m->indicators[i];
			if (ind->code != ce->code || !compliance_visible(ev, ind->first_pub))
				continue;
			facts_day a = ind->first_pub ? ind->first_pub : 1;
			if (!adopted || a < adopted)
				adopted = a, ind_id = ind->id;
			compliance_idx_add(&ix, ind->latest);
			const struct facts_ind_at *v = &ev->at->inds[i];
			if (v->m_index != FACTS_NO_INDEX &&
			    (!latest || v->m_index > latest->m_index))
				latest = v;
		}
		if (!adopted) {
			compliance_idx_free(&ix);
			continue;
		}
		char g = latest ? facts_period_granularity(ev->f, latest->m_period) : 0;
		const struct due_period *dp = due_period(ev, g ? g : FACTS_YEAR, ref);
		if (!dp->ok || dp->last < adopted) {
			compliance_idx_free(&ix);
			continue; /* nothing due yet */
		}
		expected++;
		const char *period = dp->period;
		facts_str pid = dp->pid;
		bool found = false;
		for (size_t i = 0; pid && i < m->n_indicators && !found; i++) {
			uint32_t p;
			if (m->indicators[i].code != ce->code ||
			    (p = facts_period_slot(m, (uint32_t)i, pid)) == FACTS_NO_SLOT)
				continue;
			found = compliance_visible(ev, m->indicators[i].periods[p].first_pub);
		}
		if (found || !ev->full) {
			if (found)
				reported++;
			else
				compliance_count(ev, COMPLIANCE_MINOR);
			compliance_idx_free(&ix);
			continue;
		}
		const char *code = compliance_str(ev, ce->code), *iid = compliance_str(ev, ind_id);
		compliance_fmt(
		        ev, w.fr,
		        "Indicateur du catalogue %.64s adopté mais non renseigné pour la période %s.",
		        code, period);
		compliance_fmt(ev, w.ar,
		               "مؤشر الفهرس %.64s معتمد لكنه غير مبلغ عنه برسم الفترة %s.", code,
		               period);
		compliance_fmt(
		        ev, w.en,
		        "Catalog indicator %.64s adopted but not reported for the period %s.", code,
		        period);
		compliance_fmt(
		        ev, w.act_fr,
		        "Publier la mesure de l'indicateur %.200s (%.64s) pour la période %s.", iid,
		        code, period);
		compliance_fmt(ev, w.act_ar, "نشر قياس المؤشر %.200s (%.64s) برسم الفترة %s.", iid,
		               code, period);
		compliance_fmt(
		        ev, w.act_en,
		        "Publish the measurement of indicator %.200s (%.64s) for the period %s.",
		        iid, code, period);
		/* CSV rows for remacto import, in the export's columns */
		compliance_fmt(ev, w.cmd, "indicator_id,period,value\r\n%.200s,%s,", iid, period);
		compliance_finding(ev, COMPLIANCE_INDICATORS, "indicators.not-reported",
		                   COMPLIANCE_MINOR, code, &w, &ix);
	}
	compliance_set_rule(ev, COMPLIANCE_INDICATORS, expected > 0, expected, reported,
	                    expected ? (double)reported / expected : 1.0);
}

/* A declared downgrade: a finding (info) for each visible amendment that pushes a date back or
 * lowers a target (facts_amends callback). */
struct declared {
	struct eval *ev;
	unsigned n;
};

static int
declared_one(const struct facts_change *a, void *arg)
{
	struct declared *dc = arg;
	struct eval *ev = dc->ev;
	struct words w;
	char subject[512];
	if (!compliance_visible(ev, a->pub) || a->cls == FACTS_OTHER)
		return 0;
	dc->n++;
	struct idx ix = { 0 };
	compliance_idx_add(&ix, a->index);
	snprintf(subject, sizeof(subject), "%.200s %.200s", compliance_str(ev, a->subject),
	         compliance_str(ev, a->field));
	compliance_fmt(ev, w.ar, "تعديل منشور (%s): %.200s في %.200s، %.64s ← %.64s.",
	               a->cls == FACTS_TARGET_LOWER ? "خفض الهدف" : "تأجيل الأجل",
	               compliance_str(ev, a->field), compliance_str(ev, a->subject),
	               compliance_str(ev, a->old_value), compliance_str(ev, a->new_value));
	compliance_fmt(ev, w.act_fr, "Aucune action requise : le changement est déclaré.%s", "");
	compliance_fmt(ev, w.act_ar, "لا يلزم أي إجراء: التغيير مصرح به.%s", "");
	compliance_fmt(ev, w.act_en, "No action needed: the change is declared.%s", "");
	w.cmd[0] = '\0';
	compliance_fmt(ev, w.fr, "Amendement publié (%s) : %.200s de %.200s, %.64s → %.64s.",
	               a->cls == FACTS_TARGET_LOWER ? "cible abaissée" : "date repoussée",
	               compliance_str(ev, a->field), compliance_str(ev, a->subject),
	               compliance_str(ev, a->old_value), compliance_str(ev, a->new_value));
	compliance_fmt(ev, w.en, "Published amendment (%s): %.200s of %.200s, %.64s → %.64s.",
	               a->cls == FACTS_TARGET_LOWER ? "target lowered" : "date pushed back",
	               compliance_str(ev, a->field), compliance_str(ev, a->subject),
	               compliance_str(ev, a->old_value), compliance_str(ev, a->new_value));
	compliance_finding(ev, COMPLIANCE_INTEGRITY, "integrity.declared-downgrade",
	                   COMPLIANCE_INFO, subject, &w, &ix);
	return ev->rc;
}

void
compliance_rule_integrity(struct eval *ev)
{
	const struct facts_member *m = ev->m;
	struct words w;
	char subject[512], today[11];
	unsigned hidden = 0, declared = 0;

	facts_day_format(ev->d, today);
	if (m->forks) {
		compliance_fmt(
		        ev, w.ar,
		        "دليل على ازدواجية: نقطتا تحقق موقعتان متعارضتان للسجل (الحجمان %llu و%llu)؛ "
		        "%u دليل محفوظ.",
		        (unsigned long long)m->fork_size_a, (unsigned long long)m->fork_size_b,
		        m->forks);
		compliance_fmt(
		        ev, w.act_fr,
		        "Saisir l'autorité du réseau : la clé de %s a signé deux historiques et doit "
		        "être renouvelée (remacto member rotate-key).",
		        m->origin);
		compliance_fmt(
		        ev, w.act_ar,
		        "إخطار سلطة الشبكة: مفتاح %s وقّع سجلين متعارضين ويجب تجديده (remacto member "
		        "rotate-key).",
		        m->origin);
		compliance_fmt(
		        ev, w.act_en,
		        "Refer to the network authority: the key of %s signed two histories and must "
		        "be rotated (remacto member rotate-key).",
		        m->origin);
		compliance_fmt(
		        ev, w.cmd,
		        "remacto member rotate-key --data DIR --origin %s --verifier-key NEW_KEY",
		        m->origin);
		compliance_fmt(
		        ev, w.fr,
		        "Preuve d'équivocation : deux points de contrôle signés incompatibles du "
		        "journal (tailles %llu et %llu) ; %u preuve(s) conservée(s).",
		        (unsigned long long)m->fork_size_a, (unsigned long long)m->fork_size_b,
		        m->forks);
		compliance_fmt(
		        ev, w.en,
		        "Equivocation evidence: two incompatible signed checkpoints of the log (sizes "
		        "%llu and %llu); %u record(s) kept.",
		        (unsigned long long)m->fork_size_a, (unsigned long long)m->fork_size_b,
		        m->forks);
		compliance_finding(ev, COMPLIANCE_INTEGRITY, "integrity.equivocation",
		                   COMPLIANCE_CRITICAL, m->origin, &w, NULL);
	}
	for (size_t i = 0; i < ev->st->n_changes; i++) {
		const struct facts_change *c = &ev->st->changes[i];
		/* Hidden unless an amendment published by the day declares it. */
		if (!compliance_visible(ev, c->pub) ||
		    (c->match != FACTS_NEVER && compliance_visible(ev, c->match)))
			continue;
		hidden++;
		if (!ev->full) {
			compliance_count(ev, COMPLIANCE_MAJOR);
			continue;
		}
		struct idx ix = { 0 };
		bool indicator = c->subject_kind == REMACTO__V1__SUBJECT__SUBJECT_INDICATOR;
		compliance_idx_add(&ix, c->prev);
		compliance_idx_add(&ix, c->index);
		const char *sid = compliance_str(ev, c->subject),
		           *field = compliance_str(ev, c->field);
		snprintf(subject, sizeof(subject), "%.200s %.200s", sid, field);
		const char *ov = compliance_str(ev, c->old_value),
		           *nv = compliance_str(ev, c->new_value);
		bool lower = c->cls == FACTS_TARGET_LOWER;
		compliance_fmt(
		        ev, w.ar,
		        "%s %.200s: تغير %.200s من %.64s إلى %.64s بنسخة جديدة (%s) دون نشر أي تعديل.",
		        indicator ? "المؤشر" : "الالتزام", sid, field, ov, nv,
		        lower ? "خفض الهدف" : "تأجيل الأجل");
		compliance_fmt(
		        ev, w.act_fr,
		        "Publier un amendement déclarant le changement de %.200s de %.200s (%.64s → "
		        "%.64s) et sa raison.",
		        field, sid, ov, nv);
		compliance_fmt(
		        ev, w.act_ar,
		        "نشر تعديل يصرح بتغيير %.200s في %.200s (%.64s ← %.64s) مع بيان سببه.",
		        field, sid, ov, nv);
		compliance_fmt(
		        ev, w.act_en,
		        "Publish an amendment declaring the change of %.200s of %.200s (%.64s → %.64s) "
		        "and its reason.",
		        field, sid, ov, nv);
		if (ev->full) /* the overview only counts findings */
			compliance_entry_line(
			        ev, w.cmd, "amendment",
			        json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:s}", "subject",
			                  indicator ? "SUBJECT_INDICATOR" : "SUBJECT_COMMITMENT",
			                  "subjectId", sid, "field", field, "oldValue", ov,
			                  "newValue", nv, "reason", "fr", "…", "ar", "…", "date",
			                  today));
		compliance_fmt(
		        ev, w.fr,
		        "%s %.200s : %.200s modifié de %.64s à %.64s par une nouvelle version "
		        "(%s), sans amendement publié.",
		        indicator ? "Indicateur" : "Engagement", sid, field, ov, nv,
		        lower ? "cible abaissée" : "date repoussée");
		compliance_fmt(
		        ev, w.en,
		        "%s %.200s: %.200s changed from %.64s to %.64s by a new version (%s), "
		        "with no amendment published.",
		        indicator ? "Indicator" : "Commitment", sid, field, ov, nv,
		        lower ? "target lowered" : "date pushed back");
		compliance_finding(ev, COMPLIANCE_INTEGRITY, "integrity.hidden-change",
		                   COMPLIANCE_MAJOR, subject, &w, &ix);
	}
	if (ev->full) {
		struct declared dc = { ev, 0 };
		int rc = facts_amends(ev->f, ev->m, declared_one, &dc);
		if (rc != 0 && ev->rc == 0)
			ev->rc = rc;
		declared = dc.n;
	} else {
		/* The overview counts them. */
		declared = ev->at->declared;
		ev->r->count[COMPLIANCE_INFO] += declared;
	}
	double p = m->forks ? 0.0 : 1.0 - COMPLIANCE_HIDDEN_PENALTY * hidden;
	compliance_set_rule(ev, COMPLIANCE_INTEGRITY, true, hidden + declared, declared,
	                    p < 0 ? 0.0 : p);
}

/* Law 31-13's deadline, as the member reports it: the latest total of the indicator must be at
 * most (AI-01) or at least (AI-02) the limit. The explanations take the value, the period and
 * the limit; the actions take the limit. */
struct deadline_check {
	const char *code, *finding;
	double limit;
	bool at_most;
	const char *fr, *ar, *en, *act_fr, *act_ar, *act_en;
};

static const struct deadline_check deadline_checks[] = {
	{ "AI-01", "timeliness.slow-answers", COMPLIANCE_AI01_MAX, true,
	  "AI-01 : délai médian de réponse de %s jours ouvrables pour %s, au-delà des %.0f jours "
	  "de la loi 31-13.",
	  "AI-01: المدة الوسيطة للرد %s يوم عمل برسم %s، أي أكثر من %.0f يوما التي يحددها القانون "
	  "31-13.",
	  "AI-01: median answer time of %s working days for %s, beyond the %.0f days of law "
	  "31-13.",
	  "Ramener le délai de réponse aux demandes d'accès à l'information à %.0f jours ouvrables "
	  "au plus (loi 31-13), puis publier la mesure AI-01 de la période suivante.",
	  "تقليص أجل الرد على طلبات الحصول على المعلومات إلى %.0f يوم عمل على الأكثر (القانون "
	  "31-13)، ثم نشر قياس المؤشر AI-01 للفترة الموالية.",
	  "Bring the answer time to access-to-information requests down to %.0f working days at "
	  "most (law 31-13), then publish the AI-01 measurement of the next period." },
	{ "AI-02", "timeliness.late-answers", COMPLIANCE_AI02_MIN, false,
	  "AI-02 : %s %% des demandes traitées dans le délai légal de la loi 31-13 pour %s "
	  "(seuil : %.0f %%).",
	  "AI-02: %s%% من الطلبات عولجت داخل الأجل القانوني المحدد في القانون 31-13 برسم %s "
	  "(العتبة: %.0f%%).",
	  "AI-02: %s%% of requests answered within the legal deadline of law 31-13 for %s "
	  "(threshold: %.0f%%).",
	  "Traiter au moins %.0f %% des demandes d'accès à l'information dans le délai légal (loi "
	  "31-13), puis publier la mesure AI-02 de la période suivante.",
	  "معالجة %.0f%% على الأقل من طلبات الحصول على المعلومات داخل الأجل القانوني (القانون "
	  "31-13)، ثم نشر قياس المؤشر AI-02 للفترة الموالية.",
	  "Answer at least %.0f%% of access-to-information requests within the legal deadline "
	  "(law 31-13), then publish the AI-02 measurement of the next period." },
};

void
compliance_rule_timeliness(struct eval *ev)
{
	struct words w;
	unsigned checked = 0, passed = 0;

	for (size_t i = 0; i < sizeof(deadline_checks) / sizeof(deadline_checks[0]); i++) {
		const struct deadline_check *dc = &deadline_checks[i];
		const struct facts_ind_at *v;
		if (!latest_total(ev, facts_string_find(ev->f, dc->code), &v))
			continue;
		checked++;
		if (dc->at_most ? v->t_value <= dc->limit : v->t_value >= dc->limit) {
			passed++;
			continue;
		}
		if (!ev->full) { /* the overview counts findings: no words */
			compliance_count(ev, COMPLIANCE_MINOR);
			continue;
		}
		struct idx ix = { 0 };
		char num[40];
		const char *p = compliance_str(ev, v->t_period);
		csvimport_number(v->t_value, num, sizeof(num));
		compliance_idx_add(&ix, v->t_index);
		compliance_fmt(ev, w.fr, dc->fr, num, p, dc->limit);
		compliance_fmt(ev, w.ar, dc->ar, num, p, dc->limit);
		compliance_fmt(ev, w.en, dc->en, num, p, dc->limit);
		compliance_fmt(ev, w.act_fr, dc->act_fr, dc->limit);
		compliance_fmt(ev, w.act_ar, dc->act_ar, dc->limit);
		compliance_fmt(ev, w.act_en, dc->act_en, dc->limit);
		w.cmd[0] = '\0';
		compliance_finding(ev, COMPLIANCE_TIMELINESS, dc->finding, COMPLIANCE_MINOR,
		                   dc->code, &w, &ix);
	}
	compliance_set_rule(ev, COMPLIANCE_TIMELINESS, checked > 0, checked, passed,
	                    checked ? (double)passed / checked : 1.0);
}
