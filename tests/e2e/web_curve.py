"""web_curve - catchball-web with CURVE: each person a real node, by its key

The real catchballd with CURVE on (its keys and the leadership's from
`catchball keygen`), catchball-web with --broker-key and --certs, the
catchball CLI, and headless Chromium driven by Selenium.

- `invite NODE --role ROLE --certs DIR` makes NODE's key pair in the
  gateway's DIR/keys/ (0700; the secret 0600) and puts NODE.cert, its
  public certificate, into the broker's certs/ (no temporary file left);
  a second invite keeps the same key; an invite for another role than the
  key's, or for a node whose certificate in certs/ is another key's, is
  refused and changes nothing; a node invited without keys cannot join.
  The serving gateway keeps its certs/ in DIR/certs: an invite without
  --certs then makes the key all the same.
- A team member joins by link in the browser and answers a round; the
  CLI, as leadership with its own key, sees the answer authored by that
  node. A second member joins over HTTP.
- team-a's certificate removed from certs/: its browser page shows the
  session has ended, its further POST /api/act is refused and stores
  nothing, `sessions` no longer lists it, and the broker refuses its key;
  team-b's session goes on and acts.
- `revoke team-b --certs DIR` ends its sessions and removes its
  certificate; a new invite puts team-a's back (the same key) and it
  joins again. A second certificate that gives team-a's key to another
  node (the broker then ignores both) ends team-a's session too, by the
  broker's KEY_UNKNOWN.
- The broker's own refusals are shown in the join's answer: a certificate
  the operator changed to another role (ROLE_MISMATCH), or to another
  node's name, so that the key is another node's (KEY_MISMATCH).
- team-e's certificate removed while the gateway is down: the restarted
  gateway refuses its session's next request and ends it.
- Without --broker-key and --certs together the gateway will not start.

Waiting is polling with a bound (WebDriverWait, a readline with a
deadline), never a sleep. Exits 77 (skipped) only when Chromium cannot
start at all.

Usage: web_curve.py CATCHBALLD CATCHBALL CATCHBALL_WEB EXAMPLES_DIR
"""
import http.client
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import readline_within, stop  # noqa: E402
from harness import Checks, finish, free_port  # noqa: E402

CATCHBALLD, CATCHBALL, WEB, EXAMPLES = sys.argv[1:5]
TMP = tempfile.mkdtemp(prefix="catchball-web-curve.")
check = Checks()
procs = []
WAIT = 15   # seconds any one thing may take to show


def start_browser():
    """Headless Chromium, or exit 77 when it cannot start at all."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as e:
        print("SKIP: python3-selenium is missing (%s): sh .ci/deps.sh installs it" % e)
        sys.exit(77)
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--disable-gpu", "--window-size=1280,900",
                "--user-data-dir=" + os.path.join(TMP, "chromium")):
        options.add_argument(arg)
    binary = shutil.which("chromium")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    try:
        return webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as e:  # no chromium, no driver, no way to start them
        print("SKIP: headless Chromium cannot start: %s" % str(e).splitlines()[0])
        shutil.rmtree(TMP, ignore_errors=True)
        sys.exit(77)


def run(*cmd, env=None):
    """A command's (exit status, stdout, stderr)."""
    out = subprocess.run(list(cmd), capture_output=True, text=True, timeout=30, env=env)
    return out.returncode, out.stdout, out.stderr


def until(cond, seconds=WAIT):
    """Polls cond until it is true or seconds have passed; its last value."""
    deadline = time.monotonic() + seconds
    while True:
        got = cond()
        if got or time.monotonic() > deadline:
            return got
        time.sleep(0.1)   # the poll's pace, not a synchronisation


def public_key(path):
    m = re.search(r'public-key = "(.{40})"', open(path).read())
    return m.group(1) if m else None


