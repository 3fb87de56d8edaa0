/*
 * facts_fold — one entry of a member's log into the member's facts: programmes, commitments and
 * their versions, status and milestone updates, indicators, measurements, amendments and the
 * changes they declare. Each entry is decoded once into the arena and appended as small
 * records; ids are interned and looked up in the member's map. Part of the facts module
 * (facts.h is the contract, facts_impl.h what its files share).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvimport.h"
#include "facts.h"
#include "facts_impl.h"

#define FIELD_MAX 512 /* "milestones[<id>].dueDate", "targets[<period>]" */

/* ---- the fold ---- */


/* Interns s; false (and rc set) when out of memory. */
static bool
str_id(struct facts_fold *x, const char *s, facts_str *out)
{
	*out = facts_intern(x->f->strings, s);
	if (*out == FACTS_NO_SLOT) {
		x->rc = -ENOMEM;
		return false;
	}
	return true;
}

/* The slot of (kind, key), creating it with create() when new. */
static uint32_t
object(struct facts_fold *x, uint64_t key, size_t count, bool *fresh)
{
	uint32_t slot = facts_map_get(x->m->map, key);
	*fresh = slot == FACTS_NO_SLOT;
	if (!*fresh)
		return slot;
	if (count >= ID_MAX || facts_map_put(&x->m->map, key, (uint32_t)count) != 0) {
		x->rc = -ENOMEM;
		return FACTS_NO_SLOT;
	}
	return (uint32_t)count;
}

static void
date_str(facts_day d, char out[11])
{
	facts_day_format(d, out);
}

/* Records a change or an amendment. */
static void
add_change(struct facts_fold *x, bool amendment, uint64_t prev, facts_day day, int subject_kind,
           const char *subject, const char *field, const char *old_value, const char *new_value,
           int cls)
{
	struct facts_change *c = amendment ? GROW(x->m, amends) : GROW(x->m, changes);
	if (!c) {
		x->rc = -ENOMEM;
		return;
	}
	c->index = x->index;
	c->prev = prev;
	c->pub = x->pub;
	c->day = day ? day : x->pub;
	c->subject_kind = (uint8_t)subject_kind;
	c->cls = (uint8_t)cls;
	if (!str_id(x, subject, &c->subject) || !str_id(x, field, &c->field) ||
	    !str_id(x, old_value, &c->old_value) || !str_id(x, new_value, &c->new_value))
		return;
}

static void
fold_programme(struct facts_fold *x, const Remacto__V1__Programme *p)
{
	facts_str id;
	bool fresh;
	if (!p->id || !*p->id || !str_id(x, p->id, &id))
		return;
	uint32_t slot = object(x, key1(K_PROG, id), x->m->n_programmes, &fresh);
	if (slot == FACTS_NO_SLOT)
		return;
	if (fresh) {
		struct facts_programme *o = GROW(x->m, programmes);
		if (!o) {
			x->rc = -ENOMEM;
			return;
		}
		o->id = id;
	}
	struct facts_prog_v *v = GROW(x->m, progs);
	if (!v) {
		x->rc = -ENOMEM;
		return;
	}
	v->index = x->index, v->pub = x->pub, v->prog = slot;
	v->stage = (uint8_t)(p->stage >= 0 && p->stage < 256 ? p->stage : 0);
}

/* A milestone's slot under commitment slot c, created when asked. */
static uint32_t
milestone_slot(struct facts_fold *x, uint32_t c, const char *id, bool create)
{
	facts_str mid = create ? facts_intern(x->f->strings, id) : facts_string_find(x->f, id);
	bool fresh;
	if (mid == FACTS_NO_SLOT) {
		x->rc = -ENOMEM;
		return FACTS_NO_SLOT;
	}
	if (mid == 0)
		return FACTS_NO_SLOT;
	if (!create)
		return facts_map_get(x->m->map, key2(K_MS, c, mid));
	uint32_t slot = object(x, key2(K_MS, c, mid), x->m->n_milestones, &fresh);
	if (slot != FACTS_NO_SLOT && fresh) {
		struct facts_milestone *o = GROW(x->m, milestones);
		if (!o) {
			x->rc = -ENOMEM;
			return FACTS_NO_SLOT;
		}
		o->commit = c, o->id = mid;
	}
	return slot;
}

