/*
 * observers — civil society's assessments of a member's commitments, tallied. See observers.h.
 */
#include "observers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "peers/registry.h"
#include "store/civic.h"
#include "store/index.h"

#define SIGNERS_MAX 256 /* distinct signing logs remembered per tally */

bool
observers_is_observer(struct store *s, MDB_txn *txn, const char *origin)
{
	Remacto__Store__MemberRecord *m = NULL;
	Remacto__V1__MemberAdmission *a = NULL;
	bool yes = false;
	if (registry_member(s, txn, origin, &m) != 0)
		return false;
	a = remacto__v1__member_admission__unpack(NULL, m->admission.len, m->admission.data);
	yes = a && a->kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_OBSERVER;
	if (a)
		remacto__v1__member_admission__free_unpacked(a, NULL);
	remacto__store__member_record__free_unpacked(m, NULL);
	return yes;
}

struct signer {
	uint32_t log;
	bool observer;
	bool counted;
};

struct walk {
	struct store *s;
	MDB_txn *txn;
	const struct store_log_list *logs;
	uint32_t own;
	facts_day as_of;
	struct signer signers[SIGNERS_MAX];
	size_t n_signers;
	unsigned found;
	struct observers_tally *t;
};

/* The published day of entry index of log, 0 when it cannot be read. */
static facts_day
published_day(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index)
{
	const uint8_t *data;
	size_t len;
	facts_day d = 0;
	if (store_entry_get(s, txn, log, index, &data, &len) != 0)
		return 0;
	Remacto__V1__Entry *e = remacto__v1__entry__unpack(NULL, len, data);
	if (e) {
		d = facts_day_parse(e->published);
		remacto__v1__entry__free_unpacked(e, NULL);
	}
	return d;
}

static struct signer *
signer_of(struct walk *w, uint32_t log)
{
	for (size_t i = 0; i < w->n_signers; i++)
		if (w->signers[i].log == log)
			return &w->signers[i];
	if (w->n_signers == SIGNERS_MAX)
		return NULL;
	const char *origin = store_log_list_origin(w->logs, log);
	struct signer *sg = &w->signers[w->n_signers++];
	sg->log = log;
	sg->observer = origin && observers_is_observer(w->s, w->txn, origin);
	sg->counted = false;
	return sg;
}

static int
about_one(const struct civic_ref *r, void *arg)
{
	struct walk *w = arg;
	struct signer *sg;
	if (r->kind != REMACTO__V1__ENTRY__KIND_ASSESSMENT || r->log == w->own)
		return 0;
	if (!(sg = signer_of(w, r->log)) || !sg->observer)
		return 0;
	if (w->as_of) {
		facts_day d = published_day(w->s, w->txn, r->log, r->index);
		if (!d || d > w->as_of)
			return 0;
	}
	w->found++;
	w->t->assessments++;
	if (!sg->counted) {
		sg->counted = true;
		w->t->observers++;
	}
	return 0;
}

int
observers_tally(struct store *s, MDB_txn *txn, const char *origin, facts_day as_of,
                struct observers_tally *out)
{
	struct store_log_list logs = { 0 };
	Remacto__Store__LogRecord *rec = NULL;
	struct walk *w = NULL;
	uint8_t key[INDEX_MAX_KEY];
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_log_get(s, txn, origin, &rec)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (!(w = calloc(1, sizeof(*w)))) {
		rc = -ENOMEM;
		goto done;
	}
	if ((rc = store_log_list(s, txn, &logs)) != 0)
		goto done;
	*w = (struct walk){
		.s = s, .txn = txn, .logs = &logs, .own = rec->id, .as_of = as_of, .t = out
	};
	size_t kl = index_key(key, rec->id, NULL, NULL);
	if ((rc = mdb_cursor_open(txn, index_db(s, INDEX_COMMITMENTS), &c)) != 0)
		goto done;
	k.mv_data = key, k.mv_size = kl;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct index_commitment ic;
		if (index_key_log(&k) != rec->id)
			break;
		if (!index_commitment_decode(&k, &v, &ic)) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (as_of) {
			facts_day d = published_day(s, txn, rec->id, ic.first);
			if (!d || d > as_of)
				continue;
		}
		out->commitments++;
		w->found = 0;
		if ((rc = civic_about_each(s, txn, origin, ic.id, about_one, w)) != 0)
			break;
		if (w->found)
			out->assessed++;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
done:
	if (c)
		mdb_cursor_close(c);
	free(w);
	store_log_list_free(&logs);
	remacto__store__log_record__free_unpacked(rec, NULL);
	return rc;
}

json_t *
observers_tally_json(const struct observers_tally *t)
{
	return json_pack("{s:i, s:i, s:i, s:i}", "commitments", (int)t->commitments, "assessed",
	                 (int)t->assessed, "assessments", (int)t->assessments, "observers",
	                 (int)t->observers);
}
