/*
 * witproto — tlog-witness add-checkpoint, the witness side. See witproto.h.
 */
#include "witproto.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/err.h"
#include "core/merkle.h"
#include "core/tlogproof.h"
#include "registry.h"

static MDB_dbi
latest_db(struct store *s)
{
	return store_dbs(s, &witness_module)[1];
}

static int __attribute__((format(printf, 3, 4)))
refuse(struct witproto_req *r, int status, const char *fmt, ...)
{
	va_list ap;
	r->status = status;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return 0;
}

/* The size and root of a note's checkpoint; false when it holds none. */
static bool
note_checkpoint(const char *note, size_t len, uint64_t *size, uint8_t root[32])
{
	struct checkpoint cp;
	char why[64];
	for (size_t i = len; i >= 2; i--)
		if (note[i - 1] == '\n' && note[i - 2] == '\n') {
			if (!checkpoint_parse(note, i - 1, &cp, why, sizeof(why)))
				return false;
			*size = cp.size;
			memcpy(root, cp.root, 32);
			return true;
		}
	return false;
}

int
witproto_latest(struct store *s, MDB_txn *txn, const char *origin, uint64_t *size, uint8_t root[32])
{
	Remacto__Store__LogRecord *rec = NULL;
	MDB_val k = { strlen(origin), (void *)origin }, v;
	uint64_t held;
	uint8_t hroot[32];
	int rc;

	*size = 0;
	merkle_empty_root(root);
	rc = mdb_get(txn, latest_db(s), &k, &v);
	if (rc == 0 && v.mv_size >= 40) {
		*size = get_be64(v.mv_data);
		memcpy(root, (const uint8_t *)v.mv_data + 8, 32);
	} else if (rc != 0 && rc != MDB_NOTFOUND) {
		return rc;
	}
	/* The checkpoint the node serves for a log it holds: cosigned when federation verified
	 * it. */
	rc = store_log_get(s, txn, origin, &rec);
	if (rc == 0 &&
	    note_checkpoint((const char *)rec->checkpoint.data, rec->checkpoint.len, &held,
	                    hroot) &&
	    held > *size) {
		*size = held;
		memcpy(root, hroot, 32);
	}
	remacto__store__log_record__free_unpacked(rec, NULL);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : rc;
}

/* The keys the node trusts for origin at size: the registry's view, or the outside logs of the
 * configuration. 0 with *n keys (at most cap), or a refusal in r (404, 403). */
static int
trusted_keys(const struct witproto_ctx *c, MDB_txn *txn, const char *origin, uint64_t size,
             struct note_verifier *keys, size_t cap, size_t *n, struct witproto_req *r)
{
	Remacto__Store__MemberRecord *m = NULL;
	char why[200];
	int rc;

	*n = 0;
	if (c->own && c->own[0] && !strcmp(origin, c->own))
		return refuse(r, 404, "%s is this node's own log: a node does not witness itself",
		              origin);
	rc = registry_key_for(c->store, txn, origin, size, &keys[0], why, sizeof(why));
	if (rc == 0) {
		*n = 1;
		return 0;
	}
	if (rc == -EPERM) {
		/* A member without a key for that size, or suspended: known, but not trusted. */
		rc = registry_member(c->store, txn, origin, &m);
		remacto__store__member_record__free_unpacked(m, NULL);
		if (rc == 0)
			return refuse(r, 403, "%s", why);
		if (rc != MDB_NOTFOUND)
			return rc;
	} else if (rc != -ENOENT) {
		return rc;
	}
	for (size_t i = 0; i < c->noutside && *n < cap; i++)
		if (!strcmp(c->outside[i].name, origin))
			keys[(*n)++] = c->outside[i];
	if (*n)
		return 0;
	return refuse(r, 404,
	              "this node does not witness %s: not the registry, a member of the "
	              "network, nor a log of its [witness] configuration",
	              origin);
}

