// Status: router health, every backend with its named state, load and loaded models,
// what Ollama reports as resident (/api/ps), and the AirLLM lane.

import { getJSON } from "../api.js";
import { badge, bytes, card, chips, h, number, plural, relative, shortUrl, table } from "../dom.js";

let root;
let last = "";

function kpi(label, value, sub, state) {
  return h("div", { class: "kpi", "data-state": state },
    h("div", { class: "label" }, label), h("div", { class: "value" }, value), sub ? h("div", { class: "sub" }, sub) : null);
}

function breaker(b) {
  if (!b.breaker) return h("span", { class: "hint", title: "/health does not report a breaker" }, "n/a");
  const retry = b.breaker !== "closed" && b.breaker_retry_in ? h("div", { class: "hint" }, `retry in ${b.breaker_retry_in} s`) : null;
  const models = Object.entries(b.model_breakers || {}).map(([m, s]) => h("div", { class: "hint" }, `${m}: ${s}`));
  return [badge(b.breaker), retry, models];
}

function backendRows(health) {
  return (health.backends || []).map((b) => h("tr", { "data-backend": b.url },
    h("td", { class: "nowrap" }, shortUrl(b.url), b.version ? h("div", { class: "hint" }, `Ollama ${b.version}`) : null),
    h("td", {}, badge(b.state)),
    h("td", {}, breaker(b)),
    h("td", { class: "num" }, number(b.in_flight), b.max_concurrent ? ` / ${b.max_concurrent}` : ""),
    h("td", { class: "num" }, number(b.models)),
    h("td", {}, b.loaded && b.loaded.length ? chips(b.loaded) : h("span", { class: "hint" }, "none"),
      b.memory_budget ? h("div", { class: "hint", "data-memory": "" }, `${b.resident_bytes ? bytes(b.resident_bytes) : "0 B"} of ${bytes(b.memory_budget)} budget`) : null),
    h("td", { class: "reason" }, b.error || ""),
  ));
}

function loadedRows(ps, health) {
  const where = {};
  for (const b of health.backends || []) for (const m of b.loaded || []) (where[m] ||= []).push(shortUrl(b.url));
  return (ps.models || []).map((m) => {
    const name = m.name || m.model;
    const vram = m.size ? Math.round(((m.size_vram || 0) / m.size) * 100) : 0;
    return h("tr", { "data-model": name },
      h("td", { class: "nowrap" }, name),
      h("td", {}, (where[name] || []).join(", ") || "–"),
      h("td", { class: "num" }, bytes(m.size)),
      h("td", { class: "num" }, m.size ? `${vram}% GPU` : "–"),
      h("td", { class: "num" }, number(m.context_length)),
      h("td", { class: "nowrap" }, relative(m.expires_at)),
    );
  });
}

function airllmCard(air) {
  if (!air) return card("AirLLM lane", h("p", { class: "hint" }, "Configuration unavailable."));
  const on = Object.entries(air.model_airllm_settings || {}).filter(([, v]) => v).map(([k]) => k);
  return card("AirLLM lane",
    h("p", {}, badge(air.airllm_enabled ? "ok" : "unknown", air.airllm_enabled ? "enabled" : "disabled"), " ",
      `service ${air.airllm_host}:${air.airllm_port}`),
    h("p", { class: "hint" }, `Target Ollama ${air.ollama_host}:${air.ollama_port}`),
    h("p", {}, on.length ? ["Models through AirLLM: ", chips(on)] : h("span", { class: "hint" }, "No model is routed through AirLLM.")),
    h("p", {}, h("a", { href: "#airllm" }, "Configure AirLLM →")));
}

function render(health, ps, stats, air) {
  const backends = health.backends || [];
  const healthy = backends.filter((b) => b.state === "healthy").length;
  const inFlight = backends.reduce((n, b) => n + (b.in_flight || 0), 0);
  const loaded = (ps.models || []).length;
  const categories = Object.entries(health.categories || {}).map(([c, n]) => `${c} ${n}`);
  root.replaceChildren(
    h("div", { class: "kpis" },
      kpi("Router", health.status || "unknown", `classifier: ${health.classifier_mode || "?"}`, health.status),
      kpi("Backends healthy", `${healthy} / ${backends.length}`, shortUrl(health.ollama_url) + " primary"),
      kpi("In flight", number(inFlight), "requests running now"),
      kpi("Models", number(health.models_available), `${loaded} loaded`),
      kpi("Requests", number(stats.total_requests), `${plural(stats.error_total || 0, "error")} · ${plural(stats.fallbacks || 0, "fallback")}`),
    ),
    h("div", { class: "card", id: "backends" },
      h("div", { class: "card-head" }, h("h2", {}, "Backends"), h("span", { class: "hint" }, `virtual model: ${health.virtual_model || "IntelliProxyLLM"}`)),
      table(["Backend", "State", "Breaker", h("th", { class: "num" }, "In flight"), h("th", { class: "num" }, "Models"), "Loaded", "Last error"],
        backendRows(health), "No backend configured.")),
    h("div", { class: "grid" },
      h("div", { class: "card", id: "loaded" }, h("h2", {}, "Loaded models (/api/ps)"),
        table(["Model", "Backend", h("th", { class: "num" }, "Size"), h("th", { class: "num" }, "VRAM"), h("th", { class: "num" }, "Context"), "Unloads"],
          loadedRows(ps, health), "No model is loaded right now.")),
      h("div", {},
        airllmCard(air),
        card("Categories available", h("p", {}, categories.length ? chips(categories) : h("span", { class: "hint" }, "No models discovered yet."))),
      ),
    ),
  );
}

export default {
  live: true,
  mount(panel) {
    root = panel;
    root.append(h("p", { class: "hint" }, "Loading status…"));
  },
  async refresh(ctx) {
    const [health, ps, stats, air] = await Promise.all([
      ctx.health ? { data: ctx.health } : getJSON("/health"),
      getJSON("/api/ps"), getJSON("/stats"), getJSON("/config/airllm"),
    ]);
    const data = [health.data || {}, ps.data || {}, stats.data || {}, air.ok ? air.data : null];
    const key = JSON.stringify(data);
    if (key === last) return;
    last = key;
    render(...data);
  },
};
