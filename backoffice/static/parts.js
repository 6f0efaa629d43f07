/*
 * The back office's view of a 主题式 一件事: a bundle shows its parts, a part shows the bundle it
 * belongs to and the other parts of the same event (their department, state and deadline), so an
 * approver sees the whole event; a part that waits for others reads 等待前置事项.
 */
import { $, el } from "/static/js/dom.js";
import { lightDot, stateName } from "./context.js";

export const WAITING = "等待前置事项";

/** Name a case's state, or 等待前置事项 for a part that waits for others. */
export function partStateName(c) {
  return c.waiting_for && c.waiting_for.length ? WAITING : stateName(c.state);
}

export function renderParts(c) {
  const parts = (c.children && c.children.length ? c.children : c.siblings) || [];
  const block = $("d-parts-block");
  block.hidden = parts.length === 0;
  const list = $("d-parts");
  list.textContent = "";
  if (!parts.length) return;
  const names = {};
  parts.forEach(function (part) { names[part.service] = part.service_name; });
  const note = block.querySelector("h3 small");
  note.textContent = c.children && c.children.length
    ? "本件为一件事，含 " + parts.length + " 个子项，并联审批、统一出件"
    : "本件属于一件事 " + (c.parent || "") + (c.waiting_for && c.waiting_for.length
      ? "，等待前置事项：" + c.waiting_for.map(function (code) { return names[code] || code; }).join("、") : "")
      + "；同一件事的其他子项";
  parts.forEach(function (part) {
    const li = el("li", "bo-part");
    li.dataset.service = part.service;
    li.dataset.state = part.waiting_for && part.waiting_for.length ? "waiting" : part.state;
    const link = el("a", null, part.service_name);
    link.href = "#" + encodeURIComponent(part.case_no);
    const facts = [part.case_no, part.department_name, partStateName(part)];
    if (part.deadline) facts.push("期限 " + part.deadline);
    li.append(lightDot(part.light), link, el("small", null, facts.join(" · ")));
    list.append(li);
  });
}
