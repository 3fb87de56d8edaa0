/*
 * regcmd — the registry subcommands' shared machinery. See regcmd.h.
 */
#include "regcmd.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/entry.h"
#include "peers/ledger.h"
#include "peers/registry.h"

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
	{ "force", no_argument, NULL, O_FORCE },
	{ "witness-quorum", required_argument, NULL, O_WITNESS_QUORUM },
	{ "witness-group", required_argument, NULL, O_WITNESS_GROUP },
	{ "contact-url", required_argument, NULL, O_CONTACT_URL },
	{ "category", required_argument, NULL, O_CATEGORY },
	{ "help", no_argument, NULL, O_HELP },
	{ 0 },
};

const char *
regcmd_opt_name(int id)
{
	for (const struct option *o = all_opts; o->name; o++)
		if (o->val == id)
			return o->name;
	return "?";
}

/* Parses the options of one action from argv[first] on and runs it. */
int
regcmd_run(const char *cmd, const struct regcmd_action *act, int argc, char **argv, int first)
{
	struct regcmd_args a = { 0 };
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
		if (!(act->allowed & OPT_BIT(c)))
			return cli_err(EXIT_USAGE, "%s does not take --%s (see remacto %s --help)",
			               what, regcmd_opt_name(c), what);
		if (c == O_WITNESS_GROUP) {
			if (a.ngroups == REGCMD_MAX_GROUPS)
				return cli_err(EXIT_USAGE, "more than %d --witness-group",
				               REGCMD_MAX_GROUPS);
			a.groups[a.ngroups++] = optarg;
		} else if (a.set[c])
			return cli_err(EXIT_USAGE, "--%s given twice", regcmd_opt_name(c));
		a.set[c] = true;
		a.v[c] = optarg;
	}
	if (optind != argc)
		return cli_err(EXIT_USAGE, "unexpected argument '%s' (see remacto %s --help)",
		               argv[optind], what);
	for (int i = 1; i < O_COUNT; i++)
		if ((act->required & OPT_BIT(i)) && !a.set[i])
			return cli_err(EXIT_USAGE, "%s needs --%s (see remacto %s --help)", what,
			               regcmd_opt_name(i), what);
	return act->run(&a);
}

/* A command with action words: `remacto <cmd> <action> [options]`. */
int
regcmd_dispatch(const char *cmd, const char *usage, const struct regcmd_action *acts, size_t n,
                int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], acts[i].name))
			return regcmd_run(cmd, &acts[i], argc, argv, 2);
	fputs(usage, stderr);
	return cli_err(EXIT_USAGE, "unknown %s action '%s'", cmd, argv[1]);
}

/* ---- the registry of a data folder ---- */

void
regcmd_close(struct regcmd_registry *r)
{
	note_signer_free(&r->signer);
	if (r->open)
		store_close(&r->s);
	free(r->head);
	memset(r, 0, sizeof(*r));
}

/* Opens the store of dir and finds its registry; with sign, also the registry's own log and
 * key: this must be the authority's data folder. */
int
regcmd_open(struct regcmd_registry *r, const char *dir, bool sign)
{
	char err[512];
	MDB_txn *txn;
	bool found;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!(r->head = calloc(1, sizeof(*r->head))))
		return cli_err(EXIT_FAIL, "out of memory");
	if (ledger_open(&r->s, dir, sign ? 0 : STORE_RDONLY, 0, err, sizeof(err)) != 0) {
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
	regcmd_close(r);
	return rc;
}

void
regcmd_now(char published[32], char date[16])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(published, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(date, 16, "%Y-%m-%d", &tm);
}

/* Stamps e (schema 1, published), packs it into out (malloc'd) and checks the bytes as every node
 * will. -EINVAL with err naming the field, -ENOMEM. */
int
regcmd_pack(Remacto__V1__Entry *e, char *published, struct tlog_blob *out, char *err, size_t errcap)
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
int
regcmd_append(struct regcmd_registry *r, const char *what, const struct tlog_blob *v, size_t n)
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
int
regcmd_append_one(const struct regcmd_args *a, Remacto__V1__Entry *e)
{
	struct regcmd_registry r;
	int rc = regcmd_open(&r, a->v[O_DATA], true);
	if (rc == EXIT_OK) {
		rc = regcmd_append_entry(&r, a->what, e);
		regcmd_close(&r);
	}
	return rc;
}

int
regcmd_append_entry(struct regcmd_registry *r, const char *what, Remacto__V1__Entry *e)
{
	struct tlog_blob b = { 0 };
	char published[32], date[16], err[512];
	int rc;

	regcmd_now(published, date);
	if (regcmd_pack(e, published, &b, err, sizeof(err)) != 0)
		return cli_err(EXIT_INVALID, "%s: %s; nothing appended", what, err);
	rc = regcmd_append(r, what, &b, 1);
	free((void *)b.data);
	return rc;
}

char *
regcmd_or_empty(char *s)
{
	return s ? s : (char *)"";
}

/* The date option, or today (UTC) in buf. */
char *
regcmd_date(const struct regcmd_args *a, char buf[16])
{
	char published[32];
	if (a->v[O_DATE])
		return a->v[O_DATE];
	regcmd_now(published, buf);
	return buf;
}
