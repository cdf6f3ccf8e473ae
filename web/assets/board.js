// board.js - the facilitator's board for the projector: the phase and a
// large countdown, who has shared, asks and offers as cards by state, who
// owes answers, stuck deals, the connection. Everything comes from
// /live/board (the gateway's cli_console_state, snapshot plus the log),
// the whole board in each message. board_act.js runs the event from it
// (advance, extend, nudge); board_progress.js shows the final drafts'
// progress.
import { el, fill, follow } from "./live.js";
import { controls, update } from "./board_act.js";
import { progress } from "./board_progress.js";

const PHASES = ["planned", "share", "negotiate", "commit", "closed"];
const ASK_STATES = ["open", "countered", "accepted", "declined"];
const eventId = new URLSearchParams(location.search).get("event") || "";
let ends = null;        // When the phase ends, on the gateway's clock
let skew = 0;           // The gateway's clock minus ours

function countdown() {
  const node = document.getElementById("countdown");
  if (ends === null) {
    node.textContent = "no time box";
    node.dataset.timed = "no";
    return;
  }
  const left = Math.max(0, Math.ceil((ends - (Date.now() + skew)) / 1000));
  const mm = String(Math.floor(left / 60)).padStart(2, "0");
  const ss = String(left % 60).padStart(2, "0");
  node.textContent = mm + ":" + ss;
  node.dataset.timed = left > 0 ? "yes" : "over";
}

function team(t) {
  const shared = t.draft !== null;
  const facts = [];
  facts.push(el("span", { class: "draft" }, shared ? "shared " + t.draft : "not shared"));
  if (t.waiting > 0)
    facts.push(el("span", { class: "waiting" }, t.waiting + " round" + (t.waiting > 1 ? "s" : "") + " to answer"));
  if (t.confidence >= 0)
    facts.push(el("span", { class: "confidence" }, "confidence " + t.confidence + "/5"));
  return el("li", { class: "team", "data-node": t.node, "data-shared": shared ? "yes" : "no" },
            el("strong", {}, t.node), ...facts);
}

function card(ask) {
  const what = ask.kind === "offer" ? ask.text : ask.need;
  return el("li", { class: "card", "data-ask": ask.id, "data-state": ask.state },
            el("p", { class: "who" }, ask.id + " " + ask.kind + ": " + ask.from + " \u2192 " + ask.to),
            el("p", { class: "need" }, what || ""),
            typeof ask.counter === "string" ? el("p", { class: "counter" }, "counter: " + ask.counter) : null,
            ask.kr_text ? el("p", { class: "kr" }, ask.kr + ": " + ask.kr_text) : null);
}

function render(board, id) {
  const event = board.event || {};
  document.title = "catchball: " + (event.name || eventId);
  fill("title", (event.name || "") + " (" + (event.id || eventId) + ")");
  fill("timeline", ...PHASES.map((p) => el("li", p === event.phase
    ? { class: "current", "aria-current": "step" } : {}, p)));
  ends = typeof event.ends === "number" ? event.ends : null;
  document.body.dataset.ends = ends === null ? "" : String(ends);
  skew = board.now - Date.now();
  countdown();
  fill("teams", ...(board.teams || []).map(team));
  const asks = board.asks || [];
  fill("asks", ...ASK_STATES.map((state) => {
    const cards = asks.filter((a) => a.state === state).map(card);
    return el("div", { class: "column", "data-state": state },
              el("h3", {}, state + " (" + cards.length + ")"),
              el("ul", { class: "cards" }, ...cards));
  }));
  const owed = board.owed || [];
  fill("owed", ...(owed.length ? owed.map((o) => el("li", { "data-node": o.node },
    el("strong", {}, o.node), " " + o.what)) : [el("li", { class: "none" }, "nobody owes anything")]));
  const stuck = board.stuck || [];
  fill("stuck", ...(stuck.length ? stuck.map((s) => el("li", { "data-ask": s.ask },
    el("strong", {}, s.ask), " waits for " + s.by + " (" + s.answer + "): round " + s.round +
    " on " + s.draft + " is open; " + s.owner + " can close it" +
    (s.waiting ? ", or " + s.waiting + " can answer it" : ""))) : [el("li", { class: "none" }, "none")]));
  fill("seq", "log seq " + id);
  document.body.dataset.seq = id;
  update(board);
  progress(board);
}

controls(eventId);

follow("/live/board?event=" + encodeURIComponent(eventId), "board", render);
setInterval(countdown, 1000);
