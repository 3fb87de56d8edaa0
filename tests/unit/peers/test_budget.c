/*
 * Tests for peers/budget.c, the byte budgets the transport's sessions share: a class never
 * passes its cap nor the whole its own, whatever the order of takes; what is given back can be
 * taken again; forced takes (control messages) count, and nothing more is taken until the
 * budget is back under its cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "peers/budget.h"

static void
test_class_and_total_caps(void **state)
{
	(void)state;
	struct budget b;
	budget_init(&b, 100, 100, 30);
	/* Anonymous sessions stop at their class cap... */
	assert_true(budget_take(&b, PEER_CLASS_ANON, 20));
	assert_true(budget_take(&b, PEER_CLASS_ANON, 10));
	assert_false(budget_take(&b, PEER_CLASS_ANON, 1));
	assert_false(budget_room(&b, PEER_CLASS_ANON));
	/* ...while members still get the rest of the whole, and no more. */
	assert_true(budget_take(&b, PEER_CLASS_MEMBER, 70));
	assert_false(budget_take(&b, PEER_CLASS_MEMBER, 1));
	assert_int_equal(b.used, 100);
	budget_give(&b, PEER_CLASS_ANON, 10);
	assert_false(budget_take(&b, PEER_CLASS_ANON, 11));
	assert_true(budget_take(&b, PEER_CLASS_MEMBER, 10));
	assert_false(budget_take(&b, PEER_CLASS_ANON, 1));
	budget_give(&b, PEER_CLASS_MEMBER, 10);
	assert_true(budget_take(&b, PEER_CLASS_ANON, 10));
	assert_int_equal(b.class_used[PEER_CLASS_ANON], 30);
	assert_int_equal(b.class_used[PEER_CLASS_MEMBER], 70);
}

static void
test_forced_takes_block_until_given_back(void **state)
{
	(void)state;
	struct budget b;
	budget_init(&b, 100, 100, 10);
	budget_force(&b, PEER_CLASS_ANON, 15);
	assert_int_equal(b.class_used[PEER_CLASS_ANON], 15);
	assert_false(budget_take(&b, PEER_CLASS_ANON, 0));
	assert_false(budget_room(&b, PEER_CLASS_ANON));
	assert_true(budget_room(&b, PEER_CLASS_MEMBER));
	budget_force(&b, PEER_CLASS_MEMBER, 90);
	assert_false(budget_take(&b, PEER_CLASS_MEMBER, 1));
	assert_false(budget_room(&b, PEER_CLASS_MEMBER));
	budget_give(&b, PEER_CLASS_MEMBER, 90);
	budget_give(&b, PEER_CLASS_ANON, 15);
	assert_int_equal(b.used, 0);
	assert_true(budget_take(&b, PEER_CLASS_ANON, 10));
	/* Giving back more than was taken never wraps around. */
	budget_give(&b, PEER_CLASS_ANON, 50);
	assert_int_equal(b.used, 0);
	assert_int_equal(b.class_used[PEER_CLASS_ANON], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_and_total_caps),
		cmocka_unit_test(test_forced_takes_block_until_given_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
