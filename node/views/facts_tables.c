/*
 * facts_tables — the data structures the facts are kept in: strings interned once for the node
 * (ids, periods, codes: the views compare them as integers) or once for a member's stored
 * record (facts_store.c), open-addressing maps from (kind, id) to a member's slots, arrays that
 * grow by doubling, the arena protobuf-c decodes each entry into without a malloc per field,
 * and the member's state (facts.h) made of them. Part of the facts module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "facts_impl.h"

#define STRING_CHUNK 65536

/* ---- interned strings ---- */

struct facts_strings {
	char **chunks;
	size_t n_chunks, used; /* bytes used in the last chunk */
	const char **ptr;      /* id → string */
	uint32_t *hash;        /* id → its hash */
	size_t n, cap;
	uint32_t *table; /* open addressing: id, 0 = empty */
	size_t tcap;
	size_t bytes; /* of the strings */
};

void
facts_strings_free(struct facts_strings *st)
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

struct facts_strings *
facts_strings_new(void)
{
	struct facts_strings *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->cap = 1024, st->tcap = 2048;
	st->ptr = malloc(st->cap * sizeof(*st->ptr));
	st->hash = malloc(st->cap * sizeof(*st->hash));
	st->table = calloc(st->tcap, sizeof(*st->table));
	if (!st->ptr || !st->hash || !st->table) {
		facts_strings_free(st);
		return NULL;
	}
	st->ptr[0] = "";
	st->hash[0] = 0;
	st->n = 1;
	return st;
}

/* A copy of s (len bytes) NUL-terminated in the chunks. */
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
			memcpy(p, s, len);
			p[len] = '\0';
			return p;
		}
		st->chunks[st->n_chunks++] = p;
		st->used = own ? STRING_CHUNK : 0;
		if (own) {
			memcpy(p, s, len);
			p[len] = '\0';
			return p;
		}
	}
	p = st->chunks[st->n_chunks - 1] + st->used;
	memcpy(p, s, len);
	p[len] = '\0';
	st->used += len + 1;
	return p;
}

static uint32_t
fnv1a_len(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static facts_str
strings_find_len(const struct facts_strings *st, const char *s, size_t n, uint32_t h)
{
	size_t mask = st->tcap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t id = st->table[i];
		if (id == 0)
			return 0;
		if (st->hash[id] == h && strncmp(st->ptr[id], s, n) == 0 && st->ptr[id][n] == '\0')
			return id;
	}
}

/* The id of s (n bytes, no NUL among them), interning it when new; 0 for "", FACTS_NO_SLOT
 * when out of memory. */
facts_str
facts_intern_len(struct facts_strings *st, const char *s, size_t n)
{
	if (!s || n == 0)
		return 0;
	uint32_t h = fnv1a_len(s, n);
	facts_str id = strings_find_len(st, s, n, h);
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
	char *copy = strings_copy(st, s, n);
	if (!copy)
		return FACTS_NO_SLOT;
	id = (facts_str)st->n++;
	st->ptr[id] = copy;
	st->hash[id] = h;
	st->bytes += n + 1;
	size_t j = h & (st->tcap - 1);
	while (st->table[j])
		j = (j + 1) & (st->tcap - 1);
	st->table[j] = id;
	return id;
}

facts_str
facts_intern(struct facts_strings *st, const char *s)
{
	return s ? facts_intern_len(st, s, strlen(s)) : 0;
}

facts_str
facts_strings_find(const struct facts_strings *st, const char *s)
{
	if (!s || !*s)
		return 0;
	size_t n = strlen(s);
	return strings_find_len(st, s, n, fnv1a_len(s, n));
}

const char *
facts_strings_get(const struct facts_strings *st, facts_str id)
{
	return id < st->n ? st->ptr[id] : "";
}

size_t
facts_strings_count(const struct facts_strings *st)
{
	return st->n;
}

size_t
facts_strings_bytes(const struct facts_strings *st)
{
	return st->bytes + st->cap * (sizeof(*st->ptr) + sizeof(*st->hash)) +
	       st->tcap * sizeof(*st->table);
}

const char *
facts_string(const struct facts *f, facts_str id)
{
	return facts_strings_get(f->strings, id);
}

size_t
facts_strings_memory(const struct facts *f)
{
	return facts_strings_bytes(f->strings);
}

facts_str
facts_string_find(const struct facts *f, const char *s)
{
	return facts_strings_find(f->strings, s);
}

/* ---- maps: 64-bit key → 32-bit slot ---- */

struct facts_map {
	uint64_t *keys; /* 0 = empty (no key is 0: every key has a kind) */
	uint32_t *vals;
	size_t n, cap;
};

