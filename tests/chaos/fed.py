"""fed — drives one local federation for the chaos runner: deploy/federation.sh makes it (mesh
topology, demo programmes published), then every peer link is routed through its own fault
proxy (faultproxy.py), and member data folders may live on a small tmpfs so that a full disk is
a real ENOSPC. Nodes are reached over their public listener (GET) and admin listener (publish),
killed with SIGKILL, stopped with SIGTERM, started again through federation.sh, backed up with
mdb_copy or a cold copy, restored; the registry is changed with the remacto CLI, as an operator
would.

Every wait here is a bounded poll of what a node serves or of a process state.
"""
import base64
import errno
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request

REGISTRY = "registry"
TMPFS_BYTES = 64 << 20


class FedError(Exception):
    pass


def poll(limit_s, fn, step=0.1):
    """Calls fn until it returns a true value or limit_s passed; returns the last value."""
    end = time.monotonic() + limit_s
    while True:
        v = fn()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


def entry(tag):
    """A small valid member entry (an evidence document) whose id is EV-tag."""
    digest = base64.b64encode(hashlib.sha256(tag.encode()).digest()).decode()
    return {"schema": 1, "evidence": {
        "id": "EV-" + tag, "url": "https://example.ma/%s.pdf" % tag, "sha256": digest,
        "mediaType": "application/pdf", "title": {"fr": "Document " + tag, "ar": "وثيقة " + tag},
        "date": "2025-06-01"}}


