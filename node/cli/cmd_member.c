/*
 * remacto member add | rotate-key | suspend | announce, and remacto members — the network's
 * membership in the registry log: admissions, key rotations, suspensions, peer addresses (the
 * write side, on the authority's data folder), and the member list as any node holding the
 * registry sees it. See regcmd.h for how entries are appended.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/note.h"
#include "peers/registry.h"
#include "regcmd.h"
#include "store/tlog.h"

static bool
all_digits(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static const struct {
	const char *name;
	Remacto__V1__MemberKind kind;
	size_t hcp_len;
} kinds[] = {
	{ "region", REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION, 2 },
	{ "prefecture", REMACTO__V1__MEMBER_KIND__MEMBER_KIND_PREFECTURE, 3 },
	{ "province", REMACTO__V1__MEMBER_KIND__MEMBER_KIND_PROVINCE, 3 },
	{ "commune", REMACTO__V1__MEMBER_KIND__MEMBER_KIND_COMMUNE, 7 },
};

static const char *
kind_name(int kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((int)kinds[i].kind == kind)
			return kinds[i].name;
	return "?";
}

/* Finds a member other than origin admitted with the HCP code. */
struct hcp_search {
	const char *hcp, *origin;
	char found[NOTE_NAME_MAX + 1];
};

static int
find_hcp(const Remacto__Store__MemberRecord *m, void *arg)
{
	struct hcp_search *h = arg;
	Remacto__V1__MemberAdmission *adm = remacto__v1__member_admission__unpack(
	        NULL, m->admission.len, m->admission.data);
	if (adm && adm->hcp_code && !strcmp(adm->hcp_code, h->hcp) && strcmp(m->origin, h->origin))
		snprintf(h->found, sizeof(h->found), "%s", m->origin);
	remacto__v1__member_admission__free_unpacked(adm, NULL);
	return h->found[0] ? 1 : 0;
}

static int
member_add(const struct regcmd_args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberAdmission adm = REMACTO__V1__MEMBER_ADMISSION__INIT;
	Remacto__V1__Text name = REMACTO__V1__TEXT__INIT;
	struct regcmd_registry r;
	struct tlog_blob b = { 0 };
	struct hcp_search hs = { 0 };
	char published[32], today[16], now_date[16], err[512];
	uint64_t population = 0;
	size_t k;
	MDB_txn *txn;
	int rc;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(a->v[O_KIND], kinds[k].name))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return cli_err(EXIT_INVALID,
		               "--kind '%s' is not a member kind: region, prefecture, "
		               "province or commune",
		               a->v[O_KIND]);
	if (!all_digits(a->v[O_HCP], kinds[k].hcp_len))
		return cli_err(EXIT_INVALID, "--hcp '%s': the HCP code of a %s is %zu digits",
		               a->v[O_HCP], kinds[k].name, kinds[k].hcp_len);
	if (a->v[O_REGION] && !all_digits(a->v[O_REGION], 2))
		return cli_err(EXIT_INVALID,
		               "--region '%s': the HCP code of a region is 2 digits "
		               "(01 to 12)",
		               a->v[O_REGION]);
	if (kinds[k].kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION && a->v[O_REGION] &&
	    strcmp(a->v[O_REGION], a->v[O_HCP]) != 0)
		return cli_err(EXIT_INVALID, "--region %s: a region's region is itself (%s)",
		               a->v[O_REGION], a->v[O_HCP]);
	if (a->v[O_POPULATION] && !cli_u64("--population", a->v[O_POPULATION], &population))
		return EXIT_USAGE;
	if (a->v[O_CENSUS_YEAR] && !all_digits(a->v[O_CENSUS_YEAR], 4))
		return cli_err(EXIT_INVALID, "--census-year '%s' is not a year YYYY",
		               a->v[O_CENSUS_YEAR]);
	if (!a->v[O_NAME_FR][0] || !a->v[O_NAME_AR][0])
		return cli_err(EXIT_INVALID, "a member's names in French and Arabic are required");

	name.fr = a->v[O_NAME_FR];
	name.ar = a->v[O_NAME_AR];
	name.en = regcmd_or_empty(a->v[O_NAME_EN]);
	adm.origin = a->v[O_ORIGIN];
	adm.verifier_key = a->v[O_VKEY];
	adm.hcp_code = a->v[O_HCP];
	adm.kind = kinds[k].kind;
	adm.name = &name;
	adm.region_code = kinds[k].kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION
	                          ? a->v[O_HCP]
	                          : regcmd_or_empty(a->v[O_REGION]);
	adm.population = population;
	adm.census_year = regcmd_or_empty(a->v[O_CENSUS_YEAR]);
	adm.date = regcmd_date(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION;
	e.member_admission = &adm;

	regcmd_now(published, now_date);
	if (regcmd_pack(&e, published, &b, err, sizeof(err)) != 0)
		return cli_err(EXIT_INVALID, "%s: %s; nothing appended", a->what, err);
	if ((rc = regcmd_open(&r, a->v[O_DATA], true)) != EXIT_OK)
		goto done;
	/* Two members with one HCP code would make every benchmark ambiguous. */
	hs.hcp = adm.hcp_code;
	hs.origin = adm.origin;
	if ((rc = store_read_begin(&r.s, &txn)) == 0) {
		rc = registry_each(&r.s, txn, find_hcp, &hs);
		mdb_txn_abort(txn);
	}
	if (hs.found[0])
		rc = cli_err(EXIT_INVALID, "--hcp %s is already the code of %s; nothing appended",
		             adm.hcp_code, hs.found);
	else if (rc != 0)
		rc = cli_err(EXIT_FAIL, "cannot read the registry: %s", store_strerror(rc));
	else
		rc = regcmd_append(&r, a->what, &b, 1);
	regcmd_close(&r);
done:
	free((void *)b.data);
	return rc;
}

