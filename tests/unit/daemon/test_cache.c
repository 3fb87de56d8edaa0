/*
 * test_cache — ETag, If-None-Match and Vary (node/daemon/cache.c): which answers get a
 * validator, that it is the body's, and how If-None-Match lists are matched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/cache.h"

static const char body[] = "remacto.ma/demo\n19\n2cnFX95gFpTkIUe/D8t7rEj7+Z9IwAl5WrCIbdMoau8=\n";

static void
fill(struct api_req *req, struct api_resp *resp, const char *path)
{
	memset(req, 0, sizeof(*req));
	memset(resp, 0, sizeof(*resp));
	req->method = API_GET;
	strcpy(req->path, path);
	resp->status = 200;
	resp->cache_control = "public, max-age=0, s-maxage=1";
	resp->body = (uint8_t *)body;
	resp->len = strlen(body);
}

/* cache_validate with If-None-Match inm; the answer's tag is copied into tag. */
static bool
validate(struct api_req *req, struct api_resp *resp, const char *inm, char tag[48])
{
	assert_true(strlen(inm) < sizeof(req->if_none_match));
	strcpy(req->if_none_match, inm);
	resp->etag[0] = '\0';
	bool r = cache_validate(req, resp);
	snprintf(tag, 48, "%s", resp->etag);
	return r;
}

static void
test_etag_is_the_body_hash(void **state)
{
	(void)state;
	struct api_req req;
	struct api_resp resp;
	char tag[48], again[48];

	fill(&req, &resp, "/logs/demo/checkpoint");
	assert_false(validate(&req, &resp, "", tag));
	/* First 128 bits of SHA-256 of the body, quoted. */
	assert_int_equal(strlen(tag), 34);
	assert_int_equal(tag[0], '"');
	assert_int_equal(tag[33], '"');
	assert_int_equal(strspn(tag + 1, "0123456789abcdef"), 32);
	req.method = API_HEAD; /* HEAD: the same tag as GET */
	assert_false(validate(&req, &resp, "", again));
	assert_string_equal(tag, again);
	resp.body = (uint8_t *)"other";
	resp.len = 5;
	assert_false(validate(&req, &resp, "", again));
	assert_string_not_equal(tag, again);
}

/* A tag the route set (the dashboard's files) is kept, and matched. */
static void
test_route_etag_kept(void **state)
{
	(void)state;
	struct api_req req;
	struct api_resp resp;

	fill(&req, &resp, "/ui/app.css");
	strcpy(resp.etag, "\"1f-2a\"");
	strcpy(req.if_none_match, "\"1f-2a\"");
	assert_true(cache_validate(&req, &resp));
	assert_string_equal(resp.etag, "\"1f-2a\"");
}

static void
test_uncacheable_answers_have_no_etag(void **state)
{
	(void)state;
	struct api_req req;
	struct api_resp resp;
	char tag[48];

	fill(&req, &resp, "/logs/demo/checkpoint");
	resp.cache_control = NULL; /* no-store */
	assert_false(validate(&req, &resp, "*", tag));
	assert_string_equal(tag, "");
	fill(&req, &resp, "/logs/demo/checkpoint");
	resp.status = 404;
	assert_false(validate(&req, &resp, "*", tag));
	assert_string_equal(tag, "");
	fill(&req, &resp, "/api/v1/entries");
	req.method = API_POST;
	assert_false(validate(&req, &resp, "*", tag));
	assert_string_equal(tag, "");
	fill(&req, &resp, "/api/v1/status");
	req.admin = true;
	assert_false(validate(&req, &resp, "*", tag));
	assert_string_equal(tag, "");
}

static void
test_if_none_match(void **state)
{
	(void)state;
	struct api_req req;
	struct api_resp resp;
	char tag[48], list[256];

	fill(&req, &resp, "/logs/demo/tile/0/000");
	validate(&req, &resp, "", tag);
	char t[48];
	strcpy(t, tag);
	assert_true(validate(&req, &resp, t, tag));
	snprintf(list, sizeof(list), "\"abc\", W/%s", tag);
	assert_true(validate(&req, &resp, list, tag));
	snprintf(list, sizeof(list), "\"abc\",%s", tag);
	assert_true(validate(&req, &resp, list, tag));
	assert_true(validate(&req, &resp, "*", tag));
	assert_false(validate(&req, &resp, "\"abc\", W/\"def\"", tag));
	/* The tag without its quotes, a prefix of it, junk: no match, and no endless loop. */
	snprintf(list, sizeof(list), "%.32s", tag + 1);
	assert_false(validate(&req, &resp, list, tag));
	snprintf(list, sizeof(list), "%.20s\"", tag);
	assert_false(validate(&req, &resp, list, tag));
	assert_false(validate(&req, &resp, ";;;,,, \"unterminated", tag));
	assert_false(validate(&req, &resp, "W/", tag));
}

static void
test_vary(void **state)
{
	(void)state;
	struct api_req req;
	struct api_resp resp;

	fill(&req, &resp, "/api/v1/commitments");
	assert_string_equal(cache_vary(&req), "Accept");
	fill(&req, &resp, "/logs/demo/tile/0/000");
	assert_null(cache_vary(&req));
	fill(&req, &resp, "/api/v1/status");
	req.admin = true;
	assert_null(cache_vary(&req));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_etag_is_the_body_hash),
		cmocka_unit_test(test_route_etag_kept),
		cmocka_unit_test(test_uncacheable_answers_have_no_etag),
		cmocka_unit_test(test_if_none_match),
		cmocka_unit_test(test_vary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
