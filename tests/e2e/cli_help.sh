#!/bin/bash
# The command line's help and usage errors, with the real catchball binary
# and no broker (issue 11): each group of subcommands lists them on
# --help; each command's --help explains every option its usage names;
# none of this needs --node; an option a command does not take is refused,
# naming the command; an unknown command gets a "did you mean". Nothing
# listens on the endpoint: a command that reached for the broker would
# end with status 3, not 0 or 2.
#
# Usage: cli_help.sh CATCHBALLD CATCHBALL EXAMPLES_DIR
. "$(dirname "$0")/lib.sh"

unset CATCHBALL_NODE CATCHBALL_ROLE CATCHBALL_KEY
: >"$LOG"     # no broker here: an empty log for lib.sh's report on failure

# run ARGS...: the CLI with no node; sets OUT, ERR and RC.
run () {
    RC=0
    OUT=$("$CATCHBALL" "$@" 2>"$TMP/stderr") || RC=$?
    ERR=$(cat "$TMP/stderr")
}

# Each group lists its subcommands on --help, with or without --node.
declare -A SUBS=(
    [draft]="new revise show list"
    [round]="show close"
    [event]="new advance extend nudge share show list snapshot"
    [ask]="new accept counter decline take refuse"
    [offer]="new"
    [cycle]="new close show list"
)
for group in "${!SUBS[@]}"; do
    for node in "" "--node team-a"; do
        # shellcheck disable=SC2086
        run $node "$group" --help
        check "'$node $group --help' status" "$RC" 0
        check "'$node $group --help' says nothing on stderr" "$ERR" ""
        for sub in ${SUBS[$group]}; do
            check_contains "'$node $group --help' lists $sub" "$OUT" "  $group $sub"
        done
    done
done

# A group without its subcommand is bad usage, and says what there is.
run draft
check "'draft' alone: status" "$RC" 2
check_contains "'draft' alone: why" "$ERR" "'draft' needs a subcommand"
check_contains "'draft' alone: the list" "$ERR" "  draft show DRAFT"

# COMMAND --help: the usage, what it does, every option with its help.
run draft show --help
check "'draft show --help' status" "$RC" 0
check_contains "'draft show --help' usage" "$OUT" "Usage: catchball draft show DRAFT [--rev N]"
check_contains "'draft show --help' explains --rev" "$OUT" \
    "  --rev N                 the revision to show (default: the head)"

# vote is a command and a group (issue 14): "vote open" is its subcommand,
# "vote DRAFT" the vote itself.
run vote open --help
check "'vote open --help' status" "$RC" 0
check_contains "'vote open --help' usage" "$OUT" \
    "Usage: catchball vote open DRAFT --voters NODE,... [--deadline DURATION] [--threshold 0-5]"
check_contains "'vote open --help' explains --voters" "$OUT" "the voters, comma-separated (required)"
check_contains "'vote open --help' explains --threshold" "$OUT" "the median the vote needs (default 3)"
run vote --help
check "'vote --help' status" "$RC" 0
check_contains "'vote --help' usage" "$OUT" "Usage: catchball vote DRAFT --confidence 0-5 [--comment C]"
run finalize --help
check_contains "'finalize --help' explains --override" "$OUT" "finalise without a vote that passed"

# Every command's --help explains each option its usage line names.
run --help
check "'--help' status" "$RC" 0
commands=$(grep -oE '^  [a-z]+( [a-z]+)?' <<<"$OUT" | sed 's/^  //' \
    | while read -r first second; do
          if [ -n "$second" ] && [ -n "${SUBS[$first]:-}" ]; then echo "$first $second"
          else echo "$first"; fi
      done | sort -u)
# (39 with todo, issue 12; 45 with ask list, lint, raise, import, export and watch, issue 13;
# 53 with retro, carry, checkin, progress and cycle new, close, show and list, issue 14)
check "'--help' lists the commands" "$(wc -l <<<"$commands")" 53
while read -r command; do
    # shellcheck disable=SC2086
    run $command --help
    check "'$command --help' status" "$RC" 0
    usage=$(grep '^Usage: ' <<<"$OUT" || true)
    check_contains "'$command --help' usage" "$usage" "Usage: catchball $command"
    for option in $( (grep -oE -- '--[a-z-]+' <<<"$usage" || true) | sort -u); do
        [ "$option" = --role ] && continue      # a global option (keygen)
        # An option's line, "  --rev N   help" or "  -m, --message M   help",
        # the help on the next line when the option is long.
        if grep -A1 -E -- "^  (-[a-z], )?$option( [^ ]+)?( |\$)" <<<"$OUT" \
           | grep -qE '[a-z]{3,} [a-z]{2,}'; then ok
        else fail "'$command --help' does not explain $option"; fi
    done
done <<<"$commands"

# A help request never needs --node, even for a command that talks to the broker.
for command in "inbox" "throw" "event new" "graph" "keygen"; do
    # shellcheck disable=SC2086
    run $command --help
    check "'$command --help' without a node" "$RC" 0
done

# An option the command does not take is refused, naming the command.
run --node team-a draft show d1 --to x
check "'draft show --to' status" "$RC" 2
check_contains "'draft show --to' refused" "$ERR" "'draft show' does not take --to"
check_contains "'draft show --to' points to help" "$ERR" "Try 'catchball draft show --help'"
run --node team-a throw d1 --to team-b --rev 2
check "'throw --rev' status" "$RC" 2
check_contains "'throw --rev' refused" "$ERR" "'throw' does not take --rev"
run --node team-a inbox -m hi
check "'inbox -m' status" "$RC" 2
check_contains "'inbox -m' refused" "$ERR" "'inbox' does not take --message"

# Unknown commands: the nearest, when one is near.
run drfat
check "'drfat' status" "$RC" 2
check_contains "'drfat' suggestion" "$ERR" "unknown command 'drfat'; did you mean 'draft'?"
run --node team-a draft shwo d1
check "'draft shwo' status" "$RC" 2
check_contains "'draft shwo' suggestion" "$ERR" "did you mean 'draft show'?"
run --node team-a evnet list
check_contains "'evnet' suggestion" "$ERR" "did you mean 'event'?"
run --node team-a xyzzy
check "'xyzzy' status" "$RC" 2
check_contains "'xyzzy' unknown" "$ERR" "unknown command 'xyzzy'"
if grep -q "did you mean" <<<"$ERR"; then fail "'xyzzy' suggested something: $ERR"; else ok; fi

# Valid use is not refused: it reaches for the broker (none answers: 3).
run --node team-a --timeout 300 draft show d1 --rev 2
check "'draft show --rev' goes to the broker" "$RC" 3

# With no broker, the error says so, names the endpoint tried and how to
# start one (issue 12); the status stays 3, for every command.
for cmd in "ping" "inbox" "draft list"; do
    # shellcheck disable=SC2086
    run --node team-a --role team --timeout 300 $cmd
    check "'$cmd' with no broker: status" "$RC" 3
    check_contains "'$cmd' with no broker: says where" "$ERR" \
        "catchball: no answer from the broker at $CATCHBALL_ENDPOINT within 300 ms"
    check_contains "'$cmd' with no broker: says what to do" "$ERR" \
        "is it running? (make run starts one; --endpoint or \$CATCHBALL_ENDPOINT names another)"
done
run --timeout 300 throw d1 --node team-a --to team-b --deadline 2h -m x 2>/dev/null
check "'throw -m': -m is --message, not taken by throw" "$RC" 2

finish
