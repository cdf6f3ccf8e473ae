#!/usr/bin/python3
"""Certificate files and refused handshakes, as PROTOCOL.md section 1.1 says.

Usage: /usr/bin/python3 tests/e2e/certfiles.py CATCHBALLD CATCHBALL

With the real catchballd and catchball binaries and raw pyzmq DEALERs:

- `catchball keygen` makes each file appear whole: watched with inotify,
  neither certificate is ever written under its own name (each is written
  aside and linked), and nothing else is left in the directory;
- the broker reads a certificate written by hand in czmq's format (the
  comments, four-space indentation, a quoted Z85 key that holds `#`), and
  ignores, with a warning, one indented with a tab;
- what a client sees when its handshake is refused, cause by cause: an
  unknown key gives HANDSHAKE_FAILED_AUTH (400) and is not retried by
  ZeroMQ; a wrong broker key and no key at all fail and are retried; a
  certificate added afterwards lets the node in on a new socket.

Prints one line per check and "N passed, M failed"; exits non-zero on any
failure.
"""

import ctypes
import ctypes.util
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

import msgpack
import zmq
from zmq.utils.monitor import recv_monitor_message

from harness import Checks, finish, free_port

CATCHBALLD, CATCHBALL = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="catchball-certfiles.")
check = Checks()

IN_MODIFY, IN_CLOSE_WRITE, IN_CREATE, IN_MOVED_TO = 0x2, 0x8, 0x100, 0x80


def watch(directory, command):
    """Runs command while inotify watches directory; returns [(mask, name)]."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK)
    assert fd >= 0, "inotify_init1"
    wd = libc.inotify_add_watch(fd, directory.encode(),
                                IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO)
    assert wd >= 0, "inotify_add_watch"
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    events, data = [], b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            break
        data += chunk
    os.close(fd)
    offset = 0
    while offset + 16 <= len(data):
        _, mask, _, length = struct.unpack_from("iIII", data, offset)
        name = data[offset + 16: offset + 16 + length].rstrip(b"\0").decode()
        events.append((mask, name))
        offset += 16 + length
    return result, events


def keys_of(path):
    text = open(path).read()
    public = re.search(r'public-key = "(.{40})"', text)
    secret = re.search(r'secret-key = "(.{40})"', text)
    return (public.group(1) if public else None, secret.group(1) if secret else None)


def cert_text(name, role, public, indent="    "):
    """A public certificate as another language would write it, in czmq's shape."""
    return ("#   Written by hand, as PROTOCOL.md section 1.1 describes\n"
            "#   (comments, then two sections of four-space properties)\n"
            "\n"
            "metadata\n"
            "%sname = \"%s\"    # the node\n"
            "%srole = \"%s\"\n"
            "curve\n"
            "%spublic-key = \"%s\"\n" % (indent, name, indent, role, indent, public))


def write_whole(path, text):
    """Writes aside, then renames: the broker never sees half of it."""
    temp = path + ".tmp"
    with open(temp, "w") as f:
        f.write(text)
    os.rename(temp, path)


serial = [0]
state = {}   # the broker's endpoint and key, and the context, once started


