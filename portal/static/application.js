/*
 * My application (网上办): state, the one complete notice, materials with upload and supplement,
 * the delivery choice, notices to download and the history; a 一件事 also lists its parts. The access
 * token comes from localStorage (saved when the application was made) or from the form asking for the
 * case number, phone and ID number.
 */
import { remainingText } from "/static/js/time.js";
import { $, filePicker } from "/static/js/dom.js";
import * as P from "./portal.js";
import { renderParts } from "./progress_parts.js";

const DOCUMENTS = { acceptance: "受理通知书", supplement: "补正材料一次性告知书", refusal: "不予受理通知书" };
const DECISIONS = { refuse: "不予受理", approve: "准予许可", deny: "不予许可" };
let caseNo = P.cfg.case_no;
let token = caseNo ? P.tokens.get(caseNo) : null;
let current = null;
let halls = [];

function base() { return P.url("application", caseNo); }

function deliveryText(delivery) {
  if (delivery.method === "mail") {
    return "邮寄至 " + (delivery.address || "") + (delivery.waybill_no ? "（运单号 " + delivery.waybill_no + "）" : "");
  }
  return "到" + delivery.hall_name + "统一出件窗口领取";
}

function askAccess(message) {
  $("app").hidden = true;
  $("access").hidden = false;
  P.show($("x-error"), message || "");
}

async function load() {
  if (!token) { askAccess(); return; }
  const answer = await P.call(base(), { token: token });
  if (!answer.ok) {
    if (answer.status === 404 || answer.status === 401) {
      P.tokens.remove(caseNo);
      token = null;
      askAccess("本设备上的申请凭证已失效，请重新验证");
    } else {
      P.show($("r-updated"), answer.message);
    }
    return;
  }
  render(answer.data);
}

function renderFiles(material, canRemove) {
  return P.el("ul", { className: "o-files" }, material.files.map(function (file) {
    const view = P.el("button", { type: "button", textContent: "查看" });
    view.addEventListener("click", async function () {
      const problem = await P.openFile(base() + "/files/" + file.id, token);
      if (problem) P.show($("r-error"), problem);
    });
    const parts = [P.el("span", { className: "o-fname", textContent: file.original_name + "（" + P.sizeText(file.size) + "）" }), view];
    if (canRemove && !file.submitted_at) {
      const remove = P.el("button", { type: "button", textContent: "删除" });
      remove.addEventListener("click", async function () {
        const answer = await P.call(base() + "/files/" + file.id, { method: "DELETE", token: token });
        if (answer.ok) render(answer.data); else P.show($("r-error"), answer.message);
      });
      parts.push(remove);
    }
    return P.el("li", {}, parts);
  }));
}

