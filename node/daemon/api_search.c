/*
 * api_search — GET /api/v1/search?q=…[&member=&principle=&kind=&limit=]: commitments,
 * milestones, indicators and programmes of every log the node holds whose texts (fr, ar, en)
 * hold every word of q, from the search index (store/search.h), with the title of each as its
 * latest version says and the dashboard page that shows it. Words are folded the same way in
 * the index and in q (core/textnorm.h): accents, Arabic diacritics, hamza, alef and ta marbuta
 * forms do not matter, and a word finds the words it begins.
 *
 * {"query","words":[…],"results":[{"kind","member","origin","id","commitment"?,"title",
 *  "index","href"}],"more","truncated"}
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_domain.h"
#include "core/pbjson.h"
#include "core/utf8.h"
#include "store/search.h"

#define Q_MAX 512

static const char *
kind_name(char k)
{
	switch (k) {
	case SEARCH_PROGRAMME:
		return "programme";
	case SEARCH_COMMITMENT:
		return "commitment";
	case SEARCH_MILESTONE:
		return "milestone";
	case SEARCH_INDICATOR:
		return "indicator";
	default:
		return "unknown";
	}
}

/* The title of a hit, from the entry that last indexed it. */
static json_t *
title_of(const Remacto__V1__Entry *e, const struct search_hit *h)
{
	const Remacto__V1__Text *t = NULL;
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_PROGRAMME:
		t = e->programme->title;
		break;
	case REMACTO__V1__ENTRY__KIND_INDICATOR:
		t = e->indicator->title;
		break;
	case REMACTO__V1__ENTRY__KIND_COMMITMENT:
		if (h->kind != SEARCH_MILESTONE) {
			t = e->commitment->title;
			break;
		}
		for (size_t i = 0; i < e->commitment->n_milestones; i++)
			if (!strcmp(e->commitment->milestones[i]->id, h->id))
				t = e->commitment->milestones[i]->title;
		break;
	default:
		break;
	}
	return t ? pbjson_encode(&t->base) : json_object();
}

static json_t *
hit_json(struct domain *x, const struct search_hit *h, int *rc)
{
	const char *origin = store_log_list_origin(&x->logs, h->log);
	Remacto__V1__Entry *e;
	char href[3 * INDEX_MAX_ID + 64];
	json_t *j;
	if (!origin) {
		*rc = MDB_CORRUPTED;
		return NULL;
	}
	if ((*rc = domain_read_entry(x, h->log, h->index, &e)) != 0)
		return NULL;
	const char *slug = store_slug(origin);
	switch (h->kind) {
	case SEARCH_PROGRAMME:
		snprintf(href, sizeof(href), "#/member/%s", slug);
		break;
	case SEARCH_INDICATOR:
		snprintf(href, sizeof(href), "#/indicator/%s/%s", slug, h->id);
		break;
	case SEARCH_MILESTONE:
		snprintf(href, sizeof(href), "#/commitment/%s/%s", slug, h->commitment);
		break;
	default:
		snprintf(href, sizeof(href), "#/commitment/%s/%s", slug, h->id);
		break;
	}
	j = json_object();
	if (j) {
		json_object_set_new(j, "kind", json_string(kind_name(h->kind)));
		json_object_set_new(j, "member", api_jstr(slug));
		json_object_set_new(j, "origin", api_jstr(origin));
		json_object_set_new(j, "id", api_jstr(h->id));
		if (h->commitment[0])
			json_object_set_new(j, "commitment", api_jstr(h->commitment));
		json_object_set_new(j, "title", title_of(e, h));
		json_object_set_new(j, "index", json_integer((json_int_t)h->index));
		json_object_set_new(j, "href", api_jstr(href));
	}
	domain_entry_free(e);
	*rc = j ? 0 : -ENOMEM;
	return j;
}

void
domain_search(struct domain *x)
{
	static const char *const allowed[] = { "q", "member", "principle", "kind", "limit", NULL };
	struct search_query q = { 0 };
	struct search_result *r = NULL;
	char text[Q_MAX], member[DOMAIN_PARAM_MAX], principle[64], kind[32], err[256];
	uint64_t limit;
	json_t *rows = NULL, *words = NULL;
	int rc = 0;

	if (x->csv) {
		api_error(x->resp, 400, NULL, "search answers in JSON only");
		return;
	}
	if (!api_query_check(x->req, x->resp, allowed) ||
	    !api_query_str(x->req, x->resp, "q", text, sizeof(text)) ||
	    !api_query_str(x->req, x->resp, "member", member, sizeof(member)) ||
	    !api_query_str(x->req, x->resp, "principle", principle, sizeof(principle)) ||
	    !api_query_str(x->req, x->resp, "kind", kind, sizeof(kind)) ||
	    !api_query_u64(x->req, x->resp, "limit", 20, SEARCH_MAX_RESULTS, &limit))
		return;
	if (!text[0]) {
		api_error(x->resp, 400, "q", "required: the words to search for");
		return;
	}
	if (!utf8_valid(text, strlen(text))) {
		api_error(x->resp, 400, "q", "not UTF-8 text");
		return;
	}
	if (member[0] && !domain_member_log(x, member, &q.log, 400))
		return;
	q.by_log = member[0] != 0;
	if (principle[0] &&
	    !domain_parse_enum(x, "principle", principle, &remacto__v1__principle__descriptor,
	                       false, &q.principle))
		return;
	if (kind[0]) {
		static const char kinds[] = { SEARCH_PROGRAMME, SEARCH_COMMITMENT, SEARCH_MILESTONE,
			                      SEARCH_INDICATOR };
		for (size_t i = 0; i < sizeof(kinds) && !q.kind; i++)
			if (!strcmp(kind, kind_name(kinds[i])))
				q.kind = kinds[i];
		if (!q.kind) {
			api_error(x->resp, 400, "kind",
			          "unknown kind; expected programme, commitment, milestone or "
			          "indicator");
			return;
		}
	}
	q.text = text, q.len = strlen(text);
	q.limit = limit ? limit : 20;
	if (!(r = malloc(sizeof(*r)))) {
		api_error(x->resp, 500, NULL, "out of memory");
		return;
	}
	rc = search_run(x->s, x->txn, &q, r, err, sizeof(err));
	if (rc == -EINVAL) {
		api_error(x->resp, 400, "q", "%s", err);
		goto done;
	}
	if (rc != 0) {
		domain_store_error(x, rc, "cannot search");
		goto done;
	}
	rows = json_array(), words = json_array();
	for (size_t i = 0; i < r->n_words && words; i++)
		json_array_append_new(words, json_string(r->words[i]));
	for (size_t i = 0; i < r->n && rows && rc == 0; i++) {
		json_t *j = hit_json(x, &r->hits[i], &rc);
		if (j)
			json_array_append_new(rows, j);
	}
	if (rc != 0 || !rows || !words) {
		domain_store_error(x, rc ? rc : -ENOMEM, "cannot read a search result");
		goto done;
	}
	api_json(x->resp, 200,
	         json_pack("{s:s, s:o, s:o, s:b, s:b}", "query", text, "words", words, "results",
	                   rows, "more", r->more, "truncated", r->truncated));
	rows = words = NULL;
	if (x->resp->status == 200)
		x->resp->cache_control = domain_short_lived;
done:
	json_decref(rows);
	json_decref(words);
	free(r);
}
