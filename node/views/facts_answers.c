/*
 * facts_answers — answers the views gave, memoised as sent (see facts.h, "Answers"): a few
 * texts keyed by the question, each valid while the facts' clock has not moved since it was
 * computed (every change the views could see bumps the clock). Bounded in count and bytes,
 * least recently used out. Not thread-safe, as the facts.
 */
#include <stdlib.h>
#include <string.h>

#include "facts.h"

struct facts_answer {
	char *key;
	uint8_t *text;
	size_t len;
	uint64_t clock; /* the facts' clock when computed */
	uint64_t used;  /* the memo's clock when last used */
};

struct facts_answers {
	struct facts_answer v[FACTS_ANSWERS];
	size_t bytes;
	uint64_t tick;
};

static void
drop(struct facts_answers *a, struct facts_answer *x)
{
	a->bytes -= x->len;
	free(x->key);
	free(x->text);
	memset(x, 0, sizeof(*x));
}

void
facts_answers_free(struct facts_answers *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < FACTS_ANSWERS; i++)
		drop(a, &a->v[i]);
	free(a);
}

const uint8_t *
facts_answer_get(struct facts *f, const char *key, size_t *len)
{
	struct facts_answers *a = f->answers;
	if (!f->all_checked)
		return NULL; /* a member may have changed unseen: the clock would not tell */
	for (size_t i = 0; a && i < FACTS_ANSWERS; i++) {
		struct facts_answer *x = &a->v[i];
		if (!x->key || strcmp(x->key, key) != 0)
			continue;
		if (x->clock != f->clock) {
			drop(a, x); /* something changed since: never served again */
			return NULL;
		}
		x->used = ++a->tick;
		*len = x->len;
		return x->text;
	}
	return NULL;
}

void
facts_answer_put(struct facts *f, const char *key, const uint8_t *text, size_t len)
{
	struct facts_answers *a = f->answers;
	if (len > FACTS_ANSWER_BYTES)
		return;
	if (!a && !(a = f->answers = calloc(1, sizeof(*a))))
		return; /* a memo: without memory, the next request computes again */
	struct facts_answer *x = NULL;
	for (size_t i = 0; i < FACTS_ANSWERS; i++) {
		struct facts_answer *y = &a->v[i];
		if (y->key && (y->clock != f->clock || !strcmp(y->key, key)))
			drop(a, y); /* stale, or the same question answered again */
	}
	/* Room in count and in bytes: least recently used out. */
	for (;;) {
		struct facts_answer *lru = NULL;
		x = NULL;
		for (size_t i = 0; i < FACTS_ANSWERS; i++) {
			struct facts_answer *y = &a->v[i];
			if (!y->key)
				x = x ? x : y;
			else if (!lru || y->used < lru->used)
				lru = y;
		}
		if (x && a->bytes + len <= FACTS_ANSWER_BYTES)
			break;
		if (!lru)
			return;
		drop(a, lru);
	}
	char *k = strdup(key);
	uint8_t *t = malloc(len ? len : 1);
	if (!k || !t) {
		free(k);
		free(t);
		return;
	}
	memcpy(t, text, len);
	*x = (struct facts_answer){ k, t, len, f->clock, ++a->tick };
	a->bytes += len;
}
