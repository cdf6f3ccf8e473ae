#!/usr/bin/python3
"""End-to-end test of catchballd's alignment marketplace (PROTOCOL.md section 11)
and event log (section 12), written only from proto/PROTOCOL.md.

Usage: /usr/bin/python3 tests/e2e/protocol_marketplace.py PATH_TO_CATCHBALLD

Starts the broker on a free loopback port with a temporary store, runs a full
marketplace event (facilitator, leadership, three teams, an observer, an outsider)
while two consoles follow the event log (one from seq 1, one from a snapshot taken
mid-way), prints "N passed, M failed" and exits 0 only if nothing failed and the
whole scenario ran. Waits use zmq polls with timeouts, never sleeps.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from protocol_client import Client, Fatal, kr_by_id, run_against_broker  # noqa: E402

DELIVERY_TIMEOUT = 5.0    # seconds to wait for an expected delivery or log entry
QUIET_PERIOD = 0.7        # seconds of polling for a log entry that must NOT come
CYCLE = "2027-Q1"
MIN = 60000               # one minute in ms
KEY_RE = re.compile(r"^(draft/d|round/r|event/e|ask/a|vote/v)[0-9]+$")


# --------------------------------------------------------------------------- client

class MClient(Client):
    """protocol_client's Client, also receiving event log entries (section 12)."""

    def __init__(self, *a, **kw):
        self.log_raw = []          # every log entry received, in arrival order
        super().__init__(*a, **kw)

    def _other(self, msg):
        if msg.get("type") != "log":
            super()._other(msg)
        self.log_raw.append(msg)

    def log_max(self):
        return max([e.get("seq", 0) for e in self.log_raw] or [0])

    def wait_log(self, seq, timeout=DELIVERY_TIMEOUT):
        """Poll until a log entry with seq >= `seq` has arrived; True if so."""
        end = time.monotonic() + timeout
        while self.log_max() < seq:
            left = end - time.monotonic()
            if left <= 0:
                return False
            self._pump(left)
        return True


# --------------------------------------------------------------------------- helpers

def content(objective, krs, narrative="", aligned_to=None, cycle=CYCLE):
    c = {"cycle": cycle, "objective": objective, "narrative": narrative,
         "key_results": krs}
    if aligned_to:
        c["aligned_to"] = aligned_to
    return c


def KR(text, baseline, target, unit="", leads=None):
    k = {"text": text, "baseline": baseline, "target": target, "unit": unit}
    if leads:
        k["leads"] = leads
    return k


def strip_id(k):
    return {x: y for x, y in k.items() if x != "id"}


def kr_ids(c):
    return [k.get("id") for k in (c or {}).get("key_results") or []]


def apply_entries(state, entries, after=0):
    """Apply entries with seq > after, in seq order, each once; return last seq."""
    last = after
    for e in sorted(entries, key=lambda e: e.get("seq", 0)):
        s = e.get("seq", 0)
        if s <= last:
            continue
        for k, v in (e.get("objects") or {}).items():
            state[k] = v
        last = s
    return last


