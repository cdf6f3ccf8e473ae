#!/bin/bash
# End to end, with the real catchballd and catchball binaries: the README's
# walk-through. Leadership throws a draft to three teams, one of them
# offline until the end; feedback and a cannot-align come back; the round
# closes; leadership revises addressing two feedback ids and throws round 2,
# where a counter-proposal comes back; leadership adopts it, checks it with
# the teams in round 3 (which closes by itself), opens a sealed vote among
# the teams (a SIGKILL while it is open loses no vote) and finalises. The
# broker is killed with SIGKILL four times along the way and restarted;
# history, diff and inboxes are intact, and the late team receives
# everything exactly once. A hot backup taken while the broker serves,
# served by a second broker, holds the same history.
#
# Usage: catchball.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

start_broker

# Everyone says hello once: the broker learns the names and roles.
cb lead --role leadership hello >/dev/null
for team in team-a team-b team-c; do
    cb $team --role team --parent lead hello >/dev/null
done

# 1. Leadership drafts and throws.
out=$(cb lead draft new "$EXAMPLES/leadership.json" --message "rough first draft")
check "draft id" "$(jq -r .draft <<<"$out")" d1
check "first revision" "$(jq -r .rev <<<"$out")" 1
out=$(cb lead throw d1 --to team-a,team-b,team-c --question "Can you commit to this?")
check "round id" "$(jq -r .round <<<"$out")" r1

# The broker dies with the round open; nothing is lost.
kill9_broker
start_broker
out=$(cb lead round show r1)
check "round r1 survived SIGKILL" "$(jq -r .round.state <<<"$out")" open
check "draft in round" "$(cb lead draft show d1 | jq -r .draft.state)" in_round

# 2. The teams answer (team-c is offline and never reads until the end).
out=$(cb team-a inbox)
check "team-a got the throw" "$(jq -r 'select(.kind=="round.thrown") | .body.round' <<<"$out")" r1
check "team-a got the content" "$(jq -r '.body.content.key_results | length' <<<"$out")" 3
out=$(cb team-a feedback r1 --on kr1 --kind concern --more "60 % needs the data team; 52 % is within reach")
check "feedback f1" "$(jq -r .id <<<"$out")" f1
out=$(cb team-a feedback r1 --on kr2 --kind suggestion "Measure days to first value per segment")
check "feedback f2" "$(jq -r .id <<<"$out")" f2
check "round still open" "$(jq -r .round_closed <<<"$out")" false
expect_error ALREADY_ANSWERED team-a feedback r1 --kind support "once more"
out=$(cb team-b feedback r1 --kind cannot-align "The migration comes first this quarter")
check "cannot-align f3" "$(jq -r .id <<<"$out")" f3

# Only recipients answer, only the owner closes.
expect_error NOT_OWNER team-a round close r1
expect_error NOT_RECIPIENT lead feedback r1 --kind support "self-praise"
expect_error ROUND_OPEN lead draft revise d1 "$EXAMPLES/leadership-r2.json"

# 3. Leadership closes round 1 (team-c has not answered) and reads its inbox.
out=$(cb lead round close r1)
check "closed by owner" "$(jq -r .closed_by <<<"$out")" owner
expect_error ROUND_CLOSED team-c feedback r1 --kind support "too late"
out=$(cb lead inbox)
check "owner got each response" "$(jq -r 'select(.kind=="round.response") | .body.response.id' <<<"$out" | tr '\n' ' ')" "f1 f2 f3 "
check "owner got the summary" "$(jq -r 'select(.kind=="round.closed") | .body.missing | join(",")' <<<"$out")" team-c

# 4. Revise addressing two feedback ids; round 2 brings a counter-proposal.
out=$(cb lead draft revise d1 "$EXAMPLES/leadership-r2.json" --message "52 % without the data team or team-b's migration" --addresses f1,f3)
check "revision 2" "$(jq -r .rev <<<"$out")" 2
out=$(cb lead throw d1 --to team-a,team-b,team-c --question "Better?")
check "round r2" "$(jq -r .round <<<"$out")" r2
out=$(cb team-a endorse r2 --confidence 4 --text "we can commit")
check "endorsement e1" "$(jq -r .id <<<"$out")" e1
out=$(cb team-b counter r2 "$EXAMPLES/counter-team-b.json" --message "measure invitations, not tickets")
check "counter-proposal p1" "$(jq -r .id <<<"$out")" p1
check "counter-proposal is revision 3" "$(jq -r .rev <<<"$out")" 3
expect_error ROUND_OPEN lead adopt p1
expect_error ROUND_OPEN lead finalize d1
cb lead round close r2 >/dev/null

