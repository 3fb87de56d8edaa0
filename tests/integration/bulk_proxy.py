#!/usr/bin/python3
"""bulk_proxy — a TLS-terminating proxy in front of one remactod, hostile to entry bundles.

For tests/integration/fed_bulk.sh: a catching-up node dials the proxy as its peer (wss://) and
GETs the C2SP entry bundles (/logs/<slug>/tile/entries/<N>[.p/<W>]) from it over HTTPS. The
proxy presents a certificate the node trusts (a node certificate of the test CA, which names
IP:127.0.0.1) and talks to the real node over TLS, verifying it against the same CA.

    bulk_proxy.py --upstream PORT --cert CRT --key KEY --ca CA.pem --mode MODE --port-file F
                  [--source 127.0.0.X] [--swap A,B] [--lifetime S] [--slow-max S]

Per client connection, each request head is read (keep-alive: several requests in turn):
  - a GET of an entry bundle is fetched from the node (on one upstream keep-alive connection per
    client connection) and answered after MODE;
  - anything else (the WebSocket upgrade of the peer session, any other request) is forwarded
    to the node and from then on the bytes are piped both ways untouched, until either side
    closes.
Modes, for bundle GETs the node answers 200 (any other answer is passed on as it is):
  faithful  the node's answer
  corrupt   one byte of one entry flipped, the length prefixes intact
  short     the full Content-Length announced, half the body sent, then the connection closed
  oversize  a 200 with a body of 20 MiB and a matching Content-Length
  slow      the body at one byte per second (at most --slow-max seconds, then closed)
  status    404 Not Found
  garbage   random bytes of the body's length
  overlong  the node's answer, then 4 KiB of junk on the connection as if the body went on past
            its Content-Length (what follows is read as the next answer's head, if any)
  otherlog  the bundle at the same index of another log (--swap A,B: slug A's asked for get
            slug B's, and B's A's), well formed and made of real entries, as a cache or a slug
            served for another log would; the node's own answer when the other has none
Each bundle GET is printed on stdout, one line: "bundle N MODE PATH STATUS conn C" (N counts
them, C numbers the client connections), so that the test can tell the node really used HTTP,
and on how many connections. Every wait has a bound; the proxy exits when
killed, when its parent goes, or after --lifetime seconds.
"""
import argparse
import asyncio
import os
import re
import ssl
import sys

HEAD_MAX = 64 * 1024  # a request or response head longer than this is refused
IDLE_S = 60  # a client connection idle between requests this long is closed
UPSTREAM_S = 20  # the node answers a bundle GET within this
BODY_MAX = 256 * (2 + 65535)  # the largest entry bundle there can be
OVERSIZE = 20 * 1024 * 1024
BUNDLE = re.compile(rb"^/logs/[^/?]+/tile/entries/(x\d{3}/)*\d{3}(\.p/\d{1,3})?$")

count = 0
conns = 0


