#!/bin/bash
# End to end, with the real catchballd and catchball binaries: the
# facilitator console. A facilitator runs an alignment-marketplace event
# for leadership and two teams; the console runs full screen in a detached
# tmux session (a real terminal, 120x40, then 200x60 and 80x24) while the
# event goes on through the CLI. The test reads the screen with
# capture-pane and presses the console's keys with send-keys: advance
# (asked first: y/n), extend, nudge (its text typed, empty cancels),
# detail, legend, dump, quit. At each size it checks what must be visible
# (the connection indicator, the phase timeline and countdown, the teams
# with their confidence, who owes what, a stuck deal and who can unblock
# it, an ask's whole need, the legend) and that the layout is the size's.
# The broker is killed with SIGKILL mid-event: the indicator says LOST,
# an action pressed meanwhile shows as waiting (the screen does not
# freeze) and is carried out once the broker is back; the indicator says
# LIVE again, the console follows the log again by itself, and its dump
# holds exactly the objects of a fresh event.snapshot. A broker frozen with
# SIGSTOP is shown lost as well, once its heartbeats stop. Once a draft is
# final, its progress shows (issue 14): a check-in made with the CLI
# appears without a restart of the console, also after the broker is
# killed under it, on the main screen at 120x40 and on the progress screen
# ('p') at 80x24.
#
# Waiting is polling, with a bound: the screen, the dump file, the tmux
# session. Needs tmux and jq.
#
# Usage: console.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || { echo "console.sh needs tmux"; exit 1; }
command -v jq >/dev/null || { echo "console.sh needs jq"; exit 1; }

# A tmux server of our own: it has our environment, and killing it ends
# every session this test started, whatever happens.
unset TMUX
TMUX_SOCKET=cbtest$$
tmx () {
    tmux -L "$TMUX_SOCKET" "$@"
}
SESSION=cbtest$$
console_cleanup () {
    tmx kill-server 2>/dev/null
}
trap 'trap - ERR; console_cleanup; cleanup' EXIT

# wait_for TRIES COMMAND...: runs COMMAND every 0.1 s until it succeeds, at
# most TRIES times; gives up at once if COMMAND returns 2 (no point waiting).
wait_for () {
    local tries=$1 i rc
    shift
    for ((i = 0; i < tries; i++)); do
        rc=0
        "$@" || rc=$?
        [ $rc -eq 0 ] && return 0
        [ $rc -eq 2 ] && return 1
        sleep 0.1
    done
    return 1
}

screen () {
    tmx capture-pane -p -t "$1" 2>/dev/null || echo "(no session $1: the console ended)"
}

# screen_has SESSION REGEX: the screen shows a line matching REGEX now; 2 if
# the session has ended.
screen_has () {
    local text
    text=$(tmx capture-pane -p -t "$1" 2>/dev/null) || return 2
    grep -qE -- "$2" <<<"$text"
}

# check_screen DESCRIPTION SESSION REGEX [TRIES]: the screen shows REGEX
# within TRIES tenths of a second (default 100).
check_screen () {
    if wait_for "${4:-100}" screen_has "$2" "$3"; then
        ok
    else
        fail "$1: /$3/ not on the screen:"
        screen "$2"
    fi
}

session_gone () {
    ! tmx has-session -t "$1" 2>/dev/null
}

DUMP=$TMP/dump.json
# dump_now SESSION: removes the dump, presses d and waits for the file.
dump_now () {
    rm -f "$DUMP"
    tmx send-keys -t "$1" d
    wait_for 100 test -s "$DUMP"
}

# same_objects: the dump's objects are a fresh snapshot's; a diff if not.
same_objects () {
    local snap
    snap=$(cb fac event snapshot e1)
    [ "$(jq -S .objects "$DUMP")" == "$(jq -S .objects <<<"$snap")" ] && return 0
    echo "dump (seq $(jq .seq "$DUMP")) and snapshot (seq $(jq .seq <<<"$snap")) differ:"
    diff <(jq -S .objects "$DUMP") <(jq -S .objects <<<"$snap") | head -20
    return 1
}

