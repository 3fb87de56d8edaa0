/*
 * search — the full-text index and its queries. See search.h for the layout and the rules.
 */
#include "search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/err.h"
#include "core/textnorm.h"

static const char *const search_db_names[SEARCH_NDBS + 1] = { "sx:terms", "sx:docs", NULL };

const struct store_module search_module = {
	"the search index", search_db_names, search_apply, NULL, NULL, false
};

#define DOC_MAX (4 + 1 + 2 * (INDEX_MAX_ID + 1))
#define WORD_CAP (TEXTNORM_WORD_MAX + 1)
#define TERM_KEY_MAX (WORD_CAP + DOC_MAX)

static MDB_dbi
db(const struct store *s, enum search_db which)
{
	return store_dbs(s, &search_module)[which];
}

/* ---- documents ---- */

struct words {
	char (*w)[WORD_CAP];
	size_t n;
};

static int
add_word(const char *word, size_t len, void *arg)
{
	struct words *ws = arg;
	(void)len;
	for (size_t i = 0; i < ws->n; i++)
		if (!strcmp(ws->w[i], word))
			return 0;
	if (ws->n == SEARCH_MAX_DOC_WORDS)
		return 1; /* enough to find it by */
	snprintf(ws->w[ws->n++], WORD_CAP, "%s", word);
	return 0;
}

static void
add_text(struct words *ws, const char *s)
{
	if (s && *s && ws->n < SEARCH_MAX_DOC_WORDS)
		textnorm_words(s, strlen(s), add_word, ws);
}

static void
add_texts(struct words *ws, const Remacto__V1__Text *t)
{
	if (t) {
		add_text(ws, t->fr);
		add_text(ws, t->ar);
		add_text(ws, t->en);
	}
}

/* log‖kind‖id[‖0‖sub]: its length, 0 when an id does not fit. */
static size_t
doc_key(uint8_t out[DOC_MAX], uint32_t log, char kind, const char *id, const char *sub)
{
	size_t il = id ? strlen(id) : 0, sl = sub ? strlen(sub) : 0, n;
	if (!il || il > INDEX_MAX_ID || sl > INDEX_MAX_ID)
		return 0;
	put_be32(out, log);
	out[4] = (uint8_t)kind;
	memcpy(out + 5, id, il);
	n = 5 + il;
	if (sub) {
		if (!sl)
			return 0;
		out[n++] = 0;
		memcpy(out + n, sub, sl);
		n += sl;
	}
	return n;
}

static size_t
term_key(uint8_t out[TERM_KEY_MAX], const char *word, const uint8_t *doc, size_t dl)
{
	size_t wl = strlen(word);
	memcpy(out, word, wl);
	out[wl] = 0;
	memcpy(out + wl + 1, doc, dl);
	return wl + 1 + dl;
}

