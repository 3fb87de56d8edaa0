#!/usr/bin/python3
"""hostile_http — a misbehaving HTTP client of a REMACTO node, for the integration tests.

Written apart from the C code on raw sockets (and the ssl module for an HTTPS listener), so that
it sends exactly the bytes a test names, in one TCP segment when it says so, and reads the
answers byte for byte. It checks the node against docs/API.md and node/daemon/http.h.

    hostile_http.py --port P [--tls --ca CA.pem] [--admin-port A --token-file F] --slug S --mode M

Modes (one per run; each says in one line what the node did):
  packet            the exact packet of issue 9: a GET /healthz, then a POST with a two-byte body,
                    pipelined in one segment. The GET is answered; nothing after it may wedge
                    the node
  body-first        a POST with a body, then a pipelined GET: the POST is answered, the
                    connection closed, the GET not read
  pipelined-gets    three GETs in one segment: three answers, in order
  get-with-body     a GET that declares a body it never sends: answered at once, closed
  public-post       a POST of 5 MB announced to the public listener, body never sent: refused
                    at once (the public listener takes no body)
  refused-upload    a 6 MB body sent whole before reading, to the public listener (no body taken
                    there) and to the admin one with a wrong token: the client still reads the
                    403 and the 401 (the node drains what it does not read before closing)
  chunked           a request with Transfer-Encoding: chunked: refused, closed
  bad-length        Content-Length "5, 7", "-1", "abc" and a duplicated header: 400, closed
  long-path         a 5,000-byte path: 414
  long-query        a 3,000-byte query string: 414
  slow-reader       6 connections, each with 200 pipelined GETs of a large answer, never read,
                    then silence: the node keeps serving others (checked by the caller) and
                    does not spin
  flood             20 MB of pipelined GETs as fast as the node takes them, never reading: what
                    the node holds for the connection stays small (checked by the caller)
  upgrade-after-get a GET, then a WebSocket upgrade, pipelined
  garbage-after-get a GET, then bytes that are not HTTP, pipelined: the GET is answered
  admin-nul-token   admin: the right token followed by a NUL and junk: 401
  admin-pipelined   admin: GET /api/v1/status, then a POST of an entry, pipelined: one answer,
                    the connection closed, nothing published
  admin-no-length   admin: a POST without Content-Length: 411, closed
  admin-query       malformed integer parameters (limit=abc, limit=%zz, 40 digits): 400

Exit status 0 when the node did what is expected, 1 when it did not, 2 on a usage error.
"""
import argparse
import socket
import ssl
import sys
import time

TIMEOUT = 5.0
# Connections of slow-reader: where each one's socket fills (between two answers, in the middle
# of one) depends on timing; several make every case likely in one run.
SLOW_READERS = 6


class Conn:
    def __init__(self, args, port=None, tls=None):
        self.sock = socket.create_connection(("127.0.0.1", port or args.port), timeout=TIMEOUT)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls if tls is not None else args.tls:
            ctx = ssl.create_default_context(cafile=args.ca)
            ctx.set_alpn_protocols(["http/1.1"])
            self.sock = ctx.wrap_socket(self.sock, server_hostname="localhost")
        self.buf = b""
        self.closed = False

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        if self.closed:
            return False
        self.sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            d = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLError, TimeoutError):
            return None
        except (ConnectionResetError, BrokenPipeError):
            self.closed = True
            return False
        if not d:
            self.closed = True
            return False
        self.buf += d
        return True

    def response(self, timeout=TIMEOUT, head=False):
        """The next answer as (status, headers, body); None on timeout, "closed" on EOF."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            r = self._fill(deadline)
            if r is None:
                return None
            if r is False:
                return "closed"
        h, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = h.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = 0 if head else int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            r = self._fill(deadline)
            if r is None:
                return None
            if r is False:
                return "truncated"
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def eof(self, timeout=TIMEOUT):
        """True when the node closes the connection (after any answer) within timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self._fill(deadline)
            if r is False:
                return True
            if r is None:
                return False
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def req(method, path, headers=(), body=b"", host="x"):
    h = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, path, host)
    for k, v in headers:
        h += "%s: %s\r\n" % (k, v)
    return h.encode("latin-1") + b"\r\n" + body


