/*
 * remacto publish | import | status — talk to a running node through its admin listener:
 * publish JSON entries, import a CSV, show the node's status. The node's configuration file
 * (--config, or the embedded defaults) says where the admin listener is and where its bearer
 * token lives; this tool reads both from there, so it runs on the node's host as its operator.
 *
 * The node validates everything; this side only checks that the input is what it claims to be
 * (JSON for publish, under the size cap) and turns JSON lines into one array, so that a batch is
 * all-or-nothing whichever form the file has.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "core/config.h"
#include "core/wire.h"

#define INPUT_MAX ((size_t)64 << 20) /* one publish or import file */
#define TOKEN_FILE_MAX 1024
#define PROGRESS_MIN ((size_t)1 << 20) /* show upload progress above this */

static const char publish_usage[] =
        "usage: remacto publish [--config FILE] ENTRIES.json|-\n"
        "  Publishes entries into the node's own log through its admin listener, as one batch:\n"
        "  all are stored or none. The file (or standard input with -) holds one JSON entry, a\n"
        "  JSON array of entries, or JSON lines (one entry per line). Prints the new indexes and\n"
        "  tree size. --config is the node's configuration (default: the embedded defaults,\n"
        "  admin 127.0.0.1:8081, token in ./var/admin.token).\n"
        "  Exit codes: 0 published, 1 failure (node unreachable, server error), 2 usage,\n"
        "  3 rejected (the node's reason is printed; nothing was stored), 5 refused: the\n"
        "  network authority suspended this node's member (nothing stored; ask the authority).\n";

static const char import_usage[] =
        "usage: remacto import [--config FILE] ROWS.csv|-\n"
        "  Imports a CSV of commitments or measurements (the CSV export's columns) into the\n"
        "  node's own log, all rows or none. On rejection prints one line per faulty row.\n"
        "  --config is the node's configuration (default: the embedded defaults).\n"
        "  Exit codes: 0 imported, 1 failure, 2 usage, 3 rejected, 5 refused: the member is\n"
        "  suspended.\n";

static const char status_usage[] =
        "usage: remacto status [--config FILE]\n"
        "  Shows the running node's origin, tree size, uptime, publication counters, its\n"
        "  latest checkpoint, and whether the network authority suspended its member. --config\n"
        "  is the node's configuration (default: embedded defaults).\n"
        "  Exit codes: 0 ok, 1 failure (node unreachable), 2 usage.\n";

struct target {
	struct config cfg;
	char host[256]; /* where to connect: the admin listen address */
	char token[TOKEN_FILE_MAX];
	struct client_opts opts;
};

/* Parses --config/--help; the remaining operand (if want_file) in *file. */
static int
parse_args(int argc, char **argv, const char *usage, bool want_file, const char **config,
           const char **file)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	*config = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		default:
			fputs(usage, stderr);
			return EXIT_USAGE;
		}
	}
	if (want_file && optind == argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (want_file)
		*file = argv[optind++];
	if (optind != argc) {
		fputs(usage, stderr);
		return cli_err(EXIT_USAGE, "unexpected argument '%s'", argv[optind]);
	}
	return EXIT_OK;
}

/* Reads the admin token: the daemon's file, mode 0600, one line of 32-64 characters. */
static int
read_token(const char *path, char *out, size_t cap)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cli_err(EXIT_FAIL,
		               "cannot read the admin token %s: %s (the node creates it on "
		               "first start; give --config with the node's configuration%s)",
		               path, strerror(errno),
		               errno == EACCES ? ", and run as the node's user" : "");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cli_err(EXIT_FAIL, "admin token %s is not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return cli_err(EXIT_FAIL, "admin token %s must be mode 0600 (chmod 600 %s)", path,
		               path);
	}
	n = read(fd, out, cap - 1);
	close(fd);
	if (n < 0)
		return cli_err(EXIT_FAIL, "cannot read the admin token %s: %s", path,
		               strerror(errno));
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	if (n == 0 || (size_t)n >= cap - 1 || memchr(out, '\n', (size_t)n)) {
		OPENSSL_cleanse(out, cap);
		return cli_err(EXIT_FAIL, "admin token %s does not hold one token line", path);
	}
	return EXIT_OK;
}

