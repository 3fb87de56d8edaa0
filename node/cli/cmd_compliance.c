/*
 * remacto compliance | benchmark — the derived views of a running node, read from its public
 * API (api_compliance.c) with client_request and printed as tables: the national compliance
 * overview or one member's report, and one catalog indicator compared across members. --json
 * and --csv print the node's answer as it came, for scripts.
 *
 * With --data DIR instead of a node (--url, --config), the same views are computed here from the logs of a data
 * folder alone (read-only; a running node may hold it): the command that rebuilds them from
 * nothing but the ledger, and a way to check what a node answers (--json gives the same bytes).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "endpoint.h"
#include "views/benchmark.h"
#include "views/compliance.h"
#include "views/facts.h"
#include "views/facts_store.h"
#include "views/observers.h"

#define PATH_MAX_LEN 4096

static const char compliance_usage[] =
        "usage: remacto compliance [--config FILE] [--url URL] [--ca FILE] | [--data DIR]\n"
        "                          [--member M] [--as-of YYYY-MM-DD] [--months N] [--json | --csv]\n"
        "  Without --member: the national overview of the network's compliance as of the date\n"
        "  (default today): every member's status and score, counts by region and kind, and the\n"
        "  trend over the N month ends before it (default 12). With --member (a slug such as\n"
        "  rabat-prefecture, or an origin): that member's report, rule by rule, with each finding\n"
        "  in French and English and the log indexes of the entries behind it.\n"
        "  Asks the node's public listener (default http://127.0.0.1:8080):\n" ENDPOINT_USAGE
        "  --data computes the same from the logs of a data folder instead (no --csv then).\n"
        "  Exit codes: 0 ok, 1 failure (node unreachable, server error), 2 usage, 3 refused by\n"
        "  the node (unknown member, bad date: its reason is printed).\n";

static const char benchmark_usage[] =
        "usage: remacto benchmark CODE [--config FILE] [--url URL] [--ca FILE] | [--data DIR]\n"
        "                         [--group all|kind|population|region|custom]\n"
        "                         [--members a,b,...] [--member M] [--period P] [--json | --csv]\n"
        "  Compares the national catalog indicator CODE (e.g. TR-01) across members for a period\n"
        "  (default: the latest anyone reported): each member's latest value, per 10,000\n"
        "  inhabitants where the catalog says so, ranked in the indicator's direction with its\n"
        "  percentile, and each peer group's mean and median with the number of members behind\n"
        "  them; members without a report are listed as missing. --members makes a custom group.\n"
        "  With --member, only that member's group, its position and its time series.\n"
        "  Population bands: <10k, 10k-50k, 50k-200k, 200k-1m, >=1m, unknown.\n"
        "  Asks the node's public listener (default http://127.0.0.1:8080):\n" ENDPOINT_USAGE
        "  --data computes the same from the logs of a data folder instead (no --csv then).\n"
        "  Exit codes: 0 ok, 1 failure, 2 usage, 3 refused by the node (unknown code or member).\n";

/* Appends name=value (percent-encoded) to a query string. */
static void
add_param(char *path, size_t cap, const char *name, const char *value)
{
	size_t o = strlen(path);
	if (!value || !*value)
		return;
	o += (size_t)snprintf(path + o, o < cap ? cap - o : 0,
	                      "%c%s=", strchr(path, '?') ? '&' : '?', name);
	for (const unsigned char *v = (const unsigned char *)value; *v && o + 4 < cap; v++) {
		if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') ||
		    (*v >= '0' && *v <= '9') || strchr("-_.~,", *v))
			path[o++] = (char)*v;
		else
			o += (size_t)snprintf(path + o, cap - o, "%%%02X", *v);
	}
	path[o < cap ? o : cap - 1] = '\0';
}

/* Appends a path segment, percent-encoded. */
static void
add_segment(char *path, size_t cap, const char *seg)
{
	size_t o = strlen(path);
	for (const unsigned char *v = (const unsigned char *)seg; *v && o + 4 < cap; v++) {
		if ((*v >= 'A' && *v <= 'Z') || (*v >= 'a' && *v <= 'z') ||
		    (*v >= '0' && *v <= '9') || strchr("-_.~", *v))
			path[o++] = (char)*v;
		else
			o += (size_t)snprintf(path + o, cap - o, "%%%02X", *v);
	}
	path[o < cap ? o : cap - 1] = '\0';
}

