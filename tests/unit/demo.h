/*
 * Shared by the unit tests that work on real entries (include after cmocka.h): the path of the
 * demo programme (config/demo/rabat-prefecture.jsonl, or $REMACTO_DEMO) and the validated
 * entry bytes of one JSON text.
 */
#ifndef REMACTO_TEST_DEMO_H
#define REMACTO_TEST_DEMO_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/entry.h"
#include "store/tlog.h"

static const char *
demo_path(void)
{
	static char path[512];
	const char *env = getenv("REMACTO_DEMO");
	const char *file = __FILE__, *slash = strrchr(file, '/');
	if (env)
		return env;
	snprintf(path, sizeof(path), "%.*s/../../config/demo/rabat-prefecture.jsonl",
	         slash ? (int)(slash - file) : 1, slash ? file : ".");
	return path;
}

/* Entry bytes of one JSON text (malloc'd); fails the test when it does not validate. */
static struct tlog_blob
blob(const char *json)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	char err[256];
	uint8_t *data;
	size_t len;
	if (!j)
		fail_msg("bad test JSON %s: %s", json, je.text);
	if (entry_from_json(j, &data, &len, err, sizeof(err)) != 0)
		fail_msg("entry %s: %s", json, err);
	json_decref(j);
	return (struct tlog_blob){ data, len };
}

#endif
