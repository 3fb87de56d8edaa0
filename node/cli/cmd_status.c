/*
 * remacto status — what a running node says of itself, through its admin listener: origin, tree
 * size, uptime, publication counters, its latest checkpoint, whether the network authority
 * suspended its member, and whether replication works: for every log the node holds, how many
 * entries peers announced that it does not hold yet, and when a witness last cosigned the log.
 *
 * The replication figures come from the node's /metrics (remacto_log_entries,
 * remacto_replica_behind_entries, remacto_log_last_witnessed_seconds, remacto_log_forked,
 * remacto_peers_ready): the same source the operator's Prometheus alerts read, so the two never
 * disagree.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "endpoint.h"

#define MAX_LOGS 4096      /* logs listed from /metrics */
#define STALE_WITNESS 3600 /* seconds: a log witnessed longer ago than this is flagged */

static const char status_usage[] =
        "usage: remacto status [--config FILE] [--url URL] [--ca FILE]\n"
        "  Shows the running node's origin, tree size, uptime, publication counters, its\n"
        "  latest checkpoint, whether the network authority suspended its member, and whether\n"
        "  replication works: peer sessions ready and, per log held, the entries peers\n"
        "  announced that the node does not hold yet (BEHIND) and the last time a witness\n"
        "  cosigned it.\n" ENDPOINT_USAGE
        "  Exit codes: 0 ok, 1 failure (node unreachable), 2 usage.\n";

static void
print_uptime(long long s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		printf("%lldd %lldh %lldm %llds\n", s / 86400, s % 86400 / 3600, s % 3600 / 60,
		       s % 60);
	else if (s >= 3600)
		printf("%lldh %lldm %llds\n", s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60)
		printf("%lldm %llds\n", s / 60, s % 60);
	else
		printf("%llds\n", s);
}

/* "suspended: past size 19 since registry entry 31 (2026-12-03)", the reasons, and what it
 * means for this node. */
static void
print_suspension(json_t *sp)
{
	json_t *ix = json_object_get(sp, "registryIndex");
	const char *date = json_string_value(json_object_get(sp, "date"));
	json_t *reason = json_object_get(sp, "reason");
	const char *fr = json_string_value(json_object_get(reason, "fr"));
	const char *ar = json_string_value(json_object_get(reason, "ar"));

	if (!json_is_object(sp))
		return;
	printf("%-18s past size %lld",
	       "suspended:", (long long)json_integer_value(json_object_get(sp, "atSize")));
	if (json_is_integer(ix))
		printf(", registry entry %lld", (long long)json_integer_value(ix));
	if (date)
		printf(" (%s)", date);
	printf("\n");
	if (fr)
		printf("%-18s %s\n", "  reason (fr):", fr);
	if (ar)
		printf("%-18s %s\n", "  reason (ar):", ar);
	printf("%-18s %s\n", "publishing:",
	       "refused: the network authority suspended this member; it resumes when the "
	       "authority reinstates it");
}

/* What /metrics says of one log. */
struct log_line {
	char origin[256];
	long long held, behind, witnessed; /* -1: not reported */
	bool forked;
};

struct replication {
	struct log_line *logs;
	size_t n;
	long long peers_ready; /* -1: not reported */
	bool has_behind, has_witnessed;
};

static struct log_line *
log_of(struct replication *r, const char *origin)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->logs[i].origin, origin))
			return &r->logs[i];
	if (r->n == MAX_LOGS)
		return NULL;
	struct log_line *l = &r->logs[r->n++];
	snprintf(l->origin, sizeof(l->origin), "%s", origin);
	l->held = l->behind = l->witnessed = -1;
	return l;
}

/* One sample line of the Prometheus text format: name, the origin label ("" without one), the
 * value. False for comments and lines it does not read. */
