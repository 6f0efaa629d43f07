/*
 * 统一出件: the clerk finds a decided case by its number or the applicant's full ID number, checks
 * that the 容缺 materials are in, hands the result over (deliver) and archives the case (close).
 * Handing over records the collector: 本人 (ID card checked, its number typed: the server checks it
 * is the applicant's) or 受托人 (name, ID number, 授权委托书 taken), who may sign on screen; a mailed
 * result records who signed for it and when. The 送达回证 is printed from the documents row.
 * A decided case not yet at the window can be announced for pickup here (notify_pickup) or mailed
 * with its waybill number (mail), whichever the applicant chose or now asks for. A part of a 主题式
 * bundle is never handed over by itself: the panel sends the clerk to the bundle (its parent).
 */
import { $, el } from "/static/js/dom.js";
import { hallDateTime, hallToday } from "/static/js/time.js";
import { api, cfg } from "./context.js";
import {
  DOCUMENT_NAMES, clearFieldErrors, idNumberError, modeName, printDocument, showAlert, showApiError, stateName,
} from "./cases.js";
import { signaturePad } from "/static/js/signature.js";

const LIST_LIMIT = 50;
const ID_NUMBER = /^\d{17}[\dXx]$/;

const pickup = { case: null, busy: false, mailing: false };   // mailing: the 邮寄 form is open
const dialog = $("pickup-dialog");
const RECEIPT_DAYS = 15;   // a mailed result is signed for within these days
const HHMM = /^([01]?\d|2[0-3])[:：]([0-5]\d)$/;
const pad = signaturePad($("pk-sign"), function (signed) {
  $("pk-sign-state").textContent = signed ? "已签名" : "未签名：送达后打印送达回证纸面签名";
});

function open() {
  showAlert($("pk-error"), null);
  if (!dialog.open) dialog.showModal();
  $("pk-q").focus();
  if (!pickup.case) listWaiting();
}

// ---------- finding ----------

/** List the cases waiting for pickup at this hall. */
async function listWaiting() {
  try {
    const answer = await api("GET", "/cases?state=ready_for_pickup&hall=" + encodeURIComponent(cfg.hall) + "&limit=" + LIST_LIMIT);
    renderList(answer.items, "待领取（" + answer.total + "）");
  } catch (error) {
    showAlert($("pk-error"), error);
  }
}

async function find() {
  let q = $("pk-q").value.trim();
  if (!q) { listWaiting(); return; }
  if (ID_NUMBER.test(q)) {
    q = q.toUpperCase();
    const wrong = idNumberError(q);
    if (wrong) { showAlert($("pk-error"), { message: wrong }); return; }
  }
  showAlert($("pk-error"), null);
  try {
    const answer = await api("GET", "/cases?q=" + encodeURIComponent(q) + "&limit=" + LIST_LIMIT);
    renderList(answer.items, "查找结果（" + answer.total + "）");
    if (answer.items.length === 1) show(answer.items[0]);
  } catch (error) {
    showAlert($("pk-error"), error);
  }
}

function renderList(items, title) {
  $("pk-list-title").textContent = title;
  const list = $("pk-results");
  list.textContent = "";
  $("pk-results-empty").hidden = items.length > 0;
  items.forEach(function (kase) {
    const li = el("li");
    const button = el("button", "c-result");
    button.type = "button";
    button.dataset.caseNo = kase.case_no;
    if (pickup.case && pickup.case.case_no === kase.case_no) button.classList.add("is-current");
    const title = el("span", "c-result-title");
    title.append(el("b", "", kase.case_no),
      el("small", "", (kase.service_name || kase.service) + " · " + ((kase.applicant && kase.applicant.name) || "")));
    button.append(title, el("span", "c-state c-state-" + kase.state, stateName(kase)));
    button.addEventListener("click", function () { show(kase); });
    li.append(button);
    list.append(li);
  });
}

// ---------- the case ----------

function show(kase) {
  const other = !pickup.case || pickup.case.case_no !== kase.case_no;
  pickup.case = kase;
  pickup.mailing = false;
  showAlert($("pk-error"), null);
  if (other) resetHandover();
  render();
}

// ---------- who takes the result ----------

/** Empty the collector and receipt forms (another case, or a result just handed over). */
function resetHandover() {
  $("pk-kind-self").checked = true;
  ["pk-proxy-name", "pk-collector-id", "pk-signed-by", "pk-signed-time"].forEach(function (id) {
    $(id).value = "";
  });
  $("pk-id-checked").checked = false;
  $("pk-proxy-letter").checked = false;
  pad.clear();
  const days = $("pk-signed-day");
  days.textContent = "";
  for (let back = 0; back < RECEIPT_DAYS; back += 1) {
    const day = hallToday(cfg.tz, -back);
    const option = el("option", "", day + (back === 0 ? "（今天）" : back === 1 ? "（昨天）" : ""));
    option.value = day;
    days.append(option);
  }
  clearFieldErrors($("pk-collector-form"));
  clearFieldErrors($("pk-receipt-form"));
}

