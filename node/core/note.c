/*
 * note — signed notes (C2SP signed-note v1.0.0), their Ed25519 keys, witness cosignatures
 * (C2SP tlog-cosignature v1.0.1) and checkpoint bodies (C2SP tlog-checkpoint v1.0.0).
 *
 * Every byte a peer sends us that claims to be a log's state goes through note_open and
 * checkpoint_parse, so both are strict and bounded: the whole input is capped before it is
 * looked at, every rule of the specs (and of Go's golang.org/x/mod/sumdb/note, the reference
 * implementation) is checked, and the error names the line and the rule that failed.
 *
 * Keys live in OpenSSL EVP_PKEYs. Private key material that passes through our own buffers
 * (seeds, PEM text) is wiped with OPENSSL_cleanse before the buffer is released.
 */
#include "note.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "b64.h"
#include "be.h"
#include "err.h"
#include "hex.h"
#include "utf8.h"

#define EM_DASH_SP "\xe2\x80\x94 " /* U+2014 and a space: the start of every signature line */
#define EM_DASH_SP_LEN 4
#define ED25519_SIG_LEN 64
#define COSIG_LEN (8 + ED25519_SIG_LEN) /* timestamp ‖ signature, after the key ID */
#define KEYFILE_MAX 16384               /* a PEM Ed25519 key is ~120 bytes */
#define SKEY_PREFIX "PRIVATE+KEY+"
#define SKEY_PREFIX_LEN 12
#define COSIG_HEADER_MAX 64 /* "cosignature/v1\ntime " + 20 digits + "\n" */

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
static const char *
name_problem(const char *s, size_t n)
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
	return name_problem(name, n) == NULL;
}

/* Checks the character rules shared by notes and checkpoint bodies: valid UTF-8, no ASCII
 * control character but '\n'. what names the input in the error ("note", "checkpoint"). */
static bool
check_chars(const char *what, const char *s, size_t len, char *err, size_t errcap)
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
	       check_chars("text", text, len, NULL, 0);
}

/* ---- keys ---- */

uint32_t
note_key_id(const char *name, uint8_t alg, const uint8_t pub[32])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	uint32_t id = 0;
	if (name == NULL || pub == NULL)
		return 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return 0;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, name, strlen(name)) == 1 && EVP_DigestUpdate(ctx, "\n", 1) == 1 &&
	    EVP_DigestUpdate(ctx, &alg, 1) == 1 && EVP_DigestUpdate(ctx, pub, 32) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 4)
		id = get_be32(md);
	EVP_MD_CTX_free(ctx);
	return id;
}

static bool
alg_supported(uint8_t alg)
{
	return alg == NOTE_ALG_ED25519 || alg == NOTE_ALG_COSIGNATURE_V1;
}

/* Parses "<name>+<hex8>+<base64(type ‖ key)>" (what says which kind of key string, for errors)
 * into name, id and the decoded key bytes. key must hold B64_DECODED_MAX(NOTE_VKEY_MAX). */
static bool
parse_key_string(const char *what, const char *s, char name[NOTE_NAME_MAX + 1], uint32_t *id,
                 uint8_t *key, size_t keycap, size_t *keylen, char *err, size_t errcap)
{
	size_t len = strnlen(s, NOTE_VKEY_MAX + 1);
	if (len > NOTE_VKEY_MAX) {
		err_set(err, errcap, "%s is longer than %d bytes", what, NOTE_VKEY_MAX);
		return false;
	}
	const char *p1 = memchr(s, '+', len);
	if (p1 == NULL) {
		err_set(err, errcap, "%s: no '+' after the key name (want name+keyid+key)", what);
		return false;
	}
	size_t nlen = (size_t)(p1 - s);
	const char *why = name_problem(s, nlen);
	if (why != NULL) {
		err_set(err, errcap, "%s: key name %s", what, why);
		return false;
	}
	const char *hex = p1 + 1;
	const char *p2 = memchr(hex, '+', len - nlen - 1);
	if (p2 == NULL) {
		err_set(err, errcap, "%s: no '+' after the key ID (want name+keyid+key)", what);
		return false;
	}
	if (p2 - hex != 8) {
		err_set(err, errcap, "%s: key ID must be 8 hex digits", what);
		return false;
	}
	uint8_t idb[4];
	size_t idn;
	if (!hex_decode(hex, 8, idb, sizeof(idb), &idn)) {
		err_set(err, errcap, "%s: key ID must be 8 hex digits", what);
		return false;
	}
	uint32_t v = get_be32(idb);
	const char *k64 = p2 + 1;
	size_t klen = len - (size_t)(k64 - s);
	if (!b64_decode(k64, klen, key, keycap, keylen)) {
		err_set(err, errcap, "%s: key is not valid base64", what);
		return false;
	}
	if (*keylen == 0) {
		err_set(err, errcap, "%s: key is empty", what);
		return false;
	}
	if (!alg_supported(key[0])) {
		err_set(err, errcap, "%s: unsupported signature type 0x%02x (want 0x01 or 0x04)",
		        what, key[0]);
		return false;
	}
	if (*keylen != 33) {
		err_set(err, errcap, "%s: Ed25519 key is %zu bytes, want 32", what, *keylen - 1);
		return false;
	}
	memcpy(name, s, nlen);
	name[nlen] = '\0';
	*id = v;
	return true;
}

