/*
 * rebuild — empties the databases of one store module and folds every log held into them
 * again, through the module's own apply hook (leniently: what was signed is taken as it is).
 * For derived views that, like the domain index, can always be made again from the logs alone
 * (`remacto log reindex`): the civic view (civic.h) and the search index (search.h).
 * One write transaction per log; the log's size is read inside it, so an append that slips in
 * meanwhile is folded exactly once. Any thread that may write (store_write).
 */
#ifndef REMACTO_REBUILD_H
#define REMACTO_REBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Told how far the fold of one log went (every 65,536 entries and at its end). */
typedef void (*store_progress_fn)(const char *origin, uint64_t done, uint64_t total, void *arg);

/* 0, or an MDB error / negative errno with err set (naming the log). progress may be NULL. */
int store_rebuild(struct store *s, const struct store_module *m, store_progress_fn progress,
                  void *arg, char *err, size_t errcap);

#endif
