/*
 * trust — the network's trust policy as its registry defines it, written as a C2SP tlog-policy
 * file (c2sp.org/tlog-policy; docs/PROTOCOL.md §6) that any verifier can use offline:
 *
 *   log      the registry's key, and each member in good standing with its current key (the
 *            last the registry gave it; a suspended member is left out until reinstated)
 *   witness  the same nodes' keys as tlog-cosignature keys (type 0x04), each named by its
 *            origin, which is the name the node cosigns under
 *   group / quorum   the registry's latest WitnessPolicy: K of its groups, or K of all the
 *            witnesses when it has none; K = 1 without any WitnessPolicy
 *
 * The policy "as of registry size R" is what the first R registry entries say: the file is
 * folded from them, so a rotation or a suspension changes the policy from the registry size
 * that holds it on, and an older proof can be checked against the policy of its time. Members
 * that announced a peer address get URLs derived from it (https://host:port/logs/<slug> for a
 * log, https://host:port/witness for a witness: the tlog-witness submission prefix).
 *
 * A quorum or a group threshold above what is left of its members (after suspensions) is
 * lowered to all of them, with a comment saying so: tlog-policy allows no threshold above n.
 *
 * Reads the store only (one read transaction of the caller); any thread.
 */
#ifndef REMACTO_TRUST_H
#define REMACTO_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/store.h"

#define TRUST_ALL UINT64_MAX /* every registry entry the node holds */

/* Appends the policy as of registry size `size` (TRUST_ALL: the size the node holds) to out;
 * *used gets the registry size it was folded from. 0; -ENOENT with err when the node knows no
 * registry or holds none of it; -ERANGE when size is 0 or above what the node holds (err says
 * how much it holds); an MDB error; -ENOMEM. */
int trust_policy(struct store *s, MDB_txn *txn, uint64_t size, struct buf *out, uint64_t *used,
                 char *err, size_t errcap);

#endif
