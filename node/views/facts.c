/*
 * facts — the per-member facts of the derived views, folded incrementally from the logs, and
 * the registry snapshot. See facts.h.
 *
 * The fold decodes each new entry once with protobuf-c into a reusable arena (no malloc per
 * field), looks its ids up in one hash table per member, and appends a small record to one of
 * the member's arrays. Strings are interned once for the whole node (ids, periods, codes), so
 * the views compare them as integers.
 */
#include "facts.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "csvimport.h"
#include "peers/evidence.h"
#include "peers/registry.h"
#include "peers/witness.h"

#include "peer.pb-c.h"

#define STRING_CHUNK 65536
#define ARENA_SIZE ((size_t)1 << 20)
#define ID_MAX ((uint32_t)1 << 30) /* interned ids and slots fit 30 bits in map keys */
#define FIELD_MAX 512              /* "milestones[<id>].dueDate", "targets[<period>]" */

/* ---- days and periods ---- */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static unsigned
days_in_month(int y, unsigned m)
{
	static const unsigned n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : n[m - 1];
}

static bool
digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

static facts_day
make_day(int y, unsigned m, unsigned d)
{
	int64_t z = days_from_civil(y, m, d);
	return z > 0 && z < UINT32_MAX ? (facts_day)z : 0;
}

facts_day
facts_day_parse(const char *s)
{
	unsigned y, m, d;
	if (!s || strnlen(s, 11) < 10 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &m) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != '\0' && s[10] != 'T'))
		return 0;
	if (y < 1971 || m < 1 || m > 12 || d < 1 || d > days_in_month((int)y, m))
		return 0;
	return make_day((int)y, m, d);
}

void
facts_day_format(facts_day day, char out[11])
{
	int y;
	unsigned m, d;
	if (day == 0) {
		out[0] = '\0';
		return;
	}
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
}

facts_day
facts_day_of_time(uint64_t t)
{
	return t / 86400 < UINT32_MAX ? (facts_day)(t / 86400) : 0;
}

bool
facts_period_parse(const char *p, facts_day *first, facts_day *last, char *g)
{
	unsigned y, n;
	size_t len = p ? strnlen(p, 8) : 0;
	if (len < 4 || !digits(p, 4, &y) || y < 1971)
		return false;
	if (len == 4) {
		*first = make_day((int)y, 1, 1), *last = make_day((int)y, 12, 31), *g = FACTS_YEAR;
	} else if (len == 7 && p[4] == '-' && p[5] == 'Q' && p[6] >= '1' && p[6] <= '4') {
		n = (unsigned)(p[6] - '0');
		*first = make_day((int)y, 3 * n - 2, 1);
		*last = make_day((int)y, 3 * n, days_in_month((int)y, 3 * n));
		*g = FACTS_QUARTER;
	} else if (len == 7 && p[4] == '-' && digits(p + 5, 2, &n) && n >= 1 && n <= 12) {
		*first = make_day((int)y, n, 1),
		*last = make_day((int)y, n, days_in_month((int)y, n));
		*g = FACTS_MONTH;
	} else {
		return false;
	}
	return *first && *last;
}

facts_day
facts_month_end(facts_day day, unsigned back)
{
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	int64_t months = (int64_t)y * 12 + (m - 1) - back;
	y = (int)(months / 12), m = (unsigned)(months % 12) + 1;
	return make_day(y, m, days_in_month(y, m));
}

void
facts_period_last(char g, facts_day day, char out[16])
{
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	bool month_end = d == days_in_month(y, m);
	switch (g) {
	case FACTS_QUARTER: {
		unsigned q = (m - 1) / 3 + 1;
		if (!(month_end && m % 3 == 0) && --q == 0)
			q = 4, y--;
		snprintf(out, 16, "%04u-Q%c", (unsigned)y % 10000u, (char)('0' + q % 10u));
		break;
	}
	case FACTS_MONTH:
		if (!month_end && --m == 0)
			m = 12, y--;
		snprintf(out, 16, "%04u-%02u", (unsigned)y % 10000u, m % 100u);
		break;
	default:
		if (!(month_end && m == 12))
			y--;
		snprintf(out, 16, "%04u", (unsigned)y % 10000u);
		break;
	}
}

/* ---- interned strings ---- */

