/*
 * 一件事 at the kiosk: shown when the hall accepts a life event (a bundle taken in at one of its queues).
 * The citizen picks the event, answers its questions with big buttons, sees the plan (POST
 * /api/v1/services/<code>/plan: the parts in order, who decides each, the total time, how many
 * materials) and takes the ticket of the bundle's queue for that item: kiosk.js takes it on the
 * "kiosk:take" event, the same way as a ticket by item (green channel included).
 */
import { $, el } from "/static/js/dom.js";
import { promisedText } from "/static/js/time.js";
import { api, cfg, state } from "./context.js";

let events = [];
let chosen = null;          // the bundle being answered
let answers = {};
let asked = 0;

function offered() {
  // Before the queues are in, every event; then only those taken in at a queue of this hall.
  return events.filter(function (item) { return !state.queues.length || state.queueByCode[item.queue]; });
}

function pick() {
  $("event-pick").hidden = false;
  $("event-plan").hidden = true;
  chosen = null;
  $("event-list").replaceChildren(...offered().map(function (item) {
    const button = el("button", { type: "button", className: "k-event-item", dataset: { code: item.code } }, [
      el("span", "k-event-item-name", item.name.replace(/（一件事）$/, "")),
      el("span", "k-event-item-meta", item.parts.length + " 个事项 · 全程" + promisedText(item.promised_days)),
    ]);
    button.addEventListener("click", function () { answer(item); });
    return button;
  }));
}

function answer(item) {
  chosen = item;
  answers = {};
  item.questions.forEach(function (question) { answers[question.id] = question.choices[0].value; });
  $("event-pick").hidden = true;
  $("event-plan").hidden = false;
  $("event-name").textContent = item.name;
  $("event-questions").replaceChildren(...item.questions.map(function (question) {
    return el("fieldset", { className: "k-event-question", dataset: { question: question.id } }, [
      el("legend", {}, question.text),
      el("div", "k-event-choices", question.choices.map(function (choice) {
        const button = el("button", { type: "button", className: "k-event-choice", dataset: { value: choice.value } },
          choice.label);
        button.setAttribute("aria-pressed", String(answers[question.id] === choice.value));
        button.addEventListener("click", function () {
          answers[question.id] = choice.value;
          button.parentNode.querySelectorAll("button").forEach(function (other) {
            other.setAttribute("aria-pressed", String(other === button));
          });
          showPlan();
        });
        return button;
      })),
    ]);
  }));
  const queue = state.queueByCode[item.queue];
  $("event-take").textContent = "取号" + (queue ? " · " + queue.name : "");
  showPlan();
}

async function showPlan() {
  const mine = ++asked;
  $("event-take").disabled = true;
  let plan;
  try {
    plan = await api("POST", cfg.urls.plan.replace("__code__", encodeURIComponent(chosen.code)), { answers: answers });
  } catch (error) {
    if (mine !== asked) return;
    $("event-error").textContent = "暂时无法生成办理清单：" + error.message;
    $("event-error").hidden = false;
    return;
  }
  if (mine !== asked) return;
  $("event-error").hidden = true;
  const names = Object.fromEntries(plan.steps.map(function (step) { return [step.code, step.name]; }));
  $("event-total").textContent = "共 " + plan.steps.length + " 个事项，全程" + promisedText(plan.promised_days);
  $("event-steps").replaceChildren(...plan.steps.map(function (step) {
    const waits = step.waits_for.map(function (code) { return names[code] || code; });
    return el("li", { dataset: { code: step.code } }, [
      el("strong", {}, step.name),
      el("span", "k-event-step-meta", step.department_name + " · " + promisedText(step.promised_days) +
        (waits.length ? " · 待“" + waits.join("”“") + "”办结后审批" : "")),
    ]);
  }));
  $("event-materials").textContent = "请备齐 " + plan.materials.length + " 项材料，一次提交、多次复用：" +
    plan.materials.map(function (material) { return material.name; }).join("、");
  $("event-take").disabled = false;
}

function take() {
  if (!chosen) return;
  const item = chosen;
  const queue = state.queueByCode[item.queue];
  $("event-dialog").close();
  document.dispatchEvent(new CustomEvent("kiosk:take", {
    detail: { queue: item.queue, service: item.code, queueName: queue ? queue.name : item.queue, serviceName: item.name },
  }));
}

async function load() {
  try {
    events = (await api("GET", cfg.urls.services + "?mode=bundle")).filter(function (item) {
      return item.modes.indexOf("bundle") >= 0 && item.parts.length;
    });
  } catch (error) {
    setTimeout(load, 10000);
    return;
  }
  $("event-open").hidden = events.length === 0;
}

$("event-open").addEventListener("click", function () {
  if (!offered().length) return;
  pick();
  $("event-dialog").showModal();
});
$("event-take").addEventListener("click", take);
$("event-back").addEventListener("click", pick);
$("event-cancel").addEventListener("click", function () { $("event-dialog").close(); });
load();
