/*
 * remacto peers — what a running node says of its peers (GET /api/v1/peers on its public
 * listener), as a table: who, session state, direction, send queue or last error, violations,
 * time to the next connection attempt.
 *
 *   remacto peers [--config FILE] [--url http://127.0.0.1:8080] [--ca FILE]
 *
 * The public listener needs no token, so --url may name any node; without it the node of
 * --config (or of the embedded defaults) is asked (endpoint.h).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "endpoint.h"

#define PEER_COL_MAX 48
#define NOTE_COL_MAX 56

static const char usage[] =
        "usage: remacto peers [--config FILE] [--url http[s]://HOST:PORT] [--ca FILE]\n"
        "  Shows a running node's peers: state (ready, handshake, connecting, backoff, standby,\n"
        "  refused...), direction (out: this node dials it; in: it dialled this node), the send\n"
        "  queue of a ready session or the last error, protocol violations and the time left\n"
        "  before the next connection attempt. Asks the public listener.\n" ENDPOINT_USAGE
        "  Exit codes: 0 ok, 1 failure (node unreachable), 2 usage.\n";

static void
human_bytes(long long n, char *out, size_t cap)
{
	if (n < 1024)
		snprintf(out, cap, "%lld B", n);
	else if (n < 1024 * 1024)
		snprintf(out, cap, "%.1f KiB", n / 1024.0);
	else
		snprintf(out, cap, "%.1f MiB", n / (1024.0 * 1024));
}

/* Who the peer is: its origin once known, else where it is. */
static const char *
who(json_t *p)
{
	if (cli_jstr(p, "origin")[0])
		return cli_jstr(p, "origin");
	if (cli_jstr(p, "url")[0])
		return cli_jstr(p, "url");
	return cli_jstr(p, "address")[0] ? cli_jstr(p, "address") : "?";
}

static void
print_table(json_t *peers)
{
	int w = 4;
	size_t i;
	json_t *p;

	json_array_foreach(peers, i, p)
	{
		int l = (int)strlen(who(p));
		if (l > w)
			w = l > PEER_COL_MAX ? PEER_COL_MAX : l;
	}
	printf("%-*s  %-10s  %-3s  %-*s  %4s  %s\n", w, "PEER", "STATE", "DIR", NOTE_COL_MAX,
	       "QUEUE / LAST ERROR", "VIOL", "BACKOFF");
	json_array_foreach(peers, i, p)
	{
		char note[128], backoff[32];
		const char *state = cli_jstr(p, "state");
		long long ms = cli_jint(p, "backoffMs");

		if (!strcmp(state, "ready")) {
			char b[32];
			human_bytes(cli_jint(p, "queued"), b, sizeof(b));
			snprintf(note, sizeof(note), "queued %s", b);
		} else if (!strcmp(state, "standby")) {
			snprintf(note, sizeof(note), "connected the other way");
		} else if (!strcmp(state, "self")) {
			snprintf(note, sizeof(note), "this node's own address: not dialled");
		} else {
			snprintf(note, sizeof(note), "%s",
			         cli_jstr(p, "lastError")[0] ? cli_jstr(p, "lastError") : "-");
		}
		if (strlen(note) > NOTE_COL_MAX)
			strcpy(note + NOTE_COL_MAX - 3, "...");
		if (ms > 0)
			snprintf(backoff, sizeof(backoff), "%.1f s", ms / 1000.0);
		else
			snprintf(backoff, sizeof(backoff), "-");
		printf("%-*.*s  %-10s  %-3s  %-*s  %4lld  %s\n", w, PEER_COL_MAX, who(p), state,
		       cli_jstr(p, "direction"), NOTE_COL_MAX, note, cli_jint(p, "violations"),
		       backoff);
	}
}

int
cmd_peers(int argc, char **argv)
{
	static const struct option opts[] = {
		ENDPOINT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct endpoint e = { 0 };
	struct endpoint_args ea = { 0 };
	struct client_response resp = { 0 };
	json_t *j = NULL, *peers;
	int c, rc = EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (endpoint_arg(&ea, c, optarg))
			continue;
		return cli_usage(usage, c == 'h');
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return cli_err(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	}
	if ((rc = endpoint_open(&e, ENDPOINT_PUBLIC, &ea, 10)) != EXIT_OK)
		goto done;
	if ((rc = endpoint_get(&e, "/api/v1/peers", &resp)) != EXIT_OK)
		goto done;
	j = json_loadb((const char *)resp.body, resp.len, 0, NULL);
	if (!json_is_array(peers = json_object_get(j, "peers"))) {
		rc = cli_err(EXIT_FAIL, "the node's answer to /api/v1/peers has no peers array");
		goto done;
	}
	if (json_array_size(peers) == 0)
		printf("no peers (none configured or announced, and none connected)\n");
	else
		print_table(peers);
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
done:
	json_decref(j);
	client_response_free(&resp);
	endpoint_close(&e);
	return rc;
}
