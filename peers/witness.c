/*
 * witness — storage and serving of checkpoint cosignatures. See witness.h.
 */
#include "witness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/b64.h"
#include "core/be.h"

static const char *const db_names[] = { "wit:cosigs", "wit:latest", NULL };

const struct store_module witness_module = { "the cosignatures", db_names, NULL, NULL, NULL, false };

static MDB_dbi
cosigs(struct store *s)
{
	return store_dbs(s, &witness_module)[0];
}

static size_t
key_prefix(uint8_t *k, uint32_t log, uint64_t size)
{
	put_be32(k, log);
	put_be64(k + 4, size);
	return 12;
}

int
witness_put(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *name,
            uint64_t timestamp, const char *line, size_t len)
{
	uint8_t key[12 + NOTE_NAME_MAX];
	size_t nl = strlen(name), kl;
	char *val;
	int rc;

	if (nl > NOTE_NAME_MAX || len > 512)
		return -EINVAL;
	kl = key_prefix(key, log, size);
	memcpy(key + kl, name, nl);
	if (!(val = malloc(32 + len)))
		return -ENOMEM;
	int vl = snprintf(val, 32, "%llu ", (unsigned long long)timestamp);
	memcpy(val + vl, line, len);
	MDB_val k = { kl + nl, key }, v = { (size_t)vl + len, val };
	rc = mdb_put(txn, cosigs(s), &k, &v, 0);
	free(val);
	/* The modules that fold cosignatures (the views' liveness) in the same transaction. */
	return rc ? rc : store_cosigned(s, txn, log, size, name, timestamp);
}

