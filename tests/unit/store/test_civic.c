/*
 * Tests of node/store/civic.c: what citizens follow, kept by every append. Two logs in one
 * store, as on any node: a member's (the demo programme) and an observer's. The observer's
 * assessments of the member's commitments are indexed under the member's commitment, next to
 * the member's own; in strict mode (the observer's node publishing) what they name must exist
 * and nothing of a refused batch is stored; replicated (lenient) entries are taken as signed;
 * indicator versions and amendments are listed in log order; feed events by log and by time;
 * and store_rebuild makes the same databases again from the logs alone.
 */
#include <errno.h>
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
#include "demo.h"
#include "peers/ledger.h"
#include "store/civic.h"
#include "store/rebuild.h"
#include "store/tlog.h"

#define MEMBER "remacto.ma/rabat-prefecture"
#define OBS "remacto.ma/association-tafra"

struct fx {
	char dir[64];
	struct store s;
	struct note_signer member, obs;
	uint32_t mlog, olog;
};

static void
rm_rf(const char *dir)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static int
append(struct fx *f, struct note_signer *sg, const char *const *json, size_t n, char *err,
       size_t errcap)
{
	struct tlog_blob v[32];
	assert_true(n <= 32);
	for (size_t i = 0; i < n; i++)
		v[i] = blob(json[i]);
	int rc = tlog_append(&f->s, sg->v.name, sg, v, n, NULL, NULL, err, errcap);
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].data);
	return rc;
}

static uint64_t
size_of(struct fx *f, const char *origin, uint32_t *id)
{
	Remacto__Store__LogRecord *rec;
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(store_log_get(&f->s, txn, origin, &rec), 0);
	uint64_t size = rec->size;
	if (id)
		*id = rec->id;
	remacto__store__log_record__free_unpacked(rec, NULL);
	mdb_txn_abort(txn);
	return size;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t seed[32];
	char err[256], line[8192];
	const char *lines[32];
	size_t n = 0;
	FILE *in;
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-cv-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i * 7 + 1);
	if (note_signer_from_seed(&f->member, MEMBER, NOTE_ALG_ED25519, seed) != 0)
		return -1;
	seed[0] ^= 0xff;
	if (note_signer_from_seed(&f->obs, OBS, NOTE_ALG_ED25519, seed) != 0 ||
	    ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)) != 0 ||
	    tlog_create(&f->s, &f->member, NULL, err, sizeof(err)) != 0 ||
	    tlog_create(&f->s, &f->obs, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	if (!(in = fopen(demo_path(), "r")))
		return -1;
	while (n < 32 && fgets(line, sizeof(line), in))
		if (line[0] == '{')
			lines[n++] = strdup(line);
	fclose(in);
	int rc = append(f, &f->member, lines, n, err, sizeof(err));
	for (size_t i = 0; i < n; i++)
		free((void *)lines[i]);
	if (rc != 0) {
		fprintf(stderr, "demo: %s\n", err);
		return -1;
	}
	size_of(f, MEMBER, &f->mlog);
	size_of(f, OBS, &f->olog);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	note_signer_free(&f->member);
	note_signer_free(&f->obs);
	rm_rf(f->dir);
	free(f);
	return 0;
}

struct seen {
	char text[512];
	size_t n;
};

static int
collect(const struct civic_ref *r, void *arg)
{
	struct seen *s = arg;
	s->n += (size_t)snprintf(s->text + s->n, sizeof(s->text) - s->n, "%s%u:%llu:%u",
	                         s->n ? " " : "", r->log, (unsigned long long)r->index, r->kind);
	return 0;
}

static void
about(struct fx *f, const char *commitment, char *out, size_t cap)
{
	struct seen s = { "", 0 };
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(civic_about_each(&f->s, txn, MEMBER, commitment, collect, &s), 0);
	mdb_txn_abort(txn);
	snprintf(out, cap, "%s", s.text);
}

#define ASSESS(id, commitment, extra)                                                       \
	"{\"schema\":1,\"published\":\"2025-10-20T10:00:00Z\",\"assessment\":{\"id\":\"" id \
	"\",\"commitmentId\":\"" commitment "\",\"memberOrigin\":\"" MEMBER "\"" extra      \
	",\"date\":\"2025-10-20\",\"assessor\":\"Tafra\",\"completion\":\"COMPLETION_LIMITED\"}}"

