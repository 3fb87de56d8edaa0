/*
 * Tests of node/views/csvimport.c: export → import round trips through the real API
 * (api_domain_route on a store holding the demo programme plus entries with every awkward value
 * a cell can carry), the RFC 4180 reader (quotes, CRLF/LF, BOM, blank lines, multi-line fields),
 * the header rules, per-row errors naming row and column, all-or-nothing, and the caps.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/entry.h"
#include "core/pbjson.h"
#include "daemon/api.h"
#include "demo.h"
#include "peers/ledger.h"
#include "store/index.h"
#include "store/tlog.h"
#include "views/csvimport.h"

#define RABAT "remacto.ma/rabat-prefecture"
#define DEMO_SIZE 19

struct fx {
	char dir[64];
	struct store s;
	struct api_ctx ctx; /* the routes see the store only */
	struct note_signer signer;
};

static int
append_blobs(struct fx *f, const struct tlog_blob *v, size_t n, char *err, size_t errcap)
{
	return tlog_append(&f->s, RABAT, &f->signer, v, n, NULL, NULL, err, errcap);
}

static void
append_lines(struct fx *f, char **lines, size_t n)
{
	struct tlog_blob v[64];
	char err[512];
	for (size_t i = 0; i < n; i++)
		v[i] = blob(lines[i]);
	if (append_blobs(f, v, n, err, sizeof(err)) != 0)
		fail_msg("append: %s", err);
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].data);
}

