/*
 * witset — the witnesses of each log, from the registry. See witset.h.
 */
#include "witset.h"

#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "registry.h"

uint64_t
witset_hash(const char *name)
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	SHA256((const uint8_t *)name, strlen(name), md);
	return get_be64(md);
}

/* splitmix64's finaliser: spreads h(L) XOR h(M) so that every bit of both counts. */
static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static int
collect_member(const Remacto__Store__MemberRecord *m, void *arg)
{
	struct witset *ws = arg;
	if (!m->origin || ws->n >= WITSET_MAX_MEMBERS)
		return 0;
	ws->member[ws->n].h = witset_hash(m->origin);
	ws->member[ws->n++].eligible = !m->suspended;
	return 0;
}

/* The registry's latest witnessPolicy (registry.c keeps its index under "witness" in
 * reg:policy): the witnesses its groups name, and its quorum when it has no group. */
static int
read_policy(struct witset *ws, struct store *s, MDB_txn *txn)
{
	Remacto__Store__LogRecord *log = NULL;
	Remacto__V1__Entry *e = NULL;
	MDB_val k = { 7, (void *)"witness" }, v;
	const uint8_t *data;
	size_t len;
	int rc = mdb_get(txn, store_dbs(s, &registry_module)[2], &k, &v);

	if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size != 8))
		return 0;
	if (rc != 0)
		return rc;
	if ((rc = store_log_get(s, txn, ws->authority, &log)) != 0 ||
	    (rc = store_entry_get(s, txn, log->id, get_be64(v.mv_data), &data, &len)) != 0)
		goto done;
	if (!(e = remacto__v1__entry__unpack(NULL, len, data)) ||
	    e->kind_case != REMACTO__V1__ENTRY__KIND_WITNESS_POLICY) {
		rc = MDB_CORRUPTED;
		goto done;
	}
	const Remacto__V1__WitnessPolicy *p = e->witness_policy;
	if (!p->n_groups && p->quorum > ws->w)
		ws->w = p->quorum;
	for (size_t g = 0; g < p->n_groups; g++)
		for (size_t i = 0; i < p->groups[g]->n_members; i++) {
			const char *name = p->groups[g]->members[i];
			bool group = false;
			for (size_t o = 0; o < g && !group; o++)
				group = p->groups[o]->name && !strcmp(p->groups[o]->name, name);
			if (!group && ws->nnamed < WITSET_MAX_NAMED)
				ws->named[ws->nnamed++] = witset_hash(name);
		}
done:
	if (e)
		remacto__v1__entry__free_unpacked(e, NULL);
	remacto__store__log_record__free_unpacked(log, NULL);
	return rc;
}

int
witset_refresh(struct witset *ws, struct store *s, MDB_txn *txn, uint64_t registry_size)
{
	struct note_verifier auth;
	struct witset *next;
	int rc;

	if (ws->valid && ws->registry_size == registry_size)
		return 0;
	if (!registry_authority(s, txn, &auth))
		return -ENOENT;
	/* Built aside: a read that fails leaves the set as it was. */
	if (!(next = calloc(1, sizeof(*next))))
		return -ENOMEM;
	snprintf(next->authority, sizeof(next->authority), "%s", auth.name);
	next->w = WITSET_MEMBERS;
	if ((rc = registry_each(s, txn, collect_member, next)) != 0 ||
	    (rc = read_policy(next, s, txn)) != 0) {
		free(next);
		return rc;
	}
	next->registry_size = registry_size;
	next->valid = true;
	*ws = *next;
	free(next);
	return 0;
}

bool
witset_cosigns(const struct witset *ws, const char *witness, const char *origin)
{
	if (!strcmp(witness, origin))
		return false; /* never its own log */
	if (!ws->valid || !strcmp(witness, ws->authority))
		return true;
	uint64_t hw = witset_hash(witness), ho = witset_hash(origin);
	for (size_t i = 0; i < ws->nnamed; i++)
		if (ws->named[i] == hw)
			return true;
	bool candidate = false;
	for (size_t i = 0; i < ws->n && !candidate; i++)
		candidate = ws->member[i].eligible && ws->member[i].h == hw;
	if (!candidate)
		return false; /* not a member in good standing: a mirror, a suspended member */
	/* Among the top w of the log's candidates (its own member excluded)? */
	uint64_t sw = mix64(ho ^ hw);
	unsigned above = 0;
	for (size_t i = 0; i < ws->n && above < ws->w; i++) {
		uint64_t hm = ws->member[i].h;
		if (!ws->member[i].eligible || hm == ho || hm == hw)
			continue;
		uint64_t sm = mix64(ho ^ hm);
		above += sm > sw || (sm == sw && hm < hw);
	}
	return above < ws->w;
}

bool
witset_knows(const struct witset *ws, const char *witness)
{
	uint64_t hw = witset_hash(witness);
	if (!ws->valid || !strcmp(witness, ws->authority))
		return true;
	for (size_t i = 0; i < ws->nnamed; i++)
		if (ws->named[i] == hw)
			return true;
	for (size_t i = 0; i < ws->n; i++)
		if (ws->member[i].h == hw)
			return true;
	return false;
}
