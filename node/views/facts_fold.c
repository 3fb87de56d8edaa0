/*
 * facts_fold — one entry of a member's log into the member's state (facts.h): its objects
 * (programmes, commitments, milestones, indicators and their periods, the changes new versions
 * made by themselves) and the events the entry adds to their states as of a day (a version, a
 * status or milestone update, a due date set, a measurement, a declared downgrade), with the
 * amendments. The store's hook (facts_store.c) persists what it folds; readers (facts.c) keep
 * what they fold of a tail in memory: both run this code, so they cannot disagree. Each entry
 * is decoded once into the arena; ids are interned and looked up in the member's map. Part of
 * the facts module (facts.h is the contract, facts_impl.h what its files share).
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
	*out = facts_intern(x->strings, s);
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
	uint32_t slot = facts_map_get(x->st->map, key);
	*fresh = slot == FACTS_NO_SLOT;
	if (!*fresh)
		return slot;
	if (count >= ID_MAX || facts_map_put(&x->st->map, key, (uint32_t)count) != 0) {
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

/* A new event of the entry on slot: NULL (and rc set) when out of memory. */
static struct facts_event *
event(struct facts_fold *x, enum facts_event_kind kind, uint32_t slot)
{
	struct facts_event *e = GROW(x->st, events);
	if (!e) {
		x->rc = -ENOMEM;
		return NULL;
	}
	e->index = x->index, e->pub = x->pub, e->kind = (uint8_t)kind, e->slot = slot;
	return e;
}

/* Does amendment a declare change c? */
static bool
declares(const struct facts_fold *x, const struct facts_change *a, const struct facts_change *c)
{
	return a->subject == c->subject && a->field == c->field &&
	       facts_same_value(facts_strings_get(x->strings, a->new_value),
	                        facts_strings_get(x->strings, c->new_value));
}

/* Records a change a new version made by itself, with the earliest amendment declaring it
 * (among the store's and those folded with it). */
static void
add_change(struct facts_fold *x, uint64_t prev, int subject_kind, const char *subject,
           const char *field, const char *old_value, const char *new_value, int cls)
{
	struct facts_change *c = GROW(x->st, changes);
	if (!c) {
		x->rc = -ENOMEM;
		return;
	}
	c->index = x->index;
	c->prev = prev;
	c->pub = x->pub;
	c->match = FACTS_NEVER;
	c->subject_kind = (uint8_t)subject_kind;
	c->cls = (uint8_t)cls;
	if (!str_id(x, subject, &c->subject) || !str_id(x, field, &c->field) ||
	    !str_id(x, old_value, &c->old_value) || !str_id(x, new_value, &c->new_value))
		return;
	for (size_t i = 0; i < x->st->n_amends; i++)
		if (x->st->amends[i].pub < c->match && declares(x, &x->st->amends[i], c))
			c->match = x->st->amends[i].pub;
	if (x->stored_match && (x->rc = x->stored_match(x->arg, c, &c->match)) != 0)
		return;
}

static void
fold_programme(struct facts_fold *x, const Remacto__V1__Programme *p)
{
	facts_str id;
	bool fresh;
	if (!p->id || !*p->id || !str_id(x, p->id, &id))
		return;
	uint32_t slot = object(x, key1(K_PROG, id), x->st->n_programmes, &fresh);
	if (slot == FACTS_NO_SLOT)
		return;
	if (fresh) {
		struct facts_programme *o = GROW(x->st, programmes);
		if (!o) {
			x->rc = -ENOMEM;
			return;
		}
		o->id = id;
	}
	struct facts_event *v = event(x, FACTS_EV_PROG, slot);
	if (v)
		v->small = (uint8_t)(p->stage >= 0 && p->stage < 256 ? p->stage : 0);
}

