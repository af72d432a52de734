// Form pieces shared by the Config and AirLLM tabs.

import { change } from "./api.js";
import { h, message } from "./dom.js";

/** A labelled input; `attrs` go to the <input>. */
export function field(label, attrs) {
  const input = h("input", attrs);
  return { input, el: h("label", { class: "field" }, label, input) };
}

/** Mark the inputs named in a server message ("port: must be…") as invalid. */
export function flag(inputs, text) {
  for (const [name, input] of Object.entries(inputs)) {
    const bad = Boolean(text) && new RegExp(`(^|\\W)${name}\\b`).test(text);
    input.setAttribute("aria-invalid", String(bad));
  }
}

/** Target Ollama (the primary backend): host and port, POST /config/ollama. */
export function ollamaTargetCard(id, onSaved) {
  const host = field("Host or IP", { name: "host", required: true, autocomplete: "off" });
  const port = field("Port", { name: "port", type: "number", min: 1, max: 65535, required: true });
  const note = h("p", { class: "msg", hidden: true });
  const form = h("form", { class: "card", id, novalidate: true },
    h("h2", {}, "Target Ollama"),
    h("p", { class: "hint" }, "The primary backend (the first of the backend list). It can be a remote machine."),
    h("div", { class: "form-row" }, host.el, port.el),
    note,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save target")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const payload = { host: host.input.value.trim(), port: Number(port.input.value) };
    const result = await change("POST", "/config/ollama", payload);
    flag({ host: host.input, port: port.input }, result.error);
    message(note, result.ok ? "ok" : "error", result.ok ? `Saved: ${payload.host}:${payload.port}.` : result.error);
    if (result.ok && onSaved) onSaved(result.data);
  });
  return {
    el: form,
    fill(air) {
      if (document.activeElement && form.contains(document.activeElement)) return; // being edited
      host.input.value = air.ollama_host;
      port.input.value = air.ollama_port;
    },
  };
}
