/*
 * Tests for node/views/compliance.c (and the facts it reads, node/views/facts.c) on a synthetic federation
 * (synth.h): the authority's registry with seven members, the catalog and a policy; each member
 * log built from one base programme with variations; witness cosignatures at chosen days and one
 * equivocation. Every expectation below was computed by hand from compliance.h's rules, as of
 * 2025-06-30 with the policy liveness 30, follow-up 90, grace 30, at risk < 90,
 * non-compliant < 60:
 *
 *   alpha    compliant, 100, no finding
 *   bravo    stale log: last witnessed 2025-04-01 (its own later cosignature does not count):
 *            liveness.stale [10]; 80, at risk
 *   charlie  no commitment under digitalisation: coverage.missing-principle [0 1 2]; 97, at risk
 *   delta    two milestones overdue: C1/M1 [1 7] (a "scheduled" update is no outcome), C2/M1
 *            [2]; 85, at risk
 *   echo     target of 2025 lowered by an amendment (declared, info [11]) and target of 2026
 *            lowered by a new version of the indicator (hidden, major [3 12]); 97.5 → 98, at risk
 *   foxtrot  equivocation evidence: integrity.equivocation, critical; 90, non-compliant
 *   hotel    both commitments without update for 149 days [1 5 9] [2 6 10], TR-01 not reported
 *            for 2024 [3], AI-01 at 25 days [6]; 67.5 → 68, at risk
 * and the same results after a restart, after index_rebuild, and on a second node holding the
 * same logs as replicas; the overview, its trend, memoisation and incremental folding.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peers/ledger.h"
#include "synth.h"
#include "views/compliance.h"

#define E(pub, body) "{\"schema\":1,\"published\":\"" pub "T10:00:00Z\"," body "}"

#define P0                                                                              \
	E("2024-03-01", "\"programme\":{\"id\":\"P\",\"title\":{\"fr\":\"Programme\"}," \
	                "\"stage\":\"PROGRAMME_STAGE_IMPLEMENTATION\"}")
#define C1                                                                                        \
	E("2024-03-01", "\"commitment\":{\"id\":\"C1\",\"programmeId\":\"P\",\"title\":"          \
	                "{\"fr\":\"Un\"},\"principles\":[\"PRINCIPLE_TRANSPARENCY\","             \
	                "\"PRINCIPLE_ACCOUNTABILITY\"],\"startDate\":\"2024-04-01\",\"endDate\":" \
	                "\"2026-12-31\",\"milestones\":[{\"id\":\"M1\",\"title\":{\"fr\":\"J\"}," \
	                "\"dueDate\":\"2025-03-31\"}]}")
#define C2(extra)                                                                            \
	E("2024-03-01",                                                                      \
	  "\"commitment\":{\"id\":\"C2\",\"programmeId\":\"P\","                             \
	  "\"title\":{\"fr\":\"Deux\"},\"principles\":[\"PRINCIPLE_ACCESS_TO_INFORMATION\"," \
	  "\"PRINCIPLE_CITIZEN_PARTICIPATION\"" extra "],\"startDate\":\"2024-04-01\","      \
	  "\"endDate\":\"2026-12-31\",\"milestones\":[{\"id\":\"M1\",\"title\":{\"fr\":"     \
	  "\"J\"},\"dueDate\":\"2025-04-30\"}]}")
#define DIGI ",\"PRINCIPLE_DIGITALISATION\""
#define I1(pub, t25, t26)                                                                      \
	E(pub, "\"indicator\":{\"id\":\"I1\",\"catalogCode\":\"TR-01\","                       \
	       "\"commitmentId\":\"C1\",\"ascending\":true,\"targets\":[{\"period\":\"2025\"," \
	       "\"value\":" t25 "},{\"period\":\"2026\",\"value\":" t26 "}]}")
#define I2                                                          \
	E("2024-03-05",                                             \
	  "\"indicator\":{\"id\":\"I2\",\"catalogCode\":\"AI-01\"," \
	  "\"commitmentId\":\"C2\",\"targets\":[{\"period\":\"2025\",\"value\":20}]}")
#define MEAS(pub, ind, period, value)                          \
	E(pub, "\"measurement\":{\"indicatorId\":\"" ind "\"," \
	       "\"period\":\"" period "\",\"value\":" value "}")
#define MU(pub, c, status, date)                                              \
	E(pub, "\"milestoneUpdate\":{\"commitmentId\":\"" c "\","             \
	       "\"milestoneId\":\"M1\",\"status\":\"MILESTONE_STATUS_" status \
	       "\",\"date\":\"" date "\"}")
#define SU(pub, c, completion, date)                           \
	E(pub, "\"statusUpdate\":{\"commitmentId\":\"" c "\"," \
	       "\"date\":\"" date "\",\"completion\":\"COMPLETION_" completion "\"}")

/* The base log: 11 entries, indexes 0-10. */
static const char *const base[] = {
	P0,
	C1,
	C2(DIGI),
	I1("2024-03-05", "80", "90"),
	I2,
	MEAS("2025-02-01", "I1", "2024", "70"),
	MEAS("2025-02-01", "I2", "2024", "15"),
	MU("2025-03-30", "C1", "MET", "2025-03-30"),
	MU("2025-04-29", "C2", "MET", "2025-04-29"),
	SU("2025-06-01", "C1", "SUBSTANTIAL", "2025-06-01"),
	SU("2025-06-01", "C2", "LIMITED", "2025-06-01"),
};
#define NBASE 11

