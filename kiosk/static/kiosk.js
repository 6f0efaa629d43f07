/*
 * The self-service kiosk (自助取号机): take a number by queue or by item, normal or green channel,
 * then show the ticket (ticket.js: number, people ahead, wait, QR of its status page) and print it.
 * 预约签到 (checkin.js) checks a booking in; 服务评价 (rating.js) rates a delivered case (a ticket is
 * rated from its QR code); 一件事 (lifeevent.js) asks a life event's questions and takes its ticket
 * here. Every POST goes through api.js with an Idempotency-Key, re-sent with it after a network error. Waiting counts stay live through the shared realtime client.
 */
import { $, el } from "/static/js/dom.js";
import { connect } from "/static/js/realtime.js";
import { checkIn, checkinError, openCheckin, typeKey } from "./checkin.js";
import { api, cfg, state, timeFormat, toast } from "./context.js";
import {
  chooseGrade, closeRate, findRated, forgetRating, openRate, rateError, sendRating, setRateMode, typeRateKey,
} from "./rating.js";
import { printInBrowser, showTicket, stopTicketTimer, whenTimeUp } from "./ticket.js";
import { resetCare, say, setupCare } from "/static/js/care.js";

const IDLE_RESET_MS = 60000;       // back to the start screen after a minute without a touch
const SERVICES_MAX_AGE_MS = 600000;

function waitText(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 60) return "无需等候";
  return "预计约 " + Math.round(seconds / 60) + " 分钟";
}

// ---------- clock ----------

// The hall's own time (TZ_NAME), whatever the kiosk computer's zone.
const dateFormat = new Intl.DateTimeFormat("zh-CN", { timeZone: cfg.tz, month: "long", day: "numeric", weekday: "long" });
function tick() {
  const now = new Date();
  $("clock-time").textContent = timeFormat.format(now);
  $("clock-date").textContent = dateFormat.format(now);
}

// ---------- queues ----------

function renderQueues() {
  const list = $("queue-list");
  list.textContent = "";
  state.queues.forEach(function (queue) {
    const li = el("li");
    const button = el("button", "k-queue");
    button.type = "button";
    button.dataset.queue = queue.code;
    button.append(el("span", "k-prefix", queue.prefix));
    const body = el("span", "k-queue-body");
    body.append(el("span", "k-queue-name", queue.name));
    const meta = el("span", "k-queue-meta");
    const waiting = el("span", "k-queue-waiting");
    waiting.append("等候 ", el("b", "", "0"), " 人");
    meta.append(waiting, el("span", "k-queue-est", ""));
    body.append(meta);
    button.append(body);
    button.addEventListener("click", function () { take(queue.code, null, queue.name); });
    li.append(button);
    list.append(li);
  });
  $("queue-loading").hidden = state.queues.length > 0;
  const chips = $("queue-chips");
  chips.textContent = "";
  [{ code: "", name: "全部" }].concat(state.queues).forEach(function (queue) {
    const chip = el("button", "k-chip", queue.name);
    chip.type = "button";
    chip.dataset.queue = queue.code;
    chip.setAttribute("aria-pressed", String(queue.code === state.chip));
    chip.addEventListener("click", function () { state.chip = queue.code; filterItems(); });
    chips.append(chip);
  });
  updateCounts();
}

function updateCounts() {
  document.querySelectorAll(".k-queue").forEach(function (button) {
    const queue = state.queueByCode[button.dataset.queue];
    const waiting = state.waiting[button.dataset.queue] ?? (queue ? queue.waiting : 0);
    button.querySelector(".k-queue-waiting b").textContent = waiting;
    button.querySelector(".k-queue-est").textContent = queue ? waitText(queue.est_wait_s) : "";
  });
  document.querySelectorAll(".k-item").forEach(function (button) {
    const waiting = state.waiting[button.dataset.queue];
    button.querySelector(".k-item-waiting").textContent = waiting === undefined ? "" : "等候 " + waiting + " 人";
  });
}

