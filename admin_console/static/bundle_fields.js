/*
 * bundle_fields.js — the 一件事 part of the item form: a bundle's parts (item codes), the order between
 * them (which part waits for which) and its 导办 questions, each choice adding or removing parts.
 * Written one a line, read back into the API's {parts, depends, questions}.
 */
import { el } from "/static/js/dom.js";

const SEP = /[、，,\s]+/;
const CHOICE = /^([^=]+)=(.+?)((?:【(?:增加|去掉)：[^】]*】)*)$/;

function problem(field, why) { return { message: "一件事的写法不对", details: { fields: { [field]: why } } }; }

function codes(text) { return String(text || "").split(SEP).map(function (s) { return s.trim(); }).filter(Boolean); }

function bracket(word, list) { return list && list.length ? "【" + word + "：" + list.join("、") + "】" : ""; }

/** Write the questions one a line: 编号｜问题｜值=选项【增加：编码】；值=选项. */
export function questionsText(questions) {
  return (questions || []).map(function (q) {
    return [q.id, q.text, q.choices.map(function (c) {
      return c.value + "=" + c.label + bracket("增加", c.adds) + bracket("去掉", c.removes);
    }).join("；")].join("｜");
  }).join("\n");
}

/** Read the questions back; a line that does not parse is answered as an error beside the field. */
export function parseQuestions(text) {
  return String(text || "").split("\n").map(function (l) { return l.trim(); }).filter(Boolean).map(function (line, index) {
    const parts = line.split("｜");
    if (parts.length !== 3) throw problem("questions", "第 " + (index + 1) + " 行应为：编号｜问题｜值=选项；值=选项");
    const choices = parts[2].split("；").map(function (s) { return s.trim(); }).filter(Boolean).map(function (choice) {
      const match = CHOICE.exec(choice);
      if (!match) throw problem("questions", "第 " + (index + 1) + " 行的选项应写作“值=选项”：" + choice);
      const grab = function (word) {
        const found = new RegExp("【" + word + "：([^】]*)】").exec(match[3] || "");
        return found ? codes(found[1]) : [];
      };
      return { value: match[1].trim(), label: match[2].trim(), adds: grab("增加"), removes: grab("去掉") };
    });
    return { id: parts[0].trim(), text: parts[1].trim(), choices: choices };
  });
}

/** Write the order: 子项编码：须先办结的编码、编码, one waiting part a line. */
export function dependsText(depends) {
  return Object.keys(depends || {}).filter(function (code) { return depends[code].length; }).map(function (code) {
    return code + "：" + depends[code].join("、");
  }).join("\n");
}

export function parseDepends(text) {
  const out = {};
  String(text || "").split("\n").map(function (l) { return l.trim(); }).filter(Boolean).forEach(function (line, index) {
    const pair = line.split(/[：:]/);
    if (pair.length !== 2 || !pair[0].trim()) throw problem("depends", "第 " + (index + 1) + " 行应为：子项编码：须先办结的编码");
    out[pair[0].trim()] = codes(pair[1]);
  });
  return out;
}

function area(name, label, hint, rows) {
  const id = "item-bundle-" + name;
  const input = el("textarea", { id: id, rows: rows, spellcheck: false });
  input.setAttribute("aria-describedby", id + "-error");
  input.dataset.inputFor = name;
  const error = el("span", { className: "ad-field-error", id: id + "-error", hidden: true });
  error.dataset.errorFor = name;
  const box = el("div", { className: "ad-field", dataset: { field: name } },
    [el("label", { htmlFor: id, className: "ad-label" }, label), input, el("small", "ad-hint", hint), error]);
  return { box: box, input: input };
}

/** Add the 一件事 fields after a node; shown when the item's modes include bundle. */
export function setupBundleFields(after) {
  const parts = area("parts", "一件事包含的事项（编码）", "以“、”分隔，如 SCJG-001、SCJG-006；须为已有的单项事项", 2);
  const depends = area("depends", "办理先后", "每行一项：子项编码：须先办结的子项编码，如 SCJG-006：SCJG-001", 3);
  const questions = area("questions", "导办问题", "每行一题：编号｜问题｜值=选项【增加：编码】；值=选项【去掉：编码】。未作答取第一个选项", 3);
  const section = el("fieldset", { className: "ad-bundle", id: "item-bundle", hidden: true },
    [el("legend", null, "主题式服务（一件事）"), parts.box, depends.box, questions.box]);
  after.after(section);
  return {
    show: function (on) { section.hidden = !on; },
    fill: function (item) {
      parts.input.value = (item.parts || []).join("、");
      depends.input.value = dependsText(item.depends);
      questions.input.value = questionsText(item.questions);
    },
    /** {parts, depends, questions} for the API; throws an error naming the field when a line does not parse. */
    values: function () {
      return { parts: codes(parts.input.value), depends: parseDepends(depends.input.value),
        questions: parseQuestions(questions.input.value) };
    },
  };
}
