/*
 * remacto network / member / members / catalog / policy — the network authority's registry log,
 * offline on the authority's data folder, like `remacto log append`: LMDB lets this tool write
 * while remactod runs, and the daemon picks the new entries up by itself.
 *
 * Every subcommand that writes builds one or more remacto.v1.Entry messages, stamps them
 * (schema 1, published = now in UTC), checks the packed bytes with entry_decode (what any node
 * will check), and appends them in one batch with tlog_append, signed by the registry's key file
 * as recorded in the log's record. tlog_append folds them into the registry view
 * (peers/registry.h) in the same transaction, in strict mode: what the registry refuses
 * (rotating the key of a non-member, admitting an origin twice) leaves nothing behind and exits
 * with EXIT_INVALID and the registry's own message.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "core/entry.h"
#include "core/note.h"
#include "peers/registry.h"
#include "store/tlog.h"

#define DEFAULT_REGISTRY "remacto.ma/registry"
#define CATALOG_MAX_BYTES (1u << 20) /* a catalog file: a few hundred indicators at most */
#define CATALOG_MAX_ROWS 10000
#define CATALOG_MAX_COLUMNS 16
#define CATALOG_MAX_ERRORS 20 /* problems listed before giving up */
#define CATALOG_CODE_MAX 64

/* ---- options, shared by every subcommand ---- */

enum opt_id {
	O_DATA = 1,
	O_KEY,
	O_ORIGIN,
	O_VKEY,
	O_HCP,
	O_KIND,
	O_NAME_FR,
	O_NAME_AR,
	O_NAME_EN,
	O_REGION,
	O_POPULATION,
	O_CENSUS_YEAR,
	O_DATE,
	O_FROM_SIZE,
	O_REASON_FR,
	O_REASON_AR,
	O_AT_SIZE,
	O_LIFT,
	O_URL,
	O_WITHDRAW,
	O_FILE,
	O_LIVENESS,
	O_FOLLOW_UP,
	O_GRACE,
	O_AT_RISK,
	O_NON_COMPLIANT,
	O_HELP,
	O_COUNT
};
#define BIT(o) (UINT64_C(1) << (o))

static const struct option all_opts[] = {
	{ "data", required_argument, NULL, O_DATA },
	{ "key", required_argument, NULL, O_KEY },
	{ "origin", required_argument, NULL, O_ORIGIN },
	{ "verifier-key", required_argument, NULL, O_VKEY },
	{ "hcp", required_argument, NULL, O_HCP },
	{ "kind", required_argument, NULL, O_KIND },
	{ "name-fr", required_argument, NULL, O_NAME_FR },
	{ "name-ar", required_argument, NULL, O_NAME_AR },
	{ "name-en", required_argument, NULL, O_NAME_EN },
	{ "region", required_argument, NULL, O_REGION },
	{ "population", required_argument, NULL, O_POPULATION },
	{ "census-year", required_argument, NULL, O_CENSUS_YEAR },
	{ "date", required_argument, NULL, O_DATE },
	{ "from-size", required_argument, NULL, O_FROM_SIZE },
	{ "reason-fr", required_argument, NULL, O_REASON_FR },
	{ "reason-ar", required_argument, NULL, O_REASON_AR },
	{ "at-size", required_argument, NULL, O_AT_SIZE },
	{ "lift", no_argument, NULL, O_LIFT },
	{ "url", required_argument, NULL, O_URL },
	{ "withdraw", no_argument, NULL, O_WITHDRAW },
	{ "file", required_argument, NULL, O_FILE },
	{ "liveness-days", required_argument, NULL, O_LIVENESS },
	{ "follow-up-days", required_argument, NULL, O_FOLLOW_UP },
	{ "milestone-grace-days", required_argument, NULL, O_GRACE },
	{ "at-risk-score", required_argument, NULL, O_AT_RISK },
	{ "non-compliant-score", required_argument, NULL, O_NON_COMPLIANT },
	{ "help", no_argument, NULL, O_HELP },
	{ 0 },
};

struct args {
	const char *what; /* "member add", for messages */
	char *v[O_COUNT]; /* option values (argv strings), NULL when not given */
	bool set[O_COUNT];
};

static const char *
opt_name(int id)
{
	for (const struct option *o = all_opts; o->name; o++)
		if (o->val == id)
			return o->name;
	return "?";
}

struct action {
	const char *name; /* NULL: the command takes no action word */
	int (*run)(const struct args *a);
	uint64_t allowed, required;
	const char *usage;
};

