"""web_draft - writing and revising a draft in the browser (issue 15)

The real catchballd, catchball-web and catchball CLI, with headless
Chromium driven by Selenium. Leadership joins by link, follows "Write a
new draft" from its page, and writes one in the form: an empty objective
is refused with the broker's own words and stores nothing; then the draft
goes through with two key results (one added with the button), hostile
text in its objective, and the coach's findings shown from the reply. The
CLI sees the draft as written, the page shows the objective as text and
runs none of it. A team answers a round on it with the CLI; leadership
follows "Revise d1" from its page, sees the answers it may address as
boxes, changes a target, removes a key result and adds one, ticks the
feedback and saves: the CLI's history shows revision 2 addressing it, the
kept key result's id kept and the new one given a new id. The team's
own browser, on the same page, is refused (NOT_OWNER) and stores
nothing. The forms work by keyboard; screenshots at 1920x1080 and 390x844
(CB_WEB_SHOTS), with no sideways overflow.

Waiting is polling with a bound, never a sleep. Exits 77 (skipped) only
when Chromium cannot start at all.

Usage: web_draft.py CATCHBALLD CATCHBALL CATCHBALL_WEB
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

CATCHBALLD, CATCHBALL, WEB = sys.argv[1:4]
SHOTS = os.environ.get("CB_WEB_SHOTS", "")
TMP = tempfile.mkdtemp(prefix="catchball-web-draft.")
check = Checks()
procs = []
WAIT = 15
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
    except ValueError:
        return {}


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

    def text(css):
        return driver.execute_script(
            "const e = document.querySelector(arguments[0]);"
            "return e ? e.innerText : '';", css)

    def fill(element, value):
        element.clear()
        element.send_keys(value)

    def shots(name):
        for w, h in ((1920, 1080), (390, 844)):
            driver.set_window_size(w, h)
            wait("%s: no horizontal overflow at %dx%d" % (name, w, h),
                 lambda: driver.execute_script(
                     "return document.documentElement.scrollWidth <= window.innerWidth"))
            if SHOTS:
                os.makedirs(SHOTS, exist_ok=True)
                path = os.path.join(SHOTS, "%s-%dx%d.png" % (name, w, h))
                full = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(w, max(h, min(full + 140, 4000)))
                check(driver.save_screenshot(path), "screenshot " + path)
        driver.set_window_size(1920, 1080)

    def drafts():
        return [d["id"] for d in cli("lead", "draft", "list").get("drafts", [])]

    ENDPOINT = "tcp://127.0.0.1:%d" % free_port()
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", ENDPOINT, "--store",
                               os.path.join(TMP, "store")],
                              stdout=open(os.path.join(TMP, "catchballd.log"), "w"),
                              stderr=subprocess.STDOUT)
    procs.append(broker)
    subprocess.run([CATCHBALL, "--endpoint", ENDPOINT, "--node", "probe", "--role", "observer",
                    "--timeout", "10000", "ping"], check=True, capture_output=True)
    cli("lead", "hello", role="leadership")
    cli("team-a", "--parent", "lead", "hello", role="team")

    gw_dir = os.path.join(TMP, "gw")
    web = subprocess.Popen([WEB, "--port", "0", "--endpoint", ENDPOINT, "--dir", gw_dir],
                           stdout=subprocess.PIPE, stderr=open(os.path.join(TMP, "web.log"), "w"),
                           text=True)
    procs.append(web)
    m = re.search(r"serving http://127\.0\.0\.1:(\d+)", readline_within(web, WAIT))
    if not check(m, "catchball-web serves"):
        return
    port = int(m.group(1))

    def invite(node, role, host="127.0.0.1"):
        return subprocess.run([WEB, "invite", node, "--role", role, "--dir", gw_dir,
                               "--url", "http://%s:%d" % (host, port)],
                              capture_output=True, text=True, timeout=10,
                              cwd=TMP).stdout.strip()

    # Leadership joins, and follows its page's link to the editor.
    driver.get(invite("lead", "leadership"))
    driver.find_element(By.ID, "join").click()
    wait("lead's page", lambda: "lead (leadership)" in text("#title"))
    driver.find_element(By.LINK_TEXT, "Write a new draft").click()
    wait("the editor", lambda: driver.find_elements(By.CSS_SELECTOR, "form.draft-edit"))
    form = driver.find_element(By.CSS_SELECTOR, "form.draft-edit")
    check("owned by lead" in form.text, "the editor says who will own the draft", form.text)

    def krs():
        return driver.find_elements(By.CSS_SELECTOR, "form.draft-edit fieldset.kr-edit")

    check.eq(len(krs()), 1, "a new draft starts with one key result to fill")
    fill(form.find_element(By.NAME, "cycle"), "2027-Q1")
    first = krs()[0]
    fill(first.find_element(By.NAME, "kr-text"), "Activation rate of new accounts")
    fill(first.find_element(By.NAME, "kr-baseline"), "40")
    fill(first.find_element(By.NAME, "kr-target"), "60")
    fill(first.find_element(By.NAME, "kr-unit"), "%")
    fill(first.find_element(By.NAME, "kr-leads"), "ana, bo")
    # The second key result by keyboard alone: the button, then typing.
    add = form.find_element(By.CSS_SELECTOR, "button.add")
    add.send_keys(Keys.ENTER)
    wait("a key result added by keyboard", lambda: len(krs()) == 2)
    focused = driver.switch_to.active_element
    check.eq(focused.get_attribute("name"), "kr-text", "the new key result's text has the focus")
    check(driver.execute_script(
        "return getComputedStyle(document.activeElement, ':focus-visible').outlineStyle"
        " !== 'none'"), "the focus is visible")
    focused.send_keys("Median days to first value")
    second = krs()[1]
    fill(second.find_element(By.NAME, "kr-baseline"), "14")
    fill(second.find_element(By.NAME, "kr-target"), "3")
    fill(second.find_element(By.NAME, "kr-unit"), "days")

    # No objective: the broker's refusal, nothing stored.
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait("an empty objective refused in the page",
         lambda: "Refused: BAD_FIELD" in text("form.draft-edit .outcome"))
    check("objective" in text("form.draft-edit .outcome"),
          "the refusal names the objective", text("form.draft-edit .outcome"))
    check.eq(drafts(), [], "nothing stored")

    objective = "Make onboarding so good " + HOSTILE
    fill(form.find_element(By.NAME, "objective"), objective)
    fill(form.find_element(By.NAME, "narrative"), "Half of new accounts never reach first value.")
    fill(form.find_element(By.NAME, "message"), "first draft, from the page")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait("the draft is made", lambda: "Saved: d1 revision 1." in text("form.draft-edit .outcome"))
    check(driver.find_elements(By.CSS_SELECTOR, "form.draft-edit .outcome .findings li"),
          "the coach's findings on it are shown", text("form.draft-edit .outcome"))
    shown = cli("lead", "draft", "show", "d1")
    content = shown.get("revision", {}).get("content", {})
    check.eq(content.get("objective"), objective, "the CLI sees the objective as typed")
    check.eq([(k.get("id"), k.get("text"), k.get("baseline"), k.get("target"), k.get("unit"),
               k.get("leads")) for k in content.get("key_results", [])],
             [("kr1", "Activation rate of new accounts", 40, 60, "%", ["ana", "bo"]),
              ("kr2", "Median days to first value", 14, 3, "days", None)],
             "the CLI sees both key results as written")
    check.eq(shown.get("revision", {}).get("message"), "first draft, from the page",
             "and its message")
    check.eq(driver.execute_script("return window.cbPwned === undefined"), True,
             "no hostile text ran in the editor")
    check.eq(contrast_failures(driver), [], "the editor's text meets WCAG AA contrast")
    shots("draft-new")

    # Back on its page: the draft's card, its objective as text.
    driver.get("http://127.0.0.1:%d/me" % port)
    wait("the draft's card on lead's page",
         lambda: driver.find_elements(By.CSS_SELECTOR, 'li.mine[data-draft="d1"]'))
    card_text = text('li.mine[data-draft="d1"] .objective')
    check("<script>" in card_text and 'onerror="window.cbPwned=1"' in card_text,
          "the hostile objective shows as text", card_text)
    check.eq(driver.execute_script("return document.querySelectorAll('main img, main script')"
                                   ".length"), 0, "nothing injected into the page")
    check.eq(contrast_failures(driver), [], "lead's page meets WCAG AA contrast")

    # A team answers a round on it, with the CLI.
    cli("lead", "throw", "d1", "--to", "team-a", "--question", "Can you commit?")
    f1 = cli("team-a", "feedback", "r1", "--kind", "concern", "--on", "kr1",
             "60 % in a quarter is more than we can do").get("id")
    check.eq(f1, "f1", "team-a's concern on kr1")
    check.eq(cli("lead", "round", "show", "r1").get("round", {}).get("state"), "closed",
             "the round closed once team-a answered")

    # Revise from the page: the answers to address, a key result removed,
    # one added, a target changed.
    driver.find_element(By.LINK_TEXT, "Revise d1 (edit its content)").click()
    wait("the revision editor", lambda: "Revise d1 (revision 1)" in text("form.draft-edit h4"))
    wait("the answers it may address",
         lambda: driver.find_elements(By.CSS_SELECTOR, 'input[name=addresses][value="f1"]'))
    label = text("form.draft-edit fieldset.addresses")
    check("f1 by team-a" in label and "concern on kr1" in label,
          "f1 offered with who said what", label)
    form = driver.find_element(By.CSS_SELECTOR, "form.draft-edit")
    check.eq(form.find_element(By.NAME, "objective").get_attribute("value"), objective,
             "the editor holds the head's objective, as text")
    fill(krs()[0].find_element(By.NAME, "kr-target"), "55")
    krs()[1].find_element(By.CSS_SELECTOR, "button.remove").click()
    wait("a key result removed", lambda: len(krs()) == 1)
    form.find_element(By.CSS_SELECTOR, "button.add").click()
    wait("a key result added", lambda: len(krs()) == 2)
    new = krs()[1]
    fill(new.find_element(By.NAME, "kr-text"), "Support tickets per new account in week one")
    fill(new.find_element(By.NAME, "kr-baseline"), "2.4")
    fill(new.find_element(By.NAME, "kr-target"), "1")
    form.find_element(By.CSS_SELECTOR, 'input[name=addresses][value="f1"]').click()
    fill(form.find_element(By.NAME, "message"), "55 %, as team-a asked (f1); tickets, not days")
    shots("draft-revise")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait("the revision is saved", lambda: "Saved: d1 revision 2." in text("form.draft-edit .outcome"))
    history = cli("lead", "history", "d1")
    rev2 = [r for r in history.get("revisions", []) if r.get("rev") == 2]
    check(rev2 and rev2[0].get("addresses") == ["f1"], "revision 2 addresses f1", rev2)
    content = cli("lead", "draft", "show", "d1").get("revision", {}).get("content", {})
    check.eq([(k.get("id"), k.get("text"), k.get("target")) for k in content.get("key_results", [])],
             [("kr1", "Activation rate of new accounts", 55),
              ("kr3", "Support tickets per new account in week one", 1)],
             "kr1 kept with its new target, kr2 gone, the new one kr3 (ids never reused)")
    check.eq(content.get("objective"), objective, "the objective unchanged")

    # Not the owner: refused by the broker, shown, nothing stored.
    driver.switch_to.new_window("tab")
    driver.get(invite("team-a", "team", "localhost"))
    driver.find_element(By.ID, "join").click()
    wait("team-a's page", lambda: "team-a (team)" in text("#title"))
    driver.get("http://localhost:%d/draft?draft=d1" % port)
    wait("team-a reads d1 in the editor", lambda: "Revise d1" in text("form.draft-edit h4"))
    check("is lead's draft" in text("main"), "the page says whose draft it is", text("main"))
    form = driver.find_element(By.CSS_SELECTOR, "form.draft-edit")
    fill(form.find_element(By.NAME, "message"), "trying")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait("a revision by another node refused",
         lambda: "Refused: NOT_OWNER" in text("form.draft-edit .outcome"))
    check.eq(cli("lead", "draft", "show", "d1").get("draft", {}).get("head"), 2,
             "nothing stored: d1 still at revision 2")


def run():
    try:
        main()
    finally:
        stop(procs)


finish(run, check, TMP)
