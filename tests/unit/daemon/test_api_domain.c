/*
 * Tests of node/daemon/api_domain.c: the domain routes called directly with a filled struct api_req
 * on a node holding two logs — the demo programme of the Rabat prefecture
 * (config/demo/rabat-prefecture.jsonl) and a small commune log — in a fresh temporary folder.
 * Filters, history order and indexes, pagination (cursor and offset), CSV columns, the 400, 404
 * and 405 answers, and index_rebuild giving byte-identical answers.
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

#include "core/entry.h"
#include "core/pbjson.h"
#include "daemon/api.h"
#include "demo.h"
#include "peers/ledger.h"
#include "store/index.h"
#include "store/tlog.h"
#include "views/csvimport.h"

#define RABAT "remacto.ma/rabat-prefecture"
#define SALE "remacto.ma/sale-commune"
#define DEMO_SIZE 19

struct fx {
	char dir[64];
	struct store s;
	struct api_ctx ctx; /* the routes see the store only */
	struct note_signer rabat, sale;
};

static void
append(struct fx *f, const struct note_signer *signer, const char *const *json, size_t n)
{
	struct tlog_blob v[64];
	char err[512];
	assert_true(n <= 64);
	for (size_t i = 0; i < n; i++)
		v[i] = blob(json[i]);
	if (tlog_append(&f->s, signer->v.name, signer, v, n, NULL, NULL, err, sizeof(err)) != 0)
		fail_msg("append: %s", err);
	for (size_t i = 0; i < n; i++)
		free((void *)v[i].data);
}

static void
append_demo(struct fx *f)
{
	FILE *in = fopen(demo_path(), "r");
	char *lines[64];
	char line[8192];
	size_t n = 0;
	assert_non_null(in);
	while (fgets(line, sizeof(line), in))
		if (line[0] == '{')
			assert_non_null(lines[n++] = strdup(line));
	fclose(in);
	assert_int_equal(n, DEMO_SIZE);
	append(f, &f->rabat, (const char *const *)lines, n);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
}

