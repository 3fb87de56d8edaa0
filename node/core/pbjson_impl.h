/*
 * pbjson_impl — what the two decoders of the pbjson module share (pbjson.c: the mapping on jansson
 * values; pbjson_text.c: the same mapping read straight from JSON text). Not for other modules:
 * pbjson.h is the contract.
 *
 * Both decoders walk objects and arrays their own way and hand every other value to
 * pbjson_decode_scalar as a struct pbjson_scalar, so that what a value of each type may be, and
 * the message that refuses it, exist once.
 */
#ifndef REMACTO_PBJSON_IMPL_H
#define REMACTO_PBJSON_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pbjson.h"

/* Fits PBJSON_MAX_DEPTH + 1 keys of 48 bytes + "..." and a separator, each with an index below
 * PBJSON_MAX_REPEATED. */
#define PBJSON_PATH_CAP 1024

/* A decoding in progress: the path of the value at hand ("commitment.milestones[2]") and where
 * the error goes. errcap 0 = no message wanted (pbjson_fail only returns false). */
struct pbjson_dec {
	char path[PBJSON_PATH_CAP];
	size_t len;
	char *err;
	size_t errcap;
};

/* A JSON value other than an object or an array, as jansson would hold it: an integer is a number
 * written without '.', 'e' or 'E' (json_integer), any other number a real (json_real). s[0..n) is
 * a string's decoded bytes, not NUL-terminated (it may contain NUL). */
enum pbjson_kind {
	PBJSON_STRING,
	PBJSON_INTEGER,
	PBJSON_REAL,
	PBJSON_TRUE,
	PBJSON_FALSE,
	PBJSON_NULL,
	PBJSON_OBJECT,
	PBJSON_ARRAY,
};

struct pbjson_scalar {
	enum pbjson_kind kind;
	const char *s;
	size_t n;
	int64_t i;
	double x;
};

/* Bytes one value of a field of this type takes in a message or a repeated array. */
size_t pbjson_elt_size(ProtobufCType type);
/* A new message of type desc, initialised, malloc'd as protobuf_c_message_unpack does. */
ProtobufCMessage *pbjson_new_message(const ProtobufCMessageDescriptor *desc);
/* The field of desc whose proto name or JSON name is key[0..len); *as_proto tells which. */
const ProtobufCFieldDescriptor *pbjson_find_field(const ProtobufCMessageDescriptor *desc,
                                                  const char *key, size_t len, bool *as_proto);
/* The JSON name of f in buf when it fits, else in malloc'd memory the caller frees when it is not
 * buf; NULL when out of memory. */
char *pbjson_json_name(const ProtobufCFieldDescriptor *f, char *buf, size_t cap);

/* Writes "path: reason" into d's buffer; returns false for the caller to return. */
bool pbjson_fail(struct pbjson_dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Pushes ".key" (or "key" at the root), or "[i]"; each returns the mark pbjson_path_pop restores. */
size_t pbjson_path_key(struct pbjson_dec *d, const char *key, size_t len);
size_t pbjson_path_index(struct pbjson_dec *d, size_t i);
void pbjson_path_pop(struct pbjson_dec *d, size_t mark);

/* Decodes v, the one value of field f (of any type but a message), into dst: the storage of a
 * singular field or of one element of a repeated one. A message field is given here only with a
 * value that is not an object, which it refuses. */
bool pbjson_decode_scalar(struct pbjson_dec *d, const ProtobufCFieldDescriptor *f,
                          const struct pbjson_scalar *v, void *dst);

#endif
