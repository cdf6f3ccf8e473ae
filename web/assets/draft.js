// draft.js - writing a draft (/draft) and revising one (/draft?draft=d1)
// in the page, as the command line's `draft new` and `draft revise` do.
//
// The editor holds a revision's Content (PROTOCOL.md section 7): the
// cycle (a new draft's only: a draft's cycle never changes), objective,
// narrative, what it aligns to, and its key results, each with its text,
// baseline, target, unit and leads; key results are added and removed
// freely. A revision keeps each key result's id (and the broker's
// shared_with) and says which answers it addresses: the feedback and
// counter-proposals of the draft's rounds, and what was raised to it, are
// offered as boxes to tick. The broker checks everything: a refusal is
// shown as it said it, and nothing is stored. The coach's findings on
// what was sent are shown from the reply.
import { el, fill } from "./live.js";
import { act, read, say, who } from "./act.js";
import { field, findings, form, number } from "./forms.js";

const draftId = new URLSearchParams(location.search).get("draft");

// One key result's row: its fields, and a button that removes the row.
function krRow(kr, rows, list) {
  const [textLabel, text] = field("Key result", "input", { name: "kr-text" });
  text.value = kr.text || "";
  const [baseLabel, baseline] = field("Baseline", "input", { name: "kr-baseline",
                                                             inputmode: "decimal" });
  baseline.value = kr.baseline === undefined || kr.baseline === null ? "" : String(kr.baseline);
  const [targetLabel, target] = field("Target", "input", { name: "kr-target",
                                                           inputmode: "decimal" });
  target.value = kr.target === undefined || kr.target === null ? "" : String(kr.target);
  const [unitLabel, unit] = field("Unit", "input", { name: "kr-unit" });
  unit.value = kr.unit || "";
  const [leadsLabel, leads] = field("Leads (node names, comma-separated)", "input",
                                    { name: "kr-leads" });
  leads.value = Array.isArray(kr.leads) ? kr.leads.join(", ") : "";
  const remove = el("button", { type: "button", class: "remove" },
                    "Remove " + (kr.id || "this key result"));
  const row = { kr, text, baseline, target, unit, leads,
                node: el("fieldset", { class: "kr-edit" },
                         el("legend", {}, kr.id || "new key result"),
                         textLabel, text, baseLabel, baseline, targetLabel, target,
                         unitLabel, unit, leadsLabel, leads, remove) };
  remove.addEventListener("click", () => {
    rows.splice(rows.indexOf(row), 1);
    row.node.remove();
    list.querySelector("button.add").focus();
  });
  return row;
}

// The key result as the row now says, on top of what it was (its id and
// shared_with kept); an empty optional field is left out.
function krOf(row) {
  const kr = Object.assign({}, row.kr);
  kr.text = row.text.value;
  kr.target = number(row.target.value);
  for (const [key, input] of [["baseline", row.baseline], ["unit", row.unit]])
    if (input.value.trim() === "")
      delete kr[key];
    else
      kr[key] = key === "baseline" ? number(input.value) : input.value;
  const leads = row.leads.value.split(/[\s,]+/).filter((n) => n !== "");
  if (leads.length)
    kr.leads = leads;
  else
    delete kr.leads;
  return kr;
}

// What the draft's rounds were answered with, and what was raised to it:
// [{id, text}] for the addresses boxes.
async function answersOf(draft) {
  const answers = [];
  for (const round of draft.rounds || []) {
    const shown = await read("round.show", { round });
    for (const r of (shown.ok && shown.ok.responses) || [])
      if (r.type === "feedback" || r.type === "counter")
        answers.push({ id: r.id, text: r.id + " by " + r.author + " (round " + round + "): " +
                       (r.type === "counter" ? "counter-proposal" : (r.kind || "feedback") +
                        (r.on ? " on " + r.on : "")) + (r.text ? ": " + r.text : "") });
  }
  for (const id of draft.raised || [])
    if (!answers.some((a) => a.id === id))
      answers.push({ id, text: id + " (raised to this draft: cannot align)" });
  return answers;
}

