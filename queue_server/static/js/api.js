/*
 * api.js — the screens' JSON API client (an ES module).
 *
 *   import { createClient } from "/static/js/api.js";
 *   const api = createClient({ token });                    // token: staff screens' bearer token
 *   const ticket = await api("POST", "/windows/3/call-next");   // parsed JSON; null for 204
 *   const response = await api.raw("GET", "/cases/X/documents/acceptance", { accept: "application/pdf" });
 *
 * A non-2xx answer is thrown as an ApiError carrying the contract's error body (code, message,
 * details) and the HTTP status; a request that never got an answer as code "network" (status 0).
 *
 * Every POST carries an Idempotency-Key, a random key per logical action. When the request fails
 * without an answer (fetch rejected, or no answer within timeoutMs) or with 503, it is sent again
 * with the same key, at most `retries` times: the server answers a repeat with what it answered
 * first, so a lost answer never does the action twice. When every try failed that way, the key is
 * kept for a while, and the same request made again (the user presses the button once more) goes
 * out with it too.
 */

export const NETWORK_MESSAGE = "网络连接失败，请检查网络后重试";
const PENDING_TTL_MS = 5 * 60 * 1000;   // how long a lost action's key is offered again
const MAX_RETRY_AFTER_MS = 5000;

/** An error answer of the API: the contract's {code, message, details}, and the HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

/** Read the contract's error body of an answer, or describe the answer by its status. */
export async function errorOf(response) {
  let body = null;
  try { body = await response.json(); } catch (e) { body = null; }
  const error = body && typeof body === "object" && body.error && typeof body.error === "object" ? body.error : null;
  if (error && error.code) {
    return new ApiError(response.status, error.code, error.message || "操作失败（" + response.status + "）", error.details);
  }
  return new ApiError(response.status, "http_" + response.status, "操作失败（" + response.status + "），请稍后再试", {});
}

/** Make a random key for one logical action (crypto.getRandomValues also works outside HTTPS). */
export function newKey() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") {
    try { return c.randomUUID(); } catch (e) { /* not a secure context */ }
  }
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
}

function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

/**
 * Make a client. Options: token (bearer), headers (sent with every request), base ("/api/v1"),
 * retries (2), timeoutMs (15000), retryDelayMs (400, doubled each time), fetch (for tests).
 */
export function createClient(options) {
  const settings = Object.assign({
    base: "/api/v1", token: null, headers: {}, retries: 2, timeoutMs: 15000, retryDelayMs: 400, fetch: null,
  }, options || {});
  const pending = new Map();   // request signature -> {key, at}: a POST whose answer was lost

  function urlOf(path) {
    return path.startsWith(settings.base + "/") || /^https?:/.test(path) ? path : settings.base + path;
  }

  function keyFor(signature) {
    const now = Date.now();
    pending.forEach(function (entry, name) { if (now - entry.at > PENDING_TTL_MS) pending.delete(name); });
    const lost = signature && pending.get(signature);
    return lost ? lost.key : newKey();
  }

  async function attempt(url, init) {
    const doFetch = settings.fetch || globalThis.fetch;
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    const timer = controller && settings.timeoutMs ? setTimeout(function () { controller.abort(); }, settings.timeoutMs) : null;
    try {
      return await doFetch(url, Object.assign({}, init, controller ? { signal: controller.signal } : {}));
    } catch (e) {
      return null;   // no answer: rejected, or aborted at the time limit
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  /** Send a request; answer the Response of a 2xx, throw ApiError otherwise. */
  async function raw(method, path, opts) {
    opts = opts || {};
    method = method.toUpperCase();
    const url = urlOf(path);
    const headers = Object.assign({ Accept: opts.accept || "application/json" }, settings.headers, opts.headers || {});
    if (settings.token) headers.Authorization = "Bearer " + settings.token;
    let body;
    let signature = null;
    if (opts.form !== undefined) {
      body = opts.form;   // multipart: the browser sets the Content-Type with its boundary
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["Content-Type"] = "application/json";
    }
    if (method === "POST") {
      if (opts.form === undefined) signature = method + " " + url + " " + (body || "");
      headers["Idempotency-Key"] = opts.key || keyFor(signature);
    }
    const init = { method: method, headers: headers, body: body, cache: "no-store" };
    let delay = settings.retryDelayMs;
    for (let tries = 0; ; tries += 1) {
      const response = await attempt(url, init);
      const again = tries < settings.retries;
      if (response === null) {
        if (again) { await sleep(delay); delay *= 2; continue; }
        if (signature) pending.set(signature, { key: headers["Idempotency-Key"], at: Date.now() });
        throw new ApiError(0, "network", NETWORK_MESSAGE, {});
      }
      if (response.status === 503 && again) {
        // The server could not answer in time and changed nothing: try again after Retry-After.
        const after = Number(response.headers.get("Retry-After"));
        await sleep(after > 0 ? Math.min(after * 1000, MAX_RETRY_AFTER_MS) : delay);
        delay *= 2;
        continue;
      }
      if (signature) pending.delete(signature);
      if (!response.ok) throw await errorOf(response);
      return response;
    }
  }

  /** Send a request with an optional JSON body; answer the parsed JSON (null when empty or 204). */
  async function api(method, path, body, opts) {
    const response = await raw(method, path, Object.assign({}, opts || {}, body !== undefined ? { body: body } : {}));
    if (response.status === 204) return null;
    const text = await response.text();
    if (!text) return null;
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  api.raw = raw;
  api.newKey = newKey;
  return api;
}
