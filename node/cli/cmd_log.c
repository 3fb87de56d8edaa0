/*
 * remacto log — one log in a data folder, offline: init, append, checkpoint, proof, entry,
 * verify, list. The daemon serves the same data; this tool works on it directly (LMDB allows
 * both at once).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/b64.h"
#include "core/entry.h"
#include "core/err.h"
#include "core/pbjson.h"
#include "core/proof.h"
#include "ingest.h"
#include "store/civic.h"
#include "store/index.h"
#include "store/rebuild.h"
#include "store/search.h"
#include "store/tlog.h"
#include "views/facts_store.h"

static const char log_usage[] =
        "usage: remacto log <action> --data DIR [options]\n"
        "  init       --origin ORIGIN --key KEYFILE   create the log, signed by KEYFILE\n"
        "  append     --origin ORIGIN [--raw] < FILE  append one entry per line (JSON, or with\n"
        "             --raw the base64 of the protobuf bytes) as one batch; prints the new size\n"
        "  checkpoint --origin ORIGIN                 print the signed checkpoint as served\n"
        "  proof      --origin ORIGIN --index I --size N   inclusion proof (JSON)\n"
        "  proof      --origin ORIGIN --old M --size N     consistency proof (JSON)\n"
        "  entry      --origin ORIGIN --index I [--raw]    one entry as JSON, or its bytes in base64\n"
        "  verify     --origin ORIGIN                 rehash everything, check the signature\n"
        "  list                                       the logs in DIR with their sizes\n"
        "  reindex                                    rebuild the domain index (commitments,\n"
        "             indicators, measurements) and the views (compliance, benchmarks) from\n"
        "             the logs alone, e.g. after an upgrade\n"
        "  migrate                                    upgrade a data folder written by an older\n"
        "             REMACTO to the current storage format now (any read-write open does it;\n"
        "             stop the node first, and back the folder up with mdb_copy)\n";

struct opts {
	const char *data, *origin, *key;
	bool raw;
	bool has_index, has_size, has_old;
	uint64_t index, size, old;
};

static int
open_store(struct store *s, const struct opts *o, unsigned flags)
{
	char err[512];
	if (facts_store_open(s, o->data, flags, 0, err, sizeof(err)) != 0)
		return cli_err(EXIT_FAIL, "%s", err);
	return EXIT_OK;
}

static int
read_head(struct store *s, const char *origin, struct tlog_head *h)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc == 0) {
		rc = tlog_head(s, txn, origin, h);
		mdb_txn_abort(txn);
	}
	if (rc == MDB_NOTFOUND)
		return cli_err(EXIT_FAIL, "no log %s in %s (see `remacto log list --data %s`)",
		               origin, s->path, s->path);
	if (rc != 0)
		return cli_err(EXIT_FAIL, "cannot read log %s: %s", origin, store_strerror(rc));
	return EXIT_OK;
}

/* A log opened read-only for one command: the store, a read transaction and the log's head,
 * released together by logread_close (also after a failed logread_open). */
struct logread {
	struct store s;
	bool open;
	MDB_txn *txn;
	struct tlog_head *h;
};

static void
logread_close(struct logread *l)
{
	if (l->txn)
		mdb_txn_abort(l->txn);
	if (l->open)
		store_close(&l->s);
	free(l->h);
	memset(l, 0, sizeof(*l));
}

static int
logread_open(struct logread *l, const struct opts *o)
{
	int rc;
	memset(l, 0, sizeof(*l));
	if (!(l->h = calloc(1, sizeof(*l->h))))
		return cli_err(EXIT_FAIL, "out of memory");
	if ((rc = open_store(&l->s, o, STORE_RDONLY)) != EXIT_OK)
		return rc;
	l->open = true;
	if (store_read_begin(&l->s, &l->txn) != 0 || tlog_head(&l->s, l->txn, o->origin, l->h))
		return cli_err(EXIT_FAIL, "no log %s in %s", o->origin, o->data);
	return EXIT_OK;
}

