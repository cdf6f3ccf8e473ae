"""webcheck - checks the browser tests share: WCAG AA contrast

contrast_failures(driver): every element on the page with text of its own
that is shown, whose colour against its background (the first opaque one
up its ancestors) has a contrast ratio under WCAG 2's AA minimum: 4.5:1,
or 3:1 for large text (24 px, or bold from 18.66 px). Disabled controls
are left out, as WCAG does. Returns [{text, ratio, color, background}].
"""

_SCRIPT = r"""
function parse(s) {
  const m = /rgba?\(([^)]+)\)/.exec(s || "");
  if (!m) return null;
  const p = m[1].split(",").map((x) => parseFloat(x));
  return { rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 };
}
function lum(rgb) {
  const [r, g, b] = rgb.map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function background(el) {
  for (; el; el = el.parentElement) {
    const c = parse(getComputedStyle(el).backgroundColor);
    if (c && c.a > 0.5) return c.rgb;
  }
  return [255, 255, 255];
}
const bad = [];
for (const el of document.querySelectorAll("body *")) {
  const cs = getComputedStyle(el);
  if (cs.visibility === "hidden" || cs.display === "none" || el.getClientRects().length === 0)
    continue;
  if (el.closest("[disabled], [aria-disabled=true]"))
    continue;
  const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== "");
  if (!own)
    continue;
  const fg = parse(cs.color).rgb, bg = background(el);
  const a = lum(fg), b = lum(bg);
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  if (ratio < (large ? 3 : 4.5))
    bad.push({ text: el.textContent.trim().slice(0, 60), ratio: Math.round(ratio * 100) / 100,
               color: cs.color, background: "rgb(" + bg.join(", ") + ")" });
}
return bad;
"""


def contrast_failures(driver):
    return driver.execute_script(_SCRIPT)
