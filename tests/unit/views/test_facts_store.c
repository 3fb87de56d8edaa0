/*
 * Tests of the views' fold kept in the store (node/views/facts_store.c, read by facts.c): on a
 * synthetic federation (synth.h) of six members whose logs (700 entries each) mix every kind
 * of entry the views fold, entries published out of order (weeks late, a year ahead, without a
 * date), entries that do not decode, new versions that push dates back or lower targets, and
 * amendments that declare them (or not), appended in batches of 1 to 200 entries with
 * cosignatures and evidence in between, the views answer the same JSON, byte for byte:
 *   - folded batch by batch as the entries arrived (seal hook), read by a fresh reader and by a
 *     reader kept up to date between the batches (the incremental path);
 *   - after a restart;
 *   - after `remacto log reindex` (facts_store_rebuild: every log folded again in one go);
 *   - folded by nobody: the same logs written without the views' module, so that the reader
 *     folds every log itself (the reference: nothing stored is read);
 *   - that store, once caught up at start (facts_store_catch_up);
 *   - with a member record damaged (the reader folds that log itself, the catch-up folds it
 *     again), and with a cache too small to hold two members' states;
 *   - by a reader that memoised its results, after a cosignature that came alone.
 * The answers: the national overview with a 12-month trend at six days (month ends and days
 * inside months, before and after the late entries), every member's report at the same days,
 * and benchmarks of every catalog code by group, for a period and by default, with a member's
 * series.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "synth.h"
#include "views/benchmark.h"
#include "views/compliance.h"

#define NM 6
#define PER 700
#define NCOMMIT 8
#define NIND 6

static const char *const codes[] = { "TR-01", "AI-01", "AI-02", "CP-01", "DG-01" };
static const char *const asof_days[] = { "2024-03-15", "2024-06-30", "2024-11-17",
	                                 "2025-02-28", "2025-06-30", "2025-09-10" };

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static void
day_str(facts_day d, char out[11])
{
	facts_day_format(d, out);
}

/* Entry i of member k: its bytes into out (at most 4096), or garbage that does not decode. */
static size_t
entry(uint32_t k, uint32_t i, uint8_t *out)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__Text t = REMACTO__V1__TEXT__INIT;
	uint64_t r = mix((uint64_t)k << 32 | i);
	facts_day start = facts_day_parse("2024-01-01");
	facts_day d = start + i * 600 / PER;
	char pub[32], date[11], id[16], id2[16], period[16], field[48], ov[16], nv[16];

	t.fr = "texte";
	if (i > 20 && r % 23 == 0)
		d -= 40; /* published weeks late */
	if (i > 20 && r % 97 == 0)
		d += 400; /* a year ahead */
	day_str(d, date);
	snprintf(pub, sizeof(pub), "%sT10:00:00Z", date);
	e.schema = 1;
	e.published = i > 20 && r % 131 == 0 ? "" : pub; /* unknown: visible on every day */
	if (i > 20 && r % 61 == 0) {
		memcpy(out, "\xff\xff\xff\x07garbage", 11); /* a leaf that is not an Entry */
		return 11;
	}
	if (i == 0) {
		Remacto__V1__Programme p = REMACTO__V1__PROGRAMME__INIT;
		p.id = "P", p.title = &t;
		p.stage = REMACTO__V1__PROGRAMME_STAGE__PROGRAMME_STAGE_IMPLEMENTATION;
		e.kind_case = REMACTO__V1__ENTRY__KIND_PROGRAMME, e.programme = &p;
		return remacto__v1__entry__pack(&e, out);
	}
	if (i <= NCOMMIT || (i > 20 && r % 20 == 14)) {
		/* A commitment, or a new version of one: its end and due dates move on. */
		Remacto__V1__Commitment c = REMACTO__V1__COMMITMENT__INIT;
		Remacto__V1__Milestone ms[2], *msp[2];
		Remacto__V1__Principle pr[2];
		char mdue[2][11], end[11];
		unsigned n = i <= NCOMMIT ? i - 1 : (unsigned)(r / 20 % NCOMMIT);
		unsigned push = i <= NCOMMIT ? 0 : (unsigned)(r / 400 % 3) * 30;
		snprintf(id, sizeof(id), "C%u", n);
		pr[0] = (Remacto__V1__Principle)(n % 5 + 1);
		pr[1] = (Remacto__V1__Principle)((n + 2) % 5 + 1);
		if (k == 2 && pr[0] == 5)
			pr[0] = 1; /* member 2 misses digitalisation */
		if (k == 2 && pr[1] == 5)
			pr[1] = 2;
		c.id = id, c.programme_id = n == 7 ? "Q" : "P", c.title = &t;
		c.principles = pr, c.n_principles = pr[0] == pr[1] ? 1 : 2;
		c.start_date = "2024-02-01";
		day_str(facts_day_parse("2025-12-31") + push, end);
		c.end_date = end;
		for (int m = 0; m < 2; m++) {
			Remacto__V1__Milestone z = REMACTO__V1__MILESTONE__INIT;
			ms[m] = z;
			day_str(facts_day_parse("2024-05-31") +
			                (facts_day)(m * 200 + n * 11 + push),
			        mdue[m]);
			ms[m].id = m ? "M2" : "M1", ms[m].title = &t, ms[m].due_date = mdue[m];
			msp[m] = &ms[m];
		}
		c.milestones = msp, c.n_milestones = 2;
		e.kind_case = REMACTO__V1__ENTRY__KIND_COMMITMENT, e.commitment = &c;
		return remacto__v1__entry__pack(&e, out);
	}
	if (i <= NCOMMIT + NIND || (i > 20 && r % 20 == 15 && r % 3 == 0)) {
		/* An indicator, or a new version: its code or target changes. */
		Remacto__V1__Indicator ind = REMACTO__V1__INDICATOR__INIT;
		Remacto__V1__Target tg = REMACTO__V1__TARGET__INIT, *tgp = &tg;
		unsigned n = i <= NCOMMIT + NIND ? i - NCOMMIT - 1 : (unsigned)(r / 20 % NIND);
		static const char *const code[NIND] = { "TR-01", "AI-01", "AI-02",
			                                "CP-01", "TR-01", "" };
		snprintf(id, sizeof(id), "I%u", n);
		snprintf(id2, sizeof(id2), "C%u", n % NCOMMIT);
		ind.id = id, ind.commitment_id = id2, ind.ascending = n != 1;
		ind.catalog_code = (char *)(i > NCOMMIT + NIND && n == 5 ? "DG-01" : code[n]);
		tg.period = "2025", tg.value = i <= NCOMMIT + NIND ? 80 : 60 + (double)(r % 30);
		ind.targets = &tgp, ind.n_targets = 1;
		e.kind_case = REMACTO__V1__ENTRY__KIND_INDICATOR, e.indicator = &ind;
		return remacto__v1__entry__pack(&e, out);
	}
	switch (r % 20) {
	case 6:
	case 7:
	case 8:
	case 9:
	case 10:
	case 11:
	case 16: {
		Remacto__V1__Measurement mm = REMACTO__V1__MEASUREMENT__INIT;
		Remacto__V1__Dimension dim = REMACTO__V1__DIMENSION__INIT, *dimp = &dim;
		unsigned n = (unsigned)(r / 20 % NIND);
		facts_day prev = facts_month_end(d, 1);
		char pd[11];
		day_str(prev, pd);
		snprintf(id, sizeof(id), "I%u", n);
		if (n == 2) /* quarterly */
			snprintf(period, sizeof(period), "%.4s-Q%d", pd,
			         ((pd[5] - '0') * 10 + pd[6] - '0' - 1) / 3 + 1);
		else if (n == 3) /* yearly */
			snprintf(period, sizeof(period), "%.4s", pd);
		else if (n == 5 && r % 7 == 0)
			snprintf(period, sizeof(period), "later"); /* not a period */
		else
			snprintf(period, sizeof(period), "%.7s", pd);
		mm.indicator_id = id, mm.period = period;
		mm.value = (double)(r % 400) / 10.0;
		if (r % 9 == 0) {
			dim.name = "gender", dim.value = "female";
			mm.dimensions = &dimp, mm.n_dimensions = 1;
		}
		e.kind_case = REMACTO__V1__ENTRY__KIND_MEASUREMENT, e.measurement = &mm;
		return remacto__v1__entry__pack(&e, out);
	}
	case 12: {
		Remacto__V1__MilestoneUpdate mu = REMACTO__V1__MILESTONE_UPDATE__INIT;
		snprintf(id, sizeof(id), "C%u", (unsigned)(r / 20 % NCOMMIT));
		mu.commitment_id = id, mu.milestone_id = r % 3 ? "M1" : "M2", mu.date = date;
		mu.status = (Remacto__V1__MilestoneStatus)(r / 20 % 5);
		e.kind_case = REMACTO__V1__ENTRY__KIND_MILESTONE_UPDATE, e.milestone_update = &mu;
		return remacto__v1__entry__pack(&e, out);
	}
	case 13: {
		/* An amendment: a due date or an end pushed back (it may declare a version's change),
		 * a target lowered, or something else. */
		Remacto__V1__Amendment am = REMACTO__V1__AMENDMENT__INIT;
		unsigned n = (unsigned)(r / 20 % NCOMMIT), push = (unsigned)(r / 400 % 3) * 30;
		snprintf(id, sizeof(id), "C%u", n);
		am.subject = REMACTO__V1__SUBJECT__SUBJECT_COMMITMENT, am.subject_id = id;
		am.reason = &t, am.date = date;
		switch (r / 7 % 4) {
		case 0:
			snprintf(field, sizeof(field), "milestones[M1].dueDate");
			day_str(facts_day_parse("2024-05-31") + n * 11, ov);
			day_str(facts_day_parse("2024-05-31") + n * 11 + push, nv);
			break;
		case 1:
			snprintf(field, sizeof(field), "endDate");
			day_str(facts_day_parse("2025-12-31"), ov);
			day_str(facts_day_parse("2025-12-31") + push, nv);
			break;
		case 2:
			am.subject = REMACTO__V1__SUBJECT__SUBJECT_INDICATOR;
			snprintf(id, sizeof(id), "I%u", (unsigned)(r / 20 % NIND));
			snprintf(field, sizeof(field), "targets[2025]");
			snprintf(ov, sizeof(ov), "80");
			snprintf(nv, sizeof(nv), "%u", 50 + (unsigned)(r % 40));
			break;
		default:
			snprintf(field, sizeof(field), "title");
			snprintf(ov, sizeof(ov), "a"), snprintf(nv, sizeof(nv), "b");
		}
		am.field = field, am.old_value = ov, am.new_value = nv;
		e.kind_case = REMACTO__V1__ENTRY__KIND_AMENDMENT, e.amendment = &am;
		return remacto__v1__entry__pack(&e, out);
	}
	case 15: {
		Remacto__V1__Programme p = REMACTO__V1__PROGRAMME__INIT;
		p.id = r % 2 ? "P" : "Q", p.title = &t;
		p.stage = r / 20 % 4 ? REMACTO__V1__PROGRAMME_STAGE__PROGRAMME_STAGE_IMPLEMENTATION
		                     : REMACTO__V1__PROGRAMME_STAGE__PROGRAMME_STAGE_CLOSED;
		e.kind_case = REMACTO__V1__ENTRY__KIND_PROGRAMME, e.programme = &p;
		return remacto__v1__entry__pack(&e, out);
	}
	case 17: {
		Remacto__V1__Consultation co = REMACTO__V1__CONSULTATION__INIT;
		co.id = "K", co.programme_id = "P", co.date = date, co.subject = &t;
		e.kind_case = REMACTO__V1__ENTRY__KIND_CONSULTATION, e.consultation = &co;
		return remacto__v1__entry__pack(&e, out);
	}
	default: {
		Remacto__V1__StatusUpdate su = REMACTO__V1__STATUS_UPDATE__INIT;
		snprintf(id, sizeof(id), "C%u", (unsigned)(r / 20 % NCOMMIT));
		su.commitment_id = id, su.date = r % 5 ? date : "";
		su.completion = (Remacto__V1__Completion)(r / 20 % 6);
		e.kind_case = REMACTO__V1__ENTRY__KIND_STATUS_UPDATE, e.status_update = &su;
		return remacto__v1__entry__pack(&e, out);
	}
	}
}

