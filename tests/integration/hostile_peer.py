#!/usr/bin/python3
"""hostile_peer — a misbehaving peer of the REMACTO federation, for the integration tests.

Written apart from the C code, on Debian's python3-websockets (asyncio client), python3-protobuf
(modules generated from proto/*.proto by protoc at test time into a scratch folder, never kept)
and python3-cryptography (Ed25519), so that it checks the node against docs/PROTOCOL.md rather
than against itself. It builds C2SP signed notes and checkpoints on its own.

    hostile_peer.py --url wss://127.0.0.1:P/peer --ca CA.pem --pb SCRATCH --mode MODE [...]

Modes (one per run):
  garbage              binary frames that are not a PeerMessage
  text                 a text frame
  oversized            (after a valid handshake as a mirror) one binary frame over 4 MiB, a
                       well-formed PeerMessage otherwise
  before-handshake     a GetEntries before any Hello
  before-proof         a Hello, then a GetEntries instead of the HelloProof
  forged-proof         a Hello claiming --origin with its --vkey, and a proof made by another key
  forged-checkpoint    (after a valid handshake as a mirror) a checkpoint of --origin carrying
                       the key ID of --vkey but a signature by another key
  unknown-log          (mirror) a validly self-signed checkpoint of a log not in the registry
  unrequested-entries  (mirror) an Entries answer nobody asked for
  bad-entries          (as the member --origin, with its --key) a checkpoint of its own log
                       larger than the node holds, then, when the node asks, entries that do
                       not reproduce the signed root
  flood                (mirror) small messages as fast as possible
  send-note            (mirror) the signed note in --note as a checkpoint of --origin: one the
                       node must refuse (e.g. signed by a key the registry no longer allows)
  aside-note           (mirror) the same, for a note the node must set aside without holding
                       it against the sender (e.g. signed by a key a rotation retired at its
                       size): the session goes on and the node asks nothing about it
  anon-flood           --sessions sessions at once, each a mirror with a fresh key from one of
                       the --source addresses (comma-separated, in turn): after the handshake,
                       GetEntries for the start of the biggest log the node holds, up to
                       --flood of them, never reading an answer; a session the node closes
                       or refuses is opened again, until --hold seconds have passed (at most
                       4 × --sessions connections in all). Status 0 when it ran its course;
                       it says how many sessions the node took and how many it refused.

"(mirror)" modes first shake hands under a key of their own that is not in the registry, named
mirror.<first 4 bytes of the key in hex>: a fresh one each run, or the PEM file --identity
(then the same one every run, so that the node can hold its violations against it).

Expected of the node: it closes the session (every mode but unknown-log and aside-note), or
ignores the data (unknown-log, aside-note: it must never ask for that log's entries). Exit
status 0 when the node did what is expected, 1 when it did not, 2 on a usage or setup error, 3
when the test could not even get to the misbehaviour (connection or honest handshake refused).
One line says what happened.
"""
import argparse
import asyncio
import base64
import hashlib
import logging
import os
import re
import ssl
import subprocess
import sys
import time

NETWORK = "remacto"
SUBPROTOCOL = "remacto-peer-v1"
HELLO_PREFIX = b"remacto-peer-v1 hello\n"
MAX_FRAME = 4 << 20
MODES = ("garbage", "text", "oversized", "before-handshake", "before-proof", "forged-proof",
         "forged-checkpoint", "unknown-log", "unrequested-entries", "bad-entries", "flood",
         "send-note", "aside-note", "anon-flood", "until-refused")

try:
    import websockets
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                                   Ed25519PublicKey)
    from cryptography.exceptions import InvalidSignature
except ImportError as e:  # pragma: no cover
    print("hostile_peer: missing Debian package (python3-websockets, python3-cryptography): %s"
          % e)
    sys.exit(2)

pb = None      # peer_pb2, imported once generated
rpb = None     # remacto_pb2


class Outcome(Exception):
    """The end of a run: status and what happened."""

    def __init__(self, status, what):
        super().__init__(what)
        self.status = status
        self.what = what


