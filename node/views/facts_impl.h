/*
 * facts_impl — what the files of the facts module share: the interned strings, the id maps,
 * the growing arrays and the decoding arena (facts_tables.c), and the fold of one entry
 * (facts_fold.c) that the refresh (facts.c) runs over new entries. Not for other modules:
 * facts.h is the contract.
 */
#ifndef REMACTO_FACTS_IMPL_H
#define REMACTO_FACTS_IMPL_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "facts.h"

#define ARENA_SIZE ((size_t)1 << 20)
#define ID_MAX ((uint32_t)1 << 30) /* interned ids and slots fit 30 bits in map keys */

/* ---- interned strings (one table for the node) ---- */

struct facts_strings *facts_strings_new(void);
void facts_strings_free(struct facts_strings *st);
/* The id of s, interning it when new; FACTS_NO_SLOT when out of memory. */
facts_str facts_intern(struct facts_strings *st, const char *s);

/* ---- maps: 64-bit key (a kind and one or two 30-bit ids) → 32-bit slot ---- */

enum { K_PROG = 1, K_COMMIT, K_IND, K_MS, K_MEMBER };

static inline uint64_t
key1(unsigned kind, uint32_t a)
{
	return (uint64_t)kind << 60 | a;
}

static inline uint64_t
key2(unsigned kind, uint32_t a, uint32_t b)
{
	return (uint64_t)kind << 60 | (uint64_t)a << 30 | b;
}

uint32_t facts_map_get(const struct facts_map *m, uint64_t k);
/* Creates *pm when NULL. 0 or -ENOMEM. */
int facts_map_put(struct facts_map **pm, uint64_t k, uint32_t v);
void facts_map_free(struct facts_map *m);

/* ---- growing arrays: GROW(m, name) appends a zeroed element to m->name (NULL: no memory) */

void *facts_grow(void *pv, size_t *n, size_t *cap, size_t size);
#define GROW(m, name) facts_grow(&(m)->name, &(m)->n_##name, &(m)->cap_##name, sizeof(*(m)->name))

/* ---- the decoding arena: protobuf-c's allocator for the fold, reset per entry ---- */

struct facts_arena {
	uint8_t *buf;
	size_t used;
	ProtobufCAllocator pa;
};
void *facts_arena_alloc(void *data, size_t n);
void facts_arena_free(void *data, void *p);

/* ---- the fold (facts_fold.c) ---- */

struct facts_fold {
	struct facts *f;
	struct facts_member *m;
	uint64_t index;
	facts_day pub;
	int rc;
};
/* Folds entry `index` (its exact bytes) into x->m: a store_entry_each callback. */
int facts_fold_entry(uint64_t index, const uint8_t *data, size_t len, void *arg);

#endif