static int
member_rotate(const struct regcmd_args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__KeyRotation rot = REMACTO__V1__KEY_ROTATION__INIT;
	Remacto__V1__Text reason = REMACTO__V1__TEXT__INIT;
	char today[16];

	if (!cli_u64("--from-size", a->v[O_FROM_SIZE], &rot.from_size))
		return EXIT_USAGE;
	reason.fr = regcmd_or_empty(a->v[O_REASON_FR]);
	reason.ar = regcmd_or_empty(a->v[O_REASON_AR]);
	rot.origin = a->v[O_ORIGIN];
	rot.verifier_key = a->v[O_VKEY];
	rot.reason = (a->v[O_REASON_FR] || a->v[O_REASON_AR]) ? &reason : NULL;
	rot.date = regcmd_date(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_KEY_ROTATION;
	e.key_rotation = &rot;
	return regcmd_append_one(a, &e);
}

static int
member_suspend(const struct regcmd_args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberSuspension sus = REMACTO__V1__MEMBER_SUSPENSION__INIT;
	Remacto__V1__Text reason = REMACTO__V1__TEXT__INIT;
	char today[16];

	if (!a->set[O_LIFT] && !a->v[O_AT_SIZE])
		return cli_err(EXIT_USAGE,
		               "member suspend needs --at-size N (the last tree size of "
		               "the member's log still accepted), or --lift");
	if (a->v[O_AT_SIZE] && !cli_u64("--at-size", a->v[O_AT_SIZE], &sus.at_size))
		return EXIT_USAGE;
	reason.fr = regcmd_or_empty(a->v[O_REASON_FR]);
	reason.ar = regcmd_or_empty(a->v[O_REASON_AR]);
	sus.origin = a->v[O_ORIGIN];
	sus.lifted = a->set[O_LIFT];
	sus.reason = (a->v[O_REASON_FR] || a->v[O_REASON_AR]) ? &reason : NULL;
	sus.date = regcmd_date(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION;
	e.member_suspension = &sus;
	return regcmd_append_one(a, &e);
}

static int
member_announce(const struct regcmd_args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__PeerAnnouncement ann = REMACTO__V1__PEER_ANNOUNCEMENT__INIT;

	ann.origin = a->v[O_ORIGIN];
	ann.url = a->v[O_URL];
	ann.withdrawn = a->set[O_WITHDRAW];
	e.kind_case = REMACTO__V1__ENTRY__KIND_PEER_ANNOUNCEMENT;
	e.peer_announcement = &ann;
	return regcmd_append_one(a, &e);
}

static const char member_usage[] =
        "usage: remacto member <action> --data DIR --origin ORIGIN [options]\n"
        "  Appends to the registry log of the authority's data folder DIR; prints the registry's\n"
        "  new size.\n"
        "  add         --verifier-key VK --hcp CODE --kind region|prefecture|province|commune\n"
        "              --name-fr NAME --name-ar NAME [--name-en NAME] [--region CODE]\n"
        "              [--population N] [--census-year YYYY] [--date YYYY-MM-DD]\n"
        "              admits ORIGIN with the key VK (its name must be ORIGIN; make one with\n"
        "              remacto keygen); CODE: HCP code, 2 digits for a region, 3 for a\n"
        "              prefecture or province, 7 for a commune; --region: its region's code\n"
        "  rotate-key  --verifier-key VK --from-size N [--reason-fr TEXT] [--reason-ar TEXT]\n"
        "              [--date YYYY-MM-DD]\n"
        "              checkpoints of ORIGIN's log of size >= N are signed by VK from now on\n"
        "  suspend     --at-size N [--reason-fr TEXT] [--reason-ar TEXT] [--date YYYY-MM-DD]\n"
        "              ORIGIN's log is no longer accepted past size N\n"
        "  suspend     --lift [--reason-fr TEXT] [--reason-ar TEXT] [--date YYYY-MM-DD]\n"
        "              lifts the suspension\n"
        "  announce    --url wss://HOST:PORT/peer [--withdraw]\n"
        "              announces (or withdraws) the address of ORIGIN's node\n"
        "exit codes: 0 appended, 1 failure, 2 usage, 3 refused (nothing appended)\n";

int
cmd_member(int argc, char **argv)
{
	static const struct regcmd_action acts[] = {
		{ "add", member_add,
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_VKEY) | OPT_BIT(O_HCP) |
		          OPT_BIT(O_KIND) | OPT_BIT(O_NAME_FR) | OPT_BIT(O_NAME_AR) |
		          OPT_BIT(O_NAME_EN) | OPT_BIT(O_REGION) | OPT_BIT(O_POPULATION) |
		          OPT_BIT(O_CENSUS_YEAR) | OPT_BIT(O_DATE),
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_VKEY) | OPT_BIT(O_HCP) |
		          OPT_BIT(O_KIND) | OPT_BIT(O_NAME_FR) | OPT_BIT(O_NAME_AR),
		  member_usage },
		{ "rotate-key", member_rotate,
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_VKEY) | OPT_BIT(O_FROM_SIZE) |
		          OPT_BIT(O_REASON_FR) | OPT_BIT(O_REASON_AR) | OPT_BIT(O_DATE),
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_VKEY) | OPT_BIT(O_FROM_SIZE),
		  member_usage },
		{ "suspend", member_suspend,
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_AT_SIZE) | OPT_BIT(O_LIFT) |
		          OPT_BIT(O_REASON_FR) | OPT_BIT(O_REASON_AR) | OPT_BIT(O_DATE),
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN), member_usage },
		{ "announce", member_announce,
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_URL) | OPT_BIT(O_WITHDRAW),
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_URL), member_usage },
	};
	return regcmd_dispatch("member", member_usage, acts, sizeof(acts) / sizeof(acts[0]), argc,
	                       argv);
}

