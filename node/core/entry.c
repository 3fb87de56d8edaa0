/*
 * entry — decoding and validation of published entries. See entry.h for the rules.
 */
#include "entry.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "note.h"
#include "pbjson.h"
#include "utf8.h"

#define PATH_MAX_LEN 256

static bool
fail(char *err, size_t errcap, const char *path, const char *why)
{
	err_set(err, errcap, "%s%s%s", path, *path ? ": " : "", why);
	return false;
}

/* Valid UTF-8 without C0 or C1 controls but tab/newline and without DEL. */
static bool
text_ok(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t len = strlen(s);
	uint32_t cp;

	for (size_t i = 0; i < len;) {
		if (p[i] >= 0x20 && p[i] < 0x7f) { /* printable ASCII, most of any text */
			i++;
			continue;
		}
		size_t k = utf8_decode(p + i, len - i, &cp);
		if (k == 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7f && cp <= 0x9f))
			return false;
		i += k;
	}
	return true;
}

static bool
digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool
entry_valid_date(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (strlen(s) != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2))
		return false;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

bool
entry_valid_period(const char *s)
{
	size_t n = strlen(s);
	if (n < 4 || !digits(s, 4) || atoi(s) < 1900)
		return false;
	if (n == 4)
		return true;
	if (n == 7 && s[4] == '-' && s[5] == 'Q')
		return s[6] >= '1' && s[6] <= '4';
	if (n == 7 && s[4] == '-' && digits(s + 5, 2))
		return atoi(s + 5) >= 1 && atoi(s + 5) <= 12;
	return false;
}

/* RFC 3339 in UTC, seconds precision: YYYY-MM-DDThh:mm:ssZ. */
static bool
valid_timestamp(const char *s)
{
	char day[11];
	if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' ||
	    !digits(s + 11, 2) || !digits(s + 14, 2) || !digits(s + 17, 2))
		return false;
	memcpy(day, s, 10);
	day[10] = '\0';
	return entry_valid_date(day) && atoi(s + 11) < 24 && atoi(s + 14) < 60 && atoi(s + 17) < 61;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static size_t
elt_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* Where a value sits: where its message sits (NULL for the entry itself), its field, its index
 * in a repeated field (-1 for a singular one). The path is written out only for an error, not
 * for every value or submessage checked (formatting it was a tenth of a JSON publication's
 * time). */
struct where {
	const struct where *up;
	const ProtobufCFieldDescriptor *f;
	long index;
};

/* Writes the path of w ("commitment.milestones[2].dueDate"; "" for NULL) into out, truncated to
 * cap; returns its length (as snprintf does). */
static size_t
where_path(const struct where *w, char *out, size_t cap)
{
	char jname[64];
	size_t n;
	int k;

	if (!w) {
		out[0] = '\0';
		return 0;
	}
	n = where_path(w->up, out, cap);
	if (n >= cap - 1)
		return n;
	pbjson_field_name(w->f, jname, sizeof(jname));
	if (w->index >= 0)
		k = snprintf(out + n, cap - n, "%s%s[%ld]", n ? "." : "", jname, w->index);
	else
		k = snprintf(out + n, cap - n, "%s%s", n ? "." : "", jname);
	return k < 0 ? n : n + (size_t)k;
}

static bool
fail_at(char *err, size_t errcap, const struct where *w, const char *why)
{
	char path[PATH_MAX_LEN];

	where_path(w, path, sizeof(path));
	return fail(err, errcap, path, why);
}

static bool check_value(const struct where *w, const void *v, char *err, size_t errcap, int depth);

/* The generic walk: every field of every (sub)message by its descriptor. at: where m sits. */
static bool
check_message(const ProtobufCMessage *m, const struct where *at, char *err, size_t errcap,
              int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	if (depth > 8)
		return fail_at(err, errcap, at, "nested too deeply");
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const char *base = (const char *)m + f->offset;
		struct where w = { at, f, -1 };
		size_t count = 1;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			count = *(const size_t *)((const char *)m + f->quantifier_offset);
			base = *(const char *const *)base;
		} else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
				continue;
		}
		for (size_t k = 0; k < count; k++) {
			if (f->label == PROTOBUF_C_LABEL_REPEATED)
				w.index = (long)k;
			if (!check_value(&w, base + k * elt_size(f->type), err, errcap, depth))
				return false;
		}
	}
	return true;
}

