/*
 * api_admin — the write routes, on the admin listener only, behind the bearer token:
 *   POST /api/v1/entries   one JSON entry or an array of them: one all-or-nothing batch
 *   POST /api/v1/import    a CSV of commitments or measurements (the export's columns)
 *   GET  /api/v1/status    what `remacto status` shows
 * Entries are checked here against the schema (stateless) and queued for group commit; the
 * checks against the node's state run in the writer (index.h) and the answer comes when the
 * batch is durable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api.h"
#include "core/entry.h"
#include "metrics.h"
#include "peers/fed.h"
#include "peers/registry.h"
#include "publish.h"
#include "store/tlog.h"
#include "views/csvimport.h"

/* Whether the member's record lists key k, from any size. */
static bool
registry_gives(const Remacto__Store__MemberRecord *m, const struct note_verifier *k)
{
	struct note_verifier v;
	char why[160];
	for (size_t i = 0; i < m->n_keys; i++)
		if (note_verifier_parse(m->keys[i]->verifier_key, &v, why, sizeof(why)) &&
		    !memcmp(v.pub, k->pub, 32))
			return true;
	return false;
}

/* What the registry says of this node's own log: suspended (403 with the suspension, which
 * `remacto publish` turns into its own exit code), or its key rotated away from the one this node
 * signs with (its checkpoints would verify nowhere). 403, not 503: the authority's decision, not
 * a passing state of the node; retrying changes nothing until a person acts. The writer checks
 * the suspension again in its transaction (publish.c), for one replicated after this check. */
static bool
registry_allows(const struct api_ctx *c, struct api_resp *resp)
{
	struct registry_suspension *sp = calloc(1, sizeof(*sp));
	Remacto__Store__MemberRecord *m = NULL;
	const char *origin = c->own->name;
	struct note_verifier cur;
	char why[160];
	MDB_txn *txn;
	bool ok = false;

	if (!sp || store_read_begin(c->store, &txn) != 0) {
		api_error(resp, 503, NULL, "storage unavailable; retry later");
		free(sp);
		return false;
	}
	if (registry_suspension(c->store, txn, origin, sp) != 0) {
		api_error(resp, 503, NULL, "cannot read the registry; retry later");
	} else if (sp->suspended) {
		publish_refuse_suspended(resp, origin, sp);
	} else if (registry_member(c->store, txn, origin, &m) == 0 && m->n_keys &&
	           !registry_gives(m, c->own)) {
		api_error(resp, 503, NULL,
		          "this node signs with a key that the registry it holds does not give for "
		          "%s: if the network authority rotated the key to it, the node takes that "
		          "from its peers and publishing resumes then; if not, configure the key "
		          "file the registry gives (%s) and restart the node",
		          origin, m->keys[m->n_keys - 1]->verifier_key);
	} else if (m && m->n_keys &&
	           note_verifier_parse(m->keys[m->n_keys - 1]->verifier_key, &cur, why,
	                               sizeof(why)) &&
	           memcmp(cur.pub, c->own->pub, 32) != 0) {
		api_error(
		        resp, 403, NULL,
		        "the network authority rotated the key of %s (to %s from size %llu): "
		        "this node still signs with the old key, and its checkpoints would verify "
		        "nowhere; set [node] key to the new key file and restart the node",
		        origin, m->keys[m->n_keys - 1]->verifier_key,
		        (unsigned long long)m->keys[m->n_keys - 1]->from_size);
	} else {
		ok = true;
	}
	remacto__store__member_record__free_unpacked(m, NULL);
	mdb_txn_abort(txn);
	free(sp);
	return ok;
}

static bool
can_publish(const struct api_ctx *c, struct api_resp *resp)
{
	if (!c->own || !c->pub) {
		api_error(resp, 403, NULL,
		          "this node is a read-only mirror: it has no log of its "
		          "own to publish into");
		return false;
	}
	if (!registry_allows(c, resp))
		return false;
	if (c->fed && !fed_may_publish(c->fed)) {
		api_error(resp, 503, NULL,
		          "the node is catching up with what the federation holds "
		          "of its own log, or found it forked (see the node's log); publishing "
		          "resumes once it is consistent");
		return false;
	}
	return true;
}

static void
free_blobs(struct tlog_blob *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].data);
	free(v);
}

static void
queue(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp,
      struct tlog_blob *v, size_t count)
{
	struct publish_job *job = publish_submit(c->pub, v, count, req->owner);
	if (!job) {
		api_error(resp, 503, NULL, "the publication queue is full; retry in a moment");
		return;
	}
	resp->deferred = true;
	resp->job = job;
}

