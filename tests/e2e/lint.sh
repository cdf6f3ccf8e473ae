#!/bin/bash
# End to end, with the real catchballd and catchball binaries: catchball
# lint (issue 13), the coach. Offline on draft files: one finding per line
# with its code, level, key result, the seed and a suggestion; --json; the
# exit status by --fail-on; the word lists found next to the program, from
# $CATCHBALL_COACH_WORDS, extended by an organisation's own file, and a
# clear error when there are none. Against the broker: a stored draft's
# head and an older revision through draft.show, an unknown draft refused,
# no node refused before anything is sent. The broker's own coach: its
# findings with the replies and round.thrown, --coach strict refusing
# (storing nothing), --coach off, and strict without word lists.
#
# Usage: lint.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

unset CATCHBALL_NODE CATCHBALL_ROLE CATCHBALL_KEY CATCHBALL_COACH_WORDS
: >"$LOG"     # the broker starts later; an empty log until then

# lint ARGS...: the CLI; sets OUT, ERR and RC.
lint () {
    RC=0
    OUT=$("$CATCHBALL" "$@" 2>"$TMP/stderr") || RC=$?
    ERR=$(cat "$TMP/stderr")
}

# A stage-2 draft (seed 000's examples) and an outcome draft.
cat >"$TMP/tasks.json" <<'EOF'
{ "cycle": "2027-Q1", "objective": "Continue doing what worked in 2026",
  "key_results": [
    { "text": "Meet with Vendor-A to understand their features", "target": 1 },
    { "text": "Coordinate with BI and MIS to build a financial dashboard", "target": 1 },
    { "text": "Improve customer satisfaction", "target": 80, "unit": "%" },
    { "text": "Increase NPS from 32 to 45", "baseline": 32, "target": 45,
      "unit": "points", "leads": ["ana", "bo"] } ] }
EOF

# Offline, with the words the build tree holds next to the program.
lint lint "$TMP/tasks.json"
check "tasks: status 4 (errors, --fail-on error)" "$RC" 4
check "tasks: nothing on stderr" "$ERR" ""
check_contains "kr1 is a task" "$OUT" "kr1: error TASK_VERB: starts with the activity 'Meet with'. Seed 000:"
check_contains "kr2: seed 000's worked example, suggested" "$OUT" \
    'kr2: error TASK_VERB: starts with the activity '"'"'Coordinate with'"'"'.'
check_contains "kr2: seed 000's direction" "$OUT" 'is approved by <whom>"'
check_contains "kr3: measured by its target, a noun first" "$OUT" 'Try: "Customer satisfaction reaches 80 %"'
check_contains "kr4: a noun first" "$OUT" 'kr4: info VERB_LED: starts with '"'"'Increase'"'"'.'
check_contains "kr4: its suggestion" "$OUT" 'Try: "NPS rises from 32 to 45"'
check_contains "the objective" "$OUT" "objective: error CONTINUE_DOING: starts with 'Continue'. Seed 002:"
check_contains "no baseline" "$OUT" "kr1: warning NO_BASELINE:"
check "one finding per line, each naming what it is about" \
    "$(grep -cvE '^(kr[0-9]+|objective|draft): (info|warning|error) [A-Z_]+: ' <<<"$OUT" || true)" 0

lint --json lint "$TMP/tasks.json" --fail-on never
check "--fail-on never: status 0" "$RC" 0
check "--json: the codes in order" "$(jq -r '[.findings[] | .about + " " + .code] | join(",")' <<<"$OUT")" \
    "kr1 TASK_VERB,kr1 NO_BASELINE,kr1 NO_UNIT,kr1 NO_LEAD,kr2 TASK_VERB,kr2 NO_BASELINE,kr2 NO_UNIT,kr2 NO_LEAD,kr3 VERB_LED,kr3 NO_BASELINE,kr3 NO_LEAD,kr4 VERB_LED,objective CONTINUE_DOING"
