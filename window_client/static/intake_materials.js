/*
 * 综合受理, the materials: the item's material list ticked off (原件已核, 复印件份数), what is still
 * missing, and the lists of the 容缺 and 一次性告知 sub-forms built from it.
 */
import { $, el } from "/static/js/dom.js";
import { dateText } from "/static/js/time.js";
import { api } from "./context.js";
import { hallDate } from "./cases.js";

const DEFAULT_DUE_WORKDAYS = 5;   // 容缺: a week to bring the missing secondary materials
const DUE_DAYS = 60;              // the due dates offered: tomorrow and the days after, in zh-CN words
const WEEKDAYS = "日一二三四五六";

/** Offer the due dates as 2026年12月14日（周一）: a select, never the browser's own (often English) date control. */
function fillDueDays(select) {
  select.replaceChildren(...Array.from({ length: DUE_DAYS }, function (_, i) {
    const iso = hallDate(i + 1);
    const weekday = WEEKDAYS[new Date(iso + "T00:00:00Z").getUTCDay()];
    return el("option", { value: iso }, dateText(iso) + "（周" + weekday + "）");
  }));
}

/** Draw the item's materials; onChange runs whenever a box or a count changes. */
export function renderMaterials(item, onChange) {
  const table = $("in-materials");
  const body = table.querySelector("tbody");
  body.textContent = "";
  const materials = item ? item.materials : [];
  table.hidden = materials.length === 0;
  $("in-materials-empty").hidden = materials.length > 0;
  $("in-materials-empty").textContent = item ? "本事项无需提交材料。" : "选择事项后显示材料清单。";
  $("in-all-materials").hidden = materials.length === 0;
  materials.forEach(function (material, index) {
    const row = el("tr", "c-mat");
    row.dataset.name = material.name;
    row.dataset.index = index;

    const seen = el("input", "c-mat-seen");
    seen.type = "checkbox";
    seen.setAttribute("aria-label", "原件已核：" + material.name);
    const copies = el("input", "c-mat-copies");
    copies.type = "number";
    copies.min = "0";
    copies.max = "99";
    copies.value = "0";
    copies.setAttribute("aria-label", "复印件份数：" + material.name);
    seen.addEventListener("change", function () {
      // A copy handed in with its original shown: count the copies the guide asks for.
      if (seen.checked && material.form === "copy" && +copies.value === 0) copies.value = material.count || 1;
      onChange();
    });
    copies.addEventListener("input", onChange);

    const name = el("td", "c-mat-name");
    name.append(el("span", "", material.name));
    name.append(el("small", "", (material.form === "copy" ? "复印件" : "原件") + " " + (material.count || 1) + " 份"
      + (material.note ? " · " + material.note : "")));
    const tags = el("td", "c-mat-tags");
    tags.append(el("span", "c-tag " + (material.required ? "c-tag-required" : "c-tag-optional"), material.required ? "必要" : "非必要"));
    if (material.deferrable) tags.append(el("span", "c-tag c-tag-defer", "可容缺"));

    const seenCell = el("td", "c-mat-check");
    seenCell.append(seen);
    const copiesCell = el("td");
    copiesCell.append(copies);
    row.append(seenCell, name, copiesCell, tags);
    body.append(row);
  });
}

/** Read the ticked materials: [{material, original_seen, copies, received, row}]. */
export function materialRows(item) {
  return Array.from($("in-materials").querySelectorAll("tbody tr.c-mat")).map(function (row) {
    const material = item.materials[+row.dataset.index];
    const seen = row.querySelector(".c-mat-seen").checked;
    const copies = Math.max(0, parseInt(row.querySelector(".c-mat-copies").value, 10) || 0);
    return { material: material, original_seen: seen, copies: copies, received: seen || copies > 0, row: row };
  });
}

/** List the required materials not received. */
export function missingRequired(item) {
  return item ? materialRows(item).filter(function (m) { return m.material.required && !m.received; }) : [];
}

/** Mark the received rows and say what is still missing. */
export function markMaterials(item) {
  materialRows(item || { materials: [] }).forEach(function (m) { m.row.classList.toggle("is-received", m.received); });
  const missing = missingRequired(item);
  const hint = $("in-missing-hint");
  hint.hidden = missing.length === 0;
  hint.textContent = missing.length
    ? "尚缺必要材料：" + missing.map(function (m) { return m.material.name; }).join("、")
      + "。材料齐全方可受理；可一次性告知补正" + (missing.every(function (m) { return m.material.deferrable; }) ? "，或容缺受理" : "") + "。"
    : "";
}

/** Tick every material (全部收齐), with the copies the guide asks for. */
export function tickAll(item) {
  materialRows(item).forEach(function (m) {
    m.row.querySelector(".c-mat-seen").checked = true;
    if (m.material.form === "copy" && m.copies === 0) m.row.querySelector(".c-mat-copies").value = m.material.count || 1;
  });
}

function checkList(box, names, tickedNames) {
  box.textContent = "";
  names.forEach(function (name) {
    const labelNode = el("label", "c-check");
    const input = el("input");
    input.type = "checkbox";
    input.value = name;
    input.checked = tickedNames.indexOf(name) >= 0;
    labelNode.append(input, " " + name);
    box.append(labelNode);
  });
}

/** List the ticked names of a sub-form's check list. */
export function ticked(box) {
  return Array.from(box.querySelectorAll("input:checked")).map(function (input) { return input.value; });
}

/** Fill 容缺受理: the deferrable materials (the missing ones ticked) and a due date five working days on. */
export async function fillDeferForm(item) {
  const rows = materialRows(item).filter(function (m) { return m.material.deferrable; });
  checkList($("in-defer-list"), rows.map(function (m) { return m.material.name; }),
    rows.filter(function (m) { return !m.received; }).map(function (m) { return m.material.name; }));
  const due = $("in-defer-due");
  const chosen = due.options.length ? due.value : "";
  fillDueDays(due);
  if (chosen >= hallDate(1)) {
    due.value = chosen;
  } else {
    due.value = hallDate(7);
    try {
      const answer = await api("GET", "/calendar/deadline?start=" + hallDate(0) + "&workdays=" + DEFAULT_DUE_WORKDAYS);
      due.value = answer.deadline;
    } catch (error) { /* keep a week from today */ }
  }
}

/** Fill 一次性告知: every material, the missing required ones ticked. */
export function fillNoticeForm(item) {
  const rows = materialRows(item);
  checkList($("in-notice-list"), rows.map(function (m) { return m.material.name; }),
    rows.filter(function (m) { return m.material.required && !m.received; }).map(function (m) { return m.material.name; }));
}
