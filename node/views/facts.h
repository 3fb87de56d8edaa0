/*
 * facts — what the derived views (compliance.h, benchmark.h) need to know of every member: the
 * registry's snapshot, and each member's log folded into its objects and their states as of any
 * day. The fold lives in the store (facts_store.h): LMDB holds each member's folded log,
 * written in the same transaction as the entries, so a start reads it instead of folding the
 * logs again. This module is the reading side.
 *
 * The views answer "as of a date" and across every member at once (about 1,600 logs and tens of
 * millions of entries) within milliseconds. What they read of a member:
 *   - its objects (struct facts_state): programmes, commitments, milestones, indicators (with,
 *     per period reported, the first day anything was published for it and the latest total),
 *     and the changes a new version made on its own to a date or a target; small: they grow
 *     with objects and periods, never with status updates or measurements;
 *   - its objects' states as of a day (struct facts_at): the latest visible version, status,
 *     due date, outcome, measurement and total of each, built from the snapshot the store keeps
 *     of the day's month (when the day is past everything published that month), or of the
 *     month before with the month's events up to the day;
 *   - the days its log was witnessed (fx:seen: the witnesses' timestamps; the member's own
 *     cosignatures do not count), its equivocation evidence (ev:records), its amendments.
 * The registry snapshot holds the members (kind, region, population, names, admission), the
 * national catalog (direction, normalisation) and the latest compliance policy.
 *
 * A log the store has not folded to its end (a store written without the views' module, until
 * the node's start catches it up; a fold that waited for memory) has a tail: the reader folds
 * it in memory itself, with the same code (facts_fold.c), into the member's state.
 *
 * Memory: a struct facts keeps, per member, the registry's facts and a memo of results (about
 * 1.5 KB), and a cache of members' states bounded by cache_max (FACTS_CACHE_BYTES, 64 MiB; the
 * 1,600 members of the national benchmark take about 44 MiB), least recently used out; an
 * evicted state is read again from the store when needed. Snapshots and events are read through
 * LMDB's map, never kept. Nothing in memory grows with the number of entries, but tails.
 *
 * Refresh: facts_refresh compares the store with what was read (nothing to do when the
 * transaction is the same LMDB snapshot as before), reloads the registry snapshot when the
 * registry log changed, and for each member whose log grew reads its state again when needed.
 * The views then read the store through that transaction: keep it open while using the facts
 * (the API does within a request).
 *
 * Every change bumps the member's gen (the registry's: registry_gen) from one clock, so the
 * views keep memoised results (struct facts_memo) exactly as long as they hold.
 *
 * Rules of the fold (what "latest" means): the latest version of anything visible as of a day is
 * the one with the highest log index among those published (their `published` day) on or before
 * it; an indicator's catalog code, commitment, direction and targets are those of its latest
 * version; a milestone, once published, stays (a later version that leaves it out does not
 * withdraw it); events naming a commitment, milestone or indicator the log did not hold yet (in
 * log order) are left out (a node's own log cannot hold them: index_apply refuses them in strict
 * mode). Entries that do not decode are leaves of the log all the same and fold into nothing.
 *
 * Ownership: a struct facts owns everything it points to; members and strings stay valid until
 * facts_free (members are never dropped, only added); a state returned by facts_state stays
 * valid until the next call that may load another one (facts_state, facts_at, facts_refresh).
 * Not thread-safe: the daemon uses it from its service thread only.
 */
#ifndef REMACTO_FACTS_H
#define REMACTO_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A day: days since 1970-01-01 UTC; 0 means unknown (1970-01-01 itself is never a ledger date). */
typedef uint32_t facts_day;
/* An interned string: an id into the facts' string table; 0 is "". */
typedef uint32_t facts_str;

