/*
 * log — one-line operational logging for remactod. See log.h.
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The log's destination and threshold: process-wide by nature, set once at start and on SIGHUP
 * from the service thread. */
static struct {
	int level;
	int fd;
	bool journal; /* fd is the journal's stream: priority prefixes, no time stamps */
	char file[1024];
} lg = { LOG_INFO, 2, false, "" };

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

/* systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected stdout/stderr to;
 * it is inherited by children whose stderr goes elsewhere, so the fd is checked, not only the
 * variable. */
static bool
is_journal(int fd)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char tail;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &tail) != 2 || fstat(fd, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
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
		if (lg.fd > 2)
			close(lg.fd);
		lg.fd = 2;
		lg.journal = is_journal(2);
		return 0;
	}
	int fd = open(lg.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	int old = lg.fd;
	lg.fd = fd;
	lg.journal = false;
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
	if (lg.journal) {
		n = snprintf(line, sizeof(line), "<%d>", level);
	} else {
		gmtime_r(&now, &tm);
		n = (int)strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
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