static void
set_due(struct facts_fold *x, uint32_t ms, facts_day due)
{
	struct facts_due *d = GROW(x->m, dues);
	if (!d) {
		x->rc = -ENOMEM;
		return;
	}
	d->index = x->index, d->pub = x->pub, d->due = due, d->milestone = ms;
	x->m->milestones[ms].due = due;
}

static void
fold_commitment(struct facts_fold *x, const Remacto__V1__Commitment *c)
{
	facts_str id, prog;
	bool fresh;
	char a[11], b[11], field[FIELD_MAX];
	if (!c->id || !*c->id || !str_id(x, c->id, &id) || !str_id(x, c->programme_id, &prog))
		return;
	uint32_t slot = object(x, key1(K_COMMIT, id), x->m->n_commitments, &fresh);
	if (slot == FACTS_NO_SLOT)
		return;
	if (fresh) {
		struct facts_commitment *o = GROW(x->m, commitments);
		if (!o) {
			x->rc = -ENOMEM;
			return;
		}
		o->id = id, o->first = x->index, o->first_pub = x->pub;
	}
	struct facts_commitment *o = &x->m->commitments[slot];
	facts_day start = facts_day_parse(c->start_date), end = facts_day_parse(c->end_date);
	if (o->versioned && o->end && end > o->end) {
		date_str(o->end, a), date_str(end, b);
		add_change(x, false, o->latest, 0, REMACTO__V1__SUBJECT__SUBJECT_COMMITMENT, c->id,
		           "endDate", a, b, FACTS_DATE_LATER);
	}
	if (end)
		o->end = end;
	for (size_t i = 0; i < c->n_milestones && x->rc == 0; i++) {
		const Remacto__V1__Milestone *ms = c->milestones[i];
		if (!ms->id || !*ms->id || strlen(ms->id) > FIELD_MAX - 24)
			continue;
		uint32_t s = milestone_slot(x, slot, ms->id, true);
		facts_day due = facts_day_parse(ms->due_date);
		if (s == FACTS_NO_SLOT || !due)
			continue;
		facts_day cur = x->m->milestones[s].due;
		if (cur && due > cur && o->versioned) {
			date_str(cur, a), date_str(due, b);
			snprintf(field, sizeof(field), "milestones[%s].dueDate", ms->id);
			add_change(x, false, o->latest, 0, REMACTO__V1__SUBJECT__SUBJECT_COMMITMENT,
			           c->id, field, a, b, FACTS_DATE_LATER);
		}
		if (due != cur)
			set_due(x, s, due);
	}
	struct facts_commit_v *v = GROW(x->m, commits);
	if (!v) {
		x->rc = -ENOMEM;
		return;
	}
	o = &x->m->commitments[slot];
	o->versioned = true;
	o->latest = x->index;
	v->index = x->index, v->pub = x->pub, v->start = start, v->end = end;
	v->commit = slot, v->prog = prog;
	for (size_t i = 0; i < c->n_principles; i++)
		if (c->principles[i] > 0 && c->principles[i] < 8)
			v->principles |= (uint8_t)(1u << c->principles[i]);
}

static uint32_t
commitment_of(struct facts_fold *x, const char *id)
{
	return facts_commitment_slot(x->m, facts_string_find(x->f, id));
}

static void
fold_status(struct facts_fold *x, const Remacto__V1__StatusUpdate *u)
{
	uint32_t c = commitment_of(x, u->commitment_id);
	if (c == FACTS_NO_SLOT)
		return;
	struct facts_status *st = GROW(x->m, statuses);
	if (!st) {
		x->rc = -ENOMEM;
		return;
	}
	facts_day d = facts_day_parse(u->date);
	st->index = x->index, st->pub = x->pub, st->day = d ? d : x->pub, st->commit = c;
	st->completion = (uint8_t)(u->completion >= 0 && u->completion < 256 ? u->completion : 0);
}

static void
fold_milestone_update(struct facts_fold *x, const Remacto__V1__MilestoneUpdate *u)
{
	uint32_t c = commitment_of(x, u->commitment_id), ms;
	if (c == FACTS_NO_SLOT ||
	    (ms = milestone_slot(x, c, u->milestone_id, false)) == FACTS_NO_SLOT)
		return;
	struct facts_outcome *o = GROW(x->m, outcomes);
	if (!o) {
		x->rc = -ENOMEM;
		return;
	}
	facts_day d = facts_day_parse(u->date);
	o->index = x->index, o->pub = x->pub, o->day = d ? d : x->pub, o->milestone = ms;
	o->status = (uint8_t)(u->status >= 0 && u->status < 256 ? u->status : 0);
}

