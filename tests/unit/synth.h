/*
 * synth — a synthetic federation for the derived views' tests (test_compliance.c,
 * test_benchmark.c): a store in a temporary folder, the network authority's key and registry
 * log, member keys from fixed seeds, entries written as JSON (checked by entry_from_json, as
 * a node would) and appended with tlog_append, witness cosignatures at chosen times with
 * witness_put, equivocation evidence with evidence_put. The store is opened with the views'
 * module (facts_store_open), as a node opens it; synth_refresh keeps its read transaction open
 * until the next refresh (the views read the store through it). Header-only: each test is one
 * binary.
 */
#ifndef REMACTO_TEST_SYNTH_H
#define REMACTO_TEST_SYNTH_H

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/entry.h"
#include "core/note.h"
#include "peers/evidence.h"
#include "peers/ledger.h"
#include "peers/registry.h"
#include "peers/witness.h"
#include "store/index.h"
#include "store/store.h"
#include "store/tlog.h"
#include "views/facts.h"
#include "views/facts_store.h"

#define SYNTH_REG "remacto.ma/registry"
#define SYNTH_MAX 16

struct synth {
	char dir[64];
	struct store s;
	bool open;
	MDB_txn *rtxn; /* the last refresh's */
	bool bare;     /* opened without the views' module (as an older release would) */
	struct note_signer auth;
	char auth_vkey[NOTE_VKEY_MAX + 1];
	struct note_signer key[SYNTH_MAX];
	char vkey[SYNTH_MAX][NOTE_VKEY_MAX + 1];
	char origin[SYNTH_MAX][64];
	size_t n;
};

static char synth_err[1024];

static inline void
synth_signer(struct note_signer *s, char *vkey, const char *name, uint8_t fill)
{
	uint8_t seed[32];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(fill + i);
	assert_int_equal(note_signer_from_seed(s, name, NOTE_ALG_ED25519, seed), 0);
	assert_true(note_verifier_format(&s->v, vkey, NOTE_VKEY_MAX + 1) > 0);
}

static inline void
synth_rm(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static inline void
synth_store_open(struct synth *sy)
{
	int rc = sy->bare ? ledger_open(&sy->s, sy->dir, STORE_CREATE, 0, synth_err,
	                                sizeof(synth_err))
	                  : facts_store_open(&sy->s, sy->dir, STORE_CREATE, 0, synth_err,
	                                     sizeof(synth_err));
	if (rc != 0)
		fail_msg("store_open: %d %s", rc, synth_err);
	sy->open = true;
}

/* A store with the authority recorded and an empty registry log; bare: without the views'
 * module. */
static inline void
synth_init_store(struct synth *sy, bool bare)
{
	memset(sy, 0, sizeof(*sy));
	sy->bare = bare;
	snprintf(sy->dir, sizeof(sy->dir), "/tmp/remacto-synth-XXXXXX");
	assert_non_null(mkdtemp(sy->dir));
	synth_signer(&sy->auth, sy->auth_vkey, SYNTH_REG, 0x01);
	synth_store_open(sy);
	if (registry_set_authority(&sy->s, sy->auth_vkey, synth_err, sizeof(synth_err)) != 0 ||
	    tlog_create(&sy->s, &sy->auth, NULL, synth_err, sizeof(synth_err)) != 0)
		fail_msg("authority: %s", synth_err);
}

static inline void
synth_init(struct synth *sy)
{
	synth_init_store(sy, false);
}

static inline void
synth_end_read(struct synth *sy)
{
	if (sy->rtxn)
		mdb_txn_abort(sy->rtxn);
	sy->rtxn = NULL;
}

static inline void
synth_reopen(struct synth *sy)
{
	synth_end_read(sy);
	store_close(&sy->s);
	sy->open = false;
	synth_store_open(sy);
}

static inline void
synth_free(struct synth *sy)
{
	synth_end_read(sy);
	if (sy->open)
		store_close(&sy->s);
	note_signer_free(&sy->auth);
	for (size_t i = 0; i < sy->n; i++)
		note_signer_free(&sy->key[i]);
	synth_rm(sy->dir);
}

/* Appends JSON entries (each without schema/published: "published" is given) to origin. */
static inline void
synth_append(struct synth *sy, const char *origin, const struct note_signer *signer,
             const char *const *json, size_t n)
{
	struct tlog_blob *v = calloc(n, sizeof(*v));
	assert_non_null(v);
	for (size_t i = 0; i < n; i++) {
		json_error_t je;
		json_t *j = json_loads(json[i], 0, &je);
		uint8_t *data;
		size_t len;
		if (!j)
			fail_msg("bad test JSON %s: %s", json[i], je.text);
		if (entry_from_json(j, &data, &len, synth_err, sizeof(synth_err)) != 0)
			fail_msg("entry %s: %s", json[i], synth_err);
		json_decref(j);
		v[i] = (struct tlog_blob){ data, len };
	}
	if (tlog_append(&sy->s, origin, signer, v, n, NULL, NULL, synth_err, sizeof(synth_err)) !=
	    0)
		fail_msg("append to %s: %s", origin, synth_err);
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].data);
	free(v);
}

static inline void
synth_registry(struct synth *sy, const char *json)
{
	synth_append(sy, SYNTH_REG, &sy->auth, &json, 1);
}