struct facts_strings {
	char **chunks;
	size_t n_chunks, used; /* bytes used in the last chunk */
	const char **ptr;      /* id → string */
	uint32_t *hash;        /* id → its hash */
	size_t n, cap;
	uint32_t *table; /* open addressing: id, 0 = empty */
	size_t tcap;
};

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void
strings_free(struct facts_strings *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_chunks; i++)
		free(st->chunks[i]);
	free(st->chunks);
	free(st->ptr);
	free(st->hash);
	free(st->table);
	free(st);
}

static struct facts_strings *
strings_new(void)
{
	struct facts_strings *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->cap = 1024, st->tcap = 2048;
	st->ptr = malloc(st->cap * sizeof(*st->ptr));
	st->hash = malloc(st->cap * sizeof(*st->hash));
	st->table = calloc(st->tcap, sizeof(*st->table));
	if (!st->ptr || !st->hash || !st->table) {
		strings_free(st);
		return NULL;
	}
	st->ptr[0] = "";
	st->hash[0] = 0;
	st->n = 1;
	return st;
}

static facts_str
strings_find(const struct facts_strings *st, const char *s, uint32_t h)
{
	size_t mask = st->tcap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t id = st->table[i];
		if (id == 0)
			return 0;
		if (st->hash[id] == h && strcmp(st->ptr[id], s) == 0)
			return id;
	}
}

static char *
strings_copy(struct facts_strings *st, const char *s, size_t len)
{
	char *p;
	if (len + 1 > STRING_CHUNK / 4 || st->n_chunks == 0 || st->used + len + 1 > STRING_CHUNK) {
		char **nc = realloc(st->chunks, (st->n_chunks + 1) * sizeof(*nc));
		if (!nc)
			return NULL;
		st->chunks = nc;
		bool own = len + 1 > STRING_CHUNK / 4;
		if (!(p = malloc(own ? len + 1 : STRING_CHUNK)))
			return NULL;
		/* A long string gets a chunk of its own, inserted before the open chunk. */
		if (own && st->n_chunks > 0) {
			st->chunks[st->n_chunks] = st->chunks[st->n_chunks - 1];
			st->chunks[st->n_chunks - 1] = p;
			st->n_chunks++;
			memcpy(p, s, len + 1);
			return p;
		}
		st->chunks[st->n_chunks++] = p;
		st->used = own ? STRING_CHUNK : 0;
		if (own) {
			memcpy(p, s, len + 1);
			return p;
		}
	}
	p = st->chunks[st->n_chunks - 1] + st->used;
	memcpy(p, s, len + 1);
	st->used += len + 1;
	return p;
}

/* The id of s, interning it when new; 0 for NULL or "", FACTS_NO_SLOT when out of memory. */
static facts_str
intern(struct facts_strings *st, const char *s)
{
	if (!s || !*s)
		return 0;
	uint32_t h = fnv1a(s);
	facts_str id = strings_find(st, s, h);
	if (id)
		return id;
	if (st->n >= ID_MAX)
		return FACTS_NO_SLOT;
	if (st->n == st->cap) {
		size_t ncap = st->cap * 2;
		const char **np = realloc(st->ptr, ncap * sizeof(*np));
		if (!np)
			return FACTS_NO_SLOT;
		st->ptr = np;
		uint32_t *nh = realloc(st->hash, ncap * sizeof(*nh));
		if (!nh)
			return FACTS_NO_SLOT;
		st->hash = nh;
		st->cap = ncap;
	}
	if ((st->n + 1) * 2 > st->tcap) {
		size_t ntcap = st->tcap * 2;
		uint32_t *nt = calloc(ntcap, sizeof(*nt));
		if (!nt)
			return FACTS_NO_SLOT;
		for (size_t i = 1; i < st->n; i++) {
			size_t j = st->hash[i] & (ntcap - 1);
			while (nt[j])
				j = (j + 1) & (ntcap - 1);
			nt[j] = (uint32_t)i;
		}
		free(st->table);
		st->table = nt, st->tcap = ntcap;
	}
	char *copy = strings_copy(st, s, strlen(s));
	if (!copy)
		return FACTS_NO_SLOT;
	id = (facts_str)st->n++;
	st->ptr[id] = copy;
	st->hash[id] = h;
	size_t j = h & (st->tcap - 1);
	while (st->table[j])
		j = (j + 1) & (st->tcap - 1);
	st->table[j] = id;
	return id;
}

const char *
facts_string(const struct facts *f, facts_str id)
{
	return id < f->strings->n ? f->strings->ptr[id] : "";
}

