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
 * checkpoint (the registry's or its own log's) ownlog_registry_moved asks the writer to adopt
 * the key if the registry now gives it from the next size held. A standalone node, which has
 * no registry to learn from, refuses to start.
 *
 * Threads: ownlog_open before the writer starts; ownlog_registry_moved and the adoption's
 * completion in the service thread (n->key_pending and n->key_adopting are the service
 * thread's); the adoption's transaction in the writer.
 */
#ifndef REMACTO_OWNLOG_H
#define REMACTO_OWNLOG_H

#include "node.h"

/* Opens the own log (after the identity is loaded). 0, or -1 after logging why. */
int ownlog_open(struct node *n);
/* A checkpoint was stored: adopts the pending key if the registry now gives it. */
void ownlog_registry_moved(struct node *n);

#endif
