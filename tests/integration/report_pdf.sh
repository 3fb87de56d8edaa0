#!/bin/sh
# The directorate's PDF reports (remacto report), read back as a person would: pdftotext
# (poppler) extracts the text of a member's report in French and in Arabic and of the national
# report, and the checks look for the status and score, every finding with its log indexes and
# the action to take, the trend, and the verification footer with the checkpoint's size and
# root as the node serves them. pdftoppm renders the first pages to PNG (kept in the build
# folder, for a person to look at).
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/ledgerfix.inc"
PY=/usr/bin/python3
A=$LEDGER_ASOF
OUTDIR="$BUILD/tests/report_pdf"
mkdir -p "$OUTDIR"

ledger_make || { notok "a ledger with a registry and three members"; finish; }
ledger_serve || { notok "a mirror node serves it"; finish; }
ok "a mirror node serves a ledger with a registry and three members"

# run EXPECTED_RC COMMAND...: stdout in $T/out, stderr in $T/err.
run() {
	want=$1; shift
	"$@" > "$T/out" 2> "$T/err"; rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit $rc, wanted $want: $*"; cat "$T/err"; return 1; }
}
# has FILE TEXT: the text is in the PDF's extracted text (whitespace folded).
has() { tr -s ' \n' '  ' < "$1" | grep -qF -- "$2"; }
# ar_has FILE TEXT: the same for Arabic. pdftotext puts spaces inside words where cairo placed
# glyph clusters one by one, wraps runs in directional marks, and writes the lam-alef ligature
# (لا) as alef then lam: both sides are compared without spaces, marks, alef and lam.
ar_has() {
	$PY -c 'import sys, unicodedata
n = lambda s: "".join(c for c in s if not c.isspace() and c not in "\u0627\u0644" and
                      unicodedata.category(c) != "Cf")
sys.exit(0 if n(sys.argv[2]) in n(open(sys.argv[1], encoding="utf-8").read()) else 1)' "$1" "$2"
}

curl -s "$URL/api/v1/compliance/rabat?as-of=$A" > "$T/rabat.json"
curl -s "$URL/api/v1/logs/rabat" > "$T/rabat-log.json"
SIZE=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["size"])' "$T/rabat-log.json")
ROOT=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["root"])' "$T/rabat-log.json")
SCORE=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["score"])' "$T/rabat.json")

check "report --member rabat --lang fr" run 0 "$REMACTO" report --member rabat --as-of $A \
	--lang fr --out "$T/rabat-fr.pdf" --url "$URL"
check "... says what it wrote" grep -q "^wrote $T/rabat-fr.pdf: [0-9]* pages\?, rabat as of $A, in fr" "$T/out"
pdftotext -layout "$T/rabat-fr.pdf" "$T/fr.txt" 2>>"$T/check.log"
check "pdftotext reads it" test -s "$T/fr.txt"
check "fr: the title and the member's name" sh -c "grep -q 'Rapport de conformité' '$T/fr.txt' && grep -q 'Commune de Rabat' '$T/fr.txt'"
check "fr: the status and the score as the node computes them" has "$T/fr.txt" "Statut : à risque Score : $SCORE/100"
check "fr: the region by its name" has "$T/fr.txt" "Rabat-Salé-Kénitra"
# every finding: its code, subject and the log indexes of its entries
$PY - "$T/rabat.json" > "$T/findings.txt" <<'PYEOF'
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    print("%s\t%s\t%s" % (f["code"], f["subject"], " ".join(str(i) for i in f["logIndexes"]) or "—"))
PYEOF
n=0 miss=0
while IFS="$(printf '\t')" read -r code subject ix; do
	n=$((n + 1))
	has "$T/fr.txt" "$code · $subject" && has "$T/fr.txt" "Entrées du journal: $ix" || { miss=$((miss + 1)); echo "missing: $code $subject $ix"; }
