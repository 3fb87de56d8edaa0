/*
 * ledger — the node's store modules, in one list. See ledger.h.
 */
#include "ledger.h"

#include "evidence.h"
#include "registry.h"
#include "store/civic.h"
#include "store/index.h"
#include "store/search.h"
#include "witness.h"

const struct store_module *const ledger_modules[] = {
	&index_module,
	&registry_module,
	&witness_module,
	&evidence_module,
	&civic_module,
	&search_module,
	NULL,
};

int
ledger_open(struct store *s, const char *dir, unsigned flags, size_t mapsize, char *err,
            size_t errcap)
{
	return store_open(s, dir, flags, mapsize, ledger_modules, err, errcap);
}
