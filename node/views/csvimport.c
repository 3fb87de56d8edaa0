/*
 * csvimport — commitments and measurements as CSV, both ways. See csvimport.h for the columns
 * and the cell formats. Files: csvimport.c (the table of columns, enum names, the import),
 * csvimport_export.c (the export); csvimport_impl.h is what they share.
 *
 * Both directions go through the canonical JSON of the message (pbjson) and one table of
 * columns: export reads each cell out of pbjson_encode's object, import writes each cell into
 * an object that entry_from_json then decodes and validates. Whatever the table says a column
 * holds, it holds the same way in and out, which is what makes export → import round-trip.
 */
#include "csvimport.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/entry.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/pbjson.h"
#include "csvimport_impl.h"

/* A Text field's three languages, as columns <name>_fr, <name>_ar, <name>_en. */
/* clang-format off */
#define TEXT_COLUMNS(X, name, json) \
	X(name "_fr", T_TEXT, json, "fr") \
	X(name "_ar", T_TEXT, json, "ar") \
	X(name "_en", T_TEXT, json, "en")
/* clang-format on */

#define COMMITMENT_COLUMNS(X)                             \
	X("member", T_MEMBER, NULL, NULL)                 \
	X("id", T_STRING, "id", NULL)                     \
	X("programme_id", T_STRING, "programmeId", NULL)  \
	X("parent_id", T_STRING, "parentId", NULL)        \
	TEXT_COLUMNS(X, "title", "title")                 \
	TEXT_COLUMNS(X, "problem", "problem")             \
	TEXT_COLUMNS(X, "description", "description")     \
	X("principles", T_PRINCIPLES, "principles", NULL) \
	X("lead_body", T_STRING, "leadBody", NULL)        \
	X("stakeholders", T_LIST, "stakeholders", NULL)   \
	X("start_date", T_STRING, "startDate", NULL)      \
	X("end_date", T_STRING, "endDate", NULL)          \
	X("budget_mad", T_INT64, "budgetMad", NULL)       \
	X("weight", T_UINT32, "weight", NULL)             \
	X("milestones", T_JSON, "milestones", NULL)       \
	X("status", T_X_STATUS, NULL, NULL)               \
	X("progress_percent", T_X_PROGRESS, NULL, NULL)   \
	X("status_date", T_X_STATUS_DATE, NULL, NULL)     \
	X("published", T_X_PUBLISHED, NULL, NULL)         \
	X("log_index", T_X_LOG_INDEX, NULL, NULL)         \
	X("status_log_index", T_X_STATUS_INDEX, NULL, NULL)

#define MEASUREMENT_COLUMNS(X)                            \
	X("member", T_MEMBER, NULL, NULL)                 \
	X("indicator_id", T_STRING, "indicatorId", NULL)  \
	X("period", T_STRING, "period", NULL)             \
	X("value", T_DOUBLE, "value", NULL)               \
	X("dimensions", T_DIMENSIONS, "dimensions", NULL) \
	X("evidence_id", T_STRING, "evidenceId", NULL)    \
	TEXT_COLUMNS(X, "comment", "comment")             \
	X("published", T_X_PUBLISHED, NULL, NULL)         \
	X("log_index", T_X_LOG_INDEX, NULL, NULL)

#define COL_NAME(n, t, j, s) n,
#define COL_DESC(n, t, j, s) { n, t, j, s },

const char *const csvimport_commitment_columns[] = { COMMITMENT_COLUMNS(COL_NAME) NULL };
const char *const csvimport_measurement_columns[] = { MEASUREMENT_COLUMNS(COL_NAME) NULL };

static const struct col commitment_cols[] = { COMMITMENT_COLUMNS(COL_DESC) };
static const struct col measurement_cols[] = { MEASUREMENT_COLUMNS(COL_DESC) };

const struct table csvimport_tables[] = {
	[CSVIMPORT_COMMITMENTS] = { commitment_cols, NCOLS(commitment_cols), "commitment" },
	[CSVIMPORT_MEASUREMENTS] = { measurement_cols, NCOLS(measurement_cols), "measurement" },
};

