#!/bin/sh
# The network authority's registry through the command-line tool, as the directorate would run
# it: network init, members admitted (a region, a prefecture, two communes, with names and codes
# from config/regions.csv), the national catalog from config/indicator-catalog.csv, a key
# rotation, a suspension and its lifting, a peer announcement, a policy; then bad input, which
# must exit 3 and leave the registry byte for byte as it was; and at the end the whole registry
# log verifies, its checkpoint opening with Go's note.Open under the printed authority key.
. "$(dirname "$0")/lib.sh"
CONF="$TESTS/../config"
D="$T/authority"
REG=remacto.ma/registry
RSK=remacto.ma/rabat-sale-kenitra
PREF=remacto.ma/rabat-prefecture
RABAT=remacto.ma/rabat
TET=remacto.ma/tetouan

size() { "$REMACTO" log checkpoint --data "$D" --origin "$REG" | sed -n 2p; }
key_id() { echo "$1" | cut -d+ -f2; }
# member_row ORIGIN: the row of `remacto members` for ORIGIN, columns separated by one space.
member_row() { "$REMACTO" members --data "$D" | awk -v o="$1" '$1 == o' | tr -s ' '; }

avk=$("$REMACTO" network init --data "$D" --key "$T/authority.key" 2>>"$T/check.log")
check "network init prints the authority's verifier key" \
	sh -c "echo '$avk' | grep -Eq '^remacto\.ma/registry\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$'"
check_eq "network init creates the authority key with mode 0600" 600 "$(stat -c %a "$T/authority.key")"
check_eq "the registry log starts empty" 0 "$(size)"
check_eq "network init again with the same key prints the same verifier key" "$avk" \
	"$("$REMACTO" network init --data "$D" --key "$T/authority.key" 2>>"$T/check.log")"
check_fails "network init with another authority key is refused" \
	"$REMACTO" network init --data "$D" --key "$T/other-authority.key"
check "the registry log is listed as owned" \
	sh -c "'$REMACTO' log list --data '$D' | grep -q '^remacto.ma/registry	0	own$'"
check "members --help" "$REMACTO" members --help

# Names and codes of the region from the network's own copy of the HCP list.
IFS=, read -r iso hcp name_fr name_ar pop <<EOF
$(awk -F, '$1 == "MA-04"' "$CONF/regions.csv")
EOF
IFS=, read -r _ hcp01 _ _ _ <<EOF
$(awk -F, '$1 == "MA-01"' "$CONF/regions.csv")
EOF
check_eq "config/regions.csv gives Rabat-Salé-Kénitra's HCP code" "04 Rabat-Salé-Kénitra" "$hcp $name_fr"

for o in rsk:$RSK pref:$PREF rabat:$RABAT tet:$TET; do
	"$REMACTO" keygen --origin "${o#*:}" --out "$T/${o%%:*}.key" > "$T/${o%%:*}.vk"
done
vk() { cat "$T/$1.vk"; }

n=$("$REMACTO" member add --data "$D" --origin "$RSK" --verifier-key "$(vk rsk)" --hcp "$hcp" \
	--kind region --name-fr "$name_fr" --name-ar "$name_ar" --population "$pop" \
	--census-year 2014 --date 2024-05-02)
check_eq "member add (region $name_fr) prints the registry's new size" 1 "$n"
n=$("$REMACTO" member add --data "$D" --origin "$PREF" --verifier-key "$(vk pref)" --hcp 421 \
	--kind prefecture --name-fr "Préfecture de Rabat" --name-ar "عمالة الرباط" --region "$hcp" \
	--population 577827)
check_eq "member add (prefecture)" 2 "$n"
n=$("$REMACTO" member add --data "$D" --origin "$RABAT" --verifier-key "$(vk rabat)" \
	--hcp 4210101 --kind commune --name-fr "Commune de Rabat" --name-ar "جماعة الرباط" \
	--region "$hcp")
check_eq "member add (commune in region $hcp)" 3 "$n"
n=$("$REMACTO" member add --data "$D" --origin "$TET" --verifier-key "$(vk tet)" \
	--hcp 5110101 --kind commune --name-fr "Commune de Tétouan" --name-ar "جماعة تطوان" \
	--region "$hcp01")
check_eq "member add (commune in region $hcp01)" 4 "$n"

"$REMACTO" members --data "$D" > "$T/members"
check_eq "members lists a header and four members" 5 "$(wc -l < "$T/members")"
check_eq "members: origins in byte order" "$RABAT $PREF $RSK $TET" \
	"$(sed 1d "$T/members" | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
