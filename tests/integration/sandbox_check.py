#!/usr/bin/python3
"""Checks an strace log of remactod against the sandbox of deploy/remactod.service.

usage: sandbox_check.py UNIT STRACE_LOG

Reads from the unit: SystemCallFilter= lines (allow lists and ~deny lists, expanded with
`systemd-analyze syscall-filter`), RestrictAddressFamilies=, MemoryDenyWriteExecute=. Reports
every system call the node made that the filter would refuse, every socket family it opened
that the unit does not allow, and every mapping that MemoryDenyWriteExecute= would refuse
(mmap with PROT_WRITE|PROT_EXEC, mprotect or pkey_mprotect with PROT_EXEC). Prints one line
per finding and exits 1 when there is any; prints the counts and exits 0 otherwise.
"""
import re
import subprocess
import sys

_groups = {}


def group(name):
    """The system calls of a named set (@name), recursively."""
    if name not in _groups:
        out = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                             capture_output=True, text=True).stdout
        calls = set()
        for line in out.splitlines()[1:]:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            calls |= group(line) if line.startswith("@") else {line}
        _groups[name] = calls
    return _groups[name]


def expand(items):
    out = set()
    for it in items:
        out |= group(it) if it.startswith("@") else {it}
    return out


def unit_settings(path):
    allow, deny, families, mdwe = None, set(), None, False
    for raw in open(path):
        line = raw.strip()
        if line.startswith("SystemCallFilter="):
            v = line.split("=", 1)[1]
            if v.startswith("~"):
                deny |= expand(v[1:].split())
            else:
                allow = (allow or set()) | expand(v.split())
        elif line.startswith("RestrictAddressFamilies="):
            families = set(line.split("=", 1)[1].split())
        elif line.startswith("MemoryDenyWriteExecute="):
            mdwe = line.split("=", 1)[1] in ("yes", "true", "1")
    return allow, deny, families, mdwe


def main():
    unit, log = sys.argv[1], sys.argv[2]
    allow, deny, families, mdwe = unit_settings(unit)
    call_re = re.compile(r"^(?:\[pid\s+)?\d+\]?\s+([a-z_][a-z0-9_]*)\((.*)$")
    seen, bad = {}, []
    for line in open(log, errors="replace"):
        m = call_re.match(line)
        if not m:
            continue
        name, rest = m.group(1), m.group(2)
        seen[name] = seen.get(name, 0) + 1
        if name == "socket" and families is not None:
            fam = rest.split(",", 1)[0].strip()
            if fam.startswith("AF_") and fam not in families:
                bad.append("socket family %s is not in RestrictAddressFamilies=: %s"
                           % (fam, line.strip()))
        if mdwe and name == "mmap" and "PROT_WRITE" in rest and "PROT_EXEC" in rest:
            bad.append("MemoryDenyWriteExecute= refuses: " + line.strip())
        if mdwe and name in ("mprotect", "pkey_mprotect") and "PROT_EXEC" in rest:
            bad.append("MemoryDenyWriteExecute= refuses: " + line.strip())
    for name in sorted(seen):
        if (allow is not None and name not in allow) or name in deny:
            bad.append("system call %s (%d calls) is refused by SystemCallFilter=" %
                       (name, seen[name]))
    for b in bad:
        print(b)
    if not seen:
        print("no system call in %s: was strace running?" % log)
        return 1
    print("%d distinct system calls, %d calls, %d refused by the sandbox"
          % (len(seen), sum(seen.values()), len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