static bool
less_ambitious(bool ascending, double old_value, double new_value)
{
	return ascending ? new_value < old_value : new_value > old_value;
}

static void
fold_indicator(struct facts_fold *x, const Remacto__V1__Indicator *ind)
{
	facts_str id, code, commitment;
	bool fresh;
	char a[40], b[40], field[FIELD_MAX];
	if (!ind->id || !*ind->id || !str_id(x, ind->id, &id) ||
	    !str_id(x, ind->catalog_code, &code) || !str_id(x, ind->commitment_id, &commitment))
		return;
	uint32_t slot = object(x, key1(K_IND, id), x->m->n_indicators, &fresh);
	if (slot == FACTS_NO_SLOT)
		return;
	if (fresh) {
		struct facts_indicator *o = GROW(x->m, indicators);
		if (!o) {
			x->rc = -ENOMEM;
			return;
		}
		o->id = id, o->first = x->index, o->first_pub = x->pub;
	}
	struct facts_target *t = ind->n_targets ? calloc(ind->n_targets, sizeof(*t)) : NULL;
	if (ind->n_targets && !t) {
		x->rc = -ENOMEM;
		return;
	}
	struct facts_indicator *o = &x->m->indicators[slot];
	size_t nt = 0;
	for (size_t i = 0; i < ind->n_targets && x->rc == 0; i++) {
		const Remacto__V1__Target *tg = ind->targets[i];
		facts_str p;
		if (!tg->period || !*tg->period || !str_id(x, tg->period, &p))
			continue;
		for (size_t j = 0; !fresh && j < o->n_targets; j++) {
			if (o->targets[j].period != p ||
			    !less_ambitious(ind->ascending, o->targets[j].value, tg->value) ||
			    strlen(tg->period) > FIELD_MAX - 16)
				continue;
			csvimport_number(o->targets[j].value, a, sizeof(a));
			csvimport_number(tg->value, b, sizeof(b));
			snprintf(field, sizeof(field), "targets[%s]", tg->period);
			add_change(x, false, o->latest, 0, REMACTO__V1__SUBJECT__SUBJECT_INDICATOR,
			           ind->id, field, a, b, FACTS_TARGET_LOWER);
			o = &x->m->indicators[slot];
		}
		t[nt].period = p, t[nt].value = tg->value;
		nt++;
	}
	o = &x->m->indicators[slot];
	free(o->targets);
	o->targets = t, o->n_targets = nt;
	o->code = code, o->commitment = commitment, o->ascending = ind->ascending;
	o->latest = x->index;
}

static void
fold_measurement(struct facts_fold *x, const Remacto__V1__Measurement *mm)
{
	uint32_t ind = facts_indicator_slot(x->m, facts_string_find(x->f, mm->indicator_id));
	facts_str period;
	if (ind == FACTS_NO_SLOT || !str_id(x, mm->period, &period))
		return;
	struct facts_indicator *o = &x->m->indicators[ind];
	struct facts_imeas *pos = x->m->n_meas < ID_MAX ? GROW(o, meas) : NULL;
	struct facts_meas *v = pos ? GROW(x->m, meas) : NULL;
	if (!v) {
		if (pos)
			o->n_meas--;
		x->rc = -ENOMEM;
		return;
	}
	pos->pos = (uint32_t)(x->m->n_meas - 1) | (mm->n_dimensions > 0 ? FACTS_DIMS : 0);
	pos->period = period;
	v->index = x->index, v->pub = x->pub, v->indicator = ind, v->period = period;
	v->value = mm->value, v->dims = mm->n_dimensions > 0;
}

/* "milestones[M2].dueDate" → "M2" in out; false for any other field. */
static bool
milestone_field(const char *field, char *out, size_t cap)
{
	static const char pre[] = "milestones[", post[] = "].dueDate";
	size_t n = strlen(field), pl = sizeof(pre) - 1, sl = sizeof(post) - 1;
	if (n <= pl + sl || strncmp(field, pre, pl) != 0 || strcmp(field + n - sl, post) != 0 ||
	    n - pl - sl >= cap)
		return false;
	memcpy(out, field + pl, n - pl - sl);
	out[n - pl - sl] = '\0';
	return true;
}

