/*
 * observers — what civil society says of a member's commitments, read from the civic view
 * (store/civic.h) and the registry: the assessments of a commitment from every log, each
 * marked with whether its signer is an observer (MEMBER_KIND_OBSERVER in the registry), and
 * the tally the compliance report carries: how many of a member's commitments had an
 * independent assessment (one signed by an observer in its own log) by a date. Reported, never
 * a penalty: compliance.h's score does not read it.
 *
 * Reads only, in the caller's read transaction; any thread.
 */
#ifndef REMACTO_OBSERVERS_H
#define REMACTO_OBSERVERS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "facts.h"
#include "store/store.h"

struct observers_tally {
	unsigned commitments; /* published on or before the date */
	unsigned assessed;    /* of which with at least one observer's assessment by then */
	unsigned assessments; /* observers' assessments of them by then */
	unsigned observers;   /* distinct observers behind them */
};

/* The tally of member origin as of day as_of (0: no date limit). 0 or an MDB error. */
int observers_tally(struct store *s, MDB_txn *txn, const char *origin, facts_day as_of,
                    struct observers_tally *out);
/* {"commitments":N,"assessed":N,"assessments":N,"observers":N}; NULL when out of memory. */
json_t *observers_tally_json(const struct observers_tally *t);

/* Whether origin is an observer in the registry txn sees (false when not a member). */
bool observers_is_observer(struct store *s, MDB_txn *txn, const char *origin);

#endif
