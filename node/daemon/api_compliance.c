/*
 * api_compliance — the derived views on the read API, computed from the node's facts
 * (facts.h), brought up to date with the store at each request (only new entries are folded):
 *
 *   GET /api/v1/compliance[.csv]?as-of=YYYY-MM-DD&months=N
 *       the national overview: counts by status, region and kind, a trend of N month ends
 *       (default 12, at most 60) before as-of, one row per member (compliance.h)
 *   GET /api/v1/compliance/<member>[.csv]?as-of=YYYY-MM-DD
 *       one member's report: status, score, rules, findings with the log indexes involved
 *   GET /api/v1/benchmarks/<code>[.csv]?group=all|kind|population|region|custom
 *                                       &period=P&members=a,b,...&member=M
 *       one catalog indicator across members (benchmark.h); members= makes the custom group
 *
 * as-of defaults to today (UTC). <member>, member= and members= take a slug ("rabat") or an
 * origin. Unknown members and codes in the path are 404; unknown or malformed parameters 400
 * naming the parameter; anything but GET or HEAD 405.
 *
 * CSV columns (stable; new columns are only ever appended):
 *   overview   member, origin, kind, region, population, status, score, critical, major,
 *              minor, info, as_of
 *   report     member, as_of, status, score, rule, code, severity, subject, fr, en,
 *              log_indexes (space-separated)
 *   benchmark  code, period, group, member, origin, kind, region, population, value,
 *              raw_value, log_index, rank, percentile, missing, reason, group_members,
 *              group_reported, group_mean, group_median
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "views/benchmark.h"
#include "views/compliance.h"
#include "views/csvimport.h"
#include "views/facts.h"
#include "views/observers.h"

#define PARAM_MAX 256
#define MEMBERS_PARAM_MAX (BENCHMARK_MAX_CUSTOM * 64)

static const char short_lived[] = "public, max-age=5";

/* ---- helpers ---- */

/* A JSON text the views wrote (theirs to give: api_bytes frees it). */
static void
send_text(struct api_resp *resp, char *s, size_t len)
{
	api_bytes(resp, 200, "application/json", (uint8_t *)s, len);
	resp->cache_control = short_lived;
}

static void
send_json(struct api_resp *resp, json_t *j)
{
	char *s = j ? json_dumps(j, COMPLIANCE_JSON_FLAGS) : NULL;
	json_decref(j);
	if (!s) {
		api_error(resp, 500, NULL, "out of memory");
		return;
	}
	send_text(resp, s, strlen(s));
}

static void
send_csv(struct api_resp *resp, struct csv *c)
{
	api_csv(resp, c);
	if (resp->status == 200)
		resp->cache_control = short_lived;
}

/* as-of: a date, default today (UTC). */
static bool
as_of_param(const struct api_req *req, struct api_resp *resp, facts_day *out)
{
	char buf[PARAM_MAX];
	if (!api_query_str(req, resp, "as-of", buf, sizeof(buf)))
		return false;
	if (!buf[0]) {
		*out = facts_day_of_time((uint64_t)time(NULL));
		return true;
	}
	if (strlen(buf) != 10 || !(*out = facts_day_parse(buf))) {
		api_error(resp, 400, "as-of", "expected a date YYYY-MM-DD");
		return false;
	}
	return true;
}

/* The node's facts, created on first use, brought up to date in txn (for one member only
 * when `only` is given). */
static struct facts *
facts_for(const struct api_ctx *c, MDB_txn *txn, const char *only, struct api_resp *resp)
{
	char err[512];
	int rc;
	if (!c->facts || (!*c->facts && !(*c->facts = facts_new()))) {
		api_error(resp, 500, NULL, "out of memory");
		return NULL;
	}
	if ((rc = facts_refresh(*c->facts, c->store, txn, only, err, sizeof(err))) != 0) {
		api_error(resp, 500, NULL, "%s", err);
		return NULL;
	}
	return *c->facts;
}

static void
fmt_day(facts_day d, char out[11])
{
	facts_day_format(d, out);
}

/* ---- /api/v1/compliance ---- */

