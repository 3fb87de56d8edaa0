#!/bin/sh
# Feeds (issue 13): /feeds/national.atom, /feeds/<member>.atom and
# /feeds/<member>/<commitment>.atom are valid Atom 1.0 for an independent reader (Debian's
# python3-feedparser) and well-formed XML (Python's own parser) in French, Arabic and English;
# each item links to the dashboard page and carries its log and index; an observer's
# assessment and a hidden change found by the integrity rule are items; and text a member
# signed, however hostile (markup, entities, quotes), comes out escaped, as it was.
# A data folder made as an authority would: the demo programme and its story (a target lowered
# without an amendment), and an observer's assessments; served by a read-only node.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
D="$T/data"
PREF=remacto.ma/rabat-prefecture
OBS=remacto.ma/association-tafra
$PY -c 'import feedparser' 2> /dev/null || { notok "python3-feedparser is installed (deploy/deps.sh test)"; finish; }

AVK=$("$REMACTO" network init --data "$D" --key "$T/authority.key" 2>> "$T/check.log")
"$REMACTO" keygen --origin "$PREF" --out "$T/p.key" > "$T/p.vk" &&
	"$REMACTO" keygen --origin "$OBS" --out "$T/o.key" > "$T/o.vk" &&
	"$REMACTO" member add --data "$D" --origin "$PREF" --verifier-key "$(cat "$T/p.vk")" \
		--kind prefecture --hcp 421 --region 04 --name-fr "Préfecture de Rabat" \
		--name-ar "عمالة الرباط" > /dev/null &&
	"$REMACTO" member add --data "$D" --origin "$OBS" --verifier-key "$(cat "$T/o.vk")" \
		--kind observer --category association --name-fr "Association Tafra" \
		--name-ar "جمعية طفرة" --contact-url https://tafra.example.ma > /dev/null &&
	"$REMACTO" log init --data "$D" --origin "$PREF" --key "$T/p.key" > /dev/null &&
	"$REMACTO" log init --data "$D" --origin "$OBS" --key "$T/o.key" > /dev/null ||
	{ notok "a registry with a member and an observer"; finish; }
sed "s|@MEMBER@|$PREF|g" "$TESTS/../config/demo/story-member.jsonl" > "$T/story.jsonl"
# The observer's entries name the council's latest status updates (entries 14 and 15).
sed -e "s|@MEMBER@|$PREF|g" -e "s|@STATUS:RBT-2024-01@|14|" -e "s|@STATUS:RBT-2024-02@|15|" \
	"$TESTS/../config/demo/observer.jsonl" > "$T/obs.jsonl"
# A hostile title: markup, entities, quotes, a CDATA end. (Entries cannot hold control
# characters: entry.c refuses them; core/atom.c leaves them out all the same, test_atom.c.)
HOSTILE='</title><script>alert("x")</script>]]>&amp; &lt;b&gt; '"'"'q'"'"' fin'
printf '{"schema":1,"published":"2025-12-01T10:00:00Z","evidence":{"id":"EV-HOSTILE","url":"https://example.ma/x.pdf","sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=","title":{"fr":"%s","ar":"%s"},"date":"2025-12-01"}}\n' \
	"$(printf '%s' "$HOSTILE" | sed 's/"/\\"/g')" "$(printf '%s' "$HOSTILE" | sed 's/"/\\"/g')" >> "$T/story.jsonl"
check "the member's log: the demo programme, its story and a hostile title" sh -c "
	'$REMACTO' log append --data '$D' --origin '$PREF' < '$TESTS/../config/demo/rabat-prefecture.jsonl' &&
	'$REMACTO' log append --data '$D' --origin '$PREF' < '$T/story.jsonl'"
check "the observer's log: a consultation report and two assessments" \
	sh -c "'$REMACTO' log append --data '$D' --origin '$OBS' < '$T/obs.jsonl'"

LP=$(free_port)
LA=$(free_port)
while [ "$LA" = "$LP" ]; do LA=$(free_port); done
printf '[node]\ndata = %s\n[public]\nlisten = 127.0.0.1:%s\n[admin]\nlisten = 127.0.0.1:%s\n[log]\nlevel = warn\n[authority]\nverifier_key = %s\n' \
	"$D" "$LP" "$LA" "$AVK" > "$T/node.conf"
start_node "$T/node.conf" "$LP" || { notok "a read-only node serves the folder"; finish; }
URL="http://127.0.0.1:$LP"

