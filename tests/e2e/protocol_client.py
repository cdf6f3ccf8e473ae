#!/usr/bin/python3
"""End-to-end test of catchballd, written only from proto/PROTOCOL.md.

Usage: /usr/bin/python3 tests/e2e/protocol_client.py PATH_TO_CATCHBALLD

Starts the broker on a free loopback port with a temporary store, runs a full
catchball scenario plus error cases through a small Python client, prints
"N passed, M failed" and exits 0 only if nothing failed and the whole scenario ran.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import msgpack
import zmq

from harness import Checks, free_port

RETRY_INTERVAL = 1.0      # seconds before resending the same frame (as the C library)
REQUEST_TIMEOUT = 10.0    # seconds before a request is given up
DELIVERY_TIMEOUT = 5.0    # seconds to wait for an expected delivery
QUIET_PERIOD = 0.7        # seconds to watch for deliveries that must NOT come


class ProtocolError(Exception):
    pass


class Fatal(Exception):
    """The scenario cannot continue."""


# --------------------------------------------------------------------------- client

class Client:
    """A catchball node speaking protocol version 1 over one DEALER socket."""

    def __init__(self, ctx, endpoint, node, role=None, parent=None):
        self.ctx = ctx
        self.endpoint = endpoint
        self.node = node
        self.role = role
        self.parent = parent
        self.prefix = secrets.token_hex(8)
        self.counter = 0
        self.sock = None
        self.waiting = set()          # mids we still wait for
        self.replies = {}             # mid -> reply map
        self.nil_replies = []         # error replies with mid nil
        self.deliveries = []          # queue of deliveries handed to the application
        self.raw_seqs = []            # every seq received on the wire (with duplicates)
        self.last_seq = 0             # highest seq handed to the application
        self.hello_reply = None
        self.rehellos = 0
        self.connect()

    # -- socket

    def connect(self):
        s = self.ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        for opt, val in (("HEARTBEAT_IVL", 2000), ("HEARTBEAT_TIMEOUT", 6000)):
            if hasattr(zmq, opt):
                s.setsockopt(getattr(zmq, opt), val)
        s.connect(self.endpoint)
        self.sock = s

    def close(self):
        if self.sock is not None:
            self.sock.close(0)
            self.sock = None

    def new_mid(self):
        self.counter += 1
        return "%s-%d" % (self.prefix, self.counter)

    # -- receiving

    def _pump(self, timeout):
        """Receive at most one message within timeout seconds; True if one came."""
        if not self.sock.poll(max(0, int(timeout * 1000)), zmq.POLLIN):
            return False
        frames = self.sock.recv_multipart()
        if len(frames) != 1:
            raise ProtocolError("expected one frame, got %d" % len(frames))
        msg = msgpack.unpackb(frames[0], raw=False)
        if not isinstance(msg, dict):
            raise ProtocolError("message is not a map: %r" % (msg,))
        if msg.get("cb") != 1:
            raise ProtocolError("bad cb in %r" % (msg,))
        t = msg.get("type")
        if t == "deliver":
            seq = msg.get("seq")
            self.raw_seqs.append(seq)
            if isinstance(seq, int) and seq > self.last_seq:
                self.last_seq = seq
                self.deliveries.append(msg)
        elif t in ("ok", "error"):
            mid = msg.get("mid")
            if mid is None:
                self.nil_replies.append(msg)
            elif mid in self.waiting:
                self.replies[mid] = msg
            # else: a late answer to a resent request; ignored
        else:
            self._other(msg)
        return True

    def _other(self, msg):
        """A message of a type this client does not expect (subclasses take more)."""
        raise ProtocolError("unknown message type %r" % (msg.get("type"),))

    def drain(self, duration):
        """Receive everything arriving during `duration` seconds."""
        end = time.monotonic() + duration
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self._pump(left)

    # -- requests

    def frame(self, type_, body, mid):
        m = {"cb": 1, "type": type_, "mid": mid}
        if body is not None:
            m["body"] = body
        return msgpack.packb(m, use_bin_type=True)

    def send_frame_wait(self, frame, mid, timeout=REQUEST_TIMEOUT, resend=True):
        """Send one frame and wait for the reply carrying `mid`, resending the
        same frame every RETRY_INTERVAL seconds."""
        self.waiting.add(mid)
        self.replies.pop(mid, None)
        try:
            deadline = time.monotonic() + timeout
            self.sock.send(frame)
            next_send = time.monotonic() + RETRY_INTERVAL
            while mid not in self.replies:
                now = time.monotonic()
                if now >= deadline:
                    raise TimeoutError("no reply to mid %s on %s" % (mid, self.node))
                if resend and now >= next_send:
                    self.sock.send(frame)
                    next_send = now + RETRY_INTERVAL
                self._pump(min(deadline, next_send if resend else deadline) - now)
            return self.replies.pop(mid)
        finally:
            self.waiting.discard(mid)

    def request(self, type_, body=None, mid=None, rehello=True, timeout=REQUEST_TIMEOUT):
        """Send a request and return the reply map (ok or error)."""
        mid = mid or self.new_mid()
        frame = self.frame(type_, body, mid)
        reply = self.send_frame_wait(frame, mid, timeout)
        if (rehello and type_ != "hello" and reply.get("type") == "error"
                and reply.get("code") == 200):
            self.rehellos += 1
            self.hello()
            reply = self.send_frame_wait(frame, mid, timeout)
        return reply

    def call(self, type_, body=None, **kw):
        """A request that must succeed; returns its reply body."""
        reply = self.request(type_, body, **kw)
        if reply.get("type") != "ok":
            raise Fatal("%s %s %r failed: %r" % (self.node, type_, body, reply))
        b = reply.get("body")
        return b if b is not None else {}

    def hello(self):
        body = {"node": self.node}
        if self.role:
            body["role"] = self.role
        if self.parent:
            body["parent"] = self.parent
        self.hello_reply = self.call("hello", body)
        return self.hello_reply

    def send_raw(self, data, timeout=5.0, mid=None):
        """Send raw bytes as one frame (no resend); return the first reply with a
        nil mid, or with `mid` if given."""
        self.nil_replies = []
        if mid is not None:
            self.waiting.add(mid)
            self.replies.pop(mid, None)
        try:
            self.sock.send(data)
            end = time.monotonic() + timeout
            while True:
                if self.nil_replies:
                    return self.nil_replies.pop(0)
                if mid is not None and mid in self.replies:
                    return self.replies.pop(mid)
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self._pump(left)
        finally:
            if mid is not None:
                self.waiting.discard(mid)

    def reconnect(self):
        """A new DEALER socket (a new connection), with fresh de-duplication state."""
        self.close()
        self.last_seq = 0
        self.deliveries = []
        self.raw_seqs = []
        self.connect()

    # -- deliveries

    def wait_delivery(self, kind, pred=None, timeout=DELIVERY_TIMEOUT):
        """Take the first queued delivery of `kind` (matching pred) out of the queue."""
        end = time.monotonic() + timeout
        while True:
            for i, d in enumerate(self.deliveries):
                if d.get("kind") == kind and (pred is None or pred(d.get("body") or {})):
                    return self.deliveries.pop(i)
            left = end - time.monotonic()
            if left <= 0:
                return None
            self._pump(left)

    def ack(self, upto):
        return self.call("ack", {"upto": upto})


def wait_ready(ctx, endpoint, proc, timeout=15.0):
    """Poll the broker with ping until it answers (NOT_HELLO counts as an answer)."""
    probe = ctx.socket(zmq.DEALER)
    probe.setsockopt(zmq.LINGER, 0)
    probe.connect(endpoint)
    try:
        end = time.monotonic() + timeout
        n = 0
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise Fatal("broker exited with status %s" % proc.returncode)
            n += 1
            probe.send(msgpack.packb({"cb": 1, "type": "ping", "mid": "probe-%d" % n,
                                      "body": {}}, use_bin_type=True))
            if probe.poll(250, zmq.POLLIN):
                msg = msgpack.unpackb(probe.recv(), raw=False)
                return msg
        raise Fatal("broker not ready after %.0f s" % timeout)
    finally:
        probe.close(0)


def kr_by_id(content, kid):
    for kr in content.get("key_results") or []:
        if kr.get("id") == kid:
            return kr
    return None


# --------------------------------------------------------------------------- scenario

def scenario(ctx, endpoint, t, probe_reply):
    C = t.check

    # ---- readiness / request before hello
    t.error(probe_reply, 200, "NOT_HELLO", "ping before hello (readiness probe)")
    anon = Client(ctx, endpoint, "anonymous")
    r = anon.request("ping", {}, rehello=False)
    t.error(r, 200, "NOT_HELLO", "request before hello")
    C(r.get("mid") is not None and r.get("mid").startswith(anon.prefix),
      "NOT_HELLO reply carries the request's mid", r)

    # ---- hello
    lead = Client(ctx, endpoint, "lead", "leadership")
    team1 = Client(ctx, endpoint, "team-1", "team", "lead")
    team2 = Client(ctx, endpoint, "team-2", "team", "lead")
    team3 = Client(ctx, endpoint, "team-3", "team", "lead")
    obs = Client(ctx, endpoint, "watcher", "observer")
    for c in (lead, team1, team2, team3, obs):
        h = c.hello()
        C(h.get("node") == c.node and h.get("role") == c.role,
          "hello %s registers node and role" % c.node, h)
        C(h.get("inbox") == {"last": 0, "acked": 0}, "hello %s: empty inbox" % c.node, h)
    eq = t.eq
    eq(team1.hello_reply.get("parent"), "lead", "hello reply echoes parent")
    eq(lead.hello_reply.get("parent"), None, "hello reply parent nil when unset")
    r = lead.call("ping", {})
    C(isinstance(r.get("time"), int) and abs(r["time"] - time.time() * 1000) < 60000,
      "ping returns the time in ms since the epoch", r)
    r = lead.request("hello", {"node": "lead", "role": "team"})
    t.error(r, 204, "ROLE_MISMATCH", "hello with another role")

    # ---- draft.new
    content1 = {
        "cycle": "2027-Q1",
        "objective": "Delight new customers in their first week",
        "narrative": "Activation is our biggest leak.",
        "key_results": [
            {"text": "Activation rate", "baseline": 40, "target": 60, "unit": "%",
             "leads": ["ana", "bo"]},
            {"text": "Week-1 support tickets", "baseline": 300, "target": 100},
        ],
    }
    r = obs.request("draft.new", {"content": content1})
    t.error(r, 201, "FORBIDDEN", "observer creating a draft")
    r = lead.call("draft.new", {"content": content1})
    # The coach's findings come with the reply (PROTOCOL.md 6.1): kr2 has
    # no unit and no leads.
    coach = r.pop("coach", None) if isinstance(r, dict) else None
    eq(r, {"draft": "d1", "rev": 1}, "draft.new reply")
    eq(sorted((f.get("code"), f.get("about"), f.get("level")) for f in coach or []),
       [("NO_LEAD", "kr2", "info"), ("NO_UNIT", "kr2", "info")],
       "draft.new reply: the coach's findings, as warnings")
    d = r["draft"]
    shown = lead.call("draft.show", {"draft": d})
    dr, rv = shown.get("draft", {}), shown.get("revision", {})
    eq((dr.get("owner"), dr.get("state"), dr.get("head"), dr.get("revs"), dr.get("cycle")),
       ("lead", "drafting", 1, 1, "2027-Q1"), "draft.show: owner/state/head/revs/cycle")
    eq(rv.get("message"), "first draft", "default message of the first revision")
    eq([k.get("id") for k in rv.get("content", {}).get("key_results", [])], ["kr1", "kr2"],
       "key results get kr1, kr2")

    # ---- envelope / field errors
    r = lead.request("draft.frobnicate", {})
    t.error(r, 102, "UNKNOWN_TYPE", "unknown type")
    r = lead.request("draft.new", {})
    t.error(r, 103, "BAD_FIELD", "draft.new missing content")
    r = lead.request("draft.show", {"draft": d, "colour": "red"})
    t.error(r, 103, "BAD_FIELD", "unknown key inside body")
    mid = lead.new_mid()
    r = lead.send_frame_wait(msgpack.packb({"cb": 2, "type": "ping", "mid": mid, "body": {}},
                                           use_bin_type=True), mid)
    t.error(r, 101, "BAD_VERSION", "cb = 2")
    r = lead.request("draft.show", {"draft": "d99"})
    t.error(r, 300, "NOT_FOUND", "unknown draft")

    # ---- throw
    r = lead.request("round.throw", {"draft": d, "to": ["team-1", "nobody-here"]})
    t.error(r, 306, "UNKNOWN_NODE", "throw to a node that never said hello")
    r = team1.request("round.throw", {"draft": d, "to": ["team-2"]})
    t.error(r, 202, "NOT_OWNER", "a team throwing the leadership's draft")
    question = "Can you commit to 60 %?"
    r = lead.call("round.throw", {"draft": d, "to": ["team-1", "team-2"], "question": question})
    eq((r.get("round"), r.get("draft"), r.get("rev"), r.get("deadline")),
       ("r1", d, 1, None), "round.throw reply")
    rnd = r["round"]
    eq(lead.call("draft.show", {"draft": d})["draft"].get("state"), "in_round",
       "draft state in_round after throw")

    for c in (team1, team2):
        dl = c.wait_delivery("round.thrown")
        if not C(dl is not None, "%s receives round.thrown" % c.node):
            continue
        b = dl["body"]
        C(isinstance(dl.get("time"), int), "%s delivery has a time" % c.node, dl)
        eq(dl.get("seq"), 1, "%s round.thrown is seq 1" % c.node)
        eq((b.get("round"), b.get("draft"), b.get("rev"), b.get("owner"), b.get("question"),
            b.get("deadline")), (rnd, d, 1, "lead", question, None),
           "%s round.thrown header" % c.node)
        cont = b.get("content") or {}
        eq(cont.get("objective"), content1["objective"], "%s round.thrown objective" % c.node)
        eq([(k.get("id"), k.get("text"), k.get("target")) for k in cont.get("key_results", [])],
           [("kr1", "Activation rate", 60), ("kr2", "Week-1 support tickets", 100)],
           "%s round.thrown key results" % c.node)
    eq(team1.ack(1), {"acked": 1}, "team-1 acks seq 1")

    # while the round is open
    r = lead.request("draft.revise", {"draft": d, "content": content1})
    t.error(r, 301, "ROUND_OPEN", "revise while a round is open")
    r = team3.request("round.feedback", {"round": rnd, "kind": "support", "text": "+1"})
    t.error(r, 203, "NOT_RECIPIENT", "a non-recipient responding")
    r = team1.request("round.feedback", {"round": rnd, "kind": "nonsense", "text": "x"})
    t.error(r, 103, "BAD_FIELD", "feedback with an unknown kind")

    # ---- team 1: feedback (final=false), then an endorsement
    r = team1.call("round.feedback", {"round": rnd, "on": "kr1", "kind": "concern",
                                      "text": "60 % needs the data team", "final": False})
    eq(r, {"id": "f1", "round": rnd, "round_closed": False}, "team-1 feedback reply")
    fid = r.get("id")
    r = team1.call("round.endorse", {"round": rnd, "confidence": 3, "text": "with help"})
    eq(r, {"id": "e1", "round": rnd, "round_closed": False}, "team-1 endorsement reply")
    r = team1.request("round.feedback", {"round": rnd, "kind": "support", "text": "again"})
    t.error(r, 303, "ALREADY_ANSWERED", "team-1 responding after its final response")

    # ---- team 2: counter-proposal, closes the round
    counter = {
        "objective": content1["objective"],
        "narrative": content1["narrative"],
        "key_results": [
            {"text": "Activation rate", "baseline": 40, "target": 60, "unit": "%",
             "leads": ["ana", "bo"]},
            {"text": "Week-1 support tickets", "baseline": 300, "target": 150},
        ],
    }
    r = team2.call("round.counter", {"round": rnd, "content": counter,
                                     "message": "150 is realistic"})
    eq((r.get("id"), r.get("round"), r.get("round_closed"), r.get("draft")),
       ("p1", rnd, True, d), "team-2 counter reply closes the round")
    pid, prev = r.get("id"), r.get("rev")
    eq(prev, 2, "counter-proposal is revision 2")

    rs = lead.call("round.show", {"round": rnd})
    ro = rs.get("round", {})
    eq((ro.get("state"), ro.get("closed_by"), sorted(ro.get("answered") or [])),
       ("closed", "answered", ["team-1", "team-2"]), "round.show: closed by answered")
    eq([x.get("id") for x in rs.get("responses", [])], ["f1", "e1", "p1"],
       "round.show lists responses")
    eq(lead.call("draft.show", {"draft": d})["draft"].get("state"), "drafting",
       "draft state back to drafting")

    # owner deliveries: 3 round.response then round.closed
    for rid, typ in (("f1", "feedback"), ("e1", "endorse"), ("p1", "counter")):
        dl = lead.wait_delivery("round.response", lambda b, rid=rid: (b.get("response") or {}).get("id") == rid)
        if C(dl is not None, "owner receives round.response %s" % rid):
            resp = dl["body"]["response"]
            eq((dl["body"].get("round"), dl["body"].get("draft"), resp.get("type"),
                resp.get("final")), (rnd, d, typ, rid != "f1"),
               "round.response %s fields" % rid)
            if rid == "f1":
                eq((resp.get("on"), resp.get("kind"), resp.get("author")),
                   ("kr1", "concern", "team-1"), "feedback response content")
            if rid == "p1":
                eq(resp.get("proposal_rev"), 2, "counter response proposal_rev")
    for c in (lead, team1, team2):
        dl = c.wait_delivery("round.closed")
        if C(dl is not None, "%s receives round.closed" % c.node):
            b = dl["body"]
            eq((b.get("round"), b.get("closed_by"), sorted(b.get("answered") or []),
                b.get("missing"), b.get("responses")),
               (rnd, "answered", ["team-1", "team-2"], [], ["f1", "e1", "p1"]),
               "%s round.closed body" % c.node)
    eq([x for x in lead.raw_seqs], [1, 2, 3, 4], "owner inbox seqs 1..4")
    r = team1.request("round.feedback", {"round": rnd, "kind": "support", "text": "late"})
    C(r.get("type") == "error" and r.get("code") in (302, 303),
      "team-1 responding to the closed round is refused (ROUND_CLOSED or ALREADY_ANSWERED)", r)

    # ---- NOT_OWNER: a team revising the leadership's draft
    r = team1.request("draft.revise", {"draft": d, "content": content1})
    t.error(r, 202, "NOT_OWNER", "a team revising the leadership's draft")

    # ---- owner revises addressing the feedback
    content3 = {
        "objective": content1["objective"],
        "narrative": "Activation is our biggest leak; the data team helps with kr1.",
        "key_results": content1["key_results"],
    }
    r = lead.call("draft.revise", {"draft": d, "content": content3,
                                   "message": "data team named", "addresses": [fid]})
    C(isinstance(r, dict) and isinstance(r.pop("coach", None), list),
          "revise: the coach's findings come with the reply")
    eq(r, {"draft": d, "rev": 3}, "revise -> rev 3")
    rv = lead.call("draft.show", {"draft": d, "rev": 3}).get("revision", {})
    eq((rv.get("parent"), rv.get("mainline"), rv.get("addresses"), rv.get("round")),
       (1, True, [fid], rnd), "rev 3 parent/mainline/addresses/round")
    eq([k.get("id") for k in rv.get("content", {}).get("key_results", [])], ["kr1", "kr2"],
       "KR ids kept by text on revise")

    # ---- owner adopts the counter-proposal
    r = lead.request("proposal.adopt", {"proposal": "f1"})
    t.error(r, 307, "NOT_PROPOSAL", "adopting a feedback id")
    r = team1.request("proposal.adopt", {"proposal": pid})
    t.error(r, 202, "NOT_OWNER", "a team adopting a proposal of the leadership's draft")
    r = lead.call("proposal.adopt", {"proposal": pid, "message": "team-2 is right"})
    eq(r, {"draft": d, "rev": 4}, "adopt -> rev 4")
    rv = lead.call("draft.show", {"draft": d}).get("revision", {})
    eq((rv.get("rev"), rv.get("parent"), rv.get("proposal"), rv.get("proposer"),
        rv.get("adopted_from"), rv.get("addresses")),
       (4, 3, pid, "team-2", 2, [pid]), "adopted revision fields")
    eq(kr_by_id(rv.get("content", {}), "kr2").get("target") if kr_by_id(rv.get("content", {}), "kr2") else None,
       150, "adopted content has kr2 target 150")
    dl = team2.wait_delivery("proposal.adopted")
    if C(dl is not None, "proposer receives proposal.adopted"):
        eq(dl["body"], {"proposal": pid, "draft": d, "rev": 4, "by": "lead"},
           "proposal.adopted body")

    # ---- ROUND_CLOSED: a second round closed by its owner
    r = lead.call("round.throw", {"draft": d, "to": ["team-1"], "question": "Better?"})
    rnd2 = r.get("round")
    eq(rnd2, "r2", "second round is r2")
    dl = team1.wait_delivery("round.thrown", lambda b: b.get("round") == rnd2)
    C(dl is not None and dl["body"].get("rev") == 4, "team-1 receives r2 on rev 4", dl)
    r = team1.request("round.close", {"round": rnd2})
    t.error(r, 202, "NOT_OWNER", "a recipient closing the round")
    eq(lead.call("round.close", {"round": rnd2}), {"round": rnd2, "closed_by": "owner"},
       "owner closes r2")
    r = team1.request("round.feedback", {"round": rnd2, "kind": "support", "text": "late"})
    t.error(r, 302, "ROUND_CLOSED", "responding to a closed round")
    r = lead.request("round.close", {"round": rnd2})
    t.error(r, 302, "ROUND_CLOSED", "closing a closed round")
    for c in (lead, team1):
        dl = c.wait_delivery("round.closed", lambda b: b.get("round") == rnd2)
        if C(dl is not None, "%s receives round.closed for r2" % c.node):
            eq((dl["body"].get("closed_by"), dl["body"].get("missing")), ("owner", ["team-1"]),
               "%s r2 round.closed closed_by/missing" % c.node)

    # ---- resend of a change with the same mid
    content5 = dict(rv.get("content", {}))
    content5.pop("cycle", None)
    content5["narrative"] = "Revision made to test resends."
    mid = lead.new_mid()
    frame = lead.frame("draft.revise", {"draft": d, "content": content5, "message": "resend"}, mid)
    r1 = lead.send_frame_wait(frame, mid)
    r2 = lead.send_frame_wait(frame, mid)
    C(r1.get("type") == "ok", "revise -> ok", r1)
    eq(r2, r1, "resend with the same mid gets the identical reply")
    eq(lead.call("draft.show", {"draft": d})["draft"].get("revs"), 5,
       "resend did not create a second revision")
    # a reused mid with a different request gets the first reply
    r3 = lead.request("draft.revise", {"draft": d, "content": content3, "message": "other"},
                      mid=mid)
    eq(r3, r1, "reused mid with another request gets the first reply")
    eq(lead.call("draft.show", {"draft": d})["draft"].get("revs"), 5,
       "reused mid created nothing")
    # an error is not kept: the same mid runs again
    emid = lead.new_mid()
    r = lead.request("draft.finalize", {"draft": d}, mid=emid)
    t.error(r, 323, "NO_CONFIDENCE", "finalising without a vote")
    r = lead.request("draft.finalize", {"draft": d}, mid=emid)
    t.error(r, 323, "NO_CONFIDENCE", "the same mid after an error runs again")

    # ---- the sealed vote (issue 14) and finalise
    r = team1.request("draft.vote", {"draft": d, "confidence": 4})
    t.error(r, 210, "NOT_VOTER", "a vote on a draft with no vote open")
    r = lead.request("vote.open", {"draft": d, "voters": ["lead", "team-1"]})
    t.error(r, 103, "BAD_FIELD", "the owner is not a voter")
    r = lead.call("vote.open", {"draft": d, "voters": ["team-1", "team-2"], "deadline": 900})
    eq((r.get("vote"), r.get("draft"), r.get("rev"), r.get("voters"), r.get("threshold")),
       ("v1", d, 5, ["team-1", "team-2"], 3), "vote.open reply")
    r = lead.request("draft.vote", {"draft": d, "confidence": 0})
    t.error(r, 210, "NOT_VOTER", "the owner's own vote is refused")
    r = team1.request("draft.vote", {"draft": d, "confidence": 6})
    t.error(r, 103, "BAD_FIELD", "vote confidence 6")
    r = team1.call("draft.vote", {"draft": d, "confidence": 4, "comment": "go"})
    eq(r, {"draft": d, "rev": 5, "vote": "v1", "counted": True},
       "vote reply: counted, and no one's vote")
    r = team1.request("draft.vote", {"draft": d, "confidence": 5})
    t.error(r, 322, "ALREADY_VOTED", "a second vote")
    v = team2.call("vote.show", {"vote": "v1"})["vote"]
    eq((v.get("state"), v.get("voted"), "ballots" in v, v.get("result")),
       ("open", ["team-1"], False, None), "vote.show while open: who voted, not how")
    r = lead.request("draft.finalize", {"draft": d})
    t.error(r, 323, "NO_CONFIDENCE", "finalising before the reveal")
    r = team2.call("draft.vote", {"draft": d, "confidence": 3})
    eq(r, {"draft": d, "rev": 5, "vote": "v1", "counted": True}, "the last vote: counted")
    for c in (lead, team1, team2):
        dl = c.wait_delivery("vote.revealed")
        if C(dl is not None, "%s receives vote.revealed" % c.node):
            res = dl["body"].get("result") or {}
            eq(([(x.get("node"), x.get("confidence")) for x in res.get("votes", [])],
                res.get("min"), res.get("median"), res.get("spread"), res.get("passed"),
                dl["body"].get("closed_by")),
               ([("team-1", 4), ("team-2", 3)], 3, 3.5, 1, True, "voted"),
               "%s: every vote at once, minimum, median, spread" % c.node)
    r = team2.request("draft.vote", {"draft": d, "confidence": 3})
    t.error(r, 321, "VOTE_CLOSED", "a vote on a revealed vote")
    r = lead.call("draft.finalize", {"draft": d})
    eq(r, {"draft": d, "rev": 5}, "finalize reply")
    dr = lead.call("draft.show", {"draft": d})["draft"]
    eq((dr.get("state"), dr.get("final_rev")), ("final", 5), "draft final with final_rev")
    r = lead.request("draft.finalize", {"draft": d})
    t.error(r, 304, "DRAFT_FINAL", "finalising twice")
    r = lead.request("draft.revise", {"draft": d, "content": content5})
    t.error(r, 304, "DRAFT_FINAL", "revising a final draft without a reason")
    for c in (team1, team2):
        dl = c.wait_delivery("draft.final")
        if C(dl is not None, "%s receives draft.final" % c.node):
            eq(dl["body"], {"draft": d, "rev": 5, "objective": content1["objective"]},
               "%s draft.final body" % c.node)

    # ---- history and diff
    h = obs.call("draft.history", {"draft": d})
    revs = h.get("revisions", [])
    eq([x.get("rev") for x in revs], [1, 2, 3, 4, 5], "history lists revisions 1..5")
    eq([x.get("mainline") for x in revs], [True, False, True, True, True],
       "history mainline flags")
    C(all(isinstance(x.get("changes"), list) for x in revs), "every history revision has changes",
      revs)
    C(all("content" not in x and x.get("objective") for x in revs),
      "history revisions have objective and no content", revs)
    if len(revs) == 5:
        ch2 = revs[1].get("changes")
        eq(ch2, [{"kr": "kr2", "change": "changed",
                  "fields": [{"field": "target", "from": 100, "to": 150}]}],
           "history changes of the counter-proposal")
        ch3 = revs[2].get("changes")
        eq(ch3, [{"field": "narrative", "from": content1["narrative"],
                  "to": content3["narrative"]}], "history changes of rev 3")
        first = revs[0].get("changes") or []
        eq([c.get("field") or (c.get("kr"), c.get("change")) for c in first],
           ["objective", "narrative", ("kr1", "added"), ("kr2", "added")],
           "history changes of rev 1 (from nothing)")
        eq(revs[2].get("addresses"), [fid], "history rev 3 addresses the feedback")
    rounds = h.get("rounds", [])
    eq([x.get("id") for x in rounds], ["r1", "r2"], "history lists the rounds")
    if rounds:
        C(all(isinstance(x, dict) for x in rounds[0].get("responses", [])) and
          [x.get("id") for x in rounds[0].get("responses", [])] == ["f1", "e1", "p1"],
          "history rounds carry responses in full", rounds[0].get("responses"))

    df = obs.call("draft.diff", {"draft": d, "from": 1, "to": 5})
    eq((df.get("draft"), df.get("from"), df.get("to")), (d, 1, 5), "diff header")
    changes = df.get("changes", [])
    tgt = [c for c in changes if c.get("kr") == "kr2" and c.get("change") == "changed"]
    C(len(tgt) == 1 and {"field": "target", "from": 100, "to": 150} in tgt[0].get("fields", []),
      "diff 1 -> head reports kr2 target 100 -> 150", changes)
    C(not any(c.get("kr") == "kr1" for c in changes), "diff does not report unchanged kr1", changes)
    eq([c.get("field") or c.get("kr") for c in changes], ["narrative", "kr2"], "diff order")

    # ---- acks stop redelivery
    # owner: round.response x3, round.closed(r1), round.closed(r2), vote.revealed
    last = lead.last_seq
    eq(last, 6, "owner has 6 deliveries")
    eq(lead.ack(3), {"acked": 3}, "owner acks up to 3")
    eq(lead.ack(1), {"acked": 3}, "acknowledging less changes nothing")
    eq(lead.ack(99), {"acked": last}, "ack clamped to last")
    # (now all acked; test partial with team-2 and team-1)
    old_lead = lead
    lead = Client(ctx, endpoint, "lead")
    h = lead.hello()
    eq(h.get("inbox"), {"last": last, "acked": last}, "owner re-hello inbox after acks")
    lead.drain(QUIET_PERIOD)
    eq(lead.raw_seqs, [], "acked deliveries are not delivered again (owner)")
    r = old_lead.request("ping", {}, rehello=False)
    t.error(r, 200, "NOT_HELLO", "older connection of a node after a newer hello")
    old_lead.close()

    # team-1: round.thrown r1 (1, acked), round.closed r1 (2), round.thrown r2 (3),
    # round.closed r2 (4), vote.opened (5), vote.revealed (6), draft.final (7): ack up
    # to 3, reconnect, expect 4 to 7
    eq(team1.last_seq, 7, "team-1 has 7 deliveries")
    eq(team1.ack(3), {"acked": 3}, "team-1 acks up to 3")
    team1.reconnect()
    h = team1.hello()
    eq(h.get("inbox"), {"last": 7, "acked": 3}, "team-1 re-hello inbox")
    dl = team1.wait_delivery("draft.final")
    C(dl is not None, "unacked draft.final redelivered to team-1")
    team1.drain(QUIET_PERIOD)
    eq(team1.raw_seqs, [4, 5, 6, 7], "team-1 gets exactly the unacked seqs 4 to 7")
    # team-2 acked nothing: everything comes again, in order
    n2 = team2.last_seq
    team2.reconnect()
    h = team2.hello()
    eq(h.get("inbox"), {"last": n2, "acked": 0}, "team-2 re-hello inbox")
    team2.drain(QUIET_PERIOD)
    eq(team2.raw_seqs, list(range(1, n2 + 1)), "team-2 gets all unacked deliveries again")
    eq([x.get("kind") for x in team2.deliveries],
       ["round.thrown", "round.closed", "proposal.adopted", "vote.opened", "vote.revealed",
        "draft.final"],
       "team-2 delivery kinds")
    # duplicate suppression: same connection, re-hello replays from acked
    team2.hello()
    team2.drain(QUIET_PERIOD)
    eq(team2.raw_seqs, list(range(1, n2 + 1)) * 2, "re-hello on the same connection replays")
    eq(len(team2.deliveries), n2, "client de-duplicates replayed deliveries by seq")

    # ---- re-hello on NOT_HELLO (client handles it by itself)
    team3b = Client(ctx, endpoint, "team-3")
    team3b.hello()
    before = team3.rehellos
    r = team3.call("ping", {})
    C(team3.rehellos == before + 1 and isinstance(r.get("time"), int),
      "client re-hellos on NOT_HELLO and resends", team3.rehellos)
    team3b.close()

    # ---- bad frames; the broker keeps serving
    bad = [
        (b"\xc1", "byte 0xc1"),
        (b"\xdd\xff\xff\xff\xff", "array32 claiming 2^32-1 items"),
        (b"\xdf\xff\xff\xff\xff", "map32 claiming 2^32-1 entries"),
        (b"\x81\xa2cb", "truncated map"),
        (msgpack.packb({"cb": 1, "type": "ping", "mid": "x"}) + b"\x00", "trailing bytes"),
        (msgpack.packb([1, 2, 3]), "an array, not a map"),
        (msgpack.packb({1: 2}), "non-string map key"),
        (msgpack.packb({"cb": 1, "type": "ping", "mid": b"x"}, use_bin_type=True), "bin value"),
        (b"", "empty frame"),
    ]
    for data, what in bad:
        r = obs.send_raw(data)
        t.error(r, 100, "BAD_MESSAGE", "frame: " + what)
        if r is not None:
            eq(r.get("mid"), None, "mid nil for " + what)
        eq(obs.request("ping", {}).get("type"), "ok", "broker still serves after " + what)
    # missing cb
    mid = obs.new_mid()
    r = obs.send_frame_wait(msgpack.packb({"type": "ping", "mid": mid}), mid)
    t.error(r, 101, "BAD_VERSION", "cb missing")
    # too large
    mid = obs.new_mid()
    big = msgpack.packb({"cb": 1, "type": "ping", "mid": mid, "pad": "x" * 300000},
                        use_bin_type=True)
    r = obs.send_raw(big, mid=mid)
    t.error(r, 104, "TOO_LARGE", "frame over 256 KiB")
    eq(r.get("mid") if r else None, mid, "TOO_LARGE echoes a readable mid")
    # section 2: unknown body keys are refused, ping's included
    r = obs.request("ping", {"zzz": 1})
    t.error(r, 103, "BAD_FIELD", "ping with an unknown body key")
    paging(ctx, endpoint, t, team3, obs)
    eq(obs.request("ping", {}).get("type"), "ok", "broker still serves at the end")


# --------------------------------------------------------------------------- paging

def read_pages(client, type_, body, t, what):
    """Section 4.1: sends the read, then again with `after` set to each
    reply's `next` until it is nil. Returns the replies' bodies. Checks that
    each reply has `next` and fits in a frame."""
    pages = []
    after = None
    while len(pages) < 1000:
        b = dict(body)
        if after is not None:
            b["after"] = after
        page = client.call(type_, b)
        pages.append(page)
        t.check("next" in page, "%s: every page has next" % what, sorted(page))
        size = len(msgpack.packb({"cb": 1, "type": "ok", "mid": "x" * 64, "body": page},
                                 use_bin_type=True))
        t.check(size <= 256 * 1024, "%s: a page fits in a frame" % what, size)
        after = page.get("next")
        if after is None:
            break
        t.check(isinstance(after, str), "%s: next is a string" % what, after)
    return pages


def paging(ctx, endpoint, t, team, obs):
    """Long reads in pages, written from PROTOCOL.md section 4.1."""
    C, eq = t.check, t.eq
    cycle = "2099-Q3"
    made = []
    for i in range(120):
        r = team.call("draft.new", {"content": {
            "cycle": cycle, "objective": "Paged draft %03d " % i + "o" * 180,
            "key_results": [{"text": "Pages", "target": i + 1}]}})
        made.append(r["draft"])
    # A small result is whole in one page, with next nil.
    page = obs.call("draft.list", {"cycle": cycle})
    eq([d.get("id") for d in page.get("drafts", [])], made, "draft.list: a small result in one page")
    C("next" in page and page["next"] is None, "draft.list: next is nil when done", page.get("next"))
    # limit
    pages = read_pages(obs, "draft.list", {"cycle": cycle, "limit": 25}, t, "draft.list limit 25")
    eq([len(p.get("drafts", [])) for p in pages], [25, 25, 25, 25, 20], "draft.list: pages of 25")
    eq([d.get("id") for p in pages for d in p.get("drafts", [])], made,
       "draft.list: every draft once, in id order, across pages")
    pages = read_pages(obs, "draft.list", {"owner": team.node, "cycle": cycle, "limit": 1000}, t,
                       "draft.list owner and cycle")
    eq([d.get("id") for p in pages for d in p.get("drafts", [])], made,
       "draft.list: both filters, limit 1000")
    pages = read_pages(obs, "draft.list", {"owner": "nobody-at-all"}, t, "draft.list nobody")
    eq(sum(len(p.get("drafts", [])) for p in pages), 0, "draft.list: a filter that matches nothing")
    for bad in ({"limit": 0}, {"limit": 1001}, {"limit": "10"}, {"after": ""}, {"after": 7},
                {"after": "not a cursor"}):
        t.error(obs.request("draft.list", bad), 103, "BAD_FIELD", "draft.list %r" % bad)

    # draft.history: 31 revisions of about 8 KB each are more than a page.
    d = made[0]
    for rev in range(2, 32):
        team.call("draft.revise", {"draft": d, "content": {
            "objective": "Paged draft 000 " + "o" * 180,
            "narrative": "".join(chr(ord("a") + (i * rev) % 26) for i in range(4000)),
            "key_results": [{"text": "Pages", "target": 1}]}})
    pages = read_pages(obs, "draft.history", {"draft": d}, t, "draft.history")
    C(len(pages) >= 2, "draft.history: 250 KB of history comes in several pages", len(pages))
    eq([r.get("rev") for p in pages for r in p.get("revisions", [])], list(range(1, 32)),
       "draft.history: every revision once, in order, across pages")
    C(all(p.get("draft", {}).get("id") == d for p in pages), "draft.history: every page has the draft")
    pages = read_pages(obs, "draft.history", {"draft": d, "limit": 7}, t, "draft.history limit 7")
    eq([len(p.get("revisions", [])) for p in pages], [7, 7, 7, 7, 3], "draft.history: pages of 7")
    t.error(obs.request("draft.history", {"draft": d, "after": "d1"}), 103, "BAD_FIELD",
            "draft.history with a cursor of another read")

    # event.list and event.snapshot, from a facilitator's events.
    fac = Client(ctx, endpoint, "fac-paging", "facilitator")
    fac.hello()
    events = [fac.call("event.new", {"name": "Paging %d" % i, "cycle": cycle,
                                      "participants": [team.node]})["event"] for i in range(5)]
    pages = read_pages(obs, "event.list", {"cycle": cycle, "limit": 2}, t, "event.list")
    eq([len(p.get("events", [])) for p in pages], [2, 2, 1], "event.list: pages of 2")
    eq([e.get("id") for p in pages for e in p.get("events", [])], events,
       "event.list: every event once, in order")
    pages = read_pages(obs, "event.snapshot", {"event": events[0], "limit": 50}, t,
                       "event.snapshot")
    eq([len(p.get("objects", {})) for p in pages], [50, 50, 21], "event.snapshot: pages of 50")
    C(len({p.get("seq") for p in pages}) == 1, "event.snapshot: every page has the first page's seq",
      [p.get("seq") for p in pages])
    keys = [k for p in pages for k in p.get("objects", {})]
    eq(len(set(keys)), len(keys), "event.snapshot: no object in two pages")
    eq(sorted(keys), sorted(["event/" + events[0]] + ["draft/" + x for x in made]),
       "event.snapshot: the event and every draft of its participant")
    big = [p["objects"]["draft/" + d] for p in pages if "draft/" + d in p.get("objects", {})]
    C(big and big[0].get("head") == 31 and big[0].get("content", {}).get("narrative"),
      "event.snapshot: drafts with their head content")
    t.error(obs.request("event.snapshot", {"event": events[0], "limit": 201}), 103, "BAD_FIELD",
            "event.snapshot limit over 200")
    pages = read_pages(obs, "cycle.graph", {"cycle": cycle, "limit": 50}, t, "cycle.graph")
    eq([len(p.get("drafts", [])) for p in pages], [50, 50, 20], "cycle.graph: pages of 50")
    eq([x.get("id") for p in pages for x in p.get("drafts", [])], made,
       "cycle.graph: every draft of the cycle once, in order")
    C(all(p.get("cycle") == cycle and p.get("asks") == [] for p in pages),
      "cycle.graph: every page has the cycle, and no asks here")
    fac.close()


# --------------------------------------------------------------------------- main

def run_against_broker(daemon, prefix, scenario, extra=()):
    """Starts catchballd (path `daemon`, arguments `extra`) on a temporary
    store and a free loopback port, waits until it answers, and runs
    scenario(ctx, endpoint, store, checker, probe). Then stops the broker
    with SIGTERM (a broker that had already exited is a failure), prints
    the end of its log if anything failed, and removes the store.
    Returns (checker, completed): completed is False if the scenario
    raised."""
    t = Checks()
    completed = False
    tmp = tempfile.mkdtemp(prefix=prefix)
    endpoint = "tcp://127.0.0.1:%d" % free_port()
    store = os.path.join(tmp, "store")
    logpath = os.path.join(tmp, "catchballd.log")
    log = open(logpath, "wb")
    proc = None
    ctx = zmq.Context()
    try:
        proc = subprocess.Popen([daemon, "--endpoint", endpoint, "--store", store] + list(extra),
                                stdout=log, stderr=subprocess.STDOUT)
        probe = wait_ready(ctx, endpoint, proc)
        scenario(ctx, endpoint, store, t, probe)
        completed = True
    except Exception:
        traceback.print_exc()
        t.failed += 1
        print("FAIL - scenario aborted")
    finally:
        if proc is None:
            pass
        elif proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        else:
            t.check(False, "broker still running at the end", proc.returncode)
        ctx.destroy(0)
        log.close()
        if t.failed:
            print("--- broker log (%s) ---" % logpath)
            with open(logpath, "rb") as f:
                sys.stdout.write(f.read().decode("utf-8", "replace")[-4000:])
        shutil.rmtree(tmp, ignore_errors=True)
    return t, completed


def main(argv):
    if len(argv) != 2:
        print("usage: %s PATH_TO_CATCHBALLD" % argv[0], file=sys.stderr)
        return 2
    t, completed = run_against_broker(
        os.path.abspath(argv[1]), "cb-e2e-",
        lambda ctx, endpoint, store, t, probe: scenario(ctx, endpoint, t, probe))
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 0 if (t.failed == 0 and completed) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
