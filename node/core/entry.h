/*
 * entry — what may be published: decoding and validating log entries (proto/remacto.proto).
 *
 * An entry's bytes are kept exactly as published; this module only decides whether they are an
 * acceptable Entry. Checks, all before anything is stored:
 *   - size: 1..ENTRY_MAX_LEN bytes (tiles carry entries behind a uint16 length);
 *   - protobuf: decodes as remacto.v1.Entry (protobuf-c's decoder, after the size cap; the
 *     schema is not recursive so depth is bounded);
 *   - generic, by walking the descriptors: every string is valid UTF-8 without control
 *     characters other than tab and newline; every enum value is one the schema names; fields
 *     named `date`, `*_date` are calendar dates "YYYY-MM-DD", `published` an RFC 3339 UTC time,
 *     `period`/`*_period` a period "YYYY", "YYYY-Qn", "YYYY-MM", `*_percent` at most 100,
 *     `sha256` 32 bytes;
 *   - per kind: exactly one kind set, the identifiers it needs present, principles known and not
 *     repeated, a commitment's end not before its start.
 * Unknown fields (from a newer schema) are accepted and kept: they are part of the bytes.
 */
#ifndef REMACTO_ENTRY_H
#define REMACTO_ENTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "remacto.pb-c.h"

#define ENTRY_MAX_LEN 65535
#define ENTRY_GOVERNANCE_MAX 32 /* keys of the registry's governance */

/* Decodes and validates. Returns the entry (free with remacto__v1__entry__free_unpacked(e, NULL))
 * or NULL with err naming the field and the reason. */
Remacto__V1__Entry *entry_decode(const uint8_t *data, size_t len, char *err, size_t errcap);

/* Validates a decoded entry (the checks above but the size). */
bool entry_validate(const Remacto__V1__Entry *e, char *err, size_t errcap);

/* JSON (the canonical mapping) → validated entry bytes in a new buffer (*out, free()). */
int entry_from_json(const json_t *json, uint8_t **out, size_t *len, char *err, size_t errcap);
/* The same from the JSON text of one entry, read as json_loadb(text, textlen,
 * JSON_REJECT_DUPLICATES) would, without building a jansson tree (pbjson_decode_text): the same
 * bytes and the same errors. -EINVAL with jerr->text set (jerr may be NULL) when the text is not
 * JSON, or with err otherwise. decoded (may be NULL) receives the entry itself, exactly what
 * unpacking *out gives (free with remacto__v1__entry__free_unpacked), for tlog_batch_add_entry,
 * which then need not unpack it again. */
int entry_from_json_text(const char *text, size_t textlen, uint8_t **out, size_t *len,
                         Remacto__V1__Entry **decoded, json_error_t *jerr, char *err,
                         size_t errcap);

/* The kind's JSON name ("commitment", "statusUpdate", ...) or "none", written into buf. */
const char *entry_kind_name(const Remacto__V1__Entry *e, char *buf, size_t cap);

/* Calendar checks shared with the API's query parameters. */
bool entry_valid_date(const char *s);
bool entry_valid_period(const char *s);

#endif
