/*
 * note_key — the keys of signed notes: verifier key strings (name+id+key), signer keys from a
 * seed, a PEM file (PKCS#8) or a private key string, key IDs, and key files written 0600.
 * Part of the note module (note.h is the contract, note_impl.h what its files share).
 *
 * Private key material that passes through our own buffers (seeds, PEM text) is wiped with
 * OPENSSL_cleanse before the buffer is released.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "b64.h"
#include "be.h"
#include "err.h"
#include "hex.h"
#include "note.h"
#include "note_impl.h"

#define KEYFILE_MAX 16384 /* a PEM Ed25519 key is ~120 bytes */
#define SKEY_PREFIX "PRIVATE+KEY+"
#define SKEY_PREFIX_LEN 12

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
	const char *why = note_name_problem(s, nlen);
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