# 5. Adopt the counter-proposal, check it with the teams, vote, finalise.
out=$(cb lead adopt p1 --message "team-b's invitation KR is the better measure")
check "adopted as revision 4" "$(jq -r .rev <<<"$out")" 4
out=$(cb lead throw d1 --to team-a,team-b --question "Last check before the vote")
check "round r3" "$(jq -r .round <<<"$out")" r3
cb team-a endorse r3 --confidence 4 >/dev/null
out=$(cb team-b endorse r3 --confidence 5)
check "the last answer closes round 3" "$(jq -r .round_closed <<<"$out")" true
expect_error NO_CONFIDENCE lead finalize d1
expect_error NOT_OWNER team-a finalize d1
# The sealed vote (issue 14), with a SIGKILL while it is open.
expect_error NOT_VOTER lead vote d1 --confidence 0
out=$(cb lead vote open d1 --voters team-a,team-b --deadline 15m)
check "vote v1 opened" "$(jq -r .vote <<<"$out")" v1
out=$(cb team-a vote d1 --confidence 4 --comment "fist of five: 4")
check "team-a's vote: counted, nothing else" "$(jq -c 'del(.draft, .rev)' <<<"$out")" '{"vote":"v1","counted":true}'
expect_error ALREADY_VOTED team-a vote d1 --confidence 5
expect_error NO_CONFIDENCE lead finalize d1
kill9_broker
start_broker
check "still sealed after SIGKILL" "$(cb team-b draft show d1 | jq -c '[.draft.votes, (.draft.vote)]')" '[[],"v1"]'
out=$(cb team-b vote d1 --confidence 5)
check "team-b's vote: counted" "$(jq -r .counted <<<"$out")" true
expect_error VOTE_CLOSED team-b vote d1 --confidence 5
text=$("$CATCHBALL" --node lead inbox --peek)
check_contains "inbox: the reveal, in a sentence" "$text" \
    "vote v1 on d1 revision 4 revealed (everyone voted): minimum 4, median 4.5, spread 1; passed"
check_contains "inbox: every vote" "$text" "team-a: 4/5 - fist of five: 4"
check_contains "inbox: who may finalise" "$text" "lead may finalise d1 now:"
check_contains "inbox: the command that answers it" "$text" "answer: catchball finalize d1"
text=$("$CATCHBALL" --node team-b inbox --peek)
check_contains "inbox: the vote asked" "$text" "lead asks your confidence in d1 revision 4 (vote v1)"
check_contains "inbox: the command to vote" "$text" "answer: catchball vote d1 --confidence 0-5"
out=$(cb lead finalize d1)
check "final at revision 4" "$(jq -r .rev <<<"$out")" 4
expect_error DRAFT_FINAL lead draft revise d1 "$EXAMPLES/leadership-r2.json"

history_before=$(cb lead history d1)
diff_before=$(cb lead diff d1 1 4)

# 6. SIGKILL and restart: everything is still there.
kill9_broker
start_broker
history_after=$(cb lead history d1)
check "history identical after SIGKILL" "$history_after" "$history_before"
check "diff identical after SIGKILL" "$(cb lead diff d1 1 4)" "$diff_before"

# A hot backup while the broker serves, restored into a second broker.
rc=0
"$CATCHBALLD" --store "$STORE" backup "$TMP/backup" >>"$LOG" 2>&1 || rc=$?
check "backup written while serving" "$rc" 0
rc=0
"$CATCHBALLD" --store "$STORE" backup "$TMP/backup" >>"$LOG" 2>&1 || rc=$?
check "backup refuses a directory holding a store" "$rc" 1
BPORT=$(free_port)
"$CATCHBALLD" --endpoint "tcp://127.0.0.1:$BPORT" --store "$TMP/backup" >>"$LOG" 2>&1 &
BPID=$!
check "the restored store has the same history" \
    "$("$CATCHBALL" --endpoint "tcp://127.0.0.1:$BPORT" --node lead --json --timeout 10000 history d1)" "$history_after"
{ kill -9 "$BPID"; wait "$BPID" || true; } 2>/dev/null

