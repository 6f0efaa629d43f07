/*
 * common.js — the console's lists and forms.
 *
 * createList: a table with a search box and paging, read from a {items, total} endpoint.
 * createForm: labelled fields built from a list; showErrors puts each entry of an ApiError's
 * details.fields beside the field it names (data-error-for), the message above the buttons.
 * importForm: a file sent to an import endpoint; what it refuses is listed under the form.
 */
import { $, el, show } from "/static/js/dom.js";

export const PAGE_SIZE = 10;

/**
 * A searchable, paged list. options: box, title, columns [{label, cell(row) → text|Node}],
 * load({q, limit, offset}) → {items, total}, onError(error), searchLabel, empty.
 */
export function createList(options) {
  const state = { q: "", offset: 0, total: 0 };
  const id = options.box.id;
  const search = el("input", { type: "search", id: id + "-q", autocomplete: "off",
    placeholder: options.searchLabel || "编码或名称" });
  const searchForm = el("form", "ad-search", [
    el("label", { htmlFor: id + "-q", className: "ad-sr" }, "搜索" + options.title),
    search, el("button", { type: "submit" }, "搜索"),
  ]);
  const body = el("tbody");
  const table = el("table", "ad-table", [
    el("caption", "ad-sr", options.title),
    el("thead", null, [el("tr", null, options.columns.map(function (c) { return el("th", { scope: "col" }, c.label); }))]),
    body,
  ]);
  const empty = el("p", "ad-empty", options.empty || "没有记录");
  const prev = el("button", { type: "button", className: "ad-prev" }, "上一页");
  const next = el("button", { type: "button", className: "ad-next" }, "下一页");
  const info = el("span", { className: "ad-page-info", "aria-live": "polite" }, "");
  const pager = el("div", "ad-pager", [prev, info, next]);
  options.box.replaceChildren(el("h2", null, options.title), searchForm, table, empty, pager);

  async function refresh() {
    let page;
    try {
      page = await options.load({ q: state.q, limit: PAGE_SIZE, offset: state.offset });
    } catch (error) {
      if (options.onError) options.onError(error);
      return;
    }
    state.total = page.total;
    if (state.offset > 0 && state.offset >= page.total) {
      state.offset = Math.max(0, Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE);
      return refresh();
    }
    body.replaceChildren.apply(body, page.items.map(function (row) {
      return el("tr", null, options.columns.map(function (c) {
        const value = c.cell(row);
        return el("td", c.className || null, value instanceof Node ? [value] : String(value === null || value === undefined ? "—" : value));
      }));
    }));
    empty.hidden = page.items.length > 0;
    const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
    info.textContent = "第 " + (Math.floor(state.offset / PAGE_SIZE) + 1) + " / " + pages + " 页，共 " + page.total + " 条";
    prev.disabled = state.offset === 0;
    next.disabled = state.offset + PAGE_SIZE >= page.total;
  }

  searchForm.addEventListener("submit", function (event) {
    event.preventDefault();
    state.q = search.value.trim();
    state.offset = 0;
    refresh();
  });
  prev.addEventListener("click", function () { state.offset = Math.max(0, state.offset - PAGE_SIZE); refresh(); });
  next.addEventListener("click", function () { state.offset += PAGE_SIZE; refresh(); });
  return { refresh: refresh, reset: function () { state.offset = 0; return refresh(); } };
}

/** Build a query string from the values that are set. */
export function query(params) {
  const parts = Object.keys(params).filter(function (key) {
    return params[key] !== "" && params[key] !== null && params[key] !== undefined;
  }).map(function (key) { return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]); });
  return parts.length ? "?" + parts.join("&") : "";
}

/** A small button for a row. */
export function rowButton(text, onClick, label) {
  const button = el("button", { type: "button", className: "ad-row-button" }, text);
  if (label) button.setAttribute("aria-label", label);
  button.addEventListener("click", onClick);
  return button;
}

/**
 * A form of labelled fields. spec: [{name, label, type ("text", "password", "number", "select",
 * "checkbox", "checkboxes"), options [[value, text]], hint, required}]. Returns
 * {values(), fill(values), field(name), showErrors(error), clear()}.
 */
