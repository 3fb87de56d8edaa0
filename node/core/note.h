/*
 * note — C2SP signed-note v1.0.0 with Ed25519 (type 0x01) and C2SP tlog-cosignature v1.0.1
 * (timestamped Ed25519, type 0x04) signatures, through OpenSSL.
 *
 * A note is UTF-8 text ending in '\n', a blank line, then signature lines
 * "— <name> <base64(key id ‖ signature)>\n". Parsing is strict: valid UTF-8, no control
 * characters but '\n', no '\r', the split at the last blank line ("\n\n"), every signature line
 * well formed, at most NOTE_MAX_SIGS of them. Signatures from keys the caller did not pass are
 * ignored; a note opens when at least one known key verifies.
 *
 * Key ID = the first 4 bytes (big-endian uint32) of SHA-256(name ‖ "\n" ‖ type ‖ public key).
 * Verifier key strings: "<name>+<hex8 key id>+<base64(type ‖ public key)>".
 */
#ifndef REMACTO_NOTE_H
#define REMACTO_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTE_MAX_LEN 16384 /* a whole note, text and signatures */
#define NOTE_MAX_SIGS 64
#define NOTE_NAME_MAX 255 /* key names: non-empty, no whitespace, no '+' */
#define NOTE_VKEY_MAX 512 /* a verifier key string */

#define NOTE_ALG_ED25519 0x01
#define NOTE_ALG_COSIGNATURE_V1 0x04

/* A public key that may verify notes. Plain value. */
struct note_verifier {
	char name[NOTE_NAME_MAX + 1];
	uint32_t key_id;
	uint8_t alg; /* NOTE_ALG_ED25519 or NOTE_ALG_COSIGNATURE_V1 */
	uint8_t pub[32];
};

/* A private key able to sign. Owns an OpenSSL key: release with note_signer_free. */
struct note_signer {
	struct note_verifier v;
	void *pkey; /* EVP_PKEY * */
};

/* One signature line of an opened note. */
struct note_sig {
	char name[NOTE_NAME_MAX + 1];
	uint32_t key_id;
	uint8_t sig[76]; /* after the key ID: 64 bytes (Ed25519) or 72 (cosignature) */
	size_t sig_len;
	bool verified;      /* true when a passed verifier checked it */
	uint64_t timestamp; /* cosignatures only: the witness's UNIX time */
};

/* A parsed note. text points into the caller's buffer (not copied) and ends with its '\n'. */
struct note {
	const char *text;
	size_t text_len;
	struct note_sig sigs[NOTE_MAX_SIGS];
	size_t nsigs;
};

uint32_t note_key_id(const char *name, uint8_t alg, const uint8_t pub[32]);
bool note_name_valid(const char *name);

/* Verifier key strings, both directions. parse: false with a reason in err. */
bool note_verifier_parse(const char *vkey, struct note_verifier *out, char *err, size_t errcap);
int note_verifier_format(const struct note_verifier *v, char *out, size_t cap);

/* Signers. from_seed takes a raw 32-byte Ed25519 seed (Go's PRIVATE+KEY form carries one);
 * from_pem reads a PKCS#8 PEM private key file, as `openssl genpkey -algorithm ed25519` writes,
 * and refuses one readable by group or others. alg is NOTE_ALG_ED25519 for a log key. */
int note_signer_from_seed(struct note_signer *s, const char *name, uint8_t alg,
                          const uint8_t seed[32]);
int note_signer_from_pem(struct note_signer *s, const char *name, uint8_t alg, const char *path,
                         char *err, size_t errcap);
/* Parses Go's "PRIVATE+KEY+<name>+<hex8>+<base64(alg ‖ seed)>" signer key strings. */
int note_signer_from_string(struct note_signer *s, const char *skey, char *err, size_t errcap);
void note_signer_free(struct note_signer *s);
/* Creates a new Ed25519 key and writes it as PKCS#8 PEM to path with mode 0600 (O_EXCL: never
 * overwrites). 0 or -errno; err says what failed. */
int note_keygen_pem(const char *path, char *err, size_t errcap);

/* Signs text (which must end in '\n' and be valid note text) and writes the whole note:
 * text, blank line, one signature line. Ed25519 signers only. Returns the length or -1. */
int note_sign(const struct note_signer *s, const char *text, size_t len, char *out, size_t cap);

/* Cosignature of a checkpoint body (C2SP tlog-cosignature v1.0.1): writes the signature line
 * "— <name> <base64(key id ‖ uint64 BE timestamp ‖ Ed25519 sig)>\n" over
 * "cosignature/v1\ntime <timestamp>\n" ‖ body. Signer alg must be NOTE_ALG_COSIGNATURE_V1.
 * Returns the line length or -1. */
int note_cosign_line(const struct note_signer *s, const char *body, size_t len, uint64_t timestamp,
                     char *out, size_t cap);

/* Parses msg[0..len) strictly and checks every signature whose (name, key id) matches one of
 * vs[0..nv). Returns true when the note is well formed and at least one matching signature
 * verifies; a matching signature that fails makes the note invalid (a forged line is an error,
 * not "unknown"). out receives the text and the signature lines either way. */
bool note_open(const char *msg, size_t len, const struct note_verifier *vs, size_t nv,
               struct note *out, char *err, size_t errcap);
/* How note_open's err begins when the note is well formed but no key it was given signed it:
 * callers that answer "unknown signer" and "malformed" differently (a witness: 403, 400) tell
 * them apart by it. */
#define NOTE_ERR_NO_KNOWN_KEY "note has no signature from a known key"

/* ---- tlog-checkpoint v1.0.0 ---- */

#define CHECKPOINT_MAX_EXT 8

struct checkpoint {
	char origin[NOTE_NAME_MAX + 1];
	uint64_t size;
	uint8_t root[32];
};

/* Writes "<origin>\n<size>\n<base64 root>\n"; returns the length or -1. */
int checkpoint_format(const struct checkpoint *c, char *out, size_t cap);
/* Parses a checkpoint body (a note's text): origin non-empty, size decimal without leading zeros
 * and < 2^63, root 32 bytes in strict base64; extension lines are allowed and ignored. */
bool checkpoint_parse(const char *text, size_t len, struct checkpoint *out, char *err,
                      size_t errcap);

#endif
