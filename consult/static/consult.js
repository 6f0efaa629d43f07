/*
 * consult.js — the consultants' screen: open questions oldest first (live: the consultation_updated
 * notices of the consultants' room re-read the list), each answered with a text and a choice to make
 * it public (常见问题 on the item's guide); the answer goes to the asker by SMS. The month's figures:
 * questions, answered, open, median and 95% time to answer.
 * For tests: window.wubanConsult = {online, rows, refreshed}.
 */
import { createClient } from "/static/js/api.js";
import { $, config, el, showError } from "/static/js/dom.js";
import { dateTimeText } from "/static/js/time.js";

const cfg = config("consult-config");
const api = createClient({ token: cfg.token });
const screen = { online: false, rows: [], refreshed: 0 };
window.wubanConsult = screen;
let state = "open";

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  if (seconds < 3600) return Math.max(1, Math.round(seconds / 60)) + " 分钟";
  if (seconds < 86400) return (seconds / 3600).toFixed(1).replace(/\.0$/, "") + " 小时";
  return (seconds / 86400).toFixed(1).replace(/\.0$/, "") + " 天";
}

function row(item) {
  const head = el("div", "c-row-head", [
    el("strong", { textContent: item.service_name }),
    el("span", { className: "c-meta", textContent: item.name + " · " + item.phone + " · " + dateTimeText(item.created_at, cfg.tz) }),
  ]);
  const li = el("li", { className: "c-row", dataset: { id: String(item.id) } }, [head, el("p", { className: "c-question", textContent: item.question })]);
  if (item.state === "answered") {
    li.append(el("p", { className: "c-answer", textContent: "答复：" + item.answer }),
      el("p", { className: "c-meta", textContent: (item.public ? "已公开 · " : "") + (item.answered_by || "") + " · " + dateTimeText(item.answered_at, cfg.tz) }));
    return li;
  }
  const text = el("textarea", { className: "c-reply", rows: 3, maxLength: 1000, placeholder: "答复内容（将以短信发送给咨询人）" });
  const pub = el("input", { type: "checkbox", className: "c-public" });
  const error = el("p", { className: "c-error", hidden: true });
  const send = el("button", { type: "button", className: "c-send", textContent: "发送答复" });
  send.addEventListener("click", async function () {
    send.disabled = true;
    try {
      await api("POST", "/consultations/" + item.id + "/answer", { answer: text.value.trim(), public: pub.checked });
      await refresh();
    } catch (problem) {
      const fields = (problem.details && problem.details.fields) || {};
      showError(error, fields.answer ? { message: fields.answer } : problem, { loginUrl: cfg.login_url });
      send.disabled = false;
    }
  });
  li.append(text, el("label", { className: "c-check" }, [pub, " 公开为该事项的常见问题（不显示姓名和手机号）"]), error, send);
  return li;
}

async function refresh() {
  try {
    const [list, figures] = await Promise.all([
      api("GET", "/consultations?state=" + state),
      api("GET", "/consultations/figures"),
    ]);
    showError($("c-error"), null);
    screen.rows = list.items;
    $("c-list").replaceChildren(...list.items.map(row));
    $("c-empty").hidden = list.items.length > 0;
    $("f-questions").textContent = figures.questions;
    $("f-answered").textContent = figures.answered;
    $("f-open").textContent = figures.open;
    $("f-median").textContent = duration(figures.median_answer_s);
    $("f-p95").textContent = duration(figures.p95_answer_s);
    if (state === "open") $("open-count").textContent = list.total ? "（" + list.total + "）" : "";
    screen.refreshed += 1;
  } catch (problem) {
    showError($("c-error"), problem, { loginUrl: cfg.login_url });
  }
}

document.querySelectorAll(".c-tabs button").forEach(function (tab) {
  tab.addEventListener("click", function () {
    state = tab.dataset.state;
    document.querySelectorAll(".c-tabs button").forEach(function (other) {
      other.setAttribute("aria-selected", String(other === tab));
    });
    refresh();
  });
});

function setOnline(online) {
  screen.online = online;
  $("c-live").dataset.online = String(online);
  $("c-live").textContent = online ? "实时" : "连接中断，正在重连…";
}

// Live: the consultants' room (Socket.IO, the page's bearer token); a reconnect re-reads the list.
if (window.io) {
  const socket = window.io({ transports: ["websocket", "polling"], auth: { token: cfg.token } });
  socket.on("connect", function () {
    socket.emit("subscribe_consultations", {}, function (answer) {
      setOnline(!!(answer && answer.ok));
      if (answer && answer.error) showError($("c-error"), answer.error);
      refresh();
    });
  });
  socket.on("disconnect", function () { setOnline(false); });
  socket.on("consultation_updated", function () {
    // A busy editor keeps its text: only the rows without typed text are redrawn.
    const typing = Array.from(document.querySelectorAll(".c-reply")).some(function (box) { return box.value.trim(); });
    if (!typing || state !== "open") refresh();
    else $("open-count").textContent = "（有新咨询，答复后刷新）";
  });
}
refresh();
