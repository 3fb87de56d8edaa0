/*
 * textnorm — words folded for search in French, Arabic and English. See textnorm.h.
 *
 * Characters are folded one by one into code points (a Latin ligature into two), a word is cut
 * at anything that is neither letter nor digit, and the Arabic article comes off the folded
 * word; then it is written back as UTF-8.
 */
#include "textnorm.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

#define WORD_CPS 64 /* code points of one word kept for folding (longer ones are cut) */

enum { SEP = -1, DROP = -2 };

/* Latin-1 letters U+00C0..U+00FF, folded ("" = separator): index cp - 0xC0. */
static const char *const latin1[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
	"d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
	"d", "n", "o", "o", "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",
};

/* Latin Extended-A U+0100..U+017F by ranges: [first, last] → folded. */
static const struct {
	uint16_t first, last;
	const char *to;
} latin_a[] = {
	{ 0x100, 0x105, "a" }, { 0x106, 0x10D, "c" },  { 0x10E, 0x111, "d" },
	{ 0x112, 0x11B, "e" }, { 0x11C, 0x123, "g" },  { 0x124, 0x127, "h" },
	{ 0x128, 0x131, "i" }, { 0x132, 0x133, "ij" }, { 0x134, 0x135, "j" },
	{ 0x136, 0x138, "k" }, { 0x139, 0x142, "l" },  { 0x143, 0x14B, "n" },
	{ 0x14C, 0x151, "o" }, { 0x152, 0x153, "oe" }, { 0x154, 0x159, "r" },
	{ 0x15A, 0x161, "s" }, { 0x162, 0x167, "t" },  { 0x168, 0x173, "u" },
	{ 0x174, 0x175, "w" }, { 0x176, 0x178, "y" },  { 0x179, 0x17E, "z" },
	{ 0x17F, 0x17F, "s" },
};

/* Folds one code point into out (at most 2): how many, SEP or DROP. */
static int
fold(uint32_t cp, uint32_t out[2])
{
	const char *s = NULL;
	if (cp < 0x80) {
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			out[0] = cp;
			return 1;
		}
		return SEP;
	}
	if (cp < 0xC0)
		return SEP; /* Latin-1 punctuation, NBSP, « » */
	if (cp < 0x100)
		s = latin1[cp - 0xC0];
	else if (cp < 0x180)
		for (size_t i = 0; i < sizeof(latin_a) / sizeof(latin_a[0]); i++)
			if (cp >= latin_a[i].first && cp <= latin_a[i].last)
				s = latin_a[i].to;
	if (s) {
		size_t n = strlen(s);
		if (n == 0)
			return SEP;
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)s[i];
		return (int)n;
	}
	if (cp >= 0x300 && cp <= 0x36F)
		return DROP; /* combining marks: accents in NFD */
	if (cp >= 0x600 && cp <= 0x6FF) {
		if ((cp >= 0x610 && cp <= 0x61A) || (cp >= 0x64B && cp <= 0x65F) || cp == 0x670 ||
		    (cp >= 0x6D6 && cp <= 0x6ED) || cp == 0x640)
			return DROP; /* tashkeel, Quranic marks, tatweel */
		if (cp >= 0x660 && cp <= 0x669) {
			out[0] = '0' + (cp - 0x660);
			return 1;
		}
		if (cp >= 0x6F0 && cp <= 0x6F9) {
			out[0] = '0' + (cp - 0x6F0);
			return 1;
		}
		switch (cp) {
		case 0x622: /* آ */
		case 0x623: /* أ */
		case 0x625: /* إ */
		case 0x671: /* ٱ */
			out[0] = 0x627;
			return 1;
		case 0x624:             /* ؤ */
		case 0x626:             /* ئ */
			out[0] = 0x621; /* ء: مسؤول and مسئول are one word */
			return 1;
		case 0x649: /* ى */
		case 0x6CC: /* ی */
			out[0] = 0x64A;
			return 1;
		case 0x629: /* ة */
			out[0] = 0x647;
			return 1;
		case 0x6A9: /* ک */
			out[0] = 0x643;
			return 1;
		default:
			break;
		}
		if ((cp >= 0x620 && cp <= 0x64A) || (cp >= 0x66E && cp <= 0x6D3) || cp == 0x6D5 ||
		    cp >= 0x6EE) {
			out[0] = cp;
			return 1;
		}
		return SEP; /* ، ؛ ؟ ٪ ٫ ٬ ۔ … */
	}
	if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
	    (cp >= 0xFE10 && cp <= 0xFE1F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
	    (cp >= 0xFF00 && cp <= 0xFF0F) || cp == 0xFEFF)
		return SEP; /* punctuation, symbols, spaces, BOM */
	out[0] = cp;
	return 1;
}