/* "targets[2026]" → "2026". */
static bool
target_field(const char *field, char *out, size_t cap)
{
	size_t n = strlen(field);
	if (n <= 9 || strncmp(field, "targets[", 8) != 0 || field[n - 1] != ']' || n - 9 >= cap)
		return false;
	memcpy(out, field + 8, n - 9);
	out[n - 9] = '\0';
	return true;
}

static bool
number(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return false;
	*out = strtod(s, &end);
	return *end == '\0';
}

static facts_day
exact_date(const char *s)
{
	return s && strlen(s) == 10 ? facts_day_parse(s) : 0;
}

static void
fold_amendment(struct facts_fold *x, const Remacto__V1__Amendment *am)
{
	const char *field = am->field ? am->field : "";
	facts_day od = exact_date(am->old_value), nd = exact_date(am->new_value);
	double ov, nv;
	char part[FIELD_MAX];
	int cls = FACTS_OTHER;
	bool subject_commitment = am->subject == REMACTO__V1__SUBJECT__SUBJECT_COMMITMENT ||
	                          am->subject == REMACTO__V1__SUBJECT__SUBJECT_MILESTONE;
	uint32_t ind = am->subject == REMACTO__V1__SUBJECT__SUBJECT_INDICATOR
	                       ? facts_indicator_slot(x->m, facts_string_find(x->f, am->subject_id))
	                       : FACTS_NO_SLOT;

	if (od && nd && nd > od) {
		cls = FACTS_DATE_LATER;
	} else if (target_field(field, part, sizeof(part)) && number(am->old_value, &ov) &&
	           number(am->new_value, &nv) &&
	           less_ambitious(ind == FACTS_NO_SLOT || x->m->indicators[ind].ascending, ov,
	                          nv)) {
		cls = FACTS_TARGET_LOWER;
	}
	add_change(x, true, FACTS_NO_INDEX, facts_day_parse(am->date), am->subject, am->subject_id,
	           field, am->old_value, am->new_value, cls);
	if (x->rc != 0)
		return;

	/* The amendment is the new state: later versions that carry it are no change. */
	if (subject_commitment && nd) {
		uint32_t c = commitment_of(x, am->subject_id);
		if (c == FACTS_NO_SLOT)
			return;
		if (!strcmp(field, "endDate")) {
			x->m->commitments[c].end = nd;
		} else if (milestone_field(field, part, sizeof(part))) {
			uint32_t ms = milestone_slot(x, c, part, false);
			if (ms != FACTS_NO_SLOT)
				set_due(x, ms, nd);
		}
	} else if (ind != FACTS_NO_SLOT && target_field(field, part, sizeof(part)) &&
	           number(am->new_value, &nv)) {
		struct facts_indicator *o = &x->m->indicators[ind];
		facts_str p = facts_string_find(x->f, part);
		for (size_t j = 0; p && j < o->n_targets; j++)
			if (o->targets[j].period == p)
				o->targets[j].value = nv;
	}
}

int
facts_fold_entry(uint64_t index, const uint8_t *data, size_t len, void *arg)
{
	struct facts_fold *x = arg;
	struct facts_arena *a = x->f->arena;
	Remacto__V1__Entry *e;

	a->used = 0;
	/* Entries that do not decode are log leaves all the same; there is nothing to fold. */
	if (!(e = remacto__v1__entry__unpack(&a->pa, len, data)))
		return 0;
	x->index = index;
	x->pub = facts_day_parse(e->published);
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_PROGRAMME:
		fold_programme(x, e->programme);
		break;
	case REMACTO__V1__ENTRY__KIND_COMMITMENT:
		fold_commitment(x, e->commitment);
		break;
	case REMACTO__V1__ENTRY__KIND_STATUS_UPDATE:
		fold_status(x, e->status_update);
		break;
	case REMACTO__V1__ENTRY__KIND_MILESTONE_UPDATE:
		fold_milestone_update(x, e->milestone_update);
		break;
	case REMACTO__V1__ENTRY__KIND_INDICATOR:
		fold_indicator(x, e->indicator);
		break;
	case REMACTO__V1__ENTRY__KIND_MEASUREMENT:
		fold_measurement(x, e->measurement);
		break;
	case REMACTO__V1__ENTRY__KIND_AMENDMENT:
		fold_amendment(x, e->amendment);
		break;
	default:
		break;
	}
	remacto__v1__entry__free_unpacked(e, &a->pa);
	x->f->folded++;
	return x->rc;
}
