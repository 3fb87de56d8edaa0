/*
 * ownlog — the node's own log and the key it signs with: opened (or created) at start, and a key
 * the registry rotated in adopted, at start or, for a node whose data folder predates the
 * rotation (a restored backup), as soon as the registry and the log it takes from its peers
 * give it. See ownlog.h.
 */
#include "ownlog.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/note.h"
#include "peers/fed.h"
#include "peers/registry.h"
#include "store/tlog.h"
#include "store/writer.h"

#include "store.pb-c.h"

/* Whether the registry gives the own log the node's key at size, suspended or not: a suspension
 * decides whether the node may publish (fed, publish), not which key is the log's (a suspended
 * member's key is rotated before it is reinstated, the order a compromised key calls for). */
static bool
own_key_at(struct node *n, MDB_txn *txn, uint64_t size)
{
	Remacto__Store__MemberRecord *m = NULL;
	const char *vkey = NULL;
	struct note_verifier v;
	char why[160];
	bool mine = false;

	if (registry_member(&n->store, txn, n->cfg.origin, &m) != 0)
		return false;
	for (size_t i = 0; i < m->n_keys; i++) /* in from_size order */
		if (m->keys[i]->from_size <= size)
			vkey = m->keys[i]->verifier_key;
	if (vkey && note_verifier_parse(vkey, &v, why, sizeof(why)))
		mine = !strcmp(v.name, n->cfg.origin) && !memcmp(v.pub, n->signer.v.pub, 32);
	remacto__store__member_record__free_unpacked(m, NULL);
	return mine;
}

/* Signs the own log's whole tree again with the node's key, at the size it holds. */
struct resign_arg {
	struct store *s;
	const struct note_signer *signer;
};

static int
resign_txn(MDB_txn *txn, void *arg)
{
	struct resign_arg *a = arg;
	struct tlog_batch b;
	int rc = tlog_batch_begin(&b, a->s, txn, a->signer->v.name);
	if (rc == 0)
		rc = tlog_batch_seal(&b, txn, a->signer, NULL);
	tlog_batch_end(&b);
	return rc;
}

/* Makes the node's key the own log's key once the registry gives it from the next size the log
 * holds, and signs the tree again when the registry gives it at the size held already (a
 * rotation that reached back: the checkpoint of that size is signed by a retired key, every
 * node would serve the last one below the rotation, and anyone taking the member's key from
 * the registry would see a checkpoint it does not verify). One transaction: at start through
 * store_write, later as a writer job. */
struct adopt {
	struct node *n;
	char path[PATH_MAX]; /* the key file, absolute */
	uint64_t size;       /* what the own log held */
	bool adopted, resigned, pending;
};

static int
adopt_txn(MDB_txn *txn, void *arg)
{
	struct adopt *a = arg;
	struct node *n = a->n;
	struct tlog_head *h = malloc(sizeof(*h));
	struct note *nt = malloc(sizeof(*nt));
	char vkey[NOTE_VKEY_MAX + 1], err[256];
	int rc = h && nt ? tlog_head(&n->store, txn, n->cfg.origin, h) : -ENOMEM;

	a->adopted = a->resigned = a->pending = false;
	if (rc != 0)
		goto done;
	a->size = h->size;
	note_verifier_format(&n->signer.v, vkey, sizeof(vkey));
	if (strcmp(vkey, h->vkey) != 0) {
		/* A new key is the log's key once the registry rotated it, from the next
		 * checkpoint on. */
		if (!own_key_at(n, txn, h->size + 1)) {
			a->pending = true;
			goto done;
		}
		if ((rc = tlog_set_key_txn(&n->store, txn, n->cfg.origin, vkey, a->path)) != 0)
			goto done;
		a->adopted = true;
	}
	if (h->size > 0 && own_key_at(n, txn, h->size) &&
	    !note_open(h->checkpoint, h->checkpoint_len, &n->signer.v, 1, nt, err, sizeof(err))) {
		struct resign_arg r = { &n->store, &n->signer };
		if ((rc = resign_txn(txn, &r)) == 0)
			a->resigned = true;
	}
done:
	free(h);
	free(nt);
	return rc;
}

static void
adopt_said(struct node *n, const struct adopt *a)
{
	char vkey[NOTE_VKEY_MAX + 1];
	note_verifier_format(&n->signer.v, vkey, sizeof(vkey));
	if (a->adopted)
		log_info("log %s: signing with the key the registry rotated in (%s)", n->cfg.origin,
		         vkey);
	if (a->resigned)
		log_info("log %s: its %llu entries signed again with the key the registry gives "
		         "from a size it already held",
		         n->cfg.origin, (unsigned long long)a->size);
}

