#!/usr/bin/python3
"""The authorisation matrix (proto/PROTOCOL.md section 13), end to end.

Usage: /usr/bin/python3 tests/e2e/authz.py PATH_TO_CATCHBALLD

Starts the real broker on a free loopback port with a temporary store, sets up
nodes of every role (leadership, teams, facilitators, observers), drafts,
rounds, a marketplace event with participants, asks and offers, then sends
every request the matrix refuses and checks, for each one:

  - the error code and name;
  - that nothing was stored: the event log's last sequence (event.snapshot)
    and LMDB's last transaction id (`mdb_stat -e STORE`) did not move.

Allowed cells are checked too (ok, and stored or not as the type says).
Prints one line per check and "N passed, M failed"; exits non-zero on any
failure. Waits are polls with timeouts, never sleeps.
"""

import os
import shutil
import subprocess
import sys

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from protocol_client import Client, Fatal, run_against_broker  # noqa: E402

CYCLE = "2027-Q1"

# Node names
LEAD, TA, TB, TC = "lead", "team-a", "team-b", "team-c"
FAC, FAC2, OBS, PROBE = "fac", "fac-2", "watcher", "probe"

WRITES = ["draft.new", "draft.revise", "vote.open", "draft.vote", "draft.finalize",
          "proposal.adopt",
          "round.throw", "round.feedback", "round.counter", "round.endorse", "round.close",
          "event.new", "event.advance", "event.extend", "event.nudge", "event.share",
          "ask.new", "offer.new", "ask.accept", "ask.decline", "ask.counter", "ask.take",
          "ask.refuse", "draft.raise", "draft.retro", "draft.carry", "checkin.new", "cycle.new",
          "cycle.close"]
FACILITATOR_TYPES = ["event.new", "event.advance", "event.extend", "event.nudge"]
READS = ["draft.show", "draft.list", "draft.history", "draft.diff", "round.show",
         "event.show", "event.list", "event.snapshot", "event.report", "cycle.graph",
         "ask.list", "vote.show", "checkin.list", "cycle.show", "cycle.list"]


class AClient(Client):
    """protocol_client's Client; event log entries (after log.subscribe) are ignored."""

    def _other(self, msg):
        if msg.get("type") != "log":
            super()._other(msg)


def content(objective, kr_text="Weekly active teams", target=60, cycle=CYCLE):
    c = {"objective": objective,
         "key_results": [{"text": kr_text, "baseline": 40, "target": target, "unit": "%"}]}
    if cycle:
        c["cycle"] = cycle
    return c


def reflect(text="Integration requests answered within a day", **extra):
    kr = {"text": text, "baseline": 50, "target": 90, "unit": "%"}
    kr.update(extra)
    return {"type": "new_kr", "kr": kr}


