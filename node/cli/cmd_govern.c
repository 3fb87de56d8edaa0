/*
 * remacto network govern | sign | submit | governance — the registry's governance
 * (docs/PROTOCOL.md §8): the keys of which K must approve every registry checkpoint, changed
 * by a GovernancePolicy entry that K of them approve, and the offline round that collects the
 * approvals of a change: prepare it (any registry command with --propose FILE), each key
 * holder signs the file on their own machine (network sign), the authority's data folder
 * submits it (network submit). The keys never meet.
 *
 * A proposal file is text:
 *   remacto-proposal/v1
 *   what <the command that prepared it>
 *   entry <base64 of the entry's bytes>          (one line per entry, in order)
 *   <empty line>
 *   <the registry checkpoint the entries lead to: origin, size, root>
 *   <empty line>
 *   <one approval per line: a tlog-cosignature line "— LABEL base64">
 * Nothing in it is trusted: submit checks every approval against the registry's governance and
 * that the entries lead to the checkpoint from the registry as it is.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "core/b64.h"
#include "core/buf.h"
#include "core/entry.h"
#include "core/pbjson.h"
#include "peers/registry.h"
#include "regcmd.h"

#define PROPOSAL_MAGIC "remacto-proposal/v1\n"
#define PROPOSAL_MAX (8u << 20) /* bytes of a proposal file */
#define PROPOSAL_MAX_ENTRIES 4096
#define PROPOSAL_MAX_APPROVALS REGISTRY_GOV_MAX

struct proposal {
	char what[64];
	struct tlog_blob *v;
	size_t n;
	char text[NOTE_MAX_LEN]; /* the checkpoint text, with its final newline */
	size_t tl;
	struct witness_cosig ap[PROPOSAL_MAX_APPROVALS];
	size_t nap;
};

static void
proposal_free(struct proposal *p)
{
	for (size_t i = 0; p->v && i < p->n; i++)
		free((void *)p->v[i].data);
	free(p->v);
	free(p);
}

/* ---- writing ---- */

static int
write_atomic(const char *path, const struct buf *b)
{
	char tmp[4200];
	FILE *f;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return cli_err(EXIT_USAGE, "%s: path too long", path);
	if (!(f = fopen(tmp, "w")))
		return cli_err(EXIT_FAIL, "cannot write %s: %s", tmp, strerror(errno));
	bool ok = fwrite(b->data, 1, b->len, f) == b->len;
	ok = (fflush(f) == 0) && ok && fsync(fileno(f)) == 0;
	if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return cli_err(EXIT_FAIL, "cannot write %s: %s", path, strerror(e));
	}
	return EXIT_OK;
}

static int
proposal_write(const char *path, const char *what, const struct tlog_blob *v, size_t n,
               const char *text, const struct witness_cosig *ap, size_t nap)
{
	struct buf b = BUF_INIT(PROPOSAL_MAX);
	char *enc = malloc(ENTRY_MAX_LEN * 4 / 3 + 8);
	int rc;

	if (!enc)
		return cli_err(EXIT_FAIL, "out of memory");
	buf_puts(&b, PROPOSAL_MAGIC);
	buf_printf(&b, "what %s\n", what);
	for (size_t i = 0; i < n; i++) {
		if (b64_encode(v[i].data, v[i].len, enc, ENTRY_MAX_LEN * 4 / 3 + 8) < 0) {
			free(enc);
			buf_free(&b);
			return cli_err(EXIT_FAIL, "entry %zu cannot be encoded", i + 1);
		}
		buf_printf(&b, "entry %s\n", enc);
	}
	free(enc);
	buf_printf(&b, "\n%s\n", text);
	for (size_t i = 0; i < nap; i++)
		buf_put(&b, ap[i].line, ap[i].len);
	if (b.err) {
		buf_free(&b);
		return cli_err(EXIT_INVALID,
		               "the proposal would be more than %u bytes: split the "
		               "change",
		               PROPOSAL_MAX);
	}
	rc = write_atomic(path, &b);
	buf_free(&b);
	return rc;
}