static void
post_entries(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	json_error_t jerr;
	json_t *root, *item;
	struct tlog_blob *v = NULL;
	size_t count = 0, i;

	if (req->content_type[0] && strncasecmp(req->content_type, "application/json", 16) != 0) {
		api_error(resp, 415, "Content-Type", "send entries as application/json");
		return;
	}
	root = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		api_error(resp, 400, NULL, "invalid JSON at line %d column %d: %s", jerr.line,
		          jerr.column, jerr.text);
		return;
	}
	count = json_is_array(root) ? json_array_size(root) : 1;
	if (count == 0 || count > TLOG_MAX_BATCH) {
		api_error(resp, 400, NULL, "a batch holds 1 to %d entries", TLOG_MAX_BATCH);
		goto done;
	}
	if (!(v = calloc(count, sizeof(*v)))) {
		api_error(resp, 500, NULL, "out of memory");
		goto done;
	}
	for (i = 0; i < count; i++) {
		char err[400];
		uint8_t *data;
		size_t len;
		item = json_is_array(root) ? json_array_get(root, i) : root;
		if (entry_from_json(item, &data, &len, err, sizeof(err)) != 0) {
			char field[160] = "";
			const char *colon = strstr(err, ": ");
			if (colon && (size_t)(colon - err) < sizeof(field) - 8) {
				if (json_is_array(root))
					snprintf(field, sizeof(field), "[%zu].%.*s", i,
					         (int)(colon - err), err);
				else
					snprintf(field, sizeof(field), "%.*s", (int)(colon - err),
					         err);
			}
			api_error(resp, 400, field, "%s%s; nothing was stored",
			          json_is_array(root) ? "" : "", colon ? colon + 2 : err);
			free_blobs(v, i);
			v = NULL;
			goto done;
		}
		v[i] = (struct tlog_blob){ data, len };
	}
	queue(c, req, resp, v, count);
done:
	json_decref(root);
}

static void
post_import(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	struct csvimport out = { 0 };
	struct csvimport_opts opts;
	char err[256], now[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Rows exported from another member's log are refused: they are not this node's. */
	opts.member = store_slug(c->own->name);
	opts.published = now;
	if (csvimport_parse_ex((const char *)req->body, req->body_len, &opts, &out, err,
	                       sizeof(err)) != 0) {
		char why[320];
		snprintf(why, sizeof(why), "%s (read as %s-separated)", err,
		         csv_sep_name(out.sep ? out.sep : ','));
		json_t *e = json_pack("{s:i, s:s, s:s#}", "status", 400, "reason", why, "separator",
		                      out.sep ? &out.sep : ",", 1);
		if (out.errors)
			json_object_set(e, "rows", out.errors);
		api_json(resp, 400, json_pack("{s:o}", "error", e));
		csvimport_free(&out);
		return;
	}
	if (out.n == 0) {
		csvimport_free(&out);
		api_error(resp, 400, NULL, "the CSV holds a header but no rows");
		return;
	}
	struct tlog_blob *v = out.entries;
	size_t count = out.n;
	out.entries = NULL, out.n = 0; /* handed to the publisher */
	csvimport_free(&out);
	queue(c, req, resp, v, count);
}

static void
get_status(const struct api_ctx *c, struct api_resp *resp)
{
	MDB_txn *txn;
	struct tlog_head *h = calloc(1, sizeof(*h));
	struct registry_suspension *sp = calloc(1, sizeof(*sp));
	json_t *j = json_pack(
	        "{s:s, s:s, s:I, s:I, s:I}", "network", c->network ? c->network : "", "origin",
	        c->own ? c->own->name : "", "uptimeSeconds", (json_int_t)(time(NULL) - c->started),
	        "entriesPublished",
	        (json_int_t)(c->metrics ? atomic_load(&c->metrics->entries_published) : 0),
	        "commits", (json_int_t)(c->metrics ? atomic_load(&c->metrics->commits) : 0));
	if (h && sp && c->own && store_read_begin(c->store, &txn) == 0) {
		if (tlog_head(c->store, txn, c->own->name, h) == 0) {
			json_object_set_new(j, "treeSize", json_integer((json_int_t)h->size));
			json_object_set_new(j, "checkpoint",
			                    json_stringn(h->checkpoint, h->checkpoint_len));
		}
		if (registry_suspension(c->store, txn, c->own->name, sp) == 0 && sp->suspended)
			json_object_set_new(j, "suspended", registry_suspension_json(sp));
		mdb_txn_abort(txn);
	}
	free(sp);
	free(h);
	api_json(resp, 200, j);
}

bool
api_admin_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	bool entries = !strcmp(req->path, "/api/v1/entries");
	bool import = !strcmp(req->path, "/api/v1/import");

	if (!strcmp(req->path, "/api/v1/status")) {
		if (req->method != API_GET && req->method != API_HEAD)
			api_error(resp, 405, NULL, "use GET");
		else
			get_status(c, resp);
		return true;
	}
	if (!entries && !import)
		return false;
	if (req->method != API_POST) {
		api_error(resp, 405, NULL, "use POST");
		return true;
	}
	if (!can_publish(c, resp))
		return true;
	if (entries)
		post_entries(c, req, resp);
	else
		post_import(c, req, resp);
	return true;
}
