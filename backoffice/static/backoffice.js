/*
 * The back-office approval screen (后台分类审批).
 *
 * Everything goes through the JSON API with the page's bearer token (every POST with an
 * Idempotency-Key, re-sent with it after a network error). The list (list.js) holds the views of
 * the cases the user works on: 网上预审 (online applications of the hall, for clerks) and the
 * department's 待认领, 我的在办, 待出件, 全部 (for approvers); the server names the user's tabs in
 * the page's config. The detail pane (detail.js) shows one case and offers only the triggers the API
 * lists in its allowed_triggers; the dialog (dialog.js) asks for what an action needs. State and
 * trigger names are the server's (GET /labels). After each action, and on every case_updated
 * notice of the hall, the screen reads again what the server holds.
 */
import { $, typing } from "/static/js/dom.js";
import { connect } from "/static/js/realtime.js";
import { cfg, banner, screen } from "./context.js";
import { loadCase, renderCase, fire, select } from "./detail.js";
import { openDialog, submitDialog } from "./dialog.js";
import { loadLists, renderList } from "./list.js";
import { loadTransfers } from "./transfers.js";

const LIVE_DEBOUNCE_MS = 300;  // a burst of notices (accept + dispatch) reads the lists once
const DIRECT = { claim: true, unclaim: true, resume: true };

// ---------- keyboard ----------

function onKey(event) {
  if (event.ctrlKey || event.altKey || event.metaKey || $("bo-dialog").open) return;
  if (typing(event.target)) return;
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const items = screen.lists[screen.tab] || [];
  if (!items.length) return;
  event.preventDefault();
  let index = items.findIndex(function (c) { return c.case_no === screen.selected; });
  index = event.key === "ArrowDown" ? Math.min(items.length - 1, index + 1) : Math.max(0, index - 1);
  location.hash = encodeURIComponent(items[index].case_no);
  const row = document.querySelector('#bo-rows tr[data-case-no="' + CSS.escape(items[index].case_no) + '"]');
  if (row) row.scrollIntoView({ block: "nearest" });
}

// ---------- live ----------

let liveTimer = null;
function onCaseUpdated(notice) {
  if (cfg.department && notice.department && notice.department !== cfg.department) return;  // another department's
  clearTimeout(liveTimer);
  liveTimer = setTimeout(function () {
    loadLists();
    loadTransfers();  // a slip sent to this hall (待签收) or received from it
    if (notice.case_no === screen.selected && !screen.busy) loadCase();
  }, LIVE_DEBOUNCE_MS);
}

function onStatus(online) {
  const conn = $("bo-conn");
  conn.textContent = online ? "● 实时连接" : "● 连接中断，正在重连…";
  conn.className = "bo-conn " + (online ? "is-online" : "is-offline");
}

function refresh() {
  loadLists();
  loadTransfers();
  if (screen.selected && !screen.busy) loadCase();
}

// ---------- start ----------

function selectFromHash() {
  const caseNo = decodeURIComponent(location.hash.slice(1));
  if (caseNo !== screen.selected || !screen.current) select(caseNo);
}

$("bo-tabs").addEventListener("click", function (event) {
  const tab = event.target.closest(".bo-tab");
  if (!tab) return;
  screen.tab = tab.dataset.tab;
  renderList();
  if (screen.tab === "transfers") loadTransfers();
});
if ($("bo-search")) {   // only with the 全部 tab, where the results are shown
  $("bo-search").addEventListener("submit", function (event) {
    event.preventDefault();
    screen.search = $("bo-q").value.trim();
    screen.tab = "all";
    loadLists();
  });
  $("bo-q").addEventListener("search", function () {   // the field's × clears the search
    if (!$("bo-q").value && screen.search) { screen.search = ""; loadLists(); }
  });
}
$("bo-list").addEventListener("click", function (event) {
  const row = event.target.closest("tr[data-case-no]");
  if (!row || event.target.closest("a, button")) return;
  location.hash = encodeURIComponent(row.dataset.caseNo);
});
$("bo-actions").addEventListener("click", function (event) {
  const button = event.target.closest("[data-trigger]");
  if (!button || button.disabled || screen.busy) return;
  const trigger = button.dataset.trigger;
  if (DIRECT[trigger]) fire(trigger);
  else openDialog(trigger);
});
$("dlg-form").addEventListener("submit", function (event) {
  if (event.submitter && event.submitter.value === "ok") {
    event.preventDefault();
    submitDialog();
  }
});
$("bo-refresh").addEventListener("click", refresh);
window.addEventListener("hashchange", selectFromHash);
document.addEventListener("keydown", onKey);
// Notices may be lost while the link is down; the snapshot on reconnect and this timer catch up.
setInterval(function () { if (!screen.busy && !$("bo-dialog").open) refresh(); }, 120000);

renderList();
loadLists();
if (location.hash.length > 1) selectFromHash();
else renderCase();

const live = cfg.hall ? connect({
  subscribe: { hall: cfg.hall },
  token: cfg.token,
  onSnapshot: function (snapshot, again) { if (again) refresh(); },
  onStatus: onStatus,
  onError: function (body) { banner.error({ message: "实时订阅失败：" + body.error.message }); },
}) : null;
if (live) {
  live.socket.on("case_updated", onCaseUpdated);
} else {
  onStatus(false);
  $("bo-conn").textContent = "未连接实时更新";
}