int
regcmd_propose(struct regcmd_registry *r, const char *what, const struct tlog_blob *v, size_t n,
               const char *path)
{
	struct merkle_range *base = malloc(sizeof(*base));
	char text[NOTE_MAX_LEN];
	uint8_t root[32];
	int rc;

	if (!base)
		return cli_err(EXIT_FAIL, "out of memory");
	if (n > PROPOSAL_MAX_ENTRIES) {
		free(base);
		return cli_err(EXIT_INVALID, "%s: a proposal holds at most %d entries", what,
		               PROPOSAL_MAX_ENTRIES);
	}
	rc = regcmd_next(r, v, n, base, root, text, sizeof(text));
	free(base);
	if (rc != 0)
		return cli_err(EXIT_FAIL, "cannot read the registry %s: %s", r->auth.name,
		               store_strerror(rc));
	if ((rc = proposal_write(path, what, v, n, text, NULL, 0)) != EXIT_OK)
		return rc;
	fprintf(stderr,
	        "remacto: %s: proposed in %s (%zu entr%s, registry size %" PRIu64
	        " then). Each governance key holder approves it with `remacto network sign "
	        "--file %s --key KEYFILE --label LABEL`; then `remacto network submit --data DIR "
	        "--file %s` on the authority's data folder\n",
	        what, path, n, n == 1 ? "y" : "ies", r->head->size, path, path);
	return EXIT_OK;
}

/* ---- reading ---- */

/* The next line of s[*pos..len) (without its newline) or NULL at the end; lines must end in
 * a newline. */
static char *
next_line(char *s, size_t len, size_t *pos, size_t *ll)
{
	if (*pos >= len)
		return NULL;
	char *l = s + *pos, *nl = memchr(l, '\n', len - *pos);
	if (!nl)
		return NULL;
	*ll = (size_t)(nl - l);
	*nl = '\0';
	*pos += *ll + 1;
	return l;
}

static int
bad(const char *path, const char *what)
{
	return cli_err(EXIT_INVALID,
	               "%s is not a registry proposal: %s (prepare one with a "
	               "registry command and --propose FILE)",
	               path, what);
}

