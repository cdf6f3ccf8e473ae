"""web_act - acting from the browser through catchball-web (issue 15)

The real catchballd, catchball-web and catchball CLI, with headless
Chromium driven by Selenium. First the state-changing path itself, over
plain HTTP: POST /api/act must carry the session's cookie, the gateway's
own Origin, the session's CSRF token (X-CSRF-Token) and a JSON body; a
cross-site POST, one without an Origin, a missing or wrong token, a form
body, a body too large, a type the gateway does not relay, a replayed
join token and a revoked session (by node, or by the ID `catchball-web
sessions` lists) are each refused, and the broker's
store shows that none of them stored anything. The broker's own refusal
comes back as it gave it (code, name, message).

Then in the browser: a leadership node and a team member, each joined by
link (two origins, 127.0.0.1 and localhost, so that one Chromium holds
both sessions). The team member's page lists the round thrown to it; bad
input (no feedback at all, a confidence of 9, "cannot align" without a
reason, a decline without a reason) is refused with a clear message in
the page and stores nothing; then feedback per key result, hostile text
included, goes through; `catchball round show` sees it, and the leader's
open page shows it without a reload, as text. An ask made to the team
member in an event is countered from the page, and a second one accepted
with a raised target; the CLI sees both. A second round is answered with a
counter-proposal: the thrown content edited in a form (an empty objective
refused first), the coach's findings on it shown from the reply, and the
proposal stored with the edits and with what the form did not show. Then
leadership from its page: the proposal adopted, a round thrown (to nobody
first: refused), the member's endorsement from its page seen live, the
confidence vote opened, the member's vote cast from its page, the draft
finalised; the CLI sees each step. The forms work by keyboard, with
a visible focus. Screenshots of the page at 1920x1080 and 390x844 are
kept (CB_WEB_SHOTS), with no sideways overflow at either size.

Waiting is polling with a bound (WebDriverWait, a readline with a
deadline), never a sleep. Exits 77 (skipped) only when Chromium cannot
start at all.

Usage: web_act.py CATCHBALLD CATCHBALL CATCHBALL_WEB EXAMPLES_DIR
"""
import hashlib
import http.client
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
TMP = tempfile.mkdtemp(prefix="catchball-web-act.")
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


