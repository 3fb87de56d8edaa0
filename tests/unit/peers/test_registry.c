/*
 * Tests for peers/registry.c through the way entries really reach it: tlog_append to the
 * registry log of a real store in a temporary folder (tlog_batch_add folds each entry into the
 * registry view in the same transaction).
 *
 * The authority and the members sign with keys from fixed seeds. Checked: admissions (and the
 * refusal of a second one for the same origin), key rotation (the old key below from_size, the
 * new one from it), suspension (refused past at_size, accepted at or below) and its lifting,
 * registry_suspension (what a suspended member's node shows: size, entry, date, reasons cut at
 * a character), peer announcements, catalog and policy entries, registry entries in a member's log (refused
 * in strict mode, ignored in lenient mode), registry_key_for's refusals (not a member, no
 * authority) and registry_set_authority's (another network, a malformed key).
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

#include "core/entry.h"
#include "core/note.h"
#include "peers/ledger.h"
#include "peers/registry.h"
#include "store/store.h"
#include "store/tlog.h"

#define REG "remacto.ma/registry"
#define ORIGIN_A "remacto.ma/rabat-sale-kenitra"
#define ORIGIN_B "remacto.ma/rabat-prefecture"
#define ORIGIN_C "remacto.ma/tetouan"

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

struct fx {
	char dir[64];
	struct store s;
	bool open;
	struct note_signer auth, a, a2, b, c;
	char auth_vkey[NOTE_VKEY_MAX + 1], a_vkey[NOTE_VKEY_MAX + 1], a2_vkey[NOTE_VKEY_MAX + 1],
	        b_vkey[NOTE_VKEY_MAX + 1], c_vkey[NOTE_VKEY_MAX + 1];
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

static void
rm_dir(const char *dir)
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

/* A store with keys but no authority and no registry log. */
static int
setup_bare(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-registry-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	signer(&f->auth, f->auth_vkey, REG, 0x01);
	signer(&f->a, f->a_vkey, ORIGIN_A, 0x11);
	signer(&f->a2, f->a2_vkey, ORIGIN_A, 0x12);
	signer(&f->b, f->b_vkey, ORIGIN_B, 0x22);
	signer(&f->c, f->c_vkey, ORIGIN_C, 0x33);
	int rc = ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err));
	CHECK(rc == 0, "store_open: %d %s", rc, err);
	f->open = true;
	*state = f;
	return 0;
}

/* The authority recorded and its registry log created. */
static int
setup(void **state)
{
	setup_bare(state);
	struct fx *f = *state;
	int rc = registry_set_authority(&f->s, f->auth_vkey, err, sizeof(err));
	CHECK(rc == 0, "registry_set_authority: %d %s", rc, err);
	rc = tlog_create(&f->s, &f->auth, NULL, err, sizeof(err));
	CHECK(rc == 0, "tlog_create: %d %s", rc, err);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	if (f->open)
		store_close(&f->s);
	note_signer_free(&f->auth);
	note_signer_free(&f->a);
	note_signer_free(&f->a2);
	note_signer_free(&f->b);
	note_signer_free(&f->c);
	rm_dir(f->dir);
	free(f);
	return 0;
}

/* Packs e as a valid entry (checked with entry_decode: the tests feed the registry only what a
 * node would accept) into buf. */
static size_t
pack(Remacto__V1__Entry *e, uint8_t *buf, size_t cap)
{
	e->schema = 1;
	e->published = "2024-06-01T10:00:00Z";
	size_t len = remacto__v1__entry__get_packed_size(e);
	assert_true(len <= cap);
	remacto__v1__entry__pack(e, buf);
	Remacto__V1__Entry *check = entry_decode(buf, len, err, sizeof(err));
	CHECK(check != NULL, "test entry is invalid: %s", err);
	remacto__v1__entry__free_unpacked(check, NULL);
	return len;
}

/* Appends e to origin, signed by s; returns tlog_append's result. */
static int
append(struct fx *f, const char *origin, const struct note_signer *s, Remacto__V1__Entry *e)
{
	uint8_t buf[4096];
	struct tlog_blob b = { buf, pack(e, buf, sizeof(buf)) };
	uint64_t first;
	err[0] = '\0';
	return tlog_append(&f->s, origin, s, &b, 1, &first, NULL, err, sizeof(err));
}

