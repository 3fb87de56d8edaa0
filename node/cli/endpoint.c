/*
 * endpoint — the node a subcommand talks to, from --url, --config and --ca. See endpoint.h.
 */
#include "endpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

bool
endpoint_arg(struct endpoint_args *a, int c, const char *value)
{
	switch (c) {
	case ENDPOINT_OPT_URL:
		a->url = value;
		return true;
	case ENDPOINT_OPT_CONFIG:
		a->config = value;
		return true;
	case ENDPOINT_OPT_CA:
		a->ca = value;
		return true;
	default:
		return false;
	}
}

/* Reads the admin token: the daemon's file, mode 0600, one line. */
static int
read_token(const char *path, char *out, size_t cap)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cli_err(EXIT_FAIL,
		               "cannot read the admin token %s: %s (the node creates it on "
		               "first start; give --config with the node's configuration%s)",
		               path, strerror(errno),
		               errno == EACCES ? ", and run as the node's user" : "");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cli_err(EXIT_FAIL, "admin token %s is not a regular file", path);
	}
	if (st.st_mode & 077) {
		close(fd);
		return cli_err(EXIT_FAIL, "admin token %s must be mode 0600 (chmod 600 %s)", path,
		               path);
	}
	n = read(fd, out, cap - 1);
	close(fd);
	if (n < 0)
		return cli_err(EXIT_FAIL, "cannot read the admin token %s: %s", path,
		               strerror(errno));
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	if (n == 0 || (size_t)n >= cap - 1 || memchr(out, '\n', (size_t)n)) {
		OPENSSL_cleanse(out, cap);
		return cli_err(EXIT_FAIL, "admin token %s does not hold one token line", path);
	}
	return EXIT_OK;
}

/* Where a listener is reached from this machine: every address means loopback. */
static const char *
reach(const char *host)
{
	if (!host[0] || !strcmp(host, "0.0.0.0"))
		return "127.0.0.1";
	if (!strcmp(host, "::"))
		return "::1";
	return host;
}

/* Whether the certificate in file names host; if not, its first DNS name in name[256] (""
 * when it has none or the file cannot be read: then the host is used as it is). */
static bool
cert_names(const char *file, const char *host, char name[256])
{
	FILE *f = fopen(file, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	GENERAL_NAMES *sans = NULL;
	bool covers = true;

	name[0] = '\0';
	if (f)
		fclose(f);
	if (!x)
		return true;
	covers = X509_check_ip_asc(x, host, 0) == 1 || X509_check_host(x, host, 0, 0, NULL) == 1;
	if (!covers && (sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL))) {
		for (int i = 0; i < sk_GENERAL_NAME_num(sans) && !name[0]; i++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
			if (g->type != GEN_DNS)
				continue;
			const unsigned char *d = ASN1_STRING_get0_data(g->d.dNSName);
			int n = ASN1_STRING_length(g->d.dNSName);
			if (n > 0 && n < 256 && d[0] != '*' && !memchr(d, 0, (size_t)n))
				snprintf(name, 256, "%.*s", n, (const char *)d);
		}
		GENERAL_NAMES_free(sans);
	}
	X509_free(x);
	return covers;
}

int
endpoint_open(struct endpoint *e, enum endpoint_kind kind, const struct endpoint_args *a,
              unsigned timeout)
{
	char err[1024], host[256];
	int port, rc;
	bool tls;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	config_defaults(&e->cfg);
	if ((a->config && config_load(&e->cfg, a->config, err, sizeof(err)) != 0) ||
	    config_finish(&e->cfg, err, sizeof(err)) != 0)
		return cli_err(EXIT_FAIL, "%s", err);
	if (a->ca)
		snprintf(e->ca, sizeof(e->ca), "%s", a->ca);
	else if (e->cfg.peer_ca_file[0])
		snprintf(e->ca, sizeof(e->ca), "%s", e->cfg.peer_ca_file);
	if (a->url) {
		if (!client_url_parse(a->url, host, &port, &tls))
			return cli_err(
			        EXIT_USAGE,
			        "--url wants http://HOST[:PORT] or https://HOST[:PORT] (IPv6 "
			        "in brackets, no path), not '%s'",
			        a->url);
		client_url_make(e->base, tls, host, port);
	} else if (kind == ENDPOINT_ADMIN) {
		/* the admin listener is plain HTTP on loopback */
		client_url_make(e->base, false, reach(e->cfg.admin.host), e->cfg.admin.port);
	} else {
		const char *h = reach(e->cfg.pub.host);
		tls = e->cfg.tls_cert[0] != '\0';
		if (tls && !e->ca[0])
			snprintf(e->ca, sizeof(e->ca), "%s", e->cfg.tls_cert);
		if (tls && !cert_names(e->cfg.tls_cert, h, host) && host[0]) {
			/* ask loopback under the certificate's name, which TLS then checks */
			snprintf(e->connect_to, sizeof(e->connect_to), "%s", h);
			h = host;
		}
		client_url_make(e->base, tls, h, e->cfg.pub.port);
	}
	if (kind == ENDPOINT_ADMIN &&
	    (rc = read_token(e->cfg.token_file, e->token, sizeof(e->token))) != EXIT_OK)
		return rc;
	e->opts.base = e->base;
	e->opts.connect_to = e->connect_to;
	e->opts.ca_file = e->ca[0] ? e->ca : NULL;
	e->opts.token = kind == ENDPOINT_ADMIN ? e->token : NULL;
	e->opts.timeout = timeout;
	return EXIT_OK;
}