def load_protos(scratch, proto_dir):
    global pb, rpb
    os.makedirs(scratch, exist_ok=True)
    if not (os.path.exists(os.path.join(scratch, "peer_pb2.py")) and
            os.path.exists(os.path.join(scratch, "remacto_pb2.py"))):
        r = subprocess.run(["protoc", "--proto_path=" + proto_dir, "--python_out=" + scratch,
                            os.path.join(proto_dir, "peer.proto"),
                            os.path.join(proto_dir, "remacto.proto")],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise Outcome(2, "protoc failed: " + r.stderr.strip())
    sys.path.insert(0, scratch)
    import peer_pb2
    import remacto_pb2
    pb, rpb = peer_pb2, remacto_pb2


# ---- C2SP signed notes ----------------------------------------------------------------------

def raw_pub(priv):
    return priv.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw)


def key_id(name, alg, pub):
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + pub).digest()[:4]


def vkey_string(name, pub):
    return "%s+%s+%s" % (name, key_id(name, 1, pub).hex(),
                         base64.b64encode(b"\x01" + pub).decode())


def parse_vkey(vk):
    name, kid, b64 = vk.split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    if len(raw) != 33 or raw[0] != 1:
        raise Outcome(2, "verifier key %r is not an Ed25519 key" % vk)
    pub = raw[1:]
    if key_id(name, 1, pub).hex() != kid:
        raise Outcome(2, "verifier key %r: key ID does not match" % vk)
    return name, pub


def sign_note(text, name, priv, kid=None):
    """text ends in '\\n'; a note signed by priv under name (key ID kid if given: a forgery)."""
    assert text.endswith("\n")
    sig = priv.sign(text.encode())
    kid = kid if kid is not None else key_id(name, 1, raw_pub(priv))
    return (text + "\n\u2014 %s %s\n" % (name, base64.b64encode(kid + sig).decode())).encode()


def checkpoint_text(origin, size, root):
    return "%s\n%d\n%s\n" % (origin, size, base64.b64encode(root).decode())


def parse_checkpoint(note):
    text = note.decode().split("\n\n", 1)[0]
    lines = text.split("\n")
    return lines[0], int(lines[1]), base64.b64decode(lines[2])


def load_key(path):
    with open(path, "rb") as f:
        k = serialization.load_pem_private_key(f.read(), password=None)
    if not isinstance(k, Ed25519PrivateKey):
        raise Outcome(2, "%s is not an Ed25519 key" % path)
    return k


def mirror_name(priv):
    return "mirror." + raw_pub(priv)[:4].hex()


# ---- messages -------------------------------------------------------------------------------

def msg(**kw):
    m = pb.PeerMessage()
    for k, v in kw.items():
        getattr(m, k).CopyFrom(v)
    return m.SerializeToString()


def describe(m):
    k = m.WhichOneof("kind")
    if k == "error":
        return "Error(%r)" % m.error.reason
    if k == "checkpoint":
        return "SignedCheckpoint(%s)" % m.checkpoint.origin
    if k == "vector":
        return "CheckpointVector(%d)" % len(m.vector.checkpoints)
    if k == "get_entries":
        g = m.get_entries
        return "GetEntries(%s %d+%d)" % (g.origin, g.start, g.count)
    return k or "empty"


class Session:
    def __init__(self, ws, log):
        self.ws = ws
        self.log = log
        self.seen = []          # what the node sent, described

    async def recv(self, timeout):
        """The next PeerMessage, or raises Outcome-less ConnectionClosed / TimeoutError."""
        data = await asyncio.wait_for(self.ws.recv(), timeout)
        if isinstance(data, str):
            raise Outcome(1, "the node sent a text frame")
        m = pb.PeerMessage()
        m.ParseFromString(data)
        self.seen.append(describe(m))
        return m

    async def send(self, data):
        await self.ws.send(data)

    async def wait_closed(self, timeout, what):
        """Reads until the node closes; raises the matching Outcome."""
        t0 = time.monotonic()
        try:
            while True:
                left = timeout - (time.monotonic() - t0)
                if left <= 0:
                    raise asyncio.TimeoutError()
                await self.recv(left)
        except websockets.ConnectionClosed as e:
            raise Outcome(0, "%s: the node closed the session after %.2f s (%s)%s" % (
                what, time.monotonic() - t0, close_info(e), self.said()))
        except asyncio.TimeoutError:
            raise Outcome(1, "%s: the session is still open after %.0f s%s" % (
                what, timeout, self.said()))

    async def drain(self):
        """After a close: reads what the node sent before it (a send on a closed connection
        raises before the node's last messages were read)."""
        try:
            while True:
                await self.recv(1.0)
        except (websockets.ConnectionClosed, asyncio.TimeoutError, Outcome):
            pass

    def said(self):
        errs = [s for s in self.seen if s.startswith("Error")]
        return "; it said " + ", ".join(errs) if errs else ""


