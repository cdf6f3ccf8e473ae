#!/bin/bash
# End to end: the README's walk-throughs, read from README.md itself and run
# verbatim, in order, against one real broker, so that the README and the
# product cannot drift apart. A copy of the commands would drift with them.
#
# What is run: the ```-fenced blocks (not ```json or others) of the sections
# "A full catchball in three terminals", "An alignment marketplace", "After
# finalize: check-ins and progress" and "The end of a cycle", each
# line with eval, from a directory standing for a fresh clone (examples/ and
# build/ linked to the real ones), with CATCHBALL_ENDPOINT set to this
# test's broker instead of `make run`'s on 5555. The rules:
#
# - Blank lines and lines starting with `#` are not commands.
# - A line starting with `make ` is not run: `make run` is the broker this
#   test starts itself, `make test` is the suite it belongs to.
# - A block whose fence follows the line `<!-- readme.sh: not run -->` is
#   not run (interactive commands, such as the full-screen console).
# - The prose marks whose terminal a block is in (`**Terminal 2.**`): each
#   terminal keeps its own environment (`export CATCHBALL_NODE=...` in
#   terminal 2 is not seen in terminal 3), as people's shells do. Blocks
#   before the first mark, "in each of them", run in every terminal's
#   environment; a new section starts in that common one again.
# - In a block with lines starting with `$ `, those are the commands and
#   the lines after each are what it prints, compared exactly.
#
# Commands read nothing from standard input (/dev/null).
# A command failing (non-zero exit) or printing other than what the README
# shows fails the test, naming the README's line.
#
# Usage: readme.sh CATCHBALLD CATCHBALL EXAMPLES_DIR [README]
. "$(dirname "$0")/lib.sh"

README=$(realpath "${4:-$(dirname "$0")/../../README.md}")
CATCHBALLD=$(realpath "$CATCHBALLD")
CATCHBALL=$(realpath "$CATCHBALL")
CLONE=$TMP/clone
mkdir -p "$CLONE"
ln -s "$(realpath "$EXAMPLES")" "$CLONE/examples"
ln -s "$(dirname "$CATCHBALL")" "$CLONE/build"
cd "$CLONE"

# The steps, one per line: "C<TAB>terminal<TAB>line<TAB>command" for a
# command, "P..." for one whose output is shown (and checked), then
# "O<TAB>-<TAB>line<TAB>text" for each line of that output. The first pass
# (awk) picks the lines of the blocks to run, an "E" ending each block.
STEPS=$TMP/steps
awk '
    /^## / { section = ($0 == "## A full catchball in three terminals" \
                     || $0 == "## An alignment marketplace" \
                     || $0 == "## After finalize: check-ins and progress" \
                     || $0 == "## The end of a cycle"); term = 0; next }
    !section { next }
    fence == 0 && match($0, /\*\*Terminal [0-9]+/) { term = substr($0, RSTART + 11, RLENGTH - 11) + 0 }
    fence == 0 && /^```$/ { fence = 1; run = (prev != "<!-- readme.sh: not run -->"); next }
    fence == 0 && /^```/ { fence = 2; next }
    fence && /^```$/ { fence = 0; print "E"; next }
    fence == 1 && run { print "L\t" term "\t" NR "\t" $0 }
    { if (!fence) prev = $0 }
' "$README" > "$TMP/lines"
# The second pass, per block: does it show output?
: > "$STEPS"
block=()
flush_block () {
    local prompted=0 entry
    for entry in "${block[@]}"; do
        case "${entry#*$'\t'*$'\t'}" in
            '$ '*) prompted=1 ;;
        esac
    done
    for entry in "${block[@]}"; do
        local term=${entry%%$'\t'*} rest=${entry#*$'\t'}
        local nr=${rest%%$'\t'*} text=${rest#*$'\t'}
        if [ $prompted -eq 1 ]; then
            if [[ $text == '$ '* ]]; then
                printf 'P\t%s\t%s\t%s\n' "$term" "$nr" "${text#\$ }"
            else
                printf 'O\t-\t%s\t%s\n' "$nr" "$text"
            fi
        else
            printf 'C\t%s\t%s\t%s\n' "$term" "$nr" "$text"
        fi
    done >> "$STEPS"
    block=()
}
while IFS=$'\t' read -r kind term nr text; do
    if [ "$kind" == E ]; then
        flush_block
    else
        block+=("$term"$'\t'"$nr"$'\t'"$text")
    fi
done < "$TMP/lines"
check "commands found in README.md" "$([ "$(grep -c '^[CP]' "$STEPS")" -ge 30 ] && echo yes)" yes

start_broker

# Runs one command as the README's reader would, in the shell of its
# terminal: a new bash (under a time limit: an interactive command not
# marked as such must fail, not hang) that starts from the common
# environment (terminal 0) and its terminal's, saved after each command.
# Only PATH and CATCHBALL_* are carried from one command to the next.
run_step () {
    local term=$1 nr=$2 cmd=$3 rc=0
    case "$cmd" in
        ''|'#'*|'make '*) return 1 ;;
    esac
    CMD=$cmd TERM_ENV=$TMP/env.$term COMMON_ENV=$TMP/env.0 timeout 60 bash -c '
        for f in "$COMMON_ENV" "$TERM_ENV"; do if [ -f "$f" ]; then . "$f"; fi; done
        rc=0
        eval "$CMD" || rc=$?
        export -p | grep -E "^declare -x (CATCHBALL_[A-Z_]+|PATH)=" > "$TERM_ENV"
        exit $rc' </dev/null >"$TMP/out" 2>&1 || rc=$?
    # What the common terminal exports now holds in every terminal.
    if [ "$term" -eq 0 ]; then
        for f in "$TMP"/env.[1-9]*; do
            if [ -f "$f" ]; then cat "$TMP/env.0" >> "$f"; fi
        done
    fi
    # Kept (with the rest of $TMP when the test fails) to see what each printed.
    cp "$TMP/out" "$TMP/out.$nr"
    if [ $rc -ne 0 ]; then
        fail "README.md:$nr: '$cmd' exited $rc:"
        head -n 20 "$TMP/out" | cut -c 1-300 | cat -v | sed 's/^/    /'
    else
        ok
    fi
    return 0
}

# check_output NR CMD EXPECTED: what the command printed, exactly.
check_output () {
    if [ "$(cat "$TMP/out")" == "$3" ]; then
        ok
    else
        fail "README.md:$1: '$2' printed other than the README shows:"
        diff <(printf '%s\n' "$3") "$TMP/out" | sed 's/^/    /' || true
    fi
}

expected= ; expecting=0 ; last_cmd= ; last_nr=
while IFS=$'\t' read -r kind term nr text; do
    if [ "$kind" == O ]; then
        expected+="${expected:+$'\n'}$text"
        continue
    fi
    if [ $expecting -eq 1 ]; then check_output "$last_nr" "$last_cmd" "$expected"; fi
    expected= ; expecting=0
    if run_step "$term" "$nr" "$text" && [ "$kind" == P ]; then
        expecting=1 ; last_cmd=$text ; last_nr=$nr
    fi
done < "$STEPS"
if [ $expecting -eq 1 ]; then check_output "$last_nr" "$last_cmd" "$expected"; fi

finish
