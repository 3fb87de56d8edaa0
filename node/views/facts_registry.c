/*
 * facts_registry — the registry snapshot of the facts module: the member list (from the
 * registry's member records, or a standalone node's logs), each member's names, codes,
 * admission and suspension, the indicator catalogue and the compliance policy, read again when
 * the registry log moves (facts_refresh in facts.c). A failed reload leaves the snapshot as it
 * was. Internal to the module (facts_impl.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/err.h"
#include "facts_impl.h"
#include "peers/registry.h"

static struct facts_member *
member_new(const char *origin)
{
	struct facts_member *m = calloc(1, sizeof(*m));
	if (!m || !(m->origin = strdup(origin))) {
		free(m);
		return NULL;
	}
	m->slug = store_slug(m->origin);
	m->admission = FACTS_NO_INDEX;
	return m;
}

/* Decodes registry entry index (NULL when it does not decode). */
static Remacto__V1__Entry *
registry_entry(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index)
{
	const uint8_t *data;
	size_t len;
	if (store_entry_get(s, txn, log, index, &data, &len) != 0)
		return NULL;
	return remacto__v1__entry__unpack(NULL, len, data);
}

static char *
dup_text(const Remacto__V1__Text *t, int which)
{
	const char *s = !t ? "" : which == 0 ? t->fr : which == 1 ? t->ar : t->en;
	return strdup(s ? s : "");
}

struct reload {
	struct facts *f;
	struct store *s;
	MDB_txn *txn;
	uint32_t log; /* the registry log */
	struct facts_member **list;
	size_t n, cap;
	int rc;
};

/* The member object of origin: the one already folded, or a new one. */
static struct facts_member *
member_for(struct reload *r, const char *origin)
{
	struct facts *f = r->f;
	uint32_t i = facts_map_get(f->by_origin, key1(K_MEMBER, facts_string_find(f, origin)));
	struct facts_member *m = i != FACTS_NO_SLOT && i < f->n_members ? f->members[i] : NULL;
	if (m)
		f->members[i] = NULL; /* moved to the new list */
	else if (!(m = member_new(origin)))
		return NULL;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		struct facts_member **nl = realloc(r->list, ncap * sizeof(*nl));
		if (!nl) {
			facts_member_free(r->f, m);
			return NULL;
		}
		r->list = nl, r->cap = ncap;
	}
	r->list[r->n++] = m;
	return m;
}

static int
reload_member(const Remacto__Store__MemberRecord *rec, void *arg)
{
	struct reload *r = arg;
	struct facts_member *m = member_for(r, rec->origin);
	Remacto__V1__MemberAdmission *a;
	if (!m)
		return -ENOMEM;
	a = remacto__v1__member_admission__unpack(NULL, rec->admission.len, rec->admission.data);
	free(m->name_fr), free(m->name_ar), free(m->name_en);
	m->name_fr = dup_text(a ? a->name : NULL, 0);
	m->name_ar = dup_text(a ? a->name : NULL, 1);
	m->name_en = dup_text(a ? a->name : NULL, 2);
	snprintf(m->hcp, sizeof(m->hcp), "%s", a && a->hcp_code ? a->hcp_code : "");
	snprintf(m->region, sizeof(m->region), "%s", a && a->region_code ? a->region_code : "");
	if (a && a->kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION && !m->region[0])
		snprintf(m->region, sizeof(m->region), "%s", m->hcp);
	m->kind = a ? a->kind : 0;
	m->population = a ? a->population : 0;
	m->admission = rec->admission_index;
	m->admitted = a ? facts_day_parse(a->date) : 0;
	if (!m->admitted) {
		Remacto__V1__Entry *e = registry_entry(r->s, r->txn, r->log, rec->admission_index);
		m->admitted = e ? facts_day_parse(e->published) : 0;
		if (e)
			remacto__v1__entry__free_unpacked(e, NULL);
	}
	m->registered = true;
	m->suspended = rec->suspended;
	m->suspended_at = rec->suspended ? rec->suspended_at_size : 0;
	m->suspension_index = rec->suspension_index;
	if (a)
		remacto__v1__member_admission__free_unpacked(a, NULL);
	if (!m->name_fr || !m->name_ar || !m->name_en)
		return -ENOMEM;
	return 0;
}

static int
reload_log(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct reload *r = arg;
	return member_for(r, rec->origin) ? 0 : -ENOMEM;
}