static const char *const sale_entries[] = {
	"{\"programme\":{\"id\":\"SALE-OUVERTE\",\"title\":{\"fr\":\"Salé ouverte\"}}}",
	"{\"commitment\":{\"id\":\"SAL-01\",\"programmeId\":\"SALE-OUVERTE\",\"title\":{\"fr\":"
	"\"Portail des données, \\\"ouvert\\\"\",\"ar\":\"بوابة\"},\"principles\":["
	"\"PRINCIPLE_TRANSPARENCY\",\"PRINCIPLE_DIGITALISATION\"],\"stakeholders\":[\"A; B\","
	"\" lead\"],\"budgetMad\":\"1000\"}}",
	"{\"indicator\":{\"id\":\"IND-AI-01\",\"catalogCode\":\"AI-01\",\"title\":{\"fr\":\"Délai\"}}}",
	"{\"measurement\":{\"indicatorId\":\"IND-AI-01\",\"period\":\"2024\",\"value\":31.5}}",
	"{\"measurement\":{\"indicatorId\":\"IND-AI-01\",\"period\":\"2025\",\"value\":0}}",
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint8_t seed[32];
	char err[256];
	if (!f)
		return -1;
	f->ctx.store = &f->s;
	snprintf(f->dir, sizeof(f->dir), "/tmp/remacto-api-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i * 13 + 5);
	if (note_signer_from_seed(&f->rabat, RABAT, NOTE_ALG_ED25519, seed) != 0)
		return -1;
	seed[0] ^= 0xff;
	if (note_signer_from_seed(&f->sale, SALE, NOTE_ALG_ED25519, seed) != 0 ||
	    ledger_open(&f->s, f->dir, STORE_CREATE, 0, err, sizeof(err)) != 0 ||
	    tlog_create(&f->s, &f->rabat, NULL, err, sizeof(err)) != 0 ||
	    tlog_create(&f->s, &f->sale, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	append_demo(f);
	append(f, &f->sale, sale_entries, sizeof(sale_entries) / sizeof(sale_entries[0]));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char path[128];
	store_close(&f->s);
	note_signer_free(&f->rabat);
	note_signer_free(&f->sale);
	snprintf(path, sizeof(path), "%s/data.mdb", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* ---- requests ---- */

static struct api_resp
request(struct fx *f, enum api_method method, const char *path, const char *query, bool csv)
{
	struct api_req *req = calloc(1, sizeof(*req));
	struct api_resp resp;
	assert_non_null(req);
	memset(&resp, 0, sizeof(resp));
	req->method = method;
	req->want_csv = csv;
	snprintf(req->path, sizeof(req->path), "%s", path);
	snprintf(req->query, sizeof(req->query), "%s", query ? query : "");
	req->content_type = "";
	assert_true(api_domain_route(&f->ctx, req, &resp));
	free(req);
	return resp;
}

/* GET path?query → JSON with the expected status; the caller owns the result. */
static json_t *
get_json(struct fx *f, const char *path, const char *query, int status)
{
	struct api_resp r = request(f, API_GET, path, query, false);
	json_error_t je;
	if (r.status != status)
		fail_msg("GET %s?%s: status %d, expected %d: %.*s", path, query ? query : "",
		         r.status, status, (int)r.len, (const char *)r.body);
	assert_string_equal(r.content_type, "application/json");
	json_t *j = json_loadb((const char *)r.body, r.len, 0, &je);
	if (!j)
		fail_msg("GET %s: not JSON: %s", path, je.text);
	api_resp_free(&r);
	return j;
}

/* GET → 400 naming field. */
static void
bad_request(struct fx *f, const char *path, const char *query, const char *field)
{
	json_t *j = get_json(f, path, query, 400);
	const char *got = json_string_value(json_object_get(json_object_get(j, "error"), "field"));
	if (!got || strcmp(got, field) != 0)
		fail_msg("GET %s?%s: field %s, expected %s", path, query, got ? got : "(none)",
		         field);
	json_decref(j);
}

/* The "id" (or indicatorId/period) of each row of list name, joined by spaces. */
static void
ids(json_t *j, const char *name, const char *key, char *out, size_t cap)
{
	json_t *rows = json_object_get(j, name), *row;
	size_t i, o = 0;
	assert_true(json_is_array(rows));
	out[0] = '\0';
	json_array_foreach(rows, i, row)
	        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? " " : "",
	                              json_string_value(json_object_get(row, key)));
}

static char *
body_of(struct api_resp *r)
{
	char *s = malloc(r->len + 1);
	assert_non_null(s);
	memcpy(s, r->body, r->len);
	s[r->len] = '\0';
	return s;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- tests ---- */

static void
test_list_commitments(void **state)
{
	struct fx *f = *state;
	char got[512];
	json_t *j = get_json(f, "/api/v1/commitments", NULL, 200);
	ids(j, "commitments", "id", got, sizeof(got));
	assert_string_equal(got, "RBT-2024-01 RBT-2024-02 RBT-2024-03 SAL-01");
	assert_true(json_is_null(json_object_get(j, "next")));

	json_t *row = json_array_get(json_object_get(j, "commitments"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "member")), "rabat-prefecture");
	assert_string_equal(json_string_value(json_object_get(row, "origin")), RABAT);
	assert_string_equal(json_string_value(json_object_get(json_object_get(row, "title"), "en")),
	                    "Open and understandable budget");
	assert_string_equal(
	        json_string_value(json_array_get(json_object_get(row, "principles"), 1)),
	        "PRINCIPLE_ACCOUNTABILITY");
	assert_string_equal(json_string_value(json_object_get(row, "programme")),
	                    "OPEN-RABAT-2024");
	assert_string_equal(json_string_value(json_object_get(row, "status")),
	                    "COMPLETION_SUBSTANTIAL");
	assert_int_equal(json_integer_value(json_object_get(row, "progress")), 70);
	assert_string_equal(json_string_value(json_object_get(row, "statusDate")), "2025-06-30");
	assert_string_equal(json_string_value(json_object_get(row, "lastUpdate")), "2025-09-20");
	assert_int_equal(json_integer_value(json_object_get(row, "logIndex")), 3);
	assert_int_equal(json_integer_value(json_object_get(row, "statusIndex")), 14);
	json_t *ms = json_object_get(row, "milestones");
	assert_int_equal(json_array_size(ms), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 0), "status")),
	                    "MILESTONE_STATUS_MET");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(ms, 0), "index")), 12);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 0), "dueDate")),
	                    "2025-01-31");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ms, 1), "status")),
	                    "MILESTONE_STATUS_SCHEDULED");
	assert_true(json_is_null(json_object_get(json_array_get(ms, 1), "index")));

	row = json_array_get(json_object_get(j, "commitments"), 3);
	assert_string_equal(json_string_value(json_object_get(row, "status")),
	                    "COMPLETION_UNSPECIFIED");
	assert_true(json_is_null(json_object_get(row, "statusIndex")));
	assert_true(json_is_null(json_object_get(row, "statusDate")));
	json_decref(j);
}