/* GETs path from the node's public listener; on success *out holds the response (200). */
static int
fetch(const struct endpoint_args *ea, const char *path, struct client_response *out)
{
	struct endpoint e;
	int rc = endpoint_open(&e, ENDPOINT_PUBLIC, ea, 0);
	if (rc == EXIT_OK)
		rc = endpoint_get(&e, path, out);
	endpoint_close(&e);
	return rc;
}

static json_t *
parse_body(struct client_response *r)
{
	json_error_t je;
	json_t *j = json_loadb((const char *)r->body, r->len, 0, &je);
	if (!j)
		cli_err(EXIT_FAIL, "the node's answer is not JSON: %s", je.text);
	return j;
}

/* A number, or "-" for null, in at most 6 significant digits. */
static const char *
num(json_t *v, char buf[32])
{
	if (!json_is_number(v))
		return "-";
	double x = json_number_value(v);
	if (x == floor(x) && fabs(x) < 1e15)
		snprintf(buf, 32, "%.0f", x);
	else
		snprintf(buf, 32, "%.6g", x);
	return buf;
}

static const char *
status_text(const char *s)
{
	if (!strcmp(s, "compliant"))
		return "compliant";
	if (!strcmp(s, "at_risk"))
		return "at risk";
	if (!strcmp(s, "non_compliant"))
		return "non-compliant";
	return s;
}

static void
print_policy(json_t *p)
{
	json_t *ix = json_object_get(p, "registryIndex");
	printf("Policy: liveness %lld days, follow-up %lld days, milestone grace %lld days; at risk "
	       "below %lld, non-compliant below %lld ",
	       cli_jint(p, "livenessDays"), cli_jint(p, "followUpDays"),
	       cli_jint(p, "milestoneGraceDays"), cli_jint(p, "atRiskScore"),
	       cli_jint(p, "nonCompliantScore"));
	if (json_is_integer(ix))
		printf("(registry entry %lld)\n", (long long)json_integer_value(ix));
	else
		printf("(defaults: the registry sets no policy)\n");
}

static void
print_tallies(json_t *arr, const char *title, const char *key)
{
	size_t i;
	json_t *t;
	printf("\n%-12s %7s %10s %8s %14s\n", title, "MEMBERS", "COMPLIANT", "AT RISK",
	       "NON-COMPLIANT");
	json_array_foreach(arr, i, t) printf("%-12s %7lld %10lld %8lld %14lld\n", cli_jstr(t, key),
	                                     cli_jint(t, "members"), cli_jint(t, "compliant"),
	                                     cli_jint(t, "atRisk"), cli_jint(t, "nonCompliant"));
}

static void
print_overview(json_t *j)
{
	json_t *c = json_object_get(j, "counts"), *rows = json_object_get(j, "members"), *r;
	char b[32];
	size_t i;

	printf("Compliance as of %s: %lld members, %lld compliant, %lld at risk, %lld "
	       "non-compliant\n",
	       cli_jstr(j, "asOf"), cli_jint(c, "members"), cli_jint(c, "compliant"),
	       cli_jint(c, "atRisk"), cli_jint(c, "nonCompliant"));
	print_policy(json_object_get(j, "policy"));
	printf("\n%-28s %-11s %-7s %-14s %5s %5s %5s %5s %5s\n", "MEMBER", "KIND", "REGION",
	       "STATUS", "SCORE", "CRIT", "MAJOR", "MINOR", "INFO");
	json_array_foreach(rows, i, r)
	{
		json_t *f = json_object_get(r, "findings");
		printf("%-28s %-11s %-7s %-14s %5lld %5lld %5lld %5lld %5lld\n",
		       cli_jstr(r, "member"), cli_jstr(r, "kind"), cli_jstr(r, "region"),
		       status_text(cli_jstr(r, "status")), cli_jint(r, "score"),
		       cli_jint(f, "critical"), cli_jint(f, "major"), cli_jint(f, "minor"),
		       cli_jint(f, "info"));
	}
	print_tallies(json_object_get(j, "byRegion"), "BY REGION", "region");
	print_tallies(json_object_get(j, "byKind"), "BY KIND", "kind");
	printf("\n%-12s %7s %10s %8s %14s %10s\n", "TREND", "MEMBERS", "COMPLIANT", "AT RISK",
	       "NON-COMPLIANT", "MEAN SCORE");
	json_array_foreach(json_object_get(j, "trend"), i, r)
	        printf("%-12s %7lld %10lld %8lld %14lld %10s\n", cli_jstr(r, "date"),
	               cli_jint(r, "members"), cli_jint(r, "compliant"), cli_jint(r, "atRisk"),
	               cli_jint(r, "nonCompliant"), num(json_object_get(r, "meanScore"), b));
}

