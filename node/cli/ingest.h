/*
 * ingest — the lines a publisher pipes into `remacto log append`, read into entries: each
 * non-empty line is one entry, as JSON (the proto3 mapping, entry_from_json_text) or, raw, as the
 * base64 of its protobuf bytes (entry_decode). Each entry comes out twice: its bytes, as the log
 * stores them, and decoded, so that the append does not unpack them again.
 *
 * The input is read whole first, in blocks of INGEST_READ_BLOCK, checked against the caps as it
 * comes: a line of at most INGEST_LINE_MAX bytes (its newline counted), at most TLOG_MAX_BATCH
 * entries and INGEST_INPUT_MAX bytes in all. A longer line is refused as soon as it passes the
 * cap, with no more than INGEST_LINE_MAX + INGEST_READ_BLOCK bytes of it read: the rest of it,
 * and of the input, is left unread. Lines are independent of each other, so they are then
 * decoded and checked in runs of INGEST_CHUNK on worker threads (one per CPU this process may
 * run on but one, at most INGEST_MAX_THREADS, none below INGEST_THREADED lines), while the
 * caller appends the entries already decoded (tlog_append_each with ingest_next): on two CPUs,
 * decoding and storing overlap. The caller decodes the run it needs when no worker has taken it
 * yet, and, while it waits for a worker's, one from the end of the input, but only when the
 * workers are the slower side.
 *
 * The outcome does not depend on the threads: the entries keep the input's order, and a refused
 * input is reported by its first bad line, with the message a line-by-line reading gives
 * ("line 7: ...; nothing appended"), even when the append stopped earlier for another reason.
 *
 * Threads: the workers live from ingest_start to ingest_refused or ingest_free. struct ingest is
 * shared with them under its mutex; every function here is for the caller's thread only.
 */
#ifndef REMACTO_INGEST_H
#define REMACTO_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "store/tlog.h"

#include "remacto.pb-c.h"

#define INGEST_LINE_MAX (1 << 20)            /* one input line: JSON or base64 of one entry */
#define INGEST_INPUT_MAX ((size_t)256 << 20) /* one append's whole input */
#define INGEST_READ_BLOCK ((size_t)1 << 20)  /* one read of the input */
#define INGEST_CHUNK 1024                    /* lines a worker decodes at a time */
#define INGEST_THREADED 4096                 /* fewer lines: decoded by the caller alone */
#define INGEST_MAX_THREADS 8

struct ingest;

/* Reads every line of in and starts decoding them. EXIT_OK with *out (ingest_free it), or an
 * exit code of cli.h with the problem printed by cli_err and *out NULL: EXIT_INVALID for a line
 * refused before a cap that was passed, or for the cap; EXIT_FAIL for a read error or memory. */
int ingest_start(FILE *in, bool raw, struct ingest **out);
/* How many entries the input holds (0: none). */
size_t ingest_count(const struct ingest *g);
/* A tlog_next_fn (arg: the ingest): entry i, once decoded; -EINVAL when line i, or one before
 * it, was refused (ingest_refused then says which). */
int ingest_next(void *arg, size_t i, struct tlog_blob *entry, const Remacto__V1__Entry **decoded);
/* After an append of these entries failed: decodes whatever is left and, if a line was refused,
 * prints the first one and returns EXIT_INVALID; EXIT_OK when every line was good (the failure is
 * then the store's to report). */
int ingest_refused(struct ingest *g);
/* Stops the workers, waits for them, and frees the input and its entries. NULL is allowed. */
void ingest_free(struct ingest *g);

#endif