static const char *const charlie_c2 = C2("");
static const char *const delta_7 = MU("2025-03-01", "C1", "SCHEDULED", "2025-03-01");
static const char *const delta_8 = E("2025-04-29", "\"consultation\":{\"id\":\"K1\",\"date\":"
                                                   "\"2025-04-29\"}");
static const char *const echo_more[] = {
	E("2025-05-01",
	  "\"amendment\":{\"subject\":\"SUBJECT_INDICATOR\",\"subjectId\":\"I1\","
	  "\"field\":\"targets[2025]\",\"oldValue\":\"80\",\"newValue\":\"60\",\"reason\":{\"fr\":"
	  "\"Budget réduit\"},\"date\":\"2025-05-01\"}"),
	I1("2025-05-02", "60", "70"),
};
static const char *const hotel_5 = MEAS("2025-02-01", "I1", "2023", "70");
static const char *const hotel_6 = MEAS("2025-02-01", "I2", "2024", "25");
static const char *const hotel_9 = SU("2025-02-01", "C1", "SUBSTANTIAL", "2025-02-01");
static const char *const hotel_10 = SU("2025-02-01", "C2", "LIMITED", "2025-02-01");

enum { ALPHA, BRAVO, CHARLIE, DELTA, ECHO, FOXTROT, HOTEL, NMEMBERS };
static const char *const names[NMEMBERS] = {
	"remacto.ma/alpha", "remacto.ma/bravo",   "remacto.ma/charlie", "remacto.ma/delta",
	"remacto.ma/echo",  "remacto.ma/foxtrot", "remacto.ma/hotel",
};
#define WITNESS "remacto.ma/witness-1"

static void
member_log(struct synth *sy, size_t i, const char *const *v, size_t n)
{
	synth_log(sy, i, v, n);
}

/* The federation of the file's comment. */
static void
build(struct synth *sy)
{
	const char *v[NBASE + 2];

	synth_init(sy);
	synth_member(sy, names[ALPHA], "COMMUNE", "4210101", "04", 50000, "2024-01-10");
	synth_member(sy, names[BRAVO], "COMMUNE", "4210102", "04", 20000, "2024-01-10");
	synth_member(sy, names[CHARLIE], "PREFECTURE", "421", "04", 300000, "2024-01-10");
	synth_member(sy, names[DELTA], "COMMUNE", "5110101", "01", 8000, "2024-01-10");
	synth_member(sy, names[ECHO], "COMMUNE", "5110102", "01", 120000, "2024-01-10");
	synth_member(sy, names[FOXTROT], "REGION", "01", "", 1200000, "2024-01-10");
	synth_member(sy, names[HOTEL], "COMMUNE", "4210103", "04", 60000, "2024-01-10");
	synth_catalog(sy, "TR-01", "TRANSPARENCY", true, false);
	synth_catalog(sy, "AI-01", "ACCESS_TO_INFORMATION", false, false);
	synth_catalog(sy, "CP-01", "CITIZEN_PARTICIPATION", true, true);
	synth_registry(sy, "{\"schema\":1,\"published\":\"2024-01-06T09:00:00Z\","
	                   "\"compliancePolicy\":{\"livenessDays\":30,\"followUpDays\":90,"
	                   "\"milestoneGraceDays\":30,\"atRiskScore\":90,\"nonCompliantScore\":60,"
	                   "\"date\":\"2024-01-06\"}}");

	for (size_t i = 0; i < NMEMBERS; i++) {
		memcpy(v, base, sizeof(base));
		size_t n = NBASE;
		switch (i) {
		case CHARLIE:
			v[2] = charlie_c2;
			break;
		case DELTA:
			v[7] = delta_7, v[8] = delta_8;
			break;
		case ECHO:
			v[n++] = echo_more[0], v[n++] = echo_more[1];
			break;
		case HOTEL:
			v[5] = hotel_5, v[6] = hotel_6, v[9] = hotel_9, v[10] = hotel_10;
			break;
		default:
			break;
		}
		member_log(sy, i, v, n);
		if (i == BRAVO) {
			synth_cosign(sy, names[i], 11, WITNESS, "2025-04-01");
			synth_cosign(sy, names[i], 11, names[i],
			             "2025-06-29"); /* its own: ignored */
		} else {
			synth_cosign(sy, names[i], 9, WITNESS, "2025-04-05");
			synth_cosign(sy, names[i], n, WITNESS, "2025-06-25");
		}
	}
	synth_evidence(sy, names[FOXTROT],
	               "remacto.ma/foxtrot\n11\nAAAA\n\n— remacto.ma/foxtrot x\n",
	               "remacto.ma/foxtrot\n11\nBBBB\n\n— remacto.ma/foxtrot y\n");
}