function renderMaterials(application) {
  const canUpload = application.actions.indexOf("upload") >= 0;
  $("r-materials").replaceChildren(...application.materials.map(function (material, index) {
    const asked = application.missing.indexOf(material.name) >= 0;
    const tag = asked ? P.el("span", { className: "o-tag is-asked", textContent: "需补正" })
      : P.el("span", { className: "o-tag" + (material.required ? "" : " is-optional"), textContent: material.required ? "必需" : "选交" });
    const parts = [P.el("span", { className: "o-mname", textContent: material.name }), tag];
    if (material.note) parts.push(P.el("span", { className: "o-mnote", textContent: material.note }));
    parts.push(renderFiles(material, canUpload));
    if (canUpload) {
      const input = P.el("input", { type: "file", accept: ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png", id: "u-" + index });
      input.setAttribute("aria-label", "上传：" + material.name);
      const error = P.el("p", { className: "o-file-error", hidden: true });
      input.addEventListener("change", function () { upload(material.name, input, error); });
      parts.push(filePicker(input, "选择文件上传"), error);
    }
    return P.el("li", { dataset: { material: material.name } }, parts);
  }));
}

// A refused file is let go: the input is emptied and its line says 未选择文件 again.
function forget(input) {
  input.value = "";
  input.dispatchEvent(new Event("change"));
}

async function upload(name, input, error) {
  const file = input.files[0];
  if (!file) return;
  const problem = P.fileProblem(file);
  if (problem) { P.show(error, problem); forget(input); return; }
  P.show(error, "正在上传…");
  const form = new FormData();
  form.append("material", name);
  form.append("file", file, file.name);
  const answer = await P.call(base() + "/files", { method: "POST", form: form, token: token });
  if (!answer.ok) {
    P.show(error, "“" + file.name + "”：" + (answer.fields.file || answer.fields.material || answer.message));
    forget(input);
    return;
  }
  render(answer.data.application);
}

function lastEntry(application, triggers) {
  for (let i = application.history.length - 1; i >= 0; i--) {
    if (triggers.indexOf(application.history[i].trigger) >= 0) return application.history[i];
  }
  return null;
}

function renderDelivery(application) {
  const delivery = application.delivery;
  $("r-delivery-box").hidden = !delivery.can_change;
  if (!delivery.can_change) return;
  document.querySelectorAll('input[name="r-delivery"]').forEach(function (radio) { radio.checked = radio.value === delivery.method; });
  $("r-hall-select").replaceChildren(...halls.map(function (hall) {
    return P.el("option", { value: hall.code, textContent: hall.name, selected: hall.code === delivery.hall });
  }));
  $("r-address").value = delivery.address || "";
  toggleDelivery();
}

function toggleDelivery() {
  const mail = (document.querySelector('input[name="r-delivery"]:checked') || {}).value === "mail";
  $("r-address-row").hidden = !mail;
  $("r-hall-row").hidden = mail || halls.length < 2;
}

function render(application) {
  current = application;
  document.title = application.state_name + " · " + application.case_no + " · 我的申请";
  $("r-case-no").textContent = application.case_no;
  $("r-service").textContent = application.service_name;
  $("r-state").textContent = application.state_name;
  $("r-state").dataset.state = application.state;
  $("r-applicant").textContent = application.applicant.name + " · " + application.applicant.phone;
  $("r-hall").textContent = application.hall_name;
  $("r-deadline-row").hidden = !application.deadline;
  $("r-deadline-row").dataset.light = application.light || "";
  $("r-deadline").textContent = application.deadline ? P.dateText(application.deadline) + "前" : "";
  $("r-remaining").textContent = application.deadline ? remainingText(application.remaining_workdays) : "";
  $("r-delivery").textContent = deliveryText(application.delivery);

  const notice = application.state === "awaiting_supplement" ? lastEntry(application, ["request_supplement"]) : null;
  $("r-notice").hidden = !notice;
  $("r-notice-note").textContent = (notice && notice.note) || "";
  $("r-missing").replaceChildren(...application.missing.map(function (name) { return P.el("li", { textContent: name }); }));

  const decision = lastEntry(application, Object.keys(DECISIONS));
  $("r-decision").hidden = !decision;
  $("r-decision-title").textContent = decision ? DECISIONS[decision.trigger] : "";
  $("r-decision-note").textContent = (decision && decision.note) || "";

  renderParts(application);   // 一件事: each part with its department, state and deadline
  renderMaterials(application);
  $("r-submit").hidden = application.actions.indexOf("submit") < 0;
  $("r-supplement").hidden = application.actions.indexOf("supplement") < 0;
  $("r-withdraw").hidden = application.actions.indexOf("withdraw") < 0;
  P.show($("r-error"), "");
  renderDelivery(application);

  $("r-documents-box").hidden = !application.documents.length;
  $("r-documents").replaceChildren(...application.documents.map(function (kind) {
    const open = P.el("button", { type: "button", className: "o-link", textContent: DOCUMENTS[kind] + "（PDF）" });
    open.addEventListener("click", async function () {
      const problem = await P.openFile(base() + "/documents/" + kind, token);
      if (problem) P.show($("r-error"), problem);
    });
    return P.el("li", {}, [open]);
  }));

  const steps = application.history.slice().reverse();
  $("r-history").replaceChildren(...steps.map(function (step, index) {
    return P.el("li", { className: index === 0 ? "is-current" : "" }, [
      P.el("strong", { textContent: step.state_name }),
      P.el("span", { className: "o-mmeta", textContent: step.trigger_name + (step.note ? "：" + step.note : "") }),
      P.el("time", { dateTime: step.at, textContent: P.timeText(step.at) }),
    ]);
  }));
  $("r-updated").textContent = "更新时间 " + P.timeText(new Date().toISOString());
  $("access").hidden = true;
  $("app").hidden = false;
}

async function act(path, button, confirmText) {
  if (confirmText && !window.confirm(confirmText)) return;
  button.disabled = true;
  const answer = await P.call(base() + path, { method: "POST", json: {}, token: token });
  button.disabled = false;
  if (answer.ok) render(answer.data);
  else P.show($("r-error"), answer.message + (Object.keys(answer.fields).length ? "：" + Object.values(answer.fields).join("；") : ""));
}

async function saveDelivery() {
  const mail = (document.querySelector('input[name="r-delivery"]:checked') || {}).value === "mail";
  const body = mail ? { method: "mail", address: $("r-address").value.trim() || undefined }
    : { method: "pickup", hall: $("r-hall-select").value || undefined };
  const answer = await P.call(base() + "/delivery", { method: "PUT", json: body, token: token });
  if (answer.ok) {
    P.show($("r-delivery-error"), "");
    render(answer.data);
  } else {
    P.show($("r-delivery-error"), answer.fields["delivery.address"] || answer.fields.address || answer.message);
  }
}

async function access(event) {
  event.preventDefault();
  const wanted = $("x-case").value.trim().toUpperCase();
  const answer = await P.call(P.cfg.urls.access, { method: "POST", json: {
    case_no: wanted, phone: $("x-phone").value.trim(), id_number: $("x-id").value.trim().toUpperCase(),
  } });
  if (!answer.ok) {
    P.show($("x-error"), answer.status === 404 ? "办件编号、手机号码或身份证号码不正确" : answer.message);
    return;
  }
  P.tokens.set(answer.data.case_no, answer.data.token);
  if (answer.data.case_no !== caseNo) {
    location.href = P.url("application_page", answer.data.case_no);
    return;
  }
  token = answer.data.token;
  load();
}

$("access").addEventListener("submit", access);
$("r-refresh").addEventListener("click", load);
$("r-submit").addEventListener("click", function () { act("/submit", $("r-submit")); });
$("r-supplement").addEventListener("click", function () { act("/supplement", $("r-supplement")); });
$("r-withdraw").addEventListener("click", function () { act("/withdraw", $("r-withdraw"), "确定撤回这份申请吗？撤回后不能恢复。"); });
$("r-delivery-save").addEventListener("click", saveDelivery);
document.querySelectorAll('input[name="r-delivery"]').forEach(function (radio) { radio.addEventListener("change", toggleDelivery); });
document.addEventListener("visibilitychange", function () { if (!document.hidden && current) load(); });

P.call(P.cfg.urls.halls).then(function (answer) {
  halls = answer.ok ? answer.data : [];
  load();
});