/* Entries whose every exported field is awkward in a CSV cell. */
static const char *const tricky[] = {
	"{\"schema\":1,\"published\":\"2025-01-01T00:00:00Z\",\"commitment\":{\"id\":\"TRK-1\","
	"\"programmeId\":\"OPEN-RABAT-2024\",\"parentId\":\"RBT-2024-01\",\"title\":{\"fr\":"
	"\"Titre, \\\"cité\\\"\\nsur deux lignes\",\"ar\":\"عنوان، مع فاصلة\",\"en\":\"  spaced  \"},"
	"\"problem\":{\"fr\":\"100 % ; = %41\",\"en\":\"p\"},\"description\":{\"ar\":\"وصف\","
	"\"en\":\"tab\\there\"},\"principles\":[\"PRINCIPLE_DIGITALISATION\","
	"\"PRINCIPLE_TRANSPARENCY\",\"PRINCIPLE_ACCOUNTABILITY\",\"PRINCIPLE_ACCESS_TO_INFORMATION\","
	"\"PRINCIPLE_CITIZEN_PARTICIPATION\"],\"leadBody\":\"Direction, \\\"DSI\\\"\","
	"\"stakeholders\":[\"A; B\",\" lead \",\"x=y\",\"50%\",\"%3B\",\"ONG \\\"Tafra\\\"\"],"
	"\"startDate\":\"2025-01-01\",\"endDate\":\"2025-12-31\",\"budgetMad\":\"9007199254740993\","
	"\"weight\":100,\"milestones\":[{\"id\":\"M1\",\"title\":{\"fr\":\"Étape, 1\",\"ar\":\"مرحلة\"},"
	"\"dueDate\":\"2025-06-30\"},{\"id\":\"M;2\"}]}}",
	"{\"schema\":1,\"commitment\":{\"id\":\"TRK-2\",\"title\":{\"ar\":\"فقط\"},\"principles\":"
	"[\"PRINCIPLE_TRANSPARENCY\"]}}",
	"{\"measurement\":{\"indicatorId\":\"IND-TR-03\",\"period\":\"2025-Q1\",\"value\":0.1,"
	"\"dimensions\":[{\"name\":\"x;y\",\"value\":\"a=b %41\"},{\"name\":\"gender\",\"value\":"
	"\"female\"}],\"comment\":{\"fr\":\"ligne 1\\nligne 2, \\\"fin\\\"\",\"en\":\" e \"}}}",
	"{\"measurement\":{\"indicatorId\":\"IND-TR-03\",\"period\":\"2025-Q2\",\"value\":-3.5e-300}}",
	"{\"measurement\":{\"indicatorId\":\"IND-TR-03\",\"period\":\"2025-Q3\",\"value\":1e21}}",
	"{\"measurement\":{\"indicatorId\":\"IND-TR-03\",\"period\":\"2025-Q4\",\"value\":\"NaN\"}}",
	"{\"measurement\":{\"indicatorId\":\"IND-AI-01\",\"period\":\"2026\",\"value\":"
	"\"-Infinity\"}}",
	"{\"measurement\":{\"indicatorId\":\"IND-AI-01\",\"period\":\"2026-01\",\"value\":0}}",
	"{\"measurement\":{\"indicatorId\":\"IND-AI-01\",\"period\":\"2026-02\",\"value\":"
	"123456789012.25}}",
	/* Texts a spreadsheet would run as formulas (issue 9), and texts that already begin with
	 * the quote the export puts in front of those. */
	"{\"schema\":1,\"commitment\":{\"id\":\"TRK-3\",\"title\":{\"fr\":"
	"\"=HYPERLINK(\\\"http://evil.example\\\",\\\"x\\\")\",\"ar\":\"+1+2\",\"en\":\"@SUM(A1)\"},"
	"\"problem\":{\"fr\":\"-2+3+cmd|' /C calc'!A0\",\"ar\":\"'=already quoted\",\"en\":"
	"\"'plain quote\"},\"description\":{\"fr\":\"-3\",\"en\":\"\\tindented\"},"
	"\"leadBody\":\"''\",\"stakeholders\":[\"=a\",\"-b\",\"+1\"],"
	"\"principles\":[\"PRINCIPLE_TRANSPARENCY\"]}}",
	"{\"measurement\":{\"indicatorId\":\"IND-AI-01\",\"period\":\"2026-03\",\"value\":-3}}",
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t seed[32];
	char err[256], line[8192], *lines[64];
	size_t n = 0;
	if (!f)
		return -1;
	f->ctx.store = &f->s;
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-csv-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i * 13 + 5);
	if (note_signer_from_seed(&f->signer, RABAT, NOTE_ALG_ED25519, seed) != 0 ||
	    ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)) != 0 ||
	    tlog_create(&f->s, &f->signer, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	FILE *in = fopen(demo_path(), "r");
	if (!in)
		return -1;
	while (fgets(line, sizeof(line), in))
		if (line[0] == '{')
			lines[n++] = strdup(line);
	fclose(in);
	for (size_t i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++)
		lines[n++] = strdup(tricky[i]);
	append_lines(f, lines, n);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char path[128];
	store_close(&f->s);
	note_signer_free(&f->signer);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct api_resp
get(struct fx *f, const char *path, const char *query)
{
	struct api_req *req = calloc(1, sizeof(*req));
	struct api_resp resp;
	assert_non_null(req);
	memset(&resp, 0, sizeof(resp));
	req->method = API_GET;
	snprintf(req->path, sizeof(req->path), "%s", path);
	snprintf(req->query, sizeof(req->query), "%s", query ? query : "");
	req->content_type = "";
	assert_true(api_domain_route(&f->ctx, req, &resp));
	assert_int_equal(resp.status, 200);
	free(req);
	return resp;
}

/* The kind's JSON ("commitment": {...}) of the stored entry at index. */
static json_t *
stored_kind(struct fx *f, uint64_t index, const char *kind)
{
	MDB_txn *txn;
	const uint8_t *data;
	size_t len;
	assert_int_equal(store_read_begin(&f->s, &txn), 0);
	assert_int_equal(store_entry_get(&f->s, txn, 1, index, &data, &len), 0);
	Remacto__V1__Entry *e = remacto__v1__entry__unpack(NULL, len, data);
	mdb_txn_abort(txn);
	assert_non_null(e);
	json_t *j = pbjson_encode(&e->base), *k = json_incref(json_object_get(j, kind));
	json_decref(j);
	remacto__v1__entry__free_unpacked(e, NULL);
	assert_non_null(k);
	return k;
}

static json_t *
imported_kind(const struct tlog_blob *b, const char *kind, const char *published)
{
	char err[256];
	Remacto__V1__Entry *e = entry_decode(b->data, b->len, err, sizeof(err));
	if (!e)
		fail_msg("imported entry does not decode: %s", err);
	json_t *j = pbjson_encode(&e->base), *k = json_incref(json_object_get(j, kind));
	assert_int_equal(json_integer_value(json_object_get(j, "schema")), 1);
	if (published)
		assert_string_equal(json_string_value(json_object_get(j, "published")), published);
	else
		assert_null(json_object_get(j, "published"));
	json_decref(j);
	remacto__v1__entry__free_unpacked(e, NULL);
	return k;
}

static void
expect_same(json_t *a, json_t *b, const char *what)
{
	if (!json_equal(a, b)) {
		char *x = json_dumps(a, JSON_SORT_KEYS), *y = json_dumps(b, JSON_SORT_KEYS);
		print_error("%s\n  original: %s\n  imported: %s\n", what, x, y);
		free(x);
		free(y);
		fail();
	}
}

/* Export a table as CSV, import it, compare each entry with the one it was exported from. */
static void
round_trip(struct fx *f, const char *table, const char *kind, size_t want)
{
	char path[64], csvpath[64];
	snprintf(path, sizeof(path), "/api/v1/%s", table);
	snprintf(csvpath, sizeof(csvpath), "/api/v1/%s.csv", table);
	struct api_resp js = get(f, path, "member=rabat-prefecture&limit=1000");
	struct api_resp cs = get(f, csvpath, "member=rabat-prefecture");
	json_t *list = json_loadb((const char *)js.body, js.len, 0, NULL);
	json_t *rows = json_object_get(list, table);
	struct csvimport_opts o = { "rabat-prefecture", "2026-01-01T00:00:00Z" };
	struct csvimport out;
	char err[256];

	int rc = csvimport_parse_ex((const char *)cs.body, cs.len, &o, &out, err, sizeof(err));
	if (rc != 0) {
		char *e = json_dumps(out.errors, 0);
		fail_msg("import of the export failed: %s %s", err, e);
	}
	assert_int_equal(out.table, strcmp(kind, "commitment") ? CSVIMPORT_MEASUREMENTS
	                                                       : CSVIMPORT_COMMITMENTS);
	assert_int_equal(out.n, want);
	assert_int_equal(json_array_size(rows), want);
	for (size_t i = 0; i < out.n; i++) {
		json_t *row = json_array_get(rows, i);
		json_t *orig = stored_kind(
		        f, (uint64_t)json_integer_value(json_object_get(row, "logIndex")), kind);
		json_t *back = imported_kind(&out.entries[i], kind, o.published);
		char what[128];
		snprintf(what, sizeof(what), "%s row %zu", table, out.rows[i]);
		assert_int_equal(out.rows[i], i + 2);
		expect_same(orig, back, what);
		json_decref(orig);
		json_decref(back);
	}
	/* What was imported can be published: new versions, measurements of known indicators. */
	assert_int_equal(append_blobs(f, out.entries, out.n, err, sizeof(err)), 0);
	csvimport_free(&out);
	json_decref(list);
	api_resp_free(&js);
	api_resp_free(&cs);
}

static void
test_round_trip_commitments(void **state)
{
	round_trip(*state, "commitments", "commitment", 6);
}

static void
test_round_trip_measurements(void **state)
{
	round_trip(*state, "measurements", "measurement", 3 + 8);
}

/* Export → import → publish → export gives the same data columns again. */
static void
test_export_is_stable(void **state)
{
	struct fx *f = *state;
	struct api_resp a = get(f, "/api/v1/commitments.csv", NULL);
	struct csvimport out;
	char err[256];
	assert_int_equal(
	        csvimport_parse_ex((const char *)a.body, a.len, NULL, &out, err, sizeof(err)), 0);
	assert_int_equal(append_blobs(f, out.entries, out.n, err, sizeof(err)), 0);
	csvimport_free(&out);
	struct api_resp b = get(f, "/api/v1/commitments.csv", NULL);
	/* Records end in CRLF (a field's own line breaks are LF): cut the six export-only
	 * columns (status … status_log_index, never quoted) off each and compare the rest. */
	char *x = strndup((const char *)a.body, a.len), *y = strndup((const char *)b.body, b.len);
	char *px = x, *py = y;
	size_t records = 0;
	for (;;) {
		char *ex = strstr(px, "\r\n"), *ey = strstr(py, "\r\n");
		assert_true((ex == NULL) == (ey == NULL));
		if (!ex)
			break;
		*ex = '\0', *ey = '\0';
		if (records > 0)
			for (int k = 0; k < 6; k++) {
				*strrchr(px, ',') = '\0';
				*strrchr(py, ',') = '\0';
			}
		assert_string_equal(px, py);
		records++;
		px = ex + 2, py = ey + 2;
	}
	assert_int_equal(records, 1 + 6);
	free(x);
	free(y);
	api_resp_free(&a);
	api_resp_free(&b);
}

/* Formula cells leave with a quote in front (the round trips above bring them back as they
 * were); numbers, negative ones included, leave as numbers. */
static void
test_formula_cells(void **state)
{
	struct fx *f = *state;
	struct api_resp c = get(f, "/api/v1/commitments.csv", NULL);
	struct api_resp m = get(f, "/api/v1/measurements.csv", NULL);
	char *cs = strndup((const char *)c.body, c.len), *ms = strndup((const char *)m.body, m.len);

	assert_non_null(strstr(cs, ",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\","));
	assert_non_null(strstr(cs, ",'+1+2,'@SUM(A1),'-2+3+cmd|' /C calc'!A0,''=already quoted,"
	                           "'plain quote,-3,,'\tindented,"));
	assert_non_null(strstr(cs, ",''',"));        /* leadBody "''": one more quote */
	assert_non_null(strstr(cs, ",%3Da;-b;+1,")); /* list items escape '=' themselves */
	assert_null(strstr(cs, ",=HYPERLINK"));
	assert_non_null(strstr(ms, ",2026-03,-3,"));
	assert_non_null(strstr(ms, ",2025-Q2,-3.5e-300,"));
	free(cs);
	free(ms);
	api_resp_free(&c);
	api_resp_free(&m);
}

/* ---- the reader and the rules, on literal CSV ---- */

struct result {
	int rc;
	struct csvimport out;
	char err[256];
};

static struct result *
parse(const char *csv, size_t len, const char *member)
{
	struct result *r = calloc(1, sizeof(*r));
	struct csvimport_opts o = { member, NULL };
	assert_non_null(r);
	r->rc = csvimport_parse_ex(csv, len, &o, &r->out, r->err, sizeof(r->err));
	if (r->rc == 0)
		assert_null(r->out.errors);
	else
		assert_null(r->out.entries);
	return r;
}

static void
result_free(struct result *r)
{
	csvimport_free(&r->out);
	free(r);
}

#define PARSE(lit) parse(lit, strlen(lit), NULL)

static struct result *
parse_ok(const char *csv, size_t want)
{
	struct result *r = parse(csv, strlen(csv), NULL);
	if (r->rc != 0) {
		char *e = json_dumps(r->out.errors, 0);
		fail_msg("%s: %s %s", csv, r->err, e);
	}
	assert_int_equal(r->out.n, want);
	return r;
}

/* The field of entry i, through its JSON: "commitment.title.fr". */
static char *
field_of(struct result *r, size_t i, const char *path)
{
	char err[256], buf[128], *save;
	Remacto__V1__Entry *e = entry_decode(r->out.entries[i].data, r->out.entries[i].len, err,
	                                     sizeof(err));
	assert_non_null(e);
	json_t *j = pbjson_encode(&e->base), *v = j;
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = strtok_r(buf, ".", &save); p && v; p = strtok_r(NULL, ".", &save))
		v = json_object_get(v, p);
	char *s = v ? (json_is_string(v) ? strdup(json_string_value(v))
	                                 : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT))
	            : strdup("(absent)");
	json_decref(j);
	remacto__v1__entry__free_unpacked(e, NULL);
	return s;
}

