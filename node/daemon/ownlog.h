/*
 * ownlog — the node's own log and the key it signs with.
 *
 * At start (ownlog_open), the own log is created on first start, or its key checked: the key
 * in the log's record, or one the registry rotated in from the next size the log holds (then
 * adopted). After a rotation that reached back (the registry gives the key at a size the log
 * already holds), the tree is signed again at once with the new key.
 *
 * A data folder older than a rotation (a restored backup) holds a registry that does not know
 * the configured key. In a federation the node then starts all the same with n->key_pending
 * set: it signs nothing, publishing answers 503 (api_admin.c), and each time fed stores a
 * checkpoint (the registry's or its own log's) ownlog_checkpoint_stored asks the writer to
 * adopt the key if the registry now gives it from the next size held. A standalone node, which
 * has no registry to learn from, refuses to start.
 *
 * A restored node also takes back from its peers entries of its own log they hold under a
 * checkpoint of a key a late rotation retired (peers/fed_accept.c): each own-log checkpoint
 * fed stores has the tree signed again with the node's key when the note is another key's.
 *
 * Threads: ownlog_open before the writer starts; ownlog_checkpoint_stored and the adoption's
 * completion in the service thread (n->key_pending and n->key_adopting are the service
 * thread's); the adoption's transaction in the writer.
 */
#ifndef REMACTO_OWNLOG_H
#define REMACTO_OWNLOG_H

#include "node.h"

/* Opens the own log (after the identity is loaded). 0, or -1 after logging why. */
int ownlog_open(struct node *n);
/* fed stored a checkpoint of origin: adopts the pending key if the registry now gives it, and
 * signs the own log's tree again if its note is not the node's key's (service thread). */
void ownlog_checkpoint_stored(struct node *n, const char *origin);

#endif
