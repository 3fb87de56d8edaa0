/*
 * config — reads the node's INI file with libinih and checks every value as it is read.
 *
 * libinih splits lines and calls us once per key; it does not tell the handler the line number
 * (Debian's build has INI_HANDLER_LINENO off) and it silently cuts lines longer than its buffer
 * in two. So the file is fed to ini_parse_stream through our own reader, which hands out one
 * line at a time, counts lines, and refuses what inih would misread: over-long lines, NUL bytes,
 * indented lines (inih would glue them to the previous value as a continuation), section headers
 * that are unterminated, carry trailing text or name an unknown section (a section with no keys
 * never reaches the handler), and lines that are not "key = value". The handler runs right after
 * the reader returned the line, so the reader's count is the handler's line.
 *
 * Keys are described by one table: section, name, kind of value, where it goes in struct config
 * and its bounds. A single-valued key given twice is an error, as is an unknown key or section:
 * a typo in an operator's file must stop the daemon, not pass silently.
 *
 * The whole file is parsed into a copy of the caller's config, which is replaced only when
 * the file is valid. The first error wins and stops the parse.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "err.h"
#include "note.h"

#define CONFIG_FILE_MAX (1024 * 1024) /* a config file is a few kilobytes */
#define WHY_MAX 384                   /* one value's problem, before the file:line prefix */

enum kind {
	K_PATH,     /* a path, required */
	K_PATH_OPT, /* a path, empty allowed (none, or the derived default) */
	K_ORIGIN,   /* a note key name, empty allowed (read-only mirror) */
	K_NETWORK,  /* [A-Za-z0-9._-]{1,63} */
	K_UINT,     /* unsigned, within min..max */
	K_ULONG,    /* unsigned long, within min..max */
	K_LISTEN,   /* host:port or [v6]:port */
	K_LEVEL,    /* error | warn | info | debug */
	K_VKEY,     /* a note verifier key, empty allowed */
	K_PEER,     /* wss:// URL (ws:// to loopback), repeatable */
	K_WLOG,     /* [witness] log: an Ed25519 note key (0x01), repeatable */
	K_WURL,     /* [witness] url: an http(s) URL, repeatable, paired with key */
	K_WKEY,     /* [witness] key: a cosignature key (0x04), repeatable, paired with url */
	K_BOOL,     /* yes | no */
};

struct key {
	const char *section;
	const char *name;
	enum kind kind;
	size_t off;             /* offset in struct config */
	size_t size;            /* size of that field (strings: its capacity) */
	unsigned long min, max; /* K_UINT, K_ULONG */
};

#define F(field) offsetof(struct config, field), sizeof(((struct config *)0)->field)