check "--json: a level, a reason and a suggestion" \
    "$(jq -r '.findings[0] | [.level, (.why | test("^Seed 000")), (.suggestion != null)] | map(tostring) | join(" ")' <<<"$OUT")" \
    "error true true"

# The examples are outcomes: only advice (kr3 has no leads).
lint lint "$EXAMPLES/leadership.json"
check "leadership.json: status 0" "$RC" 0
check "leadership.json: one finding" "$OUT" "kr3: info NO_LEAD: no leads. Seed 003 (step 2.6): each key result has leads, ideally a pair: shared accountability with personal responsibility. Try: \"add leads: a pair, one of them the owner\""
lint lint "$EXAMPLES/leadership.json" --fail-on info
check "--fail-on info: status 4" "$RC" 4
lint lint "$EXAMPLES/team-a.json" --fail-on warning
check "team-a.json --fail-on warning: status 0" "$RC" 0
lint lint - --fail-on warning <"$EXAMPLES/team-a.json"
check "from stdin: status 0" "$RC" 0

# Bad usage.
lint lint "$TMP/tasks.json" --fail-on fatal
check "--fail-on fatal: status 2" "$RC" 2
check_contains "--fail-on fatal: why" "$ERR" "--fail-on takes info, warning, error or never, not 'fatal'"
lint lint "$TMP/none.json"
check "a missing file: status 2" "$RC" 2
lint lint "$TMP/tasks.json" --rev 2
check "--rev on a file: status 2" "$RC" 2

# The word lists: an organisation's file adds its jargon to the default.
cat >"$TMP/ours.words" <<'EOF'
# Our jargon
[task_verbs]
socialise => {rest} is known to <whom>
EOF
echo '{"objective":"o","key_results":[{"text":"Socialise roadmap with sales","target":1,"baseline":0,"unit":"x","leads":["a","b"]}]}' >"$TMP/ours.json"
lint lint "$TMP/ours.json" --fail-on never
check "without our words: a name with a target" "$OUT" "no findings"
words=$(dirname "$CATCHBALL")/coach.words
CATCHBALL_COACH_WORDS="$words:$TMP/ours.words" lint lint "$TMP/ours.json" --fail-on never
check_contains "with our words: a task" "$OUT" "kr1: error TASK_VERB: starts with the activity 'Socialise'."
check_contains "with our suggestion" "$OUT" 'Try: "Roadmap with sales is known to <whom>"'
CATCHBALL_COACH_WORDS="$TMP/missing.words" lint lint "$TMP/ours.json"
check "missing words: status 2" "$RC" 2
check_contains "missing words: says which" "$ERR" "catchball: cannot read the coach's words $TMP/missing.words"
# A program with no words beside it and none installed says where to put them.
if [ ! -e /usr/local/share/catchball/coach.words ] && [ ! -e /usr/share/catchball/coach.words ]; then
    mkdir "$TMP/bin" && cp "$CATCHBALL" "$TMP/bin/catchball"
    RC=0
    ERR=$("$TMP/bin/catchball" lint "$TMP/ours.json" 2>&1 >/dev/null) || RC=$?
    check "no words anywhere: status 2" "$RC" 2
    check_contains "no words anywhere: says what to do" "$ERR" "no coach.words found: set CATCHBALL_COACH_WORDS"
fi

# Against the broker: the head and an older revision of a stored draft.
start_broker
cb lead --role leadership hello >/dev/null
cb lead draft new "$TMP/tasks.json" >/dev/null
cb lead draft revise d1 "$EXAMPLES/leadership.json" --message "outcomes" >/dev/null
lint --node lead lint d1
check "d1's head: status 0" "$RC" 0
kr=$(cb lead draft show d1 | jq -r '.revision.content.key_results[2].id')
check "d1's head: the stored id" "$OUT" "$("$CATCHBALL" lint "$EXAMPLES/leadership.json" | sed "s/^kr3:/$kr:/")"
lint --node lead --json lint d1 --rev 1
check "d1 rev 1: status 4" "$RC" 4
check "d1 rev 1: its findings" "$(jq -r '[.source, (.rev | tostring), .findings[0].about, .findings[0].code] | join(" ")' <<<"$OUT")" \
    "d1 1 kr1 TASK_VERB"