#define FACTS_NO_INDEX UINT64_MAX
#define FACTS_NO_SLOT UINT32_MAX
#define FACTS_NEVER UINT32_MAX /* a day that never comes: "no amendment matches" */
#define FACTS_MEMO 64          /* memoised results per member (compliance.c) */
#define FACTS_CACHE_BYTES ((size_t)64 << 20)
#define FACTS_ANSWERS 8                       /* answers memoised (facts_answer_put) */
#define FACTS_ANSWER_BYTES ((size_t)16 << 20) /* and their bytes in all */

enum facts_class {
	FACTS_OTHER = 0,
	FACTS_DATE_LATER = 1,   /* a date pushed back (endDate, a milestone's dueDate, ...) */
	FACTS_TARGET_LOWER = 2, /* a target made less ambitious, given the direction */
};

/* ---- a member's objects (slots in the order the log defined them) ---- */

struct facts_programme {
	facts_str id;
};

struct facts_commitment {
	facts_str id;
	uint64_t first, latest; /* its first and latest versions */
	facts_day minpub;       /* the earliest `published` of its versions */
	facts_day end;          /* current end date, for change detection */
	bool versioned;
};

struct facts_milestone {
	uint32_t commit;
	facts_str id;
	facts_day due;  /* current due date, for change detection */
	uint64_t first; /* the version that defined it */
};

struct facts_target {
	facts_str period;
	double value;
};

/* What an indicator's measurements say of one period. */
struct facts_period {
	facts_str period;
	facts_day first_pub; /* the earliest `published` of a measurement of it (any breakdown) */
	uint64_t total; /* the latest total (no dimensions): its log index, FACTS_NO_INDEX none */
	double value;   /* and its value */
};

struct facts_indicator {
	facts_str id, code, commitment;
	bool ascending;
	uint64_t first, latest;
	facts_day first_pub;
	struct facts_target *targets;
	size_t n_targets;
	struct facts_period *periods; /* in the order first reported */
	size_t n_periods, cap_periods;
};

/* An amendment, or (in changes) what a new version changed by itself: both are matched by
 * (subject, field, new value) in compliance.c. match: the earliest `published` of an amendment
 * declaring a change (FACTS_NEVER when none does). */
struct facts_change {
	uint64_t index;
	uint64_t prev; /* changes: the version before; amendments: FACTS_NO_INDEX */
	facts_day pub, match;
	facts_str subject, field, old_value, new_value;
	uint8_t subject_kind; /* Remacto__V1__Subject */
	uint8_t cls;          /* enum facts_class */
};

/* An event of the fold, what one entry did to one object's state as of its `published` day:
 * kind says which fields mean something. */
enum facts_event_kind {
	FACTS_EV_PROG = 1, /* a programme version: small = stage */
	FACTS_EV_COMMIT, /* a commitment version: day = start, small = principles, ref = programme */
	FACTS_EV_STATUS,   /* a status update: day = its date (else pub), small = completion */
	FACTS_EV_DUE,      /* a milestone's due date set: day */
	FACTS_EV_OUTCOME,  /* a milestone update: small = status */
	FACTS_EV_MEAS,     /* a measurement: ref = period, day = the period's last day (0: not a
	                      period), dims, value */
	FACTS_EV_DECLARED, /* an amendment that pushes a date back or lowers a target */
};

struct facts_event {
	uint64_t index;
	double value;
	facts_day pub, day;
	uint32_t slot;
	facts_str ref;
	uint8_t kind, small;
	bool dims;
};

#define FACTS_ARRAY(type, name) \
	type *name;             \
	size_t n_##name, cap_##name

