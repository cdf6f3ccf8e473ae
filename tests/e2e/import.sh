#!/bin/bash
# End to end, with the real catchballd and catchball binaries: import and
# export (issue 13, section 4).
#
# - import: a spreadsheet's CSV (quoted cells with newlines and quotes, a
#   byte order mark, ';' and decimal commas, rows grouped by a key, an
#   objective aligned to another of the same file) becomes one draft per
#   objective; --dry-run stores nothing; bad files (malformed CSV, an
#   unknown column, an empty file, bad cells) are refused by line and
#   column, and a file the broker refuses for its last objective stores
#   not even the first: the event log and the draft count do not move.
# - export: CSV, Markdown and JSON of a cycle with a final draft, a key
#   result removed (ids kr1, kr3, kr4), alignment and a shared key result
#   agreed in a marketplace; the CSV imports into a new, empty store to
#   the same drafts (each draft's content compared). A cycle with no
#   drafts is refused.
# - draft show --content is what draft revise takes: the revision is
#   accepted and its content is the same.
# - history --format md: the negotiation as a Markdown transcript.
#
# Usage: import.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"
DATA=$(dirname "$0")/../data/import

start_broker

cb lead --role leadership hello >/dev/null
cb fac --role facilitator hello >/dev/null
for team in team-a team-b; do
    cb $team --role team --parent lead hello >/dev/null
done

# count: how many drafts the store holds. logseq: the event log's last.
count () {
    cb lead draft list | jq -r '.drafts | length'
}
# logseq: the event log's last sequence, from an event's snapshot.
logseq () {
    cb fac event snapshot e1 | jq -r .seq
}
expect_status () {
    local want=$1 rc=0
    shift
    "$CATCHBALL" --node lead "$@" >/dev/null 2>&1 || rc=$?
    check "exit status of $*" "$rc" "$want"
}
# content DRAFT: its head content as sorted JSON.
content () {
    "$CATCHBALL" --node lead draft show "$1" --content | jq -S .
}

cb lead draft new "$EXAMPLES/leadership.json" >/dev/null       # d1
# The marketplace of the export below; its snapshot tells the log's end.
cb fac event new "Q1 market" --cycle 2027-Q1 --participants team-a,team-b >/dev/null

# --- import ---------------------------------------------------------------

# A dry run says what it would make, and makes nothing.
out=$("$CATCHBALL" --node lead import "$DATA/okrs.csv" --cycle 2027-Q1 --dry-run)
check_contains "dry run: what would be made" "$out" \
    "would create 3 drafts in cycle 2027-Q1 from $DATA/okrs.csv (dry run: nothing stored)"
check_contains "dry run: the aligned objective" "$out" \
    "#2    line 7    Sales grow with activation (kr1, kr2), aligned to growth/kr1"
check "dry run stores nothing" "$(count)" 1
check "dry run: nothing in the event log" "$(logseq)" 2

log_before=$(logseq)
out=$("$CATCHBALL" --node lead import "$DATA/okrs.csv" --cycle 2027-Q1 --message "from the sheet")
check "one change: one entry in the event log" "$(logseq)" $((log_before + 1))
check_contains "import: growth" "$out" "d2    line 2    Customers get value in their first week (kr1, kr2, kr3)"
check_contains "import: sales" "$out" "d3    line 7    Sales grow with activation (kr1, kr2)"
check_contains "import: platform" "$out" "d4    line 9    The platform carries the growth (kr1), aligned to d1"
check "three drafts more" "$(count)" 4
check "the narrative keeps its line break" "$(content d2 | jq -r .narrative)" \
    "$(printf 'Half of new accounts never reach first value.\nThis quarter, we fix the first week.')"
check "a row without objective goes on with the one above" \
    "$(content d2 | jq -c '.key_results[2] | [.id, .text, .baseline, .target, .unit]')" \
    '["kr3","Support tickets per new account in week one",2.4,1,"tickets"]'
check "leads, comma-separated" "$(content d2 | jq -c '.key_results[0].leads')" '["ana","bo"]'
check "aligned to an objective of the same file" "$(content d3 | jq -c .aligned_to)" \
    '{"draft":"d2","kr":"kr1"}'
check "doubled quotes" "$(content d3 | jq -r '.key_results[1].text')" 'Accounts that "really" convert'
check "aligned to a stored draft" "$(content d4 | jq -c .aligned_to)" '{"draft":"d1"}'
check "the message" "$(cb lead draft show d3 | jq -r .revision.message)" "from the sheet"

before=$(count)