/* ---- remacto members ---- */

struct table {
	int origin_w, peer_w;
	bool print;
	size_t n;
};

static int
member_row(const Remacto__Store__MemberRecord *m, void *arg)
{
	struct table *t = arg;
	Remacto__V1__MemberAdmission *adm = remacto__v1__member_admission__unpack(
	        NULL, m->admission.len, m->admission.data);
	const char *peer = m->peer_url && m->peer_url[0] ? m->peer_url : "-";
	struct note_verifier v;
	char key[16] = "?", susp[32] = "no", why[160];
	uint64_t from = 0;

	if (!t->print) {
		int ow = (int)strlen(m->origin), pw = (int)strlen(peer);
		t->origin_w = ow > t->origin_w ? ow : t->origin_w;
		t->peer_w = pw > t->peer_w ? pw : t->peer_w;
		t->n++;
		remacto__v1__member_admission__free_unpacked(adm, NULL);
		return 0;
	}
	if (m->n_keys > 0) {
		const Remacto__Store__MemberKey *cur = m->keys[m->n_keys - 1];
		if (note_verifier_parse(cur->verifier_key, &v, why, sizeof(why)))
			snprintf(key, sizeof(key), "%08" PRIx32, v.key_id);
		from = cur->from_size;
	}
	if (m->suspended)
		snprintf(susp, sizeof(susp), "past %" PRIu64, m->suspended_at_size);
	printf("%-*s  %-10s  %-7s  %-6s  %-8s  %8" PRIu64 "  %-12s  %-*s  %s / %s\n", t->origin_w,
	       m->origin, adm ? kind_name(adm->kind) : "?",
	       adm && adm->hcp_code[0] ? adm->hcp_code : "-",
	       adm && adm->region_code[0] ? adm->region_code : "-", key, from, susp, t->peer_w,
	       peer, adm && adm->name ? adm->name->fr : "", adm && adm->name ? adm->name->ar : "");
	remacto__v1__member_admission__free_unpacked(adm, NULL);
	return 0;
}

