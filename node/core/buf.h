/*
 * buf — a growing byte buffer with a hard cap, for everything the node builds or reads in pieces
 * (response bodies, CSV and metrics text, frames, HTTP bodies).
 *
 * Appends never fail loudly: the first failure (-ENOMEM, or -EMSGSIZE when the buffer would pass
 * its cap) is kept in b->err and every later append is ignored, so a writer appends freely and
 * checks once at the end. The cap is checked before anything is allocated. The data is kept
 * NUL-terminated (one byte beyond len, not counted), so text can be read in place.
 *
 * Ownership: the struct owns data until buf_steal hands it over or buf_free releases it. A buffer
 * is used by one thread at a time. A zeroed struct is an empty buffer without a cap (max 0): for
 * output the node builds from its own data; input from outside always gets a cap.
 */
#ifndef REMACTO_BUF_H
#define REMACTO_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data; /* NULL until the first append; NUL-terminated after it */
	size_t len;
	size_t cap; /* bytes allocated (len + 1 at least, once data is not NULL) */
	size_t max; /* the most len may reach; 0: no cap */
	int err;    /* 0, or the first failure: -ENOMEM, -EMSGSIZE (over max) */
};

#define BUF_INIT(max_)                \
	{                             \
		NULL, 0, 0, (max_), 0 \
	}

/* Each returns 0, or b->err (also when an earlier append failed). */
int buf_put(struct buf *b, const void *data, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Makes room for n more bytes without appending (a caller that writes into data + len itself,
 * then adds to len). */
int buf_reserve(struct buf *b, size_t n);

/* Marks the buffer failed with err (a negative errno) when the caller's own step failed, so that
 * the one check at the end sees it. Keeps an earlier failure. */
void buf_fail(struct buf *b, int err);

/* Hands the data over (NULL when nothing was appended) with its length in *len (may be NULL):
 * the caller frees it. The buffer is empty afterwards, its error cleared, its cap kept. */
char *buf_steal(struct buf *b, size_t *len);
/* Empties the buffer keeping its memory, clears the error. */
void buf_reset(struct buf *b);
/* Frees the data; the buffer is empty afterwards (its cap kept). NULL-safe. */
void buf_free(struct buf *b);

#endif