/* A milestone's slot under commitment slot c, created when asked. */
static uint32_t
milestone_slot(struct facts_fold *x, uint32_t c, const char *id, bool create)
{
	facts_str mid = create ? facts_intern(x->strings, id) : facts_strings_find(x->strings, id);
	bool fresh;
	if (mid == FACTS_NO_SLOT) {
		x->rc = -ENOMEM;
		return FACTS_NO_SLOT;
	}
	if (mid == 0)
		return FACTS_NO_SLOT;
	if (!create)
		return facts_map_get(x->st->map, key2(K_MS, c, mid));
	uint32_t slot = object(x, key2(K_MS, c, mid), x->st->n_milestones, &fresh);
	if (slot != FACTS_NO_SLOT && fresh) {
		struct facts_milestone *o = GROW(x->st, milestones);
		if (!o) {
			x->rc = -ENOMEM;
			return FACTS_NO_SLOT;
		}
		o->commit = c, o->id = mid, o->first = x->index;
	}
	return slot;
}

static void
set_due(struct facts_fold *x, uint32_t ms, facts_day due)
{
	struct facts_event *d = event(x, FACTS_EV_DUE, ms);
	if (!d)
		return;
	d->day = due;
	x->st->milestones[ms].due = due;
}

static void
fold_commitment(struct facts_fold *x, const Remacto__V1__Commitment *c)
{
	facts_str id, prog;
	bool fresh;
	char a[11], b[11], field[FIELD_MAX];
	if (!c->id || !*c->id || !str_id(x, c->id, &id) || !str_id(x, c->programme_id, &prog))
		return;
	uint32_t slot = object(x, key1(K_COMMIT, id), x->st->n_commitments, &fresh);
	if (slot == FACTS_NO_SLOT)
		return;
	if (fresh) {
		struct facts_commitment *o = GROW(x->st, commitments);
		if (!o) {
			x->rc = -ENOMEM;
			return;
		}
		o->id = id, o->first = x->index, o->minpub = x->pub;
	}
	struct facts_commitment *o = &x->st->commitments[slot];
	facts_day start = facts_day_parse(c->start_date), end = facts_day_parse(c->end_date);
	if (o->versioned && o->end && end > o->end) {
		date_str(o->end, a), date_str(end, b);
		add_change(x, o->latest, REMACTO__V1__SUBJECT__SUBJECT_COMMITMENT, c->id, "endDate",
		           a, b, FACTS_DATE_LATER);
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
		facts_day cur = x->st->milestones[s].due;
		if (cur && due > cur && o->versioned) {
			date_str(cur, a), date_str(due, b);
			snprintf(field, sizeof(field), "milestones[%s].dueDate", ms->id);
			add_change(x, o->latest, REMACTO__V1__SUBJECT__SUBJECT_COMMITMENT, c->id,
			           field, a, b, FACTS_DATE_LATER);
		}
		if (due != cur)
			set_due(x, s, due);
	}
	if (x->rc != 0)
		return;
	struct facts_event *v = event(x, FACTS_EV_COMMIT, slot);
	if (!v)
		return;
	o = &x->st->commitments[slot];
	o->versioned = true;
	o->latest = x->index;
	if (x->pub < o->minpub)
		o->minpub = x->pub;
	v->day = start, v->ref = prog;
	for (size_t i = 0; i < c->n_principles; i++)
		if (c->principles[i] > 0 && c->principles[i] < 8)
			v->small |= (uint8_t)(1u << c->principles[i]);
}

static uint32_t
commitment_of(struct facts_fold *x, const char *id)
{
	return facts_commitment_slot(x->st, facts_strings_find(x->strings, id));
}

static void
fold_status(struct facts_fold *x, const Remacto__V1__StatusUpdate *u)
{
	uint32_t c = commitment_of(x, u->commitment_id);
	if (c == FACTS_NO_SLOT)
		return;
	struct facts_event *st = event(x, FACTS_EV_STATUS, c);
	if (!st)
		return;
	facts_day d = facts_day_parse(u->date);
	st->day = d ? d : x->pub;
	st->small = (uint8_t)(u->completion >= 0 && u->completion < 256 ? u->completion : 0);
}