def status_of(r):
    return r[0] if isinstance(r, tuple) else r


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def m_packet(a):
    c = Conn(a)
    c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nPOST /api/v1/logs HTTP/1.1\r\nHost: x\r\n"
           b"Content-Length: 2\r\n\r\n{}")
    r = c.response()
    expect(status_of(r) == 200, "the pipelined GET /healthz got %r" % (status_of(r),))
    r2 = c.response()
    expect(r2 in ("closed", "truncated") or status_of(r2) in (405, 400),
           "the POST after it got %r" % (status_of(r2),))
    expect(c.eof(), "the connection stays open after a request with a body")
    return "GET answered 200, then %s, connection closed" % (status_of(r2),)


def m_body_first(a):
    c = Conn(a)
    c.send(req("POST", "/api/v1/logs", [("Content-Length", "2")], b"{}") +
           req("GET", "/healthz"))
    r = c.response()
    expect(status_of(r) in (405, 400, 413), "the POST got %r" % (status_of(r),))
    r2 = c.response(timeout=2)
    expect(r2 in ("closed", "truncated"), "a request after a body was answered: %r"
           % (status_of(r2),))
    return "POST answered %d, the pipelined GET after it not read" % r[0]


def m_pipelined_gets(a):
    c = Conn(a)
    c.send(req("GET", "/healthz") + req("GET", "/api/v1/logs") + req("HEAD", "/metrics") +
           req("GET", "/metrics"))
    got = []
    for want in ("healthz", "logs", "head", "metrics"):
        r = c.response(head=want == "head")
        expect(isinstance(r, tuple), "answer %d: %r" % (len(got) + 1, r))
        got.append(r)
    expect([r[0] for r in got] == [200, 200, 200, 200],
           "statuses %r" % [r[0] for r in got])
    expect(b'"status":"ok"' in got[0][2], "the first answer is not /healthz")
    expect(b'"logs":[' in got[1][2], "the second answer is not /api/v1/logs")
    expect(got[2][2] == b"" and int(got[2][1].get("content-length", "0")) > 0,
           "the HEAD answer carries a body or no length")
    expect(got[3][2].startswith(b"# HELP"), "the fourth answer is not /metrics")
    c.close()
    return "4 answers in order (healthz, logs, HEAD metrics, metrics)"


def m_get_with_body(a):
    c = Conn(a)
    t = time.monotonic()
    c.send(req("GET", "/healthz", [("Content-Length", "100000")]))
    r = c.response(timeout=3)
    expect(isinstance(r, tuple), "no answer before the body: %r" % (r,))
    expect(r[0] in (400, 413), "status %d" % r[0])
    expect(c.eof(), "the connection stays open")
    return "answered %d in %.2f s without the body, closed" % (r[0], time.monotonic() - t)


def m_public_post(a):
    c = Conn(a)
    c.send(req("POST", "/api/v1/entries", [("Content-Length", "5000000"),
                                            ("Content-Type", "application/json")]))
    r = c.response(timeout=3)
    expect(isinstance(r, tuple), "no answer before the body: %r" % (r,))
    expect(r[0] in (403, 405, 413), "status %d" % r[0])
    expect(c.eof(), "the connection stays open")
    return "answered %d before reading the 5 MB body, closed" % r[0]


def m_refused_upload(a):
    body = b"[" + b"1," * (3 << 20) + b"1]"
    out = []
    for port, tls, headers, want in (
            (a.port, None, [], 403),
            (a.admin_port, False, [("Authorization", "Bearer " + "0" * 64)], 401)):
        c = Conn(a, port=port, tls=tls)
        c.sock.settimeout(10)
        try:
            c.send(req("POST", "/api/v1/entries",
                       headers + [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))]) + body)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Fail("the node reset the connection during the upload (%s)" % e)
        r = c.response()
        expect(status_of(r) == want, "port %d: got %r, expected %d" % (port, status_of(r), want))
        out.append(str(r[0]))
        c.close()
    return "%s after the whole 6 MB body" % " and ".join(out)


