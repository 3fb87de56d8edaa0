/*
 * Tests of node/store/index.c: the domain index kept by every append. A store in a fresh temporary
 * folder gets the demo programme (config/demo/rabat-prefecture.jsonl) through tlog_append, in
 * strict mode as the node publishes; then the indexed state, the history order, the strict
 * rejections (a failed batch stores nothing: the head does not move), new versions, lenient
 * indexing of what a replicated log says, and index_rebuild reproducing the index byte for byte.
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
#include "store/index.h"
#include "store/tlog.h"

#define ORIGIN "remacto.ma/rabat-prefecture"
#define DEMO_SIZE 19

struct fx {
	char dir[64];
	struct store s;
	struct note_signer signer;
	uint32_t log;
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

static void
blobs_free(struct tlog_blob *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].data);
}

/* Appends JSON entries in one batch; returns tlog_append's result. */
static int
append_json(struct fx *f, const char *const *json, size_t n, char *err, size_t errcap)
{
	struct tlog_blob v[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		v[i] = blob(json[i]);
	int rc = tlog_append(&f->s, ORIGIN, &f->signer, v, n, NULL, NULL, err, errcap);
	blobs_free(v, n);
	return rc;
}

static void
append_demo(struct fx *f)
{
	FILE *in = fopen(demo_path(), "r");
	struct tlog_blob v[64];
	char line[8192], err[512];
	size_t n = 0;
	assert_non_null(in);
	while (fgets(line, sizeof(line), in))
		if (line[0] == '{') {
			assert_true(n < 64);
			v[n++] = blob(line);
		}
	fclose(in);
	assert_int_equal(n, DEMO_SIZE);
	if (tlog_append(&f->s, ORIGIN, &f->signer, v, n, NULL, NULL, err, sizeof(err)) != 0)
		fail_msg("demo append: %s", err);
	blobs_free(v, n);
}

static uint64_t
head_size(struct fx *f)
{
	struct tlog_head *h = malloc(sizeof(*h));
	MDB_txn *txn;
	assert_non_null(h);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(tlog_head(&f->s, txn, ORIGIN, h), 0);
	mdb_txn_abort(txn);
	uint64_t size = h->size;
	f->log = h->id;
	free(h);
	return size;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t seed[32];
	char err[256];
	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-ix-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i * 13 + 5);
	if (note_signer_from_seed(&f->signer, ORIGIN, NOTE_ALG_ED25519, seed) != 0 ||
	    ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)) != 0 ||
	    tlog_create(&f->s, &f->signer, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	append_demo(f);
	head_size(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	store_close(&f->s);
	note_signer_free(&f->signer);
	rm_rf(f->dir);
	free(f);
	return 0;
}

/* ---- reading helpers ---- */

static struct index_commitment
commitment(struct fx *f, const char *id)
{
	struct index_commitment c;
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	int rc = index_commitment_get(&f->s, txn, f->log, id, &c);
	mdb_txn_abort(txn);
	if (rc != 0)
		fail_msg("commitment %s: %s", id, store_strerror(rc));
	return c;
}

static bool
has_commitment(struct fx *f, const char *id)
{
	struct index_commitment c;
	MDB_txn *txn;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	int rc = index_commitment_get(&f->s, txn, f->log, id, &c);
	mdb_txn_abort(txn);
	assert_true(rc == 0 || rc == MDB_NOTFOUND);
	return rc == 0;
}

/* The history of a commitment as "index:kind index:kind …". */
static void
history(struct fx *f, const char *id, char *out, size_t cap)
{
	uint8_t key[INDEX_MAX_KEY];
	size_t kl = index_key(key, f->log, id, NULL), o = 0;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;
	key[kl++] = 0;
	out[0] = '\0';
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, index_db(&f->s, INDEX_HISTORY), &c), 0);
	k.mv_data = key, k.mv_size = kl;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct index_history h;
		if (k.mv_size < kl || memcmp(k.mv_data, key, kl) != 0)
			break;
		assert_true(index_history_decode(&k, &v, &h));
		assert_string_equal(h.commitment, id);
		o += (size_t)snprintf(out + o, cap - o, "%s%llu:%u", o ? " " : "",
		                      (unsigned long long)h.index, h.kind);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
}

