/*
 * Tests of node/daemon/token.c: the admin token made on first start (64 hex characters and a
 * newline, mode 0600), read back, the refusals (a group- or world-readable file, a symlink, a
 * short or non-hex token), and a failed write (a file size limit, as a full disk would do)
 * leaving no file at all, never a truncated one.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/token.h"

static char dir[64], path[128], err[512];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/remacto-token-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/admin.token", dir);
	return 0;
}

/* Removes every file of dir, then dir. */
static int
teardown(void **state)
{
	char p[512];
	DIR *d = opendir(dir);
	struct dirent *e;
	(void)state;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	if (d)
		closedir(d);
	return rmdir(dir);
}

static size_t
files_in_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;
	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void
write_file(const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_created_then_read(void **state)
{
	char tok[TOKEN_MAX + 1], again[TOKEN_MAX + 1], text[128];
	struct stat st;
	bool created;
	FILE *f;
	(void)state;
	if (token_load(path, tok, &created, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(created);
	assert_int_equal(strlen(tok), 64);
	assert_int_equal(strspn(tok, "0123456789abcdef"), 64);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 65);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(text, sizeof(text), f));
	fclose(f);
	assert_memory_equal(text, tok, 64);
	assert_int_equal(text[64], '\n');
	assert_int_equal(files_in_dir(), 1); /* no temporary file left */
	if (token_load(path, again, &created, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_false(created);
	assert_string_equal(again, tok);
}

static void
test_refusals(void **state)
{
	char tok[TOKEN_MAX + 1], other[160];
	bool created;
	(void)state;
	write_file("0123456789abcdef0123456789abcdef\n", 0644);
	assert_int_equal(token_load(path, tok, &created, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "mode 0600"));
	write_file("0123456789abcdef\n", 0600);
	assert_int_equal(token_load(path, tok, &created, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "32 to 64 hex characters"));
	write_file("0123456789abcdef0123456789abcdef01234567 89\n", 0600);
	assert_int_equal(token_load(path, tok, &created, err, sizeof(err)), -1);
	write_file("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0\n", 0600);
	assert_int_equal(token_load(path, tok, &created, err, sizeof(err)), -1);
	/* A symlink is not followed. */
	unlink(path);
	snprintf(other, sizeof(other), "%s/real", dir);
	FILE *f = fopen(other, "w");
	assert_non_null(f);
	fputs("0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	assert_int_equal(chmod(other, 0600), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(token_load(path, tok, &created, err, sizeof(err)), -1);
	assert_false(created);
	unlink(other);
	unlink(path);
	/* 32 characters, CRLF: accepted as written. */
	write_file("0123456789ABCDEF-123456789abcdef\r\n", 0600);
	assert_int_equal(token_load(path, tok, &created, err, sizeof(err)), 0);
	assert_string_equal(tok, "0123456789ABCDEF-123456789abcdef");
}

/* A write that fails halfway (RLIMIT_FSIZE: the 65-byte token over a 10-byte limit) leaves
 * neither the token file nor its temporary file, and says so; the next try succeeds. */
static void
test_failed_write_leaves_nothing(void **state)
{
	char tok[TOKEN_MAX + 1];
	struct rlimit old, lim;
	bool created;
	(void)state;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN); /* the write then fails with EFBIG instead of killing us */
	lim = old;
	lim.rlim_cur = 10;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = token_load(path, tok, &created, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -1);
	assert_false(created);
	assert_non_null(strstr(err, "cannot write the admin token"));
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(files_in_dir(), 0);
	assert_int_equal(token_load(path, tok, &created, err, sizeof(err)), 0);
	assert_true(created);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_created_then_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_leaves_nothing, setup, teardown),
	};
	return cmocka_run_group_tests_name("token", tests, NULL, NULL);
}
