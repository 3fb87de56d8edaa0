/*
 * tpolicy — C2SP tlog-policy files, and checkpoints judged under them. See tpolicy.h.
 *
 * Names and keys are found through small open-addressing tables built while parsing, so that a
 * policy of thousands of witnesses and a group listing all of them parse in linear time.
 */
#include "tpolicy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#define NAME_MAX_LEN 1024 /* a policy name; note key names are at most 255 */

/* ---- a set of byte strings, each with a value ---- */

struct slot {
	const char *s;
	size_t len;
	size_t value;
};

struct table {
	struct slot *v;
	size_t cap; /* a power of two, at least twice the entries */
};

static uint64_t
fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static int
table_init(struct table *t, size_t entries)
{
	t->cap = 16;
	while (t->cap < 2 * entries + 2)
		t->cap *= 2;
	t->v = calloc(t->cap, sizeof(*t->v));
	return t->v ? 0 : -ENOMEM;
}

/* The slot of s: the one holding it, or the empty one where it would go. */
static struct slot *
table_slot(const struct table *t, const char *s, size_t n)
{
	for (size_t i = fnv(s, n) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		struct slot *e = &t->v[i];
		if (!e->s || (e->len == n && !memcmp(e->s, s, n)))
			return e;
	}
}

/* ---- lines and fields ---- */

struct field {
	const char *s;
	size_t n;
};

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* Splits line[0..n) into fields; *count of them, *f a new array (free it). */
static int
split(const char *line, size_t n, struct field **f, size_t *count)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!is_ws(line[i]) && (i == 0 || is_ws(line[i - 1])))
			k++;
	*count = 0;
	if (!(*f = malloc((k ? k : 1) * sizeof(**f))))
		return -ENOMEM;
	for (size_t i = 0; i < n;) {
		while (i < n && is_ws(line[i]))
			i++;
		if (i == n)
			break;
		size_t b = i;
		while (i < n && !is_ws(line[i]))
			i++;
		(*f)[(*count)++] = (struct field){ line + b, i - b };
	}
	return 0;
}

static bool
field_is(const struct field *f, const char *s)
{
	return f->n == strlen(s) && !memcmp(f->s, s, f->n);
}

static char *
field_dup(const struct field *f)
{
	char *s = malloc(f->n + 1);
	if (s) {
		memcpy(s, f->s, f->n);
		s[f->n] = '\0';
	}
	return s;
}

/* ---- parsing ---- */

struct parser {
	struct tpolicy *p;
	struct table names, logkeys, witkeys;
	size_t line;
	bool quorum_seen;
	char *err;
	size_t errcap;
};

#define FAIL(ps, ...)                                                                      \
	do {                                                                               \
		char why_[400];                                                            \
		snprintf(why_, sizeof(why_), __VA_ARGS__);                                 \
		err_set((ps)->err, (ps)->errcap, "policy line %zu: %s", (ps)->line, why_); \
		return false;                                                              \
	} while (0)

static bool
parse_vkey(struct parser *ps, const struct field *f, uint8_t alg, const char *what,
           struct note_verifier *out)
{
	char buf[NOTE_VKEY_MAX + 1], why[200];
	if (f->n > NOTE_VKEY_MAX)
		FAIL(ps, "%s key is longer than %d bytes", what, NOTE_VKEY_MAX);
	memcpy(buf, f->s, f->n);
	buf[f->n] = '\0';
	if (!note_verifier_parse(buf, out, why, sizeof(why)))
		FAIL(ps, "%s key: %s", what, why);
	if (out->alg != alg)
		FAIL(ps, "%s key has signature type 0x%02x, want 0x%02x (%s)", what, out->alg, alg,
		     alg == NOTE_ALG_ED25519 ? "an Ed25519 note key"
		                             : "an Ed25519 tlog-cosignature key");
	return true;
}

