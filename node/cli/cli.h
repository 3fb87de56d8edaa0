/*
 * cli — what the `remacto` subcommands share: exit codes, messages, number parsing.
 * Each subcommand lives in its own cmd_*.c and is dispatched from the table in remacto.c.
 */
#ifndef REMACTO_CLI_H
#define REMACTO_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes scripts can rely on. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,    /* the operation failed: storage, file, key or system error */
	EXIT_USAGE = 2,   /* bad command line */
	EXIT_INVALID = 3, /* input rejected (malformed entry, bad JSON...): nothing stored */
	EXIT_VERIFY = 4,  /* verification failed: the log does not match its hashes or signature */
	EXIT_SUSPENDED = 5, /* the node refused to publish: the network authority suspended its
	                     * member; nothing stored, until the authority reinstates it */
};

/* "remacto: <message>\n" on stderr; returns code so callers can `return cli_err(...)`. */
int cli_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads the whole file path ("-": standard input) into a new NUL-terminated buffer of at most
 * cap bytes (*out, free() it; *len without the NUL). An exit code, the problem printed
 * ("what" names the file's role: "the proof"). */
int cli_read_file(const char *what, const char *path, size_t cap, char **out, size_t *len);
/* The usage text: on stdout for --help (returns EXIT_OK), on stderr after a bad option or
 * argument (returns EXIT_USAGE), so a command can `return cli_usage(usage, c == 'h')`. */
int cli_usage(const char *usage, bool help);
/* Parses a decimal uint64 option value; prints a usage error naming opt and returns false. */
bool cli_u64(const char *opt, const char *s, uint64_t *out);
/* Reading a node's JSON answers: member key of object o as a string ("" when absent or not a
 * string) or an integer (0 then). */
const char *cli_jstr(const json_t *o, const char *key);
long long cli_jint(const json_t *o, const char *key);

int cmd_keygen(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_compliance(int argc, char **argv);
int cmd_benchmark(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_peers(int argc, char **argv);
int cmd_network(int argc, char **argv);
int cmd_member(int argc, char **argv);
int cmd_members(int argc, char **argv);
int cmd_catalog(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_proof(int argc, char **argv);

#endif
