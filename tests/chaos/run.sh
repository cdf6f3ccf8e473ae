#!/bin/sh
# Long chaos runs (README.md here): run.sh CATCHBALLD CYCLES MODE [CHAOS OPTION]...
#   MODE: kill (SIGKILL at random moments) or powercut (SIGKILL, and only
#   what was synced survives, through the powercut.so shim).
# The driver and the shim are taken from the build directory of CATCHBALLD
# (BUILD/tests/chaos/), or from $CHAOS and $POWERCUT_SHIM. In a sanitizer
# build (CB_SANITIZE=ON in BUILD/CMakeCache.txt) the sanitizer runtime is
# preloaded before the shim. Exit status: the driver's (0: nothing lost).
set -eu

if [ $# -lt 3 ]; then
    echo "usage: $0 CATCHBALLD CYCLES kill|powercut [CHAOS OPTION]..." >&2
    exit 2
fi
CATCHBALLD=$1
CYCLES=$2
MODE=$3
shift 3
BUILD=$(cd "$(dirname "$CATCHBALLD")" && pwd)
CHAOS=${CHAOS:-$BUILD/tests/chaos/chaos}
POWERCUT_SHIM=${POWERCUT_SHIM:-$BUILD/tests/chaos/libpowercut.so}
export CB_TEST_TMP=${CB_TEST_TMP:-$BUILD/tmp}

set -- --catchballd "$CATCHBALLD" --cycles "$CYCLES" --mode "$MODE" "$@"
if [ "$MODE" = powercut ]; then
    set -- "$@" --shim "$POWERCUT_SHIM"
fi
if grep -q '^CB_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    set -- "$@" --sanitized
    runtime=$(${CC:-cc} -print-file-name=libasan.so 2>/dev/null || true)
    [ -f "$runtime" ] && set -- "$@" --preload-first "$runtime"
fi
exec "$CHAOS" "$@"
