/*
 * Tests of the views' fold of a batch as its entries are added (node/views/facts_store.c, the
 * store's batch hooks in node/store/store.h): the append decodes each entry for the store's
 * modules, and the views fold it then instead of reading the sealed batch back. What the store
 * keeps folded must be the fold of exactly the entries the batch committed:
 *   - a publication refused by the index after some of its entries were added (its nested
 *     transaction aborted, the batch's size put back, as the daemon's group commit does), then
 *     more publications in the same batch: the refused entries are not folded;
 *   - a publication refused at its first entry (the views never saw it): the rest is folded;
 *   - a batch whose last publication is refused, sealed smaller than what was added;
 *   - a transaction aborted after its batch sealed: nothing of it is folded.
 * The member's objects are read from the store's fold (the reader folds no tail), and its
 * compliance report is the same, byte for byte, after `remacto log reindex` folds the log
 * again from its entries.
 */
#include <errno.h>
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
#include "views/compliance.h"

#define E(body) "{\"schema\":1,\"published\":\"2024-03-01T10:00:00Z\"," body "}"
#define C(id)                                                                                 \
	E("\"commitment\":{\"id\":\"" id "\",\"programmeId\":\"P\",\"title\":{\"fr\":\"T\"}," \
	  "\"principles\":[\"PRINCIPLE_TRANSPARENCY\"],\"startDate\":\"2024-04-01\","         \
	  "\"endDate\":\"2026-12-31\",\"milestones\":[{\"id\":\"M1\",\"title\":{\"fr\":"      \
	  "\"J\"},\"dueDate\":\"2025-03-31\"}]}")
/* A status update of a commitment the log does not hold: the index refuses it (strict). */
#define NOPE                                                                     \
	E("\"statusUpdate\":{\"commitmentId\":\"NOPE\",\"date\":\"2024-05-01\"," \
	  "\"completion\":\"COMPLETION_LIMITED\"}")

static const char *const base[] = {
	E("\"programme\":{\"id\":\"P\",\"title\":{\"fr\":\"Programme\"},"
	  "\"stage\":\"PROGRAMME_STAGE_IMPLEMENTATION\"}"),
	C("C0"),
};

/* One publication: its entries. */
struct pub {
	const char *json[2];
	size_t n;
};

/* One writer round of publications, as node/daemon/publish.c runs them: one tlog batch in the
 * round's transaction, each publication added in its own nested transaction, rolled back alone
 * (the batch's size put back) when the index refuses one of its entries, then one seal. abort:
 * the round's transaction fails after the seal (nothing of it is stored). */
struct round {
	struct synth *sy;
	const struct pub *pubs;
	size_t n;
	bool abort;
	size_t refused;
};

static int
round_txn(MDB_txn *txn, void *arg)
{
	struct round *r = arg;
	struct tlog_batch b;
	int rc = tlog_batch_begin(&b, &r->sy->s, txn, r->sy->origin[0]);
	if (rc != 0)
		return rc;
	for (size_t p = 0; p < r->n && rc == 0; p++) {
		struct merkle_range saved = b.range;
		MDB_txn *child;
		int jrc = 0;
		if ((rc = mdb_txn_begin(r->sy->s.env, txn, 0, &child)) != 0)
			break;
		for (size_t i = 0; i < r->pubs[p].n && jrc == 0; i++) {
			json_error_t je;
			json_t *j = json_loads(r->pubs[p].json[i], 0, &je);
			uint8_t *data;
			size_t len;
			char err[256];
			assert_non_null(j);
			assert_int_equal(entry_from_json(j, &data, &len, err, sizeof(err)), 0);
			json_decref(j);
			jrc = tlog_batch_add(&b, child, data, len, true, err, sizeof(err));
			free(data);
		}
		if (jrc == 0) {
			rc = mdb_txn_commit(child);
		} else {
			assert_int_equal(jrc, -EINVAL);
			mdb_txn_abort(child);
			b.range = saved;
			r->refused++;
		}
	}
	if (rc == 0)
		rc = tlog_batch_seal(&b, txn, &r->sy->key[0], NULL);
	tlog_batch_end(&b);
	return rc == 0 && r->abort ? -ECANCELED : rc;
}