static bool
check_name(struct parser *ps, const struct field *f, const char *what)
{
	if (f->n > NAME_MAX_LEN)
		FAIL(ps, "%s name is longer than %d bytes", what, NAME_MAX_LEN);
	if (field_is(f, "none"))
		FAIL(ps, "%s name \"none\" is reserved for the quorum", what);
	if (table_slot(&ps->names, f->s, f->n)->s)
		FAIL(ps, "%s name %.*s is already defined", what, (int)(f->n > 80 ? 80 : f->n),
		     f->s);
	return true;
}

/* Defines a name for the node just added. */
static void
define(struct parser *ps, const char *name, bool group, size_t index)
{
	struct tpolicy *p = ps->p;
	struct slot *e = table_slot(&ps->names, name, strlen(name));
	p->nodes[p->nnodes] = (struct tpolicy_node){ group, index };
	*e = (struct slot){ name, strlen(name), p->nnodes++ };
}

static bool
key_unique(struct parser *ps, struct table *t, const struct note_verifier *k, const char *what)
{
	struct slot *e = table_slot(t, (const char *)k->pub, 32);
	if (e->s)
		FAIL(ps, "%s key is a duplicate: line %zu has the same public key", what, e->value);
	*e = (struct slot){ (const char *)k->pub, 32, ps->line };
	return true;
}

static bool
parse_log(struct parser *ps, const struct field *f, size_t nf)
{
	struct tpolicy *p = ps->p;
	struct tpolicy_log *l;
	if (nf < 2 || nf > 3)
		FAIL(ps, "want \"log <vkey> [<url>]\"");
	if (p->nlogs == TPOLICY_MAX_ENTRIES)
		FAIL(ps, "more than %d logs", TPOLICY_MAX_ENTRIES);
	l = &p->logs[p->nlogs];
	memset(l, 0, sizeof(*l));
	if (!parse_vkey(ps, &f[1], NOTE_ALG_ED25519, "log", &l->key))
		return false;
	if (nf == 3 && !(l->url = field_dup(&f[2])))
		FAIL(ps, "out of memory");
	p->nlogs++;
	return key_unique(ps, &ps->logkeys, &l->key, "log");
}

static bool
parse_witness(struct parser *ps, const struct field *f, size_t nf)
{
	struct tpolicy *p = ps->p;
	struct tpolicy_witness *w;
	if (nf < 3 || nf > 4)
		FAIL(ps, "want \"witness <name> <vkey> [<url>]\"");
	if (p->nwitnesses == TPOLICY_MAX_ENTRIES)
		FAIL(ps, "more than %d witnesses", TPOLICY_MAX_ENTRIES);
	if (!check_name(ps, &f[1], "witness"))
		return false;
	w = &p->witnesses[p->nwitnesses];
	memset(w, 0, sizeof(*w));
	if (!parse_vkey(ps, &f[2], NOTE_ALG_COSIGNATURE_V1, "witness", &w->key))
		return false;
	if (!(w->name = field_dup(&f[1])) || (nf == 4 && !(w->url = field_dup(&f[3])))) {
		free(w->name);
		FAIL(ps, "out of memory");
	}
	p->nwitnesses++;
	define(ps, w->name, false, p->nwitnesses - 1);
	return key_unique(ps, &ps->witkeys, &w->key, "witness");
}

/* k of a group: all, any or a decimal 1..n. */
static bool
parse_k(struct parser *ps, const struct field *f, size_t n, size_t *k)
{
	uint64_t v = 0;
	if (field_is(f, "all")) {
		*k = n;
		return true;
	}
	if (field_is(f, "any")) {
		*k = 1;
		return true;
	}
	if (f->n == 0 || f->n > 9)
		FAIL(ps, "threshold %.*s: want all, any or a number from 1 to %zu", (int)f->n, f->s,
		     n);
	for (size_t i = 0; i < f->n; i++) {
		if (f->s[i] < '0' || f->s[i] > '9')
			FAIL(ps, "threshold %.*s: want all, any or a number from 1 to %zu",
			     (int)f->n, f->s, n);
		v = v * 10 + (uint64_t)(f->s[i] - '0');
	}
	if (v < 1 || v > n)
		FAIL(ps, "threshold %" PRIu64 ": want 1 to the %zu member%s", v, n,
		     n == 1 ? "" : "s");
	*k = (size_t)v;
	return true;
}

