/*
 * remacto catalog add — the national indicator catalog (from a CSV file, one CatalogIndicator
 * entry per row, all or nothing), in the registry log of the authority's data folder. See
 * regcmd.h for how entries are appended; `remacto policy` is in cmd_policy.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "regcmd.h"
#include "store/tlog.h"

#define CATALOG_MAX_BYTES (1u << 20) /* a catalog file: a few hundred indicators at most */
#define CATALOG_MAX_ROWS 10000
#define CATALOG_MAX_COLUMNS 16
#define CATALOG_MAX_ERRORS 20 /* problems listed before giving up */
#define CATALOG_CODE_MAX 64

/* An RFC 4180 reader over a NUL-terminated buffer, unquoting fields in place (a field never
 * grows when unquoted). */
struct csv {
	char *p, *end;
	size_t row; /* the record just read, the header is 1 */
};

/* Reads one record into fields; 0, 1 at the end of the input, -EINVAL with err. Empty lines are
 * skipped. */
static int
csv_record(struct csv *c, char **fields, size_t cap, size_t *n, char *err, size_t errcap)
{
	*n = 0;
	while (c->p < c->end && (*c->p == '\n' || (*c->p == '\r' && c->p[1] == '\n'))) {
		c->p += *c->p == '\r' ? 2 : 1;
		c->row++;
	}
	if (c->p >= c->end)
		return 1;
	c->row++;
	for (;;) {
		char *w = c->p, *start = c->p;
		if (*n == cap) {
			snprintf(err, errcap, "row %zu: more than %zu columns", c->row, cap);
			return -EINVAL;
		}
		if (*c->p == '"') {
			c->p++;
			for (;;) {
				if (c->p >= c->end) {
					snprintf(err, errcap,
					         "row %zu, column %zu: a quoted field is not "
					         "closed",
					         c->row, *n + 1);
					return -EINVAL;
				}
				if (*c->p == '"' && c->p[1] == '"')
					*w++ = '"', c->p += 2;
				else if (*c->p == '"')
					break;
				else
					*w++ = *c->p++;
			}
			c->p++;
		} else {
			while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r') {
				if (*c->p == '"') {
					snprintf(
					        err, errcap,
					        "row %zu, column %zu: a quote inside an "
					        "unquoted field (quote the whole field and double the quote)",
					        c->row, *n + 1);
					return -EINVAL;
				}
				w++, c->p++;
			}
		}
		fields[(*n)++] = start;
		if (c->p >= c->end || *c->p == '\n' || (*c->p == '\r' && c->p[1] == '\n')) {
			char *next = c->p >= c->end ? c->end : c->p + (*c->p == '\r' ? 2 : 1);
			*w = '\0';
			c->p = next;
			return 0;
		}
		if (*c->p != ',') {
			snprintf(err, errcap, "row %zu, column %zu: %s", c->row, *n,
			         *c->p == '\r' ? "a carriage return not followed by a line feed"
			                       : "text after the closing quote");
			return -EINVAL;
		}
		c->p++;
		*w = '\0';
	}
}

enum {
	COL_CODE,
	COL_PRINCIPLE,
	COL_TITLE_FR,
	COL_TITLE_AR,
	COL_TITLE_EN,
	COL_UNIT,
	COL_BETTER,
	COL_NORMALISE,
	COL_N
};
static const struct {
	const char *name;
	bool required;
} columns[COL_N] = {
	[COL_CODE] = { "code", true },          [COL_PRINCIPLE] = { "principle", true },
	[COL_TITLE_FR] = { "title_fr", true },  [COL_TITLE_AR] = { "title_ar", false },
	[COL_TITLE_EN] = { "title_en", false }, [COL_UNIT] = { "unit", true },
	[COL_BETTER] = { "better", true },      [COL_NORMALISE] = { "normalise", true },
};

