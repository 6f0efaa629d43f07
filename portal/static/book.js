/*
 * The booking page (网上预约): queue → day → slot (GET /api/v1/halls/<hall>/slots) → name and phone
 * (POST /api/v1/appointments) → the booking code. "我的预约" looks a booking up by code and phone
 * (GET /api/v1/appointments/<code>?phone=…) and cancels it (DELETE, same address).
 */
import { createClient } from "/static/js/api.js";
import { $, config, show } from "/static/js/dom.js";

const cfg = config("booking-config");
const PHONE = /^1[3-9]\d{9}$/;
const CODE = /^[2-9A-HJ-NP-Z]{8}$/;
const FIELD_NAMES = { name: "姓名", phone: "手机号码", queue: "业务", slot_id: "时段", hall: "大厅" };

const choice = { queue: null, date: null, slot: null };
let mine = null;  // {code, phone} of the booking shown under 我的预约

// ---------- helpers ----------

const client = createClient({ base: "" });

/** Call the API; throw {status, code, message} with the message to show. */
async function api(url, options) {
  options = options || {};
  try {
    return await client(options.method || "GET", url, options.body);
  } catch (error) {
    throw { status: error.status, code: error.code, message: error.status === 0 ? "网络连接失败，请稍后再试" : errorText(error.status, error) };
  }
}

function errorText(status, error) {
  if (status === 429) return "操作过于频繁，请稍后再试";
  const fields = (error.details && error.details.fields) || null;
  if (status === 400 && fields) {
    return Object.keys(fields).map(function (name) { return (FIELD_NAMES[name] || name) + "：" + fields[name]; }).join("；");
  }
  return error.message || "请求失败（" + status + "），请稍后再试";
}