static int
log_init(const struct opts *o)
{
	struct store s;
	struct note_signer signer = { 0 };
	char err[512], path[PATH_MAX];
	int rc;

	if (!o->key)
		return cli_err(EXIT_USAGE, "log init needs --key KEYFILE (make one with remacto "
		                           "keygen)");
	if (!realpath(o->key, path))
		return cli_err(EXIT_FAIL, "key file %s: %s", o->key, strerror(errno));
	if (note_signer_from_pem(&signer, o->origin, NOTE_ALG_ED25519, path, err, sizeof(err)))
		return cli_err(EXIT_FAIL, "%s", err);
	if ((rc = open_store(&s, o, STORE_CREATE)) != EXIT_OK)
		goto done;
	if (tlog_create(&s, &signer, path, err, sizeof(err)) != 0)
		rc = cli_err(EXIT_FAIL, "%s", err);
	else
		printf("%s\n", o->origin);
	store_close(&s);
done:
	note_signer_free(&signer);
	return rc;
}

static int
log_append(const struct opts *o)
{
	struct store s;
	struct ingest *in = NULL;
	struct note_signer signer = { 0 };
	struct tlog_head *h = calloc(1, sizeof(*h));
	char err[512];
	uint64_t first;
	int rc;

	if (!h)
		return cli_err(EXIT_FAIL, "out of memory");
	if ((rc = open_store(&s, o, 0)) != EXIT_OK)
		goto done_mem;
	if ((rc = read_head(&s, o->origin, h)) != EXIT_OK)
		goto done;
	if (!h->key_file[0]) {
		rc = cli_err(EXIT_FAIL,
		             "log %s is replicated here, not owned: this node has no key "
		             "to sign it",
		             o->origin);
		goto done;
	}
	if (note_signer_from_pem(&signer, o->origin, NOTE_ALG_ED25519, h->key_file, err,
	                         sizeof(err)) != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
		goto done;
	}
	if ((rc = ingest_start(stdin, o->raw, &in)) != EXIT_OK)
		goto done;
	if (ingest_count(in) == 0) {
		rc = cli_err(EXIT_INVALID, "no entries on standard input; nothing appended");
		goto done;
	}
	/* The entries are appended as they are decoded; a bad line stops the append, and is what
	 * the publisher is told, before anything the store refused. */
	if (tlog_append_each(&s, o->origin, &signer, ingest_count(in), ingest_next, in, &first, h,
	                     err, sizeof(err)) != 0) {
		if ((rc = ingest_refused(in)) == EXIT_OK)
			rc = cli_err(EXIT_FAIL, "%s", err);
		goto done;
	}
	printf("%llu\n", (unsigned long long)h->size);
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
done:
	ingest_free(in);
	note_signer_free(&signer);
	store_close(&s);
done_mem:
	free(h);
	return rc;
}

static int
log_checkpoint(const struct opts *o)
{
	struct store s;
	struct tlog_head *h = calloc(1, sizeof(*h));
	int rc = h ? open_store(&s, o, STORE_RDONLY) : cli_err(EXIT_FAIL, "out of memory");
	if (rc != EXIT_OK)
		goto done;
	if ((rc = read_head(&s, o->origin, h)) == EXIT_OK)
		fwrite(h->checkpoint, 1, h->checkpoint_len, stdout);
	store_close(&s);
done:
	free(h);
	return rc;
}

static int
log_proof(const struct opts *o)
{
	struct logread l;
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN], a[32], b[32];
	size_t n = 0;
	json_t *j = NULL;
	int rc;

	if (!o->has_size || o->has_index == o->has_old)
		return cli_err(EXIT_USAGE, "log proof needs --size N with either --index I "
		                           "(inclusion) or --old M (consistency)");
	if ((rc = logread_open(&l, o)) != EXIT_OK)
		goto done;
	if (o->size > l.h->size) {
		rc = cli_err(EXIT_USAGE, "--size %llu is beyond the log's %llu entries",
		             (unsigned long long)o->size, (unsigned long long)l.h->size);
		goto done;
	}
	if (o->has_index) {
		if (o->index >= o->size) {
			rc = cli_err(EXIT_USAGE, "--index must be below --size");
			goto done;
		}
		rc = tlog_inclusion(&l.s, l.txn, l.h, o->index, o->size, a, b, proof, &n);
		if (rc == 0)
			j = proof_inclusion_json(o->index, o->size, a, b, proof, n);
	} else {
		if (o->old == 0 || o->old > o->size) {
			rc = cli_err(EXIT_USAGE, "--old must be between 1 and --size");
			goto done;
		}
		rc = tlog_consistency(&l.s, l.txn, l.h, o->old, o->size, a, b, proof, &n);
		if (rc == 0)
			j = proof_consistency_json(o->old, o->size, a, b, proof, n);
	}
	if (rc != 0 || !j) {
		rc = cli_err(EXIT_FAIL, "cannot build the proof: %s", store_strerror(rc));
		goto done;
	}
	json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	rc = EXIT_OK;
