#!/bin/sh
# Federation: a member suspended below what the network holds, then reinstated without
# publishing again. Found by the chaos runner (suspend: "the authority's node keeps
# rabat-prefecture at 35 of 39" for good): the nodes that hold the log past the suspension
# size serve their checkpoint of that size while it lasts, and at the reinstatement went back
# to their newer one without telling anyone, so that a node that had only seen the suspension
# size (down meanwhile, or refusing the checkpoints past it) never heard of the rest.
# Checked: m2 down, m1 publishes 3 entries (the authority's node takes them), m1 suspended at
# its size before them (--force), m2 started (it sees m1's log at the suspension size only),
# m1 reinstated: every node holds the 3 entries, with the same root, within a bounded poll.
. "$(dirname "$0")/lib.sh"
. "$TESTS/integration/fedlib.inc"

fed_start "$T/s" 2 mesh --seed || { notok "the federation starts and publishes"; finish; }
# shellcheck disable=SC2046
check "2 members and the authority converge" wait_for 60 converged 3 $(nodes)
O1=$(origin_of m1)
S=$(size_on m1 "$O1")
reg_size() { "$REMACTO" log list --data "$F/registry/data" | awk '$1 == "remacto.ma/registry" { print $2 }'; }
reg_on() { [ "$(size_on "$1" remacto.ma/registry)" -ge "$2" ]; }
reg_everywhere() { for n in $(nodes); do reg_on "$n" "$1" || return 1; done; }
# serves NAME ORIGIN SIZE: the node serves ORIGIN's checkpoint of SIZE exactly.
serves() { get "$1" "/logs/$(basename "$2")/checkpoint" | sed -n 2p | grep -qx "$3"; }

fed_stop_node m2
for i in 1 2 3; do
	one_entry "past-$i" > "$T/e$i.json"
	check "m1 publishes entry $i past $S while m2 is down" publish m1 "$T/e$i.json"
done
check "the authority's node takes m1's log to $((S + 3))" wait_for 30 holds registry "$O1" $((S + 3))
check "remacto member suspend m1 at $S, below what the authority's node holds (--force)" \
	sh -c "'$REMACTO' member suspend --data '$F/registry/data' --origin '$O1' --at-size $S --force --reason-fr 'Audit' --reason-ar 'تدقيق' > /dev/null 2>&1"
R=$(reg_size)
check "m1's node replicates the suspension" wait_for 30 reg_on m1 "$R"
check "the authority's node serves m1's checkpoint of $S while m1 is suspended" \
	wait_for 30 serves registry "$O1" "$S"
check "m1's node serves its checkpoint of $S while suspended" wait_for 30 serves m1 "$O1" "$S"
fed_start_node m2
check "m2, started, replicates the suspension" wait_for 30 reg_on m2 "$R"
check "m2 serves m1's checkpoint of $S" wait_for 30 serves m2 "$O1" "$S"
check_eq "m2 holds m1's log at the suspension size" "$S" "$(size_on m2 "$O1")"
check "remacto member reinstate m1" \
	sh -c "'$REMACTO' member reinstate --data '$F/registry/data' --origin '$O1' > /dev/null"
check "every node replicates the reinstatement" wait_for 30 reg_everywhere "$(reg_size)"
check "m2 takes m1's 3 entries past $S once m1 is reinstated, m1 publishing nothing" \
	wait_for 30 holds m2 "$O1" $((S + 3))
# shellcheck disable=SC2046
check "every node holds the same logs, sizes and roots" wait_for 30 converged 3 $(nodes)
check "m2 serves m1's checkpoint of $((S + 3))" wait_for 30 serves m2 "$O1" $((S + 3))
fed_dump 12
"$FEDSH" stop "$F" > /dev/null 2>&1
finish
