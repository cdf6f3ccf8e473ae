"""web_limits - catchball-web's limits (issue 15: "request bodies, sessions
per token, SSE connections per session")

The real catchballd and catchball-web, spoken to over plain sockets (no
browser: what is checked is what the gateway answers). Checked:

- bodies: POST /join over 256 bytes and POST /api/act over 64 KiB are
  refused (413), and nothing is joined or sent;
- sessions per token: a join token makes one session; the same token
  again is refused (403) and makes none;
- live streams (SSE): with --sse-per-session 2 --sse-total 3, a session's
  third stream is refused 429 naming --sse-per-session, while another
  session still gets one; a fourth stream in all is refused 429 naming
  --sse-total; closing a stream lets a new one in (for the session, and
  for the gateway). The streams that are let in are real: each brings
  the node's page as its first message;
- a browser's connection stays open between its GETs (keep-alive);
- the limits' options out of range stop the gateway at start (exit 2),
  saying which.

The gateway finds out that a browser went away when it next writes to the
stream (a comment every 5 s when nothing changes), so a closed stream's
place is waited for by polling with a bound, never by a sleep.

Usage: web_limits.py CATCHBALLD CATCHBALL_WEB
"""
import hashlib
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import readline_within  # noqa: E402
from harness import Checks, finish, free_port  # noqa: E402

CATCHBALLD, WEB = sys.argv[1:3]
TMP = tempfile.mkdtemp(prefix="catchball-web-limits.")
GW = os.path.join(TMP, "gw")
check = Checks()
procs = []
WAIT = 15   # seconds any one answer may take
FREED = 30  # seconds a closed stream's place may take to come free