static void
print_report(json_t *j)
{
	json_t *name = json_object_get(j, "name"), *r;
	const char *seen = json_string_value(json_object_get(j, "lastWitnessed"));
	size_t i, k;

	printf("%s%s%s%s — %s, region %s, population %lld\n", cli_jstr(j, "origin"),
	       cli_jstr(name, "fr")[0] ? " (" : "", cli_jstr(name, "fr"),
	       cli_jstr(name, "fr")[0] ? ")" : "", cli_jstr(j, "kind"),
	       cli_jstr(j, "region")[0] ? cli_jstr(j, "region") : "-", cli_jint(j, "population"));
	printf("As of %s: %s, score %lld/100 (log of %lld entries%s; last witnessed %s)\n",
	       cli_jstr(j, "asOf"), status_text(cli_jstr(j, "status")), cli_jint(j, "score"),
	       cli_jint(j, "logSize"),
	       json_is_true(json_object_get(j, "held")) ? "" : ", not held by this node",
	       seen ? seen : "never");
	print_policy(json_object_get(j, "policy"));
	printf("\n%-12s %6s  %s\n", "RULE", "WEIGHT", "RESULT");
	json_array_foreach(json_object_get(j, "rules"), i, r)
	{
		bool app = json_is_true(json_object_get(r, "applicable"));
		long long checked = cli_jint(r, "checked"), passed = cli_jint(r, "passed");
		if (!app)
			printf("%-12s %6lld  not applicable\n", cli_jstr(r, "id"),
			       cli_jint(r, "weight"));
		else
			printf("%-12s %6lld  %lld/%lld %s\n", cli_jstr(r, "id"),
			       cli_jint(r, "weight"), passed, checked,
			       json_number_value(json_object_get(r, "pass")) >= 1.0 ? "ok"
			                                                            : "failed");
	}
	json_t *fs = json_object_get(j, "findings");
	if (json_array_size(fs) == 0) {
		printf("\nNo finding.\n");
		return;
	}
	printf("\nFINDINGS\n");
	json_array_foreach(fs, i, r)
	{
		json_t *ix;
		printf("%-8s %s  %s\n", cli_jstr(r, "severity"), cli_jstr(r, "code"),
		       cli_jstr(r, "subject"));
		printf("         %s\n         %s\n", cli_jstr(r, "en"), cli_jstr(r, "fr"));
		printf("         entries:");
		json_array_foreach(json_object_get(r, "logIndexes"), k, ix)
		        printf(" %lld", (long long)json_integer_value(ix));
		printf("%s\n", json_array_size(json_object_get(r, "logIndexes")) ? "" : " -");
	}
}