def log(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def read_head(reader, timeout):
    """The bytes up to and with the blank line; None at a clean end of stream."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
    except asyncio.IncompleteReadError as e:
        if e.partial:
            raise ValueError("the stream ended inside a head")
        return None
    except asyncio.LimitOverrunError:
        raise ValueError("a head longer than %d bytes" % HEAD_MAX)
    return head


def headers_of(head):
    lines = head.split(b"\r\n")
    fields = {}
    for ln in lines[1:]:
        if not ln:
            continue
        name, _, value = ln.partition(b":")
        fields[name.strip().lower()] = value.strip()
    return lines[0], fields


async def read_body(reader, fields):
    """The body of a response after its head: Content-Length or chunked (bounded)."""
    te = fields.get(b"transfer-encoding", b"").lower()
    if b"chunked" in te:
        body = bytearray()
        while True:
            size_line = await asyncio.wait_for(reader.readuntil(b"\r\n"), UPSTREAM_S)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                await asyncio.wait_for(reader.readuntil(b"\r\n"), UPSTREAM_S)
                return bytes(body)
            if len(body) + size > BODY_MAX:
                raise ValueError("the node's chunked answer is larger than a bundle can be")
            body += await asyncio.wait_for(reader.readexactly(size + 2), UPSTREAM_S)
            del body[-2:]
    n = int(fields.get(b"content-length", b"0"))
    if n < 0 or n > BODY_MAX:
        raise ValueError("the node's Content-Length %d is out of bounds" % n)
    return await asyncio.wait_for(reader.readexactly(n), UPSTREAM_S)


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


def corrupt(body):
    """Flips one byte inside the first non-empty entry; the length prefixes stay as they are."""
    b = bytearray(body)
    off = 0
    while off + 2 <= len(b):
        n = (b[off] << 8) | b[off + 1]
        if n > 0 and off + 2 + n <= len(b):
            b[off + 2 + n // 2] ^= 0x01
            return bytes(b)
        off += 2 + n
    if b:
        b[-1] ^= 0x01
    return bytes(b)


class Proxy:
    def __init__(self, args):
        self.args = args
        pair = [x.encode() for x in args.swap.split(",") if x]
        self.swap = {pair[0]: pair[1], pair[1]: pair[0]} if len(pair) == 2 else {}
        self.server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server_ctx.load_cert_chain(args.cert, args.key)
        self.server_ctx.set_alpn_protocols(["http/1.1"])
        self.client_ctx = ssl.create_default_context(cafile=args.ca)
        self.client_ctx.set_alpn_protocols(["http/1.1"])

    async def upstream(self):
        return await asyncio.wait_for(
            asyncio.open_connection(
                "127.0.0.1",
                self.args.upstream,
                ssl=self.client_ctx,
                server_hostname="127.0.0.1",
                local_addr=(self.args.source, 0),
                limit=HEAD_MAX,
            ),
            UPSTREAM_S,
        )

    async def client(self, reader, writer):
        global conns
        conns += 1
        cid = conns
        up = None
        try:
            while True:
                head = await read_head(reader, IDLE_S)
                if head is None:
                    return
                line, fields = headers_of(head)
                parts = line.split(b" ")
                is_bundle = (
                    len(parts) == 3
                    and parts[0] == b"GET"
                    and BUNDLE.match(parts[1])
                    and b"upgrade" not in fields
                )
                if not is_bundle:
                    # The peer session (or anything else): the node's from here on, untouched.
                    if up is None:
                        up = await self.upstream()
                    up[1].write(head)
                    await up[1].drain()
                    await asyncio.gather(pipe(reader, up[1]), pipe(up[0], writer))
                    return
                if up is None:
                    up = list(await self.upstream())
                if not await self.bundle(cid, parts[1], head, fields, up, writer):
                    return
                if fields.get(b"connection", b"").lower() == b"close":
                    return
        except (ValueError, asyncio.TimeoutError, asyncio.IncompleteReadError) as e:
            log("connection closed: %s" % (e or type(e).__name__))
        except (ConnectionError, ssl.SSLError, OSError):
            pass
        finally:
            for w in (writer, up[1] if up else None):
                if w is not None:
                    try:
                        w.close()
                    except Exception:
                        pass

    async def fetch(self, lines, up):
        """The node's answer to the request whose head is lines: status line, fields, body.
        up is [reader, writer] of the upstream connection: remade once when the node closed
        it while idle (it drops an idle keep-alive connection after a few seconds)."""
        for attempt in (1, 2):
            rhead = None
            try:
                up[1].write(b"\r\n".join(lines))
                await up[1].drain()
                rhead = await read_head(up[0], UPSTREAM_S)
            except (ConnectionError, ssl.SSLError):
                pass
            if rhead is not None:
                break
            if attempt == 2:
                raise ValueError("the node closed the connection before answering")
            up[1].close()
            up[:] = await self.upstream()
        status_line, rfields = headers_of(rhead)
        return status_line, rfields, await read_body(up[0], rfields)

    async def bundle(self, cid, path, head, fields, up, writer):
        """Answers one bundle GET after the mode; False when the connection is to be closed."""
        global count
        # The node's answer is asked for in identity encoding, so that the body is the bundle.
        lines = [
            ln
            for ln in head.split(b"\r\n")
            if not ln.lower().startswith(b"accept-encoding:")
        ]
        status_line, rfields, body = await self.fetch(lines, up)
        status = int(status_line.split(b" ")[1])
        if self.args.mode == "otherlog" and status == 200:
            m = re.match(rb"^/logs/([^/]+)/", path)
            other = self.swap.get(m.group(1)) if m else None
            if other:
                opath = b"/logs/" + other + path[m.end() - 1 :]
                olines = [lines[0].replace(path, opath, 1)] + lines[1:]
                o = await self.fetch(olines, up)
                if o[0].split(b" ")[1] == b"200":
                    status_line, rfields, body = o
                    log("otherlog: %s answered with %s" % (path.decode(), opath.decode()))
        count += 1
        nb = count
        mode = self.args.mode if status == 200 else "passed-on"
        log("bundle %d %s %s %d conn %d" % (nb, mode, path.decode(), status, cid))
        ctype = rfields.get(b"content-type", b"application/octet-stream")

        def head_for(code, reason, length):
            return (
                b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                % (code, reason, ctype, length)
            )

        if mode == "passed-on":
            writer.write(head_for(status, status_line.split(b" ", 2)[2], len(body)) + body)
        elif mode in ("faithful", "otherlog"):
            writer.write(head_for(200, b"OK", len(body)) + body)
        elif mode == "corrupt":
            writer.write(head_for(200, b"OK", len(body)) + corrupt(body))
        elif mode == "overlong":
            junk = b"\x00junk after the body " * 200
            writer.write(head_for(200, b"OK", len(body)) + body + junk[:4096])
        elif mode == "garbage":
            writer.write(head_for(200, b"OK", len(body)) + os.urandom(len(body)))
        elif mode == "status":
            writer.write(
                b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                b"Content-Length: 10\r\n\r\nnot found\n"
            )
        elif mode == "short":
            writer.write(head_for(200, b"OK", len(body)) + body[: len(body) // 2])
            await writer.drain()
            return False
        elif mode == "oversize":
            writer.write(head_for(200, b"OK", OVERSIZE))
            chunk = (body * (65536 // max(len(body), 1) + 1))[:65536] or bytes(65536)
            sent = 0
            while sent < OVERSIZE:
                writer.write(chunk[: OVERSIZE - sent])
                sent += min(len(chunk), OVERSIZE - sent)
                await asyncio.wait_for(writer.drain(), UPSTREAM_S)
        elif mode == "slow":
            writer.write(head_for(200, b"OK", len(body)))
            await writer.drain()
            t0 = asyncio.get_running_loop().time()
            sent = 0
            try:
                while sent < min(len(body), self.args.slow_max) and not writer.is_closing():
                    writer.write(body[sent : sent + 1])
                    await asyncio.wait_for(writer.drain(), UPSTREAM_S)
                    sent += 1
                    await asyncio.sleep(1)
            finally:
                # When the client gave up, and after how much: the test's report says it.
                log(
                    "slow %d: %s after %d of %d bytes, %.1f s"
                    % (
                        nb,
                        "the client closed" if writer.is_closing() else "gave up",
                        sent,
                        len(body),
                        asyncio.get_running_loop().time() - t0,
                    )
                )
            return False
        await asyncio.wait_for(writer.drain(), UPSTREAM_S)
        return True


async def watch_parent(lifetime):
    parent = os.getppid()
    for _ in range(int(lifetime)):
        await asyncio.sleep(1)
        if os.getppid() != parent:
            return
    log("lifetime of %d s reached: exiting" % lifetime)


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--upstream", type=int, required=True, help="the node's public TLS port")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument(
        "--mode",
        required=True,
        choices=[
            "faithful",
            "corrupt",
            "short",
            "oversize",
            "slow",
            "status",
            "garbage",
            "otherlog",
            "overlong",
        ],
    )
    ap.add_argument("--swap", default="", help="otherlog: two slugs, A,B")
    ap.add_argument("--port-file", required=True, help="written with the port, once listening")
    ap.add_argument(
        "--source",
        default="127.0.0.1",
        help="the loopback address to dial the node from (it caps anonymous sessions per address)",
    )
    ap.add_argument("--lifetime", type=int, default=600)
    ap.add_argument("--slow-max", type=int, default=120)
    args = ap.parse_args()
    p = Proxy(args)
    server = await asyncio.start_server(
        p.client, "127.0.0.1", 0, ssl=p.server_ctx, limit=HEAD_MAX, ssl_handshake_timeout=10
    )
    port = server.sockets[0].getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)
    log("listening on 127.0.0.1:%d, mode %s, node 127.0.0.1:%d" % (port, args.mode, args.upstream))
    async with server:
        await watch_parent(args.lifetime)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
