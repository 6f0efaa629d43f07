/*
 * 案卷流转 (流转单): a case's paper file moving between the halls of the city (同城办, 异地代收代办).
 *
 * The clerks' 案卷流转 tab lists the hall's slips (GET /halls/{hall}/transfers?open=false): 待签收 (sent
 * to this hall, 签收 marks them received), 在途 (sent from it) and the files received here, which go on
 * with 发出案卷 (POST /cases/{no}/transfers). A case's detail lists its slips (GET /cases/{no}/transfers)
 * and, while its file lies at the clerk's hall, sends it on from there.
 */
import { $, el } from "/static/js/dom.js";
import { api, banner, cfg, dateTime, screen } from "./context.js";

const state = { halls: null, slips: null, seq: 0, caseSeq: 0, busy: false };
export const CAN_SEND = cfg.tabs.indexOf("transfers") >= 0 && !!cfg.hall;

async function halls() {
  if (!state.halls) state.halls = await api("GET", "/halls");
  return state.halls;
}

/** Fill a 发往 list with the halls of the city but the one holding the file. */
async function fillDestinations(select, except) {
  const all = await halls();
  const chosen = select.value;
  select.textContent = "";
  select.append(new Option("请选择接收大厅", ""));
  all.forEach(function (hall) { if (hall.code !== except) select.append(new Option(hall.name, hall.code)); });
  if (chosen && chosen !== except) select.value = chosen;
}

function who(name, at) { return at ? (name || "—") + " · " + dateTime(at) : "—"; }

function slipRow(slip, action) {
  const tr = el("tr");
  tr.dataset.slip = String(slip.id);
  tr.dataset.caseNo = slip.case_no;
  const number = el("td", "col-no");
  const link = el("a", null, slip.case_no);
  link.href = "#" + encodeURIComponent(slip.case_no);
  number.append(link);
  const service = el("td", "col-service", slip.service_name);
  service.title = slip.service_name;
  const road = el("td", "col-road", slip.from_hall_name + " → " + slip.to_hall_name);
  road.title = road.textContent;
  const cell = el("td", "col-act");
  if (action) cell.append(action);
  tr.append(number, service, road, el("td", "col-who", who(slip.sent_by, slip.sent_at)),
    el("td", "col-who", slip.received_at ? who(slip.received_by, slip.received_at) : "在途"), cell);
  return tr;
}