static void
expect_field(struct result *r, size_t i, const char *path, const char *want)
{
	char *got = field_of(r, i, path);
	if (strcmp(got, want) != 0)
		fail_msg("entry %zu %s: got [%s], expected [%s]", i, path, got, want);
	free(got);
}

/* The errors as "row:column:reason-fragment" checks. */
static void
expect_error(struct result *r, size_t row, const char *column, const char *fragment)
{
	json_t *e;
	size_t i;
	assert_int_equal(r->rc, -EINVAL);
	json_array_foreach(r->out.errors, i, e)
	{
		const char *c = json_string_value(json_object_get(e, "column"));
		const char *why = json_string_value(json_object_get(e, "reason"));
		if ((size_t)json_integer_value(json_object_get(e, "row")) == row && c &&
		    !strcmp(c, column) && why && strstr(why, fragment))
			return;
	}
	char *all = json_dumps(r->out.errors, 0);
	fail_msg("no error row %zu column %s (%s) in %s", row, column, fragment, all);
}

static void
test_reader(void **state)
{
	(void)state;
	struct result *r;

	r = parse_ok("id,title_fr,principles\r\nC1,\"Titre, avec \"\"guillemets\"\"\",transparency"
	             "\r\n",
	             1);
	expect_field(r, 0, "commitment.title.fr", "Titre, avec \"guillemets\"");
	expect_field(r, 0, "commitment.principles", "[\"PRINCIPLE_TRANSPARENCY\"]");
	result_free(r);

	/* LF, no final newline, a BOM, blank lines, a field over two lines, header spaces. */
	r = parse_ok("\xef\xbb\xbf"
	             "id, title_fr ,principles\n\nC1,\"deux\nlignes\",Transparency;"
	             " accountability \n\n\nC2,b,PRINCIPLE_DIGITALISATION",
	             2);
	expect_field(r, 0, "commitment.title.fr", "deux\nlignes");
	expect_field(r, 0, "commitment.principles",
	             "[\"PRINCIPLE_TRANSPARENCY\",\"PRINCIPLE_ACCOUNTABILITY\"]");
	assert_int_equal(r->out.rows[0], 3);
	assert_int_equal(r->out.rows[1], 6);
	result_free(r);

	/* Empty cells are absent fields; export-only columns are ignored; "" is an empty field. */
	r = parse_ok("member,id,title_fr,principles,status,progress_percent,log_index,budget_mad,"
	             "weight\nanyone,C1,t,transparency,complete,100,42,\"\",\n",
	             1);
	expect_field(r, 0, "commitment.budgetMad", "(absent)");
	expect_field(r, 0, "commitment.weight", "(absent)");
	result_free(r);

	/* A header alone: no entries, no error. */
	r = parse_ok("indicator_id,period,value\r\n", 0);
	assert_int_equal(r->out.table, CSVIMPORT_MEASUREMENTS);
	result_free(r);

	/* Measurements: dimensions, special values, trailing comma = empty last field. */
	r = parse_ok("indicator_id,period,value,dimensions,comment_fr\nI,2024,Infinity,"
	             "a%3Db=c%25;  gender = female ;,\nI,2024-Q1,-0.5e3,,\n",
	             2);
	expect_field(r, 0, "measurement.value", "Infinity");
	expect_field(
	        r, 0, "measurement.dimensions",
	        "[{\"name\":\"a=b\",\"value\":\"c%\"},{\"name\":\"gender\",\"value\":\"female\"}]");
	expect_field(r, 1, "measurement.value", "-500");
	result_free(r);
}