static uint64_t
size_of(struct fx *f, const char *origin)
{
	struct tlog_head *h = calloc(1, sizeof(*h));
	MDB_txn *txn;
	assert_non_null(h);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	int rc = tlog_head(&f->s, txn, origin, h);
	mdb_txn_abort(txn);
	CHECK(rc == 0, "tlog_head(%s): %d", origin, rc);
	uint64_t n = h->size;
	free(h);
	return n;
}

/* ---- registry entries ---- */

static int
admit(struct fx *f, const char *origin, const char *vkey, Remacto__V1__MemberKind kind,
      const char *hcp)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberAdmission a = REMACTO__V1__MEMBER_ADMISSION__INIT;
	Remacto__V1__Text name = REMACTO__V1__TEXT__INIT;
	name.fr = (char *)origin;
	name.ar = "الرباط";
	a.origin = (char *)origin;
	a.verifier_key = (char *)vkey;
	a.hcp_code = (char *)hcp;
	a.kind = kind;
	a.name = &name;
	a.region_code = "04";
	a.population = 4580866;
	a.census_year = "2014";
	a.date = "2024-05-02";
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION;
	e.member_admission = &a;
	return append(f, REG, &f->auth, &e);
}

static void
admission_entry(Remacto__V1__Entry *e, Remacto__V1__MemberAdmission *a, Remacto__V1__Text *name,
                const char *origin, const char *vkey)
{
	name->fr = (char *)origin;
	a->origin = (char *)origin;
	a->verifier_key = (char *)vkey;
	a->hcp_code = "0000000";
	a->kind = REMACTO__V1__MEMBER_KIND__MEMBER_KIND_COMMUNE;
	a->name = name;
	e->kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION;
	e->member_admission = a;
}

static int
rotate(struct fx *f, const char *origin, const char *vkey, uint64_t from)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__KeyRotation r = REMACTO__V1__KEY_ROTATION__INIT;
	r.origin = (char *)origin;
	r.verifier_key = (char *)vkey;
	r.from_size = from;
	e.kind_case = REMACTO__V1__ENTRY__KIND_KEY_ROTATION;
	e.key_rotation = &r;
	return append(f, REG, &f->auth, &e);
}

static int
suspend(struct fx *f, const char *origin, uint64_t at, bool lifted)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberSuspension s = REMACTO__V1__MEMBER_SUSPENSION__INIT;
	s.origin = (char *)origin;
	s.at_size = at;
	s.lifted = lifted;
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION;
	e.member_suspension = &s;
	return append(f, REG, &f->auth, &e);
}

static int
announce(struct fx *f, const char *origin, const char *url, bool withdrawn)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__PeerAnnouncement p = REMACTO__V1__PEER_ANNOUNCEMENT__INIT;
	p.origin = (char *)origin;
	p.url = (char *)url;
	p.withdrawn = withdrawn;
	e.kind_case = REMACTO__V1__ENTRY__KIND_PEER_ANNOUNCEMENT;
	e.peer_announcement = &p;
	return append(f, REG, &f->auth, &e);
}

/* registry_key_for in a read transaction. */
static int
key_for(struct fx *f, const char *origin, uint64_t size, struct note_verifier *v)
{
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	err[0] = '\0';
	int rc = registry_key_for(&f->s, txn, origin, size, v, err, sizeof(err));
	mdb_txn_abort(txn);
	return rc;
}

/* The key ID registry_key_for gives, asserting it gives one. */
static uint32_t
key_id_for(struct fx *f, const char *origin, uint64_t size)
{
	struct note_verifier v;
	int rc = key_for(f, origin, size, &v);
	CHECK(rc == 0, "registry_key_for(%s, %llu): %d %s", origin, (unsigned long long)size, rc,
	      err);
	assert_string_equal(v.name, origin);
	return v.key_id;
}

/* The member's record (assert it exists); free with member_free. */
static Remacto__Store__MemberRecord *
member(struct fx *f, const char *origin)
{
	Remacto__Store__MemberRecord *m;
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	int rc = registry_member(&f->s, txn, origin, &m);
	mdb_txn_abort(txn);
	CHECK(rc == 0, "registry_member(%s): %d", origin, rc);
	return m;
}

