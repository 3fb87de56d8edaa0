/*
 * Tests of node/daemon/publish.c with the store's real writer thread, through the admin route
 * (api_admin.c) as http.c calls it: the race between the route's registry check and the write.
 * A suspension of the node's member replicated after the route let a publication through, but
 * before the writer ran it, must refuse it with the same 403 the route gives, and store
 * nothing. The order is forced, not timed: the suspension's job holds the writer until the
 * route has queued the publication.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "daemon/node.h"
#include "daemon/publish.h"
#include "routes.h"
#include "store/writer.h"
#include "synth.h"

#define A "remacto.ma/commune-a"
#define WAIT_S 10 /* bound on every wait below; the writer needs milliseconds */

static const char entry_json[] =
        "{\"schema\":1,\"published\":\"2025-01-10T09:00:00Z\",\"programme\":{\"id\":\"P\","
        "\"title\":{\"fr\":\"Programme\"}}}";

struct fx {
	struct synth sy;
	struct node *n;
	struct api_ctx c;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool holding, release; /* the suspension's job: running and held / may go on */
	unsigned wakes;        /* the writer woke the collecting thread */
	int sus_rc;            /* what the suspension's job returned */
	/* The answer publish_collect handed to the connection. */
	int status;
	char *body;
	size_t len;
	void *owner;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	assert_non_null(f);
	synth_init(&f->sy);
	synth_member(&f->sy, A, "COMMUNE", "4210101", "04", 50000, "2024-01-10");
	/* The node opens the same folder; the synth store is closed first (one environment per
	 * process and folder). */
	store_close(&f->sy.s);
	f->sy.open = false;
	assert_non_null(f->n = calloc(1, sizeof(*f->n)));
	assert_int_equal(ledger_open(&f->n->store, f->sy.dir, 0, 0, err, sizeof(err)), 0);
	f->n->signer = f->sy.key[0]; /* borrowed: synth_free frees the key */
	f->n->own_log = true;
	assert_non_null(f->n->writer = writer_start(&f->n->store, 0, err, sizeof(err)));
	assert_non_null(f->n->pub = publish_start(f->n, err, sizeof(err)));
	f->c = (struct api_ctx){ .store = &f->n->store,
		                 .pub = f->n->pub,
		                 .metrics = &f->n->metrics,
		                 .own = &f->n->signer.v,
		                 .network = "remacto",
		                 .started = time(NULL) };
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	writer_stop(f->n->writer);
	publish_stop(f->n->pub);
	store_close(&f->n->store);
	free(f->n);
	synth_free(&f->sy);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f->body);
	free(f);
	return 0;
}

/* Writer thread: a round left done callbacks due. */
static void
wake(void *arg)
{
	struct fx *f = arg;
	pthread_mutex_lock(&f->mu);
	f->wakes++;
	pthread_cond_broadcast(&f->cv);
	pthread_mutex_unlock(&f->mu);
}

/* Waits, at most WAIT_S, until *flag (or, flag NULL, `wakes` wakes). Caller holds f->mu. */
static bool
wait_locked(struct fx *f, const bool *flag, unsigned wakes)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += WAIT_S;
	while (flag ? !*flag : f->wakes < wakes)
		if (pthread_cond_timedwait(&f->cv, &f->mu, &until) == ETIMEDOUT)
			break;
	return flag ? *flag : f->wakes >= wakes;
}

/* The job fed would run for a registry entry it replicated: here the authority's
 * memberSuspension of A at size 0, appended to the registry log in the writer's transaction.
 * It first holds the writer until the test lets it go on. */
static int
suspend_job(MDB_txn *txn, void *arg)
{
	struct fx *f = arg;
	char js[512], why[400];
	json_error_t je;
	uint8_t *data = NULL;
	size_t len;
	struct tlog_batch b;
	struct tlog_head *h = malloc(sizeof(*h));
	int rc;

	pthread_mutex_lock(&f->mu);
	f->holding = true;
	pthread_cond_broadcast(&f->cv);
	bool go = wait_locked(f, &f->release, 0);
	pthread_mutex_unlock(&f->mu);
	if (!go || !h) {
		free(h);
		return -ETIMEDOUT;
	}
	snprintf(js, sizeof(js),
	         "{\"schema\":1,\"published\":\"2025-02-01T09:00:00Z\",\"memberSuspension\":"
	         "{\"origin\":\"%s\",\"atSize\":\"0\",\"reason\":{\"fr\":\"audit\"}}}",
	         A);
	json_t *j = json_loads(js, 0, &je);
	if (!j || entry_from_json(j, &data, &len, why, sizeof(why)) != 0) {
		json_decref(j);
		free(h);
		return -EINVAL;
	}
	json_decref(j);
	if ((rc = tlog_batch_begin(&b, &f->n->store, txn, SYNTH_REG)) == 0) {
		if ((rc = tlog_batch_add(&b, txn, data, len, true, why, sizeof(why))) == 0)
			rc = tlog_batch_seal(&b, txn, &f->sy.auth, h);
		tlog_batch_end(&b);
	}
	free(data);
	free(h);
	return rc;
}

