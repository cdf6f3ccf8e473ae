"""web_tls - catchball-web safe by default: TLS, and the binding rule

The real catchballd and the real catchball-web, spoken to over HTTPS by
python's ssl trusting only a certificate made here, at run time, with
openssl (.ci/deps.sh installs it). Checked:

- the rule: --listen beyond the loopback without TLS and without
  --insecure-http is refused (exit 2, and says why); half of TLS
  (--tls-cert alone) and TLS with --insecure-http are refused;
- each bad file is refused at start (exit 1, naming the file and what is
  wrong), before anything serves: a missing certificate or key, a key
  group or others may read, a key that is not the certificate's, a file
  that is not PEM, a key under a password, a directory (and, when not run as root, a file it may
  not read);
- with TLS on 0.0.0.0: the join link `invite` prints is https, at the
  certificate's name and the port the gateway got, and works as printed
  (the name checked against the certificate); pages come with the
  security headers; a join from an http:// Origin is refused; a join
  from the page's own https Origin sets a session cookie that is Secure,
  HttpOnly and SameSite=Strict, and the cookie opens the node's page;
  plain HTTP to the port gets no HTTP answer; the live stream works over
  TLS; a wildcard name is no host for a link (the IP address is);
- --insecure-http on 0.0.0.0 serves plain HTTP and says INSECURE at
  start; the loopback alone (the default) says nothing of the kind, and
  keeps the --url it is given for the links;
- sessions expire (--session-idle 10m --session-max 1h), seen without
  waiting by back-dating the session file's times, which are the
  session's (access: last used; modification: made): a use refreshes the
  last use; unused too long, or too old, a session is refused and its
  file removed; `sessions` leaves out (and removes) an expired one, with
  the serving gateway's lifetimes; bad lifetimes are refused.

Waiting is a readline with a deadline, never a sleep.

Usage: web_tls.py CATCHBALLD CATCHBALL_WEB
"""
import hashlib
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from webtest import readline_within  # noqa: E402
from harness import Checks, finish, free_port  # noqa: E402

CATCHBALLD, WEB = (os.path.abspath(a) for a in sys.argv[1:3])
TMP = tempfile.mkdtemp(prefix="catchball-web-tls.")
check = Checks()
procs = []
WAIT = 15   # seconds any one thing may take


def path(name):
    return os.path.join(TMP, name)


