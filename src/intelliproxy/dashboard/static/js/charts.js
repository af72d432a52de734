// Three small chart shapes, drawn as SVG or plain elements (no library, nothing inline
// that the Content-Security-Policy would refuse: geometry is attributes, widths are CSSOM).

import { h, svg } from "./dom.js";

const H = 220;
const PAD = { left: 38, right: 12, top: 12, bottom: 24 };

function niceMax(value) {
  if (value <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

/**
 * A time line: `labels` are the x positions (shown every `labelEvery`), each series is
 * {name, cls, values}. The first series is drawn with an area under it. `width` is the
 * width it will be shown at, so that text keeps its size.
 */
export function lineChart(labels, series, { labelEvery = 10, title = "", width = 640 } = {}) {
  const W = Math.max(300, Math.round(width));
  const n = labels.length;
  const top = niceMax(Math.max(1, ...series.flatMap((s) => s.values)));
  const x = (i) => PAD.left + (n <= 1 ? 0 : (i / (n - 1)) * (W - PAD.left - PAD.right));
  const y = (v) => H - PAD.bottom - (v / top) * (H - PAD.top - PAD.bottom);
  const parts = [];
  for (let k = 0; k <= 4; k += 1) {
    const v = (top / 4) * k;
    parts.push(svg("line", { class: k ? "grid-line" : "axis", x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }));
    parts.push(svg("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" }, Number.isInteger(v) ? v : v.toFixed(1)));
  }
  labels.forEach((label, i) => {
    if (i % labelEvery === 0 || i === n - 1) {
      parts.push(svg("text", { x: x(i), y: H - 6, "text-anchor": i === n - 1 ? "end" : "middle" }, label));
    }
  });
  series.forEach((s, index) => {
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    if (index === 0 && n > 1) {
      const area = `M${x(0)},${y(0)} L${points.join(" L")} L${x(n - 1)},${y(0)} Z`;
      parts.push(svg("path", { class: "area", d: area }));
    }
    parts.push(svg("polyline", { class: `line ${s.cls || ""}`, points: points.join(" ") }));
    s.values.forEach((v, i) => {
      if (v > 0) {
        parts.push(svg("circle", { class: `pt ${s.cls || ""}`, cx: x(i), cy: y(v), r: 3 },
          svg("title", {}, `${labels[i]}: ${v} ${s.name}`)));
      }
    });
  });
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": title }, parts);
  const legend = h("div", { class: "legend" },
    series.map((s, i) => h("span", {}, h("span", { class: `swatch s${s.cls === "errors" ? 4 : i}` }), s.name)));
  return h("div", { class: "chart" }, chart, legend);
}

function fill(cls, fraction) {
  const el = h("span", { class: `fill ${cls}` });
  el.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  return el;
}

/** Horizontal bars: rows of {label, value, text}; the longest bar is `max` (default: largest). */
export function barList(rows, { cls = "", max, empty = "No data yet." } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  const top = max ?? Math.max(...rows.map((r) => r.value || 0), 1e-9);
  return h("div", { class: "bars" }, rows.map((r) => [
    h("span", { class: "label", title: r.label }, r.label),
    h("span", { class: "track", title: r.text }, fill(r.cls || cls, (r.value || 0) / top)),
    h("span", { class: "value" }, r.text),
  ]));
}

/** Latency ranges: rows of {label, p50, p95, text}; p95 drawn light behind p50. */
export function rangeBars(rows, { empty = "No successful requests yet." } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  const top = Math.max(...rows.map((r) => r.p95 || r.p50 || 0), 1e-9);
  return h("div", { class: "bars" }, rows.map((r) => [
    h("span", { class: "label", title: r.label }, r.label),
    h("span", { class: "track", title: r.text }, fill("p95", (r.p95 || 0) / top), fill("p50", (r.p50 || 0) / top)),
    h("span", { class: "value" }, r.text),
  ]));
}

/** A donut of {label, value} segments with a legend (count and share). */
export function donut(segments, { empty = "No data yet.", centre = "" } = {}) {
  const total = segments.reduce((sum, s) => sum + s.value, 0);
  if (!total) return h("p", { class: "empty" }, empty);
  const r = 52;
  const length = 2 * Math.PI * r;
  let offset = 0;
  const rings = segments.map((s, i) => {
    const part = (s.value / total) * length;
    const ring = svg("circle", {
      class: `k${i % 8}`, cx: 75, cy: 75, r,
      "stroke-dasharray": `${part.toFixed(2)} ${(length - part).toFixed(2)}`,
      "stroke-dashoffset": (-offset).toFixed(2),
      transform: "rotate(-90 75 75)",
    }, svg("title", {}, `${s.label}: ${s.value}`));
    offset += part;
    return ring;
  });
  const chart = svg("svg", { viewBox: "0 0 150 150", role: "img", "aria-label": "distribution" },
    rings, svg("text", { class: "hole-text", x: 75, y: 82, "text-anchor": "middle" }, centre || String(total)));
  const legend = h("div", { class: "legend" }, segments.map((s, i) =>
    h("span", {}, h("span", { class: `swatch s${i % 8}` }), `${s.label} — ${s.value} (${Math.round((s.value / total) * 100)}%)`)));
  return h("div", { class: "donut chart" }, chart, legend);
}
