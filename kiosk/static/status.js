/*
 * A ticket's live status page (/t/<id>), opened from the ticket's QR code on a phone.
 * Subscribes to the hall through live.js and re-reads the ticket when an event may concern it.
 */
import { createClient } from "/static/js/api.js";
import { $, config } from "/static/js/dom.js";
import { label, loadLabels } from "/static/js/labels.js";
import { connect } from "/static/js/realtime.js";
import { offer } from "/evaluate/static/evaluator/rate.js";

const cfg = config("status-config");
const api = createClient({ base: "" });
const labels = await loadLabels();
// The citizen reads the server's names, but a called ticket is told where to go.
const CALLED = "请前往窗口";
const NOTES = {
  waiting: "请在大厅内留意叫号屏和语音提示。",
  called: "请携带身份证件和办事材料尽快前往窗口。",
  serving: "工作人员正在为您办理。",
  done: "业务已办结，感谢您的耐心等候。",
  no_show: "叫号时您未到窗口，号码已过号，请到服务台咨询。",
  cancelled: "该号码已取消，如需办理请重新取号。",
  expired: "该号码已过期，如需办理请重新取号。",
};

function stateName(state) { return state === "called" ? CALLED : label(labels.ticket_states, state); }

let ticket = cfg.ticket;
let online = false;
let fetching = false;
let again = false;
let throttle = null;

function render(next) {
  const before = ticket && ticket.state;
  ticket = next;
  $("status").dataset.state = ticket.state;
  $("s-number").textContent = ticket.number;
  $("s-queue").textContent = ticket.queue_name || ticket.queue;
  $("s-state").textContent = stateName(ticket.state);
  $("s-note").textContent = NOTES[ticket.state] || "";
  // Only a page opened from the ticket's QR code (it carries the rating token) may rate the ticket.
  offer($("s-rate"), {
    ticket_id: ticket.id, token: cfg.rating_token, channel: "status_page",
    show: Boolean(cfg.rating_token) && ticket.state === "done",
  });
  const issued = ticket.issued_at ? new Date(ticket.issued_at) : null;
  $("s-issued").textContent = issued
    ? issued.toLocaleString("zh-CN", { timeZone: cfg.tz, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    : "";

  const waiting = ticket.state === "waiting";
  $("s-facts").hidden = !waiting;
  if (waiting) {
    $("s-ahead").textContent = ticket.waiting_ahead ?? "-";
    const est = ticket.est_wait_s ?? 0;
    const soon = est < 60;
    $("s-wait").textContent = soon ? "即将叫号" : Math.round(est / 60);
    $("s-wait").classList.toggle("is-text", soon);
    $("s-wait-unit").textContent = soon ? "请留意叫号" : "分钟";
  }

  const atWindow = (ticket.state === "called" || ticket.state === "serving") && ticket.window_number;
  $("s-call").hidden = !atWindow;
  if (atWindow) {
    $("s-call-text").textContent = ticket.state === "called"
      ? "请到" + ticket.window_number + "号窗口办理"
      : "正在" + ticket.window_number + "号窗口办理";
    $("s-call-sub").textContent = ticket.state === "called" && ticket.recalls
      ? "已第 " + (ticket.recalls + 1) + " 次叫号，请尽快前往" : "";
  }
  document.title = (ticket.state === "called" ? "【请到" + ticket.window_number + "号窗口】" : "") +
    ticket.number + " · " + stateName(ticket.state) + " · 排队进度";
  if (before && before !== "called" && ticket.state === "called" && navigator.vibrate) {
    navigator.vibrate([300, 150, 300, 150, 300]);
  }
}

async function refresh() {
  if (fetching) { again = true; return; }
  fetching = true;
  try {
    render(await api("GET", cfg.api));
  } catch (e) {
    // offline for a moment: the next event or the poll tries again
  } finally {
    fetching = false;
    if (again) { again = false; refresh(); }
  }
}

function soon() {
  if (throttle) return;
  throttle = setTimeout(function () { throttle = null; refresh(); }, 800);
}

function setOnline(value) {
  online = value;
  $("s-live").textContent = value ? "● 实时更新中" : "网络连接中断，正在重连…";
  $("s-live").classList.toggle("is-offline", !value);
}

render(ticket);
$("s-live").textContent = "正在连接…";

connect({
  subscribe: { hall: cfg.hall },
  onSnapshot: function () { refresh(); },
  onCall: function (event) {
    if (event.number === ticket.number) refresh(); else if (ticket.state === "waiting") soon();
  },
  onQueue: function (event) {
    if (event.queue === ticket.queue || ticket.state !== "waiting") soon();
  },
  onTicket: function (notice) { if (notice.id === ticket.id) refresh(); },
  onStatus: setOnline,
});
// A safety net while the connection is down (and for phones that slept).
// ticket_updated notices may be missed while reconnecting: while at a window, look again now and then.
setInterval(function () {
  if (!online || ticket.state === "called" || ticket.state === "serving") refresh();
}, 20000);
document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