/* ---- building a federation ---- */

struct batch {
	struct synth *sy;
	uint32_t k, from, n;
};

static int
batch_txn(MDB_txn *txn, void *arg)
{
	struct batch *b = arg;
	struct tlog_batch tb;
	uint8_t buf[4096];
	char err[256];
	int rc = tlog_batch_begin(&tb, &b->sy->s, txn, b->sy->origin[b->k]);
	for (uint32_t i = b->from; rc == 0 && i < b->from + b->n; i++) {
		size_t len = entry(b->k, i, buf);
		/* As a replica takes them: what the member signed, leniently. */
		rc = tlog_batch_add(&tb, txn, buf, len, false, err, sizeof(err));
	}
	if (rc == 0)
		rc = tlog_batch_seal(&tb, txn, &b->sy->key[b->k], NULL);
	tlog_batch_end(&tb);
	return rc;
}

/* Cosignatures and evidence after member k's batch ending at `size` (a witness the day after
 * the batch, now and then the member itself, which does not count). */
static void
witnesses(struct synth *sy, uint32_t k, uint32_t size)
{
	char day[11];
	facts_day d = facts_day_parse("2024-01-01") + (size - 1) * 600 / PER + 1;
	day_str(d, day);
	if (mix(k * 1000 + size) % 5 == 0)
		return; /* not every checkpoint is witnessed */
	synth_cosign(sy, sy->origin[k], size, "remacto.ma/witness-1", day);
	if (size % 3 == 0)
		synth_cosign(sy, sy->origin[k], size, "remacto.ma/witness-2", day);
	if (size % 4 == 0)
		synth_cosign(sy, sy->origin[k], size, sy->origin[k], day);
}

