// act.js - what the pages send to the broker through the gateway: reads
// (GET /api/read) and changes (POST /api/act, with the session's CSRF
// token in a header; the gateway also checks the cookie and the Origin).
// Every outcome is {ok: reply} or {error: {code, name, message}}: the
// broker's own refusal, or the gateway's, which the page shows as said.
import { el } from "./live.js";

let session = null;     // {node, role, csrf}, read once

// Who this page speaks for, and its token.
export async function who() {
  if (!session) {
    const response = await fetch("/api/session", { credentials: "same-origin" });
    if (!response.ok)
      throw new Error((await response.text()).trim());
    session = await response.json();
  }
  return session;
}

// An answer that was not JSON (a proxy's page, a lost gateway) as an error.
async function outcome(response) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch (e) {
    return { error: { code: response.status, name: "HTTP " + response.status,
                      message: text.trim() || "no answer from the gateway" } };
  }
}

// One change as this page's node: {ok} or {error}.
export async function act(type, body) {
  try {
    const s = await who();
    const response = await fetch("/api/act", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": s.csrf },
      body: JSON.stringify({ type, body }),
    });
    return await outcome(response);
  } catch (e) {
    return { error: { code: 0, name: "NOT_CONNECTED", message: String(e.message || e) } };
  }
}

// One read: {ok} or {error}.
export async function read(type, fields) {
  const query = new URLSearchParams(Object.assign({ type }, fields || {}));
  try {
    return await outcome(await fetch("/api/read?" + query, { credentials: "same-origin" }));
  } catch (e) {
    return { error: { code: 0, name: "NOT_CONNECTED", message: String(e.message || e) } };
  }
}

// Says how an action went in the element `where` (a form's .outcome):
// the broker's refusal word for word, or `done` on success. True if ok.
export function say(where, result, done) {
  where.replaceChildren();
  where.dataset.state = result.error ? "refused" : "done";
  if (result.error)
    where.append(el("strong", {}, "Refused: " + result.error.name), " " + result.error.message);
  else
    where.append(done);
  return !result.error;
}

// A form's .outcome, made if missing: a live region the reader hears.
export function outcomeOf(form) {
  let where = form.querySelector(".outcome");
  if (!where) {
    where = el("p", { class: "outcome", role: "status", "aria-live": "polite" });
    form.append(where);
  }
  return where;
}
