/* 办结公示: a hall's cases accepted and decided on a day, per item (applicant masked), and its figures. */
import { dateText } from "/static/js/time.js";
import * as P from "./portal.js";

const MODE_NAMES = { immediate: "马上办", online: "网上办", once: "一次办", agent: "代理办", citywide: "同城办", bundle: "主题式服务" };
const $ = P.$;

function percent(rate) { return rate === null || rate === undefined ? "—" : (rate * 100).toFixed(1) + "%"; }

function fact(name, value) {
  return P.el("div", {}, [P.el("dt", { textContent: name }), P.el("dd", { textContent: String(value) })]);
}

function caseRow(row, decided) {
  const outcome = decided ? row.state_name + (row.on_time === false ? "（超期）" : row.on_time ? "（按时）" : "") : "已受理";
  return P.el("li", { className: "pub-case", dataset: { caseNo: row.case_no } }, [
    P.el("span", { className: "pub-applicant", textContent: row.applicant }),
    P.el("span", { className: "pub-no", textContent: row.case_no }),
    P.el("span", { className: "pub-outcome", textContent: outcome }),
  ]);
}

function render(page) {
  $("pub-hall").textContent = page.hall_name + " · 办结公示";
  const figures = page.figures;
  $("pub-figures-title").textContent = "承诺践诺情况（" + dateText(figures.start) + "至" + dateText(figures.end) + "）";
  const ratings = figures.ratings;
  $("pub-figures").replaceChildren(
    fact("受理办件", figures.cases.created + " 件"),
    fact("办结办件", figures.cases.decided + " 件"),
    fact("按时办结率", percent(figures.cases.on_time_rate)),
    fact("群众评价", ratings.count + " 次"),
    fact("满意率", percent(ratings.satisfied_rate)),
    fact("平均评分", ratings.average === null ? "—" : ratings.average + " 分"),
  );
  $("pub-figures").dataset.onTimeRate = String(figures.cases.on_time_rate);
  $("pub-modes").replaceChildren(...Object.keys(page.items_by_mode).map(function (mode) {
    return P.el("span", { className: "o-badge", dataset: { mode: mode },
      textContent: (MODE_NAMES[mode] || mode) + " " + page.items_by_mode[mode] + " 项" });
  }));
  $("pub-items-title").textContent = dateText(page.date) + " 受理与办结";
  $("pub-empty").hidden = page.items.length > 0;
  $("pub-items").replaceChildren(...page.items.map(function (item) {
    const lists = [P.el("h4", { textContent: item.service_name + "（受理 " + item.accepted.length + "，办结 " + item.decided.length + "）" })];
    if (item.accepted.length) {
      lists.push(P.el("p", { className: "pub-kind", textContent: "受理" }));
      lists.push(P.el("ul", { className: "o-list pub-accepted" }, item.accepted.map(function (row) { return caseRow(row, false); })));
    }
    if (item.decided.length) {
      lists.push(P.el("p", { className: "pub-kind", textContent: "办结" }));
      lists.push(P.el("ul", { className: "o-list pub-decided" }, item.decided.map(function (row) { return caseRow(row, true); })));
    }
    return P.el("section", { className: "pub-item", dataset: { service: item.service } }, lists);
  }));
  $("pub-figures-box").hidden = false;
  $("pub-items-box").hidden = false;
}

async function load(day) {
  let path = P.cfg.publicity_api.replace(P.cfg.placeholder, encodeURIComponent(P.cfg.hall));
  if (day) path += "?date=" + encodeURIComponent(day);
  const answer = await P.call(path);
  if (!answer.ok) {
    P.show($("error"), answer.status === 404 ? "服务大厅不存在：" + P.cfg.hall : answer.message);
    return;
  }
  $("error").hidden = true;
  $("pub-date").value = answer.data.date;
  render(answer.data);
}

$("pub-form").addEventListener("submit", function (event) {
  event.preventDefault();
  load($("pub-date").value);
});
load(new URLSearchParams(window.location.search).get("date"));
