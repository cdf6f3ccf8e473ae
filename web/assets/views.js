// views.js - the pages everyone can read, one page for all, by its path:
// /graph?cycle=C (the alignment graph as SVG, drawn by the gateway with
// the command line's own code), /report?cycle=C or ?event=E, /progress
// ?cycle=C or ?draft=D (with a check-in form for the draft's owner and
// the key result's leads), /history?draft=D (with the side-by-side diff
// of any two revisions). What they show comes from GET /api/view/NAME;
// a check-in goes through POST /api/act as checkin.new. People's text
// goes in as text nodes (el), never as HTML; the graph is an <img>, so
// nothing in it runs. Progress follows the node's page (/live/me): a
// check-in another lead makes reaches the owner as a delivery, and the
// numbers are read again.
import { el, fill, follow } from "./live.js";
import { act, who, say, outcomeOf } from "./act.js";

const params = new URLSearchParams(location.search);
const page = location.pathname.slice(1);

// GET /api/view/NAME?fields: {ok} or {error}.
async function view(name, fields) {
  try {
    const response = await fetch("/api/view/" + name + "?" + new URLSearchParams(fields),
                                 { credentials: "same-origin" });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch (e) {
      return { error: { name: "HTTP " + response.status, message: text.trim() } };
    }
  } catch (e) {
    return { error: { name: "NOT_CONNECTED", message: String(e.message || e) } };
  }
}

function failed(result) {
  const failure = document.getElementById("failure");
  failure.hidden = !result.error;
  if (result.error)
    failure.textContent = result.error.name + ": " + result.error.message;
  document.body.dataset.loaded = result.error ? "failed" : "yes";
  return !!result.error;
}

// A number as the broker gave it; "-" for none.
function num(v) {
  return v === null || v === undefined ? "-" : String(v);
}

// A share of the way as the command line writes it (cli_progress_percent):
// a percentage to a tenth, "33.3%", "25%"; "-" if there is none.
function percent(share) {
  return typeof share === "number" ? Math.round(share * 1000) / 10 + "%" : "-";
}

// A broker time (ms since 1970) in UTC, as the reports write it.
function utc(ms) {
  return ms ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC" : "-";
}

// The form on top: which cycle, event or draft to show.
function pick(fields, button) {
  const form = document.getElementById("pick");
  form.action = "/" + page;
  for (const [name, label] of fields) {
    const id = "pick-" + name;
    form.append(el("label", { for: id }, label),
                el("input", { id, name, value: params.get(name) || "", size: "12",
                              autocomplete: "off" }));
  }
  form.append(el("button", { type: "submit" }, button));
}

// ----------------------------------------------------------------------
// The graph

async function showGraph() {
  pick([["cycle", "Cycle"], ["event", "Event (its asks only)"]], "Draw");
  const cycle = params.get("cycle");
  if (!cycle)
    return fill("view", el("p", { class: "muted" }, "Which cycle? Name it above."));
  const fields = { cycle };
  if (params.get("event"))
    fields.event = params.get("event");
  const url = "/api/view/graph.svg?" + new URLSearchParams(fields);
  const img = el("img", { id: "graph", src: url,
                          alt: "The alignment graph of cycle " + cycle +
                               ": the drafts are listed below it" });
  const list = el("ul", { id: "graph-drafts", class: "dots" });
  fill("view", el("h2", {}, "Alignment graph of cycle " + cycle),
       el("figure", { class: "graph" }, img),
       el("p", {}, el("a", { href: url, target: "_blank", rel: "noopener" },
                      "Open the graph alone (zoom, and its tooltips)")),
       el("h3", {}, "Drafts"), list);
  // An image that could not be drawn says nothing: ask why, in words.
  img.addEventListener("error", async () => {
    const response = await fetch(url, { credentials: "same-origin" });
    let why = (await response.text()).trim();
    try { why = JSON.parse(why).error.message; } catch (e) { /* as it came */ }
    failed({ error: { name: "No graph", message: why } });
    img.hidden = true;
  });
  img.addEventListener("load", () => { document.body.dataset.graph = "drawn"; });
  const result = await view("graph", fields);
  if (failed(result))
    return;
  for (const d of result.ok.drafts || [])
    list.append(el("li", {}, el("strong", {}, d.id), " " + d.owner + ", " +
                   (d.state === "in_round" ? "in round" : d.state) + ": " +
                   ((d.content && d.content.objective) || d.objective || "")));
}