# Bad files: each refused by line and column, and nothing stored.
# expect_import FILE EXPECTED...: exit status 1, each expected line on stderr.
expect_import () {
    local file=$1 out rc=0
    shift
    out=$("$CATCHBALL" --node lead import "$file" --cycle 2027-Q3 2>&1 >/dev/null) || rc=$?
    check "exit status of import $(basename "$file")" "$rc" 1
    for line in "$@"; do
        check_contains "import $(basename "$file")" "$out" "$line"
    done
}
expect_import "$DATA/unterminated.csv" "unterminated.csv:2:1: malformed CSV"
expect_import "$DATA/stray-quote.csv" "stray-quote.csv:2:2: malformed CSV"
expect_import "$DATA/unknown-column.csv" \
    "unknown-column.csv:1:4: unknown column 'colour' (the columns are: key, objective"
expect_import "$DATA/empty.csv" "empty.csv: the file is empty"
expect_import "$DATA/bad-rows.csv" \
    "bad-rows.csv:2:4: target must be a number, not 'lots'" \
    "bad-rows.csv:3:2: the key result's text is empty" \
    "bad-rows.csv:4:5: aligned_to: 'nowhere' is neither a key of this file nor a draft id like d1" \
    "catchball: $DATA/bad-rows.csv: 3 problems; nothing was imported"
# Excel's plain "CSV" is not UTF-8; a NUL byte; numbers strtod would take.
printf 'objective,kr,target\ncaf\xe9 growth,Text,1\n' > "$TMP/latin1.csv"
expect_import "$TMP/latin1.csv" 'latin1.csv:2:1: text that is not UTF-8 (save the sheet as "CSV UTF-8")'
printf 'objective,kr,target\nA,B\000C,1\n' > "$TMP/nul.csv"
expect_import "$TMP/nul.csv" "nul.csv:2:2: a NUL byte"
printf 'objective,kr,target,baseline\nA,B,0x10,inf\n' > "$TMP/numbers.csv"
expect_import "$TMP/numbers.csv" "numbers.csv:2:3: target must be a number, not '0x10'" \
    "numbers.csv:2:4: baseline must be a number, not 'inf'"
# Old Mac line ends ('\r' only) still give each row its line.
printf 'objective,kr,target\rA,B,1\rC,D,x\r' > "$TMP/cr.csv"
expect_import "$TMP/cr.csv" "cr.csv:3:3: target must be a number, not 'x'"
printf 'objective,kr,target\n' > "$TMP/header-only.csv"
expect_import "$TMP/header-only.csv" "header-only.csv:1: no key results"
printf 'kr,target\nx,1\n' > "$TMP/no-objective.csv"
expect_import "$TMP/no-objective.csv" "no-objective.csv:1: no 'objective' column"

# The broker refuses the last objective (d1 has no kr9): the first, valid,
# is not stored either, and the event log does not move.
log_before=$(logseq)
printf 'objective,kr,target,aligned_to\nFine one,A key result,1,\nBad one,Another,2,d1/kr9\n' \
    > "$TMP/broker-refuses.csv"
expect_import "$TMP/broker-refuses.csv" \
    "catchball: NOT_FOUND (300): drafts[1]: aligned_to: d1 has no key result kr9" \
    "broker-refuses.csv:3:4: refused by the broker: aligned_to: d1 has no key result kr9"
# Over the wire, with the dry run too: the same refusal, nothing stored.
rc=0
"$CATCHBALL" --node lead import "$TMP/broker-refuses.csv" --cycle 2027-Q3 --dry-run \
    >/dev/null 2>&1 || rc=$?
check "a dry run is refused alike" "$rc" 1
check "nothing stored by the refused imports" "$(count)" "$before"
check "nothing in the event log" "$(logseq)" "$log_before"
check "no draft of cycle 2027-Q3" "$(cb lead draft list --cycle 2027-Q3 | jq -r '.drafts | length')" 0
# Only authors import.
expect_error FORBIDDEN fac import "$DATA/okrs.csv" --cycle 2027-Q3
expect_status 2 import "$DATA/okrs.csv"

# --- draft show --content round-trips into draft revise ---------------------

"$CATCHBALL" --node lead draft show d2 --content > "$TMP/d2.json"
out=$(cb lead draft revise d2 "$TMP/d2.json" --message "unchanged")
check "the content is accepted as a revision" "$(jq -r .rev <<<"$out")" 2
check "the revision's content is the old one" "$(content d2)" "$(jq -S . "$TMP/d2.json")"
check "and no change in the history" \
    "$(cb lead history d2 | jq -c '.revisions[1].changes')" "[]"

# --- a cycle worth exporting --------------------------------------------------

