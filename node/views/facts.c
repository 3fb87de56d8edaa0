/*
 * facts — the views' reading side: the registry snapshot, the members, and each member's state
 * read from the store's fold (facts_store.h) with its tail folded in memory, in a bounded cache.
 * See facts.h. Files: facts.c (members, evidence, the refresh, the cache, states as of a day,
 * witnesses, amendments), facts_registry.c (the registry snapshot: members, catalogue and
 * policy as the registry log says), facts_fold.c (one entry into a member's
 * state), facts_codec.c (the stored records), facts_store.c (the store's side), facts_tables.c
 * (interned strings, maps, arrays, the arena), facts_days.c (days and periods); facts_impl.h is
 * what they share.
 *
 * A member's state as of a day is the snapshot of the day's month (when the day is past every
 * entry published that month) or of the month before with the events of the month up to the
 * day, then the tail's events published by the day: a few records read through LMDB's map and
 * a few hundred events at most, whatever the size of the log.
 */
#include "facts.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/err.h"
#include "facts_impl.h"
#include "facts_store.h"
#include "peers/evidence.h"
#include "peers/registry.h"
#include "peers/witness.h"

#include "peer.pb-c.h"

/* ---- members ---- */


/* Drops the member's state from the cache. */
static void
state_drop(struct facts *f, struct facts_member *m)
{
	if (m->st) {
		facts_state_free(m->st);
		m->st = NULL;
		f->cache_bytes -= m->st_bytes;
		m->st_bytes = 0;
	}
}

void
facts_member_free(struct facts *f, struct facts_member *m)
{
	if (!m)
		return;
	state_drop(f, m);
	free(m->origin);
	free(m->name_fr);
	free(m->name_ar);
	free(m->name_en);
	free(m->row);
	free(m->brow);
	free(m);
}

struct facts *
facts_new(void)
{
	struct facts *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->strings = facts_strings_new();
	f->arena = calloc(1, sizeof(*f->arena));
	if (!f->strings || !f->arena || facts_arena_init(f->arena, ARENA_SIZE) != 0) {
		facts_free(f);
		return NULL;
	}
	f->policy.index = FACTS_NO_INDEX;
	f->cache_max = FACTS_CACHE_BYTES;
	return f;
}

void
facts_catalog_clear(struct facts *f)
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
		facts_member_free(f, f->members[i]);
	free(f->members);
	facts_catalog_clear(f);
	facts_strings_free(f->strings);
	facts_map_free(f->by_origin);
	facts_arena_release(f->arena);
	free(f->arena);
	facts_at_free(&f->at);
	free(f->gran);
	facts_answers_free(f->answers);
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

/* ---- witnesses and evidence ---- */

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

/* ---- the members' states: the cache ---- */

static MDB_dbi
fx(const struct facts *f, enum facts_store_db d)
{
	return store_dbs(f->s, &facts_store_module)[d];
}

/* How far the store folded log (0: not at all). */
static uint64_t
stored_of(const struct facts *f, uint32_t log)
{
	uint8_t k[4];
	MDB_val key = { 4, k }, v;
	put_be32(k, log);
	if (mdb_get(f->txn, fx(f, FACTS_DB_MEMBER), &key, &v) != 0)
		return 0;
	return facts_codec_member_stored(v.mv_data, v.mv_size);
}

struct rmatch {
	struct facts *f;
	struct facts_member *m;
};

