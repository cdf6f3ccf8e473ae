// me.js - a person's page: what they owe and the forms that answer it,
// their inbox as the broker sent it (round thrown, responses, alignment
// news), and, with ?event=E, what they owe in that event (the board's
// debts that are theirs).
//
// To do: each round thrown to this node (its round.thrown deliveries)
// that round.show says is open and not answered by it, with four ways
// to answer (feedback per key result, a counter-proposal: the draft's
// content edited, the coach's findings on it shown from the reply; an
// endorsement with confidence; "cannot align"), and each ask waiting on it (ask.list: asks and offers
// to it that are open, its own asks that were countered). A card is made
// once and only its state changes afterwards, so that a live update never
// wipes what someone is typing. Every refusal is shown in the card, as
// the broker (or the gateway) said it.
import { el, fill, follow } from "./live.js";
import { act, read, say, who } from "./act.js";
import { field, findings, form as baseForm, number, options, refuse } from "./forms.js";
import { market } from "./market.js";
import { eventNew } from "./event_new.js";

function summary(d) {
  const body = d.body || {};
  const parts = [];
  for (const key of ["round", "draft", "owner", "by", "question", "objective"])
    if (typeof body[key] === "string")
      parts.push(key + " " + body[key]);
  const r = body.response;
  if (r && typeof r === "object") {
    let what = r.type === "endorse" ? "endorsement, confidence " + r.confidence
             : r.type === "feedback" ? (r.kind || "feedback") + (r.on ? " on " + r.on : "")
             : r.type || "";
    parts.push("response " + r.id + " by " + r.author + ": " + what +
               (typeof r.text === "string" && r.text ? ": " + r.text : ""));
  }
  const a = body.ask;
  if (a && typeof a === "object")
    parts.push("ask " + a.id + " from " + a.from + " (" + a.state + "): " +
               (a.kind === "offer" ? a.text : a.need));
  return parts.join(", ");
}

let myNode = null;       // Who this page is for, once /live/me says
let lastBoard = null;   // The event's board, kept until we know who we are

function renderOwes(board) {
  lastBoard = board;
  if (myNode === null)
    return;
  const mine = (board.owed || []).filter((o) => o.node === myNode);
  fill("owes", ...(mine.length ? mine.map((o) => el("li", {}, o.what))
                               : [el("li", { class: "none" }, "nothing")]));
}

// ---------------------------------------------------------------------------
// Forms (forms.js): each of this page's refreshes what is owed once sent,
// and what went through stays in sight on its card once its forms are
// gone (the round answered, the ask settled).

function form(cls, title, fields, button, submit) {
  return baseForm(cls, title, fields, button, submit, (f, where) => {
    const card = f.closest(".answer");
    if (card && where.dataset.state === "done")
      card.querySelector(".result").replaceChildren(...where.cloneNode(true).childNodes);
    refresh();
  });
}

// ---------------------------------------------------------------------------
// Rounds to answer

// The counter-proposal form: the thrown content, editable (objective,
// narrative, each key result's text and target), and a message. What is
// not shown (alignment, baselines, units, leads, shared links) is sent back
// as it was thrown.
function counterForm(round, content, krs) {
  const [objLabel, objective] = field("Objective", "textarea",
                                      { name: "objective", rows: "2" });
  objective.value = content.objective || "";
  const [narLabel, narrative] = field("Narrative", "textarea",
                                      { name: "narrative", rows: "3" });
  narrative.value = content.narrative || "";
  const rows = krs.map((kr) => {
    const [textLabel, text] = field(kr.id + ": text", "input", { name: kr.id + "-text" });
    text.value = kr.text || "";
    const [targetLabel, target] = field(kr.id + ": target", "input",
                                        { name: kr.id + "-target", inputmode: "decimal" });
    target.value = kr.target === undefined ? "" : String(kr.target);
    return { kr, text, target,
             node: el("div", { class: "kr-edit" }, textLabel, text, targetLabel, target) };
  });
  const [msgLabel, message] = field("Why (optional)", "textarea", { name: "message", rows: "2" });
  return form("counter", "Counter-proposal", [objLabel, objective, narLabel, narrative,
                                              ...rows.map((r) => r.node), msgLabel, message],
              "Send counter-proposal", async (f, where) => {
    const sent = JSON.parse(JSON.stringify(content));
    sent.objective = objective.value;
    sent.narrative = narrative.value;
    sent.key_results = rows.map((r) => Object.assign({}, r.kr, { text: r.text.value,
                                                                 target: number(r.target.value) }));
    const body = { round, content: sent };
    if (message.value.trim() !== "")
      body.message = message.value;
    const result = await act("round.counter", body);
    if (say(where, result, result.ok ? "Sent: counter-proposal " + result.ok.id +
                                       " (revision " + result.ok.rev + ")." : "")) {
      const list = findings(result.ok.coach);
      where.append(list ? el("span", { class: "coach" }, " The coach on it:") : " The coach " +
                   "found nothing to say.", list || "");
    }
  });
}

