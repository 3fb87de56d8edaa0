/*
 * api_domain — the domain view of every log the node holds, read from the index (index.h) in
 * one read transaction per request, entries fetched from the store for their content:
 *
 *   GET /api/v1/commitments[.csv]?member=&principle=&status=&programme=
 *   GET /api/v1/commitments/<member>/<id>[.csv]   latest version, milestones, full history
 *   GET /api/v1/indicators[.csv]?member=&code=
 *   GET /api/v1/indicators/<member>/<id>          targetHistory (api_story.c)
 *   GET /api/v1/measurements[.csv]?indicator=&member=&period=
 *   GET /api/v1/search?q=&member=&principle=&kind=&limit=   (api_search.c)
 *
 * <member> and member= are a log's slug ("rabat-prefecture"). principle= and status= take the
 * enum name (PRINCIPLE_TRANSPARENCY, COMPLETION_SUBSTANTIAL) or its short form (transparency,
 * substantial; "unspecified" = no status update yet). An unknown parameter or filter value is a
 * 400 naming the parameter. Lists are in index order (log, then id) and paginated: limit
 * (default 100, at most 1000; CSV: default and cap 100000), then either cursor= (the "next"
 * value of the previous page, opaque) or offset=. JSON lists answer
 * {"commitments"|"indicators"|"measurements": [...], "next": cursor or null}. Measurements
 * come by member and in log order for one indicator; unfiltered, by member, then by block of
 * 4096 log entries, by indicator within a block (the index's order, see index.h).
 *
 * CSV columns (stable; new columns are only ever appended):
 *   commitments   the export columns of csvimport.h (member, id, programme_id, parent_id,
 *                 title_fr, title_ar, title_en, problem_*, description_*, principles, lead_body,
 *                 stakeholders, start_date, end_date, budget_mad, weight, milestones, status,
 *                 progress_percent, status_date, published, log_index, status_log_index)
 *   measurements  the export columns of csvimport.h (member, indicator_id, period, value,
 *                 dimensions, evidence_id, comment_fr, comment_ar, comment_en, published,
 *                 log_index)
 *   indicators    member, id, catalog_code, commitment_id, title_fr, title_ar, title_en, unit,
 *                 measure, ascending, baseline_period, baseline_value, targets, published,
 *                 log_index
 *                 (measure as a short name, ascending true/false, targets period=value;…)
 *   history       member, commitment_id, log_index, kind, published, date
 *                 (GET /api/v1/commitments/<member>/<id>.csv)
 */
#include "api_domain.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/hex.h"
#include "views/csvimport.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define CSV_MAX_ROWS 100000
#define MAX_OFFSET 100000000u

const char domain_short_lived[] = "public, max-age=5";

/* ---- helpers ---- */

json_t *
domain_jindex(uint64_t i)
{
	return i == INDEX_NONE ? json_null() : json_integer((json_int_t)i);
}

/* A double as the canonical mapping writes it (as pbjson does). */
json_t *
domain_jnumber(double x)
{
	if (isnan(x))
		return json_string("NaN");
	if (isinf(x))
		return json_string(x > 0 ? "Infinity" : "-Infinity");
	if (fabs(x) <= 9007199254740992.0 && x == floor(x) && !(x == 0 && signbit(x)))
		return json_integer((json_int_t)x);
	return json_real(x);
}

const char *
domain_enum_name(const ProtobufCEnumDescriptor *d, int value)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
	return v ? v->name : "";
}

/* Reads and decodes entry index of log; MDB_CORRUPTED when it does not decode. */
int
domain_read_entry(struct domain *x, uint32_t log, uint64_t index, Remacto__V1__Entry **e)
{
	const uint8_t *data;
	size_t len;
	int rc = store_entry_get(x->s, x->txn, log, index, &data, &len);
	*e = NULL;
	if (rc != 0)
		return rc;
	*e = remacto__v1__entry__unpack(NULL, len, data);
	return *e ? 0 : MDB_CORRUPTED;
}

