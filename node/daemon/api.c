/*
 * api — request routing and the response, query and CSV helpers every route group uses.
 * See api.h.
 */
#include "api.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "metrics.h"
#include "peers/witproto.h"

void
api_resp_free(struct api_resp *resp)
{
	if (resp) {
		free(resp->body);
		resp->body = NULL;
		resp->len = 0;
	}
}

void
api_bytes(struct api_resp *resp, int status, const char *type, uint8_t *buf, size_t len)
{
	api_resp_free(resp);
	resp->status = status;
	resp->content_type = type;
	resp->body = buf;
	resp->len = len;
}

void
api_text(struct api_resp *resp, int status, const char *type, const char *text, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		api_bytes(resp, 500, "text/plain", NULL, 0);
		return;
	}
	memcpy(buf, text, len);
	api_bytes(resp, status, type, buf, len);
}

void
api_json(struct api_resp *resp, int status, json_t *json)
{
	char *s = json ? json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(json);
	if (!s) {
		static const char oom[] =
		        "{\"error\":{\"status\":500,\"reason\":\"out of memory\"}}";
		api_text(resp, 500, "application/json", oom, sizeof(oom) - 1);
		return;
	}
	/* jansson allocates with malloc by default: the buffer can be handed over as it is. */
	api_bytes(resp, status, "application/json", (uint8_t *)s, strlen(s));
}

void
api_error(struct api_resp *resp, int status, const char *field, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	json_t *e = json_pack("{s:i}", "status", status);
	if (field && *field)
		json_object_set_new(e, "field", json_string(field));
	json_object_set_new(e, "reason", json_string(reason));
	api_json(resp, status, json_pack("{s:o}", "error", e));
	resp->cache_control = NULL;
}

bool
api_query(const struct api_req *req, const char *name, char *out, size_t cap)
{
	size_t nlen = strlen(name);
	const char *p = req->query;

	while (*p) {
		const char *end = strchr(p, '&');
		size_t plen = end ? (size_t)(end - p) : strlen(p);
		if (plen > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			size_t o = 0;
			for (size_t i = nlen + 1; i < plen; i++) {
				int c = p[i];
				if (c == '+') {
					c = ' ';
				} else if (c == '%') {
					if (i + 2 >= plen)
						return false;
					int h = hex_digit(p[i + 1]), l = hex_digit(p[i + 2]);
					if (h < 0 || l < 0)
						return false;
					c = h << 4 | l;
					i += 2;
				}
				if (c == 0 || o + 1 >= cap)
					return false;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return true;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}

bool
api_query_check(const struct api_req *req, struct api_resp *resp, const char *const *allowed)
{
	for (const char *p = req->query; *p;) {
		size_t plen = strcspn(p, "&"), nlen = strcspn(p, "=&");
		bool ok = plen == 0;
		for (size_t i = 0; !ok && allowed[i]; i++)
			ok = strlen(allowed[i]) == nlen && !strncmp(p, allowed[i], nlen);
		if (!ok) {
			char name[64], list[160] = "";
			size_t o = 0;
			snprintf(name, sizeof(name), "%.*s", (int)(nlen < 60 ? nlen : 60), p);
			for (char *c = name; *c; c++)
				if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
					*c = '?';
			for (size_t i = 0; allowed[i] && o < sizeof(list); i++)
				o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
				                      i ? ", " : "", allowed[i]);
			api_error(resp, 400, name, "unknown parameter; %s%s",
			          allowed[0] ? "this resource takes: "
			                     : "this resource takes no parameters",
			          list);
			return false;
		}
		p += plen;
		if (*p == '&')
			p++;
	}
	return true;
}

static bool
query_present(const struct api_req *req, const char *name)
{
	size_t nlen = strlen(name);
	for (const char *p = req->query; *p;) {
		if (!strncmp(p, name, nlen) && p[nlen] == '=')
			return true;
		p += strcspn(p, "&");
		if (*p)
			p++;
	}
	return false;
}

bool
api_query_str(const struct api_req *req, struct api_resp *resp, const char *name, char *out,
              size_t cap)
{
	out[0] = '\0';
	if (!query_present(req, name) || api_query(req, name, out, cap))
		return true;
	api_error(resp, 400, name, "malformed (a bad %%-escape) or longer than %zu bytes", cap - 1);
	return false;
}

bool
api_query_u64(const struct api_req *req, struct api_resp *resp, const char *name, uint64_t def,
              uint64_t max, uint64_t *out)
{
	char buf[32], *end;
	*out = def;
	if (!query_present(req, name))
		return true;
	/* Present: it must be an integer in range, whatever else it is (too long for buf, a bad
	 * %-escape, a NUL, empty). */
	errno = 0;
	unsigned long long v = 0;
	bool ok = api_query(req, name, buf, sizeof(buf)) && buf[0] >= '0' && buf[0] <= '9';
	if (ok) {
		v = strtoull(buf, &end, 10);
		ok = !*end && !errno && v <= max;
	}
	if (!ok) {
		api_error(resp, 400, name, "expected an integer from 0 to %llu",
		          (unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

/* ---- CSV ---- */

void
api_csv(struct api_resp *resp, struct csv *c)
{
	size_t len;
	if (!csv_ok(c)) {
		csv_free(c);
		api_error(resp, 500, NULL, "out of memory building CSV");
		return;
	}
	char *data = buf_steal(&c->out, &len);
	api_bytes(resp, 200, "text/csv; charset=utf-8", (uint8_t *)data, len);
}

/* ---- routing ---- */

bool
api_takes_body(const struct api_req *req)
{
	return api_body_cap(req) > 0;
}

size_t
api_body_cap(const struct api_req *req)
{
	if (req->method != API_POST)
		return 0;
	if (req->admin)
		return !strcmp(req->path, "/api/v1/entries") || !strcmp(req->path, "/api/v1/import")
		               ? API_MAX_BODY
		               : 0;
	return !strcmp(req->path, "/witness/add-checkpoint") ? WITPROTO_MAX_BODY : 0;
}

static int route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);

int
api_handle(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	struct api_req plain; /* the request without sep=, when it had one */
	char sep;
	memset(resp, 0, sizeof(*resp));
	if (!api_csv_prepare(req, &plain, &sep, resp))
		return 0;
	route(c, sep != ',' ? &plain : req, resp);
	api_csv_finish(resp, sep);
	return 0;
}

static int
route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	if (req->admin) {
		if (!req->authorized) {
			api_error(resp, 401, "Authorization",
			          "a valid bearer token is required "
			          "(Authorization: Bearer <token from the node's token file>)");
			return 0;
		}
		if (api_admin_route(c, req, resp))
			return 0;
	} else if (!strcmp(req->path, "/api/v1/entries") || !strcmp(req->path, "/api/v1/import") ||
	           !strcmp(req->path, "/api/v1/status")) {
		api_error(resp, 403, NULL, "%s is served on the admin listener only", req->path);
		return 0;
	}
	if (api_witness_route(c, req, resp) || api_tlog_route(c, req, resp) ||
	    api_read_route(c, req, resp) || api_domain_route(c, req, resp) ||
	    api_fed_route(c, req, resp) || api_compliance_route(c, req, resp) ||
	    api_members_route(c, req, resp) || api_feeds_route(c, req, resp) ||
	    api_openapi_route(req, resp))
		return 0;
	api_error(resp, 404, NULL, "no such resource: %s", req->path);
	return 0;
}
