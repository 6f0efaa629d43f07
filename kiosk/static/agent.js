/*
 * 申请代办 · 上门办理 at the kiosk: shown at a 小区政务服务站, and at any hall whose items allow 代理办;
 * the citizen picks one of this hall's items that an agent may handle and fills the shared form
 * (/static/js/agent_request.js), which asks this hall's agents.
 */
import { agentRequestForm } from "/static/js/agent_request.js";
import { $, config, el } from "/static/js/dom.js";

const cfg = config("kiosk-config");
let items = [];

function mount() {
  const code = $("agent-item").value;
  agentRequestForm($("agent-form"), {
    service: code, halls: [{ code: cfg.hall, name: cfg.hall_name }], hall: cfg.hall, channel: "kiosk",
    buttonClass: "k-checkin-submit", prefix: "kar",
  });
}

async function load() {
  try {
    const response = await fetch(cfg.urls.services + "?mode=agent", { headers: { Accept: "application/json" } });
    if (!response.ok) return;
    items = (await response.json()).filter(function (item) { return item.modes.indexOf("agent") >= 0; });
  } catch (error) {
    return;   // offline: the button stays hidden
  }
  if (!items.length) return;
  $("agent-item").replaceChildren(...items.map(function (item) { return el("option", { value: item.code }, item.name); }));
  $("agent-open").hidden = false;
  if (cfg.hall_level === "station") $("agent-open").classList.add("is-first");
}

$("agent-open").addEventListener("click", function () { mount(); $("agent-dialog").showModal(); });
$("agent-item").addEventListener("change", mount);
$("agent-cancel").addEventListener("click", function () { $("agent-dialog").close(); });
load();
