/*
 * compliance_impl — what the files of the compliance module share. Not for other modules:
 * compliance.h is the contract.
 */
#ifndef REMACTO_COMPLIANCE_IMPL_H
#define REMACTO_COMPLIANCE_IMPL_H

#include <stdbool.h>

#include "compliance.h"

/* Evaluates member m as of day d into r (compliance_rules.c). full: findings with their texts
 * and entries; otherwise the counts only (the overview). 0 or -ENOMEM; r is filled either way
 * and freed by the caller with compliance_report_free. */
int compliance_evaluate(const struct facts *f, const struct facts_member *m, facts_day d, bool full,
                        struct compliance_report *r);

#endif
