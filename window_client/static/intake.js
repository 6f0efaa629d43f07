/*
 * 综合受理: the clerk opens a case for the ticket being served.
 *
 * Choose the item, enter the applicant, tick off the materials (intake_materials.js), then one
 * action: 受理, 容缺受理, 一次性告知, 不予受理 or (马上办) 当场办结. Each action is POST /cases, then the
 * action's transition on the new case. When the transition fails the created case stays on screen
 * (待受理) and the next action is tried on it, so a retry never opens a second case; each POST goes
 * out with an Idempotency-Key and is re-sent with it after a network error (api.js).
 */
import { $, el } from "/static/js/dom.js";
import { promisedText, workdaysText } from "/static/js/time.js";
import { api, cfg } from "./context.js";
import {
  DOCUMENT_NAMES, WINDOW_MODES, clearFieldErrors, hallDate, idNumberError, modeName, modeOrder, phoneError,
  printDocument, showAlert, showApiError, stateName,
} from "./cases.js";
import {
  fillDeferForm, fillNoticeForm, markMaterials, materialRows, missingRequired, renderMaterials, tickAll, ticked,
} from "./intake_materials.js";
import { bundleAnswers, planned, renderBundleResult } from "./intake_bundle.js";
import { cityBody, cityModeChanged, loadCity, renderCityResult } from "./intake_citywide.js";

// The document each action gives the applicant.
const DOCUMENT_OF = {
  accept: "acceptance", accept_with_deficiency: "deficiency", request_supplement: "supplement",
  refuse: "refusal", complete_on_spot: "completion",
};
const DONE_LABELS = {
  accept: "已受理", accept_with_deficiency: "已容缺受理", request_supplement: "已一次性告知补正（暂不计时）",
  refuse: "不予受理", complete_on_spot: "已当场办结",
};
const SUB_FORMS = { accept_with_deficiency: "in-defer-form", request_supplement: "in-notice-form", refuse: "in-refuse-form" };

const intake = {
  ticket: null,     // the ticket being served: the case is linked to it
  items: null,      // every item (loaded once) for the ticket queue's list
  item: null,       // the chosen item, with its guide
  created: null,    // a case created whose action has not gone through yet: the next action retries on it
  done: null,       // the case after a successful action, and the action
  subForm: null,    // the open sub-form's trigger
  lastApplicant: null,   // kept for 继续受理其他事项 (same applicant, another item)
  busy: false,
  searchSeq: 0,
};

const dialog = $("intake-dialog");
const form = $("in-form");

// ---------- opening and resetting ----------

function open(ticket) {
  if (intake.ticket && intake.ticket.id !== ticket.id && !intake.created) reset(true);
  if (!intake.created) intake.ticket = { id: ticket.id, number: ticket.number, queue: ticket.queue, queue_name: ticket.queue_name };
  $("in-ticket").textContent = "号票 " + intake.ticket.number + " · " + (intake.ticket.queue_name || intake.ticket.queue);
  loadCity();
  render();
  if (!dialog.open) dialog.showModal();
  if (!intake.item && !intake.done) { $("in-q").focus(); search(); }
}

/** Start a new intake; keep the applicant when the same person applies for another item. */
function reset(everything) {
  intake.item = null;
  intake.created = null;
  intake.done = null;
  if (everything) intake.lastApplicant = null;
  closeSubForm();
  form.reset();
  clearFieldErrors(dialog);
  showAlert($("in-error"), null);
  $("in-print-fallback").hidden = true;
  if (!everything && intake.lastApplicant) {
    $("in-name").value = intake.lastApplicant.name;
    $("in-id").value = intake.lastApplicant.id_number;
    $("in-phone").value = intake.lastApplicant.phone;
  }
  $("in-q").value = "";
  renderItem();
}

// ---------- item search ----------

let searchTimer = null;
function searchSoon() {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(search, 250);
}

async function search() {
  const q = $("in-q").value.trim();
  const seq = ++intake.searchSeq;
  let items;
  try {
    if (q) {
      items = await api("GET", "/services?q=" + encodeURIComponent(q));
    } else {
      // Nothing typed: the items of the ticket's queue, the likeliest choices.
      if (!intake.items) intake.items = await api("GET", "/services");
      items = intake.items.filter(function (item) { return intake.ticket && item.queue === intake.ticket.queue; });
    }
  } catch (error) {
    showAlert($("in-error"), error);
    return;
  }
  if (seq !== intake.searchSeq) return;   // a newer search answered first
  renderResults(items, q);
}