def close_info(e):
    rcvd = getattr(e, "rcvd", None)
    if rcvd is not None:
        return "close code %d%s" % (rcvd.code, " %r" % rcvd.reason if rcvd.reason else "")
    return "connection dropped without a close frame"


async def handshake(s, name, priv, timeout):
    """An honest handshake under name with priv. Returns the node's Hello and first vector."""
    own_nonce = os.urandom(32)
    hello = pb.Hello(network=NETWORK, version=1, origin=name,
                     verifier_key=vkey_string(name, raw_pub(priv)), nonce=own_nonce)
    await s.send(msg(hello=hello))
    theirs = proof = None
    try:
        while theirs is None or proof is None:
            m = await s.recv(timeout)
            k = m.WhichOneof("kind")
            if k == "hello" and theirs is None:
                theirs = m.hello
                sig = priv.sign(HELLO_PREFIX + NETWORK.encode() + b"\n" + theirs.nonce +
                                own_nonce)
                await s.send(msg(hello_proof=pb.HelloProof(signature=sig)))
            elif k == "hello_proof" and theirs is not None and proof is None:
                proof = m.hello_proof
            else:
                raise Outcome(1, "the node sent %s during the handshake" % describe(m))
    except websockets.ConnectionClosed as e:
        await s.drain()
        raise Outcome(3, "the node ended the honest handshake as %s (%s)%s" % (
            name, close_info(e), s.said()))
    except asyncio.TimeoutError:
        raise Outcome(3, "no handshake from the node within %.0f s (saw %s)" % (
            timeout, s.seen))
    # Check the node too: its proof must be over our nonce then its own, with its Hello's key.
    nname, npub = parse_vkey(theirs.verifier_key)
    if nname != theirs.origin:
        raise Outcome(1, "the node's Hello names %s but its key is %s" % (theirs.origin, nname))
    try:
        Ed25519PublicKey.from_public_bytes(npub).verify(
            proof.signature, HELLO_PREFIX + NETWORK.encode() + b"\n" + own_nonce + theirs.nonce)
    except InvalidSignature:
        raise Outcome(1, "the node's own HelloProof does not verify")
    await s.send(msg(vector=pb.CheckpointVector()))
    vector = {}
    try:
        while True:
            m = await s.recv(timeout)
            if m.WhichOneof("kind") == "vector":
                for sc in m.vector.checkpoints:
                    vector[sc.origin] = sc.note
                break
    except (websockets.ConnectionClosed, asyncio.TimeoutError) as e:
        raise Outcome(3, "no checkpoint vector after the handshake: %r" % e)
    s.log("handshake done as %s with %s; its vector holds %d logs" % (
        name, theirs.origin, len(vector)))
    return theirs, vector


def fake_entry(i):
    e = rpb.Entry(schema=1, published="2025-01-01T00:00:00Z")
    e.measurement.indicator_id = "IND-HOSTILE-%d" % i
    e.measurement.period = "2025"
    e.measurement.value = 1000.0 + i
    return e.SerializeToString()


async def round_trip(s, timeout, origin):
    """Forces the node to have processed everything sent so far: asks entry 0 of a log it
    holds and waits for the answer (messages are handled in order)."""
    rid = 777001
    await s.send(msg(get_entries=pb.GetEntries(request_id=rid, origin=origin, start=0, count=1,
                                                proof_size=1)))
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        m = await s.recv(timeout)
        k = m.WhichOneof("kind")
        if k == "get_entries":
            return m
        if (k == "entries" and m.entries.request_id == rid) or k == "error":
            return None
    raise asyncio.TimeoutError()


