/*
 * Unit tests of node/core/err.c: err_set writes, truncates and tolerates no buffer; BUG()
 * logs where and why, then aborts (checked in a child process whose stderr is read back).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/err.h"

static void
test_set(void **state)
{
	(void)state;
	char err[16];
	err_set(err, sizeof(err), "%s %d", "log", 42);
	assert_string_equal(err, "log 42");
	err_set(err, sizeof(err), "%s", "a message longer than the buffer");
	assert_string_equal(err, "a message longe"); /* cut, terminated */
	err_set(NULL, 0, "nobody listens %d", 1);
	err_set(NULL, 64, "nor here");
	err[0] = 'x';
	err_set(err, 0, "no room");
	assert_int_equal(err[0], 'x');
}

static void
test_bug_aborts(void **state)
{
	(void)state;
	int fds[2], status;
	char out[1024];
	ssize_t n, got = 0;

	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit none = { 0, 0 };
		setrlimit(RLIMIT_CORE, &none); /* no core file left behind */
		dup2(fds[1], 2);
		close(fds[0]);
		BUG("index %d past the end of %s", 7, "the tree");
		_exit(0); /* not reached */
	}
	close(fds[1]);
	while ((n = read(fds[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_non_null(strstr(out, "error: BUG: tests/unit/core/test_err.c:"));
	assert_non_null(strstr(out, ": index 7 past the end of the tree\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_bug_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
