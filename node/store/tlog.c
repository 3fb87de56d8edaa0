/*
 * tlog — append, prove and verify one log in the store. See tlog.h.
 */
#include "tlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/b64.h"
#include "core/entry.h"
#include "core/err.h"
#include "tlog_impl.h"

static void
head_from_record(const Remacto__Store__LogRecord *r, struct tlog_head *h)
{
	memset(h, 0, sizeof(*h));
	h->id = r->id;
	snprintf(h->origin, sizeof(h->origin), "%s", r->origin);
	snprintf(h->vkey, sizeof(h->vkey), "%s", r->verifier_key);
	snprintf(h->key_file, sizeof(h->key_file), "%s", r->key_file);
	h->size = r->size;
	if (r->root.len == 32)
		memcpy(h->root, r->root.data, 32);
	if (r->checkpoint.len > 0 && r->checkpoint.len < sizeof(h->checkpoint)) {
		memcpy(h->checkpoint, r->checkpoint.data, r->checkpoint.len);
		h->checkpoint_len = r->checkpoint.len;
	}
	h->created = r->created;
	h->updated = r->updated;
}

int
tlog_head(struct store *s, MDB_txn *txn, const char *origin, struct tlog_head *out)
{
	Remacto__Store__LogRecord *rec;
	int rc = store_log_get(s, txn, origin, &rec);
	if (rc != 0)
		return rc;
	head_from_record(rec, out);
	remacto__store__log_record__free_unpacked(rec, NULL);
	return 0;
}

/* Formats and signs the checkpoint of (origin, size, root) into out. */
static int
sign_checkpoint(const struct note_signer *signer, const char *origin, uint64_t size,
                const uint8_t root[32], char *out, size_t cap)
{
	struct checkpoint c = { .size = size };
	char body[NOTE_NAME_MAX + 128];
	int len;

	snprintf(c.origin, sizeof(c.origin), "%s", origin);
	memcpy(c.root, root, 32);
	if ((len = checkpoint_format(&c, body, sizeof(body))) < 0)
		return -EINVAL;
	return note_sign(signer, body, (size_t)len, out, cap);
}

/* ---- create ---- */

struct create_arg {
	struct store *s;
	const struct note_signer *signer;
	const char *key_file;
	char *err;
	size_t errcap;
};

