#!/bin/bash
# End to end, with the real catchballd and catchball binaries: links
# between teams are protected (issue 12, section 4). Leadership's draft d1
# has a key result team-a's d2 aligns to; team-a and team-b agree a shared
# key result in a marketplace. Removing or rewording the aligned key
# result, or changing one copy of the shared one, is refused with LINKED,
# naming the dependent drafts, and stores nothing (the draft's revision
# count and the event log do not move); with --unlink it is written and
# the dependent team reads a link.broken delivery, and `todo` asks it to
# re-align. A forged shared_with and a removed key result's id brought
# back are refused too.
#
# Usage: links.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

start_broker

cb fac --role facilitator hello >/dev/null
cb lead --role leadership hello >/dev/null
for team in team-a team-b; do
    cb $team --role team --parent lead hello >/dev/null
done

# revs DRAFT: how many revisions it has.
revs () {
    cb lead draft show "$1" | jq -r .draft.revs
}
# seq: the event log's last sequence.
seq () {
    cb fac event snapshot e1 | jq -r .seq
}
# head DRAFT FILE: the draft's head content into FILE.
head_to () {
    cb lead draft show "$1" | jq '.revision.content' > "$2"
}

cb lead draft new "$EXAMPLES/leadership.json" >/dev/null
jq '.objective = "Team A makes activation easy" | .aligned_to = {draft: "d1", kr: "kr1"}' \
    "$EXAMPLES/leadership.json" > "$TMP/team-a.json"
cb team-a draft new "$TMP/team-a.json" >/dev/null
jq '.objective = "Team B makes the first week smooth"' "$EXAMPLES/leadership.json" > "$TMP/team-b.json"
cb team-b draft new "$TMP/team-b.json" >/dev/null

# A marketplace where team-b agrees to share a key result with team-a.
cb fac event new "Links" --cycle 2027-Q1 --participants team-a,team-b >/dev/null
cb fac event advance e1 >/dev/null
cb team-a event share e1 d2 >/dev/null
cb team-b event share e1 d3 >/dev/null
cb fac event advance e1 >/dev/null
cb team-a ask new e1 --to team-b --kr kr1 --need "Own activation with us" >/dev/null
cb team-b ask accept a1 --shared-kr '{"text":"Activation of new teams","target":55,"unit":"%"}' >/dev/null
check "d3 kr4 shared with d2 kr4" \
    "$(cb lead draft show d3 | jq -r '.revision.content.key_results[] | select(.id=="kr4") | "\(.shared_with.draft)/\(.shared_with.kr)"')" "d2/kr4"

# Leadership removes kr1, which d2 aligns to: refused, nothing stored.
head_to d1 "$TMP/d1.json"
jq 'del(.key_results[0])' "$TMP/d1.json" > "$TMP/d1-dropped.json"
jq '.key_results[0].text = "Activation within a day"' "$TMP/d1.json" > "$TMP/d1-reworded.json"
before=$(seq)
expect_error LINKED lead draft revise d1 "$TMP/d1-dropped.json" --message "kr1 is done"
expect_error LINKED lead draft revise d1 "$TMP/d1-reworded.json" --message "sharper"
msg=$(cb lead draft revise d1 "$TMP/d1-dropped.json" 2>/dev/null | jq -r .error.message || true)
check_contains "LINKED names the dependent draft and its owner" "$msg" "removed d1 kr1: aligned to by d2 (team-a)"
# team-b changes its copy of the shared key result: the copies would differ.
head_to d3 "$TMP/d3.json"
jq '(.key_results[] | select(.id=="kr4") | .target) = 70' "$TMP/d3.json" > "$TMP/d3-changed.json"
expect_error LINKED team-b draft revise d3 "$TMP/d3-changed.json" --message "more"
msg=$(cb team-b draft revise d3 "$TMP/d3-changed.json" 2>/dev/null | jq -r .error.message || true)
check_contains "LINKED names the shared key result" "$msg" "changed d3 kr4: shared with d2 kr4 (team-a)"
check "d1 unchanged" "$(revs d1)" 1
check "d3 unchanged" "$(revs d3)" 2
check "nothing in the event log" "$(seq)" "$before"

# Forged links and reused ids are refused, and store nothing either.
jq '.key_results[0].shared_with = {draft: "d999", kr: "kr1"}' "$EXAMPLES/leadership.json" > "$TMP/forged.json"
expect_error BAD_FIELD team-a draft new "$TMP/forged.json"
head_to d2 "$TMP/d2.json"
jq '.key_results[1].shared_with = {draft: "d3", kr: "kr2"}' "$TMP/d2.json" > "$TMP/d2-forged.json"
expect_error BAD_FIELD team-a draft revise d2 "$TMP/d2-forged.json" --message "claim"
check "no draft d4" "$(cb lead draft list | jq -r '.drafts | length')" 3

