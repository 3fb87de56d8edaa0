/*
 * facts — what the derived views (compliance.h, benchmark.h) need to know of every member,
 * folded straight from the logs, with a snapshot of the registry.
 *
 * The views answer "as of a date" and across every member at once (about 1,600 logs and
 * millions of entries) within milliseconds. Neither the entries nor the domain index (index.h,
 * which keeps the latest state only, without the days things were published) can be read that
 * fast, so a struct facts keeps, per member, compact arrays in log order of what the rules
 * read, each element with its log index and the day it was published:
 *   - programme versions (stage), commitment versions (programme, principles, start and end),
 *     status updates, milestone due dates (from commitment versions and amendments) and
 *     milestone outcomes;
 *   - indicators (catalog code, commitment, direction, current targets) and measurements
 *     (indicator, period, value, with or without dimensions);
 *   - amendments, classified (a date pushed back, a target lowered), and the changes a new
 *     version of a commitment or indicator made to a date or a target on its own, which an
 *     amendment may or may not declare;
 *   - the days its log was witnessed (wit:cosigs, the witnesses' timestamps; the member's own
 *     cosignatures do not count) and its equivocation evidence (ev:records).
 * The registry snapshot holds the members (kind, region, population, names, admission), the
 * national catalog (direction, normalisation) and the latest compliance policy.
 *
 * Maintenance is incremental: facts_refresh compares each log's size with what was folded and
 * decodes only the new entries (logs only grow), re-reads cosignatures from the latest
 * witnessed size on, counts evidence, and reloads the registry snapshot when the registry log
 * changed size. Nothing is stored: the first refresh after a start folds every log from its
 * first entry (a few tenths of a microsecond an entry), so the views are rebuilt from the logs
 * alone and can never disagree with them; `remacto compliance --data DIR` builds them from a data
 * folder outside any node. Known limit: a cosignature that arrives later for a
 * checkpoint older than the latest one witnessed is seen after the next start only.
 *
 * Every change bumps the member's gen (the registry's: registry_gen) from one clock, so the
 * views keep memoised results (struct facts_memo) exactly as long as they hold.
 *
 * Rules of the fold (what "latest" means): the latest version of anything is the one with the
 * highest log index; an indicator's catalog code, commitment, direction and targets are those of
 * its latest version; a milestone, once published, stays (a later version that leaves it out
 * does not withdraw it); events naming a commitment, milestone or indicator the log did not hold
 * yet are left out (a node's own log cannot hold them: index_apply refuses them in strict mode).
 *
 * Ownership: a struct facts owns everything it points to; members and strings stay valid until
 * facts_free (members are never dropped, only added). Not thread-safe: the daemon uses it from
 * its service thread only.
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
#define FACTS_MEMO 64 /* memoised results per member (compliance.c) */

enum facts_class {
	FACTS_OTHER = 0,
	FACTS_DATE_LATER = 1,   /* a date pushed back (endDate, a milestone's dueDate, ...) */
	FACTS_TARGET_LOWER = 2, /* a target made less ambitious, given the direction */
};

/* ---- per member, in log order ---- */

struct facts_prog_v {
	uint64_t index;
	facts_day pub;
	uint32_t prog; /* slot in programmes */
	uint8_t stage; /* Remacto__V1__ProgrammeStage */
};

struct facts_commit_v {
	uint64_t index;
	facts_day pub, start, end;
	uint32_t commit;    /* slot in commitments */
	facts_str prog;     /* programme id */
	uint8_t principles; /* bit p for each Remacto__V1__Principle p */
};

struct facts_status {
	uint64_t index;
	facts_day pub, day; /* day: the update's date, else pub */
	uint32_t commit;
	uint8_t completion; /* Remacto__V1__Completion */
};

struct facts_due {
	uint64_t index; /* the commitment version or amendment that set it */
	facts_day pub, due;
	uint32_t milestone;
};

struct facts_outcome {
	uint64_t index;
	facts_day pub, day;
	uint32_t milestone;
	uint8_t status; /* Remacto__V1__MilestoneStatus */
};

struct facts_meas {
	uint64_t index;
	double value;
	facts_day pub;
	uint32_t indicator;
	facts_str period;
	bool dims; /* a breakdown (has dimensions), not the total */
};

/* An amendment, or (in changes) what a new version changed by itself: both are matched by
 * (subject, field, new value) in compliance.c. */
struct facts_change {
	uint64_t index;
	uint64_t prev; /* changes: the version before; amendments: FACTS_NO_INDEX */
	facts_day pub, day;
	facts_str subject, field, old_value, new_value;
	uint8_t subject_kind; /* Remacto__V1__Subject */
	uint8_t cls;          /* enum facts_class */
};

/* ---- per member, objects ---- */

struct facts_programme {
	facts_str id;
};

struct facts_commitment {
	facts_str id;
	uint64_t first, latest;
	facts_day first_pub;
	facts_day end; /* current end date, for change detection */
	bool versioned;
};

struct facts_milestone {
	uint32_t commit;
	facts_str id;
	facts_day due; /* current due date, for change detection */
};

