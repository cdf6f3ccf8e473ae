#!/usr/bin/python3
"""CURVE end to end: keys, identity, hijack, revocation, refusals to start.

Usage: /usr/bin/python3 tests/e2e/curve.py CATCHBALLD CATCHBALL

With the real catchballd and catchball binaries and raw pyzmq DEALERs that
follow proto/PROTOCOL.md section 1.1:

- `catchball keygen` writes a public certificate with name and role and a
  secret one with mode 0600, and never overwrites;
- the broker refuses to start with a secret key readable by others, with
  half a CURVE configuration, or on a non-loopback endpoint without CURVE
  (unless --insecure, which it logs loudly);
- a node without a key, or with a key not in the certificate directory, is
  not answered at all; the catchball command line says so at once from its
  socket's handshake events (REFUSED: no key, our key refused, the broker's
  key does not match) instead of waiting for its timeout; a known key may only say hello as its own node and
  role (KEY_MISMATCH, ROLE_MISMATCH), and nothing is stored by a refusal;
- a connection that takes over another node's routing id speaks for
  nobody: not while the owner is connected (ZeroMQ ignores it), and not
  after (its key does not match the session's: the session ends, and the
  other node's deliveries are not sent to it);
- a second connection with the same key replaces the first;
- two certificates giving one key to two nodes let neither in;
- only *.cert files are certificates: renaming one to team-c.cert.disabled
  (an editor's team-c.cert~ beside it) revokes it: the live connection gets KEY_UNKNOWN
  and no more deliveries, and a new connection with that key gets no
  answer; putting it back lets the node in again with its inbox intact.

Prints one line per check and "N passed, M failed"; exits non-zero on any
failure.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq

from harness import Checks, finish, free_port

CATCHBALLD, CATCHBALL = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="catchball-curve.")
check = Checks()


def cli(*args, timeout=5000):
    """Runs the catchball command line; returns (exit code, stdout, stderr)."""
    p = subprocess.run([CATCHBALL, "--timeout", str(timeout)] + list(args),
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def read_keys(path):
    """The public and secret keys of a czmq certificate file."""
    text = open(path).read()
    public = re.search(r'public-key = "(.{40})"', text)
    secret = re.search(r'secret-key = "(.{40})"', text)
    return (public.group(1) if public else None, secret.group(1) if secret else None)


def txnid(store):
    out = subprocess.run(["mdb_stat", "-e", store], capture_output=True, text=True).stdout
    m = re.search(r"Last transaction ID: (\d+)", out)
    return int(m.group(1)) if m else -1


class Broker:
    def __init__(self, *extra, endpoint=None):
        self.port = free_port()
        self.endpoint = endpoint or "tcp://127.0.0.1:%d" % self.port
        self.store = os.path.join(TMP, "store")
        self.log = os.path.join(TMP, "catchballd-%d.log" % self.port)
        self.proc = subprocess.Popen(
            [CATCHBALLD, "--endpoint", self.endpoint, "--store", self.store] + list(extra),
            stdout=open(self.log, "w"), stderr=subprocess.STDOUT)

    def wait(self, timeout=10):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def text(self):
        return open(self.log).read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Node:
    """A raw DEALER speaking the protocol over CURVE (or NULL if keys is None)."""

    def __init__(self, ctx, endpoint, keys, server_key, routing_id=None):
        self.sock = ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        if keys:
            self.sock.curve_publickey = keys[0].encode()
            self.sock.curve_secretkey = keys[1].encode()
            self.sock.curve_serverkey = server_key.encode()
        if routing_id:
            self.sock.setsockopt(zmq.ROUTING_ID, routing_id)
        self.sock.connect(endpoint)
        self.deliveries = []

    def send(self, type_, body=None):
        mid = secrets.token_hex(8)
        self.sock.send(msgpack.packb({"cb": 1, "type": type_, "mid": mid, "body": body or {}}))
        return mid

    def call(self, type_, body=None, timeout=5.0):
        """The reply to one request, or None if none came in time."""
        mid = self.send(type_, body)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.sock.poll(int((deadline - time.monotonic()) * 1000) + 1):
                continue
            msg = msgpack.unpackb(self.sock.recv(), raw=False)
            if msg.get("type") == "deliver":
                self.deliveries.append(msg)
            elif msg.get("mid") == mid:
                return msg
        return None

    def drain(self, timeout):
        """Deliveries arriving within timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sock.poll(int((deadline - time.monotonic()) * 1000) + 1):
                msg = msgpack.unpackb(self.sock.recv(), raw=False)
                if msg.get("type") == "deliver":
                    self.deliveries.append(msg)
        return self.deliveries

    def close(self):
        self.sock.close(0)