static const struct key keys[] = {
	{ "node", "data", K_PATH, F(data), 0, 0 },
	{ "node", "origin", K_ORIGIN, F(origin), 0, 0 },
	{ "node", "key", K_PATH_OPT, F(key), 0, 0 },
	{ "node", "network", K_NETWORK, F(network), 0, 0 },
	{ "node", "checkpoint_interval_ms", K_UINT, F(checkpoint_interval_ms), 1, 3600000 },
	{ "node", "mapsize_mb", K_ULONG, F(mapsize_mb), 0, 1048576 },
	{ "node", "seed", K_PATH_OPT, F(seed), 0, 0 },
	{ "node", "watchdog_s", K_UINT, F(watchdog_s), 0, 86400 },
	{ "public", "listen", K_LISTEN, F(pub), 0, 0 },
	{ "public", "tls_cert", K_PATH_OPT, F(tls_cert), 0, 0 },
	{ "public", "tls_key", K_PATH_OPT, F(tls_key), 0, 0 },
	{ "public", "max_connections", K_UINT, F(max_connections), 1, 65536 },
	{ "public", "dashboard", K_PATH_OPT, F(dashboard), 0, 0 },
	{ "admin", "listen", K_LISTEN, F(admin), 0, 0 },
	{ "admin", "token_file", K_PATH_OPT, F(token_file), 0, 0 },
	{ "log", "level", K_LEVEL, F(log_level), 0, 0 },
	{ "log", "file", K_PATH_OPT, F(log_file), 0, 0 },
	{ "authority", "verifier_key", K_VKEY, F(authority_vkey), 0, 0 },
	{ "authority", "policy", K_PATH_OPT, F(authority_policy), 0, 0 },
	{ "peer", "url", K_PEER, F(peers), 0, 0 },
	{ "peer", "ca_file", K_PATH_OPT, F(peer_ca_file), 0, 0 },
	{ "peer", "tls_insecure", K_BOOL, F(peer_tls_insecure), 0, 0 },
	{ "peer", "isolated_after_s", K_UINT, F(peer_isolated_after_s), 0, 2592000 },
	{ "witness", "log", K_WLOG, F(witness_logs), 0, 0 },
	{ "witness", "url", K_WURL, F(witness_urls), 0, 0 },
	{ "witness", "key", K_WKEY, F(witness_keys), 0, 0 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

#undef F

static const char *const sections[] = { "node",      "public", "admin",  "log",
	                                "authority", "peer",   "witness" };
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

struct parse {
	struct config *c;
	const char *file;
	FILE *fp;
	int line;     /* the line the reader handed out last */
	int err_line; /* 0 until the first error */
	char *err;
	size_t errcap;
	int seen[NKEYS];                 /* line where each single-valued key was set */
	int peer_line[CONFIG_MAX_PEERS]; /* line of each [peer] url */
};

/* Records "file:line: <fmt>" as the parse's error unless an earlier one was recorded. */
static void parse_fail(struct parse *p, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
parse_fail(struct parse *p, int line, const char *fmt, ...)
{
	if (p->err_line != 0)
		return;
	p->err_line = line;
	if (p->err == NULL || p->errcap == 0)
		return;
	int n = snprintf(p->err, p->errcap, "%s:%d: ", p->file, line);
	if (n < 0 || (size_t)n >= p->errcap)
		return;
	va_list ap;
	va_start(ap, fmt);
	err_vset(p->err + n, p->errcap - (size_t)n, fmt, ap);
	va_end(ap);
}

/* ---- values ---- */

static bool
is_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A decimal integer in min..max: digits only, no sign, no spaces, nothing after. */
static bool
parse_ulong(const char *v, unsigned long min, unsigned long max, unsigned long *out, char *why,
            size_t whycap)
{
	size_t n = strlen(v);
	if (n == 0) {
		err_set(why, whycap, "no value; give a number from %lu to %lu", min, max);
		return false;
	}
	if (!is_digits(v, n)) {
		err_set(why, whycap, "\"%.40s\" is not a whole number (digits only, no unit)", v);
		return false;
	}
	unsigned long x = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(v[i] - '0');
		if (x > max / 10 || d > max - x * 10) {
			err_set(why, whycap, "%.40s out of range %lu-%lu", v, min, max);
			return false;
		}
		x = x * 10 + d;
	}
	if (x < min) {
		err_set(why, whycap, "%lu out of range %lu-%lu", x, min, max);
		return false;
	}
	*out = x;
	return true;
}

static bool
parse_port(const char *s, size_t n, int *port, char *why, size_t whycap)
{
	if (n == 0) {
		err_set(why, whycap, "empty port after ':'");
		return false;
	}
	if (!is_digits(s, n)) {
		err_set(why, whycap, "port \"%.*s\" is not a number", (int)(n > 40 ? 40 : n), s);
		return false;
	}
	unsigned long x = 0;
	for (size_t i = 0; i < n && x <= 65535; i++)
		x = x * 10 + (unsigned long)(s[i] - '0');
	if (x < 1 || x > 65535) {
		err_set(why, whycap, "port %.*s out of range 1-65535", (int)(n > 40 ? 40 : n), s);
		return false;
	}
	*port = (int)x;
	return true;
}

/* A DNS host name (letters, digits, '-' in dot-separated labels of 1-63) or, when it is all
 * digits and dots, a dotted-quad IPv4 address. */
static bool
host_valid(const char *h, size_t n, char *why, size_t whycap)
{
	bool dotted = true;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.'))
			dotted = false;
	if (dotted) {
		char tmp[INET_ADDRSTRLEN];
		struct in_addr a;
		if (n < sizeof(tmp)) {
			memcpy(tmp, h, n);
			tmp[n] = '\0';
			if (inet_pton(AF_INET, tmp, &a) == 1)
				return true;
		}
		err_set(why, whycap, "\"%.*s\" is not an IPv4 address", (int)(n > 60 ? 60 : n), h);
		return false;
	}
	if (n > 253)
		goto bad;
	size_t label = 0;
	for (size_t i = 0; i <= n; i++) {
		char ch = i < n ? h[i] : '.';
		if (ch == '.') {
			if (label == 0 || label > 63 || h[i - 1] == '-' || h[i - label] == '-')
				goto bad;
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		           (ch >= '0' && ch <= '9') || ch == '-') {
			label++;
		} else {
			goto bad;
		}
	}
	return true;
bad:
	err_set(why, whycap, "\"%.*s\" is not an IP address or host name", (int)(n > 60 ? 60 : n),
	        h);
	return false;
}

/* s[0..n) as host:port, [v6]:port, or (port_required false) host or [v6]. The host is copied
 * without brackets. */
static bool
parse_hostport(const char *s, size_t n, bool port_required, char host[256], int *port, char *why,
               size_t whycap)
{
	const char *h, *rest;
	size_t hn;

	if (n == 0) {
		err_set(why, whycap, "empty; give address:port, as 127.0.0.1:8080 or [::1]:8080");
		return false;
	}
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (close == NULL) {
			err_set(why, whycap, "no ']' after the IPv6 address (write [::1]:8080)");
			return false;
		}
		h = s + 1;
		hn = (size_t)(close - h);
		char tmp[INET6_ADDRSTRLEN];
		struct in6_addr a6;
		if (hn == 0 || hn >= sizeof(tmp)) {
			err_set(why, whycap, "\"%.*s\" is not an IPv6 address",
			        (int)(hn > 60 ? 60 : hn), h);
			return false;
		}
		memcpy(tmp, h, hn);
		tmp[hn] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1) {
			err_set(why, whycap, "\"%s\" is not an IPv6 address", tmp);
			return false;
		}
		rest = close + 1;
		if (rest < s + n && *rest != ':') {
			err_set(why, whycap, "unexpected \"%.*s\" after ']' (write [%s]:port)",
			        (int)(s + n - rest > 40 ? 40 : s + n - rest), rest, tmp);
			return false;
		}
	} else {
		const char *colon = memchr(s, ':', n);
		if (colon != NULL && memchr(colon + 1, ':', (size_t)(s + n - colon - 1)) != NULL) {
			err_set(why, whycap, "IPv6 addresses go in brackets, as [::1]:8080");
			return false;
		}
		h = s;
		hn = colon != NULL ? (size_t)(colon - s) : n;
		rest = s + hn;
		if (hn == 0) {
			err_set(why, whycap, "no address before ':port' (0.0.0.0 or [::] for all)");
			return false;
		}
		if (!host_valid(h, hn, why, whycap))
			return false;
	}
	if (rest == s + n) {
		if (port_required) {
			err_set(why, whycap,
			        "no port in \"%.*s\"; write address:port, as "
			        "127.0.0.1:8080",
			        (int)(n > 60 ? 60 : n), s);
			return false;
		}
		*port = 0;
	} else if (!parse_port(rest + 1, (size_t)(s + n - rest - 1), port, why, whycap)) {
		return false;
	}
	memcpy(host, h, hn);
	host[hn] = '\0';
	return true;
}

