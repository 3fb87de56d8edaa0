/*
 * remacto report — the directorate's PDF report of one member or of the whole network, as of a
 * date, in French, Arabic or English (report.h draws it). Everything it shows comes from a
 * node's public API:
 *
 *   member    GET /api/v1/compliance/<m>?as-of=D          status, score, rules, findings
 *             the same at each of the N month ends before D (the trend chart)
 *             GET /api/v1/logs/<m>, /logs/<m>/checkpoint,  the verification footer
 *                 /api/v1/logs/<m>/witnesses
 *   national  GET /api/v1/compliance?as-of=D&months=N     overview and trend
 *             the registry's log, checkpoint, witnesses    the verification footer
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "endpoint.h"
#include "report.h"

#define MAX_MONTHS 60
#define REGISTRY_SLUG "registry"

static const char usage[] =
        "usage: remacto report (--member M | --national) --out FILE.pdf [--as-of YYYY-MM-DD]\n"
        "                      [--lang fr|ar|en] [--months N] [--config FILE] [--url URL]\n"
        "                      [--ca FILE]\n"
        "  Writes the directorate's PDF report: one member's compliance (status, score, each\n"
        "  rule, the findings with the action to take and the log entries behind them, the\n"
        "  score at the N month ends before the date, default 12), or the national overview\n"
        "  (counts, trend, by region and kind, every member). A verification footer names the\n"
        "  signed checkpoint (log, size, root) the figures come from. --lang ar lays the report\n"
        "  out right to left. The data come from the node's public listener:\n" ENDPOINT_USAGE
        "  Exit codes: 0 written, 1 failure (node unreachable, cannot write), 2 usage,\n"
        "  3 refused by the node (unknown member, bad date).\n";

/* GET path as JSON (an object), the error printed otherwise. */
static int
get_json(struct endpoint *e, const char *path, json_t **out)
{
	struct client_response r = { 0 };
	json_error_t je;
	int rc = endpoint_get(e, path, &r);

	*out = NULL;
	if (rc != EXIT_OK)
		return rc;
	*out = json_loadb((const char *)r.body, r.len, 0, &je);
	client_response_free(&r);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return cli_err(EXIT_FAIL, "the node's answer to %s is not a JSON object", path);
	}
	return EXIT_OK;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The last day of the month `back` months before the month of date (YYYY-MM-DD). */
static void
month_end(const char *date, int back, char out[24])
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = atoi(date) % 10000, m = (atoi(date + 5) + 11) % 12 - back;
	while (m < 0)
		m += 12, y--;
	snprintf(out, 24, "%04d-%02d-%02d", y, m + 1, days[m] + (m == 1 && leap(y)));
}

/* The footer's log: its record, checkpoint note and witnesses. A log the node does not hold
 * leaves in->log NULL. */
static int
footer_log(struct endpoint *e, const char *slug, struct report_input *in, json_t **log,
           json_t **wit, char **note)
{
	char path[512];
	struct client_response r = { 0 };
	int rc;

	snprintf(path, sizeof(path), "/api/v1/logs/%s", slug);
	if (endpoint_call(e, "GET", path, NULL, NULL, 0, &r) != EXIT_OK)
		return EXIT_FAIL;
	bool held = r.status == 200;
	client_response_free(&r);
	if (!held)
		return EXIT_OK;
	if ((rc = get_json(e, path, log)) != EXIT_OK)
		return rc;
	snprintf(path, sizeof(path), "/logs/%s/checkpoint", slug);
	if ((rc = endpoint_get(e, path, &r)) != EXIT_OK)
		return rc;
	*note = (char *)r.body; /* NUL-terminated; ownership moves */
	r.body = NULL;
	snprintf(path, sizeof(path), "/api/v1/logs/%s/witnesses", slug);
	if ((rc = get_json(e, path, wit)) != EXIT_OK)
		return rc;
	in->log = *log;
	in->checkpoint = *note;
	/* the witnesses of the newest size, not the log's own signature */
	json_t *w;
	size_t i;
	long long newest = -1;
	json_array_foreach(json_object_get(*wit, "witnesses"), i, w)
	{
		long long size = (long long)json_integer_value(json_object_get(w, "size"));
		const char *t = json_string_value(json_object_get(w, "time"));
		const char *who = json_string_value(json_object_get(w, "witness"));
		const char *self = json_string_value(json_object_get(*log, "origin"));
		if (!who || (self && !strcmp(who, self)))
			continue;
		if (size > newest)
			newest = size, in->n_witnesses = 0;
		if (size == newest)
			in->n_witnesses++;
		if (t && (!in->last_witness || strcmp(t, in->last_witness) > 0))
			in->last_witness = t;
	}
	return EXIT_OK;
}

static bool
valid_date(const char *s)
{
	int y, m, d;
	char tail;
	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && y >= 1970 &&
	       m >= 1 && m <= 12 && d >= 1 && d <= 31 && s[4] == '-' && s[7] == '-';
}

