/*
 * test_log — the daemon log's two line formats: time-stamped on a plain stderr or a file, and
 * with sd-daemon priority prefixes and no time stamp when stderr is the journal's stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/log.h"

/* Points fd 2 at a fresh pipe; returns its read end. The old stderr is kept in *saved. */
static int
capture_stderr(int *saved)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	*saved = dup(2);
	assert_true(*saved >= 0);
	assert_int_equal(dup2(p[1], 2), 2);
	close(p[1]);
	return p[0];
}

static void
restore_stderr(int saved, int rd)
{
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(rd);
	unsetenv("JOURNAL_STREAM");
}

static size_t
drain(int rd, char *buf, size_t cap)
{
	ssize_t n = read(rd, buf, cap - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	return (size_t)n;
}

static void
journal_stream_of_fd(int fd)
{
	struct stat st;
	char env[64];
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	assert_int_equal(setenv("JOURNAL_STREAM", env, 1), 0);
}

static void
test_plain_stderr_has_time_stamp(void **state)
{
	(void)state;
	char buf[512];
	int saved, rd = capture_stderr(&saved);
	unsetenv("JOURNAL_STREAM");
	assert_int_equal(log_init(LOG_INFO, NULL), 0);
	log_warn("disk %s", "full");
	drain(rd, buf, sizeof(buf));
	restore_stderr(saved, rd);
	/* 2026-11-25T23:59:59Z warn: disk full */
	assert_int_equal(strlen(buf), 21 + strlen("warn: disk full\n"));
	assert_int_equal(buf[4], '-');
	assert_int_equal(buf[10], 'T');
	assert_int_equal(buf[19], 'Z');
	assert_string_equal(buf + 21, "warn: disk full\n");
}

static void
test_journal_stream_gets_priority_prefix(void **state)
{
	(void)state;
	char buf[512];
	int saved, rd = capture_stderr(&saved);
	journal_stream_of_fd(2);
	assert_int_equal(log_init(LOG_DEBUG, NULL), 0);
	log_err("publish: commit failed");
	drain(rd, buf, sizeof(buf));
	assert_string_equal(buf, "<3>error: publish: commit failed\n");
	log_warn("w");
	drain(rd, buf, sizeof(buf));
	assert_string_equal(buf, "<4>warn: w\n");
	log_info("i\nsecond line");
	drain(rd, buf, sizeof(buf));
	assert_string_equal(buf, "<6>info: i second line\n");
	log_debug("d");
	drain(rd, buf, sizeof(buf));
	assert_string_equal(buf, "<7>debug: d\n");
	restore_stderr(saved, rd);
}

/* A child that inherited JOURNAL_STREAM but whose stderr goes elsewhere keeps time stamps. */
static void
test_journal_stream_of_another_fd_is_ignored(void **state)
{
	(void)state;
	char buf[512];
	int other[2];
	assert_int_equal(pipe(other), 0);
	int saved, rd = capture_stderr(&saved);
	journal_stream_of_fd(other[0]);
	assert_int_equal(log_init(LOG_INFO, NULL), 0);
	log_info("x");
	drain(rd, buf, sizeof(buf));
	restore_stderr(saved, rd);
	close(other[0]);
	close(other[1]);
	assert_int_not_equal(buf[0], '<');
	assert_string_equal(buf + 21, "info: x\n");
}

static void
test_malformed_journal_stream_is_ignored(void **state)
{
	(void)state;
	char buf[512], env[80];
	struct stat st;
	int saved, rd = capture_stderr(&saved);
	assert_int_equal(fstat(2, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llux", (unsigned long long)st.st_dev,
	         (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	assert_int_equal(log_init(LOG_INFO, NULL), 0);
	log_info("y");
	drain(rd, buf, sizeof(buf));
	restore_stderr(saved, rd);
	assert_string_equal(buf + 21, "info: y\n");
}

/* [log] file: time stamps even under systemd, and the file is the destination. */
static void
test_log_file_keeps_time_stamps(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_log.XXXXXX", path[64], buf[512];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/remactod.log", dir);
	int saved, rd = capture_stderr(&saved);
	journal_stream_of_fd(2);
	assert_int_equal(log_init(LOG_INFO, path), 0);
	log_warn("to the file");
	log_debug("below the threshold");
	assert_int_equal(log_init(LOG_INFO, NULL), 0); /* back to stderr: closes the file */
	restore_stderr(saved, rd);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 21);
	buf[n] = '\0';
	assert_string_equal(buf + 21, "warn: to the file\n");
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_stderr_has_time_stamp),
		cmocka_unit_test(test_journal_stream_gets_priority_prefix),
		cmocka_unit_test(test_journal_stream_of_another_fd_is_ignored),
		cmocka_unit_test(test_malformed_journal_stream_is_ignored),
		cmocka_unit_test(test_log_file_keeps_time_stamps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