/* Removes the postings of a document's previous words. */
static int
drop_old(MDB_txn *txn, struct store *s, const uint8_t *doc, size_t dl)
{
	MDB_val k = { dl, (void *)doc }, v;
	int rc = mdb_get(txn, db(s, SEARCH_DOCS), &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	const uint8_t *p = v.mv_data, *end = p + v.mv_size;
	if (v.mv_size < 9 || 9 + (size_t)p[8] > v.mv_size)
		return MDB_CORRUPTED;
	/* Copy the words out: deleting postings may move the page v points into. */
	size_t n = v.mv_size - 9 - p[8];
	char *copy = malloc(n + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, p + 9 + p[8], n);
	copy[n] = '\0';
	(void)end;
	for (size_t i = 0; i < n && rc == 0;) {
		size_t wl = strnlen(copy + i, n - i);
		if (wl && wl < WORD_CAP) {
			uint8_t key[TERM_KEY_MAX];
			MDB_val tk = { term_key(key, copy + i, doc, dl), key };
			rc = mdb_del(txn, db(s, SEARCH_TERMS), &tk, NULL);
			if (rc == MDB_NOTFOUND)
				rc = 0;
		}
		i += wl + 1;
	}
	free(copy);
	return rc;
}

/* (Re)indexes one document with its words. */
static int
put_doc(MDB_txn *txn, struct store *s, const uint8_t *doc, size_t dl, uint64_t index,
        const char *commitment, const struct words *ws)
{
	size_t cl = commitment ? strlen(commitment) : 0, vl = 9 + cl;
	uint8_t key[TERM_KEY_MAX], *val;
	int rc;

	if (cl > INDEX_MAX_ID)
		cl = 0, vl = 9;
	if ((rc = drop_old(txn, s, doc, dl)) != 0)
		return rc;
	for (size_t i = 0; i < ws->n; i++)
		vl += strlen(ws->w[i]) + 1;
	if (!(val = malloc(vl)))
		return -ENOMEM;
	put_be64(val, index);
	val[8] = (uint8_t)cl;
	if (cl) /* memcpy's source may not be NULL, even for no bytes */
		memcpy(val + 9, commitment, cl);
	size_t o = 9 + cl;
	for (size_t i = 0; i < ws->n && rc == 0; i++) {
		size_t wl = strlen(ws->w[i]);
		memcpy(val + o, ws->w[i], wl + 1);
		o += wl + 1;
		MDB_val k = { term_key(key, ws->w[i], doc, dl), key }, v = { 0, "" };
		rc = mdb_put(txn, db(s, SEARCH_TERMS), &k, &v, 0);
	}
	if (rc == 0) {
		MDB_val k = { dl, (void *)doc }, v = { vl, val };
		rc = mdb_put(txn, db(s, SEARCH_DOCS), &k, &v, 0);
	}
	free(val);
	return rc;
}

static int
index_doc(MDB_txn *txn, struct store *s, uint32_t log, char kind, const char *id, const char *sub,
          uint64_t index, const char *commitment, struct words *ws)
{
	uint8_t doc[DOC_MAX];
	size_t dl = doc_key(doc, log, kind, id, sub);
	if (!dl)
		return 0; /* an id the domain index refuses too (strict) or leaves out */
	return put_doc(txn, s, doc, dl, index, commitment, ws);
}

int
search_apply(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
             const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap)
{
	struct words ws = { NULL, 0 };
	int rc = 0;
	(void)origin, (void)strict, (void)err, (void)errcap;

	if (e->kind_case != REMACTO__V1__ENTRY__KIND_PROGRAMME &&
	    e->kind_case != REMACTO__V1__ENTRY__KIND_COMMITMENT &&
	    e->kind_case != REMACTO__V1__ENTRY__KIND_INDICATOR)
		return 0;
	if (!(ws.w = malloc(SEARCH_MAX_DOC_WORDS * sizeof(*ws.w))))
		return -ENOMEM;
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_PROGRAMME: {
		const Remacto__V1__Programme *p = e->programme;
		add_text(&ws, p->id);
		add_texts(&ws, p->title);
		add_texts(&ws, p->summary);
		rc = index_doc(txn, s, log, SEARCH_PROGRAMME, p->id, NULL, index, NULL, &ws);
		break;
	}
	case REMACTO__V1__ENTRY__KIND_COMMITMENT: {
		const Remacto__V1__Commitment *c = e->commitment;
		add_text(&ws, c->id);
		add_texts(&ws, c->title);
		add_texts(&ws, c->problem);
		add_texts(&ws, c->description);
		add_text(&ws, c->lead_body);
		for (size_t i = 0; i < c->n_stakeholders; i++)
			add_text(&ws, c->stakeholders[i]);
		rc = index_doc(txn, s, log, SEARCH_COMMITMENT, c->id, NULL, index, NULL, &ws);
		for (size_t i = 0; rc == 0 && i < c->n_milestones; i++) {
			ws.n = 0;
			add_texts(&ws, c->milestones[i]->title);
			rc = index_doc(txn, s, log, SEARCH_MILESTONE, c->id, c->milestones[i]->id,
			               index, NULL, &ws);
		}
		break;
	}
	case REMACTO__V1__ENTRY__KIND_INDICATOR: {
		const Remacto__V1__Indicator *ind = e->indicator;
		add_text(&ws, ind->id);
		add_text(&ws, ind->catalog_code);
		add_texts(&ws, ind->title);
		rc = index_doc(txn, s, log, SEARCH_INDICATOR, ind->id, NULL, index,
		               ind->commitment_id, &ws);
		break;
	}
	default:
		break;
	}
	free(ws.w);
	return rc;
}