/* ---- enums ---- */

/* The prefix every value name of d shares, taken from its zero value ("PRINCIPLE_"). */
static size_t
enum_prefix(const ProtobufCEnumDescriptor *d, const char **prefix)
{
	const ProtobufCEnumValue *z = protobuf_c_enum_descriptor_get_value(d, 0);
	const char *u;
	*prefix = "";
	if (!z || !(u = strstr(z->name, "UNSPECIFIED")))
		return 0;
	*prefix = z->name;
	return (size_t)(u - z->name);
}

bool
csvimport_enum_parse(const ProtobufCEnumDescriptor *d, const char *text, int *value)
{
	const ProtobufCEnumValue *v;
	const char *prefix;
	size_t pl = enum_prefix(d, &prefix), tl = strlen(text);
	char name[128];

	if (tl == 0 || pl + tl >= sizeof(name))
		return false;
	memcpy(name, prefix, pl);
	for (size_t i = 0; i < tl; i++) {
		unsigned char c = (unsigned char)text[i];
		name[pl + i] = c == '-' || c == ' ' ? '_' : (char)toupper(c);
	}
	name[pl + tl] = '\0';
	/* The short form with the prefix put back, else the full name in any case. */
	if (!(v = protobuf_c_enum_descriptor_get_value_by_name(d, name)))
		v = protobuf_c_enum_descriptor_get_value_by_name(d, name + pl);
	if (!v)
		return false;
	*value = v->value;
	return true;
}

const char *
csvimport_enum_short(const ProtobufCEnumDescriptor *d, int value, char *out, size_t cap)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(d, value);
	const char *prefix;
	size_t pl = enum_prefix(d, &prefix), o = 0;

	if (cap == 0)
		return out;
	out[0] = '\0';
	if (!v)
		return out;
	const char *s = strncmp(v->name, prefix, pl) == 0 ? v->name + pl : v->name;
	for (; *s && o + 1 < cap; s++)
		out[o++] = (char)tolower((unsigned char)*s);
	out[o] = '\0';
	return out;
}

/* ---- list cells ---- */

/* Decodes %XX sequences of s[0..n) in place (a '%' not followed by two hex digits stays);
 * returns the new length. */
static size_t
pct_decode(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int h, l;
		if (s[i] == '%' && i + 2 < n && (h = hex_digit((unsigned char)s[i + 1])) >= 0 &&
		    (l = hex_digit((unsigned char)s[i + 2])) >= 0 && (h | l) != 0) {
			s[o++] = (char)(h << 4 | l);
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	s[o] = '\0';
	return o;
}

/* Splits cell on ';' into trimmed items, in place; calls fn for each non-empty one. */
static bool
each_item(char *cell, bool (*fn)(char *item, void *arg), void *arg)
{
	char *p = cell;
	for (;;) {
		char *end = strchr(p, ';'), *q;
		if (end)
			*end = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		q = p + strlen(p);
		while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
			*--q = '\0';
		if (*p && !fn(p, arg))
			return false;
		if (!end)
			return true;
		p = end + 1;
	}
}

/* ---- doubles ---- */


/* A decimal number: [-+]digits[.digits][(e|E)[-+]digits], or the three special values. */
static bool
parse_double(const char *s, json_t **out)
{
	const char *p = s;
	char *end;
	if (!strcmp(s, "NaN") || !strcmp(s, "Infinity") || !strcmp(s, "-Infinity")) {
		*out = json_string(s);
		return true;
	}
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p);)
			p++;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p)
		return false;
	double x = strtod(s, &end);
	if (*end || !isfinite(x))
		return false;
	*out = json_real(x);
	return true;
}

/* ---- import ---- */

struct import {
	const struct csvimport_opts *opts;
	const struct table *tb;
	const struct col *map[CSVIMPORT_MAX_COLUMNS]; /* header position → column */
	size_t ncols;
	json_t *errors;
	size_t nerrors;
	bool oom;
	struct csvimport *out;
	size_t cap;
};

