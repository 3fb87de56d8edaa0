/*
 * report — the directorate's PDF reports (remacto report): one member's compliance report or
 * the national overview, as of a date, in French, Arabic or English, drawn with cairo and pango
 * (pango shapes Arabic and lays it out right to left).
 *
 * cmd_report.c gathers what a report shows from a node's public API (JSON); report_pdf.c draws
 * it; report_text.c holds the words of the three languages. The renderer reads the API's JSON
 * as it is: what it prints is what the node answers, nothing recomputed.
 *
 * Ownership: the caller owns the input and its JSON; report_pdf_write only reads them.
 */
#ifndef REMACTO_REPORT_H
#define REMACTO_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum report_lang { REPORT_FR, REPORT_AR, REPORT_EN };

struct report_input {
	enum report_lang lang;
	bool national;
	/* member: GET /api/v1/compliance/<m>; national: GET /api/v1/compliance (with its trend) */
	json_t *data;
	/* member: [{"date","score","status"}] at past month ends then as of, from the same route */
	json_t *trend;
	/* the log the footer verifies (the member's, or the registry's for the national report):
	 * origin, size, root and its signed checkpoint note; log NULL when the node holds none */
	json_t *log;
	const char *checkpoint;
	size_t n_witnesses;       /* cosignatures held for that checkpoint's log */
	const char *last_witness; /* newest cosignature time, or NULL */
	const char *node;         /* the node's URL the data came from */
	const char *generated;    /* UTC time the report was made, ISO 8601 */
};

/* Draws the report into path (written whole, then renamed into place). 0 with *pages set,
 * or -1 with err set. */
int report_pdf_write(const struct report_input *in, const char *path, unsigned *pages, char *err,
                     size_t errcap);

/* The words of the reports (report_text.c). */
enum report_word {
	RW_TITLE_MEMBER,
	RW_TITLE_NATIONAL,
	RW_NETWORK,
	RW_AS_OF,
	RW_STATUS,
	RW_SCORE,
	RW_RULES,
	RW_RULE,
	RW_WEIGHT,
	RW_RESULT,
	RW_NOT_APPLICABLE,
	RW_FINDINGS,
	RW_NO_FINDING,
	RW_ACTION,
	RW_ENTRIES,
	RW_TREND,
	RW_TREND_MEMBER,
	RW_TREND_NATIONAL,
	RW_MEAN_SCORE,
	RW_VERIFICATION,
	RW_VERIFY_INTRO,
	RW_VERIFY_HOW,
	RW_LOG,
	RW_SIZE,
	RW_ROOT,
	RW_CHECKPOINT,
	RW_WITNESSES,
	RW_LAST_WITNESS,
	RW_NEVER,
	RW_NOT_HELD,
	RW_MEMBERS,
	RW_BY_REGION,
	RW_BY_KIND,
	RW_REGION,
	RW_KIND,
	RW_POPULATION,
	RW_MEMBER,
	RW_CRITICAL,
	RW_MAJOR,
	RW_MINOR,
	RW_INFO,
	RW_COMPLIANT,
	RW_AT_RISK,
	RW_NON_COMPLIANT,
	RW_SUSPENDED,
	RW_PAGE,
	RW_GENERATED,
	RW_POLICY,
	RW_LAST_WITNESSED,
	RW_DAYS,
	RW_COUNT
};

const char *report_word(enum report_lang l, enum report_word w);
/* "compliant" → "conforme"; unknown names are returned as they are. */
const char *report_status(enum report_lang l, const char *status);
const char *report_severity(enum report_lang l, const char *severity);
const char *report_kind(enum report_lang l, const char *kind);
const char *report_rule(enum report_lang l, const char *rule);
/* The language's key in the API's multilingual texts: "fr", "ar", "en". */
const char *report_lang_key(enum report_lang l);

#endif
