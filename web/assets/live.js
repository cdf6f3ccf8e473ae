// live.js - what the pages share: a Server-Sent Events stream with a
// connection indicator, and building DOM nodes. Text always goes in
// through textContent, never innerHTML: whatever people typed into a
// draft, an ask or a node name stays text.

// el("li", {class: "card"}, "text", child...): an element with attributes
// and children (strings become text nodes).
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {}))
    node.setAttribute(name, value);
  for (const child of children)
    if (child !== null && child !== undefined)
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
  return node;
}

// Replaces the children of the element with id `id`.
export function fill(id, ...children) {
  document.getElementById(id).replaceChildren(...children);
}

// Shows the link's state in the #link indicator: the browser's stream
// to the gateway first, then the gateway's link to the broker.
export function indicate(state, text) {
  const link = document.getElementById("link");
  link.dataset.state = state;
  link.textContent = text;
}

// Follows url as Server-Sent Events: onMessage(data, id) for each message
// of `kind`, the indicator kept true. The browser reconnects by itself,
// sending Last-Event-ID; each message is the whole state, so nothing is
// missed across a reconnection.
export function follow(url, kind, onMessage) {
  const source = new EventSource(url);
  source.addEventListener("open", () => indicate("up", "live"));
  // The browser retries a lost stream by itself, but not one refused
  // (a session the gateway no longer knows, after its restart, say).
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED)
      indicate("down", "not connected: open your join link again, or ask for a new one");
    else
      indicate("down", "connection lost: reconnecting");
  });
  source.addEventListener(kind, (e) => {
    const data = JSON.parse(e.data);
    const failure = document.getElementById("failure");
    failure.hidden = true;
    if (data.link && data.link !== "up")
      indicate("down", "broker " + data.link);
    else
      indicate("up", "live");
    onMessage(data, e.lastEventId);
  });
  source.addEventListener("failure", (e) => {
    const failure = document.getElementById("failure");
    failure.textContent = JSON.parse(e.data).error;
    failure.hidden = false;
    indicate("down", "not available");
    // Counted, for whoever checks the page never showed one.
    document.body.dataset.failures = Number(document.body.dataset.failures || 0) + 1;
  });
  return source;
}