static bool
is_member(struct fx *f, const char *origin)
{
	Remacto__Store__MemberRecord *m;
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	int rc = registry_member(&f->s, txn, origin, &m);
	mdb_txn_abort(txn);
	assert_true(rc == 0 || rc == MDB_NOTFOUND);
	remacto__store__member_record__free_unpacked(m, NULL);
	return rc == 0;
}

static void
member_free(Remacto__Store__MemberRecord *m)
{
	remacto__store__member_record__free_unpacked(m, NULL);
}

/* ---- tests ---- */

static int
collect(const Remacto__Store__MemberRecord *m, void *arg)
{
	char *out = arg;
	strcat(out, m->origin);
	strcat(out, ";");
	return 0;
}

static void
test_admission(void **state)
{
	struct fx *f = *state;
	Remacto__Store__MemberRecord *m;

	assert_int_equal(
	        admit(f, ORIGIN_A, f->a_vkey, REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION, "04"),
	        0);
	assert_int_equal(size_of(f, REG), 1);
	m = member(f, ORIGIN_A);
	assert_string_equal(m->origin, ORIGIN_A);
	assert_int_equal(m->n_keys, 1);
	assert_string_equal(m->keys[0]->verifier_key, f->a_vkey);
	assert_int_equal(m->keys[0]->from_size, 0);
	assert_int_equal(m->keys[0]->registry_index, 0);
	assert_int_equal(m->admission_index, 0);
	assert_false(m->suspended);
	assert_string_equal(m->peer_url, "");
	Remacto__V1__MemberAdmission *a = remacto__v1__member_admission__unpack(
	        NULL, m->admission.len, m->admission.data);
	assert_non_null(a);
	assert_string_equal(a->hcp_code, "04");
	assert_int_equal(a->kind, REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION);
	assert_int_equal(a->population, 4580866);
	assert_string_equal(a->name->ar, "الرباط");
	remacto__v1__member_admission__free_unpacked(a, NULL);
	member_free(m);
	assert_int_equal(key_id_for(f, ORIGIN_A, 0), f->a.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 1000000), f->a.v.key_id);

	/* A second admission of the same origin, even with another key: refused, nothing stored,
	 * the first key stands. */
	assert_int_equal(
	        admit(f, ORIGIN_A, f->a2_vkey, REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION, "04"),
	        -EINVAL);
	CHECK(strstr(err, "already in the registry") && strstr(err, ORIGIN_A), "%s", err);
	assert_int_equal(size_of(f, REG), 1);
	assert_int_equal(key_id_for(f, ORIGIN_A, 5), f->a.v.key_id);

	/* The registry's own origin is not a member. */
	assert_int_equal(
	        admit(f, REG, f->auth_vkey, REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION, "99"),
	        -EINVAL);
	assert_int_equal(size_of(f, REG), 1);

	/* Members in origin order. */
	assert_int_equal(admit(f, ORIGIN_C, f->c_vkey,
	                       REMACTO__V1__MEMBER_KIND__MEMBER_KIND_COMMUNE, "5110101"),
	                 0);
	assert_int_equal(admit(f, ORIGIN_B, f->b_vkey,
	                       REMACTO__V1__MEMBER_KIND__MEMBER_KIND_PREFECTURE, "421"),
	                 0);
	assert_int_equal(size_of(f, REG), 3);
	char list[256] = "";
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(registry_each(&f->s, txn, collect, list), 0);
	mdb_txn_abort(txn);
	assert_string_equal(list, ORIGIN_B ";" ORIGIN_A ";" ORIGIN_C ";");
}

static void
test_admission_index(void **state)
{
	struct fx *f = *state;
	assert_int_equal(admit(f, ORIGIN_C, f->c_vkey,
	                       REMACTO__V1__MEMBER_KIND__MEMBER_KIND_COMMUNE, "5110101"),
	                 0);
	assert_int_equal(admit(f, ORIGIN_B, f->b_vkey,
	                       REMACTO__V1__MEMBER_KIND__MEMBER_KIND_PREFECTURE, "421"),
	                 0);
	Remacto__Store__MemberRecord *m = member(f, ORIGIN_B);
	assert_int_equal(m->admission_index, 1);
	assert_int_equal(m->keys[0]->registry_index, 1);
	member_free(m);
}

