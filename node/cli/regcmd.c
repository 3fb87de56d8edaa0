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
#include "core/buf.h"
#include "core/entry.h"
#include "core/merkle.h"
#include "peers/registry.h"
#include "views/facts_store.h"

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
	{ "propose", required_argument, NULL, O_PROPOSE },
	{ "add", required_argument, NULL, O_ADD },
	{ "retire", required_argument, NULL, O_RETIRE },
	{ "rotate", required_argument, NULL, O_ROTATE },
	{ "quorum", required_argument, NULL, O_QUORUM },
	{ "label", required_argument, NULL, O_LABEL },
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
		/* Every action that writes to a registry may propose instead. */
		if (!(act->allowed & OPT_BIT(c)) &&
		    !(c == O_PROPOSE && (act->allowed & OPT_BIT(O_DATA))))
			return cli_err(EXIT_USAGE, "%s does not take --%s (see remacto %s --help)",
			               what, regcmd_opt_name(c), what);
		if (c == O_ADD || c == O_RETIRE || c == O_ROTATE) {
			if (a.nlist == REGCMD_MAX_GROUPS)
				return cli_err(EXIT_USAGE, "more than %d key changes",
				               REGCMD_MAX_GROUPS);
			a.list[a.nlist].opt = c;
			a.list[a.nlist++].value = optarg;
			a.set[c] = true;
			continue;
		}
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
 * key: this must be the authority's data folder (a proposal needs only the registry). */
