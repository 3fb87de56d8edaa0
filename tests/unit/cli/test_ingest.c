/*
 * Unit tests of node/cli/ingest.c: a publisher's lines decoded on worker threads while the
 * caller takes them in order. The entries must be exactly those a line-by-line reading gives
 * (entry_from_json_text / the raw base64), in input order, and a refused input must be reported
 * by its first bad line, whichever thread found it and whatever the caller did meanwhile: took
 * every entry, stopped early (the store refused one), or gave up (ingest_free mid-way).
 * Inputs are large enough (INGEST_THREADED lines and more) for workers to start where the
 * machine has two CPUs or more; the answers must not depend on it.
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

#include "cli/cli.h"
#include "cli/ingest.h"
#include "core/b64.h"
#include "core/entry.h"

#define LINES 12000

/* Line i (from 1) of the test input: a valid status update unless it is listed in bad. */
static void
line_json(char *out, size_t cap, size_t i)
{
	snprintf(
	        out, cap,
	        "{\"schema\":1,\"statusUpdate\":{\"commitmentId\":\"RBT-%zu\",\"date\":\"2025-0%zu-1%zu\","
	        "\"completion\":\"COMPLETION_LIMITED\",\"progressPercent\":%zu,"
	        "\"note\":{\"fr\":\"étape %zu\"}}}",
	        i, 1 + i % 9, i % 10, i % 101, i);
}

/* A file holding LINES lines (and empty ones every 1,000, which do not count), with the lines
 * numbered in bad[] replaced by text[]. */
static FILE *
input(const size_t *bad, const char *const *text, size_t nbad)
{
	FILE *f = tmpfile();
	char buf[512];

	assert_non_null(f);
	for (size_t i = 1; i <= LINES; i++) {
		const char *s = buf;
		line_json(buf, sizeof(buf), i);
		for (size_t k = 0; k < nbad; k++) {
			if (bad[k] == i)
				s = text[k];
		}
		fprintf(f, "%s\n", s);
		if (i % 1000 == 0)
			fputs("\r\n", f); /* an empty line: skipped, but counted in line numbers */
	}
	rewind(f);
	return f;
}

/* The input line number of the i-th line (from 1) written by input(). */
static size_t
lineno_of(size_t i)
{
	return i + (i - 1) / 1000;
}

/* What ingest printed on stderr between stderr_capture and stderr_release. */
static char err_text[4096];
static FILE *err_file;
static int err_saved_fd = -1;

static void
stderr_capture(void)
{
	fflush(stderr);
	err_file = tmpfile();
	assert_non_null(err_file);
	err_saved_fd = dup(fileno(stderr));
	assert_true(err_saved_fd >= 0);
	assert_true(dup2(fileno(err_file), fileno(stderr)) >= 0);
}

static void
stderr_release(void)
{
	size_t n;

	fflush(stderr);
	assert_true(dup2(err_saved_fd, fileno(stderr)) >= 0);
	close(err_saved_fd);
	rewind(err_file);
	n = fread(err_text, 1, sizeof(err_text) - 1, err_file);
	err_text[n] = '\0';
	fclose(err_file);
}

/* err_text starts with "remacto: line L: " followed by what. */
static void
assert_refused(size_t line, const char *what)
{
	char want[160];

	snprintf(want, sizeof(want), "remacto: line %zu: %s", lineno_of(line), what);
	if (strncmp(err_text, want, strlen(want)) != 0)
		fail_msg("expected \"%s...\", got \"%s\"", want, err_text);
}

/* Every entry, taken in order, is what decoding its line alone gives, byte for byte. */
static void
test_entries_in_order(void **state)
{
	(void)state;
	FILE *f = input(NULL, NULL, 0);
	struct ingest *g = NULL;
	char line[512];

	assert_int_equal(ingest_start(f, false, &g), EXIT_OK);
	assert_int_equal(ingest_count(g), LINES);
	for (size_t i = 0; i < LINES; i++) {
		struct tlog_blob b;
		const Remacto__V1__Entry *e = NULL;
		uint8_t *want;
		size_t wlen;
		json_error_t jerr;
		char err[256];

		assert_int_equal(ingest_next(g, i, &b, &e), 0);
		line_json(line, sizeof(line), i + 1);
		assert_int_equal(entry_from_json_text(line, strlen(line), &want, &wlen, NULL, &jerr,
		                                      err, sizeof(err)),
		                 0);
		assert_int_equal(b.len, wlen);
		assert_memory_equal(b.data, want, wlen);
		char id[32];
		snprintf(id, sizeof(id), "RBT-%zu", i + 1);
		assert_non_null(e);
		assert_string_equal(e->status_update->commitment_id, id);
		free(want);
	}
	ingest_free(g);
	fclose(f);
}

