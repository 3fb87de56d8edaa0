/*
 * replica_part — for unit tests: a replicated log part-way through its catch-up, as a node holds
 * it between two verified steps: entries committed (tlog_batch_seal_verified without a note), no
 * checkpoint of that size yet. What a mirror's listing and the recheck of served checkpoints
 * must take without copying the absent checkpoint.
 */
#ifndef REMACTO_TEST_REPLICA_PART_H
#define REMACTO_TEST_REPLICA_PART_H

#include <stdlib.h>
#include <string.h>

#include "core/entry.h"
#include "store/store.h"
#include "store/tlog.h"

struct replica_part {
	struct store *s;
	const char *origin, *vkey;
	const char *const *json; /* the entries, as JSON */
	size_t n;
	char *why;
	size_t whycap;
};

static inline int
replica_part_txn(MDB_txn *txn, void *arg)
{
	struct replica_part *r = arg;
	struct tlog_batch b;
	struct tlog_head h;
	int rc;

	if ((rc = tlog_create_replica(r->s, txn, r->origin, r->vkey)) != 0 ||
	    (rc = tlog_batch_begin(&b, r->s, txn, r->origin)) != 0)
		return rc;
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		uint8_t *data;
		size_t len;

		if ((rc = entry_from_json_text(r->json[i], strlen(r->json[i]), &data, &len, NULL,
		                               NULL, r->why, r->whycap)) != 0)
			break;
		rc = tlog_batch_add(&b, txn, data, len, false, r->why, r->whycap);
		free(data);
	}
	if (rc == 0)
		rc = tlog_batch_seal_verified(&b, txn, NULL, 0, NULL, &h);
	tlog_batch_end(&b);
	return rc;
}

/* Writes the log origin (verifier key vkey) holding the n entries json[] and no checkpoint:
 * 0, or the store's error (why says why when it can). */
static inline int
replica_part_write(struct store *s, const char *origin, const char *vkey, const char *const *json,
                   size_t n, char *why, size_t whycap)
{
	struct replica_part r = { s, origin, vkey, json, n, why, whycap };

	return store_write(s, replica_part_txn, &r);
}

#endif
