/*
 * pbjson_text — pbjson_decode's mapping read straight from JSON text: one pass over the bytes,
 * driven by the message descriptors, filling the message as the tokens come, with no jansson
 * tree in between (building and freeing that tree was most of the time of a JSON publication).
 *
 * The fast path only accepts. It takes exactly the texts that json_loadb (with the flags given)
 * and then pbjson_decode would both take, and builds the same message, value for value; anything
 * else (a syntax error, a mapping error, a duplicate key, a flag it does not know) makes it give
 * up, and pbjson_decode_text runs the two reference steps on the same text, so that every error
 * message, and every rare text the fast path leaves to them, is theirs by construction. What
 * the fast path must match is jansson 2.14's grammar: whitespace is space, tab, CR and LF; a
 * number is -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, an integer when it has neither
 * fraction nor exponent (and then within long long), a real otherwise (strtod, refused when it
 * overflows); strings are well-formed UTF-8 (RFC 3629) without raw control characters, with the
 * escapes \" \\ \/ \b \f \n \r \t \uXXXX, surrogates only in pairs and never \u0000 (no value of
 * any field may hold a NUL, so refusing it here changes no outcome); after the one top-level
 * object, only whitespace. One quirk of jansson's reader is kept too: it looks one character past
 * a number or a literal (true, false, null) and puts it back, and a NUL byte put back that way is
 * lost, so "90\0," reads as "90,". tests/fuzz/fuzz_pbjson_text.c checks the two paths against each other.
 *
 * Messages are built as pbjson_decode builds them (pbjson.c's header comment): every piece
 * attached to its parent before it is filled, so that a partial message frees like a whole one.
 * Repeated arrays grow as elements come (the count is not known in advance), zeroed beyond the
 * count.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "pbjson.h"
#include "pbjson_impl.h"
#include "utf8.h"

#define MEMBER(msg, off) ((void *)((char *)(msg) + (off)))

/* Fields of a message the fast path tracks for duplicates; larger messages go to jansson. */
#define SEEN_WORDS 4

/* Longest number token copied for strtod on the stack; longer ones are copied to the heap. */
#define NUM_STACK 64

struct text {
	const char *p, *end;
	char *scratch; /* decoded strings that had escapes */
	size_t scratch_cap;
	struct pbjson_dec d; /* errcap 0: reasons are not written, pbjson_decode gives them */
};

static void
skip_ws(struct text *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r'))
		t->p++;
}

/* Skips whitespace and c; false (nothing consumed but whitespace) when c is not next. */
static bool
eat(struct text *t, char c)
{
	skip_ws(t);
	if (t->p < t->end && *t->p == c) {
		t->p++;
		return true;
	}
	return false;
}

