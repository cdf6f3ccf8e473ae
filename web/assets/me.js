// me.js - a team member's page: their inbox as the broker sent it
// (round thrown, responses, alignment news) and, with ?event=E, what they
// owe in that event (the board's debts that are theirs); read-only in
// this slice.
import { el, fill, follow } from "./live.js";

function summary(d) {
  const body = d.body || {};
  const parts = [];
  for (const key of ["round", "draft", "owner", "by", "question", "objective"])
    if (typeof body[key] === "string")
      parts.push(key + " " + body[key]);
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

function render(me) {
  myNode = me.node;
  if (lastBoard)
    renderOwes(lastBoard);
  fill("title", "catchball: " + me.node + " (" + me.role + ")");
  const inbox = (me.inbox || []).slice().reverse();
  document.getElementById("empty").hidden = inbox.length > 0;
  fill("inbox", ...inbox.map((d) => el("li", { class: "delivery", "data-kind": d.kind },
    el("strong", {}, d.kind), " " + summary(d))));
}

follow("/live/me", "me", render);
const eventId = new URLSearchParams(location.search).get("event");
if (eventId) {
  document.getElementById("owes-area").hidden = false;
  document.getElementById("event").value = eventId;
  fill("owes-event", eventId);
  follow("/live/board?event=" + encodeURIComponent(eventId), "board", renderOwes);
}