static size_t
encode(uint32_t cp, char *p)
{
	if (cp < 0x80) {
		p[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (char)(0xC0 | cp >> 6);
		p[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (char)(0xE0 | cp >> 12);
		p[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		p[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | cp >> 18);
	p[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	p[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	p[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The Arabic article off a folded word: ال, and وال بال كال فال لل, leaving 3 letters or more. */
static size_t
strip_article(const uint32_t *w, size_t n)
{
	if (n >= 6 && (w[0] == 0x648 || w[0] == 0x628 || w[0] == 0x643 || w[0] == 0x641) &&
	    w[1] == 0x627 && w[2] == 0x644)
		return 3;
	if (n >= 5 && w[0] == 0x627 && w[1] == 0x644)
		return 2;
	if (n >= 5 && w[0] == 0x644 && w[1] == 0x644)
		return 2;
	return 0;
}

/* Writes the folded word w[from..n) into out; its length (0 when empty). */
static size_t
write_word(const uint32_t *w, size_t from, size_t n, char *out)
{
	size_t len = 0;
	for (size_t i = from; i < n; i++) {
		char buf[4];
		size_t k = encode(w[i], buf);
		if (len + k > TEXTNORM_WORD_MAX)
			break;
		memcpy(out + len, buf, k);
		len += k;
	}
	out[len] = '\0';
	return len;
}

/* Words too common to say anything, in their folded forms. */
static const char *const stop[] = {
	"de",  "du",   "des", "la",  "le",   "les", "et",  "en",   "au",  "aux",  "un",
	"une", "pour", "par", "sur", "dans", "est", "que", "qui",  "ou",  "avec", "the",
	"and", "of",   "to",  "in",  "for",  "on",  "by",  "with", "an",  "a",    "في",
	"من",  "علي",  "الي", "عن",  "مع",   "او",  "ان",  "هذا",  "هذه", "التي", "الذي",
};

static bool
is_stop(const char *w)
{
	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		if (!strcmp(w, stop[i]))
			return true;
	return false;
}

/* A folded word, written to out, or 0 when it is too short; stop words are the caller's. */
static size_t
finish(const uint32_t *w, size_t n, char *out)
{
	if (n < 2)
		return 0;
	return write_word(w, strip_article(w, n), n, out);
}

int
textnorm_words(const char *text, size_t len, textnorm_fn fn, void *arg)
{
	const uint8_t *p = (const uint8_t *)text;
	uint32_t w[WORD_CPS + 1];
	char out[TEXTNORM_WORD_MAX + 1];
	size_t n = 0, i = 0;
	int rc;

	for (;;) {
		uint32_t cp = 0, f[2];
		int k = SEP;
		size_t step = 0;
		if (i < len && (step = utf8_decode(p + i, len - i, &cp)) != 0)
			k = fold(cp, f);
		if (i < len && !step)
			step = 1; /* an invalid byte separates words */
		if (k > 0) {
			for (int j = 0; j < k; j++)
				if (n < WORD_CPS)
					w[n++] = f[j];
		} else if (k == SEP && n) {
			size_t ol = finish(w, n, out);
			n = 0;
			if (ol && !is_stop(out) && (rc = fn(out, ol, arg)) != 0)
				return rc;
		}
		if (i >= len)
			return 0;
		i += step;
	}
}

bool
textnorm_fold_word(const char *word, char *out, size_t cap)
{
	const uint8_t *p = (const uint8_t *)word;
	size_t len = strlen(word), n = 0, i = 0;
	uint32_t w[WORD_CPS];
	if (cap < TEXTNORM_WORD_MAX + 1)
		return false;
	while (i < len) {
		uint32_t cp, f[2];
		size_t step = utf8_decode(p + i, len - i, &cp);
		if (!step)
			return false;
		int k = fold(cp, f);
		for (int j = 0; j < k && n < WORD_CPS; j++)
			w[n++] = f[j];
		i += step;
	}
	return finish(w, n, out) > 0;
}