# d1: kr2 removed, a new key result (kr4): ids kr1, kr3, kr4. d5 (team-a)
# aligns to d1 kr3; d6 (team-b) to d5. A marketplace shares a key result
# between d5 and d6; d1 goes through a round and is final.
"$CATCHBALL" --node lead draft show d1 --content \
    | jq 'del(.key_results[1]) | .key_results += [{"text": "Teams onboarded by a buddy", "target": 80, "unit": "%"}]' \
    > "$TMP/d1-r2.json"
cb lead draft revise d1 "$TMP/d1-r2.json" --message "buddies, not days" >/dev/null
cb lead throw d1 --to team-a --question "Can you commit?" >/dev/null
cb team-a feedback r1 --kind concern --on kr1 "60 % needs the data team" >/dev/null
cb lead vote open d1 --voters team-a >/dev/null
cb team-a vote d1 --confidence 4 --comment "fist of five: 4" >/dev/null
cb lead finalize d1 >/dev/null
jq -n '{cycle: "2027-Q1", objective: "Team A: activation, together",
        narrative: "Line one, with a comma;\nline two, \"quoted\".",
        aligned_to: {draft: "d1", kr: "kr3"},
        key_results: [{text: "Signup flow done", target: 1},
                      {text: "Weekly active teams", baseline: 10, target: 25, leads: ["ana"]}]}' \
    > "$TMP/team-a.json"
cb team-a draft new "$TMP/team-a.json" >/dev/null                # d5
jq -n '{cycle: "2027-Q1", objective: "Team B: a smooth first week", aligned_to: {draft: "d5"},
        key_results: [{text: "Tickets per new account", baseline: 2.4, target: 1.2}]}' \
    > "$TMP/team-b.json"
cb team-b draft new "$TMP/team-b.json" >/dev/null                # d6
cb fac event advance e1 >/dev/null
cb team-a event share e1 d5 >/dev/null
cb team-b event share e1 d6 >/dev/null
cb fac event advance e1 >/dev/null
cb team-a ask new e1 --to team-b --kr kr2 --need "Own activation with us" >/dev/null
cb team-b ask accept a1 --shared-kr '{"text":"Activation of new teams","target":55,"unit":"%"}' >/dev/null
check "d1's ids" "$(content d1 | jq -c '[.key_results[].id]')" '["kr1","kr3","kr4"]'
check "d5 shares kr3 with d6" \
    "$(content d5 | jq -c '.key_results[2] | [.id, .shared_with]')" '["kr3",{"draft":"d6","kr":"kr2"}]'

# --- export ------------------------------------------------------------------

expect_status 1 export --cycle 1999-Q9
check_contains "a cycle with no drafts: said" \
    "$("$CATCHBALL" --node lead export --cycle 1999-Q9 2>&1 || true)" \
    "catchball: cycle 1999-Q9 has no drafts: nothing to export"
expect_status 2 export --cycle 2027-Q1 --format xls

"$CATCHBALL" --node lead export --cycle 2027-Q1 --format csv > "$TMP/q1.csv"
check "CSV header" "$(head -1 "$TMP/q1.csv" | tr -d '\r')" \
    '"key","objective","narrative","aligned_to","kr_id","kr","baseline","target","unit","leads","shared_with","owner","state","rev","coach"'
check_contains "CSV: the final draft's head with its ids" "$(cat "$TMP/q1.csv")" \
    '"d1","Make onboarding so good that new customers succeed in their first week"'
check_contains "CSV: kr4 of d1, final" "$(cat "$TMP/q1.csv")" \
    '"kr4","Teams onboarded by a buddy","","80","%","","","lead","final","2"'
check_contains "CSV: a shared key result" "$(cat "$TMP/q1.csv")" '"d6/kr2","team-a","drafting","2"'
check "CSV: a row per key result" "$(grep -c '^"d' "$TMP/q1.csv")" 14
check_contains "CSV: the coach's findings on each key result" "$(cat "$TMP/q1.csv")" \
    '"kr4","Teams onboarded by a buddy","","80","%","","","lead","final","2","MILESTONE_KR, NO_BASELINE, NO_LEAD"'

md=$("$CATCHBALL" --node lead export --cycle 2027-Q1 --format md)
check_contains "md: title" "$md" "# OKRs of cycle 2027-Q1"
check_contains "md: d1 final" "$md" "Owner lead; final (the agreed OKR) at revision 2."
check_contains "md: alignment" "$md" "Aligned to d1/kr3."
check_contains "md: the shared key result" "$md" "| kr3 | Activation of new teams |  | 55 | % |  | d6/kr2 |"
check_contains "md: the ask" "$md" "| a1 | e1 | ask | team-a | team-b | d5/kr2 | Own activation with us | accepted |"

