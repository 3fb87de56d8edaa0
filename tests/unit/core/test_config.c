/*
 * Tests for node/core/config.c: embedded defaults, a complete valid file, every value check with
 * its exact "file:line: what is wrong" message, IPv6 listeners, repeated peers, unknown keys
 * and sections, what inih alone would misread (long, indented, NUL-bearing lines), the
 * cross-field rules of config_finish, and the two example files under config/.
 *
 * Each case writes its text to a mkstemp file, loads it over the defaults and removes it; the
 * expected message is built with that file's name.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "core/note.h"

/* C2SP signed-note v1.0.0, "Verifier keys" example. */
#define C2SP_VKEY "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"

static char file[64]; /* the last temporary config file's name */
static char err[1024];
static char want[1024];

/* Writes len bytes of text to a fresh temporary file and returns its name (in file). */
static const char *
write_file(const char *text, size_t len)
{
	strcpy(file, "/tmp/remacto-config-XXXXXX");
	int fd = mkstemp(file);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return file;
}

/* Loads text over the defaults into c; returns config_load's result. */
static int
load_len(struct config *c, const char *text, size_t len)
{
	config_defaults(c);
	err[0] = '\0';
	write_file(text, len);
	int rc = config_load(c, file, err, sizeof(err));
	unlink(file);
	return rc;
}

static int
load(struct config *c, const char *text)
{
	return load_len(c, text, strlen(text));
}

/* Expects text to fail at line with "<file>:<line>: <msg>", leaving c at the defaults. */
static void
expect_error(const char *text, int line, const char *msg)
{
	struct config c, d;
	config_defaults(&d);
	if (load(&c, text) == 0)
		fail_msg("accepted:\n%s", text);
	snprintf(want, sizeof(want), "%s:%d: %s", file, line, msg);
	assert_string_equal(err, want);
	assert_memory_equal(&c, &d, sizeof(c));
}

/* Expects text to load, and config_finish to fail with "<file>: <msg>". */
static void
expect_finish_error(const char *text, const char *msg)
{
	struct config c;
	if (load(&c, text) != 0)
		fail_msg("load failed: %s", err);
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", file, msg);
	assert_string_equal(err, want);
}

/* Expects "[section]\nkey = value\n" to fail on line 2 with "[section] key: msg". */
static void
expect_value_error(const char *section, const char *key, const char *value, const char *msg)
{
	char text[1024], m[512];
	snprintf(text, sizeof(text), "[%s]\n%s = %s\n", section, key, value);
	snprintf(m, sizeof(m), "[%s] %s: %s", section, key, msg);
	expect_error(text, 2, m);
}

/* ---- defaults and valid files ---- */

static void
test_defaults(void **state)
{
	(void)state;
	struct config c;
	config_defaults(&c);
	assert_string_equal(c.file, "");
	assert_string_equal(c.data, "./var");
	assert_string_equal(c.origin, "remacto.ma/demo");
	assert_string_equal(c.network, "remacto");
	assert_int_equal(c.checkpoint_interval_ms, 5);
	assert_int_equal(c.watchdog_s, 60);
	assert_int_equal(c.mapsize_mb, 0);
	assert_string_equal(c.pub.host, "127.0.0.1");
	assert_int_equal(c.pub.port, 8080);
	assert_string_equal(c.admin.host, "127.0.0.1");
	assert_int_equal(c.admin.port, 8081);
	assert_int_equal(c.max_connections, 1024);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_string_equal(c.log_file, "");
	assert_string_equal(c.tls_cert, "");
	assert_string_equal(c.dashboard, ""); /* found at start (live.h) */
	assert_string_equal(c.authority_vkey, "");
	assert_int_equal(c.npeers, 0);
	assert_string_equal(c.key, "");
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	assert_string_equal(c.key, "./var/node.key");
	assert_string_equal(c.token_file, "./var/admin.token");
}