async def connect(a, source, max_queue=32):
    ctx = ssl.create_default_context(cafile=a.ca) if a.url.startswith("wss:") else None
    kw = {}
    if source:
        kw["local_addr"] = (source, 0)
    return await asyncio.wait_for(websockets.connect(
        a.url, subprotocols=[SUBPROTOCOL], ssl=ctx, max_size=16 << 20, ping_interval=None,
        close_timeout=2, open_timeout=a.timeout, compression=None, max_queue=max_queue,
        **kw), a.timeout)


async def flood_session(a, source, deadline, stats, log):
    """One anonymous session that asks for the biggest log and never reads the answers."""
    try:
        ws = await connect(a, source, max_queue=1)
    except Exception:
        stats["connect_failed"] += 1
        return
    taken = False
    try:
        s = Session(ws, lambda line: None)
        me = Ed25519PrivateKey.generate()
        try:
            _, vector = await handshake(s, mirror_name(me), me, a.timeout)
        except Outcome:
            stats["refused"] += 1
            return
        stats["taken"] += 1
        taken = True
        if not vector:
            return
        origin, note = max(vector.items(), key=lambda kv: parse_checkpoint(kv[1])[1])
        size = parse_checkpoint(note)[1]
        req = msg(get_entries=pb.GetEntries(request_id=1, origin=origin, start=0,
                                            count=min(1024, size), proof_size=size))
        for _ in range(a.flood):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                # The node stops reading a session that does not read its answers: then
                # this send stalls, which is the point.
                await asyncio.wait_for(s.send(req), min(left, 1.0))
                stats["requests"] += 1
            except asyncio.TimeoutError:
                stats["stalled"] += 1
                await asyncio.sleep(min(max(deadline - time.monotonic(), 0), 1.0))
        # Hold the session without reading until the deadline or until the node drops it.
        while time.monotonic() < deadline and not ws.closed:
            await asyncio.sleep(0.2)
        if ws.closed:
            stats["closed_by_node"] += 1
    except websockets.ConnectionClosed:
        stats["closed_by_node" if taken else "refused"] += 1
    finally:
        ws.transport.abort()


async def anon_flood(a, log):
    sources = [x for x in (a.source or "").split(",") if x] or [None]
    deadline = time.monotonic() + a.hold
    stats = dict(taken=0, refused=0, connect_failed=0, requests=0, stalled=0,
                 closed_by_node=0)
    budget = [4 * a.sessions]

    async def slot(i):
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            await flood_session(a, sources[i % len(sources)], deadline, stats, log)
            await asyncio.sleep(0.2)

    await asyncio.gather(*(slot(i) for i in range(a.sessions)))
    raise Outcome(0, "%d sessions taken, %d refused, %d connections failed, %d requests sent "
                  "(%d sends stalled), %d sessions closed by the node, in %.0f s" % (
                      stats["taken"], stats["refused"], stats["connect_failed"],
                      stats["requests"], stats["stalled"], stats["closed_by_node"], a.hold))


async def expect_ignored(s, timeout, vector, what, close_ok):
    """After a checkpoint the node must ignore: it asks nothing about it (a round trip on a log
    it holds shows it has processed it). Closing the session is status 0 only when close_ok."""
    probe = next(iter(vector), None)
    if probe is None:
        raise Outcome(3, "the node holds no log to probe with")
    try:
        m = await round_trip(s, timeout, probe)
        if m is not None:
            raise Outcome(1, "%s: the node asked %s" % (what, describe(m)))
    except websockets.ConnectionClosed as e:
        raise Outcome(0 if close_ok else 1, "%s: the node closed the session (%s)%s" % (
            what, close_info(e), s.said()))
    raise Outcome(0, "%s: ignored; the session goes on and the node asked nothing about it" %
                  what)