def code(reply):
    return reply.get("code") if reply else None


def main():
    ctx = zmq.Context()
    keys = os.path.join(TMP, "keys")
    certs = os.path.join(TMP, "certs")
    os.makedirs(certs)

    # --- keygen
    for name, role in (("catchballd", "broker"), ("lead", "leadership"), ("team-a", "team"),
                       ("team-b", "team"), ("team-c", "team"), ("stranger", "team")):
        rc, out, err = cli("keygen", name, "--role", role, "--dir", keys)
        check(rc == 0, "keygen %s --role %s (%s)" % (name, role, err.strip()))
    pub = os.path.join(keys, "team-a.cert")
    sec = pub + "_secret"
    check(os.stat(sec).st_mode & 0o777 == 0o600, "the secret certificate has mode 0600")
    check(read_keys(pub)[1] is None, "the public certificate holds no secret key")
    text = open(pub).read()
    check('name = "team-a"' in text and 'role = "team"' in text,
          "the public certificate carries name and role")
    check(read_keys(sec)[1] is not None and read_keys(sec)[0] == read_keys(pub)[0],
          "the secret certificate holds the same public key and a secret key")
    before = open(sec).read()
    rc, _, err = cli("keygen", "team-a", "--role", "team", "--dir", keys)
    check(rc == 1 and open(sec).read() == before, "keygen never overwrites a key pair")
    rc, _, _ = cli("keygen", "x", "--role", "boss", "--dir", keys)
    check(rc == 2, "keygen refuses an unknown role")
    for name in ("lead", "team-a", "team-b", "team-c"):
        shutil.copy(os.path.join(keys, name + ".cert"), certs)
    broker_pub = os.path.join(keys, "catchballd.cert")
    broker_sec = broker_pub + "_secret"
    server_key = read_keys(broker_pub)[0]
    node_keys = {n: read_keys(os.path.join(keys, n + ".cert_secret"))
                 for n in ("lead", "team-a", "team-b", "team-c", "stranger")}

    # --- refusals to start
    os.chmod(broker_sec, 0o640)
    b = Broker("--key", broker_sec, "--certs", certs)
    check(b.wait() == 1 and "readable or writable by group or others" in b.text(),
          "the broker refuses a secret key readable by its group")
    os.chmod(broker_sec, 0o600)
    b = Broker("--key", broker_sec)
    check(b.wait() == 1 and "--certs" in b.text(), "CURVE needs both --key and --certs")
    b = Broker(endpoint="tcp://0.0.0.0:%d" % free_port())
    check(b.wait() == 1 and "refusing to bind" in b.text(),
          "the broker refuses a non-loopback endpoint without CURVE")
    b = Broker("--insecure", endpoint="tcp://0.0.0.0:%d" % free_port())
    probe = Node(ctx, "tcp://127.0.0.1:%s" % b.endpoint.rsplit(":", 1)[1], None, None)
    reply = probe.call("hello", {"node": "probe", "role": "observer"})
    check(reply and reply["type"] == "ok", "--insecure serves the network without CURVE")
    check("INSECURE" in b.text(), "--insecure says so in the log")
    probe.close()
    b.stop()
    shutil.rmtree(os.path.join(TMP, "store"))

    # --- a CURVE broker
    b = Broker("--key", broker_sec, "--certs", certs, "--verbose")
    ep = b.endpoint
    lead = Node(ctx, ep, node_keys["lead"], server_key)
    reply = lead.call("hello", {"node": "lead", "role": "leadership"}, timeout=10)
    check(reply and reply["type"] == "ok", "a known key says hello as its node")
    env = {"key": os.path.join(keys, "team-b.cert_secret")}
    rc, out, err = cli("-e", ep, "--key", env["key"], "--broker-key", broker_pub, "ping")
    check(rc == 0 and out.startswith("team-b:"),
          "the CLI with --key takes node and role from the certificate")
    rc, out, err = cli("-e", ep, "--key", env["key"], "--broker-key", server_key, "ping")
    check(rc == 0, "--broker-key takes the broker's key as Z85 text too")
    # Refused handshakes, as the client sees them (issue 12, section 5):
    # the client watches its socket's handshake events and says what went
    # wrong at once, instead of "no answer" once its timeout has passed.
    # The timeout is long, so that only the handshake events can make these
    # end with REFUSED; a client without them would print TIMEOUT.
    rc, out, err = cli("-e", ep, "-n", "team-b", "-r", "team", "ping", timeout=20000)
    check(rc == 1 and "REFUSED (602)" in err and "wants a CURVE key" in err,
          "a client without CURVE is refused at once: %r" % err.strip())
    rc, out, err = cli("-e", ep, "--key", os.path.join(keys, "stranger.cert_secret"),
                       "--broker-key", broker_pub, "ping", timeout=20000)
    check(rc == 1 and "REFUSED (602)" in err and "the broker refused our key (%s..."
          % node_keys["stranger"][0][:8] in err,
          "an unknown key is refused at once, naming the key: %r" % err.strip())
    rc, out, err = cli("-e", ep, "--key", env["key"], "--broker-key",
                       os.path.join(keys, "team-a.cert"), "ping", timeout=20000)
    check(rc == 1 and "REFUSED (602)" in err and "the broker's key does not match" in err,
          "a wrong broker key is refused at once: %r" % err.strip())
    rc, out, err = cli("-e", ep, "--json", "--key", os.path.join(keys, "stranger.cert_secret"),
                       "--broker-key", broker_pub, "ping", timeout=20000)
    check(rc == 1 and '"name": "REFUSED"' in out.replace('":"', '": "'),
          "--json gives the refusal as an error object: %r" % out.strip())
    stranger = Node(ctx, ep, node_keys["stranger"], server_key)
    check(stranger.call("hello", {"node": "stranger", "role": "team"}, timeout=1.5) is None,
          "a key not in the certificate directory gets no answer")
    stranger.close()

    # Refusals store nothing.
    t0 = txnid(b.store)
    a = Node(ctx, ep, node_keys["team-a"], server_key)
    reply = a.call("hello", {"node": "team-b"})
    check(code(reply) == 207 and reply["name"] == "KEY_MISMATCH",
          "hello as another node: KEY_MISMATCH")
    reply = a.call("hello", {"node": "team-a", "role": "leadership"})
    check(code(reply) == 204, "hello with another role than the certificate's: ROLE_MISMATCH")
    reply = a.call("hello", {"node": "lead"})
    check(code(reply) == 207, "hello as a leadership node with a team key: KEY_MISMATCH")
    reply = a.call("draft.new", {"content": {"cycle": "2027-Q1", "objective": "x",
                                             "key_results": [{"text": "y", "target": 1}]}})
    check(code(reply) == 200, "no session after refused hellos: NOT_HELLO")
    check(txnid(b.store) == t0, "the refused hellos stored nothing (LMDB txn id %d)" % t0)
    reply = a.call("hello", {"node": "team-a"})
    check(reply and reply["type"] == "ok" and reply["body"]["role"] == "team",
          "hello without a role takes the certificate's")
    a.close()

    # --- routing-id hijack
    rid = b"\x00" + secrets.token_bytes(4)
    a = Node(ctx, ep, node_keys["team-a"], server_key, routing_id=rid)
    check(a.call("hello", {"node": "team-a"})["type"] == "ok", "team-a says hello")
    thief = Node(ctx, ep, node_keys["team-b"], server_key, routing_id=rid)
    check(thief.call("ping", timeout=1.5) is None,
          "team-b's key on team-a's live routing id: ignored, no answer")
    check(a.call("ping")["type"] == "ok", "team-a keeps its connection")
    thief.close()
    a.close()
    # team-a is gone; once the broker has seen it go (its verbose log says
    # so), team-b's key takes team-a's routing id and only listens: the
    # broker sends it nothing.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "team-a: disconnected" not in b.text():
        time.sleep(0.05)
    check("team-a: disconnected" in b.text(), "the broker notices team-a's disconnection")
    a_gone = Node(ctx, ep, node_keys["team-b"], server_key, routing_id=rid)
    created = lead.call("draft.new", {"content": {"cycle": "2027-Q1", "objective": "Grow",
                                                  "key_results": [{"text": "Ship", "target": 5}]}})
    draft = created["body"]["draft"]
    thrown = lead.call("round.throw", {"draft": draft, "to": ["team-a"]})
    check(thrown and thrown["type"] == "ok", "leadership throws a round to team-a")
    check(a_gone.drain(1.0) == [],
          "team-a's delivery is not sent to a listener holding its old routing id")
    # ZeroMQ ignores a connection whose routing id is still held by a
    # connection it has not finished closing: connect again until heard.
    reply = None
    for _ in range(10):
        reply = a_gone.call("draft.list", timeout=1.0)
        if reply:
            break
        a_gone.close()
        a_gone = Node(ctx, ep, node_keys["team-b"], server_key, routing_id=rid)
    check(code(reply) == 200, "another key on a gone node's routing id: NOT_HELLO, not team-a")
    check(a_gone.drain(0.5) == [], "nor after it speaks")
    reply = a_gone.call("hello", {"node": "team-a"})
    check(code(reply) == 207, "the holder cannot say hello as team-a")
    a_gone.close()
    a = Node(ctx, ep, node_keys["team-a"], server_key)
    check(a.call("hello", {"node": "team-a"})["type"] == "ok", "team-a comes back")
    a.drain(1.0)
    check([d["kind"] for d in a.deliveries] == ["round.thrown"],
          "team-a gets its delivery on its own connection")

    # --- a second connection with the same key replaces the first
    a2 = Node(ctx, ep, node_keys["team-a"], server_key)
    check(a2.call("hello", {"node": "team-a"})["type"] == "ok", "a second connection of team-a")
    check(code(a.call("ping")) == 200, "the first connection gets NOT_HELLO")
    check(a2.call("ping")["type"] == "ok", "the second one is served")
    a.close()
    a2.close()

    # --- revocation
    c = Node(ctx, ep, node_keys["team-c"], server_key)
    check(c.call("hello", {"node": "team-c", "role": "team"})["type"] == "ok",
          "team-c says hello")
    # Revoked the way people do it: the certificate renamed aside, and an
    # editor's backup copy left behind. Only *.cert files are loaded.
    os.rename(os.path.join(certs, "team-c.cert"), os.path.join(certs, "team-c.cert.disabled"))
    shutil.copy(os.path.join(keys, "team-c.cert"), os.path.join(certs, "team-c.cert~"))
    # The broker reads the directory again within a second: wait for it
    # with a deadline, one ping at a time.
    deadline = time.monotonic() + 10
    reply = None
    while time.monotonic() < deadline:
        reply = c.call("ping", timeout=1.0)
        if code(reply) == 206:
            break
    check(code(reply) == 206 and reply["name"] == "KEY_UNKNOWN",
          "the live connection of a revoked key gets KEY_UNKNOWN")
    check(code(c.call("hello", {"node": "team-c"})) == 206,
          "and cannot say hello again")
    thrown = lead.call("round.throw", {"draft": draft, "to": ["team-c"]})
    # The round to team-a is open: close it first if needed.
    if code(thrown) == 301:
        lead.call("round.close", {"round": "r1"})
        thrown = lead.call("round.throw", {"draft": draft, "to": ["team-c"]})
    check(thrown and thrown["type"] == "ok", "leadership throws a round to team-c")
    check(c.drain(1.0) == [], "nothing is pushed to the revoked connection")
    c2 = Node(ctx, ep, node_keys["team-c"], server_key)
    check(c2.call("hello", {"node": "team-c"}, timeout=1.5) is None,
          "a new connection with the revoked key gets no answer")
    c2.close()
    check("team-c: its key was revoked" in b.text(), "the broker logs the revocation")
    shutil.copy(os.path.join(keys, "team-c.cert"), certs)
    deadline = time.monotonic() + 10
    reply = None
    while time.monotonic() < deadline:
        reply = c.call("hello", {"node": "team-c"}, timeout=1.0)
        if reply and reply["type"] == "ok":
            break
    check(reply and reply["type"] == "ok", "with its certificate back, team-c says hello again")
    c.drain(1.0)
    check([d["kind"] for d in c.deliveries] == ["round.thrown"],
          "and gets what was delivered while it was revoked")
    c.close()

    # --- a certificate added while the broker runs: in at once
    shutil.copy(os.path.join(keys, "stranger.cert"), certs)
    newcomer = Node(ctx, ep, node_keys["stranger"], server_key)
    reply = newcomer.call("hello", {"node": "stranger", "role": "team"}, timeout=3.0)
    check(reply and reply["type"] == "ok",
          "a certificate added to the directory lets its node in at once")
    newcomer.close()

    # --- two certificates giving one key to two nodes: neither is let in
    imposter = open(os.path.join(keys, "stranger.cert")).read().replace(
        'name = "stranger"', 'name = "team-z"')
    check('name = "team-z"' in imposter, "a certificate naming the stranger's key team-z")
    with open(os.path.join(certs, "team-z.cert"), "w") as f:
        f.write(imposter)
    again = Node(ctx, ep, node_keys["stranger"], server_key)
    check(again.call("hello", {"node": "stranger"}, timeout=1.5) is None,
          "a key two certificates give to two nodes gets no answer")
    again.close()
    os.remove(os.path.join(certs, "team-z.cert"))
    again = Node(ctx, ep, node_keys["stranger"], server_key)
    reply = again.call("hello", {"node": "stranger"}, timeout=3.0)
    check(reply and reply["type"] == "ok", "with the second certificate gone, it is let in: %r" % (reply,))
    again.close()
    check("neither is accepted" in b.text(), "the broker logs the clash")
    lead.close()
    b.stop()
    check(b.proc.returncode == 0, "the broker stops cleanly")
    ctx.term()


finish(main, check, TMP)
