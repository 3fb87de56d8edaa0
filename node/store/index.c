/*
 * index — the domain view, maintained entry by entry inside the append transaction. See index.h
 * for the key layout.
 *
 * index_apply runs for every entry the node stores (its own appends and every replicated log),
 * so it stays a handful of mdb_get/mdb_put per entry: no scans, no decoding of earlier entries.
 * Checks come first and writes after, so a strict rejection writes nothing.
 */
#include "index.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/err.h"

static const char *const index_db_names[INDEX_NDBS + 1] = {
	"ix:commitments", "ix:history", "ix:milestones", "ix:indicators", "ix:measurements",
	"ix:programmes",  NULL,
};

const struct store_module index_module = {
	"the domain index", index_db_names, index_apply, NULL, NULL, true
};

#define VALUE_FORMAT 1

/* Fixed parts of the value records. */
#define CV_FIXED 64 /* commitment: programme id follows */
#define MV_LEN 19   /* milestone */
#define IV_FIXED 20 /* indicator: catalog code follows */
#define PV_LEN 21   /* programme */


static const char *
str(const char *s)
{
	return s ? s : "";
}

/* A usable id: present and short enough for a key. */
static bool
id_ok(const char *s)
{
	return s && *s && strlen(s) <= INDEX_MAX_ID;
}

/* Copies a date (at most 10 bytes) into a zero-padded 10-byte field. */
static void
put_date(uint8_t *p, const char *d)
{
	size_t n = strnlen(str(d), 10);
	memset(p, 0, 10);
	memcpy(p, str(d), n);
}

static void
get_date(const uint8_t *p, char out[11])
{
	memcpy(out, p, 10);
	out[10] = '\0';
}

/* Copies n bytes of a key or value part into a NUL-terminated field of INDEX_MAX_ID + 1. */
static bool
get_part(const uint8_t *p, size_t n, char out[INDEX_MAX_ID + 1])
{
	if (n > INDEX_MAX_ID || memchr(p, 0, n))
		return false;
	memcpy(out, p, n);
	out[n] = '\0';
	return true;
}

size_t
index_key(uint8_t out[INDEX_MAX_KEY], uint32_t log, const char *a, const char *b)
{
	size_t n = 4, la, lb;
	put_be32(out, log);
	if (!a)
		return n;
	if ((la = strlen(a)) > INDEX_MAX_ID)
		return 0;
	memcpy(out + n, a, la);
	n += la;
	if (!b)
		return n;
	if ((lb = strlen(b)) > INDEX_MAX_ID)
		return 0;
	out[n++] = 0;
	memcpy(out + n, b, lb);
	return n + lb;
}

size_t
index_measurement_key(uint8_t out[INDEX_MAX_KEY], uint32_t log, uint32_t block,
                      const char *indicator)
{
	size_t n = strlen(indicator);
	if (n > INDEX_MAX_ID)
		return 0;
	put_be32(out, log);
	put_be32(out + 4, block);
	memcpy(out + 8, indicator, n);
	out[8 + n] = 0;
	return 8 + n + 1;
}

uint32_t
index_key_log(const MDB_val *k)
{
	return k->mv_size >= 4 ? get_be32(k->mv_data) : 0;
}

/* log‖commitment‖0‖index, a history key; 0 when the id is too long. */
static size_t
history_key(uint8_t out[INDEX_MAX_KEY], uint32_t log, const char *commitment, uint64_t index)
{
	size_t n = index_key(out, log, commitment, NULL);
	if (n == 0)
		return 0;
	out[n++] = 0;
	put_be64(out + n, index);
	return n + 8;
}

/* ---- value records ---- */

static void
commitment_encode(const struct index_commitment *c, uint8_t *v, size_t *len)
{
	size_t pl = strlen(c->programme);
	v[0] = VALUE_FORMAT;
	v[1] = c->completion;
	v[2] = c->progress;
	v[3] = c->principles;
	put_be64(v + 4, c->entry);
	put_be64(v + 12, c->first);
	put_be64(v + 20, c->status_index);
	put_be64(v + 28, c->updated_index);
	put_be32(v + 36, c->versions);
	put_be32(v + 40, c->events);
	put_date(v + 44, c->status_date);
	put_date(v + 54, c->updated);
	memcpy(v + CV_FIXED, c->programme, pl);
	*len = CV_FIXED + pl;
}