/* 127.0.0.0/8 or ::1, written as a numeric address. */
static bool
is_loopback(const char *host)
{
	uint8_t a[16];
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	return inet_pton(AF_INET6, host, a) == 1 && memcmp(a, v6_loopback, 16) == 0;
}

bool
config_peer_url(const char *v, struct config_peer_url *out, char *why, size_t whycap)
{
	size_t n = strlen(v), skip;
	struct config_peer_url u;

	memset(&u, 0, sizeof(u));
	if (n == 0) {
		err_set(why, whycap, "empty; give the peer's URL, as wss://node.example.ma/peer");
		return false;
	}
	if (n >= CONFIG_PEER_URL_MAX) {
		err_set(why, whycap, "URL longer than %d bytes", CONFIG_PEER_URL_MAX - 1);
		return false;
	}
	if (strncmp(v, "wss://", 6) == 0) {
		u.tls = true;
		skip = 6;
	} else if (strncmp(v, "ws://", 5) == 0) {
		skip = 5;
	} else {
		err_set(why, whycap,
		        "\"%.60s\" does not start with wss:// (peers talk over TLS "
		        "WebSocket only)",
		        v);
		return false;
	}
	size_t bad = 0; /* the first byte that is not printable ASCII other than space */
	while (bad < n && (unsigned char)v[bad] > 0x20 && (unsigned char)v[bad] < 0x7f)
		bad++;
	if (bad < n) {
		err_set(why, whycap,
		        "URL has a space, control or non-ASCII byte at offset %zu (percent-encode it)",
		        bad);
		return false;
	}
	const char *a = v + skip;
	size_t an = strcspn(a, "/?#");
	if (memchr(a, '@', an) != NULL) {
		err_set(why, whycap, "user info (user@host) is not allowed in a peer URL");
		return false;
	}
	if (an == 0) {
		err_set(why, whycap, "no host after %.*s", (int)skip, v);
		return false;
	}
	if (!parse_hostport(a, an, false, u.host, &u.port, why, whycap))
		return false;
	if (!u.tls && !is_loopback(u.host)) {
		err_set(why, whycap,
		        "ws:// (without TLS) is for test peers on a loopback address "
		        "(127.0.0.1, [::1]) only; use wss://%.60s",
		        a);
		return false;
	}
	if (u.port == 0)
		u.port = u.tls ? 443 : 80;
	/* The request path: what follows the host, without a fragment; "/" when empty. */
	size_t pn = strcspn(a + an, "#");
	if (a[an] != '/')
		u.path[0] = '/';
	memcpy(u.path + (a[an] != '/'), a + an, pn);
	u.path[pn + (a[an] != '/')] = '\0';
	if (out != NULL)
		*out = u;
	return true;
}