static void
fold_milestone_update(struct facts_fold *x, const Remacto__V1__MilestoneUpdate *u)
{
	uint32_t c = commitment_of(x, u->commitment_id), ms;
	if (c == FACTS_NO_SLOT ||
	    (ms = milestone_slot(x, c, u->milestone_id, false)) == FACTS_NO_SLOT)
		return;
	struct facts_event *o = event(x, FACTS_EV_OUTCOME, ms);
	if (o)
		o->small = (uint8_t)(u->status >= 0 && u->status < 256 ? u->status : 0);
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
	uint32_t slot = object(x, key1(K_IND, id), x->st->n_indicators, &fresh);
	if (slot == FACTS_NO_SLOT)
		return;
	if (fresh) {
		struct facts_indicator *o = GROW(x->st, indicators);
		if (!o) {
			x->rc = -ENOMEM;
			return;
		}
		o->id = id, o->first = x->index, o->first_pub = x->pub;
		if (x->touch_periods && (x->rc = x->touch_periods(x->arg, slot)) != 0)
			return;
	}
	struct facts_target *t = ind->n_targets ? calloc(ind->n_targets, sizeof(*t)) : NULL;
	if (ind->n_targets && !t) {
		x->rc = -ENOMEM;
		return;
	}
	struct facts_indicator *o = &x->st->indicators[slot];
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
			add_change(x, o->latest, REMACTO__V1__SUBJECT__SUBJECT_INDICATOR, ind->id,
			           field, a, b, FACTS_TARGET_LOWER);
			o = &x->st->indicators[slot];
		}
		t[nt].period = p, t[nt].value = tg->value;
		nt++;
	}
	o = &x->st->indicators[slot];
	free(o->targets);
	o->targets = t, o->n_targets = nt;
	o->code = code, o->commitment = commitment, o->ascending = ind->ascending;
	o->latest = x->index;
}

