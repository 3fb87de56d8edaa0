/*
 * pbjson — the canonical proto3 JSON mapping for any protobuf-c message, walking only the
 * descriptors: each field's label, type, offset and quantifier offset say where its value lives
 * and whether it is present, so the same code serves every message of the schema.
 *
 * Decoded messages are built exactly as protobuf_c_message_unpack builds them with the default
 * allocator (malloc): each message is malloc'd and initialised by protobuf_c_message_init, each
 * string, bytes buffer and repeated array is malloc'd, and every piece is attached to its parent
 * before it is filled, with counts and oneof cases set first, so that on any error the partial
 * message is released by protobuf_c_message_free_unpacked(msg, NULL) like a complete one.
 */
#include "pbjson.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "pbjson_impl.h"
#include "utf8.h"

#define MEMBER(msg, off) ((void *)((char *)(msg) + (off)))
#define CMEMBER(msg, off) ((const void *)((const char *)(msg) + (off)))

/* Largest magnitude a 64-bit integer may have as a JSON number (the doubles' exact range). */
#define EXACT_MAX (UINT64_C(1) << 53)
/* Bytes of a key shown in an error path; longer keys end with "...". */
#define PATH_KEY_MAX 48

const char *
pbjson_field_name(const ProtobufCFieldDescriptor *f, char *out, size_t cap)
{
	size_t n = 0;
	bool upper = false;

	if (cap == 0)
		return out;
	/* protoc's ToJsonName: the first letter is kept as written, not lowered. */
	for (const char *p = f->name; *p != '\0' && n + 1 < cap; p++) {
		if (*p == '_') {
			upper = true;
			continue;
		}
		out[n++] = upper && *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		upper = false;
	}
	out[n] = '\0';
	return out;
}

char *
pbjson_json_name(const ProtobufCFieldDescriptor *f, char *buf, size_t cap)
{
	size_t need = strlen(f->name) + 1;
	char *out = need <= cap ? buf : malloc(need);

	if (out != NULL)
		pbjson_field_name(f, out, need);
	return out;
}

/* Whether key[0..len) is the JSON name of the proto field name, computed without a copy. */
static bool
is_json_name(const char *key, size_t len, const char *name)
{
	size_t i = 0;
	bool upper = false;

	for (; *name != '\0'; name++) {
		char c = *name;

		if (c == '_') {
			upper = true;
			continue;
		}
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		upper = false;
		if (i >= len || key[i] != c)
			return false;
		i++;
	}
	return i == len;
}

size_t
pbjson_elt_size(ProtobufCType type)
{
	switch (type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		return 4;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return 8;
	case PROTOBUF_C_TYPE_FLOAT:
		return sizeof(float);
	case PROTOBUF_C_TYPE_DOUBLE:
		return sizeof(double);
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	}
	return 0;
}

/* fabs and an integrality test without libm, which the ledger's binaries do not otherwise link. */
static double
magnitude(double x)
{
	return x < 0 ? -x : x;
}

/* For a finite x: from 2^52 up every double is an integer, below the cast is exact. */
static bool
is_integral(double x)
{
	return magnitude(x) >= 4503599627370496.0 || x == (double)(int64_t)x;
}

/* ---- encoding ------------------------------------------------------------------------------ */

/* protobuf-c does not check that strings it unpacks are UTF-8, and a view of the log should not
 * fail on one bad entry: each byte that is not part of well-formed UTF-8 is shown as U+FFFD. */
static json_t *
text_json(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	json_t *j = json_stringn(s, n);
	char *buf;
	size_t o = 0;

	if (j != NULL || n > SIZE_MAX / 3)
		return j;
	if ((buf = malloc(3 * n)) == NULL)
		return NULL;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode(u + i, n - i, &cp);

		if (k == 0) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(buf + o, s + i, k);
			o += k;
			i += k;
		}
	}
	j = json_stringn(buf, o);
	free(buf);
	return j;
}

