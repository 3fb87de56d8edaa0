#!/bin/sh
# The man pages (docs/man, shipped by the Debian package) stay true to the code: groff formats
# them without a warning; remacto(1) has a section for every command of `remacto --help` and
# names every option of every `remacto <command> --help`; remactod(8) names every option of
# `remactod --help`; remacto.conf(5) documents every key of the configuration parser
# (node/core/config.c) under its [section].
. "$(dirname "$0")/lib.sh"
MAN="$TESTS/../docs/man"
PY=/usr/bin/python3

for p in remacto.1 remactod.8 remacto.conf.5; do
	check "groff formats $p without a warning" sh -c \
		"groff -man -ww -z '$MAN/$p' 2>&1 | (! grep .)"
done

# Options as the man source writes them: \-\-name.
in_page() { grep -q -- "$(printf '%s' "$2" | sed 's/-/\\\\-/g')" "$MAN/$1"; }
missing=""
for c in $("$REMACTO" --help | awk '/^commands:/ { on = 1; next } on && !NF { exit } on { print $1 }'); do
	grep -qx ".SS $c" "$MAN/remacto.1" || missing="$missing $c"
done
check_eq "remacto.1 has a section for every command of remacto --help" "" "$missing"
missing=""
for c in $("$REMACTO" --help | awk '/^commands:/ { on = 1; next } on && !NF { exit } on { print $1 }'); do
	for o in $("$REMACTO" "$c" --help 2>&1 | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
		[ "$o" = --help ] && continue
		in_page remacto.1 "$o" || missing="$missing $c:$o"
	done
done
check_eq "remacto.1 names every option of every command's --help" "" "$missing"
missing=$($PY - "$REMACTO" "$MAN/remacto.1" <<'PY'
import re, subprocess, sys
remacto, page = sys.argv[1], open(sys.argv[2]).read()
top = subprocess.run([remacto, "--help"], capture_output=True, text=True).stdout
cmds = re.findall(r"^  ([a-z]+) ", top.split("commands:", 1)[1].split("\n\n", 1)[0], re.M)
out = []
for c in cmds:
    h = subprocess.run([remacto, c, "--help"], capture_output=True, text=True)
    h = h.stdout + h.stderr
    if not re.match(r"usage: remacto %s <action>" % c, h):
        continue
    for act in sorted(set(re.findall(r"^  ([a-z][a-z-]*)  ", h, re.M))):
        esc = re.escape(act.replace("-", "\\-"))
        # a tagged paragraph that starts with the action: \fBaction ..., \fBaction\fR, .B action
        if not re.search(r"^(\\fB%s[ \\]|\.B %s$)" % (esc, esc), page, re.M):
            out.append("%s:%s" % (c, act))
print(" ".join(out))
PY
)
check_eq "remacto.1 describes every action of member, log and the other <action> commands" "" "$missing"
missing=""
for o in $("$BUILD/remactod" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
	in_page remactod.8 "$o" || missing="$missing $o"
done
"$BUILD/remactod" --help | grep -q '^  -n ' && ! grep -q '^\.B \\-n$' "$MAN/remactod.8" && missing="$missing -n"
check_eq "remactod.8 names every option of remactod --help" "" "$missing"

missing=$($PY - "$TESTS/../node/core/config.c" "$MAN/remacto.conf.5" <<'PY'
import re, sys
src, page = open(sys.argv[1]).read(), open(sys.argv[2]).read()
keys = re.findall(r'\{\s*"([a-z]+)",\s*"([a-z_]+)",\s*K_', src)
# Each [section] of the page: the text from its .SH to the next .SH.
sections = dict(re.findall(r'\.SH "\[([a-z]+)\]"\n(.*?)(?=\n\.SH )', page, re.S))
out = []
for sec, key in keys:
    body = sections.get(sec, "")
    if not re.search(r'^\.(B|BR|TP)\b.*\b%s\b' % re.escape(key).replace("_", r"\\?_"), body, re.M):
        out.append("[%s] %s" % (sec, key))
print(" ".join(out) if keys else "no keys found in config.c")
PY
)
check_eq "remacto.conf.5 documents every key of node/core/config.c under its section" "" "$missing"
finish