/* ---- queries ---- */

static int
query_word(const char *word, size_t len, void *arg)
{
	struct search_result *r = arg;
	(void)len;
	for (size_t i = 0; i < r->n_words; i++)
		if (!strcmp(r->words[i], word))
			return 0;
	if (r->n_words == SEARCH_MAX_WORDS)
		return 1;
	snprintf(r->words[r->n_words++], sizeof(r->words[0]), "%s", word);
	return 0;
}

/* Postings under prefix w, counted up to cap. */
static int
count_postings(MDB_cursor *c, const char *w, size_t cap, size_t *out)
{
	size_t wl = strlen(w), n = 0;
	MDB_val k = { wl, (void *)w }, v;
	int rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 && n < cap;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < wl || memcmp(k.mv_data, w, wl) != 0)
			break;
		n++;
	}
	*out = n;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Whether every word but the driver is a prefix of one of the document's words. */
static bool
doc_has_words(const struct search_result *r, size_t driver, const uint8_t *words, size_t n)
{
	for (size_t q = 0; q < r->n_words; q++) {
		bool found = false;
		size_t ql = strlen(r->words[q]);
		if (q == driver)
			continue;
		for (size_t i = 0; i < n && !found;) {
			size_t wl = strnlen((const char *)words + i, n - i);
			found = wl >= ql && !memcmp(words + i, r->words[q], ql);
			i += wl + 1;
		}
		if (!found)
			return false;
	}
	return true;
}

/* A 64-bit FNV-1a hash of a document key, for telling documents already seen. */
static uint64_t
doc_hash(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h ? h : 1;
}

struct seen {
	uint64_t *slot;
	size_t cap;
};

