/*
 * csvimport_impl — what the files of the csvimport module share: the one table of columns both
 * directions follow (csvimport.c defines it). Not for other modules: csvimport.h is the
 * contract.
 */
#ifndef REMACTO_CSVIMPORT_IMPL_H
#define REMACTO_CSVIMPORT_IMPL_H

#include <stddef.h>

#include "csvimport.h"

enum ctype {
	T_MEMBER,     /* export: the log's slug; import: checked against opts->member */
	T_STRING,     /* a string field */
	T_TEXT,       /* one language of a Text field */
	T_PRINCIPLES, /* repeated Principle, short names joined by ';' */
	T_LIST,       /* repeated string joined by ';' */
	T_INT64,      /* a 64-bit integer (a JSON string in the canonical mapping) */
	T_UINT32,
	T_JSON,       /* the canonical JSON array of a repeated message field */
	T_DOUBLE,     /* required on import */
	T_DIMENSIONS, /* repeated Dimension, name=value joined by ';' */
	/* export only, ignored on import */
	T_X_STATUS,
	T_X_PROGRESS,
	T_X_STATUS_DATE,
	T_X_PUBLISHED,
	T_X_LOG_INDEX,
	T_X_STATUS_INDEX,
};

struct col {
	const char *name;
	enum ctype type;
	const char *json; /* the field's JSON name */
	const char *sub;  /* T_TEXT: the language */
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

struct table {
	const struct col *cols;
	size_t n;
	const char *kind; /* the Entry field's JSON name */
};

/* Indexed by enum csvimport_table. */
extern const struct table csvimport_tables[];

#endif
