/*
 * The back office's list: the views (tabs) of the cases the user works on, read from GET /cases,
 * nearest deadline on top.
 */
import { $, el } from "/static/js/dom.js";
import {
  LIMIT, TABS, api, banner, cfg, dateOf, dateTime, lightDot, maskName, query, remainingDays, screen,
} from "./context.js";
import { partStateName } from "./parts.js";

export function scopeParams(tab) {
  // An approver sees their department's cases anyway; a supervisor or admin without one, their hall's.
  // Online applications are pre-reviewed by the hall they were made to, whatever the department.
  if (tab === "pre_review" && cfg.hall) return { hall: cfg.hall };
  if (cfg.department) return { department: cfg.department };
  if (cfg.hall) return { hall: cfg.hall };
  return {};
}

function byDeadline(a, b) {
  // Running clocks first, the nearest deadline on top; cases without a deadline after them.
  const da = a.deadline || "9999-99-99", db = b.deadline || "9999-99-99";
  if (da !== db) return da < db ? -1 : 1;
  return a.case_no < b.case_no ? -1 : a.case_no > b.case_no ? 1 : 0;
}

async function loadTab(name) {
  const tab = TABS[name];
  const extra = name === "all" && screen.search ? { q: screen.search } : {};
  const answers = await Promise.all(tab.queries.map(function (params) {
    return api("GET", "/cases?" + query(Object.assign({}, scopeParams(name), params, extra, { limit: LIMIT })));
  }));
  let items = [];
  let total = 0;
  answers.forEach(function (answer) { items = items.concat(answer.items); total += answer.total; });
  const shown = items.length;
  if (tab.keep) items = items.filter(function (c) { return tab.keep.indexOf(c.state) >= 0; });
  items.sort(byDeadline);
  return { items: items, partial: total > shown ? total : 0 };
}

export async function loadLists() {
  const seq = ++screen.loadSeq;
  const names = Object.keys(TABS);
  let results;
  try {
    results = await Promise.all(names.map(loadTab));
  } catch (error) {
    if (seq === screen.loadSeq) banner.error(error);
    return;
  }
  if (seq !== screen.loadSeq) return;   // a newer load has started: its answer wins
  names.forEach(function (name, index) {
    screen.lists[name] = results[index].items;
    screen.partial[name] = results[index].partial;
  });
  renderList();
  $("bo-updated").textContent = "列表更新于 " + dateTime(new Date().toISOString()).slice(11);
}

export function renderList() {
  Object.keys(TABS).forEach(function (name) {
    const list = screen.lists[name];
    const count = document.querySelector('[data-count="' + name + '"]');
    count.textContent = list ? String(list.length) : "";
  });
  document.querySelectorAll(".bo-tab").forEach(function (tab) {
    tab.setAttribute("aria-selected", tab.dataset.tab === screen.tab ? "true" : "false");
  });
  // 案卷流转 shows the hall's transfer slips (transfers.js) in place of the case table.
  if ($("bo-transfers")) $("bo-transfers").hidden = screen.tab !== "transfers";
  $("bo-table-wrap").hidden = !TABS[screen.tab];
  if (!TABS[screen.tab]) return;
  const items = screen.lists[screen.tab] || [];
  const rows = $("bo-rows");
  rows.textContent = "";
  items.forEach(function (c) {
    const tr = el("tr");
    tr.dataset.caseNo = c.case_no;
    tr.dataset.light = c.light || "none";
    if (c.case_no === screen.selected) {
      tr.className = "is-selected";
      tr.setAttribute("aria-selected", "true");
    }
    const light = el("td", "col-light");
    light.append(lightDot(c.light));
    const number = el("td", "col-no");
    const link = el("a", null, c.case_no);
    link.href = "#" + encodeURIComponent(c.case_no);
    number.append(link);
    const service = el("td", "col-service", c.service_name || c.service);
    service.title = service.textContent;
    const remaining = el("td", "col-remaining is-" + (c.light || "none"), remainingDays(c));
    if (c.clock_paused) remaining.append(el("span", "bo-tag", "暂停"));
    tr.append(
      light, number,
      service,
      el("td", "col-applicant", maskName(c.applicant && c.applicant.name)),
      el("td", "col-state", partStateName(c)),
      el("td", "col-date", dateOf(c.accepted_at)),
      el("td", "col-date", c.deadline || "—"),
      remaining
    );
    rows.append(tr);
  });
  $("bo-empty").hidden = items.length > 0 || !screen.lists[screen.tab];
  $("bo-empty").textContent = screen.tab === "all" && screen.search ? "没有找到“" + screen.search + "”" : TABS[screen.tab].empty;
  const partial = screen.partial[screen.tab];
  $("bo-more").hidden = !partial;
  $("bo-more").textContent = partial ? "仅显示前 " + LIMIT + " 件（共 " + partial + " 件），请用查找缩小范围" : "";
}