/* Parses the options of one action from argv[first] on and runs it. */
static int
run_action(const char *cmd, const struct action *act, int argc, char **argv, int first)
{
	struct args a = { 0 };
	char what[64];
	int c;

	snprintf(what, sizeof(what), "%s%s%s", cmd, act->name ? " " : "",
	         act->name ? act->name : "");
	a.what = what;
	optind = first;
	while ((c = getopt_long(argc, argv, "", all_opts, NULL)) != -1) {
		if (c == O_HELP) {
			fputs(act->usage, stdout);
			return EXIT_OK;
		}
		if (c <= 0 || c >= O_COUNT) {
			fputs(act->usage, stderr);
			return EXIT_USAGE;
		}
		if (!(act->allowed & BIT(c)))
			return cli_err(EXIT_USAGE, "%s does not take --%s (see remacto %s --help)",
			               what, opt_name(c), what);
		if (a.set[c])
			return cli_err(EXIT_USAGE, "--%s given twice", opt_name(c));
		a.set[c] = true;
		a.v[c] = optarg;
	}
	if (optind != argc)
		return cli_err(EXIT_USAGE, "unexpected argument '%s' (see remacto %s --help)",
		               argv[optind], what);
	for (int i = 1; i < O_COUNT; i++)
		if ((act->required & BIT(i)) && !a.set[i])
			return cli_err(EXIT_USAGE, "%s needs --%s (see remacto %s --help)", what,
			               opt_name(i), what);
	return act->run(&a);
}

/* A command with action words: `remacto <cmd> <action> [options]`. */
static int
dispatch(const char *cmd, const char *usage, const struct action *acts, size_t n, int argc,
         char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], acts[i].name))
			return run_action(cmd, &acts[i], argc, argv, 2);
	fputs(usage, stderr);
	return cli_err(EXIT_USAGE, "unknown %s action '%s'", cmd, argv[1]);
}

/* ---- the registry of a data folder ---- */

struct registry_ctx {
	struct store s;
	bool open;
	struct note_verifier auth;
	struct note_signer signer;
	struct tlog_head *head;
};

static void
registry_ctx_close(struct registry_ctx *r)
{
	note_signer_free(&r->signer);
	if (r->open)
		store_close(&r->s);
	free(r->head);
	memset(r, 0, sizeof(*r));
}

/* Opens the store of dir and finds its registry; with sign, also the registry's own log and
 * key: this must be the authority's data folder. */
static int
registry_ctx_open(struct registry_ctx *r, const char *dir, bool sign)
{
	char err[512];
	MDB_txn *txn;
	bool found;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!(r->head = calloc(1, sizeof(*r->head))))
		return cli_err(EXIT_FAIL, "out of memory");
	if (store_open(&r->s, dir, sign ? 0 : STORE_RDONLY, 0, err, sizeof(err)) != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
		goto fail;
	}
	r->open = true;
	if ((rc = store_read_begin(&r->s, &txn)) != 0) {
		rc = cli_err(EXIT_FAIL, "cannot read %s: %s", dir, store_strerror(rc));
		goto fail;
	}
	found = registry_authority(&r->s, txn, &r->auth);
	rc = found ? tlog_head(&r->s, txn, r->auth.name, r->head) : MDB_NOTFOUND;
	mdb_txn_abort(txn);
	if (!found) {
		rc = cli_err(EXIT_FAIL,
		             "%s has no network registry: create one with `remacto network "
		             "init --data %s --key KEYFILE`",
		             dir, dir);
		goto fail;
	}
	if (!sign)
		return EXIT_OK;
	if (rc == MDB_NOTFOUND) {
		rc = cli_err(EXIT_FAIL,
		             "%s knows the network authority %s but does not hold its "
		             "registry log: run this on the authority's data folder",
		             dir, r->auth.name);
		goto fail;
	}
	if (rc != 0) {
		rc = cli_err(EXIT_FAIL, "cannot read the registry log %s: %s", r->auth.name,
		             store_strerror(rc));
		goto fail;
	}
	if (!r->head->key_file[0]) {
		rc = cli_err(EXIT_FAIL,
		             "the registry log %s is replicated in %s, not owned: run this "
		             "on the authority's data folder",
		             r->auth.name, dir);
		goto fail;
	}
	if (note_signer_from_pem(&r->signer, r->auth.name, NOTE_ALG_ED25519, r->head->key_file, err,
	                         sizeof(err)) != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
		goto fail;
	}
	return EXIT_OK;
fail:
	registry_ctx_close(r);
	return rc;
}

static void
utc_now(char published[32], char date[16])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(published, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(date, 16, "%Y-%m-%d", &tm);
}

/* Stamps e (schema 1, published), packs it into out (malloc'd) and checks the bytes as every node
 * will. -EINVAL with err naming the field, -ENOMEM. */
static int
pack_entry(Remacto__V1__Entry *e, char *published, struct tlog_blob *out, char *err, size_t errcap)
{
	Remacto__V1__Entry *check;
	uint8_t *buf;
	size_t len;

	e->schema = 1;
	e->published = published;
	len = remacto__v1__entry__get_packed_size(e);
	if (len > ENTRY_MAX_LEN) {
		snprintf(err, errcap, "the entry would be %zu bytes, more than %d", len,
		         ENTRY_MAX_LEN);
		return -EINVAL;
	}
	if (!(buf = malloc(len ? len : 1)))
		return snprintf(err, errcap, "out of memory"), -ENOMEM;
	remacto__v1__entry__pack(e, buf);
	if (!(check = entry_decode(buf, len, err, errcap))) {
		free(buf);
		return -EINVAL;
	}
	remacto__v1__entry__free_unpacked(check, NULL);
	out->data = buf;
	out->len = len;
	return 0;
}