static bool
check_value(const struct where *w, const void *v, char *err, size_t errcap, int depth)
{
	const ProtobufCFieldDescriptor *f = w->f;

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)v;
		if (!s || !*s)
			return true;
		if (!text_ok(s))
			return fail_at(err, errcap, w,
			               "not valid UTF-8 text (or holds control "
			               "characters)");
		if ((strcmp(f->name, "date") == 0 || ends_with(f->name, "_date")) &&
		    !entry_valid_date(s))
			return fail_at(err, errcap, w, "expected a date YYYY-MM-DD");
		if ((strcmp(f->name, "period") == 0 || ends_with(f->name, "_period")) &&
		    !entry_valid_period(s))
			return fail_at(err, errcap, w,
			               "expected a period YYYY, YYYY-Qn or YYYY-MM");
		if (strcmp(f->name, "published") == 0 && !valid_timestamp(s))
			return fail_at(err, errcap, w, "expected a UTC time YYYY-MM-DDThh:mm:ssZ");
		return true;
	}
	case PROTOBUF_C_TYPE_ENUM: {
		int e = *(const int *)v;
		if (!protobuf_c_enum_descriptor_get_value(f->descriptor, e))
			return fail_at(err, errcap, w, "unknown enum value");
		return true;
	}
	case PROTOBUF_C_TYPE_UINT32:
		if (ends_with(f->name, "_percent") && *(const uint32_t *)v > 100)
			return fail_at(err, errcap, w, "a percentage is 0 to 100");
		return true;
	case PROTOBUF_C_TYPE_BYTES:
		if (strcmp(f->name, "sha256") == 0 && ((const ProtobufCBinaryData *)v)->len != 32 &&
		    ((const ProtobufCBinaryData *)v)->len != 0)
			return fail_at(err, errcap, w, "a SHA-256 is 32 bytes");
		return true;
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *m = *(const ProtobufCMessage *const *)v;

		if (!m)
			return true;
		return check_message(m, w, err, errcap, depth + 1);
	}
	default:
		return true;
	}
}

/* protobuf-c hands strings over NUL-terminated: a NUL inside one on the wire would hide what
 * follows it from every check above while staying in the stored bytes. So walk the wire format
 * once, by the descriptors, and refuse a string field holding a NUL byte. */
static bool
read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static bool
wire_strings_ok(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len, int depth,
                const char *path, char *err, size_t errcap)
{
	const uint8_t *end = p + len;
	char sub[PATH_MAX_LEN], jname[64];
	if (depth > 8)
		return fail(err, errcap, path, "nested too deeply");
	while (p < end) {
		uint64_t key, v;
		if (!read_varint(&p, end, &key))
			return fail(err, errcap, path, "malformed protobuf");
		switch (key & 7) {
		case 0:
			if (!read_varint(&p, end, &v))
				return fail(err, errcap, path, "malformed protobuf");
			break;
		case 1:
			if (end - p < 8)
				return fail(err, errcap, path, "malformed protobuf");
			p += 8;
			break;
		case 5:
			if (end - p < 4)
				return fail(err, errcap, path, "malformed protobuf");
			p += 4;
			break;
		case 2: {
			if (!read_varint(&p, end, &v) || v > (uint64_t)(end - p))
				return fail(err, errcap, path, "malformed protobuf");
			const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
			        d, (unsigned)(key >> 3));
			if (f)
				snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
				         pbjson_field_name(f, jname, sizeof(jname)));
			if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p, 0, v))
				return fail(err, errcap, sub, "text holds a NUL byte");
			if (f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
			    !wire_strings_ok(f->descriptor, p, v, depth + 1, sub, err, errcap))
				return false;
			p += v;
			break;
		}
		default: /* groups (3, 4) are not in a proto3 schema */
			return fail(err, errcap, path, "protobuf groups are not allowed");
		}
	}
	return true;
}

/* ---- per kind ---- */

static bool
empty(const char *s)
{
	return !s || !*s;
}

static bool
text_empty(const Remacto__V1__Text *t)
{
	return !t || (empty(t->fr) && empty(t->ar) && empty(t->en));
}

#define NEED(cond, path, why)                                \
	do {                                                 \
		if (!(cond))                                 \
			return fail(err, errcap, path, why); \
	} while (0)

