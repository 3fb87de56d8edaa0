/*
 * client — a synchronous HTTP request through libcurl. See client.h.
 *
 * libcurl does the protocol, TLS and timeouts; this file sets it up for a command-line tool (no
 * redirects, http and https only, a response cap, "no progress for N seconds" as the timeout)
 * and turns its errors into one line an operator can act on. curl's own message for a TLS
 * failure ("SSL certificate problem: unable to get local issuer certificate") does not say what
 * to do, so after such a failure a second connection, made without verification and sending
 * nothing, reads the server's certificate: its issuer (the CA to pass with --ca) and the names
 * it is made out to.
 */
#include "client.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"

#define TOKEN_MAX 512
#define CERT_FIELD_MAX 200

struct request {
	const struct client_opts *o;
	struct buf resp;
	bool too_big, oom;
	size_t total;
	int last_pct;
};

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct request *r = arg;
	int rc = buf_put(&r->resp, data, size * n);
	if (rc == -EMSGSIZE)
		r->too_big = true;
	else if (rc != 0)
		r->oom = true;
	return rc == 0 ? size * n : 0; /* anything else aborts the transfer */
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct request *r = arg;
	(void)dltotal, (void)dlnow, (void)ultotal;
	if (r->o->progress && r->total > 0 && ulnow > 0) {
		int pct = (int)((double)ulnow * 100 / (double)r->total);
		if (pct != r->last_pct) {
			r->last_pct = pct;
			r->o->progress((size_t)ulnow, r->total, r->o->progress_arg);
		}
	}
	return 0;
}

void
client_response_free(struct client_response *r)
{
	if (!r)
		return;
	free(r->body);
	memset(r, 0, sizeof(*r));
}

bool
client_url_parse(const char *url, char host[256], int *port, bool *tls)
{
	const char *p, *h, *end;
	size_t hn;

	if (!strncmp(url, "http://", 7)) {
		*tls = false, p = url + 7;
	} else if (!strncmp(url, "https://", 8)) {
		*tls = true, p = url + 8;
	} else {
		return false;
	}
	if (*p == '[') {
		h = p + 1;
		if (!(end = strchr(h, ']')))
			return false;
		hn = (size_t)(end - h);
		p = end + 1;
	} else {
		h = p;
		hn = strcspn(p, ":/");
		p += hn;
	}
	if (hn == 0 || hn > 255 || memchr(h, '@', hn))
		return false;
	memcpy(host, h, hn);
	host[hn] = '\0';
	*port = *tls ? 443 : 80;
	if (*p == ':') {
		char *e;
		long v = strtol(p + 1, &e, 10);
		if (e == p + 1 || v < 1 || v > 65535)
			return false;
		*port = (int)v;
		p = e;
	}
	return *p == '\0' || !strcmp(p, "/");
}

void
client_url_make(char *out, bool tls, const char *host, int port)
{
	snprintf(out, CLIENT_URL_MAX, strchr(host, ':') ? "%s://[%s]:%d" : "%s://%s:%d",
	         tls ? "https" : "http", host, port);
}

/* Applies what a connection needs, for the request and for the certificate peek alike. */
static int
setup_connection(CURL *c, const struct client_opts *o, struct curl_slist **resolve, char *url,
                 const char *path, char *errbuf)
{
	char host[256], entry[400];
	int port;
	bool tls;
	unsigned timeout = o->timeout ? o->timeout : CLIENT_DEFAULT_TIMEOUT;

	if (!client_url_parse(o->base, host, &port, &tls))
		return -EINVAL;
	snprintf(url, CLIENT_URL_MAX + 4096, "%s%s", o->base, path);
	if (o->connect_to && o->connect_to[0]) {
		snprintf(entry, sizeof(entry),
		         strchr(o->connect_to, ':') ? "%s:%d:[%s]" : "%s:%d:%s", host, port,
		         o->connect_to);
		if (!(*resolve = curl_slist_append(NULL, entry)))
			return -ENOMEM;
		curl_easy_setopt(c, CURLOPT_RESOLVE, *resolve);
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)timeout);
	/* "no progress for the timeout": under 1 byte/s for that long */
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)timeout);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "remacto");
	if (o->ca_file && o->ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file); /* CAPATH stays the system's */
	return 0;
}

/* One line for a CERTINFO field of the first certificate ("Issuer", "X509v3 Subject
 * Alternative Name"), without its "name:" prefix. */
static bool
cert_field(struct curl_certinfo *ci, const char *name, char *out, size_t cap)
{
	size_t n = strlen(name);
	if (!ci || ci->num_of_certs < 1)
		return false;
	for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next)
		if (!strncmp(s->data, name, n) && s->data[n] == ':') {
			snprintf(out, cap, "%.*s", CERT_FIELD_MAX, s->data + n + 1);
			/* fields may carry newlines: keep the message on one line */
			for (char *p = out; *p; p++)
				if (*p == '\n' || *p == '\r')
					*p = ' ';
			return true;
		}
	return false;
}

