#!/bin/bash
# A whole quarter, end to end (issue 14, "Done when"), with the real
# catchballd and catchball binaries and the broker's clock driven by a
# file (`catchballd --clock FILE`), so that three months play in seconds
# and every deadline, time box and cadence fires because the time moved,
# not because the test waited.
#
# 2027-01-01: leadership defines 2027-Q1 (planning until the 4th), drafts
#   d1; team-a (d2) aligns to it, team-b (d3) to team-a's d2. A round on
#   d1 with a 2-day deadline: team-a's concern, team-b's counter-proposal.
# 01-03: the deadline closes the round (team-c never answered);
#   leadership adopts the counter.
# 01-04: the cycle runs. A marketplace's time box counts down on the
#   broker's clock (event show). team-b asks team-a for help; team-a agrees.
#   Sealed votes: on d1 (team-c never votes; the broker is SIGKILLed with
#   the vote open and reveals it at its deadline, after the restart), on
#   d2 (revealed when the last voter votes) and on d3 (a vote of 1:
#   finalize is refused, then forced with a reason).
# 01-11 .. 02-01: four weekly check-ins on every key result; team-b misses
#   the second week: checkin.due reaches it, and a week later the
#   escalated one reaches team-a, whose d2 it aligns to. team-a's
#   confidence in d2 kr1 falls from 4 to 1: team-b is told. The broker is
#   SIGKILLed again between the check-ins and the escalation.
# 04-01: retrospectives (one before the close, the rest asked for by it,
#   listed in todo), d2 carried into 2027-Q2, the cycle report.
# Bad input is refused with its code and stores nothing; after each
# SIGKILL every acknowledged change is there, once.
#
# Usage: quarter.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

CLOCK=$TMP/clock

# at ISO: the broker's time becomes ISO (written aside, renamed into
# place), and this waits until the broker says so: by then every deadline
# and tick due by ISO has fired and been committed (the broker applies
# them before the requests of the batch that answers).
at () {
    local want now deadline=$((SECONDS + 10))
    want=$(($(date -u -d "$1" +%s) * 1000))
    echo "$1" > "$CLOCK.new"
    mv "$CLOCK.new" "$CLOCK"
    while :; do
        now=$(cb probe ping 2>/dev/null | jq -r .time 2>/dev/null) || now="no answer"
        [ "$now" = "$want" ] && return 0
        if [ $SECONDS -ge $deadline ]; then
            fail "the broker's clock is $now, not $want ($1)"
            return 1
        fi
        sleep 0.02      # the broker looks at the file every 50 ms
    done
}

# kinds NODE: the kinds of what NODE's inbox holds, new since last time
# (read, so acknowledged), sorted, one line. (--json: a delivery a line.)
kinds () {
    cb "$1" inbox | jq -rs '[.[].kind] | sort | join(" ")'
}

# ACKED: every check-in the broker acknowledged, as "id draft kr value";
# survived: what checkin.list holds, the same way (each once).
ACKED=$TMP/acked
: > "$ACKED"
checkin () {
    local node=$1 draft=$2 kr=$3 value=$4 confidence=$5 id
    shift 5
    id=$(cb "$node" checkin "$draft" "$kr" --value "$value" --confidence "$confidence" "$@" \
         | jq -r .id)
    echo "$id $draft $kr $value" >> "$ACKED"
}
survived () {
    local draft
    for draft in d1 d2 d3; do
        cb watcher history "$draft" | jq -r '.checkins[] | "\(.id) \(.draft) \(.kr) \(.value)"'
    done | sort
}
all_survived () {
    check "$1: every acknowledged check-in, once" "$(survived)" "$(sort "$ACKED")"
}
# krs DRAFT: the key results of the draft's head
krs () {
    cb watcher draft show "$1" | jq -r '.revision.content.key_results[].id'
}

at_start () {
    echo "$1" > "$CLOCK"
    start_broker --clock "$CLOCK"
}

# --- 2027-01-01: the cycle, the drafts, a round ---------------------------
at_start 2027-01-01T09:00:00Z
check "the broker's time is the file's" "$(cb probe ping | jq -r .time)" \
    "$(($(date -u -d 2027-01-01T09:00:00Z +%s) * 1000))"