static int
create_txn(MDB_txn *txn, void *arg)
{
	struct create_arg *a = arg;
	Remacto__Store__LogRecord rec = REMACTO__STORE__LOG_RECORD__INIT, *old;
	char vkey[NOTE_VKEY_MAX + 1], note[NOTE_MAX_LEN];
	uint8_t root[32];
	int rc, len;

	rc = store_log_get(a->s, txn, a->signer->v.name, &old);
	remacto__store__log_record__free_unpacked(old, NULL);
	if (rc == 0) {
		snprintf(a->err, a->errcap, "log %s already exists in %s", a->signer->v.name,
		         a->s->path);
		return -EEXIST;
	}
	if (rc != MDB_NOTFOUND)
		return rc;
	{
		char other[NOTE_NAME_MAX + 1];
		const char *slug = store_slug(a->signer->v.name);
		if (!*slug || strlen(slug) > 64 ||
		    strspn(slug, "abcdefghijklmnopqrstuvwxyz"
		                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(slug) ||
		    slug[0] == '.') {
			snprintf(a->err, a->errcap,
			         "origin %s must end in a short name of letters, "
			         "digits, '.', '_' or '-' (it names the log in URLs)",
			         a->signer->v.name);
			return -EINVAL;
		}
		rc = store_log_by_slug(a->s, txn, slug, other, sizeof(other));
		if (rc == 0) {
			snprintf(a->err, a->errcap,
			         "log %s would be served as /logs/%s/, which %s "
			         "already uses",
			         a->signer->v.name, slug, other);
			return -EEXIST;
		}
		if (rc != MDB_NOTFOUND)
			return rc;
	}
	if ((rc = store_log_new_id(a->s, txn, &rec.id)) != 0)
		return rc;
	if (note_verifier_format(&a->signer->v, vkey, sizeof(vkey)) < 0)
		return -EINVAL;
	merkle_empty_root(root);
	len = sign_checkpoint(a->signer, a->signer->v.name, 0, root, note, sizeof(note));
	if (len < 0)
		return -EINVAL;
	rec.origin = (char *)a->signer->v.name;
	rec.verifier_key = vkey;
	rec.key_file = (char *)(a->key_file ? a->key_file : "");
	rec.root.data = root, rec.root.len = 32;
	rec.checkpoint.data = (uint8_t *)note, rec.checkpoint.len = (size_t)len;
	rec.created = rec.updated = time(NULL);
	if ((rc = store_checkpoint_put(a->s, txn, rec.id, 0, note, (size_t)len)) != 0)
		return rc;
	return store_log_put(a->s, txn, &rec);
}

int
tlog_create(struct store *s, const struct note_signer *signer, const char *key_file, char *err,
            size_t errcap)
{
	struct create_arg a = { s, signer, key_file, err, errcap };
	err[0] = '\0';
	int rc = store_write(s, create_txn, &a);
	if (rc != 0 && err[0] == '\0')
		err_set(err, errcap, "cannot create log %s: %s", signer->v.name,
		        store_strerror(rc));
	return rc;
}

/* ---- append ---- */

int
tlog_batch_begin(struct tlog_batch *b, struct store *s, MDB_txn *txn, const char *origin)
{
	struct tlog_tree tr = { s, txn, 0 };
	int rc = 0;

	memset(b, 0, sizeof(*b));
	b->s = s;
	if ((rc = store_log_get(s, txn, origin, &b->rec)) != 0)
		return rc;
	tr.log = b->rec->id;
	/* The border the record keeps; rebuilt from the tiles when it does not fit the size. */
	if (!tlog_border_unpack(&b->range, b->rec->size, b->rec->border.data, b->rec->border.len) &&
	    (rc = merkle_range_load(&b->range, b->rec->size, tlog_tree_read, &tr)) != 0) {
		tlog_batch_end(b);
		return rc;
	}
	b->first = b->rec->size;
	return 0;
}

/* Points rec at the batch's border for packing; returns what it held, for unborder. */
static ProtobufCBinaryData
border(Remacto__Store__LogRecord *rec, const struct tlog_batch *b,
       uint8_t buf[64 * MERKLE_HASH_LEN])
{
	ProtobufCBinaryData old = rec->border;

	rec->border.data = buf;
	rec->border.len = tlog_border_pack(&b->range, buf);
	return old;
}

int
tlog_batch_add(struct tlog_batch *b, MDB_txn *txn, const uint8_t *data, size_t len, bool strict,
               char *err, size_t errcap)
{
	return tlog_batch_add_entry(b, txn, data, len, NULL, strict, err, errcap);
}

/* Decoding an entry for the modules without a malloc per message and string: protobuf-c
 * allocates from a buffer on add_one's stack, and from the heap only what does not fit (a
 * large entry); free gives back only what came from the heap. */
#define DECODE_ARENA 16384
struct decode_arena {
	ProtobufCAllocator pa;
	size_t used;
	bool spilled; /* something did not fit: free_unpacked must find it */
	_Alignas(16) uint8_t buf[DECODE_ARENA];
};

static void *
arena_alloc(void *data, size_t n)
{
	struct decode_arena *a = data;
	n = (n + 15) & ~(size_t)15;
	if (n > DECODE_ARENA - a->used) {
		a->spilled = true;
		return malloc(n);
	}
	void *p = a->buf + a->used;
	a->used += n;
	return p;
}

static void
arena_free(void *data, void *p)
{
	struct decode_arena *a = data;
	if (p && ((uint8_t *)p < a->buf || (uint8_t *)p >= a->buf + DECODE_ARENA))
		free(p);
}

/* add_entry with the leaf hash when the caller has it (NULL: computed here). */
static int
add_one(struct tlog_batch *b, MDB_txn *txn, const uint8_t *data, size_t len,
        const Remacto__V1__Entry *given, const uint8_t *given_leaf, bool strict, char *err,
        size_t errcap)
{
	Remacto__V1__Entry *e = NULL;
	struct decode_arena a;
	uint8_t leaf[32];
	int rc;

	if (len == 0 || len > ENTRY_MAX_LEN) {
		err_set(err, errcap, "an entry is 1 to %d bytes, this one is %zu", ENTRY_MAX_LEN,
		        len);
		return -EINVAL;
	}
	/* Entries that do not decode are still log leaves (a replicated log is what its member
	 * signed); only what decodes can be indexed. */
	if (!given) {
		a.pa = (ProtobufCAllocator){ arena_alloc, arena_free, &a };
		a.used = 0;
		a.spilled = false;
		given = e = remacto__v1__entry__unpack(&a.pa, len, data);
	}
	if (given) {
		/* The modules' derived data (the domain index, the registry view) in the same
		 * transaction as the entry. */
		rc = store_apply(b->s, txn, b->rec->id, b->rec->origin, b->range.size, given,
		                 strict, b->mods, err, errcap);
		/* Walking the message to free nothing but arena memory was 3 % of a catch-up's
		 * CPU: only what spilled over to the heap needs it. */
		if (e && a.spilled)
			remacto__v1__entry__free_unpacked(e, &a.pa);
		if (rc != 0)
			return rc;
	} else if (strict) {
		err_set(err, errcap, "not a protobuf remacto.v1.Entry");
		return -EINVAL;
	}
	/* the entry reaches the store when the batch seals */
	if (given_leaf)
		return tlog_stage_append(b, data, len, given_leaf);
	merkle_leaf_hash(data, len, leaf);
	return tlog_stage_append(b, data, len, leaf);
}

int
tlog_batch_add_entry(struct tlog_batch *b, MDB_txn *txn, const uint8_t *data, size_t len,
                     const Remacto__V1__Entry *given, bool strict, char *err, size_t errcap)
{
	return add_one(b, txn, data, len, given, NULL, strict, err, errcap);
}

int
tlog_batch_add_proved(struct tlog_batch *b, MDB_txn *txn, const uint8_t *const *data,
                      const size_t *len, const uint8_t (*leaves)[MERKLE_HASH_LEN], size_t n,
                      const struct tlog_proof *p, char *err, size_t errcap)
{
	uint8_t root[MERKLE_HASH_LEN];
	bool ok;
	int rc;

	if (b->spoiled)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++)
		if ((rc = add_one(b, txn, data[i], len[i], NULL, leaves ? leaves[i] : NULL, false,
		                  err, errcap)) != 0)
			return rc;
	merkle_range_root(&b->range, root);
	if (b->range.size == p->size)
		ok = p->n == 0 && !memcmp(root, p->root, MERKLE_HASH_LEN);
	else
		ok = merkle_verify_consistency(b->range.size, p->size, root, p->root, p->hashes,
		                               p->n);
	if (ok)
		return 0;
	b->spoiled = true;
	err_set(err, errcap,
	        "entries %llu to %llu do not reproduce the signed root of size %llu: not stored",
	        (unsigned long long)(b->range.size - n), (unsigned long long)b->range.size,
	        (unsigned long long)p->size);
	return -EBADMSG;
}

