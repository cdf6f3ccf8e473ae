// event_new.js - a facilitator makes a marketplace event from its page
// (event.new): a name, the cycle, the teams taking part and, if wanted,
// each phase's minutes; then opens its board. Shown to facilitator nodes
// only (the broker refuses event.new from any other role anyway).
import { el } from "./live.js";
import { act, outcomeOf, say, who } from "./act.js";

function field(id, label, attrs) {
  return [el("label", { for: id }, label), el("input", Object.assign({ id, name: id }, attrs))];
}

function names(text) {
  return text.split(/[\s,]+/).filter((n) => n !== "");
}

export async function eventNew() {
  const session = await who().catch(() => null);
  if (!session || session.role !== "facilitator")
    return;
  const [nameLabel, name] = field("ev-name", "Name", { maxlength: "100" });
  const [cycleLabel, cycle] = field("ev-cycle", "Cycle (2027-Q1, say)", { maxlength: "16" });
  const [teamsLabel, teams] = field("ev-teams", "Teams taking part (node names, comma-separated)", {});
  const minutes = ["share", "negotiate", "commit"].map((phase) => {
    const [label, input] = field("ev-" + phase, phase + " (minutes; empty: the default)",
                                 { inputmode: "numeric" });
    return { phase, label, input };
  });
  const f = el("form", { class: "act event-new", novalidate: "" }, el("h4", {}, "New event"),
    nameLabel, name, cycleLabel, cycle, teamsLabel, teams,
    ...minutes.flatMap((m) => [m.label, m.input]), el("button", { type: "submit" }, "Create"));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { name: name.value, cycle: cycle.value, participants: names(teams.value) };
    const plan = {};
    for (const m of minutes)
      if (m.input.value.trim() !== "")
        plan[m.phase] = /^\d+$/.test(m.input.value.trim()) ? Number(m.input.value) : m.input.value;
    if (Object.keys(plan).length)
      body.plan = plan;
    const button = f.querySelector("button");
    button.disabled = true;
    const result = await act("event.new", body);
    button.disabled = false;
    const where = outcomeOf(f);
    if (say(where, result, "Created " + (result.ok ? result.ok.event : "") + ". "))
      where.append(el("a", { href: "/board?event=" + encodeURIComponent(result.ok.event),
                             id: "ev-board" }, "Open the board of " + result.ok.event));
  });
  const section = el("section", { id: "event-new", class: "todo", "aria-labelledby": "h-event-new" },
    el("h2", { id: "h-event-new" }, "Run a marketplace event"),
    el("div", { class: "answers" }, el("div", { class: "answer" }, f)));
  document.querySelector("form.open-board").after(section);
}
