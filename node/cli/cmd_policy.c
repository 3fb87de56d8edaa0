/*
 * remacto policy set — the network's policies in the registry log of the authority's data
 * folder: the compliance thresholds (a CompliancePolicy entry) and the witness quorum of the
 * trust policy (a WitnessPolicy entry, docs/PROTOCOL.md §6). Each replaces the previous one of
 * its kind whole; given both kinds of options, the command appends both in one batch. See
 * regcmd.h for how entries are appended.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "regcmd.h"
#include "store/tlog.h"

#define GROUP_MAX_MEMBERS 4096

static bool
policy_value(const struct regcmd_args *a, int id, uint32_t max, uint32_t *out)
{
	uint64_t v;
	char opt[64];
	if (!a->v[id])
		return true;
	snprintf(opt, sizeof(opt), "--%s", regcmd_opt_name(id));
	if (!cli_u64(opt, a->v[id], &v))
		return false;
	if (v > max) {
		cli_err(EXIT_USAGE, "%s %s: at most %" PRIu32, opt, a->v[id], max);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* One --witness-group NAME=K:MEMBER,MEMBER... (K: all, any or a number) into g, its strings
 * pointing into spec (which it cuts). */
static bool
parse_group(char *spec, Remacto__V1__WitnessGroup *g)
{
	char *eq = strchr(spec, '='), *colon = eq ? strchr(eq + 1, ':') : NULL, *p;
	uint64_t k;
	if (!eq || !colon || eq == spec || !colon[1]) {
		cli_err(EXIT_USAGE,
		        "--witness-group %s: want NAME=K:MEMBER,MEMBER,... (K: all, any or a number; "
		        "members: origins or groups named before)",
		        spec);
		return false;
	}
	*eq = *colon = '\0';
	g->name = spec;
	if (!strcmp(eq + 1, "all"))
		k = 0;
	else if (!strcmp(eq + 1, "any"))
		k = 1;
	else if (!cli_u64("--witness-group threshold", eq + 1, &k) || k == 0 || k > 4096) {
		cli_err(EXIT_USAGE, "--witness-group %s: threshold %s: all, any or 1 to 4096", spec,
		        eq + 1);
		return false;
	}
	g->threshold = (uint32_t)k;
	g->n_members = 1;
	for (p = colon + 1; *p; p++)
		g->n_members += *p == ',';
	if (g->n_members > GROUP_MAX_MEMBERS ||
	    !(g->members = calloc(g->n_members, sizeof(char *)))) {
		cli_err(EXIT_USAGE, "--witness-group %s: too many members", spec);
		return false;
	}
	g->n_members = 0;
	for (p = strtok(colon + 1, ","); p; p = strtok(NULL, ","))
		g->members[g->n_members++] = p;
	return true;
}