static bool
path_valid(const char *v, size_t cap, bool required, char *why, size_t whycap)
{
	size_t n = strlen(v);
	if (n == 0 && required) {
		err_set(why, whycap, "empty; give a path");
		return false;
	}
	if (n >= cap) {
		err_set(why, whycap, "path longer than %zu bytes", cap - 1);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			err_set(why, whycap, "path has a control character at offset %zu", i);
			return false;
		}
	}
	return true;
}

/* Checks value v for key k and stores it in c. False with the reason in why. */
static bool
set_value(struct config *c, const struct key *k, const char *v, char *why, size_t whycap)
{
	char *field = (char *)c + k->off;
	size_t n = strlen(v);
	unsigned long x;

	switch (k->kind) {
	case K_PATH:
	case K_PATH_OPT:
		if (!path_valid(v, k->size, k->kind == K_PATH, why, whycap))
			return false;
		memcpy(field, v, n + 1);
		return true;
	case K_ORIGIN:
		if (n > 0 && (n >= k->size || !note_name_valid(v))) {
			err_set(why, whycap,
			        "\"%.60s\" is not a valid log name (non-empty UTF-8, no "
			        "spaces, no '+', at most 255 bytes, as remacto.ma/commune)",
			        v);
			return false;
		}
		memcpy(field, v, n + 1);
		return true;
	case K_NETWORK:
		if (n == 0 || n >= k->size ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyz"
		              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
			err_set(why, whycap,
			        "\"%.60s\" is not a network name (1-%zu letters, digits, "
			        "'.', '_' or '-')",
			        v, k->size - 1);
			return false;
		}
		memcpy(field, v, n + 1);
		return true;
	case K_UINT:
		if (!parse_ulong(v, k->min, k->max, &x, why, whycap))
			return false;
		*(unsigned *)(void *)field = (unsigned)x;
		return true;
	case K_ULONG:
		if (!parse_ulong(v, k->min, k->max, &x, why, whycap))
			return false;
		*(unsigned long *)(void *)field = x;
		return true;
	case K_LISTEN: {
		struct config_listen *l = (struct config_listen *)(void *)field;
		return parse_hostport(v, n, true, l->host, &l->port, why, whycap);
	}
	case K_LEVEL: {
		static const struct {
			const char *name;
			int level;
		} levels[] = {
			{ "error", LOG_ERR },
			{ "warn", LOG_WARNING },
			{ "info", LOG_INFO },
			{ "debug", LOG_DEBUG },
		};
		for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
			if (strcmp(v, levels[i].name) == 0) {
				*(int *)(void *)field = levels[i].level;
				return true;
			}
		}
		err_set(why, whycap, "unknown level \"%.40s\" (want error, warn, info or debug)",
		        v);
		return false;
	}
	case K_VKEY: {
		struct note_verifier nv;
		char e[256];
		if (n > 0 && n >= k->size) {
			err_set(why, whycap, "longer than %zu bytes", k->size - 1);
			return false;
		}
		if (n > 0 && !note_verifier_parse(v, &nv, e, sizeof(e))) {
			const char *r = strncmp(e, "verifier key: ", 14) == 0 ? e + 14 : e;
			err_set(why, whycap, "%s", r);
			return false;
		}
		memcpy(field, v, n + 1);
		return true;
	}
	case K_PEER:
		if (!config_peer_url(v, NULL, why, whycap))
			return false;
		if (c->npeers >= CONFIG_MAX_PEERS) {
			err_set(why, whycap, "more than %d peers", CONFIG_MAX_PEERS);
			return false;
		}
		memcpy(c->peers[c->npeers++], v, n + 1);
		return true;
	case K_WLOG:
	case K_WKEY: {
		struct note_verifier nv;
		char e[256];
		uint8_t alg = k->kind == K_WLOG ? NOTE_ALG_ED25519 : NOTE_ALG_COSIGNATURE_V1;
		size_t *count = k->kind == K_WLOG ? &c->nwitness_logs : &c->nwitness_keys;
		char(*list)[CONFIG_VKEY_MAX] = k->kind == K_WLOG ? c->witness_logs
		                                                 : c->witness_keys;
		if (n >= CONFIG_VKEY_MAX || !note_verifier_parse(v, &nv, e, sizeof(e))) {
			err_set(why, whycap, "%s", n >= CONFIG_VKEY_MAX ? "too long" : e);
			return false;
		}
		if (nv.alg != alg) {
			err_set(why, whycap, "%s",
			        alg == NOTE_ALG_ED25519
			                ? "a log's key is an Ed25519 note key (type 0x01)"
			                : "a witness's key is a cosignature key (type 0x04)");
			return false;
		}
		if (*count >= CONFIG_MAX_WITNESSES) {
			err_set(why, whycap, "more than %d", CONFIG_MAX_WITNESSES);
			return false;
		}
		memcpy(list[(*count)++], v, n + 1);
		return true;
	}
	case K_WURL:
		if (n >= CONFIG_PEER_URL_MAX ||
		    (strncmp(v, "https://", 8) && strncmp(v, "http://", 7)) ||
		    strpbrk(v, " \t\"")) {
			err_set(why, whycap,
			        "want the witness's submission prefix, http(s)://host[:port][/path] "
			        "(add-checkpoint is posted under it)");
			return false;
		}
		if (c->nwitness_urls >= CONFIG_MAX_WITNESSES) {
			err_set(why, whycap, "more than %d", CONFIG_MAX_WITNESSES);
			return false;
		}
		memcpy(c->witness_urls[c->nwitness_urls++], v, n + 1);
		return true;
	case K_BOOL:
		if (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0) {
			err_set(why, whycap, "\"%.40s\" is neither yes nor no", v);
			return false;
		}
		*(bool *)(void *)field = v[0] == 'y';
		return true;
	}
	err_set(why, whycap, "internal error: unknown kind of key");
	return false;
}