cb lead --role leadership hello >/dev/null
cb watcher --role observer hello >/dev/null
for team in team-a team-b team-c; do
    cb $team --role team --parent lead hello >/dev/null
done

out=$("$CATCHBALL" --node lead cycle new 2027-Q1 --start 2027-01-04 --end 2027-03-31)
check_contains "cycle new: planning until it starts" "$out" "cycle 2027-Q1: planning, from 2027-01-04"
cb lead draft new "$EXAMPLES/leadership.json" >/dev/null
cb team-a draft new "$EXAMPLES/team-a.json" >/dev/null
jq '.aligned_to = {draft: "d2", kr: "kr1"}' "$EXAMPLES/team-b.json" > "$TMP/team-b.json"
cb team-b draft new "$TMP/team-b.json" >/dev/null

round=$(cb lead throw d1 --to team-a,team-b,team-c --question "Can you commit to this?" \
        --deadline 2d | jq -r .round)
check "round thrown" "$round" r1
cb team-a feedback r1 --kind concern --on kr1 "60% in one quarter is more than we can do" >/dev/null
proposal=$(cb team-b counter r1 "$EXAMPLES/counter-team-b.json" --message "a target we can reach" \
           | jq -r .id)
check "counter-proposal" "$proposal" p1

# --- 01-03: the deadline closes the round ---------------------------------
at 2027-01-03T09:00:00Z
check "the round closed at its deadline" "$(cb watcher round show r1 | jq -r '.round.state + " " + .round.closed_by')" \
    "closed deadline"
check_contains "leadership is told" "$(kinds lead)" "round.closed"
cb lead adopt p1 --message "team-b's targets, with team-a's concern addressed" >/dev/null
check "adopted: revision 3" \
    "$(cb watcher draft show d1 | jq -r '"\(.draft.head) \(.revision.proposal)"')" "3 p1"

# --- 01-04: the cycle runs; an ask; the sealed votes ----------------------
at 2027-01-04T09:00:00Z
check "cycle running" "$(cb watcher cycle show 2027-Q1 | jq -r .cycle.state)" running
# A marketplace's time box counts on the broker's clock, not the terminal's.
cb fac --role facilitator hello >/dev/null
cb fac event new "Q1 kick-off" --cycle 2027-Q1 --participants team-a,team-b >/dev/null
cb fac event advance e1 >/dev/null
check_contains "time left, by the broker's clock" "$("$CATCHBALL" --node fac event show e1)" \
    "phase: share, 20:00 left"
at 2027-01-04T09:12:30Z
check_contains "time left, 12.5 minutes on" "$("$CATCHBALL" --node fac event show e1)" \
    "phase: share, 7:30 left"

# team-b needs team-a's help on d3 kr1; team-a takes it into d2 (kr4).
ask=$(cb team-b ask new d3 --to team-a --kr kr1 --need "an invite flow in the first session" \
      --helper-draft d2 | jq -r .ask)
check "ask made" "$ask" a1
cb team-a ask accept a1 --new-kr '{"text": "New accounts that invite a teammate from the first session", "baseline": 5, "target": 25, "unit": "%"}' >/dev/null
check "the ask is agreed" "$(cb watcher ask list | jq -r '.asks[0].state')" accepted
check "reflected in d2" "$(krs d2 | tr '\n' ' ')" "kr1 kr2 kr3 kr4 "

# The sealed vote on d1: each voter is told only that its vote counted.
cb lead vote open d1 --voters team-a,team-b,team-c --deadline 1d --threshold 3 >/dev/null
check "a vote's reply says only that it counted" \
    "$(cb team-a vote d1 --confidence 4 | jq -c '[keys[], .counted]')" '["counted","draft","rev","vote",true]'
expect_error ALREADY_VOTED team-a vote d1 --confidence 5
expect_error FORBIDDEN watcher vote d1 --confidence 5
cb team-b vote d1 --confidence 3 --comment "only with the lower target" >/dev/null
check "sealed: who voted, not how" "$(cb watcher vote show v1 | jq -c '[.vote.voted, .vote.result]')" \
    '[["team-a","team-b"],null]'