int
tlog_batch_seal(struct tlog_batch *b, MDB_txn *txn, const struct note_signer *signer,
                struct tlog_head *head)
{
	Remacto__Store__LogRecord *rec = b->rec;
	char note[NOTE_MAX_LEN];
	uint8_t root[32];
	int rc, len;

	char vkey[NOTE_VKEY_MAX + 1];
	if (b->spoiled)
		return -EBADMSG;
	if (strcmp(rec->origin, signer->v.name) != 0 ||
	    note_verifier_format(&signer->v, vkey, sizeof(vkey)) < 0 ||
	    strcmp(vkey, rec->verifier_key) != 0)
		return -EPERM; /* never sign with a key that is not the log's */
	merkle_range_root(&b->range, root);
	len = sign_checkpoint(signer, rec->origin, b->range.size, root, note, sizeof(note));
	if (len < 0)
		return -EINVAL;
	if ((rc = tlog_stage_flush(b, txn)) != 0 ||
	    (rc = store_checkpoint_put(b->s, txn, rec->id, b->range.size, note, (size_t)len)))
		return rc;
	/* Point the record at the new root, note and border for packing, then give back the
	 * unpacked buffers so free_unpacked releases what it allocated. */
	uint8_t bb[64 * MERKLE_HASH_LEN];
	ProtobufCBinaryData old_root = rec->root, old_note = rec->checkpoint;
	ProtobufCBinaryData old_border = border(rec, b, bb);
	rec->size = b->range.size;
	rec->root.data = root, rec->root.len = 32;
	rec->checkpoint.data = (uint8_t *)note, rec->checkpoint.len = (size_t)len;
	rec->updated = time(NULL);
	rc = store_log_put(b->s, txn, rec);
	if (rc == 0 && head)
		head_from_record(rec, head);
	rec->root = old_root, rec->checkpoint = old_note, rec->border = old_border;
	/* The modules that fold a whole batch (the views), in the same transaction. */
	return rc ? rc : store_sealed(b->s, txn, rec->id, rec->origin, b->range.size, b->mods);
}