bool
index_commitment_decode(const MDB_val *k, const MDB_val *v, struct index_commitment *c)
{
	const uint8_t *p = v->mv_data;
	memset(c, 0, sizeof(*c));
	if (k->mv_size < 5 || v->mv_size < CV_FIXED || p[0] != VALUE_FORMAT ||
	    !get_part((const uint8_t *)k->mv_data + 4, k->mv_size - 4, c->id) ||
	    !get_part(p + CV_FIXED, v->mv_size - CV_FIXED, c->programme))
		return false;
	c->log = index_key_log(k);
	c->completion = p[1];
	c->progress = p[2];
	c->principles = p[3];
	c->entry = get_be64(p + 4);
	c->first = get_be64(p + 12);
	c->status_index = get_be64(p + 20);
	c->updated_index = get_be64(p + 28);
	c->versions = get_be32(p + 36);
	c->events = get_be32(p + 40);
	get_date(p + 44, c->status_date);
	get_date(p + 54, c->updated);
	return true;
}

/* Splits log‖a‖0‖b (b the rest). */
static bool
split2(const MDB_val *k, uint32_t *log, char a[INDEX_MAX_ID + 1], char b[INDEX_MAX_ID + 1])
{
	const uint8_t *p = k->mv_data, *sep;
	if (k->mv_size < 6 || !(sep = memchr(p + 4, 0, k->mv_size - 4)))
		return false;
	*log = get_be32(p);
	return get_part(p + 4, (size_t)(sep - p - 4), a) &&
	       get_part(sep + 1, k->mv_size - (size_t)(sep + 1 - p), b);
}

bool
index_milestone_decode(const MDB_val *k, const MDB_val *v, struct index_milestone *m)
{
	const uint8_t *p = v->mv_data;
	memset(m, 0, sizeof(*m));
	if (v->mv_size != MV_LEN || !split2(k, &m->log, m->commitment, m->id))
		return false;
	m->status = p[0];
	m->index = get_be64(p + 1);
	get_date(p + 9, m->date);
	return true;
}

bool
index_indicator_decode(const MDB_val *k, const MDB_val *v, struct index_indicator *ind)
{
	const uint8_t *p = v->mv_data;
	memset(ind, 0, sizeof(*ind));
	if (k->mv_size < 5 || v->mv_size < IV_FIXED ||
	    !get_part((const uint8_t *)k->mv_data + 4, k->mv_size - 4, ind->id) ||
	    !get_part(p + IV_FIXED, v->mv_size - IV_FIXED, ind->code))
		return false;
	ind->log = index_key_log(k);
	ind->entry = get_be64(p);
	ind->first = get_be64(p + 8);
	ind->versions = get_be32(p + 16);
	return true;
}

bool
index_programme_decode(const MDB_val *k, const MDB_val *v, struct index_programme *pr)
{
	const uint8_t *p = v->mv_data;
	memset(pr, 0, sizeof(*pr));
	if (k->mv_size < 5 || v->mv_size != PV_LEN ||
	    !get_part((const uint8_t *)k->mv_data + 4, k->mv_size - 4, pr->id))
		return false;
	pr->log = index_key_log(k);
	pr->entry = get_be64(p);
	pr->first = get_be64(p + 8);
	pr->versions = get_be32(p + 16);
	pr->stage = p[20];
	return true;
}

bool
index_measurement_decode(const MDB_val *k, const MDB_val *v, struct index_measurement *m)
{
	const uint8_t *p = k->mv_data, *val = v->mv_data;
	uint64_t bits;
	memset(m, 0, sizeof(*m));
	/* log‖block‖indicator‖0‖index: the index is the last 8 bytes, after a 0. */
	if (k->mv_size < 4 + 4 + 1 + 1 + 8 || v->mv_size < 8 || p[k->mv_size - 9] != 0 ||
	    !get_part(p + 8, k->mv_size - 17, m->indicator) ||
	    !get_part(val + 8, v->mv_size - 8, m->period))
		return false;
	m->log = get_be32(p);
	m->block = get_be32(p + 4);
	m->index = get_be64(p + k->mv_size - 8);
	bits = get_be64(val);
	memcpy(&m->value, &bits, sizeof(bits));
	return true;
}

bool
index_history_decode(const MDB_val *k, const MDB_val *v, struct index_history *h)
{
	const uint8_t *p = k->mv_data;
	memset(h, 0, sizeof(*h));
	/* log‖commitment‖0‖index */
	if (k->mv_size < 4 + 1 + 1 + 8 || v->mv_size != 1 || p[k->mv_size - 9] != 0 ||
	    !get_part(p + 4, k->mv_size - 13, h->commitment))
		return false;
	h->log = get_be32(p);
	h->index = get_be64(p + k->mv_size - 8);
	h->kind = *(const uint8_t *)v->mv_data;
	return true;
}

