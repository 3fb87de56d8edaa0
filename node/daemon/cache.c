/*
 * cache — ETag, If-None-Match and Vary for the node's answers. See cache.h.
 */
#include "cache.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

/* True when the comma-separated list names tag, compared weakly (a W/ prefix is ignored). */
static bool
names_tag(const char *list, const char *tag)
{
	size_t tl = strlen(tag);
	const char *p = list;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (!*p)
			break;
		const char *end = p;
		if (*p == '"') {
			end = strchr(p + 1, '"');
			if (!end)
				return false;
			end++;
		} else {
			end = p + strcspn(p, ", \t");
		}
		if ((size_t)(end - p) == tl && !memcmp(p, tag, tl))
			return true;
		p = end > p ? end : p + 1; /* always move on, whatever the header holds */
	}
	return false;
}

bool
cache_validate(const struct api_req *req, struct api_resp *resp)
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	char *etag = resp->etag;

	_Static_assert(sizeof(resp->etag) >= 35, "an ETag is 32 hex digits in quotes");
	if (req->admin || (req->method != API_GET && req->method != API_HEAD) ||
	    resp->status != 200 || !resp->cache_control || resp->deferred)
		return false;
	if (!etag[0]) {
		SHA256(resp->body ? resp->body : (const uint8_t *)"", resp->len, md);
		etag[0] = '"';
		for (int i = 0; i < 16; i++)
			snprintf(etag + 1 + 2 * i, 3, "%02x", md[i]);
		etag[33] = '"';
		etag[34] = '\0';
	}
	return req->if_none_match[0] && names_tag(req->if_none_match, etag);
}

const char *
cache_vary(const struct api_req *req)
{
	return !req->admin && !strncmp(req->path, "/api/", 5) ? "Accept" : NULL;
}
