/*
 * civic — assessments and reports about commitments from any log, indicator histories, and
 * the feeds' events, kept in the append transaction. See civic.h for the key layout.
 *
 * civic_apply runs for every entry the node stores, so it is a few mdb_put per entry and, for
 * the node's own assessments of another member, three point lookups: no scans.
 */
#include "civic.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/be.h"
#include "core/err.h"
#include "index.h"

static const char *const civic_db_names[CIVIC_NDBS + 1] = {
	"cv:about", "cv:ind", "cv:events", "cv:recent", NULL,
};

const struct store_module civic_module = {
	"the civic view (assessments, feeds)", civic_db_names, civic_apply, NULL, NULL, false
};

#define ORIGIN_MAX 255

bool
civic_event_kind(unsigned kind)
{
	switch (kind) {
	case REMACTO__V1__ENTRY__KIND_PROGRAMME:
	case REMACTO__V1__ENTRY__KIND_CONSULTATION:
	case REMACTO__V1__ENTRY__KIND_ASSESSMENT:
	case REMACTO__V1__ENTRY__KIND_COMMITMENT:
	case REMACTO__V1__ENTRY__KIND_INDICATOR:
	case REMACTO__V1__ENTRY__KIND_STATUS_UPDATE:
	case REMACTO__V1__ENTRY__KIND_MILESTONE_UPDATE:
	case REMACTO__V1__ENTRY__KIND_AMENDMENT:
	case REMACTO__V1__ENTRY__KIND_EVIDENCE:
		return true;
	default:
		return false;
	}
}

uint64_t
civic_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	if (!s)
		return 0;
	size_t len = strlen(s);
	if (len == 10) {
		if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
			return 0;
	} else if (len < 20 || s[10] != 'T' || s[len - 1] != 'Z' ||
	           sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	           n != 19 || (s[19] != 'Z' && s[19] != '.')) {
		return 0;
	}
	if (y < 1971 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
	tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
	time_t t = timegm(&tm);
	return t > 0 ? (uint64_t)t : 0;
}

/* origin‖0‖commitment‖0[‖log‖index]: the length, 0 when a part is too long. */
static size_t
about_key(uint8_t out[CIVIC_MAX_KEY], const char *origin, const char *commitment, bool full,
          uint32_t log, uint64_t index)
{
	size_t ol = strlen(origin), cl = strlen(commitment), n = 0;
	if (ol == 0 || ol > ORIGIN_MAX || cl > INDEX_MAX_ID)
		return 0;
	memcpy(out, origin, ol);
	n = ol;
	out[n++] = 0;
	memcpy(out + n, commitment, cl);
	n += cl;
	out[n++] = 0;
	if (!full)
		return n;
	put_be32(out + n, log);
	put_be64(out + n + 4, index);
	return n + 12;
}

static int
put(MDB_txn *txn, MDB_dbi db, const uint8_t *key, size_t klen, uint8_t kind)
{
	MDB_val k = { klen, (void *)key }, v = { 1, &kind };
	return mdb_put(txn, db, &k, &v, 0);
}

/* An entry about another member's commitment, from the node's own log: what it names must
 * exist here (the node replicates every member's log, so it can check). */
static int
check_about(struct store *s, MDB_txn *txn, const char *field, const char *member,
            const char *commitment, uint64_t assessed, bool has_assessed, char *err, size_t errcap)
{
	Remacto__Store__LogRecord *rec = NULL;
	struct index_commitment c;
	int rc = store_log_get(s, txn, member, &rec);
	if (rc == MDB_NOTFOUND) {
		err_set(err, errcap,
		        "%s.memberOrigin: this node holds no log of %.255s: it can only assess "
		        "what it replicates",
		        field, member);
		return -EINVAL;
	}
	if (rc != 0)
		return rc;
	uint32_t log = rec->id;
	uint64_t size = rec->size;
	remacto__store__log_record__free_unpacked(rec, NULL);
	if (!commitment || !*commitment)
		return 0;
	rc = index_commitment_get(s, txn, log, commitment, &c);
	if (rc == MDB_NOTFOUND) {
		err_set(err, errcap, "%s.commitmentId: %.255s publishes no commitment %.200s",
		        field, member, commitment);
		return -EINVAL;
	}
	if (rc != 0 || !has_assessed)
		return rc;
	if (assessed >= size) {
		err_set(err, errcap,
		        "%s.assessedIndex: %llu is past the end of %.255s's log (%llu entries "
		        "held)",
		        field, (unsigned long long)assessed, member, (unsigned long long)size);
		return -EINVAL;
	}
	uint8_t key[INDEX_MAX_KEY];
	size_t kl = index_key(key, log, commitment, NULL);
	key[kl++] = 0;
	put_be64(key + kl, assessed);
	MDB_val k = { kl + 8, key }, v;
	rc = mdb_get(txn, index_db(s, INDEX_HISTORY), &k, &v);
	if (rc == MDB_NOTFOUND) {
		err_set(err, errcap,
		        "%s.assessedIndex: entry %llu of %.255s is not in the history of "
		        "commitment %.200s (a version, status, milestone update or amendment of it)",
		        field, (unsigned long long)assessed, member, commitment);
		return -EINVAL;
	}
	return rc;
}

