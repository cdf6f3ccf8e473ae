#!/bin/bash
# Builds the libFuzzer targets with clang in build-fuzz and runs each for a
# bounded time over its seed corpus, with the protocol dictionary.
#
#   tests/fuzz/run.sh [SECONDS]       default 30 per target
#
# Environment:
#   FUZZ_BUILD=dir      build directory (default build-fuzz)
#   FUZZ_TARGETS="..."  which targets (default "codec dispatch")
#   FUZZ_MERGE=1        afterwards, merge the inputs that found new coverage
#                       into tests/fuzz/corpus/<target> (review, then commit)
#
# New inputs go to $FUZZ_BUILD/fuzz/corpus-<target>, never into the checked-in
# corpus unless FUZZ_MERGE=1. A crash, leak, sanitizer report or broken
# invariant is saved as $FUZZ_BUILD/fuzz/artifacts/<target>-crash-<sha1>
# (likewise leak-, timeout-, oom-), and the script exits 1.
# Needs clang and libclang-rt-14-dev (libFuzzer): .ci/deps.sh installs them.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
build=${FUZZ_BUILD:-build-fuzz}
targets=${FUZZ_TARGETS:-codec dispatch}
jobs=$(nproc 2>/dev/null || echo 2)

if ! command -v clang >/dev/null; then
    echo "run.sh: clang is missing: apt-get install clang libclang-rt-14-dev" >&2
    exit 2
fi
if ! ls "$(clang -print-resource-dir)"/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
    echo "run.sh: libFuzzer is missing: apt-get install libclang-rt-14-dev" >&2
    exit 2
fi
cmake -S . -B "$build" -DCB_FUZZ=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >/dev/null || exit 2
cmake --build "$build" -j "$jobs" --target $(printf 'fuzz_%s ' $targets) >/dev/null || {
    echo "run.sh: build failed; rerun: cmake --build $build --target fuzz_codec fuzz_dispatch" >&2
    exit 2
}

work=$build/fuzz
mkdir -p "$work/artifacts"
mkdir -p "$work/tmp"
status=0
for t in $targets; do
    bin=$build/tests/fuzz/fuzz_$t
    seeds=tests/fuzz/corpus/$t
    corpus=$work/corpus-$t
    log=$work/$t.log
    mkdir -p "$corpus"
    echo "== fuzz_$t: $secs s, seeds $seeds, log $log"
    # -timeout: an input slower than 10 s is a bug (a frame is at most 256 KiB);
    # -rss_limit_mb: msgpack-c reserving memory from a declared count shows up here.
    CB_TEST_TMP=$work/tmp "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -dict=tests/fuzz/fuzz.dict \
        -artifact_prefix="$work/artifacts/$t-" "$corpus" "$seeds" >"$log" 2>&1
    rc=$?
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" | sed 's/^/   /'
    grep -E '^stat::' "$log" | sed 's/^/   /'
    if [ $rc -ne 0 ]; then
        status=1
        echo "   FAILED (exit $rc): the report:"
        grep -E -A30 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehavior|libFuzzer)|invariant broken|runtime error' "$log" \
            | head -60 | sed 's/^/   | /'
        grep -E 'Test unit written to' "$log" | sed 's/^/   /'
    elif [ "${FUZZ_MERGE:-0}" = 1 ]; then
        CB_TEST_TMP=$work/tmp "$bin" -merge=1 "$seeds" "$corpus" >"$work/$t.merge.log" 2>&1
        grep -E 'MERGE-OUTER: [0-9]+ new files' "$work/$t.merge.log" | sed 's/^/   /'
    fi
done
exit $status
