#!/bin/bash
# End to end: `make demo` (examples/marketplace.sh), the rehearsal of a whole
# marketplace, against the real broker, twice on the same store: the second
# time the ids are not the first time's, and it must read them from the
# answers. Each time the event's report must hold what the script played:
# three asks agreed (one a shared key result in both drafts, one a counter
# taken, one an offer), two declined, nothing left open.
#
# Usage: demo.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

start_broker

for event in e1 e2; do
    rc=0
    CATCHBALL=$CATCHBALL DEMO_OUT=$TMP/$event bash "$EXAMPLES/marketplace.sh" >"$TMP/demo.$event" 2>&1 || rc=$?
    check "demo for $event exits 0" "$rc" 0
    if [ "$rc" -ne 0 ]; then tail -n 20 "$TMP/demo.$event"; fi
    r=$(cb fac report $event --format json)
    check "$event closed" "$(cb fac event show $event | jq -r .event.phase)" closed
    check "$event: five drafts shared" "$(cb fac event show $event | jq -r '.event.shared | length')" 5
    check "$event: three agreed" "$(jq -r '.agreed | length' <<<"$r")" 3
    check "$event: two declined" "$(jq -r '.declined | length' <<<"$r")" 2
    check "$event: an offer agreed" "$(jq -r '[.agreed[] | select(.kind=="offer")] | length' <<<"$r")" 1
    check "$event: nothing open" "$(jq -r '(.unresolved | length) + (.countered | length)' <<<"$r")" 0
    check_contains "$event: the graph" "$(cat "$TMP/$event/alignment.dot")" "digraph"
done

# The shared key result of e2 is in both drafts (team-a's and team-b's).
shared=$(cb fac event show e2 | jq -r .event.shared)
check "e2's drafts are new ones" "$(jq -r '."team-a"' <<<"$shared")" d7
for d in $(jq -r '."team-a", ."team-b"' <<<"$shared"); do
    check "shared KR in $d" "$(cb lead draft show "$d" | jq -r '[.revision.content.key_results[] | select(.shared_with)] | length')" 1
done

finish