/* Records an assessment or a consultation report under the member it is about. */
static int
apply_about(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
            const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap)
{
	const char *member, *commitment, *field;
	uint64_t assessed = 0;
	bool has_assessed = false;
	uint8_t key[CIVIC_MAX_KEY];
	size_t kl;
	int rc;

	if (e->kind_case == REMACTO__V1__ENTRY__KIND_ASSESSMENT) {
		const Remacto__V1__Assessment *a = e->assessment;
		member = a->member_origin, commitment = a->commitment_id, field = "assessment";
		assessed = a->assessed_index, has_assessed = a->assessed_index != 0;
	} else {
		const Remacto__V1__Consultation *c = e->consultation;
		member = c->member_origin, commitment = c->commitment_id, field = "consultation";
	}
	if (!commitment)
		commitment = "";
	bool other = member && *member && strcmp(member, origin) != 0;
	/* A member's own consultation is its own event, not a report about it. */
	if (!other && e->kind_case == REMACTO__V1__ENTRY__KIND_CONSULTATION)
		return 0;
	if (!other)
		member = origin;
	if (strict && other &&
	    (rc = check_about(s, txn, field, member, commitment, assessed, has_assessed, err,
	                      errcap)) != 0)
		return rc;
	if (!(kl = about_key(key, member, commitment, true, log, index))) {
		if (!strict)
			return 0; /* too long to index: what was signed is stored all the same */
		err_set(err, errcap, "%s.commitmentId: longer than %d bytes", field, INDEX_MAX_ID);
		return -EINVAL;
	}
	return put(txn, civic_db(s, CIVIC_ABOUT), key, kl, (uint8_t)e->kind_case);
}

/* An indicator's version, or an amendment of an indicator: cv:ind. */
static int
apply_indicator(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
                const Remacto__V1__Entry *e)
{
	const char *id = NULL;
	uint8_t key[INDEX_MAX_KEY];
	if (e->kind_case == REMACTO__V1__ENTRY__KIND_INDICATOR)
		id = e->indicator->id;
	else if (e->amendment->subject == REMACTO__V1__SUBJECT__SUBJECT_INDICATOR)
		id = e->amendment->subject_id;
	if (!id || !*id || strlen(id) > INDEX_MAX_ID)
		return 0; /* index.c refuses these in strict mode, and they name nothing here */
	size_t kl = index_key(key, log, id, NULL);
	key[kl++] = 0;
	put_be64(key + kl, index);
	return put(txn, civic_db(s, CIVIC_IND), key, kl + 8, (uint8_t)e->kind_case);
}

static int
apply_event(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
            const Remacto__V1__Entry *e)
{
	uint8_t key[20], kind = (uint8_t)e->kind_case;
	int rc;
	put_be32(key, log);
	put_be64(key + 4, index);
	if ((rc = put(txn, civic_db(s, CIVIC_EVENTS), key, 12, kind)) != 0)
		return rc;
	put_be64(key, civic_time(e->published));
	put_be32(key + 8, log);
	put_be64(key + 12, index);
	return put(txn, civic_db(s, CIVIC_RECENT), key, 20, kind);
}

int
civic_apply(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
            const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap)
{
	int rc = 0;
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_ASSESSMENT:
		rc = e->assessment ? apply_about(s, txn, log, origin, index, e, strict, err, errcap)
		                   : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_CONSULTATION:
		rc = e->consultation
		             ? apply_about(s, txn, log, origin, index, e, strict, err, errcap)
		             : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_INDICATOR:
		rc = e->indicator ? apply_indicator(s, txn, log, index, e) : 0;
		break;
	case REMACTO__V1__ENTRY__KIND_AMENDMENT:
		rc = e->amendment ? apply_indicator(s, txn, log, index, e) : 0;
		break;
	default:
		break;
	}
	if (rc == 0 && civic_event_kind((unsigned)e->kind_case))
		rc = apply_event(s, txn, log, index, e);
	return rc;
}

/* ---- reading ---- */

static int
walk(MDB_txn *txn, MDB_dbi db, const uint8_t *prefix, size_t plen, civic_ref_fn fn, void *arg,
     bool about)
{
	MDB_cursor *c;
	MDB_val k = { plen, (void *)prefix }, v;
	int rc = mdb_cursor_open(txn, db, &c);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = k.mv_data;
		size_t tail = about ? 12 : 8;
		if (k.mv_size < plen || memcmp(p, prefix, plen) != 0)
			break;
		if (k.mv_size != plen + tail)
			continue; /* an id with a NUL in it, under the same prefix */
		if (v.mv_size != 1) {
			rc = MDB_CORRUPTED;
			break;
		}
		struct civic_ref r = { 0, 0, *(const uint8_t *)v.mv_data };
		if (about) {
			r.log = get_be32(p + plen);
			r.index = get_be64(p + plen + 4);
		} else {
			r.log = get_be32(p);
			r.index = get_be64(p + plen);
		}
		if ((rc = fn(&r, arg)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
civic_about_each(struct store *s, MDB_txn *txn, const char *origin, const char *commitment,
                 civic_ref_fn fn, void *arg)
{
	uint8_t key[CIVIC_MAX_KEY];
	size_t kl = about_key(key, origin, commitment ? commitment : "", false, 0, 0);
	if (!kl)
		return 0;
	return walk(txn, civic_db(s, CIVIC_ABOUT), key, kl, fn, arg, true);
}

int
civic_indicator_each(struct store *s, MDB_txn *txn, uint32_t log, const char *indicator,
                     civic_ref_fn fn, void *arg)
{
	uint8_t key[INDEX_MAX_KEY];
	size_t kl = index_key(key, log, indicator, NULL);
	if (!kl)
		return 0;
	key[kl++] = 0;
	return walk(txn, civic_db(s, CIVIC_IND), key, kl, fn, arg, false);
}
