// Config: fallback chains (with the server's loop check), the routing preference, the
// request timeout, the backend list and the target Ollama. Every save shows the server's validation message inline.

import { change, getJSON } from "../api.js";
import { $, h, message } from "../dom.js";
import { field, flag, ollamaTargetCard } from "../forms.js";

let root;
let chainsBody;
let chainsNote;
let backendsBody;
let backendsNote;
let timeout;
let target;
let datalist;
let routing;

// ---------------------------------------------------------------- routing preference

const PREFERENCE_HINTS = {
  quality: "the best-fitting model, even when it must be loaded or thinks for long",
  balanced: "a loaded model unless a cold one fits clearly better (default)",
  speed: "fast and loaded models, unless they are too weak for the prompt",
};

function routingForm() {
  const note = h("p", { class: "msg", hidden: true, id: "routing-note" });
  const options = Object.entries(PREFERENCE_HINTS).map(([value, hint]) =>
    h("label", { class: "choice" },
      h("input", { type: "radio", name: "preference", value }), " ", h("strong", {}, value), ` — ${hint}`));
  const form = h("form", { class: "card", id: "routing-form", novalidate: true },
    h("h2", {}, "Routing preference"),
    h("p", { class: "hint" }, "How IntelliProxyLLM trades fit for latency. A client can ask for one request with the header X-IntelliProxy-Preference."),
    h("fieldset", { class: "choices" }, h("legend", { class: "sr-only" }, "Routing preference"), ...options),
    note,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save preference")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = form.querySelector("input[name=preference]:checked");
    const result = await change("POST", "/config/routing", { preference: chosen ? chosen.value : "" });
    message(note, result.ok ? "ok" : "error", result.ok ? `Saved: ${result.data.preference}.` : result.error);
  });
  return {
    el: form,
    fill(data) {
      for (const input of form.querySelectorAll("input[name=preference]")) input.checked = input.value === data.preference;
    },
  };
}

// ---------------------------------------------------------------- fallback chains

function chainRow(model = "", fallback = "") {
  const tr = h("tr", { class: "chain", "data-model": model || null },
    h("td", {}, h("input", { name: "model", value: model, placeholder: "model, e.g. mistral:latest", list: "known-models", "aria-label": "model" })),
    h("td", { class: "arrow" }, "→"),
    h("td", {}, h("input", { name: "fallback", value: fallback, placeholder: "falls back to", list: "known-models", "aria-label": "fallback" })),
    h("td", {}, h("button", { type: "button", class: "small danger", onclick: () => tr.remove() }, "Remove")));
  return tr;
}

function fillChains(fallbacks) {
  chainsBody.replaceChildren(...Object.entries(fallbacks).map(([m, f]) => chainRow(m, f)));
}

/** The table as {model: fallback}, or an error naming the first bad row. */
function readChains() {
  const out = {};
  for (const input of chainsBody.querySelectorAll("input")) input.setAttribute("aria-invalid", "false");
  for (const tr of chainsBody.querySelectorAll("tr")) {
    const [model, fallback] = [...tr.querySelectorAll("input")];
    const m = model.value.trim();
    const f = fallback.value.trim();
    if (!m && !f) continue;
    const bad = !m ? model : !f ? fallback : m === f ? fallback : m in out ? model : null;
    if (bad) {
      bad.setAttribute("aria-invalid", "true");
      bad.focus();
      const why = !m || !f ? "needs both a model and its fallback" : m === f ? "cannot fall back to itself" : "is listed twice";
      return { error: `${m || "(empty)"} ${why}.` };
    }
    out[m] = f;
  }
  return { chains: out };
}

async function saveChains() {
  const { chains, error } = readChains();
  if (error) { message(chainsNote, "error", error); return; }
  const result = await change("POST", "/config/fallbacks", { fallbacks: chains });
  if (!result.ok) { message(chainsNote, "error", result.error); return; }
  fillChains(result.data.fallbacks);
  message(chainsNote, "ok", `Saved ${Object.keys(result.data.fallbacks).length} fallback chains to router_config.json.`);
}

// ---------------------------------------------------------------- backends

function backendRow(b = { url: "", max_concurrent: null, weight: 1, memory_budget: null }) {
  const tr = h("tr", { class: "backend" },
    h("td", {}, h("input", { name: "url", value: b.url, placeholder: "http://host:11434", "aria-label": "url" })),
    h("td", {}, h("input", { name: "max_concurrent", class: "short", type: "number", min: 1, value: b.max_concurrent ?? "", placeholder: "no limit", "aria-label": "max concurrent" })),
    h("td", {}, h("input", { name: "weight", class: "short", type: "number", min: 0.1, step: 0.1, value: b.weight ?? 1, "aria-label": "weight" })),
    h("td", {}, h("input", { name: "memory_budget", class: "short", type: "number", min: 0, step: 0.1, value: b.memory_budget ? b.memory_budget / 1e9 : "", placeholder: "none", "aria-label": "memory budget in GB" })),
    h("td", {}, h("button", { type: "button", class: "small danger", onclick: () => tr.remove() }, "Remove")));
  return tr;
}

