/*
 * api_members — the network's members as the registry says, public:
 *   GET /api/v1/members[.csv][?kind=region|prefecture|province|commune|observer]
 * Every member the registry admitted, collectivities and civil-society observers alike, in
 * origin order: kind (and an observer's category), names, region, population, status (active
 * or suspended, with the size past which its log is refused), the node address it announced,
 * its current key and the size it signs from, and the size of its log this node holds.
 * {"registry": origin or null, "members": [...]}; CSV columns: member, origin, kind, category,
 * name_fr, name_ar, name_en, hcp, region, population, status, suspended_at_size, node, key,
 * key_from_size, contact_url, admission_index, log_size.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "peers/registry.h"
#include "store/store.h"
#include "views/regions.h"

static const char *const kind_names[] = { "unspecified", "region",  "prefecture",
	                                  "province",    "commune", "observer" };
static const char *const category_names[] = { NULL, "association", "committee", "university",
	                                      "press" };
#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

struct members {
	const struct api_ctx *c;
	MDB_txn *txn;
	int kind; /* -1: any */
	json_t *rows;
	struct csv *csv;
};

static const char *
kind_name(int k)
{
	return k >= 0 && (size_t)k < NKINDS ? kind_names[k] : "unspecified";
}

static const char *
category_name(int c)
{
	return c > 0 && c < 5 ? category_names[c] : NULL;
}

static json_t *
jstr_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static int
member_one(const Remacto__Store__MemberRecord *m, void *arg)
{
	struct members *x = arg;
	Remacto__V1__MemberAdmission *a = remacto__v1__member_admission__unpack(
	        NULL, m->admission.len, m->admission.data);
	Remacto__Store__LogRecord *log = NULL;
	const Remacto__Store__MemberKey *key = m->n_keys ? m->keys[m->n_keys - 1] : NULL;
	int kind = a ? a->kind : 0, rc;
	const char *cat = a ? category_name(a->observer_category) : NULL;
	const Remacto__V1__Text *name = a ? a->name : NULL;

	if (x->kind >= 0 && kind != x->kind)
		goto done;
	if ((rc = store_log_get(x->c->store, x->txn, m->origin, &log)) != 0 && rc != MDB_NOTFOUND) {
		if (a)
			remacto__v1__member_admission__free_unpacked(a, NULL);
		return rc;
	}
	if (x->rows) {
		json_t *j = json_object(), *n = json_object();
		if (!j || !n) {
			json_decref(j), json_decref(n);
			rc = -ENOMEM;
			goto fail;
		}
		json_object_set_new(n, "fr", api_jstr(name ? name->fr : ""));
		json_object_set_new(n, "ar", api_jstr(name ? name->ar : ""));
		if (name && name->en && *name->en)
			json_object_set_new(n, "en", api_jstr(name->en));
		json_object_set_new(j, "member", api_jstr(store_slug(m->origin)));
		json_object_set_new(j, "origin", api_jstr(m->origin));
		json_object_set_new(j, "kind", json_string(kind_name(kind)));
		json_object_set_new(j, "category", jstr_or_null(cat));
		json_object_set_new(j, "name", n);
		json_object_set_new(j, "hcp", jstr_or_null(a ? a->hcp_code : NULL));
		json_object_set_new(j, "region", jstr_or_null(a ? a->region_code : NULL));
		json_object_set_new(j, "regionName", regions_name_json(a ? a->region_code : ""));
		json_object_set_new(j, "population",
		                    a && a->population ? json_integer((json_int_t)a->population)
		                                       : json_null());
		json_object_set_new(j, "contactUrl", jstr_or_null(a ? a->contact_url : NULL));
		json_object_set_new(j, "status",
		                    json_string(m->suspended ? "suspended" : "active"));
		json_object_set_new(j, "suspendedAtSize",
		                    m->suspended ? json_integer((json_int_t)m->suspended_at_size)
		                                 : json_null());
		json_object_set_new(j, "node", jstr_or_null(m->peer_url));
		json_object_set_new(j, "key", jstr_or_null(key ? key->verifier_key : NULL));
		json_object_set_new(j, "keyFromSize",
		                    json_integer((json_int_t)(key ? key->from_size : 0)));
		json_object_set_new(j, "admissionIndex",
		                    json_integer((json_int_t)m->admission_index));
		json_object_set_new(j, "admitted", jstr_or_null(a ? a->date : NULL));
		json_object_set_new(j, "logSize",
		                    log ? json_integer((json_int_t)log->size) : json_null());
		json_array_append_new(x->rows, j);
	} else {
		csv_field(x->csv, store_slug(m->origin));
		csv_field(x->csv, m->origin);
		csv_field(x->csv, kind_name(kind));
		csv_field(x->csv, cat ? cat : "");
		csv_field(x->csv, name && name->fr ? name->fr : "");
		csv_field(x->csv, name && name->ar ? name->ar : "");
		csv_field(x->csv, name && name->en ? name->en : "");
		csv_field(x->csv, a && a->hcp_code ? a->hcp_code : "");
		csv_field(x->csv, a && a->region_code ? a->region_code : "");
		if (a && a->population)
			csv_fieldf(x->csv, "%llu", (unsigned long long)a->population);
		else
			csv_field(x->csv, "");
		csv_field(x->csv, m->suspended ? "suspended" : "active");
		if (m->suspended)
			csv_fieldf(x->csv, "%llu", (unsigned long long)m->suspended_at_size);
		else
			csv_field(x->csv, "");
		csv_field(x->csv, m->peer_url ? m->peer_url : "");
		csv_field(x->csv, key ? key->verifier_key : "");
		csv_fieldf(x->csv, "%llu", (unsigned long long)(key ? key->from_size : 0));
		csv_field(x->csv, a && a->contact_url ? a->contact_url : "");
		csv_fieldf(x->csv, "%llu", (unsigned long long)m->admission_index);
		if (log)
			csv_fieldf(x->csv, "%llu", (unsigned long long)log->size);
		else
			csv_field(x->csv, "");
		csv_end_row(x->csv);
	}
done:
	rc = 0;
fail:
	remacto__store__log_record__free_unpacked(log, NULL);
	if (a)
		remacto__v1__member_admission__free_unpacked(a, NULL);
	return rc;
}

