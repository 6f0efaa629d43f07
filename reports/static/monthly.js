/* The monthly 五办 report: the hall's figures for a month, by mode, department and queue; print and export. */
import * as R from "./reports.js";
import { $, monthPicker, showError } from "/static/js/dom.js";

const MODES = ["immediate", "online", "once", "agent", "citywide"];

function period() {
  const [year, month] = $("m-month").value.split("-").map(Number);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const pad = function (n) { return String(n).padStart(2, "0"); };
  return { from: year + "-" + pad(month) + "-01", to: year + "-" + pad(month) + "-" + pad(last), year: year, month: month };
}

function included() { return $("m-include").checked; }

function query(extra) {
  const p = period();
  return "/halls/" + R.cfg.hall + "/stats?from=" + p.from + "&to=" + p.to
    + (included() ? "&include=children" : "") + (extra || "");
}

async function load() {
  const p = period();
  $("m-report").setAttribute("aria-busy", "true");
  showError($("m-error"), null);
  try {
    const [departments, queues, halls] = await Promise.all([
      R.call(query("&group_by=department")).then(function (r) { return r.json(); }),
      R.call(query("&group_by=queue")).then(function (r) { return r.json(); }),
      included() ? R.call(query("&group_by=hall")).then(function (r) { return r.json(); }) : null,
    ]);
    $("m-scope").hidden = !included();
    $("m-halls-box").hidden = !halls;
    if (halls) {
      R.fill($("m-halls"), halls.groups.map(function (h) {
        return [h.name, h.tickets.issued, h.tickets.served, R.minutes(h.tickets.avg_wait_s), h.cases.created,
          h.cases.decided, R.percent(h.cases.on_time_rate), h.ratings.count, R.value(h.ratings.average), h.ratings.bad];
      }));
    }
    const f = departments;
    $("m-title").textContent = f.hall_name;
    $("m-period").textContent = p.year + "年" + p.month + "月（" + f.from + " 至 " + f.to + "）";
    $("m-generated").textContent = new Date().toLocaleString("zh-CN", { timeZone: R.cfg.tz, hourCycle: "h23" });
    R.fill($("m-tickets"), [[f.tickets.issued, f.tickets.served, f.tickets.no_show,
      R.minutes(f.tickets.avg_wait_s), R.minutes(f.tickets.avg_service_s)]]);
    R.fill($("m-modes"), [MODES.map(function (m) { return f.cases.by_mode[m]; })
      .concat([f.cases.created, f.cases.decided, R.percent(f.cases.on_time_rate)])]);
    const g = f.ratings.by_grade;
    R.fill($("m-ratings"), [[f.ratings.count, R.value(f.ratings.average), g["5"], g["4"], g["3"], g["2"], g["1"],
      f.ratings.count ? R.percent(f.ratings.bad / f.ratings.count) : "—"]]);
    R.fill($("m-departments"), f.groups.map(function (d) {
      return [d.name, d.cases.created].concat(MODES.map(function (m) { return d.cases.by_mode[m]; }))
        .concat([d.cases.decided, R.percent(d.cases.on_time_rate), d.ratings.count, R.value(d.ratings.average), d.ratings.bad]);
    }));
    R.fill($("m-queues"), queues.groups.map(function (q) {
      return [q.name, q.tickets.issued, q.tickets.served, q.tickets.no_show, R.minutes(q.tickets.avg_wait_s),
        R.minutes(q.tickets.avg_service_s), q.ratings.count, R.value(q.ratings.average)];
    }));
  } catch (error) {
    showError($("m-error"), error);
  }
  $("m-report").setAttribute("aria-busy", "false");
}

async function download(format) {
  try {
    const response = await R.call(query((included() ? "&group_by=hall" : "&group_by=department") + "&format=" + format));
    const blob = await response.blob();
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(disposition);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = match ? match[1] : "wuban-stats." + format;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  } catch (error) {
    showError($("m-error"), error);
  }
}

monthPicker($("m-month"), { year: $("m-year"), month: $("m-mon") });
$("m-month").addEventListener("change", load);
$("m-include").addEventListener("change", function () {
  const url = new URL(window.location.href);
  if (included()) url.searchParams.set("include", "children"); else url.searchParams.delete("include");
  history.replaceState(null, "", url.pathname + url.search);
  load();
});
$("m-print").addEventListener("click", function () { window.print(); });
$("m-csv").addEventListener("click", function () { download("csv"); });
$("m-xlsx").addEventListener("click", function () { download("xlsx"); });
load();