// ----------------------------------------------------------------------
// Reports

function krLine(kr) {
  const unit = kr.unit ? " " + kr.unit : "";
  return (kr.baseline !== null && kr.baseline !== undefined ? num(kr.baseline) + " -> " : "") +
         num(kr.target) + unit;
}

function cycleReport(doc) {
  const def = doc.definition;
  const parts = [el("h2", {}, "Cycle " + doc.cycle),
                 el("p", { id: "definition" }, def
                   ? def.state + ", from " + utc(def.start) + " to " + utc(def.end) +
                     "; check-ins every " + def.cadence_days + " days."
                   : "A cycle nobody defined (no dates).")];
  for (const d of doc.drafts || []) {
    const agreed = d.state === "final"
      ? "Agreed: final at revision " + d.final_rev +
        (d.override ? ", by override: " + d.override.reason : "") + "."
      : "Not agreed: " + d.state + ".";
    const krs = el("ul", { class: "krs" });
    for (const kr of d.key_results || []) {
      const rows = (kr.checkins || []).map((c) => el("tr", {},
        el("td", {}, utc(c.time)), el("td", {}, num(c.value)),
        el("td", {}, c.confidence + "/5"), el("td", {}, c.author), el("td", {}, c.note || "")));
      krs.append(el("li", { "data-kr": kr.id },
        el("strong", {}, kr.id), " " + kr.text + ": " + krLine(kr) + "; covered " +
        percent(kr.share) +
        "; score " + num(kr.score),
        rows.length ? el("div", { class: "table-wrap" }, el("table", {},
          el("thead", {}, el("tr", {}, el("th", {}, "When"), el("th", {}, "Value"),
                             el("th", {}, "Confidence"), el("th", {}, "By"),
                             el("th", {}, "Note"))),
          el("tbody", {}, ...rows))) : el("p", { class: "muted" }, "No check-in.")));
    }
    parts.push(el("article", { class: "report-draft", "data-draft": d.id },
      el("h3", {}, d.id + " (" + d.owner + "): " + d.objective),
      el("p", { class: "agreed" }, agreed), krs,
      d.learned ? el("p", {}, "Learned: " + d.learned)
                : d.state === "final" ? el("p", { class: "muted" }, "No retrospective yet.") : null));
  }
  const asks = el("ul", { id: "asks-fulfilled", class: "dots" });
  for (const a of doc.asks_fulfilled || []) {
    const offer = a.kind === "offer";
    asks.append(el("li", {}, a.id + ": " + (offer ? a.from : a.to) + " helped " +
                   (offer ? a.to : a.from) + " with " + a.draft + " " + a.kr + ": " +
                   (a.need || a.text || "")));
  }
  if (!asks.children.length)
    asks.append(el("li", {}, "None."));
  parts.push(el("section", {}, el("h3", {}, "Asks fulfilled"), asks));
  fill("view", ...parts);
}

function askItem(a) {
  return el("li", { "data-ask": a.id }, el("strong", {}, a.id), " " + a.from + " " +
            (a.kind === "offer" ? "offers " : "asks ") + a.to + " (" + a.draft + " " +
            (a.kr || "") + "): " + (a.need || a.text || "") + " [" + a.state + "]" +
            (a.counter ? "; counter: " + a.counter : "") +
            (a.reason ? "; reason: " + a.reason : ""));
}

function eventReport(doc) {
  const e = doc.event || {};
  const parts = [el("h2", {}, "Event " + e.name),
                 el("p", {}, "Cycle " + e.cycle + ", facilitated by " + e.facilitator +
                    "; " + (e.state || e.phase || "") + ".")];
  for (const [key, title] of [["agreed", "Agreed"], ["countered", "Countered"],
                              ["declined", "Declined"], ["unresolved", "Unresolved"]]) {
    const list = el("ul", { class: "dots", id: "asks-" + key });
    for (const a of doc[key] || [])
      list.append(askItem(a));
    if (!list.children.length)
      list.append(el("li", {}, "None."));
    parts.push(el("section", {}, el("h3", {}, title), list));
  }
  for (const d of doc.drafts || []) {
    const revs = el("ul", { class: "dots" });
    for (const r of d.revisions || [])
      revs.append(el("li", {}, "revision " + r.rev + " by " + r.author + ", " + utc(r.time) +
                     ": " + (r.message || "")));
    if (!revs.children.length)
      revs.append(el("li", {}, "No revision during the event."));
    parts.push(el("article", { "data-draft": d.draft },
                  el("h3", {}, d.draft + " (" + d.owner + "): " + d.objective), revs));
  }
  fill("view", ...parts);
}

