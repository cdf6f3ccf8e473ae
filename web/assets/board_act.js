// board_act.js - the facilitator runs the event from the board: advance
// the phase, extend it, nudge a team. Each from a button or a key (a, e,
// n), and each only once confirmed in the page: a dialog that Enter
// confirms and Escape cancels (window.confirm would block the page, and
// a projector's operator should see what is about to happen, in large
// type). The request goes through POST /api/act as the board's node; the
// broker decides who may (a team's board gets FORBIDDEN, another
// facilitator's NOT_OWNER), and the outcome is shown as it said it. What
// changed then comes back through the board's own stream, like any other
// change to the event.
import { el } from "./live.js";
import { act, say } from "./act.js";

const PHASES = ["planned", "share", "negotiate", "commit", "closed"];
let board = null;       // The last board shown
let eventId = "";
let dialog = null;      // The confirmation dialog
let pending = null;     // What Enter would send: {type, body()} while it is open
let outcome = null;     // Where the last action's outcome is said

function nextPhase(phase) {
  const i = PHASES.indexOf(phase);
  return i >= 0 && i + 1 < PHASES.length ? PHASES[i + 1] : null;
}

// The dialog's content: a title, what will happen, the fields it needs;
// stale() says why what was confirmed no longer holds (or "").
function confirm(type, title, what, fields, body, stale) {
  if (dialog.open)
    return;
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-what").textContent = what;
  document.getElementById("confirm-fields").replaceChildren(...fields);
  pending = { type, body, stale: stale || (() => "") };
  dialog.dataset.action = type;
  dialog.showModal();
  const first = dialog.querySelector("#confirm-fields input, #confirm-fields select");
  (first || document.getElementById("confirm-ok")).focus();
}

async function send() {
  const p = pending;
  pending = null;
  dialog.close("sent");
  if (!p)
    return;
  const why = p.stale();
  if (why) {
    say(outcome, { error: { name: "NOT_SENT", message: why } });
    return;
  }
  outcome.textContent = "Sending " + p.type + "\u2026";
  outcome.dataset.state = "sending";
  const result = await act(p.type, p.body());
  const ok = result.ok || {};
  const until = typeof ok.ends === "number"
    ? " until " + new Date(ok.ends).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : "";
  say(outcome, result, p.type === "event.nudge" ? "Nudged " + ok.node + "."
    : p.type === "event.extend" ? "Extended: " + ok.phase + until + "."
    : "Advanced: now " + ok.phase + until + ".");
  document.body.dataset.acted = String(Number(document.body.dataset.acted || 0) + 1);
}

function cancel() {
  pending = null;
  outcome.textContent = "Cancelled: nothing was sent.";
  outcome.dataset.state = "cancelled";
}

function advance() {
  const phase = (board && board.event && board.event.phase) || "";
  const next = nextPhase(phase);
  if (!next) {
    say(outcome, { error: { name: "NOT_SENT", message: "The event is closed: there is no "
                                                      + "phase after it." } });
    return;
  }
  confirm("event.advance", "Advance the event?", "From " + phase + " to " + next +
          (next === "closed" ? ": the event closes, for good." : "."), [],
          // from: the broker refuses (WRONG_PHASE) if the event left this
          // phase before the request arrived, as the check below cannot see
          () => ({ event: eventId, from: phase }),
          // The phase moved meanwhile (its time box ran out, or another
          // facilitator's console): advancing now would skip one.
          () => board.event.phase === phase ? "" : "The phase changed to " + board.event.phase +
            " meanwhile: nothing was sent. Press a again to advance from there.");
}

function labelled(label, tag, attrs, ...children) {
  const input = el(tag, Object.assign({ id: "confirm-" + attrs.name }, attrs), ...children);
  return [el("label", { for: input.id }, label), input];
}