def m_chunked(a):
    c = Conn(a)
    c.send(req("POST", "/api/v1/logs", [("Transfer-Encoding", "chunked")]) + b"2\r\n{}\r\n0\r\n\r\n")
    r = c.response(timeout=3)
    expect(isinstance(r, tuple) and r[0] in (400, 411, 501), "got %r" % (status_of(r),))
    expect(c.eof(), "the connection stays open")
    c = Conn(a)
    c.send(req("GET", "/healthz", [("Transfer-Encoding", "chunked")]) + b"0\r\n\r\n")
    r2 = c.response(timeout=3)
    expect(isinstance(r2, tuple) and r2[0] in (400, 411, 501), "GET: got %r" % (status_of(r2),))
    return "refused %d / %d, closed" % (r[0], r2[0])


def m_bad_length(a):
    out = []
    for cl in (["5, 7"], ["-1"], ["abc"], ["2", "2"], ["99999999999999999999999"]):
        c = Conn(a)
        c.send(req("POST", "/api/v1/logs", [("Content-Length", v) for v in cl]) + b"{}")
        r = c.response(timeout=3)
        expect(isinstance(r, tuple) and r[0] in (400, 413),
               "Content-Length %r: %r" % (cl, status_of(r)))
        expect(c.eof(), "Content-Length %r: the connection stays open" % (cl,))
        out.append(str(r[0]))
        c.close()
    return "refused (%s), closed" % ", ".join(out)


def m_long_path(a):
    c = Conn(a)
    c.send(req("GET", "/api/v1/logs/" + "a" * 5000))
    r = c.response()
    expect(status_of(r) == 414, "got %r" % (status_of(r),))
    expect(b'"status":414' in r[2], "the answer is not the JSON error")
    return "414"


def m_long_query(a):
    c = Conn(a)
    c.send(req("GET", "/api/v1/logs/%s/entries?start=0&x=%s" % (a.slug, "b" * 3000)))
    r = c.response()
    expect(status_of(r) == 414, "got %r" % (status_of(r),))
    return "414"


def m_slow_reader(a):
    one = req("GET", "/api/v1/logs/%s/entries?limit=1000" % a.slug)
    conns, sent = [], 0
    for _ in range(SLOW_READERS):
        c = Conn(a)
        c.sock.settimeout(2)
        try:
            for _ in range(200):
                c.send(one)
                sent += 1
        except (socket.timeout, ssl.SSLError, TimeoutError, OSError):
            pass
        conns.append(c)
    # Left unread while the caller checks the node (--hold).
    a.keep = conns
    return "%d pipelined GETs sent over %d connections, none read" % (sent, len(conns))


def m_flood(a):
    c = Conn(a)
    one = req("GET", "/api/v1/logs/%s/entries?limit=1000" % a.slug)
    block = one * 256
    c.sock.settimeout(0.5)
    sent, t = 0, time.monotonic()
    while sent < 20 << 20 and time.monotonic() - t < 5:
        try:
            c.send(block)
            sent += len(block)
        except (socket.timeout, ssl.SSLError, TimeoutError):
            break
    a.keep = c
    return "%d MB of pipelined GETs sent in %.1f s, none read" % (sent >> 20,
                                                                 time.monotonic() - t)


def m_upgrade_after_get(a):
    c = Conn(a)
    c.send(req("GET", "/healthz") +
           req("GET", "/live", [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                ("Sec-WebSocket-Version", "13"),
                                ("Sec-WebSocket-Protocol", "remacto-live-v1")]))
    r = c.response()
    expect(status_of(r) == 200, "the GET got %r" % (status_of(r),))
    r2 = c.response(timeout=3, head=True)
    return "GET answered, then %s" % (status_of(r2),)


def m_garbage_after_get(a):
    c = Conn(a)
    c.send(req("GET", "/healthz") + b"\x00\xff\x16\x03 NOT HTTP \r\n\r\n" * 50)
    r = c.response()
    expect(status_of(r) == 200, "the GET got %r" % (status_of(r),))
    expect(c.eof(), "the connection stays open after garbage")
    return "GET answered, garbage closed the connection"


def token(a):
    with open(a.token_file) as f:
        return f.read().strip()