static void
overview(const struct api_ctx *ctx, MDB_txn *txn, const struct api_req *req, struct api_resp *resp,
         bool csv)
{
	static const char *const allowed[] = { "as-of", "months", NULL };
	struct compliance_overview o;
	struct facts *f;
	facts_day as_of;
	uint64_t months;
	char day[11];
	int rc;

	if (!api_query_check(req, resp, allowed) || !as_of_param(req, resp, &as_of) ||
	    !api_query_u64(req, resp, "months", 12, COMPLIANCE_MAX_MONTHS, &months) ||
	    !(f = facts_for(ctx, txn, NULL, resp)))
		return;
	if (!csv) {
		/* The text memoised while nothing changes: a repeated request costs a copy. */
		char *text;
		size_t len;
		if ((rc = compliance_overview_text(f, as_of, (unsigned)months, &text, &len)) != 0)
			api_error(resp, 500, NULL, "cannot compute the overview: %s",
			          store_strerror(rc));
		else
			send_text(resp, text, len);
		return;
	}
	if ((rc = compliance_overview(f, as_of, (unsigned)months, &o)) != 0) {
		api_error(resp, 500, NULL, "cannot compute the overview: %s", store_strerror(rc));
		return;
	}
	struct csv c = { 0 };
	static const char *const cols[] = { "member", "origin", "kind",     "region", "population",
		                            "status", "score",  "critical", "major",  "minor",
		                            "info",   "as_of",  NULL };
	for (size_t i = 0; cols[i]; i++)
		csv_field(&c, cols[i]);
	csv_end_row(&c);
	fmt_day(as_of, day);
	for (size_t i = 0; i < o.n_rows; i++) {
		const struct compliance_row *r = &o.rows[i];
		csv_field(&c, r->member->slug);
		csv_field(&c, r->member->origin);
		csv_field(&c, compliance_kind_name(r->member->kind));
		csv_field(&c, r->member->region);
		csv_fieldf(&c, "%llu", (unsigned long long)r->member->population);
		csv_field(&c, compliance_status_name(r->status));
		csv_fieldf(&c, "%u", r->score);
		csv_fieldf(&c, "%u", r->count[COMPLIANCE_CRITICAL]);
		csv_fieldf(&c, "%u", r->count[COMPLIANCE_MAJOR]);
		csv_fieldf(&c, "%u", r->count[COMPLIANCE_MINOR]);
		csv_fieldf(&c, "%u", r->count[COMPLIANCE_INFO]);
		csv_field(&c, day);
		csv_end_row(&c);
	}
	compliance_overview_free(&o);
	send_csv(resp, &c);
}

static void
member_report(const struct api_ctx *ctx, MDB_txn *txn, const struct api_req *req,
              struct api_resp *resp, const char *name, bool csv)
{
	static const char *const allowed[] = { "as-of", NULL };
	struct compliance_report r;
	struct facts *f;
	struct facts_member *m;
	facts_day as_of;
	int rc;
	char day[11];

	if (!api_query_check(req, resp, allowed) || !as_of_param(req, resp, &as_of) ||
	    !(f = facts_for(ctx, txn, name, resp)))
		return;
	if (!(m = facts_member_find(f, name))) {
		api_error(resp, 404, NULL, "no member %.128s in the registry", name);
		return;
	}
	if (m->kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_OBSERVER) {
		api_error(resp, 404, NULL,
		          "%.128s is an observer: the network's norms apply to collectivities "
		          "(its assessments are on the commitments it assessed)",
		          name);
		return;
	}
	if ((rc = compliance_member(f, m, as_of, &r)) != 0) {
		api_error(resp, 500, NULL, "cannot compute the report of %.128s: %s", m->origin,
		          store_strerror(rc));
		return;
	}
	if (!csv) {
		struct observers_tally t;
		json_t *j = compliance_report_json(f, &r);
		rc = observers_tally(ctx->store, txn, m->origin, as_of, &t);
		compliance_report_free(&r);
		if (rc != 0) {
			json_decref(j);
			api_error(resp, 500, NULL, "cannot read the assessments of %s: %s",
			          m->origin, store_strerror(rc));
			return;
		}
		if (j)
			json_object_set_new(j, "independentAssessments", observers_tally_json(&t));
		send_json(resp, j);
		return;
	}
	struct csv c = { 0 };
	/* new columns only ever go at the end */
	static const char *const cols[] = {
		"member",         "as_of",    "status",    "score",     "rule",
		"code",           "severity", "subject",   "fr",        "en",
		"log_indexes",    "ar",       "action_fr", "action_ar", "action_en",
		"action_command", NULL
	};
	for (size_t i = 0; cols[i]; i++)
		csv_field(&c, cols[i]);
	csv_end_row(&c);
	fmt_day(as_of, day);
	for (size_t i = 0; i < r.n_findings; i++) {
		const struct compliance_finding *fd = &r.findings[i];
		char *ix = malloc(fd->n_indexes * 21 + 1);
		size_t o = 0;
		if (!ix) {
			csv_fail(&c);
			break;
		}
		ix[0] = '\0';
		for (size_t k = 0; k < fd->n_indexes; k++)
			o += (size_t)snprintf(ix + o, 22, "%s%llu", k ? " " : "",
			                      (unsigned long long)fd->indexes[k]);
		csv_field(&c, m->slug);
		csv_field(&c, day);
		csv_field(&c, compliance_status_name(r.status));
		csv_fieldf(&c, "%u", r.score);
		csv_field(&c, fd->rule);
		csv_field(&c, fd->code);
		csv_field(&c, compliance_severity_name(fd->severity));
		csv_field(&c, fd->subject);
		csv_field(&c, fd->fr);
		csv_field(&c, fd->en);
		csv_field(&c, ix);
		csv_field(&c, fd->ar);
		csv_field(&c, fd->action_fr);
		csv_field(&c, fd->action_ar);
		csv_field(&c, fd->action_en);
		csv_field(&c, fd->command);
		csv_end_row(&c);
		free(ix);
	}
	compliance_report_free(&r);
	send_csv(resp, &c);
}

