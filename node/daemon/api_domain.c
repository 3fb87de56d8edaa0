/*
 * api_domain — the domain view of every log the node holds, read from the index (index.h) in
 * one read transaction per request, entries fetched from the store for their content:
 *
 *   GET /api/v1/commitments[.csv]?member=&principle=&status=&programme=
 *   GET /api/v1/commitments/<member>/<id>[.csv]   latest version, milestones, full history
 *   GET /api/v1/indicators[.csv]?member=&code=
 *   GET /api/v1/measurements[.csv]?indicator=&member=&period=
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
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "core/be.h"
#include "core/entry.h"
#include "core/pbjson.h"
#include "store/index.h"
#include "views/csvimport.h"

#define LIST_DEFAULT 100
#define LIST_MAX 1000
#define CSV_MAX_ROWS 100000
#define MAX_OFFSET 100000000u
#define PARAM_MAX (INDEX_MAX_ID + 1)

static const char short_lived[] = "public, max-age=5";

/* ---- request context ---- */

struct ctx {
	struct store *s;
	MDB_txn *txn;
	const struct api_req *req;
	struct api_resp *resp;
	struct store_log_list logs;
	bool csv;
};

/* A JSON string that never fails on bad UTF-8 (replicated logs hold what members signed). */
static json_t *
jindex(uint64_t i)
{
	return i == INDEX_NONE ? json_null() : json_integer((json_int_t)i);
}

/* A double as the canonical mapping writes it (as pbjson does). */
static json_t *
jnumber(double x)
{
	if (isnan(x))
		return json_string("NaN");
	if (isinf(x))
		return json_string(x > 0 ? "Infinity" : "-Infinity");
	if (fabs(x) <= 9007199254740992.0 && x == floor(x) && !(x == 0 && signbit(x)))
		return json_integer((json_int_t)x);
	return json_real(x);
}

static const char *
enum_name(const ProtobufCEnumDescriptor *d, int value)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
	return v ? v->name : "";
}

/* Reads and decodes entry index of log; MDB_CORRUPTED when it does not decode. */
static int
read_entry(struct ctx *x, uint32_t log, uint64_t index, Remacto__V1__Entry **e)
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

static void
entry_free(Remacto__V1__Entry *e)
{
	if (e)
		remacto__v1__entry__free_unpacked(e, NULL);
}

static void
store_error(struct ctx *x, int rc, const char *what)
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

/* ---- query parameters ---- */

static bool
parse_enum(struct ctx *x, const char *name, const char *value, const ProtobufCEnumDescriptor *d,
           bool allow_zero, int *out)
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
static bool
member_log(struct ctx *x, const char *slug, uint32_t *id, int status)
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

static bool
hex_decode(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(s);
	if (n == 0 || n % 2 || n / 2 > cap)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return false;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return true;
}

static json_t *
hex_json(const uint8_t *p, size_t n)
{
	char buf[2 * INDEX_MAX_KEY + 1];
	for (size_t i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * n] = '\0';
	return json_string(buf);
}

/* ---- the scan: one cursor walk over an index database with pagination ---- */

enum verdict { SKIP, TAKE, SEEK, STOP };

struct scan {
	struct ctx *x;
	enum index_db db;
	uint8_t prefix[4];
	size_t prefix_len; /* 4 with a member filter */
	uint8_t cursor[INDEX_MAX_KEY];
	size_t cursor_len; /* 0: no cursor */
	uint64_t offset, limit;
	uint8_t seek[INDEX_MAX_KEY]; /* set by match with SEEK */
	size_t seek_len;
	enum verdict (*match)(struct scan *sc, const MDB_val *k, const MDB_val *v);
	int (*emit)(struct scan *sc, const MDB_val *k, const MDB_val *v);
	void *arg;
	/* out */
	uint8_t last[INDEX_MAX_KEY];
	size_t last_len;
	bool more;
	json_t *rows;
	struct csv csv;
};

