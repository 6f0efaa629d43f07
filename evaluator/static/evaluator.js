/*
 * The evaluator facing the citizen at a window (/evaluate/<window_id>).
 * Follows its hall through live.js; when its window finishes a ticket, asks 请您评价 and posts the
 * grade (with the window's id: the server accepts only the ticket this window finished last).
 */
import { createClient } from "/static/js/api.js";
import { $, config, el } from "/static/js/dom.js";
import { BAD_REASONS, reasonComment } from "/static/js/labels.js";
import { connect } from "/static/js/realtime.js";

const cfg = config("evaluator-config");
const api = createClient({ base: "" });
let ticket = null;      // {id, number}: the ticket being rated
let grade = null;
let idleTimer = null;
let sending = false;

function show(view) {
  $("ev").dataset.view = view;
  ["idle", "ask", "reasons", "thanks"].forEach(function (name) { $("ev-" + name).hidden = name !== view; });
  clearTimeout(idleTimer);
  if (view !== "idle") {
    idleTimer = setTimeout(function () { ticket = null; show("idle"); },
      (view === "thanks" ? cfg.thanks_s : cfg.idle_after_s) * 1000);
  }
}

function ask(notice) {
  ticket = { id: notice.id, number: notice.number };
  grade = null;
  $("ev-number").textContent = notice.number;
  show("ask");
}

async function send(comment) {
  if (!ticket || sending) return;
  sending = true;
  const body = { ticket_id: ticket.id, grade: grade, channel: "evaluator", window_id: cfg.window_id };
  if (comment) body.comment = comment;
  let text = "感谢您的评价！", sub = grade <= 2 ? "我们会认真整改，并尽快改进服务。" : "祝您生活愉快！";
  try {
    await api("POST", cfg.ratings, body);
  } catch (error) {
    if (error.status === 0) {
      text = "评价未能提交"; sub = "网络异常，请联系工作人员";
    } else {
      text = error.status === 409 ? "本次业务已评价，谢谢！" : "评价未能提交";
      sub = error.message || "请稍后再试";
    }
  } finally {
    sending = false;
  }
  ticket = null;
  $("ev-thanks-text").textContent = text;
  $("ev-thanks-sub").textContent = sub;
  show("thanks");
}

document.querySelectorAll(".ev-grade").forEach(function (button) {
  button.addEventListener("click", function () {
    grade = Number(button.dataset.grade);
    if (grade <= 2) show("reasons"); else send(null);
  });
});
// The same reasons as every rating screen (labels.js); the one chosen heads the comment: 【等候时间长】.
BAD_REASONS.forEach(function (reason) {
  const button = el("button", { type: "button", className: "ev-reason" }, reason);
  button.addEventListener("click", function () { send(reasonComment(reason, "")); });
  $("ev-reason-list").appendChild(button);
});
$("ev-no-reason").addEventListener("click", function () { send(null); });

function setOnline(online) {
  $("ev-live").textContent = online ? "● 评价器已连接" : "网络连接中断，正在重连…";
  $("ev-live").classList.toggle("is-offline", !online);
}

// The clerk at this window (window_updated: opened, paused or closed by whom): name, 工号 and photo.
function staffed(notice) {
  const win = notice.window || {};
  if (win.number !== cfg.window_number) return;
  $("ev-staff").hidden = !win.clerk;
  $("ev-staff").dataset.status = win.status;
  $("ev-clerk").textContent = win.clerk || "";
  $("ev-employee-no").textContent = win.clerk_employee_no ? "工号 " + win.clerk_employee_no : "";
  $("ev-employee-no").hidden = !win.clerk_employee_no;
  showPhoto(win.clerk && win.clerk_photo_at);
  $("ev-idle-sub").textContent = win.status === "closed" ? "本窗口暂未开放" : "办理完毕后，请对我们的服务作出评价";
}

// The clerk's photo (served only while they staff this window), versioned by when it was set; the drawn
// placeholder when there is none or it cannot be loaded.
function showPhoto(photoAt) {
  const img = $("ev-photo");
  const src = photoAt ? cfg.clerk_photo + "?v=" + encodeURIComponent(photoAt) : "";
  if (!src) { img.removeAttribute("src"); placeholder(true); return; }
  if (img.getAttribute("src") !== src) img.src = src;
  else if (img.complete && img.naturalWidth) placeholder(false);
}
// toggleAttribute: an <svg> has no hidden property.
function placeholder(on) { $("ev-photo").hidden = on; $("ev-photo-none").toggleAttribute("hidden", !on); }
$("ev-photo").addEventListener("load", function () { placeholder(false); });
$("ev-photo").addEventListener("error", function () { placeholder(true); });

connect({
  subscribe: { hall: cfg.hall },
  onWindow: staffed,
  onTicket: function (notice) {
    if (notice.state === "done" && notice.window_number === cfg.window_number) ask(notice);
    else if (ticket && notice.id === ticket.id && notice.state !== "done") { ticket = null; show("idle"); }
  },
  onStatus: setOnline,
});
staffed({ window: cfg.window });
show("idle");
