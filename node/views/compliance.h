/*
 * compliance — does each member keep the network's norms? Seven rules with stable ids,
 * evaluated per member as of a date from the facts folded out of the logs (facts.h), with the
 * thresholds of the registry's latest CompliancePolicy (a threshold absent or 0 takes the
 * default below). Every node holding the same logs computes the same results. docs/COMPLIANCE.md
 * says the same for operators.
 *
 * "As of D" means: the entries published (their `published` day) on or before D, the witness
 * cosignatures timestamped on or before D, and the member's equivocation evidence (which has no
 * date: a fork counts at every date). The latest state of anything is its visible version with
 * the highest log index.
 *
 * Rules (id, weight), each giving a pass fraction p in [0, 1] and findings:
 *   liveness   20  the log was witnessed by peers (wit:cosigs timestamps, never the member's own
 *                  clock or cosignature) within liveness_days before D. p = 1 or 0. Findings
 *                  (major): liveness.log-missing (this node holds no copy), liveness.never-
 *                  witnessed, liveness.stale (entries: the last entry of the latest witnessed
 *                  checkpoint).
 *   coverage   15  the open programmes (latest stage not CLOSED) have, among their commitments
 *                  not withdrawn, commitments under each of the five principles. p = principles
 *                  covered / 5. Findings (major): coverage.no-open-programme, coverage.missing-
 *                  principle (one per principle; entries: the open programmes' latest versions
 *                  and the commitments counted).
 *   follow-up  20  every active commitment (visible, programme not closed, started, latest
 *                  status neither complete nor withdrawn) has a status update (its date) or a
 *                  measurement of one of its indicators (published day) within follow_up_days;
 *                  a commitment without any is measured from its start or first publication,
 *                  whichever is later. p = up to date / active; not applicable without active
 *                  commitments. Finding (minor): follow-up.stale-commitment (entries: its latest
 *                  version, latest status update, latest measurement).
 *   milestones 15  no milestone whose due date (the latest from its commitment's versions and
 *                  amendments) is more than milestone_grace_days before D lacks an outcome (its
 *                  latest update met, partially met or not met). p = (due - overdue) / due; not
 *                  applicable when none is due. Finding (minor): milestones.overdue (entries:
 *                  the entry that set the due date, the latest update if any).
 *   indicators 15  every catalog indicator the member adopted (an indicator with that catalog
 *                  code) is reported for the last period: the latest period, at the granularity
 *                  of the member's latest report of that code (a year by default), that ended
 *                  follow_up_days or more before D, and not before the member adopted it.
 *                  p = reported / expected; not applicable when nothing is expected. Finding
 *                  (minor): indicators.not-reported (entries: the indicators with that code).
 *   integrity  10  no equivocation evidence; changes that push a date back or lower a target
 *                  (given the indicator's direction) are declared by an amendment. p = 0 with
 *                  evidence, else max(0, 1 - 0.25 x hidden changes). Findings:
 *                  integrity.equivocation (critical), integrity.hidden-change (major; entries:
 *                  the version before and the version that changed), integrity.declared-
 *                  downgrade (info, counted and listed, no penalty; entries: the amendment).
 *   timeliness  5  law 31-13 (answer within 20 working days), where the member reports AI-01
 *                  or AI-02: the latest total (no dimensions) of AI-01 is at most 20 and of
 *                  AI-02 at least 90 (percent answered within the deadline). p = checks passed
 *                  / checks; not applicable without either. Findings (minor): timeliness.slow-
 *                  answers, timeliness.late-answers (entries: the measurement).
 *
 * Score = round(100 x sum(weight x p) / sum(weight)) over the applicable rules (half up).
 * Status: non_compliant with a critical finding or a score below non_compliant_score; else
 * at_risk with a major finding or a score below at_risk_score; else compliant.
 *
 * Ownership: reports and overviews own their arrays and strings (free them with the functions
 * below); they point at the facts' members, valid while the facts live.
 */
#ifndef REMACTO_COMPLIANCE_H
#define REMACTO_COMPLIANCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "facts.h"

#define COMPLIANCE_DEFAULT_LIVENESS_DAYS 30
#define COMPLIANCE_DEFAULT_FOLLOW_UP_DAYS 90
#define COMPLIANCE_DEFAULT_MILESTONE_GRACE_DAYS 30
#define COMPLIANCE_DEFAULT_AT_RISK_SCORE 80
#define COMPLIANCE_DEFAULT_NON_COMPLIANT_SCORE 50
#define COMPLIANCE_AI01_MAX 20.0       /* working days, law 31-13 */
#define COMPLIANCE_AI02_MIN 90.0       /* percent of requests answered within the deadline */
#define COMPLIANCE_HIDDEN_PENALTY 0.25 /* integrity lost per hidden change */
#define COMPLIANCE_MAX_MONTHS 60       /* trend length cap */

enum compliance_status {
	COMPLIANCE_COMPLIANT,
	COMPLIANCE_AT_RISK,
	COMPLIANCE_NON_COMPLIANT,
};

enum compliance_severity {
	COMPLIANCE_INFO,
	COMPLIANCE_MINOR,
	COMPLIANCE_MAJOR,
	COMPLIANCE_CRITICAL,
};