void
tlog_batch_root(const struct tlog_batch *b, uint8_t root[32])
{
	merkle_range_root(&b->range, root);
}

int
tlog_batch_seal_verified(struct tlog_batch *b, MDB_txn *txn, const char *note, size_t note_len,
                         const char *vkey, struct tlog_head *head)
{
	Remacto__Store__LogRecord *rec = b->rec;
	ProtobufCBinaryData old_root = rec->root, old_note = rec->checkpoint, old_border;
	char *old_vkey = rec->verifier_key;
	uint8_t root[32], bb[64 * MERKLE_HASH_LEN];
	int rc;

	if (b->spoiled)
		return -EBADMSG;
	merkle_range_root(&b->range, root);
	if ((rc = tlog_stage_flush(b, txn)) != 0)
		return rc;
	if (note && (rc = store_checkpoint_put(b->s, txn, rec->id, b->range.size, note, note_len)))
		return rc;
	old_border = border(rec, b, bb);
	rec->size = b->range.size;
	rec->root.data = root, rec->root.len = 32;
	if (note) {
		rec->checkpoint.data = (uint8_t *)note, rec->checkpoint.len = note_len;
		rec->verifier_key = (char *)vkey;
	}
	rec->updated = time(NULL);
	rc = store_log_put(b->s, txn, rec);
	if (rc == 0 && head)
		head_from_record(rec, head);
	rec->root = old_root, rec->checkpoint = old_note, rec->verifier_key = old_vkey;
	rec->border = old_border;
	return rc ? rc : store_sealed(b->s, txn, rec->id, rec->origin, b->range.size, b->mods);
}

