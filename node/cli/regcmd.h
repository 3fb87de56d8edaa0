/*
 * regcmd — what the network authority's subcommands share (remacto network, member, members,
 * catalog, policy; cmd_network.c, cmd_member.c, cmd_catalog.c): one option table, the parser of
 * `remacto <cmd> <action> [options]`, and the registry of a data folder with the one way to
 * append to it.
 *
 * These tools work offline on the authority's data folder, like `remacto log append`: LMDB lets
 * them write while remactod runs, and the daemon picks the new entries up by itself. Every
 * subcommand that writes builds one or more remacto.v1.Entry messages, stamps them (schema 1,
 * published = now in UTC), checks the packed bytes with entry_decode (what any node will check),
 * and appends them in one batch with tlog_append, signed by the registry's key file as recorded
 * in the log's record. tlog_append folds them into the registry view (peers/registry.h) in the
 * same transaction, in strict mode: what the registry refuses (rotating the key of a non-member,
 * admitting an origin twice) leaves nothing behind and exits with EXIT_INVALID and the
 * registry's own message.
 */
#ifndef REMACTO_REGCMD_H
#define REMACTO_REGCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/merkle.h"
#include "core/note.h"
#include "peers/witness.h"
#include "store/tlog.h"

/* Every option of every registry subcommand; an action says which it allows and requires. */
enum opt_id {
	O_DATA = 1,
	O_KEY,
	O_ORIGIN,
	O_VKEY,
	O_HCP,
	O_KIND,
	O_NAME_FR,
	O_NAME_AR,
	O_NAME_EN,
	O_REGION,
	O_POPULATION,
	O_CENSUS_YEAR,
	O_DATE,
	O_FROM_SIZE,
	O_REASON_FR,
	O_REASON_AR,
	O_AT_SIZE,
	O_LIFT,
	O_URL,
	O_WITHDRAW,
	O_FILE,
	O_LIVENESS,
	O_FOLLOW_UP,
	O_GRACE,
	O_AT_RISK,
	O_NON_COMPLIANT,
	O_FORCE,
	O_WITNESS_QUORUM,
	O_WITNESS_GROUP, /* repeatable: every value in groups[] */
	O_CONTACT_URL,
	O_CATEGORY,
	O_PROPOSE, /* write a proposal instead of appending (docs/PROTOCOL.md §8) */
	O_ADD,     /* repeatable, in list[] with the other governance options */
	O_RETIRE,
	O_ROTATE,
	O_QUORUM,
	O_LABEL,
	O_HELP,
	O_COUNT
};
#define OPT_BIT(o) (UINT64_C(1) << (o))

#define REGCMD_MAX_GROUPS 64

struct regcmd_args {
	const char *what; /* "member add", for messages */
	char *v[O_COUNT]; /* option values (argv strings), NULL when not given */
	bool set[O_COUNT];
	char *groups[REGCMD_MAX_GROUPS]; /* each --witness-group, in order */
	size_t ngroups;
	/* each --add, --retire, --rotate in order: the option's id and its value */
	struct {
		int opt;
		char *value;
	} list[REGCMD_MAX_GROUPS];
	size_t nlist;
};

struct regcmd_action {
	const char *name; /* NULL: the command takes no action word */
	int (*run)(const struct regcmd_args *a);
	uint64_t allowed, required; /* OPT_BIT()s */
	const char *usage;
};

/* The long name of an option ("from-size"). */
const char *regcmd_opt_name(int id);
/* Parses the options of one action from argv[first] on and runs it; an exit code (cli.h). */
int regcmd_run(const char *cmd, const struct regcmd_action *act, int argc, char **argv, int first);
/* A command with action words: `remacto <cmd> <action> [options]`. */
int regcmd_dispatch(const char *cmd, const char *usage, const struct regcmd_action *acts, size_t n,
                    int argc, char **argv);

/* The registry of a data folder. */
struct regcmd_registry {
	struct store s;
	bool open;
	struct note_verifier auth;
	struct note_signer signer; /* with sign only */
	struct tlog_head *head;    /* the registry log's head, with sign only */
	const char *propose;       /* --propose FILE: write the change there, append nothing */
};

/* Opens the store of a->v[O_DATA] and finds its registry; with sign, also the registry's own
 * log and key: this must be the authority's data folder (or, with --propose, any folder that
 * holds the registry). An exit code, the problem printed. */
int regcmd_open(struct regcmd_registry *r, const struct regcmd_args *a, bool sign);
void regcmd_close(struct regcmd_registry *r);

/* Now in UTC: "YYYY-MM-DDThh:mm:ssZ" and "YYYY-MM-DD". */
void regcmd_now(char published[32], char date[16]);
/* Stamps e (schema 1, published), packs it into out (malloc'd) and checks the bytes as every
 * node will. -EINVAL with err naming the field, -ENOMEM. */
int regcmd_pack(Remacto__V1__Entry *e, char *published, struct tlog_blob *out, char *err,
                size_t errcap);
/* Appends the packed entries in one batch and prints the registry's new size; an exit code.
 * A governed registry needs its quorum of approvals (docs/PROTOCOL.md §8): the key of the data
 * folder gives its own when it is a governance key; a change that needs more is refused with
 * the way to propose it. With --propose, writes the proposal instead (cmd_govern.c). */
int regcmd_append(struct regcmd_registry *r, const char *what, const struct tlog_blob *v, size_t n);
/* The same with approvals (cosignature lines that verified) and the tree root the entries must
 * lead to: what `remacto network submit` commits. */
int regcmd_commit(struct regcmd_registry *r, const char *what, const struct tlog_blob *v, size_t n,
                  const struct witness_cosig *approvals, size_t na, const uint8_t root[32]);
/* The registry's border (tree) now in *base, and the checkpoint text (origin, size, root) it
 * would have after appending v: what a change's approvals sign. 0 or an error. */
int regcmd_next(struct regcmd_registry *r, const struct tlog_blob *v, size_t n,
                struct merkle_range *base, uint8_t root[32], char *text, size_t cap);
/* Writes a proposal of the entries to path (cmd_govern.c): the entries and the checkpoint
 * they lead to, for the governance key holders to approve; an exit code. */
int regcmd_propose(struct regcmd_registry *r, const char *what, const struct tlog_blob *v, size_t n,
                   const char *path);
/* Packs one entry and appends it to the registry of a->v[O_DATA]; an exit code. */
int regcmd_append_one(const struct regcmd_args *a, Remacto__V1__Entry *e);
/* The same on a registry opened with sign. */
int regcmd_append_entry(struct regcmd_registry *r, const char *what, Remacto__V1__Entry *e);

/* The usage line of --propose, which every command that appends to the registry takes. */
#define REGCMD_PROPOSE_USAGE                                                                       \
	"  --propose FILE: write the change to FILE instead of appending it, for the registry's\n" \
	"  governance key holders to approve (remacto network sign) and submit (network submit)\n"

/* network govern, sign, submit and governance (cmd_govern.c). */
extern const struct regcmd_action govern_actions[4];

/* s, or "" for an option not given. */
char *regcmd_or_empty(char *s);
/* The --date option, or today (UTC) in buf. */
char *regcmd_date(const struct regcmd_args *a, char buf[16]);

#endif