/* Appends the packed entries in one batch and prints the registry's new size. */
static int
append_blobs(struct registry_ctx *r, const char *what, const struct tlog_blob *v, size_t n)
{
	static const char one[] = "entry 1 of the batch: ";
	char err[1024];
	uint64_t first;
	int rc = tlog_append(&r->s, r->auth.name, &r->signer, v, n, &first, r->head, err,
	                     sizeof(err));
	if (rc == -EINVAL) /* the registry's refusal: a batch of one needs no entry number */
		return cli_err(EXIT_INVALID, "%s: %s", what,
		               n == 1 && !strncmp(err, one, sizeof(one) - 1) ? err + sizeof(one) - 1
		                                                             : err);
	if (rc != 0)
		return cli_err(EXIT_FAIL, "%s", err);
	printf("%" PRIu64 "\n", r->head->size);
	return fflush(stdout) == 0 ? EXIT_OK : cli_err(EXIT_FAIL, "cannot write to stdout");
}

/* Packs one entry and appends it to the registry of a->v[O_DATA]. */
static int
append_one(const struct args *a, Remacto__V1__Entry *e)
{
	struct registry_ctx r;
	struct tlog_blob b = { 0 };
	char published[32], date[16], err[512];
	int rc;

	utc_now(published, date);
	if (pack_entry(e, published, &b, err, sizeof(err)) != 0)
		return cli_err(EXIT_INVALID, "%s: %s; nothing appended", a->what, err);
	if ((rc = registry_ctx_open(&r, a->v[O_DATA], true)) == EXIT_OK) {
		rc = append_blobs(&r, a->what, &b, 1);
		registry_ctx_close(&r);
	}
	free((void *)b.data);
	return rc;
}

static char *
or_empty(char *s)
{
	return s ? s : (char *)"";
}

/* The date option, or today (UTC) in buf. */
static char *
date_or_today(const struct args *a, char buf[16])
{
	char published[32];
	if (a->v[O_DATE])
		return a->v[O_DATE];
	utc_now(published, buf);
	return buf;
}

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

/* ---- remacto network ---- */

static int
network_init(const struct args *a)
{
	const char *origin = a->v[O_ORIGIN] ? a->v[O_ORIGIN] : DEFAULT_REGISTRY;
	struct note_signer signer = { 0 };
	struct note_verifier known;
	struct store s;
	struct stat st;
	struct tlog_head *h = NULL;
	char err[1024], path[PATH_MAX], vkey[NOTE_VKEY_MAX + 1];
	bool has_auth, exists = false;
	MDB_txn *txn;
	int rc;

	if (!note_name_valid(origin))
		return cli_err(EXIT_USAGE,
		               "--origin '%s' is not a valid key name (no spaces or "
		               "'+'), e.g. " DEFAULT_REGISTRY,
		               origin);
	if (stat(a->v[O_KEY], &st) != 0) {
		if (errno != ENOENT)
			return cli_err(EXIT_FAIL, "key file %s: %s", a->v[O_KEY], strerror(errno));
		if (note_keygen_pem(a->v[O_KEY], err, sizeof(err)) != 0)
			return cli_err(EXIT_FAIL, "%s", err);
		fprintf(stderr,
		        "remacto: created the authority key %s (keep it secret, back it "
		        "up)\n",
		        a->v[O_KEY]);
	}
	if (!realpath(a->v[O_KEY], path))
		return cli_err(EXIT_FAIL, "key file %s: %s", a->v[O_KEY], strerror(errno));
	if (note_signer_from_pem(&signer, origin, NOTE_ALG_ED25519, path, err, sizeof(err)))
		return cli_err(EXIT_FAIL, "%s", err);
	note_verifier_format(&signer.v, vkey, sizeof(vkey));
	if (store_open(&s, a->v[O_DATA], STORE_CREATE, 0, err, sizeof(err)) != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
		goto done_key;
	}
	if (!(h = calloc(1, sizeof(*h)))) {
		rc = cli_err(EXIT_FAIL, "out of memory");
		goto done;
	}
	/* A store belongs to one network: check before creating anything, so that a refused init
	 * leaves no orphan log behind. */
	if ((rc = store_read_begin(&s, &txn)) != 0) {
		rc = cli_err(EXIT_FAIL, "cannot read %s: %s", a->v[O_DATA], store_strerror(rc));
		goto done;
	}
	has_auth = registry_authority(&s, txn, &known);
	if (tlog_head(&s, txn, origin, h) == 0)
		exists = true;
	mdb_txn_abort(txn);
	if (has_auth && (strcmp(known.name, signer.v.name) || known.key_id != signer.v.key_id ||
	                 memcmp(known.pub, signer.v.pub, 32))) {
		rc = cli_err(EXIT_FAIL,
		             "%s already belongs to the network of authority %s: use "
		             "another data folder",
		             a->v[O_DATA], known.name);
		goto done;
	}
	if (exists && strcmp(h->vkey, vkey) != 0) {
		rc = cli_err(EXIT_FAIL, "%s already holds a log %s with another key (%s)",
		             a->v[O_DATA], origin, h->vkey);
		goto done;
	}
	if (exists && !h->key_file[0]) {
		rc = cli_err(EXIT_FAIL,
		             "%s holds the registry log %s as a replica: the authority's "
		             "data folder is elsewhere",
		             a->v[O_DATA], origin);
		goto done;
	}
	if (!exists && tlog_create(&s, &signer, path, err, sizeof(err)) != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
		goto done;
	}
	if ((rc = registry_set_authority(&s, vkey, err, sizeof(err))) != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
		goto done;
	}
	if (exists)
		fprintf(stderr, "remacto: the registry log %s already exists in %s with this key\n",
		        origin, a->v[O_DATA]);
	else
		fprintf(stderr,
		        "remacto: registry log %s created in %s; set the key below as "
		        "[authority] verifier_key on every node\n",
		        origin, a->v[O_DATA]);
	printf("%s\n", vkey);
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
done:
	free(h);
	store_close(&s);
done_key:
	note_signer_free(&signer);
	return rc;
}

