/*
 * remacto publish | import — write to a running node through its admin listener: publish JSON
 * entries, import a CSV. The node's configuration file (--config, or the embedded defaults)
 * says where the admin listener is and where its bearer token lives (endpoint.h); this tool
 * reads both from there, so it runs on the node's host as its operator.
 *
 * The node validates everything; this side only checks that the input is what it claims to be
 * (JSON for publish, under the size cap) and turns JSON lines into one array, so that a batch is
 * all-or-nothing whichever form the file has.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/wire.h"
#include "endpoint.h"

#define INPUT_MAX ((size_t)64 << 20)   /* one publish or import file */
#define PROGRESS_MIN ((size_t)1 << 20) /* show upload progress above this */

static const char publish_usage[] =
        "usage: remacto publish [--config FILE] [--url URL] [--ca FILE] ENTRIES.json|-\n"
        "  Publishes entries into the node's own log through its admin listener, as one batch:\n"
        "  all are stored or none. The file (or standard input with -) holds one JSON entry, a\n"
        "  JSON array of entries, or JSON lines (one entry per line). Prints the new indexes and\n"
        "  tree size. The admin token comes from the configuration's token file (default:\n"
        "  ./var/admin.token); the admin listener from its [admin] listen, or --url.\n" ENDPOINT_USAGE
        "  Exit codes: 0 published, 1 failure (node unreachable, server error), 2 usage,\n"
        "  3 rejected (the node's reason is printed; nothing was stored), 5 refused: the\n"
        "  network authority suspended this node's member (nothing stored; ask the authority).\n";

static const char import_usage[] =
        "usage: remacto import [--config FILE] [--url URL] [--ca FILE] ROWS.csv|-\n"
        "  Imports a CSV of commitments or measurements (the CSV export's columns) into the\n"
        "  node's own log, all rows or none. On rejection prints one line per faulty row.\n" ENDPOINT_USAGE
        "  Exit codes: 0 imported, 1 failure, 2 usage, 3 rejected, 5 refused: the member is\n"
        "  suspended.\n";

/* Parses the endpoint options and --help; the remaining operand (if want_file) in *file.
 * -1 after --help. */
static int
parse_args(int argc, char **argv, const char *usage, bool want_file, struct endpoint_args *ea,
           const char **file)
{
	static const struct option opts[] = {
		ENDPOINT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(ea, 0, sizeof(*ea));
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (endpoint_arg(ea, c, optarg))
			continue;
		if (c == 'h') {
			fputs(usage, stdout);
			return -1;
		}
		fputs(usage, stderr);
		return EXIT_USAGE;
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

/* Reads path ("-": standard input) into a malloc'd, NUL-terminated buffer of at most INPUT_MAX
 * bytes. */
static int
read_input(const char *path, char **out, size_t *outlen)
{
	bool is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "standard input" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	struct stat st;
	struct buf b = BUF_INIT(INPUT_MAX);
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
		/* A chunk at a time, never past the cap: a byte beyond it is looked for below. */
		size_t want = INPUT_MAX - b.len < 65536 ? INPUT_MAX - b.len : 65536, n;
		if (want == 0 || buf_reserve(&b, want) != 0)
			break;
		n = fread(b.data + b.len, 1, want, f);
		b.len += n;
		if (n == 0)
			break;
	}
	if (b.err == -ENOMEM) {
		rc = cli_err(EXIT_FAIL, "out of memory reading %s", name);
		goto done;
	}
	if (ferror(f)) {
		rc = cli_err(EXIT_FAIL, "cannot read %s: %s", name, strerror(errno));
		goto done;
	}
	if (b.len == INPUT_MAX && fgetc(f) != EOF) {
		rc = cli_err(EXIT_INVALID,
		             "%s is over the %zu MiB cap; split it into several files", name,
		             INPUT_MAX >> 20);
		goto done;
	}
	if (b.len == 0 && buf_reserve(&b, 0) != 0) {
		rc = cli_err(EXIT_FAIL, "out of memory reading %s", name);
		goto done;
	}
	b.data[b.len] = '\0';
	*out = buf_steal(&b, outlen);
	rc = EXIT_OK;
done:
	buf_free(&b);
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

/* Sends one request; on success *resp holds a 2xx JSON answer. Anything else is reported and
 * its exit code returned. */
static int
call(struct endpoint *t, const char *method, const char *path, const char *ctype,
     const uint8_t *body, size_t len, struct client_response *resp, json_t **json)
{
	int rc, last_pct = -1;

	if (body && len > PROGRESS_MIN && isatty(STDERR_FILENO)) {
		t->opts.progress = show_progress;
		t->opts.progress_arg = &last_pct;
	}
	rc = endpoint_call(t, method, path, ctype, body, len, resp);
	t->opts.progress = NULL;
	if (rc != EXIT_OK && len > WIRE_MAX_BODY)
		/* The node answers 413 and closes before reading it all: name the likely cause. */
		return cli_err(EXIT_FAIL,
		               "the body is %.1f MiB and a node takes at most %u MiB per request: "
		               "split the input",
		               (double)len / (1 << 20), WIRE_MAX_BODY >> 20);
	if (rc != EXIT_OK)
		return rc;
	if (resp->status < 200 || resp->status > 299)
		return endpoint_error(t, path, resp);
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
	struct endpoint t = { 0 };
	struct endpoint_args ea;
	struct client_response resp = { 0 };
	const char *file = NULL, *body = NULL;
	char *in = NULL, *owned = NULL;
	size_t len, blen = 0;
	json_t *j = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, publish_usage, true, &ea, &file)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = read_input(file, &in, &len)) != EXIT_OK)
		return rc;
	const char *name = strcmp(file, "-") ? file : "standard input";
	if ((rc = entries_body(name, in, len, &body, &blen, &owned)) != EXIT_OK)
		goto done;
	if ((rc = endpoint_open(&t, ENDPOINT_ADMIN, &ea, 60)) != EXIT_OK)
		goto done;
	rc = call(&t, "POST", "/api/v1/entries", "application/json", (const uint8_t *)body, blen,
	          &resp, &j);
	if (rc == EXIT_OK)
		rc = print_published("published", j);
done:
	json_decref(j);
	client_response_free(&resp);
	endpoint_close(&t);
	free(owned);
	free(in);
	return rc;
}

int
cmd_import(int argc, char **argv)
{
	struct endpoint t = { 0 };
	struct endpoint_args ea;
	struct client_response resp = { 0 };
	const char *file = NULL;
	char *in = NULL;
	size_t len;
	json_t *j = NULL;
	int rc;

	if ((rc = parse_args(argc, argv, import_usage, true, &ea, &file)) != EXIT_OK)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = read_input(file, &in, &len)) != EXIT_OK)
		return rc;
	if (blank(in, len)) {
		rc = cli_err(EXIT_INVALID, "%s is empty; nothing imported",
		             strcmp(file, "-") ? file : "standard input");
		goto done;
	}
	if ((rc = endpoint_open(&t, ENDPOINT_ADMIN, &ea, 60)) != EXIT_OK)
		goto done;
	rc = call(&t, "POST", "/api/v1/import", "text/csv; charset=utf-8", (const uint8_t *)in, len,
	          &resp, &j);
	if (rc == EXIT_OK)
		rc = print_published("imported", j);
	/* the node reads the separator from the header row as csv_detect_sep does */
	if (rc == EXIT_OK)
		fprintf(stderr, "remacto: read as %s-separated CSV\n",
		        csv_sep_name(csv_detect_sep(in, len)));
done:
	json_decref(j);
	client_response_free(&resp);
	endpoint_close(&t);
	free(in);
	return rc;
}