/* Raw lines (base64 of the protobuf bytes) come out as those bytes. */
static void
test_raw_lines(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	struct ingest *g = NULL;
	char line[512], err[256], b64[1024];
	uint8_t *bytes[LINES];
	size_t lens[LINES];
	json_error_t jerr;

	assert_non_null(f);
	for (size_t i = 0; i < LINES; i++) {
		line_json(line, sizeof(line), i + 1);
		assert_int_equal(entry_from_json_text(line, strlen(line), &bytes[i], &lens[i], NULL,
		                                      &jerr, err, sizeof(err)),
		                 0);
		b64_encode(bytes[i], lens[i], b64, sizeof(b64));
		fprintf(f, "%s\n", b64);
	}
	rewind(f);
	assert_int_equal(ingest_start(f, true, &g), EXIT_OK);
	assert_int_equal(ingest_count(g), LINES);
	for (size_t i = 0; i < LINES; i++) {
		struct tlog_blob b;
		const Remacto__V1__Entry *e;
		assert_int_equal(ingest_next(g, i, &b, &e), 0);
		assert_int_equal(b.len, lens[i]);
		assert_memory_equal(b.data, bytes[i], lens[i]);
		free(bytes[i]);
	}
	ingest_free(g);
	fclose(f);
}

/* Two bad lines far apart: the caller taking entries in order stops at the first, and the
 * message names its input line, as a line-by-line reading would. */
static void
test_first_bad_line_named(void **state)
{
	(void)state;
	size_t bad[] = { 2500, 9000 };
	const char *text[] = { "{\"schema\":1,\"statusUpdate\":{",
		               "{\"schema\":1,\"colour\":\"red\"}" };
	FILE *f = input(bad, text, 2);
	struct ingest *g = NULL;
	size_t i;
	struct tlog_blob b;
	const Remacto__V1__Entry *e;

	assert_int_equal(ingest_start(f, false, &g), EXIT_OK);
	for (i = 0; i < LINES; i++) {
		if (ingest_next(g, i, &b, &e) != 0)
			break;
	}
	assert_int_equal(i, 2499);
	assert_int_equal(ingest_next(g, 5000, &b, &e), -EINVAL); /* past a bad line: refused */
	stderr_capture();
	assert_int_equal(ingest_refused(g), EXIT_INVALID);
	stderr_release();
	assert_refused(2500, "invalid JSON");
	assert_non_null(strstr(err_text, "nothing appended"));
	ingest_free(g);
	fclose(f);
}

/* The store refuses an entry early (the caller stops taking them): a bad line much later is
 * still what the publisher is told, since a line-by-line reading never reached the store. */
static void
test_bad_line_after_early_stop(void **state)
{
	(void)state;
	size_t bad[] = { 11000 };
	const char *text[] = {
		"{\"schema\":1,\"statusUpdate\":{\"commitmentId\":\"X\",\"date\":\"2025-02-30\"}}"
	};
	FILE *f = input(bad, text, 1);
	struct ingest *g = NULL;
	struct tlog_blob b;
	const Remacto__V1__Entry *e;

	assert_int_equal(ingest_start(f, false, &g), EXIT_OK);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(ingest_next(g, i, &b, &e), 0);
	stderr_capture();
	assert_int_equal(ingest_refused(g), EXIT_INVALID);
	stderr_release();
	assert_refused(11000, "statusUpdate.date: expected a date");
	ingest_free(g);
	fclose(f);
}

/* Every line good and the caller stopped early: nothing to report, the store's refusal stands. */
static void
test_no_bad_line(void **state)
{
	(void)state;
	FILE *f = input(NULL, NULL, 0);
	struct ingest *g = NULL;
	struct tlog_blob b;
	const Remacto__V1__Entry *e;

	assert_int_equal(ingest_start(f, false, &g), EXIT_OK);
	assert_int_equal(ingest_next(g, 0, &b, &e), 0);
	stderr_capture();
	assert_int_equal(ingest_refused(g), EXIT_OK);
	stderr_release();
	assert_string_equal(err_text, "");
	ingest_free(g);
	fclose(f);
}

