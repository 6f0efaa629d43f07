/*
 * The online application form. Submitting it creates the application (a draft; the answer carries
 * the access token, kept in localStorage), uploads each chosen file for its material, then submits
 * the application for pre-review and opens "my application". A step that fails shows its message
 * beside its field; submitting again carries on from there.
 *
 * A 一件事 (bundle) comes from its life-event page with the answers (?answers=id:value,…): the form shows
 * the parts those answers need, lists every material of them once (一次提交、多次复用) and sends the
 * answers with the application, which opens the bundle and its parts.
 */
import { $, filePicker } from "/static/js/dom.js";
import { promisedText } from "/static/js/time.js";
import * as P from "./portal.js";

const code = P.cfg.code;
const PHONE = /^1[3-9]\d{9}$/;
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS = "10X98765432";
let item = null;
let plan = null;            // 一件事: the plan of the answers carried over from the life-event page
const chosen = answersOf(new URLSearchParams(location.search).get("answers") || "");
const progress = { caseNo: null, token: null, sent: new Set() };

function answersOf(param) {
  const found = {};
  param.split(",").forEach(function (pair) {
    const at = pair.indexOf(":");
    if (at > 0) found[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  });
  return found;
}

function idProblem(value) {
  if (!/^\d{17}[\dX]$/.test(value)) return "应为 18 位身份证号码（最后一位可为 X）";
  const sum = WEIGHTS.reduce(function (total, weight, i) { return total + weight * Number(value[i]); }, 0);
  return CHECKS[sum % 11] === value[17] ? null : "校验位不正确，请核对身份证号码";
}

function fieldError(name, message) {
  const node = document.querySelector('.o-field-error[data-for="' + name + '"]');
  if (node) P.show(node, message);
  return !message;
}

function materialError(index, message) {
  P.show(document.querySelector('[data-material-index="' + index + '"] .o-file-error'), message);
}

function renderMaterials() {
  $("a-upload-hint").textContent = "支持 PDF、JPG、PNG 格式，单个文件不超过 " + P.sizeText(P.cfg.max_upload_bytes) + "。";
  $("a-materials").replaceChildren(...item.materials.map(function (material, index) {
    const input = P.el("input", { type: "file", multiple: true, accept: ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png",
      id: "m-" + index, name: "material-" + index });
    input.setAttribute("aria-label", "上传：" + material.name);
    input.addEventListener("change", function () {
      const problems = Array.from(input.files).map(P.fileProblem).filter(Boolean);
      materialError(index, problems[0] || "");
    });
    return P.el("li", { dataset: { materialIndex: String(index) } }, [
      P.el("span", { className: "o-mname", textContent: material.name }),
      P.el("span", { className: "o-tag" + (material.required ? "" : " is-optional"), textContent: material.required ? "必需" : "选交" }),
      material.for && plan ? P.el("span", { className: "o-mnote ev-for", textContent: "用于：" +
        material.for.map(function (c) { return stepName(c); }).join("、") }) : null,
      material.note ? P.el("span", { className: "o-mnote", textContent: material.note }) : null,
      filePicker(input),
      P.el("p", { className: "o-file-error", hidden: true }),
    ]);
  }));
}

function stepName(part) {
  const step = plan.steps.find(function (s) { return s.code === part; });
  return step ? step.name : part;
}

/* 一件事: the answers carried over, and the parts they need in order, with who decides each. */
function renderPlan() {
  $("a-answers").replaceChildren(...(item.questions || []).map(function (question) {
    const value = chosen[question.id] || question.choices[0].value;
    const choice = question.choices.find(function (c) { return c.value === value; }) || question.choices[0];
    return P.el("li", { dataset: { question: question.id } }, [
      P.el("span", { textContent: question.text + " " }), P.el("strong", { textContent: choice.label }),
    ]);
  }));
  $("a-steps").replaceChildren(...plan.steps.map(function (step) {
    const waits = step.waits_for.map(stepName);
    return P.el("li", { dataset: { code: step.code } }, [
      P.el("strong", { textContent: step.name }),
      P.el("span", { className: "o-mmeta", textContent: step.department_name + " · " + promisedText(step.promised_days) }),
      waits.length ? P.el("span", { className: "o-mnote", textContent: "在“" + waits.join("”“") + "”办结后转入审批" }) : null,
    ]);
  }));
  $("a-plan-box").hidden = false;
}

function deliveryChoice() {
  const method = document.querySelector('input[name="delivery"]:checked').value;
  if (method === "mail") return { method: "mail", address: $("a-address").value.trim() || undefined };
  return { method: "pickup", hall: $("a-hall").value || undefined };
}

function check() {
  let ok = true;
  ok = fieldError("applicant.name", $("a-name").value.trim() ? "" : "请填写姓名") && ok;
  ok = fieldError("applicant.id_number", idProblem($("a-id").value.trim().toUpperCase()) || "") && ok;
  ok = fieldError("applicant.phone", PHONE.test($("a-phone").value.trim()) ? "" : "请输入 11 位手机号码") && ok;
  const delivery = deliveryChoice();
  ok = fieldError("delivery.address", delivery.method === "mail" && !delivery.address ? "请填写邮寄地址" : "") && ok;
  item.materials.forEach(function (material, index) {
    const files = Array.from($("m-" + index).files);
    const problem = files.map(P.fileProblem).filter(Boolean)[0]
      || (material.required && !files.length && !alreadySent(index) ? "请上传该材料" : "");
    materialError(index, problem);
    ok = !problem && ok;
  });
  if (!$("a-promise").checked) {
    P.show($("a-error"), "请确认承诺所填信息和上传材料真实、有效");
    return false;
  }
  P.show($("a-error"), ok ? "" : "请按提示修改后再提交");
  return ok;
}

function alreadySent(index) {
  return Array.from(progress.sent).some(function (key) { return key.indexOf(index + ":") === 0; });
}

async function create() {
  const answer = await P.call(P.cfg.urls.applications, { method: "POST", json: {
    service: code,
    hall: $("a-hall").value,
    applicant: { name: $("a-name").value.trim(), id_number: $("a-id").value.trim().toUpperCase(), phone: $("a-phone").value.trim() },
    delivery: deliveryChoice(),
    note: $("a-note").value.trim() || undefined,
    answers: plan ? chosen : undefined,
  } });
  if (!answer.ok) {
    Object.keys(answer.fields).forEach(function (name) { fieldError(name, answer.fields[name]); });
    P.show($("a-error"), answer.message);
    return false;
  }
  progress.caseNo = answer.data.case_no;
  progress.token = answer.data.token;
  P.tokens.set(progress.caseNo, progress.token);
  // The applicant's details are now on the application: they can no longer be changed here.
  ["a-name", "a-id", "a-phone", "a-hall"].forEach(function (id) { $(id).disabled = true; });
  return true;
}

async function upload(index, file) {
  const form = new FormData();
  form.append("material", item.materials[index].name);
  form.append("file", file, file.name);
  const answer = await P.call(P.url("application", progress.caseNo) + "/files", { method: "POST", form: form, token: progress.token });
  if (!answer.ok) {
    materialError(index, "“" + file.name + "”：" + (answer.status === 413 ? answer.message : (answer.fields.file || answer.fields.material || answer.message)));
    return false;
  }
  return true;
}

async function send(event) {
  event.preventDefault();
  if (!check()) return;
  const button = $("a-submit");
  button.disabled = true;
  button.textContent = "正在提交…";
  try {
    if (!progress.token && !(await create())) return;
    for (let index = 0; index < item.materials.length; index++) {
      const files = Array.from($("m-" + index).files);
      for (let n = 0; n < files.length; n++) {
        const key = index + ":" + files[n].name + ":" + files[n].size;
        if (progress.sent.has(key)) continue;
        button.textContent = "正在上传 " + files[n].name + "…";
        if (!(await upload(index, files[n]))) {
          P.show($("a-error"), "有文件未能上传，请按提示更换后再提交（申请已保存为草稿：" + progress.caseNo + "）");
          return;
        }
        progress.sent.add(key);
      }
    }
    button.textContent = "正在提交预审…";
    const answer = await P.call(P.url("application", progress.caseNo) + "/submit", { method: "POST", json: {}, token: progress.token });
    if (!answer.ok) {
      P.show($("a-error"), answer.message + (Object.keys(answer.fields).length ? "：" + Object.values(answer.fields).join("；") : ""));
      return;
    }
    location.href = P.url("application_page", progress.caseNo);
  } finally {
    button.disabled = false;
    button.textContent = "提交申请";
  }
}

(async function () {
  const [service, halls] = await Promise.all([P.call(P.url("service", code)), P.call(P.cfg.urls.halls)]);
  if (!service.ok || !halls.ok) {
    P.show($("load-error"), service.status === 404 ? "事项不存在：" + code : (service.message || halls.message));
    return;
  }
  item = service.data;
  if (item.modes.indexOf("bundle") >= 0) {
    const planned = await P.call(P.url("plan", code), { method: "POST", json: { answers: chosen } });
    if (!planned.ok) {
      P.show($("load-error"), planned.message + "，请回到一件事导办页面重新回答问题。");
      return;
    }
    plan = planned.data;
    item.materials = plan.materials;  // every material of the parts once
    document.querySelector(".o-back").href = P.url("event_page", code) + location.search;
    document.querySelector(".o-back").textContent = "‹ 一件事导办";
    renderPlan();
  } else if (item.modes.indexOf("online") < 0) {
    P.show($("load-error"), "“" + item.name + "”不支持网上办理，请到大厅窗口办理。");
    return;
  }
  document.title = item.name + " · " + (plan ? "网上申请" : "在线申请");
  $("a-service").textContent = item.name;
  $("a-department").textContent = plan
    ? "一件事 · 共 " + plan.steps.length + " 个事项 · 全程" + promisedText(plan.promised_days)
    : item.department_name + " · " + promisedText(item.promised_days);
  // Only the halls that accept the item (its halls; every hall when it names none or is 同城办).
  const everywhere = !item.halls || item.modes.indexOf("citywide") >= 0;
  const accepting = halls.data.filter(function (hall) { return everywhere || item.halls.indexOf(hall.code) >= 0; });
  $("a-hall").replaceChildren(...accepting.map(function (hall) { return P.el("option", { value: hall.code, textContent: hall.name }); }));
  $("a-hall-row").hidden = accepting.length < 2;
  renderMaterials();
  document.querySelectorAll('input[name="delivery"]').forEach(function (radio) {
    radio.addEventListener("change", function () { $("a-address-row").hidden = deliveryChoice().method !== "mail"; });
  });
  $("apply").addEventListener("submit", send);
  $("apply").hidden = false;
})();