static void
run_round(struct synth *sy, const struct pub *pubs, size_t n, bool abort, size_t refused)
{
	struct round r = { sy, pubs, n, abort, 0 };
	assert_int_equal(store_write(&sy->s, round_txn, &r), abort ? -ECANCELED : 0);
	assert_int_equal(r.refused, refused);
}

static struct facts_member *
member(struct facts *f, const char *origin)
{
	for (size_t i = 0; i < f->n_members; i++)
		if (!strcmp(f->members[i]->origin, origin))
			return f->members[i];
	fail_msg("no member %s", origin);
	return NULL;
}

/* The member's compliance report, read by a fresh reader (caller frees). */
static char *
report(struct synth *sy)
{
	struct facts *f = facts_new();
	struct compliance_report r;
	assert_non_null(f);
	synth_refresh(sy, f);
	assert_int_equal(
	        compliance_member(f, member(f, sy->origin[0]), facts_day_parse("2025-06-30"), &r),
	        0);
	char *s = synth_dump(compliance_report_json(f, &r));
	compliance_report_free(&r);
	facts_free(f);
	return s;
}

static void
test_folds_what_was_committed(void **state)
{
	static const struct pub r1[] = { { { C("KEPT1") }, 1 },
		                         { { C("ROLLED1"), NOPE }, 2 },
		                         { { C("KEPT2") }, 1 } };
	static const struct pub r2[] = { { { C("KEPT3") }, 1 },
		                         { { NOPE, C("ROLLED2") }, 2 },
		                         { { C("KEPT4") }, 1 } };
	static const struct pub r3[] = { { { C("KEPT5") }, 1 }, { { C("ROLLED3"), NOPE }, 2 } };
	static const struct pub r4[] = { { { C("ROLLED4") }, 1 } };
	static const char *const kept[] = { "C0", "KEPT1", "KEPT2", "KEPT3", "KEPT4", "KEPT5" };
	static const char *const rolled[] = { "ROLLED1", "ROLLED2", "ROLLED3", "ROLLED4" };
	struct synth sy;
	char err[512];
	int rc;
	(void)state;

	synth_init(&sy);
	synth_member(&sy, "remacto.ma/m0", "COMMUNE", "4210100", "01", 20000, "2023-12-01");
	synth_registry(&sy, "{\"schema\":1,\"published\":\"2023-12-02T09:00:00Z\","
	                    "\"compliancePolicy\":{\"livenessDays\":45,\"followUpDays\":60}}");
	synth_log(&sy, 0, base, 2);
	run_round(&sy, r1, 3, false, 1);
	run_round(&sy, r2, 3, false, 1);
	run_round(&sy, r3, 2, false, 1);
	run_round(&sy, r4, 1, true, 0);

	/* The store's fold covers the log (the reader folds no tail of it), and holds the
	 * commitments committed, none of those rolled back or aborted. */
	struct facts *f = facts_new();
	assert_non_null(f);
	synth_refresh(&sy, f);
	struct facts_member *m = member(f, sy.origin[0]);
	assert_int_equal(m->size, 2 + 5);
	assert_int_equal(m->stored, m->size);
	const struct facts_state *st = facts_state(f, m, &rc);
	assert_non_null(st);
	assert_int_equal(st->n_commitments, 6);
	for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++)
		if (facts_commitment_slot(st, facts_string_find(f, kept[i])) == FACTS_NO_SLOT)
			fail_msg("commitment %s committed, not in the views' fold", kept[i]);
	for (size_t i = 0; i < sizeof(rolled) / sizeof(*rolled); i++)
		if (facts_commitment_slot(st, facts_string_find(f, rolled[i])) != FACTS_NO_SLOT)
			fail_msg("commitment %s rolled back, yet in the views' fold", rolled[i]);
	facts_free(f);

	/* The same answers as the log folded again from its entries. */
	char *before = report(&sy);
	synth_end_read(&sy);
	assert_int_equal(facts_store_rebuild(&sy.s, NULL, NULL, err, sizeof(err)), 0);
	char *after = report(&sy);
	assert_string_equal(before, after);
	free(before);
	free(after);
	synth_free(&sy);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folds_what_was_committed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
