"""web_views - what everyone can read in the browser (issue 15)

The real catchballd, catchball-web and catchball CLI, with headless
Chromium driven by Selenium. Leadership and a team draft in one cycle,
hostile text in the team's objective and a key result; leadership
rewords a key result, finalises and checks in from the CLI.
Then, joined by link in the browser:

- /graph: the alignment graph is an image, drawn by the gateway with
  the command line's own code: its SVG is byte for byte what `catchball
  graph --format svg` writes, names every draft, has the alignment edge,
  and the hostile text is text in it (no script, no handler, no link);
  it comes as image/svg+xml with a Content-Security-Policy of its own.
- /report?cycle=C agrees with `catchball report --cycle C --format
  json`, draft by draft and key result by key result; /report?event=E
  shows the event.
- /progress: the owner's check-in form; a value that is not a number, a
  confidence of 7 and a check-in on a draft not final are each refused
  with the broker's words in the page and store nothing (`catchball
  progress --json` unchanged); a good check-in is seen by `catchball
  progress --json`, and the page shows the new value and trend at once.
- /history: the revisions, rounds, check-ins; the side-by-side diff of
  revisions 1 and 2, chosen by keyboard in the page, shows the changed
  key result's old and new text side by side.

Nothing hostile runs (window.cbPwned stays unset). Screenshots at
1920x1080 and 390x844 of each view (CB_WEB_SHOTS), no sideways overflow.
Waiting is polling with a bound (WebDriverWait), never a sleep. Exits 77
(skipped) only when Chromium cannot start at all.

Usage: web_views.py CATCHBALLD CATCHBALL CATCHBALL_WEB EXAMPLES_DIR
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import readline_within, start_browser, stop  # noqa: E402
from harness import Checks, finish, free_port  # noqa: E402
from webcheck import contrast_failures  # noqa: E402

CATCHBALLD, CATCHBALL, WEB, EXAMPLES = sys.argv[1:5]
SHOTS = os.environ.get("CB_WEB_SHOTS", "")
TMP = tempfile.mkdtemp(prefix="catchball-web-views.")
check = Checks()
procs = []
WAIT = 20   # seconds any one thing may take to show
HOSTILE = '"><img src=x onerror="window.cbPwned=1"><script>window.cbPwned=2</script>' \
          '<a href="javascript:window.cbPwned=3">go</a>'
ENDPOINT = ""
CYCLE = "2027-Q1"
SVG = "{http://www.w3.org/2000/svg}"


def run_cli(node, *args, role=None):
    """The catchball CLI as node: (exit status, stdout)."""
    cmd = [CATCHBALL, "--node", node] + (["--role", role] if role else []) + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                         env=dict(os.environ, CATCHBALL_ENDPOINT=ENDPOINT))
    return out.returncode, out.stdout


def cli(node, *args, role=None):
    """The catchball CLI as node, JSON out; the parsed reply."""
    status, out = run_cli(node, "--json", *args, role=role)
    if status != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), out))
    try:
        return json.loads(out)
    except ValueError:  # hello answers in words, even with --json
        return {}


def request(port, path, cookie):
    """GET path with the session's cookie: (status, response, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request("GET", path, headers={"Cookie": "cb_session=" + cookie})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, resp, body


def progress_now():
    """What `catchball progress --json` says of the cycle, ages left out."""
    return [{k: v for k, v in p.items() if k != "age_ms"}
            for p in cli("lead", "progress", "--cycle", CYCLE)["progress"]]


