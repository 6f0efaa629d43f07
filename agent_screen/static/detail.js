/*
 * One case on the agent screen: take it (assign_agent), call the applicant, book the visit (上门),
 * collect the item's materials and submit them with the applicant's ID number (submit), follow its
 * state, and hand the result over with the collector's signature (deliver), then print the 送达回证.
 * Only what the API lists in allowed_triggers is offered.
 */
import { $, el, showError } from "/static/js/dom.js";
import { signaturePad } from "/static/js/signature.js";
import { api, banner, cfg, dateTime, kindText, screen } from "./context.js";

const services = {};   // item code -> its guide (materials)
let afterAction = function () {};
const pad = signaturePad($("d-sign"), function (signed) {
  $("d-sign-state").textContent = signed ? "已签名" : "未签名";
});

/** Read the lists again after an action (agent.js). */
export function onLoaded(callback) { afterAction = callback; }

export function closeDetail() {
  screen.selected = null;
  screen.current = null;
  $("ag-detail").hidden = true;
  document.body.classList.remove("ag-has-detail");
}

export async function loadCase() {
  const caseNo = screen.selected;
  if (!caseNo) return;
  try {
    const c = await api("GET", "/cases/" + encodeURIComponent(caseNo));
    if (screen.selected !== caseNo) return;
    if (!services[c.service]) services[c.service] = await api("GET", "/services/" + encodeURIComponent(c.service));
    screen.current = c;
    renderCase(c);
  } catch (error) {
    banner.error(error);
  }
}

function allowed(c, trigger) { return c.allowed_triggers.includes(trigger); }

function holds(c) { return cfg.agent && c.agent && c.agent.username === cfg.username; }

function renderCase(c) {
  const asked = c.agent_request || {};
  $("ag-detail").hidden = false;
  document.body.classList.add("ag-has-detail");
  showError($("d-error"), null);
  $("d-case-no").textContent = c.case_no;
  $("d-service").textContent = c.service_name;
  $("d-state").textContent = c.state_name;
  $("d-applicant").textContent = c.applicant.name;
  $("d-phone").textContent = asked.contact_phone || c.applicant.phone;
  $("d-kind").textContent = kindText(c.agent_request);
  $("d-address").textContent = asked.visit_address || asked.address || "—";
  $("d-note").textContent = asked.note || "—";
  $("d-visit").textContent = asked.visit_at ? dateTime(asked.visit_at) : "未预约";
  $("d-agent").textContent = c.agent ? c.agent.name : "待接单";
  $("d-created").textContent = dateTime(c.created_at);

  $("d-take").hidden = !(cfg.agent && allowed(c, "assign_agent"));
  const call = $("d-call");
  call.hidden = !asked.contact_phone;
  if (asked.contact_phone) {
    call.href = "tel:" + asked.contact_phone;
    call.textContent = "拨打电话 " + asked.contact_phone;
  }
  $("d-assign-form").hidden = !(!cfg.agent && cfg.supervises && allowed(c, "assign_agent"));
  if (!$("d-assign-form").hidden) fillAgents(c);

  const visiting = holds(c) && (c.state === "agent_assigned" || c.state === "ready_for_pickup");
  $("d-visit-form").hidden = !visiting;
  if (visiting) $("d-visit-address").value = asked.visit_address || asked.address || "";

  $("d-submit-form").hidden = !(holds(c) && allowed(c, "submit"));
  if (!$("d-submit-form").hidden) renderMaterials(c);

  $("d-deliver-form").hidden = !(holds(c) && allowed(c, "deliver") && c.state === "ready_for_pickup");
  if (!$("d-deliver-form").hidden) $("d-collector-name").value = c.applicant.name;
  $("d-receipt").hidden = !c.documents.includes("receipt");

  $("d-history").replaceChildren(...c.history.map(function (h) {
    return el("li", null, [
      el("span", "ag-when", dateTime(h.at)), " ", el("strong", null, h.trigger_name),
      h.actor_name ? "（" + h.actor_name + "）" : "",
    ]);
  }));
}