# valid FEED LANG: parsed by feedparser (no error, Atom 1.0) and by Python's XML parser; every
# item has an id, a title, a date, a dashboard link and, but for compliance, its log and index.
valid() {
	curl -sf -D "$T/h" -o "$T/feed.xml" "$URL$1?lang=$2" || return 1
	grep -qi '^content-type: application/atom+xml; charset=utf-8' "$T/h" || return 1
	$PY - "$T/feed.xml" "$2" <<'PY'
import sys, feedparser, xml.etree.ElementTree as ET
path, lang = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
ET.fromstring(raw)  # well-formed XML, or an exception
d = feedparser.parse(raw)
assert not d.bozo, d.bozo_exception
assert d.version == "atom10", d.version
assert d.feed.get("language") == lang or d.feed.get("title_detail", {}).get("language") == lang, d.feed
assert d.entries, "no items"
for e in d.entries:
    assert e.id and e.title and e.updated_parsed, e
    assert e.link.startswith("/ui/#/"), e.link
    if e.tags[0].term != "compliance":
        assert e.get("remacto_index", "").isdigit() and e.get("remacto_origin"), e
PY
}
for f in /feeds/national.atom /feeds/rabat-prefecture.atom /feeds/rabat-prefecture/RBT-2024-02.atom; do
	for l in fr ar en; do
		check "$f?lang=$l is valid Atom 1.0 for feedparser and well-formed XML" valid "$f" "$l"
	done
done

# items FEED LANG: "category|index|origin|link|title" of every item.
items() {
	curl -sf "$URL$1?lang=$2" | $PY -c '
import sys, feedparser
for e in feedparser.parse(sys.stdin.buffer.read()).entries:
    print("|".join([e.tags[0].term, e.get("remacto_index", ""), e.get("remacto_origin", ""), e.link, e.title]))'
}
items /feeds/rabat-prefecture/RBT-2024-02.atom fr > "$T/c.txt"
check "the commitment's feed has the observer's disputing assessment, from the observer's log, linked to the commitment" \
	grep -q "^observer-assessment|2|$OBS|/ui/#/commitment/rabat-prefecture/RBT-2024-02|.*par Association Tafra, observateur : limité$" "$T/c.txt"
check "... and the council's status update it disputes, from the member's log" \
	grep -q "^status|15|$PREF|/ui/#/commitment/rabat-prefecture/RBT-2024-02|.*substantiel, 60 %$" "$T/c.txt"
check "... newest first" sh -c "head -1 '$T/c.txt' | grep -q '^observer-assessment|2|'"
items /feeds/rabat-prefecture.atom ar > "$T/m.txt"
check "the member's feed (ar) has the hidden change found by the integrity rule, linked to the indicator page" \
	grep -q "^hidden-change|19|$PREF|/ui/#/indicator/rabat-prefecture/IND-AI-01|.*تغيير غير مصرح به: الهدف 2026 في IND-AI-01 (15 ← 18)$" "$T/m.txt"
check "... the declared amendment, in Arabic" grep -q "^amendment|20|$PREF|/ui/#/indicator/rabat-prefecture/IND-TR-03|" "$T/m.txt"
check "... and the observer's assessments of its commitments" sh -c "grep -c '^observer-assessment|' '$T/m.txt' | grep -qx 2"
check "... and the observer's consultation report" grep -q "^consultation-report|0|$OBS|" "$T/m.txt"
items /feeds/national.atom en > "$T/n.txt"
check "the national feed (en) has every log's new items" sh -c "grep -q '|$OBS|' '$T/n.txt' && grep -q '|$PREF|' '$T/n.txt'"
check_eq "at most 50 items" 1 "$(test "$(wc -l < "$T/n.txt")" -le 50 && echo 1)"

# The hostile title comes out as it was signed, control characters left out.
got=$(curl -sf "$URL/feeds/rabat-prefecture.atom?lang=fr" | $PY -c '
import sys, xml.etree.ElementTree as ET
ns = {"a": "http://www.w3.org/2005/Atom"}
root = ET.fromstring(sys.stdin.buffer.read())
for e in root.findall("a:entry", ns):
    t = e.find("a:title", ns).text
    if "justificatif" in t and "Budget" not in t:
        print(t)')
want="Préfecture de Rabat — nouveau justificatif : </title><script>alert(\"x\")</script>]]>&amp; &lt;b&gt; 'q' fin"
check_eq "a hostile title is escaped: the reader gets the signed text as it was" "$want" "$got"
check "no markup of it reaches the document" sh -c "! curl -sf '$URL/feeds/national.atom' | grep -q '<script>'"

code() { curl -s -o /dev/null -w '%{http_code}' "$URL$1"; }
check_eq "?lang=de is a 400" 400 "$(code '/feeds/national.atom?lang=de')"
check_eq "an unknown member's feed is a 404" 404 "$(code /feeds/nobody.atom)"
check_eq "an unknown commitment's feed is a 404" 404 "$(code /feeds/rabat-prefecture/NOPE.atom)"
check_eq "a feed without .atom is a 404" 404 "$(code /feeds/national)"
check_eq "POST is a 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/feeds/national.atom")"
stop_node
finish