facts_str
facts_string_find(const struct facts *f, const char *s)
{
	return s && *s ? strings_find(f->strings, s, fnv1a(s)) : 0;
}

/* ---- maps: 64-bit key → 32-bit slot ---- */

struct facts_map {
	uint64_t *keys; /* 0 = empty (no key is 0: every key has a kind) */
	uint32_t *vals;
	size_t n, cap;
};

enum { K_PROG = 1, K_COMMIT, K_IND, K_MS, K_MEMBER };

static uint64_t
key1(unsigned kind, uint32_t a)
{
	return (uint64_t)kind << 60 | a;
}

static uint64_t
key2(unsigned kind, uint32_t a, uint32_t b)
{
	return (uint64_t)kind << 60 | (uint64_t)a << 30 | b;
}

static size_t
slot_of(uint64_t k, size_t cap)
{
	return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static uint32_t
map_get(const struct facts_map *m, uint64_t k)
{
	if (!m || m->cap == 0)
		return FACTS_NO_SLOT;
	for (size_t i = slot_of(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == k)
			return m->vals[i];
		if (m->keys[i] == 0)
			return FACTS_NO_SLOT;
	}
}

static void
map_free(struct facts_map *m)
{
	if (m) {
		free(m->keys);
		free(m->vals);
		free(m);
	}
}

static int
map_put(struct facts_map **pm, uint64_t k, uint32_t v)
{
	struct facts_map *m = *pm;
	if (!m) {
		if (!(m = *pm = calloc(1, sizeof(*m))))
			return -ENOMEM;
	}
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		uint64_t *nk = calloc(ncap, sizeof(*nk));
		uint32_t *nv = malloc(ncap * sizeof(*nv));
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -ENOMEM;
		}
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->keys[i])
				continue;
			size_t j = slot_of(m->keys[i], ncap);
			while (nk[j])
				j = (j + 1) & (ncap - 1);
			nk[j] = m->keys[i], nv[j] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = nk, m->vals = nv, m->cap = ncap;
	}
	size_t i = slot_of(k, m->cap);
	while (m->keys[i] && m->keys[i] != k)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->n++;
	m->keys[i] = k, m->vals[i] = v;
	return 0;
}

/* ---- the decoding arena ---- */

struct facts_arena {
	uint8_t *buf;
	size_t used;
	ProtobufCAllocator pa;
};

static void *
arena_alloc(void *data, size_t n)
{
	struct facts_arena *a = data;
	n = (n + 15) & ~(size_t)15;
	if (n > ARENA_SIZE - a->used)
		return malloc(n); /* a huge entry: the rest goes to the heap, freed by protobuf-c */
	void *p = a->buf + a->used;
	a->used += n;
	return p;
}

static void
arena_free(void *data, void *p)
{
	struct facts_arena *a = data;
	if (p && ((uint8_t *)p < a->buf || (uint8_t *)p >= a->buf + ARENA_SIZE))
		free(p);
}

/* ---- members ---- */

static void *
grow(void *pv, size_t *n, size_t *cap, size_t size)
{
	void *v;
	memcpy(&v, pv, sizeof(v));
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void *nv = realloc(v, ncap * size);
		if (!nv)
			return NULL;
		v = nv, *cap = ncap;
		memcpy(pv, &v, sizeof(v));
	}
	void *e = (char *)v + (*n)++ * size;
	memset(e, 0, size);
	return e;
}
#define GROW(m, name) grow(&(m)->name, &(m)->n_##name, &(m)->cap_##name, sizeof(*(m)->name))

/* Forgets everything folded from the log (after a failed fold: it starts over). */
static void
member_reset(struct facts_member *m)
{
	free(m->progs);
	free(m->commits);
	free(m->statuses);
	free(m->dues);
	free(m->outcomes);
	free(m->meas);
	free(m->amends);
	free(m->changes);
	free(m->programmes);
	free(m->commitments);
	free(m->milestones);
	for (size_t i = 0; i < m->n_indicators; i++) {
		free(m->indicators[i].targets);
		free(m->indicators[i].meas);
	}
	free(m->indicators);
	free(m->seen);
	map_free(m->map);
	size_t off = offsetof(struct facts_member, held);
	memset((char *)m + off, 0, offsetof(struct facts_member, gen) - off);
	m->map = NULL;
}

