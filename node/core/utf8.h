/*
 * utf8 — decoding and validation of UTF-8 as RFC 3629 defines it: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF. The same rules as Go's unicode/utf8 and
 * jansson's, so that what a note, an entry or a JSON string accepts is the same everywhere.
 * Pure functions.
 */
#ifndef REMACTO_UTF8_H
#define REMACTO_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the sequence at s[0..len), len > 0: its length (1 to 4) with the code point in *cp,
 * or 0 when it is not well-formed UTF-8 (as Go's utf8.DecodeRune returning RuneError, 1). */
size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);

/* Writes the shortest encoding of the code point cp (a Unicode scalar value: at most U+10FFFF,
 * not a surrogate) into out; returns its length, 1 to 4. */
size_t utf8_encode(uint32_t cp, uint8_t out[static 4]);

/* Whether s[0..len) is well-formed UTF-8 throughout (NUL bytes included, as code point 0). */
bool utf8_valid(const char *s, size_t len);

/* The length of s[0..len) cut to at most max bytes without splitting a sequence, so that a
 * shortened message stays valid UTF-8. */
size_t utf8_cut(const char *s, size_t len, size_t max);

#endif
