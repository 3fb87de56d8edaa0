/*
 * compliance_impl — what the files of the compliance module share. Not for other modules:
 * compliance.h is the contract.
 */
#ifndef REMACTO_COMPLIANCE_IMPL_H
#define REMACTO_COMPLIANCE_IMPL_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>

#include "compliance.h"

#define COMPLIANCE_NONE UINT32_MAX /* no element (a slot's position in a member's arrays) */
#define TEXT_MAX 1024              /* a finding's sentence */

/* Log indexes of the entries behind a finding: 8 inline, then on the heap. */
struct idx {
	uint64_t v[8];
	size_t n;
	uint64_t *more; /* beyond 8: the whole list, malloc'd */
	size_t cap;
};

/* The period the indicators rule expects, for one granularity. */
struct due_period {
	char g; /* 0: not computed yet */
	bool ok;
	char period[16];
	facts_day last;
	facts_str pid;
};

/* One evaluation (compliance_eval.c): the member, its objects and their states as of the
 * day, the policy, the report it fills. */
struct eval {
	struct facts *f;
	struct facts_member *m;
	const struct facts_state *st;
	const struct facts_at *at;
	facts_day d;
	struct compliance_policy pol;
	struct compliance_report *r;
	bool full; /* build findings (else count them only) */
	int rc;
	/* Per commitment: its programme's slot (COMPLIANCE_NONE), the latest visible measurement
	 * of its indicators (FACTS_NO_INDEX), the day it was last followed up (0 none), the day it
	 * was first published (0: no version visible); per indicator: its commitment's slot. */
	uint32_t *commit_prog, *ind_commit;
	uint64_t *commit_meas;
	facts_day *commit_day, *commit_first;
	struct due_period due[3]; /* year, quarter, month */
};

/* A finding's words: what is wrong and what to do, in French, Arabic and English, and the
 * line that would do it (see struct compliance_finding). Filled only for a full report. */
struct words {
	char fr[TEXT_MAX], ar[TEXT_MAX], en[TEXT_MAX];
	char act_fr[TEXT_MAX], act_ar[TEXT_MAX], act_en[TEXT_MAX];
	char cmd[TEXT_MAX];
};

static inline bool
compliance_visible(const struct eval *ev, facts_day pub)
{
	return pub <= ev->d;
}

static inline const char *
compliance_str(const struct eval *ev, facts_str id)
{
	return facts_string(ev->f, id);
}

void compliance_idx_add(struct idx *x, uint64_t i);
void compliance_idx_free(struct idx *x);
/* Counts a finding and, for a full report, records it with its words and entries (sorted,
 * deduplicated); frees ix. */
void compliance_finding(struct eval *ev, enum compliance_rule rule, const char *code,
                        enum compliance_severity sev, const char *subject, const struct words *w,
                        struct idx *ix);
/* Counts a finding without recording it (the overview). */
static inline void
compliance_count(struct eval *ev, enum compliance_severity sev)
{
	ev->r->count[sev]++;
}
/* A rule's result: applicable, checked, passed, pass fraction. */
void compliance_set_rule(struct eval *ev, enum compliance_rule id, bool applicable,
                         unsigned checked, unsigned passed, double pass);
/* Formats a finding's sentence into out[TEXT_MAX], only for a full report. */
void compliance_fmt(const struct eval *ev, char *out, const char *f, ...)
        __attribute__((format(printf, 3, 4)));
/* The entry that would answer a finding, one JSON line {"schema":1,"<kind>":body}; steals body. */
void compliance_entry_line(const struct eval *ev, char *out, const char *kind, json_t *body);
const char *compliance_enum_name(const ProtobufCEnumDescriptor *d, int v, const char *def);
/* The latest visible completion of commitment slot c (0: none). */
uint8_t compliance_completion(const struct eval *ev, uint32_t c);
/* Commitment slot c has a visible version. */
bool compliance_commit_visible(const struct eval *ev, uint32_t c);
/* Programme slot p is visible and not closed. */
bool compliance_programme_open(const struct eval *ev, uint32_t p);

/* The seven rules (compliance_eval.c), in compliance.h's order. */
void compliance_rule_liveness(struct eval *ev);
void compliance_rule_coverage(struct eval *ev);
void compliance_rule_follow_up(struct eval *ev);
void compliance_rule_milestones(struct eval *ev);
void compliance_rule_indicators(struct eval *ev);
void compliance_rule_integrity(struct eval *ev);
void compliance_rule_timeliness(struct eval *ev);

/* Evaluates member m as of day d into r (compliance_eval.c). full: findings with their texts
 * and entries; otherwise the counts only (the overview). 0 or -ENOMEM; r is filled either way
 * and freed by the caller with compliance_report_free. */
int compliance_evaluate(struct facts *f, struct facts_member *m, facts_day d, bool full,
                        struct compliance_report *r);

#endif