const rounds = new Map();     // round id -> its card

function roundCard(thrown) {
  const round = thrown.round;
  const content = thrown.content || {};
  const krs = Array.isArray(content.key_results) ? content.key_results : [];
  // Feedback per key result: a kind and a text each; the filled ones are
  // sent, the last one final (it completes the answer).
  const per = krs.map((kr) => {
    const [kindLabel, kind] = field("Kind of feedback on " + kr.id, "select", { name: kr.id + "-kind" },
                                    ...options("suggestion", "concern", "support"));
    const [textLabel, text] = field(kr.id + ": " + (kr.text || ""), "textarea",
                                    { name: kr.id, rows: "2" });
    return { kr: kr.id, kind, text,
             node: el("div", { class: "kr-feedback" }, textLabel, text, kindLabel, kind) };
  });
  const feedback = form("feedback", "Feedback per key result", per.map((p) => p.node),
                        "Send feedback", async (f, where) => {
    const filled = per.filter((p) => p.text.value.trim() !== "");
    if (!filled.length)
      return refuse(where, "Write feedback on at least one key result: nothing was sent.");
    // Each key result's feedback is a response of its own, the last one
    // final: checked here first, so that the broker's limit does not
    // refuse one after another went through.
    const long = filled.find((p) => [...p.text.value].length > 2000);
    if (long)
      return refuse(where, "The feedback on " + long.kr + " is over 2,000 characters: " +
                           "nothing was sent.");
    for (let i = 0; i < filled.length; i++) {
      const p = filled[i];
      const result = await act("round.feedback", { round, on: p.kr, kind: p.kind.value,
        text: p.text.value, final: i === filled.length - 1 });
      if (!say(where, result, ""))
        return;
    }
    say(where, { ok: true }, "Sent: feedback on " + filled.map((p) => p.kr).join(", ") + ".");
  });
  const [confLabel, confidence] = field("Confidence, 0 (none) to 5 (full)", "input",
    { name: "confidence", type: "number", min: "0", max: "5", step: "1", inputmode: "numeric" });
  const [noteLabel, note] = field("A word with it (optional)", "textarea",
                                  { name: "text", rows: "2" });
  const endorse = form("endorse", "Endorse", [confLabel, confidence, noteLabel, note],
                       "Endorse", async (f, where) => {
    if (confidence.value.trim() === "")
      return refuse(where, "Give your confidence, a whole number from 0 to 5: nothing was sent.");
    const body = { round, confidence: number(confidence.value) };
    if (note.value.trim() !== "")
      body.text = note.value;
    say(where, await act("round.endorse", body), "Sent: endorsed with confidence " +
        confidence.value + ".");
  });
  const [whyLabel, why] = field("Why you cannot align", "textarea", { name: "text", rows: "2" });
  const cannot = form("cannot", "We cannot align", [whyLabel, why], "Say we cannot align",
                      async (f, where) => {
    say(where, await act("round.feedback", { round, kind: "cannot-align", text: why.value }),
        "Sent: you cannot align.");
  });
  const state = el("p", { class: "state" }, "open");
  const card = el("li", { class: "answer", "data-round": round, "data-state": "open" },
    el("h3", {}, "Round " + round + " on " + thrown.draft + ", from " + thrown.owner),
    thrown.question ? el("p", { class: "question" }, thrown.question) : null,
    el("p", { class: "objective" }, "Objective: " + (content.objective || "")),
    el("ul", { class: "krs" }, ...krs.map((kr) => el("li", {}, kr.id + ": " + (kr.text || "") +
      (kr.target !== undefined ? " (target " + kr.target + (kr.unit ? " " + kr.unit : "") + ")" : "")))),
    thrown.coach && thrown.coach.length
      ? el("div", { class: "coach" }, el("p", {}, "The coach on the revision thrown:"),
           findings(thrown.coach)) : null,
    state, el("p", { class: "result", role: "status" }),
    el("div", { class: "forms" }, feedback, counterForm(round, content, krs), endorse, cannot));
  card.stateLine = state;
  return card;
}