static void
test_full_file(void **state)
{
	(void)state;
	struct config c;
	const char *text = "; a member node\n"
	                   "# both comment styles\n"
	                   "\n"
	                   "[node]\n"
	                   "data = /var/lib/remacto\n"
	                   "origin = remacto.ma/chefchaouen\n"
	                   "key = /etc/remacto/node.key\n"
	                   "network = remacto-test_1.0\n"
	                   "checkpoint_interval_ms = 250\n"
	                   "mapsize_mb = 4096\n"
	                   "seed = /etc/remacto/seed.jsonl\n"
	                   "\n"
	                   "[public]\n"
	                   "listen = 0.0.0.0:443\n"
	                   "tls_cert = /etc/remacto/tls/fullchain.pem\n"
	                   "tls_key = /etc/remacto/tls/privkey.pem\n"
	                   "max_connections = 4096\n"
	                   "dashboard = /usr/share/remacto/dashboard\n"
	                   "[admin]\n"
	                   "listen = localhost:8081\n"
	                   "token_file = /etc/remacto/admin.token\n"
	                   "[log]\n"
	                   "level = debug ; while we settle in\n"
	                   "file = /var/log/remacto/node.log\n"
	                   "[authority]\n"
	                   "verifier_key = " C2SP_VKEY "\n"
	                   "[peer]\n"
	                   "url = wss://ledger.rabat.ma/peer\n"
	                   "[node]\n";
	assert_int_equal(load(&c, text), 0);
	assert_string_equal(c.file, file);
	assert_string_equal(c.data, "/var/lib/remacto");
	assert_string_equal(c.origin, "remacto.ma/chefchaouen");
	assert_string_equal(c.key, "/etc/remacto/node.key");
	assert_string_equal(c.network, "remacto-test_1.0");
	assert_int_equal(c.checkpoint_interval_ms, 250);
	assert_int_equal(c.mapsize_mb, 4096);
	assert_string_equal(c.seed, "/etc/remacto/seed.jsonl");
	assert_string_equal(c.pub.host, "0.0.0.0");
	assert_int_equal(c.pub.port, 443);
	assert_string_equal(c.tls_cert, "/etc/remacto/tls/fullchain.pem");
	assert_string_equal(c.tls_key, "/etc/remacto/tls/privkey.pem");
	assert_int_equal(c.max_connections, 4096);
	assert_string_equal(c.dashboard, "/usr/share/remacto/dashboard");
	assert_string_equal(c.admin.host, "localhost");
	assert_int_equal(c.admin.port, 8081);
	assert_string_equal(c.token_file, "/etc/remacto/admin.token");
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_string_equal(c.log_file, "/var/log/remacto/node.log");
	assert_string_equal(c.authority_vkey, C2SP_VKEY);
	assert_int_equal(c.npeers, 1);
	assert_string_equal(c.peers[0], "wss://ledger.rabat.ma/peer");
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	assert_string_equal(c.key, "/etc/remacto/node.key"); /* explicit wins */
	assert_string_equal(c.token_file, "/etc/remacto/admin.token");
}

/* A file that does not name an origin makes a read-only mirror, not a demo log. */
static void
test_file_without_origin_is_mirror(void **state)
{
	(void)state;
	struct config c;
	assert_int_equal(load(&c, "[node]\ndata = /srv/mirror/\n"), 0);
	assert_string_equal(c.origin, "");
	assert_int_equal(c.pub.port, 8080); /* other defaults stay */
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	assert_string_equal(c.key, "/srv/mirror/node.key"); /* no double slash */
	assert_string_equal(c.token_file, "/srv/mirror/admin.token");

	assert_int_equal(load(&c, "[node]\norigin =\n"), 0); /* explicit empty */
	assert_string_equal(c.origin, "");

	assert_int_equal(load(&c, ""), 0); /* empty file */
	assert_string_equal(c.origin, "");
}

static void
test_levels(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int level;
	} t[] = {
		{ "error", LOG_ERR },
		{ "warn", LOG_WARNING },
		{ "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char text[64];
		struct config c;
		snprintf(text, sizeof(text), "[log]\nlevel = %s\n", t[i].name);
		assert_int_equal(load(&c, text), 0);
		assert_int_equal(c.log_level, t[i].level);
	}
	expect_value_error("log", "level", "verbose",
	                   "unknown level \"verbose\" (want error, warn, info or debug)");
	expect_value_error("log", "level", "INFO",
	                   "unknown level \"INFO\" (want error, warn, info or debug)");
	expect_value_error("log", "level", "warning",
	                   "unknown level \"warning\" (want error, warn, info or debug)");
}

static void
test_ipv6_listen(void **state)
{
	(void)state;
	struct config c;
	assert_int_equal(load(&c, "[public]\nlisten = [2001:db8::1]:8443\n"
	                          "[admin]\nlisten = [::1]:9000\n"),
	                 0);
	assert_string_equal(c.pub.host, "2001:db8::1");
	assert_int_equal(c.pub.port, 8443);
	assert_string_equal(c.admin.host, "::1");
	assert_int_equal(c.admin.port, 9000);
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);

	assert_int_equal(load(&c, "[public]\nlisten = [::]:443\n"), 0);
	assert_string_equal(c.pub.host, "::");
	assert_int_equal(c.pub.port, 443);
	assert_int_equal(load(&c, "[public]\nlisten = [::ffff:10.0.0.1]:65535\n"), 0);
	assert_int_equal(c.pub.port, 65535);
}

