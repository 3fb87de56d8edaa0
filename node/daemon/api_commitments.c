/*
 * api_commitments — the commitments of the domain view (api_domain.h):
 *   GET /api/v1/commitments[.csv]                 the list, filtered and paginated
 *   GET /api/v1/commitments/<member>/<id>[.csv]   latest version, milestones, full history
 * What they answer, and the CSV columns, are in api_domain.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_domain.h"
#include "core/be.h"
#include "core/entry.h"
#include "core/pbjson.h"
#include "views/csvimport.h"

/* ---- commitments ---- */

struct commit_filter {
	int principle; /* 0: any */
	int status;    /* -1: any */
	char programme[DOMAIN_PARAM_MAX];
};

static json_t *
milestones_json(struct domain *x, const struct index_commitment *st,
                const Remacto__V1__Commitment *m)
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
			        api_jstr(domain_enum_name(
			                &remacto__v1__milestone_status__descriptor, im.status)));
			json_object_set_new(o, "date", api_jstr(im.date));
			json_object_set_new(o, "index", domain_jindex(im.index));
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
commitment_json(struct domain *x, const struct index_commitment *st, const char *origin,
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
	        api_jstr(domain_enum_name(&remacto__v1__completion__descriptor, st->completion)));
	json_object_set_new(j, "progress", json_integer(st->progress));
	json_object_set_new(j, "statusDate",
	                    st->status_date[0] ? api_jstr(st->status_date) : json_null());
	json_object_set_new(j, "lastUpdate", st->updated[0] ? api_jstr(st->updated) : json_null());
	json_object_set_new(j, "logIndex", domain_jindex(st->entry));
	json_object_set_new(j, "firstIndex", domain_jindex(st->first));
	json_object_set_new(j, "statusIndex", domain_jindex(st->status_index));
	json_object_set_new(j, "lastUpdateIndex", domain_jindex(st->updated_index));
	json_object_set_new(j, "versions", json_integer(st->versions));
	json_object_set_new(j, "events", json_integer(st->events));
	json_object_set_new(j, "milestones", m ? milestones_json(x, st, m) : json_array());
	json_decref(cj);
	return j;
}

static enum domain_verdict
commit_match(struct domain_scan *sc, const MDB_val *k, const MDB_val *v)
{
	const struct commit_filter *f = sc->arg;
	struct index_commitment st;
	if (!index_commitment_decode(k, v, &st))
		return DOMAIN_SKIP;
	if (f->principle && !(st.principles & (1u << f->principle)))
		return DOMAIN_SKIP;
	if (f->status >= 0 && st.completion != f->status)
		return DOMAIN_SKIP;
	if (f->programme[0] && strcmp(st.programme, f->programme) != 0)
		return DOMAIN_SKIP;
	return DOMAIN_TAKE;
}

static int
commit_emit(struct domain_scan *sc, const MDB_val *k, const MDB_val *v)
{
	struct domain *x = sc->x;
	struct index_commitment st;
	Remacto__V1__Entry *e;
	const char *origin;
	int rc;

	if (!index_commitment_decode(k, v, &st) ||
	    !(origin = store_log_list_origin(&x->logs, st.log)))
		return MDB_CORRUPTED;
	if ((rc = domain_read_entry(x, st.log, st.entry, &e)) != 0)
		return rc;
	if (x->csv) {
		csvimport_commitment_row(&sc->csv, store_slug(origin), e, &st);
	} else {
		json_t *row = commitment_json(x, &st, origin, e);
		if (!row || json_array_append_new(sc->rows, row) != 0)
			rc = -ENOMEM;
	}
	domain_entry_free(e);
	return rc;
}

/* Does some log (or log `only`) hold programme id? */
static int
programme_exists(struct domain *x, const char *id, uint32_t only, bool *found)
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

