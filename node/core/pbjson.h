/*
 * pbjson — the canonical proto3 JSON mapping for any protobuf-c message, driven only by
 * protobuf-c's message descriptors (no code per message), on jansson values.
 *
 * Output (pbjson_encode): lowerCamelCase field names (protoc's json_name rule: drop each '_' and
 * upper-case the next letter), fields at their default value omitted (proto3; a set oneof member
 * and an explicitly present `optional` field are always written), enums as value names (the number
 * when the value is not in the descriptor), bytes as standard padded base64, int64/uint64/
 * fixed64/sfixed64/sint64 as decimal strings, 32-bit integers as numbers, float/double as numbers
 * ("NaN", "Infinity", "-Infinity" as strings), repeated fields as arrays, nested messages as
 * objects. Unknown fields are not shown.
 *
 * Input (pbjson_decode, or pbjson_decode_text on the text itself) is strict, for data coming from publishers: an object whose keys are the
 * lowerCamelCase or the original field names; unknown keys, wrong JSON types, out-of-range
 * numbers, non-integral values for integer fields, unknown enum names, invalid base64, two members
 * of one oneof, duplicate fields (camel and snake) → an error naming the field path
 * ("commitment.milestones[2].dueDate: expected a string"). 64-bit integers are accepted as strings
 * or as numbers within ±2^53; 32-bit ones as numbers or decimal strings; enums as names or numbers;
 * null means "absent". Caps: nesting depth PBJSON_MAX_DEPTH, PBJSON_MAX_REPEATED elements per
 * repeated field, strings and bytes of at most PBJSON_MAX_STRING bytes (the entry cap).
 */
#ifndef REMACTO_PBJSON_H
#define REMACTO_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

#define PBJSON_MAX_DEPTH 16
#define PBJSON_MAX_REPEATED 4096
#define PBJSON_MAX_STRING 65536

/* Returns a new JSON object (caller owns the reference) or NULL on allocation failure. */
json_t *pbjson_encode(const ProtobufCMessage *msg);

/* Builds a message of type desc from json. Returns it (free with protobuf_c_message_free_unpacked,
 * allocated with the default allocator) or NULL with err set to "path: reason". */
ProtobufCMessage *pbjson_decode(const ProtobufCMessageDescriptor *desc, const json_t *json,
                                char *err, size_t errcap);

/* The same mapping read straight from JSON text (one entry a publisher sent), without building
 * a jansson tree: the result is exactly that of json_loadb(text, len, flags, jerr) followed by
 * pbjson_decode, errors included. On NULL, either jerr->text is not empty (the text is not JSON,
 * jerr as json_loadb fills it) or err says "path: reason". jerr may be NULL. */
ProtobufCMessage *pbjson_decode_text(const ProtobufCMessageDescriptor *desc, const char *text,
                                     size_t len, size_t flags, json_error_t *jerr, char *err,
                                     size_t errcap);
/* Its fast path alone (pbjson_text.c), for tests and fuzzing: the message, or NULL when it leaves
 * the text to the reference path (every text that path refuses, and a few it takes: a key given
 * twice without JSON_REJECT_DUPLICATES, flags other than JSON_REJECT_DUPLICATES and
 * JSON_ALLOW_NUL). */
ProtobufCMessage *pbjson_parse_text(const ProtobufCMessageDescriptor *desc, const char *text,
                                    size_t len, size_t flags);

/* A JSON string of a text from the ledger ("" for NULL), as pbjson_encode shows strings: each
 * byte that is not part of well-formed UTF-8 (protobuf-c does not check, and a replicated entry
 * may carry any bytes) becomes U+FFFD, rather than the text being dropped. The one way views and
 * routes turn a text into JSON. NULL on allocation failure. */
json_t *pbjson_string(const char *s);

/* The JSON name of a field (lowerCamelCase of its proto name) into out; returns out. */
const char *pbjson_field_name(const ProtobufCFieldDescriptor *f, char *out, size_t cap);

#endif