/* Connects again without verification, sending nothing, to read the server's certificate:
 * its issuer and the names it holds. False when even that fails. */
static bool
peek_certificate(const struct client_opts *o, char *issuer, size_t icap, char *names, size_t ncap)
{
	CURL *c = curl_easy_init();
	struct curl_slist *resolve = NULL;
	struct curl_certinfo *ci = NULL;
	char url[CLIENT_URL_MAX + 4096], errbuf[CURL_ERROR_SIZE] = "";
	bool ok = false;

	issuer[0] = names[0] = '\0';
	if (!c || setup_connection(c, o, &resolve, url, "/", errbuf) != 0)
		goto done;
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	if (curl_easy_perform(c) != CURLE_OK ||
	    curl_easy_getinfo(c, CURLINFO_CERTINFO, &ci) != CURLE_OK)
		goto done;
	ok = cert_field(ci, "Issuer", issuer, icap);
	if (!cert_field(ci, "X509v3 Subject Alternative Name", names, ncap))
		cert_field(ci, "Subject", names, ncap);
done:
	curl_slist_free_all(resolve);
	if (c)
		curl_easy_cleanup(c);
	return ok;
}

/* The one-line explanation of a failed certificate verification. */
static void
explain_tls(CURL *c, const struct client_opts *o, const char *curlmsg, char *err, size_t errcap)
{
	char host[256], issuer[CERT_FIELD_MAX + 1], names[CERT_FIELD_MAX + 1];
	const char *ca = o->ca_file && o->ca_file[0] ? o->ca_file : NULL;
	long verify = 0;
	int port;
	bool tls;

	client_url_parse(o->base, host, &port, &tls);
	curl_easy_getinfo(c, CURLINFO_SSL_VERIFYRESULT, &verify);
	bool peeked = peek_certificate(o, issuer, sizeof(issuer), names, sizeof(names));
	/* curl checks the name itself after OpenSSL's chain check: its message tells */
	if (verify == X509_V_OK || verify == X509_V_ERR_HOSTNAME_MISMATCH ||
	    verify == X509_V_ERR_IP_ADDRESS_MISMATCH || strstr(curlmsg, "target host name")) {
		err_set(err, errcap,
		        "the TLS certificate of %s is not made out to the name %s%s%s: use an "
		        "address the certificate names in --url (or the node's configuration), "
		        "or have a certificate made for %s (%s)",
		        o->base, host, peeked && names[0] ? "; it names " : "", peeked ? names : "",
		        host, curlmsg);
		return;
	}
	if (verify == X509_V_ERR_CERT_HAS_EXPIRED || verify == X509_V_ERR_CERT_NOT_YET_VALID) {
		err_set(err, errcap,
		        "the TLS certificate of %s %s (%s); renew it (deploy/tls-bootstrap.sh "
		        "remakes a private network's certificates)",
		        o->base,
		        verify == X509_V_ERR_CERT_HAS_EXPIRED ? "has expired" : "is not valid yet",
		        curlmsg);
		return;
	}
	err_set(err, errcap,
	        "the TLS certificate of %s is signed by a CA this machine does not trust%s%s%s "
	        "(%s, %s): pass that CA's certificate with --ca FILE (a private network's CA: "
	        "the [peer] ca_file of the node's configuration, or the ca.pem that "
	        "deploy/tls-bootstrap.sh made)%s%s%s",
	        o->base, peeked && issuer[0] ? ": issuer '" : "", peeked ? issuer : "",
	        peeked && issuer[0] ? "'" : "", X509_verify_cert_error_string(verify), curlmsg,
	        ca ? "; --ca " : "", ca ? ca : "", ca ? " does not hold it" : "");
}