/* ---- reading ---- */

/* Looks at one raw line before inih does; false (with the error recorded) when inih would
 * misread it. */
static bool
check_line(struct parse *p, const char *s)
{
	size_t n = strcspn(s, "\r\n");

	if (p->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0) { /* inih skips a UTF-8 BOM */
		s += 3;
		n -= n >= 3 ? 3 : n;
	}
	size_t ws = strspn(s, " \t");
	if (ws >= n || s[ws] == ';' || s[ws] == '#')
		return true; /* blank or comment */
	if (ws > 0) {
		parse_fail(p, p->line,
		           "indented line: start keys and [sections] in the first "
		           "column (continuation lines are not supported)");
		return false;
	}
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (close == NULL) {
			parse_fail(p, p->line, "no ']' to close the section name");
			return false;
		}
		const char *t = close + 1;
		t += strspn(t, " \t");
		if (t < s + n && *t != ';' && *t != '#') {
			parse_fail(p, p->line, "unexpected text after ']'");
			return false;
		}
		size_t sn = (size_t)(close - s - 1);
		for (size_t i = 0; i < NSECTIONS; i++)
			if (strlen(sections[i]) == sn && memcmp(sections[i], s + 1, sn) == 0)
				return true;
		parse_fail(p, p->line,
		           "unknown section [%.*s] (want node, public, admin, log, "
		           "authority, peer or witness)",
		           (int)(sn > 40 ? 40 : sn), s + 1);
		return false;
	}
	const char *eq = memchr(s, '=', n);
	const char *colon = memchr(s, ':', n);
	if (eq == NULL || (colon != NULL && colon < eq)) {
		parse_fail(p, p->line, "expected key = value or [section]");
		return false;
	}
	return true;
}

