// Statistics: requests over time, latency percentiles and tokens/s per model and backend,
// the category mix, errors and fallbacks — all from GET /stats.

import { change, getJSON } from "../api.js";
import { barList, donut, lineChart, rangeBars } from "../charts.js";
import { h, message, number, plural, seconds, shortUrl } from "../dom.js";

let root;
let view;
let note;
let last = "";

function kpi(label, value, sub, id) {
  return h("div", { class: "kpi", id },
    h("div", { class: "label" }, label), h("div", { class: "value" }, value), h("div", { class: "sub" }, sub));
}

function chartCard(title, hint, content, id) {
  return h("div", { class: "card", id }, h("div", { class: "card-head" }, h("h2", {}, title), h("span", { class: "hint" }, hint)), content);
}

function latencyRows(table, label = (x) => x) {
  return Object.entries(table || {})
    .filter(([, l]) => l.samples)
    .sort((a, b) => (b[1].p95 || 0) - (a[1].p95 || 0))
    .map(([name, l]) => ({ label: label(name), p50: l.p50, p95: l.p95, text: `${seconds(l.p50)} · ${seconds(l.p95)}` }));
}

function speedRows(table, label = (x) => x) {
  return Object.entries(table || {})
    .filter(([, l]) => l.tokens_per_s)
    .sort((a, b) => b[1].tokens_per_s - a[1].tokens_per_s)
    .map(([name, l]) => ({ label: label(name), value: l.tokens_per_s, text: `${number(l.tokens_per_s, 1)} tok/s` }));
}

function render(s) {
  const total = s.total_requests || 0;
  const errors = s.error_total || 0;
  const avg = Object.entries(s.models || {}).reduce((acc, [, m]) => [acc[0] + m.total_time, acc[1] + m.count], [0, 0]);
  const minutes = s.requests_per_minute || [];
  const labels = minutes.map((m, i) => (i === minutes.length - 1 ? "now" : `-${minutes.length - 1 - i}m`));
  const lastHour = minutes.reduce((n, m) => n + m.requests, 0);
  const errorRows = Object.entries(s.errors || {}).filter(([, n]) => n)
    .sort((a, b) => b[1] - a[1]).map(([kind, n]) => ({ label: kind, value: n, text: number(n) }));
  const statusRows = Object.entries(s.statuses || {}).sort()
    .map(([code, n]) => ({ label: `HTTP ${code}`, value: n, text: number(n), cls: code >= "400" ? "bad" : "" }));
  view.replaceChildren(
    h("div", { class: "kpis" },
      kpi("Total requests", number(total), s.since ? `since ${new Date(s.since).toLocaleString("en-GB")}` : "", "stat-total"),
      kpi("Last hour", number(lastHour), "requests in the last 60 minutes", "stat-hour"),
      kpi("Average time", seconds(avg[1] ? avg[0] / avg[1] : null), "per request, all models", "stat-avg"),
      kpi("Errors", number(errors), total ? `${((errors / total) * 100).toFixed(1)}% of requests` : "no requests yet", "stat-errors"),
      kpi("Fallbacks", number(s.fallbacks), "served by another model than planned", "stat-fallbacks"),
    ),
    h("div", { class: "grid" },
      h("div", { class: "card wide", id: "chart-timeline" },
        h("div", { class: "card-head" }, h("h2", {}, "Requests per minute"), h("span", { class: "hint" }, "last 60 minutes")),
        lineChart(labels, [
          { name: "requests", values: minutes.map((m) => m.requests) },
          { name: "errors", cls: "errors", values: minutes.map((m) => m.errors) },
        ], { title: "requests per minute", width: view.clientWidth - 30, labelEvery: view.clientWidth < 600 ? 20 : 10 })),
      chartCard("Latency per model", "p50 (solid) · p95 (light)", rangeBars(latencyRows(s.latency?.models)), "chart-latency"),
      chartCard("Latency per backend", "p50 · p95", rangeBars(latencyRows(s.latency?.backends, shortUrl)), "chart-latency-backends"),
      chartCard("Tokens/s per model", "average generation speed", barList(speedRows(s.latency?.models)), "chart-tps"),
      chartCard("Tokens/s per backend", "average generation speed", barList(speedRows(s.latency?.backends, shortUrl), { cls: "alt" }), "chart-tps-backends"),
      chartCard("Categories", "what the classifier decided",
        donut(Object.entries(s.categories || {}).sort((a, b) => b[1] - a[1]).map(([label, value]) => ({ label, value }))), "chart-categories"),
      chartCard("Errors and fallbacks", plural(s.fallbacks || 0, "fallback"),
        h("div", {},
          barList(errorRows, { cls: "bad", empty: "No errors recorded." }),
          h("h3", {}, "Status codes"),
          barList(statusRows)), "chart-errors"),
      chartCard("Requests per model", "count · average time",
        barList(Object.entries(s.models || {}).sort((a, b) => b[1].count - a[1].count)
          .map(([name, m]) => ({ label: name, value: m.count, text: `${m.count} · ${seconds(s.model_avg_times?.[name])}` }))), "chart-models"),
    ),
  );
}

export default {
  live: true,
  mount(panel) {
    root = panel;
    window.addEventListener("resize", () => { last = ""; });
    note = h("p", { class: "msg", hidden: true });
    view = h("div", {}, h("p", { class: "hint" }, "Loading statistics…"));
    let armed = false;
    const reset = h("button", { type: "button", class: "danger", id: "stats-reset" }, "Reset statistics");
    reset.addEventListener("click", async () => {
      if (!armed) {
        armed = true;
        reset.textContent = "Click again to reset";
        setTimeout(() => { armed = false; reset.textContent = "Reset statistics"; }, 4000);
        return;
      }
      armed = false;
      reset.textContent = "Reset statistics";
      const result = await change("POST", "/stats/reset");
      message(note, result.ok ? "ok" : "error", result.ok ? "Statistics reset." : result.error);
      last = "";
      if (result.ok) render(result.data);
    });
    root.append(h("div", { class: "card-head" }, h("span", { class: "hint" }, "Percentiles cover the last 1000 successful requests per model; counters survive restarts."),
      h("span", { class: "spacer" }), reset), note, view);
  },
  async refresh() {
    const result = await getJSON("/stats");
    if (!result.ok) { message(note, "error", result.error); return; }
    const key = JSON.stringify({ ...result.data, requests_per_minute: result.data.requests_per_minute.map((m) => [m.requests, m.errors]) });
    if (key === last) return;
    last = key;
    render(result.data);
  },
};
