/*
 * Tests of node/daemon/api_read.c through the routes' context (api.h), without a daemon: a
 * store holding the registry and one member's log of three entries, and contexts that are a
 * member node (own key set), a mirror (none), with or without counters. /healthz (ok, degraded
 * by a suspension only on the member's own node), /metrics from the context's counters and
 * store, the logs and their entries (malformed integers refused), a replica listed part-way
 * through its catch-up (no checkpoint yet), tiles (canonical names only,
 * partial tiles short-lived), the checkpoint, and the methods and listeners refused.
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

#include "daemon/metrics.h"
#include "replica_part.h"
#include "routes.h"
#include "synth.h"

#define A "remacto.ma/commune-a"

struct fx {
	struct synth sy;
	struct metrics m;
	struct api_ctx member, mirror;
};

static const char *const a_entries[] = {
	"{\"schema\":1,\"published\":\"2025-01-10T09:00:00Z\",\"programme\":{\"id\":\"P\",\"title\":"
	"{\"fr\":\"Programme\"}}}",
	"{\"schema\":1,\"published\":\"2025-01-11T09:00:00Z\",\"indicator\":{\"id\":\"I\",\"title\":"
	"{\"fr\":\"Indicateur\"}}}",
	"{\"schema\":1,\"published\":\"2025-01-12T09:00:00Z\",\"measurement\":{\"indicatorId\":\"I\","
	"\"period\":\"2024\",\"value\":3}}",
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	synth_init(&f->sy);
	synth_member(&f->sy, A, "COMMUNE", "4210101", "04", 50000, "2024-01-10");
	synth_log(&f->sy, 0, a_entries, 3);
	atomic_store(&f->m.entries_published, 7);
	atomic_store(&f->m.http_by_status[2], 5);
	f->member = (struct api_ctx){ .store = &f->sy.s,
		                      .metrics = &f->m,
		                      .own = &f->sy.key[0].v,
		                      .network = "remacto",
		                      .started = time(NULL) - 42 };
	f->mirror = (struct api_ctx){ .store = &f->sy.s, .started = time(NULL) };
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	synth_free(&f->sy);
	free(f);
	return 0;
}

static void
test_healthz(void **state)
{
	struct fx *f = *state;
	json_t *j = get_json(&f->member, "/healthz", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
	assert_true(json_integer_value(json_object_get(j, "uptimeSeconds")) >= 42);
	json_decref(j);
}

/* A suspension degrades the member's own node (it refuses to publish), not a mirror's health. */
static void
test_healthz_suspended(void **state)
{
	struct fx *f = *state;
	char js[512];
	snprintf(js, sizeof(js),
	         "{\"schema\":1,\"published\":\"2025-02-01T09:00:00Z\",\"memberSuspension\":"
	         "{\"origin\":\"%s\",\"atSize\":\"3\",\"reason\":{\"fr\":\"audit\"}}}",
	         A);
	synth_registry(&f->sy, js);
	json_t *j = get_json(&f->member, "/healthz", NULL, 503);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "degraded");
	assert_non_null(json_object_get(j, "suspended"));
	json_decref(j);
	j = get_json(&f->mirror, "/healthz", NULL, 200);
	assert_null(json_object_get(j, "suspended"));
	json_decref(j);
}

static void
test_metrics(void **state)
{
	struct fx *f = *state;
	struct api_resp r = route(&f->member, PUBLIC, API_GET, "/metrics", NULL);
	char *text;
	assert_int_equal(r.status, 200);
	assert_non_null(text = strndup((const char *)r.body, r.len));
	assert_non_null(strstr(text, "\nremacto_entries_published_total 7\n"));
	assert_non_null(strstr(text, "remacto_http_requests_total{code=\"2xx\"} 5\n"));
	assert_non_null(strstr(text, "remacto_log_entries{origin=\"" A "\"} 3\n"));
	assert_null(strstr(text, "remacto_peer_up")); /* no transport in the context */
	free(text);
	api_resp_free(&r);
	/* A context without counters shows zeros, the logs still. */
	r = route(&f->mirror, PUBLIC, API_GET, "/metrics", NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(text = strndup((const char *)r.body, r.len));
	assert_non_null(strstr(text, "\nremacto_entries_published_total 0\n"));
	assert_non_null(strstr(text, "remacto_log_entries{origin=\"" A "\"} 3\n"));
	free(text);
	api_resp_free(&r);
}

static void
test_logs_and_entries(void **state)
{
	struct fx *f = *state;
	json_t *j = get_json(&f->mirror, "/api/v1/logs", NULL, 200);
	assert_int_equal(json_array_size(json_object_get(j, "logs")), 2); /* registry, A */
	json_decref(j);
	j = get_json(&f->mirror, "/api/v1/logs/commune-a/entries", "start=1&limit=5", 200);
	json_t *e = json_object_get(j, "entries");
	assert_int_equal(json_array_size(e), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(e, 0), "index")), 1);
	json_decref(j);
	/* An integer parameter that is present must be one, in range: never silently ignored. */
	static const char *const bad[] = {
		"limit=abc",  "limit=",
		"limit=%2B5", "limit=1001",
		"limit=%zz",  "limit=1%00",
		"start=-1",   "limit=99999999999999999999999999999999999999"
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = get_json(&f->mirror, "/api/v1/logs/commune-a/entries", bad[i], 400);
		if (strcmp(error_field(j), bad[i][0] == 'l' ? "limit" : "start") != 0)
			fail_msg("%s: field %s", bad[i], error_field(j));
		json_decref(j);
	}
	j = get_json(&f->mirror, "/api/v1/logs/nope", NULL, 404);
	json_decref(j);
}