/* One of an indicator's measurements: its position in the member's meas (with FACTS_DIMS set
 * for a breakdown) and its period, side by side so that a benchmark scans them without touching
 * the measurements themselves. */
struct facts_imeas {
	uint32_t pos;
	facts_str period;
};
#define FACTS_DIMS 0x80000000u
#define FACTS_POS(im) ((im)->pos & ~FACTS_DIMS)

struct facts_target {
	facts_str period;
	double value;
};

struct facts_indicator {
	facts_str id, code, commitment;
	bool ascending;
	uint64_t first, latest;
	facts_day first_pub;
	struct facts_target *targets;
	size_t n_targets;
	struct facts_imeas *meas; /* its measurements, in log order */
	size_t n_meas, cap_meas;
};

/* When a day was witnessed: the latest timestamp that day and the largest size cosigned. */
struct facts_seen {
	facts_day day;
	uint64_t time;
	uint64_t size;
};

struct facts_memo {
	uint64_t gen, rgen;
	facts_day day;
	uint8_t status, score;
	uint16_t count[4]; /* findings by severity */
};

#define FACTS_ARRAY(type, name) \
	type *name;             \
	size_t n_##name, cap_##name

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
	uint64_t size; /* entries folded */
	FACTS_ARRAY(struct facts_prog_v, progs);
	FACTS_ARRAY(struct facts_commit_v, commits);
	FACTS_ARRAY(struct facts_status, statuses);
	FACTS_ARRAY(struct facts_due, dues);
	FACTS_ARRAY(struct facts_outcome, outcomes);
	FACTS_ARRAY(struct facts_meas, meas);
	FACTS_ARRAY(struct facts_change, amends);
	FACTS_ARRAY(struct facts_change, changes);
	FACTS_ARRAY(struct facts_programme, programmes);
	FACTS_ARRAY(struct facts_commitment, commitments);
	FACTS_ARRAY(struct facts_milestone, milestones);
	FACTS_ARRAY(struct facts_indicator, indicators);

	/* Witnesses and evidence. */
	FACTS_ARRAY(struct facts_seen, seen); /* by day */
	uint64_t seen_from;                   /* cosignatures are re-read from this size on */
	uint32_t forks;                       /* equivocation records */
	uint64_t fork_size_a, fork_size_b;

	uint64_t gen; /* bumped by every change above */
	struct facts_memo memo[FACTS_MEMO];
	unsigned memo_next;
	struct facts_map *map; /* (kind, id[, id]) → slot */
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
	uint64_t folded; /* entries folded since facts_new (for benchmarks) */
	struct facts_strings *strings;
	struct facts_map *by_origin; /* interned origin → member index */
	struct facts_arena *arena;   /* protobuf-c allocator for the fold */
};

struct facts *facts_new(void);
void facts_free(struct facts *f);

/* Brings f up to date with the store as txn sees it: the registry snapshot, then every member
 * (or only the member `origin` when not NULL) — new entries folded, cosignatures, evidence.
 * Returns 0 or an MDB error / -ENOMEM with err set ("log X: ..."). */
int facts_refresh(struct facts *f, struct store *s, MDB_txn *txn, const char *origin, char *err,
                  size_t errcap);

/* A member by slug ("rabat") or origin ("remacto.ma/rabat"); NULL when none. */
struct facts_member *facts_member_find(const struct facts *f, const char *name);
/* The catalog entry of code, NULL when the catalog has none. */
const struct facts_catalog *facts_catalog_find(const struct facts *f, const char *code);
/* The interned string (never NULL), and the id of s when interned (0 when not). */
const char *facts_string(const struct facts *f, facts_str id);
facts_str facts_string_find(const struct facts *f, const char *s);
/* Slot of a member's object by id (commitment, indicator) or (commitment id, milestone id):
 * FACTS_NO_SLOT when the member has none. */
uint32_t facts_commitment_slot(const struct facts_member *m, facts_str id);
uint32_t facts_indicator_slot(const struct facts_member *m, facts_str id);

/* ---- days and periods ---- */

/* "YYYY-MM-DD" (or the date part of an RFC 3339 time) → day; 0 when malformed. */
facts_day facts_day_parse(const char *s);
/* day → "YYYY-MM-DD" (out: 11 bytes). */
void facts_day_format(facts_day d, char out[11]);
/* The day of a UNIX time. */
facts_day facts_day_of_time(uint64_t t);

enum facts_granularity { FACTS_YEAR = 'Y', FACTS_QUARTER = 'Q', FACTS_MONTH = 'M' };
/* "YYYY", "YYYY-Qn", "YYYY-MM" → first and last day; false when malformed. */
bool facts_period_parse(const char *p, facts_day *first, facts_day *last, char *granularity);
/* The last day of the month `back` months before day d's month (back 0: d's own month). */
facts_day facts_month_end(facts_day d, unsigned back);
/* The latest period of granularity g that ended on or before day d, written into out (8+ bytes):
 * "2024", "2025-Q1", "2025-03". */
void facts_period_last(char g, facts_day d, char out[16]);

#endif