int
tlog_create_replica(struct store *s, MDB_txn *txn, const char *origin, const char *vkey)
{
	Remacto__Store__LogRecord rec = REMACTO__STORE__LOG_RECORD__INIT, *old;
	char other[NOTE_NAME_MAX + 1];
	uint8_t root[32];
	int rc = store_log_get(s, txn, origin, &old);

	remacto__store__log_record__free_unpacked(old, NULL);
	if (rc == 0)
		return -EEXIST;
	if (rc != MDB_NOTFOUND)
		return rc;
	/* Two origins with one slug cannot both be served: the first one held wins. */
	if (store_log_by_slug(s, txn, store_slug(origin), other, sizeof(other)) == 0)
		return -EEXIST;
	if ((rc = store_log_new_id(s, txn, &rec.id)) != 0)
		return rc;
	merkle_empty_root(root);
	rec.origin = (char *)origin;
	rec.verifier_key = (char *)vkey;
	rec.key_file = "";
	rec.root.data = root, rec.root.len = 32;
	rec.created = rec.updated = time(NULL);
	return store_log_put(s, txn, &rec);
}

void
tlog_batch_end(struct tlog_batch *b)
{
	if (b && b->rec) {
		remacto__store__log_record__free_unpacked(b->rec, NULL);
		b->rec = NULL;
	}
	if (b) {
		tlog_stage_free(b->stage);
		b->stage = NULL;
		if (b->s)
			store_batch_free(b->s, b->mods);
	}
}

struct append_arg {
	struct store *s;
	const char *origin;
	const struct note_signer *signer;
	size_t n;
	tlog_next_fn next;
	void *next_arg;
	uint64_t first;
	struct tlog_head *head;
	char *err;
	size_t errcap;
};

static int
append_txn(MDB_txn *txn, void *arg)
{
	struct append_arg *a = arg;
	struct tlog_batch b;
	int rc;

	if ((rc = tlog_batch_begin(&b, a->s, txn, a->origin)) != 0) {
		if (rc == MDB_NOTFOUND)
			snprintf(a->err, a->errcap,
			         "no log %s in %s (create it with `remacto log "
			         "init`)",
			         a->origin, a->s->path);
		return rc;
	}
	{
		char vkey[NOTE_VKEY_MAX + 1];
		if (note_verifier_format(&a->signer->v, vkey, sizeof(vkey)) < 0 ||
		    strcmp(vkey, b.rec->verifier_key) != 0) {
			snprintf(a->err, a->errcap,
			         "this key (%s) is not the key of log %s (%s): "
			         "use the log's own key file",
			         vkey, a->origin, b.rec->verifier_key);
			rc = -EPERM;
			goto fail;
		}
	}
	a->first = b.first;
	for (size_t i = 0; i < a->n; i++) {
		char why[256] = "";
		struct tlog_blob entry;
		const Remacto__V1__Entry *decoded = NULL;

		if ((rc = a->next(a->next_arg, i, &entry, &decoded)) != 0) {
			snprintf(a->err, a->errcap, "entry %zu of the batch was not given", i + 1);
			goto fail;
		}
		rc = tlog_batch_add_entry(&b, txn, entry.data, entry.len, decoded, true, why,
		                          sizeof(why));
		if (rc == -EINVAL)
			snprintf(a->err, a->errcap, "entry %zu of the batch: %s; nothing appended",
			         i + 1, why);
		if (rc != 0)
			goto fail;
	}
	rc = tlog_batch_seal(&b, txn, a->signer, a->head);
fail:
	tlog_batch_end(&b);
	return rc;
}

/* tlog_append's entries, from its array. */
static int
next_in_array(void *arg, size_t i, struct tlog_blob *entry, const Remacto__V1__Entry **decoded)
{
	*entry = ((const struct tlog_blob *)arg)[i];
	*decoded = NULL;
	return 0;
}

int
tlog_append(struct store *s, const char *origin, const struct note_signer *signer,
            const struct tlog_blob *entries, size_t n, uint64_t *first, struct tlog_head *head,
            char *err, size_t errcap)
{
	return tlog_append_each(s, origin, signer, n, next_in_array, (void *)entries, first, head,
	                        err, errcap);
}

