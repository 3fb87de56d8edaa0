/*
 * facts_impl — what the files of the facts module share: the interned strings, the id maps,
 * the growing arrays and the decoding arena (facts_tables.c), the fold of one entry
 * (facts_fold.c) that the store's hook (facts_store.c) and the readers' tails (facts.c) both
 * run, and the stored records' encodings (facts_codec.c). Not for other modules: facts.h and
 * facts_store.h are the contracts.
 */
#ifndef REMACTO_FACTS_IMPL_H
#define REMACTO_FACTS_IMPL_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "facts.h"

#include "remacto.pb-c.h"

#define ARENA_SIZE ((size_t)1 << 20)
#define ID_MAX ((uint32_t)1 << 30) /* interned ids and slots fit 30 bits in map keys */

/* ---- interned strings ---- */

struct facts_strings *facts_strings_new(void);
void facts_strings_free(struct facts_strings *st);
/* The id of s, interning it when new; FACTS_NO_SLOT when out of memory. Ids are given in order
 * from 1: interning the strings of a stored table in order gives them their stored refs. */
facts_str facts_intern(struct facts_strings *st, const char *s);
facts_str facts_intern_len(struct facts_strings *st, const char *s, size_t len);
facts_str facts_strings_find(const struct facts_strings *st, const char *s);
const char *facts_strings_get(const struct facts_strings *st, facts_str id);
size_t facts_strings_count(const struct facts_strings *st); /* ids 1 .. count - 1 are in use */
size_t facts_strings_bytes(const struct facts_strings *st);

/* ---- maps: 64-bit key (a kind and one or two 30-bit ids) → 32-bit slot ---- */

enum { K_PROG = 1, K_COMMIT, K_IND, K_MS, K_MEMBER, K_PERIOD };

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
size_t facts_map_bytes(const struct facts_map *m);

/* ---- growing arrays: GROW(m, name) appends a zeroed element to m->name (NULL: no memory) */

void *facts_grow(void *pv, size_t *n, size_t *cap, size_t size);
#define GROW(m, name) facts_grow(&(m)->name, &(m)->n_##name, &(m)->cap_##name, sizeof(*(m)->name))
/* Makes room for n elements in all (0 or -ENOMEM). */
int facts_reserve(void *pv, size_t *cap, size_t n, size_t size);
#define RESERVE(m, name, n) facts_reserve(&(m)->name, &(m)->cap_##name, (n), sizeof(*(m)->name))

/* ---- the decoding arena: protobuf-c's allocator for the fold, reset per entry ---- */

struct facts_arena {
	uint8_t *buf;
	size_t size, used;
	ProtobufCAllocator pa;
};
/* 0 or -ENOMEM; size bytes before the heap takes over. */
int facts_arena_init(struct facts_arena *a, size_t size);
void facts_arena_release(struct facts_arena *a);

/* ---- states ---- */

struct facts_state *facts_state_new(void);
void facts_state_free(struct facts_state *st);
/* Memory a state holds (the cache's accounting). */
size_t facts_state_bytes(const struct facts_state *st);
/* Rebuilds st->map from the objects (after reading them from the store). 0 or -ENOMEM. */
int facts_state_index(struct facts_state *st);

/* ---- the fold (facts_fold.c) ---- */

struct facts_fold {
	struct facts_strings *strings; /* where the state's ids live */
	struct facts_state *st;
	struct facts_arena *arena;
	uint64_t index;
	facts_day pub;
	int rc;
	/* The store's amendments that declare change c: the earliest `published` of one into
	 * *match (left as it is when none). NULL: none stored. */
	int (*stored_match)(void *arg, const struct facts_change *c, facts_day *match);
	/* Called before an indicator's periods are read or changed (slot may be new). NULL: they
	 * are all in memory. */
	int (*touch_periods)(void *arg, uint32_t slot);
	void *arg;
	uint64_t folded;
};