// Asks round.show whether the round still waits for this node.
async function roundState(card) {
  const result = await read("round.show", { round: card.dataset.round });
  if (result.error) {
    card.stateLine.textContent = "cannot read the round: " + result.error.name;
    return;
  }
  const round = result.ok.round || {};
  const answered = (round.answered || []).includes(myNode);
  const state = answered ? "answered" : round.state === "open" ? "open" : "closed";
  card.dataset.state = state;
  card.stateLine.textContent = state === "answered" ? "answered: the round's owner has it"
                             : state === "closed" ? "closed (" + (round.closed_by || "") + ")"
                             : "open: your answer is awaited";
  card.querySelector(".forms").hidden = state !== "open";
}

// ---------------------------------------------------------------------------
// Asks to answer

const asks = new Map();       // ask id -> its card

// How the helper's draft reflects the help: a target raised, or a new key
// result.
function reflectFields() {
  const [typeLabel, type] = field("How your draft reflects it", "select", { name: "reflect" },
    el("option", { value: "raise_target" }, "raise a key result's target"),
    el("option", { value: "new_kr" }, "add a key result"));
  const [krLabel, kr] = field("Key result (kr1, ...), or the new one's text", "input",
                              { name: "kr" });
  const [targetLabel, target] = field("Target", "input", { name: "target", inputmode: "decimal" });
  const value = () => type.value === "raise_target"
    ? { type: "raise_target", kr: kr.value.trim(), target: number(target.value) }
    : { type: "new_kr", kr: { text: kr.value, target: number(target.value) } };
  return { nodes: [el("div", { class: "reflect" }, typeLabel, type, krLabel, kr, targetLabel,
                      target)], value };
}

function askCard(ask) {
  const id = ask.id;
  const forms = [];
  const done = (what) => "Sent: " + what + ". The ask is now ";
  const answer = async (where, type, body, what) => {
    const result = await act(type, Object.assign({ ask: id }, body));
    say(where, result, done(what) + (result.ok ? result.ok.state : "") + ".");
  };
  const reasonForm = (type, title) => {
    const [label, reason] = field("Why", "textarea", { name: "reason", rows: "2" });
    return form(type.replace(".", "-"), title, [label, reason], title,
                (f, where) => answer(where, type, { reason: reason.value }, title.toLowerCase()));
  };
  if (ask.to === myNode && ask.kind !== "offer") {
    const r1 = reflectFields();
    forms.push(form("ask-accept", "Accept", r1.nodes, "Accept",
                    (f, where) => answer(where, "ask.accept", { reflect: r1.value() }, "accepted")));
    forms.push(reasonForm("ask.decline", "Decline"));
    const [label, text] = field("What you offer instead", "textarea", { name: "text", rows: "2" });
    const r2 = reflectFields();
    forms.push(form("ask-counter", "Counter", [label, text, ...r2.nodes], "Counter",
                    (f, where) => answer(where, "ask.counter", { text: text.value,
                                                                 reflect: r2.value() },
                                         "countered")));
  }
  else {
    // An offer to this node, or this node's own ask countered: take or refuse.
    forms.push(form("ask-take", "Take it", [], "Take it",
                    (f, where) => answer(where, "ask.take", {}, "taken")));
    forms.push(reasonForm("ask.refuse", "Refuse"));
  }
  const state = el("p", { class: "state" }, ask.state);
  const card = el("li", { class: "answer", "data-ask": id, "data-state": ask.state },
    el("h3", {}, (ask.kind === "offer" ? "Offer " : "Ask ") + id + " from " + ask.from +
       " to " + ask.to + (ask.event ? " in " + ask.event : "")),
    el("p", { class: "need" }, (ask.kind === "offer" ? ask.text : ask.need) || ""),
    ask.counter ? el("p", { class: "counter" }, "Countered: " + (typeof ask.counter === "string"
                                                                ? ask.counter : ask.counter.text || "")) : null,
    el("p", { class: "kr" }, "For " + (ask.kr || "") + (ask.kr_text ? ": " + ask.kr_text : "")),
    state, el("p", { class: "result", role: "status" }), el("div", { class: "forms" }, ...forms));
  card.stateLine = state;
  return card;
}