static bool
check_commitment(const Remacto__V1__Commitment *c, char *err, size_t errcap)
{
	unsigned seen = 0;
	NEED(!empty(c->id), "commitment.id", "required");
	NEED(!text_empty(c->title), "commitment.title", "required in at least one language");
	NEED(c->n_principles > 0, "commitment.principles",
	     "name at least one of the five "
	     "principles");
	for (size_t i = 0; i < c->n_principles; i++) {
		unsigned p = (unsigned)c->principles[i];
		NEED(p >= 1 && p <= 5, "commitment.principles", "unknown principle");
		NEED(!(seen & 1u << p), "commitment.principles", "principle listed twice");
		seen |= 1u << p;
	}
	NEED(empty(c->start_date) || empty(c->end_date) || strcmp(c->start_date, c->end_date) <= 0,
	     "commitment.endDate", "before startDate");
	NEED(c->weight <= 100, "commitment.weight", "0 to 100");
	NEED(c->budget_mad >= 0, "commitment.budgetMad", "cannot be negative");
	NEED(!c->parent_id || strcmp(c->parent_id, c->id) != 0, "commitment.parentId",
	     "a commitment cannot be its own parent");
	for (size_t i = 0; i < c->n_milestones; i++) {
		NEED(!empty(c->milestones[i]->id), "commitment.milestones.id", "required");
		for (size_t j = 0; j < i; j++)
			NEED(strcmp(c->milestones[i]->id, c->milestones[j]->id) != 0,
			     "commitment.milestones.id", "used twice");
	}
	return true;
}

/* A witness group's name: [A-Za-z0-9._-]{1,64}, so that it is never a member's origin. */
static bool
group_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* What the entry says on its own; the registry checks the names against its members. */
static bool
check_witness_policy(const Remacto__V1__WitnessPolicy *w, char *err, size_t errcap)
{
	NEED(w->quorum <= 4096, "witnessPolicy.quorum", "at most 4096");
	NEED(w->n_groups <= 64, "witnessPolicy.groups", "at most 64 groups");
	NEED(!w->n_groups || w->quorum <= w->n_groups, "witnessPolicy.quorum",
	     "with groups, the quorum counts groups: at most their number");
	for (size_t i = 0; i < w->n_groups; i++) {
		const Remacto__V1__WitnessGroup *g = w->groups[i];
		NEED(group_name_ok(g->name), "witnessPolicy.groups.name",
		     "1 to 64 characters among A-Z a-z 0-9 . _ -");
		NEED(strcmp(g->name, "network.quorum") != 0, "witnessPolicy.groups.name",
		     "network.quorum is the name of the policy's quorum");
		NEED(g->n_members >= 1 && g->n_members <= 4096, "witnessPolicy.groups.members",
		     "1 to 4096 members");
		NEED(g->threshold <= g->n_members, "witnessPolicy.groups.threshold",
		     "at most the number of members (0 means all of them)");
		for (size_t j = 0; j < i; j++)
			NEED(strcmp(g->name, w->groups[j]->name) != 0, "witnessPolicy.groups.name",
			     "used twice");
		for (size_t m = 0; m < g->n_members; m++) {
			NEED(!empty(g->members[m]), "witnessPolicy.groups.members", "empty name");
			for (size_t k = 0; k < m; k++)
				NEED(strcmp(g->members[m], g->members[k]) != 0,
				     "witnessPolicy.groups.members", "a member listed twice");
		}
	}
	return true;
}

/* A governance key's label: [a-z0-9][a-z0-9.-]{0,62}, never an origin (no '/'). */
static bool
label_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 63 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '-'))
			return false;
	return true;
}