export function createForm(form, fieldsBox, spec) {
  const prefix = form.id + "-";
  const controls = {};
  fieldsBox.replaceChildren.apply(fieldsBox, spec.map(function (f) {
    const id = prefix + f.name;
    let control;
    if (f.type === "select") {
      control = el("select", { id: id, name: f.name });
      setOptions(control, f.options || []);
    } else if (f.type === "checkboxes") {
      control = el("span", { id: id, className: "ad-checks", role: "group" });
      control.setAttribute("aria-label", f.label);
      (f.options || []).forEach(function (option) {
        const box = el("input", { type: "checkbox", value: option[0], name: f.name });
        control.append(el("label", "ad-check", [box, " " + option[1]]));
      });
    } else {
      control = el("input", { id: id, name: f.name, type: f.type || "text", autocomplete: f.type === "password" ? "new-password" : "off" });
    }
    controls[f.name] = control;
    const error = el("span", { className: "ad-field-error", id: id + "-error", hidden: true });
    error.dataset.errorFor = f.name;
    const label = f.type === "checkboxes" ? el("span", "ad-label", f.label)
      : el("label", { htmlFor: id, className: "ad-label" }, f.label);
    if (f.type === "checkbox") control.className = "ad-checkbox";
    if (f.type !== "checkboxes") control.setAttribute("aria-describedby", id + "-error");
    return el("div", { className: "ad-field", dataset: { field: f.name } },
      [label, control, f.hint ? el("small", "ad-hint", f.hint) : null, error]);
  }));
  const formError = document.getElementById(form.id + "-error");

  function values() {
    const out = {};
    spec.forEach(function (f) {
      const control = controls[f.name];
      if (f.type === "checkbox") out[f.name] = control.checked;
      else if (f.type === "checkboxes") {
        out[f.name] = Array.from(control.querySelectorAll("input:checked")).map(function (box) { return box.value; });
      } else if (f.type === "number") out[f.name] = control.value === "" ? null : Number(control.value);
      else out[f.name] = control.value.trim();
    });
    return out;
  }

  function fill(data) {
    spec.forEach(function (f) {
      const control = controls[f.name];
      const value = data[f.name];
      if (f.type === "checkbox") control.checked = !!value;
      else if (f.type === "checkboxes") {
        control.querySelectorAll("input").forEach(function (box) { box.checked = (value || []).indexOf(box.value) >= 0; });
      } else control.value = value === null || value === undefined ? "" : value;
    });
  }

  function clear() {
    form.querySelectorAll("[data-error-for]").forEach(function (node) { show(node, ""); });
    form.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
    if (formError) show(formError, "");
  }

  function showErrors(error) {
    clear();
    const fields = (error && error.details && error.details.fields) || {};
    const unplaced = [];
    Object.keys(fields).forEach(function (name) {
      const node = findErrorBox(form, name);
      if (!node) { unplaced.push(fields[name]); return; }
      show(node, fields[name]);
      const control = controls[name] || form.querySelector('[data-input-for="' + name + '"]');
      if (control) control.setAttribute("aria-invalid", "true");
    });
    if (formError) {
      const message = error ? (error.status === 401 ? "登录已过期，请重新登录" : error.message || "操作失败") : "";
      show(formError, [message].concat(unplaced).filter(Boolean).join("："));
    }
  }

  return { values: values, fill: fill, clear: clear, showErrors: showErrors, field: function (name) { return controls[name]; } };
}

/** The box that shows a field's error: the field's own, else the nearest enclosing one (hours.1.open → hours). */
function findErrorBox(form, name) {
  let key = name;
  while (key) {
    const node = form.querySelector('[data-error-for="' + key + '"]');
    if (node) return node;
    key = key.indexOf(".") >= 0 ? key.slice(0, key.lastIndexOf(".")) : "";
  }
  return null;
}

/**
 * An import form: the elements <name>-import-form, <name>-file (its file input), <name>-import-error
 * and <name>-import-report (a list). options: url (POSTed the file), missing (the message when no file
 * is chosen), done(result) once the file is taken in; for a refused file, message(error) → the message
 * (default: the error's) and problems(error) → [text], the report's lines.
 */
export function importForm(api, name, options) {
  const errorBox = $(name + "-import-error");
  const report = $(name + "-import-report");
  $(name + "-import-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const file = $(name + "-file").files[0];
    report.replaceChildren();
    show(errorBox, file ? "" : options.missing);
    if (!file) return;
    const data = new FormData();
    data.append("file", file);
    try {
      const response = await api.raw("POST", options.url, { form: data });
      await options.done(await response.json());
    } catch (error) {
      show(errorBox, options.message ? options.message(error) : error.message || "导入失败");
      report.replaceChildren.apply(report, options.problems(error).map(function (text) {
        return el("li", null, text);
      }));
    }
  });
}

/** Replace a select's options: [[value, text]]. */
export function setOptions(select, options) {
  const kept = select.value;
  select.replaceChildren.apply(select, options.map(function (option) {
    return el("option", { value: option[0] }, option[1]);
  }));
  if (options.some(function (option) { return option[0] === kept; })) select.value = kept;
}