async function loadQueues() {
  try {
    const queues = await api("GET", cfg.urls.queues);
    const fresh = queues.map(function (q) { return q.code; }).join() !== state.queues.map(function (q) { return q.code; }).join();
    state.queues = queues;
    state.queueByCode = {};
    queues.forEach(function (q) {
      state.queueByCode[q.code] = q;
      state.waiting[q.code] = q.waiting;
    });
    if (fresh) { renderQueues(); renderItems(); } else { updateCounts(); }
  } catch (err) {
    $("queue-loading").textContent = "业务列表加载失败：" + err.message + "（稍后自动重试）";
    setTimeout(loadQueues, 5000);
  }
}

let refreshTimer = null;
function scheduleQueueRefresh() {
  // The live event carries the count; the estimate comes with the next (throttled) list.
  if (refreshTimer) return;
  refreshTimer = setTimeout(function () { refreshTimer = null; loadQueues(); }, 2000);
}

// ---------- items ----------

async function loadServices() {
  try {
    state.services = await api("GET", cfg.urls.services);
    state.servicesLoadedAt = Date.now();
    renderItems();
  } catch (err) {
    setTimeout(loadServices, 10000);
  }
}

function renderItems() {
  const list = $("item-list");
  list.textContent = "";
  state.services.forEach(function (item) {
    const queue = state.queueByCode[item.queue];
    // Items the hall accepts (cfg.urls.services) but takes in at no queue of its own are not offered.
    if (state.queues.length && !queue) return;
    const li = el("li");
    const button = el("button", "k-item");
    button.type = "button";
    button.dataset.queue = item.queue;
    button.dataset.service = item.code;
    button.dataset.search = (item.name + " " + item.code + " " + (queue ? queue.name : "")).toLowerCase();
    button.append(el("span", "k-item-name", item.name));
    const meta = el("span", "k-item-meta");
    meta.append(el("span", "k-item-queue", queue ? queue.name : item.queue), el("span", "k-item-waiting", ""));
    button.append(meta);
    button.addEventListener("click", function () { take(item.queue, item.code, queue ? queue.name : item.queue, item.name); });
    li.append(button);
    list.append(li);
  });
  filterItems();
  updateCounts();
}

function filterItems() {
  const words = $("item-search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  document.querySelectorAll("#item-list li").forEach(function (li) {
    const button = li.firstChild;
    const match = (!state.chip || button.dataset.queue === state.chip) &&
      words.every(function (word) { return button.dataset.search.includes(word); });
    li.hidden = !match;
    if (match) shown += 1;
  });
  $("item-empty").hidden = shown > 0 || state.services.length === 0;
  document.querySelectorAll(".k-chip").forEach(function (chip) {
    chip.setAttribute("aria-pressed", String(chip.dataset.queue === state.chip));
  });
}

// ---------- views ----------

function showView(view) {
  state.view = view;
  ["queues", "items"].forEach(function (name) {
    $("view-" + name).hidden = name !== view;
    $("tab-" + name).setAttribute("aria-selected", String(name === view));
  });
  $("k-main").scrollTop = 0;
  if (view === "items" && Date.now() - state.servicesLoadedAt > SERVICES_MAX_AGE_MS) loadServices();
}

function setPriority(reason) {
  state.priorityReason = reason;
  $("priority-reason").textContent = reason || "";
  $("priority-banner").hidden = !reason;
  document.body.classList.toggle("is-priority", Boolean(reason));
}

function resetToStart() {
  stopTicketTimer();
  $("ticket-view").hidden = true;
  const dialog = $("priority-dialog");
  if (dialog.open) dialog.close();
  if ($("checkin-dialog").open) $("checkin-dialog").close();
  if ($("event-dialog").open) $("event-dialog").close();
  closeRate();
  setPriority(null);
  $("item-search").value = "";
  state.chip = "";
  filterItems();
  showView("queues");
  resetCare();  // the next citizen starts in the ordinary mode
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
}

// ---------- taking a ticket ----------

async function take(queueCode, serviceCode, queueName, serviceName) {
  if (state.busy) return;
  state.busy = true;
  document.body.classList.add("is-busy");
  const body = { queue: queueCode };
  if (serviceCode) body.service = serviceCode;
  if (state.priorityReason) {
    body.priority = "priority";
    body.priority_reason = state.priorityReason;
  }
  try {
    const ticket = await api("POST", cfg.urls.tickets, body);
    showTicket(ticket, serviceName);
    say("您的号码是" + ticket.number + "，前面还有" + (ticket.waiting_ahead || 0) + "人。请取走小票，留意叫号屏和语音叫号。");
  } catch (err) {
    toast("取号失败：" + err.message, "error");
  } finally {
    state.busy = false;
    document.body.classList.remove("is-busy");
  }
}

