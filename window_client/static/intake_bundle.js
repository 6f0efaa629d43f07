/*
 * 综合受理, a 主题式 一件事: answer the bundle's questions, see the parts it needs in their order
 * (POST /services/{code}/plan) and every material once, with the parts it serves. The materials
 * table (intake_materials.js) then lists the plan's materials; the answers go with POST /cases.
 * After acceptance the result lists each part: sent to its department, waiting for the parts
 * before it (等待前置事项), or completed on the spot (马上办).
 */
import { $, el } from "/static/js/dom.js";
import { promisedText } from "/static/js/time.js";
import { api } from "./context.js";
import { showAlert, stateName } from "./cases.js";

const bundle = {
  base: null,      // the bundle item as GET /services/{code} gives it
  plan: null,      // the plan for the answers given
  answers: {},
  onChange: null,  // called with the item whose materials are the plan's
  seq: 0,
};

/** Tell whether an item is a 主题式 bundle. */
export function isBundle(item) {
  return !!item && item.modes.indexOf("bundle") >= 0 && (item.parts || []).length > 0;
}

/** Plan a bundle item (unanswered questions take their first choice); other items come back as they are. */
export async function planned(item, onChange) {
  bundle.onChange = onChange;
  bundle.base = isBundle(item) ? item : null;
  bundle.plan = null;
  bundle.answers = {};
  $("in-bundle").hidden = !bundle.base;
  if (!bundle.base) return item;
  (item.questions || []).forEach(function (q) { bundle.answers[q.id] = q.choices[0].value; });
  renderQuestions();
  return replan();
}

/** The answers to send with POST /cases, or undefined for a single item. */
export function bundleAnswers() {
  return bundle.base ? Object.assign({}, bundle.answers) : undefined;
}

async function replan() {
  const seq = ++bundle.seq;
  const plan = await api("POST", "/services/" + encodeURIComponent(bundle.base.code) + "/plan", { answers: bundle.answers });
  if (seq !== bundle.seq) return null;   // a newer answer was given meanwhile
  bundle.plan = plan;
  renderPlan();
  const names = {};
  plan.steps.forEach(function (step) { names[step.code] = step.name; });
  const materials = plan.materials.map(function (m) {
    const used = "用于：" + m.for.map(function (code) { return names[code] || code; }).join("、");
    return Object.assign({}, m, { note: m.note ? used + " · " + m.note : used });
  });
  return Object.assign({}, bundle.base, { materials: materials, plan: plan });
}

function renderQuestions() {
  const box = $("in-bundle-questions");
  box.textContent = "";
  (bundle.base.questions || []).forEach(function (q) {
    const group = el("div", { className: "c-question", role: "radiogroup", "aria-label": q.text });
    group.dataset.question = q.id;
    group.append(el("p", "c-question-text", q.text));
    q.choices.forEach(function (choice) {
      const input = el("input", { type: "radio", name: "bundle-" + q.id, value: choice.value });
      input.checked = bundle.answers[q.id] === choice.value;
      input.addEventListener("change", function () { answer(q.id, choice.value); });
      group.append(el("label", "c-choice", [input, " " + choice.label]));
    });
    box.append(group);
  });
}

async function answer(id, value) {
  bundle.answers[id] = value;
  try {
    const item = await replan();
    if (item && bundle.onChange) bundle.onChange(item);
    showAlert($("in-error"), null);
  } catch (error) {
    showAlert($("in-error"), error);
  }
}

function renderPlan() {
  const plan = bundle.plan;
  const list = $("in-bundle-parts");
  list.textContent = "";
  const names = {};
  plan.steps.forEach(function (step) { names[step.code] = step.name; });
  plan.steps.forEach(function (step) {
    const after = step.waits_for.length
      ? "待" + step.waits_for.map(function (code) { return names[code]; }).join("、") + "办结后审批"
      : (step.mode === "immediate" ? "当场办结" : "受理后即送审批");
    const li = el("li", "c-part", [
      el("b", "", step.name),
      el("small", "", step.department_name + " · " + promisedText(step.promised_days) + " · " + after),
    ]);
    li.dataset.code = step.code;
    list.append(li);
  });
  $("in-bundle-total").textContent = "共 " + plan.parts.length + " 个事项，按先后顺序最长" + promisedText(plan.promised_days)
    + "；材料 " + plan.materials.length + " 项，一次提交、多次复用。";
}

/** Show each part of an accepted bundle under the result. */
export function renderBundleResult(kase) {
  const list = $("in-result-parts");
  list.textContent = "";
  list.hidden = !(kase.children || []).length;
  (kase.children || []).forEach(function (child) {
    const state = child.waiting_for && child.waiting_for.length ? "等待前置事项" : stateName(child);
    const li = el("li", "c-part", [
      el("b", "", child.service_name),
      el("small", "", child.case_no + " · " + child.department_name + " · " + state
        + (child.deadline ? " · 期限 " + child.deadline : "")),
    ]);
    li.dataset.service = child.service;
    li.dataset.state = child.waiting_for && child.waiting_for.length ? "waiting" : child.state;
    list.append(li);
  });
}
