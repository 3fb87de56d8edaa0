/*
 * api_feeds — Atom 1.0 feeds a feed reader or a newsroom tool subscribes to (core/atom.h):
 *   GET /feeds/national.atom                    every log the node holds
 *   GET /feeds/<member>.atom                    one member's log, and what others said of it
 *   GET /feeds/<member>/<commitment>.atom       one commitment
 * ?lang=fr|ar|en (default fr) chooses the language of titles and summaries (a text missing in
 * that language falls back to French, then Arabic, then English).
 *
 * Items, newest first, at most FEED_MAX: new programmes and programme stages, new and changed
 * commitments and indicators (a change by a version that the integrity rule finds hidden is
 * titled as such and marked with the category "hidden-change"), status and milestone updates,
 * amendments, evidence, assessments (an observer's marked as such), consultations and
 * observers' consultation reports; and, in the national and member feeds, compliance status
 * changes (the day a member's status changed, found among the last 12 month ends and today;
 * the national feed looks at the last month only). Each item links to the dashboard page that
 * shows it and carries the log and index of its entry (<remacto:origin>, <remacto:index>).
 * Read from the civic view (store/civic.h), the domain index and the compliance views.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_domain.h"
#include "core/atom.h"
#include "core/be.h"
#include "core/buf.h"
#include "peers/registry.h"
#include "store/civic.h"
#include "views/compliance.h"
#include "views/csvimport.h"
#include "views/facts.h"
#include "views/observers.h"

#define FEED_MAX 50
#define ABOUT_MAX 400 /* entries of other logs about a member, looked at */
#define TEXT_MAX 1024

enum lang { FR, AR, EN };

struct feed {
	struct domain *x;
	const struct api_ctx *c;
	enum lang lang;
	uint32_t log; /* member and commitment feeds: the member's log */
	const char *origin;
	const char *commitment; /* commitment feed */
	struct item *items;
	size_t n, cap;
};

struct item {
	uint64_t t; /* UNIX time */
	uint32_t log;
	uint64_t index;
	bool entry; /* false: a compliance change */
	/* compliance change */
	const char *member;
	uint8_t from, to;
	facts_day day;
};

/* ---- words ---- */

static const char *
w(enum lang l, const char *fr, const char *ar, const char *en)
{
	return l == AR ? ar : l == EN ? en : fr;
}

static const char *
pick(enum lang l, const Remacto__V1__Text *t)
{
	const char *v[3] = { t ? t->fr : NULL, t ? t->ar : NULL, t ? t->en : NULL };
	const char *first = v[l];
	if (first && *first)
		return first;
	for (int i = 0; i < 3; i++)
		if (v[i] && *v[i])
			return v[i];
	return "";
}

/* Words indexed by value, then by language (FR, AR, EN); a value out of the table says the
 * table's default. */
typedef const char *const words[3];

static const words completions[] = {
	{ "sans statut", "بدون حالة", "no status" }, /* the default */
	{ "non commencé", "لم يبدأ", "not started" }, { "limité", "محدود", "limited" },
	{ "substantiel", "جوهري", "substantial" },    { "achevé", "مكتمل", "complete" },
	{ "retiré", "مسحوب", "withdrawn" },
};

static const words milestone_statuses[] = {
	{ "prévu", "مبرمج", "scheduled" }, /* the default */
	{ "prévu", "مبرمج", "scheduled" },
	{ "atteint", "محقق", "met" },
	{ "partiellement atteint", "محقق جزئيا", "partially met" },
	{ "non atteint", "غير محقق", "not met" },
};

static const words stages[] = {
	{ "étape non précisée", "مرحلة غير محددة", "stage not given" }, /* the default */
	{ "co-création", "الإنتاج المشترك", "co-creation" },
	{ "rédaction", "الصياغة", "drafting" },
	{ "consultation publique", "الاستشارة العمومية", "public consultation" },
	{ "adopté", "مصادق عليه", "adopted" },
	{ "mise en œuvre", "التنفيذ", "implementation" },
	{ "évaluation", "التقييم", "evaluation" },
	{ "clos", "مختتم", "closed" },
};

static const words statuses[] = {
	[COMPLIANCE_COMPLIANT] = { "conforme", "مطابق", "compliant" },
	[COMPLIANCE_AT_RISK] = { "à risque", "في خطر", "at risk" },
	[COMPLIANCE_NON_COMPLIANT] = { "non conforme", "غير مطابق", "non-compliant" }, /* default */
};