static void
member_free(struct facts_member *m)
{
	if (!m)
		return;
	free(m->origin);
	free(m->name_fr);
	free(m->name_ar);
	free(m->name_en);
	member_reset(m);
	free(m);
}

static struct facts_member *
member_new(const char *origin)
{
	struct facts_member *m = calloc(1, sizeof(*m));
	if (!m || !(m->origin = strdup(origin))) {
		free(m);
		return NULL;
	}
	m->slug = store_slug(m->origin);
	m->admission = FACTS_NO_INDEX;
	return m;
}

struct facts *
facts_new(void)
{
	struct facts *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->strings = strings_new();
	f->arena = calloc(1, sizeof(*f->arena));
	if (!f->strings || !f->arena || !(f->arena->buf = malloc(ARENA_SIZE))) {
		facts_free(f);
		return NULL;
	}
	f->arena->pa = (ProtobufCAllocator){ arena_alloc, arena_free, f->arena };
	f->policy.index = FACTS_NO_INDEX;
	return f;
}

static void
catalog_clear(struct facts *f)
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
		member_free(f->members[i]);
	free(f->members);
	catalog_clear(f);
	strings_free(f->strings);
	map_free(f->by_origin);
	if (f->arena)
		free(f->arena->buf);
	free(f->arena);
	free(f);
}

