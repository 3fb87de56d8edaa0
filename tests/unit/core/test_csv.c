/*
 * Unit tests of node/core/csv.c: the writer's quoting and rows, formula neutralisation (which
 * cells get the quote, which stay as they are: plain numbers), the reader on literal input
 * (quotes, CRLF/LF, BOM, the malformed cases), and the property the CSV import depends on:
 * reading what the writer wrote gives back every text exactly, over every string of up to four
 * characters from an alphabet of the characters that matter.
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

#include "core/csv.h"

/* One row of cells through the writer, as text. */
static char *
write_row(const char *const *cells, size_t n)
{
	struct csv c = { 0 };
	size_t len;
	for (size_t i = 0; i < n; i++)
		csv_field(&c, cells[i]);
	csv_end_row(&c);
	assert_true(csv_ok(&c));
	return buf_steal(&c.out, &len);
}

static void
expect_row(const char *const *cells, size_t n, const char *want)
{
	char *got = write_row(cells, n);
	if (strcmp(got, want) != 0)
		fail_msg("wrote [%s], expected [%s]", got, want);
	free(got);
}

#define ROW(want, ...)                                                        \
	do {                                                                  \
		const char *const cells_[] = { __VA_ARGS__ };                 \
		expect_row(cells_, sizeof(cells_) / sizeof(cells_[0]), want); \
	} while (0)

static void
test_writer(void **state)
{
	(void)state;
	ROW("a,b,c\r\n", "a", "b", "c");
	ROW(",,\r\n", "", NULL, "");
	ROW("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\"\r\n", "a,b", "say \"hi\"",
	    "two\nlines", "cr\rx");
	/* Two rows, and a formatted cell. */
	struct csv c = { 0 };
	csv_field(&c, "n");
	csv_end_row(&c);
	csv_fieldf(&c, "%d", -3);
	csv_fieldf(&c, "%s", "=x");
	csv_end_row(&c);
	assert_true(csv_ok(&c));
	assert_string_equal(c.out.data, "n\r\n-3,'=x\r\n");
	csv_free(&c);
	/* A failure of the caller's is reported by csv_ok. */
	csv_field(&c, "x");
	csv_fail(&c);
	assert_false(csv_ok(&c));
	csv_free(&c);
	assert_true(csv_ok(&c));
}

static void
test_formula_cells(void **state)
{
	(void)state;
	/* Formulas get a quote; quoting for commas still applies around it. */
	ROW("'=1+1,'+1+2,'-2+3+cmd|' /C calc'!A0,'@SUM(A1)\r\n", "=1+1", "+1+2",
	    "-2+3+cmd|' /C calc'!A0", "@SUM(A1)");
	ROW("\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'\tx,\"'\rx\"\r\n",
	    "=HYPERLINK(\"http://x\",\"y\")", "\tx", "\rx");
	ROW("'-,'+,'=,'@\r\n", "-", "+", "=", "@");
	ROW("'-inf,'-Infinity,'--1,'-1e,'-.5,'+1.\r\n", "-inf", "-Infinity", "--1", "-1e", "-.5",
	    "+1.");
	/* Numbers are no formulas: numeric columns stay numbers. */
	ROW("-3,+3,-3.25,-1e+21,-3.5e-300,2E10,0\r\n", "-3", "+3", "-3.25", "-1e+21", "-3.5e-300",
	    "2E10", "0");
	/* A text that begins with the quote the writer adds gets one more. */
	ROW("''=x,''',''-3,'plain,'\r\n", "'=x", "''", "'-3", "'plain", "'");
	/* Not at the start: left alone. */
	ROW("a=b,x-y,mail@example.ma, =1\r\n", "a=b", "x-y", "mail@example.ma", " =1");

	assert_true(csv_is_formula("=A1"));
	assert_true(csv_is_formula("-A1"));
	assert_false(csv_is_formula("-1"));
	assert_false(csv_is_formula("A1"));
	assert_false(csv_is_formula(""));
}

/* Reads all of s: the fields of each record joined by '|', records by '/', or "ERR:why". */
static char *
read_all(const char *s, size_t len)
{
	struct csv_reader r;
	struct buf out = BUF_INIT(0);
	const char *why = NULL;
	int rc;
	csv_reader_init(&r, s, len);
	while ((rc = csv_read(&r, &why)) > 0) {
		if (out.len)
			buf_putc(&out, '/');
		for (size_t i = 0; i < r.n; i++)
			buf_printf(&out, "%s%s", i ? "|" : "", csv_reader_field(&r, i));
	}
	if (rc < 0) {
		buf_reset(&out);
		buf_printf(&out, "ERR:%s", rc == -1 ? why : "oom");
	}
	csv_reader_free(&r);
	assert_int_equal(out.err, 0);
	return out.data ? buf_steal(&out, NULL) : strdup("");
}

static void
expect_read(const char *s, const char *want)
{
	char *got = read_all(s, strlen(s));
	if (strcmp(got, want) != 0)
		fail_msg("read [%s] as [%s], expected [%s]", s, got, want);
	free(got);
}