/* Member i: its key, its admission, its (empty) log. Returns i. */
static inline size_t
synth_member(struct synth *sy, const char *origin, const char *kind, const char *hcp,
             const char *region, unsigned long population, const char *date)
{
	size_t i = sy->n++;
	char js[2048];
	assert_true(i < SYNTH_MAX);
	snprintf(sy->origin[i], sizeof(sy->origin[i]), "%s", origin);
	synth_signer(&sy->key[i], sy->vkey[i], origin, (uint8_t)(0x40 + 8 * i));
	snprintf(js, sizeof(js),
	         "{\"schema\":1,\"published\":\"%sT09:00:00Z\",\"memberAdmission\":"
	         "{\"origin\":\"%s\",\"verifierKey\":\"%s\",\"hcpCode\":\"%s\",\"kind\":"
	         "\"MEMBER_KIND_%s\",\"name\":{\"fr\":\"Nom de %s\",\"ar\":\"اسم\"},"
	         "\"regionCode\":\"%s\",\"population\":\"%lu\"}}",
	         date, origin, sy->vkey[i], hcp, kind, store_slug(origin), region, population);
	synth_registry(sy, js);
	if (tlog_create(&sy->s, &sy->key[i], NULL, synth_err, sizeof(synth_err)) != 0)
		fail_msg("tlog_create %s: %s", origin, synth_err);
	return i;
}

static inline void
synth_catalog(struct synth *sy, const char *code, const char *principle, bool higher, bool per10k)
{
	char js[1024];
	snprintf(js, sizeof(js),
	         "{\"schema\":1,\"published\":\"2024-01-05T09:00:00Z\","
	         "\"catalogIndicator\":{\"code\":\"%s\",\"principle\":\"PRINCIPLE_%s\",\"title\":"
	         "{\"fr\":\"Indicateur %s\",\"en\":\"Indicator %s\"},\"unit\":\"u\","
	         "\"higherIsBetter\":%s,\"normalisation\":\"NORMALISATION_%s\"}}",
	         code, principle, code, code, higher ? "true" : "false",
	         per10k ? "PER_10000_INHABITANTS" : "NONE");
	synth_registry(sy, js);
}

static inline void
synth_log(struct synth *sy, size_t i, const char *const *json, size_t n)
{
	synth_append(sy, sy->origin[i], &sy->key[i], json, n);
}

struct synth_cosig {
	struct synth *sy;
	const char *origin, *witness;
	uint64_t size, time;
};

static inline int
synth_cosign_txn(MDB_txn *txn, void *arg)
{
	struct synth_cosig *c = arg;
	Remacto__Store__LogRecord *rec;
	char line[128];
	int rc = store_log_get(&c->sy->s, txn, c->origin, &rec);
	if (rc != 0)
		return rc;
	int n = snprintf(line, sizeof(line), "\xe2\x80\x94 %s AAAA\n", c->witness);
	rc = witness_put(&c->sy->s, txn, rec->id, c->size, c->witness, c->time, line, (size_t)n);
	remacto__store__log_record__free_unpacked(rec, NULL);
	return rc;
}

/* A cosignature of origin's checkpoint of `size` by witness at "YYYY-MM-DD" noon UTC. */
static inline void
synth_cosign(struct synth *sy, const char *origin, uint64_t size, const char *witness,
             const char *day)
{
	struct synth_cosig c = { sy, origin, witness, size,
		                 (uint64_t)facts_day_parse(day) * 86400 + 43200 };
	assert_int_equal(store_write(&sy->s, synth_cosign_txn, &c), 0);
}

struct synth_ev {
	struct synth *sy;
	const char *origin, *a, *b;
};

static inline int
synth_evidence_txn(MDB_txn *txn, void *arg)
{
	struct synth_ev *e = arg;
	int rc = evidence_put(&e->sy->s, txn, e->origin, e->a, strlen(e->a), e->b, strlen(e->b));
	return rc < 0 ? rc : 0;
}

static inline void
synth_evidence(struct synth *sy, const char *origin, const char *a, const char *b)
{
	struct synth_ev e = { sy, origin, a, b };
	assert_int_equal(store_write(&sy->s, synth_evidence_txn, &e), 0);
}

/* Refreshes f from the store (all members), in a read transaction kept until the next. */
static inline void
synth_refresh(struct synth *sy, struct facts *f)
{
	char err[512];
	synth_end_read(sy);
	assert_int_equal(store_read_begin(&sy->s, &sy->rtxn), 0);
	int rc = facts_refresh(f, &sy->s, sy->rtxn, NULL, err, sizeof(err));
	if (rc != 0)
		fail_msg("facts_refresh: %d %s", rc, err);
}

/* Folds every tail into the store (as a node's start folds what it lacks), so that the views
 * read the store's snapshots and events, not a tail. */
static inline void
synth_flush(struct synth *sy)
{
	char err[512];
	synth_end_read(sy);
	if (facts_store_catch_up(&sy->s, NULL, NULL, err, sizeof(err)) != 0)
		fail_msg("facts_store_catch_up: %s", err);
}

/* A JSON value as a string to compare (caller frees). */
static inline char *
synth_dump(json_t *j)
{
	assert_non_null(j);
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
	json_decref(j);
	assert_non_null(s);
	return s;
}

#endif