class Scenario:
    def __init__(self, ctx, endpoint, t):
        self.ctx, self.endpoint, self.t = ctx, endpoint, t
        self.expected = []        # (kind, node, keys-that-must-be-in-objects) per change
        self.consumed = {}        # node -> deliveries consumed
        self.notes = []           # observations for the report
        self.event = None

    # -- basic wrappers

    def C(self, cond, what, detail=None):
        return self.t.check(cond, what, detail)

    def eq(self, got, want, what):
        return self.t.eq(got, want, what)

    def change(self, cl, type_, body, keys=()):
        """A change that must succeed; it must become one log entry."""
        r = cl.request(type_, body)
        if r.get("type") != "ok":
            raise Fatal("%s %s %r failed: %r" % (cl.node, type_, body, r))
        b = r.get("body") or {}
        ks = keys(b) if callable(keys) else keys
        self.expected.append((type_, cl.node, set(ks)))
        return b

    def read(self, cl, type_, body):
        return cl.call(type_, body)

    def seq(self):
        return self.obs.call("event.snapshot", {"event": self.event})["seq"]

    def refused(self, cl, type_, body, code, name, what):
        s0 = self.seq()
        r = cl.request(type_, body)
        self.t.error(r, code, name, what)
        self.eq(self.seq(), s0, "%s: stored nothing (snapshot seq unchanged)" % what)
        return r

    def refused_any(self, cl, type_, body, what):
        """Refusals whose code the document does not name: any error, nothing stored."""
        s0 = self.seq()
        r = cl.request(type_, body)
        ok = r.get("type") == "error"
        self.C(ok, "%s -> refused" % what, r)
        if ok:
            self.notes.append("%s -> %s %s (%s)" % (what, r.get("code"), r.get("name"),
                                                   r.get("message")))
        self.eq(self.seq(), s0, "%s: stored nothing (snapshot seq unchanged)" % what)
        return r

    def deliv(self, cl, kind, pred=None, what=""):
        d = cl.wait_delivery(kind, pred, timeout=DELIVERY_TIMEOUT)
        self.C(d is not None, "%s receives %s %s" % (cl.node, kind, what),
               [(x.get("kind"), x.get("body")) for x in cl.deliveries])
        if d is None:
            return {}
        self.consumed[cl.node] = self.consumed.get(cl.node, 0) + 1
        self.C(isinstance(d.get("time"), int) and isinstance(d.get("seq"), int),
               "%s %s delivery has seq and time" % (cl.node, kind), d)
        upto = cl.last_seq
        r = cl.call("ack", {"upto": upto})
        self.eq(r.get("acked"), upto, "%s ack upto %d" % (cl.node, upto))
        return d.get("body") or {}

    def show(self, draft, rev=None):
        b = {"draft": draft}
        if rev is not None:
            b["rev"] = rev
        r = self.obs.call("draft.show", b)
        return r.get("draft") or {}, r.get("revision") or {}

    def pump_subs(self):
        """Let the consoles read what is waiting and acknowledge it (log.ack)."""
        for s in (self.sub1, self.sub2):
            s.drain(0)
            while s._pump(0):
                pass
            upto = s.log_max()
            if s.subscribed and upto > s.log_acked:
                r = s.call("log.ack", {"upto": upto})
                self.eq(r, {"acked": upto}, "%s log.ack upto %d" % (s.node, upto))
                s.log_acked = upto

    def check_reflect_rev(self, draft, rev, parent, author, ask, message, what):
        d, rv = self.show(draft, rev)
        self.eq((rv.get("draft"), rv.get("rev"), rv.get("parent"), rv.get("mainline"),
                 rv.get("author"), rv.get("ask"), rv.get("message")),
                (draft, rev, parent, True, author, ask, message),
                "%s: revision %s rev %d (parent, mainline, author, ask, message)"
                % (what, draft, rev))
        return d, rv

    def reply_keys(self, r, want, what):
        """A reply holds the documented fields (section 9: others may be added)."""
        extra = sorted(set(r) - set(want))
        if extra:
            self.notes.append("%s has undocumented fields %r" % (what, {k: r[k] for k in extra}))
        self.eq({k: r.get(k) for k in want}, want, what)

    def check_ask(self, a, want, what):
        got = {k: a.get(k) for k in want}
        self.eq(got, want, what)

    # -- the scenario

    def run(self):
        ctx, ep, C, eq, t = self.ctx, self.endpoint, self.C, self.eq, self.t

        # ---------------------------------------------------------------- nodes
        fac = MClient(ctx, ep, "fac", "facilitator")
        fac2 = MClient(ctx, ep, "fac-2", "facilitator")
        lead = MClient(ctx, ep, "lead", "leadership")
        ta = MClient(ctx, ep, "team-a", "team", "lead")
        tb = MClient(ctx, ep, "team-b", "team", "lead")
        tc = MClient(ctx, ep, "team-c", "team", "lead")
        obs = MClient(ctx, ep, "watcher", "observer")
        out = MClient(ctx, ep, "team-x", "team", "lead")
        sub1 = MClient(ctx, ep, "console-1", "observer")
        sub2 = MClient(ctx, ep, "console-2", "observer")
        self.obs, self.sub1, self.sub2 = obs, sub1, sub2
        for s in (sub1, sub2):
            s.subscribed, s.log_acked = False, 0
        nodes = (fac, fac2, lead, ta, tb, tc, obs, out, sub1, sub2)
        for c in nodes:
            h = c.hello()
            eq((h.get("node"), h.get("role"), h.get("inbox")),
               (c.node, c.role, {"last": 0, "acked": 0}), "hello %s" % c.node)

        # ---------------------------------------------------------------- drafts
        c_lead = content("Grow net revenue retention to best in class", [
            KR("Net revenue retention", 100, 120, "%", ["lead"]),
            KR("Enterprise logos live", 10, 25, "", ["lead"])],
            "Retention is where our growth leaks.")
        d1 = self.change(lead, "draft.new", {"content": c_lead},
                         lambda b: ["draft/" + b["draft"]])["draft"]
        c_a = content("New customers see value in their first week", [
            KR("Activation rate of new accounts", 40, 60, "%", ["ana", "ben"]),
            KR("Median days to first dashboard", 5, 2, "days", ["ana"])],
            "Activation is our biggest leak.", {"draft": d1, "kr": "kr1"})
        c_b = content("Every team trusts its data", [
            KR("Warehouse tables fresh within 1 h", 60, 95, "%", ["bo"]),
            KR("Teams using self-serve dashboards", 3, 8, "", ["bo", "bea"])],
            "Stale data blocks every other team.", {"draft": d1})
        c_c = content("Accounts stay healthy", [
            KR("Accounts with a health score", 20, 70, "%", ["cy"]),
            KR("Tickets solved within one day", 50, 80, "%", ["cy", "cal"])],
            "", {"draft": d1, "kr": "kr1"})
        c_x = content("Ship the partner portal", [KR("Partners onboarded", 0, 12)])
        c_old = content("Stabilise onboarding", [KR("Onboarding success", 70, 85, "%")],
                        cycle="2026-Q4")
        c_alt = content("Activation through sales assist",
                        [KR("Sales-assisted activations", 10, 30, "%")])
        dk = lambda b: ["draft/" + b["draft"]]  # noqa: E731
        d2 = self.change(ta, "draft.new", {"content": c_a}, dk)["draft"]
        d3 = self.change(tb, "draft.new", {"content": c_b}, dk)["draft"]
        d4 = self.change(tc, "draft.new", {"content": c_c}, dk)["draft"]
        # Alignment notifies (section 7): the lead owns d1, which all three align to.
        for d, by, kr in ((d2, "team-a", "kr1"), (d3, "team-b", None), (d4, "team-c", "kr1")):
            b = self.deliv(lead, "draft.aligned", lambda b, d=d: b.get("draft") == d, "(%s)" % d)
            eq((b.get("by"), b.get("rev"), b.get("aligned_to"), b.get("was")),
               (by, 1, dict({"draft": d1}, **({"kr": kr} if kr else {})), None),
               "draft.aligned for %s: who, which revision, to what" % d)
        d5 = self.change(out, "draft.new", {"content": c_x}, dk)["draft"]
        d6 = self.change(ta, "draft.new", {"content": c_old}, dk)["draft"]
        d7 = self.change(ta, "draft.new", {"content": c_alt, "message": "an alternative"},
                         dk)["draft"]

        # ---------------------------------------------------------------- console 1 from seq 1
        r = sub1.call("log.subscribe", {"from": 1})
        eq(r, {"from": 1, "last": len(self.expected)},
           "log.subscribe from 1: reply {from, last} (last = changes so far)")
        sub1.subscribed = True
        C(sub1.wait_log(len(self.expected)), "console-1 receives the backlog",
          [e.get("seq") for e in sub1.log_raw])
        eq([(e.get("seq"), e.get("kind"), e.get("node")) for e in sub1.log_raw],
           [(i + 1, k, n) for i, (k, n, _) in enumerate(self.expected)],
           "backlog entries 1..7 are the draft.new changes in order")

        # ---------------------------------------------------------------- event.new
        plan = {"share": 30, "negotiate": 60, "commit": 15}
        parts = ["lead", "team-a", "team-b", "team-c"]
        r = obs.request("event.new", {"name": "x", "cycle": CYCLE, "participants": parts})
        t.error(r, 201, "FORBIDDEN", "an observer creating an event")
        r = ta.request("event.new", {"name": "x", "cycle": CYCLE, "participants": parts})
        t.error(r, 201, "FORBIDDEN", "a team creating an event")
        name = "Q1 alignment marketplace"
        e1 = self.change(fac, "event.new", {"name": name, "cycle": CYCLE,
                                            "participants": parts, "plan": plan},
                         lambda b: ["event/" + b["event"]])["event"]
        C(re.match(r"^e[0-9]+$", e1 or ""), "event.new reply {event: eN}", e1)
        self.event = e1
        ev = obs.call("event.show", {"event": e1})
        E = ev.get("event") or {}
        eq((E.get("id"), E.get("name"), E.get("cycle"), E.get("facilitator"),
            E.get("participants"), E.get("plan"), E.get("phase"), E.get("started"),
            E.get("ends"), E.get("shared"), E.get("asks"), E.get("closed")),
           (e1, name, CYCLE, "fac", parts, plan, "planned", None, None, {}, [], None),
           "event.show of a new event")
        C(isinstance(E.get("created"), int), "event has created time", E)
        eq((ev.get("asks"), ev.get("unresolved")), ([], []), "new event: no asks")

        snap = obs.call("event.snapshot", {"event": e1})
        eq(snap.get("seq"), len(self.expected), "event.snapshot seq = last log entry")
        eq(set((snap.get("objects") or {}).keys()),
           {"event/" + e1} | {"draft/" + d for d in (d1, d2, d3, d4, d7)},
           "snapshot keys: the event and the participants' drafts of the cycle "
           "(not the outsider's, not another cycle's)")
        sd = (snap.get("objects") or {}).get("draft/" + d2) or {}
        eq((sd.get("id"), sd.get("owner"), (sd.get("content") or {}).get("objective")),
           (d2, "team-a", c_a["objective"]), "snapshot draft carries its head content")

        # refusals while planned
        self.refused(ta, "event.share", {"event": e1, "draft": d2}, 308, "WRONG_PHASE",
                     "event.share while planned")
        self.refused(fac, "event.extend", {"event": e1, "minutes": 5}, 308, "WRONG_PHASE",
                     "event.extend while planned (not a timed phase)")
        self.refused(ta, "event.advance", {"event": e1}, 201, "FORBIDDEN",
                     "a team advancing the event")
        self.refused(fac2, "event.advance", {"event": e1}, 202, "NOT_OWNER",
                     "another facilitator advancing the event")
        self.refused(fac, "draft.new", {"content": c_x}, 201, "FORBIDDEN",
                     "a facilitator creating a draft")
        self.refused_any(fac, "event.new", {"name": "y", "cycle": CYCLE,
                                            "participants": ["watcher"]},
                         "event.new with an observer as participant")
        self.refused_any(fac, "event.new", {"name": "y", "cycle": CYCLE,
                                            "participants": ["nobody-here"]},
                         "event.new with a node that never said hello")

        # other events: e2 (fac-2, default plan), e3 (another cycle)
        e2 = self.change(fac2, "event.new", {"name": "Q1 data/health pairing", "cycle": CYCLE,
                                             "participants": ["team-a", "team-c"]},
                         lambda b: ["event/" + b["event"]])["event"]
        e3 = self.change(fac, "event.new", {"name": "Q4 leftovers", "cycle": "2026-Q4",
                                            "participants": ["team-a"]},
                         lambda b: ["event/" + b["event"]])["event"]
        E2 = obs.call("event.show", {"event": e2}).get("event") or {}
        eq((E2.get("plan"), E2.get("facilitator")),
           ({"share": 20, "negotiate": 40, "commit": 10}, "fac-2"), "default plan 20/40/10")
        self.refused(fac, "event.advance", {"event": e2}, 202, "NOT_OWNER",
                     "a facilitator advancing another's event")

        # ---------------------------------------------------------------- share
        def advance(f, ev_id, phase, minutes, receivers, ename):
            b = self.change(f, "event.advance", {"event": ev_id}, ["event/" + ev_id])
            E = obs.call("event.show", {"event": ev_id}).get("event") or {}
            want_ends = None if minutes is None else E.get("phase_started", 0) + minutes * MIN
            self.reply_keys(b, {"event": ev_id, "phase": phase, "ends": want_ends},
                            "event.advance %s -> %s, ends = phase_started + %s min"
                            % (ev_id, phase, minutes))
            eq((E.get("phase"), E.get("ends")), (phase, want_ends),
               "event.show %s after advance to %s" % (ev_id, phase))
            for c in receivers:
                body = self.deliv(c, "event.phase",
                                  lambda x: x.get("event") == ev_id and x.get("phase") == phase,
                                  "(%s %s)" % (ev_id, phase))
                if body:
                    eq(body, {"event": ev_id, "name": ename, "phase": phase,
                              "ends": b.get("ends")}, "%s event.phase body" % c.node)
            return b, E

        r, E = advance(fac, e1, "share", 30, (fac, lead, ta, tb, tc), name)
        eq(E.get("started"), E.get("phase_started"), "started = when share began")
        C(isinstance(E.get("started"), int), "started is a time", E)
        ends0 = r.get("ends")
        r = self.change(fac, "event.extend", {"event": e1, "minutes": 15}, ["event/" + e1])
        self.reply_keys(r, {"event": e1, "phase": "share", "ends": ends0 + 15 * MIN},
                        "event.extend adds 15 minutes to ends")
        eq((obs.call("event.show", {"event": e1}).get("event") or {}).get("ends"),
           ends0 + 15 * MIN, "event.show shows the extended ends")
        # Not in the document: event.extend re-announces the phase with the new ends.
        for c in (fac, lead, ta, tb, tc):
            body = self.deliv(c, "event.phase",
                              lambda x: x.get("event") == e1 and x.get("ends") == ends0 + 15 * MIN,
                              "(e1 share, extended; undocumented)")
            if body:
                eq(body, {"event": e1, "name": name, "phase": "share", "ends": ends0 + 15 * MIN},
                   "%s event.phase after extend" % c.node)
        self.refused(fac2, "event.extend", {"event": e1, "minutes": 5}, 202, "NOT_OWNER",
                     "another facilitator extending the event")
        self.refused(tb, "event.extend", {"event": e1, "minutes": 5}, 201, "FORBIDDEN",
                     "a team extending the event")

        self.refused(obs, "event.share", {"event": e1, "draft": d2}, 201, "FORBIDDEN",
                     "an observer sharing")
        self.refused(fac, "event.share", {"event": e1, "draft": d2}, 201, "FORBIDDEN",
                     "a facilitator sharing")
        self.refused(out, "event.share", {"event": e1, "draft": d5}, 205, "NOT_PARTICIPANT",
                     "the outsider sharing its draft")
        self.refused(ta, "event.share", {"event": e1, "draft": d3}, 202, "NOT_OWNER",
                     "team-a sharing team-b's draft")
        self.refused(ta, "event.share", {"event": e1, "draft": d6}, 103, "BAD_FIELD",
                     "team-a sharing a draft of another cycle")
        ek = ["event/" + e1]
        r = self.change(ta, "event.share", {"event": e1, "draft": d7}, ek)
        eq(r, {"event": e1, "draft": d7}, "event.share reply")
        r = self.change(ta, "event.share", {"event": e1, "draft": d2}, ek)
        eq(r, {"event": e1, "draft": d2}, "event.share replacing the shared draft")
        self.change(tb, "event.share", {"event": e1, "draft": d3}, ek)
        self.change(tc, "event.share", {"event": e1, "draft": d4}, ek)
        E = obs.call("event.show", {"event": e1}).get("event") or {}
        eq(E.get("shared"), {"team-a": d2, "team-b": d3, "team-c": d4},
           "event.shared maps node to draft (replaced for team-a)")
        self.refused(ta, "ask.new", {"event": e1, "to": "team-b", "kr": "kr1",
                                     "need": "data"}, 308, "WRONG_PHASE",
                     "ask.new during share")
        self.refused(tc, "offer.new", {"event": e1, "to": "team-a", "kr": "kr1", "text": "x",
                                       "reflect": {"type": "raise_target", "kr": "kr1",
                                                   "target": 75}},
                     308, "WRONG_PHASE", "offer.new during share")

        # catchball rounds during the event
        rk = lambda b: ["round/" + b["round"], "draft/" + b["draft"]]  # noqa: E731
        rc = self.change(tc, "round.throw", {"draft": d4, "to": ["team-a"],
                                             "question": "Can you use the health score?"},
                         rk)["round"]
        self.deliv(ta, "round.thrown", lambda b: b.get("round") == rc, "(%s)" % rc)
        r = self.change(ta, "round.feedback", {"round": rc, "kind": "suggestion",
                                               "text": "Score trial accounts too"},
                        ["round/" + rc])
        eq(r.get("round_closed"), True, "team-a's answer closes round %s" % rc)
        self.deliv(tc, "round.response", lambda b: b.get("round") == rc, "(%s)" % rc)
        for c in (tc, ta):
            self.deliv(c, "round.closed", lambda b: b.get("round") == rc, "(%s)" % rc)
        r1 = self.change(lead, "round.throw", {"draft": d1, "to": ["team-a", "team-b", "team-c"],
                                               "question": "Does this work for you?"},
                         rk)["round"]
        for c in (ta, tb, tc):
            self.deliv(c, "round.thrown", lambda b: b.get("round") == r1, "(%s)" % r1)
        r = self.change(ta, "round.endorse", {"round": r1, "confidence": 4}, ["round/" + r1])
        eq(r.get("round_closed"), False, "round %s stays open" % r1)
        self.deliv(lead, "round.response", lambda b: b.get("round") == r1, "(%s)" % r1)

        # e2 to negotiate with one ask
        name2 = "Q1 data/health pairing"
        advance(fac2, e2, "share", 20, (fac2, ta, tc), name2)
        self.change(ta, "event.share", {"event": e2, "draft": d2}, ["event/" + e2])
        self.change(tc, "event.share", {"event": e2, "draft": d4}, ["event/" + e2])
        advance(fac2, e2, "negotiate", 40, (fac2, ta, tc), name2)
        aE = self.change(tc, "ask.new", {"event": e2, "to": "team-a", "kr": "kr2",
                                         "need": "Route onboarding tickets to us"},
                         lambda b: ["ask/" + b["ask"], "event/" + e2])["ask"]
        self.deliv(ta, "ask.new", lambda b: (b.get("ask") or {}).get("id") == aE, "(%s)" % aE)
        self.pump_subs()

        # ---------------------------------------------------------------- negotiate
        advance(fac, e1, "negotiate", 60, (fac, lead, ta, tb, tc), name)
        self.refused(ta, "ask.new", {"event": e1, "to": "lead", "kr": "kr1", "need": "x"},
                     310, "NOT_SHARED", "asking a participant that has not shared")
        self.refused(lead, "ask.new", {"event": e1, "to": "team-a", "kr": "kr1", "need": "x"},
                     310, "NOT_SHARED", "a participant that has not shared asking")
        self.refused(out, "ask.new", {"event": e1, "to": "team-a", "kr": "kr1", "need": "x"},
                     205, "NOT_PARTICIPANT", "the outsider asking")
        self.refused(out, "offer.new", {"event": e1, "to": "team-a", "kr": "kr1", "text": "x",
                                        "reflect": {"type": "raise_target", "kr": "kr1",
                                                    "target": 20}},
                     205, "NOT_PARTICIPANT", "the outsider offering")
        self.refused(out, "event.share", {"event": e1, "draft": d5}, 205, "NOT_PARTICIPANT",
                     "the outsider sharing during negotiate")
        self.refused(ta, "ask.new", {"event": e1, "to": "team-b", "kr": "kr99", "need": "x"},
                     300, "NOT_FOUND", "ask.new for a KR not in the sender's draft")
        self.refused(obs, "ask.new", {"event": e1, "to": "team-b", "kr": "kr1", "need": "x"},
                     201, "FORBIDDEN", "an observer asking")

        revs_during = {d1: [], d2: [], d3: [], d4: []}
        ak = lambda b: ["ask/" + b["ask"], "event/" + e1]  # noqa: E731

        def new_ask(frm, to, kr, need, by=None):
            body = {"event": e1, "to": to.node, "kr": kr, "need": need}
            if by is not None:
                body["by"] = by
            rb = self.change(frm, "ask.new", body, ak)
            a = rb.get("ask")
            C(re.match(r"^a[0-9]+$", a or ""), "ask.new reply {ask: aN}", a)
            self.reply_keys(rb, {"ask": a}, "ask.new reply")
            b = self.deliv(to, "ask.new", lambda x: (x.get("ask") or {}).get("id") == a,
                           "(%s)" % a)
            return a, b.get("ask") or {}

        def accept_like(cl, type_, body, ask, other, drafts_changed, what):
            """ask.accept / ask.take: reply, revisions, ask.update to the other side."""
            before = {d: self.show(d)[0] for d in drafts_changed}
            r = self.change(cl, type_, body,
                            ["ask/" + ask] + ["draft/" + d for d in drafts_changed])
            want = sorted((d, before[d].get("revs", 0) + 1) for d in drafts_changed)
            got = sorted((x.get("draft"), x.get("rev")) for x in r.get("revisions") or [])
            self.reply_keys(r, {"ask": ask, "state": "accepted", "revisions": r.get("revisions")},
                            "%s reply" % type_)
            extra = sorted({k for x in r.get("revisions") or [] for k in x} - {"draft", "rev"})
            if extra:
                self.notes.append("%s reply revisions entries also carry %r" % (type_, extra))
            eq((r.get("ask"), r.get("state"), got), (ask, "accepted", want),
               "%s: reply {ask, state accepted, revisions}" % what)
            for d in drafts_changed:
                revs_during[d].append(before[d].get("revs", 0) + 1)
            up = self.deliv(other, "ask.update",
                            lambda x: (x.get("ask") or {}).get("id") == ask
                            and (x.get("ask") or {}).get("state") == "accepted", "(%s accepted)" % ask)
            A = up.get("ask") or {}
            eq(sorted((x.get("draft"), x.get("rev"), x.get("parent"))
                      for x in A.get("revisions") or []),
               sorted((d, before[d].get("revs", 0) + 1, before[d].get("head"))
                      for d in drafts_changed),
               "%s: the ask links its revisions {draft, rev, parent}" % what)
            return r, before, A

        # -- a1: team-a asks team-b; accepted with a new KR
        need1 = "Activation events available daily in the warehouse"
        a1, A = new_ask(ta, tb, "kr1", need1, "week 3")
        self.check_ask(A, {"id": a1, "event": e1, "kind": "ask", "from": "team-a",
                           "to": "team-b", "kr": "kr1",
                           "kr_text": "Activation rate of new accounts", "draft": d2,
                           "helper_draft": d3, "need": need1, "by": "week 3", "state": "open",
                           "reflect": None, "reason": None, "counter": None,
                           "revisions": []}, "ask.new delivery carries the Ask record")
        eq([(h.get("node"), h.get("action"), h.get("text")) for h in A.get("history") or []],
           [("team-a", "ask", need1)], "new ask history: ask with the need")
        refl1 = {"type": "new_kr", "kr": KR("Activation events in the warehouse within 24 h",
                                            0, 99, "%", ["bo"])}
        self.refused(tc, "ask.accept", {"ask": a1, "reflect": refl1}, 203, "NOT_RECIPIENT",
                     "a third team accepting an ask")
        self.refused(ta, "ask.accept", {"ask": a1, "reflect": refl1}, 203, "NOT_RECIPIENT",
                     "the asking team accepting its own ask")
        self.refused(ta, "ask.take", {"ask": a1}, 309, "ASK_STATE",
                     "ask.take on an open (not countered) ask")
        r, before, A = accept_like(tb, "ask.accept", {"ask": a1, "reflect": refl1}, a1, ta,
                                   [d3], "a1 new_kr")
        rev = before[d3]["revs"] + 1
        D, RV = self.check_reflect_rev(d3, rev, before[d3]["head"], "team-b", a1,
                                       "agreed ask %s from team-a: %s" % (a1, need1), "a1")
        old = self.show(d3, before[d3]["head"])[1].get("content") or {}
        new = RV.get("content") or {}
        added = [k for k in new.get("key_results") or [] if k.get("id") not in kr_ids(old)]
        eq([strip_id(k) for k in added], [refl1["kr"]], "a1: the new KR is in d3's revision")
        eq([k for k in new.get("key_results") or [] if k.get("id") in kr_ids(old)],
           old.get("key_results"), "a1: d3's other KRs unchanged")
        eq((D.get("head"), D.get("objective")), (rev, c_b["objective"]),
           "a1: d3's head is the new revision")
        eq((A.get("state"), A.get("reflect"),
            [(h.get("node"), h.get("action"), "text" in h) for h in A.get("history") or []]),
           ("accepted", refl1, [("team-a", "ask", True), ("team-b", "accept", False)]),
           "a1 record: state, reflect as sent, history ask+accept (accept without text)")
        self.refused(tb, "ask.accept", {"ask": a1, "reflect": refl1}, 309, "ASK_STATE",
                     "accepting an accepted ask")
        self.refused(tb, "ask.decline", {"ask": a1, "reason": "changed my mind"}, 309,
                     "ASK_STATE", "declining an accepted ask")

        # -- a2: team-a asks team-c; accepted by raising a target
        need2 = "Flag unhealthy new accounts to onboarding"
        a2, _ = new_ask(ta, tc, "kr2", need2)
        refl2 = {"type": "raise_target", "kr": "kr1", "target": 80}
        r, before, A = accept_like(tc, "ask.accept", {"ask": a2, "reflect": refl2}, a2, ta,
                                   [d4], "a2 raise_target")
        rev = before[d4]["revs"] + 1
        D, RV = self.check_reflect_rev(d4, rev, before[d4]["head"], "team-c", a2,
                                       "agreed ask %s from team-a: %s" % (a2, need2), "a2")
        old = self.show(d4, before[d4]["head"])[1].get("content") or {}
        new = RV.get("content") or {}
        want = [dict(k, target=80) if k.get("id") == "kr1" else k
                for k in old.get("key_results") or []]
        eq(new.get("key_results"), want, "a2: d4's kr1 target is 80, all else unchanged")

        # -- a3: team-b asks team-c; accepted with a shared KR
        need3 = "Dashboards for account health, used by the CSMs"
        a3, _ = new_ask(tb, tc, "kr2", need3)
        refl3 = {"type": "shared_kr", "kr": KR("Accounts with a health dashboard in weekly use",
                                               0, 50, "%", ["bo", "cy"])}
        r, before, A = accept_like(tc, "ask.accept", {"ask": a3, "reflect": refl3}, a3, tb,
                                   [d4, d3], "a3 shared_kr")
        self.notes.append("a3 shared_kr reply revisions order: %r" % (r.get("revisions"),))
        msg3 = "agreed ask %s from team-b: %s" % (a3, need3)
        got = {}
        for d, owner in ((d4, "team-c"), (d3, "team-b")):
            rev = before[d]["revs"] + 1
            _, RV = self.check_reflect_rev(d, rev, before[d]["head"], owner, a3, msg3,
                                           "a3 (%s)" % d)
            old = self.show(d, before[d]["head"])[1].get("content") or {}
            added = [k for k in (RV.get("content") or {}).get("key_results") or []
                     if k.get("id") not in kr_ids(old)]
            eq(len(added), 1, "a3: one KR added to %s" % d)
            got[d] = added[0] if added else {}
            eq({x: y for x, y in got[d].items() if x not in ("id", "shared_with")},
               refl3["kr"], "a3: %s carries the shared KR in full" % d)
        eq(got[d4].get("shared_with"), {"draft": d3, "kr": got[d3].get("id")},
           "a3: helper's KR shared_with points at the asker's draft and KR")
        eq(got[d3].get("shared_with"), {"draft": d4, "kr": got[d4].get("id")},
           "a3: asker's KR shared_with points at the helper's draft and KR")

        # -- mid-way: console 2 takes a snapshot and follows from S + 1
        snapS = sub2.call("event.snapshot", {"event": e1})
        S = snapS.get("seq")
        eq(S, len(self.expected), "mid-way snapshot seq = changes so far")
        r = sub2.request("log.subscribe", {"from": S + 2})
        t.error(r, 103, "BAD_FIELD", "log.subscribe from last + 2")
        r = sub2.request("log.subscribe", {"from": 0})
        t.error(r, 103, "BAD_FIELD", "log.subscribe from 0")
        r = sub2.call("log.subscribe", {"from": S + 1})
        eq(r, {"from": S + 1, "last": S}, "log.subscribe from S + 1: {from, last}")
        sub2.subscribed = True
        state2 = dict(snapS.get("objects") or {})
        C(sub1.wait_log(S), "console-1 has caught up to S", sub1.log_max())
        state1 = {}
        apply_entries(state1, sub1.log_raw)
        bad = [k for k, v in (snapS.get("objects") or {}).items() if state1.get(k) != v]
        eq(bad, [], "console-1's state at S equals the snapshot at S, key by key")
        self.pump_subs()

        # -- a4: team-c asks team-a; declined
        need4 = "Collect consent for health scoring at sign-up"
        a4, _ = new_ask(tc, ta, "kr2", need4)
        reason4 = "Sign-up is frozen this quarter"
        self.refused(tc, "ask.decline", {"ask": a4, "reason": "x"}, 203, "NOT_RECIPIENT",
                     "the asking team declining its own ask")
        r = self.change(ta, "ask.decline", {"ask": a4, "reason": reason4}, ["ask/" + a4])
        self.reply_keys(r, {"ask": a4, "state": "declined"}, "ask.decline reply")
        A = self.deliv(tc, "ask.update", lambda x: (x.get("ask") or {}).get("id") == a4,
                       "(%s declined)" % a4).get("ask") or {}
        eq((A.get("state"), A.get("reason"), A.get("revisions"),
            [(h.get("node"), h.get("action"), h.get("text")) for h in A.get("history") or []]),
           ("declined", reason4, [], [("team-c", "ask", need4), ("team-a", "decline", reason4)]),
           "a4 record after decline")
        self.refused(ta, "ask.decline", {"ask": a4, "reason": "again"}, 309, "ASK_STATE",
                     "declining a declined ask")

        # -- a5: team-b asks team-a; countered, then taken by team-b
        need5 = "Send activation events with account ids"
        a5, _ = new_ask(tb, ta, "kr1", need5)
        text5 = "Hourly events, and we raise activation to 65 %"
        refl5 = {"type": "raise_target", "kr": "kr1", "target": 65}
        r = self.change(ta, "ask.counter", {"ask": a5, "text": text5, "reflect": refl5},
                        ["ask/" + a5])
        self.reply_keys(r, {"ask": a5, "state": "countered"}, "ask.counter reply")
        A = self.deliv(tb, "ask.update", lambda x: (x.get("ask") or {}).get("id") == a5,
                       "(%s countered)" % a5).get("ask") or {}
        eq((A.get("state"), A.get("counter"), A.get("reflect"), A.get("revisions"),
            [(h.get("node"), h.get("action"), h.get("text")) for h in A.get("history") or []]),
           ("countered", text5, refl5, [], [("team-b", "ask", need5),
                                            ("team-a", "counter", text5)]),
           "a5 record after counter")
        self.refused(ta, "ask.take", {"ask": a5}, 203, "NOT_RECIPIENT",
                     "the helper taking its own counter")
        self.refused(ta, "ask.accept", {"ask": a5, "reflect": refl5}, 309, "ASK_STATE",
                     "accepting a countered ask")
        r, before, A = accept_like(tb, "ask.take", {"ask": a5}, a5, ta, [d2], "a5 take")
        rev = before[d2]["revs"] + 1
        D, RV = self.check_reflect_rev(
            d2, rev, before[d2]["head"], "team-a", a5,
            "agreed ask %s from team-b: %s; as countered: %s" % (a5, need5, text5), "a5")
        eq((kr_by_id(RV.get("content") or {}, "kr1") or {}).get("target"), 65,
           "a5: the countered reflect is applied to the helper's draft")
        eq([(h.get("node"), h.get("action")) for h in A.get("history") or []],
           [("team-b", "ask"), ("team-a", "counter"), ("team-b", "take")],
           "a5 history ask, counter, take")
        self.refused(tb, "ask.take", {"ask": a5}, 309, "ASK_STATE", "taking a taken ask")

        # -- a6: team-c asks team-b; countered, then refused by team-c
        need6 = "A freshness SLA on the accounts table"
        a6, _ = new_ask(tc, tb, "kr1", need6)
        text6 = "Daily, not hourly"
        refl6 = {"type": "new_kr", "kr": KR("Accounts table refreshed daily by 6:00", 0, 95, "%")}
        r = self.change(tb, "ask.counter", {"ask": a6, "text": text6, "reflect": refl6},
                        ["ask/" + a6])
        self.reply_keys(r, {"ask": a6, "state": "countered"}, "ask.counter reply (a6)")
        self.deliv(tc, "ask.update", lambda x: (x.get("ask") or {}).get("id") == a6,
                   "(%s countered)" % a6)
        head3 = self.show(d3)[0].get("head")
        reason6 = "Daily is too late for health alerts"
        r = self.change(tc, "ask.refuse", {"ask": a6, "reason": reason6}, ["ask/" + a6])
        self.reply_keys(r, {"ask": a6, "state": "declined"}, "ask.refuse reply: declined")
        A = self.deliv(tb, "ask.update", lambda x: (x.get("ask") or {}).get("id") == a6,
                       "(%s refused)" % a6).get("ask") or {}
        eq((A.get("state"), A.get("reason"), A.get("counter"), A.get("revisions"),
            [(h.get("node"), h.get("action"), h.get("text")) for h in A.get("history") or []]),
           ("declined", reason6, text6, [], [("team-c", "ask", need6),
                                             ("team-b", "counter", text6),
                                             ("team-c", "refuse", reason6)]),
           "a6 record after refuse")
        eq(self.show(d3)[0].get("head"), head3, "a refused counter changes no draft")

        # -- a7: team-c offers team-a help; taken by team-a
        text7 = "We alert onboarding when a new account's health drops"
        refl7 = {"type": "new_kr", "kr": KR("Health alerts sent to onboarding within a day",
                                            0, 90, "%", ["cy"])}
        self.refused(tc, "offer.new", {"event": e1, "to": "team-a", "kr": "kr42", "text": "x",
                                       "reflect": refl7}, 300, "NOT_FOUND",
                     "offer.new for a KR not in the receiver's draft")
        rb = self.change(tc, "offer.new", {"event": e1, "to": "team-a", "kr": "kr1",
                                           "text": text7, "reflect": refl7}, ak)
        a7 = rb.get("ask")
        self.reply_keys(rb, {"ask": a7}, "offer.new reply")
        A = self.deliv(ta, "ask.new", lambda x: (x.get("ask") or {}).get("id") == a7,
                       "(offer %s)" % a7).get("ask") or {}
        self.check_ask(A, {"id": a7, "event": e1, "kind": "offer", "from": "team-c",
                           "to": "team-a", "kr": "kr1",
                           "kr_text": "Activation rate of new accounts", "draft": d2,
                           "helper_draft": d4, "text": text7, "state": "open",
                           "reflect": refl7}, "offer record (kind offer, helper to helped)")
        eq([(h.get("node"), h.get("action"), h.get("text")) for h in A.get("history") or []],
           [("team-c", "offer", text7)], "offer history")
        self.refused(tc, "ask.take", {"ask": a7}, 203, "NOT_RECIPIENT",
                     "the helper taking its own offer")
        self.refused_any(ta, "ask.accept", {"ask": a7, "reflect": refl7},
                         "ask.accept on an offer by the team helped")
        r, before, A = accept_like(ta, "ask.take", {"ask": a7}, a7, tc, [d4], "a7 offer take")
        rev = before[d4]["revs"] + 1
        D, RV = self.check_reflect_rev(d4, rev, before[d4]["head"], "team-c", a7,
                                       "agreed offer %s to team-a: %s" % (a7, text7), "a7")
        old = self.show(d4, before[d4]["head"])[1].get("content") or {}
        added = [k for k in (RV.get("content") or {}).get("key_results") or []
                 if k.get("id") not in kr_ids(old)]
        eq([strip_id(k) for k in added], [refl7["kr"]], "a7: the offered KR is in d4")

        # a revision by hand during the event
        cur = self.show(d2)[1].get("content") or {}
        cur = dict(cur, narrative="Activation is our biggest leak; data and health help.")
        cur.pop("cycle", None)
        b = self.change(ta, "draft.revise", {"draft": d2, "content": cur,
                                             "message": "after the marketplace talks"},
                        ["draft/" + d2])
        revs_during[d2].append(b.get("rev"))

        # -- a8: team-a asks lead (shares late); lead's draft has a round open
        self.change(lead, "event.share", {"event": e1, "draft": d1}, ["event/" + e1])
        need8 = "A leadership sponsor for activation"
        a8, _ = new_ask(ta, lead, "kr1", need8)
        self.refused(lead, "ask.accept", {"ask": a8, "reflect": {
            "type": "new_kr", "kr": KR("Sponsor reviews activation monthly", 0, 3)}},
            301, "ROUND_OPEN", "a reflect on a draft with an open round")

        # -- a9: team-b asks team-c; countered and left standing
        need9 = "Tag tickets by product area"
        a9, _ = new_ask(tb, tc, "kr2", need9)
        self.change(tc, "ask.counter", {"ask": a9, "text": "Only for enterprise accounts",
                                        "reflect": {"type": "raise_target", "kr": "kr2",
                                                    "target": 85}}, ["ask/" + a9])
        self.deliv(tb, "ask.update", lambda x: (x.get("ask") or {}).get("id") == a9,
                   "(%s countered)" % a9)

        # -- a10: team-b asks team-a; answered during commit
        need10 = "An onboarding checklist we can measure"
        a10, _ = new_ask(tb, ta, "kr2", need10)

        # event.show: unresolved and waiting
        ev = obs.call("event.show", {"event": e1})
        E = ev.get("event") or {}
        asks_e1 = [a1, a2, a3, a4, a5, a6, a7, a8, a9, a10]
        eq(E.get("asks"), asks_e1, "event.asks lists the event's asks in order")
        eq([a.get("id") for a in ev.get("asks") or []], asks_e1, "event.show asks records")
        eq(sorted(ev.get("unresolved") or []), sorted([a8, a9, a10]),
           "event.show unresolved: open and countered asks")
        W = ev.get("waiting") or {}
        eq({k: v for k, v in W.items() if v}, {"team-b": [r1], "team-c": [r1]},
           "event.show waiting: open rounds each participant has not answered")
        self.notes.append("event.show waiting (raw): %r" % (W,))

        # nudge
        s0 = self.seq()
        r = self.change(fac, "event.nudge", {"event": e1, "node": "team-b",
                                             "text": "Please answer lead's round"},
                        ["event/" + e1])
        eq(r, {"event": e1, "node": "team-b"}, "event.nudge reply")
        b = self.deliv(tb, "event.nudge", lambda x: x.get("event") == e1, "(from fac)")
        eq(b, {"event": e1, "name": name, "by": "fac", "text": "Please answer lead's round"},
           "event.nudge delivery body")
        eq(self.seq(), s0 + 1, "event.nudge is kept in the event: one log entry")
        ev = obs.call("event.show", {"event": e1}).get("event", {})
        eq([(n.get("node"), n.get("by"), n.get("text")) for n in ev.get("nudges", [])],
           [("team-b", "fac", "Please answer lead's round")], "the event keeps its nudges")
        self.refused(fac2, "event.nudge", {"event": e1, "node": "team-b"}, 202, "NOT_OWNER",
                     "another facilitator nudging")
        self.refused(tb, "event.nudge", {"event": e1, "node": "team-a"}, 201, "FORBIDDEN",
                     "a team nudging")
        self.refused_any(fac, "event.nudge", {"event": e1, "node": "team-x"},
                         "nudging a node that is not a participant")
        self.pump_subs()

        # ---------------------------------------------------------------- commit
        advance(fac, e1, "commit", 15, (fac, lead, ta, tb, tc), name)
        self.refused(ta, "ask.new", {"event": e1, "to": "team-b", "kr": "kr1", "need": "x"},
                     308, "WRONG_PHASE", "ask.new during commit")
        self.refused(tc, "offer.new", {"event": e1, "to": "team-a", "kr": "kr1", "text": "x",
                                       "reflect": refl7}, 308, "WRONG_PHASE",
                     "offer.new during commit")
        # The sealed vote (issue 14): its reveal writes the draft and the vote.
        self.change(ta, "vote.open", {"draft": d2, "voters": ["team-b"]},
                    lambda b: ["draft/" + d2, "vote/" + b["vote"]])
        self.change(tb, "draft.vote", {"draft": d2, "confidence": 4},
                    lambda b: ["draft/" + d2, "vote/" + b["vote"]])
        self.deliv(tb, "vote.opened", lambda b: b.get("draft") == d2, "(a voter)")
        for c in (ta, tb):
            rv = self.deliv(c, "vote.revealed", lambda b: b.get("draft") == d2)
            self.eq((rv.get("result") or {}).get("votes"), [{"node": "team-b", "confidence": 4}],
                    "%s: the vote revealed" % c.node)
        self.change(ta, "draft.finalize", {"draft": d2}, ["draft/" + d2])
        refl10 = {"type": "new_kr", "kr": KR("Onboarding checklist completion", 30, 75, "%")}
        r, before, A = accept_like(ta, "ask.accept", {"ask": a10, "reflect": refl10}, a10, tb,
                                   [d2], "a10 accepted during commit")
        rev = before[d2]["revs"] + 1
        D, RV = self.check_reflect_rev(d2, rev, before[d2]["head"], "team-a", a10,
                                       "agreed ask %s from team-b: %s" % (a10, need10), "a10")
        eq((RV.get("amends_final"), D.get("state")), (True, "final"),
           "a10: the reflect amends the final draft, which stays final")

        # ---------------------------------------------------------------- closed
        r, E = advance(fac, e1, "closed", None, (fac, lead, ta, tb, tc), name)
        C(isinstance(E.get("closed"), int), "closed event has a closed time", E)
        ph = [p.get("phase") for p in E.get("phases") or []]
        C(ph in (["share", "negotiate", "commit", "closed"],
                 ["planned", "share", "negotiate", "commit", "closed"]),
          "event.phases lists every phase begun, in order", E.get("phases"))
        self.notes.append("event.phases names: %r" % (ph,))
        self.refused(fac, "event.advance", {"event": e1}, 308, "WRONG_PHASE",
                     "advancing a closed event")
        self.refused(fac, "event.extend", {"event": e1, "minutes": 5}, 308, "WRONG_PHASE",
                     "extending a closed event")
        self.refused(tb, "ask.take", {"ask": a9}, 308, "WRONG_PHASE",
                     "taking a standing counter after close")
        self.refused(ta, "event.share", {"event": e1, "draft": d2}, 308, "WRONG_PHASE",
                     "sharing into a closed event")

        # report
        rep = fac.call("event.report", {"event": e1})
        ids = lambda L: sorted(a.get("id") for a in L or [])  # noqa: E731
        eq((rep.get("event") or {}).get("phase"), "closed", "report: the event")
        eq(ids(rep.get("agreed")), sorted([a1, a2, a3, a5, a7, a10]), "report: agreed")
        eq(ids(rep.get("declined")), sorted([a4, a6]), "report: declined")
        eq(ids(rep.get("countered")), [a9], "report: countered (still standing)")
        eq(ids(rep.get("unresolved")), sorted([a8, a9]), "report: unresolved (open + countered)")
        shared = (rep.get("event") or {}).get("shared") or {}
        eq([x.get("draft") for x in rep.get("drafts") or []], list(shared.values()),
           "report: one drafts entry per shared draft, in the order of shared")
        owners = {d1: "lead", d2: "team-a", d3: "team-b", d4: "team-c"}
        for x in rep.get("drafts") or []:
            d = x.get("draft")
            eq((x.get("owner"), x.get("objective")),
               (owners.get(d), self.show(d)[0].get("objective")), "report %s owner/objective" % d)
            RR = x.get("revisions") or []
            eq([h.get("rev") for h in RR], revs_during.get(d),
               "report %s: the revisions made during the event" % d)
            C(all("content" not in h and "objective" in h and "changes" in h for h in RR),
              "report %s: HistoryRevisions (no content; objective, changes)" % d, RR)
        r3 = [x for x in rep.get("drafts") or [] if x.get("draft") == d3]
        h = ((r3[0].get("revisions") or [{}]) if r3 else [{}])[0]
        C(any(c.get("change") == "added" for c in h.get("changes") or []) and
          h.get("ask") == a1, "report d3 first revision: KR added, ask a1", h)

        # cycle.graph
        g = obs.call("cycle.graph", {"cycle": CYCLE})
        eq(g.get("cycle"), CYCLE, "cycle.graph echoes the cycle")
        gd = {x.get("id"): x for x in g.get("drafts") or []}
        eq(sorted(gd), sorted([d1, d2, d3, d4, d5, d7]), "cycle.graph: every draft of the cycle")
        C(all(x.get("content") == self.show(i)[1].get("content") for i, x in gd.items()),
          "cycle.graph: each draft with its head content")
        eq(ids(g.get("asks")), sorted(asks_e1 + [aE]), "cycle.graph: asks of the cycle's events")
        g1 = obs.call("cycle.graph", {"cycle": CYCLE, "event": e1})
        eq(ids(g1.get("asks")), sorted(asks_e1), "cycle.graph with event: that event's asks")
        g4 = obs.call("cycle.graph", {"cycle": "2026-Q4"})
        eq(([x.get("id") for x in g4.get("drafts") or []], g4.get("asks")), ([d6], []),
           "cycle.graph of another cycle")

        # event.list
        L = obs.call("event.list", {})
        eq(sorted(e.get("id") for e in L.get("events") or []), sorted([e1, e2, e3]),
           "event.list: every event")
        L = obs.call("event.list", {"cycle": CYCLE})
        eq(sorted(e.get("id") for e in L.get("events") or []), sorted([e1, e2]),
           "event.list {cycle}")
        L = obs.call("event.list", {"cycle": "2026-Q4"})
        eq([e.get("id") for e in L.get("events") or []], [e3], "event.list other cycle")

        # ---------------------------------------------------------------- log: unsubscribe
        self.pump_subs()
        r = sub2.call("log.unsubscribe", {})
        eq(r, {}, "log.unsubscribe reply {}")
        sub2.subscribed = False
        sub2.drain(0)
        n0 = len(sub2.log_raw)
        k2 = self.show(d5)[1].get("content") or {}
        k2 = dict(k2, narrative="Partners first")
        k2.pop("cycle", None)
        self.change(out, "draft.revise", {"draft": d5, "content": k2}, ["draft/" + d5])
        N = len(self.expected)
        C(sub1.wait_log(N), "console-1 receives the entry after console-2 unsubscribed", N)
        sub2.drain(QUIET_PERIOD)
        eq([e.get("seq") for e in sub2.log_raw[n0:]], [],
           "no entry reaches console-2 after log.unsubscribe")
        r = sub2.call("log.subscribe", {"from": N})
        eq(r, {"from": N, "last": N}, "console-2 subscribes again from the missed entry")
        sub2.subscribed = True
        C(sub2.wait_log(N), "console-2 receives the missed entry after subscribing again")

        # ---------------------------------------------------------------- log: checks
        final = obs.call("event.snapshot", {"event": e1})
        eq(final.get("seq"), N, "final snapshot seq = number of changes made")
        self.pump_subs()
        C(sub1.wait_log(N) and sub2.wait_log(N), "both consoles reached seq N")
        seqs1 = [e.get("seq") for e in sub1.log_raw]
        eq(seqs1, list(range(1, N + 1)), "console-1: every entry 1..N, in order, no gap, once")
        seqs2 = [e.get("seq") for e in sub2.log_raw]
        eq(seqs2, list(range(S + 1, N + 1)), "console-2: entries S+1..N in order, no gap")
        eq([(e.get("kind"), e.get("node")) for e in sub1.log_raw],
           [(k, n) for k, n, _ in self.expected],
           "each change is one entry with its request type and node")
        miss = [(e.get("seq"), e.get("kind"), sorted(ks - set((e.get("objects") or {}))))
                for e, (_, _, ks) in zip(sub1.log_raw, self.expected)
                if not ks <= set(e.get("objects") or {})]
        eq(miss, [], "each entry holds the objects its change touched")
        badform = []
        for e in sub1.log_raw + sub2.log_raw:
            objs = e.get("objects")
            ok = (e.get("cb") == 1 and isinstance(e.get("time"), int)
                  and isinstance(e.get("node"), str) and isinstance(e.get("kind"), str)
                  and isinstance(objs, dict) and len(objs) > 0)
            for k, v in (objs or {}).items():
                m = KEY_RE.match(k)
                ok = ok and bool(m) and isinstance(v, dict) and v.get("id") == k.split("/")[1]
                if k.startswith("draft/"):
                    ok = ok and isinstance(v.get("content"), dict)
            if not ok:
                badform.append(e)
        eq(badform[:3], [], "entries are {cb, type log, seq, time, node, kind, objects} keyed "
                            "draft/round/event/ask/vote with matching ids, drafts with content")
        state1 = {}
        apply_entries(state1, sub1.log_raw)
        apply_entries(state2, sub2.log_raw, S)
        fo = final.get("objects") or {}
        eq(set(fo), {"event/" + e1, "round/" + r1} | {"ask/" + a for a in asks_e1}
           | {"draft/" + d for d in (d1, d2, d3, d4, d7)},
           "final snapshot keys: event, its asks, participants' drafts, open rounds only")
        eq([k for k in fo if state1.get(k) != fo[k]], [],
           "console-1 (from seq 1) state equals the fresh snapshot for every key")
        eq([k for k in fo if state2.get(k) != fo[k]], [],
           "console-2 (snapshot S + log) state equals the fresh snapshot for every key")
        eq((state1.get("round/" + rc) or {}).get("state"), "closed",
           "closed round %s kept in the log as closed (not in the snapshot)" % rc)

        # ---------------------------------------------------------------- inboxes
        for c in (fac, fac2, lead, ta, tb, tc, obs, out):
            c.drain(0)
            left = [(d.get("kind"), d.get("body")) for d in c.deliveries]
            eq(left, [], "%s: no unexpected delivery queued" % c.node)
            h = c.hello()
            n = self.consumed.get(c.node, 0)
            eq(h.get("inbox"), {"last": n, "acked": n},
               "%s: inbox holds exactly the %d expected deliveries, all acked" % (c.node, n))
        for c in nodes:
            c.close()


# --------------------------------------------------------------------------- main

def main(argv):
    if len(argv) != 2:
        print("usage: %s PATH_TO_CATCHBALLD" % argv[0], file=sys.stderr)
        return 2
    t0 = time.monotonic()
    scenarios = []

    def run(ctx, endpoint, store, t, probe):
        scenarios.append(Scenario(ctx, endpoint, t))
        scenarios[0].run()

    t, completed = run_against_broker(os.path.abspath(argv[1]), "cb-mkt-", run, ["--verbose"])
    sc = scenarios[0] if scenarios else None
    if sc is not None and sc.notes:
        print("--- notes (refusal codes the document leaves open, raw shapes) ---")
        for n in sc.notes:
            print("note - " + n)
    print("run time %.1f s" % (time.monotonic() - t0))
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 0 if (t.failed == 0 and completed) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
