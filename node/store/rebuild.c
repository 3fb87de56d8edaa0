/*
 * rebuild — a store module's databases made again from the logs. See rebuild.h.
 */
#include "rebuild.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

struct replay {
	struct store *s;
	const struct store_module *m;
	MDB_txn *txn;
	const struct store_log_ref *log;
	uint64_t size;
	store_progress_fn progress;
	void *arg;
	char *err;
	size_t errcap;
};

static int
drop_txn(MDB_txn *txn, void *arg)
{
	struct replay *r = arg;
	const MDB_dbi *dbs = store_dbs(r->s, r->m);
	for (size_t i = 0; r->m->dbs[i]; i++) {
		int rc = mdb_drop(txn, dbs[i], 0);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
replay_entry(uint64_t index, const uint8_t *data, size_t len, void *arg)
{
	struct replay *r = arg;
	Remacto__V1__Entry *e = remacto__v1__entry__unpack(NULL, len, data);
	int rc = 0;
	if (e) {
		rc = r->m->apply(r->s, r->txn, r->log->id, r->log->origin, index, e, false, r->err,
		                 r->errcap);
		remacto__v1__entry__free_unpacked(e, NULL);
	}
	if (rc == 0 && r->progress && (index + 1) % 65536 == 0)
		r->progress(r->log->origin, index + 1, r->size, r->arg);
	return rc;
}

static int
replay_txn(MDB_txn *txn, void *arg)
{
	struct replay *r = arg;
	Remacto__Store__LogRecord *rec;
	int rc;

	r->txn = txn;
	if ((rc = store_log_get(r->s, txn, r->log->origin, &rec)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	r->size = rec->size;
	remacto__store__log_record__free_unpacked(rec, NULL);
	if (r->m->by_log) {
		const MDB_dbi *dbs = store_dbs(r->s, r->m);
		for (size_t i = 0; r->m->dbs[i]; i++)
			if ((rc = store_del_log_records(txn, dbs[i], r->log->id)) != 0)
				return rc;
	}
	return store_entry_each(r->s, txn, r->log->id, 0, r->size, replay_entry, r);
}

int
store_rebuild(struct store *s, const struct store_module *m, store_progress_fn progress, void *arg,
              char *err, size_t errcap)
{
	struct store_log_list logs = { 0 };
	struct replay r = {
		.s = s, .m = m, .progress = progress, .arg = arg, .err = err, .errcap = errcap
	};
	MDB_txn *txn = NULL;
	int rc;

	err[0] = '\0';
	if (!m->apply)
		return 0;
	/* The logs first: each is replayed into the emptied databases in its own transaction,
	 * so the drop must come before every replay, and a log appended to since is read at
	 * its size then. */
	if ((rc = store_read_begin(s, &txn)) != 0) {
		err_set(err, errcap, "cannot read the logs: %s", store_strerror(rc));
		return rc;
	}
	rc = store_log_list(s, txn, &logs);
	mdb_txn_abort(txn);
	if (rc != 0) {
		err_set(err, errcap, "cannot list the logs: %s", store_strerror(rc));
		goto done;
	}
	if ((rc = store_write(s, drop_txn, &r)) != 0) {
		err_set(err, errcap, "cannot empty %s: %s%s", m->what, store_strerror(rc),
		        store_io_hint(rc));
		goto done;
	}
	for (size_t i = 0; i < logs.n; i++) {
		r.log = &logs.v[i];
		if ((rc = store_write(s, replay_txn, &r)) != 0) {
			if (err[0])
				;
			else if (rc == MDB_NOTFOUND)
				err_set(err, errcap,
				        "log %s: an entry is missing (the store is damaged: run `remacto "
				        "log verify`)",
				        logs.v[i].origin);
			else
				err_set(err, errcap, "%s: cannot fold log %s: %s%s", m->what,
				        logs.v[i].origin, store_strerror(rc), store_io_hint(rc));
			goto done;
		}
		if (progress)
			progress(logs.v[i].origin, r.size, r.size, arg);
	}
done:
	store_log_list_free(&logs);
	return rc;
}
