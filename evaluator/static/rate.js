/*
 * rate.js — the rating box (好差评) of the ticket status page and the portal's progress page (rate.css).
 *
 *   import { offer } from "/evaluate/static/evaluator/rate.js";
 *   offer(container, {ticket_id, token | case_no, phone, channel, show, api})
 *
 * Shows five grades and a comment; a bad grade (2 不满意 or 1 非常不满意) also asks for a reason from
 * labels.js's BAD_REASONS and a comment before it can be sent (sent as the reason, and at the head
 * of the comment: reasonComment). A ticket is rated with its rating token, a case with the
 * applicant's phone (a 403 shows the server's message). Posts to POST /api/v1/ratings once (with an
 * Idempotency-Key, re-sent with it after a network error). Calling it again with the same subject
 * changes nothing; with show false it hides the box. A subject rated on this device is remembered,
 * and a 409 (rated elsewhere) is told as "already rated".
 */
import { createClient } from "/static/js/api.js";
import { el } from "/static/js/dom.js";
import { BAD_REASONS, reasonComment } from "/static/js/labels.js";

const api = createClient({ base: "" });
const GRADES = [[5, "非常满意"], [4, "满意"], [3, "基本满意"], [2, "不满意"], [1, "非常不满意"]];

function key(target) {
  return "wuban-rated:" + (target.ticket_id ? "t" + target.ticket_id : "c" + target.case_no);
}

function remembered(target) {
  try { return window.localStorage.getItem(key(target)); } catch (e) { return null; }
}

function remember(target, text) {
  try { window.localStorage.setItem(key(target), text); } catch (e) { /* private mode */ }
}

function done(container, text) {
  container.innerHTML = "";
  const p = document.createElement("p");
  p.className = "wr-done";
  p.textContent = text;
  container.appendChild(p);
}

export function offer(container, target) {
  if (!container) return;
  if (!target.show) { container.hidden = true; return; }
  container.hidden = false;
  if (!container.className) container.className = "wr-box";  // a bare container gets a card of its own
  const subject = key(target);
  if (container.dataset.subject === subject) return;
  container.dataset.subject = subject;
  const before = remembered(target);
  if (before) { done(container, before); return; }

  const uid = "wr-" + subject.replace(/[^a-zA-Z0-9]/g, "");
  const title = el("p", { className: "wr-title", id: uid + "-title" },
    target.ticket_id ? "请您对本次服务作出评价" : "请您对本次办件服务作出评价");
  const grades = el("div", { className: "wr-grades", role: "group", "aria-labelledby": uid + "-title" });
  const reasons = el("fieldset", { className: "wr-reasons", hidden: true });
  reasons.append(el("legend", null, "请选择不满意的原因（必选）"));
  const comment = el("textarea", { className: "wr-comment", id: uid + "-comment", maxLength: 450, rows: 3 });
  const commentLabel = el("label", { className: "wr-comment-label", htmlFor: uid + "-comment" }, "意见建议（选填）");
  const send = el("button", { type: "button", className: "wr-send", disabled: true }, "提交评价");
  const error = el("p", { className: "wr-error", role: "alert", hidden: true });
  let grade = null;
  let reason = null;

  function bad() { return grade !== null && grade <= 2; }
  function ready() {
    if (grade === null) return false;
    return !bad() || (reason !== null && comment.value.trim().length > 0);
  }
  function update() {
    reasons.hidden = !bad();
    commentLabel.textContent = bad() ? "请具体说明遇到的问题（必填）" : "意见建议（选填）";
    comment.required = bad();
    send.disabled = !ready();
  }
  function answered(text) {
    remember(target, text);
    done(container, text);
  }

  GRADES.forEach(function (entry) {
    const button = el("button", {
      type: "button", className: "wr-grade", dataset: { grade: entry[0] }, "aria-pressed": "false",
    }, [el("b", { "aria-hidden": "true" }, "★".repeat(entry[0])), el("span", null, entry[1])]);
    button.addEventListener("click", function () {
      grade = entry[0];
      grades.querySelectorAll(".wr-grade").forEach(function (other) {
        other.setAttribute("aria-pressed", String(other === button));
      });
      update();
    });
    grades.appendChild(button);
  });
  BAD_REASONS.forEach(function (name) {
    const input = el("input", { type: "radio", name: uid + "-reason", value: name });
    input.addEventListener("change", function () { reason = name; update(); });
    reasons.append(el("label", "wr-reason", [input, el("span", null, name)]));
  });
  comment.addEventListener("input", update);

  send.addEventListener("click", async function () {
    if (!ready()) return;
    send.disabled = true;
    error.hidden = true;
    const body = { grade: grade, channel: target.channel };
    if (target.ticket_id) body.ticket_id = target.ticket_id; else body.case_no = target.case_no;
    if (target.token) body.token = target.token;
    if (target.phone) body.phone = target.phone;
    if (bad()) body.reason = reason;
    const text = bad() ? reasonComment(reason, comment.value) : comment.value.trim();
    if (text) body.comment = text;
    try {
      await api("POST", target.api || "/api/v1/ratings", body);
      answered(bad() ? "感谢您的评价，我们会认真整改。" : "感谢您的评价！");
      return;
    } catch (failure) {
      if (failure.status === 409) { answered("您已评价过，感谢您的反馈。"); return; }
      error.textContent = failure.status === 0 ? "网络异常，请稍后再试" : failure.message || "评价未能提交，请稍后再试";
    }
    error.hidden = false;
    send.disabled = false;
  });

  container.replaceChildren(title, grades, reasons, commentLabel, comment, send, error);
}