/* The store's amendments of the member that declare change c (for the tail's changes). */
static int
reader_match(void *arg, const struct facts_change *c, facts_day *match)
{
	struct rmatch *x = arg;
	const struct facts_state *st = x->m->st;
	uint8_t k[4];
	MDB_cursor *cur;
	MDB_val key = { 4, k }, v;
	int rc;
	if (st->stored == 0)
		return 0;
	put_be32(k, x->m->log);
	if ((rc = mdb_cursor_open(x->f->txn, fx(x->f, FACTS_DB_AMEND), &cur)) != 0)
		return rc;
	for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
		struct facts_change a;
		if (key.mv_size != 12 || get_be32(key.mv_data) != x->m->log)
			break;
		if ((rc = facts_codec_amend_get(v.mv_data, v.mv_size,
		                                get_be64((uint8_t *)key.mv_data + 4), st, &a)) != 0)
			break;
		if (a.pub < *match && a.subject == c->subject && a.field == c->field &&
		    facts_same_value(facts_string(x->f, a.new_value),
		                     facts_string(x->f, c->new_value)))
			*match = a.pub;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Folds the member's entries from st->size to `end` into its state (the tail). */
static int
fold_tail(struct facts *f, struct facts_member *m, uint64_t end)
{
	struct facts_state *st = m->st;
	struct rmatch rm = { f, m };
	struct facts_fold x = { .strings = f->strings,
		                .st = st,
		                .arena = f->arena,
		                .stored_match = reader_match,
		                .arg = &rm };
	int rc = 0;
	if (end > st->size)
		rc = store_entry_each(f->s, f->txn, m->log, st->size, end - st->size,
		                      facts_fold_entry, &x);
	f->folded += x.folded;
	if (rc == 0)
		st->size = end;
	return rc;
}

/* Reads the member's state from the store: its record, its indicators' periods. An empty state
 * when the store holds none or one that does not parse (the whole log is then the tail). */
static int
state_read(struct facts *f, struct facts_member *m, struct facts_state *st)
{
	uint8_t k[8];
	MDB_val key = { 4, k }, v;
	int rc;

	put_be32(k, m->log);
	rc = mdb_get(f->txn, fx(f, FACTS_DB_MEMBER), &key, &v);
	if (rc == 0)
		rc = facts_codec_member_get(v.mv_data, v.mv_size, st, f->strings);
	for (size_t i = 0; rc == 0 && i < st->n_indicators; i++) {
		put_be32(k + 4, (uint32_t)i);
		key = (MDB_val){ 8, k };
		rc = mdb_get(f->txn, fx(f, FACTS_DB_IP), &key, &v);
		if (rc == 0)
			rc = facts_codec_periods_get(v.mv_data, v.mv_size, st, &st->indicators[i]);
		else if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	if (rc == 0)
		return facts_state_index(st);
	if (rc != MDB_NOTFOUND && rc != -EBADMSG)
		return rc;
	/* Nothing readable in the store: everything is the tail. */
	facts_state_free(st);
	return 1;
}

static int
cmp_used(const void *a, const void *b)
{
	const struct facts_member *x = *(struct facts_member *const *)a,
	                          *y = *(struct facts_member *const *)b;
	return x->used < y->used ? -1 : x->used > y->used;
}

/* Keeps the cache under its budget: the least recently used states go first, `keep` never. */
static void
cache_trim(struct facts *f, const struct facts_member *keep)
{
	struct facts_member **v;
	size_t n = 0;
	if (f->cache_bytes <= f->cache_max || !(v = malloc(f->n_members * sizeof(*v))))
		return;
	for (size_t i = 0; i < f->n_members; i++)
		if (f->members[i]->st && f->members[i] != keep)
			v[n++] = f->members[i];
	qsort(v, n, sizeof(*v), cmp_used);
	/* Down to three quarters, so that a walk over every member does not trim at each. */
	for (size_t i = 0; i < n && f->cache_bytes > f->cache_max / 4 * 3; i++)
		state_drop(f, v[i]);
	free(v);
}

/* Brings member m up to date with the store as f->txn sees it; *changed when it moved. */
static int refresh_member(struct facts *f, struct facts_member *m,
                          const Remacto__Store__LogRecord *rec, bool *changed);

static int
check_member(struct facts *f, struct facts_member *m)
{
	Remacto__Store__LogRecord *rec = NULL;
	bool changed = false;
	int rc = store_log_get(f->s, f->txn, m->origin, &rec);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	rc = refresh_member(f, m, rec, &changed);
	remacto__store__log_record__free_unpacked(rec, NULL);
	return rc;
}

const struct facts_state *
facts_state(struct facts *f, struct facts_member *m, int *rc)
{
	*rc = 0;
	if (!f->txn) {
		*rc = -ENOTSUP;
		return NULL;
	}
	if (m->epoch != f->epoch && (*rc = check_member(f, m)) != 0)
		return NULL;
	m->used = ++f->cache_clock;
	if (m->st)
		return m->st;
	struct facts_state *st = facts_state_new();
	if (!st) {
		*rc = -ENOMEM;
		return NULL;
	}
	if (m->held && m->stored > 0) {
		*rc = state_read(f, m, st);
		if (*rc == 1 && !(st = facts_state_new()))
			*rc = -ENOMEM;
		if (*rc < 0 || *rc > 1 || (*rc != 0 && !st)) {
			if (*rc != 1)
				facts_state_free(st);
			return NULL;
		}
		*rc = 0;
	}
	if (st->n_strs == 0) { /* the store's table: at least ref 0 */
		if (RESERVE(st, strs, 1) != 0) {
			facts_state_free(st);
			*rc = -ENOMEM;
			return NULL;
		}
		st->strs[0] = 0, st->n_strs = 1;
	}
	st->size = st->stored;
	m->st = st;
	f->loaded++;
	if (m->held && (*rc = fold_tail(f, m, m->size)) != 0) {
		state_drop(f, m);
		return NULL;
	}
	m->st_bytes = facts_state_bytes(st);
	f->cache_bytes += m->st_bytes;
	cache_trim(f, m);
	return st;
}

/* ---- a member's state as of a day ---- */

struct apply_arg {
	struct facts_at *at;
	facts_day d;
};

static int
apply_visible(const struct facts_event *e, void *arg)
{
	struct apply_arg *a = arg;
	if (e->pub <= a->d)
		facts_at_apply(a->at, e);
	return 0;
}

/* Puts c on the last record before key (log, x) — keys are log (u32 BE) ‖ x (u32 BE) ‖ … —
 * or on the database's last record when none follows; the caller checks the log. */
static int
seek_before(MDB_cursor *c, uint32_t log, uint32_t x, MDB_val *key, MDB_val *v)
{
	uint8_t k[8];
	put_be32(k, log), put_be32(k + 4, x);
	*key = (MDB_val){ sizeof(k), k };
	int rc = mdb_cursor_get(c, key, v, MDB_SET_RANGE);
	return rc == 0              ? mdb_cursor_get(c, key, v, MDB_PREV)
	       : rc == MDB_NOTFOUND ? mdb_cursor_get(c, key, v, MDB_LAST)
	                            : rc;
}

/* The store's part: the snapshot of d's month, or the month before and the month's events up
 * to d. */
static int
at_stored(struct facts *f, const struct facts_member *m, const struct facts_state *st, facts_day d,
          struct facts_at *at)
{
	uint8_t k[12];
	MDB_cursor *c;
	MDB_val key, v;
	facts_day max_pub;
	uint32_t month = facts_month_of(d);
	int rc = mdb_cursor_open(f->txn, fx(f, FACTS_DB_SNAP), &c);
	if (rc != 0)
		return rc;
	rc = seek_before(c, m->log, month + 1, &key, &v);
	if (rc != 0 || key.mv_size != 8 || get_be32(key.mv_data) != m->log) {
		mdb_cursor_close(c);
		return rc == 0 || rc == MDB_NOTFOUND ? 0 : rc; /* nothing published by then */
	}
	uint32_t x = get_be32((uint8_t *)key.mv_data + 4);
	if ((rc = facts_codec_snap_get(v.mv_data, v.mv_size, st, at, &max_pub)) != 0 ||
	    x != month || d >= max_pub) {
		mdb_cursor_close(c);
		return rc;
	}
	/* d is inside the month: the month before, then the month's events up to d. */
	if ((rc = facts_at_reset(at, st, d)) != 0)
		goto done;
	rc = mdb_cursor_get(c, &key, &v, MDB_PREV);
	if (rc == 0 && key.mv_size == 8 && get_be32(key.mv_data) == m->log)
		rc = facts_codec_snap_get(v.mv_data, v.mv_size, st, at, &max_pub);
	else if (rc == 0 || rc == MDB_NOTFOUND)
		rc = 0;
	mdb_cursor_close(c);
	c = NULL;
	if (rc != 0 || (rc = mdb_cursor_open(f->txn, fx(f, FACTS_DB_DELTA), &c)) != 0)
		goto done;
	put_be32(k, m->log), put_be32(k + 4, month), put_be32(k + 8, 0);
	key = (MDB_val){ 12, k };
	struct apply_arg aa = { at, d };
	for (rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
		if (key.mv_size != 12 || memcmp(key.mv_data, k, 8) != 0)
			break;
		if ((rc = facts_codec_chunk_each(v.mv_data, v.mv_size, st, apply_visible, &aa)) !=
		    0)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
done:
	if (c)
		mdb_cursor_close(c);
	return rc;
}

int
facts_at(struct facts *f, struct facts_member *m, facts_day d, struct facts_at *at)
{
	int rc;
	const struct facts_state *st = facts_state(f, m, &rc);
	if (!st)
		return rc;
	if ((rc = facts_at_reset(at, st, d)) != 0)
		return rc;
	if (st->stored > 0 && (rc = at_stored(f, m, st, d, at)) != 0)
		return rc == -EBADMSG ? MDB_CORRUPTED : rc;
	for (size_t i = 0; i < st->n_events; i++)
		if (st->events[i].pub <= d)
			facts_at_apply(at, &st->events[i]);
	return 0;
}

int
facts_amends(struct facts *f, struct facts_member *m, facts_amend_fn fn, void *arg)
{
	int rc;
	const struct facts_state *st = facts_state(f, m, &rc);
	if (!st)
		return rc;
	if (st->stored > 0) {
		uint8_t k[4];
		MDB_cursor *c;
		MDB_val key = { 4, k }, v;
		put_be32(k, m->log);
		if ((rc = mdb_cursor_open(f->txn, fx(f, FACTS_DB_AMEND), &c)) != 0)
			return rc;
		for (rc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE); rc == 0;
		     rc = mdb_cursor_get(c, &key, &v, MDB_NEXT)) {
			struct facts_change a;
			if (key.mv_size != 12 || get_be32(key.mv_data) != m->log)
				break;
			rc = facts_codec_amend_get(v.mv_data, v.mv_size,
			                           get_be64((uint8_t *)key.mv_data + 4), st, &a);
			if (rc != 0 || (rc = fn(&a, arg)) != 0)
				break;
		}
		mdb_cursor_close(c);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc == -EBADMSG ? MDB_CORRUPTED : rc;
	}
	for (size_t i = 0; i < st->n_amends; i++)
		if ((rc = fn(&st->amends[i], arg)) != 0)
			return rc;
	return 0;
}

char
facts_period_granularity(struct facts *f, facts_str id)
{
	facts_day first, last;
	char g;
	if (id >= f->n_gran) {
		size_t n = facts_strings_count(f->strings);
		uint8_t *ng = n > id ? realloc(f->gran, n) : NULL;
		if (!ng)
			return facts_period_parse(facts_string(f, id), &first, &last, &g) ? g : 0;
		memset(ng + f->n_gran, 0, n - f->n_gran);
		f->gran = ng, f->n_gran = n;
	}
	if (!f->gran[id])
		f->gran[id] = facts_period_parse(facts_string(f, id), &first, &last, &g)
		                      ? (uint8_t)g
		                      : 1;
	return f->gran[id] == 1 ? 0 : (char)f->gran[id];
}

/* ---- witnesses and evidence ---- */

int
facts_seen_at(struct facts *f, const struct facts_member *m, facts_day d, struct facts_seen *seen)
{
	MDB_cursor *c;
	MDB_val key, v;
	size_t ol = strlen(m->origin);
	int rc;

	memset(seen, 0, sizeof(*seen));
	if (!f->txn || !m->held)
		return MDB_NOTFOUND;
	if ((rc = mdb_cursor_open(f->txn, fx(f, FACTS_DB_SEEN), &c)) != 0)
		return rc;
	rc = seek_before(c, m->log, d + 1, &key, &v);
	/* Back from d: the latest day a witness other than the member cosigned, and everything
	 * the others cosigned that day. */
	for (; rc == 0; rc = mdb_cursor_get(c, &key, &v, MDB_PREV)) {
		const uint8_t *kp = key.mv_data;
		if (key.mv_size <= 8 || get_be32(kp) != m->log)
			break;
		facts_day day = get_be32(kp + 4);
		if (seen->day && day != seen->day)
			break;
		if ((key.mv_size - 8 == ol && !memcmp(kp + 8, m->origin, ol)) || v.mv_size != 16)
			continue; /* its own cosignature */
		uint64_t t = get_be64(v.mv_data), sz = get_be64((uint8_t *)v.mv_data + 8);
		seen->day = day;
		if (t > seen->time)
			seen->time = t;
		if (sz > seen->size)
			seen->size = sz;
	}
	mdb_cursor_close(c);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	return seen->day ? 0 : MDB_NOTFOUND;
}

static int
refresh_member(struct facts *f, struct facts_member *m, const Remacto__Store__LogRecord *rec,
               bool *changed)
{
	int rc;

	m->epoch = f->epoch;
	if (!rec) {
		if (m->held) {
			/* cannot happen (logs are never removed) */
			state_drop(f, m);
			m->held = false;
			m->size = m->stored = 0;
			*changed = true;
		}
	} else {
		uint64_t stored = stored_of(f, rec->id);
		if (!m->held || m->log != rec->id || rec->size < m->size) {
			/* A log never shrinks; a different one (a store replaced under the node) is
			 * read from its start. */
			state_drop(f, m);
			m->held = true;
			m->log = rec->id;
			m->size = m->stored = 0;
			*changed = true;
		}
		if (stored != m->stored) {
			/* The store folded more (or folded it again): read it again when needed. */
			state_drop(f, m);
			m->stored = stored;
			*changed = true;
		}
		if (rec->size != m->size) {
			m->size = rec->size;
			*changed = true;
			if (m->st) {
				size_t before = m->st_bytes;
				if ((rc = fold_tail(f, m, m->size)) != 0) {
					state_drop(f, m);
					return rc;
				}
				m->st_bytes = facts_state_bytes(m->st);
				f->cache_bytes += m->st_bytes - before;
			}
		}
	}
	if (m->held && (rc = refresh_evidence(f->s, f->txn, m, changed)) != 0)
		return rc;
	/* A cosignature may come alone, the log unchanged: what it says of witnessing changes. */
	uint64_t sv = m->held ? facts_store_seen_version(f->txn, fx(f, FACTS_DB_SEEN), m->log) : 0;
	if (sv != m->seen_version) {
		m->seen_version = sv;
		*changed = true;
	}
	if (*changed)
		m->gen = ++f->clock;
	return 0;
}

/* ---- refresh ---- */

struct each_log {
	struct facts *f;
	bool *seen; /* member index → a log was found */
	size_t nlogs;
};

static int
refresh_one_log(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct each_log *x = arg;
	struct facts *f = x->f;
	bool changed = false;
	x->nlogs++;
	uint32_t i = facts_map_get(f->by_origin, key1(K_MEMBER, facts_string_find(f, rec->origin)));
	if (i == FACTS_NO_SLOT || i >= f->n_members)
		return 0; /* not a member (the registry log itself, a log the registry never admitted) */
	x->seen[i] = true;
	return refresh_member(f, f->members[i], rec, &changed);
}

int
facts_member_check(struct facts *f, struct facts_member *m)
{
	if (!f->txn)
		return -ENOTSUP;
	return m->epoch == f->epoch ? 0 : check_member(f, m);
}

int
facts_refresh(struct facts *f, struct store *s, MDB_txn *txn, const char *origin, char *err,
              size_t errcap)
{
	struct note_verifier auth;
	Remacto__Store__LogRecord *rec = NULL;
	uint64_t rsize = 0;
	uint32_t rlog = 0;
	MDB_dbi dbi;
	int rc;

	err[0] = '\0';
	if (store_db(s, "fx:member", &dbi) != 0) {
		err_set(err, errcap,
		        "the views need the store opened with their module "
		        "(facts_store_open)");
		return -ENOTSUP;
	}
	/* The same LMDB snapshot of the same store as the last refresh: nothing moved, but the
	 * members a refresh of one member left unchecked. */
	bool same = f->s == s && f->registry_gen != 0 && f->txn_id == mdb_txn_id(txn);
	f->s = s;
	f->txn = txn;
	if (same && (origin || f->all_checked))
		return 0;
	if (!same) {
		f->txn_id = mdb_txn_id(txn);
		f->epoch++;
		f->all_checked = false;
		bool federated = registry_authority(s, txn, &auth);
		if (federated) {
			rc = store_log_get(s, txn, auth.name, &rec);
			if (rc != 0 && rc != MDB_NOTFOUND) {
				err_set(err, errcap, "cannot read the registry log %s: %s",
				        auth.name, store_strerror(rc));
				goto fail;
			}
			if (rec)
				rsize = rec->size, rlog = rec->id;
			remacto__store__log_record__free_unpacked(rec, NULL);
			rec = NULL;
		}
		if (federated != f->federated ||
		    (federated &&
		     (strcmp(f->registry, auth.name) != 0 || rsize != f->registry_size)) ||
		    f->registry_gen == 0) {
			f->federated = federated;
			snprintf(f->registry, sizeof(f->registry), "%s",
			         federated ? auth.name : "");
			if ((rc = facts_registry_reload(f, s, txn, federated ? auth.name : NULL,
			                                rlog, err, errcap)) != 0)
				goto fail;
			f->registry_size = rsize;
		}
	}

	if (origin) {
		struct facts_member *m = facts_member_find(f, origin);
		if (m && (rc = check_member(f, m)) != 0) {
			err_set(err, errcap, "log %s: cannot read it: %s", m->origin,
			        store_strerror(rc));
			goto fail;
		}
		return 0;
	}

	struct each_log x = { f, calloc(f->n_members + 1, sizeof(bool)), 0 };
	if (!x.seen) {
		err_set(err, errcap, "out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	rc = store_log_each(s, txn, refresh_one_log, &x);
	for (size_t i = 0; rc == 0 && i < f->n_members; i++) {
		bool changed = false;
		if (!x.seen[i])
			rc = refresh_member(f, f->members[i], NULL, &changed);
	}
	free(x.seen);
	if (rc != 0) {
		err_set(err, errcap, "cannot read the logs: %s", store_strerror(rc));
		goto fail;
	}
	/* A standalone node's members are its logs: a new log means a new member list. */
	if (!f->federated && x.nlogs != f->nlogs) {
		if ((rc = facts_registry_reload(f, s, txn, NULL, 0, err, errcap)) != 0)
			goto fail;
		f->nlogs = x.nlogs;
		f->txn_id = 0;
		return facts_refresh(f, s, txn, NULL, err, errcap);
	}
	f->all_checked = true;
	return 0;
fail:
	f->txn_id = 0; /* not up to date: the next refresh starts over */
	return rc;
}