static int
keycmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

/* The paging parameters. */
static bool
scan_params(struct ctx *x, struct scan *sc)
{
	char cur[2 * INDEX_MAX_KEY + 2];
	uint64_t def = x->csv ? CSV_MAX_ROWS : LIST_DEFAULT, max = x->csv ? CSV_MAX_ROWS : LIST_MAX;
	if (!api_query_u64(x->req, x->resp, "limit", def, max, &sc->limit) ||
	    !api_query_u64(x->req, x->resp, "offset", 0, MAX_OFFSET, &sc->offset) ||
	    !api_query_str(x->req, x->resp, "cursor", cur, sizeof(cur)))
		return false;
	if (sc->limit == 0)
		sc->limit = def;
	if (cur[0] && !hex_decode(cur, sc->cursor, sizeof(sc->cursor), &sc->cursor_len)) {
		api_error(x->resp, 400, "cursor",
		          "not a cursor this node gave (use the \"next\" "
		          "value of the previous page)");
		return false;
	}
	return true;
}

static int
scan_run(struct scan *sc)
{
	struct ctx *x = sc->x;
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
		enum verdict d = sc->match ? sc->match(sc, &k, &v) : TAKE;
		if (d == STOP)
			break;
		if (d == SEEK) {
			if (keycmp(sc->seek, sc->seek_len, k.mv_data, k.mv_size) <= 0)
				continue; /* never move backwards */
			k.mv_data = sc->seek, k.mv_size = sc->seek_len;
			op = MDB_SET_RANGE;
			continue;
		}
		if (d != TAKE)
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

static void scan_free(struct scan *sc);

/* Restricts the scan to a member's log when one is named; false after answering 400. */
static bool
scan_member(struct scan *sc, const char *member, uint32_t *log)
{
	if (!member[0])
		return true;
	if (!member_log(sc->x, member, log, 400))
		return false;
	put_be32(sc->prefix, *log);
	sc->prefix_len = 4;
	return true;
}

/* Runs the scan and answers with its rows: JSON {name: rows, next} or the CSV (whose header
 * the caller wrote); frees the scan. */
static void
scan_respond(struct scan *sc, const char *name)
{
	struct ctx *x = sc->x;
	int rc = scan_run(sc);
	if (rc != 0) {
		char what[64];
		snprintf(what, sizeof(what), "cannot list %s", name);
		store_error(x, rc, what);
		scan_free(sc);
		return;
	}
	if (x->csv) {
		api_csv(x->resp, &sc->csv);
	} else {
		json_t *next = sc->more ? hex_json(sc->last, sc->last_len) : json_null();
		json_t *j = json_object();
		json_object_set_new(j, name, sc->rows);
		json_object_set_new(j, "next", next);
		sc->rows = NULL;
		api_json(x->resp, 200, j);
	}
	if (x->resp->status == 200)
		x->resp->cache_control = short_lived;
	scan_free(sc);
}

static void
scan_free(struct scan *sc)
{
	json_decref(sc->rows);
	csv_free(&sc->csv);
}

/* ---- commitments ---- */

struct commit_filter {
	int principle; /* 0: any */
	int status;    /* -1: any */
	char programme[PARAM_MAX];
};

static json_t *
milestones_json(struct ctx *x, const struct index_commitment *st, const Remacto__V1__Commitment *m)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < m->n_milestones; i++) {
		const Remacto__V1__Milestone *ms = m->milestones[i];
		struct index_milestone im;
		json_t *o = pbjson_encode(&ms->base);
		if (!o)
			continue;
		if (index_milestone_get(x->s, x->txn, st->log, st->id, ms->id, &im) == 0 &&
		    im.index != INDEX_NONE) {
			json_object_set_new(
			        o, "status",
			        api_jstr(enum_name(&remacto__v1__milestone_status__descriptor,
			                           im.status)));
			json_object_set_new(o, "date", api_jstr(im.date));
			json_object_set_new(o, "index", jindex(im.index));
		} else {
			json_object_set_new(o, "status", json_string("MILESTONE_STATUS_SCHEDULED"));
			json_object_set_new(o, "index", json_null());
		}
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The row of a commitment: its indexed state and what its latest version says. */
static json_t *
commitment_json(struct ctx *x, const struct index_commitment *st, const char *origin,
                const Remacto__V1__Entry *e)
{
	const Remacto__V1__Commitment *m = e->kind_case == REMACTO__V1__ENTRY__KIND_COMMITMENT
	                                           ? e->commitment
	                                           : NULL;
	json_t *cj = m ? pbjson_encode(&m->base) : NULL;
	json_t *j = json_object();
	json_t *title = cj ? json_object_get(cj, "title") : NULL;
	json_t *principles = cj ? json_object_get(cj, "principles") : NULL;

	if (!j) {
		json_decref(cj);
		return NULL;
	}
	json_object_set_new(j, "member", api_jstr(store_slug(origin)));
	json_object_set_new(j, "origin", api_jstr(origin));
	json_object_set_new(j, "id", api_jstr(st->id));
	json_object_set_new(j, "title", title ? json_incref(title) : json_object());
	json_object_set_new(j, "principles", principles ? json_incref(principles) : json_array());
	json_object_set_new(j, "programme", api_jstr(st->programme));
	json_object_set_new(
	        j, "status",
	        api_jstr(enum_name(&remacto__v1__completion__descriptor, st->completion)));
	json_object_set_new(j, "progress", json_integer(st->progress));
	json_object_set_new(j, "statusDate",
	                    st->status_date[0] ? api_jstr(st->status_date) : json_null());
	json_object_set_new(j, "lastUpdate", st->updated[0] ? api_jstr(st->updated) : json_null());
	json_object_set_new(j, "logIndex", jindex(st->entry));
	json_object_set_new(j, "firstIndex", jindex(st->first));
	json_object_set_new(j, "statusIndex", jindex(st->status_index));
	json_object_set_new(j, "lastUpdateIndex", jindex(st->updated_index));
	json_object_set_new(j, "versions", json_integer(st->versions));
	json_object_set_new(j, "events", json_integer(st->events));
	json_object_set_new(j, "milestones", m ? milestones_json(x, st, m) : json_array());
	json_decref(cj);
	return j;
}

static enum verdict
commit_match(struct scan *sc, const MDB_val *k, const MDB_val *v)
{
	const struct commit_filter *f = sc->arg;
	struct index_commitment st;
	if (!index_commitment_decode(k, v, &st))
		return SKIP;
	if (f->principle && !(st.principles & (1u << f->principle)))
		return SKIP;
	if (f->status >= 0 && st.completion != f->status)
		return SKIP;
	if (f->programme[0] && strcmp(st.programme, f->programme) != 0)
		return SKIP;
	return TAKE;
}

static int
commit_emit(struct scan *sc, const MDB_val *k, const MDB_val *v)
{
	struct ctx *x = sc->x;
	struct index_commitment st;
	Remacto__V1__Entry *e;
	const char *origin;
	int rc;

	if (!index_commitment_decode(k, v, &st) ||
	    !(origin = store_log_list_origin(&x->logs, st.log)))
		return MDB_CORRUPTED;
	if ((rc = read_entry(x, st.log, st.entry, &e)) != 0)
		return rc;
	if (x->csv) {
		csvimport_commitment_row(&sc->csv, store_slug(origin), e, &st);
	} else {
		json_t *row = commitment_json(x, &st, origin, e);
		if (!row || json_array_append_new(sc->rows, row) != 0)
			rc = -ENOMEM;
	}
	entry_free(e);
	return rc;
}

/* Does some log (or log `only`) hold programme id? */
static int
programme_exists(struct ctx *x, const char *id, uint32_t only, bool *found)
{
	MDB_cursor *c;
	MDB_val k, v;
	size_t n = strlen(id);
	int rc;

	*found = false;
	if (only) {
		struct index_programme p;
		rc = index_programme_get(x->s, x->txn, only, id, &p);
		*found = rc == 0;
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	if ((rc = mdb_cursor_open(x->txn, index_db(x->s, INDEX_PROGRAMMES), &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && !*found;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		*found = k.mv_size == 4 + n && !memcmp((const uint8_t *)k.mv_data + 4, id, n);
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

static void
list_commitments(struct ctx *x)
{
	static const char *const allowed[] = { "member", "principle", "status", "programme",
		                               "limit",  "cursor",    "offset", NULL };
	struct commit_filter f = { 0, -1, "" };
	struct scan sc = { .x = x,
		           .db = INDEX_COMMITMENTS,
		           .match = commit_match,
		           .emit = commit_emit,
		           .arg = &f };
	char member[PARAM_MAX], principle[64], status[64];
	uint32_t log = 0;
	int rc;

	if (!api_query_check(x->req, x->resp, allowed) ||
	    !api_query_str(x->req, x->resp, "member", member, sizeof(member)) ||
	    !api_query_str(x->req, x->resp, "principle", principle, sizeof(principle)) ||
	    !api_query_str(x->req, x->resp, "status", status, sizeof(status)) ||
	    !api_query_str(x->req, x->resp, "programme", f.programme, sizeof(f.programme)) ||
	    !scan_params(x, &sc))
		return;
	if (principle[0] && !parse_enum(x, "principle", principle,
	                                &remacto__v1__principle__descriptor, false, &f.principle))
		return;
	if (status[0] &&
	    !parse_enum(x, "status", status, &remacto__v1__completion__descriptor, true, &f.status))
		return;
	if (!scan_member(&sc, member, &log))
		return;
	if (f.programme[0]) {
		bool found;
		if ((rc = programme_exists(x, f.programme, log, &found)) != 0) {
			store_error(x, rc, "cannot read the programmes");
			return;
		}
		if (!found) {
			api_error(x->resp, 400, "programme", "no programme %s %s", f.programme,
			          log ? "in this member's log" : "on this node");
			return;
		}
	}
	if (x->csv) {
		csvimport_header(&sc.csv, CSVIMPORT_COMMITMENTS);
	} else if (!(sc.rows = json_array())) {
		api_error(x->resp, 500, NULL, "out of memory");
		return;
	}
	scan_respond(&sc, "commitments");
}

/* The date an event carries, for the history CSV. */
static const char *
event_date(const Remacto__V1__Entry *e)
{
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_STATUS_UPDATE:
		return e->status_update->date;
	case REMACTO__V1__ENTRY__KIND_MILESTONE_UPDATE:
		return e->milestone_update->date;
	case REMACTO__V1__ENTRY__KIND_AMENDMENT:
		return e->amendment->date;
	case REMACTO__V1__ENTRY__KIND_ASSESSMENT:
		return e->assessment->date;
	case REMACTO__V1__ENTRY__KIND_CONSULTATION:
		return e->consultation->date;
	default:
		return "";
	}
}

static void
get_commitment(struct ctx *x, const char *rest)
{
	static const char *const allowed[] = { NULL };
	struct index_commitment st;
	Remacto__V1__Entry *e = NULL;
	char slug[128];
	const char *id, *origin;
	uint8_t key[INDEX_MAX_KEY];
	size_t kl, sl = strcspn(rest, "/");
	uint32_t log;
	json_t *j = NULL, *hist = NULL;
	struct csv csv = { 0 };
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc;

	if (!api_query_check(x->req, x->resp, allowed))
		return;
	if (sl == 0 || sl >= sizeof(slug) || rest[sl] != '/' || !rest[sl + 1]) {
		api_error(x->resp, 404, NULL, "use /api/v1/commitments/<member>/<id>");
		return;
	}
	memcpy(slug, rest, sl);
	slug[sl] = '\0';
	id = rest + sl + 1;
	if (!member_log(x, slug, &log, 404))
		return;
	origin = store_log_list_origin(&x->logs, log);
	rc = index_commitment_get(x->s, x->txn, log, id, &st);
	if (rc == MDB_NOTFOUND) {
		api_error(x->resp, 404, NULL, "%s publishes no commitment %.200s", slug, id);
		return;
	}
	if (rc != 0 || (rc = read_entry(x, log, st.entry, &e)) != 0) {
		store_error(x, rc, "cannot read the commitment");
		return;
	}
	if (x->csv) {
		static const char *const cols[] = { "member", "commitment_id", "log_index",
			                            "kind",   "published",     "date",
			                            NULL };
		for (size_t i = 0; cols[i]; i++)
			csv_field(&csv, cols[i]);
		csv_end_row(&csv);
	} else {
		j = commitment_json(x, &st, origin, e);
		json_t *ej = pbjson_encode(&e->base);
		hist = json_array();
		if (!j || !ej || !hist) {
			json_decref(ej);
			rc = -ENOMEM;
			goto done;
		}
		json_object_set_new(j, "entry", ej);
	}
	entry_free(e);
	e = NULL;

	/* The history: log‖id‖0‖index, in log order. */
	kl = index_key(key, log, id, NULL);
	key[kl++] = 0;
	if ((rc = mdb_cursor_open(x->txn, index_db(x->s, INDEX_HISTORY), &c)) != 0)
		goto done;
	k.mv_data = key, k.mv_size = kl;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct index_history h;
		char kind[40];
		if (k.mv_size != kl + 8 || memcmp(k.mv_data, key, kl) != 0)
			break;
		if (!index_history_decode(&k, &v, &h)) {
			rc = MDB_CORRUPTED;
			break;
		}
		if ((rc = read_entry(x, log, h.index, &e)) != 0)
			break;
		entry_kind_name(e, kind, sizeof(kind));
		if (x->csv) {
			csv_field(&csv, slug);
			csv_field(&csv, st.id);
			csv_fieldf(&csv, "%llu", (unsigned long long)h.index);
			csv_field(&csv, kind);
			csv_field(&csv, e->published);
			csv_field(&csv, event_date(e));
			csv_end_row(&csv);
		} else {
			json_t *item = json_object();
			json_t *ej = pbjson_encode(&e->base);
			if (!item || !ej) {
				json_decref(item);
				json_decref(ej);
				rc = -ENOMEM;
				break;
			}
			json_object_set_new(item, "index", jindex(h.index));
			json_object_set_new(item, "kind", json_string(kind));
			json_object_set_new(item, "published", api_jstr(e->published));
			json_object_set_new(item, "entry", ej);
			json_array_append_new(hist, item);
		}
		entry_free(e);
		e = NULL;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND)
		rc = 0;
done:
	entry_free(e);
	if (rc != 0) {
		store_error(x, rc, "cannot read the commitment's history");
		json_decref(j);
		json_decref(hist);
		csv_free(&csv);
		return;
	}
	if (x->csv) {
		api_csv(x->resp, &csv);
	} else {
		json_object_set_new(j, "history", hist);
		api_json(x->resp, 200, j);
	}
	if (x->resp->status == 200)
		x->resp->cache_control = short_lived;
}

/* ---- indicators ---- */

static const char *const indicator_columns[] = {
	"member",   "id",        "catalog_code",    "commitment_id",
	"title_fr", "title_ar",  "title_en",        "unit",
	"measure",  "ascending", "baseline_period", "baseline_value",
	"targets",  "published", "log_index",       NULL,
};

static void
num_field(struct csv *c, double x)
{
	char buf[40];
	csvimport_number(x, buf, sizeof(buf));
	csv_field(c, buf);
}

static void
indicator_csv(struct csv *c, const char *slug, const Remacto__V1__Entry *e, uint64_t index)
{
	const Remacto__V1__Indicator *m = e->indicator;
	const Remacto__V1__Text *t = m->title;
	char s[64];
	csv_field(c, slug);
	csv_field(c, m->id);
	csv_field(c, m->catalog_code);
	csv_field(c, m->commitment_id);
	csv_field(c, t ? t->fr : "");
	csv_field(c, t ? t->ar : "");
	csv_field(c, t ? t->en : "");
	csv_field(c, m->unit);
	csv_field(c, csvimport_enum_short(&remacto__v1__measure__descriptor, m->measure, s,
	                                  sizeof(s)));
	csv_field(c, m->ascending ? "true" : "false");
	csv_field(c, m->baseline_period);
	num_field(c, m->baseline_value);
	{
		/* period=value;… built as one cell (periods never hold ';' or '='). */
		char *cell = NULL;
		size_t len = 0;
		for (size_t i = 0; i < m->n_targets; i++) {
			char num[40];
			csvimport_number(m->targets[i]->value, num, sizeof(num));
			const char *p = m->targets[i]->period ? m->targets[i]->period : "";
			size_t add = strlen(p) + strlen(num) + 2;
			char *nc = realloc(cell, len + add + 1);
			if (!nc) {
				csv_fail(c);
				break;
			}
			cell = nc;
			len += (size_t)snprintf(cell + len, add + 1, "%s%s=%s", i ? ";" : "", p,
			                        num);
		}
		csv_field(c, cell ? cell : "");
		free(cell);
	}
	csv_field(c, e->published);
	csv_fieldf(c, "%llu", (unsigned long long)index);
	csv_end_row(c);
}

static enum verdict
indicator_match(struct scan *sc, const MDB_val *k, const MDB_val *v)
{
	const char *code = sc->arg;
	struct index_indicator ind;
	if (!index_indicator_decode(k, v, &ind))
		return SKIP;
	return !code[0] || !strcmp(ind.code, code) ? TAKE : SKIP;
}

static int
indicator_emit(struct scan *sc, const MDB_val *k, const MDB_val *v)
{
	struct ctx *x = sc->x;
	struct index_indicator ind;
	Remacto__V1__Entry *e;
	const char *origin;
	int rc;

	if (!index_indicator_decode(k, v, &ind) ||
	    !(origin = store_log_list_origin(&x->logs, ind.log)))
		return MDB_CORRUPTED;
	if ((rc = read_entry(x, ind.log, ind.entry, &e)) != 0)
		return rc;
	if (e->kind_case != REMACTO__V1__ENTRY__KIND_INDICATOR) {
		entry_free(e);
		return MDB_CORRUPTED;
	}
	if (x->csv) {
		indicator_csv(&sc->csv, store_slug(origin), e, ind.entry);
	} else {
		json_t *row = json_object(), *ij = pbjson_encode(&e->indicator->base);
		const char *key;
		json_t *val;
		if (!row || !ij) {
			json_decref(row);
			json_decref(ij);
			entry_free(e);
			return -ENOMEM;
		}
		json_object_set_new(row, "member", api_jstr(store_slug(origin)));
		json_object_set_new(row, "origin", api_jstr(origin));
		json_object_foreach(ij, key, val) json_object_set(row, key, val);
		json_object_set_new(row, "published", api_jstr(e->published));
		json_object_set_new(row, "logIndex", jindex(ind.entry));
		json_object_set_new(row, "firstIndex", jindex(ind.first));
		json_object_set_new(row, "versions", json_integer(ind.versions));
		json_decref(ij);
		if (json_array_append_new(sc->rows, row) != 0)
			rc = -ENOMEM;
	}
	entry_free(e);
	return rc;
}

static void
list_indicators(struct ctx *x)
{
	static const char *const allowed[] = { "member", "code", "limit", "cursor", "offset", NULL };
	char member[PARAM_MAX], code[PARAM_MAX];
	struct scan sc = { .x = x,
		           .db = INDEX_INDICATORS,
		           .match = indicator_match,
		           .emit = indicator_emit,
		           .arg = code };
	uint32_t log;

	if (!api_query_check(x->req, x->resp, allowed) ||
	    !api_query_str(x->req, x->resp, "member", member, sizeof(member)) ||
	    !api_query_str(x->req, x->resp, "code", code, sizeof(code)) || !scan_params(x, &sc))
		return;
	if (!scan_member(&sc, member, &log))
		return;
	if (x->csv) {
		for (size_t i = 0; indicator_columns[i]; i++)
			csv_field(&sc.csv, indicator_columns[i]);
		csv_end_row(&sc.csv);
	} else if (!(sc.rows = json_array())) {
		api_error(x->resp, 500, NULL, "out of memory");
		return;
	}
	scan_respond(&sc, "indicators");
}

/* ---- measurements ---- */

struct meas_filter {
	char indicator[PARAM_MAX];
	char period[PARAM_MAX];
};

/* With an indicator filter, jumps from block to block (and log to log) straight to
 * log‖block‖indicator‖0: one or two seeks per block of 4096 entries, whatever else they hold. */
static enum verdict
meas_match(struct scan *sc, const MDB_val *k, const MDB_val *v)
{
	const struct meas_filter *f = sc->arg;
	struct index_measurement m;
	if (!index_measurement_decode(k, v, &m))
		return SKIP;
	if (f->indicator[0]) {
		int c = strcmp(m.indicator, f->indicator);
		if (c != 0) {
			uint32_t log = m.log, block = m.block;
			if (c > 0) {
				if (block == UINT32_MAX) {
					if (log == UINT32_MAX || sc->prefix_len)
						return STOP;
					log++, block = 0;
				} else {
					block++;
				}
			}
			sc->seek_len = index_measurement_key(sc->seek, log, block, f->indicator);
			return SEEK;
		}
	}
	if (f->period[0] && strcmp(m.period, f->period) != 0)
		return SKIP;
	return TAKE;
}

static int
meas_emit(struct scan *sc, const MDB_val *k, const MDB_val *v)
{
	struct ctx *x = sc->x;
	struct index_measurement m;
	Remacto__V1__Entry *e;
	const char *origin;
	int rc;

	if (!index_measurement_decode(k, v, &m) ||
	    !(origin = store_log_list_origin(&x->logs, m.log)))
		return MDB_CORRUPTED;
	if ((rc = read_entry(x, m.log, m.index, &e)) != 0)
		return rc;
	if (e->kind_case != REMACTO__V1__ENTRY__KIND_MEASUREMENT) {
		entry_free(e);
		return MDB_CORRUPTED;
	}
	if (x->csv) {
		csvimport_measurement_row(&sc->csv, store_slug(origin), e, m.index);
	} else {
		json_t *row = json_object(), *mj = pbjson_encode(&e->measurement->base);
		const char *key;
		json_t *val;
		if (!row || !mj) {
			json_decref(row);
			json_decref(mj);
			entry_free(e);
			return -ENOMEM;
		}
		json_object_set_new(row, "member", api_jstr(store_slug(origin)));
		json_object_set_new(row, "origin", api_jstr(origin));
		json_object_set_new(row, "indicatorId", api_jstr(m.indicator));
		json_object_set_new(row, "period", api_jstr(m.period));
		json_object_set_new(row, "value", jnumber(m.value));
		json_object_foreach(mj, key, val) if (strcmp(key, "indicatorId") &&
		                                      strcmp(key, "period") && strcmp(key, "value"))
		        json_object_set(row, key, val);
		json_object_set_new(row, "published", api_jstr(e->published));
		json_object_set_new(row, "logIndex", jindex(m.index));
		json_decref(mj);
		if (json_array_append_new(sc->rows, row) != 0)
			rc = -ENOMEM;
	}
	entry_free(e);
	return rc;
}

/* Does some log (or log `only`) define indicator id? */
static int
indicator_exists(struct ctx *x, const char *id, uint32_t only, bool *found)
{
	struct index_indicator ind;
	int rc = 0;
	*found = false;
	for (size_t i = 0; i < x->logs.n && !*found; i++) {
		if (only && x->logs.v[i].id != only)
			continue;
		rc = index_indicator_get(x->s, x->txn, x->logs.v[i].id, id, &ind);
		*found = rc == 0;
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
	}
	return 0;
}

static void
list_measurements(struct ctx *x)
{
	static const char *const allowed[] = { "indicator", "member", "period", "limit",
		                               "cursor",    "offset", NULL };
	struct meas_filter f;
	struct scan sc = {
		.x = x, .db = INDEX_MEASUREMENTS, .match = meas_match, .emit = meas_emit, .arg = &f
	};
	char member[PARAM_MAX];
	uint32_t log = 0;
	int rc;

	if (!api_query_check(x->req, x->resp, allowed) ||
	    !api_query_str(x->req, x->resp, "member", member, sizeof(member)) ||
	    !api_query_str(x->req, x->resp, "indicator", f.indicator, sizeof(f.indicator)) ||
	    !api_query_str(x->req, x->resp, "period", f.period, sizeof(f.period)) ||
	    !scan_params(x, &sc))
		return;
	if (f.period[0] && !entry_valid_period(f.period)) {
		api_error(x->resp, 400, "period", "expected a period YYYY, YYYY-Qn or YYYY-MM");
		return;
	}
	if (!scan_member(&sc, member, &log))
		return;
	if (f.indicator[0]) {
		bool found;
		if ((rc = indicator_exists(x, f.indicator, log, &found)) != 0) {
			store_error(x, rc, "cannot read the indicators");
			return;
		}
		if (!found) {
			api_error(x->resp, 400, "indicator", "no indicator %s %s", f.indicator,
			          log ? "in this member's log" : "on this node");
			return;
		}
	}
	if (x->csv) {
		csvimport_header(&sc.csv, CSVIMPORT_MEASUREMENTS);
	} else if (!(sc.rows = json_array())) {
		api_error(x->resp, 500, NULL, "out of memory");
		return;
	}
	scan_respond(&sc, "measurements");
}

/* ---- routing ---- */

enum route { R_NONE, R_COMMITMENTS, R_COMMITMENT, R_INDICATORS, R_MEASUREMENTS };

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
	}
	return R_NONE;
}

bool
api_domain_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	struct ctx x = { .s = c->store, .req = req, .resp = resp };
	const char *rest = NULL;
	bool csv = false;
	enum route r = match_route(req->path, &csv, &rest);
	int rc;

	if (r == R_NONE)
		return false;
	if (req->method != API_GET && req->method != API_HEAD) {
		api_error(resp, 405, NULL, "%s is read only: use GET", req->path);
		return true;
	}
	x.csv = csv || req->want_csv;
	if ((rc = store_read_begin(x.s, &x.txn)) != 0) {
		api_error(resp, 503, NULL, "storage unavailable: %s", store_strerror(rc));
		return true;
	}
	if ((rc = store_log_list(x.s, x.txn, &x.logs)) != 0) {
		store_error(&x, rc, "cannot list the logs");
		goto done;
	}
	switch (r) {
	case R_COMMITMENTS:
		list_commitments(&x);
		break;
	case R_COMMITMENT:
		get_commitment(&x, rest);
		break;
	case R_INDICATORS:
		list_indicators(&x);
		break;
	case R_MEASUREMENTS:
		list_measurements(&x);
		break;
	default:
		break;
	}
done:
	store_log_list_free(&x.logs);
	mdb_txn_abort(x.txn);
	return true;
}
