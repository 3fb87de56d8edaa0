/*
 * err — the tree's one way to report a failure, after git's usage.h:
 *   - a function that can fail returns 0 or a negative errno (bool for parsers and predicates)
 *     and, when its caller wants words, writes one line into (char *err, size_t errcap) with
 *     err_set: what failed, on what, and what to do;
 *   - a broken invariant (a case the code's own logic excludes, never bad input) is BUG(): it
 *     logs where and why, and aborts, so that a supervisor restarts the process;
 *   - operational events go through log.h.
 */
#ifndef REMACTO_ERR_H
#define REMACTO_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* Formats the message into err[0..errcap); does nothing when err is NULL or errcap 0 (callers
 * that do not want words pass NULL, 0). */
void err_set(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void err_vset(char *err, size_t errcap, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

/* Logs "BUG: file:line: message" at error level and aborts. Never for input from outside. */
#define BUG(...) err_bug(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void err_bug(const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