static int
proposal_read(const char *path, struct proposal **out)
{
	struct proposal *p = calloc(1, sizeof(*p));
	char *s = NULL, *l;
	size_t len = 0, pos, ll;
	FILE *f = NULL;
	int rc;

	*out = NULL;
	if (!p || !(s = malloc(PROPOSAL_MAX + 1))) {
		rc = cli_err(EXIT_FAIL, "out of memory");
		goto fail;
	}
	if (!(f = fopen(path, "r"))) {
		rc = cli_err(EXIT_FAIL, "cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	len = fread(s, 1, PROPOSAL_MAX + 1, f);
	if (ferror(f)) {
		rc = cli_err(EXIT_FAIL, "cannot read %s: %s", path, strerror(errno));
		goto fail;
	}
	if (len > PROPOSAL_MAX) {
		rc = bad(path, "more than 8 MiB");
		goto fail;
	}
	if (memchr(s, '\0', len)) {
		rc = bad(path, "it holds a NUL byte");
		goto fail;
	}
	if (len < sizeof(PROPOSAL_MAGIC) - 1 ||
	    memcmp(s, PROPOSAL_MAGIC, sizeof(PROPOSAL_MAGIC) - 1) != 0) {
		rc = bad(path, "its first line is not " PROPOSAL_MAGIC);
		goto fail;
	}
	pos = sizeof(PROPOSAL_MAGIC) - 1;
	if (!(l = next_line(s, len, &pos, &ll)) || strncmp(l, "what ", 5) ||
	    ll - 5 >= sizeof(p->what)) {
		rc = bad(path, "no 'what' line");
		goto fail;
	}
	memcpy(p->what, l + 5, ll - 5);
	if (!(p->v = calloc(PROPOSAL_MAX_ENTRIES, sizeof(*p->v)))) {
		rc = cli_err(EXIT_FAIL, "out of memory");
		goto fail;
	}
	while ((l = next_line(s, len, &pos, &ll)) && ll > 0) {
		uint8_t *e = malloc(ENTRY_MAX_LEN);
		size_t el;
		if (!e || strncmp(l, "entry ", 6) || p->n == PROPOSAL_MAX_ENTRIES ||
		    !b64_decode(l + 6, ll - 6, e, ENTRY_MAX_LEN, &el) || el == 0) {
			free(e);
			rc = bad(path, "an entry line is not 'entry BASE64' of at most 64 KiB");
			goto fail;
		}
		p->v[p->n].data = e;
		p->v[p->n++].len = el;
	}
	if (!l || p->n == 0) {
		rc = bad(path, "no entries, or no checkpoint after them");
		goto fail;
	}
	size_t start = pos;
	while ((l = next_line(s, len, &pos, &ll)) && ll > 0)
		;
	if (!l || pos - 1 - start >= sizeof(p->text)) {
		rc = bad(path, "no checkpoint, or no empty line after it");
		goto fail;
	}
	/* The lines were cut at their newlines: put them back. */
	p->tl = pos - 1 - start;
	memcpy(p->text, s + start, p->tl);
	for (size_t i = 0; i < p->tl; i++)
		if (p->text[i] == '\0')
			p->text[i] = '\n';
	struct checkpoint cp;
	char why[200];
	if (!checkpoint_parse(p->text, p->tl, &cp, why, sizeof(why))) {
		rc = bad(path, why);
		goto fail;
	}
	while ((l = next_line(s, len, &pos, &ll))) {
		static const char dash[] = "\xe2\x80\x94 ";
		char *sp;
		if (p->nap == PROPOSAL_MAX_APPROVALS || ll + 1 >= WITNESS_LINE_MAX ||
		    strncmp(l, dash, 4) || !(sp = memchr(l + 4, ' ', ll - 4)) ||
		    (size_t)(sp - l - 4) > NOTE_NAME_MAX) {
			rc = bad(path, "an approval line is not '— LABEL BASE64'");
			goto fail;
		}
		struct witness_cosig *c = &p->ap[p->nap++];
		memcpy(c->name, l + 4, (size_t)(sp - l - 4));
		memcpy(c->line, l, ll);
		c->line[ll] = '\n';
		c->len = ll + 1;
	}
	if (pos != len) {
		rc = bad(path, "its last line has no newline");
		goto fail;
	}
	fclose(f);
	free(s);
	*out = p;
	return EXIT_OK;
fail:
	if (f)
		fclose(f);
	free(s);
	if (p)
		proposal_free(p);
	return rc;
}

/* What the key holder approves, on stderr: each entry as JSON, then the checkpoint. An exit
 * code: an entry that no node would take is not approved. */
static int
show(const struct proposal *p)
{
	int rc = EXIT_OK;
	fprintf(stderr, "remacto: the proposal '%s': %zu entr%s\n", p->what, p->n,
	        p->n == 1 ? "y" : "ies");
	for (size_t i = 0; i < p->n; i++) {
		char err[300];
		Remacto__V1__Entry *e = entry_decode(p->v[i].data, p->v[i].len, err, sizeof(err));
		json_t *j = e ? pbjson_encode(&e->base) : NULL;
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		fprintf(stderr, "  %zu: %s\n", i + 1, s ? s : err);
		if (!e)
			rc = cli_err(EXIT_INVALID, "entry %zu is not valid (%s): not signed", i + 1,
			             err);
		free(s);
		json_decref(j);
		if (e)
			remacto__v1__entry__free_unpacked(e, NULL);
	}
	fprintf(stderr, "  leading to the registry checkpoint:\n");
	for (size_t i = 0, start = 0; i < p->tl; i++)
		if (p->text[i] == '\n') {
			fprintf(stderr, "    %.*s\n", (int)(i - start), p->text + start);
			start = i + 1;
		}
	return rc;
}

/* ---- the commands ---- */

static int
network_sign(const struct regcmd_args *a)
{
	struct proposal *p = NULL;
	struct note_signer me = { 0 };
	struct registry_gov *g = NULL;
	char err[600], line[WITNESS_LINE_MAX];
	const char *label = a->v[O_LABEL];
	int rc, ll;

	if (a->set[O_PROPOSE])
		return cli_err(EXIT_USAGE, "%s takes no --propose: it signs one", a->what);
	if (!note_name_valid(label) || strchr(label, '/'))
		return cli_err(EXIT_USAGE, "--label %s: not a governance key's label", label);
	if ((rc = proposal_read(a->v[O_FILE], &p)) != EXIT_OK)
		return rc;
	if (note_signer_from_pem(&me, label, NOTE_ALG_COSIGNATURE_V1, a->v[O_KEY], err,
	                         sizeof(err)) != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
		goto done;
	}
	if (a->v[O_DATA]) {
		/* Checked against the registry this machine holds: the entries lead to the
		 * checkpoint from it as it is, and the key is the governance's for label. */
		struct regcmd_registry r;
		struct regcmd_args ro = { .what = a->what };
		struct merkle_range *base = malloc(sizeof(*base));
		char text[NOTE_MAX_LEN];
		uint8_t root[32];
		MDB_txn *txn;
		ro.v[O_DATA] = a->v[O_DATA];
		if (!base || !(g = calloc(1, sizeof(*g)))) {
			free(base);
			rc = cli_err(EXIT_FAIL, "out of memory");
			goto done;
		}
		if ((rc = regcmd_open(&r, &ro, false)) != EXIT_OK) {
			free(base);
			goto done;
		}
		rc = regcmd_next(&r, p->v, p->n, base, root, text, sizeof(text));
		if (rc == 0 && (rc = store_read_begin(&r.s, &txn)) == 0) {
			rc = registry_governance(&r.s, txn, g);
			mdb_txn_abort(txn);
		}
		uint64_t size = base->size;
		free(base);
		regcmd_close(&r);
		if (rc != 0) {
			rc = cli_err(EXIT_FAIL, "cannot read the registry of %s: %s", a->v[O_DATA],
			             store_strerror(rc));
			goto done;
		}
		if (strlen(text) != p->tl || memcmp(text, p->text, p->tl)) {
			rc = cli_err(
			        EXIT_VERIFY,
			        "%s: its entries do not lead from the registry of %s (size %" PRIu64
			        ") to the checkpoint it carries: not signed",
			        a->v[O_FILE], a->v[O_DATA], size);
			goto done;
		}
		size_t i = 0;
		while (i < g->n && strcmp(g->keys[i].label, label))
			i++;
		if (i == g->n || memcmp(g->keys[i].cosig.pub, me.v.pub, 32)) {
			rc = cli_err(
			        EXIT_INVALID,
			        "%s: the registry of %s has no governance key %s of this key file "
			        "(remacto network governance --data %s lists them): not signed",
			        a->v[O_KEY], a->v[O_DATA], label, a->v[O_DATA]);
			goto done;
		}
	} else {
		fprintf(stderr, "remacto: without --data, the proposal was not checked against the "
		                "registry: approve only what you read below\n");
	}
	if ((rc = show(p)) != EXIT_OK)
		goto done;
	if ((ll = note_cosign_line(&me, p->text, p->tl, (uint64_t)time(NULL), line, sizeof(line))) <
	    0) {
		rc = cli_err(EXIT_FAIL, "cannot sign %s", a->v[O_FILE]);
		goto done;
	}
	/* One approval per label: signing again replaces it. */
	size_t k = 0;
	while (k < p->nap && strcmp(p->ap[k].name, label))
		k++;
	if (k == PROPOSAL_MAX_APPROVALS) {
		rc = cli_err(EXIT_INVALID, "%s: too many approvals", a->v[O_FILE]);
		goto done;
	}
	snprintf(p->ap[k].name, sizeof(p->ap[k].name), "%s", label);
	memcpy(p->ap[k].line, line, (size_t)ll);
	p->ap[k].len = (size_t)ll;
	if (k == p->nap)
		p->nap++;
	if ((rc = proposal_write(a->v[O_FILE], p->what, p->v, p->n, p->text, p->ap, p->nap)) ==
	    EXIT_OK) {
		fprintf(stderr, "remacto: approved as %s; %s now carries %zu approval%s\n", label,
		        a->v[O_FILE], p->nap, p->nap == 1 ? "" : "s");
		fwrite(line, 1, (size_t)ll, stdout);
		rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
done:
	note_signer_free(&me);
	free(g);
	proposal_free(p);
	return rc;
}

static int
network_submit(const struct regcmd_args *a)
{
	struct regcmd_registry r;
	struct proposal *p = NULL;
	struct checkpoint cp;
	char why[200], what[128];
	int rc;

	if (a->set[O_PROPOSE])
		return cli_err(EXIT_USAGE, "%s takes no --propose: it submits one", a->what);
	if ((rc = proposal_read(a->v[O_FILE], &p)) != EXIT_OK)
		return rc;
	if (!checkpoint_parse(p->text, p->tl, &cp, why, sizeof(why))) {
		rc = bad(a->v[O_FILE], why);
		goto done;
	}
	snprintf(what, sizeof(what), "%s (%s)", a->what, p->what);
	if ((rc = regcmd_open(&r, a, true)) == EXIT_OK) {
		if (strcmp(cp.origin, r.auth.name))
			rc = cli_err(EXIT_INVALID, "%s is a proposal for the registry %s, not %s",
			             a->v[O_FILE], cp.origin, r.auth.name);
		else
			rc = regcmd_commit(&r, what, p->v, p->n, p->ap, p->nap, cp.root);
		regcmd_close(&r);
	}
done:
	proposal_free(p);
	return rc;
}

/* The verifier key string of v. */
static void
vkey_of(const struct note_verifier *v, char out[NOTE_VKEY_MAX + 1])
{
	if (note_verifier_format(v, out, NOTE_VKEY_MAX + 1) < 0)
		out[0] = '\0';
}

static int
find_label(const char (*labels)[64], size_t n, const char *label)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(labels[i], label))
			return (int)i;
	return -1;
}

static int
network_govern(const struct regcmd_args *a)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__GovernancePolicy gp = REMACTO__V1__GOVERNANCE_POLICY__INIT;
	Remacto__V1__GovernanceKey keys[REGISTRY_GOV_MAX], *kp[REGISTRY_GOV_MAX];
	struct regcmd_registry r;
	struct registry_gov *g = calloc(1, sizeof(*g));
	char(*labels)[64] = calloc(REGISTRY_GOV_MAX, 64);
	char(*vkeys)[NOTE_VKEY_MAX + 1] = calloc(REGISTRY_GOV_MAX, NOTE_VKEY_MAX + 1);
	char today[16], published[32], date[16], err[600];
	struct tlog_blob b = { 0 };
	bool opened = false;
	size_t n = 0;
	uint64_t quorum = 0;
	MDB_txn *txn;
	int rc;

	if (!g || !labels || !vkeys) {
		rc = cli_err(EXIT_FAIL, "out of memory");
		goto done;
	}
	if (!a->nlist && !a->set[O_QUORUM]) {
		rc = cli_err(EXIT_USAGE,
		             "%s: nothing to change: give --add, --retire, --rotate or "
		             "--quorum (see remacto network govern --help)",
		             a->what);
		goto done;
	}
	if (a->set[O_QUORUM] && !cli_u64("--quorum", a->v[O_QUORUM], &quorum)) {
		rc = EXIT_USAGE;
		goto done;
	}
	if ((rc = regcmd_open(&r, a, true)) != EXIT_OK)
		goto done;
	opened = true;
	if ((rc = store_read_begin(&r.s, &txn)) == 0) {
		rc = registry_governance(&r.s, txn, g);
		mdb_txn_abort(txn);
	}
	if (rc != 0) {
		rc = cli_err(EXIT_FAIL, "cannot read the registry's governance: %s",
		             store_strerror(rc));
		goto done;
	}
	for (size_t i = 0; i < g->n; i++) {
		snprintf(labels[n], 64, "%s", g->keys[i].label);
		vkey_of(&g->keys[i].log, vkeys[n++]);
	}
	for (size_t i = 0; i < a->nlist; i++) {
		const char *v = a->list[i].value, *eq = strchr(v, '=');
		int opt = a->list[i].opt, at;
		char label[64];
		size_t ll = eq ? (size_t)(eq - v) : strlen(v);
		if (ll == 0 || ll >= sizeof(label) || (opt != O_RETIRE) != (eq != NULL)) {
			rc = cli_err(EXIT_USAGE, "--%s %s: want %s", regcmd_opt_name(opt), v,
			             opt == O_RETIRE ? "LABEL" : "LABEL=VERIFIER_KEY");
			goto done;
		}
		memcpy(label, v, ll);
		label[ll] = '\0';
		at = find_label((const char(*)[64])labels, n, label);
		if (opt == O_ADD && at >= 0) {
			rc = cli_err(EXIT_USAGE,
			             "--add %s: the registry already has a key %s (--rotate "
			             "replaces it)",
			             label, label);
			goto done;
		}
		if (opt != O_ADD && at < 0) {
			rc = cli_err(EXIT_USAGE, "--%s %s: the registry has no governance key %s",
			             regcmd_opt_name(opt), label, label);
			goto done;
		}
		if (opt != O_ADD) {
			struct note_verifier old;
			char w[160];
			if (note_verifier_parse(vkeys[at], &old, w, sizeof(w)) &&
			    !memcmp(old.pub, r.auth.pub, 32)) {
				rc = cli_err(
				        EXIT_USAGE,
				        "--%s %s: the registry's data folder signs its checkpoints "
				        "with this key (the network's [authority] verifier_key): it "
				        "stays a governance key",
				        regcmd_opt_name(opt), label);
				goto done;
			}
		}
		if (opt == O_RETIRE) {
			memmove(labels[at], labels[at + 1], (n - (size_t)at - 1) * 64);
			memmove(vkeys[at], vkeys[at + 1], (n - (size_t)at - 1) * sizeof(vkeys[0]));
			n--;
			continue;
		}
		if (strlen(eq + 1) > NOTE_VKEY_MAX) {
			rc = cli_err(EXIT_USAGE, "--%s %s: verifier key too long",
			             regcmd_opt_name(opt), label);
			goto done;
		}
		if (opt == O_ADD) {
			if (n == REGISTRY_GOV_MAX) {
				rc = cli_err(EXIT_USAGE, "at most %d governance keys",
				             REGISTRY_GOV_MAX);
				goto done;
			}
			at = (int)n++;
			snprintf(labels[at], 64, "%s", label);
		}
		snprintf(vkeys[at], NOTE_VKEY_MAX + 1, "%s", eq + 1);
	}
	if (!a->set[O_QUORUM])
		quorum = g->quorum ? g->quorum : 1;
	if (quorum == 0 || quorum > n) {
		rc = cli_err(EXIT_USAGE, "--quorum %" PRIu64 ": 1 to the number of keys (%zu)",
		             quorum, n);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		keys[i] = (Remacto__V1__GovernanceKey)REMACTO__V1__GOVERNANCE_KEY__INIT;
		keys[i].label = labels[i];
		keys[i].verifier_key = vkeys[i];
		kp[i] = &keys[i];
	}
	gp.keys = kp;
	gp.n_keys = n;
	gp.quorum = (uint32_t)quorum;
	gp.date = regcmd_date(a, today);
	e.kind_case = REMACTO__V1__ENTRY__KIND_GOVERNANCE_POLICY;
	e.governance_policy = &gp;
	regcmd_now(published, date);
	if (regcmd_pack(&e, published, &b, err, sizeof(err)) != 0) {
		rc = cli_err(EXIT_INVALID, "%s: %s; nothing appended", a->what, err);
		goto done;
	}
	rc = regcmd_append(&r, a->what, &b, 1);
done:
	if (opened)
		regcmd_close(&r);
	free((void *)b.data);
	free(vkeys);
	free(labels);
	free(g);
	return rc;
}

