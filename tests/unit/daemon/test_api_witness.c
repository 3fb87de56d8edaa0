/*
 * Tests of POST /witness/add-checkpoint (node/daemon/api_witness.c, peers/witproto.c) through
 * the routes' context, without a daemon: a store holding the registry and a member's log of
 * three entries, and an outside log in a store of its own (its checkpoints and proofs made
 * with store/tlog.h). Checked: each status of C2SP tlog-witness with its body (200 and a
 * cosignature that verifies, 409 text/x.tlog.size, 400, 403, 404, 422), the member's log
 * judged with the key the registry gives it (a suspension refuses it), the latest size taken
 * from the checkpoint the node serves, a job answered later through the writer (and one whose
 * client went away: recorded, not answered), the per-address rate, and the listener, method
 * and absent-service refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/tlogproof.h"
#include "daemon/witserve.h"
#include "routes.h"
#include "synth.h"

#define A "remacto.ma/commune-a"
#define OUT "example.org/out"

struct fx {
	struct synth sy;
	struct store out; /* the outside log's own store */
	char outdir[64];
	struct note_signer outkey, wit;
	struct witserve *ws;
	struct api_ctx c;
	/* the fake writer and connection */
	witserve_run_fn run;
	witserve_done_fn done;
	void *job;
	int delivered;
	struct api_resp last;
};

static const char *const a_entries[] = {
	"{\"schema\":1,\"published\":\"2025-01-10T09:00:00Z\",\"programme\":{\"id\":\"P\",\"title\":"
	"{\"fr\":\"Programme\"}}}",
	"{\"schema\":1,\"published\":\"2025-01-11T09:00:00Z\",\"indicator\":{\"id\":\"I\",\"title\":"
	"{\"fr\":\"Indicateur\"}}}",
	"{\"schema\":1,\"published\":\"2025-01-12T09:00:00Z\",\"measurement\":{\"indicatorId\":\"I\","
	"\"period\":\"2024\",\"value\":3}}",
};

static struct fx *the_fx;

static int
fake_submit(void *arg, witserve_run_fn run, witserve_done_fn done, void *job, size_t bytes)
{
	struct fx *f = arg;
	(void)bytes;
	f->run = run, f->done = done, f->job = job;
	return 0;
}

static void
fake_deliver(void *owner, struct api_resp *resp)
{
	(void)owner;
	api_resp_free(&the_fx->last);
	the_fx->last = *resp;
	the_fx->delivered++;
}

static void
out_append(struct fx *f, size_t n)
{
	char err[256];
	for (size_t i = 0; i < n; i++) {
		uint8_t e[8] = { 0x08, 0x01, 0x12, 0x04, 'x', 'y', 'z', (uint8_t)('a' + i) };
		struct tlog_blob b = { e, sizeof(e) };
		assert_int_equal(
		        tlog_append(&f->out, OUT, &f->outkey, &b, 1, NULL, NULL, err, sizeof(err)),
		        0);
	}
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256], vk[NOTE_VKEY_MAX + 1];
	uint8_t seed[32];
	assert_non_null(f);
	the_fx = f;
	synth_init(&f->sy);
	synth_member(&f->sy, A, "COMMUNE", "4210101", "04", 50000, "2024-01-10");
	synth_log(&f->sy, 0, a_entries, 3);
	synth_signer(&f->outkey, vk, OUT, 0x61);
	memset(seed, 0x71, sizeof(seed));
	assert_int_equal(
	        note_signer_from_seed(&f->wit, "witness.example", NOTE_ALG_COSIGNATURE_V1, seed),
	        0);
	snprintf(f->outdir, sizeof(f->outdir), "/tmp/remacto-witout-XXXXXX");
	assert_non_null(mkdtemp(f->outdir));
	assert_int_equal(ledger_open(&f->out, f->outdir, STORE_CREATE, 0, err, sizeof(err)), 0);
	assert_int_equal(tlog_create(&f->out, &f->outkey, NULL, err, sizeof(err)), 0);
	out_append(f, 2);
	struct witproto_ctx wc = { .store = &f->sy.s,
		                   .witness = &f->wit,
		                   .own = "",
		                   .outside = &f->outkey.v,
		                   .noutside = 1 };
	assert_non_null(f->ws = witserve_create(&wc, NULL, NULL, fake_deliver));
	f->c = (struct api_ctx){ .store = &f->sy.s, .witness = f->ws };
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	witserve_free(f->ws);
	store_close(&f->out);
	synth_rm(f->outdir);
	note_signer_free(&f->outkey);
	note_signer_free(&f->wit);
	api_resp_free(&f->last);
	synth_free(&f->sy);
	free(f);
	return 0;
}