/* ---- point lookups ---- */

static int
lookup(struct store *s, MDB_txn *txn, enum index_db db, uint32_t log, const char *a, const char *b,
       MDB_val *k, uint8_t key[INDEX_MAX_KEY], MDB_val *v)
{
	size_t n = index_key(key, log, a, b);
	if (n == 0)
		return MDB_NOTFOUND; /* too long to have been indexed */
	k->mv_size = n;
	k->mv_data = key;
	return mdb_get(txn, index_db(s, db), k, v);
}

int
index_commitment_get(struct store *s, MDB_txn *txn, uint32_t log, const char *id,
                     struct index_commitment *out)
{
	uint8_t key[INDEX_MAX_KEY];
	MDB_val k, v;
	int rc = lookup(s, txn, INDEX_COMMITMENTS, log, id, NULL, &k, key, &v);
	if (rc == 0 && !index_commitment_decode(&k, &v, out))
		rc = MDB_CORRUPTED;
	return rc;
}

int
index_milestone_get(struct store *s, MDB_txn *txn, uint32_t log, const char *commitment,
                    const char *id, struct index_milestone *out)
{
	uint8_t key[INDEX_MAX_KEY];
	MDB_val k, v;
	int rc = lookup(s, txn, INDEX_MILESTONES, log, commitment, id, &k, key, &v);
	if (rc == 0 && !index_milestone_decode(&k, &v, out))
		rc = MDB_CORRUPTED;
	return rc;
}

int
index_indicator_get(struct store *s, MDB_txn *txn, uint32_t log, const char *id,
                    struct index_indicator *out)
{
	uint8_t key[INDEX_MAX_KEY];
	MDB_val k, v;
	int rc = lookup(s, txn, INDEX_INDICATORS, log, id, NULL, &k, key, &v);
	if (rc == 0 && !index_indicator_decode(&k, &v, out))
		rc = MDB_CORRUPTED;
	return rc;
}

int
index_programme_get(struct store *s, MDB_txn *txn, uint32_t log, const char *id,
                    struct index_programme *out)
{
	uint8_t key[INDEX_MAX_KEY];
	MDB_val k, v;
	int rc = lookup(s, txn, INDEX_PROGRAMMES, log, id, NULL, &k, key, &v);
	if (rc == 0 && !index_programme_decode(&k, &v, out))
		rc = MDB_CORRUPTED;
	return rc;
}

/* ---- apply ---- */

struct apply {
	struct store *s;
	MDB_txn *txn;
	uint32_t log;
	const char *origin;
	uint64_t index;
	const Remacto__V1__Entry *e;
	bool strict;
	char *err;
	size_t errcap;
};

/* A reference that does not resolve: an error in strict mode, "skip" (1) otherwise. */
static int
unresolved(struct apply *a, const char *field, const char *fmt, const char *x, const char *y)
{
	if (!a->strict)
		return 1;
	snprintf(a->err, a->errcap, "%s: ", field);
	size_t n = strlen(a->err);
	snprintf(a->err + n, a->errcap > n ? a->errcap - n : 0, fmt, x, y);
	return -EINVAL;
}

/* An id the index cannot hold: an error in strict mode, "skip" (1) otherwise. */
static int
bad_id(struct apply *a, const char *field, const char *id)
{
	if (!a->strict)
		return 1;
	if (!id || !*id)
		snprintf(a->err, a->errcap, "%s: required", field);
	else
		snprintf(a->err, a->errcap, "%s: longer than %d bytes", field, INDEX_MAX_ID);
	return -EINVAL;
}

static int
put(struct apply *a, enum index_db db, const uint8_t *key, size_t klen, const void *val,
    size_t vlen, unsigned flags)
{
	MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
	return mdb_put(a->txn, index_db(a->s, db), &k, &v, flags);
}

/* The date an event happened: its own date, else the day it was published. */
static const char *
event_date(struct apply *a, const char *date)
{
	return date && *date ? date : str(a->e->published);
}

static int
put_commitment(struct apply *a, const struct index_commitment *c)
{
	uint8_t key[INDEX_MAX_KEY], val[CV_FIXED + INDEX_MAX_ID];
	size_t kl = index_key(key, a->log, c->id, NULL), vl;
	commitment_encode(c, val, &vl);
	return put(a, INDEX_COMMITMENTS, key, kl, val, vl, 0);
}