expect_error NO_CONFIDENCE lead finalize d1

# SIGKILL with the vote open; its deadline still reveals it.
kill9_broker
start_broker --clock "$CLOCK"
check "after SIGKILL: the votes" "$(cb watcher vote show v1 | jq -c .vote.voted)" '["team-a","team-b"]'
expect_error ALREADY_VOTED team-b vote d1 --confidence 5
at 2027-01-05T10:00:00Z
check "revealed at the deadline: every vote, min, median, spread" \
    "$(cb watcher vote show v1 | jq -c '.vote | [.closed_by, (.result | ([.votes[] | "\(.node)=\(.confidence)"] | join(",")), .min, .median, .spread, .passed)]')" \
    '["deadline","team-a=4,team-b=3",3,3.5,1,true]'
check_contains "the owner is told" "$(kinds lead)" "vote.revealed"
check_contains "a voter is told" "$(kinds team-a)" "vote.revealed"
expect_error VOTE_CLOSED team-c vote d1 --confidence 5
cb lead finalize d1 >/dev/null
check "d1 final" "$(cb watcher draft show d1 | jq -r .draft.state)" final
out=$("$CATCHBALL" --node watcher vote show d1)
check_contains "vote show, as text" "$out" "minimum 3, median 3.5, spread 1; passed"
check_contains "vote show: who did not vote" "$out" "no vote from team-c"

# d2: revealed when the last voter votes. d3: a vote of 1 blocks it.
cb team-a vote open d2 --voters lead,team-b --threshold 3 >/dev/null
expect_error NOT_VOTER team-c vote d2 --confidence 5
out=$("$CATCHBALL" --node watcher vote show d2)
check_contains "vote show, open" "$out" "voted: 0 of 2; waiting for lead, team-b"
cb lead vote d2 --confidence 5 >/dev/null
cb team-b vote d2 --confidence 4 >/dev/null
check "revealed when all voted" "$(cb watcher vote show v2 | jq -c '.vote | [.closed_by, .result.median]')" '["voted",4.5]'
cb team-a finalize d2 >/dev/null
cb team-b vote open d3 --voters lead,team-a >/dev/null
cb lead vote d3 --confidence 1 --comment "this leans on an invite flow nobody owns yet" >/dev/null
cb team-a vote d3 --confidence 4 >/dev/null
expect_error NO_CONFIDENCE team-b finalize d3
out=$("$CATCHBALL" --node team-b finalize d3 2>&1) || true
check_contains "NO_CONFIDENCE says why" "$out" "v3 has a vote of 1"
cb team-b finalize d3 --override --reason "team-a owns the invite flow now (a1)" >/dev/null
check "d3 final by override" \
    "$(cb watcher draft show d3 | jq -r '.draft.state + ": " + .draft.override.reason')" \
    "final: team-a owns the invite flow now (a1)"
check_contains "the history keeps the override" "$("$CATCHBALL" --node watcher history d3)" \
    "team-a owns the invite flow now (a1)"

# --- four weekly check-ins --------------------------------------------------
# week NODE DRAFT N CONFIDENCE: NODE checks in every key result of DRAFT, N
# fifths of the way from its baseline to its target (whole numbers, so that
# they read back exactly).
week () {
    local node=$1 draft=$2 n=$3 confidence=$4 kr value
    while read -r kr value; do
        checkin "$node" "$draft" "$kr" "$value" "$confidence" --note "week $n"
    done < <(cb watcher draft show "$draft" | jq -r --argjson n "$n" \
             '.revision.content.key_results[] | "\(.id) \(.baseline + (.target - .baseline) * $n / 5 | round)"')
}