check_eq "members: the region's row" \
	"$RSK region 04 04 $(key_id "$(vk rsk)") 0 no - Rabat-Salé-Kénitra / الرباط سلا القنيطرة" \
	"$(member_row "$RSK")"
check_eq "members: the prefecture's row" \
	"$PREF prefecture 421 04 $(key_id "$(vk pref)") 0 no - Préfecture de Rabat / عمالة الرباط" \
	"$(member_row "$PREF")"
check_eq "members: a commune's row" \
	"$TET commune 5110101 01 $(key_id "$(vk tet)") 0 no - Commune de Tétouan / جماعة تطوان" \
	"$(member_row "$TET")"
check "the admission is stored in the canonical JSON form" sh -c \
	"'$REMACTO' log entry --data '$D' --origin '$REG' --index 0 | grep -q '\"population\":\"$pop\"'"

# Its first 15 codes, so that the registry indexes below stay put as the catalog grows.
head -n 16 "$CONF/indicator-catalog.csv" > "$T/catalog15.csv"
n=$("$REMACTO" catalog add --data "$D" --file "$T/catalog15.csv")
check_eq "catalog add of config/indicator-catalog.csv's first 15 codes adds 15 entries" 19 "$n"
"$REMACTO" log entry --data "$D" --origin "$REG" --index 10 > "$T/cp01.json"
check_eq "a catalog entry maps principle, direction and normalisation" \
	'{"catalogIndicator":{"code":"CP-01","higherIsBetter":true,"normalisation":"NORMALISATION_PER_10000_INHABITANTS","principle":"PRINCIPLE_CITIZEN_PARTICIPATION"' \
	"$(sed 's/,"title".*//' "$T/cp01.json")"
check "a lower-is-better indicator has no higherIsBetter" sh -c \
	"'$REMACTO' log entry --data '$D' --origin '$REG' --index 7 | grep '\"AI-01\"' | grep -vq higherIsBetter"

"$REMACTO" keygen --origin "$RABAT" --out "$T/rabat2.key" > "$T/rabat2.vk"
n=$("$REMACTO" member rotate-key --data "$D" --origin "$RABAT" --verifier-key "$(vk rabat2)" \
	--from-size 12 --reason-fr "clé renouvelée")
check_eq "member rotate-key" 20 "$n"
check_eq "members shows the new key and the size it signs from" \
	"$(key_id "$(vk rabat2)") 12" "$(member_row "$RABAT" | cut -d' ' -f5-6)"

"$REMACTO" member rotate-key --data "$D" --origin "$PREF" --verifier-key "$(vk pref)" \
	> /dev/null 2> "$T/err"
check_eq "rotate-key without --from-size, the log not held here: a usage error (2)" 2 $?
check "which says why and how to find the size" grep -q "holds no copy of $PREF's log.*--from-size N" "$T/err"

n=$("$REMACTO" member suspend --data "$D" --origin "$TET" --at-size 3 --reason-fr "clé compromise")
check_eq "member suspend" 21 "$n"
check_eq "members shows the suspension" "past 3" "$(member_row "$TET" | cut -d' ' -f7-8)"
n=$("$REMACTO" member suspend --data "$D" --origin "$TET" --lift)
check_eq "member suspend --lift" 22 "$n"
check_eq "members shows the suspension lifted" "no" "$(member_row "$TET" | cut -d' ' -f7)"
"$REMACTO" member suspend --data "$D" --origin "$TET" > /dev/null 2> "$T/err"
check_eq "suspend without --at-size, the log not held here: a usage error (2)" 2 $?
n=$("$REMACTO" member suspend --data "$D" --origin "$PREF" --at-size 0 --reason-fr "audit")
check_eq "member suspend (the prefecture)" 23 "$n"
n=$("$REMACTO" member reinstate --data "$D" --origin "$PREF" --reason-fr "audit clos" 2> "$T/err")
check_eq "member reinstate" 24 "$n"
check "member reinstate says what follows" grep -q "$PREF is reinstated" "$T/err"
check_eq "members shows the prefecture reinstated" "no" "$(member_row "$PREF" | cut -d' ' -f7)"
check "the reinstatement is a memberSuspension entry with lifted" sh -c \
	"'$REMACTO' log entry --data '$D' --origin '$REG' --index 23 | grep -q '\"lifted\":true'"