// True if the ask waits on this node now.
function waitsOnMe(ask) {
  return (ask.to === myNode && ask.state === "open")
      || (ask.from === myNode && ask.state === "countered");
}

async function refreshAsks() {
  const result = await read("ask.list", { node: myNode });
  if (result.error)
    return;
  for (const ask of result.ok.asks || []) {
    let card = asks.get(ask.id);
    if (!card && waitsOnMe(ask)) {
      card = askCard(ask);
      asks.set(ask.id, card);
      document.getElementById("asks-todo").append(card);
    }
    if (card) {
      const waiting = waitsOnMe(ask);
      card.dataset.state = ask.state;
      card.stateLine.textContent = waiting ? ask.state + ": your answer is awaited" : ask.state;
      card.querySelector(".forms").hidden = !waiting;
    }
  }
}

// ---------------------------------------------------------------------------
// Votes to cast: each vote.opened delivery whose vote is open and has not
// had this node's vote yet (vote.show says who has voted, never how).

const votes = new Map();      // vote id -> its card

function voteCard(vote) {
  const [confLabel, confidence] = field("Your confidence, 0 to 5", "input",
    { name: "confidence", type: "number", min: "0", max: "5", step: "1", inputmode: "numeric" });
  const [commentLabel, comment] = field("A comment (optional)", "textarea",
                                        { name: "comment", rows: "2" });
  const cast = form("vote", "Vote", [confLabel, confidence, commentLabel, comment], "Cast my vote",
                    async (f, where) => {
    if (confidence.value.trim() === "")
      return refuse(where, "Give your confidence, a whole number from 0 to 5: nothing was sent.");
    const body = { draft: vote.draft, confidence: number(confidence.value) };
    if (comment.value.trim() !== "")
      body.comment = comment.value;
    say(where, await act("draft.vote", body), "Sent: your vote is counted, sealed until " +
        "the reveal.");
  });
  const state = el("p", { class: "state" }, vote.state || "open");
  const card = el("li", { class: "answer", "data-vote": vote.id, "data-state": "open" },
    el("h3", {}, "Vote " + vote.id + " on " + vote.draft + " (revision " + vote.rev + "), by " +
       vote.owner),
    el("p", { class: "objective" }, "Objective: " + (vote.objective || "")),
    el("p", {}, "It passes with a median of " + vote.threshold + " or more, and no 0 or 1."),
    state, el("p", { class: "result", role: "status" }), el("div", { class: "forms" }, cast));
  card.stateLine = state;
  return card;
}

async function voteState(card) {
  const result = await read("vote.show", { vote: card.dataset.vote });
  if (result.error)
    return;
  const vote = result.ok.vote || {};
  const voted = (vote.voted || []).includes(myNode);
  const state = vote.state !== "open" ? "revealed" : voted ? "answered" : "open";
  card.dataset.state = state;
  card.stateLine.textContent = state === "open" ? "open: your vote is awaited"
    : state === "answered" ? "voted: sealed until the reveal"
    : "revealed: median " + (vote.result ? vote.result.median : "") +
      (vote.result && vote.result.passed ? ", passed" : ", did not pass");
  card.querySelector(".forms").hidden = state !== "open";
}