/* A member's folded log: objects, the tail's events and amendments (not yet in the store). */
struct facts_state {
	uint64_t stored; /* entries folded into the store */
	uint64_t size;   /* entries folded in all: stored, then the tail */
	FACTS_ARRAY(struct facts_programme, programmes);
	FACTS_ARRAY(struct facts_commitment, commitments);
	FACTS_ARRAY(struct facts_milestone, milestones);
	FACTS_ARRAY(struct facts_indicator, indicators);
	FACTS_ARRAY(struct facts_change, changes);
	FACTS_ARRAY(struct facts_event, events);  /* the tail's, in log order */
	FACTS_ARRAY(struct facts_change, amends); /* the tail's, in log order */
	FACTS_ARRAY(facts_str, strs);             /* the store's string refs → ids */
	struct facts_map *map;                    /* (kind, id[, id]) → slot */
};

/* ---- a member's state as of a day ---- */

struct facts_prog_at {
	uint64_t index; /* latest visible version, FACTS_NO_INDEX none */
	uint8_t stage;  /* Remacto__V1__ProgrammeStage */
};

struct facts_commit_at {
	uint64_t v_index;   /* latest visible version */
	uint64_t s_index;   /* latest visible status update */
	facts_day start;    /* of the version */
	facts_day st_day;   /* the latest date of a visible status update (0 none) */
	facts_str prog;     /* the version's programme id */
	uint8_t principles; /* bit p for each Remacto__V1__Principle p */
	uint8_t completion; /* of the status update */
};

struct facts_ms_at {
	uint64_t d_index; /* the entry that set the visible due date */
	uint64_t o_index; /* the latest visible milestone update */
	facts_day due;
	uint8_t status; /* Remacto__V1__MilestoneStatus */
};

struct facts_ind_at {
	uint64_t m_index; /* the latest visible measurement (any breakdown) */
	uint64_t t_index; /* the visible total of the latest period (then highest index) */
	double t_value;
	facts_day m_maxpub; /* the latest `published` of a visible measurement */
	facts_day t_last;   /* the last day of t's period */
	facts_str m_period, t_period;
};

struct facts_at {
	facts_day day;
	FACTS_ARRAY(struct facts_prog_at, progs);
	FACTS_ARRAY(struct facts_commit_at, commits);
	FACTS_ARRAY(struct facts_ms_at, ms);
	FACTS_ARRAY(struct facts_ind_at, inds);
	uint32_t declared; /* visible amendments that push a date back or lower a target */
};

/* ---- the members ---- */

struct facts_memo {
	uint64_t gen, rgen;
	facts_day day;
	uint8_t status, score;
	uint16_t count[4]; /* findings by severity */
};

/* When a day was witnessed: the latest timestamp that day and the largest size cosigned. */
struct facts_seen {
	facts_day day;
	uint64_t time;
	uint64_t size;
};

struct facts_member {
	/* From the registry (on a standalone node: the log alone). */
	char *origin;
	const char *slug; /* into origin */
	char *name_fr, *name_ar, *name_en;
	char hcp[16], region[16];
	int kind; /* Remacto__V1__MemberKind */
	uint64_t population;
	uint64_t admission; /* registry index, FACTS_NO_INDEX when none */
	facts_day admitted; /* admission date (else the day it was published); 0 unknown */
	bool registered, suspended;
	uint64_t suspended_at;     /* while suspended: the last size of its log accepted */
	uint64_t suspension_index; /* registry entry of the latest (un)suspension, 0 unknown */

	/* The log. */
	bool held;
	uint32_t log;
	uint64_t size;   /* entries the views reflect */
	uint64_t stored; /* of which the store had folded when last read */
	uint32_t forks;  /* equivocation records */
	uint64_t fork_size_a, fork_size_b;
	uint64_t seen_version; /* of the days it was witnessed (facts_store_seen_version) */

	uint64_t gen; /* bumped by every change above */
	struct facts_memo memo[FACTS_MEMO];
	unsigned memo_next;

	/* Its row in the overview's text, the registry's part (compliance_json.c), as of
	 * registry generation row_rgen. */
	char *row;
	size_t row_len;
	uint64_t row_rgen;
	char *brow; /* the same of its rows in benchmarks (benchmark_json.c) */
	size_t brow_len;
	uint64_t brow_rgen;

