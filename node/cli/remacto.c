/*
 * remacto — the REMACTO Ledger command-line tool. One file per subcommand (cmd_*.c), dispatched
 * from the table below. Exit codes are in cli.h.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "keygen", cmd_keygen, "create a signing key for a log and print its verifier key" },
	{ "log", cmd_log, "create, append to, prove and verify a log in a data folder" },
	{ "publish", cmd_publish, "publish JSON entries through a running node's admin API" },
	{ "import", cmd_import, "import a CSV of commitments or measurements into a running node" },
	{ "status", cmd_status,
	  "show a running node's origin, counters, checkpoint, replication lag, witnesses" },
	{ "compliance", cmd_compliance, "members' compliance with the network's norms" },
	{ "benchmark", cmd_benchmark,
	  "compare a catalog indicator across members and peer groups" },
	{ "report", cmd_report,
	  "write the directorate's PDF report of a member or of the network" },
	{ "peers", cmd_peers, "show a running node's peers: state, errors, violations, backoff" },
	{ "network", cmd_network, "create the network authority's key and registry log" },
	{ "member", cmd_member, "admit a member, rotate its key, suspend it, announce its node" },
	{ "members", cmd_members, "list the network's members from the registry" },
	{ "catalog", cmd_catalog, "add the national indicator catalog (CSV) to the registry" },
	{ "policy", cmd_policy,
	  "set the network's compliance thresholds and witness quorum in the registry" },
	{ "proof", cmd_proof, "verify a tlog-proof file offline against a trust policy" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: remacto <command> [options]   (remacto <command> --help for details)\n"
	           "       remacto --version\n\n"
	           "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nexit codes: 0 ok, 1 failure, 2 usage, 3 input rejected, 4 verification "
	           "failed,\n            5 publishing refused: this node's member is suspended\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("remacto " REMACTO_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "remacto: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
