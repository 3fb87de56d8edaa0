/*
 * Tests of node/daemon/api_admin.c through the routes' context (api.h), without a daemon: the
 * status of a member node and of a mirror, and the refusals before anything is queued: no
 * token, the public listener, wrong methods, a mirror, a node without its writer, its member
 * suspended or its key rotated by the authority, and bodies that are not entries. Publishing
 * itself needs the writer thread (publish.h, which takes the node) and is tested end to end in
 * tests/integration/daemon_api.sh.
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
#include "routes.h"
#include "synth.h"

#define A "remacto.ma/commune-a"

/* The requests below that get past the publishing checks are refused before the publisher is
 * used: the context's publisher only has to be there. It is never dereferenced. */
static char not_a_publisher;
#define SOME_PUBLISHER ((struct publisher *)(void *)&not_a_publisher)

struct fx {
	struct synth sy;
	struct metrics m;
	struct api_ctx member, mirror;
};

static int
setup(void **state)
{
	static const char *const entry[] = {
		"{\"schema\":1,\"published\":\"2025-01-10T09:00:00Z\",\"programme\":{\"id\":\"P\","
		"\"title\":{\"fr\":\"Programme\"}}}",
	};
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	synth_init(&f->sy);
	synth_member(&f->sy, A, "COMMUNE", "4210101", "04", 50000, "2024-01-10");
	synth_log(&f->sy, 0, entry, 1);
	atomic_store(&f->m.entries_published, 4);
	atomic_store(&f->m.commits, 2);
	f->member = (struct api_ctx){ .store = &f->sy.s,
		                      .pub = SOME_PUBLISHER,
		                      .metrics = &f->m,
		                      .own = &f->sy.key[0].v,
		                      .network = "remacto",
		                      .started = time(NULL) - 5 };
	f->mirror = (struct api_ctx){ .store = &f->sy.s, .network = "remacto" };
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

static json_t *
admin(const struct api_ctx *c, enum api_method m, const char *path, const char *body, int status)
{
	struct api_resp r = route_body(c, ADMIN, m, path, NULL, body);
	return route_json(&r, status, path);
}

static void
test_status(void **state)
{
	struct fx *f = *state;
	json_t *j = admin(&f->member, API_GET, "/api/v1/status", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "network")), "remacto");
	assert_string_equal(json_string_value(json_object_get(j, "origin")), A);
	assert_int_equal(json_integer_value(json_object_get(j, "treeSize")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "entriesPublished")), 4);
	assert_int_equal(json_integer_value(json_object_get(j, "commits")), 2);
	assert_true(json_integer_value(json_object_get(j, "uptimeSeconds")) >= 5);
	assert_non_null(strstr(json_string_value(json_object_get(j, "checkpoint")), A "\n1\n"));
	assert_null(json_object_get(j, "suspended"));
	json_decref(j);
	j = admin(&f->mirror, API_GET, "/api/v1/status", NULL, 200);
	assert_string_equal(json_string_value(json_object_get(j, "origin")), "");
	assert_null(json_object_get(j, "treeSize"));
	assert_int_equal(json_integer_value(json_object_get(j, "entriesPublished")), 0);
	json_decref(j);
}

static void
test_listener_method_token(void **state)
{
	struct fx *f = *state;
	struct api_resp r = route_body(&f->member, ADMIN_NO_TOKEN, API_POST, "/api/v1/entries",
	                               NULL, "{}");
	json_t *j = route_json(&r, 401, "no token");
	json_decref(j);
	r = route_body(&f->member, PUBLIC, API_POST, "/api/v1/entries", NULL, "{}");
	j = route_json(&r, 403, "public listener");
	assert_non_null(strstr(error_reason(j), "admin listener only"));
	json_decref(j);
	json_decref(admin(&f->member, API_GET, "/api/v1/entries", NULL, 405));
	json_decref(admin(&f->member, API_GET, "/api/v1/import", NULL, 405));
	json_decref(admin(&f->member, API_POST, "/api/v1/status", "{}", 405));
}

static void
test_mirror_and_no_writer(void **state)
{
	struct fx *f = *state;
	json_t *j = admin(&f->mirror, API_POST, "/api/v1/entries", "{}", 403);
	assert_non_null(strstr(error_reason(j), "read-only mirror"));
	json_decref(j);
	struct api_ctx c = f->member;
	c.pub = NULL;
	j = admin(&c, API_POST, "/api/v1/import", "member\r\n", 403);
	json_decref(j);
}

static void
test_suspended(void **state)
{
	struct fx *f = *state;
	char js[512];
	snprintf(js, sizeof(js),
	         "{\"schema\":1,\"published\":\"2025-02-01T09:00:00Z\",\"memberSuspension\":"
	         "{\"origin\":\"%s\",\"atSize\":\"1\",\"reason\":{\"fr\":\"audit\"}}}",
	         A);
	synth_registry(&f->sy, js);
	json_t *j = admin(&f->member, API_POST, "/api/v1/entries", "{}", 403);
	json_t *sp = json_object_get(json_object_get(j, "error"), "suspended");
	assert_non_null(sp);
	assert_int_equal(json_integer_value(json_object_get(sp, "atSize")), 1);
	json_decref(j);
	j = admin(&f->member, API_GET, "/api/v1/status", NULL, 200);
	assert_non_null(json_object_get(j, "suspended"));
	json_decref(j);
}

/* The authority rotated the member's key: this node's key would sign checkpoints nobody takes. */
static void
test_key_rotated(void **state)
{
	struct fx *f = *state;
	struct note_signer k2;
	char vk2[NOTE_VKEY_MAX + 1], js[1024];
	synth_signer(&k2, vk2, A, 0x99);
	snprintf(js, sizeof(js),
	         "{\"schema\":1,\"published\":\"2025-02-01T09:00:00Z\",\"keyRotation\":"
	         "{\"origin\":\"%s\",\"verifierKey\":\"%s\",\"fromSize\":\"2\"}}",
	         A, vk2);
	synth_registry(&f->sy, js);
	json_t *j = admin(&f->member, API_POST, "/api/v1/entries", "{}", 403);
	assert_non_null(strstr(error_reason(j), "rotated the key"));
	json_decref(j);
	note_signer_free(&k2);
}

/* Past the checks, bodies that are not entries are refused before anything is queued. */
static void
test_bodies_refused(void **state)
{
	struct fx *f = *state;
	json_t *j = admin(&f->member, API_POST, "/api/v1/entries", "{\"schema\":", 400);
	assert_non_null(strstr(error_reason(j), "invalid JSON"));
	json_decref(j);
	j = admin(&f->member, API_POST, "/api/v1/entries", "[]", 400);
	json_decref(j);
	j = admin(&f->member, API_POST, "/api/v1/entries",
	          "[{\"schema\":1,\"programme\":{\"id\":\"P2\",\"title\":{\"fr\":\"X\"}}},"
	          "{\"schema\":1,\"measurement\":{\"indicatorId\":\"I\",\"period\":\"2024-13\","
	          "\"value\":1}}]",
	          400);
	assert_string_equal(error_field(j), "[1].measurement.period");
	json_decref(j);
	j = admin(&f->member, API_POST, "/api/v1/import", "member,indicator_id,period,value\r\n",
	          400);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_method_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mirror_and_no_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspended, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_rotated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bodies_refused, setup, teardown),
	};
	return cmocka_run_group_tests_name("api_admin", tests, NULL, NULL);
}