static struct synth sy;
static facts_day asof;

static int
setup(void **state)
{
	(void)state;
	build(&sy);
	asof = facts_day_parse("2025-06-30");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	synth_free(&sy);
	return 0;
}

static struct facts *
fresh_facts(struct synth *s)
{
	struct facts *f = facts_new();
	assert_non_null(f);
	synth_refresh(s, f);
	return f;
}

static void
report(struct facts *f, int member, facts_day day, struct compliance_report *r)
{
	struct facts_member *m = facts_member_find(f, names[member]);
	assert_non_null(m);
	assert_int_equal(compliance_member(f, m, day, r), 0);
}

/* Checks finding k of r: rule, code, severity, subject, and its indexes (terminated by -1). */
static void
check_finding(const struct compliance_report *r, size_t k, const char *code,
              enum compliance_severity sev, const char *subject, ...)
{
	va_list ap;
	size_t n = 0;
	if (k >= r->n_findings)
		fail_msg("%s: no finding %zu (only %zu)", r->member->origin, k, r->n_findings);
	const struct compliance_finding *fd = &r->findings[k];
	if (strcmp(fd->code, code) != 0)
		fail_msg("%s finding %zu: code %s, expected %s", r->member->origin, k, fd->code,
		         code);
	assert_int_equal(fd->severity, sev);
	assert_string_equal(fd->subject, subject);
	assert_true(strncmp(fd->code, fd->rule, strlen(fd->rule)) == 0);
	assert_true(fd->fr[0] && fd->en[0]);
	va_start(ap, subject);
	for (long x; (x = va_arg(ap, long)) >= 0; n++) {
		if (n >= fd->n_indexes)
			fail_msg("%s %s: fewer indexes than expected", r->member->origin, code);
		if (fd->indexes[n] != (uint64_t)x)
			fail_msg("%s %s: index %zu is %llu, expected %ld", r->member->origin, code,
			         n, (unsigned long long)fd->indexes[n], x);
	}
	va_end(ap);
	assert_int_equal(fd->n_indexes, n);
}

static void
check_rule(const struct compliance_report *r, enum compliance_rule id, bool applicable,
           unsigned checked, unsigned passed)
{
	const struct compliance_rule_result *rr = &r->rules[id];
	if (rr->applicable != applicable || rr->checked != checked || rr->passed != passed)
		fail_msg("%s rule %s: applicable %d checked %u passed %u, expected %d %u %u",
		         r->member->origin, rr->id, rr->applicable, rr->checked, rr->passed,
		         applicable, checked, passed);
}

/* ---- the members ---- */

static void
test_compliant(void **state)
{
	struct facts *f = fresh_facts(&sy);
	struct compliance_report r;
	(void)state;
	report(f, ALPHA, asof, &r);
	assert_int_equal(r.status, COMPLIANCE_COMPLIANT);
	assert_int_equal(r.score, 100);
	assert_int_equal(r.n_findings, 0);
	check_rule(&r, COMPLIANCE_LIVENESS, true, 1, 1);
	check_rule(&r, COMPLIANCE_COVERAGE, true, 5, 5);
	check_rule(&r, COMPLIANCE_FOLLOW_UP, true, 2, 2);
	check_rule(&r, COMPLIANCE_MILESTONES, true, 2, 2);
	check_rule(&r, COMPLIANCE_INDICATORS, true, 2, 2);
	check_rule(&r, COMPLIANCE_INTEGRITY, true, 0, 0);
	check_rule(&r, COMPLIANCE_TIMELINESS, true, 1, 1);
	assert_int_equal(r.last_seen, facts_day_parse("2025-06-25"));
	assert_int_equal(r.seen_size, 11);
	assert_int_equal(r.policy.at_risk_score, 90);
	assert_int_equal(r.policy.non_compliant_score, 60);
	assert_int_equal(r.policy.index, 10); /* 7 admissions, 3 catalog entries, then it */
	compliance_report_free(&r);
	facts_free(f);
}