static char *answers(struct synth *sy, struct facts *f);

/* The federation; when `reader` is given, it is refreshed (and asked) between the batches. */
static void
build(struct synth *sy, bool bare, struct facts *reader)
{
	static const uint32_t sizes[] = { 1, 3, 17, 64, 1, 200, 9, 2 };
	char origin[64];

	synth_init_store(sy, bare);
	for (uint32_t k = 0; k < NM; k++) {
		static const char *const kinds[] = { "COMMUNE", "PREFECTURE", "REGION" };
		char hcp[16], region[8];
		snprintf(origin, sizeof(origin), "remacto.ma/m%u", k);
		snprintf(hcp, sizeof(hcp), "42101%02u", k);
		snprintf(region, sizeof(region), "0%u", k % 3 + 1);
		synth_member(sy, origin, kinds[k % 3], hcp, region, 10000 + 5000 * k,
		             k == 5 ? "2024-09-01" : "2023-12-01");
	}
	synth_catalog(sy, "TR-01", "TRANSPARENCY", true, false);
	synth_catalog(sy, "AI-01", "ACCESS_TO_INFORMATION", false, false);
	synth_catalog(sy, "AI-02", "ACCESS_TO_INFORMATION", true, false);
	synth_catalog(sy, "CP-01", "CITIZEN_PARTICIPATION", true, true);
	synth_catalog(sy, "DG-01", "DIGITALISATION", true, false);
	synth_registry(sy, "{\"schema\":1,\"published\":\"2023-12-02T09:00:00Z\","
	                   "\"compliancePolicy\":{\"livenessDays\":45,\"followUpDays\":60}}");
	uint32_t done[NM] = { 0 };
	for (unsigned round = 0;; round++) {
		bool more = false;
		for (uint32_t k = 0; k < NM; k++) {
			uint32_t n = sizes[(round + k) % 8];
			if (done[k] >= PER)
				continue;
			if (n > PER - done[k])
				n = PER - done[k];
			struct batch b = { sy, k, done[k], n };
			assert_int_equal(store_write(&sy->s, batch_txn, &b), 0);
			done[k] += n;
			more = true;
			if (!bare)
				witnesses(sy, k, done[k]);
		}
		if (reader && round % 5 == 0) {
			/* The node answers while the logs grow. */
			free(answers(sy, reader));
		}
		if (!more)
			break;
	}
	if (bare) {
		/* The same cosignatures, through a store that keeps them for the views. */
		sy->bare = false;
		synth_reopen(sy);
		for (uint32_t k = 0; k < NM; k++) {
			uint32_t size = 0;
			for (unsigned round = 0; size < PER; round++) {
				uint32_t n = sizes[(round + k) % 8];
				size += n > PER - size ? PER - size : n;
				witnesses(sy, k, size);
			}
		}
	}
	synth_evidence(sy, sy->origin[4], "remacto.ma/m4\n300\nAAAA\n\n— remacto.ma/m4 x\n",
	               "remacto.ma/m4\n300\nBBBB\n\n— remacto.ma/m4 y\n");
}

