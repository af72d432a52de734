// API: the reference with curl examples for the API port (not this dashboard's port), a
// copy button each, and a Run button for the read-only ones. Run calls the same route on
// this origin (the dashboard serves the same handlers), so no CORS is involved.

import { getJSON } from "../api.js";
import { append, h } from "../dom.js";

const J = "-H 'Content-Type: application/json'";

// [method, path, description, body or null, runnable]
const SECTIONS = [
  ["Router", [
    ["GET", "/health", "Status of the router and every backend (503 when none is reachable).", null, true],
    ["GET", "/api/health", "The seed's short health answer.", null, true],
    ["GET", "/models", "Every model: category, speed, complexity, capabilities, where it is, source.", null, true],
    ["GET", "/models/code", "The models of one category.", null, true],
    ["POST", "/classify", "What the router would do with a prompt, and why (nothing is sent to a model).", { prompt: "Write a function that parses ISO dates" }, true],
    ["POST", "/task", "Classify and answer in one call.", { prompt: "Explain quantum computing", task_type: "reasoning" }, false],
  ]],
  ["Ollama API", [
    ["GET", "/api/tags", "Installed models of all backends, plus IntelliProxyLLM.", null, true],
    ["GET", "/api/ps", "Models loaded right now.", null, true],
    ["GET", "/api/version", "The primary backend's Ollama version.", null, true],
    ["POST", "/api/chat", "Chat; IntelliProxyLLM picks the model.", { model: "IntelliProxyLLM", messages: [{ role: "user", content: "Hello!" }], stream: false }, false],
    ["POST", "/api/generate", "Generate (streams by default).", { model: "IntelliProxyLLM", prompt: "Explain quantum computing" }, false],
    ["POST", "/api/embed", "Embeddings.", { model: "nomic-embed-text", input: ["a", "b"] }, false],
  ]],
  ["OpenAI-compatible", [
    ["GET", "/v1/models", "Models in OpenAI's shape.", null, false],
    ["POST", "/v1/chat/completions", "Chat completions.", { model: "IntelliProxyLLM", messages: [{ role: "user", content: "Hello!" }] }, false],
  ]],
  ["Statistics and log", [
    ["GET", "/stats", "Counters, latency percentiles, tokens/s, timeline.", null, true],
    ["GET", "/requests", "The last requests (prompt, routing reason, attempts).", null, true],
    ["GET", "/metrics", "Prometheus metrics.", null, true],
    ["POST", "/requests/clear", "Clear the request log.", null, false],
    ["POST", "/stats/reset", "Reset the statistics.", null, false],
  ]],
  ["Configuration", [
    ["GET", "/config/fallbacks", "Fallback chains and timeout.", null, true],
    ["POST", "/config/fallbacks", "Replace the fallback chains and/or the timeout (a loop is refused with 400).", { fallbacks: { "deepseek-r1:latest": "qwen2.5:7b" }, timeout: 300 }, false],
    ["GET", "/config/backends", "The backend list.", null, true],
    ["GET", "/config/models", "The operator's model attributes (models.json).", null, true],
    ["POST", "/config/models", "Set one model's attributes.", { model_name: "qwen2.5:7b", speed: 8, complexity: 6, preferred_for: ["general"] }, false],
    ["POST", "/models/refresh", "Re-read every backend's models and facts.", null, false],
    ["GET", "/config/airllm", "Target Ollama and AirLLM settings.", null, true],
    ["POST", "/config/ollama", "Set the target Ollama.", { host: "192.168.1.100", port: 11434 }, false],
    ["POST", "/config/airllm/service", "Enable / place the AirLLM service.", { enabled: true, host: "airllm", port: 9996 }, false],
    ["POST", "/config/model/airllm", "AirLLM for one model.", { model_name: "qwen2.5:7b", enabled: true }, false],
  ]],
];

function curl(base, method, path, body, auth) {
  const parts = ["curl -s"];
  if (method !== "GET" && body === null) parts.push(`-X ${method}`);
  const mutating = method === "POST" && !["/classify", "/task"].includes(path) && !path.startsWith("/api/") && !path.startsWith("/v1/");
  if (auth && mutating) parts.push("-H \"Authorization: Bearer $ADMIN_TOKEN\"");
  parts.push(`${base}${path}`);
  if (body !== null) parts.push(`${J} \\\n  -d '${JSON.stringify(body)}'`);
  return parts.join(" ");
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h("textarea", { class: "sr-copy" });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = "Copied";
  setTimeout(() => { button.textContent = "Copy"; }, 1500);
}

async function run(method, path, body, output, button) {
  button.disabled = true;
  output.hidden = false;
  output.textContent = "…";
  const result = method === "GET" ? await getJSON(path) : await fetch(path, {
    method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, data: await r.json() }))
    .catch((err) => ({ status: 0, data: String(err) }));
  button.disabled = false;
  const shown = typeof result.data === "string" ? result.data : JSON.stringify(result.data, null, 2);
  output.textContent = `HTTP ${result.status}\n${shown}`;
}

function example(base, auth, [method, path, text, body, runnable]) {
  const command = curl(base, method, path, body, auth);
  const output = h("pre", { class: "output", hidden: true, "aria-live": "polite" });
  const copyButton = h("button", { type: "button", class: "small" }, "Copy");
  copyButton.addEventListener("click", () => copy(command, copyButton));
  const runButton = runnable ? h("button", { type: "button", class: "small primary", "data-run": `${method} ${path}` }, "Run") : null;
  if (runButton) runButton.addEventListener("click", () => run(method, path, body, output, runButton));
  return h("div", { class: "example", "data-endpoint": `${method} ${path}` },
    h("div", { class: "title" }, h("span", { class: "badge" }, method), h("strong", {}, path), h("span", { class: "hint" }, text),
      h("span", { class: "spacer" }), copyButton, runButton),
    h("pre", { class: "curl" }, h("code", {}, command)),
    output);
}

export default {
  live: false,
  mount(panel, ctx) {
    const base = ctx.config.api_base;
    const auth = ctx.config.auth === "token";
    append(panel, [
      h("div", { class: "card" },
        h("h2", {}, "API reference"),
        h("p", {}, "Clients talk to the API at ", h("code", { id: "api-base" }, base),
          ` — any Ollama client works unchanged; use the model ${ctx.config.virtual_model || "IntelliProxyLLM"} to let the router choose.`),
        h("p", { class: "hint" }, "Run executes a read-only example against this dashboard, which serves the same management routes, and shows the answer.",
          auth ? " Changes need the header Authorization: Bearer $ADMIN_TOKEN." : " Without ADMIN_TOKEN, changes are accepted from this machine only.")),
      h("div", { class: "grid" },
        SECTIONS.map(([title, items]) => h("div", { class: "card" }, h("h2", {}, title), items.map((item) => example(base, auth, item))))),
    ]);
  },
  async refresh() {},
};
