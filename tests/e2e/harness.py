"""harness - what the end-to-end Python tests share

Counted checks that print as they go, a free TCP port (from the protocol
client), and the end of a run: a crash counts as a failure with its
traceback, the totals are printed, the temporary directory is removed when
everything passed (else named for the reader), and the exit code says
which.
"""
import shutil
import sys
import traceback

from protocol_client import free_port

__all__ = ["Checks", "finish", "free_port"]


class Checks:
    """check(ok, what): one named check, counted; returns ok."""

    def __init__(self):
        self.passed = self.failed = 0

    def __call__(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        print(("ok   " if ok else "FAIL ") + what)
        return ok


def finish(main, checks, tmp):
    """Runs main(), then ends the process with the run's result."""
    try:
        main()
    except Exception:  # a crash of the test is a failure, with its cause
        traceback.print_exc()
        checks.failed += 1
    print("%d passed, %d failed" % (checks.passed, checks.failed))
    if checks.failed == 0:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print("logs in " + tmp)
    sys.exit(1 if checks.failed else 0)
