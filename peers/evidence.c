/*
 * evidence — equivocation records. See evidence.h.
 */
#include "evidence.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/note.h"
#include "registry.h"

#include "peer.pb-c.h"

#define KEY_MAX (NOTE_NAME_MAX + 5)

static const char *const db_names[] = { "ev:records", NULL };

const struct store_module evidence_module = {
	"the equivocation evidence", db_names, NULL, NULL, NULL, false
};

static MDB_dbi
records(struct store *s)
{
	return store_dbs(s, &evidence_module)[0];
}

static size_t
prefix(uint8_t *k, const char *origin)
{
	size_t n = strlen(origin);
	memcpy(k, origin, n);
	k[n] = 0;
	return n + 1;
}

/* How many keys the registry gave the member so far: a record made under as many keys is a
 * fork the registry has not answered yet. */
static uint32_t
registry_keys(struct store *s, MDB_txn *txn, const char *origin)
{
	Remacto__Store__MemberRecord *m;
	uint32_t n = 0;
	if (registry_member(s, txn, origin, &m) == 0)
		n = (uint32_t)m->n_keys;
	remacto__store__member_record__free_unpacked(m, NULL);
	return n;
}

/* Calls fn on each record of origin (or of every origin when NULL). A value is the member's
 * key count when the record was made (u32 BE) then the Equivocation message. */
