"""web_inbox - a person's page gets every delivery, past the broker's window

The broker sends a connection at most its window of deliveries not yet
acknowledged (--window, 128 by default; 4 here). The gateway keeps each
node's inbox in its directory (DIR/inbox/NODE.json, 0600) and then
acknowledges it, so a page keeps getting news however many came: team-b,
joined over HTTP, has 9 rounds thrown to it, and its live page (/live/me,
Server-Sent Events) shows all 9 round.thrown, in order, once each (before
this, it stopped at 4). The gateway restarted shows the same 9 from its
directory, though the broker no longer sends them (acknowledged), and a
10th comes after them, none twice.

Usage: web_inbox.py CATCHBALLD CATCHBALL CATCHBALL_WEB EXAMPLES_DIR
"""
import http.client
import json
import os
import re
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import readline_within, stop  # noqa: E402
from harness import Checks, finish, free_port  # noqa: E402

CATCHBALLD, CATCHBALL, WEB, EXAMPLES = sys.argv[1:5]
TMP = tempfile.mkdtemp(prefix="catchball-web-inbox.")
check = Checks()
procs = []
WAIT = 15
ENV = dict(os.environ)


def cli(node, *args, role=None):
    cmd = [CATCHBALL, "--node", node, "--json"] + (["--role", role] if role else []) + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=ENV)
    if out.returncode != 0:
        raise RuntimeError("%s: %s %s" % (" ".join(args), out.stdout, out.stderr))
    try:
        return json.loads(out.stdout)
    except ValueError:
        return {}


def thrown(port, cookie, want):
    """The round ids of round.thrown in the node's live page, once it
    holds `want` of them (or what it holds when the time is up)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.sendall(("GET /live/me HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nCookie: cb_session=%s\r\n"
                  "Accept: text/event-stream\r\n\r\n" % (port, cookie)).encode())
    deadline, buf, rounds = time.monotonic() + WAIT, b"", []
    try:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            buf += chunk
            for m in re.finditer(rb"data: (\{.*?\})\n\n", buf):
                try:
                    me = json.loads(m.group(1))
                except ValueError:
                    continue
                rounds = [d["body"]["round"] for d in me.get("inbox", [])
                          if d.get("kind") == "round.thrown"]
            if len(rounds) >= want:
                break
    finally:
        sock.close()
    return rounds


def main():
    endpoint = "tcp://127.0.0.1:%d" % free_port()
    ENV["CATCHBALL_ENDPOINT"] = endpoint
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", endpoint, "--store",
                               os.path.join(TMP, "store"), "--window", "4"],
                              stdout=open(os.path.join(TMP, "catchballd.log"), "w"),
                              stderr=subprocess.STDOUT)
    procs.append(broker)
    subprocess.run([CATCHBALL, "--node", "probe", "--role", "observer", "--timeout", "10000",
                    "ping"], check=True, capture_output=True, env=ENV)
    cli("lead", "hello", role="leadership")
    cli("team-b", "hello", role="team")
    cli("lead", "draft", "new", os.path.join(EXAMPLES, "leadership.json"))

    gw_dir = os.path.join(TMP, "gw")

    def serve():
        web = subprocess.Popen([WEB, "--port", "0", "--endpoint", endpoint, "--dir", gw_dir],
                               stdout=subprocess.PIPE,
                               stderr=open(os.path.join(TMP, "web.log"), "a"), text=True)
        procs.append(web)
        m = re.search(r"serving http://127\.0\.0\.1:(\d+)", readline_within(web, WAIT))
        return web, int(m.group(1)) if m else 0

    web, port = serve()
    if not check(port, "catchball-web serves"):
        return
    link = subprocess.run([WEB, "invite", "team-b", "--role", "team", "--dir", gw_dir],
                          capture_output=True, text=True, timeout=10, cwd=TMP).stdout.strip()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request("POST", "/join", body="token=" + link.rsplit("=", 1)[1],
                 headers={"Content-Type": "application/x-www-form-urlencoded",
                          "Origin": "http://127.0.0.1:%d" % port})
    resp = conn.getresponse()
    resp.read()
    m = re.search(r"cb_session=([0-9a-f]{64})", resp.getheader("Set-Cookie") or "")
    if not check(m, "team-b joins"):
        return
    cookie = m.group(1)
    check.eq(thrown(port, cookie, 0), [], "team-b's page: nothing thrown yet")

    # Nine rounds, one at a time (a draft has one open round at a time).
    want = []
    for _ in range(9):
        want.append(cli("lead", "throw", "d1", "--to", "team-b")["round"])
        cli("lead", "round", "close", want[-1])
    check.eq(thrown(port, cookie, 9), want,
             "all 9 round.thrown on the page, in order, once each, past a window of 4")
    path = os.path.join(gw_dir, "inbox", "team-b.json")
    check(os.path.exists(path) and stat.S_IMODE(os.stat(path).st_mode) == 0o600,
          "the inbox kept in DIR/inbox/team-b.json, mode 0600")

    # The gateway restarted: the page shows the same, then the next.
    web.terminate()
    web.wait(timeout=10)
    procs.remove(web)
    web, port = serve()
    if not check(port, "catchball-web serves again"):
        return
    check.eq(thrown(port, cookie, 9), want, "after the gateway's restart: the same 9")
    want.append(cli("lead", "throw", "d1", "--to", "team-b")["round"])
    check.eq(thrown(port, cookie, 10), want, "then the 10th, none twice")


def run():
    try:
        main()
    finally:
        stop(procs)


finish(run, check, TMP)
