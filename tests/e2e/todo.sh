#!/bin/bash
# End to end, with the real catchballd and catchball binaries: catchball
# todo, what a node owes right now (issue 12). A round thrown to two teams
# is on each one's list, with its deadline and the commands that answer
# it, until that team answers; the owner then owes a vote to open, each
# voter its sealed vote by the vote's deadline, and once the vote is
# revealed the owner owes the finalise, or, if it did not pass, a new vote
# or the override. In an event, an ask is on the helper's list, a counter on
# the asking team's, an offer on the helped team's, each until answered.
#
# Usage: todo.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

start_broker

# todo NODE [--json]: NODE's list
todo () {
    local node=$1
    shift
    "$CATCHBALL" --node "$node" "$@" todo
}

cb fac --role facilitator hello >/dev/null
cb boss --role leadership hello >/dev/null
cb lead --role leadership hello >/dev/null
for team in team-a team-b; do
    cb $team --role team --parent lead hello >/dev/null
done

check "nothing at first" "$(todo team-a)" "nothing waits for team-a"

# d1, lead's, thrown to both teams and boss with a deadline.
cb lead draft new "$EXAMPLES/leadership.json" >/dev/null
out=$(cb lead throw d1 --to team-a,team-b,boss --deadline 2h --question "Can you carry it?")
deadline=$(jq -r .deadline <<<"$out")
local_deadline=$(date -d "@$((deadline / 1000))" +%Y-%m-%dT%H:%M%:z)
out=$(todo team-a)
check_contains "team-a owes an answer to r1" "$out" "answer round r1: lead threw d1 to you"
check_contains "with its deadline, in local time" "$out" "by $local_deadline"
check_contains "and the commands" "$out" "do: catchball feedback r1 --kind suggestion|concern|support|cannot-align TEXT"
check_contains "or endorse" "$out" "or: catchball endorse r1 --confidence 0-5"
j=$(todo team-a --json)
check "--json: the item" "$(jq -c '.todo | map([.what, .id, .draft, .from, .deadline])' <<<"$j")" \
    "[[\"round\",\"r1\",\"d1\",\"lead\",$deadline]]"
check "lead owes nothing while the round is open" "$(todo lead)" "nothing waits for lead"

cb team-a feedback r1 --kind concern "Too steep for Q1" >/dev/null
check "team-a answered: nothing left" "$(todo team-a)" "nothing waits for team-a"
check_contains "team-b still owes r1" "$(todo team-b)" "answer round r1"
cb team-b endorse r1 --confidence 4 >/dev/null
cb boss endorse r1 --confidence 3 >/dev/null

# Rounds done: the owner owes a vote to open; nobody owes a vote yet.
check "lead owes a vote to open on d1" "$(todo lead --json | jq -c '.todo | map([.what, .id, .deadline])')" '[["open-vote","d1",null]]'
check_contains "with the command" "$(todo lead)" "do: catchball vote open d1 --voters NODE,..."
check "boss owes no vote yet" "$(todo boss)" "nothing waits for boss"
# The sealed vote (issue 14): each voter owes its vote, by the deadline.
deadline=$(cb lead vote open d1 --voters boss,team-a --deadline 1h | jq -r .deadline)
local_deadline=$(date -d "@$((deadline / 1000))" +%Y-%m-%dT%H:%M%:z)
check "boss owes a vote on d1, by its deadline" "$(todo boss --json | jq -c '.todo | map([.what, .id, .vote, .deadline])')" "[[\"vote\",\"d1\",\"v1\",$deadline]]"
out=$(todo team-a)
check_contains "team-a owes its vote" "$out" "cast your sealed confidence vote on d1 (lead's, vote v1)"
check_contains "by the deadline, in local time" "$out" "by $local_deadline"
check_contains "with the command" "$out" "do: catchball vote d1 --confidence 0-5"
check "lead owes nothing while the vote is open" "$(todo lead)" "nothing waits for lead"
cb boss vote d1 --confidence 4 >/dev/null
check "boss voted: nothing left" "$(todo boss)" "nothing waits for boss"
cb team-a vote d1 --confidence 1 --comment "not this quarter" >/dev/null
# Revealed with a 1: the owner may vote again or override.
text=$("$CATCHBALL" --node lead inbox --peek)
check_contains "inbox: the reveal" "$text" "vote v1 on d1 revision 1 revealed (everyone voted): minimum 1, median 2.5, spread 3; not passed"
check_contains "inbox: a new vote" "$text" "answer: catchball vote open d1 --voters NODE,..."
check_contains "inbox: or the override" "$text" "or: catchball finalize d1 --override --reason TEXT"
out=$(todo lead)
check_contains "lead: the vote did not pass" "$out" "finalise d1 or vote again: vote v1 on its head revision did not pass"
check_contains "lead: a new vote" "$out" "do: catchball vote open d1 --voters NODE,..."
check_contains "lead: or the override" "$out" "or: catchball finalize d1 --override --reason TEXT"
cb lead vote open d1 --voters boss,team-a >/dev/null
cb boss vote d1 --confidence 4 >/dev/null
cb team-a vote d1 --confidence 3 >/dev/null
check_contains "lead owes the finalise" "$(todo lead)" "do: catchball finalize d1"
check "--json: passed" "$(todo lead --json | jq -c '.todo | map([.what, .id, .vote, .passed])')" '[["finalize","d1","v2",true]]'
cb lead finalize d1 >/dev/null
check "final: nothing left" "$(todo lead)" "nothing waits for lead"