static void
test_header_errors(void **state)
{
	(void)state;
	struct result *r;

	r = PARSE("id,title_fr,colour\nC1,t,red\n");
	expect_error(r, 1, "colour", "unknown column");
	assert_int_equal(json_array_size(r->out.errors), 1);
	result_free(r);

	r = PARSE("id,title_fr,id\n");
	expect_error(r, 1, "id", "twice");
	result_free(r);

	r = PARSE("title_fr,principles\n");
	expect_error(r, 1, "id", "required column");
	result_free(r);

	r = PARSE("indicator_id,period\nI,2024\n");
	expect_error(r, 1, "value", "required column");
	result_free(r);

	/* A measurements header with a commitments column. */
	r = PARSE("indicator_id,period,value,title_fr\n");
	expect_error(r, 1, "title_fr", "unknown column");
	result_free(r);

	r = PARSE("id,,title_fr\n");
	expect_error(r, 1, "", "no name");
	result_free(r);

	r = PARSE("");
	expect_error(r, 0, "", "empty");
	assert_non_null(strstr(r->err, "empty"));
	result_free(r);
}

static void
test_row_errors(void **state)
{
	(void)state;
	const char *csv =
	        "id,title_fr,principles,budget_mad,weight,milestones,start_date,end_date\n"
	        "C1,ok,transparency,,,,,\n"                    /* 2: fine */
	        "C2,t,openness,12k,,,,\n"                      /* 3: two errors */
	        "C3,t,transparency,,101,,,\n"                  /* 4: weight */
	        "C4,t,transparency,,,\"[{\"\"id\"\":1}]\",,\n" /* 5: milestone id */
	        "C5,t,transparency,,,not json,,\n"             /* 6: milestones */
	        "C6,t,transparency,,,,2025-02-01,2025-01-01\n" /* 7: end before start */
	        "C7,,transparency,,,,,\n"                      /* 8: no title */
	        "C8,t,transparency,,,,2025-02-30,\n"           /* 9: bad date */
	        "C9,t\n"                                       /* 10: field count */
	        ",t,transparency,,,,,\n"                       /* 11: no id */
	        "C11,t,transparency,-5,,,,\n"                  /* 12: budget */
	        "C12,t,transparency,,x,,,\n";                  /* 13: weight */
	struct result *r = parse(csv, strlen(csv), NULL);
	expect_error(r, 3, "principles", "unknown principle 'openness'");
	expect_error(r, 3, "budget_mad", "whole number");
	expect_error(r, 4, "weight", "0 to 100");
	expect_error(r, 5, "milestones", "milestones[0].id");
	expect_error(r, 6, "milestones", "JSON array");
	expect_error(r, 7, "end_date", "before startDate");
	expect_error(r, 8, "title_fr", "required");
	expect_error(r, 9, "start_date", "date");
	expect_error(r, 10, "", "2 fields where the header has 8");
	expect_error(r, 11, "id", "required");
	expect_error(r, 12, "budget_mad", "negative");
	expect_error(r, 13, "weight", "whole number");
	assert_int_equal(json_array_size(r->out.errors), 12);
	assert_int_equal(r->out.n, 0);
	assert_non_null(strstr(r->err, "12 errors"));
	result_free(r);

	const char *m = "indicator_id,period,value,dimensions,evidence_id\n"
	                "I,2024,,,\n"        /* 2: value required */
	                "I,2024-13,1,,\n"    /* 3: period */
	                "I,2024,\"1,5\",,\n" /* 4: not a number */
	                "I,2024,0x10,,\n"    /* 5: not a decimal */
	                "I,2024,1,gender,\n" /* 6: dimension without '=' */
	                ",2024,1,,\n"        /* 7: indicator */
	                "I,2024,nan,,\n";    /* 8: only NaN, Infinity, -Infinity */
	r = parse(m, strlen(m), NULL);
	expect_error(r, 2, "value", "required");
	expect_error(r, 3, "period", "period");
	expect_error(r, 4, "value", "number");
	expect_error(r, 5, "value", "number");
	expect_error(r, 6, "dimensions", "name=value");
	expect_error(r, 7, "indicator_id", "required");
	expect_error(r, 8, "value", "number");
	assert_int_equal(json_array_size(r->out.errors), 7);
	result_free(r);
}

