/* 预约签到 at the kiosk: a booking code checks the booking in and gives its priority ticket. */
import { $ } from "/static/js/dom.js";
import { api, cfg, state } from "./context.js";
import { showTicket } from "./ticket.js";

const CODE = /^[2-9A-HJ-NP-Z]{8}$/;

export function checkinError(message) {
  $("checkin-error").textContent = message || "";
  $("checkin-error").hidden = !message;
}

export function openCheckin() {
  $("checkin-code").value = "";
  checkinError("");
  $("checkin-dialog").showModal();
}

export function typeKey(key) {
  const input = $("checkin-code");
  if (key === "back") input.value = input.value.slice(0, -1);
  else if (key === "clear") input.value = "";
  else if (input.value.length < 8) input.value += key;
  checkinError("");
}

export async function checkIn(event) {
  event.preventDefault();
  if (state.busy) return;
  const code = $("checkin-code").value.replace(/\s|-/g, "").toUpperCase();
  if (!CODE.test(code)) return checkinError("请输入 8 位预约码");
  state.busy = true;
  $("checkin-submit").disabled = true;
  try {
    const ticket = await api("POST", cfg.urls.tickets, { appointment_code: code });
    $("checkin-dialog").close();
    showTicket(ticket, null);
  } catch (err) {
    const fields = err.details && err.details.fields;
    checkinError(fields && fields.appointment_code ? fields.appointment_code : "签到失败：" + err.message);
  } finally {
    state.busy = false;
    $("checkin-submit").disabled = false;
  }
}

