/* An item's guide (办事指南): GET /api/v1/services/<code>, with 在线申请 when the item is done online. */
import { $ } from "/static/js/dom.js";
import { workdaysText } from "/static/js/time.js";
import * as P from "./portal.js";

const code = P.cfg.code;
const DELIVERY = { pickup: "窗口领取", mail: "邮寄送达" };

function fact(name, value) {
  if (value === null || value === undefined || value === "") return null;
  return P.el("div", {}, [P.el("dt", { textContent: name }), P.el("dd", { textContent: String(value) })]);
}

function visitsText(visits) {
  if (visits === null || visits === undefined) return null;
  return visits === 0 ? "0 次（无需到现场）" : "最多 " + visits + " 次";
}

function render(item) {
  const guide = item.guide || {};
  document.title = item.name + " · 办事指南";
  $("g-code").textContent = "事项编码 " + item.code;
  $("g-name").textContent = item.name;
  $("g-department").textContent = item.department_name;
  $("g-modes").replaceChildren(...P.badges(item.modes, item.mode_names));
  const online = item.modes.indexOf("online") >= 0;
  $("g-apply").hidden = !online;
  $("g-apply").href = P.url("apply_page", item.code);
  $("g-offline").hidden = online;

  $("g-facts").replaceChildren(...[
    fact("法定时限", workdaysText(item.legal_days)),
    fact("承诺时限", workdaysText(item.promised_days)),
    fact("收费标准", guide.fee),
    fact("到现场次数", visitsText(guide.visits)),
    fact("办理地点", guide.place),
    fact("办理时间", guide.hours),
    fact("办理结果", guide.result),
    fact("送达方式", (guide.delivery || []).map(function (way) { return DELIVERY[way] || way; }).join("、")),
    fact("设定依据", guide.basis),
  ].filter(Boolean));
  $("g-conditions").textContent = guide.conditions || "无特别条件";

  $("g-materials").replaceChildren(...item.materials.map(function (material, index) {
    const tags = [P.el("span", { className: "o-tag" + (material.required ? "" : " is-optional"),
      textContent: material.required ? "必需" : "选交" })];
    if (material.deferrable) tags.push(P.el("span", { className: "o-tag is-optional", textContent: "可容缺" }));
    return P.el("li", {}, [
      P.el("span", { className: "o-mname", textContent: material.name }), ...tags,
      P.el("span", { className: "o-mmeta", textContent: (P.FORMS[material.form] || material.form) + " " + material.count + " 份" }),
      material.note ? P.el("span", { className: "o-mnote", textContent: material.note }) : null,
      P.el("a", { href: P.cfg.urls.service.replace(P.cfg.placeholder, encodeURIComponent(item.code)) + "/materials/" + (index + 1) + "/guide",
        target: "_blank", rel: "noopener", textContent: "材料说明（PDF）" }),
    ]);
  }));
  $("g-notes-box").hidden = !guide.notes;
  $("g-notes").textContent = guide.notes || "";
  $("guide").hidden = false;
}

(async function () {
  const answer = await P.call(P.url("service", code));
  if (!answer.ok) {
    P.show($("error"), answer.status === 404 ? "事项不存在：" + code : answer.message);
    return;
  }
  render(answer.data);
})();