def txnid(store):
    """The LMDB store's last transaction id (it grows with every write)."""
    out = subprocess.run(["mdb_stat", "-e", store], capture_output=True, text=True).stdout
    m = re.search(r"Last transaction ID: (\d+)", out)
    return int(m.group(1)) if m else -1


def request(port, method, path, body=None, headers=None):
    """One request, no redirects followed: (status, response, body as text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    return resp.status, resp, text


def main():
    driver = start_browser()
    procs.append(driver)
    from selenium.webdriver.common.by import By
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
            "return e && !e.hidden ? e.innerText : '';", css)

    # The broker with CURVE on; the leadership's key and the broker's from keygen.
    keys = os.path.join(TMP, "keys")
    certs = os.path.join(TMP, "certs")
    os.makedirs(certs)
    for name, role in (("catchballd", "broker"), ("lead", "leadership"), ("team-x", "team")):
        rc, _, err = run(CATCHBALL, "keygen", name, "--role", role, "--dir", keys)
        check(rc == 0, "catchball keygen %s --role %s" % (name, role), err)
    shutil.copy(os.path.join(keys, "lead.cert"), certs)
    broker_cert = os.path.join(keys, "catchballd.cert")
    endpoint = "tcp://127.0.0.1:%d" % free_port()
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", endpoint, "--store",
                               os.path.join(TMP, "store"), "--key", broker_cert + "_secret",
                               "--certs", certs],
                              stdout=open(os.path.join(TMP, "catchballd.log"), "w"),
                              stderr=subprocess.STDOUT)
    procs.append(broker)
    lead_env = dict(os.environ, CATCHBALL_ENDPOINT=endpoint,
                    CATCHBALL_KEY=os.path.join(keys, "lead.cert_secret"),
                    CATCHBALL_BROKER_KEY=broker_cert)

    def lead(*args):
        rc, out, err = run(CATCHBALL, "--json", "--timeout", "10000", *args, env=lead_env)
        if rc != 0:
            raise RuntimeError("%s: %s %s" % (" ".join(args), out, err))
        try:
            return json.loads(out)
        except ValueError:  # hello answers in words, even with --json
            return {}

    lead("hello")
    check.eq(lead("draft", "new", os.path.join(EXAMPLES, "leadership.json"))["draft"], "d1",
             "lead, by its own key, drafts d1")

    # Half a CURVE set-up is refused at start.
    gw = os.path.join(TMP, "gw")
    rc, _, err = run(WEB, "--port", "0", "--dir", gw, "--broker-key", broker_cert)
    check(rc == 2 and "--certs" in err, "--broker-key without --certs refused", err)
    rc, _, err = run(WEB, "--port", "0", "--dir", gw, "--broker-key", "not-a-key",
                     "--certs", certs)
    check(rc == 1 and "--broker-key not-a-key" in err, "an unreadable --broker-key refused", err)

    # An invite before the gateway ever served with CURVE, without --certs:
    # a token, no key.
    rc, out, err = run(WEB, "invite", "team-z", "--role", "team", "--dir", gw, "--png",
                       os.path.join(TMP, "team-z.png"))
    token_z = out.strip().rsplit("=", 1)[-1]
    check(rc == 0 and not os.path.exists(os.path.join(gw, "keys", "team-z.cert_secret")),
          "invite without --certs, before CURVE: a token, no key", err)

    web = subprocess.Popen([WEB, "--port", "0", "--endpoint", endpoint, "--dir", gw,
                            "--broker-key", broker_cert, "--certs", certs],
                           stdout=subprocess.PIPE, stderr=open(os.path.join(TMP, "web.log"), "w"),
                           text=True)
    procs.append(web)
    m = re.search(r"serving http://127\.0\.0\.1:(\d+)", readline_within(web, WAIT))
    if not check(m, "catchball-web serves, with CURVE"):
        return
    port = int(m.group(1))
    base = "http://127.0.0.1:%d" % port

    def invite(node, role, *extra):
        """(exit status, the join link's token or '', stderr)."""
        rc, out, err = run(WEB, "invite", node, "--role", role, "--dir", gw, "--url", base,
                           "--png", os.path.join(TMP, node + ".png"), *extra)
        return rc, out.strip().rsplit("=", 1)[-1] if out.strip() else "", err

    def join(token):
        """POST /join: (status, the session's cookie or '', the answer's text)."""
        status, resp, body = request(port, "POST", "/join", "token=" + token,
                                     {"Content-Type": "application/x-www-form-urlencoded",
                                      "Origin": base})
        m = re.search(r"cb_session=([0-9a-f]{64})", resp.getheader("Set-Cookie") or "")
        return status, m.group(1) if m else "", body

    def csrf_of(cookie):
        status, _, body = request(port, "GET", "/api/session",
                                  headers={"Cookie": "cb_session=" + cookie})
        return json.loads(body).get("csrf", "") if status == 200 else ""

    def act(cookie, csrf, type_, body):
        status, _, text_ = request(port, "POST", "/api/act", json.dumps({"type": type_,
                                                                          "body": body}),
                                   {"Cookie": "cb_session=" + cookie, "X-CSRF-Token": csrf,
                                    "Origin": base, "Content-Type": "application/json"})
        try:
            return status, json.loads(text_).get("error", {}).get("name", "ok")
        except ValueError:
            return status, text_

    def known(secret):
        """Waits until the broker has read the certificate of secret's key
        (it reads certs/ again within a second of a change)."""
        return until(lambda: run(CATCHBALL, "--timeout", "5000", "--endpoint", endpoint,
                                 "--key", secret, "--broker-key", broker_cert, "ping")[0] == 0)

    def sessions():
        return run(WEB, "sessions", "--dir", gw)[1]

    # ------------------------------------------------------------------
    # Keys: made by invite, kept 0600 in a 0700 directory, certificates
    # into the broker's certs/.
    status, _, body = join(token_z)
    check(status == 502 and "no key for team-z" in body,
          "a node invited without --certs has no key: it cannot join, and is told why", body)

    rc, token_a, err = invite("team-a", "team", "--certs", certs)
    check(rc == 0 and token_a, "invite team-a --role team --certs", err)
    secret_a = os.path.join(gw, "keys", "team-a.cert_secret")
    check.eq(stat.S_IMODE(os.stat(os.path.join(gw, "keys")).st_mode), 0o700,
             "the gateway's keys/ has mode 0700")
    check.eq(stat.S_IMODE(os.stat(secret_a).st_mode), 0o600, "team-a's secret key has mode 0600")
    cert_a = os.path.join(certs, "team-a.cert")
    text_a = open(cert_a).read()
    check(public_key(cert_a) and public_key(cert_a) == public_key(secret_a)
          and 'name = "team-a"' in text_a and 'role = "team"' in text_a
          and "secret-key" not in text_a,
          "certs/team-a.cert: team-a's public key, name and role, no secret", text_a)
    check.eq(sorted(os.listdir(certs)), ["lead.cert", "team-a.cert"],
             "certs/ holds the certificates alone (nothing written aside is left)")
    inode = os.stat(cert_a).st_ino
    rc, again, err = invite("team-a", "team", "--certs", certs)
    check(rc == 0 and again and os.stat(cert_a).st_ino == inode
          and public_key(secret_a) == public_key(cert_a),
          "a second invite keeps team-a's key and its certificate", err)
    rc, none, err = invite("team-a", "leadership", "--certs", certs)
    check(rc == 1 and not none and "for role team" in err,
          "an invite for another role than the key's refused", err)
    shutil.copy(os.path.join(keys, "team-x.cert"), certs)
    before = open(os.path.join(certs, "team-x.cert")).read()
    rc, none, err = invite("team-x", "team", "--certs", certs)
    check(rc == 1 and not none and "holds another key for team-x" in err
          and open(os.path.join(certs, "team-x.cert")).read() == before,
          "a certificate of another key for team-x refused, not overwritten", err)
    check.eq(open(os.path.join(gw, "certs")).read().strip(), os.path.realpath(certs),
             "the serving gateway keeps its certs/ in DIR/certs")
    rc, token_b, err = invite("team-b", "team")
    check(rc == 0 and token_b and public_key(os.path.join(certs, "team-b.cert"))
          == public_key(os.path.join(gw, "keys", "team-b.cert_secret")),
          "invite team-b without --certs: the serving gateway's certs/ used", err)

    # ------------------------------------------------------------------
    # team-a and team-b join by link in the browser (two origins, 127.0.0.1
    # and localhost, so that one Chromium holds both sessions); lead
    # throws a round to both.
    check(known(secret_a) and known(os.path.join(gw, "keys", "team-b.cert_secret")),
          "the broker knows team-a's and team-b's keys")
    driver.get("%s/join?token=%s" % (base, token_a))
    driver.find_element(By.ID, "join").click()
    wait("team-a's page, joined by its own key", lambda: "team-a (team)" in text("#title"))
    tab_a = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get("http://localhost:%d/join?token=%s" % (port, token_b))
    driver.find_element(By.ID, "join").click()
    wait("team-b's page, joined by its own key", lambda: "team-b (team)" in text("#title"))
    tab_b = driver.current_window_handle
    cookie_b = driver.get_cookie("cb_session")["value"]
    csrf_b = csrf_of(cookie_b)
    driver.switch_to.window(tab_a)
    check.eq(lead("throw", "d1", "--to", "team-a,team-b", "--question", "Works for you?")["round"],
             "r1", "lead throws r1 to team-a and team-b")
    card = '.answer[data-round="r1"]'
    wait("r1 is on team-a's page", lambda: "Works for you?" in text(card))
    driver.find_element(By.CSS_SELECTOR, card + " textarea[name=kr1]").send_keys("Too steep")
    driver.find_element(By.CSS_SELECTOR, card + " form.feedback button").click()
    wait("team-a's feedback sent from the page",
         lambda: "Sent: feedback on kr1" in text(card + " form.feedback .outcome"))

    def responses():
        return [(r.get("author"), r.get("type"), r.get("text"))
                for r in lead("round", "show", "r1").get("responses", [])]

    check.eq(responses(), [("team-a", "feedback", "Too steep")],
             "lead's CLI sees the answer, authored by team-a")

    # ------------------------------------------------------------------
    # team-a's certificate removed: its session ends, its acts are
    # refused, nothing is stored; team-b goes on.
    cookie_a = driver.get_cookie("cb_session")["value"]
    csrf_a = csrf_of(cookie_a)
    check(csrf_a, "team-a's session, read before the revocation")
    os.remove(cert_a)
    wait("team-a's page shows its session has ended",
         lambda: "certificate was removed" in text("#failure"))
    store = os.path.join(TMP, "store")
    before = txnid(store)
    check.eq(act(cookie_a, csrf_a, "round.endorse", {"round": "r1", "confidence": 4}),
             (403, "NO_SESSION"), "team-a's further act refused")
    check(before > 0 and txnid(store) == before, "the broker's store wrote nothing for it",
          (before, txnid(store)))
    check("team-a" not in sessions(), "sessions no longer lists team-a", sessions())
    check.eq(responses(), [("team-a", "feedback", "Too steep")], "nothing more stored")
    refused = until(lambda: run(CATCHBALL, "--timeout", "5000", "--endpoint", endpoint,
                                "--key", secret_a, "--broker-key", broker_cert, "ping")[0] != 0)
    check(refused, "the broker refuses team-a's key too")
    driver.switch_to.window(tab_b)
    check.eq(text("#failure"), "", "team-b's page is unaffected")
    check.eq(act(cookie_b, csrf_b, "round.endorse", {"round": "r1", "confidence": 3}),
             (200, "ok"), "team-b's session is unaffected: it acts")
    wait("team-b's page, still live: r1's closing arrives, r1 shown answered",
         lambda: driver.execute_script(
             "const c = document.querySelector('.answer[data-round=\"r1\"]');"
             "return !!document.querySelector('#inbox li[data-kind=\"round.closed\"]')"
             " && !!c && c.dataset.state === 'answered'"))
    check.eq(responses()[-1][:2], ("team-b", "endorse"), "lead's CLI sees team-b's endorsement")

    # revoke --certs: team-b's sessions and its certificate.
    rc, out, err = run(WEB, "revoke", "team-b", "--dir", gw, "--certs", certs)
    check(rc == 0 and "revoked 1 session of team-b" in out
          and "removed %s/team-b.cert" % certs in out
          and not os.path.exists(os.path.join(certs, "team-b.cert")),
          "revoke team-b --certs: its session and its certificate", out + err)
    check.eq(act(cookie_b, csrf_b, "round.close", {"round": "r1"}), (403, "NO_SESSION"),
             "team-b's act refused after revoke")
    rc, out, err = run(WEB, "revoke", "team-x", "--dir", gw, "--certs", certs)
    check(rc == 1 and os.path.exists(os.path.join(certs, "team-x.cert")),
          "revoke leaves a certificate of a key not the gateway's", err)

    # A new invite lets team-a in again, by the same key.
    rc, token, err = invite("team-a", "team", "--certs", certs)
    check(rc == 0 and public_key(cert_a) == public_key(secret_a),
          "a new invite puts team-a's certificate back, the same key", err)
    check(known(secret_a), "the broker knows team-a's key again")
    status, cookie, _ = join(token)
    check.eq(status, 303, "team-a joins again")
    check.eq(lead("throw", "d1", "--to", "team-a", "--question", "Again?")["round"], "r2",
             "lead throws r2 to team-a")
    check.eq(act(cookie, csrf_of(cookie), "round.endorse", {"round": "r2", "confidence": 2}),
             (200, "ok"), "and team-a acts again")
    check.eq([(r.get("author"), r.get("type"))
              for r in lead("round", "show", "r2").get("responses", [])],
             [("team-a", "endorse")], "lead's CLI sees it, authored by team-a")

    # The broker's word ends a session too: a second certificate giving
    # team-a's key to another node makes the broker ignore both (certs/
    # team-a.cert itself unchanged); team-a's next request is answered
    # KEY_UNKNOWN, and the gateway ends its session.
    csrf = csrf_of(cookie)
    twin = open(cert_a).read().replace('name = "team-a"', 'name = "team-q"')
    with open(os.path.join(certs, "team-q.cert.tmp"), "w") as f:
        f.write(twin)
    os.rename(os.path.join(certs, "team-q.cert.tmp"), os.path.join(certs, "team-q.cert"))
    got = until(lambda: act(cookie, csrf, "round.close", {"round": "r2"})
                in ((403, "KEY_UNKNOWN"), (403, "NO_SESSION")))
    check(got, "once the broker ignores team-a's key, team-a's request is refused")
    check.eq(act(cookie, csrf, "round.close", {"round": "r2"}), (403, "NO_SESSION"),
             "and the gateway has ended team-a's session")
    check("team-a" not in sessions(), "sessions no longer lists team-a", sessions())
    os.remove(os.path.join(certs, "team-q.cert"))
    check(known(secret_a), "without the twin, the broker knows team-a's key again")

    # ------------------------------------------------------------------
    # The broker's refusals, shown: a role changed by the operator
    # (ROLE_MISMATCH), a key that is another node's (KEY_MISMATCH).
    rc, token_c, err = invite("team-c", "team", "--certs", certs)
    cert_c = os.path.join(certs, "team-c.cert")
    observer = open(cert_c).read().replace('role = "team"', 'role = "observer"')
    with open(cert_c + ".tmp", "w") as f:
        f.write(observer)
    os.rename(cert_c + ".tmp", cert_c)
    secret_c = os.path.join(gw, "keys", "team-c.cert_secret")
    check(until(lambda: "ROLE_MISMATCH" in run(CATCHBALL, "--timeout", "5000", "--endpoint",
                                                endpoint, "--key", secret_c, "--broker-key",
                                                broker_cert, "--role", "team", "ping")[2]),
          "the broker reads team-c's certificate as an observer's")
    status, _, body = join(token_c)
    check(status == 502 and "ROLE_MISMATCH" in body and "team-c" in body,
          "a join as team-c, a team, shows the broker's ROLE_MISMATCH", body)
    rc, token_d, err = invite("team-d", "team", "--certs", certs)
    cert_d = os.path.join(certs, "team-d.cert")
    other = open(cert_d).read().replace('name = "team-d"', 'name = "team-q2"')
    with open(cert_d + ".tmp", "w") as f:
        f.write(other)
    os.rename(cert_d + ".tmp", cert_d)
    secret_d = os.path.join(gw, "keys", "team-d.cert_secret")
    check(until(lambda: "KEY_MISMATCH" in run(CATCHBALL, "--timeout", "5000", "--endpoint",
                                               endpoint, "--key", secret_d, "--broker-key",
                                               broker_cert, "ping")[2]),
          "the broker reads team-d's key as team-q2's")
    status, _, body = join(token_d)
    check(status == 502 and "KEY_MISMATCH" in body,
          "a join as team-d, its key now another node's, shows the broker's KEY_MISMATCH", body)
    check("team-c" not in sessions() and "team-d" not in sessions(),
          "neither refusal made a session", sessions())


    # Revoked while the gateway is down: the session's next request ends it.
    rc, token_e, err = invite("team-e", "team")
    secret_e = os.path.join(gw, "keys", "team-e.cert_secret")
    check(known(secret_e), "the broker knows team-e's key")
    status, cookie_e, _ = join(token_e)
    csrf_e = csrf_of(cookie_e)
    check(status == 303 and csrf_e, "team-e joins")
    web.terminate()
    check.eq(web.wait(timeout=WAIT), 0, "the gateway exits 0 on SIGTERM")
    os.remove(os.path.join(certs, "team-e.cert"))
    web = subprocess.Popen([WEB, "--port", "0", "--endpoint", endpoint, "--dir", gw,
                            "--broker-key", broker_cert, "--certs", certs],
                           stdout=subprocess.PIPE, stderr=open(os.path.join(TMP, "web2.log"), "w"),
                           text=True)
    procs.append(web)
    m = re.search(r"serving http://127\.0\.0\.1:(\d+)", readline_within(web, WAIT))
    if not check(m, "catchball-web serves again"):
        return
    port = int(m.group(1))
    base = "http://127.0.0.1:%d" % port
    check("team-e" in sessions(), "team-e's session is still on file")
    before = txnid(store)
    status, _, text_ = request(port, "POST", "/api/act",
                               json.dumps({"type": "round.close", "body": {"round": "r2"}}),
                               {"Cookie": "cb_session=" + cookie_e, "X-CSRF-Token": csrf_e,
                                "Origin": base, "Content-Type": "application/json"})
    check(status == 502 and "team-e's certificate is not in the broker's certs/" in text_,
          "team-e's act refused: its certificate is gone", text_)
    check.eq(txnid(store), before, "nothing stored")
    check.eq(act(cookie_e, csrf_e, "round.close", {"round": "r2"}), (403, "NO_SESSION"),
             "and its session has ended")
    check("team-e" not in sessions(), "sessions no longer lists team-e", sessions())

    web.terminate()
    check.eq(web.wait(timeout=WAIT), 0, "the gateway exits 0 on SIGTERM")


def run_all():
    try:
        main()
    finally:
        stop(procs)


finish(run_all, check, TMP)
