/*
 * facts_store — the views' fold in the store: the hooks that fold entries and cosignatures in
 * the transaction that stores them, the catch-up and the rebuild. See facts_store.h.
 *
 * Folding a batch: the member record is read (objects, string table, how far the fold went),
 * the entries since are folded with facts_fold.c (an indicator's periods are read only when an
 * entry touches them), then written: the events of each month appended to that month's chunks,
 * the snapshots of the months touched updated (and those of later months, when an entry was
 * published earlier than some already folded: the snapshot of a month is everything published
 * up to its end), the amendments, the periods touched, the member record. A batch usually
 * touches one month: a handful of writes, whatever its size.
 */
#include "facts_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/err.h"
#include "core/log.h"
#include "facts_impl.h"
#include "peers/ledger.h"
#include "peers/witness.h"
#include "store/tlog.h"

static const char *const db_names[] = { "fx:member", "fx:ip",   "fx:snap", "fx:delta",
	                                "fx:amend",  "fx:seen", NULL };

static int seal_hook(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t size,
                     void *batch);
static int cosign_hook(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *name,
                       uint64_t timestamp);
static int batch_apply(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
                       const Remacto__V1__Entry *e, void **batch);
static void batch_free(void *batch);

static const struct store_batch_hooks batch_hooks = { seal_hook, batch_apply, batch_free };

const struct store_module facts_store_module = { "the views' facts", db_names,     NULL,
	                                         cosign_hook,        &batch_hooks, false };

/* The marker that every cosignature stored is in fx:seen (a key no log id can take). */
static const char cosigs_folded[] = "cosigs-folded";

#define WRITER_ARENA ((size_t)64 << 10)

int
facts_store_open(struct store *s, const char *dir, unsigned flags, size_t mapsize, char *err,
                 size_t errcap)
{
	const struct store_module *mods[STORE_MAX_MODULES + 1];
	size_t n = 0;
	for (; ledger_modules[n]; n++)
		mods[n] = ledger_modules[n];
	mods[n++] = &facts_store_module;
	mods[n] = NULL;
	return store_open(s, dir, flags, mapsize, mods, err, errcap);
}

static MDB_dbi
db(const struct store *s, enum facts_store_db d)
{
	return store_dbs(s, &facts_store_module)[d];
}

/* An LMDB error that leaves the transaction unusable, or a system error from LMDB: the write
 * fails. Our own -ENOMEM, -EBADMSG and a missing record only leave the fold behind. */
static bool
fatal(int rc)
{
	return rc > 0 || (rc <= MDB_KEYEXIST && rc >= MDB_LAST_ERRCODE && rc != MDB_NOTFOUND);
}

/* ---- one log's fold in a write transaction ---- */

struct wfold {
	struct store *s;
	MDB_txn *txn;
	uint32_t log;
	struct facts_state *st;
	struct facts_strings *strs;
	size_t stored_inds; /* indicators of the member record (their periods are in fx:ip) */
	uint8_t *ind_flags; /* per indicator: 1 periods read, 2 periods changed */
	size_t n_flags;
	struct facts_arena arena;
	struct facts_at cur, snap;
};

enum { PERIODS_READ = 1, PERIODS_CHANGED = 2 };

static void
wfold_free(struct wfold *w)
{
	facts_state_free(w->st);
	facts_strings_free(w->strs);
	free(w->ind_flags);
	facts_arena_release(&w->arena);
	facts_at_free(&w->cur);
	facts_at_free(&w->snap);
}

static size_t
key_log(uint8_t *k, uint32_t log)
{
	put_be32(k, log);
	return 4;
}

static size_t
key_log32(uint8_t *k, uint32_t log, uint32_t v)
{
	put_be32(k, log);
	put_be32(k + 4, v);
	return 8;
}

/* Reads the member record; an empty state when there is none. -EBADMSG when it does not
 * parse. */