static int
print_raw(struct client_response *r)
{
	fwrite(r->body, 1, r->len, stdout);
	if (r->len && r->body[r->len - 1] != '\n')
		putchar('\n');
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

/* ---- offline: the views computed from a data folder's logs ---- */

/* A data folder read in place: the views read the store through txn until local_close. */
struct local {
	struct store s;
	bool open;
	MDB_txn *txn;
	struct facts *f;
};

static int
local_open(struct local *l, const char *dir)
{
	char err[512];
	int rc;

	memset(l, 0, sizeof(*l));
	if (facts_store_open(&l->s, dir, STORE_RDONLY, 0, err, sizeof(err)) != 0)
		return cli_err(EXIT_FAIL, "%s", err);
	l->open = true;
	if (!(l->f = facts_new()))
		return cli_err(EXIT_FAIL, "out of memory");
	if ((rc = store_read_begin(&l->s, &l->txn)) != 0)
		return cli_err(EXIT_FAIL, "cannot read %s: %s", dir, store_strerror(rc));
	rc = facts_refresh(l->f, &l->s, l->txn, NULL, err, sizeof(err));
	return rc ? cli_err(EXIT_FAIL, "%s", err) : EXIT_OK;
}

static void
local_close(struct local *l)
{
	facts_free(l->f);
	if (l->txn)
		mdb_txn_abort(l->txn);
	if (l->open)
		store_close(&l->s);
}

/* The JSON exactly as the API sends it, and a newline. */
static int
print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
	if (!s)
		return cli_err(EXIT_FAIL, "out of memory");
	puts(s);
	free(s);
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

static int
local_compliance(const char *dir, const char *member, const char *as_of, uint64_t months,
                 json_t **out)
{
	struct local l;
	facts_day d = as_of ? facts_day_parse(as_of) : facts_day_of_time((uint64_t)time(NULL));
	int rc;

	*out = NULL;
	if (!d || (as_of && strlen(as_of) != 10))
		return cli_err(EXIT_USAGE, "--as-of wants a date YYYY-MM-DD, not '%s'", as_of);
	if (months > COMPLIANCE_MAX_MONTHS)
		return cli_err(EXIT_USAGE, "--months: at most %d", COMPLIANCE_MAX_MONTHS);
	if ((rc = local_open(&l, dir)) != EXIT_OK)
		goto done;
	if (member) {
		struct compliance_report r;
		struct facts_member *m = facts_member_find(l.f, member);
		if (!m) {
			rc = cli_err(EXIT_INVALID, "no member %s in the registry of %s", member,
			             dir);
			goto done;
		}
		if (m->kind == REMACTO__V1__MEMBER_KIND__MEMBER_KIND_OBSERVER) {
			rc = cli_err(
			        EXIT_INVALID,
			        "%s is an observer: the network's norms apply to collectivities",
			        member);
			goto done;
		}
		if ((rc = compliance_member(l.f, m, d, &r)) != 0) {
			rc = cli_err(EXIT_FAIL, "cannot compute the report of %s: %s", m->origin,
			             store_strerror(rc));
			goto done;
		}
		*out = compliance_report_json(l.f, &r);
		compliance_report_free(&r);
		/* What the node adds to the report: the assessments civil society signed. */
		struct observers_tally t;
		MDB_txn *txn;
		if ((rc = store_read_begin(&l.s, &txn)) == 0) {
			rc = observers_tally(&l.s, txn, m->origin, d, &t);
			mdb_txn_abort(txn);
		}
		if (rc != 0) {
			rc = cli_err(EXIT_FAIL, "cannot read the assessments of %s: %s", m->origin,
			             store_strerror(rc));
			goto done;
		}
		if (*out)
			json_object_set_new(*out, "independentAssessments",
			                    observers_tally_json(&t));
	} else {
		struct compliance_overview o;
		if ((rc = compliance_overview(l.f, d, (unsigned)months, &o)) != 0) {
			rc = cli_err(EXIT_FAIL, "cannot compute the overview: %s",
			             store_strerror(rc));
			goto done;
		}
		*out = compliance_overview_json(l.f, &o);
		compliance_overview_free(&o);
	}
	rc = *out ? EXIT_OK : cli_err(EXIT_FAIL, "out of memory");
done:
	local_close(&l);
	return rc;
}

static int
local_benchmark(const char *dir, const char *code, const char *group, char *members,
                const char *member, const char *period, json_t **out)
{
	struct benchmark_query q = { .code = code, .period = period, .member = member };
	const char *list[BENCHMARK_MAX_CUSTOM], *bad;
	struct benchmark_result r;
	struct local l;
	char err[512];
	int rc;

	*out = NULL;
	if (group && !benchmark_group_parse(group, &q.group))
		return cli_err(EXIT_USAGE, "--group wants all, kind, population, region or custom");
	if (members) {
		if (group && q.group != BENCHMARK_CUSTOM)
			return cli_err(EXIT_USAGE,
			               "--members makes a custom group: no other --group");
		q.group = BENCHMARK_CUSTOM;
		for (char *p = members, *tok; (tok = strsep(&p, ",")) != NULL;) {
			if (!*tok)
				continue;
			if (q.n_custom == BENCHMARK_MAX_CUSTOM)
				return cli_err(EXIT_USAGE, "--members: at most %d",
				               BENCHMARK_MAX_CUSTOM);
			list[q.n_custom++] = tok;
		}
		q.custom = list;
	}
	if ((rc = local_open(&l, dir)) != EXIT_OK)
		goto done;
	rc = benchmark_run(l.f, &q, &r, &bad, err, sizeof(err));
	if (rc == -ENOENT || rc == -EINVAL) {
		rc = cli_err(EXIT_INVALID, "%s%s%s", bad ? bad : "", bad ? ": " : "", err);
		goto done;
	}
	if (rc != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
		goto done;
	}
	*out = benchmark_result_json(l.f, &r);
	benchmark_result_free(&r);
	rc = *out ? EXIT_OK : cli_err(EXIT_FAIL, "out of memory");
done:
	local_close(&l);
	return rc;
}

/* ---- what the two commands share ---- */

/* The options of both commands beyond their own: where to ask (endpoint.h) or --data to compute
 * here, and the output format. */
/* clang-format off */
#define VIEW_OPTIONS \
	ENDPOINT_OPTIONS, \
	{ "data", required_argument, NULL, 'd' }, \
	{ "json", no_argument, NULL, 'j' }, \
	{ "csv", no_argument, NULL, 'c' }, \
	{ "help", no_argument, NULL, 'h' }
/* clang-format on */

struct view_opts {
	struct endpoint_args ea;
	const char *data;
	bool json, csv;
};

/* Takes option c when it is one of view_opts'; false otherwise. */
static bool
view_arg(struct view_opts *v, int c, const char *arg)
{
	if (endpoint_arg(&v->ea, c, arg))
		return true;
	switch (c) {
	case 'd':
		v->data = arg;
		return true;
	case 'j':
		v->json = true;
		return true;
	case 'c':
		v->csv = true;
		return true;
	}
	return false;
}

/* Prints what was computed here (steals j): JSON as it is, or the text print makes of it. */
static int
view_local(const struct view_opts *v, json_t *j, void (*print)(json_t *j))
{
	int rc = EXIT_OK;
	if (v->json)
		rc = print_json(j);
	else
		print(j);
	json_decref(j);
	return v->json ? rc : fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

/* Asks the node for path and prints its answer: as it came for --json and --csv, otherwise
 * the text print makes of the JSON. */
static int
view_remote(const struct view_opts *v, const char *path, void (*print)(json_t *j))
{
	struct client_response resp = { 0 };
	int rc;
	if ((rc = fetch(&v->ea, path, &resp)) != EXIT_OK)
		return rc;
	if (v->json || v->csv) {
		rc = print_raw(&resp);
	} else {
		json_t *j = parse_body(&resp);
		rc = j ? EXIT_OK : EXIT_FAIL;
		if (j)
			print(j);
		json_decref(j);
		if (j && fflush(stdout) != 0)
			rc = EXIT_FAIL;
	}
	client_response_free(&resp);
	return rc;
}

#define VIEW_LOCAL_ONLY "--data computes here: no --url, --config, --ca or --csv"
#define VIEW_LOCAL_MIXED(v) ((v)->ea.url || (v)->ea.config || (v)->ea.ca || (v)->csv)

int
cmd_compliance(int argc, char **argv)
{
	static const struct option opts[] = {
		VIEW_OPTIONS,
		{ "member", required_argument, NULL, 'm' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "months", required_argument, NULL, 'n' },
		{ 0 },
	};
	struct view_opts v = { 0 };
	const char *member = NULL, *as_of = NULL, *months = NULL;
	char path[PATH_MAX_LEN];
	uint64_t nmonths;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (view_arg(&v, c, optarg))
			continue;
		if (c == 'm')
			member = optarg;
		else if (c == 'a')
			as_of = optarg;
		else if (c == 'n')
			months = optarg;
		else
			return cli_usage(compliance_usage, c == 'h');
	}
	if (optind != argc)
		return cli_err(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (v.json && v.csv)
		return cli_err(EXIT_USAGE, "--json and --csv exclude each other");
	if (months && member)
		return cli_err(EXIT_USAGE, "--months goes with the overview, not with --member");
	nmonths = 12;
	if (months && !cli_u64("--months", months, &nmonths))
		return EXIT_USAGE;
	if (v.data) {
		json_t *j;
		if (VIEW_LOCAL_MIXED(&v))
			return cli_err(EXIT_USAGE, VIEW_LOCAL_ONLY);
		if ((rc = local_compliance(v.data, member, as_of, nmonths, &j)) != EXIT_OK)
			return rc;
		return view_local(&v, j, member ? print_report : print_overview);
	}
	if (member) {
		/* An origin names the member by its slug (the path holds one segment). */
		const char *slash = strrchr(member, '/');
		if (!*member || (slash && !slash[1]))
			return cli_err(EXIT_USAGE, "--member wants a slug or an origin");
		snprintf(path, sizeof(path), "/api/v1/compliance/");
		add_segment(path, sizeof(path), slash ? slash + 1 : member);
		if (v.csv)
			strncat(path, ".csv", sizeof(path) - strlen(path) - 1);
	} else {
		snprintf(path, sizeof(path), "/api/v1/compliance%s", v.csv ? ".csv" : "");
		add_param(path, sizeof(path), "months", months);
	}
	add_param(path, sizeof(path), "as-of", as_of);
	return view_remote(&v, path, member ? print_report : print_overview);
}

static void
print_stats(json_t *g)
{
	char b1[32], b2[32];
	long long rep = cli_jint(g, "reported");
	printf("%lld of %lld members reported", rep, cli_jint(g, "members"));
	if (rep > 0)
		printf("; mean %s, median %s", num(json_object_get(g, "mean"), b1),
		       num(json_object_get(g, "median"), b2));
	if (json_is_string(json_object_get(g, "note")))
		printf(" (%s)", cli_jstr(g, "note"));
	putchar('\n');
}

static void
print_benchmark(json_t *j)
{
	json_t *ind = json_object_get(j, "indicator"), *g, *r;
	json_t *title = json_object_get(ind, "title");
	char b1[32], b2[32], b3[32], b4[32];
	size_t i, k;

	printf("%s — %s [%s], %s is better, %s\n", cli_jstr(j, "code"),
	       cli_jstr(title, "en")[0] ? cli_jstr(title, "en") : cli_jstr(title, "fr"),
	       cli_jstr(ind, "unit"),
	       json_is_true(json_object_get(ind, "higherIsBetter")) ? "higher" : "lower",
	       !strcmp(cli_jstr(ind, "normalisation"), "per_10000_inhabitants")
	               ? "values per 10,000 inhabitants"
	               : "values as reported");
	printf("Period %s, groups by %s\n",
	       json_is_string(json_object_get(j, "period")) ? cli_jstr(j, "period")
	                                                    : "(none reported)",
	       cli_jstr(j, "group"));
	json_array_foreach(json_object_get(j, "groups"), i, g)
	{
		printf("\n%s: ", cli_jstr(g, "key"));
		print_stats(g);
		printf("%5s %6s  %-28s %12s %12s %8s\n", "RANK", "PCTL", "MEMBER", "VALUE", "RAW",
		       "ENTRY");
		json_array_foreach(json_object_get(g, "rows"), k, r)
		{
			if (json_is_true(json_object_get(r, "missing"))) {
				printf("%5s %6s  %-28s missing (%s)\n", "-", "-",
				       cli_jstr(r, "member"), cli_jstr(r, "reason"));
				continue;
			}
			printf("%5lld %6.1f  %-28s %12s %12s %8lld\n", cli_jint(r, "rank"),
			       json_number_value(json_object_get(r, "percentile")),
			       cli_jstr(r, "member"), num(json_object_get(r, "value"), b1),
			       num(json_object_get(r, "rawValue"), b2), cli_jint(r, "logIndex"));
		}
	}
	json_t *p = json_object_get(j, "position");
	if (p) {
		if (json_is_true(json_object_get(p, "missing")))
			printf("\nPosition of %s in %s: no value for this period\n",
			       cli_jstr(p, "member"), cli_jstr(p, "group"));
		else
			printf("\nPosition of %s in %s: rank %lld of %lld, percentile %.1f; value %s, "
			       "group median %s (%s%s), mean %s\n",
			       cli_jstr(p, "member"), cli_jstr(p, "group"), cli_jint(p, "rank"),
			       cli_jint(p, "of"),
			       json_number_value(json_object_get(p, "percentile")),
			       num(json_object_get(p, "value"), b1),
			       num(json_object_get(p, "groupMedian"), b2),
			       json_number_value(json_object_get(p, "vsMedian")) >= 0 ? "+" : "",
			       num(json_object_get(p, "vsMedian"), b3),
			       num(json_object_get(p, "groupMean"), b4));
		printf("\n%-10s %12s %14s %12s %9s\n", "SERIES", "VALUE", "GROUP MEDIAN",
		       "GROUP MEAN", "REPORTED");
		json_array_foreach(json_object_get(j, "series"), i, r)
		{
			json_t *gs = json_object_get(r, "group");
			printf("%-10s %12s %14s %12s %4lld/%-4lld\n", cli_jstr(r, "period"),
			       num(json_object_get(r, "value"), b1),
			       num(json_object_get(gs, "median"), b2),
			       num(json_object_get(gs, "mean"), b3), cli_jint(gs, "reported"),
			       cli_jint(gs, "members"));
		}
	}
}

int
cmd_benchmark(int argc, char **argv)
{
	static const struct option opts[] = {
		VIEW_OPTIONS,
		{ "group", required_argument, NULL, 'g' },
		{ "members", required_argument, NULL, 's' },
		{ "member", required_argument, NULL, 'm' },
		{ "period", required_argument, NULL, 'p' },
		{ 0 },
	};
	struct view_opts v = { 0 };
	const char *group = NULL, *member = NULL, *period = NULL, *code;
	char *members = NULL;
	char path[PATH_MAX_LEN];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (view_arg(&v, c, optarg))
			continue;
		if (c == 'g')
			group = optarg;
		else if (c == 's')
			members = optarg;
		else if (c == 'm')
			member = optarg;
		else if (c == 'p')
			period = optarg;
		else
			return cli_usage(benchmark_usage, c == 'h');
	}
	if (optind + 1 != argc) {
		fputs(benchmark_usage, stderr);
		return cli_err(EXIT_USAGE,
		               optind == argc ? "benchmark needs a catalog CODE"
		                              : "unexpected argument '%s'",
		               argv[optind + (optind < argc)]);
	}
	code = argv[optind];
	if (!*code ||
	    strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                 "0123456789-_.") != strlen(code) ||
	    strlen(code) > 64)
		return cli_err(EXIT_USAGE, "'%s' is not a catalog code (e.g. TR-01)", code);
	if (v.json && v.csv)
		return cli_err(EXIT_USAGE, "--json and --csv exclude each other");
	if (v.data) {
		json_t *j;
		if (VIEW_LOCAL_MIXED(&v))
			return cli_err(EXIT_USAGE, VIEW_LOCAL_ONLY);
		if ((rc = local_benchmark(v.data, code, group, members, member, period, &j)) !=
		    EXIT_OK)
			return rc;
		return view_local(&v, j, print_benchmark);
	}
	snprintf(path, sizeof(path), "/api/v1/benchmarks/%s%s", code, v.csv ? ".csv" : "");
	if (group && !*group)
		return cli_err(EXIT_USAGE, "--group wants all, kind, population, region or custom");
	add_param(path, sizeof(path), "group", group);
	add_param(path, sizeof(path), "members", members);
	add_param(path, sizeof(path), "member", member);
	add_param(path, sizeof(path), "period", period);
	return view_remote(&v, path, print_benchmark);
}
