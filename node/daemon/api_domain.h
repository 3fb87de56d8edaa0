/*
 * api_domain — what the domain routes share: the request's context, the helpers every resource
 * uses, and the paginated scan of an index database. Internal to the three files of the domain
 * view (api_domain.c: routing, paging and the scan; api_commitments.c: commitments and their
 * history; api_measures.c: indicators and measurements); the routes' interface is
 * api_domain_route (api.h). What the routes answer is in api_domain.c.
 *
 * Service thread only; everything lives for one request.
 */
#ifndef REMACTO_API_DOMAIN_H
#define REMACTO_API_DOMAIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "core/csv.h"
#include "store/index.h"
#include "store/store.h"

#define DOMAIN_PARAM_MAX (INDEX_MAX_ID + 1) /* a filter's value, with its NUL */

/* cache-control of the domain's answers */
extern const char domain_short_lived[];

/* One request: its read transaction, and the node's logs by id. */
struct domain {
	struct store *s;
	MDB_txn *txn;
	const struct api_req *req;
	struct api_resp *resp;
	struct store_log_list logs;
	bool csv;
};

/* An index as JSON: null for INDEX_NONE. */
json_t *domain_jindex(uint64_t i);
/* A double as the canonical mapping writes it (as pbjson does). */
json_t *domain_jnumber(double x);
/* The name of an enum value, "" when unknown. */
const char *domain_enum_name(const ProtobufCEnumDescriptor *d, int value);
/* Reads and decodes entry index of log; MDB_CORRUPTED when it does not decode. */
int domain_read_entry(struct domain *x, uint32_t log, uint64_t index, Remacto__V1__Entry **e);
void domain_entry_free(Remacto__V1__Entry *e);
/* The 500 for a store or index error rc while doing what. */
void domain_store_error(struct domain *x, int rc, const char *what);
/* Opens the request's read transaction and lists the logs into x: false after answering 503
 * (no transaction) or 500 (cannot list; nothing left open). */
bool domain_begin(struct domain *x);
/* Calls fn for each INDEX_HISTORY record of log‖id‖0, in log order: 0 at the end (or when fn
 * answers MDB_NOTFOUND), MDB_NOTFOUND when id makes no key, MDB_CORRUPTED on a record that does
 * not decode, else fn's non-zero. */
int domain_history_each(struct domain *x, uint32_t log, const char *id,
                        int (*fn)(const struct index_history *h, void *arg), void *arg);
/* Splits rest "<member>/<id>" into slug (cap bytes) and id (inside rest): false after a 404
 * "use /api/v1/<what>/<member>/<id>". */
bool domain_split_rest(struct domain *x, const char *rest, const char *what, char *slug, size_t cap,
                       const char **id);
/* An enum filter (full name or short form): false after a 400 naming the parameter. */
bool domain_parse_enum(struct domain *x, const char *name, const char *value,
                       const ProtobufCEnumDescriptor *d, bool allow_zero, int *out);
/* The log served as slug: false with a 400 naming member= (or a 404 for a path, status 404)
 * when the node holds none. */
bool domain_member_log(struct domain *x, const char *slug, uint32_t *id, int status);

/* ---- the scan: one cursor walk over an index database, with pagination ---- */

enum domain_verdict { DOMAIN_SKIP, DOMAIN_TAKE, DOMAIN_SEEK, DOMAIN_STOP };

struct domain_scan {
	struct domain *x;
	enum index_db db;
	uint8_t prefix[4];
	size_t prefix_len; /* 4 with a member filter */
	uint8_t cursor[INDEX_MAX_KEY];
	size_t cursor_len; /* 0: no cursor */
	uint64_t offset, limit;
	uint8_t seek[INDEX_MAX_KEY]; /* set by match with DOMAIN_SEEK */
	size_t seek_len;
	enum domain_verdict (*match)(struct domain_scan *sc, const MDB_val *k, const MDB_val *v);
	int (*emit)(struct domain_scan *sc, const MDB_val *k, const MDB_val *v);
	void *arg;
	/* out */
	uint8_t last[INDEX_MAX_KEY];
	size_t last_len;
	bool more;
	json_t *rows;
	struct csv csv;
};

/* The paging parameters (limit, offset, cursor): false after a 400. */
bool domain_scan_params(struct domain *x, struct domain_scan *sc);
/* Restricts the scan to a member's log when one is named; false after answering 400. */
bool domain_scan_member(struct domain_scan *sc, const char *member, uint32_t *log);
/* Runs the scan and answers with its rows: JSON {name: rows, next} or the CSV (whose header
 * the caller wrote); frees the scan. */
void domain_scan_respond(struct domain_scan *sc, const char *name);

/* ---- the resources (GET only; x holds the open transaction and the logs) ---- */

void domain_list_commitments(struct domain *x);
void domain_get_commitment(struct domain *x, const char *rest); /* rest: "<member>/<id>" */
void domain_list_indicators(struct domain *x);
void domain_list_measurements(struct domain *x);
/* Sets an indicator's member, origin, fields (ij: its canonical JSON), published, logIndex,
 * firstIndex and versions on j, in that order (api_measures.c). */
void domain_indicator_fields(json_t *j, const char *member, const char *origin, json_t *ij,
                             const Remacto__V1__Entry *e, const struct index_indicator *ind);
/* GET /api/v1/indicators/<member>/<id> (api_story.c); rest: "<member>/<id>" */
void domain_get_indicator(struct domain *x, const char *rest);
/* The dateHistory of a commitment (api_story.c): a new JSON array, 0 or an error. */
int domain_date_history(struct domain *x, uint32_t log, const char *commitment, json_t **out);
/* The targetHistory of an indicator (api_story.c): a new JSON array, 0 or an error. */
int domain_target_history(struct domain *x, uint32_t log, const char *indicator, json_t **out);
/* GET /api/v1/search (api_search.c) */
void domain_search(struct domain *x);

/* What others signed about commitment of member origin (api_assess.c): its assessments from
 * every log and the consultation reports about it, as two new JSON arrays of
 * {"origin","member","index","published","own","observer","entry"}. 0 or an error. */
int domain_about_json(struct domain *x, const char *origin, const char *commitment,
                      json_t **assessments, json_t **reports);

#endif