function modeBadges(modes) {
  const box = el("span", "c-modes");
  modeOrder().forEach(function (mode) {
    if (modes.indexOf(mode) < 0) return;
    const badge = el("span", "c-mode c-mode-" + mode, modeName(mode));
    if (WINDOW_MODES.indexOf(mode) < 0) {
      badge.classList.add("is-elsewhere");
      badge.title = "不在窗口受理";
    }
    badge.dataset.mode = mode;
    box.append(badge);
  });
  return box;
}

function renderResults(items, q) {
  const list = $("in-results");
  list.textContent = "";
  if (!items.length) {
    list.append(el("li", "c-empty", q ? "没有找到“" + q + "”相关的事项" : "请输入事项名称或编码"));
    return;
  }
  items.forEach(function (item) {
    const li = el("li");
    const button = el("button", "c-result");
    button.type = "button";
    button.dataset.code = item.code;
    const title = el("span", "c-result-title");
    title.append(el("b", "", item.name), el("small", "", item.code + " · " + (item.department_name || item.department)));
    button.append(title, modeBadges(item.modes));
    button.addEventListener("click", function () { pick(item.code); });
    li.append(button);
    list.append(li);
  });
}

async function pick(code) {
  try {
    // A 主题式 bundle: its questions decide the parts, and the plan's materials are ticked off.
    intake.item = await planned(await api("GET", "/services/" + encodeURIComponent(code)), function (item) {
      intake.item = item;
      renderMaterials(item, updateMaterials);
      updateMaterials();
    });
  } catch (error) {
    showAlert($("in-error"), error);
    return;
  }
  showAlert($("in-error"), null);
  clearFieldErrors(dialog);
  closeSubForm();
  renderItem();
  const mode = $("in-mode");
  if (!mode.disabled && mode.options.length) $("in-name").focus();
}

function renderItem() {
  const item = intake.item;
  $("in-item").hidden = !item;
  $("in-q").hidden = !!item;
  $("in-results").hidden = !!item;
  if (!item) $("in-bundle").hidden = true;
  const modes = item ? item.modes.filter(function (m) { return WINDOW_MODES.indexOf(m) >= 0; }) : [];
  $("in-mode-field").hidden = !item || modes.length === 0;
  $("in-mode-none").hidden = !item || modes.length > 0;
  const select = $("in-mode");
  select.textContent = "";
  if (item) {
    $("in-item-name").textContent = item.name;
    $("in-item-code").textContent = item.code;
    $("in-item-meta").textContent = (item.department_name || item.department) + " · " + promisedText(item.promised_days)
      + "（法定 " + workdaysText(item.legal_days) + "）";
    const badges = $("in-item-modes");
    badges.textContent = "";
    badges.append(modeBadges(item.modes));
    modes.forEach(function (mode) { select.append(new Option(modeName(mode), mode)); });
  }
  renderMaterials(item, updateMaterials);
  updateMaterials();
  modeChanged();
}

function modeChanged() {
  const mode = $("in-mode").value;
  // 一次办: the result is mailed unless the applicant asks to collect it.
  $(mode === "once" ? "in-delivery-mail" : "in-delivery-pickup").checked = true;
  cityModeChanged(mode);
  deliveryChanged();
  render();
}

function deliveryChanged() {
  const mail = $("in-delivery-mail").checked;
  $("in-address-field").hidden = !mail;
  $("in-pickup-hall-field").hidden = mail;
}

// ---------- materials (intake_materials.js) ----------

function updateMaterials() {
  markMaterials(intake.item);
  render();
}

// ---------- rendering ----------

function render() {
  const item = intake.item;
  const mode = $("in-mode").value;
  const openable = !!item && !!mode;
  const missing = missingRequired(intake.item);
  const deferrable = item ? item.materials.filter(function (m) { return m.deferrable; }) : [];
  const canAccept = openable && missing.length === 0;
  const can = {
    accept: canAccept,
    complete_on_spot: canAccept && mode === "immediate",
    // A bundle's parts are accepted together, never with 容缺.
    accept_with_deficiency: openable && mode !== "bundle" && deferrable.length > 0
      && missing.every(function (m) { return m.material.deferrable; }),
    request_supplement: openable,
    refuse: openable,
  };
  dialog.querySelectorAll("[data-intake]").forEach(function (button) {
    button.disabled = intake.busy || !can[button.dataset.intake];
  });
  $("in-on-spot").hidden = mode !== "immediate";
  $("in-defer").title = item && deferrable.length === 0 ? "本事项没有可容缺的材料" : "";
  ["in-defer-confirm", "in-notice-confirm", "in-refuse-confirm"].forEach(function (id) { $(id).disabled = intake.busy; });
  dialog.classList.toggle("is-busy", intake.busy);

  // A created case holds the application: only the action can change now.
  const locked = !!intake.created;
  form.querySelectorAll("fieldset").forEach(function (box) { box.disabled = locked || intake.busy; });
  $("in-all-materials").disabled = locked || intake.busy;
  $("in-item-change").disabled = locked || intake.busy;
  $("in-pending").hidden = !locked;
  $("in-pending-no").textContent = locked ? intake.created.case_no : "";

  const done = intake.done;
  $("in-result").hidden = !done;
  form.hidden = !!done;
  if (done) renderResult(done.case, done.trigger);
}

