/*
 * Tests for peers/trust.c: the network's tlog-policy as a real registry log (a store in a
 * temporary folder, entries appended with tlog_append) defines it, read back with
 * core/tpolicy.h. Checked: the logs and witnesses of admitted members (the witness key is the
 * log key as type 0x04, named by origin), URLs derived from announced peers, a rotation and a
 * suspension changing the policy from their registry size on (and the policy as of an earlier
 * size unchanged), the reinstatement, the witness quorum and groups, thresholds lowered when
 * members are left out, and the refusal of sizes the node does not hold.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/entry.h"
#include "core/note.h"
#include "core/tpolicy.h"
#include "peers/ledger.h"
#include "peers/registry.h"
#include "peers/trust.h"
#include "store/tlog.h"

#define REG "remacto.ma/registry"
#define A "remacto.ma/commune-a"
#define B "remacto.ma/commune-b"

static char err[1024];

struct fx {
	char dir[64];
	struct store s;
	struct note_signer auth, a, a2, b;
	char vk_auth[NOTE_VKEY_MAX + 1], vk_a[NOTE_VKEY_MAX + 1], vk_a2[NOTE_VKEY_MAX + 1],
	        vk_b[NOTE_VKEY_MAX + 1];
};

static void
signer(struct note_signer *s, char *vk, const char *name, uint8_t fill)
{
	uint8_t seed[32];
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(fill + 3 * i);
	assert_int_equal(note_signer_from_seed(s, name, NOTE_ALG_ED25519, seed), 0);
	assert_true(note_verifier_format(&s->v, vk, NOTE_VKEY_MAX + 1) > 0);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-trust-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	signer(&f->auth, f->vk_auth, REG, 1);
	signer(&f->a, f->vk_a, A, 2);
	signer(&f->a2, f->vk_a2, A, 3);
	signer(&f->b, f->vk_b, B, 4);
	assert_int_equal(ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)), 0);
	assert_int_equal(registry_set_authority(&f->s, f->vk_auth, err, sizeof(err)), 0);
	assert_int_equal(tlog_create(&f->s, &f->auth, NULL, err, sizeof(err)), 0);
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
	note_signer_free(&f->a);
	note_signer_free(&f->a2);
	note_signer_free(&f->b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Appends one entry given as JSON (the kind's object, published added); 0 or the refusal. */
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
	return rc;
}

static void
admit(struct fx *f, const char *origin, const char *vk)
{
	int rc = append(f,
	                "{\"memberAdmission\":{\"origin\":\"%s\",\"verifierKey\":\"%s\","
	                "\"kind\":\"MEMBER_KIND_COMMUNE\",\"name\":{\"fr\":\"C\",\"ar\":\"ج\"}}}",
	                origin, vk);
	if (rc)
		print_error("admit %s: %s\n", origin, err);
	assert_int_equal(rc, 0);
}

/* The policy as of size (TRUST_ALL: now), parsed; its text in *text (free()). */
static void
policy(struct fx *f, uint64_t size, struct tpolicy *p, char **text)
{
	struct buf out = BUF_INIT(0);
	uint64_t used;
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	int rc = trust_policy(&f->s, txn, size, &out, &used, err, sizeof(err));
	mdb_txn_abort(txn);
	if (rc)
		print_error("trust_policy: %s\n", err);
	assert_int_equal(rc, 0);
	if (!tpolicy_parse(out.data, out.len, p, err, sizeof(err)))
		print_error("%s\n%s\n", err, out.data);
	assert_true(p->quorum != TPOLICY_NONE);
	*text = buf_steal(&out, NULL);
}

static bool
has_log(const struct tpolicy *p, const char *vk)
{
	struct note_verifier v;
	assert_true(note_verifier_parse(vk, &v, err, sizeof(err)));
	for (size_t i = 0; i < p->nlogs; i++)
		if (!memcmp(p->logs[i].key.pub, v.pub, 32) && !strcmp(p->logs[i].key.name, v.name))
			return true;
	return false;
}