void
endpoint_close(struct endpoint *e)
{
	if (e)
		OPENSSL_cleanse(e->token, sizeof(e->token));
}

const char *
endpoint_name(const struct endpoint *e)
{
	static char name[CLIENT_URL_MAX + 32];
	snprintf(name, sizeof(name), "the %s listener %s",
	         e->kind == ENDPOINT_ADMIN ? "admin" : "public", e->base);
	return name;
}

int
endpoint_call(struct endpoint *e, const char *method, const char *path, const char *ctype,
              const void *body, size_t len, struct client_response *resp)
{
	char err[1024];
	int rc = client_request(&e->opts, method, path, ctype, body, len, resp, err, sizeof(err));

	if (rc == CLIENT_ECONNECT)
		return cli_err(EXIT_FAIL, "%s — is remactod running? (%s%s%s)", err,
		               endpoint_name(e), e->cfg.file[0] ? " of " : "",
		               e->cfg.file[0] ? e->cfg.file : "");
	if (rc == CLIENT_ETLS)
		return cli_err(EXIT_FAIL, "%s", err);
	if (rc != 0)
		return cli_err(EXIT_FAIL, "%s %s on %s: %s", method, path, endpoint_name(e), err);
	return EXIT_OK;
}

int
endpoint_error(const struct endpoint *e, const char *path, const struct client_response *r)
{
	int code = r->status == 400 || r->status == 404 || r->status == 413 || r->status == 415
	                   ? EXIT_INVALID
	                   : EXIT_FAIL;
	json_t *j = r->body ? json_loadb((const char *)r->body, r->len, 0, NULL) : NULL;
	json_t *err = json_object_get(j, "error"), *rows = json_object_get(err, "rows"), *row;
	const char *reason = json_string_value(json_object_get(err, "reason"));
	const char *field = json_string_value(json_object_get(err, "field"));
	size_t i;

	if (r->status == 403 && json_is_object(json_object_get(err, "suspended")))
		code = EXIT_SUSPENDED;
	if (!reason) {
		/* not the node's error format: show the start of what came back */
		const char *b = r->body ? (const char *)r->body : "";
		size_t n = strcspn(b, "\r\n");
		cli_err(code, "%s answered HTTP %d to %s: %.*s", endpoint_name(e), r->status, path,
		        (int)(n < 200 ? n : 200), b);
	} else if (field && field[0]) {
		cli_err(code, "refused by the node (HTTP %d): %s (field %s)", r->status, reason,
		        field);
	} else {
		cli_err(code, "refused by the node (HTTP %d): %s", r->status, reason);
	}
	json_array_foreach(rows, i, row)
	{
		const char *col = json_string_value(json_object_get(row, "column"));
		const char *why = json_string_value(json_object_get(row, "reason"));
		fprintf(stderr, "  row %lld%s%s: %s\n",
		        (long long)json_integer_value(json_object_get(row, "row")),
		        col && col[0] ? ", column " : "", col && col[0] ? col : "",
		        why ? why : "invalid");
	}
	if (code == EXIT_SUSPENDED)
		fprintf(stderr,
		        "remacto: nothing was stored; `remacto status` shows the suspension, "
		        "the network authority lifts it (remacto member reinstate)\n");
	if (r->status == 401)
		fprintf(stderr,
		        "remacto: the token in %s is not this node's admin token; is --config "
		        "the configuration of the node at %s?\n",
		        e->cfg.token_file, e->base);
	json_decref(j);
	return code;
}

int
endpoint_get(struct endpoint *e, const char *path, struct client_response *resp)
{
	int rc = endpoint_call(e, "GET", path, NULL, NULL, 0, resp);
	if (rc != EXIT_OK || resp->status == 200)
		return rc;
	rc = endpoint_error(e, path, resp);
	client_response_free(resp);
	return rc;
}
