/*
 * A life event's 智能导办 (主题式 一件事): the bundle's questions (GET /api/v1/services/<code>), then, as they
 * are answered, the plan (POST /api/v1/services/<code>/plan): the parts in order with who decides each and
 * when, the total promised time, every material once with the parts it serves and its sample; the 一张图
 * drawn by the server from the definition (flow.svg, inline) and its printable guide (guide.pdf); then
 * what to do: apply online (网上申请, the answers carried over), book a slot at a hall, or take a ticket.
 */
import { $ } from "/static/js/dom.js";
import { promisedText } from "/static/js/time.js";
import * as P from "./portal.js";

const code = P.cfg.code;
const MODES = { immediate: "现场办结", once: "一次办", citywide: "同城办" };
const LEVELS = { district: 0, community: 1 };
let bundle = null;
let items = {};            // code → the item list's entry of each part (materials in order)
const samples = {};        // part code → {material name → sample}
let asked = 0;

function answers() {
  const chosen = {};
  (bundle.questions || []).forEach(function (question) {
    const input = document.querySelector("input[name='q-" + question.id + "']:checked");
    if (input) chosen[question.id] = input.value;
  });
  return chosen;
}

function answersParam(chosen) {
  return Object.keys(chosen).map(function (key) { return key + ":" + chosen[key]; }).join(",");
}

function renderQuestions() {
  const questions = bundle.questions || [];
  $("ev-questions").replaceChildren(...questions.map(function (question) {
    return P.el("fieldset", { className: "ev-question", dataset: { question: question.id } }, [
      P.el("legend", { textContent: question.text }),
      P.el("div", { className: "o-choice", role: "radiogroup" }, question.choices.map(function (choice, index) {
        const id = "q-" + question.id + "-" + choice.value;
        return P.el("label", { htmlFor: id }, [
          P.el("input", { type: "radio", id: id, name: "q-" + question.id, value: choice.value, checked: index === 0 }),
          P.el("span", { textContent: choice.label }),
        ]);
      })),
    ]);
  }));
  $("ev-questions-box").hidden = questions.length === 0;
}

async function samplesOf(part) {
  if (!samples[part]) {
    samples[part] = P.call(P.url("service", part) + "/samples").then(function (answer) {
      const byName = {};
      (answer.ok ? answer.data : []).forEach(function (sample) { byName[sample.material] = sample; });
      return byName;
    });
  }
  return samples[part];
}

/* 查看示例 when one of the parts holds a sample of the material, else its 材料说明 (PDF). */
function materialLink(material, found) {
  const sample = found.find(Boolean);
  if (sample) {
    return P.el("a", { href: sample.url, target: "_blank", rel: "noopener", className: "o-sample",
      textContent: "查看示例", title: sample.filename, "aria-label": "查看示例：" + material.name });
  }
  const part = material.for.find(function (c) { return items[c]; });
  const index = part ? items[part].materials.findIndex(function (m) { return m.name === material.name; }) : -1;
  if (index < 0) return null;
  return P.el("a", { href: P.url("service", part) + "/materials/" + (index + 1) + "/guide", target: "_blank",
    rel: "noopener", textContent: "材料说明（PDF）" });
}

async function renderPlan(plan) {
  const names = Object.fromEntries(plan.steps.map(function (step) { return [step.code, step.name]; }));
  $("ev-total").textContent = "共 " + plan.steps.length + " 个事项，全程" + promisedText(plan.promised_days) +
    "（有先后顺序的事项按顺序计算，其余并联审批）";
  $("ev-steps").replaceChildren(...plan.steps.map(function (step) {
    const waits = step.waits_for.map(function (c) { return names[c] || c; });
    return P.el("li", { dataset: { code: step.code } }, [
      P.el("strong", { textContent: step.name }),
      P.el("span", { className: "o-mmeta", textContent: step.department_name + " · " + promisedText(step.promised_days) +
        (MODES[step.mode] ? " · " + MODES[step.mode] : "") }),
      P.el("span", { className: "o-mnote", textContent: waits.length ? "在“" + waits.join("”“") + "”办结后自动转入审批"
        : "受理后即送审批部门" }),
    ]);
  }));
  const found = await Promise.all(plan.materials.map(function (material) {
    return Promise.all(material.for.map(function (part) {
      return samplesOf(part).then(function (byName) { return byName[material.name]; });
    }));
  }));
  $("ev-materials").replaceChildren(...plan.materials.map(function (material, index) {
    const tags = [P.el("span", { className: "o-tag" + (material.required ? "" : " is-optional"),
      textContent: material.required ? "必需" : "选交" })];
    if (material.deferrable) tags.push(P.el("span", { className: "o-tag is-optional", textContent: "可容缺" }));
    return P.el("li", { dataset: { material: material.name } }, [
      P.el("span", { className: "o-mname", textContent: material.name }), ...tags,
      P.el("span", { className: "o-mmeta", textContent: (P.FORMS[material.form] || material.form) + " " + material.count + " 份" }),
      P.el("span", { className: "o-mnote ev-for", textContent: "用于：" + material.for.map(function (c) { return names[c] || c; }).join("、") }),
      material.note ? P.el("span", { className: "o-mnote", textContent: material.note }) : null,
      materialLink(material, found[index]),
    ]);
  }));
}

