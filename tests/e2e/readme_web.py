"""readme_web - the README's "Run an event in the browser", as a person would

The section's commands are read from README.md itself and run as written
(from a directory standing for a fresh clone, build/ linked to the real
one), against this test's real catchballd: CATCHBALL_ENDPOINT names it
and CATCHBALL_WEB_PORT a free port, as a reader's environment would. Each
invite's printed link is then opened in headless Chromium, and the
section's numbered steps are done in the pages, as the README says them:
lead writes d1, the teams write d2 and d3 aligned to it, the facilitator
makes e1 and runs its board by keyboard, the teams share and ask, team-b
accepts, the facilitator nudges, extends and closes; the report and graph
pages read what the CLI reads. Each person on a host of their own
(127.0.0.1, localhost, *.localhost: one cookie each); the pages' text is
checked for WCAG AA contrast on the way.

If the README's commands or the pages' words change, this fails: the
section and the product cannot drift apart.

Usage: readme_web.py CATCHBALLD CATCHBALL CATCHBALL_WEB [README]
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import start_browser, stop  # noqa: E402
from harness import Checks, finish, free_port  # noqa: E402
from webcheck import contrast_failures  # noqa: E402

CATCHBALLD, CATCHBALL, WEB = sys.argv[1:4]
README = sys.argv[4] if len(sys.argv) > 4 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
SECTION = "## Run an event in the browser"
SHOTS = os.environ.get("CB_WEB_SHOTS", "")
TMP = tempfile.mkdtemp(prefix="catchball-readme-web.")
check = Checks()
procs = []
WAIT = 15
ENV = dict(os.environ)


def commands():
    """The section's commands: its ```-fenced blocks, line by line."""
    lines, inside, fence, prev = [], False, False, ""
    with open(README) as f:
        for line in f.read().split("\n"):
            if line.startswith("## "):
                inside = line == SECTION
                continue
            if not inside:
                continue
            if line == "```" and not fence:
                fence, run = True, prev != "<!-- readme.sh: not run -->"
                continue
            if line == "```" and fence:
                fence = False
                continue
            if fence and run and line.strip() and not line.startswith("#"):
                lines.append(line)
            if not fence:
                prev = line
    return lines


def cli(node, *args):
    out = subprocess.run([CATCHBALL, "--node", node, "--json"] + list(args), capture_output=True,
                         text=True, timeout=30, env=ENV)
    if out.returncode != 0:
        raise RuntimeError("%s: %s %s" % (" ".join(args), out.stdout, out.stderr))
    return json.loads(out.stdout)


