/*
 * facts_codec — the bytes of the views' stored records (facts_store.c lists the databases):
 * varints for counts, slots, refs and days, fixed little-endian fields for indexes and values
 * where they are read back in place. Every reader checks each length against what is left and
 * every ref against the member's string table: a record that does not parse is -EBADMSG, and
 * the store's hook folds that member again from its log. Part of the facts module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "facts_impl.h"

/* ---- writing: each record reserves its largest size once, then writes in place ---- */

struct wr {
	uint8_t *p;
};

/* Room for n more bytes in b; the writer at its end. false when b failed. */
static bool
wr_begin(struct buf *b, size_t n, struct wr *w)
{
	if (buf_reserve(b, n) != 0)
		return false;
	w->p = (uint8_t *)b->data + b->len;
	return true;
}

static void
wr_end(struct buf *b, const struct wr *w)
{
	b->len = (size_t)(w->p - (uint8_t *)b->data);
	b->data[b->len] = '\0';
}

#define VAR_MAX 10

static inline void
put_u8(struct wr *w, uint8_t v)
{
	*w->p++ = v;
}

static inline void
put_var(struct wr *w, uint64_t v)
{
	while (v >= 0x80) {
		*w->p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*w->p++ = (uint8_t)v;
}

static inline void
put_u64(struct wr *w, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		*w->p++ = (uint8_t)(v >> (8 * i));
}

static inline void
put_f64(struct wr *w, double d)
{
	uint64_t v;
	memcpy(&v, &d, sizeof(v));
	put_u64(w, v);
}

/* An index where FACTS_NO_INDEX is common: index + 1, 0 for none. */
static inline void
put_idx(struct wr *w, uint64_t i)
{
	put_var(w, i == FACTS_NO_INDEX ? 0 : i + 1);
}

/* A day where FACTS_NEVER may appear: day + 1, 0 for never. */
static inline void
put_day(struct wr *w, facts_day d)
{
	put_var(w, d == FACTS_NEVER ? 0 : (uint64_t)d + 1);
}

static uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* ---- reading ---- */

struct rd {
	const uint8_t *p, *end;
	bool bad;
	const struct facts_state *st; /* for refs; NULL: refs are not translated */
};

static uint8_t
get_u8(struct rd *r)
{
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	return *r->p++;
}

static inline uint64_t
get_var(struct rd *r)
{
	if (r->p < r->end && *r->p < 0x80)
		return *r->p++; /* most are one byte */
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		uint8_t c = *r->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static uint32_t
get_v32(struct rd *r)
{
	uint64_t v = get_var(r);
	if (v > UINT32_MAX) {
		r->bad = true;
		return 0;
	}
	return (uint32_t)v;
}

static uint64_t
get_u64(struct rd *r)
{
	uint64_t v = 0;
	if (r->end - r->p < 8) {
		r->bad = true;
		return 0;
	}
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += 8;
	return v;
}

static double
get_f64(struct rd *r)
{
	uint64_t v = get_u64(r);
	double d;
	memcpy(&d, &v, sizeof(d));
	return d;
}

static uint64_t
get_idx(struct rd *r)
{
	uint64_t v = get_var(r);
	return v == 0 ? FACTS_NO_INDEX : v - 1;
}

static facts_day
get_day(struct rd *r)
{
	uint64_t v = get_var(r);
	if (v > (uint64_t)UINT32_MAX) {
		r->bad = true;
		return 0;
	}
	return v == 0 ? FACTS_NEVER : (facts_day)(v - 1);
}

/* A string ref, as an id of the reader's table. */
static facts_str
get_ref(struct rd *r)
{
	uint32_t ref = get_v32(r);
	if (!r->st || ref == 0)
		return ref;
	if (ref >= r->st->n_strs) {
		r->bad = true;
		return 0;
	}
	return r->st->strs[ref];
}

/* A slot below n. */
static uint32_t
get_slot(struct rd *r, size_t n)
{
	uint32_t v = get_v32(r);
	if (v >= n)
		r->bad = true;
	return v;
}

/* A count whose elements take at least `least` bytes each: refused when the rest is shorter. */
static size_t
get_count(struct rd *r, size_t least)
{
	uint64_t n = get_var(r);
	if (n > ID_MAX || (least && n > (uint64_t)(r->end - r->p) / least)) {
		r->bad = true;
		return 0;
	}
	return (size_t)n;
}

/* ---- the member record ---- */

#define MEMBER_MAGIC 0x46584d31u /* "FXM1" */

int
facts_codec_member_put(struct buf *b, const struct facts_state *st,
                       const struct facts_strings *strs)
{
	size_t n = facts_strings_count(strs), max = 8 + 3 * VAR_MAX;
	struct wr w;
	for (size_t i = 1; i < n; i++)
		max += VAR_MAX + strlen(facts_strings_get(strs, (facts_str)i));
	max += 5 * VAR_MAX + st->n_programmes * VAR_MAX + st->n_commitments * (5 * VAR_MAX + 1) +
	       st->n_milestones * 4 * VAR_MAX + st->n_changes * (8 * VAR_MAX + 2);
	for (size_t i = 0; i < st->n_indicators; i++)
		max += 7 * VAR_MAX + 1 + st->indicators[i].n_targets * (VAR_MAX + 8);
	if (!wr_begin(b, max, &w))
		return b->err;
	put_u64(&w, MEMBER_MAGIC | (uint64_t)FACTS_STORE_FORMAT << 32);
	put_var(&w, st->stored);
	put_var(&w, n);
	for (size_t i = 1; i < n; i++) {
		const char *s = facts_strings_get(strs, (facts_str)i);
		size_t len = strlen(s);
		put_var(&w, len);
		memcpy(w.p, s, len);
		w.p += len;
	}
	put_var(&w, st->n_programmes);
	for (size_t i = 0; i < st->n_programmes; i++)
		put_var(&w, st->programmes[i].id);
	put_var(&w, st->n_commitments);
	for (size_t i = 0; i < st->n_commitments; i++) {
		const struct facts_commitment *c = &st->commitments[i];
		put_var(&w, c->id);
		put_var(&w, c->first);
		put_var(&w, c->latest);
		put_var(&w, c->minpub);
		put_var(&w, c->end);
		put_u8(&w, c->versioned);
	}
	put_var(&w, st->n_milestones);
	for (size_t i = 0; i < st->n_milestones; i++) {
		const struct facts_milestone *m = &st->milestones[i];
		put_var(&w, m->commit);
		put_var(&w, m->id);
		put_var(&w, m->due);
		put_var(&w, m->first);
	}
	put_var(&w, st->n_indicators);
	for (size_t i = 0; i < st->n_indicators; i++) {
		const struct facts_indicator *ind = &st->indicators[i];
		put_var(&w, ind->id);
		put_var(&w, ind->code);
		put_var(&w, ind->commitment);
		put_u8(&w, ind->ascending);
		put_var(&w, ind->first);
		put_var(&w, ind->latest);
		put_var(&w, ind->first_pub);
		put_var(&w, ind->n_targets);
		for (size_t k = 0; k < ind->n_targets; k++) {
			put_var(&w, ind->targets[k].period);
			put_f64(&w, ind->targets[k].value);
		}
	}
	put_var(&w, st->n_changes);
	for (size_t i = 0; i < st->n_changes; i++) {
		const struct facts_change *c = &st->changes[i];
		put_var(&w, c->index);
		put_idx(&w, c->prev);
		put_var(&w, c->pub);
		put_day(&w, c->match);
		put_var(&w, c->subject);
		put_var(&w, c->field);
		put_var(&w, c->old_value);
		put_var(&w, c->new_value);
		put_u8(&w, c->subject_kind);
		put_u8(&w, c->cls);
	}
	wr_end(b, &w);
	return 0;
}

int
facts_codec_member_get(const uint8_t *p, size_t n, struct facts_state *st,
                       struct facts_strings *strs)
{
	struct rd r = { p, p + n, false, NULL };
	size_t count;

	if (get_u64(&r) != (MEMBER_MAGIC | (uint64_t)FACTS_STORE_FORMAT << 32) || r.bad)
		return -EBADMSG;
	st->stored = st->size = get_var(&r);
	count = get_count(&r, 1);
	if (r.bad || count == 0 || RESERVE(st, strs, count) != 0)
		return r.bad || count == 0 ? -EBADMSG : -ENOMEM;
	st->strs[0] = 0;
	st->n_strs = 1;
	for (size_t i = 1; i < count; i++) {
		size_t len = get_count(&r, 0);
		if (r.bad || len == 0 || len > (size_t)(r.end - r.p) || memchr(r.p, 0, len))
			return -EBADMSG;
		facts_str id = facts_intern_len(strs, (const char *)r.p, len);
		if (id == FACTS_NO_SLOT)
			return -ENOMEM;
		st->strs[st->n_strs++] = id;
		r.p += len;
	}
	r.st = st;
	if ((count = get_count(&r, 1)) && RESERVE(st, programmes, count) != 0)
		return -ENOMEM;
	for (size_t i = 0; i < count && !r.bad; i++)
		st->programmes[st->n_programmes++].id = get_ref(&r);
	if ((count = get_count(&r, 6)) && RESERVE(st, commitments, count) != 0)
		return -ENOMEM;
	for (size_t i = 0; i < count && !r.bad; i++) {
		struct facts_commitment *c = &st->commitments[st->n_commitments++];
		c->id = get_ref(&r);
		c->first = get_var(&r);
		c->latest = get_var(&r);
		c->minpub = get_v32(&r);
		c->end = get_v32(&r);
		c->versioned = get_u8(&r) != 0;
	}
	if ((count = get_count(&r, 4)) && RESERVE(st, milestones, count) != 0)
		return -ENOMEM;
	for (size_t i = 0; i < count && !r.bad; i++) {
		struct facts_milestone *m = &st->milestones[st->n_milestones++];
		m->commit = get_slot(&r, st->n_commitments);
		m->id = get_ref(&r);
		m->due = get_v32(&r);
		m->first = get_var(&r);
	}
	if ((count = get_count(&r, 8)) && RESERVE(st, indicators, count) != 0)
		return -ENOMEM;
	for (size_t i = 0; i < count && !r.bad; i++) {
		struct facts_indicator *ind = &st->indicators[st->n_indicators++];
		memset(ind, 0, sizeof(*ind));
		ind->id = get_ref(&r);
		ind->code = get_ref(&r);
		ind->commitment = get_ref(&r);
		ind->ascending = get_u8(&r) != 0;
		ind->first = get_var(&r);
		ind->latest = get_var(&r);
		ind->first_pub = get_v32(&r);
		size_t nt = get_count(&r, 9);
		if (nt && !r.bad && !(ind->targets = calloc(nt, sizeof(*ind->targets))))
			return -ENOMEM;
		for (size_t k = 0; k < nt && !r.bad; k++) {
			ind->targets[k].period = get_ref(&r);
			ind->targets[k].value = get_f64(&r);
			ind->n_targets++;
		}
	}
	if ((count = get_count(&r, 10)) && RESERVE(st, changes, count) != 0)
		return -ENOMEM;
	for (size_t i = 0; i < count && !r.bad; i++) {
		struct facts_change *c = &st->changes[st->n_changes++];
		c->index = get_var(&r);
		c->prev = get_idx(&r);
		c->pub = get_v32(&r);
		c->match = get_day(&r);
		c->subject = get_ref(&r);
		c->field = get_ref(&r);
		c->old_value = get_ref(&r);
		c->new_value = get_ref(&r);
		c->subject_kind = get_u8(&r);
		c->cls = get_u8(&r);
	}
	return r.bad || r.p != r.end ? -EBADMSG : 0;
}

uint64_t
facts_codec_member_stored(const uint8_t *p, size_t n)
{
	struct rd r = { p, p + n, false, NULL };
	if (get_u64(&r) != (MEMBER_MAGIC | (uint64_t)FACTS_STORE_FORMAT << 32) || r.bad)
		return 0;
	uint64_t v = get_var(&r);
	return r.bad ? 0 : v;
}

/* ---- an indicator's periods ---- */

int
facts_codec_periods_put(struct buf *b, const struct facts_indicator *ind)
{
	struct wr w;
	if (!wr_begin(b, VAR_MAX + ind->n_periods * (3 * VAR_MAX + 8), &w))
		return b->err;
	put_var(&w, ind->n_periods);
	for (size_t i = 0; i < ind->n_periods; i++) {
		const struct facts_period *p = &ind->periods[i];
		put_var(&w, p->period);
		put_var(&w, p->first_pub);
		put_idx(&w, p->total);
		if (p->total != FACTS_NO_INDEX)
			put_f64(&w, p->value);
	}
	wr_end(b, &w);
	return 0;
}

int
facts_codec_periods_get(const uint8_t *p, size_t n, const struct facts_state *st,
                        struct facts_indicator *ind)
{
	struct rd r = { p, p + n, false, st };
	size_t count = get_count(&r, 3);
	if (r.bad)
		return -EBADMSG;
	if (count && RESERVE(ind, periods, count) != 0)
		return -ENOMEM;
	ind->n_periods = 0;
	for (size_t i = 0; i < count && !r.bad; i++) {
		struct facts_period *q = &ind->periods[ind->n_periods++];
		q->period = get_ref(&r);
		q->first_pub = get_v32(&r);
		q->total = get_idx(&r);
		q->value = q->total != FACTS_NO_INDEX ? get_f64(&r) : 0;
	}
	return r.bad || r.p != r.end ? -EBADMSG : 0;
}

/* ---- snapshots ---- */

int
facts_codec_snap_put(struct buf *b, const struct facts_at *at, facts_day max_pub)
{
	struct wr w;
	size_t max = 6 * VAR_MAX + at->n_progs * (VAR_MAX + 1) + at->n_commits * (6 * VAR_MAX + 2) +
	             at->n_ms * (3 * VAR_MAX + 1) + at->n_inds * (6 * VAR_MAX + 8);
	if (!wr_begin(b, max, &w))
		return b->err;
	put_var(&w, max_pub);
	put_var(&w, at->declared);
	put_var(&w, at->n_progs);
	for (size_t i = 0; i < at->n_progs; i++) {
		put_idx(&w, at->progs[i].index);
		put_u8(&w, at->progs[i].stage);
	}
	put_var(&w, at->n_commits);
	for (size_t i = 0; i < at->n_commits; i++) {
		const struct facts_commit_at *c = &at->commits[i];
		put_idx(&w, c->v_index);
		if (c->v_index != FACTS_NO_INDEX) {
			put_var(&w, c->start);
			put_var(&w, c->prog);
			put_u8(&w, c->principles);
		}
		put_idx(&w, c->s_index);
		if (c->s_index != FACTS_NO_INDEX)
			put_u8(&w, c->completion);
		put_var(&w, c->st_day);
	}
	put_var(&w, at->n_ms);
	for (size_t i = 0; i < at->n_ms; i++) {
		const struct facts_ms_at *m = &at->ms[i];
		put_idx(&w, m->d_index);
		if (m->d_index != FACTS_NO_INDEX)
			put_var(&w, m->due);
		put_idx(&w, m->o_index);
		if (m->o_index != FACTS_NO_INDEX)
			put_u8(&w, m->status);
	}
	put_var(&w, at->n_inds);
	for (size_t i = 0; i < at->n_inds; i++) {
		const struct facts_ind_at *d = &at->inds[i];
		put_idx(&w, d->m_index);
		if (d->m_index != FACTS_NO_INDEX) {
			put_var(&w, d->m_period);
			put_var(&w, d->m_maxpub);
		}
		put_idx(&w, d->t_index);
		if (d->t_index != FACTS_NO_INDEX) {
			put_var(&w, d->t_last);
			put_var(&w, d->t_period);
			put_f64(&w, d->t_value);
		}
	}
	wr_end(b, &w);
	return 0;
}

int
facts_codec_snap_get(const uint8_t *p, size_t n, const struct facts_state *st, struct facts_at *at,
                     facts_day *max_pub)
{
	struct rd r = { p, p + n, false, st };
	size_t count;

	*max_pub = get_v32(&r);
	at->declared = get_v32(&r);
	count = get_count(&r, 2);
	if (count > at->n_progs)
		return -EBADMSG;
	for (size_t i = 0; i < count && !r.bad; i++) {
		at->progs[i].index = get_idx(&r);
		at->progs[i].stage = get_u8(&r);
	}
	count = get_count(&r, 3);
	if (count > at->n_commits)
		return -EBADMSG;
	for (size_t i = 0; i < count && !r.bad; i++) {
		struct facts_commit_at *c = &at->commits[i];
		if ((c->v_index = get_idx(&r)) != FACTS_NO_INDEX) {
			c->start = get_v32(&r);
			c->prog = get_ref(&r);
			c->principles = get_u8(&r);
		}
		if ((c->s_index = get_idx(&r)) != FACTS_NO_INDEX)
			c->completion = get_u8(&r);
		c->st_day = get_v32(&r);
	}
	count = get_count(&r, 2);
	if (count > at->n_ms)
		return -EBADMSG;
	for (size_t i = 0; i < count && !r.bad; i++) {
		struct facts_ms_at *m = &at->ms[i];
		if ((m->d_index = get_idx(&r)) != FACTS_NO_INDEX)
			m->due = get_v32(&r);
		if ((m->o_index = get_idx(&r)) != FACTS_NO_INDEX)
			m->status = get_u8(&r);
	}
	count = get_count(&r, 2);
	if (count > at->n_inds)
		return -EBADMSG;
	for (size_t i = 0; i < count && !r.bad; i++) {
		struct facts_ind_at *d = &at->inds[i];
		if ((d->m_index = get_idx(&r)) != FACTS_NO_INDEX) {
			d->m_period = get_ref(&r);
			d->m_maxpub = get_v32(&r);
		}
		if ((d->t_index = get_idx(&r)) != FACTS_NO_INDEX) {
			d->t_last = get_v32(&r);
			d->t_period = get_ref(&r);
			d->t_value = get_f64(&r);
		}
	}
	return r.bad || r.p != r.end ? -EBADMSG : 0;
}

/* ---- events ---- */

#define CHUNK_HEAD 12 /* the first event's index (u64) and day (u32), little-endian */

void
facts_codec_chunk_start(struct buf *b, const struct facts_event *first)
{
	struct wr w;
	if (!wr_begin(b, CHUNK_HEAD, &w))
		return;
	put_u64(&w, first->index);
	for (int i = 0; i < 4; i++)
		put_u8(&w, (uint8_t)(first->pub >> (8 * i)));
	wr_end(b, &w);
}

static uint64_t
chunk_index(const uint8_t *chunk)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)chunk[i] << (8 * i);
	return v;
}