async function fillAgents(c) {
  try {
    const roster = screen.roster || await api("GET", "/halls/" + encodeURIComponent(cfg.hall) + "/agents");
    screen.roster = roster;
    $("d-assign-agent").replaceChildren(...roster.filter(function (a) { return a.hall === c.hall && a.active; })
      .map(function (a) { return el("option", { value: a.username }, a.name + "（在办 " + a.open_cases + "）"); }));
  } catch (error) {
    showError($("d-error"), error);
  }
}

function renderMaterials(c) {
  const have = {};
  c.materials.forEach(function (m) { have[m.name] = m; });
  $("d-materials").replaceChildren(...services[c.service].materials.map(function (m, index) {
    const got = el("input", { type: "checkbox", id: "m-got-" + index, checked: !!have[m.name] });
    got.dataset.name = m.name;
    const seen = el("input", { type: "checkbox", id: "m-seen-" + index, checked: !!(have[m.name] && have[m.name].original_seen) });
    return el("li", null, [
      el("label", { htmlFor: "m-got-" + index }, [got, " " + m.name + (m.required === false ? "（非必需）" : "")]),
      el("label", { className: "ag-sub", htmlFor: "m-seen-" + index }, [seen, " 原件已核"]),
    ]);
  }));
}

// ---------- actions ----------

async function act(path, body) {
  if (screen.busy) return;
  screen.busy = true;
  showError($("d-error"), null);
  try {
    const c = await api("POST", path, body);
    screen.current = c;
    renderCase(c);
    afterAction();
    return c;
  } catch (error) {
    const fields = error.details && error.details.fields;
    const detail = fields ? Object.values(fields).join("；") : "";
    showError($("d-error"), detail ? { message: error.message + "：" + detail, status: error.status } : error);
    return null;
  } finally {
    screen.busy = false;
  }
}

function fire(trigger, data) {
  const body = { trigger: trigger };
  if (data) body.data = data;
  return act("/cases/" + encodeURIComponent(screen.current.case_no) + "/transitions", body);
}

$("d-take").addEventListener("click", async function () {
  if (await fire("assign_agent")) banner.info("已接单，请尽快联系申请人");
});
$("d-assign-form").addEventListener("submit", function (event) {
  event.preventDefault();
  fire("assign_agent", { agent: $("d-assign-agent").value });
});
$("d-visit-form").addEventListener("submit", async function (event) {
  event.preventDefault();
  const body = { at: $("d-visit-at").value };
  const address = $("d-visit-address").value.trim();
  if (address) body.address = address;
  const c = await act("/cases/" + encodeURIComponent(screen.current.case_no) + "/visit", body);
  if (c) banner.info("已预约上门，短信已发送给申请人");
});
$("d-submit-form").addEventListener("submit", async function (event) {
  event.preventDefault();
  const materials = [];
  $("d-materials").querySelectorAll("input[id^='m-got-']").forEach(function (box) {
    if (!box.checked) return;
    const seen = $("m-seen-" + box.id.slice("m-got-".length));
    materials.push({ name: box.dataset.name, original_seen: seen.checked, copies: 1 });
  });
  const data = { materials: materials };
  const number = $("d-id-number").value.trim();
  if (number) data.applicant_id_number = number;
  if (await fire("submit", data)) banner.info("已提交到审批部门");
});
$("d-sign-clear").addEventListener("click", function () { pad.clear(); });
$("d-deliver-form").addEventListener("submit", async function (event) {
  event.preventDefault();
  const kind = document.querySelector("input[name='collector']:checked").value;
  const collector = {
    kind: kind,
    name: $("d-collector-name").value.trim() || null,
    id_number: $("d-collector-id").value.trim() || null,
    id_checked: $("d-id-checked").checked,
    proxy_letter: $("d-proxy-letter").checked,
  };
  const data = { collector: collector };
  const signature = pad.dataUrl();
  if (signature) data.signature = signature;
  if (await fire("deliver", data)) { pad.clear(); banner.info("已送达，请打印送达回证"); }
});
$("d-receipt").addEventListener("click", async function () {
  try {
    const path = "/cases/" + encodeURIComponent(screen.current.case_no) + "/documents/receipt";
    const response = await api.raw("GET", path, { accept: "application/pdf" });
    window.open(URL.createObjectURL(await response.blob()), "_blank");
  } catch (error) {
    showError($("d-error"), error);
  }
});
