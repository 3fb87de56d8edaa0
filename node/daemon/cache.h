/*
 * cache — HTTP validators and variants of the node's answers, so that browsers revalidate for
 * the price of a 304 and a shared cache in front of the public listener (an nginx like
 * deploy/nginx/remacto.conf, a CDN) can carry the read load. Which answers may be stored, and
 * for how long, is each route's Cache-Control (api.h); this module adds:
 *   - ETag: a strong validator, the first 128 bits of SHA-256 of the body in hex, on every
 *     200 answer to GET or HEAD that carries a Cache-Control (cacheable answers; "no-store"
 *     ones get none). Same body, same tag, on every node: a tile's tag is the same wherever
 *     it is fetched from.
 *   - If-None-Match: a request naming the answer's tag (or "*") gets 304 without the body
 *     (RFC 9110 §13.1.2; weak comparison, so W/"…" matches too).
 *   - Vary: "Accept" on the read API (/api/…), where Accept: text/csv turns JSON into CSV.
 *     No route reads Accept-Language: languages are chosen in the URL (?lang=) or carried
 *     side by side in the JSON, so the language needs no Vary; a route that starts reading
 *     Accept-Language must add it here.
 * Pure functions: any thread.
 */
#ifndef REMACTO_CACHE_H
#define REMACTO_CACHE_H

#include <stdbool.h>

#include "api.h"

/* Gives a cacheable answer its ETag in resp->etag, unless the route set one itself (the
 * dashboard's files are tagged by size and time, live.h). Returns true when the request's
 * If-None-Match (req->if_none_match; a header over its size is treated as absent) names the
 * answer's tag: the caller then answers 304 with the headers and without the body. */
bool cache_validate(const struct api_req *req, struct api_resp *resp);
/* The Vary value for req's answer, or NULL. */
const char *cache_vary(const struct api_req *req);

#endif