static void
test_rotation(void **state)
{
	struct fx *f = *state;
	struct note_verifier v;

	assert_int_equal(
	        admit(f, ORIGIN_A, f->a_vkey, REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION, "04"),
	        0);
	assert_int_equal(rotate(f, ORIGIN_A, f->a2_vkey, 10), 0);
	assert_int_equal(size_of(f, REG), 2);
	assert_int_not_equal(f->a.v.key_id, f->a2.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 0), f->a.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 9), f->a.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 10), f->a2.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 11), f->a2.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 1000000), f->a2.v.key_id);
	assert_int_equal(key_for(f, ORIGIN_A, 10, &v), 0);
	assert_memory_equal(v.pub, f->a2.v.pub, 32);

	Remacto__Store__MemberRecord *m = member(f, ORIGIN_A);
	assert_int_equal(m->n_keys, 2);
	assert_int_equal(m->keys[1]->from_size, 10);
	assert_int_equal(m->keys[1]->registry_index, 1);
	assert_string_equal(m->keys[1]->verifier_key, f->a2_vkey);
	member_free(m);

	/* Going back below the latest key's size: refused. */
	assert_int_equal(rotate(f, ORIGIN_A, f->a_vkey, 5), -EINVAL);
	CHECK(strstr(err, "fromSize") && strstr(err, ORIGIN_A), "%s", err);
	assert_int_equal(size_of(f, REG), 2);
	assert_int_equal(key_id_for(f, ORIGIN_A, 7), f->a.v.key_id);

	/* Rotating the key of a non-member: refused. */
	assert_int_equal(rotate(f, ORIGIN_C, f->c_vkey, 0), -EINVAL);
	CHECK(strstr(err, "is not a member") && strstr(err, ORIGIN_C), "%s", err);
	assert_int_equal(size_of(f, REG), 2);
	assert_false(is_member(f, ORIGIN_C));

	/* A later rotation back to the first key. */
	assert_int_equal(rotate(f, ORIGIN_A, f->a_vkey, 20), 0);
	assert_int_equal(key_id_for(f, ORIGIN_A, 19), f->a2.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 20), f->a.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 3), f->a.v.key_id);
}

static void
test_suspension(void **state)
{
	struct fx *f = *state;
	struct note_verifier v;

	assert_int_equal(
	        admit(f, ORIGIN_A, f->a_vkey, REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION, "04"),
	        0);
	assert_int_equal(suspend(f, ORIGIN_A, 5, false), 0);
	Remacto__Store__MemberRecord *m = member(f, ORIGIN_A);
	assert_true(m->suspended);
	assert_int_equal(m->suspended_at_size, 5);
	member_free(m);

	/* At or below at_size: the member's key; past it: refused. */
	assert_int_equal(key_id_for(f, ORIGIN_A, 0), f->a.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 4), f->a.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 5), f->a.v.key_id);
	assert_int_equal(key_for(f, ORIGIN_A, 6, &v), -EPERM);
	CHECK(strstr(err, "suspended since size 5") && strstr(err, ORIGIN_A), "%s", err);
	assert_int_equal(key_for(f, ORIGIN_A, 1000, &v), -EPERM);

	/* Lifted: accepted again at every size. */
	assert_int_equal(suspend(f, ORIGIN_A, 0, true), 0);
	m = member(f, ORIGIN_A);
	assert_false(m->suspended);
	member_free(m);
	assert_int_equal(key_id_for(f, ORIGIN_A, 6), f->a.v.key_id);
	assert_int_equal(key_id_for(f, ORIGIN_A, 1000), f->a.v.key_id);
	assert_int_equal(size_of(f, REG), 3);

	/* Suspending a non-member: refused. */
	assert_int_equal(suspend(f, ORIGIN_B, 0, false), -EINVAL);
	CHECK(strstr(err, "is not a member"), "%s", err);
	assert_int_equal(size_of(f, REG), 3);
}

/* registry_suspension: what a suspended member's own node shows (remacto status, /healthz, the
 * publish refusal): the size, the registry entry, its date and reasons, a reason too long for
 * the buffer cut at a character and not inside one. */