static void
test_stale_log(void **state)
{
	struct facts *f = fresh_facts(&sy);
	struct compliance_report r;
	(void)state;
	report(f, BRAVO, asof, &r);
	assert_int_equal(r.status, COMPLIANCE_AT_RISK);
	assert_int_equal(r.score, 80);
	assert_int_equal(r.n_findings, 1);
	check_finding(&r, 0, "liveness.stale", COMPLIANCE_MAJOR, names[BRAVO], 10L, -1L);
	assert_string_equal(r.findings[0].en, "Last witnessed on 2025-04-01, 90 days ago "
	                                      "(limit: 30).");
	assert_string_equal(r.findings[0].fr, "Dernière cosignature d'un témoin le 2025-04-01, il "
	                                      "y a 90 jours (limite : 30).");
	compliance_report_free(&r);

	/* A month earlier the same log was alive. */
	report(f, BRAVO, facts_day_parse("2025-04-30"), &r);
	assert_int_equal(r.status, COMPLIANCE_COMPLIANT);
	assert_int_equal(r.score, 100);
	check_rule(&r, COMPLIANCE_MILESTONES, false, 0, 0); /* nothing due yet */
	compliance_report_free(&r);

	/* Before any witness: never witnessed. */
	report(f, BRAVO, facts_day_parse("2025-03-15"), &r);
	assert_int_equal(r.n_findings, 1);
	check_finding(&r, 0, "liveness.never-witnessed", COMPLIANCE_MAJOR, names[BRAVO], -1L);
	compliance_report_free(&r);
	facts_free(f);
}

static void
test_missing_principle(void **state)
{
	struct facts *f = fresh_facts(&sy);
	struct compliance_report r;
	(void)state;
	report(f, CHARLIE, asof, &r);
	assert_int_equal(r.status, COMPLIANCE_AT_RISK);
	assert_int_equal(r.score, 97);
	assert_int_equal(r.n_findings, 1);
	check_finding(&r, 0, "coverage.missing-principle", COMPLIANCE_MAJOR, "digitalisation", 0L,
	              1L, 2L, -1L);
	assert_string_equal(r.findings[0].en, "The open programme has no commitment under the "
	                                      "principle \"digitalisation\".");
	check_rule(&r, COMPLIANCE_COVERAGE, true, 5, 4);
	compliance_report_free(&r);
	facts_free(f);
}

static void
test_overdue_milestones(void **state)
{
	struct facts *f = fresh_facts(&sy);
	struct compliance_report r;
	(void)state;
	report(f, DELTA, asof, &r);
	assert_int_equal(r.status, COMPLIANCE_AT_RISK);
	assert_int_equal(r.score, 85);
	assert_int_equal(r.n_findings, 2);
	check_finding(&r, 0, "milestones.overdue", COMPLIANCE_MINOR, "C1/M1", 1L, 7L, -1L);
	check_finding(&r, 1, "milestones.overdue", COMPLIANCE_MINOR, "C2/M1", 2L, -1L);
	assert_string_equal(r.findings[0].en,
	                    "Milestone M1 of commitment C1: due on 2025-03-31, "
	                    "91 days overdue with no recorded outcome (grace: 30 days).");
	check_rule(&r, COMPLIANCE_MILESTONES, true, 2, 0);
	compliance_report_free(&r);
	facts_free(f);
}

static void
test_lowered_target(void **state)
{
	struct facts *f = fresh_facts(&sy);
	struct compliance_report r;
	(void)state;
	report(f, ECHO, asof, &r);
	assert_int_equal(r.status, COMPLIANCE_AT_RISK);
	assert_int_equal(r.score, 98);
	assert_int_equal(r.n_findings, 2);
	check_finding(&r, 0, "integrity.hidden-change", COMPLIANCE_MAJOR, "I1 targets[2026]", 3L,
	              12L, -1L);
	check_finding(&r, 1, "integrity.declared-downgrade", COMPLIANCE_INFO, "I1 targets[2025]",
	              11L, -1L);
	assert_string_equal(r.findings[0].en,
	                    "Indicator I1: targets[2026] changed from 90 to 70 "
	                    "by a new version (target lowered), with no amendment published.");
	assert_string_equal(r.findings[0].fr,
	                    "Indicateur I1 : targets[2026] modifié de 90 à 70 par une nouvelle "
	                    "version (cible abaissée), sans amendement publié.");
	assert_string_equal(r.findings[1].en, "Published amendment (target lowered): "
	                                      "targets[2025] of I1, 80 → 60.");
	check_rule(&r, COMPLIANCE_INTEGRITY, true, 2, 1);
	assert_int_equal(r.count[COMPLIANCE_INFO], 1);
	assert_int_equal(r.count[COMPLIANCE_MAJOR], 1);
	compliance_report_free(&r);

	/* Before the new version, only the declared amendment: compliant. */
	report(f, ECHO, facts_day_parse("2025-05-01"), &r);
	assert_int_equal(r.count[COMPLIANCE_MAJOR] + r.count[COMPLIANCE_INFO], 1);
	assert_int_equal(r.count[COMPLIANCE_INFO], 1);
	compliance_report_free(&r);
	facts_free(f);
}

static void
test_equivocation(void **state)
{
	struct facts *f = fresh_facts(&sy);
	struct compliance_report r;
	(void)state;
	report(f, FOXTROT, asof, &r);
	assert_int_equal(r.status, COMPLIANCE_NON_COMPLIANT);
	assert_int_equal(r.score, 90);
	assert_int_equal(r.n_findings, 1);
	check_finding(&r, 0, "integrity.equivocation", COMPLIANCE_CRITICAL, names[FOXTROT], -1L);
	assert_non_null(strstr(r.findings[0].en, "sizes 11 and 11"));
	compliance_report_free(&r);
	facts_free(f);
}

