/*
 * registry — the network's membership, keys, catalog and policy, folded from the registry log.
 * See registry.h.
 *
 * Databases: reg:members  origin → MemberRecord (proto/store.proto)
 *            reg:catalog  indicator code → registry index (u64 BE) of its CatalogIndicator
 *            reg:policy   "current" → registry index of the latest CompliancePolicy,
 *                         "witness" → registry index of the latest WitnessPolicy,
 *                         "governance" → registry index of the latest GovernancePolicy
 */
#include "registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/be.h"
#include "core/err.h"
#include "core/log.h"
#include "core/tpolicy.h"

static const char *const db_names[] = {
	"reg:members",
	"reg:catalog",
	"reg:policy",
	NULL,
};

enum { DB_MEMBERS, DB_CATALOG, DB_POLICY };

static int apply_hook(struct store *s, MDB_txn *txn, uint32_t log, const char *origin,
                      uint64_t index, const Remacto__V1__Entry *e, bool strict, char *err,
                      size_t errcap);

const struct store_module registry_module = {
	"the registry view", db_names, apply_hook, NULL, NULL, false
};

static MDB_dbi
db(struct store *s, int which)
{
	return store_dbs(s, &registry_module)[which];
}

static const char authority_key[] = "authority-vkey";

int
registry_set_authority(struct store *s, const char *vkey, char *err, size_t errcap)
{
	struct note_verifier v = { .alg = NOTE_ALG_ED25519 }; /* a failed parse leaves v: say why */
	char why[200];
	MDB_txn *txn;
	MDB_val k = { sizeof(authority_key) - 1, (void *)authority_key }, val;
	int rc;

	if (!note_verifier_parse(vkey, &v, why, sizeof(why)) || v.alg != NOTE_ALG_ED25519) {
		err_set(err, errcap, "authority verifier key: %s",
		        v.alg != NOTE_ALG_ED25519 ? "must be an Ed25519 key" : why);
		return -EINVAL;
	}
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto fail;
	rc = mdb_get(txn, s->meta, &k, &val);
	if (rc == 0) {
		bool same = val.mv_size == strlen(vkey) && !memcmp(val.mv_data, vkey, val.mv_size);
		mdb_txn_abort(txn);
		if (same)
			return 0;
		err_set(err, errcap,
		        "this data folder belongs to the network of authority %.*s, not "
		        "%s: use another data folder",
		        (int)val.mv_size, (char *)val.mv_data, vkey);
		return -EEXIST;
	}
	val.mv_size = strlen(vkey), val.mv_data = (void *)vkey;
	if (rc != MDB_NOTFOUND || (rc = mdb_put(txn, s->meta, &k, &val, 0)) != 0) {
		mdb_txn_abort(txn);
		goto fail;
	}
	if ((rc = mdb_txn_commit(txn)) == 0)
		return 0;
fail:
	err_set(err, errcap, "cannot record the authority key: %s", store_strerror(rc));
	return rc;
}

bool
registry_authority(struct store *s, MDB_txn *txn, struct note_verifier *out)
{
	MDB_val k = { sizeof(authority_key) - 1, (void *)authority_key }, val;
	char vkey[NOTE_VKEY_MAX + 1], why[160];
	if (mdb_get(txn, s->meta, &k, &val) != 0 || val.mv_size >= sizeof(vkey))
		return false;
	memcpy(vkey, val.mv_data, val.mv_size);
	vkey[val.mv_size] = '\0';
	return note_verifier_parse(vkey, out, why, sizeof(why));
}

int
registry_member(struct store *s, MDB_txn *txn, const char *origin,
                Remacto__Store__MemberRecord **out)
{
	MDB_val k = { strlen(origin), (void *)origin }, v;
	int rc = mdb_get(txn, db(s, DB_MEMBERS), &k, &v);
	*out = NULL;
	if (rc != 0)
		return rc;
	*out = remacto__store__member_record__unpack(NULL, v.mv_size, v.mv_data);
	return *out ? 0 : MDB_CORRUPTED;
}