done < "$T/findings.txt"
check_eq "fr: all $n findings with their log indexes" "0" "$miss"
check "fr: the overdue milestone says what to do" has "$T/fr.txt" "Action: Publier une mise à jour du jalon M2 de R1"
# the command wraps over lines: compared without whitespace
check "fr: ... with the line that would do it" sh -c "tr -d ' \n' < '$T/fr.txt' | grep -qF '\"milestoneUpdate\":{\"commitmentId\":\"R1\",\"milestoneId\":\"M2\"'"
check "fr: the trend chart's months" sh -c "has() { tr -s ' \n' '  ' < \"\$1\" | grep -qF -- \"\$2\"; }; has '$T/fr.txt' 2024-06 && has '$T/fr.txt' 2025-04"
check "fr: the verification footer: the checkpoint's size" has "$T/fr.txt" "Taille: $SIZE"
check "fr: ... and its root" has "$T/fr.txt" "Racine: $ROOT"
check "fr: ... and the signed note" grep -q "^ *remacto.ma/rabat$" "$T/fr.txt"

check "report --member rabat --lang ar" run 0 "$REMACTO" report --member remacto.ma/rabat \
	--as-of $A --lang ar --out "$T/rabat-ar.pdf" --url "$URL"
pdftotext "$T/rabat-ar.pdf" "$T/ar.txt" 2>>"$T/check.log"
check "ar: the title in Arabic" ar_has "$T/ar.txt" "تقرير الامتثال"
check "ar: the member's Arabic name" ar_has "$T/ar.txt" "جماعة الرباط"
check "ar: the status in Arabic" ar_has "$T/ar.txt" "الوضعية: معرض للخطر"
check "ar: the region's Arabic name" ar_has "$T/ar.txt" "الرباط سلا القنيطرة"
check "ar: the findings' Arabic text" ar_has "$T/ar.txt" "المرحلة M2"
check "ar: the action in Arabic" ar_has "$T/ar.txt" "نشر تحديث للمرحلة M2"
check "ar: the verification footer's root" grep -qF "$ROOT" "$T/ar.txt"
# Right to left: pdftotext -bbox gives each word's box; the Arabic title starts at the right.
pdftotext -bbox "$T/rabat-ar.pdf" "$T/ar.html" 2>>"$T/check.log"
check "ar: laid out right to left (the Arabic title ends at the right margin)" $PY - "$T/ar.html" <<'PYEOF'
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
# pdftotext gives Arabic glyph by glyph: the title's glyphs are the tallest of page 1
page1 = html.split("</page>")[0]
words = [(float(a), float(b), float(y2) - float(y)) for a, y, b, y2 in re.findall(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">', page1)]
top = max(h for a, b, h in words)
title = [(a, b) for a, b, h in words if h > top - 0.5]
# A4 is 595 pt wide, the margins 48: the title ends at the right margin, starts past the middle
sys.exit(0 if len(title) > 5 and max(b for a, b in title) > 595 - 60 and
         min(a for a, b in title) > 300 else 1)
PYEOF

check "report --national --lang fr" run 0 "$REMACTO" report --national --as-of $A \
	--out "$T/national.pdf" --url "$URL" --months 6
pdftotext -layout "$T/national.pdf" "$T/nat.txt" 2>>"$T/check.log"
check "national: counts" has "$T/nat.txt" "Membres: 3"
check "national: every member" sh -c "grep -q remacto.ma/rabat '$T/nat.txt' && grep -q remacto.ma/sale '$T/nat.txt' && grep -q remacto.ma/tetouan '$T/nat.txt'"
check "national: regions by name" sh -c "grep -q 'Tanger-Tétouan-Al Hoceïma' '$T/nat.txt'"
check "national: the registry's checkpoint in the footer" grep -q "^ *remacto.ma/registry$" "$T/nat.txt"
check "report --national --lang ar" run 0 "$REMACTO" report --national --as-of $A --lang ar \
	--out "$T/national-ar.pdf" --url "$URL"

check "an unknown member exits 3, naming it" run 3 "$REMACTO" report --member nope --out "$T/x.pdf" --url "$URL"
check_fails "... and writes no file" test -e "$T/x.pdf"
check "--lang de exits 2" run 2 "$REMACTO" report --member rabat --lang de --out "$T/x.pdf" --url "$URL"
check "no --out exits 2" run 2 "$REMACTO" report --member rabat --url "$URL"

for f in rabat-fr rabat-ar national; do
	pdftoppm -r 60 -f 1 -l 1 -png "$T/$f.pdf" "$OUTDIR/$f" 2>>"$T/check.log"
done
check "pdftoppm renders the first pages" test -s "$OUTDIR/rabat-ar-1.png"
finish