static int
members_list(const struct regcmd_args *a)
{
	struct regcmd_registry r;
	struct table t = { (int)strlen("ORIGIN"), (int)strlen("PEER"), false, 0 };
	MDB_txn *txn;
	int rc;

	if ((rc = regcmd_open(&r, a->v[O_DATA], false)) != EXIT_OK)
		return rc;
	/* Two walks in one read transaction: widths, then rows. */
	if ((rc = store_read_begin(&r.s, &txn)) == 0) {
		rc = registry_each(&r.s, txn, member_row, &t);
		if (rc == 0 && t.n > 0) {
			printf("%-*s  %-10s  %-7s  %-6s  %-8s  %8s  %-12s  %-*s  %s\n", t.origin_w,
			       "ORIGIN", "KIND", "HCP", "REGION", "KEY", "KEY-FROM", "SUSPENDED",
			       t.peer_w, "PEER", "NAME (fr / ar)");
			t.print = true;
			rc = registry_each(&r.s, txn, member_row, &t);
		}
		mdb_txn_abort(txn);
	}
	if (rc != 0)
		rc = cli_err(EXIT_FAIL, "cannot read the registry of %s: %s", a->v[O_DATA],
		             store_strerror(rc));
	else if (t.n == 0)
		fprintf(stderr,
		        "remacto: the registry %s has no members yet (remacto member add)\n",
		        r.auth.name);
	regcmd_close(&r);
	return rc ? rc : (fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL);
}

static const char members_usage[] =
        "usage: remacto members --data DIR\n"
        "  The network's members as the registry log held in DIR says (any node holding the\n"
        "  registry): origin, kind, HCP code, region, current key ID and the size it signs from,\n"
        "  suspension, announced peer address, names.\n";

int
cmd_members(int argc, char **argv)
{
	static const struct regcmd_action act = { NULL, members_list, OPT_BIT(O_DATA),
		                                  OPT_BIT(O_DATA), members_usage };
	return regcmd_run("members", &act, argc, argv, 1);
}