/* Loads the configuration and the token: where and how to reach the admin listener. */
static int
target_open(struct target *t, const char *config)
{
	char err[1024];
	int rc;

	config_defaults(&t->cfg);
	if ((config && config_load(&t->cfg, config, err, sizeof(err)) != 0) ||
	    config_finish(&t->cfg, err, sizeof(err)) != 0)
		return cli_err(EXIT_FAIL, "%s", err);
	/* A listener on every address is reached on loopback. */
	const char *h = t->cfg.admin.host;
	if (!h[0] || !strcmp(h, "0.0.0.0"))
		h = "127.0.0.1";
	else if (!strcmp(h, "::"))
		h = "::1";
	snprintf(t->host, sizeof(t->host), "%s", h);
	if ((rc = read_token(t->cfg.token_file, t->token, sizeof(t->token))) != EXIT_OK)
		return rc;
	t->opts.host = t->host;
	t->opts.port = t->cfg.admin.port;
	t->opts.tls = false; /* the admin listener is plain HTTP on loopback */
	t->opts.token = t->token;
	t->opts.timeout = 60;
	return EXIT_OK;
}

static void
target_close(struct target *t)
{
	OPENSSL_cleanse(t->token, sizeof(t->token));
}

/* Reads path ("-": standard input) into a malloc'd, NUL-terminated buffer of at most INPUT_MAX
 * bytes. */
static int
read_input(const char *path, char **out, size_t *outlen)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "standard input" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = EXIT_FAIL;

	if (!f)
		return cli_err(EXIT_FAIL, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > INPUT_MAX) {
		rc = cli_err(EXIT_INVALID,
		             "%s is %.1f MiB, over the %zu MiB cap; split it into "
		             "several files",
		             name, (double)st.st_size / (1 << 20), INPUT_MAX >> 20);
		goto done;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			if (ncap > INPUT_MAX + 1)
				ncap = INPUT_MAX + 1;
			char *nb = ncap > cap ? realloc(buf, ncap + 1) : NULL;
			if (!nb) {
				rc = len > INPUT_MAX
				             ? cli_err(EXIT_INVALID,
				                       "%s is over the %zu MiB cap; split it into "
				                       "several files",
				                       name, INPUT_MAX >> 20)
				             : cli_err(EXIT_FAIL, "out of memory reading %s", name);
				goto done;
			}
			buf = nb, cap = ncap;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		rc = cli_err(EXIT_FAIL, "cannot read %s: %s", name, strerror(errno));
		goto done;
	}
	if (len > INPUT_MAX) {
		rc = cli_err(EXIT_INVALID,
		             "%s is over the %zu MiB cap; split it into several files", name,
		             INPUT_MAX >> 20);
		goto done;
	}
	buf[len] = '\0';
	*out = buf, *outlen = len;
	buf = NULL;
	rc = EXIT_OK;
done:
	free(buf);
	if (!is_stdin)
		fclose(f);
	return rc;
}

/* One line on stderr, redrawn when the percentage changes. arg: the last percentage shown. */
static void
show_progress(size_t sent, size_t total, void *arg)
{
	int *last = arg, pct = (int)(total ? (double)sent * 100 / (double)total : 100);
	if (pct == *last)
		return;
	*last = pct;
	fprintf(stderr, "\ruploading %.1f of %.1f MiB (%d%%)", (double)sent / (1 << 20),
	        (double)total / (1 << 20), pct);
	if (sent == total)
		fputc('\n', stderr);
}

