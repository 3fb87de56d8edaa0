/*
 * api_tlog — the C2SP texts a verifier takes away (docs/API.md "Proofs and trust"):
 *   GET /api/v1/logs/<slug>/tlog-proof?index=I   c2sp.org/tlog-proof@v1: the log's checkpoint as
 *                                                this node serves it, with the cosignatures it
 *                                                holds, the inclusion proof of entry I and the
 *                                                entry's bytes on the extra line
 *   GET /api/v1/policy[?registrySize=N]          c2sp.org/tlog-policy: the network's trust
 *                                                policy as the registry's first N entries
 *                                                define it (peers/trust.h)
 * Both are text/plain; charset=utf-8, so that they can be saved and checked offline with any
 * C2SP tool (remacto proof verify, or another).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "core/buf.h"
#include "core/tlogproof.h"
#include "peers/trust.h"
#include "peers/witness.h"
#include "store/tlog.h"

static const char text_plain[] = "text/plain; charset=utf-8";

static void
route_policy(const struct api_ctx *c, MDB_txn *txn, const struct api_req *req,
             struct api_resp *resp)
{
	static const char *const params[] = { "registrySize", NULL };
	struct buf out = BUF_INIT(0);
	uint64_t size, used;
	char err[300];
	int rc;

	if (!api_query_check(req, resp, params) ||
	    !api_query_u64(req, resp, "registrySize", TRUST_ALL, INT64_MAX, &size))
		return;
	rc = trust_policy(c->store, txn, size, &out, &used, err, sizeof(err));
	if (rc == -ENOENT) {
		api_error(resp, 404, NULL, "%s", err);
	} else if (rc == -ERANGE) {
		api_error(resp, 400, "registrySize", "%s", err);
	} else if (rc != 0) {
		api_error(resp, 500, NULL, "cannot build the policy: %s", store_strerror(rc));
	} else {
		size_t len;
		char *text = buf_steal(&out, &len);
		api_bytes(resp, 200, text_plain, (uint8_t *)text, len);
		/* The policy at a given registry size never changes; the current one does. */
		resp->cache_control = size == TRUST_ALL ? "no-cache" : "public, max-age=3600";
	}
	buf_free(&out);
}

/* The length of a note's text (up to its blank line, keeping the text's final newline). */
static size_t
note_text_len(const char *note, size_t len)
{
	for (size_t i = len; i >= 2; i--)
		if (note[i - 1] == '\n' && note[i - 2] == '\n')
			return i - 1;
	return 0;
}

static void
route_proof(const struct api_ctx *c, MDB_txn *txn, const char *slug, const struct api_req *req,
            struct api_resp *resp)
{
	static const char *const params[] = { "index", NULL };
	uint8_t leaf[32], root[32], proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
	char origin[NOTE_NAME_MAX + 1], why[200], *note = NULL;
	struct tlog_head *h = NULL;
	struct buf out = BUF_INIT(0);
	struct checkpoint cp;
	const uint8_t *entry;
	uint64_t index;
	size_t elen, np, tl;
	int rc, nl;

	if (!api_query_check(req, resp, params) ||
	    !api_query_u64(req, resp, "index", UINT64_MAX, INT64_MAX, &index))
		return;
	if (!(h = malloc(sizeof(*h))) || !(note = malloc(NOTE_MAX_LEN))) {
		api_error(resp, 500, NULL, "out of memory");
		goto done;
	}
	rc = store_log_by_slug(c->store, txn, slug, origin, sizeof(origin));
	if (rc == 0)
		rc = tlog_head(c->store, txn, origin, h);
	if (rc == MDB_NOTFOUND) {
		api_error(resp, 404, NULL, "this node holds no log named %s", slug);
		goto done;
	} else if (rc != 0) {
		api_error(resp, 500, NULL, "cannot read log %s: %s", slug, store_strerror(rc));
		goto done;
	}
	/* The checkpoint the log serves, which may be older than its tree (a rotation that
	 * reaches back, a replica between catch-up steps): the proof is to its size. */
	tl = note_text_len(h->checkpoint, h->checkpoint_len);
	if (!tl || !checkpoint_parse(h->checkpoint, tl, &cp, why, sizeof(why)) || cp.size == 0) {
		api_error(resp, 404, NULL, "no signed checkpoint of %s with entries yet",
		          h->origin);
		goto done;
	}
	if (index == UINT64_MAX || index >= cp.size) {
		api_error(resp, 400, "index",
		          "an entry index below the size of the checkpoint (%llu) is required",
		          (unsigned long long)cp.size);
		goto done;
	}
	if ((rc = tlog_inclusion(c->store, txn, h, index, cp.size, leaf, root, proof, &np)) != 0 ||
	    (rc = store_entry_get(c->store, txn, h->id, index, &entry, &elen)) != 0) {
		api_error(resp, 500, NULL, "cannot build the proof: %s", store_strerror(rc));
		goto done;
	}
	if (memcmp(root, cp.root, 32) != 0) {
		api_error(resp, 500, NULL,
		          "the stored tree of %s does not match its signed checkpoint: run remacto "
		          "log verify",
		          h->origin);
		goto done;
	}
	nl = witness_note(c->store, txn, h->id, cp.size, h->checkpoint, h->checkpoint_len, note,
	                  NOTE_MAX_LEN);
	if (nl < 0) {
		memcpy(note, h->checkpoint, h->checkpoint_len);
		nl = (int)h->checkpoint_len;
	}
	if (tlogproof_format(entry, elen, index, (const uint8_t(*)[32])proof, np, note, (size_t)nl,
	                     &out) != 0) {
		api_error(resp, 500, NULL, "out of memory");
		goto done;
	}
	size_t len;
	char *text = buf_steal(&out, &len);
	api_bytes(resp, 200, text_plain, (uint8_t *)text, len);
	resp->cache_control = "no-cache";
done:
	buf_free(&out);
	free(note);
	free(h);
}

bool
api_tlog_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	const char *path = req->path, *slug, *tail;
	char name[128];
	MDB_txn *txn;
	bool policy = !strcmp(path, "/api/v1/policy");

	if (!policy) {
		if (strncmp(path, "/api/v1/logs/", 13))
			return false;
		slug = path + 13;
		tail = strchr(slug, '/');
		if (!tail || strcmp(tail, "/tlog-proof") || tail == slug ||
		    (size_t)(tail - slug) >= sizeof(name))
			return false;
		memcpy(name, slug, (size_t)(tail - slug));
		name[tail - slug] = '\0';
	}
	if (req->method != API_GET && req->method != API_HEAD) {
		api_error(resp, 405, NULL, "%s is read only: use GET", path);
		return true;
	}
	int rc = store_read_begin(c->store, &txn);
	if (rc != 0) {
		api_error(resp, 503, NULL, "storage unavailable: %s", store_strerror(rc));
		return true;
	}
	if (policy)
		route_policy(c, txn, req, resp);
	else
		route_proof(c, txn, name, req, resp);
	mdb_txn_abort(txn);
	return true;
}