static facts_day
chunk_day(const uint8_t *chunk)
{
	return (facts_day)chunk[8] | (facts_day)chunk[9] << 8 | (facts_day)chunk[10] << 16 |
	       (facts_day)chunk[11] << 24;
}

void
facts_codec_event_put(struct buf *b, const uint8_t *chunk, const struct facts_event *e)
{
	struct wr w;
	if (!wr_begin(b, 1 + 6 * VAR_MAX + 8, &w))
		return;
	put_u8(&w, e->kind);
	put_var(&w, e->slot);
	put_var(&w, e->index - chunk_index(chunk));
	put_var(&w, zigzag((int64_t)e->pub - (int64_t)chunk_day(chunk)));
	switch (e->kind) {
	case FACTS_EV_PROG:
	case FACTS_EV_OUTCOME:
		put_u8(&w, e->small);
		break;
	case FACTS_EV_COMMIT:
		put_var(&w, e->day);
		put_u8(&w, e->small);
		put_var(&w, e->ref);
		break;
	case FACTS_EV_STATUS:
		put_u8(&w, e->small);
		put_var(&w, e->day);
		break;
	case FACTS_EV_DUE:
		put_var(&w, e->day);
		break;
	case FACTS_EV_MEAS:
		put_var(&w, e->ref);
		put_u8(&w, e->dims);
		put_var(&w, e->day);
		put_f64(&w, e->value);
		break;
	default:
		break;
	}
	wr_end(b, &w);
}

