/*
 * log — one-line operational logging for remactod. See log.h.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The log's destination and threshold: process-wide by nature, set once at start and on SIGHUP
 * from the service thread. */
static struct {
	int level;
	int fd;
	char file[1024];
} lg = { LOG_INFO, 2, "" };

static const char *
level_name(int level)
{
	switch (level) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
		return "crit";
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warn";
	case LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

int
log_init(int level, const char *file)
{
	lg.level = level;
	snprintf(lg.file, sizeof(lg.file), "%s", file ? file : "");
	return log_reopen();
}

int
log_reopen(void)
{
	if (!lg.file[0]) {
		lg.fd = 2;
		return 0;
	}
	int fd = open(lg.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	int old = lg.fd;
	lg.fd = fd;
	if (old > 2)
		close(old);
	return 0;
}

void
log_msg(int level, const char *fmt, ...)
{
	char line[2048];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	int n;

	if (level > lg.level)
		return;
	gmtime_r(&now, &tm);
	n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	n += snprintf(line + n, sizeof(line) - (size_t)n, "%s: ", level_name(level));
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	n = m < 0 ? n : (n + m > (int)sizeof(line) - 2 ? (int)sizeof(line) - 2 : n + m);
	/* One line per event: no embedded newlines from messages. */
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	if (write(lg.fd, line, (size_t)n) < 0) {
		/* Nowhere left to report it. */
	}
}
