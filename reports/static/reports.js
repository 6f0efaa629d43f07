/* reports.js — what the report pages share: their config, calls to the API with the page's token, formats. */
import { createClient } from "/static/js/api.js";
import { config } from "/static/js/dom.js";

export const cfg = config("reports-config");
const client = createClient({ base: cfg.api, token: cfg.token });

/** Call the API (options: method, json); answer the Response, throw the API's error (ApiError). */
export function call(path, options) {
  options = options || {};
  return client.raw(options.method || "GET", path, options.json !== undefined ? { body: options.json } : {});
}

export function minutes(seconds) {
  return seconds === null || seconds === undefined ? "—" : (seconds / 60).toFixed(1) + " 分钟";
}

export function percent(rate) {
  return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
}

export function value(x) {
  return x === null || x === undefined ? "—" : String(x);
}

function row(cells) {
  const tr = document.createElement("tr");
  cells.forEach(function (cell) {
    const td = document.createElement("td");
    td.textContent = cell;
    tr.appendChild(td);
  });
  return tr;
}

export function fill(table, rows) {
  const body = table.querySelector("tbody");
  body.replaceChildren();
  rows.forEach(function (cells) { body.appendChild(row(cells)); });
}
