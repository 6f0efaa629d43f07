/*
 * The public progress page of a case (/progress/<case_no>): the applicant gives the phone number of
 * the application, the page asks GET /api/v1/public/cases/<case_no>?phone=… and shows the answer.
 * The phone number stays in this page's memory only.
 */
import { createClient } from "/static/js/api.js";
import { $, config, show } from "/static/js/dom.js";
import { dateText, dateTimeText, remainingText } from "/static/js/time.js";
import { offer } from "/evaluate/static/evaluator/rate.js";
import { renderParts } from "./progress_parts.js";

const cfg = config("progress-config");
const api = createClient({ base: "" });
const PHONE = /^1[3-9]\d{9}$/;
const MESSAGES = {
  404: "办件编号或手机号不正确",
  429: "尝试次数过多，请稍后再试",
};

let query = null; // {caseNo, phone} of the answer shown

function timeText(iso) { return dateTimeText(iso, cfg.tz); }

function deliveryText(progress) {
  const delivery = progress.delivery;
  if (!delivery) return "";
  if (delivery.method === "mail") {
    return delivery.waybill_no ? "邮寄送达（运单号 " + delivery.waybill_no + "）" : "邮寄送达";
  }
  const where = (delivery.hall_name || progress.hall_name || "大厅") + (delivery.hall_address ? "（" + delivery.hall_address + "）" : "");
  return "到" + where + "统一出件窗口领取";
}

function render(progress) {
  $("r-case-no").textContent = progress.case_no;
  $("r-service").textContent = progress.service_name || progress.service;
  $("r-state").textContent = progress.state_name || progress.state;
  $("r-state").dataset.state = progress.state;
  $("r-applicant").textContent = (progress.applicant && progress.applicant.name) || "";
  $("r-mode").textContent = progress.mode_name || progress.mode || "";
  $("r-hall").textContent = progress.hall_name || "";
  // The phone the applicant typed to look the case up proves who rates it.
  offer($("r-rate"), {
    case_no: progress.case_no, phone: query && query.phone, channel: "portal",
    show: progress.state === "delivered" || progress.state === "closed",
  });

  $("r-deadline-row").hidden = !progress.deadline;
  $("r-deadline-row").dataset.light = progress.light || "";
  $("r-deadline").textContent = progress.deadline ? dateText(progress.deadline) + "前" : "";
  $("r-remaining").textContent = progress.deadline ? remainingText(progress.remaining_workdays) : "";

  const delivery = deliveryText(progress);
  $("r-delivery-row").hidden = !delivery;
  $("r-delivery").textContent = delivery;

  // 代理办: the visit the agent booked (上门办理, or a meeting to collect the materials).
  const visit = progress.visit && progress.visit.at;
  $("r-visit-row").hidden = !visit;
  $("r-visit").textContent = visit ? timeText(visit) + (progress.visit.home_visit ? "（上门办理）" : "") : "";

  renderParts(progress);   // 一件事: each part with its department, state and deadline
  const missing = progress.missing || [];
  $("r-missing-box").hidden = missing.length === 0;
  $("r-missing").replaceChildren(...missing.map(function (name) {
    const item = document.createElement("li");
    item.textContent = name;
    return item;
  }));

  // Newest first: the current step on top.
  const steps = (progress.history || []).slice().reverse();
  $("r-history").replaceChildren(...steps.map(function (step, index) {
    const item = document.createElement("li");
    if (index === 0) item.className = "is-current";
    const name = document.createElement("strong");
    name.textContent = step.state_name || step.state;
    const at = document.createElement("time");
    at.dateTime = step.at;
    at.textContent = timeText(step.at);
    item.append(name, at);
    return item;
  }));

  $("r-updated").textContent = "查询时间 " + timeText(new Date().toISOString());
  $("p-form").hidden = true;
  $("p-result").hidden = false;
  $("progress").dataset.view = "result";
  document.title = (progress.state_name || "") + " · " + progress.case_no + " · 办件进度查询";
}

async function ask(caseNo, phone) {
  const url = cfg.api.replace(cfg.placeholder, encodeURIComponent(caseNo)) + "?phone=" + encodeURIComponent(phone);
  try {
    return { progress: await api("GET", url) };
  } catch (error) {
    if (error.status === 0) return { error: error.message };
    if (MESSAGES[error.status]) return { error: MESSAGES[error.status] };
    if (error.status === 400) return { error: "请输入正确的手机号码" };
    return { error: "查询暂时无法完成，请稍后再试" };
  }
}

async function submit(event) {
  event.preventDefault();
  const caseNo = cfg.case_no || ($("p-case").value || "").trim();
  const phone = ($("p-phone").value || "").replace(/[\s-]/g, "");
  if (!caseNo) { show($("p-error"), "请输入办件编号"); $("p-case").focus(); return; }
  if (!PHONE.test(phone)) { show($("p-error"), "请输入正确的11位手机号码"); $("p-phone").focus(); return; }
  show($("p-error"), "");
  $("p-submit").disabled = true;
  $("p-submit").textContent = "正在查询…";
  const answer = await ask(caseNo, phone);
  $("p-submit").disabled = false;
  $("p-submit").textContent = "查询进度";
  if (answer.error) {
    show($("p-error"), answer.error);
    return;
  }
  query = { caseNo: caseNo, phone: phone };
  render(answer.progress);
}

async function refresh() {
  if (!query) return;
  $("p-refresh").disabled = true;
  const answer = await ask(query.caseNo, query.phone);
  $("p-refresh").disabled = false;
  if (answer.progress) render(answer.progress);
  else $("r-updated").textContent = answer.error;
}

function change() {
  query = null;
  $("p-phone").value = "";
  $("p-result").hidden = true;
  $("p-form").hidden = false;
  $("progress").dataset.view = "ask";
  show($("p-error"), "");
  (cfg.case_no ? $("p-phone") : $("p-case")).focus();
}

$("p-form").addEventListener("submit", submit);
$("p-refresh").addEventListener("click", refresh);
$("p-change").addEventListener("click", change);

// Opened from the SMS that invites the applicant to rate (?k=…): the server found the phone the message
// went to, so the case and its rating box show at once, with nothing to type.
if (cfg.case_no && cfg.phone) {
  $("p-phone").value = cfg.phone;
  $("p-form").requestSubmit();
}