int
tlog_append_each(struct store *s, const char *origin, const struct note_signer *signer, size_t n,
                 tlog_next_fn next, void *arg, uint64_t *first, struct tlog_head *head, char *err,
                 size_t errcap)
{
	struct append_arg a = { s, origin, signer, n, next, arg, 0, head, err, errcap };
	int rc;

	err[0] = '\0';
	if (n == 0 || n > TLOG_MAX_BATCH) {
		err_set(err, errcap, "a batch holds 1 to %d entries, not %zu", TLOG_MAX_BATCH, n);
		return -EINVAL;
	}
	rc = store_write(s, append_txn, &a);
	if (rc != 0) {
		if (err[0] == '\0')
			err_set(err, errcap, "append to %s failed, nothing stored: %s%s", origin,
			        store_strerror(rc), store_io_hint(rc));
		return rc;
	}
	if (first)
		*first = a.first;
	return 0;
}

/* ---- proofs ---- */

int
tlog_inclusion(struct store *s, MDB_txn *txn, const struct tlog_head *h, uint64_t index,
               uint64_t size, uint8_t leaf[32], uint8_t root[32], uint8_t proof[][MERKLE_HASH_LEN],
               size_t *n)
{
	struct tlog_tree c = { s, txn, h->id };
	int rc;

	if (size == 0 || size > h->size || index >= size)
		return -EINVAL;
	if ((rc = tlog_tree_read(&c, 0, index, leaf)) != 0 ||
	    (rc = merkle_root(tlog_tree_read, &c, size, root)))
		return rc;
	return merkle_inclusion_proof(tlog_tree_read, &c, index, size, proof, MERKLE_MAX_PROOF, n);
}

int
tlog_consistency(struct store *s, MDB_txn *txn, const struct tlog_head *h, uint64_t old,
                 uint64_t size, uint8_t old_root[32], uint8_t root[32],
                 uint8_t proof[][MERKLE_HASH_LEN], size_t *n)
{
	struct tlog_tree c = { s, txn, h->id };
	int rc;

	if (old == 0 || size > h->size || old > size)
		return -EINVAL;
	if ((rc = merkle_root(tlog_tree_read, &c, old, old_root)) != 0 ||
	    (rc = merkle_root(tlog_tree_read, &c, size, root)) != 0)
		return rc;
	return merkle_consistency_proof(tlog_tree_read, &c, old, size, proof, MERKLE_MAX_PROOF, n);
}

/* ---- verify ---- */

struct verify_ctx {
	struct store *s;
	MDB_txn *txn;
	uint32_t log;
	struct merkle_range range;
	uint64_t total;
	tlog_progress_fn progress;
	void *parg;
	char *err;
	size_t errcap;
	/* The hash tile of each level being compared, read once per 256 hashes. */
	struct {
		uint64_t n;
		const uint8_t *h;
		size_t count;
	} tile[8];
};

/* Compares each hash of levels 8, 16, ... rebuilt from the entries with its hash tile. */
static int
verify_emit(void *arg, unsigned level, uint64_t index, const uint8_t hash[MERKLE_HASH_LEN])
{
	struct verify_ctx *v = arg;
	unsigned t = level / 8;
	int rc;

	if (level == 0 || level % 8 || t >= 8)
		return 0;
	if (!v->tile[t].h || v->tile[t].n != index / STORE_TILE) {
		v->tile[t].n = index / STORE_TILE;
		rc = store_tile_get(v->s, v->txn, v->log, t, v->tile[t].n, &v->tile[t].h,
		                    &v->tile[t].count);
		if (rc == MDB_NOTFOUND)
			v->tile[t].h = NULL, v->tile[t].count = 0;
		else if (rc != 0)
			return rc;
	}
	if (index % STORE_TILE >= v->tile[t].count) {
		snprintf(v->err, v->errcap, "tree hash (level %u, index %llu) is missing", level,
		         (unsigned long long)index);
		return -EBADMSG;
	}
	if (memcmp(v->tile[t].h + index % STORE_TILE * MERKLE_HASH_LEN, hash, 32) != 0) {
		snprintf(v->err, v->errcap, "tree hash (level %u, index %llu) is wrong", level,
		         (unsigned long long)index);
		return -EBADMSG;
	}
	return 0;
}

