/*
 * 统一出件: the clerk finds a decided case by its number or the applicant's full ID number, checks
 * that the 容缺 materials are in, hands the result over (deliver) and archives the case (close).
 * A decided case not yet at the window can be announced for pickup here (notify_pickup) or mailed
 * with its waybill number (mail), whichever the applicant chose or now asks for. A part of a 主题式
 * bundle is never handed over by itself: the panel sends the clerk to the bundle (its parent).
 */
import { $, el } from "/static/js/dom.js";
import { api, cfg } from "./context.js";
import {
  DOCUMENT_NAMES, clearFieldErrors, idNumberError, modeName, printDocument, showAlert, showApiError, stateName,
} from "./cases.js";

const LIST_LIMIT = 50;
const ID_NUMBER = /^\d{17}[\dXx]$/;

const pickup = { case: null, busy: false, mailing: false };   // mailing: the 邮寄 form is open
const dialog = $("pickup-dialog");

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
  pickup.case = kase;
  pickup.mailing = false;
  showAlert($("pk-error"), null);
  render();
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
    case "ready_for_pickup": return "请核验领取人身份；容缺材料收齐后点击“送达”。";
    case "mailing": return "邮寄中：签收后点击“送达”。";
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
    body.data = {
      received: Array.from($("pk-deficiency-list").querySelectorAll("input:checked:not(:disabled)"))
        .map(function (box) { return box.value; }),
    };
  }
  pickup.busy = true;
  render();
  showAlert($("pk-error"), null);
  try {
    pickup.case = await api("POST", "/cases/" + encodeURIComponent(kase.case_no) + "/transitions", body);
  } catch (error) {
    showAlert($("pk-error"), error);
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

$("pk-form").addEventListener("submit", function (event) { event.preventDefault(); find(); });
dialog.querySelectorAll("[data-pickup]").forEach(function (button) {
  button.addEventListener("click", function () { act(button.dataset.pickup); });
});


export { open };