class Authz:
    def __init__(self, ctx, endpoint, store, t):
        self.ctx, self.endpoint, self.store, self.t = ctx, endpoint, store, t
        self.event = None
        self.cl = {}
        self.ids = {}

    # ------------------------------------------------------------ store state

    def txid(self):
        out = subprocess.run(["mdb_stat", "-e", self.store], capture_output=True,
                             text=True, timeout=30)
        for line in out.stdout.splitlines():
            if "Last transaction ID" in line:
                return int(line.split(":")[1])
        raise Fatal("mdb_stat -e %s: no 'Last transaction ID' line: %r %r"
                    % (self.store, out.stdout, out.stderr))

    def seq(self):
        return self.cl[PROBE].call("event.snapshot", {"event": self.event})["seq"]

    def state(self):
        return {"seq": self.seq(), "txid": self.txid()}

    # ------------------------------------------------------------ sending

    def send(self, cl, type_, body, top=None):
        """Send a request (no re-hello: a NOT_HELLO is an answer here). `top`
        adds keys next to cb/type/mid/body in the envelope."""
        if not top:
            return cl.request(type_, body, rehello=False)
        mid = cl.new_mid()
        m = {"cb": 1, "type": type_, "mid": mid, "body": body}
        m.update(top)
        return cl.send_frame_wait(msgpack.packb(m, use_bin_type=True), mid)

    def refused(self, who, type_, body, code, name, what, top=None, bug=False):
        """A refused cell: the code and name, and nothing stored."""
        cl = self.cl[who] if isinstance(who, str) else who
        before = self.state()
        r = self.send(cl, type_, body, top)
        after = self.state()
        ok = (r is not None and r.get("type") == "error" and r.get("code") == code
              and r.get("name") == name and after == before)
        label = "%s%s (%s %s) -> %d %s, nothing stored" % (
            "[BUG, see the report] " if bug else "", what, cl.node, type_, code, name)
        self.t.check(ok, label, {"reply": r, "before": before, "after": after})
        return r

    def allowed(self, who, type_, body, what, logged=1, stores=True, top=None):
        """An allowed cell: ok; a change moves LMDB's transaction id (and the log
        by `logged` entries), a read moves neither. Returns the reply body."""
        cl = self.cl[who] if isinstance(who, str) else who
        before = self.state()
        r = self.send(cl, type_, body, top)
        after = self.state()
        ok = r is not None and r.get("type") == "ok"
        if stores:
            ok = ok and after["txid"] > before["txid"] and \
                after["seq"] == before["seq"] + logged
        else:
            ok = ok and after == before
        self.t.check(ok, "%s (%s %s) -> ok, %s" % (
            what, cl.node, type_,
            "stored" + (" (%d log entry)" % logged if logged else " (no log entry)")
            if stores else "nothing stored"),
            {"reply": r, "before": before, "after": after})
        if r is None or r.get("type") != "ok":
            raise Fatal("%s: %r" % (what, r))
        return r.get("body") or {}

    # ------------------------------------------------------------ the scenario

    def run(self):
        t, ids = self.t, self.ids
        ctx, ep = self.ctx, self.endpoint
        roles = {LEAD: "leadership", TA: "team", TB: "team", TC: "team",
                 FAC: "facilitator", FAC2: "facilitator", OBS: "observer", PROBE: "observer"}
        for node, role in roles.items():
            self.cl[node] = AClient(ctx, ep, node, role, LEAD if role == "team" else None)
            h = self.cl[node].hello()
            t.eq((h.get("node"), h.get("role")), (node, role), "hello registers %s as %s"
                 % (node, role))
        cl = self.cl

        # The event first: its snapshot gives the log's last sequence.
        self.event = e1 = cl[FAC].call("event.new", {
            "name": "Q1 alignment marketplace", "cycle": CYCLE,
            "participants": [LEAD, TA, TB],
            "plan": {"share": 1440, "negotiate": 1440, "commit": 1440}})["event"]
        ids["e1"] = e1

        # Sanity: the two measures move on a change and stay on a read.
        s0 = self.state()
        cl[PROBE].call("draft.list", {})
        t.eq(self.state(), s0, "a read moves neither the log nor LMDB's transaction id")

        # ---------------------------------------------------- drafts, rounds
        dL = self.allowed(LEAD, "draft.new", {"content": content("Win the mid-market")},
                          "leadership creates a draft")["draft"]
        dA = self.allowed(TA, "draft.new", {"content": content("Make onboarding self-serve")},
                          "a team creates a draft")["draft"]
        dB = self.allowed(TB, "draft.new", {"content": content("Ship the integration API")},
                          "a team creates a draft")["draft"]
        dC = self.allowed(TC, "draft.new", {"content": content("Cut support backlog")},
                          "a team creates a draft")["draft"]
        self.allowed(LEAD, "cycle.new", {"name": "2027-Q3", "start": 1, "end": 2},
                     "leadership creates a cycle")
        r1 = self.allowed(TA, "round.throw", {"draft": dA, "to": [TB, LEAD],
                                              "question": "Can you commit?"},
                          "the owner throws its draft")["round"]
        p1 = self.allowed(TB, "round.counter", {"round": r1, "content": content(
            "Make onboarding self-serve for teams", target=55)},
            "a recipient counter-proposes")["id"]
        b = self.allowed(LEAD, "round.endorse", {"round": r1, "confidence": 4},
                         "a leadership recipient endorses")
        if not b.get("round_closed"):
            raise Fatal("round %s did not close: %r" % (r1, b))
        rL = self.allowed(LEAD, "round.throw", {"draft": dL, "to": [TA]},
                          "leadership throws its draft")["round"]
        p2 = self.allowed(TA, "round.counter", {"round": rL, "content": content(
            "Win the mid-market with partners")}, "a team counter-proposes")["id"]
        # The sealed votes (issue 14): each owner opens one, its voters vote.
        vA = self.allowed(TA, "vote.open", {"draft": dA, "voters": [TB, LEAD]},
                          "a team opens a vote on its own draft")["vote"]
        self.allowed(LEAD, "vote.open", {"draft": dL, "voters": [TA]},
                     "leadership opens a vote on its own draft")
        self.allowed(TB, "vote.open", {"draft": dB, "voters": [TC]},
                     "a team opens a vote on its own draft")
        self.allowed(TC, "vote.open", {"draft": dC, "voters": [TA, LEAD]},
                     "a team opens a vote on its own draft")
        self.allowed(TB, "draft.vote", {"draft": dA, "confidence": 4},
                     "a team voter votes on another team's draft")
        self.allowed(LEAD, "draft.vote", {"draft": dA, "confidence": 3},
                     "a leadership voter votes on a team's draft")
        self.allowed(TA, "draft.vote", {"draft": dL, "confidence": 5},
                     "a team voter votes on leadership's draft")
        self.allowed(TC, "draft.vote", {"draft": dB, "confidence": 4},
                     "a team voter votes on another team's draft")
        self.allowed(TA, "draft.vote", {"draft": dC, "confidence": 4},
                     "a team voter votes, one of two")
        ids.update(dL=dL, dA=dA, dB=dB, dC=dC, r1=r1, rL=rL, p1=p1, p2=p2, vA=vA)
        rev = cl[OBS].call("draft.show", {"draft": dA, "rev": 2})["revision"]
        t.eq((rev.get("author"), rev.get("mainline"), rev.get("proposal")), (TB, False, p1),
             "a counter-proposal is a revision of the owner's draft authored by the recipient")
        self.refused(TB, "draft.revise", {"draft": "d99", "content": content("x", cycle=None)},
                     300, "NOT_FOUND", "order: what the body names is looked up before the "
                     "relation")
        self.refused(TA, "round.throw", {"draft": dA, "to": [OBS]}, 103, "BAD_FIELD",
                     "an observer cannot be a round's recipient")
        self.refused(TA, "round.throw", {"draft": dA, "to": [FAC]}, 103, "BAD_FIELD",
                     "a facilitator cannot be a round's recipient")
        self.refused(FAC, "event.new", {"name": "x", "cycle": CYCLE, "participants": [OBS]},
                     103, "BAD_FIELD", "an observer cannot be an event's participant")
        self.refused(FAC, "event.new", {"name": "x", "cycle": CYCLE, "participants": [FAC2]},
                     103, "BAD_FIELD", "a facilitator cannot be an event's participant")

        # ---------------------------------------------------- not the owner
        # No round is open and each draft has a vote on its head: without the
        # relation check, each of these would succeed.
        for who, d, prop, what in ((TB, dA, p1, "a team on another team's draft"),
                                   (LEAD, dA, p1, "leadership on a team's draft"),
                                   (TA, dL, p2, "a team on leadership's draft"),
                                   (TA, dB, None, "a team on another team's draft")):
            self.refused(who, "draft.revise", {"draft": d, "content": content(
                "Rewritten by someone else", cycle=None)}, 202, "NOT_OWNER",
                "revising: " + what)
            self.refused(who, "draft.finalize", {"draft": d}, 202, "NOT_OWNER",
                         "finalising: " + what)
            self.refused(who, "round.throw", {"draft": d, "to": [TC]}, 202, "NOT_OWNER",
                         "throwing: " + what)
            if prop:
                self.refused(who, "proposal.adopt", {"proposal": prop}, 202, "NOT_OWNER",
                             "adopting %s%s: %s" % (prop, " (its proposer)" if who == TB
                                                   or (who == TA and prop == p2) else "",
                                                   what))
        self.refused(TB, "vote.open", {"draft": dA, "voters": [TC]}, 202, "NOT_OWNER",
                     "opening a vote: a team on another team's draft")
        self.refused(LEAD, "vote.open", {"draft": dA, "voters": [TC]}, 202, "NOT_OWNER",
                     "opening a vote: leadership on a team's draft")
        self.refused(TA, "vote.open", {"draft": dL, "voters": [TC]}, 202, "NOT_OWNER",
                     "opening a vote: a team on leadership's draft")
        # Not a voter: each would be counted without the relation check (dC's
        # vote is open, waiting for LEAD).
        self.refused(TB, "draft.vote", {"draft": dC, "confidence": 5}, 210, "NOT_VOTER",
                     "voting: a team that is not a voter")
        self.refused(TC, "draft.vote", {"draft": dC, "confidence": 0}, 210, "NOT_VOTER",
                     "voting: the owner on its own draft")
        self.refused(LEAD, "draft.vote", {"draft": dB, "confidence": 5}, 210, "NOT_VOTER",
                     "voting: leadership, not a voter, on a team's draft")
        self.refused(TA, "draft.vote", {"draft": dC, "confidence": 4}, 322, "ALREADY_VOTED",
                     "voting twice")
        self.refused(TB, "draft.vote", {"draft": dA, "confidence": 1}, 321, "VOTE_CLOSED",
                     "voting in a revealed vote")
        self.allowed(LEAD, "draft.vote", {"draft": dC, "confidence": 4},
                     "a leadership voter votes, the last of two")

        # ---------------------------------------------------- the event: share
        self.refused(TC, "event.share", {"event": e1, "draft": dC}, 205, "NOT_PARTICIPANT",
                     "a non-participant sharing (planned phase: participation comes first)")
        self.refused(TA, "event.share", {"event": e1, "draft": dB}, 308, "WRONG_PHASE",
                     "order: a participant sharing another's draft while planned gets the phase")
        self.allowed(FAC, "event.advance", {"event": e1}, "the event's facilitator advances")
        self.allowed(TA, "event.share", {"event": e1, "draft": dA},
                     "a participant shares its own draft")
        self.allowed(TB, "event.share", {"event": e1, "draft": dB},
                     "a participant shares its own draft")
        self.refused(TC, "event.share", {"event": e1, "draft": dC}, 205, "NOT_PARTICIPANT",
                     "a non-participant sharing its own draft")
        self.refused(TC, "ask.new", {"event": e1, "to": TA, "kr": "kr1", "need": "x"}, 205,
                     "NOT_PARTICIPANT", "order: a non-participant asking in the share phase")
        self.refused(LEAD, "ask.new", {"event": e1, "to": TA, "kr": "kr1", "need": "x"}, 308,
                     "WRONG_PHASE", "order: a participant that has not shared, asking in the "
                     "share phase, gets the phase")
        self.refused(TA, "event.share", {"event": e1, "draft": dB}, 202, "NOT_OWNER",
                     "a participant sharing another team's draft")
        self.refused(LEAD, "event.share", {"event": e1, "draft": dA}, 202, "NOT_OWNER",
                     "a leadership participant sharing a team's draft")
        self.allowed(FAC, "event.advance", {"event": e1}, "the event's facilitator advances")

        # ---------------------------------------------------- asks and offers
        a1 = self.allowed(TA, "ask.new", {"event": e1, "to": TB, "kr": "kr1",
                                          "need": "An onboarding API"},
                          "a sharing participant asks another")["ask"]
        a3 = self.allowed(TA, "ask.new", {"event": e1, "to": TB, "kr": "kr1",
                                          "need": "SSO for trials"},
                          "a sharing participant asks another")["ask"]
        self.allowed(TB, "ask.counter", {"ask": a3, "text": "SAML only",
                                         "reflect": reflect("SAML trials live")},
                     "the ask's to counters")
        a2 = self.allowed(TB, "offer.new", {"event": e1, "to": TA, "kr": "kr1",
                                            "text": "We can host your sandbox",
                                            "reflect": reflect("Sandboxes hosted")},
                          "a sharing participant offers another")["ask"]
        ids.update(a1=a1, a2=a2, a3=a3)

        ask = {"event": e1, "kr": "kr1", "need": "help"}
        offer = {"event": e1, "kr": "kr1", "text": "help", "reflect": reflect()}
        self.refused(TC, "ask.new", dict(ask, to=TA), 205, "NOT_PARTICIPANT",
                     "a non-participant asking a participant")
        self.refused(TC, "offer.new", dict(offer, to=TA), 205, "NOT_PARTICIPANT",
                     "a non-participant offering to a participant")
        self.refused(TA, "ask.new", dict(ask, to=TC), 205, "NOT_PARTICIPANT",
                     "a participant asking a non-participant")
        self.refused(TA, "offer.new", dict(offer, to=TC), 205, "NOT_PARTICIPANT",
                     "a participant offering to a non-participant")
        self.refused(LEAD, "ask.new", dict(ask, to=TA), 310, "NOT_SHARED",
                     "a participant that has not shared asking")
        self.refused(LEAD, "offer.new", dict(offer, to=TA), 310, "NOT_SHARED",
                     "a participant that has not shared offering")
        self.refused(TA, "ask.new", dict(ask, to=LEAD), 310, "NOT_SHARED",
                     "asking a participant that has not shared")
        self.refused(TA, "offer.new", dict(offer, to=LEAD), 310, "NOT_SHARED",
                     "offering to a participant that has not shared")

        answers = {"ask.accept": {"reflect": reflect()}, "ask.decline": {"reason": "no"},
                   "ask.counter": {"text": "other", "reflect": reflect()},
                   "ask.take": {}, "ask.refuse": {"reason": "no"}}
        for who, what in ((TA, "the asking team"), (LEAD, "a participant not asked"),
                          (TC, "a non-participant")):
            for type_ in ("ask.accept", "ask.decline", "ask.counter"):
                self.refused(who, type_, dict(answers[type_], ask=a1), 203, "NOT_RECIPIENT",
                             "answering an open ask (%s): %s" % (a1, what))
        for type_ in ("ask.take", "ask.refuse"):
            self.refused(TB, type_, dict(answers[type_], ask=a1), 203, "NOT_RECIPIENT",
                         "taking/refusing an open ask (%s): its helper" % a1)
        for who, what in ((TB, "the helper that countered"), (LEAD, "a participant not asked"),
                          (TC, "a non-participant")):
            for type_ in ("ask.take", "ask.refuse"):
                self.refused(who, type_, dict(answers[type_], ask=a3), 203, "NOT_RECIPIENT",
                             "taking/refusing a counter (%s): %s" % (a3, what))
        for who, what in ((TB, "the offering team"), (LEAD, "a participant not offered to"),
                          (TC, "a non-participant")):
            for type_ in ("ask.take", "ask.refuse"):
                self.refused(who, type_, dict(answers[type_], ask=a2), 203, "NOT_RECIPIENT",
                             "taking/refusing an offer (%s): %s" % (a2, what))
        for type_ in ("ask.accept", "ask.decline", "ask.counter"):
            self.refused(TB, type_, dict(answers[type_], ask=a2), 203, "NOT_RECIPIENT",
                         "answering an offer (%s) as an ask: the offering team" % a2)
        self.refused(TA, "ask.accept", dict(answers["ask.accept"], ask=a2), 309, "ASK_STATE",
                     "an offer's team helped accepting it (offers are taken, not accepted)")
        self.refused(TA, "ask.decline", dict(answers["ask.decline"], ask=a2), 309, "ASK_STATE",
                     "an offer's team helped declining it (offers are refused, not declined)")
        self.refused(TA, "ask.counter", dict(answers["ask.counter"], ask=a2), 309, "ASK_STATE",
                     "an offer's team helped countering it")
        self.refused(TB, "offer.new", dict(offer, to=TA, reflect=dict(reflect(), author=TC)),
                     103, "BAD_FIELD", "spoofed 'author' in offer.new's reflect")

        # ---------------------------------------------------- the event's facilitator
        self.refused(FAC2, "event.advance", {"event": e1}, 202, "NOT_OWNER",
                     "another facilitator advancing the event")
        self.refused(FAC2, "event.extend", {"event": e1, "minutes": 5}, 202, "NOT_OWNER",
                     "another facilitator extending the event")
        self.refused(FAC2, "event.nudge", {"event": e1, "node": TA}, 202, "NOT_OWNER",
                     "another facilitator nudging a participant")
        self.refused(FAC, "event.nudge", {"event": e1, "node": TC}, 205, "NOT_PARTICIPANT",
                     "the facilitator nudging a non-participant")
        self.refused(FAC, "event.nudge", {"event": e1, "node": OBS}, 205, "NOT_PARTICIPANT",
                     "the facilitator nudging an observer")

        # ---------------------------------------------------- rounds: recipients, owner
        r2 = self.allowed(TA, "round.throw", {"draft": dA, "to": [LEAD]},
                          "a team throws its draft to leadership")["round"]
        r3 = self.allowed(TB, "round.throw", {"draft": dB, "to": [TA]},
                          "a team throws its draft to another team")["round"]
        ids.update(r2=r2, r3=r3)
        fb = {"kind": "concern", "text": "Not without more people"}
        ct = {"content": content("Something else entirely", cycle=None)}
        en = {"confidence": 1}
        for who, rnd, what in ((TB, r2, "a team the round was not thrown to"),
                               (TA, r2, "the round's owner"),
                               (LEAD, r3, "leadership the round was not thrown to")):
            for type_, extra in (("round.feedback", fb), ("round.counter", ct),
                                 ("round.endorse", en)):
                self.refused(who, type_, dict(extra, round=rnd), 203, "NOT_RECIPIENT",
                             "answering %s: %s" % (rnd, what))
        self.refused(TC, "round.feedback", dict(fb, round=r2), 203, "NOT_RECIPIENT",
                     "answering %s: a team the round was not thrown to" % r2)
        self.refused(LEAD, "round.close", {"round": r2}, 202, "NOT_OWNER",
                     "closing %s: its leadership recipient" % r2)
        self.refused(TB, "round.close", {"round": r2}, 202, "NOT_OWNER",
                     "closing %s: another team" % r2)
        self.refused(TA, "round.close", {"round": r3}, 202, "NOT_OWNER",
                     "closing %s: its team recipient" % r3)
        self.refused(LEAD, "round.close", {"round": r3}, 202, "NOT_OWNER",
                     "closing %s: leadership" % r3)
        self.refused(TB, "draft.revise", {"draft": dA, "content": content("x", cycle=None)},
                     202, "NOT_OWNER", "order: revising another's draft in a round is NOT_OWNER")
        self.refused(LEAD, "draft.finalize", {"draft": dA}, 202, "NOT_OWNER",
                     "order: finalising another's draft in a round is NOT_OWNER")

        # ---------------------------------------------------- reads and session types
        reads = {"draft.show": {"draft": dA}, "draft.list": {}, "draft.history": {"draft": dA},
                 "draft.diff": {"draft": dA, "from": 1, "to": 2}, "round.show": {"round": r1},
                 "event.show": {"event": e1}, "event.list": {}, "event.snapshot": {"event": e1},
                 "event.report": {"event": e1}, "cycle.graph": {"cycle": CYCLE},
                 "ask.list": {"cycle": CYCLE}, "vote.show": {"vote": vA},
                 "checkin.list": {"cycle": CYCLE}, "cycle.show": {"cycle": "2027-Q3"},
                 "cycle.list": {}}
        for who in (LEAD, TA, FAC, OBS):
            for type_ in READS:
                self.allowed(who, type_, reads[type_], "a %s node reads" % roles[who],
                             stores=False)
            last = self.seq()
            for type_, body in (("ping", {}), ("ack", {"upto": 0}),
                                ("log.subscribe", {"from": last + 1}),
                                ("log.ack", {"upto": last}), ("log.unsubscribe", {})):
                self.allowed(who, type_, body, "a %s node's session request" % roles[who],
                             stores=False)
        lst = self.allowed(OBS, "draft.list", {"owner": TA},
                           "draft.list's 'owner' is a filter, not an identity", stores=False)
        t.eq(sorted(d.get("owner") for d in lst.get("drafts", [])), [TA],
             "draft.list {owner: team-a} lists team-a's drafts only")

        # ---------------------------------------------------- roles: FORBIDDEN
        sweep = {
            "draft.new": {"content": content("Observed")},
            "draft.revise": {"draft": dA, "content": content("Changed", cycle=None)},
            "vote.open": {"draft": dC, "voters": [TA]},
            "draft.vote": {"draft": dB, "confidence": 5},
            "draft.finalize": {"draft": dC},
            "proposal.adopt": {"proposal": p1},
            "round.throw": {"draft": dC, "to": [TA]},
            "round.feedback": dict(fb, round=r2),
            "round.counter": dict(ct, round=r2),
            "round.endorse": dict(en, round=r2),
            "round.close": {"round": r2},
            "event.new": {"name": "Another", "cycle": CYCLE, "participants": [TA, TB]},
            "event.advance": {"event": e1},
            "event.extend": {"event": e1, "minutes": 5},
            "event.nudge": {"event": e1, "node": TA},
            "event.share": {"event": e1, "draft": dA},
            "ask.new": dict(ask, to=TB),
            "offer.new": dict(offer, to=TA),
            "ask.accept": dict(answers["ask.accept"], ask=a1),
            "ask.decline": dict(answers["ask.decline"], ask=a1),
            "ask.counter": dict(answers["ask.counter"], ask=a1),
            "ask.take": {"ask": a3},
            "ask.refuse": {"ask": a3, "reason": "no"},
            "draft.raise": {"draft": dA, "text": "we cannot align"},
            "draft.retro": {"draft": dA, "scores": {"kr1": 1}, "learned": "x"},
            "draft.carry": {"draft": dA, "cycle": "2099-Q1"},
            "checkin.new": {"draft": dC, "kr": "kr1", "value": 45, "confidence": 3},
            "cycle.new": {"name": "2027-Q3", "start": 1, "end": 2},
            "cycle.close": {"cycle": "2027-Q3"},
        }
        assert sorted(sweep) == sorted(WRITES)
        for type_ in WRITES:
            self.refused(OBS, type_, sweep[type_], 201, "FORBIDDEN", "an observer writing")
        for type_ in WRITES:
            if type_ not in FACILITATOR_TYPES:
                self.refused(FAC, type_, sweep[type_], 201, "FORBIDDEN",
                             "a facilitator writing outside events")
        for who in (LEAD, TA):
            for type_ in FACILITATOR_TYPES:
                self.refused(who, type_, sweep[type_], 201, "FORBIDDEN",
                             "a %s node running an event" % roles[who])
        self.refused(OBS, "draft.new", {"zzz": 1}, 201, "FORBIDDEN",
                     "order: the role is checked before the body")
        for who in (LEAD, TB):
            for type_ in ("draft.raise", "draft.retro", "draft.carry"):
                self.refused(who, type_, sweep[type_], 202, "NOT_OWNER",
                             "a %s node on another's draft (%s)" % (roles[who], type_))
        # Cycles (issue 14): leadership's alone.
        for type_ in ("cycle.new", "cycle.close"):
            self.refused(TA, type_, sweep[type_], 201, "FORBIDDEN", "a team node on cycles")
        self.allowed(LEAD, "cycle.close", {"cycle": "2027-Q3"}, "leadership closes a cycle")

        # ---------------------------------------------------- spoofed body fields
        self.refused(TA, "draft.new", {"content": content("Spoof"), "author": LEAD},
                     103, "BAD_FIELD", "spoofed 'author' in the body")
        self.refused(TA, "draft.new", {"content": content("Spoof"), "owner": TB},
                     103, "BAD_FIELD", "spoofed 'owner' in the body")
        self.refused(TA, "draft.new", {"content": dict(content("Spoof"), owner=TB)},
                     103, "BAD_FIELD", "spoofed 'owner' in the content")
        c = content("Spoof")
        c["key_results"][0]["author"] = TB
        self.refused(TA, "draft.new", {"content": c}, 103, "BAD_FIELD",
                     "spoofed 'author' in a key result")
        self.refused(LEAD, "draft.revise", {"draft": dL, "content": content("S", cycle=None),
                                            "role": "team"},
                     103, "BAD_FIELD", "spoofed 'role' in the body")
        self.refused(TB, "draft.revise", {"draft": dA, "content": content("S", cycle=None),
                                          "node": TA},
                     103, "BAD_FIELD", "spoofed 'node' (the owner's) in the body")
        self.refused(TA, "draft.vote", {"draft": dL, "confidence": 1, "node": LEAD},
                     103, "BAD_FIELD", "spoofed 'node' in a vote")
        self.refused(LEAD, "draft.finalize", {"draft": dL, "author": LEAD},
                     103, "BAD_FIELD", "spoofed 'author' in a finalise")
        self.refused(LEAD, "proposal.adopt", {"proposal": p2, "proposer": LEAD},
                     103, "BAD_FIELD", "spoofed 'proposer' in an adopt")
        self.refused(LEAD, "round.throw", {"draft": dL, "to": [TB], "owner": TA},
                     103, "BAD_FIELD", "spoofed 'owner' in a throw")
        self.refused(TA, "round.feedback", dict(fb, round=r3, author=LEAD),
                     103, "BAD_FIELD", "spoofed 'author' in feedback")
        self.refused(TA, "round.endorse", dict(en, round=r3, role="leadership"),
                     103, "BAD_FIELD", "spoofed 'role' in an endorsement")
        self.refused(TA, "round.counter", dict(ct, round=r3, proposer=TC),
                     103, "BAD_FIELD", "spoofed 'proposer' in a counter-proposal")
        self.refused(TB, "round.close", {"round": r3, "owner": TB},
                     103, "BAD_FIELD", "spoofed 'owner' in a close")
        self.refused(FAC, "event.new", {"name": "S", "cycle": CYCLE, "participants": [TA],
                                        "facilitator": FAC2},
                     103, "BAD_FIELD", "spoofed 'facilitator' in event.new")
        self.refused(FAC, "event.new", {"name": "S", "cycle": CYCLE, "participants": [TA],
                                        "plan": {"share": 5, "negotiate": 5, "commit": 5,
                                                 "owner": FAC2}},
                     103, "BAD_FIELD", "spoofed 'owner' in an event's plan")
        self.refused(FAC, "event.extend", {"event": e1, "minutes": 5, "node": FAC},
                     103, "BAD_FIELD", "spoofed 'node' in event.extend")
        self.refused(FAC, "event.nudge", {"event": e1, "node": TA, "by": FAC2},
                     103, "BAD_FIELD", "spoofed 'by' in event.nudge")
        self.refused(TA, "event.share", {"event": e1, "draft": dA, "node": TB},
                     103, "BAD_FIELD", "spoofed 'node' in event.share")
        self.refused(TA, "ask.new", dict(ask, to=TB, **{"from": TB}),
                     103, "BAD_FIELD", "spoofed 'from' in ask.new")
        self.refused(TB, "offer.new", dict(offer, to=TA, **{"from": TA}),
                     103, "BAD_FIELD", "spoofed 'from' in offer.new")
        self.refused(TA, "ask.take", {"ask": a3, "node": TB},
                     103, "BAD_FIELD", "spoofed 'node' in ask.take")
        self.refused(TA, "ask.refuse", {"ask": a2, "reason": "no", "author": TB},
                     103, "BAD_FIELD", "spoofed 'author' in ask.refuse")
        self.refused(OBS, "draft.show", {"draft": dA, "author": LEAD},
                     103, "BAD_FIELD", "spoofed 'author' in a read")
        self.refused(TA, "hello", {"node": TA, "role": "team", "author": LEAD},
                     103, "BAD_FIELD", "spoofed 'author' in hello")
        for type_, body in (("ping", {"node": LEAD}), ("ack", {"upto": 0, "node": TB}),
                            ("log.subscribe", {"from": 1, "node": TB}),
                            ("log.ack", {"upto": 0, "role": "leadership"}),
                            ("log.unsubscribe", {"node": TB})):
            self.refused(TA, type_, body, 103, "BAD_FIELD",
                         "spoofed identity in a session request")

        # ---------------------------------------------------- spoofed envelope keys
        self.refused(TA, "event.new", sweep["event.new"], 201, "FORBIDDEN",
                     "a team with top-level role facilitator and node fac",
                     top={"role": "facilitator", "node": FAC})
        self.refused(OBS, "draft.new", sweep["draft.new"], 201, "FORBIDDEN",
                     "an observer with top-level role leadership",
                     top={"role": "leadership", "node": LEAD})
        self.refused(TB, "draft.revise", {"draft": dA, "content": content("x", cycle=None)},
                     202, "NOT_OWNER", "another team with top-level node team-a",
                     top={"node": TA})
        self.refused(LEAD, "draft.finalize", {"draft": dA}, 202, "NOT_OWNER",
                     "leadership with top-level node team-a", top={"node": TA, "author": TA})
        self.refused(TB, "round.feedback", dict(fb, round=r2), 203, "NOT_RECIPIENT",
                     "a team with top-level node lead (the recipient)",
                     top={"node": LEAD, "role": "leadership"})
        self.refused(FAC2, "event.advance", {"event": e1}, 202, "NOT_OWNER",
                     "another facilitator with top-level node fac", top={"node": FAC})
        self.refused(TC, "ask.accept", dict(answers["ask.accept"], ask=a1), 203,
                     "NOT_RECIPIENT", "a team with top-level node team-b (the ask's to)",
                     top={"node": TB, "from": TB})
        anon = AClient(ctx, ep, "anonymous")
        self.refused(anon, "draft.new", sweep["draft.new"], 200, "NOT_HELLO",
                     "a connection that never said hello, with top-level node and role",
                     top={"node": TA, "role": "team"})
        d = self.allowed(TA, "draft.new", {"content": content("Judged as team-a")},
                         "a team with top-level node team-b and role leadership",
                         top={"node": TB, "role": "leadership", "author": LEAD})["draft"]
        shown = cl[OBS].call("draft.show", {"draft": d})
        t.eq((shown["draft"].get("owner"), shown["revision"].get("author")), (TA, TA),
             "the envelope's node is ignored: the draft is the connection's node's")

        # ---------------------------------------------------- hello with another role
        self.refused(TA, "hello", {"node": TA, "role": "facilitator"}, 204, "ROLE_MISMATCH",
                     "a team's connection claiming facilitator for itself")
        self.refused(TA, "event.new", sweep["event.new"], 201, "FORBIDDEN",
                     "after the refused hello the connection is still a team")
        for node, role in ((LEAD, "observer"), (OBS, "leadership"), (FAC, "team"),
                           (TB, "facilitator"), (TB, "leadership")):
            other = AClient(ctx, ep, "x-" + node)
            self.refused(other, "hello", {"node": node, "role": role}, 204, "ROLE_MISMATCH",
                         "a new connection claiming %s for the %s node %s"
                         % (role, roles[node], node))
            self.refused(other, "ping", {}, 200, "NOT_HELLO",
                         "the connection of a refused hello speaks for no node")
            other.close()
            r = cl[node].request("ping", {}, rehello=False)
            t.check(r.get("type") == "ok", "%s's own connection still serves it" % node, r)

        spare = AClient(ctx, ep, "spare", "team")
        spare.hello()
        again = AClient(ctx, ep, "spare")
        h = self.allowed(again, "hello", {"node": "spare"},
                         "version 1 trusts names: a second connection says hello as a known "
                         "node without a role", stores=False)
        t.eq(h.get("role"), "team", "that hello gets the node's registered role")
        h = self.allowed(spare, "hello", {"node": "spare", "role": "team"},
                         "a hello naming a known node with its own role", stores=False)
        spare.close()
        again.close()

        # ---------------------------------------------------- asks after the rounds
        self.allowed(LEAD, "round.endorse", {"round": r2, "confidence": 4},
                     "the recipient answers, which closes the round")
        self.allowed(TA, "round.feedback", dict(fb, round=r3, final=False),
                     "a team recipient gives feedback")
        self.allowed(TB, "round.close", {"round": r3}, "the round's owner closes it")
        self.refused(TA, "round.close", {"round": r3}, 202, "NOT_OWNER",
                     "order: a recipient closing a closed round gets NOT_OWNER")
        # The helper's draft has no round open now: accepting would change it.
        self.refused(TB, "ask.accept", {"ask": a1, "reflect": reflect(), "role": "leadership"},
                     103, "BAD_FIELD", "spoofed 'role' in ask.accept")
        self.refused(TB, "ask.accept", {"ask": a1, "reflect": reflect(author=TA)},
                     103, "BAD_FIELD", "spoofed 'author' in ask.accept's reflected key result")
        self.refused(TB, "offer.new", dict(offer, to=TA, reflect=reflect(author=TC)),
                     103, "BAD_FIELD", "spoofed 'author' in offer.new's reflected key result")
        a5 = self.allowed(TA, "ask.new", dict(ask, to=TB), "a sharing participant asks another")["ask"]
        self.refused(TB, "ask.counter", {"ask": a5, "text": "t", "reflect": reflect(owner=TC)},
                     103, "BAD_FIELD", "spoofed 'owner' in ask.counter's reflected key result")
        self.refused(TB, "ask.counter", {"ask": a5, "text": "t", "reflect": reflect("")},
                     103, "BAD_FIELD", "a reflected key result with an empty text, at counter time")
        self.refused(TB, "offer.new", dict(offer, to=TA, reflect={
            "type": "raise_target", "kr": "kr99", "target": 9}), 300, "NOT_FOUND",
            "raising a target the helper's draft does not have, at offer time")
        self.refused(TB, "ask.counter", {"ask": a5, "text": "t", "reflect": {
            "type": "raise_target", "kr": "kr1", "target": 1e300}}, 103, "BAD_FIELD",
            "raising a target beyond the number limit, at counter time")
        self.allowed(TB, "ask.accept", {"ask": a1, "reflect": reflect()},
                     "the ask's to accepts")
        b = self.allowed(TA, "ask.take", {"ask": a3}, "the asking team takes the counter")
        link = (b.get("revisions") or [{}])[0]
        rev = cl[OBS].call("draft.show", {"draft": link.get("draft"),
                                          "rev": link.get("rev")})["revision"]
        t.eq((link.get("draft"), rev.get("author"), rev.get("ask")), (dB, TB, a3),
             "a taken counter revises the helper's draft, authored by its owner, not the sender")
        self.allowed(TA, "ask.refuse", {"ask": a2, "reason": "We host our own"},
                     "the team helped refuses an offer")
        a6 = self.allowed(TA, "ask.new", dict(ask, to=TB), "a sharing participant asks")["ask"]
        b = self.allowed(TB, "ask.accept", {"ask": a6, "reflect": {
            "type": "shared_kr", "kr": {"text": "Joint activation", "target": 70}}},
            "the ask's to accepts with a shared key result")
        links = b.get("revisions") or []
        authors = [(x.get("draft"), cl[OBS].call("draft.show", {
            "draft": x.get("draft"), "rev": x.get("rev")})["revision"].get("author"))
            for x in links]
        t.eq(authors, [(dB, TB), (dA, TA)], "a shared key result revises both drafts, each "
             "authored by its owner (the asking team's too, though the helper sent it)")
        a7 = self.allowed(TB, "offer.new", dict(offer, to=TA, reflect=reflect("Hosted demo")),
                          "a sharing participant offers")["ask"]
        b = self.allowed(TA, "ask.take", {"ask": a7}, "the team helped takes an offer")
        link = (b.get("revisions") or [{}])[0]
        rev = cl[OBS].call("draft.show", {"draft": link.get("draft"),
                                          "rev": link.get("rev")})["revision"]
        t.eq((link.get("draft"), rev.get("author")), (dB, TB),
             "a taken offer revises the helper's draft, authored by its owner")
        a8 = self.allowed(TA, "ask.new", dict(ask, to=TB), "a sharing participant asks")["ask"]
        self.allowed(TB, "ask.decline", {"ask": a8, "reason": "Not this quarter"},
                     "the ask's to declines")
        self.allowed(LEAD, "event.share", {"event": e1, "draft": dL},
                     "a leadership participant shares its own draft")
        self.allowed(FAC, "event.extend", {"event": e1, "minutes": 5},
                     "the event's facilitator extends the phase")
        self.allowed(FAC, "event.nudge", {"event": e1, "node": TB, "text": "answer a1"},
                     "the event's facilitator nudges a participant (kept in the event: logged)")
        self.allowed(TC, "draft.finalize", {"draft": dC}, "a team finalises its own draft")
        self.allowed(LEAD, "draft.finalize", {"draft": dL},
                     "leadership finalises its own draft")
        # Check-ins (issue 14): the final draft's owner, or a lead of the key
        # result; a node that is neither gets NOT_OWNER, before the state.
        checkin = {"draft": dC, "kr": "kr1", "value": 45.5, "confidence": 3}
        self.allowed(TC, "checkin.new", checkin, "a team checks in on its own final draft")
        for who in (LEAD, TA):
            self.refused(who, "checkin.new", checkin, 202, "NOT_OWNER",
                         "a %s node, not owner nor lead, checking in" % roles[who])
        self.refused(TB, "checkin.new", dict(checkin, draft=dA), 202, "NOT_OWNER",
                     "order: checking in on another's draft not final gets NOT_OWNER")
        self.refused(TA, "checkin.new", dict(checkin, draft=dA), 313, "NOT_FINAL",
                     "the owner checking in on a draft not final")
        self.refused(TC, "checkin.new", dict(checkin, author=TA), 103, "BAD_FIELD",
                     "spoofed 'author' in a check-in")
        self.allowed(FAC, "event.advance", {"event": e1}, "the facilitator advances to commit")
        self.allowed(FAC, "event.advance", {"event": e1}, "the facilitator closes the event")
        self.refused(TC, "ask.decline", {"ask": a1, "reason": "no"}, 308, "WRONG_PHASE",
                     "order: answering an ask of a closed event, not its to, gets the phase")
        self.refused(FAC2, "event.advance", {"event": e1}, 202, "NOT_OWNER",
                     "order: another facilitator advancing a closed event gets NOT_OWNER")
        self.refused(FAC2, "event.extend", {"event": e1, "minutes": 5}, 202, "NOT_OWNER",
                     "order: another facilitator extending a closed event gets NOT_OWNER")
        self.refused(TA, "draft.revise", {"draft": dC, "content": content("x", cycle=None),
                                          "message": "reason"}, 202, "NOT_OWNER",
                     "order: revising another team's final draft gets NOT_OWNER")
        self.refused(LEAD, "draft.finalize", {"draft": d}, 202, "NOT_OWNER",
                     "order: finalising another's draft with no vote gets NOT_OWNER")
        anon.close()

        # ---------------------------------------------------- identities in records
        ev = cl[OBS].call("event.show", {"event": e1})
        t.eq(ev["event"].get("facilitator"), FAC, "the event's facilitator is its creator")
        hist = {a["id"]: [(h.get("node"), h.get("action")) for h in a.get("history", [])]
                for a in ev.get("asks", [])}
        t.eq(hist.get(a3), [(TA, "ask"), (TB, "counter"), (TA, "take")],
             "an ask's history names the node of each step's connection")
        t.eq(hist.get(a2), [(TB, "offer"), (TA, "refuse")],
             "an offer's history names the node of each step's connection")
        asks = {a["id"]: a for a in ev.get("asks", [])}
        t.eq((asks[a1].get("from"), asks[a1].get("to"), asks[a2].get("from")), (TA, TB, TB),
             "an ask's from is the sender")
        draft = cl[OBS].call("draft.show", {"draft": dA})["draft"]
        t.eq([v.get("node") for v in draft.get("votes", [])], [TB, LEAD],
             "a vote's node is the sender")
        rnd = cl[OBS].call("round.show", {"round": r1})
        t.eq((rnd["round"].get("owner"), [x.get("author") for x in rnd.get("responses", [])]),
             (TA, [TB, LEAD]), "a round's owner and its responses' authors are the senders")


def main(argv):
    if len(argv) != 2:
        print("usage: %s PATH_TO_CATCHBALLD" % argv[0], file=sys.stderr)
        return 2
    daemon = os.path.abspath(argv[1])
    if shutil.which("mdb_stat") is None:
        print("FAIL - mdb_stat not found (lmdb-utils)")
        return 1
    t, completed = run_against_broker(
        daemon, "cb-authz-",
        lambda ctx, endpoint, store, t, probe: Authz(ctx, endpoint, store, t).run())
    print("%d passed, %d failed" % (t.passed, t.failed))
    return 0 if (t.failed == 0 and completed) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