function readBackends() {
  return [...backendsBody.querySelectorAll("tr")].map((tr) => {
    const get = (name) => tr.querySelector(`[name="${name}"]`).value.trim();
    const num = (name) => (get(name) === "" ? null : Number(get(name)));
    const budget = num("memory_budget");
    return {
      url: get("url"),
      max_concurrent: num("max_concurrent"),
      weight: num("weight") ?? 1,
      memory_budget: budget === null ? null : Math.round(budget * 1e9),
    };
  });
}

async function saveBackends() {
  const result = await change("POST", "/config/backends", { backends: readBackends() });
  const rows = [...backendsBody.querySelectorAll("tr")];
  rows.forEach((tr) => tr.querySelectorAll("input").forEach((i) => i.setAttribute("aria-invalid", "false")));
  if (!result.ok) {
    const at = /backends\[(\d+)\]\.?(\w+)?/.exec(result.error || "");
    if (at && rows[Number(at[1])]) {
      const input = rows[Number(at[1])].querySelector(`[name="${at[2] || "url"}"]`) || rows[Number(at[1])].querySelector("input");
      input.setAttribute("aria-invalid", "true");
    }
    message(backendsNote, "error", result.error);
    return;
  }
  backendsBody.replaceChildren(...result.data.backends.map(backendRow));
  message(backendsNote, "ok", `Saved ${result.data.backends.length} backends; the pool is rebuilt now.`);
}

// ---------------------------------------------------------------- tab

function editTable(headers, body) {
  return h("div", { class: "table-wrap" }, h("table", { class: "edit-table" },
    h("thead", {}, h("tr", {}, headers.map((x) => h("th", {}, x)))), body));
}

async function load() {
  const [fallbacks, backends, air, models, preference] = await Promise.all([
    getJSON("/config/fallbacks"), getJSON("/config/backends"), getJSON("/config/airllm"), getJSON("/models"),
    getJSON("/config/routing"),
  ]);
  if (preference.ok) routing.fill(preference.data);
  if (models.ok) datalist.replaceChildren(...Object.keys(models.data.models).sort().map((m) => h("option", { value: m })));
  if (fallbacks.ok) {
    fillChains(fallbacks.data.fallbacks);
    timeout.input.value = fallbacks.data.timeout;
  } else {
    message(chainsNote, "error", fallbacks.error);
  }
  if (backends.ok) backendsBody.replaceChildren(...backends.data.backends.map(backendRow));
  if (air.ok) target.fill(air.data);
}

export default {
  live: false,
  mount(panel) {
    root = panel;
    datalist = h("datalist", { id: "known-models" });
    chainsBody = h("tbody", {});
    chainsNote = h("p", { class: "msg", hidden: true, id: "chains-note" });
    backendsBody = h("tbody", {});
    backendsNote = h("p", { class: "msg", hidden: true, id: "backends-note" });
    timeout = field("Seconds to wait for a backend's first byte", { name: "timeout", type: "number", min: 1, step: 1 });
    const timeoutNote = h("p", { class: "msg", hidden: true });
    const timeoutForm = h("form", { class: "card", id: "timeout-form", novalidate: true },
      h("h2", {}, "Request timeout"),
      h("div", { class: "form-row" }, timeout.el),
      timeoutNote,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save timeout")));
    timeoutForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await change("POST", "/config/fallbacks", { timeout: Number(timeout.input.value) });
      flag({ timeout: timeout.input }, result.error);
      message(timeoutNote, result.ok ? "ok" : "error", result.ok ? `Saved: ${result.data.timeout} s.` : result.error);
    });
    target = ollamaTargetCard("config-ollama", () => load());
    routing = routingForm();
    root.append(datalist,
      h("div", { class: "grid" },
        h("div", { class: "card", id: "chains" },
          h("h2", {}, "Fallback chains"),
          h("p", { class: "hint" }, "When a model fails before answering (out of memory, load error, gone), the request moves on to its fallback. Loops are refused."),
          editTable(["Model", "", "Falls back to", ""], chainsBody),
          chainsNote,
          h("div", { class: "actions" },
            h("button", { type: "button", id: "chain-add", onclick: () => { chainsBody.append(chainRow()); $("tr:last-child input", chainsBody).focus(); } }, "Add chain"),
            h("button", { type: "button", class: "primary", id: "chains-save", onclick: saveChains }, "Save chains"))),
        h("div", {}, routing.el, timeoutForm, target.el)),
      h("div", { class: "card", id: "backends-config" },
        h("h2", {}, "Backends"),
        h("p", { class: "hint" }, "Ollama servers in order; the first is the primary. Max concurrent and memory budget (GB) are optional."),
        editTable(["URL", "Max concurrent", "Weight", "Memory budget (GB)", ""], backendsBody),
        backendsNote,
        h("div", { class: "actions" },
          h("button", { type: "button", id: "backend-add", onclick: () => backendsBody.append(backendRow()) }, "Add backend"),
          h("button", { type: "button", class: "primary", id: "backends-save", onclick: saveBackends }, "Save backends"))));
  },
  async refresh() {
    await load();
  },
};