# dump_matches SESSION: a dump taken now has the sequence and the objects of
# a fresh snapshot. Dumps again while the console is catching up.
dump_matches () {
    local snap i
    for ((i = 0; i < 50; i++)); do
        dump_now "$1" || break
        snap=$(cb fac event snapshot e1)
        if [ "$(jq .seq "$DUMP")" == "$(jq .seq <<<"$snap")" ]; then
            same_objects
            return
        fi
        sleep 0.1
    done
    echo "no dump at the snapshot's sequence $(jq .seq <<<"$snap" 2>/dev/null)"
    return 1
}

start_broker

# The people: a facilitator, leadership, two teams that take part, a team
# that does not, and an observer.
cb fac --role facilitator hello >/dev/null
cb lead --role leadership hello >/dev/null
cb team-a --role team --parent lead hello >/dev/null
cb team-b --role team --parent lead hello >/dev/null
cb team-c --role team --parent lead hello >/dev/null
cb obs --role observer hello >/dev/null

# Their drafts: team-a aligns to leadership's first KR, team-b to nothing.
cat >"$TMP/team-a.json" <<'EOF'
{ "cycle": "2027-Q1",
  "objective": "Guide every new account through setup in one sitting",
  "aligned_to": { "draft": "d1", "kr": "kr1" },
  "key_results": [ { "text": "Accounts finishing the setup wizard", "baseline": 20,
                     "target": 70, "unit": "%" } ] }
EOF
cat >"$TMP/team-b.json" <<'EOF'
{ "cycle": "2027-Q1",
  "objective": "Move every account to the new billing platform",
  "key_results": [ { "text": "Accounts on the new billing", "target": 100, "unit": "%" } ] }
EOF
check "leadership draft" "$(cb lead draft new "$EXAMPLES/leadership.json" | jq -r .draft)" d1
check "team-a draft" "$(cb team-a draft new "$TMP/team-a.json" | jq -r .draft)" d2
check "team-b draft" "$(cb team-b draft new "$TMP/team-b.json" | jq -r .draft)" d3

out=$(cb fac event new "Q1 alignment market" --cycle 2027-Q1 --participants lead,team-a,team-b)
check "event e1" "$(jq -r .event <<<"$out")" e1

# 0. Its keys act on the live event: from a file or a pipe it refuses, and
#    nothing changes (a byte 'a' would have advanced the event).
rc=0
printf 'aaaa' | "$CATCHBALL" --node fac console e1 >/dev/null 2>"$TMP/console.err" || rc=$?
check "console without a terminal: exit 2" "$rc" 2
check_contains "console says it needs a terminal" "$(cat "$TMP/console.err")" "needs a terminal"
check "the event was not advanced" "$(cb fac event show e1 | jq -r .event.phase)" planned

# 1. The console starts and shows the planned event.
tmx new-session -d -s "$SESSION" -x 120 -y 40 \
    "'$CATCHBALL' --endpoint '$CATCHBALL_ENDPOINT' --node fac console e1 --dump '$DUMP'; echo \$? >'$TMP/console.rc'"
check_screen "console shows the event" "$SESSION" "Q1 alignment market \(e1\)"
check_screen "connection indicator: live" "$SESSION" "facilitator fac +LIVE *$"
check_screen "timeline, planned" "$SESSION" "^ PLANNED > share > negotiate > commit > closed"
check_screen "no time box yet" "$SESSION" "^ no time box"
check_screen "help line" "$SESSION" \
    "a advance  e \+5m  n nudge  j/k select  enter detail  p progress  \? legend  d dump  q quit"
check_screen "teams listed" "$SESSION" "team-b +- +- +0 "
check_screen "two columns at 120" "$SESSION" "^TEAMS .* DEPENDENCIES"
check_screen "the legend explains wait" "$SESSION" "^wait +catchball rounds the team has not answered"
check_screen "the legend explains o/c/a/d" "$SESSION" "^o/c/a/d +asks open/countered/accepted/declined"
check_screen "the status line says how old the news is" "$SESSION" "news [0-9]+ s ago *$"