/* Every record of every index database, as one byte string. */
static char *
dump_index(struct fx *f, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	MDB_txn *txn;
	assert_non_null(buf);
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	for (size_t i = 0; i < INDEX_NDBS; i++) {
		MDB_cursor *c;
		MDB_val k, v;
		int rc;
		assert_int_equal(mdb_cursor_open(txn, index_db(&f->s, i), &c), 0);
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			size_t need = 1 + 2 * sizeof(size_t) + k.mv_size + v.mv_size;
			while (n + need > cap)
				assert_non_null(buf = realloc(buf, cap *= 2));
			buf[n++] = (char)i;
			memcpy(buf + n, &k.mv_size, sizeof(size_t)), n += sizeof(size_t);
			memcpy(buf + n, k.mv_data, k.mv_size), n += k.mv_size;
			memcpy(buf + n, &v.mv_size, sizeof(size_t)), n += sizeof(size_t);
			memcpy(buf + n, v.mv_data, v.mv_size), n += v.mv_size;
		}
		assert_int_equal(rc, MDB_NOTFOUND);
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	*len = n;
	return buf;
}

/* ---- tests ---- */

static void
test_demo_state(void **state)
{
	struct fx *f = *state;
	struct index_commitment c = commitment(f, "RBT-2024-01");
	assert_int_equal(c.entry, 3);
	assert_int_equal(c.first, 3);
	assert_int_equal(c.versions, 1);
	assert_int_equal(c.events, 4);
	assert_int_equal(c.status_index, 14);
	assert_int_equal(c.completion, REMACTO__V1__COMPLETION__COMPLETION_SUBSTANTIAL);
	assert_int_equal(c.progress, 70);
	assert_string_equal(c.status_date, "2025-06-30");
	assert_int_equal(c.updated_index, 17);
	assert_string_equal(c.updated, "2025-09-20");
	assert_string_equal(c.programme, "OPEN-RABAT-2024");
	assert_int_equal(c.principles, (1 << 1) | (1 << 2));

	c = commitment(f, "RBT-2024-03");
	assert_int_equal(c.entry, 5);
	assert_int_equal(c.status_index, 18);
	assert_int_equal(c.completion, REMACTO__V1__COMPLETION__COMPLETION_LIMITED);
	assert_int_equal(c.progress, 30);
	assert_int_equal(c.principles, 1 << 4);

	MDB_txn *txn;
	struct index_milestone m;
	struct index_indicator ind;
	struct index_programme p;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(index_milestone_get(&f->s, txn, f->log, "RBT-2024-01", "M1", &m), 0);
	assert_int_equal(m.status, REMACTO__V1__MILESTONE_STATUS__MILESTONE_STATUS_MET);
	assert_int_equal(m.index, 12);
	assert_string_equal(m.date, "2025-02-03");
	assert_int_equal(index_milestone_get(&f->s, txn, f->log, "RBT-2024-01", "M2", &m), 0);
	assert_int_equal(m.status, 0);
	assert_true(m.index == INDEX_NONE);
	assert_string_equal(m.date, "");
	assert_int_equal(index_milestone_get(&f->s, txn, f->log, "RBT-2024-01", "M3", &m),
	                 MDB_NOTFOUND);
	assert_int_equal(index_indicator_get(&f->s, txn, f->log, "IND-TR-03", &ind), 0);
	assert_int_equal(ind.entry, 6);
	assert_string_equal(ind.code, "TR-03");
	assert_int_equal(index_programme_get(&f->s, txn, f->log, "OPEN-RABAT-2024", &p), 0);
	assert_int_equal(p.entry, 2);
	assert_int_equal(p.first, 0);
	assert_int_equal(p.versions, 2);
	assert_int_equal(p.stage, REMACTO__V1__PROGRAMME_STAGE__PROGRAMME_STAGE_ADOPTED);
	mdb_txn_abort(txn);
}

