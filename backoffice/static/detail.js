/*
 * The back office's detail pane: one case with its facts, materials, uploaded files and history,
 * and the actions the API lists in its allowed_triggers. After each action the screen reads again
 * what the server holds.
 */
import { $, el } from "/static/js/dom.js";
import {
  api, banner, cfg, dateOf, dateTime, lightDot, lightName, personName, remainingDays, screen, stateName,
  suspendKindName, triggerName,
} from "./context.js";
import { dialogError } from "./dialog.js";
import { loadLists } from "./list.js";
import { partStateName, renderParts } from "./parts.js";
import { renderSlips } from "./transfers.js";

export function select(caseNo) {
  screen.selected = caseNo || null;
  document.querySelectorAll("#bo-rows tr").forEach(function (tr) {
    const on = tr.dataset.caseNo === screen.selected;
    tr.classList.toggle("is-selected", on);
    if (on) tr.setAttribute("aria-selected", "true"); else tr.removeAttribute("aria-selected");
  });
  if (!screen.selected) {
    screen.current = null;
    renderCase();
    return Promise.resolve();
  }
  return loadCase();
}

export async function loadCase() {
  const caseNo = screen.selected;
  if (!caseNo) return;
  const seq = ++screen.detailSeq;
  try {
    const c = await api("GET", "/cases/" + encodeURIComponent(caseNo));
    if (seq !== screen.detailSeq) return;
    screen.current = c;
  } catch (error) {
    if (seq !== screen.detailSeq) return;
    screen.current = null;
    banner.error(error);
  }
  renderCase();
}

function fill(id, text) { $(id).textContent = text === null || text === undefined || text === "" ? "—" : text; }

function deliveryText(c) {
  const d = c.delivery || {};
  if (d.method === "mail") {
    return "邮寄送达" + (d.address ? "：" + d.address : "") + (c.waybill_no ? "（运单号 " + c.waybill_no + "）" : "");
  }
  if (d.method === "pickup") return "窗口取件" + (d.hall_name || d.hall ? "：" + (d.hall_name || d.hall) : "");
  return "—";
}

export function renderCase() {
  const c = screen.current;
  $("bo-detail-empty").hidden = !!c;
  $("bo-case").hidden = !c;
  if (!c) return;
  $("bo-case").dataset.state = c.state;
  fill("d-case-no", c.case_no);
  fill("d-service", c.service_name || c.service);
  const state = $("d-state");
  state.textContent = partStateName(c);
  state.className = "bo-state is-" + c.state;
  const clock = $("d-clock");
  clock.textContent = "";
  if (c.light) clock.append(lightDot(c.light), document.createTextNode(lightName(c.light).slice(3)));
  if (c.clock_paused) clock.append(el("span", "bo-tag", "计时暂停"));

  fill("d-mode", c.mode_name || c.mode);
  fill("d-hall", c.hall_name || c.hall);
  fill("d-jurisdiction", c.jurisdiction_name || c.jurisdiction);
  fill("d-department", c.department_name || c.department);
  fill("d-assignee", c.assignee ? personName(c.assignee) : "未认领");
  fill("d-applicant", c.applicant && c.applicant.name);
  fill("d-id-number", c.applicant && c.applicant.id_number);
  fill("d-phone", c.applicant && c.applicant.phone);
  fill("d-delivery", deliveryText(c));
  fill("d-accepted", dateTime(c.accepted_at));
  fill("d-deadline", c.deadline);
  fill("d-remaining", remainingDays(c) + (c.clock_paused ? "（计时暂停）" : ""));
  fill("d-decided", c.decided_at ? dateTime(c.decided_at) + (c.on_time === false ? "（超期办结）" : c.on_time ? "（按时办结）" : "") : null);

  renderParts(c);
  renderMaterials(c);
  renderFiles(c);
  renderHistory(c);
  renderSlips(c);
  renderActions();
}

