/*
 * log — the daemon's operational log: one line per event, "2026-11-25T23:59:59Z warn: ...",
 * to stderr or a file reopened on SIGHUP (for logrotate). Levels are syslog's.
 *
 * Under systemd, when stderr is the journal's stream (JOURNAL_STREAM names its device and
 * inode, see systemd.exec(5)), lines carry the sd-daemon priority prefix instead of a time
 * stamp: "<4>warn: ...". journald then files them at that priority and stamps them itself, so
 * `journalctl -p warning` works and no line has two time stamps. A [log] file is never in
 * this mode.
 *
 * Thread-safe: each line is written with one write(2).
 */
#ifndef REMACTO_LOG_H
#define REMACTO_LOG_H

#include <syslog.h>

/* file NULL or "" logs to stderr. Reads JOURNAL_STREAM once, here. Returns 0 or -errno. */
int log_init(int level, const char *file);
int log_reopen(void);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