int
regcmd_open(struct regcmd_registry *r, const struct regcmd_args *a, bool sign)
{
	const char *dir = a->v[O_DATA], *propose = a->v[O_PROPOSE];
	char err[512];
	MDB_txn *txn;
	bool found;
	int rc;

	memset(r, 0, sizeof(*r));
	if (propose && !sign)
		return cli_err(EXIT_USAGE, "%s changes nothing: --propose has nothing to propose",
		               a->what);
	if (propose)
		sign = false;
	if (!(r->head = calloc(1, sizeof(*r->head))))
		return cli_err(EXIT_FAIL, "out of memory");
	if (facts_store_open(&r->s, dir, sign ? 0 : STORE_RDONLY, 0, err, sizeof(err)) != 0) {
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
	if (propose && rc == 0) {
		r->propose = propose;
		return EXIT_OK;
	}
	if (!sign && !propose)
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
	if (r->propose)
		return regcmd_propose(r, what, v, n, r->propose);
	return regcmd_commit(r, what, v, n, NULL, 0, NULL);
}

int
regcmd_next(struct regcmd_registry *r, const struct tlog_blob *v, size_t n,
            struct merkle_range *base, uint8_t root[32], char *text, size_t cap)
{
	struct tlog_batch b;
	struct merkle_range next;
	struct checkpoint cp = { .size = 0 };
	MDB_txn *txn;
	int rc;

	if ((rc = store_read_begin(&r->s, &txn)) != 0)
		return rc;
	rc = tlog_batch_begin(&b, &r->s, txn, r->auth.name);
	if (rc == 0) {
		*base = b.range;
		tlog_batch_end(&b);
	}
	mdb_txn_abort(txn);
	if (rc != 0)
		return rc;
	next = *base;
	for (size_t i = 0; i < n; i++) {
		uint8_t leaf[32];
		merkle_leaf_hash(v[i].data, v[i].len, leaf);
		if ((rc = merkle_range_append(&next, leaf, NULL, NULL)) != 0)
			return rc;
	}
	merkle_range_root(&next, root);
	snprintf(cp.origin, sizeof(cp.origin), "%s", r->auth.name);
	cp.size = next.size;
	memcpy(cp.root, root, 32);
	return checkpoint_format(&cp, text, cap) < 0 ? -EINVAL : 0;
}

struct commit_arg {
	struct regcmd_registry *r;
	const struct tlog_blob *v;
	size_t n;
	uint64_t base;
	const uint8_t *root;
	const struct witness_cosig *c;
	size_t nc;
	char err[1024];
};

static int
commit_txn(MDB_txn *txn, void *arg)
{
	struct commit_arg *a = arg;
	struct tlog_batch b;
	uint8_t root[32];
	int rc;

	if ((rc = tlog_batch_begin(&b, &a->r->s, txn, a->r->auth.name)) != 0)
		return rc;
	if (b.range.size != a->base) {
		snprintf(
		        a->err, sizeof(a->err),
		        "the registry moved on to size %llu while this change was checked: do it again",
		        (unsigned long long)b.range.size);
		rc = -ESTALE;
		goto done;
	}
	for (size_t i = 0; i < a->n; i++) {
		char why[512] = "";
		if ((rc = tlog_batch_add(&b, txn, a->v[i].data, a->v[i].len, true, why,
		                         sizeof(why)))) {
			if (rc == -EINVAL)
				snprintf(a->err, sizeof(a->err), "%s%s%s", a->n > 1 ? "entry " : "",
				         a->n > 1 ? "of the batch: " : "", why);
			goto done;
		}
	}
	tlog_batch_root(&b, root);
	if (memcmp(root, a->root, 32)) {
		snprintf(a->err, sizeof(a->err),
		         "the entries do not lead to the approved tree root");
		rc = -EINVAL;
		goto done;
	}
	if ((rc = tlog_batch_seal(&b, txn, &a->r->signer, a->r->head)) != 0)
		goto done;
	for (size_t i = 0; i < a->nc && rc == 0; i++)
		rc = witness_put(&a->r->s, txn, b.rec->id, b.range.size, a->c[i].name,
		                 a->c[i].timestamp, a->c[i].line, a->c[i].len);
done:
	tlog_batch_end(&b);
	return rc;
}

int
regcmd_commit(struct regcmd_registry *r, const char *what, const struct tlog_blob *v, size_t n,
              const struct witness_cosig *approvals, size_t na, const uint8_t want[32])
{
	struct commit_arg a = { .r = r, .v = v, .n = n };
	struct registry_gov *g = calloc(1, sizeof(*g));
	struct merkle_range *base = malloc(sizeof(*base));
	struct note *nt = malloc(sizeof(*nt));
	struct witness_cosig *cosigs = NULL;
	struct buf msg = BUF_INIT(NOTE_MAX_LEN);
	char text[NOTE_MAX_LEN], why[600];
	struct note_verifier vs[REGISTRY_GOV_MAX];
	uint8_t root[32];
	MDB_txn *txn;
	size_t nc = 0;
	int rc;

	if (!g || !base || !nt) {
		rc = cli_err(EXIT_FAIL, "out of memory");
		goto done;
	}
	if (n == 0 || n > TLOG_MAX_BATCH) {
		rc = cli_err(EXIT_INVALID, "%s: a batch holds 1 to %d entries", what,
		             TLOG_MAX_BATCH);
		goto done;
	}
	if ((rc = regcmd_next(r, v, n, base, root, text, sizeof(text))) != 0 ||
	    (rc = store_read_begin(&r->s, &txn)) != 0) {
		rc = cli_err(EXIT_FAIL, "cannot read the registry %s: %s", r->auth.name,
		             store_strerror(rc));
		goto done;
	}
	rc = registry_governance(&r->s, txn, g);
	mdb_txn_abort(txn);
	if (rc != 0) {
		rc = cli_err(EXIT_FAIL, "cannot read the registry's governance: %s",
		             store_strerror(rc));
		goto done;
	}
	if (want && memcmp(want, root, 32)) {
		rc = cli_err(EXIT_INVALID, "%s: the entries do not lead to the approved checkpoint",
		             what);
		goto done;
	}
	if (g->governed) {
		/* A governed registry: the approvals given, and this folder's key's own. */
		char line[WITNESS_LINE_MAX];
		buf_puts(&msg, text);
		buf_putc(&msg, '\n');
		for (size_t i = 0; i < na; i++)
			buf_put(&msg, approvals[i].line, approvals[i].len);
		for (size_t i = 0; i < g->n; i++) {
			struct note_signer me;
			if (memcmp(g->keys[i].log.pub, r->signer.v.pub, 32) ||
			    note_signer_from_pem(&me, g->keys[i].label, NOTE_ALG_COSIGNATURE_V1,
			                         r->head->key_file, why, sizeof(why)) != 0)
				continue;
			int ll = note_cosign_line(&me, text, strlen(text), (uint64_t)time(NULL),
			                          line, sizeof(line));
			note_signer_free(&me);
			if (ll > 0)
				buf_put(&msg, line, (size_t)ll);
		}
		for (size_t i = 0; i < g->n; i++)
			vs[i] = g->keys[i].cosig;
		size_t got = 0;
		if (msg.len > strlen(text) + 1) {
			if (!note_open(msg.data, msg.len, vs, g->n, nt, why, sizeof(why)) &&
			    strncmp(why, NOTE_ERR_NO_KNOWN_KEY,
			            sizeof(NOTE_ERR_NO_KNOWN_KEY) - 1)) {
				rc = cli_err(EXIT_VERIFY, "%s: an approval does not verify: %s",
				             what, why);
				goto done;
			}
			got = registry_gov_approvals(g, nt);
			cosigs = witness_cosigs(nt, &nc);
		}
		if (got < g->quorum) {
			rc = cli_err(
			        EXIT_INVALID,
			        "%s: the registry is governed %u of %zu and this change has %zu "
			        "approval%s: nothing appended. Prepare it with --propose FILE, have "
			        "other key holders sign it (remacto network sign), then submit it "
			        "(remacto network submit)",
			        what, g->quorum, g->n, got, got == 1 ? "" : "s");
			goto done;
		}
	}
	a.base = base->size;
	a.root = root;
	a.c = cosigs;
	a.nc = nc;
	rc = store_write(&r->s, commit_txn, &a);
	if (rc == -EINVAL || rc == -ESTALE) {
		rc = cli_err(EXIT_INVALID, "%s: %s; nothing appended", what, a.err);
		goto done;
	}
	if (rc != 0) {
		rc = cli_err(EXIT_FAIL, "append to %s failed, nothing stored: %s%s%s", r->auth.name,
		             a.err[0] ? a.err : "", a.err[0] ? ": " : "", store_strerror(rc));
		goto done;
	}
	printf("%" PRIu64 "\n", r->head->size);
	rc = fflush(stdout) == 0 ? EXIT_OK : cli_err(EXIT_FAIL, "cannot write to stdout");
done:
	buf_free(&msg);
	free(cosigs);
	free(nt);
	free(base);
	free(g);
	return rc;
}

/* Packs one entry and appends it to the registry of a->v[O_DATA]. */
int
regcmd_append_one(const struct regcmd_args *a, Remacto__V1__Entry *e)
{
	struct regcmd_registry r;
	int rc = regcmd_open(&r, a, true);
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