/* Folds entry `index` (its exact bytes) into x->st: a store_entry_each callback. Entries that
 * do not decode fold into nothing. Returns x->rc (0 or -ENOMEM, or a callback's error). */
int facts_fold_entry(uint64_t index, const uint8_t *data, size_t len, void *arg);
/* The same for an entry already decoded. */
int facts_fold_decoded(struct facts_fold *x, uint64_t index, const Remacto__V1__Entry *e);

/* Applies event e to the states as of a day at (the caller checked e is visible): the latest
 * by log index wins, dates and counts only grow. The arrays of at are large enough. */
void facts_at_apply(struct facts_at *at, const struct facts_event *e);
/* Sizes at's arrays for st's objects, every slot "nothing visible". 0 or -ENOMEM. */
int facts_at_reset(struct facts_at *at, const struct facts_state *st, facts_day d);
bool facts_same_value(const char *a, const char *b);

/* ---- stored records (facts_codec.c): see facts_store.c for the databases ---- */

#define FACTS_STORE_FORMAT 1
#define FACTS_CHUNK_MAX 1800 /* bytes of events in one fx:delta record (fits a leaf page) */

/* The member record: format, entries folded, the string table, the objects (indicators
 * without their periods, which fx:ip holds), the changes. Strings are the table's refs. */
int facts_codec_member_put(struct buf *b, const struct facts_state *st,
                           const struct facts_strings *strs);
/* Reads a member record: the objects into st (empty), each string interned into strs with its
 * id in st->strs (ref → id; refs are translated). -EBADMSG when malformed or of another format. */
int facts_codec_member_get(const uint8_t *p, size_t n, struct facts_state *st,
                           struct facts_strings *strs);

/* Readers translate the record's string refs into ids through st->strs (a ref the table does
 * not have is -EBADMSG). */

/* How many entries a member record says are folded (0 when it does not parse). */
uint64_t facts_codec_member_stored(const uint8_t *p, size_t n);

/* An indicator's periods (fx:ip). */
int facts_codec_periods_put(struct buf *b, const struct facts_indicator *ind);
int facts_codec_periods_get(const uint8_t *p, size_t n, const struct facts_state *st,
                            struct facts_indicator *ind);

/* A snapshot (fx:snap): the states of every slot as of a month's end, its latest `published`
 * and the amendments counted. get fills at (sized for the state) from a record; slots the
 * record does not have stay as they are. */
int facts_codec_snap_put(struct buf *b, const struct facts_at *at, facts_day max_pub);
int facts_codec_snap_get(const uint8_t *p, size_t n, const struct facts_state *st,
                         struct facts_at *at, facts_day *max_pub);

/* Events of one month (fx:delta): a chunk starts with its first event's index and day; each
 * event is written relative to them. */
void facts_codec_chunk_start(struct buf *b, const struct facts_event *first);
void facts_codec_event_put(struct buf *b, const uint8_t *chunk, const struct facts_event *e);
/* Calls fn on each event of a chunk; -EBADMSG when malformed. */
int facts_codec_chunk_each(const uint8_t *p, size_t n, const struct facts_state *st,
                           int (*fn)(const struct facts_event *e, void *arg), void *arg);

/* An amendment (fx:amend, keyed by log and index). */
int facts_codec_amend_put(struct buf *b, const struct facts_change *a);
int facts_codec_amend_get(const uint8_t *p, size_t n, uint64_t index, const struct facts_state *st,
                          struct facts_change *a);

/* ---- members and the registry snapshot (facts.c, facts_registry.c) ---- */

struct store;
void facts_member_free(struct facts *f, struct facts_member *m);
void facts_catalog_clear(struct facts *f);
/* Reads the member list, the catalogue and the policy again from the registry log (log, named
 * origin; NULL and 0 on a standalone node, whose members are its logs) in txn. On failure f is
 * left as it was and err says what failed. */
int facts_registry_reload(struct facts *f, struct store *s, MDB_txn *txn, const char *origin,
                          uint32_t log, char *err, size_t errcap);

#endif