at 2027-01-11T09:00:00Z
week lead d1 1 4
week team-a d2 1 4
week team-b d3 1 3
check "week 1: ten check-ins" "$(wc -l < "$ACKED")" 10
# Bad input: refused with its code, nothing stored.
jq '.aligned_to = {draft: "d1", kr: "kr2"}' "$EXAMPLES/team-c.json" > "$TMP/team-c.json"
check "team-c's draft, never final" "$(cb team-c draft new "$TMP/team-c.json" | jq -r .draft)" d4
expect_error NOT_FINAL team-c checkin d4 kr1 --value 3 --confidence 3
rc=0; "$CATCHBALL" --node team-a checkin d2 kr1 --value "a lot" --confidence 3 2>"$TMP/err" || rc=$?
check "a value that is not a number: usage" "$rc" 2
check_contains "a value that is not a number: why" "$(cat "$TMP/err")" "--value takes a number"
expect_error BAD_FIELD team-a checkin d2 kr1 --value 45 --confidence 7
expect_error NOT_OWNER team-c checkin d2 kr1 --value 45 --confidence 3
all_survived "refusals"

# Week 2: team-b misses it. At noon its tick (a week after its check-in)
# has fired: checkin.due to team-b, not yet escalated.
at 2027-01-18T08:30:00Z
week lead d1 2 4
week team-a d2 2 3
kinds team-b >/dev/null
kinds team-a >/dev/null
at 2027-01-18T12:00:00Z
due=$(cb team-b inbox | jq -sc '[.[] | select(.kind == "checkin.due") | .body
      | {draft, escalated, krs: [.krs[] | "\(.kr):\(.missed)"]}]')
check "week 2 missed: checkin.due to team-b" "$due" \
    '[{"draft":"d3","escalated":false,"krs":["kr1:1","kr2:1","kr3:1"]}]'
check "not escalated yet" "$(kinds team-a)" ""
check_contains "todo: the check-in due" "$("$CATCHBALL" --node team-b todo)" "d3 kr1: no check-in for 7 days (c8), every 7 days in cycle 2027-Q1"

# Week 3: team-a's confidence in d2 kr1 falls 3 -> 1: team-b, whose d3
# aligns to it, is told.
at 2027-01-25T08:00:00Z
week lead d1 3 4
week team-a d2 3 1
dropped=$(cb team-b inbox | jq -sc '[.[] | select(.kind == "checkin.dropped") | .body.checkin
          | "\(.draft) \(.kr) \(.confidence)"]')
check "the drop reaches the aligned team" "$dropped" '["d2 kr1 1"]'

# SIGKILL between the check-ins and the escalation: nothing lost, and the
# ticks, kept in the store, still fire.
kill9_broker
start_broker --clock "$CLOCK"
all_survived "after the second SIGKILL"
at 2027-01-25T09:30:00Z
due=$(cb team-b inbox | jq -sc '[.[] | select(.kind == "checkin.due") | .body
      | {escalated, krs: [.krs[] | "\(.kr):\(.missed)"]}]')
check "two weeks missed: checkin.due to team-b again" "$due" \
    '[{"escalated":false,"krs":["kr1:2","kr2:2","kr3:2"]}]'
due=$(cb team-a inbox | jq -sc '[.[] | select(.kind == "checkin.due") | .body
      | {draft, owner, escalated, aligned_to}]')
check "escalated to the owner of the draft it aligns to" "$due" \
    '[{"draft":"d3","owner":"team-b","escalated":true,"aligned_to":"d2"}]'
week team-b d3 3 3

at 2027-02-01T07:30:00Z
week lead d1 4 4
week team-a d2 4 2
week team-b d3 4 4
all_survived "four weeks"
check "check-ins made: 10 + 7 (team-b missed one) + 10 + 10" "$(wc -l < "$ACKED")" 37
check "d2 kr1's confidence over the weeks" \
    "$(cb watcher progress --draft d2 | jq -c '.progress[] | select(.kr == "kr1") | .confidence')" \
    "[4,3,1,2]"
check "d2 kr1 covered 4/5 of the way" \
    "$(cb watcher progress --draft d2 | jq -c '.progress[] | select(.kr == "kr1") | .share')" 0.8

# --- 04-01: the retrospectives, the carry-over, the report ------------------
at 2027-04-01T09:00:00Z
check_contains "progress: the last check-in's age, on the broker's clock" \
    "$("$CATCHBALL" --node watcher progress --draft d2)" "last check-in c34 by team-a, 59d 1h ago"