function collectorKind() { return $("pk-kind-proxy").checked ? "proxy" : "self"; }

/** The deliver's data about who takes the result; null (and the field marked) when the form is short. */
function handoverData(kase) {
  if (kase.state === "mailing") {
    const signedBy = $("pk-signed-by").value.trim();
    const time = $("pk-signed-time").value.trim();
    const form = $("pk-receipt-form");
    const fields = {};
    if (!signedBy) fields["data.receipt.signed_by"] = "请填写签收人";
    if (!HHMM.test(time)) fields["data.receipt.signed_at"] = "请填写签收时间（时:分，如 14:30）";
    if (Object.keys(fields).length) {
      showApiError(form, $("pk-error"), { status: 400, message: "请登记邮件签收", details: { fields: fields } });
      return null;
    }
    const match = HHMM.exec(time);
    const at = $("pk-signed-day").value + "T" + match[1].padStart(2, "0") + ":" + match[2];
    return { receipt: { signed_by: signedBy, signed_at: at } };
  }
  if (kase.state !== "ready_for_pickup") return {};
  const kind = collectorKind();
  const collector = { kind: kind };
  const idNumber = $("pk-collector-id").value.trim().toUpperCase();
  if (idNumber) collector.id_number = idNumber;
  if (kind === "self") {
    collector.id_checked = $("pk-id-checked").checked;
  } else {
    const name = $("pk-proxy-name").value.trim();
    if (name) collector.name = name;
    collector.proxy_letter = $("pk-proxy-letter").checked;
  }
  const data = { collector: collector };
  const signature = pad.dataUrl();
  if (signature) data.signature = signature;
  return data;
}

/** Say who took the result, as the case answer records it. */
function collectedText(kase) {
  const c = kase.collector;
  if (!c) return "";
  const bits = [];
  if (c.method === "mail") {
    bits.push("签收人 " + (c.name || "未登记"));
    if (c.signed_at) bits.push("签收时间 " + hallDateTime(c.signed_at, cfg.tz));
    if (c.waybill_no) bits.push("运单 " + c.waybill_no);
  } else {
    bits.push((c.name || "未登记") + (c.kind_name ? "（" + c.kind_name + "）" : ""));
    if (c.id_number) bits.push("证件 " + c.id_number);
    if (c.kind === "self" && c.id_checked) bits.push("已核验身份证件");
    if (c.kind === "proxy" && c.proxy_letter) bits.push("已收取授权委托书");
    bits.push(c.signed_on_screen ? "已在屏幕上签名" : "纸面签名");
  }
  bits.push("送达 " + hallDateTime(c.at, cfg.tz) + (c.clerk ? " · " + c.clerk.name : ""));
  return bits.join(" · ");
}

/** Open the bundle a part belongs to: the bundle is what is handed over. */
async function openParent() {
  const kase = pickup.case;
  if (!kase || !kase.parent) return;
  try {
    show(await api("GET", "/cases/" + encodeURIComponent(kase.parent)));
  } catch (error) {
    showAlert($("pk-error"), error);
  }
}

/** Tell whether the result is decided and waits to be sent to the window or by mail. */
function awaitingHandover(kase) {
  // A bundle stays in_approval until the clerk sends it on; it is decided once every part is.
  return !!kase.decided_at && ["approved", "denied", "in_approval"].indexOf(kase.state) >= 0;
}

function deliveryText(kase) {
  const d = kase.delivery || {};
  if (d.method === "mail") {
    return "邮寄送达" + (d.address ? " · " + d.address : "") + (kase.waybill_no ? " · 运单 " + kase.waybill_no : "");
  }
  return "窗口领取 · " + (d.hall_name || d.hall || kase.hall_name || kase.hall || "");
}