/* ---- the answers ---- */

static void
add(json_t *all, json_t *j)
{
	assert_non_null(j);
	json_array_append_new(all, j);
}

/* Everything the views answer, as one JSON text; with f (kept) or a fresh reader. */
static char *
answers(struct synth *sy, struct facts *keep)
{
	struct facts *f = keep ? keep : facts_new();
	json_t *all = json_array();
	assert_non_null(f);
	synth_refresh(sy, f);
	for (size_t a = 0; a < sizeof(asof_days) / sizeof(*asof_days); a++) {
		facts_day d = facts_day_parse(asof_days[a]);
		struct compliance_overview o;
		assert_int_equal(compliance_overview(f, d, 12, &o), 0);
		add(all, compliance_overview_json(f, &o));
		compliance_overview_free(&o);
		for (size_t i = 0; i < f->n_members; i++) {
			struct compliance_report r;
			assert_int_equal(compliance_member(f, f->members[i], d, &r), 0);
			add(all, compliance_report_json(f, &r));
			compliance_report_free(&r);
		}
	}
	for (size_t c = 0; c < sizeof(codes) / sizeof(*codes); c++) {
		static const enum benchmark_group groups[] = { BENCHMARK_ALL, BENCHMARK_KIND,
			                                       BENCHMARK_REGION };
		for (size_t g = 0; g < 3; g++) {
			for (int v = 0; v < 3; v++) {
				struct benchmark_query q = {
					.code = codes[c],
					.group = groups[g],
					.period = v == 1   ? "2024-10"
					          : v == 2 ? "2024"
					                   : NULL,
					.member = g == 1 ? "m1" : NULL,
				};
				struct benchmark_result r;
				const char *bad;
				char err[256];
				if (benchmark_run(f, &q, &r, &bad, err, sizeof(err)) != 0)
					fail_msg("benchmark %s: %s", codes[c], err);
				add(all, benchmark_result_json(f, &r));
				benchmark_result_free(&r);
			}
		}
	}
	if (!keep)
		facts_free(f);
	return synth_dump(all);
}