static void
test_filters(void **state)
{
	static const struct {
		const char *query, *ids;
	} cases[] = {
		{ "member=rabat-prefecture", "RBT-2024-01 RBT-2024-02 RBT-2024-03" },
		{ "member=sale-commune", "SAL-01" },
		{ "principle=transparency", "RBT-2024-01 SAL-01" },
		{ "principle=PRINCIPLE_CITIZEN_PARTICIPATION", "RBT-2024-03" },
		{ "principle=Access-To-Information", "RBT-2024-02" },
		{ "principle=digitalisation&member=sale-commune", "SAL-01" },
		{ "status=substantial", "RBT-2024-01 RBT-2024-02" },
		{ "status=COMPLETION_LIMITED", "RBT-2024-03" },
		{ "status=unspecified", "SAL-01" },
		{ "status=complete", "" },
		{ "programme=OPEN-RABAT-2024", "RBT-2024-01 RBT-2024-02 RBT-2024-03" },
		{ "programme=SALE-OUVERTE&member=sale-commune", "SAL-01" },
		{ "member=rabat-prefecture&principle=accountability&status=substantial",
		  "RBT-2024-01" },
		{ "member=", "RBT-2024-01 RBT-2024-02 RBT-2024-03 SAL-01" },
	};
	struct fx *f = *state;
	char got[512];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = get_json(f, "/api/v1/commitments", cases[i].query, 200);
		ids(j, "commitments", "id", got, sizeof(got));
		if (strcmp(got, cases[i].ids) != 0)
			fail_msg("?%s: got [%s], expected [%s]", cases[i].query, got, cases[i].ids);
		json_decref(j);
	}
}

static void
test_bad_requests(void **state)
{
	struct fx *f = *state;
	bad_request(f, "/api/v1/commitments", "member=nowhere", "member");
	bad_request(f, "/api/v1/commitments", "principle=openness", "principle");
	bad_request(f, "/api/v1/commitments", "principle=unspecified", "principle");
	bad_request(f, "/api/v1/commitments", "status=done", "status");
	bad_request(f, "/api/v1/commitments", "programme=NOPE", "programme");
	bad_request(f, "/api/v1/commitments", "programme=SALE-OUVERTE&member=rabat-prefecture",
	            "programme");
	bad_request(f, "/api/v1/commitments", "colour=red", "colour");
	bad_request(f, "/api/v1/commitments", "limit=1001", "limit");
	bad_request(f, "/api/v1/commitments", "limit=x", "limit");
	bad_request(f, "/api/v1/commitments", "offset=-1", "offset");
	bad_request(f, "/api/v1/commitments", "cursor=zz", "cursor");
	bad_request(f, "/api/v1/commitments", "cursor=abc", "cursor");
	bad_request(f, "/api/v1/commitments", "member=%zz", "member");
	bad_request(f, "/api/v1/indicators", "member=nowhere", "member");
	bad_request(f, "/api/v1/indicators", "indicator=IND-AI-01", "indicator");
	bad_request(f, "/api/v1/measurements", "indicator=NOPE", "indicator");
	bad_request(f, "/api/v1/measurements", "indicator=IND-TR-03&member=sale-commune",
	            "indicator");
	bad_request(f, "/api/v1/measurements", "period=2024-Q5", "period");
	bad_request(f, "/api/v1/measurements", "member=nowhere", "member");
	bad_request(f, "/api/v1/commitments/rabat-prefecture/RBT-2024-01", "x=1", "x");

	/* The error body names the status and a reason. */
	json_t *j = get_json(f, "/api/v1/commitments", "status=done", 400);
	json_t *e = json_object_get(j, "error");
	assert_int_equal(json_integer_value(json_object_get(e, "status")), 400);
	assert_non_null(strstr(json_string_value(json_object_get(e, "reason")), "substantial"));
	json_decref(j);
}