def request(port, method, path, body=None, headers=None):
    """One request, no redirects followed: (status, headers, body as text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    return resp.status, resp, text


def join(port, token):
    """POST /join with the gateway's Origin: the session's cookie, or ''."""
    status, resp, _ = request(port, "POST", "/join", "token=" + token,
                           {"Content-Type": "application/x-www-form-urlencoded",
                            "Origin": "http://127.0.0.1:%d" % port})
    m = re.search(r"cb_session=([0-9a-f]{64})", resp.getheader("Set-Cookie") or "")
    return m.group(1) if status == 303 and m else ""


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

    def shots(name):
        """Screenshots at both sizes, the whole page; no sideways overflow;
        its text at WCAG AA contrast."""
        check.eq(contrast_failures(driver), [], "%s: WCAG AA contrast" % name)
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

    def responses(round_id):
        return cli("lead", "round", "show", round_id).get("responses", [])

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
    check.eq(cli("lead", "throw", "d1", "--to", "team-a,team-b", "--question",
                 "Does kr1 work for you?")["round"], "r1", "lead throws r1 to team-a, team-b")

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
    base = "http://127.0.0.1:%d" % port
    origin = base

    def invite(node, role, url=base):
        out = subprocess.run([WEB, "invite", node, "--role", role, "--dir", gw_dir,
                              "--url", url], capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    def sessions():
        return subprocess.run([WEB, "sessions", "--dir", gw_dir], capture_output=True,
                              text=True, timeout=10).stdout

    # ------------------------------------------------------------------
    # The state-changing path, over plain HTTP.
    token_a = invite("team-a", "team").rsplit("=", 1)[1]
    cookie_a = join(port, token_a)
    check(cookie_a, "team-a joins over HTTP")
    status, resp, body = request(port, "GET", "/api/session", headers={"Cookie": "cb_session=" + cookie_a})
    me = json.loads(body) if status == 200 else {}
    check(me.get("node") == "team-a" and me.get("role") == "team"
          and re.fullmatch(r"[0-9a-f]{64}", me.get("csrf", "")),
          "GET /api/session: the node, its role, a CSRF token", body)
    check(resp.getheader("Access-Control-Allow-Origin") is None, "no CORS: only this origin reads it")
    csrf_a = me.get("csrf", "")
    check.eq(request(port, "GET", "/api/session")[0], 403, "no session, no token")

    good = json.dumps({"type": "round.endorse", "body": {"round": "r1", "confidence": 4}})

    def act(body=good, cookie=None, csrf=None, origin_=None, kind="application/json"):
        h = {}
        if cookie is not False:
            h["Cookie"] = "cb_session=" + (cookie or cookie_a)
        if csrf is not False:
            h["X-CSRF-Token"] = csrf if csrf is not None else csrf_a
        if origin_ is not False:
            h["Origin"] = origin_ or origin
        if kind:
            h["Content-Type"] = kind
        status, _, text = request(port, "POST", "/api/act", body, h)
        try:
            return status, json.loads(text).get("error", {}).get("name", "ok")
        except ValueError:
            return status, text

    check.eq(act(origin_="http://evil.example"), (403, "CROSS_SITE"), "a cross-site POST refused")
    check.eq(act(origin_=False), (403, "CROSS_SITE"), "a POST without an Origin refused")
    check.eq(act(csrf=False), (403, "BAD_CSRF"), "a POST without the CSRF token refused")
    check.eq(act(csrf=csrf_a[:-1] + ("0" if csrf_a[-1] != "0" else "1")), (403, "BAD_CSRF"),
             "a POST with a wrong CSRF token refused")
    check.eq(act(cookie=False), (403, "NO_SESSION"), "a POST without a session refused")
    check.eq(act(body="type=round.endorse&round=r1&confidence=4",
                 kind="application/x-www-form-urlencoded"), (415, "BAD_REQUEST"),
             "a form body refused (a cross-site form can send only those)")
    check.eq(act(body=json.dumps({"type": "round.endorse",
                                  "body": {"round": "r1", "confidence": 4,
                                           "text": "x" * 70000}})), (413, "TOO_LARGE"),
             "a body over 64 KiB refused")
    check.eq(act(body="{not json"), (400, "BAD_REQUEST"), "a body that is not JSON refused")
    check.eq(act(body=json.dumps({"type": "cycle.close", "body": {}})), (400, "BAD_REQUEST"),
             "a type the gateway does not relay refused")
    deep = {"x": 1}
    for _ in range(100):
        deep = {"a": deep}
    check.eq(act(body=json.dumps({"type": "round.feedback",
                                  "body": {"round": "r1", "kind": "concern", "text": deep}})),
             (400, "BAD_REQUEST"), "a body nested 100 deep refused by the gateway itself")
    check.eq(request(port, "GET", "/api/act", headers={"Cookie": "cb_session=" + cookie_a})[0], 405,
             "acting by GET refused")
    check.eq(act(body=json.dumps({"type": "round.endorse",
                                  "body": {"round": "r1", "confidence": 9}})), (400, "BAD_FIELD"),
             "a confidence of 9: the broker's own refusal, as it gave it")
    check.eq(act(body=json.dumps({"type": "round.throw",
                                  "body": {"draft": "d3", "to": ["lead"]}})), (403, "NOT_OWNER"),
             "the gateway acts as the session's node: team-a cannot throw team-b's draft")
    check.eq(responses("r1"), [], "none of those stored anything")

    # A replayed join token opens nothing; a revoked session acts no more.
    before = sessions()
    check.eq(join(port, token_a), "", "a replayed join token refused")
    check.eq(sessions(), before, "the replay made no session")
    token_b = invite("team-b", "team").rsplit("=", 1)[1]
    cookie_b = join(port, token_b)
    csrf_b = json.loads(request(port, "GET", "/api/session",
                             headers={"Cookie": "cb_session=" + cookie_b})[2]).get("csrf", "")
    check.eq(act(cookie=cookie_b, csrf=csrf_a), (403, "BAD_CSRF"),
             "another session's CSRF token refused")
    out = subprocess.run([WEB, "revoke", "team-b", "--dir", gw_dir], capture_output=True,
                         text=True, timeout=10).stdout
    check.eq(out.strip(), "revoked 1 session of team-b", "team-b's session revoked")
    check.eq(act(cookie=cookie_b, csrf=csrf_b), (403, "NO_SESSION"),
             "the revoked session's POST refused")
    # One session revoked by the ID `sessions` lists: that one ends, the
    # node's other session goes on.
    cookie_a2 = join(port, invite("team-a", "team").rsplit("=", 1)[1])
    csrf_a2 = json.loads(request(port, "GET", "/api/session",
                                 headers={"Cookie": "cb_session=" + cookie_a2})[2]).get("csrf", "")
    check(csrf_a2 and csrf_a2 != csrf_a, "a second session of team-a, with a token of its own")
    sid = hashlib.sha1(cookie_a2.encode()).hexdigest()[:8].upper()
    check(re.search(r"^team-a +team .*\(%s\)$" % sid, sessions(), re.M),
          "sessions lists it with its ID", sessions())
    out = subprocess.run([WEB, "revoke", "--session", sid, "--dir", gw_dir],
                         capture_output=True, text=True, timeout=10)
    check.eq((out.returncode, out.stdout.strip()), (0, "revoked 1 session " + sid),
             "revoke --session ID")
    check.eq(act(cookie=cookie_a2, csrf=csrf_a2), (403, "NO_SESSION"),
             "the session revoked by its ID refused")
    check.eq(request(port, "GET", "/api/session", headers={"Cookie": "cb_session=" + cookie_a})[0],
             200, "team-a's other session goes on")
    out = subprocess.run([WEB, "revoke", "--session", "../x", "--dir", gw_dir],
                         capture_output=True, text=True, timeout=10)
    check.eq(out.returncode, 2, "revoke --session with no ID refused")
    check.eq(responses("r1"), [], "still nothing stored")

    # ------------------------------------------------------------------
    # In the browser: lead on localhost, team-a on 127.0.0.1.
    lead_link = invite("lead", "leadership", "http://localhost:%d" % port)
    driver.get(lead_link)
    driver.find_element(By.ID, "join").click()
    wait("lead's page", lambda: "lead (leadership)" in text("#title"))
    lead_tab = driver.current_window_handle
    driver.execute_script("window.cbNoReload = 'still here';")

    driver.switch_to.new_window("tab")
    driver.get(invite("team-a", "team"))
    driver.find_element(By.ID, "join").click()
    wait("team-a's page", lambda: "team-a (team)" in text("#title"))
    card = '.answer[data-round="r1"]'
    wait("r1 is to do, open, with lead's question",
         lambda: driver.execute_script(
             "const c = document.querySelector(arguments[0]);"
             "return c && c.dataset.state === 'open'", card)
         and "Does kr1 work for you?" in text(card))
    check("kr1: Activation rate of new accounts" in text(card), "the card lists the key results",
          text(card))

    def page_todo():
        return driver.execute_script(
            "return [...document.querySelectorAll('#todo-all li[data-what]')]"
            ".map((li) => [li.dataset.what, li.dataset.id]);")

    def cli_todo(node):
        return [[t["what"], t["id"]] for t in cli(node, "todo")["todo"]]

    wait("the page's todo is `catchball todo`'s", lambda: page_todo() == cli_todo("team-a")
         and ["round", "r1"] in page_todo())
    check("answer round r1: lead threw d1 to you" in text("#todo-all"),
          "in the command line's words", text("#todo-all"))

    def outcome(form):
        return text(card + " form." + form + " .outcome")

    # Bad input: a clear message in the page, nothing stored.
    driver.find_element(By.CSS_SELECTOR, card + " form.feedback button").click()
    wait("no feedback at all: said in the page",
         lambda: "Write feedback on at least one key result" in outcome("feedback"))
    # The endorsement by keyboard alone: type 9, Tab to the button (its
    # focus visible), Enter.
    box = driver.find_element(By.CSS_SELECTOR, card + " form.endorse input[name=confidence]")
    box.send_keys("9")
    note = driver.find_element(By.CSS_SELECTOR, card + " form.endorse textarea")
    note.click()
    note.send_keys(Keys.TAB)
    check.eq(driver.execute_script("return document.activeElement.textContent"), "Endorse",
             "Tab reaches the Endorse button")
    check.eq(driver.execute_script(
        "return getComputedStyle(document.activeElement).outlineStyle"), "solid",
        "the focused button shows its focus")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait("a confidence of 9: the broker's refusal shown",
         lambda: "BAD_FIELD" in outcome("endorse") and "confidence" in outcome("endorse"))
    driver.find_element(By.CSS_SELECTOR, card + " form.cannot button").click()
    wait("cannot align without a reason: refused, shown", lambda: "BAD_FIELD" in outcome("cannot"))
    check.eq(responses("r1"), [], "bad input stored nothing")
    shots("me-round")

    # Feedback per key result, hostile text in it.
    driver.find_element(By.CSS_SELECTOR, card + " textarea[name=kr1]").send_keys(HOSTILE)
    driver.execute_script(
        "document.querySelector(arguments[0]).value = 'concern';",
        card + " select[name=kr1-kind]")
    driver.find_element(By.CSS_SELECTOR, card + " textarea[name=kr3]").send_keys("Tickets: fine")
    driver.find_element(By.CSS_SELECTOR, card + " form.feedback button").click()
    wait("feedback sent", lambda: "Sent: feedback on kr1, kr3" in outcome("feedback"))
    wait("r1 answered", lambda: driver.execute_script(
        "return document.querySelector(arguments[0]).dataset.state", card) == "answered")
    got = [(r.get("author"), r.get("on"), r.get("kind"), r.get("text"), r.get("final"))
           for r in responses("r1")]
    check.eq(got, [("team-a", "kr1", "concern", HOSTILE, False),
                   ("team-a", "kr3", "suggestion", "Tickets: fine", True)],
             "catchball round show sees team-a's answer")

    # The leader's page, open all along: the answer, live, as text.
    driver.switch_to.window(lead_tab)
    wait("lead's inbox shows team-a's concern without a reload",
         lambda: HOSTILE in text("#inbox") and "concern on kr1" in text("#inbox"))
    check.eq(driver.execute_script("return window.cbNoReload"), "still here", "no reload")
    check.eq(driver.execute_script("return window.cbPwned === undefined"), True,
             "hostile text ran nothing on lead's page")
    check.eq(len(driver.find_elements(By.CSS_SELECTOR, "#inbox img, #inbox script, #inbox a")),
             0, "hostile text injected no element on lead's page")

    # Asks, in an event: team-b asks team-a twice; team-a counters one
    # and accepts the other from its page.
    cli("fac", "event", "new", "Market", "--cycle", "2027-Q1",
        "--participants", "lead,team-a,team-b")
    cli("fac", "event", "advance", "e1")
    for node, draft in (("lead", "d1"), ("team-a", "d2"), ("team-b", "d3")):
        cli(node, "event", "share", "e1", draft)
    cli("fac", "event", "advance", "e1")
    cli("team-b", "ask", "new", "e1", "--to", "team-a", "--kr", "kr1", "--need", HOSTILE)
    cli("team-b", "ask", "new", "e1", "--to", "team-a", "--kr", "kr2", "--need", "two days less")
    driver.switch_to.window(driver.window_handles[-1])
    a1, a2 = '.answer[data-ask="a1"]', '.answer[data-ask="a2"]'
    wait("the asks are to do on team-a's page",
         lambda: HOSTILE in text(a1) and "two days less" in text(a2))
    wait("the page's todo is `catchball todo`'s, asks included",
         lambda: page_todo() == cli_todo("team-a") and ["ask", "a1"] in page_todo())
    check.eq(driver.execute_script("return window.cbPwned === undefined"), True,
             "hostile text ran nothing on team-a's page")
    check.eq(len(driver.find_elements(By.CSS_SELECTOR, "#todo img, #todo script, #todo a")), 0,
             "hostile text injected no element on team-a's page")
    shots("me-asks")
    driver.find_element(By.CSS_SELECTOR, a1 + " form.ask-decline button").click()
    wait("a decline without a reason: refused, shown",
         lambda: "BAD_FIELD" in text(a1 + " form.ask-decline .outcome"))
    form = a1 + " form.ask-counter "
    driver.find_element(By.CSS_SELECTOR, form + "textarea").send_keys("half of it, by week 6")
    driver.find_element(By.CSS_SELECTOR, form + "input[name=kr]").send_keys("kr1")
    driver.find_element(By.CSS_SELECTOR, form + "input[name=target]").send_keys("70")
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("a1 countered from the page", lambda: "now countered" in text(form + ".outcome"))
    form = a2 + " form.ask-accept "
    driver.find_element(By.CSS_SELECTOR, form + "input[name=kr]").send_keys("kr2")
    driver.find_element(By.CSS_SELECTOR, form + "input[name=target]").send_keys("2")
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("a2 accepted from the page", lambda: "now accepted" in text(form + ".outcome"))
    states = {a["id"]: a["state"] for a in cli("fac", "ask", "list", "--event", "e1")["asks"]}
    check.eq(states, {"a1": "countered", "a2": "accepted"}, "the CLI sees both answers")
    head = cli("fac", "draft", "show", "d2")["revision"]["content"]["key_results"]
    check.eq([kr.get("target") for kr in head if kr.get("id") == "kr2"], [2],
             "the accepted reflect raised team-a's kr2 target to 2")

    # A counter-proposal from the page: the thrown content edited; an
    # empty objective refused; the coach's findings on what was sent
    # shown with the reply.
    cli("team-b", "endorse", "r1", "--confidence", "3")
    check.eq(cli("lead", "throw", "d1", "--to", "team-a", "--question", "And now?")["round"],
             "r2", "lead throws r2 to team-a")
    card = '.answer[data-round="r2"]'
    wait("r2 is to do", lambda: driver.execute_script(
        "const c = document.querySelector(arguments[0]);"
        "return c && c.dataset.state === 'open'", card))
    form = card + " form.counter "
    check.eq(driver.execute_script("return document.querySelector(arguments[0]).value",
                                   form + "input[name=kr2-text]"),
             "Median days to first value", "the form starts from the content thrown")
    objective = driver.find_element(By.CSS_SELECTOR, form + "textarea[name=objective]")
    objective.clear()
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("an empty objective: refused, shown", lambda: "BAD_FIELD" in text(form + ".outcome"))
    check.eq(responses("r2"), [], "the refused counter-proposal stored nothing")
    objective.send_keys("New customers succeed in their first week " + HOSTILE)
    kr2 = driver.find_element(By.CSS_SELECTOR, form + "input[name=kr2-text]")
    kr2.clear()
    kr2.send_keys("Launch the new onboarding wizard")
    driver.find_element(By.CSS_SELECTOR, form + "textarea[name=message]").send_keys("faster")
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("the counter-proposal sent, the coach's findings with it",
         lambda: "Sent: counter-proposal p1" in text(form + ".outcome")
         and "TASK_VERB (kr2)" in text(form + ".outcome"))
    check("TASK_VERB (kr2)" in text(card + " .result"),
          "the findings stay on the card once the round is answered", text(card + " .result"))
    shots("me-counter")
    got = [(r.get("type"), r.get("author"), r.get("message")) for r in responses("r2")]
    check.eq(got, [("counter", "team-a", "faster")], "catchball round show sees the counter")
    proposal = cli("lead", "draft", "show", "d1", "--rev", "2")["revision"]["content"]
    check.eq((proposal["objective"], [kr["text"] for kr in proposal["key_results"]][1],
              proposal["key_results"][0].get("baseline")),
             ("New customers succeed in their first week " + HOSTILE,
              "Launch the new onboarding wizard", 40),
             "the proposal holds the edits, and what the form did not show")
    check.eq(len(driver.find_elements(By.CSS_SELECTOR, "#todo img, #todo script, #todo a")), 0,
             "hostile text in the counter-proposal injected nothing")

    # "We cannot align", said at once from team-a's own draft (aligned to
    # d1): refused without a reason, then raised; the leader's page shows
    # it live.
    mine_a = '.answer[data-draft="d2"]'
    form = mine_a + " form.raise "
    wait("team-a's d2 offers to raise against d1 kr1",
         lambda: "We cannot align with d1 kr1" in text(form))
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("a raise without a reason: refused, shown", lambda: "BAD_FIELD" in text(form + ".outcome"))
    driver.find_element(By.CSS_SELECTOR, form + "textarea").send_keys("Security first " + HOSTILE)
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("raised from the page", lambda: "to lead, the owner of d1" in text(form + ".outcome"))
    raised = cli("lead", "draft", "show", "d1")["draft"].get("raised", [])
    check.eq(len(raised), 1, "the CLI sees one raise on d1")

    # Leadership in the browser: adopt p1, throw r3 (to nobody first:
    # refused), team-a endorses it, lead opens the vote, team-a votes,
    # lead finalises.
    team_tab = driver.current_window_handle
    driver.switch_to.window(lead_tab)
    mine = '.answer[data-draft="d1"]'
    wait("lead's page lists d1, p1 to adopt", lambda: "Adopt p1" in text(mine))
    wait("lead's page shows the raise, live, as text",
         lambda: "draft.raised" in text("#inbox") and ("Security first " + HOSTILE) in text("#inbox"))
    check.eq(len(driver.find_elements(By.CSS_SELECTOR, "#inbox img, #inbox script, #inbox a")),
             0, "hostile text in the raise injected nothing")
    driver.find_element(By.CSS_SELECTOR, mine + ' [data-proposal="p1"] button').click()
    wait("p1 adopted from the page",
         lambda: "adopted as revision 3" in text(mine + ' [data-proposal="p1"] .outcome'))
    head = cli("lead", "draft", "show", "d1")["revision"]
    check.eq((head.get("rev"), head.get("proposal")), (3, "p1"),
             "the CLI sees d1's revision 3, from p1")
    form = mine + " form.throw "
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("a round thrown to nobody: refused, shown", lambda: "BAD_FIELD" in text(form + ".outcome"))
    check.eq(cli("lead", "draft", "show", "d1")["draft"]["state"], "drafting", "nothing thrown")
    driver.find_element(By.CSS_SELECTOR, form + "input[name=to]").send_keys("team-a")
    driver.find_element(By.CSS_SELECTOR, form + "textarea[name=question]").send_keys(
        "Last look? " + HOSTILE)
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("r3 thrown from the page", lambda: "round r3 thrown" in text(form + ".outcome"))
    shots("me-lead")

    driver.switch_to.window(team_tab)
    card = '.answer[data-round="r3"]'
    wait("r3 on team-a's page, live, its question as text",
         lambda: ("Last look? " + HOSTILE) in text(card))
    check.eq(len(driver.find_elements(By.CSS_SELECTOR, "#todo img, #todo script, #todo a")), 0,
             "hostile text in the question injected nothing")
    driver.find_element(By.CSS_SELECTOR, card + " form.endorse input[name=confidence]").send_keys("4")
    driver.find_element(By.CSS_SELECTOR, card + " form.endorse button").click()
    wait("team-a endorses r3", lambda: "endorsed with confidence 4" in text(card + " .result"))
    check.eq([(r.get("type"), r.get("confidence")) for r in responses("r3")], [("endorse", 4)],
             "catchball round show sees the endorsement")

    driver.switch_to.window(lead_tab)
    wait("lead's page shows the endorsement, live",
         lambda: "endorsement, confidence 4" in text("#inbox"))
    form = mine + " form.vote-open "
    wait("the vote can be opened once r3 is closed", lambda: driver.execute_script(
        "return !document.querySelector(arguments[0]).hidden", form.strip()))
    driver.find_element(By.CSS_SELECTOR, form + "input[name=voters]").send_keys("team-a")
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("vote v1 opened from the page", lambda: "vote v1 is open" in text(form + ".outcome"))

    driver.switch_to.window(team_tab)
    card = '.answer[data-vote="v1"]'
    wait("v1 to cast on team-a's page", lambda: driver.execute_script(
        "const c = document.querySelector(arguments[0]);"
        "return c && c.dataset.state === 'open'", card))
    driver.find_element(By.CSS_SELECTOR, card + " input[name=confidence]").send_keys("4")
    driver.find_element(By.CSS_SELECTOR, card + " button").click()
    wait("team-a votes", lambda: "your vote is counted" in text(card + " .result"))
    wait("the vote revealed, passed", lambda: "passed" in text(card + " .state"))

    driver.switch_to.window(lead_tab)
    wait("lead's todo: finalise d1, as `catchball todo` says",
         lambda: page_todo() == cli_todo("lead") and ["finalize", "d1"] in page_todo())
    form = mine + " form.finalize "
    driver.find_element(By.CSS_SELECTOR, form + "button").click()
    wait("d1 finalised from the page", lambda: "d1 is final at revision 3" in text(form + ".outcome")
         or "d1 is final at revision 3" in text(mine + " .result"))
    check.eq(cli("lead", "draft", "show", "d1")["draft"]["state"], "final",
             "the CLI sees d1 final")
    check.eq(driver.execute_script("return window.cbNoReload"), "still here",
             "the leader did all of it without a reload")
    driver.switch_to.window(team_tab)

    shots("me-done")

    web.terminate()
    check.eq(web.wait(timeout=WAIT), 0, "the gateway exits 0 on SIGTERM")


def run():
    try:
        main()
    finally:
        stop(procs)


finish(run, check, TMP)