/* The served checkpoint of origin in s. */
static void
served(struct store *s, const char *origin, struct tlog_head *h)
{
	MDB_txn *txn;
	assert_int_equal(store_read_begin(s, &txn), 0);
	assert_int_equal(tlog_head(s, txn, origin, h), 0);
	mdb_txn_abort(txn);
}

/* "old OLD", the proof from OLD to the head's size (when proof), the checkpoint. */
static char *
body(struct store *s, const char *origin, uint64_t old, bool proof)
{
	struct tlog_head *h = malloc(sizeof(*h));
	uint8_t a[32], b[32], p[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
	size_t np = 0;
	struct buf out = BUF_INIT(0);
	MDB_txn *txn;
	assert_non_null(h);
	served(s, origin, h);
	if (proof && old > 0 && old < h->size) {
		assert_int_equal(store_read_begin(s, &txn), 0);
		assert_int_equal(tlog_consistency(s, txn, h, old, h->size, a, b, p, &np), 0);
		mdb_txn_abort(txn);
	}
	assert_int_equal(tlogproof_addreq_format(old, (const uint8_t(*)[32])p, np, h->checkpoint,
	                                         h->checkpoint_len, &out),
	                 0);
	free(h);
	return buf_steal(&out, NULL);
}

static struct api_resp
post(struct fx *f, const char *client, const char *b)
{
	struct api_req *req = calloc(1, sizeof(*req));
	struct api_resp resp;
	assert_non_null(req);
	req->method = API_POST;
	snprintf(req->path, sizeof(req->path), "/witness/add-checkpoint");
	snprintf(req->client, sizeof(req->client), "%s", client);
	req->body = (const uint8_t *)b;
	req->body_len = strlen(b);
	req->owner = f;
	assert_int_equal(api_handle(&f->c, req, &resp), 0);
	free(req);
	return resp;
}

/* Posts b and checks the status; for 200 the line verifies over b's checkpoint, for 409 the
 * body is the size. Frees b. */
static void
expect(struct fx *f, char *b, int status, uint64_t size409)
{
	static int n;
	char client[32];
	snprintf(client, sizeof(client), "10.1.%d.%d", n / 200, n % 200); /* below any rate */
	n++;
	struct api_resp r = post(f, client, b);
	if (r.status != status)
		fail_msg("status %d, expected %d: %.*s", r.status, status, (int)r.len,
		         r.body ? (char *)r.body : "");
	if (status == 409) {
		char want[32];
		snprintf(want, sizeof(want), "%llu\n", (unsigned long long)size409);
		assert_string_equal(r.content_type, "text/x.tlog.size");
		assert_int_equal(r.len, strlen(want));
		assert_memory_equal(r.body, want, r.len);
	}
	if (status == 200) {
		struct tlogproof p;
		struct note nt;
		char err[256];
		assert_true(tlogproof_addreq_parse(b, strlen(b), &p, err, sizeof(err)));
		char *msg = malloc(p.note_len + r.len);
		memcpy(msg, p.note, p.note_len);
		memcpy(msg + p.note_len, r.body, r.len);
		assert_true(
		        note_open(msg, p.note_len + r.len, &f->wit.v, 1, &nt, err, sizeof(err)));
		assert_true(nt.sigs[nt.nsigs - 1].verified);
		free(msg);
		tlogproof_free(&p);
	}
	api_resp_free(&r);
	free(b);
}

static void
test_outside_log(void **state)
{
	struct fx *f = *state;
	expect(f, body(&f->out, OUT, 0, false), 200, 0);
	expect(f, body(&f->out, OUT, 0, false), 409, 2);
	out_append(f, 3);
	expect(f, body(&f->out, OUT, 2, true), 200, 0);
	expect(f, body(&f->out, OUT, 5, false), 200, 0); /* the same size again */
	expect(f, body(&f->out, OUT, 6, false), 400, 0);
	out_append(f, 4);
	char *b = body(&f->out, OUT, 5, true);
	char *line = strchr(b, '\n') + 1; /* the first proof hash */
	line[10] = line[10] == 'A' ? 'B' : 'A';
	expect(f, b, 422, 0);
	expect(f, body(&f->out, OUT, 5, true), 200, 0);
	expect(f, body(&f->out, OUT, 0, false), 409, 9);
	/* Garbage and a checkpoint nobody trusts. */
	expect(f, strdup("old 1\n\nnot a note\n"), 400, 0);
	expect(f, strdup("old x\n\n"), 400, 0);
}

static void
test_member_log(void **state)
{
	struct fx *f = *state;
	/* The node holds A's log at 3 (and cosigned it, as federation does): that is the latest. */
	expect(f, body(&f->sy.s, A, 0, false), 409, 3);
	expect(f, body(&f->sy.s, A, 3, false), 200, 0);
	/* The registry's own log is witnessed too. */
	expect(f, body(&f->sy.s, SYNTH_REG, 0, false), 409, 1);
	/* Another signer for A: 403. */
	struct note_signer other;
	char vk[NOTE_VKEY_MAX + 1], note[1024];
	static const char text[] = A "\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
	synth_signer(&other, vk, A, 0x55);
	int n = note_sign(&other, text, sizeof(text) - 1, note, sizeof(note));
	assert_true(n > 0);
	char *b = malloc(strlen(note) + 16);
	snprintf(b, strlen(note) + 16, "old 3\n\n%s", note);
	expect(f, b, 403, 0);
	note_signer_free(&other);
	/* Suspended past 2: its checkpoint of 3 is no longer witnessed. */
	synth_registry(&f->sy, "{\"schema\":1,\"published\":\"2025-02-01T00:00:00Z\","
	                       "\"memberSuspension\":{\"origin\":\"" A "\",\"atSize\":\"2\"}}");
	expect(f, body(&f->sy.s, A, 3, false), 403, 0);
}

static void
test_unknown_and_own(void **state)
{
	struct fx *f = *state;
	/* An outside log nobody configured. */
	struct witproto_ctx wc = { .store = &f->sy.s, .witness = &f->wit, .own = A };
	struct witserve *ws = witserve_create(&wc, NULL, NULL, fake_deliver);
	struct api_ctx c = f->c;
	f->c.witness = ws;
	expect(f, body(&f->out, OUT, 0, false), 404, 0);
	expect(f, body(&f->sy.s, A, 3, false), 404, 0); /* its own log */
	f->c = c;
	witserve_free(ws);
}

static void
test_deferred(void **state)
{
	struct fx *f = *state;
	struct witproto_ctx wc = { .store = &f->sy.s,
		                   .witness = &f->wit,
		                   .own = "",
		                   .outside = &f->outkey.v,
		                   .noutside = 1 };
	struct witserve *ws = witserve_create(&wc, fake_submit, f, fake_deliver);
	struct api_ctx c = f->c;
	f->c.witness = ws;
	char *b = body(&f->out, OUT, 0, false);
	struct api_resp r = post(f, "10.9.0.1", b);
	assert_true(r.deferred);
	assert_non_null(r.later);
	assert_int_equal(f->delivered, 0);
	/* The writer runs it, then its done callback answers the connection. */
	assert_int_equal(store_write(&f->sy.s, f->run, f->job), 0);
	f->done(f->job, 0);
	assert_int_equal(f->delivered, 1);
	assert_int_equal(f->last.status, 200);
	free(b);
	/* A client that goes away: the job still records, nobody is answered. */
	out_append(f, 1);
	b = body(&f->out, OUT, 2, true);
	r = post(f, "10.9.0.1", b);
	assert_true(r.deferred);
	r.detach(r.later);
	assert_int_equal(store_write(&f->sy.s, f->run, f->job), 0);
	f->done(f->job, 0);
	assert_int_equal(f->delivered, 1);
	free(b);
	f->c = c;
	witserve_free(ws);
	expect(f, body(&f->out, OUT, 0, false), 409, 3); /* recorded all the same */
}

static void
test_rate_and_refusals(void **state)
{
	struct fx *f = *state;
	int limited = 0, first = 0;
	for (int i = 0; i < WITSERVE_BURST + 5; i++) {
		struct api_resp r = post(f, "10.200.0.1", "old 1\n\nx\n");
		if (r.status == 429)
			limited++;
		else if (i < WITSERVE_BURST)
			first++;
		api_resp_free(&r);
	}
	assert_int_equal(first, WITSERVE_BURST);
	assert_true(limited >= 4);
	struct api_resp r = post(f, "10.200.0.2", "old 1\n\nx\n");
	assert_int_equal(r.status, 400); /* another address */
	api_resp_free(&r);
	r = route(&f->c, PUBLIC, API_GET, "/witness/add-checkpoint", NULL);
	assert_int_equal(r.status, 405);
	api_resp_free(&r);
	r = route_body(&f->c, ADMIN, API_POST, "/witness/add-checkpoint", NULL, "old 0\n");
	assert_int_equal(r.status, 403);
	api_resp_free(&r);
	struct api_ctx none = { .store = &f->sy.s };
	r = route_body(&none, PUBLIC, API_POST, "/witness/add-checkpoint", NULL, "old 0\n");
	assert_int_equal(r.status, 404);
	api_resp_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outside_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_member_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_own, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_and_refusals, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