async function showReport() {
  pick([["cycle", "Cycle"], ["event", "or event"]], "Report");
  const cycle = params.get("cycle"), event = params.get("event");
  if (!cycle && !event)
    return fill("view", el("p", { class: "muted" }, "Which cycle or event? Name it above."));
  const result = await view("report", cycle ? { cycle } : { event });
  if (failed(result))
    return;
  if (cycle)
    cycleReport(result.ok);
  else
    eventReport(result.ok);
}

// ----------------------------------------------------------------------
// Progress and check-ins

// A number if the text is one; else the text itself, for the broker to
// refuse in its own words (nothing is checked twice, differently).
function numberOr(text) {
  const t = text.trim();
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

function checkinForm(p) {
  const id = p.draft + "-" + p.kr;
  const form = el("form", { class: "act checkin", novalidate: "" },
    el("h4", {}, "Check in on " + p.kr),
    el("label", { for: "value-" + id }, "Current value" + (p.unit ? " (" + p.unit + ")" : "")),
    el("input", { id: "value-" + id, name: "value", inputmode: "decimal", autocomplete: "off" }),
    el("label", { for: "confidence-" + id }, "Confidence it will be reached, 0 to 5"),
    el("input", { id: "confidence-" + id, name: "confidence", inputmode: "numeric",
                  autocomplete: "off" }),
    el("label", { for: "note-" + id }, "Note (optional)"),
    el("textarea", { id: "note-" + id, name: "note", rows: "2" }),
    el("button", { type: "submit" }, "Check in"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    const body = { draft: p.draft, kr: p.kr, value: numberOr(form.value.value),
                   confidence: numberOr(form.confidence.value) };
    if (form.note.value.trim())
      body.note = form.note.value.trim();
    const result = await act("checkin.new", body);
    button.disabled = false;
    if (say(outcomeOf(form), result, "Checked in: " + (result.ok && result.ok.id) + ".")) {
      form.reset();
      await loadProgress(p.draft + "/" + p.kr);
    }
  });
  return form;
}

let me = null;

async function loadProgress(keep) {
  const fields = params.get("draft") ? { draft: params.get("draft") }
                                     : { cycle: params.get("cycle") };
  const result = await view("progress", fields);
  if (failed(result))
    return;
  // The outcome of the last check-in stays shown over the new numbers.
  const kept = keep && document.querySelector('[data-key="' + CSS.escape(keep) + '"] .outcome');
  const cards = [];
  for (const p of result.ok.progress || []) {
    const key = p.draft + "/" + p.kr;
    const unit = p.unit ? " " + p.unit : "";
    const facts = el("div", { class: "progress-kr" },
      el("p", { class: "kv" },
        el("span", {}, "baseline " + num(p.baseline)),
        el("span", { class: "current" }, "current " + (p.checkins ? num(p.current) : "none")),
        el("span", {}, "target " + num(p.target) + unit)));
    if (!p.checkins)
      facts.append(el("p", { class: "muted last" }, "No check-in yet."));
    else {
      if (typeof p.share === "number") {
        const meter = el("meter", { min: "0", max: "1", value: String(p.share),
                                    "aria-label": "share of the way" });
        facts.append(el("p", { class: "covered" }, "covered " + p.covered + " of the way"), meter);
      }
      facts.append(el("p", { class: "trend" }, "confidence " + p.trend + "  ",
                      el("span", { class: "spark", "aria-hidden": "true" }, p.sparkline)),
                   el("p", { class: "last" }, "last check-in " + p.last + " by " + p.last_by +
                      ", " + p.age));
    }
    const card = el("article", { class: "progress", "data-key": key },
                    el("h3", {}, key + ": " + p.text), facts);
    if (me && (p.owner === me.node || (p.leads || []).includes(me.node)))
      card.append(checkinForm(p));
    cards.push(card);
  }
  if (!cards.length)
    cards.push(el("p", { class: "muted" }, "No final draft here: progress follows finalize."));
  const title = params.get("draft") ? "Progress of " + params.get("draft")
                                    : "Progress in cycle " + params.get("cycle");
  fill("view", el("h2", {}, title), ...cards);
  if (kept) {
    const form = document.querySelector('[data-key="' + CSS.escape(keep) + '"] form');
    if (form)
      form.append(kept);
  }
  document.body.dataset.version = Number(document.body.dataset.version || 0) + 1;
}

async function showProgress() {
  pick([["cycle", "Cycle"], ["draft", "or draft"]], "Show");
  if (!params.get("cycle") && !params.get("draft"))
    return fill("view", el("p", { class: "muted" }, "Which cycle or draft? Name it above."));
  try {
    me = await who();
  } catch (e) {
    me = null;
  }
  await loadProgress(null);
  // The check-ins delivered to this node so far; a new one: read again.
  let seen = null;
  document.getElementById("link").hidden = false;
  follow("/live/me", "me", (data) => {
    const ids = (data.inbox || []).filter((d) => d.kind === "checkin.new")
                                  .map((d) => (d.body || {}).id).join(" ");
    if (seen !== null && ids !== seen)
      loadProgress(null);
    seen = ids;
  });
}

// ----------------------------------------------------------------------
// History and the side-by-side diff

// A value of a change, for people: a key result as "text: baseline ->
// target unit", a link as "dN/krN", anything else as its text.
function shown(v) {
  if (v === null || v === undefined)
    return "(none)";
  if (typeof v !== "object")
    return String(v);
  if (Array.isArray(v))
    return v.map(shown).join(", ");
  if (v.text !== undefined)
    return v.text + ": " + krLine(v);
  if (v.draft !== undefined)
    return v.draft + (v.kr ? "/" + v.kr : "");
  return JSON.stringify(v);
}

// The changes as rows: what, then revision A's side, then revision B's.
function changeRows(changes) {
  const rows = [];
  for (const c of changes || []) {
    if (c.field)
      rows.push([c.field, shown(c.from), shown(c.to)]);
    else if (c.change === "added")
      rows.push([c.kr + " added", "", shown(c.value)]);
    else if (c.change === "removed")
      rows.push([c.kr + " removed", shown(c.value), ""]);
    else
      for (const f of c.fields || [])
        rows.push([c.kr + " " + f.field, shown(f.from), shown(f.to)]);
  }
  return rows;
}

function diffTable(from, to, changes) {
  const rows = changeRows(changes);
  if (!rows.length)
    return el("p", { class: "muted" }, "No difference.");
  return el("div", { class: "table-wrap" }, el("table", { class: "diff", id: "diff-table" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "What"),
                       el("th", { scope: "col" }, "Revision " + from),
                       el("th", { scope: "col" }, "Revision " + to))),
    el("tbody", {}, ...rows.map(([what, a, b]) => el("tr", {},
      el("th", { scope: "row" }, what), el("td", { class: "from" }, a),
      el("td", { class: "to" }, b))))));
}