/* The value of the four hex digits at s[0..4), or -1. */
static int32_t
hex4(const char *s)
{
	int32_t v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hex_digit(s[i]);

		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* Decodes the escapes of raw[0..n) (checked by read_string's scan) into the scratch buffer. A
 * decoded string is never longer than its text. */
static bool
unescape(struct text *t, const char *raw, size_t n, const char **s, size_t *len)
{
	size_t o = 0;

	if (n > t->scratch_cap) {
		char *nb = realloc(t->scratch, n);

		if (nb == NULL)
			return false;
		t->scratch = nb;
		t->scratch_cap = n;
	}
	for (size_t i = 0; i < n;) {
		int32_t cp, lo;

		if (raw[i] != '\\') {
			t->scratch[o++] = raw[i++];
			continue;
		}
		if (i + 1 >= n)
			return false;
		switch (raw[i + 1]) {
		case '"':
		case '\\':
		case '/':
			t->scratch[o++] = raw[i + 1];
			i += 2;
			continue;
		case 'b':
			t->scratch[o++] = '\b';
			i += 2;
			continue;
		case 'f':
			t->scratch[o++] = '\f';
			i += 2;
			continue;
		case 'n':
			t->scratch[o++] = '\n';
			i += 2;
			continue;
		case 'r':
			t->scratch[o++] = '\r';
			i += 2;
			continue;
		case 't':
			t->scratch[o++] = '\t';
			i += 2;
			continue;
		case 'u':
			break;
		default:
			return false;
		}
		if (n - i < 6 || (cp = hex4(raw + i + 2)) < 0)
			return false;
		i += 6;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return false; /* a low surrogate alone */
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (n - i < 6 || raw[i] != '\\' || raw[i + 1] != 'u' ||
			    (lo = hex4(raw + i + 2)) < 0xdc00 || lo > 0xdfff)
				return false;
			cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
			i += 6;
		}
		if (cp == 0)
			return false;
		o += utf8_encode((uint32_t)cp, (uint8_t *)t->scratch + o);
	}
	*s = t->scratch;
	*len = o;
	return true;
}

/* Reads a string whose opening quote was consumed. *s[0..*len) are its decoded bytes: in the
 * text itself when it has no escape, else in the scratch buffer (valid until the next string). */
static bool
read_string(struct text *t, const char **s, size_t *len)
{
	const char *start = t->p;
	size_t n = (size_t)(t->end - start), i = 0;
	bool escaped = false;

	while (i < n) {
		unsigned char c = (unsigned char)start[i];
		uint32_t cp;
		size_t k;

		if (c == '"')
			break;
		if (c == '\\') {
			escaped = true;
			i += 2; /* the escaped character: checked by unescape */
			continue;
		}
		if (c < 0x20)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_decode((const uint8_t *)start + i, n - i, &cp)) == 0)
			return false;
		i += k;
	}
	if (i >= n)
		return false;
	t->p = start + i + 1;
	if (!escaped) {
		*s = start;
		*len = i;
		return true;
	}
	return unescape(t, start, i, s, len);
}

/* After a number or a literal: jansson drops a NUL byte it read ahead and put back. */
static void
skip_putback_nul(struct text *t)
{
	if (t->p < t->end && *t->p == '\0')
		t->p++;
}

static bool
is_digit(const char *p, const char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

/* Reads a number as jansson's lexer does (see the header comment). */
static bool
read_number(struct text *t, struct pbjson_scalar *v)
{
	const char *start = t->p, *p = t->p, *end = t->end;
	bool neg = false, real = false;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (!is_digit(p, end))
		return false;
	if (*p == '0') {
		p++;
		if (is_digit(p, end))
			return false; /* no leading zero */
	} else {
		while (is_digit(p, end))
			p++;
	}
	if (p < end && *p == '.') {
		real = true;
		if (!is_digit(++p, end))
			return false;
		while (is_digit(p, end))
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		real = true;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!is_digit(p, end))
			return false;
		while (is_digit(p, end))
			p++;
	}
	t->p = p;
	skip_putback_nul(t);
	if (!real) {
		/* strtoll's range, without its copy: the magnitude up to 2^63. */
		uint64_t mag = 0, lim = neg ? UINT64_C(1) << 63 : (UINT64_C(1) << 63) - 1;

		for (const char *q = start + neg; q < p; q++) {
			unsigned digit = (unsigned)(*q - '0');

			if (mag > (lim - digit) / 10)
				return false; /* jansson: "too big integer" */
			mag = mag * 10 + digit;
		}
		v->kind = PBJSON_INTEGER;
		v->i = neg ? (mag == UINT64_C(1) << 63 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
		return true;
	}
	{
		size_t n = (size_t)(p - start);
		char stack[NUM_STACK], *buf = n < sizeof stack ? stack : malloc(n + 1);
		double x;
		bool over;

		if (buf == NULL)
			return false;
		memcpy(buf, start, n);
		buf[n] = '\0';
		errno = 0;
		x = strtod(buf, NULL);
		over = errno == ERANGE && (x == HUGE_VAL || x == -HUGE_VAL);
		if (buf != stack)
			free(buf);
		if (over)
			return false; /* jansson: "real number overflow" */
		v->kind = PBJSON_REAL;
		v->x = x;
		return true;
	}
}

static bool
literal(struct text *t, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(t->end - t->p) < n || memcmp(t->p, word, n) != 0)
		return false;
	t->p += n;
	skip_putback_nul(t);
	return true;
}