static int
put_member(struct store *s, MDB_txn *txn, const Remacto__Store__MemberRecord *m)
{
	size_t len = remacto__store__member_record__get_packed_size(m);
	MDB_val k = { strlen(m->origin), m->origin }, v = { len, NULL };
	int rc = mdb_put(txn, db(s, DB_MEMBERS), &k, &v, MDB_RESERVE);
	if (rc == 0)
		remacto__store__member_record__pack(m, v.mv_data);
	return rc;
}

static int
put_index(struct store *s, MDB_txn *txn, int which, const char *key, uint64_t index)
{
	uint8_t be[8];
	put_be64(be, index);
	MDB_val k = { strlen(key), (void *)key }, v = { 8, be };
	return mdb_put(txn, db(s, which), &k, &v, 0);
}

static bool
refuse(bool strict, char *err, size_t errcap, const char *field, const char *why,
       const char *origin)
{
	if (strict)
		err_set(err, errcap, "%s: %s %s", field, origin, why);
	return strict;
}

/* Adds a key to a member record (a copy of the list with one more element). */
static int
add_key(struct store *s, MDB_txn *txn, Remacto__Store__MemberRecord *m, const char *vkey,
        uint64_t from, uint64_t index)
{
	Remacto__Store__MemberKey nk = REMACTO__STORE__MEMBER_KEY__INIT;
	Remacto__Store__MemberKey **keys = malloc((m->n_keys + 1) * sizeof(*keys));
	Remacto__Store__MemberKey **old = m->keys;
	size_t oldn = m->n_keys;
	int rc;

	if (!keys)
		return -ENOMEM;
	memcpy(keys, m->keys, m->n_keys * sizeof(*keys));
	nk.verifier_key = (char *)vkey;
	nk.from_size = from;
	nk.registry_index = index;
	keys[m->n_keys] = &nk;
	m->keys = keys;
	m->n_keys = oldn + 1;
	rc = put_member(s, txn, m);
	m->keys = old;
	m->n_keys = oldn;
	free(keys);
	return rc;
}

static bool
is_registry_kind(const Remacto__V1__Entry *e)
{
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION:
	case REMACTO__V1__ENTRY__KIND_KEY_ROTATION:
	case REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION:
	case REMACTO__V1__ENTRY__KIND_CATALOG_INDICATOR:
	case REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY:
	case REMACTO__V1__ENTRY__KIND_PEER_ANNOUNCEMENT:
	case REMACTO__V1__ENTRY__KIND_WITNESS_POLICY:
	case REMACTO__V1__ENTRY__KIND_GOVERNANCE_POLICY:
		return true;
	default:
		return false;
	}
}

/* The authority's own check of a witness policy: every group member is the registry, a member
 * or a group named before it (entry.c checked the rest). Members suspended now are allowed:
 * the policy leaves them out while they are. */
