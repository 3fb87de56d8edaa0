/*
 * csv — RFC 4180 writer with formula neutralisation, and the matching reader. See csv.h.
 */
#include "csv.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* The first characters that make a spreadsheet evaluate a cell. */
static bool
formula_lead(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* Skips one or more digits at *p; false when there is none. */
static bool
digits(const char **p)
{
	if (!isdigit((unsigned char)**p))
		return false;
	while (isdigit((unsigned char)**p))
		(*p)++;
	return true;
}

/* [+-]digits[.digits][(e|E)[+-]digits]: a number as the node writes them, never a formula. */
static bool
plain_number(const char *s)
{
	const char *p = s + (*s == '+' || *s == '-');
	if (!digits(&p))
		return false;
	if (*p == '.' && (p++, !digits(&p)))
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		p += *p == '+' || *p == '-';
		if (!digits(&p))
			return false;
	}
	return *p == '\0';
}

bool
csv_is_formula(const char *s)
{
	return formula_lead(s[0]) && !plain_number(s);
}

/* A quote the reader would take away: the writer adds one in front. */
static bool
quote_escape(const char *s)
{
	return s[0] == '\'' && (formula_lead(s[1]) || s[1] == '\'');
}

void
csv_field(struct csv *c, const char *s)
{
	if (!s)
		s = "";
	char sep = c->sep ? c->sep : ',';
	if (c->in_row)
		buf_putc(&c->out, sep);
	c->in_row = true;
	bool quote = strpbrk(s, "\"\r\n") != NULL || strchr(s, sep) != NULL;
	if (quote)
		buf_putc(&c->out, '"');
	if (csv_is_formula(s) || quote_escape(s))
		buf_putc(&c->out, '\'');
	if (!quote) {
		buf_puts(&c->out, s);
		return;
	}
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(&c->out, '"');
		buf_putc(&c->out, *p);
	}
	buf_putc(&c->out, '"');
}

void
csv_fieldf(struct csv *c, const char *fmt, ...)
{
	struct buf cell = BUF_INIT(0);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&cell, fmt, ap);
	va_end(ap);
	if (cell.err)
		buf_fail(&c->out, cell.err);
	csv_field(c, cell.data);
	buf_free(&cell);
}

void
csv_end_row(struct csv *c)
{
	buf_put(&c->out, "\r\n", 2);
	c->in_row = false;
}

void
csv_fail(struct csv *c)
{
	buf_fail(&c->out, -ENOMEM);
}

bool
csv_ok(const struct csv *c)
{
	return c->out.err == 0;
}

void
csv_free(struct csv *c)
{
	buf_free(&c->out);
	c->in_row = false;
}

/* ---- reading ---- */

void
csv_reader_init(struct csv_reader *r, const char *data, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->p = data;
	r->end = data + len;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		r->p += 3;
	/* No cap of its own: a record is never longer than the input, which the caller capped. */
	r->rec = (struct buf)BUF_INIT(0);
}

void
csv_reader_free(struct csv_reader *r)
{
	buf_free(&r->rec);
}

char *
csv_reader_field(struct csv_reader *r, size_t i)
{
	return r->rec.data + r->off[i];
}

/* Ends field i: NUL-terminates it and takes back the writer's neutralising quote. */
static int
end_field(struct csv_reader *r, size_t i)
{
	if (buf_putc(&r->rec, '\0') != 0)
		return -ENOMEM;
	if (quote_escape(r->rec.data + r->off[i]))
		r->off[i]++;
	return 0;
}

int
csv_read(struct csv_reader *r, const char **why)
{
	char sep = r->sep ? r->sep : ',';
	if (r->p >= r->end)
		return 0;
	buf_reset(&r->rec);
	r->n = 0;
	for (;;) {
		if (r->n == CSV_MAX_FIELDS) {
			*why = "more than 64 fields in a row";
			return -1;
		}
		r->off[r->n++] = r->rec.len;
		if (r->p < r->end && *r->p == '"') {
			r->p++;
			for (;;) {
				if (r->p >= r->end) {
					*why = "a quoted field is not closed (a missing '\"')";
					return -1;
				}
				char c = *r->p++;
				if (c == '"') {
					if (r->p < r->end && *r->p == '"')
						r->p++;
					else
						break;
				} else if (c == '\0') {
					*why = "a NUL byte in a field";
					return -1;
				}
				if (buf_putc(&r->rec, c) != 0)
					return -ENOMEM;
			}
			if (r->p < r->end && *r->p != sep && *r->p != '\n' && *r->p != '\r') {
				*why = "text after the closing quote of a field";
				return -1;
			}
		} else {
			while (r->p < r->end && *r->p != sep && *r->p != '\n' && *r->p != '\r') {
				if (*r->p == '"') {
					*why = "a quote inside an unquoted field (put the field in quotes "
					       "and double the quote)";
					return -1;
				}
				if (*r->p == '\0') {
					*why = "a NUL byte in a field";
					return -1;
				}
				if (buf_putc(&r->rec, *r->p++) != 0)
					return -ENOMEM;
			}
		}
		if (end_field(r, r->n - 1) != 0)
			return -ENOMEM;
		if (r->p >= r->end)
			return 1;
		if (*r->p == sep) {
			r->p++;
			continue;
		}
		if (*r->p == '\r') {
			if (r->p + 1 < r->end && r->p[1] == '\n') {
				r->p += 2;
				return 1;
			}
			*why = "a carriage return without a line feed";
			return -1;
		}
		r->p++; /* '\n' */
		return 1;
	}
}

char
csv_detect_sep(const char *data, size_t len)
{
	static const char seps[3] = { ',', ';', '\t' };
	size_t n[3] = { 0 };
	bool quoted = false;
	size_t i = len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3) ? 3 : 0;

	for (; i < len; i++) {
		char c = data[i];
		if (c == '"')
			quoted = !quoted; /* a doubled quote flips twice */
		else if (!quoted && (c == '\n' || c == '\r'))
			break;
		else if (!quoted)
			for (int k = 0; k < 3; k++)
				n[k] += c == seps[k];
	}
	int best = 0;
	for (int k = 1; k < 3; k++)
		if (n[k] > n[best])
			best = k;
	return seps[best];
}

const char *
csv_sep_name(char sep)
{
	return sep == ';' ? "';'" : sep == '\t' ? "tab" : "','";
}
