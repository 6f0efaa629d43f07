/*
 * The agent screen (代办工作台). 待接单 lists the requests of the agent's hall (state agent_requested);
 * 我的代办 the agent's own cases; a supervisor also sees the hall's agents and their figures (花名册).
 * Everything goes through the JSON API with the page's bearer token; the lists are read again on
 * every agent_case_updated notice of the hall (Socket.IO, the shared realtime module).
 */
import { $, el } from "/static/js/dom.js";
import { connect } from "/static/js/realtime.js";
import { minutesText } from "/static/js/time.js";
import { api, banner, cfg, dateTime, kindText, screen } from "./context.js";
import { closeDetail, loadCase, onLoaded } from "./detail.js";

const LIVE_DEBOUNCE_MS = 300;
const EMPTY = { requests: "暂无待接单的代办申请", mine: "暂无在办的代办件" };
const DONE = ["closed", "withdrawn", "not_accepted"];

async function loadLists() {
  try {
    const requests = await api("GET", "/cases?state=agent_requested&limit=200");
    const query = cfg.agent ? "/cases?limit=200" : "/cases?hall=" + encodeURIComponent(cfg.hall) + "&limit=200";
    const all = await api("GET", query);
    screen.lists.requests = requests.items;
    screen.lists.mine = all.items.filter(function (c) {
      if (c.mode !== "agent" || c.state === "agent_requested" || DONE.includes(c.state)) return false;
      return !cfg.agent || (c.agent && c.agent.username === cfg.username);
    });
    render();
  } catch (error) {
    banner.error(error);
  }
}

function card(c) {
  const asked = c.agent_request;
  const where = asked && (asked.visit_address || asked.address);
  const visit = asked && asked.visit_at ? "上门 " + dateTime(asked.visit_at) : null;
  const item = el("li", { className: "ag-card" + (c.case_no === screen.selected ? " is-selected" : ""), dataset: { caseNo: c.case_no } }, [
    el("div", "ag-card-top", [el("strong", null, c.service_name), el("span", "ag-state", c.state_name)]),
    el("p", "ag-card-line", c.applicant.name + " · " + kindText(asked)),
    where ? el("p", "ag-card-line", where) : null,
    el("p", "ag-card-meta", [c.case_no, " · ", visit || "申请于 " + dateTime(c.created_at)]),
  ]);
  item.tabIndex = 0;
  item.setAttribute("role", "button");
  return item;
}

function render() {
  $("ag-count-requests").textContent = String(screen.lists.requests.length);
  $("ag-count-mine").textContent = String(screen.lists.mine.length);
  document.querySelectorAll(".ag-tab").forEach(function (tab) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === screen.tab));
  });
  const roster = screen.tab === "roster";
  $("ag-list").hidden = roster;
  if ($("ag-roster")) $("ag-roster").hidden = !roster;
  if (roster) return;
  const items = screen.lists[screen.tab] || [];
  $("ag-cards").replaceChildren(...items.map(card));
  $("ag-empty").textContent = EMPTY[screen.tab];
  $("ag-empty").hidden = items.length > 0;
}

// ---------- the supervisor's roster and figures ----------

async function loadRoster() {
  try {
    const roster = await api("GET", "/halls/" + encodeURIComponent(cfg.hall) + "/agents");
    const figures = await api("GET", "/halls/" + encodeURIComponent(cfg.hall) + "/agent-stats");
    screen.roster = roster;
    $("r-roster").replaceChildren(...roster.map(function (a) {
      return el("tr", null, [
        el("td", null, a.name + (a.active ? "" : "（停用）")), el("td", null, a.hall_name),
        el("td", null, String(a.open_cases)), el("td", null, String(a.hall_waiting)),
      ]);
    }));
    $("r-figures").replaceChildren(...figures.agents.map(function (a) {
      return el("tr", null, [
        el("td", null, a.name), el("td", null, String(a.taken)), el("td", null, String(a.submitted)),
        el("td", null, String(a.handed_over)), el("td", null, minutesText(a.median_take_s)),
      ]);
    }));
  } catch (error) {
    banner.error(error);
  }
}

// ---------- events ----------

document.querySelector(".ag-tabs").addEventListener("click", function (event) {
  const tab = event.target.closest(".ag-tab");
  if (!tab) return;
  screen.tab = tab.dataset.tab;
  closeDetail();
  render();
  if (screen.tab === "roster") loadRoster();
});
function pick(event) {
  const item = event.target.closest(".ag-card");
  if (!item || (event.type === "keydown" && event.key !== "Enter" && event.key !== " ")) return;
  event.preventDefault();
  screen.selected = item.dataset.caseNo;
  render();
  loadCase();
}
$("ag-cards").addEventListener("click", pick);
$("ag-cards").addEventListener("keydown", pick);
$("ag-back").addEventListener("click", function () { closeDetail(); render(); });
$("ag-refresh").addEventListener("click", refresh);
onLoaded(loadLists);

function refresh() {
  loadLists();
  if (screen.selected && !screen.busy) loadCase();
  if (screen.tab === "roster") loadRoster();
}

let liveTimer = null;
function onNotice() {
  clearTimeout(liveTimer);
  liveTimer = setTimeout(refresh, LIVE_DEBOUNCE_MS);
}

function onStatus(online) {
  $("ag-conn").textContent = online ? "● 实时连接" : "● 连接中断，正在重连…";
  $("ag-conn").className = "ag-conn " + (online ? "is-online" : "is-offline");
}

if (location.hash === "#roster" && cfg.supervises) { screen.tab = "roster"; loadRoster(); }
render();
loadLists();
const live = connect({
  subscribe: { hall: cfg.hall },
  token: cfg.token,
  onSnapshot: function (snapshot, again) { if (again) refresh(); },
  onStatus: onStatus,
  onError: function (body) { banner.error({ message: "实时订阅失败：" + body.error.message }); },
});
if (live) {
  live.socket.on("agent_case_updated", onNotice);
  live.socket.on("case_updated", onNotice);   // a supervisor hears the hall's case notices
} else {
  onStatus(false);
}
setInterval(function () { if (!screen.busy) refresh(); }, 120000);
