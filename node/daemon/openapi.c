/*
 * openapi — GET /api/v1/openapi.json: the OpenAPI 3.0 description of every route
 * (docs/openapi.json), built into the executable so that what a node serves always describes
 * that node's own version. tests/integration/openapi.sh checks that the description is valid,
 * names every route docs/API.md documents and every route literal of the daemon's sources, and
 * that a running node's answers match it.
 */
#include <stddef.h>
#include <string.h>

#include "api.h"

/* The file's bytes between openapi_json_start and openapi_json_end (the Makefile makes this
 * object depend on it). */
__asm__(".section .rodata\n"
        ".global openapi_json_start\n"
        ".global openapi_json_end\n"
        "openapi_json_start:\n"
        ".incbin \"docs/openapi.json\"\n"
        "openapi_json_end:\n"
        ".previous\n");
extern const char openapi_json_start[], openapi_json_end[];

bool
api_openapi_route(const struct api_req *req, struct api_resp *resp)
{
	if (strcmp(req->path, "/api/v1/openapi.json") != 0)
		return false;
	if (!api_query_check(req, resp, (const char *const[]){ NULL }))
		return true;
	api_text(resp, 200, "application/json", openapi_json_start,
	         (size_t)(openapi_json_end - openapi_json_start));
	resp->cache_control = "public, max-age=300";
	return true;
}
