/*
 * remacto proof verify — checks a C2SP tlog-proof file offline, against a C2SP tlog-policy
 * (the network's, from GET /api/v1/policy or `remacto network policy`), and prints each step:
 *   1. the policy and the proof parse;
 *   2. the checkpoint is signed by a log of the policy named as its origin, and every line of
 *      a key the policy knows verifies (a known key whose line does not verify is a forgery);
 *   3. the witnesses' cosignatures meet the policy's quorum (a cosignature made with the log's
 *      own key does not count: a member does not witness its own log);
 *   4. the entry's bytes (--entry FILE, else the proof's extra line) hash to a leaf that the
 *      inclusion proof folds up to the checkpoint's root.
 * Exit 0 when everything holds, 4 (EXIT_VERIFY) when something does not, 2 on usage.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "core/entry.h"
#include "core/hex.h"
#include "core/merkle.h"
#include "core/tlogproof.h"
#include "core/tpolicy.h"

static const char usage[] =
        "usage: remacto proof verify --policy POLICY [--entry FILE] PROOF\n"
        "  Verifies the c2sp.org/tlog-proof file PROOF (\"-\": standard input) offline against\n"
        "  the c2sp.org/tlog-policy file POLICY: the log's signature on the checkpoint, the\n"
        "  witnesses' quorum, and the inclusion of the entry's bytes (the exact protobuf\n"
        "  bytes, from --entry FILE or else the proof's extra line). Prints what it checked.\n"
        "  Get the policy from any node (GET /api/v1/policy, or remacto network policy) and a\n"
        "  proof from GET /api/v1/logs/<slug>/tlog-proof?index=I (the dashboard's \"Download\n"
        "  proof\"). Exit codes: 0 verified, 4 not verified, 2 usage, 1 a file cannot be read.\n";

static void
when(uint64_t t, char *out, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t > (uint64_t)INT32_MAX * 64 || !gmtime_r(&tt, &tm) ||
	    !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "%" PRIu64, t);
}

/* "not ok - <why>" and the verdict; EXIT_VERIFY. */
static int __attribute__((format(printf, 1, 2))) refuse(const char *fmt, ...)
{
	va_list ap;
	printf("not ok - ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nNOT VERIFIED\n");
	fflush(stdout);
	return EXIT_VERIFY;
}

/* Steps 2 and 3: prints what each signature line is. */
static void
print_sigs(const struct tpolicy *pol, const struct tpolicy_verdict *v)
{
	char t[32];
	for (size_t i = 0; i < v->nsigs; i++) {
		const struct tpolicy_sig *s = &v->sigs[i];
		if (s->kind == TPOLICY_SIG_LOG)
			printf("ok - signature of the log %s+%08" PRIx32 "%s\n", s->name, s->key_id,
			       s->index == v->log ? "" : " (another log of the policy)");
		else if (s->kind == TPOLICY_SIG_WITNESS && s->not_counted) {
			when(s->time, t, sizeof(t));
			printf("-  - cosignature of %s at %s: made with the log's own key, not "
			       "counted\n",
			       pol->witnesses[s->index].name, t);
		} else if (s->kind == TPOLICY_SIG_WITNESS) {
			when(s->time, t, sizeof(t));
			printf("ok - cosignature of witness %s at %s\n",
			       pol->witnesses[s->index].name, t);
		} else
			printf("-  - signature line of %s+%08" PRIx32
			       ": a key the policy does not know, ignored\n",
			       s->name, s->key_id);
	}
}