function clock(iso) {
  return new Intl.DateTimeFormat("zh-CN", { timeZone: cfg.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
    .format(new Date(iso));
}

function dayText(iso) {
  const parts = {};
  new Intl.DateTimeFormat("zh-CN", { timeZone: cfg.tz, month: "numeric", day: "numeric", weekday: "short" })
    .formatToParts(new Date(iso)).forEach(function (part) { parts[part.type] = part.value; });
  return parts.month + "月" + parts.day + "日（" + parts.weekday + "）";
}

function span(iso1, iso2) { return dayText(iso1) + " " + clock(iso1) + "–" + clock(iso2); }

function select(groupId, button) {
  document.querySelectorAll("#" + groupId + " [role=radio]").forEach(function (node) {
    node.setAttribute("aria-checked", String(node === button));
  });
}

// ---------- booking ----------

async function loadSlots() {
  const box = $("b-slots");
  box.textContent = "";
  choice.slot = null;
  if (!choice.queue || !choice.date) return;
  $("b-slots-hint").textContent = "正在查询可预约时段…";
  const params = new URLSearchParams({ date: choice.date, queue: choice.queue });
  let slots;
  try {
    slots = await api(cfg.urls.slots + "?" + params);
  } catch (err) {
    $("b-slots-hint").textContent = err.message;
    return;
  }
  const wanted = choice.queue + choice.date;
  if (wanted !== params.get("queue") + params.get("date")) return;  // the choice changed meanwhile
  slots.forEach(function (slot) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "b-slot";
    button.setAttribute("role", "radio");
    button.setAttribute("aria-checked", "false");
    button.dataset.slot = slot.id;
    const time = document.createElement("strong");
    time.textContent = clock(slot.start) + "–" + clock(slot.end);
    const free = document.createElement("small");
    free.textContent = slot.bookable ? "余 " + slot.available + " 个" : (slot.available > 0 ? "已过时" : "已约满");
    button.append(time, free);
    button.disabled = !slot.bookable;
    button.addEventListener("click", function () {
      choice.slot = slot;
      select("b-slots", button);
      show($("b-error"), "");
    });
    box.append(button);
  });
  const open = slots.filter(function (slot) { return slot.bookable; }).length;
  $("b-slots-hint").textContent = slots.length === 0 ? "该日不办理预约" :
    open === 0 ? "该日已无可预约时段，请选择其他日期" : "请选择时段（每个时段名额有限）";
}

async function submitBooking(event) {
  event.preventDefault();
  const name = $("b-name").value.trim();
  const phone = $("b-phone").value.replace(/\s|-/g, "");
  if (!choice.queue) return show($("b-error"), "请选择要办理的业务");
  if (!choice.slot) return show($("b-error"), "请选择预约日期和时段");
  if (!name) return show($("b-error"), "请填写姓名");
  if (!PHONE.test(phone)) return show($("b-error"), "请输入正确的11位手机号码");
  show($("b-error"), "");
  $("b-submit").disabled = true;
  try {
    const booking = await api(cfg.urls.appointments, {
      method: "POST", body: { hall: cfg.hall, queue: choice.queue, slot_id: choice.slot.id, name: name, phone: phone },
    });
    showDone(booking);
  } catch (err) {
    show($("b-error"), err.message);
    if (err.status === 409) loadSlots();  // the slot filled up meanwhile: show the counts as they are now
  } finally {
    $("b-submit").disabled = false;
  }
}

function showDone(booking) {
  $("d-code").textContent = booking.code;
  $("d-queue").textContent = booking.queue_name;
  $("d-time").textContent = span(booking.start, booking.end);
  $("d-hall").textContent = booking.hall_name;
  $("d-checkin").textContent = clock(booking.checkin_from) + "–" + clock(booking.checkin_until);
  $("b-form").hidden = true;
  $("b-done").hidden = false;
  window.scrollTo(0, 0);
}

function bookAgain() {
  $("b-done").hidden = true;
  $("b-form").hidden = false;
  loadSlots();
}

// ---------- my booking ----------

function bookingUrl(code, phone) {
  return cfg.urls.appointment.replace(cfg.placeholder, encodeURIComponent(code)) + "?phone=" + encodeURIComponent(phone);
}

function showMine(booking) {
  $("r-code").textContent = booking.code;
  $("r-state").textContent = booking.state_name;
  $("r-state").dataset.state = booking.state;
  $("r-name").textContent = booking.name + "（" + booking.phone + "）";
  $("r-queue").textContent = booking.queue_name;
  $("r-time").textContent = span(booking.start, booking.end);
  $("r-hall").textContent = booking.hall_name;
  $("r-checkin").textContent = clock(booking.checkin_from) + "–" + clock(booking.checkin_until);
  $("r-cancel").hidden = booking.state !== "booked";
  $("m-result").hidden = false;
}

async function lookup(event) {
  event.preventDefault();
  const code = $("m-code").value.replace(/\s|-/g, "").toUpperCase();
  const phone = $("m-phone").value.replace(/\s|-/g, "");
  if (!CODE.test(code)) return show($("m-error"), "请输入8位预约码（不含数字0、1和字母O、I）");
  if (!PHONE.test(phone)) return show($("m-error"), "请输入正确的11位手机号码");
  show($("m-error"), "");
  $("m-result").hidden = true;
  $("m-submit").disabled = true;
  try {
    showMine(await api(bookingUrl(code, phone)));
    mine = { code: code, phone: phone };
  } catch (err) {
    show($("m-error"), err.status === 404 ? "预约码或手机号不正确" : err.message);
  } finally {
    $("m-submit").disabled = false;
  }
}

async function cancelMine() {
  if (!mine || !window.confirm("确定取消此预约吗？取消后名额将释放给他人。")) return;
  $("r-cancel").disabled = true;
  try {
    showMine(await api(bookingUrl(mine.code, mine.phone), { method: "DELETE" }));
    show($("m-error"), "");
  } catch (err) {
    show($("m-error"), err.message);
  } finally {
    $("r-cancel").disabled = false;
  }
}

// ---------- wiring ----------

function showTab(name) {
  ["book", "mine"].forEach(function (tab) {
    $("tab-" + tab).setAttribute("aria-selected", String(tab === name));
    $("view-" + tab).hidden = tab !== name;
  });
}

document.querySelectorAll(".b-queue").forEach(function (button) {
  button.addEventListener("click", function () {
    choice.queue = button.dataset.queue;
    select("b-queues", button);
    loadSlots();
  });
});
document.querySelectorAll(".b-day").forEach(function (button) {
  button.addEventListener("click", function () {
    choice.date = button.dataset.date;
    select("b-days", button);
    loadSlots();
  });
});
$("b-form").addEventListener("submit", submitBooking);
$("b-again").addEventListener("click", bookAgain);
$("m-form").addEventListener("submit", lookup);
$("r-cancel").addEventListener("click", cancelMine);
$("tab-book").addEventListener("click", function () { showTab("book"); });
$("tab-mine").addEventListener("click", function () { showTab("mine"); });
if (location.hash === "#mine") showTab("mine");
// Opened from a guide or a life event (?queue=shsd): that queue is chosen already.
const wanted = new URLSearchParams(location.search).get("queue");
const preset = Array.from(document.querySelectorAll(".b-queue")).find(function (b) { return b.dataset.queue === wanted; });
if (preset) preset.click();