h=$history_after
check "state final" "$(jq -r .draft.state <<<"$h")" final
check "four revisions" "$(jq -r '.revisions | length' <<<"$h")" 4
check "rev 2 addresses f1,f3" "$(jq -r '.revisions[1].addresses | join(",")' <<<"$h")" "f1,f3"
check "rev 2 answers round 1" "$(jq -r '.revisions[1].round' <<<"$h")" r1
check "rev 2 changes kr1 target" "$(jq -r '.revisions[1].changes[] | select(.kr=="kr1") | .fields[] | select(.field=="target") | "\(.from)->\(.to)"' <<<"$h")" "60->52"
check "rev 3 is team-b's counter-proposal" "$(jq -r '.revisions[2] | "\(.mainline) \(.proposer) \(.proposal) \(.parent) \(.round)"' <<<"$h")" "false team-b p1 2 r2"
check "rev 4 credits team-b" "$(jq -r '.revisions[3] | "\(.proposer) \(.adopted_from) \(.mainline)"' <<<"$h")" "team-b 3 true"
check "kr ids kept by text in the counter-proposal" "$(jq -r '.revisions[2].changes | map(.kr // empty) | join(",")' <<<"$h")" "kr4,kr3"
check "three rounds" "$(jq -r '.rounds | map("\(.id)@\(.rev):\(.closed_by)") | join(",")' <<<"$h")" "r1@1:owner,r2@2:owner,r3@4:answered"
check "round 1 responses" "$(jq -r '.rounds[0].responses | map("\(.id):\(.author):\(.kind // .type)") | join(" ")' <<<"$h")" \
    "f1:team-a:concern f2:team-a:suggestion f3:team-b:cannot-align"
check "round 2 responses" "$(jq -r '.rounds[1].responses | map("\(.id):\(.author):\(.type)") | join(" ")' <<<"$h")" \
    "e1:team-a:endorse p1:team-b:counter"
check "votes kept, revealed" "$(jq -r '.draft.votes | map("\(.node) \(.rev) \(.confidence)") | join(",")' <<<"$h")" "team-a 4 4,team-b 4 5"
check "the vote finalised" "$(jq -r .draft.final_vote <<<"$h")" v1
d=$(cb lead diff d1 1 4)
check "diff: kr3 removed, kr4 added" "$(jq -r '.changes | map(select(.kr) | "\(.kr):\(.change)") | join(" ")' <<<"$d")" "kr1:changed kr2:changed kr4:added kr3:removed"

# What a person reads.
text=$("$CATCHBALL" --node lead history d1)
check_contains "history shows the adoption" "$text" "adopts p1, proposed by team-b (revision 3)"
check_contains "history shows addressed feedback" "$text" "addresses f1, f3"
check_contains "history shows the cannot-align" "$text" "cannot-align: The migration comes first this quarter"
check_contains "history names who never answered round 1" "$text" "no answer from: team-c"
text=$("$CATCHBALL" --node lead diff d1 1 2)
check_contains "diff shows the target change" "$text" "~ kr1 target: 60 -> 52"

# 7. The offline team comes online: everything, in order, exactly once.
out=$(cb team-c inbox)
check "team-c deliveries" "$(jq -r '"\(.seq):\(.kind):\(.body.round // .body.draft)"' <<<"$out" | tr '\n' ' ')" \
    "1:round.thrown:r1 2:round.closed:r1 3:round.thrown:r2 4:round.closed:r2 5:draft.final:d1 "
out=$(cb team-c inbox)
check "team-c inbox empty afterwards" "$out" ""
kill9_broker
start_broker
check "still empty after restart" "$(cb team-c inbox)" ""
out=$(cb team-b inbox)
check "team-b was told of the adoption" "$(jq -r 'select(.kind=="proposal.adopted") | .body.rev' <<<"$out")" 4
check "team-b deliveries are complete" "$(jq -r .kind <<<"$out" | tr '\n' ' ')" \
    "round.thrown round.closed round.thrown round.closed proposal.adopted round.thrown round.closed vote.opened vote.revealed draft.final "
check "team-b saw every vote at once" \
    "$(jq -c 'select(.kind=="vote.revealed") | .body.result | [(.votes | map([.node, .confidence])), .min, .median, .spread, .passed]' <<<"$out")" \
    '[[["team-a",4],["team-b",5]],4,4.5,1,true]'

# A request the broker could not decode (a string that is not UTF-8) is
# refused by the client at once, BAD_MESSAGE: the broker's answer to it
# has no mid, so waiting would end only in a time-out (exit 3).
expect_error BAD_MESSAGE lead draft show $'\xff'

finish
