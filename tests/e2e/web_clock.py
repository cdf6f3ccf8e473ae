"""web_clock - the board counts down on the broker's clock

The broker runs on an injected clock (catchballd --clock FILE), months
away from this machine's. A facilitator's event is advanced into its
share phase (20 minutes); the board catchball-web sends (/live/board,
Server-Sent Events) carries `now`, from which the page counts down and
ages check-ins: it must be the broker's time, give or take a round trip,
so that the countdown says 20 minutes, not the months between the two
clocks (it carried the gateway's own clock before).

Usage: web_clock.py CATCHBALLD CATCHBALL CATCHBALL_WEB
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import readline_within, stop  # noqa: E402
from harness import Checks, finish, free_port  # noqa: E402

CATCHBALLD, CATCHBALL, WEB = sys.argv[1:4]
TMP = tempfile.mkdtemp(prefix="catchball-web-clock.")
check = Checks()
procs = []
WAIT = 15
ENV = dict(os.environ)
BROKER_TIME = 1799053200000         # 2027-01-04T09:00:00Z


def cli(node, *args, role=None):
    cmd = [CATCHBALL, "--node", node, "--json"] + (["--role", role] if role else []) + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, env=ENV)
    if out.returncode != 0:
        raise RuntimeError("%s: %s %s" % (" ".join(args), out.stdout, out.stderr))
    try:
        return json.loads(out.stdout)
    except ValueError:
        return {}


def first_board(port, cookie):
    """The first board of the live stream that has the event in share."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    sock.sendall(("GET /live/board?event=e1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                  "Cookie: cb_session=%s\r\nAccept: text/event-stream\r\n\r\n"
                  % (port, cookie)).encode())
    deadline, buf = time.monotonic() + WAIT, b""
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
                    board = json.loads(m.group(1))
                except ValueError:
                    continue
                if (board.get("event") or {}).get("phase") == "share":
                    return board
    finally:
        sock.close()
    return {}


def main():
    clock = os.path.join(TMP, "clock")
    with open(clock, "w") as f:
        f.write("2027-01-04T09:00:00Z\n")
    endpoint = "tcp://127.0.0.1:%d" % free_port()
    ENV["CATCHBALL_ENDPOINT"] = endpoint
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", endpoint, "--store",
                               os.path.join(TMP, "store"), "--clock", clock],
                              stdout=open(os.path.join(TMP, "catchballd.log"), "w"),
                              stderr=subprocess.STDOUT)
    procs.append(broker)
    subprocess.run([CATCHBALL, "--node", "probe", "--role", "observer", "--timeout", "10000",
                    "ping"], check=True, capture_output=True, env=ENV)
    check.eq(cli("probe", "ping")["time"], BROKER_TIME, "the broker's time is the file's")
    cli("fac", "hello", role="facilitator")
    for team in ("team-a", "team-b"):
        cli(team, "hello", role="team")
    cli("fac", "event", "new", "Q1", "--cycle", "2027-Q1", "--participants", "team-a,team-b")
    ends = cli("fac", "event", "advance", "e1").get("ends") or \
        cli("fac", "event", "show", "e1")["event"]["ends"]
    check.eq(ends - BROKER_TIME, 20 * 60000, "share ends 20 minutes on, by the broker's clock")

    gw_dir = os.path.join(TMP, "gw")
    web = subprocess.Popen([WEB, "--port", "0", "--endpoint", endpoint, "--dir", gw_dir],
                           stdout=subprocess.PIPE,
                           stderr=open(os.path.join(TMP, "web.log"), "w"), text=True)
    procs.append(web)
    m = re.search(r"serving http://127\.0\.0\.1:(\d+)", readline_within(web, WAIT))
    if not check(m, "catchball-web serves"):
        return
    port = int(m.group(1))
    link = subprocess.run([WEB, "invite", "fac", "--role", "facilitator", "--dir", gw_dir],
                          capture_output=True, text=True, timeout=10, cwd=TMP).stdout.strip()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request("POST", "/join", body="token=" + link.rsplit("=", 1)[1],
                 headers={"Content-Type": "application/x-www-form-urlencoded",
                          "Origin": "http://127.0.0.1:%d" % port})
    resp = conn.getresponse()
    resp.read()
    m = re.search(r"cb_session=([0-9a-f]{64})", resp.getheader("Set-Cookie") or "")
    if not check(m, "fac joins"):
        return
    board = first_board(port, m.group(1))
    now = board.get("now", 0)
    check(abs(now - BROKER_TIME) < 60000,
          "the board's now is the broker's time (off by %d ms), not the gateway's"
          % (now - BROKER_TIME), now)
    left = board.get("event", {}).get("ends", 0) - now
    check(19 * 60000 < left <= 20 * 60000 + 1000,
          "so its countdown shows 20 minutes (%d ms), not months" % left, left)


def run():
    try:
        main()
    finally:
        stop(procs)


finish(run, check, TMP)
