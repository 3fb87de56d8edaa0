/*
 * api — the node's HTTP routes as plain functions: a parsed request in, a complete response out.
 * The libwebsockets glue (http.c) only moves bytes; everything a route decides lives here, so
 * the routes are tested without a socket.
 *
 * Routes see the node only through struct api_ctx: the store, the derived views, the
 * publisher, the federation's gate and peer table, the counters, the node's own key and a few
 * configuration values; never struct node. Each route group is tested with a context of its own
 * (tests/unit/daemon/test_api_*.c), without a daemon.
 *
 * Errors are JSON: {"error":{"status":400,"field":"commitment.title","reason":"required"}}.
 * Tables also come as CSV when the path ends in ".csv" or Accept asks for text/csv; CSV has a
 * header row of stable column names and RFC 4180 quoting.
 */
#ifndef REMACTO_API_H
#define REMACTO_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/csv.h"
#include "core/pbjson.h"
#include "core/wire.h"

struct store;
struct facts;
struct publisher;
struct publish_job;
struct fed;
struct transport;
struct metrics;
struct note_verifier;

#define API_MAX_BODY WIRE_MAX_BODY /* request body cap (admin listener), core/wire.h */
#define API_MAX_PATH 1024
#define API_MAX_QUERY 2048

enum api_method { API_GET, API_HEAD, API_POST, API_OTHER };

struct api_req {
	enum api_method method;
	bool admin;              /* arrived on the admin listener */
	bool authorized;         /* admin: bearer token matched */
	bool want_csv;           /* Accept: text/csv, or the path ended in ".csv" (stripped) */
	char path[API_MAX_PATH]; /* decoded path without query string, never "..": http.c rejects */
	char query[API_MAX_QUERY]; /* raw query string without '?', may be empty */
	const uint8_t *body;
	size_t body_len;
	const char *content_type; /* request Content-Type or "" */
	char if_none_match[64];   /* request If-None-Match, "" when absent or longer */
	char client[64];          /* the client's address, for per-address limits */
	void *owner;              /* the connection, for publications answered later */
};

struct api_resp {
	int status;
	const char *content_type;  /* static string */
	const char *cache_control; /* static string or NULL (then "no-store") */
	uint8_t *body;             /* malloc'd, owned by the response */
	size_t len;
	const char *location;    /* static string or NULL: a Location header (redirects) */
	char etag[48];           /* "" or an ETag header (the dashboard's files) */
	bool ui;                 /* a dashboard answer: gets its security headers (live.h) */
	bool deferred;           /* a publish queued for group commit: answered later */
	struct publish_job *job; /* with deferred: the queued job (publish.h) */
	/* With deferred, an answer other than a publication's (witserve.h): the connection calls
	 * detach(later) if it goes away first; the answer comes through http_deliver. */
	void *later;
	void (*detach)(void *later);
};

/* What the routes use of the node, and nothing more. http.c fills it from the node for each
 * request; a test fills what the routes it calls use. Everything it points to belongs to the
 * daemon and outlives the request. Service thread only. */
struct api_ctx {
	struct store *store;         /* every route: one read transaction a request */
	struct facts **facts;        /* the derived views, made on first use (compliance);
	                                  * NULL: none can be made (500) */
	struct publisher *pub;       /* the writer (publish.h); NULL: a mirror, or a test */
	struct fed *fed;             /* NULL without federation: then nothing gates publishing */
	struct transport *transport; /* NULL without federation: no peers to list */
	struct metrics *metrics;     /* counters of /metrics and /api/v1/status; may be NULL */
	const struct note_verifier *own; /* the node's own log key (name = origin); NULL: a mirror */
	const char *network;             /* [node] network */
	struct witserve *witness;        /* the tlog-witness service; NULL: none (404) */
	time_t started;                  /* for uptimes */
	const char *data_dir;            /* [node] data: /metrics shows its file system's space */
	unsigned isolated_after_s;       /* [peer] isolated_after_s: /healthz (0: never) */
};

/* Whether the request goes to a route that reads a body (POST /api/v1/entries and
 * /api/v1/import on the admin listener). http.c reads no body for any other request. */
bool api_takes_body(const struct api_req *req);
/* The most bytes of body such a request may send (0 when it takes none): API_MAX_BODY for the
 * admin writes, WITPROTO_MAX_BODY for POST /witness/add-checkpoint. */
size_t api_body_cap(const struct api_req *req);
/* Routes one request. Always fills resp (errors included); returns 0. */
int api_handle(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);
void api_resp_free(struct api_resp *resp);

/* Helpers for routes. Each replaces resp's body. */
void api_json(struct api_resp *resp, int status, json_t *json); /* steals json */
void api_error(struct api_resp *resp, int status, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void api_text(struct api_resp *resp, int status, const char *type, const char *text, size_t len);
/* Takes ownership of a malloc'd buffer. */
void api_bytes(struct api_resp *resp, int status, const char *type, uint8_t *buf, size_t len);

/* A JSON string of a text ("" for NULL): core/pbjson.h's pbjson_string, under the name the
 * routes have used. */
#define api_jstr pbjson_string

/* Query parameters: copies the decoded value of name into out (false when absent or too long). */
bool api_query(const struct api_req *req, const char *name, char *out, size_t cap);
/* Refuses any parameter not in allowed (a NULL-terminated list): false with a 400 naming it. */
bool api_query_check(const struct api_req *req, struct api_resp *resp, const char *const *allowed);
/* A string parameter into out ("" when absent or empty): false with a 400 when malformed (a
 * bad %-escape) or longer than cap - 1 bytes. */
bool api_query_str(const struct api_req *req, struct api_resp *resp, const char *name, char *out,
                   size_t cap);
/* A uint64 query parameter: false and a 400 in resp when present but malformed; def if absent. */
bool api_query_u64(const struct api_req *req, struct api_resp *resp, const char *name, uint64_t def,
                   uint64_t max, uint64_t *out);

/* Hands the table (core/csv.h) to resp as text/csv (or a 500 when allocation failed). */
void api_csv(struct api_resp *resp, struct csv *c);

/* Route groups, each in its own file. They return false when the path is not theirs. */
bool api_read_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);
bool api_domain_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);
bool api_admin_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);
bool api_fed_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);
bool api_compliance_route(const struct api_ctx *c, const struct api_req *req,
                          struct api_resp *resp);
/* POST /witness/add-checkpoint (api_witness.c, witserve.h). */
bool api_witness_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);
/* GET /api/v1/members: every registry member, observers included (api_members.c). */
bool api_members_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);
/* Atom feeds under /feeds/ (api_feeds.c). */
bool api_feeds_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);
/* tlog-proof files and the trust policy (api_tlog.c). */
bool api_tlog_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp);
/* CSV answers (api_csvout.c): api_csv_prepare reads ?sep= (',', ';' or tab) of a CSV request
 * into *sep and gives the routes a copy of the request without it in *out (false with a 400
 * in resp for another value; *out untouched when there is no sep=); api_csv_finish writes a
 * CSV answer with that separator and a UTF-8 BOM. */
bool api_csv_prepare(const struct api_req *req, struct api_req *out, char *sep,
                     struct api_resp *resp);
void api_csv_finish(struct api_resp *resp, char sep);
/* GET /api/v1/openapi.json (openapi.c). */
bool api_openapi_route(const struct api_req *req, struct api_resp *resp);

#endif