/* What a governance entry says on its own; the registry checks the keys' name. */
static bool
check_governance(const Remacto__V1__GovernancePolicy *g, char *err, size_t errcap)
{
	struct note_verifier v[ENTRY_GOVERNANCE_MAX];
	char why[160], msg[220];
	NEED(g->n_keys >= 1 && g->n_keys <= ENTRY_GOVERNANCE_MAX, "governancePolicy.keys",
	     "1 to 32 keys");
	NEED(g->quorum >= 1 && g->quorum <= g->n_keys, "governancePolicy.quorum",
	     "1 to the number of keys");
	for (size_t i = 0; i < g->n_keys; i++) {
		const Remacto__V1__GovernanceKey *k = g->keys[i];
		NEED(label_ok(k->label), "governancePolicy.keys.label",
		     "1 to 63 characters among a-z 0-9 . -, starting with a letter or digit");
		NEED(strcmp(k->label, "governance") != 0, "governancePolicy.keys.label",
		     "governance is the name of the policy's group");
		if (!note_verifier_parse(k->verifier_key ? k->verifier_key : "", &v[i], why,
		                         sizeof(why))) {
			snprintf(msg, sizeof(msg), "not a verifier key: %s", why);
			return fail(err, errcap, "governancePolicy.keys.verifierKey", msg);
		}
		NEED(v[i].alg == NOTE_ALG_ED25519, "governancePolicy.keys.verifierKey",
		     "must be an Ed25519 key");
		for (size_t j = 0; j < i; j++) {
			NEED(strcmp(k->label, g->keys[j]->label) != 0,
			     "governancePolicy.keys.label", "used twice");
			NEED(memcmp(v[i].pub, v[j].pub, 32) != 0,
			     "governancePolicy.keys.verifierKey", "the same key twice");
		}
	}
	return true;
}

static bool
check_vkey(const char *kind, const char *origin, const char *vkey, char *err, size_t errcap)
{
	struct note_verifier v;
	char why[160], msg[200], path[64], opath[64];
	snprintf(path, sizeof(path), "%s.verifierKey", kind);
	snprintf(opath, sizeof(opath), "%s.origin", kind);
	NEED(!empty(origin) && note_name_valid(origin), opath,
	     "required: a key name such as "
	     "remacto.ma/rabat-prefecture");
	if (!note_verifier_parse(vkey ? vkey : "", &v, why, sizeof(why))) {
		snprintf(msg, sizeof(msg), "not a verifier key: %s", why);
		return fail(err, errcap, path, msg);
	}
	NEED(v.alg == NOTE_ALG_ED25519, path, "must be an Ed25519 key");
	NEED(strcmp(v.name, origin) == 0, path, "the key's name must be the origin");
	return true;
}