int
facts_codec_chunk_each(const uint8_t *p, size_t n, const struct facts_state *st,
                       int (*fn)(const struct facts_event *e, void *arg), void *arg)
{
	struct rd r = { p + CHUNK_HEAD, p + n, false, st };
	if (n < CHUNK_HEAD)
		return -EBADMSG;
	uint64_t base = chunk_index(p);
	int64_t day = chunk_day(p);
	while (r.p < r.end && !r.bad) {
		struct facts_event e = { 0 };
		e.kind = get_u8(&r);
		e.slot = get_v32(&r);
		e.index = base + get_var(&r);
		uint64_t z = get_var(&r);
		int64_t pub = day + (int64_t)(z >> 1 ^ -(z & 1));
		if (pub < 0 || pub > UINT32_MAX)
			return -EBADMSG;
		e.pub = (facts_day)pub;
		switch (e.kind) {
		case FACTS_EV_PROG:
		case FACTS_EV_OUTCOME:
			e.small = get_u8(&r);
			if (e.kind == FACTS_EV_PROG ? e.slot >= st->n_programmes
			                            : e.slot >= st->n_milestones)
				r.bad = true;
			break;
		case FACTS_EV_COMMIT:
			e.day = get_v32(&r);
			e.small = get_u8(&r);
			e.ref = get_ref(&r);
			r.bad |= e.slot >= st->n_commitments;
			break;
		case FACTS_EV_STATUS:
			e.small = get_u8(&r);
			e.day = get_v32(&r);
			r.bad |= e.slot >= st->n_commitments;
			break;
		case FACTS_EV_DUE:
			e.day = get_v32(&r);
			r.bad |= e.slot >= st->n_milestones;
			break;
		case FACTS_EV_MEAS:
			e.ref = get_ref(&r);
			e.dims = get_u8(&r) != 0;
			e.day = get_v32(&r);
			e.value = get_f64(&r);
			r.bad |= e.slot >= st->n_indicators;
			break;
		case FACTS_EV_DECLARED:
			break;
		default:
			r.bad = true;
		}
		if (r.bad)
			break;
		int rc = fn(&e, arg);
		if (rc != 0)
			return rc;
	}
	return r.bad ? -EBADMSG : 0;
}

/* ---- amendments ---- */

int
facts_codec_amend_put(struct buf *b, const struct facts_change *a)
{
	struct wr w;
	if (!wr_begin(b, 5 * VAR_MAX + 2, &w))
		return b->err;
	put_var(&w, a->pub);
	put_var(&w, a->subject);
	put_var(&w, a->field);
	put_var(&w, a->old_value);
	put_var(&w, a->new_value);
	put_u8(&w, a->subject_kind);
	put_u8(&w, a->cls);
	wr_end(b, &w);
	return 0;
}

int
facts_codec_amend_get(const uint8_t *p, size_t n, uint64_t index, const struct facts_state *st,
                      struct facts_change *a)
{
	struct rd r = { p, p + n, false, st };
	memset(a, 0, sizeof(*a));
	a->index = index;
	a->prev = FACTS_NO_INDEX;
	a->match = FACTS_NEVER;
	a->pub = get_v32(&r);
	a->subject = get_ref(&r);
	a->field = get_ref(&r);
	a->old_value = get_ref(&r);
	a->new_value = get_ref(&r);
	a->subject_kind = get_u8(&r);
	a->cls = get_u8(&r);
	return r.bad || r.p != r.end ? -EBADMSG : 0;
}
