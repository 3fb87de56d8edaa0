"""check — the invariants a chaos schedule must leave intact, once its faults are healed:

  lost            no node serves another entry at an index acknowledged for an entry (its
                  evidence id), nodes serve it byte for byte the same, no index was acknowledged
                  twice, and some node serves it (unless its author's node is down: then it is
                  unavailable, counted as not-converged); a node that lacks it while others
                  serve it has not converged
  false-evidence  no node holds equivocation evidence against a member that did nothing wrong
                  (members whose key was rotated late or by force may have some: the schedule
                  made them sign with a key the registry no longer allowed at that size)
  not-converged   within CONVERGE_S every node holds the same logs at the same sizes and roots,
                  every acknowledged entry included, and every member can publish again
  compliance      every node computes the same /api/v1/compliance (overview and each member's
                  report, as of the same date), within COMPLIANCE_S
  witness-times   the same, where only lastWitnessed / witnessedSize differ: the verdicts agree
                  but a cosignature did not reach every node
  frozen          every running node answers /healthz (one that does not is frozen)
  unhealthy       after the heal, /healthz says 200 (not 503 "degraded") on every node
  down            every node runs (a node that exited, or does not start again, is down)
  corrupt         every log every node serves verifies with an independent verifier (Go's
                  sumdb/tlog and sumdb/note, tests/integration/goverify: the checkpoint under
                  the log's current key, every tile against the signed root, every entry's leaf
                  hash), and, once every node is killed with SIGKILL, every log of every data
                  folder verifies offline with the project's own (`remacto log verify`: every
                  entry rehashed, every stored tree hash rebuilt, the checkpoint's signature)

Each check returns a list of (invariant, message).
"""
import base64
import json
import os
import subprocess
import time

from fed import REGISTRY, poll

CONVERGE_S = 90     # from the heal, publishing and convergence: PEER_BACKOFF_MAX_S (60) + 30 s
COMPLIANCE_S = 30
HEALTH_S = 10
# Fields of the compliance JSON that are the node's own and not the ledger's: none. The whole
# document is compared, as of one date given to every node (as-of otherwise defaults to each
# node's clock). docs/RELIABILITY.md says why.
NODE_LOCAL = ()
# The fields that come from the cosignatures a node holds: they differ when a cosignature did
# not reach every node, reported apart ("witness-times") from a difference in the verdict.
WITNESS_FIELDS = ("lastWitnessed", "witnessedSize")


def health(fed, final=False):
    """Every node runs and answers /healthz; after the heal (final) it answers 200."""
    out = []
    for node in fed.nodes.values():
        if not node.alive():
            out.append(("down", "%s is not running (%s); the end of its log: %s" % (
                node.name, node.exit or "exit status unknown",
                " | ".join(l.strip()[:200] for l in node.log_tail(3)))))
            continue
        want = (200,) if final else (200, 503)
        seen = []
        poll(HEALTH_S, lambda: seen.append(fed.health(node, timeout=3)) or seen[-1] in want,
             step=0.5)
        st = seen[-1]
        if st is None:
            out.append(("frozen", "%s (pid %d) runs but /healthz did not answer in %d s" %
                        (node.name, node.pid(), HEALTH_S)))
        elif st not in want:
            out.append(("unhealthy", "%s answers /healthz with %s after the heal" % (
                node.name, st)))
    return out


def final_publish(fed, pub, end):
    """Every member publishes one more entry (until end, monotonic): the federation works."""
    out = []
    for node in fed.members():
        if not node.alive():
            out.append(("not-converged", "%s cannot publish after the heal: it is down" %
                        node.name))
            continue
        last = None
        while True:
            last = pub.publish_once(node, 1, tag="final")
            if last == 200 or time.monotonic() >= end:
                break
            time.sleep(0.2)
        if last != 200:
            out.append(("not-converged", "%s cannot publish after the heal (last answer %s)"
                        % (node.name, last)))
    return out


def converged(fed, want, nodes):
    """Same logs, sizes and roots on the nodes, each member log at least want[origin]."""
    views = []
    for node in nodes:
        v = fed.view(node)
        if v is None:
            return False
        views.append(v)
    if any(v != views[0] for v in views):
        return False
    return all(views[0].get(o, (0, ""))[0] >= n for o, n in want.items())


