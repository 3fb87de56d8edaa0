/*
 * Tests of peers/witset.c: the witnesses of each log, from a real registry log (a store in a
 * temporary folder, entries appended with tlog_append). Checked: every log has the authority's
 * node and exactly WITSET_MEMBERS members as witnesses, never its own node, and the registry's
 * log no authority; the same registry gives the same sets; an admission moves a set only by
 * putting the newcomer in it; a suspended member and a name outside the registry (a mirror)
 * cosign nothing; a witnessPolicy's quorum without groups widens the sets, and the witnesses
 * its groups name cosign every log.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/entry.h"
#include "core/note.h"
#include "peers/ledger.h"
#include "peers/registry.h"
#include "peers/witset.h"
#include "store/tlog.h"

#define REG "remacto.ma/registry"
#define NM 12

static char err[1024];

struct fx {
	char dir[64];
	struct store s;
	struct note_signer auth;
	char origin[NM + 1][64];
	struct witset ws;
};

static void
vkey_of(const char *name, uint8_t fill, char *vk, struct note_signer *keep)
{
	struct note_signer s;
	uint8_t seed[32];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(fill + 7 * i);
	assert_int_equal(note_signer_from_seed(keep ? keep : &s, name, NOTE_ALG_ED25519, seed), 0);
	assert_true(note_verifier_format(keep ? &keep->v : &s.v, vk, NOTE_VKEY_MAX + 1) > 0);
	if (!keep)
		note_signer_free(&s);
}

static int
append(struct fx *f, const char *fmt, ...)
{
	char js[2048];
	va_list ap;
	uint8_t *data;
	size_t len;
	uint64_t first;
	va_start(ap, fmt);
	vsnprintf(js, sizeof(js), fmt, ap);
	va_end(ap);
	json_t *j = json_loads(js, 0, NULL);
	assert_non_null(j);
	json_object_set_new(j, "schema", json_integer(1));
	json_object_set_new(j, "published", json_string("2026-01-01T00:00:00Z"));
	int rc = entry_from_json(j, &data, &len, err, sizeof(err));
	json_decref(j);
	if (rc != 0)
		return rc;
	struct tlog_blob b = { data, len };
	rc = tlog_append(&f->s, REG, &f->auth, &b, 1, &first, NULL, err, sizeof(err));
	free(data);
	if (rc)
		print_error("append: %s\n", err);
	return rc;
}

static void
admit(struct fx *f, int i)
{
	char vk[NOTE_VKEY_MAX + 1];
	snprintf(f->origin[i], sizeof(f->origin[i]), "remacto.ma/commune-%02d", i);
	vkey_of(f->origin[i], (uint8_t)(10 + i), vk, NULL);
	assert_int_equal(append(f,
	                        "{\"memberAdmission\":{\"origin\":\"%s\",\"verifierKey\":\"%s\","
	                        "\"kind\":\"MEMBER_KIND_COMMUNE\",\"name\":{\"fr\":\"C\",\"ar\":"
	                        "\"ج\"}}}",
	                        f->origin[i], vk),
	                 0);
}

/* Refreshes f->ws from the registry as the store holds it. */
static void
refresh(struct fx *f)
{
	MDB_txn *txn;
	Remacto__Store__LogRecord *rec = NULL;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(store_log_get(&f->s, txn, REG, &rec), 0);
	assert_int_equal(witset_refresh(&f->ws, &f->s, txn, rec->size), 0);
	remacto__store__log_record__free_unpacked(rec, NULL);
	mdb_txn_abort(txn);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char vk[NOTE_VKEY_MAX + 1];
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-witset-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	vkey_of(REG, 1, vk, &f->auth);
	assert_int_equal(ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)), 0);
	assert_int_equal(registry_set_authority(&f->s, vk, err, sizeof(err)), 0);
	assert_int_equal(tlog_create(&f->s, &f->auth, NULL, err, sizeof(err)), 0);
	for (int i = 0; i < NM; i++)
		admit(f, i);
	refresh(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	store_close(&f->s);
	note_signer_free(&f->auth);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* How many of the first n members cosign origin's log. */
static unsigned
members_cosigning(const struct witset *ws, const struct fx *f, int n, const char *origin)
{
	unsigned c = 0;
	for (int i = 0; i < n; i++)
		c += witset_cosigns(ws, f->origin[i], origin);
	return c;
}

static void
test_bounded_sets(void **state)
{
	struct fx *f = *state;
	unsigned chosen[NM] = { 0 };
	for (int l = 0; l < NM; l++) {
		assert_int_equal(members_cosigning(&f->ws, f, NM, f->origin[l]), WITSET_MEMBERS);
		assert_false(witset_cosigns(&f->ws, f->origin[l], f->origin[l]));
		assert_true(witset_cosigns(&f->ws, REG, f->origin[l]));
		for (int i = 0; i < NM; i++)
			chosen[i] += witset_cosigns(&f->ws, f->origin[i], f->origin[l]);
	}
	/* The registry's own log: never the authority's node, 3 members. */
	assert_false(witset_cosigns(&f->ws, REG, REG));
	assert_int_equal(members_cosigning(&f->ws, f, NM, REG), WITSET_MEMBERS);
	/* Spread over the members: nobody witnesses every log. */
	for (int i = 0; i < NM; i++)
		assert_true(chosen[i] < NM - 1);
	/* A name outside the registry (a mirror's) cosigns nothing. */
	assert_false(witset_cosigns(&f->ws, "mirror.example", f->origin[0]));
}

/* Another node, the same registry: the same sets. */
static void
test_same_registry_same_sets(void **state)
{
	struct fx *f = *state;
	struct witset *other = calloc(1, sizeof(*other));
	assert_non_null(other);
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(witset_refresh(other, &f->s, txn, f->ws.registry_size), 0);
	mdb_txn_abort(txn);
	for (int l = 0; l < NM; l++)
		for (int i = 0; i < NM; i++)
			assert_int_equal(witset_cosigns(other, f->origin[i], f->origin[l]),
			                 witset_cosigns(&f->ws, f->origin[i], f->origin[l]));
	free(other);
}

/* Admitting a member changes a log's set only by putting the newcomer in it (in place of the
 * one it outscores); the other logs keep theirs. */
static void
test_admission_moves_few(void **state)
{
	struct fx *f = *state;
	struct witset *before = malloc(sizeof(*before));
	assert_non_null(before);
	*before = f->ws;
	admit(f, NM);
	refresh(f);
	assert_true(f->ws.registry_size > before->registry_size);
	for (int l = 0; l < NM; l++) {
		unsigned changed = 0;
		bool in = witset_cosigns(&f->ws, f->origin[NM], f->origin[l]);
		for (int i = 0; i < NM; i++)
			changed += witset_cosigns(before, f->origin[i], f->origin[l]) !=
			           witset_cosigns(&f->ws, f->origin[i], f->origin[l]);
		assert_int_equal(changed, in ? 1 : 0);
		assert_int_equal(members_cosigning(&f->ws, f, NM + 1, f->origin[l]),
		                 WITSET_MEMBERS);
	}
	free(before);
}

static void
test_suspended_cosigns_nothing(void **state)
{
	struct fx *f = *state;
	int x = -1;
	for (int i = 0; i < NM && x < 0; i++)
		if (witset_cosigns(&f->ws, f->origin[i], f->origin[0]))
			x = i;
	assert_true(x > 0);
	assert_int_equal(append(f, "{\"memberSuspension\":{\"origin\":\"%s\",\"atSize\":\"0\"}}",
	                        f->origin[x]),
	                 0);
	refresh(f);
	/* Known to the registry all the same (fed_cosigns tells it from a member's node that its
	 * registry does not list yet, which cosigns). */
	assert_true(witset_knows(&f->ws, f->origin[x]));
	assert_true(witset_knows(&f->ws, REG));
	assert_false(witset_knows(&f->ws, "mirror.example"));
	for (int l = 0; l < NM; l++) {
		assert_false(witset_cosigns(&f->ws, f->origin[x], f->origin[l]));
		if (l != x)
			assert_int_equal(members_cosigning(&f->ws, f, NM, f->origin[l]),
			                 WITSET_MEMBERS);
	}
}

/* A quorum above WITSET_MEMBERS without groups: that many members per log, so that a
 * tlog-proof can meet it. Groups: the witnesses they name cosign every log (but their own). */
static void
test_policy_widens(void **state)
{
	struct fx *f = *state;
	assert_int_equal(append(f, "{\"witnessPolicy\":{\"quorum\":5}}"), 0);
	refresh(f);
	for (int l = 0; l < NM; l++)
		assert_int_equal(members_cosigning(&f->ws, f, NM, f->origin[l]), 5);
	assert_int_equal(append(f,
	                        "{\"witnessPolicy\":{\"quorum\":1,\"groups\":[{\"name\":\"g\","
	                        "\"threshold\":2,\"members\":[\"%s\",\"%s\"]},{\"name\":\"top\","
	                        "\"threshold\":1,\"members\":[\"g\"]}]}}",
	                        f->origin[1], f->origin[2]),
	                 0);
	refresh(f);
	for (int l = 0; l < NM; l++) {
		for (int i = 1; i <= 2; i++)
			assert_int_equal(witset_cosigns(&f->ws, f->origin[i], f->origin[l]),
			                 i != l);
		unsigned n = members_cosigning(&f->ws, f, NM, f->origin[l]);
		assert_true(n >= WITSET_MEMBERS && n <= WITSET_MEMBERS + 2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bounded_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_registry_same_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admission_moves_few, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspended_cosigns_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_widens, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
