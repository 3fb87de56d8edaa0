/*
 * config — the node's configuration: an INI file parsed with libinih, or embedded defaults when
 * the node runs without one. Every value is checked when read; an error names file:line and
 * what is wrong. `remactod -n` prints "configuration OK" or that error.
 *
 * Defaults shown below. origin is the exception: remacto.ma/demo belongs to the embedded
 * defaults (the demo node) only; config_load clears it, so a file that does not set origin
 * describes a read-only mirror.
 *
 *   [node]    data = ./var              data folder (LMDB environment, keys, token)
 *             origin = remacto.ma/demo  this node's own log, a note key name (empty: mirror)
 *             key = <data>/node.key     PKCS#8 Ed25519 signing key, created on first start
 *             network = remacto         network name peers must share
 *             checkpoint_interval_ms = 5   at most one checkpoint per interval under load
 *             mapsize_mb = 0            the ledger's size limit, the LMDB map (0: 256 GiB)
 *             seed = <file.jsonl>       entries published on first start when the log is empty
 *             watchdog_s = 60           abort when the service loop makes no progress that long
 *                                       (0: no watchdog), so the service manager restarts it
 *   [public]  listen = 127.0.0.1:8080   address:port (IPv6 as [::1]:8080)
 *             tls_cert = , tls_key =    PEM files; both or neither
 *             max_connections = 1024
 *             dashboard =               the web dashboard's folder; empty: found next to the
 *                                       executable or installed (live.h)
 *   [admin]   listen = 127.0.0.1:8081   a loopback address or localhost only: plain HTTP
 *             token_file = <data>/admin.token   bearer token, created 0600 on first start
 *   [log]     level = info              error | warn | info | debug
 *             file =                    empty: stderr; reopened on SIGHUP
 *   [authority] verifier_key =          the registry's verifier key (federation)
 *   [authority] policy =                the registry's governance, a tlog-policy file
 *                                       (remacto network governance; docs/PROTOCOL.md §8)
 *   [peer]    url = wss://host:port/peer   one line per peer, repeatable (CONFIG_MAX_PEERS);
 *                                       ws:// (no TLS) only to a loopback address, for tests
 *             ca_file =                 PEM bundle of the CAs that sign peers' certificates;
 *                                       empty: the system's store
 *             tls_insecure = no         yes: accept any peer certificate (self-signed test
 *                                       federations only; the handshake still proves keys)
 *   [witness] log = <vkey>              an outside log this node witnesses (tlog-witness):
 *                                       its Ed25519 key (0x01) named as its origin; repeatable
 *             url = https://w/prefix    an outside witness this node asks to cosign each new
 *             key = <vkey>              checkpoint of its own log: its submission prefix and
 *                                       its cosignature key (0x04), paired in order; repeatable
 *
 * File rules: "[section]" and "key = value" lines start in the first column (inih would read an
 * indented line as a continuation of the previous value, so it is refused); ';' or '#' start a
 * comment line, " ;" an inline comment; at most 198 characters a line (inih's buffer); a key
 * other than url given twice is an error. Numbers are plain decimal within their range
 * (checkpoint_interval_ms 1-3600000, mapsize_mb 0-1048576, watchdog_s 0-86400, max_connections
 * 1-65536); ports
 * 1-65535; network [A-Za-z0-9._-]{1,63}; verifier_key as note_verifier_parse reads it; yes/no
 * keys take exactly "yes" or "no". Relative paths are relative to the working directory;
 * config_load and config_finish never open the files the configuration names (the daemon does,
 * at start).
 */
#ifndef REMACTO_CONFIG_H
#define REMACTO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_PEERS 64
#define CONFIG_PEER_URL_MAX 512
#define CONFIG_PATH_MAX 1024
#define CONFIG_MAX_WITNESSES 16 /* [witness] log, url and key lines, each */
#define CONFIG_VKEY_MAX 512

struct config_listen {
	char host[256]; /* numeric address or name, without brackets */
	int port;
};

struct config {
	char file[CONFIG_PATH_MAX]; /* "" when running on embedded defaults */
	char data[CONFIG_PATH_MAX];
	char origin[256];
	char key[CONFIG_PATH_MAX];
	char network[64];
	char seed[CONFIG_PATH_MAX];
	unsigned checkpoint_interval_ms;
	unsigned watchdog_s; /* 0: no watchdog */
	unsigned long mapsize_mb;
	struct config_listen pub, admin;
	char tls_cert[CONFIG_PATH_MAX], tls_key[CONFIG_PATH_MAX];
	char dashboard[CONFIG_PATH_MAX]; /* "" = found next to the executable (live.h) */
	unsigned max_connections;
	char token_file[CONFIG_PATH_MAX];
	int log_level; /* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG (syslog.h) */
	char log_file[CONFIG_PATH_MAX];
	char authority_vkey[512];
	char authority_policy[CONFIG_PATH_MAX]; /* "" = the registry's own entries alone */
	char peers[CONFIG_MAX_PEERS][CONFIG_PEER_URL_MAX];
	size_t npeers;
	char peer_ca_file[CONFIG_PATH_MAX]; /* "" = the system's CA store */
	bool peer_tls_insecure;
	/* /healthz says "degraded" once no peer session has been ready for this long; 0 = never
	 * (a federated node only: without [authority] there are no peers to lose). */
	unsigned peer_isolated_after_s;
	/* [witness]: outside logs this node witnesses, outside witnesses it asks (url i, key i). */
	char witness_logs[CONFIG_MAX_WITNESSES][CONFIG_VKEY_MAX];
	size_t nwitness_logs;
	char witness_urls[CONFIG_MAX_WITNESSES][CONFIG_PEER_URL_MAX];
	size_t nwitness_urls;
	char witness_keys[CONFIG_MAX_WITNESSES][CONFIG_VKEY_MAX];
	size_t nwitness_keys;
};

/* A peer URL taken apart: wss://host[:port][/path], or ws:// to a loopback address. */
struct config_peer_url {
	bool tls;                       /* wss:// */
	char host[256];                 /* without brackets */
	int port;                       /* 443 (wss) or 80 (ws) when the URL gives none */
	char path[CONFIG_PEER_URL_MAX]; /* "/" when the URL gives none; no fragment */
};

/* Parses and checks a peer URL as [peer] url reads it (also for the addresses the registry
 * announces). out may be NULL to only check. False with the reason in why. */
bool config_peer_url(const char *url, struct config_peer_url *out, char *why, size_t whycap);

/* Fills c with the embedded defaults. */
void config_defaults(struct config *c);
/* Reads file over the defaults. Returns 0, or -1 with err = "file:line: what is wrong" (or
 * "file: cannot open: ...") and c untouched. Unknown sections or keys are errors: a typo must
 * not pass silently. Peers accumulate after those already in c. */
int config_load(struct config *c, const char *file, char *err, size_t errcap);
/* Resolves derived defaults (key, token_file under data) and checks cross-field rules
 * (tls_cert and tls_key together, listeners distinct, the admin listener on loopback, no seed
 * without origin, not both [peer] ca_file and tls_insecure). -1 with err = "file: what is wrong" ("embedded defaults: ..."
 * without a file) when inconsistent. */
int config_finish(struct config *c, char *err, size_t errcap);

#endif
