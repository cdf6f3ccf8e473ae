// forms.js - the forms the pages act with: labelled fields, a form that
// sends and says how it went (its button busy meanwhile), a refusal made in
// the page, numbers as typed, the coach's findings. Shared by me.js (the
// answers) and draft.js (writing and revising a draft). Text goes in as
// text only (live.js's el).
import { el } from "./live.js";
import { outcomeOf, say } from "./act.js";

let uid = 0;            // For the ids that tie labels to fields

// A labelled field: el(tag) with a fresh id, and its label before it.
export function field(label, tag, attrs, ...children) {
  const id = "f" + (++uid);
  const input = el(tag, Object.assign({ id }, attrs), ...children);
  return [el("label", { for: id }, label), input];
}

export function options(...values) {
  return values.map((v) => el("option", { value: v }, v));
}

// A form that runs submit(form, where) when sent, its button busy
// meanwhile, then after(form, where) (the page's refresh), if given.
export function form(cls, title, fields, button, submit, after) {
  const f = el("form", { class: "act " + cls, novalidate: "" }, el("h4", {}, title), ...fields,
               el("button", { type: "submit" }, button));
  f.addEventListener("submit", async (e) => {
    e.preventDefault();
    const sending = f.querySelector("button[type=submit]");
    sending.disabled = true;
    const where = outcomeOf(f);
    try {
      await submit(f, where);
    } finally {
      sending.disabled = false;
    }
    if (after)
      after(f, where);
  });
  return f;
}

// A refusal made in the page: nothing was sent.
export function refuse(where, message) {
  return say(where, { error: { name: "NOT_SENT", message } });
}

// A number as typed, as a number if it is one: anything else goes as
// text, for the broker to refuse with its own words.
export function number(text) {
  return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
}

// The coach's findings (PROTOCOL.md section 6.1) as a list, or null.
export function findings(list) {
  if (!Array.isArray(list) || !list.length)
    return null;
  return el("ul", { class: "findings" }, ...list.map((f) => el("li", { "data-level": f.level },
    el("strong", {}, f.level + " " + f.code + " (" + f.about + ")"), " " + (f.why || ""),
    f.evidence ? el("span", { class: "evidence" }, " Saw: " + f.evidence) : null,
    f.suggestion ? el("span", { class: "suggestion" }, " Try: " + f.suggestion) : null)));
}
