/*
 * remactod — the REMACTO Ledger node daemon. Opens the store, makes sure the node's own log,
 * key and admin token exist (creating them on first start), starts the group-commit writer and
 * the HTTP listeners, and serves until SIGTERM or SIGINT. SIGHUP reopens the log file. A
 * watchdog (watchdog.h) aborts the process when the service loop stops making progress.
 *
 *   remactod [--config FILE] [-n] [--seed FILE.jsonl] [--version]
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/entry.h"
#include "core/log.h"
#include "http.h"
#include "live.h"
#include "node.h"
#include "ownlog.h"
#include "peers/fed.h"
#include "peers/registry.h"
#include "peers/transport.h"
#include "publish.h"
#include "sdnotify.h"
#include "store/tlog.h"
#include "store/writer.h"
#include "token.h"
#include "version.h"
#include "views/facts.h"
#include "views/facts_store.h"
#include "watchdog.h"
#include "witclient.h"
#include "witserve.h"

#define SEED_MAX_LINES 100000

/* What signals tell the service loop: the handler sets a flag and does nothing else; the loop
 * looks at the flags each time round (http.h). */
static struct http_signals sig;

static void
on_signal(int signo)
{
	if (signo == SIGHUP)
		sig.reopen = 1;
	else if (signo == SIGUSR1)
		sig.stall = 1;
	else
		sig.stop = 1;
}

/* The writer's wake: the one libwebsockets call that is safe from another thread. The service
 * loop then runs the writer's completions (http.c, LWS_CALLBACK_EVENT_WAIT_CANCELLED). */
static void
wake_service(void *ctx)
{
	lws_cancel_service(ctx);
}

/* The service thread's writes (fed_ctx.submit, the witness's and the witness client's) as jobs
 * of the writer: run in its thread, done back in the service thread through writer_collect. */
static int
submit_job(void *writer, int (*run)(MDB_txn *, void *), void (*done)(void *, int), void *job,
           size_t bytes)
{
	struct writer_job j = { .run = run, .done = done, .arg = job, .weight = 1, .bytes = bytes };
	return writer_submit(writer, &j);
}

static const char usage[] =
        "usage: remactod [--config FILE] [-n] [--seed FILE.jsonl] [--version]\n"
        "  --config FILE  node configuration (INI); without it the embedded defaults are used:\n"
        "                 data in ./var, public 127.0.0.1:8080, admin 127.0.0.1:8081\n"
        "  -n             check the configuration, print \"configuration OK\" and exit\n"
        "  --seed FILE    on first start (own log empty), publish the entries of FILE (JSON lines)\n"
        "  --version      print the version and exit\n";