static const struct {
	const char *name;
	Remacto__V1__Principle value;
} principles[] = {
	{ "transparency", REMACTO__V1__PRINCIPLE__PRINCIPLE_TRANSPARENCY },
	{ "accountability", REMACTO__V1__PRINCIPLE__PRINCIPLE_ACCOUNTABILITY },
	{ "access_to_information", REMACTO__V1__PRINCIPLE__PRINCIPLE_ACCESS_TO_INFORMATION },
	{ "citizen_participation", REMACTO__V1__PRINCIPLE__PRINCIPLE_CITIZEN_PARTICIPATION },
	/* The catalog's old name for it, read as before: the registry stores the enum, so the
	 * entries published with it are the same entries (a warning asks for the new name). */
	{ "participation", REMACTO__V1__PRINCIPLE__PRINCIPLE_CITIZEN_PARTICIPATION },
	{ "digitalisation", REMACTO__V1__PRINCIPLE__PRINCIPLE_DIGITALISATION },
};

static const struct {
	const char *name;
	Remacto__V1__Normalisation value;
} normalisations[] = {
	{ "none", REMACTO__V1__NORMALISATION__NORMALISATION_NONE },
	{ "per_10k_inhabitants", REMACTO__V1__NORMALISATION__NORMALISATION_PER_10000_INHABITANTS },
	{ "per_10000_inhabitants",
	  REMACTO__V1__NORMALISATION__NORMALISATION_PER_10000_INHABITANTS },
};

static bool
code_valid(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= CATALOG_CODE_MAX &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == n;
}

/* One data row → packed CatalogIndicator entry. false with err ("column 2 (principle): ..."). */
static bool
catalog_row(char *const *f, const int *col, char *published, struct tlog_blob *out, char *err,
            size_t errcap)
{
	Remacto__V1__Entry e = REMACTO__V1__ENTRY__INIT;
	Remacto__V1__CatalogIndicator ci = REMACTO__V1__CATALOG_INDICATOR__INIT;
	Remacto__V1__Text title = REMACTO__V1__TEXT__INIT;
	char why[512];
	size_t i;

#define CELL(c) (col[c] >= 0 ? f[col[c]] : (char *)"")
#define BAD(c, ...)                                                                            \
	do {                                                                                   \
		snprintf(why, sizeof(why), __VA_ARGS__);                                       \
		snprintf(err, errcap, "column %d (%s): %s", col[c] + 1, columns[c].name, why); \
		return false;                                                                  \
	} while (0)
	if (!code_valid(CELL(COL_CODE)))
		BAD(COL_CODE,
		    "'%.80s' is not an indicator code (1 to %d letters, digits, '-', '_' "
		    "or '.', e.g. TR-01)",
		    CELL(COL_CODE), CATALOG_CODE_MAX);
	for (i = 0; i < sizeof(principles) / sizeof(principles[0]); i++)
		if (!strcmp(CELL(COL_PRINCIPLE), principles[i].name))
			break;
	if (i == sizeof(principles) / sizeof(principles[0]))
		BAD(COL_PRINCIPLE,
		    "unknown principle '%.80s' (transparency, accountability, "
		    "access_to_information, citizen_participation, digitalisation)",
		    CELL(COL_PRINCIPLE));
	if (!strcmp(principles[i].name, "participation"))
		fprintf(stderr,
		        "remacto: warning: %s: principle 'participation' is the old name of "
		        "citizen_participation, the commitments' name; stored the same way, but write "
		        "citizen_participation\n",
		        CELL(COL_CODE));
	ci.principle = principles[i].value;
	if (!strcmp(CELL(COL_BETTER), "higher"))
		ci.higher_is_better = true;
	else if (strcmp(CELL(COL_BETTER), "lower") != 0)
		BAD(COL_BETTER, "'%.80s' is neither higher nor lower", CELL(COL_BETTER));
	for (i = 0; i < sizeof(normalisations) / sizeof(normalisations[0]); i++)
		if (!strcmp(CELL(COL_NORMALISE), normalisations[i].name))
			break;
	if (i == sizeof(normalisations) / sizeof(normalisations[0]))
		BAD(COL_NORMALISE, "unknown normalisation '%.80s' (none, per_10k_inhabitants)",
		    CELL(COL_NORMALISE));
	ci.normalisation = normalisations[i].value;
	if (!CELL(COL_TITLE_FR)[0])
		BAD(COL_TITLE_FR, "required");
	if (!CELL(COL_UNIT)[0])
		BAD(COL_UNIT, "required (e.g. percent, count per year)");
#undef BAD
	title.fr = CELL(COL_TITLE_FR);
	title.ar = CELL(COL_TITLE_AR);
	title.en = CELL(COL_TITLE_EN);
	ci.code = CELL(COL_CODE);
	ci.title = &title;
	ci.unit = CELL(COL_UNIT);
#undef CELL
	e.kind_case = REMACTO__V1__ENTRY__KIND_CATALOG_INDICATOR;
	e.catalog_indicator = &ci;
	return regcmd_pack(&e, published, out, err, errcap) == 0;
}