static uint64_t
tail_entries(struct synth *sy)
{
	struct facts *f = facts_new();
	char *s = answers(sy, f);
	uint64_t n = f->folded;
	free(s);
	facts_free(f);
	return n;
}

/* ---- the tests ---- */

static struct synth sy;
static char *reference;

/* The answers are the reference's, byte for byte (else: where they part). */
static void
same(const char *what, const char *got)
{
	size_t i = 0;
	while (reference[i] && reference[i] == got[i])
		i++;
	if (reference[i] || got[i])
		fail_msg("%s: the answers part at byte %zu: ...%.120s... instead of ...%.120s...",
		         what, i, got + (i > 40 ? i - 40 : 0), reference + (i > 40 ? i - 40 : 0));
}


static int
setup(void **state)
{
	struct synth ref;
	(void)state;
	/* The reference: logs written without the module, every one folded by the reader. */
	build(&ref, true, NULL);
	reference = answers(&ref, NULL);
	assert_int_equal(tail_entries(&ref), NM * PER);
	/* The same, caught up as a node does at start. */
	char err[512];
	synth_end_read(&ref);
	assert_int_equal(facts_store_catch_up(&ref.s, NULL, NULL, err, sizeof(err)), 0);
	char *caught = answers(&ref, NULL);
	same("caught up at start", caught);
	assert_int_equal(tail_entries(&ref), 0);
	free(caught);
	synth_free(&ref);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(reference);
	return 0;
}

