/*
 * Tests of node/daemon/api_fed.c through the routes' context (api.h): a node without
 * federation (no transport in its context) lists no peers, in JSON and in CSV with the stable
 * header row; the route is read only; other paths are not its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "routes.h"

static void
test_no_federation(void **state)
{
	struct api_ctx c = { 0 }; /* the peer table is all this route reads */
	struct api_resp r;
	(void)state;
	json_t *j = get_json(&c, "/api/v1/peers", NULL, 200);
	assert_true(json_is_array(json_object_get(j, "peers")));
	assert_int_equal(json_array_size(json_object_get(j, "peers")), 0);
	json_decref(j);
	r = route(&c, PUBLIC, API_GET, "/api/v1/peers.csv", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/csv; charset=utf-8");
	/* A UTF-8 BOM first (for spreadsheets, api_csvout.c), then the header row. */
	static const char head[] =
	        "\xef\xbb\xbfurl,origin,address,state,direction,connected_since,last_error,"
	        "violations,reconnects,backoff_ms,frames_in,frames_out,bytes_in,"
	        "bytes_out,queued,link_errors,anonymous\r\n";
	assert_int_equal(r.len, sizeof(head) - 1);
	assert_memory_equal(r.body, head, sizeof(head) - 1);
	api_resp_free(&r);
}

static void
test_read_only(void **state)
{
	struct api_ctx c = { 0 };
	(void)state;
	struct api_resp r = route(&c, PUBLIC, API_POST, "/api/v1/peers", NULL);
	json_t *j = route_json(&r, 405, "POST peers");
	json_decref(j);
	/* Not its path: the router's 404 (other groups need a store, so ask api_fed_route). */
	struct api_req req = { .method = API_GET, .path = "/api/v1/peersx", .content_type = "" };
	assert_false(api_fed_route(&c, &req, &r));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_federation),
		cmocka_unit_test(test_read_only),
	};
	return cmocka_run_group_tests_name("api_fed", tests, NULL, NULL);
}
