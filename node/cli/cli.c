/*
 * cli — helpers shared by the remacto subcommands. See cli.h.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int
cli_err(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("remacto: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

bool
cli_u64(const char *opt, const char *s, uint64_t *out)
{
	char *end;
	if (!s || *s < '0' || *s > '9') {
		cli_err(EXIT_USAGE, "%s wants a non-negative integer, not '%s'", opt, s ? s : "");
		return false;
	}
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > INT64_MAX) {
		cli_err(EXIT_USAGE, "%s wants a non-negative integer, not '%s'", opt, s);
		return false;
	}
	*out = v;
	return true;
}

const char *
cli_jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

long long
cli_jint(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}
