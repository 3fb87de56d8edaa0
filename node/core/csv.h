/*
 * csv — CSV tables (RFC 4180) as the node writes and reads them: a writer for every table the
 * API, the views and the CLI export, and the reader the CSV import parses with.
 *
 * Writer: cells are quoted only when they hold the separator (',' unless set), '"', CR or LF;
 * rows end in CRLF.
 * Formula neutralisation (OWASP "CSV injection"): a spreadsheet runs a cell that begins with
 * '=', '+', '-', '@', TAB or CR as a formula, and the ledger carries texts members and
 * replicated logs wrote. Such a cell is written with a leading single quote, which spreadsheets
 * show as text, unless it is a plain decimal number ("-3", "+1.5e3": a number is no formula, and
 * numeric columns stay numbers). A cell that itself begins with a quote followed by one of
 * those characters or another quote gets one more quote, so that the reader's rule below undoes
 * exactly what the writer did: read(write(s)) == s for every text s.
 *
 * Reader: one record at a time; fields optionally quoted with "" for a quote, CRLF or LF line
 * ends, at most CSV_MAX_FIELDS fields a record, no NUL byte. A field that begins with a single
 * quote followed by '=', '+', '-', '@', TAB, CR or a quote loses that first quote.
 *
 * Both sides work on memory the caller owns; one thread at a time per struct.
 */
#ifndef REMACTO_CSV_H
#define REMACTO_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* ---- writing ---- */

struct csv {
	struct buf out; /* the table so far; out.err set once anything failed */
	bool in_row;    /* a cell of this row was written: the next one needs a separator */
	char sep;       /* the separator: ',' when 0; ';' for French spreadsheets, or '\t' */
};

/* One cell (NULL writes an empty one). */
void csv_field(struct csv *c, const char *s);
/* One cell from a format (numbers, mostly). */
void csv_fieldf(struct csv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void csv_end_row(struct csv *c);
/* Marks the table failed (out of memory in a step of the caller's); csv_ok then says false. */
void csv_fail(struct csv *c);
bool csv_ok(const struct csv *c);
void csv_free(struct csv *c);

/* Whether a spreadsheet would take text s for a formula: what the writer neutralises. */
bool csv_is_formula(const char *s);

/* ---- reading ---- */

#define CSV_MAX_FIELDS 64

struct csv_reader {
	char sep; /* ',' when 0: set it (csv_detect_sep) after csv_reader_init */
	const char *p, *end;
	struct buf rec;             /* the current record's fields, each NUL-terminated */
	size_t off[CSV_MAX_FIELDS]; /* where each field starts in rec.data */
	size_t n;                   /* fields in the current record */
};

/* The separator of a CSV file, from its header row (up to its first line end outside quotes):
 * the one of ',', ';' and TAB that appears most there outside quotes, ',' on a tie or when
 * none does (a one-column file). A leading UTF-8 BOM is skipped. */
char csv_detect_sep(const char *data, size_t len);
/* "','", "';'", "tab": a separator as a message names it. */
const char *csv_sep_name(char sep);

/* Reads data[0..len) (not copied: it must outlive the reader). A leading UTF-8 BOM is skipped. */
void csv_reader_init(struct csv_reader *r, const char *data, size_t len);
/* Reads the next record: 1, 0 at the end of the input, -1 when malformed (*why says how, for
 * an operator), -ENOMEM. */
int csv_read(struct csv_reader *r, const char **why);
/* Field i < r->n of the current record: NUL-terminated, writable until the next csv_read. */
char *csv_reader_field(struct csv_reader *r, size_t i);
void csv_reader_free(struct csv_reader *r);

#endif
