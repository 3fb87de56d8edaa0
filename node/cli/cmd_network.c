/*
 * remacto network init — creates the network authority's registry log in its data folder and
 * prints the authority's verifier key, the one trust anchor of every node.
 * remacto network policy — prints the network's trust policy (c2sp.org/tlog-policy) as a node
 * serves it (GET /api/v1/policy) or as a data folder's registry defines it (peers/trust.h).
 * remacto network govern, sign, submit, governance — the registry's governance (cmd_govern.c).
 * The other registry subcommands are in cmd_member.c, cmd_catalog.c and cmd_policy.c; what
 * they share in regcmd.h.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/note.h"
#include "endpoint.h"
#include "peers/ledger.h"
#include "peers/registry.h"
#include "peers/trust.h"
#include "regcmd.h"
#include "store/tlog.h"
#include "views/facts_store.h"

#define DEFAULT_REGISTRY "remacto.ma/registry"

static int
network_init(const struct regcmd_args *a)
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

	if (a->set[O_PROPOSE])
		return cli_err(EXIT_USAGE,
		               "network init takes no --propose: it creates a registry");
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
	if (facts_store_open(&s, a->v[O_DATA], STORE_CREATE, 0, err, sizeof(err)) != 0) {
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

static const char policy_usage[] =
        "usage: remacto network policy [--data DIR | --url URL | --config FILE] [--ca FILE]\n"
        "         [--registry-size N]\n"
        "  Prints the network's trust policy, a c2sp.org/tlog-policy file: the registry's and\n"
        "  every member's log keys, their nodes' witness keys and the witness quorum, as the\n"
        "  registry's first N entries define it (default: all the node holds). Verify a\n"
        "  tlog-proof against it with remacto proof verify --policy FILE. With --data, reads\n"
        "  the registry of a data folder offline; otherwise asks a node (GET /api/v1/policy).\n" ENDPOINT_USAGE;

static int
network_policy(int argc, char **argv)
{
	static const struct option opts[] = {
		ENDPOINT_OPTIONS,
		{ "data", required_argument, NULL, 'd' },
		{ "registry-size", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct endpoint_args ea = { 0 };
	const char *data = NULL, *size_arg = NULL;
	uint64_t size = TRUST_ALL;
	int c, rc;

	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (endpoint_arg(&ea, c, optarg))
			continue;
		if (c == 'd') {
			data = optarg;
		} else if (c == 'r') {
			size_arg = optarg;
			if (!cli_u64("--registry-size", optarg, &size))
				return EXIT_USAGE;
		} else {
			return cli_usage(policy_usage, c == 'h');
		}
	}
	if (optind != argc)
		return cli_err(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (data && (ea.url || ea.config))
		return cli_err(EXIT_USAGE,
		               "--data reads a data folder: it takes no --url or --config");
	if (data) {
		struct store s;
		struct buf out = BUF_INIT(0);
		uint64_t used;
		char err[600];
		MDB_txn *txn;
		if (ledger_open(&s, data, STORE_RDONLY, 0, err, sizeof(err)) != 0)
			return cli_err(EXIT_FAIL, "%s", err);
		if ((rc = store_read_begin(&s, &txn)) == 0) {
			rc = trust_policy(&s, txn, size, &out, &used, err, sizeof(err));
			mdb_txn_abort(txn);
		} else {
			snprintf(err, sizeof(err), "cannot read %s: %s", data, store_strerror(rc));
		}
		store_close(&s);
		if (rc == 0)
			fwrite(out.data, 1, out.len, stdout);
		buf_free(&out);
		if (rc != 0)
			return cli_err(rc == -ERANGE ? EXIT_USAGE : EXIT_FAIL, "%s", err);
		return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	struct endpoint e = { 0 };
	struct client_response resp = { 0 };
	char path[64] = "/api/v1/policy";
	if (size_arg)
		snprintf(path, sizeof(path), "/api/v1/policy?registrySize=%" PRIu64, size);
	if ((rc = endpoint_open(&e, ENDPOINT_PUBLIC, &ea, 10)) == EXIT_OK &&
	    (rc = endpoint_get(&e, path, &resp)) == EXIT_OK) {
		fwrite(resp.body, 1, resp.len, stdout);
		rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
	}
	client_response_free(&resp);
	endpoint_close(&e);
	return rc;
}

static const char network_usage[] =
        "usage: remacto network init --data DIR --key KEYFILE [--origin ORIGIN]\n"
        "       remacto network policy [--data DIR | --url URL | --config FILE]\n"
        "         [--registry-size N]\n"
        "       remacto network govern --data DIR [--add LABEL=VKEY]... [--rotate LABEL=VKEY]...\n"
        "         [--retire LABEL]... [--quorum K] [--date YYYY-MM-DD] [--propose FILE]\n"
        "       remacto network sign --file PROPOSAL --key KEYFILE --label LABEL [--data DIR]\n"
        "       remacto network submit --data DIR --file PROPOSAL\n"
        "       remacto network governance --data DIR\n"
        "  init creates the network authority's registry log ORIGIN (default " DEFAULT_REGISTRY
        ") in\n"
        "  DIR, signed by KEYFILE (created when it does not exist: PKCS#8 PEM, mode 0600), records\n"
        "  it as the authority of DIR, and prints the authority's verifier key: the value of\n"
        "  [authority] verifier_key in every node's configuration.\n"
        "  policy prints the network's trust policy (remacto network policy --help).\n"
        "  govern changes the keys of which K must approve every registry checkpoint; sign and\n"
        "  submit collect the approvals of a change prepared with --propose, offline;\n"
        "  governance prints them as a tlog-policy (remacto network ACTION --help).\n";

int
cmd_network(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "policy"))
		return network_policy(argc, argv);
	struct regcmd_action acts[5] = {
		{ "init", network_init, OPT_BIT(O_DATA) | OPT_BIT(O_KEY) | OPT_BIT(O_ORIGIN),
		  OPT_BIT(O_DATA) | OPT_BIT(O_KEY), network_usage },
	};
	memcpy(acts + 1, govern_actions, sizeof(govern_actions));
	return regcmd_dispatch("network", network_usage, acts, sizeof(acts) / sizeof(acts[0]), argc,
	                       argv);
}