static const char *
word(enum lang l, const words *t, size_t n, int v, int dflt)
{
	return t[v >= 0 && (size_t)v < n ? v : dflt][l];
}

#define WORD(l, t, v, dflt) word(l, t, sizeof(t) / sizeof(t[0]), v, dflt)

/* A field as a reader says it: "endDate" → "date de fin", "targets[2026]" → "cible 2026". */
static void
field_words(enum lang l, const char *field, char *out, size_t cap)
{
	const char *o = strchr(field, '['), *c = o ? strchr(o, ']') : NULL;
	int n = o && c ? (int)(c - o - 1) : 0;
	if (!strcmp(field, "endDate"))
		snprintf(out, cap, "%s", w(l, "date de fin", "تاريخ الانتهاء", "end date"));
	else if (!strcmp(field, "startDate"))
		snprintf(out, cap, "%s", w(l, "date de début", "تاريخ البدء", "start date"));
	else if (!strncmp(field, "targets[", 8) && c)
		snprintf(out, cap, "%s %.*s", w(l, "cible", "الهدف", "target"), n, o + 1);
	else if (!strncmp(field, "milestones[", 11) && c && strstr(field, "dueDate"))
		snprintf(out, cap, "%s %.*s",
		         w(l, "échéance du jalon", "أجل المرحلة", "due date of milestone"), n,
		         o + 1);
	else
		snprintf(out, cap, "%s", field);
}