def convergence(fed, pub, t0, end):
    """Polls until the federation converged or end (monotonic); (failures, seconds since t0
    or None)."""
    up = [n for n in fed.nodes.values() if n.alive()]
    down = [n.name for n in fed.nodes.values() if n not in up]
    # A node that is down holds back nothing but its own log's unreplicated part.
    want = {o: max(ix) + 1 for o, ix in pub.acked().items()
            if ix and next(m for m in fed.members() if m.origin == o).name not in down}
    if poll(max(5, end - time.monotonic()), lambda: converged(fed, want, up), step=0.25):
        if down:
            return [("not-converged", "the nodes that run converged, but %s %s down" % (
                ", ".join(down), "is" if len(down) == 1 else "are"))], None
        return [], time.monotonic() - t0
    lines = []
    for node in up:
        v = fed.view(node) or {}
        lines.append("%s: %s" % (node.name, " ".join(
            "%s=%d" % (o.rsplit("/", 1)[-1], v[o][0]) for o in sorted(v))))
    return [("not-converged", "no convergence%s within %d s (acknowledged: %s); %s" % (
        " of the nodes that run" if down else "", CONVERGE_S, " ".join("%s=%d" % (o.rsplit("/", 1)[-1], n) for o, n in sorted(
            want.items())), "; ".join(lines)))], None


def entries(fed, node, slug, upto):
    """{index: (raw bytes, evidence id or None)} for [0, upto) as the node serves them."""
    got, start = {}, 0
    while start < upto:
        j = fed.get_json(node, "/api/v1/logs/%s/entries?start=%d&limit=1000" % (slug, start),
                         timeout=10)
        if not j or not j.get("entries"):
            break
        for e in j["entries"]:
            ev = (e.get("entry") or {}).get("evidence") or {}
            got[int(e["index"])] = (base64.b64decode(e["raw"]), ev.get("id"))
        start = int(j["entries"][-1]["index"]) + 1
    return got


def acknowledged(fed, pub):
    out = []
    by_origin = {n.origin: n for n in fed.members()}
    for origin, acks in sorted(pub.acked().items()):
        if not acks:
            continue
        slug = by_origin[origin].slug
        served = {node.name: entries(fed, node, slug, max(acks) + 1)
                  for node in fed.nodes.values()}
        lost, missing, unavailable = [], [], []
        author = by_origin[origin]
        for ix, want_id in sorted(acks.items()):
            holders, raws, other = [], set(), []
            for name, got in sorted(served.items()):
                raw, ev_id = got.get(ix, (None, None))
                if raw is None:
                    continue
                if ev_id != "EV-" + want_id:
                    other.append("%s holds %s" % (name, ev_id))
                holders.append(name)
                raws.add(raw)
            if not holders and author.alive():
                lost.append("%d (no node serves it)" % ix)
            elif not holders:
                unavailable.append(ix)
            elif other:
                lost.append("%d (%s)" % (ix, ", ".join(other)))
            elif len(raws) > 1:
                lost.append("%d (nodes serve different bytes)" % ix)
            elif len(holders) < len(served):
                missing.append(ix)
        if lost:
            out.append(("lost", "%s: %d of %d acknowledged entries lost: %s" % (
                slug, len(lost), len(acks), ", ".join(lost[:6]))))
        if missing:
            out.append(("not-converged", "%s: %d acknowledged entries (%d…%d) are missing on"
                        " some nodes" % (slug, len(missing), missing[0], missing[-1])))
        if unavailable:
            out.append(("not-converged", "%s: %d acknowledged entries (%d…%d) only ever reached"
                        " their author's node, which is down" % (
                            slug, len(unavailable), unavailable[0], unavailable[-1])))
    for origin, ix, a, b in pub.doubles:
        out.append(("lost", "%s: index %d acknowledged for EV-%s, then for EV-%s" %
                    (origin.rsplit("/", 1)[-1], ix, a, b)))
    return out


def evidence(fed, allowed):
    out = []
    for node in fed.nodes.values():
        if not node.alive():
            continue    # reported as down already
        j = fed.get_json(node, "/api/v1/evidence")
        if j is None:
            out.append(("frozen", "%s: no answer from /api/v1/evidence" % node.name))
            continue
        bad = sorted({e.get("origin", "?") for e in j.get("evidence", [])} - allowed)
        if bad:
            out.append(("false-evidence", "%s holds evidence against %s" % (
                node.name, ", ".join(o.rsplit("/", 1)[-1] for o in bad))))
    return out


def strip(doc, fields=NODE_LOCAL):
    if isinstance(doc, dict):
        return {k: strip(v, fields) for k, v in doc.items() if k not in fields}
    if isinstance(doc, list):
        return [strip(v, fields) for v in doc]
    return doc