done:
	json_decref(j);
	logread_close(&l);
	return rc;
}

static int
log_entry(const struct opts *o)
{
	struct logread l;
	const uint8_t *data;
	size_t len;
	int rc;

	if (!o->has_index)
		return cli_err(EXIT_USAGE, "log entry needs --index I");
	if ((rc = logread_open(&l, o)) != EXIT_OK)
		goto done;
	if (o->index >= l.h->size) {
		rc = cli_err(EXIT_USAGE, "--index %llu: the log has %llu entries",
		             (unsigned long long)o->index, (unsigned long long)l.h->size);
		goto done;
	}
	if ((rc = store_entry_get(&l.s, l.txn, l.h->id, o->index, &data, &len)) != 0) {
		rc = cli_err(EXIT_VERIFY, "entry %llu is missing from the store: %s",
		             (unsigned long long)o->index, store_strerror(rc));
		goto done;
	}
	if (o->raw) {
		char *out = malloc(B64_ENCODED_LEN(len) + 1);
		if (!out) {
			rc = cli_err(EXIT_FAIL, "out of memory");
			goto done;
		}
		b64_encode(data, len, out, B64_ENCODED_LEN(len) + 1);
		puts(out);
		free(out);
	} else {
		Remacto__V1__Entry *e = remacto__v1__entry__unpack(NULL, len, data);
		json_t *j = e ? pbjson_encode(&e->base) : NULL;
		if (!j) {
			rc = cli_err(
			        EXIT_FAIL, "entry %llu cannot be shown as JSON (%s); use --raw",
			        (unsigned long long)o->index, e ? "out of memory" : "undecodable");
		} else {
			json_dumpf(j, stdout, JSON_COMPACT | JSON_SORT_KEYS);
			putchar('\n');
		}
		json_decref(j);
		if (e)
			remacto__v1__entry__free_unpacked(e, NULL);
		if (!j)
			goto done;
	}
	rc = EXIT_OK;
done:
	logread_close(&l);
	return rc;
}

