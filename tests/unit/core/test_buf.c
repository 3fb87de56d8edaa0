/*
 * Unit tests of node/core/buf.c: appends keep the data NUL-terminated and grow it, printf
 * appends of every size (the vsnprintf retry), the cap refused before allocating and kept as a
 * sticky error, steal/reset/free, and a caller's own failure reported through buf_fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"

static void
test_append(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	assert_int_equal(buf_puts(&b, "ab"), 0);
	assert_int_equal(buf_putc(&b, 'c'), 0);
	assert_int_equal(buf_put(&b, "d\0e", 3), 0); /* bytes, NUL included */
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "abcd\0e", 7); /* and the terminating NUL */
	assert_int_equal(buf_put(&b, NULL, 0), 0);
	assert_int_equal(b.len, 6);
	/* Growth past the first allocation keeps what was there. */
	for (int i = 0; i < 10000; i++)
		assert_int_equal(buf_putc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 10006);
	assert_true(b.cap > b.len);
	assert_memory_equal(b.data, "abcd\0e", 6);
	assert_int_equal(b.data[6 + 26], 'a');
	assert_int_equal(b.data[b.len], '\0');
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	buf_free(NULL);
}

static void
test_printf(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	char big[5000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';

	assert_int_equal(buf_printf(&b, "%d-%s", 42, "a"), 0);
	assert_string_equal(b.data, "42-a");
	/* Larger than what is allocated: the second vsnprintf writes it whole. */
	assert_int_equal(buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 4 + 2 + 4999);
	assert_int_equal(b.data[4], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 4 + 2 + 4999);
	/* Exactly filling the room left: no byte lost to the NUL. */
	size_t room = b.cap - b.len - 1;
	char *fill = malloc(room + 1);
	memset(fill, 'y', room);
	fill[room] = '\0';
	assert_int_equal(buf_printf(&b, "%s", fill), 0);
	assert_int_equal(b.data[b.len - 1], 'y');
	assert_int_equal(strlen(b.data), b.len);
	free(fill);
	buf_free(&b);
}

static void
test_cap(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(10);
	assert_int_equal(buf_puts(&b, "0123456789"), 0); /* exactly the cap */
	assert_int_equal(buf_putc(&b, 'x'), -EMSGSIZE);
	assert_int_equal(b.err, -EMSGSIZE);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	/* Sticky: later appends, even fitting ones, do nothing and report the first error. */
	b.len = 2;
	assert_int_equal(buf_puts(&b, "a"), -EMSGSIZE);
	assert_int_equal(buf_printf(&b, "%d", 1), -EMSGSIZE);
	assert_int_equal(b.len, 2);
	buf_reset(&b);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.len, 0);
	/* A printf over the cap leaves the buffer as it was, terminated. */
	assert_int_equal(buf_puts(&b, "abc"), 0);
	assert_int_equal(buf_printf(&b, "%s", "0123456789"), -EMSGSIZE);
	assert_int_equal(b.len, 3);
	assert_string_equal(b.data, "abc");
	/* The cap bounds the allocation too. */
	assert_true(b.cap <= 11);
	buf_free(&b);

	/* A huge append is refused before any allocation is tried. */
	struct buf h = BUF_INIT(1 << 20);
	assert_int_equal(buf_reserve(&h, SIZE_MAX - 1), -EMSGSIZE);
	assert_null(h.data);
	struct buf u = BUF_INIT(0);
	assert_int_equal(buf_reserve(&u, SIZE_MAX - 1), -EMSGSIZE);
	assert_null(u.data);
}

static void
test_steal_and_fail(void **state)
{
	(void)state;
	struct buf b = BUF_INIT(0);
	size_t len = 99;
	assert_null(buf_steal(&b, &len)); /* nothing appended */
	assert_int_equal(len, 0);
	buf_puts(&b, "hello");
	char *s = buf_steal(&b, &len);
	assert_string_equal(s, "hello");
	assert_int_equal(len, 5);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
	/* The caller's own failure: kept, the first one wins. */
	buf_fail(&b, -ENOMEM);
	buf_fail(&b, -EIO);
	assert_int_equal(b.err, -ENOMEM);
	assert_int_equal(buf_puts(&b, "x"), -ENOMEM);
	assert_null(b.data);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_steal_and_fail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
