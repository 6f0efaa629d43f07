/* reports.js — what the report pages share: their config, calls to the API with the page's token, formats. */
(function (global) {
  "use strict";

  const cfg = JSON.parse(document.getElementById("reports-config").textContent);

  async function call(path, options) {
    const response = await fetch(cfg.api + path, Object.assign({}, options, {
      headers: Object.assign({ Authorization: "Bearer " + cfg.token, Accept: "application/json" },
        options && options.body ? { "Content-Type": "application/json" } : {}),
      cache: "no-store",
    }));
    if (!response.ok) {
      const answer = await response.json().catch(function () { return null; });
      const error = new Error(answer && answer.error ? answer.error.message : "请求失败（" + response.status + "）");
      error.body = answer;
      throw error;
    }
    return response;
  }

  function minutes(seconds) {
    return seconds === null || seconds === undefined ? "—" : (seconds / 60).toFixed(1) + " 分钟";
  }

  function percent(rate) {
    return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
  }

  function value(x) {
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

  function fill(table, rows) {
    const body = table.querySelector("tbody");
    body.innerHTML = "";
    rows.forEach(function (cells) { body.appendChild(row(cells)); });
  }

  function showError(element, error) {
    element.textContent = error ? error.message : "";
    element.hidden = !error;
  }

  global.Reports = { cfg: cfg, call: call, minutes: minutes, percent: percent, value: value, fill: fill, showError: showError };
})(window);
