"""harness - what the end-to-end Python tests share

Counted checks that print as they go (the one checker of every Python
test: plain, equal-to and error-reply checks), a free TCP port, and the
end of a run: a crash counts as a failure with its
traceback, the totals are printed, the temporary directory is removed when
everything passed (else named for the reader), and the exit code says
which.
"""
import shutil
import socket
import sys
import traceback

__all__ = ["Checks", "finish", "free_port"]


class Checks:
    """check(ok, what[, detail]): one named check, counted; returns ok.
    The object itself may be called as check."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=None):
        if ok:
            self.passed += 1
            print("ok   " + what)
        else:
            self.failed += 1
            print("FAIL " + what + ("" if detail is None else ": %r" % (detail,)))
        return bool(ok)

    __call__ = check

    def eq(self, got, want, what):
        return self.check(got == want, what, {"got": got, "want": want})

    def error(self, reply, code, name, what):
        ok = (reply is not None and reply.get("type") == "error"
              and reply.get("code") == code and reply.get("name") == name)
        return self.check(ok, "%s -> %d %s" % (what, code, name), reply)


def free_port():
    """A TCP port on the loopback nothing listens on now."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


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