function diffForm(draft, revisions) {
  const select = (name, label, chosen) => {
    const s = el("select", { id: "diff-" + name, name });
    for (const r of revisions)
      s.append(el("option", { value: String(r.rev) }, "revision " + r.rev +
                  (r.mainline ? "" : " (proposal)") + ": " + (r.message || "")));
    s.value = String(chosen);
    return [el("label", { for: "diff-" + name }, label), s];
  };
  const last = revisions.length ? revisions[revisions.length - 1].rev : 1;
  const form = el("form", { class: "act", id: "diff-form" },
    el("h4", {}, "Compare two revisions, side by side"),
    ...select("from", "From", revisions.length > 1 ? revisions[revisions.length - 2].rev : last),
    ...select("to", "To", last),
    el("button", { type: "submit" }, "Compare"));
  const out = el("div", { id: "diff" });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const from = form.from.value, to = form.to.value;
    const result = await view("diff", { draft, from, to });
    out.replaceChildren(result.error
      ? el("p", { class: "outcome", "data-state": "refused" },
           el("strong", {}, "Refused: " + result.error.name), " " + result.error.message)
      : diffTable(from, to, result.ok.changes));
    document.body.dataset.diff = from + "-" + to;
  });
  return el("section", {}, form, out);
}

async function showHistory() {
  pick([["draft", "Draft"]], "Show");
  const draft = params.get("draft");
  if (!draft)
    return fill("view", el("p", { class: "muted" }, "Which draft? Name it above."));
  const result = await view("history", { draft });
  if (failed(result))
    return;
  const h = result.ok, d = h.draft || {};
  const parts = [el("h2", {}, "History of " + d.id + " (" + d.owner + ")"),
                 el("p", {}, d.state + ", cycle " + d.cycle + ", head revision " + d.head +
                    ": " + (d.objective || ""))];
  parts.push(diffForm(draft, h.revisions || []));
  const revs = el("ol", { id: "revisions", class: "dots" });
  for (const r of h.revisions || [])
    revs.append(el("li", { "data-rev": String(r.rev) },
      el("strong", {}, "revision " + r.rev), (r.mainline ? "" : " (proposal by " +
        (r.proposer || r.author) + ")") + " by " + r.author + ", " + utc(r.time) + ": " +
        (r.message || "") + (r.round ? " (round " + r.round + ")" : "") +
        (r.addresses && r.addresses.length ? " (addresses " + r.addresses.join(", ") + ")" : ""),
      el("ul", { class: "dots" }, ...changeRows(r.changes).map(([what, a, b]) =>
        el("li", {}, what + ": " + (a || "-") + " -> " + (b || "-"))))));
  parts.push(el("section", {}, el("h3", {}, "Revisions"), revs));
  const rounds = el("ul", { id: "rounds", class: "dots" });
  for (const r of h.rounds || []) {
    const answers = el("ul", { class: "dots" });
    for (const x of r.responses || [])
      answers.append(el("li", {}, x.author + ": " + x.type +
        (x.kind ? " (" + x.kind + (x.on ? ", on " + x.on : "") + ")" : "") +
        (x.confidence !== undefined ? ", confidence " + x.confidence : "") +
        (x.proposal_rev ? ", proposal revision " + x.proposal_rev : "") +
        (x.text ? ": " + x.text : x.message ? ": " + x.message : "")));
    rounds.append(el("li", {}, el("strong", {}, r.id), " on revision " + r.rev + " to " +
                     (r.recipients || []).join(", ") + ": " + r.question + " [" + r.state + "]",
                     answers));
  }
  if (!rounds.children.length)
    rounds.append(el("li", {}, "No round."));
  parts.push(el("section", {}, el("h3", {}, "Rounds and answers"), rounds));
  const raised = el("ul", { class: "dots" });
  for (const x of h.raised || [])
    raised.append(el("li", {}, x.id + ": " + x.author + " (from " + x.from_draft + "): " + x.text));
  if (raised.children.length)
    parts.push(el("section", {}, el("h3", {}, "Cannot align, raised"), raised));
  const votes = el("ul", { class: "dots" });
  for (const v of d.votes || [])
    votes.append(el("li", {}, v.vote + ", revision " + num(v.rev) + ": " + v.node +
                    ", confidence " + v.confidence + (v.comment ? ": " + v.comment : "")));
  parts.push(el("section", {}, el("h3", {}, "Votes"),
                votes.children.length ? votes : el("p", { class: "muted" }, "No vote revealed.")));
  const checkins = el("ul", { id: "checkins", class: "dots" });
  for (const c of h.checkins || [])
    checkins.append(el("li", {}, utc(c.time) + " " + c.kr + ": " + num(c.value) +
                       ", confidence " + c.confidence + "/5, by " + c.author +
                       (c.note ? ": " + c.note : "")));
  parts.push(el("section", {}, el("h3", {}, "Check-ins"),
                checkins.children.length ? checkins : el("p", { class: "muted" }, "None.")));
  if (d.retro)
    parts.push(el("section", {}, el("h3", {}, "Retrospective"),
      el("p", {}, "Learned: " + d.retro.learned),
      el("ul", { class: "dots" }, ...Object.entries(d.retro.scores || {}).map(([kr, s]) =>
        el("li", {}, kr + ": " + s)))));
  fill("view", ...parts);
  document.body.dataset.loaded = "yes";
}

// ----------------------------------------------------------------------

const shows = { graph: showGraph, report: showReport, progress: showProgress,
                history: showHistory };
const nav = document.getElementById("nav-" + page);
if (nav)
  nav.setAttribute("aria-current", "page");
document.getElementById("title").textContent = "catchball: " + page;
(shows[page] || showGraph)();