# 2. Changes made elsewhere show up live.
cb fac event advance e1 >/dev/null
check_screen "phase share" "$SESSION" "^ planned > SHARE > negotiate"
check_screen "share has a time box" "$SESSION" "^ phase ends [0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
cb lead event share e1 d1 >/dev/null
cb team-a event share e1 d2 >/dev/null
check_screen "team-a shared d2" "$SESSION" "team-a +d2 "
check_screen "who has shared" "$SESSION" "shared: lead, team-a"
check_screen "team-a aligned under leadership's kr1" "$SESSION" "<- d2 team-a \\[-\\]: Guide every new account"
check_screen "team-b not shared yet" "$SESSION" "not shared: team-b"

# 3. 'a' asks first; any key but y leaves the phase as it is.
tmx send-keys -t "$SESSION" a
check_screen "'a' asks" "$SESSION" "advance e1 to negotiate\? y/n"
check "not advanced while asking" "$(cb fac event show e1 | jq -r .event.phase)" share
tmx send-keys -t "$SESSION" n
check_screen "'n' answers no" "$SESSION" "not advanced: the phase stays"
check "not advanced after no" "$(cb fac event show e1 | jq -r .event.phase)" share
# 'a' then 'y' advances the event, seen on the screen and by the broker.
tmx send-keys -t "$SESSION" a
check_screen "'a' asks again" "$SESSION" "advance e1 to negotiate\? y/n"
tmx send-keys -t "$SESSION" y
check_screen "phase negotiate after 'a' 'y'" "$SESSION" "^ planned > share > NEGOTIATE"
check "broker says negotiate" "$(cb fac event show e1 | jq -r .event.phase)" negotiate
check_screen "status after 'a'" "$SESSION" "advanced: phase negotiate"

# 'e' extends the phase by five minutes.
before=$(cb fac event show e1 | jq .event.ends)
tmx send-keys -t "$SESSION" e
check_screen "status after 'e'" "$SESSION" "extended negotiate by 5 minutes"
after=$(cb fac event show e1 | jq .event.ends)
check "'e' adds 5 minutes" "$((after - before))" 300000

# 4. Asks: the dependency board and the team counts follow.
cb team-b event share e1 d3 >/dev/null
check_screen "team-b shared, not aligned" "$SESSION" "not aligned: team-b"
out=$(cb team-a ask new e1 --to team-b --kr kr1 --need "Billing API for plan limits in the wizard")
check "ask a1" "$(jq -r .ask <<<"$out")" a1
check_screen "a1 open on the board" "$SESSION" "a1 +team-a -> team-b +d2/kr1 +ask +open"
check_screen "team-a sent one open ask" "$SESSION" "team-a +d2 +- +0 +1/0/0/0 +0/0/0/0"
check_screen "the ask's need whole at 120 columns" "$SESSION" "Billing API for plan limits in the wizard"
check_screen "team-b owes an answer to a1" "$SESSION" \
    "^team-b accept, counter or decline a1 from team-a"
out=$(cb lead ask new e1 --to team-a --kr kr2 --need "Cut days to first value")
check "ask a2" "$(jq -r .ask <<<"$out")" a2
cb team-a ask decline a2 --reason "no room this quarter" >/dev/null
check_screen "a2 declined on the board" "$SESSION" "a2 +lead -> team-a +d1/kr2 +ask +declined"
check_screen "feed shows the decline" "$SESSION" "team-a ask.decline"

# Changes that are not the event's stay out of the console: a draft of
# another cycle, a draft of a node that does not take part, another event.
sed 's/2027-Q1/2026-Q4/' "$TMP/team-b.json" >"$TMP/team-b-old.json"
check "draft of another cycle" "$(cb team-b draft new "$TMP/team-b-old.json" | jq -r .draft)" d4
cp "$TMP/team-b.json" "$TMP/team-c.json"
check "draft of an outsider" "$(cb team-c draft new "$TMP/team-c.json" | jq -r .draft)" d5
check "another event" "$(cb fac event new "Other market" --cycle 2027-Q1 --participants team-c | jq -r .event)" e2