static bool
check_kind(const Remacto__V1__Entry *e, char *err, size_t errcap)
{
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_PROGRAMME:
		NEED(!empty(e->programme->id), "programme.id", "required");
		NEED(!text_empty(e->programme->title), "programme.title", "required");
		return true;
	case REMACTO__V1__ENTRY__KIND_CONSULTATION:
		NEED(!empty(e->consultation->id), "consultation.id", "required");
		NEED(!empty(e->consultation->date), "consultation.date", "required");
		NEED(empty(e->consultation->member_origin) ||
		             note_name_valid(e->consultation->member_origin),
		     "consultation.memberOrigin", "not an origin (remacto.ma/<member>)");
		return true;
	case REMACTO__V1__ENTRY__KIND_ASSESSMENT:
		NEED(!empty(e->assessment->commitment_id), "assessment.commitmentId", "required");
		NEED(!empty(e->assessment->date), "assessment.date", "required");
		NEED(!empty(e->assessment->assessor), "assessment.assessor",
		     "required: who assessed");
		NEED(empty(e->assessment->member_origin) ||
		             note_name_valid(e->assessment->member_origin),
		     "assessment.memberOrigin", "not an origin (remacto.ma/<member>)");
		NEED(!e->assessment->assessed_index || !empty(e->assessment->member_origin),
		     "assessment.assessedIndex", "needs memberOrigin: the log it is an index of");
		return true;
	case REMACTO__V1__ENTRY__KIND_COMMITMENT:
		return check_commitment(e->commitment, err, errcap);
	case REMACTO__V1__ENTRY__KIND_MILESTONE_UPDATE:
		NEED(!empty(e->milestone_update->commitment_id), "milestoneUpdate.commitmentId",
		     "required");
		NEED(!empty(e->milestone_update->milestone_id), "milestoneUpdate.milestoneId",
		     "required");
		NEED(e->milestone_update->status, "milestoneUpdate.status", "required");
		NEED(!empty(e->milestone_update->date), "milestoneUpdate.date", "required");
		return true;
	case REMACTO__V1__ENTRY__KIND_INDICATOR:
		NEED(!empty(e->indicator->id), "indicator.id", "required");
		NEED(!text_empty(e->indicator->title) || !empty(e->indicator->catalog_code),
		     "indicator.title", "required for a local indicator");
		for (size_t i = 0; i < e->indicator->n_targets; i++)
			NEED(!empty(e->indicator->targets[i]->period), "indicator.targets.period",
			     "required");
		return true;
	case REMACTO__V1__ENTRY__KIND_MEASUREMENT:
		NEED(!empty(e->measurement->indicator_id), "measurement.indicatorId", "required");
		NEED(!empty(e->measurement->period), "measurement.period", "required");
		return true;
	case REMACTO__V1__ENTRY__KIND_STATUS_UPDATE:
		NEED(!empty(e->status_update->commitment_id), "statusUpdate.commitmentId",
		     "required");
		NEED(!empty(e->status_update->date), "statusUpdate.date", "required");
		NEED(e->status_update->completion, "statusUpdate.completion", "required");
		return true;
	case REMACTO__V1__ENTRY__KIND_AMENDMENT:
		NEED(e->amendment->subject, "amendment.subject", "required");
		NEED(!empty(e->amendment->subject_id), "amendment.subjectId", "required");
		NEED(!empty(e->amendment->field), "amendment.field", "required");
		NEED(!text_empty(e->amendment->reason), "amendment.reason",
		     "required: say why it changed");
		return true;
	case REMACTO__V1__ENTRY__KIND_EVIDENCE:
		NEED(!empty(e->evidence->id), "evidence.id", "required");
		NEED(e->evidence->url && (strncmp(e->evidence->url, "https://", 8) == 0 ||
		                          strncmp(e->evidence->url, "http://", 7) == 0),
		     "evidence.url", "an http(s) URL is required");
		NEED(e->evidence->sha256.len == 32, "evidence.sha256", "required (32 bytes)");
		return true;
	case REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION:
		NEED(e->member_admission->kind, "memberAdmission.kind", "required");
		NEED(!text_empty(e->member_admission->name), "memberAdmission.name", "required");
		NEED(empty(e->member_admission->contact_url) ||
		             strncmp(e->member_admission->contact_url, "https://", 8) == 0 ||
		             strncmp(e->member_admission->contact_url, "http://", 7) == 0,
		     "memberAdmission.contactUrl", "an http(s) URL");
		NEED(!e->member_admission->observer_category ||
		             e->member_admission->kind ==
		                     REMACTO__V1__MEMBER_KIND__MEMBER_KIND_OBSERVER,
		     "memberAdmission.observerCategory",
		     "only for an observer (kind MEMBER_KIND_OBSERVER)");
		return check_vkey("memberAdmission", e->member_admission->origin,
		                  e->member_admission->verifier_key, err, errcap);
	case REMACTO__V1__ENTRY__KIND_KEY_ROTATION:
		return check_vkey("keyRotation", e->key_rotation->origin,
		                  e->key_rotation->verifier_key, err, errcap);
	case REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION:
		NEED(!empty(e->member_suspension->origin), "memberSuspension.origin", "required");
		return true;
	case REMACTO__V1__ENTRY__KIND_CATALOG_INDICATOR:
		NEED(!empty(e->catalog_indicator->code), "catalogIndicator.code", "required");
		NEED(e->catalog_indicator->principle, "catalogIndicator.principle", "required");
		return true;
	case REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY:
		return true;
	case REMACTO__V1__ENTRY__KIND_WITNESS_POLICY:
		return check_witness_policy(e->witness_policy, err, errcap);
	case REMACTO__V1__ENTRY__KIND_GOVERNANCE_POLICY:
		return check_governance(e->governance_policy, err, errcap);
	case REMACTO__V1__ENTRY__KIND_PEER_ANNOUNCEMENT:
		NEED(!empty(e->peer_announcement->origin), "peerAnnouncement.origin", "required");
		NEED(e->peer_announcement->url &&
		             strncmp(e->peer_announcement->url, "wss://", 6) == 0,
		     "peerAnnouncement.url", "a wss:// URL is required");
		return true;
	default:
		return fail(err, errcap, "",
		            "no entry kind set (or a kind this node does not know)");
	}
}

bool
entry_validate(const Remacto__V1__Entry *e, char *err, size_t errcap)
{
	if (e->schema > 1)
		return fail(err, errcap, "schema",
		            "written for a newer schema than this node's (1)");
	return check_message(&e->base, NULL, err, errcap, 0) && check_kind(e, err, errcap);
}