class Node:
    """A raw DEALER with a socket monitor."""

    def __init__(self, public=None, secret=None, server=None):
        serial[0] += 1
        self.sock = state["ctx"].socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.setsockopt(zmq.SNDTIMEO, 2000)
        if public:
            self.sock.curve_publickey = public.encode()
            self.sock.curve_secretkey = secret.encode()
            self.sock.curve_serverkey = (server or state["server_key"]).encode()
        address = "inproc://monitor-%d" % serial[0]
        self.sock.monitor(address, zmq.EVENT_ALL)
        self.monitor = state["ctx"].socket(zmq.PAIR)
        self.monitor.connect(address)
        self.sock.connect(state["endpoint"])
        self.events = []

    def call(self, type_, body, timeout=1.0):
        try:
            self.sock.send(msgpack.packb({"cb": 1, "type": type_, "mid": "m%d" % serial[0],
                                          "body": body}))
        except zmq.Again:
            return None
        if self.sock.poll(int(timeout * 1000)):
            return msgpack.unpackb(self.sock.recv(), raw=False)
        return None

    def watch(self, seconds, until=None):
        """The socket's events until until(events) holds, for at most that
        long (a bound, not a synchronisation)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if until and until([e["event"] for e in self.events]):
                break
            if self.monitor.poll(50):
                self.events.append(recv_monitor_message(self.monitor))
        return [e["event"] for e in self.events]

    def close(self):
        self.sock.disable_monitor()
        self.monitor.close(0)
        self.sock.close(0)


def hello(node_name, public, secret, tries=50):
    """Says hello on new sockets until answered (the broker may still be starting)."""
    for _ in range(tries):
        node = Node(public, secret)
        reply = node.call("hello", {"node": node_name}, timeout=0.2)
        node.close()
        if reply:
            return reply
    return None


def main():
    # --- keygen: every file appears whole
    keys = os.path.join(TMP, "keys")
    os.mkdir(keys)
    result, events = watch(keys, [CATCHBALL, "keygen", "team-x", "--role", "team", "--dir", keys])
    check(result.returncode == 0, "keygen team-x (%s)" % result.stderr.strip())
    final = {"team-x.cert", "team-x.cert_secret"}
    written = [(m, n) for m, n in events if n in final and m & (IN_MODIFY | IN_CLOSE_WRITE)]
    check(written == [], "no certificate is written under its own name (%s)" % written)
    check({n for m, n in events if m & IN_CREATE and n in final} == final,
          "both appear, each at once and whole")
    check(sorted(os.listdir(keys)) == sorted(final), "nothing else is left in the directory: %s"
          % sorted(os.listdir(keys)))
    check(all(keys_of(os.path.join(keys, "team-x.cert_secret"))),
          "the secret certificate holds both keys")
    check(os.stat(os.path.join(keys, "team-x.cert_secret")).st_mode & 0o777 == 0o600,
          "the secret certificate is mode 0600")
    result, _ = watch(keys, [CATCHBALL, "keygen", "team-x", "--role", "team", "--dir", keys])
    check(result.returncode == 1 and "not overwritten" in result.stderr,
          "keygen never replaces a certificate")

    # --- the broker, with hand-written certificates
    result = subprocess.run([CATCHBALL, "keygen", "broker", "--role", "broker", "--dir", keys],
                            capture_output=True, text=True)
    check(result.returncode == 0, "keygen broker")
    server_key = keys_of(os.path.join(keys, "broker.cert"))[0]
    certs = os.path.join(TMP, "certs")
    os.mkdir(certs)

    # A key pair whose public key holds '#', the comment sign, inside its quotes.
    while True:
        hash_public, hash_secret = (k.decode() for k in zmq.curve_keypair())
        if "#" in hash_public:
            break
    write_whole(os.path.join(certs, "team-h.cert"), cert_text("team-h", "team", hash_public))
    tab_public, tab_secret = (k.decode() for k in zmq.curve_keypair())
    write_whole(os.path.join(certs, "team-t.cert"), cert_text("team-t", "team", tab_public, "\t"))

    port = free_port()
    endpoint = "tcp://127.0.0.1:%d" % port
    log = os.path.join(TMP, "catchballd.log")
    state.update(endpoint=endpoint, server_key=server_key, ctx=zmq.Context())
    state["broker"] = subprocess.Popen([CATCHBALLD, "--endpoint", endpoint, "--store",
                               os.path.join(TMP, "store"), "--key",
                               os.path.join(keys, "broker.cert_secret"), "--certs", certs],
                              stdout=open(log, "w"), stderr=subprocess.STDOUT)
    reply = hello("team-h", hash_public, hash_secret)
    check(reply is not None and reply.get("type") == "ok",
          "a hand-written certificate whose quoted key holds '#' lets its node in: %s" % reply)
    text = open(log).read()
    check(re.search(r"keys: .*team-t\.cert is not a certificate \(skipped\)", text) is not None,
          "a certificate indented with a tab is ignored, with a warning")

    # --- refused handshakes, cause by cause
    stranger = Node(tab_public, tab_secret, server_key)
    stranger.watch(10, lambda seen: zmq.EVENT_DISCONNECTED in seen)
    # ZeroMQ's reconnect interval is 100 ms: a second must show a retry.
    seen = stranger.watch(1.0)
    check(zmq.EVENT_HANDSHAKE_FAILED_AUTH in seen,
          "an unknown key: HANDSHAKE_FAILED_AUTH (events %s)" % seen)
    auth = [e for e in stranger.events if e["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH]
    check(auth and auth[0]["value"] == 400, "with the ZAP status 400")
    check(seen.count(zmq.EVENT_CONNECTED) == 1 and zmq.EVENT_CONNECT_RETRIED not in seen,
          "and ZeroMQ does not try that socket again")
    check(stranger.call("ping", {}, timeout=0.5) is None, "no answer ever comes on it")

    # A wrong broker key fails in the client's handshake, the connection
    # closes, and ZeroMQ tries again (and fails again), forever.
    retried = lambda seen: seen.count(zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL) >= 2
    wrong = Node(hash_public, hash_secret, tab_public)
    seen = wrong.watch(10, retried)
    check(retried(seen) and zmq.EVENT_HANDSHAKE_FAILED_AUTH not in seen
          and zmq.EVENT_HANDSHAKE_SUCCEEDED not in seen,
          "a wrong broker key: HANDSHAKE_FAILED_NO_DETAIL, again and again (%d times)"
          % seen.count(zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL))
    wrong.close()

    # No key: the mechanisms differ. Either the client reads the broker's
    # greeting first (HANDSHAKE_FAILED_PROTOCOL, not retried) or the broker
    # closes first (NO_DETAIL, retried), as it happens.
    bare = Node()
    seen = bare.watch(10, lambda seen: retried(seen)
                      or zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL in seen)
    if zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL in seen:
        # Each try fails one way or the other; none follows a PROTOCOL one.
        last = len(seen) - 1 - seen[::-1].index(zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL)
        seen = bare.watch(1.0)
        ok = zmq.EVENT_CONNECT_RETRIED not in seen[last:]
    else:
        ok = retried(seen)
    check(ok and zmq.EVENT_HANDSHAKE_SUCCEEDED not in seen
          and zmq.EVENT_HANDSHAKE_FAILED_AUTH not in seen,
          "no key at all: refused as documented (%s)" % seen[:8])
    bare.close()

    # The certificate, added the right way: the old socket stays out, a new
    # one gets in.
    write_whole(os.path.join(certs, "team-t.cert"), cert_text("team-t", "team", tab_public))
    reply = hello("team-t", tab_public, tab_secret)
    check(reply is not None and reply.get("type") == "ok",
          "once its certificate is added, a new socket gets in: %s" % reply)
    check(stranger.call("ping", {}, timeout=0.5) is None,
          "the socket refused before still gets no answer")
    stranger.close()
    stop()


def stop():
    broker = state.get("broker")
    if broker and broker.poll() is None:
        broker.terminate()
        broker.wait(10)


try:
    finish(main, check, TMP)
finally:
    stop()