n=$("$REMACTO" member announce --data "$D" --origin "$PREF" --url wss://127.0.0.1:7443/peer)
check_eq "member announce" 25 "$n"
check_eq "members shows the announced peer" "wss://127.0.0.1:7443/peer" \
	"$(member_row "$PREF" | cut -d' ' -f8)"

n=$("$REMACTO" policy set --data "$D" --liveness-days 30 --at-risk-score 60 --non-compliant-score 40)
check_eq "policy set" 26 "$n"
check "the policy entry holds the thresholds" sh -c \
	"'$REMACTO' log entry --data '$D' --origin '$REG' --index 25 | grep -q '\"livenessDays\":30'"

# Bad input: exit 3, and the registry is byte for byte what it was.
"$REMACTO" log checkpoint --data "$D" --origin "$REG" > "$T/cp"
refused() {
	d=$1; shift
	"$@" > "$T/out" 2>> "$T/check.log"
	rc=$?
	check_eq "$d: exits 3" 3 "$rc"
	check "$d: the registry is unchanged" sh -c \
		"'$REMACTO' log checkpoint --data '$D' --origin '$REG' | cmp -s - '$T/cp'"
}
"$REMACTO" keygen --origin remacto.ma/fes --out "$T/fes.key" > "$T/fes.vk"
refused "unknown kind" "$REMACTO" member add --data "$D" --origin remacto.ma/fes \
	--verifier-key "$(vk fes)" --hcp 03 --kind county --name-fr Fès --name-ar فاس
refused "a verifier key that is not one" "$REMACTO" member add --data "$D" --origin remacto.ma/fes \
	--verifier-key "remacto.ma/fes+00000000+AAAA" --hcp 03 --kind region --name-fr Fès --name-ar فاس
refused "a key named for another origin" "$REMACTO" member add --data "$D" --origin remacto.ma/fes \
	--verifier-key "$(vk tet)" --hcp 03 --kind region --name-fr Fès --name-ar فاس
refused "an HCP code of the wrong length" "$REMACTO" member add --data "$D" --origin remacto.ma/fes \
	--verifier-key "$(vk fes)" --hcp 3 --kind region --name-fr Fès --name-ar فاس
refused "an HCP code already used" "$REMACTO" member add --data "$D" --origin remacto.ma/fes \
	--verifier-key "$(vk fes)" --hcp 04 --kind region --name-fr Fès --name-ar فاس
refused "a second admission of a member" "$REMACTO" member add --data "$D" --origin "$TET" \
	--verifier-key "$(vk tet)" --hcp 5110102 --kind commune --name-fr Tétouan --name-ar تطوان
check "the registry names the member already admitted" grep -q "$TET is already in the registry" "$T/check.log"
refused "rotate-key for a non-member" "$REMACTO" member rotate-key --data "$D" \
	--origin remacto.ma/fes --verifier-key "$(vk fes)" --from-size 0
check "the registry's refusal is the message" grep -q "remacto.ma/fes is not a member" "$T/check.log"
refused "rotate-key back below the current key's size" "$REMACTO" member rotate-key --data "$D" \
	--origin "$RABAT" --verifier-key "$(vk rabat)" --from-size 5
refused "suspend a non-member" "$REMACTO" member suspend --data "$D" --origin remacto.ma/fes --at-size 0
refused "reinstate a non-member" "$REMACTO" member reinstate --data "$D" --origin remacto.ma/fes
refused "reinstate a member that is not suspended" "$REMACTO" member reinstate --data "$D" --origin "$TET"
check "the refusal says so" grep -q "$TET is not suspended; nothing appended" "$T/check.log"
refused "announce a non-wss URL" "$REMACTO" member announce --data "$D" --origin "$PREF" \
	--url http://127.0.0.1:7443/peer
sed 's/^DG-02,digitalisation,/DG-02,digitalization,/' "$CONF/indicator-catalog.csv" > "$T/bad.csv"
refused "catalog CSV with a bad principle" "$REMACTO" catalog add --data "$D" --file "$T/bad.csv"
check "the bad principle is named with its row and column" \
	grep -q "bad.csv: row 16, column 2 (principle): unknown principle 'digitalization'" "$T/check.log"
sed '1s/normalise/normalize/' "$CONF/indicator-catalog.csv" > "$T/bad2.csv"
refused "catalog CSV with an unknown column" "$REMACTO" catalog add --data "$D" --file "$T/bad2.csv"
printf 'code,principle,title_fr,title_en,unit,better,normalise\nX-01,transparency,"unclosed,u,u,higher,none\n' > "$T/bad3.csv"
refused "catalog CSV with an unclosed quote" "$REMACTO" catalog add --data "$D" --file "$T/bad3.csv"
refused "policy with non-compliant above at-risk" "$REMACTO" policy set --data "$D" \
	--at-risk-score 40 --non-compliant-score 60

# The authority's node holds a member's log (here Tétouan's, 3 entries): a rotation at or below
# that size would make checkpoints nodes hold stop verifying, and is refused without --force.
"$REMACTO" log init --data "$D" --origin "$TET" --key "$T/tet.key" > /dev/null
for i in 1 2 3; do
	echo "{\"schema\":1,\"consultation\":{\"id\":\"C$i\",\"date\":\"2025-01-0$i\"}}"
done | "$REMACTO" log append --data "$D" --origin "$TET" > /dev/null
"$REMACTO" keygen --origin "$TET" --out "$T/tet2.key" > "$T/tet2.vk"
refused "rotate-key at the size the authority holds (3)" "$REMACTO" member rotate-key --data "$D" \
	--origin "$TET" --verifier-key "$(vk tet2)" --from-size 3
check "the refusal names the size held and the next one" \
	grep -q "holds $TET's log at size 3.*--from-size 4 (the default)" "$T/check.log"
refused "suspend below the size the authority holds" "$REMACTO" member suspend --data "$D" \
	--origin "$TET" --at-size 1
n=$("$REMACTO" member rotate-key --data "$D" --origin "$TET" --verifier-key "$(vk tet2)" \
	--from-size 2 --force 2> "$T/err")
check_eq "rotate-key --from-size 2 --force is appended" 27 "$n"
check "and warns loudly, naming what stops verifying" \
	grep -q "WARNING: every checkpoint of size 2 or more signed by the old key (sizes 2 to 3 at least)" "$T/err"
check_eq "members shows the forced rotation" "$(key_id "$(vk tet2)") 2" "$(member_row "$TET" | cut -d' ' -f5-6)"
"$REMACTO" keygen --origin "$TET" --out "$T/tet3.key" > "$T/tet3.vk"
n=$("$REMACTO" member rotate-key --data "$D" --origin "$TET" --verifier-key "$(vk tet3)" 2> "$T/err")
check_eq "rotate-key without --from-size is appended" 28 "$n"
check_eq "from the next size, 4" "$(key_id "$(vk tet3)") 4" "$(member_row "$TET" | cut -d' ' -f5-6)"
check "and says so" grep -q "$TET's checkpoints of size 4 and more are signed by $(vk tet3)" "$T/err"
n=$("$REMACTO" member suspend --data "$D" --origin "$TET" 2> "$T/err")
check_eq "suspend without --at-size is appended" 29 "$n"
check_eq "at the size the authority holds" "past 3" "$(member_row "$TET" | cut -d' ' -f7-8)"
n=$("$REMACTO" member suspend --data "$D" --origin "$TET" --at-size 1 --force 2> "$T/err")
check_eq "suspend --at-size 1 --force is appended" 30 "$n"
check "and warns" grep -q "WARNING: --force: suspending $TET past size 1, below size 3" "$T/err"
n=$("$REMACTO" member reinstate --data "$D" --origin "$TET")
check_eq "reinstate" 31 "$n"
"$REMACTO" log checkpoint --data "$D" --origin "$REG" > "$T/cp"

"$REMACTO" member add --data "$D" --origin remacto.ma/fes --verifier-key "$(vk fes)" --kind region \
	--name-fr Fès --name-ar فاس > /dev/null 2>> "$T/check.log"
check_eq "a missing option is a usage error (2)" 2 $?
"$REMACTO" member add --data "$D" --origin remacto.ma/fes --from-size 3 > /dev/null 2>> "$T/check.log"
check_eq "an option of another action is a usage error (2)" 2 $?
"$REMACTO" member rotate-key --data "$T/nowhere" --origin "$RABAT" --verifier-key "$(vk rabat)" \
	--from-size 30 > /dev/null 2>> "$T/check.log"
check_eq "a folder without a registry fails (1)" 1 $?
"$REMACTO" member suspend --data "$D" --origin "$TET" --lift --at-size 3 > /dev/null 2>> "$T/check.log"
check_eq "suspend --lift with --at-size is a usage error (2)" 2 $?

# A member node's data folder holds no registry log: nothing to append to.
"$REMACTO" log init --data "$T/node" --origin "$RABAT" --key "$T/rabat2.key" > /dev/null
check_fails "member add refused where the registry log is not held" "$REMACTO" member add \
	--data "$T/node" --origin remacto.ma/fes --verifier-key "$(vk fes)" --hcp 03 --kind region \
	--name-fr Fès --name-ar فاس

check_eq "the registry holds 31 entries" 31 "$(size)"
check "log verify passes on the registry" "$REMACTO" log verify --data "$D" --origin "$REG"
"$REMACTO" log checkpoint --data "$D" --origin "$REG" > "$T/cp"
opened=$(goverify checkpoint "$avk" "$T/cp")
check_eq "the registry's checkpoint opens with Go's note.Open under the printed key" \
	"$REG 31" "${opened% *}"
finish