/* A cap passed (a line over INGEST_LINE_MAX) after a bad line: the bad line is named; without
 * the bad line, the cap is. Nothing is handed out either way. */
static void
test_cap_after_bad_line(void **state)
{
	(void)state;
	char *huge = malloc(INGEST_LINE_MAX + 2);
	size_t bad[] = { 7000, 9500 };
	const char *text[] = { "not json", huge };
	FILE *f;
	struct ingest *g = (struct ingest *)1;
	char what[64];

	assert_non_null(huge);
	memset(huge, 'x', INGEST_LINE_MAX + 1);
	huge[INGEST_LINE_MAX + 1] = '\0';
	f = input(bad, text, 2);
	stderr_capture();
	assert_int_equal(ingest_start(f, false, &g), EXIT_INVALID);
	stderr_release();
	assert_null(g);
	assert_refused(7000, "invalid JSON");
	fclose(f);

	f = input(bad + 1, text + 1, 1);
	stderr_capture();
	assert_int_equal(ingest_start(f, false, &g), EXIT_INVALID);
	stderr_release();
	snprintf(what, sizeof(what), "longer than %d bytes", INGEST_LINE_MAX);
	assert_refused(9500, what);
	fclose(f);
	free(huge);
}

/* A source of unknown size, as a pipe is (no fstat size): prefix, then fill bytes up to total
 * bytes in all, with no newline among them; served counts the bytes the reader took. */
struct source {
	const char *prefix;
	size_t plen, total, served;
	char fill;
};

static ssize_t
source_read(void *cookie, char *buf, size_t size)
{
	struct source *s = cookie;
	size_t n = s->total - s->served < size ? s->total - s->served : size;

	for (size_t k = 0; k < n; k++) {
		size_t at = s->served + k;
		buf[k] = at < s->plen ? s->prefix[at] : s->fill;
	}
	s->served += n;
	return (ssize_t)n;
}

/* A line far over INGEST_LINE_MAX with no end in sight, from a stream: refused with the cap's
 * message and its line number, the reader having taken no more of it than the cap and one
 * block (not the whole line, which would be read into memory first). */
static void
test_long_line_stream_not_read_whole(void **state)
{
	(void)state;
	char good[512], prefix[600], what[64];
	struct source src = { .prefix = prefix, .total = (size_t)64 << 20, .fill = 'a' };
	cookie_io_functions_t io = { .read = source_read };
	struct ingest *g = (struct ingest *)1;
	FILE *f;

	line_json(good, sizeof(good), 1);
	snprintf(prefix, sizeof(prefix), "%s\n\r\n", good); /* line 3 is the long one */
	src.plen = strlen(prefix);
	f = fopencookie(&src, "r", io);
	assert_non_null(f);
	stderr_capture();
	assert_int_equal(ingest_start(f, false, &g), EXIT_INVALID);
	stderr_release();
	assert_null(g);
	snprintf(what, sizeof(what), "remacto: line 3: longer than %d bytes; nothing appended",
	         INGEST_LINE_MAX);
	if (strncmp(err_text, what, strlen(what)) != 0)
		fail_msg("expected \"%s\", got \"%s\"", what, err_text);
	if (src.served > src.plen + INGEST_LINE_MAX + INGEST_READ_BLOCK)
		fail_msg("read %zu bytes of a %zu-byte input to refuse its line 3", src.served,
		         src.total);
	fclose(f);
}

/* The same from a file (its size known, the text's room taken at once): line 2 of 16 MiB is
 * refused having read no more of it than the cap and one block; the file offset says how much
 * was read. */
static void
test_long_line_file_not_read_whole(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	char good[512], what[64], *chunk = malloc(INGEST_READ_BLOCK);
	struct ingest *g = (struct ingest *)1;
	off_t at;

	assert_non_null(f);
	assert_non_null(chunk);
	memset(chunk, 'x', INGEST_READ_BLOCK);
	line_json(good, sizeof(good), 1);
	fprintf(f, "%s\n", good);
	for (int k = 0; k < 16; k++)
		assert_int_equal(fwrite(chunk, 1, INGEST_READ_BLOCK, f), INGEST_READ_BLOCK);
	fprintf(f, "\n%s\n", good);
	fflush(f);
	rewind(f);
	stderr_capture();
	assert_int_equal(ingest_start(f, false, &g), EXIT_INVALID);
	stderr_release();
	assert_null(g);
	snprintf(what, sizeof(what), "remacto: line 2: longer than %d bytes; nothing appended",
	         INGEST_LINE_MAX);
	if (strncmp(err_text, what, strlen(what)) != 0)
		fail_msg("expected \"%s\", got \"%s\"", what, err_text);
	at = lseek(fileno(f), 0, SEEK_CUR);
	if (at < 0 || (size_t)at > strlen(good) + 1 + INGEST_LINE_MAX + INGEST_READ_BLOCK)
		fail_msg("read %lld bytes of the file to refuse its line 2", (long long)at);
	fclose(f);
	free(chunk);
}

