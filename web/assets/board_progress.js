// board_progress.js - the board's progress section: once drafts of the
// event are final, each of their key results as it stands from its
// check-ins (the gateway reads them as the facilitator console does, and
// works them out with the same code: cli_console_state_progress). Absent
// until a draft of the event is final. The age of the last check-in is
// on the gateway's clock, which each board carries (`now`).
import { el } from "./live.js";

function num(v) {
  return typeof v === "number" ? String(v) : "?";
}

function ago(ms) {
  const m = Math.floor(Math.max(0, ms) / 60000);
  return m < 1 ? "just now" : m < 60 ? m + " min ago"
       : m < 2880 ? Math.floor(m / 60) + " h ago" : Math.floor(m / 1440) + " days ago";
}

function row(p, now) {
  const unit = p.unit ? " " + p.unit : "";
  const values = (p.checkins ? num(p.current) + unit + " " : "") + "(" +
    (typeof p.baseline === "number" ? num(p.baseline) + " \u2192 " : "\u2192 ") +
    num(p.target) + unit + ")";
  const facts = [];
  if (!p.checkins)
    facts.push("no check-in yet");
  else {
    if (typeof p.share === "number")
      facts.push(Math.round(p.share * 1000) / 10 + "% of the way");
    const c = Array.isArray(p.confidence) ? p.confidence : [];
    if (c.length)
      facts.push("confidence " + c.slice(-4).join(" \u2192 "));
    if (typeof p.last_time === "number")
      facts.push("last " + ago(now - p.last_time) + (p.last_by ? " by " + p.last_by : ""));
  }
  const c = Array.isArray(p.confidence) ? p.confidence : [];
  const low = c.length && c[c.length - 1] < 2;
  return el("li", { class: "progress-kr", "data-draft": p.draft, "data-kr": p.kr,
                    "data-checkins": String(p.checkins || 0), "data-low": low ? "yes" : "no" },
            el("strong", {}, p.draft + " " + p.kr + " (" + (p.owner || "") + ")"),
            el("span", { class: "kr-text" }, p.text || ""),
            el("span", { class: "values" }, values),
            el("span", { class: "since" }, facts.join(", ")));
}

export function progress(board) {
  let section = document.getElementById("progress-area");
  if (!section) {
    section = el("section", { id: "progress-area", class: "area-progress",
                              "aria-labelledby": "h-progress" },
                 el("h2", { id: "h-progress" }, "Progress of the final drafts"),
                 el("ul", { id: "progress", class: "progress" }));
    section.hidden = true;
    document.querySelector("main").append(section);
  }
  const list = Array.isArray(board.progress) ? board.progress : [];
  section.hidden = list.length === 0;
  document.getElementById("progress").replaceChildren(...list.map((p) => row(p, board.now)));
}
