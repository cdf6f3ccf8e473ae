"""web_market - a whole marketplace event run from the browser (issue 15)

The real catchballd, catchball-web and catchball CLI, with headless
Chromium driven by Selenium: a facilitator's board and two team pages,
each its own session (the hosts 127.0.0.1, localhost and
team-b.localhost, which Chromium resolves to the loopback, keep their
cookies apart in one browser).

The facilitator makes the event from its page (without teams first:
refused, nothing stored), then opens its board. From the board, by keyboard: `a` opens a
confirmation and Escape cancels it (nothing changes: the broker's phase
and the board's log sequence stay as they were); `a` and Enter advance to
share. The teams share their drafts from their pages, the board shows it;
the board advances to negotiate. An ask without a need is refused in
the page, nothing stored. Team-a asks team-b twice (one need
hostile text) and team-b asks team-a, from their pages; team-b accepts
one ask and counters the other, team-a takes the counter and declines
the ask to it, each from its page; team-b offers team-a help and team-a
takes it; the board's cards move through open,
countered, accepted and declined as it happens. The facilitator nudges
team-a (hostile text again: team-a's page shows it, as text) and
extends the phase (the countdown's end moves by exactly the minutes
given). Team-b's own board trying to advance is refused (FORBIDDEN shown,
the phase unchanged). An advance confirmed after the phase moved (the
CLI advances to commit while the dialog is open) is not sent. The
facilitator closes the event;
`catchball event report` agrees with the board's columns. A draft of the
event finalised and checked in afterwards shows in the board's progress,
both on the open board (the log) and on a board opened later (the
gateway reads the check-ins: checkin.list).

The board is checked for legibility at 1920x1080 (the countdown and the
cards' type sizes) and for no sideways overflow at 390 px; screenshots
of the board, its confirmation, the facilitator's page with its new
event and a team's page at both sizes are kept
(CB_WEB_SHOTS). Waiting is polling with a bound (WebDriverWait, a
readline with a deadline), never a sleep. Exits 77 (skipped) only when
Chromium cannot start at all.

Usage: web_market.py CATCHBALLD CATCHBALL CATCHBALL_WEB EXAMPLES_DIR
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import readline_within, start_browser, stop  # noqa: E402
from harness import Checks, finish, free_port  # noqa: E402
from webcheck import contrast_failures  # noqa: E402

CATCHBALLD, CATCHBALL, WEB, EXAMPLES = sys.argv[1:5]
SHOTS = os.environ.get("CB_WEB_SHOTS", "")
TMP = tempfile.mkdtemp(prefix="catchball-web-market.")
check = Checks()
procs = []
WAIT = 15   # seconds any one thing may take to show
HOSTILE = '"><img src=x onerror="window.cbPwned=1"><script>window.cbPwned=2</script>' \
          '<a href="javascript:window.cbPwned=3">go</a>'
ENDPOINT = ""


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


def main():
    global ENDPOINT
    driver = start_browser(TMP)
    procs.append(driver)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def wait(what, cond):
        try:
            WebDriverWait(driver, WAIT, poll_frequency=0.1).until(lambda d: cond())
            return check(True, what)
        except Exception:
            return check(False, what, driver.find_element(By.TAG_NAME, "body").text[:800])

    def js(script, *args):
        return driver.execute_script(script, *args)

    def text(css):
        return js("const e = document.querySelector(arguments[0]);"
                  "return e ? e.innerText : '';", css)

    def shots(name):
        """Screenshots at both sizes, the whole page; no sideways overflow;
        its text at WCAG AA contrast."""
        check.eq(contrast_failures(driver), [], "%s: WCAG AA contrast" % name)
        for w, h in ((1920, 1080), (390, 844)):
            driver.set_window_size(w, h)
            wait("%s: no horizontal overflow at %dx%d" % (name, w, h),
                 lambda: js("return document.documentElement.scrollWidth <= window.innerWidth"))
            if SHOTS:
                os.makedirs(SHOTS, exist_ok=True)
                path = os.path.join(SHOTS, "%s-%dx%d.png" % (name, w, h))
                if not js("return document.querySelector('dialog[open]') !== null"):
                    full = js("return document.documentElement.scrollHeight")
                    driver.set_window_size(w, max(h, min(full + 140, 4000)))
                check(driver.save_screenshot(path), "screenshot " + path)
        driver.set_window_size(1920, 1080)

    def key(k):
        """A key pressed on the page, as a person would (no field focused)."""
        driver.switch_to.active_element.send_keys(k)

    def phase():
        return cli("fac", "event", "show", "e1")["event"]["phase"]

    def board_phase():
        return text(".timeline li.current").lower()

    def column(state):
        return js("return [...document.querySelectorAll("
                  "'.column[data-state=\"' + arguments[0] + '\"] .card')]"
                  ".map((c) => c.dataset.ask)", state)

    def dialog_open():
        return js("return document.getElementById('confirm').open")

    def no_injection(who):
        check.eq(js("return window.cbPwned === undefined"
                    " && !document.querySelector('img[src=\"x\"], script:not([src]), "
                    "a[href^=\"javascript\"]')"), True, who + ": hostile text ran nothing, "
                 "injected nothing")

    # The broker, the people, their drafts, the event (with the CLI).
    ENDPOINT = "tcp://127.0.0.1:%d" % free_port()
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", ENDPOINT, "--store",
                               os.path.join(TMP, "store")],
                              stdout=open(os.path.join(TMP, "catchballd.log"), "w"),
                              stderr=subprocess.STDOUT)
    procs.append(broker)
    subprocess.run([CATCHBALL, "--endpoint", ENDPOINT, "--node", "probe", "--role", "observer",
                    "--timeout", "10000", "ping"], check=True, capture_output=True)
    cli("fac", "hello", role="facilitator")
    cli("lead", "hello", role="leadership")
    cli("watcher", "hello", role="observer")
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

    # The gateway.
    gw_dir = os.path.join(TMP, "gw")
    web = subprocess.Popen([WEB, "--port", "0", "--endpoint", ENDPOINT, "--dir", gw_dir],
                           stdout=subprocess.PIPE, stderr=open(os.path.join(TMP, "web.log"), "w"),
                           text=True)
    procs.append(web)
    m = re.search(r"serving http://127\.0\.0\.1:(\d+)", readline_within(web, WAIT))
    if not check(m, "catchball-web serves"):
        return
    port = int(m.group(1))

    def join(node, role, host, then):
        """A tab joined as node by its link on host, then at path `then`."""
        out = subprocess.run([WEB, "invite", node, "--role", role, "--dir", gw_dir,
                              "--url", "http://%s:%d" % (host, port)],
                             capture_output=True, text=True, timeout=10)
        driver.get(out.stdout.strip())
        driver.find_element(By.ID, "join").click()
        wait("%s joins on %s" % (node, host), lambda: "%s (%s)" % (node, role) in text("#title"))
        driver.get("http://%s:%d%s" % (host, port, then))
        return driver.current_window_handle

    # ------------------------------------------------------------------
    # The facilitator's board.
    # The facilitator makes the event from its page (no teams first: refused).
    fac = join("fac", "facilitator", "127.0.0.1", "/me")
    wait("the facilitator's page offers a new event", lambda: js(
        "return !!document.querySelector('#event-new form')"))
    driver.find_element(By.ID, "ev-name").send_keys("Q1 market")
    driver.find_element(By.ID, "ev-cycle").send_keys("2027-Q1")
    driver.find_element(By.CSS_SELECTOR, "#event-new button").click()
    wait("an event without teams is refused in the page",
         lambda: "Refused: BAD_FIELD" in text("#event-new .outcome"))
    check.eq(cli("fac", "event", "list")["events"], [], "refused: no event stored")
    driver.find_element(By.ID, "ev-teams").send_keys("team-a, team-b")
    driver.find_element(By.CSS_SELECTOR, "#event-new button").click()
    wait("the page makes event e1", lambda: "Created e1." in text("#event-new .outcome"))
    check.eq(cli("fac", "event", "show", "e1")["event"]["participants"], ["team-a", "team-b"],
             "the CLI sees e1 with its two teams")
    shots("me-event-new")
    driver.find_element(By.ID, "ev-board").click()
    wait("the board: e1 is planned", lambda: board_phase() == "planned")
    js("window.cbNoReload = 'still here';")
    check.eq(js("return [...document.querySelectorAll('.controls button')]"
                ".map((b) => b.getAttribute('aria-keyshortcuts'))"), ["a", "e", "n"],
             "the board has its three controls, each with its key")

    # Buttons are reached by keyboard, with a visible focus.
    for _ in range(30):
        if js("return document.activeElement.id") == "do-advance":
            break
        key(Keys.TAB)
    check.eq(js("return document.activeElement.id"), "do-advance", "Tab reaches Advance")
    check(js("return getComputedStyle(document.activeElement).outlineStyle") != "none",
          "the focus is visible")
    key(Keys.ENTER)
    wait("Enter on the button asks for confirmation", dialog_open)
    key(Keys.ESCAPE)
    wait("Escape closes it", lambda: not dialog_open())
    js("document.activeElement.blur()")

    seq = js("return document.body.dataset.seq")
    key("a")
    wait("a: the confirmation opens", dialog_open)
    check("From planned to share" in text("#confirm"), "it says what will happen",
          text("#confirm"))
    shots("board-confirm")
    key(Keys.ESCAPE)
    wait("Escape cancels: the dialog closes, 'Cancelled' said",
         lambda: not dialog_open() and "Cancelled" in text("#act-outcome"))
    check.eq(phase(), "planned", "cancelled: the broker's phase is unchanged")
    check.eq(js("return document.body.dataset.seq"), seq, "cancelled: the board's log is as it was")
    check.eq(js("return document.body.dataset.acted"), None, "cancelled: nothing was sent")

    key("a")
    wait("a again: the confirmation", dialog_open)
    key(Keys.ENTER)
    wait("Enter confirms: the board shows share", lambda: board_phase() == "share")
    check.eq(phase(), "share", "the broker's event is in share")
    check("Advanced: now share until " in text("#act-outcome"), "the board says so",
          text("#act-outcome"))
    check.eq(text("#countdown").count(":"), 1, "a countdown runs: " + text("#countdown"))

    # ------------------------------------------------------------------
    # The teams share from their pages.
    driver.switch_to.new_window("tab")
    team_a = join("team-a", "team", "localhost", "/me?event=e1")
    driver.switch_to.new_window("tab")
    team_b = join("team-b", "team", "team-b.localhost", "/me?event=e1")

    def share(tab, node, draft):
        driver.switch_to.window(tab)
        wait(node + ": the share form, its draft offered",
             lambda: js("const s = document.querySelector('#market form.share select');"
                        "return s && s.value === arguments[0] && !s.closest('form').hidden",
                        draft))
        driver.find_element(By.CSS_SELECTOR, "#market form.share button").click()
        wait(node + " shares " + draft + " from its page",
             lambda: "Shared %s into e1" % draft in text("#market form.share .outcome"))
        wait(node + "'s page says so", lambda: text("#market .shared") == "You share %s." % draft)

    share(team_a, "team-a", "d2")
    share(team_b, "team-b", "d3")
    check.eq(cli("fac", "event", "show", "e1")["event"]["shared"], {"team-a": "d2", "team-b": "d3"},
             "the CLI sees both shared")
    driver.switch_to.window(fac)
    wait("the board shows who has shared", lambda: js(
        "return [...document.querySelectorAll('#teams li')].map((l) => l.dataset.shared)"
        ".join()") == "yes,yes")
    key("a")
    wait("confirmation", dialog_open)
    key(Keys.ENTER)
    wait("advanced to negotiate from the board", lambda: board_phase() == "negotiate")

    # ------------------------------------------------------------------
    # Asks from the team pages.
    def ask(tab, node, to, kr, need, want):
        driver.switch_to.window(tab)
        wait(node + ": the ask form, with " + to,
             lambda: js("const f = document.querySelector('#market form.ask-new');"
                        "return f && !f.hidden && [...f.querySelector('select[name=to]').options]"
                        ".some((o) => o.value === arguments[0])", to))
        f = driver.find_element(By.CSS_SELECTOR, "#market form.ask-new")
        Select(f.find_element(By.NAME, "to")).select_by_value(to)
        Select(f.find_element(By.NAME, "kr")).select_by_value(kr)
        f.find_element(By.NAME, "need").send_keys(need)
        f.find_element(By.TAG_NAME, "button").click()
        wait("%s asks %s: %s" % (node, to, want),
             lambda: "Asked: %s to %s." % (want, to) in text("#market form.ask-new .outcome"))

    # Bad input first: an ask with no need is refused in the page, nothing stored.
    driver.switch_to.window(team_a)
    wait("team-a: the ask form", lambda: js(
        "const f = document.querySelector('#market form.ask-new'); return f && !f.hidden"))
    driver.find_element(By.CSS_SELECTOR, "#market form.ask-new button").click()
    wait("an ask without a need is refused, as the broker says",
         lambda: "Refused: BAD_FIELD" in text("#market form.ask-new .outcome"))
    check.eq(cli("fac", "event", "show", "e1")["asks"], [], "refused: no ask stored")
    ask(team_a, "team-a", "team-b", "kr1", "Two onboarding reviewers " + HOSTILE, "a1")
    ask(team_a, "team-a", "team-b", "kr2", "A week of your API team", "a2")
    ask(team_b, "team-b", "team-a", "kr3", "Lend us a designer", "a3")
    driver.switch_to.window(fac)
    wait("the board: a1, a2, a3 open", lambda: column("open") == ["a1", "a2", "a3"])
    check(HOSTILE in text('.card[data-ask="a1"]'), "a1's hostile need is shown as text")
    no_injection("the board")

    # Team-b accepts a1 and counters a2, from the cards on its page.
    driver.switch_to.window(team_b)
    card = '.answer[data-ask="%s"]'
    wait("team-b's page lists a1 and a2 to answer", lambda: js(
        "return !!document.querySelector(arguments[0]) && !!document.querySelector(arguments[1])",
        card % "a1", card % "a2"))
    f = driver.find_element(By.CSS_SELECTOR, card % "a1" + " form.ask-accept")
    Select(f.find_element(By.NAME, "reflect")).select_by_value("new_kr")
    f.find_element(By.NAME, "kr").send_keys("Reviewers onboard two accounts a week")
    f.find_element(By.NAME, "target").send_keys("2")
    f.find_element(By.TAG_NAME, "button").click()
    wait("team-b accepts a1, with a new key result", lambda: "accepted" in text(card % "a1" + " .result"))
    wait("team-b's ask form now offers its new kr4", lambda: js(
        "return [...document.querySelectorAll('#market form.ask-new select[name=kr] option')]"
        ".some((o) => o.value === 'kr4' && o.textContent.includes('two accounts a week'))"))
    f = driver.find_element(By.CSS_SELECTOR, card % "a2" + " form.ask-counter")
    f.find_element(By.NAME, "text").send_keys("Three days of the API team, not a week")
    f.find_element(By.NAME, "kr").send_keys("kr1")
    f.find_element(By.NAME, "target").send_keys("75")
    f.find_element(By.TAG_NAME, "button").click()
    wait("team-b counters a2", lambda: "countered" in text(card % "a2" + " .result"))
    driver.switch_to.window(fac)
    wait("the board: a1 accepted, a2 countered, a3 open",
         lambda: (column("accepted"), column("countered"), column("open"))
         == (["a1"], ["a2"], ["a3"]))
    check("Three days of the API team" in text('.card[data-ask="a2"]'),
          "the countered card says the counter")
    shots("board-negotiate")
    check(js("return parseFloat(getComputedStyle(document.getElementById('countdown')).fontSize)")
          >= 64, "legible from the back: the countdown is 64 px or more at 1920x1080")
    check(js("return parseFloat(getComputedStyle(document.querySelector('.card .need')).fontSize)")
          >= 20, "legible from the back: a card's text is 20 px or more at 1920x1080")

    # Team-a takes the counter and declines a3.
    driver.switch_to.window(team_a)
    wait("team-a's page: a2's counter to take, a3 to answer", lambda: js(
        "return !!document.querySelector(arguments[0]) && !!document.querySelector(arguments[1])",
        card % "a2" + " form.ask-take", card % "a3" + " form.ask-decline"))
    driver.find_element(By.CSS_SELECTOR, card % "a2" + " form.ask-take button").click()
    wait("team-a takes the counter", lambda: "accepted" in text(card % "a2" + " .result"))
    f = driver.find_element(By.CSS_SELECTOR, card % "a3" + " form.ask-decline")
    f.find_element(By.NAME, "reason").send_keys("No designer is free this quarter")
    f.find_element(By.TAG_NAME, "button").click()
    wait("team-a declines a3", lambda: "declined" in text(card % "a3" + " .result"))
    wait("team-a's own list: a1 and a2 accepted, a3 declined", lambda: js(
        "return [...document.querySelectorAll('#my-asks li')].map((l) => l.dataset.state).join()")
        == "accepted,accepted,declined")

    # An offer: team-b offers help against team-a's kr2; team-a takes it.
    driver.switch_to.window(team_b)
    offer = "#market form.offer-new"
    Select(driver.find_element(By.CSS_SELECTOR, offer + " select[name=offer-to]")) \
        .select_by_value("team-a")
    wait("team-b's offer form lists team-a's key results", lambda: js(
        "return [...document.querySelectorAll(arguments[0] + ' select[name=offer-kr] option')]"
        ".some((o) => o.value === 'kr2' && o.textContent.includes('Median days'))", offer))
    f = driver.find_element(By.CSS_SELECTOR, offer)
    Select(f.find_element(By.NAME, "offer-kr")).select_by_value("kr2")
    f.find_element(By.NAME, "offer-text").send_keys("Our onboarding checklist")
    Select(f.find_element(By.NAME, "offer-mine")).select_by_value("kr1")
    f.find_element(By.NAME, "offer-target").send_keys("80")
    f.find_element(By.TAG_NAME, "button").click()
    wait("team-b offers a4 to team-a", lambda: "Offered: a4 to team-a." in text(offer + " .outcome"))
    driver.switch_to.window(team_a)
    wait("team-a's page: the offer to take", lambda: js(
        "return !!document.querySelector(arguments[0])", card % "a4" + " form.ask-take"))
    driver.find_element(By.CSS_SELECTOR, card % "a4" + " form.ask-take button").click()
    wait("team-a takes the offer", lambda: "accepted" in text(card % "a4" + " .result"))
    check.eq([k["target"] for k in cli("team-b", "draft", "show", "d3")["revision"]["content"]
              ["key_results"]][0], 80, "the offer's reflect is in team-b's draft: kr1's target 80")

    driver.switch_to.window(fac)
    wait("the board: a1, a2, a4 accepted, a3 declined, nothing open",
         lambda: (column("accepted"), column("declined"), column("open"), column("countered"))
         == (["a1", "a2", "a4"], ["a3"], [], []))

    # ------------------------------------------------------------------
    # Nudge and extend, from the board.
    key("n")
    wait("n: the nudge's confirmation", dialog_open)
    Select(driver.find_element(By.ID, "confirm-node")).select_by_value("team-a")
    driver.find_element(By.ID, "confirm-text").send_keys("Time to commit " + HOSTILE)
    driver.find_element(By.ID, "confirm-text").send_keys(Keys.ENTER)
    wait("the nudge is sent", lambda: "Nudged team-a" in text("#act-outcome"))
    driver.switch_to.window(team_a)
    wait("team-a's page shows the nudge, as text",
         lambda: ("Nudge from fac: Time to commit " + HOSTILE) in text("#nudges"))
    no_injection("team-a's page")
    shots("me-market")
    driver.switch_to.window(fac)

    ends = int(js("return document.body.dataset.ends"))
    left = js("const [m, s] = document.getElementById('countdown').textContent.split(':');"
              "return Number(m) * 60 + Number(s)")
    key("e")
    wait("e: the extend confirmation", dialog_open)
    minutes = driver.find_element(By.ID, "confirm-minutes")
    minutes.clear()
    minutes.send_keys("7")
    minutes.send_keys(Keys.ENTER)
    wait("extended by 7 minutes: the phase ends 7 minutes later",
         lambda: js("return document.body.dataset.ends") == str(ends + 7 * 60000))
    check.eq(cli("fac", "event", "show", "e1")["event"]["ends"], ends + 7 * 60000,
             "the broker's event ends then too")
    check("Extended: negotiate until " in text("#act-outcome"), "the board says so",
          text("#act-outcome"))
    check(js("const [m, s] = document.getElementById('countdown').textContent.split(':');"
             "return Number(m) * 60 + Number(s)") > left + 6 * 60, "the countdown grew")

    # A team cannot run the event: team-b's own board is refused.
    driver.switch_to.window(team_b)
    driver.switch_to.new_window("tab")
    driver.get("http://team-b.localhost:%d/board?event=e1" % port)
    wait("team-b's board", lambda: board_phase() == "negotiate")
    key("a")
    wait("confirmation", dialog_open)
    key(Keys.ENTER)
    wait("team-b's advance is refused, FORBIDDEN shown",
         lambda: "Refused: FORBIDDEN" in text("#act-outcome"))
    check.eq(phase(), "negotiate", "refused: nothing stored, the event is still in negotiate")
    driver.close()

    # A confirmation that no longer holds is not sent: the phase moves
    # (here by the CLI) while the dialog is open.
    driver.switch_to.window(fac)
    key("a")
    wait("a: the confirmation, from negotiate", lambda: dialog_open()
         and "From negotiate to commit" in text("#confirm"))
    cli("fac", "event", "advance", "e1")
    wait("the board shows commit behind the dialog", lambda: board_phase() == "commit")
    key(Keys.ENTER)
    wait("Enter: not sent, the phase moved meanwhile",
         lambda: "Refused: NOT_SENT The phase changed to commit" in text("#act-outcome"))
    check.eq(phase(), "commit", "nothing sent: the event is still in commit")

    # To the end.
    for want in ("closed",):
        key("a")
        wait("confirmation", dialog_open)
        key(Keys.ENTER)
        wait("advanced to " + want, lambda: board_phase() == want)
    check.eq(phase(), "closed", "the broker's event is closed")
    check(js("return document.getElementById('do-advance').disabled"),
          "nothing to advance to after closed")
    report = cli("fac", "event", "report", "e1")
    ids = lambda asks: sorted(a["id"] for a in asks)  # noqa: E731
    check.eq((ids(report["agreed"]), ids(report["declined"]), ids(report["countered"]),
              ids(report["unresolved"])),
             (column("accepted"), column("declined"), column("countered"), column("open")),
             "catchball event report agrees with the board's columns")
    check.eq(js("return window.cbNoReload"), "still here", "the board ran it all without a reload")
    no_injection("the board")

    # ------------------------------------------------------------------
    # Progress: d2 final and checked in; on the open board (the log), and
    # on a board opened afterwards (the gateway reads the check-ins).
    check(not js("const s = document.getElementById('progress-area'); return s && !s.hidden"),
          "no progress section before a draft is final")
    cli("team-a", "finalize", "d2", "--override", "--reason", "agreed in the marketplace")
    cli("team-a", "checkin", "d2", "kr1", "--value", "45", "--confidence", "4")
    row = '#progress li[data-draft="d2"][data-kr="kr1"]'
    wait("the open board shows d2 kr1's check-in",
         lambda: js("const r = document.querySelector(arguments[0]);"
                    "return r && r.dataset.checkins === '1'", row))
    check("45 %" in text(row) and "25% of the way" in text(row), "its value and share", text(row))
    driver.switch_to.new_window("tab")
    join("watcher", "observer", "watch.localhost", "/board?event=e1")
    wait("a board opened afterwards reads the check-ins too",
         lambda: js("const r = document.querySelector(arguments[0]);"
                    "return r && r.dataset.checkins === '1'", row))
    progress = {(p["draft"], p["kr"]): p for p in cli("watcher", "progress", "--draft", "d2")["progress"]}
    check.eq(progress[("d2", "kr1")]["current"], 45, "catchball progress agrees")
    shots("board-closed")

    web.terminate()
    check.eq(web.wait(timeout=WAIT), 0, "the gateway exits 0 on SIGTERM")


def run():
    try:
        main()
    finally:
        stop(procs)


finish(run, check, TMP)
