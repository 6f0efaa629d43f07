/*
 * The back office's dialog: the actions that need more than a click (转办, 中止, 预审通过,
 * 一次性告知补正, 不予受理, 准予或不予许可, 通知取件, 邮寄) ask for their opinion and data here.
 */
import { $, el } from "/static/js/dom.js";
import { api, banner, screen } from "./context.js";
import { fire } from "./detail.js";

const DIALOGS = {
  reassign: { title: "转办", sub: "转给本部门的另一位审批人，由其继续审查。", ok: "转办", fields: ["reassign", "note"], note: "转办说明（选填）" },
  suspend: { title: "中止审查", sub: "听证、检验、检测、鉴定或专家评审期间中止，所需时间不计入办理时限（《行政许可法》第四十五条）。", ok: "中止", fields: ["suspend", "note"], note: "说明（选填）" },
  pass_pre_review: { title: "预审通过", sub: "网上申请材料齐全、符合法定形式：予以受理，开始计算办理时限，并分送承办部门审批。", ok: "预审通过", fields: ["note"], note: "预审意见（选填）" },
  request_supplement: { title: "一次性告知补正", sub: "一次性告知申请人需补正的全部材料；补正期间不计入办理时限。", ok: "发出告知", fields: ["request_supplement", "note"], note: "告知说明（选填）" },
  refuse: { title: "不予受理", sub: "申请事项不属于本机关职权范围或不符合受理条件，决定不予受理，须说明理由。", ok: "不予受理", fields: ["note"], note: "不予受理的理由（必填）", required: true },
  approve: { title: "准予许可", sub: "作出准予行政许可的决定。", ok: "准予许可", fields: ["note"], note: "审批意见（必填）", required: true },
  deny: { title: "不予许可", sub: "作出不予行政许可的决定，须说明理由。", ok: "不予许可", fields: ["note"], note: "不予许可的理由（必填）", required: true },
  notify_pickup: { title: "通知取件", sub: "", ok: "通知取件", fields: ["note"], note: "备注（选填）" },
  mail: { title: "邮寄送达", sub: "", ok: "登记邮寄", fields: ["mail", "note"], note: "备注（选填）" },
};

const OK = { approve: true, pass_pre_review: true };
const BAD = { deny: true, refuse: true };

export function dialogError(message) {
  $("dlg-error").textContent = message || "";
  $("dlg-error").hidden = !message;
}

export async function openDialog(trigger) {
  const c = screen.current;
  const spec = DIALOGS[trigger];
  if (!c || !spec) return;
  screen.dialogTrigger = trigger;
  $("dlg-title").textContent = spec.title + "：" + c.case_no;
  let sub = spec.sub;
  if (trigger === "notify_pickup") {
    const hall = (c.delivery && (c.delivery.hall_name || c.delivery.hall)) || c.hall_name || c.hall;
    sub = "通知申请人到" + hall + "统一出件窗口领取结果。";
  }
  if (trigger === "mail") sub = "寄出办理结果，登记运单号后申请人会收到短信通知。";
  if (trigger === "request_supplement" && c.state === "pre_review") {
    sub = "一次性告知申请人需补正的全部材料；申请人收到短信后在网上补传，补传后回到网上预审。";
  }
  $("dlg-sub").textContent = sub;
  document.querySelectorAll("#bo-dialog .bo-field").forEach(function (field) {
    field.hidden = spec.fields.indexOf(field.dataset.for) < 0;
  });
  $("dlg-note-label").textContent = spec.note;
  $("dlg-note").value = "";
  $("dlg-note").required = !!spec.required;
  $("dlg-waybill").value = "";
  $("dlg-address").value = (c.delivery && c.delivery.address) || "";
  $("dlg-missing-extra").value = "";
  $("dlg-ok").textContent = spec.ok;
  $("dlg-ok").className = "bo-btn " + (BAD[trigger] ? "bo-btn-bad" : OK[trigger] ? "bo-btn-ok" : "bo-btn-primary");
  dialogError("");
  $("dlg-ok").disabled = false;

  try {
    if (trigger === "reassign") await fillApprovers(c);
    if (trigger === "request_supplement") await fillMaterials(c);
  } catch (error) {
    banner.error(error);
    return;
  }
  $("bo-dialog").showModal();
  const first = { reassign: "dlg-assignee", suspend: "dlg-kind", mail: "dlg-waybill" }[trigger];
  (first ? $(first) : trigger === "request_supplement" ? $("dlg-missing-extra") : $("dlg-note")).focus();
}

async function fillApprovers(c) {
  const approvers = await api("GET", "/departments/" + encodeURIComponent(c.department) + "/approvers");
  const select = $("dlg-assignee");
  select.textContent = "";
  const mine = c.assignee && c.assignee.username;
  approvers.filter(function (a) { return a.username !== mine; }).forEach(function (a) {
    const option = el("option", null, (a.name || a.username) + "（" + a.username + "）");
    option.value = a.username;
    select.append(option);
  });
  if (!select.options.length) {
    const option = el("option", null, "本部门没有其他审批人");
    option.value = "";
    select.append(option);
  }
}

async function fillMaterials(c) {
  const service = await api("GET", "/services/" + encodeURIComponent(c.service));
  const box = $("dlg-materials");
  box.textContent = "";
  (service.materials || []).forEach(function (m, index) {
    const label = el("label", "bo-check");
    const input = el("input");
    input.type = "checkbox";
    input.value = m.name;
    input.id = "dlg-material-" + index;
    label.append(input, el("span", null, m.name));
    if (m.note) label.append(el("small", null, m.note));
    box.append(label);
  });
}

function dialogBody(trigger) {
  const note = $("dlg-note").value.trim();
  const body = {};
  if (note) body.note = note;
  if (DIALOGS[trigger].required && !note) return { error: "请填写" + DIALOGS[trigger].note.replace(/（必填）$/, "") };
  if (trigger === "reassign") {
    const assignee = $("dlg-assignee").value;
    if (!assignee) return { error: "请选择转办人员" };
    body.data = { assignee: assignee };
  } else if (trigger === "suspend") {
    body.data = { kind: $("dlg-kind").value };
  } else if (trigger === "request_supplement") {
    const missing = Array.from(document.querySelectorAll("#dlg-materials input:checked")).map(function (i) { return i.value; })
      .concat($("dlg-missing-extra").value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean));
    if (!missing.length) return { error: "请至少选择或填写一项需补正的材料" };
    body.data = { missing: missing };
  } else if (trigger === "mail") {
    const waybill = $("dlg-waybill").value.trim();
    if (!waybill) return { error: "请填写邮件运单号" };
    body.data = { waybill_no: waybill };
    const address = $("dlg-address").value.trim();
    if (!address) return { error: "请填写邮寄地址" };
    if (address !== ((screen.current.delivery && screen.current.delivery.address) || "")) body.data.address = address;
  }
  return { body: body };
}

export async function submitDialog() {
  const trigger = screen.dialogTrigger;
  const built = dialogBody(trigger);
  if (built.error) { dialogError(built.error); return; }
  dialogError("");
  $("dlg-ok").disabled = true;
  const dialog = $("bo-dialog");
  const ok = await fire(trigger, built.body, true);
  $("dlg-ok").disabled = false;
  // A 400 stays in the dialog to be corrected; anything else closes it (the banner says why).
  if (ok || $("dlg-error").hidden) dialog.close();
}