/* Such a log is listed, at its size, with no checkpoint: the listing of a mirror polled while
 * it catches up (tests/integration/fed_mirror.sh: under UBSan, copying the absent checkpoint
 * from NULL aborted the mirror). */
static void
test_logs_replica_without_checkpoint(void **state)
{
	struct fx *f = *state;
	struct note_signer k;
	char vkey[NOTE_VKEY_MAX + 1];
	const char *origin = "remacto.ma/commune-b";
	synth_signer(&k, vkey, origin, 0x70);
	assert_int_equal(replica_part_write(&f->sy.s, origin, vkey, a_entries, 2, synth_err,
	                                    sizeof(synth_err)),
	                 0);
	json_t *j = get_json(&f->mirror, "/api/v1/logs", NULL, 200), *b = NULL, *l;
	size_t i;
	json_array_foreach(json_object_get(j, "logs"), i,
	                   l) if (!strcmp(json_string_value(json_object_get(l, "origin")), origin))
	        b = l;
	assert_non_null(b);
	assert_int_equal(json_integer_value(json_object_get(b, "size")), 2);
	assert_string_equal(json_string_value(json_object_get(b, "checkpoint")), "");
	assert_false(json_is_true(json_object_get(b, "own")));
	json_decref(j);
	struct api_resp resp = route(&f->mirror, PUBLIC, API_GET, "/api/v1/logs.csv", NULL);
	assert_int_equal(resp.status, 200);
	assert_non_null(memmem(resp.body, resp.len, "remacto.ma/commune-b,commune-b,2,",
	                       strlen("remacto.ma/commune-b,commune-b,2,")));
	api_resp_free(&resp);
	note_signer_free(&k);
}

static void
test_tiles_and_checkpoint(void **state)
{
	struct fx *f = *state;
	struct api_resp r = route(&f->mirror, PUBLIC, API_GET, "/logs/commune-a/tile/0/000.p/3",
	                          NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 3 * 32);
	assert_string_equal(r.cache_control, "public, max-age=5");
	api_resp_free(&r);
	r = route(&f->mirror, PUBLIC, API_GET, "/logs/commune-a/tile/entries/000.p/3", NULL);
	assert_int_equal(r.status, 200);
	size_t off = 0, n = 0;
	while (off + 2 <= r.len) {
		off += 2 + ((size_t)r.body[off] << 8 | r.body[off + 1]);
		n++;
	}
	assert_int_equal(off, r.len);
	assert_int_equal(n, 3);
	api_resp_free(&r);
	/* Not full yet, another spelling, past the tree, past 2^64: 404, never cached. */
	static const char *const none[] = {
		"/logs/commune-a/tile/0/000", "/logs/commune-a/tile/0/x000/000.p/3",
		"/logs/commune-a/tile/0/000.p/4",
		"/logs/commune-a/tile/0/x018/x446/x744/x073/x709/x551/616"
	};
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		r = route(&f->mirror, PUBLIC, API_GET, none[i], NULL);
		if (r.status != 404)
			fail_msg("%s: %d", none[i], r.status);
		assert_null(r.cache_control);
		api_resp_free(&r);
	}
	r = route(&f->mirror, PUBLIC, API_GET, "/logs/commune-a/checkpoint", NULL);
	assert_int_equal(r.status, 200);
	/* Shared caches may answer for a second; browsers revalidate (ETag, cache.h). */
	assert_string_equal(r.cache_control, "public, max-age=0, s-maxage=1");
	assert_memory_equal(r.body, A "\n3\n", strlen(A "\n3\n"));
	api_resp_free(&r);
}

static void
test_refused(void **state)
{
	struct fx *f = *state;
	struct api_resp r = route(&f->member, PUBLIC, API_POST, "/healthz", NULL);
	json_t *j = route_json(&r, 405, "POST /healthz");
	json_decref(j);
	r = route(&f->member, PUBLIC, API_HEAD, "/api/v1/status", NULL);
	j = route_json(&r, 403, "status on the public listener");
	json_decref(j);
	r = route(&f->member, ADMIN_NO_TOKEN, API_GET, "/healthz", NULL);
	j = route_json(&r, 401, "admin without a token");
	assert_string_equal(error_field(j), "Authorization");
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_healthz_suspended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs_and_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs_replica_without_checkpoint, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_tiles_and_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("api_read", tests, NULL, NULL);
}