static void
test_reader(void **state)
{
	(void)state;
	expect_read("", "");
	expect_read("a,b\r\nc,d\r\n", "a|b/c|d");
	expect_read("a,b\nc,d", "a|b/c|d");
	expect_read("\xef\xbb\xbf"
	            "a,\"b,\"\"c\"\"\nd\",\n",
	            "a|b,\"c\"\nd|");
	expect_read("\n", "");
	expect_read(",\n", "|");
	/* The writer's quotes come off; other quotes stay. */
	expect_read("'=1,'-x,''',''x,'x,'-3,x'=\n", "=1|-x|''|'x|'x|-3|x'=");
	expect_read("\"'=1,2\"\n", "=1,2");
	/* Malformed. */
	expect_read("\"open", "ERR:a quoted field is not closed (a missing '\"')");
	expect_read("\"a\"b\n", "ERR:text after the closing quote of a field");
	expect_read("a\"b\n",
	            "ERR:a quote inside an unquoted field (put the field in quotes and double "
	            "the quote)");
	expect_read("a\rb\n", "ERR:a carriage return without a line feed");
	char nul[] = "a,b\0c\n";
	char *got = read_all(nul, sizeof(nul) - 1);
	assert_string_equal(got, "ERR:a NUL byte in a field");
	free(got);
	char wide[CSV_MAX_FIELDS * 2 + 2];
	memset(wide, ',', CSV_MAX_FIELDS);
	wide[CSV_MAX_FIELDS] = '\n';
	wide[CSV_MAX_FIELDS + 1] = '\0';
	expect_read(wide, "ERR:more than 64 fields in a row");
	wide[CSV_MAX_FIELDS - 1] = '\n';
	wide[CSV_MAX_FIELDS] = '\0';
	got = read_all(wide, strlen(wide));
	assert_int_equal(strlen(got), CSV_MAX_FIELDS - 1); /* 64 empty fields, 63 separators */
	free(got);
}

/* read(write(s)) == s for every string of up to 4 characters of the alphabet, and a written
 * cell never starts with a formula character unless it is a plain number. */
static void
test_round_trip_property(void **state)
{
	(void)state;
	static const char alpha[] = "=+-@'\t\r\n\",a1.e ";
	const size_t k = sizeof(alpha) - 1;
	char s[5];
	size_t count = 0;
	for (size_t len = 0; len <= 4; len++) {
		size_t total = 1;
		for (size_t i = 0; i < len; i++)
			total *= k;
		for (size_t v = 0; v < total; v++) {
			size_t x = v;
			for (size_t i = 0; i < len; i++, x /= k)
				s[i] = alpha[x % k];
			s[len] = '\0';
			const char *cells[2] = { s, "z" };
			char *row = write_row(cells, 2);
			/* The cell as written, without RFC 4180 quoting. */
			const char *cell = row[0] == '"' ? row + 1 : row;
			if ((cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
			     cell[0] == '\t' || cell[0] == '\r') &&
			    csv_is_formula(s))
				fail_msg("[%s] written as a formula: [%s]", s, row);
			struct csv_reader r;
			const char *why = NULL;
			csv_reader_init(&r, row, strlen(row));
			int rc = csv_read(&r, &why);
			if (rc != 1 || r.n != 2 || strcmp(csv_reader_field(&r, 0), s) != 0 ||
			    strcmp(csv_reader_field(&r, 1), "z") != 0)
				fail_msg("[%s] written [%s] read back [%s] (rc %d, %zu fields)", s,
				         row, rc == 1 ? csv_reader_field(&r, 0) : why, rc, r.n);
			assert_int_equal(csv_read(&r, &why), 0);
			csv_reader_free(&r);
			free(row);
			count++;
		}
	}
	assert_int_equal(count, 1 + k + k * k + k * k * k + k * k * k * k);
}

/* The separator is read from the header row: French spreadsheets write ';'. */
static void
test_detect_sep(void **state)
{
	(void)state;
	assert_int_equal(csv_detect_sep("a,b,c\r\n1;2;3\r\n", 16), ',');
	assert_int_equal(csv_detect_sep("a;b;c\r\n1,2,3", 14), ';');
	assert_int_equal(csv_detect_sep("a\tb\tc\n", 7), '\t');
	/* separators inside quotes do not count, nor does the BOM */
	const char *q = "\xEF\xBB\xBF\"x,y,z\";b;c\n";
	assert_int_equal(csv_detect_sep(q, strlen(q)), ';');
	assert_int_equal(csv_detect_sep("value\n1\n", 8), ','); /* one column */
	assert_int_equal(csv_detect_sep("a,b;c\n", 6), ',');    /* a tie keeps ',' */
	assert_int_equal(csv_detect_sep("", 0), ',');

	/* read with the separator found, written with it: the same cells */
	const char *in = "id;note\r\nA;\"x;y\"\r\nB;a,b\r\n";
	struct csv_reader r;
	struct csv c = { .sep = ';' };
	const char *why;
	csv_reader_init(&r, in, strlen(in));
	r.sep = csv_detect_sep(in, strlen(in));
	while (csv_read(&r, &why) > 0) {
		for (size_t i = 0; i < r.n; i++)
			csv_field(&c, csv_reader_field(&r, i));
		csv_end_row(&c);
	}
	csv_reader_free(&r);
	assert_true(csv_ok(&c));
	assert_string_equal(c.out.data, in);
	csv_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer),     cmocka_unit_test(test_formula_cells),
		cmocka_unit_test(test_reader),     cmocka_unit_test(test_round_trip_property),
		cmocka_unit_test(test_detect_sep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
