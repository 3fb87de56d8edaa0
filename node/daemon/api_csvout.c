/*
 * api_csvout — what every CSV answer gets, whichever route wrote it: a UTF-8 byte order mark,
 * so that spreadsheets read accented and Arabic names as UTF-8, and the separator the reader
 * asks for with ?sep= (';' is what French Excel expects; 'tab' for others). Routes write
 * their tables with commas (core/csv.h); one pass over those bytes puts the other separator
 * between cells, so quoting and formula neutralisation stay the writer's.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "core/buf.h"

#define BOM "\xEF\xBB\xBF"

/* The decoded value of one sep= parameter: ",", ";", "tab" or a TAB. */
static bool
parse_sep(const char *v, char *sep)
{
	if (!strcmp(v, ",") || !strcmp(v, ";") || !strcmp(v, "\t"))
		*sep = v[0];
	else if (!strcmp(v, "tab"))
		*sep = '\t';
	else
		return false;
	return true;
}

bool
api_csv_prepare(const struct api_req *req, struct api_req *out, char *sep, struct api_resp *resp)
{
	char v[8];
	*sep = ',';
	if (!req->want_csv || !api_query(req, "sep", v, sizeof(v)))
		return true;
	if (!parse_sep(v, sep)) {
		api_error(resp, 400, "sep", "the CSV separator is ',' (default), ';' or tab");
		return false;
	}
	/* The routes check their parameters: they see the query without sep=. */
	*out = *req;
	size_t o = 0;
	for (const char *p = req->query; *p;) {
		size_t n = strcspn(p, "&");
		if (!(n >= 4 && !strncmp(p, "sep=", 4))) {
			if (o)
				out->query[o++] = '&';
			memcpy(out->query + o, p, n);
			o += n;
		}
		p += n + (p[n] == '&');
	}
	out->query[o] = '\0';
	return true;
}

/* The table again, with sep between cells: one pass over the bytes the node wrote (RFC 4180,
 * core/csv.h's writer). A quoted field is copied as it is; an unquoted one is copied too, in
 * quotes when it holds sep (it holds no quote, or it would be quoted already). Cells keep
 * their formula neutralisation. NULL when out of memory. */
static char *
reseparate(const char *data, size_t len, char sep, size_t *outlen)
{
	struct buf out = BUF_INIT(0);
	const char *p = data, *end = data + len;

	buf_reserve(&out, len + len / 8 + 16);
	while (p < end) {
		const char *f = p;
		if (*p == '"') {
			for (p++; p < end; p++)
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"')
						p++;
					else {
						p++;
						break;
					}
				}
			buf_put(&out, f, (size_t)(p - f));
		} else {
			while (p < end && *p != ',' && *p != '\r' && *p != '\n')
				p++;
			bool quote = memchr(f, sep, (size_t)(p - f)) != NULL;
			if (quote)
				buf_putc(&out, '"');
			buf_put(&out, f, (size_t)(p - f));
			if (quote)
				buf_putc(&out, '"');
		}
		if (p < end && *p == ',') {
			buf_putc(&out, sep);
			p++;
		} else {
			/* the row's end: copy CR LF */
			while (p < end && (*p == '\r' || *p == '\n'))
				buf_putc(&out, *p++);
		}
	}
	if (out.err) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out, outlen);
}

void
api_csv_finish(struct api_resp *resp, char sep)
{
	if (!resp->content_type || strncmp(resp->content_type, "text/csv", 8) != 0 || !resp->body)
		return;
	uint8_t *body = resp->body;
	size_t len = resp->len;
	char *re = NULL;
	if (sep != ',') {
		if (!(re = reseparate((const char *)body, len, sep, &len))) {
			api_error(resp, 500, NULL, "out of memory writing the CSV with '%c'", sep);
			return;
		}
		body = (uint8_t *)re;
	}
	uint8_t *out = malloc(len + 3);
	if (!out) {
		free(re);
		api_error(resp, 500, NULL, "out of memory writing the CSV");
		return;
	}
	memcpy(out, BOM, 3);
	memcpy(out + 3, body, len);
	free(re);
	free(resp->body);
	resp->body = out;
	resp->len = len + 3;
}