static bool
sample(const char *line, size_t n, char name[64], char origin[256], double *value)
{
	size_t k = strcspn(line, "{ ");
	const char *p = line + k, *end = line + n;
	char num[64];

	if (n == 0 || line[0] == '#' || k == 0 || k >= 64 || p >= end)
		return false;
	memcpy(name, line, k);
	name[k] = '\0';
	origin[0] = '\0';
	if (*p == '{') {
		const char *close = memchr(p, '}', (size_t)(end - p));
		const char *o = close ? strstr(p, "origin=\"") : NULL;
		if (!close)
			return false;
		if (o && o < close) {
			o += 8;
			size_t on = strcspn(o, "\"");
			if (o + on > close || on >= 256)
				return false;
			memcpy(origin, o, on);
			origin[on] = '\0';
		}
		p = close + 1;
	}
	while (p < end && *p == ' ')
		p++;
	size_t vn = (size_t)(end - p);
	if (vn == 0 || vn >= sizeof(num))
		return false;
	memcpy(num, p, vn);
	num[vn] = '\0';
	char *e;
	*value = strtod(num, &e);
	return e != num;
}

static void
read_metrics(struct replication *r, const char *text, size_t len)
{
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char name[64], origin[256];
		double v;
		struct log_line *l;

		if (sample(p, n, name, origin, &v)) {
			if (!strcmp(name, "remacto_peers_ready"))
				r->peers_ready = (long long)v;
			else if (!origin[0] || strncmp(name, "remacto_", 8))
				;
			else if (!strcmp(name, "remacto_log_entries") && (l = log_of(r, origin)))
				l->held = (long long)v;
			else if (!strcmp(name, "remacto_replica_behind_entries") &&
			         (l = log_of(r, origin)))
				l->behind = (long long)v, r->has_behind = true;
			else if (!strcmp(name, "remacto_log_last_witnessed_seconds") &&
			         (l = log_of(r, origin)))
				l->witnessed = (long long)v, r->has_witnessed = true;
			else if (!strcmp(name, "remacto_log_forked") && (l = log_of(r, origin)))
				l->forked = v != 0;
		}
		p += n + (nl != NULL);
	}
}

/* "2026-12-03T10:00:00Z (3 min ago)" */
static void
when(long long t, time_t now, char *out, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)t;
	long long ago = (long long)now - t;
	char date[32];

	if (t <= 0 || !gmtime_r(&tt, &tm)) {
		snprintf(out, cap, "never");
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (ago < 0)
		ago = 0;
	if (ago < 120)
		snprintf(out, cap, "%s (%lld s ago)", date, ago);
	else if (ago < 7200)
		snprintf(out, cap, "%s (%lld min ago)", date, ago / 60);
	else if (ago < 172800)
		snprintf(out, cap, "%s (%lld h ago)", date, ago / 3600);
	else
		snprintf(out, cap, "%s (%lld days ago)", date, ago / 86400);
}

