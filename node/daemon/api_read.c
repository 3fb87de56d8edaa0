/*
 * api_read — the public read routes over the logs themselves:
 *   /healthz, /metrics
 *   /logs/<slug>/checkpoint, /logs/<slug>/tile/<L>/<N>[.p/<W>],
 *   /logs/<slug>/tile/entries/<N>[.p/<W>]               (C2SP tlog-tiles)
 *   /api/v1/logs[.csv], /api/v1/logs/<slug>, /api/v1/logs/<slug>/entries?start=&limit=,
 *   /api/v1/logs/<slug>/proof/inclusion?index=&size=, …/proof/consistency?old=&size=
 * Full tiles never change: they are served immutable so any HTTP cache can carry them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "core/b64.h"
#include "core/entry.h"
#include "core/pbjson.h"
#include "core/proof.h"
#include "core/tile.h"
#include "metrics.h"
#include "peers/evidence.h"
#include "peers/registry.h"
#include "peers/transport.h"
#include "peers/witness.h"
#include "publish.h"
#include "store/tlog.h"

#define ENTRIES_MAX_LIMIT 1000

static const char immutable[] = "public, max-age=31536000, immutable";
static const char short_lived[] = "public, max-age=5";
/* Checkpoints and the logs' API change with every commit: browsers revalidate every time (the
 * ETag makes that a 304), a shared cache in front may answer for a second or two, which caps
 * what a crowd costs the node at about one request per object per second. */
static const char checkpoint_cc[] = "public, max-age=0, s-maxage=1";
static const char brief[] = "public, max-age=0, s-maxage=2";

/* Reads the head of the log served as slug; on failure fills a 404/500 and returns false. */
static bool
find_log(const struct api_ctx *c, MDB_txn *txn, const char *slug, struct tlog_head *h,
         struct api_resp *resp)
{
	char origin[NOTE_NAME_MAX + 1];
	int rc = store_log_by_slug(c->store, txn, slug, origin, sizeof(origin));
	if (rc == 0)
		rc = tlog_head(c->store, txn, origin, h);
	if (rc == MDB_NOTFOUND) {
		api_error(resp, 404, NULL, "this node holds no log named %s", slug);
		return false;
	}
	if (rc != 0) {
		api_error(resp, 500, NULL, "cannot read log %s: %s", slug, store_strerror(rc));
		return false;
	}
	return true;
}

