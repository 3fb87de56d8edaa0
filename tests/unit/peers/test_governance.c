/*
 * Tests for the registry's governance in peers/registry.c (docs/PROTOCOL.md §8), through
 * entries appended to the registry log of a real store in a temporary folder.
 *
 * Checked: before any governance entry the authority's key governs alone (not governed,
 * quorum 0); a GovernancePolicy entry makes its keys and quorum the governance, and a later one
 * replaces it whole; the authority's node refuses a key not named as the registry; approvals
 * are counted once per governance key, by label and key, and a key's approval under another
 * label, or a key the governance no longer has, counts for nothing; the governance written as
 * a tlog-policy reads back the same (registry_gov_policy, registry_gov_from_policy), and
 * policies that are not a governance are refused with the reason.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/entry.h"
#include "core/note.h"
#include "peers/ledger.h"
#include "peers/registry.h"
#include "store/store.h"
#include "store/tlog.h"

#define REG "remacto.ma/registry"

#define CHECK(cond, ...)                                                                     \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			print_error("%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
			print_error(__VA_ARGS__);                                            \
			print_error("\n");                                                   \
			fail();                                                              \
		}                                                                            \
	} while (0)

static char err[1024];

/* The authority (k[0]) and three more keys named as the registry, and one named otherwise. */
struct fx {
	char dir[64];
	struct store s;
	struct note_signer k[4], other;
	char vk[4][NOTE_VKEY_MAX + 1], other_vk[NOTE_VKEY_MAX + 1];
};