function button(text, kind, onClick) {
  const b = el("button", "bo-btn " + kind, text);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function fillTable(id, slips, action, empty) {
  const body = $(id);
  body.textContent = "";
  slips.forEach(function (slip) { body.append(slipRow(slip, action(slip))); });
  $(id + "-empty").hidden = slips.length > 0;
  $(id + "-empty").textContent = empty;
}

/** Read the hall's slips and show the 案卷流转 tab (and its count: the files waiting to be received). */
export async function loadTransfers() {
  if (!CAN_SEND || !$("bo-transfers")) return;
  const seq = ++state.seq;
  let answer;
  try {
    answer = await api("GET", "/halls/" + encodeURIComponent(cfg.hall) + "/transfers?open=false");
  } catch (error) {
    if (seq === state.seq) banner.error(error);
    return;
  }
  if (seq !== state.seq) return;
  state.slips = answer.items;
  renderTransfers();
}

function fileIsHere(slip, all) {
  // The newest slip of the case that this hall saw: received here, so the file lies here now.
  const newest = all.filter(function (s) { return s.case_no === slip.case_no; })
    .reduce(function (a, b) { return a.id > b.id ? a : b; });
  return newest.id === slip.id && slip.to_hall === cfg.hall && !!slip.received_at;
}

export function renderTransfers() {
  const slips = state.slips || [];
  const inbox = slips.filter(function (s) { return s.to_hall === cfg.hall && !s.received_at; });
  const outbox = slips.filter(function (s) { return s.from_hall === cfg.hall && !s.received_at; });
  const done = slips.filter(function (s) { return s.received_at; });
  const count = document.querySelector('[data-count="transfers"]');
  if (count) count.textContent = state.slips ? String(inbox.length) : "";
  fillTable("tr-inbox", inbox, function (slip) {
    return button("签收", "bo-btn-ok", function () { receive(slip); });
  }, "没有待签收的案卷");
  fillTable("tr-outbox", outbox, function () { return null; }, "本大厅发出的案卷均已签收");
  fillTable("tr-done", done.slice(0, 50), function (slip) {
    if (!fileIsHere(slip, slips)) return null;
    return button("转出", "bo-btn-quiet", function () {
      $("tr-case-no").value = slip.case_no;
      $("tr-to").focus();
    });
  }, "暂无流转记录");
}

async function receive(slip) {
  if (state.busy) return;
  state.busy = true;
  try {
    await api("POST", "/transfers/" + slip.id + "/receive");
    banner.info("已签收案卷：" + slip.case_no + "（" + slip.from_hall_name + " 发出）");
  } catch (error) {
    banner.error(error);
  }
  state.busy = false;
  await loadTransfers();
  if (screen.current && screen.current.case_no === slip.case_no) renderSlips(screen.current);
}

/** Send a case's paper file to a hall; say what went wrong beside the form it came from. */
async function send(caseNo, to, errorBox) {
  errorBox.hidden = true;
  if (!caseNo || !to) {
    errorBox.textContent = !caseNo ? "请填写办件编号" : "请选择接收大厅";
    errorBox.hidden = false;
    return false;
  }
  if (state.busy) return false;
  state.busy = true;
  let ok = false;
  try {
    const slip = await api("POST", "/cases/" + encodeURIComponent(caseNo) + "/transfers", { to: to });
    banner.info("已发出案卷：" + slip.case_no + " → " + slip.to_hall_name + "，待对方签收");
    ok = true;
  } catch (error) {
    const fields = error.details && error.details.fields;
    errorBox.textContent = (error.message || "发出失败") + (fields ? "：" + Object.values(fields).join("；") : "");
    errorBox.hidden = false;
  }
  state.busy = false;
  await loadTransfers();
  return ok;
}

// ---------- the case's slips in its detail ----------

/** Show the case's slips, and 发出案卷 when its file lies at this clerk's hall with none on the road. */
export async function renderSlips(c) {
  const seq = ++state.caseSeq;
  const block = $("d-transfers-block");
  let slips = [];
  try {
    slips = (await api("GET", "/cases/" + encodeURIComponent(c.case_no) + "/transfers")).items;
  } catch (error) {
    slips = [];
  }
  if (seq !== state.caseSeq || !screen.current || screen.current.case_no !== c.case_no) return;
  const received = slips.filter(function (s) { return s.received_at; });
  const here = received.length ? received[received.length - 1].to_hall : c.hall;
  const onRoad = slips.some(function (s) { return !s.received_at; });
  const canSend = CAN_SEND && here === cfg.hall && !onRoad;
  block.hidden = slips.length === 0 && !canSend;
  const list = $("d-transfers");
  list.textContent = "";
  slips.forEach(function (slip) {
    const li = el("li", slip.received_at ? "is-received" : "is-on-road", slip.from_hall_name + " → " + slip.to_hall_name);
    li.dataset.slip = String(slip.id);
    li.append(el("small", null, "发出：" + who(slip.sent_by, slip.sent_at) + " · 签收："
      + (slip.received_at ? who(slip.received_by, slip.received_at) : "在途")));
    list.append(li);
  });
  if (!slips.length) list.append(el("li", "bo-none", "案卷在受理大厅，尚未流转"));
  $("d-transfer-form").hidden = !canSend;
  if (canSend) await fillDestinations($("d-transfer-to"), here);
}

// ---------- wiring ----------

if (CAN_SEND && $("bo-transfers")) {
  halls().then(function () { fillDestinations($("tr-to"), cfg.hall); }).catch(function () {});
  $("tr-send-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const ok = await send($("tr-case-no").value.trim().toUpperCase(), $("tr-to").value, $("tr-send-error"));
    if (ok) { $("tr-case-no").value = ""; $("tr-to").value = ""; }
  });
  $("d-transfer-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const c = screen.current;
    if (!c) return;
    if (await send(c.case_no, $("d-transfer-to").value, $("d-transfer-error"))) renderSlips(c);
  });
  loadTransfers();
}