static void
test_history_order(void **state)
{
	struct fx *f = *state;
	char h[256];
	history(f, "RBT-2024-01", h, sizeof(h));
	assert_string_equal(h, "3:13 12:14 14:17 17:12"); /* kinds: Entry oneof numbers */
	history(f, "RBT-2024-02", h, sizeof(h));
	assert_string_equal(h, "4:13 8:14 15:17");
	history(f, "RBT-2024-03", h, sizeof(h));
	assert_string_equal(h, "5:13 13:18 18:17");
	/* "RBT-2024-0" is a prefix of the others' ids: its (empty) history must not mix in. */
	history(f, "RBT-2024-0", h, sizeof(h));
	assert_string_equal(h, "");
}

static void
test_measurements(void **state)
{
	struct fx *f = *state;
	uint8_t key[INDEX_MAX_KEY];
	size_t kl = index_measurement_key(key, f->log, 0, "IND-AI-01");
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	struct index_measurement m;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, index_db(&f->s, INDEX_MEASUREMENTS), &c), 0);
	k.mv_data = key, k.mv_size = kl;
	assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_SET_RANGE), 0);
	assert_true(index_measurement_decode(&k, &v, &m));
	assert_string_equal(m.indicator, "IND-AI-01");
	assert_string_equal(m.period, "2024-Q4");
	assert_int_equal(m.index, 10);
	assert_int_equal(m.block, 0);
	assert_true(m.value == 24);
	assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_NEXT), 0);
	assert_true(index_measurement_decode(&k, &v, &m));
	assert_string_equal(m.period, "2025-Q2");
	assert_int_equal(m.index, 16);
	assert_true(m.value == 19);
	assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_NEXT), 0);
	assert_true(index_measurement_decode(&k, &v, &m));
	assert_string_equal(m.indicator, "IND-TR-03");
	assert_string_equal(m.period, "2024");
	assert_true(m.value == 66.7);
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
}

