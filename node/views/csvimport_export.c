/*
 * csvimport_export — commitments and measurements written as CSV rows, cell by cell out of the
 * canonical JSON of each entry (pbjson_encode), following the table of columns the import
 * reads back. Part of the csvimport module (csvimport.h is the contract).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/pbjson.h"
#include "csvimport.h"
#include "csvimport_impl.h"

/* ---- list cells ---- */

/* One list item with '%', ';', '=' and leading/trailing spaces percent-encoded. */
static void
buf_item(struct buf *b, const char *s)
{
	size_t n = strlen(s), lead = strspn(s, " "), trail = 0;
	while (trail < n - lead && s[n - 1 - trail] == ' ')
		trail++;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%')
			buf_put(b, "%25", 3);
		else if (c == ';')
			buf_put(b, "%3B", 3);
		else if (c == '=')
			buf_put(b, "%3D", 3);
		else if (c == ' ' && (i < lead || i >= n - trail))
			buf_put(b, "%20", 3);
		else
			buf_put(b, &c, 1);
	}
}

/* ---- doubles ---- */

void
csvimport_number(double x, char *out, size_t cap)
{
	if (isnan(x)) {
		snprintf(out, cap, "NaN");
		return;
	}
	if (isinf(x)) {
		snprintf(out, cap, x > 0 ? "Infinity" : "-Infinity");
		return;
	}
	/* Whole numbers as plain digits ("20", never "2e+01"); the rest in the fewest digits. */
	if (x == floor(x) && fabs(x) < 1e15) {
		snprintf(out, cap, "%.0f", x);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, cap, "%.*g", prec, x);
		if (strtod(out, NULL) == x)
			return;
	}
}

/* ---- export ---- */

void
csvimport_header(struct csv *c, enum csvimport_table t)
{
	const struct table *tb = &csvimport_tables[t];
	for (size_t i = 0; i < tb->n; i++)
		csv_field(c, tb->cols[i].name);
	csv_end_row(c);
}

static const char *
jstr(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* One item of a list cell: a principle by its short name, a string, or a dimension as
 * name=value. */
static void
list_item(struct buf *b, enum ctype type, const json_t *item)
{
	const char *s = json_is_string(item) ? json_string_value(item) : "";
	char name[64];
	int p;

	if (type == T_DIMENSIONS) {
		buf_item(b, jstr(item, "name"));
		buf_putc(b, '=');
		buf_item(b, jstr(item, "value"));
	} else if (type == T_PRINCIPLES && json_is_string(item) &&
	           csvimport_enum_parse(&remacto__v1__principle__descriptor, s, &p)) {
		buf_item(b, csvimport_enum_short(&remacto__v1__principle__descriptor, p, name,
		                                 sizeof(name)));
	} else {
		buf_item(b, s);
	}
}

/* The cell of column col from the message's canonical JSON obj. */
static void
export_cell(struct csv *c, const struct col *col, const json_t *obj)
{
	const json_t *v = json_object_get(obj, col->json);
	struct buf b = BUF_INIT(0);
	char num[40];
	size_t i;
	json_t *item;

	switch (col->type) {
	case T_STRING:
	case T_INT64:
		csv_field(c, json_string_value(v));
		return;
	case T_TEXT:
		csv_field(c, jstr(v, col->sub));
		return;
	case T_UINT32:
		if (json_is_integer(v))
			csv_fieldf(c, "%lld", (long long)json_integer_value(v));
		else
			csv_field(c, "");
		return;
	case T_DOUBLE:
		if (json_is_string(v))
			csv_field(c, json_string_value(v));
		else {
			csvimport_number(json_is_number(v) ? json_number_value(v) : 0, num,
			                 sizeof(num));
			csv_field(c, num);
		}
		return;
	case T_PRINCIPLES:
	case T_LIST:
	case T_DIMENSIONS:
		json_array_foreach(v, i, item)
		{
			if (i > 0)
				buf_putc(&b, ';');
			list_item(&b, col->type, item);
		}
		break;
	case T_JSON:
		if (json_is_array(v) && json_array_size(v) > 0) {
			char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (!s)
				csv_fail(c);
			csv_field(c, s);
			free(s);
			return;
		}
		csv_field(c, "");
		return;
	default:
		csv_field(c, "");
		return;
	}
	if (b.err)
		csv_fail(c);
	csv_field(c, b.data);
	buf_free(&b);
}

/* One row of table t: the cells of msg (the entry's commitment or measurement; NULL when it is
 * not one) and the export-only columns, from e, from st (commitments) or log_index. */
static void
export_row(struct csv *c, enum csvimport_table t, const char *member, const Remacto__V1__Entry *e,
           const ProtobufCMessage *msg, const struct index_commitment *st, uint64_t log_index)
{
	const struct table *tb = &csvimport_tables[t];
	json_t *obj = msg ? pbjson_encode(msg) : NULL;
	bool has_status = st && st->status_index != INDEX_NONE;
	char s[64];

	if (!obj) {
		csv_fail(c);
		return;
	}
	for (size_t i = 0; i < tb->n; i++) {
		const struct col *col = &tb->cols[i];
		switch (col->type) {
		case T_MEMBER:
			csv_field(c, member);
			break;
		case T_X_STATUS:
			csv_field(c, has_status ? csvimport_enum_short(
			                                  &remacto__v1__completion__descriptor,
			                                  st->completion, s, sizeof(s))
			                        : "");
			break;
		case T_X_PROGRESS:
			if (has_status)
				csv_fieldf(c, "%u", (unsigned)st->progress);
			else
				csv_field(c, "");
			break;
		case T_X_STATUS_DATE:
			csv_field(c, st ? st->status_date : "");
			break;
		case T_X_PUBLISHED:
			csv_field(c, e->published);
			break;
		case T_X_LOG_INDEX:
			csv_fieldf(c, "%llu", (unsigned long long)(st ? st->entry : log_index));
			break;
		case T_X_STATUS_INDEX:
			if (has_status)
				csv_fieldf(c, "%llu", (unsigned long long)st->status_index);
			else
				csv_field(c, "");
			break;
		default:
			export_cell(c, col, obj);
			break;
		}
	}
	csv_end_row(c);
	json_decref(obj);
}

void
csvimport_commitment_row(struct csv *c, const char *member, const Remacto__V1__Entry *e,
                         const struct index_commitment *st)
{
	bool ok = e->kind_case == REMACTO__V1__ENTRY__KIND_COMMITMENT && e->commitment;
	export_row(c, CSVIMPORT_COMMITMENTS, member, e, ok ? &e->commitment->base : NULL, st, 0);
}

void
csvimport_measurement_row(struct csv *c, const char *member, const Remacto__V1__Entry *e,
                          uint64_t log_index)
{
	bool ok = e->kind_case == REMACTO__V1__ENTRY__KIND_MEASUREMENT && e->measurement;
	export_row(c, CSVIMPORT_MEASUREMENTS, member, e, ok ? &e->measurement->base : NULL, NULL,
	           log_index);
}