static void
members(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	static const char *const allowed[] = { "kind", NULL };
	static const char *const cols[] = { "member",
		                            "origin",
		                            "kind",
		                            "category",
		                            "name_fr",
		                            "name_ar",
		                            "name_en",
		                            "hcp",
		                            "region",
		                            "population",
		                            "status",
		                            "suspended_at_size",
		                            "node",
		                            "key",
		                            "key_from_size",
		                            "contact_url",
		                            "admission_index",
		                            "log_size",
		                            NULL };
	struct members x = { .c = c, .kind = -1 };
	struct note_verifier auth;
	struct csv csv = { 0 };
	char kind[32];
	bool federated;
	int rc;

	if (!api_query_check(req, resp, allowed) ||
	    !api_query_str(req, resp, "kind", kind, sizeof(kind)))
		return;
	for (size_t i = 1; kind[0] && i < NKINDS; i++)
		if (!strcmp(kind, kind_names[i]))
			x.kind = (int)i;
	if (kind[0] && x.kind < 0) {
		api_error(
		        resp, 400, "kind",
		        "unknown kind; expected region, prefecture, province, commune or observer");
		return;
	}
	if ((rc = store_read_begin(c->store, &x.txn)) != 0) {
		api_error(resp, 503, NULL, "storage unavailable: %s", store_strerror(rc));
		return;
	}
	federated = registry_authority(c->store, x.txn, &auth);
	if (req->want_csv) {
		x.csv = &csv;
		for (size_t i = 0; cols[i]; i++)
			csv_field(&csv, cols[i]);
		csv_end_row(&csv);
	} else if (!(x.rows = json_array())) {
		mdb_txn_abort(x.txn);
		api_error(resp, 500, NULL, "out of memory");
		return;
	}
	rc = federated ? registry_each(c->store, x.txn, member_one, &x) : 0;
	mdb_txn_abort(x.txn);
	if (rc != 0) {
		json_decref(x.rows);
		csv_free(&csv);
		api_error(resp, 500, NULL, "cannot read the registry: %s", store_strerror(rc));
		return;
	}
	if (req->want_csv)
		api_csv(resp, &csv);
	else
		api_json(resp, 200,
		         json_pack("{s:o, s:o}", "registry",
		                   federated ? json_string(auth.name) : json_null(), "members",
		                   x.rows));
	if (resp->status == 200)
		resp->cache_control = "public, max-age=5";
}

bool
api_members_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	/* http.c strips ".csv" and sets want_csv */
	if (strcmp(req->path, "/api/v1/members") != 0)
		return false;
	if (req->method != API_GET && req->method != API_HEAD) {
		api_error(resp, 405, NULL, "%s is read only: use GET", req->path);
		return true;
	}
	members(c, req, resp);
	return true;
}
