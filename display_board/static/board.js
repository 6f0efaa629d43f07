/*
 * board.js — the hall's display board (叫号大屏).
 *
 * Realtime comes from the shared live.js (through realtime.js): the snapshot on (re)connect and after a
 * gap, then ticket_called / queue_updated events in seq order. This file only draws them and
 * announces each call, one after the other, through speechSynthesis (zh-CN), with a two-tone chime
 * and a flash of the called number (the chime and flash stand in where no voice is available; the
 * voice and the consent to sound are in speech.js).
 *
 * The big 正在呼叫 panel holds the newest call while it is in effect: it is cleared when that ticket is
 * finished, cancelled, marked no-show or sent back to a queue (the ticket_updated notices; after a
 * snapshot, the ticket's state asked once by its number), and after the hold time. The hold time, in
 * seconds (0 = no limit): the board's ?hold= parameter, else the snapshot's call_hold_s when the
 * server gives one, else the page's data-call-hold-s (the app's BOARD_CALL_HOLD_S, default 120).
 *
 * For tests and diagnostics: window.wubanBoard = {
 *   announcements: [text…]   every announcement, in the order it was queued,
 *   spoken: [text…]          announcements finished, in order,
 *   log: [{text, number, queuedAt, start, end, mode, attempts}]   one entry per announcement,
 *   lastSeq                  live.lastSeq(),
 *   online, voiceEnabled, voiceConsent, voiceBlocked, voiceResumed, calls, queues,
 *   current (the call in the big panel, or null), holdSeconds, cleared: [{number, reason}]
 * } and <body data-online="true|false">.
 */
import { createClient } from "/static/js/api.js";
import { $, el } from "/static/js/dom.js";
import { connect } from "/static/js/realtime.js";
import { createReadyPanel } from "./ready.js";
import { createVoice } from "./speech.js";

const RECENT_ROWS = 8;            // previous calls listed beside/below the newest one
const KEEP_CALLS = RECENT_ROWS + 1;
// Announcement timing; a page may set window.WUBAN_BOARD_TIMING before this script to tune it.
const timing = Object.assign({
  repeat: 2,                    // each announcement is read twice
  repeatPauseMs: 700,           // between the two readings
  gapMs: 400,                   // between two announcements
  silentHoldMs: 1600,           // no voice: the chime and the flash hold this long
  chimeMs: 900,
  speakTimeoutMs: 4000,         // onend may never fire: give up after this
  speakTimeoutPerCharMs: 450,   // … plus this per character of the text
}, window.WUBAN_BOARD_TIMING || {});
const FLASH_MS = 4000;
const DEDUPE_TTL_MS = 5 * 60 * 1000;
const OFFLINE_GRACE_MS = 2000;    // on first load, before the banner shows
const BACKLOG = 3;                // this many waiting: read each once, not twice
const KEEP_LOG = 1000;            // a board runs for weeks: keep the last entries only

const root = document.getElementById("board");
const body = document.body;
const hall = root.dataset.hall;
const timeZone = root.dataset.tz || undefined;

const state = { calls: [], queues: [], queueNames: {} };
document.querySelectorAll("#queue-list .queue").forEach(function (item) {
  state.queueNames[item.dataset.queue] = item.querySelector(".queue-name").textContent;
});

let live = null;
const api = createClient();
const params = new URLSearchParams(window.location.search);
const IN_EFFECT = ["called", "serving"];   // ticket states for which its call stays in the big panel
const board = {
  announcements: [],
  spoken: [],
  log: [],
  online: false,
  voiceEnabled: false,
  timing: timing,
  get lastSeq() { return live ? live.lastSeq() : null; },
  get calls() { return state.calls.slice(); },
  get current() { return current ? current.call : null; },
  holdSeconds: holdSeconds(null),
  cleared: [],
  get queues() { return state.queues.slice(); },
};
window.wubanBoard = board;
board.hall = hall;
const ready = createReadyPanel(board);   // 办结公示: results waiting at the pickup window

/* ---------- connection state ---------- */

let everOnline = false;
let graceOver = false;
function setOnline(online) {
  board.online = online;
  body.dataset.online = online ? "true" : "false";
  if (online) everOnline = true;
  $("offline-banner").hidden = online || !everOnline && !graceOver;
}
setOnline(false);
setTimeout(function () { graceOver = true; setOnline(board.online); }, OFFLINE_GRACE_MS);

/* ---------- clock ---------- */

const WEEKDAYS = ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"];
function hallParts(date) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", weekday: "short",
    }).formatToParts(date);
  } catch (e) {
    parts = null;  // unknown time zone: the screen's own clock
  }
  if (!parts) {
    return { y: date.getFullYear(), m: date.getMonth() + 1, d: date.getDate(), wd: date.getDay(),
      time: [date.getHours(), date.getMinutes(), date.getSeconds()].map(pad2).join(":") };
  }
  const get = function (type) { return (parts.find(function (p) { return p.type === type; }) || {}).value; };
  const wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday"));
  return { y: +get("year"), m: +get("month"), d: +get("day"), wd: wd,
    time: get("hour") + ":" + get("minute") + ":" + get("second") };
}
function pad2(n) { return String(n).padStart(2, "0"); }
let shownDate = null;
function tick() {
  const p = hallParts(new Date());
  const date = p.y + "年" + p.m + "月" + p.d + "日";
  // A new hall day: the snapshot holds only today's calls, so yesterday's leave the board.
  if (shownDate !== null && date !== shownDate && live) live.refetch();
  shownDate = date;
  $("clock-time").textContent = p.time;
  $("clock-date").textContent = date;
  $("clock-weekday").textContent = WEEKDAYS[p.wd] || "";
  setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
}
tick();
fitAll();