static void
test_suspension_details(void **state)
{
	struct fx *f = *state;
	struct registry_suspension sp;
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberSuspension su = REMACTO__V1__MEMBER_SUSPENSION__INIT;
	Remacto__V1__Text reason = REMACTO__V1__TEXT__INIT;
	char ar[3 * REGISTRY_REASON_MAX + 1] = "", text[1024];
	MDB_txn *txn;

	/* Two-byte letters only: a cut at REGISTRY_REASON_MAX - 1 (odd) bytes would fall inside
	 * one. */
	while (strlen(ar) + 2 < sizeof(ar))
		strcat(ar, "\xd8\xaa"); /* ت */
	assert_int_equal(
	        admit(f, ORIGIN_A, f->a_vkey, REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION, "04"),
	        0);
	reason.fr = "Audit en cours";
	reason.ar = ar;
	su.origin = ORIGIN_A;
	su.at_size = 7;
	su.reason = &reason;
	su.date = "2026-12-03";
	e.kind_case = REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION;
	e.member_suspension = &su;
	assert_int_equal(append(f, REG, &f->auth, &e), 0);

	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(registry_suspension(&f->s, txn, ORIGIN_A, &sp), 0);
	assert_true(sp.member && sp.suspended);
	assert_int_equal(sp.at_size, 7);
	assert_int_equal(sp.index, 1);
	assert_string_equal(sp.date, "2026-12-03");
	assert_string_equal(sp.reason_fr, "Audit en cours");
	size_t n = strlen(sp.reason_ar);
	CHECK(n == REGISTRY_REASON_MAX - 2 && !strncmp(sp.reason_ar, ar, n),
	      "the Arabic reason is cut at a character boundary below the cap: %zu bytes", n);
	registry_suspension_text(ORIGIN_A, &sp, text, sizeof(text));
	assert_string_equal(text, ORIGIN_A " is suspended by the network authority past size 7 "
	                                   "(registry entry 1, 2026-12-03: Audit en cours)");
	json_t *j = registry_suspension_json(&sp);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "atSize")), 7);
	assert_int_equal(json_integer_value(json_object_get(j, "registryIndex")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "date")), "2026-12-03");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "reason"), "fr")),
	                    "Audit en cours");
	/* jansson refuses invalid UTF-8: the cut reason made it in. */
	assert_int_equal(
	        strlen(json_string_value(json_object_get(json_object_get(j, "reason"), "ar"))), n);
	json_decref(j);

	/* Not a member: not suspended, nothing to show. */
	assert_int_equal(registry_suspension(&f->s, txn, ORIGIN_B, &sp), 0);
	assert_false(sp.member || sp.suspended);
	mdb_txn_abort(txn);

	/* Reinstated: not suspended; the entry that says so is the reinstatement. */
	assert_int_equal(suspend(f, ORIGIN_A, 0, true), 0);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(registry_suspension(&f->s, txn, ORIGIN_A, &sp), 0);
	mdb_txn_abort(txn);
	assert_true(sp.member);
	assert_false(sp.suspended);
	assert_int_equal(sp.index, 2);
	assert_int_equal(sp.at_size, 0);

	/* Suspended again without a reason or date: the text says what it knows. */
	assert_int_equal(suspend(f, ORIGIN_A, 9, false), 0);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(registry_suspension(&f->s, txn, ORIGIN_A, &sp), 0);
	mdb_txn_abort(txn);
	registry_suspension_text(ORIGIN_A, &sp, text, sizeof(text));
	assert_string_equal(text, ORIGIN_A " is suspended by the network authority past size 9 "
	                                   "(registry entry 3)");
}

