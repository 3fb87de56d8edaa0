/*
 * regions — the regions' names from config/regions.csv, built in. See regions.h.
 */
#include "regions.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/csv.h"

#define MAX_REGIONS 16

/* config/regions.csv, between regions_csv_start and regions_csv_end (the Makefile makes this
 * object depend on it). */
__asm__(".section .rodata\n"
        ".global regions_csv_start\n"
        ".global regions_csv_end\n"
        "regions_csv_start:\n"
        ".incbin \"config/regions.csv\"\n"
        "regions_csv_end:\n"
        ".previous\n");
extern const char regions_csv_start[], regions_csv_end[];

static struct region table[MAX_REGIONS];
static size_t n_regions;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Columns by header name: iso_code, hcp_code, name_fr, name_ar. A row that does not fit is
 * left out (tests/unit/views/test_regions.c checks that all twelve are read). */
static void
load(void)
{
	struct csv_reader r;
	const char *why;
	int col[4] = { -1, -1, -1, -1 };
	static const char *const names[4] = { "iso_code", "hcp_code", "name_fr", "name_ar" };

	csv_reader_init(&r, regions_csv_start, (size_t)(regions_csv_end - regions_csv_start));
	if (csv_read(&r, &why) == 1)
		for (size_t i = 0; i < r.n; i++)
			for (int k = 0; k < 4; k++)
				if (!strcmp(csv_reader_field(&r, i), names[k]))
					col[k] = (int)i;
	while (col[0] >= 0 && col[1] >= 0 && col[2] >= 0 && col[3] >= 0 &&
	       n_regions < MAX_REGIONS && csv_read(&r, &why) == 1) {
		struct region *g = &table[n_regions];
		if (r.n < 4 || strlen(csv_reader_field(&r, (size_t)col[1])) >= sizeof(g->code))
			continue;
		snprintf(g->iso, sizeof(g->iso), "%s", csv_reader_field(&r, (size_t)col[0]));
		snprintf(g->code, sizeof(g->code), "%s", csv_reader_field(&r, (size_t)col[1]));
		snprintf(g->fr, sizeof(g->fr), "%s", csv_reader_field(&r, (size_t)col[2]));
		snprintf(g->ar, sizeof(g->ar), "%s", csv_reader_field(&r, (size_t)col[3]));
		n_regions++;
	}
	csv_reader_free(&r);
}

const struct region *
regions_find(const char *code)
{
	pthread_once(&once, load);
	for (size_t i = 0; code && *code && i < n_regions; i++)
		if (!strcmp(table[i].code, code))
			return &table[i];
	return NULL;
}

json_t *
regions_name_json(const char *code)
{
	const struct region *g = regions_find(code);
	if (!g)
		return json_null();
	return json_pack("{s:s, s:s, s:s}", "fr", g->fr, "ar", g->ar, "en", g->fr);
}