/* Reads or creates the admin token (token.h). */
static int
load_token(struct node *n)
{
	char err[512];
	bool created;
	if (token_load(n->cfg.token_file, n->token, &created, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	if (created)
		log_info("created the admin token in %s (mode 0600)", n->cfg.token_file);
	return 0;
}

/* The node's identity: its log key under its origin, or on a mirror a key of its own under
 * "mirror.<first 8 hex digits of the public key>". Also the same key as a witness. */
static int
load_identity(struct node *n)
{
	char err[512], name[NOTE_NAME_MAX + 1];

	if (access(n->cfg.key, F_OK) != 0) {
		MDB_txn *txn;
		struct tlog_head *h = malloc(sizeof(*h));
		int held = -1;
		if (h && n->cfg.origin[0] && store_read_begin(&n->store, &txn) == 0) {
			held = tlog_head(&n->store, txn, n->cfg.origin, h);
			mdb_txn_abort(txn);
		}
		free(h);
		if (held == 0) {
			log_err("the key file %s is missing but log %s exists in %s: restore the key "
			        "from your backup (a new key could not sign this log)",
			        n->cfg.key, n->cfg.origin, n->cfg.data);
			return -1;
		}
		if (note_keygen_pem(n->cfg.key, err, sizeof(err)) != 0) {
			log_err("%s", err);
			return -1;
		}
		log_info("created the node's signing key in %s (mode 0600): back it up",
		         n->cfg.key);
	}
	snprintf(name, sizeof(name), "%s", n->cfg.origin[0] ? n->cfg.origin : "mirror");
	if (note_signer_from_pem(&n->identity, name, NOTE_ALG_ED25519, n->cfg.key, err,
	                         sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	if (!n->cfg.origin[0]) {
		snprintf(name, sizeof(name), "mirror.%02x%02x%02x%02x", n->identity.v.pub[0],
		         n->identity.v.pub[1], n->identity.v.pub[2], n->identity.v.pub[3]);
		note_signer_free(&n->identity);
		if (note_signer_from_pem(&n->identity, name, NOTE_ALG_ED25519, n->cfg.key, err,
		                         sizeof(err)) != 0) {
			log_err("%s", err);
			return -1;
		}
	}
	if (note_signer_from_pem(&n->witness, name, NOTE_ALG_COSIGNATURE_V1, n->cfg.key, err,
	                         sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

/* Publishes the seed file when the own log is still empty. */
static int
seed(struct node *n, const char *file)
{
	struct tlog_head *h = malloc(sizeof(*h));
	struct tlog_blob *v = NULL;
	size_t count = 0, cap = 0;
	char *line = NULL, err[512];
	size_t lcap = 0;
	ssize_t len;
	MDB_txn *txn;
	FILE *f = NULL;
	int rc = -1;

	if (!h || !n->own_log || store_read_begin(&n->store, &txn) != 0)
		goto done;
	rc = tlog_head(&n->store, txn, n->signer.v.name, h);
	mdb_txn_abort(txn);
	if (rc != 0 || h->size > 0) {
		rc = 0; /* seeded already: the next start continues from the same data */
		goto done;
	}
	rc = -1;
	if (!(f = fopen(file, "r"))) {
		log_err("seed %s: %s", file, strerror(errno));
		goto done;
	}
	while ((len = getline(&line, &lcap, f)) > 0) {
		if (count == SEED_MAX_LINES) {
			log_err("seed %s: more than %d lines; publish large files with remacto publish",
			        file, SEED_MAX_LINES);
			goto done;
		}
		json_error_t jerr;
		json_t *j = json_loadb(line, (size_t)len, 0, &jerr);
		uint8_t *data;
		size_t dlen;
		if (!j || entry_from_json(j, &data, &dlen, err, sizeof(err)) != 0) {
			log_err("seed %s line %zu: %s", file, count + 1, j ? err : jerr.text);
			json_decref(j);
			goto done;
		}
		json_decref(j);
		if (count == cap) {
			cap = cap ? cap * 2 : 64;
			struct tlog_blob *nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(data);
				goto done;
			}
			v = nv;
		}
		v[count++] = (struct tlog_blob){ data, dlen };
	}
	struct api_resp resp = { 0 };
	rc = publish_wait(n->pub, v, count, &resp);
	v = NULL, count = 0; /* the publisher owns them now */
	if (rc == 0)
		log_info("seeded %s with the demo programme from %s", n->signer.v.name, file);
	else
		log_err("seed %s: %.*s", file, (int)resp.len, resp.body ? (char *)resp.body : "");
	api_resp_free(&resp);
done:
	for (size_t i = 0; i < count; i++)
		free((void *)v[i].data);
	free(v);
	free(line);
	if (f)
		fclose(f);
	free(h);
	return rc;
}

/* fed stored a checkpoint: the dashboard hears of it. */
static void
fed_stored(void *arg, const char *origin, uint64_t size)
{
	live_checkpoint(arg, origin, size);
	ownlog_checkpoint_stored(arg, origin);
}

/* The node as a tlog-witness of the network's logs and of the outside logs of [witness] log. */
static int
start_witness(struct node *n, char *err, size_t errcap)
{
	for (size_t i = 0; i < n->cfg.nwitness_logs; i++)
		if (!note_verifier_parse(n->cfg.witness_logs[i], &n->outside_logs[i], err, errcap))
			return -1;
	n->noutside_logs = n->cfg.nwitness_logs;
	struct witproto_ctx wc = {
		.store = &n->store,
		.witness = &n->witness,
		.own = n->own_log ? n->signer.v.name : "",
		.outside = n->outside_logs,
		.noutside = n->noutside_logs,
	};
	if (!(n->witserve = witserve_create(&wc, submit_job, n->writer, http_deliver))) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	return 0;
}

static void
on_wake(struct node *n)
{
	witclient_collect(n->witclient);
}

/* The outside witnesses of [witness] url/key, asked to cosign the own log's checkpoints. */
static int
start_witness_client(struct node *n, char *err, size_t errcap)
{
	if (!n->own_log || n->cfg.nwitness_urls == 0)
		return 0;
	struct witclient_ctx wc = {
		.store = &n->store,
		.origin = n->signer.v.name,
		.urls = (const char(*)[CONFIG_PEER_URL_MAX])n->cfg.witness_urls,
		.keys = (const char(*)[CONFIG_VKEY_MAX])n->cfg.witness_keys,
		.n = n->cfg.nwitness_urls,
		.ca_file = n->cfg.peer_ca_file,
		.wake = wake_service,
		.wake_arg = n->lws,
		.submit = submit_job,
		.submit_arg = n->writer,
	};
	if (!(n->witclient = witclient_start(&wc, err, errcap)))
		return -1;
	n->on_wake = on_wake;
	log_info("asking %zu outside witness%s to cosign %s", n->cfg.nwitness_urls,
	         n->cfg.nwitness_urls == 1 ? "" : "es", n->signer.v.name);
	return 0;
}

/* Federation needs the trust anchor: without one the node stands alone, and its public
 * listener refuses peers. */
static int
start_federation(struct node *n, char *err, size_t errcap)
{
	struct fed_ctx fc = {
		.store = &n->store,
		.submit = submit_job,
		.submit_arg = n->writer,
		.own = n->own_log ? &n->signer : NULL,
		.witness = &n->witness,
		.peers_configured = n->cfg.npeers > 0,
		.npeers = (unsigned)n->cfg.npeers,
		.stored = fed_stored,
		.stored_arg = n,
	};
	if (!n->cfg.authority_vkey[0]) {
		log_info(
		        "no network authority configured: not connecting to peers, refusing theirs");
		return 0;
	}
	static struct registry_gov gov; /* [authority] policy, for as long as the node runs */
	if (n->cfg.authority_policy[0] &&
	    registry_gov_load(n->cfg.authority_policy, n->cfg.authority_vkey, &gov, err, errcap))
		return -1;
	fc.governance = n->cfg.authority_policy[0] ? &gov : NULL;
	if (!(n->fed = fed_create(&fc, err, errcap)))
		return -1;
	struct transport_ctx tc = {
		.lws = n->lws,
		.listener = lws_get_vhost_by_name(n->lws, "public"),
		.store = &n->store,
		.identity = &n->identity,
		.network = n->cfg.network,
		.peers = (const char(*)[CONFIG_PEER_URL_MAX])n->cfg.peers,
		.npeers = n->cfg.npeers,
		.ca_file = n->cfg.peer_ca_file,
		.tls_insecure = n->cfg.peer_tls_insecure,
		.listen_host = n->cfg.pub.host,
		.listen_port = n->cfg.pub.port,
		.listen_tls = n->cfg.tls_cert[0] != '\0',
		.ops = fed_peer_ops(n->fed),
	};
	return (n->transport = transport_start(&tc, err, errcap)) ? 0 : -1;
}

/* Folding a log into the views at start: one line per log (only logs that lagged). */
static void
views_progress(const char *origin, uint64_t done, uint64_t total, void *arg)
{
	(void)arg;
	if (done == total)
		log_info("views: %s folded (%llu entries)", origin, (unsigned long long)total);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	static struct node node;
	struct node *n = &node;
	const char *cfile = NULL, *seedfile = NULL;
	bool check_only = false;
	char err[1024];
	struct watchdog *wd = NULL;
	int c, status = 1;

	while ((c = getopt_long(argc, argv, "nc:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cfile = optarg;
			break;
		case 's':
			seedfile = optarg;
			break;
		case 'n':
			check_only = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			puts("remactod " REMACTO_VERSION);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	config_defaults(&n->cfg);
	if ((cfile && config_load(&n->cfg, cfile, err, sizeof(err)) != 0) ||
	    config_finish(&n->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "remactod: %s\n", err);
		return 1;
	}
	if (check_only) {
		puts("configuration OK");
		return 0;
	}
	if (log_init(n->cfg.log_level, n->cfg.log_file) != 0) {
		fprintf(stderr, "remactod: cannot open log file %s: %s\n", n->cfg.log_file,
		        strerror(errno));
		return 1;
	}
	n->started = time(NULL);
	log_info("remactod " REMACTO_VERSION " starting (%s)", cfile ? cfile : "embedded defaults");

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Test only: SIGUSR1 stops the service loop dead, for the watchdog's test
	 * (tests/integration/watchdog.sh). Otherwise SIGUSR1 keeps its default. */
	if (getenv("REMACTOD_TEST_STALL"))
		sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (facts_store_open(&n->store, n->cfg.data, STORE_CREATE, (size_t)n->cfg.mapsize_mb << 20,
	                     err, sizeof(err)) != 0) {
		log_err("%s", err);
		return 1;
	}
	/* A store written without the views' module (an older node, another tool) is folded
	 * into them now, before anyone asks. */
	if (facts_store_catch_up(&n->store, views_progress, NULL, err, sizeof(err)) != 0) {
		log_err("%s", err);
		goto out;
	}
	if (n->cfg.authority_vkey[0] &&
	    registry_set_authority(&n->store, n->cfg.authority_vkey, err, sizeof(err)) != 0) {
		log_err("%s", err);
		goto out;
	}
	if (load_identity(n) != 0 || ownlog_open(n) != 0 || load_token(n) != 0)
		goto out;
	if (!(n->live = live_create(&n->cfg, err, sizeof(err)))) {
		log_err("%s", err);
		goto out;
	}
	/* From here on every write goes through the writer thread. */
	if (!(n->writer = writer_start(&n->store, n->cfg.checkpoint_interval_ms, err,
	                               sizeof(err)))) {
		log_err("%s", err);
		goto out;
	}
	if (n->own_log && !(n->pub = publish_start(n, err, sizeof(err)))) {
		log_err("%s", err);
		goto out;
	}
	if (!seedfile && n->cfg.seed[0])
		seedfile = n->cfg.seed;
	if (seedfile && seed(n, seedfile) != 0)
		goto out;
	if (http_start(n, err, sizeof(err)) != 0) {
		log_err("%s", err);
		goto out;
	}
	writer_set_wake(n->writer, wake_service, n->lws);
	if (start_witness(n, err, sizeof(err)) != 0 || start_federation(n, err, sizeof(err)) != 0 ||
	    start_witness_client(n, err, sizeof(err)) != 0) {
		log_err("%s", err);
		goto out;
	}
	log_info("public listener: %s://%s:%d/  (try /api/v1/logs, /healthz, /metrics)",
	         n->cfg.tls_cert[0] ? "https" : "http", n->cfg.pub.host, n->cfg.pub.port);
	log_info("admin listener: http://%s:%d/api/v1/entries  (token in %s)", n->cfg.admin.host,
	         n->cfg.admin.port, n->cfg.token_file);
	if (!(wd = watchdog_start(n->cfg.watchdog_s, err, sizeof(err))) && err[0]) {
		log_err("%s", err);
		goto out;
	}
	sdnotify_start();
	snprintf(err, sizeof(err), "serving %s://%.64s:%d/ as %.255s",
	         n->cfg.tls_cert[0] ? "https" : "http", n->cfg.pub.host, n->cfg.pub.port,
	         n->identity.v.name);
	sdnotify_ready(err);
	http_run(n, &sig, wd);
	watchdog_stop(wd);
	wd = NULL;
	log_info("stopping");
	status = 0;
out:
	sdnotify_stopping();
	transport_stop(n->transport);
	n->transport = NULL;
	n->on_wake = NULL;
	witclient_stop(n->witclient);
	n->witclient = NULL;
	if (n->writer)
		writer_set_wake(n->writer, NULL, NULL); /* before the context goes */
	http_stop(n);
	/* Runs what is queued; the completions still due run here, before fed, the witness and
	 * the publisher they belong to are freed. */
	writer_stop(n->writer);
	n->writer = NULL;
	witserve_free(n->witserve);
	n->witserve = NULL;
	fed_destroy(n->fed);
	n->fed = NULL;
	publish_stop(n->pub);
	live_free(n->live);
	note_signer_free(&n->signer);
	note_signer_free(&n->identity);
	note_signer_free(&n->witness);
	OPENSSL_cleanse(n->token, sizeof(n->token));
	facts_free(n->facts);
	store_close(&n->store);
	if (status == 0)
		log_info("stopped cleanly");
	return status;
}
