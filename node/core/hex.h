/*
 * hex — base 16 for bytes shown to people and put in URLs: admin tokens, cursors, key IDs,
 * %-escapes. Encodes lower case, decodes either case. Pure functions.
 */
#ifndef REMACTO_HEX_H
#define REMACTO_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit, or -1 when c is not one. */
int hex_digit(int c);

/* Writes 2 * n lower-case digits and a NUL: out holds at least 2 * n + 1 bytes. */
void hex_encode(const uint8_t *in, size_t n, char *out);

/* Decodes s[0..len): an even number of hex digits, at most 2 * cap of them. False (out
 * unspecified) otherwise; *n gets the number of bytes. */
bool hex_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n);

#endif