async def until_refused(a, log):
    """Misbehaves under one key (an Entries answer nobody asked for), dialling again at once
    after each close, until the node refuses the key at its handshake for at least
    --min-refusal seconds. The refusal doubles with each violation, so this ends within a few
    rounds; between two rounds it waits out the refusal the node announced, nothing else."""
    me = load_key(a.identity) if a.identity else Ed25519PrivateKey.generate()
    origin = a.origin or "remacto.ma/registry"
    said = ""
    for rnd in range(1, a.rounds + 1):
        try:
            ws = await connect(a, a.source)
        except Exception as e:
            raise Outcome(3, "cannot connect to %s: %r" % (a.url, e))
        s = Session(ws, log)
        refused = None
        try:
            _, vector = await handshake(s, mirror_name(me), me, a.timeout)
            held = parse_checkpoint(vector[origin])[1] if origin in vector else 0
            await s.send(msg(entries=pb.Entries(request_id=424242, origin=origin, start=held,
                                                entries=[fake_entry(0), fake_entry(1)])))
            await s.wait_closed(a.timeout, "an Entries answer nobody asked for")
        except Outcome as o:
            m = re.search(r"is refused for (\d+) more seconds", o.what)
            if m:
                said, refused = o.what, int(m.group(1))
            elif o.status != 0:
                raise
        finally:
            ws.transport.abort()
        if refused is not None:
            if refused >= a.min_refusal:
                raise Outcome(0, "refused at round %d: %s" % (rnd, said))
            await asyncio.sleep(refused + 0.2)
    raise Outcome(1, "not refused for %d s after %d rounds (last: %s)" % (
        a.min_refusal, a.rounds, said or "never refused"))


async def run(a, log):
    if a.mode == "anon-flood":
        await anon_flood(a, log)
    if a.mode == "until-refused":
        await until_refused(a, log)
    try:
        ws = await connect(a, a.source)
    except Exception as e:
        raise Outcome(3, "cannot connect to %s: %r" % (a.url, e))
    try:
        if ws.subprotocol != SUBPROTOCOL:
            raise Outcome(1, "the node did not agree on subprotocol %s (got %r)" % (
                SUBPROTOCOL, ws.subprotocol))
        s = Session(ws, log)
        await mode_run(a, s)
    finally:
        ws.transport.abort()