/* The witness named name, with the log key vk as a cosignature key; NULL when absent. */
static const struct tpolicy_witness *
witness(const struct tpolicy *p, const char *name)
{
	for (size_t i = 0; i < p->nwitnesses; i++)
		if (!strcmp(p->witnesses[i].name, name))
			return &p->witnesses[i];
	return NULL;
}

static size_t
quorum_k(const struct tpolicy *p)
{
	assert_true(p->nodes[p->quorum].group);
	return p->groups[p->nodes[p->quorum].index].k;
}

static void
test_members(void **state)
{
	struct fx *f = *state;
	struct tpolicy p;
	char *t;
	MDB_txn *txn;
	struct buf out = BUF_INIT(0);
	uint64_t used;

	/* An empty registry: nothing to say. */
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(trust_policy(&f->s, txn, TRUST_ALL, &out, &used, err, sizeof(err)),
	                 -ENOENT);
	mdb_txn_abort(txn);

	admit(f, A, f->vk_a);
	admit(f, B, f->vk_b);
	assert_int_equal(append(f,
	                        "{\"peerAnnouncement\":{\"origin\":\"%s\",\"url\":"
	                        "\"wss://b.example:8443/peer\"}}",
	                        B),
	                 0);
	policy(f, TRUST_ALL, &p, &t);
	assert_int_equal(p.nlogs, 3);
	assert_true(has_log(&p, f->vk_auth) && has_log(&p, f->vk_a) && has_log(&p, f->vk_b));
	assert_int_equal(p.nwitnesses, 3);
	const struct tpolicy_witness *w = witness(&p, B);
	assert_non_null(w);
	assert_int_equal(w->key.alg, NOTE_ALG_COSIGNATURE_V1);
	assert_string_equal(w->key.name, B);
	assert_memory_equal(w->key.pub, f->b.v.pub, 32);
	assert_int_equal(w->key.key_id, note_key_id(B, NOTE_ALG_COSIGNATURE_V1, f->b.v.pub));
	assert_string_equal(w->url, "https://b.example:8443/witness");
	assert_null(witness(&p, A)->url);
	assert_non_null(strstr(t, "log "
	                          "remacto.ma/commune-b+"));
	assert_non_null(strstr(t, " https://b.example:8443/logs/commune-b\n"));
	assert_non_null(strstr(t, "as its first 3 entries define it"));
	assert_int_equal(quorum_k(&p), 1); /* no WitnessPolicy: one witness */
	tpolicy_free(&p);
	free(t);

	/* Sizes the node does not hold. */
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(trust_policy(&f->s, txn, 4, &out, &used, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "from 1 to 3"));
	assert_int_equal(trust_policy(&f->s, txn, 0, &out, &used, err, sizeof(err)), -ERANGE);
	mdb_txn_abort(txn);
	buf_free(&out);

	/* As of size 1: only A. */
	policy(f, 1, &p, &t);
	assert_int_equal(p.nlogs, 2);
	assert_false(has_log(&p, f->vk_b));
	assert_null(witness(&p, B));
	tpolicy_free(&p);
	free(t);
}

static void
test_rotation_suspension(void **state)
{
	struct fx *f = *state;
	struct tpolicy p;
	char *t;

	admit(f, A, f->vk_a);
	admit(f, B, f->vk_b);
	assert_int_equal(append(f,
	                        "{\"keyRotation\":{\"origin\":\"%s\",\"verifierKey\":\"%s\","
	                        "\"fromSize\":\"5\"}}",
	                        A, f->vk_a2),
	                 0);
	policy(f, TRUST_ALL, &p, &t);
	assert_true(has_log(&p, f->vk_a2));
	assert_false(has_log(&p, f->vk_a));
	assert_memory_equal(witness(&p, A)->key.pub, f->a2.v.pub, 32);
	tpolicy_free(&p);
	free(t);
	policy(f, 2, &p, &t); /* before the rotation */
	assert_true(has_log(&p, f->vk_a));
	assert_false(has_log(&p, f->vk_a2));
	tpolicy_free(&p);
	free(t);

	assert_int_equal(
	        append(f, "{\"memberSuspension\":{\"origin\":\"%s\",\"atSize\":\"7\"}}", B), 0);
	policy(f, TRUST_ALL, &p, &t);
	assert_false(has_log(&p, f->vk_b));
	assert_null(witness(&p, B));
	assert_int_equal(p.nlogs, 2);
	assert_non_null(strstr(t, "# remacto.ma/commune-b is suspended"));
	tpolicy_free(&p);
	free(t);
	policy(f, 3, &p, &t); /* before the suspension */
	assert_true(has_log(&p, f->vk_b));
	tpolicy_free(&p);
	free(t);

	assert_int_equal(append(f, "{\"memberSuspension\":{\"origin\":\"%s\",\"lifted\":true}}", B),
	                 0);
	policy(f, TRUST_ALL, &p, &t);
	assert_true(has_log(&p, f->vk_b));
	assert_non_null(witness(&p, B));
	tpolicy_free(&p);
	free(t);
}

