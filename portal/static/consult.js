/*
 * 在线咨询 on an item's guide page: the item's 常见问题 (the answers consultants made public) and the
 * form that asks a question (name, phone, question) → POST /api/v1/services/<code>/consultations.
 * The answer reaches the asker by SMS.
 */
import * as P from "./portal.js";

const $ = P.$;
const base = P.url("service", P.cfg.code);
const FIELDS = ["name", "phone", "question"];

async function loadFaq() {
  const answer = await P.call(base + "/faq");
  if (!answer.ok) return;   // an unknown item: the guide says so
  $("faq-list").replaceChildren(...answer.data.flatMap(function (row) {
    return [
      P.el("dt", { className: "o-faq-q", textContent: "问：" + row.question }),
      P.el("dd", { className: "o-faq-a", textContent: "答：" + row.answer }),
    ];
  }));
  $("faq-box").hidden = answer.data.length === 0;
  $("ask-box").hidden = false;
}

$("ask-form").addEventListener("submit", async function (event) {
  event.preventDefault();
  FIELDS.forEach(function (name) { P.show($("ask-" + name + "-error"), ""); });
  P.show($("ask-error"), "");
  const body = {};
  FIELDS.forEach(function (name) { body[name] = $("ask-" + name).value.trim(); });
  $("ask-submit").disabled = true;
  const answer = await P.call(base + "/consultations", { method: "POST", json: body });
  $("ask-submit").disabled = false;
  if (!answer.ok) {
    Object.keys(answer.fields || {}).forEach(function (name) {
      const box = $("ask-" + name + "-error");
      if (box) P.show(box, answer.fields[name]);
    });
    P.show($("ask-error"), answer.status === 400 ? "请检查标红的内容" : answer.message);
    return;
  }
  $("ask-form").reset();
  P.show($("ask-done"), "咨询已提交（编号 " + answer.data.id + "），答复将以短信发送至 " + answer.data.phone + "。");
});

loadFaq();