void
domain_entry_free(Remacto__V1__Entry *e)
{
	if (e)
		remacto__v1__entry__free_unpacked(e, NULL);
}

void
domain_store_error(struct domain *x, int rc, const char *what)
{
	if (rc == MDB_NOTFOUND || rc == MDB_CORRUPTED)
		api_error(x->resp, 500, NULL,
		          "%s: the index names an entry the store does not "
		          "hold; rebuild the index (remacto log reindex)",
		          what);
	else if (rc == -ENOMEM || rc == ENOMEM)
		api_error(x->resp, 500, NULL, "%s: out of memory", what);
	else
		api_error(x->resp, 500, NULL, "%s: %s", what, store_strerror(rc));
}

bool
domain_begin(struct domain *x)
{
	int rc;
	if ((rc = store_read_begin(x->s, &x->txn)) != 0) {
		api_error(x->resp, 503, NULL, "storage unavailable: %s", store_strerror(rc));
		x->txn = NULL;
		return false;
	}
	if ((rc = store_log_list(x->s, x->txn, &x->logs)) != 0) {
		domain_store_error(x, rc, "cannot list the logs");
		store_log_list_free(&x->logs);
		mdb_txn_abort(x->txn);
		x->txn = NULL;
		return false;
	}
	return true;
}

int
domain_history_each(struct domain *x, uint32_t log, const char *id,
                    int (*fn)(const struct index_history *h, void *arg), void *arg)
{
	uint8_t key[INDEX_MAX_KEY];
	size_t kl = index_key(key, log, id, NULL);
	MDB_cursor *c;
	MDB_val k, v;
	int rc;
	if (!kl)
		return MDB_NOTFOUND;
	key[kl++] = 0;
	if ((rc = mdb_cursor_open(x->txn, index_db(x->s, INDEX_HISTORY), &c)) != 0)
		return rc;
	k.mv_data = key, k.mv_size = kl;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct index_history h;
		if (k.mv_size != kl + 8 || memcmp(k.mv_data, key, kl) != 0)
			break;
		if (!index_history_decode(&k, &v, &h)) {
			rc = MDB_CORRUPTED;
			break;
		}
		if ((rc = fn(&h, arg)) != 0)
			break;
	}
	mdb_cursor_close(c);
	/* as every caller did: a callback's MDB_NOTFOUND ends the walk like the end does */
	return rc == MDB_NOTFOUND ? 0 : rc;
}

bool
domain_split_rest(struct domain *x, const char *rest, const char *what, char *slug, size_t cap,
                  const char **id)
{
	size_t sl = strcspn(rest, "/");
	if (sl == 0 || sl >= cap || rest[sl] != '/' || !rest[sl + 1]) {
		api_error(x->resp, 404, NULL, "use /api/v1/%s/<member>/<id>", what);
		return false;
	}
	memcpy(slug, rest, sl);
	slug[sl] = '\0';
	*id = rest + sl + 1;
	return true;
}

/* ---- query parameters ---- */

bool
domain_parse_enum(struct domain *x, const char *name, const char *value,
                  const ProtobufCEnumDescriptor *d, bool allow_zero, int *out)
{
	char list[256] = "", s[64];
	size_t o = 0;
	if (csvimport_enum_parse(d, value, out) && (allow_zero || *out != 0))
		return true;
	for (unsigned i = 0; i < d->n_values && o < sizeof(list); i++) {
		if (!allow_zero && d->values[i].value == 0)
			continue;
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", o ? ", " : "",
		                      csvimport_enum_short(d, d->values[i].value, s, sizeof(s)));
	}
	api_error(x->resp, 400, name, "unknown value; expected one of: %s (or the full enum name)",
	          list);
	return false;
}

/* The log served as slug: false with a 400 naming member= (or a 404 for a path) when the node
 * holds none. */