/* ---- /api/v1/benchmarks/<code> ---- */

/* A value at dec decimals (benchmark_decimals), or an empty cell; dec < 0: as it is. */
static void
num_field(struct csv *c, bool present_, double x, int dec)
{
	char buf[40];
	if (!present_) {
		csv_field(c, "");
		return;
	}
	csvimport_number(dec >= 0 ? benchmark_round(x, dec) : x, buf, sizeof(buf));
	csv_field(c, buf);
}

static void
benchmark_csv(const struct facts *f, const struct benchmark_result *r, struct csv *c)
{
	static const char *const cols[] = {
		"code",          "period",         "group",      "member",       "origin",
		"kind",          "region",         "population", "value",        "raw_value",
		"log_index",     "rank",           "percentile", "missing",      "reason",
		"group_members", "group_reported", "group_mean", "group_median", NULL,
	};
	int dec = benchmark_decimals(f, r->catalog), sdec = dec < 1 ? 1 : dec;
	for (size_t i = 0; cols[i]; i++)
		csv_field(c, cols[i]);
	csv_end_row(c);
	for (size_t g = 0; g < r->n_groups; g++) {
		const struct benchmark_groupres *gr = &r->groups[g];
		for (size_t i = 0; i < gr->n_rows; i++) {
			const struct benchmark_row *row = &gr->rows[i];
			const struct facts_member *m = row->member;
			csv_field(c, facts_string(f, r->catalog->code));
			csv_field(c, r->period);
			csv_field(c, gr->key);
			csv_field(c, m->slug);
			csv_field(c, m->origin);
			csv_field(c, compliance_kind_name(m->kind));
			csv_field(c, m->region);
			csv_fieldf(c, "%llu", (unsigned long long)m->population);
			num_field(c, !row->missing, row->value, dec);
			num_field(c, row->index != FACTS_NO_INDEX, row->raw, -1);
			if (row->index != FACTS_NO_INDEX)
				csv_fieldf(c, "%llu", (unsigned long long)row->index);
			else
				csv_field(c, "");
			if (row->missing)
				csv_field(c, "");
			else
				csv_fieldf(c, "%u", row->rank);
			num_field(c, !row->missing, row->percentile, 1);
			csv_field(c, row->missing ? "true" : "false");
			csv_field(c, row->missing ? row->reason : "");
			csv_fieldf(c, "%u", gr->stats.members);
			csv_fieldf(c, "%u", gr->stats.reported);
			num_field(c, gr->stats.reported > 0, gr->stats.mean, sdec);
			num_field(c, gr->stats.reported > 0, gr->stats.median, sdec);
			csv_end_row(c);
		}
	}
}

static void
benchmarks(const struct api_ctx *ctx, MDB_txn *txn, const struct api_req *req,
           struct api_resp *resp, const char *code, bool csv)
{
	static const char *const allowed[] = { "group", "period", "members", "member", NULL };
	char group[PARAM_MAX], period[PARAM_MAX], member[PARAM_MAX], err[512];
	char *members = NULL;
	const char *list[BENCHMARK_MAX_CUSTOM], *bad;
	struct benchmark_query q = { .code = code };
	struct benchmark_result r;
	struct facts *f;
	int rc;