void
domain_list_commitments(struct domain *x)
{
	static const char *const allowed[] = { "member", "principle", "status", "programme",
		                               "limit",  "cursor",    "offset", NULL };
	struct commit_filter f = { 0, -1, "" };
	struct domain_scan sc = { .x = x,
		                  .db = INDEX_COMMITMENTS,
		                  .match = commit_match,
		                  .emit = commit_emit,
		                  .arg = &f };
	char member[DOMAIN_PARAM_MAX], principle[64], status[64];
	uint32_t log = 0;
	int rc;

	if (!api_query_check(x->req, x->resp, allowed) ||
	    !api_query_str(x->req, x->resp, "member", member, sizeof(member)) ||
	    !api_query_str(x->req, x->resp, "principle", principle, sizeof(principle)) ||
	    !api_query_str(x->req, x->resp, "status", status, sizeof(status)) ||
	    !api_query_str(x->req, x->resp, "programme", f.programme, sizeof(f.programme)) ||
	    !domain_scan_params(x, &sc))
		return;
	if (principle[0] &&
	    !domain_parse_enum(x, "principle", principle, &remacto__v1__principle__descriptor,
	                       false, &f.principle))
		return;
	if (status[0] && !domain_parse_enum(x, "status", status,
	                                    &remacto__v1__completion__descriptor, true, &f.status))
		return;
	if (!domain_scan_member(&sc, member, &log))
		return;
	if (f.programme[0]) {
		bool found;
		if ((rc = programme_exists(x, f.programme, log, &found)) != 0) {
			domain_store_error(x, rc, "cannot read the programmes");
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
	domain_scan_respond(&sc, "commitments");
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

/* One row of a commitment's history, to the CSV or to the JSON array. */
struct history_out {
	struct domain *x;
	uint32_t log;
	const char *slug, *id;
	json_t *hist;
	struct csv *csv;
};

static int
history_item(const struct index_history *h, void *arg)
{
	struct history_out *o = arg;
	Remacto__V1__Entry *e;
	char kind[40];
	int rc = domain_read_entry(o->x, o->log, h->index, &e);
	if (rc != 0)
		return rc;
	entry_kind_name(e, kind, sizeof(kind));
	if (o->x->csv) {
		csv_field(o->csv, o->slug);
		csv_field(o->csv, o->id);
		csv_fieldf(o->csv, "%llu", (unsigned long long)h->index);
		csv_field(o->csv, kind);
		csv_field(o->csv, e->published);
		csv_field(o->csv, event_date(e));
		csv_end_row(o->csv);
	} else {
		json_t *item = json_object();
		json_t *ej = pbjson_encode(&e->base);
		if (!item || !ej) {
			json_decref(item);
			json_decref(ej);
			domain_entry_free(e);
			return -ENOMEM;
		}
		json_object_set_new(item, "index", domain_jindex(h->index));
		json_object_set_new(item, "kind", json_string(kind));
		json_object_set_new(item, "published", api_jstr(e->published));
		json_object_set_new(item, "entry", ej);
		json_array_append_new(o->hist, item);
	}
	domain_entry_free(e);
	return 0;
}

void
domain_get_commitment(struct domain *x, const char *rest)
{
	static const char *const allowed[] = { NULL };
	struct index_commitment st;
	Remacto__V1__Entry *e = NULL;
	char slug[128];
	const char *id, *origin;
	uint32_t log;
	json_t *j = NULL, *hist = NULL;
	struct csv csv = { 0 };
	int rc;

	if (!api_query_check(x->req, x->resp, allowed))
		return;
	if (!domain_split_rest(x, rest, "commitments", slug, sizeof(slug), &id) ||
	    !domain_member_log(x, slug, &log, 404))
		return;
	origin = store_log_list_origin(&x->logs, log);
	rc = index_commitment_get(x->s, x->txn, log, id, &st);
	if (rc == MDB_NOTFOUND) {
		api_error(x->resp, 404, NULL, "%s publishes no commitment %.200s", slug, id);
		return;
	}
	if (rc != 0 || (rc = domain_read_entry(x, log, st.entry, &e)) != 0) {
		domain_store_error(x, rc, "cannot read the commitment");
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
	domain_entry_free(e);
	e = NULL;

	/* The history: log‖id‖0‖index, in log order. */
	struct history_out ho = { x, log, slug, st.id, hist, &csv };
	rc = domain_history_each(x, log, id, history_item, &ho);
done:
	domain_entry_free(e);
	if (rc != 0) {
		domain_store_error(x, rc, "cannot read the commitment's history");
		json_decref(j);
		json_decref(hist);
		csv_free(&csv);
		return;
	}
	if (x->csv) {
		api_csv(x->resp, &csv);
	} else {
		json_t *assessments, *reports;
		json_object_set_new(j, "history", hist);
		if ((rc = domain_about_json(x, origin, st.id, &assessments, &reports)) != 0) {
			json_decref(j);
			domain_store_error(x, rc, "cannot read the commitment's assessments");
			return;
		}
		json_object_set_new(j, "assessments", assessments);
		json_object_set_new(j, "consultationReports", reports);
		json_t *dates;
		if ((rc = domain_date_history(x, log, st.id, &dates)) != 0) {
			json_decref(j);
			domain_store_error(x, rc, "cannot read the commitment's dates");
			return;
		}
		json_object_set_new(j, "dateHistory", dates);
		api_json(x->resp, 200, j);
	}
	if (x->resp->status == 200)
		x->resp->cache_control = domain_short_lived;
}
