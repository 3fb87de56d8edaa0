/*
 * api_fed — the public routes about the federation itself:
 *   /api/v1/peers[.csv]   every peer session and outbound peer slot, with its state, counters,
 *                         backoff and last error (transport.h), as JSON or CSV.
 * `remacto peers` prints the same as a table.
 */
#include <jansson.h>
#include <string.h>

#include "api.h"
#include "peers/transport.h"

/* The CSV column of a JSON field: "connectedSince" → "connected_since". */
static const char *
snake_case(const char *camel, char *out, size_t cap)
{
	size_t o = 0;
	for (; *camel && o + 2 < cap; camel++) {
		if (*camel >= 'A' && *camel <= 'Z') {
			out[o++] = '_';
			out[o++] = (char)(*camel - 'A' + 'a');
		} else {
			out[o++] = *camel;
		}
	}
	out[o] = '\0';
	return out;
}

static void
route_peers(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	/* The JSON fields, in the order of the CSV columns (named in snake case). */
	static const char *const cols[] = {
		"url",        "origin",         "address",   "state",
		"direction",  "connectedSince", "lastError", "violations",
		"reconnects", "backoffMs",      "framesIn",  "framesOut",
		"bytesIn",    "bytesOut",       "queued",    "linkErrors",
		"anonymous",
	};
	json_t *peers = transport_peers_json(c->transport), *p;
	struct csv csv = { 0 };
	char name[32];
	size_t i;

	if (!peers) {
		api_error(resp, 500, NULL, "out of memory listing peers");
		return;
	}
	if (!req->want_csv) {
		api_json(resp, 200, json_pack("{s:o}", "peers", peers));
		return;
	}
	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
		csv_field(&csv, snake_case(cols[k], name, sizeof(name)));
	csv_end_row(&csv);
	json_array_foreach(peers, i, p)
	{
		for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
			json_t *v = json_object_get(p, cols[k]);
			if (json_is_integer(v))
				csv_fieldf(&csv, "%lld", (long long)json_integer_value(v));
			else if (json_is_boolean(v))
				csv_field(&csv, json_is_true(v) ? "true" : "false");
			else
				csv_field(&csv, json_string_value(v));
		}
		csv_end_row(&csv);
	}
	json_decref(peers);
	api_csv(resp, &csv);
}

bool
api_fed_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	if (strcmp(req->path, "/api/v1/peers") != 0)
		return false;
	if (req->method != API_GET && req->method != API_HEAD) {
		api_error(resp, 405, NULL, "%s is read only: use GET", req->path);
		return true;
	}
	route_peers(c, req, resp);
	return true;
}