// ---------------------------------------------------------------------------
// The node's own drafts (draft.list by owner), with what their owner
// does: throw a round, close it, adopt a counter-proposal (those the
// inbox's round.response deliveries brought), open the confidence vote,
// finalise (with an override's reason if the vote did not pass); and,
// for a draft aligned to another's, say "we cannot align" at once,
// without waiting for a round (draft.raise).

const drafts = new Map();     // draft id -> its card

function names(text) {
  return text.split(/[\s,]+/).filter((n) => n !== "");
}

function draftCard(draft) {
  const id = draft.id;
  const [toLabel, to] = field("To (node names, comma-separated)", "input", { name: "to" });
  const [qLabel, question] = field("Question", "textarea", { name: "question", rows: "2" });
  const thrown = form("throw", "Throw a round", [toLabel, to, qLabel, question], "Throw",
                      async (f, where) => {
    const body = { draft: id, to: names(to.value) };
    if (question.value.trim() !== "")
      body.question = question.value;
    const result = await act("round.throw", body);
    say(where, result, result.ok ? "Sent: round " + result.ok.round + " thrown." : "");
  });
  const close = form("round-close", "Close the open round", [], "Close it", async (f, where) => {
    const result = await act("round.close", { round: card.draft.round || "" });
    say(where, result, "Sent: the round is closed.");
  });
  const [vLabel, voters] = field("Voters (node names, comma-separated)", "input",
                                 { name: "voters" });
  const [tLabel, threshold] = field("Median it needs (0 to 5; empty: 3)", "input",
                                    { name: "threshold", inputmode: "numeric" });
  const open = form("vote-open", "Open the confidence vote", [vLabel, voters, tLabel, threshold],
                    "Open the vote", async (f, where) => {
    const body = { draft: id, voters: names(voters.value) };
    if (threshold.value.trim() !== "")
      body.threshold = number(threshold.value);
    const result = await act("vote.open", body);
    say(where, result, result.ok ? "Sent: vote " + result.ok.vote + " is open." : "");
  });
  const [rLabel, reason] = field("Override's reason (only if the vote did not pass)", "textarea",
                                 { name: "reason", rows: "2" });
  const finalize = form("finalize", "Finalise", [rLabel, reason], "Finalise",
                        async (f, where) => {
    const body = { draft: id };
    if (reason.value.trim() !== "")
      body.override = { reason: reason.value };
    const result = await act("draft.finalize", body);
    say(where, result, result.ok ? "Sent: " + id + " is final at revision " + result.ok.rev +
                                   "." : "");
  });
  const proposals = el("ul", { class: "proposals" });
  const state = el("p", { class: "state" });
  const card = el("li", { class: "answer mine", "data-draft": id, "data-state": draft.state },
    el("h3", {}, "Draft " + id + " (" + (draft.cycle || "") + ")"),
    el("p", { class: "revise" }, el("a", { href: "/draft?draft=" + encodeURIComponent(id) },
                                    "Revise " + id + " (edit its content)")),
    el("p", { class: "objective" }), state, el("p", { class: "result", role: "status" }),
    el("div", { class: "proposals-area" }, el("h4", {}, "Counter-proposals"), proposals),
    el("div", { class: "forms" }, thrown, close, open, finalize));
  card.stateLine = state;
  card.proposals = proposals;
  card.forms = { thrown, close, open, finalize };
  // Raising needs a draft aligned to another: its head says (read once).
  read("draft.show", { draft: id }).then((result) => {
    const aligned = result.ok && result.ok.revision && result.ok.revision.content
                  ? result.ok.revision.content.aligned_to : null;
    if (!aligned || typeof aligned.draft !== "string")
      return;
    const [label, why] = field("Why (your more urgent priorities)", "textarea",
                               { name: "text", rows: "2" });
    const target = aligned.draft + (aligned.kr ? " " + aligned.kr : "");
    card.forms.raise = form("raise", "We cannot align with " + target, [label, why],
                            "Say we cannot align", async (f, where) => {
      const result = await act("draft.raise", { draft: id, text: why.value });
      say(where, result, result.ok ? "Sent: " + result.ok.id + ", to " + result.ok.to +
                                     ", the owner of " + result.ok.draft + "." : "");
    });
    card.querySelector(".forms").append(card.forms.raise);
  });
  return card;
}

