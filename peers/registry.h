/*
 * registry — who belongs to the network, with which key, from the registry log.
 *
 * The network authority (the directorate) runs the registry log; its verifier key, configured on
 * every node, is the only trust anchor. The registry's entries admit members (origin, key, HCP
 * code, kind, names, region, population), rotate keys from a given tree size on, suspend or
 * reinstate members, announce peer addresses, define the national indicator catalog and set
 * compliance policy. registry_apply() folds each registry entry into "reg:*" databases in the
 * same transaction that stores the entry, so the view always matches the log.
 *
 * registry_key_for() is what replication asks before accepting anything: the key that must have
 * signed a checkpoint of `size` entries of `origin` — the authority's for the registry log, the
 * member's key valid at that size otherwise — or a refusal (not a member, suspended).
 */
#ifndef REMACTO_REGISTRY_H
#define REMACTO_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/entry.h"
#include "core/note.h"
#include "store/store.h"

/* The registry view as a store module: databases reg:members, reg:catalog, reg:policy, and
 * registry_apply as the hook tlog_batch_add calls for every entry. */
extern const struct store_module registry_module;

/* Records the registry's origin and verifier key in the store (meta), from the authority key of
 * the configuration or `remacto network init`. A store holds one network: a different authority
 * than the one recorded is refused (-EEXIST). */
int registry_set_authority(struct store *s, const char *vkey, char *err, size_t errcap);
/* The recorded authority: false when none (a standalone node). */
bool registry_authority(struct store *s, MDB_txn *txn, struct note_verifier *out);

/* Folds entry `index` of log `origin` into the registry view when origin is the registry's and
 * the entry is a registry kind. A registry kind in another log is refused in strict mode
 * (-EINVAL) and ignored otherwise; in the registry log, strict mode refuses references that do
 * not resolve (rotating the key of a non-member, admitting an origin twice). */
int registry_apply(struct store *s, MDB_txn *txn, const char *origin, uint64_t index,
                   const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap);

/* The key that must sign a checkpoint of `size` entries of origin. 0, or -EPERM with err
 * ("not a member of the network", "suspended since size N") or -ENOENT without an authority. */
int registry_key_for(struct store *s, MDB_txn *txn, const char *origin, uint64_t size,
                     struct note_verifier *out, char *err, size_t errcap);

/* A member's record (NULL-safe free with remacto__store__member_record__free_unpacked). */
int registry_member(struct store *s, MDB_txn *txn, const char *origin,
                    Remacto__Store__MemberRecord **out);
/* A member's suspension: its record, and the registry entry that last suspended or reinstated
 * it for the date and the reason. What a suspended member's own node shows and why it refuses to
 * publish. Reasons longer than REGISTRY_REASON_MAX - 1 bytes are cut at a character boundary. */
#define REGISTRY_REASON_MAX 400
struct registry_suspension {
	bool member; /* the origin is a member of the network */
	bool suspended;
	uint64_t at_size; /* the last size of its log still accepted while suspended */
	uint64_t index;   /* registry index of the entry; 0 when unknown (an older record) */
	char date[16];    /* the entry's date, "" when unknown */
	char reason_fr[REGISTRY_REASON_MAX], reason_ar[REGISTRY_REASON_MAX];
};
/* 0 (a non-member is not suspended), or an MDB error. */
int registry_suspension(struct store *s, MDB_txn *txn, const char *origin,
                        struct registry_suspension *out);
/* One line for an operator: "remacto.ma/x is suspended by the network authority past size 19
 * (registry entry 31, 2026-12-03: reason)". */
void registry_suspension_text(const char *origin, const struct registry_suspension *sp, char *out,
                              size_t cap);
/* {"atSize":19,"registryIndex":31,"date":"…","reason":{"fr":…,"ar":…}}, unknown fields left
 * out; NULL on allocation failure. */
json_t *registry_suspension_json(const struct registry_suspension *sp);

/* ---- governance (docs/PROTOCOL.md §8) ---- */

#define REGISTRY_GOV_MAX ENTRY_GOVERNANCE_MAX
#define REGISTRY_POLICY_MAX 65536 /* bytes of a registry policy file */

/* The keys that govern the registry and how many approvals a checkpoint of it needs. */
struct registry_gov {
	size_t n;
	struct {
		char label[64];
		struct note_verifier log; /* type 0x01, named as the registry: signs checkpoints */
		struct note_verifier cosig; /* type 0x04, named by its label: approves them */
	} keys[REGISTRY_GOV_MAX];
	unsigned quorum; /* approvals needed; 0 before any governance entry (the authority's
	                  * signature alone) */
	bool governed;   /* a governance entry is in force (else: the authority alone, legacy) */
	uint64_t index;  /* registry index of that entry */
};

/* The governance in force after the registry entries the node holds: the latest
 * GovernancePolicy entry, or before any the authority's key alone (quorum 0). 0, -ENOENT
 * without an authority, or an MDB error. */
int registry_governance(struct store *s, MDB_txn *txn, struct registry_gov *out);
/* The approvals a note opened with the governance's cosignature verifiers carries: the number of
 * distinct governance keys whose cosignature line verified. */
size_t registry_gov_approvals(const struct registry_gov *g, const struct note *nt);
/* The governance as a C2SP tlog-policy for the registry log: a log line per key, and either
 * "quorum none" (no governance entry yet) or a witness line per key, a group of the quorum. */
int registry_gov_policy(const struct registry_gov *g, struct buf *out);

/* The governance a C2SP tlog-policy text states, as registry_gov_policy writes it (the node's
 * [authority] policy): log lines named as the registry (registry), a witness line per key
 * named by its label, with the public key of one of the logs, and the quorum a group of them
 * (a threshold of witnesses); or "quorum none" (out->governed false). -EINVAL with err
 * naming what is wrong. */
int registry_gov_from_policy(const char *text, size_t len, const char *registry,
                             struct registry_gov *out, char *err, size_t errcap);

/* Reads the file path (at most REGISTRY_POLICY_MAX bytes) with registry_gov_from_policy for
 * the registry of the authority key vkey, and logs what it holds. 0 or -1 with err naming
 * the file and what is wrong. */
int registry_gov_load(const char *path, const char *vkey, struct registry_gov *out, char *err,
                      size_t errcap);

/* Calls fn for each member in origin order. */
typedef int (*registry_member_fn)(const Remacto__Store__MemberRecord *m, void *arg);
int registry_each(struct store *s, MDB_txn *txn, registry_member_fn fn, void *arg);

#endif