static int
verify(const char *policy_file, const char *entry_file, const char *proof_file)
{
	struct tpolicy pol = { 0 };
	struct tlogproof pr = { 0 };
	struct tpolicy_verdict *v = NULL;
	char *ptext = NULL, *prtext = NULL, *etext = NULL, err[600], hx[65], kind[64];
	size_t plen, prlen, elen = 0;
	const uint8_t *entry;
	uint8_t leaf[32];
	int rc;

	if ((rc = cli_read_file("policy", policy_file, TPOLICY_MAX_LEN, &ptext, &plen)) ||
	    (rc = cli_read_file("proof", proof_file, TLOGPROOF_MAX_LEN, &prtext, &prlen)) ||
	    (entry_file && (rc = cli_read_file("entry", entry_file, ENTRY_MAX_LEN, &etext, &elen))))
		goto done;
	if (!(v = malloc(sizeof(*v)))) {
		rc = cli_err(EXIT_FAIL, "out of memory");
		goto done;
	}
	if (!tpolicy_parse(ptext, plen, &pol, err, sizeof(err))) {
		rc = refuse("the policy %s: %s", policy_file, err);
		goto done;
	}
	printf("ok - policy %s: %zu log%s, %zu witness%s, %zu group%s, quorum %s\n", policy_file,
	       pol.nlogs, pol.nlogs == 1 ? "" : "s", pol.nwitnesses,
	       pol.nwitnesses == 1 ? "" : "es", pol.ngroups, pol.ngroups == 1 ? "" : "s",
	       pol.quorum == TPOLICY_NONE    ? "none"
	       : pol.nodes[pol.quorum].group ? pol.groups[pol.nodes[pol.quorum].index].name
	                                     : pol.witnesses[pol.nodes[pol.quorum].index].name);
	if (!tlogproof_parse(prtext, prlen, &pr, err, sizeof(err))) {
		rc = refuse("the proof %s: %s", proof_file, err);
		goto done;
	}
	printf("ok - proof %s: entry %" PRIu64 ", %zu proof hash%s%s\n", proof_file, pr.index,
	       pr.nproof, pr.nproof == 1 ? "" : "es",
	       pr.has_extra ? ", the entry's bytes on the extra line" : "");
	if (!tpolicy_check(&pol, pr.note, pr.note_len, TPOLICY_NO_SELF_WITNESS, v, err,
	                   sizeof(err))) {
		rc = refuse("the checkpoint: %s", err);
		goto done;
	}
	printf("ok - checkpoint of %s, %" PRIu64 " entries\n", v->origin, v->size);
	print_sigs(&pol, v);
	if (!v->quorum) {
		rc = refuse("witness quorum: %zu counted cosignature%s do%s not meet the policy's "
		            "quorum",
		            v->cosigned, v->cosigned == 1 ? "" : "s", v->cosigned == 1 ? "es" : "");
		goto done;
	}
	printf("ok - witness quorum met (%zu witness%s cosigned)\n", v->cosigned,
	       v->cosigned == 1 ? "" : "es");
	if (etext) {
		entry = (const uint8_t *)etext;
		if (pr.has_extra && (pr.extra_len != elen || memcmp(pr.extra, etext, elen)))
			printf("-  - the proof's extra line is not the bytes of --entry: ignored\n");
	} else if (pr.has_extra) {
		entry = pr.extra, elen = pr.extra_len;
	} else {
		rc = refuse("no entry bytes: the proof has no extra line; give the entry with "
		            "--entry FILE");
		goto done;
	}
	merkle_leaf_hash(entry, elen, leaf);
	hex_encode(leaf, 32, hx);
	Remacto__V1__Entry *e = elen ? remacto__v1__entry__unpack(NULL, elen, entry) : NULL;
	if (e) {
		entry_kind_name(e, kind, sizeof(kind));
		remacto__v1__entry__free_unpacked(e, NULL);
	}
	printf("ok - entry: %zu bytes (%s%s), leaf hash %.16s…\n", elen, e ? "a " : "",
	       e ? kind : "not a REMACTO entry", hx);
	if (pr.index >= v->size ||
	    !merkle_verify_inclusion(leaf, pr.index, v->size, (const uint8_t(*)[32])pr.proof,
	                             pr.nproof, v->root)) {
		rc = refuse("inclusion: the proof does not lead from entry %" PRIu64
		            " to the checkpoint's root (wrong index, proof or entry)",
		            pr.index);
		goto done;
	}
	printf("ok - inclusion: entry %" PRIu64 " is in the tree of %" PRIu64
	       " entries the checkpoint signs\nVERIFIED\n",
	       pr.index, v->size);
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
done:
	tpolicy_free(&pol);
	tlogproof_free(&pr);
	free(v);
	free(ptext);
	free(prtext);
	free(etext);
	return rc;
}

int
cmd_proof(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "entry", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *policy = NULL, *entry = NULL;
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "verify")) {
		fputs(usage, stderr);
		return cli_err(EXIT_USAGE, "unknown proof action '%s'", argv[1]);
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'p')
			policy = optarg;
		else if (c == 'e')
			entry = optarg;
		else
			return cli_usage(usage, c == 'h');
	}
	if (!policy || optind != argc - 1) {
		fputs(usage, stderr);
		return cli_err(EXIT_USAGE, "%s",
		               !policy ? "--policy POLICY is required" : "give one PROOF file");
	}
	return verify(policy, entry, argv[optind]);
}