function editor(me, draft, content) {
  const revising = draft !== null;
  const fields = [];
  let cycle = null;
  if (!revising) {
    const [label, input] = field("Cycle (like 2027-Q1)", "input", { name: "cycle" });
    cycle = input;
    fields.push(label, input);
  }
  const [objLabel, objective] = field("Objective", "textarea", { name: "objective", rows: "2" });
  objective.value = content.objective || "";
  const [narLabel, narrative] = field("Narrative (optional)", "textarea",
                                      { name: "narrative", rows: "3" });
  narrative.value = content.narrative || "";
  const aligned = content.aligned_to || {};
  const [alLabel, alDraft] = field("Aligned to draft (optional, like d1)", "input",
                                   { name: "aligned-draft" });
  alDraft.value = aligned.draft || "";
  const [akLabel, alKr] = field("... and its key result (optional, like kr2)", "input",
                                { name: "aligned-kr" });
  alKr.value = aligned.kr || "";
  fields.push(objLabel, objective, narLabel, narrative, alLabel, alDraft, akLabel, alKr);

  const rows = [];
  const list = el("div", { class: "krs" });
  const add = el("button", { type: "button", class: "add" }, "Add a key result");
  const more = (kr) => {
    const row = krRow(kr, rows, list);
    rows.push(row);
    list.insertBefore(row.node, add);
    return row;
  };
  list.append(add);
  add.addEventListener("click", () => more({}).text.focus());
  for (const kr of content.key_results || [{}])
    more(kr);
  fields.push(el("h4", {}, "Key results"), list);

  const addresses = el("fieldset", { class: "addresses", hidden: "" },
                       el("legend", {}, "This revision answers"));
  const [msgLabel, message] = field(revising ? "What changed and why" : "Message (optional)",
                                    "textarea", { name: "message", rows: "2" });
  fields.push(addresses, msgLabel, message);
  let unlink = null;
  if (revising) {
    const [label, input] = field("If it breaks another team's link to this draft, why " +
                                 "(optional)", "textarea", { name: "unlink", rows: "2" });
    unlink = input;
    fields.push(label, input);
    answersOf(draft).then((answers) => {
      for (const a of answers) {
        const [label, box] = field(a.text, "input", { type: "checkbox", name: "addresses",
                                                      value: a.id });
        addresses.append(el("div", { class: "address" }, box, label));
      }
      addresses.hidden = answers.length === 0;
    });
  }

  const title = revising ? "Revise " + draft.id + " (revision " + draft.head + ")"
                         : "A new draft, owned by " + me.node;
  return form("draft-edit", title, fields, revising ? "Save the revision" : "Create the draft",
              async (f, where) => {
    const sent = revising ? JSON.parse(JSON.stringify(content)) : {};
    if (!revising)
      sent.cycle = cycle.value.trim();
    else
      delete sent.cycle;
    sent.objective = objective.value;
    sent.narrative = narrative.value;
    if (alDraft.value.trim() !== "") {
      sent.aligned_to = { draft: alDraft.value.trim() };
      if (alKr.value.trim() !== "")
        sent.aligned_to.kr = alKr.value.trim();
    }
    else
      delete sent.aligned_to;
    sent.key_results = rows.map(krOf);
    const body = { content: sent };
    if (message.value.trim() !== "")
      body.message = message.value;
    if (revising) {
      body.draft = draft.id;
      const ticked = [...f.querySelectorAll("input[name=addresses]:checked")].map((b) => b.value);
      if (ticked.length)
        body.addresses = ticked;
      if (unlink.value.trim() !== "")
        body.unlink = { reason: unlink.value };
    }
    const result = await act(revising ? "draft.revise" : "draft.new", body);
    if (say(where, result, result.ok ? "Saved: " + result.ok.draft + " revision " +
                                       result.ok.rev + ". " : "")) {
      where.append(el("a", { href: "/draft?draft=" + encodeURIComponent(result.ok.draft) },
                      "Revise " + result.ok.draft + " again"));
      const list = findings(result.ok.coach);
      where.append(list ? el("span", { class: "coach" }, " The coach on it:")
                        : " The coach found nothing to say.", list || "");
    }
  });
}

async function start() {
  let me;
  try {
    me = await who();
  } catch (e) {
    const failure = document.getElementById("failure");
    failure.hidden = false;
    failure.textContent = String(e.message || e);
    return;
  }
  if (!draftId) {
    document.getElementById("editor").append(editor(me, null, { key_results: [{}] }));
    return;
  }
  fill("title", "catchball: " + draftId);
  fill("h-editor", "Revise " + draftId);
  const shown = await read("draft.show", { draft: draftId });
  const where = el("p", { class: "outcome", role: "status" });
  if (!say(where, shown, "")) {
    document.getElementById("editor").append(where);
    return;
  }
  const draft = shown.ok.draft;
  const section = document.getElementById("editor");
  if (draft.owner !== me.node)
    section.append(el("p", { class: "none" }, draftId + " is " + draft.owner + "'s draft: " +
                      "the broker takes a revision from its owner only."));
  section.append(editor(me, draft, shown.ok.revision.content));
}

start();
