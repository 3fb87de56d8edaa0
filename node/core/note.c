/*
 * note — signed notes (C2SP signed-note v1.0.0), their Ed25519 keys, witness cosignatures
 * (C2SP tlog-cosignature v1.0.1) and checkpoint bodies (C2SP tlog-checkpoint v1.0.0).
 *
 * Every byte a peer sends us that claims to be a log's state goes through note_open and
 * checkpoint_parse, so both are strict and bounded: the whole input is capped before it is
 * looked at, every rule of the specs (and of Go's golang.org/x/mod/sumdb/note, the reference
 * implementation) is checked, and the error names the line and the rule that failed.
 *
 * Keys live in OpenSSL EVP_PKEYs. Files: note.c (text rules, signing, cosigning, note_open),
 * note_key.c (key strings, signers, key files), note_checkpoint.c (checkpoint bodies); note_impl.h
 * is what they share.
 */
#include "note.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "be.h"
#include "err.h"
#include "note_impl.h"
#include "utf8.h"

#define EM_DASH_SP "\xe2\x80\x94 " /* U+2014 and a space: the start of every signature line */
#define EM_DASH_SP_LEN 4
#define COSIG_LEN (8 + ED25519_SIG_LEN) /* timestamp ‖ signature, after the key ID */
#define COSIG_HEADER_MAX 64             /* "cosignature/v1\ntime " + 20 digits + "\n" */

/* ---- text rules ---- */

/* Go's unicode.IsSpace: the White_Space property. */
static bool
is_unicode_space(uint32_t cp)
{
	switch (cp) {
	case '\t':
	case '\n':
	case '\v':
	case '\f':
	case '\r':
	case ' ':
	case 0x85:
	case 0xa0:
	case 0x1680:
	case 0x2028:
	case 0x2029:
	case 0x202f:
	case 0x205f:
	case 0x3000:
		return true;
	default:
		return cp >= 0x2000 && cp <= 0x200a;
	}
}

/* Why s[0..n) is not a valid key name, or NULL when it is one. Names are non-empty,
 * at most NOTE_NAME_MAX bytes, valid UTF-8 without Unicode spaces, '+' or control
 * characters (a name with one could never appear in a note anyway). */
const char *
note_name_problem(const char *s, size_t n)
{
	if (n == 0)
		return "is empty";
	if (n > NOTE_NAME_MAX)
		return "is longer than 255 bytes";
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode((const uint8_t *)s + i, n - i, &cp);
		if (k == 0)
			return "is not valid UTF-8";
		if (cp == '+')
			return "contains '+'";
		if (is_unicode_space(cp))
			return "contains a space";
		if (cp < 0x20)
			return "contains a control character";
		i += k;
	}
	return NULL;
}

bool
note_name_valid(const char *name)
{
	if (name == NULL)
		return false;
	size_t n = strnlen(name, NOTE_NAME_MAX + 1);
	return note_name_problem(name, n) == NULL;
}

/* Checks the character rules shared by notes and checkpoint bodies: valid UTF-8, no ASCII
 * control character but '\n'. what names the input in the error ("note", "checkpoint"). */
bool
note_check_chars(const char *what, const char *s, size_t len, char *err, size_t errcap)
{
	size_t line = 1;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = utf8_decode((const uint8_t *)s + i, len - i, &cp);
		if (k == 0) {
			err_set(err, errcap, "%s line %zu: invalid UTF-8 at byte %zu", what, line,
			        i);
			return false;
		}
		if (cp == '\n') {
			line++;
		} else if (cp == '\r') {
			err_set(err, errcap,
			        "%s line %zu: carriage return (CRLF line ends are not allowed)",
			        what, line);
			return false;
		} else if (cp < 0x20) {
			err_set(err, errcap, "%s line %zu: control character 0x%02x", what, line,
			        (unsigned)cp);
			return false;
		}
		i += k;
	}
	return true;
}

/* Note text as signers accept it: non-empty, ends in '\n', passes check_chars. */
static bool
text_valid(const char *text, size_t len)
{
	return text != NULL && len > 0 && len <= NOTE_MAX_LEN && text[len - 1] == '\n' &&
	       note_check_chars("text", text, len, NULL, 0);
}

/* ---- signatures ---- */

static bool
ed25519_sign(EVP_PKEY *pkey, const uint8_t *msg, size_t len, uint8_t sig[ED25519_SIG_LEN])
{
	size_t siglen = ED25519_SIG_LEN;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	          EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == ED25519_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok;
}

