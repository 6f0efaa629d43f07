/*
 * The window clerk's screen (窗口工作台).
 *
 * Everything the clerk does goes through the JSON API with the page's bearer token (api.js: every
 * POST carries an Idempotency-Key and is re-sent with it after a network error, so a lost answer
 * never calls two citizens); after each action the desk (GET /windows/{id}/desk) is read again, so
 * the screen always shows what the server holds, including every ticket the window still holds
 * (desk.held) after a reconnect. The hall's calls and waiting counts arrive live (realtime.js).
 * The case panels (受理 in intake.js, 取件 in pickup.js) open from here.
 */
import { $, createBanner, el, typing } from "/static/js/dom.js";
import { label } from "/static/js/labels.js";
import { connect } from "/static/js/realtime.js";
import { hallTime, minutesText } from "/static/js/time.js";
import { api, cfg, labels } from "./context.js";
import { open as openIntake } from "./intake.js";
import { open as openPickup } from "./pickup.js";

const RECENT_CALLS = 10;
const WINDOW_STATUS = { open: "开放中", paused: "已暂停", closed: "已关闭" };

// Keyboard shortcuts: key → action (also printed on the buttons).
const KEYS = {
  F1: "call", F2: "recall", F3: "start", F4: "finish", F6: "no_show", F7: "transfer", F8: "pause", F9: "close",
  F10: "intake", F11: "pickup", F12: "finish_call",
};

// selected: the held ticket the clerk picked when the window holds several (else the desk's current);
// named: the ticket a refused call-next said the window still holds, shown until the next action.
const desk = { data: null, busy: false, calls: [], loadedOnce: false, selected: null, named: null };

const banner = createBanner({
  box: $("w-banner"), text: $("w-banner-text"), close: $("w-banner-close"), prefix: "w-banner",
  loginUrl: cfg.login_url, status: true,
});

// ---------- formatting ----------

function hhmm(iso) { return hallTime(iso, cfg.tz); }
function clockText(seconds) {
  seconds = Math.max(0, Math.floor(seconds));
  const m = Math.floor(seconds / 60), s = seconds % 60;
  return String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
}
function ticketState(ticket) { return label(labels.ticket_states, ticket.state); }

// ---------- the tickets the window holds ----------

/** The called or serving tickets of the window: desk.held when the server sends it, else current. */
function held(data) {
  const tickets = Array.isArray(data.held) ? data.held.slice() : (data.current ? [data.current] : []);
  if (desk.named && !tickets.some(function (t) { return t.id === desk.named.id; })) tickets.push(desk.named);
  return tickets;
}

/** The ticket the buttons act on: the one picked among the held ones, else the desk's current. */
function current(data) {
  const tickets = held(data);
  const picked = tickets.find(function (t) { return t.id === desk.selected; });
  return picked || data.current || tickets[0] || null;
}

/** The held ticket a 409 names (call-next while the window still holds one), if it names one. */
function heldTicketOf(error) {
  const details = (error && error.details) || {};
  const candidates = [].concat(details.held || [], details.ticket || [], details.current || []);
  return candidates.find(function (t) { return t && typeof t === "object" && t.number; }) || null;
}

// ---------- rendering ----------

function allowed(data, cur) {
  const status = data.window.status;
  const state = cur ? cur.state : null;
  return {
    call: status === "open" && !cur,
    recall: state === "called",
    start: state === "called",
    finish: state === "serving",
    finish_call: state === "serving" && status === "open",
    no_show: state === "called",
    transfer: state === "serving" && data.transfer_queues.length > 1,
    pause: status === "open" || status === "paused",
    close: true,
    open: status === "closed",
    intake: state === "serving",   // the case is linked to the ticket being served
    pickup: true,
  };
}