static void
test_quorum(void **state)
{
	struct fx *f = *state;
	struct tpolicy p;
	char *t;
	bool w[3] = { false };

	admit(f, A, f->vk_a);
	admit(f, B, f->vk_b);
	assert_int_equal(append(f, "{\"witnessPolicy\":{\"quorum\":2}}"), 0);
	policy(f, TRUST_ALL, &p, &t);
	assert_int_equal(quorum_k(&p), 2);
	w[0] = true;
	assert_false(tpolicy_quorum(&p, w));
	w[2] = true;
	assert_true(tpolicy_quorum(&p, w));
	tpolicy_free(&p);
	free(t);

	/* Groups: the authority alone, and any of the communes; both needed. */
	assert_int_equal(
	        append(f,
	               "{\"witnessPolicy\":{\"quorum\":2,\"groups\":["
	               "{\"name\":\"dgct\",\"threshold\":1,\"members\":[\"%s\"]},"
	               "{\"name\":\"communes\",\"threshold\":1,\"members\":[\"%s\",\"%s\"]}]}}",
	               REG, A, B),
	        0);
	policy(f, TRUST_ALL, &p, &t);
	assert_int_equal(p.ngroups, 3);
	memset(w, 0, sizeof(w));
	w[1] = w[2] = true; /* both communes, not the authority */
	assert_false(tpolicy_quorum(&p, w));
	w[0] = true;
	w[2] = false;
	assert_true(tpolicy_quorum(&p, w));
	tpolicy_free(&p);
	free(t);

	/* The registry refuses a group naming someone who is not a member. */
	assert_int_equal(append(f, "{\"witnessPolicy\":{\"groups\":[{\"name\":\"g\",\"members\":"
	                           "[\"remacto.ma/nobody\"]}]}}"),
	                 -EINVAL);
	assert_non_null(strstr(err, "remacto.ma/nobody (group g) is not a member"));
	/* entry.h refuses what is wrong on its face. */
	assert_int_equal(append(f,
	                        "{\"witnessPolicy\":{\"quorum\":3,\"groups\":[{\"name\":\"g\","
	                        "\"members\":[\"%s\"]}]}}",
	                        A),
	                 -EINVAL);
	assert_int_equal(append(f,
	                        "{\"witnessPolicy\":{\"groups\":[{\"name\":\"a/b\","
	                        "\"members\":[\"%s\"]}]}}",
	                        A),
	                 -EINVAL);

	/* Suspending both communes: the group is left out, the quorum lowered to what is left. */
	assert_int_equal(append(f, "{\"memberSuspension\":{\"origin\":\"%s\"}}", A), 0);
	assert_int_equal(append(f, "{\"memberSuspension\":{\"origin\":\"%s\"}}", B), 0);
	policy(f, TRUST_ALL, &p, &t);
	assert_int_equal(p.nwitnesses, 1);
	assert_int_equal(quorum_k(&p), 1);
	assert_non_null(strstr(t, "# group communes left out"));
	assert_non_null(strstr(t, "# quorum 2 lowered to 1: no more groups are left"));
	tpolicy_free(&p);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_members, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_suspension, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quorum, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