static const char network_usage[] =
        "usage: remacto network init --data DIR --key KEYFILE [--origin ORIGIN]\n"
        "  Creates the network authority's registry log ORIGIN (default " DEFAULT_REGISTRY ") in\n"
        "  DIR, signed by KEYFILE (created when it does not exist: PKCS#8 PEM, mode 0600), records\n"
        "  it as the authority of DIR, and prints the authority's verifier key: the value of\n"
        "  [authority] verifier_key in every node's configuration.\n";

int
cmd_network(int argc, char **argv)
{
	static const struct action acts[] = {
		{ "init", network_init, BIT(O_DATA) | BIT(O_KEY) | BIT(O_ORIGIN),
		  BIT(O_DATA) | BIT(O_KEY), network_usage },
	};
	return dispatch("network", network_usage, acts, sizeof(acts) / sizeof(acts[0]), argc, argv);
}

/* ---- remacto member ---- */

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
member_add(const struct args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberAdmission adm = REMACTO__V1__MEMBER_ADMISSION__INIT;
	Remacto__V1__Text name = REMACTO__V1__TEXT__INIT;
	struct registry_ctx r;
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
	name.en = or_empty(a->v[O_NAME_EN]);
	adm.origin = a->v[O_ORIGIN];
	adm.verifier_key = a->v[O_VKEY];
	adm.hcp_code = a->v[O_HCP];
	adm.kind = kinds[k].kind;
	adm.name = &name;
	adm.region_code = kinds[k].kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION
	                          ? a->v[O_HCP]
	                          : or_empty(a->v[O_REGION]);
	adm.population = population;
	adm.census_year = or_empty(a->v[O_CENSUS_YEAR]);
	adm.date = date_or_today(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION;
	e.member_admission = &adm;

	utc_now(published, now_date);
	if (pack_entry(&e, published, &b, err, sizeof(err)) != 0)
		return cli_err(EXIT_INVALID, "%s: %s; nothing appended", a->what, err);
	if ((rc = registry_ctx_open(&r, a->v[O_DATA], true)) != EXIT_OK)
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
		rc = append_blobs(&r, a->what, &b, 1);
	registry_ctx_close(&r);
done:
	free((void *)b.data);
	return rc;
}

static int
member_rotate(const struct args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__KeyRotation rot = REMACTO__V1__KEY_ROTATION__INIT;
	Remacto__V1__Text reason = REMACTO__V1__TEXT__INIT;
	char today[16];

	if (!cli_u64("--from-size", a->v[O_FROM_SIZE], &rot.from_size))
		return EXIT_USAGE;
	reason.fr = or_empty(a->v[O_REASON_FR]);
	reason.ar = or_empty(a->v[O_REASON_AR]);
	rot.origin = a->v[O_ORIGIN];
	rot.verifier_key = a->v[O_VKEY];
	rot.reason = (a->v[O_REASON_FR] || a->v[O_REASON_AR]) ? &reason : NULL;
	rot.date = date_or_today(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_KEY_ROTATION;
	e.key_rotation = &rot;
	return append_one(a, &e);
}

static int
member_suspend(const struct args *a)
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
	reason.fr = or_empty(a->v[O_REASON_FR]);
	reason.ar = or_empty(a->v[O_REASON_AR]);
	sus.origin = a->v[O_ORIGIN];
	sus.lifted = a->set[O_LIFT];
	sus.reason = (a->v[O_REASON_FR] || a->v[O_REASON_AR]) ? &reason : NULL;
	sus.date = date_or_today(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION;
	e.member_suspension = &sus;
	return append_one(a, &e);
}

static int
member_announce(const struct args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__PeerAnnouncement ann = REMACTO__V1__PEER_ANNOUNCEMENT__INIT;

	ann.origin = a->v[O_ORIGIN];
	ann.url = a->v[O_URL];
	ann.withdrawn = a->set[O_WITHDRAW];
	e.kind_case = REMACTO__V1__ENTRY__KIND_PEER_ANNOUNCEMENT;
	e.peer_announcement = &ann;
	return append_one(a, &e);
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
	static const struct action acts[] = {
		{ "add", member_add,
		  BIT(O_DATA) | BIT(O_ORIGIN) | BIT(O_VKEY) | BIT(O_HCP) | BIT(O_KIND) |
		          BIT(O_NAME_FR) | BIT(O_NAME_AR) | BIT(O_NAME_EN) | BIT(O_REGION) |
		          BIT(O_POPULATION) | BIT(O_CENSUS_YEAR) | BIT(O_DATE),
		  BIT(O_DATA) | BIT(O_ORIGIN) | BIT(O_VKEY) | BIT(O_HCP) | BIT(O_KIND) |
		          BIT(O_NAME_FR) | BIT(O_NAME_AR),
		  member_usage },
		{ "rotate-key", member_rotate,
		  BIT(O_DATA) | BIT(O_ORIGIN) | BIT(O_VKEY) | BIT(O_FROM_SIZE) | BIT(O_REASON_FR) |
		          BIT(O_REASON_AR) | BIT(O_DATE),
		  BIT(O_DATA) | BIT(O_ORIGIN) | BIT(O_VKEY) | BIT(O_FROM_SIZE), member_usage },
		{ "suspend", member_suspend,
		  BIT(O_DATA) | BIT(O_ORIGIN) | BIT(O_AT_SIZE) | BIT(O_LIFT) | BIT(O_REASON_FR) |
		          BIT(O_REASON_AR) | BIT(O_DATE),
		  BIT(O_DATA) | BIT(O_ORIGIN), member_usage },
		{ "announce", member_announce,
		  BIT(O_DATA) | BIT(O_ORIGIN) | BIT(O_URL) | BIT(O_WITHDRAW),
		  BIT(O_DATA) | BIT(O_ORIGIN) | BIT(O_URL), member_usage },
	};
	return dispatch("member", member_usage, acts, sizeof(acts) / sizeof(acts[0]), argc, argv);
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
members_list(const struct args *a)
{
	struct registry_ctx r;
	struct table t = { (int)strlen("ORIGIN"), (int)strlen("PEER"), false, 0 };
	MDB_txn *txn;
	int rc;

	if ((rc = registry_ctx_open(&r, a->v[O_DATA], false)) != EXIT_OK)
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
	registry_ctx_close(&r);
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
	static const struct action act = { NULL, members_list, BIT(O_DATA), BIT(O_DATA),
		                           members_usage };
	return run_action("members", &act, argc, argv, 1);
}

/* ---- remacto catalog ---- */

/* An RFC 4180 reader over a NUL-terminated buffer, unquoting fields in place (a field never
 * grows when unquoted). */
struct csv {
	char *p, *end;
	size_t row; /* the record just read, the header is 1 */
};

/* Reads one record into fields; 0, 1 at the end of the input, -EINVAL with err. Empty lines are
 * skipped. */
static int
csv_record(struct csv *c, char **fields, size_t cap, size_t *n, char *err, size_t errcap)
{
	*n = 0;
	while (c->p < c->end && (*c->p == '\n' || (*c->p == '\r' && c->p[1] == '\n'))) {
		c->p += *c->p == '\r' ? 2 : 1;
		c->row++;
	}
	if (c->p >= c->end)
		return 1;
	c->row++;
	for (;;) {
		char *w = c->p, *start = c->p;
		if (*n == cap) {
			snprintf(err, errcap, "row %zu: more than %zu columns", c->row, cap);
			return -EINVAL;
		}
		if (*c->p == '"') {
			c->p++;
			for (;;) {
				if (c->p >= c->end) {
					snprintf(err, errcap,
					         "row %zu, column %zu: a quoted field is not "
					         "closed",
					         c->row, *n + 1);
					return -EINVAL;
				}
				if (*c->p == '"' && c->p[1] == '"')
					*w++ = '"', c->p += 2;
				else if (*c->p == '"')
					break;
				else
					*w++ = *c->p++;
			}
			c->p++;
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
				if (*c->p == '"') {
					snprintf(
					        err, errcap,
					        "row %zu, column %zu: a quote inside an "
					        "unquoted field (quote the whole field and double the quote)",
					        c->row, *n + 1);
					return -EINVAL;
				}
				w++, c->p++;
			}
		}
		fields[(*n)++] = start;
		if (c->p >= c->end || *c->p == '\n' || (*c->p == '\r' && c->p[1] == '\n')) {
			char *next = c->p >= c->end ? c->end : c->p + (*c->p == '\r' ? 2 : 1);
			*w = '\0';
			c->p = next;
			return 0;
		}
		if (*c->p != ',') {
			snprintf(err, errcap, "row %zu, column %zu: %s", c->row, *n,
			         *c->p == '\r' ? "a carriage return not followed by a line feed"
			                       : "text after the closing quote");
			return -EINVAL;
		}
		c->p++;
		*w = '\0';
	}
}

enum {
	COL_CODE,
	COL_PRINCIPLE,
	COL_TITLE_FR,
	COL_TITLE_AR,
	COL_TITLE_EN,
	COL_UNIT,
	COL_BETTER,
	COL_NORMALISE,
	COL_N
};
static const struct {
	const char *name;
	bool required;
} columns[COL_N] = {
	[COL_CODE] = { "code", true },          [COL_PRINCIPLE] = { "principle", true },
	[COL_TITLE_FR] = { "title_fr", true },  [COL_TITLE_AR] = { "title_ar", false },
	[COL_TITLE_EN] = { "title_en", false }, [COL_UNIT] = { "unit", true },
	[COL_BETTER] = { "better", true },      [COL_NORMALISE] = { "normalise", true },
};

static const struct {
	const char *name;
	Remacto__V1__Principle value;
} principles[] = {
	{ "transparency", REMACTO__V1__PRINCIPLE__PRINCIPLE_TRANSPARENCY },
	{ "accountability", REMACTO__V1__PRINCIPLE__PRINCIPLE_ACCOUNTABILITY },
	{ "access_to_information", REMACTO__V1__PRINCIPLE__PRINCIPLE_ACCESS_TO_INFORMATION },
	{ "participation", REMACTO__V1__PRINCIPLE__PRINCIPLE_CITIZEN_PARTICIPATION },
	{ "citizen_participation", REMACTO__V1__PRINCIPLE__PRINCIPLE_CITIZEN_PARTICIPATION },
	{ "digitalisation", REMACTO__V1__PRINCIPLE__PRINCIPLE_DIGITALISATION },
};

static const struct {
	const char *name;
	Remacto__V1__Normalisation value;
} normalisations[] = {
	{ "none", REMACTO__V1__NORMALISATION__NORMALISATION_NONE },
	{ "per_10k_inhabitants", REMACTO__V1__NORMALISATION__NORMALISATION_PER_10000_INHABITANTS },
	{ "per_10000_inhabitants",
	  REMACTO__V1__NORMALISATION__NORMALISATION_PER_10000_INHABITANTS },
};

static bool
code_valid(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= CATALOG_CODE_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == n;
}

/* One data row → packed CatalogIndicator entry. false with err ("column 2 (principle): ..."). */
static bool
catalog_row(char *const *f, const int *col, char *published, struct tlog_blob *out, char *err,
            size_t errcap)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__CatalogIndicator ci = REMACTO__V1__CATALOG_INDICATOR__INIT;
	Remacto__V1__Text title = REMACTO__V1__TEXT__INIT;
	char why[512];
	size_t i;

#define CELL(c) (col[c] >= 0 ? f[col[c]] : (char *)"")
#define BAD(c, ...)                                                                            \
	do {                                                                                   \
		snprintf(why, sizeof(why), __VA_ARGS__);                                       \
		snprintf(err, errcap, "column %d (%s): %s", col[c] + 1, columns[c].name, why); \
		return false;                                                                  \
	} while (0)
	if (!code_valid(CELL(COL_CODE)))
		BAD(COL_CODE,
		    "'%.80s' is not an indicator code (1 to %d letters, digits, '-', '_' "
		    "or '.', e.g. TR-01)",
		    CELL(COL_CODE), CATALOG_CODE_MAX);
	for (i = 0; i < sizeof(principles) / sizeof(principles[0]); i++)
		if (!strcmp(CELL(COL_PRINCIPLE), principles[i].name))
			break;
	if (i == sizeof(principles) / sizeof(principles[0]))
		BAD(COL_PRINCIPLE,
		    "unknown principle '%.80s' (transparency, accountability, "
		    "access_to_information, participation, digitalisation)",
		    CELL(COL_PRINCIPLE));
	ci.principle = principles[i].value;
	if (!strcmp(CELL(COL_BETTER), "higher"))
		ci.higher_is_better = true;
	else if (strcmp(CELL(COL_BETTER), "lower") != 0)
		BAD(COL_BETTER, "'%.80s' is neither higher nor lower", CELL(COL_BETTER));
	for (i = 0; i < sizeof(normalisations) / sizeof(normalisations[0]); i++)
		if (!strcmp(CELL(COL_NORMALISE), normalisations[i].name))
			break;
	if (i == sizeof(normalisations) / sizeof(normalisations[0]))
		BAD(COL_NORMALISE, "unknown normalisation '%.80s' (none, per_10k_inhabitants)",
		    CELL(COL_NORMALISE));
	ci.normalisation = normalisations[i].value;
	if (!CELL(COL_TITLE_FR)[0])
		BAD(COL_TITLE_FR, "required");
	if (!CELL(COL_UNIT)[0])
		BAD(COL_UNIT, "required (e.g. percent, count per year)");
#undef BAD
	title.fr = CELL(COL_TITLE_FR);
	title.ar = CELL(COL_TITLE_AR);
	title.en = CELL(COL_TITLE_EN);
	ci.code = CELL(COL_CODE);
	ci.title = &title;
	ci.unit = CELL(COL_UNIT);
#undef CELL
	e.kind_case = REMACTO__V1__ENTRY__KIND_CATALOG_INDICATOR;
	e.catalog_indicator = &ci;
	return pack_entry(&e, published, out, err, errcap) == 0;
}

/* Reads the whole file under the cap, NUL-terminated. */
static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f)
		return cli_err(EXIT_FAIL, "%s: %s", path, strerror(errno));
	if (!(buf = malloc(CATALOG_MAX_BYTES + 2))) {
		fclose(f);
		return cli_err(EXIT_FAIL, "out of memory");
	}
	n = fread(buf, 1, CATALOG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		free(buf);
		return cli_err(EXIT_FAIL, "cannot read %s: %s", path, strerror(e));
	}
	fclose(f);
	if (n > CATALOG_MAX_BYTES) {
		free(buf);
		return cli_err(EXIT_INVALID, "%s: larger than %u bytes; nothing added", path,
		               CATALOG_MAX_BYTES);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return EXIT_OK;
}