static void
test_not_found_and_methods(void **state)
{
	struct fx *f = *state;
	json_t *j;
	j = get_json(f, "/api/v1/commitments/nowhere/RBT-2024-01", NULL, 404);
	json_decref(j);
	j = get_json(f, "/api/v1/commitments/rabat-prefecture/RBT-9", NULL, 404);
	json_decref(j);
	j = get_json(f, "/api/v1/commitments/sale-commune/RBT-2024-01", NULL, 404);
	json_decref(j);
	j = get_json(f, "/api/v1/commitments/rabat-prefecture", NULL, 404);
	json_decref(j);
	j = get_json(f, "/api/v1/commitments/rabat-prefecture/", NULL, 404);
	json_decref(j);

	static const char *const paths[] = { "/api/v1/commitments", "/api/v1/indicators.csv",
		                             "/api/v1/measurements",
		                             "/api/v1/commitments/rabat-prefecture/RBT-2024-01" };
	for (size_t i = 0; i < 4; i++) {
		struct api_resp r = request(f, API_POST, paths[i], NULL, false);
		assert_int_equal(r.status, 405);
		assert_string_equal(r.content_type, "application/json");
		api_resp_free(&r);
		r = request(f, API_OTHER, paths[i], NULL, false);
		assert_int_equal(r.status, 405);
		api_resp_free(&r);
	}

	/* Not ours: the route declines. */
	static const char *const others[] = {
		"/api/v1/logs",        "/api/v1/commitmentsx",      "/api/v1/indicatorsx",
		"/api/v2/commitments", "/api/v1/measurements.json", "/"
	};
	for (size_t i = 0; i < 6; i++) {
		struct api_req *req = calloc(1, sizeof(*req));
		struct api_resp resp = { 0 };
		req->method = API_GET;
		snprintf(req->path, sizeof(req->path), "%s", others[i]);
		req->content_type = "";
		assert_false(api_domain_route(&f->ctx, req, &resp));
		assert_null(resp.body);
		free(req);
	}
}

static void
test_head(void **state)
{
	struct fx *f = *state;
	struct api_resp g = request(f, API_GET, "/api/v1/indicators", NULL, false);
	struct api_resp h = request(f, API_HEAD, "/api/v1/indicators", NULL, false);
	assert_int_equal(g.status, 200);
	assert_int_equal(h.status, 200);
	assert_int_equal(g.len, h.len);
	assert_memory_equal(g.body, h.body, g.len);
	api_resp_free(&g);
	api_resp_free(&h);
}