static int
network_governance(const struct regcmd_args *a)
{
	struct regcmd_registry r;
	struct registry_gov *g = calloc(1, sizeof(*g));
	struct buf out = BUF_INIT(0);
	MDB_txn *txn;
	int rc;

	if (!g)
		return cli_err(EXIT_FAIL, "out of memory");
	if ((rc = regcmd_open(&r, a, false)) != EXIT_OK) {
		free(g);
		return rc;
	}
	if ((rc = store_read_begin(&r.s, &txn)) == 0) {
		rc = registry_governance(&r.s, txn, g);
		mdb_txn_abort(txn);
	}
	regcmd_close(&r);
	if (rc != 0)
		rc = cli_err(EXIT_FAIL, "cannot read the registry's governance: %s",
		             store_strerror(rc));
	else if (registry_gov_policy(g, &out) != 0 || out.err)
		rc = cli_err(EXIT_FAIL, "out of memory");
	else {
		fwrite(out.data, 1, out.len, stdout);
		rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	buf_free(&out);
	free(g);
	return rc;
}

const char govern_usage[] =
        "usage: remacto network govern --data DIR [--add LABEL=VERIFIER_KEY]...\n"
        "         [--rotate LABEL=VERIFIER_KEY]... [--retire LABEL]... [--quorum K]\n"
        "         [--date YYYY-MM-DD] [--propose FILE]\n"
        "  Changes the registry's governance: the keys of which K must approve every\n"
        "  registry checkpoint (docs/PROTOCOL.md §8). A key is an Ed25519 key named as the\n"
        "  registry (remacto keygen --origin remacto.ma/registry), LABEL the name of its\n"
        "  approvals (a-z 0-9 . -). Before any change the network authority's key, labelled\n"
        "  authority, governs alone; it stays a governance key. Prints the registry's new size.\n"
        "  A governed registry takes this change, like any other, only with K approvals: the\n"
        "  key of DIR gives its own; with --propose FILE nothing is appended and FILE holds the\n"
        "  change for the other key holders (remacto network sign, remacto network submit).\n";

const char sign_usage[] =
        "usage: remacto network sign --file PROPOSAL --key KEYFILE --label LABEL [--data DIR]\n"
        "  Approves a registry change prepared with --propose: prints what it holds, adds\n"
        "  the approval of the governance key LABEL (KEYFILE, PKCS#8 PEM) to the file PROPOSAL\n"
        "  and prints it. With --data, first checks against the registry that data folder\n"
        "  holds that the entries lead to the checkpoint and that KEYFILE is its key LABEL.\n"
        "  Signing again as LABEL replaces the approval. Exit 4: the check failed.\n";

const char submit_usage[] =
        "usage: remacto network submit --data DIR --file PROPOSAL\n"
        "  Appends a registry change prepared with --propose to the registry log of the\n"
        "  authority's data folder DIR, with the approvals PROPOSAL carries and the key of\n"
        "  DIR's own; prints the registry's new size. Refused, nothing appended, when fewer\n"
        "  than the quorum of governance keys approve it (exit 3), an approval does not verify\n"
        "  (exit 4), or the registry moved on since the proposal (prepare it again).\n";

const char governance_usage[] =
        "usage: remacto network governance --data DIR\n"
        "  Prints the registry's governance as a c2sp.org/tlog-policy for the registry log:\n"
        "  its keys (log lines), their approvals (witness lines, named by label) and the\n"
        "  quorum; quorum none before any governance change (the authority's key alone).\n";

const struct regcmd_action govern_actions[4] = {
	{ "govern", network_govern,
	  OPT_BIT(O_DATA) | OPT_BIT(O_ADD) | OPT_BIT(O_ROTATE) | OPT_BIT(O_RETIRE) |
	          OPT_BIT(O_QUORUM) | OPT_BIT(O_DATE),
	  OPT_BIT(O_DATA), govern_usage },
	{ "sign", network_sign,
	  OPT_BIT(O_FILE) | OPT_BIT(O_KEY) | OPT_BIT(O_LABEL) | OPT_BIT(O_DATA),
	  OPT_BIT(O_FILE) | OPT_BIT(O_KEY) | OPT_BIT(O_LABEL), sign_usage },
	{ "submit", network_submit, OPT_BIT(O_DATA) | OPT_BIT(O_FILE),
	  OPT_BIT(O_DATA) | OPT_BIT(O_FILE), submit_usage },
	{ "governance", network_governance, OPT_BIT(O_DATA), OPT_BIT(O_DATA), governance_usage },
};