static bool
parse_group(struct parser *ps, const struct field *f, size_t nf)
{
	struct tpolicy *p = ps->p;
	struct tpolicy_group *g;
	struct table seen = { 0 };
	bool ok = false;
	if (nf < 4)
		FAIL(ps, "want \"group <name> all|any|<k> <name>...\" with at least one member");
	if (p->ngroups == TPOLICY_MAX_ENTRIES)
		FAIL(ps, "more than %d groups", TPOLICY_MAX_ENTRIES);
	if (!check_name(ps, &f[1], "group"))
		return false;
	g = &p->groups[p->ngroups];
	memset(g, 0, sizeof(*g));
	g->n = nf - 3;
	if (!parse_k(ps, &f[2], g->n, &g->k))
		return false;
	if (!(g->members = malloc(g->n * sizeof(*g->members))) || table_init(&seen, g->n) != 0) {
		free(g->members);
		free(seen.v);
		FAIL(ps, "out of memory");
	}
	for (size_t i = 0; i < g->n; i++) {
		const struct field *m = &f[3 + i];
		struct slot *e = table_slot(&ps->names, m->s, m->n), *s;
		int w = (int)(m->n > 80 ? 80 : m->n);
		if (!e->s) {
			err_set(ps->err, ps->errcap,
			        "policy line %zu: group member %.*s is not a witness or group "
			        "defined above",
			        ps->line, w, m->s);
			goto done;
		}
		if ((s = table_slot(&seen, m->s, m->n))->s) {
			err_set(ps->err, ps->errcap, "policy line %zu: group lists %.*s twice",
			        ps->line, w, m->s);
			goto done;
		}
		*s = (struct slot){ m->s, m->n, 0 };
		g->members[i] = e->value;
	}
	if (!(g->name = field_dup(&f[1]))) {
		err_set(ps->err, ps->errcap, "policy line %zu: out of memory", ps->line);
		goto done;
	}
	p->ngroups++;
	define(ps, g->name, true, p->ngroups - 1);
	ok = true;
done:
	if (!ok)
		free(g->members);
	free(seen.v);
	return ok;
}

static bool
parse_quorum(struct parser *ps, const struct field *f, size_t nf)
{
	struct slot *e;
	if (nf != 2)
		FAIL(ps, "want \"quorum <name>\" or \"quorum none\"");
	if (ps->quorum_seen)
		FAIL(ps, "a second quorum line: a policy has exactly one");
	ps->quorum_seen = true;
	if (field_is(&f[1], "none")) {
		ps->p->quorum = TPOLICY_NONE;
		return true;
	}
	e = table_slot(&ps->names, f[1].s, f[1].n);
	if (!e->s)
		FAIL(ps, "quorum %.*s is not a witness or group defined above",
		     (int)(f[1].n > 80 ? 80 : f[1].n), f[1].s);
	ps->p->quorum = e->value;
	return true;
}

static bool
parse_line(struct parser *ps, const char *line, size_t n)
{
	struct field *f;
	size_t nf;
	bool ok;
	if (split(line, n, &f, &nf) != 0)
		FAIL(ps, "out of memory");
	if (nf == 0 || f[0].s[0] == '#')
		ok = true;
	else if (field_is(&f[0], "log"))
		ok = parse_log(ps, f, nf);
	else if (field_is(&f[0], "witness"))
		ok = parse_witness(ps, f, nf);
	else if (field_is(&f[0], "group"))
		ok = parse_group(ps, f, nf);
	else if (field_is(&f[0], "quorum"))
		ok = parse_quorum(ps, f, nf);
	else {
		err_set(ps->err, ps->errcap,
		        "policy line %zu: unknown keyword %.*s (want log, witness, group or quorum)",
		        ps->line, (int)(f[0].n > 40 ? 40 : f[0].n), f[0].s);
		ok = false;
	}
	free(f);
	return ok;
}