/* Prints the node's {"error":{...}} answer; returns the exit code for its status. */
static int
report_error(const struct target *t, const struct client_response *resp)
{
	/* The input was refused (3); the member is suspended (5); anything else — token, route,
	 * node state — is a failure (1). */
	int code = resp->status == 400 || resp->status == 413 || resp->status == 415 ? EXIT_INVALID
	                                                                             : EXIT_FAIL;
	json_t *j = resp->body ? json_loadb((const char *)resp->body, resp->len, 0, NULL) : NULL;
	json_t *e = json_object_get(j, "error");
	if (resp->status == 403 && json_is_object(json_object_get(e, "suspended")))
		code = EXIT_SUSPENDED;
	const char *reason = json_string_value(json_object_get(e, "reason"));
	const char *field = json_string_value(json_object_get(e, "field"));
	json_t *rows = json_object_get(e, "rows");

	if (!reason) {
		/* not the node's error format: show the start of what came back */
		size_t n = resp->len < 200 ? resp->len : 200;
		const char *b = resp->body ? (const char *)resp->body : "";
		size_t nl = strcspn(b, "\r\n");
		cli_err(code, "the node answered HTTP %d: %.*s", resp->status,
		        (int)(nl < n ? nl : n), b);
	} else if (field && field[0]) {
		cli_err(code, "rejected by the node (HTTP %d): %s (field %s)", resp->status, reason,
		        field);
	} else {
		cli_err(code, "rejected by the node (HTTP %d): %s", resp->status, reason);
	}
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		json_t *rn = json_object_get(row, "row");
		const char *col = json_string_value(json_object_get(row, "column"));
		const char *why = json_string_value(json_object_get(row, "reason"));
		fprintf(stderr, "  row %lld%s%s: %s\n", (long long)json_integer_value(rn),
		        col && col[0] ? ", column " : "", col && col[0] ? col : "",
		        why ? why : "invalid");
	}
	if (code == EXIT_SUSPENDED)
		fprintf(stderr,
		        "remacto: nothing was stored; `remacto status` shows the suspension, "
		        "the network authority lifts it (remacto member reinstate)\n");
	if (resp->status == 401)
		fprintf(stderr,
		        "remacto: the token in %s is not this node's admin token; is --config "
		        "the configuration of the node at %s:%d?\n",
		        t->cfg.token_file, t->host, t->opts.port);
	json_decref(j);
	return code;
}

/* Sends one request; on success *resp holds a 2xx JSON answer. Anything else is reported and
 * its exit code returned. */
static int
call(struct target *t, const char *method, const char *path, const char *ctype, const uint8_t *body,
     size_t len, struct client_response *resp, json_t **json)
{
	char err[512];
	int rc, last_pct = -1;

	if (body && len > PROGRESS_MIN && isatty(STDERR_FILENO)) {
		t->opts.progress = show_progress;
		t->opts.progress_arg = &last_pct;
	}
	rc = client_request(&t->opts, method, path, ctype, body, len, resp, err, sizeof(err));
	t->opts.progress = NULL;
	if (rc == CLIENT_ECONNECT)
		return cli_err(EXIT_FAIL,
		               "cannot connect to the admin listener %s:%d: %s — is "
		               "remactod running?",
		               t->host, t->opts.port, err);
	if (rc != 0 && len > WIRE_MAX_BODY)
		/* The node answers 413 and closes before reading it all: name the likely cause. */
		return cli_err(
		        EXIT_FAIL,
		        "%s %s on the admin listener %s:%d failed: %s; the body is "
		        "%.1f MiB and a node takes at most %u MiB per request: split the input",
		        method, path, t->host, t->opts.port, err, (double)len / (1 << 20),
		        WIRE_MAX_BODY >> 20);
	if (rc != 0)
		return cli_err(EXIT_FAIL, "%s %s on the admin listener %s:%d failed: %s", method,
		               path, t->host, t->opts.port, err);
	if (resp->status < 200 || resp->status > 299)
		return report_error(t, resp);
	json_error_t jerr;
	if (!(*json = json_loadb((const char *)resp->body, resp->len, 0, &jerr)) ||
	    !json_is_object(*json))
		return cli_err(EXIT_FAIL, "the node's answer to %s is not a JSON object (%s)", path,
		               *json ? "other JSON" : jerr.text);
	return EXIT_OK;
}

/* "N entries: indexes A-B, tree size S" from the node's {"indexes":[…],"treeSize":S}. */
static int
print_published(const char *verb, json_t *j)
{
	json_t *ix = json_object_get(j, "indexes");
	json_t *size = json_object_get(j, "treeSize");
	size_t n = json_array_size(ix);

	if (!json_is_array(ix) || n == 0 || !json_is_integer(size))
		return cli_err(EXIT_FAIL, "the node's answer lacks indexes or treeSize");
	long long first = json_integer_value(json_array_get(ix, 0));
	long long last = json_integer_value(json_array_get(ix, n - 1));
	if (n == 1)
		printf("%s 1 entry: index %lld, tree size %lld\n", verb, first,
		       (long long)json_integer_value(size));
	else
		printf("%s %zu entries: indexes %lld-%lld, tree size %lld\n", verb, n, first, last,
		       (long long)json_integer_value(size));
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return false;
	return true;
}

/* The body for POST /api/v1/entries: the input itself when it is one JSON value (an entry or
 * an array of them), or its JSON lines joined into one array, byte for byte. *owned is what to
 * free (NULL when *body is in). */
