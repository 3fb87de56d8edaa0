/*
 * Tests for peers/bans.c, the table of inbound peers the transport remembers after their
 * sessions: entries made back to back on a full table both survive (the one just made is never
 * the one forgotten: it lost address bans before), a refused entry outlives idle ones when the
 * table is full, refusals grow with repeated violations up to the backoff cap, and they decay
 * when the peer behaves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "peers/bans.h"
#include "peers/handshake.h"

static void
key(uint8_t pub[32], unsigned n)
{
	memset(pub, 0, 32);
	pub[0] = (uint8_t)n;
	pub[1] = (uint8_t)(n >> 8);
	pub[31] = 0xaa;
}

/* A full table of idle entries; two new keys in a row: both are kept. */
static void
test_new_entries_survive_a_full_table(void **state)
{
	(void)state;
	struct bans b;
	uint8_t pub[32], a[32], c[32];
	int64_t now = 1000000;

	bans_init(&b, 8);
	for (unsigned i = 0; i < 8; i++) {
		key(pub, i);
		assert_non_null(bans_get(&b, pub, now - 1000 + i));
	}
	assert_int_equal(b.n, 8);
	key(a, 100);
	key(c, 101);
	struct ban *ea = bans_get(&b, a, now);
	assert_non_null(ea);
	bans_violation(ea, "remacto.ma/a", now, 0);
	assert_non_null(bans_get(&b, c, now));
	assert_non_null(bans_find(&b, a));
	assert_non_null(bans_find(&b, c));
	assert_true(bans_refused_ms(&b, a, now) > 0);
	assert_int_equal(b.n, 8);
	/* The two oldest idle entries went instead. */
	key(pub, 0);
	assert_null(bans_find(&b, pub));
	key(pub, 1);
	assert_null(bans_find(&b, pub));
	bans_free(&b);
}

/* When the table is full, an entry still refused outlives idle ones, however old. */
static void
test_refused_outlives_idle(void **state)
{
	(void)state;
	struct bans b;
	uint8_t pub[32], bad[32];
	int64_t now = 5000000;

	bans_init(&b, 4);
	key(bad, 77);
	bans_violation(bans_get(&b, bad, now - 10), "", now - 10, 0);
	for (unsigned i = 0; i < 10; i++) {
		key(pub, i);
		assert_non_null(bans_get(&b, pub, now + i));
	}
	assert_non_null(bans_find(&b, bad));
	assert_true(bans_refused_ms(&b, bad, now + 10) > 0);
	bans_free(&b);
}

/* Refusals grow with each violation, up to the cap; a peer that behaves is forgiven step by
 * step (BANS_DECAY_MS per step), so an old ban does not weigh on it for good. */
static void
test_refusal_grows_and_decays(void **state)
{
	(void)state;
	struct bans b;
	uint8_t pub[32];
	int64_t now = 1000000;
	int64_t prev = 0;

	bans_init(&b, 16);
	key(pub, 5);
	struct ban *e = bans_get(&b, pub, now);
	/* rnd 25 gives a jitter factor of exactly 1. */
	for (unsigned i = 1; i <= 12; i++) {
		bans_violation(e, "", now, 25);
		int64_t left = bans_refused_ms(&b, pub, now);
		assert_true(left >= prev);
		assert_true(left <= (int64_t)PEER_BACKOFF_MAX_S * 1000);
		prev = left;
	}
	assert_int_equal(prev, (int64_t)PEER_BACKOFF_MAX_S * 1000);
	assert_int_equal(e->violations, 12);
	/* Refused no more once the delay ran out. */
	assert_int_equal(bans_refused_ms(&b, pub, now + prev), 0);
	/* Long after, one more violation costs what a first one does. */
	int64_t later = now + 12 * (int64_t)BANS_DECAY_MS + prev;
	bans_violation(e, "", later, 25);
	assert_int_equal(bans_refused_ms(&b, pub, later), PEER_BACKOFF_MIN_MS);
	assert_int_equal(e->violations, 13);
	/* A short while after a violation, the next one costs more. */
	bans_violation(e, "", later + 1000, 25);
	assert_int_equal(bans_refused_ms(&b, pub, later + 1000), 2 * PEER_BACKOFF_MIN_MS);
	bans_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_entries_survive_a_full_table),
		cmocka_unit_test(test_refused_outlives_idle),
		cmocka_unit_test(test_refusal_grows_and_decays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