bool
tpolicy_parse(const char *text, size_t len, struct tpolicy *p, char *err, size_t errcap)
{
	struct parser ps = { .p = p, .err = err, .errcap = errcap };
	size_t lines = 0;
	bool ok = false;

	memset(p, 0, sizeof(*p));
	p->quorum = TPOLICY_NONE;
	if (len > TPOLICY_MAX_LEN) {
		err_set(err, errcap, "policy is %zu bytes, over the %u-byte limit", len,
		        TPOLICY_MAX_LEN);
		return false;
	}
	for (size_t i = 0, l = 1; i < len; i++) {
		uint8_t c = (uint8_t)text[i];
		if (c == '\n') {
			l++;
			lines++;
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			err_set(err, errcap,
			        "policy line %zu: control character 0x%02x (only tab and newline are "
			        "allowed)",
			        l, c);
			return false;
		}
	}
	lines++;
	/* Every line defines at most one of each: the line count bounds every array. */
	size_t cap = lines < TPOLICY_MAX_ENTRIES ? lines : TPOLICY_MAX_ENTRIES;
	if (!(p->logs = calloc(cap, sizeof(*p->logs))) ||
	    !(p->witnesses = calloc(cap, sizeof(*p->witnesses))) ||
	    !(p->groups = calloc(cap, sizeof(*p->groups))) ||
	    !(p->nodes = calloc(2 * cap, sizeof(*p->nodes))) || table_init(&ps.names, 2 * cap) ||
	    table_init(&ps.logkeys, cap) || table_init(&ps.witkeys, cap)) {
		err_set(err, errcap, "policy: out of memory");
		goto done;
	}
	for (const char *s = text, *end = text + len; s < end;) {
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		size_t n = eol ? (size_t)(eol - s) : (size_t)(end - s);
		ps.line++;
		if (!parse_line(&ps, s, n))
			goto done;
		s += n + 1;
	}
	if (!ps.quorum_seen) {
		err_set(err, errcap,
		        "policy has no quorum line (\"quorum <name>\" or \"quorum none\")");
		goto done;
	}
	ok = true;
done:
	free(ps.names.v);
	free(ps.logkeys.v);
	free(ps.witkeys.v);
	if (!ok)
		tpolicy_free(p);
	return ok;
}

void
tpolicy_free(struct tpolicy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nlogs; i++)
		free(p->logs[i].url);
	for (size_t i = 0; i < p->nwitnesses; i++) {
		free(p->witnesses[i].name);
		free(p->witnesses[i].url);
	}
	for (size_t i = 0; i < p->ngroups; i++) {
		free(p->groups[i].name);
		free(p->groups[i].members);
	}
	free(p->logs);
	free(p->witnesses);
	free(p->groups);
	free(p->nodes);
	memset(p, 0, sizeof(*p));
	p->quorum = TPOLICY_NONE;
}

/* ---- judging ---- */

bool
tpolicy_quorum(const struct tpolicy *p, const bool *witnessed)
{
	bool *sat, ok;
	if (p->quorum == TPOLICY_NONE)
		return true;
	if (!(sat = calloc(p->nnodes ? p->nnodes : 1, sizeof(*sat))))
		return false;
	/* Groups name only what is defined above them: one pass in order. */
	for (size_t i = 0; i < p->nnodes; i++) {
		const struct tpolicy_node *nd = &p->nodes[i];
		if (!nd->group) {
			sat[i] = witnessed[nd->index];
			continue;
		}
		const struct tpolicy_group *g = &p->groups[nd->index];
		size_t c = 0;
		for (size_t m = 0; m < g->n; m++)
			c += sat[g->members[m]];
		sat[i] = c >= g->k;
	}
	ok = sat[p->quorum];
	free(sat);
	return ok;
}