/* The cap counts a line with its end, as before: INGEST_LINE_MAX bytes and a newline are
 * refused by the cap; INGEST_LINE_MAX - 1 and a newline, or INGEST_LINE_MAX at the end of the
 * input without one, are read whole and refused by their content (not JSON) instead. */
static void
test_line_cap_boundary(void **state)
{
	(void)state;
	static const struct {
		size_t len;
		const char *end, *want;
	} cases[] = {
		{ INGEST_LINE_MAX, "\n", "longer than" },
		{ INGEST_LINE_MAX - 1, "\n", "invalid JSON" },
		{ INGEST_LINE_MAX - 1, "\r\n", "longer than" },
		{ INGEST_LINE_MAX - 2, "\r\n", "invalid JSON" },
		{ INGEST_LINE_MAX, "", "invalid JSON" },
		{ INGEST_LINE_MAX + 1, "", "longer than" },
	};
	char *big = malloc(INGEST_LINE_MAX + 1), good[512], want[64];

	assert_non_null(big);
	memset(big, 'x', INGEST_LINE_MAX + 1);
	line_json(good, sizeof(good), 1);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		FILE *f = tmpfile();
		struct ingest *g = (struct ingest *)1;
		int rc;

		assert_non_null(f);
		fprintf(f, "%s\n", good);
		assert_int_equal(fwrite(big, 1, cases[c].len, f), cases[c].len);
		fputs(cases[c].end, f);
		rewind(f);
		stderr_capture();
		rc = ingest_start(f, false, &g);
		if (rc == EXIT_OK) /* read: its content is what is refused */
			rc = ingest_count(g) == 2 ? ingest_refused(g) : -1;
		stderr_release();
		assert_int_equal(rc, EXIT_INVALID);
		assert_true(strstr(cases[c].want, "longer") ? g == NULL : g != NULL);
		ingest_free(g);
		snprintf(want, sizeof(want), "remacto: line 2: %s", cases[c].want);
		if (strncmp(err_text, want, strlen(want)) != 0)
			fail_msg("case %zu: expected \"%s...\", got \"%s\"", c, want, err_text);
		fclose(f);
	}
	free(big);
}

/* Freed while workers are still decoding: they stop, nothing leaks (ASan), nothing races
 * (TSan). */
static void
test_free_midway(void **state)
{
	(void)state;
	for (int round = 0; round < 3; round++) {
		FILE *f = input(NULL, NULL, 0);
		struct ingest *g = NULL;
		struct tlog_blob b;
		const Remacto__V1__Entry *e;

		assert_int_equal(ingest_start(f, false, &g), EXIT_OK);
		/* Taken in order, as the append takes them, up to a different place each round. */
		for (size_t i = 0; round > 0 && i <= (size_t)round * 3000; i++)
			assert_int_equal(ingest_next(g, i, &b, &e), 0);
		ingest_free(g);
		fclose(f);
	}
}

/* An input without entries (only empty lines) is read as none. */
static void
test_empty(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	struct ingest *g = NULL;

	fputs("\n\r\n\n", f);
	rewind(f);
	assert_int_equal(ingest_start(f, false, &g), EXIT_OK);
	assert_int_equal(ingest_count(g), 0);
	ingest_free(g);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_in_order),
		cmocka_unit_test(test_raw_lines),
		cmocka_unit_test(test_first_bad_line_named),
		cmocka_unit_test(test_bad_line_after_early_stop),
		cmocka_unit_test(test_no_bad_line),
		cmocka_unit_test(test_cap_after_bad_line),
		cmocka_unit_test(test_long_line_stream_not_read_whole),
		cmocka_unit_test(test_long_line_file_not_read_whole),
		cmocka_unit_test(test_line_cap_boundary),
		cmocka_unit_test(test_free_midway),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
