/*
 * Tests for node/core/note.c and node/b64.c: signed notes, verifier and signer keys, PEM key files,
 * witness cosignatures, checkpoint bodies and strict base64.
 *
 * Known-answer vectors come from golang.org/x/mod/sumdb/note (the PeterNeumann key, whose
 * signature line Ed25519's determinism lets us reproduce byte for byte) and from the C2SP
 * specs; everything else is a tampered variant that must be refused with a precise reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/b64.h"
#include "core/note.h"

/* golang.org/x/mod/sumdb/note, note.go package documentation and note_test.go. */
#define PETER_SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_L1 "If you think cryptography is the answer to your problem,\n"
#define PETER_L2 "then you don't know what your problem is.\n"
#define PETER_TEXT PETER_L1 PETER_L2
#define PETER_LINE                                                               \
	"\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZIn" \
	"NIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define PETER_NOTE PETER_TEXT "\n" PETER_LINE

/* C2SP signed-note v1.0.0 (github.com/C2SP/C2SP, signed-note.md, tag signed-note/v1.0.0),
 * section "Verifier keys", subsection "Example": this verifier key verifies this note. */
#define C2SP_VKEY "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
#define C2SP_NOTE                                                                                 \
	"This is an example message.\n"                                                           \
	"\n"                                                                                      \
	"\xe2\x80\x94 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERY" \
	"NZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"

/* C2SP tlog-checkpoint v1.0.0 (tlog-checkpoint.md): the example checkpoint's body. */
#define C2SP_CHECKPOINT                           \
	"example.com/behind-the-sofa\n20852163\n" \
	"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

#define EM "\xe2\x80\x94 "

static char err[512];

/* ---- helpers ---- */

static struct note_verifier
vkey(const char *s)
{
	struct note_verifier v;
	bool ok = note_verifier_parse(s, &v, err, sizeof(err));
	if (!ok)
		print_error("note_verifier_parse(%s): %s\n", s, err);
	assert_true(ok);
	return v;
}

static bool
open_str(const char *msg, const struct note_verifier *vs, size_t nv, struct note *n)
{
	err[0] = '\0';
	return note_open(msg, strlen(msg), vs, nv, n, err, sizeof(err));
}

/* Asserts that msg is refused by vs and that the reason contains want. */
static void
refused(const char *msg, size_t len, const struct note_verifier *vs, size_t nv, const char *want)
{
	static struct note n;
	err[0] = '\0';
	bool ok = note_open(msg, len, vs, nv, &n, err, sizeof(err));
	if (ok || strstr(err, want) == NULL)
		print_error("note %.60s...: ok=%d err=\"%s\", want \"%s\"\n", msg, ok, err, want);
	assert_false(ok);
	assert_non_null(strstr(err, want));
}

static void
refused_str(const char *msg, const struct note_verifier *vs, size_t nv, const char *want)
{
	refused(msg, strlen(msg), vs, nv, want);
}

/* Writes "— name base64(raw)\n". */
static void
sig_line(char *out, size_t cap, const char *name, const uint8_t *raw, size_t len)
{
	char b[256];
	assert_true(b64_encode(raw, len, b, sizeof(b)) >= 0);
	int n = snprintf(out, cap, EM "%s %s\n", name, b);
	assert_true(n > 0 && (size_t)n < cap);
}

/* Decodes the base64 of a signature line into raw. */
static size_t
line_raw(const char *line, uint8_t *raw, size_t cap)
{
	const char *b = strrchr(line, ' ') + 1;
	size_t len = strcspn(b, "\n"), n;
	assert_true(b64_decode(b, len, raw, cap, &n));
	return n;
}

static void
seed_of(uint8_t seed[32], uint8_t v)
{
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(v + 7 * i);
}

static char tmpdir[64];

static int
setup_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_note.XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown_tmpdir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- b64 ---- */

static void
test_b64_rfc4648_vectors(void **state)
{
	(void)state;
	static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const enc[] = { "",         "Zg==",     "Zm8=",    "Zm9v",
		                           "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (size_t i = 0; i < 7; i++) {
		char out[16];
		uint8_t dec[16];
		size_t n;
		size_t len = strlen(plain[i]);
		assert_int_equal(b64_encode((const uint8_t *)plain[i], len, out, sizeof(out)),
		                 strlen(enc[i]));
		assert_string_equal(out, enc[i]);
		assert_true(b64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec), &n));
		assert_int_equal(n, len);
		assert_memory_equal(dec, plain[i], len);
	}
}

static void
test_b64_roundtrip(void **state)
{
	(void)state;
	uint8_t in[80], dec[80];
	char enc[B64_ENCODED_LEN(80) + 1];
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(in); len++) {
		size_t n;
		int k = b64_encode(in, len, enc, sizeof(enc));
		assert_int_equal(k, B64_ENCODED_LEN(len));
		assert_int_equal(strlen(enc), (size_t)k);
		/* exact capacity works, one less does not */
		assert_true(b64_decode(enc, (size_t)k, dec, len, &n));
		assert_int_equal(n, len);
		assert_memory_equal(dec, in, len);
		if (len > 0)
			assert_false(b64_decode(enc, (size_t)k, dec, len - 1, &n));
	}
	/* all 256 byte values */
	uint8_t all[256], back[256];
	char e[B64_ENCODED_LEN(256) + 1];
	size_t n;
	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	assert_int_equal(b64_encode(all, 256, e, sizeof(e)), B64_ENCODED_LEN(256));
	assert_true(b64_decode(e, strlen(e), back, sizeof(back), &n));
	assert_int_equal(n, 256);
	assert_memory_equal(all, back, 256);
}