static int
catalog_add(const struct args *a)
{
	const char *path = a->v[O_FILE];
	struct registry_ctx r;
	struct tlog_blob *blobs = NULL;
	struct csv c;
	char *data = NULL, *f[CATALOG_MAX_COLUMNS], **codes = NULL;
	char published[32], today[16], err[1024];
	int col[COL_N], rc;
	size_t len = 0, n = 0, nf, ncols, problems = 0;

	if ((rc = read_file(path, &data, &len)) != EXIT_OK)
		return rc;
	c.p = data, c.end = data + len, c.row = 0;
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
		c.p += 3;
	utc_now(published, today);

	/* The header names the columns, in any order; a column this tool does not know is an
	 * error rather than data silently dropped. */
	if ((rc = csv_record(&c, f, CATALOG_MAX_COLUMNS, &ncols, err, sizeof(err))) != 0) {
		rc = rc > 0 ? cli_err(EXIT_INVALID, "%s: empty file; nothing added", path)
		            : cli_err(EXIT_INVALID, "%s: %s; nothing added", path, err);
		goto done;
	}
	for (int k = 0; k < COL_N; k++)
		col[k] = -1;
	for (size_t i = 0; i < ncols; i++) {
		int k;
		for (k = 0; k < COL_N && strcmp(f[i], columns[k].name); k++)
			;
		if (k == COL_N || col[k] >= 0) {
			rc = cli_err(
			        EXIT_INVALID,
			        "%s: row 1, column %zu: %s column '%.80s' (expected "
			        "code,principle,title_fr,title_en,unit,better,normalise, optionally "
			        "title_ar); nothing added",
			        path, i + 1, k == COL_N ? "unknown" : "repeated", f[i]);
			goto done;
		}
		col[k] = (int)i;
	}
	for (int k = 0; k < COL_N; k++)
		if (columns[k].required && col[k] < 0) {
			rc = cli_err(EXIT_INVALID, "%s: row 1: no column '%s'; nothing added", path,
			             columns[k].name);
			goto done;
		}

	if (!(blobs = calloc(CATALOG_MAX_ROWS, sizeof(*blobs))) ||
	    !(codes = calloc(CATALOG_MAX_ROWS, sizeof(*codes)))) {
		rc = cli_err(EXIT_FAIL, "out of memory");
		goto done;
	}
	while (problems < CATALOG_MAX_ERRORS) {
		rc = csv_record(&c, f, CATALOG_MAX_COLUMNS, &nf, err, sizeof(err));
		if (rc > 0)
			break;
		if (rc < 0) {
			cli_err(EXIT_INVALID, "%s: %s", path, err);
			problems++;
			break; /* the reader cannot resynchronise after a quoting error */
		}
		if (n == CATALOG_MAX_ROWS) {
			cli_err(EXIT_INVALID, "%s: more than %d indicators", path,
			        CATALOG_MAX_ROWS);
			problems++;
			break;
		}
		if (nf != ncols) {
			cli_err(EXIT_INVALID, "%s: row %zu: %zu fields, the header has %zu", path,
			        c.row, nf, ncols);
			problems++;
			continue;
		}
		if (!catalog_row(f, col, published, &blobs[n], err, sizeof(err))) {
			cli_err(EXIT_INVALID, "%s: row %zu, %s", path, c.row, err);
			problems++;
			continue;
		}
		codes[n] = f[col[COL_CODE]];
		for (size_t j = 0; j < n; j++)
			if (!strcmp(codes[j], codes[n])) {
				cli_err(EXIT_INVALID,
				        "%s: row %zu, column %d (code): %s is already "
				        "defined above",
				        path, c.row, col[COL_CODE] + 1, codes[n]);
				problems++;
				break;
			}
		n++;
	}
	if (problems > 0) {
		rc = cli_err(EXIT_INVALID, "%s: %zu problem%s%s; nothing added", path, problems,
		             problems > 1 ? "s" : "",
		             problems == CATALOG_MAX_ERRORS ? " (stopped there)" : "");
		goto done;
	}
	if (n == 0) {
		rc = cli_err(EXIT_INVALID, "%s: no indicators after the header; nothing added",
		             path);
		goto done;
	}
	if ((rc = registry_ctx_open(&r, a->v[O_DATA], true)) == EXIT_OK) {
		rc = append_blobs(&r, a->what, blobs, n);
		registry_ctx_close(&r);
	}
done:
	if (blobs)
		for (size_t i = 0; i < n; i++)
			free((void *)blobs[i].data);
	free(blobs);
	free(codes);
	free(data);
	return rc;
}