	if (!api_query_check(req, resp, allowed) ||
	    !api_query_str(req, resp, "group", group, sizeof(group)) ||
	    !api_query_str(req, resp, "period", period, sizeof(period)) ||
	    !api_query_str(req, resp, "member", member, sizeof(member)))
		return;
	if (!(members = malloc(MEMBERS_PARAM_MAX))) {
		api_error(resp, 500, NULL, "out of memory");
		return;
	}
	if (!api_query_str(req, resp, "members", members, MEMBERS_PARAM_MAX))
		goto done;
	if (group[0] && !benchmark_group_parse(group, &q.group)) {
		api_error(resp, 400, "group", "expected all, kind, population, region or custom");
		goto done;
	}
	if (members[0]) {
		if (group[0] && q.group != BENCHMARK_CUSTOM) {
			api_error(resp, 400, "members",
			          "members= makes a custom group: use it with "
			          "group=custom or without group=");
			goto done;
		}
		q.group = BENCHMARK_CUSTOM;
		for (char *p = members, *tok; (tok = strsep(&p, ",")) != NULL;) {
			if (!*tok)
				continue;
			if (q.n_custom == BENCHMARK_MAX_CUSTOM) {
				api_error(resp, 400, "members", "at most %d members",
				          BENCHMARK_MAX_CUSTOM);
				goto done;
			}
			list[q.n_custom++] = tok;
		}
		q.custom = list;
	}
	q.period = period;
	q.member = member[0] ? member : NULL;
	if (!(f = facts_for(ctx, txn, NULL, resp)))
		goto done;
	char *text = NULL;
	size_t len = 0;
	/* JSON: the text memoised while nothing changes (a repeated request costs a copy). */
	rc = csv ? benchmark_run(f, &q, &r, &bad, err, sizeof(err))
	         : benchmark_text(f, &q, &text, &len, &bad, err, sizeof(err));
	if (rc == -ENOENT && bad && !strcmp(bad, "code")) {
		api_error(resp, 404, NULL, "%s", err);
	} else if (rc == -ENOENT || rc == -EINVAL) {
		api_error(resp, 400, bad, "%s", err);
	} else if (rc != 0) {
		api_error(resp, 500, NULL, "%s", err);
	} else if (csv) {
		struct csv c = { 0 };
		benchmark_csv(f, &r, &c);
		benchmark_result_free(&r);
		send_csv(resp, &c);
	} else {
		send_text(resp, text, len);
	}
done:
	free(members);
}

/* ---- routing ---- */

/* When path is prefix followed by "/<name>" (optionally ".csv"), copies name into out. */
static bool
sub_path(const char *path, const char *prefix, char *out, size_t cap, bool *csv)
{
	size_t pl = strlen(prefix), n;
	if (strncmp(path, prefix, pl) != 0 || path[pl] != '/' || !path[pl + 1])
		return false;
	path += pl + 1;
	n = strlen(path);
	if (n > 4 && !strcmp(path + n - 4, ".csv")) {
		n -= 4;
		*csv = true;
	}
	if (n == 0 || n >= cap || memchr(path, '/', n))
		return false;
	memcpy(out, path, n);
	out[n] = '\0';
	return true;
}

bool
api_compliance_route(const struct api_ctx *c, const struct api_req *req, struct api_resp *resp)
{
	char name[PARAM_MAX];
	bool csv = req->want_csv, list = false, member = false, bench = false;
	MDB_txn *txn;
	int rc;

	if (!strcmp(req->path, "/api/v1/compliance") ||
	    !strcmp(req->path, "/api/v1/compliance.csv")) {
		list = true;
		csv = csv || strstr(req->path, ".csv") != NULL;
	} else if (!strncmp(req->path, "/api/v1/compliance/", 19)) {
		member = sub_path(req->path, "/api/v1/compliance", name, sizeof(name), &csv);
		if (!member) {
			api_error(resp, 404, NULL, "use /api/v1/compliance/<member>");
			return true;
		}
	} else if (!strncmp(req->path, "/api/v1/benchmarks", 18) &&
	           (req->path[18] == '\0' || req->path[18] == '/' ||
	            !strcmp(req->path + 18, ".csv"))) {
		bench = sub_path(req->path, "/api/v1/benchmarks", name, sizeof(name), &csv);
		if (!bench) {
			api_error(resp, 404, NULL,
			          "use /api/v1/benchmarks/<catalog code>, e.g. "
			          "/api/v1/benchmarks/TR-01");
			return true;
		}
	} else {
		return false;
	}
	if (req->method != API_GET && req->method != API_HEAD) {
		api_error(resp, 405, NULL, "%s is read only: use GET", req->path);
		return true;
	}
	if ((rc = store_read_begin(c->store, &txn)) != 0) {
		api_error(resp, 503, NULL, "storage unavailable: %s", store_strerror(rc));
		return true;
	}
	if (list)
		overview(c, txn, req, resp, csv);
	else if (member)
		member_report(c, txn, req, resp, name, csv);
	else
		benchmarks(c, txn, req, resp, name, csv);
	mdb_txn_abort(txn);
	return true;
}