static void
test_b64_encode_capacity(void **state)
{
	(void)state;
	char out[8];
	const uint8_t in[6] = { 1, 2, 3, 4, 5, 6 };
	assert_int_equal(b64_encode(in, 6, out, 8), -1); /* needs 8 + NUL */
	assert_int_equal(b64_encode(in, 3, out, 5), 4);
	assert_int_equal(b64_encode(in, 3, out, 4), -1);
	assert_int_equal(b64_encode(in, 0, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(b64_encode(in, 0, out, 0), -1);
}

static void
test_b64_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		/* characters outside the standard alphabet */
		"Zm9v!A==",
		"Zm-v",
		"Zm_v",
		"Zm9\x80",
		"Zm.v",
		/* padding */
		"Zg=",
		"Zg",
		"Z===",
		"====",
		"Zg==Zg==",
		"Zm=v",
		"Z=g=",
		"=Zm9",
		"Zg=A",
		"Zm9vY===",
		/* non-zero padding slack bits */
		"Zh==",
		"Zm9=",
		"Zm/=",
		"Zv==",
		"AB==",
		"AAB=",
		/* whitespace, anywhere */
		"Zm9v\n",
		" Zm9v",
		"Zm9v ",
		"Zm 9",
		"Zm9v\r\n",
		"Zm\t9v",
		"Zm9v\nZm9v",
		/* wrong length */
		"Zm9vY",
		"Z",
		"Zm9vYm",
		"Zm9vYmF",
	};
	uint8_t out[64];
	size_t n;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (b64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n))
			print_error("accepted bad base64 \"%s\"\n", bad[i]);
		assert_false(b64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n));
	}
	/* an embedded NUL is not base64 either */
	assert_false(b64_decode("Zm\0v", 4, out, sizeof(out), &n));
	/* one accepted spelling per byte string: "Zg==" yes, its variants no */
	assert_true(b64_decode("Zg==", 4, out, sizeof(out), &n));
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 'f');
	/* empty input is the empty string */
	assert_true(b64_decode("", 0, out, sizeof(out), &n));
	assert_int_equal(n, 0);
}

/* ---- names, verifier keys, signer keys ---- */

static void
test_name_valid(void **state)
{
	(void)state;
	char longname[NOTE_NAME_MAX + 2];
	assert_true(note_name_valid("PeterNeumann"));
	assert_true(note_name_valid("remacto.ma/rabat-prefecture"));
	assert_true(note_name_valid(
	        "r\xc3\xa9gion.ma/\xd8\xa7\xd9\x84\xd8\xb1\xd8\xa8\xd8\xa7\xd8\xb7"));
	assert_false(note_name_valid(NULL));
	assert_false(note_name_valid(""));
	assert_false(note_name_valid("a b"));
	assert_false(note_name_valid("a+b"));
	assert_false(note_name_valid("a\tb"));
	assert_false(note_name_valid("a\nb"));
	assert_false(note_name_valid("a\x01"
	                             "b"));
	assert_false(note_name_valid("a\xc2\xa0"
	                             "b")); /* U+00A0 no-break space */
	assert_false(note_name_valid("a\xe2\x80\x83"
	                             "b")); /* U+2003 em space */
	assert_false(note_name_valid("a\xe3\x80\x80"
	                             "b")); /* U+3000 ideographic space */
	assert_false(note_name_valid("a\xff"
	                             "b"));
	assert_false(note_name_valid("a\xc0\xaf"));     /* overlong '/' */
	assert_false(note_name_valid("a\xed\xa0\x80")); /* surrogate */
	memset(longname, 'a', NOTE_NAME_MAX);
	longname[NOTE_NAME_MAX] = '\0';
	assert_true(note_name_valid(longname));
	longname[NOTE_NAME_MAX] = 'a';
	longname[NOTE_NAME_MAX + 1] = '\0';
	assert_false(note_name_valid(longname));
}

static void
test_peter_vkey_roundtrip(void **state)
{
	(void)state;
	struct note_verifier v = vkey(PETER_VKEY);
	char out[NOTE_VKEY_MAX + 1];
	assert_string_equal(v.name, "PeterNeumann");
	assert_int_equal(v.key_id, 0xc74f20a3);
	assert_int_equal(v.alg, NOTE_ALG_ED25519);
	assert_int_equal(note_key_id(v.name, v.alg, v.pub), 0xc74f20a3);
	assert_int_equal(note_verifier_format(&v, out, sizeof(out)), strlen(PETER_VKEY));
	assert_string_equal(out, PETER_VKEY);
	/* too small an output buffer */
	assert_int_equal(note_verifier_format(&v, out, strlen(PETER_VKEY)), -1);

	/* the C2SP example key round-trips too */
	struct note_verifier c = vkey(C2SP_VKEY);
	assert_int_equal(c.key_id, 0x530d903a);
	assert_int_equal(note_verifier_format(&c, out, sizeof(out)), strlen(C2SP_VKEY));
	assert_string_equal(out, C2SP_VKEY);
}

static void
test_peter_signer_reproduces_line(void **state)
{
	(void)state;
	struct note_signer s;
	char out[1024];
	struct note n;
	assert_int_equal(note_signer_from_string(&s, PETER_SKEY, err, sizeof(err)), 0);
	struct note_verifier v = vkey(PETER_VKEY);
	assert_string_equal(s.v.name, v.name);
	assert_int_equal(s.v.key_id, v.key_id);
	assert_int_equal(s.v.alg, v.alg);
	assert_memory_equal(s.v.pub, v.pub, 32);

	int len = note_sign(&s, PETER_TEXT, strlen(PETER_TEXT), out, sizeof(out));
	assert_int_equal(len, strlen(PETER_NOTE));
	assert_string_equal(out, PETER_NOTE);
	/* exact capacity: note and NUL */
	assert_int_equal(note_sign(&s, PETER_TEXT, strlen(PETER_TEXT), out, strlen(PETER_NOTE) + 1),
	                 len);
	assert_int_equal(note_sign(&s, PETER_TEXT, strlen(PETER_TEXT), out, strlen(PETER_NOTE)),
	                 -1);

	assert_true(open_str(PETER_NOTE, &v, 1, &n));
	assert_int_equal(n.text_len, strlen(PETER_TEXT));
	assert_memory_equal(n.text, PETER_TEXT, n.text_len);
	assert_int_equal(n.nsigs, 1);
	assert_true(n.sigs[0].verified);
	assert_string_equal(n.sigs[0].name, "PeterNeumann");
	assert_int_equal(n.sigs[0].key_id, 0xc74f20a3);
	assert_int_equal(n.sigs[0].sig_len, 64);
	note_signer_free(&s);
	note_signer_free(&s); /* idempotent */
	note_signer_free(NULL);
}