/* Reads the whole file under the cap, NUL-terminated. */
static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;

	if (!f)
		return cli_err(EXIT_FAIL, "%s: %s", path, strerror(errno));
	if (!(buf = malloc(CATALOG_MAX_BYTES + 2))) {
		fclose(f);
		return cli_err(EXIT_FAIL, "out of memory");
	}
	n = fread(buf, 1, CATALOG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		int e = errno;
		fclose(f);
		free(buf);
		return cli_err(EXIT_FAIL, "cannot read %s: %s", path, strerror(e));
	}
	fclose(f);
	if (n > CATALOG_MAX_BYTES) {
		free(buf);
		return cli_err(EXIT_INVALID, "%s: larger than %u bytes; nothing added", path,
		               CATALOG_MAX_BYTES);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return EXIT_OK;
}

static int
catalog_add(const struct regcmd_args *a)
{
	const char *path = a->v[O_FILE];
	struct regcmd_registry r;
	struct tlog_blob *blobs = NULL;
	struct csv c;
	char *data = NULL, *f[CATALOG_MAX_COLUMNS], **codes = NULL;
	char published[32], today[16], err[1024];
	int col[COL_N], rc;
	size_t len = 0, n = 0, nf, ncols, problems = 0;

	if ((rc = read_file(path, &data, &len)) != EXIT_OK)
		return rc;
	c.p = data, c.end = data + len, c.row = 0;
	if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3))
		c.p += 3;
	regcmd_now(published, today);

	/* The header names the columns, in any order; a column this tool does not know is an
	 * error rather than data silently dropped. */
	if ((rc = csv_record(&c, f, CATALOG_MAX_COLUMNS, &ncols, err, sizeof(err))) != 0) {
		rc = rc > 0 ? cli_err(EXIT_INVALID, "%s: empty file; nothing added", path)
		            : cli_err(EXIT_INVALID, "%s: %s; nothing added", path, err);
		goto done;
	}
	for (int k = 0; k < COL_N; k++)
		col[k] = -1;
	for (size_t i = 0; i < ncols; i++) {
		int k;
		for (k = 0; k < COL_N && strcmp(f[i], columns[k].name); k++)
			;
		if (k == COL_N || col[k] >= 0) {
			rc = cli_err(
			        EXIT_INVALID,
			        "%s: row 1, column %zu: %s column '%.80s' (expected "
			        "code,principle,title_fr,title_en,unit,better,normalise, optionally "
			        "title_ar); nothing added",
			        path, i + 1, k == COL_N ? "unknown" : "repeated", f[i]);
			goto done;
		}
		col[k] = (int)i;
	}
	for (int k = 0; k < COL_N; k++)
		if (columns[k].required && col[k] < 0) {
			rc = cli_err(EXIT_INVALID, "%s: row 1: no column '%s'; nothing added", path,
			             columns[k].name);
			goto done;
		}

	if (!(blobs = calloc(CATALOG_MAX_ROWS, sizeof(*blobs))) ||
	    !(codes = calloc(CATALOG_MAX_ROWS, sizeof(*codes)))) {
		rc = cli_err(EXIT_FAIL, "out of memory");
		goto done;
	}
	while (problems < CATALOG_MAX_ERRORS) {
		rc = csv_record(&c, f, CATALOG_MAX_COLUMNS, &nf, err, sizeof(err));
		if (rc > 0)
			break;
		if (rc < 0) {
			cli_err(EXIT_INVALID, "%s: %s", path, err);
			problems++;
			break; /* the reader cannot resynchronise after a quoting error */
		}
		if (n == CATALOG_MAX_ROWS) {
			cli_err(EXIT_INVALID, "%s: more than %d indicators", path,
			        CATALOG_MAX_ROWS);
			problems++;
			break;
		}
		if (nf != ncols) {
			cli_err(EXIT_INVALID, "%s: row %zu: %zu fields, the header has %zu", path,
			        c.row, nf, ncols);
			problems++;
			continue;
		}
		if (!catalog_row(f, col, published, &blobs[n], err, sizeof(err))) {
			cli_err(EXIT_INVALID, "%s: row %zu, %s", path, c.row, err);
			problems++;
			continue;
		}
		codes[n] = f[col[COL_CODE]];
		for (size_t j = 0; j < n; j++)
			if (!strcmp(codes[j], codes[n])) {
				cli_err(EXIT_INVALID,
				        "%s: row %zu, column %d (code): %s is already "
				        "defined above",
				        path, c.row, col[COL_CODE] + 1, codes[n]);
				problems++;
				break;
			}
		n++;
	}
	if (problems > 0) {
		rc = cli_err(EXIT_INVALID, "%s: %zu problem%s%s; nothing added", path, problems,
		             problems > 1 ? "s" : "",
		             problems == CATALOG_MAX_ERRORS ? " (stopped there)" : "");
		goto done;
	}
	if (n == 0) {
		rc = cli_err(EXIT_INVALID, "%s: no indicators after the header; nothing added",
		             path);
		goto done;
	}
	if ((rc = regcmd_open(&r, a, true)) == EXIT_OK) {
		rc = regcmd_append(&r, a->what, blobs, n);
		regcmd_close(&r);
	}