bool
note_verifier_parse(const char *vkey, struct note_verifier *out, char *err, size_t errcap)
{
	uint8_t key[B64_DECODED_MAX(NOTE_VKEY_MAX)];
	size_t keylen;
	struct note_verifier v;

	if (vkey == NULL || out == NULL) {
		err_set(err, errcap, "verifier key: missing");
		return false;
	}
	memset(&v, 0, sizeof(v));
	if (!parse_key_string("verifier key", vkey, v.name, &v.key_id, key, sizeof(key), &keylen,
	                      err, errcap))
		return false;
	v.alg = key[0];
	memcpy(v.pub, key + 1, 32);
	uint32_t want = note_key_id(v.name, v.alg, v.pub);
	if (want != v.key_id) {
		err_set(err, errcap,
		        "verifier key: key ID %08" PRIx32 " does not match the name and "
		        "key (they give %08" PRIx32 ")",
		        v.key_id, want);
		return false;
	}
	*out = v;
	return true;
}

int
note_verifier_format(const struct note_verifier *v, char *out, size_t cap)
{
	if (v == NULL || out == NULL || !note_name_valid(v->name) || !alg_supported(v->alg))
		return -1;
	int n = snprintf(out, cap, "%s+%08" PRIx32 "+", v->name, v->key_id);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	uint8_t key[33];
	key[0] = v->alg;
	memcpy(key + 1, v->pub, 32);
	int k = b64_encode(key, sizeof(key), out + n, cap - (size_t)n);
	if (k < 0)
		return -1;
	return n + k;
}

/* Completes s from an Ed25519 private key; takes ownership of pkey on success. */
static int
signer_init(struct note_signer *s, const char *name, uint8_t alg, EVP_PKEY *pkey)
{
	size_t publen = 32;
	memset(s, 0, sizeof(*s));
	if (EVP_PKEY_get_raw_public_key(pkey, s->v.pub, &publen) != 1 || publen != 32) {
		ERR_clear_error();
		return -EIO;
	}
	memcpy(s->v.name, name, strlen(name) + 1);
	s->v.alg = alg;
	s->v.key_id = note_key_id(name, alg, s->v.pub);
	s->pkey = pkey;
	return 0;
}

int
note_signer_from_seed(struct note_signer *s, const char *name, uint8_t alg, const uint8_t seed[32])
{
	if (s == NULL)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	if (seed == NULL || !note_name_valid(name) || !alg_supported(alg))
		return -EINVAL;
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (pkey == NULL) {
		ERR_clear_error();
		return -ENOMEM;
	}
	int rc = signer_init(s, name, alg, pkey);
	if (rc < 0)
		EVP_PKEY_free(pkey);
	return rc;
}

/* PEM passphrase callback: encrypted keys are refused rather than prompted for on a tty. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int
note_signer_from_pem(struct note_signer *s, const char *name, uint8_t alg, const char *path,
                     char *err, size_t errcap)
{
	char buf[KEYFILE_MAX];
	size_t len = 0;
	int fd = -1, rc;
	BIO *bio = NULL;
	EVP_PKEY *pkey = NULL;
	struct stat st;

	if (s == NULL || path == NULL) {
		err_set(err, errcap, "key file: missing argument");
		return -EINVAL;
	}
	memset(s, 0, sizeof(*s));
	if (!note_name_valid(name)) {
		err_set(err, errcap, "key name is not a valid note key name");
		return -EINVAL;
	}
	if (!alg_supported(alg)) {
		err_set(err, errcap, "unsupported signature type 0x%02x", alg);
		return -EINVAL;
	}

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		err_set(err, errcap, "cannot open key file %s: %s", path, strerror(errno));
		goto fail;
	}
	/* fstat on the opened descriptor: the mode checked is the mode of the file read. */
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		err_set(err, errcap, "cannot stat key file %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		err_set(err, errcap, "key file %s is not a regular file", path);
		goto fail;
	}
	if ((st.st_mode & 077) != 0) {
		rc = -EPERM;
		err_set(err, errcap,
		        "key file %s has mode %04o, open to group or others; "
		        "run chmod 600 on it",
		        path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	if (st.st_size >= KEYFILE_MAX) {
		rc = -EFBIG;
		err_set(err, errcap, "key file %s is %jd bytes, too large for a PEM Ed25519 key",
		        path, (intmax_t)st.st_size);
		goto fail;
	}
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			err_set(err, errcap, "cannot read key file %s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf)) {
			rc = -EFBIG;
			err_set(err, errcap, "key file %s grew too large while being read", path);
			goto fail;
		}
	}

	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio == NULL) {
		rc = -ENOMEM;
		err_set(err, errcap, "out of memory reading key file %s", path);
		goto fail;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (pkey == NULL) {
		rc = -EINVAL;
		err_set(err, errcap,
		        "key file %s holds no readable PEM private key "
		        "(encrypted keys are not supported)",
		        path);
		goto fail;
	}
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_ED25519) {
		rc = -EINVAL;
		const char *type = EVP_PKEY_get0_type_name(pkey);
		err_set(err, errcap, "key file %s holds a %s key, not Ed25519", path,
		        type != NULL ? type : "non-Ed25519");
		goto fail;
	}
	rc = signer_init(s, name, alg, pkey);
	if (rc < 0) {
		err_set(err, errcap, "cannot derive the public key from %s", path);
		goto fail;
	}
	pkey = NULL; /* owned by s now */