bool
domain_member_log(struct domain *x, const char *slug, uint32_t *id, int status)
{
	for (size_t i = 0; i < x->logs.n; i++) {
		if (strcmp(store_slug(x->logs.v[i].origin), slug) == 0) {
			*id = x->logs.v[i].id;
			return true;
		}
	}
	if (status == 404)
		api_error(x->resp, 404, NULL, "this node holds no log named %.128s", slug);
	else
		api_error(x->resp, 400, "member", "this node holds no log named %.128s", slug);
	return false;
}

/* The "next" cursor: the last key of the page, in hex. */
static json_t *
cursor_json(const uint8_t *p, size_t n)
{
	char buf[2 * INDEX_MAX_KEY + 1];
	hex_encode(p, n, buf);
	return json_string(buf);
}

/* ---- the scan: one cursor walk over an index database with pagination ---- */

static int
keycmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* The paging parameters. */
bool
domain_scan_params(struct domain *x, struct domain_scan *sc)
{
	char cur[2 * INDEX_MAX_KEY + 2];
	uint64_t def = x->csv ? CSV_MAX_ROWS : LIST_DEFAULT, max = x->csv ? CSV_MAX_ROWS : LIST_MAX;
	if (!api_query_u64(x->req, x->resp, "limit", def, max, &sc->limit) ||
	    !api_query_u64(x->req, x->resp, "offset", 0, MAX_OFFSET, &sc->offset) ||
	    !api_query_str(x->req, x->resp, "cursor", cur, sizeof(cur)))
		return false;
	if (sc->limit == 0)
		sc->limit = def;
	if (cur[0] &&
	    !hex_decode(cur, strlen(cur), sc->cursor, sizeof(sc->cursor), &sc->cursor_len)) {
		api_error(x->resp, 400, "cursor",
		          "not a cursor this node gave (use the \"next\" "
		          "value of the previous page)");
		return false;
	}
	return true;
}