static int
policy_set(const struct regcmd_args *a)
{
	Remacto__V1__Entry ce = REMACTO__V1__ENTRY__INIT, we = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__CompliancePolicy p = REMACTO__V1__COMPLIANCE_POLICY__INIT;
	Remacto__V1__WitnessPolicy w = REMACTO__V1__WITNESS_POLICY__INIT;
	Remacto__V1__WitnessGroup groups[REGCMD_MAX_GROUPS], *gp[REGCMD_MAX_GROUPS];
	Remacto__V1__Entry *entries[2];
	struct tlog_blob blobs[2] = { { 0 } };
	struct regcmd_registry r;
	char today[16], published[32], date[16], err[512];
	bool witness = a->set[O_WITNESS_QUORUM] || a->ngroups > 0;
	bool compliance = !witness || a->set[O_LIVENESS] || a->set[O_FOLLOW_UP] ||
	                  a->set[O_GRACE] || a->set[O_AT_RISK] || a->set[O_NON_COMPLIANT];
	size_t n = 0;
	int rc = EXIT_USAGE;

	for (size_t i = 0; i < a->ngroups; i++)
		groups[i] = (Remacto__V1__WitnessGroup)REMACTO__V1__WITNESS_GROUP__INIT;
	if (!policy_value(a, O_LIVENESS, 3650, &p.liveness_days) ||
	    !policy_value(a, O_FOLLOW_UP, 3650, &p.follow_up_days) ||
	    !policy_value(a, O_GRACE, 3650, &p.milestone_grace_days) ||
	    !policy_value(a, O_AT_RISK, 100, &p.at_risk_score) ||
	    !policy_value(a, O_NON_COMPLIANT, 100, &p.non_compliant_score) ||
	    !policy_value(a, O_WITNESS_QUORUM, 4096, &w.quorum))
		goto done;
	if (a->set[O_WITNESS_QUORUM] && w.quorum == 0) {
		rc = cli_err(EXIT_USAGE, "--witness-quorum 0: a checkpoint needs at least one "
		                         "witness (1 to 4096)");
		goto done;
	}
	if (p.at_risk_score && p.non_compliant_score && p.non_compliant_score > p.at_risk_score) {
		rc = cli_err(EXIT_INVALID,
		             "--non-compliant-score %" PRIu32 " is above "
		             "--at-risk-score %" PRIu32 ": a non-compliant member is also at risk",
		             p.non_compliant_score, p.at_risk_score);
		goto done;
	}
	for (size_t i = 0; i < a->ngroups; i++) {
		if (!parse_group(a->groups[i], &groups[i]))
			goto done;
		gp[i] = &groups[i];
	}
	p.date = w.date = regcmd_date(a, today);
	w.groups = gp;
	w.n_groups = a->ngroups;
	ce.kind_case = REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY;
	ce.compliance_policy = &p;
	we.kind_case = REMACTO__V1__ENTRY__KIND_WITNESS_POLICY;
	we.witness_policy = &w;
	if (compliance)
		entries[n++] = &ce;
	if (witness)
		entries[n++] = &we;
	regcmd_now(published, date);
	for (size_t i = 0; i < n; i++)
		if (regcmd_pack(entries[i], published, &blobs[i], err, sizeof(err)) != 0) {
			rc = cli_err(EXIT_INVALID, "%s: %s; nothing appended", a->what, err);
			goto done;
		}
	if ((rc = regcmd_open(&r, a, true)) == EXIT_OK) {
		rc = regcmd_append(&r, a->what, blobs, n);
		regcmd_close(&r);
	}
done:
	for (size_t i = 0; i < a->ngroups; i++)
		free(groups[i].members);
	for (size_t i = 0; i < 2; i++)
		free((void *)blobs[i].data);
	return rc;
}

static const char policy_usage[] =
        "usage: remacto policy set --data DIR [--liveness-days N] [--follow-up-days N]\n"
        "         [--milestone-grace-days N] [--at-risk-score N] [--non-compliant-score N]\n"
        "         [--witness-quorum K] [--witness-group NAME=K:MEMBER,MEMBER...]...\n"
        "         [--date YYYY-MM-DD]\n"
        "  Sets the network's policies in the registry log of the authority's data folder DIR;\n"
        "  prints the registry's new size. Each policy replaces the previous one of its kind\n"
        "  whole: a value not given falls back to its documented default (so does 0).\n"
        "  Compliance thresholds: days, and scores 0-100 (the command without witness options\n"
        "  sets these).\n"
        "  Witness quorum (the trust policy of GET /api/v1/policy, c2sp.org/tlog-policy): a\n"
        "  checkpoint is trusted with cosignatures of K witnesses (default 1), the witnesses\n"
        "  being the registry's node and every member's node, named by origin. With groups, K\n"
        "  counts groups instead: a group has witnessed a checkpoint when K of its members (all,\n"
        "  any or a number) have; members are origins or groups named before it. Repeat\n"
        "  --witness-group for each group, e.g.\n"
        "    --witness-group regions=2:remacto.ma/region-rabat,remacto.ma/region-fes\n"
        "    --witness-group communes=any:remacto.ma/commune-sale,remacto.ma/commune-temara\n"
        "    --witness-quorum 2\n" REGCMD_PROPOSE_USAGE;

int
cmd_policy(int argc, char **argv)
{
	static const struct regcmd_action acts[] = {
		{ "set", policy_set,
		  OPT_BIT(O_DATA) | OPT_BIT(O_LIVENESS) | OPT_BIT(O_FOLLOW_UP) | OPT_BIT(O_GRACE) |
		          OPT_BIT(O_AT_RISK) | OPT_BIT(O_NON_COMPLIANT) | OPT_BIT(O_DATE) |
		          OPT_BIT(O_WITNESS_QUORUM) | OPT_BIT(O_WITNESS_GROUP),
		  OPT_BIT(O_DATA), policy_usage },
	};
	return regcmd_dispatch("policy", policy_usage, acts, sizeof(acts) / sizeof(acts[0]), argc,
	                       argv);
}
