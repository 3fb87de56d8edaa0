/*
 * token — the admin listener's bearer token: read from its file, or made on the first start.
 *
 * The file holds one line of 32 to TOKEN_MAX characters [0-9A-Fa-f_-]; it must be a regular
 * file of mode 0600 or stricter (no group or other bit), not a symlink. When it does not exist,
 * 32 random bytes are written as 64 hex characters into a temporary file next to it (mode
 * 0600), synced, and linked into place only once complete; the folder is synced too. A failed
 * write (disk full, I/O error, a file size limit) leaves no file, never a truncated one, and a
 * token file another process created meanwhile is never overwritten.
 *
 * Ownership: out is the caller's; the bytes read are wiped after use. Any thread.
 */
#ifndef REMACTO_TOKEN_H
#define REMACTO_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define TOKEN_MAX 64

/* Loads the token at path into out (NUL-terminated), creating the file when it does not exist
 * (*created then true). 0, or -1 with err saying what failed and what to do. */
int token_load(const char *path, char out[TOKEN_MAX + 1], bool *created, char *err, size_t errcap);

#endif