/* Walks the cosignatures of (log, size): fn(name, namelen, timestamp, line, len). */
static int
each(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size,
     int (*fn)(const char *, size_t, uint64_t, const char *, size_t, void *), void *arg)
{
	uint8_t key[12];
	MDB_cursor *c;
	MDB_val k = { key_prefix(key, log, size), key }, v;
	int rc = mdb_cursor_open(txn, cosigs(s), &c), n = 0;
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     rc == 0 && n < WITNESS_MAX_PER_CHECKPOINT;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), n++) {
		if (k.mv_size < 12 || memcmp(k.mv_data, key, 12) != 0)
			break;
		const char *val = v.mv_data, *sp = memchr(val, ' ', v.mv_size);
		if (!sp)
			continue;
		uint64_t ts = strtoull(val, NULL, 10);
		if ((rc = fn((const char *)k.mv_data + 12, k.mv_size - 12, ts, sp + 1,
		             v.mv_size - (size_t)(sp + 1 - val), arg)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

struct append_ctx {
	char *out;
	size_t len, cap;
	size_t lines; /* signature lines in out: at most NOTE_MAX_SIGS, or the note won't open */
	bool overflow;
};

/* The signer of a signature line "— <name> <base64(key ID ‖ signature)>": its name and the key
 * ID (the first 4 bytes; the first 8 characters of base64 hold 6). */
static bool
line_signer(const char *line, size_t len, const char **name, size_t *nl, uint8_t id[4])
{
	static const char dash[] = "\xe2\x80\x94 ";
	const char *end = line + len, *p = line + 4, *sp;
	uint8_t head[6];
	size_t hl;
	if (len < 4 || memcmp(line, dash, 4) != 0 || !(sp = memchr(p, ' ', (size_t)(end - p))) ||
	    end - (sp + 1) < 8 || !b64_decode(sp + 1, 8, head, sizeof(head), &hl) || hl < 4)
		return false;
	*name = p, *nl = (size_t)(sp - p);
	memcpy(id, head, 4);
	return true;
}

/* Does out[0..len) hold a signature line by the signer of line (same name, same key ID)? */
static bool
signed_by_same(const char *out, size_t len, const char *line, size_t ll)
{
	const char *name, *n2;
	size_t nl, nl2;
	uint8_t id[4], id2[4];
	if (!line_signer(line, ll, &name, &nl, id))
		return false;
	for (size_t i = 0; i < len;) {
		const char *eol = memchr(out + i, '\n', len - i);
		size_t l = eol ? (size_t)(eol - (out + i)) : len - i;
		if (line_signer(out + i, l, &n2, &nl2, id2) && nl2 == nl && !memcmp(n2, name, nl) &&
		    !memcmp(id2, id, 4))
			return true;
		i += l + 1;
	}
	return false;
}

static int
append_line(const char *name, size_t nl, uint64_t ts, const char *line, size_t len, void *arg)
{
	struct append_ctx *a = arg;
	(void)name, (void)nl, (void)ts;
	/* The note may carry this witness's cosignature already (a note stored as gossiped keeps
	 * the lines it came with): a signer appears once. */
	if (a->lines >= NOTE_MAX_SIGS) {
		a->overflow = true;
		return 1;
	}
	if (signed_by_same(a->out, a->len, line, len))
		return 0;
	if (a->len + len >= a->cap) {
		a->overflow = true;
		return 1;
	}
	memcpy(a->out + a->len, line, len);
	a->len += len;
	a->lines++;
	return 0;
}

int
witness_note(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *note,
             size_t note_len, char *out, size_t cap)
{
	struct append_ctx a = { out, note_len, cap, 0, false };
	if (note_len >= cap)
		return -1;
	memcpy(out, note, note_len);
	/* The note's own signature lines: those after its blank line. */
	const char *blank = memmem(note, note_len, "\n\n", 2);
	for (const char *p = blank ? blank + 2 : note + note_len; p < note + note_len; p++)
		a.lines += *p == '\n';
	each(s, txn, log, size, append_line, &a);
	/* A note that would not fit with every cosignature is served with those that fit, and
	 * with no more signature lines than a note may carry (NOTE_MAX_SIGS: a peer refuses a
	 * note with more; every node of a big federation cosigns what it serves). */
	out[a.len] = '\0';
	return (int)a.len;
}

int
witness_drop_known(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const char *note,
                   size_t len, char *out, size_t cap, size_t *out_len)
{
	uint8_t key[12 + NOTE_NAME_MAX];
	const char *blank = memmem(note, len, "\n\n", 2), *end = note + len, *p, *name;
	size_t kl = key_prefix(key, log, size), ol, nl;
	int dropped = 0, rc;
	uint8_t id[4];

	if (!blank || cap < len)
		return 0;
	p = blank + 2;
	ol = (size_t)(p - note);
	memcpy(out, note, ol);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = eol ? (size_t)(eol + 1 - p) : (size_t)(end - p);
		bool known = false;
		if (line_signer(p, ll, &name, &nl, id) && nl <= NOTE_NAME_MAX) {
			MDB_val k = { kl + nl, key }, v;
			memcpy(key + kl, name, nl);
			rc = mdb_get(txn, cosigs(s), &k, &v);
			if (rc != 0 && rc != MDB_NOTFOUND)
				return rc;
			const char *sp = rc == 0 ? memchr(v.mv_data, ' ', v.mv_size) : NULL;
			known = sp &&
			        v.mv_size - (size_t)(sp + 1 - (const char *)v.mv_data) == ll &&
			        !memcmp(sp + 1, p, ll);
		}
		if (known) {
			dropped++;
		} else {
			memcpy(out + ol, p, ll);
			ol += ll;
		}
		p += ll;
	}
	*out_len = ol;
	return dropped;
}

struct list_ctx {
	json_t *arr;
	uint64_t size;
};

static int
list_one(const char *name, size_t nl, uint64_t ts, const char *line, size_t len, void *arg)
{
	struct list_ctx *l = arg;
	char when[32];
	struct tm tm;
	time_t t = (time_t)ts;
	(void)line, (void)len;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_array_append_new(l->arr, json_pack("{s:s#, s:I, s:s}", "witness", name, (int)nl,
	                                        "size", (json_int_t)l->size, "time", when));
	return 0;
}

json_t *
witness_list(struct store *s, MDB_txn *txn, uint32_t log, size_t limit)
{
	struct list_ctx l = { json_array(), 0 };
	uint8_t key[12];
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t seen = UINT64_MAX;
	size_t sizes = 0;

	/* Newest sizes first: walk this log's keys backwards from the next log's first key. */
	key_prefix(key, log + 1, 0);
	k.mv_size = 12, k.mv_data = key;
	if (mdb_cursor_open(txn, cosigs(s), &c) != 0)
		return l.arr;
	int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	rc = rc == 0 ? mdb_cursor_get(c, &k, &v, MDB_PREV) : mdb_cursor_get(c, &k, &v, MDB_LAST);
	for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_PREV)) {
		const uint8_t *kp = k.mv_data;
		if (k.mv_size < 12)
			continue;
		if (get_be32(kp) != log)
			break;
		uint64_t size = get_be64(kp + 4);
		if (size != seen) {
			if (++sizes > limit)
				break;
			seen = size;
		}
		const char *val = v.mv_data, *sp = memchr(val, ' ', v.mv_size);
		l.size = size;
		if (sp)
			list_one((const char *)kp + 12, k.mv_size - 12, strtoull(val, NULL, 10),
			         sp + 1, 0, &l);
	}
	mdb_cursor_close(c);
	return l.arr;
}