// ---------- wiring ----------

function init() {
  whenTimeUp(resetToStart);
  tick();
  setInterval(tick, 10000);

  $("tab-queues").addEventListener("click", function () { showView("queues"); });
  $("tab-items").addEventListener("click", function () { showView("items"); });
  $("item-search").addEventListener("input", filterItems);
  $("search-clear").addEventListener("click", function () {
    $("item-search").value = "";
    filterItems();
    $("item-search").focus();
  });

  const dialog = $("priority-dialog");
  $("priority-open").addEventListener("click", function () { dialog.showModal(); });
  $("priority-dialog-cancel").addEventListener("click", function () { dialog.close(); });
  $("priority-reasons").addEventListener("click", function (event) {
    const button = event.target.closest("button[data-reason]");
    if (!button) return;
    setPriority(button.dataset.reason);
    dialog.close();
  });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) dialog.close();  // a tap on the backdrop
  });
  $("priority-cancel").addEventListener("click", function () { setPriority(null); });

  $("checkin-open").addEventListener("click", openCheckin);
  $("checkin-cancel").addEventListener("click", function () { $("checkin-dialog").close(); });
  $("checkin-form").addEventListener("submit", checkIn);
  $("checkin-keys").addEventListener("click", function (event) {
    const button = event.target.closest("button[data-key]");
    if (button) typeKey(button.dataset.key);
  });
  $("checkin-code").addEventListener("input", function () { checkinError(""); });

  $("rate-open").addEventListener("click", openRate);
  $("rate-cancel").addEventListener("click", closeRate);
  $("rate-dialog").addEventListener("close", forgetRating);
  $("rate-find").addEventListener("submit", findRated);
  $("rate-keys").addEventListener("click", function (event) {
    const button = event.target.closest("button[data-key]");
    if (button) typeRateKey(button.dataset.key);
  });
  $("rate-number").addEventListener("input", function () { rateError("rate-error", ""); });
  document.querySelectorAll(".k-rate-modes button").forEach(function (button) {
    button.addEventListener("click", function () { setRateMode(button.dataset.mode); });
  });
  $("rate-grades").addEventListener("click", function (event) {
    const button = event.target.closest("button[data-grade]");
    if (button) chooseGrade(Number(button.dataset.grade));
  });
  $("rate-send").addEventListener("click", sendRating);

  $("ticket-view").addEventListener("click", function (event) {
    if (event.target.closest("#t-print")) return;
    resetToStart();
  });
  $("t-print").addEventListener("click", printInBrowser);
  // 一件事 (lifeevent.js): the ticket of the bundle's queue, taken like a ticket by item.
  document.addEventListener("kiosk:take", function (event) {
    const want = event.detail;
    take(want.queue, want.service, want.queueName, want.serviceName);
  });
  setupCare($("care-toggle"), { remember: false });

  ["pointerdown", "keydown", "input"].forEach(function (name) {
    document.addEventListener(name, function () { state.lastTouch = Date.now(); }, true);
  });
  setInterval(function () {
    const atStart = state.view === "queues" && !state.priorityReason && $("ticket-view").hidden &&
      !$("checkin-dialog").open && !$("rate-dialog").open && !$("event-dialog").open;
    if (!atStart && Date.now() - state.lastTouch > IDLE_RESET_MS && $("ticket-view").hidden) resetToStart();
  }, 5000);
  document.addEventListener("contextmenu", function (event) { event.preventDefault(); });

  loadQueues();
  loadServices();

  {
    connect({
      subscribe: { hall: cfg.hall },
      onSnapshot: function (snapshot) {
        (snapshot.queues || []).forEach(function (q) { state.waiting[q.code] = q.waiting; });
        updateCounts();
        scheduleQueueRefresh();
      },
      onQueue: function (event) {
        state.waiting[event.queue] = event.waiting;
        updateCounts();
        scheduleQueueRefresh();
      },
      onStatus: function (online) { $("live-status").hidden = online; },
    });
  }
}

init();