def serving(port):
    """True once something answers HTTP on the port."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/assets/web.css")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def main():
    lines = commands()
    check(len(lines) >= 5 and lines[0].endswith("&"),
          "the section's commands read from README.md", lines)

    # A fresh clone's directory, the broker, the reader's environment.
    clone = os.path.join(TMP, "clone")
    os.makedirs(clone)
    os.symlink(os.path.dirname(os.path.abspath(CATCHBALL)), os.path.join(clone, "build"))
    endpoint = "tcp://127.0.0.1:%d" % free_port()
    port = free_port()
    ENV.update(CATCHBALL_ENDPOINT=endpoint, CATCHBALL_WEB_PORT=str(port))
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", endpoint, "--store",
                               os.path.join(TMP, "store")],
                              stdout=open(os.path.join(TMP, "catchballd.log"), "w"),
                              stderr=subprocess.STDOUT)
    procs.append(broker)
    subprocess.run([CATCHBALL, "--endpoint", endpoint, "--node", "probe", "--role", "observer",
                    "--timeout", "10000", "ping"], check=True, capture_output=True)

    links = {}
    for line in lines:
        if line.endswith("&"):
            web = subprocess.Popen(["bash", "-c", "exec " + line[:-1]], cwd=clone, env=ENV,
                                   stdout=open(os.path.join(TMP, "web.out"), "w"),
                                   stderr=open(os.path.join(TMP, "web.log"), "w"))
            procs.append(web)
            deadline = time.monotonic() + WAIT
            while not serving(port) and time.monotonic() < deadline and web.poll() is None:
                time.sleep(0.05)
            check(serving(port), "README: `%s` serves on $CATCHBALL_WEB_PORT" % line)
            continue
        out = subprocess.run(["bash", "-c", line], cwd=clone, env=ENV, capture_output=True,
                             text=True, timeout=30)
        m = re.search(r"(https?://\S+/join\?token=[0-9a-f]+)", out.stdout)
        who = line.split()[2] if " invite " in line else None
        check(out.returncode == 0 and (m or not who), "README: `%s`" % line, out.stderr[-300:])
        if m and who:
            links[who] = m.group(1)
            check(os.path.exists(os.path.join(clone, who + ".png")),
                  "README: %s.png written beside the link" % who)
    check.eq(sorted(links), ["fac", "lead", "team-a", "team-b"], "a link for each person")

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

    def contrast(where):
        check.eq(contrast_failures(driver), [], where + ": WCAG AA contrast")

    hosts = {"lead": "127.0.0.1", "fac": "localhost", "team-a": "team-a.localhost",
             "team-b": "team-b.localhost"}
    roles = {"lead": "leadership", "fac": "facilitator", "team-a": "team", "team-b": "team"}
    tabs = {}

    def join(node):
        """Opens the person's link (on a host of their own) and joins."""
        if tabs:
            driver.switch_to.new_window("tab")
        link = re.sub(r"//[^/]+/", "//%s:%d/" % (hosts[node], port), links[node])
        driver.get(link)
        driver.find_element(By.ID, "join").click()
        wait("%s joins: its page" % node,
             lambda: "%s (%s)" % (node, roles[node]) in text("#title"))
        tabs[node] = driver.current_window_handle

    def write_draft(node, draft, objective, kr, aligned=None):
        """Step 1 and 2: "Write a new draft", filled and created."""
        driver.switch_to.window(tabs[node])
        driver.get("http://%s:%d/me" % (hosts[node], port))
        driver.find_element(By.LINK_TEXT, "Write a new draft").click()
        wait(node + ": the editor", lambda: driver.find_elements(By.CSS_SELECTOR,
                                                                 "form.draft-edit"))
        f = driver.find_element(By.CSS_SELECTOR, "form.draft-edit")
        f.find_element(By.NAME, "cycle").send_keys("2027-Q1")
        f.find_element(By.NAME, "objective").send_keys(objective)
        if aligned:
            f.find_element(By.NAME, "aligned-draft").send_keys(aligned[0])
            f.find_element(By.NAME, "aligned-kr").send_keys(aligned[1])
        for name, value in zip(("kr-text", "kr-baseline", "kr-target", "kr-unit"), kr):
            f.find_element(By.NAME, name).send_keys(value)
        f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait("%s creates %s" % (node, draft),
             lambda: "Saved: %s revision 1." % draft in text("form.draft-edit .outcome"))
        check("coach" in text("form.draft-edit .outcome"), node + ": the coach's findings show")

    # 1, 2: the drafts.
    for node in ("lead", "fac", "team-a", "team-b"):
        join(node)
    write_draft("lead", "d1", "Make onboarding so good that new customers succeed",
                ("Activation rate of new accounts", "40", "60", "%"))
    contrast("the draft editor")
    write_draft("team-a", "d2", "Get every new account through signup on its first day",
                ("New accounts that finish signup in one session", "55", "80", "%"), ("d1", "kr1"))
    write_draft("team-b", "d3", "Make inviting a teammate the first step",
                ("New accounts that invite a teammate in week one", "18", "35", "%"), ("d1", "kr1"))
    check.eq(cli("lead", "draft", "show", "d3")["revision"]["content"]["aligned_to"],
             {"draft": "d1", "kr": "kr1"}, "d3 aligns to d1's kr1")

    # 3: the event, its board, the share phase.
    driver.switch_to.window(tabs["fac"])
    driver.get("http://localhost:%d/me" % port)
    wait("fac: New event", lambda: js("return !!document.querySelector('#event-new form')"))
    driver.find_element(By.ID, "ev-name").send_keys("Q1 marketplace")
    driver.find_element(By.ID, "ev-cycle").send_keys("2027-Q1")
    driver.find_element(By.ID, "ev-teams").send_keys("team-a, team-b")
    driver.find_element(By.CSS_SELECTOR, "#event-new button").click()
    wait("fac creates e1", lambda: "Created e1." in text("#event-new .outcome"))
    driver.find_element(By.ID, "ev-board").click()
    wait("the board of e1", lambda: text(".timeline li.current").lower() == "planned")
    contrast("the board")

    def advance(to):
        js("document.activeElement.blur()")
        driver.switch_to.active_element.send_keys("a")
        wait("a: the confirmation", lambda: js("return document.getElementById('confirm').open"))
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        wait("Enter: the board is in " + to, lambda: text(".timeline li.current").lower() == to)

    advance("share")
    check.eq(text("#countdown").count(":"), 1, "its countdown runs")

    # 4: the teams share from "Show what I owe in it".
    for node, draft in (("team-a", "d2"), ("team-b", "d3")):
        driver.switch_to.window(tabs[node])
        driver.get("http://%s:%d/me" % (hosts[node], port))
        driver.find_element(By.ID, "event").send_keys("e1")
        driver.find_element(By.XPATH, "//button[text()='Show what I owe in it']").click()
        wait(node + ": its draft offered to share", lambda: js(
            "const s = document.querySelector('#market form.share select');"
            "return s && s.value === arguments[0] && !s.closest('form').hidden", draft))
        driver.find_element(By.CSS_SELECTOR, "#market form.share button").click()
        wait("%s shares %s" % (node, draft),
             lambda: "Shared %s into e1" % draft in text("#market form.share .outcome"))
    driver.switch_to.window(tabs["fac"])
    wait("the board shows who has shared",
         lambda: len(driver.find_elements(By.CSS_SELECTOR, '.teams li[data-shared="yes"]')) == 2)

    # 5: negotiate; team-a asks team-b.
    advance("negotiate")
    driver.switch_to.window(tabs["team-a"])
    wait("team-a: the ask form", lambda: js(
        "const f = document.querySelector('#market form.ask-new');"
        "return f && !f.hidden && [...f.querySelectorAll('select[name=to] option')]"
        ".some((o) => o.value === 'team-b')"))
    f = driver.find_element(By.CSS_SELECTOR, "#market form.ask-new")
    Select(f.find_element(By.NAME, "to")).select_by_value("team-b")
    Select(f.find_element(By.NAME, "kr")).select_by_value("kr1")
    f.find_element(By.NAME, "need").send_keys("An invite step in the signup flow")
    f.find_element(By.CSS_SELECTOR, "button").click()
    wait("team-a asks: a1", lambda: "Asked: a1" in text("#market form.ask-new .outcome"))
    driver.switch_to.window(tabs["fac"])
    wait("the board: a1 open", lambda: js(
        "return !!document.querySelector('.column[data-state=\"open\"] .card[data-ask=\"a1\"]')"))

    # 6: team-b accepts, with a new key result.
    driver.switch_to.window(tabs["team-b"])
    card = '.answer[data-ask="a1"]'
    wait("team-b's page: a1 to answer", lambda: js(
        "return !!document.querySelector(arguments[0])", card + " form.ask-accept"))
    contrast("a team's page in the event")
    f = driver.find_element(By.CSS_SELECTOR, card + " form.ask-accept")
    Select(f.find_element(By.NAME, "reflect")).select_by_value("new_kr")
    f.find_element(By.NAME, "kr").send_keys("Invite step live in signup")
    f.find_element(By.NAME, "target").send_keys("1")
    f.find_element(By.CSS_SELECTOR, "button").click()
    driver.switch_to.window(tabs["fac"])
    wait("the board: a1 accepted", lambda: js(
        "return !!document.querySelector('.column[data-state=\"accepted\"] .card[data-ask=\"a1\"]')"))
    krs = [k["text"] for k in cli("lead", "draft", "show", "d3")["revision"]["content"]["key_results"]]
    check("Invite step live in signup" in krs, "d3 has the new key result", krs)

    # 7: nudge, extend, advance to the end; the report and the graph.
    js("document.activeElement.blur()")
    driver.switch_to.active_element.send_keys("n")
    wait("n: the nudge's confirmation", lambda: js("return document.getElementById('confirm').open"))
    Select(driver.find_element(By.ID, "confirm-node")).select_by_value("team-a")
    driver.find_element(By.ID, "confirm-text").send_keys("Five minutes left to ask")
    driver.find_element(By.ID, "confirm-text").send_keys(Keys.ENTER)
    wait("the nudge went", lambda: [n.get("node") for n in cli("fac", "event", "show", "e1")
                                    ["event"].get("nudges", [])] == ["team-a"])
    ends = cli("fac", "event", "show", "e1")["event"]["ends"]
    js("document.activeElement.blur()")
    driver.switch_to.active_element.send_keys("e")
    wait("e: the extension's confirmation", lambda: js("return document.getElementById('confirm').open"))
    minutes = driver.find_element(By.ID, "confirm-minutes")
    minutes.clear()
    minutes.send_keys("5")
    minutes.send_keys(Keys.ENTER)
    wait("extended by 5 minutes", lambda: cli("fac", "event", "show", "e1")["event"]["ends"]
         == ends + 5 * 60000)
    advance("commit")
    advance("closed")
    report = cli("fac", "report", "e1", "--format", "json")
    check.eq([a["id"] for a in report["agreed"]], ["a1"], "the CLI's report: a1 agreed")
    driver.get("http://localhost:%d/report?event=e1" % port)
    wait("the report page: a1 agreed", lambda: "a1" in text("#view")
         and "An invite step in the signup flow" in text("#view"))
    contrast("the report page")
    driver.get("http://localhost:%d/graph?cycle=2027-Q1" % port)
    wait("the graph page: the SVG drawn", lambda: js(
        "const i = document.querySelector('#view img');"
        "return !!i && i.complete && i.naturalWidth > 0"))
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        check(driver.save_screenshot(os.path.join(SHOTS, "readme-graph-1920x1080.png")),
              "screenshot of the graph")


def run():
    try:
        main()
    finally:
        stop(procs)


finish(run, check, TMP)