# A round open on leadership's draft: both teams owe it an answer.
cb lead throw d1 --to team-a,team-b --question "Does this still hold?" >/dev/null
check_screen "team-b awaits a round" "$SESSION" "team-b +d3 +- +1 "
check_screen "team-b owes an answer to r1" "$SESSION" "^team-b an answer to round r1 on d1"

# A stuck deal: team-a asks leadership, whose d1 has round r1 open, so
# leadership's accept would be refused with ROUND_OPEN (the broker says
# so): the console shows why, and who can unblock it.
out=$(cb team-a ask new e1 --to lead --kr kr1 --need "A launch date for the wizard")
check "ask a3" "$(jq -r .ask <<<"$out")" a3
expect_error ROUND_OPEN lead ask accept a3 --new-kr '{"text":"Wizard launch date","target":1}'
check_screen "a3 stuck" "$SESSION" "^a3 +.ask accept. by lead would be refused"
check_screen "who can unblock a3" "$SESSION" "lead can close r1; team-a, team-b can"

# A confidence vote on team-a's head shows in its row.
cb team-a vote open d2 --voters lead >/dev/null
cb lead vote d2 --confidence 4 >/dev/null
check_screen "team-a's confidence" "$SESSION" "team-a +d2 +4/5 "

# 5. 'j' selects team-a; 'n' asks for the nudge's text: empty cancels.
tmx send-keys -t "$SESSION" j
check_screen "team-a selected" "$SESSION" "^> team-a"
tmx send-keys -t "$SESSION" n
check_screen "'n' asks for the text" "$SESSION" "nudge team-a, text \\(enter sends, empty or Esc cancels\\)"
tmx send-keys -t "$SESSION" Enter
check_screen "an empty nudge is cancelled" "$SESSION" "nudge cancelled: no text"
check "no nudge sent" "$(cb team-a inbox | jq -r 'select(.kind=="event.nudge") | .body.event')" ""
tmx send-keys -t "$SESSION" n
check_screen "'n' asks again" "$SESSION" "nudge team-a, text"
tmx send-keys -t "$SESSION" -l "Please answer r1 now"
tmx send-keys -t "$SESSION" BSpace BSpace BSpace BSpace Enter
check_screen "status after the nudge" "$SESSION" "nudged team-a: Please answer r1 +news"
check "team-a got the nudge's text" \
    "$(cb team-a inbox | jq -r 'select(.kind=="event.nudge") | .body.text')" "Please answer r1"
check_screen "the nudge in the latest changes" "$SESSION" "fac event.nudge: team-a: Please answer r1"
# A nudge from the command line, not this console: the log brings it.
cb fac event nudge e1 team-b --text "Share your draft" >/dev/null
check_screen "a nudge sent elsewhere in the latest changes" "$SESSION" \
    "fac event.nudge: team-b: Share your draft"
tmx send-keys -t "$SESSION" Enter
check_screen "detail: objective" "$SESSION" "^Objective: Guide every new account"
check_screen "detail: the declined ask" "$SESSION" "a2 ask from lead d1/kr2 declined: Cut days"
check_screen "detail: the round it owes" "$SESSION" "^owes an answer to round r1 on d1 \\(lead\\)"
check_screen "detail: its votes" "$SESSION" "^Confidence: lead 4/5 on rev 1"
tmx send-keys -t "$SESSION" x
check_screen "back from the detail" "$SESSION" "DEPENDENCIES"

# The console's state is the broker's.
if dump_matches "$SESSION"; then ok; else fail "dump equals the snapshot (before the restart)"; fi