def openssl_cert(name, subject, san):
    """A self-signed P-256 certificate NAME.crt and its key NAME.key (0600)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", subject,
                    "-addext", "subjectAltName=" + san, "-keyout", path(name + ".key"),
                    "-out", path(name + ".crt")], check=True, capture_output=True)
    os.chmod(path(name + ".key"), 0o600)


def refused(args, status, words, what):
    """Runs catchball-web with args: it must exit with status before it
    serves, and say each of words on stderr."""
    try:
        out = subprocess.run([WEB, "--port", "0", "--dir", path("gw-refused")] + args,
                             capture_output=True, text=True, timeout=WAIT)
    except subprocess.TimeoutExpired:
        return check(False, what, "it served")
    ok = out.returncode == status and "serving" not in out.stdout
    ok = ok and all(w in out.stderr for w in words)
    return check(ok, what, {"status": out.returncode, "stderr": out.stderr})


def serve(name, args, endpoint):
    """catchball-web with args, its stderr in NAME.log: (process, the
    serving line)."""
    web = subprocess.Popen([WEB, "--port", "0", "--endpoint", endpoint] + args,
                           stdout=subprocess.PIPE, stderr=open(path(name + ".log"), "w"),
                           text=True, cwd=TMP)
    procs.append(web)
    return web, readline_within(web, WAIT)


def stop(web):
    web.send_signal(signal.SIGTERM)
    try:
        web.wait(timeout=WAIT)
    except subprocess.TimeoutExpired:
        web.kill()
        web.wait()
        check(False, "the gateway stops on SIGTERM")


def https(port, ctx, method, url, body=None, headers=None):
    """One request to 127.0.0.1:port over TLS: (status, response, body)."""
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=WAIT, context=ctx)
    conn.request(method, url, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read().decode()
    conn.close()
    return resp.status, resp, data


def invite(gw_dir, node, role):
    out = subprocess.run([WEB, "invite", node, "--role", role, "--dir", gw_dir,
                          "--png", path(node + ".png")], capture_output=True, text=True,
                         timeout=WAIT, cwd=TMP)
    check.eq(out.returncode, 0, "invite %s" % node)
    return out.stdout.strip()


def security_headers(resp, what):
    csp = resp.getheader("Content-Security-Policy") or ""
    check("script-src 'self'" in csp and "frame-ancestors 'none'" in csp,
          what + ": Content-Security-Policy", csp)
    check.eq(resp.getheader("X-Content-Type-Options"), "nosniff", what + ": nosniff")
    check.eq(resp.getheader("Strict-Transport-Security"), "max-age=31536000",
             what + ": HSTS, a browser comes back by HTTPS only")


def main():
    openssl_cert("gw", "/CN=catchball-test", "DNS:localhost,IP:127.0.0.1")
    openssl_cert("other", "/CN=other", "DNS:other.test")
    openssl_cert("wild", "/CN=*.example.test", "DNS:*.example.test,IP:127.0.0.1")
    cert, key = path("gw.crt"), path("gw.key")

    # The rule: beyond the loopback, TLS or --insecure-http.
    refused(["--listen", "0.0.0.0"], 2, ["--listen 0.0.0.0", "only the loopback",
                                         "--tls-cert", "--insecure-http"],
            "--listen 0.0.0.0 without TLS or --insecure-http refused")
    refused(["--listen", "0.0.0.0", "--tls-cert", cert], 2, ["both --tls-cert", "--tls-key"],
            "--tls-cert without --tls-key refused")
    refused(["--listen", "0.0.0.0", "--tls-cert", cert, "--tls-key", key, "--insecure-http"],
            2, ["choose one"], "--tls-cert with --insecure-http refused")

    # Bad files, each refused at start, by name.
    shutil.copy(key, path("open.key"))
    os.chmod(path("open.key"), 0o640)
    subprocess.run(["openssl", "pkcs8", "-topk8", "-in", key, "-out", path("locked-up.key"),
                    "-passout", "pass:secret", "-v2", "aes-256-cbc"], check=True,
                   capture_output=True)
    os.chmod(path("locked-up.key"), 0o600)
    with open(path("junk.pem"), "w") as f:
        f.write("not PEM at all\n")
    os.chmod(path("junk.pem"), 0o600)
    cases = [
        ([path("none.crt"), key], ["--tls-cert", "none.crt", "No such file"], "a missing cert"),
        ([cert, path("none.key")], ["--tls-key", "none.key", "No such file"], "a missing key"),
        ([cert, path("open.key")], ["open.key", "group or others", "0640", "chmod 600"],
         "a key group may read"),
        ([cert, path("other.key")], ["other.key", "not the key of the certificate", "gw.crt"],
         "another certificate's key"),
        ([path("junk.pem"), key], ["--tls-cert", "junk.pem", "not a PEM certificate"],
         "a cert that is not PEM"),
        ([cert, path("junk.pem")], ["--tls-key", "junk.pem", "not an unencrypted PEM private"],
         "a key that is not PEM"),
        ([cert, path("locked-up.key")], ["--tls-key", "locked-up.key", "not an unencrypted"],
         "a key under a password"),
        ([key, key], ["--tls-cert", "gw.key", "not a PEM certificate"],
         "the key given as the certificate"),
        ([cert, TMP], ["--tls-key", "not a regular file"], "a directory as the key"),
    ]
    # A certificate out of its dates (made with `openssl ca`, the one way
    # OpenSSL 3.0 sets them): browsers would refuse it at the event.
    ca = path("old-ca")
    os.makedirs(ca)
    open(os.path.join(ca, "index.txt"), "w").close()
    with open(os.path.join(ca, "serial"), "w") as f:
        f.write("01\n")
    with open(os.path.join(ca, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = old\n[old]\ndatabase = index.txt\nunique_subject = no\n"
                "new_certs_dir = .\n"
                "serial = serial\ndefault_md = sha256\npolicy = any\n[any]\n"
                "commonName = supplied\n")
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=old", "-keyout",
                    path("old.key"), "-out", path("old.csr")], check=True, capture_output=True)
    for name, start, end in (("old", "20200101000000Z", "20200102000000Z"),
                             ("early", "20990101000000Z", "20990102000000Z")):
        subprocess.run(["openssl", "ca", "-config", "ca.cnf", "-selfsign", "-keyfile",
                        path("old.key"), "-in", path("old.csr"), "-out", path(name + ".crt"),
                        "-startdate", start, "-enddate", end, "-batch"], check=True,
                       capture_output=True, cwd=ca)
    os.chmod(path("old.key"), 0o600)
    cases.append(([path("old.crt"), path("old.key")], ["old.crt", "expired on 2020-01-02"],
                  "an expired certificate"))
    cases.append(([path("early.crt"), path("old.key")], ["early.crt", "not valid before 2099"],
                  "a certificate not valid yet"))
    if os.geteuid() != 0:   # root reads a 0000 file all the same
        shutil.copy(key, path("locked.key"))
        os.chmod(path("locked.key"), 0)
        cases.append(([cert, path("locked.key")], ["locked.key", "cannot read it"],
                      "an unreadable key"))
    for (c, k), words, what in cases:
        refused(["--listen", "0.0.0.0", "--tls-cert", c, "--tls-key", k], 1,
                ["refusing to serve"] + words, what + " refused at start")

    # The broker, for the join.
    endpoint = "tcp://127.0.0.1:%d" % free_port()
    broker = subprocess.Popen([CATCHBALLD, "--endpoint", endpoint, "--store", path("store")],
                              stdout=open(path("catchballd.log"), "w"), stderr=subprocess.STDOUT)
    procs.append(broker)

    # TLS on every address.
    gw_dir = path("gw")
    web, line = serve("web-tls", ["--listen", "0.0.0.0", "--tls-cert", cert, "--tls-key", key,
                                  "--dir", gw_dir, "--session-idle", "10m",
                                  "--session-max", "1h"], endpoint)
    m = re.search(r"serving https://0\.0\.0\.0:(\d+)", line)
    if not check(m, "serves https on 0.0.0.0", line):
        return
    port = int(m.group(1))
    base = "https://localhost:%d" % port
    with open(os.path.join(gw_dir, "url")) as f:
        check.eq(f.read().strip(), base, "DIR/url: https, the certificate's name, the port")
    ctx = ssl.create_default_context(cafile=cert)

    link = invite(gw_dir, "fac", "facilitator")
    check(link.startswith(base + "/join?token="), "the join link is https", link)
    token = link.split("token=")[1]
    # The link as printed, its name checked against the certificate.
    with urllib.request.urlopen(link, context=ctx, timeout=WAIT) as resp:
        check.eq(resp.status, 200, "the join link opens over TLS")
        security_headers(resp, "the join page over TLS")
    status, resp, _ = https(port, ctx, "GET", "/assets/web.css")
    check.eq(status, 200, "an asset over TLS")
    security_headers(resp, "an asset over TLS")

    origin = "https://127.0.0.1:%d" % port
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, body = https(port, ctx, "POST", "/join", "token=" + token,
                            dict(form, Origin="http://127.0.0.1:%d" % port))
    check.eq(status, 403, "a join from an http:// Origin refused under TLS")
    status, resp, body = https(port, ctx, "POST", "/join", "token=" + token,
                               dict(form, Origin=origin))
    check.eq(status, 303, "a join from the page's own https Origin")
    cookie = resp.getheader("Set-Cookie") or ""
    attrs = [a.strip() for a in cookie.split(";")]
    check("Secure" in attrs and "HttpOnly" in attrs and "SameSite=Strict" in attrs,
          "the session cookie is Secure, HttpOnly, SameSite=Strict", cookie)
    status, resp, body = https(port, ctx, "GET", "/me", headers={"Cookie": attrs[0]})
    check.eq(status, 200, "the cookie opens the node's page over TLS")
    security_headers(resp, "the node's page over TLS")
    # The live stream, over TLS too: its first message is the node's page.
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=WAIT, context=ctx)
    conn.request("GET", "/live/me", headers={"Cookie": attrs[0]})
    resp = conn.getresponse()
    lines = [resp.readline().decode().strip() for _ in range(2)]
    conn.close()
    check(resp.status == 200 and lines[0] == "event: me" and lines[1].startswith("data: {"),
          "the live stream over TLS", (resp.status, lines))

    # Sessions expire: the session file's access time is its last use,
    # its modification time when it was made. Back-dated, not waited for.
    with open(os.path.join(gw_dir, "session-lifetimes")) as f:
        check.eq(f.read().split(), ["600", "3600"], "the lifetimes kept for `sessions`")

    def session_file(cookie):
        sha = hashlib.sha1(cookie.split("=", 1)[1].encode()).hexdigest().upper()
        return os.path.join(gw_dir, "sessions", sha)

    def join(node):
        token = invite(gw_dir, node, "observer").split("token=")[1]
        status, resp, _ = https(port, ctx, "POST", "/join", "token=" + token,
                                dict(form, Origin=origin))
        check.eq(status, 303, "%s joins" % node)
        return (resp.getheader("Set-Cookie") or "").split(";")[0]

    def me(cookie):
        return https(port, ctx, "GET", "/me", headers={"Cookie": cookie})[0]

    # Made 30 minutes ago, last used 8 minutes ago: the last use after the
    # making, as in life (else a relatime mount moves it at any read).
    now = time.time()
    first = session_file(attrs[0])
    made = now - 1800
    os.utime(first, (now - 600 + 120, made))
    check.eq(me(attrs[0]), 200, "a session unused for 8 of its 10 idle minutes works")
    check(os.stat(first).st_atime >= now - 60, "and its use is its last use now",
          os.stat(first).st_atime - now)
    check.eq(os.stat(first).st_mtime, made, "when it was made is kept")
    os.utime(first, (now - 600 - 60, made))
    check.eq(me(attrs[0]), 403, "a session unused for 11 minutes is refused")
    check(not os.path.exists(first), "and its file removed")
    old = join("old")
    os.utime(session_file(old), (now, now - 3600 - 60))
    check.eq(me(old), 403, "a session used now but made 61 minutes ago is refused")
    check(not os.path.exists(session_file(old)), "and its file removed")
    fresh, stale = join("fresh"), join("stale")
    os.utime(session_file(stale), (now - 3 * 3600, now - 3 * 3600))
    out = subprocess.run([WEB, "sessions", "--dir", gw_dir], capture_output=True, text=True,
                         timeout=WAIT)
    check("fresh" in out.stdout and "stale" not in out.stdout,
          "`sessions` lists the fresh session, not the expired one", out.stdout)
    check(not os.path.exists(session_file(stale)), "and removed the expired one")
    check.eq(me(fresh), 200, "the fresh session works")
    refused(["--session-idle", "10x"], 2, ["--session-idle 10x", "not a duration"],
            "a lifetime that is no duration refused")
    refused(["--session-idle", "2h", "--session-max", "1h"], 2, ["no longer than the max"],
            "an idle lifetime longer than the max refused")

    # Plain HTTP to the TLS port gets no HTTP answer.
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        conn.request("GET", "/assets/web.css")
        got = conn.getresponse().status
    except (http.client.HTTPException, OSError) as e:
        got = type(e).__name__
    check(not isinstance(got, int), "plain HTTP to the TLS port is no HTTP answer", got)
    # And a client that does not trust the certificate gets no page.
    try:
        https(port, ssl.create_default_context(cafile=path("other.crt")), "GET", "/join")
        check(False, "a client not trusting the certificate is stopped")
    except ssl.SSLError:
        check(True, "a client not trusting the certificate is stopped")
    stop(web)
    log = open(path("web-tls.log")).read()
    check("INSECURE" not in log, "TLS says nothing insecure", log)

    # --insecure-http beyond the loopback: served, and said loudly.
    web, line = serve("web-insecure", ["--listen", "0.0.0.0", "--insecure-http", "--dir",
                                       path("gw-insecure")], endpoint)
    m = re.search(r"serving http://0\.0\.0\.0:(\d+)", line)
    if check(m, "--insecure-http serves plain HTTP on 0.0.0.0", line):
        conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=WAIT)
        conn.request("GET", "/assets/web.css")
        resp = conn.getresponse()
        check.eq(resp.status, 200, "an asset over plain HTTP")
        check.eq(resp.getheader("Strict-Transport-Security"), None,
                 "no HSTS over plain HTTP (it would mean nothing)")
        conn.close()
        log = open(path("web-insecure.log")).read()
        check("INSECURE" in log and "--insecure-http" in log and "0.0.0.0" in log,
              "--insecure-http is logged at start", log)
        with open(path("gw-insecure/url")) as f:
            check.eq(f.read().strip(), "http://%s:%s" % (socket.gethostname(), m.group(1)),
                     "DIR/url of 0.0.0.0 names this host")
    stop(web)

    # A wildcard certificate: the links name its IP address.
    web, line = serve("web-wild", ["--tls-cert", path("wild.crt"), "--tls-key",
                                   path("wild.key"), "--dir", path("gw-wild")], endpoint)
    m = re.search(r"serving https://127\.0\.0\.1:(\d+)", line)
    if check(m, "TLS on the loopback", line):
        with open(path("gw-wild/url")) as f:
            check.eq(f.read().strip(), "https://127.0.0.1:" + m.group(1),
                     "a wildcard name is no host for a link: the IP address is")
    stop(web)

    # The loopback alone needs nothing and warns of nothing.
    web, line = serve("web-loopback", ["--dir", path("gw-loopback"), "--url",
                                       "http://board.test:1234"], endpoint)
    check(re.search(r"serving http://127\.0\.0\.1:\d+", line), "the default is the loopback",
          line)
    with open(path("gw-loopback/url")) as f:
        check.eq(f.read().strip(), "http://board.test:1234", "--url kept for the links")
    stop(web)
    log = open(path("web-loopback.log")).read()
    check("INSECURE" not in log, "the loopback says nothing insecure", log)


def run():
    """main, then every process it started ended, before the directory goes."""
    try:
        main()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()


finish(run, check, TMP)
