// Models: every model the fleet has, with its attributes and where they came from, an
// editor for the operator's attributes (models.json) and the refresh / discover button.

import { change, getJSON } from "../api.js";
import { badge, chips, h, message, meter, number, shortUrl, table } from "../dom.js";

const SOURCES = {
  operator: "set by the operator (models.json or this dashboard)",
  ollama: "facts from Ollama's /api/show",
  llm: "category suggested by CLASSIFIER_MODEL from the name (DISCOVERY_ASK_LLM)",
  measured: "from measured speed",
  guess: "guessed from the model name",
};

let root;
let body;
let note;
let filter;
let last = "";
let editing = false;
let data = { models: {} };
let categories = [];

function row(name, m) {
  return h("tr", { "data-model": name },
    h("td", { class: "nowrap" }, h("strong", {}, name)),
    h("td", {}, m.preferred_for.length ? chips(m.preferred_for) : h("span", { class: "hint" }, "–")),
    h("td", {}, meter(m.speed)),
    h("td", {}, meter(m.complexity)),
    h("td", {}, chips(m.capabilities || [])),
    h("td", { class: "nowrap" }, [m.size || "–", m.parameter_size_b ? ` · ${m.parameter_size_b}B` : "",
      m.context_length ? ` · ${number(m.context_length / 1024)}k ctx` : ""].join("")),
    h("td", {}, (m.backends || []).map(shortUrl).join(", ")),
    h("td", { class: "nowrap" }, h("span", { class: `dot ${m.loaded ? "on" : ""}` }), m.loaded ? "loaded" : "idle"),
    h("td", {}, h("span", { title: SOURCES[m.source] || m.source }, badge(m.source))),
    h("td", {}, h("button", { class: "small", type: "button", "data-edit": name, onclick: () => edit(name) }, "Edit")),
  );
}

function render() {
  const words = filter.value.trim().toLowerCase();
  const names = Object.keys(data.models || {}).sort()
    .filter((n) => !words || n.toLowerCase().includes(words) || data.models[n].preferred_for.join(" ").includes(words));
  body.replaceChildren(table(
    ["Model", "Categories", "Speed", "Complexity", "Capabilities", "Size", "Where", "Loaded", "Source", ""],
    names.map((n) => row(n, data.models[n])),
    words ? "No model matches the filter." : "No models discovered yet — check the backends on the Status tab."));
}

async function load() {
  const result = await getJSON("/models");
  if (!result.ok) { message(note, "error", result.error); return; }
  const key = JSON.stringify(result.data);
  if (key === last) return;
  last = key;
  data = result.data;
  render();
}

function edit(name) {
  const m = data.models[name];
  editing = true;
  const speed = h("input", { type: "number", min: 1, max: 10, step: 1, name: "speed", value: m.speed ?? "" });
  const complexity = h("input", { type: "number", min: 1, max: 10, step: 1, name: "complexity", value: m.complexity ?? "" });
  const boxes = categories.map((c) => h("label", {},
    h("input", { type: "checkbox", value: c, checked: m.preferred_for.includes(c) }), c));
  const error = h("p", { class: "msg error", hidden: true });
  const dialog = h("dialog", { id: "model-editor", "aria-label": `Edit ${name}` },
    h("form", { method: "dialog", novalidate: true },
      h("h2", {}, `Edit ${name}`),
      h("p", { class: "hint" }, "Saved to models.json; your values win over Ollama's facts and guesses."),
      h("div", { class: "form-row" },
        h("label", { class: "field" }, "Speed (1–10, 10 = fastest)", speed),
        h("label", { class: "field" }, "Complexity (1–10)", complexity)),
      h("h3", {}, "Preferred for"),
      h("div", { class: "checks" }, boxes),
      error,
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => dialog.close() }, "Cancel"),
        h("button", { type: "submit", class: "primary" }, "Save"))));
  dialog.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = {
      model_name: name,
      speed: Number(speed.value),
      complexity: Number(complexity.value),
      preferred_for: boxes.map((b) => b.firstChild).filter((i) => i.checked).map((i) => i.value),
    };
    const result = await change("POST", "/config/models", payload);
    if (!result.ok) { message(error, "error", result.error); return; }
    dialog.close();
    message(note, "ok", `Saved ${name}: speed ${payload.speed}, complexity ${payload.complexity}, preferred for ${payload.preferred_for.join(", ") || "nothing"}.`);
    await load();
  });
  dialog.addEventListener("close", () => { editing = false; dialog.remove(); });
  document.body.append(dialog);
  dialog.showModal();
}

async function refreshFleet(button) {
  button.disabled = true;
  message(note, "ok", "Refreshing: re-reading every backend's models and facts…");
  const result = await change("POST", "/models/refresh");
  button.disabled = false;
  if (!result.ok) { message(note, "error", result.error); return; }
  const states = Object.entries(result.data.backends || {}).map(([u, s]) => `${shortUrl(u)} ${s}`).join(", ");
  message(note, "ok", `Refreshed: ${result.data.total} models (${states}).`);
  last = "";
  await load();
}

export default {
  live: true,
  mount(panel, ctx) {
    categories = ctx.config.categories || [];
    root = panel;
    filter = h("input", { type: "search", placeholder: "Filter by name or category", "aria-label": "Filter models", oninput: render });
    const refresh = h("button", { type: "button", class: "primary", id: "models-refresh" }, "Refresh / auto-discover");
    refresh.addEventListener("click", () => refreshFleet(refresh));
    note = h("p", { class: "msg", hidden: true });
    body = h("div", {}, h("p", { class: "hint" }, "Loading models…"));
    root.append(h("div", { class: "card" },
      h("div", { class: "card-head" }, h("h2", {}, "Models"), h("span", { class: "spacer" }), filter, refresh),
      h("p", { class: "hint" }, "Source: ", Object.entries(SOURCES).map(([k, v]) => [badge(k), ` ${v}  `])),
      note, body));
  },
  async refresh() {
    if (!editing) await load();
  },
};