# 6. The broker dies: the indicator says since when the link is lost, and
# an action pressed meanwhile shows as waiting, the screen going on.
before=$(cb fac event show e1 | jq .event.ends)
kill9_broker
check_screen "indicator: lost" "$SESSION" "LOST since [0-9][0-9]:[0-9][0-9]:[0-9][0-9], reconnecting *$"
tmx send-keys -t "$SESSION" e
check_screen "'e' waits without freezing the screen" "$SESSION" \
    "event.extend: sent, waiting for the broker \\.\\.\\."
# It comes back: live again, the action carried out, and a change made
# then still reaches the console, which follows the log again by itself.
start_broker
check_screen "indicator: live again" "$SESSION" "facilitator fac +LIVE *$" 300
check_screen "the extend pressed while lost is done" "$SESSION" "extended negotiate by 5 minutes"
after=$(cb fac event show e1 | jq .event.ends)
check "extended once while it was lost" "$((after - before))" 300000

# A frozen broker (SIGSTOP: its kernel still holds the connection) is
# lost too, once the heartbeats stop, and live again when it goes on.
kill -STOP "$BROKER_PID"
check_screen "indicator: lost when the broker is frozen" "$SESSION" \
    "LOST since [0-9][0-9]:[0-9][0-9]:[0-9][0-9], reconnecting *$" 200
check_screen "the news is old" "$SESSION" "news ([6-9]|[1-9][0-9]) s ago *$"
kill -CONT "$BROKER_PID"
check_screen "indicator: live after the freeze" "$SESSION" "facilitator fac +LIVE *$" 200
out=$(cb team-b ask accept a1 --new-kr '{"text":"Billing API for the setup wizard","target":1}')
check "a1 accepted" "$(jq -r .state <<<"$out")" accepted
check_screen "a1 accepted after the restart" "$SESSION" \
    "a1 +team-a -> team-b +d2/kr1 +ask +accepted" 300
cb team-a feedback r1 --kind support "holds for us" >/dev/null
check_screen "team-a answered the round" "$SESSION" "team-a +d2 +4/5 +0 " 100
if dump_matches "$SESSION"; then ok; else fail "dump equals the snapshot (after the restart)"; fi
check "dump names the accepted ask" "$(jq -r '.objects["ask/a1"].state' "$DUMP")" accepted
check "dump has the open round" "$(jq -r '.objects["round/r1"].state' "$DUMP")" open
check "dump holds only the event's objects" "$(jq -r '.objects | keys | join(" ")' "$DUMP")" \
    "ask/a1 ask/a2 ask/a3 draft/d1 draft/d2 draft/d3 event/e1 round/r1"

# 7. At 200x60, three columns, the large countdown, the legend.
tmx resize-window -t "$SESSION" -x 200 -y 60
check_screen "three columns at 200" "$SESSION" "^TEAMS .* │ STUCK .* │ ALIGNMENT"
check_screen "large countdown at 200x60" "$SESSION" "[█▀▄] .*▪.* [█▀▄]"
check_screen "legend at 200x60" "$SESSION" "^STUCK +an answer the broker would refuse"
check_screen "the need whole at 200 columns" "$SESSION" "Billing API for plan limits in the wizard +│"
check "60 lines" "$(screen "$SESSION" | wc -l)" 60
check_contains "help on the last line at 200x60" "$(screen "$SESSION" | tail -1)" "a advance  e +5m"
kill9_broker
check_screen "indicator at 200x60: lost" "$SESSION" "LOST since [0-9:]+, reconnecting *$"
start_broker
check_screen "indicator at 200x60: live again" "$SESSION" "facilitator fac +LIVE *$" 300

# At 80x24 the sections are stacked; what must be seen is there.
tmx resize-window -t "$SESSION" -x 80 -y 24
check_screen "help line at 80x24" "$SESSION" \
    "^a advance  e \+5m  n nudge  j/k select  enter detail  \? legend  d dump  q quit"
