/* 服务评价 at the kiosk: rate a finished ticket (typed by its number) or a delivered case (POST /ratings, channel kiosk). */
import { $, el } from "/static/js/dom.js";
import { BAD_REASONS, label, loadLabels, reasonComment } from "/static/js/labels.js";
import { api, cfg, state, timeFormat } from "./context.js";

const labels = await loadLabels();

const TICKET_NUMBER = /^[A-Z0-9]{1,4}[0-9]{3,6}$/;
const CASE_NO = /^[A-Z0-9]+-[0-9]{8}-[0-9]{4,6}$/;
const CASE_DIGITS_MAX = 14;  // the date (8) and the day's sequence
const rating = { mode: "ticket", subject: null, grade: null, thanksTimer: null };

export function rateError(id, message) {
  $(id).textContent = message || "";
  $(id).hidden = !message;
}

function rateStep(step) {
  ["find", "ask", "thanks"].forEach(function (name) { $("rate-" + name).hidden = name !== step; });
}

export function setRateMode(mode) {
  rating.mode = mode;
  document.querySelectorAll(".k-rate-modes button").forEach(function (button) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
  });
  document.querySelectorAll("#rate-keys .k-key-prefix").forEach(function (key) { key.hidden = mode === "case"; });
  $("rate-number").value = mode === "case" ? cfg.rating.case_prefix : "";
  $("rate-number").placeholder = mode === "case" ? cfg.rating.case_prefix + "20261130-0001" : "A012";
  rateError("rate-error", "");
}

export function openRate() {
  setRateMode("ticket");
  rateStep("find");
  $("rate-dialog").showModal();
}

export function closeRate() {
  if ($("rate-dialog").open) $("rate-dialog").close();
}

export function forgetRating() {
  // Kiosks are shared: nothing of the last citizen's rating stays once the dialog closes.
  clearTimeout(rating.thanksTimer);
  rating.thanksTimer = null;
  rating.subject = null;
  rating.grade = null;
  $("rate-number").value = "";
}

export function typeRateKey(key) {
  const input = $("rate-number");
  if (rating.mode === "case") {
    // Only the digits are typed; the hall's code and the dashes are put in: XIQU-20261130-0001.
    const prefix = cfg.rating.case_prefix;
    const value = input.value.toUpperCase();
    let digits = (value.startsWith(prefix) ? value.slice(prefix.length) : value).replace(/\D/g, "");
    if (key === "back") digits = digits.slice(0, -1);
    else if (key === "clear") digits = "";
    else if (/^\d$/.test(key) && digits.length < CASE_DIGITS_MAX) digits += key;
    input.value = prefix + digits.slice(0, 8) + (digits.length > 8 ? "-" + digits.slice(8) : "");
  } else if (key === "back") {
    input.value = input.value.slice(0, -1);
  } else if (key === "clear") {
    input.value = "";
  } else if (input.value.length < 10) {
    input.value += key;
  }
  rateError("rate-error", "");
}

export async function findRated(event) {
  event.preventDefault();
  if (state.busy) return;
  const value = $("rate-number").value.replace(/\s/g, "").toUpperCase();
  if (CASE_NO.test(value)) return askGrade({ case_no: value });
  if (!TICKET_NUMBER.test(value)) {
    return rateError("rate-error", rating.mode === "case"
      ? "请输入完整的办件编号，如 " + cfg.rating.case_prefix + "20261130-0001"
      : "请输入号票上的号码，如 A012");
  }
  state.busy = true;
  $("rate-next").disabled = true;
  try {
    const ticket = await api("GET", cfg.urls.find_ticket + "?number=" + encodeURIComponent(value));
    if (ticket.state !== "done") {
      rateError("rate-error", "该号票尚未办结（当前：" + label(labels.ticket_states, ticket.state) + "），办结后才能评价");
    } else {
      askGrade({ ticket: ticket });
    }
  } catch (err) {
    rateError("rate-error", err.code === "invalid_request" ? "号码格式不正确，请输入号票上的号码，如 A012" : err.message);
  } finally {
    state.busy = false;
    $("rate-next").disabled = false;
  }
}