function render() {
  const data = desk.data;
  if (!data) return;
  const status = data.window.status;
  $("desk").dataset.status = status;
  $("w-status-text").textContent = WINDOW_STATUS[status] || status;
  $("w-status").className = "w-status is-" + status;

  // current ticket
  const cur = current(data);
  const box = $("w-current");
  box.dataset.state = cur ? cur.state : "none";
  $("c-number").textContent = cur ? cur.number : (status === "paused" ? "暂停叫号" : "等待叫号");
  $("c-queue").textContent = cur ? (cur.queue_name || cur.queue)
    : (status === "open" ? "暂无号票，请按“叫号”" : status === "paused" ? "" : "窗口未开放");
  $("c-state").textContent = cur ? ticketState(cur) : "空闲";
  $("c-priority").hidden = !(cur && cur.priority === "priority");
  $("c-priority").textContent = cur && cur.priority === "priority" ? "绿色通道 · " + (cur.priority_reason || "优先") : "";
  $("c-issued").textContent = cur ? hhmm(cur.issued_at) : "—";
  $("c-called").textContent = cur ? hhmm(cur.called_at) : "—";
  $("c-waited").textContent = cur && cur.called_at
    ? minutesText((new Date(cur.called_at) - new Date(cur.issued_at)) / 1000) : "—";
  $("c-recalls").textContent = cur ? cur.recalls + " 次" : "—";
  tickElapsed();
  $("w-paused-note").hidden = status !== "paused";
  $("w-closed").hidden = status !== "closed";
  renderHeld(data, cur);

  // buttons
  const can = allowed(data, cur);
  document.querySelectorAll("#w-actions [data-action]").forEach(function (button) {
    button.disabled = desk.busy || !can[button.dataset.action];
  });
  $("btn-open-big").disabled = desk.busy || !can.open;
  const pauseLabel = $("btn-pause").querySelector(".w-btn-label");
  pauseLabel.textContent = status === "paused" ? "恢复" : "暂停";
  $("btn-pause").classList.toggle("w-btn-resume", status === "paused");
  $("btn-close").querySelector(".w-btn-label").textContent = status === "closed" ? "开窗" : "关窗";

  // the window's queues
  const list = $("w-queues");
  const codes = data.queues.map(function (q) { return q.code; }).join();
  if (list.dataset.codes !== codes) {
    list.textContent = "";
    data.queues.forEach(function (q) {
      const li = el("li");
      li.dataset.queue = q.code;
      const count = el("span", "w-queue-count", [el("b"), " 人"]);
      li.append(el("span", "w-queue-name", q.name), count);
      list.append(li);
    });
    list.dataset.codes = codes;
  }
  data.queues.forEach(function (q) { setWaiting(q.code, q.waiting); });

  // today's figures
  $("t-served").textContent = data.today.served;
  $("t-no-show").textContent = data.today.no_show;
  $("t-wait").textContent = minutesText(data.today.avg_wait_s);
  $("t-service").textContent = minutesText(data.today.avg_service_s);
}

/** List every ticket the window holds when there is more than the one shown (pick one to act on it). */
function renderHeld(data, cur) {
  const tickets = held(data);
  const others = tickets.filter(function (t) { return !cur || t.id !== cur.id; });
  $("w-held").hidden = others.length === 0;
  const list = $("w-held-list");
  list.textContent = "";
  if (!others.length) return;
  tickets.forEach(function (ticket) {
    const button = el("button", "w-held-ticket" + (cur && ticket.id === cur.id ? " is-current" : ""));
    button.type = "button";
    button.dataset.ticket = ticket.id;
    button.append(el("b", null, ticket.number), el("span", null, ticketState(ticket)),
      el("small", null, (ticket.queue_name || ticket.queue) + " · " + hhmm(ticket.called_at) + " 叫号"));
    button.addEventListener("click", function () { desk.selected = ticket.id; render(); });
    list.append(el("li", null, [button]));
  });
}

function setWaiting(code, waiting) {
  const li = document.querySelector('#w-queues li[data-queue="' + code + '"]');
  if (li) li.querySelector("b").textContent = waiting;
  if (desk.data) desk.data.queues.forEach(function (q) { if (q.code === code) q.waiting = waiting; });
}

function tickElapsed() {
  const cur = desk.data && current(desk.data);
  $("c-elapsed").textContent = cur && cur.called_at ? clockText((Date.now() - new Date(cur.called_at)) / 1000) : "—";
}

function renderCalls() {
  const list = $("w-calls");
  list.textContent = "";
  desk.calls.forEach(function (call) {
    const li = el("li", call.window_number === cfg.window_number ? "is-mine" : null, [
      el("span", "w-call-number", call.number),
      el("span", "w-call-window", call.window_number + "号窗口" + (call.recalls ? " · 重呼" : "")),
      el("span", "w-call-time", hhmm(call.at || call.called_at)),
    ]);
    list.append(li);
  });
  $("w-calls-empty").hidden = desk.calls.length > 0;
}

// ---------- loading and actions ----------

async function loadDesk() {
  try {
    desk.data = await api("GET", "/windows/" + cfg.window_id + "/desk");
    if (!held(desk.data).some(function (t) { return t.id === desk.selected; })) desk.selected = null;
    render();
  } catch (error) {
    banner.error(error);
  }
}

function setBusy(busy) {
  desk.busy = busy;
  $("desk").classList.toggle("is-busy", busy);
  render();
}

async function act(action) {
  if (desk.busy || !desk.data) return;
  const data = desk.data;
  const cur = current(data);
  const windowPath = "/windows/" + cfg.window_id;
  if (action === "transfer") { openTransfer(); return; }
  if (action === "intake") { if (cur) openIntake(cur); return; }
  if (action === "pickup") { openPickup(); return; }
  let request;
  if (action === "call") request = ["POST", windowPath + "/call-next"];
  else if (action === "finish_call") { await run(["POST", windowPath + "/call-next", { release: "finish" }], "call"); return; }
  else if (action === "pause") request = ["POST", windowPath + "/status", { status: data.window.status === "paused" ? "open" : "paused" }];
  else if (action === "close") request = ["POST", windowPath + "/status", { status: data.window.status === "closed" ? "open" : "closed" }];
  else if (action === "open") request = ["POST", windowPath + "/status", { status: "open" }];
  else if (cur) request = ["POST", "/tickets/" + cur.id + "/" + action];
  else return;
  await run(request, action);
}

