"""web_board - catchball-web in a real browser (issue 15's first slice)

The real catchballd, the real catchball-web and the real catchball CLI,
with headless Chromium driven by Selenium. A facilitator is invited, joins
by link (the link's page, then its Join button posting the token: an
HttpOnly, SameSite=Strict session cookie; the same link is refused the
second time; fetching the link uses nothing up; a cross-site join, or
one without an Origin, is refused), and opens the board of an event: its phase and
who has shared. Changes made with the CLI (the event advances, teams
share, an ask is made, one with hostile text) appear in the open page
without a reload, through Server-Sent Events; the hostile text stays text.
Every response carries the CSP and nosniff headers; a stream reopened
with Last-Event-ID starts with the state as of now. A team member's page
shows their inbox and what they owe in an event. --listen on another address than the loopback is
refused. Screenshots at 1920x1080 and 390x844 are kept in the build tree
(CB_WEB_SHOTS), and the page must not overflow sideways at either size.

Waiting is polling with a bound (WebDriverWait, a readline with a
deadline), never a sleep. Exits 77 (skipped) only when Chromium cannot
start at all.

Usage: web_board.py CATCHBALLD CATCHBALL CATCHBALL_WEB EXAMPLES_DIR
"""
import hashlib
import http.client
import json
import os
import re
import socket
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import readline_within, start_browser, stop  # noqa: E402
from harness import Checks, finish, free_port  # noqa: E402

CATCHBALLD, CATCHBALL, WEB, EXAMPLES = sys.argv[1:5]
SHOTS = os.environ.get("CB_WEB_SHOTS", "")
TMP = tempfile.mkdtemp(prefix="catchball-web.")
check = Checks()
procs = []
WAIT = 15   # seconds any one thing may take to show
NAME = 'Q1 market <b id="pwn">bold</b>'  # the event's name: text, never markup


def cli(node, *args, role=None):
    """The catchball CLI as node, JSON out; the parsed reply."""
    cmd = [CATCHBALL, "--node", node, "--json"] + (["--role", role] if role else []) + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, CATCHBALL_ENDPOINT=ENDPOINT))
    if out.returncode != 0:
        raise RuntimeError("%s: %s %s" % (" ".join(args), out.stdout, out.stderr))
    try:
        return json.loads(out.stdout)
    except ValueError:  # hello answers in words, even with --json
        return {}


def get(port, path, cookie=None, headers=None):
    """A plain GET, no redirects followed: (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = "cb_session=" + cookie
    conn.request("GET", path, headers=h)
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, resp, body


def post_join(port, token, origin="same"):
    """POST /join as the join page's form does, with an Origin (None: none;
    "same": the gateway's own): (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin == "same":
        origin = "http://127.0.0.1:%d" % port
    if origin:
        h["Origin"] = origin
    conn.request("POST", "/join", body="token=" + token, headers=h)
    resp = conn.getresponse()
    body = resp.read().decode()
    conn.close()
    return resp.status, resp, body


