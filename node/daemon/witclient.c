/*
 * witclient — asking outside witnesses to cosign the own log's checkpoints. See witclient.h.
 */
#include "witclient.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/merkle.h"
#include "core/note.h"
#include "core/tlogproof.h"
#include "peers/witness.h"
#include "store/tlog.h"

#define RESPONSE_MAX 8192 /* cosignature lines, or a size */

struct target {
	char url[CONFIG_PEER_URL_MAX + 32]; /* …/add-checkpoint */
	struct note_verifier key;
	uint64_t old;     /* the size it cosigned last, as far as we know */
	uint64_t done;    /* the size of our last cosignature from it */
	time_t retry_at;  /* after a failure */
	unsigned backoff; /* seconds */
};

/* Cosignatures of (size) waiting for the service thread. */
struct result {
	struct result *next;
	uint64_t size;
	struct witness_cosig *cosigs;
	size_t n;
};

struct witclient {
	struct witclient_ctx ctx;
	struct target *t;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, poked;
	struct result *results; /* guarded by mu */
};

static uint64_t
parse_size(const char *s, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && s[i] >= '0' && s[i] <= '9' && v < UINT64_MAX / 10; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	return buf_put(arg, data, size * n) == 0 ? size * n : 0;
}

/* POSTs body to t; fills *status and the answer. 0, or -1 with why. */
static int
post(struct witclient *w, struct target *t, const struct buf *body, long *status, struct buf *out,
     char *why, size_t whycap)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/plain");
	CURL *c = curl_easy_init();
	CURLcode rc;
	if (!c || !h) {
		snprintf(why, whycap, "out of memory");
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, t->url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)WITCLIENT_TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "remactod");
	if (w->ctx.ca_file && w->ctx.ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, w->ctx.ca_file);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	else
		snprintf(why, whycap, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

static void fail(struct target *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fail(struct target *t, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->backoff = t->backoff ? t->backoff * 2 : 1;
	if (t->backoff > WITCLIENT_BACKOFF_MAX_S)
		t->backoff = WITCLIENT_BACKOFF_MAX_S;
	t->retry_at = time(NULL) + t->backoff;
	log_warn("witness %s: %s; asking again in %u s", t->key.name, msg, t->backoff);
}

/* The cosignatures of t's answer that verify over note. */
static void
keep(struct witclient *w, struct target *t, uint64_t size, const char *note, size_t nlen,
     const struct buf *answer)
{
	struct note *nt = malloc(sizeof(*nt));
	char *msg = malloc(nlen + answer->len + 1), why[400];
	struct result *r = calloc(1, sizeof(*r));
	bool ok = nt && msg && r;
	if (ok) {
		memcpy(msg, note, nlen);
		memcpy(msg + nlen, answer->data, answer->len);
		ok = note_open(msg, nlen + answer->len, &t->key, 1, nt, why, sizeof(why));
		if (!ok)
			fail(t, "its answer holds no cosignature of its key that verifies (%s)",
			     why);
	}
	if (ok && (r->cosigs = witness_cosigs(nt, &r->n)) != NULL) {
		r->size = size;
		pthread_mutex_lock(&w->mu);
		r->next = w->results;
		w->results = r;
		pthread_mutex_unlock(&w->mu);
		r = NULL;
		t->old = t->done = size;
		t->backoff = 0;
		log_info("witness %s cosigned %s at size %" PRIu64, t->key.name, w->ctx.origin,
		         size);
		if (w->ctx.wake)
			w->ctx.wake(w->ctx.wake_arg);
	}
	free(r);
	free(msg);
	free(nt);
}

/* Asks t to cosign the checkpoint note of size. */
static void
ask(struct witclient *w, struct target *t, const struct tlog_head *h, uint64_t size,
    const char *note, size_t nlen)
{
	uint8_t a[32], b[32], proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
	char why[400];
	for (int attempt = 0; attempt < 3; attempt++) {
		struct buf body = BUF_INIT(WITPROTO_MAX_BODY), answer = BUF_INIT(RESPONSE_MAX);
		size_t np = 0;
		long status = 0;
		MDB_txn *txn;
		int rc = 0;
		if (t->old > size) {
			fail(t,
			     "it cosigned size %" PRIu64
			     " of %s, more than this node holds (%" PRIu64 "): a restored backup?",
			     t->old, w->ctx.origin, size);
			return;
		}
		if (t->old > 0 && t->old < size &&
		    (rc = store_read_begin(w->ctx.store, &txn)) == 0) {
			rc = tlog_consistency(w->ctx.store, txn, h, t->old, size, a, b, proof, &np);
			mdb_txn_abort(txn);
		}
		if (rc != 0) {
			fail(t, "cannot prove size %" PRIu64 " from %" PRIu64 ": %s", size, t->old,
			     store_strerror(rc));
			return;
		}
		bool oom = tlogproof_addreq_format(t->old, (const uint8_t(*)[32])proof, np, note,
		                                   nlen, &body) != 0;
		rc = oom ? -1 : post(w, t, &body, &status, &answer, why, sizeof(why));
		buf_free(&body);
		if (rc != 0) {
			fail(t, "%s", oom ? "out of memory" : why);
		} else if (status == 200) {
			keep(w, t, size, note, nlen, &answer);
		} else if (status == 409) {
			t->old = parse_size(answer.data ? answer.data : "", answer.len);
			buf_free(&answer);
			continue; /* again from the size it says */
		} else {
			fail(t, "HTTP %ld: %.200s", status, answer.data ? answer.data : "");
		}
		buf_free(&answer);
		return;
	}
	fail(t, "its latest size kept changing (409 three times)");
}

static void
poll_once(struct witclient *w)
{
	struct tlog_head *h = malloc(sizeof(*h));
	struct checkpoint cp;
	MDB_txn *txn;
	char why[64];
	size_t tl = 0;
	int rc;

	if (!h)
		return;
	if ((rc = store_read_begin(w->ctx.store, &txn)) == 0) {
		rc = tlog_head(w->ctx.store, txn, w->ctx.origin, h);
		mdb_txn_abort(txn);
	}
	for (size_t i = h->checkpoint_len; rc == 0 && i >= 2 && !tl; i--)
		if (h->checkpoint[i - 1] == '\n' && h->checkpoint[i - 2] == '\n')
			tl = i - 1;
	if (rc == 0 && tl && checkpoint_parse(h->checkpoint, tl, &cp, why, sizeof(why)) &&
	    cp.size > 0) {
		time_t now = time(NULL);
		for (size_t i = 0; i < w->ctx.n; i++) {
			struct target *t = &w->t[i];
			if (t->done != cp.size && now >= t->retry_at)
				ask(w, t, h, cp.size, h->checkpoint, h->checkpoint_len);
		}
	}
	free(h);
}

static void *
worker(void *arg)
{
	struct witclient *w = arg;
	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		w->poked = false;
		pthread_mutex_unlock(&w->mu);
		poll_once(w);
		pthread_mutex_lock(&w->mu);
		if (w->stop || w->poked)
			continue;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&w->cv, &w->mu, &until);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct witclient *
witclient_start(const struct witclient_ctx *ctx, char *err, size_t errcap)
{
	struct witclient *w = calloc(1, sizeof(*w));
	if (!w || !(w->t = calloc(ctx->n ? ctx->n : 1, sizeof(*w->t)))) {
		snprintf(err, errcap, "out of memory");
		free(w);
		return NULL;
	}
	w->ctx = *ctx;
	for (size_t i = 0; i < ctx->n; i++) {
		struct target *t = &w->t[i];
		size_t ul = strlen(ctx->urls[i]);
		char why[200];
		if (!note_verifier_parse(ctx->keys[i], &t->key, why, sizeof(why)) ||
		    t->key.alg != NOTE_ALG_COSIGNATURE_V1) {
			snprintf(err, errcap, "[witness] key %s: %s", ctx->keys[i],
			         t->key.alg != NOTE_ALG_COSIGNATURE_V1 ? "not a cosignature key"
			                                               : why);
			goto fail;
		}
		snprintf(t->url, sizeof(t->url), "%.*s/add-checkpoint",
		         (int)(ul && ctx->urls[i][ul - 1] == '/' ? ul - 1 : ul), ctx->urls[i]);
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (ctx->n == 0)
		return w; /* nothing to ask: no thread */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = pthread_create(&w->thread, NULL, worker, w);
	if (rc != 0) {
		snprintf(err, errcap, "cannot start the witness client thread: %s", strerror(rc));
		goto fail;
	}
	w->started = true;
	return w;
fail:
	free(w->t);
	free(w);
	return NULL;
}

void
witclient_poke(struct witclient *w)
{
	if (!w || !w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->poked = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

struct store_job {
	struct witclient *w;
	struct result *r;
};

static int
store_run(MDB_txn *txn, void *arg)
{
	struct store_job *j = arg;
	Remacto__Store__LogRecord *rec = NULL;
	int rc = store_log_get(j->w->ctx.store, txn, j->w->ctx.origin, &rec);
	if (rc == 0)
		rc = witness_keep_cosigs(j->w->ctx.store, txn, rec->id, j->r->size, j->r->cosigs,
		                         j->r->n) < 0
		             ? -EIO
		             : 0;
	remacto__store__log_record__free_unpacked(rec, NULL);
	return rc;
}

static void
store_done(void *arg, int rc)
{
	struct store_job *j = arg;
	if (rc != 0)
		log_warn("witness client: cannot store the cosignatures of size %" PRIu64 ": %s",
		         j->r->size, store_strerror(rc));
	free(j->r->cosigs);
	free(j->r);
	free(j);
}

void
witclient_collect(struct witclient *w)
{
	struct result *r, *next;
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	r = w->results;
	w->results = NULL;
	pthread_mutex_unlock(&w->mu);
	for (; r; r = next) {
		struct store_job *j = malloc(sizeof(*j));
		next = r->next;
		if (!j) {
			free(r->cosigs);
			free(r);
			continue;
		}
		*j = (struct store_job){ w, r };
		if (!w->ctx.submit) {
			store_done(j, store_write(w->ctx.store, store_run, j));
		} else if (w->ctx.submit(w->ctx.submit_arg, store_run, store_done, j,
		                         sizeof(*j) + r->n * sizeof(*r->cosigs)) != 0) {
			store_done(j, -EAGAIN);
		}
	}
}

void
witclient_stop(struct witclient *w)
{
	struct result *r, *next;
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stop = true;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	for (r = w->results; r; r = next) {
		next = r->next;
		free(r->cosigs);
		free(r);
	}
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w->t);
	free(w);
}