static void
test_detail_history(void **state)
{
	struct fx *f = *state;
	json_t *j = get_json(f, "/api/v1/commitments/rabat-prefecture/RBT-2024-01", NULL, 200);
	json_t *hist = json_object_get(j, "history"), *item;
	static const struct {
		int index;
		const char *kind;
	} want[] = {
		{ 3, "commitment" },
		{ 12, "milestoneUpdate" },
		{ 14, "statusUpdate" },
		{ 17, "assessment" },
	};
	size_t i;
	assert_string_equal(json_string_value(json_object_get(j, "id")), "RBT-2024-01");
	assert_int_equal(json_integer_value(json_object_get(j, "logIndex")), 3);
	json_t *entry = json_object_get(j, "entry");
	assert_string_equal(json_string_value(json_object_get(entry, "published")),
	                    "2024-05-15T10:00:00Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(entry, "commitment"),
	                                                      "budgetMad")),
	                    "450000");
	assert_int_equal(json_array_size(hist), 4);
	json_array_foreach(hist, i, item)
	{
		assert_int_equal(json_integer_value(json_object_get(item, "index")), want[i].index);
		assert_string_equal(json_string_value(json_object_get(item, "kind")), want[i].kind);
		assert_non_null(json_object_get(json_object_get(item, "entry"), want[i].kind));
	}
	item = json_array_get(hist, 3);
	assert_string_equal(json_string_value(json_object_get(item, "published")),
	                    "2025-09-20T10:00:00Z");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_object_get(json_object_get(item, "entry"), "assessment"), "assessor")),
	        "Association Tafra");
	json_decref(j);

	/* The amendment of RBT-2024-03 (subjectId = the commitment) is in its history. */
	j = get_json(f, "/api/v1/commitments/rabat-prefecture/RBT-2024-03", NULL, 200);
	hist = json_object_get(j, "history");
	assert_int_equal(json_array_size(hist), 3);
	item = json_array_get(hist, 1);
	assert_int_equal(json_integer_value(json_object_get(item, "index")), 13);
	assert_string_equal(json_string_value(json_object_get(item, "kind")), "amendment");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_object_get(json_object_get(item, "entry"), "amendment"), "newValue")),
	        "2025-05-31");
	json_decref(j);

	/* A new version and a status: both appended to the history, the row shows the latest. */
	const char *more[] = {
		"{\"published\":\"2025-12-01T10:00:00Z\",\"commitment\":{\"id\":\"RBT-2024-03\","
		"\"title\":{\"fr\":\"Budget participatif (v2)\"},\"principles\":["
		"\"PRINCIPLE_CITIZEN_PARTICIPATION\"],\"milestones\":[{\"id\":\"M1\"}]}}",
		"{\"statusUpdate\":{\"commitmentId\":\"RBT-2024-03\",\"date\":\"2025-12-02\","
		"\"completion\":\"COMPLETION_SUBSTANTIAL\",\"progressPercent\":55}}",
	};
	append(f, &f->rabat, more, 2);
	j = get_json(f, "/api/v1/commitments/rabat-prefecture/RBT-2024-03", NULL, 200);
	hist = json_object_get(j, "history");
	assert_int_equal(json_array_size(hist), 5);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(hist, 3), "index")),
	                 DEMO_SIZE);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hist, 3), "kind")),
	                    "commitment");
	assert_int_equal(json_integer_value(json_object_get(j, "logIndex")), DEMO_SIZE);
	assert_int_equal(json_integer_value(json_object_get(j, "firstIndex")), 5);
	assert_int_equal(json_integer_value(json_object_get(j, "versions")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "progress")), 55);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "title"), "fr")),
	                    "Budget participatif (v2)");
	json_decref(j);

	/* The history as CSV. */
	struct api_resp r = request(f, API_GET, "/api/v1/commitments/rabat-prefecture/RBT-2024-03",
	                            NULL, true);
	assert_int_equal(r.status, 200);
	char *csv = body_of(&r);
	assert_string_equal(
	        csv,
	        "member,commitment_id,log_index,kind,published,date\r\n"
	        "rabat-prefecture,RBT-2024-03,5,commitment,2024-05-15T10:10:00Z,\r\n"
	        "rabat-prefecture,RBT-2024-03,13,amendment,2025-04-15T10:00:00Z,2025-04-15\r\n"
	        "rabat-prefecture,RBT-2024-03,18,statusUpdate,2025-10-01T09:00:00Z,2025-10-01\r\n"
	        "rabat-prefecture,RBT-2024-03,19,commitment,2025-12-01T10:00:00Z,\r\n"
	        "rabat-prefecture,RBT-2024-03,20,statusUpdate,,2025-12-02\r\n");
	free(csv);
	api_resp_free(&r);
}