// 网上办: the files the applicant uploaded (GET /cases/{no}/files), opened with this page's token.
async function renderFiles(c) {
  const list = $("d-files");
  $("d-files-block").hidden = !c.online;   // a 一件事 applied online, and its parts, too
  list.textContent = "";
  if (!c.online) return;
  let files;
  try {
    files = await api("GET", "/cases/" + encodeURIComponent(c.case_no) + "/files");
  } catch (error) {
    list.append(el("li", "bo-none", error.message || "读取材料失败"));
    return;
  }
  if (!screen.current || screen.current.case_no !== c.case_no) return;
  list.textContent = "";
  files.forEach(function (file) {
    const li = el("li", null, file.material);
    const open = el("button", "bo-link", file.original_name + "（" + Math.max(1, Math.round(file.size / 1024)) + " KB）");
    open.type = "button";
    open.addEventListener("click", function () { openFile(c.case_no, file.id); });
    const note = el("small");
    note.append(open);
    li.append(note);
    list.append(li);
  });
  if (!files.length) list.append(el("li", "bo-none", "无上传的材料"));
}

async function openFile(caseNo, fileId) {
  const opened = window.open("", "_blank");
  try {
    const response = await api.raw("GET", "/cases/" + encodeURIComponent(caseNo) + "/files/" + fileId, { accept: "*/*" });
    const url = URL.createObjectURL(await response.blob());
    if (opened) opened.location = url; else window.location = url;
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  } catch (error) {
    if (opened) opened.close();
    banner.error(error.status ? { message: "文件暂时无法打开（" + error.status + "）：" + error.message } : error);
  }
}

function renderMaterials(c) {
  const materials = $("d-materials");
  materials.textContent = "";
  (c.materials || []).forEach(function (m) {
    const li = el("li", null, m.name);
    const notes = [];
    if (m.files) notes.push("电子件 " + m.files + " 份");   // sent online: scans, no original seen
    if (m.original_seen) notes.push("已核原件");
    if (m.copies) notes.push("复印件 " + m.copies + " 份");
    if (notes.length) li.append(el("small", null, notes.join(" · ")));
    materials.append(li);
  });
  if (!materials.children.length) materials.append(el("li", "bo-none", "无登记的材料"));

  const deficiencies = c.deficiencies || [];
  $("d-deficiencies-block").hidden = deficiencies.length === 0;
  const list = $("d-deficiencies");
  list.textContent = "";
  deficiencies.forEach(function (d) {
    const li = el("li", d.received_at ? "is-received" : "is-missing", d.name);
    li.append(el("small", null, d.received_at ? "已于 " + dateOf(d.received_at) + " 补齐" : "须在 " + (d.due || "—") + " 前补齐"));
    list.append(li);
  });

  const missing = c.missing || [];
  $("d-missing-block").hidden = missing.length === 0;
  const missingList = $("d-missing");
  missingList.textContent = "";
  missing.forEach(function (name) { missingList.append(el("li", null, typeof name === "string" ? name : name.name)); });
}

function historyData(data) {
  if (!data || typeof data !== "object") return "";
  const bits = [];
  if (data.kind) bits.push("原因：" + suspendKindName(data.kind));
  if (data.assignee) bits.push("转给：" + personName(data.assignee));
  if (data.missing && data.missing.length) bits.push("需补正：" + data.missing.join("、"));
  if (data.deficiencies && data.deficiencies.length) bits.push("容缺：" + data.deficiencies.join("、") + (data.due ? "（" + data.due + " 前）" : ""));
  if (data.waybill_no) bits.push("运单号：" + data.waybill_no);
  if (data.received && data.received.length) bits.push("补齐容缺：" + data.received.join("、"));
  if (data.collector) {
    bits.push("领取人：" + (data.collector.kind === "proxy" ? "受托人 " + (data.collector.name || "") : "本人"));
  }
  if (data.receipt) bits.push("签收人：" + data.receipt.signed_by);
  if (data.signed_on_screen) bits.push("已在屏幕上签名");
  return bits.join("；");
}

