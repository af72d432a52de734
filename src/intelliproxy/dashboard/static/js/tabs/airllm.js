// AirLLM, as in the seed: target Ollama (host/port), the AirLLM service (enabled, host,
// port) and a per-model toggle.

import { change, getJSON } from "../api.js";
import { h, message } from "../dom.js";
import { field, flag, ollamaTargetCard } from "../forms.js";

let target;
let enabled;
let host;
let port;
let serviceNote;
let modelsBody;
let modelsNote;
let disabledHint;

function toggleRow(name, on, info) {
  const box = h("input", { type: "checkbox", role: "switch", checked: on, "aria-label": `AirLLM for ${name}` });
  const state = h("span", { class: "hint" }, on ? "through AirLLM" : "direct");
  box.addEventListener("change", async () => {
    box.disabled = true;
    const result = await change("POST", "/config/model/airllm", { model_name: name, enabled: box.checked });
    box.disabled = false;
    if (!result.ok) {
      box.checked = !box.checked;
      message(modelsNote, "error", `${name}: ${result.error}`);
      return;
    }
    state.textContent = box.checked ? "through AirLLM" : "direct";
    message(modelsNote, "ok", `${name}: AirLLM ${box.checked ? "on" : "off"} (saved).`);
  });
  return h("tr", { "data-model": name },
    h("td", { class: "nowrap" }, h("strong", {}, name)),
    h("td", {}, info ? `${info.size || "–"}${info.parameter_size_b ? ` · ${info.parameter_size_b}B` : ""}` : h("span", { class: "hint" }, "not on any backend")),
    h("td", {}, h("label", { class: "switch" }, box, state)));
}

function render(air, models) {
  if (!document.activeElement || !document.activeElement.closest("#airllm-service")) {
    enabled.checked = air.airllm_enabled;
    host.input.value = air.airllm_host;
    port.input.value = air.airllm_port;
  }
  target.fill(air);
  disabledHint.hidden = air.airllm_enabled;
  const settings = air.model_airllm_settings || {};
  const chat = Object.entries(models).filter(([, m]) => m.chat !== false).map(([n]) => n);
  const names = [...new Set([...chat, ...Object.keys(settings)])].sort();
  modelsBody.replaceChildren(...names.map((n) => toggleRow(n, Boolean(settings[n]), models[n])));
}

async function load() {
  const [air, models] = await Promise.all([getJSON("/config/airllm"), getJSON("/models")]);
  if (!air.ok) { message(serviceNote, "error", air.error); return; }
  render(air.data, models.ok ? models.data.models : {});
}

export default {
  live: false,
  mount(panel, ctx) {
    target = ollamaTargetCard("airllm-ollama", () => load());
    enabled = h("input", { type: "checkbox", role: "switch", name: "enabled", id: "airllm-enabled" });
    host = field("AirLLM host", { name: "host", autocomplete: "off" });
    port = field("AirLLM port", { name: "port", type: "number", min: 1, max: 65535 });
    serviceNote = h("p", { class: "msg", hidden: true });
    const service = h("form", { class: "card", id: "airllm-service", novalidate: true },
      h("h2", {}, "AirLLM service"),
      h("p", { class: "hint" }, "Large models (70B+) can run through an AirLLM service, which compresses the KV cache to fit small GPUs."),
      h("label", { class: "switch" }, enabled, "Enabled"),
      h("div", { class: "form-row" }, host.el, port.el),
      serviceNote,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save service")));
    service.addEventListener("submit", async (event) => {
      event.preventDefault();
      const payload = { enabled: enabled.checked, host: host.input.value.trim(), port: Number(port.input.value) };
      const result = await change("POST", "/config/airllm/service", payload);
      flag({ host: host.input, port: port.input }, result.error);
      message(serviceNote, result.ok ? "ok" : "error",
        result.ok ? `Saved: AirLLM ${payload.enabled ? "enabled" : "disabled"} at ${payload.host}:${payload.port}.` : result.error);
      if (result.ok) disabledHint.hidden = payload.enabled;
    });
    modelsBody = h("tbody", {});
    modelsNote = h("p", { class: "msg", hidden: true });
    disabledHint = h("p", { class: "msg warn", role: "status", hidden: true }, "The AirLLM service is disabled: these toggles are stored but take effect only once it is enabled.");
    panel.append(
      h("p", { class: "hint" }, `Client → router ${ctx.config.api_base.replace(/^https?:\/\//, "")} → AirLLM → target Ollama. Settings are stored in router_config.json and survive restarts.`),
      h("div", { class: "grid" }, target.el, service),
      h("div", { class: "card", id: "airllm-models" },
        h("h2", {}, "Per-model AirLLM"),
        disabledHint,
        h("div", { class: "table-wrap" }, h("table", {},
          h("thead", {}, h("tr", {}, h("th", {}, "Model"), h("th", {}, "Size"), h("th", {}, "AirLLM"))), modelsBody)),
        modelsNote));
  },
  async refresh() {
    await load();
  },
};
