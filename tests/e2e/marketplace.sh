#!/bin/bash
# End to end, with the real catchballd and catchball binaries: a live
# alignment marketplace. A facilitator runs an event with one leadership
# node and four teams through every phase. Asks are accepted, declined and
# countered (the counter taken, another refused); an offer is taken; one
# accepted ask becomes a shared key result that both drafts carry in full.
# A team advancing a phase and an outsider posting an ask are refused and
# nothing is stored (the event log's sequence does not move). The broker is
# killed with SIGKILL mid-event. The report lists exactly what happened.
#
# Usage: marketplace.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

start_broker

# peek NODE: NODE's inbox as text, left unacknowledged.
peek () {
    "$CATCHBALL" --node "$1" inbox --peek
}

cb fac --role facilitator hello >/dev/null
cb lead --role leadership hello >/dev/null
cb outsider --role team hello >/dev/null
for team in team-a team-b team-c team-d; do
    cb $team --role team --parent lead hello >/dev/null
done

# Drafts: leadership's, and each team's aligned to one of its key results.
cb lead draft new "$EXAMPLES/leadership.json" >/dev/null
for team in team-a team-b team-c team-d; do
    jq --arg t "$team" '.objective = "Team \($t) makes onboarding delightful" | .aligned_to = {draft: "d1", kr: "kr1"}' \
        "$EXAMPLES/leadership.json" > "$TMP/$team.json"
    cb $team draft new "$TMP/$team.json" >/dev/null
done
check "team drafts d2..d5" "$(cb lead draft list --cycle 2027-Q1 | jq -r '.drafts | map(.id) | join(",")')" "d1,d2,d3,d4,d5"

# The event: planned, then share.
out=$(cb fac event new "Q1 alignment marketplace" --cycle 2027-Q1 \
      --participants lead,team-a,team-b,team-c,team-d --plan share=20,negotiate=40,commit=10)
check "event e1" "$(jq -r .event <<<"$out")" e1
expect_error FORBIDDEN team-a event new "Rogue event" --cycle 2027-Q1 --participants team-a
expect_error WRONG_PHASE team-a event share e1 d2
out=$(cb fac event advance e1)
check "share phase" "$(jq -r .phase <<<"$out")" share
check "share phase is timed" "$(jq -r '.ends > 0' <<<"$out")" true

# Refusals store nothing: the event log does not move.
seq_before=$(cb fac event snapshot e1 | jq -r .seq)
expect_error FORBIDDEN team-a event advance e1
expect_error NOT_PARTICIPANT outsider event share e1 d2
expect_error NOT_OWNER team-a event share e1 d3
check "nothing stored by refusals" "$(cb fac event snapshot e1 | jq -r .seq)" "$seq_before"

i=2
for team in team-a team-b team-c team-d; do
    cb $team event share e1 d$i >/dev/null
    i=$((i + 1))
done
cb lead event share e1 d1 >/dev/null
check "five drafts shared" "$(cb fac event show e1 | jq -r '.event.shared | length')" 5
expect_error WRONG_PHASE team-a ask new e1 --to team-b --kr kr1 --need "too early"

# Negotiate.
out=$(cb fac event advance e1)
check "negotiate phase" "$(jq -r .phase <<<"$out")" negotiate
out=$(cb fac event extend e1 --minutes 5)
check "extended" "$(jq -r .phase <<<"$out")" negotiate

seq_before=$(cb fac event snapshot e1 | jq -r .seq)
expect_error NOT_PARTICIPANT outsider ask new e1 --to team-b --kr kr1 --need "help me"
expect_error FORBIDDEN fac ask new e1 --to team-b --kr kr1 --need "facilitators do not ask"
expect_error NOT_FOUND team-a ask new e1 --to team-b --kr kr9 --need "no such KR"
check "nothing stored by refused asks" "$(cb fac event snapshot e1 | jq -r .seq)" "$seq_before"