static void
test_follow_up_indicators_timeliness(void **state)
{
	struct facts *f = fresh_facts(&sy);
	struct compliance_report r;
	(void)state;
	report(f, HOTEL, asof, &r);
	assert_int_equal(r.status, COMPLIANCE_AT_RISK);
	assert_int_equal(r.score, 68);
	assert_int_equal(r.n_findings, 4);
	check_finding(&r, 0, "follow-up.stale-commitment", COMPLIANCE_MINOR, "C1", 1L, 5L, 9L, -1L);
	check_finding(&r, 1, "follow-up.stale-commitment", COMPLIANCE_MINOR, "C2", 2L, 6L, 10L,
	              -1L);
	check_finding(&r, 2, "indicators.not-reported", COMPLIANCE_MINOR, "TR-01", 3L, -1L);
	check_finding(&r, 3, "timeliness.slow-answers", COMPLIANCE_MINOR, "AI-01", 6L, -1L);
	assert_string_equal(r.findings[0].en,
	                    "Commitment C1: no status update or measurement since "
	                    "2025-02-01 (149 days; limit: 90).");
	assert_string_equal(r.findings[2].en, "Catalog indicator TR-01 adopted but not reported "
	                                      "for the period 2024.");
	assert_string_equal(r.findings[3].en, "AI-01: median answer time of 25 working days for "
	                                      "2024, beyond the 20 days of law 31-13.");
	assert_string_equal(r.findings[3].fr, "AI-01 : délai médian de réponse de 25 jours "
	                                      "ouvrables pour 2024, au-delà des 20 jours de la loi "
	                                      "31-13.");
	assert_string_equal(r.findings[3].ar, "AI-01: المدة الوسيطة للرد 25 يوم عمل برسم 2024، أي "
	                                      "أكثر من 20 يوما التي يحددها القانون 31-13.");
	assert_string_equal(r.findings[3].action_en,
	                    "Bring the answer time to access-to-information requests down to 20 "
	                    "working days at most (law 31-13), then publish the AI-01 measurement "
	                    "of the next period.");
	assert_string_equal(r.findings[3].action_fr,
	                    "Ramener le délai de réponse aux demandes d'accès à l'information à 20 "
	                    "jours ouvrables au plus (loi 31-13), puis publier la mesure AI-01 de "
	                    "la période suivante.");
	assert_string_equal(r.findings[3].action_ar,
	                    "تقليص أجل الرد على طلبات الحصول على المعلومات إلى 20 يوم عمل على "
	                    "الأكثر (القانون 31-13)، ثم نشر قياس المؤشر AI-01 للفترة الموالية.");
	assert_string_equal(r.findings[3].command, "");
	check_rule(&r, COMPLIANCE_INDICATORS, true, 2, 1);
	check_rule(&r, COMPLIANCE_TIMELINESS, true, 1, 0);
	compliance_report_free(&r);
	facts_free(f);
}

/* ---- the overview ---- */

static const struct compliance_tally *
find_tally(const struct compliance_tally *t, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].key, key))
			return &t[i];
	fail_msg("no tally %s", key);
	return NULL;
}

static void
check_tally(const struct compliance_tally *t, unsigned members, unsigned c, unsigned a, unsigned nc)
{
	assert_int_equal(t->members, members);
	assert_int_equal(t->status[COMPLIANCE_COMPLIANT], c);
	assert_int_equal(t->status[COMPLIANCE_AT_RISK], a);
	assert_int_equal(t->status[COMPLIANCE_NON_COMPLIANT], nc);
}

