/*
 * Shared by the route tests (test_api_*.c; include after cmocka.h): a request through
 * api_handle with a context of the test's own, as http.c would make it from a connection, and
 * the answer read back as JSON. Header-only.
 */
#ifndef REMACTO_TEST_ROUTES_H
#define REMACTO_TEST_ROUTES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/api.h"

/* Where a request comes from. */
enum from { PUBLIC, ADMIN, ADMIN_NO_TOKEN };

/* method path?query from a listener, with a body (may be NULL); the caller frees the answer. */
static inline struct api_resp
route_body(const struct api_ctx *c, enum from from, enum api_method m, const char *path,
           const char *query, const char *body)
{
	struct api_req *req = calloc(1, sizeof(*req));
	struct api_resp resp;
	assert_non_null(req);
	req->method = m;
	req->admin = from != PUBLIC;
	req->authorized = from == ADMIN;
	snprintf(req->path, sizeof(req->path), "%s", path);
	snprintf(req->query, sizeof(req->query), "%s", query ? query : "");
	if (strlen(req->path) > 4 && !strcmp(req->path + strlen(req->path) - 4, ".csv")) {
		req->path[strlen(req->path) - 4] = '\0';
		req->want_csv = true;
	}
	req->content_type = "application/json";
	req->body = (const uint8_t *)body;
	req->body_len = body ? strlen(body) : 0;
	assert_int_equal(api_handle(c, req, &resp), 0);
	free(req);
	return resp;
}

static inline struct api_resp
route(const struct api_ctx *c, enum from from, enum api_method m, const char *path,
      const char *query)
{
	return route_body(c, from, m, path, query, NULL);
}

/* The answer as JSON, after checking its status; frees the answer. */
static inline json_t *
route_json(struct api_resp *r, int status, const char *what)
{
	json_error_t je;
	json_t *j;
	if (r->status != status)
		fail_msg("%s: status %d, expected %d: %.*s", what, r->status, status, (int)r->len,
		         r->body ? (const char *)r->body : "");
	if (!(j = json_loadb((const char *)r->body, r->len, 0, &je)))
		fail_msg("%s: not JSON (%s): %.*s", what, je.text, (int)r->len,
		         r->body ? (const char *)r->body : "");
	api_resp_free(r);
	return j;
}

/* GET path?query on the public listener → JSON with that status. */
static inline json_t *
get_json(const struct api_ctx *c, const char *path, const char *query, int status)
{
	struct api_resp r = route(c, PUBLIC, API_GET, path, query);
	return route_json(&r, status, path);
}

/* The error's field ("" when none) and reason of an error answer. */
static inline const char *
error_field(json_t *j)
{
	const char *f = json_string_value(json_object_get(json_object_get(j, "error"), "field"));
	return f ? f : "";
}

static inline const char *
error_reason(json_t *j)
{
	const char *r = json_string_value(json_object_get(json_object_get(j, "error"), "reason"));
	return r ? r : "";
}

#endif
