/*
 * 服务评价 at the kiosk (POST /ratings, channel kiosk). A ticket is not rated by its number, which anyone
 * can read off the board: the dialog tells to scan the ticket's QR code (its status page rates it) or to
 * rate at the window's evaluator. A delivered case is rated by its number and then the applicant's phone,
 * typed on the same keypad.
 */
import { $, el } from "/static/js/dom.js";
import { BAD_REASONS, reasonComment } from "/static/js/labels.js";
import { api, cfg, state } from "./context.js";

const CASE_NO = /^[A-Z0-9]+-[0-9]{8}-[0-9]{4,6}$/;
const PHONE = /^1[0-9]{10}$/;
const CASE_DIGITS_MAX = 14;  // the date (8) and the day's sequence
const PHONE_DIGITS = 11;
// step: "number" (the case number) or "phone" (the applicant's phone, for the case in caseNo)
const rating = {
  mode: "ticket", step: "number", caseNo: null, subject: null, grade: null, thanksTimer: null,
};
const PROMPTS = {
  ticket: "号票请扫码评价；办件请输入办件编号（办件已送达、已出证）。",
  case: "请输入办件编号（办件已送达、已出证）。",
};

export function rateError(id, message) {
  $(id).textContent = message || "";
  $(id).hidden = !message;
}

function rateStep(step) {
  ["find", "ask", "thanks"].forEach(function (name) { $("rate-" + name).hidden = name !== step; });
}

export function setRateMode(mode) {
  rating.mode = mode;
  rating.step = "number";
  rating.caseNo = null;
  document.querySelectorAll(".k-rate-modes button").forEach(function (button) {
    button.setAttribute("aria-pressed", String(button.dataset.mode === mode));
  });
  const ticket = mode !== "case";
  $("rate-scan").hidden = !ticket;
  $("rate-entry").hidden = ticket;
  $("rate-next").hidden = ticket;
  $("rate-prompt").textContent = PROMPTS[ticket ? "ticket" : "case"];
  const input = $("rate-number");
  input.value = ticket ? "" : cfg.rating.case_prefix;
  input.placeholder = cfg.rating.case_prefix + "20261130-0001";
  input.setAttribute("aria-label", "办件编号");
  rateError("rate-error", "");
}

function askPhone(caseNo) {
  // The second step in the same input: the phone given when the case was registered proves who rates.
  rating.step = "phone";
  rating.caseNo = caseNo;
  $("rate-prompt").textContent = "办件 " + caseNo + "：请输入办件登记时预留的申请人手机号码。";
  const input = $("rate-number");
  input.value = "";
  input.placeholder = "11位手机号码";
  input.setAttribute("aria-label", "申请人手机号码");
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
  // Kiosks are shared: nothing of the last citizen's rating (nor the phone) stays once the dialog closes.
  clearTimeout(rating.thanksTimer);
  rating.thanksTimer = null;
  rating.subject = null;
  rating.grade = null;
  rating.step = "number";
  rating.caseNo = null;
  $("rate-number").value = "";
}

export function typeRateKey(key) {
  const input = $("rate-number");
  if (rating.mode !== "case") return;
  if (rating.step === "phone") {
    let digits = input.value.replace(/\D/g, "");
    if (key === "back") digits = digits.slice(0, -1);
    else if (key === "clear") digits = "";
    else if (/^\d$/.test(key) && digits.length < PHONE_DIGITS) digits += key;
    input.value = digits;
  } else {
    // Only the digits are typed; the hall's code and the dashes are put in: XIQU-20261130-0001.
    const prefix = cfg.rating.case_prefix;
    const value = input.value.toUpperCase();
    let digits = (value.startsWith(prefix) ? value.slice(prefix.length) : value).replace(/\D/g, "");
    if (key === "back") digits = digits.slice(0, -1);
    else if (key === "clear") digits = "";
    else if (/^\d$/.test(key) && digits.length < CASE_DIGITS_MAX) digits += key;
    input.value = prefix + digits.slice(0, 8) + (digits.length > 8 ? "-" + digits.slice(8) : "");
  }
  rateError("rate-error", "");
}

export function findRated(event) {
  event.preventDefault();
  if (state.busy || rating.mode !== "case") return;
  const value = $("rate-number").value.replace(/\s/g, "").toUpperCase();
  if (rating.step === "phone") {
    const phone = value.replace(/\D/g, "");
    if (!PHONE.test(phone)) return rateError("rate-error", "请输入办件登记时预留的11位手机号码");
    return askGrade({ case_no: rating.caseNo, phone: phone });
  }
  const caseNo = value;
  if (!CASE_NO.test(caseNo)) {
    return rateError("rate-error", "请输入完整的办件编号，如 " + cfg.rating.case_prefix + "20261130-0001");
  }
  askPhone(caseNo);
}

function askGrade(subject) {
  rating.subject = subject;
  rating.grade = null;
  // No public look-up names a case's item without the applicant's phone: the number is shown.
  $("rate-what").textContent = subject.case_no;
  $("rate-detail").textContent = "办件服务评价（受理、审批与出件）";
  document.querySelectorAll(".k-rate-grade").forEach(function (button) {
    button.setAttribute("aria-pressed", "false");
  });
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

function refuseRating(message, step) {
  // Back to the case number (or to its phone), with why this one cannot be rated.
  rateStep("find");
  const caseNo = rating.subject.case_no;
  if (step === "phone") {
    askPhone(caseNo);
  } else {
    setRateMode("case");
    $("rate-number").value = caseNo;
  }
  rateError("rate-error", message);
}

export async function sendRating() {
  const subject = rating.subject;
  if (state.busy || !subject || !rating.grade) return;
  const body = { grade: rating.grade, channel: "kiosk", case_no: subject.case_no, phone: subject.phone };
  const chosen = Array.from(document.querySelectorAll('#rate-comments .k-chip[aria-pressed="true"]'))
    .map(function (chip) { return chip.textContent; });
  // A bad grade's reasons head the comment as on every rating screen: 【等候时间长、多次跑动】;
  // a single one is also sent as the reason.
  if (chosen.length) body.comment = rating.grade <= 2 ? reasonComment(chosen.join("、"), "") : chosen.join("；");
  if (rating.grade <= 2 && chosen.length === 1) body.reason = chosen[0];
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
    if (err.status === 403) refuseRating(err.message, "phone");
    else if (err.code === "conflict" && details.rated) refuseRating("该办件已评价过，感谢您的反馈");
    else if (err.code === "conflict" && details.state) refuseRating("该办件尚未办结送达，送达后才能评价");
    else if (fields.case_no) refuseRating("办件编号不存在，请核对后重新输入");
    else rateError("rate-send-error", "评价未能提交：" + err.message);
  } finally {
    state.busy = false;
    $("rate-send").disabled = false;
  }
}
