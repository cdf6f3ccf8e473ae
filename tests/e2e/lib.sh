# Shared by the end-to-end tests: a temporary directory, a free port, the
# real catchballd started and restarted on it, and small assertions.
# Nothing here sleeps: readiness is a ping that waits for the broker's
# answer, with a timeout.
#
# An unexpected command failure fails the test: the ERR trap counts every
# command that fails outside a condition (if, while, &&, ||), functions and
# subshells included (-E), and says which. A command that is expected to
# fail is written as a condition, or its status taken with `|| rc=$?`.
set -uE -o pipefail
trap 'fail "unexpected failure (status $?) at line $LINENO: $BASH_COMMAND"' ERR

CATCHBALLD=$1
CATCHBALL=$2
EXAMPLES=$3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/catchball-e2e.XXXXXX")
STORE=$TMP/store
LOG=$TMP/catchballd.log
PASSED=0
FAILED=0
BROKER_PID=

cleanup () {
    trap - ERR
    if [ -n "$BROKER_PID" ]; then kill9_broker; fi
    if [ "$FAILED" -gt 0 ]; then
        echo "--- broker log ($LOG) ---"
        tail -n 50 "$LOG"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT

# A TCP port nothing listens on, below Linux's ephemeral range (32768 and
# up), where outgoing connections would take ports too.
free_port () {
    local port
    for _ in $(seq 1 50); do
        port=$((15000 + RANDOM % 15000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

PORT=$(free_port) || { echo "no free port"; exit 1; }
export CATCHBALL_ENDPOINT=tcp://127.0.0.1:$PORT

# Starts catchballd and waits until it answers. On the first start only, a
# port that turns out to be taken is replaced by another.
STARTS=0
start_broker () {
    local try
    for try in 1 2 3 4 5; do
        "$CATCHBALLD" --endpoint "$CATCHBALL_ENDPOINT" --store "$STORE" "$@" >>"$LOG" 2>&1 &
        BROKER_PID=$!
        # The client keeps trying to connect until the broker answers.
        if "$CATCHBALL" --node probe --role observer --timeout 10000 ping >/dev/null; then
            STARTS=$((STARTS + 1))
            return 0
        fi
        if [ "$STARTS" -eq 0 ] && ! kill -0 "$BROKER_PID" 2>/dev/null \
           && grep -q "Address already in use" "$LOG"; then
            PORT=$(free_port) || break
            export CATCHBALL_ENDPOINT=tcp://127.0.0.1:$PORT
            continue
        fi
        break
    done
    echo "catchballd did not start"
    exit 1
}

kill9_broker () {
    # Braces: bash's "Killed" notice goes to the redirected stderr.
    { kill -9 "$BROKER_PID"; wait "$BROKER_PID" || true; } 2>/dev/null
    BROKER_PID=
}

ok () {
    PASSED=$((PASSED + 1))
}

fail () {
    FAILED=$((FAILED + 1))
    echo "FAIL: $*"
}

# check DESCRIPTION ACTUAL EXPECTED
check () {
    if [ "$2" == "$3" ]; then ok; else fail "$1: got '$2', expected '$3'"; fi
}

# check_contains DESCRIPTION TEXT NEEDLE
check_contains () {
    if grep -qF -- "$3" <<<"$2"; then ok; else fail "$1: '$3' not in output:"; echo "$2" | head -20; fi
}

# cb NODE ARGS...: the CLI as NODE, JSON output
cb () {
    local node=$1
    shift
    "$CATCHBALL" --node "$node" --json "$@"
}

# expect_error NAME NODE ARGS...: the command fails with that error name
expect_error () {
    local name=$1 out rc
    shift
    rc=0
    out=$(cb "$@" 2>/dev/null) || rc=$?
    check "exit status of '$*'" "$rc" 1
    check "error of '$*'" "$(jq -r '.error.name' <<<"$out" 2>/dev/null)" "$name"
}

finish () {
    trap - ERR
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
}