function renderResult(kase, trigger) {
  $("in-result-label").textContent = DONE_LABELS[trigger] || stateName(kase);
  $("in-result").dataset.trigger = trigger;
  $("in-case-no").textContent = kase.case_no;
  const facts = [(kase.service_name || kase.service), stateName(kase)];
  if (kase.deadline && kase.light) facts.push("承诺办结期限 " + kase.deadline);
  $("in-case-state").textContent = facts.join(" · ");
  $("in-case-url").textContent = kase.progress_url ? "进度查询：" + kase.progress_url : "";
  const kind = documentKind(kase, trigger);
  const print = $("in-print");
  print.hidden = !kind;
  print.dataset.kind = kind || "";
  print.textContent = kind ? "打印" + DOCUMENT_NAMES[kind] : "打印";
  renderBundleResult(kase);
  renderCityResult(kase);
}

function documentKind(kase, trigger) {
  const docs = kase.documents || [];
  const wanted = DOCUMENT_OF[trigger];
  if (docs.indexOf(wanted) >= 0) return wanted;
  return docs.length ? docs[docs.length - 1] : null;
}

// ---------- sub-forms (容缺, 一次性告知, 不予受理) ----------

function toggleSubForm(trigger) {
  if (intake.subForm === trigger) { closeSubForm(); return; }
  closeSubForm();
  intake.subForm = trigger;
  const box = $(SUB_FORMS[trigger]);
  box.hidden = false;
  dialog.querySelector('[data-intake="' + trigger + '"]').classList.add("is-open");
  if (trigger === "accept_with_deficiency") fillDeferForm(intake.item);
  if (trigger === "request_supplement") fillNoticeForm(intake.item);
  if (trigger === "refuse") $("in-refuse-note").focus();
  box.scrollIntoView({ block: "nearest" });
}

function closeSubForm() {
  intake.subForm = null;
  Object.keys(SUB_FORMS).forEach(function (trigger) { $(SUB_FORMS[trigger]).hidden = true; });
  dialog.querySelectorAll("[data-intake].is-open").forEach(function (b) { b.classList.remove("is-open"); });
}

// ---------- validation and actions ----------

function fieldError(key, message, scope) {
  const slot = (scope || dialog).querySelector('[data-error-for="' + key + '"]');
  slot.textContent = message;
  slot.hidden = !message;
  return !message;
}

function checkId() { return fieldError("applicant.id_number", idNumberError($("in-id").value)); }
function checkPhone() { return fieldError("applicant.phone", phoneError($("in-phone").value)); }

/** Check the application in the browser; say what is wrong next to each field. */
function validApplication() {
  clearFieldErrors(dialog);
  let ok = true;
  if (!intake.item) ok = fieldError("service", "请先选择办理事项") && ok;
  ok = fieldError("applicant.name", $("in-name").value.trim() ? "" : "请填写申请人姓名") && ok;
  ok = checkId() && ok;
  ok = checkPhone() && ok;
  if ($("in-delivery-mail").checked && !$("in-address").value.trim()) ok = fieldError("delivery", "邮寄送达请填写邮寄地址") && ok;
  if (!ok) {
    const first = dialog.querySelector("[data-error-for]:not([hidden])");
    const input = first && first.parentElement.querySelector("input, select");
    if (input) input.focus();
  }
  return ok;
}

function applicationBody() {
  const mail = $("in-delivery-mail").checked;
  return Object.assign({
    service: intake.item.code,
    hall: cfg.hall,
    mode: $("in-mode").value,
    applicant: {
      name: $("in-name").value.trim(),
      id_number: $("in-id").value.trim().toUpperCase(),
      phone: $("in-phone").value.trim(),
    },
    ticket_id: intake.ticket.id,
    answers: bundleAnswers(),
    materials: materialRows(intake.item).filter(function (m) { return m.received; }).map(function (m) {
      return { name: m.material.name, original_seen: m.original_seen, copies: m.copies };
    }),
    delivery: mail
      ? { method: "mail", address: $("in-address").value.trim() }
      : { method: "pickup", hall: $("in-pickup-hall").value || cfg.hall },
  }, cityBody($("in-mode").value));
}