static void
signer(struct note_signer *s, char *vkey, const char *name, uint8_t fill)
{
	uint8_t seed[32];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(fill + i);
	assert_int_equal(note_signer_from_seed(s, name, NOTE_ALG_ED25519, seed), 0);
	assert_true(note_verifier_format(&s->v, vkey, NOTE_VKEY_MAX + 1) > 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-governance-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	for (int i = 0; i < 4; i++)
		signer(&f->k[i], f->vk[i], REG, (uint8_t)(0x10 * (i + 1)));
	signer(&f->other, f->other_vk, "remacto.ma/tetouan", 0x77);
	int rc = ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err));
	CHECK(rc == 0, "ledger_open: %d %s", rc, err);
	rc = registry_set_authority(&f->s, f->vk[0], err, sizeof(err));
	CHECK(rc == 0, "registry_set_authority: %d %s", rc, err);
	rc = tlog_create(&f->s, &f->k[0], NULL, err, sizeof(err));
	CHECK(rc == 0, "tlog_create: %d %s", rc, err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[512];
	DIR *d = opendir(f->dir);
	struct dirent *de;
	store_close(&f->s);
	for (int i = 0; i < 4; i++)
		note_signer_free(&f->k[i]);
	note_signer_free(&f->other);
	while (d && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.') {
			snprintf(p, sizeof(p), "%s/%s", f->dir, de->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Appends a GovernancePolicy of labels[i] = vkeys[i] and quorum, signed by the authority. */
static int
govern(struct fx *f, size_t n, const char *const *labels, const char *const *vkeys, uint32_t quorum)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__GovernancePolicy g = REMACTO__V1__GOVERNANCE_POLICY__INIT;
	Remacto__V1__GovernanceKey keys[4], *kp[4];
	uint8_t buf[4096];
	uint64_t first;
	for (size_t i = 0; i < n; i++) {
		keys[i] = (Remacto__V1__GovernanceKey)REMACTO__V1__GOVERNANCE_KEY__INIT;
		keys[i].label = (char *)labels[i];
		keys[i].verifier_key = (char *)vkeys[i];
		kp[i] = &keys[i];
	}
	g.keys = kp;
	g.n_keys = n;
	g.quorum = quorum;
	g.date = "2026-12-03";
	e.kind_case = REMACTO__V1__ENTRY__KIND_GOVERNANCE_POLICY;
	e.governance_policy = &g;
	e.schema = 1;
	e.published = "2026-12-03T10:00:00Z";
	size_t len = remacto__v1__entry__get_packed_size(&e);
	assert_true(len <= sizeof(buf));
	remacto__v1__entry__pack(&e, buf);
	struct tlog_blob b = { buf, len };
	err[0] = '\0';
	return tlog_append(&f->s, REG, &f->k[0], &b, 1, &first, NULL, err, sizeof(err));
}

static void
governance(struct fx *f, struct registry_gov *g)
{
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(registry_governance(&f->s, txn, g), 0);
	mdb_txn_abort(txn);
}

/* A checkpoint note of the registry signed by the authority, with an approval by each key
 * k[idx[i]] labelled labels[i]; opened with the governance's verifiers into nt. */
static void
approved_note(struct fx *f, const struct registry_gov *g, size_t n, const int *idx,
              const char *const *labels, struct note *nt)
{
	static const char text[] = REG "\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	char msg[NOTE_MAX_LEN], why[200];
	struct note_verifier vs[REGISTRY_GOV_MAX];
	int len = note_sign(&f->k[0], text, strlen(text), msg, sizeof(msg));
	assert_true(len > 0);
	for (size_t i = 0; i < n; i++) {
		struct note_signer c;
		uint8_t seed[32];
		for (size_t j = 0; j < sizeof(seed); j++)
			seed[j] = (uint8_t)(0x10 * (idx[i] + 1) + j);
		assert_int_equal(
		        note_signer_from_seed(&c, labels[i], NOTE_ALG_COSIGNATURE_V1, seed), 0);
		int ll = note_cosign_line(&c, text, strlen(text), 1764756000, msg + len,
		                          sizeof(msg) - (size_t)len);
		note_signer_free(&c);
		assert_true(ll > 0);
		len += ll;
	}
	for (size_t i = 0; i < g->n; i++)
		vs[i] = g->keys[i].cosig;
	/* The verifiers are the approvals'; the log line's key is not among them. */
	note_open(msg, (size_t)len, vs, g->n, nt, why, sizeof(why));
}

static void
test_legacy(void **state)
{
	struct fx *f = *state;
	struct registry_gov *g = calloc(1, sizeof(*g));
	struct buf out = BUF_INIT(0);
	assert_non_null(g);
	governance(f, g);
	assert_false(g->governed);
	assert_int_equal(g->quorum, 0);
	assert_int_equal(g->n, 1);
	assert_string_equal(g->keys[0].label, "authority");
	assert_memory_equal(g->keys[0].log.pub, f->k[0].v.pub, 32);
	assert_int_equal(registry_gov_policy(g, &out), 0);
	CHECK(strstr(out.data, "\nquorum none\n") && !strstr(out.data, "witness "), "%s", out.data);
	/* It reads back as the authority alone. */
	struct registry_gov *back = calloc(1, sizeof(*back));
	assert_non_null(back);
	assert_int_equal(registry_gov_from_policy(out.data, out.len, REG, back, err, sizeof(err)),
	                 0);
	assert_false(back->governed);
	assert_int_equal(back->n, 1);
	buf_free(&out);
	free(back);
	free(g);
}

static void
test_governed(void **state)
{
	struct fx *f = *state;
	struct registry_gov *g = calloc(1, sizeof(*g)), *back = calloc(1, sizeof(*back));
	struct note *nt = calloc(1, sizeof(*nt));
	const char *labels[] = { "dgct", "arm", "civil" };
	const char *vkeys[] = { f->vk[0], f->vk[1], f->vk[2] };
	struct buf out = BUF_INIT(0);
	assert_non_null(g);
	assert_non_null(back);
	assert_non_null(nt);

	int rc = govern(f, 3, labels, vkeys, 2);
	CHECK(rc == 0, "govern: %d %s", rc, err);
	governance(f, g);
	assert_true(g->governed);
	assert_int_equal(g->index, 0);
	assert_int_equal(g->quorum, 2);
	assert_int_equal(g->n, 3);
	assert_string_equal(g->keys[1].label, "arm");
	assert_memory_equal(g->keys[1].log.pub, f->k[1].v.pub, 32);
	assert_int_equal(g->keys[1].cosig.alg, NOTE_ALG_COSIGNATURE_V1);
	assert_string_equal(g->keys[1].cosig.name, "arm");

	/* Approvals: by label and key, once per key. */
	int i01[] = { 0, 1 }, i11[] = { 1, 1 }, i3[] = { 3 }, i2[] = { 2 };
	const char *l01[] = { "dgct", "arm" }, *l11[] = { "arm", "arm" }, *lc[] = { "civil" };
	const char *lwrong[] = { "arm" };
	approved_note(f, g, 2, i01, l01, nt);
	assert_int_equal(registry_gov_approvals(g, nt), 2);
	approved_note(f, g, 2, i11, l11, nt);
	assert_int_equal(registry_gov_approvals(g, nt), 1);
	approved_note(f, g, 1, i3, lc, nt); /* a key that is not civil's, labelled civil */
	assert_int_equal(registry_gov_approvals(g, nt), 0);
	approved_note(f, g, 1, i2, lwrong, nt); /* civil's key labelled arm */
	assert_int_equal(registry_gov_approvals(g, nt), 0);

	/* Written as a tlog-policy, read back the same. */
	assert_int_equal(registry_gov_policy(g, &out), 0);
	CHECK(strstr(out.data, "group governance 2 dgct arm civil\nquorum governance\n"), "%s",
	      out.data);
	rc = registry_gov_from_policy(out.data, out.len, REG, back, err, sizeof(err));
	CHECK(rc == 0, "%s\n%s", err, out.data);
	assert_true(back->governed);
	assert_int_equal(back->quorum, 2);
	assert_int_equal(back->n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(back->keys[i].label, g->keys[i].label);
		assert_memory_equal(back->keys[i].log.pub, g->keys[i].log.pub, 32);
		assert_int_equal(back->keys[i].cosig.key_id, g->keys[i].cosig.key_id);
	}
	/* Another registry's name: refused. */
	assert_int_equal(registry_gov_from_policy(out.data, out.len, "remacto.ma/autre", back, err,
	                                          sizeof(err)),
	                 -EINVAL);
	CHECK(strstr(err, "lists only keys of remacto.ma/autre"), "%s", err);

	/* civil rotated to k[3]: a later entry replaces the governance whole. */
	const char *vkeys2[] = { f->vk[0], f->vk[1], f->vk[3] };
	rc = govern(f, 3, labels, vkeys2, 2);
	CHECK(rc == 0, "govern: %d %s", rc, err);
	governance(f, g);
	assert_int_equal(g->index, 1);
	int i02[] = { 0, 2 }, i03[] = { 0, 3 };
	const char *l02[] = { "dgct", "civil" };
	approved_note(f, g, 2, i02, l02, nt); /* civil's rotated key */
	assert_int_equal(registry_gov_approvals(g, nt), 1);
	approved_note(f, g, 2, i03, l02, nt); /* civil's new key */
	assert_int_equal(registry_gov_approvals(g, nt), 2);

	buf_free(&out);
	free(nt);
	free(back);
	free(g);
}

/* v's public key as a cosignature key named a. */
static void
cosig_vkey(const struct note_verifier *v, char out[NOTE_VKEY_MAX + 1])
{
	struct note_verifier w = *v;
	w.alg = NOTE_ALG_COSIGNATURE_V1;
	snprintf(w.name, sizeof(w.name), "a");
	w.key_id = note_key_id(w.name, w.alg, w.pub);
	assert_true(note_verifier_format(&w, out, NOTE_VKEY_MAX + 1) > 0);
}

static void
test_refused(void **state)
{
	struct fx *f = *state;
	struct registry_gov *g = calloc(1, sizeof(*g));
	const char *labels[] = { "dgct", "tetouan" };
	const char *vkeys[] = { f->vk[0], f->other_vk };
	assert_non_null(g);

	/* A key not named as the registry: the authority's node refuses it. */
	assert_int_equal(govern(f, 2, labels, vkeys, 1), -EINVAL);
	CHECK(strstr(err, "must be named as the registry"), "%s", err);
	governance(f, g);
	assert_false(g->governed);

	/* Policies that are no governance. */
	static const char *bad[] = {
		/* a witness whose key is no log's */
		"log %s\nwitness a %s\ngroup g 1 a\nquorum g\n",
		/* the quorum a witness, not a group */
		"log %s\nwitness a %s\nquorum a\n",
		/* quorum none with two keys */
		"log %s\nlog %s\nquorum none\n",
	};
	char text[2048];
	snprintf(text, sizeof(text), bad[2], f->vk[0], f->vk[1]);
	assert_int_equal(registry_gov_from_policy(text, strlen(text), REG, g, err, sizeof(err)),
	                 -EINVAL);
	CHECK(strstr(err, "one log key"), "%s", err);
	char wk[NOTE_VKEY_MAX + 1];
	cosig_vkey(&f->k[0].v, wk);
	snprintf(text, sizeof(text), bad[1], f->vk[0], wk);
	assert_int_equal(registry_gov_from_policy(text, strlen(text), REG, g, err, sizeof(err)),
	                 -EINVAL);
	CHECK(strstr(err, "the quorum must be a group"), "%s", err);
	/* A witness whose key is no log's: tetouan's key as a cosignature key named a. */
	cosig_vkey(&f->other.v, wk);
	snprintf(text, sizeof(text), bad[0], f->vk[0], wk);
	assert_int_equal(registry_gov_from_policy(text, strlen(text), REG, g, err, sizeof(err)),
	                 -EINVAL);
	CHECK(strstr(err, "group g: each member is a witness"), "%s", err);
	free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_legacy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_governed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