static bool
ed25519_verify(const uint8_t pub[32], const uint8_t *msg, size_t len,
               const uint8_t sig[ED25519_SIG_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = pkey != NULL ? EVP_MD_CTX_new() : NULL;
	bool ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	          EVP_DigestVerify(ctx, sig, ED25519_SIG_LEN, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	if (!ok)
		ERR_clear_error();
	return ok;
}

/* The tlog-cosignature v1 signed message: "cosignature/v1\ntime <ts>\n" ‖ body, malloc'd. */
static uint8_t *
cosig_message(uint64_t ts, const char *body, size_t len, size_t *outlen)
{
	char head[COSIG_HEADER_MAX];
	int h = snprintf(head, sizeof(head), "cosignature/v1\ntime %" PRIu64 "\n", ts);
	if (h < 0 || (size_t)h >= sizeof(head))
		return NULL;
	uint8_t *m = malloc((size_t)h + len);
	if (m == NULL)
		return NULL;
	memcpy(m, head, (size_t)h);
	memcpy(m + h, body, len);
	*outlen = (size_t)h + len;
	return m;
}

/* Appends "— <name> <base64(raw)>\n" to out at *pos. */
static bool
put_sig_line(char *out, size_t cap, size_t *pos, const char *name, const uint8_t *raw,
             size_t rawlen)
{
	size_t nlen = strlen(name);
	size_t need = EM_DASH_SP_LEN + nlen + 1 + B64_ENCODED_LEN(rawlen) + 1;
	if (*pos > cap || cap - *pos < need + 1)
		return false;
	char *p = out + *pos;
	memcpy(p, EM_DASH_SP, EM_DASH_SP_LEN);
	p += EM_DASH_SP_LEN;
	memcpy(p, name, nlen);
	p += nlen;
	*p++ = ' ';
	int k = b64_encode(raw, rawlen, p, cap - (size_t)(p - out));
	if (k < 0)
		return false;
	p += k;
	*p++ = '\n';
	*p = '\0';
	*pos = (size_t)(p - out);
	return true;
}

int
note_sign(const struct note_signer *s, const char *text, size_t len, char *out, size_t cap)
{
	uint8_t raw[4 + ED25519_SIG_LEN];

	if (s == NULL || s->pkey == NULL || s->v.alg != NOTE_ALG_ED25519 || out == NULL ||
	    !text_valid(text, len) || !note_name_valid(s->v.name))
		return -1;
	/* A note note_open would refuse is not worth signing. */
	size_t total = len + 1 + EM_DASH_SP_LEN + strlen(s->v.name) + 1 +
	               B64_ENCODED_LEN(sizeof(raw)) + 1;
	if (total > NOTE_MAX_LEN || cap < total + 1)
		return -1;
	put_be32(raw, s->v.key_id);
	if (!ed25519_sign(s->pkey, (const uint8_t *)text, len, raw + 4))
		return -1;
	memcpy(out, text, len);
	out[len] = '\n';
	size_t pos = len + 1;
	if (!put_sig_line(out, cap, &pos, s->v.name, raw, sizeof(raw)))
		return -1;
	return (int)pos;
}

int
note_cosign_line(const struct note_signer *s, const char *body, size_t len, uint64_t timestamp,
                 char *out, size_t cap)
{
	uint8_t raw[4 + COSIG_LEN];
	size_t mlen;

	if (s == NULL || s->pkey == NULL || s->v.alg != NOTE_ALG_COSIGNATURE_V1 || out == NULL ||
	    timestamp > INT64_MAX || !text_valid(body, len) || !note_name_valid(s->v.name))
		return -1;
	uint8_t *msg = cosig_message(timestamp, body, len, &mlen);
	if (msg == NULL)
		return -1;
	put_be32(raw, s->v.key_id);
	put_be64(raw + 4, timestamp);
	bool ok = ed25519_sign(s->pkey, msg, mlen, raw + 12);
	free(msg);
	size_t pos = 0;
	if (!ok || !put_sig_line(out, cap, &pos, s->v.name, raw, sizeof(raw)))
		return -1;
	return (int)pos;
}

/* Checks sig (the bytes after the key ID) by v over text. For a cosignature, also checks the
 * timestamp and returns it in *ts. why says what is wrong on failure. */
static bool
verify_sig(const struct note_verifier *v, const char *text, size_t tlen, const uint8_t *sig,
           size_t siglen, uint64_t *ts, const char **why)
{
	switch (v->alg) {
	case NOTE_ALG_ED25519:
		if (siglen != ED25519_SIG_LEN) {
			*why = "is not 64 bytes long";
			return false;
		}
		*why = "does not verify";
		return ed25519_verify(v->pub, (const uint8_t *)text, tlen, sig);
	case NOTE_ALG_COSIGNATURE_V1: {
		if (siglen != COSIG_LEN) {
			*why = "is not 72 bytes long (timestamp and signature)";
			return false;
		}
		uint64_t t = get_be64(sig);
		if (t > INT64_MAX) {
			*why = "has a timestamp above 2^63-1";
			return false;
		}
		size_t mlen;
		uint8_t *msg = cosig_message(t, text, tlen, &mlen);
		if (msg == NULL) {
			*why = "could not be checked (out of memory)";
			return false;
		}
		bool ok = ed25519_verify(v->pub, msg, mlen, sig + 8);
		free(msg);
		*why = "does not verify";
		if (ok)
			*ts = t;
		return ok;
	}
	default:
		*why = "uses an unsupported signature type";
		return false;
	}
}

bool
note_open(const char *msg, size_t len, const struct note_verifier *vs, size_t nv, struct note *out,
          char *err, size_t errcap)
{
	/* Large enough for any signature a note under NOTE_MAX_LEN can carry. */
	uint8_t raw[B64_DECODED_MAX(NOTE_MAX_LEN)];
	size_t nverified = 0;

	if (out == NULL) {
		err_set(err, errcap, "note: no output");
		return false;
	}
	memset(out, 0, sizeof(*out));
	if (msg == NULL) {
		err_set(err, errcap, "note: missing");
		return false;
	}
	if (len > NOTE_MAX_LEN) {
		err_set(err, errcap, "note is %zu bytes, over the %d-byte limit", len,
		        NOTE_MAX_LEN);
		return false;
	}
	if (!note_check_chars("note", msg, len, err, errcap))
		return false;

	/* The text ends at the last blank line; it keeps its own final newline. */
	size_t split = 0;
	bool found = false;
	for (size_t i = len; i >= 2; i--) {
		if (msg[i - 1] == '\n' && msg[i - 2] == '\n') {
			split = i - 2;
			found = true;
			break;
		}
	}
	if (!found) {
		err_set(err, errcap, "note has no blank line before its signatures");
		return false;
	}
	out->text = msg;
	out->text_len = split + 1;
	const char *p = msg + split + 2, *end = msg + len;
	if (p == end) {
		err_set(err, errcap, "note has no signature lines after the blank line");
		return false;
	}
	if (end[-1] != '\n') {
		err_set(err, errcap, "note does not end in a newline");
		return false;
	}

	for (size_t lineno = 1; p < end; lineno++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		/* Cannot be NULL: the block ends in '\n'. */
		if (out->nsigs == NOTE_MAX_SIGS) {
			err_set(err, errcap, "note has more than %d signature lines",
			        NOTE_MAX_SIGS);
			return false;
		}
		if ((size_t)(eol - p) < EM_DASH_SP_LEN ||
		    memcmp(p, EM_DASH_SP, EM_DASH_SP_LEN) != 0) {
			err_set(err, errcap,
			        "signature line %zu: does not start with an em dash "
			        "(U+2014) and a space",
			        lineno);
			return false;
		}
		const char *name = p + EM_DASH_SP_LEN;
		const char *sp = memchr(name, ' ', (size_t)(eol - name));
		if (sp == NULL) {
			err_set(err, errcap,
			        "signature line %zu: no space between key name and "
			        "signature",
			        lineno);
			return false;
		}
		size_t nlen = (size_t)(sp - name);
		const char *why = note_name_problem(name, nlen);
		if (why != NULL) {
			err_set(err, errcap, "signature line %zu: key name %s", lineno, why);
			return false;
		}
		const char *b = sp + 1;
		size_t blen = (size_t)(eol - b), rawlen;
		if (blen == 0) {
			err_set(err, errcap, "signature line %zu: signature is empty", lineno);
			return false;
		}
		if (!b64_decode(b, blen, raw, sizeof(raw), &rawlen)) {
			err_set(err, errcap, "signature line %zu: base64 invalid", lineno);
			return false;
		}
		if (rawlen < 5) {
			err_set(err, errcap,
			        "signature line %zu: signature is %zu bytes, want a 4-byte "
			        "key ID and at least 1 byte",
			        lineno, rawlen);
			return false;
		}

		struct note_sig *ns = &out->sigs[out->nsigs++];
		memcpy(ns->name, name, nlen);
		ns->name[nlen] = '\0';
		ns->key_id = get_be32(raw);
		const uint8_t *sig = raw + 4;
		size_t siglen = rawlen - 4;
		/* Longer signatures (other algorithms, unknown keys) are accepted but not kept. */
		if (siglen <= sizeof(ns->sig)) {
			memcpy(ns->sig, sig, siglen);
			ns->sig_len = siglen;
		}

		const struct note_verifier *match = NULL;
		size_t nmatch = 0;
		for (size_t j = 0; vs != NULL && j < nv; j++) {
			if (vs[j].key_id == ns->key_id && strlen(vs[j].name) == nlen &&
			    memcmp(vs[j].name, name, nlen) == 0) {
				match = &vs[j];
				nmatch++;
			}
		}
		if (nmatch > 1) {
			err_set(err, errcap,
			        "signature line %zu: key %s+%08" PRIx32 " matches %zu "
			        "verifiers",
			        lineno, ns->name, ns->key_id, nmatch);
			return false;
		}
		/* Unknown keys are ignored; a known key that fails is a forgery, not noise. Unlike
		 * Go, repeated lines of one key are all checked. */
		if (match != NULL) {
			if (!verify_sig(match, msg, out->text_len, sig, siglen, &ns->timestamp,
			                &why)) {
				err_set(err, errcap,
				        "signature line %zu: signature by %s+%08" PRIx32 " %s",
				        lineno, ns->name, ns->key_id, why);
				return false;
			}
			ns->verified = true;
			nverified++;
		}
		p = eol + 1;
	}

	if (nverified == 0) {
		err_set(err, errcap, NOTE_ERR_NO_KNOWN_KEY " (%zu signature line%s)", out->nsigs,
		        out->nsigs == 1 ? "" : "s");
		return false;
	}
	return true;
}