function askGrade(subject) {
  rating.subject = subject;
  rating.grade = null;
  const ticket = subject.ticket;
  if (ticket) {
    const parts = [ticket.queue_name || ticket.queue];
    if (ticket.window_number) parts.push(ticket.window_number + "号窗口");
    if (ticket.issued_at) parts.push(timeFormat.format(new Date(ticket.issued_at)) + " 取号");
    $("rate-what").textContent = ticket.number;
    $("rate-detail").textContent = parts.join(" · ");
  } else {
    // No public look-up names a case's item without the applicant's phone: the number is shown.
    $("rate-what").textContent = subject.case_no;
    $("rate-detail").textContent = "办件服务评价（受理、审批与出件）";
  }
  document.querySelectorAll(".k-rate-grade").forEach(function (button) { button.setAttribute("aria-pressed", "false"); });
  $("rate-more").hidden = true;
  rateError("rate-send-error", "");
  rateStep("ask");
}

export function chooseGrade(grade) {
  const wasBad = rating.grade !== null && rating.grade <= 2;
  rating.grade = grade;
  document.querySelectorAll(".k-rate-grade").forEach(function (button) {
    button.setAttribute("aria-pressed", String(Number(button.dataset.grade) === grade));
  });
  const bad = grade <= 2;
  if ($("rate-more").hidden || wasBad !== bad) {
    $("rate-comments-title").textContent = bad ? "哪里做得不好？（可多选，选填）" : "哪些方面让您满意？（可多选，选填）";
    const list = $("rate-comments");
    list.textContent = "";
    (bad ? BAD_REASONS : cfg.rating.comments.good).forEach(function (text) {
      const chip = el("button", "k-chip", text);
      chip.type = "button";
      chip.setAttribute("aria-pressed", "false");
      chip.addEventListener("click", function () {
        chip.setAttribute("aria-pressed", String(chip.getAttribute("aria-pressed") !== "true"));
      });
      list.append(chip);
    });
  }
  $("rate-more").hidden = false;
  rateError("rate-send-error", "");
}

function refuseRating(message) {
  // Back to the number, with why this one cannot be rated.
  rateStep("find");
  rateError("rate-error", message);
}

export async function sendRating() {
  const subject = rating.subject;
  if (state.busy || !subject || !rating.grade) return;
  const body = { grade: rating.grade, channel: "kiosk" };
  if (subject.ticket) body.ticket_id = subject.ticket.id; else body.case_no = subject.case_no;
  const chosen = Array.from(document.querySelectorAll('#rate-comments .k-chip[aria-pressed="true"]'))
    .map(function (chip) { return chip.textContent; });
  // A bad grade's reasons head the comment as on every rating screen: 【等候时间长、多次跑动】.
  if (chosen.length) body.comment = rating.grade <= 2 ? reasonComment(chosen.join("、"), "") : chosen.join("；");
  const noun = subject.ticket ? "该号票" : "该办件";
  state.busy = true;
  $("rate-send").disabled = true;
  try {
    await api("POST", cfg.urls.ratings, body);
    $("rate-thanks-sub").textContent = body.grade <= 2 ? "我们会认真整改，并尽快改进服务。" : "祝您生活愉快！";
    rateStep("thanks");
    rating.thanksTimer = setTimeout(closeRate, cfg.rating.thanks_s * 1000);
  } catch (err) {
    const details = err.details || {};
    const fields = details.fields || {};
    if (err.code === "conflict" && details.rated) refuseRating(noun + "已评价过，感谢您的反馈");
    else if (err.code === "conflict" && details.state) {
      refuseRating(subject.ticket ? "该号票尚未办结，办结后才能评价" : "该办件尚未办结送达，送达后才能评价");
    } else if (fields.case_no) refuseRating("办件编号不存在，请核对后重新输入");
    else rateError("rate-send-error", "评价未能提交：" + err.message);
  } finally {
    state.busy = false;
    $("rate-send").disabled = false;
  }
}