int
witproto_check(const struct witproto_ctx *c, const char *body, size_t len, uint64_t now,
               struct witproto_req *r)
{
	struct tlogproof p;
	struct note *nt = NULL;
	struct note_verifier keys[WITPROTO_MAX_OUTSIDE + 1];
	struct checkpoint cp;
	MDB_txn *txn = NULL;
	char why[400];
	size_t nk;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (len > WITPROTO_MAX_BODY)
		return refuse(r, 413, "the body is over %u bytes", WITPROTO_MAX_BODY);
	if (!tlogproof_addreq_parse(body, len, &p, why, sizeof(why)))
		return refuse(r, 400, "%s", why);
	if (!(nt = malloc(sizeof(*nt)))) {
		rc = -ENOMEM;
		goto fail;
	}
	/* Well formed first (without keys, a note can only fail for being unsigned by them). */
	if (!note_open(p.note, p.note_len, NULL, 0, nt, why, sizeof(why)) &&
	    strncmp(why, NOTE_ERR_NO_KNOWN_KEY, sizeof(NOTE_ERR_NO_KNOWN_KEY) - 1)) {
		refuse(r, 400, "the checkpoint: %s", why);
		goto done;
	}
	if (!checkpoint_parse(nt->text, nt->text_len, &cp, why, sizeof(why))) {
		refuse(r, 400, "%s", why);
		goto done;
	}
	snprintf(r->origin, sizeof(r->origin), "%s", cp.origin);
	r->old = p.index;
	r->size = cp.size;
	memcpy(r->root, cp.root, 32);
	if ((rc = store_read_begin(c->store, &txn)) != 0)
		goto fail;
	if ((rc = trusted_keys(c, txn, cp.origin, cp.size, keys, WITPROTO_MAX_OUTSIDE + 1, &nk,
	                       r)) != 0 ||
	    r->status)
		goto done;
	if (!note_open(p.note, p.note_len, keys, nk, nt, why, sizeof(why))) {
		refuse(r, 403, "no valid signature of %s by a key this node trusts for it: %s",
		       cp.origin, why);
		goto done;
	}
	if (p.index > cp.size) {
		refuse(r, 400, "old size %" PRIu64 " is above the checkpoint's size %" PRIu64,
		       p.index, cp.size);
		goto done;
	}
	if ((rc = witproto_latest(c->store, txn, cp.origin, &r->latest, r->old_root)) != 0)
		goto fail;
	if (p.index != r->latest) {
		refuse(r, 409, "the latest checkpoint of %s this node cosigned has size %" PRIu64,
		       cp.origin, r->latest);
		goto done;
	}
	uint8_t empty[32];
	merkle_empty_root(empty);
	if (cp.size == 0 && memcmp(cp.root, empty, 32)) {
		refuse(r, 422, "a checkpoint of size 0 must have the empty tree's root");
		goto done;
	}
	if (p.index == 0 && p.nproof) {
		refuse(r, 422, "old size 0 takes no consistency proof (%zu line%s given)", p.nproof,
		       p.nproof == 1 ? "" : "s");
		goto done;
	}
	if (p.index == cp.size && memcmp(r->old_root, cp.root, 32)) {
		refuse(r, 422,
		       "the checkpoint has the size of the one cosigned last (%" PRIu64
		       ") but another root: two histories",
		       cp.size);
		goto done;
	}
	if (p.index > 0 && !merkle_verify_consistency(p.index, cp.size, r->old_root, cp.root,
	                                              (const uint8_t(*)[32])p.proof, p.nproof)) {
		refuse(r, 422,
		       "the consistency proof from size %" PRIu64 " to %" PRIu64
		       " does not verify against the root cosigned at %" PRIu64,
		       p.index, cp.size, p.index);
		goto done;
	}
	/* Accepted: cosign now, record in the writer. */
	int ll = note_cosign_line(c->witness, nt->text, nt->text_len, now, r->line,
	                          sizeof(r->line));
	if (ll < 0 || !(r->note = malloc(p.note_len + (size_t)ll))) {
		rc = -ENOMEM;
		goto fail;
	}
	r->line_len = (size_t)ll;
	r->timestamp = now;
	memcpy(r->note, p.note, p.note_len);
	memcpy(r->note + p.note_len, r->line, r->line_len);
	r->note_len = p.note_len + r->line_len;
	goto done;
fail:
	refuse(r, 500, "the node cannot read its store: %s", store_strerror(rc));
done:
	if (txn)
		mdb_txn_abort(txn);
	tlogproof_free(&p);
	free(nt);
	return rc;
}

int
witproto_commit(const struct witproto_ctx *c, MDB_txn *txn, struct witproto_req *r)
{
	Remacto__Store__LogRecord *rec = NULL;
	uint8_t root[32], *val;
	uint64_t size;
	int rc;

	if (r->status != 0 || !r->note)
		return 0;
	if ((rc = witproto_latest(c->store, txn, r->origin, &size, root)) != 0)
		return rc;
	if (size != r->old || memcmp(root, r->old_root, 32)) {
		/* Another request (or federation) moved it on since the check. */
		r->latest = size;
		return refuse(r, 409,
		              "the latest checkpoint of %s this node cosigned has size %" PRIu64,
		              r->origin, size);
	}
	MDB_val k = { strlen(r->origin), r->origin }, v = { 40 + r->note_len, NULL };
	if ((rc = mdb_put(txn, latest_db(c->store), &k, &v, MDB_RESERVE)) != 0)
		return rc;
	val = v.mv_data;
	put_be64(val, r->size);
	memcpy(val + 8, r->root, 32);
	memcpy(val + 40, r->note, r->note_len);
	/* A log the node holds serves the cosignature with its checkpoint of that size. */
	rc = store_log_get(c->store, txn, r->origin, &rec);
	if (rc == 0)
		rc = witness_put(c->store, txn, rec->id, r->size, c->witness->v.name, r->timestamp,
		                 r->line, r->line_len);
	remacto__store__log_record__free_unpacked(rec, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	r->status = 200;
	return 0;
}

void
witproto_req_free(struct witproto_req *r)
{
	if (r) {
		free(r->note);
		r->note = NULL;
	}
}
