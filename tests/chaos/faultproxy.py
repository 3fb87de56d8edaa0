#!/usr/bin/python3
"""faultproxy — a fault-injecting TCP proxy between two peers, loopback only.

One Link listens on 127.0.0.1 (a free port) and forwards every connection to a target port on
127.0.0.1, byte for byte, unless a fault is set. Faults apply to the chunks read from either
side from the moment they are set, on live connections and new ones:

  pass                  forward as is
  delay MS              hold each chunk MS milliseconds before forwarding it (latency and, as
                        chunks are forwarded in order, a throughput cap)
  drop P                discard each chunk with probability P (bytes missing mid-stream)
  corrupt P             flip one random bit in each chunk with probability P (line noise)
  truncate BYTES        forward BYTES more bytes of each connection, then close it
  reset P               close the connection after each chunk with probability P
  blackhole             read and discard everything, forward nothing, close nothing (a stalled
                        link: the worst case for timeouts)
  partition             close every connection and refuse new ones (accept, then close)

It knows nothing of TLS or WebSocket: under TLS, corrupted or dropped bytes end the TLS session
(what line noise does to a real link); over ws:// they reach the peer protocol's decoder.

A ProxySet runs its links on one asyncio loop in a thread; set() is thread-safe. Randomness
comes from a seeded random.Random, so a schedule's fault parameters are reproducible (when a
fault hits a chunk still depends on how the kernel cuts the stream into reads).

Standalone, for trying a fault by hand:
    faultproxy.py TARGET_PORT [MODE [ARG]]     prints the port it listens on, runs until Ctrl-C
"""
import asyncio
import random
import sys
import threading

CHUNK = 64 << 10
MODES = ("pass", "delay", "drop", "corrupt", "truncate", "reset", "blackhole", "partition")


class Link:
    """One listening port forwarding to one target port; its connections."""

    def __init__(self, name, target_port, rng):
        self.name = name
        self.target = target_port
        self.port = None
        self.mode, self.arg = "pass", 0
        self.rng = rng
        self.server = None
        self.conns = set()        # (client writer, upstream writer)
        self.stats = {"conns": 0, "bytes": 0, "faulted": 0}

    async def start(self):
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    def set(self, mode, arg=0):
        if mode not in MODES:
            raise ValueError("faultproxy: unknown mode %r" % mode)
        self.mode, self.arg = mode, arg
        if mode == "partition":
            for pair in list(self.conns):
                for w in pair:
                    if w:
                        w.transport.abort()

    async def _accept(self, creader, cwriter):
        self.stats["conns"] += 1
        if self.mode == "partition":
            cwriter.transport.abort()
            return
        try:
            ureader, uwriter = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.target), 5)
        except (OSError, asyncio.TimeoutError):
            cwriter.transport.abort()
            return
        pair = (cwriter, uwriter)
        self.conns.add(pair)
        budget = {"left": None}   # truncate: bytes still to forward on this connection
        try:
            await asyncio.gather(self._pump(creader, uwriter, pair, budget),
                                 self._pump(ureader, cwriter, pair, budget))
        finally:
            self.conns.discard(pair)
            for w in pair:
                w.transport.abort()

    async def _pump(self, reader, writer, pair, budget):
        while True:
            try:
                data = await reader.read(CHUNK)
            except (OSError, asyncio.IncompleteReadError):
                data = b""
            if not data:
                for w in pair:
                    w.transport.abort()
                return
            self.stats["bytes"] += len(data)
            mode, arg = self.mode, self.arg
            if mode == "blackhole":
                self.stats["faulted"] += 1
                continue
            if mode == "partition":
                return
            if mode == "delay":
                await asyncio.sleep(arg / 1000.0)
            elif mode == "drop" and self.rng.random() < arg:
                self.stats["faulted"] += 1
                continue
            elif mode == "corrupt" and self.rng.random() < arg:
                b = bytearray(data)
                i = self.rng.randrange(len(b))
                b[i] ^= 1 << self.rng.randrange(8)
                data = bytes(b)
                self.stats["faulted"] += 1
            elif mode == "truncate":
                if budget["left"] is None:
                    budget["left"] = int(arg)
                data = data[:budget["left"]]
                budget["left"] -= len(data)
            try:
                if data:
                    writer.write(data)
                    await writer.drain()
            except (OSError, ConnectionError):
                return
            if mode == "truncate" and budget["left"] <= 0:
                self.stats["faulted"] += 1
                for w in pair:
                    w.transport.abort()
                return
            if mode == "reset" and self.rng.random() < arg:
                self.stats["faulted"] += 1
                for w in pair:
                    w.transport.abort()
                return


class ProxySet:
    """Links on one event loop in a daemon thread. Every method may be called from any thread."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.links = {}
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def _call(self, coro_or_fn, timeout=10):
        if asyncio.iscoroutine(coro_or_fn):
            return asyncio.run_coroutine_threadsafe(coro_or_fn, self.loop).result(timeout)

        async def wrap():
            return coro_or_fn()
        return asyncio.run_coroutine_threadsafe(wrap(), self.loop).result(timeout)

    def add(self, name, target_port):
        """A new link to target_port; returns the port it listens on."""
        link = Link(name, target_port, random.Random(self.rng.random()))
        self._call(link.start())
        self.links[name] = link
        return link.port

    def set(self, name, mode, arg=0):
        link = self.links[name]
        self._call(lambda: link.set(mode, arg))

    def heal(self):
        for name in self.links:
            self.set(name, "pass")

    def close(self):
        async def shut():
            for link in self.links.values():
                link.set("partition")
                link.server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        try:
            self._call(shut())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
            # Closed here, in the thread that made it, not by the collector at exit (which
            # printed "Exception ignored in BaseEventLoop.__del__").
            if not self.thread.is_alive():
                self.loop.close()


def main(argv):
    if len(argv) < 2 or not argv[1].isdigit():
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    ps = ProxySet(0)
    port = ps.add("cli", int(argv[1]))
    if len(argv) > 2:
        ps.set("cli", argv[2], float(argv[3]) if len(argv) > 3 else 0)
    print(port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    ps.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
