/*
 * ledger — the node's store as the daemon, the CLI, the benchmarks and the tests open it: the
 * LMDB environment with every module that keeps databases in it, named here once, in the
 * lowest layer that knows them all (the store names none of them):
 *   the domain index (store/index.h), the registry view (registry.h), the cosignatures
 *   (witness.h), the equivocation evidence (evidence.h), the civic view (store/civic.h:
 *   assessments from any log, indicator histories, feed events), the search index
 *   (store/search.h).
 * The order is the order in which tlog_batch_add folds each entry: index, then registry.
 * A new module that keeps data in the store adds itself to ledger_modules.
 */
#ifndef REMACTO_LEDGER_H
#define REMACTO_LEDGER_H

#include <stddef.h>

#include "store/store.h"

extern const struct store_module *const ledger_modules[];

/* store_open with ledger_modules: same arguments, same results. */
int ledger_open(struct store *s, const char *dir, unsigned flags, size_t mapsize, char *err,
                size_t errcap);

#endif