static void
test_overview(void **state)
{
	struct facts *f = fresh_facts(&sy);
	struct compliance_overview o;
	(void)state;
	assert_int_equal(compliance_overview(f, asof, 1, &o), 0);
	assert_int_equal(o.n_rows, NMEMBERS);
	assert_int_equal(o.status[COMPLIANCE_COMPLIANT], 1);
	assert_int_equal(o.status[COMPLIANCE_AT_RISK], 5);
	assert_int_equal(o.status[COMPLIANCE_NON_COMPLIANT], 1);
	assert_int_equal(o.n_regions, 2);
	check_tally(find_tally(o.regions, o.n_regions, "01"), 3, 0, 2, 1);
	check_tally(find_tally(o.regions, o.n_regions, "04"), 4, 1, 3, 0);
	assert_int_equal(o.n_kinds, 3);
	check_tally(find_tally(o.kinds, o.n_kinds, "commune"), 5, 1, 4, 0);
	check_tally(find_tally(o.kinds, o.n_kinds, "prefecture"), 1, 0, 1, 0);
	check_tally(find_tally(o.kinds, o.n_kinds, "region"), 1, 0, 0, 1);
	/* Rows in origin order, with their scores. */
	static const unsigned scores[NMEMBERS] = { 100, 80, 97, 85, 98, 90, 68 };
	for (size_t i = 0; i < NMEMBERS; i++) {
		assert_string_equal(o.rows[i].member->origin, names[i]);
		assert_int_equal(o.rows[i].score, scores[i]);
	}
	/* Trend: 2025-05-31 (see the comment of test_overview_trend_day), then as of. */
	assert_int_equal(o.n_trend, 2);
	assert_int_equal(o.trend[0].day, facts_day_parse("2025-05-31"));
	assert_int_equal(o.trend[0].members, 7);
	assert_int_equal(o.trend[0].status[COMPLIANCE_COMPLIANT], 0);
	assert_int_equal(o.trend[0].status[COMPLIANCE_AT_RISK], 2);
	assert_int_equal(o.trend[0].status[COMPLIANCE_NON_COMPLIANT], 5);
	assert_true(fabs(o.trend[0].mean_score - 378.0 / 7) < 1e-9);
	assert_int_equal(o.trend[1].day, asof);
	assert_int_equal(o.trend[1].status[COMPLIANCE_AT_RISK], 5);
	assert_true(fabs(o.trend[1].mean_score - 618.0 / 7) < 1e-9);
	/* 7 rows and 7 at 2025-05-31 evaluated, the last point from memory. */
	assert_int_equal(o.evaluated, 14);
	assert_int_equal(o.memoised, 7);
	compliance_overview_free(&o);

	/* Again: everything from memory. */
	assert_int_equal(compliance_overview(f, asof, 1, &o), 0);
	assert_int_equal(o.evaluated, 0);
	assert_int_equal(o.memoised, 21);
	compliance_overview_free(&o);

	/* Charlie publishes a digitalisation commitment: only Charlie is evaluated again. */
	static const char *const c3[] = {
		E("2025-06-20",
		  "\"commitment\":{\"id\":\"C3\",\"programmeId\":\"P\",\"title\":"
		  "{\"fr\":\"Trois\"},\"principles\":[\"PRINCIPLE_DIGITALISATION\"]}"),
	};
	synth_log(&sy, CHARLIE, c3, 1);
	synth_refresh(&sy, f);
	assert_int_equal(compliance_overview(f, asof, 1, &o), 0);
	assert_int_equal(o.evaluated, 2);
	assert_int_equal(o.memoised, 19);
	assert_int_equal(o.status[COMPLIANCE_COMPLIANT], 2);
	assert_int_equal(o.rows[CHARLIE].score, 100);
	assert_int_equal(o.trend[0].status[COMPLIANCE_NON_COMPLIANT], 5); /* C3 not yet seen */
	compliance_overview_free(&o);
	facts_free(f);
}

/*
 * As of 2025-05-31 (statuses of 2025-06-01 not yet published; last witnessed 2025-04-05, or
 * 2025-04-01 for bravo, 56 or 60 days before: liveness fails for all; measurements of
 * 2025-02-01 are 119 days old: follow-up fails for all):
 *   alpha, bravo 60 at risk; charlie 57, delta 45 (milestones overdue too), echo 57.5 → 58,
 *   foxtrot 50 (and critical), hotel 47.5 → 48: non-compliant. Mean 378 / 7.
 */
static void
test_overview_trend_day(void **state)
{
	struct facts *f = fresh_facts(&sy);
	static const unsigned scores[NMEMBERS] = { 60, 60, 57, 45, 58, 50, 48 };
	(void)state;
	for (int i = 0; i < NMEMBERS; i++) {
		struct compliance_report r;
		report(f, i, facts_day_parse("2025-05-31"), &r);
		if (r.score != scores[i])
			fail_msg("%s: %u, expected %u", names[i], r.score, scores[i]);
		compliance_report_free(&r);
	}
	facts_free(f);
}

/* ---- the same everywhere ---- */

static char *
everything(struct synth *s)
{
	struct facts *f = fresh_facts(s);
	struct compliance_overview o;
	json_t *all = json_array();
	assert_int_equal(compliance_overview(f, asof, 3, &o), 0);
	json_array_append_new(all, compliance_overview_json(f, &o));
	compliance_overview_free(&o);
	for (size_t i = 0; i < f->n_members; i++) {
		struct compliance_report r;
		assert_int_equal(compliance_member(f, f->members[i], asof, &r), 0);
		json_array_append_new(all, compliance_report_json(f, &r));
		compliance_report_free(&r);
	}
	facts_free(f);
	return synth_dump(all);
}

struct copy_arg {
	struct store *dst;
	const char *origin, *vkey;
	struct tlog_blob *v;
	size_t n;
	const char *note;
	size_t note_len;
};