static void
test_announcement(void **state)
{
	struct fx *f = *state;
	Remacto__Store__MemberRecord *m;

	assert_int_equal(admit(f, ORIGIN_B, f->b_vkey,
	                       REMACTO__V1__MEMBER_KIND__MEMBER_KIND_PREFECTURE, "421"),
	                 0);
	assert_int_equal(announce(f, ORIGIN_B, "wss://rabat.example:8443/peer", false), 0);
	m = member(f, ORIGIN_B);
	assert_string_equal(m->peer_url, "wss://rabat.example:8443/peer");
	assert_int_equal(m->n_keys, 1); /* the rest of the record is kept */
	member_free(m);
	assert_int_equal(announce(f, ORIGIN_B, "wss://rabat2.example:8443/peer", false), 0);
	m = member(f, ORIGIN_B);
	assert_string_equal(m->peer_url, "wss://rabat2.example:8443/peer");
	member_free(m);
	assert_int_equal(announce(f, ORIGIN_B, "wss://rabat2.example:8443/peer", true), 0);
	m = member(f, ORIGIN_B);
	assert_string_equal(m->peer_url, "");
	member_free(m);

	assert_int_equal(announce(f, ORIGIN_C, "wss://tetouan.example/peer", false), -EINVAL);
	CHECK(strstr(err, "is not a member"), "%s", err);
	assert_int_equal(size_of(f, REG), 4);
}

/* The registry index a reg:* database holds under key, or UINT64_MAX. */
static uint64_t
reg_index(struct fx *f, const char *db, const char *key)
{
	MDB_txn *txn;
	MDB_val k = { strlen(key), (void *)key }, v;
	uint64_t out = UINT64_MAX;
	MDB_dbi dbi;
	assert_int_equal(store_db(&f->s, db, &dbi), 0);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	if (mdb_get(txn, dbi, &k, &v) == 0) {
		assert_int_equal(v.mv_size, 8);
		out = 0;
		for (int j = 0; j < 8; j++)
			out = out << 8 | ((uint8_t *)v.mv_data)[j];
	}
	mdb_txn_abort(txn);
	return out;
}

static int
catalog(struct fx *f, const char *code, Remacto__V1__Principle p, bool withdrawn)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__CatalogIndicator c = REMACTO__V1__CATALOG_INDICATOR__INIT;
	Remacto__V1__Text title = REMACTO__V1__TEXT__INIT;
	title.fr = "Score de publication proactive";
	c.code = (char *)code;
	c.principle = p;
	c.title = &title;
	c.unit = "score 0-100";
	c.higher_is_better = true;
	c.normalisation = REMACTO__V1__NORMALISATION__NORMALISATION_NONE;
	c.withdrawn = withdrawn;
	e.kind_case = REMACTO__V1__ENTRY__KIND_CATALOG_INDICATOR;
	e.catalog_indicator = &c;
	return append(f, REG, &f->auth, &e);
}

static int
policy(struct fx *f, uint32_t liveness)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__CompliancePolicy p = REMACTO__V1__COMPLIANCE_POLICY__INIT;
	p.liveness_days = liveness;
	p.at_risk_score = 60;
	p.non_compliant_score = 40;
	e.kind_case = REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY;
	e.compliance_policy = &p;
	return append(f, REG, &f->auth, &e);
}

static void
test_catalog_policy(void **state)
{
	struct fx *f = *state;

	assert_int_equal(reg_index(f, "reg:policy", "current"), UINT64_MAX);
	assert_int_equal(catalog(f, "TR-01", REMACTO__V1__PRINCIPLE__PRINCIPLE_TRANSPARENCY, false),
	                 0);
	assert_int_equal(
	        catalog(f, "AI-01", REMACTO__V1__PRINCIPLE__PRINCIPLE_ACCESS_TO_INFORMATION, false),
	        0);
	assert_int_equal(policy(f, 30), 0);
	assert_int_equal(size_of(f, REG), 3);
	assert_int_equal(reg_index(f, "reg:catalog", "TR-01"), 0);
	assert_int_equal(reg_index(f, "reg:catalog", "AI-01"), 1);
	assert_int_equal(reg_index(f, "reg:catalog", "DG-01"), UINT64_MAX);
	assert_int_equal(reg_index(f, "reg:policy", "current"), 2);

	/* A later definition (here a withdrawal) and a later policy replace the earlier ones. */
	assert_int_equal(catalog(f, "TR-01", REMACTO__V1__PRINCIPLE__PRINCIPLE_TRANSPARENCY, true),
	                 0);
	assert_int_equal(policy(f, 45), 0);
	assert_int_equal(reg_index(f, "reg:catalog", "TR-01"), 3);
	assert_int_equal(reg_index(f, "reg:catalog", "AI-01"), 1);
	assert_int_equal(reg_index(f, "reg:policy", "current"), 4);
	assert_int_equal(size_of(f, REG), 5);
}