static void
test_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *csv;
		size_t row;
		const char *why;
	} cases[] = {
		{ "id,title_fr\nC1,\"open\n", 2, "not closed" },
		{ "id,title_fr\nC1,ab\"c\n", 2, "quote inside an unquoted field" },
		{ "id,title_fr\nC1,\"ab\"c\n", 2, "after the closing quote" },
		{ "id,title_fr\rC1,t\n", 1, "carriage return" },
		{ "id,title_fr\n\nC1,t\r\rC2,t\n", 3, "carriage return" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result *r = parse(cases[i].csv, strlen(cases[i].csv), NULL);
		expect_error(r, cases[i].row, "", cases[i].why);
		assert_non_null(strstr(r->err, "malformed"));
		result_free(r);
	}
	/* A NUL byte. */
	static const char nul[] = "id,title_fr\nC1,a\0b\n";
	struct result *r = parse(nul, sizeof(nul) - 1, NULL);
	expect_error(r, 2, "", "NUL");
	result_free(r);

	/* 64 columns are fine, 65 are not. */
	char hdr[1024];
	size_t o = 0;
	for (int i = 0; i < 65; i++)
		o += (size_t)snprintf(hdr + o, sizeof(hdr) - o, "%sid", i ? "," : "");
	hdr[o++] = '\n';
	hdr[o] = '\0';
	r = parse(hdr, o, NULL);
	expect_error(r, 1, "", "more than 64 fields");
	result_free(r);
}