# a1: team-a asks team-b; team-b accepts with a shared KR in both drafts.
cb team-a ask new e1 --to team-b --kr kr1 --need "Joint ownership of activation for new teams" --by "week 4" >/dev/null
out=$(cb team-b ask accept a1 --shared-kr '{"text":"Activation of new teams","baseline":30,"target":55,"unit":"%"}')
check "a1 accepted" "$(jq -r .state <<<"$out")" accepted
check "a1 changed both drafts" "$(jq -r '.revisions | map("\(.draft)@\(.rev)") | join(",")' <<<"$out")" "d3@2,d2@2"
b=$(cb lead draft show d3 | jq -c '.revision.content.key_results[] | select(.text=="Activation of new teams")')
a=$(cb lead draft show d2 | jq -c '.revision.content.key_results[] | select(.text=="Activation of new teams")')
check "shared KR in team-b's draft, pointing at team-a's" "$(jq -r '"\(.id) \(.target) \(.shared_with.draft)/\(.shared_with.kr)"' <<<"$b")" "kr4 55 d2/kr4"
check "shared KR in team-a's draft, pointing at team-b's" "$(jq -r '"\(.id) \(.target) \(.shared_with.draft)/\(.shared_with.kr)"' <<<"$a")" "kr4 55 d3/kr4"
check "revision credits the ask" "$(cb lead draft show d3 | jq -r '.revision | "\(.author) \(.ask)"')" "team-b a1"
# The inbox as people read it (issue 12): sentences, with the command to
# answer; --peek leaves the deliveries for the JSON reads below.
out=$(peek team-b)
check_contains "team-b reads the ask" "$out" "team-a asks you for help (ask a1, event e1) with d2 kr1"
check_contains "team-b is told how to accept" "$out" "answer: catchball ask accept a1 (--new-kr JSON"
check_contains "team-b is told how to decline" "$out" "or: catchball ask decline a1 --reason R"
check_contains "team-a reads the accept" "$(peek team-a)" "team-b accepted your ask a1"

# SIGKILL mid-event: nothing lost.
kill9_broker
start_broker
check "still negotiating after SIGKILL" "$(cb fac event show e1 | jq -r .event.phase)" negotiate

# a2: team-c asks team-d; team-d declines with a reason.
cb team-c ask new e1 --to team-d --kr kr2 --need "A data pipeline for days to first value" >/dev/null
expect_error NOT_RECIPIENT team-c ask decline a2 --reason "not mine to answer"
out=$(cb team-d ask decline a2 --reason "Our migration takes the whole quarter")
check "a2 declined" "$(jq -r .state <<<"$out")" declined
expect_error ASK_STATE team-d ask accept a2 --new-kr '{"text":"late","target":1}'

# a3: team-a asks team-c; team-c counters with a raised target; team-a takes it.
cb team-a ask new e1 --to team-c --kr kr2 --need "Cut days to first value to 2" >/dev/null
out=$(cb team-c ask counter a3 --text "We can get it to 4 days" --raise-target kr2=4)
check "a3 countered" "$(jq -r .state <<<"$out")" countered
out=$(peek team-a)
check_contains "team-a reads the counter" "$out" "team-c countered your ask a3"
check_contains "team-a is told how to take it" "$out" "answer: catchball ask take a3"
expect_error NOT_RECIPIENT team-c ask take a3
out=$(cb team-a ask take a3)
check "a3 taken" "$(jq -r .state <<<"$out")" accepted
check "team-c's kr2 target raised" "$(cb lead draft show d4 | jq -r '.revision.content.key_results[] | select(.id=="kr2") | .target')" 4

# a4: team-d asks team-b; team-b counters; team-d refuses the counter.
cb team-d ask new e1 --to team-b --kr kr3 --need "Halve support tickets with us" >/dev/null
cb team-b ask counter a4 --text "Only the billing tickets" --new-kr '{"text":"Billing tickets per account","target":0.5}' >/dev/null
out=$(cb team-d ask refuse a4 --reason "Billing is a tenth of our tickets")
check "a4 refused" "$(jq -r .state <<<"$out")" declined

# a5: team-c offers team-d help, unasked; team-d takes it.
out=$(cb team-c offer new e1 --to team-d --kr kr1 --text "Onboarding emails for your new accounts" \
      --new-kr '{"text":"Onboarding emails sent to team-d accounts","target":100,"unit":"%"}')
check "offer a5" "$(jq -r .ask <<<"$out")" a5
out=$(peek team-d)
check_contains "team-d reads the offer" "$out" "team-c offers you help (offer a5, event e1) with d5 kr1"
check_contains "team-d is told how to take it" "$out" "answer: catchball ask take a5"
check_contains "team-d is told how to refuse it" "$out" "or: catchball ask refuse a5 --reason R"
expect_error NOT_RECIPIENT team-c ask take a5
out=$(cb team-d ask take a5)
check "a5 taken" "$(jq -r .state <<<"$out")" accepted

