#!/bin/bash
# End to end, with the real catchballd and catchball binaries: check-ins
# and progress (issue 14, item 2). team-a's draft d2 (kr1 led by team-b)
# is refused a check-in until it is final; then the owner and the lead
# check in, the owner reads the lead's in its inbox, and `progress` shows
# baseline, current value, target, the share covered (kr2's target is
# below its baseline), the confidence trend and the last check-in, numbers
# exactly. Bad input and the wrong sender are refused and store nothing;
# the broker is killed with SIGKILL and every acknowledged check-in is
# still there. Then leadership's confidence in d1 kr1, which d2 aligns to,
# falls from 4 to 1: team-a reads checkin.dropped in its inbox and `todo`
# asks it to check d2's alignment, until a later check-in lifts it.
# Last, cycles (item 1): 2027-Q1 was undefined so far, and worked as
# before; leadership defines it (running), a team cannot; once closed,
# check-ins on its drafts are refused (CYCLE_STATE), and so is a second
# close; a cycle still to start (planning) refuses them too.
#
# Usage: checkin.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

start_broker

cb lead --role leadership hello >/dev/null
cb watcher --role observer hello >/dev/null
for team in team-a team-b team-c; do
    cb $team --role team --parent lead hello >/dev/null
done

# finalize NODE DRAFT: voted on and finalised by its owner (the one place
# to change if finalising asks for more).
finalize () {
    cb "$1" finalize "$2" --override --reason "finalised for the check-ins test" >/dev/null
}
# listed: how many check-ins the broker holds.
listed () {
    cb watcher progress | jq '[.progress[].checkins] | add // 0'
}

cb lead draft new "$EXAMPLES/leadership.json" >/dev/null
jq '.objective = "Team A makes activation easy" | .aligned_to = {draft: "d1", kr: "kr1"}
    | .key_results[0].leads = ["team-b"]' "$EXAMPLES/leadership.json" > "$TMP/team-a.json"
cb team-a draft new "$TMP/team-a.json" >/dev/null

# Not final yet: refused with its own code, nothing stored.
expect_error NOT_FINAL team-a checkin d2 kr1 --value 45 --confidence 3
out=$("$CATCHBALL" --node team-a checkin d2 kr1 --value 45 --confidence 3 2>&1) || true
check_contains "NOT_FINAL says why" "$out" "d2 is not final"
finalize team-a d2
check "nothing stored before finalize" "$(listed)" 0

# The owner checks in; the lead of kr1 checks in, with a note.
out=$("$CATCHBALL" --node team-a checkin d2 kr1 --value 45 --confidence 3)
check "owner's check-in" "$out" "checked in c1 on d2 kr1"
check "lead's check-in" "$(cb team-b checkin d2 kr1 --value 47.5 --confidence 2 \
    --note "two big accounts slipped" | jq -r .id)" c2
cb team-a checkin d2 kr2 --value 8.5 --confidence 4 >/dev/null
cb team-a checkin d2 kr3 --value 0.1 --confidence 5 >/dev/null

# Bad input and the wrong sender: refused, nothing stored.
rc=0; "$CATCHBALL" --node team-a checkin d2 kr1 --value lots --confidence 3 2>"$TMP/err" || rc=$?
check "a value that is not a number: usage" "$rc" 2
check_contains "a value that is not a number: why" "$(cat "$TMP/err")" "--value takes a number"
expect_error BAD_FIELD team-a checkin d2 kr1 --value 50 --confidence 7
expect_error NOT_FOUND team-a checkin d2 kr9 --value 50 --confidence 3
expect_error NOT_OWNER team-c checkin d2 kr1 --value 50 --confidence 3
expect_error NOT_OWNER team-b checkin d2 kr2 --value 50 --confidence 3
expect_error NOT_OWNER lead checkin d2 kr1 --value 50 --confidence 3
expect_error FORBIDDEN watcher checkin d2 kr1 --value 50 --confidence 3
check "refusals stored nothing" "$(listed)" 4

# The owner reads the lead's check-in in its inbox.
out=$("$CATCHBALL" --node team-a inbox)
check_contains "inbox: who checked in" "$out" "team-b checked in"
check_contains "inbox: the check-in" "$out" "d2 kr1 at 47.5, confidence 2/5 (c2): two big accounts slipped"