def first_sse_message(port, path, cookie, last_id):
    """The first message of an SSE stream opened with Last-Event-ID: its
    fields. http.client undoes the chunked encoding; the stream sends
    something every few seconds, and the socket's timeout bounds the rest."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request("GET", path, headers={"Cookie": "cb_session=" + cookie,
                                       "Accept": "text/event-stream",
                                       "Last-Event-ID": str(last_id)})
    resp = conn.getresponse()
    fields = {}
    for _ in range(100):
        line = resp.readline().decode().rstrip("\n")
        if line == "" and "data" in fields:
            break
        m = re.match(r"(id|event|data): (.*)$", line)
        if m:
            fields[m.group(1)] = m.group(2)
    conn.close()
    return fields


def main():
    global ENDPOINT
    driver = start_browser(TMP)
    procs.append(driver)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def wait(what, cond):
        try:
            WebDriverWait(driver, WAIT, poll_frequency=0.1).until(lambda d: cond())
            return check(True, what)
        except Exception:
            return check(False, what, driver.find_element(By.TAG_NAME, "body").text[:600])

    def text(css):
        # Read in one script: the page may replace the element between a
        # find and a read.
        return driver.execute_script(
            "const e = document.querySelector(arguments[0]);"
            "return e ? e.innerText : '';", css)

    # The broker.
    ENDPOINT = "tcp://127.0.0.1:%d" % free_port()
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", ENDPOINT, "--store",
                               os.path.join(TMP, "store")],
                              stdout=open(os.path.join(TMP, "catchballd.log"), "w"),
                              stderr=subprocess.STDOUT)
    procs.append(broker)
    subprocess.run([CATCHBALL, "--endpoint", ENDPOINT, "--node", "probe", "--role", "observer",
                    "--timeout", "10000", "ping"], check=True, capture_output=True)

    # The people, their drafts, the event.
    cli("fac", "hello", role="facilitator")
    cli("lead", "hello", role="leadership")
    for team in ("team-a", "team-b"):
        cli(team, "--parent", "lead", "hello", role="team")
    cli("lead", "draft", "new", os.path.join(EXAMPLES, "leadership.json"))
    with open(os.path.join(EXAMPLES, "leadership.json")) as f:
        content = json.load(f)
    for team in ("team-a", "team-b"):
        mine = dict(content, objective="Team %s makes onboarding delightful" % team,
                    aligned_to={"draft": "d1", "kr": "kr1"})
        path = os.path.join(TMP, team + ".json")
        with open(path, "w") as f:
            json.dump(mine, f)
        cli(team, "draft", "new", path)
    check.eq(cli("fac", "event", "new", NAME, "--cycle", "2027-Q1",
                 "--participants", "lead,team-a,team-b")["event"], "e1", "event e1")

    # Fail closed: another address than the loopback is refused.
    try:
        out = subprocess.run([WEB, "--listen", "0.0.0.0", "--port", "0", "--dir",
                              os.path.join(TMP, "gw")], capture_output=True, text=True,
                             timeout=10)
    except subprocess.TimeoutExpired:
        out = subprocess.CompletedProcess([], -1, "", "it served 0.0.0.0")
    check.eq(out.returncode, 2, "--listen 0.0.0.0 refused")
    check("only the loopback" in out.stderr and "TLS" in out.stderr,
          "the refusal says why", out.stderr)

    # The gateway, on a port of the system's choosing.
    gw_dir = os.path.join(TMP, "gw")
    web = subprocess.Popen([WEB, "--port", "0", "--endpoint", ENDPOINT, "--dir", gw_dir],
                           stdout=subprocess.PIPE, stderr=open(os.path.join(TMP, "web.log"), "w"),
                           text=True)
    procs.append(web)
    line = readline_within(web, WAIT)
    m = re.search(r"serving http://127\.0\.0\.1:(\d+)", line)
    if not check(m, "catchball-web serves", line):
        return
    port = int(m.group(1))
    base = "http://127.0.0.1:%d" % port

    # Invite: a single-use token, mode 0600, and its link.
    def invite(node, role):
        out = subprocess.run([WEB, "invite", node, "--role", role, "--dir", gw_dir,
                              "--url", base], capture_output=True, text=True, timeout=10,
                             cwd=TMP)   # NODE.png goes there, not into the build tree
        invite.stderr = out.stderr
        return out.stdout.strip()
    link = invite("fac", "facilitator")
    # The QR code on stderr: a square of half blocks (two module rows a
    # line) within its light quiet zone, a finder pattern in the top
    # corners.
    qr = [l for l in invite.stderr.splitlines() if l and set(l) <= set("\u2588\u2580\u2584 ")]
    finder = "\u2588\u2588 \u2584\u2584\u2584\u2584\u2584 \u2588"
    check(len(qr) > 10 and len(set(map(len, qr))) == 1
          and abs(2 * len(qr) - len(qr[0])) <= 1
          and qr[1].startswith(finder) and qr[1].endswith(finder[::-1]),
          "invite prints a QR code", invite.stderr)
    check(re.fullmatch(re.escape(base) + r"/join\?token=[0-9a-f]{64}", link), "invite prints a link", link)
    token = link.rsplit("=", 1)[1]
    token_file = os.path.join(gw_dir, "invites", hashlib.sha1(token.encode()).hexdigest().upper())
    check(os.path.exists(token_file), "the token is stored hashed", os.listdir(os.path.dirname(token_file)))
    check.eq(stat.S_IMODE(os.stat(token_file).st_mode), 0o600, "the token is mode 0600")
    check.eq(stat.S_IMODE(os.stat(os.path.dirname(token_file)).st_mode), 0o700,
             "the invites' directory is mode 0700")

    # Security headers, on a refusal as on an asset.
    for path in ("/board?event=e1", "/assets/board.js"):
        status, resp, _ = get(port, path)
        csp = resp.getheader("Content-Security-Policy") or ""
        check("script-src 'self'" in csp and "frame-ancestors 'none'" in csp
              and "unsafe-inline" not in csp, "CSP on " + path, csp)
        check.eq(resp.getheader("X-Content-Type-Options"), "nosniff", "nosniff on " + path)
    check.eq(get(port, "/board?event=e1")[0], 403, "no session, no board")

    # Fetching the link (a chat's preview, say) uses nothing up; a join
    # posted from another site, or without an Origin, is refused.
    status, _, body = get(port, link[len(base):])
    check(status == 200 and 'action="/join"' in body, "GET of the link: the join page", status)
    check.eq(post_join(port, token, "http://evil.example")[0], 403, "a cross-site join refused")
    check.eq(post_join(port, token, None)[0], 403, "a join without an Origin refused")
    check(os.path.exists(token_file), "the token is still there after all that")

    # Join in the browser: the cookie, then the token is spent.
    driver.get(link)
    driver.find_element(By.ID, "join").click()
    wait("joined: the page names fac", lambda: "fac (facilitator)" in text("#title"))
    cookie = driver.get_cookie("cb_session") or {}
    check(cookie.get("httpOnly") is True, "session cookie HttpOnly", cookie)
    check.eq(cookie.get("sameSite"), "Strict", "session cookie SameSite=Strict")
    check(not os.path.exists(token_file), "the token file is gone")
    session = cookie.get("value", "")
    session_file = os.path.join(gw_dir, "sessions",
                                hashlib.sha1(session.encode()).hexdigest().upper())
    check(os.path.exists(session_file)
          and stat.S_IMODE(os.stat(session_file).st_mode) == 0o600,
          "the session is stored hashed, mode 0600")
    status, _, body = get(port, link[len(base):])
    check.eq(status, 403, "the link refused the second time")
    check("used already" in body, "the refusal says so", body)
    check.eq(post_join(port, token)[0], 403, "a replayed join refused")
    check.eq(get(port, "/join?token=../../etc/passwd")[0], 403, "a malformed token refused")

    # A hello the broker refuses (lead is leadership, not team): the join
    # says why, and the link is not used up; the right role then joins.
    wrong = invite("lead", "team")
    status, _, body = post_join(port, wrong.rsplit("=", 1)[1])
    check.eq(status, 502, "a join the broker refuses")
    check("ROLE_MISMATCH" in body and "still works" in body, "it says why", body)
    status, _, body = post_join(port, wrong.rsplit("=", 1)[1])
    check.eq(status, 502, "the refused link was not used up")
    right = invite("lead", "leadership")
    status, resp, body = post_join(port, right.rsplit("=", 1)[1])
    check(status == 303 and "cb_session=" in (resp.getheader("Set-Cookie") or ""),
          "lead joins with its own role after the refusal", (status, body))

    # A board of no event says so in the page.
    driver.get(base + "/board?event=e9")
    wait("the board of e9 says there is no such event",
         lambda: "e9" in text("#failure") and "NOT_FOUND" in text("#failure"))

    # The board: phase and who has shared.
    driver.get(base + "/board?event=e1")
    wait("board is live", lambda: text("#link") == "live")
    wait("board shows phase planned", lambda: text(".timeline .current").lower() == "planned")
    wait("board lists team-a, not shared",
         lambda: "not shared" in text('.team[data-node="team-a"]'))
    check.eq(driver.execute_script("return document.body.dataset.failures || '0'"), "0",
             "the board of e1 never showed e9's failure")
    check(NAME + " (e1)" in text("#title"), "board shows the event's name", text("#title"))
    check.eq(len(driver.find_elements(By.ID, "pwn")), 0, "the name's markup stays text")
    csp = driver.execute_script(
        "return document.querySelector('script[type=module]').getAttribute('src')")
    check.eq(csp, "/assets/board.js", "the page's script is the compiled-in module")
    driver.execute_script("window.cbNoReload = 'still here';")

    # Live, without a reload: the event advances, teams share.
    cli("fac", "event", "advance", "e1")
    wait("phase share, live", lambda: text(".timeline .current").lower() == "share")
    wait("a countdown", lambda: re.fullmatch(r"\d\d:\d\d", text("#countdown")))
    cli("lead", "event", "share", "e1", "d1")
    cli("team-a", "event", "share", "e1", "d2")
    wait("team-a shared d2, live", lambda: "shared d2" in text('.team[data-node="team-a"]'))
    check("not shared" in text('.team[data-node="team-b"]'), "team-b not shared yet")
    cli("team-b", "event", "share", "e1", "d3")
    cli("fac", "event", "advance", "e1")
    wait("phase negotiate, live", lambda: text(".timeline .current").lower() == "negotiate")

    # An ask appears as a card, open; hostile text stays text.
    hostile = '"><img src=x onerror="window.cbPwned=1"><script>window.cbPwned=2</script>'
    cli("team-a", "ask", "new", "e1", "--to", "team-b", "--kr", "kr1", "--need", hostile)
    wait("the ask is an open card, live",
         lambda: hostile in text('.column[data-state="open"] .card[data-ask="a1"]'))
    check.eq(driver.execute_script("return window.cbPwned === undefined"), True,
             "hostile text ran nothing")
    check.eq(len(driver.find_elements(By.CSS_SELECTOR, "#asks img, #asks script")), 0,
             "hostile text injected no element")
    wait("team-b owes an answer", lambda: "team-b" in text("#owed"))
    check.eq(driver.execute_script("return window.cbNoReload"), "still here",
             "all of it without a reload")

    # Reconnecting with Last-Event-ID: the first message is the state now.
    # (Each message is the whole board, so nothing is missed in between.)
    seq = cli("fac", "event", "snapshot", "e1")["seq"]
    msg = first_sse_message(port, "/live/board?event=e1", session, 1)
    check.eq(msg.get("id"), str(seq), "a reconnection starts at the log's sequence")
    check.eq(json.loads(msg.get("data", "{}")).get("seq"), seq, "with the state as of it")

    # The broker killed under the open board: the board says so, then
    # picks up where it was once the broker is back, and goes on live.
    broker.kill()
    broker.wait()
    wait("the board shows the broker lost", lambda: text("#link").startswith("broker "))
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", ENDPOINT, "--store",
                               os.path.join(TMP, "store")],
                              stdout=open(os.path.join(TMP, "catchballd.log"), "a"),
                              stderr=subprocess.STDOUT)
    procs.append(broker)
    wait("the board is live again", lambda: text("#link") == "live")
    cli("team-b", "ask", "decline", "a1", "--reason", "not this quarter")
    wait("the declined ask moves, live",
         lambda: 'a1' in text('.column[data-state="declined"]')
         and 'a1' not in text('.column[data-state="open"]'))
    seq = cli("fac", "event", "snapshot", "e1")["seq"]
    wait("the board is at the broker's sequence",
         lambda: driver.execute_script("return document.body.dataset.seq") == str(seq))
    check.eq(driver.execute_script("return window.cbNoReload"), "still here",
             "across the broker's restart, without a reload")

    # The gateway killed and started again on its port: the open board
    # reconnects by itself (its session is in the gateway's directory) and
    # shows what changed meanwhile, at the broker's sequence.
    web.kill()
    web.wait()
    wait("the board shows the gateway lost", lambda: text("#link").startswith("connection lost"))
    cli("fac", "event", "nudge", "e1", "team-a", "--text", "share your confidence")
    cli("team-a", "ask", "new", "e1", "--to", "team-b", "--kr", "kr2", "--need", "made meanwhile")
    web = subprocess.Popen([WEB, "--port", str(port), "--endpoint", ENDPOINT, "--dir", gw_dir],
                           stdout=subprocess.PIPE, stderr=open(os.path.join(TMP, "web.log"), "a"),
                           text=True)
    procs.append(web)
    check("serving" in readline_within(web, WAIT), "the gateway serves again on its port")
    wait("the ask made meanwhile is on the board",
         lambda: "made meanwhile" in text('.column[data-state="open"]'))
    seq = cli("fac", "event", "snapshot", "e1")["seq"]
    wait("the board is at the broker's sequence again",
         lambda: driver.execute_script("return document.body.dataset.seq") == str(seq))
    wait("the board is live again", lambda: text("#link") == "live")
    check.eq(driver.execute_script("return window.cbNoReload"), "still here",
             "across the gateway's restart, without a reload")

    # A stuck deal: team-b's accept of a2 would change its draft d3, on
    # which a round is now open.
    cli("team-b", "throw", "d3", "--to", "lead", "--question", "Is d3 right?")
    wait("a2 is a stuck deal, with who can unblock it",
         lambda: re.search(r"a2 waits for team-b \(ask accept\): round r\d+ on d3 is open; "
                           r"team-b can close it, or lead can answer it",
                           text("#stuck")))

    # Screenshots, and no sideways overflow at either size.
    for w, h in ((1920, 1080), (390, 844)):
        driver.set_window_size(w, h)
        wait("no horizontal overflow at %dx%d" % (w, h), lambda: driver.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"))
        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
            path = os.path.join(SHOTS, "board-%dx%d.png" % (w, h))
            check(driver.save_screenshot(path), "screenshot " + path)
    driver.set_window_size(1920, 1080)

    # Limits: a session holds S_STREAMS_MAX (8) live streams at most; the
    # open board is one of them.
    statuses, socks = [], []
    for _ in range(8):
        sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        sock.sendall(("GET /live/board?event=e1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Cookie: cb_session=%s\r\n\r\n" % session).encode())
        statuses.append(sock.makefile("rb").readline().split()[1].decode())
        socks.append(sock)
    for sock in socks:
        sock.close()
    check.eq(statuses, ["200"] * 7 + ["429"], "the eighth stream of a session refused")

    # A team member's page: their inbox, live.
    link = invite("team-b", "team")
    driver.delete_all_cookies()
    driver.get(link)
    driver.find_element(By.ID, "join").click()
    wait("team-b's page", lambda: "team-b (team)" in text("#title"))
    cli("lead", "throw", "d1", "--to", "team-b", "--question", "Does kr1 work for you?")
    wait("the round in team-b's inbox, live",
         lambda: "round.thrown" in text("#inbox") and "Does kr1 work for you?" in text("#inbox"))

    # What team-b owes in the event, on its own page: the ask to answer,
    # the round thrown to it; the board's debts of others are not shown.
    driver.get(base + "/me?event=e1")
    wait("team-b's page lists what it owes in e1",
         lambda: "accept, counter or decline a2 from team-a" in text("#owes")
         and "round r" in text("#owes") and "Does kr1 work for you?" in text("#owes"))
    check("Is d3 right?" not in text("#owes"), "only team-b's debts", text("#owes"))

    # Sessions listed, and revoked: the open page is told, the cookie
    # opens nothing any more.
    out = subprocess.run([WEB, "sessions", "--dir", gw_dir], capture_output=True, text=True,
                         timeout=10).stdout
    check(re.search(r"^fac +facilitator ", out, re.M) and re.search(r"^team-b +team ", out, re.M),
          "sessions lists fac and team-b", out)
    team_b = (driver.get_cookie("cb_session") or {}).get("value", "")
    out = subprocess.run([WEB, "revoke", "team-b", "--dir", gw_dir], capture_output=True,
                         text=True, timeout=10).stdout
    check.eq(out.strip(), "revoked 1 session of team-b", "revoke team-b")
    wait("the open page says the session has ended", lambda: "revoked" in text("#failure"))
    check.eq(get(port, "/me", cookie=team_b)[0], 403, "the revoked cookie opens nothing")
    check.eq(get(port, "/board?event=e1", cookie=session)[0], 200, "fac's session goes on")

    # SIGTERM ends the gateway cleanly, open pages and all (under
    # AddressSanitizer, a leak would make this exit status non-zero).
    web.terminate()
    check.eq(web.wait(timeout=WAIT), 0, "the gateway exits 0 on SIGTERM")


def run():
    try:
        main()
    finally:
        stop(procs)


ENDPOINT = ""
finish(run, check, TMP)