static int
scan_run(struct domain_scan *sc)
{
	struct domain *x = sc->x;
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t start[INDEX_MAX_KEY];
	size_t start_len = sc->prefix_len;
	uint64_t skipped = 0, rows = 0;
	MDB_cursor_op op;
	int rc;

	memcpy(start, sc->prefix, sc->prefix_len);
	if (sc->cursor_len && keycmp(sc->cursor, sc->cursor_len, start, start_len) > 0) {
		memcpy(start, sc->cursor, sc->cursor_len);
		start_len = sc->cursor_len;
	}
	if ((rc = mdb_cursor_open(x->txn, index_db(x->s, sc->db), &c)) != 0)
		return rc;
	k.mv_data = start, k.mv_size = start_len;
	op = start_len ? MDB_SET_RANGE : MDB_FIRST;
	for (rc = mdb_cursor_get(c, &k, &v, op); rc == 0; rc = mdb_cursor_get(c, &k, &v, op)) {
		op = MDB_NEXT;
		if (sc->prefix_len && (k.mv_size < sc->prefix_len ||
		                       memcmp(k.mv_data, sc->prefix, sc->prefix_len) != 0))
			break;
		if (sc->cursor_len && keycmp(k.mv_data, k.mv_size, sc->cursor, sc->cursor_len) <= 0)
			continue;
		enum domain_verdict d = sc->match ? sc->match(sc, &k, &v) : DOMAIN_TAKE;
		if (d == DOMAIN_STOP)
			break;
		if (d == DOMAIN_SEEK) {
			if (keycmp(sc->seek, sc->seek_len, k.mv_data, k.mv_size) <= 0)
				continue; /* never move backwards */
			k.mv_data = sc->seek, k.mv_size = sc->seek_len;
			op = MDB_SET_RANGE;
			continue;
		}
		if (d != DOMAIN_TAKE)
			continue;
		if (skipped < sc->offset) {
			skipped++;
			continue;
		}
		if (rows == sc->limit) {
			sc->more = true;
			break;
		}
		if ((rc = sc->emit(sc, &k, &v)) != 0)
			break;
		rows++;
		memcpy(sc->last, k.mv_data, k.mv_size);
		sc->last_len = k.mv_size;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static void scan_free(struct domain_scan *sc);

/* Restricts the scan to a member's log when one is named; false after answering 400. */
bool
domain_scan_member(struct domain_scan *sc, const char *member, uint32_t *log)
{
	if (!member[0])
		return true;
	if (!domain_member_log(sc->x, member, log, 400))
		return false;
	put_be32(sc->prefix, *log);
	sc->prefix_len = 4;
	return true;
}

/* Runs the scan and answers with its rows: JSON {name: rows, next} or the CSV (whose header
 * the caller wrote); frees the scan. */
void
domain_scan_respond(struct domain_scan *sc, const char *name)
{
	struct domain *x = sc->x;
	int rc = scan_run(sc);
	if (rc != 0) {
		char what[64];
		snprintf(what, sizeof(what), "cannot list %s", name);
		domain_store_error(x, rc, what);
		scan_free(sc);
		return;
	}
	if (x->csv) {
		api_csv(x->resp, &sc->csv);
	} else {
		json_t *next = sc->more ? cursor_json(sc->last, sc->last_len) : json_null();
		json_t *j = json_object();
		json_object_set_new(j, name, sc->rows);
		json_object_set_new(j, "next", next);
		sc->rows = NULL;
		api_json(x->resp, 200, j);
	}
	if (x->resp->status == 200)
		x->resp->cache_control = domain_short_lived;
	scan_free(sc);
}

static void
scan_free(struct domain_scan *sc)
{
	json_decref(sc->rows);
	csv_free(&sc->csv);
}

/* ---- routing ---- */

enum route {
	R_NONE,
	R_COMMITMENTS,
	R_COMMITMENT,
	R_INDICATORS,
	R_INDICATOR,
	R_MEASUREMENTS,
	R_SEARCH
};

/* Which resource path names; *csv set when it ends in ".csv"; *rest the part after
 * "commitments/". */
static enum route
match_route(const char *path, bool *csv, const char **rest)
{
	static const struct {
		const char *name;
		enum route r;
	} lists[] = {
		{ "commitments", R_COMMITMENTS },
		{ "indicators", R_INDICATORS },
		{ "measurements", R_MEASUREMENTS },
		{ "search", R_SEARCH },
	};
	if (strncmp(path, "/api/v1/", 8) != 0)
		return R_NONE;
	path += 8;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		size_t n = strlen(lists[i].name);
		if (strncmp(path, lists[i].name, n) != 0)
			continue;
		if (path[n] == '\0')
			return lists[i].r;
		if (!strcmp(path + n, ".csv")) {
			*csv = true;
			return lists[i].r;
		}
		if (lists[i].r == R_COMMITMENTS && path[n] == '/') {
			*rest = path + n + 1;
			return R_COMMITMENT;
		}
		if (lists[i].r == R_INDICATORS && path[n] == '/') {
			*rest = path + n + 1;
			return R_INDICATOR;
		}
	}
	return R_NONE;
}

bool
api_domain_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	struct domain x = { .s = c->store, .req = req, .resp = resp };
	const char *rest = NULL;
	bool csv = false;
	enum route r = match_route(req->path, &csv, &rest);

	if (r == R_NONE)
		return false;
	if (req->method != API_GET && req->method != API_HEAD) {
		api_error(resp, 405, NULL, "%s is read only: use GET", req->path);
		return true;
	}
	x.csv = csv || req->want_csv;
	if (!domain_begin(&x))
		return true;
	switch (r) {
	case R_COMMITMENTS:
		domain_list_commitments(&x);
		break;
	case R_COMMITMENT:
		domain_get_commitment(&x, rest);
		break;
	case R_INDICATORS:
		domain_list_indicators(&x);
		break;
	case R_MEASUREMENTS:
		domain_list_measurements(&x);
		break;
	case R_SEARCH:
		domain_search(&x);
		break;
	case R_INDICATOR:
		domain_get_indicator(&x, rest);
		break;
	default:
		break;
	}
	store_log_list_free(&x.logs);
	mdb_txn_abort(x.txn);
	return true;
}
