/*
 * api_assess — what others signed about a commitment, for GET /api/v1/commitments/<member>/<id>
 * (api_domain.h): every assessment of it, from the member's own log and from observers' logs,
 * and every consultation report about it. Read from the civic view (store/civic.h), each entry
 * fetched from the log that holds it, its signer looked up in the registry.
 */
#include <errno.h>
#include <string.h>

#include "api_domain.h"
#include "core/pbjson.h"
#include "store/civic.h"
#include "views/observers.h"

struct about {
	struct domain *x;
	const char *member; /* the member whose commitment it is */
	json_t *assessments, *reports;
};

static int
about_one(const struct civic_ref *r, void *arg)
{
	struct about *a = arg;
	const char *signer = store_log_list_origin(&a->x->logs, r->log);
	Remacto__V1__Entry *e;
	json_t *item, *ej;
	int rc;

	if (!signer)
		return MDB_CORRUPTED;
	if ((rc = domain_read_entry(a->x, r->log, r->index, &e)) != 0)
		return rc;
	bool assessment = e->kind_case == REMACTO__V1__ENTRY__KIND_ASSESSMENT;
	if (!assessment && e->kind_case != REMACTO__V1__ENTRY__KIND_CONSULTATION) {
		domain_entry_free(e);
		return MDB_CORRUPTED;
	}
	item = json_object();
	ej = pbjson_encode(&e->base);
	if (!item || !ej) {
		json_decref(item), json_decref(ej);
		domain_entry_free(e);
		return -ENOMEM;
	}
	json_object_set_new(item, "origin", api_jstr(signer));
	json_object_set_new(item, "member", api_jstr(store_slug(signer)));
	json_object_set_new(item, "index", domain_jindex(r->index));
	json_object_set_new(item, "published", api_jstr(e->published));
	json_object_set_new(item, "own", json_boolean(!strcmp(signer, a->member)));
	json_object_set_new(item, "observer",
	                    json_boolean(observers_is_observer(a->x->s, a->x->txn, signer)));
	json_object_set_new(item, "entry", ej);
	json_array_append_new(assessment ? a->assessments : a->reports, item);
	domain_entry_free(e);
	return 0;
}

int
domain_about_json(struct domain *x, const char *origin, const char *commitment,
                  json_t **assessments, json_t **reports)
{
	struct about a = { x, origin, json_array(), json_array() };
	int rc = a.assessments && a.reports
	                 ? civic_about_each(x->s, x->txn, origin, commitment, about_one, &a)
	                 : -ENOMEM;
	if (rc != 0) {
		json_decref(a.assessments), json_decref(a.reports);
		*assessments = *reports = NULL;
		return rc;
	}
	*assessments = a.assessments, *reports = a.reports;
	return 0;
}