static void
verify_progress(uint64_t done, uint64_t total, void *arg)
{
	(void)arg;
	fprintf(stderr, "\rverified %llu/%llu entries", (unsigned long long)done,
	        (unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
}

static int
log_verify(const struct opts *o)
{
	struct store s;
	char err[512];
	int rc;

	if ((rc = open_store(&s, o, STORE_RDONLY)) != EXIT_OK)
		return rc;
	rc = tlog_verify(&s, o->origin, isatty(2) ? verify_progress : NULL, NULL, err, sizeof(err));
	if (rc == -EBADMSG) {
		rc = cli_err(EXIT_VERIFY, "log %s does NOT verify: %s", o->origin, err);
	} else if (rc != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
	} else {
		struct tlog_head *h = calloc(1, sizeof(*h));
		if (h && read_head(&s, o->origin, h) == EXIT_OK) {
			char root[B64_ENCODED_LEN(32) + 1];
			b64_encode(h->root, 32, root, sizeof(root));
			printf("%s: %llu entries verified, root %s\n", o->origin,
			       (unsigned long long)h->size, root);
		}
		free(h);
		rc = EXIT_OK;
	}
	store_close(&s);
	return rc;
}

static int
print_log(const Remacto__Store__LogRecord *rec, void *arg)
{
	(void)arg;
	printf("%s\t%llu\t%s\n", rec->origin, (unsigned long long)rec->size,
	       rec->key_file[0] ? "own" : "replica");
	return 0;
}

static int
log_list(const struct opts *o)
{
	struct store s;
	MDB_txn *txn;
	int rc;

	if ((rc = open_store(&s, o, STORE_RDONLY)) != EXIT_OK)
		return rc;
	if ((rc = store_read_begin(&s, &txn)) == 0) {
		rc = store_log_each(&s, txn, print_log, NULL);
		mdb_txn_abort(txn);
	}
	store_close(&s);
	return rc ? cli_err(EXIT_FAIL, "cannot list logs: %s", store_strerror(rc)) : EXIT_OK;
}

static void
reindex_progress(const char *origin, uint64_t done, uint64_t total, void *arg)
{
	(void)arg;
	if (isatty(2))
		fprintf(stderr, "\r%s: %llu/%llu entries", origin, (unsigned long long)done,
		        (unsigned long long)total);
	if (done == total && isatty(2))
		fputc('\n', stderr);
}

static const struct store_module *const reindex_modules[] = { &civic_module, &search_module, NULL };

static int
log_reindex(const struct opts *o)
{
	struct store s;
	char err[512];
	int rc;

	if ((rc = open_store(&s, o, 0)) != EXIT_OK)
		return rc;
	rc = index_rebuild(&s, reindex_progress, NULL, err, sizeof(err));
	/* The other derived views of the logs, each from the logs alone. */
	for (const struct store_module *const *m = reindex_modules; rc == 0 && *m; m++)
		rc = store_rebuild(&s, *m, reindex_progress, NULL, err, sizeof(err));
	if (rc == 0)
		rc = facts_store_rebuild(&s, reindex_progress, NULL, err, sizeof(err));
	store_close(&s);
	if (rc != 0)
		return cli_err(EXIT_FAIL, "%s", err);
	printf("domain index rebuilt\nviews rebuilt\n");
	return EXIT_OK;
}

/* The migration itself runs in the read-write open (store_open), with its progress on stderr;
 * this only makes it happen when the operator chooses. */
static int
log_migrate(const struct opts *o)
{
	struct store s;
	int rc;

	if ((rc = open_store(&s, o, 0)) != EXIT_OK)
		return rc;
	store_close(&s);
	printf("%s is in the current storage format\n", o->data);
	return EXIT_OK;
}

int
cmd_log(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "origin", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, 'k' },
		{ "raw", no_argument, NULL, 'r' },
		{ "index", required_argument, NULL, 'i' },
		{ "size", required_argument, NULL, 's' },
		{ "old", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const struct {
		const char *name;
		int (*run)(const struct opts *);
		bool needs_origin;
	} actions[] = {
		{ "init", log_init, true },
		{ "append", log_append, true },
		{ "checkpoint", log_checkpoint, true },
		{ "proof", log_proof, true },
		{ "entry", log_entry, true },
		{ "verify", log_verify, true },
		{ "list", log_list, false },
		{ "reindex", log_reindex, false },
		{ "migrate", log_migrate, false },
	};
	struct opts o = { 0 };
	int c;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(log_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.data = optarg;
			break;
		case 'o':
			o.origin = optarg;
			break;
		case 'k':
			o.key = optarg;
			break;
		case 'r':
			o.raw = true;
			break;
		case 'i':
			if (!cli_u64("--index", optarg, &o.index))
				return EXIT_USAGE;
			o.has_index = true;
			break;
		case 's':
			if (!cli_u64("--size", optarg, &o.size))
				return EXIT_USAGE;
			o.has_size = true;
			break;
		case 'm':
			if (!cli_u64("--old", optarg, &o.old))
				return EXIT_USAGE;
			o.has_old = true;
			break;
		default:
			return cli_usage(log_usage, c == 'h');
		}
	}
	if (optind != argc)
		return cli_err(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(argv[1], actions[i].name) != 0)
			continue;
		if (!o.data)
			return cli_err(EXIT_USAGE, "log %s needs --data DIR", argv[1]);
		if (actions[i].needs_origin && !o.origin)
			return cli_err(EXIT_USAGE, "log %s needs --origin ORIGIN", argv[1]);
		return actions[i].run(&o);
	}
	fputs(log_usage, stderr);
	return cli_err(EXIT_USAGE, "unknown log action '%s'", argv[1]);
}