json=$("$CATCHBALL" --node lead export --cycle 2027-Q1 --format json)
check "json: drafts" "$(jq -c '[.drafts[].id]' <<<"$json")" '["d1","d2","d3","d4","d5","d6"]'
check "json: final_rev" "$(jq -r '.drafts[0].final_rev' <<<"$json")" 2
check "json: asks" "$(jq -r '.asks[0] | "\(.id) \(.state)"' <<<"$json")" "a1 accepted"
check "json: the coach's findings on d1, as lint gives them" \
    "$(jq -c '[.drafts[0].coach[] | .about + " " + .code]' <<<"$json")" \
    "$("$CATCHBALL" --node lead --json lint d1 --fail-on never | jq -c '[.findings[] | .about + " " + .code]')"
check_contains "md: the coach's findings" "$md" "- kr4: warning \`NO_BASELINE\`: "

# The CSV into a new, empty store: the same drafts (shared_with aside,
# which only an agreed ask sets, and import says so).
# shown DRAFT: draft show as people read it, from the content on (the
# lines above it say who wrote the revision when).
shown () {
    "$CATCHBALL" --node lead draft show "$1" | sed '1,/^$/d'
}
for d in d1 d2 d3 d4 d5 d6; do
    content $d > "$TMP/before-$d.json"
    shown $d > "$TMP/before-$d.txt"
done
kill9_broker
STORE=$TMP/store2
start_broker
cb lead --role leadership hello >/dev/null
out=$("$CATCHBALL" --node lead import "$TMP/q1.csv" --cycle 2027-Q1 2>&1)
check_contains "re-import: six drafts" "$out" "created 6 drafts in cycle 2027-Q1"
check_contains "re-import: shared_with is not imported, and said" "$out" \
    "note: shared_with is set only by an agreed ask or offer: not imported (2 rows)"
for d in d1 d2 d3 d4 d5 d6; do
    check "re-imported $d: the same content" \
        "$(content $d | jq -S 'del(.key_results[].shared_with)')" \
        "$(jq -S 'del(.key_results[].shared_with)' "$TMP/before-$d.json")"
done
for d in d1 d2 d3 d4; do
    check "re-imported $d: draft show the same" "$(shown $d)" "$(cat "$TMP/before-$d.txt")"
done
check "re-imported d1 gives its next key result kr5" \
    "$(cb lead draft show d1 | jq -r .draft.next_kr)" 5

# A byte order mark, ';', CRLF, a newline in a quoted cell, decimal commas.
"$CATCHBALL" --node lead import "$DATA/semicolon-bom.csv" --cycle 2027-Q2 >/dev/null
d=$(cb lead draft list --cycle 2027-Q2 | jq -r '.drafts[0].id')
check "BOM and ';': the objective" "$(content "$d" | jq -r .objective)" 'Ship the "new" app'
check "a newline in a quoted cell" "$(content "$d" | jq -r '.key_results[0].text')" \
    "$(printf 'Crash-free\nsessions')"
check "decimal commas" "$(content "$d" | jq -c '[.key_results[] | .target]')" '[99.9,4.5]'
# --delimiter names it: a ';' file read with ',' is one column.
rc=0
out=$("$CATCHBALL" --node lead import "$DATA/semicolon-bom.csv" --cycle 2027-Q2 \
      --delimiter , 2>&1) || rc=$?
check "--delimiter , on a ';' file: refused" "$rc" 1
check_contains "--delimiter , on a ';' file: its quotes are wrong" "$out" \
    "semicolon-bom.csv:2:1: malformed CSV"

# --- history --format md ---------------------------------------------------------

kill9_broker
STORE=$TMP/store
start_broker
md=$("$CATCHBALL" --node lead history d1 --format md)
check_contains "transcript: title" "$md" "# d1: Make onboarding so good"
check_contains "transcript: final" "$md" "owner lead, final at revision 2. Times are local."
check_contains "transcript: revision 2, message" "$md" "> buddies, not days"
check_contains "transcript: what changed" "$md" "- kr2  Median days to first value"
check_contains "transcript: the round" "$md" "### Round r1: revision 2 thrown to team-a"
check_contains "transcript: the question" "$md" 'asking: "Can you commit?".'
check_contains "transcript: the feedback" "$md" "**team-a** (f1): concern on kr1: 60 % needs the data team"
check_contains "transcript: the vote" "$md" "**team-a** on revision 2: confidence 4 (fist of five: 4)"
when=$(grep -o '^## Revision 1: [^,]*' <<<"$md" | sed 's/^## Revision 1: //')
if [[ "$when" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$ ]]; then
    ok
else
    fail "transcript: a local time with its offset, not '$when'"
fi
expect_status 2 history d1 --format xml

finish
