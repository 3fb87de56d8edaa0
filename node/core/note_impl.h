/*
 * note_impl — what the files of the note module share (note.c: text rules, signatures, note_open;
 * note_key.c: keys; note_checkpoint.c: checkpoint bodies). Not for other modules: note.h is the
 * contract.
 */
#ifndef REMACTO_NOTE_IMPL_H
#define REMACTO_NOTE_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "note.h"

#define ED25519_SIG_LEN 64

/* Why s[0..n) is not a valid key name, or NULL when it is one. */
const char *note_name_problem(const char *s, size_t n);
/* Whether s[0..len) is text a note may carry (valid UTF-8, no control character but '\n');
 * err (may be NULL) names what and the line and byte that broke the rule. */
bool note_check_chars(const char *what, const char *s, size_t len, char *err, size_t errcap);

#endif
