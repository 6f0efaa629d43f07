/*
 * The supervisor screen (监督中心).
 *
 * One snapshot, GET /api/v1/halls/{hall}/monitor, feeds every panel and chart. The screen subscribes
 * to the hall over Socket.IO and reads the snapshot again when an event says something changed
 * (calls, queues, tickets, windows, cases, alerts, ratings), at most once per REFRESH_GAP_MS, and once a
 * minute anyway. A case_alert is shown at once: prepended to the alert list with a flash, and in a notice
 * at the top, before the snapshot catches up; so is a bad rating (rating_added), in the notice.
 */
import { createClient } from "/static/js/api.js";
import { $, config, el, showError } from "/static/js/dom.js";
import { label, loadLabels } from "/static/js/labels.js";
import { connect } from "/static/js/realtime.js";
import { remainingText } from "/static/js/time.js";

const cfg = config("sv-config");
const api = createClient({ token: cfg.token });
const labels = await loadLabels();
const REFRESH_GAP_MS = 1500;      // a burst of events reads the snapshot once
const REFRESH_EVERY_MS = 60000;   // the figures of the hour move without events
const NEW_ALERT_MS = 15000;       // how long a live alert stays highlighted
const TOAST_MS = 12000;
const LONG_WAIT_S = 30 * 60;      // a queue whose longest wait passes this is marked

const LIGHT_NAMES = { yellow: "黄灯", red: "红灯", green: "绿灯" };
const WINDOW_STATUS = { open: "开放", paused: "暂停", closed: "关闭" };
const COLORS = {
  blue: "#1f5f99", green: "#2e7d32", amber: "#d38b00", red: "#c62828", grey: "#9aa5b1",
  modes: ["#1f5f99", "#2e7d32", "#d38b00", "#7b1fa2", "#00838f"],
};

const state = {
  snapshot: null, fetchedAt: 0, loading: false, again: false, lastLoad: 0, timer: null,
  alerts: [], fresh: {}, charts: {},
};

// ---------- reading the snapshot, throttled ----------

function refreshSoon() {
  if (state.loading) { state.again = true; return; }
  if (state.timer) return;
  const wait = Math.max(0, state.lastLoad + REFRESH_GAP_MS - Date.now());
  state.timer = setTimeout(function () { state.timer = null; load(); }, wait);
}

async function load() {
  state.loading = true;
  state.lastLoad = Date.now();
  try {
    const snapshot = await api("GET", "/halls/" + encodeURIComponent(cfg.hall) + "/monitor");
    state.snapshot = snapshot;
    state.fetchedAt = Date.now();
    render(snapshot);
  } catch (error) {
    toastError(error);
  } finally {
    state.loading = false;
    if (state.again) { state.again = false; refreshSoon(); }
  }
}

// ---------- formatting ----------

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  seconds = Math.max(0, Math.round(seconds));
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  if (h) return h + "小时" + (m ? m + "分" : "");
  if (m) return m + "分" + (s ? s + "秒" : "");
  return s + "秒";
}

