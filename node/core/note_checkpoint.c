/*
 * note_checkpoint — checkpoint bodies (C2SP tlog-checkpoint v1.0.0): origin, decimal size and
 * base64 root hash, then extension lines, as the text of a signed note. Part of the note module
 * (note.h is the contract, note_impl.h what its files share): a checkpoint follows the note's
 * text rules.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "b64.h"
#include "err.h"
#include "note.h"
#include "note_impl.h"

/* ---- tlog-checkpoint ---- */

int
checkpoint_format(const struct checkpoint *c, char *out, size_t cap)
{
	if (c == NULL || out == NULL || c->size > INT64_MAX)
		return -1;
	size_t olen = strnlen(c->origin, sizeof(c->origin));
	/* what checkpoint_parse would refuse: empty, unterminated, multi-line or control chars */
	if (olen == 0 || olen == sizeof(c->origin) || memchr(c->origin, '\n', olen) != NULL ||
	    !note_check_chars("origin", c->origin, olen, NULL, 0))
		return -1;
	int n = snprintf(out, cap, "%s\n%" PRIu64 "\n", c->origin, c->size);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	int k = b64_encode(c->root, sizeof(c->root), out + n, cap - (size_t)n);
	if (k < 0 || (size_t)(n + k) + 2 > cap)
		return -1;
	out[n + k] = '\n';
	out[n + k + 1] = '\0';
	return n + k + 1;
}

bool
checkpoint_parse(const char *text, size_t len, struct checkpoint *out, char *err, size_t errcap)
{
	struct checkpoint c;

	if (text == NULL || out == NULL) {
		err_set(err, errcap, "checkpoint: missing");
		return false;
	}
	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if (len > NOTE_MAX_LEN) {
		err_set(err, errcap, "checkpoint is %zu bytes, over the %d-byte limit", len,
		        NOTE_MAX_LEN);
		return false;
	}
	if (!note_check_chars("checkpoint", text, len, err, errcap))
		return false;
	if (len == 0 || text[len - 1] != '\n') {
		err_set(err, errcap, "checkpoint does not end in a newline");
		return false;
	}

	const char *p = text, *end = text + len;
	size_t lineno = 0;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)(eol - p);
		lineno++;
		if (lineno == 1) {
			if (n == 0) {
				err_set(err, errcap, "checkpoint line 1: origin is empty");
				return false;
			}
			if (n > NOTE_NAME_MAX) {
				err_set(err, errcap,
				        "checkpoint line 1: origin is longer than %d bytes",
				        NOTE_NAME_MAX);
				return false;
			}
			memcpy(c.origin, p, n);
			c.origin[n] = '\0';
		} else if (lineno == 2) {
			if (n == 0) {
				err_set(err, errcap, "checkpoint line 2: size is empty");
				return false;
			}
			for (size_t i = 0; i < n; i++) {
				if (p[i] < '0' || p[i] > '9') {
					err_set(err, errcap,
					        "checkpoint line 2: size is not a decimal "
					        "number");
					return false;
				}
			}
			if (n > 1 && p[0] == '0') {
				err_set(err, errcap, "checkpoint line 2: size has a leading zero");
				return false;
			}
			uint64_t v = 0;
			for (size_t i = 0; i < n; i++) {
				uint64_t d = (uint64_t)(p[i] - '0');
				if (v > ((uint64_t)INT64_MAX - d) / 10) {
					err_set(err, errcap,
					        "checkpoint line 2: size exceeds 2^63-1");
					return false;
				}
				v = v * 10 + d;
			}
			c.size = v;
		} else if (lineno == 3) {
			if (n != B64_ENCODED_LEN(32)) {
				err_set(err, errcap,
				        "checkpoint line 3: root hash is %zu characters, want "
				        "%d (32 bytes in base64)",
				        n, B64_ENCODED_LEN(32));
				return false;
			}
			size_t rlen;
			if (!b64_decode(p, n, c.root, sizeof(c.root), &rlen) || rlen != 32) {
				err_set(err, errcap,
				        "checkpoint line 3: root hash is not valid base64");
				return false;
			}
		} else {
			if (n == 0) {
				err_set(err, errcap, "checkpoint line %zu: extension line is empty",
				        lineno);
				return false;
			}
			if (lineno - 3 > CHECKPOINT_MAX_EXT) {
				err_set(err, errcap, "checkpoint has more than %d extension lines",
				        CHECKPOINT_MAX_EXT);
				return false;
			}
		}
		p = eol + 1;
	}
	if (lineno < 3) {
		err_set(err, errcap, "checkpoint has %zu line%s, want origin, size and root hash",
		        lineno, lineno == 1 ? "" : "s");
		return false;
	}
	*out = c;
	return true;
}