class Node:
    def __init__(self, fed, name, origin, pub, adm):
        self.fed, self.name, self.origin = fed, name, origin
        self.pub, self.adm = int(pub), int(adm)
        self.slug = origin.rsplit("/", 1)[-1]
        self.dir = os.path.join(fed.dir, name)
        self.data = os.path.join(self.dir, "data")
        self.conf = os.path.join(self.dir, "node.conf")
        self.tmpfs = False
        self.exit = None           # how it last ended, when known

    def pid(self):
        try:
            with open(os.path.join(self.dir, "remactod.pid")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def alive(self):
        p = self.pid()
        if not p:
            return False
        try:
            with open("/proc/%d/stat" % p) as f:
                return f.read().split(") ", 1)[1][0] != "Z"
        except OSError:
            return False

    def reap(self, p):
        """Collects the exit status of a node that died, when this process is its reaper
        (chaos.py makes itself the subreaper of the nodes federation.sh starts)."""
        try:
            done, status = os.waitpid(p, os.WNOHANG)
        except ChildProcessError:
            return True     # not ours, or reaped already
        if done:
            self.exit = ("killed by %s" % signal.Signals(os.WTERMSIG(status)).name
                         if os.WIFSIGNALED(status) else "exit %d" % os.WEXITSTATUS(status))
        return bool(done)

    def log_tail(self, n=12):
        try:
            with open(os.path.join(self.dir, "remactod.log"), errors="replace") as f:
                return f.readlines()[-n:]
        except OSError:
            return []


class Fed:
    def __init__(self, top, build, dirpath, members, plain, seed):
        self.top, self.build, self.dir = top, build, dirpath
        self.n, self.plain, self.seed = members, plain, seed
        self.fedsh = os.path.join(top, "deploy", "federation.sh")
        self.remacto = os.path.join(build, "remacto")
        self.nodes = {}
        self.links = {}          # link name "a>b" -> (dialer, target)
        self.ctx = None
        self.scheme = "http" if plain else "https"
        self._safe_cli = None
        self.reaping = threading.Event()
        self.reaper = None

    def reap_nodes(self):
        """When this process is the nodes' subreaper (chaos.py), a thread collects every node
        that exits at once: federation.sh, polling `kill -0`, must not wait on a zombie, and
        the exit status tells how a node died."""
        def loop():
            known = {}
            while not self.reaping.wait(0.05):
                for node in list(self.nodes.values()):
                    p = node.pid()
                    if p:
                        known[p] = node
                for p, node in list(known.items()):
                    if node.reap(p):
                        del known[p]
        self.reaper = threading.Thread(target=loop, daemon=True)
        self.reaper.start()

    # ---- making it -----------------------------------------------------------------------

    def sh(self, *args, timeout=120, check=True, env=None):
        # restore_signals=False: SIGXFSZ stays ignored in the nodes (see chaos.py).
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                           restore_signals=False, stdin=subprocess.DEVNULL,
                           env=dict(os.environ, **env) if env else None)
        if check and r.returncode != 0:
            raise FedError("%s: exit %d: %s" % (" ".join(os.path.basename(a) for a in args[:2]),
                                                r.returncode, (r.stderr or r.stdout)[-600:]))
        return r

    def create(self, proxies, tmpfs):
        """Makes the federation, routes its links through proxies, starts it."""
        opts = ["--plain"] if self.plain else []
        self.sh(self.fedsh, "start", self.dir, str(self.n), "--topology", "mesh", "--seed",
                "--build", self.build, *opts, timeout=180)
        with open(os.path.join(self.dir, "nodes")) as f:
            for line in f:
                name, origin, pub, adm = line.split()
                self.nodes[name] = Node(self, name, origin, pub, adm)
        if not self.plain:
            self.ctx = ssl.create_default_context(cafile=os.path.join(self.dir, "tls", "ca.pem"))
        # Proxies first, while the nodes still hold their ports: a proxy never takes one.
        by_port = {n.pub: n for n in self.nodes.values()}
        port_of = {}
        for node in self.nodes.values():
            with open(node.conf) as f:
                for m in re.finditer(r"^url = wss?://127\.0\.0\.1:(\d+)/peer$", f.read(), re.M):
                    target = by_port[int(m.group(1))]
                    name = "%s>%s" % (node.name, target.name)
                    self.links[name] = (node.name, target.name)
                    port_of[name] = proxies.add(name, target.pub)
        self.sh(self.fedsh, "stop", self.dir)
        for node in self.nodes.values():
            with open(node.conf) as f:
                text = f.read()

            def via(m):
                name = "%s>%s" % (node.name, by_port[int(m.group(2))].name)
                return "%s%d%s" % (m.group(1), port_of[name], m.group(3))
            text = re.sub(r"^(url = wss?://127\.0\.0\.1:)(\d+)(/peer)$", via, text, flags=re.M)
            with open(node.conf, "w") as f:
                f.write(text)
        if tmpfs:
            for node in self.members():
                self.to_tmpfs(node)
        self.sh(self.fedsh, "start", self.dir, timeout=120)

    def to_tmpfs(self, node):
        """Moves a (stopped) node's data folder onto its own tmpfs of TMPFS_BYTES."""
        keep = node.data + ".disk"
        os.rename(node.data, keep)
        os.mkdir(node.data, 0o700)
        self.sh("mount", "-t", "tmpfs", "-o", "size=%d,mode=700" % TMPFS_BYTES, "tmpfs",
                node.data)
        for f in os.listdir(keep):
            shutil.copy2(os.path.join(keep, f), node.data)
        shutil.rmtree(keep)
        node.tmpfs = True

    def kill_all(self):
        for node in self.nodes.values():
            if node.alive():
                try:
                    os.kill(node.pid(), signal.SIGKILL)
                except OSError:
                    pass
        # Nodes federation.sh started before the runner read DIR/nodes (interrupted while the
        # federation was being made): by their pid files.
        known = {n.pid() for n in self.nodes.values()}
        for name in (os.listdir(self.dir) if os.path.isdir(self.dir) else []):
            try:
                with open(os.path.join(self.dir, name, "remactod.pid")) as f:
                    p = int(f.read().strip())
                with open("/proc/%d/cmdline" % p, "rb") as f:
                    mine = self.dir.encode() in f.read()
            except (OSError, ValueError):
                continue
            if p not in known and mine:
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
        for node in self.nodes.values():
            poll(5, lambda: not node.alive())

    def stop_reaper(self):
        self.reaping.set()
        if self.reaper:
            self.reaper.join(5)

    def unmount(self):
        for node in self.nodes.values():
            if node.tmpfs:
                subprocess.run(["umount", "-l", node.data], capture_output=True)
                node.tmpfs = False

    # ---- nodes ---------------------------------------------------------------------------

    def members(self):
        return [n for n in self.nodes.values() if n.name != REGISTRY]

    def url(self, node, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, node.pub, path)

    def get(self, node, path, timeout=5):
        """(status, body bytes) of a GET on the public listener; (None, error) with no answer."""
        try:
            with urllib.request.urlopen(self.url(node, path), timeout=timeout,
                                        context=self.ctx) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except (OSError, ValueError, ssl.SSLError) as e:
            return None, str(e).encode()

    def get_json(self, node, path, timeout=5):
        st, body = self.get(node, path, timeout)
        if st != 200:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    def publish(self, node, entries, timeout=10):
        """POSTs entries to the node's admin API: (status, parsed body or None)."""
        try:
            with open(os.path.join(node.data, "admin.token")) as f:
                token = f.read().strip()
        except OSError:
            return None, None
        req = urllib.request.Request(
            "http://127.0.0.1:%d/api/v1/entries" % node.adm, method="POST",
            data=json.dumps(entries, ensure_ascii=False).encode(),
            headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, None
        except (OSError, ValueError):
            return None, None

    def health(self, node, timeout=5):
        return self.get(node, "/healthz", timeout)[0]

    def view(self, node):
        """{origin: (size, root)} of every log the node holds, or None."""
        j = self.get_json(node, "/api/v1/logs")
        if j is None:
            return None
        return {l["origin"]: (int(l["size"]), l["root"]) for l in j.get("logs", [])}

    def size_on(self, node, origin):
        v = self.view(node)
        return v.get(origin, (0, ""))[0] if v else None

    def offline_size(self, node):
        """The size of the (stopped) node's own log, read from its data folder."""
        out = self.sh(self.remacto, "log", "list", "--data", node.data).stdout
        for line in out.splitlines():
            f = line.split()
            if f and f[0] == node.origin:
                return int(f[1])
        raise FedError("%s: its own log is not in %s" % (node.name, node.data))

    def kill(self, node):
        """SIGKILL, then waits (bounded) until the process is gone."""
        p = node.pid()
        if p and node.alive():
            os.kill(p, signal.SIGKILL)
        if not poll(10, lambda: not node.alive()):
            raise FedError("%s (pid %s) still runs 10 s after SIGKILL" % (node.name, p))
        try:
            os.unlink(os.path.join(node.dir, "remactod.pid"))
        except OSError:
            pass

    def stop(self, node):
        self.sh(self.fedsh, "stop-node", self.dir, node.name, check=False)

    def start(self, node, env=None):
        """Starts the node and waits for /healthz (federation.sh: 20 s); FedError if not.
        env: variables added to the node's environment (REMACTO_MAPSIZE)."""
        node.exit = None    # a node that dies under federation.sh's shell is reaped there
        r = self.sh(self.fedsh, "start-node", self.dir, node.name, check=False, env=env)
        if r.returncode != 0:
            raise FedError("%s does not start: %s" % (node.name, " | ".join(
                r.stderr.strip().splitlines()[-2:])[-400:]))

    # ---- operator actions ----------------------------------------------------------------

    def backup(self, node, dest, hot):
        """A copy of the node's ledger in dest: mdb_copy while it runs, or a cold copy."""
        os.makedirs(dest)
        if hot:
            self.sh("mdb_copy", node.data, dest)
        else:
            self.stop(node)
            shutil.copy2(os.path.join(node.data, "data.mdb"), dest)
            self.start(node)

    def restore(self, node, src):
        """Replaces the (stopped) node's ledger by the backup in src: key and token stay."""
        for f in ("data.mdb", "lock.mdb"):
            try:
                os.unlink(os.path.join(node.data, f))
            except FileNotFoundError:
                pass
        shutil.copy2(os.path.join(src, "data.mdb"), node.data)

    def registry_cli(self, *args):
        """`remacto member ARGS` on the authority's data folder. While the authority's node is
        catching up with the member's log the CLI refuses to guess a size (exit 3, "run this
        again once it has caught up"): as the runbook says, it is run again (bounded, 30 s)."""
        reg = os.path.join(self.nodes[REGISTRY].data)
        end = time.monotonic() + 30
        while True:
            r = self.sh(self.remacto, "member", args[0], "--data", reg, *args[1:], check=False)
            if "once it has caught up" not in r.stderr or time.monotonic() >= end:
                return r
            time.sleep(0.5)

    def safe_cli(self):
        """True when `remacto member` has the operator safety of issue 9 (rotate-key and
        suspend default their size from what the authority's node holds and refuse a smaller
        one without --force; reinstate exists); the runner then types what the runbooks say."""
        if self._safe_cli is None:
            r = self.sh(self.remacto, "member", "--help", check=False)
            text = r.stdout + r.stderr
            self._safe_cli = "reinstate" in text and "--force" in text
        return self._safe_cli

    def new_key(self, node, tag):
        path = os.path.join(node.dir, "key-%s.key" % tag)
        vk = self.sh(self.remacto, "keygen", "--origin", node.origin, "--out", path).stdout
        return path, vk.strip()

    def use_key(self, node, path):
        with open(node.conf) as f:
            text = f.read()
        with open(node.conf, "w") as f:
            f.write(re.sub(r"^key = .*$", "key = " + path, text, flags=re.M))

    # ---- a full disk ---------------------------------------------------------------------

    def fill_disk(self, node):
        """Makes the node's data folder full: on its tmpfs, a ballast file takes every free
        byte (writes fail ENOSPC); without a tmpfs, RLIMIT_FSIZE stops data.mdb at its current
        size (writes past it fail EFBIG, SIGXFSZ being ignored)."""
        if node.tmpfs:
            path = os.path.join(node.data, "ballast")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                for block in (1 << 20, 4096, 1):
                    buf = b"\0" * block
                    try:
                        while True:
                            os.write(fd, buf)
                    except OSError as e:
                        if e.errno != errno.ENOSPC:
                            raise
            finally:
                os.close(fd)
            return "ENOSPC (tmpfs full)"
        size = os.path.getsize(os.path.join(node.data, "data.mdb"))
        _, hard = resource.prlimit(node.pid(), resource.RLIMIT_FSIZE)
        resource.prlimit(node.pid(), resource.RLIMIT_FSIZE, (size, hard))
        return "EFBIG (RLIMIT_FSIZE %d)" % size

    def vkeys(self):
        """{origin: [(0, verifier key)]} as the federation was made: the authority's from
        federation.sh's authority.vkey, each member's as its admission put it in the registry
        (the registry node's list of logs, read before any fault)."""
        with open(os.path.join(self.dir, "authority.vkey")) as f:
            auth = f.read().strip()
        j = self.get_json(self.nodes[REGISTRY], "/api/v1/logs", timeout=10)
        if j is None:
            raise FedError("the registry node does not list its logs")
        keys = {l["origin"]: [(0, l["verifierKey"])] for l in j.get("logs", [])}
        keys[self.nodes[REGISTRY].origin] = [(0, auth)]
        missing = [m.name for m in self.members() if m.origin not in keys]
        if missing:
            raise FedError("the registry node does not list the logs of %s" % ", ".join(missing))
        return keys

    def free_disk(self, node):
        if node.tmpfs:
            try:
                os.unlink(os.path.join(node.data, "ballast"))
            except FileNotFoundError:
                pass
        elif node.alive():
            _, hard = resource.prlimit(node.pid(), resource.RLIMIT_FSIZE)
            resource.prlimit(node.pid(), resource.RLIMIT_FSIZE, (hard, hard))
