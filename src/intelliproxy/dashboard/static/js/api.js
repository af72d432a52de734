// Same-origin calls to the dashboard port, and the admin token (ADMIN_TOKEN) when needed.
//
// Reads never carry the token. Changes do; a 401 asks for the token (again) and retries.
// The token lives in sessionStorage: it is forgotten when the tab closes.

import { $, message } from "./dom.js";

const TOKEN_KEY = "intelliproxy.adminToken";

export async function getJSON(path) {
  return request("GET", path);
}

/** {ok, status, data, error} — never throws for HTTP errors; a network error is status 0. */
async function request(method, path, body, token) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (err) {
    return { ok: false, status: 0, data: null, error: `the proxy is not reachable (${err.message})` };
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  const error = response.ok ? null : (data && data.error) || `${response.status} ${response.statusText}`;
  return { ok: response.ok, status: response.status, data, error };
}

/** A change (POST/DELETE): sends the admin token; on 401 asks for it and tries again. */
export async function change(method, path, body) {
  let hint = null;
  for (;;) {
    const result = await request(method, path, body, sessionStorage.getItem(TOKEN_KEY));
    if (result.status !== 401) return result;
    sessionStorage.removeItem(TOKEN_KEY);
    const token = await askToken(hint || "This change needs the admin token.");
    if (!token) return { ...result, error: "not saved: the admin token is required" };
    hint = "That token was refused. Check ADMIN_TOKEN and try again.";
  }
}

export function hasToken() {
  return Boolean(sessionStorage.getItem(TOKEN_KEY));
}

/** Open the token dialog; resolves to the token entered (stored) or null on cancel. */
export function askToken(text) {
  const dialog = $("#token-dialog");
  const input = $("#token-input");
  message($("#token-error"), "error", text || "");
  input.value = "";
  return new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        const token = input.value.trim();
        input.value = "";
        if (dialog.returnValue === "ok" && token) {
          sessionStorage.setItem(TOKEN_KEY, token);
          resolve(token);
        } else {
          resolve(null);
        }
      },
      { once: true },
    );
    dialog.returnValue = "";
    dialog.showModal();
    input.focus();
  });
}