# With --unlink: written; team-a reads why, and what to do.
out=$(cb lead draft revise d1 "$TMP/d1-dropped.json" --message "activation moves to Q2" \
      --unlink "activation is owned by the growth team from Q2")
check "unlinked revision" "$(jq -r .rev <<<"$out")" 2
check "the revision records the unlink" \
    "$(cb lead draft show d1 | jq -r '.revision.unlink | "\(.reason): \(.links | map("\(.kr)>\(.draft)") | join(","))"')" \
    "activation is owned by the growth team from Q2: kr1>d2"
out=$("$CATCHBALL" --node team-a inbox --peek)
check_contains "team-a reads the broken link" "$out" "lead removed d1 kr1 in revision 2, which your d2 aligns to:"
check_contains "team-a reads the reason" "$out" "activation is owned by the growth team from Q2"
check_contains "team-a reads the diff" "$out" "- kr1  Activation rate of new accounts: 40 -> 60 %"
check_contains "team-a is told how to answer" "$out" "answer: catchball draft revise d2 FILE --message M"
out=$("$CATCHBALL" --node team-a todo)
check_contains "todo asks team-a to re-align" "$out" "re-align d2: it aligns to d1 kr1, which d1 no longer has"

# The id rule: kr1 never comes back to d1 by its id.
jq '.key_results += [{"id": "kr1", "text": "Activation rate of new accounts", "target": 60}]' \
    "$TMP/d1-dropped.json" > "$TMP/d1-back.json"
expect_error BAD_FIELD lead draft revise d1 "$TMP/d1-back.json" --message "back"
jq '.key_results += [{"text": "Activation rate of new accounts", "target": 60}]' \
    "$TMP/d1-dropped.json" > "$TMP/d1-new.json"
cb lead draft revise d1 "$TMP/d1-new.json" --message "back, as a new key result" >/dev/null
check "a key result that comes back gets a new id" \
    "$(cb lead draft show d1 | jq -r '.revision.content.key_results[] | select(.text=="Activation rate of new accounts") | .id')" kr4

# team-a's own revision must re-align: its d2 is never rewritten for it.
check "d2 still aligns to d1 kr1" "$(cb lead draft show d2 | jq -r '.revision.content.aligned_to.kr')" kr1
expect_error NOT_FOUND team-a draft revise d2 "$TMP/d2.json" --message "as it was"
msg=$(cb team-a draft revise d2 "$TMP/d2.json" --message "as it was" 2>/dev/null | jq -r .error.message || true)
check "NOT_FOUND says how to re-align" "$msg" \
    "aligned_to: d1 has no key result kr1 (now): align to one it has, or to d1 as a whole"
jq '.aligned_to = {draft: "d1", kr: "kr4"}' "$TMP/d2.json" > "$TMP/d2-realigned.json"
cb team-a draft revise d2 "$TMP/d2-realigned.json" --message "re-aligned" >/dev/null
check "nothing waits for team-a any more" "$("$CATCHBALL" --node team-a todo | grep -c 're-align' || true)" 0

# team-b unlinks the shared key result: team-a's copy is broken until
# team-a's next revision, which drops the link by itself.
head_to d3 "$TMP/d3.json"
jq 'del(.key_results[] | select(.id=="kr4"))' "$TMP/d3.json" > "$TMP/d3-dropped.json"
cb team-b draft revise d3 "$TMP/d3-dropped.json" --message "no joint KR" --unlink "we cannot staff it" >/dev/null
out=$("$CATCHBALL" --node team-a inbox --peek)
check_contains "team-a reads the broken shared key result" "$out" \
    "team-b removed d3 kr4 in revision 3, which your d2 shares (your kr4):"
check_contains "and what happens to its copy" "$out" "d2's next revision drops the link"
check_contains "todo lists the shared key result" "$("$CATCHBALL" --node team-a todo)" \
    "re-align d2: its kr4 is shared with d3 kr4, which no longer shares it back"
check "d2's revision is not rewritten" \
    "$(cb lead draft show d2 | jq -r '.revision.content.key_results[] | select(.id=="kr4") | .shared_with.draft')" d3
head_to d2 "$TMP/d2-now.json"
cb team-a draft revise d2 "$TMP/d2-now.json" --message "kr4 is ours alone now" >/dev/null
check "d2's next revision drops the broken link" \
    "$(cb lead draft show d2 | jq -r '.revision.content.key_results[] | select(.id=="kr4") | .shared_with')" null
check "nothing waits for team-a at last" "$("$CATCHBALL" --node team-a todo | grep -c 're-align' || true)" 0

finish
