// Boot: read the page config, wire the tabs to the URL hash, poll the visible tab.
//
// Live updates are short polling: every `poll_interval_ms` (2 s) the header's health and
// the visible tab's data are fetched again, one round at a time, and only while the page
// is visible. A tab re-renders only when its data changed, so text can still be selected.

import { $, message } from "./dom.js";
import { askToken, getJSON, hasToken } from "./api.js";
import status from "./tabs/status.js";
import models from "./tabs/models.js";
import statistics from "./tabs/statistics.js";
import config from "./tabs/config.js";
import apiref from "./tabs/apiref.js";
import debug from "./tabs/debug.js";
import airllm from "./tabs/airllm.js";

const TABS = { status, models, statistics, config, api: apiref, debug, airllm };
const ctx = { config: null, health: null, current: null };
const mounted = new Set();
let timer = null;
let polling = false;

function selected() {
  const name = location.hash.replace(/^#/, "");
  return TABS[name] ? name : "status";
}

async function show(name) {
  ctx.current = name;
  for (const key of Object.keys(TABS)) {
    const active = key === name;
    $(`#panel-${key}`).hidden = !active;
    const tab = $(`#tab-${key}`);
    tab.setAttribute("aria-selected", String(active));
    tab.tabIndex = active ? 0 : -1;
  }
  $(`#tab-${name}`).scrollIntoView({ block: "nearest", inline: "nearest" });
  const tab = TABS[name];
  if (!mounted.has(name)) {
    mounted.add(name);
    tab.mount($(`#panel-${name}`), ctx);
  }
  await tab.refresh(ctx);
}

function renderHeader(result) {
  const pill = $("#router-status");
  const live = $("#live");
  if (result.status === 0) {
    pill.dataset.state = "unknown";
    pill.textContent = "proxy unreachable";
    live.textContent = "connection lost — retrying…";
    live.classList.add("lost");
    return;
  }
  const health = result.data || {};
  pill.dataset.state = health.status || "unknown";
  pill.textContent = health.status || `HTTP ${result.status}`;
  live.classList.remove("lost");
  live.textContent = `live · updated ${new Date().toLocaleTimeString("en-GB", { hour12: false })}`;
}

/** One polling round: health for the header, then the visible tab if it is live. */
async function poll() {
  if (polling) return;
  polling = true;
  try {
    const result = await getJSON("/health");
    ctx.health = result.status ? result.data : null;
    renderHeader(result);
    const tab = TABS[ctx.current];
    if (tab && tab.live && mounted.has(ctx.current)) await tab.refresh(ctx);
  } catch (err) {
    console.warn("poll failed", err); // a rendering bug must not stop the polling loop
  } finally {
    polling = false;
  }
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    if (!document.hidden) await poll();
    schedule();
  }, ctx.config.poll_interval_ms || 2000);
}

async function boot() {
  $("#token-cancel").addEventListener("click", () => $("#token-dialog").close("cancel"));
  const result = await getJSON("/dashboard/config.json");
  ctx.config = result.ok ? result.data : { api_base: `http://${location.hostname}:9998`, categories: [], poll_interval_ms: 2000 };
  if (!result.ok) message($("#live"), "error", "could not read /dashboard/config.json");
  window.addEventListener("hashchange", () => show(selected()));
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
  await poll();
  await show(selected());
  schedule();
  document.body.dataset.ready = "true";
  if (ctx.config.auth === "token" && !hasToken()) {
    await askToken("Changes on this proxy need the admin token (ADMIN_TOKEN). You can skip this and enter it when you first save something.");
  }
}

boot();