# progress: exact numbers, the share covered, the trend.
out=$("$CATCHBALL" --node watcher progress --draft d2)
check_contains "progress kr1 numbers" "$out" "baseline 40, current 47.5, target 60 %"
check_contains "progress kr1 share" "$out" "covered 37.5% of the way"
check_contains "progress kr1 trend" "$out" "confidence 3 -> 2  ▅▃"
check_contains "progress kr1 last" "$out" "last check-in c2 by team-b"
check_contains "progress kr2, target below baseline" "$out" "baseline 14, current 8.5, target 3 days"
check_contains "progress kr2 share" "$out" "covered 50% of the way"
check_contains "progress kr3 exact" "$out" "baseline 2.4, current 0.1, target 1 tickets"
json=$(cb watcher progress --draft d2)
check "progress --json kr2 share" "$(jq -r '.progress[] | select(.kr=="kr2") | .share' <<<"$json")" 0.5
check "progress --json kr1 trend" "$(jq -c '.progress[] | select(.kr=="kr1") | .confidence' <<<"$json")" "[3,2]"
check "progress --json kr3 current" "$(jq -r '.progress[] | select(.kr=="kr3") | .current' <<<"$json")" 0.1
check "progress --cycle: d2's three key results" \
    "$(cb watcher progress --cycle 2027-Q1 | jq '.progress | length')" 3
check "progress --cycle of another cycle: nothing" \
    "$(cb watcher progress --cycle 2027-Q2 | jq '.progress | length')" 0

# The history shows them; SIGKILL loses nothing acknowledged.
kill9_broker
start_broker
check "after SIGKILL: every check-in" "$(listed)" 4
out=$("$CATCHBALL" --node watcher history d2)
check_contains "history: the lead's check-in" "$out" "d2 kr1 at 47.5, confidence 2/5 (c2)"
check "history --json: four check-ins" "$(cb watcher history d2 | jq '.checkins | length')" 4

# A drop on a key result d2 aligns to: team-a is told, and owes a look.
finalize lead d1
cb lead checkin d1 kr1 --value 41 --confidence 4 >/dev/null
check "no drop, nothing to do" "$(cb team-a todo | jq '[.todo[] | select(.what=="dropped")] | length')" 0
cb team-a inbox >/dev/null       # read and acknowledged: only what follows is new
cb lead checkin d1 kr1 --value 40 --confidence 1 --note "the migration failed" >/dev/null
out=$("$CATCHBALL" --node team-a inbox)
check_contains "inbox: the drop" "$out" "lead's confidence in d1 kr1 fell 4 -> 1/5, and your d2 aligns to it"
check_contains "inbox: what to do" "$out" "catchball raise d2 --cannot-align TEXT --kr kr1"
out=$("$CATCHBALL" --node team-a todo)
check_contains "todo: the drop" "$out" "check d2's alignment: the confidence in d1 kr1, which it aligns to, fell 4 -> 1 (c6 by lead)"
check_contains "todo: see progress" "$out" "catchball progress --draft d1"
cb lead checkin d1 kr1 --value 44 --confidence 3 >/dev/null
check "lifted: nothing to do" "$(cb team-a todo | jq '[.todo[] | select(.what=="dropped")] | length')" 0

# Cycles with dates.
yesterday=$(date -u -d yesterday +%F)
later=$(date -u -d "+90 days" +%F)
expect_error FORBIDDEN team-a cycle new 2027-Q1 --start "$yesterday" --end "$later"
out=$("$CATCHBALL" --node lead cycle new 2027-Q1 --start "$yesterday" --end "$later")
check_contains "cycle new: running" "$out" "cycle 2027-Q1: running, from ${yesterday}T00:00Z"
check_contains "cycle new: weekly" "$out" "check-ins every 7 days; created by lead"
rc=0; "$CATCHBALL" --node lead cycle new 2027-Q5 --start 2027-02-30 --end "$later" 2>/dev/null || rc=$?
check "cycle new: no such date" "$rc" 2
cb team-a checkin d2 kr1 --value 50 --confidence 3 >/dev/null
before=$(listed)
check "cycle close" "$(cb lead cycle close 2027-Q1 | jq -r .cycle.state)" closed
expect_error CYCLE_STATE team-a checkin d2 kr1 --value 51 --confidence 3
expect_error CYCLE_STATE lead cycle close 2027-Q1
check "closed: nothing stored" "$(listed)" "$before"
check "cycle show" "$(cb watcher cycle show 2027-Q1 | jq -r '.cycle.closed_by')" lead
jq '.cycle = "2027-Q2"' "$TMP/team-a.json" | jq 'del(.aligned_to)' > "$TMP/q2.json"
cb team-a draft new "$TMP/q2.json" >/dev/null
finalize team-a d3
cb lead cycle new 2027-Q2 --start "$(date -u -d '+100 days' +%F)" --end "$(date -u -d '+190 days' +%F)" --cadence 14 >/dev/null
check "cycle show: planning" "$(cb watcher cycle show 2027-Q2 | jq -r '.cycle.state')" planning
check "cycle list" "$(cb watcher cycle list | jq -r '[.cycles[] | "\(.name) \(.state)"] | join(", ")')" \
    "2027-Q1 closed, 2027-Q2 planning"