check_screen "timeline at 80x24" "$SESSION" "^ planned > share > NEGOTIATE > commit > closed +[0-9][0-9]:[0-9][0-9] left"
check_screen "indicator at 80x24" "$SESSION" "LIVE *$"
check_screen "stacked at 80x24" "$SESSION" "^TEAMS"
check_screen "every team at 80x24" "$SESSION" "^  team-b +d3 "
check_screen "the stuck deal at 80x24" "$SESSION" "^a3 +.ask accept. by lead"
check "24 lines" "$(screen "$SESSION" | wc -l)" 24
check_contains "header on the first line" "$(screen "$SESSION" | head -1)" " Q1 alignment market (e1)"
check_contains "help on the last line" "$(screen "$SESSION" | tail -1)" "a advance  e +5m"
kill9_broker
check_screen "indicator at 80x24: lost" "$SESSION" "LOST since [0-9:]+, reconnecting *$"
check_contains "the header still on the first line" "$(screen "$SESSION" | head -1)" \
    " Q1 alignment market (e1)"
start_broker
check_screen "indicator at 80x24: live again" "$SESSION" "LIVE *$" 300
# '?' shows the legend at any size.
tmx send-keys -t "$SESSION" '?'
check_screen "legend at 80x24 with ?" "$SESSION" "^o/c/a/d +asks open/countered/accepted/declined"
tmx send-keys -t "$SESSION" x
check_screen "back from the legend" "$SESSION" "^TEAMS"

# An observer's console may watch, not drive: its 'a' shows the broker's
# refusal, and the phase stays.
tmx new-session -d -s "$SESSION-obs" -x 80 -y 24 \
    "'$CATCHBALL' --endpoint '$CATCHBALL_ENDPOINT' --node obs console e1"
check_screen "observer console" "$SESSION-obs" "Q1 alignment market \(e1\)"
tmx send-keys -t "$SESSION-obs" a
check_screen "observer's 'a' asks" "$SESSION-obs" "advance e1 to commit\? y/n"
tmx send-keys -t "$SESSION-obs" y
check_screen "observer's 'a' refused" "$SESSION-obs" "event.advance: FORBIDDEN"
check "phase unchanged" "$(cb fac event show e1 | jq -r .event.phase)" negotiate
tmx send-keys -t "$SESSION-obs" q
if wait_for 100 session_gone "$SESSION-obs"; then ok; else fail "observer console quits on q"; fi

# A console on an event whose only participant aligns to the draft of a
# node outside it (leadership's d1): the alignment panel reads that draft
# and its key result instead of "d1 (not in this event)" and "kr1 (?)".
check "event e3" "$(cb fac event new "Team-a only" --cycle 2027-Q1 --participants team-a | jq -r .event)" e3
tmx new-session -d -s "$SESSION-e3" -x 80 -y 24 \
    "'$CATCHBALL' --endpoint '$CATCHBALL_ENDPOINT' --node fac console e3"
check_screen "e3: the draft aligned to, read" "$SESSION-e3" "^d1 lead \\(outside the event\\) \\[-\\]: Make onboarding"
check_screen "e3: its key result's text" "$SESSION-e3" "^  kr1 Activation rate of new accounts"
check_screen "e3: team-a under it" "$SESSION-e3" "<- d2 team-a \\[4/5\\]: Guide every"
if screen "$SESSION-e3" | grep -qE "not in this event|\\(\\?\\)"; then
    fail "e3: no '(not in this event)' nor '(?)' on the screen"
    screen "$SESSION-e3"
else
    ok
fi
tmx send-keys -t "$SESSION-e3" q
if wait_for 100 session_gone "$SESSION-e3"; then ok; else fail "e3 console quits on q"; fi

