/*
 * regions — the names of Morocco's twelve regions by their HCP code ("04" → Rabat-Salé-Kénitra,
 * الرباط سلا القنيطرة), so that the views name a region instead of showing its code. The table
 * is config/regions.csv, built into the executable (regions.c); the registry records only a
 * member's region code.
 *
 * Thread-safe: the table is parsed once, on first use, and never changes afterwards.
 */
#ifndef REMACTO_REGIONS_H
#define REMACTO_REGIONS_H

#include <jansson.h>

struct region {
	char code[4]; /* HCP code: "01".."12" */
	char iso[8];  /* "MA-04" */
	char fr[96], ar[96];
};

/* The region with that HCP code, or NULL (an unknown code, an empty one). */
const struct region *regions_find(const char *code);

/* {"fr","ar","en"} of the region's name (en: the French name, as the region calls itself), or
 * JSON null for an unknown code. */
json_t *regions_name_json(const char *code);

#endif