static void
test_pagination(void **state)
{
	struct fx *f = *state;
	char query[2048], got[128], all[512] = "";
	const char *next = NULL;
	json_t *j = NULL;
	int pages = 0;
	do {
		if (next)
			snprintf(query, sizeof(query), "limit=1&cursor=%s", next);
		else
			snprintf(query, sizeof(query), "limit=1");
		json_t *page = get_json(f, "/api/v1/commitments", query, 200);
		json_decref(j);
		j = page;
		ids(j, "commitments", "id", got, sizeof(got));
		strcat(all, pages ? " " : "");
		strcat(all, got);
		next = json_string_value(json_object_get(j, "next"));
		pages++;
		assert_true(pages <= 4);
	} while (next);
	json_decref(j);
	assert_string_equal(all, "RBT-2024-01 RBT-2024-02 RBT-2024-03 SAL-01");
	assert_int_equal(pages, 4);

	/* Filters carry across pages. */
	j = get_json(f, "/api/v1/commitments", "status=substantial&limit=1", 200);
	ids(j, "commitments", "id", got, sizeof(got));
	assert_string_equal(got, "RBT-2024-01");
	snprintf(query, sizeof(query), "status=substantial&limit=1&cursor=%s",
	         json_string_value(json_object_get(j, "next")));
	json_decref(j);
	j = get_json(f, "/api/v1/commitments", query, 200);
	ids(j, "commitments", "id", got, sizeof(got));
	assert_string_equal(got, "RBT-2024-02");
	assert_true(json_is_null(json_object_get(j, "next")));
	json_decref(j);

	j = get_json(f, "/api/v1/commitments", "offset=2&limit=1", 200);
	ids(j, "commitments", "id", got, sizeof(got));
	assert_string_equal(got, "RBT-2024-03");
	assert_true(json_is_string(json_object_get(j, "next")));
	json_decref(j);
	j = get_json(f, "/api/v1/commitments", "offset=10", 200);
	ids(j, "commitments", "id", got, sizeof(got));
	assert_string_equal(got, "");
	json_decref(j);

	/* Measurements, one indicator across members, a page at a time. */
	j = get_json(f, "/api/v1/measurements", "indicator=IND-AI-01&limit=2", 200);
	ids(j, "measurements", "period", got, sizeof(got));
	assert_string_equal(got, "2024-Q4 2025-Q2");
	snprintf(query, sizeof(query), "indicator=IND-AI-01&limit=2&cursor=%s",
	         json_string_value(json_object_get(j, "next")));
	json_decref(j);
	j = get_json(f, "/api/v1/measurements", query, 200);
	ids(j, "measurements", "period", got, sizeof(got));
	assert_string_equal(got, "2024 2025");
	assert_true(json_is_null(json_object_get(j, "next")));
	json_decref(j);
}

static void
test_indicators(void **state)
{
	struct fx *f = *state;
	char got[256];
	json_t *j = get_json(f, "/api/v1/indicators", NULL, 200);
	ids(j, "indicators", "id", got, sizeof(got));
	assert_string_equal(got, "IND-AI-01 IND-TR-03 IND-AI-01");
	json_t *row = json_array_get(json_object_get(j, "indicators"), 1);
	assert_string_equal(json_string_value(json_object_get(row, "member")), "rabat-prefecture");
	assert_string_equal(json_string_value(json_object_get(row, "catalogCode")), "TR-03");
	assert_string_equal(json_string_value(json_object_get(row, "measure")),
	                    "MEASURE_PERCENTAGE");
	assert_int_equal(json_integer_value(json_object_get(row, "logIndex")), 6);
	assert_int_equal(json_array_size(json_object_get(row, "targets")), 2);
	json_decref(j);

	j = get_json(f, "/api/v1/indicators", "code=AI-01", 200);
	ids(j, "indicators", "member", got, sizeof(got));
	assert_string_equal(got, "rabat-prefecture sale-commune");
	json_decref(j);
	j = get_json(f, "/api/v1/indicators", "code=AI-01&member=sale-commune", 200);
	ids(j, "indicators", "id", got, sizeof(got));
	assert_string_equal(got, "IND-AI-01");
	json_decref(j);

	struct api_resp r = request(f, API_GET, "/api/v1/indicators.csv", "member=rabat-prefecture",
	                            false);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/csv; charset=utf-8");
	char *csv = body_of(&r);
	assert_string_equal(
	        csv,
	        "member,id,catalog_code,commitment_id,title_fr,title_ar,title_en,unit,measure,"
	        "ascending,baseline_period,baseline_value,targets,published,log_index\r\n"
	        "rabat-prefecture,IND-AI-01,AI-01,RBT-2024-02,Délai médian de réponse (jours "
	        "ouvrables),المدة الوسيطة للرد (أيام العمل),,working days,unit,false,2023,38,"
	        "2025=20;2026=15,2024-05-16T09:05:00Z,7\r\n"
	        "rabat-prefecture,IND-TR-03,TR-03,RBT-2024-01,Documents budgétaires publiés en "
	        "format ouvert,وثائق الميزانية المنشورة بصيغة مفتوحة,,percent,percentage,true,2023,0,"
	        "2024=50;2025=100,2024-05-16T09:00:00Z,6\r\n");
	free(csv);
	api_resp_free(&r);
}

