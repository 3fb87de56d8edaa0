/*
 * budget — byte budgets shared by the transport's sessions. See budget.h.
 */
#include "budget.h"

void
budget_init(struct budget *b, size_t cap, size_t member_cap, size_t anon_cap)
{
	*b = (struct budget){ .cap = cap };
	b->class_cap[PEER_CLASS_MEMBER] = member_cap;
	b->class_cap[PEER_CLASS_ANON] = anon_cap;
}

bool
budget_take(struct budget *b, enum peer_class c, size_t n)
{
	if (b->used > b->cap || b->class_used[c] > b->class_cap[c] || n > b->cap - b->used ||
	    n > b->class_cap[c] - b->class_used[c])
		return false;
	b->used += n;
	b->class_used[c] += n;
	return true;
}

void
budget_force(struct budget *b, enum peer_class c, size_t n)
{
	b->used += n;
	b->class_used[c] += n;
}

void
budget_give(struct budget *b, enum peer_class c, size_t n)
{
	b->used -= n <= b->used ? n : b->used;
	b->class_used[c] -= n <= b->class_used[c] ? n : b->class_used[c];
}

bool
budget_room(const struct budget *b, enum peer_class c)
{
	return b->used < b->cap && b->class_used[c] < b->class_cap[c];
}