/* The observer's assessments land under the member's commitment, with the member's own. */
static void
test_observer_assessment(void **state)
{
	struct fx *f = *state;
	char err[512], got[512], want[512];
	/* Entry 14 of the demo is RBT-2024-01's status update; 17 its own assessment. */
	const char *ok[] = { ASSESS("T1", "RBT-2024-01", ",\"assessedIndex\":\"14\""),
		             ASSESS("T2", "RBT-2024-02", "") };
	if (append(f, &f->obs, ok, 2, err, sizeof(err)) != 0)
		fail_msg("observer append: %s", err);
	about(f, "RBT-2024-01", got, sizeof(got));
	snprintf(want, sizeof(want), "%u:17:12 %u:0:12", f->mlog, f->olog);
	assert_string_equal(got, want);
	about(f, "RBT-2024-02", got, sizeof(got));
	snprintf(want, sizeof(want), "%u:1:12", f->olog);
	assert_string_equal(got, want);
	about(f, "RBT-2024-03", got, sizeof(got));
	assert_string_equal(got, "");
}

static void
refused(struct fx *f, const char *json, const char *why)
{
	char err[512];
	uint64_t before = size_of(f, OBS, NULL);
	const char *one[] = { ASSESS("OK", "RBT-2024-01", ""), json };
	int rc = append(f, &f->obs, one, 2, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	if (!strstr(err, why))
		fail_msg("expected \"%s\" in \"%s\"", why, err);
	assert_int_equal(size_of(f, OBS, NULL), before); /* nothing of the batch */
}

static void
test_strict_refusals(void **state)
{
	struct fx *f = *state;
	refused(f, ASSESS("X", "RBT-2099-99", ""), "publishes no commitment RBT-2099-99");
	refused(f, ASSESS("X", "RBT-2024-01", ",\"assessedIndex\":\"1\""),
	        "not in the history of commitment RBT-2024-01");
	refused(f, ASSESS("X", "RBT-2024-01", ",\"assessedIndex\":\"99\""),
	        "past the end of " MEMBER "'s log");
	refused(f,
	        "{\"schema\":1,\"assessment\":{\"id\":\"X\",\"commitmentId\":\"C\","
	        "\"memberOrigin\":\"remacto.ma/nobody\",\"date\":\"2025-10-20\",\"assessor\":\"T\"}}",
	        "holds no log of remacto.ma/nobody");
}

/* A replicated log is taken as signed: an assessment of a log not held is indexed. */
static void
test_lenient(void **state)
{
	struct fx *f = *state;
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__Assessment a = REMACTO__V1__ASSESSMENT__INIT;
	MDB_txn *txn;
	char err[128];
	struct seen s = { "", 0 };
	a.commitment_id = "C9";
	a.member_origin = "remacto.ma/elsewhere";
	e.kind_case = REMACTO__V1__ENTRY__KIND_ASSESSMENT;
	e.assessment = &a;
	assert_int_equal(mdb_txn_begin(f->s.env, NULL, 0, &txn), 0);
	assert_int_equal(civic_apply(&f->s, txn, f->olog, OBS, 5, &e, false, err, sizeof(err)), 0);
	assert_int_equal(civic_apply(&f->s, txn, f->olog, OBS, 5, &e, true, err, sizeof(err)),
	                 -EINVAL);
	assert_int_equal(civic_about_each(&f->s, txn, "remacto.ma/elsewhere", "C9", collect, &s),
	                 0);
	mdb_txn_abort(txn);
	char want[32];
	snprintf(want, sizeof(want), "%u:5:12", f->olog);
	assert_string_equal(s.text, want);
}

/* Indicator versions and amendments, in log order; feed events by log and by time. */
static void
test_indicator_and_events(void **state)
{
	struct fx *f = *state;
	const char *more[] = {
		"{\"schema\":1,\"published\":\"2025-11-05T09:10:00Z\",\"amendment\":{\"subject\":"
		"\"SUBJECT_INDICATOR\",\"subjectId\":\"IND-TR-03\",\"field\":\"targets[2025]\","
		"\"oldValue\":\"100\",\"newValue\":\"90\",\"reason\":{\"fr\":\"r\"},\"date\":"
		"\"2025-11-05\"}}",
		"{\"schema\":1,\"published\":\"2025-11-05T09:15:00Z\",\"indicator\":{\"id\":"
		"\"IND-TR-03\",\"catalogCode\":\"TR-03\",\"targets\":[{\"period\":\"2025\","
		"\"value\":90}]}}",
	};
	char err[256];
	struct seen s = { "", 0 };
	MDB_txn *txn;
	if (append(f, &f->member, more, 2, err, sizeof(err)) != 0)
		fail_msg("append: %s", err);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(civic_indicator_each(&f->s, txn, f->mlog, "IND-TR-03", collect, &s), 0);
	char want[128];
	snprintf(want, sizeof(want), "%u:6:15 %u:19:18 %u:20:15", f->mlog, f->mlog, f->mlog);
	assert_string_equal(s.text, want);
	/* Events of the member's log: every feed kind, none of the measurements. */
	MDB_cursor *c;
	MDB_val k, v;
	unsigned events = 0, recent = 0;
	uint64_t last_time = 0;
	assert_int_equal(mdb_cursor_open(txn, civic_db(&f->s, CIVIC_EVENTS), &c), 0);
	for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		unsigned kind = *(uint8_t *)v.mv_data;
		assert_true(civic_event_kind(kind));
		events++;
	}
	mdb_cursor_close(c);
	assert_int_equal(mdb_cursor_open(txn, civic_db(&f->s, CIVIC_RECENT), &c), 0);
	for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint64_t t = 0;
		for (int i = 0; i < 8; i++)
			t = t << 8 | ((uint8_t *)k.mv_data)[i];
		assert_true(t >= last_time);
		last_time = t;
		recent++;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	/* 21 entries: the 3 measurements are no feed events. */
	assert_int_equal(events, 18);
	assert_int_equal(recent, events);
	assert_int_equal(last_time, civic_time("2025-11-05T09:15:00Z"));
}