class Http:
    """One HTTP/1.1 connection on a plain socket: a request, its status
    line and headers, and as much body as asked for."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.buf = b""

    def send(self, method, path, headers=None, body=b""):
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1:%d" % self.port]
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        if body or method == "POST":
            lines.append("Content-Length: %d" % len(body))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("the gateway closed the connection")
        self.buf += data

    def head(self):
        """(status, {header: value}) of the response."""
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        return int(lines[0].split()[1]), headers

    def body(self, headers):
        """The body of a response with a Content-Length."""
        size = int(headers.get("content-length", "0"))
        while len(self.buf) < size:
            self._more()
        body, self.buf = self.buf[:size], self.buf[size:]
        return body.decode()

    def until(self, marker):
        """Stream text up to and including marker (an SSE message's end)."""
        while marker.encode() not in self.buf:
            self._more()
        text, _, self.buf = self.buf.partition(marker.encode())
        return text.decode() + marker

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def request(port, method, path, headers=None, body=b""):
    """One request on a new connection: (status, headers, body)."""
    http = Http(port)
    try:
        http.send(method, path, headers, body)
        status, h = http.head()
        return status, h, http.body(h)
    finally:
        http.close()


def main():
    # The limits' options, out of range, stop the gateway before it serves.
    for args, what in ((["--sse-total", "0"], "--sse-total 0"),
                       (["--sse-total", "753"], "--sse-total 753"),
                       (["--sse-per-session", "0"], "--sse-per-session 0"),
                       (["--sse-per-session", "5", "--sse-total", "3"],
                        "--sse-per-session 5"),
                       (["--sse-total", "ten"], "--sse-total ten")):
        out = subprocess.run([WEB, "--port", "0", "--dir", GW] + args, capture_output=True,
                             text=True, timeout=WAIT)
        check(out.returncode == 2 and what in out.stderr,
              "%s refused at start, saying so" % " ".join(args), (out.returncode, out.stderr))

    endpoint = "tcp://127.0.0.1:%d" % free_port()
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", endpoint, "--store",
                               os.path.join(TMP, "store")],
                              stdout=open(os.path.join(TMP, "catchballd.log"), "w"),
                              stderr=subprocess.STDOUT)
    procs.append(broker)
    web = subprocess.Popen([WEB, "--port", "0", "--endpoint", endpoint, "--dir", GW,
                            "--sse-per-session", "2", "--sse-total", "3"],
                           stdout=subprocess.PIPE,
                           stderr=open(os.path.join(TMP, "web.log"), "w"), text=True)
    procs.append(web)
    m = re.search(r"serving http://127\.0\.0\.1:(\d+)", readline_within(web, WAIT))
    if not check(m, "catchball-web serves"):
        return
    port = int(m.group(1))
    origin = "http://127.0.0.1:%d" % port

    def invite(node):
        out = subprocess.run([WEB, "invite", node, "--role", "team", "--dir", GW, "--url",
                              origin, "--png", os.path.join(TMP, node + ".png")],
                             capture_output=True, text=True, timeout=WAIT)
        return out.stdout.strip().rsplit("=", 1)[-1]

    def join(body):
        status, h, _ = request(port, "POST", "/join", {
            "Origin": origin, "Content-Type": "application/x-www-form-urlencoded"},
            body.encode())
        m = re.search(r"cb_session=([0-9a-f]{64})", h.get("set-cookie", ""))
        return status, m.group(1) if m else ""

    def sessions():
        return subprocess.run([WEB, "sessions", "--dir", GW], capture_output=True,
                              text=True, timeout=WAIT).stdout

    # Bodies.
    token_a = invite("team-a")
    status, cookie = join("token=" + token_a + "x" * 300)
    check.eq((status, cookie), (413, ""), "POST /join with a body over 256 bytes: 413")
    check.eq(sessions(), "", "the big body made no session")

    # Sessions per token: one.
    status, cookie_a = join("token=" + token_a)
    check(status == 303 and cookie_a, "team-a joins with its token", status)
    status, cookie = join("token=" + token_a)
    check.eq((status, cookie), (403, ""), "the same token again: 403, no cookie")
    check.eq(len(sessions().splitlines()), 1, "one session for the one token")
    status, cookie_b = join("token=" + invite("team-b"))
    check(status == 303 and cookie_b, "team-b joins", status)

    # Only the gateway's own files count: a session file anyone else may
    # write (here a copy of team-a's, 0644, under another secret) lets
    # nobody in; the same file 0600 would (so the mode alone decided).
    sdir = os.path.join(GW, "sessions")
    mine = os.path.join(sdir, hashlib.sha1(cookie_a.encode()).hexdigest().upper())
    fake = "f" * 64
    planted = os.path.join(sdir, hashlib.sha1(fake.encode()).hexdigest().upper())
    with open(mine) as f, open(planted, "w") as g:
        g.write(f.read())
    os.chmod(planted, 0o644)
    check.eq(request(port, "GET", "/api/session", {"Cookie": "cb_session=" + fake})[0], 403,
             "a session file others may write (0644) lets nobody in")
    os.chmod(planted, 0o600)
    check.eq(request(port, "GET", "/api/session", {"Cookie": "cb_session=" + fake})[0], 200,
             "the same file 0600 would: the mode decided")
    os.unlink(planted)
    # And a gateway whose directory others may enter refuses to serve.
    loose = os.path.join(TMP, "loose")
    os.makedirs(os.path.join(loose, "sessions"))
    os.chmod(loose, 0o700)
    os.chmod(os.path.join(loose, "sessions"), 0o755)
    out = subprocess.run([WEB, "--port", "0", "--endpoint", endpoint, "--dir", loose],
                         capture_output=True, text=True, timeout=WAIT)
    check(out.returncode == 1 and "open to others" in out.stderr
          and "chmod 700" in out.stderr, "a sessions/ of mode 755: refused at start",
          (out.returncode, out.stderr))

    # A browser's connection stays open between its GETs (keep-alive):
    # libmicrohttpd closes it after an answer given in a request's first
    # call, which the gateway therefore never does for a GET.
    http = Http(port)
    answers = []
    for path in ("/api/session", "/assets/me.html", "/api/session", "/nowhere"):
        http.send("GET", path, {"Cookie": "cb_session=" + cookie_a})
        status, h = http.head()
        text = http.body(h)
        answers.append((status, h.get("connection", "")))
    http.close()
    check.eq(answers, [(200, ""), (200, ""), (200, ""), (404, "")],
             "four GETs on one connection, none of them closing it")
    csrf_a = json.loads(request(port, "GET", "/api/session", {
        "Cookie": "cb_session=" + cookie_a})[2]).get("csrf", "")
    big = json.dumps({"type": "round.feedback",
                      "body": {"round": "r1", "kind": "concern", "text": "x" * 70000}})
    status, _, text = request(port, "POST", "/api/act", {
        "Cookie": "cb_session=" + cookie_a, "Origin": origin, "X-CSRF-Token": csrf_a,
        "Content-Type": "application/json"}, big.encode())
    check(status == 413 and "TOO_LARGE" in text, "POST /api/act over 64 KiB: 413 TOO_LARGE",
          (status, text))
    # What the broker could not even decode (a string that is not UTF-8, a
    # map of 300 keys) is refused by the client library at once, BAD_MESSAGE:
    # it used to wait for an answer that never came (TIMEOUT), holding the
    # gateway's one loop, and every page with it, for 10 s each.
    status, _, text = request(port, "GET", "/api/read?type=draft.show&draft=%FF",
                              {"Cookie": "cb_session=" + cookie_a})
    check("BAD_MESSAGE" in text and "not valid UTF-8" in text,
          "a read with a value that is not UTF-8: BAD_MESSAGE, not a time-out", (status, text))
    wide = json.dumps({"type": "round.feedback",
                       "body": dict({"round": "r1"}, **{"k%d" % i: 1 for i in range(300)})})
    status, _, text = request(port, "POST", "/api/act", {
        "Cookie": "cb_session=" + cookie_a, "Origin": origin, "X-CSRF-Token": csrf_a,
        "Content-Type": "application/json"}, wide.encode())
    check("BAD_MESSAGE" in text and "too many entries" in text,
          "an act whose body is a map of 300 keys: BAD_MESSAGE, not a time-out", (status, text))

    # Live streams.
    def stream(cookie):
        """A live page for cookie: (status, the open connection or None,
        the first message or the refusal's text)."""
        http = Http(port)
        http.send("GET", "/live/me", {"Cookie": "cb_session=" + cookie,
                                      "Accept": "text/event-stream"})
        status, h = http.head()
        if status != 200:
            text = http.body(h)
            http.close()
            return status, None, text
        return status, http, http.until("\n\n")

    def stream_within(cookie, seconds):
        """A stream for cookie once there is room, polling for up to
        seconds: (status, connection, text) of the last try."""
        deadline = time.monotonic() + seconds
        while True:
            got = stream(cookie)
            if got[0] != 429 or time.monotonic() > deadline:
                return got
            select.select([], [], [], 0.2)  # the poll's pace, not a synchronisation

    a1 = stream(cookie_a)
    a2 = stream(cookie_a)
    check(a1[0] == 200 and "event: me" in a1[2], "team-a's first stream: its page", a1[::2])
    check(a2[0] == 200 and "event: me" in a2[2], "team-a's second stream: its page", a2[::2])
    a3 = stream(cookie_a)
    check(a3[0] == 429 and "--sse-per-session" in a3[2] and "2 live pages" in a3[2],
          "team-a's third stream: 429, the session's limit named", a3[::2])
    b1 = stream(cookie_b)
    check(b1[0] == 200 and "event: me" in b1[2],
          "team-b still gets a stream: the limit is per session", b1[::2])
    b2 = stream(cookie_b)
    check(b2[0] == 429 and "--sse-total" in b2[2] and "3 live pages" in b2[2],
          "a fourth stream in all: 429, the gateway's limit named", b2[::2])

    a1[1].close()
    a4 = stream_within(cookie_a, FREED)
    check(a4[0] == 200 and "event: me" in a4[2],
          "team-a's stream closed: a new one gets in", a4[::2])
    b3 = stream(cookie_b)
    check.eq(b3[0], 429, "three open again: team-b's second still refused")
    a2[1].close()
    b4 = stream_within(cookie_b, FREED)
    check(b4[0] == 200 and "event: me" in b4[2],
          "another stream closed: team-b's second gets in", b4[::2])
    for s in (a4, b1, b4):
        s[1].close()


def run():
    try:
        main()
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


finish(run, check, TMP)