/* Adds the current entry to commitment c's history and records it as its latest event. */
static int
link_event(struct apply *a, struct index_commitment *c, const char *date)
{
	uint8_t key[INDEX_MAX_KEY], kind = (uint8_t)a->e->kind_case;
	size_t kl = history_key(key, a->log, c->id, a->index);
	int rc;

	c->events++;
	c->updated_index = a->index;
	snprintf(c->updated, sizeof(c->updated), "%.10s", event_date(a, date));
	if ((rc = put(a, INDEX_HISTORY, key, kl, &kind, 1, 0)) != 0)
		return rc;
	return put_commitment(a, c);
}

/* Looks up the commitment an event names; 1 = skip (lenient, unresolved). */
static int
event_commitment(struct apply *a, const char *field, const char *id, struct index_commitment *c)
{
	int rc = id_ok(id) ? index_commitment_get(a->s, a->txn, a->log, id, c) : MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND)
		return unresolved(a, field, "no commitment %.80s in this log%s", str(id), "");
	return rc;
}

static int
apply_commitment(struct apply *a)
{
	const Remacto__V1__Commitment *m = a->e->commitment;
	struct index_commitment c;
	uint8_t key[INDEX_MAX_KEY], mv[MV_LEN];
	char field[64];
	int rc;

	if (!id_ok(m->id))
		return bad_id(a, "commitment.id", m->id);
	if (!id_ok(m->programme_id) && m->programme_id && *m->programme_id && a->strict)
		return bad_id(a, "commitment.programmeId", m->programme_id);
	for (size_t i = 0; a->strict && i < m->n_milestones; i++)
		if (!id_ok(m->milestones[i]->id)) {
			snprintf(field, sizeof(field), "commitment.milestones[%zu].id", i);
			return bad_id(a, field, m->milestones[i]->id);
		}

	rc = index_commitment_get(a->s, a->txn, a->log, m->id, &c);
	if (rc == MDB_NOTFOUND) {
		memset(&c, 0, sizeof(c));
		c.log = a->log;
		snprintf(c.id, sizeof(c.id), "%s", m->id);
		c.first = a->index;
		c.status_index = INDEX_NONE;
	} else if (rc != 0) {
		return rc;
	}
	c.entry = a->index;
	c.versions++;
	c.principles = 0;
	for (size_t i = 0; i < m->n_principles; i++)
		if (m->principles[i] > 0 && m->principles[i] < 8)
			c.principles |= (uint8_t)(1u << m->principles[i]);
	snprintf(c.programme, sizeof(c.programme), "%s",
	         id_ok(m->programme_id) ? m->programme_id : "");
	/* Milestones start unreported; a later version keeps the outcomes already recorded. */
	mv[0] = 0;
	put_be64(mv + 1, INDEX_NONE);
	memset(mv + 9, 0, 10);
	for (size_t i = 0; i < m->n_milestones; i++) {
		size_t kl;
		if (!id_ok(m->milestones[i]->id))
			continue;
		kl = index_key(key, a->log, m->id, m->milestones[i]->id);
		rc = put(a, INDEX_MILESTONES, key, kl, mv, sizeof(mv), MDB_NOOVERWRITE);
		if (rc != 0 && rc != MDB_KEYEXIST)
			return rc;
	}
	return link_event(a, &c, NULL);
}

static int
apply_status(struct apply *a)
{
	const Remacto__V1__StatusUpdate *m = a->e->status_update;
	struct index_commitment c;
	int rc = event_commitment(a, "statusUpdate.commitmentId", m->commitment_id, &c);
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	c.completion = (uint8_t)(m->completion >= 0 && m->completion < 256 ? m->completion : 0);
	c.progress = (uint8_t)(m->progress_percent < 256 ? m->progress_percent : 255);
	c.status_index = a->index;
	snprintf(c.status_date, sizeof(c.status_date), "%.10s", str(m->date));
	return link_event(a, &c, m->date);
}