static void
test_time(void **state)
{
	(void)state;
	assert_int_equal(civic_time("1970-01-02T00:00:00Z"), 0); /* before 1971: no time */
	assert_int_equal(civic_time("2025-01-10T12:00:00Z"), 1736510400);
	assert_int_equal(civic_time("2025-01-10T12:00:00.5Z"), 1736510400);
	assert_int_equal(civic_time("2025-01-10"), 1736467200);
	assert_int_equal(civic_time("2025-01-10T12:00:00"), 0);
	assert_int_equal(civic_time("2025-13-10T12:00:00Z"), 0);
	assert_int_equal(civic_time(""), 0);
	assert_int_equal(civic_time(NULL), 0);
}

/* Every record of the civic databases, as one string. */
static char *
dump(struct fx *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	MDB_txn *txn;
	assert_non_null(buf);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	for (int db = 0; db < CIVIC_NDBS; db++) {
		MDB_cursor *c;
		MDB_val k, v;
		assert_int_equal(mdb_cursor_open(txn, civic_db(&f->s, db), &c), 0);
		for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			assert_true(n + k.mv_size + v.mv_size + 2 < cap);
			memcpy(buf + n, k.mv_data, k.mv_size), n += k.mv_size;
			buf[n++] = '=';
			memcpy(buf + n, v.mv_data, v.mv_size), n += v.mv_size;
			buf[n++] = ';';
		}
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	*len = n;
	return buf;
}

static void
test_rebuild(void **state)
{
	struct fx *f = *state;
	const char *ok[] = { ASSESS("T1", "RBT-2024-01", ",\"assessedIndex\":\"14\"") };
	char err[256];
	if (append(f, &f->obs, ok, 1, err, sizeof(err)) != 0)
		fail_msg("observer append: %s", err);
	size_t nb, na;
	char *before = dump(f, &nb);
	assert_int_equal(store_rebuild(&f->s, &civic_module, NULL, NULL, err, sizeof(err)), 0);
	char *after = dump(f, &na);
	assert_true(nb > 100);
	assert_int_equal(nb, na);
	assert_memory_equal(before, after, nb);
	free(before);
	free(after);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_observer_assessment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lenient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indicator_and_events, setup, teardown),
		cmocka_unit_test(test_time),
		cmocka_unit_test_setup_teardown(test_rebuild, setup, teardown),
	};
	return cmocka_run_group_tests_name("test_civic", tests, NULL, NULL);
}
