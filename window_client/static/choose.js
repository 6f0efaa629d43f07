/*
 * The window chooser (/windows/<hall>): each card's status and who is at the window follow the hall's
 * window_updated notices, so a window taken or closed meanwhile shows so without a reload.
 */
import { el } from "/static/js/dom.js";
import { connect } from "/static/js/realtime.js";

const STATUS_NAMES = { open: "开放中", paused: "暂停服务", closed: "未开放" };
const list = document.getElementById("windows");
const me = list.dataset.me;

function badge(state, clerk) {
  const text = state === "mine" ? "您正在使用" : state === "taken" ? clerk + " 使用中" : "空闲";
  return el("span", { className: "chooser-badge", dataset: { state: state } }, text);
}

function update(notice) {
  const win = notice.window || {};
  const item = list.querySelector('.chooser-item[data-window="' + win.number + '"]');
  if (!item) return;
  const state = !win.clerk ? "free" : win.clerk === me ? "mine" : "taken";
  item.dataset.state = state;
  item.dataset.status = win.status;
  const status = item.querySelector(".chooser-status");
  status.dataset.status = win.status;
  status.textContent = STATUS_NAMES[win.status] || win.status;
  item.querySelector(".chooser-state .chooser-badge").replaceWith(badge(state, win.clerk));
}

connect({
  subscribe: { hall: list.dataset.hall },
  onWindow: update,
  onStatus: function (online) { list.dataset.live = String(online); },
});