static void
test_member_check(void **state)
{
	(void)state;
	const char *csv = "member,id,title_fr,principles\nrabat-prefecture,C1,t,transparency\n"
	                  "sale-commune,C2,t,transparency\n,C3,t,transparency\n";
	struct result *r = parse(csv, strlen(csv), "rabat-prefecture");
	expect_error(r, 3, "member", "sale-commune");
	assert_int_equal(json_array_size(r->out.errors), 1);
	result_free(r);
	r = parse(csv, strlen(csv), NULL);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->out.n, 3);
	result_free(r);
}

static void
test_caps(void **state)
{
	(void)state;
	/* Over 8 MiB: refused before reading. */
	size_t big = CSVIMPORT_MAX_BYTES + 1;
	char *buf = malloc(big);
	assert_non_null(buf);
	memset(buf, 'a', big);
	struct result *r = parse(buf, big, NULL);
	expect_error(r, 0, "", "cap");
	result_free(r);
	free(buf);

	/* 100,000 rows pass; 100,001 do not. */
	const char *hdr = "indicator_id,period,value\n", *row = "I,2024,1\n";
	size_t n = strlen(hdr) + (CSVIMPORT_MAX_ROWS + 1) * strlen(row);
	buf = malloc(n + 1);
	assert_non_null(buf);
	strcpy(buf, hdr);
	for (size_t i = 0, o = strlen(hdr); i <= CSVIMPORT_MAX_ROWS; i++, o += strlen(row))
		memcpy(buf + o, row, strlen(row));
	buf[n] = '\0';
	r = parse(buf, n, NULL);
	expect_error(r, CSVIMPORT_MAX_ROWS + 2, "", "more than 100000 rows");
	result_free(r);
	r = parse(buf, n - strlen(row), NULL);
	assert_int_equal(r->rc, 0);
	assert_int_equal(r->out.n, CSVIMPORT_MAX_ROWS);
	result_free(r);
	free(buf);

	/* At most CSVIMPORT_MAX_ERRORS errors are listed, the last saying so. */
	n = strlen(hdr) + 1500 * 9;
	buf = malloc(n + 1);
	assert_non_null(buf);
	strcpy(buf, hdr);
	for (size_t i = 0, o = strlen(hdr); i < 1500; i++, o += 9)
		memcpy(buf + o, "I,2024,x\n", 9);
	buf[n] = '\0';
	r = parse(buf, n, NULL);
	assert_int_equal(r->rc, -EINVAL);
	assert_int_equal(json_array_size(r->out.errors), CSVIMPORT_MAX_ERRORS);
	assert_non_null(
	        strstr(json_string_value(json_object_get(
	                       json_array_get(r->out.errors, CSVIMPORT_MAX_ERRORS - 1), "reason")),
	               "more than"));
	assert_non_null(strstr(r->err, "1500 errors"));
	result_free(r);
	free(buf);
}