struct witness_cosig *
witness_cosigs(const struct note *nt, size_t *n)
{
	struct witness_cosig *out = NULL;
	size_t count = 0;

	*n = 0;
	for (size_t i = 0; i < nt->nsigs; i++)
		if (nt->sigs[i].verified && nt->sigs[i].sig_len == 72)
			count++;
	if (!count || !(out = calloc(count, sizeof(*out))))
		return NULL;
	for (size_t i = 0; i < nt->nsigs; i++) {
		const struct note_sig *g = &nt->sigs[i];
		uint8_t raw[4 + 72];
		char b64[B64_ENCODED_LEN(sizeof(raw)) + 1];
		struct witness_cosig *c = &out[*n];
		if (!g->verified || g->sig_len != 72)
			continue;
		put_be32(raw, g->key_id);
		memcpy(raw + 4, g->sig, 72);
		b64_encode(raw, sizeof(raw), b64, sizeof(b64));
		int len = snprintf(c->line, sizeof(c->line), "\xe2\x80\x94 %s %s\n", g->name, b64);
		if (len < 0 || (size_t)len >= sizeof(c->line))
			continue;
		snprintf(c->name, sizeof(c->name), "%s", g->name);
		c->timestamp = g->timestamp;
		c->len = (size_t)len;
		(*n)++;
	}
	if (!*n) {
		free(out);
		return NULL;
	}
	return out;
}

int
witness_keep_cosigs(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size,
                    const struct witness_cosig *c, size_t n)
{
	uint8_t key[12 + NOTE_NAME_MAX];
	int fresh = 0, rc;

	for (size_t i = 0; i < n; i++) {
		size_t nl = strlen(c[i].name), kl = key_prefix(key, log, size);
		MDB_val k = { kl + nl, key }, v;
		if (nl > NOTE_NAME_MAX)
			continue;
		memcpy(key + kl, c[i].name, nl);
		rc = mdb_get(txn, cosigs(s), &k, &v);
		if (rc == 0) {
			const char *val = v.mv_data, *sp = memchr(val, ' ', v.mv_size);
			uint64_t ts = strtoull(val, NULL, 10);
			size_t ol = sp ? v.mv_size - (size_t)(sp + 1 - val) : 0;
			/* Later time wins; the same time, the smaller line: one choice everywhere. */
			if (sp && (ts > c[i].timestamp ||
			           (ts == c[i].timestamp &&
			            (ol < c[i].len ||
			             (ol == c[i].len && memcmp(sp + 1, c[i].line, ol) <= 0)))))
				continue;
		} else if (rc != MDB_NOTFOUND) {
			return rc;
		}
		if ((rc = witness_put(s, txn, log, size, c[i].name, c[i].timestamp, c[i].line,
		                      c[i].len)) != 0)
			return rc;
		fresh++;
	}
	return fresh;
}

int
witness_keep(struct store *s, MDB_txn *txn, uint32_t log, uint64_t size, const struct note *nt)
{
	size_t n;
	struct witness_cosig *c = witness_cosigs(nt, &n);
	int rc = c ? witness_keep_cosigs(s, txn, log, size, c, n) : 0;
	free(c);
	return rc;
}