async def mode_run(a, s):
    t = a.timeout
    mode = a.mode
    me = load_key(a.identity) if a.identity else Ed25519PrivateKey.generate()
    try:
        if mode == "garbage":
            junk = [b"\x0a\xff\xff\xff\xff\x0f", b"\xff" * 11, b"\x08" + b"\x80" * 10 + b"\x01",
                    os.urandom(200)]
            for j in junk[:3]:
                try:
                    pb.PeerMessage().ParseFromString(j)
                    raise Outcome(2, "garbage %r decodes: pick other bytes" % j)
                except Outcome:
                    raise
                except Exception:
                    pass
            for j in junk[:3]:
                await s.send(j)
            await s.wait_closed(t, "undecodable binary frames")
        elif mode == "text":
            await s.send('{"hello":{"network":"remacto","version":1}}')
            await s.wait_closed(t, "a text frame")
        elif mode == "oversized":
            await handshake(s, mirror_name(me), me, t)
            big = msg(error=pb.Error(reason="x" * (MAX_FRAME + 1024)))
            assert len(big) > MAX_FRAME
            try:
                await s.send(big)
            except websockets.ConnectionClosed as e:
                raise Outcome(0, "a frame of %d bytes: the node closed the session while it "
                              "was being sent (%s)" % (len(big), close_info(e)))
            await s.wait_closed(t, "a frame of %d bytes" % len(big))
        elif mode == "before-handshake":
            await s.send(msg(get_entries=pb.GetEntries(request_id=1, origin="remacto.ma/registry",
                                                       start=0, count=1, proof_size=1)))
            await s.wait_closed(t, "a GetEntries before any Hello")
        elif mode == "before-proof":
            name = mirror_name(me)
            await s.send(msg(hello=pb.Hello(network=NETWORK, version=1, origin=name,
                                            verifier_key=vkey_string(name, raw_pub(me)),
                                            nonce=os.urandom(32))))
            await s.send(msg(vector=pb.CheckpointVector()))
            await s.wait_closed(t, "a checkpoint vector instead of the HelloProof")
        elif mode == "forged-proof":
            need(a, "origin", "vkey")
            own_nonce = os.urandom(32)
            await s.send(msg(hello=pb.Hello(network=NETWORK, version=1, origin=a.origin,
                                            verifier_key=a.vkey, nonce=own_nonce)))
            try:
                while True:
                    m = await s.recv(t)
                    if m.WhichOneof("kind") == "hello":
                        break
            except websockets.ConnectionClosed as e:
                raise Outcome(1, "the node closed before its Hello (%s): it should wait for "
                              "the proof" % close_info(e))
            # Signed by another key than the one claimed.
            sig = me.sign(HELLO_PREFIX + NETWORK.encode() + b"\n" + m.hello.nonce + own_nonce)
            await s.send(msg(hello_proof=pb.HelloProof(signature=sig)))
            t0 = time.monotonic()
            try:
                while time.monotonic() - t0 < t:
                    m = await s.recv(t)
                    if m.WhichOneof("kind") == "vector":
                        raise Outcome(1, "the node accepted a forged HelloProof for %s and "
                                      "sent its vector" % a.origin)
            except websockets.ConnectionClosed as e:
                raise Outcome(0, "a forged HelloProof claiming %s: the node closed the "
                              "session (%s)%s" % (a.origin, close_info(e), s.said()))
            raise Outcome(1, "forged HelloProof: the session is still open after %.0f s" % t)
        elif mode == "forged-checkpoint":
            need(a, "origin", "vkey")
            name, pub = parse_vkey(a.vkey)
            _, vector = await handshake(s, mirror_name(me), me, t)
            held = parse_checkpoint(vector[a.origin])[1] if a.origin in vector else 0
            note = sign_note(checkpoint_text(a.origin, held + 5, os.urandom(32)), a.origin,
                             Ed25519PrivateKey.generate(), kid=key_id(name, 1, pub))
            await s.send(msg(checkpoint=pb.SignedCheckpoint(origin=a.origin, note=note)))
            await s.wait_closed(t, "a checkpoint of %s at size %d with a forged signature" % (
                a.origin, held + 5))
        elif mode == "unknown-log":
            origin = "remacto.ma/commune-fantome"
            k = Ed25519PrivateKey.generate()
            _, vector = await handshake(s, mirror_name(me), me, t)
            note = sign_note(checkpoint_text(origin, 3, os.urandom(32)), origin, k)
            await s.send(msg(checkpoint=pb.SignedCheckpoint(origin=origin, note=note)))
            await expect_ignored(s, t, vector, "a checkpoint of %s (not in the registry)" % origin,
                                 True)
        elif mode == "unrequested-entries":
            origin = a.origin or "remacto.ma/registry"
            _, vector = await handshake(s, mirror_name(me), me, t)
            held = parse_checkpoint(vector[origin])[1] if origin in vector else 0
            await s.send(msg(entries=pb.Entries(request_id=424242, origin=origin, start=held,
                                                entries=[fake_entry(0), fake_entry(1)])))
            await s.wait_closed(t, "an Entries answer nobody asked for")
        elif mode == "bad-entries":
            need(a, "origin", "key")
            priv = load_key(a.key)
            _, vector = await handshake(s, a.origin, priv, t)
            if a.origin not in vector:
                raise Outcome(3, "the node's vector has no checkpoint of %s" % a.origin)
            held = parse_checkpoint(vector[a.origin])[1]
            k = 3
            note = sign_note(checkpoint_text(a.origin, held + k, os.urandom(32)), a.origin, priv)
            await s.send(msg(checkpoint=pb.SignedCheckpoint(origin=a.origin, note=note)))
            t0 = time.monotonic()
            answered = False
            try:
                while time.monotonic() - t0 < t:
                    m = await s.recv(t)
                    if m.WhichOneof("kind") != "get_entries" or answered:
                        continue
                    g = m.get_entries
                    if g.origin != a.origin or g.start != held or g.proof_size != held + k:
                        raise Outcome(1, "unexpected request %s (wanted %s from %d to %d)" % (
                            describe(m), a.origin, held, held + k))
                    await s.send(msg(entries=pb.Entries(
                        request_id=g.request_id, origin=g.origin, start=g.start,
                        entries=[fake_entry(i) for i in range(g.count)])))
                    answered = True
                    s.log("answered %s with entries that do not match the signed root" %
                          describe(m))
            except websockets.ConnectionClosed as e:
                if not answered:
                    raise Outcome(1, "the node closed the session before asking for the "
                                  "entries (%s)%s" % (close_info(e), s.said()))
                raise Outcome(0, "entries of %s that do not reproduce the signed root: the "
                              "node closed the session (%s)%s" % (a.origin, close_info(e),
                                                                  s.said()))
            raise Outcome(1, "bad entries: %s after %.0f s" % (
                "the session is still open" if answered else "the node never asked", t))
        elif mode == "flood":
            await handshake(s, mirror_name(me), me, t)
            small = msg(vector=pb.CheckpointVector())
            sent = 0
            t0 = time.monotonic()
            try:
                while sent < a.flood and time.monotonic() - t0 < t:
                    await s.send(small)
                    sent += 1
                    if sent % 256 == 0:
                        await asyncio.sleep(0)
            except websockets.ConnectionClosed as e:
                raise Outcome(0, "a flood: the node closed the session after %d messages in "
                              "%.2f s (%s)" % (sent, time.monotonic() - t0, close_info(e)))
            rate = sent / max(time.monotonic() - t0, 1e-6)
            s.log("sent %d messages in %.2f s (%.0f/s)" % (sent, time.monotonic() - t0, rate))
            await s.wait_closed(t, "a flood of %d messages at %.0f/s" % (sent, rate))
        elif mode == "send-note":
            need(a, "origin", "note")
            with open(a.note, "rb") as f:
                note = f.read()
            await handshake(s, mirror_name(me), me, t)
            await s.send(msg(checkpoint=pb.SignedCheckpoint(origin=a.origin, note=note)))
            await s.wait_closed(t, "a checkpoint of %s the registry does not allow" % a.origin)
        elif mode == "aside-note":
            need(a, "origin", "note")
            with open(a.note, "rb") as f:
                note = f.read()
            _, vector = await handshake(s, mirror_name(me), me, t)
            await s.send(msg(checkpoint=pb.SignedCheckpoint(origin=a.origin, note=note)))
            await expect_ignored(s, t, vector, "a checkpoint of %s to set aside" % a.origin, False)
    except websockets.ConnectionClosed as e:
        raise Outcome(1 if mode in ("bad-entries", "unknown-log", "send-note",
                                    "forged-checkpoint", "flood", "unrequested-entries")
                      else 0, "%s: the connection closed early (%s)%s" % (
                          mode, close_info(e), s.said()))