static int
reload_catalog(struct reload *r)
{
	struct facts *f = r->f;
	MDB_dbi db;
	MDB_cursor *c;
	MDB_val k, v;
	size_t cap = 0;
	int rc;

	facts_catalog_clear(f);
	if (store_db(r->s, "reg:catalog", &db) != 0)
		return 0;
	if ((rc = mdb_cursor_open(r->txn, db, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 8)
			continue;
		Remacto__V1__Entry *e = registry_entry(r->s, r->txn, r->log, get_be64(v.mv_data));
		if (!e)
			continue;
		const Remacto__V1__CatalogIndicator *ci =
		        e->kind_case == REMACTO__V1__ENTRY__KIND_CATALOG_INDICATOR
		                ? e->catalog_indicator
		                : NULL;
		facts_str code = ci ? facts_intern(f->strings, ci->code) : 0;
		if (code == FACTS_NO_SLOT) {
			rc = -ENOMEM;
		} else if (code) {
			if (f->n_catalog == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct facts_catalog *nc = realloc(f->catalog, ncap * sizeof(*nc));
				if (!nc)
					rc = -ENOMEM;
				else
					f->catalog = nc, cap = ncap;
			}
			if (rc == 0) {
				struct facts_catalog *ce = &f->catalog[f->n_catalog++];
				memset(ce, 0, sizeof(*ce));
				ce->code = code;
				ce->principle = ci->principle;
				ce->higher_is_better = ci->higher_is_better;
				ce->per_10k =
				        ci->normalisation ==
				        REMACTO__V1__NORMALISATION__NORMALISATION_PER_10000_INHABITANTS;
				ce->withdrawn = ci->withdrawn;
				ce->index = get_be64(v.mv_data);
				ce->title_fr = dup_text(ci->title, 0);
				ce->title_ar = dup_text(ci->title, 1);
				ce->title_en = dup_text(ci->title, 2);
				ce->unit = strdup(ci->unit ? ci->unit : "");
				if (!ce->title_fr || !ce->title_ar || !ce->title_en || !ce->unit)
					rc = -ENOMEM;
			}
		}
		remacto__v1__entry__free_unpacked(e, NULL);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
reload_policy(struct reload *r)
{
	struct facts_policy *p = &r->f->policy;
	MDB_dbi db;
	MDB_val k = { 7, "current" }, v;
	memset(p, 0, sizeof(*p));
	p->index = FACTS_NO_INDEX;
	if (store_db(r->s, "reg:policy", &db) != 0 || mdb_get(r->txn, db, &k, &v) != 0 ||
	    v.mv_size != 8)
		return 0;
	Remacto__V1__Entry *e = registry_entry(r->s, r->txn, r->log, get_be64(v.mv_data));
	if (e && e->kind_case == REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY) {
		const Remacto__V1__CompliancePolicy *cp = e->compliance_policy;
		p->liveness_days = cp->liveness_days;
		p->follow_up_days = cp->follow_up_days;
		p->milestone_grace_days = cp->milestone_grace_days;
		p->at_risk_score = cp->at_risk_score;
		p->non_compliant_score = cp->non_compliant_score;
		p->index = get_be64(v.mv_data);
	}
	if (e)
		remacto__v1__entry__free_unpacked(e, NULL);
	return 0;
}

/* Replaces the member list with r->list (members no longer listed are freed) and rebuilds the
 * origin map. */
static int
install_members(struct facts *f, struct reload *r)
{
	struct facts_map *map = NULL;
	int rc = 0;
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		facts_str id = facts_intern(f->strings, r->list[i]->origin);
		rc = id == FACTS_NO_SLOT ? -ENOMEM
		                         : facts_map_put(&map, key1(K_MEMBER, id), (uint32_t)i);
	}
	if (rc != 0) {
		facts_map_free(map);
		return rc;
	}
	for (size_t i = 0; i < f->n_members; i++)
		facts_member_free(f, f->members[i]); /* NULL for those moved to the new list */
	free(f->members);
	facts_map_free(f->by_origin);
	f->members = r->list, f->n_members = r->n, f->cap_members = r->cap;
	f->by_origin = map;
	r->list = NULL;
	return 0;
}

/* Puts back the members moved to r->list (a failed reload leaves f as it was). */
static void
abandon(struct facts *f, struct reload *r)
{
	for (size_t i = 0; i < r->n; i++) {
		uint32_t j = facts_map_get(
		        f->by_origin, key1(K_MEMBER, facts_string_find(f, r->list[i]->origin)));
		if (j != FACTS_NO_SLOT && j < f->n_members && !f->members[j])
			f->members[j] = r->list[i];
		else
			facts_member_free(f, r->list[i]);
	}
	free(r->list);
	r->list = NULL;
	/* Members moved out and not put back cannot exist: every moved one came from a slot. */
}

int
facts_registry_reload(struct facts *f, struct store *s, MDB_txn *txn, const char *origin,
                      uint32_t log, char *err, size_t errcap)
{
	struct reload r = { .f = f, .s = s, .txn = txn, .log = log };
	int rc = 0;

	if (f->federated)
		rc = registry_each(s, txn, reload_member, &r);
	else
		rc = store_log_each(s, txn, reload_log, &r);
	if (rc == 0 && f->federated)
		rc = reload_catalog(&r);
	if (rc == 0 && f->federated)
		rc = reload_policy(&r);
	if (rc == 0)
		rc = install_members(f, &r);
	if (rc != 0) {
		abandon(f, &r);
		err_set(err, errcap, "cannot read the registry%s%s: %s", origin ? " " : "",
		        origin ? origin : "", store_strerror(rc));
		return rc;
	}
	if (!f->federated) {
		f->nlogs = f->n_members;
		facts_catalog_clear(f);
		memset(&f->policy, 0, sizeof(f->policy));
		f->policy.index = FACTS_NO_INDEX;
	}
	f->registry_gen = ++f->clock;
	return 0;
}