static int
verify_entry(uint64_t index, const uint8_t *data, size_t len, const uint8_t stored[STORE_HASH_LEN],
             void *arg)
{
	struct verify_ctx *v = arg;
	uint8_t leaf[32];
	merkle_leaf_hash(data, len, leaf);
	if (memcmp(leaf, stored, 32) != 0) {
		snprintf(v->err, v->errcap,
		         "entry %llu: leaf hash does not match the stored "
		         "tree (the entry's bytes or its stored hash changed)",
		         (unsigned long long)index);
		return -EBADMSG;
	}
	int rc = merkle_range_append(&v->range, leaf, verify_emit, v);
	if (rc == 0 && v->progress && (index + 1) % 65536 == 0)
		v->progress(index + 1, v->total, v->parg);
	return rc;
}

/* The last hash tile of each level holds exactly the hashes of the tree, none more, and nothing
 * follows it; the border kept in the record is the one rebuilt. */
static int
verify_tiles(struct verify_ctx *v, const Remacto__Store__LogRecord *rec)
{
	uint8_t bb[64 * MERKLE_HASH_LEN];
	const uint8_t *h;
	size_t count;

	for (unsigned t = 1; t < 8; t++) {
		uint64_t want = v->range.size >> (8 * t), n = want / STORE_TILE;
		int rc = store_tile_get(v->s, v->txn, v->log, t, n, &h, &count);

		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		if (want % STORE_TILE == 0 && rc == 0)
			count += STORE_TILE; /* a tile where none should be */
		else if (rc == MDB_NOTFOUND)
			count = 0;
		if (count != want % STORE_TILE) {
			snprintf(v->err, v->errcap,
			         "hash tile %u/%llu holds %zu hashes where the tree has %llu", t,
			         (unsigned long long)n, count % STORE_TILE,
			         (unsigned long long)(want % STORE_TILE));
			return -EBADMSG;
		}
	}
	if (rec->border.len != tlog_border_pack(&v->range, bb) ||
	    (rec->border.len > 0 && memcmp(rec->border.data, bb, rec->border.len) != 0)) {
		snprintf(v->err, v->errcap, "the tree border kept in the log record is wrong");
		return -EBADMSG;
	}
	return 0;
}