cb team-a retro d2 --score kr1=0.7 --learned "the invite flow mattered more than the checklist" >/dev/null
check "d2's scores: kr1 given, the rest from its last check-ins" \
    "$(cb watcher draft show d2 | jq -c '.draft.retro | [.scores.kr1, .scores.kr2, .from_checkins]')" \
    '[0.7,0.8,["kr2","kr3","kr4"]]'
closed=$(cb lead cycle close 2027-Q1)
check "closing asks for the missing retrospectives" "$(jq -c .missing <<<"$closed")" '["d1","d3"]'
check_contains "team-b is asked" "$(kinds team-b)" "cycle.closed"
check_contains "todo: the retrospective" "$("$CATCHBALL" --node team-b todo)" "retro d3"
expect_error CYCLE_STATE team-b checkin d3 kr1 --value 30 --confidence 4
cb team-b retro d3 --learned "we should have asked team-a in week one" >/dev/null
retro=$(cb watcher draft show d3 | jq -c .draft.retro)
expect_error ALREADY_DONE team-b retro d3 --score kr1=1 --learned "second thoughts"
check "a second retrospective stores nothing" "$(cb watcher draft show d3 | jq -c .draft.retro)" "$retro"
check "todo: nothing left for team-b" "$(cb team-b todo | jq '[.todo[] | select(.what == "retro")] | length')" 0
cb lead retro d1 --learned "targets set with the teams held" >/dev/null

carried=$(cb team-a carry d2 --to-cycle 2027-Q2)
check "carried into 2027-Q2" "$(jq -c '[.draft, .origin.draft]' <<<"$carried")" '["d5","d2"]'
check "d2 says where it went" "$(cb watcher draft show d2 | jq -c .draft.carried_to)" '["d5"]'
check_contains "d5's history links back" "$("$CATCHBALL" --node watcher history d5)" "carried over from d2"
all_survived "the end of the quarter"

report=$(cb watcher report --cycle 2027-Q1)
echo "$report" > "$TMP/report.json"
md=$("$CATCHBALL" --node watcher report --cycle 2027-Q1 --format md)
check "report: the drafts of the cycle" "$(jq -c '[.drafts[] | "\(.id) \(.state)"]' <<<"$report")" \
    '["d1 final","d2 final","d3 final","d4 drafting"]'
check "report: d2 kr1 over the weeks, with its score" \
    "$(jq -c '.drafts[] | select(.id == "d2") | .key_results[0] | [([.checkins[] | "\(.value)@\(.confidence)"] | join(" ")), .share, .score]' <<<"$report")" \
    '["60@4 65@3 70@1 75@2",0.8,0.7]'
check "report: the missed week" \
    "$(jq -c '.drafts[] | select(.id == "d3") | [.key_results[0].checkins[].note]' <<<"$report")" \
    '["week 1","week 3","week 4"]'
check "report: what was learned" "$(jq -r '.drafts[] | select(.id == "d3") | .learned' <<<"$report")" \
    "we should have asked team-a in week one"
check "report: the asks fulfilled" "$(jq -c '[.asks_fulfilled[] | "\(.id) \(.from) -> \(.to)"]' <<<"$report")" \
    '["a1 team-b -> team-a"]'
check_contains "report (md): the cycle" "$md" "closed, from 2027-01-04T00:00Z to 2027-04-01T00:00Z; check-ins every 7 days."
check_contains "report (md): a check-in" "$md" "  - 2027-01-25T08:00Z: 70, confidence 1/5 (team-a): week 3"
check_contains "report (md): the override" "$md" "Agreed: final at revision 1, by override: team-a owns the invite flow now (a1)"
check_contains "report (md): a key result without a unit" "$md" "12 -> 3; covered 77.8%"
check_contains "report (md): the ask" "$md" "a1: team-a helped team-b with d3 kr1: an invite flow in the first session"
check "the clock never went back" "$(grep -c "the time never goes back" "$LOG" || true)" 0

finish
