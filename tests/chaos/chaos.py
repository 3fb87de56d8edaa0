#!/usr/bin/python3
"""chaos — runs seeded random fault schedules against a local federation and checks, after
each, that no acknowledged entry was lost, that honest members have no evidence against them,
that the federation converges, that every node computes the same compliance and that every
node answers /healthz (check.py).

    chaos.py --build BUILD [--schedules N] [--seed S] [--faults F,F,...|all] [--steps K]
             [--members M] [--keep DIR]

Schedule i runs with seed S + i (schedule.py); a failure prints its seed, its steps and what
failed, and `chaos.py --seed THAT --schedules 1 --faults SAME` replays the same steps. Output:
"ok - ..." / "not ok - ..." per schedule, then one line
"chaos: N schedules, F failed; lost L, false-evidence E, frozen Z, down W, unhealthy U,
not-converged C, compliance D, witness-times T, step-error X, corrupt K" (counts of schedules where each invariant failed;
check.py says what each one means). Exit 1 when any schedule failed.

While a schedule runs, a publisher thread posts small batches to the members' admin APIs and
records every acknowledged index; steps are faults with durations (the durations shape the
load, they do not wait for anything: every wait for a state is a bounded poll).
"""
import argparse
import collections
import ctypes
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check  # noqa: E402
import schedule  # noqa: E402
from fed import Fed, FedError, REGISTRY, entry, poll  # noqa: E402
from faultproxy import ProxySet  # noqa: E402

MAX_ENTRIES = 20000   # per schedule, publisher and bulks together
REPLICATE_S = 60      # before a restore: the federation takes what the node acknowledged
MAX_LINES, MAX_LINE = 12, 600   # of a failed schedule's report
ROTATE_S = 30         # a key rotation reaches the member's node (gossip, one hop)
MAP_HEADROOM = 128 << 10   # map-full: the fixed map's room above data.mdb
CREATE_TRIES = 3      # federations made for a schedule when a chosen port was taken meanwhile
PIPELINED = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
             b"POST /api/v1/logs HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")


class Publisher(threading.Thread):
    """Publishes small batches to members, mostly to the focused one; records acknowledgements."""

    def __init__(self, fed, seed):
        super().__init__(daemon=True)
        self.fed, self.rng, self.seed = fed, random.Random(seed ^ 0x5eed), seed
        self.lock = threading.Lock()
        self.acks = collections.defaultdict(dict)   # origin -> {index: id}
        self.doubles = []
        self.codes = collections.Counter()
        self.focus, self.exclude = None, set()
        self.halt = threading.Event()
        self.sent = 0
        self.busy = None          # the member a request is in flight to

    def idle(self, name):
        with self.lock:
            return self.busy != name

    def acked(self):
        with self.lock:
            return {o: dict(a) for o, a in self.acks.items()}

    def publish_once(self, node, n, tag="p"):
        """Posts n entries to node; records them when acknowledged; returns the status."""
        with self.lock:
            if self.sent + n > MAX_ENTRIES and tag != "final":
                return "cap"
            first = self.sent
            self.sent += n
            self.busy = node.name
        ids = ["%d-%s%d" % (self.seed, tag, first + i) for i in range(n)]
        st, body = self.fed.publish(node, [entry(i) for i in ids], timeout=15)
        with self.lock:
            self.busy = None
            self.codes[st] += 1
            if st == 200 and body:
                for i, ix in zip(ids, body.get("indexes", [])):
                    known = self.acks[node.origin].get(int(ix))
                    if known is not None and known != i:
                        self.doubles.append((node.origin, int(ix), known, i))
                    self.acks[node.origin][int(ix)] = i
        return st

    def run(self):
        members = self.fed.members()
        while not self.halt.is_set():
            with self.lock:
                focus, exclude = self.focus, set(self.exclude)
            choice = [m for m in members if m.name not in exclude]
            if focus and focus not in exclude and self.rng.random() < 0.7:
                node = self.fed.nodes[focus]
            elif choice:
                node = self.rng.choice(choice)
            else:
                self.halt.wait(0.05)
                continue
            n = 50 if self.rng.random() < 0.05 else self.rng.randint(1, 4)
            if self.publish_once(node, n) == "cap":
                self.halt.wait(0.2)
            self.halt.wait(self.rng.uniform(0.01, 0.08))   # load shaping, not a wait for state

    def set(self, focus=None, exclude=()):
        with self.lock:
            self.focus, self.exclude = focus, set(exclude)


