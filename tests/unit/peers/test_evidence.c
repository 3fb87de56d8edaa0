/*
 * Tests for peers/evidence.c: equivocation records, the forked state they put a log in, and the
 * registry's answer to a fork (a key rotation after the evidence) that lifts it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peers/evidence.h"
#include "peers/ledger.h"
#include "peers/registry.h"
#include "store/tlog.h"

#define REG "remacto.ma/registry"
#define MEMBER "remacto.ma/commune-temara"

struct fx {
	char dir[64];
	struct store s;
	struct note_signer auth, k1, k2;
	char vk1[NOTE_VKEY_MAX + 1], vk2[NOTE_VKEY_MAX + 1];
};

static void
seeded(struct note_signer *s, const char *name, uint8_t fill)
{
	uint8_t seed[32];
	memset(seed, fill, sizeof(seed));
	assert_int_equal(note_signer_from_seed(s, name, NOTE_ALG_ED25519, seed), 0);
}

/* Appends one registry entry (packed from e) to the registry log. */
static void
registry_append(struct fx *f, Remacto__V1__Entry *e)
{
	uint8_t buf[1024];
	char err[256];
	e->schema = 1;
	struct tlog_blob b = { buf, remacto__v1__entry__pack(e, buf) };
	assert_int_equal(tlog_append(&f->s, REG, &f->auth, &b, 1, NULL, NULL, err, sizeof(err)), 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256], avk[NOTE_VKEY_MAX + 1];
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberAdmission a = REMACTO__V1__MEMBER_ADMISSION__INIT;
	Remacto__V1__Text name = REMACTO__V1__TEXT__INIT;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/remacto-evidence.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)), 0);
	seeded(&f->auth, REG, 1);
	seeded(&f->k1, MEMBER, 2);
	seeded(&f->k2, MEMBER, 3);
	note_verifier_format(&f->auth.v, avk, sizeof(avk));
	note_verifier_format(&f->k1.v, f->vk1, sizeof(f->vk1));
	note_verifier_format(&f->k2.v, f->vk2, sizeof(f->vk2));
	assert_int_equal(registry_set_authority(&f->s, avk, err, sizeof(err)), 0);
	assert_int_equal(tlog_create(&f->s, &f->auth, NULL, err, sizeof(err)), 0);
	name.fr = "Commune de Témara";
	a.origin = MEMBER;
	a.verifier_key = f->vk1;
	a.kind = REMACTO__V1__MEMBER_KIND__MEMBER_KIND_COMMUNE;
	a.name = &name;
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION;
	e.member_admission = &a;
	registry_append(f, &e);
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
	note_signer_free(&f->k1);
	note_signer_free(&f->k2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static bool
forked(struct fx *f)
{
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	bool r = evidence_forked(&f->s, txn, MEMBER);
	mdb_txn_abort(txn);
	return r;
}

static int
put(struct fx *f, const char *a, const char *b)
{
	MDB_txn *txn;
	assert_int_equal(mdb_txn_begin(f->s.env, NULL, 0, &txn), 0);
	int rc = evidence_put(&f->s, txn, MEMBER, a, strlen(a), b, strlen(b));
	assert_int_equal(mdb_txn_commit(txn), 0);
	return rc;
}

static void
rotate(struct fx *f, uint64_t from)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__KeyRotation r = REMACTO__V1__KEY_ROTATION__INIT;
	r.origin = MEMBER;
	r.verifier_key = f->vk2;
	r.from_size = from;
	e.kind_case = REMACTO__V1__ENTRY__KIND_KEY_ROTATION;
	e.key_rotation = &r;
	registry_append(f, &e);
}

static void
test_fork_until_rotation(void **state)
{
	struct fx *f = *state;
	MDB_txn *txn;

	assert_false(forked(f));
	assert_int_equal(put(f, "note A\n", "note B\n"), 1);
	assert_true(forked(f));
	/* The same pair again, either way round, is not a new record. */
	assert_int_equal(put(f, "note A\n", "note B\n"), 0);
	assert_int_equal(put(f, "note B\n", "note A\n"), 0);

	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	json_t *l = evidence_list(&f->s, txn, MEMBER);
	mdb_txn_abort(txn);
	assert_int_equal(json_array_size(l), 1);
	assert_false(json_is_true(json_object_get(json_array_get(l, 0), "resolved")));
	json_decref(l);

	/* The registry answers the fork by retiring the key: the log is no longer forked. */
	rotate(f, 10);
	assert_false(forked(f));
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	l = evidence_list(&f->s, txn, NULL);
	mdb_txn_abort(txn);
	assert_int_equal(json_array_size(l), 1);
	assert_true(json_is_true(json_object_get(json_array_get(l, 0), "resolved")));
	json_decref(l);

	/* A new conflict after the rotation is a new, open fork. */
	assert_int_equal(put(f, "note C\n", "note D\n"), 1);
	assert_true(forked(f));
}

static void
test_unknown_member(void **state)
{
	struct fx *f = *state;
	MDB_txn *txn;
	/* Evidence about a log the registry does not know still forks it. */
	assert_int_equal(mdb_txn_begin(f->s.env, NULL, 0, &txn), 0);
	assert_int_equal(evidence_put(&f->s, txn, "remacto.ma/unknown", "x\n", 2, "y\n", 2), 1);
	assert_true(evidence_forked(&f->s, txn, "remacto.ma/unknown"));
	assert_false(evidence_forked(&f->s, txn, MEMBER));
	mdb_txn_abort(txn);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fork_until_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_member, setup, teardown),
	};
	return cmocka_run_group_tests_name("evidence", tests, NULL, NULL);
}
