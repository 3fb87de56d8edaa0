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
#include "store/store.h"
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
	{ "observer", REMACTO__V1__MEMBER_KIND__MEMBER_KIND_OBSERVER, 0 }, /* no HCP code */
};

static const struct {
	const char *name;
	Remacto__V1__ObserverCategory category;
} categories[] = {
	{ "association", REMACTO__V1__OBSERVER_CATEGORY__OBSERVER_CATEGORY_ASSOCIATION },
	{ "committee", REMACTO__V1__OBSERVER_CATEGORY__OBSERVER_CATEGORY_CONSULTATIVE_COMMITTEE },
	{ "university", REMACTO__V1__OBSERVER_CATEGORY__OBSERVER_CATEGORY_UNIVERSITY },
	{ "press", REMACTO__V1__OBSERVER_CATEGORY__OBSERVER_CATEGORY_PRESS },
};

/* An observer's options: --category and --contact-url; 0 or an exit code. */
static int
observer_options(const struct regcmd_args *a, bool observer, Remacto__V1__MemberAdmission *adm)
{
	const char *url = a->v[O_CONTACT_URL], *cat = a->v[O_CATEGORY];
	if (!observer && cat)
		return cli_err(EXIT_INVALID, "--category is for an observer (--kind observer)");
	if (observer && a->v[O_HCP])
		return cli_err(EXIT_INVALID, "--hcp: an observer has no HCP code (it is not a "
		                             "collectivity); leave it out");
	if (observer && !url)
		return cli_err(EXIT_INVALID,
		               "--contact-url is required for an observer: the public "
		               "page where citizens reach it");
	if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
		return cli_err(EXIT_INVALID, "--contact-url '%s' is not an http(s) URL", url);
	adm->contact_url = (char *)(url ? url : "");
	if (!cat)
		return 0;
	for (size_t i = 0; i < sizeof(categories) / sizeof(categories[0]); i++)
		if (!strcmp(cat, categories[i].name)) {
			adm->observer_category = categories[i].category;
			return 0;
		}
	return cli_err(EXIT_INVALID,
	               "--category '%s' is not an observer category: association, committee, "
	               "university or press",
	               cat);
}

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
	if (h->hcp && adm && adm->hcp_code && !strcmp(adm->hcp_code, h->hcp) &&
	    strcmp(m->origin, h->origin))
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
		               "province, commune or observer",
		               a->v[O_KIND]);
	bool observer = kinds[k].kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_OBSERVER;
	if (!observer && !a->v[O_HCP])
		return cli_err(EXIT_USAGE, "member add: --hcp is required for a %s (its HCP code)",
		               kinds[k].name);
	if ((rc = observer_options(a, observer, &adm)) != 0)
		return rc;
	if (!observer && (!a->v[O_HCP] || !all_digits(a->v[O_HCP], kinds[k].hcp_len)))
		return cli_err(EXIT_INVALID, "--hcp '%s': the HCP code of a %s is %zu digits",
		               regcmd_or_empty(a->v[O_HCP]), kinds[k].name, kinds[k].hcp_len);
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
	adm.hcp_code = regcmd_or_empty(a->v[O_HCP]);
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
	if ((rc = regcmd_open(&r, a, true)) != EXIT_OK)
		goto done;
	/* Two members with one HCP code would make every benchmark ambiguous (observers have
	 * none). */
	hs.hcp = observer ? NULL : adm.hcp_code;
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

/* What the authority's data folder holds of a member's log. The authority's node replicates
 * every log, so this is what the network is known to hold; a member's own node may be a few
 * entries ahead (gossip takes a moment), which is why the runbooks stop its publishing first. */
struct held {
	bool found;       /* the folder holds a copy */
	uint64_t size;    /* entries held, verified */
	bool catching_up; /* entries held past the latest checkpoint held: they were verified
	                   * against a bigger signed checkpoint, not stored yet, whose size this
	                   * folder does not know */
};

static int
held_of(struct regcmd_registry *r, const char *origin, struct held *out)
{
	struct tlog_head *h = malloc(sizeof(*h));
	struct checkpoint cp;
	char why[160];
	MDB_txn *txn;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!h)
		return cli_err(EXIT_FAIL, "out of memory");
	if ((rc = store_read_begin(&r->s, &txn)) == 0) {
		rc = tlog_head(&r->s, txn, origin, h);
		mdb_txn_abort(txn);
	}
	if (rc == MDB_NOTFOUND) {
		free(h);
		return EXIT_OK;
	}
	if (rc != 0) {
		free(h);
		return cli_err(EXIT_FAIL, "cannot read %s's log: %s", origin, store_strerror(rc));
	}
	const char *end = memmem(h->checkpoint, h->checkpoint_len, "\n\n", 2);
	bool has_cp = end && checkpoint_parse(h->checkpoint, (size_t)(end - h->checkpoint) + 1, &cp,
	                                      why, sizeof(why));
	out->found = true;
	out->size = h->size;
	out->catching_up = !has_cp || cp.size < h->size;
	free(h);
	return EXIT_OK;
}

