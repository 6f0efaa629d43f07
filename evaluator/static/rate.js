/*
 * rate.js — the rating box (好差评) of the ticket status page and the portal's progress page (rate.css).
 *
 *   import { offer } from "/evaluate/static/evaluator/rate.js";   offer(container, {ticket_id | case_no, channel, show, api})
 *
 * Shows five grades, an optional comment, and posts to POST /api/v1/ratings once (with an
 * Idempotency-Key, re-sent with it after a network error). Calling it again with the same subject
 * changes nothing; with show false it hides the box. A subject rated on this device is remembered,
 * and a 409 (rated elsewhere) is told as "already rated".
 */
import { createClient } from "/static/js/api.js";

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

  container.innerHTML = "";
  const title = document.createElement("p");
  title.className = "wr-title";
  title.textContent = target.ticket_id ? "请您对本次服务作出评价" : "请您对本次办件服务作出评价";
  const grades = document.createElement("div");
  grades.className = "wr-grades";
  grades.setAttribute("role", "group");
  grades.setAttribute("aria-label", "评价等级");
  const comment = document.createElement("textarea");
  comment.className = "wr-comment";
  comment.maxLength = 500;
  comment.placeholder = "意见建议（选填）";
  const send = document.createElement("button");
  send.type = "button";
  send.className = "wr-send";
  send.textContent = "提交评价";
  send.disabled = true;
  const error = document.createElement("p");
  error.className = "wr-error";
  error.hidden = true;
  let grade = null;
  function answered(text) {
    remember(target, text);
    done(container, text);
  }

  GRADES.forEach(function (entry) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "wr-grade";
    button.dataset.grade = entry[0];
    button.setAttribute("aria-pressed", "false");
    button.innerHTML = "<b>" + "★".repeat(entry[0]) + "</b>";
    button.appendChild(document.createTextNode(entry[1]));
    button.addEventListener("click", function () {
      grade = entry[0];
      grades.querySelectorAll(".wr-grade").forEach(function (other) {
        other.setAttribute("aria-pressed", String(other === button));
      });
      comment.placeholder = grade <= 2 ? "请告诉我们哪里做得不好（选填）" : "意见建议（选填）";
      send.disabled = false;
    });
    grades.appendChild(button);
  });

  send.addEventListener("click", async function () {
    if (!grade) return;
    send.disabled = true;
    error.hidden = true;
    const body = { grade: grade, channel: target.channel };
    if (target.ticket_id) body.ticket_id = target.ticket_id; else body.case_no = target.case_no;
    if (comment.value.trim()) body.comment = comment.value.trim();
    try {
      await api("POST", target.api || "/api/v1/ratings", body);
      answered(grade <= 2 ? "感谢您的评价，我们会认真整改。" : "感谢您的评价！");
      return;
    } catch (failure) {
      if (failure.status === 409) { answered("您已评价过，感谢您的反馈。"); return; }
      error.textContent = failure.status === 0 ? "网络异常，请稍后再试" : failure.message || "评价未能提交，请稍后再试";
    }
    error.hidden = false;
    send.disabled = false;
  });

  container.append(title, grades, comment, send, error);
}