/* Reads a value that is not an object or an array (whitespace skipped before). */
static bool
read_scalar(struct text *t, struct pbjson_scalar *v)
{
	memset(v, 0, sizeof *v);
	if (t->p == t->end)
		return false;
	switch (*t->p) {
	case '"':
		t->p++;
		v->kind = PBJSON_STRING;
		return read_string(t, &v->s, &v->n);
	case 't':
		v->kind = PBJSON_TRUE;
		return literal(t, "true");
	case 'f':
		v->kind = PBJSON_FALSE;
		return literal(t, "false");
	case 'n':
		v->kind = PBJSON_NULL;
		return literal(t, "null");
	default:
		return read_number(t, v);
	}
}

static bool read_object(struct text *t, ProtobufCMessage *msg, int depth);

/* The message value of field f at dst, its '{' next; depth is that of the object holding f. */
static bool
read_submessage(struct text *t, const ProtobufCFieldDescriptor *f, void *dst, int depth)
{
	ProtobufCMessage *sub;

	t->p++;
	if (depth >= PBJSON_MAX_DEPTH || (sub = pbjson_new_message(f->descriptor)) == NULL)
		return false;
	memcpy(dst, &sub, sizeof sub);
	return read_object(t, sub, depth + 1);
}

/* One value of f into dst: a singular field's storage or one element of a repeated one. */
static bool
read_value(struct text *t, const ProtobufCFieldDescriptor *f, const struct pbjson_scalar *v,
           void *dst, int depth)
{
	if (v == NULL)
		return f->type == PROTOBUF_C_TYPE_MESSAGE && read_submessage(t, f, dst, depth);
	return pbjson_decode_scalar(&t->d, f, v, dst);
}

static bool
read_repeated(struct text *t, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, int depth)
{
	size_t es = pbjson_elt_size(f->type), cap = 0;
	size_t *count = MEMBER(msg, f->quantifier_offset);
	char *arr = NULL;

	t->p++;
	if (eat(t, ']'))
		return true;
	for (;;) {
		struct pbjson_scalar v, *vp = &v;

		if (*count == PBJSON_MAX_REPEATED)
			return false;
		if (*count == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			char *na;

			if (ncap > PBJSON_MAX_REPEATED)
				ncap = PBJSON_MAX_REPEATED;
			if ((na = realloc(arr, ncap * es)) == NULL)
				return false;
			/* Zeroed, so that elements not yet decoded free as nothing. */
			memset(na + cap * es, 0, (ncap - cap) * es);
			arr = na;
			cap = ncap;
			memcpy(MEMBER(msg, f->offset), &arr, sizeof arr);
		}
		skip_ws(t);
		if (t->p < t->end && *t->p == '{') {
			vp = NULL;
		} else if (t->p < t->end && *t->p == '[') {
			return false;
		} else if (!read_scalar(t, &v) || v.kind == PBJSON_NULL) {
			return false;
		}
		/* Counted before it is filled so that what it owns on failure is freed. */
		(*count)++;
		if (!read_value(t, f, vp, arr + (*count - 1) * es, depth))
			return false;
		if (eat(t, ','))
			continue;
		return eat(t, ']');
	}
}

