/*
 * fed — the federation logic: what to do with what peers say. Runs in the service thread; the
 * transport (transport.h) owns the sockets and the handshake and hands every later message
 * here.
 *
 * Gossip: on a new session, fed sends its checkpoint vector (every log's latest signed
 * checkpoint, with the cosignatures it holds); afterwards every checkpoint it stores — its own
 * publications, what it replicated — is pushed to every ready peer.
 *
 * Accepting a checkpoint of log O, size n, from a peer: the signer must be the key the registry
 * gives for (O, n) (registry.h); a bad signature penalises the peer; an unknown or suspended log
 * is ignored. Against what the node holds of O (size m):
 *   n == m, same root   → keep the cosignatures it carries that verify;
 *   n <= m, other root  → equivocation: both notes are stored as evidence, O is marked forked,
 *                         the evidence is gossiped; nothing stored is touched;
 *   n > m               → O's target becomes n: entries [m, n) are fetched from the peers that
 *                         announced n or more, FED_BATCH at a time, FED_WINDOW requests in
 *                         flight per peer; each answer carries a consistency proof to n, checked
 *                         against the signed root before the entries are committed (entries,
 *                         hashes and record in one transaction). Data that does not verify is
 *                         dropped and its sender penalised.
 * When O reaches n, the node stores n's note, cosigns it as a witness (tlog-cosignature, its own
 * key, alg 0x04) and gossips it.
 *
 * Own log: the node never signs a checkpoint inconsistent with what the federation holds of its
 * log. A bigger checkpoint of its own log from a peer (a restored backup, a key used on two
 * machines) stops publishing (fed_may_publish() false) until the node has caught up from its
 * peers; an inconsistent one stops it for good and is logged as critical.
 */
#ifndef REMACTO_FED_H
#define REMACTO_FED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peer.pb-c.h"

struct node;
struct fed;
struct peer;

#define FED_BATCH 1024 /* entries per request */
#define FED_WINDOW 8   /* requests in flight per peer */
#define FED_REQUEST_TIMEOUT_S 30

/* Lifetime: created by remactod after the store is open, destroyed after the transport. */
struct fed *fed_create(struct node *n, char *err, size_t errcap);
void fed_destroy(struct fed *f);

/* From the transport, in the service thread. */
void fed_peer_ready(struct fed *f, struct peer *p);  /* handshake done: send our vector */
void fed_peer_closed(struct fed *f, struct peer *p); /* its requests go to other peers */
/* Any message after the handshake. Violations call peer_penalise(); fed never frees m. */
void fed_peer_message(struct fed *f, struct peer *p, const Remacto__Peer__V1__PeerMessage *m);
/* About every 100 ms and after each local commit: gossip new own checkpoints, expire requests,
 * schedule fetches. */
void fed_tick(struct fed *f);

/* False while the federation holds a newer or conflicting view of the node's own log. */
bool fed_may_publish(struct fed *f);

#endif