function hint(kase) {
  const can = kase.allowed_triggers || [];
  if (kase.parent) return "";   // the part's box says where to go
  if (awaitingHandover(kase)) {
    if (can.indexOf("mail") < 0 && can.indexOf("notify_pickup") < 0) return "结果已出，由出件窗口通知取件或寄出。";
    if ((kase.delivery || {}).method === "mail") return "申请人选择邮寄送达：点击“邮寄”登记运单号后寄出；申请人要求改为窗口领取的，点击“通知取件”。";
    return "结果已出，尚未通知取件：点击“通知取件”后在本窗口发放；申请人要求邮寄的，点击“邮寄”。";
  }
  switch (kase.state) {
    case "ready_for_pickup": return "请核验领取人身份并登记领取人；容缺材料收齐后点击“送达”，再打印送达回证。";
    case "mailing": return "邮寄中：登记签收人和签收时间后点击“送达”。";
    case "delivered": return "已送达，请点击“归档”。";
    case "closed": return "已归档，本件办结。";
    default: return "办件尚未办结（" + (stateName(kase)) + "），暂不能出件。";
  }
}

function render() {
  const kase = pickup.case;
  $("pk-case").hidden = !kase;
  if (!kase) return;
  $("pk-case-no").textContent = kase.case_no;
  const state = $("pk-state");
  state.textContent = stateName(kase);
  state.className = "c-state c-state-" + kase.state;
  const applicant = kase.applicant || {};
  $("pk-service").textContent = kase.service_name || kase.service;
  $("pk-applicant").textContent = applicant.name || "—";
  $("pk-id").textContent = applicant.id_number || "—";
  $("pk-phone").textContent = applicant.phone || "—";
  $("pk-mode").textContent = kase.mode_name || modeName(kase.mode);
  $("pk-delivery").textContent = deliveryText(kase);

  // 容缺 materials: those still missing get a 已收到 box; the result waits until every one is in.
  const deficiencies = kase.deficiencies || [];
  $("pk-deficiencies").hidden = deficiencies.length === 0;
  const list = $("pk-deficiency-list");
  list.textContent = "";
  deficiencies.forEach(function (item) {
    const li = el("li", "c-check" + (item.received_at ? " is-received" : ""));
    const label = el("label");
    const box = el("input");
    box.type = "checkbox";
    box.value = item.name;
    box.checked = !!item.received_at;
    box.disabled = !!item.received_at;
    label.append(box, " " + item.name + " ");
    label.append(el("small", "", item.received_at ? "已收到" : "已收到？（应于 " + item.due + " 前补齐）"));
    li.append(label);
    list.append(li);
  });

  const docs = $("pk-docs");
  docs.textContent = "";
  (kase.documents || []).forEach(function (kind) {
    const button = el("button", "c-btn c-btn-quiet", "打印" + (DOCUMENT_NAMES[kind] || kind));
    button.type = "button";
    button.dataset.kind = kind;
    button.addEventListener("click", function () {
      printDocument(kase.case_no, kind, $("pk-hint")).catch(function (error) { showAlert($("pk-error"), error); });
    });
    docs.append(button);
  });

  // A part of a 主题式 bundle: no hand-over buttons, the way to the bundle instead.
  $("pk-part").hidden = !kase.parent;
  $("pk-part-text").textContent = kase.parent ? "属于主题式服务 " + kase.parent + "，请办理主件" : "";
  $("pk-open-parent").textContent = kase.parent ? "打开主件 " + kase.parent : "打开主件";
  $("pk-actions").hidden = !!kase.parent;

  const can = kase.allowed_triggers || [];
  dialog.querySelectorAll("[data-pickup]").forEach(function (button) {
    button.disabled = pickup.busy || can.indexOf(button.dataset.pickup) < 0;
  });
  const waiting = awaitingHandover(kase) && !kase.parent;
  const byMail = (kase.delivery || {}).method === "mail";
  $("pk-notify").hidden = !waiting;
  $("pk-mail").hidden = !waiting;
  $("pk-mail").disabled = pickup.busy || can.indexOf("mail") < 0;
  $("pk-mail").classList.toggle("c-btn-primary", byMail);   // the applicant's choice first
  $("pk-mail").classList.toggle("is-open", pickup.mailing);
  $("pk-mail").setAttribute("aria-expanded", pickup.mailing && waiting ? "true" : "false");
  $("pk-mail-form").hidden = !(pickup.mailing && waiting);
  $("pk-mail-confirm").disabled = pickup.busy;

  // Who takes the result: asked while it can be handed over, shown once it was.
  const canDeliver = can.indexOf("deliver") >= 0 && !kase.parent;
  $("pk-collector-form").hidden = !(canDeliver && kase.state === "ready_for_pickup");
  $("pk-receipt-form").hidden = !(canDeliver && kase.state === "mailing");
  const proxy = collectorKind() === "proxy";
  $("pk-proxy-name-field").hidden = !proxy;
  $("pk-proxy-letter-field").hidden = !proxy;
  $("pk-id-checked-field").hidden = proxy;
  $("pk-collector-id-label").textContent = proxy ? "受托人身份证号" : "领取人身份证号（核验证件后录入，须与申请人一致）";
  $("pk-collected").hidden = !kase.collector;
  $("pk-collected-text").textContent = collectedText(kase);

  $("pk-hint").textContent = hint(kase);
  dialog.classList.toggle("is-busy", pickup.busy);
  $("pk-results").querySelectorAll(".c-result").forEach(function (button) {
    const current = button.dataset.caseNo === kase.case_no;
    button.classList.toggle("is-current", current);
    if (current) {
      const pill = button.querySelector(".c-state");
      pill.textContent = stateName(kase);
      pill.className = "c-state c-state-" + kase.state;
    }
  });
}