# a6: team-b asks lead, left open until the event closes.
cb team-b ask new e1 --to lead --kr kr1 --need "A decision on the migration's priority" >/dev/null

# Commit: no new asks; answers still allowed; then closed and read-only.
out=$(cb fac event advance e1)
check "commit phase" "$(jq -r .phase <<<"$out")" commit
expect_error WRONG_PHASE team-a ask new e1 --to team-b --kr kr1 --need "too late"
check "unresolved at commit" "$(cb fac event show e1 | jq -r '.unresolved | join(",")')" a6
cb fac event nudge e1 lead --text "a6 is waiting for you" >/dev/null
check_contains "lead reads the nudge" "$(peek lead)" "fac nudges you in event e1 \"Q1 alignment marketplace\": a6 is waiting for you"
check "lead was nudged" "$(cb lead inbox | jq -r 'select(.kind=="event.nudge") | .body.text')" "a6 is waiting for you"
out=$(cb fac event advance e1)
check "closed" "$(jq -r .phase <<<"$out")" closed
expect_error WRONG_PHASE fac event advance e1
expect_error WRONG_PHASE lead ask decline a6 --reason "too late"
# Every delivery of the event reads as text: no raw JSON, no milliseconds.
for node in fac lead team-a team-b team-c team-d; do
    out=$(peek $node)
    check "$node's inbox has no raw JSON" "$(grep -c '[{}]' <<<"$out" || true)" 0
    check "$node's inbox has no times in ms" "$(grep -cE '[0-9]{13}' <<<"$out" || true)" 0
done
check_contains "team-a reads the close" "$(peek team-a)" "event e1 \"Q1 alignment marketplace\" is closed; its record: catchball report e1"
check "team-a was told of every phase" \
    "$(cb team-a inbox | jq -r 'select(.kind=="event.phase") | .body.phase' | tr '\n' ' ')" "share negotiate negotiate commit closed "

# The report lists exactly what happened.
r=$(cb fac report e1 --format json)
check "agreed" "$(jq -r '.agreed | map(.id) | join(",")' <<<"$r")" "a1,a3,a5"
check "declined, with reasons" "$(jq -r '.declined | map("\(.id):\(.reason)") | join("|")' <<<"$r")" \
    "a2:Our migration takes the whole quarter|a4:Billing is a tenth of our tickets"
check "countered and standing" "$(jq -r '.countered | length' <<<"$r")" 0
check "unresolved" "$(jq -r '.unresolved | map(.id) | join(",")' <<<"$r")" a6
check "drafts changed during the event" \
    "$(jq -r '.drafts | map("\(.draft):" + (.revisions | map(.rev | tostring) | join("+"))) | join(" ")' <<<"$r")" \
    "d2:2 d3:2 d4:2+3 d5: d1:"
check "revisions say why" "$(jq -r '.drafts[] | select(.draft=="d4") | .revisions | map(.message) | join(" | ")' <<<"$r")" \
    "agreed ask a3 from team-a: Cut days to first value to 2; as countered: We can get it to 4 days | agreed offer a5 to team-d: Onboarding emails for your new accounts"

# The graph of the cycle; a mistyped cycle says it has no drafts and fails
# (issue 12), rather than drawing an empty graph.
out=$("$CATCHBALL" --node lead graph --cycle 2027-Q1)
check_contains "the cycle's graph" "$out" "digraph"
rc=0
out=$("$CATCHBALL" --node lead graph --cycle 2027-Q2 2>"$TMP/stderr") || rc=$?
check "a cycle with no drafts: status" "$rc" 1
check "a cycle with no drafts: nothing drawn" "$out" ""
check "a cycle with no drafts: why" "$(cat "$TMP/stderr")" \
    "catchball: cycle '2027-Q2' has no drafts (catchball draft list shows each draft's cycle)"
rc=0
"$CATCHBALL" --node lead --json graph --cycle 2027-q1 >/dev/null 2>&1 || rc=$?
check "a cycle with no drafts, --json: status" "$rc" 1

# Every change is in the event log, in order, with no gap.
snap=$(cb fac event snapshot e1)
last=$(jq -r .seq <<<"$snap")
check "the log holds every change" "$([ "$last" -ge 20 ] && echo yes)" yes

finish
