#!/bin/bash
# A whole alignment marketplace, played from start to end so that a
# facilitator can rehearse before the real one (`make demo`). Leadership
# drafts the company OKR; four teams draft theirs, aligned to its key
# results (team-a.json ... team-d.json); a facilitator runs the event
# through every phase: the drafts shared, an ask accepted as a key result
# both drafts share, one declined, one countered and the counter taken, an
# offer nobody asked for taken, one ask left until the commit phase, a
# nudge, and the report and the alignment graph.
#
# It talks to a running broker: `make run` in another terminal, or the one
# CATCHBALL_ENDPOINT names. Ids are read from the answers, not assumed, so
# it plays again on a store that already holds drafts and events. The
# graph goes to $DEMO_OUT/alignment.dot (default: the current directory;
# var/ under make demo).
#
# Usage: examples/marketplace.sh   (CATCHBALL: the catchball to run)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CATCHBALL=${CATCHBALL:-$(command -v catchball || echo "$HERE/../build/catchball")}
OUT_DIR=${DEMO_OUT:-.}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/catchball-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# cb NODE ARGS...: shows the command as a facilitator would type it, runs
# it, shows its answer, and keeps the answer in $OUT.
cb () {
    local node=$1
    shift
    printf '\n$ catchball --node %s %s\n' "$node" "$*"
    OUT=$("$CATCHBALL" --node "$node" "$@")
    printf '%s\n' "$OUT"
}

# The first id (d2, e1, a3...) in the last answer.
first_id () {
    grep -oE "\\b$1[0-9]+\\b" <<<"$OUT" | head -n 1
}

say () {
    printf '\n== %s\n' "$*"
}

say "Everyone says hello once (the role is remembered)"
cb fac --role facilitator hello
cb lead --role leadership hello
for team in team-a team-b team-c team-d; do
    cb $team --role team --parent lead hello
done

say "Leadership's draft, revised to measure invitations (its kr4)"
cb lead draft new "$HERE/leadership.json" --message "rough first draft"
LEAD=$(first_id d)
cb lead draft revise "$LEAD" "$HERE/counter-team-b.json" --message "measure invitations, not tickets"

say "Each team drafts its OKR, aligned to one of leadership's key results"
declare -A DRAFT
for team in team-a team-b team-c team-d; do
    # The files align to d1, the walk-through's draft: here, to $LEAD.
    sed "s/\"draft\": \"d1\"/\"draft\": \"$LEAD\"/" "$HERE/$team.json" > "$WORK/$team.json"
    cb $team draft new "$WORK/$team.json" --message "first draft for the marketplace"
    DRAFT[$team]=$(first_id d)
done

say "The event: planned, then its share phase"
cb fac event new "Q1 alignment marketplace" --cycle 2027-Q1 \
    --participants lead,team-a,team-b,team-c,team-d --plan share=20,negotiate=40,commit=10
EVENT=$(first_id e)
cb fac event advance "$EVENT"
for team in team-a team-b team-c team-d; do
    cb $team event share "$EVENT" "${DRAFT[$team]}"
done
cb lead event share "$EVENT" "$LEAD"

say "Negotiate: asks and offers"
cb fac event advance "$EVENT"

# team-a's signups need team-b's new accounts service: one key result,
# carried in full by both drafts.
cb team-a ask new "$EVENT" --to team-b --kr kr1 --need "Two engineers on the signup flow" --by "week 4"
ASK=$(first_id a)
cb team-b ask accept "$ASK" \
    --shared-kr '{"text":"New accounts signing up on the new service","baseline":0,"target":80,"unit":"%"}'

# team-c measures first value per segment; team-d cannot spare an analyst.
cb team-c ask new "$EVENT" --to team-d --kr kr2 --need "Tag every week-one ticket with its segment"
ASK=$(first_id a)
cb team-d ask decline "$ASK" --reason "No analyst this quarter; ask again in Q2"

# team-a wants first-project templates; team-c counters with fewer, and
# team-a takes the counter.
cb team-a ask new "$EVENT" --to team-c --kr kr3 --need "First-project templates for every segment" --by "week 6"
ASK=$(first_id a)
cb team-c ask counter "$ASK" --text "Templates for our two largest segments" \
    --new-kr '{"text":"First-project templates for the two largest segments","target":2}'
cb team-a ask take "$ASK"

# team-c offers team-d what nobody asked for; team-d takes it.
cb team-c offer new "$EVENT" --to team-d --kr kr1 --text "A weekly list of accounts stuck in set-up" \
    --new-kr '{"text":"Weekly lists of stuck accounts sent to team-d","target":12}'
ASK=$(first_id a)
cb team-d ask take "$ASK"

# team-b needs a decision from leadership, which takes its time.
cb team-b ask new "$EVENT" --to lead --kr kr1 --need "A decision: the migration before the invitation step"
OPEN=$(first_id a)
cb fac event extend "$EVENT" --minutes 5

say "Commit: no new asks; the facilitator nudges the open one"
cb fac event advance "$EVENT"
cb fac event show "$EVENT"
cb fac event nudge "$EVENT" lead --text "$OPEN is waiting for you"
cb lead ask decline "$OPEN" --reason "The migration stays first; we decide on invitations at mid-quarter"

say "Closed: the report, and the alignment graph"
cb fac event advance "$EVENT"
cb fac report "$EVENT"
mkdir -p "$OUT_DIR"
"$CATCHBALL" --node fac graph --cycle 2027-Q1 --event "$EVENT" > "$OUT_DIR/alignment.dot"
printf '\nThe alignment graph is in %s/alignment.dot (dot -Tsvg to draw it).\n' "$OUT_DIR"