class Runner:
    def __init__(self, args, sched, workdir):
        self.args, self.sched = args, sched
        self.seed = sched["seed"]
        self.proxies = ProxySet(self.seed)
        self.fed = Fed(args.top, args.build, os.path.join(workdir, "fed"), args.members,
                       sched["plain"], self.seed)
        self.workdir = workdir
        self.pub = None
        self.failures = []
        self.notes = []
        self.allowed = set()      # origins that may have evidence (late or forced rotation)
        self.suspended = set()
        self.backups = {}
        self.keys = 0
        self.vkeys = {}           # origin -> [(from size, verifier key)] as the registry has it
        self.converge_s = None
        self.kept = None          # where the folder of a failed schedule was copied

    def fail(self, inv, msg):
        self.failures.append((inv, msg))

    def node(self, name):
        return self.fed.nodes[name]

    # ---- steps -------------------------------------------------------------------------------

    def st_kill_publish(self, s):
        m = self.node(s["node"])
        self.pub.set(focus=m.name)
        time.sleep(s["focus_s"])
        self.fed.kill(m)
        time.sleep(s["down_s"])
        self.fed.start(m)
        self.pub.set()

    def st_kill_catchup(self, s):
        """Kills x, publishes a bulk elsewhere, starts x behind slowed links (faultproxy
        delay) and kills it again as soon as it holds part of the bulk (bounded poll)."""
        x = self.node(s["node"])
        others = [m for m in self.fed.members() if m is not x]
        self.pub.set(exclude=[x.name])
        v = self.fed.view(x) or {}
        self.fed.kill(x)
        before = {m.origin: v.get(m.origin, (0, ""))[0] for m in others}
        left = s["bulk"]
        while left > 0:
            n = min(left, 500)
            self.pub.publish_once(others[left // 500 % len(others)], n, tag="bulk")
            left -= n
        target = {m.origin: self.fed.size_on(m, m.origin) or 0 for m in others}
        links = self.links_of({"kind": "proxy-delay", "node": x.name})
        for k in links:
            self.proxies.set(k, "delay", s["delay_ms"])
        self.fed.start(x)

        def midway():
            for o, t in target.items():
                held = self.fed.size_on(x, o)
                if held is not None and before[o] < held < t:
                    return "%s %d of %d" % (o.rsplit("/", 1)[-1], held, t)
            return None
        where = poll(15, midway, step=0.02)
        self.fed.kill(x)
        for k in links:
            self.proxies.set(k, "pass")
        self.notes.append("kill-catchup: %s killed %s" % (
            x.name, "while it held " + where if where else "(no partial catch-up seen)"))
        self.fed.start(x)
        self.pub.set()

    def st_backup(self, s):
        m = self.node(s["node"])
        dest = os.path.join(self.workdir, "backup-%s-%d" % (m.name, len(self.backups)))
        self.fed.backup(m, dest, s["hot"])
        self.backups[m.name] = dest

    def replicated(self, m):
        """Bounded wait until no publication to m is in flight and another node holds every
        entry m acknowledged."""
        poll(20, lambda: self.pub.idle(m.name), step=0.05)
        want = max(self.pub.acked().get(m.origin, {0: 0})) + 1
        others = [n for n in self.fed.nodes.values() if n is not m]
        ok = poll(REPLICATE_S, lambda: any((self.fed.size_on(n, m.origin) or 0) >= want
                                           for n in others), step=0.2)
        if not ok:
            self.fail("not-converged", "no other node took %s's %d acknowledged entries in %d s"
                      " (before its restore)" % (m.name, want, REPLICATE_S))

    def st_restore_up(self, s):
        m = self.node(s["node"])
        self.pub.set(exclude=[m.name])
        self.replicated(m)
        self.fed.kill(m)
        self.fed.restore(m, self.backups[m.name])
        self.fed.start(m)
        self.pub.set()

    def st_restore_down(self, s):
        m = self.node(s["node"])
        self.pub.set(exclude=[m.name])
        self.replicated(m)
        for n in self.fed.nodes.values():
            self.fed.kill(n)
        self.fed.restore(m, self.backups[m.name])
        self.fed.start(m)
        self.pub.set(focus=m.name)
        time.sleep(s["alone_s"])
        for n in self.fed.nodes.values():
            if n is not m:
                self.fed.start(n)
        self.pub.set()

    def own_size(self, m):
        return self.fed.size_on(m, m.origin) or 0

    def rotate(self, m, from_size, force):
        """Appends the rotation to the registry; the new key's path once the member's node
        holds that registry entry (bounded wait), None when the CLI refused."""
        self.keys += 1
        path, vk = self.fed.new_key(m, "%d" % self.keys)
        args = ["rotate-key", "--origin", m.origin, "--verifier-key", vk]
        if from_size is not None:
            args += ["--from-size", str(from_size)]
        if force and self.fed.safe_cli():
            args.append("--force")
        r = self.fed.registry_cli(*args)
        self.notes.append("rotate-key %s from %s%s: exit %d %s" % (
            m.name, from_size if from_size is not None else "(default)",
            " --force" if "--force" in args else "", r.returncode,
            r.stderr.strip().replace("\n", " ")[:200]))
        if r.returncode != 0:
            return None
        # The size the rotation takes effect from, as the CLI says it (its default, or ours).
        said = re.search(r"of size (\d+) and more", r.stderr + r.stdout)
        self.vkeys[m.origin].append((int(said.group(1)) if said else from_size or 0, vk))
        reg = self.fed.nodes[REGISTRY].origin
        want = int(r.stdout.split()[-1])
        if not poll(ROTATE_S, lambda: (self.fed.size_on(m, reg) or 0) >= want, step=0.1):
            self.fail("not-converged", "%s's node did not receive its key rotation (registry"
                      " size %d) within %d s" % (m.name, want, ROTATE_S))
        return path

    def authority_holds(self, m, size):
        """Bounded wait until the authority's node holds m's log at size or more."""
        reg = self.fed.nodes[REGISTRY]
        if not poll(ROTATE_S, lambda: (self.fed.size_on(reg, m.origin) or 0) >= size, step=0.1):
            self.fail("not-converged", "the authority's node did not get %s's log at size %d "
                      "within %d s" % (m.name, size, ROTATE_S))

    def st_rotate_correct(self, s):
        """The runbook: publications paused, the node running; once the authority's node holds
        the member's log at its size, the rotation from the next size (the CLI's default when
        it has one); the node restarted with the new key once it holds the registry entry."""
        m = self.node(s["node"])
        self.pub.set(exclude=[m.name])
        poll(10, lambda: self.pub.idle(m.name), step=0.05)
        size = self.own_size(m)
        reg = self.fed.nodes[REGISTRY]
        if m.name in self.suspended:
            # Suspended, the member's node may hold entries past the suspension size (published
            # before it learnt of it), which no node takes while the suspension lasts: when the
            # authority's node does not get there, the rotation from the CLI's default is a late
            # one, evidence of the old key past it allowed as for rotate-late.
            if not poll(5, lambda: (self.fed.size_on(reg, m.origin) or 0) >= size, step=0.1):
                self.notes.append("rotate-correct %s: suspended, its node holds %d, the "
                                  "authority's node %d: a late rotation" % (
                                      m.name, size, self.fed.size_on(reg, m.origin) or 0))
                self.allowed.add(m.origin)
        else:
            self.authority_holds(m, size)
        path = self.rotate(m, None if self.fed.safe_cli() else size + 1, False)
        self.fed.stop(m)
        if path:
            self.fed.use_key(m, path)
        self.fed.start(m)
        self.pub.set()

    def st_rotate_late(self, s):
        """The rotation while the member's node goes on publishing (the runbook's bad case:
        published between noting its size and the rotation), then the restart with the new
        key race_s later. With the safe CLI the size is its default, which lags behind what
        the member's node signs meanwhile."""
        m = self.node(s["node"])
        self.pub.set(focus=m.name)
        path = self.rotate(m, None if self.fed.safe_cli() else self.own_size(m) + 1, False)
        if path:
            self.allowed.add(m.origin)
        time.sleep(s["race_s"])
        self.fed.stop(m)
        if path:
            self.fed.use_key(m, path)
        self.fed.start(m)
        self.pub.set()

    def st_rotate_forced(self, s):
        m = self.node(s["node"])
        path = self.rotate(m, max(1, int(self.own_size(m) * s["back"])), True)
        if path:
            self.allowed.add(m.origin)
            self.fed.stop(m)
            self.fed.use_key(m, path)
            self.fed.start(m)

    def reinstate(self, m):
        if self.fed.safe_cli():
            r = self.fed.registry_cli("reinstate", "--origin", m.origin)
        else:
            r = self.fed.registry_cli("suspend", "--origin", m.origin, "--lift")
        if r.returncode != 0:
            self.fail("step-error", "reinstating %s: exit %d %s" % (
                m.name, r.returncode, r.stderr.strip()[:200]))
        self.suspended.discard(m.name)

    def st_suspend(self, s):
        """The runbook: suspend (at the size the authority's node holds, the CLI's default
        when it has one) under publishing; reinstate in the step or at the end."""
        m = self.node(s["node"])
        if m.name in self.suspended:
            return
        size = [] if self.fed.safe_cli() else ["--at-size", str(self.own_size(m))]
        r = self.fed.registry_cli("suspend", "--origin", m.origin, *size)
        if r.returncode != 0:
            self.fail("step-error", "suspending %s: exit %d %s" % (
                m.name, r.returncode, r.stderr.strip()[:200]))
            return
        self.suspended.add(m.name)
        self.pub.set(focus=m.name)
        time.sleep(s["hold_s"])
        self.pub.set()
        if s["lift"]:
            self.reinstate(m)

    def links_of(self, s):
        if s["kind"] == "partition" and not s.get("node"):
            side = set(s["side"])
            return [k for k, (a, b) in self.fed.links.items() if (a in side) != (b in side)]
        node, peer = s["node"], s.get("peer")
        return [k for k, (a, b) in self.fed.links.items()
                if node in (a, b) and (peer is None or peer in (a, b))]

    def st_links(self, s):
        mode = "partition" if s["kind"] == "partition" else s["kind"][len("proxy-"):]
        links = self.links_of(s)
        for k in links:
            self.proxies.set(k, mode, s.get("arg", 0))
        time.sleep(s["hold_s"])
        for k in links:
            self.proxies.set(k, "pass")

    def st_disk_full(self, s):
        m = self.node(s["node"])
        how = self.fed.fill_disk(m)
        self.notes.append("disk-full %s: %s" % (m.name, how))
        self.pub.set(focus=m.name)
        time.sleep(s["hold_s"])
        self.fed.free_disk(m)
        self.pub.set()

    def st_map_full(self, s):
        """Storage full the way LMDB sees it: the member's node restarted with a fixed map
        (REMACTO_MAPSIZE) MAP_HEADROOM bytes above its data.mdb, publishing focused on it for
        hold_s, then restarted with its normal map (the runbook's cure: a bigger mapsize_mb).
        Where the store still grows its map on demand, this is a map doubling under load."""
        m = self.node(s["node"])
        self.fed.stop(m)
        size = os.path.getsize(os.path.join(m.data, "data.mdb"))
        cap = (size + MAP_HEADROOM + 4095) // 4096 * 4096
        self.fed.start(m, env={"REMACTO_MAPSIZE": str(cap)})
        before = self.own_size(m)
        self.pub.set(focus=m.name)
        time.sleep(s["hold_s"])
        self.pub.set()
        poll(10, lambda: self.pub.idle(m.name), step=0.05)
        full = sum("storage full" in line for line in m.log_tail(400))
        self.notes.append("map-full %s: map %d bytes (data.mdb %d), own log %d -> %d, %d "
                          "'storage full' lines in its log" % (
                              m.name, cap, size, before, self.own_size(m), full))
        self.fed.stop(m)
        self.fed.start(m)

    def st_http_pipeline(self, s):
        x = self.node(s["node"])
        raw = socket.create_connection(("127.0.0.1", x.pub), timeout=5)
        try:
            sock = raw
            if not self.fed.plain:
                sock = self.fed.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
            sock.sendall(PIPELINED)
            try:
                sock.recv(4096)
            except (OSError, ssl.SSLError):
                pass
        finally:
            raw.close()

    # ---- one schedule --------------------------------------------------------------------------

    def boundary(self, label):
        """Between steps: every node runs and answers /healthz; a dead or frozen one is
        recorded and started again, so that the schedule goes on."""
        for inv, msg in check.health(self.fed):
            self.fail(inv, "%s: %s" % (label, msg))
            node = next(n for n in self.fed.nodes.values() if msg.startswith(n.name + " "))
            try:
                self.fed.kill(node)
                self.fed.start(node)
            except FedError as e:
                self.fail("down", "%s: %s" % (label, e))

    def heal(self):
        self.proxies.heal()
        for m in self.fed.members():
            self.fed.free_disk(m)
        for name in sorted(self.suspended):
            self.reinstate(self.node(name))
        for n in self.fed.nodes.values():
            if not n.alive():
                try:
                    self.fed.start(n)
                except FedError as e:
                    self.fail("down", "the heal: %s" % e)

    def run(self):
        t0 = time.monotonic()
        self.fed.reap_nodes()
        self.fed.create(self.proxies, self.args.tmpfs)
        self.vkeys = self.fed.vkeys()
        self.pub = Publisher(self.fed, self.seed)
        self.pub.start()
        for i, s in enumerate(self.sched["steps"]):
            label = "step %d (%s)" % (i + 1, schedule.describe(s))
            try:
                fn = (self.st_links if s["kind"] == "partition" or s["kind"].startswith(
                    "proxy-") else getattr(self, "st_" + s["kind"].replace("-", "_")))
                fn(s)
            except FedError as e:
                self.fail("down" if "does not start" in str(e) else "step-error",
                          "%s: %s" % (label, e))
            self.boundary("after " + label)
        self.pub.halt.set()
        self.pub.join(30)
        self.heal()
        self.boundary("after the heal")
        as_of = time.strftime("%Y-%m-%d", time.gmtime())
        healed = time.monotonic()
        end = healed + check.CONVERGE_S
        for f in check.final_publish(self.fed, self.pub, end):
            self.fail(*f)
        errs, took = check.convergence(self.fed, self.pub, healed, end)
        for f in errs:
            self.fail(*f)
        self.converge_s = took
        if took is not None:
            self.notes.append("converged %.1f s after the heal" % took)
        for f in check.acknowledged(self.fed, self.pub) + check.evidence(self.fed, self.allowed):
            self.fail(*f)
        if took is not None:   # compliance of nodes that hold different logs differs: no news
            for f in check.compliance(self.fed, as_of):
                self.fail(*f)
        for f in check.health(self.fed, final=True):
            self.fail(*f)
        # Nothing corrupt: what the nodes serve, read by an independent verifier, then every
        # data folder after a SIGKILL of every node, read by the project's own.
        if self.args.goverify:
            for f in check.served(self.fed, self.args.goverify, self.vkeys):
                self.fail(*f)
        for f in check.offline(self.fed):
            self.fail(*f)
        acked = sum(len(a) for a in self.pub.acked().values())
        self.notes.append("%d entries acknowledged (answers: %s); %.0f s" % (
            acked, " ".join("%s×%d" % (k, v) for k, v in sorted(
                self.pub.codes.items(), key=lambda kv: str(kv[0]))), time.monotonic() - t0))

    def close(self, keep=None):
        """Stops everything; with keep, copies the schedule's folder there first."""
        if self.pub:
            self.pub.halt.set()
        try:
            self.fed.kill_all()
            self.fed.stop_reaper()
            if keep:
                shutil.copytree(self.workdir, keep, symlinks=True, dirs_exist_ok=True)
        finally:
            self.fed.unmount()
            self.proxies.close()


def attempt_schedule(args, sched, seed):
    """Runs one schedule in a folder of its own; returns its Runner (failures, notes)."""
    work = tempfile.mkdtemp(prefix="remacto-chaos.")
    r = Runner(args, sched, work)
    try:
        r.run()
    except Exception as e:   # the runner's own trouble is a failure too, with its trace
        r.fail("step-error", "%s: %s" % (type(e).__name__, e))
        traceback.print_exc(file=sys.stdout)
    finally:
        keep = os.path.join(args.keep, "seed-%d" % seed) if args.keep and r.failures else None
        r.kept = keep
        try:
            r.close(keep)
        except Exception as e:
            r.fail("step-error", "cleanup: %s" % e)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return r


def sharded(args, master, faults):
    """--jobs N: the schedules split into N contiguous seed ranges, each run by a chaos.py of
    its own (its own federations, ports, tmpfs and subreaper); their reports printed in seed
    order once all ended, and added up into one summary. A schedule spends most of its time in
    bounded waits for the nodes, so a few run side by side on 2 cores."""
    per = -(-args.schedules // args.jobs)
    out_dir = tempfile.mkdtemp(prefix="remacto-chaos-jobs.")
    procs = []
    for k in range(args.jobs):
        first = k * per
        n = min(per, args.schedules - first)
        if n <= 0:
            break
        cmd = [sys.executable, os.path.abspath(__file__), "--build", args.build,
               "--seed", str(master + first), "--schedules", str(n), "--faults",
               ",".join(faults), "--steps", str(args.steps), "--members", str(args.members),
               "--tmpfs", "yes" if args.tmpfs else "no", "--jobs", "1"]
        for opt in ("keep", "goverify", "tolerate"):
            if getattr(args, opt):
                cmd += ["--" + opt, getattr(args, opt)]
        out = os.path.join(out_dir, "job-%d.out" % k)
        print("# job %d: seeds %d-%d, its report in %s while it runs" % (
            k, master + first, master + first + n - 1, out), flush=True)
        with open(out, "w") as f:
            procs.append((subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL), out))
    try:
        for p, _ in procs:
            p.wait()
    except KeyboardInterrupt:
        for p, _ in procs:
            p.terminate()   # each unwinds as on Ctrl-C: nodes killed, folders removed
        for p, _ in procs:
            p.wait()
        raise
    counts, total, failed, took = collections.Counter(), 0, 0, []
    for k, (p, out) in enumerate(procs):
        with open(out, errors="replace") as f:
            text = f.read()
        summary = None
        for line in text.splitlines():
            if line.startswith("chaos: "):
                summary = line
            elif not line.startswith(("# chaos: seed", "# convergence after")):
                print(line)
            m = re.match(r"^#   converged ([0-9.]+) s after the heal", line)
            if m:
                took.append(float(m.group(1)))
        m = summary and re.match(r"chaos: (\d+) schedules, (\d+) failed; (.*)$", summary)
        if not m:
            print("not ok - job %d exited with status %s without its summary" % (
                k, p.returncode))
            failed += 1
            continue
        total += int(m.group(1))
        failed += int(m.group(2))
        for name, v in re.findall(r"([a-z][a-z -]*?) (\d+)(?=;|,|$)", m.group(3)):
            counts[name.strip()] += int(v)
    shutil.rmtree(out_dir, ignore_errors=True)
    return total, failed, counts, took


def summarize(schedules, failed, counts, took):
    """Prints the convergence times and the summary line; the exit status."""
    if took:
        took.sort()
        print("# convergence after the heal (%d schedules): median %.1f s, max %.1f s" % (
            len(took), took[len(took) // 2], took[-1]))
    print("chaos: %d schedules, %d failed; lost %d, false-evidence %d, frozen %d, down %d, "
          "unhealthy %d, not-converged %d, compliance %d, witness-times %d, step-error %d, "
          "corrupt %d%s" % (
              schedules, failed, counts["lost"], counts["false-evidence"],
              counts["frozen"], counts["down"], counts["unhealthy"], counts["not-converged"],
              counts["compliance"], counts["witness-times"], counts["step-error"],
              counts["corrupt"], "".join(
                  "; %s %d" % (k, v) for k, v in sorted(counts.items())
                  if k.startswith("tolerated "))))
    sys.stdout.flush()
    return 1 if failed else 0


def interrupted(signum, frame):
    raise KeyboardInterrupt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--schedules", type=int, default=1)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--faults", default="all")
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--members", type=int, default=3)
    ap.add_argument("--keep", default=None, help="copy the folder of a failed schedule here")
    ap.add_argument("--tmpfs", choices=("auto", "yes", "no"), default="auto")
    ap.add_argument("--jobs", type=int, default=1, help="schedules run side by side, each "
                    "job a contiguous range of seeds in a chaos.py of its own")
    ap.add_argument("--goverify", default=None, help="the independent verifier's binary "
                    "(tests/integration/goverify, run.sh builds it); without it only the "
                    "project's own verifier reads the logs, which the output says")
    ap.add_argument("--tolerate", default="", help="invariants reported but not failed, e.g. "
                    "witness-times while its fix is pending (make test's short form)")
    args = ap.parse_args()
    args.top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args.build = os.path.abspath(args.build)
    faults = schedule.FAULTS if args.faults == "all" else tuple(args.faults.split(","))
    bad = [f for f in faults if f not in schedule.FAULTS]
    if bad:
        print("chaos: unknown fault %s (known: %s)" % (", ".join(bad), ", ".join(
            schedule.FAULTS)), file=sys.stderr)
        return 2
    # A full disk: a tmpfs of our own when this process may mount one (run.sh starts it in a
    # user and mount namespace), else RLIMIT_FSIZE with SIGXFSZ ignored (inherited by nodes).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    # The nodes federation.sh starts outlive its shell: as their subreaper this process gets
    # their exit status, so that a node found dead says how it died (PR_SET_CHILD_SUBREAPER).
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
    # SIGTERM (make or CI giving up) unwinds like Ctrl-C: every node is killed, folders removed.
    signal.signal(signal.SIGTERM, interrupted)
    args.tmpfs = {"yes": True, "no": False}.get(args.tmpfs, os.environ.get(
        "CHAOS_MOUNT_NS") == "1")
    master = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    print("# chaos: seed %d, %d schedule(s), faults %s, full disk by %s, logs verified by %s"
          % (master, args.schedules, ",".join(faults), "tmpfs (ENOSPC)" if args.tmpfs
             else "RLIMIT_FSIZE (EFBIG)", "remacto log verify and goverify" if args.goverify
             else "remacto log verify only (no goverify)"), flush=True)
    if args.jobs > 1 and args.schedules > 1:
        return summarize(*sharded(args, master, faults))
    counts = collections.Counter()
    failed = 0
    took = []
    for i in range(args.schedules):
        seed = master + i
        sched = schedule.make(seed, faults, args.steps, args.members)
        for attempt in range(1, CREATE_TRIES + 1):
            r = attempt_schedule(args, sched, seed)
            # A free port taken by another program between federation.sh's choice and the
            # node's bind (the machine is shared): the federation is made again, new ports.
            clash = r.failures and all(inv == "step-error" and (
                "is taken by another program" in msg or "address in use" in msg)
                for inv, msg in r.failures)
            if not clash or attempt == CREATE_TRIES:
                break
            print("#   seed %d: a port was taken while the federation was made; made again" %
                  seed)
        if r.converge_s is not None:
            took.append(r.converge_s)
        tolerated = [(inv, m) for inv, m in r.failures if inv in args.tolerate.split(",")]
        r.failures = [(inv, m) for inv, m in r.failures if inv not in args.tolerate.split(",")]
        invs = sorted({inv for inv, _ in r.failures})
        counts.update(invs)
        counts.update({"tolerated " + inv for inv, _ in tolerated})
        head = "schedule %d/%d seed %d: %d steps" % (i + 1, args.schedules, seed,
                                                     len(sched["steps"]))
        if r.failures:
            failed += 1
            print("not ok - %s: %s" % (head, ", ".join(invs)))
            for line in schedule.lines(sched):
                print("#   " + line)
            for inv, msg in r.failures[:MAX_LINES]:
                print("#   FAIL %s: %s" % (inv, msg[:MAX_LINE]))
            if len(r.failures) > MAX_LINES:
                print("#   … and %d more failures" % (len(r.failures) - MAX_LINES))
            print("#   replay: tests/chaos/run.sh --build %s --seed %d --schedules 1 "
                  "--faults %s --steps %d" % (args.build, seed, ",".join(faults), args.steps))
            if r.kept:
                print("#   kept in %s" % r.kept)
        else:
            print("ok - %s: %s" % (head, "; ".join(schedule.describe(s)
                                                     for s in sched["steps"])))
        for inv, msg in tolerated:
            print("#   tolerated %s: %s" % (inv, msg))
        for n in r.notes:
            print("#   " + n)
        sys.stdout.flush()
    return summarize(args.schedules, failed, counts, took)


if __name__ == "__main__":
    sys.exit(main())