async function act(trigger) {
  const kase = pickup.case;
  if (!kase || pickup.busy) return;
  const body = { trigger: trigger };
  if (trigger === "deliver") {
    clearFieldErrors($("pk-case"));
    const handover = handoverData(kase);
    if (!handover) return;
    body.data = Object.assign({
      received: Array.from($("pk-deficiency-list").querySelectorAll("input:checked:not(:disabled)"))
        .map(function (box) { return box.value; }),
    }, handover);
  }
  pickup.busy = true;
  render();
  showAlert($("pk-error"), null);
  try {
    pickup.case = await api("POST", "/cases/" + encodeURIComponent(kase.case_no) + "/transitions", body);
    if (trigger === "deliver") resetHandover();
  } catch (error) {
    showApiError($("pk-case"), $("pk-error"), error);
  }
  pickup.busy = false;
  render();
}

// ---------- 邮寄 ----------

function openMail() {
  const kase = pickup.case;
  if (!kase || pickup.busy) return;
  pickup.mailing = true;
  clearFieldErrors($("pk-mail-form"));
  $("pk-waybill").value = "";
  $("pk-address").value = (kase.delivery && kase.delivery.address) || "";
  render();
  $("pk-waybill").focus();
}

/** Mail the result: the waybill number, and the address when the clerk changed it. */
async function mail() {
  const kase = pickup.case;
  if (!kase || pickup.busy) return;
  const data = { waybill_no: $("pk-waybill").value.trim() };
  const address = $("pk-address").value.trim();
  if (address !== ((kase.delivery && kase.delivery.address) || "")) data.address = address;
  pickup.busy = true;
  render();
  showAlert($("pk-error"), null);
  clearFieldErrors($("pk-mail-form"));
  try {
    pickup.case = await api("POST", "/cases/" + encodeURIComponent(kase.case_no) + "/transitions", { trigger: "mail", data: data });
    pickup.mailing = false;
  } catch (error) {
    showApiError($("pk-mail-form"), $("pk-error"), error);
  }
  pickup.busy = false;
  render();
}

$("pk-mail").addEventListener("click", function () {
  if (pickup.mailing) { pickup.mailing = false; render(); } else openMail();
});
$("pk-mail-confirm").addEventListener("click", mail);
$("pk-mail-cancel").addEventListener("click", function () { pickup.mailing = false; render(); });
["pk-waybill", "pk-address"].forEach(function (id) {
  $(id).addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); mail(); }
  });
});
$("pk-open-parent").addEventListener("click", openParent);
dialog.querySelectorAll('input[name="pk-collector-kind"]').forEach(function (radio) {
  radio.addEventListener("change", function () { clearFieldErrors($("pk-collector-form")); render(); });
});
$("pk-sign-clear").addEventListener("click", function () { pad.clear(); });
// A field the clerk corrects loses its error at once.
const FIELD_ERRORS = {
  "pk-proxy-name": "data.collector.name", "pk-collector-id": "data.collector.id_number",
  "pk-id-checked": "data.collector.id_checked", "pk-proxy-letter": "data.collector.proxy_letter",
  "pk-signed-by": "data.receipt.signed_by", "pk-signed-time": "data.receipt.signed_at",
  "pk-signed-day": "data.receipt.signed_at",
};
Object.keys(FIELD_ERRORS).forEach(function (id) {
  const event = $(id).type === "checkbox" || $(id).tagName === "SELECT" ? "change" : "input";
  $(id).addEventListener(event, function () {
    dialog.querySelectorAll('[data-error-for="' + FIELD_ERRORS[id] + '"], [data-error-for="data.collector"]')
      .forEach(function (slot) { slot.hidden = true; slot.textContent = ""; });
  });
});

$("pk-form").addEventListener("submit", function (event) { event.preventDefault(); find(); });
dialog.querySelectorAll("[data-pickup]").forEach(function (button) {
  button.addEventListener("click", function () { act(button.dataset.pickup); });
});


export { open };