/* Each of these fails its whole batch in strict mode with the error given. */
static void
test_strict_rejections(void **state)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
		{ "{\"statusUpdate\":{\"commitmentId\":\"RBT-9\",\"date\":\"2025-01-01\","
		  "\"completion\":\"COMPLETION_LIMITED\"}}",
		  "statusUpdate.commitmentId: no commitment RBT-9 in this log" },
		{ "{\"milestoneUpdate\":{\"commitmentId\":\"RBT-9\",\"milestoneId\":\"M1\","
		  "\"status\":\"MILESTONE_STATUS_MET\",\"date\":\"2025-01-01\"}}",
		  "milestoneUpdate.commitmentId: no commitment RBT-9 in this log" },
		{ "{\"milestoneUpdate\":{\"commitmentId\":\"RBT-2024-01\",\"milestoneId\":\"M9\","
		  "\"status\":\"MILESTONE_STATUS_MET\",\"date\":\"2025-01-01\"}}",
		  "milestoneUpdate.milestoneId: commitment RBT-2024-01 has no milestone M9" },
		{ "{\"assessment\":{\"commitmentId\":\"RBT-9\",\"date\":\"2025-01-01\","
		  "\"assessor\":\"X\"}}",
		  "assessment.commitmentId: no commitment RBT-9 in this log" },
		{ "{\"amendment\":{\"subject\":\"SUBJECT_COMMITMENT\",\"subjectId\":\"RBT-9\","
		  "\"field\":\"endDate\",\"reason\":{\"fr\":\"r\"}}}",
		  "amendment.subjectId: no commitment RBT-9 in this log" },
		{ "{\"amendment\":{\"subject\":\"SUBJECT_MILESTONE\",\"subjectId\":\"RBT-9\","
		  "\"field\":\"milestones[M1].dueDate\",\"reason\":{\"fr\":\"r\"}}}",
		  "amendment.subjectId: no commitment RBT-9 in this log" },
		{ "{\"amendment\":{\"subject\":\"SUBJECT_INDICATOR\",\"subjectId\":\"IND-9\","
		  "\"field\":\"unit\",\"reason\":{\"fr\":\"r\"}}}",
		  "amendment.subjectId: no indicator IND-9 in this log" },
		{ "{\"amendment\":{\"subject\":\"SUBJECT_PROGRAMME\",\"subjectId\":\"RBT-2024-01\","
		  "\"field\":\"endDate\",\"reason\":{\"fr\":\"r\"}}}",
		  "amendment.subjectId: no programme RBT-2024-01 in this log" },
		{ "{\"measurement\":{\"indicatorId\":\"IND-9\",\"period\":\"2025\",\"value\":1}}",
		  "measurement.indicatorId: no indicator IND-9 in this log" },
	};
	struct fx *f = *state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* A valid new commitment first: the batch fails as a whole, so it must not stay. */
		const char *batch[2] = {
			"{\"commitment\":{\"id\":\"NEW-1\",\"title\":{\"fr\":\"n\"},"
			"\"principles\":[\"PRINCIPLE_TRANSPARENCY\"]}}",
			cases[i].json,
		};
		char err[512], want[512];
		size_t before, after;
		char *d0 = dump_index(f, &before), *d1;
		int rc = append_json(f, batch, 2, err, sizeof(err));
		assert_int_equal(rc, -EINVAL);
		snprintf(want, sizeof(want), "entry 2 of the batch: %s; nothing appended",
		         cases[i].err);
		assert_string_equal(err, want);
		assert_int_equal(head_size(f), DEMO_SIZE);
		assert_false(has_commitment(f, "NEW-1"));
		d1 = dump_index(f, &after);
		assert_int_equal(before, after);
		assert_memory_equal(d0, d1, before);
		free(d0);
		free(d1);
	}
}