struct facts_member *
facts_member_find(const struct facts *f, const char *name)
{
	if (!name || !*name)
		return NULL;
	if (strchr(name, '/')) {
		uint32_t i = map_get(f->by_origin, key1(K_MEMBER, facts_string_find(f, name)));
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

uint32_t
facts_commitment_slot(const struct facts_member *m, facts_str id)
{
	return id ? map_get(m->map, key1(K_COMMIT, id)) : FACTS_NO_SLOT;
}

uint32_t
facts_indicator_slot(const struct facts_member *m, facts_str id)
{
	return id ? map_get(m->map, key1(K_IND, id)) : FACTS_NO_SLOT;
}

/* ---- the fold ---- */

struct fold {
	struct facts *f;
	struct facts_member *m;
	uint64_t index;
	facts_day pub;
	int rc;
};

/* Interns s; false (and rc set) when out of memory. */
static bool
str_id(struct fold *x, const char *s, facts_str *out)
{
	*out = intern(x->f->strings, s);
	if (*out == FACTS_NO_SLOT) {
		x->rc = -ENOMEM;
		return false;
	}
	return true;
}

/* The slot of (kind, key), creating it with create() when new. */
static uint32_t
object(struct fold *x, uint64_t key, size_t count, bool *fresh)
{
	uint32_t slot = map_get(x->m->map, key);
	*fresh = slot == FACTS_NO_SLOT;
	if (!*fresh)
		return slot;
	if (count >= ID_MAX || map_put(&x->m->map, key, (uint32_t)count) != 0) {
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
add_change(struct fold *x, bool amendment, uint64_t prev, facts_day day, int subject_kind,
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
fold_programme(struct fold *x, const Remacto__V1__Programme *p)
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
milestone_slot(struct fold *x, uint32_t c, const char *id, bool create)
{
	facts_str mid = create ? intern(x->f->strings, id) : facts_string_find(x->f, id);
	bool fresh;
	if (mid == FACTS_NO_SLOT) {
		x->rc = -ENOMEM;
		return FACTS_NO_SLOT;
	}
	if (mid == 0)
		return FACTS_NO_SLOT;
	if (!create)
		return map_get(x->m->map, key2(K_MS, c, mid));
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
set_due(struct fold *x, uint32_t ms, facts_day due)
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
fold_commitment(struct fold *x, const Remacto__V1__Commitment *c)
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
commitment_of(struct fold *x, const char *id)
{
	return facts_commitment_slot(x->m, facts_string_find(x->f, id));
}

static void
fold_status(struct fold *x, const Remacto__V1__StatusUpdate *u)
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
fold_milestone_update(struct fold *x, const Remacto__V1__MilestoneUpdate *u)
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
fold_indicator(struct fold *x, const Remacto__V1__Indicator *ind)
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
fold_measurement(struct fold *x, const Remacto__V1__Measurement *mm)
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
fold_amendment(struct fold *x, const Remacto__V1__Amendment *am)
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

static int
fold_entry(uint64_t index, const uint8_t *data, size_t len, void *arg)
{
	struct fold *x = arg;
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

/* ---- witnesses and evidence ---- */

static uint64_t
be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Adds a cosignature: true when it told something new. */
static bool
add_seen(struct facts_member *m, uint64_t ts, uint64_t size, int *rc)
{
	facts_day d = facts_day_of_time(ts);
	size_t lo = 0, hi = m->n_seen;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->seen[mid].day < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->n_seen && m->seen[lo].day == d) {
		bool changed = ts > m->seen[lo].time || size > m->seen[lo].size;
		if (ts > m->seen[lo].time)
			m->seen[lo].time = ts;
		if (size > m->seen[lo].size)
			m->seen[lo].size = size;
		return changed;
	}
	if (!GROW(m, seen)) {
		*rc = -ENOMEM;
		return false;
	}
	memmove(&m->seen[lo + 1], &m->seen[lo], (m->n_seen - 1 - lo) * sizeof(*m->seen));
	m->seen[lo] = (struct facts_seen){ d, ts, size };
	return true;
}

/* Cosignatures of the member's log from seen_from on ("wit:cosigs": log ‖ size ‖ name →
 * "timestamp line"); the member's own do not count. */
static int
refresh_seen(struct store *s, MDB_txn *txn, struct facts_member *m, bool *changed)
{
	uint8_t key[12];
	MDB_cursor *c;
	MDB_val k = { sizeof(key), key }, v;
	size_t ol = strlen(m->origin);
	uint64_t top = m->seen_from;
	int rc, err = 0;

	for (int i = 0; i < 4; i++)
		key[i] = (uint8_t)(m->log >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		key[4 + i] = (uint8_t)(m->seen_from >> (56 - 8 * i));
	if ((rc = mdb_cursor_open(txn, store_dbs(s, &witness_module)[0], &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kp = k.mv_data;
		const char *val = v.mv_data;
		uint64_t ts = 0;
		size_t i;
		if (k.mv_size < 12 || be32(kp) != m->log)
			break;
		uint64_t size = be64(kp + 4);
		if (k.mv_size - 12 == ol && !memcmp(kp + 12, m->origin, ol))
			continue;
		for (i = 0; i < v.mv_size && val[i] >= '0' && val[i] <= '9' && i < 19; i++)
			ts = ts * 10 + (uint64_t)(val[i] - '0');
		if (i == 0 || i >= v.mv_size || val[i] != ' ')
			continue;
		if (add_seen(m, ts, size, &err))
			*changed = true;
		if (err)
			break;
		if (size > top)
			top = size;
	}
	mdb_cursor_close(c);
	m->seen_from = top;
	if (err)
		return err;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

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

/* Folds the new entries of a member's log, then its cosignatures and evidence. */
static int
refresh_member(struct facts *f, struct store *s, MDB_txn *txn, struct facts_member *m,
               const Remacto__Store__LogRecord *rec, char *err, size_t errcap)
{
	bool changed = false;
	int rc = 0;

	if (!rec) {
		if (m->held)
			changed = true; /* cannot happen (logs are never removed): start over */
		if (changed) {
			m->held = false;
			m->gen = ++f->clock;
		}
		return 0;
	}
	if (!m->held || m->log != rec->id || rec->size < m->size) {
		/* A log never shrinks; a different one (a store replaced under the node) is folded
		 * from its start. */
		if (m->held)
			member_reset(m);
		m->held = true;
		m->log = rec->id;
		changed = true;
	}
	if (rec->size > m->size) {
		struct fold x = { .f = f, .m = m };
		rc = store_entry_each(s, txn, rec->id, m->size, rec->size - m->size, fold_entry,
		                      &x);
		if (rc == 0)
			rc = x.rc;
		if (rc != 0) {
			err_set(err, errcap, "log %s: cannot fold entries %llu-%llu: %s", m->origin,
			        (unsigned long long)m->size, (unsigned long long)rec->size - 1,
			        store_strerror(rc));
			/* Half a fold is worse than none: the next refresh starts this log over. */
			member_reset(m);
			m->gen = ++f->clock;
			return rc;
		}
		m->size = rec->size;
		changed = true;
	}
	if ((rc = refresh_seen(s, txn, m, &changed)) != 0 ||
	    (rc = refresh_evidence(s, txn, m, &changed)) != 0) {
		err_set(err, errcap, "log %s: cannot read cosignatures or evidence: %s", m->origin,
		        store_strerror(rc));
		return rc;
	}
	if (changed)
		m->gen = ++f->clock;
	return 0;
}

/* ---- the registry snapshot ---- */

/* Decodes registry entry index (NULL when it does not decode). */
static Remacto__V1__Entry *
registry_entry(struct store *s, MDB_txn *txn, uint32_t log, uint64_t index)
{
	const uint8_t *data;
	size_t len;
	if (store_entry_get(s, txn, log, index, &data, &len) != 0)
		return NULL;
	return remacto__v1__entry__unpack(NULL, len, data);
}

static char *
dup_text(const Remacto__V1__Text *t, int which)
{
	const char *s = !t ? "" : which == 0 ? t->fr : which == 1 ? t->ar : t->en;
	return strdup(s ? s : "");
}

struct reload {
	struct facts *f;
	struct store *s;
	MDB_txn *txn;
	uint32_t log; /* the registry log */
	struct facts_member **list;
	size_t n, cap;
	int rc;
};

/* The member object of origin: the one already folded, or a new one. */
static struct facts_member *
member_for(struct reload *r, const char *origin)
{
	struct facts *f = r->f;
	uint32_t i = map_get(f->by_origin, key1(K_MEMBER, facts_string_find(f, origin)));
	struct facts_member *m = i != FACTS_NO_SLOT && i < f->n_members ? f->members[i] : NULL;
	if (m)
		f->members[i] = NULL; /* moved to the new list */
	else if (!(m = member_new(origin)))
		return NULL;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 64;
		struct facts_member **nl = realloc(r->list, ncap * sizeof(*nl));
		if (!nl) {
			member_free(m);
			return NULL;
		}
		r->list = nl, r->cap = ncap;
	}
	r->list[r->n++] = m;
	return m;
}

static int
reload_member(const Remacto__Store__MemberRecord *rec, void *arg)
{
	struct reload *r = arg;
	struct facts_member *m = member_for(r, rec->origin);
	Remacto__V1__MemberAdmission *a;
	if (!m)
		return -ENOMEM;
	a = remacto__v1__member_admission__unpack(NULL, rec->admission.len, rec->admission.data);
	free(m->name_fr), free(m->name_ar), free(m->name_en);
	m->name_fr = dup_text(a ? a->name : NULL, 0);
	m->name_ar = dup_text(a ? a->name : NULL, 1);
	m->name_en = dup_text(a ? a->name : NULL, 2);
	snprintf(m->hcp, sizeof(m->hcp), "%s", a && a->hcp_code ? a->hcp_code : "");
	snprintf(m->region, sizeof(m->region), "%s", a && a->region_code ? a->region_code : "");
	if (a && a->kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION && !m->region[0])
		snprintf(m->region, sizeof(m->region), "%s", m->hcp);
	m->kind = a ? a->kind : 0;
	m->population = a ? a->population : 0;
	m->admission = rec->admission_index;
	m->admitted = a ? facts_day_parse(a->date) : 0;
	if (!m->admitted) {
		Remacto__V1__Entry *e = registry_entry(r->s, r->txn, r->log, rec->admission_index);
		m->admitted = e ? facts_day_parse(e->published) : 0;
		if (e)
			remacto__v1__entry__free_unpacked(e, NULL);
	}
	m->registered = true;
	m->suspended = rec->suspended;
	m->suspended_at = rec->suspended ? rec->suspended_at_size : 0;
	m->suspension_index = rec->suspension_index;
	if (a)
		remacto__v1__member_admission__free_unpacked(a, NULL);
	if (!m->name_fr || !m->name_ar || !m->name_en)
		return -ENOMEM;
	return 0;
}

static int
reload_log(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct reload *r = arg;
	return member_for(r, rec->origin) ? 0 : -ENOMEM;
}

static int
reload_catalog(struct reload *r)
{
	struct facts *f = r->f;
	MDB_dbi db;
	MDB_cursor *c;
	MDB_val k, v;
	size_t cap = 0;
	int rc;

	catalog_clear(f);
	if (store_db(r->s, "reg:catalog", &db) != 0)
		return 0;
	if ((rc = mdb_cursor_open(r->txn, db, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (v.mv_size != 8)
			continue;
		Remacto__V1__Entry *e = registry_entry(r->s, r->txn, r->log, be64(v.mv_data));
		if (!e)
			continue;
		const Remacto__V1__CatalogIndicator *ci =
		        e->kind_case == REMACTO__V1__ENTRY__KIND_CATALOG_INDICATOR
		                ? e->catalog_indicator
		                : NULL;
		facts_str code = ci ? intern(f->strings, ci->code) : 0;
		if (code == FACTS_NO_SLOT) {
			rc = -ENOMEM;
		} else if (code) {
			if (f->n_catalog == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				struct facts_catalog *nc = realloc(f->catalog, ncap * sizeof(*nc));
				if (!nc)
					rc = -ENOMEM;
				else
					f->catalog = nc, cap = ncap;
			}
			if (rc == 0) {
				struct facts_catalog *ce = &f->catalog[f->n_catalog++];
				memset(ce, 0, sizeof(*ce));
				ce->code = code;
				ce->principle = ci->principle;
				ce->higher_is_better = ci->higher_is_better;
				ce->per_10k =
				        ci->normalisation ==
				        REMACTO__V1__NORMALISATION__NORMALISATION_PER_10000_INHABITANTS;
				ce->withdrawn = ci->withdrawn;
				ce->index = be64(v.mv_data);
				ce->title_fr = dup_text(ci->title, 0);
				ce->title_ar = dup_text(ci->title, 1);
				ce->title_en = dup_text(ci->title, 2);
				ce->unit = strdup(ci->unit ? ci->unit : "");
				if (!ce->title_fr || !ce->title_ar || !ce->title_en || !ce->unit)
					rc = -ENOMEM;
			}
		}
		remacto__v1__entry__free_unpacked(e, NULL);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
reload_policy(struct reload *r)
{
	struct facts_policy *p = &r->f->policy;
	MDB_dbi db;
	MDB_val k = { 7, "current" }, v;
	memset(p, 0, sizeof(*p));
	p->index = FACTS_NO_INDEX;
	if (store_db(r->s, "reg:policy", &db) != 0 || mdb_get(r->txn, db, &k, &v) != 0 ||
	    v.mv_size != 8)
		return 0;
	Remacto__V1__Entry *e = registry_entry(r->s, r->txn, r->log, be64(v.mv_data));
	if (e && e->kind_case == REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY) {
		const Remacto__V1__CompliancePolicy *cp = e->compliance_policy;
		p->liveness_days = cp->liveness_days;
		p->follow_up_days = cp->follow_up_days;
		p->milestone_grace_days = cp->milestone_grace_days;
		p->at_risk_score = cp->at_risk_score;
		p->non_compliant_score = cp->non_compliant_score;
		p->index = be64(v.mv_data);
	}
	if (e)
		remacto__v1__entry__free_unpacked(e, NULL);
	return 0;
}

/* Replaces the member list with r->list (members no longer listed are freed) and rebuilds the
 * origin map. */
static int
install_members(struct facts *f, struct reload *r)
{
	struct facts_map *map = NULL;
	int rc = 0;
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		facts_str id = intern(f->strings, r->list[i]->origin);
		rc = id == FACTS_NO_SLOT ? -ENOMEM : map_put(&map, key1(K_MEMBER, id), (uint32_t)i);
	}
	if (rc != 0) {
		map_free(map);
		return rc;
	}
	for (size_t i = 0; i < f->n_members; i++)
		member_free(f->members[i]); /* NULL for those moved to the new list */
	free(f->members);
	map_free(f->by_origin);
	f->members = r->list, f->n_members = r->n, f->cap_members = r->cap;
	f->by_origin = map;
	r->list = NULL;
	return 0;
}

/* Puts back the members moved to r->list (a failed reload leaves f as it was). */
static void
abandon(struct facts *f, struct reload *r)
{
	for (size_t i = 0; i < r->n; i++) {
		uint32_t j = map_get(f->by_origin,
		                     key1(K_MEMBER, facts_string_find(f, r->list[i]->origin)));
		if (j != FACTS_NO_SLOT && j < f->n_members && !f->members[j])
			f->members[j] = r->list[i];
		else
			member_free(r->list[i]);
	}
	free(r->list);
	r->list = NULL;
	/* Members moved out and not put back cannot exist: every moved one came from a slot. */
}

static int
reload_registry(struct facts *f, struct store *s, MDB_txn *txn, const char *origin, uint32_t log,
                char *err, size_t errcap)
{
	struct reload r = { .f = f, .s = s, .txn = txn, .log = log };
	int rc = 0;

	if (f->federated)
		rc = registry_each(s, txn, reload_member, &r);
	else
		rc = store_log_each(s, txn, reload_log, &r);
	if (rc == 0 && f->federated)
		rc = reload_catalog(&r);
	if (rc == 0 && f->federated)
		rc = reload_policy(&r);
	if (rc == 0)
		rc = install_members(f, &r);
	if (rc != 0) {
		abandon(f, &r);
		err_set(err, errcap, "cannot read the registry%s%s: %s", origin ? " " : "",
		        origin ? origin : "", store_strerror(rc));
		return rc;
	}
	if (!f->federated) {
		f->nlogs = f->n_members;
		catalog_clear(f);
		memset(&f->policy, 0, sizeof(f->policy));
		f->policy.index = FACTS_NO_INDEX;
	}
	f->registry_gen = ++f->clock;
	return 0;
}

/* ---- refresh ---- */

struct each_log {
	struct facts *f;
	struct store *s;
	MDB_txn *txn;
	char *err;
	size_t errcap;
	bool *seen; /* member index → a log was found */
	size_t nlogs;
};

static int
refresh_one_log(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct each_log *x = arg;
	struct facts *f = x->f;
	x->nlogs++;
	uint32_t i = map_get(f->by_origin, key1(K_MEMBER, facts_string_find(f, rec->origin)));
	if (i == FACTS_NO_SLOT || i >= f->n_members)
		return 0; /* not a member (the registry log itself, a log the registry never admitted) */
	x->seen[i] = true;
	return refresh_member(f, x->s, x->txn, f->members[i], rec, x->err, x->errcap);
}

int
facts_refresh(struct facts *f, struct store *s, MDB_txn *txn, const char *origin, char *err,
              size_t errcap)
{
	struct note_verifier auth;
	Remacto__Store__LogRecord *rec = NULL;
	uint64_t rsize = 0;
	uint32_t rlog = 0;
	int rc;

	err[0] = '\0';
	bool federated = registry_authority(s, txn, &auth);
	if (federated) {
		rc = store_log_get(s, txn, auth.name, &rec);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			err_set(err, errcap, "cannot read the registry log %s: %s", auth.name,
			        store_strerror(rc));
			return rc;
		}
		if (rec)
			rsize = rec->size, rlog = rec->id;
		remacto__store__log_record__free_unpacked(rec, NULL);
		rec = NULL;
	}
	if (federated != f->federated ||
	    (federated && (strcmp(f->registry, auth.name) != 0 || rsize != f->registry_size)) ||
	    f->registry_gen == 0) {
		f->federated = federated;
		snprintf(f->registry, sizeof(f->registry), "%s", federated ? auth.name : "");
		if ((rc = reload_registry(f, s, txn, federated ? auth.name : NULL, rlog, err,
		                          errcap)) != 0)
			return rc;
		f->registry_size = rsize;
	}

	if (origin) {
		struct facts_member *m = facts_member_find(f, origin);
		if (!m)
			return 0;
		rc = store_log_get(s, txn, m->origin, &rec);
		if (rc != 0 && rc != MDB_NOTFOUND) {
			err_set(err, errcap, "cannot read log %s: %s", m->origin,
			        store_strerror(rc));
			return rc;
		}
		rc = refresh_member(f, s, txn, m, rec, err, errcap);
		remacto__store__log_record__free_unpacked(rec, NULL);
		return rc;
	}

	struct each_log x = { f, s, txn, err, errcap, calloc(f->n_members + 1, sizeof(bool)), 0 };
	if (!x.seen) {
		err_set(err, errcap, "out of memory");
		return -ENOMEM;
	}
	rc = store_log_each(s, txn, refresh_one_log, &x);
	for (size_t i = 0; rc == 0 && i < f->n_members; i++)
		if (!x.seen[i])
			rc = refresh_member(f, s, txn, f->members[i], NULL, err, errcap);
	free(x.seen);
	if (rc != 0 && !err[0])
		err_set(err, errcap, "cannot list the logs: %s", store_strerror(rc));
	/* A standalone node's members are its logs: a new log means a new member list. */
	if (rc == 0 && !f->federated && x.nlogs != f->nlogs) {
		if ((rc = reload_registry(f, s, txn, NULL, 0, err, errcap)) == 0) {
			f->nlogs = x.nlogs;
			return facts_refresh(f, s, txn, NULL, err, errcap);
		}
	}
	return rc;
}
