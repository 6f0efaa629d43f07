/*
 * rate.js — the rating box (好差评) of the ticket status page and the portal's progress page.
 *
 *   WubanRate.offer(container, {ticket_id | case_no, channel, show, api})
 *
 * Shows five grades, an optional comment, and posts to POST /api/v1/ratings once. Calling it again
 * with the same subject changes nothing; with show false it hides the box. A subject rated on this
 * device is remembered, and a 409 (rated elsewhere) is told as "already rated".
 */
(function (global) {
  "use strict";

  const GRADES = [[5, "非常满意"], [4, "满意"], [3, "基本满意"], [2, "不满意"], [1, "非常不满意"]];
  const CSS = [
    ".wr-box{margin:1rem;padding:1rem;border-radius:16px;background:var(--card,#fff);box-shadow:0 2px 10px rgba(31,41,51,.06)}",
    ".wr-box[hidden]{display:none}",
    ".wr-title{margin:0 0 .6rem;font-weight:700;font-size:1.1rem}",
    ".wr-grades{display:grid;grid-template-columns:repeat(5,1fr);gap:.35rem}",
    ".wr-grade{padding:.6rem .1rem;border:1px solid #cbd2d9;border-radius:10px;background:#fff;font-size:.85rem;line-height:1.3}",
    ".wr-grade b{display:block;font-size:1.15rem;color:#f9a825}",
    ".wr-grade[aria-pressed=true]{border-color:var(--brand,#b71c1c);background:#fdecea;font-weight:700}",
    ".wr-comment{display:block;width:100%;margin:.6rem 0;padding:.5rem;border:1px solid #cbd2d9;border-radius:8px;font:inherit;min-height:3.2rem}",
    ".wr-send{width:100%;padding:.7rem;border:0;border-radius:10px;background:var(--brand,#b71c1c);color:#fff;font-size:1rem}",
    ".wr-send:disabled{opacity:.5}",
    ".wr-done{margin:0;color:var(--ok,#2e7d32);font-weight:700}",
    ".wr-error{margin:.4rem 0 0;color:var(--bad,#c62828)}",
  ].join("");

  function key(target) {
    return "wuban-rated:" + (target.ticket_id ? "t" + target.ticket_id : "c" + target.case_no);
  }

  function remembered(target) {
    try { return global.localStorage.getItem(key(target)); } catch (e) { return null; }
  }

  function remember(target, text) {
    try { global.localStorage.setItem(key(target), text); } catch (e) { /* private mode */ }
  }

  function injectStyle() {
    if (document.getElementById("wr-style")) return;
    const style = document.createElement("style");
    style.id = "wr-style";
    style.textContent = CSS;
    document.head.appendChild(style);
  }

  function done(container, text) {
    container.innerHTML = "";
    const p = document.createElement("p");
    p.className = "wr-done";
    p.textContent = text;
    container.appendChild(p);
  }

  function offer(container, target) {
    if (!container) return;
    if (!target.show) { container.hidden = true; return; }
    container.hidden = false;
    if (!container.className) container.className = "wr-box";  // a bare container gets a card of its own
    const subject = key(target);
    if (container.dataset.subject === subject) return;
    container.dataset.subject = subject;
    injectStyle();
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
        const response = await fetch(target.api || "/api/v1/ratings", {
          method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(body),
        });
        if (response.ok || response.status === 409) {
          const text = response.ok
            ? (grade <= 2 ? "感谢您的评价，我们会认真整改。" : "感谢您的评价！")
            : "您已评价过，感谢您的反馈。";
          remember(target, text);
          done(container, text);
          return;
        }
        const answer = await response.json().catch(function () { return null; });
        error.textContent = answer && answer.error ? answer.error.message : "评价未能提交，请稍后再试";
      } catch (e) {
        error.textContent = "网络异常，请稍后再试";
      }
      error.hidden = false;
      send.disabled = false;
    });

    container.append(title, grades, comment, send, error);
  }

  global.WubanRate = { offer: offer };
})(window);