/* The replication section: a verdict line, then one line per log. */
static void
print_replication(const char *text, size_t len)
{
	struct replication r = { .peers_ready = -1 };
	time_t now = time(NULL);
	size_t behind = 0, forked = 0, unwitnessed = 0;

	if (!(r.logs = calloc(MAX_LOGS, sizeof(*r.logs)))) {
		printf("%-18s %s\n", "replication:", "(out of memory reading /metrics)");
		return;
	}
	read_metrics(&r, text, len);
	for (size_t i = 0; i < r.n; i++) {
		behind += r.logs[i].behind > 0;
		forked += r.logs[i].forked;
		unwitnessed += r.logs[i].witnessed < 0 || now - r.logs[i].witnessed > STALE_WITNESS;
	}
	printf("%-18s ", "replication:");
	if (r.peers_ready < 0)
		printf("not federated (no [authority] verifier_key): this node replicates nothing\n");
	else if (!r.has_behind)
		printf("%lld peer session%s ready; this remactod does not report what peers "
		       "announced (remacto_replica_behind_entries): upgrade it to see the lag\n",
		       r.peers_ready, r.peers_ready == 1 ? "" : "s");
	else if (r.peers_ready == 0)
		printf("NOT WORKING: no peer session is ready (see remacto peers)\n");
	else if (behind || forked)
		printf("%lld peer session%s ready; %zu of %zu logs behind what peers announced%s%s\n",
		       r.peers_ready, r.peers_ready == 1 ? "" : "s", behind, r.n,
		       forked ? ", FORKED logs: " : "", forked ? "see /api/v1/evidence" : "");
	else
		printf("working: %lld peer session%s ready, every log holds what peers announced\n",
		       r.peers_ready, r.peers_ready == 1 ? "" : "s");
	if (r.peers_ready >= 0 && r.n > 0) {
		printf("%-40s %10s %8s  %s\n", "LOG", "HELD", "BEHIND", "LAST WITNESSED");
		for (size_t i = 0; i < r.n; i++) {
			const struct log_line *l = &r.logs[i];
			char b[24], w[64];
			if (l->behind < 0)
				snprintf(b, sizeof(b), "?");
			else
				snprintf(b, sizeof(b), "%lld", l->behind);
			if (!r.has_witnessed)
				snprintf(w, sizeof(w), "?");
			else
				when(l->witnessed, now, w, sizeof(w));
			printf("%-40s %10lld %8s  %s%s\n", l->origin, l->held < 0 ? 0 : l->held, b,
			       w, l->forked ? "  FORKED" : "");
		}
		if (r.has_witnessed && unwitnessed)
			printf("(%zu log%s not witnessed in the last hour: its peers have not "
			       "cosigned what it published lately)\n",
			       unwitnessed, unwitnessed == 1 ? "" : "s");
	}
	free(r.logs);
}

int
cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		ENDPOINT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct endpoint t = { 0 };
	struct endpoint_args ea = { 0 };
	struct client_response resp = { 0 };
	json_error_t jerr;
	json_t *j = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (endpoint_arg(&ea, c, optarg))
			continue;
		return cli_usage(status_usage, c == 'h');
	}
	if (optind != argc) {
		fputs(status_usage, stderr);
		return cli_err(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	}
	if ((rc = endpoint_open(&t, ENDPOINT_ADMIN, &ea, 30)) != EXIT_OK)
		goto done;
	if ((rc = endpoint_get(&t, "/api/v1/status", &resp)) != EXIT_OK)
		goto done;
	/* Not inside json_is_object(): the macro evaluates its argument twice (a second load,
	 * the first one leaked). */
	j = json_loadb((const char *)resp.body, resp.len, 0, &jerr);
	if (!json_is_object(j)) {
		rc = cli_err(EXIT_FAIL, "the node's answer to /api/v1/status is not a JSON object");
		goto done;
	}

	const char *origin = json_string_value(json_object_get(j, "origin"));
	const char *network = json_string_value(json_object_get(j, "network"));
	const char *cp = json_string_value(json_object_get(j, "checkpoint"));
	json_t *size = json_object_get(j, "treeSize");

	printf("%-18s %s\n",
	       "origin:", origin && origin[0] ? origin : "(none: a read-only mirror)");
	if (network)
		printf("%-18s %s\n", "network:", network);
	if (json_is_integer(size))
		printf("%-18s %lld\n", "tree size:", (long long)json_integer_value(size));
	printf("%-18s ", "uptime:");
	print_uptime(json_integer_value(json_object_get(j, "uptimeSeconds")));
	printf("%-18s %lld\n", "entries published:",
	       (long long)json_integer_value(json_object_get(j, "entriesPublished")));
	printf("%-18s %lld\n",
	       "commits:", (long long)json_integer_value(json_object_get(j, "commits")));
	print_suspension(json_object_get(j, "suspended"));
	if (cp) {
		printf("checkpoint:\n");
		for (const char *p = cp; *p;) {
			size_t n = strcspn(p, "\n");
			printf(n ? "    %.*s\n" : "%.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
	}
	client_response_free(&resp);
	if ((rc = endpoint_get(&t, "/metrics", &resp)) != EXIT_OK)
		goto done;
	print_replication((const char *)resp.body, resp.len);
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
done:
	json_decref(j);
	client_response_free(&resp);
	endpoint_close(&t);
	return rc;
}