static void
test_verifier_parse_rejects(void **state)
{
	(void)state;
	static const struct {
		const char *vkey, *why;
	} bad[] = {
		{ "PeterNeumann", "no '+' after the key name" },
		{ "PeterNeumann+c74f20a3", "no '+' after the key ID" },
		{ "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name is empty" },
		{ "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "space" },
		{ "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "8 hex digits" },
		{ "PeterNeumann+c74f20a33+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "8 hex digits" },
		{ "PeterNeumann+c74f20g3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "8 hex digits" },
		{ "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "does not match" },
		{ "PeterNeumenn+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		  "does not match" },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",
		  "does not match" },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!", "base64" },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "base64" },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW ", "base64" },
		{ "PeterNeumann+c74f20a3+", "key is empty" },
		{ "PeterNeumann+c74f20a3+Ag==", "unsupported signature type 0x02" },
		{ "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy", "want 32" },
	};
	struct note_verifier v;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		bool ok = note_verifier_parse(bad[i].vkey, &v, err, sizeof(err));
		if (ok || strstr(err, bad[i].why) == NULL)
			print_error("vkey %s: ok=%d err=\"%s\", want \"%s\"\n", bad[i].vkey, ok,
			            err, bad[i].why);
		assert_false(ok);
		assert_non_null(strstr(err, bad[i].why));
	}
	/* too long */
	char lng[NOTE_VKEY_MAX + 16];
	memset(lng, 'a', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	assert_false(note_verifier_parse(lng, &v, err, sizeof(err)));
	assert_non_null(strstr(err, "longer than"));
	assert_false(note_verifier_parse(NULL, &v, err, sizeof(err)));
	/* err may be omitted */
	assert_false(note_verifier_parse("x", &v, NULL, 0));
	/* upper-case hex is the same key ID */
	assert_true(note_verifier_parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/"
	                                "LDE4izWy10TW",
	                                &v, err, sizeof(err)));
}

static void
test_signer_string_rejects(void **state)
{
	(void)state;
	struct note_signer s;
	static const struct {
		const char *skey, *why;
	} bad[] = {
		{ "PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		  "PRIVATE+KEY+" },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		  "does not match" },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		  "unsupported signature type 0x02" },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKD==",
		  "base64" },
		{ "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXH",
		  "want 32" },
		{ "PRIVATE+KEY+Peter+Neumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
		  "8 hex digits" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		int rc = note_signer_from_string(&s, bad[i].skey, err, sizeof(err));
		if (rc != -EINVAL || strstr(err, bad[i].why) == NULL)
			print_error("skey %s: rc=%d err=\"%s\", want \"%s\"\n", bad[i].skey, rc,
			            err, bad[i].why);
		assert_int_equal(rc, -EINVAL);
		assert_non_null(strstr(err, bad[i].why));
		assert_null(s.pkey);
	}
	uint8_t seed[32];
	seed_of(seed, 1);
	assert_int_equal(note_signer_from_seed(&s, "bad name", NOTE_ALG_ED25519, seed), -EINVAL);
	assert_int_equal(note_signer_from_seed(&s, "good", 0x02, seed), -EINVAL);
}

/* ---- note_open ---- */

static void
test_c2sp_example_verifies(void **state)
{
	(void)state;
	struct note_verifier v = vkey(C2SP_VKEY);
	struct note n;
	assert_true(open_str(C2SP_NOTE, &v, 1, &n));
	assert_int_equal(n.text_len, strlen("This is an example message.\n"));
	assert_memory_equal(n.text, "This is an example message.\n", n.text_len);
	assert_int_equal(n.nsigs, 1);
	assert_true(n.sigs[0].verified);
	assert_string_equal(n.sigs[0].name, "example.com/foo");
	assert_int_equal(n.sigs[0].key_id, 0x530d903a);
}

static void
test_open_tampered(void **state)
{
	(void)state;
	struct note_verifier v = vkey(PETER_VKEY);
	char buf[2048], line[256];
	uint8_t raw[128];
	size_t n;

	/* flipped bit in the text */
	strcpy(buf, PETER_NOTE);
	buf[3] ^= 0x01;
	refused_str(buf, &v, 1,
	            "signature line 1: signature by PeterNeumann+c74f20a3 does not verify");

	/* flipped bit in the signature, in every byte position of the Ed25519 part */
	n = line_raw(PETER_LINE, raw, sizeof(raw));
	assert_int_equal(n, 68);
	for (size_t i = 4; i < n; i += 7) {
		raw[i] ^= 0x10;
		sig_line(line, sizeof(line), "PeterNeumann", raw, n);
		raw[i] ^= 0x10;
		snprintf(buf, sizeof(buf), "%s\n%s", PETER_TEXT, line);
		refused_str(buf, &v, 1, "does not verify");
	}
	/* signature truncated or extended: known key, wrong length */
	sig_line(line, sizeof(line), "PeterNeumann", raw, n - 1);
	snprintf(buf, sizeof(buf), "%s\n%s", PETER_TEXT, line);
	refused_str(buf, &v, 1, "is not 64 bytes long");
	raw[n] = 0;
	sig_line(line, sizeof(line), "PeterNeumann", raw, n + 1);
	snprintf(buf, sizeof(buf), "%s\n%s", PETER_TEXT, line);
	refused_str(buf, &v, 1, "is not 64 bytes long");

	/* wrong key: the note is only signed by a key we do not know */
	struct note_verifier other = vkey(C2SP_VKEY);
	refused_str(PETER_NOTE, &other, 1, "no signature from a known key (1 signature line)");
	refused_str(PETER_NOTE, NULL, 0, "no signature from a known key");

	/* a verifier with the right name and key ID but another public key: a forgery */
	struct note_verifier impostor = v;
	impostor.pub[0] ^= 1;
	refused_str(PETER_NOTE, &impostor, 1, "does not verify");

	/* wrong key ID in the signature: not the known key any more, so nothing verifies */
	raw[0] ^= 0x80;
	sig_line(line, sizeof(line), "PeterNeumann", raw, n);
	raw[0] ^= 0x80;
	snprintf(buf, sizeof(buf), "%s\n%s", PETER_TEXT, line);
	refused_str(buf, &v, 1, "no signature from a known key");
	/* same for another name with the right key ID */
	snprintf(buf, sizeof(buf),
	         "%s\n" EM "PeterNeuman x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcEl"
	         "ZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	         PETER_TEXT);
	refused_str(buf, &v, 1, "no signature from a known key");

	/* swapped text lines */
	refused_str(PETER_L2 PETER_L1 "\n" PETER_LINE, &v, 1, "does not verify");

	/* trailing garbage */
	refused_str(PETER_NOTE "garbage", &v, 1, "note does not end in a newline");
	refused_str(PETER_NOTE "garbage\n", &v, 1,
	            "signature line 2: does not start with an em dash");
	refused_str(PETER_NOTE "\n", &v, 1, "no signature lines after the blank line");

	/* missing final newline */
	strcpy(buf, PETER_NOTE);
	buf[strlen(buf) - 1] = '\0';
	refused_str(buf, &v, 1, "note does not end in a newline");

	/* carriage returns */
	refused_str(PETER_TEXT "\r\n" PETER_LINE, &v, 1, "note line 3: carriage return");
	refused_str("If you think cryptography is the answer to your problem,\r\n" PETER_L2
	            "\n" PETER_LINE,
	            &v, 1, "note line 1: carriage return");
	strcpy(buf, PETER_NOTE);
	buf[strlen(buf) - 1] = '\r';
	refused_str(buf, &v, 1, "carriage return");

	/* control characters, NUL included */
	refused_str("If you think\x01 cryptography is the answer to your problem,\n" PETER_L2
	            "\n" PETER_LINE,
	            &v, 1, "note line 1: control character 0x01");
	refused_str(PETER_L1 "then you don't\tknow what your problem is.\n\n" PETER_LINE, &v, 1,
	            "note line 2: control character 0x09");
	refused_str(PETER_TEXT
	            "\n\xe2\x80\x94\x1bPeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pA"
	            "cElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	            &v, 1, "control character 0x1b");
	memcpy(buf, PETER_NOTE, sizeof(PETER_NOTE));
	buf[10] = '\0';
	refused(buf, strlen(PETER_NOTE), &v, 1, "note line 1: control character 0x00");

	/* invalid UTF-8: stray continuation, 0xff, overlong, surrogate, truncated sequence */
	static const char *const bad_utf8[] = { "\x80",         "\xff",         "\xc0\xaf",
		                                "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		                                "\xe2\x80",     "\xf0\x9f\x98" };
	for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		snprintf(buf, sizeof(buf), "If you think %s cryptography is the answer\n\n%s",
		         bad_utf8[i], PETER_LINE);
		refused_str(buf, &v, 1, "note line 1: invalid UTF-8");
	}
	/* the em dash itself cut short at the end of the note */
	refused_str(PETER_TEXT "\n\xe2\x80", &v, 1, "invalid UTF-8");

	/* no blank line */
	refused_str(PETER_TEXT PETER_LINE, &v, 1, "no blank line");
	refused_str("", &v, 1, "no blank line");

	/* empty signature block */
	refused_str(PETER_TEXT "\n", &v, 1, "no signature lines after the blank line");

	/* malformed signature lines */
	refused_str(PETER_TEXT "\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIu"
	                       "GUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	            &v, 1, "signature line 1: does not start with an em dash");
	refused_str(PETER_TEXT
	            "\n\xe2\x80\x94PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcEl"
	            "ZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	            &v, 1, "does not start with an em dash");
	refused_str(PETER_TEXT "\n" EM "PeterNeumann\n", &v, 1, "signature line 1: no space");
	refused_str(PETER_TEXT "\n" EM "PeterNeumann \n", &v, 1,
	            "signature line 1: signature is empty");
	refused_str(PETER_TEXT "\n" EM
	                       " x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2p"
	                       "ZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	            &v, 1, "signature line 1: key name is empty");
	refused_str(PETER_TEXT "\n" EM "Peter+Neumann AAAAAAA=\n", &v, 1, "key name contains '+'");
	refused_str(PETER_TEXT "\n" EM "Peter\xc2\xa0Neumann AAAAAAA=\n", &v, 1,
	            "key name contains a space");
	refused_str(PETER_TEXT "\n" PETER_LINE EM "PeterNeumann  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLL"
	                       "r8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	            &v, 1, "signature line 2: base64 invalid");
	refused_str(PETER_TEXT "\n" PETER_LINE EM
	                       "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8p"
	                       "AcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM= \n",
	            &v, 1, "signature line 2: base64 invalid");
	refused_str(PETER_TEXT "\n" EM
	                       "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIu"
	                       "GUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",
	            &v, 1, "signature line 1: base64 invalid");
	refused_str(PETER_TEXT "\n" EM
	                       "PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIu"
	                       "GUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAN=\n",
	            &v, 1, "signature line 1: base64 invalid"); /* non-zero padding bits */
	refused_str(PETER_TEXT "\n" EM "PeterNeumann AAAAAA==\n", &v, 1,
	            "signature line 1: signature is 4 bytes");
	refused_str(PETER_TEXT "\n" EM "PeterNeumann AAAA\n", &v, 1,
	            "signature line 1: signature is 3 bytes");

	/* too long */
	size_t biglen = NOTE_MAX_LEN + 1;
	char *big = malloc(biglen);
	assert_non_null(big);
	memset(big, 'a', biglen);
	refused(big, biglen, &v, 1, "over the 16384-byte limit");
	free(big);
}

/* An unknown signer's line over any text: well formed, never checked. */
static void
unknown_line(char *out, size_t cap, const char *name, uint8_t tag, size_t siglen)
{
	uint8_t raw[256];
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(tag + i);
	sig_line(out, cap, name, raw, 4 + siglen);
}

static void
test_open_unknown_and_forged(void **state)
{
	(void)state;
	struct note_verifier v = vkey(PETER_VKEY);
	char buf[NOTE_MAX_LEN + 1024], line[512];
	uint8_t raw[128];
	struct note n;
	size_t len;

	/* unknown signers around a known one: ignored, recorded */
	len = (size_t)snprintf(buf, sizeof(buf), "%s\n", PETER_TEXT);
	unknown_line(line, sizeof(line), "witness.example/w1", 1, 72);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", line);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", PETER_LINE);
	unknown_line(line, sizeof(line), "pq.example/log", 2, 150); /* longer than sig[] */
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", line);
	/* same name, other key ID: unknown too */
	unknown_line(line, sizeof(line), "PeterNeumann", 3, 64);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", line);
	assert_true(open_str(buf, &v, 1, &n));
	assert_int_equal(n.nsigs, 4);
	assert_false(n.sigs[0].verified);
	assert_string_equal(n.sigs[0].name, "witness.example/w1");
	assert_int_equal(n.sigs[0].sig_len, 72);
	assert_true(n.sigs[1].verified);
	assert_false(n.sigs[2].verified);
	assert_int_equal(n.sigs[2].sig_len, 0); /* not kept */
	assert_false(n.sigs[3].verified);
	assert_int_equal(n.sigs[3].key_id, 0x03040506);

	/* the same without the known line: refused */
	snprintf(buf, sizeof(buf), "%s\n", PETER_TEXT);
	unknown_line(line, sizeof(line), "witness.example/w1", 1, 72);
	strcat(buf, line);
	refused_str(buf, &v, 1, "no signature from a known key (1 signature line)");

	/* a forged line of the known key among valid ones, before or after */
	len = line_raw(PETER_LINE, raw, sizeof(raw));
	raw[40] ^= 0x01;
	char forged[256];
	sig_line(forged, sizeof(forged), "PeterNeumann", raw, len);
	unknown_line(line, sizeof(line), "witness.example/w1", 1, 72);
	snprintf(buf, sizeof(buf), "%s\n%s%s%s", PETER_TEXT, PETER_LINE, line, forged);
	refused_str(buf, &v, 1,
	            "signature line 3: signature by PeterNeumann+c74f20a3 does not verify");
	snprintf(buf, sizeof(buf), "%s\n%s%s%s", PETER_TEXT, forged, line, PETER_LINE);
	refused_str(buf, &v, 1,
	            "signature line 1: signature by PeterNeumann+c74f20a3 does not verify");

	/* a repeated valid line is fine; a second known key verifying too */
	struct note_signer s2;
	uint8_t seed[32];
	seed_of(seed, 9);
	assert_int_equal(note_signer_from_seed(&s2, "EnochRoot", NOTE_ALG_ED25519, seed), 0);
	char two[1024];
	int k = note_sign(&s2, PETER_TEXT, strlen(PETER_TEXT), two, sizeof(two));
	assert_true(k > 0);
	const char *l2 = two + strlen(PETER_TEXT) + 1;
	snprintf(buf, sizeof(buf), "%s\n%s%s%s", PETER_TEXT, PETER_LINE, l2, PETER_LINE);
	struct note_verifier vs[2] = { v, s2.v };
	assert_true(open_str(buf, vs, 2, &n));
	assert_int_equal(n.nsigs, 3);
	assert_true(n.sigs[0].verified && n.sigs[1].verified && n.sigs[2].verified);
	/* signature lines in any order */
	snprintf(buf, sizeof(buf), "%s\n%s%s", PETER_TEXT, l2, PETER_LINE);
	assert_true(open_str(buf, vs, 2, &n));
	/* two verifiers with the same name and key ID: ambiguous, refused */
	struct note_verifier dup[2] = { v, v };
	refused_str(PETER_NOTE, dup, 2, "matches 2 verifiers");
	note_signer_free(&s2);

	/* signature count: NOTE_MAX_SIGS lines open, one more is refused */
	len = (size_t)snprintf(buf, sizeof(buf), "%s\n%s", PETER_TEXT, PETER_LINE);
	for (int i = 1; i < NOTE_MAX_SIGS; i++) {
		unknown_line(line, sizeof(line), "w", (uint8_t)i, 64);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", line);
	}
	assert_true(len <= NOTE_MAX_LEN);
	assert_true(open_str(buf, &v, 1, &n));
	assert_int_equal(n.nsigs, NOTE_MAX_SIGS);
	unknown_line(line, sizeof(line), "w", 200, 64);
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", line);
	assert_true(len <= NOTE_MAX_LEN);
	refused_str(buf, &v, 1, "more than 64 signature lines");
}

static void
test_open_text_with_blank_lines(void **state)
{
	(void)state;
	struct note_signer s;
	char out[1024];
	struct note n;
	uint8_t seed[32];
	seed_of(seed, 3);
	assert_int_equal(note_signer_from_seed(&s, "remacto.ma/rabat", NOTE_ALG_ED25519, seed), 0);
	/* the text may hold empty lines: the split is at the last one */
	static const char text[] = "a\n\nb\n\n\nc\n";
	int len = note_sign(&s, text, strlen(text), out, sizeof(out));
	assert_true(len > 0);
	assert_true(open_str(out, &s.v, 1, &n));
	assert_int_equal(n.text_len, strlen(text));
	assert_memory_equal(n.text, text, n.text_len);
	/* the shortest note text, a lone newline */
	len = note_sign(&s, "\n", 1, out, sizeof(out));
	assert_true(len > 0);
	assert_true(open_str(out, &s.v, 1, &n));
	assert_int_equal(n.text_len, 1);
	/* an extra blank line before the signatures moves the split: the text becomes "x\n\n",
	 * which is not what was signed */
	len = note_sign(&s, "x\n", 2, out, sizeof(out));
	assert_true(len > 0);
	char moved[1100];
	snprintf(moved, sizeof(moved), "x\n\n%s", out + 2);
	refused_str(moved, &s.v, 1, "does not verify");
	/* UTF-8 text, C1 and DEL are not ASCII control characters */
	static const char utf[] = "\xd8\xa7\xd9\x84\xd8\xb1\xd8\xa8\xd8\xa7\xd8\xb7 \xe2\x80\x94 "
	                          "r\xc3\xa9gion \xf0\x9f\x8c\x8d \x7f \xc2\x85\n";
	len = note_sign(&s, utf, strlen(utf), out, sizeof(out));
	assert_true(len > 0);
	assert_true(open_str(out, &s.v, 1, &n));
	/* what note_sign refuses */
	assert_int_equal(note_sign(&s, "no newline", 10, out, sizeof(out)), -1);
	assert_int_equal(note_sign(&s, "", 0, out, sizeof(out)), -1);
	assert_int_equal(note_sign(&s, "cr\r\n", 4, out, sizeof(out)), -1);
	assert_int_equal(note_sign(&s, "bad \xff\n", 6, out, sizeof(out)), -1);
	assert_int_equal(note_sign(&s, "nul\0\n", 5, out, sizeof(out)), -1);
	char *big = malloc(NOTE_MAX_LEN + 200);
	assert_non_null(big);
	memset(big, 'a', NOTE_MAX_LEN);
	big[NOTE_MAX_LEN - 1] = '\n';
	assert_int_equal(note_sign(&s, big, NOTE_MAX_LEN, big, NOTE_MAX_LEN + 200), -1);
	free(big);
	note_signer_free(&s);
}

/* ---- PEM key files ---- */

static void
path_in_tmp(char *out, size_t cap, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", tmpdir, name);
	assert_true(n > 0 && (size_t)n < cap);
}

static void
test_pem_keygen_load_sign(void **state)
{
	(void)state;
	char path[256], out[1024];
	struct stat st;
	struct note_signer s;
	struct note n;

	path_in_tmp(path, sizeof(path), "log.key");
	assert_int_equal(note_keygen_pem(path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char head[64] = { 0 };
	assert_non_null(fgets(head, sizeof(head), f));
	fclose(f);
	assert_string_equal(head, "-----BEGIN PRIVATE KEY-----\n");

	/* never overwrites */
	assert_int_equal(note_keygen_pem(path, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "already exists"));
	char nodir[256];
	path_in_tmp(nodir, sizeof(nodir), "missing/dir.key");
	assert_int_equal(note_keygen_pem(nodir, err, sizeof(err)), -ENOENT);

	assert_int_equal(note_signer_from_pem(&s, "remacto.ma/rabat-prefecture", NOTE_ALG_ED25519,
	                                      path, err, sizeof(err)),
	                 0);
	assert_int_equal(s.v.key_id, note_key_id(s.v.name, NOTE_ALG_ED25519, s.v.pub));
	int len = note_sign(&s, C2SP_CHECKPOINT, strlen(C2SP_CHECKPOINT), out, sizeof(out));
	assert_true(len > 0);
	/* through the verifier key string, as a peer would get it */
	char vk[NOTE_VKEY_MAX + 1];
	assert_true(note_verifier_format(&s.v, vk, sizeof(vk)) > 0);
	struct note_verifier v = vkey(vk);
	assert_true(open_str(out, &v, 1, &n));
	assert_true(n.sigs[0].verified);

	/* the same key loaded again signs identically (Ed25519 is deterministic) */
	struct note_signer s2;
	char out2[1024];
	assert_int_equal(note_signer_from_pem(&s2, "remacto.ma/rabat-prefecture", NOTE_ALG_ED25519,
	                                      path, err, sizeof(err)),
	                 0);
	assert_int_equal(
	        note_sign(&s2, C2SP_CHECKPOINT, strlen(C2SP_CHECKPOINT), out2, sizeof(out2)), len);
	assert_string_equal(out, out2);
	note_signer_free(&s2);

	/* the same key as a cosigner: another key ID */
	assert_int_equal(note_signer_from_pem(&s2, "remacto.ma/rabat-prefecture",
	                                      NOTE_ALG_COSIGNATURE_V1, path, err, sizeof(err)),
	                 0);
	assert_memory_equal(s2.v.pub, s.v.pub, 32);
	assert_int_not_equal(s2.v.key_id, s.v.key_id);
	note_signer_free(&s2);
	note_signer_free(&s);
}

static void
write_pkey(const char *path, EVP_PKEY *pkey)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
}

static void
test_pem_refusals(void **state)
{
	(void)state;
	char path[256];
	struct note_signer s;

	/* group- or world-readable key files */
	path_in_tmp(path, sizeof(path), "open.key");
	assert_int_equal(note_keygen_pem(path, err, sizeof(err)), 0);
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0602, 0610 };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		assert_int_equal(chmod(path, modes[i]), 0);
		assert_int_equal(
		        note_signer_from_pem(&s, "n", NOTE_ALG_ED25519, path, err, sizeof(err)),
		        -EPERM);
		assert_non_null(strstr(err, "chmod 600"));
		assert_null(s.pkey);
	}
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(note_signer_from_pem(&s, "n", NOTE_ALG_ED25519, path, err, sizeof(err)),
	                 0);
	note_signer_free(&s);

	/* not Ed25519: EC P-256, X25519 (also 32 raw bytes), RSA */
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	path_in_tmp(path, sizeof(path), "ec.key");
	write_pkey(path, ec);
	EVP_PKEY_free(ec);
	assert_int_equal(note_signer_from_pem(&s, "n", NOTE_ALG_ED25519, path, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "not Ed25519"));
	assert_null(s.pkey);

	EVP_PKEY *x = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	assert_non_null(x);
	path_in_tmp(path, sizeof(path), "x25519.key");
	write_pkey(path, x);
	EVP_PKEY_free(x);
	assert_int_equal(note_signer_from_pem(&s, "n", NOTE_ALG_ED25519, path, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "not Ed25519"));

	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	assert_non_null(rsa);
	path_in_tmp(path, sizeof(path), "rsa.key");
	write_pkey(path, rsa);
	EVP_PKEY_free(rsa);
	assert_int_equal(note_signer_from_pem(&s, "n", NOTE_ALG_ED25519, path, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "not Ed25519"));

	/* not a key at all, missing, a directory */
	path_in_tmp(path, sizeof(path), "garbage.key");
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	assert_int_equal(note_signer_from_pem(&s, "n", NOTE_ALG_ED25519, path, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "no readable PEM private key"));
	path_in_tmp(path, sizeof(path), "absent.key");
	assert_int_equal(note_signer_from_pem(&s, "n", NOTE_ALG_ED25519, path, err, sizeof(err)),
	                 -ENOENT);
	assert_int_equal(chmod(tmpdir, 0700), 0);
	assert_int_equal(note_signer_from_pem(&s, "n", NOTE_ALG_ED25519, tmpdir, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));

	/* bad name or algorithm, before the file is touched */
	assert_int_equal(note_signer_from_pem(&s, "a b", NOTE_ALG_ED25519, path, err, sizeof(err)),
	                 -EINVAL);
	assert_int_equal(note_signer_from_pem(&s, "n", 0x05, path, err, sizeof(err)), -EINVAL);
}

/* ---- cosignatures ---- */

static void
test_cosignature(void **state)
{
	(void)state;
	struct note_signer log, wit;
	uint8_t seed[32];
	char body[256], note[2048], cline[512], vk[NOTE_VKEY_MAX + 1];
	struct note n;
	const uint64_t ts = 1679315147;

	seed_of(seed, 21);
	assert_int_equal(
	        note_signer_from_seed(&log, "example.com/behind-the-sofa", NOTE_ALG_ED25519, seed),
	        0);
	seed_of(seed, 42);
	assert_int_equal(note_signer_from_seed(&wit, "witness.example.com/w1",
	                                       NOTE_ALG_COSIGNATURE_V1, seed),
	                 0);
	/* the cosigner's verifier key string round-trips with type 0x04 */
	assert_true(note_verifier_format(&wit.v, vk, sizeof(vk)) > 0);
	struct note_verifier wv = vkey(vk);
	assert_int_equal(wv.alg, NOTE_ALG_COSIGNATURE_V1);
	assert_int_equal(wv.key_id, note_key_id("witness.example.com/w1", 0x04, wit.v.pub));
	assert_int_not_equal(wv.key_id, note_key_id("witness.example.com/w1", 0x01, wit.v.pub));

	strcpy(body, C2SP_CHECKPOINT);
	int nl = note_sign(&log, body, strlen(body), note, sizeof(note));
	assert_true(nl > 0);
	int cl = note_cosign_line(&wit, body, strlen(body), ts, cline, sizeof(cline));
	assert_true(cl > 0);
	assert_int_equal(cl, strlen(cline));
	/* "— " name " " base64(76 bytes) "\n" */
	assert_int_equal(cl, 4 + strlen("witness.example.com/w1") + 1 + 104 + 1);
	uint8_t raw[128];
	assert_int_equal(line_raw(cline, raw, sizeof(raw)), 76);
	assert_int_equal(
	        ((uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3]),
	        wit.v.key_id);
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t = t << 8 | raw[4 + i];
	assert_int_equal(t, ts);

	/* the Ed25519 part is over "cosignature/v1\ntime <ts>\n" ‖ body: check with OpenSSL */
	char msg[512];
	int ml = snprintf(msg, sizeof(msg), "cosignature/v1\ntime %llu\n%s", (unsigned long long)ts,
	                  body);
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, wit.v.pub, 32);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(mctx, NULL, NULL, NULL, pk), 1);
	assert_int_equal(EVP_DigestVerify(mctx, raw + 12, 64, (const uint8_t *)msg, (size_t)ml), 1);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pk);

	/* the served form: checkpoint, log signature, cosignature */
	strcat(note, cline);
	struct note_verifier both[2] = { log.v, wv };
	assert_true(open_str(note, both, 2, &n));
	assert_int_equal(n.nsigs, 2);
	assert_true(n.sigs[0].verified);
	assert_int_equal(n.sigs[0].timestamp, 0);
	assert_true(n.sigs[1].verified);
	assert_int_equal(n.sigs[1].timestamp, ts);
	assert_int_equal(n.sigs[1].sig_len, 72);
	/* the witness alone suffices to open it; the log key alone too */
	assert_true(open_str(note, &wv, 1, &n));
	assert_int_equal(n.sigs[1].timestamp, ts);
	assert_true(open_str(note, &log.v, 1, &n));
	assert_false(n.sigs[1].verified);
	assert_int_equal(n.sigs[1].timestamp, 0);

	/* tampered timestamp (the signature covers it) */
	char bad[2048], badline[512];
	int base = nl;
	raw[11] ^= 0x01;
	sig_line(badline, sizeof(badline), "witness.example.com/w1", raw, 76);
	raw[11] ^= 0x01;
	memcpy(bad, note, (size_t)base);
	strcpy(bad + base, badline);
	refused_str(bad, both, 2, "signature line 2: signature by witness.example.com/w1+");
	refused_str(bad, both, 2, "does not verify");
	/* timestamp above 2^63-1 */
	raw[4] |= 0x80;
	sig_line(badline, sizeof(badline), "witness.example.com/w1", raw, 76);
	raw[4] &= 0x7f;
	strcpy(bad + base, badline);
	refused_str(bad, both, 2, "timestamp above 2^63-1");
	/* an Ed25519-sized signature from a cosigner key */
	sig_line(badline, sizeof(badline), "witness.example.com/w1", raw, 68);
	strcpy(bad + base, badline);
	refused_str(bad, both, 2, "is not 72 bytes long");
	/* a cosignature over another body */
	int cl2 = note_cosign_line(&wit,
	                           "example.com/behind-the-sofa\n20852164\n"
	                           "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
	                           strlen(body), ts, badline, sizeof(badline));
	assert_true(cl2 > 0);
	strcpy(bad + base, badline);
	refused_str(bad, both, 2, "does not verify");
	/* a 0x04 signature checked as 0x01 would not verify: ID differs, so it stays unknown */
	struct note_verifier as_ed = wv;
	as_ed.alg = NOTE_ALG_ED25519;
	as_ed.key_id = note_key_id(wv.name, NOTE_ALG_ED25519, wv.pub);
	refused_str(note, &as_ed, 1, "no signature from a known key");

	/* timestamp 0 and 2^63-1 are valid */
	cl = note_cosign_line(&wit, body, strlen(body), 0, cline, sizeof(cline));
	assert_true(cl > 0);
	strcpy(bad + base, cline);
	assert_true(open_str(bad, &wv, 1, &n));
	assert_int_equal(n.sigs[1].timestamp, 0);
	cl = note_cosign_line(&wit, body, strlen(body), INT64_MAX, cline, sizeof(cline));
	assert_true(cl > 0);
	strcpy(bad + base, cline);
	assert_true(open_str(bad, &wv, 1, &n));
	assert_int_equal(n.sigs[1].timestamp, INT64_MAX);

	/* misuse */
	assert_int_equal(note_cosign_line(&wit, body, strlen(body), (uint64_t)INT64_MAX + 1, cline,
	                                  sizeof(cline)),
	                 -1);
	assert_int_equal(note_cosign_line(&log, body, strlen(body), ts, cline, sizeof(cline)), -1);
	assert_int_equal(note_sign(&wit, body, strlen(body), note, sizeof(note)), -1);
	assert_int_equal(note_cosign_line(&wit, "x", 1, ts, cline, sizeof(cline)), -1);
	assert_int_equal(note_cosign_line(&wit, body, strlen(body), ts, cline, 100), -1);

	note_signer_free(&log);
	note_signer_free(&wit);
}

/* ---- checkpoints ---- */

static void
test_checkpoint_roundtrip(void **state)
{
	(void)state;
	struct checkpoint c, d;
	char out[512];

	assert_true(
	        checkpoint_parse(C2SP_CHECKPOINT, strlen(C2SP_CHECKPOINT), &c, err, sizeof(err)));
	assert_string_equal(c.origin, "example.com/behind-the-sofa");
	assert_int_equal(c.size, 20852163);
	assert_int_equal(checkpoint_format(&c, out, sizeof(out)), strlen(C2SP_CHECKPOINT));
	assert_string_equal(out, C2SP_CHECKPOINT);

	static const uint64_t sizes[] = { 0, 1, 9, 10, 255, 256, 1234067, INT64_MAX };
	memset(&c, 0, sizeof(c));
	strcpy(c.origin, "remacto.ma/rabat-prefecture");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		c.size = sizes[i];
		for (int j = 0; j < 32; j++)
			c.root[j] = (uint8_t)(i * 31 + (size_t)j);
		int len = checkpoint_format(&c, out, sizeof(out));
		assert_true(len > 0);
		assert_true(checkpoint_parse(out, (size_t)len, &d, err, sizeof(err)));
		assert_memory_equal(&c, &d, sizeof(c));
	}

	/* origins need not be key names: spaces and '+' are allowed (tlog-checkpoint §1) */
	static const char odd[] = "log of rabat+sal\xc3\xa9\n0\n"
	                          "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n";
	assert_true(checkpoint_parse(odd, strlen(odd), &c, err, sizeof(err)));
	assert_string_equal(c.origin, "log of rabat+sal\xc3\xa9");
	assert_int_equal(c.size, 0);

	/* extension lines: allowed, ignored, up to CHECKPOINT_MAX_EXT */
	char ext[1024];
	int len = snprintf(ext, sizeof(ext), "%s", C2SP_CHECKPOINT);
	for (int i = 0; i < CHECKPOINT_MAX_EXT; i++)
		len += snprintf(ext + len, sizeof(ext) - (size_t)len, "ext %d\n", i);
	assert_true(checkpoint_parse(ext, (size_t)len, &c, err, sizeof(err)));
	assert_int_equal(c.size, 20852163);
	len += snprintf(ext + len, sizeof(ext) - (size_t)len, "one too many\n");
	assert_false(checkpoint_parse(ext, (size_t)len, &c, err, sizeof(err)));
	assert_non_null(strstr(err, "more than 8 extension lines"));

	/* format refuses what parse would refuse */
	c.size = (uint64_t)INT64_MAX + 1;
	assert_int_equal(checkpoint_format(&c, out, sizeof(out)), -1);
	c.size = 5;
	c.origin[0] = '\0';
	assert_int_equal(checkpoint_format(&c, out, sizeof(out)), -1);
	strcpy(c.origin, "a\nb");
	assert_int_equal(checkpoint_format(&c, out, sizeof(out)), -1);
	strcpy(c.origin, "a\rb");
	assert_int_equal(checkpoint_format(&c, out, sizeof(out)), -1);
	strcpy(c.origin, "ab");
	assert_int_equal(checkpoint_format(&c, out, 3 + 2 + 45), -1); /* no room for the NUL */
	assert_int_equal(checkpoint_format(&c, out, 3 + 2 + 45 + 1), 3 + 2 + 45);
}

static void
test_checkpoint_rejects(void **state)
{
	(void)state;
#define ROOT "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "o\n01\n" ROOT, "checkpoint line 2: size has a leading zero" },
		{ "o\n00\n" ROOT, "checkpoint line 2: size has a leading zero" },
		{ "o\n\n" ROOT, "checkpoint line 2: size is empty" },
		{ "o\n+5\n" ROOT, "checkpoint line 2: size is not a decimal number" },
		{ "o\n-1\n" ROOT, "checkpoint line 2: size is not a decimal number" },
		{ "o\n 5\n" ROOT, "checkpoint line 2: size is not a decimal number" },
		{ "o\n5 \n" ROOT, "checkpoint line 2: size is not a decimal number" },
		{ "o\n0x10\n" ROOT, "checkpoint line 2: size is not a decimal number" },
		{ "o\n1e3\n" ROOT, "checkpoint line 2: size is not a decimal number" },
		{ "o\n9223372036854775808\n" ROOT, "checkpoint line 2: size exceeds 2^63-1" },
		{ "o\n18446744073709551616\n" ROOT, "checkpoint line 2: size exceeds 2^63-1" },
		{ "\n5\n" ROOT, "checkpoint line 1: origin is empty" },
		{ "o\n5\n", "checkpoint has 2 lines" },
		{ "o\n", "checkpoint has 1 line," },
		{ "", "does not end in a newline" },
		{ "o\n5\n"
		  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=",
		  "does not end in a newline" },
		{ "o\n5\n"
		  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",
		  "checkpoint line 3: root hash is not valid base64" },
		{ "o\n5\n"
		  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
		  "checkpoint line 3: root hash is 43 characters, want 44" },
		{ "o\n5\n"
		  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I==\n",
		  "want 44" },
		{ "o\n5\n"
		  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I_\n",
		  "checkpoint line 3: root hash is not valid base64" },
		{ "o\n5\n"
		  "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq===\n",
		  "checkpoint line 3: root hash is not valid base64" },
		{ "o\n5\n"
		  "\n",
		  "checkpoint line 3: root hash is 0 characters" },
		{ "o\n5\n" ROOT "\n", "checkpoint line 4: extension line is empty" },
		{ "o\n5\n" ROOT "ext\n\n", "checkpoint line 5: extension line is empty" },
		{ "o\r\n5\n" ROOT, "checkpoint line 1: carriage return" },
		{ "o\n5\r\n" ROOT, "checkpoint line 2: carriage return" },
		{ "o\x01\n5\n" ROOT, "checkpoint line 1: control character 0x01" },
		{ "o\n5\n" ROOT "e\txt\n", "checkpoint line 4: control character 0x09" },
		{ "o\xff\n5\n" ROOT, "checkpoint line 1: invalid UTF-8" },
	};
	struct checkpoint c;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		bool ok = checkpoint_parse(bad[i].text, strlen(bad[i].text), &c, err, sizeof(err));
		if (ok || strstr(err, bad[i].why) == NULL)
			print_error("checkpoint %zu: ok=%d err=\"%s\", want \"%s\"\n", i, ok, err,
			            bad[i].why);
		assert_false(ok);
		assert_non_null(strstr(err, bad[i].why));
	}
	/* boundaries that are fine */
	static const char *const good[] = { "o\n0\n" ROOT, "o\n9223372036854775807\n" ROOT,
		                            "o\n10\n" ROOT };
	for (size_t i = 0; i < 3; i++)
		assert_true(checkpoint_parse(good[i], strlen(good[i]), &c, err, sizeof(err)));

	/* embedded NUL */
	static const char nul[] = "o\0\n5\n" ROOT;
	assert_false(checkpoint_parse(nul, sizeof(nul) - 1, &c, err, sizeof(err)));
	assert_non_null(strstr(err, "control character 0x00"));

	/* origin longer than the struct holds */
	char lng[NOTE_NAME_MAX + 64];
	memset(lng, 'o', NOTE_NAME_MAX + 1);
	strcpy(lng + NOTE_NAME_MAX + 1, "\n5\n" ROOT);
	assert_false(checkpoint_parse(lng, strlen(lng), &c, err, sizeof(err)));
	assert_non_null(strstr(err, "checkpoint line 1: origin is longer than 255 bytes"));
	memmove(lng + 1, lng + 2, strlen(lng + 2) + 1);
	assert_true(checkpoint_parse(lng, strlen(lng), &c, err, sizeof(err)));
	assert_int_equal(strlen(c.origin), NOTE_NAME_MAX);
#undef ROOT
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_rfc4648_vectors),
		cmocka_unit_test(test_b64_roundtrip),
		cmocka_unit_test(test_b64_encode_capacity),
		cmocka_unit_test(test_b64_rejects),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_peter_vkey_roundtrip),
		cmocka_unit_test(test_peter_signer_reproduces_line),
		cmocka_unit_test(test_verifier_parse_rejects),
		cmocka_unit_test(test_signer_string_rejects),
		cmocka_unit_test(test_c2sp_example_verifies),
		cmocka_unit_test(test_open_tampered),
		cmocka_unit_test(test_open_unknown_and_forged),
		cmocka_unit_test(test_open_text_with_blank_lines),
		cmocka_unit_test(test_pem_keygen_load_sign),
		cmocka_unit_test(test_pem_refusals),
		cmocka_unit_test(test_cosignature),
		cmocka_unit_test(test_checkpoint_roundtrip),
		cmocka_unit_test(test_checkpoint_rejects),
	};
	return cmocka_run_group_tests_name("note", tests, setup_tmpdir, teardown_tmpdir);
}
