/*
 * csvimport — the CSV form of the two tables a member edits in a spreadsheet, commitments and
 * measurements: the columns the API exports (api_domain.c writes its rows through this module)
 * and the import of such a file back into Entry bytes for the node's own log, so that
 * export → edit → import round-trips.
 *
 * Commitments, one row per commitment (its latest version):
 *   member, id, programme_id, parent_id, title_fr, title_ar, title_en, problem_fr, problem_ar,
 *   problem_en, description_fr, description_ar, description_en, principles, lead_body,
 *   stakeholders, start_date, end_date, budget_mad, weight, milestones, status,
 *   progress_percent, status_date, published, log_index, status_log_index
 * Measurements, one row per measurement entry:
 *   member, indicator_id, period, value, dimensions, evidence_id, comment_fr, comment_ar,
 *   comment_en, published, log_index
 * Cells: an empty cell is an absent field. principles = short names ("transparency",
 * "access_to_information", …; full enum names are accepted on import) joined by ';';
 * stakeholders = items joined by ';'; dimensions = name=value pairs joined by ';' — in list items
 * '%', ';', '=' and leading/trailing spaces are percent-encoded (%25, %3B, %3D, %20);
 * milestones = the canonical JSON array of the commitment's milestones; budget_mad, weight,
 * progress_percent = decimal integers; value = the shortest decimal that reads back as the same
 * double ("NaN", "Infinity", "-Infinity" for the special values); status = the short name of
 * the completion ("substantial"), empty before the first status update.
 * Export-only columns, ignored on import: member (but see csvimport_opts), status,
 * progress_percent, status_date, published, log_index, status_log_index.
 *
 * Cells are written and read by core/csv.h, which neutralises formula cells (a leading '=',
 * '+', '-', '@', TAB or CR gets a single quote in front, plain numbers excepted) and takes the
 * quote back on import: what was exported imports as it was.
 * Import (RFC 4180): header row required, fields optionally in double quotes with "" for a
 * quote, CRLF or LF line ends, UTF-8 (a leading BOM is skipped). Caps: CSVIMPORT_MAX_BYTES,
 * CSVIMPORT_MAX_ROWS data rows, CSVIMPORT_MAX_COLUMNS columns. The header decides the table: a
 * header with indicator_id is measurements, otherwise commitments; a column foreign to that
 * table is an error. All or nothing: either every row becomes an entry, or none does and the
 * errors list every problem found (up to CSVIMPORT_MAX_ERRORS).
 */
#ifndef REMACTO_CSVIMPORT_H
#define REMACTO_CSVIMPORT_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/csv.h"
#include "store/index.h"
#include "store/tlog.h"

#define CSVIMPORT_MAX_BYTES (8u << 20)
#define CSVIMPORT_MAX_ROWS 100000
#define CSVIMPORT_MAX_COLUMNS CSV_MAX_FIELDS /* 64 */
#define CSVIMPORT_MAX_ERRORS 1000

enum csvimport_table {
	CSVIMPORT_COMMITMENTS = 1,
	CSVIMPORT_MEASUREMENTS = 2,
};

/* The export columns, in order, NULL-terminated. */
extern const char *const csvimport_commitment_columns[];
extern const char *const csvimport_measurement_columns[];

/* ---- export ---- */

/* Writes the header row of table t. */
void csvimport_header(struct csv *c, enum csvimport_table t);
/* One commitment row: e is its latest version (a commitment entry), st its indexed state. */
void csvimport_commitment_row(struct csv *c, const char *member, const Remacto__V1__Entry *e,
                              const struct index_commitment *st);
/* One measurement row: e is a measurement entry stored at log_index. */
void csvimport_measurement_row(struct csv *c, const char *member, const Remacto__V1__Entry *e,
                               uint64_t log_index);

/* A double as CSV cells hold it: whole numbers in plain digits, others in the fewest digits
 * strtod reads back exactly, "NaN", "Infinity", "-Infinity". cap >= 32. */
void csvimport_number(double x, char *out, size_t cap);

/* Enum values by name, for CSV cells and query parameters: the full name
 * ("PRINCIPLE_TRANSPARENCY") or the short form ("transparency": the name without the enum's
 * prefix, any case, '-' or ' ' for '_'). */
bool csvimport_enum_parse(const ProtobufCEnumDescriptor *d, const char *text, int *value);
/* The short form of value into out ("substantial"), "" when d does not name it. */
const char *csvimport_enum_short(const ProtobufCEnumDescriptor *d, int value, char *out,
                                 size_t cap);

/* ---- import ---- */

struct csvimport_opts {
	const char *member;    /* the own log's slug: a row whose member cell is non-empty and
	                          * different is refused (it came from another member's export);
	                          * NULL: not checked */
	const char *published; /* RFC 3339 time every entry claims, or NULL for none */
};

struct csvimport {
	enum csvimport_table table;
	struct tlog_blob *entries; /* n entries; the array and each data are malloc'd */
	size_t *rows;              /* the CSV record each entry came from (the header is 1) */
	size_t n;
	json_t *errors; /* on -EINVAL: [{"row":N,"column":"…","reason":"…"}, …] */
	char sep;       /* the separator read: ',', ';' or '\t', found in the header row */
};

/* Parses a CSV file into validated Entry bytes (entry_from_json's checks) for the node's own
 * log. Returns 0 with out->entries (possibly none: a header alone), or -EINVAL with
 * out->errors (row 0 for a problem of the file as a whole) and err saying what failed in one
 * line, or -ENOMEM. Either way out is released with csvimport_free. */
int csvimport_parse_ex(const char *data, size_t len, const struct csvimport_opts *opts,
                       struct csvimport *out, char *err, size_t errcap);
void csvimport_free(struct csvimport *out);

/* The same without options, handing over the results: *entries (free each data, then the
 * array) and *n on success; *errors (a new reference, or NULL) and err on failure, with
 * *entries NULL. */
int csvimport_parse(const char *data, size_t len, struct tlog_blob **entries, size_t *n,
                    json_t **errors, char *err, size_t errcap);

#endif