static void
iso_time(int64_t t, char *out, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_t *
log_json(const struct tlog_head *h)
{
	char updated[32];
	iso_time(h->updated, updated, sizeof(updated));
	return json_pack("{s:s, s:s, s:I, s:o, s:s#, s:s, s:s, s:b}", "origin", h->origin, "slug",
	                 store_slug(h->origin), "size", (json_int_t)h->size, "root",
	                 proof_b64_json(h->root, 32), "checkpoint", h->checkpoint,
	                 (int)h->checkpoint_len, "verifierKey", h->vkey, "updated", updated, "own",
	                 h->key_file[0] != '\0');
}

struct list_ctx {
	json_t *arr;
	struct csv *csv;
};

static int
list_one(const Remacto__Store__LogRecord *rec, void *arg)
{
	struct list_ctx *c = arg;
	struct tlog_head *h = malloc(sizeof(*h));
	char root[64], updated[32];
	if (!h)
		return -ENOMEM;
	/* Same copy the single-log route makes, so both show the same fields. */
	memset(h, 0, sizeof(*h));
	snprintf(h->origin, sizeof(h->origin), "%s", rec->origin);
	snprintf(h->vkey, sizeof(h->vkey), "%s", rec->verifier_key);
	snprintf(h->key_file, sizeof(h->key_file), "%s", rec->key_file);
	h->size = rec->size;
	if (rec->root.len == 32)
		memcpy(h->root, rec->root.data, 32);
	/* None yet (a replica part-way through its catch-up): data is NULL, not to be copied. */
	if (rec->checkpoint.len > 0 && rec->checkpoint.len < sizeof(h->checkpoint)) {
		memcpy(h->checkpoint, rec->checkpoint.data, rec->checkpoint.len);
		h->checkpoint_len = rec->checkpoint.len;
	}
	h->updated = rec->updated;
	if (c->arr) {
		json_array_append_new(c->arr, log_json(h));
	} else {
		b64_encode(h->root, 32, root, sizeof(root));
		iso_time(h->updated, updated, sizeof(updated));
		csv_field(c->csv, h->origin);
		csv_field(c->csv, store_slug(h->origin));
		csv_fieldf(c->csv, "%llu", (unsigned long long)h->size);
		csv_field(c->csv, root);
		csv_field(c->csv, h->vkey);
		csv_field(c->csv, updated);
		csv_field(c->csv, h->key_file[0] ? "own" : "replica");
		csv_end_row(c->csv);
	}
	free(h);
	return 0;
}

static void
route_logs(const struct api_ctx *c, MDB_txn *txn, const struct api_req *req, struct api_resp *resp)
{
	struct csv csv = { 0 };
	struct list_ctx l = { req->want_csv ? NULL : json_array(), &csv };
	int rc;

	if (req->want_csv) {
		const char *cols[] = { "origin",       "slug",    "size", "root",
			               "verifier_key", "updated", "role" };
		for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
			csv_field(&csv, cols[i]);
		csv_end_row(&csv);
	}
	rc = store_log_each(c->store, txn, list_one, &l);
	if (rc != 0) {
		json_decref(l.arr);
		csv_free(&csv);
		api_error(resp, 500, NULL, "cannot list logs: %s", store_strerror(rc));
		return;
	}
	if (req->want_csv)
		api_csv(resp, &csv);
	else
		api_json(resp, 200, json_pack("{s:o}", "logs", l.arr));
}

struct entries_ctx {
	json_t *arr;
};

static int
entry_row(uint64_t index, const uint8_t *data, size_t len, void *arg)
{
	struct entries_ctx *c = arg;
	char *raw = malloc(B64_ENCODED_LEN(len) + 1);
	Remacto__V1__Entry *e = remacto__v1__entry__unpack(NULL, len, data);
	json_t *row = json_pack("{s:I}", "index", (json_int_t)index);

	if (!raw || !row) {
		free(raw);
		json_decref(row);
		if (e)
			remacto__v1__entry__free_unpacked(e, NULL);
		return -ENOMEM;
	}
	b64_encode(data, len, raw, B64_ENCODED_LEN(len) + 1);
	json_object_set_new(row, "entry", e ? pbjson_encode(&e->base) : json_null());
	json_object_set_new(row, "raw", json_string(raw));
	json_array_append_new(c->arr, row);
	free(raw);
	if (e)
		remacto__v1__entry__free_unpacked(e, NULL);
	return 0;
}

static void
route_entries(const struct api_ctx *c, MDB_txn *txn, const struct tlog_head *h,
              const struct api_req *req, struct api_resp *resp)
{
	uint64_t start, limit;
	struct entries_ctx ec;

	if (!api_query_u64(req, resp, "start", 0, INT64_MAX, &start) ||
	    !api_query_u64(req, resp, "limit", 100, ENTRIES_MAX_LIMIT, &limit))
		return;
	if (start > h->size)
		start = h->size;
	if (limit > h->size - start)
		limit = h->size - start;
	ec.arr = json_array();
	int rc = store_entry_each(c->store, txn, h->id, start, limit, entry_row, &ec);
	if (rc != 0) {
		json_decref(ec.arr);
		api_error(resp, 500, NULL, "cannot read entries: %s", store_strerror(rc));
		return;
	}
	api_json(resp, 200,
	         json_pack("{s:s, s:I, s:I, s:o}", "origin", h->origin, "treeSize",
	                   (json_int_t)h->size, "start", (json_int_t)start, "entries", ec.arr));
}

static void
route_proof(const struct api_ctx *c, MDB_txn *txn, const struct tlog_head *h, const char *kind,
            const struct api_req *req, struct api_resp *resp)
{
	uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN], a[32], b[32];
	uint64_t x, size;
	size_t np;
	int rc;

	if (!api_query_u64(req, resp, "size", h->size, h->size, &size))
		return;
	if (!strcmp(kind, "inclusion")) {
		if (!api_query_u64(req, resp, "index", UINT64_MAX, INT64_MAX, &x))
			return;
		if (x == UINT64_MAX || x >= size) {
			api_error(resp, 400, "index", "an index below size (%llu) is required",
			          (unsigned long long)size);
			return;
		}
		if ((rc = tlog_inclusion(c->store, txn, h, x, size, a, b, proof, &np)) != 0) {
			api_error(resp, 500, NULL, "cannot build the proof: %s",
			          store_strerror(rc));
			return;
		}
		api_json(resp, 200, proof_inclusion_json(x, size, a, b, proof, np));
	} else if (!strcmp(kind, "consistency")) {
		if (!api_query_u64(req, resp, "old", 0, INT64_MAX, &x))
			return;
		if (x == 0 || x > size) {
			api_error(resp, 400, "old", "old must be from 1 to size (%llu)",
			          (unsigned long long)size);
			return;
		}
		if ((rc = tlog_consistency(c->store, txn, h, x, size, a, b, proof, &np)) != 0) {
			api_error(resp, 500, NULL, "cannot build the proof: %s",
			          store_strerror(rc));
			return;
		}
		api_json(resp, 200, proof_consistency_json(x, size, a, b, proof, np));
	} else {
		api_error(resp, 404, NULL, "proofs are /proof/inclusion or /proof/consistency");
	}
}

