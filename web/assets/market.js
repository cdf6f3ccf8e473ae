// market.js - a team in a marketplace event, on its page (/me?event=E):
// the facilitator's nudges to it, its draft shared into the event
// (event.share), asks of another team against one of its key results
// (ask.new) and offers of help against one of theirs (offer.new), and
// its asks and offers with their states. Answering the asks and offers
// made to it stays with me.js's cards (accept, decline, counter; take,
// refuse), which the inbox's deliveries bring.
//
// Everything comes from the event's board (the page follows it already)
// and a few reads (draft.list, draft.show). The forms are made once and
// only their choices are updated afterwards, so that a live update never
// wipes what someone is typing. Whether a request is allowed (the phase,
// sharing first) is the broker's to say: the forms are shown in the
// phases that take them, and any refusal is shown as the broker gave it.
import { el } from "./live.js";
import { act, read, say, who } from "./act.js";
import { field, form, number } from "./forms.js";

let me = null;          // This page's node
let built = null;       // The section's parts, once made
let board = null;       // The last board
const krsOf = new Map(); // "draft@rev" -> [[kr id, label]] of that head

// Sets a select's options to values ([value, label]), keeping the choice.
function choices(select, values, empty) {
  const kept = select.value;
  const key = JSON.stringify(values);
  if (select.dataset.key === key)
    return;
  select.dataset.key = key;
  select.replaceChildren(...(values.length ? values.map(([v, l]) => el("option", { value: v }, l))
                                           : [el("option", { value: "" }, empty)]));
  if (values.some(([v]) => v === kept))
    select.value = kept;
}

// The key results of a draft's head, read again when an agreed ask or
// offer has written a revision of it (a new key result, say).
async function keyResults(draft) {
  if (!draft)
    return [];
  let rev = 0;
  for (const a of (board && board.asks) || [])
    for (const r of a.revisions || [])
      if (r.draft === draft && r.rev > rev)
        rev = r.rev;
  const key = draft + "@" + rev;
  if (!krsOf.has(key)) {
    const result = await read("draft.show", { draft });
    if (result.error)
      return [];
    const content = result.ok.revision ? result.ok.revision.content || {} : {};
    krsOf.set(key, (content.key_results || []).map((kr) => [kr.id, kr.id + ": " + (kr.text || "")]));
  }
  return krsOf.get(key);
}

function build(eventId) {
  const [draftLabel, draft] = field("Your draft", "select", { name: "draft" });
  const shared = el("p", { class: "shared" });
  const share = form("share", "Share your draft into the event", [shared, draftLabel, draft],
                     "Share", async (f, where) => {
    const result = await act("event.share", { event: eventId, draft: draft.value });
    say(where, result, result.ok ? "Shared " + result.ok.draft + " into " + result.ok.event + "."
                                 : "");
  });

  const [toLabel, to] = field("Ask which team", "select", { name: "to" });
  const [krLabel, kr] = field("For your key result", "select", { name: "kr" });
  const [needLabel, need] = field("What you need from them", "textarea",
                                  { name: "need", rows: "2", maxlength: "500" });
  const [byLabel, by] = field("By when (optional)", "input", { name: "by", maxlength: "40" });
  const ask = form("ask-new", "Ask another team for help", [toLabel, to, krLabel, kr, needLabel,
                                                            need, byLabel, by],
                   "Ask", async (f, where) => {
    const body = { event: eventId, to: to.value, kr: kr.value, need: need.value };
    if (by.value.trim() !== "")
      body.by = by.value;
    const result = await act("ask.new", body);
    if (say(where, result, result.ok ? "Asked: " + result.ok.ask + " to " + body.to + "." : ""))
      need.value = "";
  });

  const [oToLabel, oTo] = field("Offer help to", "select", { name: "offer-to" });
  const [oKrLabel, oKr] = field("For their key result", "select", { name: "offer-kr" });
  const [oTextLabel, oText] = field("What you offer", "textarea",
                                    { name: "offer-text", rows: "2", maxlength: "500" });
  const [oMyLabel, oMy] = field("Your key result it raises", "select", { name: "offer-mine" });
  const [oTargetLabel, oTarget] = field("Its new target", "input",
                                        { name: "offer-target", inputmode: "decimal" });
  const offer = form("offer-new", "Offer help", [oToLabel, oTo, oKrLabel, oKr, oTextLabel, oText,
                                                 oMyLabel, oMy, oTargetLabel, oTarget],
                     "Offer", async (f, where) => {
    const body = { event: eventId, to: oTo.value, kr: oKr.value, text: oText.value,
                   reflect: { type: "raise_target", kr: oMy.value, target: number(oTarget.value) } };
    const result = await act("offer.new", body);
    if (say(where, result, result.ok ? "Offered: " + result.ok.ask + " to " + body.to + "." : ""))
      oText.value = "";
  });
  oTo.addEventListener("change", () => refreshTheirs());

  const section = el("section", { id: "market", class: "todo market", "aria-labelledby": "h-market" },
    el("h2", { id: "h-market" }, "In the event"),
    el("p", { id: "market-phase", class: "state" }),
    el("ul", { id: "nudges", class: "nudges" }),
    el("div", { class: "answers" },
       el("div", { class: "answer", id: "market-forms" },
          el("div", { class: "forms" }, share, ask, offer)),
       el("div", { class: "answer mine-asks" }, el("h3", {}, "Your asks and offers"),
          el("ul", { id: "my-asks", class: "owed" }))));
  const after = document.getElementById("owes-area");
  after.after(section);
  return { section, draft, shared, share, ask, to, kr, offer, oTo, oKr, oMy };
}