/* inih's fgets-like reader: one line (with its '\n') per call, counted. Returns NULL at the
 * end of the file and after the first error, which stops the parse. */
static char *
reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	int n = 0, ch;

	if (p->err_line != 0 || num < 3)
		return NULL;
	while (n < num - 1 && (ch = getc(p->fp)) != EOF) {
		if (ch == '\0') {
			parse_fail(p, p->line + 1, "NUL byte: this is not a text file");
			return NULL;
		}
		str[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	if (n == 0)
		return NULL;
	str[n] = '\0';
	p->line++;
	if (str[n - 1] != '\n' && n == num - 1) {
		/* inih would read the rest of this line as a line of its own */
		parse_fail(p, p->line, "line longer than %d characters", num - 2);
		return NULL;
	}
	if (!check_line(p, str))
		return NULL;
	return str;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	char why[WHY_MAX];

	if (p->err_line != 0)
		return 0;
	if (section[0] == '\0') {
		parse_fail(p, p->line,
		           "%.40s: key outside any section; put it under [node], "
		           "[public], [admin], [log], [authority], [peer] or [witness]",
		           name);
		return 0;
	}
	size_t i;
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			break;
	if (i == NKEYS) {
		parse_fail(p, p->line, "[%s] unknown key \"%.40s\"", section, name);
		return 0;
	}
	const struct key *k = &keys[i];
	if (k->kind == K_PEER) {
		for (size_t j = 0; j < p->c->npeers; j++) {
			if (strcmp(p->c->peers[j], value) == 0) {
				parse_fail(p, p->line,
				           "[peer] url: %.60s listed twice (also at line %d)",
				           value, p->peer_line[j]);
				return 0;
			}
		}
	} else if (p->seen[i] != 0 && k->kind != K_WLOG && k->kind != K_WURL && k->kind != K_WKEY) {
		parse_fail(p, p->line, "[%s] %s: set twice (first at line %d)", section, name,
		           p->seen[i]);
		return 0;
	}
	if (!set_value(p->c, k, value, why, sizeof(why))) {
		parse_fail(p, p->line, "[%s] %s: %s", section, name, why);
		return 0;
	}
	if (k->kind == K_PEER)
		p->peer_line[p->c->npeers - 1] = p->line;
	else
		p->seen[i] = p->line;
	return 1;
}

/* ---- public ---- */

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->data, "./var");
	strcpy(c->origin, "remacto.ma/demo");
	strcpy(c->network, "remacto");
	c->checkpoint_interval_ms = 5;
	c->mapsize_mb = 0;
	c->watchdog_s = 60;
	strcpy(c->pub.host, "127.0.0.1");
	c->pub.port = 8080;
	c->max_connections = 1024;
	strcpy(c->admin.host, "127.0.0.1");
	c->admin.port = 8081;
	c->log_level = LOG_INFO;
	c->peer_isolated_after_s = 300;
}