// A counter-proposal answered to this node: a button that adopts it.
function proposalItem(card, response) {
  const adopt = form("adopt", "Counter-proposal " + response.id + " by " + response.author +
                     " (revision " + response.proposal_rev + ")" +
                     (response.message ? ": " + response.message : ""), [], "Adopt " + response.id,
                     async (f, where) => {
    const result = await act("proposal.adopt", { proposal: response.id });
    say(where, result, result.ok ? "Sent: adopted as revision " + result.ok.rev + "." : "");
  });
  return el("li", { "data-proposal": response.id }, adopt);
}

function updateDraft(card, draft) {
  card.draft = draft;
  card.dataset.state = draft.state;
  card.querySelector(".objective").textContent = "Objective: " + (draft.objective || "");
  card.stateLine.textContent = draft.state + ", revision " + draft.head +
    (draft.round ? ", round " + draft.round + " open" : "") +
    (draft.vote ? ", last vote " + draft.vote : "");
  const final = draft.state === "final";
  card.forms.thrown.hidden = final || !!draft.round;
  card.forms.close.hidden = !draft.round;
  card.forms.open.hidden = final || !!draft.round;
  card.forms.finalize.hidden = final || !!draft.round;
  for (const d of inbox) {
    const r = d.body && d.body.response;
    if (d.kind === "round.response" && d.body.draft === draft.id && r && r.type === "counter"
        && !card.proposals.querySelector('[data-proposal="' + CSS.escape(r.id) + '"]'))
      card.proposals.append(proposalItem(card, r));
  }
  card.querySelector(".proposals-area").hidden = card.proposals.children.length === 0;
}

async function refreshDrafts() {
  const result = await read("draft.list", { owner: myNode });
  if (result.error)
    return;
  const list = result.ok.drafts || [];
  document.getElementById("drafts-area").hidden = list.length === 0;
  for (const draft of list) {
    let card = drafts.get(draft.id);
    if (!card) {
      card = draftCard(draft);
      drafts.set(draft.id, card);
      document.getElementById("drafts").append(card);
    }
    updateDraft(card, draft);
  }
}

// ---------------------------------------------------------------------------
// Everything owed, as `catchball todo` lists it (GET /api/todo): the same
// items and words, the command that does each shown with it.

function todoText(t) {
  const s = (k) => (typeof t[k] === "string" ? t[k] : "");
  switch (t.what) {
    case "round": return "answer round " + t.id + ": " + s("from") + " threw " + s("draft") + " to you";
    case "ask": return "answer ask " + t.id + " from " + s("from") + " for " + s("draft") + " " +
                       s("kr") + ": " + s("text");
    case "counter": return "take or refuse " + s("from") + "'s counter on ask " + t.id + ": " +
                           s("text");
    case "offer": return "take or refuse offer " + t.id + " from " + s("from") + " for " +
                         s("draft") + " " + s("kr") + ": " + s("text");
    case "link": return "re-align " + t.id + ": " + s("text");
    case "retro": return "score " + t.id + ", final OKR of closed cycle " + s("cycle") +
                         ": its retrospective";
    case "raised": return "answer " + t.id + ": " + s("from") + " cannot align " +
                          s("from_draft") + " with your " + s("draft") + ": " + s("text");
    case "checkin": return "check in on " + t.id + ": " + s("text");
    case "dropped": return "check " + t.id + "'s alignment: " + s("text");
    case "vote": return "cast your sealed confidence vote on " + t.id + " (" + s("from") +
                        "'s, vote " + s("vote") + ")";
    case "open-vote": return "open a sealed confidence vote on " + t.id + ": its rounds are done";
    case "finalize": return t.passed ? "finalise " + t.id + ": vote " + s("vote") +
                                       " on its head revision passed"
                                     : "finalise " + t.id + " or vote again: vote " + s("vote") +
                                       " on its head revision did not pass";
    default: return s("what") + " " + s("id");
  }
}