async function run(request, action) {
  desk.named = null;
  setBusy(true);
  let stillHeld = null;
  try {
    const answer = await api(request[0], request[1], request[2]);
    if (action === "call" && answer === null) banner.info("当前没有等候的号票");
    else banner.hide();
    if (action === "call" && answer) desk.selected = answer.id;
  } catch (error) {
    stillHeld = action === "call" && error.code === "conflict" ? heldTicketOf(error) : null;
    if (stillHeld) {
      // The window still holds a called or serving ticket: say so and show that ticket.
      banner.error({ message: error.message + "：" + stillHeld.number + "（" + ticketState(stillHeld) + "）" });
      desk.selected = stillHeld.id;
      desk.named = stillHeld;
    } else {
      banner.error(error);
    }
  }
  await loadDesk();
  setBusy(false);
}

// ---------- transfer dialog ----------

function openTransfer() {
  const data = desk.data;
  const cur = current(data);
  if (!cur) return;
  const dialog = $("transfer-dialog");
  $("transfer-title").textContent = "转队列：" + cur.number + "（当前：" + (cur.queue_name || cur.queue) + "）";
  const list = $("transfer-list");
  list.textContent = "";
  data.transfer_queues.filter(function (q) { return q.code !== cur.queue; }).forEach(function (q, index) {
    const button = el("button", "w-transfer", [el("kbd", null, String(index + 1)), el("span", null, q.name)]);
    button.type = "button";
    button.dataset.queue = q.code;
    button.addEventListener("click", function () {
      dialog.close();
      run(["POST", "/tickets/" + cur.id + "/transfer", { queue: q.code }], "transfer");
    });
    list.append(button);
  });
  dialog.showModal();
}

// ---------- keyboard ----------

function onKey(event) {
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  const dialog = $("transfer-dialog");
  if (dialog.open) {
    const index = parseInt(event.key, 10);
    if (index >= 1 && index <= 9) {
      const options = dialog.querySelectorAll(".w-transfer");
      if (options[index - 1]) { event.preventDefault(); options[index - 1].click(); }
    }
    return;
  }
  if (document.querySelector("dialog.c-dialog[open]")) {
    // A case panel has the keyboard: the desk's keys wait (F1 help, F3 find … stay quiet too).
    if (/^F([1-9]|1[012])$/.test(event.key) && event.key !== "F5") event.preventDefault();
    return;
  }
  const target = event.target;
  if (typing(target)) return;
  let action = KEYS[event.key];
  if (!action && (event.key === " " || event.code === "Space")) {
    // Space calls the next ticket unless a control has the keyboard focus (then Space is that control's).
    if (target && target !== document.body && target.tagName === "BUTTON") return;
    action = "call";
  }
  if (!action) return;
  event.preventDefault();  // F1 help, F3 find, F6/F7 … stay with the screen
  if (event.repeat) return;
  if (action === "close" && desk.data && desk.data.window.status === "closed") action = "open";
  const button = action === "open" ? $("btn-open-big") : document.querySelector('#w-actions [data-action="' + action + '"]');
  if (button && !button.disabled) button.click();
}

// ---------- live ----------

function onSnapshot(snapshot) {
  desk.calls = (snapshot.calls || []).slice(0, RECENT_CALLS);
  renderCalls();
  (snapshot.queues || []).forEach(function (q) { setWaiting(q.code, q.waiting); });
  if (desk.loadedOnce) loadDesk();   // after a reconnect: catch up on what we missed, every held ticket
  desk.loadedOnce = true;
}

function onCall(event) {
  desk.calls = [event].concat(desk.calls.filter(function (call) { return call.number !== event.number; })).slice(0, RECENT_CALLS);
  event.at = new Date().toISOString();
  renderCalls();
  if (event.window_number === cfg.window_number && !desk.busy) loadDesk();  // another screen at this window
}

function onStatus(online) {
  const conn = $("w-conn");
  conn.textContent = online ? "● 实时连接" : "● 连接中断，正在重连…";
  conn.className = "w-conn " + (online ? "is-online" : "is-offline");
}

// ---------- start ----------

document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-action]");
  if (!button || button.disabled) return;
  if (event.detail > 0) button.blur();   // a mouse click leaves no focus behind, so Space stays "call"
  act(button.dataset.action);
});
document.addEventListener("keydown", onKey);
setInterval(tickElapsed, 1000);
setInterval(function () { if (!desk.busy) loadDesk(); }, 60000);

loadDesk();
connect({
  subscribe: { window: cfg.window_id },
  token: cfg.token,
  onSnapshot: onSnapshot,
  onCall: onCall,
  onQueue: function (event) { setWaiting(event.queue, event.waiting); },
  onTicket: function (notice) {
    if (notice.window_number === cfg.window_number && !desk.busy) loadDesk();  // another screen at this window
  },
  onWindow: function (notice) {
    if (notice.window.id === cfg.window_id && !desk.busy) loadDesk();
  },
  onStatus: onStatus,
  onError: function (body) { banner.error({ message: "实时订阅失败：" + body.error.message }); },
});