static int
apply_milestone(struct apply *a)
{
	const Remacto__V1__MilestoneUpdate *m = a->e->milestone_update;
	struct index_commitment c;
	struct index_milestone ms;
	uint8_t key[INDEX_MAX_KEY], mv[MV_LEN];
	int rc = event_commitment(a, "milestoneUpdate.commitmentId", m->commitment_id, &c);
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	rc = id_ok(m->milestone_id)
	             ? index_milestone_get(a->s, a->txn, a->log, c.id, m->milestone_id, &ms)
	             : MDB_NOTFOUND;
	if (rc == MDB_NOTFOUND) {
		rc = unresolved(a, "milestoneUpdate.milestoneId",
		                "commitment %.80s has no "
		                "milestone %.80s",
		                c.id, str(m->milestone_id));
		if (rc < 0)
			return rc;
		/* Lenient: the event still belongs to the commitment's history. */
		return link_event(a, &c, m->date);
	}
	if (rc != 0)
		return rc;
	mv[0] = (uint8_t)(m->status >= 0 && m->status < 256 ? m->status : 0);
	put_be64(mv + 1, a->index);
	put_date(mv + 9, m->date);
	size_t kl = index_key(key, a->log, c.id, m->milestone_id);
	if ((rc = put(a, INDEX_MILESTONES, key, kl, mv, sizeof(mv), 0)) != 0)
		return rc;
	return link_event(a, &c, m->date);
}

/* An assessment or consultation report that names another member (an observer's) belongs to
 * that member's commitment, not to this log's history: civic.h indexes it. */
static bool
about_other(struct apply *a, const char *member)
{
	return member && *member && (!a->origin || strcmp(member, a->origin) != 0);
}

static int
apply_assessment(struct apply *a)
{
	const Remacto__V1__Assessment *m = a->e->assessment;
	struct index_commitment c;
	if (about_other(a, m->member_origin))
		return 0;
	int rc = event_commitment(a, "assessment.commitmentId", m->commitment_id, &c);
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	return link_event(a, &c, m->date);
}

static int
apply_consultation(struct apply *a)
{
	const Remacto__V1__Consultation *m = a->e->consultation;
	struct index_commitment c;
	int rc;
	/* Linked when it names a known commitment; never a reason to refuse. */
	if (!id_ok(m->commitment_id) || about_other(a, m->member_origin))
		return 0;
	rc = index_commitment_get(a->s, a->txn, a->log, m->commitment_id, &c);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc != 0 ? rc : link_event(a, &c, m->date);
}

static int
apply_amendment(struct apply *a)
{
	const Remacto__V1__Amendment *m = a->e->amendment;
	const char *id = m->subject_id;
	struct index_commitment c;
	int rc;

	switch (m->subject) {
	case REMACTO__V1__SUBJECT__SUBJECT_COMMITMENT:
	case REMACTO__V1__SUBJECT__SUBJECT_MILESTONE:
		/* A milestone is amended through its commitment: subjectId names the commitment,
		 * field the milestone ("milestones[M2].dueDate"). */
		rc = event_commitment(a, "amendment.subjectId", id, &c);
		if (rc != 0)
			return rc > 0 ? 0 : rc;
		return link_event(a, &c, m->date);
	case REMACTO__V1__SUBJECT__SUBJECT_PROGRAMME: {
		struct index_programme p;
		rc = id_ok(id) ? index_programme_get(a->s, a->txn, a->log, id, &p) : MDB_NOTFOUND;
		if (rc == MDB_NOTFOUND)
			rc = unresolved(a, "amendment.subjectId",
			                "no programme %.80s in this log%s", str(id), "");
		return rc > 0 ? 0 : rc;
	}
	case REMACTO__V1__SUBJECT__SUBJECT_INDICATOR: {
		struct index_indicator ind;
		rc = id_ok(id) ? index_indicator_get(a->s, a->txn, a->log, id, &ind) : MDB_NOTFOUND;
		if (rc == MDB_NOTFOUND)
			rc = unresolved(a, "amendment.subjectId",
			                "no indicator %.80s in this log%s", str(id), "");
		return rc > 0 ? 0 : rc;
	}
	default:
		rc = unresolved(a, "amendment.subject", "unknown subject%s%s", "", "");
		return rc > 0 ? 0 : rc;
	}
}

static int
apply_programme(struct apply *a)
{
	const Remacto__V1__Programme *m = a->e->programme;
	struct index_programme p;
	uint8_t key[INDEX_MAX_KEY], v[PV_LEN];
	int rc;

	if (!id_ok(m->id))
		return bad_id(a, "programme.id", m->id);
	rc = index_programme_get(a->s, a->txn, a->log, m->id, &p);
	if (rc == MDB_NOTFOUND) {
		p.first = a->index;
		p.versions = 0;
	} else if (rc != 0) {
		return rc;
	}
	put_be64(v, a->index);
	put_be64(v + 8, p.first);
	put_be32(v + 16, p.versions + 1);
	v[20] = (uint8_t)(m->stage >= 0 && m->stage < 256 ? m->stage : 0);
	size_t kl = index_key(key, a->log, m->id, NULL);
	return put(a, INDEX_PROGRAMMES, key, kl, v, sizeof(v), 0);
}

