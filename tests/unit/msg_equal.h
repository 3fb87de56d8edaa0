/*
 * msg_equal — whether two protobuf-c messages hold the same values, bit for bit (a -0.0 is not a
 * +0.0, NaN payloads count), walking the descriptors: for tests and fuzz harnesses that check a
 * decoded message against the one unpacking its bytes gives (what a store module folds must be
 * what every reader of the log sees). Strings compare by content (protobuf-c's shared empty string
 * equals a malloc'd ""), bytes by length and content, oneofs by case then member, explicit
 * presence by its has_ flag, unknown fields by count. Prints the first difference to stderr.
 */
#ifndef REMACTO_TEST_MSG_EQUAL_H
#define REMACTO_TEST_MSG_EQUAL_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static size_t
msg_equal_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	default:
		return 4;
	}
}

static bool msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

static bool
msg_equal_value(const ProtobufCFieldDescriptor *f, const void *x, const void *y)
{
	const char *s, *t;
	const ProtobufCBinaryData *p = x, *q = y;
	const ProtobufCMessage *m, *n;

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		memcpy(&s, x, sizeof s);
		memcpy(&t, y, sizeof t);
		return strcmp(s ? s : "", t ? t : "") == 0;
	case PROTOBUF_C_TYPE_BYTES:
		return p->len == q->len && (p->len == 0 || memcmp(p->data, q->data, p->len) == 0);
	case PROTOBUF_C_TYPE_MESSAGE:
		memcpy(&m, x, sizeof m);
		memcpy(&n, y, sizeof n);
		return (m == NULL) == (n == NULL) && (m == NULL || msg_equal(m, n));
	default:
		return memcmp(x, y, msg_equal_size(f->type)) == 0;
	}
}

static bool
msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	const ProtobufCMessageDescriptor *d = a->descriptor;

	if (b->descriptor != d || a->n_unknown_fields != b->n_unknown_fields) {
		fprintf(stderr, "msg_equal: %s: other type or unknown fields\n", d->name);
		return false;
	}
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *x = (const char *)a + f->offset, *y = (const char *)b + f->offset;
		const char *qa = (const char *)a + f->quantifier_offset;
		const char *qb = (const char *)b + f->quantifier_offset;
		bool same = true;

		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t ca, cb;

			memcpy(&ca, qa, sizeof ca);
			memcpy(&cb, qb, sizeof cb);
			same = ca == cb && (ca != f->id || msg_equal_value(f, x, y));
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t na, nb, es = msg_equal_size(f->type);
			const char *va, *vb;

			memcpy(&na, qa, sizeof na);
			memcpy(&nb, qb, sizeof nb);
			memcpy(&va, x, sizeof va);
			memcpy(&vb, y, sizeof vb);
			same = na == nb;
			for (size_t k = 0; same && k < na; k++)
				same = msg_equal_value(f, va + k * es, vb + k * es);
		} else {
			if (f->label == PROTOBUF_C_LABEL_OPTIONAL &&
			    f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
				same = memcmp(qa, qb, sizeof(protobuf_c_boolean)) == 0;
			same = same && msg_equal_value(f, x, y);
		}
		if (!same) {
			fprintf(stderr, "msg_equal: %s.%s differs\n", d->name, f->name);
			return false;
		}
	}
	return true;
}

#endif
