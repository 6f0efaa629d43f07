/*
 * 申请代办 · 上门办理 on the booking page: for the items of this hall that allow 代理办, the shared form
 * (/static/js/agent_request.js) asks this hall's agents instead of booking a visit to the hall.
 */
import { agentRequestForm } from "/static/js/agent_request.js";
import { $, config, el } from "/static/js/dom.js";

const cfg = config("booking-config");

function mount() {
  agentRequestForm($("b-agent-form"), {
    service: $("b-agent-item").value, halls: [{ code: cfg.hall, name: cfg.hall_name }], hall: cfg.hall,
    channel: "booking", buttonClass: "b-button", prefix: "bar",
  });
}

(async function () {
  let items = [];
  try {
    const response = await fetch(cfg.urls.services + "?mode=agent", { headers: { Accept: "application/json" } });
    if (response.ok) items = (await response.json()).filter(function (item) { return item.modes.indexOf("agent") >= 0; });
  } catch (error) {
    return;
  }
  if (!items.length) return;
  $("b-agent-item").replaceChildren(...items.map(function (item) { return el("option", { value: item.code }, item.name); }));
  $("b-agent").hidden = false;
  $("b-agent-open").addEventListener("click", function () {
    $("b-agent-open").hidden = true;
    $("b-agent-body").hidden = false;
    mount();
  });
  $("b-agent-item").addEventListener("change", mount);
})();