struct lenient_arg {
	struct store *s;
	const char *origin;
	const struct note_signer *signer;
	const uint8_t *data;
	size_t len;
};

static int
lenient_txn(MDB_txn *txn, void *arg)
{
	struct lenient_arg *a = arg;
	struct tlog_batch b;
	int rc = tlog_batch_begin(&b, a->s, txn, a->origin);
	if (rc != 0)
		return rc;
	rc = tlog_batch_add(&b, txn, a->data, a->len, false, err, sizeof(err));
	if (rc == 0)
		rc = tlog_batch_seal(&b, txn, a->signer, NULL);
	tlog_batch_end(&b);
	return rc;
}

static void
test_member_log(void **state)
{
	struct fx *f = *state;
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberAdmission a = REMACTO__V1__MEMBER_ADMISSION__INIT;
	Remacto__V1__Text name = REMACTO__V1__TEXT__INIT;
	struct note_verifier v;
	uint8_t buf[4096];

	assert_int_equal(
	        admit(f, ORIGIN_A, f->a_vkey, REMACTO__V1__MEMBER_KIND__MEMBER_KIND_REGION, "04"),
	        0);
	assert_int_equal(tlog_create(&f->s, &f->a, NULL, err, sizeof(err)), 0);

	/* A member admitting C in its own log: refused in strict mode (its own publication). */
	admission_entry(&e, &a, &name, ORIGIN_C, f->c_vkey);
	assert_int_equal(append(f, ORIGIN_A, &f->a, &e), -EINVAL);
	CHECK(strstr(err, "registry log") && strstr(err, ORIGIN_A), "%s", err);
	assert_int_equal(size_of(f, ORIGIN_A), 0);
	assert_false(is_member(f, ORIGIN_C));

	/* Replicated (lenient): stored as a leaf of A's log, ignored by the registry. */
	struct lenient_arg la = { &f->s, ORIGIN_A, &f->a, buf, pack(&e, buf, sizeof(buf)) };
	int rc = store_write(&f->s, lenient_txn, &la);
	CHECK(rc == 0, "lenient append: %d %s", rc, err);
	assert_int_equal(size_of(f, ORIGIN_A), 1);
	assert_false(is_member(f, ORIGIN_C));
	assert_int_equal(key_for(f, ORIGIN_C, 0, &v), -EPERM);
	assert_int_equal(size_of(f, REG), 1);

	/* Lenient in the registry log itself: a rotation for a non-member is stored and ignored. */
	Remacto__V1__Entry r = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__KeyRotation kr = REMACTO__V1__KEY_ROTATION__INIT;
	kr.origin = ORIGIN_C;
	kr.verifier_key = f->c_vkey;
	r.kind_case = REMACTO__V1__ENTRY__KIND_KEY_ROTATION;
	r.key_rotation = &kr;
	struct lenient_arg lr = { &f->s, REG, &f->auth, buf, pack(&r, buf, sizeof(buf)) };
	rc = store_write(&f->s, lenient_txn, &lr);
	CHECK(rc == 0, "lenient append to the registry: %d %s", rc, err);
	assert_int_equal(size_of(f, REG), 2);
	assert_false(is_member(f, ORIGIN_C));

	/* A member's ordinary entries are not the registry's business. */
	Remacto__V1__Entry p = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__Programme prog = REMACTO__V1__PROGRAMME__INIT;
	Remacto__V1__Text title = REMACTO__V1__TEXT__INIT;
	title.fr = "Rabat-Salé-Kénitra ouverte";
	prog.id = "OPEN-RSK-2024";
	prog.title = &title;
	p.kind_case = REMACTO__V1__ENTRY__KIND_PROGRAMME;
	p.programme = &prog;
	assert_int_equal(append(f, ORIGIN_A, &f->a, &p), 0);
	assert_int_equal(size_of(f, ORIGIN_A), 2);
}