out=$("$CATCHBALL" --node watcher cycle list)
check_contains "cycle list: text" "$out" "cycle 2027-Q2: planning, from"
expect_error CYCLE_STATE team-a checkin d3 kr1 --value 41 --confidence 3

# The event log has them: watch reads each as a line.
out=$("$CATCHBALL" --node watcher watch d2 --kind checkin.new --from 1 --count 1)
check_contains "watch: a check-in" "$out" "check-in c1 on d2 kr1: 45, confidence 3/5"
out=$("$CATCHBALL" --node watcher watch --owner lead --kind cycle.close --from 1 --count 1)
check_contains "watch: a cycle closed" "$out" "cycle 2027-Q1 closed"
cb lead cycle new 2028-Q1 --start 2028-01-01 --end 2028-03-31 >/dev/null
out=$("$CATCHBALL" --node watcher watch --cycle 2028-Q1 --from 1 --count 1)
check_contains "watch --cycle: a cycle without drafts, defined" "$out" "cycle.new: cycle 2028-Q1"

# The graph shows where each key result stands: its last check-in.
out=$("$CATCHBALL" --node watcher graph --cycle 2027-Q1)
check_contains "graph: d2 kr1 now" "$out" "(now 50, confidence 3/5)"
check_contains "graph: d2 kr3 exact" "$out" "(now 0.1, confidence 5/5)"

# The cycle's whole loop (issue 14): d2's retrospective, its kr1 scored
# from its last check-in (the share of the way), then the report.
others=$(cb team-a draft show d2 | jq -r '[.revision.content.key_results[].id | select(. != "kr1") | . + "=0.5"] | join(",")')
"$CATCHBALL" --node team-a retro d2 --score "$others" --learned "Weekly check-ins kept it honest" >/dev/null
json=$(cb watcher report --cycle 2027-Q1)
d2=$(jq -c '.drafts[] | select(.id == "d2")' <<<"$json")
check "report: kr1's check-ins, in order" \
    "$(jq -c '[.key_results[0].checkins[] | [.value, .confidence]]' <<<"$d2")" \
    "$(cb watcher history d2 | jq -c '[.checkins[] | select(.kr == "kr1") | [.value, .confidence]]')"
check "report: kr1's score is the share its last check-in covered" \
    "$(jq '.key_results[0] | (.score - ([.share, 1] | min | [., 0] | max)) | fabs < 1e-9' <<<"$d2")" true
check "report: what was learned" "$(jq -r .learned <<<"$d2")" "Weekly check-ins kept it honest"
md=$("$CATCHBALL" --node watcher report --cycle 2027-Q1)
check_contains "report md: the cycle" "$md" "# Cycle 2027-Q1"
check_contains "report md: d2" "$md" "## d2 (team-a)"
check_contains "report md: learned" "$md" "Learned: Weekly check-ins kept it honest"
rc=0; "$CATCHBALL" --node watcher report --cycle 2031-Q9 >/dev/null 2>&1 || rc=$?
check "report of a cycle that does not exist: refused" "$rc" 1
rc=0; "$CATCHBALL" --node watcher report e1 --cycle 2027-Q1 >/dev/null 2>&1 || rc=$?
check "report: an event and a cycle at once is bad usage" "$rc" 2
finish