function extend() {
  const [label, minutes] = labelled("Minutes more", "input", { name: "minutes", type: "number",
    min: "1", max: "1440", step: "1", value: "5", inputmode: "numeric" });
  const phase = (board && board.event && board.event.phase) || "";
  confirm("event.extend", "Extend the phase?", "Give the " + phase + " phase more time.",
          [label, minutes], () => ({ event: eventId, minutes: Number(minutes.value) }));
}

function nudge() {
  const teams = (board && board.teams) || [];
  const [nodeLabel, node] = labelled("Team", "select", { name: "node" },
    ...teams.map((t) => el("option", { value: t.node }, t.node)));
  // The first team that owes something, as the likeliest to nudge.
  const owing = ((board && board.owed) || []).find((o) => teams.some((t) => t.node === o.node));
  if (owing)
    node.value = owing.node;
  const [textLabel, text] = labelled("Reminder", "input", { name: "text", maxlength: "500",
    placeholder: "Please answer your asks" });
  confirm("event.nudge", "Nudge a team?", "The team gets a reminder in its inbox.",
          [nodeLabel, node, textLabel, text],
          () => ({ event: eventId, node: node.value, text: text.value }));
}

const KEYS = { a: advance, e: extend, n: nudge };

// True if a key press is someone typing, not a command.
function typing(e) {
  const t = e.target;
  return e.ctrlKey || e.metaKey || e.altKey || (t && (t.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName)));
}

// Builds the controls (into the phase's section) and the dialog, once.
export function controls(event) {
  eventId = event;
  const phase = document.querySelector("section.phase");
  const button = (key, label, run) => {
    const b = el("button", { type: "button", id: "do-" + label.toLowerCase(),
                             "aria-keyshortcuts": key }, el("kbd", {}, key), " " + label);
    b.addEventListener("click", run);
    return b;
  };
  outcome = el("p", { id: "act-outcome", class: "outcome", role: "status", "aria-live": "polite" });
  phase.append(el("div", { class: "controls", role: "group", "aria-label": "run the event" },
    button("a", "Advance", advance), button("e", "Extend", extend),
    button("n", "Nudge", nudge), outcome));
  const cancelButton = el("button", { type: "button", id: "confirm-cancel" },
                          "Cancel ", el("kbd", {}, "Esc"));
  dialog = el("dialog", { id: "confirm", class: "confirm", "aria-labelledby": "confirm-title",
                          "aria-describedby": "confirm-what" },
    el("form", { method: "dialog" },
      el("h2", { id: "confirm-title" }), el("p", { id: "confirm-what" }),
      el("div", { id: "confirm-fields", class: "fields" }),
      el("div", { class: "buttons" }, cancelButton,
         el("button", { type: "submit", id: "confirm-ok" }, "Confirm ", el("kbd", {}, "Enter")))));
  document.body.append(dialog);
  dialog.querySelector("form").addEventListener("submit", (e) => {
    e.preventDefault();
    send();
  });
  cancelButton.addEventListener("click", () => dialog.close("cancel"));
  // Escape closes a modal dialog by itself (its cancel event); a select
  // takes Enter for its own list, so Enter confirms from anywhere here.
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && e.target.tagName !== "BUTTON") {
      e.preventDefault();
      send();
    }
  });
  dialog.addEventListener("close", () => {
    if (pending)
      cancel();
  });
  document.addEventListener("keydown", (e) => {
    const run = KEYS[e.key];
    if (!run || dialog.open || typing(e))
      return;
    e.preventDefault();
    run();
  });
}

// Keeps what the controls need from each board: the phase, the teams.
export function update(b) {
  board = b;
  const phase = (b.event && b.event.phase) || "";
  const next = nextPhase(phase);
  const advanceButton = document.getElementById("do-advance");
  advanceButton.replaceChildren(el("kbd", {}, "a"), next ? " Advance to " + next : " Closed");
  advanceButton.disabled = !next;
  const timed = typeof (b.event && b.event.ends) === "number";
  document.getElementById("do-extend").disabled = !timed;
  document.getElementById("do-nudge").disabled = phase === "closed" || !(b.teams || []).length;
}
