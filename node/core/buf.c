/*
 * buf — growing buffer with a cap and a sticky error. See buf.h.
 */
#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN 256

static size_t
limit(const struct buf *b)
{
	/* Without a cap, a size whose doubling cannot overflow. */
	return b->max ? b->max : SIZE_MAX / 4;
}

int
buf_reserve(struct buf *b, size_t n)
{
	if (b->err)
		return b->err;
	if (n > limit(b) - b->len) {
		b->err = -EMSGSIZE;
		return b->err;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t ncap = b->cap ? b->cap : BUF_MIN;
	while (ncap < need)
		ncap *= 2;
	if (ncap > limit(b) + 1)
		ncap = limit(b) + 1;
	char *nd = realloc(b->data, ncap);
	if (nd == NULL) {
		b->err = -ENOMEM;
		return b->err;
	}
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int
buf_put(struct buf *b, const void *data, size_t n)
{
	int rc = buf_reserve(b, n);
	if (rc != 0)
		return rc;
	if (n > 0)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_put(b, s, strlen(s));
}

int
buf_putc(struct buf *b, char c)
{
	return buf_put(b, &c, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	int n;

	if (b->err)
		return b->err;
	va_copy(aq, ap);
	n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? room : 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->err = -EINVAL; /* an encoding error: the format, not the data */
		return b->err;
	}
	if ((size_t)n >= room) {
		int rc = buf_reserve(b, (size_t)n);
		if (rc != 0) {
			if (b->data)
				b->data[b->len] = '\0';
			return rc;
		}
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void
buf_fail(struct buf *b, int err)
{
	if (b->err == 0)
		b->err = err < 0 ? err : -EIO;
}

char *
buf_steal(struct buf *b, size_t *len)
{
	char *d = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
	return d;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}