/** What the action needs besides the application (its sub-form), or null when it is not complete. */
function actionInput(trigger) {
  clearFieldErrors(dialog);
  if (trigger === "accept_with_deficiency") {
    const names = ticked($("in-defer-list"));
    const due = $("in-defer-due").value;
    if (!names.length) return fieldError("data", "请勾选尚缺的可容缺材料", $("in-defer-form")), null;
    if (!due || due <= hallDate(0)) return fieldError("data", "请选择今天以后的补齐期限", $("in-defer-form")), null;
    return { data: { deficiencies: names, due: due } };
  }
  if (trigger === "request_supplement") {
    const extra = $("in-notice-extra").value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
    const missing = ticked($("in-notice-list")).concat(extra);
    if (!missing.length) return fieldError("data", "请列明需补正的材料（至少一项）", $("in-notice-form")), null;
    return { data: { missing: missing } };
  }
  if (trigger === "refuse") {
    const note = $("in-refuse-note").value.trim();
    if (!note) return fieldError("note", "请填写不予受理的理由", $("in-refuse-form")), null;
    return { note: note };
  }
  return {};
}

async function act(trigger) {
  if (intake.busy) return;
  showAlert($("in-error"), null);
  if (!intake.created && !validApplication()) return;
  const input = actionInput(trigger);
  if (!input) return;
  intake.busy = true;
  render();
  try {
    if (!intake.created) {
      const body = applicationBody();
      intake.created = await api("POST", "/cases", body);
      intake.lastApplicant = body.applicant;
    }
    const transition = { trigger: trigger };
    if (input.note) transition.note = input.note;
    if (input.data) transition.data = input.data;
    const kase = await api("POST", "/cases/" + encodeURIComponent(intake.created.case_no) + "/transitions", transition);
    intake.done = { case: kase, trigger: trigger };
    intake.created = null;
    closeSubForm();
  } catch (error) {
    showApiError(dialog, $("in-error"), error);
  }
  intake.busy = false;
  render();
  if (intake.done) $("in-print").focus();
}

async function withdraw() {
  if (!intake.created || intake.busy) return;
  intake.busy = true;
  render();
  try {
    await api("POST", "/cases/" + encodeURIComponent(intake.created.case_no) + "/transitions",
      { trigger: "withdraw", note: "窗口受理未完成，撤回办件" });
    intake.created = null;
    showAlert($("in-error"), null);
  } catch (error) {
    showApiError(dialog, $("in-error"), error);
  }
  intake.busy = false;
  render();
}

async function print() {
  const kind = $("in-print").dataset.kind;
  if (!intake.done || !kind) return;
  showAlert($("in-error"), null);
  try {
    await printDocument(intake.done.case.case_no, kind, $("in-print-fallback"));
  } catch (error) {
    showAlert($("in-error"), error);
  }
}

// ---------- wiring ----------

$("in-q").addEventListener("input", searchSoon);
$("in-q").addEventListener("keydown", function (event) {
  if (event.key === "Enter") {
    event.preventDefault();
    const first = $("in-results").querySelector(".c-result");
    if (first && first.closest("ul").children.length === 1) first.click();
    else { clearTimeout(searchTimer); search(); }
  }
});
$("in-item-change").addEventListener("click", function () {
  intake.item = null;
  closeSubForm();
  renderItem();
  $("in-q").focus();
  search();
});
$("in-mode").addEventListener("change", modeChanged);
$("in-delivery-pickup").addEventListener("change", deliveryChanged);
$("in-delivery-mail").addEventListener("change", deliveryChanged);
$("in-id").addEventListener("blur", function () { if ($("in-id").value) checkId(); });
$("in-id").addEventListener("input", function () { if (!idNumberError($("in-id").value)) fieldError("applicant.id_number", ""); });
$("in-phone").addEventListener("blur", function () { if ($("in-phone").value) checkPhone(); });
$("in-phone").addEventListener("input", function () { if (!phoneError($("in-phone").value)) fieldError("applicant.phone", ""); });
$("in-all-materials").addEventListener("click", function () {
  tickAll(intake.item);
  updateMaterials();
});
form.addEventListener("submit", function (event) { event.preventDefault(); });
dialog.querySelectorAll("[data-intake]").forEach(function (button) {
  button.addEventListener("click", function () {
    const trigger = button.dataset.intake;
    if (SUB_FORMS[trigger]) toggleSubForm(trigger);
    else act(trigger);
  });
});
$("in-defer-confirm").addEventListener("click", function () { act("accept_with_deficiency"); });
$("in-notice-confirm").addEventListener("click", function () { act("request_supplement"); });
$("in-refuse-confirm").addEventListener("click", function () { act("refuse"); });
$("in-withdraw").addEventListener("click", withdraw);
$("in-print").addEventListener("click", print);
$("in-new").addEventListener("click", function () {
  reset(false);
  render();
  $("in-q").focus();
  search();
});


export { open };