static void
test_folded_as_they_came(void **state)
{
	struct facts *reader = facts_new();
	(void)state;
	assert_non_null(reader);
	build(&sy, false, reader);
	/* Every batch was folded when sealed: the reader folds nothing itself. */
	assert_int_equal(tail_entries(&sy), 0);
	char *fresh = answers(&sy, NULL);
	same("folded batch by batch", fresh);
	free(fresh);
	/* The reader that followed the logs as they grew answers the same. */
	char *followed = answers(&sy, reader);
	same("a reader that followed", followed);
	free(followed);
	facts_free(reader);
}

static void
test_restart_and_reindex(void **state)
{
	char err[512];
	(void)state;
	synth_reopen(&sy);
	char *s = answers(&sy, NULL);
	same("after a restart", s);
	free(s);
	synth_end_read(&sy);
	assert_int_equal(index_rebuild(&sy.s, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(facts_store_rebuild(&sy.s, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(tail_entries(&sy), 0);
	s = answers(&sy, NULL);
	same("after reindex", s);
	free(s);
}

static int
damage_txn(MDB_txn *txn, void *arg)
{
	struct synth *s = arg;
	MDB_dbi db;
	Remacto__Store__LogRecord *rec;
	uint8_t k[4], junk[40];
	int rc = store_log_get(&s->s, txn, s->origin[3], &rec);
	if (rc != 0)
		return rc;
	k[0] = (uint8_t)(rec->id >> 24), k[1] = (uint8_t)(rec->id >> 16);
	k[2] = (uint8_t)(rec->id >> 8), k[3] = (uint8_t)rec->id;
	remacto__store__log_record__free_unpacked(rec, NULL);
	memset(junk, 0x5a, sizeof(junk));
	MDB_val key = { 4, k }, v = { sizeof(junk), junk };
	assert_int_equal(store_db(&s->s, "fx:member", &db), 0);
	return mdb_put(txn, db, &key, &v, 0);
}

/* A member record that does not parse (damage, another format): the reader folds that log
 * itself, and the next catch-up folds it again into the store. */
static void
test_damaged_record(void **state)
{
	char err[512];
	(void)state;
	synth_end_read(&sy);
	assert_int_equal(store_write(&sy.s, damage_txn, &sy), 0);
	assert_int_equal(tail_entries(&sy), PER);
	char *s = answers(&sy, NULL);
	same("a damaged member record", s);
	free(s);
	synth_end_read(&sy);
	assert_int_equal(facts_store_catch_up(&sy.s, NULL, NULL, err, sizeof(err)), 0);
	assert_int_equal(tail_entries(&sy), 0);
	s = answers(&sy, NULL);
	same("the damaged record folded again", s);
	free(s);
}

/* A cache smaller than two members' states: states are read again as the views need them. */
static void
test_small_cache(void **state)
{
	struct facts *f = facts_new();
	(void)state;
	assert_non_null(f);
	f->cache_max = 1;
	char *s = answers(&sy, f);
	same("a small cache", s);
	assert_true(f->loaded > 10 * NM);
	assert_true(f->cache_bytes < 64 * 1024);
	free(s);
	facts_free(f);
}

/* compliance_overview_dump writes what jansson writes of compliance_overview_json, byte for
 * byte: as the registry says, then with names to escape and suspended members, the rows kept
 * with the members written again once the registry changed. */
static void
test_overview_dump(void **state)
{
	struct facts *f = facts_new();
	facts_day d = facts_day_parse("2025-06-30");
	(void)state;
	assert_non_null(f);
	synth_refresh(&sy, f);
	for (int round = 0; round < 2; round++) {
		struct compliance_overview o;
		size_t len = 0;
		assert_int_equal(compliance_overview(f, d, 12, &o), 0);
		char *mine = compliance_overview_dump(f, &o, &len);
		json_t *j = compliance_overview_json(f, &o);
		char *ref = json_dumps(j, COMPLIANCE_JSON_FLAGS);
		json_decref(j);
		compliance_overview_free(&o);
		assert_non_null(mine);
		assert_non_null(ref);
		assert_int_equal(strlen(mine), len);
		assert_string_equal(mine, ref);
		if (round == 1)
			assert_non_null(strstr(mine, "\"suspensionIndex\":17"));
		free(mine);
		free(ref);
		struct facts_member *m = f->members[1], *n = f->members[2];
		free(m->name_fr);
		m->name_fr = strdup("Commune \"Nord\"\\\n\t\x01 \xc3\xa9/\xe2\x82\xac");
		assert_non_null(m->name_fr);
		m->suspended = true, m->suspended_at = 321, m->suspension_index = 17;
		n->suspended = true, n->suspended_at = 5, n->suspension_index = 0;
		f->registry_gen = ++f->clock;
	}
	facts_free(f);
}

/* benchmark_result_dump writes what jansson writes of benchmark_result_json, byte for byte:
 * every code by every group, for a period and by default, with and without a reference member;
 * then with values no ledger holds yet (tiny, huge, negative, not finite) in the rows. */
static void
test_benchmark_dump(void **state)
{
	static const double odd[] = {
		1e-7, 123456789012345.67, -0.5, 2.5e-10,  1e20 + 0.5, -0.0,
		NAN,  INFINITY,           0.1,  -123.456, 1e300,      9007199254740993.0,
		3.0
	};
	static const enum benchmark_group groups[] = { BENCHMARK_ALL, BENCHMARK_KIND,
		                                       BENCHMARK_POPULATION, BENCHMARK_REGION };
	struct facts *f = facts_new();
	size_t n = 0;
	(void)state;
	assert_non_null(f);
	synth_refresh(&sy, f);
	for (size_t c = 0; c < sizeof(codes) / sizeof(*codes); c++) {
		for (size_t g = 0; g < 4; g++) {
			for (int v = 0; v < 4; v++) {
				struct benchmark_query q = {
					.code = codes[c],
					.group = groups[g],
					.period = v == 1 ? "2024-10" : NULL,
					.member = v >= 2 ? "m2" : NULL,
				};
				struct benchmark_result r;
				const char *bad;
				char err[256];
				size_t len = 0;
				assert_int_equal(benchmark_run(f, &q, &r, &bad, err, sizeof(err)),
				                 0);
				for (size_t k = 0; v == 3 && k < r.n_groups; k++)
					for (size_t i = 0; i < r.groups[k].n_rows; i++) {
						struct benchmark_row *row = &r.groups[k].rows[i];
						row->value = odd[n % 13],
						row->raw = odd[(n + 5) % 13];
						row->percentile = odd[(n + 9) % 13], n++;
					}
				char *mine = benchmark_result_dump(f, &r, &len);
				json_t *j = benchmark_result_json(f, &r);
				char *ref = json_dumps(j, COMPLIANCE_JSON_FLAGS);
				json_decref(j);
				benchmark_result_free(&r);
				assert_non_null(mine);
				assert_non_null(ref);
				assert_int_equal(strlen(mine), len);
				assert_string_equal(mine, ref);
				free(mine);
				free(ref);
			}
		}
	}
	assert_true(n > 13);
	facts_free(f);
}

/* The overview's and a benchmark's texts as the API sends them, from f. */
static char *
texts(struct synth *s, struct facts *f, facts_day d)
{
	struct benchmark_query q = { .code = "TR-01", .group = BENCHMARK_KIND, .member = "m0" };
	char *o, *b, err[256];
	const char *bad;
	size_t ol, bl;
	synth_refresh(s, f);
	assert_int_equal(compliance_overview_text(f, d, 12, &o, &ol), 0);
	assert_int_equal(benchmark_text(f, &q, &b, &bl, &bad, err, sizeof(err)), 0);
	assert_int_equal(strlen(o), ol);
	assert_int_equal(strlen(b), bl);
	char *all = malloc(ol + bl + 2);
	assert_non_null(all);
	sprintf(all, "%s\n%s", o, b);
	free(o);
	free(b);
	return all;
}

/* A cosignature that comes alone (the log unchanged) changes what the views say of witnessing:
 * a reader that memoised its results and answers answers as a fresh reader does. Long after
 * the logs' last entries no member is live (witnessed within the policy's 45 days); a witness
 * cosigns m0's checkpoint five days before. */
static void
test_cosignature_alone(void **state)
{
	facts_day d = facts_day_parse("2026-01-15");
	struct facts *f = facts_new(), *g = facts_new();
	(void)state;
	assert_non_null(f);
	assert_non_null(g);
	char *before = texts(&sy, f, d);
	char *again = texts(&sy, f, d);
	assert_string_equal(before, again); /* memoised */
	synth_cosign(&sy, sy.origin[0], PER, "remacto.ma/witness-1", "2026-01-10");
	char *after = texts(&sy, f, d);
	char *fresh = texts(&sy, g, d);
	assert_string_equal(after, fresh);
	assert_string_not_equal(before, after);
	free(fresh);
	facts_free(g);

	/* Another member cosigned, then a refresh of one member only (a member's report) in that
	 * snapshot: the next full refresh still checks the others. */
	char err[256];
	synth_cosign(&sy, sy.origin[1], PER, "remacto.ma/witness-1", "2026-01-11");
	synth_end_read(&sy);
	assert_int_equal(store_read_begin(&sy.s, &sy.rtxn), 0);
	assert_int_equal(facts_refresh(f, &sy.s, sy.rtxn, sy.origin[0], err, sizeof(err)), 0);
	char *later = texts(&sy, f, d);
	g = facts_new();
	assert_non_null(g);
	fresh = texts(&sy, g, d);
	assert_string_equal(later, fresh);
	assert_string_not_equal(after, later);
	free(before);
	free(again);
	free(after);
	free(later);
	free(fresh);
	facts_free(f);
	facts_free(g);
	synth_free(&sy);
}

/* The answer memo: served while the clock stands, never after it moved; bounded in count and
 * bytes, least recently used out. */
static void
test_answer_memo(void **state)
{
	struct facts *f = facts_new();
	char key[16];
	size_t len;
	(void)state;
	assert_non_null(f);
	facts_answer_put(f, "a", (const uint8_t *)"one", 3);
	assert_null(facts_answer_get(f, "a", &len)); /* not refreshed: every member unchecked */
	f->all_checked = true;                       /* as after a refresh of every member */
	assert_null(facts_answer_get(f, "b", &len));
	const uint8_t *t = facts_answer_get(f, "a", &len);
	assert_non_null(t);
	assert_int_equal(len, 3);
	assert_memory_equal(t, "one", 3);
	facts_answer_put(f, "a", (const uint8_t *)"two", 3); /* the same question again */
	assert_memory_equal(facts_answer_get(f, "a", &len), "two", 3);
	f->clock++; /* something changed */
	assert_null(facts_answer_get(f, "a", &len));
	for (int i = 0; i <= FACTS_ANSWERS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (i == FACTS_ANSWERS) /* full: k0 used again, so k1 goes */
			assert_non_null(facts_answer_get(f, "k0", &len));
		facts_answer_put(f, key, (const uint8_t *)key, strlen(key));
	}
	assert_non_null(facts_answer_get(f, "k0", &len));
	assert_null(facts_answer_get(f, "k1", &len));
	for (int i = 2; i <= FACTS_ANSWERS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_non_null(facts_answer_get(f, key, &len));
	}
	/* Bytes: a text over the bound is not kept; two halves of it do not fit together. */
	size_t half = FACTS_ANSWER_BYTES / 2 + 1;
	uint8_t *big = calloc(1, FACTS_ANSWER_BYTES + 1);
	assert_non_null(big);
	facts_answer_put(f, "big", big, FACTS_ANSWER_BYTES + 1);
	assert_null(facts_answer_get(f, "big", &len));
	facts_answer_put(f, "h1", big, half);
	facts_answer_put(f, "h2", big, half);
	assert_null(facts_answer_get(f, "h1", &len));
	assert_non_null(facts_answer_get(f, "h2", &len));
	assert_int_equal(len, half);
	free(big);
	facts_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folded_as_they_came),
		cmocka_unit_test(test_restart_and_reindex),
		cmocka_unit_test(test_damaged_record),
		cmocka_unit_test(test_small_cache),
		cmocka_unit_test(test_overview_dump),
		cmocka_unit_test(test_benchmark_dump),
		cmocka_unit_test(test_cosignature_alone),
		cmocka_unit_test(test_answer_memo),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