static void
test_key_for_refusals(void **state)
{
	struct fx *f = *state;
	struct note_verifier v;

	assert_int_equal(key_for(f, ORIGIN_B, 0, &v), -EPERM);
	CHECK(strstr(err, "not a member") && strstr(err, ORIGIN_B), "%s", err);
	assert_int_equal(admit(f, ORIGIN_B, f->b_vkey,
	                       REMACTO__V1__MEMBER_KIND__MEMBER_KIND_PREFECTURE, "421"),
	                 0);
	assert_int_equal(key_id_for(f, ORIGIN_B, 0), f->b.v.key_id);
	assert_int_equal(key_for(f, ORIGIN_C, 3, &v), -EPERM);

	/* The registry log itself: the authority's key, at any size. */
	assert_int_equal(key_for(f, REG, 0, &v), 0);
	assert_int_equal(v.key_id, f->auth.v.key_id);
	assert_memory_equal(v.pub, f->auth.v.pub, 32);
	assert_int_equal(key_for(f, REG, 12345, &v), 0);
}

static void
test_no_authority(void **state)
{
	struct fx *f = *state;
	struct note_verifier v;
	MDB_txn *txn;

	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_false(registry_authority(&f->s, txn, &v));
	mdb_txn_abort(txn);
	assert_int_equal(key_for(f, ORIGIN_A, 0, &v), -ENOENT);
	CHECK(strstr(err, "authority"), "%s", err);
	assert_int_equal(key_for(f, REG, 0, &v), -ENOENT);

	/* Without an authority, a registry kind in any log is refused in strict mode. */
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__MemberAdmission a = REMACTO__V1__MEMBER_ADMISSION__INIT;
	Remacto__V1__Text name = REMACTO__V1__TEXT__INIT;
	admission_entry(&e, &a, &name, ORIGIN_C, f->c_vkey);
	assert_int_equal(tlog_create(&f->s, &f->a, NULL, err, sizeof(err)), 0);
	assert_int_equal(append(f, ORIGIN_A, &f->a, &e), -EINVAL);
	assert_int_equal(size_of(f, ORIGIN_A), 0);
}

static void
test_set_authority(void **state)
{
	struct fx *f = *state;
	struct note_verifier v;
	struct note_signer other;
	char other_vkey[NOTE_VKEY_MAX + 1], cosign[NOTE_VKEY_MAX + 1];
	MDB_txn *txn;

	/* The same key again: fine (every start of a node records it). */
	assert_int_equal(registry_set_authority(&f->s, f->auth_vkey, err, sizeof(err)), 0);

	/* Another key, same name: another network. */
	signer(&other, other_vkey, REG, 0x77);
	err[0] = '\0';
	assert_int_equal(registry_set_authority(&f->s, other_vkey, err, sizeof(err)), -EEXIST);
	CHECK(strstr(err, "another data folder"), "%s", err);
	note_signer_free(&other);
	/* Another name. */
	assert_int_equal(registry_set_authority(&f->s, f->b_vkey, err, sizeof(err)), -EEXIST);

	/* Malformed: the parser's reason is reported. */
	err[0] = '\0';
	assert_int_equal(
	        registry_set_authority(&f->s, "remacto.ma/registry+0000", err, sizeof(err)),
	        -EINVAL);
	CHECK(strstr(err, "authority verifier key") && !strstr(err, "Ed25519"), "%s", err);

	/* Not an Ed25519 key (a cosignature key). */
	struct note_signer cs;
	uint8_t seed[32] = { 9 };
	assert_int_equal(note_signer_from_seed(&cs, REG, NOTE_ALG_COSIGNATURE_V1, seed), 0);
	assert_true(note_verifier_format(&cs.v, cosign, sizeof(cosign)) > 0);
	note_signer_free(&cs);
	err[0] = '\0';
	assert_int_equal(registry_set_authority(&f->s, cosign, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "Ed25519"), "%s", err);

	/* The recorded one is unchanged. */
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_true(registry_authority(&f->s, txn, &v));
	mdb_txn_abort(txn);
	assert_string_equal(v.name, REG);
	assert_int_equal(v.key_id, f->auth.v.key_id);
	assert_memory_equal(v.pub, f->auth.v.pub, 32);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_admission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admission_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspension, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspension_details, setup, teardown),
		cmocka_unit_test_setup_teardown(test_announcement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catalog_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_member_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_for_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_authority, setup_bare, teardown),
		cmocka_unit_test_setup_teardown(test_set_authority, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