fail:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	if (fd >= 0)
		close(fd);
	OPENSSL_cleanse(buf, sizeof(buf));
	ERR_clear_error();
	return rc;
}

int
note_signer_from_string(struct note_signer *s, const char *skey, char *err, size_t errcap)
{
	uint8_t key[B64_DECODED_MAX(NOTE_VKEY_MAX)];
	size_t keylen = 0;
	char name[NOTE_NAME_MAX + 1];
	uint32_t id;
	int rc;

	if (s == NULL || skey == NULL) {
		err_set(err, errcap, "signer key: missing");
		return -EINVAL;
	}
	memset(s, 0, sizeof(*s));
	if (strncmp(skey, SKEY_PREFIX, SKEY_PREFIX_LEN) != 0) {
		err_set(err, errcap, "signer key: does not start with " SKEY_PREFIX);
		return -EINVAL;
	}
	if (!parse_key_string("signer key", skey + SKEY_PREFIX_LEN, name, &id, key, sizeof(key),
	                      &keylen, err, errcap)) {
		rc = -EINVAL;
		goto out;
	}
	rc = note_signer_from_seed(s, name, key[0], key + 1);
	if (rc < 0) {
		err_set(err, errcap, "signer key: cannot load the Ed25519 seed");
		goto out;
	}
	/* The ID covers the public key, which only exists once derived from the seed. */
	if (s->v.key_id != id) {
		err_set(err, errcap,
		        "signer key: key ID %08" PRIx32 " does not match the name and key "
		        "(they give %08" PRIx32 ")",
		        id, s->v.key_id);
		note_signer_free(s);
		rc = -EINVAL;
	}
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

void
note_signer_free(struct note_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->pkey);
	memset(s, 0, sizeof(*s));
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
note_keygen_pem(const char *path, char *err, size_t errcap)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	char *pem = NULL;
	long pemlen = 0;
	int fd = -1, rc;
	bool created = false;

	if (path == NULL) {
		err_set(err, errcap, "key file: no path");
		return -EINVAL;
	}
	ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
		rc = -EIO;
		err_set(err, errcap, "cannot generate an Ed25519 key (OpenSSL failed)");
		goto fail;
	}
	/* secmem: the PEM text is cleared when the BIO is freed, as well as by us below. */
	bio = BIO_new(BIO_s_secmem());
	if (bio == NULL ||
	    PEM_write_bio_PKCS8PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (pemlen = BIO_get_mem_data(bio, &pem)) <= 0) {
		rc = -EIO;
		err_set(err, errcap, "cannot encode the key as PKCS#8 PEM (OpenSSL failed)");
		goto fail;
	}

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0) {
		rc = -errno;
		if (errno == EEXIST)
			err_set(err, errcap, "key file %s already exists; not overwriting it",
			        path);
		else
			err_set(err, errcap, "cannot create key file %s: %s", path,
			        strerror(errno));
		goto fail;
	}
	created = true;
	/* The umask may have cleared bits of 0600; set exactly owner read-write. */
	rc = fchmod(fd, 0600) < 0 ? -errno : 0;
	if (rc == 0)
		rc = write_all(fd, pem, (size_t)pemlen);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (rc < 0) {
		err_set(err, errcap, "cannot write key file %s: %s", path, strerror(-rc));
		goto fail;
	}
	int fdc = fd;
	fd = -1;
	if (close(fdc) < 0) {
		rc = -errno;
		err_set(err, errcap, "cannot write key file %s: %s", path, strerror(errno));
		goto fail;
	}
	rc = 0;

fail:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && created)
		unlink(path);
	if (pem != NULL && pemlen > 0)
		OPENSSL_cleanse(pem, (size_t)pemlen);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return rc;
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
	if (!check_chars("note", msg, len, err, errcap))
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
		const char *why = name_problem(name, nlen);
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
		err_set(err, errcap,
		        "note has no signature from a known key (%zu signature line%s)", out->nsigs,
		        out->nsigs == 1 ? "" : "s");
		return false;
	}
	return true;
}

/* ---- tlog-checkpoint ---- */

int
checkpoint_format(const struct checkpoint *c, char *out, size_t cap)
{
	if (c == NULL || out == NULL || c->size > INT64_MAX)
		return -1;
	size_t olen = strnlen(c->origin, sizeof(c->origin));
	/* what checkpoint_parse would refuse: empty, unterminated, multi-line or control chars */
	if (olen == 0 || olen == sizeof(c->origin) || memchr(c->origin, '\n', olen) != NULL ||
	    !check_chars("origin", c->origin, olen, NULL, 0))
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
	if (!check_chars("checkpoint", text, len, err, errcap))
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
