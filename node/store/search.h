/*
 * search — the full-text index of what members publish: programmes, commitments, milestones
 * and indicators, by the words of their texts in French, Arabic and English (folded by
 * core/textnorm.h), kept in the store entry by entry (a store module, like index.h) so that a
 * query reads a few pages of an LMDB tree instead of scanning logs.
 *
 * Key layout (log = the store's log id, u32 big-endian; kind = one byte, enum search_kind):
 *   sx:terms  word‖0‖doc → ""                          one posting per word of a document
 *   sx:docs   doc → latest index (u64 BE)‖n (u8)‖commitment (n bytes)‖words, each NUL-ended
 * where doc = log‖kind‖id, and for a milestone log‖'M'‖commitment‖0‖milestone id. The
 * document's words are kept with it so that a new version removes exactly the postings of the
 * old one, and so that a query checks its other words against one record. commitment is the
 * commitment an indicator belongs to (empty otherwise: a milestone's is in its key).
 * What is indexed, from each new version: a programme's id, title and summary; a commitment's
 * id, title, problem, description, lead body and stakeholders, and each milestone's title
 * (a milestone stays once published, as facts.h says); an indicator's id, catalog code and
 * title. Applying the same entry twice leaves the same records (store_rebuild relies on it).
 *
 * A query: its words (at most SEARCH_MAX_WORDS) must all be found, each as a prefix of a
 * word of the document ("budg" finds "budget", "انشا" finds "انشاء"). The word with the fewest
 * postings drives the walk over sx:terms from its prefix on (words equal to it first, then
 * longer ones, each by log); every other word is checked in the document's record. The walk
 * reads at most SEARCH_MAX_SCAN postings: past that the answer says `truncated`. member= seeks
 * within each word to that log; principle= keeps what belongs to a commitment under that
 * principle (programmes have none).
 *
 * Reading is any thread (a read transaction); search_apply runs in the writer's transaction.
 */
#ifndef REMACTO_SEARCH_H
#define REMACTO_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "index.h"
#include "store.h"

extern const struct store_module search_module;

enum search_db { SEARCH_TERMS, SEARCH_DOCS, SEARCH_NDBS };

enum search_kind {
	SEARCH_PROGRAMME = 'P',
	SEARCH_COMMITMENT = 'C',
	SEARCH_MILESTONE = 'M',
	SEARCH_INDICATOR = 'I',
};

#define SEARCH_MAX_WORDS 8
#define SEARCH_MAX_DOC_WORDS 512 /* distinct words kept for one document */
#define SEARCH_MAX_RESULTS 100
#define SEARCH_MAX_SCAN 20000 /* postings read by one query */

int search_apply(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
                 const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap);

struct search_query {
	const char *text;
	size_t len;
	bool by_log; /* member filter */
	uint32_t log;
	int principle; /* 0: any */
	char kind;     /* 0: any, else enum search_kind */
	size_t limit;  /* 1 .. SEARCH_MAX_RESULTS */
};

struct search_hit {
	uint32_t log;
	char kind;
	char id[INDEX_MAX_ID + 1];
	char commitment[INDEX_MAX_ID + 1]; /* a milestone's or an indicator's, else "" */
	uint64_t index;                    /* the latest entry that indexed it */
};

struct search_result {
	char words[SEARCH_MAX_WORDS][64]; /* the query's folded words */
	size_t n_words;
	struct search_hit hits[SEARCH_MAX_RESULTS];
	size_t n;
	bool more;      /* more hits than limit */
	bool truncated; /* the walk stopped at SEARCH_MAX_SCAN postings */
	size_t scanned; /* postings read */
};

/* Runs q in txn into out. 0; -EINVAL with err when the query has no word to search for; an
 * MDB error. */
int search_run(struct store *s, MDB_txn *txn, const struct search_query *q,
               struct search_result *out, char *err, size_t errcap);

#endif
