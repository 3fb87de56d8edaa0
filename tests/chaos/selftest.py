#!/usr/bin/python3
"""selftest — checks the chaos runner's own parts before they judge the nodes: each fault of
faultproxy.py does what it says on a loopback echo server, schedules are a function of their
seed, and the JSON comparison finds a difference. Prints "ok - ..." / "not ok - ..."; exit 1 on
a failure. Bounded: every socket operation has a time-out, the whole run takes about 2 s.
"""
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
import schedule  # noqa: E402
from faultproxy import ProxySet  # noqa: E402

FAILS = []


def result(ok, what):
    print("%s - chaos self-test: %s" % ("ok" if ok else "not ok", what))
    if not ok:
        FAILS.append(what)


def echo_server():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)

    def serve(c):
        with c:
            c.settimeout(5)
            try:
                while True:
                    d = c.recv(65536)
                    if not d:
                        return
                    c.sendall(d)
            except OSError:
                return

    def loop():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return srv


def exchange(port, payload, want, timeout=3):
    """Sends payload through the proxy; returns what came back (up to want bytes, EOF or
    time-out)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    got = b""
    try:
        s.sendall(payload)
        while len(got) < want:
            d = s.recv(65536)
            if not d:
                break
            got += d
    except OSError:
        pass
    finally:
        s.close()
    return got


def main():
    srv = echo_server()
    ps = ProxySet(7)
    port = ps.add("t", srv.getsockname()[1])
    data = bytes(range(256)) * 16
    try:
        result(exchange(port, data, len(data)) == data, "pass forwards bytes unchanged")
        ps.set("t", "corrupt", 1.0)
        got = exchange(port, data, len(data))
        result(len(got) == len(data) and got != data, "corrupt 1.0 flips bits, keeps the length")
        ps.set("t", "truncate", 150)
        got = exchange(port, data[:100], 100)
        result(got == data[:50], "truncate 150 forwards 150 bytes of a connection (100 out, 50 "
               "back), then closes it (%d came back)" % len(got))
        ps.set("t", "drop", 1.0)
        result(exchange(port, data, len(data), timeout=0.5) == b"", "drop 1.0 forwards nothing")
        ps.set("t", "partition")
        result(exchange(port, data, len(data)) == b"", "partition refuses connections")
        ps.set("t", "pass")
        result(exchange(port, data, len(data)) == data, "pass again after a fault")
    finally:
        ps.close()
        srv.close()
    a = schedule.make(42, schedule.FAULTS, 6, 3)
    b = schedule.make(42, schedule.FAULTS, 6, 3)
    c = schedule.make(43, schedule.FAULTS, 6, 3)
    result(a == b and a != c, "a schedule is a function of its seed")
    def backed_up(sched):
        steps = sched["steps"]
        return all(any(b["kind"] == "backup" and b["node"] == r["node"] for b in steps[:i])
                   for i, r in enumerate(steps) if r["kind"].startswith("restore"))
    result(all(backed_up(schedule.make(seed, ("restore-up", "restore-down"), 6, 3))
               for seed in range(50)), "every restore has an earlier backup of its node")
    result(check.diff({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == "/a/1/b: 2 / 3"
           and check.diff({"a": 1}, {"a": 1}) is None, "the JSON comparison finds the path")
    verdicts()
    return 1 if FAILS else 0


class FakeNode:
    name, alive = "m1", staticmethod(lambda: True)


class FakeFed:
    """Serves one log of 3 entries; the verifiers' verdicts are what is checked."""
    plain, dir, nodes = True, "/nonexistent", {"m1": FakeNode()}

    def __init__(self, origin):
        self.origin = origin

    def get_json(self, node, path, timeout=5):
        return {"logs": [{"origin": self.origin, "slug": "s", "size": 3,
                          "checkpoint": "o\n3\nAAAA\n\n— o sig\n"}]}

    def url(self, node, path):
        return "http://127.0.0.1:9" + path


def verdicts():
    """check.served reports a log the independent verifier rejects, or whose key the runner
    does not know, as corrupt, and nothing when it verifies (true/false stand in for it)."""
    keys = {"o": [(0, "o+00000000+AAAA")]}
    ok = check.served(FakeFed("o"), "/bin/true", keys)
    bad = check.served(FakeFed("o"), "/bin/false", keys)
    unknown = check.served(FakeFed("x"), "/bin/true", keys)
    good = ok == [] and [i for i, _ in bad + unknown] == ["corrupt", "corrupt"]
    result(good, "a log the verifier rejects, or of an unknown key, is corrupt%s" % (
        "" if good else " (%r %r %r)" % (ok, bad, unknown)))
    hist = [(0, "k1"), (10, "k2"), (23, "k3")]
    result([check.key_at(hist, n) for n in (9, 10, 22, 23, 40)] == ["k1", "k2", "k2", "k3", "k3"],
           "the key a checkpoint needs is the registry's at its size")


if __name__ == "__main__":
    sys.exit(main())