bool
tpolicy_check(const struct tpolicy *p, const char *note, size_t len, unsigned flags,
              struct tpolicy_verdict *v, char *err, size_t errcap)
{
	struct note_verifier *vs;
	struct note *nt = NULL;
	struct checkpoint cp;
	bool *witnessed = NULL, ok = false;
	size_t nv = p->nlogs + p->nwitnesses;
	char why[512];

	memset(v, 0, sizeof(*v));
	v->log = SIZE_MAX;
	if (!(vs = malloc((nv ? nv : 1) * sizeof(*vs))) || !(nt = malloc(sizeof(*nt))) ||
	    !(witnessed = calloc(p->nwitnesses ? p->nwitnesses : 1, sizeof(*witnessed)))) {
		err_set(err, errcap, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < p->nlogs; i++)
		vs[i] = p->logs[i].key;
	for (size_t i = 0; i < p->nwitnesses; i++)
		vs[p->nlogs + i] = p->witnesses[i].key;
	if (!note_open(note, len, vs, nv, nt, why, sizeof(why))) {
		/* A note no policy key signed is one the policy does not know; say so plainly. */
		if (!strncmp(why, NOTE_ERR_NO_KNOWN_KEY, sizeof(NOTE_ERR_NO_KNOWN_KEY) - 1))
			err_set(err, errcap,
			        "no log or witness of the policy signed the checkpoint (%s)", why);
		else
			err_set(err, errcap, "checkpoint note: %s", why);
		goto done;
	}
	if (!checkpoint_parse(nt->text, nt->text_len, &cp, why, sizeof(why))) {
		err_set(err, errcap, "%s", why);
		goto done;
	}
	memcpy(v->origin, cp.origin, sizeof(v->origin));
	v->size = cp.size;
	memcpy(v->root, cp.root, 32);
	for (size_t i = 0; i < nt->nsigs; i++) {
		const struct note_sig *g = &nt->sigs[i];
		struct tpolicy_sig *s = &v->sigs[v->nsigs++];
		snprintf(s->name, sizeof(s->name), "%s", g->name);
		s->key_id = g->key_id;
		s->kind = TPOLICY_SIG_UNKNOWN;
		if (!g->verified)
			continue;
		/* note_open matched the line to exactly one verifier, by name and key ID. */
		for (size_t j = 0; j < nv; j++) {
			if (vs[j].key_id != g->key_id || strcmp(vs[j].name, g->name))
				continue;
			if (j < p->nlogs) {
				s->kind = TPOLICY_SIG_LOG;
				s->index = j;
				if (!strcmp(vs[j].name, cp.origin) && v->log == SIZE_MAX)
					v->log = j;
			} else {
				s->kind = TPOLICY_SIG_WITNESS;
				s->index = j - p->nlogs;
				s->time = g->timestamp;
			}
			break;
		}
	}
	if (v->log == SIZE_MAX) {
		err_set(err, errcap, "no log key of the policy for origin %s signed the checkpoint",
		        cp.origin);
		goto done;
	}
	for (size_t i = 0; i < v->nsigs; i++) {
		struct tpolicy_sig *s = &v->sigs[i];
		if (s->kind != TPOLICY_SIG_WITNESS)
			continue;
		if ((flags & TPOLICY_NO_SELF_WITNESS) &&
		    !memcmp(p->witnesses[s->index].key.pub, p->logs[v->log].key.pub, 32)) {
			s->not_counted = true;
			continue;
		}
		if (!witnessed[s->index]) {
			witnessed[s->index] = true;
			v->cosigned++;
		}
	}
	v->quorum = tpolicy_quorum(p, witnessed);
	ok = true;
done:
	free(vs);
	free(nt);
	free(witnessed);
	return ok;
}