static void
test_strict_accepts(void **state)
{
	struct fx *f = *state;
	const char *ok[] = {
		"{\"amendment\":{\"subject\":\"SUBJECT_PROGRAMME\",\"subjectId\":\"OPEN-RABAT-2024\","
		"\"field\":\"endDate\",\"reason\":{\"fr\":\"r\"},\"date\":\"2025-11-01\"}}",
		"{\"amendment\":{\"subject\":\"SUBJECT_INDICATOR\",\"subjectId\":\"IND-TR-03\","
		"\"field\":\"targets[2026]\",\"reason\":{\"fr\":\"r\"},\"date\":\"2025-11-01\"}}",
		"{\"measurement\":{\"indicatorId\":\"IND-TR-03\",\"period\":\"2025\",\"value\":100}}",
		"{\"milestoneUpdate\":{\"commitmentId\":\"RBT-2024-01\",\"milestoneId\":\"M2\","
		"\"status\":\"MILESTONE_STATUS_PARTIALLY_MET\",\"date\":\"2025-11-02\"}}",
	};
	char err[512], h[256];
	if (append_json(f, ok, 4, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(head_size(f), DEMO_SIZE + 4);
	history(f, "RBT-2024-01", h, sizeof(h));
	assert_string_equal(h, "3:13 12:14 14:17 17:12 22:14");
	struct index_commitment c = commitment(f, "RBT-2024-01");
	assert_int_equal(c.events, 5);
	assert_int_equal(c.updated_index, 22);
	assert_string_equal(c.updated, "2025-11-02");
	assert_int_equal(c.status_index, 14); /* a milestone is not a status */
}

static void
test_new_version(void **state)
{
	struct fx *f = *state;
	const char *v2[] = {
		"{\"published\":\"2025-12-01T10:00:00Z\",\"commitment\":{\"id\":\"RBT-2024-03\","
		"\"programmeId\":\"OPEN-RABAT-2025\",\"title\":{\"fr\":\"Budget participatif v2\"},"
		"\"principles\":[\"PRINCIPLE_CITIZEN_PARTICIPATION\",\"PRINCIPLE_DIGITALISATION\"],"
		"\"milestones\":[{\"id\":\"M1\"},{\"id\":\"M3\"}]}}",
	};
	char err[512], h[256];
	if (append_json(f, v2, 1, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	struct index_commitment c = commitment(f, "RBT-2024-03");
	assert_int_equal(c.entry, DEMO_SIZE);
	assert_int_equal(c.first, 5);
	assert_int_equal(c.versions, 2);
	assert_int_equal(c.events, 4);
	assert_int_equal(c.status_index, 18); /* the status carries over */
	assert_int_equal(c.progress, 30);
	assert_string_equal(c.updated, "2025-12-01");
	assert_string_equal(c.programme, "OPEN-RABAT-2025");
	assert_int_equal(c.principles, (1 << 4) | (1 << 5));
	history(f, "RBT-2024-03", h, sizeof(h));
	assert_string_equal(h, "5:13 13:18 18:17 19:13");
	/* The new milestone can now be reported on. */
	const char *mu[] = {
		"{\"milestoneUpdate\":{\"commitmentId\":\"RBT-2024-03\",\"milestoneId\":\"M3\","
		"\"status\":\"MILESTONE_STATUS_MET\",\"date\":\"2025-12-02\"}}",
	};
	if (append_json(f, mu, 1, err, sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void
test_too_long_id(void **state)
{
	struct fx *f = *state;
	char json[1024], err[512], id[302];
	memset(id, 'X', 301);
	id[301] = '\0';
	snprintf(json, sizeof(json),
	         "{\"commitment\":{\"id\":\"%s\",\"title\":{\"fr\":\"t\"},"
	         "\"principles\":[\"PRINCIPLE_TRANSPARENCY\"]}}",
	         id);
	const char *batch[] = { json };
	assert_int_equal(append_json(f, batch, 1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "commitment.id: longer than 200 bytes"));
	assert_int_equal(head_size(f), DEMO_SIZE);
}

/* What a replicated log says is stored whatever it references. */
struct lenient_arg {
	struct fx *f;
	struct tlog_blob *v;
	size_t n;
};

static int
lenient_txn(MDB_txn *txn, void *arg)
{
	struct lenient_arg *a = arg;
	struct tlog_batch b;
	char err[256];
	int rc = tlog_batch_begin(&b, &a->f->s, txn, ORIGIN);
	if (rc != 0)
		return rc;
	for (size_t i = 0; i < a->n && rc == 0; i++)
		rc = tlog_batch_add(&b, txn, a->v[i].data, a->v[i].len, false, err, sizeof(err));
	if (rc == 0)
		rc = tlog_batch_seal(&b, txn, &a->f->signer, NULL);
	tlog_batch_end(&b);
	return rc;
}

static void
test_lenient(void **state)
{
	struct fx *f = *state;
	struct tlog_blob v[4];
	v[0] = blob("{\"statusUpdate\":{\"commitmentId\":\"RBT-9\",\"date\":\"2025-01-01\","
	            "\"completion\":\"COMPLETION_LIMITED\"}}");
	v[1] = blob("{\"measurement\":{\"indicatorId\":\"IND-9\",\"period\":\"2025\","
	            "\"value\":1}}");
	v[2] = blob("{\"milestoneUpdate\":{\"commitmentId\":\"RBT-2024-02\",\"milestoneId\":"
	            "\"M7\",\"status\":\"MILESTONE_STATUS_MET\",\"date\":\"2025-01-05\"}}");
	v[3] = blob("{\"amendment\":{\"subject\":\"SUBJECT_PROGRAMME\",\"subjectId\":\"P-9\","
	            "\"field\":\"endDate\",\"reason\":{\"fr\":\"r\"}}}");
	struct lenient_arg a = { f, v, 4 };
	assert_int_equal(store_write(&f->s, lenient_txn, &a), 0);
	blobs_free(v, 4);
	assert_int_equal(head_size(f), DEMO_SIZE + 4);
	assert_false(has_commitment(f, "RBT-9"));
	char h[256];
	history(f, "RBT-2024-02", h, sizeof(h));
	assert_string_equal(h, "4:13 8:14 15:17 21:14"); /* linked to its commitment */

	/* The measurement of an unknown indicator is kept in the index. */
	MDB_txn *txn;
	uint8_t key[INDEX_MAX_KEY];
	size_t kl = index_measurement_key(key, f->log, 0, "IND-9");
	MDB_cursor *c;
	MDB_val k = { kl, key }, val;
	struct index_measurement m;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, index_db(&f->s, INDEX_MEASUREMENTS), &c), 0);
	assert_int_equal(mdb_cursor_get(c, &k, &val, MDB_SET_RANGE), 0);
	assert_true(index_measurement_decode(&k, &val, &m));
	assert_string_equal(m.indicator, "IND-9");
	assert_string_equal(m.period, "2025");
	assert_int_equal(m.index, DEMO_SIZE + 1);
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
}

static void
test_rebuild_identical(void **state)
{
	struct fx *f = *state;
	const char *more[] = {
		"{\"published\":\"2025-12-01T10:00:00Z\",\"commitment\":{\"id\":\"RBT-2024-01\","
		"\"title\":{\"fr\":\"v2\"},\"principles\":[\"PRINCIPLE_TRANSPARENCY\"],"
		"\"milestones\":[{\"id\":\"M1\"}]}}",
		"{\"statusUpdate\":{\"commitmentId\":\"RBT-2024-01\",\"date\":\"2025-12-05\","
		"\"completion\":\"COMPLETION_COMPLETE\",\"progressPercent\":100}}",
		"{\"consultation\":{\"id\":\"C2\",\"commitmentId\":\"RBT-2024-01\","
		"\"date\":\"2025-12-06\"}}",
	};
	char err[512];
	size_t n0, n1;
	if (append_json(f, more, 3, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	char *d0 = dump_index(f, &n0);
	assert_int_equal(index_rebuild(&f->s, NULL, NULL, err, sizeof(err)), 0);
	char *d1 = dump_index(f, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(d0, d1, n0);
	free(d1);

	/* Rebuilding twice changes nothing either (each log is cleared before its replay). */
	assert_int_equal(index_rebuild(&f->s, NULL, NULL, err, sizeof(err)), 0);
	d1 = dump_index(f, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(d0, d1, n0);
	free(d0);
	free(d1);
}

static void
count_progress(const char *origin, uint64_t done, uint64_t total, void *arg)
{
	(void)origin;
	if (done == total)
		(*(int *)arg)++;
}

static void
test_rebuild_after_drop(void **state)
{
	struct fx *f = *state;
	char err[256];
	size_t n0, n1;
	char *d0 = dump_index(f, &n0);
	int logs = 0;
	assert_true(n0 > 0);
	assert_int_equal(index_rebuild(&f->s, count_progress, &logs, err, sizeof(err)), 0);
	assert_int_equal(logs, 1);
	char *d1 = dump_index(f, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(d0, d1, n0);
	free(d0);
	free(d1);
	/* The rebuilt index still enforces: the strict check reads it. */
	const char *bad[] = { "{\"statusUpdate\":{\"commitmentId\":\"RBT-9\",\"date\":"
		              "\"2025-01-01\",\"completion\":\"COMPLETION_LIMITED\"}}" };
	assert_int_equal(append_json(f, bad, 1, err, sizeof(err)), -EINVAL);
}

static void
test_keys(void **state)
{
	(void)state;
	uint8_t key[INDEX_MAX_KEY];
	char long_id[INDEX_MAX_ID + 2];
	assert_int_equal(index_key(key, 0x01020304, NULL, NULL), 4);
	assert_memory_equal(key, "\x01\x02\x03\x04", 4);
	assert_int_equal(index_key(key, 7, "AB", "C"), 4 + 2 + 1 + 1);
	assert_memory_equal(key,
	                    "\0\0\0\x07"
	                    "AB\0C",
	                    8);
	MDB_val k = { 8, key };
	assert_int_equal(index_key_log(&k), 7);
	memset(long_id, 'x', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	assert_int_equal(index_key(key, 1, long_id, NULL), 0);
	long_id[INDEX_MAX_ID] = '\0';
	assert_int_equal(index_key(key, 1, long_id, long_id), 4 + 2 * INDEX_MAX_ID + 1);
	assert_true(INDEX_MAX_KEY <= 511);
	assert_true(INDEX_NDBS <= STORE_MODULE_DBS);

	/* Malformed records do not decode. */
	struct index_commitment c;
	struct index_measurement m;
	struct index_history h;
	uint8_t junk[4] = { 1, 2, 3, 4 };
	MDB_val jk = { 4, junk }, jv = { 4, junk };
	assert_false(index_commitment_decode(&jk, &jv, &c));
	assert_false(index_measurement_decode(&jk, &jv, &m));
	assert_false(index_history_decode(&jk, &jv, &h));
}

/* The cost per entry stays a few puts: 20,000 measurements in one batch, index included. */
static void
test_batch_of_measurements(void **state)
{
	struct fx *f = *state;
	enum { N = 20000 };
	struct tlog_blob *v = calloc(N, sizeof(*v));
	char json[256], err[256];
	assert_non_null(v);
	for (size_t i = 0; i < N; i++) {
		snprintf(json, sizeof(json),
		         "{\"measurement\":{\"indicatorId\":\"%s\",\"period\":"
		         "\"%zu\",\"value\":%zu}}",
		         i % 2 ? "IND-TR-03" : "IND-AI-01", 2000 + i % 100, i);
		v[i] = blob(json);
	}
	if (tlog_append(&f->s, ORIGIN, &f->signer, v, N, NULL, NULL, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	blobs_free(v, N);
	free(v);
	assert_int_equal(head_size(f), DEMO_SIZE + N);
	size_t n;
	char *d = dump_index(f, &n);
	free(d);
	assert_true(n > (size_t)N * 20);

	/* Blocks: entry 4096 on starts block 1; one indicator's measurements, block by block. */
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, val;
	uint8_t key[INDEX_MAX_KEY];
	struct index_measurement m;
	uint64_t count = 0, last = 0;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(mdb_cursor_open(txn, index_db(&f->s, INDEX_MEASUREMENTS), &c), 0);
	for (uint32_t b = 0; b <= (DEMO_SIZE + N) >> INDEX_BLOCK_SHIFT; b++) {
		size_t kl = index_measurement_key(key, f->log, b, "IND-TR-03");
		int rc;
		k.mv_data = key, k.mv_size = kl;
		for (rc = mdb_cursor_get(c, &k, &val, MDB_SET_RANGE); rc == 0;
		     rc = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
			if (k.mv_size < kl || memcmp(k.mv_data, key, kl) != 0)
				break;
			assert_true(index_measurement_decode(&k, &val, &m));
			assert_int_equal(m.block, b);
			assert_int_equal(m.index >> INDEX_BLOCK_SHIFT, b);
			assert_true(m.index > last || count == 0);
			last = m.index;
			count++;
		}
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	assert_int_equal(count, 1 + N / 2); /* the demo's one and every odd i */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_demo_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_measurements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_rejections, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_accepts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lenient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_after_drop, setup, teardown),
		cmocka_unit_test(test_keys),
		cmocka_unit_test_setup_teardown(test_batch_of_measurements, setup, teardown),
	};
	return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
