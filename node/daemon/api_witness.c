/*
 * api_witness — POST /witness/add-checkpoint (C2SP tlog-witness), and the service behind it.
 * See witserve.h; what is judged and answered, peers/witproto.h.
 *
 * Answers: 200 text/plain with the cosignature line; 409 text/x.tlog.size with the latest
 * cosigned size and a newline; every other refusal a JSON error naming what failed (the spec
 * gives no body for them). 429 past the per-address rate, 503 when the writer's queue is full.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "core/log.h"
#include "witserve.h"

struct bucket {
	char addr[64];
	double tokens;
	double seen; /* monotonic seconds */
};

struct witserve {
	struct witproto_ctx ctx;
	witserve_submit_fn submit;
	void *submit_arg;
	witserve_deliver_fn deliver;
	struct bucket buckets[WITSERVE_ADDRS];
	size_t nbuckets;
};

/* A request between its check and its answer. */
struct witjob {
	struct witserve *w;
	void *owner; /* the waiting connection; NULL once it went away */
	struct witproto_req r;
};

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One request of addr: false when it is over its rate. */
static bool
admit(struct witserve *w, const char *addr)
{
	double t = now_s();
	struct bucket *b = NULL, *oldest = &w->buckets[0];
	for (size_t i = 0; i < w->nbuckets; i++) {
		if (!strcmp(w->buckets[i].addr, addr)) {
			b = &w->buckets[i];
			break;
		}
		if (w->buckets[i].seen < oldest->seen)
			oldest = &w->buckets[i];
	}
	if (!b) {
		b = w->nbuckets < WITSERVE_ADDRS ? &w->buckets[w->nbuckets++] : oldest;
		snprintf(b->addr, sizeof(b->addr), "%s", addr);
		b->tokens = WITSERVE_BURST;
		b->seen = t;
	}
	b->tokens += (t - b->seen) * WITSERVE_RATE;
	if (b->tokens > WITSERVE_BURST)
		b->tokens = WITSERVE_BURST;
	b->seen = t;
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}

struct witserve *
witserve_create(const struct witproto_ctx *ctx, witserve_submit_fn submit, void *submit_arg,
                witserve_deliver_fn deliver)
{
	struct witserve *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->ctx = *ctx;
	w->submit = submit;
	w->submit_arg = submit_arg;
	w->deliver = deliver;
	return w;
}

void
witserve_free(struct witserve *w)
{
	free(w);
}

/* The answer to a judged (and, accepted, committed) request. */
static void
answer(const struct witproto_req *r, struct api_resp *resp)
{
	char size[32];
	if (r->status == 200) {
		api_text(resp, 200, "text/plain; charset=utf-8", r->line, r->line_len);
	} else if (r->status == 409) {
		int n = snprintf(size, sizeof(size), "%" PRIu64 "\n", r->latest);
		api_text(resp, 409, "text/x.tlog.size", size, (size_t)n);
	} else {
		api_error(resp, r->status, NULL, "%s", r->reason);
	}
}

static int
job_run(MDB_txn *txn, void *arg)
{
	struct witjob *j = arg;
	return witproto_commit(&j->w->ctx, txn, &j->r);
}

static void
job_done(void *arg, int rc)
{
	struct witjob *j = arg;
	struct api_resp resp = { 0 };
	if (rc != 0) {
		log_warn("witness: cannot record the checkpoint of %s at %" PRIu64 ": %s",
		         j->r.origin, j->r.size, store_strerror(rc));
		j->r.status = 503;
		snprintf(
		        j->r.reason, sizeof(j->r.reason),
		        "the node could not record the checkpoint (%s); nothing was cosigned: retry "
		        "later",
		        store_strerror(rc));
	} else if (j->r.status == 200) {
		log_info("witness: cosigned %s at size %" PRIu64, j->r.origin, j->r.size);
	}
	if (j->owner) {
		answer(&j->r, &resp);
		j->w->deliver(j->owner, &resp);
	}
	witproto_req_free(&j->r);
	free(j);
}

static void
job_detach(void *arg)
{
	((struct witjob *)arg)->owner = NULL;
}

static int
run_now(MDB_txn *txn, void *arg)
{
	return job_run(txn, arg);
}

bool
api_witness_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	struct witserve *w = c->witness;
	struct witjob *j;
	int rc;

	if (strcmp(req->path, "/witness/add-checkpoint"))
		return false;
	if (req->admin) {
		api_error(resp, 403, NULL, "the witness is served on the public listener");
		return true;
	}
	if (req->method != API_POST) {
		api_error(resp, 405, NULL, "add-checkpoint takes a POST (C2SP tlog-witness)");
		return true;
	}
	if (!w) {
		api_error(resp, 404, NULL,
		          "this node is no witness (it has no store to record in)");
		return true;
	}
	if (!admit(w, req->client)) {
		api_error(resp, 429, NULL, "more than %d requests a second from %s; slow down",
		          WITSERVE_RATE, req->client);
		return true;
	}
	if (!(j = calloc(1, sizeof(*j)))) {
		api_error(resp, 500, NULL, "out of memory");
		return true;
	}
	j->w = w;
	rc = witproto_check(&w->ctx, (const char *)req->body, req->body_len, (uint64_t)time(NULL),
	                    &j->r);
	if (rc == 0 && j->r.status == 0) {
		if (!w->submit) {
			/* No writer: record at once, in this thread. */
			rc = store_write(w->ctx.store, run_now, j);
			j->owner = NULL;
			if (rc == 0 && j->r.status == 200)
				log_info("witness: cosigned %s at size %" PRIu64, j->r.origin,
				         j->r.size);
			if (rc != 0) {
				j->r.status = 503;
				snprintf(
				        j->r.reason, sizeof(j->r.reason),
				        "the node could not record the checkpoint (%s); retry later",
				        store_strerror(rc));
			}
		} else {
			j->owner = req->owner;
			if (w->submit(w->submit_arg, job_run, job_done, j,
			              sizeof(*j) + j->r.note_len) == 0) {
				resp->deferred = true;
				resp->later = j;
				resp->detach = job_detach;
				return true;
			}
			j->r.status = 503;
			snprintf(j->r.reason, sizeof(j->r.reason),
			         "the node's write queue is full; retry in a moment");
		}
	}
	answer(&j->r, resp);
	witproto_req_free(&j->r);
	free(j);
	return true;
}