json_t *
pbjson_string(const char *s)
{
	return s != NULL ? text_json(s, strlen(s)) : json_string("");
}

/* A double the way the canonical mapping writes it: special values as strings, integral values
 * within the exact range of doubles without a fraction ("3", not jansson's "3.0"). */
static json_t *
double_json(double x)
{
	if (isnan(x))
		return json_string("NaN");
	if (isinf(x))
		return json_string(x > 0 ? "Infinity" : "-Infinity");
	if (magnitude(x) <= (double)EXACT_MAX && is_integral(x) && !(x == 0 && signbit(x)))
		return json_integer((json_int_t)x);
	return json_real(x);
}

/* A float as the double of its shortest decimal form, so that 0.1f is shown as 0.1 rather than
 * as 0.100000001490116. The test is the way pbjson_decode reads it back (a double, then rounded
 * to float); nine digits always pass it. */
static json_t *
float_json(float x)
{
	char buf[32];

	if (!isfinite(x))
		return double_json(x);
	for (int prec = 1; prec <= 9; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, (double)x);
		if ((float)strtod(buf, NULL) == x)
			break;
	}
	return double_json(strtod(buf, NULL));
}

static json_t *
bytes_json(const ProtobufCBinaryData *bd)
{
	char *buf;
	json_t *j;

	if (bd->len > (SIZE_MAX - 4) / 4 * 3)
		return NULL;
	if ((buf = malloc(B64_ENCODED_LEN(bd->len) + 1)) == NULL)
		return NULL;
	if (b64_encode(bd->data, bd->len, buf, B64_ENCODED_LEN(bd->len) + 1) < 0)
		j = NULL;
	else
		j = json_stringn(buf, B64_ENCODED_LEN(bd->len));
	free(buf);
	return j;
}

static json_t *encode_message(const ProtobufCMessage *msg);

/* The JSON value of the one value of field f stored at p. */
static json_t *
encode_value(const ProtobufCFieldDescriptor *f, const void *p)
{
	char num[24];
	int32_t i32;
	uint32_t u32;
	int64_t i64;
	uint64_t u64;
	float fl;
	double db;
	protobuf_c_boolean b;
	const char *s;
	const ProtobufCMessage *sub;
	const ProtobufCEnumValue *ev;

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		memcpy(&i32, p, sizeof i32);
		return json_integer(i32);
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		memcpy(&u32, p, sizeof u32);
		return json_integer(u32);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		memcpy(&i64, p, sizeof i64);
		snprintf(num, sizeof num, "%" PRId64, i64);
		return json_string(num);
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		memcpy(&u64, p, sizeof u64);
		snprintf(num, sizeof num, "%" PRIu64, u64);
		return json_string(num);
	case PROTOBUF_C_TYPE_FLOAT:
		memcpy(&fl, p, sizeof fl);
		return float_json(fl);
	case PROTOBUF_C_TYPE_DOUBLE:
		memcpy(&db, p, sizeof db);
		return double_json(db);
	case PROTOBUF_C_TYPE_BOOL:
		memcpy(&b, p, sizeof b);
		return json_boolean(b);
	case PROTOBUF_C_TYPE_ENUM:
		memcpy(&i32, p, sizeof i32);
		ev = protobuf_c_enum_descriptor_get_value(f->descriptor, i32);
		return ev != NULL ? json_string(ev->name) : json_integer(i32);
	case PROTOBUF_C_TYPE_STRING:
		memcpy(&s, p, sizeof s);
		return pbjson_string(s);
	case PROTOBUF_C_TYPE_BYTES:
		return bytes_json(p);
	case PROTOBUF_C_TYPE_MESSAGE:
		memcpy(&sub, p, sizeof sub);
		/* Only a oneof case or a repeated element can point at nothing; show it empty. */
		return sub != NULL ? encode_message(sub) : json_object();
	}
	return NULL;
}

