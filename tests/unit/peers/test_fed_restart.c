/*
 * Tests for what a start judges again (peers/fed_recheck.c, issue 12): a start no longer
 * verifies every held log's checkpoint signature again (it was verified when stored), but what
 * the registry changed while the node was down is still applied at its first tick: a rotation
 * that reaches back makes the log fall back to the newest checkpoint the registry still allows,
 * a suspension to one at or below its size, tree untouched; a record whose key is not the key
 * that signed its note is judged in full; a registry change that does not concern the log
 * leaves it as it was. On fed_fixture.h, without sockets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "fed_fixture.h"

/* The local node holds A at 5 (checkpoints 1 to 5 under A's first key) and has judged it. */
static void
held_at_5(struct fx *f)
{
	build_log(f, &f->local.s, "x", 5);
	tick(f);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 5);
}

static void
tree_is_5(struct fx *f)
{
	struct tlog_head *h = head(&f->local.s, ORIGIN_A);
	assert_int_equal(h->size, 5);
	free(h);
}

/* A rotation from 4 reached the node's registry while it was down (a restored registry, an
 * operator's import): at start A serves its checkpoint of 3. */
static void
test_rotation_while_down(void **state)
{
	struct fx *f = *state;
	held_at_5(f);
	fed_destroy(f->fed), f->fed = NULL;
	rotate_a(f, &f->local.s, 4);
	fed_again(f, NULL);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 5); /* nothing judged before the tick */
	tick(f);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 3);
	tree_is_5(f);
}

/* A suspension at 2 while down: at start A serves its checkpoint of 2. */
static void
test_suspension_while_down(void **state)
{
	struct fx *f = *state;
	held_at_5(f);
	fed_destroy(f->fed), f->fed = NULL;
	suspend(f, &f->local.s, ORIGIN_A, 2, false);
	fed_again(f, NULL);
	tick(f);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 2);
	tree_is_5(f);
}

/* The record names a key the registry allows at 5 (a2, after a rotation from 4), but its note
 * is signed by A's first key: the record's key is not taken for the note's, the note is
 * judged in full and refused, and A falls back to 3. */
static void
test_record_key_not_the_notes(void **state)
{
	struct fx *f = *state;
	held_at_5(f);
	fed_destroy(f->fed), f->fed = NULL;
	rotate_a(f, &f->local.s, 4);
	assert_int_equal(tlog_set_key(&f->local.s, ORIGIN_A, f->a2_vkey, ""), 0);
	fed_again(f, NULL);
	tick(f);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 3);
	tree_is_5(f);
}

/* The registry grew while down without touching A (B admitted): A keeps serving 5; so does it
 * after a rotation of A from a size past what it holds. */
static void
test_unrelated_change_keeps(void **state)
{
	struct fx *f = *state;
	held_at_5(f);
	fed_destroy(f->fed), f->fed = NULL;
	admit(f, &f->local.s, ORIGIN_B, f->b_vkey, "001.02");
	fed_again(f, NULL);
	tick(f);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 5);
	fed_destroy(f->fed), f->fed = NULL;
	rotate_a(f, &f->local.s, 6);
	fed_again(f, NULL);
	tick(f);
	assert_int_equal(served(&f->local.s, ORIGIN_A), 5);
	tree_is_5(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rotation_while_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suspension_while_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_key_not_the_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unrelated_change_keeps, setup, teardown),
	};
	return cmocka_run_group_tests_name("fed_restart", tests, NULL, NULL);
}