async function renderFlow(param) {
  const address = P.url("flow", code) + "?answers=" + encodeURIComponent(param);
  $("ev-pdf").href = P.url("guide_pdf", code) + "?answers=" + encodeURIComponent(param);
  try {
    const response = await fetch(address, { headers: { Accept: "image/svg+xml" } });
    if (!response.ok) return;
    const parsed = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
    if (parsed.documentElement.nodeName !== "svg") return;
    $("ev-flow").replaceChildren(document.importNode(parsed.documentElement, true));
  } catch (error) {
    /* offline: the steps above say the same */
  }
}

async function refresh() {
  const chosen = answers();
  const mine = ++asked;
  const answer = await P.call(P.url("plan", code), { method: "POST", json: { answers: chosen } });
  if (mine !== asked) return;  // answered again meanwhile
  P.show($("ev-plan-error"), answer.ok ? "" : answer.message);
  if (!answer.ok) return;
  $("ev-apply").href = P.url("apply_page", code) + "?answers=" + encodeURIComponent(answersParam(chosen));
  await Promise.all([renderPlan(answer.data), renderFlow(answersParam(chosen))]);
}

/* Booking: the halls that accept the event (district halls, then communities), the bundle's queue chosen. */
async function renderActions() {
  // Every 一件事 may be applied for online: pre-reviewed by the hall's clerks instead of the window's intake.
  $("ev-apply").hidden = false;
  $("ev-kiosk").textContent = "在服务大厅的自助取号机首页点“一件事”，选择“" + bundle.name.replace(/（一件事）$/, "") +
    "”并回答同样的问题，即可取到综合窗口的号。";
  const answer = await P.call(P.cfg.urls.halls);
  if (!answer.ok) return;
  const halls = answer.data.filter(function (hall) {
    return hall.level in LEVELS && (!bundle.halls || bundle.halls.indexOf(hall.code) >= 0);
  }).sort(function (a, b) { return LEVELS[a.level] - LEVELS[b.level]; });
  $("ev-booking").replaceChildren(...halls.map(function (hall) {
    const href = P.url("book_page", hall.code) + "?queue=" + encodeURIComponent(bundle.queue);
    return P.el("li", { dataset: { hall: hall.code } }, [
      P.el("a", { href: href, className: "ev-book", textContent: "预约 " + hall.name }),
    ]);
  }));
}

(async function () {
  const [answer, listed] = await Promise.all([P.call(P.url("service", code)), P.call(P.cfg.urls.services)]);
  if (!answer.ok) {
    P.show($("error"), answer.status === 404 ? "一件事不存在：" + code : answer.message);
    return;
  }
  bundle = answer.data;
  if (bundle.modes.indexOf("bundle") < 0) {
    P.show($("error"), "“" + bundle.name + "”不是一件事，请查看该事项的办事指南");
    return;
  }
  items = listed.ok ? Object.fromEntries(listed.data.map(function (item) { return [item.code, item]; })) : {};
  document.title = bundle.name + " · 一件事导办";
  $("ev-code").textContent = "事项编码 " + bundle.code;
  $("ev-name").textContent = bundle.name;
  renderQuestions();
  $("event").hidden = false;
  $("ev-questions").addEventListener("change", refresh);
  $("ev-questions").addEventListener("submit", function (event) { event.preventDefault(); });
  renderActions();
  refresh();
})();