static int
copy_txn(MDB_txn *txn, void *arg)
{
	struct copy_arg *c = arg;
	struct tlog_batch b;
	char err[256];
	int rc = tlog_create_replica(c->dst, txn, c->origin, c->vkey);
	if (rc != 0 && rc != -EEXIST)
		return rc;
	if ((rc = tlog_batch_begin(&b, c->dst, txn, c->origin)) != 0)
		return rc;
	for (size_t i = 0; i < c->n && rc == 0; i++)
		rc = tlog_batch_add(&b, txn, c->v[i].data, c->v[i].len, false, err, sizeof(err));
	if (rc == 0)
		rc = tlog_batch_seal_verified(&b, txn, c->note, c->note_len, c->vkey, NULL);
	tlog_batch_end(&b);
	return rc;
}

struct copy_all {
	struct store *src, *dst;
	MDB_txn *rtxn;
};

static int
copy_entry(uint64_t index, const uint8_t *data, size_t len, void *arg)
{
	struct copy_arg *c = arg;
	uint8_t *d = malloc(len);
	(void)index;
	assert_non_null(d);
	memcpy(d, data, len);
	c->v[c->n++] = (struct tlog_blob){ d, len };
	return 0;
}

/* Replicates log origin of src into dst as a replica (registry log first). */
static void
replicate(struct store *src, struct store *dst, const char *origin)
{
	struct tlog_head *h = calloc(1, sizeof(*h));
	MDB_txn *txn;
	struct copy_arg c = { .dst = dst, .origin = origin };
	assert_non_null(h);
	assert_int_equal(store_read_begin(src, &txn), 0);
	assert_int_equal(tlog_head(src, txn, origin, h), 0);
	c.v = calloc(h->size + 1, sizeof(*c.v));
	assert_non_null(c.v);
	assert_int_equal(store_entry_each(src, txn, h->id, 0, h->size, copy_entry, &c), 0);
	mdb_txn_abort(txn);
	c.vkey = h->vkey;
	c.note = h->checkpoint, c.note_len = h->checkpoint_len;
	assert_int_equal(store_write(dst, copy_txn, &c), 0);
	for (size_t i = 0; i < c.n; i++)
		free((void *)c.v[i].data);
	free(c.v);
	free(h);
}

static void
test_identical_everywhere(void **state)
{
	char err[512];
	(void)state;
	char *first = everything(&sy);

	/* After a restart. */
	synth_reopen(&sy);
	char *again = everything(&sy);
	assert_string_equal(first, again);
	free(again);

	/* After rebuilding the domain index from the logs. */
	assert_int_equal(index_rebuild(&sy.s, NULL, NULL, err, sizeof(err)), 0);
	again = everything(&sy);
	assert_string_equal(first, again);
	free(again);

	/* A second node of the federation, holding the same logs as replicas, and the same
	 * cosignatures and evidence. */
	struct synth two;
	memset(&two, 0, sizeof(two));
	snprintf(two.dir, sizeof(two.dir), "/tmp/remacto-synth2-XXXXXX");
	assert_non_null(mkdtemp(two.dir));
	synth_store_open(&two);
	assert_int_equal(registry_set_authority(&two.s, sy.auth_vkey, err, sizeof(err)), 0);
	replicate(&sy.s, &two.s, SYNTH_REG);
	for (size_t i = 0; i < NMEMBERS; i++) {
		replicate(&sy.s, &two.s, names[i]);
		if (i == BRAVO) {
			synth_cosign(&two, names[i], 11, WITNESS, "2025-04-01");
			synth_cosign(&two, names[i], 11, names[i], "2025-06-29");
		} else {
			synth_cosign(&two, names[i], 9, WITNESS, "2025-04-05");
			synth_cosign(&two, names[i], i == ECHO ? 13 : 11, WITNESS, "2025-06-25");
		}
	}
	synth_evidence(&two, names[FOXTROT],
	               "remacto.ma/foxtrot\n11\nAAAA\n\n— remacto.ma/foxtrot x\n",
	               "remacto.ma/foxtrot\n11\nBBBB\n\n— remacto.ma/foxtrot y\n");
	again = everything(&two);
	assert_string_equal(first, again);
	free(again);
	synth_end_read(&two);
	store_close(&two.s);
	synth_rm(two.dir);
	free(first);
}

/* ---- policy defaults, days and periods ---- */