/* curl's errors as CLIENT_E* codes and a line for an operator. */
static int
map_error(CURL *c, const struct client_opts *o, CURLcode cc, const char *errbuf,
          const struct request *r, char *err, size_t errcap)
{
	const char *msg = errbuf[0] ? errbuf : curl_easy_strerror(cc);
	long oserr = 0;

	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		err_set(err, errcap, "cannot resolve the name of %s (%s)", o->base, msg);
		return CLIENT_ECONNECT;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &oserr);
		if (oserr) {
			char why[128];
			snprintf(why, sizeof(why), "%s", strerror((int)oserr));
			why[0] = (char)(why[0] >= 'A' && why[0] <= 'Z' ? why[0] - 'A' + 'a'
			                                               : why[0]);
			err_set(err, errcap, "cannot connect to %s: %s", o->base, why);
		} else
			err_set(err, errcap, "cannot connect to %s (%s)", o->base, msg);
		return CLIENT_ECONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		err_set(err, errcap, "no progress for %u s talking to %s (%s)",
		        o->timeout ? o->timeout : CLIENT_DEFAULT_TIMEOUT, o->base, msg);
		return CLIENT_ETIMEOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
		explain_tls(c, o, msg, err, errcap);
		return CLIENT_ETLS;
	case CURLE_SSL_CACERT_BADFILE:
		err_set(err, errcap, "cannot use the CA file %s: %s (give --ca a PEM file)",
		        o->ca_file ? o->ca_file : "(none)", msg);
		return CLIENT_ETLS;
	case CURLE_SSL_CONNECT_ERROR:
		err_set(err, errcap,
		        "the TLS handshake with %s failed: %s (is it an https listener? a plain "
		        "http one wants an http:// URL)",
		        o->base, msg);
		return CLIENT_ETLS;
	case CURLE_FILESIZE_EXCEEDED:
		err_set(err, errcap, "the response of %s is larger than %zu MiB", o->base,
		        CLIENT_MAX_RESPONSE >> 20);
		return CLIENT_ETOOBIG;
	case CURLE_WRITE_ERROR:
		if (r->too_big) {
			err_set(err, errcap, "the response of %s is larger than %zu MiB", o->base,
			        CLIENT_MAX_RESPONSE >> 20);
			return CLIENT_ETOOBIG;
		}
		err_set(err, errcap, "out of memory reading the response of %s", o->base);
		return CLIENT_ESYS;
	case CURLE_OUT_OF_MEMORY:
		err_set(err, errcap, "out of memory");
		return CLIENT_ESYS;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
		if (!strncmp(o->base, "http://", 7)) {
			err_set(err, errcap,
			        "%s closed the connection without an answer (%s): if it is an "
			        "https listener, use https://",
			        o->base, msg);
			return CLIENT_EPROTO;
		}
		err_set(err, errcap, "%s closed the connection without an answer (%s)", o->base,
		        msg);
		return CLIENT_EPROTO;
	default:
		err_set(err, errcap, "the request to %s failed: %s", o->base, msg);
		return CLIENT_EPROTO;
	}
}

int
client_request(const struct client_opts *o, const char *method, const char *path,
               const char *content_type, const uint8_t *body, size_t len,
               struct client_response *out, char *err, size_t errcap)
{
	struct request r = { .o = o, .resp = BUF_INIT(CLIENT_MAX_RESPONSE), .last_pct = -1 };
	struct curl_slist *headers = NULL, *resolve = NULL;
	char url[CLIENT_URL_MAX + 4096], errbuf[CURL_ERROR_SIZE] = "";
	char auth[TOKEN_MAX + 32] = "", ctype[160];
	CURLcode cc;
	CURL *c = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	err_set(err, errcap, "no error");
	if (o->token && strlen(o->token) > TOKEN_MAX) {
		err_set(err, errcap, "the bearer token is longer than %d characters", TOKEN_MAX);
		return CLIENT_EPROTO;
	}
	if (strlen(path) >= 4096) {
		err_set(err, errcap, "the request path is longer than 4095 bytes");
		return CLIENT_EPROTO;
	}
	if (!(c = curl_easy_init())) {
		err_set(err, errcap, "cannot start libcurl (out of memory?)");
		return CLIENT_ESYS;
	}
	if ((rc = setup_connection(c, o, &resolve, url, path, errbuf)) != 0) {
		err_set(err, errcap, "%s is not an http:// or https:// URL with a host", o->base);
		rc = rc == -ENOMEM ? CLIENT_ESYS : CLIENT_EPROTO;
		goto done;
	}
	if (o->token && o->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", o->token);
		headers = curl_slist_append(headers, auth);
	}
	if (content_type) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s", content_type);
		headers = curl_slist_append(headers, ctype);
		/* the node answers at once; no "Expect: 100-continue" round trip */
		headers = curl_slist_append(headers, "Expect:");
		r.total = body ? len : 0;
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? (const char *)body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r.total);
	}
	if (strcmp(method, "GET") && strcmp(method, "POST"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (headers)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)CLIENT_MAX_RESPONSE);
	if (o->progress) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, &r);
	}

	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		rc = map_error(c, o, cc, errbuf, &r, err, errcap);
		goto done;
	}
	long status = 0;
	char *ct = NULL;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
	out->status = (int)status;
	snprintf(out->content_type, sizeof(out->content_type), "%s", ct ? ct : "");
	if (!(out->body = (uint8_t *)buf_steal(&r.resp, &out->len)) &&
	    !(out->body = calloc(1, 1))) {
		err_set(err, errcap, "out of memory");
		rc = CLIENT_ESYS;
		goto done;
	}
	if (o->progress && r.total > 0 && r.last_pct != 100)
		o->progress(r.total, r.total, o->progress_arg);
	rc = 0;
done:
	if (rc != 0)
		client_response_free(out);
	buf_free(&r.resp);
	curl_slist_free_all(headers);
	curl_slist_free_all(resolve);
	curl_easy_cleanup(c);
	OPENSSL_cleanse(auth, sizeof(auth));
	return rc;
}