static int
apply_indicator(struct apply *a)
{
	const Remacto__V1__Indicator *m = a->e->indicator;
	struct index_indicator ind;
	uint8_t key[INDEX_MAX_KEY], v[IV_FIXED + INDEX_MAX_ID];
	const char *code = str(m->catalog_code);
	size_t cl = strlen(code);
	int rc;

	if (!id_ok(m->id))
		return bad_id(a, "indicator.id", m->id);
	if (cl > INDEX_MAX_ID) {
		if (a->strict)
			return bad_id(a, "indicator.catalogCode", code);
		cl = 0;
	}
	rc = index_indicator_get(a->s, a->txn, a->log, m->id, &ind);
	if (rc == MDB_NOTFOUND) {
		ind.first = a->index;
		ind.versions = 0;
	} else if (rc != 0) {
		return rc;
	}
	put_be64(v, a->index);
	put_be64(v + 8, ind.first);
	put_be32(v + 16, ind.versions + 1);
	memcpy(v + IV_FIXED, code, cl);
	size_t kl = index_key(key, a->log, m->id, NULL);
	return put(a, INDEX_INDICATORS, key, kl, v, IV_FIXED + cl, 0);
}

static int
apply_measurement(struct apply *a)
{
	const Remacto__V1__Measurement *m = a->e->measurement;
	const char *period = str(m->period);
	uint8_t key[INDEX_MAX_KEY], v[8 + INDEX_MAX_ID];
	size_t kl, pl = strlen(period);
	uint64_t bits;
	int rc;

	if (!id_ok(m->indicator_id))
		return bad_id(a, "measurement.indicatorId", m->indicator_id);
	if (pl > INDEX_MAX_ID)
		return bad_id(a, "measurement.period", period);
	if (a->strict) {
		struct index_indicator ind;
		rc = index_indicator_get(a->s, a->txn, a->log, m->indicator_id, &ind);
		if (rc == MDB_NOTFOUND)
			return unresolved(a, "measurement.indicatorId",
			                  "no indicator %.80s in this "
			                  "log%s",
			                  m->indicator_id, "");
		if (rc != 0)
			return rc;
	}
	/* Replicated measurements are kept even when their indicator is unknown: they are what
	 * the member published, and an indicator filter still finds them. */
	memcpy(&bits, &m->value, sizeof(bits));
	put_be64(v, bits);
	memcpy(v + 8, period, pl);
	kl = index_measurement_key(key, a->log, (uint32_t)(a->index >> INDEX_BLOCK_SHIFT),
	                           m->indicator_id);
	put_be64(key + kl, a->index);
	return put(a, INDEX_MEASUREMENTS, key, kl + 8, v, 8 + pl, 0);
}

int
index_apply(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
            const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap)
{
	struct apply a = { s, txn, log, origin, index, e, strict, err, errcap };
	int rc;

	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_PROGRAMME:
		rc = e->programme ? apply_programme(&a) : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_COMMITMENT:
		rc = e->commitment ? apply_commitment(&a) : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_STATUS_UPDATE:
		rc = e->status_update ? apply_status(&a) : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_MILESTONE_UPDATE:
		rc = e->milestone_update ? apply_milestone(&a) : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_ASSESSMENT:
		rc = e->assessment ? apply_assessment(&a) : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_CONSULTATION:
		rc = e->consultation ? apply_consultation(&a) : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_AMENDMENT:
		rc = e->amendment ? apply_amendment(&a) : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_INDICATOR:
		rc = e->indicator ? apply_indicator(&a) : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_MEASUREMENT:
		rc = e->measurement ? apply_measurement(&a) : 0;
		break;
	default:
		rc = 0;
		break;
	}
	/* bad_id and unresolved return 1 ("not indexed") only in lenient mode. */
	return rc > 0 ? 0 : rc;
}

/* ---- rebuild ---- */

int
index_rebuild(struct store *s, store_progress_fn progress, void *arg, char *err, size_t errcap)
{
	return store_rebuild(s, &index_module, progress, arg, err, errcap);
}