static void
test_listen_errors(void **state)
{
	(void)state;
	static const struct {
		const char *value, *msg;
	} t[] = {
		{ "127.0.0.1:70000", "port 70000 out of range 1-65535" },
		{ "127.0.0.1:0", "port 0 out of range 1-65535" },
		{ "127.0.0.1:99999999999999999999",
		  "port 99999999999999999999 out of range 1-65535" },
		{ "127.0.0.1:80x", "port \"80x\" is not a number" },
		{ "127.0.0.1:-1", "port \"-1\" is not a number" },
		{ "127.0.0.1:", "empty port after ':'" },
		{ "127.0.0.1", "no port in \"127.0.0.1\"; write address:port, as 127.0.0.1:8080" },
		{ ":8080", "no address before ':port' (0.0.0.0 or [::] for all)" },
		{ "::1:8080", "IPv6 addresses go in brackets, as [::1]:8080" },
		{ "[::1:8080", "no ']' after the IPv6 address (write [::1]:8080)" },
		{ "[::1]8080", "unexpected \"8080\" after ']' (write [::1]:port)" },
		{ "[::1]", "no port in \"[::1]\"; write address:port, as 127.0.0.1:8080" },
		{ "[::1]:70000", "port 70000 out of range 1-65535" },
		{ "[::g]:80", "\"::g\" is not an IPv6 address" },
		{ "[]:80", "\"\" is not an IPv6 address" },
		{ "[127.0.0.1]:80", "\"127.0.0.1\" is not an IPv6 address" },
		{ "999.1.1.1:80", "\"999.1.1.1\" is not an IPv4 address" },
		{ "10.1:80", "\"10.1\" is not an IPv4 address" },
		{ "bad_host:80", "\"bad_host\" is not an IP address or host name" },
		{ "-bad.example:80", "\"-bad.example\" is not an IP address or host name" },
		{ "a..b:80", "\"a..b\" is not an IP address or host name" },
		{ "*:80", "\"*\" is not an IP address or host name" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_value_error("public", "listen", t[i].value, t[i].msg);
	expect_value_error("admin", "listen", "",
	                   "empty; give address:port, as 127.0.0.1:8080 "
	                   "or [::1]:8080");
}

static void
test_integer_errors(void **state)
{
	(void)state;
	expect_value_error("node", "checkpoint_interval_ms", "500ms",
	                   "\"500ms\" is not a whole number (digits only, no unit)");
	expect_value_error("node", "checkpoint_interval_ms", "-1",
	                   "\"-1\" is not a whole number (digits only, no unit)");
	expect_value_error("node", "checkpoint_interval_ms", "+5",
	                   "\"+5\" is not a whole number (digits only, no unit)");
	expect_value_error("node", "checkpoint_interval_ms", "5 0",
	                   "\"5 0\" is not a whole number (digits only, no unit)");
	expect_value_error("node", "checkpoint_interval_ms", "0", "0 out of range 1-3600000");
	expect_value_error("node", "checkpoint_interval_ms", "3600001",
	                   "3600001 out of range 1-3600000");
	expect_value_error("node", "checkpoint_interval_ms", "",
	                   "no value; give a number from 1 "
	                   "to 3600000");
	expect_value_error("node", "mapsize_mb", "1048577", "1048577 out of range 0-1048576");
	expect_value_error("node", "mapsize_mb", "184467440737095516160",
	                   "184467440737095516160 out of range 0-1048576");
	expect_value_error("public", "max_connections", "1e3",
	                   "\"1e3\" is not a whole number (digits only, no unit)");
	expect_value_error("public", "max_connections", "0x10",
	                   "\"0x10\" is not a whole number (digits only, no unit)");
	expect_value_error("public", "max_connections", "65537", "65537 out of range 1-65536");
	expect_value_error("node", "watchdog_s", "86401", "86401 out of range 0-86400");
	expect_value_error("node", "watchdog_s", "1m",
	                   "\"1m\" is not a whole number (digits only, no unit)");

	struct config c;
	assert_int_equal(load(&c, "[node]\ncheckpoint_interval_ms = 3600000\nmapsize_mb = 0\n"
	                          "[public]\nmax_connections = 0065536\n"),
	                 0);
	assert_int_equal(c.checkpoint_interval_ms, 3600000);
	assert_int_equal(c.max_connections, 65536);
	assert_int_equal(load(&c, "[node]\nwatchdog_s = 0\n"), 0);
	assert_int_equal(c.watchdog_s, 0);
}

static void
test_string_errors(void **state)
{
	(void)state;
	expect_value_error("node", "origin", "remacto.ma/my+log",
	                   "\"remacto.ma/my+log\" is not a "
	                   "valid log name (non-empty UTF-8, no spaces, no '+', at most 255 bytes, "
	                   "as remacto.ma/commune)");
	expect_value_error("node", "origin", "remacto.ma/my log",
	                   "\"remacto.ma/my log\" is not a "
	                   "valid log name (non-empty UTF-8, no spaces, no '+', at most 255 bytes, "
	                   "as remacto.ma/commune)");
	expect_value_error("node", "origin", "caf\xc3",
	                   "\"caf\xc3\" is not a valid log name "
	                   "(non-empty UTF-8, no spaces, no '+', at most 255 bytes, as "
	                   "remacto.ma/commune)");
	expect_value_error("node", "network", "re macto",
	                   "\"re macto\" is not a network name "
	                   "(1-63 letters, digits, '.', '_' or '-')");
	expect_value_error("node", "network", "",
	                   "\"\" is not a network name (1-63 letters, "
	                   "digits, '.', '_' or '-')");
	expect_value_error("node", "data", "", "empty; give a path");
	expect_value_error("log", "file", "/var/log/a\tb",
	                   "path has a control character at "
	                   "offset 10");
	expect_value_error("public", "dashboard", "/srv/ui\x01",
	                   "path has a control character at "
	                   "offset 7");

	struct config c;
	assert_int_equal(load(&c, "[node]\norigin = commune-de-tétouan.ma/ledger\n"), 0);
	assert_string_equal(c.origin, "commune-de-tétouan.ma/ledger");
}

static void
test_authority_key(void **state)
{
	(void)state;
	struct config c;
	assert_int_equal(load(&c, "[authority]\nverifier_key =\n"), 0);
	assert_string_equal(c.authority_vkey, "");
	expect_value_error("authority", "verifier_key", "registry.remacto.ma",
	                   "no '+' after the key name (want name+keyid+key)");
	/* C2SP_VKEY with its key ID changed */
	expect_value_error("authority", "verifier_key",
	                   "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
	                   "key ID 530d903b does not match the name and key (they give 530d903a)");
}

/* ---- [witness] ---- */

#define WLOG "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"

static void
test_witness(void **state)
{
	(void)state;
	struct config c;
	struct note_signer w;
	char wkey[NOTE_VKEY_MAX + 1], text[2048];
	uint8_t seed[32] = { 9 };
	assert_int_equal(note_signer_from_seed(&w, "w.example", NOTE_ALG_COSIGNATURE_V1, seed), 0);
	note_verifier_format(&w.v, wkey, sizeof(wkey));
	note_signer_free(&w);
	snprintf(text, sizeof(text),
	         "[witness]\nlog = " WLOG "\nurl = https://w.example/witness\nkey = %s\n"
	         "url = http://127.0.0.1:9/w\nkey = %s\n",
	         wkey, wkey);
	assert_int_equal(load(&c, text), 0);
	assert_int_equal(c.nwitness_logs, 1);
	assert_string_equal(c.witness_logs[0], WLOG);
	assert_int_equal(c.nwitness_urls, 2);
	assert_string_equal(c.witness_urls[1], "http://127.0.0.1:9/w");
	assert_string_equal(c.witness_keys[0], wkey);
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
	/* A witness key where a log key goes, and the other way round. */
	snprintf(text, sizeof(text), "[witness]\nlog = %s\n", wkey);
	expect_error(text, 2, "[witness] log: a log's key is an Ed25519 note key (type 0x01)");
	expect_value_error("witness", "key", WLOG,
	                   "a witness's key is a cosignature key (type 0x04)");
	expect_value_error("witness", "url", "wss://w.example/",
	                   "want the witness's submission prefix, http(s)://host[:port][/path] "
	                   "(add-checkpoint is posted under it)");
	expect_finish_error("[witness]\nurl = https://w.example/witness\n",
	                    "[witness] has 1 url and 0 key lines: give each outside witness its "
	                    "url and its key, in the same order");
}

/* ---- peers ---- */

static void
test_repeated_peers(void **state)
{
	(void)state;
	struct config c;
	assert_int_equal(load(&c, "[peer]\n"
	                          "url = wss://ledger.rabat.ma/peer\n"
	                          "url = wss://ledger.tetouan.ma:8443/peer\n"
	                          "[node]\n"
	                          "network = remacto\n"
	                          "[peer]\n"
	                          "url = wss://[2001:db8::7]:443/peer?v=1\n"
	                          "url = wss://10.0.0.5\n"),
	                 0);
	assert_int_equal(c.npeers, 4);
	assert_string_equal(c.peers[0], "wss://ledger.rabat.ma/peer");
	assert_string_equal(c.peers[1], "wss://ledger.tetouan.ma:8443/peer");
	assert_string_equal(c.peers[2], "wss://[2001:db8::7]:443/peer?v=1");
	assert_string_equal(c.peers[3], "wss://10.0.0.5");
}

static void
test_peer_cap(void **state)
{
	(void)state;
	static char text[CONFIG_MAX_PEERS * 64 + 64];
	struct config c;
	size_t n = (size_t)snprintf(text, sizeof(text), "[peer]\n");
	for (int i = 0; i < CONFIG_MAX_PEERS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		                      "url = wss://n%d.remacto.ma/peer\n", i);
	assert_int_equal(load(&c, text), 0);
	assert_int_equal(c.npeers, CONFIG_MAX_PEERS);
	assert_string_equal(c.peers[CONFIG_MAX_PEERS - 1], "wss://n63.remacto.ma/peer");

	snprintf(text + n, sizeof(text) - n, "url = wss://one-too-many.remacto.ma/peer\n");
	expect_error(text, CONFIG_MAX_PEERS + 2, "[peer] url: more than 64 peers");
}

static void
test_peer_errors(void **state)
{
	(void)state;
	static const struct {
		const char *value, *msg;
	} t[] = {
		{ "ws://ledger.rabat.ma/peer",
		  "ws:// (without TLS) is for test peers on a loopback "
		  "address (127.0.0.1, [::1]) only; use wss://ledger.rabat.ma/peer" },
		{ "ws://10.0.0.5:8080/peer",
		  "ws:// (without TLS) is for test peers on a loopback "
		  "address (127.0.0.1, [::1]) only; use wss://10.0.0.5:8080/peer" },
		{ "ws://localhost:8080/peer",
		  "ws:// (without TLS) is for test peers on a loopback "
		  "address (127.0.0.1, [::1]) only; use wss://localhost:8080/peer" },
		{ "ws://[::2]:8080/peer",
		  "ws:// (without TLS) is for test peers on a loopback "
		  "address (127.0.0.1, [::1]) only; use wss://[::2]:8080/peer" },
		{ "ws:///peer", "no host after ws://" },
		{ "https://ledger.rabat.ma/peer",
		  "\"https://ledger.rabat.ma/peer\" does not start "
		  "with wss:// (peers talk over TLS WebSocket only)" },
		{ "WSS://ledger.rabat.ma/peer",
		  "\"WSS://ledger.rabat.ma/peer\" does not start with "
		  "wss:// (peers talk over TLS WebSocket only)" },
		{ "", "empty; give the peer's URL, as wss://node.example.ma/peer" },
		{ "wss:///peer", "no host after wss://" },
		{ "wss://a b/peer", "URL has a space, control or non-ASCII byte at offset 7 "
		                    "(percent-encode it)" },
		{ "wss://ledger.rabat.ma:0/peer", "port 0 out of range 1-65535" },
		{ "wss://ledger.rabat.ma:70000/peer", "port 70000 out of range 1-65535" },
		{ "wss://ledger.rabat.ma:/peer", "empty port after ':'" },
		{ "wss://admin@ledger.rabat.ma/peer",
		  "user info (user@host) is not allowed in a peer "
		  "URL" },
		{ "wss://::1/peer", "IPv6 addresses go in brackets, as [::1]:8080" },
		{ "wss://ledger_rabat.ma/peer", "\"ledger_rabat.ma\" is not an IP address or host "
		                                "name" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_value_error("peer", "url", t[i].value, t[i].msg);

	expect_error(
	        "[peer]\nurl = wss://a.ma/peer\nurl = wss://b.ma/peer\nurl = wss://a.ma/peer\n", 4,
	        "[peer] url: wss://a.ma/peer listed twice (also at line 2)");
}

/* ws:// is for loopback test federations; the parsed form is what the transport connects to. */
static void
test_peer_url_parts(void **state)
{
	(void)state;
	struct config c;
	struct config_peer_url u;
	char why[256];

	assert_int_equal(load(&c, "[peer]\nurl = ws://127.0.0.1:9001/peer\n"
	                          "url = ws://[::1]:9002/peer\nurl = ws://127.8.9.10/\n"),
	                 0);
	assert_int_equal(c.npeers, 3);

	assert_true(config_peer_url("wss://ledger.rabat.ma/peer", &u, why, sizeof(why)));
	assert_true(u.tls);
	assert_string_equal(u.host, "ledger.rabat.ma");
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/peer");

	assert_true(config_peer_url("wss://[2001:db8::7]:8443/peer?v=1#top", &u, why, sizeof(why)));
	assert_string_equal(u.host, "2001:db8::7");
	assert_int_equal(u.port, 8443);
	assert_string_equal(u.path, "/peer?v=1");

	assert_true(config_peer_url("ws://127.0.0.1:9001", &u, why, sizeof(why)));
	assert_false(u.tls);
	assert_int_equal(u.port, 9001);
	assert_string_equal(u.path, "/");

	assert_true(config_peer_url("ws://[::1]/x?y", &u, why, sizeof(why)));
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/x?y");

	assert_false(config_peer_url("http://127.0.0.1/peer", &u, why, sizeof(why)));
	assert_string_equal(why, "\"http://127.0.0.1/peer\" does not start with wss:// (peers "
	                         "talk over TLS WebSocket only)");
	assert_true(config_peer_url("wss://a.ma/peer", NULL, why, sizeof(why)));
}

static void
test_peer_tls_options(void **state)
{
	(void)state;
	struct config c;

	config_defaults(&c);
	assert_string_equal(c.peer_ca_file, "");
	assert_false(c.peer_tls_insecure);

	assert_int_equal(load(&c, "[peer]\nca_file = /etc/remacto/peers-ca.pem\n"
	                          "tls_insecure = no\nurl = wss://a.ma/peer\n"),
	                 0);
	assert_string_equal(c.peer_ca_file, "/etc/remacto/peers-ca.pem");
	assert_false(c.peer_tls_insecure);
	/* Peers without the registry's key: nothing could be accepted from them. */
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "[peer] url lines need [authority] verifier_key"));

	assert_int_equal(load(&c, "[peer]\ntls_insecure = yes\n"), 0);
	assert_true(c.peer_tls_insecure);
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);

	expect_value_error("peer", "tls_insecure", "true", "\"true\" is neither yes nor no");
	expect_value_error("peer", "tls_insecure", "Yes", "\"Yes\" is neither yes nor no");
	expect_value_error("peer", "tls_insecure", "", "\"\" is neither yes nor no");
	expect_error("[peer]\ntls_insecure = no\ntls_insecure = yes\n", 3,
	             "[peer] tls_insecure: set twice (first at line 2)");
	expect_error("[peer]\nca_file = /a.pem\nca_file = /b.pem\n", 3,
	             "[peer] ca_file: set twice (first at line 2)");
	assert_int_equal(c.peer_isolated_after_s, 300);
	assert_int_equal(load(&c, "[peer]\nisolated_after_s = 0\n"), 0);
	assert_int_equal(c.peer_isolated_after_s, 0);
	assert_int_equal(load(&c, "[peer]\nisolated_after_s = 2592000\n"), 0);
	assert_int_equal(c.peer_isolated_after_s, 2592000);
	expect_value_error("peer", "isolated_after_s", "5m",
	                   "\"5m\" is not a whole number (digits only, no unit)");
	expect_finish_error("[peer]\nca_file = /etc/remacto/peers-ca.pem\ntls_insecure = yes\n",
	                    "[peer] tls_insecure = yes accepts any certificate, so ca_file would "
	                    "be ignored: remove one of them");
}

/* ---- file structure ---- */

static void
test_unknown_key_and_section(void **state)
{
	(void)state;
	expect_error("[node]\ndata = ./var\norign = remacto.ma/x\n", 3,
	             "[node] unknown key \"orign\"");
	expect_error("[public]\ndata = ./var\n", 2, "[public] unknown key \"data\"");
	expect_error("[node]\nData = ./var\n", 2, "[node] unknown key \"Data\"");
	expect_error("[node]\ndata = ./var\n\n[nodes]\n", 4,
	             "unknown section [nodes] (want node, "
	             "public, admin, log, authority, peer or witness)");
	expect_error("[Node]\ndata = ./var\n", 1,
	             "unknown section [Node] (want node, public, "
	             "admin, log, authority, peer or witness)");
	expect_error("[ node ]\n", 1,
	             "unknown section [ node ] (want node, public, admin, log, "
	             "authority, peer or witness)");
	expect_error("data = ./var\n[node]\n", 1,
	             "data: key outside any section; put it under "
	             "[node], [public], [admin], [log], [authority], [peer] or [witness]");
	expect_error("[node]\ndata = ./a\nnetwork = x\n[log]\n[node]\ndata = ./b\n", 6,
	             "[node] data: set twice (first at line 2)");
}

static void
test_syntax_errors(void **state)
{
	(void)state;
	expect_error("[node]\ndata ./var\n", 2, "expected key = value or [section]");
	expect_error("[node]\ndata: ./var\n", 2, "expected key = value or [section]");
	expect_error("[node\ndata = ./var\n", 1, "no ']' to close the section name");
	expect_error("[node] data = ./var\n", 1, "unexpected text after ']'");
	expect_error("[node]\ndata = ./var\n  network = x\n", 3,
	             "indented line: start keys and "
	             "[sections] in the first column (continuation lines are not supported)");
	expect_error("[node]\n\tdata = ./var\n", 2,
	             "indented line: start keys and [sections] in "
	             "the first column (continuation lines are not supported)");

	/* inih's line buffer holds 198 characters and a newline; longer lines must not be cut in
	 * two silently. */
	char text[512];
	int n = snprintf(text, sizeof(text), "[node]\n; fine\nseed = /");
	memset(text + n, 'a', 300);
	strcpy(text + n + 300, "\n");
	expect_error(text, 3, "line longer than 198 characters");

	struct config c;
	n = snprintf(text, sizeof(text), "[node]\nseed = /");
	memset(text + n, 'a', 190); /* line 2: exactly 198 characters */
	strcpy(text + n + 190, "\n[log]\nlevel = warn\n");
	assert_int_equal(load(&c, text), 0);
	assert_int_equal(strlen(c.seed), 198 - 7);
	assert_int_equal(c.log_level, LOG_WARNING);
	n = snprintf(text, sizeof(text), "[node]\nseed = /");
	memset(text + n, 'a', 191); /* 199 characters */
	strcpy(text + n + 191, "\n");
	expect_error(text, 2, "line longer than 198 characters");

	static const char nul[] = "[node]\ndata = ./v\0ar\n";
	struct config d;
	config_defaults(&d);
	assert_int_equal(load_len(&c, nul, sizeof(nul) - 1), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte: this is not a text file", file);
	assert_string_equal(err, want);
	assert_memory_equal(&c, &d, sizeof(c));
}

/* Indented comments, CRLF line ends, a UTF-8 BOM and inline comments are all fine. */
static void
test_lenient_forms(void **state)
{
	(void)state;
	struct config c;
	assert_int_equal(load(&c, "\xef\xbb\xbf[node]\r\n"
	                          "   ; indented comment\r\n"
	                          "\t# another\r\n"
	                          "data=/srv/r   \r\n"
	                          "network   =   remacto ; the network\r\n"
	                          "[log] ; section comment\r\n"
	                          "level = error\r\n"
	                          "   \r\n"),
	                 0);
	assert_string_equal(c.data, "/srv/r");
	assert_string_equal(c.network, "remacto");
	assert_int_equal(c.log_level, LOG_ERR);
}

static void
test_missing_file(void **state)
{
	(void)state;
	struct config c, d;
	config_defaults(&c);
	config_defaults(&d);
	assert_int_equal(config_load(&c, "/nonexistent/remacto/node.conf", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/remacto/node.conf: cannot open: No such file or "
	                         "directory");
	assert_memory_equal(&c, &d, sizeof(c));
	assert_int_equal(config_load(&c, "/tmp", err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: not a regular file");
	assert_int_equal(config_load(&c, "", err, sizeof(err)), -1);
	assert_string_equal(err, "config: no file name given");
}

/* A failed load leaves the caller's config as it was, even after valid lines. */
static void
test_error_leaves_config(void **state)
{
	(void)state;
	struct config c, d;
	config_defaults(&d);
	assert_int_equal(load(&c, "[node]\ndata = /elsewhere\n[peer]\nurl = wss://a.ma/\n"
	                          "[log]\nlevel = loud\n"),
	                 -1);
	assert_memory_equal(&c, &d, sizeof(c));
}

/* ---- config_finish ---- */

static void
test_tls_half_set(void **state)
{
	(void)state;
	expect_finish_error("[public]\ntls_cert = /etc/remacto/cert.pem\n",
	                    "[public] tls_cert is set but tls_key is not; set both or neither");
	expect_finish_error("[public]\ntls_key = /etc/remacto/key.pem\n",
	                    "[public] tls_key is set but tls_cert is not; set both or neither");
	struct config c;
	assert_int_equal(load(&c, "[public]\ntls_cert = c.pem\ntls_key = k.pem\n"), 0);
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
}

static void
test_listeners_distinct(void **state)
{
	(void)state;
	expect_finish_error("[public]\nlisten = 127.0.0.1:9000\n[admin]\nlisten = 127.0.0.1:9000\n",
	                    "[public] listen and [admin] listen overlap on port 9000; give the "
	                    "admin API its own port");
	expect_finish_error("[public]\nlisten = 0.0.0.0:9000\n[admin]\nlisten = 127.0.0.1:9000\n",
	                    "[public] listen and [admin] listen overlap on port 9000; give the "
	                    "admin API its own port");
	expect_finish_error("[public]\nlisten = [::1]:9000\n[admin]\nlisten = [0:0::1]:9000\n",
	                    "[public] listen and [admin] listen overlap on port 9000; give the "
	                    "admin API its own port");
	expect_finish_error("[public]\nlisten = [::]:9000\n[admin]\nlisten = 10.0.0.1:9000\n",
	                    "[public] listen and [admin] listen overlap on port 9000; give the "
	                    "admin API its own port");
	expect_finish_error("[admin]\nlisten = 127.0.0.1:8080\n",
	                    "[public] listen and [admin] listen overlap on port 8080; give the "
	                    "admin API its own port");

	struct config c;
	assert_int_equal(load(&c, "[public]\nlisten = 10.0.0.1:9000\n[admin]\n"
	                          "listen = 127.0.0.1:9000\n"),
	                 0);
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
}

/* The admin listener has no TLS: only a loopback address (or localhost) is accepted. */
static void
test_admin_loopback_only(void **state)
{
	static const char *const refused[] = { "0.0.0.0", "10.0.0.1", "[::]", "[2001:db8::1]",
		                               "admin.example.ma" };
	static const char *const accepted[] = { "127.0.0.1", "127.8.9.10", "[::1]", "localhost" };
	char text[256], msg[512], host[64];
	struct config c;
	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(text, sizeof(text), "[admin]\nlisten = %s:9001\n", refused[i]);
		snprintf(host, sizeof(host), "%s",
		         refused[i][0] == '[' ? refused[i] + 1 : refused[i]);
		host[strcspn(host, "]")] = '\0';
		snprintf(
		        msg, sizeof(msg),
		        "[admin] listen = %s: the admin listener has no TLS, so its token would "
		        "travel in clear; keep it on a loopback address (127.0.0.1 or ::1) and reach "
		        "it through SSH or a local TLS proxy",
		        host);
		expect_finish_error(text, msg);
	}
	for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		snprintf(text, sizeof(text), "[admin]\nlisten = %s:9001\n", accepted[i]);
		assert_int_equal(load(&c, text), 0);
		if (config_finish(&c, err, sizeof(err)) != 0)
			fail_msg("%s refused: %s", accepted[i], err);
	}
}

static void
test_seed_needs_origin(void **state)
{
	(void)state;
	expect_finish_error(
	        "[node]\nseed = seed.jsonl\n",
	        "[node] seed is set but origin is "
	        "empty; a read-only mirror publishes nothing: set origin or remove seed");
	struct config c;
	assert_int_equal(load(&c, "[node]\nseed = seed.jsonl\norigin = remacto.ma/x\n"), 0);
	assert_int_equal(config_finish(&c, err, sizeof(err)), 0);
}

static void
test_finish_long_data(void **state)
{
	(void)state;
	struct config c;
	config_defaults(&c);
	memset(c.data, 'd', sizeof(c.data) - 5);
	c.data[sizeof(c.data) - 5] = '\0';
	assert_int_equal(config_finish(&c, err, sizeof(err)), -1);
	assert_string_equal(err, "embedded defaults: [node] data: path too long to hold node.key; "
	                         "shorten it or set [node] key");
}

/* ---- the shipped examples ---- */

/* Loads config/<name> from the source tree, found from this file's path. */
static int
load_example(struct config *c, const char *name)
{
	char path[PATH_MAX];
	const char *src = __FILE__;
	const char *t = strstr(src, "tests/unit/");
	snprintf(path, sizeof(path), "%.*sconfig/%s", t != NULL ? (int)(t - src) : 0, src, name);
	if (access(path, R_OK) != 0)
		return 1;
	config_defaults(c);
	if (config_load(c, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (config_finish(c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return 0;
}

static void
test_examples(void **state)
{
	(void)state;
	struct config c;
	if (load_example(&c, "node.conf.example") != 0)
		skip();
	assert_string_not_equal(c.origin, "");
	assert_string_not_equal(c.tls_cert, "");
	assert_string_not_equal(c.authority_vkey, "");
	assert_true(c.npeers > 0);
	if (load_example(&c, "mirror.conf.example") != 0)
		skip();
	assert_string_equal(c.origin, "");
	assert_true(c.npeers > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_file_without_origin_is_mirror),
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_ipv6_listen),
		cmocka_unit_test(test_listen_errors),
		cmocka_unit_test(test_integer_errors),
		cmocka_unit_test(test_string_errors),
		cmocka_unit_test(test_authority_key),
		cmocka_unit_test(test_witness),
		cmocka_unit_test(test_repeated_peers),
		cmocka_unit_test(test_peer_cap),
		cmocka_unit_test(test_peer_errors),
		cmocka_unit_test(test_peer_url_parts),
		cmocka_unit_test(test_peer_tls_options),
		cmocka_unit_test(test_unknown_key_and_section),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_lenient_forms),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_error_leaves_config),
		cmocka_unit_test(test_tls_half_set),
		cmocka_unit_test(test_listeners_distinct),
		cmocka_unit_test(test_admin_loopback_only),
		cmocka_unit_test(test_seed_needs_origin),
		cmocka_unit_test(test_finish_long_data),
		cmocka_unit_test(test_examples),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