/* ---------- drawing ---------- */

function windowLabel(call) { return call.window_number + "号窗口"; }

function renderCalls() {
  const newest = current ? current.call : null;
  $("current-body").hidden = !newest;
  $("current-empty").hidden = !!newest;
  $("current").dataset.number = newest ? newest.number : "";
  $("current-recall").hidden = !(newest && newest.recalls > 0);
  if (newest) {
    $("current-number").textContent = newest.number;
    $("current-window").textContent = windowLabel(newest);
    $("current-window-name").textContent = newest.window_name || "";
    fitText($("current-window-name"));
  }
  const list = $("recent-list");
  const rows = state.calls.slice(newest ? 1 : 0, (newest ? 1 : 0) + RECENT_ROWS).map(function (call) {
    return el("li", { className: "recent-row", title: call.window_name || "", dataset: { number: call.number } }, [
      el("span", "recent-number", call.number),
      el("span", "recent-window", windowLabel(call)),
    ]);
  });
  list.replaceChildren.apply(list, rows);
  list.hidden = rows.length === 0;
  $("recent-empty").hidden = rows.length > 0;
}

// Shrink a line that does not fit its box (a long queue or window name), down to 60%.
function fitText(node) {
  node.style.fontSize = "";
  if (!node.clientWidth || node.scrollWidth <= node.clientWidth) return;
  const base = parseFloat(getComputedStyle(node).fontSize);
  for (let scale = 0.95; scale >= 0.6; scale -= 0.05) {
    node.style.fontSize = (base * scale).toFixed(1) + "px";
    if (node.scrollWidth <= node.clientWidth) return;
  }
}
function fitAll() {
  document.querySelectorAll(".hall-name, .current-window-name, .queue-name").forEach(fitText);
}
window.addEventListener("resize", fitAll);

function renderQueues() {
  const list = $("queue-list");
  const items = state.queues.map(function (queue) {
    const waiting = String(queue.waiting);
    return el("li", { className: "queue", dataset: { queue: queue.code, waiting: waiting } }, [
      el("span", "queue-name", queue.name || state.queueNames[queue.code] || queue.code),
      el("span", "queue-count", [
        "等候 ", el("b", { className: "count", dataset: { waiting: waiting } }, waiting), " 人",
      ]),
    ]);
  });
  list.replaceChildren.apply(list, items);
  items.forEach(function (li) { fitText(li.querySelector(".queue-name")); });
}

let lastCallId = null;  // the newest call this board has shown or announced

/* ---------- the big panel: the newest call while it is in effect ---------- */

let current = null;        // {call, since}: the call in the big panel, since when (ms)
let holdTimer = null;
const clearedCalls = new Set();   // call_ids cleared here: a re-read snapshot does not bring them back

function holdSeconds(snapshot) {
  const asked = params.has("hold") ? Number(params.get("hold")) : NaN;
  if (asked >= 0) return asked;
  if (snapshot && typeof snapshot.call_hold_s === "number") return snapshot.call_hold_s;
  const set = Number(root.dataset.callHoldS);
  return root.dataset.callHoldS && set >= 0 ? set : 120;
}

function clearCurrent(reason) {
  if (!current) return;
  clearTimeout(holdTimer);
  clearedCalls.add(current.call.call_id);
  board.cleared.push({ number: current.call.number, reason: reason });
  trim(board.cleared);
  current = null;
  renderCalls();
}

function showCurrent(call, since) {
  clearTimeout(holdTimer);
  current = { call: call, since: since };
  const hold = board.holdSeconds * 1000;
  if (hold > 0) {
    holdTimer = setTimeout(function () { if (current && current.call === call) clearCurrent("timeout"); },
      Math.max(0, since + hold - Date.now()));
  }
}

// After a snapshot the ticket of the panel's call may already be done: ask its state once.
async function checkCurrent() {
  const call = current && current.call;
  if (!call) return;
  try {
    const ticket = await api("GET", "/halls/" + encodeURIComponent(hall) + "/tickets?number=" + encodeURIComponent(call.number));
    if (current && current.call === call && IN_EFFECT.indexOf(ticket.state) < 0) clearCurrent(ticket.state);
  } catch (error) { /* unknown or unreachable: the hold time still clears it */ }
}

// A ticket changed state (ticket_updated): its call leaves the big panel once it is no longer in effect.
function applyTicket(notice) {
  if (!current || notice.number !== current.call.number) return;
  if (notice.hall && notice.hall !== hall) return;
  if (IN_EFFECT.indexOf(notice.state) < 0) clearCurrent(notice.state);
}