static int
check_witness_names(struct store *s, MDB_txn *txn, const struct note_verifier *auth,
                    const Remacto__V1__WitnessPolicy *w, char *err, size_t errcap)
{
	for (size_t i = 0; i < w->n_groups; i++) {
		const Remacto__V1__WitnessGroup *g = w->groups[i];
		for (size_t m = 0; m < g->n_members; m++) {
			const char *name = g->members[m];
			MDB_val k = { strlen(name), (void *)name }, v;
			bool group = false;
			for (size_t j = 0; j < i && !group; j++)
				group = !strcmp(w->groups[j]->name, name);
			if (group || !strcmp(name, auth->name))
				continue;
			int rc = mdb_get(txn, db(s, DB_MEMBERS), &k, &v);
			if (rc == MDB_NOTFOUND) {
				err_set(err, errcap,
				        "witnessPolicy.groups.members: %s (group %s) is not a member, "
				        "the registry or a group named before it",
				        name, g->name);
				return -EINVAL;
			}
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* The authority's own check of a governance entry: every key is named as the registry. */
static int
check_governance_keys(const struct note_verifier *auth, const Remacto__V1__GovernancePolicy *g,
                      char *err, size_t errcap)
{
	for (size_t i = 0; i < g->n_keys; i++) {
		struct note_verifier v;
		char why[160];
		if (!note_verifier_parse(g->keys[i]->verifier_key, &v, why, sizeof(why)) ||
		    strcmp(v.name, auth->name) != 0) {
			err_set(err, errcap,
			        "governancePolicy.keys.verifierKey: the key of %s must be named as the "
			        "registry, %s",
			        g->keys[i]->label, auth->name);
			return -EINVAL;
		}
	}
	return 0;
}

/* The member a registry entry is about, or NULL for catalog and policy entries. */
static const char *
subject(const Remacto__V1__Entry *e)
{
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION:
		return e->member_admission->origin;
	case REMACTO__V1__ENTRY__KIND_KEY_ROTATION:
		return e->key_rotation->origin;
	case REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION:
		return e->member_suspension->origin;
	case REMACTO__V1__ENTRY__KIND_PEER_ANNOUNCEMENT:
		return e->peer_announcement->origin;
	default:
		return NULL;
	}
}

int
registry_apply(struct store *s, MDB_txn *txn, const char *origin, uint64_t index,
               const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap)
{
	Remacto__Store__MemberRecord *m = NULL;
	struct note_verifier auth;
	const char *who;
	int rc = 0;

	if (!is_registry_kind(e))
		return 0;
	if (!registry_authority(s, txn, &auth) || strcmp(auth.name, origin) != 0) {
		if (strict)
			err_set(err, errcap,
			        "registry entries belong in the network's registry log, "
			        "not in %s",
			        origin);
		return strict ? -EINVAL : 0;
	}
	if ((who = subject(e)) != NULL) {
		rc = registry_member(s, txn, who, &m);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return rc;
		rc = 0;
		if (e->kind_case != REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION && !m) {
			rc = refuse(strict, err, errcap, "origin", "is not a member", who) ? -EINVAL
			                                                                   : 0;
			goto done;
		}
	}
	switch (e->kind_case) {
	case REMACTO__V1__ENTRY__KIND_MEMBER_ADMISSION: {
		const Remacto__V1__MemberAdmission *a = e->member_admission;
		Remacto__Store__MemberRecord nm = REMACTO__STORE__MEMBER_RECORD__INIT;
		Remacto__Store__MemberKey key = REMACTO__STORE__MEMBER_KEY__INIT,
		                          *keys[1] = { &key };
		uint8_t *packed;
		if (m || !strcmp(a->origin, auth.name)) {
			rc = refuse(strict, err, errcap, "memberAdmission.origin",
			            "is already in the registry", a->origin)
			             ? -EINVAL
			             : 0;
			goto done;
		}
		size_t len = remacto__v1__member_admission__get_packed_size(a);
		if (!(packed = malloc(len ? len : 1))) {
			rc = -ENOMEM;
			goto done;
		}
		remacto__v1__member_admission__pack(a, packed);
		key.verifier_key = a->verifier_key;
		key.registry_index = index;
		nm.origin = a->origin;
		nm.keys = keys;
		nm.n_keys = 1;
		nm.admission_index = index;
		nm.admission.data = packed;
		nm.admission.len = len;
		rc = put_member(s, txn, &nm);
		free(packed);
		break;
	}
	case REMACTO__V1__ENTRY__KIND_KEY_ROTATION: {
		const Remacto__V1__KeyRotation *r = e->key_rotation;
		uint64_t last = m->n_keys ? m->keys[m->n_keys - 1]->from_size : 0;
		if (r->from_size <= last && m->n_keys) {
			rc = refuse(strict, err, errcap, "keyRotation.fromSize",
			            "already has a key "
			            "from that size or a later one: a rotation never reaches back",
			            r->origin)
			             ? -EINVAL
			             : 0;
			goto done;
		}
		rc = add_key(s, txn, m, r->verifier_key, r->from_size, index);
		break;
	}
	case REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION:
		m->suspended = !e->member_suspension->lifted;
		m->suspended_at_size = e->member_suspension->at_size;
		m->suspension_index = index;
		rc = put_member(s, txn, m);
		break;
	case REMACTO__V1__ENTRY__KIND_PEER_ANNOUNCEMENT: {
		char *old = m->peer_url;
		m->peer_url = e->peer_announcement->withdrawn ? "" : e->peer_announcement->url;
		rc = put_member(s, txn, m);
		m->peer_url = old;
		break;
	}
	case REMACTO__V1__ENTRY__KIND_CATALOG_INDICATOR:
		rc = put_index(s, txn, DB_CATALOG, e->catalog_indicator->code, index);
		break;
	case REMACTO__V1__ENTRY__KIND_COMPLIANCE_POLICY:
		rc = put_index(s, txn, DB_POLICY, "current", index);
		break;
	case REMACTO__V1__ENTRY__KIND_WITNESS_POLICY:
		if (strict &&
		    (rc = check_witness_names(s, txn, &auth, e->witness_policy, err, errcap)) != 0)
			goto done;
		rc = put_index(s, txn, DB_POLICY, "witness", index);
		break;
	case REMACTO__V1__ENTRY__KIND_GOVERNANCE_POLICY:
		if (strict &&
		    (rc = check_governance_keys(&auth, e->governance_policy, err, errcap)) != 0)
			goto done;
		rc = put_index(s, txn, DB_POLICY, "governance", index);
		break;
	default:
		break;
	}
done:
	remacto__store__member_record__free_unpacked(m, NULL);
	return rc;
}

/* The store module's hook: the registry view does not need the log id. */
static int
apply_hook(struct store *s, MDB_txn *txn, uint32_t log, const char *origin, uint64_t index,
           const Remacto__V1__Entry *e, bool strict, char *err, size_t errcap)
{
	(void)log;
	return registry_apply(s, txn, origin, index, e, strict, err, errcap);
}

int
registry_key_for(struct store *s, MDB_txn *txn, const char *origin, uint64_t size,
                 struct note_verifier *out, char *err, size_t errcap)
{
	Remacto__Store__MemberRecord *m;
	struct note_verifier auth;
	const char *vkey = NULL;
	char why[160];
	int rc;

	if (!registry_authority(s, txn, &auth)) {
		err_set(err, errcap, "no network authority configured");
		return -ENOENT;
	}
	if (!strcmp(origin, auth.name)) {
		*out = auth;
		return 0;
	}
	if ((rc = registry_member(s, txn, origin, &m)) != 0) {
		err_set(err, errcap, "%s is not a member of the network", origin);
		return rc == MDB_NOTFOUND ? -EPERM : rc;
	}
	if (m->suspended && size > m->suspended_at_size) {
		err_set(err, errcap, "%s is suspended since size %llu", origin,
		        (unsigned long long)m->suspended_at_size);
		rc = -EPERM;
		goto done;
	}
	for (size_t i = 0; i < m->n_keys; i++)
		if (m->keys[i]->from_size <= size)
			vkey = m->keys[i]->verifier_key;
	if (!vkey || !note_verifier_parse(vkey, out, why, sizeof(why)) ||
	    strcmp(out->name, origin) != 0) {
		err_set(err, errcap, "%s has no usable key for size %llu", origin,
		        (unsigned long long)size);
		rc = -EPERM;
	}
done:
	remacto__store__member_record__free_unpacked(m, NULL);
	return rc;
}

/* Copies src into dst, cut at a UTF-8 character boundary when it does not fit. */
static void
copy_text(char *dst, size_t cap, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	if (n >= cap)
		for (n = cap - 1; n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80; n--)
			;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int
registry_suspension(struct store *s, MDB_txn *txn, const char *origin,
                    struct registry_suspension *out)
{
	Remacto__Store__MemberRecord *m = NULL;
	Remacto__Store__LogRecord *log = NULL;
	Remacto__V1__Entry *e = NULL;
	struct note_verifier auth;
	const uint8_t *data;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = registry_member(s, txn, origin, &m)) != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	out->member = true;
	out->suspended = m->suspended;
	out->at_size = m->suspended ? m->suspended_at_size : 0;
	out->index = m->suspension_index;
	remacto__store__member_record__free_unpacked(m, NULL);
	/* The date and the reason are in the registry entry; a record from before the index was
	 * kept, or an entry that does not read back, leaves them unknown. */
	if (!out->index || !registry_authority(s, txn, &auth) ||
	    store_log_get(s, txn, auth.name, &log) != 0 ||
	    store_entry_get(s, txn, log->id, out->index, &data, &len) != 0 ||
	    !(e = remacto__v1__entry__unpack(NULL, len, data)) ||
	    e->kind_case != REMACTO__V1__ENTRY__KIND_MEMBER_SUSPENSION ||
	    strcmp(e->member_suspension->origin, origin) != 0) {
		out->index = 0;
		goto done;
	}
	copy_text(out->date, sizeof(out->date), e->member_suspension->date);
	if (e->member_suspension->reason) {
		copy_text(out->reason_fr, sizeof(out->reason_fr), e->member_suspension->reason->fr);
		copy_text(out->reason_ar, sizeof(out->reason_ar), e->member_suspension->reason->ar);
	}
done:
	if (e)
		remacto__v1__entry__free_unpacked(e, NULL);
	remacto__store__log_record__free_unpacked(log, NULL);
	return 0;
}

void
registry_suspension_text(const char *origin, const struct registry_suspension *sp, char *out,
                         size_t cap)
{
	const char *reason = sp->reason_fr[0] ? sp->reason_fr : sp->reason_ar;
	int n = snprintf(out, cap, "%s is suspended by the network authority past size %llu",
	                 origin, (unsigned long long)sp->at_size);
	if (n < 0 || (size_t)n >= cap || !sp->index)
		return;
	snprintf(out + n, cap - (size_t)n, " (registry entry %llu%s%s%s%s)",
	         (unsigned long long)sp->index, sp->date[0] ? ", " : "", sp->date,
	         reason[0] ? ": " : "", reason);
}

json_t *
registry_suspension_json(const struct registry_suspension *sp)
{
	json_t *j = json_pack("{s:I}", "atSize", (json_int_t)sp->at_size);
	if (!j || !sp->index)
		return j;
	json_object_set_new(j, "registryIndex", json_integer((json_int_t)sp->index));
	if (sp->date[0])
		json_object_set_new(j, "date", json_string(sp->date));
	if (sp->reason_fr[0] || sp->reason_ar[0]) {
		json_t *r = json_object();
		/* Texts signed by the authority are UTF-8 (entry.h checks it); a cut one stays so. */
		if (r && sp->reason_fr[0])
			json_object_set_new(r, "fr", json_string(sp->reason_fr));
		if (r && sp->reason_ar[0])
			json_object_set_new(r, "ar", json_string(sp->reason_ar));
		json_object_set_new(j, "reason", r);
	}
	return j;
}

int
registry_each(struct store *s, MDB_txn *txn, registry_member_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, db(s, DB_MEMBERS), &c);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		Remacto__Store__MemberRecord *m = remacto__store__member_record__unpack(
		        NULL, v.mv_size, v.mv_data);
		if (!m) {
			rc = MDB_CORRUPTED;
			break;
		}
		rc = fn(m, arg);
		remacto__store__member_record__free_unpacked(m, NULL);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ---- governance ---- */

static void
gov_key(struct registry_gov *g, const char *label, const struct note_verifier *v)
{
	if (g->n == REGISTRY_GOV_MAX)
		return;
	snprintf(g->keys[g->n].label, sizeof(g->keys[g->n].label), "%s", label);
	g->keys[g->n].log = *v;
	g->keys[g->n].cosig = *v;
	g->keys[g->n].cosig.alg = NOTE_ALG_COSIGNATURE_V1;
	snprintf(g->keys[g->n].cosig.name, sizeof(g->keys[g->n].cosig.name), "%s", label);
	g->keys[g->n].cosig.key_id = note_key_id(label, NOTE_ALG_COSIGNATURE_V1, v->pub);
	g->n++;
}

int
registry_governance(struct store *s, MDB_txn *txn, struct registry_gov *g)
{
	Remacto__Store__LogRecord *log = NULL;
	Remacto__V1__Entry *e = NULL;
	struct note_verifier auth;
	MDB_val k = { 10, (void *)"governance" }, v;
	const uint8_t *data;
	size_t len;
	int rc;

	memset(g, 0, sizeof(*g));
	if (!registry_authority(s, txn, &auth))
		return -ENOENT;
	rc = mdb_get(txn, db(s, DB_POLICY), &k, &v);
	if (rc == MDB_NOTFOUND || v.mv_size != 8) {
		gov_key(g, "authority", &auth); /* a single-authority network */
		return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
	}
	if (rc != 0)
		return rc;
	g->governed = true;
	g->index = get_be64(v.mv_data);
	if ((rc = store_log_get(s, txn, auth.name, &log)) != 0 ||
	    (rc = store_entry_get(s, txn, log->id, g->index, &data, &len)) != 0)
		goto done;
	if (!(e = remacto__v1__entry__unpack(NULL, len, data)) ||
	    e->kind_case != REMACTO__V1__ENTRY__KIND_GOVERNANCE_POLICY) {
		rc = MDB_CORRUPTED;
		goto done;
	}
	for (size_t i = 0; i < e->governance_policy->n_keys; i++) {
		const Remacto__V1__GovernanceKey *gk = e->governance_policy->keys[i];
		struct note_verifier lv;
		char why[160];
		if (note_verifier_parse(gk->verifier_key, &lv, why, sizeof(why)) &&
		    lv.alg == NOTE_ALG_ED25519 && !strcmp(lv.name, auth.name) && gk->label &&
		    note_name_valid(gk->label))
			gov_key(g, gk->label, &lv);
	}
	g->quorum = e->governance_policy->quorum;
	if (g->quorum > g->n)
		g->quorum = (unsigned)g->n; /* keys a lenient fold left out */
done:
	if (e)
		remacto__v1__entry__free_unpacked(e, NULL);
	remacto__store__log_record__free_unpacked(log, NULL);
	return rc;
}

size_t
registry_gov_approvals(const struct registry_gov *g, const struct note *nt)
{
	size_t n = 0;
	for (size_t i = 0; i < g->n; i++) {
		bool ok = false;
		for (size_t j = 0; j < nt->nsigs && !ok; j++)
			ok = nt->sigs[j].verified && nt->sigs[j].sig_len == 72 &&
			     nt->sigs[j].key_id == g->keys[i].cosig.key_id &&
			     !strcmp(nt->sigs[j].name, g->keys[i].cosig.name);
		n += ok;
	}
	return n;
}

int
registry_gov_policy(const struct registry_gov *g, struct buf *out)
{
	char vk[NOTE_VKEY_MAX + 1];
	buf_printf(out, "# c2sp.org/tlog-policy of the registry %s: its governance keys%s\n",
	           g->n ? g->keys[0].log.name : "?",
	           g->governed ? "" : " (one authority: its signature alone)");
	for (size_t i = 0; i < g->n; i++)
		if (note_verifier_format(&g->keys[i].log, vk, sizeof(vk)) > 0)
			buf_printf(out, "log %s\n", vk);
	if (!g->governed)
		return buf_puts(out, "quorum none\n");
	for (size_t i = 0; i < g->n; i++)
		if (note_verifier_format(&g->keys[i].cosig, vk, sizeof(vk)) > 0)
			buf_printf(out, "witness %s %s\n", g->keys[i].label, vk);
	buf_printf(out, "group governance %u", g->quorum);
	for (size_t i = 0; i < g->n; i++)
		buf_printf(out, " %s", g->keys[i].label);
	return buf_puts(out, "\nquorum governance\n");
}

int
registry_gov_from_policy(const char *text, size_t len, const char *registry, struct registry_gov *g,
                         char *err, size_t errcap)
{
	struct tpolicy p;
	int rc = -EINVAL;

	memset(g, 0, sizeof(*g));
	if (!tpolicy_parse(text, len, &p, err, errcap))
		return -EINVAL;
	for (size_t i = 0; i < p.nlogs; i++)
		if (strcmp(p.logs[i].key.name, registry) || p.logs[i].key.alg != NOTE_ALG_ED25519) {
			err_set(err, errcap, "log %s: the registry's policy lists only keys of %s",
			        p.logs[i].key.name, registry);
			goto done;
		}
	if (p.quorum == TPOLICY_NONE) {
		if (p.nlogs != 1) {
			err_set(err, errcap,
			        "quorum none: one log key, the authority's, governs alone");
			goto done;
		}
		gov_key(g, "authority", &p.logs[0].key);
		rc = 0;
		goto done;
	}
	const struct tpolicy_node *q = &p.nodes[p.quorum];
	if (!q->group || p.nwitnesses > REGISTRY_GOV_MAX) {
		err_set(err, errcap, "the quorum must be a group of at most %d witnesses",
		        REGISTRY_GOV_MAX);
		goto done;
	}
	const struct tpolicy_group *gr = &p.groups[q->index];
	for (size_t i = 0; i < gr->n; i++) {
		const struct tpolicy_node *m = &p.nodes[gr->members[i]];
		const struct tpolicy_witness *w = m->group ? NULL : &p.witnesses[m->index];
		size_t l = 0;
		while (w && l < p.nlogs && memcmp(p.logs[l].key.pub, w->key.pub, 32))
			l++;
		if (!w || l == p.nlogs || strcmp(w->key.name, w->name) ||
		    w->key.alg != NOTE_ALG_COSIGNATURE_V1 ||
		    strlen(w->name) >= sizeof(g->keys[0].label)) {
			err_set(err, errcap,
			        "group %s: each member is a witness named as its key, a cosignature key "
			        "(type 0x04) of one of the log keys",
			        gr->name);
			goto done;
		}
		gov_key(g, w->name, &p.logs[l].key);
	}
	g->governed = true;
	g->quorum = (unsigned)gr->k;
	rc = 0;
done:
	tpolicy_free(&p);
	return rc;
}

int
registry_gov_load(const char *path, const char *vkey, struct registry_gov *g, char *err,
                  size_t errcap)
{
	struct note_verifier auth;
	char why[300] = "";
	char *text = malloc(REGISTRY_POLICY_MAX + 1);
	size_t len = 0;
	FILE *f = NULL;
	int rc = -ENOMEM;

	if (!text)
		goto done;
	if (!(f = fopen(path, "r"))) {
		rc = -errno;
		snprintf(why, sizeof(why), "%s", strerror(errno));
		goto done;
	}
	len = fread(text, 1, REGISTRY_POLICY_MAX + 1, f);
	if (ferror(f) || len > REGISTRY_POLICY_MAX) {
		rc = -EFBIG;
		snprintf(why, sizeof(why), "cannot be read whole, or more than %d bytes",
		         REGISTRY_POLICY_MAX);
		goto done;
	}
	rc = -EINVAL;
	if (!note_verifier_parse(vkey, &auth, why, sizeof(why)))
		goto done;
	rc = registry_gov_from_policy(text, len, auth.name, g, why, sizeof(why));
done:
	if (f)
		fclose(f);
	free(text);
	if (rc != 0) {
		err_set(err, errcap,
		        "[authority] policy %.300s: %s (write it with remacto network "
		        "governance --data DIR)",
		        path, rc == -ENOMEM ? "out of memory" : why);
		return -1;
	}
	log_info("the registry is governed as %.300s says: %s%u of %zu keys", path,
	         g->governed ? "" : "the authority alone, ", g->governed ? g->quorum : 1, g->n);
	return 0;
}