int
ownlog_open(struct node *n)
{
	char err[512];
	MDB_txn *txn;
	struct tlog_head *h;
	int rc;

	if (!n->cfg.origin[0]) {
		log_info("no origin configured: running as a read-only mirror named %s",
		         n->identity.v.name);
		return 0;
	}
	if (note_signer_from_pem(&n->signer, n->cfg.origin, NOTE_ALG_ED25519, n->cfg.key, err,
	                         sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	if (!(h = malloc(sizeof(*h))))
		return -1;
	rc = store_read_begin(&n->store, &txn);
	if (rc == 0) {
		rc = tlog_head(&n->store, txn, n->cfg.origin, h);
		mdb_txn_abort(txn);
	}
	if (rc == MDB_NOTFOUND) {
		char path[PATH_MAX]; /* realpath writes up to PATH_MAX bytes */
		if (!realpath(n->cfg.key, path) ||
		    tlog_create(&n->store, &n->signer, path, err, sizeof(err)) != 0) {
			log_err("cannot create log %s: %s", n->cfg.origin, err);
			free(h);
			return -1;
		}
		char vkey[NOTE_VKEY_MAX + 1];
		note_verifier_format(&n->signer.v, vkey, sizeof(vkey));
		log_info("created log %s; its verifier key, for the network registry: %s",
		         n->cfg.origin, vkey);
	} else if (rc != 0) {
		log_err("cannot read log %s: %s", n->cfg.origin, store_strerror(rc));
		free(h);
		return -1;
	} else {
		struct adopt a = { .n = n };
		if (!realpath(n->cfg.key, a.path)) {
			log_err("cannot resolve the key file %s: %s", n->cfg.key, strerror(errno));
			free(h);
			return -1;
		}
		if ((rc = store_write(&n->store, adopt_txn, &a)) != 0) {
			log_err("log %s: cannot adopt the key the registry rotated in: %s%s",
			        n->cfg.origin, store_strerror(rc), store_io_hint(rc));
			free(h);
			return -1;
		}
		adopt_said(n, &a);
		if (a.pending && !n->cfg.authority_vkey[0]) {
			log_err("key %s is not the key of log %s (%s): configure the right key file",
			        n->cfg.key, n->cfg.origin, h->vkey);
			free(h);
			return -1;
		}
		if (a.pending) {
			/* A data folder older than the rotation (a restored backup): its registry
			 * does not know the key yet. Starting lets the node take the registry and
			 * its own log from its peers; nothing is signed with the key until the
			 * registry gives it (ownlog_checkpoint_stored), and publishing answers 503
			 * meanwhile (api_admin.c). */
			n->key_pending = true;
			log_warn("key %s is not a key its registry gives yet for log %s (which "
			         "signs with %s at %llu entries): this node signs nothing with it "
			         "until the registry it takes from its peers gives it; if it never "
			         "does, configure the key file the registry gives",
			         n->cfg.key, n->cfg.origin, h->vkey, (unsigned long long)h->size);
		}
		log_info("log %s: %llu entries", n->cfg.origin, (unsigned long long)h->size);
	}
	free(h);
	n->own_log = true;
	return 0;
}

/* ---- adopting the key later (service thread, then the writer) ---- */

static void
adopt_done(void *arg, int rc)
{
	struct adopt *a = arg;
	struct node *n = a->n;
	n->key_adopting = false;
	if (rc != 0) {
		log_err("log %s: cannot adopt the key the registry rotated in: %s%s (tried again "
		        "at the next change)",
		        n->cfg.origin, store_strerror(rc), store_io_hint(rc));
	} else if (!a->pending) {
		adopt_said(n, a);
		if (n->key_pending)
			log_info("log %s: the registry gives this node's key from size %llu; "
			         "publishing resumes once the node holds what the federation holds "
			         "of its log",
			         n->cfg.origin, (unsigned long long)a->size + 1);
		n->key_pending = false;
		if (a->resigned)
			fed_own_signed_again(n->fed);
	}
	free(a);
}

void
ownlog_checkpoint_stored(struct node *n, const char *origin)
{
	/* The own log taken back from peers may come with a note of a retired key
	 * (fed_accept.c): signed again at once (adopt_txn does nothing when it needs nothing). */
	bool own = n->own_log && !strcmp(origin, n->cfg.origin);
	if (n->key_adopting || (!n->key_pending && !own))
		return;
	struct adopt *a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->n = n;
	if (!realpath(n->cfg.key, a->path)) {
		free(a);
		return;
	}
	struct writer_job j = { .run = adopt_txn, .done = adopt_done, .arg = a, .weight = 1 };
	if (writer_submit(n->writer, &j) != 0) {
		free(a);
		return; /* the writer is full or stopping: tried again at the next change */
	}
	n->key_adopting = true;
}