static void
test_measurements(void **state)
{
	struct fx *f = *state;
	char got[256];
	json_t *j = get_json(f, "/api/v1/measurements", "indicator=IND-AI-01", 200);
	ids(j, "measurements", "member", got, sizeof(got));
	assert_string_equal(got, "rabat-prefecture rabat-prefecture sale-commune sale-commune");
	json_t *rows = json_object_get(j, "measurements");
	json_t *r0 = json_array_get(rows, 0), *r3 = json_array_get(rows, 3);
	assert_true(json_number_value(json_object_get(r0, "value")) == 24);
	assert_int_equal(json_integer_value(json_object_get(r0, "logIndex")), 10);
	assert_string_equal(json_string_value(json_object_get(
	                            json_array_get(json_object_get(r0, "dimensions"), 0), "value")),
	                    "online");
	assert_true(json_is_integer(json_object_get(r3, "value"))); /* 0 is shown, not omitted */
	assert_int_equal(json_integer_value(json_object_get(r3, "value")), 0);
	json_decref(j);

	j = get_json(f, "/api/v1/measurements", "period=2024", 200);
	ids(j, "measurements", "indicatorId", got, sizeof(got));
	assert_string_equal(got, "IND-TR-03 IND-AI-01");
	json_t *r = json_array_get(json_object_get(j, "measurements"), 0);
	assert_true(json_real_value(json_object_get(r, "value")) == 66.7);
	json_decref(j);

	j = get_json(f, "/api/v1/measurements",
	             "indicator=IND-AI-01&member=rabat-prefecture&"
	             "period=2025-Q2",
	             200);
	ids(j, "measurements", "period", got, sizeof(got));
	assert_string_equal(got, "2025-Q2");
	assert_string_equal(
	        json_string_value(json_object_get(
	                json_array_get(json_object_get(j, "measurements"), 0), "evidenceId")),
	        "EV-BUDGET-2025");
	json_decref(j);

	j = get_json(f, "/api/v1/measurements", "member=sale-commune", 200);
	ids(j, "measurements", "period", got, sizeof(got));
	assert_string_equal(got, "2024 2025");
	json_decref(j);
}

