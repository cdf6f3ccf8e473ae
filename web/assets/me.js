// me.js - a team member's page: their inbox as the broker sent it
// (round thrown, responses, alignment news), read-only in this slice.
import { el, fill, follow } from "./live.js";

function summary(d) {
  const body = d.body || {};
  const parts = [];
  for (const key of ["round", "draft", "owner", "by", "question", "objective"])
    if (typeof body[key] === "string")
      parts.push(key + " " + body[key]);
  return parts.join(", ");
}

function render(me) {
  fill("title", "catchball: " + me.node + " (" + me.role + ")");
  const inbox = (me.inbox || []).slice().reverse();
  document.getElementById("empty").hidden = inbox.length > 0;
  fill("inbox", ...inbox.map((d) => el("li", { class: "delivery", "data-kind": d.kind },
    el("strong", {}, d.kind), " " + summary(d))));
}

follow("/live/me", "me", render);
