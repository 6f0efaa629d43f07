/*
 * The supervisor screen's city of halls (三级联动): a switcher with the tree of the halls this user may
 * watch (their own and every hall below it; page config `halls`), and the 汇总 view of the watched hall
 * with every hall below it: today's waits, windows, lights, alerts and bad ratings per hall (each hall's
 * GET /halls/{hall}/monitor) and summed, and the month's figures from GET /halls/{hall}/stats?include=children.
 */
import { createClient } from "/static/js/api.js";
import { $, config, el } from "/static/js/dom.js";
import { branch, hallTree } from "/static/js/halltree.js";

const cfg = config("sv-config");
const api = createClient({ token: cfg.token });
const halls = cfg.halls || [];
const names = Object.fromEntries(halls.map(function (h) { return [h.code, h.name]; }));
const below = branch(halls, cfg.hall);
const REFRESH_MS = 30000;
let timer = null;

function hallLink(code) {
  const url = new URL(window.location.href);
  url.searchParams.set("hall_code", code);
  return url.pathname + url.search;
}

function minutes(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  return Math.round(seconds / 60) + "分";
}

function percent(rate) {
  return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%";
}

// ---------- the switcher ----------

function drawSwitcher() {
  const panel = $("sv-halls-panel");
  panel.replaceChildren(hallTree(halls, function (hall) {
    const link = el("a", { href: hallLink(hall.code), className: "sv-hall-link" }, hall.name);
    if (hall.code === cfg.hall) link.setAttribute("aria-current", "page");
    return link;
  }, { label: "服务大厅层级" }));
  const toggle = $("sv-halls-toggle");
  toggle.addEventListener("click", function () {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      const current = panel.querySelector("[aria-current]") || panel.querySelector("a");
      if (current) current.focus();
    }
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { panel.hidden = true; toggle.setAttribute("aria-expanded", "false"); toggle.focus(); }
  });
}

// ---------- the 汇总 view ----------

function cells(values) {
  return values.map(function (value, index) {
    return index === 0 ? value : el("td", "num", String(value));
  });
}

async function loadRollup() {
  const snapshots = await Promise.all(below.map(function (code) {
    return api("GET", "/halls/" + encodeURIComponent(code) + "/monitor");
  }));
  const total = { issued: 0, waiting: 0, served: 0, waits: 0, waited: 0, open: 0, windows: 0, yellow: 0, red: 0,
    alerts: 0, bad: 0 };
  const rows = snapshots.map(function (s, index) {
    const code = below[index];
    const open = s.windows.filter(function (w) { return w.status === "open"; }).length;
    total.issued += s.today.issued;
    total.waiting += s.today.waiting;
    total.served += s.today.served;
    if (s.today.avg_wait_s !== null) { total.waits += s.today.avg_wait_s * s.today.issued; total.waited += s.today.issued; }
    total.open += open;
    total.windows += s.windows.length;
    total.yellow += s.cases.yellow;
    total.red += s.cases.red;
    total.alerts += s.alerts.length;
    total.bad += s.bad_ratings.length;
    const name = el("th", { scope: "row" }, [el("a", { href: hallLink(code) }, names[code] || s.hall.name)]);
    const tr = el("tr", null, cells([name, s.today.issued, s.today.waiting, s.today.served,
      minutes(s.today.avg_wait_s), open + " / " + s.windows.length, s.cases.yellow, s.cases.red, s.alerts.length,
      s.bad_ratings.length]));
    tr.dataset.hall = code;
    if (s.cases.red) tr.classList.add("is-red");
    return tr;
  });
  $("sv-rollup-rows").replaceChildren.apply($("sv-rollup-rows"), rows);
  const sum = el("tr", "sv-rollup-sum", cells([el("th", { scope: "row" }, "合计（" + below.length + " 个大厅）"),
    total.issued, total.waiting, total.served, minutes(total.waited ? total.waits / total.waited : null),
    total.open + " / " + total.windows, total.yellow, total.red, total.alerts, total.bad]));
  $("sv-rollup-total").replaceChildren(sum);

  const from = cfg.today.slice(0, 8) + "01";
  const month = await api("GET", "/halls/" + encodeURIComponent(cfg.hall) + "/stats?include=children&from="
    + from + "&to=" + cfg.today);
  $("sv-rollup-month").textContent = "本月（" + month.from + " 至 " + month.to + "）辖区合计：取号 " + month.tickets.issued
    + "，办结号 " + month.tickets.served + "，办件 " + month.cases.created + " 件，按时办结率 "
    + percent(month.cases.on_time_rate) + "，评价 " + month.ratings.count + " 条"
    + (month.ratings.average !== null ? "、平均 " + month.ratings.average + " 分" : "") + "，差评 " + month.ratings.bad + " 条";
}

function showRollup(on) {
  const toggle = $("sv-rollup-toggle");
  toggle.setAttribute("aria-pressed", String(on));
  toggle.textContent = on ? "返回本大厅" : "汇总（含下级大厅）";
  $("sv-rollup").hidden = !on;
  clearInterval(timer);
  timer = null;
  if (!on) return;
  const run = function () {
    loadRollup().catch(function (error) {
      $("sv-rollup-month").textContent = "读取汇总数据失败：" + (error.message || error);
    });
  };
  run();
  timer = setInterval(run, REFRESH_MS);
}

if (halls.length > 1) {
  $("sv-city").hidden = false;
  drawSwitcher();
}
if (below.length > 1) {
  const toggle = $("sv-rollup-toggle");
  toggle.hidden = false;
  $("sv-rollup-report").href = "/reports/monthly?hall_code=" + encodeURIComponent(cfg.hall) + "&include=children";
  toggle.addEventListener("click", function () { showRollup(toggle.getAttribute("aria-pressed") !== "true"); });
  if (new URL(window.location.href).searchParams.get("view") === "rollup") showRollup(true);
}