done:
	if (blobs)
		for (size_t i = 0; i < n; i++)
			free((void *)blobs[i].data);
	free(blobs);
	free(codes);
	free(data);
	return rc;
}

static const char catalog_usage[] =
        "usage: remacto catalog add --data DIR --file CATALOG.csv\n"
        "  Adds (or redefines) national catalog indicators in the registry log of the authority's\n"
        "  data folder DIR, one entry per row, all or nothing; prints the registry's new size.\n"
        "  CSV (RFC 4180, UTF-8), header row: code,principle,title_fr,title_en,unit,better,\n"
        "  normalise (any order; title_ar optional). principle: transparency, accountability,\n"
        "  access_to_information, citizen_participation, digitalisation (the names of the\n"
        "  commitments' principles); better: higher or lower;\n"
        "  normalise: none or per_10k_inhabitants. The network's catalog is\n"
        "  config/indicator-catalog.csv.\n" REGCMD_PROPOSE_USAGE;

int
cmd_catalog(int argc, char **argv)
{
	static const struct regcmd_action acts[] = {
		{ "add", catalog_add, OPT_BIT(O_DATA) | OPT_BIT(O_FILE),
		  OPT_BIT(O_DATA) | OPT_BIT(O_FILE), catalog_usage },
	};
	return regcmd_dispatch("catalog", catalog_usage, acts, sizeof(acts) / sizeof(acts[0]), argc,
	                       argv);
}