/* The registry's record of origin into *m (NULL when not a member). */
static int
member_of(struct regcmd_registry *r, const char *origin, Remacto__Store__MemberRecord **m)
{
	MDB_txn *txn;
	int rc = store_read_begin(&r->s, &txn);
	if (rc == 0) {
		rc = registry_member(&r->s, txn, origin, m);
		mdb_txn_abort(txn);
	}
	if (rc == MDB_NOTFOUND)
		return cli_err(EXIT_INVALID, "%s is not a member of the network; nothing appended",
		               origin);
	return rc ? cli_err(EXIT_FAIL, "cannot read the registry: %s", store_strerror(rc))
	          : EXIT_OK;
}

/* The size the authority's node holds, as the default of option opt; refused, saying what to
 * give instead (`what`), when it holds no copy or is catching up. */
static int
held_size(const struct regcmd_args *a, const struct held *h, int opt, const char *what,
          uint64_t *size)
{
	const char *o = a->v[O_ORIGIN];

	*size = h->size;
	if (!h->found)
		return cli_err(EXIT_USAGE,
		               "the authority's data folder holds no copy of %s's log, so the size "
		               "is unknown: give --%s N, N being %s (GET /api/v1/logs/%s)",
		               o, regcmd_opt_name(opt), what, store_slug(o));
	if (h->catching_up)
		return cli_err(
		        EXIT_INVALID,
		        "the authority's node is catching up with %s's log (%" PRIu64
		        " entries held, a bigger checkpoint seen): the size is not known yet; "
		        "run this again once it has caught up (remacto log list --data %s), "
		        "or give --%s; nothing appended",
		        o, h->size, a->v[O_DATA], regcmd_opt_name(opt));
	return EXIT_OK;
}

/* The size a new key signs from. A checkpoint of size n must be signed by the key the registry
 * gives for n, so a rotation from N leaves every checkpoint below N to the old key and makes
 * every checkpoint of N or more need the new one. The authority's node holds ORIGIN's log at
 * S entries with a checkpoint of size S signed by the old key, and so may any node: N must be
 * above S, and S + 1 is the next size — the first checkpoint the member's node signs with the
 * new key is the one that adds its next entry, at S + 1 (remactod takes a new key file when the
 * registry gives it for its next size). */
static int
rotate_from(const struct regcmd_args *a, const struct held *h, uint64_t *from)
{
	const char *o = a->v[O_ORIGIN];

	if (!a->v[O_FROM_SIZE]) {
		int rc = held_size(a, h, O_FROM_SIZE,
		                   "1 + the size of the log on the member's node", from);
		*from += 1;
		return rc;
	}
	if (!cli_u64("--from-size", a->v[O_FROM_SIZE], from))
		return EXIT_USAGE;
	if (*from == 0)
		return EXIT_OK; /* the registry refuses it: the first key signs from size 0 */
	if (!h->found) {
		fprintf(stderr,
		        "remacto: note: the authority's data folder holds no copy of %s's log: "
		        "--from-size %" PRIu64 " is not checked against what the network holds\n",
		        o, *from);
		return EXIT_OK;
	}
	if (*from > h->size) {
		if (h->catching_up)
			fprintf(stderr,
			        "remacto: note: the authority's node is catching up with %s's log "
			        "(%" PRIu64
			        " entries held): if the network holds a checkpoint of size "
			        "%" PRIu64 " or more, it stops verifying\n",
			        o, h->size, *from);
		return EXIT_OK;
	}
	if (!a->set[O_FORCE])
		return cli_err(
		        EXIT_INVALID,
		        "the authority's node holds %s's log at size %" PRIu64 ", signed by "
		        "its current key: from size %" PRIu64 " on, the checkpoints nodes "
		        "hold would no longer verify and honest nodes would refuse each "
		        "other's; rotate from the next size, --from-size %" PRIu64 " (the "
		        "default), or give --force (see docs/OPERATIONS.md, \"Recovering from "
		        "a bad rotation\"); nothing appended",
		        o, h->size, *from, h->size + 1);
	fprintf(stderr,
	        "remacto: WARNING: --force: rotating %s's key from size %" PRIu64 ", at or below "
	        "size %" PRIu64 " that the authority's node holds.\n"
	        "remacto: WARNING: every checkpoint of size %" PRIu64
	        " or more signed by the old key "
	        "(sizes %" PRIu64 " to %" PRIu64 " at least) stops verifying on each node that "
	        "applies this rotation: nodes holding the log past %" PRIu64 " set those "
	        "checkpoints aside, and nodes that do not set them aside refuse their peers' "
	        "checkpoint vectors and disconnect, until the member's node signs a checkpoint with "
	        "the new key.\n"
	        "remacto: WARNING: entries %" PRIu64 " to %" PRIu64 " stay in the log, vouched "
	        "for by no valid checkpoint until then. See docs/OPERATIONS.md, \"Recovering from "
	        "a bad rotation\".\n",
	        o, *from, h->size, *from, *from, h->size, *from - 1, *from - 1, h->size - 1);
	return EXIT_OK;
}