/* A tile of the log (tile.h names it). Only canonical names are served: a cache never holds one
 * tile under two names, and only a full tile is immutable. */
static void
route_tile(const struct api_ctx *c, MDB_txn *txn, const struct tlog_head *h, const char *rest,
           struct api_resp *resp)
{
	struct tile t;
	uint64_t index, count;
	unsigned width, level;

	/* Levels above 7 hold nothing of a tree of at most 2^64 leaves (8·L bits of shift). */
	if (!tile_parse(rest, &t) || t.level > 7)
		goto notfound;
	level = t.level == TILE_ENTRIES ? 0 : (unsigned)t.level;
	index = t.index;
	width = t.width;
	/* Hashes held at Merkle level 8·level: one per 256^level leaves. */
	count = h->size >> (8 * level);
	if (index > count / TILE_WIDTH || index * TILE_WIDTH + width > count)
		goto notfound;
	{
		uint8_t *buf;
		size_t len;
		int rc = tlog_tile_read(c->store, txn, h, t.level, index, width, &buf, &len);

		if (rc != 0) {
			api_error(resp, 500, NULL, "cannot read tile %s: %s", rest,
			          store_strerror(rc));
			return;
		}
		api_bytes(resp, 200, "application/octet-stream", buf, len);
	}
	resp->cache_control = width == TILE_WIDTH ? immutable : short_lived;
	return;
notfound:
	api_error(resp, 404, NULL, "no such tile in a tree of %llu entries",
	          (unsigned long long)h->size);
}

/* The signed checkpoint with the cosignatures held for its size. A replica that has no signed
 * checkpoint yet has nothing to serve. */
static void
serve_checkpoint(const struct api_ctx *c, MDB_txn *txn, const struct tlog_head *h,
                 struct api_resp *resp)
{
	struct checkpoint cp;
	char why[64], *buf;
	size_t tl = 0;
	int len;

	for (size_t i = h->checkpoint_len; i >= 2 && !tl; i--)
		if (h->checkpoint[i - 1] == '\n' && h->checkpoint[i - 2] == '\n')
			tl = i - 1;
	if (!tl || !checkpoint_parse(h->checkpoint, tl, &cp, why, sizeof(why))) {
		api_error(resp, 404, NULL, "no signed checkpoint of %s yet", h->origin);
		return;
	}
	if (!(buf = malloc(NOTE_MAX_LEN)) ||
	    (len = witness_note(c->store, txn, h->id, cp.size, h->checkpoint, h->checkpoint_len,
	                        buf, NOTE_MAX_LEN)) < 0) {
		free(buf);
		api_text(resp, 200, "text/plain; charset=utf-8", h->checkpoint, h->checkpoint_len);
	} else {
		api_bytes(resp, 200, "text/plain; charset=utf-8", (uint8_t *)buf, (size_t)len);
	}
	resp->cache_control = checkpoint_cc;
}