static int
entries_body(const char *name, char *in, size_t len, const char **body, size_t *blen, char **owned)
{
	json_error_t jerr;
	json_t *j = json_loadb(in, len, JSON_REJECT_DUPLICATES, &jerr);

	*owned = NULL;
	if (blank(in, len))
		return cli_err(EXIT_INVALID, "%s holds no entries; nothing published", name);
	if (j) {
		bool ok = json_is_object(j) || json_is_array(j);
		json_decref(j);
		if (!ok)
			return cli_err(EXIT_INVALID,
			               "%s: expected a JSON entry (an object), an array of "
			               "entries or JSON lines; nothing published",
			               name);
		*body = in, *blen = len;
		return EXIT_OK;
	}
	if (json_error_code(&jerr) != json_error_end_of_input_expected)
		return cli_err(EXIT_INVALID,
		               "%s line %d column %d: invalid JSON: %s; nothing "
		               "published",
		               name, jerr.line, jerr.column, jerr.text);

	/* More than one value: JSON lines. Each line must be an object on its own. */
	char *out = malloc(len + 3), *o = out;
	size_t lineno = 0, count = 0;
	if (!out)
		return cli_err(EXIT_FAIL, "out of memory");
	*o++ = '[';
	for (char *p = in, *end = in + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		if (!blank(p, n)) {
			json_t *e = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
			bool obj = json_is_object(e);
			json_decref(e);
			if (!obj) {
				free(out);
				if (!e)
					return cli_err(EXIT_INVALID,
					               "%s line %zu column %d: invalid JSON: %s; "
					               "nothing published",
					               name, lineno, jerr.column, jerr.text);
				return cli_err(EXIT_INVALID,
				               "%s line %zu: expected one entry (a JSON "
				               "object) per line; nothing published",
				               name, lineno);
			}
			if (count++)
				*o++ = ',';
			memcpy(o, p, n);
			o += n;
		}
		p += n + (nl != NULL);
	}
	*o++ = ']';
	*body = *owned = out;
	*blen = (size_t)(o - out);
	return EXIT_OK;
}

int
cmd_publish(int argc, char **argv)
{
	struct target t = { 0 };
	struct client_response resp = { 0 };
	const char *config, *file = NULL, *body = NULL;
	char *in = NULL, *owned = NULL;
	size_t len, blen = 0;
	json_t *j = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, publish_usage, true, &config, &file)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = read_input(file, &in, &len)) != EXIT_OK)
		return rc;
	const char *name = strcmp(file, "-") ? file : "standard input";
	if ((rc = entries_body(name, in, len, &body, &blen, &owned)) != EXIT_OK)
		goto done;
	if ((rc = target_open(&t, config)) != EXIT_OK)
		goto done;
	rc = call(&t, "POST", "/api/v1/entries", "application/json", (const uint8_t *)body, blen,
	          &resp, &j);
	if (rc == EXIT_OK)
		rc = print_published("published", j);
done:
	json_decref(j);
	client_response_free(&resp);
	target_close(&t);
	free(owned);
	free(in);
	return rc;
}

int
cmd_import(int argc, char **argv)
{
	struct target t = { 0 };
	struct client_response resp = { 0 };
	const char *config, *file = NULL;
	char *in = NULL;
	size_t len;
	json_t *j = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, import_usage, true, &config, &file)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = read_input(file, &in, &len)) != EXIT_OK)
		return rc;
	if (blank(in, len)) {
		rc = cli_err(EXIT_INVALID, "%s is empty; nothing imported",
		             strcmp(file, "-") ? file : "standard input");
		goto done;
	}
	if ((rc = target_open(&t, config)) != EXIT_OK)
		goto done;
	rc = call(&t, "POST", "/api/v1/import", "text/csv; charset=utf-8", (const uint8_t *)in, len,
	          &resp, &j);
	if (rc == EXIT_OK)
		rc = print_published("imported", j);
done:
	json_decref(j);
	client_response_free(&resp);
	target_close(&t);
	free(in);
	return rc;
}

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

int
cmd_status(int argc, char **argv)
{
	struct target t = { 0 };
	struct client_response resp = { 0 };
	const char *config, *file = NULL;
	json_t *j = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, status_usage, false, &config, &file)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = target_open(&t, config)) != EXIT_OK)
		goto done;
	if ((rc = call(&t, "GET", "/api/v1/status", NULL, NULL, 0, &resp, &j)) != EXIT_OK)
		goto done;

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
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
done:
	json_decref(j);
	client_response_free(&resp);
	target_close(&t);
	return rc;
}