def main():
    global ENDPOINT
    driver = start_browser(TMP)
    procs.append(driver)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

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
                full = js("return document.documentElement.scrollHeight")
                driver.set_window_size(w, max(h, min(full + 140, 4000)))
                check(driver.save_screenshot(path), "screenshot " + path)
        driver.set_window_size(1920, 1080)

    def no_pwn(where):
        check.eq(js("return window.cbPwned === undefined ? 'clean' : window.cbPwned"), "clean",
                 "%s: hostile text ran nothing" % where)
        check.eq(js("return document.querySelectorAll('#view script, #view img[src=x], "
                    "#view a[href^=javascript]').length"), 0,
                 "%s: hostile text injected no element" % where)

    # ------------------------------------------------------------------
    # The broker, the people, their drafts.
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
    cli("team-a", "--parent", "lead", "hello", role="team")
    cli("lead", "draft", "new", os.path.join(EXAMPLES, "leadership.json"))
    with open(os.path.join(EXAMPLES, "leadership.json")) as f:
        content = json.load(f)
    mine = dict(content, objective="Team A " + HOSTILE, aligned_to={"draft": "d1", "kr": "kr1"})
    mine["key_results"] = [dict(content["key_results"][0], text="Hostile kr " + HOSTILE)]
    path = os.path.join(TMP, "team-a.json")
    with open(path, "w") as f:
        json.dump(mine, f)
    check.eq(cli("team-a", "draft", "new", path)["draft"], "d2", "team-a drafts d2")
    # Leadership rewords kr2 (revision 2; kr1 is aligned to), finalises
    # d1, checks in.
    head = cli("lead", "draft", "show", "d1")["revision"]["content"]
    old_kr2 = head["key_results"][1]["text"]
    new_kr2 = "Median days to first value, from sign-up"
    head["key_results"][1]["text"] = new_kr2
    path = os.path.join(TMP, "d1-r2.json")
    with open(path, "w") as f:
        json.dump(head, f)
    cli("lead", "draft", "revise", "d1", path, "--message", "kr2 says from when")
    cli("lead", "finalize", "d1", "--override", "--reason", "the board agreed")
    cli("lead", "checkin", "d1", "kr1", "--value", "45", "--confidence", "3", "--note",
        "first week")
    # A draft of leadership's that is not final, to check in on (refused).
    check.eq(cli("lead", "draft", "new", os.path.join(EXAMPLES, "leadership.json"))["draft"],
             "d3", "lead drafts d3, not final")
    # An event: team-a asks team-b for help, hostile need, declined.
    cli("team-b", "--parent", "lead", "hello", role="team")
    path = os.path.join(TMP, "team-b.json")
    with open(path, "w") as f:
        json.dump(dict(content, objective="Team B helps", aligned_to={"draft": "d1"}), f)
    check.eq(cli("team-b", "draft", "new", path)["draft"], "d4", "team-b drafts d4")
    cli("fac", "event", "new", "e1", "--cycle", CYCLE, "--participants", "team-a,team-b")
    cli("fac", "event", "advance", "e1")
    cli("team-a", "event", "share", "e1", "d2")
    cli("team-b", "event", "share", "e1", "d4")
    cli("fac", "event", "advance", "e1")
    check.eq(cli("team-a", "ask", "new", "e1", "--to", "team-b", "--kr", "kr1", "--need",
                 "Need " + HOSTILE)["ask"], "a1", "team-a asks team-b: a1")
    cli("team-b", "ask", "decline", "a1", "--reason", "no time " + HOSTILE)

    # The gateway, and leadership in the browser.
    gw_dir = os.path.join(TMP, "gw")
    web = subprocess.Popen([WEB, "--port", "0", "--endpoint", ENDPOINT, "--dir", gw_dir],
                           stdout=subprocess.PIPE, stderr=open(os.path.join(TMP, "web.log"), "w"),
                           text=True)
    procs.append(web)
    m = re.search(r"serving http://127\.0\.0\.1:(\d+)", readline_within(web, WAIT))
    if not check(m, "catchball-web serves"):
        return
    port = int(m.group(1))
    base = "http://127.0.0.1:%d" % port
    link = subprocess.run([WEB, "invite", "lead", "--role", "leadership", "--dir", gw_dir,
                           "--url", base], capture_output=True, text=True,
                          timeout=10).stdout.strip()
    driver.get(link)
    driver.find_element(By.ID, "join").click()
    wait("lead joined", lambda: "lead (leadership)" in text("#title"))
    cookie = driver.get_cookie("cb_session")["value"]

    # ------------------------------------------------------------------
    # The graph.
    driver.get(base + "/graph?cycle=" + CYCLE)
    wait("the graph is drawn in the page", lambda: js(
        "const i = document.getElementById('graph');"
        "return i && i.complete && i.naturalWidth > 0 && document.body.dataset.graph"))
    check.eq(js("return document.getElementById('graph').tagName"), "IMG",
             "the graph is an image: nothing in it runs")
    wait("the page lists the drafts", lambda: "d1" in text("#graph-drafts")
         and "d3" in text("#graph-drafts"))
    check(HOSTILE in text("#graph-drafts"), "the hostile objective is listed as text")
    status, resp, svg = request(port, "/api/view/graph.svg?cycle=" + CYCLE, cookie)
    check.eq((status, resp.getheader("Content-Type")), (200, "image/svg+xml"),
             "GET /api/view/graph.svg: image/svg+xml")
    check("default-src 'none'" in ",".join(resp.headers.get_all("Content-Security-Policy")),
          "the SVG has a Content-Security-Policy of its own", resp.headers)
    out = subprocess.run([CATCHBALL, "--node", "lead", "graph", "--cycle", CYCLE, "--format",
                          "svg"], capture_output=True, timeout=30,
                         env=dict(os.environ, CATCHBALL_ENDPOINT=ENDPOINT))
    check.eq(svg, out.stdout, "the page's SVG is what `catchball graph --format svg` writes")
    root = ET.fromstring(svg)
    nodes = {g.find(SVG + "title").text for g in root.iter(SVG + "g")
             if g.get("class") == "node"}
    edges = {g.find(SVG + "title").text for g in root.iter(SVG + "g")
             if g.get("class") == "edge"}
    check({"d1", "d2", "d3", "d4", "ask:a1"} <= nodes, "the SVG names every draft, and the ask",
          nodes)
    check(any(e.startswith("d2") and "d1" in e for e in edges),
          "the SVG has the edge from d2 up to d1", edges)
    tags = {el.tag.replace(SVG, "") for el in root.iter()}
    check(not tags & {"script", "foreignObject", "img", "iframe"},
          "no script, foreign object or image element in the SVG", tags)
    check(not [a for el in root.iter() for a in el.attrib if a.lower().startswith("on")],
          "no event handler attribute in the SVG")
    check(not [v for el in root.iter() for v in el.attrib.values()
               if v.strip().lower().startswith("javascript:")],
          "no javascript: link in the SVG")
    words = "".join(t.text or "" for t in root.iter(SVG + "text"))
    check("<script>window.cbPwned=2</script>" in words and 'onerror="window.cbPwned=1"' in words,
          "the hostile objective is text inside the SVG", words[:300])
    status, _, body = request(port, "/api/view/graph.svg?cycle=no-such-cycle", cookie)
    check.eq((status, json.loads(body)["error"]["name"]), (404, "NOT_FOUND"),
             "a cycle with no drafts: no graph, said so")
    no_pwn("graph")
    shots("views-graph")

    # ------------------------------------------------------------------
    # The reports.
    driver.get(base + "/report?cycle=" + CYCLE)
    wait("the cycle report", lambda: js("return document.body.dataset.loaded") == "yes"
         and "Cycle " + CYCLE in text("#view h2"))
    report = cli("lead", "report", "--cycle", CYCLE, "--format", "json")
    for d in report["drafts"]:
        sel = '.report-draft[data-draft="%s"]' % d["id"]
        check.eq(text(sel + " h3"), "%s (%s): %s" % (d["id"], d["owner"], d["objective"]),
                 "report: %s's owner and objective as the CLI says" % d["id"])
        agreed = text(sel + " .agreed")
        check(("final at revision %d" % d["final_rev"]) in agreed if d["state"] == "final"
              else ("Not agreed: " + d["state"]) in agreed,
              "report: %s's agreement as the CLI says" % d["id"], agreed)
        for kr in d["key_results"]:
            li = sel + ' li[data-kr="%s"]' % kr["id"]
            check(text(li).startswith(kr["id"] + " " + kr["text"] + ": "),
                  "report: %s %s's text" % (d["id"], kr["id"]), text(li))
            rows = js("return document.querySelectorAll(arguments[0]).length",
                      li + " tbody tr")
            check.eq(rows, len(kr["checkins"]),
                     "report: %s %s's check-ins, one row each" % (d["id"], kr["id"]))
    check.eq(js("return document.querySelectorAll('.report-draft').length"),
             len(report["drafts"]), "report: every draft the CLI reports, no other")
    check("covered 25%" in text('.report-draft[data-draft="d1"] li[data-kr="kr1"]'),
          "report: d1 kr1 covered 25% (45 of 40 -> 60), as the CLI writes it")
    no_pwn("cycle report")
    shots("views-report")
    driver.get(base + "/report?event=e1")
    wait("the event report", lambda: "Event e1" in text("#view h2")
         and "Cycle " + CYCLE in text("#view"))
    ereport = cli("fac", "report", "e1", "--format", "json")
    for key in ("agreed", "countered", "declined", "unresolved"):
        check.eq(js("return [...document.querySelectorAll('#asks-%s li[data-ask]')]"
                    ".map((li) => li.dataset.ask)" % key), [a["id"] for a in ereport[key]],
                 "event report: the asks %s, as `catchball report e1 --format json`" % key)
    check("Need " + HOSTILE in text("#asks-declined") and "no time " + HOSTILE
          in text("#asks-declined"), "event report: the hostile need and reason as text")
    check.eq(js("return [...document.querySelectorAll('#view article[data-draft]')]"
                ".map((a) => a.dataset.draft)"), [d["draft"] for d in ereport["drafts"]],
             "event report: the drafts shared, in order")
    no_pwn("event report")
    shots("views-event-report")

    # ------------------------------------------------------------------
    # Progress and check-ins.
    before = progress_now()
    driver.get(base + "/progress?cycle=" + CYCLE)
    card = '[data-key="d1/kr1"]'
    wait("progress of d1 kr1, as the CLI says", lambda: "current 45" in text(card)
         and "covered 25% of the way" in text(card) and "confidence 3" in text(card))
    check("by lead" in text(card + " .last"), "the last check-in's author and age",
          text(card + " .last"))
    check.eq(js("return document.querySelectorAll('form.checkin').length"), 3,
             "the owner gets a check-in form per key result of its final draft")

    def checkin(value, confidence, sel=card):
        form = sel + " form.checkin "
        for name, v in (("value", value), ("confidence", confidence)):
            field = driver.find_element(By.CSS_SELECTOR, form + "input[name=%s]" % name)
            field.clear()
            field.send_keys(v)
        version = js("return document.body.dataset.version")
        js("document.querySelectorAll('.outcome').forEach((o) => o.remove())")
        driver.find_element(By.CSS_SELECTOR, form + "button").click()
        WebDriverWait(driver, WAIT, poll_frequency=0.1).until(
            lambda d: text(form + ".outcome"))
        return text(form + ".outcome"), version

    said, _ = checkin("a lot", "4")
    check("BAD_FIELD" in said, "a value that is not a number: refused in the page", said)
    said, _ = checkin("50", "7")
    check("BAD_FIELD" in said, "a confidence of 7: refused in the page", said)
    check.eq(progress_now(), before, "the refused check-ins stored nothing")
    driver.get(base + "/progress?draft=d3")
    wait("d3's progress, with its owner's form", lambda: js(
        "return document.querySelectorAll('form.checkin').length") == 3)
    said, _ = checkin("50", "4", '[data-key="d3/kr1"]')
    check("NOT_FINAL" in said, "a check-in on a draft not final: refused in the page", said)
    check.eq(progress_now(), before, "still nothing stored")
    shots("views-progress-refused")

    driver.get(base + "/progress?cycle=" + CYCLE)
    wait("progress again", lambda: "current 45" in text(card))
    driver.find_element(By.CSS_SELECTOR, card + " textarea[name=note]").send_keys(
        "note " + HOSTILE)
    said, version = checkin("50", "4")
    check("Checked in: c2" in said, "a good check-in from the page", said)
    wait("the progress view updates: current 50, trend 3 -> 4", lambda:
         js("return document.body.dataset.version") != version
         and "current 50" in text(card) and "3 -> 4" in text(card)
         and "covered 50% of the way" in text(card))
    after = {(p["draft"], p["kr"]): p for p in progress_now()}
    check.eq((after[("d1", "kr1")]["current"], after[("d1", "kr1")]["confidence"]), (50, [3, 4]),
             "`catchball progress --json` sees the check-in")
    check("Checked in: c2" in text(card + " .outcome"), "the outcome stays shown")
    wait("the progress page is live", lambda: text("#link") == "live")
    version = js("return document.body.dataset.version")
    cli("ana", "checkin", "d1", "kr1", "--value", "55", "--confidence", "2", role="team")
    wait("ana, a lead of kr1, checks in from the CLI: the page shows it without a reload",
         lambda: js("return document.body.dataset.version") != version
         and "current 55" in text(card) and "3 -> 4 -> 2" in text(card)
         and "by ana" in text(card + " .last"))
    no_pwn("progress")
    shots("views-progress")

    # ------------------------------------------------------------------
    # History, and the side-by-side diff, by keyboard.
    driver.get(base + "/history?draft=d1")
    wait("d1's history", lambda: js("return document.body.dataset.loaded") == "yes"
         and js("return document.querySelectorAll('#revisions > li').length") == 2)
    check("kr2 says from when" in text('#revisions li[data-rev="2"]'),
          "revision 2's message in the history")
    check("note " + HOSTILE in text("#checkins") and "45" in text("#checkins"),
          "the check-ins in the history, hostile note as text")
    check.eq(js("return document.getElementById('diff-from').value"), "1", "diff from 1")
    check.eq(js("return document.getElementById('diff-to').value"), "2", "diff to 2")
    driver.find_element(By.ID, "diff-from").send_keys(Keys.END)    # the last: revision 2
    driver.find_element(By.ID, "diff-to").send_keys(Keys.HOME)     # the first: revision 1
    driver.find_element(By.ID, "diff-to").send_keys(Keys.TAB)
    focused = js("const e = document.activeElement;"
                 "return [e.textContent, getComputedStyle(e).outlineStyle]")
    check.eq(focused, ["Compare", "solid"], "Tab reaches Compare, with a visible focus")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait("the diff of 2 and 1", lambda: js("return document.body.dataset.diff") == "2-1")
    row = js("""const r = [...document.querySelectorAll('#diff-table tbody tr')]
                  .find((tr) => tr.querySelector('th').textContent === 'kr2 text');
                return r ? [...r.querySelectorAll('td')].map((td) => td.textContent) : null""")
    check.eq(row, [new_kr2, old_kr2], "the diff: kr2's text, revision 2 beside revision 1")
    js("document.getElementById('diff-from').value = '1';"
       "document.getElementById('diff-to').value = '2';")
    driver.find_element(By.CSS_SELECTOR, "#diff-form button").click()
    wait("the diff of 1 and 2", lambda: js("return document.body.dataset.diff") == "1-2")
    row = js("""const r = [...document.querySelectorAll('#diff-table tbody tr')]
                  .find((tr) => tr.querySelector('th').textContent === 'kr2 text');
                return r ? [...r.querySelectorAll('td')].map((td) => td.textContent) : null""")
    check.eq(row, [old_kr2, new_kr2], "the diff: kr2's old text beside its new text")
    check.eq(js("return [...document.querySelectorAll('#diff-table thead th')]"
                ".map((t) => t.textContent)"), ["What", "Revision 1", "Revision 2"],
             "the diff's columns: revision 1, then revision 2")
    js("document.getElementById('diff-to').append(new Option('revision 9', '9'));"
       "document.getElementById('diff-to').value = '9';")
    driver.find_element(By.CSS_SELECTOR, "#diff-form button").click()
    wait("a revision that is not there: the broker's refusal in the page",
         lambda: js("return document.body.dataset.diff") == "1-9"
         and "NOT_FOUND" in text("#diff .outcome"))
    no_pwn("history")
    shots("views-history")
    driver.get(base + "/history?draft=d2")
    wait("d2's history, hostile objective as text",
         lambda: ("Team A " + HOSTILE) in text("#view"))
    no_pwn("d2's history")

    # The views' API: a session, the fields each needs, a view that is.
    status, _, _ = request(port, "/api/view/graph.svg?cycle=" + CYCLE, "0" * 64)
    check.eq(status, 403, "no session: no graph")
    status, _, body = request(port, "/api/view/graph", cookie)
    check.eq((status, json.loads(body)["error"]["name"]), (400, "BAD_REQUEST"),
             "a graph of no cycle refused, said so")
    status, _, body = request(port, "/api/view/diff?draft=d1&from=1", cookie)
    check.eq(status, 400, "a diff without `to` refused")
    status, _, body = request(port, "/api/view/store", cookie)
    check.eq(status, 404, "no such view")

    web.terminate()
    check.eq(web.wait(timeout=WAIT), 0, "the gateway exits 0 on SIGTERM")


def run():
    try:
        main()
    finally:
        stop(procs)


finish(run, check, TMP)