	struct facts_state *st; /* the cache: NULL when not loaded */
	size_t st_bytes;
	uint64_t used;  /* the cache's clock when last used */
	uint64_t epoch; /* the refresh it was last checked against the store in */
};

/* ---- the registry ---- */

struct facts_catalog {
	facts_str code;
	int principle; /* Remacto__V1__Principle */
	bool higher_is_better;
	bool per_10k; /* NORMALISATION_PER_10000_INHABITANTS */
	bool withdrawn;
	char *title_fr, *title_ar, *title_en, *unit;
	uint64_t index; /* registry index of its (latest) CatalogIndicator */
};

/* The latest CompliancePolicy as published (0 = "use the default"), index FACTS_NO_INDEX when
 * the registry holds none. */
struct facts_policy {
	uint32_t liveness_days, follow_up_days, milestone_grace_days, at_risk_score,
	        non_compliant_score;
	uint64_t index;
};

struct facts {
	bool federated;     /* the store records a network authority */
	char registry[256]; /* the registry log's origin */
	uint64_t registry_size;
	uint64_t registry_gen;
	size_t nlogs;                  /* standalone: logs seen at the last refresh */
	struct facts_member **members; /* in origin order */
	size_t n_members, cap_members;
	struct facts_catalog *catalog; /* in code order */
	size_t n_catalog;
	struct facts_policy policy;
	uint64_t clock;
	uint64_t folded; /* entries this process folded (the tails), for benchmarks and tests */
	uint64_t loaded; /* states read from the store, the same */
	struct facts_strings *strings;
	struct facts_map *by_origin; /* interned origin → member index */
	struct facts_arena *arena;   /* protobuf-c allocator for the fold */
	/* The store and the transaction of the last refresh, which the views read through. */
	struct store *s;
	MDB_txn *txn;
	uint64_t txn_id;  /* its LMDB snapshot: a refresh in the same one has nothing to do */
	uint64_t epoch;   /* refreshes */
	bool all_checked; /* every member checked in this snapshot (not a refresh of one) */
	size_t cache_bytes, cache_max;
	uint64_t cache_clock;
	struct facts_at at; /* the views' scratch for one evaluation (compliance_eval.c) */
	uint8_t *gran;      /* string id → its granularity as a period, 0 unknown, 1 none */
	size_t n_gran;
	struct facts_answers *answers; /* facts_answer_get, facts_answer_put */
};

struct facts *facts_new(void);
void facts_free(struct facts *f);

/* Brings f up to date with the store as txn sees it: the registry snapshot, then every member
 * (or only the member `origin` when not NULL) — their logs, evidence. The views read the store
 * through txn afterwards: keep it open while using f. Returns 0 or an MDB error / -ENOMEM with
 * err set ("log X: ..."); -ENOTSUP when the store was opened without the views' module
 * (facts_store_open). */
int facts_refresh(struct facts *f, struct store *s, MDB_txn *txn, const char *origin, char *err,
                  size_t errcap);

/* Checks member m against the store as the last refresh's transaction sees it (a refresh of
 * one member leaves the others to be checked when used): its log, evidence and gen. 0 or an
 * MDB error. */
int facts_member_check(struct facts *f, struct facts_member *m);

/* Answers: the texts the views sent (the national overview's JSON, a benchmark's), memoised by
 * the caller under a key that names the whole question, and served again while nothing the
 * views read has changed (the clock has not moved since). At most FACTS_ANSWERS texts and
 * FACTS_ANSWER_BYTES in all, least recently used out; a text longer than that is not kept.
 * facts_answer_get after a facts_refresh of every member: the text (valid until the next facts_answer_put or
 * facts_free) and its length, or NULL when none is valid. facts_answer_put copies text; without
 * memory it keeps nothing (a memo). */