/* true when the document is new (and remembers it). */
static bool
first_time(struct seen *s, uint64_t h)
{
	size_t i = (size_t)(h & (s->cap - 1));
	while (s->slot[i]) {
		if (s->slot[i] == h)
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = h;
	return true;
}

/* The document's principles match the filter (through its commitment). */
static int
principle_ok(struct store *s, MDB_txn *txn, const struct search_query *q, uint32_t log,
             const char *commitment, bool *ok)
{
	struct index_commitment c;
	*ok = false;
	if (!q->principle)
		return (*ok = true), 0;
	if (!commitment[0])
		return 0;
	int rc = index_commitment_get(s, txn, log, commitment, &c);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	*ok = (c.principles >> q->principle) & 1;
	return 0;
}

/* Reads the document doc (its key in a posting) into a hit, if it passes every filter. */
static int
consider(struct store *s, MDB_txn *txn, const struct search_query *q, struct search_result *r,
         size_t driver, const uint8_t *doc, size_t dl, bool *taken)
{
	MDB_val k = { dl, (void *)doc }, v;
	struct search_hit h = { 0 };
	bool ok;
	int rc;

	*taken = false;
	if (dl < 6)
		return MDB_CORRUPTED;
	h.log = get_be32(doc);
	h.kind = (char)doc[4];
	if (q->kind && h.kind != q->kind)
		return 0;
	const uint8_t *idp = doc + 5, *sep = memchr(idp, 0, dl - 5);
	size_t il = sep ? (size_t)(sep - idp) : dl - 5;
	if (il > INDEX_MAX_ID || (sep && dl - 5 - il - 1 > INDEX_MAX_ID))
		return MDB_CORRUPTED;
	if (sep) { /* a milestone: commitment‖0‖milestone */
		memcpy(h.commitment, idp, il);
		memcpy(h.id, sep + 1, dl - 5 - il - 1);
	} else {
		memcpy(h.id, idp, il);
	}
	if ((rc = mdb_get(txn, db(s, SEARCH_DOCS), &k, &v)) != 0)
		return rc == MDB_NOTFOUND ? MDB_CORRUPTED : rc;
	const uint8_t *p = v.mv_data;
	if (v.mv_size < 9 || 9 + (size_t)p[8] > v.mv_size)
		return MDB_CORRUPTED;
	h.index = get_be64(p);
	if (p[8]) {
		memcpy(h.commitment, p + 9, p[8]);
		h.commitment[p[8]] = '\0';
	}
	if (!doc_has_words(r, driver, p + 9 + p[8], v.mv_size - 9 - p[8]))
		return 0;
	const char *cid = h.kind == SEARCH_COMMITMENT ? h.id : h.commitment;
	if ((rc = principle_ok(s, txn, q, h.log, cid, &ok)) != 0 || !ok)
		return rc;
	if (r->n == q->limit) {
		r->more = true;
		return 0;
	}
	r->hits[r->n++] = h;
	*taken = true;
	return 0;
}

int
search_run(struct store *s, MDB_txn *txn, const struct search_query *q, struct search_result *r,
           char *err, size_t errcap)
{
	struct seen seen = { NULL, 0 };
	MDB_cursor *c = NULL;
	size_t driver = 0, best = SIZE_MAX;
	int rc;

	memset(r, 0, sizeof(*r));
	textnorm_words(q->text, q->len, query_word, r);
	if (!r->n_words) {
		err_set(err, errcap,
		        "no word to search for: give words of 2 letters or more (very common "
		        "ones such as \"de\" or \"في\" are left out)");
		return -EINVAL;
	}
	if ((rc = mdb_cursor_open(txn, db(s, SEARCH_TERMS), &c)) != 0)
		return rc;
	for (size_t i = 0; i < r->n_words; i++) {
		size_t n;
		if ((rc = count_postings(c, r->words[i], best == SIZE_MAX ? 1000 : best, &n)) != 0)
			goto done;
		if (n < best)
			best = n, driver = i;
		if (n == 0)
			goto done; /* a word nobody wrote: nothing matches */
	}
	seen.cap = 1;
	while (seen.cap < 2 * SEARCH_MAX_SCAN)
		seen.cap <<= 1;
	if (!(seen.slot = calloc(seen.cap, sizeof(*seen.slot)))) {
		rc = -ENOMEM;
		goto done;
	}

	const char *w = r->words[driver];
	size_t wl = strlen(w);
	uint8_t seek[TERM_KEY_MAX];
	MDB_val k = { wl, (void *)w }, v;
	MDB_cursor_op op = MDB_SET_RANGE;
	for (rc = mdb_cursor_get(c, &k, &v, op); rc == 0; rc = mdb_cursor_get(c, &k, &v, op)) {
		const uint8_t *kp = k.mv_data;
		op = MDB_NEXT;
		if (k.mv_size < wl || memcmp(kp, w, wl) != 0)
			break;
		const uint8_t *nul = memchr(kp, 0, k.mv_size);
		if (!nul || (size_t)(nul - kp) >= WORD_CAP) {
			rc = MDB_CORRUPTED;
			break;
		}
		size_t tl = (size_t)(nul - kp), dl = k.mv_size - tl - 1;
		const uint8_t *doc = nul + 1;
		if (dl < 5) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (q->by_log && get_be32(doc) != q->log) {
			/* Seek within this word to the member's log, or past the word. */
			memcpy(seek, kp, tl + 1);
			if (get_be32(doc) < q->log) {
				put_be32(seek + tl + 1, q->log);
				k.mv_size = tl + 5;
			} else {
				seek[tl] = 1; /* word‖1 sorts after every word‖0‖… */
				k.mv_size = tl + 1;
			}
			k.mv_data = seek;
			op = MDB_SET_RANGE;
			continue;
		}
		if (r->scanned++ == SEARCH_MAX_SCAN) {
			r->truncated = r->more = true;
			break;
		}
		bool taken;
		if (!first_time(&seen, doc_hash(doc, dl)))
			continue;
		/* doc points into the cursor's page: consider() reads another tree, copy it. */
		uint8_t dcopy[DOC_MAX];
		if (dl > sizeof(dcopy)) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(dcopy, doc, dl);
		if ((rc = consider(s, txn, q, r, driver, dcopy, dl, &taken)) != 0)
			break;
		if (r->more)
			break;
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
done:
	free(seen.slot);
	mdb_cursor_close(c);
	if (rc != 0 && rc != -EINVAL)
		err_set(err, errcap, "cannot read the search index: %s", store_strerror(rc));
	return rc;
}