def need(a, *names):
    for n in names:
        if not getattr(a, n):
            raise Outcome(2, "mode %s needs --%s" % (a.mode, n))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True)
    p.add_argument("--ca", help="CA bundle of the node's certificate")
    p.add_argument("--mode", required=True, choices=MODES)
    p.add_argument("--pb", required=True, help="scratch folder for the generated modules")
    p.add_argument("--proto", default=os.path.join(here, "..", "..", "proto"))
    p.add_argument("--origin")
    p.add_argument("--vkey")
    p.add_argument("--key")
    p.add_argument("--note")
    p.add_argument("--identity", help="PEM Ed25519 key of the mirror identity (default: fresh)")
    p.add_argument("--source", help="local address to connect from (127.0.0.x)")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--flood", type=int, default=20000, help="messages sent at most")
    p.add_argument("--sessions", type=int, default=32, help="anon-flood: sessions at once")
    p.add_argument("--hold", type=float, default=30.0, help="anon-flood: seconds it lasts")
    p.add_argument("--rounds", type=int, default=16, help="until-refused: violations at most")
    p.add_argument("--min-refusal", type=int, default=5,
                   help="until-refused: seconds of refusal that end it")
    a = p.parse_args()
    t0 = time.monotonic()
    # Writes after the node dropped the connection (the flood) are expected: not worth a line.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    def log(line):
        print("hostile_peer: [%5.2f] %s" % (time.monotonic() - t0, line), flush=True)

    try:
        load_protos(a.pb, a.proto)
        bound = a.timeout * 3 + 10 + (a.hold + a.timeout if a.mode == "anon-flood" else 0)
        if a.mode == "until-refused":
            bound = 60 + 2 * a.min_refusal
        asyncio.run(asyncio.wait_for(run(a, log), bound))
    except Outcome as o:
        print("hostile_peer %s: %s: %s" % (a.mode, "ok" if o.status == 0 else "FAIL", o.what))
        return o.status
    except asyncio.TimeoutError:
        print("hostile_peer %s: FAIL: no outcome within the time bound" % a.mode)
        return 1
    except Exception as e:
        print("hostile_peer %s: FAIL: %r" % (a.mode, e))
        return 2
    print("hostile_peer %s: FAIL: the run ended without an outcome" % a.mode)
    return 1


if __name__ == "__main__":
    sys.exit(main())
