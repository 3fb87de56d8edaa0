/*
 * err — error messages into caller buffers, and BUG(). See err.h.
 */
#include "err.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

void
err_vset(char *err, size_t errcap, const char *fmt, va_list ap)
{
	if (err == NULL || errcap == 0)
		return;
	vsnprintf(err, errcap, fmt, ap);
}

void
err_set(char *err, size_t errcap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vset(err, errcap, fmt, ap);
	va_end(ap);
}

void
err_bug(const char *file, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_err("BUG: %s:%d: %s", file, line, msg);
	abort();
}