enum compliance_rule {
	COMPLIANCE_LIVENESS,
	COMPLIANCE_COVERAGE,
	COMPLIANCE_FOLLOW_UP,
	COMPLIANCE_MILESTONES,
	COMPLIANCE_INDICATORS,
	COMPLIANCE_INTEGRITY,
	COMPLIANCE_TIMELINESS,
	COMPLIANCE_NRULES
};

/* The thresholds in force: the registry's latest policy with the defaults filled in; index is
 * the policy's registry index (FACTS_NO_INDEX: defaults only). */
struct compliance_policy {
	unsigned liveness_days, follow_up_days, milestone_grace_days, at_risk_score,
	        non_compliant_score;
	uint64_t index;
};

void compliance_policy_of(const struct facts *f, struct compliance_policy *out);

struct compliance_rule_result {
	const char *id; /* "liveness", ... (static) */
	unsigned weight;
	bool applicable;
	unsigned checked, passed; /* what p is the ratio of (liveness: 1 and 0 or 1) */
	double pass;              /* p */
};

struct compliance_finding {
	const char *rule; /* static */
	const char *code; /* static: "follow-up.stale-commitment" */
	enum compliance_severity severity;
	char *subject;      /* commitment id, "C/M1", code, principle, field... */
	char *fr, *ar, *en; /* the explanation */
	/* What to do about it, and the line that would do it: an entry to publish (JSON, for
	 * remacto publish), CSV rows (remacto import) or a command; "" when nothing is to do. */
	char *action_fr, *action_ar, *action_en, *command;
	uint64_t *indexes; /* log indexes of the entries involved, ascending */
	size_t n_indexes;
};

struct compliance_report {
	const struct facts_member *member;
	facts_day as_of;
	struct compliance_policy policy;
	enum compliance_status status;
	unsigned score;
	unsigned count[4]; /* findings by severity */
	struct compliance_rule_result rules[COMPLIANCE_NRULES];
	struct compliance_finding *findings;
	size_t n_findings, cap_findings;
	facts_day last_seen; /* latest witnessed day on or before as_of, 0 none */
	uint64_t last_seen_time, seen_size;
};

/* Evaluates member m as of day as_of into out (to free with compliance_report_free). 0 or
 * -ENOMEM. */
int compliance_member(struct facts *f, struct facts_member *m, facts_day as_of,
                      struct compliance_report *out);
void compliance_report_free(struct compliance_report *r);

/* One member's line of the overview. */
struct compliance_row {
	struct facts_member *member; /* one of the facts' (its text row is kept with it) */
	uint8_t status, score;
	uint16_t count[4];
};

struct compliance_tally {
	char key[16]; /* region code, kind name */
	unsigned members, status[3];
};

struct compliance_point {
	facts_day day;
	unsigned members, status[3];
	double mean_score;
};

struct compliance_overview {
	facts_day as_of;
	struct compliance_policy policy;
	struct compliance_row *rows; /* members admitted by as_of, in origin order */
	size_t n_rows;
	unsigned status[3];
	struct compliance_tally *regions, *kinds; /* in key order */
	size_t n_regions, n_kinds;
	struct compliance_point *trend; /* month ends before as_of's month, then as_of */
	size_t n_trend;
	uint64_t evaluated, memoised; /* evaluations made, and answered from memory */
};

/* The national overview as of as_of with a trend of `months` month ends (0-60) before it.
 * Results per member and day are memoised in the facts (struct facts_memo) until the member's
 * facts or the registry change. 0 or -ENOMEM. */
int compliance_overview(struct facts *f, facts_day as_of, unsigned months,
                        struct compliance_overview *out);
void compliance_overview_free(struct compliance_overview *o);

/* One member's status, score and finding counts as of day d, memoised like the overview's
 * (for the feeds' compliance status changes). 0 or -ENOMEM. */
int compliance_status_at(struct facts *f, struct facts_member *m, facts_day d,
                         struct compliance_row *row);

const char *compliance_status_name(enum compliance_status s);     /* "at_risk" */
const char *compliance_severity_name(enum compliance_severity s); /* "major" */
const char *compliance_kind_name(int kind);                       /* "commune", "unspecified" */

/* The API's JSON forms (see api_compliance.c), written with COMPLIANCE_JSON_FLAGS. */
#define COMPLIANCE_JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

/* The overview's JSON text as the API sends it (*text: the caller's, free it), memoised in f
 * (facts_answer_get) while nothing the views read changes: a repeated question costs a copy,
 * the first after a change an overview (its members' results memoised but the changed ones)
 * and its JSON. 0 or compliance_overview's error, -ENOMEM. */
int compliance_overview_text(struct facts *f, facts_day as_of, unsigned months, char **text,
                             size_t *len);

json_t *compliance_report_json(const struct facts *f, const struct compliance_report *r);
json_t *compliance_overview_json(const struct facts *f, const struct compliance_overview *o);
/* The same as json_dumps(compliance_overview_json(), COMPLIANCE_JSON_FLAGS), byte for byte,
 * without building a JSON tree per member: each member's registry part is written once per
 * registry generation and kept with the member (facts_member.row). The caller frees it; NULL
 * without memory. */
char *compliance_overview_dump(struct facts *f, const struct compliance_overview *o, size_t *len);
json_t *compliance_policy_json(const struct compliance_policy *p);

#endif