# The marketplace: an ask, a counter, an offer.
for team in team-a team-b; do
    jq --arg t "$team" '.objective = "Team \($t) onboarding" | .aligned_to = {draft: "d1", kr: "kr1"}' \
        "$EXAMPLES/leadership.json" > "$TMP/$team.json"
    cb $team draft new "$TMP/$team.json" >/dev/null
done
cb fac event new "Q1 market" --cycle 2027-Q1 --participants team-a,team-b --plan share=20,negotiate=40,commit=10 >/dev/null
cb fac event advance e1 >/dev/null
cb team-a event share e1 d2 >/dev/null
cb team-b event share e1 d3 >/dev/null
ends=$(cb fac event advance e1 | jq -r .ends)
closes=$((ends + 10 * 60000))

cb team-a ask new e1 --to team-b --kr kr1 --need "Joint activation work" >/dev/null
j=$(todo team-b --json)
check "team-b owes an answer to a1, by the event's close" \
    "$(jq -c '.todo | map([.what, .id, .event, .from, .text, .deadline])' <<<"$j")" \
    "[[\"ask\",\"a1\",\"e1\",\"team-a\",\"Joint activation work\",$closes]]"
out=$(todo team-b)
check_contains "the ask, as text" "$out" "answer ask a1 from team-a for d2 kr1: Joint activation work (event e1)"
check_contains "the accept" "$out" "do: catchball ask accept a1 (--new-kr JSON | --raise-target KR=N | --shared-kr JSON)"
check_contains "the decline" "$out" "or: catchball ask decline a1 --reason R"
check "team-a owes nothing for its own ask" "$(todo team-a)" "nothing waits for team-a"

cb team-b ask counter a1 --text "Only the emails" --raise-target kr2=5 >/dev/null
check "team-b owes nothing once it countered" "$(todo team-b)" "nothing waits for team-b"
out=$(todo team-a)
check_contains "team-a owes an answer to the counter" "$out" "take or refuse team-b's counter on ask a1: Only the emails"
check_contains "the take" "$out" "do: catchball ask take a1"
cb team-a ask take a1 >/dev/null
check "taken: nothing left" "$(todo team-a)" "nothing waits for team-a"

cb team-a offer new e1 --to team-b --kr kr3 --text "Our support macros" \
    --new-kr '{"text":"Macros shared","target":10}' >/dev/null
out=$(todo team-b)
check_contains "team-b owes an answer to the offer" "$out" "take or refuse offer a2 from team-a for d3 kr3: Our support macros"
check_contains "the refuse" "$out" "or: catchball ask refuse a2 --reason R"
cb team-b ask refuse a2 --reason "We have our own" >/dev/null
check "refused: nothing left" "$(todo team-b)" "nothing waits for team-b"

# Asks outside any event (issue 13): waiting on team-b with no deadline,
# named without an event.
cb team-a ask new d2 --to team-b --kr kr2 --need "Data for the dashboard" >/dev/null
j=$(todo team-b --json)
check "team-b owes an answer to a3, made outside any event, with no deadline" \
    "$(jq -c '.todo | map([.what, .id, .event, .from, .text, .deadline])' <<<"$j")" \
    '[["ask","a3",null,"team-a","Data for the dashboard",null]]'
out=$(todo team-b)
check_contains "as text, without an event" "$out" "answer ask a3 from team-a for d2 kr2: Data for the dashboard"
check_contains "no deadline" "$out" "no deadline"
cb team-b ask decline a3 --reason "Not this quarter" >/dev/null
check "declined: nothing left" "$(todo team-b)" "nothing waits for team-b"

# "We cannot align", raised at once (issue 13): the owner of the draft
# aligned to owes an answer until a revision addresses it.
raised=$(cb team-a --json raise d2 --cannot-align "Not while the old service runs" | jq -r .id)
out=$(todo lead)
check_contains "lead owes an answer to the raise" "$out" \
    "answer $raised: team-a cannot align d2 with your d1: Not while the old service runs"
check_contains "answered by a revision that addresses it" "$out" \
    "do: catchball draft revise d1 FILE --addresses $raised --message M"
cb lead draft revise d1 "$EXAMPLES/leadership.json" --addresses "$raised" --message "moved" >/dev/null
check "addressed: nothing left" "$(todo lead)" "nothing waits for lead"

