/*
 * cli — helpers shared by the remacto subcommands. See cli.h.
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
cli_usage(const char *usage, bool help)
{
	fputs(usage, help ? stdout : stderr);
	return help ? EXIT_OK : EXIT_USAGE;
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

int
cli_read_file(const char *what, const char *path, size_t cap, char **out, size_t *len)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	char *buf;
	size_t n = 0;

	*out = NULL, *len = 0;
	if (!f)
		return cli_err(EXIT_FAIL, "cannot open %s %s: %s", what, path, strerror(errno));
	if (!(buf = malloc(cap + 2))) {
		if (!is_stdin)
			fclose(f);
		return cli_err(EXIT_FAIL, "out of memory reading %s %s", what, path);
	}
	/* One byte more than the cap tells a file that is too big. */
	for (size_t r; n <= cap && (r = fread(buf + n, 1, cap + 1 - n, f)) > 0;)
		n += r;
	bool bad = ferror(f);
	if (!is_stdin)
		fclose(f);
	if (bad || n > cap) {
		free(buf);
		return bad ? cli_err(EXIT_FAIL, "cannot read %s %s: %s", what, path,
		                     strerror(errno))
		           : cli_err(EXIT_INVALID, "%s %s is over %zu bytes: not one", what, path,
		                     cap);
	}
	buf[n] = '\0';
	*out = buf, *len = n;
	return EXIT_OK;
}