# 8. The round closes (team-b answers last) and leaves the console's state;
# 'q' writes the dump and quits.
cb team-b feedback r1 --kind support "fine" >/dev/null
check_screen "team-b answered the round" "$SESSION" "team-b +d3 +- +0 "
check_screen "nothing stuck once r1 closed" "$SESSION" "\\(no deal is stuck\\)"
rm -f "$DUMP"
cb fac event advance e1 >/dev/null
check_screen "phase commit" "$SESSION" "> COMMIT >"
tmx send-keys -t "$SESSION" q
if wait_for 100 session_gone "$SESSION"; then ok; else fail "console quits on q"; fi
check "console exit status" "$(cat "$TMP/console.rc" 2>/dev/null)" 0
check "dump written on quit" "$(jq -r '.objects["event/e1"].phase' "$DUMP" 2>/dev/null)" commit
check "closed round dropped" "$(jq '.objects | has("round/r1")' "$DUMP" 2>/dev/null)" false
if [ -s "$DUMP" ] && same_objects; then ok; else fail "dump on quit equals the snapshot"; fi

# 9. Progress after finalize (issue 14). team-a's d2 is final and checked in
# once before a console starts: the console reads that check-in, then each
# new one comes through the log, on the screen without a restart.
cb team-a finalize d2 --override --reason "final for the progress test" >/dev/null
check "d2 final" "$(cb team-a draft show d2 | jq -r .draft.state)" final
cb team-a checkin d2 kr1 --value 45 --confidence 3 >/dev/null
tmx new-session -d -s "$SESSION-p" -x 120 -y 40 \
    "'$CATCHBALL' --endpoint '$CATCHBALL_ENDPOINT' --node fac console e1"
check_screen "progress on the main screen at 120x40" "$SESSION-p" "PROGRESS \\(p: in full\\)"
check_screen "the check-in made before the console" "$SESSION-p" \
    "d2/kr1 45 \\(20 -> 70 %\\) 50% of the way, confidence 3 ▅, just now"
check_screen "the help line names p at 120" "$SESSION-p" "enter detail  p progress  \\? legend"
cb team-a checkin d2 kr1 --value 57.5 --confidence 4 >/dev/null
check_screen "a check-in shows live at 120x40" "$SESSION-p" \
    "d2/kr1 57.5 \\(20 -> 70 %\\) 75% of the way, confidence 3 -> 4 ▅▆"
check_screen "the feed has the check-in" "$SESSION-p" "team-a checkin.new: d2 rev [0-9]+, c2 d2/kr1 = 57.5"
kill9_broker
check_screen "progress console: lost" "$SESSION-p" "LOST since [0-9:]+, reconnecting *$"
start_broker
check_screen "progress console: live again" "$SESSION-p" "facilitator fac +LIVE *$" 300
cb team-a checkin d2 kr1 --value 32 --confidence 1 >/dev/null
check_screen "a check-in after the restart shows" "$SESSION-p" \
    "d2/kr1 32 \\(20 -> 70 %\\) 24% of the way, confidence 3 -> 4 -> 1"
check_screen "... with its sparkline" "$SESSION-p" "▅▆▂, just now"
tmx resize-window -t "$SESSION-p" -x 80 -y 24
check_screen "progress on the main screen at 80x24" "$SESSION-p" "^PROGRESS \\(p: in full\\)"
tmx send-keys -t "$SESSION-p" p
check_screen "the progress screen at 80x24" "$SESSION-p" "^d2 team-a: Guide every new account"
check_screen "its key result" "$SESSION-p" "^  kr1  Accounts finishing the setup wizard"
check_screen "where it stands" "$SESSION-p" \
    "^ +32 \\(20 -> 70 %\\); 24% of the way, confidence 3 -> 4 -> 1 ▅▆▂, just now by"
cb team-a checkin d2 kr1 --value 70 --confidence 5 >/dev/null
check_screen "a check-in shows live at 80x24" "$SESSION-p" \
    "^ +70 \\(20 -> 70 %\\); 100% of the way, confidence 3 -> 4 -> 1 -> 5 ▅▆▂█"
check "24 lines on the progress screen" "$(screen "$SESSION-p" | wc -l)" 24
tmx send-keys -t "$SESSION-p" x
check_screen "back from the progress screen" "$SESSION-p" "^TEAMS"
tmx send-keys -t "$SESSION-p" q
if wait_for 100 session_gone "$SESSION-p"; then ok; else fail "progress console quits on q"; fi

finish