const uint8_t *facts_answer_get(struct facts *f, const char *key, size_t *len);
void facts_answer_put(struct facts *f, const char *key, const uint8_t *text, size_t len);
void facts_answers_free(struct facts_answers *a);

/* Bytes the interned strings hold (for benchmarks: the cache's are in cache_bytes). */
size_t facts_strings_memory(const struct facts *f);

/* A member by slug ("rabat") or origin ("remacto.ma/rabat"); NULL when none. */
struct facts_member *facts_member_find(const struct facts *f, const char *name);
/* The catalog entry of code, NULL when the catalog has none. */
const struct facts_catalog *facts_catalog_find(const struct facts *f, const char *code);
/* The interned string (never NULL), and the id of s when interned (0 when not). */
const char *facts_string(const struct facts *f, facts_str id);
facts_str facts_string_find(const struct facts *f, const char *s);

/* The member's objects, read from the store and its tail folded when not in the cache. NULL
 * with *rc set (an MDB error, -ENOMEM) when it cannot be read. Valid until the next call that
 * may load another state. */
const struct facts_state *facts_state(struct facts *f, struct facts_member *m, int *rc);
/* Slot of a member's object by id (programme, commitment, indicator): FACTS_NO_SLOT when
 * none; the position of period p among indicator slot i's periods, the same. */
uint32_t facts_programme_slot(const struct facts_state *st, facts_str id);
uint32_t facts_commitment_slot(const struct facts_state *st, facts_str id);
uint32_t facts_indicator_slot(const struct facts_state *st, facts_str id);
uint32_t facts_period_slot(const struct facts_state *st, uint32_t i, facts_str p);

/* Member m's objects' states as of day d into at (its arrays reused from call to call; free
 * them with facts_at_free). 0, an MDB error, MDB_CORRUPTED, -ENOMEM. */
int facts_at(struct facts *f, struct facts_member *m, facts_day d, struct facts_at *at);
void facts_at_free(struct facts_at *at);

/* The latest day on or before d that a witness other than the member cosigned its log (its
 * latest timestamp and largest size that day): 0 with seen filled, MDB_NOTFOUND when never,
 * or an MDB error. */
int facts_seen_at(struct facts *f, const struct facts_member *m, facts_day d,
                  struct facts_seen *seen);

/* Calls fn for each of the member's amendments in log order (the store's, then the tail's);
 * stops at a non-zero return and passes it on. */
typedef int (*facts_amend_fn)(const struct facts_change *a, void *arg);
int facts_amends(struct facts *f, struct facts_member *m, facts_amend_fn fn, void *arg);

/* ---- days and periods ---- */

/* "YYYY-MM-DD" (or the date part of an RFC 3339 time) → day; 0 when malformed. */
facts_day facts_day_parse(const char *s);
/* day → "YYYY-MM-DD" (out: 11 bytes). */
void facts_day_format(facts_day d, char out[11]);
/* The day of a UNIX time. */
facts_day facts_day_of_time(uint64_t t);
/* The granularity of interned string id read as a period (FACTS_YEAR, ...), 0 when it is not
 * one; remembered per id. */
char facts_period_granularity(struct facts *f, facts_str id);
/* The month of a day: year × 12 + month - 1 (0 for day 0). */
uint32_t facts_month_of(facts_day d);

enum facts_granularity { FACTS_YEAR = 'Y', FACTS_QUARTER = 'Q', FACTS_MONTH = 'M' };
/* "YYYY", "YYYY-Qn", "YYYY-MM" → first and last day; false when malformed. */
bool facts_period_parse(const char *p, facts_day *first, facts_day *last, char *granularity);
/* The last day of the month `back` months before day d's month (back 0: d's own month). */
facts_day facts_month_end(facts_day d, unsigned back);
/* The latest period of granularity g that ended on or before day d, written into out (8+ bytes):
 * "2024", "2025-Q1", "2025-03". */
void facts_period_last(char g, facts_day d, char out[16]);

#endif
