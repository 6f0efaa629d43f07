/*
 * Shared helpers of the portal's 网上办 pages: the page's configuration, calls to /api/v1 with the
 * contract's error body turned into a message, the applicant's access tokens (kept in localStorage
 * per case number) and small formatting helpers. Pages import it: import * as P from "./portal.js".
 */
import { createClient } from "/static/js/api.js";
import { config, el } from "/static/js/dom.js";
import { dateTimeText } from "/static/js/time.js";

export { $, el, show } from "/static/js/dom.js";
export { dateText } from "/static/js/time.js";

export const cfg = config("portal-config");
// The page names every address in full.
const client = createClient({ base: "" });
const TOKEN_KEY = "wuban.application.";
const STATUS_MESSAGES = {
  401: "请先打开您的申请",
  404: "未找到该申请，或本设备上的申请凭证已失效",
  413: "文件过大",
  429: "操作过于频繁，请稍后再试",
};

export function url(name, value) {
  return cfg.urls[name].replace(cfg.placeholder, encodeURIComponent(value || ""));
}

/* Call the API; answer {ok, status, data, message, fields}. Never throws. POSTs go out with an
   Idempotency-Key and are re-sent with it after a network error (api.js). */
export async function call(path, options) {
  options = options || {};
  const opts = { headers: options.token ? { "X-Application-Token": options.token } : {} };
  if (options.form) opts.form = options.form;
  else if (options.json !== undefined) opts.body = options.json;
  let response;
  try {
    response = await client.raw(options.method || "GET", path, opts);
  } catch (error) {
    if (error.status === 0) return { ok: false, status: 0, message: error.message, fields: {}, details: {} };
    const known = error.code && !error.code.startsWith("http_");
    return {
      ok: false, status: error.status, code: error.code,
      message: (known && error.message) || STATUS_MESSAGES[error.status] || "操作暂时无法完成，请稍后再试",
      fields: error.details.fields || {},
      details: error.details,
    };
  }
  let data = null;
  try { data = await response.json(); } catch (e) { data = null; }
  return { ok: true, status: response.status, data: data };
}

/* Fetch a file with the applicant's token and open it (links cannot carry the header). */
export async function openFile(path, token) {
  const opened = window.open("", "_blank");
  let response;
  try {
    response = await client.raw("GET", path, { accept: "*/*", headers: token ? { "X-Application-Token": token } : {} });
  } catch (error) {
    if (opened) opened.close();
    return error.status === 0 ? "网络连接失败，请稍后再试" : STATUS_MESSAGES[error.status] || "文件暂时无法打开";
  }
  const blobUrl = URL.createObjectURL(await response.blob());
  if (opened) opened.location = blobUrl; else window.location = blobUrl;
  setTimeout(function () { URL.revokeObjectURL(blobUrl); }, 60000);
  return null;
}

export const tokens = {
  get: function (caseNo) { try { return localStorage.getItem(TOKEN_KEY + caseNo); } catch (e) { return null; } },
  set: function (caseNo, token) { try { localStorage.setItem(TOKEN_KEY + caseNo, token); } catch (e) { /* private mode */ } },
  remove: function (caseNo) { try { localStorage.removeItem(TOKEN_KEY + caseNo); } catch (e) { /* ignore */ } },
  caseNumbers: function () {
    const found = [];
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        if (key && key.indexOf(TOKEN_KEY) === 0) found.push(key.slice(TOKEN_KEY.length));
      }
    } catch (e) { /* ignore */ }
    return found.sort().reverse();
  },
};

/* A date for citizens (2026年12月14日) and a time (2026年12月14日 09:30, hall time). */
export function timeText(iso) { return dateTimeText(iso, cfg.tz); }

export function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, "") + " MB";
  return Math.max(1, Math.round(bytes / 1024)) + " KB";
}

/* Check a chosen file before sending it (the server checks again, by content). */
export function fileProblem(file) {
  if (!file) return null;
  if (file.size > cfg.max_upload_bytes) return "文件超过 " + sizeText(cfg.max_upload_bytes) + "，请压缩或分页后再上传";
  if (file.size === 0) return "文件是空的";
  if (!/\.(pdf|jpe?g|png)$/i.test(file.name) && !/^(application\/pdf|image\/(jpeg|png))$/.test(file.type)) {
    return "只能上传 PDF、JPG 或 PNG 格式的文件";
  }
  return null;
}

export function badges(modes, names) {
  return modes.map(function (mode, index) {
    return el("span", { className: "o-badge", textContent: names[index], dataset: { mode: mode } });
  });
}

export const FORMS = { original: "原件", copy: "复印件", original_and_copy: "原件及复印件" };