// The other team's key results, for an offer, as its choice changes.
async function refreshTheirs() {
  const team = (board.teams || []).find((t) => t.node === built.oTo.value);
  choices(built.oKr, await keyResults(team ? team.draft : null), "their draft is not shared");
}

async function refresh(b) {
  const event = b.event || {};
  const phase = event.phase || "";
  // Only the event's participants share, ask and offer in it.
  built.section.hidden = !(event.participants || []).includes(me);
  document.getElementById("h-market").textContent = "In the event " + (event.name || event.id);
  document.getElementById("market-phase").textContent = "Phase: " + phase +
    (phase === "planned" ? ": it has not started yet" : "");
  const nudges = (event.nudges || []).filter((n) => n.node === me).reverse();
  document.getElementById("nudges").replaceChildren(...nudges.map((n) =>
    el("li", { class: "nudge", role: "status" }, el("strong", {}, "Nudge from " + n.by + ":"),
       " " + (n.text || "(a reminder)"))));
  document.body.dataset.nudges = String(nudges.length);
  const teams = b.teams || [];
  const mine = teams.find((t) => t.node === me);
  const mySharedDraft = mine ? mine.draft : null;
  built.shared.textContent = mySharedDraft ? "You share " + mySharedDraft + "."
                                           : "You have not shared a draft yet.";
  built.section.dataset.shared = mySharedDraft || "";
  const others = teams.filter((t) => t.node !== me && t.draft)
                      .map((t) => [t.node, t.node + " (" + t.draft + ")"]);
  choices(built.to, others, "no other team has shared yet");
  choices(built.oTo, others, "no other team has shared yet");
  const myKrs = await keyResults(mySharedDraft);
  choices(built.kr, myKrs, "share your draft first");
  choices(built.oMy, myKrs, "share your draft first");
  await refreshTheirs();
  built.share.hidden = !["share", "negotiate"].includes(phase);
  built.ask.hidden = built.offer.hidden = phase !== "negotiate";
  document.getElementById("market-forms").hidden = built.share.hidden && built.ask.hidden;
  const asks = (b.asks || []).filter((a) => a.from === me || a.to === me);
  document.getElementById("my-asks").replaceChildren(...(asks.length ? asks.map((a) =>
    el("li", { "data-ask": a.id, "data-state": a.state },
       el("strong", {}, a.id + " " + a.state), " " + a.kind + " " + a.from + " \u2192 " + a.to +
       ": " + ((a.kind === "offer" ? a.text : a.need) || ""))) : [el("li", { class: "none" }, "none yet")]));
}

let running = null, again = false;

// Shows the event from its board: called with each board the page gets.
export function market(b) {
  board = b;
  if (!b.event)
    return;
  if (running) {
    again = true;
    return;
  }
  running = (async () => {
    if (me === null)
      me = (await who()).node;
    if (!built) {
      // My drafts of the event's cycle: read once (new ones need a reload).
      built = build(b.event.id);
      const result = await read("draft.list", { owner: me });
      const drafts = ((result.ok && result.ok.drafts) || []).filter((d) => d.cycle === b.event.cycle);
      choices(built.draft, drafts.map((d) => [d.id, d.id + ": " + (d.objective || "")]),
              "you have no draft in " + b.event.cycle);
    }
    await refresh(board);
  })().catch(() => {}).finally(() => {
    running = null;
    if (again) {
      again = false;
      market(board);
    }
  });
}