Remacto__V1__Entry *
entry_decode(const uint8_t *data, size_t len, char *err, size_t errcap)
{
	Remacto__V1__Entry *e;
	if (len == 0 || len > ENTRY_MAX_LEN) {
		err_set(err, errcap, "an entry is 1 to %d bytes, this one is %zu", ENTRY_MAX_LEN,
		        len);
		return NULL;
	}
	if (!(e = remacto__v1__entry__unpack(NULL, len, data))) {
		err_set(err, errcap, "not a protobuf remacto.v1.Entry");
		return NULL;
	}
	if (!wire_strings_ok(&remacto__v1__entry__descriptor, data, len, 0, "", err, errcap)) {
		remacto__v1__entry__free_unpacked(e, NULL);
		return NULL;
	}
	if (!entry_validate(e, err, errcap)) {
		remacto__v1__entry__free_unpacked(e, NULL);
		return NULL;
	}
	return e;
}

/* What unpacking the packed entry gives back for the fields packing leaves out: proto3's singular
 * float and double fields are not written when they equal zero, so a -0.0 comes back as +0.0. A
 * decoded entry handed to the store alongside its bytes must be what any reader unpacks. */
static void
canonical_zeros(ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char *v = (char *)m + f->offset;

		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			if (*(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
				continue;
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
			ProtobufCMessage **subs = *(ProtobufCMessage ***)v;

			for (size_t k = 0; f->type == PROTOBUF_C_TYPE_MESSAGE && k < n; k++)
				if (subs[k])
					canonical_zeros(subs[k]);
			continue;
		}
		if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(ProtobufCMessage **)v)
			canonical_zeros(*(ProtobufCMessage **)v);
		if (f->label != PROTOBUF_C_LABEL_NONE || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
			continue;
		if (f->type == PROTOBUF_C_TYPE_DOUBLE && *(double *)v == 0)
			*(double *)v = 0;
		else if (f->type == PROTOBUF_C_TYPE_FLOAT && *(float *)v == 0)
			*(float *)v = 0;
	}
}

/* Validates and packs e (which it frees, or hands over through keep) into *out. */
static int
validate_pack(Remacto__V1__Entry *e, uint8_t **out, size_t *len, Remacto__V1__Entry **keep,
              char *err, size_t errcap)
{
	size_t n;
	int rc = 0;

	if (!entry_validate(e, err, errcap)) {
		rc = -EINVAL;
		goto fail;
	}
	n = remacto__v1__entry__get_packed_size(e);
	if (n > ENTRY_MAX_LEN) {
		err_set(err, errcap, "entry is %zu bytes encoded, over the %d-byte cap", n,
		        ENTRY_MAX_LEN);
		rc = -E2BIG;
		goto fail;
	}
	if (!(*out = malloc(n ? n : 1))) {
		rc = -ENOMEM;
		goto fail;
	}
	*len = remacto__v1__entry__pack(e, *out);
	if (keep) {
		canonical_zeros(&e->base);
		*keep = e;
		return 0;
	}
fail:
	protobuf_c_message_free_unpacked(&e->base, NULL);
	return rc;
}

int
entry_from_json(const json_t *json, uint8_t **out, size_t *len, char *err, size_t errcap)
{
	Remacto__V1__Entry *e;

	*out = NULL;
	e = (Remacto__V1__Entry *)pbjson_decode(&remacto__v1__entry__descriptor, json, err, errcap);
	if (!e)
		return -EINVAL;
	return validate_pack(e, out, len, NULL, err, errcap);
}

int
entry_from_json_text(const char *text, size_t textlen, uint8_t **out, size_t *len,
                     Remacto__V1__Entry **decoded, json_error_t *jerr, char *err, size_t errcap)
{
	Remacto__V1__Entry *e;

	*out = NULL;
	if (decoded)
		*decoded = NULL;
	e = (Remacto__V1__Entry *)pbjson_decode_text(&remacto__v1__entry__descriptor, text, textlen,
	                                             JSON_REJECT_DUPLICATES, jerr, err, errcap);
	if (!e)
		return -EINVAL;
	return validate_pack(e, out, len, decoded, err, errcap);
}

const char *
entry_kind_name(const Remacto__V1__Entry *e, char *buf, size_t cap)
{
	const ProtobufCFieldDescriptor *f = NULL;
	if (e->kind_case)
		f = protobuf_c_message_descriptor_get_field(&remacto__v1__entry__descriptor,
		                                            e->kind_case);
	if (!f) {
		snprintf(buf, cap, "none");
		return buf;
	}
	return pbjson_field_name(f, buf, cap);
}
