/*
 * tlogproof — C2SP tlog-proof files and tlog-witness add-checkpoint bodies. See tlogproof.h.
 */
#include "tlogproof.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "err.h"

#define HASH_B64 44 /* B64_ENCODED_LEN(32) */

static void
put_hashes(struct buf *out, const uint8_t proof[][32], size_t n)
{
	char h[HASH_B64 + 1];
	for (size_t i = 0; i < n; i++) {
		b64_encode(proof[i], 32, h, sizeof(h));
		buf_put(out, h, HASH_B64);
		buf_putc(out, '\n');
	}
}

int
tlogproof_format(const uint8_t *extra, size_t extra_len, uint64_t index, const uint8_t proof[][32],
                 size_t n, const char *note, size_t note_len, struct buf *out)
{
	buf_puts(out, TLOGPROOF_HEADER "\n");
	if (extra) {
		size_t el = B64_ENCODED_LEN(extra_len);
		buf_puts(out, "extra ");
		if (buf_reserve(out, el + 1) == 0) {
			b64_encode(extra, extra_len, out->data + out->len, el + 1);
			out->len += el;
		}
		buf_putc(out, '\n');
	}
	buf_printf(out, "index %" PRIu64 "\n", index);
	put_hashes(out, proof, n);
	buf_putc(out, '\n');
	return buf_put(out, note, note_len);
}

int
tlogproof_addreq_format(uint64_t old, const uint8_t proof[][32], size_t n, const char *note,
                        size_t note_len, struct buf *out)
{
	buf_printf(out, "old %" PRIu64 "\n", old);
	put_hashes(out, proof, n);
	buf_putc(out, '\n');
	return buf_put(out, note, note_len);
}

/* A decimal below 2^63 without leading zeros, the whole of s[0..n). */
static bool
parse_u63(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

struct cursor {
	const char *p, *end;
	size_t line;
};

/* The next line without its '\n'; false when none is left or the last one is unterminated. */
static bool
next_line(struct cursor *c, const char **s, size_t *n)
{
	const char *eol;
	if (c->p >= c->end || !(eol = memchr(c->p, '\n', (size_t)(c->end - c->p))))
		return false;
	*s = c->p;
	*n = (size_t)(eol - c->p);
	c->p = eol + 1;
	c->line++;
	return true;
}

/* "<word> <number>" */
static bool
number_line(const char *s, size_t n, const char *word, uint64_t *v)
{
	size_t wl = strlen(word);
	return n > wl + 1 && !memcmp(s, word, wl) && s[wl] == ' ' &&
	       parse_u63(s + wl + 1, n - wl - 1, v);
}

/* The hashes up to the empty line, then the note. what names the text in errors. */
static bool
parse_tail(struct cursor *c, const char *what, struct tlogproof *p, char *err, size_t errcap)
{
	const char *s;
	size_t n, len;
	for (;;) {
		if (!next_line(c, &s, &n)) {
			err_set(err, errcap, "%s: no empty line before the checkpoint", what);
			return false;
		}
		if (n == 0)
			break;
		if (p->nproof == TLOGPROOF_MAX_HASHES) {
			err_set(err, errcap, "%s line %zu: more than %d proof hashes", what,
			        c->line, TLOGPROOF_MAX_HASHES);
			return false;
		}
		if (n != HASH_B64 || !b64_decode(s, n, p->proof[p->nproof], 32, &len) ||
		    len != 32) {
			err_set(err, errcap,
			        "%s line %zu: not a hash (32 bytes in standard base64, 44 characters)",
			        what, c->line);
			return false;
		}
		p->nproof++;
	}
	if (c->p == c->end) {
		err_set(err, errcap, "%s: no checkpoint after the empty line", what);
		return false;
	}
	p->note = c->p;
	p->note_len = (size_t)(c->end - c->p);
	return true;
}

static bool
start(const char *text, size_t len, struct tlogproof *p, struct cursor *c, const char *what,
      char *err, size_t errcap)
{
	memset(p, 0, sizeof(*p));
	if (!text || len > TLOGPROOF_MAX_LEN) {
		err_set(err, errcap, "%s is %zu bytes, over the %u-byte limit", what, len,
		        TLOGPROOF_MAX_LEN);
		return false;
	}
	*c = (struct cursor){ text, text + len, 0 };
	return true;
}

bool
tlogproof_parse(const char *text, size_t len, struct tlogproof *p, char *err, size_t errcap)
{
	static const char what[] = "tlog-proof";
	struct cursor c;
	const char *s;
	size_t n;

	if (!start(text, len, p, &c, what, err, errcap))
		return false;
	if (!next_line(&c, &s, &n) || n != sizeof(TLOGPROOF_HEADER) - 1 ||
	    memcmp(s, TLOGPROOF_HEADER, n)) {
		err_set(err, errcap, "%s line 1: want \"" TLOGPROOF_HEADER "\"", what);
		return false;
	}
	if (!next_line(&c, &s, &n))
		goto no_index;
	if (n >= 6 && !memcmp(s, "extra ", 6)) {
		size_t el = n - 6;
		p->has_extra = true;
		if (!(p->extra = malloc(B64_DECODED_MAX(el) + 1)) ||
		    !b64_decode(s + 6, el, p->extra, B64_DECODED_MAX(el) + 1, &p->extra_len)) {
			err_set(err, errcap, "%s line 2: the extra data is not standard base64",
			        what);
			goto fail;
		}
		if (!next_line(&c, &s, &n))
			goto no_index;
	}
	if (!number_line(s, n, "index", &p->index)) {
		err_set(err, errcap,
		        "%s line %zu: want \"index <n>\" (decimal, no leading zeros, below 2^63)",
		        what, c.line);
		goto fail;
	}
	if (!parse_tail(&c, what, p, err, errcap))
		goto fail;
	return true;
no_index:
	err_set(err, errcap, "%s: no index line", what);
fail:
	tlogproof_free(p);
	return false;
}

bool
tlogproof_addreq_parse(const char *text, size_t len, struct tlogproof *p, char *err, size_t errcap)
{
	static const char what[] = "add-checkpoint body";
	struct cursor c;
	const char *s;
	size_t n;

	if (!start(text, len, p, &c, what, err, errcap))
		return false;
	if (!next_line(&c, &s, &n) || !number_line(s, n, "old", &p->index)) {
		err_set(err, errcap,
		        "%s line 1: want \"old <size>\" (decimal, no leading zeros, below 2^63)",
		        what);
		return false;
	}
	if (!parse_tail(&c, what, p, err, errcap)) {
		tlogproof_free(p);
		return false;
	}
	return true;
}

void
tlogproof_free(struct tlogproof *p)
{
	if (p) {
		free(p->extra);
		memset(p, 0, sizeof(*p));
	}
}
