/*
 * textnorm — the words of a text as search compares them, in French, Arabic and English: the
 * same function cuts the texts the search index keeps (store/search.h) and the query a citizen
 * types, so that both meet whatever way a word was written.
 *
 * Folding, per character (UTF-8 in, UTF-8 out):
 *   - Latin: lower case; accents and ligatures folded (é è ê ë → e, ç → c, œ → oe, æ → ae, …),
 *     combining marks (U+0300–U+036F, text in NFD) dropped;
 *   - Arabic: tashkeel and Quranic marks dropped (U+0610–U+061A, U+064B–U+065F, U+0670,
 *     U+06D6–U+06ED), tatweel dropped (U+0640); alef variants آ أ إ ٱ → ا; the hamza on
 *     its carriers ؤ ئ → ء (مسؤول and مسئول are one word); alef maqsura ى → ي; ta marbuta
 *     ة → ه; Persian yeh and keheh → ي ك; Arabic-Indic digits → 0-9. A word written
 *     without its final hamza (انشا for إنشاء) is a prefix of it: search matches prefixes.
 * Words are the runs of letters and digits between anything else (spaces, punctuation,
 * apostrophes: "l'accès" gives "acces"). Words of one character and a few very common ones
 * (de, la, les, et, في, من, …) are left out; an Arabic word loses its definite article (ال,
 * and وال بال كال فال لل) when at least three letters remain, so "الميزانية" and "ميزانية"
 * are one word. A word is cut to TEXTNORM_WORD_MAX bytes at a character boundary.
 *
 * Pure functions, no allocation; any thread.
 */
#ifndef REMACTO_TEXTNORM_H
#define REMACTO_TEXTNORM_H

#include <stdbool.h>
#include <stddef.h>

#define TEXTNORM_WORD_MAX 48 /* bytes of a folded word, without the NUL */

/* Calls fn(word, len, arg) for each word of text (len bytes, not NUL-terminated: word is
 * NUL-terminated). fn returns non-zero to stop; textnorm_words returns that, else 0. Invalid
 * UTF-8 bytes separate words. */
typedef int (*textnorm_fn)(const char *word, size_t len, void *arg);
int textnorm_words(const char *text, size_t len, textnorm_fn fn, void *arg);

/* The folded form of one word as it would be indexed (no stop-word test), into out (cap
 * bytes, at least TEXTNORM_WORD_MAX + 1); false when nothing of it remains. For tests. */
bool textnorm_fold_word(const char *word, char *out, size_t cap);

#endif