static void
suspend_done(void *arg, int rc)
{
	((struct fx *)arg)->sus_rc = rc;
}

/* The connection's side of publish_collect. */
static void
answered(void *owner, struct api_resp *resp, void *arg)
{
	struct fx *f = arg;
	f->owner = owner;
	f->status = resp->status;
	f->body = (char *)resp->body; /* ours now */
	f->len = resp->len;
}

/* POST /api/v1/entries on the admin listener, from a connection that waits for the answer. */
static struct api_resp
post(struct fx *f, void *owner)
{
	struct api_req *req = calloc(1, sizeof(*req));
	struct api_resp resp;
	assert_non_null(req);
	req->method = API_POST;
	req->admin = req->authorized = true;
	snprintf(req->path, sizeof(req->path), "/api/v1/entries");
	req->content_type = "application/json";
	req->body = (const uint8_t *)entry_json;
	req->body_len = strlen(entry_json);
	req->owner = owner;
	assert_int_equal(api_handle(&f->c, req, &resp), 0);
	free(req);
	return resp;
}

static uint64_t
own_size(struct fx *f)
{
	MDB_txn *txn;
	struct tlog_head *h = malloc(sizeof(*h));
	uint64_t size;
	assert_non_null(h);
	assert_int_equal(store_read_begin(&f->n->store, &txn), 0);
	assert_int_equal(tlog_head(&f->n->store, txn, A, h), 0);
	mdb_txn_abort(txn);
	size = h->size;
	free(h);
	return size;
}

static void
test_suspended_between_check_and_write(void **state)
{
	struct fx *f = *state;
	static int conn; /* the connection's identity */
	struct writer_job sj = { .run = suspend_job, .done = suspend_done, .arg = f, .weight = 1 };

	writer_set_wake(f->n->writer, wake, f);
	/* The suspension is on its way to the store: its job runs, held before it writes. */
	assert_int_equal(writer_submit(f->n->writer, &sj), 0);
	pthread_mutex_lock(&f->mu);
	assert_true(wait_locked(f, &f->holding, 0));
	pthread_mutex_unlock(&f->mu);

	/* The route reads the registry as committed (not suspended) and queues the publication. */
	struct api_resp r = post(f, &conn);
	assert_true(r.deferred);
	assert_non_null(r.job);

	/* The suspension commits; then the writer runs the publication. */
	pthread_mutex_lock(&f->mu);
	f->release = true;
	pthread_cond_broadcast(&f->cv);
	unsigned got = 0;
	while (!f->owner && wait_locked(f, NULL, got + 1)) {
		got = f->wakes;
		pthread_mutex_unlock(&f->mu);
		writer_collect(f->n->writer);
		publish_collect(f->n->pub, answered, f);
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	assert_int_equal(f->sus_rc, 0);
	assert_ptr_equal(f->owner, &conn);
	if (f->status != 403)
		fail_msg("the writer answered %d, not 403: %.*s", f->status, (int)f->len,
		         f->body ? f->body : "");
	assert_int_equal(own_size(f), 0); /* nothing stored */

	/* The route, asked now, refuses with the same answer. */
	r = post(f, &conn);
	assert_false(r.deferred);
	assert_int_equal(r.status, 403);
	assert_int_equal(r.len, f->len);
	assert_memory_equal(r.body, f->body, f->len);
	json_t *j = route_json(&r, 403, "after the suspension");
	json_t *sp = json_object_get(json_object_get(j, "error"), "suspended");
	assert_non_null(sp);
	assert_int_equal(json_integer_value(json_object_get(sp, "atSize")), 0);
	json_decref(j);
}

/* Without a suspension the same path publishes: the test above fails for the right reason. */
static void
test_published_when_not_suspended(void **state)
{
	struct fx *f = *state;
	static int conn;

	writer_set_wake(f->n->writer, wake, f);
	struct api_resp r = post(f, &conn);
	assert_true(r.deferred);
	pthread_mutex_lock(&f->mu);
	unsigned got = 0;
	while (!f->owner && wait_locked(f, NULL, got + 1)) {
		got = f->wakes;
		pthread_mutex_unlock(&f->mu);
		writer_collect(f->n->writer);
		publish_collect(f->n->pub, answered, f);
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	assert_ptr_equal(f->owner, &conn);
	if (f->status != 200)
		fail_msg("answered %d: %.*s", f->status, (int)f->len, f->body ? f->body : "");
	assert_int_equal(own_size(f), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_suspended_between_check_and_write, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_published_when_not_suspended, setup, teardown),
	};
	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}