/* Whether a singular field of proto3's implicit presence holds its type's default. */
static bool
is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	const char *s;
	const void *ptr;

	switch (f->type) {
	case PROTOBUF_C_TYPE_FLOAT:
		/* As protobuf-c's packer decides it: -0.0 is not written either. */
		return *(const float *)p == 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)p == 0;
	case PROTOBUF_C_TYPE_STRING:
		memcpy(&s, p, sizeof s);
		return s == NULL || s[0] == '\0';
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)p)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		memcpy(&ptr, p, sizeof ptr);
		return ptr == NULL;
	default:
		for (size_t i = 0; i < pbjson_elt_size(f->type); i++)
			if (((const unsigned char *)p)[i] != 0)
				return false;
		return true;
	}
}

static bool
is_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	const void *p = CMEMBER(msg, f->offset);
	const void *ptr;

	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)CMEMBER(msg, f->quantifier_offset) == f->id;
	switch (f->label) {
	case PROTOBUF_C_LABEL_REPEATED:
		return *(const size_t *)CMEMBER(msg, f->quantifier_offset) > 0;
	case PROTOBUF_C_LABEL_NONE:
		return !is_default(f, p);
	case PROTOBUF_C_LABEL_OPTIONAL:
	case PROTOBUF_C_LABEL_REQUIRED:
		/* Strings and messages have no has_ member: a pointer other than the default says the
		 * field is set, as protobuf-c's packer reads it. */
		if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
			memcpy(&ptr, p, sizeof ptr);
			return ptr != NULL &&
			       (f->type == PROTOBUF_C_TYPE_MESSAGE ||
			        f->label == PROTOBUF_C_LABEL_REQUIRED || ptr != f->default_value);
		}
		if (f->label == PROTOBUF_C_LABEL_REQUIRED)
			return true;
		return *(const protobuf_c_boolean *)CMEMBER(msg, f->quantifier_offset) != 0;
	}
	return false;
}

/* Unbounded recursion is not a concern here: messages come from pbjson_decode (depth-capped) or
 * from unpacking the non-recursive schema. */
static json_t *
encode_message(const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor *desc = msg->descriptor;
	json_t *obj = json_object();

	if (obj == NULL)
		return NULL;
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];
		char buf[128], *key;
		json_t *val;
		int rc;

		if (!is_present(msg, f))
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)CMEMBER(msg, f->quantifier_offset);
			const char *arr = *(char *const *)CMEMBER(msg, f->offset);
			size_t es = pbjson_elt_size(f->type);

			if ((val = json_array()) == NULL)
				goto fail;
			for (size_t k = 0; k < n; k++) {
				if (json_array_append_new(val, encode_value(f, arr + k * es)) !=
				    0) {
					json_decref(val);
					goto fail;
				}
			}
		} else if ((val = encode_value(f, CMEMBER(msg, f->offset))) == NULL) {
			goto fail;
		}
		if ((key = pbjson_json_name(f, buf, sizeof buf)) == NULL) {
			json_decref(val);
			goto fail;
		}
		rc = json_object_set_new(obj, key, val);
		if (key != buf)
			free(key);
		if (rc != 0)
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

json_t *
pbjson_encode(const ProtobufCMessage *msg)
{
	return msg != NULL ? encode_message(msg) : NULL;
}

/* ---- decoding ------------------------------------------------------------------------------ */