bool
api_read_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	const char *path = req->path;
	struct tlog_head *h = NULL;
	MDB_txn *txn = NULL;
	char slug[128];
	const char *rest;
	bool logs_api = !strncmp(path, "/api/v1/logs", 12) && (path[12] == '\0' || path[12] == '/');

	if (strcmp(path, "/healthz") && strcmp(path, "/metrics") && strncmp(path, "/logs/", 6) &&
	    strcmp(path, "/api/v1/evidence") && !logs_api)
		return false;
	if (req->method != API_GET && req->method != API_HEAD) {
		api_error(resp, 405, NULL, "%s is read only: use GET", path);
		return true;
	}
	if (!strcmp(path, "/metrics")) {
		char *text;
		size_t len;
		static struct metrics none; /* a context without counters shows zeros */
		struct metrics_ctx mc = {
			.m = c->metrics ? c->metrics : &none,
			.store = c->store,
			.transport = c->transport,
			.fed = c->fed,
			.data_dir = c->data_dir,
			.started = c->started,
		};
		if (metrics_render(&mc, &text, &len) != 0)
			api_error(resp, 500, NULL, "cannot render metrics");
		else
			api_bytes(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
			          (uint8_t *)text, len);
		return true;
	}
	int rc = store_read_begin(c->store, &txn);
	if (rc != 0) {
		api_error(resp, 503, NULL, "storage unavailable: %s", store_strerror(rc));
		return true;
	}
	if (!strcmp(path, "/healthz")) {
		/* Degraded (503) when the node cannot do all its work: its commits fail, the
		 * network authority suspended its member (so it refuses to publish), or it has been
		 * cut off from every peer for [peer] isolated_after_s. */
		struct registry_suspension sp = { 0 };
		char why[1024] = "";
		int last = publish_last_error(c->pub);
		/* A federated node cut off from every peer serves a ledger that stops moving. */
		double isolated = transport_isolated_s(c->transport);
		bool cut_off = c->isolated_after_s && isolated >= c->isolated_after_s;
		if (c->own)
			registry_suspension(c->store, txn, c->own->name, &sp);
		if (last != 0)
			snprintf(why, sizeof(why), "%s", store_strerror(last));
		else if (sp.suspended)
			registry_suspension_text(c->own->name, &sp, why, sizeof(why));
		else if (cut_off)
			snprintf(why, sizeof(why),
			         "no peer session for [peer] isolated_after_s or longer");
		json_t *j = json_pack("{s:s, s:I}", "status", why[0] ? "degraded" : "ok",
		                      "uptimeSeconds", (json_int_t)(time(NULL) - c->started));
		if (why[0])
			json_object_set_new(j, "reason", json_string(why));
		if (sp.suspended)
			json_object_set_new(j, "suspended", registry_suspension_json(&sp));
		if (cut_off)
			json_object_set_new(j, "isolatedSeconds",
			                    json_integer((json_int_t)isolated));
		api_json(resp, why[0] ? 503 : 200, j);
		goto done;
	}
	if (logs_api && path[12] == '\0') {
		route_logs(c, txn, req, resp);
		goto done;
	}
	if (!strcmp(path, "/api/v1/evidence")) {
		api_json(resp, 200,
		         json_pack("{s:o}", "evidence", evidence_list(c->store, txn, NULL)));
		goto done;
	}
	/* /logs/<slug>/... or /api/v1/logs/<slug>[/...] */
	rest = logs_api ? path + 13 : path + 6;
	size_t sl = strcspn(rest, "/");
	if (sl == 0 || sl >= sizeof(slug)) {
		api_error(resp, 404, NULL, "no such log");
		goto done;
	}
	memcpy(slug, rest, sl);
	slug[sl] = '\0';
	rest += sl;
	if (!(h = malloc(sizeof(*h)))) {
		api_error(resp, 500, NULL, "out of memory");
		goto done;
	}
	if (!find_log(c, txn, slug, h, resp))
		goto done;
	if (!logs_api && !strcmp(rest, "/checkpoint")) {
		serve_checkpoint(c, txn, h, resp);
	} else if (!logs_api && !strncmp(rest, "/tile/", 6)) {
		route_tile(c, txn, h, rest + 6, resp);
	} else if (logs_api && rest[0] == '\0') {
		api_json(resp, 200, log_json(h));
	} else if (logs_api && !strcmp(rest, "/entries")) {
		route_entries(c, txn, h, req, resp);
	} else if (logs_api && !strcmp(rest, "/witnesses")) {
		api_json(resp, 200,
		         json_pack("{s:s, s:o}", "origin", h->origin, "witnesses",
		                   witness_list(c->store, txn, h->id, 16)));
	} else if (logs_api && !strcmp(rest, "/evidence")) {
		api_json(resp, 200,
		         json_pack("{s:s, s:b, s:o}", "origin", h->origin, "forked",
		                   evidence_forked(c->store, txn, h->origin), "evidence",
		                   evidence_list(c->store, txn, h->origin)));
	} else if (logs_api && !strncmp(rest, "/proof/", 7)) {
		char sz[24];
		route_proof(c, txn, h, rest + 7, req, resp);
		/* A proof to an explicit size never changes (nothing stored is ever rewritten). */
		if (resp->status == 200 && api_query(req, "size", sz, sizeof(sz)))
			resp->cache_control = immutable;
	} else {
		api_error(resp, 404, NULL, "no such resource: %s", path);
	}
done:
	if ((logs_api || !strcmp(path, "/api/v1/evidence")) && resp->status == 200 &&
	    !resp->cache_control)
		resp->cache_control = brief;
	free(h);
	mdb_txn_abort(txn);
	return true;
}