int
config_load(struct config *c, const char *file, char *err, size_t errcap)
{
	struct parse p;
	struct config *tmp = NULL;
	FILE *fp = NULL;
	struct stat st;
	int rc = -1;

	if (file == NULL || file[0] == '\0') {
		err_set(err, errcap, "config: no file name given");
		return -1;
	}
	if (strlen(file) >= sizeof(c->file)) {
		err_set(err, errcap, "%.60s...: config file path longer than %zu bytes", file,
		        sizeof(c->file) - 1);
		return -1;
	}
	if ((fp = fopen(file, "r")) == NULL) {
		err_set(err, errcap, "%s: cannot open: %s", file, strerror(errno));
		goto fail;
	}
	if (fstat(fileno(fp), &st) == -1) {
		err_set(err, errcap, "%s: cannot stat: %s", file, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, errcap, "%s: not a regular file", file);
		goto fail;
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		err_set(err, errcap, "%s: larger than %d bytes; is this the configuration file?",
		        file, CONFIG_FILE_MAX);
		goto fail;
	}
	if ((tmp = malloc(sizeof(*tmp))) == NULL) {
		err_set(err, errcap, "%s: out of memory", file);
		goto fail;
	}
	*tmp = *c;
	memcpy(tmp->file, file, strlen(file) + 1);
	/* The demo origin belongs to the embedded defaults only: a node started from a file is a
	 * read-only mirror unless the file names its log. */
	tmp->origin[0] = '\0';

	memset(&p, 0, sizeof(p));
	p.c = tmp;
	p.file = file;
	p.fp = fp;
	p.err = err;
	p.errcap = errcap;
	int r = ini_parse_stream(reader, &p, handler, &p);
	if (r > 0 && (p.err_line == 0 || r < p.err_line)) {
		/* Something our reader let through but inih refused. */
		p.err_line = 0;
		parse_fail(&p, r, "syntax error: expected key = value or [section]");
	} else if (r == -2 && p.err_line == 0) {
		err_set(err, errcap, "%s: out of memory", file);
		goto fail;
	}
	if (p.err_line != 0)
		goto fail;
	if (ferror(fp)) {
		err_set(err, errcap, "%s: read error after line %d", file, p.line);
		goto fail;
	}
	*c = *tmp;
	rc = 0;
fail:
	free(tmp);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

/* out = dir "/" name; false when it does not fit. */
static bool
join(char *out, size_t cap, const char *dir, const char *name)
{
	size_t dn = strlen(dir);
	const char *sep = dn > 0 && dir[dn - 1] == '/' ? "" : "/";
	int n = snprintf(out, cap, "%s%s%s", dir, sep, name);
	return n >= 0 && (size_t)n < cap;
}

/* Same address: equal text, or the same numeric address written two ways. */
static bool
same_host(const char *a, const char *b)
{
	uint8_t x[16], y[16];
	if (strcmp(a, b) == 0)
		return true;
	if (inet_pton(AF_INET, a, x) == 1 && inet_pton(AF_INET, b, y) == 1)
		return memcmp(x, y, 4) == 0;
	if (inet_pton(AF_INET6, a, x) == 1 && inet_pton(AF_INET6, b, y) == 1)
		return memcmp(x, y, 16) == 0;
	return false;
}

static bool
is_wildcard(const char *h)
{
	return h[0] == '\0' || same_host(h, "0.0.0.0") || same_host(h, "::");
}

int
config_finish(struct config *c, char *err, size_t errcap)
{
	const char *f = c->file[0] != '\0' ? c->file : "embedded defaults";

	if (c->data[0] == '\0') {
		err_set(err, errcap, "%s: [node] data: empty; give the data folder", f);
		return -1;
	}
	if (c->key[0] == '\0' && !join(c->key, sizeof(c->key), c->data, "node.key")) {
		err_set(err, errcap,
		        "%s: [node] data: path too long to hold node.key; shorten it or "
		        "set [node] key",
		        f);
		return -1;
	}
	if (c->token_file[0] == '\0' &&
	    !join(c->token_file, sizeof(c->token_file), c->data, "admin.token")) {
		err_set(err, errcap,
		        "%s: [node] data: path too long to hold admin.token; shorten it "
		        "or set [admin] token_file",
		        f);
		return -1;
	}
	if ((c->tls_cert[0] == '\0') != (c->tls_key[0] == '\0')) {
		err_set(err, errcap, "%s: [public] %s is set but %s is not; set both or neither", f,
		        c->tls_cert[0] != '\0' ? "tls_cert" : "tls_key",
		        c->tls_cert[0] != '\0' ? "tls_key" : "tls_cert");
		return -1;
	}
	if (c->pub.port == c->admin.port &&
	    (same_host(c->pub.host, c->admin.host) || is_wildcard(c->pub.host) ||
	     is_wildcard(c->admin.host))) {
		err_set(err, errcap,
		        "%s: [public] listen and [admin] listen overlap on port %d; give "
		        "the admin API its own port",
		        f, c->pub.port);
		return -1;
	}
	/* The admin listener speaks plain HTTP: its bearer token must not cross a network. */
	if (!is_loopback(c->admin.host) && strcmp(c->admin.host, "localhost") != 0) {
		err_set(err, errcap,
		        "%s: [admin] listen = %s: the admin listener has no TLS, so its token "
		        "would travel in clear; keep it on a loopback address (127.0.0.1 or ::1) "
		        "and reach it through SSH or a local TLS proxy",
		        f, c->admin.host);
		return -1;
	}
	if (c->npeers > 0 && c->authority_vkey[0] == '\0') {
		err_set(err, errcap,
		        "%s: [peer] url lines need [authority] verifier_key: a node "
		        "replicates only the logs the network's registry admits",
		        f);
		return -1;
	}
	if (c->authority_policy[0] && c->authority_vkey[0] == '\0') {
		err_set(err, errcap,
		        "%s: [authority] policy needs [authority] verifier_key: the key that "
		        "signs the registry, one of the policy's",
		        f);
		return -1;
	}
	if (c->origin[0] == '\0' && c->seed[0] != '\0') {
		err_set(err, errcap,
		        "%s: [node] seed is set but origin is empty; a read-only mirror "
		        "publishes nothing: set origin or remove seed",
		        f);
		return -1;
	}
	if (c->nwitness_urls != c->nwitness_keys) {
		err_set(err, errcap,
		        "%s: [witness] has %zu url and %zu key lines: give each outside witness its "
		        "url and its key, in the same order",
		        f, c->nwitness_urls, c->nwitness_keys);
		return -1;
	}
	if (c->peer_tls_insecure && c->peer_ca_file[0] != '\0') {
		err_set(err, errcap,
		        "%s: [peer] tls_insecure = yes accepts any certificate, so "
		        "ca_file would be ignored: remove one of them",
		        f);
		return -1;
	}
	return 0;
}