static void
test_csv_columns(void **state)
{
	struct fx *f = *state;
	struct api_resp r = request(f, API_GET, "/api/v1/commitments.csv", NULL, false);
	struct api_resp r2 = request(f, API_GET, "/api/v1/commitments", NULL, true);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/csv; charset=utf-8");
	assert_int_equal(r.len, r2.len);
	assert_memory_equal(r.body, r2.body, r.len);
	char *csv = body_of(&r);
	const char *header =
	        "member,id,programme_id,parent_id,title_fr,title_ar,title_en,problem_fr,problem_ar,"
	        "problem_en,description_fr,description_ar,description_en,principles,lead_body,"
	        "stakeholders,start_date,end_date,budget_mad,weight,milestones,status,"
	        "progress_percent,status_date,published,log_index,status_log_index\r\n";
	assert_memory_equal(csv, header, strlen(header));
	assert_int_equal(count_lines(csv), 5);
	/* The commune's row: quotes doubled, list items with ';' escaped, no status yet. */
	const char *sal = strstr(csv, "sale-commune,SAL-01,");
	assert_non_null(sal);
	char line[512];
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(sal, "\r"), sal);
	assert_string_equal(line, "sale-commune,SAL-01,SALE-OUVERTE,,\"Portail des données, "
	                          "\"\"ouvert\"\"\",بوابة,,,,,,,,transparency;digitalisation,,"
	                          "A%3B B;%20lead,,,1000,,,,,,,1,");
	/* RBT-2024-01's status columns. */
	assert_non_null(strstr(csv, ",substantial,70,2025-06-30,2024-05-15T10:00:00Z,3,14\r\n"));
	free(csv);
	api_resp_free(&r);
	api_resp_free(&r2);

	r = request(f, API_GET, "/api/v1/measurements.csv", "member=rabat-prefecture", false);
	csv = body_of(&r);
	assert_string_equal(
	        csv,
	        "member,indicator_id,period,value,dimensions,evidence_id,comment_fr,comment_ar,"
	        "comment_en,published,log_index\r\n"
	        "rabat-prefecture,IND-AI-01,2024-Q4,24,channel=online,,,,,2025-01-10T12:00:00Z,10\r\n"
	        "rabat-prefecture,IND-AI-01,2025-Q2,19,channel=online,EV-BUDGET-2025,,,,"
	        "2025-07-01T09:00:00Z,16\r\n"
	        "rabat-prefecture,IND-TR-03,2024,66.7,,,Budget et programme publiés ; compte "
	        "administratif en attente.,نشرت الميزانية والبرنامج؛ الحساب الإداري في طور الإعداد.,,"
	        "2024-12-31T12:00:00Z,9\r\n");
	free(csv);
	api_resp_free(&r);

	/* CSV takes the same filters, and a limit above the JSON cap. */
	r = request(f, API_GET, "/api/v1/commitments.csv", "status=limited&limit=5000", false);
	assert_int_equal(r.status, 200);
	csv = body_of(&r);
	assert_int_equal(count_lines(csv), 2);
	assert_non_null(strstr(csv, "\r\nrabat-prefecture,RBT-2024-03,"));
	free(csv);
	api_resp_free(&r);
}

/* Every answer, byte for byte, before and after index_rebuild. */
static void
test_rebuild_same_output(void **state)
{
	static const struct {
		const char *path, *query;
		bool csv;
	} reqs[] = {
		{ "/api/v1/commitments", NULL, false },
		{ "/api/v1/commitments", NULL, true },
		{ "/api/v1/commitments", "status=substantial&limit=1", false },
		{ "/api/v1/commitments/rabat-prefecture/RBT-2024-01", NULL, false },
		{ "/api/v1/commitments/rabat-prefecture/RBT-2024-03", NULL, false },
		{ "/api/v1/commitments/rabat-prefecture/RBT-2024-03", NULL, true },
		{ "/api/v1/indicators", NULL, false },
		{ "/api/v1/indicators", NULL, true },
		{ "/api/v1/measurements", NULL, false },
		{ "/api/v1/measurements", "indicator=IND-AI-01", true },
	};
	enum { N = sizeof(reqs) / sizeof(reqs[0]) };
	struct fx *f = *state;
	struct api_resp before[N];
	char err[256];

	for (size_t i = 0; i < N; i++) {
		before[i] = request(f, API_GET, reqs[i].path, reqs[i].query, reqs[i].csv);
		assert_int_equal(before[i].status, 200);
	}
	assert_int_equal(index_rebuild(&f->s, NULL, NULL, err, sizeof(err)), 0);
	for (size_t i = 0; i < N; i++) {
		struct api_resp after = request(f, API_GET, reqs[i].path, reqs[i].query,
		                                reqs[i].csv);
		assert_int_equal(after.status, 200);
		if (after.len != before[i].len || memcmp(after.body, before[i].body, after.len))
			fail_msg("%s?%s differs after index_rebuild", reqs[i].path,
			         reqs[i].query ? reqs[i].query : "");
		api_resp_free(&after);
		api_resp_free(&before[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_list_commitments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found_and_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detail_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pagination, setup, teardown),
		cmocka_unit_test_setup_teardown(test_indicators, setup, teardown),
		cmocka_unit_test_setup_teardown(test_measurements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rebuild_same_output, setup, teardown),
	};
	return cmocka_run_group_tests_name("api_domain", tests, NULL, NULL);
}