def diff(a, b, path=""):
    """The first path where two JSON documents differ, with both values."""
    if type(a) is not type(b):
        return "%s: %r / %r" % (path or "/", a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                return diff(a.get(k), b.get(k), path + "/" + k)
    elif isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d / %d items" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return diff(x, y, "%s/%d" % (path, i))
    elif a != b:
        return "%s: %r / %r" % (path, a, b)
    return None


def witnesses(fed, path, names):
    """For a member's report: the cosignatures each named node holds of its newest
    checkpoints ("witness size time"), to tell which one did not travel."""
    if not path.startswith("/api/v1/compliance/"):
        return ""
    slug = path.split("?")[0].rsplit("/", 1)[-1]
    out = []
    for name in names:
        j = fed.get_json(fed.nodes[name], "/api/v1/logs/%s/witnesses" % slug) or {}
        w = j.get("witnesses", [])[:4]
        out.append("%s: %s" % (name, ", ".join("%s@%s %s" % (
            x["witness"].rsplit("/", 1)[-1], x["size"], x["time"][11:19]) for x in w)))
    return " (cosignatures held: %s)" % "; ".join(out)


def compliance(fed, as_of):
    """Polls until every node serves the same compliance documents; then [] or the
    differences, as "witness-times" when only the witness fields differ (a cosignature that
    did not reach every node), else as "compliance"."""
    paths = ["/api/v1/compliance?as-of=" + as_of] + [
        "/api/v1/compliance/%s?as-of=%s" % (m.slug, as_of) for m in fed.members()]
    last = []

    def same():
        last.clear()
        for path in paths:
            docs = {}
            for node in fed.nodes.values():
                st, body = fed.get(node, path, timeout=10)
                if st != 200:
                    last.append(("compliance", "%s: %s answers %s" % (node.name, path, st)))
                    return False
                docs[node.name] = strip(json.loads(body))
            ref = docs[REGISTRY]
            for name, d in docs.items():
                if d == ref:
                    continue
                inv = ("witness-times" if strip(d, WITNESS_FIELDS) == strip(ref, WITNESS_FIELDS)
                       else "compliance")
                last.append((inv, "%s: %s differs from the registry node's at %s%s" % (
                    name, path.split("?")[0], diff(ref, d), witnesses(
                        fed, path, [REGISTRY, name]))))
        return not last
    if poll(COMPLIANCE_S, same, step=0.5):
        return []
    return last[:4]


def key_at(keys, size):
    """The key a checkpoint of size must be signed by: keys is [(from size, verifier key)], the
    admission's from 0 and each rotation's from its size, in the order the registry took them
    (it refuses a rotation from a size at or below an earlier one's): the last that covers size."""
    vk = None
    for frm, k in keys:
        if size >= frm:
            vk = k
    return vk


def served(fed, goverify, vkeys):
    """The independent verifier over what every running node serves: `goverify tiles` of each
    log the node lists, its checkpoint under the key the registry gives at that checkpoint's
    size as the runner made it (vkeys: origin -> [(from size, verifier key)], the authority's
    from federation.sh, each member's admission and rotations), every entry checked (step 1)."""
    out = []
    env = dict(os.environ)
    if not fed.plain:
        env["SSL_CERT_FILE"] = os.path.join(fed.dir, "tls", "ca.pem")
    for node in fed.nodes.values():
        if not node.alive():
            continue
        j = fed.get_json(node, "/api/v1/logs", timeout=10)
        if j is None:
            out.append(("frozen", "%s: no answer from /api/v1/logs" % node.name))
            continue
        for log in j.get("logs", []):
            origin = log["origin"]
            if origin not in vkeys:
                out.append(("corrupt", "%s serves a log the runner never made: %s" % (
                    node.name, origin)))
                continue
            lines = (log.get("checkpoint") or "").split("\n")
            size = int(lines[1]) if len(lines) > 2 and lines[1].isdigit() else 0
            if size == 0:
                continue
            vk = key_at(vkeys[origin], size)
            url = fed.url(node, "/logs/" + log["slug"])
            try:
                r = subprocess.run([goverify, "tiles", url, vk, "1"], capture_output=True,
                                   text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
                rc, msg = r.returncode, (r.stderr or r.stdout).strip()
            except subprocess.TimeoutExpired:
                rc, msg = -1, "goverify did not finish in 120 s"
            if rc != 0:
                out.append(("corrupt", "%s: %s (checkpoint %d, tree %s) does not verify with "
                            "Go's tlog under the key the registry gives at %d: %s" % (
                                node.name, log["slug"], size, log.get("size"), size,
                                msg[-300:])))
    return out


def offline(fed):
    """The project's own verifier over every data folder, every node killed first (SIGKILL:
    what is on disk after a crash is what must verify)."""
    fed.kill_all()
    out = []
    for node in fed.nodes.values():
        if node.alive():
            out.append(("down", "%s still runs after SIGKILL" % node.name))
            continue
        r = fed.sh(fed.remacto, "log", "list", "--data", node.data, check=False)
        if r.returncode != 0:
            out.append(("corrupt", "%s: remacto log list fails on its data folder: %s" % (
                node.name, r.stderr.strip()[-300:])))
            continue
        for line in r.stdout.splitlines():
            f = line.split()
            if not f:
                continue
            v = fed.sh(fed.remacto, "log", "verify", "--data", node.data, "--origin", f[0],
                       check=False, timeout=300)
            if v.returncode != 0:
                out.append(("corrupt", "%s: %s does not verify: %s" % (
                    node.name, f[0], (v.stderr or v.stdout).strip()[-300:])))
    return out
