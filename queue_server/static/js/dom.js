/*
 * dom.js — the screens' DOM helpers (an ES module): $ by id, el to build nodes, and error boxes.
 *
 *   el("td", "col-no", "A001")                         class and text
 *   el("a", { href: url, textContent: "打开" })         properties (dataset, attributes too)
 *   el("li", { className: "x" }, [child, "text"])      children
 */

/** Find an element by its id. */
export function $(id) { return document.getElementById(id); }

/** Make an element: a class name or a property object, then a text or a list of children. */
export function el(tag, props, content) {
  const node = document.createElement(tag);
  if (typeof props === "string") {
    node.className = props;
  } else if (props) {
    Object.keys(props).forEach(function (key) {
      if (key === "dataset") Object.assign(node.dataset, props[key]);
      else if (key in node) node[key] = props[key];
      else node.setAttribute(key, props[key]);
    });
  }
  if (Array.isArray(content)) {
    content.forEach(function (child) { if (child !== null && child !== undefined) node.append(child); });
  } else if (content !== undefined && content !== null) {
    node.textContent = content;
  }
  return node;
}

/** Show a message in a box, or hide the box when there is none. */
export function show(node, message) {
  node.textContent = message || "";
  node.hidden = !message;
}

/**
 * Show an error (an ApiError, an Error or a message) in a box; null hides the box. A 401 asks to
 * sign in again with a link to options.loginUrl; options.status adds the HTTP status, e.g. （409）.
 */
export function showError(box, error, options) {
  options = options || {};
  box.textContent = "";
  if (!error) { box.hidden = true; return; }
  if (error.status === 401 && options.loginUrl) {
    const link = el("a", null, "重新登录");
    link.href = options.loginUrl;
    box.append("登录已过期，请", link);
  } else {
    const message = typeof error === "string" ? error : error.message || "操作失败";
    box.textContent = message + (options.status && error.status ? "（" + error.status + "）" : "");
  }
  box.hidden = false;
}

/** Hide an error box. */
export function clearError(box) { showError(box, null); }

/**
 * A banner that shows a message for a while: banner.info(text), banner.error(error), banner.hide().
 * Options: box (the banner), text (its text node), close (its × button), prefix (class name),
 * loginUrl, status (add the HTTP status to errors), infoMs, errorMs.
 */
export function createBanner(options) {
  const settings = Object.assign({ infoMs: 5000, errorMs: 12000, prefix: "banner" }, options);
  let timer = null;
  function open(kind) {
    settings.box.className = settings.prefix + " " + settings.prefix + "-" + kind;
    settings.box.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(hide, kind === "info" ? settings.infoMs : settings.errorMs);
  }
  function hide() { settings.box.hidden = true; }
  if (settings.close) settings.close.addEventListener("click", hide);
  return {
    info: function (message) { settings.text.textContent = message; open("info"); },
    error: function (error) {
      showError(settings.text, error, { loginUrl: settings.loginUrl, status: settings.status });
      open("error");
    },
    hide: hide,
  };
}

/** Read a page's JSON configuration (<script type="application/json" id=…>). */
export function config(id) { return JSON.parse($(id).textContent); }

/** Tell whether a key press belongs to a text field (the screen's own keys then wait). */
export function typing(target) {
  return !!target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/**
 * Give a file input a zh-CN face (the browser words its own control, often in English): the input stays
 * in the page for the keyboard, screen readers and scripts, but visually hidden; its label, styled as a
 * 选择文件 button, and a line naming what was chosen stand in. Returns the wrapper to put in its place.
 */
export function filePicker(input, buttonText) {
  if (!input.id) input.id = "file-" + Math.random().toString(36).slice(2, 10);
  input.classList.add("zh-file-input");
  const button = el("label", { className: "zh-file-button", htmlFor: input.id }, buttonText || "选择文件");
  const chosen = el("span", { className: "zh-file-name", "aria-live": "polite" }, "未选择文件");
  function update() {
    const names = Array.from(input.files || []).map(function (file) { return file.name; });
    chosen.textContent = names.length === 0 ? "未选择文件"
      : names.length === 1 ? names[0] : "已选择 " + names.length + " 个文件：" + names.join("、");
  }
  input.addEventListener("change", update);
  return el("span", "zh-file", [input, button, chosen]);
}

/**
 * A zh-CN month chooser (年 and 月 selects) for a hidden input that keeps the value as YYYY-MM, in place
 * of <input type="month">, whose words and order follow the browser's language. Choosing sets the
 * hidden input and fires its change event, so a page reads and listens to it as before.
 * options: year (<select>), month (<select>), from (first year offered; default five years back).
 */
export function monthPicker(hidden, options) {
  const [year, month] = hidden.value.split("-").map(Number);
  const first = options.from || year - 5;
  const last = Math.max(year, new Date().getFullYear());
  options.year.replaceChildren(...Array.from({ length: last - first + 1 }, function (_, i) {
    return el("option", { value: String(last - i) }, (last - i) + "年");
  }));
  options.month.replaceChildren(...Array.from({ length: 12 }, function (_, i) {
    return el("option", { value: String(i + 1) }, (i + 1) + "月");
  }));
  options.year.value = String(year);
  options.month.value = String(month);
  function chosen() {
    hidden.value = options.year.value + "-" + String(options.month.value).padStart(2, "0");
    hidden.dispatchEvent(new Event("change"));
  }
  options.year.addEventListener("change", chosen);
  options.month.addEventListener("change", chosen);
}