function partsOf(iso) {
  const parts = {};
  new Intl.DateTimeFormat("en-GB", {
    timeZone: cfg.tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
  return parts;
}

function timeOf(iso) {
  if (!iso) return "—";
  const p = partsOf(iso), today = partsOf(new Date().toISOString());
  const hm = p.hour + ":" + p.minute;
  return p.year === today.year && p.month === today.month && p.day === today.day ? hm : p.month + "-" + p.day + " " + hm;
}


function dot(light) {
  const node = el("span", "sv-dot is-" + light);
  node.setAttribute("role", "img");
  node.setAttribute("aria-label", LIGHT_NAMES[light] || light);
  return node;
}

function row(cells, attrs) {
  const tr = document.createElement("tr");
  Object.keys(attrs || {}).forEach(function (key) { tr.setAttribute(key, attrs[key]); });
  cells.forEach(function (cell) {
    const td = el("td", cell.className || "");
    if (cell.node) td.append(cell.node); else td.textContent = cell.text;
    if (cell.title) td.title = cell.title;
    tr.append(td);
  });
  return tr;
}

// ---------- panels ----------

function render(s) {
  $("sv-hall-name").textContent = s.hall.name;
  $("sv-updated").textContent = "数据时间 " + timeOf(s.at);
  renderKpis(s);
  renderQueues(s.queues);
  renderWindows(s.windows);
  renderCases(s.cases);
  state.called = s.called_too_long || [];  // tickets left "called" too long: replaced each snapshot
  mergeAlerts(s.alerts);
  renderBad(s.bad_ratings);
  renderCharts(s);
}

function renderKpis(s) {
  $("k-issued").textContent = s.today.issued;
  $("k-waiting").textContent = s.today.waiting;
  $("k-served").textContent = s.today.served;
  $("k-no-show").textContent = s.today.no_show;
  $("k-avg-wait").textContent = duration(s.today.avg_wait_s);
  $("k-avg-service").textContent = duration(s.today.avg_service_s);
  $("k-yellow").textContent = s.cases.yellow;
  $("k-red").textContent = s.cases.red;
  $("k-bad").textContent = s.bad_ratings.length;
}

function renderQueues(queues) {
  const body = $("sv-queues");
  body.replaceChildren.apply(body, queues.map(function (q) {
    const tr = row([
      { text: q.prefix + " " + q.name },
      { text: q.waiting, className: "num" },
      { text: q.waiting ? duration(q.longest_wait_s) : "—", className: "num sv-longest" },
      { text: duration(q.avg_wait_s), className: "num" },
      { text: q.served, className: "num" },
    ], { "data-queue": q.code });
    tr.classList.toggle("is-long", q.waiting > 0 && q.longest_wait_s >= LONG_WAIT_S);
    return tr;
  }));
  tickLongestWaits();
}

// The longest wait grows by itself between snapshots: count it up locally.
function tickLongestWaits() {
  if (!state.snapshot) return;
  const elapsed = (Date.now() - state.fetchedAt) / 1000;
  state.snapshot.queues.forEach(function (q) {
    const tr = document.querySelector('#sv-queues tr[data-queue="' + q.code + '"]');
    if (!tr || !q.waiting) return;
    const seconds = q.longest_wait_s + elapsed;
    tr.querySelector(".sv-longest").textContent = duration(seconds);
    tr.classList.toggle("is-long", seconds >= LONG_WAIT_S);
  });
}

function renderWindows(windows) {
  const body = $("sv-windows");
  const open = windows.filter(function (w) { return w.status === "open"; }).length;
  $("sv-windows-open").textContent = "开放 " + open + " / " + windows.length;
  body.replaceChildren.apply(body, windows.map(function (w) {
    const status = el("span", "sv-status is-" + w.status, WINDOW_STATUS[w.status] || w.status);
    const ticket = w.ticket
      ? el("span", "sv-ticket is-" + w.ticket.state, w.ticket.number + " " + label(labels.ticket_states, w.ticket.state))
      : el("span", "sv-muted", "—");
    return row([
      { text: w.number, className: "num", title: w.name },
      { node: status },
      { text: w.clerk || "—" },
      { node: ticket },
    ], { "data-window": w.number });
  }));
}

function renderCases(cases) {
  $("sv-running").textContent = "在办 " + cases.running + " 件";
  const body = $("sv-cases");
  body.replaceChildren.apply(body, cases.items.map(function (c) {
    const what = el("div", "sv-case");
    what.append(el("span", "sv-case-no", c.case_no), el("span", "sv-case-service", c.service_name));
    if (c.clock_paused) what.append(el("span", "sv-tag", "暂停计时"));
    return row([
      { node: dot(c.light), className: "light" },
      { node: what },
      { text: c.department_name, title: c.department_name, className: "dept" },
      { text: c.assignee ? c.assignee.name : "未认领", className: "who" + (c.assignee ? "" : " sv-muted") },
      { text: remainingText(c.remaining_workdays), className: "num is-" + c.light, title: "办结期限 " + c.deadline },
    ], { "data-case-no": c.case_no, "data-light": c.light });
  }));
  $("sv-cases-empty").hidden = cases.items.length > 0;
}

function renderBad(ratings) {
  const list = $("sv-bad");
  list.replaceChildren.apply(list, ratings.map(function (r) {
    const li = el("li", "sv-bad-item");
    li.dataset.rating = r.id;
    const head = el("div", "sv-bad-head");
    head.append(el("span", "sv-grade", "★".repeat(r.grade) + "☆".repeat(5 - r.grade)));
    const what = r.ticket_number ? r.ticket_number + "号" + (r.window_number ? " · " + r.window_number + "号窗口" : "")
      : (r.case_no || "");
    head.append(el("span", "sv-bad-what", what + (r.clerk ? " · " + r.clerk : "")));
    head.append(el("span", "sv-bad-state", r.rectification.state_name + " · 期限 " + r.rectification.deadline));
    li.append(head);
    if (r.comment) li.append(el("p", "sv-bad-comment", "“" + r.comment + "”"));
    return li;
  }));
  $("sv-bad-empty").hidden = ratings.length > 0;
}

// ---------- alerts ----------

function mergeAlerts(alerts) {
  const known = {};
  state.alerts.forEach(function (a) { known[a.id] = a; });
  alerts.forEach(function (a) { known[a.id] = a; });
  state.alerts = Object.keys(known).map(function (id) { return known[id]; })
    .sort(function (a, b) { return b.id - a.id; }).slice(0, 50);
  renderAlerts();
}

function renderAlerts() {
  const list = $("sv-alerts");
  const now = Date.now();
  list.replaceChildren.apply(list, (state.called || []).map(calledItem).concat(state.alerts.map(function (a) {
    const li = el("li", "sv-alert is-" + a.light);
    li.dataset.alertId = a.id;
    li.dataset.caseNo = a.case_no;
    li.dataset.light = a.light;
    if (state.fresh[a.id] && now - state.fresh[a.id] < NEW_ALERT_MS) li.classList.add("is-new");
    const head = el("div", "sv-alert-head");
    head.append(dot(a.light), el("strong", "sv-alert-light", LIGHT_NAMES[a.light] + "预警"),
                el("span", "sv-alert-no", a.case_no), el("time", "sv-alert-at", timeOf(a.at)));
    const body = el("div", "sv-alert-body");
    body.append(el("span", "sv-alert-service", a.service_name),
                el("span", "sv-alert-remaining", remainingText(a.remaining_workdays)));
    const who = el("div", "sv-alert-who", a.department_name + " · " + (a.assignee ? "承办人 " + a.assignee.name : "未认领"));
    li.append(head, body, who);
    return li;
  })));
  $("sv-alerts-empty").hidden = state.alerts.length + (state.called || []).length > 0;
}

function calledItem(t) {
  const li = el("li", "sv-alert is-" + t.light);
  li.dataset.ticket = t.number;
  const head = el("div", "sv-alert-head");
  head.append(dot(t.light), el("strong", "sv-alert-light", "叫号未办理"),
              el("span", "sv-alert-no", t.number + (t.window_number ? " · " + t.window_number + "号窗口" : "")),
              el("time", "sv-alert-at", timeOf(t.called_at)));
  const body = el("div", "sv-alert-body");
  body.append(el("span", "sv-alert-service", t.queue_name),
              el("span", "sv-alert-remaining", "已叫号 " + t.minutes + " 分钟" + (t.recalls ? "，重呼 " + t.recalls + " 次" : "")));
  li.append(head, body, el("div", "sv-alert-who", t.clerk ? "窗口人员 " + t.clerk.name : "窗口无人登录"));
  return li;
}

function onAlert(alert) {
  if (!alert || alert.hall !== cfg.hall) return;
  const isNew = !state.alerts.some(function (a) { return a.id === alert.id; });
  state.fresh[alert.id] = Date.now();
  mergeAlerts([alert]);
  if (isNew) {
    toast(alert);
    setTimeout(renderAlerts, NEW_ALERT_MS + 50);  // drop the highlight
  }
  refreshSoon();
}

let toastTimer = null;
function toast(alert) {
  const box = $("sv-toast");
  box.className = "sv-toast is-" + alert.light;
  $("sv-toast-light").textContent = LIGHT_NAMES[alert.light] + "预警";
  $("sv-toast-text").textContent = alert.case_no + " " + alert.service_name + "，" +
    remainingText(alert.remaining_workdays) + " · " + alert.department_name +
    (alert.assignee ? " · 承办人 " + alert.assignee.name : " · 未认领");
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function () { box.hidden = true; }, TOAST_MS);
}

function onRating(rating) {
  if (!rating || rating.hall !== cfg.hall) return;
  if (rating.bad) {
    const box = $("sv-toast");
    box.className = "sv-toast is-red";
    $("sv-toast-light").textContent = "差评";
    $("sv-toast-text").textContent = rating.grade_name + "（" + rating.grade + "分）" +
      (rating.case_no ? " · 办件 " + rating.case_no : "") + (rating.comment ? " · " + rating.comment : "") +
      (rating.rectification ? " · 已生成整改事项" : "");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, TOAST_MS);
  }
  refreshSoon();
}

