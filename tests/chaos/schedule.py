"""schedule — a chaos schedule is a pure function of its seed and the faults allowed: the
transport (TLS or plain ws://), then a short list of steps, each a fault with its node and its
parameters drawn from random.Random(seed). Printing a schedule and running the same seed with
the same fault list gives the same steps (what the nodes do in between still depends on timing).

Each step ends with the federation whole again (nodes restarted, links healed, disk freed),
except rotations (permanent, like in production) and suspensions (lifted by a later step or by
the final heal). Restores need a backup taken earlier: one is added at a random earlier point,
so that the federation moves on between the backup and the restore (a stale backup).
"""
import random

FAULTS = (
    "kill-publish",    # SIGKILL a member's node while entries are published through it
    "kill-catchup",    # SIGKILL a node, publish a bulk elsewhere, start it, SIGKILL it mid-way
    "restore-up",      # replace a member's ledger by an earlier backup, peers reachable
    "restore-down",    # the same with every other node down, publishing tried meanwhile
    "rotate-correct",  # node stopped, rotate-key from the next size, restart with the new key
    "rotate-late",     # rotate-key while the node keeps publishing with the old key a while
    "rotate-forced",   # rotate-key from a size the network already holds (--force)
    "suspend",         # suspend a member at its size under publishing, reinstate (maybe later)
    "partition",       # cut a node off, or split the federation in two
    "proxy-delay", "proxy-drop", "proxy-corrupt", "proxy-truncate", "proxy-reset",
    "proxy-blackhole",  # faults on peer links (faultproxy.py)
    "disk-full",       # a member's data folder full under publishing, then freed
    "map-full",        # a member's node on a fixed LMDB map just above its data, publishing
    "http-pipeline",   # issue 9's one packet: a request with a body pipelined after another
)
PROXY_ARG = {   # fault -> (low, high) of its argument
    "proxy-delay": (20, 600), "proxy-drop": (0.01, 0.3), "proxy-corrupt": (0.01, 0.3),
    "proxy-truncate": (64, 32768), "proxy-reset": (0.02, 0.3), "proxy-blackhole": (0, 0),
}


def r2(x):
    return round(x, 2)


def make(seed, faults, max_steps, members):
    """The schedule of seed: {"seed", "plain", "steps": [step dict, ...]}."""
    rng = random.Random(seed)
    faults = sorted(faults)
    ms = ["m%d" % i for i in range(1, members + 1)]
    nodes = ["registry"] + ms
    plain = rng.random() < 0.5
    steps, backups = [], set()
    for _ in range(rng.randint(max(1, max_steps // 2), max_steps)):
        kind = rng.choice(faults)
        m = rng.choice(ms)
        s = {"kind": kind}
        if kind == "kill-publish":
            s.update(node=m, focus_s=r2(rng.uniform(0.2, 1.5)), down_s=r2(rng.uniform(0, 2)))
        elif kind == "kill-catchup":
            s.update(node=rng.choice(nodes), bulk=rng.randint(1000, 4000),
                     delay_ms=rng.randint(50, 200))
        elif kind in ("restore-up", "restore-down"):
            s.update(node=m)
            if kind == "restore-down":
                s.update(alone_s=r2(rng.uniform(0.5, 2)))
            if m not in backups:
                steps.insert(rng.randint(0, len(steps)),
                             {"kind": "backup", "node": m, "hot": rng.random() < 0.7})
                backups.add(m)
        elif kind == "rotate-correct":
            s.update(node=m)
        elif kind == "rotate-late":
            s.update(node=m, race_s=r2(rng.uniform(0.2, 1.5)))
        elif kind == "rotate-forced":
            s.update(node=m, back=r2(rng.uniform(0.2, 0.9)))
        elif kind == "suspend":
            s.update(node=m, hold_s=r2(rng.uniform(0.5, 3)), lift=rng.random() < 0.6)
        elif kind == "partition":
            if rng.random() < 0.5:
                s.update(node=rng.choice(nodes), side=[])
            else:
                side = rng.sample(nodes, rng.randint(1, len(nodes) - 1))
                s.update(node=None, side=sorted(side))
            s.update(hold_s=r2(rng.uniform(1, 5)))
        elif kind.startswith("proxy-"):
            lo, hi = PROXY_ARG[kind]
            arg = rng.randint(lo, hi) if isinstance(lo, int) else r2(rng.uniform(lo, hi))
            node = rng.choice(nodes)
            peer = rng.choice([n for n in nodes if n != node]) if rng.random() < 0.4 else None
            s.update(node=node, peer=peer, arg=arg, hold_s=r2(rng.uniform(1, 6)))
        elif kind in ("disk-full", "map-full"):
            s.update(node=m, hold_s=r2(rng.uniform(1, 4)))
        elif kind == "http-pipeline":
            s.update(node=rng.choice(nodes))
        steps.append(s)
    return {"seed": seed, "plain": plain, "steps": steps}


def describe(step):
    """One line for a step."""
    k = step["kind"]
    extra = " ".join("%s=%s" % (key, v) for key, v in step.items()
                     if key not in ("kind", "node", "side") and v not in (None, []))
    where = step.get("node") or "split " + "+".join(step.get("side", []))
    return ("%s %s %s" % (k, where, extra)).rstrip()


def lines(sched):
    out = ["transport %s" % ("plain ws://" if sched["plain"] else "TLS wss://")]
    out += ["step %d: %s" % (i + 1, describe(s)) for i, s in enumerate(sched["steps"])]
    return out
