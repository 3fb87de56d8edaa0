/*
 * facts — the per-member facts of the derived views, folded incrementally from the logs, and
 * the registry snapshot. See facts.h. Files: facts.c (members, witnesses and evidence, the
 * registry snapshot, the refresh), facts_fold.c (one entry into a member's facts),
 * facts_tables.c (interned strings, maps, arrays, the arena), facts_days.c (days and
 * periods); facts_impl.h is what they share.
 *
 * The fold decodes each new entry once with protobuf-c into a reusable arena (no malloc per
 * field), looks its ids up in one hash table per member, and appends a small record to one of
 * the member's arrays. Strings are interned once for the whole node (ids, periods, codes), so
 * the views compare them as integers.
 */
#include "facts.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "facts_impl.h"
#include "peers/evidence.h"
#include "peers/registry.h"
#include "peers/witness.h"

#include "peer.pb-c.h"

/* ---- members ---- */


/* Forgets everything folded from the log (after a failed fold: it starts over). */
static void
member_reset(struct facts_member *m)
{
	free(m->progs);
	free(m->commits);
	free(m->statuses);
	free(m->dues);
	free(m->outcomes);
	free(m->meas);
	free(m->amends);
	free(m->changes);
	free(m->programmes);
	free(m->commitments);
	free(m->milestones);
	for (size_t i = 0; i < m->n_indicators; i++) {
		free(m->indicators[i].targets);
		free(m->indicators[i].meas);
	}
	free(m->indicators);
	free(m->seen);
	facts_map_free(m->map);
	size_t off = offsetof(struct facts_member, held);
	memset((char *)m + off, 0, offsetof(struct facts_member, gen) - off);
	m->map = NULL;
}

static void
member_free(struct facts_member *m)
{
	if (!m)
		return;
	free(m->origin);
	free(m->name_fr);
	free(m->name_ar);
	free(m->name_en);
	member_reset(m);
	free(m);
}

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

struct facts *
facts_new(void)
{
	struct facts *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->strings = facts_strings_new();
	f->arena = calloc(1, sizeof(*f->arena));
	if (!f->strings || !f->arena || !(f->arena->buf = malloc(ARENA_SIZE))) {
		facts_free(f);
		return NULL;
	}
	f->arena->pa = (ProtobufCAllocator){ facts_arena_alloc, facts_arena_free, f->arena };
	f->policy.index = FACTS_NO_INDEX;
	return f;
}

static void
catalog_clear(struct facts *f)
{
	for (size_t i = 0; i < f->n_catalog; i++) {
		free(f->catalog[i].title_fr);
		free(f->catalog[i].title_ar);
		free(f->catalog[i].title_en);
		free(f->catalog[i].unit);
	}
	free(f->catalog);
	f->catalog = NULL;
	f->n_catalog = 0;
}

void
facts_free(struct facts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_members; i++)
		member_free(f->members[i]);
	free(f->members);
	catalog_clear(f);
	facts_strings_free(f->strings);
	facts_map_free(f->by_origin);
	if (f->arena)
		free(f->arena->buf);
	free(f->arena);
	free(f);
}

struct facts_member *
facts_member_find(const struct facts *f, const char *name)
{
	if (!name || !*name)
		return NULL;
	if (strchr(name, '/')) {
		uint32_t i = facts_map_get(f->by_origin,
		                           key1(K_MEMBER, facts_string_find(f, name)));
		return i == FACTS_NO_SLOT || i >= f->n_members ? NULL : f->members[i];
	}
	for (size_t i = 0; i < f->n_members; i++)
		if (!strcmp(f->members[i]->slug, name))
			return f->members[i];
	return NULL;
}

const struct facts_catalog *
facts_catalog_find(const struct facts *f, const char *code)
{
	facts_str id = facts_string_find(f, code);
	for (size_t i = 0; id && i < f->n_catalog; i++)
		if (f->catalog[i].code == id)
			return &f->catalog[i];
	return NULL;
}