static void
test_defaults(void **state)
{
	struct synth s;
	struct facts *f;
	struct compliance_policy p;
	(void)state;
	synth_init(&s);
	synth_member(&s, "remacto.ma/india", "COMMUNE", "4210109", "04", 1000, "2024-01-10");
	f = fresh_facts(&s);
	compliance_policy_of(f, &p);
	assert_int_equal(p.liveness_days, COMPLIANCE_DEFAULT_LIVENESS_DAYS);
	assert_int_equal(p.follow_up_days, COMPLIANCE_DEFAULT_FOLLOW_UP_DAYS);
	assert_int_equal(p.milestone_grace_days, COMPLIANCE_DEFAULT_MILESTONE_GRACE_DAYS);
	assert_int_equal(p.at_risk_score, COMPLIANCE_DEFAULT_AT_RISK_SCORE);
	assert_int_equal(p.non_compliant_score, COMPLIANCE_DEFAULT_NON_COMPLIANT_SCORE);
	assert_true(p.index == FACTS_NO_INDEX);

	/* An empty log, never witnessed: liveness and coverage fail, nothing else applies. */
	struct compliance_report r;
	assert_int_equal(compliance_member(f, f->members[0], asof, &r), 0);
	assert_int_equal(r.n_findings, 2);
	check_finding(&r, 0, "liveness.never-witnessed", COMPLIANCE_MAJOR, "remacto.ma/india", -1L);
	check_finding(&r, 1, "coverage.no-open-programme", COMPLIANCE_MAJOR, "", -1L);
	/* liveness 0/20, coverage 0/15, integrity 10/10: 10 / 45 → 22 */
	assert_int_equal(r.score, 22);
	assert_int_equal(r.status, COMPLIANCE_NON_COMPLIANT);
	compliance_report_free(&r);

	/* A policy with zeros keeps the defaults; a later one replaces it whole. */
	synth_registry(&s, "{\"schema\":1,\"published\":\"2024-01-06T09:00:00Z\","
	                   "\"compliancePolicy\":{\"livenessDays\":7}}");
	synth_refresh(&s, f);
	compliance_policy_of(f, &p);
	assert_int_equal(p.liveness_days, 7);
	assert_int_equal(p.follow_up_days, COMPLIANCE_DEFAULT_FOLLOW_UP_DAYS);
	assert_int_equal(p.index, 1);
	synth_registry(&s, "{\"schema\":1,\"published\":\"2024-01-07T09:00:00Z\","
	                   "\"compliancePolicy\":{\"followUpDays\":45}}");
	synth_refresh(&s, f);
	compliance_policy_of(f, &p);
	assert_int_equal(p.liveness_days, COMPLIANCE_DEFAULT_LIVENESS_DAYS);
	assert_int_equal(p.follow_up_days, 45);
	facts_free(f);
	synth_free(&s);
}

static void
test_days_periods(void **state)
{
	char buf[16];
	facts_day a, b;
	char g;
	(void)state;
	assert_int_equal(facts_day_parse("1971-01-01"), 365);
	assert_int_equal(facts_day_parse("2025-06-30T23:59:59Z"), facts_day_parse("2025-06-30"));
	assert_int_equal(facts_day_parse("2025-02-29"), 0);
	assert_int_equal(facts_day_parse("2024-02-29") + 1, facts_day_parse("2024-03-01"));
	assert_int_equal(facts_day_parse("2025-6-30"), 0);
	facts_day_format(facts_day_parse("2000-02-29"), buf);
	assert_string_equal(buf, "2000-02-29");
	assert_true(facts_period_parse("2024-Q3", &a, &b, &g));
	assert_int_equal(a, facts_day_parse("2024-07-01"));
	assert_int_equal(b, facts_day_parse("2024-09-30"));
	assert_int_equal(g, FACTS_QUARTER);
	assert_false(facts_period_parse("2024-Q5", &a, &b, &g));
	assert_false(facts_period_parse("2024-13", &a, &b, &g));
	facts_period_last(FACTS_YEAR, facts_day_parse("2025-04-01"), buf);
	assert_string_equal(buf, "2024");
	facts_period_last(FACTS_YEAR, facts_day_parse("2024-12-31"), buf);
	assert_string_equal(buf, "2024");
	facts_period_last(FACTS_QUARTER, facts_day_parse("2025-04-01"), buf);
	assert_string_equal(buf, "2025-Q1");
	facts_period_last(FACTS_QUARTER, facts_day_parse("2025-01-15"), buf);
	assert_string_equal(buf, "2024-Q4");
	facts_period_last(FACTS_MONTH, facts_day_parse("2025-03-31"), buf);
	assert_string_equal(buf, "2025-03");
	facts_period_last(FACTS_MONTH, facts_day_parse("2025-01-30"), buf);
	assert_string_equal(buf, "2024-12");
	assert_int_equal(facts_month_end(facts_day_parse("2025-03-15"), 1),
	                 facts_day_parse("2025-02-28"));
	assert_int_equal(facts_month_end(facts_day_parse("2025-03-15"), 3),
	                 facts_day_parse("2024-12-31"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compliant),
		cmocka_unit_test(test_stale_log),
		cmocka_unit_test(test_missing_principle),
		cmocka_unit_test(test_overdue_milestones),
		cmocka_unit_test(test_lowered_target),
		cmocka_unit_test(test_equivocation),
		cmocka_unit_test(test_follow_up_indicators_timeliness),
		cmocka_unit_test(test_overview_trend_day),
		cmocka_unit_test(test_identical_everywhere),
		cmocka_unit_test(test_overview),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_days_periods),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
