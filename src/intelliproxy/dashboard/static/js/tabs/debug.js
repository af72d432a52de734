// Debug: the last requests (GET /requests) with their routing story, a clear button, and a
// "classify this prompt" box (POST /classify). Prompts are user data: text nodes only.

import { change, getJSON } from "../api.js";
import { badge, chips, clock, h, message, number, seconds, shortUrl, table } from "../dom.js";

const PROMPT_CHARS = 160;

let list;
let note;
let count;
let last = "";

function clip(text, n) {
  return text && text.length > n ? `${text.slice(0, n - 1)}…` : text || "";
}

/** "model@http://host:port:result" → model, host:port, result */
function attempt(text) {
  const at = text.lastIndexOf("@");
  const colon = text.lastIndexOf(":");
  if (at < 0 || colon < at) return h("div", {}, text);
  const result = text.slice(colon + 1);
  return h("div", { class: "attempt" }, h("strong", {}, text.slice(0, at)), ` @${shortUrl(text.slice(at + 1, colon))} `,
    badge(/^2\d\d$/.test(result) ? "ok" : "error", result));
}

function requestRow(r) {
  const served = r.model && r.requested_model && r.model !== r.requested_model;
  return h("tr", { class: r.ok ? "" : "failed" },
    h("td", { class: "nowrap" }, clock(r.time), h("div", { class: "hint" }, r.endpoint)),
    h("td", { class: "prompt", title: r.prompt || "" }, clip(r.prompt, PROMPT_CHARS)),
    h("td", { class: "nowrap" }, r.requested_model || "–",
      served ? h("div", {}, "→ ", h("strong", {}, r.model)) : null,
      r.fallback ? h("div", {}, badge("warn", "fallback")) : null),
    h("td", { class: "nowrap" }, shortUrl(r.backend) || "–"),
    h("td", { class: "nowrap" }, r.category || "–", r.complexity ? h("div", { class: "hint" }, `complexity ${r.complexity}`) : null),
    h("td", { class: "reason" }, r.reason || "", r.error ? h("div", { class: "msg error" }, r.error) : null),
    h("td", { class: "attempts" }, (r.attempts || []).map(attempt)),
    h("td", {}, badge(r.ok ? "ok" : "error", String(r.status)), r.error_kind ? h("div", { class: "hint" }, r.error_kind) : null),
    h("td", { class: "num nowrap" }, seconds(r.duration),
      h("div", { class: "hint" }, `first byte ${seconds(r.ttft)}`),
      r.tokens_per_s ? h("div", { class: "hint" }, `${number(r.tokens_per_s, 1)} tok/s`) : null),
  );
}

async function load() {
  const result = await getJSON("/requests");
  if (!result.ok) { message(note, "error", result.error); return; }
  const key = JSON.stringify(result.data.requests);
  if (key === last) return;
  last = key;
  count.textContent = `${result.data.count} of the last ${result.data.size}`;
  list.replaceChildren(table(
    ["Time", "Prompt", "Requested → served", "Backend", "Category", "Routing reason", "Attempts", "Status", h("th", { class: "num" }, "Time")],
    result.data.requests.map(requestRow),
    "No requests yet. Send one to the API port and it appears here within two seconds."));
}

function classifyResult(c) {
  return h("div", { class: "classified", id: "classify-result" },
    h("div", { class: "kpis" },
      h("div", { class: "kpi" }, h("div", { class: "label" }, "Category"), h("div", { class: "value" }, c.category || "–"),
        h("div", { class: "sub" }, `confidence ${c.confidence ?? "–"}`)),
      h("div", { class: "kpi" }, h("div", { class: "label" }, "Complexity"), h("div", { class: "value" }, c.complexity ?? "–")),
      h("div", { class: "kpi" }, h("div", { class: "label" }, "Would be served by"), h("div", { class: "value" }, c.model || "nothing"),
        h("div", { class: "sub" }, shortUrl(c.backend)))),
    h("p", {}, h("strong", {}, "Why: "), c.reason || c.error || "–"),
    c.reasons && c.reasons.length ? h("p", {}, "Classifier signals: ", chips(c.reasons)) : null,
    h("h3", {}, "Planned attempts, in order"),
    h("ol", {}, (c.attempts || []).map((a) => h("li", {}, h("strong", {}, a.model), ` @ ${shortUrl(a.backend)} — ${a.reason}`))));
}

function classifyCard() {
  const prompt = h("textarea", { id: "classify-prompt", placeholder: "Paste a prompt to see where it would go…", "aria-label": "Prompt to classify" });
  const out = h("div", {});
  const error = h("p", { class: "msg", hidden: true });
  const form = h("form", { class: "card", id: "classify-form" },
    h("h2", {}, "Classify a prompt"),
    prompt, error,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Classify")),
    out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await change("POST", "/classify", { prompt: prompt.value });
    message(error, "error", result.ok ? "" : result.error);
    out.replaceChildren(result.ok ? classifyResult(result.data) : "");
  });
  return form;
}

export default {
  live: true,
  mount(panel, ctx) {
    list = h("div", {}, h("p", { class: "hint" }, "Loading requests…"));
    note = h("p", { class: "msg", hidden: true });
    count = h("span", { class: "hint" });
    const clear = h("button", { type: "button", class: "danger", id: "requests-clear" }, "Clear log");
    clear.addEventListener("click", async () => {
      const result = await change("POST", "/requests/clear");
      message(note, result.ok ? "ok" : "error", result.ok ? "Request log cleared." : result.error);
      last = "";
      await load();
    });
    panel.append(
      classifyCard(),
      h("div", { class: "card", id: "request-log" },
        h("div", { class: "card-head" }, h("h2", {}, `Last ${ctx.config.request_log_size || 50} requests`), count, h("span", { class: "spacer" }), clear),
        note, list));
  },
  async refresh() {
    await load();
  },
};