# Bad input, said clearly, storing nothing.
seq=$(cb lead event snapshot e1 | jq .seq)
rc=0; err=$("$CATCHBALL" --node lead raise d1 --cannot-align "x" 2>&1) || rc=$?
check "raise from a draft aligned to nothing: refused" "$rc" 1
check_contains "raise: why" "$err" "BAD_FIELD (103): d1 is aligned to nothing"
rc=0; err=$("$CATCHBALL" --node team-a raise d3 --cannot-align "x" 2>&1) || rc=$?
check_contains "raise from another's draft: NOT_OWNER" "$err" "NOT_OWNER (202): d3 is team-b's"
rc=0; err=$("$CATCHBALL" --node team-a ask new d9 --to team-b --kr kr1 --need x 2>&1) || rc=$?
check_contains "an ask for a draft that does not exist" "$err" "NOT_FOUND (300): no draft d9"
rc=0; err=$("$CATCHBALL" --node team-a ask new d2 --to nobody --kr kr1 --need x 2>&1) || rc=$?
check_contains "an ask to a node that never said hello" "$err" "UNKNOWN_NODE (306)"
check "nothing stored by the refusals" "$(cb lead event snapshot e1 | jq .seq)" "$seq"

# The override (issue 14): d2 has no vote that passed; its owner finalises
# it anyway, with a reason the history keeps.
expect_error NO_CONFIDENCE team-a finalize d2
rc=0
"$CATCHBALL" --node team-a finalize d2 --override >/dev/null 2>&1 || rc=$?
check "--override without --reason: a usage error" "$rc" 2
cb team-a finalize d2 --override --reason "the board asked for it today" >/dev/null
check "--json: the override kept" "$(cb team-a history d2 | jq -c '.draft.override | [.reason, .node, .passed]')" \
    '["the board asked for it today","team-a",false]'
check_contains "history shows the override" "$("$CATCHBALL" --node team-a history d2)" \
    "by override (team-a): the board asked for it today"

# The end of the cycle (issue 14): the final OKR's retrospective, once,
# and its carry-over into the next cycle, named both ways.
scores=$(cb team-a draft show d2 | jq -r '[.revision.content.key_results[].id | . + "=0.5"] | join(",")')
expect_error BAD_FIELD team-a retro d2 --score kr1=0.5 --learned "too few scores"
"$CATCHBALL" --node team-a retro d2 --score "$scores" --learned "Data first, then the flow" >/dev/null
expect_error ALREADY_DONE team-a retro d2 --score "$scores" --learned "again"
check_contains "history: the retrospective" "$("$CATCHBALL" --node team-a history d2)" \
    "learned: Data first, then the flow"
next=$(cb team-a carry d2 --to-cycle 2027-Q2 | jq -r .draft)
check "carry: a draft of the next cycle" "$(cb team-a draft show "$next" | jq -r .draft.cycle)" "2027-Q2"
check_contains "its history: where it came from" "$("$CATCHBALL" --node team-a history "$next")" \
    "carried over from d2 revision"
check_contains "the old one's: where it went" "$("$CATCHBALL" --node team-a history d2)" \
    "carried over to $next"
expect_error NOT_OWNER team-b carry d2 --to-cycle 2027-Q3

# Closing a cycle asks for the missing retrospectives (issue 14): lead's
# final d1 has none, so lead is asked, and todo lists it until given.
start=$(date -u -d "-10 days" +%F); end=$(date -u -d "+80 days" +%F)
cb lead cycle new 2027-Q1 --start "$start" --end "$end" >/dev/null
closed=$(cb lead cycle close 2027-Q1)
check "cycle close: closed" "$(jq -r .cycle.state <<<"$closed")" "closed"
check_contains "cycle close: lead's d1 has no retrospective" "$(jq -c .missing <<<"$closed")" '"d1"'
check_contains "the delivery asks for it" "$("$CATCHBALL" --node lead inbox --peek)" \
    "answer: catchball retro d1 --score KR=0..1,... --learned TEXT"
check_contains "todo lists it" "$(todo lead)" "score d1, final OKR of closed cycle 2027-Q1"
scores=$(cb lead draft show d1 | jq -r '[.revision.content.key_results[].id | . + "=1"] | join(",")')
cb lead retro d1 --score "$scores" --learned "Onboarding moved once signup did" >/dev/null
check_contains "retro given: not listed" "$(todo lead)" "nothing waits for lead"

# The store holds every kind of record now (asks outside events, raises,
# sealed votes, retrospectives, carried drafts): its full offline check
# finds it sound.
kill "$BROKER_PID"; wait "$BROKER_PID" || true
BROKER_PID=
rc=0
"$CATCHBALLD" --store "$STORE" check >"$TMP/check.log" 2>&1 || rc=$?
check "catchballd check: the store is sound" "$rc" 0

finish