uint32_t
facts_commitment_slot(const struct facts_member *m, facts_str id)
{
	return id ? facts_map_get(m->map, key1(K_COMMIT, id)) : FACTS_NO_SLOT;
}

uint32_t
facts_indicator_slot(const struct facts_member *m, facts_str id)
{
	return id ? facts_map_get(m->map, key1(K_IND, id)) : FACTS_NO_SLOT;
}

/* ---- witnesses and evidence ---- */

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Adds a cosignature: true when it told something new. */
static bool
add_seen(struct facts_member *m, uint64_t ts, uint64_t size, int *rc)
{
	facts_day d = facts_day_of_time(ts);
	size_t lo = 0, hi = m->n_seen;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->seen[mid].day < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->n_seen && m->seen[lo].day == d) {
		bool changed = ts > m->seen[lo].time || size > m->seen[lo].size;
		if (ts > m->seen[lo].time)
			m->seen[lo].time = ts;
		if (size > m->seen[lo].size)
			m->seen[lo].size = size;
		return changed;
	}
	if (!GROW(m, seen)) {
		*rc = -ENOMEM;
		return false;
	}
	memmove(&m->seen[lo + 1], &m->seen[lo], (m->n_seen - 1 - lo) * sizeof(*m->seen));
	m->seen[lo] = (struct facts_seen){ d, ts, size };
	return true;
}

/* Cosignatures of the member's log from seen_from on ("wit:cosigs": log ‖ size ‖ name →
 * "timestamp line"); the member's own do not count. */