/* The value of field f of msg, after its key and ':'. */
static bool
read_field(struct text *t, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, int depth)
{
	struct pbjson_scalar v, *vp = &v;
	void *dst = MEMBER(msg, f->offset);

	skip_ws(t);
	if (t->p == t->end)
		return false;
	if (*t->p == '[')
		return f->label == PROTOBUF_C_LABEL_REPEATED && read_repeated(t, msg, f, depth);
	if (*t->p == '{')
		vp = NULL;
	else if (!read_scalar(t, &v))
		return false;
	else if (v.kind == PBJSON_NULL)
		return true; /* absent */
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return false; /* "expected an array" */
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t *which = MEMBER(msg, f->quantifier_offset);

		if (*which != 0)
			return false; /* a second member of the oneof */
		memset(dst, 0, pbjson_elt_size(f->type));
		*which = f->id;
	} else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
	           f->type != PROTOBUF_C_TYPE_MESSAGE) {
		*(protobuf_c_boolean *)MEMBER(msg, f->quantifier_offset) = 1;
	}
	return read_value(t, f, vp, dst, depth);
}

/* The members of an object whose '{' was consumed, into msg. */
static bool
read_object(struct text *t, ProtobufCMessage *msg, int depth)
{
	const ProtobufCMessageDescriptor *desc = msg->descriptor;
	uint64_t seen[SEEN_WORDS] = { 0 };

	if (desc->n_fields > 64 * SEEN_WORDS)
		return false;
	if (eat(t, '}'))
		return true;
	for (;;) {
		const ProtobufCFieldDescriptor *f;
		const char *key;
		size_t len, i;
		bool as_proto;

		if (!eat(t, '"') || !read_string(t, &key, &len) ||
		    (f = pbjson_find_field(desc, key, len, &as_proto)) == NULL)
			return false;
		/* Either spelling of a field seen before: jansson refuses the same key twice (or
		 * keeps the last value, without JSON_REJECT_DUPLICATES), pbjson_decode both
		 * spellings; either way the reference path says what happens. */
		i = (size_t)(f - desc->fields);
		if (seen[i / 64] & UINT64_C(1) << (i % 64))
			return false;
		seen[i / 64] |= UINT64_C(1) << (i % 64);
		if (!eat(t, ':') || !read_field(t, msg, f, depth))
			return false;
		if (eat(t, ','))
			continue;
		return eat(t, '}');
	}
}

ProtobufCMessage *
pbjson_parse_text(const ProtobufCMessageDescriptor *desc, const char *text, size_t len,
                  size_t flags)
{
	struct text t = { .p = text, .end = text + len };
	ProtobufCMessage *msg;
	const char *point = localeconv()->decimal_point;
	bool ok;

	/* Flags that change what jansson accepts or builds, and a locale whose strtod does not
	 * read '.', are the reference path's. */
	if ((flags & ~(size_t)(JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)) != 0 ||
	    strcmp(point, ".") != 0)
		return NULL;
	if (!eat(&t, '{') || (msg = pbjson_new_message(desc)) == NULL)
		return NULL;
	ok = read_object(&t, msg, 1);
	skip_ws(&t);
	free(t.scratch);
	if (!ok || t.p != t.end) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return NULL;
	}
	return msg;
}

ProtobufCMessage *
pbjson_decode_text(const ProtobufCMessageDescriptor *desc, const char *text, size_t len,
                   size_t flags, json_error_t *jerr, char *err, size_t errcap)
{
	ProtobufCMessage *msg = pbjson_parse_text(desc, text, len, flags);
	json_error_t local;
	json_t *j;

	if (jerr == NULL)
		jerr = &local;
	if (errcap > 0)
		err[0] = '\0';
	if (msg != NULL) {
		memset(jerr, 0, sizeof *jerr);
		jerr->line = jerr->column = -1;
		snprintf(jerr->source, sizeof jerr->source, "<buffer>");
		return msg;
	}
	if ((j = json_loadb(text, len, flags, jerr)) == NULL)
		return NULL;
	msg = pbjson_decode(desc, j, err, errcap);
	json_decref(j);
	return msg;
}
