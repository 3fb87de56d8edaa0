/*
 * b64 — strict padded standard base64 (RFC 4648 §4).
 *
 * OpenSSL does the arithmetic; this file does the policing. EVP_DecodeBlock skips surrounding
 * whitespace, decodes '=' as zero bits and ignores non-zero padding slack, so on its own it
 * accepts many spellings of one byte string. Everything it would tolerate is rejected here
 * before it is called, which leaves exactly one accepted encoding per byte string: signatures
 * and roots then compare equal as text iff they are equal as bytes.
 */
#include "b64.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

/* 0..63 for the standard alphabet, -1 for anything else (including '=' and NUL). */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
b64_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	/* EVP_EncodeBlock takes an int and the output length must fit one too. */
	if (len > (size_t)INT_MAX / 4 * 3 - 3)
		return -1;
	if (out == NULL || outcap < B64_ENCODED_LEN(len) + 1)
		return -1;
	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	if (n < 0 || (size_t)n != B64_ENCODED_LEN(len))
		return -1;
	return n;
}

bool
b64_decode(const char *s, size_t len, uint8_t *out, size_t outcap, size_t *outlen)
{
	if (outlen != NULL)
		*outlen = 0;
	if (len == 0)
		return true;
	if (s == NULL || len % 4 != 0 || len > (size_t)INT_MAX)
		return false;

	/* Padding: zero, one or two '=' closing the last quantum, nowhere else. */
	size_t pad = 0;
	if (s[len - 1] == '=') {
		pad = 1;
		if (s[len - 2] == '=')
			pad = 2;
	}
	for (size_t i = 0; i < len - pad; i++)
		if (b64_value((unsigned char)s[i]) < 0)
			return false;
	/* The last data character carries slack bits that must be zero: 2 bits with one '=',
	 * 4 bits with two. */
	if (pad == 1 && (b64_value((unsigned char)s[len - 2]) & 0x03) != 0)
		return false;
	if (pad == 2 && (b64_value((unsigned char)s[len - 3]) & 0x0f) != 0)
		return false;

	size_t n = len / 4 * 3 - pad;
	if (n > outcap || out == NULL)
		return false;

	/* EVP_DecodeBlock writes three bytes per quantum, padding included: decode the full
	 * quanta in place and the last one through a scratch buffer so out never overflows. */
	size_t head = len - 4;
	if (head > 0) {
		int got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)head);
		if (got < 0 || (size_t)got != head / 4 * 3)
			return false;
	}
	unsigned char last[3];
	int got = EVP_DecodeBlock(last, (const unsigned char *)s + head, 4);
	if (got != 3)
		return false;
	memcpy(out + head / 4 * 3, last, 3 - pad);
	/* Base64 often carries signatures, occasionally seeds: leave no copy behind. */
	OPENSSL_cleanse(last, sizeof(last));

	if (outlen != NULL)
		*outlen = n;
	return true;
}