static void add_error(struct import *im, size_t row, const char *column, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void
add_error(struct import *im, size_t row, const char *column, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	if (im->nerrors++ >= CSVIMPORT_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (im->nerrors == CSVIMPORT_MAX_ERRORS)
		snprintf(reason, sizeof(reason), "more than %d errors: the rest are not listed",
		         CSVIMPORT_MAX_ERRORS - 1);
	json_t *e = json_object();
	json_t *c = pbjson_string(column), *r = pbjson_string(reason);
	if (!e || !c || !r || json_object_set_new(e, "row", json_integer((json_int_t)row)) ||
	    json_object_set_new(e, "column", c) || json_object_set_new(e, "reason", r) ||
	    json_array_append_new(im->errors, e)) {
		im->oom = true;
		return;
	}
}

static const struct col *
find_col(const struct table *tb, const char *name)
{
	for (size_t i = 0; i < tb->n; i++)
		if (!strcasecmp(tb->cols[i].name, name))
			return &tb->cols[i];
	return NULL;
}

static bool
header_has(struct csv_reader *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcasecmp(csv_reader_field(r, i), name))
			return true;
	return false;
}

/* Trims the header names in place and maps them to the table's columns. */
static bool
read_header(struct import *im, struct csv_reader *r)
{
	const char *required[3] = { NULL };
	size_t before = im->nerrors;

	for (size_t i = 0; i < r->n; i++) {
		char *f = csv_reader_field(r, i), *q;
		while (*f == ' ' || *f == '\t')
			memmove(f, f + 1, strlen(f));
		q = f + strlen(f);
		while (q > f && (q[-1] == ' ' || q[-1] == '\t'))
			*--q = '\0';
	}
	if (header_has(r, "indicator_id")) {
		im->out->table = CSVIMPORT_MEASUREMENTS;
		required[0] = "indicator_id", required[1] = "period", required[2] = "value";
	} else {
		im->out->table = CSVIMPORT_COMMITMENTS;
		required[0] = "id";
	}
	im->tb = &csvimport_tables[im->out->table];
	im->ncols = r->n;
	for (size_t i = 0; i < r->n; i++) {
		const char *name = csv_reader_field(r, i);
		const struct col *c = find_col(im->tb, name);
		if (!*name) {
			add_error(im, 1, "", "column %zu has no name", i + 1);
			continue;
		}
		if (!c) {
			add_error(im, 1, name,
			          "unknown column for a %s file (see the columns of "
			          "GET /api/v1/%ss.csv)",
			          im->tb->kind, im->tb->kind);
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (im->map[j] == c) {
				add_error(im, 1, name, "column listed twice");
				break;
			}
		im->map[i] = c;
	}
	for (size_t k = 0; k < 3 && required[k]; k++)
		if (!header_has(r, required[k]))
			add_error(im, 1, required[k], "required column missing");
	return im->nerrors == before;
}

/* The object a cell writes into: the message itself, or its Text sub-object. */
static json_t *
target(json_t *msg, const struct col *c)
{
	json_t *t;
	if (c->type != T_TEXT)
		return msg;
	if (!(t = json_object_get(msg, c->json))) {
		t = json_object();
		if (json_object_set_new(msg, c->json, t) != 0)
			return NULL;
	}
	return t;
}

struct list_arg {
	struct import *im;
	size_t row;
	const struct col *col;
	json_t *arr;
	bool ok;
};

static bool
principle_item(char *item, void *arg)
{
	struct list_arg *a = arg;
	int p;
	pct_decode(item, strlen(item));
	const ProtobufCEnumValue *v;
	if (!csvimport_enum_parse(&remacto__v1__principle__descriptor, item, &p) || p == 0 ||
	    !(v = protobuf_c_enum_descriptor_get_value(&remacto__v1__principle__descriptor, p))) {
		add_error(a->im, a->row, a->col->name,
		          "unknown principle '%.60s' (transparency, "
		          "accountability, access_to_information, citizen_participation, "
		          "digitalisation)",
		          item);
		a->ok = false;
		return true;
	}
	if (json_array_append_new(a->arr, json_string(v->name)) != 0)
		a->im->oom = true;
	return true;
}

static bool
list_item(char *item, void *arg)
{
	struct list_arg *a = arg;
	pct_decode(item, strlen(item));
	json_t *s = json_string(item);
	if (!s) {
		add_error(a->im, a->row, a->col->name, "not valid UTF-8 text");
		a->ok = false;
	} else if (json_array_append_new(a->arr, s) != 0) {
		a->im->oom = true;
	}
	return true;
}

static bool
dimension_item(char *item, void *arg)
{
	struct list_arg *a = arg;
	char *eq = strchr(item, '=');
	if (!eq) {
		add_error(a->im, a->row, a->col->name, "expected name=value, not '%.60s'", item);
		a->ok = false;
		return true;
	}
	char *val = eq + 1, *end = eq;
	/* "gender = female": spaces around '=' are the editor's, not the data's (export encodes
	 * meaningful leading and trailing spaces as %20). */
	while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	while (*val == ' ' || *val == '\t')
		val++;
	pct_decode(item, strlen(item));
	pct_decode(val, strlen(val));
	json_t *name = json_string(item), *value = json_string(val), *d = json_object();
	if (!name || !value) {
		json_decref(name);
		json_decref(value);
		json_decref(d);
		add_error(a->im, a->row, a->col->name, "not valid UTF-8 text");
		a->ok = false;
		return true;
	}
	if (!d) {
		json_decref(name);
		json_decref(value);
		a->im->oom = true;
		return true;
	}
	if (json_object_set_new(d, "name", name) || json_object_set_new(d, "value", value) ||
	    json_array_append_new(a->arr, d) != 0)
		a->im->oom = true;
	return true;
}

/* Writes one cell into msg; false (with an error listed) when the cell is malformed. */
static bool
import_cell(struct import *im, size_t row, const struct col *c, char *cell, json_t *msg)
{
	json_t *t, *v = NULL;
	struct list_arg la = { im, row, c, NULL, true };
	char *end;

	if (c->type == T_MEMBER) {
		if (*cell && im->opts->member && strcmp(cell, im->opts->member) != 0) {
			add_error(im, row, c->name,
			          "this row belongs to %.80s; this node publishes "
			          "only for %.80s",
			          cell, im->opts->member);
			return false;
		}
		return true;
	}
	if (c->type >= T_X_STATUS)
		return true;
	if (!*cell) {
		if (c->type == T_DOUBLE) {
			add_error(im, row, c->name, "required: a number");
			return false;
		}
		return true;
	}
	switch (c->type) {
	case T_STRING:
	case T_TEXT:
		v = json_string(cell);
		if (!v) {
			add_error(im, row, c->name, "not valid UTF-8 text");
			return false;
		}
		break;
	case T_INT64: {
		errno = 0;
		long long x = strtoll(cell, &end, 10);
		if (*end || errno || !(isdigit((unsigned char)cell[0]) || cell[0] == '-')) {
			add_error(im, row, c->name, "expected a whole number, not '%.40s'", cell);
			return false;
		}
		char num[24];
		snprintf(num, sizeof(num), "%lld", x);
		v = json_string(num);
		break;
	}
	case T_UINT32: {
		errno = 0;
		unsigned long long x = strtoull(cell, &end, 10);
		if (*end || errno || !isdigit((unsigned char)cell[0]) || x > UINT32_MAX) {
			add_error(im, row, c->name, "expected a whole number from 0, not '%.40s'",
			          cell);
			return false;
		}
		v = json_integer((json_int_t)x);
		break;
	}
	case T_DOUBLE:
		if (!parse_double(cell, &v)) {
			add_error(im, row, c->name, "expected a number such as 12.5, not '%.40s'",
			          cell);
			return false;
		}
		break;
	case T_JSON: {
		json_error_t je;
		v = json_loads(cell, JSON_REJECT_DUPLICATES, &je);
		if (!v || !json_is_array(v)) {
			json_decref(v);
			add_error(im, row, c->name,
			          "expected a JSON array such as [{\"id\":\"M1\","
			          "\"title\":{\"fr\":\"…\"},\"dueDate\":\"2025-06-30\"}]%s%s",
			          v ? "" : ": ", v ? "" : je.text);
			return false;
		}
		break;
	}
	case T_PRINCIPLES:
	case T_LIST:
	case T_DIMENSIONS:
		if (!(la.arr = v = json_array()))
			break;
		each_item(cell,
		          c->type == T_PRINCIPLES ? principle_item
		          : c->type == T_LIST     ? list_item
		                                  : dimension_item,
		          &la);
		if (!la.ok) {
			json_decref(v);
			return false;
		}
		break;
	default:
		return true;
	}
	if (!v || !(t = target(msg, c)) ||
	    json_object_set_new(t, c->type == T_TEXT ? c->sub : c->json, v) != 0) {
		im->oom = true;
		return false;
	}
	return true;
}

/* The column an entry_from_json error path ("commitment.title.fr: …") points at. */
static const char *
error_column(const struct table *tb, const char *err)
{
	char path[128];
	size_t n = strcspn(err, ":"), kl = strlen(tb->kind);
	if (err[n] != ':' || n >= sizeof(path) || strncmp(err, tb->kind, kl) != 0 || err[kl] != '.')
		return "";
	memcpy(path, err + kl + 1, n - kl - 1);
	path[n - kl - 1] = '\0';
	char *sub = NULL, *cut = path + strcspn(path, ".[");
	if (*cut == '.')
		sub = cut + 1;
	*cut = '\0';
	const char *fallback = "";
	for (size_t i = 0; i < tb->n; i++) {
		const struct col *c = &tb->cols[i];
		if (!c->json || strcmp(c->json, path) != 0)
			continue;
		if (c->type != T_TEXT)
			return c->name;
		if (sub && !strncmp(sub, c->sub, 2) && (sub[2] == '\0' || sub[2] == '.'))
			return c->name;
		if (!*fallback)
			fallback = c->name;
	}
	return fallback;
}

static void
import_row(struct import *im, struct csv_reader *r, size_t row)
{
	json_t *entry, *msg;
	char err[400];
	uint8_t *data;
	size_t len;
	bool ok = true;

	if (r->n != im->ncols) {
		add_error(im, row, "", "%zu fields where the header has %zu columns", r->n,
		          im->ncols);
		return;
	}
	if (!(entry = json_object()) || !(msg = json_object()) ||
	    json_object_set_new(entry, im->tb->kind, msg) != 0 ||
	    json_object_set_new(entry, "schema", json_integer(1)) != 0 ||
	    (im->opts->published &&
	     json_object_set_new(entry, "published", json_string(im->opts->published)) != 0)) {
		json_decref(entry);
		im->oom = true;
		return;
	}
	for (size_t i = 0; i < r->n; i++)
		if (!import_cell(im, row, im->map[i], csv_reader_field(r, i), msg))
			ok = false;
	if (ok && !im->oom) {
		int rc = entry_from_json(entry, &data, &len, err, sizeof(err));
		if (rc == -ENOMEM) {
			im->oom = true;
		} else if (rc != 0) {
			const char *col = error_column(im->tb, err);
			size_t kl = strlen(im->tb->kind);
			add_error(im, row, col, "%s",
			          !strncmp(err, im->tb->kind, kl) && err[kl] == '.' ? err + kl + 1
			                                                            : err);
		} else if (im->nerrors == 0) {
			struct csvimport *o = im->out;
			if (o->n == im->cap) {
				size_t ncap = im->cap ? im->cap * 2 : 64;
				struct tlog_blob *ne = realloc(o->entries, ncap * sizeof(*ne));
				size_t *nr = ne ? realloc(o->rows, ncap * sizeof(*nr)) : NULL;
				if (ne)
					o->entries = ne;
				if (!ne || !nr) {
					free(data);
					im->oom = true;
					json_decref(entry);
					return;
				}
				o->rows = nr;
				im->cap = ncap;
			}
			o->entries[o->n] = (struct tlog_blob){ data, len };
			o->rows[o->n++] = row;
		} else {
			free(data); /* an earlier row failed: nothing will be kept */
		}
	}
	json_decref(entry);
}

static void
drop_entries(struct csvimport *out)
{
	for (size_t i = 0; i < out->n; i++)
		free((void *)out->entries[i].data);
	free(out->entries);
	free(out->rows);
	out->entries = NULL;
	out->rows = NULL;
	out->n = 0;
}

void
csvimport_free(struct csvimport *out)
{
	if (!out)
		return;
	drop_entries(out);
	json_decref(out->errors);
	out->errors = NULL;
}

int
csvimport_parse_ex(const char *data, size_t len, const struct csvimport_opts *opts,
                   struct csvimport *out, char *err, size_t errcap)
{
	static const struct csvimport_opts none = { NULL, NULL };
	struct csv_reader r = { 0 };
	struct import im = { 0 };
	const char *why = NULL;
	size_t record = 0, rows = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	im.opts = opts ? opts : &none;
	im.out = out;
	if (!(im.errors = json_array()))
		return -ENOMEM;
	if (len > CSVIMPORT_MAX_BYTES) {
		add_error(&im, 0, "", "the file is %zu bytes, over the %u-byte cap: split it", len,
		          CSVIMPORT_MAX_BYTES);
		err_set(err, errcap, "the CSV is over %u MiB; nothing was imported",
		        CSVIMPORT_MAX_BYTES >> 20);
		goto fail;
	}
	csv_reader_init(&r, data, len);
	/* French spreadsheets write ';', others ',' or tabs: the header row tells which */
	r.sep = out->sep = csv_detect_sep(data, len);

	rc = csv_read(&r, &why);
	record = 1;
	if (rc == 0) {
		add_error(&im, 0, "",
		          "the file is empty: a header row naming the columns is "
		          "required");
		err_set(err, errcap, "the CSV is empty; nothing was imported");
		goto fail;
	}
	if (rc < 0)
		goto bad_record;
	if (!read_header(&im, &r)) {
		err_set(err, errcap,
		        "the CSV's header is not that of a commitments or a "
		        "measurements export; nothing was imported");
		goto fail;
	}
	while ((rc = csv_read(&r, &why)) > 0) {
		record++;
		if (r.n == 1 && csv_reader_field(&r, 0)[0] == '\0')
			continue; /* a blank line */
		if (++rows > CSVIMPORT_MAX_ROWS) {
			add_error(&im, record, "", "more than %d rows: split the file",
			          CSVIMPORT_MAX_ROWS);
			break;
		}
		import_row(&im, &r, record);
		if (im.oom)
			break;
	}
	if (rc < 0) {
		record++;
		goto bad_record;
	}
	if (im.oom)
		goto oom;
	if (im.nerrors > 0) {
		err_set(err, errcap, "%zu error%s in the CSV; nothing was imported", im.nerrors,
		        im.nerrors == 1 ? "" : "s");
		goto fail;
	}
	csv_reader_free(&r);
	json_decref(im.errors);
	return 0;

bad_record:
	if (rc == -ENOMEM)
		goto oom;
	add_error(&im, record, "", "%s", why);
	err_set(err, errcap, "row %zu of the CSV is malformed: %s; nothing was imported", record,
	        why);
fail:
	if (im.oom)
		goto oom;
	csv_reader_free(&r);
	drop_entries(out);
	out->errors = im.errors;
	return -EINVAL;
oom:
	csv_reader_free(&r);
	drop_entries(out);
	json_decref(im.errors);
	err_set(err, errcap, "out of memory reading the CSV");
	return -ENOMEM;
}

int
csvimport_parse(const char *data, size_t len, struct tlog_blob **entries, size_t *n,
                json_t **errors, char *err, size_t errcap)
{
	struct csvimport out;
	int rc = csvimport_parse_ex(data, len, NULL, &out, err, errcap);

	*entries = NULL;
	*n = 0;
	*errors = NULL;
	if (rc == 0) {
		*entries = out.entries;
		*n = out.n;
		out.entries = NULL;
		out.n = 0;
	} else {
		*errors = out.errors;
		out.errors = NULL;
	}
	csvimport_free(&out);
	return rc;
}