static int
each(struct store *s, MDB_txn *txn, const char *origin,
     int (*fn)(const Remacto__Peer__V1__Equivocation *e, uint32_t keys, void *arg), void *arg,
     uint32_t *count)
{
	uint8_t key[KEY_MAX];
	MDB_cursor *c;
	MDB_val k, v;
	size_t pl = origin ? prefix(key, origin) : 0;
	int rc = mdb_cursor_open(txn, records(s), &c);

	*count = 0;
	if (rc != 0)
		return rc;
	k.mv_size = pl, k.mv_data = key;
	rc = pl ? mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) : mdb_cursor_get(c, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (pl && (k.mv_size < pl || memcmp(k.mv_data, key, pl) != 0))
			break;
		(*count)++;
		if (!fn || v.mv_size < 4)
			continue;
		Remacto__Peer__V1__Equivocation *e = remacto__peer__v1__equivocation__unpack(
		        NULL, v.mv_size - 4, (const uint8_t *)v.mv_data + 4);
		if (!e)
			continue;
		rc = fn(e, get_be32(v.mv_data), arg);
		remacto__peer__v1__equivocation__free_unpacked(e, NULL);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct same_ctx {
	const char *a, *b;
	size_t la, lb;
};

static int
same(const Remacto__Peer__V1__Equivocation *e, uint32_t keys, void *arg)
{
	struct same_ctx *s = arg;
	(void)keys;
	bool ab = e->note_a.len == s->la && !memcmp(e->note_a.data, s->a, s->la) &&
	          e->note_b.len == s->lb && !memcmp(e->note_b.data, s->b, s->lb);
	bool ba = e->note_a.len == s->lb && !memcmp(e->note_a.data, s->b, s->lb) &&
	          e->note_b.len == s->la && !memcmp(e->note_b.data, s->a, s->la);
	return ab || ba ? 1 : 0;
}

static int
put_record(struct store *s, MDB_txn *txn, const char *origin, const char *note_a, size_t len_a,
           const char *note_b, size_t len_b, bool answered, uint32_t keys_then)
{
	struct same_ctx sc = { note_a, note_b, len_a, len_b };
	Remacto__Peer__V1__Equivocation e = REMACTO__PEER__V1__EQUIVOCATION__INIT;
	uint8_t key[KEY_MAX];
	uint32_t count;
	int rc;

	if (strlen(origin) > NOTE_NAME_MAX)
		return -EINVAL;
	rc = each(s, txn, origin, same, &sc, &count);
	if (rc == 1)
		return 0;
	if (rc != 0)
		return rc;
	if (count >= EVIDENCE_MAX_PER_LOG)
		return 0; /* one pair proves the fork; a few more are kept, not an unbounded stream */
	size_t pl = prefix(key, origin);
	for (int i = 3; i >= 0; i--)
		key[pl + (size_t)i] = (uint8_t)(count >> (8 * (3 - i)));
	e.origin = (char *)origin;
	e.note_a.data = (uint8_t *)note_a, e.note_a.len = len_a;
	e.note_b.data = (uint8_t *)note_b, e.note_b.len = len_b;
	size_t len = remacto__peer__v1__equivocation__get_packed_size(&e);
	MDB_val k = { pl + 4, key }, v = { 4 + len, NULL };
	if ((rc = mdb_put(txn, records(s), &k, &v, MDB_RESERVE)) != 0)
		return rc;
	uint32_t keys = registry_keys(s, txn, origin);
	put_be32(v.mv_data, answered && keys_then < keys ? keys_then : keys);
	remacto__peer__v1__equivocation__pack(&e, (uint8_t *)v.mv_data + 4);
	return 1;
}

int
evidence_put(struct store *s, MDB_txn *txn, const char *origin, const char *note_a, size_t len_a,
             const char *note_b, size_t len_b)
{
	return put_record(s, txn, origin, note_a, len_a, note_b, len_b, false, 0);
}

int
evidence_put_answered(struct store *s, MDB_txn *txn, const char *origin, const char *note_a,
                      size_t len_a, const char *note_b, size_t len_b, uint32_t keys_then)
{
	return put_record(s, txn, origin, note_a, len_a, note_b, len_b, true, keys_then);
}

struct each_ctx {
	evidence_fn fn;
	void *arg;
	uint32_t keys_now;
};

static int
each_public(const Remacto__Peer__V1__Equivocation *e, uint32_t keys, void *arg)
{
	struct each_ctx *c = arg;
	return c->fn(e, keys < c->keys_now, c->arg);
}

int
evidence_each(struct store *s, MDB_txn *txn, const char *origin, evidence_fn fn, void *arg,
              uint32_t *count)
{
	struct each_ctx c = { fn, arg, 0 };
	if (!fn)
		return each(s, txn, origin, NULL, NULL, count);
	c.keys_now = registry_keys(s, txn, origin);
	return each(s, txn, origin, each_public, &c, count);
}

struct open_ctx {
	uint32_t keys_now;
	bool open;
};

static int
still_open(const Remacto__Peer__V1__Equivocation *e, uint32_t keys, void *arg)
{
	struct open_ctx *o = arg;
	(void)e;
	if (keys >= o->keys_now)
		o->open = true;
	return 0;
}

bool
evidence_forked(struct store *s, MDB_txn *txn, const char *origin)
{
	struct open_ctx o = { registry_keys(s, txn, origin), false };
	uint32_t count = 0;
	return each(s, txn, origin, still_open, &o, &count) == 0 && o.open;
}

static uint64_t
note_size(const uint8_t *p, size_t len)
{
	const uint8_t *nl = memchr(p, '\n', len);
	char num[24] = "";
	if (nl) {
		size_t n = len - (size_t)(nl + 1 - p);
		memcpy(num, nl + 1, n < sizeof(num) - 1 ? n : sizeof(num) - 1);
	}
	return strtoull(num, NULL, 10);
}

struct list_ctx {
	struct store *s;
	MDB_txn *txn;
	json_t *arr;
};

static int
list_one(const Remacto__Peer__V1__Equivocation *e, uint32_t keys, void *arg)
{
	struct list_ctx *l = arg;
	bool resolved = keys < registry_keys(l->s, l->txn, e->origin);
	json_array_append_new(
	        l->arr,
	        json_pack("{s:s, s:b, s:s#, s:s#, s:I, s:I}", "origin", e->origin, "resolved",
	                  resolved, "noteA", (const char *)e->note_a.data, (int)e->note_a.len,
	                  "noteB", (const char *)e->note_b.data, (int)e->note_b.len, "sizeA",
	                  (json_int_t)note_size(e->note_a.data, e->note_a.len), "sizeB",
	                  (json_int_t)note_size(e->note_b.data, e->note_b.len)));
	return 0;
}

json_t *
evidence_list(struct store *s, MDB_txn *txn, const char *origin)
{
	struct list_ctx l = { s, txn, json_array() };
	uint32_t count;
	each(s, txn, origin, list_one, &l, &count);
	return l.arr;
}
