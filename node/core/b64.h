/*
 * b64 — strict standard base64 (RFC 4648 §4, padded), as every format of the ledger uses it:
 * checkpoint roots, note signatures, verifier keys, JSON bytes, `--raw` entries.
 *
 * Encoding goes through OpenSSL's EVP_EncodeBlock. Decoding is strict on top of OpenSSL's
 * decoder: only the 64 characters of the standard alphabet, length a multiple of 4, at most two
 * '=' and only at the end, no whitespace, and zero bits in the padding slack (so each byte string
 * has exactly one accepted encoding).
 */
#ifndef REMACTO_B64_H
#define REMACTO_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters needed to encode n bytes, without the terminating NUL. */
#define B64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)
/* Upper bound of the bytes decoded from n characters. */
#define B64_DECODED_MAX(n) (((n) / 4) * 3)

/* Writes the encoding of in[0..len) and a NUL into out; returns the characters written (no NUL),
 * or -1 when outcap < B64_ENCODED_LEN(len) + 1. */
int b64_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/* Decodes exactly len characters of s into out. Returns false (out unspecified) on any character,
 * length or padding that strict base64 forbids, or when the result would exceed outcap. */
bool b64_decode(const char *s, size_t len, uint8_t *out, size_t outcap, size_t *outlen);

#endif