static int
wfold_load(struct wfold *w)
{
	uint8_t k[4];
	MDB_val key = { key_log(k, w->log), k }, v;
	int rc;

	if (!(w->st = facts_state_new()) || !(w->strs = facts_strings_new()))
		return -ENOMEM;
	rc = mdb_get(w->txn, db(w->s, FACTS_DB_MEMBER), &key, &v);
	if (rc == MDB_NOTFOUND) {
		if (RESERVE(w->st, strs, 1) != 0)
			return -ENOMEM;
		w->st->strs[0] = 0, w->st->n_strs = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	if ((rc = facts_codec_member_get(v.mv_data, v.mv_size, w->st, w->strs)) != 0)
		return rc;
	w->stored_inds = w->st->n_indicators;
	return facts_state_index(w->st);
}

/* Before the fold reads or changes an indicator's periods: read them from fx:ip. */
static int
touch_periods(void *arg, uint32_t slot)
{
	struct wfold *w = arg;
	if (slot >= w->n_flags) {
		size_t n = w->st->n_indicators > slot + 1 ? w->st->n_indicators : slot + 1;
		uint8_t *nf = realloc(w->ind_flags, n + 16);
		if (!nf)
			return -ENOMEM;
		memset(nf + w->n_flags, 0, n + 16 - w->n_flags);
		w->ind_flags = nf, w->n_flags = n + 16;
	}
	if (!(w->ind_flags[slot] & PERIODS_READ) && slot < w->stored_inds) {
		uint8_t k[8];
		MDB_val key = { key_log32(k, w->log, slot), k }, v;
		struct facts_indicator *ind = &w->st->indicators[slot];
		int rc = mdb_get(w->txn, db(w->s, FACTS_DB_IP), &key, &v);
		if (rc == 0)
			rc = facts_codec_periods_get(v.mv_data, v.mv_size, w->st, ind);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		for (size_t j = 0; j < ind->n_periods; j++)
			if (facts_map_put(&w->st->map, key2(K_PERIOD, slot, ind->periods[j].period),
			                  (uint32_t)j) != 0)
				return -ENOMEM;
	}
	w->ind_flags[slot] |= PERIODS_READ | PERIODS_CHANGED;
	return 0;
}

/* The stored amendments that declare change c. */
static int
stored_match(void *arg, const struct facts_change *c, facts_day *match)
{
	struct wfold *w = arg;
	uint8_t k[4];
	MDB_cursor *cur;
	MDB_val key = { key_log(k, w->log), k }, v;
	int rc = mdb_cursor_open(w->txn, db(w->s, FACTS_DB_AMEND), &cur);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
		struct facts_change a;
		if (key.mv_size != 12 || get_be32(key.mv_data) != w->log)
			break;
		if ((rc = facts_codec_amend_get(v.mv_data, v.mv_size,
		                                get_be64((uint8_t *)key.mv_data + 4), w->st, &a)) !=
		    0)
			break;
		if (a.pub < *match && a.subject == c->subject && a.field == c->field &&
		    facts_same_value(facts_strings_get(w->strs, a.new_value),
		                     facts_strings_get(w->strs, c->new_value)))
			*match = a.pub;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ---- writing what a fold made ---- */

struct ev_ref {
	uint32_t month;
	uint32_t pos;
};

static int
cmp_ev(const void *a, const void *b)
{
	const struct ev_ref *x = a, *y = b;
	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int
put_buf(struct wfold *w, enum facts_store_db d, const uint8_t *k, size_t kl, struct buf *b)
{
	MDB_val key = { kl, (void *)k }, v = { b->len, b->data };
	if (b->err)
		return b->err;
	return mdb_put(w->txn, db(w->s, d), &key, &v, 0);
}

/* Appends the events of month m (refs [a, b) of the sorted list) to the month's chunks. */
static int
put_deltas(struct wfold *w, const struct ev_ref *refs, size_t a, size_t b, uint32_t m)
{
	uint8_t k[12], head[12];
	MDB_cursor *c;
	MDB_val key, v;
	struct buf chunk = BUF_INIT(0), one = BUF_INIT(0);
	uint32_t seq = 0;
	int rc;

	put_be32(k, w->log), put_be32(k + 4, m), put_be32(k + 8, UINT32_MAX);
	key = (MDB_val){ 12, k };
	if ((rc = mdb_cursor_open(w->txn, db(w->s, FACTS_DB_DELTA), &c)) != 0)
		return rc;
	/* The month's last chunk: the key before (log, m, max). */
	rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
	rc = rc == 0              ? mdb_cursor_get(c, &key, &v, MDB_PREV)
	     : rc == MDB_NOTFOUND ? mdb_cursor_get(c, &key, &v, MDB_LAST)
	                          : rc;
	if (rc == 0 && key.mv_size == 12 && get_be32(key.mv_data) == w->log &&
	    get_be32((uint8_t *)key.mv_data + 4) == m) {
		seq = get_be32((uint8_t *)key.mv_data + 8);
		if (v.mv_size >= 12 && v.mv_size < FACTS_CHUNK_MAX)
			buf_put(&chunk, v.mv_data, v.mv_size);
		else
			seq++;
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		goto done;
	}
	mdb_cursor_close(c);
	c = NULL;
	rc = 0;
	for (size_t i = a; i < b && rc == 0; i++) {
		const struct facts_event *e = &w->st->events[refs[i].pos];
		if (chunk.len == 0)
			facts_codec_chunk_start(&chunk, e);
		if (chunk.err)
			break;
		memcpy(head, chunk.data, 12);
		buf_reset(&one);
		facts_codec_event_put(&one, head, e);
		if (chunk.len + one.len > FACTS_CHUNK_MAX && chunk.len > 12) {
			put_be32(k + 8, seq++);
			if ((rc = put_buf(w, FACTS_DB_DELTA, k, 12, &chunk)) != 0)
				break;
			buf_reset(&chunk);
			facts_codec_chunk_start(&chunk, e);
			memcpy(head, chunk.data, 12);
			buf_reset(&one);
			facts_codec_event_put(&one, head, e);
		}
		buf_put(&chunk, one.data, one.len);
		if (one.err)
			buf_fail(&chunk, one.err);
	}
	if (rc == 0 && chunk.len > 0) {
		put_be32(k + 8, seq);
		rc = put_buf(w, FACTS_DB_DELTA, k, 12, &chunk);
	}
done:
	if (c)
		mdb_cursor_close(c);
	buf_free(&chunk);
	buf_free(&one);
	return rc;
}

static int
at_copy(struct facts_at *dst, const struct facts_at *src)
{
	if (RESERVE(dst, progs, src->n_progs) != 0 || RESERVE(dst, commits, src->n_commits) != 0 ||
	    RESERVE(dst, ms, src->n_ms) != 0 || RESERVE(dst, inds, src->n_inds) != 0)
		return -ENOMEM;
	dst->day = src->day;
	dst->declared = src->declared;
	dst->n_progs = src->n_progs, dst->n_commits = src->n_commits;
	dst->n_ms = src->n_ms, dst->n_inds = src->n_inds;
	/* An empty array may be NULL, which memcpy may not be given even for 0 bytes. */
	if (src->n_progs)
		memcpy(dst->progs, src->progs, src->n_progs * sizeof(*src->progs));
	if (src->n_commits)
		memcpy(dst->commits, src->commits, src->n_commits * sizeof(*src->commits));
	if (src->n_ms)
		memcpy(dst->ms, src->ms, src->n_ms * sizeof(*src->ms));
	if (src->n_inds)
		memcpy(dst->inds, src->inds, src->n_inds * sizeof(*src->inds));
	return 0;
}

/* Reads the snapshot value into at, sized for the state. */
static int
snap_read(struct wfold *w, const MDB_val *v, struct facts_at *at, facts_day *max_pub)
{
	int rc = facts_at_reset(at, w->st, 0);
	return rc ? rc : facts_codec_snap_get(v->mv_data, v->mv_size, w->st, at, max_pub);
}

/* Updates the snapshots: of each month touched, and of every later month already stored. */
static int
put_snaps(struct wfold *w, const struct ev_ref *refs, size_t n)
{
	uint8_t k[8];
	MDB_cursor *c;
	MDB_val key, v;
	uint32_t *months = NULL; /* the stored months from the first touched on */
	size_t n_months = 0, cap = 0;
	struct buf b = BUF_INIT(0);
	facts_day max_pub;
	int rc;

	if ((rc = mdb_cursor_open(w->txn, db(w->s, FACTS_DB_SNAP), &c)) != 0)
		return rc;
	if ((rc = facts_at_reset(&w->cur, w->st, 0)) != 0)
		goto done;
	/* The state before the first month touched: the latest snapshot before it. */
	key = (MDB_val){ key_log32(k, w->log, refs[0].month), k };
	rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
	for (; rc == 0 && key.mv_size == 8 && get_be32(key.mv_data) == w->log;
	     rc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
		if (n_months == cap) {
			cap = cap ? 2 * cap : 16;
			uint32_t *nm = realloc(months, cap * sizeof(*nm));
			if (!nm) {
				rc = -ENOMEM;
				goto done;
			}
			months = nm;
		}
		months[n_months++] = get_be32((uint8_t *)key.mv_data + 4);
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		goto done;
	key = (MDB_val){ key_log32(k, w->log, refs[0].month), k };
	rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
	rc = rc == 0              ? mdb_cursor_get(c, &key, &v, MDB_PREV)
	     : rc == MDB_NOTFOUND ? mdb_cursor_get(c, &key, &v, MDB_LAST)
	                          : rc;
	if (rc == 0 && key.mv_size == 8 && get_be32(key.mv_data) == w->log &&
	    get_be32((uint8_t *)key.mv_data + 4) < refs[0].month)
		rc = snap_read(w, &v, &w->cur, &max_pub);
	else if (rc == 0 || rc == MDB_NOTFOUND)
		rc = 0;
	if (rc != 0)
		goto done;
	mdb_cursor_close(c);
	c = NULL;

	/* Every month, stored or touched, in order; i walks the touched events. */
	size_t i = 0, j = 0;
	while (rc == 0 && (i < n || j < n_months)) {
		uint32_t m = j < n_months && (i >= n || months[j] <= refs[i].month) ? months[j]
		                                                                    : refs[i].month;
		bool stored = j < n_months && months[j] == m;
		facts_day top = 0;
		if (stored) {
			/* A stored month takes every new event up to its end. */
			key = (MDB_val){ key_log32(k, w->log, m), k };
			if ((rc = mdb_get(w->txn, db(w->s, FACTS_DB_SNAP), &key, &v)) != 0 ||
			    (rc = snap_read(w, &v, &w->snap, &top)) != 0)
				break;
			for (size_t x = 0; x < n && refs[x].month <= m; x++)
				facts_at_apply(&w->snap, &w->st->events[refs[x].pos]);
			j++;
		} else if ((rc = at_copy(&w->snap, &w->cur)) != 0) {
			break;
		}
		for (; i < n && refs[i].month == m; i++) {
			const struct facts_event *e = &w->st->events[refs[i].pos];
			if (!stored)
				facts_at_apply(&w->snap, e);
			if (e->pub > top)
				top = e->pub;
		}
		buf_reset(&b);
		facts_codec_snap_put(&b, &w->snap, top);
		if ((rc = put_buf(w, FACTS_DB_SNAP, k, key_log32(k, w->log, m), &b)) != 0)
			break;
		struct facts_at t = w->cur;
		w->cur = w->snap, w->snap = t;
	}
done:
	if (c)
		mdb_cursor_close(c);
	free(months);
	buf_free(&b);
	return rc;
}

static int
wfold_write(struct wfold *w)
{
	struct facts_state *st = w->st;
	struct ev_ref *refs = NULL;
	struct buf b = BUF_INIT(0);
	uint8_t k[12];
	int rc = 0;

	if (st->n_events) {
		if (!(refs = malloc(st->n_events * sizeof(*refs))))
			return -ENOMEM;
		for (size_t i = 0; i < st->n_events; i++)
			refs[i] = (struct ev_ref){ facts_month_of(st->events[i].pub), (uint32_t)i };
		qsort(refs, st->n_events, sizeof(*refs), cmp_ev);
		for (size_t a = 0, z; a < st->n_events && rc == 0; a = z) {
			for (z = a; z < st->n_events && refs[z].month == refs[a].month; z++)
				;
			rc = put_deltas(w, refs, a, z, refs[a].month);
		}
		if (rc == 0)
			rc = put_snaps(w, refs, st->n_events);
	}
	for (size_t i = 0; i < st->n_amends && rc == 0; i++) {
		buf_reset(&b);
		facts_codec_amend_put(&b, &st->amends[i]);
		put_be32(k, w->log), put_be64(k + 4, st->amends[i].index);
		rc = put_buf(w, FACTS_DB_AMEND, k, 12, &b);
	}
	for (size_t i = 0; i < st->n_indicators && i < w->n_flags && rc == 0; i++) {
		if (!(w->ind_flags[i] & PERIODS_CHANGED))
			continue;
		buf_reset(&b);
		facts_codec_periods_put(&b, &st->indicators[i]);
		rc = put_buf(w, FACTS_DB_IP, k, key_log32(k, w->log, (uint32_t)i), &b);
	}
	if (rc == 0) {
		buf_reset(&b);
		facts_codec_member_put(&b, st, w->strs);
		rc = put_buf(w, FACTS_DB_MEMBER, k, key_log(k, w->log), &b);
	}
	free(refs);
	buf_free(&b);
	return rc;
}

/* Deletes every record folded from log (not fx:seen). */
static int
drop_log(struct store *s, MDB_txn *txn, uint32_t log)
{
	static const enum facts_store_db dbs[] = { FACTS_DB_MEMBER, FACTS_DB_IP, FACTS_DB_SNAP,
		                                   FACTS_DB_DELTA, FACTS_DB_AMEND };
	for (size_t d = 0; d < sizeof(dbs) / sizeof(*dbs); d++) {
		int rc = store_del_log_records(txn, db(s, dbs[d]), log);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Folds entries [stored, end) of log, at most FACTS_FOLD_MAX of them, and writes the fold.
 * *folded: how far the fold went (end when all was folded). */
static int
fold_log(struct store *s, MDB_txn *txn, uint32_t log, uint64_t end, uint64_t *folded)
{
	for (int attempt = 0;; attempt++) {
		struct wfold w = { .s = s, .txn = txn, .log = log };
		int rc = wfold_load(&w);
		*folded = 0;
		if (rc == 0 && (rc = facts_arena_init(&w.arena, WRITER_ARENA)) == 0) {
			uint64_t from = w.st->stored, to = end;
			struct facts_fold x = { .strings = w.strs,
				                .st = w.st,
				                .arena = &w.arena,
				                .stored_match = stored_match,
				                .touch_periods = touch_periods,
				                .arg = &w };
			if (from > end)
				from = end; /* cannot happen: the log holds what was folded */
			if (to - from > FACTS_FOLD_MAX)
				to = from + FACTS_FOLD_MAX;
			*folded = from;
			if (to > from)
				rc = store_entry_each(s, txn, log, from, to - from,
				                      facts_fold_entry, &x);
			if (rc == 0 && to > from) {
				w.st->stored = w.st->size = to;
				rc = wfold_write(&w);
			}
			if (rc == 0)
				*folded = to;
		}
		wfold_free(&w);
		if (rc != -EBADMSG || attempt > 0)
			return rc;
		/* What is stored of this log does not parse: fold it again from its start. */
		log_warn("views: the stored fold of log %u does not parse; folding it again", log);
		if ((rc = drop_log(s, txn, log)) != 0)
			return rc;
	}
}

/* ---- a batch folded as it is added ----
 * The append decodes each entry for the modules (store_apply); folding it then saves reading
 * the sealed batch back and decoding it again. The seal writes what was folded when it covers
 * exactly what the log lacks, [the member's stored count, the sealed size); in every other case
 * (a fold that lags behind the log, an entry added again after its caller rolled back, no
 * memory) the batch's fold is dropped and the seal folds from the store as before. */
struct bfold {
	struct wfold w;
	struct facts_fold x;
	uint64_t from, next; /* folded: entries [from, next) of the log */
	bool off;            /* dropped: the seal folds from the store */
};

static void
bfold_drop(struct bfold *b)
{
	if (!b->off)
		wfold_free(&b->w);
	b->off = true;
}

static void
batch_free(void *batch)
{
	struct bfold *b = batch;
	bfold_drop(b);
	free(b);
}

static int
batch_apply(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index,
            const Remacto__V1__Entry *e, void **batch)
{
	struct bfold *b = *batch;
	int rc;

	if (!b) {
		if (!(b = *batch = calloc(1, sizeof(*b))))
			return 0; /* the seal folds from the store */
		b->w = (struct wfold){ .s = s, .txn = txn, .log = log };
		b->from = b->next = index;
		if ((rc = wfold_load(&b->w)) != 0 || b->w.st->stored != index) {
			bfold_drop(b);
			return fatal(rc) ? rc : 0;
		}
		b->x = (struct facts_fold){ .strings = b->w.strs,
			                    .st = b->w.st,
			                    .stored_match = stored_match,
			                    .touch_periods = touch_periods,
			                    .arg = &b->w };
	}
	if (b->off)
		return 0;
	/* Rolled back (index < next): what was folded past index is not the log's. The cap is
	 * the biggest batch an append takes (`remacto log append`, 100,000 lines: about 5 MB of
	 * fold), so that no batch is folded part-way, dropped and folded again at seal. */
	if (index < b->next || index - b->from >= TLOG_MAX_BATCH) {
		bfold_drop(b);
		return 0;
	}
	/* Entries between next and index did not decode: they fold into nothing. */
	b->w.txn = txn;
	b->x.rc = 0;
	if ((rc = facts_fold_decoded(&b->x, index, e)) != 0) {
		bfold_drop(b);
		return fatal(rc) ? rc : 0;
	}
	b->next = index + 1;
	return 0;
}

/* The batch's fold, when it covers [stored, size): written; *done set. */
static int
bfold_seal(struct bfold *b, MDB_txn *txn, uint64_t size, bool *done)
{
	*done = false;
	if (!b || b->off || b->next > size)
		return 0;
	b->w.txn = txn;
	b->w.st->stored = b->w.st->size = size;
	int rc = wfold_write(&b->w);
	bfold_drop(b);
	*done = true;
	return rc;
}

static int
seal_hook(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t size,
          void *batch)
{
	uint64_t folded = 0;
	bool done;
	int rc = bfold_seal(batch, txn, size, &done);
	if (done)
		goto out;
	/* Everything the batch appended (a log the module never saw: FACTS_FOLD_MAX at a time). */
	do {
		uint64_t before = folded;
		rc = fold_log(s, txn, log, size, &folded);
		if (rc == 0 && folded <= before && folded < size)
			break; /* no progress: cannot happen */
	} while (rc == 0 && folded < size);
out:
	if (rc == 0 || fatal(rc))
		return rc;
	/* The entries stay; the fold waits for the next batch (and readers fold the tail). */
	log_warn("views: log %s: the fold of entries up to %llu waits: %s", origin,
	         (unsigned long long)size, store_strerror(rc));
	return 0;
}

/* ---- cosignatures ---- */

uint64_t
facts_store_seen_version(MDB_txn *txn, MDB_dbi seen, uint32_t log)
{
	uint8_t k[8];
	MDB_val key = { 8, k }, v;
	put_be32(k, log), put_be32(k + 4, UINT32_MAX);
	if (mdb_get(txn, seen, &key, &v) != 0 || v.mv_size != 8)
		return 0;
	return get_be64(v.mv_data);
}

/* One more change to the days log was witnessed (fx:seen's count, after its days: readers
 * look for the days before a date, the count's key sorts after them all). */
static int
seen_bump(struct store *s, MDB_txn *txn, uint32_t log)
{
	uint8_t k[8], val[8];
	MDB_val key = { 8, k }, v = { 8, val };
	put_be32(k, log), put_be32(k + 4, UINT32_MAX);
	put_be64(val, facts_store_seen_version(txn, db(s, FACTS_DB_SEEN), log) + 1);
	return mdb_put(txn, db(s, FACTS_DB_SEEN), &key, &v, 0);
}

static int
seen_put(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *name, size_t nl,
         uint64_t timestamp)
{
	uint8_t k[8 + NOTE_NAME_MAX], val[16];
	MDB_val key = { 8 + nl, k }, v;
	uint64_t t = timestamp, sz = size;
	if (nl == 0 || nl > NOTE_NAME_MAX)
		return 0;
	put_be32(k, log);
	put_be32(k + 4, facts_day_of_time(timestamp));
	memcpy(k + 8, name, nl);
	int rc = mdb_get(txn, db(s, FACTS_DB_SEEN), &key, &v);
	if (rc == 0 && v.mv_size == 16) {
		uint64_t ot = get_be64(v.mv_data), os = get_be64((uint8_t *)v.mv_data + 8);
		if (ot >= t && os >= sz)
			return 0;
		t = ot > t ? ot : t, sz = os > sz ? os : sz;
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		return rc;
	}
	put_be64(val, t), put_be64(val + 8, sz);
	v = (MDB_val){ 16, val };
	if ((rc = mdb_put(txn, db(s, FACTS_DB_SEEN), &key, &v, 0)) != 0)
		return rc;
	return seen_bump(s, txn, log);
}

static int
cosign_hook(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *name,
            uint64_t timestamp)
{
	return seen_put(s, txn, log, size, name, strlen(name), timestamp);
}

/* Every cosignature in wit:cosigs (log ‖ size ‖ name → "timestamp line") into fx:seen. */
static int
seen_merge_txn(MDB_txn *txn, void *arg)
{
	struct store *s = arg;
	MDB_cursor *c;
	MDB_val key, v, mk = { sizeof(cosigs_folded) - 1, (void *)cosigs_folded },
	                mv = { 1, (void *)"1" };
	int rc = mdb_cursor_open(txn, store_dbs(s, &witness_module)[0], &c);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &key, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
		const char *val = v.mv_data;
		uint64_t ts = 0;
		size_t i;
		if (key.mv_size <= 12)
			continue;
		for (i = 0; i < v.mv_size && i < 19 && val[i] >= '0' && val[i] <= '9'; i++)
			ts = ts * 10 + (uint64_t)(val[i] - '0');
		if (i == 0 || i >= v.mv_size || val[i] != ' ')
			continue;
		if ((rc = seen_put(s, txn, get_be32(key.mv_data),
		                   get_be64((uint8_t *)key.mv_data + 4),
		                   (const char *)key.mv_data + 12, key.mv_size - 12, ts)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return rc;
	return mdb_put(txn, db(s, FACTS_DB_MEMBER), &mk, &mv, 0);
}

/* ---- catch-up and rebuild ---- */

struct catch_ctx {
	struct store *s;
	uint32_t log;
	uint64_t end, folded;
};

static int
fold_txn(MDB_txn *txn, void *arg)
{
	struct catch_ctx *c = arg;
	return fold_log(c->s, txn, c->log, c->end, &c->folded);
}

/* How far the fold of log went (0 when it never did or its record does not parse). */
static uint64_t
stored_of(struct store *s, MDB_txn *txn, uint32_t log)
{
	uint8_t k[4];
	MDB_val key = { key_log(k, log), k }, v;
	if (mdb_get(txn, db(s, FACTS_DB_MEMBER), &key, &v) != 0)
		return 0;
	return facts_codec_member_stored(v.mv_data, v.mv_size);
}

struct log_size {
	uint32_t id;
	uint64_t size, done;
	char *origin;
};

static int
collect(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct {
		struct log_size *v;
		size_t n, cap;
	} *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct log_size *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv, l->cap = cap;
	}
	if (!(l->v[l->n].origin = strdup(rec->origin)))
		return -ENOMEM;
	l->v[l->n].id = rec->id, l->v[l->n].size = rec->size, l->v[l->n].done = 0;
	l->n++;
	return 0;
}

int
facts_store_catch_up(struct store *s, facts_store_progress_fn progress, void *arg, char *err,
                     size_t errcap)
{
	struct {
		struct log_size *v;
		size_t n, cap;
	} l = { 0 };
	MDB_txn *txn;
	MDB_val mk = { sizeof(cosigs_folded) - 1, (void *)cosigs_folded }, mv;
	bool seen_done = false;
	int rc = store_read_begin(s, &txn);

	err[0] = '\0';
	if (rc == 0) {
		rc = store_log_each(s, txn, collect, &l);
		seen_done = mdb_get(txn, db(s, FACTS_DB_MEMBER), &mk, &mv) == 0;
		for (size_t i = 0; rc == 0 && i < l.n; i++)
			l.v[i].done = stored_of(s, txn, l.v[i].id);
		mdb_txn_abort(txn);
	}
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		struct catch_ctx c = { s, l.v[i].id, l.v[i].size, l.v[i].done };
		if (c.folded >= c.end)
			continue;
		do {
			if ((rc = store_write(s, fold_txn, &c)) != 0)
				break;
			if (progress)
				progress(l.v[i].origin, c.folded, c.end, arg);
		} while (c.folded < c.end);
		if (rc != 0)
			err_set(err, errcap, "log %s: cannot fold it into the views: %s",
			        l.v[i].origin, store_strerror(rc));
	}
	if (rc == 0 && !seen_done && (rc = store_write(s, seen_merge_txn, s)) != 0)
		err_set(err, errcap, "cannot fold the cosignatures into the views: %s",
		        store_strerror(rc));
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i].origin);
	free(l.v);
	if (rc != 0 && !err[0])
		err_set(err, errcap, "cannot list the logs: %s", store_strerror(rc));
	return rc;
}

static int
drop_txn(MDB_txn *txn, void *arg)
{
	struct store *s = arg;
	static const enum facts_store_db dbs[] = { FACTS_DB_IP, FACTS_DB_SNAP, FACTS_DB_DELTA,
		                                   FACTS_DB_AMEND };
	MDB_val mk = { sizeof(cosigs_folded) - 1, (void *)cosigs_folded }, mv;
	bool seen_done = mdb_get(txn, db(s, FACTS_DB_MEMBER), &mk, &mv) == 0;
	int rc = 0;
	for (size_t d = 0; d < sizeof(dbs) / sizeof(*dbs) && rc == 0; d++)
		rc = mdb_drop(txn, db(s, dbs[d]), 0);
	if (rc == 0)
		rc = mdb_drop(txn, db(s, FACTS_DB_MEMBER), 0);
	mv = (MDB_val){ 1, (void *)"1" };
	if (rc == 0 && seen_done)
		rc = mdb_put(txn, db(s, FACTS_DB_MEMBER), &mk, &mv, 0);
	return rc;
}

int
facts_store_rebuild(struct store *s, facts_store_progress_fn progress, void *arg, char *err,
                    size_t errcap)
{
	int rc;
	err[0] = '\0';
	if ((rc = store_write(s, drop_txn, s)) != 0) {
		err_set(err, errcap, "cannot empty the views' fold: %s", store_strerror(rc));
		return rc;
	}
	/* The cosignatures stored now, merged with what fx:seen kept (merging is idempotent). */
	if ((rc = store_write(s, seen_merge_txn, s)) != 0) {
		err_set(err, errcap, "cannot fold the cosignatures into the views: %s",
		        store_strerror(rc));
		return rc;
	}
	return facts_store_catch_up(s, progress, arg, err, errcap);
}