static size_t
slot_of(uint64_t k, size_t cap)
{
	return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

uint32_t
facts_map_get(const struct facts_map *m, uint64_t k)
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

void
facts_map_free(struct facts_map *m)
{
	if (m) {
		free(m->keys);
		free(m->vals);
		free(m);
	}
}

int
facts_map_put(struct facts_map **pm, uint64_t k, uint32_t v)
{
	struct facts_map *m = *pm;
	if (!m) {
		if (!(m = *pm = calloc(1, sizeof(*m))))
			return -ENOMEM;
	}
	if ((m->n + 1) * 4 > m->cap * 3) { /* three quarters full at most */
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

size_t
facts_map_bytes(const struct facts_map *m)
{
	return m ? sizeof(*m) + m->cap * (sizeof(*m->keys) + sizeof(*m->vals)) : 0;
}

/* ---- the decoding arena ---- */

static void *
arena_alloc(void *data, size_t n)
{
	struct facts_arena *a = data;
	n = (n + 15) & ~(size_t)15;
	if (n > a->size - a->used)
		return malloc(n); /* a huge entry: the rest goes to the heap, freed by protobuf-c */
	void *p = a->buf + a->used;
	a->used += n;
	return p;
}

static void
arena_free(void *data, void *p)
{
	struct facts_arena *a = data;
	if (p && ((uint8_t *)p < a->buf || (uint8_t *)p >= a->buf + a->size))
		free(p);
}

int
facts_arena_init(struct facts_arena *a, size_t size)
{
	memset(a, 0, sizeof(*a));
	if (!(a->buf = malloc(size)))
		return -ENOMEM;
	a->size = size;
	a->pa = (ProtobufCAllocator){ arena_alloc, arena_free, a };
	return 0;
}

void
facts_arena_release(struct facts_arena *a)
{
	if (a) {
		free(a->buf);
		a->buf = NULL;
		a->size = a->used = 0;
	}
}

/* ---- growing arrays ---- */

void *
facts_grow(void *pv, size_t *n, size_t *cap, size_t size)
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

int
facts_reserve(void *pv, size_t *cap, size_t n, size_t size)
{
	void *v;
	if (n <= *cap)
		return 0;
	memcpy(&v, pv, sizeof(v));
	void *nv = realloc(v, n * size);
	if (!nv)
		return -ENOMEM;
	memcpy(pv, &nv, sizeof(nv));
	*cap = n;
	return 0;
}

/* ---- a member's state ---- */

struct facts_state *
facts_state_new(void)
{
	return calloc(1, sizeof(struct facts_state));
}

void
facts_state_free(struct facts_state *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_indicators; i++) {
		free(st->indicators[i].targets);
		free(st->indicators[i].periods);
	}
	free(st->programmes);
	free(st->commitments);
	free(st->milestones);
	free(st->indicators);
	free(st->changes);
	free(st->events);
	free(st->amends);
	free(st->strs);
	facts_map_free(st->map);
	free(st);
}

size_t
facts_state_bytes(const struct facts_state *st)
{
	size_t n = sizeof(*st) + facts_map_bytes(st->map) +
	           st->cap_programmes * sizeof(*st->programmes) +
	           st->cap_commitments * sizeof(*st->commitments) +
	           st->cap_milestones * sizeof(*st->milestones) +
	           st->cap_indicators * sizeof(*st->indicators) +
	           st->cap_changes * sizeof(*st->changes) + st->cap_events * sizeof(*st->events) +
	           st->cap_amends * sizeof(*st->amends) + st->cap_strs * sizeof(*st->strs);
	for (size_t i = 0; i < st->n_indicators; i++)
		n += st->indicators[i].n_targets * sizeof(struct facts_target) +
		     st->indicators[i].cap_periods * sizeof(struct facts_period);
	return n;
}

int
facts_state_index(struct facts_state *st)
{
	int rc = 0;
	facts_map_free(st->map);
	st->map = NULL;
	for (size_t i = 0; i < st->n_programmes && rc == 0; i++)
		rc = facts_map_put(&st->map, key1(K_PROG, st->programmes[i].id), (uint32_t)i);
	for (size_t i = 0; i < st->n_commitments && rc == 0; i++)
		rc = facts_map_put(&st->map, key1(K_COMMIT, st->commitments[i].id), (uint32_t)i);
	for (size_t i = 0; i < st->n_milestones && rc == 0; i++)
		rc = facts_map_put(&st->map,
		                   key2(K_MS, st->milestones[i].commit, st->milestones[i].id),
		                   (uint32_t)i);
	for (size_t i = 0; i < st->n_indicators && rc == 0; i++) {
		const struct facts_indicator *ind = &st->indicators[i];
		rc = facts_map_put(&st->map, key1(K_IND, ind->id), (uint32_t)i);
		for (size_t j = 0; j < ind->n_periods && rc == 0; j++)
			rc = facts_map_put(&st->map,
			                   key2(K_PERIOD, (uint32_t)i, ind->periods[j].period),
			                   (uint32_t)j);
	}
	return rc;
}

uint32_t
facts_period_slot(const struct facts_state *st, uint32_t i, facts_str p)
{
	return p ? facts_map_get(st->map, key2(K_PERIOD, i, p)) : FACTS_NO_SLOT;
}

uint32_t
facts_programme_slot(const struct facts_state *st, facts_str id)
{
	return id ? facts_map_get(st->map, key1(K_PROG, id)) : FACTS_NO_SLOT;
}

uint32_t
facts_commitment_slot(const struct facts_state *st, facts_str id)
{
	return id ? facts_map_get(st->map, key1(K_COMMIT, id)) : FACTS_NO_SLOT;
}

uint32_t
facts_indicator_slot(const struct facts_state *st, facts_str id)
{
	return id ? facts_map_get(st->map, key1(K_IND, id)) : FACTS_NO_SLOT;
}