static void
fold_measurement(struct facts_fold *x, const Remacto__V1__Measurement *mm)
{
	uint32_t ind = facts_indicator_slot(x->st,
	                                    facts_strings_find(x->strings, mm->indicator_id));
	facts_str period;
	facts_day first, last;
	char g;
	if (ind == FACTS_NO_SLOT || !str_id(x, mm->period, &period))
		return;
	if (x->touch_periods && (x->rc = x->touch_periods(x->arg, ind)) != 0)
		return;
	struct facts_indicator *o = &x->st->indicators[ind];
	uint32_t k = facts_period_slot(x->st, ind, period);
	bool dims = mm->n_dimensions > 0;
	if (period && k == FACTS_NO_SLOT) {
		struct facts_period *p = o->n_periods < ID_MAX ? GROW(o, periods) : NULL;
		if (!p || facts_map_put(&x->st->map, key2(K_PERIOD, ind, period),
		                        (uint32_t)(o->n_periods - 1)) != 0) {
			if (p)
				o->n_periods--;
			x->rc = -ENOMEM;
			return;
		}
		k = (uint32_t)(o->n_periods - 1);
		p->period = period, p->first_pub = x->pub, p->total = FACTS_NO_INDEX;
	}
	if (k != FACTS_NO_SLOT) {
		struct facts_period *p = &o->periods[k];
		if (x->pub < p->first_pub)
			p->first_pub = x->pub;
		if (!dims)
			p->total = x->index, p->value = mm->value;
	}
	struct facts_event *v = event(x, FACTS_EV_MEAS, ind);
	if (!v)
		return;
	v->ref = period, v->value = mm->value, v->dims = dims;
	v->day = facts_period_parse(mm->period, &first, &last, &g) ? last : 0;
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

/* Records amendment am (classified cls) and the changes it declares. */
static void
add_amend(struct facts_fold *x, const Remacto__V1__Amendment *am, const char *field, int cls)
{
	struct facts_change *a = GROW(x->st, amends);
	if (!a) {
		x->rc = -ENOMEM;
		return;
	}
	a->index = x->index;
	a->prev = FACTS_NO_INDEX;
	a->pub = x->pub;
	a->match = FACTS_NEVER;
	a->subject_kind = (uint8_t)am->subject;
	a->cls = (uint8_t)cls;
	if (!str_id(x, am->subject_id, &a->subject) || !str_id(x, field, &a->field) ||
	    !str_id(x, am->old_value, &a->old_value) || !str_id(x, am->new_value, &a->new_value))
		return;
	for (size_t i = 0; i < x->st->n_changes; i++) {
		struct facts_change *c = &x->st->changes[i];
		if (x->pub < c->match && declares(x, a, c))
			c->match = x->pub;
	}
	if (cls != FACTS_OTHER)
		event(x, FACTS_EV_DECLARED, 0);
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
	                       ? facts_indicator_slot(
	                                 x->st, facts_strings_find(x->strings, am->subject_id))
	                       : FACTS_NO_SLOT;

	if (od && nd && nd > od) {
		cls = FACTS_DATE_LATER;
	} else if (target_field(field, part, sizeof(part)) && number(am->old_value, &ov) &&
	           number(am->new_value, &nv) &&
	           less_ambitious(ind == FACTS_NO_SLOT || x->st->indicators[ind].ascending, ov,
	                          nv)) {
		cls = FACTS_TARGET_LOWER;
	}
	add_amend(x, am, field, cls);
	if (x->rc != 0)
		return;

	/* The amendment is the new state: later versions that carry it are no change. */
	if (subject_commitment && nd) {
		uint32_t c = commitment_of(x, am->subject_id);
		if (c == FACTS_NO_SLOT)
			return;
		if (!strcmp(field, "endDate")) {
			x->st->commitments[c].end = nd;
		} else if (milestone_field(field, part, sizeof(part))) {
			uint32_t ms = milestone_slot(x, c, part, false);
			if (ms != FACTS_NO_SLOT)
				set_due(x, ms, nd);
		}
	} else if (ind != FACTS_NO_SLOT && target_field(field, part, sizeof(part)) &&
	           number(am->new_value, &nv)) {
		struct facts_indicator *o = &x->st->indicators[ind];
		facts_str p = facts_strings_find(x->strings, part);
		for (size_t j = 0; p && j < o->n_targets; j++)
			if (o->targets[j].period == p)
				o->targets[j].value = nv;
	}
}

int
facts_fold_decoded(struct facts_fold *x, uint64_t index, const Remacto__V1__Entry *e)
{
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
	x->folded++;
	return x->rc;
}

int
facts_fold_entry(uint64_t index, const uint8_t *data, size_t len, void *arg)
{
	struct facts_fold *x = arg;
	struct facts_arena *a = x->arena;
	Remacto__V1__Entry *e;

	a->used = 0;
	/* Entries that do not decode are log leaves all the same; there is nothing to fold. */
	if (!(e = remacto__v1__entry__unpack(&a->pa, len, data))) {
		x->folded++;
		return 0;
	}
	int rc = facts_fold_decoded(x, index, e);
	remacto__v1__entry__free_unpacked(e, &a->pa);
	return rc;
}

/* ---- the states as of a day ---- */

/* a is newer than b (FACTS_NO_INDEX: nothing, older than anything). */
static bool
newer(uint64_t a, uint64_t b)
{
	return a != FACTS_NO_INDEX && (b == FACTS_NO_INDEX || a > b);
}

void
facts_at_apply(struct facts_at *at, const struct facts_event *e)
{
	switch (e->kind) {
	case FACTS_EV_PROG: {
		struct facts_prog_at *p = &at->progs[e->slot];
		if (newer(e->index, p->index))
			p->index = e->index, p->stage = e->small;
		break;
	}
	case FACTS_EV_COMMIT: {
		struct facts_commit_at *c = &at->commits[e->slot];
		if (newer(e->index, c->v_index))
			c->v_index = e->index, c->start = e->day, c->principles = e->small,
			c->prog = e->ref;
		break;
	}
	case FACTS_EV_STATUS: {
		struct facts_commit_at *c = &at->commits[e->slot];
		if (newer(e->index, c->s_index))
			c->s_index = e->index, c->completion = e->small;
		if (e->day > c->st_day)
			c->st_day = e->day;
		break;
	}
	case FACTS_EV_DUE: {
		struct facts_ms_at *m = &at->ms[e->slot];
		if (newer(e->index, m->d_index))
			m->d_index = e->index, m->due = e->day;
		break;
	}
	case FACTS_EV_OUTCOME: {
		struct facts_ms_at *m = &at->ms[e->slot];
		if (newer(e->index, m->o_index))
			m->o_index = e->index, m->status = e->small;
		break;
	}
	case FACTS_EV_MEAS: {
		struct facts_ind_at *i = &at->inds[e->slot];
		if (newer(e->index, i->m_index))
			i->m_index = e->index, i->m_period = e->ref;
		if (e->pub > i->m_maxpub)
			i->m_maxpub = e->pub;
		/* The total of the latest period (by its last day), then the latest entry. */
		if (!e->dims && e->day &&
		    (i->t_index == FACTS_NO_INDEX || e->day > i->t_last ||
		     (e->day == i->t_last && e->index > i->t_index)))
			i->t_index = e->index, i->t_last = e->day, i->t_value = e->value,
			i->t_period = e->ref;
		break;
	}
	case FACTS_EV_DECLARED:
		at->declared++;
		break;
	default:
		break;
	}
}

int
facts_at_reset(struct facts_at *at, const struct facts_state *st, facts_day d)
{
	if (RESERVE(at, progs, st->n_programmes) != 0 ||
	    RESERVE(at, commits, st->n_commitments) != 0 ||
	    RESERVE(at, ms, st->n_milestones) != 0 || RESERVE(at, inds, st->n_indicators) != 0)
		return -ENOMEM;
	at->day = d;
	at->declared = 0;
	at->n_progs = st->n_programmes;
	at->n_commits = st->n_commitments;
	at->n_ms = st->n_milestones;
	at->n_inds = st->n_indicators;
	for (size_t i = 0; i < at->n_progs; i++)
		at->progs[i] = (struct facts_prog_at){ FACTS_NO_INDEX, 0 };
	for (size_t i = 0; i < at->n_commits; i++)
		at->commits[i] = (struct facts_commit_at){ .v_index = FACTS_NO_INDEX,
			                                   .s_index = FACTS_NO_INDEX };
	for (size_t i = 0; i < at->n_ms; i++)
		at->ms[i] = (struct facts_ms_at){ .d_index = FACTS_NO_INDEX,
			                          .o_index = FACTS_NO_INDEX };
	for (size_t i = 0; i < at->n_inds; i++)
		at->inds[i] = (struct facts_ind_at){ .m_index = FACTS_NO_INDEX,
			                             .t_index = FACTS_NO_INDEX };
	return 0;
}

void
facts_at_free(struct facts_at *at)
{
	if (!at)
		return;
	free(at->progs);
	free(at->commits);
	free(at->ms);
	free(at->inds);
	memset(at, 0, sizeof(*at));
}

/* Same value: numerically when both are numbers, else as text. */
bool
facts_same_value(const char *a, const char *b)
{
	char *ea, *eb;
	double x = strtod(a, &ea), y = strtod(b, &eb);
	if (*a && *b && !*ea && !*eb)
		return x == y;
	return strcmp(a, b) == 0;
}