/* The call api_admin.c makes. */
static void
test_simple_interface(void **state)
{
	(void)state;
	struct tlog_blob *v = (void *)1;
	size_t n = 99;
	json_t *errors = (void *)1;
	char err[256];
	const char *ok = "indicator_id,period,value\nI,2024,1.5\nJ,2025,2\n";
	assert_int_equal(csvimport_parse(ok, strlen(ok), &v, &n, &errors, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_non_null(v);
	assert_null(errors);
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].data);
	free(v);

	const char *bad = "indicator_id,period,value\nI,2024,one\n";
	assert_int_equal(csvimport_parse(bad, strlen(bad), &v, &n, &errors, err, sizeof(err)),
	                 -EINVAL);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_int_equal(json_array_size(errors), 1);
	json_t *e = json_array_get(errors, 0);
	assert_int_equal(json_integer_value(json_object_get(e, "row")), 2);
	assert_string_equal(json_string_value(json_object_get(e, "column")), "value");
	assert_non_null(strstr(err, "1 error"));
	json_decref(errors);
}

static void
test_enums_and_numbers(void **state)
{
	(void)state;
	const ProtobufCEnumDescriptor *p = &remacto__v1__principle__descriptor;
	const ProtobufCEnumDescriptor *c = &remacto__v1__completion__descriptor;
	char s[64];
	int v;
	assert_true(csvimport_enum_parse(p, "transparency", &v) && v == 1);
	assert_true(csvimport_enum_parse(p, "PRINCIPLE_DIGITALISATION", &v) && v == 5);
	assert_true(csvimport_enum_parse(p, "principle_digitalisation", &v) && v == 5);
	assert_true(csvimport_enum_parse(p, "Access to information", &v) && v == 3);
	assert_true(csvimport_enum_parse(c, "not-started", &v) && v == 1);
	assert_false(csvimport_enum_parse(c, "", &v));
	assert_false(csvimport_enum_parse(c, "started", &v));
	assert_false(csvimport_enum_parse(p, "COMPLETION_COMPLETE", &v));
	assert_string_equal(csvimport_enum_short(c, 4, s, sizeof(s)), "complete");
	assert_string_equal(csvimport_enum_short(p, 4, s, sizeof(s)), "citizen_participation");
	assert_string_equal(csvimport_enum_short(p, 99, s, sizeof(s)), "");

	static const struct {
		double x;
		const char *s;
	} nums[] = {
		{ 0, "0" },           { 20, "20" },          { 100, "100" },
		{ -3, "-3" },         { 0.1, "0.1" },        { 66.7, "66.7" },
		{ 1e21, "1e+21" },    { 1e15, "1e+15" },     { 123456789012.25, "123456789012.25" },
		{ 5e-324, "5e-324" }, { 2.5e-7, "2.5e-07" },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		csvimport_number(nums[i].x, s, sizeof(s));
		assert_string_equal(s, nums[i].s);
		assert_true(strtod(s, NULL) == nums[i].x);
	}
	csvimport_number(NAN, s, sizeof(s));
	assert_string_equal(s, "NaN");
	csvimport_number(-INFINITY, s, sizeof(s));
	assert_string_equal(s, "-Infinity");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip_commitments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_measurements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_formula_cells, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export_is_stable, setup, teardown),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_row_errors),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_member_check),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_simple_interface),
		cmocka_unit_test(test_enums_and_numbers),
	};
	return cmocka_run_group_tests_name("csvimport", tests, NULL, NULL);
}