/* Appends s[0..n) to the path, control characters shown as '?', cut at max bytes with "...". */
static void
path_put(struct pbjson_dec *d, const char *s, size_t n, size_t max)
{
	bool cut = n > max;

	n = utf8_cut(s, n,
	             max); /* error messages stay valid UTF-8 for the JSON that carries them */
	for (size_t i = 0; i < n && d->len + 1 < sizeof d->path; i++) {
		unsigned char c = (unsigned char)s[i];

		d->path[d->len++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	for (int i = 0; cut && i < 3 && d->len + 1 < sizeof d->path; i++)
		d->path[d->len++] = '.';
	d->path[d->len] = '\0';
}

size_t
pbjson_path_key(struct pbjson_dec *d, const char *key, size_t len)
{
	size_t mark = d->len;

	if (d->len > 0)
		path_put(d, ".", 1, 1);
	path_put(d, key, len, PATH_KEY_MAX);
	return mark;
}

size_t
pbjson_path_index(struct pbjson_dec *d, size_t i)
{
	size_t mark = d->len;
	char buf[24];
	int n = snprintf(buf, sizeof buf, "[%zu]", i);

	path_put(d, buf, (size_t)n, sizeof buf);
	return mark;
}

void
pbjson_path_pop(struct pbjson_dec *d, size_t mark)
{
	d->len = mark;
	d->path[mark] = '\0';
}

bool
pbjson_fail(struct pbjson_dec *d, const char *fmt, ...)
{
	char reason[256], full[PBJSON_PATH_CAP + sizeof reason + 2];
	va_list ap;
	int n;
	size_t len;

	if (d->errcap == 0)
		return false;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	n = snprintf(full, sizeof full, "%s: %s", d->len > 0 ? d->path : "(root)", reason);
	len = n < 0 ? 0 : (size_t)n < sizeof full ? (size_t)n : sizeof full - 1;
	len = utf8_cut(full, len, d->errcap - 1);
	memcpy(d->err, full, len);
	d->err[len] = '\0';
	return false;
}

/* A JSON string shown inside an error message: control characters as '?', cut at 40 bytes. */
static const char *
shown(const struct pbjson_scalar *v, char out[static 48])
{
	size_t o = 0, keep = utf8_cut(v->s, v->n, 40);

	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)v->s[i];

		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (v->n > 40) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* An integer read from JSON as sign and magnitude, before the field's range is applied. */
struct intval {
	bool neg;
	uint64_t mag;
};

/* Reads an integer given as a JSON number with no fraction or as a decimal string. Numbers for
 * 64-bit fields must lie within ±2^53, where a double (as JavaScript reads them) is exact. */
static bool
read_int(struct pbjson_dec *d, const struct pbjson_scalar *v, bool wide, struct intval *out)
{
	char tmp[48];

	if (v->kind == PBJSON_INTEGER) {
		int64_t x = v->i;

		out->neg = x < 0;
		out->mag = x < 0 ? (uint64_t)(-(x + 1)) + 1 : (uint64_t)x;
	} else if (v->kind == PBJSON_REAL) {
		double x = v->x;

		if (!isfinite(x) || !is_integral(x))
			return pbjson_fail(d, "not an integer: %g", x);
		if (magnitude(x) >= 18446744073709551616.0)
			return pbjson_fail(d, "out of range: %g", x);
		out->neg = x < 0;
		out->mag = (uint64_t)magnitude(x);
	} else if (v->kind == PBJSON_STRING) {
		const char *s = v->s;
		size_t n = v->n, i = 0;

		out->neg = n > 0 && s[0] == '-';
		i = out->neg;
		if (i == n)
			return pbjson_fail(d, "not a decimal integer: \"%s\"", shown(v, tmp));
		for (out->mag = 0; i < n; i++) {
			unsigned digit = (unsigned char)s[i] - '0';

			if (digit > 9)
				return pbjson_fail(d, "not a decimal integer: \"%s\"",
				                   shown(v, tmp));
			if (out->mag > (UINT64_MAX - digit) / 10)
				return pbjson_fail(d, "out of range: \"%s\"", shown(v, tmp));
			out->mag = out->mag * 10 + digit;
		}
		return true;
	} else {
		return pbjson_fail(d, "expected an integer (a number or a decimal string)");
	}
	if (wide && out->mag > EXACT_MAX)
		return pbjson_fail(d, "64-bit integer beyond ±2^53 given as a JSON number: "
		                      "write it as a string");
	return true;
}

/* Checks iv against [-neg_max, pos_max] and stores it as a two's complement 64-bit pattern. */
static bool
fit_int(struct pbjson_dec *d, struct intval iv, uint64_t pos_max, uint64_t neg_max,
        const char *type, uint64_t *out)
{
	if (iv.neg && iv.mag > 0) {
		if (iv.mag > neg_max)
			return pbjson_fail(d, "out of range for %s: -%" PRIu64, type, iv.mag);
		*out = 0 - iv.mag;
	} else {
		if (iv.mag > pos_max)
			return pbjson_fail(d, "out of range for %s: %" PRIu64, type, iv.mag);
		*out = iv.mag;
	}
	return true;
}

/* Whether the string value v is exactly the text lit (a NUL inside v never matches). */
static bool
is_text(const struct pbjson_scalar *v, const char *lit)
{
	return v->n == strlen(lit) && memcmp(v->s, lit, v->n) == 0;
}

static bool
read_double(struct pbjson_dec *d, const struct pbjson_scalar *v, double *out)
{
	if (v->kind == PBJSON_INTEGER) {
		*out = (double)v->i; /* what json_number_value gives */
		return true;
	}
	if (v->kind == PBJSON_REAL) {
		*out = v->x;
		return true;
	}
	if (v->kind == PBJSON_STRING) {
		if (is_text(v, "NaN")) {
			*out = NAN;
			return true;
		}
		if (is_text(v, "Infinity")) {
			*out = INFINITY;
			return true;
		}
		if (is_text(v, "-Infinity")) {
			*out = -INFINITY;
			return true;
		}
	}
	return pbjson_fail(d, "expected a number (or \"NaN\", \"Infinity\", \"-Infinity\")");
}

/* The enum value named v, or NULL. protobuf-c looks names up as C strings: the name is copied
 * out of the JSON text, and one with a NUL inside matches nothing. */
static const ProtobufCEnumValue *
enum_by_name(const ProtobufCEnumDescriptor *ed, const struct pbjson_scalar *v)
{
	const ProtobufCEnumValue *ev = NULL;
	char buf[128], *name;

	if (memchr(v->s, '\0', v->n) != NULL)
		return NULL;
	name = v->n < sizeof buf ? buf : malloc(v->n + 1);
	if (name == NULL)
		return NULL;
	memcpy(name, v->s, v->n);
	name[v->n] = '\0';
	ev = protobuf_c_enum_descriptor_get_value_by_name(ed, name);
	if (name != buf)
		free(name);
	return ev;
}

ProtobufCMessage *
pbjson_new_message(const ProtobufCMessageDescriptor *desc)
{
	ProtobufCMessage *m = malloc(desc->sizeof_message);

	if (m != NULL)
		protobuf_c_message_init(desc, m);
	return m;
}

bool
pbjson_decode_scalar(struct pbjson_dec *d, const ProtobufCFieldDescriptor *f,
                     const struct pbjson_scalar *v, void *dst)
{
	struct intval iv;
	uint64_t bits = 0;
	double x;
	char tmp[48];

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: {
		int32_t val;

		if (!read_int(d, v, false, &iv) ||
		    !fit_int(d, iv, INT32_MAX, UINT64_C(1) << 31, "int32", &bits))
			return false;
		val = (int32_t)(int64_t)bits;
		memcpy(dst, &val, sizeof val);
		return true;
	}
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: {
		uint32_t val;

		if (!read_int(d, v, false, &iv) || !fit_int(d, iv, UINT32_MAX, 0, "uint32", &bits))
			return false;
		val = (uint32_t)bits;
		memcpy(dst, &val, sizeof val);
		return true;
	}
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: {
		int64_t val;

		if (!read_int(d, v, true, &iv) ||
		    !fit_int(d, iv, INT64_MAX, UINT64_C(1) << 63, "int64", &bits))
			return false;
		val = (int64_t)bits;
		memcpy(dst, &val, sizeof val);
		return true;
	}
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		if (!read_int(d, v, true, &iv) || !fit_int(d, iv, UINT64_MAX, 0, "uint64", &bits))
			return false;
		memcpy(dst, &bits, sizeof bits);
		return true;
	case PROTOBUF_C_TYPE_FLOAT: {
		float val;

		if (!read_double(d, v, &x))
			return false;
		/* Past FLT_MAX by less than half a unit still rounds to FLT_MAX (and is how a float
		 * near it may come back from its 17-digit JSON form). */
		if (isfinite(x) && magnitude(x) >= 0x1.ffffffp+127)
			return pbjson_fail(d, "out of range for float: %g", x);
		val = (float)x;
		memcpy(dst, &val, sizeof val);
		return true;
	}
	case PROTOBUF_C_TYPE_DOUBLE:
		if (!read_double(d, v, &x))
			return false;
		memcpy(dst, &x, sizeof x);
		return true;
	case PROTOBUF_C_TYPE_BOOL: {
		protobuf_c_boolean val;

		if (v->kind != PBJSON_TRUE && v->kind != PBJSON_FALSE)
			return pbjson_fail(d, "expected true or false");
		val = v->kind == PBJSON_TRUE;
		memcpy(dst, &val, sizeof val);
		return true;
	}
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *ed = f->descriptor;
		int32_t val;

		if (v->kind == PBJSON_STRING) {
			const ProtobufCEnumValue *ev = enum_by_name(ed, v);

			if (ev == NULL)
				return pbjson_fail(d, "unknown value \"%s\" of enum %s",
				                   shown(v, tmp), ed->name);
			val = ev->value;
		} else if (v->kind == PBJSON_INTEGER || v->kind == PBJSON_REAL) {
			/* proto3 enums are open: a number not in the schema is kept, as on the wire. */
			if (!read_int(d, v, false, &iv) ||
			    !fit_int(d, iv, INT32_MAX, UINT64_C(1) << 31, "enum", &bits))
				return false;
			val = (int32_t)(int64_t)bits;
		} else {
			return pbjson_fail(d, "expected an enum value name (a string) or number");
		}
		memcpy(dst, &val, sizeof val);
		return true;
	}
	case PROTOBUF_C_TYPE_STRING: {
		char *copy;

		if (v->kind != PBJSON_STRING)
			return pbjson_fail(d, "expected a string");
		if (v->n > PBJSON_MAX_STRING)
			return pbjson_fail(d, "string of %zu bytes, more than the %d allowed", v->n,
			                   PBJSON_MAX_STRING);
		/* A C string would silently end there. */
		if (memchr(v->s, '\0', v->n) != NULL)
			return pbjson_fail(d, "string contains a NUL character");
		if ((copy = malloc(v->n + 1)) == NULL)
			return pbjson_fail(d, "out of memory");
		memcpy(copy, v->s, v->n);
		copy[v->n] = '\0';
		memcpy(dst, &copy, sizeof copy);
		return true;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		size_t n = v->n, len;
		ProtobufCBinaryData bd = { 0, NULL };

		if (v->kind != PBJSON_STRING)
			return pbjson_fail(d, "expected a base64 string");
		if (n > B64_ENCODED_LEN(PBJSON_MAX_STRING))
			return pbjson_fail(d, "bytes of more than the %d allowed",
			                   PBJSON_MAX_STRING);
		if (n % 4 != 0)
			return pbjson_fail(d,
			                   "invalid base64 (standard alphabet, padded with '=')");
		if (n > 0) {
			if ((bd.data = malloc(B64_DECODED_MAX(n))) == NULL)
				return pbjson_fail(d, "out of memory");
			if (!b64_decode(v->s, n, bd.data, B64_DECODED_MAX(n), &len)) {
				free(bd.data);
				return pbjson_fail(
				        d, "invalid base64 (standard alphabet, padded with '=')");
			}
			if (len > PBJSON_MAX_STRING) {
				free(bd.data);
				return pbjson_fail(d, "bytes of more than the %d allowed",
				                   PBJSON_MAX_STRING);
			}
			bd.len = len;
			if (len == 0) {
				free(bd.data);
				bd.data = NULL;
			}
		}
		memcpy(dst, &bd, sizeof bd);
		return true;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return pbjson_fail(d, "expected an object");
	}
	return pbjson_fail(d, "field of unsupported type %d", (int)f->type);
}

/* The scalar view of a jansson value. */
static void
scalar_of(const json_t *v, struct pbjson_scalar *out)
{
	memset(out, 0, sizeof *out);
	switch (json_typeof(v)) {
	case JSON_STRING:
		out->kind = PBJSON_STRING;
		out->s = json_string_value(v);
		out->n = json_string_length(v);
		break;
	case JSON_INTEGER:
		out->kind = PBJSON_INTEGER;
		out->i = json_integer_value(v);
		break;
	case JSON_REAL:
		out->kind = PBJSON_REAL;
		out->x = json_real_value(v);
		break;
	case JSON_TRUE:
		out->kind = PBJSON_TRUE;
		break;
	case JSON_FALSE:
		out->kind = PBJSON_FALSE;
		break;
	case JSON_NULL:
		out->kind = PBJSON_NULL;
		break;
	case JSON_OBJECT:
		out->kind = PBJSON_OBJECT;
		break;
	case JSON_ARRAY:
		out->kind = PBJSON_ARRAY;
		break;
	}
}

static bool decode_object(struct pbjson_dec *d, ProtobufCMessage *msg, const json_t *obj,
                          int depth);

/* Decodes the one value v of field f into dst, the storage of a singular field or of one element
 * of a repeated one. depth is that of the object holding f. */
static bool
decode_value(struct pbjson_dec *d, const ProtobufCFieldDescriptor *f, const json_t *v, void *dst,
             int depth)
{
	struct pbjson_scalar sv;

	if (f->type == PROTOBUF_C_TYPE_MESSAGE && json_is_object(v)) {
		ProtobufCMessage *sub;

		if (depth >= PBJSON_MAX_DEPTH)
			return pbjson_fail(d, "objects nested deeper than %d levels",
			                   PBJSON_MAX_DEPTH);
		if ((sub = pbjson_new_message(f->descriptor)) == NULL)
			return pbjson_fail(d, "out of memory");
		/* Owned by the parent from here on, filled or not. */
		memcpy(dst, &sub, sizeof sub);
		return decode_object(d, sub, v, depth + 1);
	}
	scalar_of(v, &sv);
	return pbjson_decode_scalar(d, f, &sv, dst);
}

static bool
decode_repeated(struct pbjson_dec *d, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                const json_t *v, int depth)
{
	size_t n, es = pbjson_elt_size(f->type);
	size_t *count = MEMBER(msg, f->quantifier_offset);
	char *arr;

	if (!json_is_array(v))
		return pbjson_fail(d, "expected an array");
	if ((n = json_array_size(v)) > PBJSON_MAX_REPEATED)
		return pbjson_fail(d, "array of %zu elements, more than the %d allowed", n,
		                   PBJSON_MAX_REPEATED);
	if (n == 0)
		return true;
	/* Zeroed, so that elements not yet decoded free as nothing. */
	if ((arr = calloc(n, es)) == NULL)
		return pbjson_fail(d, "out of memory");
	memcpy(MEMBER(msg, f->offset), &arr, sizeof arr);
	for (size_t i = 0; i < n; i++) {
		const json_t *el = json_array_get(v, i);
		size_t mark = pbjson_path_index(d, i);

		if (json_is_null(el))
			return pbjson_fail(d, "null is not allowed in an array");
		/* Counted before it is filled so that what it owns on failure is freed. */
		*count = i + 1;
		if (!decode_value(d, f, el, arr + i * es, depth))
			return false;
		pbjson_path_pop(d, mark);
	}
	return true;
}

static bool
decode_field(struct pbjson_dec *d, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
             const json_t *v, int depth)
{
	void *dst = MEMBER(msg, f->offset);

	if (json_is_null(v))
		return true;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t *which = MEMBER(msg, f->quantifier_offset);

		if (*which != 0) {
			const ProtobufCFieldDescriptor *other =
			        protobuf_c_message_descriptor_get_field(msg->descriptor, *which);
			char buf[128], *name;
			bool r;

			name = other != NULL ? pbjson_json_name(other, buf, sizeof buf) : NULL;
			r = pbjson_fail(d, "a second member of a oneof, which already has \"%s\"",
			                name != NULL ? name : "?");

			if (name != buf)
				free(name);
			return r;
		}
		/* The case is set first so that what the member comes to own is freed on failure. */
		memset(dst, 0, pbjson_elt_size(f->type));
		*which = f->id;
		return decode_value(d, f, v, dst, depth);
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return decode_repeated(d, msg, f, v, depth);
	/* An explicitly present optional field (proto2, proto3 `optional`); strings and messages have
	 * no has_ member, their pointer tells. */
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
	    f->type != PROTOBUF_C_TYPE_MESSAGE)
		*(protobuf_c_boolean *)MEMBER(msg, f->quantifier_offset) = 1;
	/* What dst holds now is the initial value (protobuf_c_empty_string, a default or NULL), never
	 * owned: each field is set at most once, duplicates being refused before. */
	return decode_value(d, f, v, dst, depth);
}

