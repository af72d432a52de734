// DOM building without HTML strings: every piece of text becomes a text node, so data
// (prompts, model names, error messages) can never turn into markup.

const SVG_NS = "http://www.w3.org/2000/svg";
const PROPS = new Set(["value", "checked", "disabled", "hidden", "selected", "open"]);

function build(el, props, children) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (PROPS.has(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** h("td", {class: "num"}, "42") → <td class="num">42</td> */
export function h(tag, props, ...children) {
  return build(document.createElement(tag), props, children);
}

export function svg(tag, props, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

/** A message line under a form: kind is "ok" or "error"; empty text hides it. */
export function message(el, kind, text) {
  el.className = `msg ${kind}`;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
  el.textContent = text || "";
  el.hidden = !text;
}

export function card(title, ...children) {
  return h("div", { class: "card" }, h("h2", {}, title), ...children);
}

export function table(headers, rows, emptyText = "Nothing yet.") {
  if (!rows.length) return h("p", { class: "empty" }, emptyText);
  const head = h("tr", {}, headers.map((x) => (typeof x === "string" ? h("th", {}, x) : x)));
  return h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, head), h("tbody", {}, rows)));
}

export function badge(state, text = state) {
  return h("span", { class: "badge", "data-state": state ?? "unknown" }, text ?? "unknown");
}

export function chips(items) {
  return items.map((x) => h("span", { class: "chip" }, x));
}

/** A 1–10 score as "8" next to a small bar. */
export function meter(value, max = 10) {
  const fill = h("span", { class: "fill" });
  fill.style.width = `${Math.max(0, Math.min(1, (value || 0) / max)) * 100}%`;
  return h("span", { class: "meter" }, h("span", { class: "track" }, fill), value ?? "–");
}

// ---------------------------------------------------------------- formatting

export function seconds(s) {
  if (s === null || s === undefined) return "–";
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function bytes(n) {
  if (!n) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i += 1; }
  return `${n.toFixed(n < 10 && i > 0 ? 1 : 0)} ${units[i]}`;
}

export function number(n, digits = 0) {
  if (n === null || n === undefined) return "–";
  return Number(n).toLocaleString("en-US", { maximumFractionDigits: digits });
}

/** "1 error", "3 errors" */
export function plural(n, word) {
  return `${number(n)} ${word}${n === 1 ? "" : "s"}`;
}

export function clock(iso) {
  if (!iso) return "–";
  return new Date(iso).toLocaleTimeString("en-GB", { hour12: false });
}

/** "in 4 min", "12 s ago" */
export function relative(iso) {
  if (!iso) return "–";
  const delta = (new Date(iso).getTime() - Date.now()) / 1000;
  const abs = Math.abs(delta);
  const text = abs < 90 ? `${Math.round(abs)} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`;
  return delta >= 0 ? `in ${text}` : `${text} ago`;
}

export function shortUrl(url) {
  return (url || "").replace(/^https?:\/\//, "");
}