int
tlog_verify(struct store *s, const char *origin, tlog_progress_fn progress, void *arg, char *err,
            size_t errcap)
{
	struct verify_ctx *v = calloc(1, sizeof(*v));
	struct tlog_head *h = calloc(1, sizeof(*h));
	Remacto__Store__LogRecord *rec = NULL;
	struct note_verifier nv;
	struct note *note = calloc(1, sizeof(*note));
	struct checkpoint cp;
	MDB_txn *txn = NULL;
	uint8_t root[32];
	char why[256];
	int rc;

	err[0] = '\0';
	if (!v || !h || !note) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = store_read_begin(s, &txn)) != 0)
		goto fail;
	if ((rc = tlog_head(s, txn, origin, h)) != 0) {
		if (rc == MDB_NOTFOUND)
			err_set(err, errcap, "no log %s in %s", origin, s->path);
		goto fail;
	}
	*v = (struct verify_ctx){ .s = s,
		                  .txn = txn,
		                  .log = h->id,
		                  .total = h->size,
		                  .progress = progress,
		                  .parg = arg,
		                  .err = err,
		                  .errcap = errcap };
	merkle_range_init(&v->range);
	rc = store_leaf_each(s, txn, h->id, 0, h->size, verify_entry, v);
	if (rc == MDB_NOTFOUND) {
		err_set(err, errcap, "entry %llu is missing (the log claims %llu entries)",
		        (unsigned long long)v->range.size, (unsigned long long)h->size);
		rc = -EBADMSG;
	} else if (rc == MDB_CORRUPTED) {
		err_set(err, errcap, "the entry bundle holding entry %llu does not parse",
		        (unsigned long long)v->range.size);
		rc = -EBADMSG;
	}
	if (rc != 0)
		goto fail;
	if ((rc = store_log_get(s, txn, origin, &rec)) != 0 || (rc = verify_tiles(v, rec)) != 0)
		goto fail;
	merkle_range_root(&v->range, root);
	if (memcmp(root, h->root, 32) != 0) {
		err_set(err, errcap, "root of the %llu entries does not match the log record",
		        (unsigned long long)h->size);
		rc = -EBADMSG;
		goto fail;
	}
	if (h->checkpoint_len == 0 && !h->key_file[0]) {
		/* A replica before its first verified checkpoint: hashes only. */
		if (progress)
			progress(h->size, h->size, arg);
		goto fail;
	}
	if (!note_verifier_parse(h->vkey, &nv, why, sizeof(why))) {
		err_set(err, errcap, "verifier key of %s is unusable: %s", origin, why);
		rc = -EBADMSG;
		goto fail;
	}
	if (!note_open(h->checkpoint, h->checkpoint_len, &nv, 1, note, why, sizeof(why))) {
		err_set(err, errcap, "checkpoint signature does not verify: %s", why);
		rc = -EBADMSG;
		goto fail;
	}
	if (!checkpoint_parse(note->text, note->text_len, &cp, why, sizeof(why))) {
		err_set(err, errcap, "checkpoint is malformed: %s", why);
		rc = -EBADMSG;
		goto fail;
	}
	if (cp.size < h->size) {
		struct tlog_tree c = { s, txn, h->id };
		if ((rc = merkle_root(tlog_tree_read, &c, cp.size, root)) != 0)
			goto fail;
	}
	if (strcmp(cp.origin, origin) != 0 || cp.size > h->size || memcmp(cp.root, root, 32)) {
		err_set(err, errcap,
		        "signed checkpoint (size %llu) does not match the %llu "
		        "entries held",
		        (unsigned long long)cp.size, (unsigned long long)h->size);
		rc = -EBADMSG;
		goto fail;
	}
	if (progress)
		progress(h->size, h->size, arg);
fail:
	if (rc != 0 && err[0] == '\0')
		err_set(err, errcap, "cannot verify %s: %s", origin, store_strerror(rc));
	if (txn)
		mdb_txn_abort(txn);
	remacto__store__log_record__free_unpacked(rec, NULL);
	free(note);
	free(h);
	free(v);
	return rc;
}

struct setkey_arg {
	struct store *s;
	const char *origin, *vkey, *key_file;
};

int
tlog_set_key_txn(struct store *s, MDB_txn *txn, const char *origin, const char *vkey,
                 const char *key_file)
{
	Remacto__Store__LogRecord *rec;
	int rc = store_log_get(s, txn, origin, &rec);
	if (rc != 0)
		return rc;
	char *ov = rec->verifier_key, *ok = rec->key_file;
	rec->verifier_key = (char *)vkey;
	rec->key_file = (char *)key_file;
	rc = store_log_put(s, txn, rec);
	rec->verifier_key = ov, rec->key_file = ok;
	remacto__store__log_record__free_unpacked(rec, NULL);
	return rc;
}

static int
setkey_txn(MDB_txn *txn, void *arg)
{
	struct setkey_arg *a = arg;
	return tlog_set_key_txn(a->s, txn, a->origin, a->vkey, a->key_file);
}

int
tlog_set_key(struct store *s, const char *origin, const char *vkey, const char *key_file)
{
	struct setkey_arg a = { s, origin, vkey, key_file };
	return store_write(s, setkey_txn, &a);
}