const ProtobufCFieldDescriptor *
pbjson_find_field(const ProtobufCMessageDescriptor *desc, const char *key, size_t len,
                  bool *as_proto)
{
	for (unsigned i = 0; i < desc->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &desc->fields[i];

		/* Either spelling starts with the name's first letter (but for a leading '_'). */
		if (len > 0 && f->name[0] != key[0] && f->name[0] != '_')
			continue;
		if (strlen(f->name) == len && memcmp(f->name, key, len) == 0) {
			*as_proto = true;
			return f;
		}
		if (is_json_name(key, len, f->name)) {
			*as_proto = false;
			return f;
		}
	}
	return NULL;
}

static bool
decode_object(struct pbjson_dec *d, ProtobufCMessage *msg, const json_t *obj, int depth)
{
	const ProtobufCMessageDescriptor *desc = msg->descriptor;
	const char *key;
	size_t len;
	json_t *v;

	/* jansson's iteration API takes a non-const object; it is only read. */
	json_object_keylen_foreach((json_t *)obj, key, len, v)
	{
		size_t mark = pbjson_path_key(d, key, len);
		bool as_proto = false;
		const ProtobufCFieldDescriptor *f = pbjson_find_field(desc, key, len, &as_proto);
		char buf[128], *jname;
		bool twice;

		if (f == NULL)
			return pbjson_fail(d, "unknown field of %s", desc->name);
		if ((jname = pbjson_json_name(f, buf, sizeof buf)) == NULL)
			return pbjson_fail(d, "out of memory");
		/* The same field under its other spelling. */
		twice = strcmp(jname, f->name) != 0 &&
		        json_object_get(obj, as_proto ? jname : f->name) != NULL;
		if (twice)
			pbjson_fail(d, "given twice, as \"%s\" and \"%s\"", f->name, jname);
		if (jname != buf)
			free(jname);
		if (twice || !decode_field(d, msg, f, v, depth))
			return false;
		pbjson_path_pop(d, mark);
	}
	return true;
}

ProtobufCMessage *
pbjson_decode(const ProtobufCMessageDescriptor *desc, const json_t *json, char *err, size_t errcap)
{
	struct pbjson_dec d = { .len = 0, .err = err, .errcap = errcap };
	ProtobufCMessage *msg;

	d.path[0] = '\0';
	if (errcap > 0)
		err[0] = '\0';
	if (json == NULL || !json_is_object(json)) {
		pbjson_fail(&d, "expected an object");
		return NULL;
	}
	if ((msg = pbjson_new_message(desc)) == NULL) {
		pbjson_fail(&d, "out of memory");
		return NULL;
	}
	if (!decode_object(&d, msg, json, 1)) {
		protobuf_c_message_free_unpacked(msg, NULL);
		return NULL;
	}
	return msg;
}