def m_admin_nul_token(a):
    t = token(a)
    c = Conn(a, port=a.admin_port, tls=False)
    c.send(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t.encode() +
           b"\x00junk\r\n\r\n")
    r = c.response()
    expect(status_of(r) == 401, "the token with a NUL and junk got %r" % (status_of(r),))
    c = Conn(a, port=a.admin_port, tls=False)
    c.send(req("GET", "/api/v1/status", [("Authorization", "Bearer " + t)]))
    r2 = c.response()
    expect(status_of(r2) == 200, "the right token got %r" % (status_of(r2),))
    c = Conn(a, port=a.admin_port, tls=False)
    c.send(req("GET", "/api/v1/status", [("Authorization", "Bearer " + t + "x")]))
    r3 = c.response()
    expect(status_of(r3) == 401, "the token with one more byte got %r" % (status_of(r3),))
    return "401 with the NUL, 200 with the token alone, 401 with one byte more"


def m_admin_pipelined(a):
    t = token(a)
    entry = (b'{"schema":1,"evidence":{"id":"EV-PIPE","url":"https://example.ma/p.pdf",'
             b'"sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","mediaType":"application/pdf",'
             b'"title":{"fr":"P"},"date":"2025-06-01"}}')
    c = Conn(a, port=a.admin_port, tls=False)
    c.send(req("GET", "/api/v1/status", [("Authorization", "Bearer " + t)]) +
           req("POST", "/api/v1/entries", [("Authorization", "Bearer " + t),
                                            ("Content-Type", "application/json"),
                                            ("Content-Length", str(len(entry)))], entry))
    r = c.response()
    expect(status_of(r) == 200, "the GET got %r" % (status_of(r),))
    r2 = c.response(timeout=3)
    expect(r2 in ("closed", "truncated"), "the pipelined POST was answered: %r"
           % (status_of(r2),))
    return "status answered, the pipelined POST not read, closed"


def m_admin_no_length(a):
    t = token(a)
    c = Conn(a, port=a.admin_port, tls=False)
    c.send(req("POST", "/api/v1/entries", [("Authorization", "Bearer " + t),
                                            ("Content-Type", "application/json")]) + b"{}")
    r = c.response(timeout=3)
    expect(status_of(r) == 411, "got %r" % (status_of(r),))
    expect(c.eof(), "the connection stays open")
    return "411, closed"


def m_admin_query(a):
    out = []
    # "%zz" and "%00" lws refuses itself (403, or the connection closed, before any route);
    # the others reach the route.
    for q in ("limit=abc", "limit=%zz", "limit=" + "9" * 40, "start=-1", "limit=1%00",
              "limit=", "start=%2B5", "limit=%201"):
        c = Conn(a)
        c.send(req("GET", "/api/v1/logs/%s/entries?%s" % (a.slug, q)))
        r = c.response()
        expect(status_of(r) in ((400, 403, "closed") if "%zz" in q or "%00" in q else (400,)),
               "%s: got %r" % (q, status_of(r)))
        out.append(q.split("=")[0])
        c.close()
    return "400 for each malformed value"


MODES = {
    "packet": m_packet, "body-first": m_body_first, "pipelined-gets": m_pipelined_gets,
    "get-with-body": m_get_with_body, "public-post": m_public_post,
    "refused-upload": m_refused_upload, "chunked": m_chunked,
    "bad-length": m_bad_length, "long-path": m_long_path, "long-query": m_long_query,
    "slow-reader": m_slow_reader, "flood": m_flood, "upgrade-after-get": m_upgrade_after_get,
    "garbage-after-get": m_garbage_after_get, "admin-nul-token": m_admin_nul_token,
    "admin-pipelined": m_admin_pipelined, "admin-no-length": m_admin_no_length,
    "admin-query": m_admin_query,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--tls", action="store_true")
    p.add_argument("--ca")
    p.add_argument("--admin-port", type=int)
    p.add_argument("--token-file")
    p.add_argument("--slug", default="demo")
    p.add_argument("--mode", required=True, choices=sorted(MODES))
    p.add_argument("--hold", type=float, default=0,
                   help="keep the connection of slow-reader or flood open this many seconds")
    a = p.parse_args()
    a.keep = None
    try:
        what = MODES[a.mode](a)
    except Fail as e:
        print("hostile_http %s: FAILED: %s" % (a.mode, e))
        return 1
    except (OSError, ValueError, IndexError) as e:
        print("hostile_http %s: FAILED: %s: %s" % (a.mode, type(e).__name__, e))
        return 1
    print("hostile_http %s: ok: %s" % (a.mode, what))
    sys.stdout.flush()
    if a.keep is not None and a.hold > 0:
        time.sleep(a.hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
