/*
 * What the clerk's two case panels share (受理 in intake.js, 取件 in pickup.js): names, the
 * applicant checks done in the browser, error display next to fields, and printing a document.
 */
import { el, showError } from "/static/js/dom.js";
import { label } from "/static/js/labels.js";
import { hallToday } from "/static/js/time.js";
import { api, cfg, labels } from "./context.js";

// The modes a window opens a case in: online cases come from the portal, agent cases from agents;
// a 主题式 item (一件事) is taken in once for all its parts.
export const WINDOW_MODES = ["immediate", "once", "citywide", "bundle"];

export const DOCUMENT_NAMES = {
  acceptance: "受理通知书", deficiency: "容缺受理通知书", supplement: "一次性告知书",
  refusal: "不予受理通知书", completion: "办结通知书", receipt: "送达回证",
};

/** Name a mode in Chinese (the server's names). */
export function modeName(mode) { return label(labels.modes, mode); }

/** List the modes in the server's order. */
export function modeOrder() { return Object.keys(labels.modes); }

/** Name a case's state in Chinese: the name it carries, else the server's list. */
export function stateName(kase) {
  return kase.state_name || label(labels.case_states, kase.state);
}

// GB 11643: 17 digits weighted, the sum mod 11 picks the check character.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";

/** Say what is wrong with an ID number (18 characters, real birth date, check digit), or "" when valid. */
export function idNumberError(value) {
  const id = (value || "").trim().toUpperCase();
  if (!id) return "请填写身份证号";
  if (!/^\d{17}[\dX]$/.test(id)) return "身份证号应为 18 位（17 位数字加 1 位校验码）";
  const year = +id.slice(6, 10), month = +id.slice(10, 12), day = +id.slice(12, 14);
  const born = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day || born > new Date()) {
    return "身份证号中的出生日期无效";
  }
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += (+id[i]) * ID_WEIGHTS[i];
  if (ID_CHECK[sum % 11] !== id[17]) return "身份证号校验码不正确，请核对";
  return "";
}

/** Say what is wrong with a mobile number, or "" when valid. */
export function phoneError(value) {
  const phone = (value || "").trim();
  if (!phone) return "请填写手机号";
  if (!/^1[3-9]\d{9}$/.test(phone)) return "手机号应为 11 位数字，以 13–19 开头";
  return "";
}

/** Show an error in a panel's alert box (the API's Chinese message and status), or hide the box. */
export function showAlert(box, error) {
  showError(box, error, { loginUrl: cfg.login_url, status: true });
}

function hiddenAncestor(node, root) {
  for (let parent = node.parentElement; parent && parent !== root; parent = parent.parentElement) {
    if (parent.hidden) return true;
  }
  return false;
}

/**
 * Put messages next to the fields they name. Each slot has data-error-for, a field path or a
 * prefix of one ("applicant.id_number", "delivery"); the longest match wins. Returns the
 * messages no slot took, for the panel's alert.
 */
export function showFieldErrors(root, fields) {
  // A slot in a closed sub-form takes nothing (the sub-forms share the "data" and "note" slots).
  const slots = Array.from(root.querySelectorAll("[data-error-for]")).filter(function (slot) {
    return !hiddenAncestor(slot, root);
  });
  const left = [];
  Object.keys(fields || {}).forEach(function (name) {
    let best = null;
    slots.forEach(function (slot) {
      const key = slot.dataset.errorFor;
      if ((name === key || name.startsWith(key + ".")) && (!best || key.length > best.dataset.errorFor.length)) best = slot;
    });
    if (best) {
      best.textContent = (best.hidden ? "" : best.textContent + "；") + fields[name];
      best.hidden = false;
    } else {
      left.push(name + "：" + fields[name]);
    }
  });
  return left;
}

export function clearFieldErrors(root) {
  root.querySelectorAll("[data-error-for]").forEach(function (slot) { slot.hidden = true; slot.textContent = ""; });
}

/** Show an API error: the message in the alert box, a 400's fields next to the fields. */
export function showApiError(root, box, error) {
  if (error.status === 400 && error.details && error.details.fields) {
    const left = showFieldErrors(root, error.details.fields);
    showAlert(box, { message: error.message + (left.length ? "：" + left.join("；") : ""), status: 400 });
  } else {
    showAlert(box, error);
  }
}

/**
 * Open a case's document (PDF) in a new tab. The API wants the bearer token, so the PDF is fetched
 * as a blob; the tab is opened at the click, before the fetch, so no popup blocker stops it. When
 * no tab can be opened, a download link is offered in `fallback` instead.
 */
export async function printDocument(caseNo, kind, fallback) {
  const tab = window.open("", "_blank");
  if (tab) tab.document.title = "正在生成" + (DOCUMENT_NAMES[kind] || "文书") + "…";
  let response;
  try {
    response = await api.raw("GET", "/cases/" + encodeURIComponent(caseNo) + "/documents/" + kind, { accept: "application/pdf" });
  } catch (error) {
    if (tab) tab.close();
    throw error.code === "network" ? new Error("网络连接失败，文书未能打开") : error;
  }
  const url = URL.createObjectURL(await response.blob());
  if (tab) {
    tab.location.href = url;
  } else if (fallback) {
    fallback.textContent = "浏览器阻止了新窗口：";
    const link = el("a", "", "下载" + (DOCUMENT_NAMES[kind] || "文书"));
    link.href = url;
    link.download = caseNo + "-" + kind + ".pdf";
    fallback.append(link);
    fallback.hidden = false;
  }
  setTimeout(function () { URL.revokeObjectURL(url); }, 10 * 60 * 1000);
  return url;
}

/** Today's date in the hall's time zone, as YYYY-MM-DD, moved by `days`. */
export function hallDate(days) { return hallToday(cfg.tz, days); }

// Every case panel closes with its 关闭 button as well as Esc.
document.addEventListener("click", function (event) {
  const button = event.target.closest("dialog.c-dialog [data-close]");
  if (button) button.closest("dialog").close();
});
