/* An item's guide (办事指南): GET /api/v1/services/<code>, with 在线申请 when the item is done online. */
import { $ } from "/static/js/dom.js";
import { workdaysText } from "/static/js/time.js";
import { agentRequestForm } from "/static/js/agent_request.js";
import { showHalls } from "./guide_halls.js";
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

/* The link beside a material: its uploaded 示例文本, else the generated 申请材料说明 (PDF). */
function materialLink(item, index, sample) {
  if (sample) {
    return P.el("a", { href: sample.url, target: "_blank", rel: "noopener", className: "o-sample",
      textContent: "查看示例", title: sample.filename, "aria-label": "查看示例：" + sample.material });
  }
  return P.el("a", { href: P.url("service", item.code) + "/materials/" + (index + 1) + "/guide",
    target: "_blank", rel: "noopener", textContent: "材料说明（PDF）" });
}

function render(item, samples) {
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
  // 主题式 一件事: its questions, plan and 一张图 are on the life event's page.
  const bundle = item.modes.indexOf("bundle") >= 0;
  $("g-event").hidden = !bundle;
  $("g-event").href = P.url("event_page", item.code);
  if (bundle) $("g-offline").hidden = true;

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
      materialLink(item, index, samples[index + 1]),
    ]);
  }));
  $("g-notes-box").hidden = !guide.notes;
  $("g-notes").textContent = guide.notes || "";
  $("guide").hidden = false;
}

/* 代理办: the form asks the agents of a hall that accepts the item (a station or community first). */
async function offerAgent(item) {
  const answer = await P.call(P.cfg.urls.halls);
  if (!answer.ok) return;
  const everywhere = item.halls === null || item.halls === undefined || item.modes.indexOf("citywide") >= 0;
  const order = { station: 0, community: 1, district: 2 };
  const halls = answer.data.filter(function (hall) { return everywhere || item.halls.indexOf(hall.code) >= 0; })
    .sort(function (a, b) { return (order[a.level] || 0) - (order[b.level] || 0); });
  if (!halls.length) return;
  agentRequestForm($("agent-form"), { service: item.code, halls: halls, channel: "portal" });
  $("agent-box").hidden = false;
}

(async function () {
  const [answer, listed] = await Promise.all([P.call(P.url("service", code)), P.call(P.url("service", code) + "/samples")]);
  if (!answer.ok) {
    P.show($("error"), answer.status === 404 ? "事项不存在：" + code : answer.message);
    return;
  }
  const samples = {};  // by material number (from 1), of the version shown
  (listed.ok ? listed.data : []).forEach(function (sample) { samples[sample.material_id] = sample; });
  render(answer.data, samples);
  showHalls(answer.data);
  if (answer.data.modes.indexOf("agent") >= 0) offerAgent(answer.data);
})();