static int
member_rotate(const struct regcmd_args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__KeyRotation rot = REMACTO__V1__KEY_ROTATION__INIT;
	Remacto__V1__Text reason = REMACTO__V1__TEXT__INIT;
	struct regcmd_registry r;
	struct held h;
	char today[16];
	int rc;

	if ((rc = regcmd_open(&r, a, true)) != EXIT_OK)
		return rc;
	if ((rc = held_of(&r, a->v[O_ORIGIN], &h)) != EXIT_OK ||
	    (rc = rotate_from(a, &h, &rot.from_size)) != EXIT_OK)
		goto done;
	reason.fr = regcmd_or_empty(a->v[O_REASON_FR]);
	reason.ar = regcmd_or_empty(a->v[O_REASON_AR]);
	rot.origin = a->v[O_ORIGIN];
	rot.verifier_key = a->v[O_VKEY];
	rot.reason = (a->v[O_REASON_FR] || a->v[O_REASON_AR]) ? &reason : NULL;
	rot.date = regcmd_date(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_KEY_ROTATION;
	e.key_rotation = &rot;
	if ((rc = regcmd_append_entry(&r, a->what, &e)) == EXIT_OK)
		fprintf(stderr,
		        "remacto: %s's checkpoints of size %" PRIu64 " and more are signed by %s "
		        "from now on\n",
		        rot.origin, rot.from_size, rot.verifier_key);
done:
	regcmd_close(&r);
	return rc;
}

/* The last size still accepted while suspended: by default what the authority's node holds,
 * so that no checkpoint the network holds stops being accepted. */
static int
suspend_at(const struct regcmd_args *a, const struct held *h, uint64_t *at)
{
	const char *o = a->v[O_ORIGIN];

	if (!a->v[O_AT_SIZE])
		return held_size(
		        a, h, O_AT_SIZE,
		        "the last size still accepted: the size of the log on the member's "
		        "node",
		        at);
	if (!cli_u64("--at-size", a->v[O_AT_SIZE], at))
		return EXIT_USAGE;
	if (!h->found || *at >= h->size)
		return EXIT_OK;
	if (!a->set[O_FORCE])
		return cli_err(EXIT_INVALID,
		               "the authority's node holds %s's log at size %" PRIu64 ": suspended "
		               "past %" PRIu64 ", the checkpoints of sizes %" PRIu64 " to %" PRIu64
		               " that nodes hold would no longer be accepted; suspend at "
		               "--at-size %" PRIu64 " (the default), or give --force; nothing "
		               "appended",
		               o, h->size, *at, *at + 1, h->size, h->size);
	fprintf(stderr,
	        "remacto: WARNING: --force: suspending %s past size %" PRIu64 ", below size "
	        "%" PRIu64 " that the authority's node holds: nodes that hold the log past %" PRIu64
	        " keep it, but no node accepts a checkpoint past %" PRIu64 " any more, so nodes "
	        "that do not hold those entries yet never will while the suspension lasts\n",
	        o, *at, h->size, *at, *at);
	return EXIT_OK;
}

static int
suspension(const struct regcmd_args *a, bool lift)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberSuspension sus = REMACTO__V1__MEMBER_SUSPENSION__INIT;
	Remacto__V1__Text reason = REMACTO__V1__TEXT__INIT;
	Remacto__Store__MemberRecord *m = NULL;
	struct regcmd_registry r;
	struct held h;
	char today[16];
	int rc;

	if ((rc = regcmd_open(&r, a, true)) != EXIT_OK)
		return rc;
	if ((rc = member_of(&r, a->v[O_ORIGIN], &m)) != EXIT_OK)
		goto done;
	if (lift && !m->suspended) {
		rc = cli_err(EXIT_INVALID, "%s is not suspended; nothing appended", m->origin);
		goto done;
	}
	if (!lift && ((rc = held_of(&r, a->v[O_ORIGIN], &h)) != EXIT_OK ||
	              (rc = suspend_at(a, &h, &sus.at_size)) != EXIT_OK))
		goto done;
	reason.fr = regcmd_or_empty(a->v[O_REASON_FR]);
	reason.ar = regcmd_or_empty(a->v[O_REASON_AR]);
	sus.origin = a->v[O_ORIGIN];
	sus.lifted = lift;
	sus.reason = (a->v[O_REASON_FR] || a->v[O_REASON_AR]) ? &reason : NULL;
	sus.date = regcmd_date(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION;
	e.member_suspension = &sus;
	if ((rc = regcmd_append_entry(&r, a->what, &e)) != EXIT_OK)
		goto done;
	if (lift)
		fprintf(stderr,
		        "remacto: %s is reinstated: its node publishes again once it has "
		        "replicated this registry entry\n",
		        sus.origin);
	else
		fprintf(stderr,
		        "remacto: %s is suspended: no node accepts its checkpoints past size "
		        "%" PRIu64 "; its own node refuses to publish%s\n",
		        sus.origin, sus.at_size,
		        m->suspended ? " (it was suspended already: this entry replaces the size)"
		                     : "");
done:
	remacto__store__member_record__free_unpacked(m, NULL);
	regcmd_close(&r);
	return rc;
}

static int
member_suspend(const struct regcmd_args *a)
{
	if (a->set[O_LIFT] && (a->v[O_AT_SIZE] || a->set[O_FORCE]))
		return cli_err(EXIT_USAGE, "member suspend --lift takes no --at-size or --force");
	return suspension(a, a->set[O_LIFT]);
}

static int
member_reinstate(const struct regcmd_args *a)
{
	return suspension(a, true);
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
        "  add         --kind observer --verifier-key VK --name-fr NAME --name-ar NAME\n"
        "              --contact-url URL [--category association|committee|university|press]\n"
        "              [--name-en NAME] [--region CODE] [--date YYYY-MM-DD]\n"
        "              admits a civil-society observer: no HCP code; it signs assessments and\n"
        "              consultation reports about members' commitments in its own log\n"
        "  rotate-key  --verifier-key VK [--from-size N] [--force] [--reason-fr TEXT]\n"
        "              [--reason-ar TEXT] [--date YYYY-MM-DD]\n"
        "              checkpoints of ORIGIN's log of size >= N are signed by VK from now on.\n"
        "              N defaults to the next size: 1 + the size of ORIGIN's log that DIR (the\n"
        "              authority's node) holds. A size at or below that is refused: checkpoints\n"
        "              nodes hold would stop verifying; --force rotates anyway, and warns\n"
        "  suspend     [--at-size N] [--force] [--reason-fr TEXT] [--reason-ar TEXT]\n"
        "              [--date YYYY-MM-DD]\n"
        "              ORIGIN's log is no longer accepted past size N, and its node refuses to\n"
        "              publish. N defaults to the size DIR holds; a smaller one needs --force\n"
        "  reinstate   [--reason-fr TEXT] [--reason-ar TEXT] [--date YYYY-MM-DD]\n"
        "              lifts the suspension (also: suspend --lift)\n"
        "  announce    --url wss://HOST:PORT/peer [--withdraw]\n"
        "              announces (or withdraws) the address of ORIGIN's node\n" REGCMD_PROPOSE_USAGE
        "exit codes: 0 appended, 1 failure, 2 usage, 3 refused (nothing appended)\n";

int
cmd_member(int argc, char **argv)
{
	static const struct regcmd_action acts[] = {
		{ "add", member_add,
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_VKEY) | OPT_BIT(O_HCP) |
		          OPT_BIT(O_KIND) | OPT_BIT(O_NAME_FR) | OPT_BIT(O_NAME_AR) |
		          OPT_BIT(O_NAME_EN) | OPT_BIT(O_REGION) | OPT_BIT(O_POPULATION) |
		          OPT_BIT(O_CENSUS_YEAR) | OPT_BIT(O_DATE) | OPT_BIT(O_CONTACT_URL) |
		          OPT_BIT(O_CATEGORY),
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_VKEY) | OPT_BIT(O_KIND) |
		          OPT_BIT(O_NAME_FR) | OPT_BIT(O_NAME_AR),
		  member_usage },
		{ "rotate-key", member_rotate,
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_VKEY) | OPT_BIT(O_FROM_SIZE) |
		          OPT_BIT(O_FORCE) | OPT_BIT(O_REASON_FR) | OPT_BIT(O_REASON_AR) |
		          OPT_BIT(O_DATE),
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_VKEY), member_usage },
		{ "suspend", member_suspend,
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_AT_SIZE) | OPT_BIT(O_LIFT) |
		          OPT_BIT(O_FORCE) | OPT_BIT(O_REASON_FR) | OPT_BIT(O_REASON_AR) |
		          OPT_BIT(O_DATE),
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN), member_usage },
		{ "reinstate", member_reinstate,
		  OPT_BIT(O_DATA) | OPT_BIT(O_ORIGIN) | OPT_BIT(O_REASON_FR) |
		          OPT_BIT(O_REASON_AR) | OPT_BIT(O_DATE),
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

	if ((rc = regcmd_open(&r, a, false)) != EXIT_OK)
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
