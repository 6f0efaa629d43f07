/*
 * Shared helpers of the portal's 网上办 pages: the page's configuration, calls to /api/v1 with the
 * contract's error body turned into a message, the applicant's access tokens (kept in localStorage
 * per case number) and small formatting helpers. Exposed as window.Portal.
 */
(function () {
  "use strict";

  const cfg = JSON.parse(document.getElementById("portal-config").textContent);
  const TOKEN_KEY = "wuban.application.";
  const STATUS_MESSAGES = {
    401: "请先打开您的申请",
    404: "未找到该申请，或本设备上的申请凭证已失效",
    413: "文件过大",
    429: "操作过于频繁，请稍后再试",
  };

  function url(name, value) {
    return cfg.urls[name].replace(cfg.placeholder, encodeURIComponent(value || ""));
  }

  /* Call the API; answer {ok, status, data, message, fields}. Never throws. */
  async function call(path, options) {
    options = options || {};
    const headers = { Accept: "application/json" };
    let body;
    if (options.form) {
      body = options.form;
    } else if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    if (options.token) headers["X-Application-Token"] = options.token;
    let response;
    try {
      response = await fetch(path, { method: options.method || "GET", headers: headers, body: body, cache: "no-store" });
    } catch (e) {
      return { ok: false, status: 0, message: "网络连接失败，请检查网络后重试", fields: {} };
    }
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.ok) return { ok: true, status: response.status, data: data };
    const error = (data && data.error) || {};
    return {
      ok: false, status: response.status, code: error.code,
      message: error.message || STATUS_MESSAGES[response.status] || "操作暂时无法完成，请稍后再试",
      fields: (error.details && error.details.fields) || {},
      details: error.details || {},
    };
  }

  /* Fetch a file with the applicant's token and open it (links cannot carry the header). */
  async function openFile(path, token) {
    const opened = window.open("", "_blank");
    let response;
    try {
      response = await fetch(path, { headers: token ? { "X-Application-Token": token } : {}, cache: "no-store" });
    } catch (e) {
      if (opened) opened.close();
      return "网络连接失败，请稍后再试";
    }
    if (!response.ok) {
      if (opened) opened.close();
      return STATUS_MESSAGES[response.status] || "文件暂时无法打开";
    }
    const blobUrl = URL.createObjectURL(await response.blob());
    if (opened) opened.location = blobUrl; else window.location = blobUrl;
    setTimeout(function () { URL.revokeObjectURL(blobUrl); }, 60000);
    return null;
  }

  const tokens = {
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

  function dateText(iso) {
    const parts = (iso || "").split("-").map(Number);
    return parts.length === 3 ? parts[0] + "年" + parts[1] + "月" + parts[2] + "日" : iso || "";
  }

  function timeText(iso) {
    const moment = new Date(iso);
    if (isNaN(moment)) return iso || "";
    const parts = {};
    new Intl.DateTimeFormat("zh-CN", {
      timeZone: cfg.tz, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(moment).forEach(function (part) { parts[part.type] = part.value; });
    return parts.year + "年" + parts.month + "月" + parts.day + "日 " + parts.hour + ":" + parts.minute;
  }

  function sizeText(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, "") + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  /* Check a chosen file before sending it (the server checks again, by content). */
  function fileProblem(file) {
    if (!file) return null;
    if (file.size > cfg.max_upload_bytes) return "文件超过 " + sizeText(cfg.max_upload_bytes) + "，请压缩或分页后再上传";
    if (file.size === 0) return "文件是空的";
    if (!/\.(pdf|jpe?g|png)$/i.test(file.name) && !/^(application\/pdf|image\/(jpeg|png))$/.test(file.type)) {
      return "只能上传 PDF、JPG 或 PNG 格式的文件";
    }
    return null;
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "dataset") Object.assign(node.dataset, props[key]);
      else if (key in node) node[key] = props[key];
      else node.setAttribute(key, props[key]);
    });
    (children || []).forEach(function (child) { if (child !== null && child !== undefined) node.append(child); });
    return node;
  }

  function badges(modes, names) {
    return modes.map(function (mode, index) {
      return el("span", { className: "o-badge", textContent: names[index], dataset: { mode: mode } });
    });
  }

  function show(node, message) {
    node.textContent = message || "";
    node.hidden = !message;
  }

  window.Portal = {
    cfg: cfg, url: url, call: call, openFile: openFile, tokens: tokens, el: el, badges: badges, show: show,
    dateText: dateText, timeText: timeText, sizeText: sizeText, fileProblem: fileProblem,
    $: function (id) { return document.getElementById(id); },
    FORMS: { original: "原件", copy: "复印件", original_and_copy: "原件及复印件" },
  };
})();