function applySnapshot(snapshot, catchingUp) {
  if (snapshot.hall_name && $("hall-name").textContent !== snapshot.hall_name) {
    $("hall-name").textContent = snapshot.hall_name;
    fitText($("hall-name"));
  }
  board.holdSeconds = holdSeconds(snapshot);
  state.calls = (snapshot.calls || []).slice(0, KEEP_CALLS);
  state.queues = (snapshot.queues || []).map(function (q) {
    if (q.name) state.queueNames[q.code] = q.name;
    return { code: q.code, name: q.name || state.queueNames[q.code], waiting: q.waiting };
  });
  const newest = state.calls[0];
  if (!newest || clearedCalls.has(newest.call_id)) {
    clearTimeout(holdTimer);
    current = null;
  } else if (!current || current.call.call_id !== newest.call_id) {
    // Shown since the call was made (never later than now: the screen's clock may differ).
    const calledAt = Date.parse(newest.called_at);
    showCurrent(newest, Math.min(Date.now(), isNaN(calledAt) ? Date.now() : calledAt));
    checkCurrent();
  } else {
    current.call = newest;
  }
  renderCalls();
  renderQueues();
  ready.setAll(snapshot.ready);
  // The first snapshot is never read out: its calls were announced when they happened. After a gap
  // or a reconnect, calls newer than the last one seen were missed here, so they are read out now.
  const calls = state.calls.slice().reverse();
  if (catchingUp && lastCallId !== null) {
    calls.forEach(function (call) { if (call.call_id > lastCallId) announce(call); });
  }
  calls.forEach(function (call) { lastCallId = Math.max(lastCallId || 0, call.call_id || 0); });
}

function applyCall(event) {
  state.calls = [event].concat(state.calls.filter(function (c) { return c.number !== event.number; }))
    .slice(0, KEEP_CALLS);
  showCurrent(event, Date.now());
  renderCalls();
  lastCallId = Math.max(lastCallId || 0, event.call_id || 0);
  announce(event);
}

function applyQueue(event) {
  const queue = state.queues.find(function (q) { return q.code === event.queue; });
  if (queue) {
    queue.waiting = event.waiting;
  } else {
    state.queues.push({ code: event.queue, name: state.queueNames[event.queue], waiting: event.waiting });
  }
  renderQueues();
}

function flash(number) {
  const targets = [];
  if ($("current").dataset.number === number) targets.push($("current"));
  document.querySelectorAll("#recent-list .recent-row").forEach(function (row) {
    if (row.dataset.number === number) targets.push(row);
  });
  targets.forEach(function (node) {
    node.classList.remove("flash");
    void node.offsetWidth;  // restart the animation
    node.classList.add("flash");
    setTimeout(function () { node.classList.remove("flash"); }, FLASH_MS);
  });
}

/* ---------- announcements: one queue, never two at once ---------- */

const announced = new Map();  // call_id -> when; a call reflected twice is read once
const pending = [];
let busy = false;
const voice = createVoice({ board: board, hall: hall, timing: timing, isBusy: function () { return busy; } });

function announce(event) {
  const key = event.call_id;
  const now = Date.now();
  announced.forEach(function (at, k) { if (now - at > DEDUPE_TTL_MS) announced.delete(k); });
  if (announced.has(key)) return;
  announced.set(key, now);
  const text = event.announce || ("请" + event.number + "号到" + event.window_number + "号窗口办理");
  board.announcements.push(text);
  trim(board.announcements);
  pending.push({ text: text, number: event.number, queuedAt: now });
  pump();
}

function pump() {
  if (busy || pending.length === 0) return;
  busy = true;
  const item = pending.shift();
  play(item).catch(function (error) {
    item.error = String(error);
  }).then(function () {
    item.end = Date.now();
    board.spoken.push(item.text);
    trim(board.spoken);
    trim(board.log);
    busy = false;
    setTimeout(pump, timing.gapMs);
  });
}

function trim(list) {
  if (list.length > KEEP_LOG) list.splice(0, list.length - KEEP_LOG);
}

function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

async function play(item) {
  item.start = Date.now();
  item.attempts = [];
  board.log.push(item);
  flash(item.number);
  await voice.chime();
  let voiced = false;
  // A backlog (many windows calling at once) is read once each, so no citizen waits long to hear.
  const repeat = pending.length >= BACKLOG ? 1 : timing.repeat;
  for (let i = 0; i < repeat; i += 1) {
    if (i > 0) await sleep(timing.repeatPauseMs);
    const result = await voice.speak(item.text);
    item.attempts.push(result);
    if (!result.ok) break;
    voiced = true;
  }
  item.mode = voiced ? "voice" : "chime";
  if (!voiced) await sleep(timing.silentHoldMs);
}

/* ---------- realtime ---------- */

live = connect({
  subscribe: { hall: hall },
  onSnapshot: applySnapshot,
  onCall: applyCall,
  onQueue: applyQueue,
  onTicket: applyTicket,
  onReady: ready.apply,
  onStatus: setOnline,
  onError: function (error) {
    board.error = error;
    console.error("subscribe refused", error);
  },
});
board.live = live;