async function refreshTodo() {
  const result = await fetch("/api/todo", { credentials: "same-origin" })
    .then((r) => r.json()).catch(() => null);
  if (!result || result.error) {
    fill("todo-all", el("li", { class: "none" }, "Cannot read what you owe now: " +
      (result ? result.error.name + " " + result.error.message : "no answer")));
    return;
  }
  const items = result.ok.todo || [];
  document.body.dataset.owed = String(items.length);
  fill("todo-all", ...(items.length ? items.map((t) => el("li", { "data-what": t.what,
                                                                  "data-id": t.id },
    todoText(t) + (t.event ? " (event " + t.event + ")" : ""),
    typeof t.deadline === "number"
      ? el("span", { class: "deadline" }, " by " + new Date(t.deadline).toLocaleString()) : null,
    ...(t.commands || []).map((c) => el("code", {}, c))))
                             : [el("li", { class: "none" }, "Nothing: you owe nothing now.")]));
}

// ---------------------------------------------------------------------------
// The page

let inbox = [];
let refreshing = null;      // The refresh running, if one is
let again = false;          // Another was asked for meanwhile

async function refreshNow() {
  for (const d of inbox)
    if (d.kind === "round.thrown" && d.body && typeof d.body.round === "string"
        && !rounds.has(d.body.round)) {
      const card = roundCard(d.body);
      rounds.set(d.body.round, card);
      document.getElementById("rounds").prepend(card);
    }
  for (const d of inbox)
    if (d.kind === "vote.opened" && d.body && typeof d.body.id === "string"
        && !votes.has(d.body.id)) {
      const card = voteCard(d.body);
      votes.set(d.body.id, card);
      document.getElementById("votes").prepend(card);
    }
  await Promise.all([...rounds.values()].filter((c) => c.dataset.state === "open")
                                        .map(roundState));
  await Promise.all([...votes.values()].filter((c) => c.dataset.state !== "revealed")
                                       .map(voteState));
  await refreshAsks();
  await refreshDrafts();
  await refreshTodo();
  const open = document.querySelectorAll("#todo .answer:not([data-state=answered])" +
    ":not([data-state=closed]):not([data-state=accepted]):not([data-state=declined])" +
    ":not([data-state=revealed])").length;
  document.getElementById("todo-empty").hidden = open > 0;
  document.body.dataset.todo = String(open);
}

// Refreshes what is owed; one at a time, the last request never lost.
function refresh() {
  if (myNode === null)
    return;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = refreshNow().finally(() => {
    refreshing = null;
    if (again) {
      again = false;
      refresh();
    }
  });
}

function render(me) {
  myNode = me.node;
  if (lastBoard)
    renderOwes(lastBoard);
  fill("title", "catchball: " + me.node + " (" + me.role + ")");
  inbox = me.inbox || [];
  const newest = inbox.slice().reverse();
  document.getElementById("empty").hidden = newest.length > 0;
  fill("inbox", ...newest.map((d) => el("li", { class: "delivery", "data-kind": d.kind },
    el("strong", {}, d.kind), " " + summary(d))));
  refresh();
}

follow("/live/me", "me", render);
eventNew();
who().catch(() => {});
const eventId = new URLSearchParams(location.search).get("event");
if (eventId) {
  document.getElementById("owes-area").hidden = false;
  document.getElementById("event").value = eventId;
  fill("owes-event", eventId);
  follow("/live/board?event=" + encodeURIComponent(eventId), "board", (board) => {
    renderOwes(board);
    market(board);
  });
}