function renderHistory(c) {
  const list = $("d-history");
  list.textContent = "";
  (c.history || []).slice().reverse().forEach(function (h) {   // newest first
    const li = el("li");
    li.dataset.trigger = h.trigger || "create";
    const head = el("div", "bo-h-head");
    head.append(
      el("span", "bo-h-time", dateTime(h.at)),
      el("span", "bo-h-trigger", h.from ? triggerName(h.trigger) : "创建办件"),
      el("span", "bo-h-states", (h.from ? stateName(h.from) + " → " : "") + stateName(h.to)),
      el("span", "bo-h-actor", h.actor_name || (!h.actor && h.data && h.data.by === "applicant" ? "申请人（网上）" : personName(h.actor)))
    );
    li.append(head);
    const extra = historyData(h.data);
    if (extra) li.append(el("p", "bo-h-data", extra));
    if (h.note) li.append(el("p", "bo-h-note", h.note));
    list.append(li);
  });
}

export function renderActions() {
  const c = screen.current;
  const allowed = c ? c.allowed_triggers || [] : [];
  let shown = 0;
  document.querySelectorAll("#bo-actions [data-trigger]").forEach(function (button) {
    const on = allowed.indexOf(button.dataset.trigger) >= 0;
    button.hidden = !on;
    button.disabled = screen.busy;
    if (on) shown += 1;
  });
  $("bo-no-actions").hidden = shown > 0;
  $("bo").classList.toggle("is-busy", screen.busy);
}

// ---------- actions ----------

const DONE_MESSAGES = {
  pass_pre_review: "预审通过，已受理并分送承办部门", refuse: "已作出不予受理决定",
  claim: "已认领", unclaim: "已退回待认领", reassign: "已转办", suspend: "已中止，时限暂停计算",
  resume: "已恢复审查，时限继续计算", request_supplement: "已发出一次性补正告知，时限暂停计算",
  approve: "已作出准予许可决定", deny: "已作出不予许可决定", notify_pickup: "已通知申请人取件", mail: "已登记邮寄",
};


export async function fire(trigger, body, fromDialog) {
  const c = screen.current;
  if (!c || screen.busy) return false;
  screen.busy = true;
  renderActions();
  let ok = false;
  try {
    const answer = await api("POST", "/cases/" + encodeURIComponent(c.case_no) + "/transitions",
      Object.assign({ trigger: trigger }, body || {}));
    ok = true;
    screen.detailSeq += 1;   // a read started before this answer would be older than it
    if (answer && answer.case_no === screen.selected) screen.current = answer;
    banner.info((DONE_MESSAGES[trigger] || "操作成功") + "：" + c.case_no);
  } catch (error) {
    if (fromDialog && error.status === 400) {
      screen.busy = false;
      renderActions();
      dialogError(fieldMessages(error));
      return false;
    }
    await explain(trigger, c, error);
  } finally {
    screen.busy = false;
  }
  renderCase();
  loadLists();
  return ok;
}

async function explain(trigger, c, error) {
  // The case changed under us (a colleague was quicker): say so plainly and show what it is now.
  if (error.status === 409 || error.status === 403) await loadCase();
  const now = screen.current && screen.current.case_no === c.case_no ? screen.current : null;
  if (trigger === "claim" && now && now.assignee && now.assignee.username !== cfg.username) {
    banner.error("该办件已被" + personName(now.assignee) + "认领，您未能认领。列表已刷新，请选择其他办件。");
    return;
  }
  if (error.status === 409) {
    banner.error((error.message || "办件状态已变化") + "（已刷新为最新状态）");
    return;
  }
  banner.error(error);
}

function fieldMessages(error) {
  const fields = error.details && error.details.fields;
  if (!fields) return error.message;
  const names = { note: "意见", "data.waybill_no": "运单号", "data.address": "邮寄地址", "data.missing": "补正材料", "data.assignee": "转办人员", "data.kind": "中止原因" };
  return error.message + "：" + Object.keys(fields).map(function (key) {
    return (names[key] || key) + " " + fields[key];
  }).join("；");
}