lint --node lead lint d9
check "an unknown draft: refused" "$RC" 1
check_contains "an unknown draft: the broker's error" "$ERR" "catchball: NOT_FOUND (300): no draft d9"
lint lint d1
check "no node: status 2" "$RC" 2
check_contains "no node: why" "$ERR" "who are you? give --node NAME or set CATCHBALL_NODE"

# The broker runs the same rules (--coach warn, the default): findings come
# with the replies of draft.new, draft.revise and round.counter and with
# round.thrown, as warnings, never refusals.
check_contains "the broker found the word lists" "$(cat "$LOG")" "coach: word lists from "
out=$(cb lead --json draft new "$TMP/tasks.json")
check "draft.new: stored despite the findings" "$(jq -r .rev <<<"$out")" 1
check "draft.new: the findings, as lint gives them" \
    "$(jq -r '[.coach[] | .about + " " + .code] | join(",")' <<<"$out")" \
    "$("$CATCHBALL" --json lint "$TMP/tasks.json" --fail-on never | jq -r '[.findings[] | .about + " " + .code] | join(",")')"
out=$("$CATCHBALL" --node lead draft new "$TMP/tasks.json")
check_contains "draft new, as text: the finding under the confirmation" "$out" \
    "coach: kr1: error TASK_VERB: starts with the activity 'Meet with'."
cb team-a --role team hello >/dev/null
cb lead throw d2 --to team-a >/dev/null
out=$("$CATCHBALL" --node team-a inbox --peek)
check_contains "round.thrown: the recipient sees the findings while it answers" "$out" \
    "  coach: objective: error CONTINUE_DOING: starts with 'Continue'."
out=$(cb team-a --json counter r1 "$EXAMPLES/leadership.json" --message "outcomes instead")
check "round.counter: the findings on the proposal" "$(jq -c '[.coach[].code]' <<<"$out")" '["NO_LEAD"]'

# --coach strict: an error-level finding is refused (COACH_REFUSED) and
# nothing is stored; warnings still pass. --coach off: no findings.
kill "$BROKER_PID"; wait "$BROKER_PID" || true
start_broker --coach strict
before=$(cb lead --json draft list | jq '.drafts | length')
RC=0
ERR=$("$CATCHBALL" --node lead draft new "$TMP/tasks.json" 2>&1 >/dev/null) || RC=$?
check "strict: refused" "$RC" 1
check_contains "strict: the code and the findings" "$ERR" \
    "COACH_REFUSED (312): the coach refuses it (catchballd --coach strict): TASK_VERB kr1, TASK_VERB kr2, CONTINUE_DOING objective"
check "strict: nothing stored" "$(cb lead --json draft list | jq '.drafts | length')" "$before"
out=$(cb lead --json draft new "$EXAMPLES/leadership.json")
check "strict: an OKR of outcomes is taken" "$(jq -r .rev <<<"$out")" 1
kill "$BROKER_PID"; wait "$BROKER_PID" || true
start_broker --coach off
check "off: coach is nil" "$(cb lead --json draft new "$TMP/tasks.json" | jq -c .coach)" "null"
kill "$BROKER_PID"; wait "$BROKER_PID" || true
RC=0
CATCHBALL_COACH_WORDS="$TMP/missing.words" "$CATCHBALLD" --endpoint "$CATCHBALL_ENDPOINT" \
    --store "$STORE" --coach strict >"$TMP/strict.log" 2>&1 || RC=$?
check "strict without word lists: the broker refuses to start" "$RC" 1
check_contains "strict without word lists: why" "$(cat "$TMP/strict.log")" "--coach strict needs its word lists"
BROKER_PID=

finish
