/*
 * budget — byte budgets the transport shares between its sessions: one for send queues, one
 * for messages being reassembled. Each has a cap for the whole node and a cap for each class
 * of session, so that peers whose key is not a registered member's ("anonymous": mirrors,
 * or anyone with a fresh key) can never take more than their class's share, whatever their
 * number or behaviour.
 *
 * Pure bookkeeping, tested on its own. Thread: the service thread's (owned by struct
 * transport).
 */
#ifndef REMACTO_BUDGET_H
#define REMACTO_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

enum peer_class {
	PEER_CLASS_MEMBER, /* the registry's or a registered member's key */
	PEER_CLASS_ANON,   /* any other key, and every session before its handshake */
	PEER_CLASSES,
};

struct budget {
	size_t cap, class_cap[PEER_CLASSES];
	size_t used, class_used[PEER_CLASSES];
};

void budget_init(struct budget *b, size_t cap, size_t member_cap, size_t anon_cap);
/* Takes n bytes for class c: false (nothing taken) when the class or the whole would pass its
 * cap. */
bool budget_take(struct budget *b, enum peer_class c, size_t n);
/* Takes n bytes whatever the caps (small control messages that must go out). */
void budget_force(struct budget *b, enum peer_class c, size_t n);
/* Gives back n bytes taken for class c. */
void budget_give(struct budget *b, enum peer_class c, size_t n);
/* Whether class c is within its cap and the whole within its. */
bool budget_room(const struct budget *b, enum peer_class c);

#endif