function toastError(error) {
  const box = $("sv-toast");
  box.className = "sv-toast is-error";
  $("sv-toast-light").textContent = "提示";
  showError($("sv-toast-text"), error, { loginUrl: cfg.login_url });
  box.hidden = false;
  clearTimeout(toastTimer);
}

// ---------- charts (Chart.js from /vendor) ----------

function chart(id, config) {
  if (!window.Chart) return null;
  if (!state.charts[id]) {
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    state.charts[id] = new window.Chart($(id), config);
  }
  return state.charts[id];
}

function minutes(seconds) { return seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10; }

function setData(c, labels, series, summary) {
  if (!c) return;
  c.data.labels = labels;
  series.forEach(function (values, index) { c.data.datasets[index].data = values; });
  c.update("none");
  if (summary) c.canvas.setAttribute("aria-label", summary);
}

function renderCharts(s) {
  const hours = s.charts.tickets_per_hour;
  setData(chart("c-hours", {
    data: {
      labels: [],
      datasets: [
        { type: "bar", label: "取号", data: [], backgroundColor: COLORS.blue, yAxisID: "y" },
        { type: "bar", label: "办结", data: [], backgroundColor: COLORS.green, yAxisID: "y" },
        { type: "line", label: "在岗窗口", data: [], borderColor: COLORS.amber, backgroundColor: COLORS.amber,
          yAxisID: "y1", stepped: "middle", pointRadius: 2 },
      ],
    },
    options: {
      scales: {
        y: { beginAtZero: true, title: { display: true, text: "号数" }, ticks: { precision: 0 } },
        y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "窗口" }, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: "bottom" } },
    },
  }), hours.map(function (h) { return h.hour.slice(0, 2) + "时"; }),
  [hours.map(function (h) { return h.issued; }), hours.map(function (h) { return h.served; }),
   hours.map(function (h) { return h.windows; })],
  "今日取号 " + s.today.issued + "，办结 " + s.today.served);

  setData(chart("c-waits", {
    type: "bar",
    data: { labels: [], datasets: [
      { label: "今日平均等候", data: [], backgroundColor: COLORS.blue },
      { label: "当前最长已等", data: [], backgroundColor: COLORS.amber },
    ] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, title: { display: true, text: "分钟" } },
                                         y: { ticks: { autoSkip: false } } },
               plugins: { legend: { position: "bottom" } } },
  }), s.queues.map(function (q) { return q.name; }),
  [s.queues.map(function (q) { return minutes(q.avg_wait_s); }),
   s.queues.map(function (q) { return q.waiting ? minutes(q.longest_wait_s) : 0; })]);

  const modes = s.charts.cases_by_mode.modes;
  setData(chart("c-modes", {
    type: "doughnut",
    data: { labels: [], datasets: [{ data: [], backgroundColor: COLORS.modes }] },
    options: { plugins: { legend: { position: "right" } } },
  }), modes.map(function (m) { return m.name; }), [modes.map(function (m) { return m.count; })],
  modes.map(function (m) { return m.name + " " + m.count; }).join("，"));

  const onTime = s.charts.on_time;
  $("sv-ontime-rate").textContent = onTime.rate === null ? "—" : (onTime.rate * 100).toFixed(1) + "%";
  $("sv-ontime-rate").title = "近" + onTime.days + "天办结 " + onTime.decided + " 件，按时 " + onTime.on_time + " 件";
  setData(chart("c-ontime", {
    type: "bar",
    data: { labels: [], datasets: [{ label: "按时办结率 %", data: [], backgroundColor: COLORS.green }] },
    options: { scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } },
               plugins: { legend: { display: false } } },
  }), onTime.weeks.map(function (w) { return w.from.slice(5) + "起"; }),
  [onTime.weeks.map(function (w) { return w.rate === null ? null : Math.round(w.rate * 1000) / 10; })],
  "按时办结率 " + $("sv-ontime-rate").textContent);

  const days = s.charts.ratings_by_day;
  setData(chart("c-ratings", {
    data: { labels: [], datasets: [
      { type: "bar", label: "评价数", data: [], backgroundColor: COLORS.blue, yAxisID: "y" },
      { type: "bar", label: "差评", data: [], backgroundColor: COLORS.red, yAxisID: "y" },
      { type: "line", label: "平均分", data: [], borderColor: COLORS.amber, backgroundColor: COLORS.amber,
        yAxisID: "y1", spanGaps: true, pointRadius: 2 },
    ] },
    options: {
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 } },
        y1: { min: 1, max: 5, position: "right", grid: { drawOnChartArea: false } },
      },
      plugins: { legend: { position: "bottom" } },
    },
  }), days.map(function (d) { return d.date.slice(5); }),
  [days.map(function (d) { return d.count; }), days.map(function (d) { return d.bad; }),
   days.map(function (d) { return d.average; })]);
}

// ---------- live ----------

function onStatus(online) {
  const node = $("sv-conn");
  node.textContent = online ? "● 实时连接" : "○ 连接中断，正在重连…";
  node.className = "sv-conn " + (online ? "is-online" : "is-offline");
}

$("sv-refresh").addEventListener("click", load);
$("sv-toast-close").addEventListener("click", function () { $("sv-toast").hidden = true; });
if (window.Chart) {
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.color = "#52606d";
}

load();
setInterval(load, REFRESH_EVERY_MS);
setInterval(tickLongestWaits, 5000);

const live = connect({
  subscribe: { hall: cfg.hall },
  token: cfg.token,
  onSnapshot: function (snapshot, again) { if (again) refreshSoon(); },
  onCall: refreshSoon,
  onQueue: refreshSoon,
  onTicket: refreshSoon,
  onWindow: refreshSoon,
  onStatus: onStatus,
  onError: function (body) { toastError({ message: "实时订阅失败：" + body.error.message }); },
});
if (live) {
  live.socket.on("case_updated", refreshSoon);
  live.socket.on("case_alert", onAlert);
  live.socket.on("rating_added", onRating);
} else {
  onStatus(false);
}
