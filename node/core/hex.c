/*
 * hex — base 16. See hex.h.
 */
#include "hex.h"

int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

bool
hex_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n)
{
	if (len % 2 != 0 || len / 2 > cap)
		return false;
	for (size_t i = 0; i < len / 2; i++) {
		int h = hex_digit((unsigned char)s[2 * i]),
		    l = hex_digit((unsigned char)s[2 * i + 1]);
		if (h < 0 || l < 0)
			return false;
		out[i] = (uint8_t)(h << 4 | l);
	}
	*n = len / 2;
	return true;
}
