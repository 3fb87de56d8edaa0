/*
 * remacto peers — what a running node says of its peers (GET /api/v1/peers on its public
 * listener), as a table: who, session state, direction, send queue or last error, violations,
 * time to the next connection attempt.
 *
 *   remacto peers [--config FILE] [--url http://127.0.0.1:8080] [--ca FILE]
 *
 * The public listener needs no token, so --url may name any node; without it the node of
 * --config (or of the embedded defaults) is asked. An https listener is verified against the
 * system's CAs and --ca (default with --config: its [peer] ca_file, the network's CA).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "client.h"
#include "core/config.h"

#define PEER_COL_MAX 48
#define NOTE_COL_MAX 56

static const char usage[] =
        "usage: remacto peers [--config FILE] [--url http://HOST:PORT] [--ca FILE]\n"
        "  Shows a running node's peers: state (ready, handshake, connecting, backoff, standby,\n"
        "  refused...), direction (out: this node dials it; in: it dialled this node), the send\n"
        "  queue of a ready session or the last error, protocol violations and the time left\n"
        "  before the next connection attempt. Asks the public listener: --url, or the [public]\n"
        "  listen address of --config (default: the embedded defaults, http://127.0.0.1:8080).\n"
        "  --ca: PEM certificates of the CAs that may sign an https listener's certificate,\n"
        "  besides the system's (default with --config: its [peer] ca_file).\n"
        "  Exit codes: 0 ok, 1 failure (node unreachable), 2 usage.\n";

/* http[s]://host[:port][/]: host without brackets into host. */
static bool
parse_url(const char *url, struct client_opts *o, char host[256])
{
	const char *p, *h, *end;
	size_t hn;

	if (!strncmp(url, "http://", 7)) {
		o->tls = false;
		p = url + 7;
	} else if (!strncmp(url, "https://", 8)) {
		o->tls = true;
		p = url + 8;
	} else {
		return false;
	}
	if (*p == '[') {
		h = p + 1;
		if (!(end = strchr(h, ']')))
			return false;
		hn = (size_t)(end - h);
		p = end + 1;
	} else {
		h = p;
		hn = strcspn(p, ":/");
		p += hn;
	}
	if (hn == 0 || hn > 255)
		return false;
	memcpy(host, h, hn);
	host[hn] = '\0';
	o->port = o->tls ? 443 : 80;
	if (*p == ':') {
		char *e;
		long port = strtol(p + 1, &e, 10);
		if (e == p + 1 || port < 1 || port > 65535)
			return false;
		o->port = (int)port;
		p = e;
	}
	return *p == '\0' || !strcmp(p, "/");
}

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

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static long long
num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* Who the peer is: its origin once known, else where it is. */
static const char *
who(json_t *p)
{
	if (str(p, "origin")[0])
		return str(p, "origin");
	if (str(p, "url")[0])
		return str(p, "url");
	return str(p, "address")[0] ? str(p, "address") : "?";
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
		const char *state = str(p, "state");
		long long ms = num(p, "backoffMs");

		if (!strcmp(state, "ready")) {
			char b[32];
			human_bytes(num(p, "queued"), b, sizeof(b));
			snprintf(note, sizeof(note), "queued %s", b);
		} else if (!strcmp(state, "standby")) {
			snprintf(note, sizeof(note), "connected the other way");
		} else if (!strcmp(state, "self")) {
			snprintf(note, sizeof(note), "this node's own address: not dialled");
		} else {
			snprintf(note, sizeof(note), "%s",
			         str(p, "lastError")[0] ? str(p, "lastError") : "-");
		}
		if (strlen(note) > NOTE_COL_MAX)
			strcpy(note + NOTE_COL_MAX - 3, "...");
		if (ms > 0)
			snprintf(backoff, sizeof(backoff), "%.1f s", ms / 1000.0);
		else
			snprintf(backoff, sizeof(backoff), "-");
		printf("%-*.*s  %-10s  %-3s  %-*s  %4lld  %s\n", w, PEER_COL_MAX, who(p), state,
		       str(p, "direction"), NOTE_COL_MAX, note, num(p, "violations"), backoff);
	}
}

int
cmd_peers(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'u' },
		{ "ca", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct client_opts o = { 0 };
	struct client_response resp = { 0 };
	struct config cfg;
	const char *config = NULL, *url = NULL, *ca = NULL;
	char host[256], err[1024];
	json_t *j = NULL, *peers;
	int c, rc = EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'a':
			ca = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return cli_err(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	}
	if (url && config)
		return cli_err(EXIT_USAGE, "give --url or --config, not both");
	if (url) {
		if (!parse_url(url, &o, host))
			return cli_err(EXIT_USAGE,
			               "--url wants http://HOST:PORT or https://HOST:PORT "
			               "(IPv6 in brackets), not '%s'",
			               url);
	} else {
		config_defaults(&cfg);
		if ((config && config_load(&cfg, config, err, sizeof(err)) != 0) ||
		    config_finish(&cfg, err, sizeof(err)) != 0)
			return cli_err(EXIT_FAIL, "%s", err);
		/* A listener on every address is reached on loopback. */
		const char *h = cfg.pub.host;
		if (!h[0] || !strcmp(h, "0.0.0.0"))
			h = "127.0.0.1";
		else if (!strcmp(h, "::"))
			h = "::1";
		snprintf(host, sizeof(host), "%s", h);
		o.port = cfg.pub.port;
		o.tls = cfg.tls_cert[0] != '\0';
		if (!ca && cfg.peer_ca_file[0])
			ca = cfg.peer_ca_file;
	}
	o.ca_file = ca;
	o.host = host;
	o.timeout = 10;
	int r = client_request(&o, "GET", "/api/v1/peers", NULL, NULL, 0, &resp, err, sizeof(err));
	if (r != 0) {
		rc = cli_err(EXIT_FAIL,
		             "cannot read the peers of the node at %s%s%s:%d: %s — is "
		             "remactod running?",
		             strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "",
		             o.port, err);
		goto done;
	}
	if (resp.status != 200) {
		rc = cli_err(EXIT_FAIL, "the node answered HTTP %d to GET /api/v1/peers%s",
		             resp.status,
		             resp.status == 404 ? " (a node without federation "
		                                  "support?)"
		                                : "");
		goto done;
	}
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
	return rc;
}