static const char catalog_usage[] =
        "usage: remacto catalog add --data DIR --file CATALOG.csv\n"
        "  Adds (or redefines) national catalog indicators in the registry log of the authority's\n"
        "  data folder DIR, one entry per row, all or nothing; prints the registry's new size.\n"
        "  CSV (RFC 4180, UTF-8), header row: code,principle,title_fr,title_en,unit,better,\n"
        "  normalise (any order; title_ar optional). principle: transparency, accountability,\n"
        "  access_to_information, participation, digitalisation; better: higher or lower;\n"
        "  normalise: none or per_10k_inhabitants. The network's catalog is\n"
        "  config/indicator-catalog.csv.\n";

int
cmd_catalog(int argc, char **argv)
{
	static const struct action acts[] = {
		{ "add", catalog_add, BIT(O_DATA) | BIT(O_FILE), BIT(O_DATA) | BIT(O_FILE),
		  catalog_usage },
	};
	return dispatch("catalog", catalog_usage, acts, sizeof(acts) / sizeof(acts[0]), argc, argv);
}

/* ---- remacto policy ---- */

static bool
policy_value(const struct args *a, int id, uint32_t max, uint32_t *out)
{
	uint64_t v;
	char opt[64];
	if (!a->v[id])
		return true;
	snprintf(opt, sizeof(opt), "--%s", opt_name(id));
	if (!cli_u64(opt, a->v[id], &v))
		return false;
	if (v > max) {
		cli_err(EXIT_USAGE, "%s %s: at most %" PRIu32, opt, a->v[id], max);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

static int
policy_set(const struct args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__CompliancePolicy p = REMACTO__V1__COMPLIANCE_POLICY__INIT;
	char today[16];

	if (!policy_value(a, O_LIVENESS, 3650, &p.liveness_days) ||
	    !policy_value(a, O_FOLLOW_UP, 3650, &p.follow_up_days) ||
	    !policy_value(a, O_GRACE, 3650, &p.milestone_grace_days) ||
	    !policy_value(a, O_AT_RISK, 100, &p.at_risk_score) ||
	    !policy_value(a, O_NON_COMPLIANT, 100, &p.non_compliant_score))
		return EXIT_USAGE;
	if (p.at_risk_score && p.non_compliant_score && p.non_compliant_score > p.at_risk_score)
		return cli_err(EXIT_INVALID,
		               "--non-compliant-score %" PRIu32 " is above "
		               "--at-risk-score %" PRIu32
		               ": a non-compliant member is also at risk",
		               p.non_compliant_score, p.at_risk_score);
	p.date = date_or_today(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY;
	e.compliance_policy = &p;
	return append_one(a, &e);
}

static const char policy_usage[] =
        "usage: remacto policy set --data DIR [--liveness-days N] [--follow-up-days N]\n"
        "         [--milestone-grace-days N] [--at-risk-score N] [--non-compliant-score N]\n"
        "         [--date YYYY-MM-DD]\n"
        "  Sets the network's compliance thresholds in the registry log of the authority's data\n"
        "  folder DIR; prints the registry's new size. A policy replaces the previous one whole:\n"
        "  a threshold not given falls back to its documented default (so does 0). Scores are\n"
        "  0-100.\n";

int
cmd_policy(int argc, char **argv)
{
	static const struct action acts[] = {
		{ "set", policy_set,
		  BIT(O_DATA) | BIT(O_LIVENESS) | BIT(O_FOLLOW_UP) | BIT(O_GRACE) | BIT(O_AT_RISK) |
		          BIT(O_NON_COMPLIANT) | BIT(O_DATE),
		  BIT(O_DATA), policy_usage },
	};
	return dispatch("policy", policy_usage, acts, sizeof(acts) / sizeof(acts[0]), argc, argv);
}