int
cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		ENDPOINT_OPTIONS,
		{ "member", required_argument, NULL, 'm' },
		{ "national", no_argument, NULL, 'n' },
		{ "as-of", required_argument, NULL, 'a' },
		{ "lang", required_argument, NULL, 'l' },
		{ "months", required_argument, NULL, 'M' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct endpoint_args ea = { 0 };
	struct endpoint e = { 0 };
	struct report_input in = { 0 };
	const char *member = NULL, *as_of = NULL, *lang = "fr", *out = NULL, *months_s = NULL;
	bool national = false;
	uint64_t months = 12;
	json_t *data = NULL, *trend = NULL, *log = NULL, *wit = NULL;
	char *note = NULL, path[1024], today[11], generated[32], slug[256];
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (endpoint_arg(&ea, c, optarg))
			continue;
		switch (c) {
		case 'm':
			member = optarg;
			break;
		case 'n':
			national = true;
			break;
		case 'a':
			as_of = optarg;
			break;
		case 'l':
			lang = optarg;
			break;
		case 'M':
			months_s = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return cli_usage(usage, c == 'h');
		}
	}
	if (optind != argc)
		return cli_err(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!!member == national)
		return cli_err(EXIT_USAGE,
		               "give --member M or --national (see remacto report --help)");
	if (!out || !*out)
		return cli_err(EXIT_USAGE, "--out FILE.pdf is required");
	if (!strcmp(lang, "fr"))
		in.lang = REPORT_FR;
	else if (!strcmp(lang, "ar"))
		in.lang = REPORT_AR;
	else if (!strcmp(lang, "en"))
		in.lang = REPORT_EN;
	else
		return cli_err(EXIT_USAGE, "--lang wants fr, ar or en, not '%s'", lang);
	if (months_s && (!cli_u64("--months", months_s, &months) || months > MAX_MONTHS))
		return months > MAX_MONTHS ? cli_err(EXIT_USAGE, "--months: at most %d", MAX_MONTHS)
		                           : EXIT_USAGE;
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	strftime(generated, sizeof(generated), "%Y-%m-%d %H:%M UTC", &tm);
	if (!as_of)
		as_of = today;
	if (!valid_date(as_of))
		return cli_err(EXIT_USAGE, "--as-of wants a date YYYY-MM-DD, not '%s'", as_of);
	if (member) {
		const char *s = strrchr(member, '/');
		s = s ? s + 1 : member;
		if (!*s || strlen(s) >= sizeof(slug) ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyz"
		              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(s))
			return cli_err(EXIT_USAGE, "--member wants a slug or an origin, not '%s'",
			               member);
		snprintf(slug, sizeof(slug), "%s", s);
	}

	if ((rc = endpoint_open(&e, ENDPOINT_PUBLIC, &ea, 0)) != EXIT_OK)
		goto done;
	if (national) {
		snprintf(path, sizeof(path), "/api/v1/compliance?as-of=%s&months=%u", as_of,
		         (unsigned)months);
		if ((rc = get_json(&e, path, &data)) != EXIT_OK)
			goto done;
		rc = footer_log(&e, REGISTRY_SLUG, &in, &log, &wit, &note);
	} else {
		snprintf(path, sizeof(path), "/api/v1/compliance/%s?as-of=%s", slug, as_of);
		if ((rc = get_json(&e, path, &data)) != EXIT_OK)
			goto done;
		if (!(trend = json_array())) {
			rc = cli_err(EXIT_FAIL, "out of memory");
			goto done;
		}
		for (int back = (int)months; back >= 0; back--) {
			char day[24];
			json_t *r;
			if (back > 0)
				month_end(as_of, back, day);
			else
				snprintf(day, sizeof(day), "%s", as_of);
			snprintf(path, sizeof(path), "/api/v1/compliance/%s?as-of=%s", slug, day);
			if ((rc = get_json(&e, path, &r)) != EXIT_OK)
				goto done;
			json_array_append_new(trend,
			                      json_pack("{s:s, s:O, s:O}", "date", day, "score",
			                                json_object_get(r, "score"), "status",
			                                json_object_get(r, "status")));
			json_decref(r);
		}
		rc = footer_log(&e, slug, &in, &log, &wit, &note);
	}
	if (rc != EXIT_OK)
		goto done;
	in.national = national;
	in.data = data;
	in.trend = trend;
	in.node = e.base;
	in.generated = generated;
	unsigned pages = 0;
	char err[512];
	if (report_pdf_write(&in, out, &pages, err, sizeof(err)) != 0) {
		rc = cli_err(EXIT_FAIL, "%s", err);
		goto done;
	}
	printf("wrote %s: %u page%s, %s as of %s, in %s\n", out, pages, pages == 1 ? "" : "s",
	       national ? "the national overview" : slug, as_of, lang);
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
done:
	json_decref(data);
	json_decref(trend);
	json_decref(log);
	json_decref(wit);
	free(note);
	endpoint_close(&e);
	return rc;
}
