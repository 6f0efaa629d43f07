/*
 * The progress page of a 主题式 一件事: each part of the event with the department deciding it, its
 * state (等待前置事项 while it waits for the parts before it), its deadline, and what a part's 一次性告知
 * asks the applicant to bring (补正).
 */
import { $, el } from "/static/js/dom.js";
import { dateText } from "/static/js/time.js";

export function renderParts(progress) {
  const parts = progress.children || [];
  $("r-parts-box").hidden = parts.length === 0;
  $("r-parts").replaceChildren(...parts.map(function (part) {
    const facts = [part.department_name, part.deadline ? dateText(part.deadline) + "前办结" : ""].filter(Boolean);
    const item = el("li", "p-part", [
      el("strong", "", part.service_name),
      el("span", "p-part-state", part.state_name),
      el("small", "", facts.join(" · ")),
    ]);
    item.dataset.service = part.service;
    item.dataset.state = part.waiting_for && part.waiting_for.length ? "waiting" : part.state;
    if ((part.missing || []).length) {
      item.classList.add("is-missing");
      item.append(el("p", "p-part-missing", "请补正：" + part.missing.join("、")));
    }
    return item;
  }));
}