static void
iso(uint64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- names ---- */

/* A member's name in the language, else its slug, into out. */
static void
member_name(struct feed *fd, const char *origin, char *out, size_t cap)
{
	Remacto__Store__MemberRecord *m = NULL;
	Remacto__V1__MemberAdmission *a = NULL;
	const char *s = "";
	if (registry_member(fd->x->s, fd->x->txn, origin, &m) == 0)
		a = remacto__v1__member_admission__unpack(NULL, m->admission.len,
		                                          m->admission.data);
	if (a)
		s = pick(fd->lang, a->name);
	snprintf(out, cap, "%s", *s ? s : store_slug(origin));
	if (a)
		remacto__v1__member_admission__free_unpacked(a, NULL);
	remacto__store__member_record__free_unpacked(m, NULL);
}

/* A commitment's title as its latest version says, else its id. */
static void
commitment_title(struct feed *fd, uint32_t log, const char *id, char *out, size_t cap)
{
	struct index_commitment c;
	Remacto__V1__Entry *e = NULL;
	snprintf(out, cap, "%s", id ? id : "");
	if (!id || index_commitment_get(fd->x->s, fd->x->txn, log, id, &c) != 0 ||
	    domain_read_entry(fd->x, log, c.entry, &e) != 0)
		return;
	if (e->kind_case == REMACTO__V1__ENTRY__KIND_COMMITMENT) {
		const char *t = pick(fd->lang, e->commitment->title);
		if (*t)
			snprintf(out, cap, "%s", t);
	}
	domain_entry_free(e);
}

/* ---- items ---- */

static int
add(struct feed *fd, const struct item *it)
{
	if (fd->n == fd->cap) {
		size_t nc = fd->cap ? fd->cap * 2 : 64;
		struct item *ni = realloc(fd->items, nc * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		fd->items = ni, fd->cap = nc;
	}
	fd->items[fd->n++] = *it;
	return 0;
}

static int
add_ref(struct feed *fd, uint32_t log, uint64_t index, uint64_t t)
{
	struct item it = { .t = t, .log = log, .index = index, .entry = true };
	if (t == 0) { /* the time is in the entry */
		Remacto__V1__Entry *e;
		int rc = domain_read_entry(fd->x, log, index, &e);
		if (rc != 0)
			return rc;
		it.t = civic_time(e->published);
		domain_entry_free(e);
	}
	return add(fd, &it);
}

static int
cmp_items(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? 1 : -1;
	if (x->log != y->log)
		return x->log < y->log ? 1 : -1;
	return x->index < y->index ? 1 : x->index > y->index ? -1 : 0;
}

/* The newest events of every log (cv:recent, from its end). */
static int
national_events(struct feed *fd)
{
	MDB_cursor *c;
	MDB_val k, v;
	size_t n = 0;
	int rc = mdb_cursor_open(fd->x->txn, civic_db(fd->x->s, CIVIC_RECENT), &c);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_LAST); rc == 0 && n < FEED_MAX;
	     rc = mdb_cursor_get(c, &k, &v, MDB_PREV), n++) {
		const uint8_t *p = k.mv_data;
		if (k.mv_size != 20) {
			rc = MDB_CORRUPTED;
			break;
		}
		uint64_t t = get_be64(p);
		if ((rc = add_ref(fd, get_be32(p + 8), get_be64(p + 12), t ? t : 1)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The newest events of the member's log (cv:events, from its end). */
static int
member_events(struct feed *fd)
{
	uint8_t key[12];
	MDB_cursor *c;
	MDB_val k = { 12, key }, v;
	size_t n = 0;
	int rc;
	put_be32(key, fd->log + 1); /* just past the log */
	memset(key + 4, 0, 8);
	if ((rc = mdb_cursor_open(fd->x->txn, civic_db(fd->x->s, CIVIC_EVENTS), &c)) != 0)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_PREV) : mdb_cursor_get(c, &k, &v, MDB_LAST);
	for (; rc == 0 && n < FEED_MAX; rc = mdb_cursor_get(c, &k, &v, MDB_PREV), n++) {
		if (k.mv_size != 12 || get_be32(k.mv_data) != fd->log)
			break;
		if ((rc = add_ref(fd, fd->log, get_be64((uint8_t *)k.mv_data + 4), 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct about_walk {
	struct feed *fd;
	size_t n;
};

static int
about_one(const struct civic_ref *r, void *arg)
{
	struct about_walk *a = arg;
	if (r->log == a->fd->log && !a->fd->commitment)
		return 0; /* the member's own: among its events already */
	if (a->n++ == ABOUT_MAX)
		return 1;
	return add_ref(a->fd, r->log, r->index, 0);
}

/* What other logs said of the member (every commitment), or of one commitment. */
static int
about_events(struct feed *fd)
{
	struct about_walk a = { fd, 0 };
	int rc;
	if (fd->commitment)
		return civic_about_each(fd->x->s, fd->x->txn, fd->origin, fd->commitment, about_one,
		                        &a);
	/* Every commitment of the member: origin‖0 prefix of cv:about. */
	uint8_t key[CIVIC_MAX_KEY];
	size_t ol = strlen(fd->origin);
	MDB_cursor *c;
	MDB_val k, v;
	if (ol + 1 > sizeof(key))
		return 0;
	memcpy(key, fd->origin, ol);
	key[ol] = 0;
	if ((rc = mdb_cursor_open(fd->x->txn, civic_db(fd->x->s, CIVIC_ABOUT), &c)) != 0)
		return rc;
	k.mv_data = key, k.mv_size = ol + 1;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *p = k.mv_data;
		if (k.mv_size < ol + 1 + 12 || memcmp(p, key, ol + 1) != 0)
			break;
		struct civic_ref r = { get_be32(p + k.mv_size - 12), get_be64(p + k.mv_size - 8),
			               *(const uint8_t *)v.mv_data };
		if ((rc = about_one(&r, &a)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 1 ? 0 : rc;
}

static int
commitment_event(const struct index_history *h, void *arg)
{
	struct feed *fd = arg;
	return add_ref(fd, fd->log, h->index, 0);
}

/* The commitment's own history (the domain index), newest last. */
static int
commitment_events(struct feed *fd)
{
	int rc = domain_history_each(fd->x, fd->log, fd->commitment, commitment_event, fd);
	return rc == MDB_NOTFOUND ? 0 : rc; /* no key for the id: no history */
}

/* Compliance status changes of member m between day a (status sa) and day b (status sb):
 * the first day after a whose status is sb's, found by halving. */
static int
change_day(struct facts *f, struct facts_member *m, facts_day a, facts_day b, facts_day *out)
{
	struct compliance_row row;
	int rc;
	while (b - a > 1) {
		facts_day mid = a + (b - a) / 2;
		struct compliance_row ra;
		if ((rc = compliance_status_at(f, m, mid, &row)) != 0 ||
		    (rc = compliance_status_at(f, m, a, &ra)) != 0)
			return rc;
		if (row.status == ra.status)
			a = mid;
		else
			b = mid;
	}
	*out = b;
	return 0;
}

static int
compliance_changes(struct feed *fd, struct facts *f, struct facts_member *m, unsigned months)
{
	facts_day today = facts_day_of_time((uint64_t)time(NULL));
	struct compliance_row prev = { 0 }, cur;
	facts_day pd = 0;
	int rc;
	if (m->kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_OBSERVER)
		return 0;
	for (unsigned k = months + 1; k-- > 0;) {
		facts_day d = k ? facts_month_end(today, k) : today;
		if (m->admitted && d < m->admitted)
			continue;
		if ((rc = compliance_status_at(f, m, d, &cur)) != 0)
			return rc;
		if (pd && cur.status != prev.status) {
			facts_day day = 0; /* change_day sets it; gcc -O1 with TSan cannot tell */
			if ((rc = change_day(f, m, pd, d, &day)) != 0)
				return rc;
			struct compliance_row at;
			if ((rc = compliance_status_at(f, m, day, &at)) != 0)
				return rc;
			struct item it = { .t = (uint64_t)day * 86400,
				           .entry = false,
				           .member = m->origin,
				           .from = prev.status,
				           .to = at.status,
				           .day = day };
			if ((rc = add(fd, &it)) != 0)
				return rc;
		}
		prev = cur, pd = d;
	}
	return 0;
}

static int
compliance_items(struct feed *fd)
{
	char err[512];
	struct facts *f;
	if (!fd->c->facts || (!*fd->c->facts && !(*fd->c->facts = facts_new())))
		return 0; /* no views on this node: entries only */
	f = *fd->c->facts;
	if (facts_refresh(f, fd->x->s, fd->x->txn, fd->origin, err, sizeof(err)) != 0)
		return 0;
	if (fd->origin) {
		struct facts_member *m = facts_member_find(f, fd->origin);
		return m ? compliance_changes(fd, f, m, 12) : 0;
	}
	for (size_t i = 0; i < f->n_members; i++) {
		int rc = compliance_changes(fd, f, f->members[i], 1);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- rendering ---- */

/* Whether the version at index made a hidden change; its first hidden field into field. */
static bool
hidden_change(struct feed *fd, uint32_t log, bool indicator, const char *id, uint64_t index,
              char *field, size_t cap, char *from, char *to, size_t vcap)
{
	json_t *rows = NULL, *r;
	size_t i;
	bool found = false;
	int rc = indicator ? domain_target_history(fd->x, log, id, &rows)
	                   : domain_date_history(fd->x, log, id, &rows);
	if (rc != 0 || !rows)
		return false;
	json_array_foreach(rows, i, r)
	{
		if (found || !json_is_true(json_object_get(r, "hidden")) ||
		    json_integer_value(json_object_get(r, "index")) != (json_int_t)index)
			continue;
		json_t *nv = json_object_get(r, "value"), *ov = json_object_get(r, "previous");
		snprintf(field, cap, "%s", json_string_value(json_object_get(r, "field")));
		if (json_is_string(nv))
			snprintf(to, vcap, "%s", json_string_value(nv));
		else
			csvimport_number(json_number_value(nv), to, vcap);
		if (json_is_string(ov))
			snprintf(from, vcap, "%s", json_string_value(ov));
		else
			csvimport_number(json_number_value(ov), from, vcap);
		found = true;
	}
	json_decref(rows);
	return found;
}

struct out {
	char title[TEXT_MAX], summary[TEXT_MAX], link[512], id[512], category[32];
	const char *origin;
	bool has_index;
	uint64_t index;
};

/* A version of a commitment or indicator (name: its title): new, changed, or changed without
 * the amendment that would declare it. */
static void
version_event(struct feed *fd, const struct item *it, struct out *o, bool indicator, bool first,
              const char *id, const char *name, const char *who, const char *slug)
{
	enum lang l = fd->lang;
	char fw[256], from[64], to[64];
	snprintf(o->link, sizeof(o->link), "/ui/#/%s/%s/%s", indicator ? "indicator" : "commitment",
	         slug, id);
	if (!first && hidden_change(fd, it->log, indicator, id, it->index, fw, sizeof(fw), from, to,
	                            sizeof(from))) {
		char fwl[256];
		field_words(l, fw, fwl, sizeof(fwl));
		snprintf(o->category, sizeof(o->category), "hidden-change");
		snprintf(o->title, sizeof(o->title),
		         w(l, "%s — changement non déclaré : %s de %s (%s → %s)",
		           "%s — تغيير غير مصرح به: %s في %s (%s ← %s)",
		           "%s — undeclared change: %s of %s (%s → %s)"),
		         who, fwl, id, from, to);
		return;
	}
	snprintf(o->category, sizeof(o->category), "%s", indicator ? "indicator" : "commitment");
	if (indicator)
		snprintf(o->title, sizeof(o->title),
		         first ? w(l, "%s — nouvel indicateur %s : %s", "%s — مؤشر جديد %s: %s",
		                   "%s — new indicator %s: %s")
		               : w(l, "%s — indicateur %s modifié : %s", "%s — تعديل المؤشر %s: %s",
		                   "%s — indicator %s changed: %s"),
		         who, id, name);
	else
		snprintf(o->title, sizeof(o->title),
		         first ? w(l, "%s — nouvel engagement %s : %s", "%s — التزام جديد %s: %s",
		                   "%s — new commitment %s: %s")
		               : w(l, "%s — engagement %s modifié : %s",
		                   "%s — تعديل الالتزام %s: %s", "%s — commitment %s changed: %s"),
		         who, id, name);
}

static void
render_entry(struct feed *fd, const struct item *it, const Remacto__V1__Entry *e,
             const char *origin, struct out *o)
{
	enum lang l = fd->lang;
	const char *slug = store_slug(origin);
	char who[256], ct[512], fw[256];
	member_name(fd, origin, who, sizeof(who));
	snprintf(o->link, sizeof(o->link), "/ui/#/entry/%s/%llu", slug,
	         (unsigned long long)it->index);
	o->summary[0] = '\0';
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_PROGRAMME: {
		const Remacto__V1__Programme *p = e->programme;
		snprintf(o->category, sizeof(o->category), "programme");
		snprintf(o->title, sizeof(o->title),
		         w(l, "%s — programme « %s » : %s", "%s — برنامج «%s»: %s",
		           "%s — programme “%s”: %s"),
		         who, pick(l, p->title), WORD(l, stages, p->stage, 0));
		snprintf(o->summary, sizeof(o->summary), "%s", pick(l, p->summary));
		snprintf(o->link, sizeof(o->link), "/ui/#/member/%s", slug);
		break;
	}
	case REMACTO__V1__ENTRY__KIND_COMMITMENT: {
		const Remacto__V1__Commitment *c = e->commitment;
		struct index_commitment ic;
		bool first = index_commitment_get(fd->x->s, fd->x->txn, it->log, c->id, &ic) == 0 &&
		             ic.first == it->index;
		version_event(fd, it, o, false, first, c->id, pick(l, c->title), who, slug);
		snprintf(o->summary, sizeof(o->summary), "%s", pick(l, c->description));
		break;
	}
	case REMACTO__V1__ENTRY__KIND_INDICATOR: {
		const Remacto__V1__Indicator *ind = e->indicator;
		struct index_indicator ii;
		bool first = index_indicator_get(fd->x->s, fd->x->txn, it->log, ind->id, &ii) ==
		                     0 &&
		             ii.first == it->index;
		version_event(fd, it, o, true, first, ind->id,
		              *pick(l, ind->title) ? pick(l, ind->title) : ind->catalog_code, who,
		              slug);
		break;
	}
	case REMACTO__V1__ENTRY__KIND_STATUS_UPDATE: {
		const Remacto__V1__StatusUpdate *u = e->status_update;
		commitment_title(fd, it->log, u->commitment_id, ct, sizeof(ct));
		snprintf(o->category, sizeof(o->category), "status");
		snprintf(o->title, sizeof(o->title),
		         w(l, "%s — statut de « %s » : %s, %u %%", "%s — حالة «%s»: %s، %u%%",
		           "%s — status of “%s”: %s, %u %%"),
		         who, ct, WORD(l, completions, u->completion, 0), u->progress_percent);
		snprintf(o->summary, sizeof(o->summary), "%s", pick(l, u->note));
		snprintf(o->link, sizeof(o->link), "/ui/#/commitment/%s/%s", slug,
		         u->commitment_id);
		break;
	}
	case REMACTO__V1__ENTRY__KIND_MILESTONE_UPDATE: {
		const Remacto__V1__MilestoneUpdate *u = e->milestone_update;
		commitment_title(fd, it->log, u->commitment_id, ct, sizeof(ct));
		snprintf(o->category, sizeof(o->category), "milestone");
		snprintf(o->title, sizeof(o->title),
		         w(l, "%s — jalon %s de « %s » : %s", "%s — المرحلة %s من «%s»: %s",
		           "%s — milestone %s of “%s”: %s"),
		         who, u->milestone_id, ct, WORD(l, milestone_statuses, u->status, 0));
		snprintf(o->summary, sizeof(o->summary), "%s", pick(l, u->note));
		snprintf(o->link, sizeof(o->link), "/ui/#/commitment/%s/%s", slug,
		         u->commitment_id);
		break;
	}
	case REMACTO__V1__ENTRY__KIND_AMENDMENT: {
		const Remacto__V1__Amendment *a = e->amendment;
		field_words(l, a->field ? a->field : "", fw, sizeof(fw));
		snprintf(o->category, sizeof(o->category), "amendment");
		snprintf(o->title, sizeof(o->title),
		         w(l, "%s — amendement de %s : %s (%s → %s)", "%s — تعديل %s: %s (%s ← %s)",
		           "%s — amendment of %s: %s (%s → %s)"),
		         who, a->subject_id, fw, a->old_value, a->new_value);
		snprintf(o->summary, sizeof(o->summary), "%s", pick(l, a->reason));
		if (a->subject == REMACTO__V1__SUBJECT__SUBJECT_INDICATOR)
			snprintf(o->link, sizeof(o->link), "/ui/#/indicator/%s/%s", slug,
			         a->subject_id);
		else if (a->subject != REMACTO__V1__SUBJECT__SUBJECT_PROGRAMME)
			snprintf(o->link, sizeof(o->link), "/ui/#/commitment/%s/%s", slug,
			         a->subject_id);
		break;
	}
	case REMACTO__V1__ENTRY__KIND_EVIDENCE:
		snprintf(o->category, sizeof(o->category), "evidence");
		snprintf(o->title, sizeof(o->title),
		         w(l, "%s — nouveau justificatif : %s", "%s — وثيقة إثبات جديدة: %s",
		           "%s — new evidence: %s"),
		         who,
		         *pick(l, e->evidence->title) ? pick(l, e->evidence->title)
		                                      : e->evidence->id);
		snprintf(o->summary, sizeof(o->summary), "%s", e->evidence->url);
		break;
	case REMACTO__V1__ENTRY__KIND_ASSESSMENT: {
		const Remacto__V1__Assessment *a = e->assessment;
		const char *member = a->member_origin && *a->member_origin ? a->member_origin
		                                                           : origin;
		bool observer = observers_is_observer(fd->x->s, fd->x->txn, origin);
		Remacto__Store__LogRecord *rec = NULL;
		char mname[256];
		member_name(fd, member, mname, sizeof(mname));
		ct[0] = '\0';
		if (store_log_get(fd->x->s, fd->x->txn, member, &rec) == 0)
			commitment_title(fd, rec->id, a->commitment_id, ct, sizeof(ct));
		remacto__store__log_record__free_unpacked(rec, NULL);
		snprintf(o->category, sizeof(o->category),
		         observer ? "observer-assessment" : "assessment");
		snprintf(o->title, sizeof(o->title),
		         w(l, "%s — évaluation de « %s » (%s) par %s%s : %s",
		           "%s — تقييم «%s» (%s) من طرف %s%s: %s",
		           "%s — assessment of “%s” (%s) by %s%s: %s"),
		         mname, *ct ? ct : a->commitment_id, a->commitment_id, who,
		         observer ? w(l, ", observateur", "، ملاحظ", ", observer") : "",
		         WORD(l, completions, a->completion, 0));
		snprintf(o->summary, sizeof(o->summary), "%s", pick(l, a->comment));
		snprintf(o->link, sizeof(o->link), "/ui/#/commitment/%s/%s", store_slug(member),
		         a->commitment_id);
		break;
	}
	case REMACTO__V1__ENTRY__KIND_CONSULTATION: {
		const Remacto__V1__Consultation *k = e->consultation;
		bool report = k->member_origin && *k->member_origin &&
		              strcmp(k->member_origin, origin);
		snprintf(o->category, sizeof(o->category),
		         report ? "consultation-report" : "consultation");
		if (report) {
			char mname[256];
			member_name(fd, k->member_origin, mname, sizeof(mname));
			snprintf(o->title, sizeof(o->title),
			         w(l, "%s — rapport de %s sur une consultation : %s",
			           "%s — تقرير %s عن استشارة: %s",
			           "%s — %s's report on a consultation: %s"),
			         mname, who, pick(l, k->subject));
		} else {
			snprintf(o->title, sizeof(o->title),
			         w(l, "%s — consultation : %s", "%s — استشارة: %s",
			           "%s — consultation: %s"),
			         who, pick(l, k->subject));
		}
		snprintf(o->summary, sizeof(o->summary), "%s", pick(l, k->outcome));
		break;
	}
	default:
		snprintf(o->category, sizeof(o->category), "entry");
		snprintf(o->title, sizeof(o->title), "%s — %s %llu", who,
		         w(l, "entrée", "مدخل", "entry"), (unsigned long long)it->index);
		break;
	}
	snprintf(o->id, sizeof(o->id), "tag:remacto.ma,2024:entry/%s/%llu", origin,
	         (unsigned long long)it->index);
	o->origin = origin;
	o->has_index = true;
	o->index = it->index;
}

static void
render_compliance(struct feed *fd, const struct item *it, struct out *o)
{
	enum lang l = fd->lang;
	char who[256], day[11];
	member_name(fd, it->member, who, sizeof(who));
	facts_day_format(it->day, day);
	snprintf(o->category, sizeof(o->category), "compliance");
	snprintf(o->title, sizeof(o->title),
	         w(l, "%s — conformité : %s → %s", "%s — المطابقة: %s ← %s",
	           "%s — compliance: %s → %s"),
	         who, WORD(l, statuses, it->from, COMPLIANCE_NON_COMPLIANT),
	         WORD(l, statuses, it->to, COMPLIANCE_NON_COMPLIANT));
	snprintf(o->summary, sizeof(o->summary),
	         w(l, "Selon les règles du réseau, au %s.", "حسب قواعد الشبكة، بتاريخ %s.",
	           "By the network's rules, as of %s."),
	         day);
	snprintf(o->link, sizeof(o->link), "/ui/#/compliance?member=%s", store_slug(it->member));
	snprintf(o->id, sizeof(o->id), "tag:remacto.ma,2024:compliance/%s/%s/%s", it->member, day,
	         compliance_status_name(it->to));
	o->origin = it->member;
	o->has_index = false;
}

static void
respond(struct feed *fd, const char *self, const char *alternate, const char *title,
        const char *feed_id)
{
	struct buf b = BUF_INIT(0);
	char updated[32];
	qsort(fd->items, fd->n, sizeof(*fd->items), cmp_items);
	if (fd->n > FEED_MAX)
		fd->n = FEED_MAX;
	iso(fd->n ? fd->items[0].t : (uint64_t)time(NULL), updated);
	struct atom_feed f = { feed_id, title,
		               NULL,    fd->lang == AR ? "ar" : fd->lang == EN ? "en" : "fr",
		               self,    alternate,
		               updated, "REMACTO" };
	atom_begin(&b, &f);
	for (size_t i = 0; i < fd->n; i++) {
		const struct item *it = &fd->items[i];
		struct out *o = calloc(1, sizeof(*o));
		char when[32];
		if (!o) {
			buf_fail(&b, -ENOMEM);
			break;
		}
		if (it->entry) {
			Remacto__V1__Entry *e;
			const char *origin = store_log_list_origin(&fd->x->logs, it->log);
			if (!origin || domain_read_entry(fd->x, it->log, it->index, &e) != 0) {
				free(o);
				continue;
			}
			render_entry(fd, it, e, origin, o);
			domain_entry_free(e);
		} else {
			render_compliance(fd, it, o);
		}
		iso(it->t, when);
		struct atom_entry ae = { o->id,     o->title,     o->summary[0] ? o->summary : NULL,
			                 o->link,   when,         o->category,
			                 o->origin, o->has_index, o->index };
		atom_entry(&b, &ae);
		free(o);
	}
	atom_end(&b);
	if (b.err) {
		buf_free(&b);
		api_error(fd->x->resp, 500, NULL, "out of memory writing the feed");
		return;
	}
	size_t len;
	char *data = buf_steal(&b, &len);
	api_bytes(fd->x->resp, 200, "application/atom+xml; charset=utf-8", (uint8_t *)data, len);
	fd->x->resp->cache_control = domain_short_lived;
}

bool
api_feeds_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	static const char *const allowed[] = { "lang", NULL };
	struct domain x = { .s = c->store, .req = req, .resp = resp };
	struct feed fd = { .x = &x, .c = c };
	char lang[8], slug[128], id[DOMAIN_PARAM_MAX], self[API_MAX_PATH + 16], alt[512],
	        title[1024], feed_id[512], who[256];
	const char *path = req->path, *rest;
	size_t n;
	int rc;

	if (strncmp(path, "/feeds/", 7) != 0)
		return false;
	rest = path + 7;
	n = strlen(rest);
	if (req->method != API_GET && req->method != API_HEAD) {
		api_error(resp, 405, NULL, "%s is read only: use GET", path);
		return true;
	}
	if (n <= 5 || strcmp(rest + n - 5, ".atom") != 0) {
		api_error(resp, 404, NULL,
		          "no such feed: /feeds/national.atom, /feeds/<member>.atom and "
		          "/feeds/<member>/<commitment>.atom");
		return true;
	}
	if (!api_query_check(req, resp, allowed) ||
	    !api_query_str(req, resp, "lang", lang, sizeof(lang)))
		return true;
	if (!lang[0] || !strcmp(lang, "fr"))
		fd.lang = FR;
	else if (!strcmp(lang, "ar"))
		fd.lang = AR;
	else if (!strcmp(lang, "en"))
		fd.lang = EN;
	else {
		api_error(resp, 400, "lang", "expected fr, ar or en");
		return true;
	}
	size_t sl = strcspn(rest, "/");
	bool national = !strcmp(rest, "national.atom");
	bool commitment = !national && rest[sl] == '/';
	if (!national) {
		size_t cut = commitment ? sl : n - 5;
		if (cut == 0 || cut >= sizeof(slug)) {
			api_error(resp, 404, NULL, "no such feed: %.200s", path);
			return true;
		}
		memcpy(slug, rest, cut);
		slug[cut] = '\0';
		if (commitment) {
			size_t il = n - 5 - sl - 1;
			if (il == 0 || il >= sizeof(id)) {
				api_error(resp, 404, NULL, "no such feed: %.200s", path);
				return true;
			}
			memcpy(id, rest + sl + 1, il);
			id[il] = '\0';
		}
	}
	if (!domain_begin(&x))
		return true;
	snprintf(self, sizeof(self), "%s%s%s", path, lang[0] ? "?lang=" : "", lang);
	if (national) {
		snprintf(title, sizeof(title), "%s",
		         w(fd.lang, "Registre REMACTO — fil national", "سجل ريمكتو — الموجز الوطني",
		           "REMACTO Ledger — national feed"));
		snprintf(feed_id, sizeof(feed_id), "tag:remacto.ma,2024:feed/national");
		snprintf(alt, sizeof(alt), "/ui/#/network");
		if ((rc = national_events(&fd)) == 0)
			rc = compliance_items(&fd);
	} else {
		if (!domain_member_log(&x, slug, &fd.log, 404))
			goto done;
		fd.origin = store_log_list_origin(&x.logs, fd.log);
		member_name(&fd, fd.origin, who, sizeof(who));
		if (commitment) {
			struct index_commitment ic;
			char ct[512];
			rc = index_commitment_get(x.s, x.txn, fd.log, id, &ic);
			if (rc == MDB_NOTFOUND) {
				api_error(resp, 404, NULL, "%s publishes no commitment %.200s",
				          slug, id);
				goto done;
			}
			fd.commitment = id;
			commitment_title(&fd, fd.log, id, ct, sizeof(ct));
			snprintf(title, sizeof(title), "%s — %s", who, ct);
			snprintf(feed_id, sizeof(feed_id), "tag:remacto.ma,2024:feed/%s/%s",
			         fd.origin, id);
			snprintf(alt, sizeof(alt), "/ui/#/commitment/%s/%s", slug, id);
			if ((rc = commitment_events(&fd)) == 0)
				rc = about_events(&fd);
		} else {
			snprintf(title, sizeof(title), "%s — %s", who,
			         w(fd.lang, "Registre REMACTO", "سجل ريمكتو", "REMACTO Ledger"));
			snprintf(feed_id, sizeof(feed_id), "tag:remacto.ma,2024:feed/%s",
			         fd.origin);
			snprintf(alt, sizeof(alt), "/ui/#/member/%s", slug);
			if ((rc = member_events(&fd)) == 0 && (rc = about_events(&fd)) == 0)
				rc = compliance_items(&fd);
		}
	}
	if (rc != 0) {
		domain_store_error(&x, rc, "cannot read the feed's entries");
		goto done;
	}
	respond(&fd, self, alt, title, feed_id);
done:
	free(fd.items);
	store_log_list_free(&x.logs);
	mdb_txn_abort(x.txn);
	return true;
}