static int
refresh_seen(struct store *s, MDB_txn *txn, struct facts_member *m, bool *changed)
{
	uint8_t key[12];
	MDB_cursor *c;
	MDB_val k = { sizeof(key), key }, v;
	size_t ol = strlen(m->origin);
	uint64_t top = m->seen_from;
	int rc, err = 0;

	for (int i = 0; i < 4; i++)
		key[i] = (uint8_t)(m->log >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		key[4 + i] = (uint8_t)(m->seen_from >> (56 - 8 * i));
	if ((rc = mdb_cursor_open(txn, store_dbs(s, &witness_module)[0], &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kp = k.mv_data;
		const char *val = v.mv_data;
		uint64_t ts = 0;
		size_t i;
		if (k.mv_size < 12 || be32(kp) != m->log)
			break;
		uint64_t size = be64(kp + 4);
		if (k.mv_size - 12 == ol && !memcmp(kp + 12, m->origin, ol))
			continue;
		for (i = 0; i < v.mv_size && val[i] >= '0' && val[i] <= '9' && i < 19; i++)
			ts = ts * 10 + (uint64_t)(val[i] - '0');
		if (i == 0 || i >= v.mv_size || val[i] != ' ')
			continue;
		if (add_seen(m, ts, size, &err))
			*changed = true;
		if (err)
			break;
		if (size > top)
			top = size;
	}
	mdb_cursor_close(c);
	m->seen_from = top;
	if (err)
		return err;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The tree size on the second line of a checkpoint note. */
static uint64_t
note_size(const uint8_t *p, size_t len)
{
	const uint8_t *nl = memchr(p, '\n', len);
	uint64_t v = 0;
	if (!nl)
		return 0;
	for (nl++; nl < p + len && *nl >= '0' && *nl <= '9' && v < UINT64_MAX / 10; nl++)
		v = v * 10 + (uint64_t)(*nl - '0');
	return v;
}

/* The sizes of the member's first equivocation record (evidence.h). */
struct first_fork {
	uint64_t a, b;
};

static int
first_fork(const Remacto__Peer__V1__Equivocation *e, bool resolved, void *arg)
{
	struct first_fork *ff = arg;
	(void)resolved;
	ff->a = note_size(e->note_a.data, e->note_a.len);
	ff->b = note_size(e->note_b.data, e->note_b.len);
	return 1; /* the first one is enough */
}

/* Equivocation records of the member. */
static int
refresh_evidence(struct store *s, MDB_txn *txn, struct facts_member *m, bool *changed)
{
	struct first_fork ff = { 0, 0 };
	uint32_t count = 0, all = 0;
	int rc = evidence_each(s, txn, m->origin, first_fork, &ff, &count);

	if (rc != 0 && rc != 1)
		return rc;
	/* The callback stopped at the first record: count them all. */
	if ((rc = evidence_each(s, txn, m->origin, NULL, NULL, &all)) != 0)
		return rc;
	count = all;
	if (count != m->forks || ff.a != m->fork_size_a || ff.b != m->fork_size_b) {
		m->forks = count, m->fork_size_a = ff.a, m->fork_size_b = ff.b;
		*changed = true;
	}
	return 0;
}

/* Folds the new entries of a member's log, then its cosignatures and evidence. */
static int
refresh_member(struct facts *f, struct store *s, MDB_txn *txn, struct facts_member *m,
               const Remacto__Store__LogRecord *rec, char *err, size_t errcap)
{
	bool changed = false;
	int rc = 0;

	if (!rec) {
		if (m->held)
			changed = true; /* cannot happen (logs are never removed): start over */
		if (changed) {
			m->held = false;
			m->gen = ++f->clock;
		}
		return 0;
	}
	if (!m->held || m->log != rec->id || rec->size < m->size) {
		/* A log never shrinks; a different one (a store replaced under the node) is folded
		 * from its start. */
		if (m->held)
			member_reset(m);
		m->held = true;
		m->log = rec->id;
		changed = true;
	}
	if (rec->size > m->size) {
		struct facts_fold x = { .f = f, .m = m };
		rc = store_entry_each(s, txn, rec->id, m->size, rec->size - m->size,
		                      facts_fold_entry, &x);
		if (rc == 0)
			rc = x.rc;
		if (rc != 0) {
			err_set(err, errcap, "log %s: cannot fold entries %llu-%llu: %s", m->origin,
			        (unsigned long long)m->size, (unsigned long long)rec->size - 1,
			        store_strerror(rc));
			/* Half a fold is worse than none: the next refresh starts this log over. */
			member_reset(m);
			m->gen = ++f->clock;
			return rc;
		}
		m->size = rec->size;
		changed = true;
	}
	if ((rc = refresh_seen(s, txn, m, &changed)) != 0 ||
	    (rc = refresh_evidence(s, txn, m, &changed)) != 0) {
		err_set(err, errcap, "log %s: cannot read cosignatures or evidence: %s", m->origin,
		        store_strerror(rc));
		return rc;
	}
	if (changed)
		m->gen = ++f->clock;
	return 0;
}

/* ---- the registry snapshot ---- */

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
			member_free(m);
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

	catalog_clear(f);
	if (store_db(r->s, "reg:catalog", &db) != 0)
		return 0;
	if ((rc = mdb_cursor_open(r->txn, db, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 8)
			continue;
		Remacto__V1__Entry *e = registry_entry(r->s, r->txn, r->log, be64(v.mv_data));
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
				ce->index = be64(v.mv_data);
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
	Remacto__V1__Entry *e = registry_entry(r->s, r->txn, r->log, be64(v.mv_data));
	if (e && e->kind_case == REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY) {
		const Remacto__V1__CompliancePolicy *cp = e->compliance_policy;
		p->liveness_days = cp->liveness_days;
		p->follow_up_days = cp->follow_up_days;
		p->milestone_grace_days = cp->milestone_grace_days;
		p->at_risk_score = cp->at_risk_score;
		p->non_compliant_score = cp->non_compliant_score;
		p->index = be64(v.mv_data);
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
		member_free(f->members[i]); /* NULL for those moved to the new list */
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
			member_free(r->list[i]);
	}
	free(r->list);
	r->list = NULL;
	/* Members moved out and not put back cannot exist: every moved one came from a slot. */
}

static int
reload_registry(struct facts *f, struct store *s, MDB_txn *txn, const char *origin, uint32_t log,
                char *err, size_t errcap)
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
		catalog_clear(f);
		memset(&f->policy, 0, sizeof(f->policy));
		f->policy.index = FACTS_NO_INDEX;
	}
	f->registry_gen = ++f->clock;
	return 0;
}

/* ---- refresh ---- */

struct each_log {
	struct facts *f;
	struct store *s;
	MDB_txn *txn;
	char *err;
	size_t errcap;
	bool *seen; /* member index → a log was found */
	size_t nlogs;
};

static int
refresh_one_log(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct each_log *x = arg;
	struct facts *f = x->f;
	x->nlogs++;
	uint32_t i = facts_map_get(f->by_origin, key1(K_MEMBER, facts_string_find(f, rec->origin)));
	if (i == FACTS_NO_SLOT || i >= f->n_members)
		return 0; /* not a member (the registry log itself, a log the registry never admitted) */
	x->seen[i] = true;
	return refresh_member(f, x->s, x->txn, f->members[i], rec, x->err, x->errcap);
}

int
facts_refresh(struct facts *f, struct store *s, MDB_txn *txn, const char *origin, char *err,
              size_t errcap)
{
	struct note_verifier auth;
	Remacto__Store__LogRecord *rec = NULL;
	uint64_t rsize = 0;
	uint32_t rlog = 0;
	int rc;

	err[0] = '\0';
	bool federated = registry_authority(s, txn, &auth);
	if (federated) {
		rc = store_log_get(s, txn, auth.name, &rec);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			err_set(err, errcap, "cannot read the registry log %s: %s", auth.name,
			        store_strerror(rc));
			return rc;
		}
		if (rec)
			rsize = rec->size, rlog = rec->id;
		remacto__store__log_record__free_unpacked(rec, NULL);
		rec = NULL;
	}
	if (federated != f->federated ||
	    (federated && (strcmp(f->registry, auth.name) != 0 || rsize != f->registry_size)) ||
	    f->registry_gen == 0) {
		f->federated = federated;
		snprintf(f->registry, sizeof(f->registry), "%s", federated ? auth.name : "");
		if ((rc = reload_registry(f, s, txn, federated ? auth.name : NULL, rlog, err,
		                          errcap)) != 0)
			return rc;
		f->registry_size = rsize;
	}

	if (origin) {
		struct facts_member *m = facts_member_find(f, origin);
		if (!m)
			return 0;
		rc = store_log_get(s, txn, m->origin, &rec);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			err_set(err, errcap, "cannot read log %s: %s", m->origin,
			        store_strerror(rc));
			return rc;
		}
		rc = refresh_member(f, s, txn, m, rec, err, errcap);
		remacto__store__log_record__free_unpacked(rec, NULL);
		return rc;
	}

	struct each_log x = { f, s, txn, err, errcap, calloc(f->n_members + 1, sizeof(bool)), 0 };
	if (!x.seen) {
		err_set(err, errcap, "out of memory");
		return -ENOMEM;
	}
	rc = store_log_each(s, txn, refresh_one_log, &x);
	for (size_t i = 0; rc == 0 && i < f->n_members; i++)
		if (!x.seen[i])
			rc = refresh_member(f, s, txn, f->members[i], NULL, err, errcap);
	free(x.seen);
	if (rc != 0 && !err[0])
		err_set(err, errcap, "cannot list the logs: %s", store_strerror(rc));
	/* A standalone node's members are its logs: a new log means a new member list. */
	if (rc == 0 && !f->federated && x.nlogs != f->nlogs) {
		if ((rc = reload_registry(f, s, txn, NULL, 0, err, errcap)) == 0) {
			f->nlogs = x.nlogs;
			return facts_refresh(f, s, txn, NULL, err, errcap);
		}
	}
	return rc;
}
